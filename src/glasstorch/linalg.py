"""glasstorch.linalg: norms, inverse, determinant, solve, and the decompositions (torch.linalg).

All functions work on batches: a matrix argument has shape (*, m, n) and the leading dims are
batch dims. Gradients: norm, vector_norm, matrix_norm, inv, det, slogdet (logabsdet), solve,
eigh, eig, eigvals, cholesky, svd, svdvals, pinv, qr and lstsq have backward formulas;
matrix_rank is an integer and has no gradient.
LAPACK failures (singular or non-positive-definite input) raise `LinAlgError`, a RuntimeError,
as in PyTorch.
"""
import math
import warnings

from . import return_types
from ._backend import xp
from ._tensor import Tensor
from .autograd.function import Function, Output
from ._ops._util import sum_to_shape, wrap_dims, node_name, conj_if_complex, write_out, write_outs
from ._ops._summation import accumulator, pairwise_sum
from ._ops.linalg import matmul, linalg_cross as cross, _cap, _t

__all__ = ["norm", "vector_norm", "matrix_norm", "inv", "det", "slogdet", "solve", "pinv",
           "matrix_rank", "eigh", "eigvalsh", "svd", "svdvals", "qr", "cholesky", "cross",
           "matmul", "multi_dot", "matrix_power", "matrix_exp", "LinAlgError",
           "lstsq", "eig", "eigvals"]


class _LinAlgError(RuntimeError):
    """A linear-algebra routine failed on its input (singular, not positive-definite …).
    Named like PyTorch's class (torch._C._LinAlgError) so exception types compare equal."""


LinAlgError = _LinAlgError

linalg_slogdet = return_types.linalg_slogdet
slogdet_result = return_types.slogdet
linalg_eigh = return_types.linalg_eigh
linalg_svd = return_types.linalg_svd
svd_result = return_types.svd
linalg_qr = return_types.linalg_qr
linalg_lstsq = return_types.linalg_lstsq
linalg_eig = return_types.linalg_eig


def _check_float(A, name):
    if A._data.dtype.kind not in "fc":
        raise RuntimeError(f"linalg.{name}: Expected a floating point or complex tensor as "
                           f"input. Got {_cap(A)}")


def _check_square(A, name):
    _check_float(A, name)
    if A.ndim < 2:
        raise RuntimeError(f"linalg.{name}: The input tensor A must have at least 2 dimensions.")
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"linalg.{name}: A must be batches of square matrices, but they are "
                           f"{A.shape[-2]} by {A.shape[-1]} matrices")


def _keepdim_shape(shape, axes):
    """`shape` with the reduced `axes` (None = all) kept as 1s."""
    if axes is None:
        return (1,) * len(shape)
    return tuple(1 if i in axes else s for i, s in enumerate(shape))


# ---------------------------------------------------------------------------------------------
# norms
# ---------------------------------------------------------------------------------------------
class VectorNorm(Function):
    """out = (sum |x|^p)^(1/p) over `axes` (p=inf: max |x|, -inf: min |x|, 0: count of x != 0)
    grad: dx = g sgn(x) |x|^(p-1) / out^(p-1)  (p=2: g x / out; p=+-inf: shared by the extrema)"""

    _node_name = "LinalgVectorNormBackward0"   # PyTorch's node for this op

    @staticmethod
    def forward(ctx, x, ord, axes, keepdim):
        a = xp.abs(x)
        wide = a.astype(accumulator(a.dtype), copy=False)   # half: sum in float32, as torch
        if ord == 2:
            out = xp.sqrt(pairwise_sum(wide * wide, axes, keepdims=True))
        elif ord == 1:
            out = pairwise_sum(wide, axes, keepdims=True)
        elif ord == math.inf:
            out = xp.max(a, axis=axes, keepdims=True)
        elif ord == -math.inf:
            out = xp.min(a, axis=axes, keepdims=True)
        elif ord == 0:
            out = xp.sum(a != 0, axis=axes, keepdims=True).astype(a.dtype)
        else:
            out = pairwise_sum(wide ** ord, axes, keepdims=True) ** (1.0 / ord)
        out = out.astype(a.dtype, copy=False)
        ctx.save_for_backward(x, Output(out))
        ctx.ord, ctx.axes, ctx.keepdim = ord, axes, keepdim
        return out if keepdim else out.reshape(_reduced_shape(x.shape, axes))

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        p = ctx.ord
        g = g.reshape(out.shape)       # keepdim layout, so it broadcasts against x
        if p == 0:
            return xp.zeros_like(x), None, None, None
        if p == 1:
            return xp.sign(x) * g, None, None, None
        with xp.errstate(divide="ignore", invalid="ignore"):
            if p == 2:
                dx = x * xp.where(out == 0, 0, g / out)
            elif abs(p) == math.inf:
                # the gradient of max|x| goes to the elements that attain it, split evenly
                mask = xp.abs(x) == out
                dx = xp.sign(x) * mask * (g / mask.sum(axis=ctx.axes, keepdims=True))
            else:
                a = xp.abs(x)
                scaled = xp.sign(x) * a ** (p - 1)
                if p < 1:   # |x|^(p-1) is infinite at 0; PyTorch gives those elements 0
                    scaled = xp.where(x == 0, 0, scaled)
                dx = scaled * xp.where(out == 0, 0, g / out ** (p - 1))
        return dx.astype(x.dtype, copy=False), None, None, None


def _reduced_shape(shape, axes):
    if axes is None:
        return ()
    return tuple(s for i, s in enumerate(shape) if i not in axes)


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None, out=None):
    """The p-norm (sum |x|^ord)^(1/ord) over `dim` (None: all elements, flattened).
    ord may be any real number, inf (max |x|), -inf (min |x|) or 0 (count of nonzeros)."""
    if dtype is not None:
        x = x.to(dtype)
    _check_float(x, "vector_norm")
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
    _check_float(A, "matrix_norm")
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


def norm(A, ord=None, dim=None, keepdim=False, *, out=None, dtype=None):
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


# ---------------------------------------------------------------------------------------------
# inverse, determinant, solve
# ---------------------------------------------------------------------------------------------
class Inv(Function):
    """out = A^-1
    grad: dA = -out^H g out^H   (H: conjugate transpose; ^T for real A)"""

    _node_name = "LinalgInvExBackward0"   # PyTorch's node for this op

    differentiable_backward = True

    @staticmethod
    def forward(ctx, A):
        try:
            out = xp.linalg.inv(A)
        except xp.linalg.LinAlgError:
            raise _LinAlgError("linalg.inv: The diagonal element is zero, the inversion could "
                               "not be completed because the input matrix is singular.") from None
        ctx.save_for_backward(Output(out))
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        out_t = _t(conj_if_complex(out))
        return -(out_t @ g @ out_t)


def inv(A, *, out=None):
    """The inverse of each square matrix in A (*, n, n). LinAlgError if one is singular."""
    _check_square(A, "inv")
    return write_out(Inv.apply(A), out, same_dtype=True)


class Det(Function):
    """out = det(A)
    grad: dA = g * adj(A)^T, computed from the SVD A = U S Vh as det(U) det(Vh) U diag(c) Vh
          with c_i = prod_{j != i} s_j (valid for singular A too, unlike det(A) A^-T);
          complex A: g * conj(adj(A)^T) = conj(det(U) det(Vh)) U diag(c) Vh"""

    _node_name = "LinalgDetBackward0"   # PyTorch's node for this op

    @staticmethod
    def forward(ctx, A):
        ctx.save_for_backward(A)
        return xp.linalg.det(A).astype(A.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        (A,) = ctx.saved_tensors
        if A.shape[-1] == 0:
            return xp.zeros_like(A)
        U, S, Vh = xp.linalg.svd(A)
        # product of all singular values but one, via prefix and suffix products (no division)
        ones = xp.ones(S.shape[:-1] + (1,), dtype=S.dtype)
        prefix = xp.cumprod(xp.concatenate([ones, S[..., :-1]], -1), -1)
        suffix = xp.cumprod(xp.concatenate([ones, S[..., :0:-1]], -1), -1)[..., ::-1]
        sign = conj_if_complex(xp.linalg.det(U) * xp.linalg.det(Vh))
        cofactor = (U * (prefix * suffix)[..., None, :]) @ Vh
        return (cofactor * (sign * g)[..., None, None]).astype(A.dtype, copy=False)


def det(A, *, out=None):
    """Determinant of each square matrix in A (*, n, n) -> (*)."""
    _check_square(A, "det")
    return write_out(Det.apply(A), out, same_dtype=True)


class Slogdet(Function):
    """(sign, logabsdet) = sign and log|det(A)|
    grad: dA = g_logabsdet * A^-T   (real sign has no gradient). Complex A: log det(A) =
          logabsdet + i angle(sign), so dA = (g_logabsdet - i Im(conj(g_sign) sign)) A^-H"""

    _node_name = "LinalgSlogdetBackward0"   # PyTorch's node for this op

    @staticmethod
    def forward(ctx, A):
        sign, logabs = xp.linalg.slogdet(A)
        # logabsdet is real: float64 for complex128 A, as in PyTorch
        sign, logabs = sign.astype(A.dtype, copy=False), logabs.astype(A.real.dtype, copy=False)
        ctx.save_for_backward(A)
        ctx.sign = sign if sign.dtype.kind == "c" else None
        return sign, logabs     # sign requires grad as in PyTorch, but its gradient is zero

    @staticmethod
    def backward(ctx, g_sign, g_logabs):
        (A,) = ctx.saved_tensors
        if ctx.sign is None:
            return _inv_t_or_inf(A) * g_logabs[..., None, None]
        g_log_det = g_logabs - 1j * (xp.conj(g_sign) * ctx.sign).imag
        return _t(xp.conj(xp.linalg.inv(A))) * g_log_det[..., None, None]


def _inv_t_or_inf(A):
    """A^-T; for a singular A the infinities and NaNs of LAPACK's LU solve (what PyTorch gives
    as the gradient of log|det| there) instead of an error."""
    try:
        return _t(xp.linalg.inv(A))
    except xp.linalg.LinAlgError:
        pass
    from scipy.linalg import lu_factor, lu_solve, LinAlgWarning
    eye = xp.broadcast_to(xp.eye(A.shape[-1], dtype=A.dtype), A.shape)
    with xp.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", LinAlgWarning)     # "exactly singular": expected here
        return lu_solve(lu_factor(_t(A), check_finite=False), eye, check_finite=False)


def slogdet(A, *, out=None):
    """(sign, log|det|) of each square matrix in A (*, n, n), as a named tuple; avoids the
    overflow of det for large matrices."""
    _check_square(A, "slogdet")
    return write_outs(linalg_slogdet(*Slogdet.apply(A)), out, same_dtype=True)


def logdet(input):
    """log det(A): nan where the determinant is negative, -inf where it is zero."""
    _check_square(input, "logdet")
    sign, logabs = Slogdet.apply(input)
    from ._ops.elementwise import add, log
    # log(sign) is 0 for sign 1, nan for -1 and -inf for 0: exactly PyTorch's convention
    with xp.errstate(divide="ignore", invalid="ignore"):
        return add(logabs, log(sign))


class Solve(Function):
    """X = A^-1 B   (B a batch of matrices; vectors get a trailing axis first)
    grad: dB = A^-H g,  dA = -dB X^H   (summed over broadcast batch dims; H: conjugate
          transpose, ^T for real operands)"""

    _node_name = "LinalgSolveExBackward0"   # PyTorch's node for this op

    @staticmethod
    def forward(ctx, A, B, vector, left):
        if not left:                     # X A = B  <=>  A^T X^T = B^T
            A, B = A.swapaxes(-1, -2), B.swapaxes(-1, -2)
        if vector:
            B = B[..., None]
        try:
            X = xp.linalg.solve(A, B)
        except xp.linalg.LinAlgError:
            raise _LinAlgError("torch.linalg.solve: The solver failed because the input matrix "
                               "is singular.") from None
        ctx.save_for_backward(A, Output(X))     # (X, a view of the output)
        ctx.vector, ctx.left, ctx.b_shape = vector, left, B.shape
        X = X[..., 0] if vector else X
        return X if left else X.swapaxes(-1, -2)

    @staticmethod
    def backward(ctx, g):
        A, X = (conj_if_complex(t) for t in ctx.saved_tensors)
        need_a, need_b = ctx.needs_input_grad[:2]
        if not ctx.left:
            g = g.swapaxes(-1, -2)
        if ctx.vector:
            g = g[..., None]
        gB = xp.linalg.solve(A.swapaxes(-1, -2), g)
        gA = -gB @ X.swapaxes(-1, -2) if need_a else None
        gB = sum_to_shape(gB, ctx.b_shape) if need_b else None
        if gA is not None:
            gA = sum_to_shape(gA, A.shape)
        if gB is not None and ctx.vector:
            gB = gB[..., 0]
        if not ctx.left:
            gA = gA.swapaxes(-1, -2) if gA is not None else None
            gB = gB.swapaxes(-1, -2) if gB is not None else None
        return gA, gB, None, None


def solve(A, B, *, left=True, out=None):
    """The solution X of A X = B (or X A = B with left=False). Shapes: A (*, n, n), B (*, n, k),
    or B (*, n) — a batch of vectors when B has one dim less than A (or is 1-d)."""
    _check_square(A, "solve")
    if A._data.dtype != B._data.dtype:
        raise RuntimeError(f"linalg.solve: Expected A and B to have the same dtype, but found A "
                           f"of type {_cap(A)} and B of type {_cap(B)} instead")
    vector = B.ndim == 1 or (B.ndim == A.ndim - 1 and tuple(B.shape) == tuple(A.shape[:-1]))
    n = A.shape[-1]
    k_dim = B.shape[-1] if vector else (B.shape[-2] if left else B.shape[-1])
    if vector and not left:     # PyTorch reads B as a column (n, 1): X A = B cannot hold
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation "
                           f"XA = B ({_shape(A.shape)} and {_shape(tuple(B.shape) + (1,))})")
    if B.ndim < 1 or k_dim != n:
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation "
                           f"{'AX = B' if left else 'XA = B'} ({_shape(A.shape)} and "
                           f"{_shape(B.shape)})")
    from ._ops._util import check_broadcast
    check_broadcast(tuple(A.shape[:-2]), tuple(B.shape[:-1] if vector else B.shape[:-2]))
    return write_out(Solve.apply(A, B, vector, left), out, same_dtype=True)


def _shape(shape):
    return "x".join(str(s) for s in shape)


# ---------------------------------------------------------------------------------------------
# decompositions
# ---------------------------------------------------------------------------------------------
class Eigh(Function):
    """(L, V) with A = V diag(L) V^T for symmetric A (ascending eigenvalues)
    grad: dA = V (diag(gL) + skew(V^T gV) / E) V^T,  E_ij = L_j - L_i, skew(M) = (M - M^T)/2
          (Hermitian complex A: V^H in place of V^T, and M - M^H)"""

    _node_name = "LinalgEighBackward0"   # PyTorch's node for this op

    @staticmethod
    def forward(ctx, A, uplo):
        L, V = xp.linalg.eigh(A, UPLO=uplo)
        ctx.save_for_backward(Output(L, 0), Output(V, 1))
        return L, V

    @staticmethod
    def backward(ctx, gL, gV):
        L, V = ctx.saved_tensors
        Vt = conj_if_complex(V.swapaxes(-1, -2))
        inner = xp.zeros(V.shape, dtype=V.dtype)
        if gV is not None:
            M = Vt @ gV
            E = L[..., None, :] - L[..., :, None]
            n = L.shape[-1]
            E[..., range(n), range(n)] = 1       # the skew part is 0 on the diagonal anyway
            inner = (M - conj_if_complex(M.swapaxes(-1, -2))) / 2 / E
        if gL is not None:
            inner = inner + gL[..., None, :] * xp.eye(L.shape[-1], dtype=L.dtype)
        return V @ inner @ Vt, None


def eigh(A, UPLO="L", *, out=None):
    """Eigenvalues (ascending) and orthonormal eigenvectors of symmetric matrices A (*, n, n),
    reading only the lower (UPLO='L') or upper triangle. Eigenvector signs are arbitrary."""
    _check_square(A, "eigh")
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    return write_outs(linalg_eigh(*Eigh.apply(A, UPLO)), out, same_dtype=True)


def eigvalsh(A, UPLO="L", *, out=None):
    """Eigenvalues (ascending) of symmetric matrices A (*, n, n)."""
    return write_out(eigh(A, UPLO).eigenvalues, out, same_dtype=True)


def _h(x):
    """Conjugate transpose of the last two axes (plain transpose for real arrays)."""
    return xp.conj(x.swapaxes(-1, -2)) if xp.iscomplexobj(x) else x.swapaxes(-1, -2)


def _diag_embed(d):
    """(*, k) -> (*, k, k) with d on the diagonal."""
    return d[..., :, None] * xp.eye(d.shape[-1], dtype=d.dtype)


# a complex loss whose gradient moves the phase of a singular vector or eigenvector by more than
# this (Im diag of V^H gV) raises, as in PyTorch (whose check has this absolute tolerance)
_PHASE_TOL = 1e-2


class Eig(Function):
    """(L, V) with A V = V diag(L), V's columns of norm 1, both complex. Shapes: A (*, n, n),
    L (*, n), V (*, n, n).
    grad: dA = V^-H (diag(gL) + (V^H gV - V^H V Re diag(V^H gV)) / conj(E)) V^H,
          E_ij = L_j - L_i   (the real part for a real A). A loss that depends on the phase of
          an eigenvector (Im diag(V^H gV) != 0) raises, as in PyTorch."""

    _node_name = "LinalgEigBackward0"   # PyTorch's node for this op

    @staticmethod
    def forward(ctx, A):
        complex_dtype = (xp.ones((), A.dtype) * 1j).dtype
        L, V = xp.linalg.eig(A)
        L, V = L.astype(complex_dtype, copy=False), V.astype(complex_dtype, copy=False)
        ctx.save_for_backward(Output(L, 0), Output(V, 1))
        ctx.real_input = A.dtype.kind == "f"
        return L, V

    @staticmethod
    def backward(ctx, gL, gV):
        L, V = ctx.saved_tensors
        n = L.shape[-1]
        inner = xp.zeros(V.shape, dtype=V.dtype)
        if gV is not None:
            VhgV = _h(V) @ gV
            diag = xp.diagonal(VhgV, 0, -2, -1)
            if xp.any(xp.abs(diag.imag) > _PHASE_TOL):
                raise RuntimeError("linalg_eig_backward: The eigenvectors in the complex case "
                                   "are specified up to multiplication by e^{i phi}. The "
                                   "specified loss function depends on this quantity, so it "
                                   "is ill-defined.")
            E = xp.conj(L[..., None, :] - L[..., :, None])
            E[..., range(n), range(n)] = 1
            with xp.errstate(divide="ignore", invalid="ignore"):
                inner = (VhgV - _h(V) @ (V * diag.real[..., None, :])) / E
            inner[..., range(n), range(n)] = 0
        if gL is not None:
            inner = inner + _diag_embed(gL)
        gA = xp.linalg.solve(_h(V), inner @ _h(V))
        return gA.real if ctx.real_input else gA


def eig(A, *, out=None):
    """Eigenvalues and eigenvectors (columns, norm 1) of square matrices A (*, n, n), complex
    even for real A; no particular order."""
    _check_square(A, "eig")
    return linalg_eig(*Eig.apply(A))


def eigvals(A, *, out=None):
    """Eigenvalues of square matrices A (*, n, n), complex -> (*, n)."""
    _check_square(A, "eigvals")
    return Eig.apply(A)[0]


class Svd(Function):
    """(U, S, Vh) with A = U diag(S) Vh, singular values descending. Shapes: A (*, m, n),
    k = min(m, n), U (*, m, k), S (*, k), Vh (*, k, n) (m x m and n x n with full_matrices;
    as in PyTorch the gradients of the extra columns are then ignored).
    grad: with skew(X) = X - X^H, E_ij = s_j^2 - s_i^2, V = Vh^H,
          inner = (skew(U^H gU) S + S skew(V^H gV)) / E + diag(gS) [+ i Im diag(U^H gU) / S]
          dA = U inner Vh + (I - U U^H) gU S^-1 Vh + U S^-1 gV^H (I - V V^H)
    Complex singular vectors are defined up to a phase e^{i phi} per pair: a loss that
    depends on it (Im diag(U^H gU + V^H gV) != 0) raises, as in PyTorch."""

    _node_name = "LinalgSvdBackward0"   # PyTorch's node for this op

    @staticmethod
    def forward(ctx, A, full_matrices):
        U, S, Vh = xp.linalg.svd(A, full_matrices=full_matrices)
        S = S.astype(A.real.dtype, copy=False)
        ctx.save_for_backward(Output(U, 0), Output(S, 1), Output(Vh, 2))
        return U, S, Vh

    @staticmethod
    def backward(ctx, gU, gS, gVh):
        U, S, Vh = ctx.saved_tensors
        k = S.shape[-1]
        U, Vh = U[..., :, :k], Vh[..., :k, :]
        if gU is not None:
            gU = gU[..., :, :k]
        if gVh is not None:
            gVh = gVh[..., :k, :]
        m, n = U.shape[-2], Vh.shape[-1]
        inner = xp.zeros(S.shape + (k,), dtype=U.dtype)
        if gS is not None:
            inner = inner + _diag_embed(gS)
        if gU is None and gVh is None:
            return U @ inner @ Vh, None
        V = _h(Vh)
        gU = xp.zeros_like(U) if gU is None else gU
        gV = xp.zeros_like(V) if gVh is None else _h(gVh)
        UhgU, VhgV = _h(U) @ gU, _h(V) @ gV
        if xp.iscomplexobj(U):
            phase = xp.diagonal(UhgU + VhgV, 0, -2, -1).imag
            if xp.any(xp.abs(phase) > _PHASE_TOL):
                raise RuntimeError("svd_backward: The singular vectors in the complex case are "
                                   "specified up to multiplication by e^{i phi}. The specified "
                                   "loss function depends on this phase term, making it "
                                   "ill-defined.")
        S2 = S * S
        E = S2[..., None, :] - S2[..., :, None]
        E[..., range(k), range(k)] = 1           # the skew parts are 0 on the diagonal
        with xp.errstate(divide="ignore", invalid="ignore"):
            inner = inner + ((UhgU - _h(UhgU)) * S[..., None, :]
                             + S[..., :, None] * (VhgV - _h(VhgV))) / E
            if xp.iscomplexobj(U):
                inner = inner + _diag_embed(1j * xp.diagonal(UhgU, 0, -2, -1).imag / S)
            gA = U @ inner @ Vh
            if m > k:
                gA = gA + ((gU - U @ UhgU) / S[..., None, :]) @ Vh
            if n > k:
                gVh_k = _h(gV)
                gA = gA + U @ ((gVh_k - _h(VhgV) @ Vh) / S[..., :, None])
        return gA, None


def svd(A, full_matrices=True, *, driver=None, out=None):
    """A (*, m, n) = U (*, m, m) diag(S) (*, min(m, n)) Vh (*, n, n) (U (*, m, k) and Vh
    (*, k, n) with k = min(m, n) when full_matrices=False)."""
    _check_float(A, "svd")
    if A.ndim < 2:
        raise RuntimeError("linalg.svd: The input tensor A must have at least 2 dimensions.")
    return write_outs(linalg_svd(*Svd.apply(A, full_matrices)), out, same_dtype=True)


def svdvals(A, *, driver=None, out=None):
    """The singular values of A (*, m, n), descending -> (*, min(m, n)).
    Their gradient is U diag(gS) Vh."""
    _check_float(A, "svdvals")
    return write_out(Svd.apply(A, False)[1], out, same_dtype=True)


def torch_svd(input, some=True, compute_uv=True, *, out=None):
    """torch.svd (older API): returns (U, S, V) with V, not V^T; reduced when some=True."""
    U, S, Vh = svd(input, full_matrices=not some)
    from ._ops.linalg import einsum
    V = einsum("...ij->...ji", Vh)
    if not compute_uv:
        from ._ops.creation import zeros_like
        U, V = zeros_like(U), zeros_like(V)
    return write_outs(svd_result(U, S, V), out, same_dtype=True)


def _qr_backward_tall(Q, R, gQ, gR):
    """dA of A = Q R for m >= n (R square, invertible):
    M = R gR^H - gQ^H Q,  dA = (gQ + Q copyltu(M)) R^-H, where copyltu(M) mirrors the strict
    lower triangle of M onto the upper one (conjugated) and keeps the real part of its diagonal."""
    M = R @ _h(gR) - _h(gQ) @ Q
    lower = xp.tril(M, -1)
    sym = lower + _h(lower) + _diag_embed(xp.diagonal(M, 0, -2, -1).real.astype(M.dtype))
    b = gQ + Q @ sym
    return _h(xp.linalg.solve(R, _h(b)))


class Qr(Function):
    """(Q, R) with A = Q R, Q orthonormal columns, R upper triangular. Shapes: A (*, m, n),
    k = min(m, n): 'reduced' Q (*, m, k), R (*, k, n); 'complete' Q (*, m, m), R (*, m, n);
    'r' an empty Q and R only.
    grad (m >= n): dA = (gQ + Q copyltu(R gR^H - gQ^H Q)) R^-H   (see _qr_backward_tall)
         (m < n): A = [X | Y] with X = Q R1 square and R2 = Q^H Y:
                  dY = Q gR2,  dX = the square case with gQ + Y gR2^H and gR1
    As in PyTorch, backward raises for mode 'r' and for 'complete' with m > n."""

    _node_name = "LinalgQrBackward0"   # PyTorch's node for this op

    @staticmethod
    def forward(ctx, A, mode):
        ctx.mode, ctx.shape = mode, A.shape
        if mode == "r":
            return xp.zeros((0,), dtype=A.dtype), xp.linalg.qr(A, mode="r")
        Q, R = xp.linalg.qr(A, mode=mode)
        ctx.save_for_backward(A, Output(Q, 0), Output(R, 1))
        return Q, R

    @staticmethod
    def backward(ctx, gQ, gR):
        m, n = ctx.shape[-2:]
        if ctx.mode == "r":
            raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed "
                               "when mode='r'. Please use linalg.qr(A, mode='reduced') if you "
                               "are going to differentiate through linalg.qr.")
        if ctx.mode == "complete" and m > n:
            raise RuntimeError("The QR decomposition is not differentiable when mode='complete' "
                               "and nrows > ncols.")
        A, Q, R = ctx.saved_tensors
        gQ = xp.zeros_like(Q) if gQ is None else gQ
        gR = xp.zeros_like(R) if gR is None else gR
        if m >= n:
            return _qr_backward_tall(Q, R, gQ, gR), None
        Y, gR1, gR2 = A[..., m:], gR[..., :m], gR[..., m:]
        gX = _qr_backward_tall(Q, R[..., :m], gQ + Y @ _h(gR2), gR1)
        return xp.concatenate([gX, Q @ gR2], -1), None


def qr(A, mode="reduced", *, out=None):
    """QR decomposition of A (*, m, n): mode 'reduced' (Q (*, m, k), R (*, k, n), k =
    min(m, n)), 'complete' (Q (*, m, m)) or 'r' (empty Q)."""
    _check_float(A, "qr")
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of "
                           f"'reduced' (default), 'r', or 'complete'")
    return write_outs(linalg_qr(*Qr.apply(A, mode)), out, same_dtype=True)


class Cholesky(Function):
    """L with A = L L^T (lower; U = L^T with upper=True) for positive-definite A
    grad: dA = sym(L^-T phi(L^T gL) L^-1), phi = lower triangle with its diagonal halved,
          sym(X) = (X + X^T) / 2
    Complex Hermitian A = L L^H (U = L^H): dA = L^-H (P + tril(P, -1)^H) / 2 L^-1 with
          P = tril(L^H gL), PyTorch's form (the two agree for real A)"""

    _node_name = "LinalgCholeskyExBackward0"   # PyTorch's node for this op

    @staticmethod
    def forward(ctx, A, upper):
        try:
            L = xp.linalg.cholesky(A)
        except xp.linalg.LinAlgError:
            raise _LinAlgError("linalg.cholesky: The factorization could not be completed "
                               "because the input is not positive-definite.") from None
        ctx.upper = upper
        if upper:
            L = xp.ascontiguousarray(conj_if_complex(L.swapaxes(-1, -2)))
        ctx.save_for_backward(Output(L))    # the factor returned: L, or U = L^H when upper
        return L

    @staticmethod
    def backward(ctx, g):
        (L,) = ctx.saved_tensors
        if ctx.upper:
            L, g = conj_if_complex(L.swapaxes(-1, -2)), conj_if_complex(g.swapaxes(-1, -2))
        if L.dtype.kind == "c":
            Lh = xp.conj(L.swapaxes(-1, -2))
            P = xp.tril(Lh @ g)
            X = (P + xp.conj(xp.tril(P, -1).swapaxes(-1, -2))) / 2
            L_inv = xp.linalg.inv(L)
            return xp.conj(L_inv.swapaxes(-1, -2)) @ X @ L_inv, None
        phi = xp.tril(L.swapaxes(-1, -2) @ g)
        n = L.shape[-1]
        phi[..., range(n), range(n)] *= 0.5
        L_inv = xp.linalg.inv(L)
        gA = L_inv.swapaxes(-1, -2) @ phi @ L_inv
        return (gA + gA.swapaxes(-1, -2)) / 2, None


def cholesky(A, *, upper=False, out=None):
    """Cholesky factor of symmetric positive-definite A (*, n, n): lower L with A = L L^T
    (upper=True: U = L^T). LinAlgError if A is not positive-definite."""
    _check_square(A, "cholesky")
    return write_out(Cholesky.apply(A, upper), out, same_dtype=True)


def cholesky_deprecated(input, upper=False, *, out=None):
    """torch.cholesky / Tensor.cholesky, the deprecated spelling of linalg.cholesky (its own
    node name in PyTorch: CholeskyBackward0)."""
    _check_square(input, "cholesky")
    return write_out(node_name(Cholesky.apply(input, upper), "CholeskyBackward0"), out)


def _cutoff(S, A_shape, atol, rtol):
    """Singular values at or below this count as zero: max(atol, rtol * largest), with
    PyTorch's default rtol = eps * max(m, n) when neither tolerance is given."""
    if isinstance(atol, Tensor):
        atol = atol._data
    if isinstance(rtol, Tensor):
        rtol = rtol._data
    if rtol is None:
        rtol = xp.finfo(S.dtype).eps * max(A_shape[-2:]) if atol is None else 0.0
    smax = S[..., :1] if S.shape[-1] else xp.zeros(S.shape[:-1] + (1,), S.dtype)
    return xp.maximum(0.0 if atol is None else atol, rtol * smax)


class Pinv(Function):
    """P = A^+ = V diag(1/s for s above the cutoff, else 0) U^H. Shapes: A (*, m, n), P (*, n, m).
    grad (rank constant near A): dA = -P^H gP P^H + (I - A P) gP^H P P^H + P^H P gP^H (I - P A)"""

    _node_name = "LinalgPinvBackward0"   # PyTorch's node for this op

    @staticmethod
    def forward(ctx, A, atol, rtol):
        U, S, Vh = xp.linalg.svd(A, full_matrices=False)
        keep = S > _cutoff(S, A.shape, atol, rtol)
        with xp.errstate(divide="ignore"):
            s_inv = xp.where(keep, 1 / xp.where(keep, S, 1), 0).astype(A.dtype)
        P = (_h(Vh) * s_inv[..., None, :]) @ _h(U)
        ctx.save_for_backward(A, Output(P))
        return P

    @staticmethod
    def backward(ctx, gP):
        A, P = ctx.saved_tensors
        Ph, gPh = _h(P), _h(gP)
        gA = -(Ph @ gP @ Ph)
        gA = gA + (gPh - A @ (P @ gPh)) @ (P @ Ph)
        gA = gA + (Ph @ P) @ (gPh - (gPh @ P) @ A)
        return gA, None, None


def pinv(A, *, atol=None, rtol=None, hermitian=False, out=None):
    """Moore-Penrose pseudo-inverse of A (*, m, n) -> (*, n, m), via the SVD."""
    _check_float(A, "pinv")
    return write_out(Pinv.apply(A, atol, rtol), out)


def pinverse(input, rcond=1e-15):
    """torch.pinverse / Tensor.pinverse (the older spelling of linalg.pinv): singular values at
    or below rcond * largest count as zero."""
    return pinv(input, rtol=rcond)


_LSTSQ_DRIVERS = ("gels", "gelsy", "gelsd", "gelss")


def lstsq(A, B, rcond=None, *, driver=None):
    """Least-squares solution X minimising ||A X - B|| for A (*, m, n), B (*, m, k) or a batch of
    vectors (*, m), batch dims broadcast. Computed as the minimum-norm solution pinv(A) B with
    singular values <= rcond * largest (default eps * max(m, n)) counted as zero, so its
    gradient is that of pinv and matmul. Returns (solution, residuals, rank, singular_values)
    filled per `driver` as in PyTorch: residuals ||A X - B||^2 per column only when m > n and
    A has full rank (never for the default 'gelsy'), rank except for 'gels', singular values
    for 'gelsd' and 'gelss'."""
    from ._tensor import _make
    if A.ndim < 2:
        raise RuntimeError("torch.linalg.lstsq: input must have at least 2 dimensions.")
    if A._data.dtype.kind not in "fc" or B._data.dtype.kind not in "fc":
        raise RuntimeError("This function doesn't handle types other than float and double")
    if A._data.dtype != B._data.dtype:
        raise RuntimeError(f"torch.linalg.lstsq: Expected input and other to have the same "
                           f"dtype, but got input's dtype {_cap(A)} and other's dtype {_cap(B)}")
    driver = "gelsy" if driver is None else driver
    if driver not in _LSTSQ_DRIVERS:
        raise RuntimeError("torch.linalg.lstsq: parameter `driver` should be one of (gels, "
                           "gelsy, gelsd, gelss)")
    vector = B.ndim == 1 or (B.ndim == A.ndim - 1 and tuple(B.shape) == tuple(A.shape[:-1]))
    Bm = B.unsqueeze(-1) if vector else B
    m, n = A.shape[-2:]
    if Bm.ndim < 2 or Bm.shape[-2] != m:
        raise RuntimeError("torch.linalg.lstsq: input.size(-2) should match other.size(-2)")
    real = xp.finfo(A._data.dtype).dtype
    if rcond is None:
        rcond = xp.finfo(real).eps * max(m, n)
    S = xp.linalg.svd(A._data, compute_uv=False).astype(real, copy=False)
    rank = (S > _cutoff(S, A.shape, 0.0, rcond)).sum(-1).astype(xp.int64)
    X = matmul(pinv(A, rtol=rcond), Bm)
    if driver != "gelsy" and m > n and (driver == "gels" or bool((rank == n).all())):
        from ._ops.reduce import sum as _sum
        r = matmul(A, X) - Bm
        residuals = _sum((r.real ** 2 + r.imag ** 2) if r.is_complex() else r ** 2, -2)
    else:
        residuals = X.reshape(-1)[:0]                       # empty, in the graph as in PyTorch
        residuals = residuals.real if residuals.is_complex() else residuals
    empty = xp.zeros((0,), dtype=real)
    return linalg_lstsq(X.squeeze(-1) if vector else X, residuals,
                        _make(rank if driver != "gels" else xp.zeros((0,), xp.int64)),
                        _make(S if driver in ("gelsd", "gelss") else empty))


def matrix_rank(A, *, atol=None, rtol=None, hermitian=False, tol=None, out=None):
    """Number of singular values of A (*, m, n) above max(atol, rtol * largest) -> int64 (*)."""
    _check_float(A, "matrix_rank")
    if tol is not None:
        atol, rtol = tol, 0.0
    from ._tensor import _make
    S = xp.linalg.svd(A._data, compute_uv=False)
    return write_out(_make((S > _cutoff(S, A.shape, atol, rtol)).sum(-1).astype(xp.int64)), out)


def multi_dot(tensors, *, out=None):
    """The product of a list of matrices (the first may be 1-d, the last may be 1-d)."""
    if len(tensors) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(tensors)}")
    result = tensors[0]
    for t in tensors[1:]:
        result = matmul(result, t)
    return write_out(result, out, same_dtype=True)




# ---------------------------------------------------------------------------------------------
# matrix functions: matrix_power, matrix_exp
# ---------------------------------------------------------------------------------------------
def _check_square_shape(A, name):
    if A.ndim < 2:
        raise RuntimeError(f"linalg.{name}: The input tensor A must have at least 2 dimensions.")
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"linalg.{name}: A must be batches of square matrices, but they are "
                           f"{A.shape[-2]} by {A.shape[-1]} matrices")


class MatrixPower(Function):
    """out = A^n (n >= 0; A^0 = I), by repeated squaring
    grad: dA = sum_{k<n} (A^k)^H g (A^(n-1-k))^H   (H: conjugate transpose)"""

    _node_name = "LinalgMatrixPowerBackward0"

    @staticmethod
    def forward(ctx, A, n):
        ctx.save_for_backward(A)
        ctx.n = n
        return xp.linalg.matrix_power(A, n)

    @staticmethod
    def backward(ctx, g):
        (A,) = ctx.saved_tensors
        n = ctx.n
        if n == 0:
            return xp.zeros_like(A), None
        powers = [xp.broadcast_to(xp.eye(A.shape[-1], dtype=A.dtype), A.shape)]
        for _ in range(n - 1):
            powers.append(powers[-1] @ A)
        A_t = [_t(conj_if_complex(P)) for P in powers]
        dA = sum(A_t[k] @ g @ A_t[n - 1 - k] for k in range(n))
        return dA, None


def matrix_power(A, n, *, out=None):
    """A multiplied by itself n times, for each matrix of A (*, m, m). n = 0 gives the identity,
    n < 0 the inverse's power (float A only). Integer matrices stay integer for n >= 0."""
    _check_square_shape(A, "matrix_power")
    n = int(n)
    if n < 0:
        return write_out(MatrixPower.apply(inv(A), -n), out, same_dtype=True)
    return write_out(MatrixPower.apply(A, n), out, same_dtype=True)


def _expm(A):
    from scipy.linalg import expm
    return expm(A).astype(A.dtype, copy=False)


class MatrixExp(Function):
    """out = exp(A) = sum_k A^k / k!   (scipy.linalg.expm: scaling and squaring)
    grad: dA = the upper-right block of exp([[A^T, g], [0, A^T]]) (the Frechet derivative of
          exp at A^T in the direction g)"""

    _node_name = "LinalgMatrixExpBackward0"

    @staticmethod
    def forward(ctx, A):
        ctx.save_for_backward(A)
        return _expm(A) if A.shape[-1] else A.copy()

    @staticmethod
    def backward(ctx, g):
        (A,) = ctx.saved_tensors
        m = A.shape[-1]
        if m == 0:
            return xp.zeros_like(A)
        block = xp.zeros(A.shape[:-2] + (2 * m, 2 * m), A.dtype)
        A_h = xp.conj(_t(A))
        block[..., :m, :m] = A_h
        block[..., m:, m:] = A_h
        block[..., :m, m:] = g
        return _expm(block)[..., :m, m:]


def matrix_exp(A):
    """The matrix exponential of each square matrix of A (*, m, m) (float or complex)."""
    _check_square(A, "matrix_exp")
    return MatrixExp.apply(A)
