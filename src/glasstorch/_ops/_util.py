"""Small helpers shared by the op families: broadcast undo, dim handling, dtype promotion, the
one check of a tensor argument (check_tensor) and the one writer of `out=` arguments
(write_out, write_outs)."""
import math
import warnings

from .. import _backend
from .._backend import xp, ndarray, check_broadcast
from .._tensor import Tensor, _make, _wrap_dim
from ..autograd import graph
from ._summation import pairwise_sum


def sum_to_shape(g, shape):
    """Sum gradient `g` over the axes that broadcasting added or stretched, giving `shape`.
    Works on NumPy arrays (summed as a tree, with PyTorch's rounding error: a bias gradient
    over 262144 rows is otherwise off by 2e-5) and on Tensors (for a differentiable backward)."""
    if g.shape == shape:
        return g
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, s in enumerate(shape) if s == 1 and g.shape[lead + i] != 1)
    if axes:
        g = tree_sum(g, axes, keepdims=True)
    if lead or g.shape != shape:
        g = g.reshape(shape)
    return g


def tree_sum(g, axes, keepdims=False):
    """g summed over `axes` with PyTorch's rounding error (a tree, not row after row): an
    ndarray through pairwise_sum, a Tensor (a differentiable backward) through Tensor.sum."""
    if isinstance(g, Tensor):
        return g.sum(axis=axes, keepdims=keepdims)
    return pairwise_sum(g, axes, keepdims=keepdims)


def check_tensor(fname, value, name="input", position=1, *, several_overloads=False):
    """`value` itself if it is a Tensor, else PyTorch's TypeError for a non-tensor argument:
    "add(): argument 'input' (position 1) must be Tensor, not int". position=None leaves out
    "(position N)" (keyword-only arguments); `several_overloads` gives the wording of functions
    with several signatures ("conv2d() received an invalid combination of arguments - ...")."""
    if isinstance(value, Tensor):
        return value
    where = f"argument '{name}'" if position is None else \
        f"argument '{name}' (position {position})"
    opening = (f"{fname}() received an invalid combination of arguments - " if several_overloads
               else f"{fname}(): ")
    raise TypeError(f"{opening}{where} must be Tensor, not {type(value).__name__}")


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
        from .where import where as t_where
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


def conj_if_complex(x):
    """conj(x) for a complex array, Tensor or number; `x` itself otherwise (free on the real
    path). PyTorch's gradients of complex inputs follow the conjugate Wirtinger convention:
    for a holomorphic f, dz = g * conj(f'(z)); for out = a * b, da = g * conj(b). A Tensor (a
    differentiable backward under create_graph=True) is conjugated by the differentiable op."""
    if type(x) is ndarray:          # the common case first: one type check on the real path
        return x.conj() if x.dtype.kind == "c" else x
    if isinstance(x, Tensor):
        if x._data.dtype.kind != "c":
            return x
        from .complex import conj
        return conj(x)
    if isinstance(x, complex):
        return x.conjugate()
    dtype = getattr(x, "dtype", None)
    if dtype is not None and dtype.kind == "c":
        return x.conj()
    return x


# ---------------------------------------------------------------------------------------------
# the `out=` argument: one writer for every op
# ---------------------------------------------------------------------------------------------
_RESIZE_WARNING = (
    "An output with one or more elements was resized since it had shape {old}, which does not "
    "match the required output shape {new}. This behavior is deprecated, and in a future "
    "PyTorch release outputs will not be resized unless they have zero elements. You can "
    "explicitly reuse an out tensor t by resizing it, inplace, to zero elements with "
    "t.resize_(0).")


def write_out(result, out, *, same_dtype=False, differentiable=True, composite=False,
              warn_resize=True):
    """Honour `out=`: copy `result` into the Tensor `out` and return `out` itself (PyTorch's rule).
    - out of another shape is resized to result's shape (a UserWarning if it had elements);
    - result is cast to out's dtype when PyTorch allows that cast (no float -> int, no
      complex -> real, nothing -> bool), else RuntimeError; `same_dtype` ops allow no cast;
    - with grad mode on, neither the inputs (seen as `result` requiring grad) nor `out` may
      require grad: out= is not differentiable (ops with no gradient, such as comparisons,
      pass differentiable=False and skip this check; composite ops, which PyTorch builds
      from other ops (inner, tensordot, matrix_norm, floor_divide), refuse only an `out`
      that requires grad: composite=True);
    - creation ops (zeros, arange ...) resize without the warning: warn_resize=False;
    - out's version counter is bumped. `out=None` returns result unchanged."""
    if out is None:
        return result
    from ..autograd import grad_mode
    from .inplace import _can_cast, _OVERLAP_MESSAGE
    if not isinstance(out, Tensor):
        raise TypeError(f"argument 'out' must be Tensor, not {type(out).__name__}")
    if not isinstance(result, Tensor):
        result = _make(xp.asarray(result))
    grad_args = out._requires_grad or (result._requires_grad and not composite)
    if differentiable and grad_mode.enabled and grad_args:
        raise RuntimeError("functions with out=... arguments don't support automatic "
                           "differentiation, but one of the arguments requires grad.")
    src, dst = result.dtype, out.dtype
    if src is not dst and (same_dtype or not _can_cast(src, dst)):
        if same_dtype:
            raise RuntimeError(f"Expected out tensor to have dtype {dst}, but got {src} instead")
        raise RuntimeError(f"result type {src.scalar_name} can't be cast to the desired output type "
                           f"{dst.scalar_name}")
    if out._data.shape != result._data.shape:
        _resize(out, result._data.shape, warn_resize)
    if not out._data.flags.writeable:
        raise RuntimeError(_OVERLAP_MESSAGE)
    out._data[...] = result._data
    out._bump_version()
    return out


def write_outs(results, outs, *, same_dtype=False):
    """`out=` for ops returning several tensors (max(dim), frexp, histogram ...): `outs` is a
    tuple of Tensors, one per result; each is written by `write_out`. Returns the outs, in the
    type of `results` (a named tuple keeps its type)."""
    if outs is None:
        return results
    if not isinstance(outs, (tuple, list)) or len(outs) != len(results):
        raise TypeError(f"out must be a tuple of {len(results)} Tensors, got "
                        f"{type(outs).__name__}")
    written = [write_out(r, o, same_dtype=same_dtype) for r, o in zip(results, outs)]
    return type(results)(*written) if hasattr(results, "_fields") else tuple(written)


def _resize(out, shape, warn):
    """Give `out` the contiguous shape `shape` in place (PyTorch's resize of an out tensor).
    A view keeps sharing its base's memory from its first element on, when the base is
    contiguous and large enough; otherwise we cannot mirror PyTorch's storage and raise."""
    if warn and out._data.size:
        warnings.warn(_RESIZE_WARNING.format(old=list(out._data.shape), new=list(shape)),
                      UserWarning, stacklevel=4)
    numel = math.prod(shape)
    base = out._base
    if base is None:
        out._data = xp.empty(shape, out._data.dtype)
        return
    flat = base._data.reshape(-1) if base._data.flags.c_contiguous else None
    if flat is not None and out._data.size:
        start = (out._data.__array_interface__["data"][0]
                 - base._data.__array_interface__["data"][0]) // base._data.itemsize
    else:
        start = None
    if start is None or start < 0 or start + numel > flat.size:
        raise RuntimeError(f"out= view of shape {list(out._data.shape)} cannot be resized to "
                           f"{list(shape)} inside the memory of its base of shape "
                           f"{list(base._data.shape)}")
    out._data = flat[start:start + numel].reshape(shape)


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


def promote_all(*operands):
    """Check that the tensors among `operands` broadcast, then cast every tensor/number to
    their common PyTorch result dtype (None entries stay None): `promote` for any number of
    operands (clamp's bounds, addcmul's and addcdiv's three)."""
    tensors = [v for v in operands if isinstance(v, Tensor)]
    if len(tensors) > 1:
        check_broadcast(*(t._data.shape for t in tensors))
    target = _backend.result_type(*operands)
    return tuple(None if v is None else cast(v, target) for v in operands)
