"""Matrix decompositions and their backwards: eigh, eig, svd (and torch.svd), qr, cholesky.
Matrices have shape (*, m, n); the leading dims are batch dims. A non-positive-definite input
to cholesky raises LinAlgError, a RuntimeError, as in PyTorch."""
from .._backend import xp
from ..autograd.function import Function, Output
from ._util import node_name, conj_if_complex, write_out, write_outs
from ._linalg_util import LinAlgError, check_float, check_square, h, diag_embed
from ..return_types import linalg_eigh, linalg_eig, linalg_svd, linalg_qr, svd as svd_result


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
    check_square(A, "eigh")
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    return write_outs(linalg_eigh(*Eigh.apply(A, UPLO)), out, same_dtype=True)


def eigvalsh(A, UPLO="L", *, out=None):
    """Eigenvalues (ascending) of symmetric matrices A (*, n, n)."""
    return write_out(eigh(A, UPLO).eigenvalues, out, same_dtype=True)


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
            VhgV = h(V) @ gV
            diag = xp.diagonal(VhgV, 0, -2, -1)
            if xp.any(xp.abs(diag.imag) > _PHASE_TOL):
                raise RuntimeError("linalg_eig_backward: The eigenvectors in the complex case "
                                   "are specified up to multiplication by e^{i phi}. The "
                                   "specified loss function depends on this quantity, so it "
                                   "is ill-defined.")
            E = xp.conj(L[..., None, :] - L[..., :, None])
            E[..., range(n), range(n)] = 1
            with xp.errstate(divide="ignore", invalid="ignore"):
                inner = (VhgV - h(V) @ (V * diag.real[..., None, :])) / E
            inner[..., range(n), range(n)] = 0
        if gL is not None:
            inner = inner + diag_embed(gL)
        gA = xp.linalg.solve(h(V), inner @ h(V))
        return gA.real if ctx.real_input else gA


def eig(A, *, out=None):
    """Eigenvalues and eigenvectors (columns, norm 1) of square matrices A (*, n, n), complex
    even for real A; no particular order."""
    check_square(A, "eig")
    return linalg_eig(*Eig.apply(A))


def eigvals(A, *, out=None):
    """Eigenvalues of square matrices A (*, n, n), complex -> (*, n)."""
    check_square(A, "eigvals")
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
            inner = inner + diag_embed(gS)
        if gU is None and gVh is None:
            return U @ inner @ Vh, None
        V = h(Vh)
        gU = xp.zeros_like(U) if gU is None else gU
        gV = xp.zeros_like(V) if gVh is None else h(gVh)
        UhgU, VhgV = h(U) @ gU, h(V) @ gV
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
            inner = inner + ((UhgU - h(UhgU)) * S[..., None, :]
                             + S[..., :, None] * (VhgV - h(VhgV))) / E
            if xp.iscomplexobj(U):
                inner = inner + diag_embed(1j * xp.diagonal(UhgU, 0, -2, -1).imag / S)
            gA = U @ inner @ Vh
            if m > k:
                gA = gA + ((gU - U @ UhgU) / S[..., None, :]) @ Vh
            if n > k:
                gVh_k = h(gV)
                gA = gA + U @ ((gVh_k - h(VhgV) @ Vh) / S[..., :, None])
        return gA, None


def svd(A, full_matrices=True, *, driver=None, out=None):
    """A (*, m, n) = U (*, m, m) diag(S) (*, min(m, n)) Vh (*, n, n) (U (*, m, k) and Vh
    (*, k, n) with k = min(m, n) when full_matrices=False)."""
    check_float(A, "svd")
    if A.ndim < 2:
        raise RuntimeError("linalg.svd: The input tensor A must have at least 2 dimensions.")
    return write_outs(linalg_svd(*Svd.apply(A, full_matrices)), out, same_dtype=True)


def svdvals(A, *, driver=None, out=None):
    """The singular values of A (*, m, n), descending -> (*, min(m, n)).
    Their gradient is U diag(gS) Vh."""
    check_float(A, "svdvals")
    return write_out(Svd.apply(A, False)[1], out, same_dtype=True)


def torch_svd(input, some=True, compute_uv=True, *, out=None):
    """torch.svd (older API): returns (U, S, V) with V, not V^T; reduced when some=True."""
    U, S, Vh = svd(input, full_matrices=not some)
    from .products import einsum
    V = einsum("...ij->...ji", Vh)
    if not compute_uv:
        from .creation import zeros_like
        U, V = zeros_like(U), zeros_like(V)
    return write_outs(svd_result(U, S, V), out, same_dtype=True)


def _qr_backward_tall(Q, R, gQ, gR):
    """dA of A = Q R for m >= n (R square, invertible):
    M = R gR^H - gQ^H Q,  dA = (gQ + Q copyltu(M)) R^-H, where copyltu(M) mirrors the strict
    lower triangle of M onto the upper one (conjugated) and keeps the real part of its diagonal."""
    M = R @ h(gR) - h(gQ) @ Q
    lower = xp.tril(M, -1)
    sym = lower + h(lower) + diag_embed(xp.diagonal(M, 0, -2, -1).real.astype(M.dtype))
    b = gQ + Q @ sym
    return h(xp.linalg.solve(R, h(b)))


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
        gX = _qr_backward_tall(Q, R[..., :m], gQ + Y @ h(gR2), gR1)
        return xp.concatenate([gX, Q @ gR2], -1), None


def qr(A, mode="reduced", *, out=None):
    """QR decomposition of A (*, m, n): mode 'reduced' (Q (*, m, k), R (*, k, n), k =
    min(m, n)), 'complete' (Q (*, m, m)) or 'r' (empty Q)."""
    check_float(A, "qr")
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
            raise LinAlgError("linalg.cholesky: The factorization could not be completed "
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
    check_square(A, "cholesky")
    return write_out(Cholesky.apply(A, upper), out, same_dtype=True)


def cholesky_deprecated(input, upper=False, *, out=None):
    """torch.cholesky / Tensor.cholesky, the deprecated spelling of linalg.cholesky (its own
    node name in PyTorch: CholeskyBackward0)."""
    check_square(input, "cholesky")
    return write_out(node_name(Cholesky.apply(input, upper), "CholeskyBackward0"), out)
