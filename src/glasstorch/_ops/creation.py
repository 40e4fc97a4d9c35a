"""Tensor factories: tensor, as_tensor, from_numpy, zeros/ones/empty/full (+ _like), arange,
linspace, logspace, eye, the x.new_* methods, scalar_tensor, tril/triu_indices. Data-type
inference follows PyTorch: Python floats take the default dtype, ints int64, bools bool; NumPy
arrays keep their dtype."""
import math
import numbers
import warnings

from .. import _backend
from .._backend import xp, ndarray, from_numpy_dtype, scalar_name
from .._tensor import Tensor, _make, Size, check_device
from ._util import check_fits


def _resolve_dtype(dtype):
    """Accept glasstorch dtypes and the Python types float/int/bool, as PyTorch does (a
    string, a NumPy dtype or a tensor type is refused)."""
    if dtype is None or isinstance(dtype, _backend.dtype):
        return dtype
    if dtype is float:
        return _backend.float64
    if dtype is int:
        return _backend.int64
    if dtype is bool:
        return _backend.bool_
    kind = type(dtype)
    name = kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__name__}"
    raise TypeError(f"argument 'dtype' must be torch.dtype, not {name}")


def _is_sequence(x):
    """Nested data that tensor() descends into: lists, tuples, ranges, NumPy arrays (not
    strings, not Tensors: a Tensor inside a list is one element)."""
    if isinstance(x, (list, tuple, range)):
        return True
    return isinstance(x, ndarray) and x.ndim > 0


def _leaf_dtype(item):
    """The dtype one element of nested data contributes (PyTorch's infer_scalar_type)."""
    if isinstance(item, (bool, xp.bool_)):
        return _backend.bool_
    if isinstance(item, numbers.Integral) and not isinstance(item, xp.generic):
        return _backend.int64
    if isinstance(item, (xp.generic, ndarray)):            # NumPy scalars keep their dtype
        return from_numpy_dtype(item.dtype)
    if isinstance(item, Tensor):
        if item._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return from_numpy_dtype(item._data.dtype)
    if isinstance(item, numbers.Real):
        return _backend.get_default_dtype()
    if isinstance(item, numbers.Complex):
        return _backend.default_complex()
    if isinstance(item, (str, bytes)):
        raise TypeError(f"new(): invalid data type '{type(item).__name__}'")
    raise RuntimeError(f"Could not infer dtype of {type(item).__name__}")


def _exact_dtype(dtype):
    """A dtype that holds every Python number of `dtype`'s kind exactly: Python floats are
    doubles, so floating data is read in as float64 (complex as complex128) and rounded once
    to the target, never through float32 (tensor([0.1], dtype=float64) is exactly 0.1)."""
    if dtype.kind == 2:
        return _backend.float64
    if dtype.kind == 3:
        return _backend.complex128
    return dtype


def _check_integer_range(arr, target):
    """PyTorch refuses numbers outside an integer dtype's range instead of wrapping them:
    floats (and nan) must lie within [min, max]; integers too, except that an unsigned dtype
    takes negative integers down to -max (as two's complement wraps them: -1 -> 255)."""
    if arr.dtype.kind == "c":
        raise TypeError("'complex' object cannot be interpreted as an integer")
    info = xp.iinfo(target.np)
    low = info.min if arr.dtype.kind == "f" or info.min < 0 else -info.max
    with xp.errstate(invalid="ignore"):
        inside = (arr >= low) & (arr <= info.max)
    if not inside.all():
        raise RuntimeError(f"value cannot be converted to type {target.np.name} without "
                           f"overflow")


def _nested_to_array(data, dtype):
    """NumPy array for a number or nested sequences, with PyTorch's checks and dtype rules:
    every list at one depth must have the same length (ValueError otherwise), and the dtype is
    the promotion of every element's dtype (bool < int64 < default float < complex; NumPy
    scalars and 0-d tensors count with their own dtype)."""
    # the shape is read off the first element at each depth, then every element is checked
    shape = []
    probe = data
    while _is_sequence(probe):
        shape.append(len(probe))
        if not len(probe):
            break
        probe = probe[0]
    if shape and isinstance(probe, str) and probe:   # PyTorch reads it as one more dim
        raise ValueError("too many dimensions 'str'")
    level = [data]
    for depth, n in enumerate(shape):
        items = []
        for seq in level:
            if not _is_sequence(seq):
                raise TypeError(f"not a sequence: expected a sequence of length {n} at dim "
                                f"{depth}, got {type(seq).__name__}")
            if len(seq) != n:
                raise ValueError(f"expected sequence of length {n} at dim {depth} (got "
                                 f"{len(seq)})")
            items.extend(seq)
        level = items
    inferred = None
    big_int = False
    default_float = _backend.get_default_dtype()
    for item in level:
        kind = type(item)
        # the common Python scalars first: this loop runs once per element
        if kind is float:
            d = default_float
        elif kind is int:
            d = _backend.int64
            if not -2 ** 63 <= item < 2 ** 63:
                big_int = True
        elif kind is bool:
            d = _backend.bool_
        elif _is_sequence(item):
            raise TypeError(f"'{kind.__name__}' object cannot be interpreted as an integer: "
                            f"nested data is deeper here than in its first element")
        else:
            d = _leaf_dtype(item)
        if d is not inferred:
            inferred = d if inferred is None else _backend.promote_types(inferred, d)
    inferred = inferred or default_float                      # tensor([]) is float
    target = dtype or inferred
    if big_int and target.kind < 2:
        raise ValueError("Overflow when unpacking long long: an integer does not fit in int64")
    values = [x._data.reshape(()) if isinstance(x, Tensor) else x for x in level]
    if target is inferred and target is not _backend.float16:   # one rounding, straight in
        return xp.array(values, dtype=target.np).reshape(shape)
    arr = xp.array(values, dtype=_exact_dtype(inferred).np).reshape(shape)
    if target.kind == 1 and inferred.kind > 0:
        _check_integer_range(arr, target)
    if target.kind == 2 and inferred.kind == 3:
        raise TypeError("must be real number, not complex")
    return as_dtype(arr, target)


def as_dtype(arr, dtype):
    """arr converted to `dtype` with PyTorch's rounding: a half is made from a float32
    (c10::Half(float)), so wider values are rounded to float32 first, then to half."""
    if arr.dtype == dtype.np:
        return arr
    if dtype.np == xp.float16 and arr.dtype.kind in "fiu" and arr.dtype.itemsize > 4:
        arr = arr.astype(xp.float32)
    return arr.astype(dtype.np)


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
        return _nested_to_array(data, dtype)
    if dtype is not None and arr.dtype != dtype.np:
        return as_dtype(arr, dtype)
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
    """obj as a tensor, sharing memory when dtype and device allow it (copy=True forces a copy)."""
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
        from ._util import write_out
        return write_out(_make(arr), out, warn_resize=False)
    t = _make(arr)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _out_dtype(out):
    """Creation ops given out= and no dtype make out's dtype (arange(5, out=double_tensor))."""
    return None if out is None else _resolve_dtype(out.dtype)


def _np_dtype(dtype, out=None):
    return (_resolve_dtype(dtype) or _out_dtype(out) or _backend.get_default_dtype()).np


def zeros(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False,
          **kwargs):
    """A tensor of zeros: zeros(2, 3), zeros((2, 3)) or zeros(size=(2, 3))."""
    size = _size(size or (kwargs.pop("size", ()),))
    return _finish(xp.zeros(size, _np_dtype(dtype, out)), requires_grad, device, out)


def ones(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False, **kwargs):
    """A tensor of ones: ones(2, 3), ones((2, 3)) or ones(size=(2, 3))."""
    size = _size(size or (kwargs.pop("size", ()),))
    return _finish(xp.ones(size, _np_dtype(dtype, out)), requires_grad, device, out)


def empty(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False,
          pin_memory=False, memory_format=None, **kwargs):
    """An uninitialised tensor (its values are whatever the memory held)."""
    size = _size(size or (kwargs.pop("size", ()),))
    return _finish(xp.empty(size, _np_dtype(dtype, out)), requires_grad, device, out)


def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None,
         requires_grad=False):
    """A tensor of `size` filled with `fill_value`; dtype inferred from the value like PyTorch."""
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    dtype = _resolve_dtype(dtype) or _out_dtype(out) or _backend.scalar_dtype(fill_value)
    fill_value = check_fits(fill_value, dtype.np)
    return _finish(xp.full(_size((size,)), _fill(fill_value, dtype.np), dtype.np),
                   requires_grad, device, out)


def _fill(value, np_dtype):
    """A Python number as PyTorch stores it in a tensor of `np_dtype`: for half, rounded to
    float32 first (see as_dtype); unchanged otherwise (NumPy rounds a double once)."""
    if np_dtype == xp.float16 and isinstance(value, (float, int)) and not isinstance(value, bool):
        return xp.float32(value)
    return value


def _like_dtype(input, dtype):
    return (_resolve_dtype(dtype) or input.dtype).np


def zeros_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
               memory_format=None):
    """A tensor of zeros with input's shape (and dtype unless `dtype` is given)."""
    return _finish(xp.zeros(input._data.shape, _like_dtype(input, dtype)), requires_grad, device)


def ones_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None):
    """A tensor of ones with input's shape (and dtype unless `dtype` is given)."""
    return _finish(xp.ones(input._data.shape, _like_dtype(input, dtype)), requires_grad, device)


def empty_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
               memory_format=None):
    """An uninitialised tensor with input's shape (and dtype unless `dtype` is given)."""
    return _finish(xp.empty(input._data.shape, _like_dtype(input, dtype)), requires_grad, device)


def full_like(input, fill_value, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None):
    """A tensor filled with fill_value, with input's shape (and dtype unless `dtype` is given)."""
    np_dtype = _like_dtype(input, dtype)
    fill_value = check_fits(fill_value, np_dtype)
    return _finish(xp.full(input._data.shape, _fill(fill_value, np_dtype), np_dtype),
                   requires_grad, device)


def _number(x):
    return x.item() if isinstance(x, Tensor) else x


def _check_range(start, end, step):
    """PyTorch's checks on arange/range bounds (NumPy would fail with other errors)."""
    if not (math.isfinite(start) and math.isfinite(end)):
        raise RuntimeError(f"unsupported range: {start} -> {end}")
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError(f"upper bound and larger bound inconsistent with step sign: start="
                           f"{start}, end={end}, step={step}")


def _arange_like_pytorch(start, step, n, np_dtype):
    """Floating arange with PyTorch's CPU kernel's exact values: blocks of one 256-bit vector
    (8 float32 or 4 float64 values) start at base = fma(step, i, start), rounded to the dtype,
    and hold fma(k, step, base); the last values that do not fill two vectors are
    fma(step, i, start) each. (Exact for up to 32768 values, PyTorch's single-thread grain.)"""
    width = 32 // xp.dtype(np_dtype).itemsize
    index = xp.arange(n, dtype=xp.float64)
    lane = index % width
    base = _fma(xp.full(n, float(step)), index - lane, xp.full(n, float(start)))
    base = base.astype(np_dtype).astype(xp.float64)
    out = _fma(lane, xp.full(n, float(step)), base)
    vectorized = (n // (2 * width)) * (2 * width)
    out[vectorized:] = _fma(xp.full(n - vectorized, float(step)), index[vectorized:],
                            xp.full(n - vectorized, float(start)))
    return out.astype(np_dtype)


def arange(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None,
           requires_grad=False):
    """Values start, start+step, … below `end`: int64 if all arguments are ints, else the
    default float dtype. Length is ceil((end - start) / step), computed in double as PyTorch
    does (so arange(1, 1.3, 0.1) has 3 elements)."""
    start, end, step = _number(start), _number(end), _number(step)
    if end is None:
        start, end = 0, start
    _check_range(start, end, step)
    all_int = all(isinstance(v, numbers.Integral) for v in (start, end, step))
    dtype = _resolve_dtype(dtype) or _out_dtype(out) or (
        _backend.int64 if all_int else _backend.get_default_dtype())
    _no_bool("arange", dtype)
    n = max(math.ceil((end - start) / step), 0)
    if dtype.kind < 2:
        # integer output, as PyTorch's kernel: start and step truncated to int64 first, values
        # start + i * step; for int64 the length also comes from the truncated bounds
        start, end, step = int(start), int(end), int(step)
        if dtype == _backend.int64 and not all_int:
            if step == 0:
                raise ValueError("step must be nonzero")
            span = end - start + step - (1 if step > 0 else -1)
            n = max(abs(span) // abs(step) * (1 if (span >= 0) == (step > 0) else -1), 0)
        arr = (start + xp.arange(n, dtype=xp.int64) * step).astype(dtype.np)
    elif dtype.np in (xp.float32, xp.float64):
        arr = _arange_like_pytorch(start, step, n, dtype.np)
    else:
        # values start + i * step in double, then cast (one rounding)
        arr = (start + xp.arange(n, dtype=xp.float64) * step).astype(dtype.np)
    return _finish(arr, requires_grad, device, out)


def _fma(a, b, c):
    """a * b + c rounded once, as the fused multiply-add of PyTorch's compiled kernels, on
    float64 arrays: the product's rounding error is recovered exactly (Veltkamp/Dekker split)
    and the sum's by TwoSum, and both are added back."""
    split = 134217729.0      # 2**27 + 1
    p = a * b
    a_big = a * split
    a_hi = a_big - (a_big - a)
    a_lo = a - a_hi
    b_big = b * split
    b_hi = b_big - (b_big - b)
    b_lo = b - b_hi
    product_error = ((a_hi * b_hi - p) + a_hi * b_lo + a_lo * b_hi) + a_lo * b_lo
    s = p + c
    c_part = s - p
    sum_error = (p - (s - c_part)) + (c - c_part)
    return s + (sum_error + product_error)


def range_(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None,
           requires_grad=False):
    """Deprecated torch.range: like arange but includes `end`; default float dtype."""
    start, end, step = _number(start), _number(end), _number(step)
    if end is None:
        start, end = 0, start
    _check_range(start, end, step)
    n = int(math.floor((end - start) / step)) + 1
    dtype = _resolve_dtype(dtype) or _out_dtype(out) or _backend.get_default_dtype()
    arr = (start + xp.arange(n, dtype=xp.float64) * step).astype(dtype.np)
    return _finish(arr, requires_grad, device, out)


def _check_steps(steps):
    if isinstance(steps, Tensor):
        steps = int(steps.item())
    if not isinstance(steps, numbers.Integral) or isinstance(steps, bool):
        raise TypeError(f"linspace(): argument 'steps' must be int, not {type(steps).__name__}")
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    return int(steps)


def _linspace_double(start, end, steps, dtype):
    """PyTorch's linspace kernel for integer and float64 outputs: an integer dtype truncates
    start and end first; step = (end - start) / (steps - 1) in double; the first half is
    start + i * step, the second end - (steps - 1 - i) * step, each one fused multiply-add,
    then truncated toward zero for an integer dtype (dtype None: the float64 values)."""
    to_int = dtype is not None and dtype.kind < 2
    if to_int:
        start, end = int(start), int(end)
    start, end = float(start), float(end)
    dtype = _backend.float64 if dtype is None else dtype
    if steps == 1:
        return xp.full(1, start).astype(dtype.np)
    step = (end - start) / (steps - 1)
    i = xp.arange(steps, dtype=xp.float64)
    first = i < steps // 2
    arr = xp.where(first, _fma(step, i, start), _fma(-step, steps - 1 - i, end))
    return (xp.trunc(arr) if to_int else arr).astype(dtype.np)


def linspace(start, end, steps, *, out=None, dtype=None, layout=None, device=None,
             requires_grad=False):
    """`steps` evenly spaced values from start to end inclusive (default float dtype).
    Computed like PyTorch's kernel so the last bits agree: step is rounded to the output dtype,
    the first half is start + i * step and the second half end - (steps - 1 - i) * step, each
    with a single rounding (PyTorch uses fused multiply-add; double precision stands in)."""
    start, end = _number(start), _number(end)
    steps = _check_steps(steps)
    dtype = _resolve_dtype(dtype) or _out_dtype(out) or _backend.get_default_dtype()
    _no_bool("linspace", dtype)
    if dtype.kind < 2 or dtype == _backend.float64:
        return _finish(_linspace_double(start, end, steps, dtype), requires_grad, device, out)
    ftype = dtype.np.type
    lo, hi = ftype(start), ftype(end)
    step = float((hi - lo) / ftype(max(steps - 1, 1)))
    i = xp.arange(steps, dtype=xp.float64)
    arr = xp.where(i < steps // 2, float(lo) + i * step, float(hi) - (steps - 1 - i) * step)
    if steps == 1:
        arr[:] = float(lo)
    return _finish(arr.astype(dtype.np), requires_grad, device, out)


def _no_bool(name, dtype):
    if dtype == _backend.bool_:
        raise NotImplementedError(f"\"{name}_cpu\" not implemented for 'Bool'")


def logspace(start, end, steps, base=10.0, *, out=None, dtype=None, layout=None, device=None,
             requires_grad=False):
    """`steps` values base ** linspace(start, end, steps) (default float dtype)."""
    steps = _check_steps(steps)
    dtype = _resolve_dtype(dtype) or _out_dtype(out) or _backend.get_default_dtype()
    _no_bool("logspace", dtype)
    start, end = _number(start), _number(end)
    if dtype.kind < 2 or dtype == _backend.float64:
        # as PyTorch's kernel: an integer dtype truncates start and end first; exponents
        # start + i * step (first half) and end - (steps - 1 - i) * step in double, here with
        # no fused multiply-add; powers in double, truncated toward zero for an integer dtype
        if dtype.kind < 2 and steps > 1:     # (one step is base ** start, untruncated)
            start, end = int(start), int(end)
        step = (end - start) / (steps - 1) if steps > 1 else 0.0
        i = xp.arange(steps, dtype=xp.float64)
        exponents = xp.where(i < max(steps // 2, 1), float(start) + step * i,
                             float(end) - step * (steps - 1 - i))
        arr = xp.power(float(base), exponents)
        arr = xp.trunc(arr) if dtype.kind < 2 else arr
        return _finish(arr.astype(dtype.np), requires_grad, device, out)
    exponents = xp.linspace(start, end, steps, dtype=xp.float64)
    arr = xp.power(float(base), exponents)
    return _finish(arr.astype(dtype.np), requires_grad, device, out)


def eye(n, m=None, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """The (n, m) identity matrix (m defaults to n): ones on the diagonal, zeros elsewhere."""
    if m is None:
        m = n
    if n < 0 or m < 0:
        raise RuntimeError(f"n must be greater or equal to 0, got {min(n, m)}")
    return _finish(xp.eye(n, m, dtype=_np_dtype(dtype, out)), requires_grad, device, out)


# ---------------------------------------------------------------------------------------------
# factories as Tensor methods (x.new_zeros …): dtype and device come from x unless given
# ---------------------------------------------------------------------------------------------
def _new_size(fname, size, kwargs):
    """x.new_zeros(2, 3), x.new_zeros((2, 3)) and x.new_zeros(size=(2, 3)) all mean (2, 3)."""
    if "size" in kwargs:
        size = (kwargs.pop("size"),)
    if kwargs:
        raise TypeError(f"{fname}() got an unexpected keyword argument '{next(iter(kwargs))}'")
    return _size(size)


def new_zeros(self, *size, dtype=None, device=None, requires_grad=False, layout=None,
              pin_memory=False, **kwargs):
    """A tensor of zeros of `size`, with self's dtype (unless `dtype` is given)."""
    size = _new_size("new_zeros", size, kwargs)
    return _finish(xp.zeros(size, _like_dtype(self, dtype)), requires_grad, device)


def new_ones(self, *size, dtype=None, device=None, requires_grad=False, layout=None,
             pin_memory=False, **kwargs):
    """A tensor of ones of `size`, with self's dtype (unless `dtype` is given)."""
    size = _new_size("new_ones", size, kwargs)
    return _finish(xp.ones(size, _like_dtype(self, dtype)), requires_grad, device)


def new_empty(self, *size, dtype=None, device=None, requires_grad=False, layout=None,
              pin_memory=False, **kwargs):
    """An uninitialised tensor of `size`, with self's dtype (unless `dtype` is given)."""
    size = _new_size("new_empty", size, kwargs)
    return _finish(xp.empty(size, _like_dtype(self, dtype)), requires_grad, device)


def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False,
             layout=None, pin_memory=False):
    """A tensor of `size` (a sequence) filled with `fill_value`, with self's dtype."""
    if not isinstance(size, (tuple, list, Size)):
        raise TypeError(f"new_full(): argument 'size' (position 1) must be tuple of ints, not "
                        f"{type(size).__name__}")
    np_dtype = _like_dtype(self, dtype)
    fill_value = check_fits(_number(fill_value), np_dtype)
    return _finish(xp.full(_size((size,)), _fill(fill_value, np_dtype), np_dtype),
                   requires_grad, device)


def new_tensor(self, data, *, dtype=None, device=None, requires_grad=False, layout=None,
               pin_memory=False):
    """A new leaf holding a copy of `data`, with self's dtype (not the one data implies):
    an int64 tensor's new_tensor([1.7]) is tensor([1])."""
    if isinstance(data, Tensor):
        warnings.warn("To copy construct from a tensor, it is recommended to use "
                      "sourceTensor.detach().clone() or sourceTensor.detach().clone()"
                      ".requires_grad_(True), rather than tensor.new_tensor(sourceTensor).",
                      UserWarning, stacklevel=2)
    return tensor(data, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad)


def new(self, *args, device=None):
    """Legacy constructor with self's dtype: x.new() (empty), x.new(2, 3) (uninitialised),
    x.new([1, 2]) (data)."""
    from .._tensor import _legacy_new
    return _legacy_new(Tensor, self.dtype, args, device)


def scalar_tensor(s, *, dtype=None, layout=None, device=None, requires_grad=False,
                  pin_memory=None):
    """A 0-d tensor holding the number `s`, of the default float dtype unless told otherwise
    (scalar_tensor(3) is tensor(3.))."""
    if isinstance(s, Tensor):
        s = s.item()
    if not isinstance(s, numbers.Number):
        raise TypeError(f"scalar_tensor(): argument 's' (position 1) must be Number, not "
                        f"{type(s).__name__}")
    dtype = _resolve_dtype(dtype) or _backend.get_default_dtype()
    s = check_fits(s, dtype.np)
    return _finish(xp.asarray(_fill(s, dtype.np), dtype=dtype.np), requires_grad, device)


# ---------------------------------------------------------------------------------------------
# indices of a triangle: tril_indices, triu_indices
# ---------------------------------------------------------------------------------------------
def _triangle_indices(fname, lower, row, col, offset, dtype, device):
    """2 x N tensor of the (row, col) positions of a row x col matrix's lower (upper) triangle
    with diagonal `offset`, in row-major order."""
    check_device(device)
    for name, n in (("row", row), ("col", col)):
        if n < 0:
            raise RuntimeError(f"{name} must be non-negative, got{n}")
    dtype = _resolve_dtype(dtype) or _backend.int64
    if dtype.kind != 1:
        raise NotImplementedError(f"\"{fname}\" not implemented for '{scalar_name(dtype)}'")
    rows, cols = xp.indices((row, col), sparse=True)
    keep = (cols - rows <= offset) if lower else (cols - rows >= offset)
    r, c = xp.nonzero(keep)          # row-major order, as PyTorch lists them
    return _make(xp.stack([r, c]).astype(dtype.np))


def tril_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    """Indices of the lower triangle (col - row <= offset) of a row x col matrix: (2, N)."""
    return _triangle_indices("tril_indices", True, row, col, offset, dtype, device)


def triu_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    """Indices of the upper triangle (col - row >= offset) of a row x col matrix: (2, N)."""
    return _triangle_indices("triu_indices", False, row, col, offset, dtype, device)
