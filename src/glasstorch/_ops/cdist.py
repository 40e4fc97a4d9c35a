"""cdist: the p-norm distance between every row of one batch of matrices and every row of
another (pdist, the rows of one matrix against each other, is with the nn ops)."""
from .. import _backend
from .._backend import xp
from ..autograd.function import Function, Output
from ._summation import pairwise_sum
from ._util import sum_to_shape, check_broadcast
from ._linalg_util import cap, t
from .norms import p_norm, p_norm_grad


class Cdist(Function):
    """out[.., i, j] = || x1[.., i, :] - x2[.., j, :] ||_p
    grad: dx1_i = sum_j g_ij s_ij,  dx2_j = -sum_i g_ij s_ij, with s = d out_ij / d diff_ij:
          p = 2: diff / out,  p = 1: sign(diff),  p = inf: sign(diff) where |diff| = out,
          other p: sign(diff) |diff|^(p-1) / out^(p-1)   (0 where out = 0; p = 0: no gradient)"""

    @staticmethod
    def forward(ctx, x1, x2, p, use_mm):
        ctx.p, ctx.shapes = p, (x1.shape, x2.shape)
        if use_mm:
            # |a - b|^2 = |a|^2 + |b|^2 - 2 a.b: two matmuls instead of a (P, R, M) difference
            # (PyTorch's mode for many points); clamped, as rounding can make it negative
            sq = (x1 * x1).sum(-1)[..., :, None] + (x2 * x2).sum(-1)[..., None, :] \
                - 2 * (x1 @ t(x2))
            out = xp.sqrt(xp.maximum(sq, 0))
        else:
            diff = x1[..., :, None, :] - x2[..., None, :, :]
            out = p_norm(diff, p, (diff.ndim - 1,))
        ctx.save_for_backward(x1, x2, Output(out))
        return out

    @staticmethod
    def backward(ctx, g):
        x1, x2, out = ctx.saved_tensors
        p = ctx.p
        shape1, shape2 = ctx.shapes
        need1, need2 = ctx.needs_input_grad[:2]
        if p == 0:
            g1, g2 = xp.zeros(shape1, x1.dtype), xp.zeros(shape2, x2.dtype)
        elif p == 2:
            # diff / out summed with weights g: two matmuls, no (P, R, M) array
            w = xp.where(out == 0, 0, g / xp.where(out == 0, 1, out))
            # (the sums over rows as trees, and t(w) @ x1 off OpenBLAS's running sum)
            g1 = x1 * w.sum(-1)[..., None] - w @ x2
            g2 = x2 * pairwise_sum(w, (w.ndim - 2,))[..., None] - _backend.matmul(t(w), x1)
        else:
            diff = x1[..., :, None, :] - x2[..., None, :, :]
            with xp.errstate(divide="ignore", invalid="ignore"):
                weighted = g[..., None] * p_norm_grad(diff, out[..., None], p)
            n = weighted.ndim
            g1, g2 = pairwise_sum(weighted, (n - 2,)), -pairwise_sum(weighted, (n - 3,))
        return (sum_to_shape(g1, shape1) if need1 else None,
                sum_to_shape(g2, shape2) if need2 else None, None, None)


_CDIST_MODES = ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist",
                "donot_use_mm_for_euclid_dist")


def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """p-norm distances between each row of x1 (*, P, M) and each row of x2 (*, R, M), batch
    dims broadcast: -> (*, P, R). For p = 2 with more than 25 rows on either side, the default
    mode computes through matmuls (faster, slightly less exact near 0), as PyTorch does."""
    for name, x in (("X1", x1), ("X2", x2)):
        if x._data.ndim < 2:
            raise RuntimeError(f"cdist only supports at least 2D tensors, {name} got: "
                               f"{x._data.ndim}D")
        if x._data.dtype.kind != "f":
            raise RuntimeError(f"cdist only supports floating-point dtypes, {name} got: "
                               f"{cap(x)}")
    if x1._data.shape[-1] != x2._data.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: "
                           f"{x1._data.shape[-1]} X2: {x2._data.shape[-1]}")
    if x1._data.dtype != x2._data.dtype:
        raise RuntimeError(f"expected scalar type {cap(x1)} but found {cap(x2)}")
    if p < 0:
        raise RuntimeError("cdist only supports non-negative p values")
    if compute_mode not in _CDIST_MODES:
        raise ValueError(f"{compute_mode} is not a valid value for compute_mode")
    check_broadcast(x1._data.shape[:-2], x2._data.shape[:-2])
    many = x1._data.shape[-2] > 25 or x2._data.shape[-2] > 25
    use_mm = p == 2 and (compute_mode == "use_mm_for_euclid_dist" or
                         (compute_mode == _CDIST_MODES[0] and many))
    return Cdist.apply(x1, x2, float(p), use_mm)
