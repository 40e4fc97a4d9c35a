"""Reductions over one, several or all dims: sum, mean, … with `dim`, `keepdim` and the
`axis`/`keepdims` aliases the course notes use."""
from .. import _backend
from .._backend import xp
from .._tensor import Tensor
from ..autograd.function import Function
from ._util import wrap_dims


def _dims(input, dim, axis):
    """The reduced axes as a tuple (None = all), accepting PyTorch's dim or NumPy's axis."""
    if dim is None:
        dim = axis
    if dim is None:
        return None
    axes = wrap_dims(dim, input._data.ndim)
    return axes if input._data.ndim else None


def _expand_back(g, shape, axes, keepdim):
    """Broadcast a reduced gradient back to the input's shape (differentiable for Tensors)."""
    if not keepdim and axes is not None and len(shape):
        g = g.reshape(tuple(1 if i in axes else s for i, s in enumerate(shape)))
    if isinstance(g, Tensor):
        return g.expand(shape)
    return xp.broadcast_to(g, shape)


class Sum(Function):
    """out = x summed over `axes`
    grad: dx = g broadcast back over the reduced axes"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x, axes, keepdim, np_dtype):
        ctx.shape, ctx.axes, ctx.keepdim = x.shape, axes, keepdim
        return xp.sum(x, axis=axes, keepdims=keepdim, dtype=np_dtype)

    @staticmethod
    def backward(ctx, g):
        return _expand_back(g, ctx.shape, ctx.axes, ctx.keepdim)


class Mean(Function):
    """out = x averaged over `axes` (n elements each)
    grad: dx = g / n broadcast back over the reduced axes"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        ctx.shape, ctx.axes, ctx.keepdim = x.shape, axes, keepdim
        out = xp.mean(x, axis=axes, keepdims=keepdim)
        ctx.n = x.size // max(out.size, 1) if x.size else 0
        return out.astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        return _expand_back(g / ctx.n, ctx.shape, ctx.axes, ctx.keepdim)


def _sum_dtype(input, dtype):
    """PyTorch sums bool and integer tensors in int64 unless a dtype is given."""
    if dtype is not None:
        from .creation import _resolve_dtype
        return _resolve_dtype(dtype).np
    if input._data.dtype.kind in "biu":
        return xp.int64
    return None


def sum(input, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None, out=None):
    keepdim = keepdims if keepdims is not None else keepdim
    return Sum.apply(input, _dims(input, dim, axis), keepdim, _sum_dtype(input, dtype))


def mean(input, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None, out=None):
    keepdim = keepdims if keepdims is not None else keepdim
    if dtype is not None:
        input = input.to(dtype)
    if input._data.dtype.kind not in "fc":
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point "
            f"or complex dtype. Got: {_backend.from_numpy_dtype(input._data.dtype).name.capitalize()}")
    return Mean.apply(input, _dims(input, dim, axis), keepdim)
