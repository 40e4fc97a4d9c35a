"""Vector and matrix norms (torch.norm, Tensor.norm, linalg.vector_norm, linalg.matrix_norm,
linalg.norm).

Every vector norm in glasstorch is the one p-norm written here: `p_norm` (the forward math on
arrays) and `p_norm_grad` (its derivative, with PyTorch's subgradients at 0 and at ties), and
the `VectorNorm` op built on the two. torch.norm, linalg.vector_norm, F.normalize and
pairwise_distance run VectorNorm; cdist, whose fused kernel never builds the difference
tensor's graph, and clip_grad_norm_ (plain arrays) call the two helpers."""
import math

from .._backend import xp, scalar_name
from .._tensor import Tensor, _make
from ..autograd.function import Function, Output
from ._util import wrap_dims, write_out, where, check_tensor
from ._summation import accumulator, pairwise_sum
from ._linalg_util import check_float
from .reduce import _dims, _need_float


# ---------------------------------------------------------------------------------------------
# the p-norm: its math on arrays, and the vector_norm op
# ---------------------------------------------------------------------------------------------
def p_norm(x, p, axes=None, keepdims=False):
    """||x||_p over `axes` (a tuple of non-negative axes, None: all) of an array:
    (sum |x|^p)^(1/p); p = inf / -inf: the largest / smallest |x| (inf of nothing is 0);
    p = 0: the number of nonzeros. Half precision is summed (and powered) in float32 as in
    PyTorch, and a complex x's |x|^2 taken without a square root. -> x's real dtype."""
    real = xp.finfo(x.dtype).dtype
    if p == 2:
        wide = x.astype(accumulator(x.dtype), copy=False)   # half: squares overflow at 256
        sq = wide * wide if x.dtype.kind != "c" else (wide * wide.conj()).real
        out = pairwise_sum(sq, axes, keepdims)
        return xp.sqrt(out, out=out).astype(real, copy=False)
    if p == 0:
        return xp.sum(x != 0, axis=axes, keepdims=keepdims).astype(real)
    a = xp.abs(x)
    if p == math.inf:
        return xp.amax(a, axis=axes, keepdims=keepdims, initial=0)
    if p == -math.inf:
        return xp.amin(a, axis=axes, keepdims=keepdims)
    wide = a.astype(accumulator(a.dtype), copy=False)
    out = pairwise_sum(wide if p == 1 else wide ** p, axes, keepdims)
    if p != 1:
        out = out ** (1 / p)
    return xp.asarray(out).astype(real, copy=False)


def _sgn(x):
    """x / |x| (0 at 0): the sign of a real x, the phase of a complex one."""
    return x.sgn() if isinstance(x, Tensor) else xp.sign(x)


def _raw(a):
    """The array behind `a` (saved values arrive as Tensors in a create_graph pass)."""
    return a._data if isinstance(a, Tensor) else a


def p_norm_grad(x, norm, p):
    """d ||x||_p / dx for `norm` = ||x||_p broadcastable against x (reduced axes kept as 1s):
    sgn(x) |x|^(p-1) / norm^(p-1), with PyTorch's subgradients: 0 where the norm is 0 and, for
    p < 1, where x is 0; p = 1: sgn(x); p = 0: 0; p = +-inf: sgn(x) on each element that
    attains the norm (each tie gets all of it; VectorNorm then shares it, cdist doesn't).
    x and norm may be Tensors (a differentiable backward): the masks are constants. The two
    factors stay apart so that, as in PyTorch, the second derivative is nan only at an x = 0
    where it is infinite (p < 2), not along the whole slice through the norm."""
    if p == 0:
        return _make(xp.zeros_like(x._data)) if isinstance(x, Tensor) else xp.zeros_like(x)
    if p == 1:
        return _sgn(x)
    x_raw, norm_raw = _raw(x), _raw(norm)
    real = norm_raw.dtype
    if abs(p) == math.inf:
        return _sgn(x) * (xp.abs(x_raw) == norm_raw).astype(real)
    zero = (norm_raw == 0).astype(real)
    if p == 2:
        return x * ((1 - zero) / (norm + zero))
    powered = _sgn(x) * abs(x) ** (p - 1)
    if p < 1:       # |x|^(p-1) is infinite at 0
        powered = where(x_raw == 0, 0, powered)
    return powered * ((1 - zero) / (norm + zero) ** (p - 1))


def _unreduce(a, shape, axes, keepdim):
    """A reduced array or Tensor with size-1 dims where the reduced axes were (a reshape, so
    it stays differentiable), to broadcast against the input."""
    if keepdim or axes is None or not shape:
        return a
    return a.reshape(tuple(1 if i in axes else s for i, s in enumerate(shape)))


class VectorNorm(Function):
    """out = ||x||_p over `axes` (p_norm: any real p, +-inf, 0)
    grad: dx = g p_norm_grad(x, out, p)   (p = 2: g x / out, 0 where out = 0); for p = +-inf
          g is shared evenly among the elements that attain the norm (nan ties with nan)"""

    differentiable_backward = True
    _node_name = "LinalgVectorNormBackward0"   # PyTorch's node for this op

    @staticmethod
    def forward(ctx, x, p, axes, keepdim):
        out = p_norm(x, p, axes, keepdim)
        ctx.save_for_backward(x, Output(out))
        ctx.p, ctx.axes, ctx.keepdim = p, axes, keepdim
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        p, axes, keepdim, shape = ctx.p, ctx.axes, ctx.keepdim, x.shape
        if p == 2:      # the hot path: g / out at the reduced size, then one product with x
            zero = (_raw(out) == 0).astype(_raw(out).dtype)
            return _unreduce(g * (1 - zero) / (out + zero), shape, axes, keepdim) * x
        g, out = _unreduce(g, shape, axes, keepdim), _unreduce(out, shape, axes, keepdim)
        if abs(p) == math.inf:
            x_raw, out_raw = _raw(x), _raw(out)
            hit = xp.abs(x_raw) == out_raw
            hit |= xp.isnan(x_raw) & xp.isnan(out_raw)
            share = (hit / hit.sum(axis=axes, keepdims=True)).astype(out_raw.dtype)
            return g * share * _sgn(x)
        with xp.errstate(divide="ignore", invalid="ignore"):
            return g * p_norm_grad(x, out, p)


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None, out=None):
    """The p-norm (sum |x|^ord)^(1/ord) over `dim` (None: all elements, flattened).
    ord may be any real number, inf (max |x|), -inf (min |x|) or 0 (count of nonzeros)."""
    if dtype is not None:
        x = x.to(dtype)
    check_float(x, "vector_norm")
    if isinstance(ord, str):
        raise RuntimeError(f"linalg.vector_norm: ord must be a number, got '{ord}'")
    axes = wrap_dims(dim, x.ndim) if x.ndim else None
    if axes == ():
        axes = None
    if x.numel() == 0 and ord < 0 or (x.numel() == 0 and ord == math.inf):
        if axes is None or any(x.shape[a] == 0 for a in axes):
            raise RuntimeError(f"linalg.vector_norm cannot compute the {ord} norm on an empty "
                               f"tensor because the operation does not have an identity")
    result = VectorNorm.apply(x, float(ord), axes, keepdim)
    if x.is_complex():
        result = result.real
    return write_out(result, out, same_dtype=True)


def norm(input, p="fro", dim=None, keepdim=False, out=None, dtype=None):
    """torch.norm / Tensor.norm: the p-norm of `input` over `dim` (all elements by default):
    p = 'fro' or 2 (Euclidean), 1, inf, -inf, 0 or any other float ('nuc': the nuclear matrix
    norm). Shapes: like sum over `dim`."""
    check_tensor("norm", input)
    if dtype is not None:
        input = input.to(dtype)
    _need_float("norm", input, "linalg.vector_norm: Expected a floating point or complex tensor "
                f"as input. Got {scalar_name(input._data.dtype)}")
    if p is None:
        p = "fro"
    if isinstance(p, str):
        if p == "nuc":          # as PyTorch: matrix_norm over dim (default: every dim)
            dims = tuple(range(input._data.ndim)) if dim is None else \
                ((dim,) if isinstance(dim, int) else tuple(dim))
            return matrix_norm(input, "nuc", dims, keepdim, out=out)
        if p != "fro":
            raise RuntimeError(f"linalg.matrix_norm: Order {p} not supported.")
        if isinstance(dim, (tuple, list)) and len(dim) > 2:
            raise RuntimeError("linalg.matrix_norm: dim must be a 2-tuple. Got "
                               + " ".join(str(d) for d in dim))
        p = 2
    axes = _dims("norm", input, dim)
    if p in (float("inf"), float("-inf")) and input._data.size == 0:
        raise RuntimeError("linalg.vector_norm cannot compute the inf norm on an empty tensor "
                           "because the operation does not have an identity")
    return write_out(VectorNorm.apply(input, float(p), axes, keepdim), out, same_dtype=True)


# ---------------------------------------------------------------------------------------------
# matrix norms
# ---------------------------------------------------------------------------------------------
class SingularValueNorm(Function):
    """out = sum of singular values ('nuc'), the largest (2) or the smallest (-2)
    grad: dA = g U_sel Vh_sel   (U Vh for 'nuc', the outer product u v^T of the chosen pair)"""

    @staticmethod
    def forward(ctx, A, ord, axes, keepdim):
        Am = xp.moveaxis(A, axes, (-2, -1))
        U, S, Vh = xp.linalg.svd(Am, full_matrices=False)
        if ord == "nuc":
            out = S.sum(-1)
        elif S.shape[-1] == 0:          # an empty matrix: its largest singular value is 0
            if ord == -2:
                raise IndexError("amin(): Expected reduction dim -1 to have non-zero size.")
            out = xp.zeros(S.shape[:-1], S.dtype)
        else:
            pick = 0 if ord == 2 else -1        # singular values come sorted, largest first
            out = S[..., pick]
            U, Vh = U[..., :, pick:pick + 1 or None], Vh[..., pick:pick + 1 or None, :]
        ctx.save_for_backward(U, Vh)
        ctx.axes, ctx.keepdim, ctx.ndim = axes, keepdim, A.ndim
        if keepdim:
            out = xp.expand_dims(out, axes)
        return out

    @staticmethod
    def backward(ctx, g):
        U, Vh = ctx.saved_tensors
        if ctx.keepdim:
            g = xp.squeeze(g, ctx.axes)
        dA = (U * g[..., None, None]) @ Vh
        return xp.moveaxis(dA, (-2, -1), ctx.axes), None, None, None


def _reduced_shape(shape, axes):
    return tuple(s for i, s in enumerate(shape) if i not in axes)


class MaxAbsSumNorm(Function):
    """out = max (or min) over one axis of the sums of |A| over the other axis (ord +-1: column
    sums, ord +-inf: row sums)
    grad: dA = g sgn(A) on the winning column/row (split evenly among ties)"""

    @staticmethod
    def forward(ctx, A, sum_axis, pick_axis, largest, keepdim):
        sums = xp.abs(A).sum(axis=sum_axis, keepdims=True)
        if A.shape[pick_axis] == 0:     # nothing to pick from: the max of sums >= 0 is 0
            if not largest:
                dim = pick_axis - (sum_axis < pick_axis)
                raise IndexError(f"amin(): Expected reduction dim {dim} to have non-zero size.")
            out = xp.zeros(sums.shape[:pick_axis] + (1,) + sums.shape[pick_axis + 1:], A.dtype)
        else:
            out = (sums.max if largest else sums.min)(axis=pick_axis, keepdims=True)
        ctx.save_for_backward(A, sums, Output(out))
        ctx.pick_axis, ctx.shape = pick_axis, out.shape
        return out if keepdim else out.reshape(_reduced_shape(A.shape, (sum_axis, pick_axis)))

    @staticmethod
    def backward(ctx, g):
        A, sums, out = ctx.saved_tensors
        mask = sums == out
        share = g.reshape(ctx.shape) / mask.sum(axis=ctx.pick_axis, keepdims=True)
        return (xp.sign(A) * (mask * share)).astype(A.dtype, copy=False), None, None, None, None


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None, out=None):
    """Matrix norm over the two dims `dim` of A (*, m, n): 'fro' (Frobenius), 'nuc' (nuclear),
    2/-2 (largest/smallest singular value), 1/-1 (max/min column abs-sum), inf/-inf (rows)."""
    if dtype is not None:
        A = A.to(dtype)
    check_float(A, "matrix_norm")
    if A.ndim < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 "
                           "dimensions.")
    if len(dim) != 2:
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {tuple(dim)}")
    wrap_dims(dim, A.ndim)                          # range and repeated-dim checks
    axes = tuple(d % A.ndim for d in dim)           # in the user's order (row dim, col dim)
    if ord == "fro":
        return write_out(vector_norm(A, 2, axes, keepdim), out, same_dtype=True, composite=True)
    if ord in ("nuc", 2, -2):
        return write_out(SingularValueNorm.apply(A, ord, axes, keepdim),
                         out, same_dtype=True, composite=True)
    if ord in (1, -1):
        return write_out(MaxAbsSumNorm.apply(A, axes[0], axes[1], ord > 0, keepdim),
                         out, same_dtype=True, composite=True)
    if ord in (math.inf, -math.inf):
        return write_out(MaxAbsSumNorm.apply(A, axes[1], axes[0], ord > 0, keepdim),
                         out, same_dtype=True, composite=True)
    raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")


def linalg_norm(A, ord=None, dim=None, keepdim=False, *, out=None, dtype=None):
    """linalg.norm: a vector norm when `dim` is an int (or ord is None and dim is None: the
    2-norm of all elements), a matrix norm when `dim` is a 2-tuple or A is 2-d with ord given."""
    if isinstance(dim, int):
        dim = (dim,)
    if dim is not None:
        if len(dim) == 1:
            return vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype, out=out)
        return matrix_norm(A, "fro" if ord is None else ord, dim, keepdim, dtype=dtype, out=out)
    if ord is None:
        return vector_norm(A, 2, None, keepdim, dtype=dtype, out=out)
    if A.ndim == 1:
        return vector_norm(A, ord, None, keepdim, dtype=dtype, out=out)
    if A.ndim == 2:
        return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype, out=out)
    raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D "
                       f"or 2D. Got {A.ndim}D.")
