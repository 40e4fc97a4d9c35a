"""Small helpers shared by the op families: broadcast undo, dim handling, dtype promotion."""
import math

from .. import _backend
from .._backend import xp, ndarray, check_broadcast
from .._tensor import Tensor, _make, _wrap_dim
from ..autograd import graph


def sum_to_shape(g, shape):
    """Sum gradient `g` over the axes that broadcasting added or stretched, giving `shape`.
    Works on NumPy arrays and on Tensors (for a differentiable backward)."""
    if g.shape == shape:
        return g
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, s in enumerate(shape) if s == 1 and g.shape[lead + i] != 1)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    if lead or g.shape != shape:
        g = g.reshape(shape)
    return g


def wrap_dim(dim, ndim):
    return _wrap_dim(dim, ndim)


def wrap_dims(dim, ndim):
    """Normalise `dim` (None, int, or sequence of ints) to a sorted tuple of axes, or None."""
    if dim is None:
        return None
    if isinstance(dim, (int, Tensor)) and not isinstance(dim, bool):
        return (_wrap_dim(int(dim), ndim),)
    axes = tuple(_wrap_dim(int(d), ndim) for d in dim)
    if len(set(axes)) != len(axes):
        raise RuntimeError(f"dim {axes[0]} appears multiple times in the list of dims")
    return axes


def promote(a, b):
    """Cast Tensor operands of a binary op to PyTorch's result dtype, after checking that their
    shapes broadcast. Python numbers stay numbers (NumPy treats them as weak, matching PyTorch
    once the tensor has the right dtype); NumPy scalars become Python numbers first."""
    if isinstance(a, Tensor):
        if isinstance(b, Tensor):
            # a shape mismatch surfaces as NumPy's ValueError inside the op, which
            # Function.apply turns into PyTorch's message (no check on the fast path)
            if a._data.dtype is b._data.dtype or a._data.dtype == b._data.dtype:
                return a, b
        # `type(b) is`, not isinstance: a NumPy float64 scalar is a float subclass but is not
        # weak in NumPy's promotion, so it takes the slow path and becomes a Python float
        elif type(b) is float and a._data.dtype.kind == "f":
            return a, b
        elif type(b) is int and a._data.dtype.kind in "fiu":
            if a._data.dtype.kind == "f" or _fits(b, a._data.dtype):
                return a, b
        elif isinstance(b, ndarray):
            return promote(a, _make(b))
    elif isinstance(b, Tensor):   # number first (`1 - p`, `lr * grad`): the same fast paths
        kind = b._data.dtype.kind
        if type(a) is float and kind == "f":
            return a, b
        if type(a) is int and kind in "fiu" and (kind == "f" or _fits(a, b._data.dtype)):
            return a, b
        if isinstance(a, ndarray):
            return promote(_make(a), b)
    elif isinstance(a, ndarray):
        return promote(_make(a), b)
    elif not isinstance(b, Tensor):
        raise TypeError(f"expected at least one Tensor operand, got {type(a).__name__} and "
                        f"{type(b).__name__}")
    a, b = _number(a), _number(b)
    target = _backend.result_type(a, b)
    return cast(a, target), cast(b, target)


def _number(x):
    """Python number for a NumPy scalar (np.float64(2.0) counts as a Python float, as in torch);
    TypeError for operands that are neither tensors nor numbers."""
    if isinstance(x, (Tensor, bool, int, float, complex)) and not isinstance(x, xp.generic):
        return x
    if isinstance(x, xp.generic):
        return x.item()
    raise TypeError(f"unsupported operand type: expected a Tensor or a number, got "
                    f"{type(x).__name__}")


_INT_BOUNDS = {}


def _fits(value, np_dtype):
    """Is the Python int `value` inside the range of integer dtype `np_dtype`?"""
    bounds = _INT_BOUNDS.get(np_dtype)
    if bounds is None:
        info = xp.iinfo(np_dtype)
        bounds = _INT_BOUNDS[np_dtype] = (int(info.min), int(info.max))
    return bounds[0] <= value <= bounds[1]


def cast(x, dtype):
    """`x` as `dtype`: Tensors through a differentiable cast, numbers unchanged when they are
    exactly representable (so NumPy keeps treating them as weak scalars). An int outside an
    integer dtype's range wraps around, as PyTorch does (NumPy would raise OverflowError)."""
    if isinstance(x, Tensor):
        if x._data.dtype == dtype.np:
            return x
        return x.to(dtype)
    if dtype.kind == 2 and isinstance(x, (int, bool)):
        return float(x)
    if dtype.kind == 1 and isinstance(x, bool):
        return int(x)
    if dtype.kind == 1 and isinstance(x, int) and not _fits(x, dtype.np):
        low, high = _INT_BOUNDS[dtype.np]
        return (x - low) % (high - low + 1) + low
    return x


def float_input(x):
    """For ops that always produce floats (exp, sqrt, true division …): an integer or bool
    tensor is first cast to the default float dtype, as PyTorch does."""
    if x._data.dtype.kind in "fc":
        return x
    return x.to(_backend.get_default_dtype())


def where(mask, a, b):
    """xp.where that also accepts Tensors (for backwards that must stay differentiable)."""
    if isinstance(a, Tensor) or isinstance(b, Tensor):
        from .pointwise import where as t_where
        return t_where(_make(mask) if isinstance(mask, ndarray) else mask, a, b)
    return xp.where(mask, a, b)


def node_name(out, name):
    """Give `out`'s graph node PyTorch's name for this overload (`2 - x` prints RsubBackward1,
    not the SubBackward0 of the Sub op that computes it). Only a fresh op result may be named;
    without a recorded graph this is a no-op."""
    fn = out.grad_fn
    if fn is not None:
        graph.rename(fn, name)      # its class takes the name too (tools print the class name)
    return out


def refuse_complex(input, error, message):
    """Complex numbers have no order: PyTorch's ops that need one refuse complex input (the
    message may name the dtype as {name}: ComplexFloat, ComplexDouble)."""
    if isinstance(input, Tensor) and input._data.dtype.kind == "c":
        name = input.dtype.scalar_name
        raise error(message.format(name=name))


_CPP_NAMES = {"uint8": "uint8_t", "int8": "int8_t", "int16": "int16_t", "int32": "int",
              "int64": "int64_t", "float16": "c10::Half", "float32": "float",
              "float64": "double"}


def check_fits(number, dtype):
    """PyTorch refuses a number that `dtype` (a NumPy dtype) cannot hold instead of wrapping
    it: a complex number with an imaginary part, nan or a value beyond the range for an
    integer dtype, a finite value beyond the largest float; an unsigned dtype takes integers
    down to -max (they wrap: -1 -> 255). Bools hold anything. Returns the number as a NumPy
    scalar of `dtype` (tensors and arrays are returned as they are)."""
    kind = type(number)
    if kind is int and 0 <= number <= 127 or \
            (kind is float or kind is int) and dtype.kind == "f" and -65504.0 <= number <= 65504.0:
        return number                   # fits every dtype it can be written to: the fast path
    if isinstance(number, (ndarray, Tensor)):
        return number
    if dtype.kind == "b":
        return xp.asarray(number).astype(dtype)[()]
    if dtype.kind == "c":
        part_max = xp.finfo(dtype).max
        fits = all(not math.isfinite(part) or abs(part) <= part_max
                   for part in (complex(number).real, complex(number).imag))
        if not fits:
            raise RuntimeError(f"value cannot be converted to type c10::complex<"
                               f"{'float' if dtype.itemsize == 8 else 'double'}> without overflow")
        return xp.asarray(number).astype(dtype)[()]
    fits = True
    if isinstance(number, complex):
        fits, number = number.imag == 0, number.real
    if dtype.kind in "iu":
        info = xp.iinfo(dtype)
        integral = isinstance(number, (int, xp.integer))
        low = -info.max if integral and info.min == 0 else info.min
        fits = fits and (low <= number <= info.max)        # False for nan
    elif math.isfinite(number):
        fits = fits and abs(number) <= xp.finfo(dtype).max
    if not fits:
        raise RuntimeError(f"value cannot be converted to type "
                           f"{_CPP_NAMES.get(dtype.name, dtype.name)} without overflow")
    if isinstance(number, int) and number < 0 and dtype.kind == "u":
        number += 1 << (8 * dtype.itemsize)                 # two's complement wrap
    if dtype == xp.float16:     # PyTorch makes a half from a float: c10::Half(float(number))
        return xp.float32(number).astype(dtype)
    return xp.asarray(number).astype(dtype)[()]
