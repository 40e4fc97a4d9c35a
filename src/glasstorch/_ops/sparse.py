"""Sparse layers' kernels (named as nn/modules/sparse.py): embedding, embedding_bag, and
one_hot (an embedding lookup into the identity matrix).

Embedding's backward accumulates repeated indices with `_backend.scatter_add`; embedding_bag
reduces each bag (sum, mean or max) in the same node, without building the (positions, dim)
lookup as a graph tensor.
"""
import warnings

from .. import _backend
from .._backend import xp, scalar_name
from .._tensor import Tensor, _make
from ..autograd.function import Function
from .linear import _tensors
from .norms import p_norm


class Embedding(Function):
    """out = weight[indices]                         (a row lookup)
    grad: dweight[i] = sum of g over the positions holding index i (0 for padding_idx)"""

    @staticmethod
    def forward(ctx, weight, indices, padding_idx, scale_grad_by_freq):
        ctx.indices = indices
        ctx.weight_shape = weight.shape
        ctx.padding_idx = padding_idx
        ctx.scale_grad_by_freq = scale_grad_by_freq
        return weight[indices]

    @staticmethod
    def backward(ctx, g):
        n, dim = ctx.weight_shape
        flat = ctx.indices.reshape(-1)
        g = g.reshape(-1, dim)
        if ctx.scale_grad_by_freq:
            counts = xp.bincount(flat, minlength=n)
            g = g / counts[flat][:, None].astype(g.dtype)
        grad = xp.zeros((n, dim), dtype=g.dtype)
        _backend.scatter_add(grad, flat, g)     # repeated indices accumulate
        if ctx.padding_idx is not None:
            grad[ctx.padding_idx] = 0
        return grad


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    """Look up rows of `weight` by index: out[...] = weight[input[...]].

    Shapes: input (*) int64/int32, weight (num_embeddings, embedding_dim) -> (*, embedding_dim).
    padding_idx's row gets no gradient; max_norm renormalises the looked-up rows of weight in
    place. sparse=True is accepted but the gradient is dense (no sparse tensors here)."""
    _tensors("embedding", weight=weight, indices=input)
    idx = input._data
    if idx.dtype not in (xp.int64, xp.int32):
        raise RuntimeError(f"Expected tensor for argument #1 'indices' to have one of the "
                           f"following scalar types: Long, Int; but got "
                           f"torch.{scalar_name(input.dtype)}Tensor instead (while checking "
                           f"arguments for embedding)")
    if weight._data.ndim != 2:
        raise RuntimeError("'weight' must be 2-D")
    n = weight._data.shape[0]
    if padding_idx is not None:
        if padding_idx > 0:
            assert padding_idx < n, "Padding_idx must be within num_embeddings"
        elif padding_idx < 0:
            assert padding_idx >= -n, "Padding_idx must be within num_embeddings"
            padding_idx = n + padding_idx
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise IndexError("index out of range in self")
    if max_norm is not None:
        _renorm_rows(weight, idx, max_norm, norm_type)
    return Embedding.apply(weight, idx, padding_idx, scale_grad_by_freq)


def _renorm_rows(weight, idx, max_norm, norm_type):
    """Scale the rows of weight used by idx whose norm exceeds max_norm down to max_norm
    (in place, outside the graph, as PyTorch's embedding_renorm_)."""
    rows = xp.unique(idx)
    w = weight._data
    norms = p_norm(w[rows], norm_type, (1,))
    over = norms > max_norm
    if xp.any(over):
        rows = rows[over]
        w[rows] *= (max_norm / (norms[over] + 1e-7))[:, None].astype(w.dtype)
        weight._bump_version()


# ---------------------------------------------------------------------------------------------
# embedding_bag: embedding followed by a sum, mean or max over each bag, in one node
# ---------------------------------------------------------------------------------------------
class EmbeddingBag(Function):
    """out[b] = sum / mean / max over the bag's positions p of weight[idx[p]] (* psw[p] for sum)
    grad: dweight[idx[p]] += g[b] * psw[p] (sum), g[b] / count[b] (mean), or g[b, d] only at
    the arg-max position of each feature d (max); dpsw[p] = <g[b], weight[idx[p]]>"""

    _node_name = "EmbeddingBagBackward0"

    @staticmethod
    def forward(ctx, weight, psw, idx, starts, counts, keep, mode, scale_grad_by_freq):
        """idx: the flat indices that belong to a bag, bag b being idx[starts[b]:][:counts[b]];
        keep: 0/1 per position (0 for padding_idx)."""
        rows = weight[idx]
        ctx.idx, ctx.starts, ctx.counts, ctx.mode = idx, starts, counts, mode
        ctx.weight_shape, ctx.scale_grad_by_freq = weight.shape, scale_grad_by_freq
        bag = xp.repeat(xp.arange(len(starts)), counts)          # the bag of each position
        ctx.bag = bag
        if mode == "max":
            # padded positions can never win; a bag with no real position gives 0
            rows = xp.where(keep[:, None] > 0, rows, -xp.inf)
            out = xp.zeros((len(starts), weight.shape[1]), dtype=weight.dtype)
            full = counts > 0
            if full.any():
                out[full] = _backend.segment_max(rows, starts[full], axis=0)
            # the first position attaining the maximum, per bag and feature (PyTorch's choice)
            position = xp.where(rows == out[bag], xp.arange(len(idx))[:, None], len(idx))
            arg = xp.full(out.shape, len(idx))
            if full.any():
                arg[full] = _backend.segment_min(position, starts[full], axis=0)
            ctx.arg = arg
            out[arg == len(idx)] = 0
            return out
        ctx.keep = keep
        scale = keep.astype(weight.dtype)
        if psw is not None:
            scale = scale * psw
        ctx.save_for_backward(weight, scale)
        out = _bag_sums(rows * scale[:, None], starts, counts)
        if mode == "mean":
            n = _bag_sums(keep[:, None].astype(weight.dtype), starts, counts)
            ctx.bag_size = xp.maximum(n, 1)
            out /= ctx.bag_size
        return out

    @staticmethod
    def backward(ctx, g):
        n, dim = ctx.weight_shape
        idx, bag = ctx.idx, ctx.bag
        gw = gpsw = None
        if ctx.mode == "max":
            if ctx.needs_input_grad[0]:
                gw = xp.zeros((n, dim), dtype=g.dtype)
                won = ctx.arg < len(idx)
                rows = idx[ctx.arg[won]]
                columns = xp.nonzero(won)[1]
                _backend.scatter_add(gw, (rows, columns), g[won])
            return gw, None
        weight, scale = ctx.saved_tensors
        if ctx.mode == "mean":
            g = g / ctx.bag_size
        if ctx.needs_input_grad[0]:
            per_position = g[bag] * scale[:, None]
            if ctx.scale_grad_by_freq:
                counts = xp.bincount(idx, minlength=n)
                per_position /= counts[idx][:, None]
            gw = xp.zeros((n, dim), dtype=g.dtype)
            _backend.scatter_add(gw, idx, per_position)
        if ctx.needs_input_grad[1]:
            gpsw = (g[bag] * weight[idx]).sum(axis=1) * ctx.keep
        return gw, gpsw


def _bag_sums(rows, starts, counts):
    """Sum of rows[starts[b] : starts[b] + counts[b]] per bag b (0 for empty bags). The bags are
    consecutive blocks of rows, so one segment sum over the non-empty bags' starts does it."""
    out = xp.zeros((len(starts), rows.shape[1]), dtype=rows.dtype)
    full = counts > 0
    if full.any():
        out[full] = _backend.segment_sum(rows, starts[full], axis=0)
    return out


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2, scale_grad_by_freq=False,
                  mode="mean", sparse=False, per_sample_weights=None, include_last_offset=False,
                  padding_idx=None):
    """Sum, mean or max of the embeddings in each bag, without building the (positions, dim)
    lookup as a graph tensor.

    Shapes: input (B, L) (B bags of L indices; offsets None) or flat (n,) with offsets (B,)
    giving each bag's start (B + 1 with include_last_offset, the last being the end);
    weight (num_embeddings, dim) -> (B, dim). per_sample_weights (like input) scale each
    looked-up row (mode='sum' only); positions holding padding_idx are left out of their bag;
    an empty bag gives zeros."""
    _tensors("embedding_bag", input=input, weight=weight)
    if weight._data.dtype == xp.int64 and input._data.dtype.kind == "f":
        warnings.warn("Argument order of nn.functional.embedding_bag was changed. Usage "
                      "`embedding_bag(weight, input, ...)` is deprecated, and should now be "
                      "`embedding_bag(input, weight, ...)`.", stacklevel=2)
        weight, input = input, weight
    psw = per_sample_weights
    if psw is not None and input.shape != psw.shape:
        raise ValueError(f"embedding_bag: If per_sample_weights ({psw.shape}) is not None, "
                         f"then it must have the same shape as the input ({input.shape})")
    if weight._data.ndim != 2:
        raise ValueError(f"weight has to be a 2D Tensor, but got Tensor of dimension "
                         f"{weight._data.ndim}")
    if input._data.ndim == 2:
        if offsets is not None:
            raise ValueError(f"if input is 2D, then offsets has to be None, as input is treated "
                             f"is a mini-batch of fixed length sequences. However, found "
                             f"offsets of type {_type_str(offsets)}")
        B, L = input._data.shape
        offsets_array = xp.arange(B) * L
        include_last_offset = False
        input = input.reshape(-1)
        psw = None if psw is None else psw.reshape(-1)
    elif input._data.ndim == 1:
        if offsets is None:
            raise ValueError("offsets has to be a 1D Tensor but got None")
        if offsets.dim() != 1:
            raise ValueError("offsets has to be a 1D Tensor")
        offsets_array = offsets._data
    else:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension "
                         f"{input._data.ndim}")
    if mode not in ("sum", "mean", "max"):
        raise ValueError("mode has to be one of sum, mean or max")
    if mode == "max" and scale_grad_by_freq:
        raise ValueError("max mode does not support scaling the gradient by the frequency")
    if mode == "max" and sparse:
        raise ValueError("max mode does not support sparse weights")
    idx = input._data
    for name, array in (("indices", idx), ("offsets", offsets_array)):
        if array.dtype not in (xp.int64, xp.int32):
            found = scalar_name(array.dtype)
            raise RuntimeError(f"Expected tensor for argument #1 '{name}' to have one of the "
                               f"following scalar types: Long, Int; but got torch.{found}Tensor "
                               f"instead (while checking arguments for embedding_bag)")
    n_rows = weight._data.shape[0]
    if max_norm is not None:
        _check_indices(idx, n_rows)
        _renorm_rows(weight, idx, max_norm, norm_type)
    if psw is not None and mode != "sum":
        raise NotImplementedError(f"embedding_bag: per_sample_weights was not None. "
                                  f"per_sample_weights is only supported for mode='sum' (got "
                                  f"mode='{mode}'). Please open a feature request on GitHub.")
    starts, counts, used = _bags(offsets_array, idx.size, include_last_offset)
    idx = idx[:used]
    _check_indices(idx, n_rows)
    if padding_idx is not None:
        if not -n_rows <= padding_idx < n_rows:
            raise RuntimeError(f"padding_idx must be within the number of embeddings, "
                               f"-{n_rows} through {n_rows - 1}, but got {padding_idx}")
        padding_idx %= n_rows
        keep = idx != padding_idx
    else:
        keep = xp.ones(idx.shape, dtype=bool)
    if psw is not None and used != psw.shape[0]:
        psw = psw[:used]
    return EmbeddingBag.apply(weight, psw, idx.astype(xp.int64, copy=False), starts, counts,
                              keep, mode, scale_grad_by_freq)


def _type_str(x):
    return "<class 'torch.Tensor'>" if isinstance(x, Tensor) else str(type(x))


def _check_indices(idx, n_rows):
    if idx.size and (idx.min() < 0 or idx.max() >= n_rows):
        bad = int(xp.nonzero((idx < 0) | (idx >= n_rows))[0][0])
        raise RuntimeError(f"Index {bad} of input takes value {int(idx[bad])} which is not in "
                           f"the valid range [0, {n_rows})")


def _bags(offsets, n, include_last_offset):
    """(starts, counts, used): each bag's first position and length, and how many leading
    positions belong to some bag (with include_last_offset the tail after the last offset
    belongs to none)."""
    offsets = offsets.astype(xp.int64)
    if offsets.size == 0:
        return offsets, offsets, 0
    if offsets[0] != 0:
        raise RuntimeError(f"offsets[0] has to be 0, i.e., the first sequence in the "
                           f"mini-batch has to start from position 0. However, got "
                           f"{int(offsets[0])}")
    if offsets[-1] > n:
        raise RuntimeError(f"offsets[-1] can not be greater than input's length {n} but got "
                           f"offsets[-1] of {int(offsets[-1])}")
    if xp.any(offsets[1:] < offsets[:-1]):
        raise RuntimeError(f"offsets must be non-decreasing, but got {offsets.tolist()}")
    if include_last_offset:
        ends, starts = offsets[1:], offsets[:-1]
    else:
        ends, starts = xp.append(offsets[1:], n), offsets
    used = int(ends[-1]) if ends.size else 0
    return starts, ends - starts, used


# ---------------------------------------------------------------------------------------------
# one_hot
# ---------------------------------------------------------------------------------------------
def one_hot(tensor, num_classes=-1):
    """int64 tensor of shape (*, num_classes) with a 1 at each index of `tensor` (int64).
    num_classes=-1 means max(tensor) + 1."""
    _tensors("one_hot", input=tensor)
    x = tensor._data
    if x.dtype != xp.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if x.size == 0:
        if num_classes == -1:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        return _make(xp.zeros(x.shape + (num_classes,), dtype=xp.int64))
    if x.min() < 0:
        raise RuntimeError("Class values must be non-negative.")
    if num_classes == -1:
        num_classes = int(x.max()) + 1
    elif x.max() >= num_classes:
        raise RuntimeError("Class values must be smaller than num_classes.")
    return _make((x[..., None] == xp.arange(num_classes)).astype(xp.int64))
