"""Convolutional networks: one training step (forward, backward, optimizer step) of the MNIST
CNN (Adam, batch 128), LeNet-5 (sigmoid, AvgPool2d, SGD, batch 256) and a CIFAR ResNet-18
(3x3 stem, BasicBlock x [2, 2, 2, 2], BatchNorm, SGD with momentum and weight decay, batch
64); the MNIST CNN in eval() + no_grad() on a batch of 1000. Each model is built once from the
same weights under both libraries; a timed run is one step on the persisting model (the first
step's conv1 weight gradient, or the logits, is compared). Then the GFLOP/s that ResNet-18's
convolutions reach in glasstorch, next to np.matmul's on a GEMM of a similar size."""
import time

import common  # noqa: F401  (pins threads before NumPy loads)
import numpy as np

from common import compare
from cnn_models import (_images, _labels, _same_weights, mnist_cnn, lenet5, resnet18_cifar,
                        adam, sgd, sgd_momentum_wd)


def train_step(build, optimizer, batch, image_shape):
    """One step on a model and optimizer that persist across timed runs."""
    def make(torch):
        model = _same_weights(torch, build(torch))
        opt = optimizer(torch, model.parameters())
        x = torch.tensor(_images((batch,) + image_shape))
        y = torch.tensor(_labels(batch))
        F = torch.nn.functional
        first = next(model.parameters())

        def run():
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            grad = first.grad.clone()
            opt.step()
            return grad
        return run
    return make


def inference(build, batch, image_shape):
    def make(torch):
        model = _same_weights(torch, build(torch)).eval()
        x = torch.tensor(_images((batch,) + image_shape))

        def run():
            with torch.no_grad():
                return model(x)
        return run
    return make


# ---------------------------------------------------------------------------------------------
# GFLOP/s of ResNet-18's convolutions in glasstorch, and of np.matmul
# ---------------------------------------------------------------------------------------------
def conv_gflops(steps=3):
    """Time the three convolution maps (forward, input grad, weight grad) inside glasstorch's
    ResNet-18 step and divide their multiply-adds (2 flops each) by that time."""
    import glasstorch
    from glasstorch._ops import conv as conv_ops

    spent = {"time": 0.0, "flops": 0.0, "depth": 0}   # depth: a map calling another counts once
    originals = {name: getattr(conv_ops, name)
                 for name in ("conv_forward", "conv_input_grad", "conv_weight_grad")}

    def timed(name):
        fn = originals[name]

        def wrapper(*args, **kwargs):
            geom = args[2]
            if name == "conv_weight_grad":
                x, g = args[0], args[1]
                n, c, o = x.shape[0], x.shape[1], g.shape[1]
            elif name == "conv_forward":
                x, w = args[0], args[1]
                n, c, o = x.shape[0], x.shape[1], w.shape[0]
            else:
                g, w = args[0], args[1]
                n, o, c = g.shape[0], g.shape[1], w.shape[1] * geom.groups
            macs = n * geom.positions * o * (c // geom.groups) * int(np.prod(geom.kernel))
            if spent["depth"]:
                return fn(*args, **kwargs)
            spent["depth"] += 1
            start = time.perf_counter()
            try:
                out = fn(*args, **kwargs)
            finally:
                spent["depth"] -= 1
            spent["time"] += time.perf_counter() - start
            spent["flops"] += 2 * macs
            return out
        return wrapper

    make = train_step(resnet18_cifar, sgd_momentum_wd, 64, (3, 32, 32))
    run = make(glasstorch)
    run()
    for name in originals:
        setattr(conv_ops, name, timed(name))
    try:
        start = time.perf_counter()
        for _ in range(steps):
            run()
        total = time.perf_counter() - start
    finally:
        for name, fn in originals.items():
            setattr(conv_ops, name, fn)
    conv_rate = spent["flops"] / spent["time"] / 1e9
    # a GEMM the size of layer3's 3x3 convolution: (256 x 2304) @ (2304 x 64*8*8)
    a = np.random.default_rng(0).standard_normal((256, 2304)).astype(np.float32)
    b = np.random.default_rng(1).standard_normal((2304, 4096)).astype(np.float32)
    a @ b
    times = []
    for _ in range(5):
        start = time.perf_counter()
        a @ b
        times.append(time.perf_counter() - start)
    matmul_rate = 2 * 256 * 2304 * 4096 / sorted(times)[2] / 1e9
    print(f"{'ResNet-18 convs in glasstorch (fwd + dx + dW)':<56} {conv_rate:6.1f} GFLOP/s "
          f"({spent['time'] / total:.0%} of the step)   np.matmul (256x2304 @ 2304x4096): "
          f"{matmul_rate:6.1f} GFLOP/s", flush=True)


def main():
    compare("MNIST CNN train step, batch 128, Adam",
            train_step(mnist_cnn, adam, 128, (1, 28, 28)), repeats=7, target=1.5)
    compare("LeNet-5 train step, batch 256, SGD",
            train_step(lenet5, sgd, 256, (1, 28, 28)), repeats=7, target=1.5)
    # float32 rounding grows through 20 BatchNorms (conv1's gradient differs by ~1%; in
    # float64 the two libraries agree to 3e-14), hence the looser tolerance
    compare("CIFAR ResNet-18 train step, batch 64, SGD momentum+wd",
            train_step(resnet18_cifar, sgd_momentum_wd, 64, (3, 32, 32)), repeats=5,
            warmup=1, rtol=5e-2, atol=5e-3, target=1.5)
    compare("MNIST CNN eval + no_grad, batch 1000",
            inference(mnist_cnn, 1000, (1, 28, 28)), repeats=7, target=1.3)
    conv_gflops()


if __name__ == "__main__":
    main()
