"""Convolutional networks: one training step (forward, backward, optimizer step) of the MNIST
CNN (Adam, batch 128), LeNet-5 (sigmoid, AvgPool2d, SGD, batch 256) and a CIFAR ResNet-18
(3x3 stem, BasicBlock x [2, 2, 2, 2], BatchNorm, SGD with momentum and weight decay, batch
64); the MNIST CNN in eval() + no_grad() on a batch of 1000. Each model is built once from the
same weights under both libraries; a timed run is one step on the persisting model (the first
step's conv1 weight gradient, or the logits, is compared). Then the GFLOP/s that ResNet-18's
convolutions reach in glasstorch, next to np.matmul's on a GEMM of a similar size."""
import math
import time

import common  # noqa: F401  (pins threads before NumPy loads)
import numpy as np

from common import compare


def _images(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def _labels(n, seed=1):
    return np.random.default_rng(seed).integers(0, 10, n)


def _same_weights(torch, model, seed=2):
    """Overwrite every conv and linear weight and bias with a seeded draw, uniform in
    +-1/sqrt(fan_in) like PyTorch's default init, so both libraries start from the same
    weights (BatchNorm's ones and zeros already agree)."""
    rng = np.random.default_rng(seed)
    with torch.no_grad():
        for module in model.modules():
            weight = getattr(module, "weight", None)
            if weight is None or weight.dim() < 2:
                continue
            bound = 1 / math.sqrt(math.prod(tuple(weight.shape)[1:]))
            weight.copy_(torch.tensor(rng.uniform(-bound, bound, tuple(weight.shape))
                                      .astype(np.float32)))
            if module.bias is not None:
                module.bias.copy_(torch.tensor(rng.uniform(-bound, bound, tuple(
                    module.bias.shape)).astype(np.float32)))
    return model


def mnist_cnn(torch):
    nn = torch.nn
    return nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(3136, 10))


def lenet5(torch):
    nn = torch.nn
    return nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.Sigmoid(), nn.AvgPool2d(2, 2),
                         nn.Conv2d(6, 16, 5), nn.Sigmoid(), nn.AvgPool2d(2, 2), nn.Flatten(),
                         nn.Linear(400, 120), nn.Sigmoid(), nn.Linear(120, 84), nn.Sigmoid(),
                         nn.Linear(84, 10))


def resnet18_cifar(torch, num_classes=10):
    """ResNet-18 for 32x32 inputs: a 3x3 stem (no max pool), BasicBlocks [2, 2, 2, 2]."""
    nn, F = torch.nn, torch.nn.functional

    class BasicBlock(nn.Module):
        def __init__(self, in_planes, planes, stride=1):
            super().__init__()
            self.conv1 = nn.Conv2d(in_planes, planes, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(planes)
            self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(planes)
            self.shortcut = nn.Sequential()
            if stride != 1 or in_planes != planes:
                self.shortcut = nn.Sequential(nn.Conv2d(in_planes, planes, 1, stride, bias=False),
                                              nn.BatchNorm2d(planes))

        def forward(self, x):
            out = F.relu(self.bn1(self.conv1(x)))
            out = self.bn2(self.conv2(out))
            return F.relu(out + self.shortcut(x))

    class ResNet18(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 64, 3, 1, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(64)
            layers, in_planes = [], 64
            for planes, stride in ((64, 1), (128, 2), (256, 2), (512, 2)):
                layers.append(nn.Sequential(BasicBlock(in_planes, planes, stride),
                                            BasicBlock(planes, planes, 1)))
                in_planes = planes
            self.layer1, self.layer2, self.layer3, self.layer4 = layers
            self.linear = nn.Linear(512, num_classes)

        def forward(self, x):
            out = F.relu(self.bn1(self.conv1(x)))
            out = self.layer4(self.layer3(self.layer2(self.layer1(out))))
            out = F.adaptive_avg_pool2d(out, 1).flatten(1)
            return self.linear(out)

    return ResNet18()


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


def adam(torch, params):
    return torch.optim.Adam(params, lr=1e-3)


def sgd(torch, params):
    return torch.optim.SGD(params, lr=0.1)


def sgd_momentum_wd(torch, params):
    return torch.optim.SGD(params, lr=0.1, momentum=0.9, weight_decay=5e-4)


# ---------------------------------------------------------------------------------------------
# GFLOP/s of ResNet-18's convolutions in glasstorch, and of np.matmul
# ---------------------------------------------------------------------------------------------
def conv_gflops(steps=3):
    """Time the three convolution maps (forward, input grad, weight grad) inside glasstorch's
    ResNet-18 step and divide their multiply-adds (2 flops each) by that time."""
    import glasstorch
    from glasstorch._ops import conv as conv_ops

    spent = {"time": 0.0, "flops": 0.0}
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
            start = time.perf_counter()
            out = fn(*args, **kwargs)
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
    compare("CIFAR ResNet-18 train step, batch 64, SGD momentum+wd",
            train_step(resnet18_cifar, sgd_momentum_wd, 64, (3, 32, 32)), repeats=5,
            warmup=1, rtol=5e-2, atol=5e-3, target=1.5)   # float32 noise through BatchNorm (float64: 3e-14)
    compare("MNIST CNN eval + no_grad, batch 1000",
            inference(mnist_cnn, 1000, (1, 28, 28)), repeats=7, target=1.3)
    conv_gflops()


if __name__ == "__main__":
    main()
