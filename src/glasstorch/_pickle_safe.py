"""What the names inside a PyTorch checkpoint's pickle become in glasstorch, and the unpicklers
that resolve them.

A checkpoint's `data.pkl` names PyTorch objects by module and name (`torch._utils
_rebuild_tensor_v2`, `torch FloatStorage`, `torch float32` …). `TORCH_GLOBALS` maps each of those
names to its glasstorch counterpart; `serialization.save` uses the same table backwards, so a name
glasstorch writes is always one it can read.

Two unpicklers:
- `WeightsUnpickler` (`load(weights_only=True)`, the default): only the names in the allow-list
  can be looked up, and BUILD may only set plain attributes on an OrderedDict (a state_dict's
  `_metadata`) or on a class the user allowed. A pickle can only run code through the callables
  it can name, so nothing from the file is executed beyond building tensors and containers.
- `FullUnpickler` (`weights_only=False`): any global, as plain pickle; torch names still map to
  glasstorch objects.
"""
import codecs
import collections
import importlib
import pickle

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
TORCH_GLOBALS.update({("torch", name): st for name, st in STORAGE_TYPES.items()})
TORCH_GLOBALS.update({("torch", d.name): d for d in _backend.ALL_DTYPES})

# plain-Python names a weights-only checkpoint may use (as torch's weights-only unpickler)
_SAFE_BUILTINS = {
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("collections", "Counter"): collections.Counter,
    ("builtins", "set"): set,
    ("builtins", "frozenset"): frozenset,
    ("builtins", "complex"): complex,
    ("builtins", "bytearray"): bytearray,
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
class WeightsUnpickler(pickle._Unpickler):
    """Unpickler for `weights_only=True`: every global must be on the allow-list.

    Built on the pure-Python unpickler (pickle._Unpickler) because it lets us replace one opcode
    (BUILD); a checkpoint's pickle is small (tensor bytes live in other records), so its speed
    does not matter."""

    def __init__(self, file, persistent_load, **kwargs):
        super().__init__(file, **kwargs)
        self._persistent_load = persistent_load

    def persistent_load(self, pid):
        return self._persistent_load(pid)

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

    def load_build(self):
        """BUILD sets attributes from a dict; allowed only on an OrderedDict (a state_dict's
        `_metadata`) and on instances of classes allowed by add_safe_globals, never on
        tensors, classes or functions."""
        state = self.stack.pop()
        inst = self.stack[-1]
        if type(inst) in user_safe_globals.values():
            self.stack.append(state)
            return pickle._Unpickler.load_build(self)  # the user trusts this class
        if isinstance(state, tuple) and len(state) == 2 and state[1] is None:
            state = state[0]
        if not (type(inst) in (collections.OrderedDict, collections.Counter)
                and isinstance(state, dict)
                and all(isinstance(k, str) and not k.startswith("__") for k in state)):
            raise pickle.UnpicklingError(
                f"Weights only load failed. BUILD (setting object state) on "
                f"{type(inst).__name__} is not allowed by weights_only=True")
        inst.__dict__.update(state)

    dispatch = dict(pickle._Unpickler.dispatch)
    dispatch[pickle.BUILD[0]] = load_build


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
