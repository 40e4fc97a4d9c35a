"""The models, data and optimizers of the CNN benches, written once against the torch API (the
library comes in as `torch`). No library is imported here, so bench/cnn_memory.py can load
one library alone in a subprocess."""
import math

import numpy as np


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


def adam(torch, params):
    return torch.optim.Adam(params, lr=1e-3)


def sgd(torch, params):
    return torch.optim.SGD(params, lr=0.1)


def sgd_momentum_wd(torch, params):
    return torch.optim.SGD(params, lr=0.1, momentum=0.9, weight_decay=5e-4)
