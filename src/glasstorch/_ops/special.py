"""Special functions: lgamma, digamma, polygamma, mvlgamma, i0, xlogy, logit, sinc.

The gamma family and i0 are computed by SciPy's ufuncs (imported on first use, as
elementwise.py does for erf), in the input's float dtype; integer and bool inputs give the
default float dtype, as in PyTorch. Each derivative is the next function of the family
(lgamma' = digamma, digamma' = polygamma(1), polygamma(n)' = polygamma(n + 1), i0' = i1), so
the gamma family's backwards are differentiable again through the public functions here.
"""
import math

from .._backend import xp, ndarray
from .._tensor import Tensor, _make
from ..autograd.function import Function
from ._util import sum_to_shape, promote, float_input, write_out, where as _where
from .elementwise import _float_arg, _shape, _log_number
from . import _either as either


def _scipy(name, x, *args):
    """scipy.special.<name>(*args, x) cast back to x's float dtype (SciPy computes float16 in
    float32, and some functions only in float64)."""
    return either.as_array(getattr(either.scipy_special(), name)(*args, x)).astype(x.dtype, copy=False)


def _digamma(x):
    return digamma(x) if isinstance(x, Tensor) else _scipy("digamma", x)


def _polygamma(n, x):
    return polygamma(n, x) if isinstance(x, Tensor) else _scipy("polygamma", x, n)


# ---------------------------------------------------------------------------------------------
# the gamma family
# ---------------------------------------------------------------------------------------------
class Lgamma(Function):
    """out = ln |Gamma(x)|
    grad: dx = g * digamma(x)"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        out = _scipy("gammaln", x)
        # SciPy gives -inf at -inf; PyTorch (|Gamma| has poles at every negative integer) +inf
        return xp.where(x == -xp.inf, xp.inf, out).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * _digamma(x)


def lgamma(input, *, out=None):
    """ln |Gamma(input)| (inf at 0 and the negative integers)."""
    return write_out(Lgamma.apply(_float_arg(input, "lgamma")), out)


class Digamma(Function):
    """out = digamma(x) = Gamma'(x) / Gamma(x)   (-inf at 0, nan at negative integers)
    grad: dx = g * polygamma(1, x)"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        out = _scipy("digamma", x)
        # SciPy gives nan at 0 in some versions; PyTorch -inf at +0 and +inf at -0 (the
        # limit from the side of the zero's sign)
        return xp.where(x == 0, xp.copysign(xp.inf, -x), out).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * _polygamma(1, x)


def digamma(input, *, out=None):
    """The logarithmic derivative of Gamma; -inf at 0, nan at the negative integers."""
    return write_out(Digamma.apply(_float_arg(input, "digamma")), out)


class Polygamma(Function):
    """out = polygamma(n, x), the n-th derivative of digamma
    grad: dx = g * polygamma(n + 1, x)"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x, n):
        ctx.save_for_backward(x)
        ctx.n = n
        if n == 0:
            return Digamma.forward(ctx, x)
        return _scipy("polygamma", x, n)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * _polygamma(ctx.n + 1, x), None


def polygamma(n, input, *, out=None):
    """The n-th derivative of digamma (n >= 0; polygamma(0, x) is digamma(x))."""
    n = int(n)
    if n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")
    return write_out(Polygamma.apply(_float_arg(input, "polygamma"), n=n), out)


class I0(Function):
    """out = I0(x), the modified Bessel function of the first kind, order 0
    grad: dx = g * I1(x)"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return _scipy("i0", x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * _scipy("i1", x)


def i0(input, *, out=None):
    """The modified Bessel function of the first kind, order 0."""
    return write_out(I0.apply(_float_arg(input, "i0")), out)


# ---------------------------------------------------------------------------------------------
# xlogy, logit, sinc
# ---------------------------------------------------------------------------------------------
class Xlogy(Function):
    """out = a * ln(b), and 0 where a == 0 (unless b is nan)
    grad: da = g * ln(b) where a != 0 (0 where a == 0, nan if b is),  db = g * a / b"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return _xlogy(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        ga = gb = None
        if need_a:   # PyTorch's formula: g * xlogy(a != 0, b)
            nonzero = (either.raw(a) != 0).astype(either.raw(g).dtype)
            ga = sum_to_shape(g * _xlogy(nonzero, b), _shape(a))
        if need_b:
            gb = sum_to_shape(g * a / b, _shape(b))
        return ga, gb


def xlogy(input, other, *, out=None):
    """input * ln(other), 0 where input == 0 (so 0 * ln 0 = 0); broadcast, float result.
    Either argument may be a Python number."""
    a, b = promote(input, other)
    a = float_input(a) if isinstance(a, Tensor) else float(a)
    b = float_input(b) if isinstance(b, Tensor) else float(b)
    return write_out(Xlogy.apply(a, b), out)


def _xlogy(a, b):
    """a * ln(b) with 0 where a == 0 and b is not nan. a and b are arrays or Python numbers,
    or Tensors in a create_graph backward (then built from differentiable ops)."""
    zero = (xp.asarray(either.raw(a)) == 0) & ~xp.isnan(either.raw(b))
    if isinstance(a, Tensor) or isinstance(b, Tensor):
        from .where import where
        return where(_make(zero), 0.0, a * either.log(b))
    # a Python number's log stays a Python float: a NumPy float64 would upcast float32 arrays
    out = either.as_array(a * (xp.log(b) if isinstance(b, ndarray) else _log_number(b)))
    if xp.any(zero):
        out = xp.where(zero, 0, out).astype(out.dtype, copy=False)
    return out


class Logit(Function):
    """out = ln(z / (1 - z)) with z = x clamped to [eps, 1 - eps] when eps is given
    grad: dx = g / (x (1 - x)), and 0 where the clamp is active (x < eps or x > 1 - eps)"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x, eps):
        ctx.save_for_backward(x)
        ctx.eps = eps
        # PyTorch's clamp: x < eps -> eps, else x > 1 - eps -> 1 - eps (so eps > 0.5, where
        # the bounds cross, maps small x to eps and large x to 1 - eps; NaN stays NaN)
        z = x if eps is None else xp.where(x < eps, eps, xp.where(x > 1 - eps, 1 - eps, x))
        return either.as_array(xp.log(z / (1 - z))).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        gx = g / (x * (1 - x))
        if ctx.eps is not None:
            raw = either.raw(x)
            clamped = (raw < ctx.eps) | (raw > 1 - ctx.eps)
            if xp.any(clamped):   # where, not a product: the formula is inf at 0 and 1
                gx = _where(clamped, 0.0, gx)
        return gx, None


def logit(input, eps=None, *, out=None):
    """ln(z / (1 - z)), z = input clamped to [eps, 1 - eps] if eps is given."""
    return write_out(Logit.apply(_float_arg(input, "logit"), eps=eps), out)


class Sinc(Function):
    """out = sin(pi x) / (pi x), and 1 at x == 0
    grad: dx = g * (cos(pi x) - sinc(x)) / x, and 0 at x == 0"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x):
        # the output is not saved (backward computes sinc again), so writing into it in place
        # is allowed, as in PyTorch
        ctx.save_for_backward(x)
        return either.as_array(xp.sinc(x)).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        raw = either.raw(x)
        zero = raw == 0
        out = sinc(x) if isinstance(x, Tensor) else xp.sinc(raw).astype(raw.dtype, copy=False)
        safe_x = x + zero.astype(raw.dtype)   # 1 where x == 0, so no 0/0 is formed there
        gx = g * (either.cos(x * math.pi) - out) / safe_x
        return gx * (~zero).astype(raw.dtype)


def sinc(input, *, out=None):
    """The normalized sinc: sin(pi x) / (pi x), 1 at 0."""
    return write_out(Sinc.apply(_float_arg(input, "sinc")), out)


def polygamma_method(self, n):
    """x.polygamma(n): PyTorch's method takes n after self."""
    return polygamma(n, self)


def mvlgamma(input, p, *, out=None):
    """The multivariate log-gamma of dimension p:
    sum_{i<p} lgamma(input - i/2) + p (p - 1) / 4 * ln(pi). Shape: as input."""
    x = _float_arg(input, "mvlgamma")
    if p < 1:
        raise RuntimeError("p has to be greater than or equal to 1")
    halves = _make(-xp.arange(p, dtype=x._data.dtype) / 2)          # 0, -1/2, -1, ...
    terms = lgamma(x.unsqueeze(-1) + halves)                       # (*, p)
    return write_out(terms.sum(-1) + p * (p - 1) / 4 * math.log(math.pi), out)
