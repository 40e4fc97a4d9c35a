"""Inverses and linear systems: inv, det, slogdet, logdet, solve, and the SVD-based pinv,
lstsq and matrix_rank. Matrices have shape (*, m, n); the leading dims are batch dims.
LAPACK failures (a singular input) raise LinAlgError, a RuntimeError, as in PyTorch."""
import warnings

from .._backend import xp
from .._tensor import Tensor, _make
from ..autograd.function import Function, Output
from ._util import sum_to_shape, conj_if_complex, check_broadcast, write_out, write_outs
from ._linalg_util import LinAlgError, cap, shape_str, check_float, check_square, t, h
from .products import matmul
from ..return_types import linalg_slogdet, linalg_lstsq


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
            raise LinAlgError("linalg.inv: The diagonal element is zero, the inversion could "
                               "not be completed because the input matrix is singular.") from None
        ctx.save_for_backward(Output(out))
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        out_t = t(conj_if_complex(out))
        return -(out_t @ g @ out_t)


def inv(A, *, out=None):
    """The inverse of each square matrix in A (*, n, n). LinAlgError if one is singular."""
    check_square(A, "inv")
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
    check_square(A, "det")
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
        return t(xp.conj(xp.linalg.inv(A))) * g_log_det[..., None, None]


def _inv_t_or_inf(A):
    """A^-T; for a singular A the infinities and NaNs of LAPACK's LU solve (what PyTorch gives
    as the gradient of log|det| there) instead of an error."""
    try:
        return t(xp.linalg.inv(A))
    except xp.linalg.LinAlgError:
        pass
    from scipy.linalg import lu_factor, lu_solve, LinAlgWarning
    eye = xp.broadcast_to(xp.eye(A.shape[-1], dtype=A.dtype), A.shape)
    with xp.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", LinAlgWarning)     # "exactly singular": expected here
        return lu_solve(lu_factor(t(A), check_finite=False), eye, check_finite=False)


def slogdet(A, *, out=None):
    """(sign, log|det|) of each square matrix in A (*, n, n), as a named tuple; avoids the
    overflow of det for large matrices."""
    check_square(A, "slogdet")
    return write_outs(linalg_slogdet(*Slogdet.apply(A)), out, same_dtype=True)


def logdet(input):
    """log det(A): nan where the determinant is negative, -inf where it is zero."""
    check_square(input, "logdet")
    sign, logabs = Slogdet.apply(input)
    from .elementwise import add, log
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
            raise LinAlgError("torch.linalg.solve: The solver failed because the input matrix "
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
    check_square(A, "solve")
    if A._data.dtype != B._data.dtype:
        raise RuntimeError(f"linalg.solve: Expected A and B to have the same dtype, but found A "
                           f"of type {cap(A)} and B of type {cap(B)} instead")
    vector = B.ndim == 1 or (B.ndim == A.ndim - 1 and tuple(B.shape) == tuple(A.shape[:-1]))
    n = A.shape[-1]
    k_dim = B.shape[-1] if vector else (B.shape[-2] if left else B.shape[-1])
    if vector and not left:     # PyTorch reads B as a column (n, 1): X A = B cannot hold
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation "
                           f"XA = B ({shape_str(A.shape)} and {shape_str(tuple(B.shape) + (1,))})")
    if B.ndim < 1 or k_dim != n:
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation "
                           f"{'AX = B' if left else 'XA = B'} ({shape_str(A.shape)} and "
                           f"{shape_str(B.shape)})")
    check_broadcast(tuple(A.shape[:-2]), tuple(B.shape[:-1] if vector else B.shape[:-2]))
    return write_out(Solve.apply(A, B, vector, left), out, same_dtype=True)


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
        P = (h(Vh) * s_inv[..., None, :]) @ h(U)
        ctx.save_for_backward(A, Output(P))
        return P

    @staticmethod
    def backward(ctx, gP):
        A, P = ctx.saved_tensors
        Ph, gPh = h(P), h(gP)
        gA = -(Ph @ gP @ Ph)
        gA = gA + (gPh - A @ (P @ gPh)) @ (P @ Ph)
        gA = gA + (Ph @ P) @ (gPh - (gPh @ P) @ A)
        return gA, None, None


def pinv(A, *, atol=None, rtol=None, hermitian=False, out=None):
    """Moore-Penrose pseudo-inverse of A (*, m, n) -> (*, n, m), via the SVD."""
    check_float(A, "pinv")
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
    if A.ndim < 2:
        raise RuntimeError("torch.linalg.lstsq: input must have at least 2 dimensions.")
    if A._data.dtype.kind not in "fc" or B._data.dtype.kind not in "fc":
        raise RuntimeError("This function doesn't handle types other than float and double")
    if A._data.dtype != B._data.dtype:
        raise RuntimeError(f"torch.linalg.lstsq: Expected input and other to have the same "
                           f"dtype, but got input's dtype {cap(A)} and other's dtype {cap(B)}")
    driver = "gelsy" if driver is None else driver
    if driver not in _LSTSQ_DRIVERS:
        raise RuntimeError("torch.linalg.lstsq: parameter `driver` should be one of (gels, "
                           "gelsy, gelsd, gelss)")
    if not 0 <= A.ndim - B.ndim <= 1:
        raise RuntimeError("torch.linalg.lstsq: input.dim() must be greater or equal to "
                           "other.dim() and (input.dim() - other.dim()) <= 1")
    vector = B.ndim == 1 or (B.ndim == A.ndim - 1 and tuple(B.shape) == tuple(A.shape[:-1]))
    Bm = B.unsqueeze(-1) if vector else B
    m, n = A.shape[-2:]
    if Bm.shape[-2] != m:
        raise RuntimeError(f"torch.linalg.lstsq: input.size(-2) should match "
                           f"other.size({-1 if B.ndim == 1 else -2})")
    # PyTorch's batch shape when B has one dim less than A but is not a batch of vectors: B is
    # one matrix, and the solution is repeated over broadcast(A's batch dims, B.shape[:-1])
    batch = None
    if B.ndim == A.ndim - 1 and not vector:
        check_broadcast(tuple(A.shape[:-2]), tuple(B.shape[:-1]))
        batch = tuple(xp.broadcast_shapes(tuple(A.shape[:-2]), tuple(B.shape[:-1])))
    real = xp.finfo(A._data.dtype).dtype
    if rcond is None:
        rcond = xp.finfo(real).eps * max(m, n)
    S = xp.linalg.svd(A._data, compute_uv=False).astype(real, copy=False)
    rank = (S > _cutoff(S, A.shape, 0.0, rcond)).sum(-1).astype(xp.int64)
    X = matmul(pinv(A, rtol=rcond), Bm)
    if batch is not None:
        X = X.expand(batch + tuple(X.shape[-2:]))
    if driver != "gelsy" and m > n and (driver == "gels" or bool((rank == n).all())):
        from .reduce import sum as _sum
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
    check_float(A, "matrix_rank")
    if tol is not None:
        atol, rtol = tol, 0.0
    S = xp.linalg.svd(A._data, compute_uv=False)
    return write_out(_make((S > _cutoff(S, A.shape, atol, rtol)).sum(-1).astype(xp.int64)), out)
