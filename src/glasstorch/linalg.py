"""glasstorch.linalg: norms, inverse, determinant, solve, and the decompositions (torch.linalg).

All functions work on batches: a matrix argument has shape (*, m, n) and the leading dims are
batch dims. Gradients: norm, vector_norm, matrix_norm, inv, det, slogdet (logabsdet), solve,
eigh, cholesky, svd/svdvals, qr and pinv have backward formulas (real matrices; the svd, qr
and pinv ones once differentiable); matrix_rank is an integer and has no gradient.
LAPACK failures (singular or non-positive-definite input) raise `LinAlgError`, a RuntimeError,
as in PyTorch.
"""
import math

from . import return_types
from ._backend import xp
from ._tensor import Tensor
from .autograd.function import Function, Output
from ._ops._util import sum_to_shape, wrap_dims, node_name, write_out, write_outs
from ._ops._summation import accumulator, pairwise_sum
from ._ops.linalg import matmul, linalg_cross as cross, _cap, _t

__all__ = ["norm", "vector_norm", "matrix_norm", "inv", "det", "slogdet", "solve", "pinv",
           "matrix_rank", "eigh", "eigvalsh", "svd", "svdvals", "qr", "cholesky", "cross",
           "matmul", "multi_dot", "matrix_power", "matrix_exp", "LinAlgError"]


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
    grad: dA = -out^T g out^T"""

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
        out_t = _t(out)
        return -(out_t @ g @ out_t)


def inv(A, *, out=None):
    """The inverse of each square matrix in A (*, n, n). LinAlgError if one is singular."""
    _check_square(A, "inv")
    return write_out(Inv.apply(A), out, same_dtype=True)


class Det(Function):
    """out = det(A)
    grad: dA = g * adj(A)^T, computed from the SVD A = U S Vh as det(U) det(Vh) U diag(c) Vh
          with c_i = prod_{j != i} s_j (valid for singular A too, unlike det(A) A^-T)"""

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
        sign = xp.linalg.det(U) * xp.linalg.det(Vh)
        cofactor = (U * (prefix * suffix)[..., None, :]) @ Vh
        return (cofactor * (sign * g)[..., None, None]).astype(A.dtype, copy=False)


def det(A, *, out=None):
    """Determinant of each square matrix in A (*, n, n) -> (*)."""
    _check_square(A, "det")
    return write_out(Det.apply(A), out, same_dtype=True)


class Slogdet(Function):
    """(sign, logabsdet) = sign and log|det(A)|
    grad: dA = g_logabsdet * A^-T   (sign has no gradient)"""

    _node_name = "LinalgSlogdetBackward0"   # PyTorch's node for this op

    @staticmethod
    def forward(ctx, A):
        sign, logabs = xp.linalg.slogdet(A)
        sign, logabs = sign.astype(A.dtype, copy=False), logabs.astype(A.dtype, copy=False)
        ctx.save_for_backward(A)
        return sign, logabs     # sign requires grad as in PyTorch, but its gradient is zero

    @staticmethod
    def backward(ctx, g_sign, g_logabs):
        (A,) = ctx.saved_tensors
        return _t(xp.linalg.inv(A)) * g_logabs[..., None, None]


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
    grad: dB = A^-T g,  dA = -dB X^T   (summed over broadcast batch dims)"""

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
        A, X = ctx.saved_tensors
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
    grad: dA = V (diag(gL) + skew(V^T gV) / E) V^T,  E_ij = L_j - L_i, skew(M) = (M - M^T)/2"""

    _node_name = "LinalgEighBackward0"   # PyTorch's node for this op

    @staticmethod
    def forward(ctx, A, uplo):
        L, V = xp.linalg.eigh(A, UPLO=uplo)
        ctx.save_for_backward(Output(L, 0), Output(V, 1))
        return L, V

    @staticmethod
    def backward(ctx, gL, gV):
        L, V = ctx.saved_tensors
        Vt = V.swapaxes(-1, -2)
        inner = xp.zeros(V.shape, dtype=V.dtype)
        if gV is not None:
            M = Vt @ gV
            E = L[..., None, :] - L[..., :, None]
            n = L.shape[-1]
            E[..., range(n), range(n)] = 1       # the skew part is 0 on the diagonal anyway
            inner = (M - M.swapaxes(-1, -2)) / 2 / E
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


class Svd(Function):
    """(U, S, Vh) with A = U diag(S) Vh, singular values descending
    grad (k = min(m, n) leading columns of U and rows of Vh; real A, distinct singular values):
        F = (skew(U^T gU) S + S skew(Vh gVh^T)) / E + diag(gS),  E_ij = S_j^2 - S_i^2,
        skew(M) = M - M^T;  dA = U F Vh, plus (I - U U^T) gU S^-1 Vh when m > n,
        plus U S^-1 gVh (I - Vh^T Vh) when m < n  (only gS: dA = U diag(gS) Vh)"""

    _node_name = "LinalgSvdBackward0"   # PyTorch's node for this op

    @staticmethod
    def forward(ctx, A, full_matrices):
        U, S, Vh = xp.linalg.svd(A, full_matrices=full_matrices)
        ctx.factors = (U, S, Vh)        # (outputs: kept on ctx, read once by backward)
        return U, S, Vh

    @staticmethod
    def backward(ctx, gU, gS, gVh):
        U, S, Vh = ctx.factors
        if xp.iscomplexobj(U):
            raise RuntimeError("the derivative of linalg.svd of complex matrices is not "
                               "implemented in glasstorch")
        k = S.shape[-1]
        U, Vh, gU, gVh = U[..., :k], Vh[..., :k, :], gU[..., :k], gVh[..., :k, :]
        m, n = U.shape[-2], Vh.shape[-1]
        has_u, has_v = bool(xp.any(gU)), bool(xp.any(gVh))   # unused outputs come as zeros
        if not (has_u or has_v):
            return (U * gS[..., None, :]) @ Vh, None
        S2 = S * S
        E = S2[..., None, :] - S2[..., :, None]
        E[..., range(k), range(k)] = 1                      # the diagonal is 0 / 1 below
        F = xp.zeros(U.shape[:-2] + (k, k), U.dtype)
        if has_u:
            UtgU = _t(U) @ gU
            F += (UtgU - _t(UtgU)) * S[..., None, :]
        if has_v:
            VhgV = Vh @ _t(gVh)
            F += S[..., :, None] * (VhgV - _t(VhgV))
        F = F / E
        F[..., range(k), range(k)] = gS
        if m > n and has_u:       # the part of gU outside U's column space
            gU_Sinv = gU / S[..., None, :]
            return (U @ F + gU_Sinv - U @ (_t(U) @ gU_Sinv)) @ Vh, None
        if m < n and has_v:       # the part of gVh outside Vh's row space
            Sinv_gVh = gVh / S[..., :, None]
            return U @ (F @ Vh + Sinv_gVh - (Sinv_gVh @ _t(Vh)) @ Vh), None
        return U @ F @ Vh, None


def svd(A, full_matrices=True, *, driver=None, out=None):
    """A (*, m, n) = U (*, m, m) diag(S) (*, min(m, n)) Vh (*, n, n) (U (*, m, k) and Vh
    (*, k, n) with k = min(m, n) when full_matrices=False)."""
    _check_float(A, "svd")
    if A.ndim < 2:
        raise RuntimeError("linalg.svd: The input tensor A must have at least 2 dimensions.")
    return write_outs(linalg_svd(*Svd.apply(A, full_matrices)), out, same_dtype=True)


def svdvals(A, *, driver=None, out=None):
    """The singular values of A (*, m, n), descending -> (*, min(m, n))."""
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


class Qr(Function):
    """(Q, R) with A = Q R, Q orthonormal columns, R upper triangular
    grad (real A, full column rank): for m >= n, M = R gR^T - gQ^T Q,
        dA = (gQ + Q copyltu(M)) R^-T,  copyltu(M) = tril(M) + tril(M, -1)^T;
        for m < n, A = [X | Y], R = [U | V]: dY = Q gV and dX as above with U, gU and
        gQ + Y gV^T in place of R, gR and gQ"""

    _node_name = "LinalgQrBackward0"   # PyTorch's node for this op

    @staticmethod
    def forward(ctx, A, mode):
        if mode == "r":
            Q, R = xp.zeros((0,), dtype=A.dtype), xp.linalg.qr(A, mode="r")
        else:
            Q, R = xp.linalg.qr(A, mode=mode)
        ctx.factors, ctx.mode, ctx.A_shape = (Q, R), mode, A.shape
        return Q, R

    @staticmethod
    def backward(ctx, gQ, gR):
        Q, R = ctx.factors
        m, n = ctx.A_shape[-2:]
        if ctx.mode == "r":
            raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed "
                               "when mode='r'. Please use linalg.qr(A, mode='reduced') if you "
                               "are going to differentiate through linalg.qr.")
        if ctx.mode == "complete" and m > n:
            raise RuntimeError("The QR decomposition is not differentiable when "
                               "mode='complete' and nrows > ncols.")
        if xp.iscomplexobj(Q):
            raise RuntimeError("the derivative of linalg.qr of complex matrices is not "
                               "implemented in glasstorch")
        if m >= n:
            return _qr_square_backward(Q, R, gQ, gR), None
        U, V, gU, gV = R[..., :m], R[..., m:], gR[..., :m], gR[..., m:]
        Y = Q @ V                                           # the columns beyond the m-th
        gX = _qr_square_backward(Q, U, gQ + Y @ _t(gV), gU)
        return xp.concatenate([gX, Q @ gV], axis=-1), None


def _qr_square_backward(Q, R, gQ, gR):
    """dA for A = Q R with R square (n, n): (gQ + Q copyltu(R gR^T - gQ^T Q)) R^-T."""
    M = R @ _t(gR) - _t(gQ) @ Q
    lower = xp.tril(M)
    sym = lower + _t(xp.tril(M, -1))
    B = gQ + Q @ sym
    return _t(xp.linalg.solve(R, _t(B)))                 # B R^-T


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
          sym(X) = (X + X^T) / 2"""

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
            L = xp.ascontiguousarray(L.swapaxes(-1, -2))
        ctx.save_for_backward(Output(L))    # the factor returned: L, or U = L^T when upper
        return L

    @staticmethod
    def backward(ctx, g):
        (L,) = ctx.saved_tensors
        if ctx.upper:
            L, g = L.swapaxes(-1, -2), g.swapaxes(-1, -2)
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
    """A^+ = V diag(1/s for s above the cutoff, else 0) U^T
    grad (rank constant near A): dA = -P^T G P^T + (I - A P) G^T P P^T + P^T P G^T (I - P A),
          P = A^+"""

    _node_name = "LinalgPinvBackward0"   # PyTorch's node for this op

    @staticmethod
    def forward(ctx, A, atol, rtol):
        U, S, Vh = xp.linalg.svd(A, full_matrices=False)
        keep = S > _cutoff(S, A.shape, atol, rtol)
        with xp.errstate(divide="ignore"):
            s_inv = xp.where(keep, 1 / xp.where(keep, S, 1), 0).astype(A.dtype)
        P = (Vh.swapaxes(-1, -2) * s_inv[..., None, :]) @ U.swapaxes(-1, -2)
        ctx.save_for_backward(A)
        ctx.pinv = P
        return P

    @staticmethod
    def backward(ctx, g):
        (A,) = ctx.saved_tensors
        P = ctx.pinv
        Pt, gt = _t(P), _t(g)
        outside_columns = gt - A @ (P @ gt)                 # (I - A P) G^T
        outside_rows = gt - (gt @ P) @ A                    # G^T (I - P A)
        return (-(Pt @ g @ Pt) + outside_columns @ (P @ Pt) + (Pt @ P) @ outside_rows,
                None, None)


def pinv(A, *, atol=None, rtol=None, hermitian=False, out=None):
    """Moore-Penrose pseudo-inverse of A (*, m, n) -> (*, n, m), via the SVD."""
    _check_float(A, "pinv")
    return write_out(Pinv.apply(A, atol, rtol), out)


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
    grad: dA = sum_{k<n} (A^k)^T g (A^(n-1-k))^T"""

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
        A_t = [_t(P) for P in powers]
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
