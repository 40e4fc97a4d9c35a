"""glasstorch.vision.datasets: torchvision's datasets, reading torchvision's on-disk layouts."""
from .cifar import CIFAR10, CIFAR100
from .fakedata import FakeData
from .folder import DatasetFolder, ImageFolder
from .mnist import EMNIST, FashionMNIST, KMNIST, MNIST
from .svhn import SVHN
from .vision import VisionDataset

__all__ = ("MNIST", "FashionMNIST", "KMNIST", "EMNIST", "CIFAR10", "CIFAR100", "SVHN",
           "ImageFolder", "DatasetFolder", "FakeData", "VisionDataset")
