"""Writers of the real dataset file formats, for tests: IDX (MNIST family), CIFAR's pickled
batches, SVHN's MATLAB files, image folders. Each returns what it wrote so tests can compare
against independent expectations too."""
import gzip
import hashlib
import os
import pickle

import numpy as np
import scipy.io
from PIL import Image

_IDX_CODES = {np.dtype(np.uint8): 8, np.dtype(np.int8): 9, np.dtype(np.int16): 11,
              np.dtype(np.int32): 12, np.dtype(np.float32): 13, np.dtype(np.float64): 14}


def idx_bytes(array):
    """The IDX encoding of array: 0, 0, type code, ndim, big-endian dims, big-endian values."""
    header = bytes([0, 0, _IDX_CODES[array.dtype], array.ndim])
    dims = np.array(array.shape, dtype=">i4").tobytes()
    return header + dims + array.astype(array.dtype.newbyteorder(">")).tobytes()


def write_idx(path, array, gz=False):
    data = idx_bytes(array)
    if gz:
        with gzip.open(path + ".gz", "wb") as f:
            f.write(data)
    else:
        with open(path, "wb") as f:
            f.write(data)


def md5(path):
    return hashlib.md5(open(path, "rb").read()).hexdigest()


def mnist_arrays(n, seed, classes=10):
    rng = np.random.default_rng(seed)
    return (rng.integers(0, 256, (n, 28, 28), dtype=np.uint8),
            rng.integers(0, classes, n).astype(np.uint8))


def write_mnist(root, name="MNIST", gz=False, n_train=24, n_test=12, classes=10):
    """root/<name>/raw/{train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]."""
    raw = os.path.join(root, name, "raw")
    os.makedirs(raw, exist_ok=True)
    arrays = {}
    for split, n, seed in (("train", n_train, 1), ("t10k", n_test, 2)):
        images, labels = mnist_arrays(n, seed, classes)
        write_idx(os.path.join(raw, f"{split}-images-idx3-ubyte"), images, gz)
        write_idx(os.path.join(raw, f"{split}-labels-idx1-ubyte"), labels, gz)
        arrays[split] = (images, labels)
    return arrays


def write_emnist(root, split, n_train=20, n_test=10, classes=47):
    raw = os.path.join(root, "EMNIST", "raw")
    os.makedirs(raw, exist_ok=True)
    arrays = {}
    for part, n, seed in (("train", n_train, 3), ("test", n_test, 4)):
        images, labels = mnist_arrays(n, seed, classes)
        write_idx(os.path.join(raw, f"emnist-{split}-{part}-images-idx3-ubyte"), images)
        write_idx(os.path.join(raw, f"emnist-{split}-{part}-labels-idx1-ubyte"), labels)
        arrays[part] = (images, labels)
    return arrays


def _pickle(path, obj):
    """Protocol 2, as the CIFAR python batches (pickled by Python 2's cPickle)."""
    with open(path, "wb") as f:
        pickle.dump(obj, f, protocol=2)


def write_cifar10(root, per_batch=6, test=8):
    """root/cifar-10-batches-py/data_batch_1..5, test_batch, batches.meta; returns
    {file name: md5} for the dataset's train_list / test_list / meta."""
    folder = os.path.join(root, "cifar-10-batches-py")
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(5)
    names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    for name in names:
        n = test if name == "test_batch" else per_batch
        _pickle(os.path.join(folder, name), {
            "batch_label": f"{name} of 6", "labels": rng.integers(0, 10, n).tolist(),
            "data": rng.integers(0, 256, (n, 3072), dtype=np.uint8),
            "filenames": [f"img_{i}.png" for i in range(n)]})
    _pickle(os.path.join(folder, "batches.meta"), {
        "num_cases_per_batch": per_batch, "num_vis": 3072,
        "label_names": ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog",
                        "horse", "ship", "truck"]})
    return {name: md5(os.path.join(folder, name)) for name in names + ["batches.meta"]}


def write_cifar100(root, train=10, test=6):
    folder = os.path.join(root, "cifar-100-python")
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(6)
    for name, n in (("train", train), ("test", test)):
        _pickle(os.path.join(folder, name), {
            "filenames": [f"f{i}.png" for i in range(n)], "batch_label": name,
            "fine_labels": rng.integers(0, 100, n).tolist(),
            "coarse_labels": rng.integers(0, 20, n).tolist(),
            "data": rng.integers(0, 256, (n, 3072), dtype=np.uint8)})
    _pickle(os.path.join(folder, "meta"), {
        "fine_label_names": [f"fine_{i}" for i in range(100)],
        "coarse_label_names": [f"coarse_{i}" for i in range(20)]})
    return {name: md5(os.path.join(folder, name)) for name in ("train", "test", "meta")}


def write_svhn(root, split="train", n=9):
    """root/<split>_32x32.mat with X (32, 32, 3, n) uint8 and y (n, 1) in 1..10."""
    os.makedirs(root, exist_ok=True)
    rng = np.random.default_rng(7)
    X = rng.integers(0, 256, (32, 32, 3, n), dtype=np.uint8)
    y = rng.integers(1, 11, (n, 1)).astype(np.uint8)
    y[0, 0] = 10   # the digit 0, which torchvision relabels 0
    path = os.path.join(root, f"{split}_32x32.mat")
    scipy.io.savemat(path, {"X": X, "y": y})
    return md5(path), X, y


def write_image_folder(root, layout, size=(12, 9)):
    """Write images: layout maps 'class/sub/name.ext' -> seed; the format follows the
    extension (png, jpg, bmp, ...). Other extensions get a few text bytes."""
    for relative, seed in layout.items():
        path = os.path.join(root, relative)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        ext = os.path.splitext(relative)[1].lower()
        if ext in (".png", ".jpg", ".jpeg", ".bmp", ".ppm", ".tif", ".webp"):
            rng = np.random.default_rng(seed)
            pixels = rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
            mode = "L" if seed % 3 == 0 else "RGB"   # a grey file now and then: loaded as RGB
            image = Image.fromarray(pixels).convert(mode)
            image.save(path)
        else:
            with open(path, "w") as f:
                f.write("not an image")
