"""Distances and similarities between vectors: normalize (each vector divided by its p-norm),
cosine_similarity, pairwise_distance, and pdist (the distances between all pairs of rows).
"""
from .. import _backend
from .._backend import xp, scalar_name
from .._tensor import _wrap_dim
from ..autograd.function import Function, Output
from ._util import sum_to_shape, check_broadcast, node_name, write_out
from .linear import _tensors
from .norms import p_norm, p_norm_grad


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """input / max(||input||_p, eps) along dim. Shapes: any -> same."""
    denom = input.norm(p, dim, keepdim=True).clamp_min(eps).expand_as(input)
    result = input / denom
    return write_out(result, out)


class CosineSimilarity(Function):
    """out = sum(u1 * u2, dim),  u = x / max(||x||, eps)
    grad: dx1 = g * (u2 - out * x1 / ||x1||) / max(||x1||, eps), likewise for x2.
    As PyTorch, the eps clamp is outside the graph: the gradient flows through ||x|| itself."""

    _node_name = "SumBackward1"   # PyTorch's cosine_similarity ends in a sum over dim

    @staticmethod
    def forward(ctx, x1, x2, dim, eps):
        ctx.shapes = (x1.shape, x2.shape)
        x1, x2 = xp.broadcast_arrays(x1, x2)
        n1 = xp.sqrt((x1 * x1).sum(axis=dim, keepdims=True))
        n2 = xp.sqrt((x2 * x2).sum(axis=dim, keepdims=True))
        c1, c2 = xp.maximum(n1, eps), xp.maximum(n2, eps)
        u1, u2 = x1 / c1, x2 / c2
        out = (u1 * u2).sum(axis=dim, keepdims=True)
        # the output is not saved (backward sums it again), so writing into it in place is
        # allowed, as in PyTorch
        ctx.save_for_backward(x1, x2, n1, n2, c1, c2, u1, u2)
        ctx.dim = dim
        return out.squeeze(dim)

    @staticmethod
    def backward(ctx, g):
        x1, x2, n1, n2, c1, c2, u1, u2 = ctx.saved_tensors
        out = (u1 * u2).sum(axis=ctx.dim, keepdims=True)
        need1, need2 = ctx.needs_input_grad[:2]
        g = xp.expand_dims(g, ctx.dim)
        with xp.errstate(divide="ignore", invalid="ignore"):
            # norm's gradient x/||x|| is taken as 0 where ||x|| == 0 (PyTorch's convention)
            r1 = xp.where(n1 == 0, 0, out / (c1 * n1))
            r2 = xp.where(n2 == 0, 0, out / (c2 * n2))
        g1 = g * (u2 / c1 - r1 * x1) if need1 else None
        g2 = g * (u1 / c2 - r2 * x2) if need2 else None
        return (sum_to_shape(g1, ctx.shapes[0]) if need1 else None,
                sum_to_shape(g2, ctx.shapes[1]) if need2 else None)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """<x1, x2> / (max(||x1||, eps) * max(||x2||, eps)) along dim (each side divided by its own
    norm first, which keeps the result in [-1, 1]). Shapes: broadcast, dim removed."""
    _tensors("cosine_similarity", x1=x1, x2=x2)
    dtype = _backend.result_type(x1, x2)
    if not dtype.is_floating_point:
        raise RuntimeError(f"expected common dtype to be floating point, yet common dtype is "
                           f"{scalar_name(dtype)}")
    if x1._data.shape != x2._data.shape:
        check_broadcast(x1._data.shape, x2._data.shape)
    x1 = x1 if x1._data.dtype == dtype.np else x1.to(dtype)
    x2 = x2 if x2._data.dtype == dtype.np else x2.to(dtype)
    ndim = max(x1._data.ndim, x2._data.ndim)
    dim = _wrap_dim(dim, ndim)
    if ndim == 0:   # a 0-d pair: treat as one-element vectors
        return cosine_similarity(x1.reshape(1), x2.reshape(1), 0, eps)
    return CosineSimilarity.apply(x1, x2, dim, eps)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """||x1 - x2 + eps||_p over the last dim. Shapes: (*, D), (*, D) -> (*)."""
    ndim = max(x1.dim(), x2.dim())
    # PyTorch calls the older norm overload here: NormBackward1
    return node_name((x1 - x2 + eps).norm(p, ndim - 1 if ndim else None, keepdim),
                     "NormBackward1")


# ---------------------------------------------------------------------------------------------
# pdist: distances between all pairs of rows
# ---------------------------------------------------------------------------------------------
class Pdist(Function):
    """out[k] = ||x[i] - x[j]||_p for the pairs i < j in row-major order
    grad: dx[i] += g[k] * dd/ddiff,  dx[j] -= g[k] * dd/ddiff   (dd/ddiff: norms.p_norm_grad)"""

    @staticmethod
    def forward(ctx, x, p):
        i, j = xp.triu_indices(x.shape[0], 1)
        out = p_norm(x[i] - x[j], p, (1,))
        ctx.save_for_backward(x, Output(out))
        ctx.p = p
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        n = x.shape[0]
        if ctx.p == 2:
            # w[i, j] = g / d for each pair (both ways); dx[i] = sum_j w[i, j] (x[i] - x[j]),
            # two BLAS-friendly products with no (pairs, features) temporary
            w = xp.zeros((n, n), dtype=x.dtype)
            i, j = xp.triu_indices(n, 1)
            w[i, j] = xp.where(out == 0, 0, g / xp.where(out == 0, 1, out))
            w += w.T
            return w.sum(axis=1)[:, None] * x - w @ x
        i, j = xp.triu_indices(n, 1)
        with xp.errstate(divide="ignore", invalid="ignore"):   # the masked zeros (p < 1)
            pair = g[:, None] * p_norm_grad(x[i] - x[j], out[:, None], ctx.p)
        grad = xp.zeros_like(x)
        _backend.scatter_add(grad, i, pair)
        _backend.scatter_add(grad, j, -pair)
        return grad


def pdist(input, p=2):
    """The p-norm distance between every pair of rows: input (N, M) -> (N*(N-1)/2,), the
    upper triangle of the distance matrix row by row (as scipy's pdist)."""
    _tensors("pdist", input=input)
    x = input._data
    if x.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {x.ndim}D")
    if x.dtype.kind != "f":
        raise RuntimeError("pdist only supports floating-point dtypes")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    return Pdist.apply(input, float(p))
