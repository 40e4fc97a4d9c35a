# Course notes 000/002, chapter 3 (d2l 3.1-3.5) as a script: the normal-distribution plot,
# add_to_class, HyperParameters, ProgressBoard, the object-oriented Module/DataModule/Trainer
# design, linear regression from scratch and concise. The notes' OCR typos (d21, Ir, "fit
# eporch") are corrected; lines 'KEY: value' with a random part are compared with a tolerance.
import math
import time
import numpy as np
import torch
from torch import nn
from d2l import torch as d2l


# 3.1 the normal distribution
def normal(x, mu, sigma):
    p = 1 / math.sqrt(2 * math.pi * sigma**2)
    return p * np.exp(-0.5 * (x - mu)**2 / sigma**2)


x = np.arange(-7, 7, 0.01)
params = [(0, 1), (0, 2), (3, 1)]
d2l.plot(x, [normal(x, mu, sigma) for mu, sigma in params], xlabel='x',
         ylabel='p(x)', figsize=(4.5, 2.5),
         legend=[f'mean {mu}, std {sigma}' for mu, sigma in params])
n = 10000
a = torch.ones(n)
b = torch.ones(n)
c = torch.zeros(n)
for i in range(n):
    c[i] = a[i] + b[i]
d = a + b
print(c[:3], d[-3:], bool((c == d).all()))


# 3.2 object-oriented design
class A:
    def __init__(self):
        self.b = 1


a = A()


@d2l.add_to_class(A)
def do(self):
    print('Class attribute "b" is', self.b)


a.do()


class B(d2l.HyperParameters):
    def __init__(self, a, b, c):
        self.save_hyperparameters(ignore=['c'])
        print('self.a =', self.a, 'self.b =', self.b)
        print('There is no self.c =', not hasattr(self, 'c'))


b = B(a=1, b=2, c=3)

board = d2l.ProgressBoard('x')
for x in np.arange(0, 10, 0.1):
    board.draw(x, np.sin(x), 'sin', every_n=2)
    board.draw(x, np.cos(x), 'cos', every_n=10)
for label, points in board.data.items():
    print(label, len(points), [f'{p.x:.2f},{p.y:.4f}' for p in points[:3]],
          f'{points[-1].x:.2f},{points[-1].y:.4f}')

# 3.4 linear regression from scratch
data = d2l.SyntheticRegressionData(w=torch.tensor([2, -3.4]), b=4.2)
print('features:', data.X[0].shape, ', label:', data.y[0].shape)
X, y = next(iter(data.train_dataloader()))
print('X shape:', X.shape, '\ny shape:', y.shape)
print(len(data.train_dataloader()), len(data.val_dataloader()))


class LinearRegressionScratch(d2l.Module):
    """The linear regression model implemented from scratch."""
    def __init__(self, num_inputs, lr, sigma=0.01):
        super().__init__()
        self.save_hyperparameters()
        self.w = torch.normal(0, sigma, (num_inputs, 1), requires_grad=True)
        self.b = torch.zeros(1, requires_grad=True)


@d2l.add_to_class(LinearRegressionScratch)
def forward(self, X):
    return torch.matmul(X, self.w) + self.b


@d2l.add_to_class(LinearRegressionScratch)
def loss(self, y_hat, y):
    l = (y_hat - y)**2 / 2
    return l.mean()


class SGD(d2l.HyperParameters):
    """Minibatch stochastic gradient descent."""
    def __init__(self, params, lr):
        self.save_hyperparameters()

    def step(self):
        for param in self.params:
            param -= self.lr * param.grad

    def zero_grad(self):
        for param in self.params:
            if param.grad is not None:
                param.grad.zero_()


@d2l.add_to_class(LinearRegressionScratch)
def configure_optimizers(self):
    return SGD([self.w, self.b], self.lr)


@d2l.add_to_class(d2l.Trainer)
def prepare_batch(self, batch):
    return batch


@d2l.add_to_class(d2l.Trainer)
def fit_epoch(self):
    self.model.train()
    for batch in self.train_dataloader:
        loss = self.model.training_step(self.prepare_batch(batch))
        self.optim.zero_grad()
        with torch.no_grad():
            loss.backward()
            if self.gradient_clip_val > 0:
                self.clip_gradients(self.gradient_clip_val, self.model)
            self.optim.step()
        self.train_batch_idx += 1
    if self.val_dataloader is None:
        return
    self.model.eval()
    for batch in self.val_dataloader:
        with torch.no_grad():
            self.model.validation_step(self.prepare_batch(batch))
        self.val_batch_idx += 1


model = LinearRegressionScratch(2, lr=0.03)
data = d2l.SyntheticRegressionData(w=torch.tensor([2, -3.4]), b=4.2)
trainer = d2l.Trainer(max_epochs=3)
trainer.fit(model, data)
with torch.no_grad():
    w_error = data.w - model.w.reshape(data.w.shape)
    b_error = data.b - model.b
print('w error 0:', float(w_error[0]))
print('w error 1:', float(w_error[1]))
print('b error:', float(b_error[0]))
print(sorted(board.data), sorted(model.board.data), model.board.xlim, model.board.xlabel)
print('train points:', len(model.board.data['train_loss']),
      'val points:', len(model.board.data['val_loss']))
print('last val loss:', float(model.board.data['val_loss'][-1].y))


# 3.5 concise implementation
class LinearRegression(d2l.Module):
    """The linear regression model implemented with high-level APIs."""
    def __init__(self, lr):
        super().__init__()
        self.save_hyperparameters()
        self.net = nn.LazyLinear(1)
        self.net.weight.data.normal_(0, 0.01)
        self.net.bias.data.fill_(0)


@d2l.add_to_class(LinearRegression)
def forward(self, X):
    return self.net(X)


@d2l.add_to_class(LinearRegression)
def loss(self, y_hat, y):
    fn = nn.MSELoss()
    return fn(y_hat, y)


@d2l.add_to_class(LinearRegression)
def configure_optimizers(self):
    return torch.optim.SGD(self.parameters(), self.lr)


@d2l.add_to_class(LinearRegression)
def get_w_b(self):
    return (self.net.weight.data, self.net.bias.data)


model = LinearRegression(lr=0.03)
data = d2l.SyntheticRegressionData(w=torch.tensor([2, -3.4]), b=4.2)
trainer = d2l.Trainer(max_epochs=3)
trainer.fit(model, data)
w, b = model.get_w_b()
print('concise w error 0:', float((data.w - w.reshape(data.w.shape))[0]))
print('concise w error 1:', float((data.w - w.reshape(data.w.shape))[1]))
print('concise b error:', float((data.b - b)[0]))
print(type(w).__name__, w.shape, b.shape, w.requires_grad)

# the toolkit's own versions of the same classes
model = d2l.LinearRegressionScratch(2, lr=0.03)
trainer = d2l.Trainer(max_epochs=2)
trainer.fit(model, data)
print('toolkit w error:', float((data.w - model.w.reshape(data.w.shape)).abs().max()))
print(model.hparams.keys(), trainer.hparams)
