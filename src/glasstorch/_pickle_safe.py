"""What the names inside a PyTorch checkpoint's pickle become in glasstorch, and the unpicklers
that resolve them.

A checkpoint's `data.pkl` names PyTorch objects by module and name (`torch._utils
_rebuild_tensor_v2`, `torch FloatStorage`, `torch float32` …). `TORCH_GLOBALS` maps each of those
names to its glasstorch counterpart; `serialization.save` uses the same table backwards, so a name
glasstorch writes is always one it can read.

Two unpicklers:
- `WeightsUnpickler` (`load(weights_only=True)`, the default): our own small interpreter of the
  opcodes torch.save writes. Only the names in the allow-list can be looked up, only builders
  can be called, and BUILD may only set plain attributes on an OrderedDict (a state_dict's
  `_metadata`) or on a class the user allowed. A pickle can only run code through the callables
  it can name, so nothing from the file is executed beyond building tensors and containers;
  and sizes it declares are checked before anything is allocated.
- `FullUnpickler` (`weights_only=False`): any global, as plain pickle; torch names still map to
  glasstorch objects.
"""
import codecs
import collections
import importlib
import pickle
import pickletools
import struct

from . import _backend
from ._backend import xp
from ._tensor import Tensor, Size, device, _make
from .nn.parameter import Parameter


# ---------------------------------------------------------------------------------------------
# Storages
# ---------------------------------------------------------------------------------------------
class StorageType:
    """Stands for a PyTorch storage class (`torch.FloatStorage` …): the element type of one
    `data/<key>` record. `dtype` is None for storages glasstorch cannot hold (bfloat16,
    quantized)."""

    __slots__ = ("name", "dtype")

    def __init__(self, name, dtype):
        self.name, self.dtype = name, dtype

    def __repr__(self):
        return f"torch.{self.name}"


_STORAGE_NAMES = {
    "BoolStorage": _backend.bool_, "ByteStorage": _backend.uint8, "CharStorage": _backend.int8,
    "ShortStorage": _backend.int16, "IntStorage": _backend.int32, "LongStorage": _backend.int64,
    "HalfStorage": _backend.float16, "FloatStorage": _backend.float32,
    "DoubleStorage": _backend.float64, "ComplexFloatStorage": _backend.complex64,
    "ComplexDoubleStorage": _backend.complex128,
    # UntypedStorage holds raw bytes; _rebuild_tensor_v3 says which dtype to read them as
    "UntypedStorage": _backend.uint8,
    # no NumPy equivalent: named so the error can say what is missing
    "BFloat16Storage": None, "QInt8Storage": None, "QUInt8Storage": None,
    "QInt32Storage": None, "QUInt4x2Storage": None, "QUInt2x4Storage": None,
}
STORAGE_TYPES = {name: StorageType(name, dt) for name, dt in _STORAGE_NAMES.items()}
# the storage class glasstorch writes for each dtype (the first name listed for it above)
STORAGE_TYPE_OF = {}
for _st in STORAGE_TYPES.values():
    if _st.dtype is not None and _st.name != "UntypedStorage":
        STORAGE_TYPE_OF.setdefault(_st.dtype, _st)


class LoadedStorage:
    """The bytes of one `data/<key>` record, shared by every tensor that views it."""

    __slots__ = ("raw", "dtype", "key", "location")

    def __init__(self, raw, dtype, key, location):
        self.raw, self.dtype, self.key, self.location = raw, dtype, key, location

    def cpu(self):  # for map_location callables such as `lambda storage, loc: storage.cpu()`
        return self

    def typed(self, dtype):
        """The bytes as a 1-d array of `dtype` (no copy)."""
        if self.raw.nbytes % dtype.itemsize:
            raise RuntimeError(f"storage data/{self.key} holds {self.raw.nbytes} bytes, which is "
                               f"not a whole number of {dtype} elements")
        return self.raw.view(dtype.np)

    def tensor(self, dtype, storage_offset, size, stride):
        """A view of this storage as a tensor; the geometry is checked against the storage
        first, so a damaged or hostile file cannot make it read outside the record."""
        flat = self.typed(dtype)
        numel = flat.shape[0]
        geometry = (storage_offset, size, stride)
        if not (_is_int(storage_offset) and isinstance(size, tuple) and isinstance(stride, tuple)
                and len(size) == len(stride) and all(map(_is_int, size + stride))):
            raise pickle.UnpicklingError(f"malformed tensor record (storage_offset, size, "
                                         f"stride) = {geometry!r}")
        if storage_offset < 0 or min(size + stride, default=0) < 0:
            raise RuntimeError(f"tensor record has a negative offset, size or stride: "
                               f"{geometry!r}")
        extent = 0 if 0 in size else 1 + sum((n - 1) * s for n, s in zip(size, stride))
        if storage_offset + extent > numel:
            raise RuntimeError(
                f"tensor of size {list(size)}, stride {list(stride)} and storage offset "
                f"{storage_offset} reaches element {storage_offset + extent - 1}, out of bounds "
                f"for storage data/{self.key} of {numel} {dtype} elements")
        item = dtype.itemsize
        # a view of the record's buffer: tensors saved as views of one storage share memory
        # again, and saving them back finds that buffer as their common base
        return xp.ndarray(size, dtype=dtype.np, buffer=flat, offset=storage_offset * item,
                          strides=tuple(s * item for s in stride))


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


# ---------------------------------------------------------------------------------------------
# What PyTorch's rebuild functions become
# ---------------------------------------------------------------------------------------------
def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks,
                       metadata=None):
    """torch._utils._rebuild_tensor_v2: a tensor viewing `storage` (hooks are never saved)."""
    _check_storage(storage)
    return _finish(storage.tensor(storage.dtype, storage_offset, size, stride), requires_grad)


def _rebuild_tensor_v3(storage, storage_offset, size, stride, requires_grad, backward_hooks,
                       dtype, metadata=None):
    """torch._utils._rebuild_tensor_v3: as v2, but the storage is raw bytes read as `dtype`."""
    _check_storage(storage)
    if not isinstance(dtype, _backend.dtype):
        raise pickle.UnpicklingError(f"_rebuild_tensor_v3 expects a dtype, got {dtype!r}")
    return _finish(storage.tensor(dtype, storage_offset, size, stride), requires_grad)


def _check_storage(storage):
    if not isinstance(storage, LoadedStorage):
        raise pickle.UnpicklingError(f"a tensor record refers to {type(storage).__name__}, "
                                     "not to a storage of the checkpoint")


def _finish(array, requires_grad):
    t = _make(array)
    t.requires_grad = bool(requires_grad)
    return t


def _rebuild_parameter(data, requires_grad, backward_hooks):
    """torch._utils._rebuild_parameter"""
    if not isinstance(data, Tensor):
        raise pickle.UnpicklingError(f"Parameter data must be a tensor, got {type(data).__name__}")
    return Parameter(data, bool(requires_grad))


def _rebuild_parameter_with_state(data, requires_grad, backward_hooks, state):
    """torch._utils._rebuild_parameter_with_state: a Parameter with extra Python attributes."""
    return _set_state(_rebuild_parameter(data, requires_grad, backward_hooks), state)


def _rebuild_from_type_v2(func, new_type, args, state):
    """torch._tensor._rebuild_from_type_v2: a tensor of class `new_type` (Tensor or Parameter)
    built by `func(*args)`, with attributes `state`."""
    if not isinstance(args, tuple):
        raise pickle.UnpicklingError("_rebuild_from_type_v2 expects a tuple of arguments")
    if func not in _TENSOR_REBUILDERS:
        raise pickle.UnpicklingError(f"_rebuild_from_type_v2 may only call a tensor rebuild "
                                     f"function, not {func!r}")
    t = func(*args)
    if new_type is Parameter and not isinstance(t, Parameter):
        t = Parameter(t, t.requires_grad)
    elif new_type not in (Tensor, Parameter):
        raise pickle.UnpicklingError(f"cannot rebuild a tensor of class {new_type!r}")
    return _set_state(t, state)


def _set_state(obj, state):
    """Python attributes saved with a tensor: a dict, or PyTorch's (dict, slots) pair."""
    if isinstance(state, tuple) and len(state) == 2:
        state = {**(state[0] or {}), **(state[1] or {})}
    if not state:
        return obj
    if not isinstance(state, dict) or not hasattr(obj, "__dict__"):
        raise pickle.UnpicklingError(f"cannot set attributes {state!r} on a "
                                     f"{type(obj).__name__}")
    for name, value in state.items():
        if not isinstance(name, str) or name.startswith("__"):
            raise pickle.UnpicklingError(f"refusing to set attribute {name!r}")
        obj.__dict__[name] = value
    return obj


def _bytearray(source=b"", encoding=None, errors="strict"):
    """builtins.bytearray as a checkpoint uses it: from bytes, a string or a list of ints that
    the file holds; never from a count, which would allocate that many bytes from a tiny file."""
    if not isinstance(source, (bytes, bytearray, str, list, tuple)):
        raise pickle.UnpicklingError(f"bytearray is built only from data in the file, not "
                                     f"from a {type(source).__name__}")
    return bytearray(source) if encoding is None else bytearray(source, encoding, errors)


def _encode_latin1(text, encoding="latin1"):
    """_codecs.encode, as protocol-2 pickles use it to store bytes; only the latin-1 codec."""
    if codecs.lookup(encoding).name != "iso8859-1" or not isinstance(text, str):
        raise pickle.UnpicklingError(f"_codecs.encode with encoding {encoding!r} is not allowed")
    return text.encode("latin1")


# ---------------------------------------------------------------------------------------------
# The name table: (module, name) in the file -> glasstorch object
# ---------------------------------------------------------------------------------------------
TORCH_GLOBALS = {
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor_v2,
    ("torch._utils", "_rebuild_tensor_v3"): _rebuild_tensor_v3,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    ("torch._utils", "_rebuild_parameter_with_state"): _rebuild_parameter_with_state,
    ("torch._tensor", "_rebuild_from_type_v2"): _rebuild_from_type_v2,
    ("torch", "Tensor"): Tensor,
    ("torch.nn.parameter", "Parameter"): Parameter,
    ("torch", "Size"): Size,
    ("torch", "device"): device,
}
_TENSOR_REBUILDERS = (_rebuild_tensor_v2, _rebuild_tensor_v3, _rebuild_parameter,
                      _rebuild_parameter_with_state)
TORCH_GLOBALS.update({("torch", name): st for name, st in STORAGE_TYPES.items()})
TORCH_GLOBALS.update({("torch", d.name): d for d in _backend.ALL_DTYPES})

# plain-Python names a weights-only checkpoint may use (as torch's weights-only unpickler)
_SAFE_BUILTINS = {
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("collections", "Counter"): collections.Counter,
    ("builtins", "set"): set,
    ("builtins", "frozenset"): frozenset,
    ("builtins", "complex"): complex,
    ("builtins", "bytearray"): _bytearray,
    ("_codecs", "encode"): _encode_latin1,
}

# globals the user allowed with serialization.add_safe_globals: "module.name" -> object
user_safe_globals = {}

# torch names of tensors glasstorch cannot represent, each refused with this explanation
_NOT_SUPPORTED = ("sparse, quantized, nested, meta and device-specific tensors are not "
                  "supported by glasstorch (NumPy arrays on the CPU); convert them to dense CPU "
                  "tensors in PyTorch before saving")
_NO_DTYPE = {"bfloat16": "NumPy has no bfloat16; convert with .float() in PyTorch before saving"}


def unsupported_storage_reason(storage_type):
    if storage_type.name == "BFloat16Storage":
        return _NO_DTYPE["bfloat16"]
    return "quantized tensors are not supported by glasstorch; dequantize them in PyTorch first"


def _torch_name(module, name):
    """The glasstorch object a torch (module, name) stands for, or None."""
    found = TORCH_GLOBALS.get((module, name))
    if found is not None:
        return found
    if module == "torch" and name in _NO_DTYPE:
        raise pickle.UnpicklingError(f"glasstorch cannot load torch.{name} tensors: "
                                     f"{_NO_DTYPE[name]}")
    if module == "torch._utils" and name.startswith("_rebuild"):
        raise pickle.UnpicklingError(f"glasstorch cannot load tensors rebuilt by "
                                     f"torch._utils.{name}: {_NOT_SUPPORTED}")
    return None


# ---------------------------------------------------------------------------------------------
# Unpicklers
# ---------------------------------------------------------------------------------------------
# What REDUCE and NEWOBJ may call in a weights-only load: builders whose result is no bigger
# than the data they are given. A checkpoint may name torch.Tensor (whose constructor takes
# sizes), dtypes and storage types, but not call them.
_CALLABLE = (*_TENSOR_REBUILDERS, _rebuild_from_type_v2, Parameter, Size, device,
             *_SAFE_BUILTINS.values())
# Arguments whose elements a call copies, and how many such elements all the calls of one load
# may copy per byte of its pickle. Each element of a list, string, … costs at least one byte to
# write, so an honest pickle stays far below; a hostile one that stores a big list once and
# then converts it a thousand times (set(l), set(l), …) is stopped before its memory explodes.
_SIZED = (str, bytes, bytearray, list, tuple, dict, set, frozenset)
_COPIES_PER_BYTE = 8


class WeightsUnpickler:
    """Unpickler for `weights_only=True`: a small interpreter of the pickle opcodes that
    torch.save writes (protocol 2): the same set torch's own weights-only unpickler accepts.

    A pickle is a program for a stack machine, and a hostile file can ask for anything the
    machine offers. This one offers little:
    - opcodes: those in `_STEPS` below; any other is refused before its argument is read;
    - names: only the allow-list (`find_class`); calls (REDUCE, NEWOBJ) only to `_CALLABLE`
      and to classes the user allowed; BUILD (setting attributes) only on an OrderedDict
      (a state_dict's `_metadata`) or an instance of an allowed class;
    - sizes: a length the pickle declares is checked against the bytes it has left before
      anything is read, and its calls may copy at most `_COPIES_PER_BYTE` elements per byte.
    With the records' sizes checked against the file's (serialization._ArchiveReader), the
    memory a load takes stays proportional to the file's size.
    `data` is the whole pickle (the data.pkl record); storages come from `persistent_load`."""

    def __init__(self, data, persistent_load, *, encoding="ASCII", errors="strict",
                 fix_imports=True):
        self._data = bytes(data)
        self._pos = 0
        self._persistent_load = persistent_load
        self._encoding, self._errors = encoding, errors
        self._copies_left = _COPIES_PER_BYTE * len(self._data)
        self._stack = []  # the values being built
        self._marks = []  # the stacks set aside by MARK
        self._memo = {}  # BINPUT/BINGET: values the pickle refers to again
        self._opcode_at = 0

    def load(self):
        """The object the pickle describes."""
        while True:
            self._opcode_at = self._pos
            if self._pos == len(self._data):
                raise pickle.UnpicklingError(f"data.pkl ends at byte {self._pos}, before its "
                                             "STOP opcode: the file is truncated or corrupted")
            code = self._read(1)[0]
            if code == pickle.STOP[0]:
                return self._pop()
            step = _STEPS.get(code)
            if step is None:
                raise self._refused(code)
            step(self)

    def _refused(self, code):
        op = pickletools.code2op.get(chr(code))
        name = op.name if op is not None else "(not an opcode)"
        return pickle.UnpicklingError(
            f"Weights only load failed: opcode {name} (0x{code:02x}) at byte "
            f"{self._opcode_at} of data.pkl is not allowed. A weights-only load accepts the "
            f"opcodes of pickle protocol 2 that torch.save and glasstorch.save write by "
            f"default; this file was written otherwise (another pickle_protocol) or made to "
            f"attack the loader. If you trust its source, load it with weights_only=False.")

    def _opcode(self):
        return pickletools.code2op[chr(self._data[self._opcode_at])].name

    # ----------------------------------------------------------------- reading the pickle
    def _read(self, n, declared=False):
        """The next `n` bytes; an error, before anything is read, if fewer are left."""
        left = len(self._data) - self._pos
        if n > left:
            what = "declares" if declared else "needs"
            raise pickle.UnpicklingError(
                f"{self._opcode()} at byte {self._opcode_at} {what} {n} bytes, but data.pkl "
                f"has only {left} left: the file is truncated or corrupted")
        self._pos += n
        return self._data[self._pos - n:self._pos]

    def _read_line(self):
        end = self._data.find(b"\n", self._pos)
        if end < 0:
            raise pickle.UnpicklingError(f"GLOBAL at byte {self._opcode_at} is not terminated: "
                                         "data.pkl is truncated or corrupted")
        line = self._data[self._pos:end].decode("utf-8")
        self._pos = end + 1
        return line

    def _unpack(self, fmt):
        return struct.unpack(fmt, self._read(struct.calcsize(fmt)))[0]

    # ----------------------------------------------------------------- the stack
    def _push(self, value):
        self._stack.append(value)

    def _pop(self):
        if not self._stack:
            raise pickle.UnpicklingError(f"{self._opcode()} at byte {self._opcode_at} finds "
                                         "the stack empty: data.pkl is corrupted")
        return self._stack.pop()

    def _pop_mark(self):
        """The values pushed since the last MARK (and that MARK's stack back in place)."""
        if not self._marks:
            raise pickle.UnpicklingError(f"{self._opcode()} at byte {self._opcode_at} has no "
                                         "MARK before it: data.pkl is corrupted")
        items, self._stack = self._stack, self._marks.pop()
        return items

    def _top(self, types):
        """The value on top of the stack, which APPEND/SETITEM… may change only if it is
        one of `types`."""
        if not self._stack:
            self._pop()  # raises: empty stack
        top = self._stack[-1]
        if type(top) not in types:
            raise pickle.UnpicklingError(
                f"Weights only load failed: {self._opcode()} at byte {self._opcode_at} may "
                f"only fill a {' or '.join(t.__name__ for t in types)}, not a "
                f"{type(top).__name__}")
        return top

    # ----------------------------------------------------------------- opcodes: values
    def _proto(self):
        version = self._read(1)[0]
        if version > pickle.HIGHEST_PROTOCOL:
            raise pickle.UnpicklingError(f"unsupported pickle protocol: {version}")

    def _none(self):
        self._push(None)

    def _newtrue(self):
        self._push(True)

    def _newfalse(self):
        self._push(False)

    def _binint(self):
        self._push(self._unpack("<i"))

    def _binint1(self):
        self._push(self._read(1)[0])

    def _binint2(self):
        self._push(self._unpack("<H"))

    def _long1(self):
        n = self._read(1)[0]
        self._push(int.from_bytes(self._read(n), "little", signed=True))

    def _binfloat(self):
        self._push(self._unpack(">d"))

    def _binunicode(self):
        n = self._unpack("<I")
        self._push(str(self._read(n, declared=True), "utf-8", "surrogatepass"))

    def _short_binstring(self):
        data = self._read(self._read(1)[0])  # a Python 2 str: bytes, or text decoded
        self._push(data if self._encoding == "bytes" else
                   data.decode(self._encoding, self._errors))

    # ----------------------------------------------------------------- opcodes: containers
    def _mark(self):
        self._marks.append(self._stack)
        self._stack = []

    def _tuple(self):
        self._push(tuple(self._pop_mark()))

    def _empty_tuple(self):
        self._push(())

    def _tuple1(self):
        self._push((self._pop(),))

    def _tuple2(self):
        second, first = self._pop(), self._pop()
        self._push((first, second))

    def _tuple3(self):
        third, second, first = self._pop(), self._pop(), self._pop()
        self._push((first, second, third))

    def _empty_list(self):
        self._push([])

    def _empty_dict(self):
        self._push({})

    def _empty_set(self):
        self._push(set())

    def _append(self):
        item = self._pop()
        self._top((list,)).append(item)

    def _appends(self):
        items = self._pop_mark()
        self._top((list,)).extend(items)

    def _setitem(self):
        value, key = self._pop(), self._pop()
        self._top(_DICTS)[key] = value

    def _setitems(self):
        items = self._pop_mark()
        if len(items) % 2:
            raise pickle.UnpicklingError(f"SETITEMS at byte {self._opcode_at} has an odd "
                                         "number of values: data.pkl is corrupted")
        target = self._top(_DICTS)
        for i in range(0, len(items), 2):
            target[items[i]] = items[i + 1]

    # ----------------------------------------------------------------- opcodes: the memo
    def _binput(self):
        self._put(self._read(1)[0])

    def _long_binput(self):
        self._put(self._unpack("<I"))

    def _put(self, index):
        if not self._stack:
            self._pop()  # raises: empty stack
        self._memo[index] = self._stack[-1]

    def _binget(self):
        self._get(self._read(1)[0])

    def _long_binget(self):
        self._get(self._unpack("<I"))

    def _get(self, index):
        if index not in self._memo:
            raise pickle.UnpicklingError(f"{self._opcode()} at byte {self._opcode_at} refers "
                                         f"to memo entry {index}, which was never stored: "
                                         "data.pkl is corrupted")
        self._push(self._memo[index])

    # ----------------------------------------------------------------- opcodes: names, calls
    def _global(self):
        module = self._read_line()
        self._push(self.find_class(module, self._read_line()))

    def _binpersid(self):
        self._push(self._persistent_load(self._pop()))

    def _reduce(self):
        args = self._pop()
        func = self._pop()
        self._check_call(func, args)
        self._push(func(*args))

    def _newobj(self):
        args = self._pop()
        cls = self._pop()
        self._check_call(cls, args)
        if not isinstance(cls, type):
            raise pickle.UnpicklingError(f"NEWOBJ at byte {self._opcode_at} needs a class, "
                                         f"got {cls!r}")
        self._push(cls.__new__(cls, *args))

    def _check_call(self, func, args):
        allowed = any(func is c for c in _CALLABLE) or _user_allowed(func)
        if not allowed:
            raise pickle.UnpicklingError(
                f"Weights only load failed: {self._opcode()} at byte {self._opcode_at} calls "
                f"{func!r}, which a weights-only load does not call (it builds from a size, "
                f"or is not a builder at all)")
        if type(args) is not tuple:
            raise pickle.UnpicklingError(f"{self._opcode()} at byte {self._opcode_at} has "
                                         f"arguments {type(args).__name__}, not a tuple")
        self._copies_left -= sum(len(a) for a in args if isinstance(a, _SIZED))
        if self._copies_left < 0:
            raise pickle.UnpicklingError(
                f"Weights only load failed: data.pkl ({len(self._data)} bytes) copies more "
                f"than {_COPIES_PER_BYTE * len(self._data)} elements in its calls, more than "
                f"any checkpoint needs: it converts the same objects again and again to "
                f"build far more than the file holds")

    def _build(self):
        """BUILD sets attributes from a dict: only on an OrderedDict (a state_dict's
        `_metadata`) and on instances of classes allowed by add_safe_globals, never on
        tensors, classes or functions."""
        state = self._pop()
        if not self._stack:
            self._pop()  # raises: empty stack
        inst = self._stack[-1]
        if _user_allowed(type(inst)):
            _set_object_state(inst, state)  # the user trusts this class
            return
        if isinstance(state, tuple) and len(state) == 2 and state[1] is None:
            state = state[0]
        if not (type(inst) in (collections.OrderedDict, collections.Counter)
                and isinstance(state, dict)
                and all(isinstance(k, str) and not k.startswith("__") for k in state)):
            raise pickle.UnpicklingError(
                f"Weights only load failed. BUILD (setting object state) on "
                f"{type(inst).__name__} is not allowed by weights_only=True")
        inst.__dict__.update(state)

    def find_class(self, module, name):
        if module in ("__builtin__", "copy_reg"):  # protocol-2 spellings of Python 3 modules
            module = {"__builtin__": "builtins", "copy_reg": "copyreg"}[module]
        found = _torch_name(module, name)
        if found is None:
            found = _SAFE_BUILTINS.get((module, name))
        if found is None:
            found = user_safe_globals.get(f"{module}.{name}")
        if found is None:
            raise pickle.UnpicklingError(
                f"Weights only load failed. Unsupported global: GLOBAL {module}.{name} was not "
                f"an allowed global by default. The file names a Python object that loading "
                f"would have to import and possibly run. If you trust the source of the file, "
                f"load it with weights_only=False, or allow this one name with "
                f"glasstorch.serialization.add_safe_globals([{module}.{name}]).")
        return found


_DICTS = (dict, collections.OrderedDict, collections.Counter)
_STEPS = {
    pickle.PROTO[0]: WeightsUnpickler._proto,
    pickle.NONE[0]: WeightsUnpickler._none,
    pickle.NEWTRUE[0]: WeightsUnpickler._newtrue,
    pickle.NEWFALSE[0]: WeightsUnpickler._newfalse,
    pickle.BININT[0]: WeightsUnpickler._binint,
    pickle.BININT1[0]: WeightsUnpickler._binint1,
    pickle.BININT2[0]: WeightsUnpickler._binint2,
    pickle.LONG1[0]: WeightsUnpickler._long1,
    pickle.BINFLOAT[0]: WeightsUnpickler._binfloat,
    pickle.BINUNICODE[0]: WeightsUnpickler._binunicode,
    pickle.SHORT_BINSTRING[0]: WeightsUnpickler._short_binstring,
    pickle.MARK[0]: WeightsUnpickler._mark,
    pickle.TUPLE[0]: WeightsUnpickler._tuple,
    pickle.EMPTY_TUPLE[0]: WeightsUnpickler._empty_tuple,
    pickle.TUPLE1[0]: WeightsUnpickler._tuple1,
    pickle.TUPLE2[0]: WeightsUnpickler._tuple2,
    pickle.TUPLE3[0]: WeightsUnpickler._tuple3,
    pickle.EMPTY_LIST[0]: WeightsUnpickler._empty_list,
    pickle.EMPTY_DICT[0]: WeightsUnpickler._empty_dict,
    pickle.EMPTY_SET[0]: WeightsUnpickler._empty_set,
    pickle.APPEND[0]: WeightsUnpickler._append,
    pickle.APPENDS[0]: WeightsUnpickler._appends,
    pickle.SETITEM[0]: WeightsUnpickler._setitem,
    pickle.SETITEMS[0]: WeightsUnpickler._setitems,
    pickle.BINPUT[0]: WeightsUnpickler._binput,
    pickle.LONG_BINPUT[0]: WeightsUnpickler._long_binput,
    pickle.BINGET[0]: WeightsUnpickler._binget,
    pickle.LONG_BINGET[0]: WeightsUnpickler._long_binget,
    pickle.GLOBAL[0]: WeightsUnpickler._global,
    pickle.BINPERSID[0]: WeightsUnpickler._binpersid,
    pickle.REDUCE[0]: WeightsUnpickler._reduce,
    pickle.NEWOBJ[0]: WeightsUnpickler._newobj,
    pickle.BUILD[0]: WeightsUnpickler._build,
}  # and STOP, which ends WeightsUnpickler.load


def _user_allowed(obj):
    return any(obj is allowed for allowed in user_safe_globals.values())


def _set_object_state(inst, state):
    """What pickle's BUILD does, for an instance of a class the user allowed."""
    setstate = getattr(inst, "__setstate__", None)
    if setstate is not None:
        setstate(state)
        return
    slots = None
    if isinstance(state, tuple) and len(state) == 2:
        state, slots = state
    if state:
        inst.__dict__.update(state)
    for name, value in (slots or {}).items():
        setattr(inst, name, value)


class FullUnpickler(pickle.Unpickler):
    """Unpickler for `weights_only=False`: any global, with torch names mapped to glasstorch
    (and `torch.x.y` tried as `glasstorch.x.y` when the table has no entry)."""

    def __init__(self, file, persistent_load, **kwargs):
        super().__init__(file, **kwargs)
        self._persistent_load = persistent_load

    def persistent_load(self, pid):
        return self._persistent_load(pid)

    def find_class(self, module, name):
        found = _torch_name(module, name)
        if found is not None:
            return found
        if module == "torch" or module.startswith("torch."):
            ours = "glasstorch" + module[len("torch"):]
            try:
                obj = importlib.import_module(ours)
                for part in name.split("."):
                    obj = getattr(obj, part)
                return obj
            except (ImportError, AttributeError):
                raise pickle.UnpicklingError(f"{module}.{name} has no glasstorch equivalent "
                                             f"(looked for {ours}.{name})") from None
        return super().find_class(module, name)
