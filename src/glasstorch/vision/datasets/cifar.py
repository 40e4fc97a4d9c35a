"""CIFAR-10 and CIFAR-100 from their 'python version' batches: pickled dicts holding
`data` (N, 3072) uint8 rows (1024 red, 1024 green, 1024 blue values of a 32 x 32 image) and
`labels` (CIFAR-10) or `fine_labels` (CIFAR-100). The pickles are read by an unpickler that can
only rebuild arrays (see _numpy_pickle), never by plain pickle.load.
"""
import os

from ..._backend import xp
from .._pil import image_from_array
from ._numpy_pickle import load_array_pickle
from .utils import check_integrity, download_and_extract_archive
from .vision import VisionDataset


class CIFAR10(VisionDataset):
    """CIFAR-10: 50,000 training and 10,000 test colour images, 32 x 32, in 10 classes.

    `data` is an ndarray (N, 32, 32, 3) uint8, `targets` a list of ints; items are
    (PIL RGB image, int) before transforms. Every batch file's MD5 is checked on loading."""

    base_folder = "cifar-10-batches-py"
    url = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
    filename = "cifar-10-python.tar.gz"
    tgz_md5 = "c58f30108f718f92721af3b95e74349a"
    train_list = [
        ["data_batch_1", "c99cafc152244af753f735de768cd75f"],
        ["data_batch_2", "d4bba439e000b95fd0a9bffe97cbabec"],
        ["data_batch_3", "54ebc095f3ab1f0389bbae665268c751"],
        ["data_batch_4", "634d18415352ddfa80567beed471001a"],
        ["data_batch_5", "482c414d41f54cd18b22e5b47cb7c3cb"],
    ]
    test_list = [["test_batch", "40351d587109b95175f43aff81a1287e"]]
    meta = {"filename": "batches.meta", "key": "label_names",
            "md5": "5ff9c542aee3614f3951f8cda6e48888"}

    def __init__(self, root, train=True, transform=None, target_transform=None, download=False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        if download:
            self.download()
        if not self._check_integrity():
            raise RuntimeError(f"Dataset not found or corrupted. You can use download=True to "
                               f"download it (checked {self._describe_missing()})")
        batches = [load_array_pickle(os.path.join(self.root, self.base_folder, name))
                   for name, _ in (self.train_list if self.train else self.test_list)]
        self.data = xp.vstack([batch["data"] for batch in batches]).reshape(-1, 3, 32, 32)
        self.data = self.data.transpose((0, 2, 3, 1))   # to (N, H, W, C)
        self.targets = [int(label) for batch in batches
                        for label in batch.get("labels", batch.get("fine_labels"))]
        self._load_meta()

    def _load_meta(self):
        path = os.path.join(self.root, self.base_folder, self.meta["filename"])
        if not check_integrity(path, self.meta["md5"]):
            raise RuntimeError(f"Dataset metadata file not found or corrupted. You can use "
                               f"download=True to download it (checked {path})")
        self.classes = load_array_pickle(path)[self.meta["key"]]
        self.class_to_idx = {name: i for i, name in enumerate(self.classes)}

    def __getitem__(self, index):
        img = image_from_array(xp.ascontiguousarray(self.data[index]), "RGB")
        target = self.targets[index]
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __len__(self):
        return len(self.data)

    def _check_integrity(self):
        return all(check_integrity(os.path.join(self.root, self.base_folder, name), md5)
                   for name, md5 in self.train_list + self.test_list)

    def _describe_missing(self):
        """Which batch files are missing or have the wrong MD5."""
        problems = []
        for name, md5 in self.train_list + self.test_list:
            path = os.path.join(self.root, self.base_folder, name)
            if not os.path.isfile(path):
                problems.append(f"{path}: missing")
            elif not check_integrity(path, md5):
                problems.append(f"{path}: MD5 differs from {md5}")
        return "; ".join(problems)

    def download(self):
        if self._check_integrity():
            return
        download_and_extract_archive(self.url, self.root, filename=self.filename,
                                     md5=self.tgz_md5)

    def extra_repr(self):
        return f"Split: {'Train' if self.train is True else 'Test'}"


class CIFAR100(CIFAR10):
    """CIFAR-100: the same images in 100 fine classes (targets are the fine labels)."""

    base_folder = "cifar-100-python"
    url = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
    filename = "cifar-100-python.tar.gz"
    tgz_md5 = "eb9058c3a382ffc7106e4002c42a8d85"
    train_list = [["train", "16019d7e3df5f24257cddd939b257f8d"]]
    test_list = [["test", "f0ef6b0ae62326f3e7ffdfab6717acfc"]]
    meta = {"filename": "meta", "key": "fine_label_names",
            "md5": "7973b15100ade9c7d40fb424638fde48"}
