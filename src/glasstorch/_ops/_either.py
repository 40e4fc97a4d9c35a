"""Math on a NumPy array or a Tensor: the one spelling that differentiable backwards use.

A backward marked `differentiable_backward` gets NumPy arrays in a normal backward pass and
Tensors under `create_graph=True`, where every step must be recorded so the gradient can be
differentiated again. `either.exp(x)` is `xp.exp(x)` for an array and the op `exp` for a Tensor
(called as the Tensor method, which is the op itself: this module imports no op file).
Numbers behave like arrays."""
from .. import _backend
from .._backend import xp, ndarray
from .._tensor import Tensor


def raw(x):
    """The NumPy array (or number) behind `x` (masks inside a backward, values to write)."""
    return x._data if isinstance(x, Tensor) else x


def as_array(out):
    """NumPy returns a scalar, not a 0-d array, from ufuncs on 0-d input. Ops that save their
    output need the very array the output Tensor wraps (for version checks and create_graph)."""
    return out if type(out) is ndarray else xp.asarray(out)


def exp(x):
    return x.exp() if isinstance(x, Tensor) else xp.exp(x)


def log(x):
    return x.log() if isinstance(x, Tensor) else xp.log(x)


def sin(x):
    return x.sin() if isinstance(x, Tensor) else xp.sin(x)


def cos(x):
    return x.cos() if isinstance(x, Tensor) else xp.cos(x)


def sinh(x):
    return x.sinh() if isinstance(x, Tensor) else xp.sinh(x)


def cosh(x):
    return x.cosh() if isinstance(x, Tensor) else xp.cosh(x)


def tanh(x):
    return x.tanh() if isinstance(x, Tensor) else xp.tanh(x)


def sigmoid(x):
    """1 / (1 + exp(-x)), computed without overflow (one ufunc call: `_backend.expit`).
    expit has no complex loop: a complex x takes the plain formula, as PyTorch does."""
    if isinstance(x, Tensor):
        return x.sigmoid()
    if x.dtype.kind == "c":
        return as_array(1 / (1 + xp.exp(-x)))
    out = as_array(_backend.expit(x))
    return out if out.dtype == x.dtype else out.astype(x.dtype)  # expit has no float16 loop


def erf(x):
    if isinstance(x, Tensor):
        return x.erf()
    return scipy_special().erf(x).astype(x.dtype)


def scipy_special():
    """scipy.special (erf, erfc, erfinv, gammaln …), imported on first use: it is slow to
    import and most programs never call these."""
    from scipy import special
    return special
