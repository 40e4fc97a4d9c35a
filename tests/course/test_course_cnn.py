"""The course's convolutional networks (003, "3. CNN" and "3.3 Advanced CNN", "5.3.2 ViT"),
written as the course writes them and run under PyTorch (+ torchvision) and glasstorch
(+ glasstorch.vision) from the same initial weights and data: outputs, losses, gradients and
the parameters after a few optimizer steps agree.

Sizes are cut down where the course's full size only costs time (batch, image side, hidden
widths); each test says what it changed. Dropout is 0 where training is compared."""
import numpy as np
import pytest
import torch

import glasstorch as gt
from tests.course.notes import same
from tests.oracle.torchvision_import import torchvision

tv = torchvision()
RNG = np.random.default_rng(3)


def vision_of(torch):
    """torchvision for torch, glasstorch.vision for glasstorch."""
    if torch is gt:
        import glasstorch.vision
        return glasstorch.vision
    return tv


def weights_from_torch(build, seed=0):
    """Initial weights: build the model under real torch (seeded) and take its state_dict."""
    torch.manual_seed(seed)
    return {k: v.detach().numpy().copy() for k, v in build(torch).state_dict().items()}


def load(torch, model, weights):
    model.load_state_dict({k: torch.tensor(v) for k, v in weights.items()})
    return model


def images(n, channels, side, seed=0):
    return np.random.default_rng(seed).normal(size=(n, channels, side, side)).astype(np.float32)


def labels(n, classes=10, seed=0):
    return np.random.default_rng(seed).integers(0, classes, n)


def train_steps(torch, model, optimizer, x, y, steps):
    """`steps` course-style steps (forward, cross-entropy, zero_grad, backward, step): the
    losses, the last logits and every parameter's gradient in the first step (later steps
    start from parameters that already differ by float rounding, amplified by each update)."""
    x, y = torch.tensor(x), torch.tensor(y)
    losses = []
    for step in range(steps):
        hypothesis = model(x)
        cost = torch.nn.functional.cross_entropy(hypothesis, y)
        optimizer.zero_grad()
        cost.backward()
        if step == 0:
            grads = {name: p.grad.clone() for name, p in model.named_parameters()
                     if p.grad is not None}
        optimizer.step()
        losses.append(cost.item())
    return losses, hypothesis.detach(), grads


# ---------------------------------------------------------------------------------------------
# 3.1 the MNIST CNN (the course's MnistModel, Adam, cross-entropy; batch 16 instead of 128)
# ---------------------------------------------------------------------------------------------
def mnist_model(torch):
    nn = torch.nn

    class MnistModel(nn.Module):
        def __init__(self):
            super().__init__()
            self.layer1 = nn.Sequential(
                nn.Conv2d(1, 32, kernel_size=3, stride=1, padding=1),   # (N, 32, 28, 28)
                nn.ReLU(),
                nn.MaxPool2d(2))                                         # (N, 32, 14, 14)
            self.layer2 = nn.Sequential(
                nn.Conv2d(32, 64, kernel_size=3, stride=1, padding=1),  # (N, 64, 14, 14)
                nn.ReLU(),
                nn.MaxPool2d(2))                                         # (N, 64, 7, 7)
            self.linear = nn.Linear(64 * 7 * 7, 10)
            nn.init.xavier_uniform_(self.linear.weight)

        def forward(self, x):
            x = self.layer1(x)
            x = self.layer2(x)
            x = x.view(x.size(0), -1)
            return self.linear(x)
    return MnistModel()


def test_mnist_cnn_trains_the_same():
    weights = weights_from_torch(mnist_model)
    x, y = np.random.default_rng(1).uniform(0, 1, (16, 1, 28, 28)).astype(np.float32), labels(16)

    def program(torch, x, y):
        model = load(torch, mnist_model(torch), weights)
        optimizer = torch.optim.Adam(model.parameters(), lr=0.001)
        model.train()
        losses, hypothesis, grads = train_steps(torch, model, optimizer,
                                                x.reshape(-1, 1, 28, 28), y, 3)
        model.eval()
        with torch.no_grad():
            prediction = model(torch.tensor(x)).argmax(dim=1).long()
            accuracy = (torch.tensor(y) == prediction).float().mean()
        return losses, hypothesis, grads, model.state_dict(), accuracy
    losses, *_ = same(program, x, y, rtol=2e-4, atol=2e-5)
    assert losses[-1] < losses[0]


# ---------------------------------------------------------------------------------------------
# 3.3.1 LeNet-5 (sigmoid, average pooling, SGD), on 28x28 inputs padded to 32x32 by conv1
# ---------------------------------------------------------------------------------------------
def lenet(torch):
    nn = torch.nn
    return nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120), nn.Sigmoid(),
        nn.Linear(120, 84), nn.Sigmoid(),
        nn.Linear(84, 10))


def test_lenet_shapes_and_training_match():
    weights = weights_from_torch(lenet, seed=1)
    x, y = images(8, 1, 28, seed=2), labels(8, seed=3)

    def shapes(torch, x):
        X = torch.tensor(x)
        out = []
        for layer in lenet(torch):
            X = layer(X)
            out.append((layer.__class__.__name__, tuple(X.shape)))
        return out
    same(shapes, x)

    def program(torch, x, y):
        model = load(torch, lenet(torch), weights)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.9)
        return train_steps(torch, model, optimizer, x, y, 3), model.state_dict()
    same(program, x, y, rtol=2e-4, atol=2e-5)


# ---------------------------------------------------------------------------------------------
# 3.3.1 AlexNet as the course's table draws it: 227x227 input, 96 11x11/4 filters, max-pools
# 3x3/2, LocalResponseNorm after the first two, 4096-wide FCs (here 256, and 10 classes)
# ---------------------------------------------------------------------------------------------
def course_alexnet(torch, hidden=256, classes=10):
    nn = torch.nn
    return nn.Sequential(
        nn.Conv2d(3, 96, kernel_size=11, stride=4), nn.ReLU(inplace=True),        # 55x55x96
        nn.MaxPool2d(kernel_size=3, stride=2),                                    # 27x27x96
        nn.LocalResponseNorm(size=5, alpha=1e-4, beta=0.75, k=2.0),
        nn.Conv2d(96, 256, kernel_size=5, padding=2), nn.ReLU(inplace=True),     # 27x27x256
        nn.MaxPool2d(kernel_size=3, stride=2),                                    # 13x13x256
        nn.LocalResponseNorm(size=5, alpha=1e-4, beta=0.75, k=2.0),
        nn.Conv2d(256, 384, kernel_size=3, padding=1), nn.ReLU(inplace=True),
        nn.Conv2d(384, 384, kernel_size=3, padding=1), nn.ReLU(inplace=True),
        nn.Conv2d(384, 256, kernel_size=3, padding=1), nn.ReLU(inplace=True),
        nn.MaxPool2d(kernel_size=3, stride=2),                                    # 6x6x256
        nn.Flatten(),
        nn.Dropout(0.0), nn.Linear(6 * 6 * 256, hidden), nn.ReLU(inplace=True),
        nn.Dropout(0.0), nn.Linear(hidden, hidden), nn.ReLU(inplace=True),
        nn.Linear(hidden, classes))


def test_course_alexnet_forward_and_gradients_match():
    weights = weights_from_torch(course_alexnet, seed=2)
    x, y = images(1, 3, 227, seed=4), labels(1, seed=5)

    def program(torch, x, y):
        model = load(torch, course_alexnet(torch), weights)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9,
                                    weight_decay=5e-4)   # the course's AlexNet recipe
        losses, logits, grads = train_steps(torch, model, optimizer, x, y, 2)
        return losses, logits, grads
    same(program, x, y, rtol=1e-3, atol=1e-5)


# ---------------------------------------------------------------------------------------------
# 3.3.2 VGG via make_layers: the course's cfgs table and VGG class (classifier 4096 -> 64 wide)
# ---------------------------------------------------------------------------------------------
course_cfgs = {
    "myconv11": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "myconv16": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512,
                 512, "M"],
}


def course_vgg(torch, cfg="myconv11", batch_norm=False, hidden=64, num_classes=10):
    nn = torch.nn
    make_layers = vision_of(torch).models.vgg.make_layers

    class VGG(nn.Module):
        def __init__(self, features, num_classes=1000, init_weights=True, dropout=0.5):
            super().__init__()
            self.features = features
            self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
            self.classifier = nn.Sequential(
                nn.Linear(512 * 7 * 7, hidden), nn.ReLU(True), nn.Dropout(p=dropout),
                nn.Linear(hidden, hidden), nn.ReLU(True), nn.Dropout(p=dropout),
                nn.Linear(hidden, num_classes))
            if init_weights:
                for m in self.modules():
                    if isinstance(m, nn.Conv2d):
                        nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                        if m.bias is not None:
                            nn.init.constant_(m.bias, 0)
                    elif isinstance(m, nn.BatchNorm2d):
                        nn.init.constant_(m.weight, 1)
                        nn.init.constant_(m.bias, 0)
                    elif isinstance(m, nn.Linear):
                        nn.init.normal_(m.weight, 0, 0.01)
                        nn.init.constant_(m.bias, 0)

        def forward(self, x):
            x = self.features(x)
            x = self.avgpool(x)
            x = torch.flatten(x, 1)
            return self.classifier(x)

    conv_layers = make_layers(course_cfgs[cfg], batch_norm=batch_norm)
    return VGG(conv_layers, num_classes=num_classes, dropout=0.0)


@pytest.mark.parametrize("cfg, batch_norm", [("myconv11", False), ("myconv16", True)])
def test_course_vgg_with_make_layers_trains_the_same(cfg, batch_norm):
    def build(torch):
        return course_vgg(torch, cfg, batch_norm)
    weights = weights_from_torch(build, seed=3)
    # batch statistics of the last block over 4 x 2 x 2 values: well conditioned in float32
    x, y = images(4, 3, 32, seed=7), labels(4, seed=8)

    def program(torch, x, y):
        model = load(torch, build(torch), weights)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
        return train_steps(torch, model, optimizer, x, y, 2)
    same(program, x, y, rtol=1e-3, atol=1e-5)


# ---------------------------------------------------------------------------------------------
# 3.3.1 GoogLeNet's Inception block (torchvision's, as the course points to it)
# ---------------------------------------------------------------------------------------------
def test_inception_block_matches():
    def build(torch):
        return _inception_class(torch)(192, 64, 96, 128, 16, 32, 32)
    weights = weights_from_torch(build, seed=4)
    x = images(2, 192, 8, seed=9)

    def program(torch, x):
        block = load(torch, build(torch), weights)
        X = torch.tensor(x, requires_grad=True)
        out = block(X)     # (2, 64 + 128 + 32 + 32, 8, 8): the branches concatenated
        (out * out).sum().backward()
        return (out.shape, out, X.grad, block.branch2[1].conv.weight.grad,
                block.branch4[1].bn.bias.grad)
    same(program, x, rtol=1e-4, atol=1e-4)


def _inception_class(torch):
    import importlib
    name = "glasstorch.vision.models.googlenet" if torch is gt else "torchvision.models.googlenet"
    return importlib.import_module(name).Inception


# ---------------------------------------------------------------------------------------------
# 3.3.3 ResNet with BasicBlock and Bottleneck (torchvision.models.resnet, as the course uses it)
# ---------------------------------------------------------------------------------------------
def _resnet_module(torch):
    import importlib
    return importlib.import_module("glasstorch.vision.models.resnet" if torch is gt
                                   else "torchvision.models.resnet")


def test_resnet_with_bottleneck_as_the_course_builds_it():
    def build(torch):
        resnet = _resnet_module(torch)
        return resnet.ResNet(resnet.Bottleneck, [3, 4, 6, 3], 10, True)   # the course's line
    weights = weights_from_torch(build, seed=5)
    # 64x64 leaves layer4 2x2: its batch statistics over 8 values (at 32x32, 2 values give
    # BatchNorm outputs of +-1 whose float32 rounding then decides the logits)
    x, y = images(2, 3, 64, seed=10), labels(2, seed=11)

    def program(torch, x, y):
        model = load(torch, build(torch), weights)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        losses, logits, grads = train_steps(torch, model, optimizer, x, y, 1)
        return losses, logits, {k: grads[k] for k in ["conv1.weight", "layer1.0.conv3.weight",
                                                      "layer4.2.bn3.bias", "fc.weight"]}
    same(program, x, y, rtol=1e-3, atol=1e-5)


def test_basic_block_and_bottleneck_blocks_alone():
    def build(torch):
        resnet = _resnet_module(torch)
        nn = torch.nn
        downsample = nn.Sequential(resnet.conv1x1(16, 32, 2), nn.BatchNorm2d(32))
        return nn.Sequential(resnet.BasicBlock(16, 16), resnet.BasicBlock(16, 32, 2, downsample),
                             resnet.Bottleneck(32, 8),       # 32 -> 8 -> 8 -> 32, identity
                             resnet.Bottleneck(32, 16, 1, nn.Sequential(
                                 resnet.conv1x1(32, 64), nn.BatchNorm2d(64)), groups=4,
                                 base_width=8))
    weights = weights_from_torch(build, seed=6)
    x = images(2, 16, 8, seed=12)

    def program(torch, x):
        blocks = load(torch, build(torch), weights)
        X = torch.tensor(x, requires_grad=True)
        out = blocks(X)
        out.pow(2).mean().backward()
        return out, X.grad, [p.grad for p in blocks.parameters()], blocks.state_dict()
    same(program, x, rtol=1e-4, atol=1e-5)


# ---------------------------------------------------------------------------------------------
# 3.1.4 grouped and depthwise convolution: a depthwise-separable block
# ---------------------------------------------------------------------------------------------
def separable(torch, c_in=8, c_out=16):
    nn = torch.nn
    return nn.Sequential(
        nn.Conv2d(c_in, c_in, kernel_size=3, padding=1, groups=c_in, bias=False),  # depthwise
        nn.BatchNorm2d(c_in), nn.ReLU(),
        nn.Conv2d(c_in, c_out, kernel_size=1, bias=False),                         # pointwise
        nn.BatchNorm2d(c_out), nn.ReLU(),
        nn.Conv2d(c_out, c_out, kernel_size=3, stride=2, padding=1, groups=4),    # grouped
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c_out, 10))


def test_depthwise_separable_block_trains_the_same():
    weights = weights_from_torch(separable, seed=8)
    x, y = images(4, 8, 12, seed=15), labels(4, seed=16)

    def program(torch, x, y):
        model = load(torch, separable(torch), weights)
        params = sum(p.numel() for p in model.parameters())
        optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
        return params, train_steps(torch, model, optimizer, x, y, 3), model.state_dict()
    params, *_ = same(program, x, y, rtol=2e-4, atol=2e-5)
    # depthwise 8*9, pointwise 8*16, grouped 16*4*9 + 16, BN 2*(8+16), Linear 16*10 + 10
    assert params == 72 + 128 + 592 + 48 + 170


# ---------------------------------------------------------------------------------------------
# 5.3.2 ViT: the patch embedding (16x16 patches, a linear map, a CLS token, a learned PE)
# ---------------------------------------------------------------------------------------------
def patch_embedding(torch, image=64, patch=16, dim=32):
    nn = torch.nn

    class PatchEmbedding(nn.Module):
        """(N, 3, H, W) -> (N, 1 + HW/P^2, dim): a PxP stride-P conv is the linear map applied
        to each flattened patch; the CLS token goes first; the position embedding is learned."""

        def __init__(self):
            super().__init__()
            self.proj = nn.Conv2d(3, dim, kernel_size=patch, stride=patch)
            self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
            self.pos_embedding = nn.Parameter(torch.randn(1, (image // patch) ** 2 + 1, dim))

        def forward(self, x):
            x = self.proj(x).flatten(2).transpose(1, 2)          # (N, patches, dim)
            cls = self.cls_token.expand(x.size(0), -1, -1)
            return torch.cat([cls, x], dim=1) + self.pos_embedding
    return PatchEmbedding()


def test_vit_patch_embedding_matches_and_equals_a_linear_map_on_patches():
    weights = weights_from_torch(patch_embedding, seed=9)
    x = images(2, 3, 64, seed=17)

    def program(torch, x):
        embed = load(torch, patch_embedding(torch), weights)
        X = torch.tensor(x, requires_grad=True)
        tokens = embed(X)
        # the same map written with unfold + Linear weights (the course's "flatten + linear")
        patches = torch.nn.functional.unfold(X, kernel_size=16, stride=16).transpose(1, 2)
        linear = patches @ embed.proj.weight.reshape(32, -1).T + embed.proj.bias
        (tokens[:, 1:] * torch.tensor(np.linspace(-1, 1, 32, dtype=np.float32))).sum().backward()
        return (tokens.shape, tokens, X.grad, embed.proj.weight.grad, embed.pos_embedding.grad,
                (linear - tokens[:, 1:] + embed.pos_embedding[:, 1:]).abs().max() < 1e-4)
    same(program, x, rtol=1e-4, atol=1e-5)


def test_vision_transformer_encoder_as_torchvision_builds_it():
    def build(torch):
        return vision_of(torch).models.VisionTransformer(
            image_size=32, patch_size=16, num_layers=2, num_heads=2, hidden_dim=16, mlp_dim=32,
            num_classes=10)
    weights = weights_from_torch(build, seed=10)
    weights["heads.head.weight"] = RNG.normal(0, 0.1, weights["heads.head.weight"].shape) \
        .astype(np.float32)   # torchvision starts the head at 0
    x, y = images(3, 3, 32, seed=18), labels(3, seed=19)

    def program(torch, x, y):
        model = load(torch, build(torch), weights)
        optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
        return train_steps(torch, model, optimizer, x, y, 2)
    same(program, x, y, rtol=1e-3, atol=1e-5)


# ---------------------------------------------------------------------------------------------
# 1.6.1 transfer learning: a pretrained torchvision ResNet, frozen, with a new last layer
# ---------------------------------------------------------------------------------------------
def test_transfer_learning_from_a_pretrained_resnet(tmp_path, monkeypatch):
    """The checkpoint is a torch.save'd torchvision state_dict placed in the hub cache (where
    `weights=` looks first), so no network is needed."""
    torch.manual_seed(11)
    checkpoints = tmp_path / "hub" / "checkpoints"
    checkpoints.mkdir(parents=True)
    torch.save(tv.models.resnet18().state_dict(), checkpoints / "resnet18-f37072fd.pth")
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    head = weights_from_torch(lambda torch: torch.nn.Linear(512, 4), seed=12)
    x, y = images(4, 3, 64, seed=20), labels(4, classes=4, seed=21)

    def program(torch, x, y):
        models = vision_of(torch).models
        model = models.resnet18(weights=models.ResNet18_Weights.IMAGENET1K_V1)
        for param in model.parameters():       # freeze the pretrained backbone
            param.requires_grad = False
        model.fc = load(torch, torch.nn.Linear(model.fc.in_features, 4), head)
        optimizer = torch.optim.SGD(model.fc.parameters(), lr=0.01)
        losses, logits, grads = train_steps(torch, model, optimizer, x, y, 3)
        frozen = [p.grad is None for name, p in model.named_parameters()
                  if not name.startswith("fc.")]
        return losses, logits, grads, all(frozen), model.state_dict()
    losses, *_ = same(program, x, y, rtol=1e-4, atol=1e-4)
    assert losses[-1] < losses[0]
