"""VGG (Simonyan & Zisserman 2014): stacks of 3x3 convolutions (padding 1, size-preserving)
and 2x2 max-pools, then a three-layer classifier. `cfgs` holds the paper's configurations
A (vgg11), B (vgg13), D (vgg16) and E (vgg19): an int is a conv's out_channels, "M" a pool;
`make_layers(cfg, batch_norm)` turns one into `features`.

Input (N, 3, H, W) with H, W >= 32 -> logits (N, num_classes); the adaptive pool ends every size
at 512 x 7 x 7. init_weights: conv kaiming_normal(fan_out, relu), bias 0; BatchNorm weight 1,
bias 0; Linear weight N(0, 0.01), bias 0.
"""
from functools import partial

from ... import flatten
from ... import nn
from ..transforms._presets import ImageClassification
from ._api import Weights, WeightsEnum, register_model
from ._meta import _IMAGENET_CATEGORIES
from ._utils import _ovewrite_named_param, handle_legacy_interface

__all__ = ["VGG", "VGG11_Weights", "VGG11_BN_Weights", "VGG13_Weights", "VGG13_BN_Weights",
           "VGG16_Weights", "VGG16_BN_Weights", "VGG19_Weights", "VGG19_BN_Weights",
           "vgg11", "vgg11_bn", "vgg13", "vgg13_bn", "vgg16", "vgg16_bn", "vgg19", "vgg19_bn"]


class VGG(nn.Module):
    def __init__(self, features, num_classes=1000, init_weights=True, dropout=0.5):
        super().__init__()
        self.features = features
        self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
        self.classifier = nn.Sequential(
            nn.Linear(512 * 7 * 7, 4096), nn.ReLU(True), nn.Dropout(p=dropout),
            nn.Linear(4096, 4096), nn.ReLU(True), nn.Dropout(p=dropout),
            nn.Linear(4096, num_classes),
        )
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
        x = self.avgpool(self.features(x))
        return self.classifier(flatten(x, 1))


def make_layers(cfg, batch_norm=False):
    """nn.Sequential from a cfg list: int v -> Conv2d(in, v, 3, padding=1) [+ BatchNorm2d(v)]
    + ReLU(inplace=True); "M" -> MaxPool2d(2, 2). The input has 3 channels."""
    layers = []
    in_channels = 3
    for v in cfg:
        if v == "M":
            layers += [nn.MaxPool2d(kernel_size=2, stride=2)]
            continue
        conv2d = nn.Conv2d(in_channels, v, kernel_size=3, padding=1)
        if batch_norm:
            layers += [conv2d, nn.BatchNorm2d(v), nn.ReLU(inplace=True)]
        else:
            layers += [conv2d, nn.ReLU(inplace=True)]
        in_channels = v
    return nn.Sequential(*layers)


cfgs = {
    "A": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "B": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "D": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
    "E": [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M",
          512, 512, 512, 512, "M"],
}


def _vgg(cfg, batch_norm, weights, progress, **kwargs):
    if weights is not None:
        kwargs["init_weights"] = False
        if weights.meta["categories"] is not None:   # IMAGENET1K_FEATURES has no classifier
            _ovewrite_named_param(kwargs, "num_classes", len(weights.meta["categories"]))
    model = VGG(make_layers(cfgs[cfg], batch_norm=batch_norm), **kwargs)
    if weights is not None:
        model.load_state_dict(weights.get_state_dict(progress=progress, check_hash=True))
    return model


class VGG11_Weights(WeightsEnum):
    IMAGENET1K_V1 = Weights(
        url="https://download.pytorch.org/models/vgg11-8a719046.pth",
        transforms=partial(ImageClassification, crop_size=224),
        meta={
            "min_size": (32, 32),
            "categories": _IMAGENET_CATEGORIES,
            "recipe": ("https://github.com/pytorch/vision/tree/main/references/"
                       "classification#alexnet-and-vgg"),
            "_docs": ('These weights were trained from scratch by using a simplified training '
                      'recipe.'),
            "num_params": 132863336,
            "_metrics": {"ImageNet-1K": {"acc@1": 69.02, "acc@5": 88.628}},
            "_ops": 7.609,
            "_file_size": 506.84,
        },
    )
    DEFAULT = IMAGENET1K_V1


class VGG11_BN_Weights(WeightsEnum):
    IMAGENET1K_V1 = Weights(
        url="https://download.pytorch.org/models/vgg11_bn-6002323d.pth",
        transforms=partial(ImageClassification, crop_size=224),
        meta={
            "min_size": (32, 32),
            "categories": _IMAGENET_CATEGORIES,
            "recipe": ("https://github.com/pytorch/vision/tree/main/references/"
                       "classification#alexnet-and-vgg"),
            "_docs": ('These weights were trained from scratch by using a simplified training '
                      'recipe.'),
            "num_params": 132868840,
            "_metrics": {"ImageNet-1K": {"acc@1": 70.37, "acc@5": 89.81}},
            "_ops": 7.609,
            "_file_size": 506.881,
        },
    )
    DEFAULT = IMAGENET1K_V1


class VGG13_Weights(WeightsEnum):
    IMAGENET1K_V1 = Weights(
        url="https://download.pytorch.org/models/vgg13-19584684.pth",
        transforms=partial(ImageClassification, crop_size=224),
        meta={
            "min_size": (32, 32),
            "categories": _IMAGENET_CATEGORIES,
            "recipe": ("https://github.com/pytorch/vision/tree/main/references/"
                       "classification#alexnet-and-vgg"),
            "_docs": ('These weights were trained from scratch by using a simplified training '
                      'recipe.'),
            "num_params": 133047848,
            "_metrics": {"ImageNet-1K": {"acc@1": 69.928, "acc@5": 89.246}},
            "_ops": 11.308,
            "_file_size": 507.545,
        },
    )
    DEFAULT = IMAGENET1K_V1


class VGG13_BN_Weights(WeightsEnum):
    IMAGENET1K_V1 = Weights(
        url="https://download.pytorch.org/models/vgg13_bn-abd245e5.pth",
        transforms=partial(ImageClassification, crop_size=224),
        meta={
            "min_size": (32, 32),
            "categories": _IMAGENET_CATEGORIES,
            "recipe": ("https://github.com/pytorch/vision/tree/main/references/"
                       "classification#alexnet-and-vgg"),
            "_docs": ('These weights were trained from scratch by using a simplified training '
                      'recipe.'),
            "num_params": 133053736,
            "_metrics": {"ImageNet-1K": {"acc@1": 71.586, "acc@5": 90.374}},
            "_ops": 11.308,
            "_file_size": 507.59,
        },
    )
    DEFAULT = IMAGENET1K_V1


class VGG16_Weights(WeightsEnum):
    IMAGENET1K_V1 = Weights(
        url="https://download.pytorch.org/models/vgg16-397923af.pth",
        transforms=partial(ImageClassification, crop_size=224),
        meta={
            "min_size": (32, 32),
            "categories": _IMAGENET_CATEGORIES,
            "recipe": ("https://github.com/pytorch/vision/tree/main/references/"
                       "classification#alexnet-and-vgg"),
            "_docs": ('These weights were trained from scratch by using a simplified training '
                      'recipe.'),
            "num_params": 138357544,
            "_metrics": {"ImageNet-1K": {"acc@1": 71.592, "acc@5": 90.382}},
            "_ops": 15.47,
            "_file_size": 527.796,
        },
    )
    IMAGENET1K_FEATURES = Weights(
        url="https://download.pytorch.org/models/vgg16_features-amdegroot-88682ab5.pth",
        transforms=partial(ImageClassification, crop_size=224,
                           mean=(0.48235,
                           0.45882,
                           0.40784),
                           std=(0.00392156862745098,
                           0.00392156862745098,
                           0.00392156862745098)),
        meta={
            "min_size": (32, 32),
            "categories": None,
            "recipe": "https://github.com/amdegroot/ssd.pytorch#training-ssd",
            "_docs": ("These weights can't be used for classification because they are missing "
                      'values in the `classifier` module. Only the `features` module has valid '
                      'values and can be used for feature extraction. The weights were trained '
                      'using the original input standardization method as described in the '
                      'paper.'),
            "num_params": 138357544,
            "_metrics": {"ImageNet-1K": {"acc@1": float("nan"), "acc@5": float("nan")}},
            "_ops": 15.47,
            "_file_size": 527.802,
        },
    )
    DEFAULT = IMAGENET1K_V1


class VGG16_BN_Weights(WeightsEnum):
    IMAGENET1K_V1 = Weights(
        url="https://download.pytorch.org/models/vgg16_bn-6c64b313.pth",
        transforms=partial(ImageClassification, crop_size=224),
        meta={
            "min_size": (32, 32),
            "categories": _IMAGENET_CATEGORIES,
            "recipe": ("https://github.com/pytorch/vision/tree/main/references/"
                       "classification#alexnet-and-vgg"),
            "_docs": ('These weights were trained from scratch by using a simplified training '
                      'recipe.'),
            "num_params": 138365992,
            "_metrics": {"ImageNet-1K": {"acc@1": 73.36, "acc@5": 91.516}},
            "_ops": 15.47,
            "_file_size": 527.866,
        },
    )
    DEFAULT = IMAGENET1K_V1


class VGG19_Weights(WeightsEnum):
    IMAGENET1K_V1 = Weights(
        url="https://download.pytorch.org/models/vgg19-dcbb9e9d.pth",
        transforms=partial(ImageClassification, crop_size=224),
        meta={
            "min_size": (32, 32),
            "categories": _IMAGENET_CATEGORIES,
            "recipe": ("https://github.com/pytorch/vision/tree/main/references/"
                       "classification#alexnet-and-vgg"),
            "_docs": ('These weights were trained from scratch by using a simplified training '
                      'recipe.'),
            "num_params": 143667240,
            "_metrics": {"ImageNet-1K": {"acc@1": 72.376, "acc@5": 90.876}},
            "_ops": 19.632,
            "_file_size": 548.051,
        },
    )
    DEFAULT = IMAGENET1K_V1


class VGG19_BN_Weights(WeightsEnum):
    IMAGENET1K_V1 = Weights(
        url="https://download.pytorch.org/models/vgg19_bn-c79401a0.pth",
        transforms=partial(ImageClassification, crop_size=224),
        meta={
            "min_size": (32, 32),
            "categories": _IMAGENET_CATEGORIES,
            "recipe": ("https://github.com/pytorch/vision/tree/main/references/"
                       "classification#alexnet-and-vgg"),
            "_docs": ('These weights were trained from scratch by using a simplified training '
                      'recipe.'),
            "num_params": 143678248,
            "_metrics": {"ImageNet-1K": {"acc@1": 74.218, "acc@5": 91.842}},
            "_ops": 19.632,
            "_file_size": 548.143,
        },
    )
    DEFAULT = IMAGENET1K_V1


@register_model()
@handle_legacy_interface(weights=("pretrained", VGG11_Weights.IMAGENET1K_V1))
def vgg11(*, weights: VGG11_Weights = None, progress=True, **kwargs):
    """VGG configuration "A". kwargs go to VGG."""
    return _vgg("A", False, VGG11_Weights.verify(weights), progress, **kwargs)

@register_model()
@handle_legacy_interface(weights=("pretrained", VGG11_BN_Weights.IMAGENET1K_V1))
def vgg11_bn(*, weights: VGG11_BN_Weights = None, progress=True, **kwargs):
    """VGG configuration "A" with batch normalization. kwargs go to VGG."""
    return _vgg("A", True, VGG11_BN_Weights.verify(weights), progress, **kwargs)

@register_model()
@handle_legacy_interface(weights=("pretrained", VGG13_Weights.IMAGENET1K_V1))
def vgg13(*, weights: VGG13_Weights = None, progress=True, **kwargs):
    """VGG configuration "B". kwargs go to VGG."""
    return _vgg("B", False, VGG13_Weights.verify(weights), progress, **kwargs)

@register_model()
@handle_legacy_interface(weights=("pretrained", VGG13_BN_Weights.IMAGENET1K_V1))
def vgg13_bn(*, weights: VGG13_BN_Weights = None, progress=True, **kwargs):
    """VGG configuration "B" with batch normalization. kwargs go to VGG."""
    return _vgg("B", True, VGG13_BN_Weights.verify(weights), progress, **kwargs)

@register_model()
@handle_legacy_interface(weights=("pretrained", VGG16_Weights.IMAGENET1K_V1))
def vgg16(*, weights: VGG16_Weights = None, progress=True, **kwargs):
    """VGG configuration "D". kwargs go to VGG."""
    return _vgg("D", False, VGG16_Weights.verify(weights), progress, **kwargs)

@register_model()
@handle_legacy_interface(weights=("pretrained", VGG16_BN_Weights.IMAGENET1K_V1))
def vgg16_bn(*, weights: VGG16_BN_Weights = None, progress=True, **kwargs):
    """VGG configuration "D" with batch normalization. kwargs go to VGG."""
    return _vgg("D", True, VGG16_BN_Weights.verify(weights), progress, **kwargs)

@register_model()
@handle_legacy_interface(weights=("pretrained", VGG19_Weights.IMAGENET1K_V1))
def vgg19(*, weights: VGG19_Weights = None, progress=True, **kwargs):
    """VGG configuration "E". kwargs go to VGG."""
    return _vgg("E", False, VGG19_Weights.verify(weights), progress, **kwargs)

@register_model()
@handle_legacy_interface(weights=("pretrained", VGG19_BN_Weights.IMAGENET1K_V1))
def vgg19_bn(*, weights: VGG19_BN_Weights = None, progress=True, **kwargs):
    """VGG configuration "E" with batch normalization. kwargs go to VGG."""
    return _vgg("E", True, VGG19_BN_Weights.verify(weights), progress, **kwargs)
