"""MNIST and its look-alikes (FashionMNIST, KMNIST, EMNIST), from the IDX files in
`<root>/<ClassName>/raw/`, exactly where torchvision keeps them.

The raw files may be there as downloaded (`train-images-idx3-ubyte.gz`) or unpacked (without
`.gz`; torchvision itself only reads those). A folder torchvision < 0.9 prepared, with
`processed/training.pt` and `test.pt`, is read as torchvision still reads it.
The whole split is read into two tensors once, at construction: `data` (N, 28, 28) uint8 and
`targets` (N,) int64; indexing never touches the disk again.
"""
import gzip
import os
import shutil
import string
import urllib.error

from ... import from_numpy, load
from ..._backend import xp
from .._pil import image_from_array
from .utils import check_integrity, download_and_extract_archive, extract_archive, \
    verify_str_arg
from .vision import VisionDataset


# ---------------------------------------------------------------------------------------------
# the IDX format
# ---------------------------------------------------------------------------------------------
# IDX type byte -> big-endian NumPy type of the values
_IDX_TYPES = {8: ">u1", 9: ">i1", 11: ">i2", 12: ">i4", 13: ">f4", 14: ">f8"}


def read_sn3_pascalvincent_array(path):
    """The array in an IDX file (Lush's 'SN3' format, plain or gzipped):
    bytes 0-1 zero, byte 2 the value type, byte 3 the number of dims, then one big-endian
    int32 per dim, then the values in C order, big-endian."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_TYPES \
            or not 1 <= raw[3] <= 3:
        raise RuntimeError(f"{path} is not an IDX file: its header {raw[:4]!r} should be two zero "
                           f"bytes, a type code in {sorted(_IDX_TYPES)} and 1 to 3 dims")
    ndim = raw[3]
    header = 4 * (ndim + 1)
    shape = tuple(int(n) for n in xp.frombuffer(raw, dtype=">i4", count=ndim, offset=4))
    dtype = xp.dtype(_IDX_TYPES[raw[2]])
    expected = int(xp.prod(shape)) * dtype.itemsize
    if len(raw) - header != expected:
        raise RuntimeError(f"{path} is damaged: its header gives shape {shape} "
                           f"({expected} bytes of data) but the file holds {len(raw) - header}")
    return xp.frombuffer(raw, dtype=dtype, offset=header).astype(dtype.newbyteorder("="))\
        .reshape(shape)


def read_sn3_pascalvincent_tensor(path, strict=True):
    """read_sn3_pascalvincent_array as a tensor. (`strict` is torchvision's switch for the
    size check; here the size is always checked.)"""
    return from_numpy(read_sn3_pascalvincent_array(path))


def read_image_file(path):
    """An IDX file of uint8 images (N, H, W) as a uint8 tensor."""
    x = read_sn3_pascalvincent_array(path)
    if x.dtype != xp.uint8:
        raise TypeError(f"{path}: x should be of dtype torch.uint8 instead of torch.{x.dtype}")
    if x.ndim != 3:
        raise ValueError(f"{path}: x should have 3 dimension instead of {x.ndim}")
    return from_numpy(x)


def read_label_file(path):
    """An IDX file of uint8 labels (N,) as an int64 tensor."""
    x = read_sn3_pascalvincent_array(path)
    if x.dtype != xp.uint8:
        raise TypeError(f"{path}: x should be of dtype torch.uint8 instead of torch.{x.dtype}")
    if x.ndim != 1:
        raise ValueError(f"{path}: x should have 1 dimension instead of {x.ndim}")
    return from_numpy(x.astype(xp.int64))


# ---------------------------------------------------------------------------------------------
# datasets
# ---------------------------------------------------------------------------------------------
class MNIST(VisionDataset):
    """MNIST handwritten digits: 60,000 training and 10,000 test images, 28 x 28 grey.

    Items are (PIL image of mode 'L', int class) before transforms."""

    mirrors = ["https://ossci-datasets.s3.amazonaws.com/mnist/",
               "http://yann.lecun.com/exdb/mnist/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
        ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
        ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
        ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"),
    ]
    training_file = "training.pt"
    test_file = "test.pt"
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five", "6 - six",
               "7 - seven", "8 - eight", "9 - nine"]

    def __init__(self, root, train=True, transform=None, target_transform=None, download=False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        if self._check_legacy_exist():
            self.data, self.targets = self._load_legacy_data()
            return
        if download:
            self.download()
        if not self._check_exists():
            raise RuntimeError(f"Dataset not found. You can use download=True to download it "
                               f"(looked in {self.raw_folder} for {', '.join(self._needed())}, "
                               f"each may also end in .gz)")
        self.data, self.targets = self._load_data()

    @property
    def raw_folder(self):
        return os.path.join(self.root, self.__class__.__name__, "raw")

    @property
    def processed_folder(self):
        return os.path.join(self.root, self.__class__.__name__, "processed")

    @property
    def class_to_idx(self):
        return {name: i for i, name in enumerate(self.classes)}

    # the files of this split, unpacked or gzipped
    def _split_prefix(self):
        return "train" if self.train else "t10k"

    def _needed(self):
        """Paths of the raw files this dataset reads (all splits), without .gz."""
        return [os.path.join(self.raw_folder, os.path.splitext(os.path.basename(name))[0])
                for name, _ in self.resources]

    @staticmethod
    def _present(path):
        """path if it exists, else path + '.gz' if that exists, else None."""
        for candidate in (path, path + ".gz"):
            if os.path.isfile(candidate):
                return candidate
        return None

    def _check_exists(self):
        return all(self._present(path) for path in self._needed())

    def _check_legacy_exist(self):
        if not os.path.exists(self.processed_folder):
            return False
        return all(check_integrity(os.path.join(self.processed_folder, f))
                   for f in (self.training_file, self.test_file))

    def _load_legacy_data(self):
        """(data, targets) saved by torchvision < 0.9 with torch.save (loaded weights-only)."""
        path = os.path.join(self.processed_folder,
                            self.training_file if self.train else self.test_file)
        return tuple(load(path, weights_only=True))

    def _load_data(self):
        prefix = os.path.join(self.raw_folder, self._split_prefix())
        images = read_image_file(self._present(f"{prefix}-images-idx3-ubyte"))
        labels = read_label_file(self._present(f"{prefix}-labels-idx1-ubyte"))
        return images, labels

    def __getitem__(self, index):
        """(image, target): the image as a PIL image (mode 'L') before `transform`."""
        img = image_from_array(self.data.numpy()[index], "L")
        target = int(self.targets[index])
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __len__(self):
        return len(self.data)

    def download(self):
        """Fetch every resource, trying each mirror in turn; unpack the .gz files."""
        if self._check_exists():
            return
        os.makedirs(self.raw_folder, exist_ok=True)
        for filename, md5 in self.resources:
            errors = []
            for mirror in self.mirrors:
                try:
                    download_and_extract_archive(f"{mirror}{filename}",
                                                 download_root=self.raw_folder,
                                                 filename=filename, md5=md5)
                except (RuntimeError, urllib.error.URLError) as error:
                    errors.append(error)
                    continue
                break
            else:
                tried = "".join(f"Tried {mirror}, got:\n{error}\n"
                                for mirror, error in zip(self.mirrors, errors))
                raise RuntimeError(f"Error downloading {filename}:\n{tried}"
                                   f"To install it by hand, place {filename} (MD5 {md5}) at "
                                   f"{os.path.join(self.raw_folder, filename)}")

    def extra_repr(self):
        return f"Split: {'Train' if self.train is True else 'Test'}"


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST: clothing photos in MNIST's format."""

    mirrors = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
        ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
        ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
        ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310"),
    ]
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
               "Sneaker", "Bag", "Ankle boot"]


class KMNIST(MNIST):
    """Kuzushiji-MNIST: cursive Japanese characters in MNIST's format."""

    mirrors = ["http://codh.rois.ac.jp/kmnist/dataset/kmnist/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "bdb82020997e1d708af4cf47b453dcf7"),
        ("train-labels-idx1-ubyte.gz", "e144d726b3acfaa3e44228e80efcd344"),
        ("t10k-images-idx3-ubyte.gz", "5c965bf0a639b31b8f53240b1b52f4d7"),
        ("t10k-labels-idx1-ubyte.gz", "7320c461ea6c1c855c0b718fb2a4b134"),
    ]
    classes = ["o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"]


class EMNIST(MNIST):
    """Extended MNIST: letters and digits in six splits (byclass, bymerge, balanced, letters,
    digits, mnist), files raw/emnist-<split>-<train|test>-<images|labels>-idx?-ubyte."""

    url = "https://biometrics.nist.gov/cs_links/EMNIST/gzip.zip"
    md5 = "58c8d27c78d21e728a6bc7b3cc06412e"
    splits = ("byclass", "bymerge", "balanced", "letters", "digits", "mnist")
    # bymerge and balanced merge the letters whose upper and lower case look alike
    _merged_classes = {"c", "i", "j", "k", "l", "m", "o", "p", "s", "u", "v", "w", "x", "y", "z"}
    _all_classes = set(string.digits + string.ascii_letters)
    classes_split_dict = {
        "byclass": sorted(_all_classes),
        "bymerge": sorted(_all_classes - _merged_classes),
        "balanced": sorted(_all_classes - _merged_classes),
        "letters": ["N/A"] + list(string.ascii_lowercase),
        "digits": list(string.digits),
        "mnist": list(string.digits),
    }

    def __init__(self, root, split, **kwargs):
        self.split = verify_str_arg(split, "split", self.splits)
        self.training_file = f"training_{split}.pt"
        self.test_file = f"test_{split}.pt"
        super().__init__(root, **kwargs)
        self.classes = self.classes_split_dict[self.split]

    @property
    def _file_prefix(self):
        return f"emnist-{self.split}-{'train' if self.train else 'test'}"

    @property
    def images_file(self):
        return os.path.join(self.raw_folder, f"{self._file_prefix}-images-idx3-ubyte")

    @property
    def labels_file(self):
        return os.path.join(self.raw_folder, f"{self._file_prefix}-labels-idx1-ubyte")

    def _needed(self):
        return [self.images_file, self.labels_file]

    def _load_data(self):
        return (read_image_file(self._present(self.images_file)),
                read_label_file(self._present(self.labels_file)))

    def download(self):
        """Fetch gzip.zip (all splits), unpack its .gz files into raw/."""
        if self._check_exists():
            return
        os.makedirs(self.raw_folder, exist_ok=True)
        download_and_extract_archive(self.url, download_root=self.raw_folder, md5=self.md5)
        gzip_folder = os.path.join(self.raw_folder, "gzip")
        for gzip_file in os.listdir(gzip_folder):
            if gzip_file.endswith(".gz"):
                extract_archive(os.path.join(gzip_folder, gzip_file), self.raw_folder)
        shutil.rmtree(gzip_folder)
