"""SVHN (Street View House Numbers) from its MATLAB files: X (32, 32, 3, N) uint8 and y (N, 1)
with labels 1..10, where 10 stands for the digit 0 (relabelled 0 here, as torchvision does)."""
import os

from ..._backend import xp
from .._pil import image_from_array
from .utils import check_integrity, download_url, verify_str_arg
from .vision import VisionDataset


class SVHN(VisionDataset):
    """split 'train' (73,257 digits), 'test' (26,032) or 'extra' (531,131), from
    root/<split>_32x32.mat. `data` is an ndarray (N, 3, 32, 32) uint8, `labels` (N,) int64."""

    split_list = {
        "train": ["http://ufldl.stanford.edu/housenumbers/train_32x32.mat",
                  "train_32x32.mat", "e26dedcc434d2e4c54c9b2d4a06d8373"],
        "test": ["http://ufldl.stanford.edu/housenumbers/test_32x32.mat",
                 "test_32x32.mat", "eb5a983be6a315427106f1b164d9cef3"],
        "extra": ["http://ufldl.stanford.edu/housenumbers/extra_32x32.mat",
                  "extra_32x32.mat", "a93ce644f1a588dc4d68dda5feec44a7"],
    }

    def __init__(self, root, split="train", transform=None, target_transform=None,
                 download=False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.split = verify_str_arg(split, "split", tuple(self.split_list.keys()))
        self.url, self.filename, self.file_md5 = self.split_list[split]
        if download:
            self.download()
        path = os.path.join(self.root, self.filename)
        if not self._check_integrity():
            state = "has the wrong MD5" if os.path.isfile(path) else "is missing"
            raise RuntimeError(f"Dataset not found or corrupted. You can use download=True to "
                               f"download it ({path} {state})")
        import scipy.io   # imported here: it takes a while and only SVHN needs it
        loaded = scipy.io.loadmat(path)
        self.labels = loaded["y"].astype(xp.int64).squeeze()
        self.labels[self.labels == 10] = 0
        self.data = xp.transpose(loaded["X"], (3, 2, 0, 1))

    def __getitem__(self, index):
        img = image_from_array(xp.ascontiguousarray(self.data[index].transpose(1, 2, 0)), "RGB")
        target = int(self.labels[index])
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __len__(self):
        return len(self.data)

    def _check_integrity(self):
        return check_integrity(os.path.join(self.root, self.filename),
                               self.split_list[self.split][2])

    def download(self):
        download_url(self.url, self.root, self.filename, self.split_list[self.split][2])

    def extra_repr(self):
        return f"Split: {self.split}"
