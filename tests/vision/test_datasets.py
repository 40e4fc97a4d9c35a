"""Datasets read files written here in the real formats, and agree with real torchvision
reading the same folder: length, classes, class_to_idx, targets, data, items after ToTensor,
repr. Bad input (wrong root, missing split, damaged or hostile files, corrupt images) gives
torchvision's exception type with the file named."""
import builtins
import gzip
import os
import pickle

import numpy as np
import pytest
import torch
from PIL import Image, UnidentifiedImageError

import glasstorch as gt
import glasstorch.vision.datasets as GD
import glasstorch.vision.transforms as GT
from tests.vision import formats
from tests.vision.helpers import assert_same_image, tv

TD = tv.datasets
TT = tv.transforms


def assert_items_equal(ours, theirs, indices, to_tensor=True):
    """Items at `indices`: raw (PIL image, target) and after ToTensor."""
    for i in indices:
        (img_o, target_o), (img_t, target_t) = ours[i], theirs[i]
        assert_same_image(img_o, img_t)
        assert target_o == target_t and type(target_o) is type(target_t)
    if to_tensor:
        ours.transform, theirs.transform = GT.ToTensor(), TT.ToTensor()
        ours.transforms = tv.datasets.vision.StandardTransform(GT.ToTensor(), None)
        theirs.transforms = tv.datasets.vision.StandardTransform(TT.ToTensor(), None)
        for i in indices:
            assert_same_image(ours[i][0], theirs[i][0])


def assert_same_attributes(ours, theirs, names):
    for name in names:
        a, b = getattr(ours, name), getattr(theirs, name)
        if isinstance(b, torch.Tensor):
            assert_same_image(a, b, what=name)
        elif isinstance(b, np.ndarray):
            assert isinstance(a, np.ndarray) and a.dtype == b.dtype, name
            np.testing.assert_array_equal(a, b, err_msg=name)
        else:
            assert a == b, name


# ---------------------------------------------------------------------------------------------
# MNIST family
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["MNIST", "FashionMNIST", "KMNIST"])
@pytest.mark.parametrize("train", [True, False])
def test_mnist_family_matches_torchvision(tmp_path, name, train):
    formats.write_mnist(str(tmp_path), name)
    ours = getattr(GD, name)(str(tmp_path), train=train)
    theirs = getattr(TD, name)(str(tmp_path), train=train)
    assert len(ours) == len(theirs) == (24 if train else 12)
    assert_same_attributes(ours, theirs, ["classes", "class_to_idx", "data", "targets",
                                          "raw_folder", "processed_folder"])
    assert repr(ours) == repr(theirs)
    assert_items_equal(ours, theirs, [0, 5, len(theirs) - 1])


def test_mnist_reads_gzipped_raw_files(tmp_path):
    """Only the downloaded .gz files are there: read as the unpacked ones (which torchvision
    needs) would be."""
    formats.write_mnist(str(tmp_path / "gz"), gz=True)
    formats.write_mnist(str(tmp_path / "plain"))
    ours = GD.MNIST(str(tmp_path / "gz"))
    theirs = TD.MNIST(str(tmp_path / "plain"))
    assert_same_attributes(ours, theirs, ["data", "targets"])
    assert_items_equal(ours, theirs, [3])


def test_mnist_legacy_processed_files(tmp_path):
    """A folder prepared by torchvision < 0.9: processed/training.pt and test.pt written by
    torch.save, read weights-only."""
    processed = tmp_path / "MNIST" / "processed"
    processed.mkdir(parents=True)
    for filename, seed in (("training.pt", 1), ("test.pt", 2)):
        images, labels = formats.mnist_arrays(7, seed)
        torch.save((torch.tensor(images), torch.tensor(labels.astype(np.int64))),
                   processed / filename)
    for train in (True, False):
        ours, theirs = GD.MNIST(str(tmp_path), train=train), TD.MNIST(str(tmp_path), train=train)
        assert_same_attributes(ours, theirs, ["data", "targets"])
        assert_items_equal(ours, theirs, [0, 6])


@pytest.mark.parametrize("split", ["byclass", "balanced", "letters", "digits", "mnist"])
def test_emnist_splits(tmp_path, split):
    formats.write_emnist(str(tmp_path), split,
                         classes=len(TD.EMNIST.classes_split_dict[split]))
    for train in (True, False):
        ours = GD.EMNIST(str(tmp_path), split=split, train=train)
        theirs = TD.EMNIST(str(tmp_path), split=split, train=train)
        assert_same_attributes(ours, theirs, ["classes", "class_to_idx", "data", "targets",
                                              "images_file", "labels_file"])
        assert repr(ours) == repr(theirs)
        assert_items_equal(ours, theirs, [1], to_tensor=False)


def test_emnist_missing_split(tmp_path):
    with pytest.raises(ValueError):
        TD.EMNIST(str(tmp_path), split="bydigit")
    with pytest.raises(ValueError, match="bydigit.*byclass"):
        GD.EMNIST(str(tmp_path), split="bydigit")


def test_emnist_split_not_on_disk(tmp_path):
    formats.write_emnist(str(tmp_path), "letters")
    with pytest.raises(RuntimeError):
        TD.EMNIST(str(tmp_path), split="digits")
    with pytest.raises(RuntimeError, match="emnist-digits-train-images-idx3-ubyte"):
        GD.EMNIST(str(tmp_path), split="digits")


def test_mnist_wrong_root_names_the_folder(tmp_path):
    with pytest.raises(RuntimeError):
        TD.MNIST(str(tmp_path / "nowhere"))
    with pytest.raises(RuntimeError, match="download=True") as info:
        GD.MNIST(str(tmp_path / "nowhere"))
    assert str(tmp_path / "nowhere" / "MNIST" / "raw") in str(info.value)


def test_mnist_damaged_idx_file_names_the_file(tmp_path):
    formats.write_mnist(str(tmp_path))
    path = tmp_path / "MNIST" / "raw" / "train-images-idx3-ubyte"
    path.write_bytes(path.read_bytes()[:-100])   # truncated
    with pytest.raises(RuntimeError):
        TD.MNIST(str(tmp_path))
    with pytest.raises(RuntimeError, match="damaged") as info:
        GD.MNIST(str(tmp_path))
    assert str(path) in str(info.value)
    path.write_bytes(b"\x08\x08\x08\x08" + b"\x00" * 20)   # not an IDX header
    with pytest.raises(RuntimeError, match="not an IDX file"):
        GD.MNIST(str(tmp_path))


@pytest.mark.parametrize("dtype", ["uint8", "int8", "int16", "int32", "float32", "float64"])
def test_idx_reader_every_type(tmp_path, dtype):
    from glasstorch.vision.datasets.mnist import read_sn3_pascalvincent_tensor
    from torchvision.datasets.mnist import read_sn3_pascalvincent_tensor as theirs
    array = (np.arange(60) - 20).reshape(3, 4, 5).astype(dtype)
    formats.write_idx(str(tmp_path / "x"), array)
    assert_same_image(read_sn3_pascalvincent_tensor(str(tmp_path / "x")),
                      theirs(str(tmp_path / "x")))


def test_mnist_items_never_touch_the_disk(tmp_path, monkeypatch):
    """MNIST-sized data is read once into two tensors; indexing only slices them."""
    formats.write_mnist(str(tmp_path), gz=True)
    dataset = GD.MNIST(str(tmp_path), transform=GT.ToTensor())
    assert dataset.data.dtype == gt.uint8 and tuple(dataset.data.shape) == (24, 28, 28)
    assert dataset.targets.dtype == gt.int64

    def no_file_access(*args, **kwargs):
        raise AssertionError(f"file opened while indexing: {args[:1]}")
    monkeypatch.setattr(builtins, "open", no_file_access)
    monkeypatch.setattr(gzip, "open", no_file_access)
    monkeypatch.setattr(os, "stat", no_file_access)
    items = [dataset[i] for i in range(len(dataset))]
    assert all(img.shape == (1, 28, 28) for img, _ in items)


def test_subsetting_data_and_targets_is_honoured(tmp_path):
    """Course code filters a dataset by reassigning data and targets."""
    formats.write_mnist(str(tmp_path))
    ours, theirs = GD.MNIST(str(tmp_path)), TD.MNIST(str(tmp_path))
    keep_o, keep_t = ours.targets < 5, theirs.targets < 5
    ours.data, ours.targets = ours.data[keep_o], ours.targets[keep_o]
    theirs.data, theirs.targets = theirs.data[keep_t], theirs.targets[keep_t]
    assert len(ours) == len(theirs)
    assert_items_equal(ours, theirs, range(len(theirs)), to_tensor=False)


# ---------------------------------------------------------------------------------------------
# CIFAR
# ---------------------------------------------------------------------------------------------
def _cifar_classes(base, checksums):
    """The dataset class with the md5 lists of the files written by the test (how a user
    points torchvision at their own copies)."""
    attributes = {"train_list": [[n, checksums[n]] for n, _ in base.train_list],
                  "test_list": [[n, checksums[n]] for n, _ in base.test_list],
                  "meta": {**base.meta, "md5": checksums[base.meta["filename"]]}}
    return type(base.__name__, (base,), attributes)


@pytest.mark.parametrize("which", ["CIFAR10", "CIFAR100"])
@pytest.mark.parametrize("train", [True, False])
def test_cifar_matches_torchvision(tmp_path, which, train):
    write = formats.write_cifar10 if which == "CIFAR10" else formats.write_cifar100
    checksums = write(str(tmp_path))
    ours_cls = _cifar_classes(getattr(GD, which), checksums)
    theirs_cls = _cifar_classes(getattr(TD, which), checksums)
    ours, theirs = ours_cls(str(tmp_path), train=train), theirs_cls(str(tmp_path), train=train)
    assert len(ours) == len(theirs)
    assert_same_attributes(ours, theirs, ["classes", "class_to_idx", "data", "targets"])
    assert repr(ours) == repr(theirs)
    assert_items_equal(ours, theirs, [0, len(theirs) - 1])


def test_cifar_wrong_root_and_corrupted_batch(tmp_path):
    with pytest.raises(RuntimeError):
        TD.CIFAR10(str(tmp_path))
    with pytest.raises(RuntimeError, match="data_batch_1: missing"):
        GD.CIFAR10(str(tmp_path))
    checksums = formats.write_cifar10(str(tmp_path))
    ours_cls = _cifar_classes(GD.CIFAR10, checksums)
    with open(tmp_path / "cifar-10-batches-py" / "data_batch_3", "ab") as f:
        f.write(b"extra")
    with pytest.raises(RuntimeError, match="data_batch_3: MD5 differs"):
        ours_cls(str(tmp_path))


def test_cifar_pickle_cannot_run_code(tmp_path):
    """A batch whose pickle names os.system: refused (UnpicklingError naming the global),
    and nothing ran."""
    checksums = formats.write_cifar10(str(tmp_path))
    marker = tmp_path / "pwned"

    class Exploit:
        def __reduce__(self):
            return os.system, (f"touch {marker}",)
    path = tmp_path / "cifar-10-batches-py" / "data_batch_2"
    with open(path, "wb") as f:
        pickle.dump({"data": np.zeros((1, 3072), np.uint8), "labels": [Exploit()]}, f,
                    protocol=2)
    checksums["data_batch_2"] = formats.md5(str(path))
    ours_cls = _cifar_classes(GD.CIFAR10, checksums)
    with pytest.raises(pickle.UnpicklingError, match="system"):
        ours_cls(str(tmp_path))
    assert not marker.exists()


# ---------------------------------------------------------------------------------------------
# SVHN
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("split", ["train", "test", "extra"])
def test_svhn_matches_torchvision(tmp_path, split):
    checksum, X, y = formats.write_svhn(str(tmp_path), split)
    lists = {**TD.SVHN.split_list}
    lists[split] = [lists[split][0], lists[split][1], checksum]
    ours = type("SVHN", (GD.SVHN,), {"split_list": lists})(str(tmp_path), split=split)
    theirs = type("SVHN", (TD.SVHN,), {"split_list": lists})(str(tmp_path), split=split)
    assert len(ours) == len(theirs) == X.shape[3]
    assert_same_attributes(ours, theirs, ["data", "labels"])
    assert ours.labels[0] == 0   # the file's 10 stands for the digit 0
    assert repr(ours) == repr(theirs)
    assert_items_equal(ours, theirs, [0, 4])


def test_svhn_missing_split_and_wrong_root(tmp_path):
    with pytest.raises(ValueError):
        TD.SVHN(str(tmp_path), split="validation")
    with pytest.raises(ValueError, match="validation"):
        GD.SVHN(str(tmp_path), split="validation")
    with pytest.raises(RuntimeError):
        TD.SVHN(str(tmp_path))
    with pytest.raises(RuntimeError, match="train_32x32.mat is missing"):
        GD.SVHN(str(tmp_path))


# ---------------------------------------------------------------------------------------------
# ImageFolder / DatasetFolder
# ---------------------------------------------------------------------------------------------
LAYOUT = {"dog/b.png": 1, "dog/a.jpg": 2, "dog/deep/er/c.bmp": 3, "cat/x.PNG": 4,
          "cat/notes.txt": 0, "bird/1.ppm": 6, "bird/2.tif": 7, "bird/3.webp": 8,
          "bird/4.jpeg": 9}


def test_image_folder_matches_torchvision(tmp_path):
    formats.write_image_folder(str(tmp_path), LAYOUT)
    (tmp_path / "readme.md").write_text("a file at the top is not a class")
    ours, theirs = GD.ImageFolder(str(tmp_path)), TD.ImageFolder(str(tmp_path))
    assert len(ours) == len(theirs) == 8
    assert_same_attributes(ours, theirs, ["classes", "class_to_idx", "samples", "targets",
                                          "imgs", "extensions"])
    assert repr(ours) == repr(theirs)
    assert_items_equal(ours, theirs, range(8))


def test_image_folder_is_valid_file_and_loader(tmp_path):
    formats.write_image_folder(str(tmp_path), LAYOUT)

    def only_png(path):
        return path.lower().endswith(".png")

    def grey_loader(path):
        return Image.open(path).convert("L")
    ours = GD.ImageFolder(str(tmp_path), is_valid_file=only_png, loader=grey_loader,
                          allow_empty=True)
    theirs = TD.ImageFolder(str(tmp_path), is_valid_file=only_png, loader=grey_loader,
                            allow_empty=True)
    assert_same_attributes(ours, theirs, ["classes", "samples", "targets"])
    assert_items_equal(ours, theirs, range(len(theirs)))
    with pytest.raises(FileNotFoundError):
        TD.ImageFolder(str(tmp_path), is_valid_file=only_png)
    with pytest.raises(FileNotFoundError, match="bird"):
        GD.ImageFolder(str(tmp_path), is_valid_file=only_png)


def test_dataset_folder_custom_extensions(tmp_path):
    for cls, n in (("a", 2), ("b", 3)):
        (tmp_path / cls).mkdir()
        for i in range(n):
            np.save(tmp_path / cls / f"{i}.npy", np.full((2, 2), i + n))
    (tmp_path / "a" / "skip.txt").write_text("x")

    def load(path):
        return float(np.load(path).sum())
    ours = GD.DatasetFolder(str(tmp_path), load, extensions=(".npy",))
    theirs = TD.DatasetFolder(str(tmp_path), load, extensions=(".npy",))
    assert_same_attributes(ours, theirs, ["classes", "class_to_idx", "samples", "targets"])
    assert [ours[i] for i in range(len(ours))] == [theirs[i] for i in range(len(theirs))]
    for bad in ({"extensions": None}, {"extensions": (".npy",), "is_valid_file": bool}):
        with pytest.raises(ValueError):
            TD.DatasetFolder(str(tmp_path), load, **bad)
        with pytest.raises(ValueError, match="extensions and is_valid_file"):
            GD.DatasetFolder(str(tmp_path), load, **bad)


def test_image_folder_wrong_root_and_no_classes(tmp_path):
    with pytest.raises(FileNotFoundError):
        TD.ImageFolder(str(tmp_path / "missing"))
    with pytest.raises(FileNotFoundError, match="missing"):
        GD.ImageFolder(str(tmp_path / "missing"))
    (tmp_path / "flat.png").write_bytes(b"")
    with pytest.raises(FileNotFoundError):
        TD.ImageFolder(str(tmp_path))
    with pytest.raises(FileNotFoundError, match="Couldn't find any class folder"):
        GD.ImageFolder(str(tmp_path))


def test_corrupt_image_files_name_the_file(tmp_path):
    formats.write_image_folder(str(tmp_path), {"a/good.png": 1, "a/bad.png": 2,
                                               "b/cut.png": 4})
    (tmp_path / "a" / "bad.png").write_bytes(b"this is no PNG")
    cut = tmp_path / "b" / "cut.png"
    cut.write_bytes(cut.read_bytes()[:60])
    ours, theirs = GD.ImageFolder(str(tmp_path)), TD.ImageFolder(str(tmp_path))
    for index, name in ((0, "bad.png"), (2, "cut.png")):
        assert ours.samples[index][0].endswith(name)
        with pytest.raises(OSError) as theirs_error:
            theirs[index]
        with pytest.raises(type(theirs_error.value)) as ours_error:
            ours[index]
        assert name in str(ours_error.value)
    assert isinstance(ours_error.value, OSError)
    with pytest.raises(UnidentifiedImageError):
        ours[0]


def test_image_folder_scans_10000_files_without_opening_them(tmp_path, monkeypatch):
    """Indexing a large tree lists names only (the speed of ImageFolder on a photo
    collection): no file is opened during construction, and the sample list is torchvision's."""
    for c in range(10):
        folder = tmp_path / f"class_{c:02d}"
        folder.mkdir()
        for i in range(1000):
            (folder / f"img_{i:04d}.png").touch()
    theirs = TD.ImageFolder(str(tmp_path))

    def no_open(*args, **kwargs):
        raise AssertionError(f"opened {args[:1]} while scanning")
    monkeypatch.setattr(builtins, "open", no_open)
    monkeypatch.setattr(Image, "open", no_open)
    ours = GD.ImageFolder(str(tmp_path))
    monkeypatch.undo()
    assert len(ours) == 10000
    assert ours.samples == theirs.samples and ours.classes == theirs.classes


# ---------------------------------------------------------------------------------------------
# FakeData, VisionDataset
# ---------------------------------------------------------------------------------------------
def test_fakedata():
    ours = GD.FakeData(size=5, image_size=(3, 10, 12), num_classes=4)
    theirs = TD.FakeData(size=5, image_size=(3, 10, 12), num_classes=4)
    assert len(ours) == len(theirs) == 5
    assert repr(ours) == repr(theirs)
    gt.manual_seed(11)
    before = gt.rand(3)
    gt.manual_seed(11)
    for i in range(5):
        (img, target), (img_t, target_t) = ours[i], theirs[i]
        assert type(target) is type(target_t) is int
        assert (img.mode, img.size) == (img_t.mode, img_t.size)
        assert isinstance(target, int) and 0 <= target < 4
        again, _ = ours[i]
        np.testing.assert_array_equal(np.asarray(img), np.asarray(again))
    np.testing.assert_array_equal(gt.rand(3).numpy(), before.numpy())   # global stream untouched
    assert not np.array_equal(np.asarray(ours[0][0]), np.asarray(ours[1][0]))
    grey = GD.FakeData(size=2, image_size=(1, 6, 6), transform=GT.ToTensor())[1][0]
    assert tuple(grey.shape) == (1, 6, 6) and grey.dtype == gt.float32
    with pytest.raises(IndexError):
        ours[5]


def test_vision_dataset_transforms_are_exclusive():
    with pytest.raises(ValueError):
        TD.VisionDataset("r", transforms=abs, transform=abs)
    with pytest.raises(ValueError, match="Only transforms or transform/target_transform"):
        GD.VisionDataset("r", transforms=abs, transform=abs)
    ours = GD.FakeData(size=1, transform=GT.ToTensor(), target_transform=GT.Lambda(abs))
    theirs = TD.FakeData(size=1, transform=TT.ToTensor(), target_transform=TT.Lambda(abs))
    assert repr(ours) == repr(theirs)
    assert repr(ours.transforms) == repr(theirs.transforms)
