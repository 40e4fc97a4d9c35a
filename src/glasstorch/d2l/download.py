"""The book's data downloads: DATA_HUB names files by (url, sha1); download() fetches one into
a folder unless a copy with the right SHA-1 is already there; extract() unpacks zip and tar
archives.

Unlike the book's code, a download is checked against its SHA-1 when one is given (a mismatch
removes the file and raises), written under a temporary name first (an interrupted download
leaves no half file under the real name), and HTTP errors raise instead of saving the error
page. Archives whose members would land outside the target folder are refused.
"""
import hashlib
import os
import sys
import urllib.error
import urllib.request

from glasstorch.vision.datasets.utils import _extract_tar, _extract_zip

DATA_HUB = dict()
DATA_URL = 'http://d2l-data.s3-accelerate.amazonaws.com/'

CHUNK = 1 << 20


def data_url():
    """d2l.DATA_URL as it is now: the book's data sets read it when they download, so setting
    `d2l.DATA_URL` (to a mirror, or a local server) redirects them."""
    return getattr(sys.modules[__package__], 'DATA_URL', DATA_URL)


def sha1_of(path):
    """The hex SHA-1 of the file at `path`."""
    sha1 = hashlib.sha1()
    with open(path, 'rb') as f:
        for data in iter(lambda: f.read(CHUNK), b''):
            sha1.update(data)
    return sha1.hexdigest()


def download(url, folder='../data', sha1_hash=None):
    """Fetch `url` (or the DATA_HUB entry named `url`) to folder/<its file name> and return
    that path. An existing file whose SHA-1 equals sha1_hash is used as it is."""
    if not url.startswith('http'):
        if url not in DATA_HUB:
            raise KeyError(f"{url!r} is neither a URL nor a name in DATA_HUB "
                           f"(names: {', '.join(sorted(DATA_HUB)) or 'none'})")
        url, sha1_hash = DATA_HUB[url]
    os.makedirs(folder, exist_ok=True)
    fname = os.path.join(folder, url.split('/')[-1])
    if os.path.exists(fname) and sha1_hash and sha1_of(fname) == sha1_hash:
        return fname
    print(f'Downloading {fname} from {url}...')
    partial = fname + '.partial'
    try:
        with urllib.request.urlopen(url) as response, open(partial, 'wb') as f:
            for data in iter(lambda: response.read(CHUNK), b''):
                f.write(data)
    except urllib.error.HTTPError as err:
        _remove(partial)
        raise ConnectionError(f"downloading {url} failed: HTTP {err.code} {err.reason}. "
                              f"Place the file at {os.path.abspath(fname)} by hand.") from None
    except (urllib.error.URLError, OSError) as err:
        _remove(partial)
        reason = getattr(err, 'reason', err)
        raise ConnectionError(f"downloading {url} failed ({reason}). Place the file at "
                              f"{os.path.abspath(fname)} by hand.") from None
    if sha1_hash:
        got = sha1_of(partial)
        if got != sha1_hash:
            _remove(partial)
            raise RuntimeError(f"the file downloaded from {url} has SHA-1 {got}, not the "
                               f"expected {sha1_hash}; it was not kept")
    os.replace(partial, fname)
    return fname


def _remove(path):
    if os.path.exists(path):
        os.remove(path)


def _unpack(filename, folder):
    ext = os.path.splitext(filename)[1]
    if ext == '.zip':
        _extract_zip(filename, folder, None)
    elif ext in ('.tar', '.gz'):
        _extract_tar(filename, folder, None)     # tarfile finds the compression itself
    else:
        raise ValueError(f"cannot extract {filename}: only .zip, .tar and .gz (tar.gz) "
                         f"archives are supported")


def extract(filename, folder=None):
    """Unpack the zip/tar archive `filename` into `folder` (default: the archive's folder)."""
    if folder is None:
        folder = os.path.dirname(filename)
    _unpack(filename, folder)


def download_extract(name, folder=None):
    """Download the DATA_HUB archive `name`, unpack it beside itself and return the folder
    it unpacked (`folder` inside the download folder, or the archive's name without the
    extension)."""
    fname = download(name)
    base_dir = os.path.dirname(fname)
    data_dir = os.path.splitext(fname)[0]
    _unpack(fname, base_dir)
    return os.path.join(base_dir, folder) if folder else data_dir
