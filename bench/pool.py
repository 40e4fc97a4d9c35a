"""Pooling and upsampling, forward + backward, on a CNN-shaped batch (N, C, H, W) =
(64, 64, 32, 32): max_pool2d 2x2 (VGG, the MNIST CNN) and 3x3/s2/p1 (ResNet's stem),
avg_pool2d 2x2 (LeNet) and 3x3/s1/p1 (Inception's pool branch), adaptive_avg_pool2d(1)
(ResNet's head), bilinear x2 upsampling (segmentation decoders); plus max_pool2d 2x2 alone
under no_grad (inference). The inputs are built once, outside the timed part."""
import common  # noqa: F401  (pins threads before NumPy loads)
import numpy as np

from common import compare

SHAPE = (64, 64, 32, 32)


def _data(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def fwd_bwd(op):
    """x.grad of op(F, x) under a random upstream gradient."""
    def make(torch):
        F = torch.nn.functional
        x = torch.tensor(_data(SHAPE), requires_grad=True)
        g = torch.tensor(_data(tuple(op(torch.nn.functional,
                                        torch.zeros(SHAPE)).shape), seed=1))

        def run():
            x.grad = None
            op(F, x).backward(g)
            return x.grad
        return run
    return make


def no_grad(op):
    def make(torch):
        x = torch.tensor(_data(SHAPE))

        def run():
            with torch.no_grad():
                return op(torch.nn.functional, x)
        return run
    return make


WORKLOADS = [
    ("max_pool2d 2x2", lambda F, x: F.max_pool2d(x, 2)),
    ("max_pool2d 3x3 s2 p1", lambda F, x: F.max_pool2d(x, 3, 2, 1)),
    ("avg_pool2d 2x2", lambda F, x: F.avg_pool2d(x, 2)),
    ("avg_pool2d 3x3 s1 p1", lambda F, x: F.avg_pool2d(x, 3, 1, 1)),
    ("adaptive_avg_pool2d 1", lambda F, x: F.adaptive_avg_pool2d(x, 1)),
    ("interpolate bilinear x2", lambda F, x: F.interpolate(x, scale_factor=2,
                                                           mode="bilinear")),
]


def main():
    for name, op in WORKLOADS:
        compare(f"{name} {SHAPE} fwd+bwd", fwd_bwd(op), repeats=7)
    compare(f"max_pool2d 2x2 {SHAPE} forward, no_grad", no_grad(WORKLOADS[0][1]), repeats=7)


if __name__ == "__main__":
    main()
