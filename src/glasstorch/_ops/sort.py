"""Sorting and searching: sort, argsort, msort, topk, unique, unique_consecutive, bincount,
searchsorted, bucketize.

NaN sorts as the largest value (last ascending, first descending), as in both PyTorch and
NumPy. Only the values of sort and topk carry gradient: each value's gradient goes back to the
position it came from.
"""
import math

from .. import return_types
from .._backend import xp, scalar_name
from .._tensor import Tensor, _make
from ..autograd.function import Function, Output
from ._util import wrap_dim, refuse_complex, write_outs


def _argsort(x, axis, descending):
    """Stable argsort along axis. Descending keeps equal elements in their original order:
    sort the reversed array ascending, reverse the result, and map positions back."""
    if not descending:
        return xp.argsort(x, axis=axis, kind="stable")
    n = x.shape[axis]
    flipped = xp.flip(x, axis=axis)
    return (n - 1) - xp.flip(xp.argsort(flipped, axis=axis, kind="stable"), axis=axis)


class Sort(Function):
    """values, indices = x sorted along dim
    grad: dx[..., indices[i], ...] = g[..., i, ...]   (each value goes back to its position)"""

    @staticmethod
    def forward(ctx, x, dim, descending):
        if x.ndim == 0:
            indices = xp.zeros((), dtype=xp.int64)
            values = x.copy()
        else:
            indices = _argsort(x, dim, descending)
            values = xp.take_along_axis(x, indices, axis=dim)
        ctx.save_for_backward(Output(indices, 1))   # writing into the indices must raise
        ctx.dim, ctx.shape = dim, x.shape
        ctx.mark_non_differentiable(indices)
        return values, indices

    @staticmethod
    def backward(ctx, g, _):
        (indices,) = ctx.saved_tensors
        return _put_back(g, indices, ctx.dim, ctx.shape)


def sort(input, dim=-1, descending=False, stable=False, *, out=None):
    """(values, indices): input sorted along dim. The sort is always stable (equal elements
    keep their order), so stable=True costs nothing extra."""
    refuse_complex(input, RuntimeError, ' Sort does not support complex dtypes on CPU')
    dim = wrap_dim(dim, input._data.ndim)
    values, indices = Sort.apply(input, dim, descending)
    return write_outs(return_types.sort(values, indices), out, same_dtype=True)


def _put_back(g, indices, dim, shape):
    """zeros(shape) with g written at `indices` along dim (the indices are distinct)."""
    if len(shape) == 0:
        return g.reshape(())
    dx = xp.zeros(shape, g.dtype)
    xp.put_along_axis(dx, indices, g, axis=dim)
    return dx


def argsort(input, dim=-1, descending=False, stable=False):
    """The int64 indices that sort input along dim (stable)."""
    refuse_complex(input, RuntimeError, ' Sort does not support complex dtypes on CPU')
    dim = wrap_dim(dim, input._data.ndim)
    if input._data.ndim == 0:
        return _make(xp.zeros((), dtype=xp.int64))
    return _make(_argsort(input._data, dim, descending))


def msort(input):
    """input sorted along its first dim (the values of sort(input, dim=0))."""
    refuse_complex(input, RuntimeError, ' Sort does not support complex dtypes on CPU')
    return sort(input, dim=0).values


class TopK(Function):
    """values, indices = the k largest (or smallest) elements of x along dim, sorted
    grad: dx[..., indices[i], ...] = g[..., i, ...]"""

    _node_name = "TopkBackward0"   # PyTorch's spelling

    @staticmethod
    def forward(ctx, x, k, dim, largest):
        if x.ndim == 0:
            indices = xp.zeros((), dtype=xp.int64) if k else xp.zeros((0,), dtype=xp.int64)
            values = x.copy() if k else x.reshape(1)[:0]
        else:
            n = x.shape[dim]
            # argpartition finds the k candidates in O(n); only those k are then sorted
            if k == 0:
                part = xp.zeros(x.shape[:dim] + (0,) + x.shape[dim + 1:], dtype=xp.int64)
            elif largest:
                part = xp.take(xp.argpartition(x, n - k, axis=dim), range(n - k, n), axis=dim)
            else:
                part = xp.take(xp.argpartition(x, k - 1, axis=dim), range(k), axis=dim)
            part = xp.sort(part, axis=dim)   # ties then keep their order, as in PyTorch
            candidates = xp.take_along_axis(x, part, axis=dim)
            order = _argsort(candidates, dim, descending=largest)
            indices = xp.take_along_axis(part, order, axis=dim).astype(xp.int64, copy=False)
            values = xp.take_along_axis(candidates, order, axis=dim)
        ctx.save_for_backward(Output(indices, 1))   # writing into the indices must raise
        ctx.dim, ctx.shape = dim, x.shape
        ctx.mark_non_differentiable(indices)
        return values, indices

    @staticmethod
    def backward(ctx, g, _):
        if len(ctx.shape) == 0:
            return g.reshape(()) if g.size else xp.zeros((), g.dtype)
        (indices,) = ctx.saved_tensors
        return _put_back(g, indices, ctx.dim, ctx.shape)


def topk(input, k, dim=-1, largest=True, sorted=True, *, out=None):
    """(values, indices) of the k largest elements along dim (smallest with largest=False),
    in sorted order (also when sorted=False: any order is allowed there)."""
    refuse_complex(input, RuntimeError, ' topk does not support complex dtypes on CPU')
    x = input._data
    if x.dtype == xp.bool_:
        raise RuntimeError("topk does not support bool dtypes on CPU")
    dim = wrap_dim(dim, x.ndim)
    n = x.shape[dim] if x.ndim else 1
    if not 0 <= k <= n:
        raise RuntimeError("selected index k out of range")
    values, indices = TopK.apply(input, k, dim, largest)
    return write_outs(return_types.topk(values, indices), out, same_dtype=True)


# ---------------------------------------------------------------------------------------------
# unique and counting
# ---------------------------------------------------------------------------------------------
def _unique_result(values, inverse, counts, return_inverse, return_counts):
    out = [_make(values)]
    if return_inverse:
        out.append(_make(inverse.astype(xp.int64, copy=False)))
    if return_counts:
        out.append(_make(counts.astype(xp.int64, copy=False)))
    return out[0] if len(out) == 1 else tuple(out)


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """The distinct elements of input, sorted (with dim: the distinct slices along dim).
    return_inverse adds, for each element, the position of its value in the result;
    return_counts adds how often each value occurs. NaNs are never merged (as PyTorch)."""
    refuse_complex(input, NotImplementedError, '"unique" not implemented for \'{name}\'')
    x = input._data
    if dim is None:
        flat = x.reshape(-1)
        kwargs = {"equal_nan": False} if flat.dtype.kind in "fc" else {}
        values, inverse, counts = xp.unique(flat, return_inverse=True, return_counts=True,
                                            **kwargs)
        inverse = inverse.reshape(x.shape)
    else:
        dim = wrap_dim(dim, x.ndim)
        if x.ndim == 0:
            return unique(input, sorted, return_inverse, return_counts)
        values, inverse, counts = xp.unique(x, return_inverse=True, return_counts=True,
                                            axis=dim)
        inverse = inverse.reshape(-1)
    return _unique_result(values, inverse, counts, return_inverse, return_counts)


def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    """input with each run of equal consecutive elements (or slices along dim) collapsed to
    one; the inverse maps every element to its run, counts gives each run's length."""
    x = input._data
    if dim is None or x.ndim == 0:
        rows = x.reshape(-1, 1)
        out_shape = None
    else:
        dim = wrap_dim(dim, x.ndim)
        moved = xp.moveaxis(x, dim, 0)
        rows = moved.reshape(moved.shape[0], moved[:1].size)
        out_shape = moved.shape
    n = rows.shape[0]
    starts = xp.ones(n, dtype=bool)          # True where a new run begins
    if n > 1:
        starts[1:] = xp.any(rows[1:] != rows[:-1], axis=1)
    run_of = xp.cumsum(starts) - 1
    counts = xp.diff(xp.append(xp.flatnonzero(starts), n))
    if out_shape is None:
        values = rows[starts, 0]
        inverse = run_of.reshape(x.shape)
    else:
        values = xp.moveaxis(rows[starts].reshape((-1,) + out_shape[1:]), 0, dim)
        inverse = run_of
    return _unique_result(values, inverse, counts, return_inverse, return_counts)


def _type_word(np_dtype):
    return scalar_name(np_dtype)


def bincount(input, weights=None, minlength=0):
    """out[v] = number of times v occurs in the 1-d non-negative integer input (or the sum of
    the weights at those positions); out has max(input) + 1 or minlength entries."""
    x = input._data
    if x.dtype.kind not in "iu":
        raise NotImplementedError(f'"bincount_cpu" not implemented for '
                                  f"'{_type_word(x.dtype)}'")
    if x.ndim != 1 or (x.size and x.min() < 0):
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    if weights is None:
        return _make(xp.bincount(x, minlength=minlength).astype(xp.int64, copy=False))
    w = weights._data
    if w.ndim != 1 or w.shape[0] != x.shape[0]:
        raise RuntimeError("weights should be 1-d and have the same length as input")
    out = xp.bincount(x, weights=w, minlength=minlength)
    # float weights keep their dtype; any other weights give float64 (as PyTorch)
    return _make(out.astype(w.dtype if w.dtype.kind == "f" else xp.float64, copy=False))


# ---------------------------------------------------------------------------------------------
# searchsorted / bucketize
# ---------------------------------------------------------------------------------------------
def _batched_searchsorted(seq, values, right):
    """searchsorted for each row of seq (B, n) with the matching row of values (B, m), all
    at once: sort boundaries and values together by (row, value), then each value's answer
    is the number of its row's boundaries that came before it."""
    B, n = seq.shape
    m = values.shape[1]
    keys = xp.concatenate([seq, values], axis=1).reshape(-1)
    rows = xp.repeat(xp.arange(B), n + m)
    is_value = xp.zeros((B, n + m), dtype=xp.int64)
    is_value[:, n:] = 1
    is_value = is_value.reshape(-1)
    # on ties, right=False puts values before equal boundaries, right=True after them
    tie = is_value if right else 1 - is_value
    order = xp.lexsort((tie, keys, rows))
    boundaries_so_far = xp.cumsum(1 - is_value[order])
    answer = boundaries_so_far - rows[order] * n      # count only this row's boundaries
    out = xp.empty(B * (n + m), dtype=xp.int64)
    out[order] = answer
    return out.reshape(B, n + m)[:, n:]


def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None,
                 sorter=None):
    """For each value in input, the index where it would be inserted into the innermost dim
    of sorted_sequence to keep it sorted (after equal elements with right=True / side='right').
    sorted_sequence is 1-d, or has input's leading dims (one sorted row per row of input)."""
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but "
                               f"got {side}")
        if right and side == "left":
            raise RuntimeError("torch.searchsorted(): side and right can't be set to "
                               "opposites, got side of left while right was True")
        right = side == "right"
    seq = sorted_sequence._data
    scalar = not isinstance(input, Tensor)
    values = xp.asarray(input) if scalar else input._data
    if sorter is not None:
        seq = xp.take_along_axis(seq, sorter._data, axis=-1)
    out_dtype = xp.int32 if out_int32 else xp.int64
    if seq.ndim == 1:
        out = xp.searchsorted(seq, values, side="right" if right else "left")
        return _make(xp.asarray(out, dtype=out_dtype))
    if scalar or values.ndim == 0:
        raise RuntimeError(f"torch.searchsorted(): input value can be a scalar only when "
                           f"boundaries tensor dimension is 1, but we got boundaries tensor "
                           f"dim({seq.ndim}) and input value's dim({values.ndim}) numel("
                           f"{values.size})")
    if seq.shape[:-1] != values.shape[:-1]:
        raise RuntimeError(f"torch.searchsorted(): boundaries tensor should be 1 dimension or "
                           f"the first N-1 dimensions of boundaries tensor and input value "
                           f"tensor must match, but we got boundaries tensor {list(seq.shape)} "
                           f"and input value tensor {list(values.shape)}")
    rows = math.prod(seq.shape[:-1])      # (not -1: an empty last dim leaves it unknown)
    out = _batched_searchsorted(seq.reshape(rows, seq.shape[-1]),
                                values.reshape(rows, values.shape[-1]), right)
    return _make(out.reshape(values.shape).astype(out_dtype, copy=False))


def bucketize(input, boundaries, *, out_int32=False, right=False):
    """For each element of input, the index of the bucket it falls in: boundaries[i-1] < x <=
    boundaries[i] (right=False) or boundaries[i-1] <= x < boundaries[i] (right=True).
    boundaries is 1-d and sorted; a number input gives a 0-d result."""
    if boundaries._data.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got "
                           f"dim({boundaries._data.ndim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)
