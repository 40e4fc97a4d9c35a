"""Predicates and metadata: is_tensor, is_floating_point, numel, typename, is_nonzero, layout,
storage_offset, data_ptr … and the legacy set_default_tensor_type.

None of these computes on tensor values (except is_nonzero, which reads one element), so none
is an autograd op. The storage of a glasstorch tensor is its NumPy buffer: a view's storage is
its base's array, and offsets and pointers are read off NumPy's memory layout.
"""
import warnings

from .. import _backend
from .._tensor import Tensor, LegacyTensorType, _LEGACY_BY_NAME
from ._util import check_tensor


# ---------------------------------------------------------------------------------------------
# torch.* predicates
# ---------------------------------------------------------------------------------------------
def is_tensor(obj):
    """True if `obj` is a glasstorch Tensor (of any subclass, e.g. a Parameter)."""
    return isinstance(obj, Tensor)


def is_floating_point(input):
    """True for float16/32/64 tensors."""
    return check_tensor("is_floating_point", input)._data.dtype.kind == "f"


def is_complex(input):
    """True for complex64/128 tensors."""
    return check_tensor("is_complex", input)._data.dtype.kind == "c"


def is_signed(input):
    """True unless the dtype is uint8 or bool (which cannot hold negative values)."""
    return check_tensor("is_signed", input).dtype.is_signed


def is_nonzero(input):
    """bool(input) for a one-element tensor; RuntimeError for any other number of elements."""
    data = check_tensor("is_nonzero", input)._data
    if data.size != 1:
        amount = "no values" if data.size == 0 else "more than one value"
        raise RuntimeError(f"Boolean value of Tensor with {amount} is ambiguous")
    return bool(data.reshape(()) != 0)


def is_same_size(input, other):
    """True if both tensors have the same shape."""
    check_tensor("is_same_size", input)
    check_tensor("is_same_size", other, "other", 2)
    return input._data.shape == other._data.shape


def numel(input):
    """The number of elements of `input`."""
    return check_tensor("numel", input)._data.size


def is_inference(input):
    """False: glasstorch's inference_mode is no_grad and makes no separate inference tensors."""
    check_tensor("is_inference", input)
    return False


def typename(obj):
    """The type of `obj` as a string: 'torch.FloatTensor' for tensors (their legacy type name),
    else 'module.QualifiedName' ('int' for builtins)."""
    if isinstance(obj, Tensor):
        return obj.type()
    if hasattr(obj, "__qualname__"):          # a class or function: named by itself
        module, name = getattr(obj, "__module__", "") or "", obj.__qualname__
    elif hasattr(obj, "__name__"):
        module, name = getattr(obj, "__module__", "") or "", obj.__name__
    else:                                      # an instance: named by its class
        module, name = type(obj).__module__ or "", type(obj).__qualname__
    return name if module in ("", "builtins") else f"{module}.{name}"


# ---------------------------------------------------------------------------------------------
# layout and storage
# ---------------------------------------------------------------------------------------------
class layout:
    """A tensor memory layout. glasstorch has one: `torch.strided` (dense, with strides)."""

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return "torch." + self.name

    def __reduce__(self):  # pickles as a reference to the module-level object
        return (_layout_by_name, (self.name,))


strided = layout("strided")


def _layout_by_name(name):
    return strided


def _storage_root(self):
    """The array that holds self's storage: the base's array for a view, else its own."""
    return self._base._data if self._base is not None else self._data


def _address(array):
    return array.__array_interface__["data"][0]


def storage_offset(self):
    """Where self's first element lies in its storage, counted in elements (0 unless self is a
    view that starts later in its base's memory)."""
    root = _storage_root(self)
    return (_address(self._data) - _address(root)) // self._data.itemsize


def data_ptr(self):
    """The memory address of self's first element (an int, as in PyTorch)."""
    return _address(self._data)


def _layout(self):
    return strided


def _is_cpu(self):
    return True


def _output_nr(self):
    """Which output of its grad_fn this tensor is (0 for leaves and single-output ops)."""
    return self._output_nr


layout_property = property(_layout, doc="The memory layout: always torch.strided.")
is_cpu_property = property(_is_cpu, doc="True: glasstorch tensors live on the CPU.")
output_nr_property = property(_output_nr, doc=_output_nr.__doc__)


# ---------------------------------------------------------------------------------------------
# the legacy default tensor type
# ---------------------------------------------------------------------------------------------
def set_default_tensor_type(t):
    """Legacy: make `t` (torch.FloatTensor / torch.DoubleTensor, or its name as a string) the
    type of new float tensors; same as set_default_dtype(float32 / float64). Deprecated in
    PyTorch, which warns; so do we."""
    warnings.warn("torch.set_default_tensor_type() is deprecated as of PyTorch 2.1, please use "
                  "torch.set_default_dtype() and torch.set_default_device() as alternatives.",
                  UserWarning, stacklevel=2)
    if isinstance(t, str):
        name = t.rsplit(".", 1)[-1]
        if name not in _LEGACY_BY_NAME or not t.startswith("torch."):
            raise AttributeError(f"module 'torch' has no attribute '{name}'")
        t = _LEGACY_BY_NAME[name]
    if not isinstance(t, LegacyTensorType):
        raise TypeError("invalid type object: only floating-point types are supported as the "
                        "default type")
    if not t.dtype.is_floating_point:
        raise TypeError("only floating-point types are supported as the default type")
    _backend.set_default_dtype(t.dtype)

