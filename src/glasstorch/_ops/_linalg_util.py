"""What the linear-algebra op files share: PyTorch's LinAlgError, the input checks with
PyTorch's messages, and the transposes of the last two axes."""
from .. import _backend
from .._backend import xp
from .._tensor import Tensor


class _LinAlgError(RuntimeError):
    """A linear-algebra routine failed on its input (singular, not positive-definite …).
    Named like PyTorch's class (torch._C._LinAlgError) so exception types compare equal."""


LinAlgError = _LinAlgError


def cap(t):
    """'Float', 'Long' …: the capitalised scalar-type name PyTorch prints."""
    return _backend.scalar_name(t.dtype)


def shape_str(shape):
    """'2x3': a shape as PyTorch's linalg messages print it."""
    return "x".join(str(s) for s in shape)


def check_float(A, name):
    if A._data.dtype.kind not in "fc":
        raise RuntimeError(f"linalg.{name}: Expected a floating point or complex tensor as "
                           f"input. Got {cap(A)}")


def check_square_shape(A, name):
    if A.ndim < 2:
        raise RuntimeError(f"linalg.{name}: The input tensor A must have at least 2 dimensions.")
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"linalg.{name}: A must be batches of square matrices, but they are "
                           f"{A.shape[-2]} by {A.shape[-1]} matrices")


def check_square(A, name):
    check_float(A, name)
    check_square_shape(A, name)


def t(x):
    """Swap the last two axes (NumPy arrays and Tensors alike, for differentiable backwards)."""
    return x.transpose(-1, -2) if isinstance(x, Tensor) else x.swapaxes(-1, -2)


def h(x):
    """Conjugate transpose of the last two axes of an array (plain transpose for real ones)."""
    return xp.conj(x.swapaxes(-1, -2)) if xp.iscomplexobj(x) else x.swapaxes(-1, -2)


def diag_embed(d):
    """(*, k) -> (*, k, k) with d on the diagonal."""
    return d[..., :, None] * xp.eye(d.shape[-1], dtype=d.dtype)
