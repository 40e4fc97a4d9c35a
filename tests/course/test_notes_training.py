"""The course notes' training code, run on the same data and initial weights under torch and
glasstorch: losses and weights must agree to float tolerance; stochastic parts (shuffling,
dropout, random init) are checked by what must hold whatever the draw.

Sources: 000/002 = d2l 3.4 linear regression, 4.4 softmax regression and 5.2 MLP from scratch,
4.2's DataLoader; 001 = the slides' multivariate linear regression, logistic regression,
softmax classification, XOR network, DataLoader, optimizers, MNIST DNN; 003 = the course
summary's regression/classification code, nn.Module/Sequential, Dataset/DataLoader,
learning-rate schedulers, optimizers, L1/L2 regularisation, dropout, Xavier/He init,
BatchNorm1d, the MNIST training loop (with an MLP: the CNN comes later), save/load;
004 = week 2: Sequential/Linear/state_dict, losses, zero_grad, Dropout, BatchNorm1d, gradient
clipping, weight_norm, Dataset/DataLoader with sampler and collate_fn.
"""
import math
import os
import warnings

import numpy as np
import pytest
import torch

import glasstorch as gt
from tests.course.notes import same

RNG = np.random.default_rng(11)


def torch_init(build, seed=0):
    """Initial weights for a model: build it under real torch (seeded) and take its state."""
    torch.manual_seed(seed)
    return {k: v.detach().numpy().copy() for k, v in build(torch).state_dict().items()}


def load_init(torch, model, init):
    model.load_state_dict({k: torch.tensor(v) for k, v in init.items()})
    return model


# the slides' and the summary's small data sets
X_SCORES = np.array([[73, 80, 75], [93, 88, 93], [89, 91, 90], [96, 98, 100], [73, 66, 70]],
                    dtype=np.float32)
Y_SCORES = np.array([[152], [185], [180], [196], [142]], dtype=np.float32)
X_PASS = [[1, 2], [2, 3], [3, 1], [4, 3], [5, 3], [6, 2]]
Y_PASS = [[0], [0], [0], [1], [1], [1]]
X_GRADES = [[1, 2, 1, 1], [2, 1, 3, 2], [3, 1, 3, 4], [4, 1, 5, 5], [1, 7, 5, 5], [1, 2, 5, 6],
            [1, 6, 6, 6], [1, 7, 7, 7]]
Y_GRADES = [2, 2, 2, 1, 1, 1, 0, 0]


def mnist_like(n, seed=0, classes=10):
    """Images shaped like MNIST (n, 1, 28, 28) in [0, 1): a fixed random prototype image per
    class blended with noise, so that a small model can learn to tell the classes apart."""
    rng = np.random.default_rng(seed)
    prototypes = np.random.default_rng(99).random((classes, 1, 28, 28))
    y = rng.integers(0, classes, n)
    X = 0.3 * prototypes[y] + 0.7 * rng.random((n, 1, 28, 28))
    return X.astype(np.float32), y.astype(np.int64)


# ---------------------------------------------------------------- regression

def test_slides_multivariate_linear_regression_raw():
    """001: hypothesis = x_train.matmul(W) + b, MSE by hand, optim.SGD([W, b], lr=1e-5)."""
    def snippet(torch, x_train, y_train):
        x_train, y_train = torch.FloatTensor(x_train), torch.FloatTensor(y_train)
        W = torch.zeros((3, 1), requires_grad=True)
        b = torch.zeros(1, requires_grad=True)
        optimizer = torch.optim.SGD([W, b], lr=1e-5)
        nb_epochs = 100
        costs = []
        for epoch in range(nb_epochs):
            hypothesis = x_train.matmul(W) + b
            cost = torch.mean((hypothesis - y_train)**2)
            optimizer.zero_grad()
            cost.backward()
            optimizer.step()
            costs.append(cost.item())
        return costs, hypothesis.squeeze().detach(), W, b
    same(snippet, X_SCORES, Y_SCORES, rtol=1e-4, atol=1e-4)


def test_slides_linear_regression_model_class():
    """001: nn.Module holding nn.Linear(3, 1); print(list(model.parameters())); F.mse_loss."""
    init = torch_init(lambda t: t.nn.Linear(3, 1))

    def snippet(torch, x_train, y_train):
        nn, F = torch.nn, torch.nn.functional

        class MultivariateLinearRegressionModel(nn.Module):
            def __init__(self):
                super().__init__()
                self.linear = nn.Linear(3, 1)  # 입력차원 3, 출력차원 1

            def forward(self, x):
                return self.linear(x)

        model = MultivariateLinearRegressionModel()
        load_init(torch, model.linear, init)
        print(list(model.parameters()))
        x_train, y_train = torch.FloatTensor(x_train), torch.FloatTensor(y_train)
        optimizer = torch.optim.SGD(model.parameters(), lr=1e-5)
        costs = []
        for epoch in range(100):
            prediction = model(x_train)
            cost = F.mse_loss(prediction, y_train)
            optimizer.zero_grad()
            cost.backward()
            optimizer.step()
            costs.append(cost.item())
        return costs, list(model.parameters()), model(torch.FloatTensor([[73, 80, 75]]))
    same(snippet, X_SCORES, Y_SCORES, rtol=1e-4, atol=1e-4)


def test_summary_linear_regression_with_mse_loss():
    """003 3.1: x_train 3x3, optim.SGD([W, b], lr=0.01), MSE by hand and via F.mse_loss."""
    def snippet(torch):
        F = torch.nn.functional
        x_train = torch.FloatTensor([[1, 2, 3], [3, 5, 6], [8, 9, 10]])
        y_train = torch.FloatTensor([[2], [4], [6]])
        W = torch.zeros((3, 1), requires_grad=True)
        b = torch.zeros(1, requires_grad=True)
        optimizer = torch.optim.SGD([W, b], lr=0.01)
        costs = []
        for epoch in range(1, 100 + 1):
            hypothesis = x_train.matmul(W) + b  # 행렬 곱 수행
            cost = torch.mean((hypothesis - y_train) ** 2)  # MSE
            same_cost = F.mse_loss(hypothesis, y_train)
            optimizer.zero_grad()
            cost.backward()
            optimizer.step()
            costs.append((cost.item(), same_cost.item()))
        return costs, W, b
    same(snippet, rtol=1e-4, atol=1e-5)


def _synthetic_regression(n=1000, seed=3):
    rng = np.random.default_rng(seed)
    w, b = np.array([2, -3.4], dtype=np.float32), 4.2
    X = rng.standard_normal((n, 2)).astype(np.float32)
    y = (X @ w.reshape(-1, 1) + b + 0.01 * rng.standard_normal((n, 1))).astype(np.float32)
    return X, y


def test_d2l_linear_regression_from_scratch():
    """d2l 3.4: w ~ normal(0, 0.01) (shared draw), hand-written SGD class updating in place
    under no_grad, minibatches of 32 in order, 3 epochs; the estimation error is small."""
    X, y = _synthetic_regression()
    w0 = np.random.default_rng(5).normal(0, 0.01, (2, 1)).astype(np.float32)

    def snippet(torch, X, y, w0):
        drawn = torch.normal(0, 0.01, (2, 1), requires_grad=True)
        draw_info = (drawn.shape, drawn.dtype, drawn.requires_grad, drawn.is_leaf)

        class SGD:
            """Minibatch stochastic gradient descent."""
            def __init__(self, params, lr):
                self.params, self.lr = params, lr

            def step(self):
                for param in self.params:
                    param -= self.lr * param.grad

            def zero_grad(self):
                for param in self.params:
                    if param.grad is not None:
                        param.grad.zero_()

        w = torch.tensor(w0, requires_grad=True)
        b = torch.zeros(1, requires_grad=True)
        optim = SGD([w, b], 0.03)
        X, y = torch.tensor(X), torch.tensor(y)
        losses = []
        for epoch in range(3):
            for i in range(0, len(X), 32):
                y_hat = torch.matmul(X[i:i + 32], w) + b
                l = ((y_hat - y[i:i + 32]) ** 2 / 2).mean()
                optim.zero_grad()
                with torch.no_grad():
                    l.backward()
                    optim.step()
                losses.append(l.item())
        true_w = torch.tensor([2, -3.4])
        with torch.no_grad():
            err_w = true_w - w.reshape(true_w.shape)
            err_b = 4.2 - b
        return draw_info, losses, w, b, err_w, err_b, w.requires_grad, w.grad_fn is None
    res = same(snippet, X, y, w0, rtol=1e-4, atol=1e-5)
    assert float(res[4].abs().max()) < 0.5 and float(res[5].abs().max()) < 0.5


# ---------------------------------------------------------------- logistic regression

def test_slides_logistic_regression_raw():
    """001: sigmoid(x.matmul(W) + b), F.binary_cross_entropy, SGD([W, b]); also the cost written
    out by hand and the printed hypothesis."""
    def snippet(torch):
        F = torch.nn.functional
        gen = torch.manual_seed(1)
        x_train = torch.FloatTensor(X_PASS)
        y_train = torch.FloatTensor(Y_PASS)
        print(x_train.shape)
        print(y_train.shape)
        W = torch.zeros([2, 1], requires_grad=True)
        b = torch.zeros([1], requires_grad=True)
        optimizer = torch.optim.SGD([W, b], lr=0.05)
        nb_epochs = 1000
        costs = []
        for epoch in range(nb_epochs):
            hypothesis = torch.sigmoid(x_train.matmul(W) + b)
            if epoch == 0:
                print(hypothesis)
            cost = F.binary_cross_entropy(hypothesis, y_train)
            by_hand = -(y_train * torch.log(hypothesis)
                        + (1 - y_train) * torch.log(1 - hypothesis)).mean()
            optimizer.zero_grad()
            cost.backward()
            optimizer.step()
            costs.append((cost.item(), by_hand.item()))
        prediction = hypothesis >= torch.FloatTensor([0.5])
        accuracy = (prediction.float() == y_train).float().mean()
        return type(gen), costs, hypothesis, W, b, accuracy
    same(snippet, rtol=1e-4, atol=1e-5)


def test_slides_bce_with_swapped_arguments_is_an_error():
    """'hypothesis, y_train 순서를 바꾸면 에러가 남': the target may not require grad."""
    def snippet(torch):
        F = torch.nn.functional
        W = torch.zeros([2, 1], requires_grad=True)
        hypothesis = torch.sigmoid(torch.FloatTensor(X_PASS).matmul(W))
        return F.binary_cross_entropy(torch.FloatTensor(Y_PASS), hypothesis)
    same(snippet)


@pytest.mark.parametrize("lr, use_module", [(0.01, False), (1, True)])
def test_logistic_regression_module(lr, use_module):
    """001's BinaryClassification (Linear + torch.sigmoid, lr=0.01) and 003's MyLogisticModel
    (Linear + nn.Sigmoid, lr=1), 1000 epochs, then no_grad evaluation."""
    init = torch_init(lambda t: t.nn.Linear(2, 1))

    def snippet(torch):
        nn, F = torch.nn, torch.nn.functional

        class MyLogisticModel(nn.Module):
            def __init__(self):
                super().__init__()
                self.linear = nn.Linear(2, 1)
                self.sigmoid = nn.Sigmoid()

            def forward(self, x):
                z = self.linear(x)
                return self.sigmoid(z) if use_module else torch.sigmoid(z)

        x_train, y_train = torch.FloatTensor(X_PASS), torch.FloatTensor(Y_PASS)
        model = MyLogisticModel()
        load_init(torch, model.linear, init)
        optimizer = torch.optim.SGD(model.parameters(), lr=lr)
        costs = []
        for epoch in range(1, 1000 + 1):
            hypothesis = model(x_train)
            cost = F.binary_cross_entropy(hypothesis, y_train)
            optimizer.zero_grad()
            cost.backward()
            optimizer.step()
            costs.append(cost.item())
        x_test = torch.FloatTensor([[1, 2], [2, 3], [3, 1]])
        y_test = torch.FloatTensor([[0], [0], [0]])
        with torch.no_grad():
            hypothesis = model(x_test)
            prediction = hypothesis >= torch.FloatTensor([0.5])
            rst = torch.mean((prediction == y_test).float())
        return costs, dict(model.state_dict()), hypothesis, rst
    same(snippet, rtol=2e-4, atol=1e-5)


# ---------------------------------------------------------------- softmax classification

@pytest.mark.parametrize("lr, epochs", [(0.1, 1000), (1, 50)])
def test_softmax_classification(lr, epochs):
    """003's MySoftmaxModel (lr=0.1) and 001's SoftmaxClassifierModel (lr=1): nn.Linear(4, 3)
    with F.cross_entropy on integer labels; then softmax of the logits and its row sums.
    (With lr=1 the cost jumps around, as in the slides' log, and float rounding differences
    grow until the two runs part after ~60 epochs; 50 are compared.)"""
    init = torch_init(lambda t: t.nn.Linear(4, 3))

    def snippet(torch):
        nn, F = torch.nn, torch.nn.functional

        class SoftmaxClassifierModel(nn.Module):
            def __init__(self):
                super().__init__()
                self.linear = nn.Linear(4, 3)

            def forward(self, x):
                return self.linear(x)

        x_train = torch.FloatTensor(X_GRADES)   # (8, 4)
        y_train = torch.LongTensor(Y_GRADES)    # (8,)
        model = SoftmaxClassifierModel()
        load_init(torch, model.linear, init)
        optimizer = torch.optim.SGD(model.parameters(), lr=lr)
        costs = []
        for epoch in range(epochs):
            hypothesis = model(x_train)
            cost = F.cross_entropy(hypothesis, y_train)
            optimizer.zero_grad()
            cost.backward()
            optimizer.step()
            costs.append(cost.item())
        probs = F.softmax(hypothesis, dim=1)
        accuracy = (hypothesis.argmax(dim=1) == y_train).float().mean()
        return costs, probs, probs.sum(dim=1), accuracy, y_train.dtype
    same(snippet, rtol=1e-3 if lr < 1 else 1e-2, atol=1e-5)


def test_softmax_classification_with_one_hot_cost_by_hand():
    """003 3.2.3: W, b as raw tensors; cost = (y_one_hot * -log(softmax)).sum(dim=1).mean()."""
    def snippet(torch):
        F = torch.nn.functional
        x_train, y_train = torch.FloatTensor(X_GRADES), torch.LongTensor(Y_GRADES)
        y_one_hot = torch.zeros(8, 3)
        y_one_hot.scatter_(1, y_train.unsqueeze(1), 1)
        W = torch.zeros((4, 3), requires_grad=True)
        b = torch.zeros(1, requires_grad=True)
        optimizer = torch.optim.SGD([W, b], lr=0.1)
        costs = []
        for epoch in range(300):
            hypothesis = F.softmax(x_train.matmul(W) + b, dim=1)
            cost = (y_one_hot * -torch.log(hypothesis)).sum(dim=1).mean()
            optimizer.zero_grad()
            cost.backward()
            optimizer.step()
            costs.append(cost.item())
        return costs, W, b
    same(snippet, rtol=1e-4, atol=1e-5)


# ---------------------------------------------------------------- XOR and MLPs

def test_slides_xor_network_matches_torch():
    """001's simpleNN: Linear(2, 2) -> Sigmoid -> Linear(2, 1) -> Sigmoid on XOR, SGD lr=1."""
    def build(torch):
        nn = torch.nn

        class simpleNN(nn.Module):
            def __init__(self):
                super().__init__()
                self.linear1 = nn.Linear(2, 2, bias=True)
                self.linear2 = nn.Linear(2, 1, bias=True)
                self.sigmoid = nn.Sigmoid()

            def forward(self, x):
                x = self.sigmoid(self.linear1(x))
                x = self.linear2(x)
                return self.sigmoid(x)
        return simpleNN()

    init = torch_init(build, seed=4)

    def snippet(torch):
        X = torch.FloatTensor([[0, 0], [0, 1], [1, 0], [1, 1]])
        Y = torch.FloatTensor([[0], [1], [1], [0]])
        DNN = load_init(torch, build(torch), init)
        criterion = torch.nn.BCELoss()
        optimizer = torch.optim.SGD(DNN.parameters(), lr=1)
        costs = []
        for epoch in range(1000):
            hypothesis = DNN(X)
            cost = criterion(hypothesis, Y)
            optimizer.zero_grad()
            cost.backward()
            optimizer.step()
            costs.append(cost.item())
        predicted = (hypothesis > 0.5).float()
        return costs[::50], costs[-1], predicted, (predicted == Y).float().mean()
    same(snippet, rtol=1e-3, atol=1e-4)


def test_xor_is_learned_with_glasstorch_init():
    """The same kind of network with glasstorch's own initialisation solves XOR."""
    gt.manual_seed(0)
    nn = gt.nn
    X = gt.FloatTensor([[0, 0], [0, 1], [1, 0], [1, 1]])
    Y = gt.FloatTensor([[0], [1], [1], [0]])
    model = nn.Sequential(nn.Linear(2, 10), nn.Sigmoid(), nn.Linear(10, 10), nn.Sigmoid(),
                          nn.Linear(10, 1), nn.Sigmoid())
    criterion = nn.BCELoss()
    optimizer = gt.optim.SGD(model.parameters(), lr=1)
    costs = []
    for step in range(3000):
        cost = criterion(model(X), Y)
        optimizer.zero_grad()
        cost.backward()
        optimizer.step()
        costs.append(cost.item())
    assert costs[-1] < 0.05 < costs[0]
    assert ((model(X) > 0.5).float() == Y).all()


def _fashion_batches(n=256, batch=64):
    X, y = mnist_like(n, seed=1)
    return X, y, batch


def test_d2l_softmax_regression_from_scratch():
    """d2l 4.4: SoftmaxRegressionScratch with W ~ normal(0, 0.01) (shared draw), its softmax and
    cross_entropy written by hand, torch.optim.SGD over [W, b] (Module.configure_optimizers)."""
    X, y, bs = _fashion_batches()
    W0 = np.random.default_rng(8).normal(0, 0.01, (784, 10)).astype(np.float32)

    def snippet(torch, X, y, W0):
        drawn = torch.normal(0, 0.01, size=(784, 10), requires_grad=True)

        def softmax(X):
            X_exp = torch.exp(X)
            partition = X_exp.sum(1, keepdims=True)
            return X_exp / partition

        def cross_entropy(y_hat, y):
            return -torch.log(y_hat[list(range(len(y_hat))), y]).mean()

        W = torch.tensor(W0, requires_grad=True)
        b = torch.zeros(10, requires_grad=True)

        def forward(X):
            X = X.reshape((-1, W.shape[0]))
            return softmax(torch.matmul(X, W) + b)

        optim = torch.optim.SGD([W, b], lr=0.1)
        X, y = torch.tensor(X), torch.tensor(y)
        losses = []
        for epoch in range(2):
            for i in range(0, len(X), bs):
                l = cross_entropy(forward(X[i:i + bs]), y[i:i + bs])
                optim.zero_grad()
                l.backward()
                optim.step()
                losses.append(l.item())
        preds = forward(X).argmax(axis=1)
        return (drawn.shape, drawn.requires_grad), losses, preds.shape, W, b
    same(snippet, X, y, W0, rtol=1e-4, atol=1e-5)


def test_d2l_mlp_from_scratch():
    """d2l 5.2: MLPScratch with nn.Parameter(torch.randn(...) * sigma) (shared draws), relu by
    hand as torch.max(X, zeros_like(X)), loss F.cross_entropy, torch.optim.SGD(lr=0.1)."""
    X, y, bs = _fashion_batches()
    rng = np.random.default_rng(9)
    W1 = rng.standard_normal((784, 256)).astype(np.float32)
    W2 = rng.standard_normal((256, 10)).astype(np.float32)

    def snippet(torch, X, y, W1, W2):
        nn, F = torch.nn, torch.nn.functional
        num_inputs, num_outputs, num_hiddens, sigma = 784, 10, 256, 0.01

        class MLPScratch(nn.Module):
            def __init__(self):
                super().__init__()
                self.W1 = nn.Parameter(torch.tensor(W1) * sigma)
                self.b1 = nn.Parameter(torch.zeros(num_hiddens))
                self.W2 = nn.Parameter(torch.tensor(W2) * sigma)
                self.b2 = nn.Parameter(torch.zeros(num_outputs))

            def forward(self, X):
                X = X.reshape((-1, num_inputs))
                H = relu(torch.matmul(X, self.W1) + self.b1)
                return torch.matmul(H, self.W2) + self.b2

        def relu(X):
            a = torch.zeros_like(X)
            return torch.max(X, a)

        drawn = nn.Parameter(torch.randn(num_inputs, num_hiddens) * sigma)
        model = MLPScratch()
        names = [n for n, _ in model.named_parameters()]
        optim = torch.optim.SGD(model.parameters(), lr=0.1)
        X, y = torch.tensor(X), torch.tensor(y)
        losses = []
        for epoch in range(2):
            model.train()
            for i in range(0, len(X), bs):
                l = F.cross_entropy(model(X[i:i + bs]), y[i:i + bs])
                optim.zero_grad()
                l.backward()
                optim.step()
                losses.append(l.item())
        return (type(drawn), drawn.shape, drawn.requires_grad), names, losses, model.b2
    same(snippet, X, y, W1, W2, rtol=1e-4, atol=1e-5)


def test_d2l_mlp_with_lazy_linear():
    """d2l 5.2's concise MLP: Sequential(Flatten, LazyLinear(256), ReLU, LazyLinear(10));
    shapes are inferred on the first batch, then torch's weights are loaded into both."""
    X, y, bs = _fashion_batches()

    def build(torch):
        nn = torch.nn
        net = nn.Sequential(nn.Flatten(), nn.LazyLinear(256), nn.ReLU(), nn.LazyLinear(10))
        net(torch.zeros(1, 1, 28, 28))
        return net

    init = torch_init(build)

    def snippet(torch, X, y):
        net = build(torch)
        shapes = [p.shape for p in net.parameters()]
        load_init(torch, net, init)
        optim = torch.optim.SGD(net.parameters(), lr=0.1)
        loss = torch.nn.CrossEntropyLoss()
        X, y = torch.tensor(X), torch.tensor(y)
        losses = []
        for i in range(0, len(X), bs):
            l = loss(net(X[i:i + bs]), y[i:i + bs])
            optim.zero_grad()
            l.backward()
            optim.step()
            losses.append(l.item())
        return shapes, losses, type(net[1]).__name__
    same(snippet, X, y, rtol=1e-4, atol=1e-5)


# ---------------------------------------------------------------- Dataset / DataLoader

def _my_dataset_class(torch):
    class MyDataset(torch.utils.data.Dataset):
        def __init__(self):
            self.x_data = X_SCORES.tolist()   # list로 작성 가능
            self.y_data = Y_SCORES.tolist()

        def __len__(self):
            return len(self.x_data)

        def __getitem__(self, index):
            x = torch.FloatTensor(self.x_data[index])
            y = torch.FloatTensor(self.y_data[index])
            return x, y
    return MyDataset


def test_summary_custom_dataset_and_dataloader_training():
    """003 2.1.2: Dataset with __len__/__getitem__, DataLoader(batch_size=2), minibatch loop
    with enumerate; in order here so the two libraries see the same batches."""
    init = torch_init(lambda t: t.nn.Linear(3, 1))

    def snippet(torch):
        F = torch.nn.functional
        dataset = _my_dataset_class(torch)()
        dataloader = torch.utils.data.DataLoader(dataset, batch_size=2, shuffle=False)
        model = load_init(torch, torch.nn.Linear(3, 1), init)
        optimizer = torch.optim.SGD(model.parameters(), lr=1e-5)
        costs, shapes = [], []
        for epoch in range(20 + 1):
            for batch_index, batch_data in enumerate(dataloader):
                x_train, y_train = batch_data
                shapes.append((batch_index, x_train.shape, y_train.shape))
                hypothesis = model(x_train)
                cost = F.mse_loss(hypothesis, y_train)
                optimizer.zero_grad()
                cost.backward()
                optimizer.step()
                costs.append(cost.item())
        return len(dataset), dataset[0], len(dataloader), shapes[:3], costs
    same(snippet, rtol=1e-4, atol=1e-4)


def test_summary_shuffled_dataloader_covers_the_data_each_epoch():
    gt.manual_seed(0)
    dataset = _my_dataset_class(gt)()
    loader = gt.utils.data.DataLoader(dataset, batch_size=2, shuffle=True)
    orders = []
    for epoch in range(5):
        xs = gt.cat([x for x, _ in loader])
        assert xs.shape == (5, 3)
        rows = sorted(map(tuple, xs.numpy().tolist()))
        assert rows == sorted(map(tuple, X_SCORES.tolist()))
        orders.append(xs[:, 0].numpy().tolist())
    assert len({tuple(o) for o in orders}) > 1, "shuffle=True gave the same order every epoch"


def test_d2l_dataloader_of_image_label_pairs():
    """d2l 4.2: DataLoader(data, batch_size, shuffle=train, num_workers=...) over (image, int)
    pairs; next(iter(...)) gives float32 images (64, 1, 32, 32) and int64 labels (64,)."""
    X, y = mnist_like(150, seed=4)
    X = np.pad(X, ((0, 0), (0, 0), (2, 2), (2, 2)))   # the notes resize to 32 x 32

    def snippet(torch, X, y):
        data = [(torch.tensor(X[i]), int(y[i])) for i in range(len(X))]
        train_loader = torch.utils.data.DataLoader(data, 64, shuffle=True, num_workers=0)
        val_loader = torch.utils.data.DataLoader(data, 64, shuffle=False, num_workers=2)
        Xb, yb = next(iter(train_loader))
        print(Xb.shape, Xb.dtype, yb.shape, yb.dtype)
        val = [(a, b) for a, b in val_loader]
        return (len(data), data[0][0].shape, len(train_loader), val, Xb.squeeze(1).shape,
                sum(len(b) for _, b in train_loader))
    same(snippet, X, y)


def test_tensor_dataset_subset_random_split():
    """TensorDataset (d2l's get_tensorloader), Subset(dataset, list(range(k))) and a DataLoader
    with batch_size=len(test) (003 2.7)."""
    X, y = mnist_like(40, seed=2)

    def snippet(torch, X, y):
        D = torch.utils.data
        dataset = D.TensorDataset(torch.tensor(X), torch.tensor(y))
        sub = D.Subset(dataset, list(range(30)))
        test = D.Subset(dataset, list(range(30, 40)))
        loader = D.DataLoader(test, batch_size=len(test), shuffle=False)
        (xb, yb), = list(loader)
        a, b = D.random_split(dataset, [30, 10])
        loader = D.DataLoader(sub, batch_size=8, drop_last=True)
        return (len(dataset), dataset[3], len(sub), sub[29], xb, yb, len(a), len(b),
                len(loader), [xb.shape for xb, _ in loader])
    same(snippet, X, y)


def test_week2_sampler_and_shuffle_conflict():
    """004: 'sampler를 쓰려면 shuffle은 False여야 함' (a ValueError otherwise)."""
    def snippet(torch):
        D = torch.utils.data
        data = D.TensorDataset(torch.arange(10))
        return D.DataLoader(data, sampler=D.SequentialSampler(data), shuffle=True)
    same(snippet)


def test_week2_samplers():
    def snippet(torch):
        D = torch.utils.data
        data = D.TensorDataset(torch.arange(10) * 10)
        seq = [b[0] for b in D.DataLoader(data, batch_size=4, sampler=D.SequentialSampler(data))]
        picks = D.DataLoader(data, batch_size=3, sampler=D.SubsetRandomSampler([1, 4, 7]))
        got = sorted(v for (b,) in picks for v in b.tolist())
        rand = D.DataLoader(data, batch_size=5, sampler=D.RandomSampler(data))
        rand_all = sorted(v for (b,) in rand for v in b.tolist())
        batch_sampler = D.BatchSampler(D.SequentialSampler(range(10)), batch_size=4,
                                       drop_last=False)
        bs = list(batch_sampler)
        via_bs = [b[0] for b in D.DataLoader(data, batch_sampler=batch_sampler)]
        weighted = list(D.WeightedRandomSampler([0.0, 0.0, 1.0, 0.0], 5, replacement=True))
        return seq, got, rand_all, bs, via_bs, weighted, len(batch_sampler)
    same(snippet)


def test_week2_text_dataset_with_padding_collate_fn():
    """004 2-3: a Dataset that tokenizes and tensorizes strings; collate_fn pads each batch."""
    sentences = ["I love coding .", "Just kidding .", "deep learning is fun to learn", "yes"]

    def snippet(torch):
        D = torch.utils.data
        vocab = {w: i + 1 for i, w in enumerate(sorted({w for s in sentences
                                                        for w in s.split()}))}

        class TextDataset(D.Dataset):
            def __init__(self, texts):
                self.texts = texts

            def __len__(self):
                return len(self.texts)

            def __getitem__(self, idx):
                tokens = self.texts[idx].split()              # tokenize
                return torch.tensor([vocab[t] for t in tokens])  # tensorize

        def collate_fn(batch):
            lengths = torch.tensor([len(seq) for seq in batch])
            padded = torch.zeros(len(batch), int(lengths.max()), dtype=torch.long)
            for i, seq in enumerate(batch):
                padded[i, :len(seq)] = seq
            return padded, lengths

        loader = D.DataLoader(TextDataset(sentences), batch_size=3, collate_fn=collate_fn)
        return list(loader)
    same(snippet)


def test_iterable_style_dataset():
    """004: iterable-style datasets implement __iter__ instead of __getitem__."""
    def snippet(torch):
        D = torch.utils.data

        class Counting(D.IterableDataset):
            def __iter__(self):
                for i in range(7):
                    yield torch.tensor([i, i * i]), i % 2

        return list(D.DataLoader(Counting(), batch_size=3))
    same(snippet)


# ---------------------------------------------------------------- optimizers and schedulers

OPTIMIZERS = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-3)),
    ("Adam", dict(lr=1e-2)),
    ("AdamW", dict(lr=1e-2, weight_decay=0.1)),
    ("RMSprop", dict(lr=1e-2)),
    ("Adagrad", dict(lr=0.1)),
    ("NAdam", dict(lr=1e-2)),
    ("Adadelta", dict(lr=1.0)),
    ("Adamax", dict(lr=1e-2)),
    ("RAdam", dict(lr=1e-2)),
]


@pytest.mark.parametrize("name, kwargs", OPTIMIZERS,
                         ids=[f"{n}-{'-'.join(k)}" for n, k in OPTIMIZERS])
def test_summary_same_training_code_for_every_optimizer(name, kwargs):
    """003 2.3: 'other optimizers train with the same code' (zero_grad/backward/step)."""
    X, y = mnist_like(64, seed=6, classes=3)
    X = X.reshape(64, -1)[:, :20] * 2 - 1
    init = torch_init(lambda t: t.nn.Sequential(t.nn.Linear(20, 16), t.nn.ReLU(),
                                                t.nn.Linear(16, 3)))

    def snippet(torch, X, y):
        nn = torch.nn
        model = load_init(torch, nn.Sequential(nn.Linear(20, 16), nn.ReLU(), nn.Linear(16, 3)),
                          init)
        optimizer = getattr(torch.optim, name)(model.parameters(), **kwargs)
        X, y = torch.tensor(X), torch.tensor(y)
        losses = []
        for step in range(15):
            loss = nn.functional.cross_entropy(model(X), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        return losses, dict(model.state_dict())
    losses = same(snippet, X, y, rtol=2e-4, atol=2e-5)[0]
    assert losses[-1] < losses[0]


def test_week2_model_zero_grad_vs_optimizer_zero_grad():
    """004: optimizer.zero_grad() clears only the parameters it optimizes; model.zero_grad()
    clears them all (both set grads to None by default)."""
    def snippet(torch):
        nn = torch.nn
        model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
        optimizer = torch.optim.SGD(model[2].parameters(), lr=0.1)
        model(torch.ones(2, 3)).sum().backward()
        optimizer.zero_grad()
        after_opt = [p.grad is None for p in model.parameters()]
        model(torch.ones(2, 3)).sum().backward()
        model.zero_grad()
        after_model = [p.grad is None for p in model.parameters()]
        model(torch.ones(2, 3)).sum().backward()
        optimizer.zero_grad(set_to_none=False)
        kept = [None if p.grad is None else bool((p.grad == 0).all())
                for p in model.parameters()]
        return after_opt, after_model, kept
    same(snippet)


def test_summary_step_lr_scheduler():
    """003 2.2.2: StepLR(optimizer, step_size=5, gamma=0.9), stepped once per epoch."""
    def snippet(torch):
        w = torch.zeros(2, requires_grad=True)
        optimizer = torch.optim.SGD([w], lr=0.1)
        lr_sche = torch.optim.lr_scheduler.StepLR(optimizer, step_size=5, gamma=0.9)
        lrs = []
        for epoch in range(1, 20 + 1):
            (w - 1).pow(2).sum().backward()
            optimizer.step()
            optimizer.zero_grad()
            lr_sche.step()
            lrs.append((optimizer.param_groups[0]['lr'], lr_sche.get_last_lr()))
        return lrs, w, lr_sche.state_dict()['last_epoch']
    same(snippet, rtol=1e-6)


@pytest.mark.parametrize("make", [
    lambda S, opt: S.ExponentialLR(opt, gamma=0.95),                      # 0.95 ** epoch
    lambda S, opt: S.LambdaLR(opt, lambda epoch: 1 / math.sqrt(epoch + 1)),  # k / sqrt(epoch)
    lambda S, opt: S.MultiStepLR(opt, milestones=[3, 7], gamma=0.1),      # discrete
    lambda S, opt: S.CosineAnnealingLR(opt, T_max=10),
    lambda S, opt: S.OneCycleLR(opt, max_lr=1.0, total_steps=12),
    lambda S, opt: S.ReduceLROnPlateau(opt, factor=0.5, patience=1),
], ids=["exponential", "lambda_sqrt", "multistep", "cosine", "onecycle", "plateau"])
def test_summary_learning_rate_decay_schedules(make):
    """003 2.2.2: decay by 0.95^epoch, k/sqrt(epoch), discrete steps, ...; and by hand."""
    def snippet(torch):
        w = torch.zeros(2, requires_grad=True)
        optimizer = torch.optim.SGD([w], lr=0.5, momentum=0.9)
        sched = make(torch.optim.lr_scheduler, optimizer)
        lrs = []
        for epoch in range(12):
            loss = (w - 1).pow(2).sum()
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            if isinstance(sched, torch.optim.lr_scheduler.ReduceLROnPlateau):
                sched.step(1.0)          # a validation loss that does not improve
            else:
                sched.step()
            lrs.append(optimizer.param_groups[0]['lr'])
        for g in optimizer.param_groups:   # manual setting
            g['lr'] = 0.01
        optimizer.step()
        return lrs, w
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        same(snippet, rtol=1e-6)


# ---------------------------------------------------------------- regularisation, dropout

@pytest.mark.parametrize("kind", ["l1", "l2", "weight_decay"])
def test_summary_l1_l2_regularisation(kind):
    """003 2.4.1: L' = L + lambda |W| or L + lambda ||W||^2 added to the cost by hand, or the
    optimizer's weight_decay."""
    X, y = mnist_like(32, seed=7, classes=3)
    X = X.reshape(32, -1)[:, :10]
    init = torch_init(lambda t: t.nn.Linear(10, 3))

    def snippet(torch, X, y):
        model = load_init(torch, torch.nn.Linear(10, 3), init)
        lam = 0.01
        optimizer = torch.optim.SGD(model.parameters(), lr=0.5,
                                    weight_decay=lam if kind == "weight_decay" else 0)
        X, y = torch.tensor(X), torch.tensor(y)
        losses = []
        for step in range(30):
            cost = torch.nn.functional.cross_entropy(model(X), y)
            if kind == "l1":
                cost = cost + lam * model.weight.abs().sum()
            elif kind == "l2":
                cost = cost + lam * torch.norm(model.weight) ** 2
            optimizer.zero_grad()
            cost.backward()
            optimizer.step()
            losses.append(cost.item())
        return losses, model.weight, model.weight.abs().sum()
    same(snippet, X, y, rtol=1e-4, atol=1e-5)


def _dropout_model(torch, init=None, drop_prob=0.3):
    nn = torch.nn
    linear1, linear2 = nn.Linear(784, 64), nn.Linear(64, 64)
    linear3, linear4 = nn.Linear(64, 32), nn.Linear(32, 10)
    relu = nn.ReLU()
    dropout = torch.nn.Dropout(p=drop_prob)
    model = torch.nn.Sequential(linear1, relu, dropout,
                                linear2, relu, dropout,
                                linear3, relu, dropout,
                                linear4)
    return model if init is None else load_init(torch, model, init)


def test_summary_dropout_model_eval_matches_torch():
    """003 2.4.2: one shared Dropout module between layers; model.eval() turns it off."""
    X, _ = mnist_like(16, seed=8)
    init = torch_init(_dropout_model)

    def snippet(torch, X):
        model = _dropout_model(torch, init)
        model.train()
        modes = [m.training for m in model]
        model.eval()
        out = model(torch.tensor(X).view(-1, 784))
        return modes, [m.training for m in model], out, len(list(model.parameters()))
    same(snippet, X, rtol=1e-4)


def test_summary_dropout_in_training_mode_statistics():
    gt.manual_seed(0)
    dropout = gt.nn.Dropout(p=0.3)
    x = gt.ones(200, 500)
    y = dropout(x)
    kept = y != 0
    frac_dropped = 1 - kept.float().mean().item()
    assert abs(frac_dropped - 0.3) < 0.01
    np.testing.assert_allclose(y[kept].numpy(), 1 / 0.7, rtol=1e-6)   # survivors scaled
    dropout.eval()
    assert gt.equal(dropout(x), x)
    model = _dropout_model(gt)
    model.train()
    inp = gt.rand(4, 784)
    a, b = model(inp), model(inp)
    assert not gt.equal(a, b), "train-mode dropout gave identical outputs twice"
    model.eval()
    assert gt.equal(model(inp), model(inp))


# ---------------------------------------------------------------- initialisation

@pytest.mark.parametrize("init_name, expected_std", [
    ("xavier_uniform_", math.sqrt(2 / 190)),
    ("xavier_normal_", math.sqrt(2 / 190)),
    ("kaiming_uniform_", math.sqrt(2 / 100)),   # He: gain sqrt(2) for the default leaky_relu a=0
    ("kaiming_normal_", math.sqrt(2 / 100)),
])
def test_summary_xavier_he_initialisation(init_name, expected_std):
    """003 2.6.1: torch.nn.init.xavier_uniform_(linear1.weight) and the He variants; checked by
    what holds for any draw (bounds, standard deviation, identity of the returned tensor)."""
    def snippet(torch):
        torch.manual_seed(0)
        linear1 = torch.nn.Linear(100, 90, bias=True)
        linear2 = torch.nn.Linear(90, 110, bias=True)
        init = getattr(torch.nn.init, init_name)
        kwargs = {"nonlinearity": "relu"} if init_name.startswith("kaiming") else {}
        returned = init(linear1.weight, **kwargs)
        init(linear2.weight, **kwargs)
        w = linear1.weight.detach()
        std = w.std().item()
        bound = math.sqrt(3) * expected_std
        in_bounds = bool((w.abs() <= bound + 1e-6).all()) if "uniform" in init_name else True
        return (returned is linear1.weight, type(linear1.weight).__name__, w.shape,
                abs(std - expected_std) / expected_std < 0.05, in_bounds,
                linear2.weight.shape, linear1.weight.requires_grad)
    res = same(snippet)
    assert res[0] and res[3] and res[4]


# ---------------------------------------------------------------- batch normalisation

def _bn_model(torch, init=None):
    linear1 = torch.nn.Linear(784, 32, bias=True)
    linear2 = torch.nn.Linear(32, 32, bias=True)
    linear3 = torch.nn.Linear(32, 10, bias=True)
    relu = torch.nn.ReLU()
    bn1 = torch.nn.BatchNorm1d(32)  # 정규화할 요소의 개수 지정
    bn2 = torch.nn.BatchNorm1d(32)
    model = torch.nn.Sequential(linear1, bn1, relu,
                                linear2, bn2, relu,
                                linear3)
    return model if init is None else load_init(torch, model, init)


def test_summary_batchnorm1d_model_train_and_eval():
    """003 2.6.2: Linear -> BatchNorm1d -> ReLU twice, model.train() then model.eval().
    SGD rather than Adam: the bias of a Linear right before BatchNorm has a gradient of exactly
    zero in exact arithmetic, so its computed gradient is rounding noise, which Adam would blow
    up to lr-sized steps of random sign in either library."""
    X, y = mnist_like(96, seed=9)
    init = torch_init(_bn_model)

    def snippet(torch, X, y):
        model = _bn_model(torch, init)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        X, y = torch.tensor(X).view(-1, 784), torch.tensor(y)
        model.train()
        losses = []
        for i in range(0, 96, 32):
            cost = torch.nn.functional.cross_entropy(model(X[i:i + 32]), y[i:i + 32])
            optimizer.zero_grad()
            cost.backward()
            optimizer.step()
            losses.append(cost.item())
        state = dict(model.state_dict())
        model.eval()
        with torch.no_grad():
            out = model(X[:8])
        return losses, state, out, model[1].training
    same(snippet, X, y, rtol=2e-4, atol=2e-5)


# ---------------------------------------------------------------- clipping, weight norm

def test_week2_gradient_clipping():
    """004: nn.utils.clip_grad_norm_ / clip_grad_value_, and d2l's clip_gradients by hand."""
    X, y = mnist_like(16, seed=10, classes=3)
    X = X.reshape(16, -1)[:, :12] * 50
    init = torch_init(lambda t: t.nn.Sequential(t.nn.Linear(12, 8), t.nn.Tanh(),
                                                t.nn.Linear(8, 3)))

    def snippet(torch, X, y):
        nn = torch.nn

        def grads_of(model):
            return [p.grad.clone() for p in model.parameters()]

        def fresh():
            model = load_init(torch, nn.Sequential(nn.Linear(12, 8), nn.Tanh(),
                                                   nn.Linear(8, 3)), init)
            nn.functional.cross_entropy(model(torch.tensor(X)), torch.tensor(y)).backward()
            return model

        m = fresh()
        raw = grads_of(m)
        total = nn.utils.clip_grad_norm_(m.parameters(), max_norm=1.0)
        clipped_norm = grads_of(m)
        m = fresh()
        nn.utils.clip_grad_value_(m.parameters(), clip_value=0.05)
        clipped_value = grads_of(m)

        m = fresh()     # d2l Trainer.clip_gradients, written with tensors
        params = [p for p in m.parameters() if p.requires_grad]
        norm = torch.sqrt(sum(torch.sum((p.grad ** 2)) for p in params))
        if norm > 1.0:
            for param in params:
                param.grad[:] *= 1.0 / norm
        return raw, total, clipped_norm, clipped_value, norm, grads_of(m)
    same(snippet, X, y, rtol=1e-4, atol=1e-6)


def test_week2_weight_norm():
    """004: nn.utils.weight_norm(module) splits weight into weight_g * weight_v / ||weight_v||."""
    x = RNG.standard_normal((5, 20)).astype(np.float32)
    init = torch_init(lambda t: t.nn.Linear(20, 40))

    def snippet(torch, x):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            m = load_init(torch, torch.nn.Linear(20, 40), init)
            before = m(torch.tensor(x))
            m = torch.nn.utils.weight_norm(m, name='weight')
        names = sorted(n for n, _ in m.named_parameters())
        x = torch.tensor(x)
        out = m(x)
        out.pow(2).sum().backward()
        optimizer = torch.optim.SGD(m.parameters(), lr=0.01)
        optimizer.step()
        after = m(x)
        return (names, m.weight_g.shape, m.weight_v.shape, before, out, m.weight_g.grad,
                m.weight_v.grad, after)
    same(snippet, x, rtol=1e-4, atol=1e-5)


# ---------------------------------------------------------------- modules, losses, save/load

def test_week2_sequential_linear_state_dict():
    def snippet(torch):
        nn = torch.nn
        model = nn.Sequential(
            nn.Linear(30, 32),
            nn.ReLU(),
            nn.Linear(32, 64),
            nn.ReLU(),
            nn.Linear(64, 1)
        )
        for name, state in model.state_dict().items():
            print(f"{name} -> size : {state.shape}")
        lin = nn.Linear(20, 30)
        print(f"W shape: {lin.weight.shape}")
        print(f"bias shape: {lin.bias.shape}")
        x = torch.ones(1, 20)
        print(lin(x).shape)
        same_call = torch.equal(lin(x), lin.forward(x))    # __call__ runs forward
        print(model[0])
        print(nn.ReLU())
        return same_call, [n for n, _ in model.named_parameters()], len(model)
    same(snippet)


def test_summary_module_subclass_and_sequential():
    """003 1.1.2: MyModel(nn.Module) with fc1/relu/fc2 and the equivalent nn.Sequential."""
    x = RNG.standard_normal((4, 10)).astype(np.float32)

    def build(torch):
        nn = torch.nn

        class MyModel(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc1 = nn.Linear(10, 50)  # 입력 10, 출력 50
                self.relu = nn.ReLU()
                self.fc2 = nn.Linear(50, 1)  # 출력 1

            def forward(self, x):
                x = self.fc1(x)
                x = self.relu(x)
                x = self.fc2(x)
                return x
        return MyModel()

    init = torch_init(build)

    def snippet(torch, x):
        nn = torch.nn
        model = load_init(torch, build(torch), init)
        seq = nn.Sequential(nn.Linear(10, 50), nn.ReLU(), nn.Linear(50, 1))
        seq.load_state_dict({k.replace("fc1", "0").replace("fc2", "2"): v
                             for k, v in model.state_dict().items()})
        x = torch.tensor(x)
        print(model)
        return model(x), seq(x), [n for n, _ in model.named_parameters()]
    same(snippet, x, rtol=1e-5)


@pytest.mark.parametrize("name", ["MSELoss", "CrossEntropyLoss", "NLLLoss", "BCELoss",
                                  "BCEWithLogitsLoss"])
def test_week2_loss_modules(name):
    """004: the listed losses; CrossEntropy = log_softmax + NLL, BCEWithLogits = sigmoid + BCE."""
    z = RNG.standard_normal((6, 4)).astype(np.float32)
    labels = RNG.integers(0, 4, 6)
    t01 = (RNG.random((6, 4)) > 0.5).astype(np.float32)

    def snippet(torch, z, labels, t01):
        nn, F = torch.nn, torch.nn.functional
        z = torch.tensor(z, requires_grad=True)
        labels, t01 = torch.tensor(labels), torch.tensor(t01)
        crit = getattr(nn, name)()
        if name == "MSELoss":
            loss, alt = crit(z, t01), ((z - t01) ** 2).mean()
        elif name == "CrossEntropyLoss":
            loss, alt = crit(z, labels), nn.NLLLoss()(F.log_softmax(z, dim=1), labels)
        elif name == "NLLLoss":
            loss, alt = crit(F.log_softmax(z, dim=1), labels), F.cross_entropy(z, labels)
        elif name == "BCELoss":
            loss, alt = crit(torch.sigmoid(z), t01), F.binary_cross_entropy_with_logits(z, t01)
        else:
            loss, alt = crit(z, t01), nn.BCELoss()(torch.sigmoid(z), t01)
        (g,) = torch.autograd.grad(loss, z)
        return loss, alt, g
    same(snippet, z, labels, t01, rtol=1e-5)


def test_summary_save_and_load_state_dict(tmp_path):
    """003 1.1.2: torch.save(model.state_dict(), path); new_model.load_state_dict(torch.load())."""
    x = RNG.standard_normal((3, 10)).astype(np.float32)
    init = torch_init(lambda t: t.nn.Sequential(t.nn.Linear(10, 5), t.nn.BatchNorm1d(5)))

    def snippet(torch, x):
        nn = torch.nn

        def ConvModel():     # the notes' model, as an MLP here
            return nn.Sequential(nn.Linear(10, 5), nn.BatchNorm1d(5))
        model = load_init(torch, ConvModel(), init)
        model.train()
        model(torch.tensor(x))           # update the running statistics
        os.makedirs(str(tmp_path / "model"), exist_ok=True)
        path = str(tmp_path / "model" / f"convmodel_{torch.__name__}.pth")
        torch.save(model.state_dict(), path)  # 저장
        new_model = ConvModel()
        result = new_model.load_state_dict(torch.load(path))  # 불러오기
        model.eval()
        new_model.eval()
        return (list(new_model.state_dict()), new_model(torch.tensor(x)),
                model(torch.tensor(x)), tuple(result))
    same(snippet, x)


def test_summary_state_dict_saved_by_torch_loads_into_glasstorch(tmp_path):
    torch.manual_seed(0)
    tmodel = torch.nn.Sequential(torch.nn.Linear(10, 5), torch.nn.ReLU(), torch.nn.Linear(5, 2))
    path = str(tmp_path / "model.pth")
    torch.save(tmodel.state_dict(), path)
    gmodel = gt.nn.Sequential(gt.nn.Linear(10, 5), gt.nn.ReLU(), gt.nn.Linear(5, 2))
    gmodel.load_state_dict(gt.load(path))
    x = RNG.standard_normal((4, 10)).astype(np.float32)
    np.testing.assert_allclose(gmodel(gt.tensor(x)).detach().numpy(),
                               tmodel(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------- the MNIST loop (as an MLP)

def test_summary_mnist_training_loop_reaches_accuracy():
    """003 2.7 / 001 6: Subset + DataLoader(shuffle=True), Adam, F.cross_entropy, a per-epoch
    '{:4d}' progress line, then model.eval() and no_grad accuracy on a held-out split. The CNN
    comes later; this runs the same loop with an MLP on MNIST-shaped synthetic data."""
    torch_ = gt
    nn, F, optim = torch_.nn, torch_.nn.functional, torch_.optim
    DataLoader, Subset = torch_.utils.data.DataLoader, torch_.utils.data.Subset
    torch_.manual_seed(0)
    X, y = mnist_like(1200, seed=12)
    dataset = torch_.utils.data.TensorDataset(torch_.tensor(X), torch_.tensor(y))
    mnist_train = Subset(dataset, list(range(1000)))
    mnist_test = Subset(dataset, list(range(1000, 1200)))
    dataloader_train = DataLoader(mnist_train, batch_size=128, shuffle=True)
    dataloader_test = DataLoader(mnist_test, batch_size=len(mnist_test), shuffle=True)

    class MnistModel(nn.Module):
        def __init__(self):
            super().__init__()
            self.layer1 = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Dropout(0.1))
            self.linear = nn.Linear(128, 10)
            nn.init.xavier_uniform_(self.linear.weight)

        def forward(self, x):
            x = x.view(x.size(0), -1)
            return self.linear(self.layer1(x))

    model = MnistModel()
    optimizer = optim.Adam(model.parameters(), lr=0.001)
    model.train()
    lines, first_cost = [], None
    for epoch in range(1, 8 + 1):
        for batch_index, batch_data in enumerate(dataloader_train):
            x_train, y_train = batch_data
            x_train = x_train.view(-1, 1, 28, 28)
            hypothesis = model(x_train)
            cost = F.cross_entropy(hypothesis, y_train)
            first_cost = first_cost or cost.item()
            optimizer.zero_grad()
            cost.backward()
            optimizer.step()
        lines.append('Epoch {:4d}/{}, Cost: {:.6f}'.format(epoch, 8, cost.item()))
    assert lines[0].startswith('Epoch    1/8, Cost: ')
    model.eval()
    with torch_.no_grad():
        for batch_index, batch_data in enumerate(dataloader_test):
            x_test, y_test = batch_data
            hypothesis = model(x_test.view(-1, 1, 28, 28))
            prediction = hypothesis.argmax(dim=1).long()
            accuracy = (y_test == prediction).float().mean()
            cost = F.cross_entropy(hypothesis, y_test)
    assert cost.item() < first_cost
    assert accuracy.item() > 0.6, f"test accuracy {accuracy.item():.3f}"


def test_week2_dataset_returning_dicts_and_lists():
    """004: 'Dataset은 데이터를 dictionary 또는 list 타입으로' — default_collate batches each
    key / position (tensors stacked, numbers to tensors, strings to lists)."""
    def snippet(torch):
        D = torch.utils.data

        class DictDS(D.Dataset):
            def __len__(self):
                return 5

            def __getitem__(self, i):
                return {"x": torch.tensor([i, i + 1.0]), "y": i, "name": f"s{i}"}

        class ListDS(D.Dataset):
            def __len__(self):
                return 3

            def __getitem__(self, i):
                return [np.float32(i), np.array([i, i]), 2.5]

        return list(D.DataLoader(DictDS(), batch_size=2)), list(D.DataLoader(ListDS(), 2))
    same(snippet)


def test_module_utilities_used_in_the_notes():
    """apply(init_fn), parameter counts, Sequential slicing, named_modules, optimizer state."""
    def snippet(torch):
        nn = torch.nn
        m = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))

        def init_weights(mod):
            if type(mod) == nn.Linear:
                nn.init.constant_(mod.weight, 0.01)
                nn.init.zeros_(mod.bias)
        m.apply(init_weights)
        n_params = sum(p.numel() for p in m.parameters() if p.requires_grad)
        opt = torch.optim.Adam(m.parameters(), lr=0.1)
        m(torch.ones(2, 784)).sum().backward()
        opt.step()
        sd = opt.state_dict()
        return (n_params, type(m[0:2]).__name__, len(m[0:2]), type(m[-1]).__name__,
                [n for n, _ in m.named_modules()], m(torch.ones(1, 784)),
                sd["param_groups"][0]["lr"], sorted(sd["state"][0]), sd["state"][3]["exp_avg"])
    same(snippet, rtol=1e-5)
