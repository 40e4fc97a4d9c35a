"""glasstorch.save / glasstorch.load in PyTorch's own checkpoint format (torch >= 1.6).

A checkpoint is a zip archive (stored, not compressed) whose records sit in one top-level
folder, named after the file ('model.pt' -> 'model/'; 'archive/' for file objects):

    model/data.pkl                 pickle (protocol 2) of the object; each tensor is written as
                                   torch._utils._rebuild_tensor_v2(storage, storage_offset,
                                   size, stride, requires_grad, backward_hooks) where `storage`
                                   is a persistent id ('storage', torch.FloatStorage, key,
                                   'cpu', numel) pointing at the record below
    model/.format_version          b"1"
    model/.storage_alignment       b"64": each record's bytes start on a 64-byte boundary
    model/byteorder                b"little"
    model/data/<key>               one storage's raw bytes (key = "0", "1", ...)
    model/version                  b"3\\n"
    model/.data/serialization_id   a random id

Tensors that view one NumPy buffer are written as views of one storage, so sharing survives
the round trip. Both directions use the same name table (`_pickle_safe.TORCH_GLOBALS`), so real
PyTorch loads what glasstorch writes and the other way round, and torch is never imported.
"""
import contextlib
import io
import os
import pickle
import re
import secrets
import stat
import struct
import sys
import zipfile
from collections import OrderedDict

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None

from ._backend import xp, ndarray
from ._tensor import Tensor, Size, device, _make
from .nn.parameter import Parameter
from . import _pickle_safe
from ._pickle_safe import (STORAGE_TYPE_OF, TORCH_GLOBALS, LoadedStorage,
                           WeightsUnpickler, FullUnpickler)

_ALIGNMENT = 64
_LEGACY_MAGIC = b"\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19"  # pre-1.6 header
_SAVE_NAME = {id(obj): key for key, obj in TORCH_GLOBALS.items()}  # glasstorch object -> name
_NO_HOOKS = OrderedDict()  # backward hooks are never saved: every tensor gets this empty dict


# ---------------------------------------------------------------------------------------------
# save
# ---------------------------------------------------------------------------------------------
def save(obj, f, pickle_module=None, pickle_protocol=2, _use_new_zipfile_serialization=True,
         _disable_byteorder_record=False):
    """Write `obj` (tensors, state_dicts, optimizer states, nested containers) to `f`, a path
    or a writable binary file object, in PyTorch's zip format.

    A path is written atomically: the archive goes to a temporary file in the same folder
    (`.model.pt.<pid>.<6 hex digits>.tmp` for model.pt, readable by no one the file itself does
    not let read), is flushed to disk, then renamed over `f`, so a crash never leaves a
    truncated checkpoint and an existing file stays untouched if saving fails. Temporaries
    left by killed saves are removed by the next save to the same path. As with torch.save, a
    file this process may not write is an error, not replaced. `pickle_module` is accepted for
    PyTorch compatibility; glasstorch always uses its own pickler (it must write torch's
    names)."""
    if not _use_new_zipfile_serialization:
        raise RuntimeError("glasstorch.save writes only the zip format of torch >= 1.6; "
                           "_use_new_zipfile_serialization=False is not supported")
    # pickle first, in memory: an object that cannot be pickled fails before any file exists
    payload = _pickle_payload(obj, pickle_protocol)
    byteorder = None if _disable_byteorder_record else sys.byteorder
    if isinstance(f, (str, os.PathLike)):
        _save_to_path(payload, os.fspath(f), byteorder)
    elif hasattr(f, "write"):
        _write_archive(f, "archive", payload, byteorder)
        if hasattr(f, "flush"):
            f.flush()
    else:
        raise AttributeError(f"'{type(f).__name__}' object has no attribute 'write': save "
                             "expects a path or a writable binary file object")


def _save_to_path(payload, path, byteorder):
    if os.path.islink(path):  # write to the file the link points at, as open(path, 'wb') would
        path = os.path.realpath(path)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise RuntimeError(f"Parent directory {folder} does not exist.")
    base = os.path.basename(path)
    stem = os.path.splitext(base)[0]
    # PyTorch names the archive's folder after the file ('model.pt' -> 'model/')
    archive_name = stem if stem and not stem.startswith(".") else "archive"
    try:
        target = os.stat(path)
    except FileNotFoundError:
        target = None
    if target is not None and not stat.S_ISREG(target.st_mode):
        # a device (/dev/null), a pipe, a folder: never replaced by a regular file
        _save_in_place(payload, path, archive_name, byteorder)
        return
    if target is not None:
        _check_writable(path)
    _remove_stale_temporaries(folder, base)
    try:
        fd, tmp = _create_temporary(folder, base, target)
    except PermissionError as exc:
        if target is None:
            raise _open_error(path, exc, "the folder is not writable") from exc
        # a writable file in a read-only folder: torch.save overwrites it, and so do we, in
        # place (without a temporary beside it this write cannot be atomic)
        _save_in_place(payload, path, archive_name, byteorder)
        return
    try:
        with os.fdopen(fd, "wb") as fh:
            _write_archive(fh, archive_name, payload, byteorder)
            fh.flush()
            os.fsync(fh.fileno())
            if fcntl is not None:
                os.replace(tmp, path)  # still locked: no other save can take it for stale
        if fcntl is None:
            os.replace(tmp, path)  # Windows renames only closed files
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_folder(folder)


def _save_in_place(payload, path, archive_name, byteorder):
    """Write straight into `path`, as torch.save always does."""
    try:
        fh = open(path, "wb")
    except OSError as exc:
        raise _open_error(path, exc) from exc
    with fh:
        _write_archive(fh, archive_name, payload, byteorder)


def _open_error(path, exc, why=None):
    """torch.save's error for a file it cannot open, naming the file."""
    why = f" ({why})" if why else ""
    return RuntimeError(f"open file failed with strerror: {exc.strerror}: cannot save to "
                        f"'{path}'{why}")


def _check_writable(path):
    """Refuse to replace a file that this process may not write (read-only, someone else's),
    as open(path, 'wb') in torch.save refuses. Opening it for writing, without truncating,
    asks the kernel itself (root may write a read-only file, as with torch)."""
    try:
        os.close(os.open(path, os.O_WRONLY))
    except OSError as exc:
        raise _open_error(path, exc, "the file is not writable; glasstorch does not replace "
                                     "a file its permissions protect") from exc


# A save writes `.<file name>.<pid>.<6 hex digits>.tmp` beside the file, then renames it over
# the file: `.model.pt.4242.0f3a9c.tmp` is process 4242's save of model.pt, in progress or,
# if that process was killed, left behind (the next save to model.pt removes it).
def _temporary_name(base):
    return f".{base}.{os.getpid()}.{secrets.token_hex(3)}.tmp"


def _is_temporary_of(name, base):
    return re.fullmatch(re.escape(f".{base}.") + r"[0-9]+\.[0-9a-f]{6}\.tmp", name) is not None


def _create_temporary(folder, base, target):
    """Create and lock a new temporary for saving to `folder/base`; return (fd, path).

    Its permissions are final from the start: a new file gets what the umask leaves of 0o666,
    as with open(); a replacement is never wider than the file it replaces (same mode, owner
    and group where this process may set them). No other user can read it while it fills."""
    if target is None:
        mode = 0o666
    else:
        mode = stat.S_IMODE(target.st_mode) & 0o777
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        tmp = os.path.join(folder, _temporary_name(base))
        fd = os.open(tmp, flags, mode)
        # Another save's cleanup may find the file between its creation and the lock, take
        # it for stale and delete it: then start again under a new name.
        if _lock(fd) and os.fstat(fd).st_nlink > 0:
            break
        os.close(fd)
    try:
        if target is not None and hasattr(os, "fchown"):
            if not _keep_owner(fd, target):
                mode &= ~0o070  # the group would be ours, not the file's: it gets no rights
            os.fchmod(fd, mode)  # the umask may have narrowed it: back to the replaced mode
    except BaseException:
        os.close(fd)
        os.unlink(tmp)
        raise
    return fd, tmp


def _keep_owner(fd, target):
    """Give the temporary the replaced file's owner and group, as far as this process may
    (root: both; a user: a group they belong to). Whether the group is now the file's."""
    now = os.fstat(fd)
    if (now.st_uid, now.st_gid) == (target.st_uid, target.st_gid):
        return True
    with contextlib.suppress(OSError):
        os.fchown(fd, target.st_uid, target.st_gid)
        return True
    with contextlib.suppress(OSError):
        os.fchown(fd, -1, target.st_gid)
        return True
    return False


def _lock(fd):
    """Mark a temporary as in use: an exclusive lock (flock) held from its creation until it
    is renamed, which the kernel drops when the process ends, however it ends. False if
    another process holds it. (Without fcntl, on Windows, an open file cannot be deleted,
    which protects it the same way.)"""
    if fcntl is None:
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _remove_stale_temporaries(folder, base):
    """Delete the temporaries that saves to `folder/base` left behind when they were killed:
    those whose lock no process holds. Other files, other paths' temporaries, other users'
    and live writers' are left alone."""
    for entry in os.scandir(folder):
        if _is_temporary_of(entry.name, base) and entry.is_file(follow_symlinks=False):
            with contextlib.suppress(OSError):  # gone meanwhile, or not ours to remove
                _remove_if_unlocked(entry.path)


def _remove_if_unlocked(path):
    if fcntl is None:  # Windows: deleting fails while the writer still has the file open
        os.unlink(path)
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        if _lock(fd):
            os.unlink(path)
    finally:
        os.close(fd)


def _fsync_folder(folder):
    """Make the rename itself durable (POSIX); where a folder cannot be opened, skip it."""
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class _SavedStorage:
    """One storage to write: a contiguous NumPy buffer and the dtype tensors view it as."""

    __slots__ = ("key", "root", "dtype", "numel")

    def __init__(self, key, root, dtype):
        self.key, self.root, self.dtype = key, root, dtype
        self.numel = root.nbytes // dtype.itemsize

    def raw_bytes(self):
        # ravel(order='K') of a C- or F-contiguous buffer is a view in memory order: no copy
        return memoryview(self.root.ravel(order="K").view(xp.uint8))


class _StorageTable:
    """Assigns storages to tensors while pickling; views of one buffer share one storage."""

    def __init__(self):
        self.storages = []
        self._by_root = {}  # id(buffer) -> _SavedStorage (the buffer is kept alive in it)

    def _new(self, root, dtype):
        storage = _SavedStorage(str(len(self.storages)), root, dtype)
        self.storages.append(storage)
        return storage

    def locate(self, array, dtype):
        """(storage, storage_offset, stride) for `array`, all counted in elements."""
        found = self._share(array, dtype)
        if found is not None:
            return found
        # negative strides, mixed dtypes, odd offsets: save a contiguous copy of its own
        copy = xp.ascontiguousarray(array)
        item = dtype.itemsize
        return self._new(copy, dtype), 0, tuple(s // item for s in copy.strides)

    def _share(self, array, dtype):
        """Place `array` inside the storage of the buffer it views, or return None."""
        root = array
        while isinstance(root.base, ndarray):
            root = root.base
        item = dtype.itemsize
        if not (root.flags.c_contiguous or root.flags.f_contiguous) or root.nbytes % item:
            return None
        if any(s < 0 or s % item for s in array.strides):
            return None
        offset = array.__array_interface__["data"][0] - root.__array_interface__["data"][0]
        end = offset + item + sum((n - 1) * s for n, s in zip(array.shape, array.strides))
        if array.size == 0 or offset < 0 or offset % item or end > root.nbytes:
            return None
        storage = self._by_root.get(id(root))
        if storage is None:
            storage = self._by_root[id(root)] = self._new(root, dtype)
        elif storage.dtype is not dtype:
            return None
        return storage, offset // item, tuple(s // item for s in array.strides)


class _TorchPickler(pickle._Pickler):
    """Pickles tensors the way torch.save does, writing torch's names for glasstorch objects.

    Built on the pure-Python pickler (pickle._Pickler) because it lets `save_global` write a
    GLOBAL opcode for a name that is not importable here (torch is never imported)."""

    def __init__(self, file, protocol, storages):
        super().__init__(file, protocol)
        self.storages = storages

    def reducer_override(self, obj):
        if isinstance(obj, Tensor):
            return self._reduce_tensor(obj)
        if isinstance(obj, Size):
            return Size, (tuple(obj),)
        if isinstance(obj, device):
            return device, ((obj.type,) if obj.index is None else (obj.type, obj.index))
        if id(obj) in _SAVE_NAME:
            # dtypes and storage types are written as a bare name: returning a string makes
            # pickle call save_global(obj), which looks the torch name up in _SAVE_NAME
            return "torch_name"
        return NotImplemented

    def _reduce_tensor(self, t):
        if isinstance(t, Parameter):
            # torch: _rebuild_parameter(plain tensor, requires_grad, hooks)
            return _pickle_safe._rebuild_parameter, (_make(t._data), t.requires_grad, _NO_HOOKS)
        dtype = t.dtype
        if dtype not in STORAGE_TYPE_OF:
            raise pickle.PicklingError(f"cannot save a tensor of dtype {dtype}")
        storage, offset, stride = self.storages.locate(t._data, dtype)
        return (_pickle_safe._rebuild_tensor_v2,
                (storage, offset, tuple(t._data.shape), stride, t.requires_grad, _NO_HOOKS))

    def persistent_id(self, obj):
        if type(obj) is _SavedStorage:
            return ("storage", STORAGE_TYPE_OF[obj.dtype], obj.key, "cpu", obj.numel)
        return None

    def save_global(self, obj, name=None):
        key = _SAVE_NAME.get(id(obj))
        if key is None:
            return super().save_global(obj, name)
        module, qualname = key
        self.write(pickle.GLOBAL + f"{module}\n{qualname}\n".encode("utf-8"))
        self.memoize(obj)



def _pickle_payload(obj, protocol):
    storages = _StorageTable()
    buffer = io.BytesIO()
    _TorchPickler(buffer, protocol, storages).dump(obj)
    return buffer.getvalue(), storages.storages


def _write_archive(stream, archive_name, payload, byteorder):
    pickled, storages = payload
    prefix = archive_name + "/"
    with zipfile.ZipFile(stream, "w", compression=zipfile.ZIP_STORED) as zf:
        _write_record(zf, prefix + "data.pkl", pickled)
        _write_record(zf, prefix + ".format_version", b"1")
        _write_record(zf, prefix + ".storage_alignment", str(_ALIGNMENT).encode())
        if byteorder is not None:
            _write_record(zf, prefix + "byteorder", byteorder.encode())
        for storage in storages:
            _write_record(zf, prefix + "data/" + storage.key, storage.raw_bytes())
        _write_record(zf, prefix + "version", b"3\n")
        _write_record(zf, prefix + ".data/serialization_id",
                      f"{secrets.randbits(128):040d}".encode())


def _write_record(zf, name, data):
    """One stored record whose bytes start on a 64-byte boundary, as PyTorch writes them
    (PyTorch can then map tensors straight from the file). The padding goes in the local
    header's extra field, under the id 'FB' PyTorch uses."""
    data = memoryview(data)
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_STORED
    info.file_size = data.nbytes
    # ZipFile.open(mode='w') adds a 20-byte zip64 field by this same rule
    zip64 = info.file_size * 1.05 > zipfile.ZIP64_LIMIT
    header = 30 + len(name.encode("utf-8")) + 4 + (20 if zip64 else 0)
    pad = -(zf.fp.tell() + header) % _ALIGNMENT
    info.extra = b"FB" + struct.pack("<H", pad) + b"Z" * pad
    with zf.open(info, "w", force_zip64=zip64) as dest:
        dest.write(data)


# ---------------------------------------------------------------------------------------------
# load
# ---------------------------------------------------------------------------------------------
def load(f, map_location=None, pickle_module=None, *, weights_only=None, mmap=None,
         **pickle_load_args):
    """Read an object saved by glasstorch.save or torch.save (zip format, torch >= 1.6).

    `f` is a path or a readable binary file object. With `weights_only=True` (the default
    unless a `pickle_module` is given) nothing in the file is executed: only tensors, Parameters
    and plain containers (dict, OrderedDict, list, tuple, set, str, numbers, None) can be
    built, and any other name raises pickle.UnpicklingError. `map_location` ('cpu', a device,
    a dict or a callable) is accepted; glasstorch tensors always live on the CPU. `mmap=True`
    (paths only) maps the tensor bytes from the file instead of reading them (copy-on-write)."""
    if weights_only is None:
        weights_only = pickle_module is None
    if weights_only and pickle_module is not None:
        raise RuntimeError("Can not safely load weights when explicit pickle_module is "
                           "specified")
    _check_map_location(map_location)
    pickle_load_args.setdefault("encoding", "utf-8")
    if isinstance(f, (str, os.PathLike)):
        path = os.fspath(f)
        with open(path, "rb") as fh:
            return _load_archive(fh, path, map_location, weights_only,
                                 path if mmap else None, pickle_load_args)
    if mmap:
        raise ValueError("f must be a file path in order to use the mmap argument")
    if not (hasattr(f, "read") and hasattr(f, "seek")):
        raise AttributeError(f"'{type(f).__name__}' object has no attribute 'seek'. You can "
                             "only glasstorch.load from a path or a seekable binary file object.")
    name = getattr(f, "name", None)
    return _load_archive(f, name if isinstance(name, str) else "<file object>", map_location,
                         weights_only, None, pickle_load_args)


def _check_map_location(map_location):
    if map_location is None or callable(map_location) or isinstance(map_location, dict):
        return
    if isinstance(map_location, (str, device)):
        device(map_location)  # a misspelt device name raises PyTorch's RuntimeError
        return
    raise ValueError(f"map_location should be either None, a string, a glasstorch.device, a "
                     f"dict or a callable, got {type(map_location).__name__}")


def _load_archive(stream, name, map_location, weights_only, mmap_path, pickle_load_args):
    start = stream.tell()
    head = stream.read(len(_LEGACY_MAGIC))
    stream.seek(start)
    if not head:
        raise EOFError(f"Ran out of input: '{name}' is empty (0 bytes), not a checkpoint")
    if not head.startswith(b"PK\x03\x04"):
        if head.startswith(_LEGACY_MAGIC):
            raise RuntimeError(f"'{name}' was saved in PyTorch's legacy format (before 1.6), "
                               "which glasstorch cannot read; load it in PyTorch and save it "
                               "again with torch.save (zip format)")
        raise RuntimeError(f"'{name}' is not a PyTorch checkpoint: it does not start with a "
                           "zip header (it may be corrupted, or not written by torch.save)")
    try:
        zf = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, struct.error) as exc:
        raise RuntimeError(
            f"PytorchStreamReader failed reading zip archive: failed finding central directory "
            f"in '{name}': the checkpoint is truncated or corrupted ({exc})") from None
    size = stream.seek(0, io.SEEK_END) - start
    with zf:
        reader = _ArchiveReader(zf, name, size, mmap_path, _restorer(map_location))
        pickled = reader.read("data.pkl")
        if weights_only:
            unpickler = WeightsUnpickler(pickled, reader.storage, **pickle_load_args)
        else:
            unpickler = FullUnpickler(io.BytesIO(pickled), reader.storage, **pickle_load_args)
        try:
            return unpickler.load()
        except pickle.UnpicklingError as exc:
            raise pickle.UnpicklingError(f"{exc} (loading '{name}')") from exc.__cause__
        except RuntimeError:
            raise
        except (EOFError, struct.error, ValueError, IndexError, KeyError, TypeError,
                AttributeError, UnicodeDecodeError) as exc:
            raise pickle.UnpicklingError(f"data.pkl in '{name}' is corrupted: "
                                         f"{type(exc).__name__}: {exc}") from exc


def _restorer(map_location):
    """map_location as a function applied once to each storage. Everything is on the CPU
    here, so only a callable can change anything; it gets (storage, location) as in PyTorch."""
    if not callable(map_location):
        return lambda storage: storage

    def restore(storage):
        result = map_location(storage, storage.location)
        if result is None:
            return storage
        if not isinstance(result, LoadedStorage):
            raise RuntimeError(f"map_location returned {type(result).__name__}, not a storage")
        return result
    return restore


class _ArchiveReader:
    """Reads the records of one open checkpoint, and builds each storage once (by key)."""

    def __init__(self, zf, name, size, mmap_path, restore):
        self.zf, self.name, self.size, self.restore = zf, name, size, restore
        names = zf.namelist()
        if not names:
            raise RuntimeError(f"'{name}' is an empty zip archive, not a checkpoint")
        # the top-level folder differs from file to file: PyTorch takes the first record's
        self.prefix = names[0].split("/", 1)[0] + "/"
        self._storages = {}
        self._file_map = None
        if mmap_path is not None:
            self._file_map = xp.memmap(mmap_path, dtype=xp.uint8, mode="c")
        byteorder = self._read_optional("byteorder")
        # files from before the byteorder record were written little-endian
        self.byteorder = "little" if byteorder is None else byteorder.decode("ascii", "replace")
        if self.byteorder not in ("little", "big"):
            raise RuntimeError(f"'{name}' has an unknown byteorder record {self.byteorder!r}")

    def _info(self, record):
        """The zip entry of `record`, its declared size checked against the file's: reading
        a record allocates what it declares, so a small file must not declare a huge one."""
        try:
            info = self.zf.getinfo(self.prefix + record)
        except KeyError:
            return None
        stored = info.compress_type == zipfile.ZIP_STORED
        declared = info.file_size if stored else info.compress_size
        if declared > self.size or (stored and info.compress_size != info.file_size):
            raise RuntimeError(f"record '{info.filename}' of '{self.name}' declares {declared} "
                               f"bytes, but the whole file has only {self.size}: it is "
                               "truncated or corrupted")
        return info

    def _read_optional(self, record):
        return None if self._info(record) is None else self.read(record)

    def read(self, record):
        info = self._info(record)
        if info is None:
            raise RuntimeError(f"'{self.name}' is not a valid checkpoint: it has no record "
                               f"'{self.prefix}{record}'")
        try:
            return self.zf.read(info)
        except (zipfile.BadZipFile, EOFError, OSError, ValueError, struct.error,
                NotImplementedError) as exc:
            raise RuntimeError(f"record '{info.filename}' of '{self.name}' is corrupted or "
                               f"truncated: {exc}") from None

    def storage(self, pid):
        """The LoadedStorage for a persistent id ('storage', type, key, location, numel)."""
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"):
            raise pickle.UnpicklingError(f"unknown persistent id {pid!r} in '{self.name}'")
        _, storage_type, key, location, numel = pid
        if not isinstance(storage_type, _pickle_safe.StorageType):
            raise pickle.UnpicklingError(f"persistent id names {storage_type!r}, not a storage "
                                         "type")
        if storage_type.dtype is None:
            raise RuntimeError(f"'{self.name}' holds a torch.{storage_type.name}, which "
                               f"glasstorch cannot load: "
                               f"{_pickle_safe.unsupported_storage_reason(storage_type)}")
        if not isinstance(key, str) or not isinstance(numel, int) or numel < 0:
            raise pickle.UnpicklingError(f"malformed storage id {pid!r} in '{self.name}'")
        storage = self._storages.get(key)
        if storage is None:
            raw = self._read_storage(key, numel * storage_type.dtype.itemsize, storage_type)
            storage = LoadedStorage(raw, storage_type.dtype, key, str(location))
            storage = self._storages[key] = self.restore(storage)
        return storage

    def _read_storage(self, key, nbytes, storage_type):
        record = "data/" + key
        info = self._info(record)
        if info is None:
            raise RuntimeError(f"'{self.name}' is not a valid checkpoint: storage record "
                               f"'{self.prefix}{record}' is missing")
        if info.file_size != nbytes:
            numel = nbytes // storage_type.dtype.itemsize
            raise RuntimeError(
                f"storage record '{info.filename}' of '{self.name}' has {info.file_size} bytes "
                f"but the checkpoint declares {nbytes} bytes ({numel} elements of "
                f"{storage_type}): the file is truncated or corrupted")
        if self._file_map is not None and info.compress_type == zipfile.ZIP_STORED:
            start = self._data_offset(info)
            raw = self._file_map[start:start + nbytes]
            if raw.nbytes != nbytes:
                raise RuntimeError(f"storage record '{info.filename}' of '{self.name}' runs "
                                   "past the end of the file: the file is truncated")
        else:
            raw = xp.frombuffer(bytearray(self.read(record)), dtype=xp.uint8)
        if self.byteorder != sys.byteorder and storage_type.dtype.itemsize > 1:
            dt = storage_type.dtype.np
            raw = raw.view(dt.newbyteorder()).astype(dt).view(xp.uint8)
        return raw

    def _data_offset(self, info):
        """Where a stored record's bytes begin: after its local header, whose extra field
        (the alignment padding) may differ from the central directory's copy."""
        header = bytes(self._file_map[info.header_offset:info.header_offset + 30])
        if len(header) != 30 or header[:4] != b"PK\x03\x04":
            raise RuntimeError(f"record '{info.filename}' of '{self.name}' has a corrupted "
                               "local header")
        name_len, extra_len = struct.unpack("<HH", header[26:30])
        return info.header_offset + 30 + name_len + extra_len


# ---------------------------------------------------------------------------------------------
# Allowing more globals for weights_only=True (torch.serialization.add_safe_globals)
# ---------------------------------------------------------------------------------------------
def add_safe_globals(safe_globals):
    """Let weights_only loads use these classes/functions (only for sources you trust)."""
    for obj in safe_globals:
        if isinstance(obj, tuple):  # (object, "module.name") as in PyTorch
            obj, name = obj
        else:
            name = f"{obj.__module__}.{obj.__qualname__}"
        _pickle_safe.user_safe_globals[name] = obj


def get_safe_globals():
    return list(_pickle_safe.user_safe_globals.values())


def clear_safe_globals():
    _pickle_safe.user_safe_globals.clear()


@contextlib.contextmanager
def safe_globals(safe_globals):
    """Within the block, weights_only loads may also use `safe_globals`."""
    saved = dict(_pickle_safe.user_safe_globals)
    add_safe_globals(safe_globals)
    try:
        yield
    finally:
        _pickle_safe.user_safe_globals.clear()
        _pickle_safe.user_safe_globals.update(saved)
