"""d2l.DataModule and the data sets of the book's early chapters: synthetic regression data
and Fashion-MNIST, plus the older chapters' load_array / synthetic_data /
load_data_fashion_mnist."""
import os

import glasstorch
from glasstorch import vision
from glasstorch.utils import data as torch_data
from glasstorch.vision import transforms

from .hyperparameters import HyperParameters
from .plotting import show_images

FASHION_MNIST_LABELS = ['t-shirt', 'trouser', 'pullover', 'dress', 'coat',
                        'sandal', 'shirt', 'sneaker', 'bag', 'ankle boot']


def usable_workers(num_workers):
    """The DataLoader worker count to use for a requested `num_workers`: at most one per
    CPU core (the book's default of 4 oversubscribes small machines); 0 loads in-process."""
    return max(0, min(int(num_workers), os.cpu_count() or 1))


class DataModule(HyperParameters):
    """The base class of data: train_dataloader() and val_dataloader() come from
    get_dataloader(train)."""

    def __init__(self, root='../data', num_workers=4):
        self.save_hyperparameters()

    def get_dataloader(self, train):
        raise NotImplementedError(f"{type(self).__name__} does not define "
                                  f"get_dataloader(train)")

    def train_dataloader(self):
        return self.get_dataloader(train=True)

    def val_dataloader(self):
        return self.get_dataloader(train=False)

    def get_tensorloader(self, tensors, train, indices=slice(0, None)):
        """A DataLoader over tensors[k][indices], shuffled when training."""
        tensors = tuple(a[indices] for a in tensors)
        dataset = torch_data.TensorDataset(*tensors)
        return torch_data.DataLoader(dataset, self.batch_size, shuffle=train)


class SyntheticRegressionData(DataModule):
    """y = X w + b + noise with X ~ N(0, 1) (n, len(w)) and noise ~ N(0, noise^2); the first
    num_train rows train, the next num_val validate."""

    def __init__(self, w, b, noise=0.01, num_train=1000, num_val=1000, batch_size=32):
        super().__init__()
        self.save_hyperparameters()
        n = num_train + num_val
        self.X = glasstorch.randn(n, len(w))
        noise = glasstorch.randn(n, 1) * noise
        self.y = glasstorch.matmul(self.X, w.reshape((-1, 1))) + b + noise

    def get_dataloader(self, train):
        i = slice(0, self.num_train) if train else slice(self.num_train, None)
        return self.get_tensorloader((self.X, self.y), train, i)


class FashionMNIST(DataModule):
    """Fashion-MNIST under root (downloaded there if missing), resized, as tensors in [0, 1]."""

    def __init__(self, batch_size=64, resize=(28, 28)):
        super().__init__()
        self.save_hyperparameters()
        trans = transforms.Compose([transforms.Resize(resize), transforms.ToTensor()])
        self.train = vision.datasets.FashionMNIST(
            root=self.root, train=True, transform=trans, download=True)
        self.val = vision.datasets.FashionMNIST(
            root=self.root, train=False, transform=trans, download=True)

    def text_labels(self, indices):
        """The names of the classes `indices`."""
        return [FASHION_MNIST_LABELS[int(i)] for i in indices]

    def get_dataloader(self, train):
        data = self.train if train else self.val
        return torch_data.DataLoader(data, self.batch_size, shuffle=train,
                                     num_workers=usable_workers(self.num_workers))

    def visualize(self, batch, nrows=1, ncols=8, labels=[]):
        """Show the images of `batch` = (X, y) titled with their labels."""
        X, y = batch
        if not labels:
            labels = self.text_labels(y)
        show_images(X.squeeze(1), nrows, ncols, titles=labels)


def load_array(data_arrays, batch_size, is_train=True):
    """A DataLoader over the tensors `data_arrays`, shuffled when is_train."""
    dataset = torch_data.TensorDataset(*data_arrays)
    return torch_data.DataLoader(dataset, batch_size, shuffle=is_train)


def synthetic_data(w, b, num_examples):
    """X ~ N(0, 1) (num_examples, len(w)) and y = X w + b + N(0, 0.01^2) as (num_examples, 1)."""
    X = glasstorch.normal(0, 1, (num_examples, len(w)))
    y = glasstorch.matmul(X, w) + b
    y += glasstorch.normal(0, 0.01, y.shape)
    return X, y.reshape((-1, 1))


def get_dataloader_workers():
    """Worker processes for the data loaders of load_data_fashion_mnist (the book's 4, at
    most one per core)."""
    return usable_workers(4)


def get_fashion_mnist_labels(labels):
    """The names of the Fashion-MNIST classes `labels`."""
    return [FASHION_MNIST_LABELS[int(i)] for i in labels]


def load_data_fashion_mnist(batch_size, resize=None):
    """Training and test DataLoaders of Fashion-MNIST under ../data (downloaded if missing)."""
    trans = [transforms.ToTensor()]
    if resize:
        trans.insert(0, transforms.Resize(resize))
    trans = transforms.Compose(trans)
    mnist_train = vision.datasets.FashionMNIST(
        root="../data", train=True, transform=trans, download=True)
    mnist_test = vision.datasets.FashionMNIST(
        root="../data", train=False, transform=trans, download=True)
    return (torch_data.DataLoader(mnist_train, batch_size, shuffle=True,
                                  num_workers=get_dataloader_workers()),
            torch_data.DataLoader(mnist_test, batch_size, shuffle=False,
                                  num_workers=get_dataloader_workers()))
