"""Core workloads (tensor, autograd, op overhead): the course's logistic regression with raw
tensors, an elementwise chain on 1M floats, and a 1024x1024 matmul, forward + backward."""
import common  # noqa: F401  (pins threads before NumPy loads)
import numpy as np

from common import compare

X_DATA = np.array([[1, 2], [2, 3], [3, 1], [4, 3], [5, 3], [6, 2]], dtype=np.float32)
Y_DATA = np.array([[0], [0], [0], [1], [1], [1]], dtype=np.float32)


def logistic_regression(torch, steps=1000, lr=1.0):
    """The course's logistic regression: hypothesis = sigmoid(xW + b), BCE by hand, manual SGD."""
    def run():
        x_train, y_train = torch.tensor(X_DATA), torch.tensor(Y_DATA)
        W = torch.zeros((2, 1), requires_grad=True)
        b = torch.zeros(1, requires_grad=True)
        for _ in range(steps):
            hypothesis = torch.sigmoid(x_train.matmul(W) + b)
            cost = -(y_train * torch.log(hypothesis)
                     + (1 - y_train) * torch.log(1 - hypothesis)).mean()
            cost.backward()
            with torch.no_grad():
                W -= lr * W.grad
                b -= lr * b.grad
            W.grad.zero_()
            b.grad.zero_()
        return W
    return run


def elementwise_chain(torch, n=1_000_000):
    rng = np.random.default_rng(0)
    xs, ys = rng.standard_normal(n).astype(np.float32), rng.standard_normal(n).astype(np.float32)

    def run():
        x = torch.tensor(xs, requires_grad=True)
        y = torch.tensor(ys, requires_grad=True)
        (x * y + 1).exp().sum().backward()
        return x.grad
    return run


def matmul_backward(torch, n=1024):
    rng = np.random.default_rng(0)
    a_np = rng.standard_normal((n, n)).astype(np.float32)
    b_np = rng.standard_normal((n, n)).astype(np.float32)

    def run():
        A = torch.tensor(a_np, requires_grad=True)
        B = torch.tensor(b_np, requires_grad=True)
        (A @ B).sum().backward()
        return A.grad
    return run


def main():
    compare("logistic regression, raw tensors, 1000 steps", logistic_regression, repeats=5,
            target=1.0)
    compare("elementwise chain 1M float32, fwd+bwd", elementwise_chain, repeats=15,
            rtol=1e-3, atol=1e-3, target=1.5)
    compare("(A@B).sum().backward(), 1024x1024 float32", matmul_backward, repeats=9,
            rtol=1e-3, atol=1e-2, target=1.2)


if __name__ == "__main__":
    main()
