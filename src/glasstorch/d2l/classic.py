"""The plain functions of the book's chapters (and of its earlier editions, which the course
notes also use): the from-scratch linear model, losses and SGD, accuracy and loss over a data
set, gradient clipping, 2-d cross-correlation, and the training loops of chapters 6 and 11."""
import numpy as np

import glasstorch
from glasstorch import nn

from .board import Animator
from .data import load_array
from .download import DATA_HUB, DATA_URL, download
from .timing import Accumulator, Timer


def linreg(X, w, b):
    """The linear regression model X w + b."""
    return glasstorch.matmul(X, w) + b


def squared_loss(y_hat, y):
    """Half the squared error, elementwise (y reshaped like y_hat)."""
    return (y_hat - y.reshape(y_hat.shape)) ** 2 / 2


def sgd(params, lr, batch_size):
    """Minibatch SGD on summed losses: param -= lr * grad / batch_size, then zero the grad."""
    with glasstorch.no_grad():
        for param in params:
            param -= lr * param.grad / batch_size
            param.grad.zero_()


def accuracy(y_hat, y):
    """The number of correct predictions (a float): y_hat holds logits (n, classes) or
    predicted labels (n,)."""
    if len(y_hat.shape) > 1 and y_hat.shape[1] > 1:
        y_hat = y_hat.argmax(axis=1)
    cmp = y_hat.type(y.dtype) == y
    return float(cmp.type(y.dtype).sum())


def evaluate_accuracy(net, data_iter):
    """The accuracy of `net` over the data set `data_iter` (eval mode for a Module)."""
    if isinstance(net, nn.Module):
        net.eval()
    metric = Accumulator(2)      # correct predictions, predictions
    with glasstorch.no_grad():
        for X, y in data_iter:
            metric.add(accuracy(net(X), y), y.numel())
    return metric[0] / metric[1]


def evaluate_accuracy_gpu(net, data_iter, device=None):
    """evaluate_accuracy with the batches moved to `device` (default: the net's)."""
    if isinstance(net, nn.Module):
        net.eval()
        if not device:
            device = next(iter(net.parameters())).device
    metric = Accumulator(2)
    with glasstorch.no_grad():
        for X, y in data_iter:
            if isinstance(X, list):
                X = [x.to(device) for x in X]
            else:
                X = X.to(device)
            y = y.to(device)
            metric.add(accuracy(net(X), y), y.numel())
    return metric[0] / metric[1]


def evaluate_loss(net, data_iter, loss):
    """The mean of the elementwise `loss` of `net` over the data set."""
    metric = Accumulator(2)      # sum of losses, number of losses
    for X, y in data_iter:
        out = net(X)
        y = y.reshape(out.shape)
        l = loss(out, y)
        metric.add(l.sum(), l.numel())
    return metric[0] / metric[1]


def grad_clipping(net, theta):
    """Scale the gradients of net's parameters (or net.params) so their joint L2 norm is at
    most theta."""
    if isinstance(net, nn.Module):
        params = [p for p in net.parameters() if p.requires_grad]
    else:
        params = net.params
    norm = glasstorch.sqrt(sum(glasstorch.sum(p.grad ** 2) for p in params))
    if norm > theta:
        for param in params:
            param.grad[:] *= theta / norm


def corr2d(X, K):
    """2-d cross-correlation of X (h, w) with kernel K (kh, kw), as the book writes it: one
    window at a time. Y[i, j] = sum(X[i:i+kh, j:j+kw] * K)."""
    h, w = K.shape
    Y = glasstorch.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i: i + h, j: j + w] * K).sum()
    return Y


def train_ch6(net, train_iter, test_iter, num_epochs, lr, device):
    """Chapter 6's loop: Xavier init, SGD on cross-entropy, an Animator of train loss,
    train accuracy and test accuracy; prints the final figures."""
    def init_weights(m):
        if type(m) == nn.Linear or type(m) == getattr(nn, "Conv2d", None):
            nn.init.xavier_uniform_(m.weight)
    net.apply(init_weights)
    print('training on', device)
    net.to(device)
    optimizer = glasstorch.optim.SGD(net.parameters(), lr=lr)
    loss = nn.CrossEntropyLoss()
    animator = Animator(xlabel='epoch', xlim=[1, num_epochs],
                        legend=['train loss', 'train acc', 'test acc'])
    timer, num_batches = Timer(), len(train_iter)
    for epoch in range(num_epochs):
        metric = Accumulator(3)      # sum of loss, correct predictions, examples
        net.train()
        for i, (X, y) in enumerate(train_iter):
            timer.start()
            optimizer.zero_grad()
            X, y = X.to(device), y.to(device)
            y_hat = net(X)
            l = loss(y_hat, y)
            l.backward()
            optimizer.step()
            with glasstorch.no_grad():
                metric.add(l * X.shape[0], accuracy(y_hat, y), X.shape[0])
            timer.stop()
            train_l = metric[0] / metric[2]
            train_acc = metric[1] / metric[2]
            if (i + 1) % max(num_batches // 5, 1) == 0 or i == num_batches - 1:
                animator.add(epoch + (i + 1) / num_batches, (train_l, train_acc, None))
        test_acc = evaluate_accuracy_gpu(net, test_iter)
        animator.add(epoch + 1, (None, None, test_acc))
    print(f'loss {train_l:.3f}, train acc {train_acc:.3f}, test acc {test_acc:.3f}')
    print(f'{metric[2] * num_epochs / timer.sum():.1f} examples/sec on {str(device)}')


def train_2d(trainer, steps=20, f_grad=None):
    """Run a 2-d optimiser `trainer(x1, x2, s1, s2[, f_grad])` from (-5, -2) for `steps`
    steps; returns the path [(x1, x2), ...]."""
    x1, x2, s1, s2 = -5, -2, 0, 0      # s1, s2: state of momentum, AdaGrad, RMSProp
    results = [(x1, x2)]
    for i in range(steps):
        if f_grad:
            x1, x2, s1, s2 = trainer(x1, x2, s1, s2, f_grad)
        else:
            x1, x2, s1, s2 = trainer(x1, x2, s1, s2)
        results.append((x1, x2))
    print(f'epoch {i + 1}, x1: {float(x1):f}, x2: {float(x2):f}')
    return results


DATA_HUB['airfoil'] = (DATA_URL + 'airfoil_self_noise.dat',
                       '76e5be1548fd8222e5074cf0faae75edff8cf93f')


def get_data_ch11(batch_size=10, n=1500):
    """The airfoil data set, standardised: a loader of its first n rows and the feature count."""
    data = np.genfromtxt(download('airfoil'), dtype=np.float32, delimiter='\t')
    data = glasstorch.from_numpy((data - data.mean(axis=0)) / data.std(axis=0))
    data_iter = load_array((data[:n, :-1], data[:n, -1]), batch_size, is_train=True)
    return data_iter, data.shape[1] - 1


def train_ch11(trainer_fn, states, hyperparams, data_iter, feature_dim, num_epochs=2):
    """Chapter 11's loop for a from-scratch optimiser trainer_fn(params, states, hyperparams)
    on linear regression; returns (cumulative times, losses)."""
    w = glasstorch.normal(mean=0.0, std=0.01, size=(feature_dim, 1), requires_grad=True)
    b = glasstorch.zeros((1), requires_grad=True)
    net, loss = lambda X: linreg(X, w, b), squared_loss
    animator = Animator(xlabel='epoch', ylabel='loss', xlim=[0, num_epochs], ylim=[0.22, 0.35])
    n, timer = 0, Timer()
    for _ in range(num_epochs):
        for X, y in data_iter:
            l = loss(net(X), y).mean()
            l.backward()
            trainer_fn([w, b], states, hyperparams)
            n += X.shape[0]
            if n % 200 == 0:
                timer.stop()
                animator.add(n / X.shape[0] / len(data_iter),
                             (evaluate_loss(net, data_iter, loss),))
                timer.start()
    print(f'loss: {animator.Y[0][-1]:.3f}, {timer.sum() / num_epochs:.3f} sec/epoch')
    return timer.cumsum(), animator.Y[0]


def train_concise_ch11(trainer_fn, hyperparams, data_iter, num_epochs=4):
    """Chapter 11's loop for an optimizer class trainer_fn(params, **hyperparams)."""
    net = nn.Sequential(nn.Linear(5, 1))

    def init_weights(module):
        if type(module) == nn.Linear:
            nn.init.normal_(module.weight, std=0.01)
    net.apply(init_weights)
    optimizer = trainer_fn(net.parameters(), **hyperparams)
    loss = nn.MSELoss(reduction='none')
    animator = Animator(xlabel='epoch', ylabel='loss', xlim=[0, num_epochs], ylim=[0.22, 0.35])
    n, timer = 0, Timer()
    for _ in range(num_epochs):
        for X, y in data_iter:
            optimizer.zero_grad()
            out = net(X)
            y = y.reshape(out.shape)
            l = loss(out, y)
            l.mean().backward()
            optimizer.step()
            n += X.shape[0]
            if n % 200 == 0:
                timer.stop()
                # MSELoss has no 1/2 factor: halve it to compare with train_ch11
                animator.add(n / X.shape[0] / len(data_iter),
                             (evaluate_loss(net, data_iter, loss) / 2,))
                timer.start()
    print(f'loss: {animator.Y[0][-1]:.3f}, {timer.sum() / num_epochs:.3f} sec/epoch')
