"""Functions of a square matrix: matrix_power (A^n) and matrix_exp (exp(A)), batched."""
from .._backend import xp
from ..autograd.function import Function
from ._util import conj_if_complex, write_out
from ._linalg_util import check_square, check_square_shape, t
from .solvers import inv


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
        A_t = [t(conj_if_complex(P)) for P in powers]
        dA = sum(A_t[k] @ g @ A_t[n - 1 - k] for k in range(n))
        return dA, None


def matrix_power(A, n, *, out=None):
    """A multiplied by itself n times, for each matrix of A (*, m, m). n = 0 gives the identity,
    n < 0 the inverse's power (float A only). Integer matrices stay integer for n >= 0."""
    check_square_shape(A, "matrix_power")
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
        A_h = xp.conj(t(A))
        block[..., :m, :m] = A_h
        block[..., m:, m:] = A_h
        block[..., :m, m:] = g
        return _expm(block)[..., :m, m:]


def matrix_exp(A):
    """The matrix exponential of each square matrix of A (*, m, m) (float or complex)."""
    check_square(A, "matrix_exp")
    return MatrixExp.apply(A)
