"""Tensor factories: tensor, as_tensor, from_numpy, zeros/ones/empty/full (+ _like), arange,
linspace, logspace, eye. Data-type inference follows PyTorch: Python floats take the default
dtype, ints int64, bools bool; NumPy arrays keep their dtype."""
import math
import numbers

from .. import _backend
from .._backend import xp, ndarray, from_numpy_dtype
from .._tensor import Tensor, _make, Size, check_device


def _resolve_dtype(dtype):
    """Accept glasstorch dtypes, the Python types float/int/bool, and NumPy dtypes."""
    if dtype is None or isinstance(dtype, _backend.dtype):
        return dtype
    if dtype is float:
        return _backend.float64
    if dtype is int:
        return _backend.int64
    if dtype is bool:
        return _backend.bool_
    if hasattr(dtype, "dtype") and isinstance(dtype.dtype, _backend.dtype):  # FloatTensor
        return dtype.dtype
    try:
        return from_numpy_dtype(xp.dtype(dtype))
    except TypeError:
        raise TypeError(f"dtype must be a glasstorch dtype, got {dtype!r}") from None


def _infer_dtype(data):
    """PyTorch's dtype for nested Python data: bool < int64 < default float < complex."""
    kind = -1
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, Tensor):
            return None  # mixed tensors: let NumPy promote their arrays
        if isinstance(item, (list, tuple)):
            stack.extend(item)
        elif isinstance(item, bool) or isinstance(item, xp.bool_):
            kind = max(kind, 0)
        elif isinstance(item, numbers.Integral):
            kind = max(kind, 1)
        elif isinstance(item, numbers.Real):
            kind = max(kind, 2)
        elif isinstance(item, numbers.Complex):
            kind = max(kind, 3)
        elif isinstance(item, ndarray) or isinstance(item, xp.generic):
            return None
        else:
            raise TypeError(f"Could not infer dtype of {type(item).__name__}")
    return {-1: _backend.get_default_dtype(), 0: _backend.bool_, 1: _backend.int64,
            2: _backend.get_default_dtype(), 3: _backend.default_complex()}[kind]


def _unwrap_nested(data):
    if isinstance(data, Tensor):
        return data._data
    if isinstance(data, (list, tuple)):
        return [_unwrap_nested(d) for d in data]
    return data


def to_array(data, dtype=None, copy=True):
    """NumPy array for `data` (nested lists, numbers, arrays, tensors) with PyTorch's dtype."""
    dtype = _resolve_dtype(dtype)
    if isinstance(data, Tensor):
        arr = data._data
    elif isinstance(data, ndarray):
        arr = data
        if arr.dtype not in _backend._BY_NUMPY:
            from_numpy_dtype(arr.dtype)  # raises PyTorch's TypeError for object/str arrays
    elif isinstance(data, xp.generic):
        arr = xp.asarray(data)
    else:
        if isinstance(data, str):
            raise TypeError(f"new(): invalid data type 'str'")
        inferred = _infer_dtype(data)
        try:
            arr = xp.array(_unwrap_nested(data), dtype=(dtype or inferred).np
                           if (dtype or inferred) is not None else None)
        except ValueError as err:
            raise ValueError(f"expected sequence of equal-length lists: {err}") from None
        if arr.dtype == object:
            raise ValueError("too many dimensions or ragged nested sequence")
        return arr
    if dtype is not None and arr.dtype != dtype.np:
        return arr.astype(dtype.np)
    return arr.copy() if copy else arr


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new leaf tensor holding a copy of `data` (a number, nested lists, array or tensor)."""
    check_device(device)
    t = _make(to_array(data, dtype, copy=True))
    if requires_grad:
        t.requires_grad_(True)
    return t


def as_tensor(data, dtype=None, device=None):
    """Like tensor(), but shares memory with a tensor or NumPy array of the right dtype."""
    check_device(device)
    if isinstance(data, Tensor) and (dtype is None or _resolve_dtype(dtype).np == data._data.dtype):
        return data
    return _make(to_array(data, dtype, copy=False))


def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad=False):
    t = as_tensor(obj, dtype=dtype, device=device)
    if copy:
        t = _make(t._data.copy())
    if requires_grad:
        t.requires_grad_(True)
    return t


def from_numpy(ndarray_):
    """A tensor sharing memory with the NumPy array (writes through either are seen by both)."""
    if not isinstance(ndarray_, ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray_).__name__})")
    from_numpy_dtype(ndarray_.dtype)
    return _make(ndarray_)


def _size(size):
    """Factory sizes come as varargs (2, 3), one tuple/list/Size, or a single int."""
    if len(size) == 1 and isinstance(size[0], (tuple, list, Size)):
        size = size[0]
    out = []
    for s in size:
        if isinstance(s, Tensor):
            s = int(s.item())
        if not isinstance(s, numbers.Integral) or isinstance(s, bool):
            raise TypeError(f"size must be a tuple of ints, but got {type(s).__name__}")
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: "
                               f"{list(size)}")
        out.append(int(s))
    return tuple(out)


def _finish(arr, requires_grad, device, out=None):
    check_device(device)
    if out is not None:
        from .inplace import write_into
        out._data = xp.empty(arr.shape, out._data.dtype) if out.shape != arr.shape else out._data
        return write_into(out, _make(arr))
    t = _make(arr)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _np_dtype(dtype):
    return (_resolve_dtype(dtype) or _backend.get_default_dtype()).np


def zeros(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    return _finish(xp.zeros(_size(size), _np_dtype(dtype)), requires_grad, device, out)


def ones(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    return _finish(xp.ones(_size(size), _np_dtype(dtype)), requires_grad, device, out)


def empty(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False,
          pin_memory=False, memory_format=None):
    return _finish(xp.empty(_size(size), _np_dtype(dtype)), requires_grad, device, out)


def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None,
         requires_grad=False):
    """A tensor of `size` filled with `fill_value`; dtype inferred from the value like PyTorch."""
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    dtype = _resolve_dtype(dtype) or _backend.scalar_dtype(fill_value)
    return _finish(xp.full(_size((size,)), fill_value, dtype.np), requires_grad, device, out)


def _like_dtype(input, dtype):
    return (_resolve_dtype(dtype) or input.dtype).np


def zeros_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
               memory_format=None):
    return _finish(xp.zeros(input._data.shape, _like_dtype(input, dtype)), requires_grad, device)


def ones_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None):
    return _finish(xp.ones(input._data.shape, _like_dtype(input, dtype)), requires_grad, device)


def empty_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
               memory_format=None):
    return _finish(xp.empty(input._data.shape, _like_dtype(input, dtype)), requires_grad, device)


def full_like(input, fill_value, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None):
    return _finish(xp.full(input._data.shape, fill_value, _like_dtype(input, dtype)),
                   requires_grad, device)


def _number(x):
    return x.item() if isinstance(x, Tensor) else x


def arange(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None,
           requires_grad=False):
    """Values start, start+step, … below `end`: int64 if all arguments are ints, else the
    default float dtype. Length is ceil((end - start) / step), as PyTorch computes it."""
    start, end, step = _number(start), _number(end), _number(step)
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) * step < 0 and end != start:
        raise RuntimeError(f"upper bound and larger bound inconsistent with step sign")
    all_int = all(isinstance(v, numbers.Integral) for v in (start, end, step))
    dtype = _resolve_dtype(dtype) or (_backend.int64 if all_int else _backend.get_default_dtype())
    n = max(math.ceil((end - start) / step), 0)
    if all_int and dtype.kind == 1:
        arr = xp.arange(start, start + n * step, step, dtype=dtype.np)[:n]
    else:
        arr = (start + xp.arange(n, dtype=xp.float64) * step).astype(dtype.np)
    return _finish(arr, requires_grad, device, out)


def range_(start=0, end=None, step=1, *, dtype=None, device=None, requires_grad=False):
    """Deprecated torch.range: like arange but includes `end`, default float dtype."""
    start, end, step = _number(start), _number(end), _number(step)
    n = int(math.floor((end - start) / step)) + 1
    dtype = _resolve_dtype(dtype) or _backend.get_default_dtype()
    arr = (start + xp.arange(n, dtype=xp.float64) * step).astype(dtype.np)
    return _finish(arr, requires_grad, device)


def linspace(start, end, steps, *, out=None, dtype=None, layout=None, device=None,
             requires_grad=False):
    """`steps` evenly spaced values from start to end inclusive (default float dtype)."""
    start, end = _number(start), _number(end)
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    dtype = _resolve_dtype(dtype) or _backend.get_default_dtype()
    arr = xp.linspace(start, end, steps, dtype=xp.float64)
    if dtype.kind == 1:
        arr = xp.trunc(arr)
    return _finish(arr.astype(dtype.np), requires_grad, device, out)


def logspace(start, end, steps, base=10.0, *, out=None, dtype=None, layout=None, device=None,
             requires_grad=False):
    dtype = _resolve_dtype(dtype) or _backend.get_default_dtype()
    arr = xp.power(float(base), xp.linspace(_number(start), _number(end), steps))
    return _finish(arr.astype(dtype.np), requires_grad, device, out)


def eye(n, m=None, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    if m is None:
        m = n
    if n < 0 or m < 0:
        raise RuntimeError(f"n must be greater or equal to 0, got {min(n, m)}")
    return _finish(xp.eye(n, m, dtype=_np_dtype(dtype)), requires_grad, device, out)
