"""glasstorch.vision: torchvision's data side, so `import torchvision` code runs once aliased.

- `transforms`: torchvision's classic transforms and `transforms.functional`, on PIL images
  (through Pillow) and on image tensors (whole-array NumPy);
- `datasets`: MNIST, FashionMNIST, KMNIST, EMNIST, CIFAR10/100, SVHN, ImageFolder,
  DatasetFolder, FakeData, reading torchvision's on-disk layouts and downloading like it;
- `utils`: make_grid, save_image, draw_bounding_boxes;
- `io`: read_image / decode_image and friends, through Pillow;
- `models`: the classification models and their pretrained weights; `ops`: their layer blocks.

Pillow is optional (`pip install glasstorch[vision]`): it is imported on first use.
"""
from . import datasets, io, transforms, utils
from . import models, ops

_image_backend = "PIL"


def set_image_backend(backend):
    """Choose the package that loads images. Only 'PIL' exists here (torchvision also offers
    'accimage', a C library glasstorch does not bind)."""
    global _image_backend
    if backend == "accimage":
        raise ValueError("Invalid backend 'accimage': glasstorch.vision has no accimage support; "
                         "the only option is 'PIL'")
    if backend != "PIL":
        raise ValueError(f"Invalid backend '{backend}'. Options are 'PIL' and 'accimage'")
    _image_backend = backend


def get_image_backend():
    """Name of the package used to load images ('PIL')."""
    return _image_backend


__all__ = ["datasets", "io", "models", "ops", "transforms", "utils", "get_image_backend", "set_image_backend"]
