"""nn + optim workloads: the course's logistic regression with nn.Linear, F.binary_cross_entropy
and optim.SGD (per-op overhead), and one training step of an MLP 784-256-10 on a batch of 256."""
import common  # noqa: F401  (pins threads before NumPy loads)
import numpy as np

from common import compare
from core import X_DATA, Y_DATA


def logistic_regression_nn(torch, steps=1000):
    """The course's nn version: Linear(2, 1) + sigmoid, F.binary_cross_entropy, optim.SGD."""
    F = torch.nn.functional

    def run():
        x_train, y_train = torch.tensor(X_DATA), torch.tensor(Y_DATA)
        model = torch.nn.Linear(2, 1)
        with torch.no_grad():
            model.weight.zero_()
            model.bias.zero_()
        optimizer = torch.optim.SGD(model.parameters(), lr=1)
        for _ in range(steps):
            hypothesis = torch.sigmoid(model(x_train))
            cost = F.binary_cross_entropy(hypothesis, y_train)
            optimizer.zero_grad()
            cost.backward()
            optimizer.step()
        return model.weight
    return run


def mlp_step(torch, batch=256, steps=20):
    """`steps` SGD steps of Linear(784, 256) -> ReLU -> Linear(256, 10) with cross-entropy."""
    rng = np.random.default_rng(0)
    x_np = rng.standard_normal((batch, 784)).astype(np.float32)
    y_np = rng.integers(0, 10, batch)
    w1 = (rng.standard_normal((256, 784)) * 0.03).astype(np.float32)
    w2 = (rng.standard_normal((10, 256)) * 0.06).astype(np.float32)
    nn, F = torch.nn, torch.nn.functional

    def run():
        model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
        with torch.no_grad():
            model[0].weight.copy_(torch.tensor(w1))
            model[0].bias.zero_()
            model[2].weight.copy_(torch.tensor(w2))
            model[2].bias.zero_()
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        x, y = torch.tensor(x_np), torch.tensor(y_np)
        for _ in range(steps):
            loss = F.cross_entropy(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        return model[2].weight
    return run


def main():
    compare("logistic regression, nn.Linear + BCE + SGD, 1000 steps", logistic_regression_nn,
            repeats=5, target=1.0)
    compare("MLP 784-256-10, batch 256, SGD, 20 steps", mlp_step, repeats=7, rtol=1e-3,
            atol=1e-4, target=1.2)


if __name__ == "__main__":
    main()
