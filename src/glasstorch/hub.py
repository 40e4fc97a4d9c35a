"""torch.hub's checkpoint cache: where pretrained weights live and how they are fetched.

A checkpoint named by URL is read from `<hub dir>/checkpoints/<file name in the URL>`, the same
place PyTorch uses: `$TORCH_HOME/hub/checkpoints` (default `~/.cache/torch/hub/checkpoints`,
or `$XDG_CACHE_HOME/torch/...`). A file already there is loaded without any network access, so
weights downloaded once by PyTorch are shared with glasstorch and the other way round.
"""
import hashlib
import os
import re
import urllib.error
import urllib.parse

from .serialization import load

_hub_dir = None
# torchvision's file names end in the first hex digits of the file's SHA-256: resnet18-f37072fd.pth
_HASH_PREFIX = re.compile(r"-([a-f0-9]*)\.")


def get_dir():
    """The hub cache directory: set_dir()'s value, else $TORCH_HOME/hub, else
    $XDG_CACHE_HOME/torch/hub, else ~/.cache/torch/hub."""
    if _hub_dir is not None:
        return _hub_dir
    return os.path.join(_torch_home(), "hub")


def set_dir(d):
    """Use directory d as the hub cache (instead of $TORCH_HOME/hub)."""
    global _hub_dir
    _hub_dir = os.path.expanduser(os.fspath(d))


def _torch_home():
    cache = os.getenv("XDG_CACHE_HOME", os.path.join("~", ".cache"))
    return os.path.expanduser(os.getenv("TORCH_HOME", os.path.join(cache, "torch")))


def download_url_to_file(url, dst, hash_prefix=None, progress=True):
    """Download url to the file dst (written under a temporary name, then renamed). With
    hash_prefix, the file's SHA-256 must start with it, else the download is deleted and a
    RuntimeError raised. Offline, urllib.error.URLError says which file to place where."""
    from .vision.datasets.utils import download_url   # the shared resuming downloader
    root, filename = os.path.split(os.path.abspath(os.fspath(dst)))
    download_url(url, root, filename)
    if hash_prefix is not None:
        digest = _sha256(dst)
        if not digest.startswith(hash_prefix):
            os.remove(dst)
            raise RuntimeError(f'invalid hash value (expected "{hash_prefix}", got "{digest}") '
                               f"for {url}; the download was deleted")


def _sha256(path):
    sha = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            sha.update(chunk)
    return sha.hexdigest()


def load_state_dict_from_url(url, model_dir=None, map_location=None, progress=True,
                             check_hash=False, file_name=None, weights_only=True):
    """The object saved at url (usually a state_dict), read with glasstorch.load from
    `model_dir` (default `get_dir()/checkpoints`) under the URL's file name; downloaded there
    first when absent. With check_hash, a fresh download must match the SHA-256 prefix in its
    file name (`name-<prefix>.pth`).

    Errors: urllib.error.URLError when the file is absent and cannot be downloaded; its message
    names the URL and the exact path to place the file at.

    Unlike torch.hub (weights_only=False), weights_only defaults to True: a downloaded file
    never runs code unless the caller asks for it; state_dicts need nothing more."""
    if model_dir is None:
        model_dir = os.path.join(get_dir(), "checkpoints")
    os.makedirs(model_dir, exist_ok=True)
    filename = file_name or os.path.basename(urllib.parse.urlparse(url).path)
    cached_file = os.path.join(model_dir, filename)
    if not os.path.exists(cached_file):
        match = _HASH_PREFIX.search(filename) if check_hash else None
        download_url_to_file(url, cached_file, match.group(1) if match else None,
                             progress=progress)
    return load(cached_file, map_location=map_location, weights_only=weights_only)


__all__ = ["get_dir", "set_dir", "download_url_to_file", "load_state_dict_from_url"]
