"""Reductions on 1M-element float32 inputs, forward only (no_grad), in the layouts where
accuracy costs something: along the contiguous axis, along the rows of a narrow matrix (NumPy's
slow row-by-row loop; glasstorch folds it pairwise), var/std (accumulated in double, as
PyTorch's CPU Welford), cumsum (running sum in double, as PyTorch), norm and logsumexp; plus a
BatchNorm1d forward on a large batch (statistics over the rows), and BatchNorm1d/2d training
steps (forward + backward) as in every CNN."""
import common  # noqa: F401  (pins threads before NumPy loads)
import numpy as np

from common import compare

N = 1 << 20


def _data(shape, seed=0):
    return (np.random.default_rng(seed).random(shape) + 0.5).astype(np.float32)


def forward(shape, op):
    def make(torch):
        x = torch.tensor(_data(shape))

        def run():
            with torch.no_grad():
                return op(torch, x)
        return run
    return make


def batch_norm(torch):
    x = torch.tensor(_data((N // 8, 8)))
    layer = torch.nn.BatchNorm1d(8)

    def run():
        with torch.no_grad():
            return layer(x)
    return run


def batch_norm_step(module, shape):
    """Training forward and backward through a BatchNorm layer; returns the input's gradient."""
    def make(torch):
        x = torch.tensor(_data(shape)).requires_grad_(True)
        layer = getattr(torch.nn, module)(shape[1])
        grad = torch.tensor(_data(shape, seed=1) - 1)

        def run():
            x.grad = None
            layer(x).backward(grad)
            return x.grad
        return run
    return make


WORKLOADS = [
    ("sum (1M,)", (N,), lambda t, x: x.sum()),
    ("sum(0) (1M/4, 4)", (N // 4, 4), lambda t, x: x.sum(0)),
    ("mean(0) (1M/8, 8)", (N // 8, 8), lambda t, x: x.mean(0)),
    ("mean(1) (8, 1M/8)", (8, N // 8), lambda t, x: x.mean(1)),
    ("var (1M,)", (N,), lambda t, x: x.var()),
    ("var(0) (1M/8, 8)", (N // 8, 8), lambda t, x: x.var(0)),
    ("cumsum (1M,)", (N,), lambda t, x: x.cumsum(0)),
    ("cumsum(0) (1M/8, 8)", (N // 8, 8), lambda t, x: x.cumsum(0)),
    ("norm(dim=0) (1M/8, 8)", (N // 8, 8), lambda t, x: x.norm(dim=0)),
    ("logsumexp(1) (8, 1M/8)", (8, N // 8), lambda t, x: t.logsumexp(x, 1)),
]


def main():
    for name, shape, op in WORKLOADS:
        compare(f"{name} float32, no_grad", forward(shape, op), repeats=9, rtol=1e-4)
    compare(f"BatchNorm1d(8) train forward ({N // 8}, 8)", batch_norm, repeats=9, rtol=1e-3,
            atol=1e-3)
    compare(f"BatchNorm1d(8) train fwd+bwd ({N // 8}, 8)",
            batch_norm_step("BatchNorm1d", (N // 8, 8)), repeats=9, rtol=1e-3, atol=1e-3)
    compare("BatchNorm2d(64) train fwd+bwd (64, 64, 32, 32)",
            batch_norm_step("BatchNorm2d", (64, 64, 32, 32)), repeats=5, rtol=1e-3, atol=1e-3)


if __name__ == "__main__":
    main()
