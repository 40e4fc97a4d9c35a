"""glasstorch.vision.transforms: torchvision's classic transforms (classes here, plain
functions in `transforms.functional`), for PIL images and image tensors alike."""
from . import functional
from .transforms import *  # noqa: F401,F403  (the classes listed in transforms.__all__)
from .transforms import __all__ as _transform_names
from .autoaugment import AutoAugmentPolicy, AutoAugment, RandAugment, TrivialAugmentWide

__all__ = list(_transform_names) + ["AutoAugmentPolicy", "AutoAugment", "RandAugment",
                                    "TrivialAugmentWide", "functional"]
