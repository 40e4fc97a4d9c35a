"""Downloading, checking and unpacking dataset files (torchvision.datasets.utils).

Downloads are resumable and atomic: bytes go to `<file>.partial`; a transfer that stops early
leaves that file for the next attempt to continue from (an HTTP Range request); only a complete
file whose MD5 matches is renamed to its final name, so a partial or corrupt download never
passes for the real file. Archives (.zip, .tar, .tar.gz/.tgz, .tar.bz2, .tar.xz) and single
compressed files (.gz, .bz2, .xz) are unpacked with every member checked to stay inside the
target folder.
"""
import bz2
import gzip
import hashlib
import http.client
import lzma
import os
import pathlib
import shutil
import socket
import tarfile
import urllib.error
import urllib.request
import zipfile

USER_AGENT = "pytorch/vision"   # the agent torchvision sends; dataset mirrors accept it
TIMEOUT = 60                     # seconds without data before a connection counts as dead
CHUNK_SIZE = 1 << 20


# ---------------------------------------------------------------------------------------------
# checksums
# ---------------------------------------------------------------------------------------------
def calculate_md5(fpath, chunk_size=1024 * 1024):
    """Hex MD5 of a file, read in chunks. MD5 here detects damage, not tampering."""
    md5 = hashlib.md5(usedforsecurity=False)
    with open(fpath, "rb") as f:
        while chunk := f.read(chunk_size):
            md5.update(chunk)
    return md5.hexdigest()


def check_md5(fpath, md5, **kwargs):
    return md5 == calculate_md5(fpath, **kwargs)


def check_integrity(fpath, md5=None):
    """True if fpath is a file and (when md5 is given) its MD5 matches."""
    if not os.path.isfile(fpath):
        return False
    if md5 is None:
        return True
    return check_md5(fpath, md5)


# ---------------------------------------------------------------------------------------------
# downloading
# ---------------------------------------------------------------------------------------------
def download_url(url, root, filename=None, md5=None, max_redirect_hops=3):
    """Download url to root/filename (default: the URL's last part) unless a file with that
    name and MD5 is already there. Redirects are followed (up to max_redirect_hops).

    Errors: urllib.error.URLError when the server cannot be reached or answers with an error
    (the message names the URL and the path to place the file at by hand); RuntimeError when
    the transfer stops early (the partial file is kept for resuming) or the MD5 differs (the
    download is deleted)."""
    root = os.path.expanduser(root)
    filename = filename or os.path.basename(url)
    fpath = os.fspath(os.path.join(root, filename))
    os.makedirs(root, exist_ok=True)
    if check_integrity(fpath, md5):
        return
    _download(url, fpath, md5, max_redirect_hops)


def _by_hand(fpath, md5):
    checksum = f" (MD5 {md5})" if md5 else ""
    return (f"If this machine is offline, download the file elsewhere and place it at "
            f"{fpath}{checksum}.")


class _LimitedRedirects(urllib.request.HTTPRedirectHandler):
    def __init__(self, max_hops):
        self.max_redirections = max_hops


def _open(url, offset, max_redirect_hops):
    """The server's response for url, asking for the bytes from `offset` on."""
    headers = {"User-Agent": USER_AGENT}
    if offset:
        headers["Range"] = f"bytes={offset}-"
    opener = urllib.request.build_opener(_LimitedRedirects(max_redirect_hops))
    return opener.open(urllib.request.Request(url, headers=headers), timeout=TIMEOUT)


def _download(url, fpath, md5, max_redirect_hops):
    partial = fpath + ".partial"
    offset = os.path.getsize(partial) if os.path.isfile(partial) else 0
    try:
        response = _open(url, offset, max_redirect_hops)
    except urllib.error.HTTPError as error:
        if error.code == 416 and offset:   # the partial file is already as long as the file
            os.remove(partial)
            return _download(url, fpath, md5, max_redirect_hops)
        raise urllib.error.URLError(f"HTTP Error {error.code}: {error.reason} for {url}. "
                                    f"{_by_hand(fpath, md5)}") from error
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise urllib.error.URLError(f"could not download {url}: {reason}. "
                                    f"{_by_hand(fpath, md5)}") from error
    with response:
        resumed = bool(offset) and response.status == 206
        if not resumed:
            offset = 0   # a fresh answer (the server ignored Range, or there was no partial)
        length = response.headers.get("Content-Length")
        total = offset + int(length) if length is not None else None
        _copy_with_progress(response, partial, "ab" if resumed else "wb", offset, total,
                            os.path.basename(fpath))
    received = os.path.getsize(partial)
    if total is not None and received < total:
        raise RuntimeError(f"The download of {url} stopped after {received} of {total} bytes; "
                           f"{partial} is kept and the next attempt resumes from it.")
    if md5 is not None:
        found = calculate_md5(partial)
        if found != md5:
            os.remove(partial)
            raise RuntimeError(f"File downloaded from {url} is corrupted: its MD5 is {found}, "
                               f"expected {md5}. The download was deleted. {_by_hand(fpath, md5)}")
    os.replace(partial, fpath)


def _copy_with_progress(response, path, mode, offset, total, name):
    """Append (mode 'ab') or write the response body to path, with a tqdm bar if tqdm is
    installed. A connection that breaks mid-transfer just ends the copy: the caller compares
    the size with Content-Length."""
    try:
        from tqdm import tqdm
        bar = tqdm(total=total, initial=offset, unit="B", unit_scale=True, desc=name)
    except ImportError:
        bar = None
    try:
        with open(path, mode) as out:
            while True:
                try:
                    chunk = response.read(CHUNK_SIZE)
                except (http.client.IncompleteRead, ConnectionError, socket.timeout):
                    break
                if not chunk:
                    break
                out.write(chunk)
                if bar is not None:
                    bar.update(len(chunk))
    finally:
        if bar is not None:
            bar.close()


def download_and_extract_archive(url, download_root, extract_root=None, filename=None, md5=None,
                                 remove_finished=False):
    """download_url, then extract_archive into extract_root (default: download_root)."""
    download_root = os.path.expanduser(download_root)
    if extract_root is None:
        extract_root = download_root
    filename = filename or os.path.basename(url)
    download_url(url, download_root, filename, md5)
    extract_archive(os.path.join(download_root, filename), extract_root, remove_finished)


# ---------------------------------------------------------------------------------------------
# unpacking
# ---------------------------------------------------------------------------------------------
_ARCHIVE_TYPES = (".tar", ".zip")
_COMPRESSED_FILE_OPENERS = {".bz2": bz2.open, ".gz": gzip.open, ".xz": lzma.open}
_FILE_TYPE_ALIASES = {".tbz": (".tar", ".bz2"), ".tbz2": (".tar", ".bz2"),
                      ".tgz": (".tar", ".gz")}


def _detect_file_type(file):
    """(suffix, archive type or None, compression or None) from the file name."""
    suffixes = pathlib.Path(file).suffixes
    if not suffixes:
        raise RuntimeError(f"File '{file}' has no suffixes that could be used to detect the "
                           f"archive type and compression.")
    suffix = suffixes[-1]
    if suffix in _FILE_TYPE_ALIASES:
        return (suffix, *_FILE_TYPE_ALIASES[suffix])
    if suffix in _ARCHIVE_TYPES:
        return suffix, suffix, None
    if suffix in _COMPRESSED_FILE_OPENERS:
        if len(suffixes) > 1 and suffixes[-2] in _ARCHIVE_TYPES:
            return suffixes[-2] + suffix, suffixes[-2], suffix
        return suffix, None, suffix
    known = sorted(set(_FILE_TYPE_ALIASES) | set(_ARCHIVE_TYPES) | set(_COMPRESSED_FILE_OPENERS))
    raise RuntimeError(f"Unknown compression or archive type: '{suffix}'.\n"
                       f"Known suffixes are: '{known}'.")


def _decompress(from_path, to_path, compression):
    """Decompress into a temporary file next to to_path, then rename (atomic)."""
    temporary = f"{to_path}.partial"
    with _COMPRESSED_FILE_OPENERS[compression](from_path, "rb") as source, \
            open(temporary, "wb") as target:
        shutil.copyfileobj(source, target, CHUNK_SIZE)
    os.replace(temporary, to_path)


def _inside(root, name):
    """True if root/name, with '..' and symlinks in root resolved, lies within root."""
    root = os.path.realpath(root)
    target = os.path.realpath(os.path.join(root, name))
    return os.path.commonpath([root, target]) == root


def _check_tar_members(tar, archive, to_path):
    """Refuse absolute or '..' paths, links pointing outside to_path, and device files."""
    for member in tar.getmembers():
        if not _inside(to_path, member.name):
            raise RuntimeError(f"Refusing to extract {archive}: member {member.name!r} would be "
                               f"written outside {to_path}")
        if member.issym() or member.islnk():
            link_base = os.path.dirname(member.name) if member.issym() else ""
            if os.path.isabs(member.linkname) or \
                    not _inside(to_path, os.path.join(link_base, member.linkname)):
                raise RuntimeError(f"Refusing to extract {archive}: link {member.name!r} points "
                                   f"outside {to_path} (to {member.linkname!r})")
        elif not (member.isfile() or member.isdir()):
            raise RuntimeError(f"Refusing to extract {archive}: member {member.name!r} is a "
                               f"device or other special file")


def _extract_tar(from_path, to_path, compression):
    with tarfile.open(from_path, f"r:{compression[1:]}" if compression else "r") as tar:
        _check_tar_members(tar, from_path, to_path)
        if hasattr(tarfile, "data_filter"):   # Python's own safety filter too, where it exists
            tar.extractall(to_path, filter="data")
        else:
            tar.extractall(to_path)


def _extract_zip(from_path, to_path, compression):
    with zipfile.ZipFile(from_path, "r") as archive:
        for name in archive.namelist():
            if os.path.isabs(name) or not _inside(to_path, name):
                raise RuntimeError(f"Refusing to extract {from_path}: member {name!r} would be "
                                   f"written outside {to_path}")
        archive.extractall(to_path)


def extract_archive(from_path, to_path=None, remove_finished=False):
    """Unpack an archive into to_path (default: its folder), or decompress a single .gz/.bz2/
    .xz file to to_path/<name without the suffix>. Returns the folder (or file) written."""
    if to_path is None:
        to_path = os.path.dirname(from_path)
    suffix, archive_type, compression = _detect_file_type(from_path)
    if not archive_type:
        target = os.path.join(to_path, os.path.basename(from_path)[:-len(suffix)])
        _decompress(from_path, target, compression)
        result = target
    else:
        extractor = _extract_tar if archive_type == ".tar" else _extract_zip
        extractor(from_path, to_path, compression)
        result = to_path
    if remove_finished:
        os.remove(from_path)
    return result if isinstance(from_path, str) else pathlib.Path(result)


# ---------------------------------------------------------------------------------------------
# small helpers torchvision's datasets share
# ---------------------------------------------------------------------------------------------
def iterable_to_str(iterable):
    return "'" + "', '".join(str(item) for item in iterable) + "'"


def verify_str_arg(value, arg=None, valid_values=None, custom_msg=None):
    """Check that value is a str and one of valid_values; ValueError naming them otherwise."""
    if not isinstance(value, str):
        where = f" for argument {arg}" if arg is not None else ""
        raise ValueError(f"Expected type str{where}, but got type {type(value)}.")
    if valid_values is None or value in valid_values:
        return value
    raise ValueError(custom_msg or f"Unknown value '{value}' for argument {arg}. Valid values "
                                   f"are {{{iterable_to_str(valid_values)}}}.")


def list_dir(root, prefix=False):
    """Names (or paths, with prefix=True) of the folders in root."""
    root = os.path.expanduser(root)
    names = [p for p in os.listdir(root) if os.path.isdir(os.path.join(root, p))]
    return [os.path.join(root, d) for d in names] if prefix else names


def list_files(root, suffix, prefix=False):
    """Names (or paths) of the files in root whose names end with suffix (str or tuple)."""
    root = os.path.expanduser(root)
    names = [p for p in os.listdir(root)
             if os.path.isfile(os.path.join(root, p)) and p.endswith(suffix)]
    return [os.path.join(root, d) for d in names] if prefix else names
