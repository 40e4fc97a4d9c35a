"""Reductions over one, several or all dims: sums and means, products, extrema, variance,
norms, log-sum-exp, cumulative scans, logical reductions and order statistics (median, mode,
kthvalue, quantile). `dim` may be an int or a tuple where PyTorch allows it; `keepdim` keeps
reduced dims as size 1; the `axis`/`keepdims` aliases the course notes use are accepted.

Conventions that match PyTorch:
- integer and bool inputs are summed / multiplied in int64; mean, var, std need floats;
- `max(dim)`-style ops return `return_types.max(values, indices)`; their gradient goes to the
  returned index, while `amax`/`amin` and the full `max()` share it evenly among ties;
- reducing over no dims at all (`dim=()`) reduces over every dim.
"""
import math
import builtins
import operator
import warnings

from .. import _backend, return_types
from .._backend import xp, scalar_name
from .._tensor import Tensor, _make
from ..autograd.function import Function, Output
from ._util import (wrap_dims, wrap_dim, float_input, node_name, refuse_complex, conj_if_complex,
                    write_out, write_outs, check_tensor)
from . import _either as either
from ._summation import accumulator, pairwise_sum, pairwise_mean, running_sum, running_product
from ._summation import squared_deviation_sums, MIN_ROW_FOR_BLAS_VARIANCE


# ---------------------------------------------------------------------------------------------
# helpers: arguments, shapes, and the gradient plumbing every reduction shares
# ---------------------------------------------------------------------------------------------
def _keep(keepdim, keepdims):
    return keepdim if keepdims is None else keepdims


def _as_int(name, value, what="dim"):
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(f"{name}(): argument '{what}' must be int, not "
                        f"{type(value).__name__}") from None


def _dims(name, input, dim, axis=None):
    """The reduced axes as a sorted tuple, or None for 'all of them'. Accepts an int or a
    sequence of ints (PyTorch's dim or NumPy's axis); () means all dims, as in PyTorch."""
    if dim is None:
        dim = axis
    if dim is None:
        return None
    ndim = input._data.ndim
    if isinstance(dim, (tuple, list)):
        if len(dim) == 0:
            return None
        dim = [_as_int(name, d) for d in dim]
    else:
        dim = _as_int(name, dim)
    axes = wrap_dims(dim, ndim)
    return axes if ndim else None


def _one_dim(name, input, dim, axis=None):
    """A single reduced axis (wrapped to be non-negative); 0-d inputs accept 0 and -1."""
    if dim is None:
        dim = axis
    if isinstance(dim, (tuple, list)):
        raise TypeError(f"{name}(): argument 'dim' must be int, not {type(dim).__name__}")
    return wrap_dim(_as_int(name, dim), input._data.ndim)


def _count(shape, axes):
    """Number of elements each output element reduces over."""
    if axes is None:
        return math.prod(shape)
    return math.prod(shape[a] for a in axes)


def _reduced_shape(shape, axes, keepdim):
    """The output shape of reducing `shape` over `axes` (None = all)."""
    if keepdim:
        return _kept_shape(shape, axes)
    if axes is None:
        return ()
    return tuple(s for i, s in enumerate(shape) if i not in axes)


def _kept_shape(shape, axes):
    """`shape` with the reduced axes set to 1 (what keepdim=True gives)."""
    if axes is None:
        return (1,) * len(shape)
    return tuple(1 if i in axes else s for i, s in enumerate(shape))


def _unreduce(g, shape, axes, keepdim):
    """Give a reduced gradient size-1 dims where the reduced axes were, so it broadcasts
    against the input again (a reshape, so it stays differentiable for Tensors)."""
    if keepdim or axes is None or not shape:
        return g  # already in kept form, or 0-d (a 0-d value broadcasts everywhere)
    return g.reshape(_kept_shape(shape, axes))


def _expand_back(g, shape, axes, keepdim):
    """Broadcast a reduced gradient back to the input's shape (differentiable for Tensors)."""
    g = _unreduce(g, shape, axes, keepdim)
    if isinstance(g, Tensor):
        return g.expand(shape)
    return _backend.broadcast_to(g, shape)


def _check_nonempty(name, x, axes):
    """Reductions without an identity (max, amin, median …) refuse empty slices like torch."""
    if axes is None:
        if x.size == 0:
            raise RuntimeError(f"{name}(): Expected reduction dim to be specified for "
                               "input.numel() == 0. Specify the reduction dim with the 'dim' "
                               "argument.")
        return
    for a in axes:
        if x.shape[a] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {a} to have non-zero size.")




def _dtype_from_out(dtype, out):
    """sum, prod, cumsum and cumprod given out= and no dtype compute in out's dtype (PyTorch)."""
    return out.dtype if dtype is None and isinstance(out, Tensor) else dtype


def _int_accumulator(input, dtype):
    """PyTorch sums and multiplies bool and integer tensors in int64 unless told a dtype.
    With a dtype the input is cast first (PyTorch's documented order), which keeps autograd."""
    if dtype is not None:
        input = input.to(dtype)
        return input, input._data.dtype  # NumPy would widen small ints again without it
    if input._data.dtype.kind in "biu":
        return input, xp.int64
    return input, None


def _need_float(name, input, message=None):
    if input._data.dtype.kind not in "fc":
        raise RuntimeError(message or f"{name}(): expected input to have floating point or "
                           f"complex dtype but got {scalar_name(input._data.dtype)}")


# ---------------------------------------------------------------------------------------------
# sums and means
# ---------------------------------------------------------------------------------------------
class Sum(Function):
    """out = x summed over `axes`
    grad: dx = g broadcast back over the reduced axes"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x, axes, keepdim, np_dtype):
        ctx.shape, ctx.axes, ctx.keepdim = x.shape, axes, keepdim
        if x.dtype.kind not in "fc":   # integers: exact in NumPy's own sum (int64 by default)
            return xp.sum(x, axis=axes, keepdims=keepdim, dtype=np_dtype)
        return pairwise_sum(x, axes, keepdim)

    @staticmethod
    def backward(ctx, g):
        return _expand_back(g, ctx.shape, ctx.axes, ctx.keepdim)


def sum(input, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None, out=None):
    """Sum over `dim` (int, tuple, or None for all). Shapes: (*) -> reduced dims dropped
    (kept as size 1 with keepdim). Bool/integer inputs give int64."""
    check_tensor("sum", input)
    dtype = _dtype_from_out(dtype, out)
    axes = _dims("sum", input, dim, axis)
    input, acc = _int_accumulator(input, dtype)
    result = Sum.apply(input, axes, _keep(keepdim, keepdims), acc)
    if _dim_overload(dim, axis, keepdim, keepdims):
        node_name(result, "SumBackward1")
    return write_out(result, out)


class Mean(Function):
    """out = x averaged over `axes` (n elements each)
    grad: dx = g / n broadcast back over the reduced axes"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        ctx.shape, ctx.axes, ctx.keepdim = x.shape, axes, keepdim
        ctx.n = _count(x.shape, axes)
        if ctx.n == 0:  # the mean of nothing is nan (NumPy would also warn)
            return xp.full(_reduced_shape(x.shape, axes, keepdim), xp.nan, x.dtype)
        return pairwise_mean(x, axes, keepdim)   # half precision accumulates in float32

    @staticmethod
    def backward(ctx, g):
        # an empty input has an empty gradient: skip the division by n = 0
        return _expand_back(g / builtins.max(ctx.n, 1), ctx.shape, ctx.axes, ctx.keepdim)


def mean(input, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None, out=None):
    """Mean over `dim` (int, tuple, or None for all); floating inputs only (or pass dtype)."""
    check_tensor("mean", input)
    axes = _dims("mean", input, dim, axis)
    if dtype is not None:
        input = input.to(dtype)
    _need_float("mean", input, "mean(): could not infer output dtype. Input dtype must be "
                "either a floating point or complex dtype. Got: " + scalar_name(input._data.dtype))
    result = Mean.apply(input, axes, _keep(keepdim, keepdims))
    if _dim_overload(dim, axis, keepdim, keepdims):
        node_name(result, "MeanBackward1")
    return write_out(result, out)


class NanSum(Function):
    """out = sum of the non-nan elements of x over `axes`
    grad: dx = g where x is not nan, 0 at the nans"""

    differentiable_backward = True
    _node_name = "NansumBackward0"   # PyTorch's spelling

    @staticmethod
    def forward(ctx, x, axes, keepdim, divide):
        ctx.shape, ctx.axes, ctx.keepdim = x.shape, axes, keepdim
        if divide:
            ctx._node_name = "DivBackward0"   # PyTorch's nanmean is nansum / count
        valid = ~xp.isnan(x)
        out = pairwise_sum(xp.where(valid, x, 0).astype(accumulator(x.dtype), copy=False),
                           axes, keepdim)
        ctx.weight = valid.astype(x.dtype)   # nan positions get no gradient
        if divide:  # nanmean: divide by the number of non-nan elements in each slice
            count = valid.sum(axis=axes, keepdims=True)
            with xp.errstate(invalid="ignore", divide="ignore"):   # nansum rounded first
                out = out.astype(x.dtype, copy=False) / count.reshape(out.shape)
                ctx.weight = (ctx.weight / count).astype(x.dtype, copy=False)
        return out.astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        return _unreduce(g, ctx.shape, ctx.axes, ctx.keepdim) * ctx.weight


def nansum(input, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None, out=None):
    """Sum over `dim`, treating nan as zero."""
    check_tensor("nansum", input)
    dtype = _dtype_from_out(dtype, out)
    axes = _dims("nansum", input, dim, axis)
    input, acc = _int_accumulator(input, dtype)
    if input._data.dtype.kind not in "fc":  # integers have no nans
        return write_out(Sum.apply(input, axes, _keep(keepdim, keepdims), acc), out)
    return write_out(NanSum.apply(input, axes, _keep(keepdim, keepdims), False), out)


def nanmean(input, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None, out=None):
    """Mean over `dim` of the non-nan elements (nan where a slice has none)."""
    check_tensor("nanmean", input)
    axes = _dims("nanmean", input, dim, axis)
    if dtype is not None:
        input = input.to(dtype)
    _need_float("nanmean", input)
    return write_out(NanSum.apply(input, axes, _keep(keepdim, keepdims), True), out)


def _dim_overload(dim, axis, keepdim, keepdims):
    """Did the call name dims (or keepdim)? PyTorch's sum/mean/prod with a dim are other
    overloads, printed as SumBackward1 and so on."""
    return dim is not None or axis is not None or keepdim or keepdims


# ---------------------------------------------------------------------------------------------
# products
# ---------------------------------------------------------------------------------------------
class Prod(Function):
    """out = product of x over `axis` (every element when axis is None)
    grad: dx = g * (product of the other elements); = g * out / x when x has no zeros
          (complex x: conjugated products, PyTorch's convention)"""

    @staticmethod
    def forward(ctx, x, axis, keepdim, np_dtype):
        ctx.axis, ctx.keepdim = axis, keepdim
        out = xp.prod(x, axis=axis, keepdims=keepdim, dtype=np_dtype)
        ctx.save_for_backward(x, Output(out))
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = (conj_if_complex(t) for t in ctx.saved_tensors)
        axes = None if ctx.axis is None else (ctx.axis,)
        g = _unreduce(g, x.shape, axes, ctx.keepdim)
        if xp.all(x != 0):
            return g * _unreduce(out, x.shape, axes, ctx.keepdim) / x
        # with zeros, out / x would be 0/0: multiply the other elements explicitly instead
        if ctx.axis is None:
            return g * _product_of_others(x.reshape(-1), 0).reshape(x.shape)
        return g * _product_of_others(x, ctx.axis)


def prod(input, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None, out=None):
    """Product over one `dim` (or all elements). Bool/integer inputs give int64."""
    check_tensor("prod", input)
    dtype = _dtype_from_out(dtype, out)
    if dim is None and axis is None:
        reduced = None
    else:
        reduced = _one_dim("prod", input, dim, axis)
        if input._data.ndim == 0:
            reduced = None
    input, acc = _int_accumulator(input, dtype)
    result = Prod.apply(input, reduced, _keep(keepdim, keepdims), acc)
    if _dim_overload(dim, axis, keepdim, keepdims):
        node_name(result, "ProdBackward1")
    return write_out(result, out)


def _exclusive_cumprod(x, axis):
    """[1, x0, x0*x1, …] along `axis`: the product of the elements strictly before each one."""
    out = xp.ones_like(x)
    n = x.shape[axis]
    dst = [slice(None)] * x.ndim
    src = [slice(None)] * x.ndim
    dst[axis], src[axis] = slice(1, n), slice(0, n - 1)
    out[tuple(dst)] = xp.cumprod(x[tuple(src)], axis=axis)
    return out


def _product_of_others(x, axis):
    """For each element, the product of all other elements along `axis`, without division:
    (exclusive cumprod from the left) * (exclusive cumprod from the right). Zero-safe."""
    return _exclusive_cumprod(x, axis) * xp.flip(_exclusive_cumprod(xp.flip(x, axis), axis),
                                                 axis)


# ---------------------------------------------------------------------------------------------
# extrema: amax/amin (gradient shared among ties), max/min/median/… along a dim (gradient to
# the returned index), argmax/argmin
# ---------------------------------------------------------------------------------------------
class Amax(Function):
    """out = largest (or smallest) x over `axes`
    grad: dx = g / k at the k elements equal to out (ties share it evenly), 0 elsewhere"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x, axes, keepdim, largest):
        ctx.axes, ctx.keepdim = axes, keepdim
        if not largest:
            ctx._node_name = "AminBackward0"
        out = (xp.amax if largest else xp.amin)(x, axis=axes, keepdims=keepdim)
        ctx.save_for_backward(x, Output(out))
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        return _evenly(g, either.raw(x), either.raw(out), ctx.axes, ctx.keepdim)


_AMINMAX = "AminmaxBackward0"


def aminmax(input, *, dim=None, keepdim=False, axis=None, keepdims=None, out=None):
    """(min, max) over one `dim` or all elements, as return_types.aminmax."""
    refuse_complex(input, NotImplementedError, '"aminmax_cpu" not implemented for \'{name}\'')
    check_tensor("aminmax", input)
    if dim is None and axis is None:
        if input._data.size == 0:
            raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as "
                               "the operation has no identity.")
        axes = None
    else:
        axes = (_one_dim("aminmax", input, dim, axis),) if input._data.ndim else None
        if axes and input._data.shape[axes[0]] == 0:
            raise IndexError(f"aminmax(): Expected reduction dim {axes[0]} to have non-zero "
                             "size.")
    keep = _keep(keepdim, keepdims)
    # two nodes here, one (AminmaxBackward0) in PyTorch: both carry its name
    result = return_types.aminmax(node_name(Amax.apply(input, axes, keep, False), _AMINMAX),
                                  node_name(Amax.apply(input, axes, keep, True), _AMINMAX))
    return write_outs(result, out, same_dtype=True)


def _evenly(g, x, value, axes, keepdim):
    """Share the gradient `g` of a reduced `value` evenly among the elements of x equal to it
    (nan counts as equal to nan). The weights are constants, so this stays differentiable."""
    value = _unreduce(value, x.shape, axes, keepdim)
    hit = x == value
    if x.dtype.kind in "fc":
        hit |= xp.isnan(x) & xp.isnan(value)
    weight = hit / hit.sum(axis=axes, keepdims=True)
    return _unreduce(g, x.shape, axes, keepdim) * weight.astype(x.dtype, copy=False)


class TakeAlongDim(Function):
    """out = x at the given index of each slice along `axis` (max/min/median/mode/kthvalue
    with a dim find the index first, then take the values through this op)
    grad: dx = g at the taken index, 0 elsewhere"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x, index, axis, keepdim):
        # `index` has the reduced shape (the axis dropped), as argmax gives it
        ctx.shape, ctx.index, ctx.axis, ctx.keepdim = x.shape, index, axis, keepdim
        if x.ndim == 0:
            return x.copy()
        out = xp.take_along_axis(x, xp.expand_dims(index, axis), axis=axis)
        return out if keepdim else out.squeeze(axis)

    @staticmethod
    def backward(ctx, g):
        shape, axis = ctx.shape, ctx.axis
        if not shape:
            return g
        index = xp.expand_dims(ctx.index, axis)
        positions = xp.arange(shape[axis]).reshape((-1,) + (1,) * (len(shape) - axis - 1))
        onehot = (positions == index).astype(either.raw(g).dtype)
        return _unreduce(g, shape, (axis,), ctx.keepdim) * onehot


def _values_indices(kind, input, index, axis, keepdim, name):
    """The (values, indices) named tuple of a value-selecting reduction, from the index;
    the values' node is named `name` (PyTorch's node for that reduction, e.g. MaxBackward0)."""
    if keepdim and input._data.ndim:
        index_out = xp.expand_dims(index, axis)
    else:
        index_out = index
    values = node_name(TakeAlongDim.apply(input, index, axis, keepdim), name)
    # a copy: writing into the returned indices must not change the values' gradient
    return kind(values, _make(index_out.astype(xp.int64)))


def _arg_extreme(x, axis, largest):
    """Index of the first largest/smallest element along `axis` (nan wins, as in torch)."""
    if x.ndim == 0:
        return xp.zeros((), xp.int64)
    return (xp.argmax if largest else xp.argmin)(x, axis=axis)


def _max_min(name, largest, input, dim, keepdim, other, axis, keepdims, out):
    check_tensor(name, input)
    if isinstance(dim, Tensor):  # max(input, other): the elementwise maximum
        dim, other = None, dim
    if other is not None:
        from . import minmax
        return (minmax.maximum if largest else minmax.minimum)(input, other, out=out)
    if dim is None and axis is None:
        _check_nonempty(name, input._data, None)
        result = Amax.apply(input, None, False, largest)
        return write_out(node_name(result, "MaxBackward1" if largest else "MinBackward1"),
                         out, same_dtype=True)
    a = _one_dim(name, input, dim, axis)
    if input._data.ndim:
        _check_nonempty(name, input._data, (a,))
    kind = return_types.max if largest else return_types.min
    index = _arg_extreme(input._data, a, largest)
    result = _values_indices(kind, input, index, a, _keep(keepdim, keepdims),
                             "MaxBackward0" if largest else "MinBackward0")
    return write_outs(result, out, same_dtype=True)


def max(input, dim=None, keepdim=False, *, other=None, axis=None, keepdims=None, out=None):
    """max(input) -> largest element (0-d); max(input, dim, keepdim=False) ->
    (values, indices) along dim; max(input, other) -> elementwise maximum."""
    if other is not None or isinstance(dim, Tensor):
        refuse_complex(input, RuntimeError, "maximum not implemented for complex tensors.")
    elif dim is not None or axis is not None:
        refuse_complex(input, RuntimeError, "max(): does not support complex input")
    refuse_complex(input, NotImplementedError, '"max_all" not implemented for \'{name}\'')
    return _max_min("max", True, input, dim, keepdim, other, axis, keepdims, out)


def min(input, dim=None, keepdim=False, *, other=None, axis=None, keepdims=None, out=None):
    """min(input) -> smallest element (0-d); min(input, dim, keepdim=False) ->
    (values, indices) along dim; min(input, other) -> elementwise minimum."""
    if other is not None or isinstance(dim, Tensor):
        refuse_complex(input, RuntimeError, "minimum not implemented for complex tensors.")
    elif dim is not None or axis is not None:
        refuse_complex(input, RuntimeError, "min(): does not support complex input")
    refuse_complex(input, NotImplementedError, '"min_all" not implemented for \'{name}\'')
    return _max_min("min", False, input, dim, keepdim, other, axis, keepdims, out)


def _amax_amin(name, largest, input, dim, keepdim, axis, keepdims, out):
    check_tensor(name, input)
    axes = _dims(name, input, dim if axis is None else axis)
    _check_nonempty(name, input._data, axes)
    return write_out(Amax.apply(input, axes, _keep(keepdim, keepdims), largest),
                     out, same_dtype=True)


def amax(input, dim=(), keepdim=False, *, axis=None, keepdims=None, out=None):
    """Largest value over `dim` (int or tuple; all dims by default). Ties share the gradient."""
    refuse_complex(input, NotImplementedError, '"max_values_cpu" not implemented for \'{name}\'')
    return _amax_amin("amax", True, input, dim, keepdim, axis, keepdims, out)


def amin(input, dim=(), keepdim=False, *, axis=None, keepdims=None, out=None):
    """Smallest value over `dim` (int or tuple; all dims by default). Ties share the gradient."""
    refuse_complex(input, NotImplementedError, '"min_values_cpu" not implemented for \'{name}\'')
    return _amax_amin("amin", False, input, dim, keepdim, axis, keepdims, out)


def _argmax_argmin(name, largest, input, dim, keepdim):
    check_tensor(name, input)
    x = input._data
    if x.dtype.kind == "b":
        raise RuntimeError(f"{name}(): does not support bool input")
    if dim is None:
        if x.size == 0:
            raise IndexError(f"{name}(): Expected reduction dim to be specified for "
                             "input.numel() == 0.")
        index = xp.asarray((xp.argmax if largest else xp.argmin)(x), dtype=xp.int64)
        return _make(index.reshape((1,) * x.ndim) if keepdim else index)
    a = _one_dim(name, input, dim)
    if x.ndim:
        _check_nonempty(name, x, (a,))
    index = _arg_extreme(x, a, largest).astype(xp.int64, copy=False)
    if keepdim and x.ndim:
        index = xp.expand_dims(index, a)
    return _make(index)


def argmax(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """Index of the (first) largest element: flat index without dim, else along `dim`."""
    refuse_complex(input, RuntimeError, 'argmax(): does not support complex input')
    return _argmax_argmin("argmax", True, input, dim if axis is None else axis,
                          _keep(keepdim, keepdims))


def argmin(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """Index of the (first) smallest element: flat index without dim, else along `dim`."""
    refuse_complex(input, RuntimeError, 'argmin(): does not support complex input')
    return _argmax_argmin("argmin", False, input, dim if axis is None else axis,
                          _keep(keepdim, keepdims))


# ---------------------------------------------------------------------------------------------
# variance and standard deviation
# ---------------------------------------------------------------------------------------------
class Var(Function):
    """out = sum((x - mean)^2) / (n - correction) over `axes`   (two-pass: mean first)
    grad: dx = g * 2 (x - mean) / (n - correction)"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x, axes, correction, keepdim):
        ctx.axes, ctx.keepdim = axes, keepdim
        ctx.dof = _degrees_of_freedom(x.shape, axes, correction)
        ctx.save_for_backward(x)
        return _variance(x, axes, keepdim, ctx.dof).astype(xp.finfo(x.dtype).dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return _var_backward(g, x, ctx.axes, ctx.keepdim, ctx.dof)


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None,
        keepdims=None, out=None):
    """Variance over `dim` with Bessel's `correction` (1 by default; unbiased=False means 0)."""
    axes, c = _variance_args("var", input, dim, unbiased, correction, axis)
    return write_out(Var.apply(input, axes, c, _keep(keepdim, keepdims)), out)


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None,
             keepdims=None):
    """(var, mean) over `dim`, as two ordinary graph nodes."""
    axes, c = _variance_args("var_mean", input, dim, unbiased, correction, axis)
    keep = _keep(keepdim, keepdims)
    # named as PyTorch's single node for both outputs
    return (node_name(Var.apply(input, axes, c, keep), "VarMeanBackward0"),
            node_name(Mean.apply(input, axes, keep), "VarMeanBackward0"))


class Std(Function):
    """out = sqrt(var(x))
    grad: dx = var's gradient for g / (2 out); 0 where out == 0 (PyTorch's convention)"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x, axes, correction, keepdim):
        ctx.axes, ctx.keepdim = axes, keepdim
        ctx.dof = _degrees_of_freedom(x.shape, axes, correction)
        variance = _variance(x, axes, keepdim, ctx.dof)
        out = xp.sqrt(variance, out=variance).astype(xp.finfo(x.dtype).dtype, copy=False)
        ctx.save_for_backward(x, Output(out))
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        zero = (either.raw(out) == 0).astype(either.raw(out).dtype)
        g = g * (1 - zero) / (2 * (out + zero))   # + zero: no 0/0 where the gradient is 0
        return _var_backward(g, x, ctx.axes, ctx.keepdim, ctx.dof)


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None,
        keepdims=None, out=None):
    """Standard deviation over `dim`: sqrt(var) with the same `correction`/`unbiased` rules."""
    axes, c = _variance_args("std", input, dim, unbiased, correction, axis)
    return write_out(Std.apply(input, axes, c, _keep(keepdim, keepdims)), out)


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None,
             keepdims=None):
    """(std, mean) over `dim`, as two ordinary graph nodes."""
    axes, c = _variance_args("std_mean", input, dim, unbiased, correction, axis)
    keep = _keep(keepdim, keepdims)
    return (node_name(Std.apply(input, axes, c, keep), "StdMeanBackward0"),
            node_name(Mean.apply(input, axes, keep), "StdMeanBackward0"))


def _degrees_of_freedom(shape, axes, correction):
    """n - correction, clamped at 0 like PyTorch (var is then inf or nan, with a warning)."""
    dof = _count(shape, axes) - correction
    if dof <= 0:
        warnings.warn("var(): degrees of freedom is <= 0. Correction should be strictly less "
                      "than the reduction factor (input numel divided by output numel).",
                      UserWarning, stacklevel=5)
    return builtins.max(dof, 0)


_VARIANCE_ACCUMULATOR = {xp.dtype(xp.float16): xp.float64, xp.dtype(xp.float32): xp.float64,
                         xp.dtype(xp.complex64): xp.complex128}


def _variance(x, axes, keepdim, dof):
    """Two passes, each a pairwise sum: the mean, then the squares of the distances from it.
    Stays accurate for values far from zero, where E[x^2] - E[x]^2 cancels every digit.
    Single and half precision are accumulated in double, as PyTorch's CPU Welford does (float32
    sums alone would be a few ulps off). Returns an ndarray in the (real) accumulator dtype;
    the callers round it to x's real dtype (finfo(x.dtype).dtype: var of complex is real).
    Float32 reduced over long contiguous rows (all of x, or its trailing dims) takes a faster
    route with the same accuracy: squared_deviation_sums."""
    rows = _float32_rows(x, axes)
    if rows is not None:
        total = squared_deviation_sums(rows)
        if total is not None:
            with xp.errstate(divide="ignore", invalid="ignore"):
                total /= dof
            return total.reshape(_reduced_shape(x.shape, axes, keepdim))
    d = x.astype(_VARIANCE_ACCUMULATOR.get(x.dtype, x.dtype))   # a private copy: work in place
    with xp.errstate(divide="ignore", invalid="ignore"):
        d -= pairwise_mean(d, axes, keepdims=True)
        sq = xp.square(d, out=d) if x.dtype.kind != "c" else (d * d.conj()).real
        out = pairwise_sum(sq, axes, keepdim)
        out /= dof
    return out


def _float32_rows(x, axes):
    """x as a C-contiguous (R, L) matrix whose rows are the slices reduced over `axes`, when x
    is float32 and L is long enough for squared_deviation_sums; None otherwise."""
    if x.dtype != xp.float32 or _count(x.shape, axes) < MIN_ROW_FOR_BLAS_VARIANCE:
        return None
    return _contiguous_rows(x, axes)


def _contiguous_rows(x, axes):
    """x as a C-contiguous (R, L) view whose rows are the slices reduced over `axes` (None:
    all), when they are x's trailing dims or all of it; None otherwise."""
    if x.ndim == 0 or x.size == 0:
        return None
    if (axes is None or len(axes) == x.ndim) and (x.flags.c_contiguous or x.flags.f_contiguous):
        return x.reshape(1, -1, order="C" if x.flags.c_contiguous else "F")
    if x.flags.c_contiguous and tuple(sorted(axes)) == tuple(range(x.ndim - len(axes), x.ndim)):
        return x.reshape(-1, _count(x.shape, axes))
    return None


def _var_backward(g, x, axes, keepdim, dof):
    scale = 2.0 / dof if dof else float("inf")
    mean = x.mean(axis=axes, keepdims=True) if isinstance(x, Tensor) else \
        pairwise_mean(x, axes, keepdims=True)
    with xp.errstate(invalid="ignore"):
        return _unreduce(g, x.shape, axes, keepdim) * (x - mean) * scale


def _variance_args(name, input, dim, unbiased, correction, axis):
    """Sort out PyTorch's overloads: var(unbiased), var(dim, unbiased, keepdim),
    var(dim, correction=c). Returns (axes, correction)."""
    check_tensor(name, input)
    if isinstance(dim, bool):  # var(x, False): the bool is `unbiased`
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise TypeError(f"{name}(): 'unbiased' and 'correction' can't be passed together; "
                        "use correction=0 for unbiased=False and correction=1 for True")
    if correction is None:
        correction = 0 if unbiased is False else 1
    axes = _dims(name, input, dim, axis)
    _need_float(name, input, "std and var only support floating point and complex dtypes")
    return axes, correction


# ---------------------------------------------------------------------------------------------
# norms and log-sum-exp
# ---------------------------------------------------------------------------------------------
class LogSumExp(Function):
    """out = m + log(sum exp(x - m)) over `axes`, m = max x   (the shift avoids overflow)
    grad: dx = g * exp(x - out)   (= g * softmax(x); conjugated for complex x)"""

    differentiable_backward = True
    _node_name = "LogsumexpBackward0"   # PyTorch's spelling

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        ctx.axes, ctx.keepdim = axes, keepdim
        rows = _contiguous_rows(x, axes) if x.dtype in _EXP_BY_BLOCKS else None
        if rows is not None:
            out = _log_sum_exp_unshifted(rows)
            if out is not None:
                out = out.reshape(_reduced_shape(x.shape, axes, keepdim))
                ctx.save_for_backward(x, Output(out))
                return out
        if x.size:
            m = xp.amax(x if rows is None else rows, axis=axes if rows is None else 1,
                        keepdims=True)
            m = xp.where(xp.isfinite(m), m, 0)  # all -inf (or inf) slices: don't shift by inf
        else:
            m = xp.zeros(_kept_shape(x.shape, axes), x.dtype)
        with xp.errstate(divide="ignore"):  # log(0) = -inf for empty or all -inf slices
            # each step rounds to x's dtype as PyTorch's composite does (half: the sum alone
            # accumulates in float32)
            if rows is not None:
                out = xp.log(_sum_exp_of_rows(rows, m)) + m
                out = out.reshape(_kept_shape(x.shape, axes))
            else:
                shifted = xp.asarray(x - m)
                total = pairwise_sum(xp.exp(shifted, out=shifted), axes, keepdims=True)
                out = xp.log(total) + m
        if not keepdim:
            out = out.reshape(_reduced_shape(x.shape, axes, False))
        ctx.save_for_backward(x, Output(out))
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        shape, axes, keepdim = x.shape, ctx.axes, ctx.keepdim
        shifted = x - _unreduce(out, shape, axes, keepdim)
        softmax = either.exp(shifted)
        return _unreduce(g, shape, axes, keepdim) * conj_if_complex(softmax)


_EXP_BY_BLOCKS = (xp.dtype(xp.float32), xp.dtype(xp.float64))
_BLOCK_ELEMENTS = 1 << 15


def _log_sum_exp_unshifted(rows):
    """log(sum(exp(row))) of every row of a C-contiguous (R, L) matrix as (R, 1), without
    the shift by the row's max (which costs a pass for the max and one for the subtraction):
    exact for any row whose sum neither overflows (then it is inf) nor is so small that the
    terms that underflowed could matter (below L * 2^26 * the smallest normal number: what
    flushed to 0 is then under 2^-26 of the sum). None when some row is not like that (or has
    NaN): the caller shifts."""
    total = _sum_exp_of_rows(rows, None)
    smallest = rows.shape[1] * float(xp.finfo(rows.dtype).tiny) * 2.0 ** 26
    if not ((total >= smallest) & (total < xp.inf)).all():
        return None
    return xp.log(total)


def _sum_exp_of_rows(rows, shift):
    """sum(exp(rows - shift)) of every row of a C-contiguous (R, L) matrix, shift (R, 1) or
    None (no shift), as (R, 1): block by block through a cache-sized buffer (shift, exp in
    place, NumPy's pairwise row sums), with no full-size temporaries. Rows longer than a block
    are summed block by block and the blocks' sums added pairwise."""
    n_rows, length = rows.shape
    if length >= _BLOCK_ELEMENTS:
        buffer = xp.empty(_BLOCK_ELEMENTS, rows.dtype)
        starts = range(0, length, _BLOCK_ELEMENTS)
        parts = xp.empty((n_rows, len(starts)), rows.dtype)
        for r in range(n_rows):
            for j, start in enumerate(starts):
                chunk = rows[r, start:start + _BLOCK_ELEMENTS]
                block = buffer[:chunk.size]
                if shift is None:
                    xp.exp(chunk, out=block)
                else:
                    xp.exp(xp.subtract(chunk, shift[r], out=block), out=block)
                parts[r, j] = xp.add.reduce(block)
        return pairwise_sum(parts, (1,), keepdims=True)
    step = _BLOCK_ELEMENTS // length
    buffer = xp.empty((step, length), rows.dtype)
    sums = xp.empty((n_rows, 1), rows.dtype)
    for start in range(0, n_rows, step):
        block = buffer[:builtins.min(step, n_rows - start)]
        if shift is None:
            xp.exp(rows[start:start + step], out=block)
        else:
            xp.exp(xp.subtract(rows[start:start + step], shift[start:start + step], out=block),
                   out=block)
        sums[start:start + step, 0] = xp.add.reduce(block, axis=1)
    return sums


def logsumexp(input, dim=None, keepdim=False, *, axis=None, keepdims=None, out=None):
    """log(sum(exp(input))) over `dim` (int or tuple), computed stably. Integer inputs give
    the default float dtype."""
    check_tensor("logsumexp", input)
    if dim is None and axis is None:
        raise TypeError('logsumexp() missing 1 required positional arguments: "dim"')
    axes = _dims("logsumexp", input, dim, axis)
    return write_out(LogSumExp.apply(float_input(input), axes, _keep(keepdim, keepdims)), out)


# ---------------------------------------------------------------------------------------------
# cumulative scans
# ---------------------------------------------------------------------------------------------
def _reverse_cumsum(g, axis):
    """Sum of g over positions >= each one along `axis` (in PyTorch's accumulator type)."""
    return xp.flip(running_sum(xp.flip(g, axis), axis), axis)


class Cumsum(Function):
    """out_i = x_0 + … + x_i along `axis`
    grad: dx_i = g_i + … + g_last   (a reversed cumsum)"""

    @staticmethod
    def forward(ctx, x, axis, np_dtype):
        ctx.axis = axis
        if x.ndim == 0:
            return x.astype(np_dtype or x.dtype)
        if x.dtype.kind not in "fc":   # integers and bools: int64 unless told a dtype
            return xp.cumsum(x, axis=axis, dtype=np_dtype)
        return running_sum(x, axis)   # float32 accumulates in float64, half in float32

    @staticmethod
    def backward(ctx, g):
        return g if g.ndim == 0 else _reverse_cumsum(g, ctx.axis)


def cumsum(input, dim=None, *, dtype=None, axis=None, out=None):
    """Running sum along `dim`; same shape as input. Bool/integer inputs give int64."""
    input, a, acc = _scan_args("cumsum", input, dim, axis, _dtype_from_out(dtype, out))
    return write_out(Cumsum.apply(input, a, acc), out)


class Cumprod(Function):
    """out_i = x_0 * … * x_i along `axis`
    grad: dx_k = sum_{j>=k} g_j * out_j / x_k, computed without dividing by zeros
          (complex x: out and x conjugated)"""

    @staticmethod
    def forward(ctx, x, axis, np_dtype):
        ctx.axis = axis
        if x.ndim == 0:
            out = x.astype(np_dtype or x.dtype)
        elif x.dtype.kind not in "fc":   # integers and bools: int64 unless told a dtype
            out = xp.cumprod(x, axis=axis, dtype=np_dtype)
        else:
            out = running_product(x, axis)   # float32 accumulates in float64, half in float32
        ctx.save_for_backward(x, Output(out))
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = (conj_if_complex(t) for t in ctx.saved_tensors)
        a = ctx.axis
        if x.ndim == 0:
            return g
        if xp.all(x != 0):
            return _reverse_cumsum(g * out, a) / x
        # With zeros: before the first zero z the division is safe (later terms are 0 anyway);
        # at z the gradient is sum_{j>=z} g_j * (cumprod with x_z replaced by 1)_j; after z
        # every product still contains x_z = 0, so the gradient is 0.
        zeros_so_far = xp.cumsum(x == 0, axis=a)
        before = zeros_so_far == 0
        first = (x == 0) & (zeros_so_far == 1)
        with xp.errstate(divide="ignore", invalid="ignore"):
            dx = xp.where(before, _reverse_cumsum(g * out, a) / xp.where(before, x, 1), 0)
        at_first = _reverse_cumsum(g * running_product(xp.where(first, 1, x), a), a)
        return xp.where(first, at_first, dx).astype(x.dtype, copy=False)


def cumprod(input, dim=None, *, dtype=None, axis=None, out=None):
    """Running product along `dim`; same shape as input. Bool/integer inputs give int64."""
    input, a, acc = _scan_args("cumprod", input, dim, axis, _dtype_from_out(dtype, out))
    return write_out(Cumprod.apply(input, a, acc), out)


def _scan_args(name, input, dim, axis, dtype):
    check_tensor(name, input)
    if dim is None and axis is None:
        raise TypeError(f'{name}() missing 1 required positional arguments: "dim"')
    a = _one_dim(name, input, dim, axis)
    input, acc = _int_accumulator(input, dtype)
    return input, a, acc


class Cummax(Function):
    """values_i = max(x_0 … x_i) along `axis`, indices_i = where it was (latest among ties)
    grad: dx_k = sum of g_i over the outputs i whose index is k"""

    @staticmethod
    def forward(ctx, x, axis, largest):
        ctx.shape, ctx.axis = x.shape, axis
        if x.ndim == 0:
            index = xp.zeros((), xp.int64)
            values = x.copy()
        else:
            values = (xp.maximum if largest else xp.minimum).accumulate(x, axis=axis)
            # torch moves the index on ties (>=) and at every nan (nan then sticks)
            moved = x == values
            if x.dtype.kind in "fc":
                moved |= xp.isnan(x)
            positions = xp.arange(x.shape[axis]).reshape(
                (-1,) + (1,) * (x.ndim - axis - 1))
            index = xp.maximum.accumulate(xp.where(moved, positions, 0), axis=axis)
        ctx.save_for_backward(Output(index, 1))     # writing into the indices must raise
        ctx.mark_non_differentiable(index)
        return values, index

    @staticmethod
    def backward(ctx, g, g_index):
        shape, axis = ctx.shape, ctx.axis
        (index,) = ctx.saved_tensors
        if not shape:
            return g
        # scatter-add g into x's flat positions: same element, with its position along
        # `axis` replaced by the index
        stride = int(xp.prod(shape[axis + 1:], dtype=xp.int64))
        positions = xp.arange(shape[axis]).reshape((-1,) + (1,) * (len(shape) - axis - 1))
        flat = xp.arange(g.size).reshape(shape) + (index - positions) * stride
        return _backend.scatter_add(xp.zeros(g.size, g.dtype), flat.ravel(),
                                    g.ravel()).reshape(shape)


def _cummax_cummin(name, largest, input, dim, axis):
    check_tensor(name, input)
    if dim is None and axis is None:
        raise TypeError(f'{name}() missing 1 required positional arguments: "dim"')
    a = _one_dim(name, input, dim, axis)
    values, index = Cummax.apply(input, a, largest)
    if not largest:
        node_name(values, "CumminBackward0")
    kind = return_types.cummax if largest else return_types.cummin
    return kind(values, index)


def cummax(input, dim=None, *, axis=None, out=None):
    """(values, indices): running maximum along `dim` and where each came from."""
    refuse_complex(input, NotImplementedError, '"cummax_cpu" not implemented for \'{name}\'')
    return write_outs(_cummax_cummin("cummax", True, input, dim, axis), out, same_dtype=True)


def cummin(input, dim=None, *, axis=None, out=None):
    """(values, indices): running minimum along `dim` and where each came from."""
    refuse_complex(input, NotImplementedError, '"cummin_cpu" not implemented for \'{name}\'')
    return write_outs(_cummax_cummin("cummin", False, input, dim, axis), out, same_dtype=True)


# ---------------------------------------------------------------------------------------------
# logical reductions and counting (no gradients)
# ---------------------------------------------------------------------------------------------
def _logical(name, reducer, input, dim, keepdim, axis, keepdims, out):
    check_tensor(name, input)
    axes = _dims(name, input, dim, axis)
    x = input._data
    result = reducer(x, axis=axes, keepdims=_keep(keepdim, keepdims))
    # uint8 input gives a uint8 result in PyTorch (kept for backward compatibility)
    result = xp.asarray(result, dtype=xp.uint8 if x.dtype == xp.uint8 else xp.bool_)
    return write_out(_make(result), out, same_dtype=True, differentiable=False)


def all(input, dim=None, keepdim=False, *, axis=None, keepdims=None, out=None):
    """True where every element over `dim` is nonzero (bool; uint8 for uint8 input)."""
    return _logical("all", xp.all, input, dim, keepdim, axis, keepdims, out)


def any(input, dim=None, keepdim=False, *, axis=None, keepdims=None, out=None):
    """True where some element over `dim` is nonzero (bool; uint8 for uint8 input)."""
    return _logical("any", xp.any, input, dim, keepdim, axis, keepdims, out)


def count_nonzero(input, dim=None, *, axis=None):
    """Number of nonzero elements over `dim` (int or tuple; all by default), as int64."""
    check_tensor("count_nonzero", input)
    axes = _dims("count_nonzero", input, dim, axis)
    return _make(xp.asarray(xp.count_nonzero(input._data, axis=axes), dtype=xp.int64))


# ---------------------------------------------------------------------------------------------
# order statistics: median, mode, kthvalue, quantile
# ---------------------------------------------------------------------------------------------
class MedianAll(Function):
    """out = the lower median of all elements (nan if any is nan)
    grad: dx = g / k at the k elements equal to out (like the full max)"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x, ignore_nan):
        flat = x.reshape(-1)
        if x.dtype.kind in "fc":
            nans = xp.isnan(flat)
            if ignore_nan:
                flat = flat[~nans]
            elif nans.any():
                flat = flat[:0]  # a nan anywhere makes the median nan
        if flat.size:
            k = (flat.size - 1) // 2  # the lower of the two middle values, as PyTorch
            out = xp.asarray(xp.partition(flat, k)[k])
        else:
            out = xp.asarray(xp.nan, x.dtype)
        ctx.save_for_backward(x, Output(out))
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        return _evenly(g, either.raw(x), either.raw(out), None, False)


def _sorted_order(x, axis):
    """Stable argsort along `axis`: nans last, ties in their original order."""
    return xp.argsort(x, axis=axis, kind="stable")


def _pick_sorted(order, position, axis):
    """The original index of the element at sorted `position` (an array over the other
    dims, or an int) along `axis`."""
    position = xp.broadcast_to(xp.asarray(position), _reduced_shape(order.shape, (axis,),
                                                                    False))
    return xp.take_along_axis(order, xp.expand_dims(position, axis), axis=axis).squeeze(axis)


def _median_index(x, axis, ignore_nan):
    """Index of the lower median along `axis`: a nan anywhere in a slice is the answer for
    median (its first nan); nanmedian takes the median of the other elements."""
    if x.ndim == 0:
        return xp.zeros((), xp.int64)
    n = x.shape[axis]
    order = _sorted_order(x, axis)
    if x.dtype.kind not in "fc":
        return _pick_sorted(order, (n - 1) // 2, axis)
    nan_count = xp.isnan(x).sum(axis=axis)
    if ignore_nan:
        position = xp.maximum((n - nan_count - 1) // 2, 0)
    else:
        position = xp.where(nan_count > 0, n - nan_count, (n - 1) // 2)
    return _pick_sorted(order, position, axis)


def _median(name, ignore_nan, input, dim, keepdim, axis, keepdims):
    check_tensor(name, input)
    node = "NanmedianBackward" if ignore_nan else "MedianBackward"
    if dim is None and axis is None:
        return node_name(MedianAll.apply(input, ignore_nan), node + "0")
    a = _one_dim(name, input, dim, axis)
    if input._data.ndim:
        _check_nonempty(name, input._data, (a,))
    kind = getattr(return_types, name, return_types.median)
    index = _median_index(input._data, a, ignore_nan)
    return _values_indices(kind, input, index, a, _keep(keepdim, keepdims), node + "1")


def median(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """median(input) -> lower median of all elements (0-d); median(input, dim) ->
    (values, indices) along dim. A nan in a slice makes its median nan."""
    refuse_complex(input, NotImplementedError, '"median_cpu" not implemented for \'{name}\'')
    return _median("median", False, input, dim, keepdim, axis, keepdims)


def nanmedian(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """Like median, ignoring nans (nan only where a slice is all nan)."""
    refuse_complex(input, NotImplementedError, '"median_cpu" not implemented for \'{name}\'')
    return _median("nanmedian", True, input, dim, keepdim, axis, keepdims)


def _mode_index(x, axis):
    """Index of the most frequent value along `axis` (the smallest such value; its last
    occurrence, as PyTorch). Sort each slice, measure the runs of equal values, pick the
    first longest run."""
    if x.ndim == 0:
        return xp.zeros((), xp.int64)
    n = x.shape[axis]
    rows = xp.moveaxis(x, axis, -1).reshape(-1, n)
    order = _sorted_order(rows, 1)
    srt = xp.take_along_axis(rows, order, axis=1)
    starts = xp.ones(srt.shape, bool)
    starts[:, 1:] = srt[:, 1:] != srt[:, :-1]
    run_id = xp.cumsum(starts.ravel()) - 1   # column 0 always starts a run: rows stay apart
    run_length = xp.bincount(run_id)[run_id].reshape(srt.shape) if run_id.size else \
        xp.zeros(srt.shape, xp.int64)
    first = xp.argmax(run_length, axis=1)    # first position of the first longest run
    last = first + run_length[xp.arange(len(rows)), first] - 1 if len(rows) else first
    index = order[xp.arange(len(rows)), last] if len(rows) else first
    return index.reshape(_reduced_shape(x.shape, (axis,), False))


def mode(input, dim=-1, keepdim=False, *, axis=None, keepdims=None, out=None):
    """(values, indices): the most frequent value along `dim` (the smallest on ties)."""
    check_tensor("mode", input)
    a = _one_dim("mode", input, dim if axis is None else axis)
    if input._data.ndim:
        _check_nonempty("mode", input._data, (a,))
    index = _mode_index(input._data, a)
    result = _values_indices(return_types.mode, input, index, a, _keep(keepdim, keepdims),
                             "ModeBackward0")
    return write_outs(result, out, same_dtype=True)


def kthvalue(input, k, dim=-1, keepdim=False, *, axis=None, keepdims=None, out=None):
    """(values, indices): the k-th smallest element (k counts from 1) along `dim`."""
    refuse_complex(input, NotImplementedError, '"kthvalue_cpu" not implemented for \'{name}\'')
    check_tensor("kthvalue", input)
    k = _as_int("kthvalue", k, "k")
    d = dim if axis is None else axis
    a = _one_dim("kthvalue", input, d)
    x = input._data
    n = x.shape[a] if x.ndim else 1
    if not 1 <= k <= n:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d}")
    index = _pick_sorted(_sorted_order(x, a), k - 1, a) if x.ndim else xp.zeros((), xp.int64)
    result = _values_indices(return_types.kthvalue, input, index, a, _keep(keepdim, keepdims),
                             "KthvalueBackward0")
    return write_outs(result, out, same_dtype=True)


_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


class Quantile(Function):
    """out = sorted[lo] + w * (sorted[hi] - sorted[lo]) at rank q * (n - 1) along `axis`
    (all elements when axis is None); output dims: (q, *reduced shape)
    grad: dx = g * (1 - w) at the element ranked lo, g * w at the one ranked hi;
          dq = sum g * (sorted[hi] - sorted[lo]) * (n - 1)  (linear only: w = rank - lo)"""

    _node_name = "SqueezeBackward4"   # PyTorch's quantile ends with an in-place squeeze_

    @staticmethod
    def forward(ctx, x, q, axis, keepdim, interpolation, ignore_nan, q_grad=False):
        ctx.shape, ctx.axis, ctx.keepdim, ctx.q_shape = x.shape, axis, keepdim, q.shape
        moved = x.reshape(-1) if axis is None else xp.moveaxis(x, axis, -1)
        ctx.order = _sorted_order(moved, -1)
        srt = xp.take_along_axis(moved, ctx.order, axis=-1)   # (..., n), nans last
        n = srt.shape[-1]
        q = q.reshape(-1)                                      # (Q,)
        if ignore_nan:
            count = (n - xp.isnan(srt).sum(axis=-1, keepdims=True)).astype(x.dtype)
        else:
            count = xp.asarray(n, x.dtype)
        rank = q * (count - 1)          # in x's dtype, as PyTorch computes it
        if ignore_nan:
            rank = xp.maximum(rank, 0)  # all-nan slices: any rank, the value is nan anyway
        else:                           # a nan in the slice: PyTorch ranks it (sorted last),
            rank = xp.where(xp.isnan(srt[..., -1:]), rank.dtype.type(n - 1), rank)  # grad too
        lo, hi = xp.floor(rank), xp.ceil(rank)
        w = rank - lo                   # linear: the fractional part of the rank
        if interpolation == "midpoint":
            w = xp.full_like(rank, 0.5)
        elif interpolation != "linear":  # a single element: no interpolation weight
            if interpolation == "lower":
                hi = lo
            elif interpolation == "higher":
                lo = hi
            else:
                lo = hi = xp.round(rank)  # nearest: round half to even, like torch.round
            w = xp.zeros_like(rank)
        lo = xp.broadcast_to(lo, srt.shape[:-1] + q.shape).astype(xp.int64)
        hi = xp.broadcast_to(hi, srt.shape[:-1] + q.shape).astype(xp.int64)
        w = xp.broadcast_to(w, lo.shape)
        below = xp.take_along_axis(srt, lo, axis=-1)
        above = xp.take_along_axis(srt, hi, axis=-1)
        # torch.lerp's two-sided formula (exact at both ends)
        out = xp.where(w < 0.5, below + w * (above - below), above - (above - below) * (1 - w))
        if not ignore_nan:
            out = xp.where(xp.isnan(srt[..., -1:]), xp.nan, out)  # a nan anywhere -> nan
        ctx.lo, ctx.hi, ctx.w = lo, hi, w
        if q_grad:
            # d out / d q through the weight; PyTorch's rank is constant where it is rounded
            # (lower, higher, nearest), replaced (a nan in quantile's slice, nanquantile's
            # all-nan slice) or the weight is fixed (midpoint)
            slope = (above - below) * (count - 1) if interpolation == "linear" else 0 * w
            if not ignore_nan:
                slope = xp.where(xp.isnan(srt[..., -1:]), 0, slope)
            else:
                slope = xp.where(q * (count - 1) < 0, 0, slope)
            ctx.q_slope = slope
        out = xp.moveaxis(out, -1, 0)                           # (Q, ...)
        axes = None if axis is None else (axis,)
        out = out.reshape((len(q),) + _reduced_shape(x.shape, axes, keepdim))
        return out.reshape(out.shape[1:]) if not ctx.q_shape else out

    @staticmethod
    def backward(ctx, g):
        shape, axis = ctx.shape, ctx.axis
        moved_shape = ctx.order.shape
        g = g.reshape((-1,) + moved_shape[:-1])                 # (Q, ...) without keepdim 1s
        g = xp.moveaxis(g, 0, -1)                               # (..., Q)
        gq = None
        if ctx.needs_input_grad[1]:
            gq = (g * ctx.q_slope).reshape(-1, g.shape[-1]).sum(0).reshape(ctx.q_shape)
        if not ctx.needs_input_grad[0]:
            return None, gq
        grad_sorted = xp.zeros(moved_shape, g.dtype)
        _scatter_last(grad_sorted, ctx.lo, g * (1 - ctx.w))
        _scatter_last(grad_sorted, ctx.hi, g * ctx.w)
        grad_moved = xp.empty_like(grad_sorted)
        xp.put_along_axis(grad_moved, ctx.order, grad_sorted, axis=-1)  # undo the sort
        if axis is None:
            return grad_moved.reshape(shape), gq
        return xp.moveaxis(grad_moved, -1, axis), gq


def _scatter_last(out, index, values):
    """out[..., index[..., j]] += values[..., j] along the last axis (repeats accumulate)."""
    n = out.shape[-1]
    rows = xp.arange(index.size // builtins.max(index.shape[-1], 1)).reshape(
        index.shape[:-1] + (1,))
    flat = out.reshape(-1)
    _backend.scatter_add(flat, (rows * n + index).ravel(), values.ravel())


def _quantile(name, ignore_nan, input, q, dim, keepdim, interpolation, axis, keepdims):
    check_tensor(name, input)
    x = input._data
    if x.dtype not in (xp.float32, xp.float64):
        raise RuntimeError(f"{name}() input tensor must be either float or double dtype")
    if isinstance(q, Tensor):
        if q._data.dtype != x.dtype:
            raise RuntimeError(f"{name}() q tensor must be same dtype as the input tensor")
        if q._data.ndim > 1:
            raise RuntimeError(f"{name}() q must be a scalar or 1D tensor")
        q_array = q._data
    else:
        q_array = xp.asarray(q, dtype=x.dtype)
    if x.size == 0:
        raise RuntimeError(f"{name}() input tensor must be non-empty")
    if interpolation not in _INTERPOLATIONS:
        raise RuntimeError(f"{name}() interpolation must be one of linear, lower, higher, "
                           f"midpoint or nearest, but got {interpolation}")
    if not xp.all((q_array >= 0) & (q_array <= 1)):
        if isinstance(q, Tensor):
            raise RuntimeError(f"{name}() q values must be in the range [0, 1]")
        raise RuntimeError(f"{name}() q must be in the range [0, 1] but got {q}")
    if dim is None:
        dim = axis
    a = None if dim is None or x.ndim == 0 else _one_dim(name, input, dim)
    if dim is not None and x.ndim == 0:
        wrap_dim(_as_int(name, dim), 0)  # still reject an out-of-range dim
    return Quantile.apply(input, q if isinstance(q, Tensor) else q_array, a,
                          _keep(keepdim, keepdims), interpolation, ignore_nan,
                          isinstance(q, Tensor) and q.requires_grad)


def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear", axis=None,
             keepdims=None, out=None):
    """The q-th quantiles along `dim` (of all elements by default), interpolating between
    the two nearest ranks. q: a float or a 1-D tensor (which adds a leading dim of len(q))."""
    return write_out(_quantile("quantile", False, input, q, dim, keepdim, interpolation, axis,
                          keepdims), out)


def nanquantile(input, q, dim=None, keepdim=False, *, interpolation="linear", axis=None,
                keepdims=None, out=None):
    """Like quantile, ignoring nans (nan only where a slice is all nan)."""
    return write_out(_quantile("nanquantile", True, input, q, dim, keepdim, interpolation, axis,
                          keepdims), out)


# ---------------------------------------------------------------------------------------------
# differences
# ---------------------------------------------------------------------------------------------
class Diff(Function):
    """out_i = x_{i+1} - x_i along `axis` (bool: x_{i+1} xor x_i)
    grad: dx_i = g_{i-1} - g_i   (g taken as 0 outside its range)"""

    _node_name = "SubBackward0"   # PyTorch subtracts two narrowed views

    @staticmethod
    def forward(ctx, x, axis):
        ctx.shape, ctx.axis = x.shape, axis
        return xp.diff(x, axis=axis)   # NumPy's diff of bools is their xor, like torch

    @staticmethod
    def backward(ctx, g):
        n = ctx.shape[ctx.axis]
        later = [slice(None)] * len(ctx.shape)
        earlier = list(later)
        later[ctx.axis], earlier[ctx.axis] = slice(1, n), slice(0, n - 1)
        dx = xp.zeros(ctx.shape, g.dtype)
        dx[tuple(later)] += g
        dx[tuple(earlier)] -= g
        return dx


def diff(input, n=1, dim=-1, prepend=None, append=None):
    """n-th forward difference along `dim`, after joining `prepend`/`append` (tensors with
    input's number of dims) on that dim. Shape: size along dim shrinks by n (not below 0)."""
    check_tensor("diff", input)
    n = _as_int("diff", n, "n")
    if input._data.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    a = _one_dim("diff", input, dim)
    if prepend is not None or append is not None:
        for name, extra in (("prepend", prepend), ("append", append)):
            if extra is None:
                continue
            check_tensor("diff", extra, name, position=None)
            if extra._data.ndim != input._data.ndim:
                raise RuntimeError("diff expects prepend or append to be the same dimension "
                                   "as input")
        if n == 0:                  # as PyTorch: the 0-th difference is input, unjoined
            return input.clone()
        from .shape import cat
        parts = ([prepend] if prepend is not None else []) + [input] + \
            ([append] if append is not None else [])
        input = cat(parts, a)
    for _ in range(builtins.min(n, input._data.shape[a])):  # n small: one node per order
        input = Diff.apply(input, a)
    return input


# ---------------------------------------------------------------------------------------------
# logcumsumexp
# ---------------------------------------------------------------------------------------------
def _logcumsumexp(x, axis, reverse=False):
    """log(cumsum(exp(x))) along `axis` (from the end if `reverse`), without overflow: one
    logaddexp ufunc scan, run in float64 for float32 and half input (as cumsum: PyTorch's
    scan accumulates in double; a float32 scan drifts by n ulps)."""
    wide = x.astype(xp.float64) if x.dtype in (xp.float32, xp.float16) else x
    if reverse:
        out = xp.flip(xp.logaddexp.accumulate(xp.flip(wide, axis), axis=axis), axis)
    else:
        out = xp.logaddexp.accumulate(wide, axis=axis)
    return out.astype(x.dtype, copy=False)


class LogCumSumExp(Function):
    """out_i = log(exp(x_0) + … + exp(x_i)) along `axis`
    grad: dx_j = sum_{i>=j} g_i exp(x_j - out_i), summed in log space separately for the
          positive and the negative g_i (so neither exp can overflow)"""

    @staticmethod
    def forward(ctx, x, axis):
        out = x.copy() if x.ndim == 0 else _logcumsumexp(x, axis)
        ctx.save_for_backward(x, Output(out))
        ctx.axis = axis
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        if x.ndim == 0:
            return g
        with xp.errstate(divide="ignore"):
            log_g = xp.log(xp.abs(g))
        total = xp.zeros_like(g)
        for sign in (1, -1):
            part = xp.where(sign * g > 0, log_g - out, -xp.inf)
            total = total + sign * xp.exp(x + _logcumsumexp(part, ctx.axis, reverse=True))
        return total.astype(x.dtype, copy=False)


def logcumsumexp(input, dim, *, out=None):
    """log(cumsum(exp(input))) along `dim`, computed stably; float inputs only."""
    check_tensor("logcumsumexp", input)
    if input._data.dtype.kind not in "fc":
        raise NotImplementedError(f"\"logcumsumexp_out_cpu\" not implemented for "
                                  f"'{scalar_name(input._data.dtype)}'")
    a = _one_dim("logcumsumexp", input, dim)
    return write_out(LogCumSumExp.apply(input, a), out, same_dtype=True)


# ---------------------------------------------------------------------------------------------
# distances and norms: dist, renorm
# ---------------------------------------------------------------------------------------------
def dist(input, other, p=2):
    """The p-norm of (input - other), broadcast, over all elements: a 0-d tensor.
    p may be 0 (count of differing elements), inf or -inf."""
    from .. import linalg
    check_tensor("dist", input)
    for t in (input, other):
        if t._data.dtype.kind not in "fc":
            raise RuntimeError(f"norm(): input dtype should be either floating point or "
                               f"complex. Got {scalar_name(t._data.dtype)} instead.")
    return node_name(linalg.vector_norm(input - other, p), "DistBackward0")


def renorm(input, p, dim, maxnorm, *, out=None):
    """Each slice along `dim` whose p-norm exceeds maxnorm is scaled down to norm maxnorm
    (PyTorch's factor maxnorm / (norm + 1e-7)); the others are kept. Shape: as input."""
    from .. import linalg
    from .where import where
    check_tensor("renorm", input)
    ndim = input._data.ndim
    if ndim < 2:
        raise RuntimeError(f"renorm: input needs at least 2 dimensions, got {ndim} dimensions")
    if p <= 0:
        raise RuntimeError("renorm: non-positive-norm not supported")
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm}")
    if input._data.dtype.kind not in "fc":
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor "
                           f"as input. Got {scalar_name(input._data.dtype)}")
    a = wrap_dim(dim, ndim)
    others = tuple(i for i in range(ndim) if i != a)
    norms = linalg.vector_norm(input, p, others, keepdim=True)
    factor = where(norms > maxnorm, maxnorm / (norms + 1e-7), 1.0)
    return write_out(node_name(input * factor, "RenormBackward0"), out, same_dtype=True)


# ---------------------------------------------------------------------------------------------
# histograms (counts are not differentiable; no graph is recorded)
# ---------------------------------------------------------------------------------------------
def _check_bins(bins):
    if bins <= 0:
        raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for "
                           f"dimension 0")


def histc(input, bins=100, min=0, max=0, *, out=None):
    """Counts of input's elements in `bins` equal-width bins over [min, max] (elements outside
    are ignored; the last bin includes max). min = max = 0 means the data's own range.
    Returns input's dtype, shape (bins,)."""
    check_tensor("histc", input)
    x = input._data
    if x.dtype.kind != "f":
        raise NotImplementedError(f"\"histogram_cpu\" not implemented for '{scalar_name(x.dtype)}'")
    bins = _as_int("histc", bins, "bins")
    _check_bins(bins)
    lo, hi = float(min), float(max)
    if lo == hi and x.size:
        lo, hi = float(x.min()), float(x.max())
    if lo == hi:
        lo, hi = lo - 1, hi + 1          # PyTorch widens an empty range by 1 each way
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise RuntimeError(f"torch.histc: range of [{lo:g}, {hi:g}] is not finite")
    if lo > hi:
        raise RuntimeError("torch.histc: max must be larger than min")
    counts, _ = xp.histogram(x, bins=bins, range=(lo, hi))
    return write_out(_make(counts.astype(x.dtype)), out, same_dtype=True, differentiable=False)


def histogram(input, bins, *, range=None, weight=None, density=False, out=None):
    """Histogram of input's (flattened) elements: `bins` equal-width bins over `range` (the
    data's min and max by default), or the bin edges given as a 1-d tensor. `weight` weights
    each element; `density` normalises to a probability density.
    Returns torch.return_types.histogram(hist (nbins,), bin_edges (nbins + 1,))."""
    check_tensor("histogram", input)
    x = input._data.reshape(-1)
    if x.dtype.kind != "f":
        raise NotImplementedError(f"\"histogramdd\" not implemented for '{scalar_name(x.dtype)}'")
    if isinstance(bins, Tensor):
        edges = bins._data
    else:
        bins = _as_int("histogram", bins, "bins")
        _check_bins(bins)
        edges = bins
    w = None if weight is None else weight._data.reshape(-1)
    hist, edges = xp.histogram(x, bins=edges, range=range, weights=w, density=density)
    result = return_types.histogram(_make(hist.astype(x.dtype)), _make(edges.astype(x.dtype)))
    return write_outs(result, out, same_dtype=True)


# ---------------------------------------------------------------------------------------------
# covariance and correlation (built from differentiable ops: gradients come for free)
# ---------------------------------------------------------------------------------------------
def _check_weights(name, w, n, integral):
    if w._data.ndim > 1:
        raise RuntimeError(f"cov(): expected {name} to have one or fewer dimensions but got "
                           f"{name} with {w._data.ndim} dimensions")
    if w._data.size != n:
        raise RuntimeError(f"cov(): expected {name} to have the same numel as there are "
                           f"observations in the input but got {w._data.size} != {n}")
    kind = w._data.dtype.kind
    if integral and kind not in "iu":
        raise RuntimeError(f"cov(): expected {name} to have integral dtype but got {name} "
                           f"with {scalar_name(w._data.dtype)} dtype")
    if not integral and kind != "f":
        raise RuntimeError(f"cov(): expected {name} to have floating point dtype but got "
                           f"{name} with {scalar_name(w._data.dtype)} dtype")
    if w._data.size and w._data.min() < 0:
        raise RuntimeError(f"cov(): {name} cannot be negative")


def cov(input, *, correction=1, fweights=None, aweights=None):
    """Covariance of the variables in the rows of input (observations in the columns):
    (V, N) -> (V, V); a 1-d input is one variable -> 0-d. fweights (integer repeat counts)
    and aweights (float importance weights) weight the N observations.

    With w = fweights * aweights: avg = sum(x w) / sum(w), and the normaliser is
    sum(w) - correction * sum(w * aweights) / sum(w) (sum(w) - correction without aweights)."""
    check_tensor("cov", input)
    ndim = input._data.ndim
    if ndim > 2:
        raise RuntimeError(f"cov(): expected input to have two or fewer dimensions but got an "
                           f"input with {ndim} dimensions")
    x = input if ndim == 2 else input.reshape(1, -1)
    x = float_input(x)
    n = x._data.shape[1]
    w = None
    if fweights is not None:
        _check_weights("fweights", fweights, n, integral=True)
        w = fweights
    if aweights is not None:
        _check_weights("aweights", aweights, n, integral=False)
        w = aweights if w is None else w * aweights
    if w is None:
        w_sum = n
        avg = x.mean(1, keepdim=True)
        norm = n - correction
    else:
        w = w.to(x.dtype)
        w_sum = w.sum()
        avg = (x * w).sum(1, keepdim=True) / w_sum
        if correction == 0:
            norm = w_sum
        elif aweights is None:
            norm = w_sum - correction
        else:
            norm = w_sum - correction * (w * aweights).sum() / w_sum
    norm_value = float(norm.item() if isinstance(norm, Tensor) else norm)
    if norm_value <= 0:
        warnings.warn("cov(): degrees of freedom is <= 0. Correction should be strictly less "
                      "than the number of observations.", UserWarning, stacklevel=2)
        norm = 0.0 if not isinstance(norm, Tensor) else norm * 0
    centred = x - avg
    weighted = centred if w is None else centred * w
    c = weighted @ (centred.mT.conj() if centred.is_complex() else centred.mT)
    c = c / norm
    return c.reshape(()) if x._data.shape[0] == 1 else c    # one variable: 0-d, as PyTorch


def corrcoef(input):
    """Pearson correlation coefficients of the rows of input: cov / (std_i std_j), clipped
    to [-1, 1]. (V, N) -> (V, V); 1-d -> 0-d."""
    from .minmax import clamp
    c = cov(input)
    if c._data.ndim == 0:
        return c / c
    std = c.diagonal().sqrt()
    c = c / std.unsqueeze(1) / std.unsqueeze(0)
    return clamp(c, -1, 1)


# ---------------------------------------------------------------------------------------------
# trapezoidal integration
# ---------------------------------------------------------------------------------------------
def _trapezoid_parts(name, y, x, dx, dim):
    """(width of each interval, sum of each interval's two heights), along `dim`."""
    from .shape import narrow
    check_tensor(name, y)
    a = _one_dim(name, y, dim)
    n = y._data.shape[a]
    if n == 0:
        return None, a
    heights = narrow(y, a, 1, n - 1) + narrow(y, a, 0, n - 1)
    if x is None:
        return (1 if dx is None else dx, heights), a
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}() received an invalid combination of arguments - got "
                        f"(Tensor, {type(x).__name__})")
    if x._data.ndim == 1:
        if x._data.shape[0] != n:
            raise RuntimeError(f"{name}: There must be one `x` value for each sample point")
        widths = x[1:] - x[:-1]
        widths = widths.reshape((-1,) + (1,) * (y._data.ndim - a - 1))
    else:
        widths = diff(x, dim=dim)
    return (widths, heights), a


def trapezoid(y, x=None, *, dx=None, dim=-1):
    """The integral of y along `dim` by the trapezoidal rule: sum over intervals of
    width * (left + right) / 2, with widths from the sample points x (1-d, or shaped like y),
    or a constant spacing dx (default 1). The dim is removed; integer y gives floats."""
    parts, a = _trapezoid_parts("trapezoid", y, x, dx, dim)
    if parts is None:   # no samples: an integral of 0 (in y's dtype, even an integer one)
        shape = y._data.shape[:a] + y._data.shape[a + 1:]
        return _make(xp.zeros(shape, y._data.dtype))
    widths, heights = parts
    return (widths * heights).sum(a) / 2


def cumulative_trapezoid(y, x=None, *, dx=None, dim=-1):
    """The running trapezoidal integral along `dim`: size n -> n - 1 (see trapezoid)."""
    parts, a = _trapezoid_parts("cumulative_trapezoid", y, x, dx, dim)
    if parts is None:
        return _make(xp.zeros(y._data.shape, _backend.get_default_dtype().np
                              if y._data.dtype.kind in "biu" else y._data.dtype))
    widths, heights = parts
    return cumsum(widths * heights, a) / 2


def trapz(y, x=None, *, dx=None, dim=-1):
    """The older name of trapezoid."""
    return trapezoid(y, x, dx=dx, dim=dim)
