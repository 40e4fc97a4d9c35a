"""Elementwise arithmetic and math: each op's forward and backward side by side.

Binary ops broadcast like PyTorch and promote dtypes by PyTorch's rules (`_util.promote`);
their backward sums the gradient back to each input's shape (`sum_to_shape`). Backwards marked
`differentiable_backward` use only operators and methods that Tensors also have, so
`create_graph=True` can differentiate them again.

Complex inputs follow PyTorch's (conjugate Wirtinger) convention: the gradient of a real loss
with respect to z = x + iy is dL/dx + i dL/dy, so a holomorphic f's backward is g * conj(f'(z))
and a product's is g * conj(other operand). `_conj` (`conj_if_complex`) conjugates only complex
values, so the real path pays one type check. The docstrings below give the real formulas. Rounding, clamping, `where`, `lerp` and the
integer-style divisions live in `rounding.py`, `minmax.py`, `where.py`, `fused_arithmetic.py` and
`division.py`; comparisons in `comparison.py`.
"""
import math

from .. import _backend
from .._backend import xp, ndarray
from .._tensor import Tensor, _make
from ..autograd.function import Function, Output
from ._util import (sum_to_shape, promote, float_input, node_name, write_out, where as _where,
                    refuse_complex, check_tensor)
from ._util import conj_if_complex as _conj
from . import _either as either


# ---------------------------------------------------------------------------------------------
# helpers shared by several ops
# ---------------------------------------------------------------------------------------------
def _shape(x):
    """The shape of an array operand; () for a Python number."""
    return getattr(x, "shape", ())


def first_number_as_tensor(input, other):
    """add, sub, mul and div also take two numbers (torch.add(2.0, 3.0) is tensor(5.)): the
    first becomes a 0-d tensor of its default dtype, as PyTorch's Scalar overloads do."""
    if isinstance(other, Tensor) or not isinstance(input, (bool, int, float, complex, xp.generic)):
        return input
    from .creation import tensor
    return tensor(input)


def _float_arg(x, fname):
    """A float tensor for a float-valued unary op: ints and bools become the default float."""
    if not isinstance(x, Tensor):
        check_tensor(fname, x)
    if x._data.dtype.kind in "fc":
        return x
    return x.to(_backend.get_default_dtype())


def _raw_kind(x):
    """NumPy dtype kind of a Tensor operand, or of a Python number ('b', 'i', 'f', 'c')."""
    if isinstance(x, Tensor):
        return x._data.dtype.kind
    if isinstance(x, bool):
        return "b"
    return "i" if isinstance(x, int) else "f"


def _check_alpha(a, b, alpha):
    """PyTorch refuses an alpha of a higher category than the result (float alpha for ints)."""
    kind = _raw_kind(a) if isinstance(a, Tensor) else _raw_kind(b)
    if kind in "iu" and isinstance(alpha, float):
        raise RuntimeError("For integral input tensors, argument alpha must not be a floating "
                           "point number.")
    if kind != "b" and isinstance(alpha, bool):
        raise RuntimeError("Boolean alpha only supported for Boolean results.")


def _short_type_name(np_dtype):
    """PyTorch's short name of a dtype in kernel messages ('Float', 'Long', 'ComplexDouble')."""
    return _backend.scalar_name(np_dtype)


def _is_tensor(x):
    return isinstance(x, Tensor)


# ---------------------------------------------------------------------------------------------
# arithmetic
# ---------------------------------------------------------------------------------------------
class Add(Function):
    """out = a + alpha * b
    grad: da = g,  db = alpha * g   (each summed back to its input's shape)"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, a, b, alpha=1):
        ctx.shapes = (_shape(a), _shape(b))
        ctx.alpha = alpha
        if alpha != 1:
            b = b * alpha
        return a + b

    @staticmethod
    def backward(ctx, g):
        sa, sb = ctx.shapes
        need_a, need_b = ctx.needs_input_grad
        ga = sum_to_shape(g, sa) if need_a else None
        if not need_b:
            return ga, None
        return ga, sum_to_shape(g if ctx.alpha == 1 else g * _conj(ctx.alpha), sb)


def add(input, other, *, alpha=1, out=None):
    """input + alpha * other, broadcast, with PyTorch's type promotion."""
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        input = first_number_as_tensor(input, other)
    a, b = promote(input, other)
    if alpha != 1 or alpha is True:
        _check_alpha(a, b, alpha)
        return write_out(Add.apply(a, b, alpha=alpha), out)
    result = Add.apply(a, b)   # (no kwargs on the hot path: they cost a dict per call)
    return result if out is None else write_out(result, out)


class Sub(Function):
    """out = a - alpha * b
    grad: da = g,  db = -alpha * g"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, a, b, alpha=1):
        ctx.shapes = (_shape(a), _shape(b))
        ctx.alpha = alpha
        if alpha != 1:
            b = b * alpha
        return a - b

    @staticmethod
    def backward(ctx, g):
        sa, sb = ctx.shapes
        need_a, need_b = ctx.needs_input_grad
        ga = sum_to_shape(g, sa) if need_a else None
        if not need_b:
            return ga, None
        return ga, sum_to_shape(-g if ctx.alpha == 1 else g * -_conj(ctx.alpha), sb)


def _is_bool(x):
    """A bool tensor or a Python bool (which PyTorch treats as a bool tensor)."""
    return x is True or x is False or (isinstance(x, Tensor) and x._data.dtype.kind == "b")


def sub(input, other, *, alpha=1, out=None):
    """input - alpha * other, broadcast. Bool operands are refused, as in PyTorch."""
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        input = first_number_as_tensor(input, other)
    if _is_bool(input) or _is_bool(other):
        if _is_bool(input) and _is_bool(other):
            raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not "
                               "supported. Use the `^` or `logical_xor()` operator instead.")
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. "
                           "If you are trying to invert a mask, use the `~` or `logical_not()` "
                           "operator instead.")
    a, b = promote(input, other)
    if alpha != 1 or alpha is True:
        _check_alpha(a, b, alpha)
        return write_out(Sub.apply(a, b, alpha=alpha), out)
    result = Sub.apply(a, b)
    return result if out is None else write_out(result, out)


def rsub(input, other, *, alpha=1):
    """other - alpha * input."""
    check_tensor("rsub", input)          # (no overload for two numbers, unlike sub)
    return node_name(sub(other, input, alpha=alpha),
                     "RsubBackward0" if isinstance(other, Tensor) else "RsubBackward1")


def _keep_for_product(a, b):
    """What a product's backward must keep: each operand is needed only for the *other* one's
    gradient, and a Python number gets none. So `x * 2` keeps just the 2, and changing x in
    place afterwards is fine, as in PyTorch."""
    if type(a) is not ndarray:
        return a, None
    if type(b) is not ndarray:
        return None, b
    return a, b


class Mul(Function):
    """out = a * b
    grad: da = g * conj(b),  db = g * conj(a)   (conj: PyTorch's convention for complex)"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, a, b):
        ctx.shapes = (_shape(a), _shape(b))
        ctx.save_for_backward(*_keep_for_product(a, b))
        return a * b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        sa, sb = ctx.shapes
        return (sum_to_shape(g * _conj(b), sa) if need_a else None,
                sum_to_shape(g * _conj(a), sb) if need_b else None)


def mul(input, other, *, out=None):
    """input * other, broadcast (bool * bool is logical and, as in PyTorch)."""
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        input = first_number_as_tensor(input, other)
    a, b = promote(input, other)
    result = Mul.apply(a, b)
    return result if out is None else write_out(result, out)


def ldexp(input, other, *, out=None):
    """input * 2 ** other (both tensors), broadcast; float result."""
    check_tensor("ldexp", input)
    check_tensor("ldexp", other, "other", 2)
    return write_out(mul(input, pow(2.0, other)), out)


def rad2deg(input, *, out=None):
    """Radians to degrees: input * 180 / pi (integer and bool inputs give floats)."""
    return write_out(mul(_float_arg(input, "rad2deg"), 180.0 / math.pi), out)


def deg2rad(input, *, out=None):
    """Degrees to radians: input * pi / 180 (integer and bool inputs give floats)."""
    return write_out(mul(_float_arg(input, "deg2rad"), math.pi / 180.0), out)


class Div(Function):
    """out = a / b
    grad: da = g / conj(b),  db = -g * conj(a / b**2)"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, a, b):
        ctx.shapes = (_shape(a), _shape(b))
        # dividing by a number needs only that number: `x / 2` keeps no copy of x
        ctx.save_for_backward(None if type(b) is not ndarray else a, b)
        return a / b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        sa, sb = ctx.shapes
        return (sum_to_shape(g / _conj(b), sa) if need_a else None,
                sum_to_shape(-g * _conj(a / (b * b)), sb) if need_b else None)


def div(input, other, *, rounding_mode=None, out=None):
    """input / other. True division always gives floats (int / int -> default float dtype);
    rounding_mode='trunc' or 'floor' rounds the quotient and keeps integer dtypes."""
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        input = first_number_as_tensor(input, other)
    if rounding_mode is not None:
        if rounding_mode in ("trunc", "floor"):
            from .division import div_rounded
            return write_out(div_rounded(input, other, rounding_mode), out)
        raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' "
                           f"but found '{rounding_mode}'")
    # a Python int divides as a float: the result is a float either way, and this keeps
    # uint8_tensor / -1 from wrapping -1 to 255 as integer promotion would
    if type(other) is int:
        other = float(other)
    elif type(input) is int:
        input = float(input)
    a, b = promote(input, other)
    if isinstance(a, Tensor):
        a = float_input(a)
    if isinstance(b, Tensor):
        b = float_input(b)
    return write_out(Div.apply(a, b), out)


def _log_number(a):
    """ln(a) of a Python number as a Python float (a NumPy float64 scalar would upcast a
    float32 gradient); -inf at 0 and nan below, like the array version."""
    if a > 0:
        return math.log(a)
    return float("-inf") if a == 0 else float("nan")


class Pow(Function):
    """out = a ** b
    grad: da = g * b * a**(b-1) (0 where b == 0),  db = g * out * ln(a) (0 where a == 0, b >= 0)
    The masks are PyTorch's: they keep 0 * inf = nan out of well-defined gradients."""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, a, b):
        out = either.as_array(a ** b)
        ctx.save_for_backward(a, b, Output(out))
        if type(b) is ndarray:   # PyTorch's overloads with a tensor exponent
            ctx._node_name = "PowBackward1" if type(a) is ndarray else "PowBackward2"
        return out

    @staticmethod
    def backward(ctx, g):
        a, b, out = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        ga = gb = None
        if need_a:
            ga = g * _conj(b * a ** (b - 1))
            b_is_zero = either.raw(b) == 0
            if xp.any(b_is_zero):
                ga = _where(b_is_zero, 0.0, ga)
            ga = sum_to_shape(ga, _shape(a))
        if need_b:
            gb = g * _conj(out * (_log_number(a) if isinstance(a, (int, float)) else either.log(a)))
            zero_base = xp.logical_and(either.raw(a) == 0, either.raw(b) >= 0)
            if xp.any(zero_base):
                gb = _where(zero_base, 0.0, gb)
            gb = sum_to_shape(gb, _shape(b))
        return ga, gb


def _int_pow(a, b):
    """Integer a ** b where some exponents are negative (NumPy refuses): as in PyTorch,
    1 ** -n = 1, (-1) ** -n = +-1, anything else ** -n = 0."""
    positive = a ** xp.maximum(b, 0)
    odd = (b % 2) != 0
    negative = xp.where(a == 1, 1, xp.where(a == -1, xp.where(odd, -1, 1), 0))
    return xp.where(b >= 0, positive, negative).astype(positive.dtype, copy=False)


def pow(input, exponent, *, out=None):
    """input ** exponent; either may be a Python number (not both). Integer tensors to integer
    powers stay integers; a negative integer exponent is an error for a scalar exponent."""
    a, b = promote(input, exponent)
    if _raw_kind(a) in "iub" and _raw_kind(b) in "iub":
        if isinstance(b, int) and b < 0:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        if isinstance(b, Tensor) and b._data.size and b._data.min() < 0:
            return write_out(_make(_int_pow(either.raw(a), b._data)), out)
    return write_out(Pow.apply(a, b), out)


def square(input, *, out=None):
    """input ** 2 (bool input gives int64, as pow does)."""
    return pow(check_tensor("square", input), 2, out=out)


def float_power(input, exponent, *, out=None):
    """input ** exponent computed in double precision: the result is float64 (complex128 if
    either operand is complex), whatever the operands' dtypes. Either may be a number."""
    if not isinstance(input, Tensor) and not isinstance(exponent, Tensor):
        check_tensor("float_power", input)
    is_complex = any(isinstance(v, complex) or (isinstance(v, Tensor) and
                                                 v._data.dtype.kind == "c")
                     for v in (input, exponent))
    wide = _backend.complex128 if is_complex else _backend.float64
    a, b = (v.to(wide) if isinstance(v, Tensor) else (complex(v) if is_complex else float(v))
            for v in (input, exponent))
    return write_out(Pow.apply(a, b), out, same_dtype=True)


def float_power_(self, exponent):
    """In-place float_power: self must already be float64 (complex128), the result's dtype."""
    is_complex = self._data.dtype.kind == "c" or isinstance(exponent, complex) or (
        isinstance(exponent, Tensor) and exponent._data.dtype.kind == "c")
    wide = _backend.complex128 if is_complex else _backend.float64
    if self._data.dtype != wide.np:
        raise RuntimeError(f"the base given to float_power_ has dtype "
                           f"{_short_type_name(self._data.dtype)} but the operation's result "
                           f"requires dtype {_short_type_name(wide.np)}")
    from .inplace import make_inplace
    return make_inplace(float_power)(self, exponent)


class Neg(Function):
    """out = -x
    grad: dx = -g"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x):
        return -x

    @staticmethod
    def backward(ctx, g):
        return -g


def neg(input, *, out=None):
    """-input. Bool tensors are refused (use `~` to invert a mask)."""
    if check_tensor("neg", input)._data.dtype.kind == "b":
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If "
                           "you are trying to invert a mask, use the `~` or `logical_not()` "
                           "operator instead.")
    return write_out(Neg.apply(input), out, same_dtype=True)


class Abs(Function):
    """out = |x|
    grad: dx = g * sign(x)           (0 at x == 0, PyTorch's choice; complex x: g * x / |x|)"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x):
        if x.dtype.kind == "c":   # x / |x| depends on x: keep x for a differentiable sgn(x)
            ctx.save_for_backward(x)
            ctx.sign = None
        else:
            ctx.sign = xp.sign(x)
        return xp.abs(x)

    @staticmethod
    def backward(ctx, g):
        if ctx.sign is None:
            (x,) = ctx.saved_tensors
            return g * (sgn(x) if isinstance(x, Tensor) else xp.sign(x))
        return g * ctx.sign


def abs(input, *, out=None):
    """|input|, keeping integer dtypes."""
    if check_tensor("abs", input)._data.dtype.kind == "b":
        raise NotImplementedError("\"abs_cpu\" not implemented for 'Bool'")
    return write_out(Abs.apply(input), out, same_dtype=True)


class Sgn(Function):
    """out = x / |x| for complex x (0 at x == 0)
    grad: dx = (g - out * Re(g * conj(out))) / |x|   (the part of g along the unit circle at
          out, scaled by 1/|x|; 0 at x == 0)"""

    @staticmethod
    def forward(ctx, x):
        out = xp.sign(x)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        size = xp.abs(x)
        with xp.errstate(divide="ignore", invalid="ignore"):
            dx = (g - out * (g * xp.conj(out)).real) / size
        return xp.where(size == 0, 0, dx).astype(x.dtype, copy=False)


def sgn(input, *, out=None):
    """sign(input) for real tensors; x / |x| (0 at 0) for complex ones."""
    if check_tensor("sgn", input)._data.dtype.kind == "c":
        return write_out(Sgn.apply(input), out, same_dtype=True)
    return write_out(node_name(sign(input), "SgnBackward0"), out, same_dtype=True)


class Sign(Function):
    """out = -1, 0 or +1 by the sign of x (0 for nan, as in PyTorch)
    grad: dx = 0                     (piecewise constant)"""

    @staticmethod
    def forward(ctx, x):
        if x.dtype.kind == "f":
            out = xp.sign(x)
            return xp.where(out != out, 0, out)  # out != out: nan
        return xp.sign(x)

    @staticmethod
    def backward(ctx, g):
        return xp.zeros_like(g)


def sign(input, *, out=None):
    """-1, 0 or +1 by sign (bool input is returned as is); gradient zero."""
    refuse_complex(input, NotImplementedError,
                   "Unlike NumPy, torch.sign is not intended to support complex numbers. "
                   "Please use torch.sgn instead.")
    if check_tensor("sign", input)._data.dtype.kind == "b":
        return write_out(_make(input._data.copy()), out)
    return write_out(Sign.apply(input), out)


_SMALL = 4096


def _exp_rounded(x):
    """exp(x). NumPy's float32 SIMD exp is within 1 ulp but differs from PyTorch's in the last
    bit for ~40% of inputs, which shows when a small tensor is printed (the course prints
    e**12 = 162754.7969). Small float32 tensors are computed in float64 and rounded once, which
    agrees with PyTorch in >99% of cases; large ones keep the 8x faster float32 path."""
    if x.dtype == xp.float32 and x.size <= _SMALL:
        return xp.exp(x, dtype=xp.float64).astype(xp.float32)
    return xp.exp(x)


# ---------------------------------------------------------------------------------------------
# exponentials and logarithms (float results)
# ---------------------------------------------------------------------------------------------
class Exp(Function):
    """out = e**x
    grad: dx = g * out               (saves the output)"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x):
        out = either.as_array(_exp_rounded(x))
        ctx.save_for_backward(Output(out))
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * _conj(out)


def exp(input, *, out=None):
    """e ** input."""
    return write_out(Exp.apply(_float_arg(input, "exp")), out)


class Exp2(Function):
    """out = 2**x
    grad: dx = g * out * ln 2"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x):
        out = either.as_array(xp.exp2(x))
        ctx.save_for_backward(Output(out))
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * _conj(out) * math.log(2.0)


def exp2(input, *, out=None):
    """2 ** input."""
    return write_out(Exp2.apply(_float_arg(input, "exp2")), out)


class Expm1(Function):
    """out = e**x - 1                (accurate for small x)
    grad: dx = g * (out + 1)"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x):
        out = either.as_array(xp.expm1(x))
        ctx.save_for_backward(Output(out))
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * _conj(out + 1)


def expm1(input, *, out=None):
    """e ** input - 1."""
    return write_out(Expm1.apply(_float_arg(input, "expm1")), out)


class Log(Function):
    """out = ln(x)
    grad: dx = g / x"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return xp.log(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g / _conj(x)


def log(input, *, out=None):
    """Natural logarithm."""
    return write_out(Log.apply(_float_arg(input, "log")), out)


class Log2(Function):
    """out = log2(x)
    grad: dx = g / (x ln 2)"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return xp.log2(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g / (_conj(x) * math.log(2.0))


def log2(input, *, out=None):
    """Base-2 logarithm."""
    return write_out(Log2.apply(_float_arg(input, "log2")), out)


class Log10(Function):
    """out = log10(x)
    grad: dx = g / (x ln 10)"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return xp.log10(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g / (_conj(x) * math.log(10.0))


def log10(input, *, out=None):
    """Base-10 logarithm."""
    return write_out(Log10.apply(_float_arg(input, "log10")), out)


class Log1p(Function):
    """out = ln(1 + x)               (accurate for small x)
    grad: dx = g / (1 + x)"""

    differentiable_backward = True
    _node_name = "Log1PBackward0"   # PyTorch's spelling

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return xp.log1p(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g / _conj(x + 1)


def log1p(input, *, out=None):
    """ln(1 + input)."""
    return write_out(Log1p.apply(_float_arg(input, "log1p")), out)


class Sqrt(Function):
    """out = sqrt(x)
    grad: dx = g / (2 out)           (saves the output)"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x):
        out = either.as_array(xp.sqrt(x))
        ctx.save_for_backward(Output(out))
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g / _conj(out * 2)


def sqrt(input, *, out=None):
    """Square root (nan for negative input)."""
    return write_out(Sqrt.apply(_float_arg(input, "sqrt")), out)


class Rsqrt(Function):
    """out = 1 / sqrt(x)
    grad: dx = -g * out**3 / 2"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x):
        out = either.as_array(1 / xp.sqrt(x))
        ctx.save_for_backward(Output(out))
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * _conj(out * out * out) * -0.5


def rsqrt(input, *, out=None):
    """1 / sqrt(input)."""
    return write_out(Rsqrt.apply(_float_arg(input, "rsqrt")), out)


class Reciprocal(Function):
    """out = 1 / x
    grad: dx = -g * out**2"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x):
        out = either.as_array(xp.reciprocal(x))
        ctx.save_for_backward(Output(out))
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return -g * _conj(out * out)


def reciprocal(input, *, out=None):
    """1 / input."""
    return write_out(Reciprocal.apply(_float_arg(input, "reciprocal")), out)


# ---------------------------------------------------------------------------------------------
# trigonometric and hyperbolic (float results)
# ---------------------------------------------------------------------------------------------
class Sin(Function):
    """out = sin(x)
    grad: dx = g * cos(x)"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return xp.sin(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * _conj(either.cos(x))


def sin(input, *, out=None):
    """sin(input) elementwise, in radians."""
    return write_out(Sin.apply(_float_arg(input, "sin")), out)


class Cos(Function):
    """out = cos(x)
    grad: dx = -g * sin(x)"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return xp.cos(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return -g * _conj(either.sin(x))


def cos(input, *, out=None):
    """cos(input) elementwise, in radians."""
    return write_out(Cos.apply(_float_arg(input, "cos")), out)


class Tan(Function):
    """out = tan(x)
    grad: dx = g * (1 + out**2)      (saves the output)"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x):
        out = either.as_array(xp.tan(x))
        ctx.save_for_backward(Output(out))
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * _conj(out * out + 1)


def tan(input, *, out=None):
    """tan(input) elementwise, in radians."""
    return write_out(Tan.apply(_float_arg(input, "tan")), out)


class Asin(Function):
    """out = arcsin(x)
    grad: dx = g / sqrt(1 - x**2)"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return xp.arcsin(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * _conj((1 - x * x) ** -0.5)


def asin(input, *, out=None):
    """arcsin(input) in [-pi/2, pi/2]; nan outside [-1, 1]."""
    return write_out(Asin.apply(_float_arg(input, "asin")), out)


class Acos(Function):
    """out = arccos(x)
    grad: dx = -g / sqrt(1 - x**2)"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return xp.arccos(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return -g * _conj((1 - x * x) ** -0.5)


def acos(input, *, out=None):
    """arccos(input) in [0, pi]; nan outside [-1, 1]."""
    return write_out(Acos.apply(_float_arg(input, "acos")), out)


class Atan(Function):
    """out = arctan(x)
    grad: dx = g / (1 + x**2)"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return xp.arctan(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g / _conj(x * x + 1)


def atan(input, *, out=None):
    """arctan(input) in (-pi/2, pi/2)."""
    return write_out(Atan.apply(_float_arg(input, "atan")), out)


class Atan2(Function):
    """out = atan2(a, b): the angle of the point (b, a)
    grad: da = g * b / (a**2 + b**2),  db = -g * a / (a**2 + b**2)"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return xp.arctan2(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        scale = g / (a * a + b * b)
        return (sum_to_shape(scale * b, _shape(a)) if need_a else None,
                sum_to_shape(-scale * a, _shape(b)) if need_b else None)


def atan2(input, other, *, out=None):
    """Angle of the point (other, input) in (-pi, pi]; broadcast, float result."""
    a, b = promote(check_tensor("atan2", input), check_tensor("atan2", other, "other", 2))
    return write_out(Atan2.apply(float_input(a), float_input(b)), out)


class Sinh(Function):
    """out = sinh(x)
    grad: dx = g * cosh(x)"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return xp.sinh(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * _conj(either.cosh(x))


def sinh(input, *, out=None):
    """Hyperbolic sine."""
    return write_out(Sinh.apply(_float_arg(input, "sinh")), out)


class Cosh(Function):
    """out = cosh(x)
    grad: dx = g * sinh(x)"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return xp.cosh(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * _conj(either.sinh(x))


def cosh(input, *, out=None):
    """Hyperbolic cosine."""
    return write_out(Cosh.apply(_float_arg(input, "cosh")), out)


class Asinh(Function):
    """out = arcsinh(x)
    grad: dx = g / sqrt(x**2 + 1)"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return xp.arcsinh(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * _conj((x * x + 1) ** -0.5)


def asinh(input, *, out=None):
    """Inverse hyperbolic sine."""
    return write_out(Asinh.apply(_float_arg(input, "asinh")), out)


class Acosh(Function):
    """out = arccosh(x)
    grad: dx = g / sqrt(x**2 - 1)   (complex x: g / conj(sqrt(x - 1) sqrt(x + 1)), the branch
          of the principal arccosh; sqrt(x**2 - 1) has the wrong sign on half the plane)"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return xp.arccosh(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        if either.raw(x).dtype.kind == "c":
            return g / _conj((x - 1) ** 0.5 * (x + 1) ** 0.5)
        return g * (x * x - 1) ** -0.5


def acosh(input, *, out=None):
    """Inverse hyperbolic cosine; nan below 1."""
    return write_out(Acosh.apply(_float_arg(input, "acosh")), out)


class Atanh(Function):
    """out = arctanh(x)
    grad: dx = g / (1 - x**2)"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return xp.arctanh(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g / _conj(1 - x * x)


def atanh(input, *, out=None):
    """Inverse hyperbolic tangent; +-inf at +-1, nan outside."""
    return write_out(Atanh.apply(_float_arg(input, "atanh")), out)


# ---------------------------------------------------------------------------------------------
# special functions (float results)
# ---------------------------------------------------------------------------------------------
class Erf(Function):
    """out = erf(x) = 2/sqrt(pi) * integral_0^x exp(-t**2) dt
    grad: dx = g * 2/sqrt(pi) * exp(-x**2)"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return either.scipy_special().erf(x).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * either.exp(-(x * x)) * (2 / math.sqrt(math.pi))


def erf(input, *, out=None):
    """The error function (scipy.special.erf)."""
    return write_out(Erf.apply(_float_arg(input, "erf")), out)


class Erfc(Function):
    """out = erfc(x) = 1 - erf(x)      (accurate where erf(x) is close to 1)
    grad: dx = -g * 2/sqrt(pi) * exp(-x**2)"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return either.scipy_special().erfc(x).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * either.exp(-(x * x)) * (-2 / math.sqrt(math.pi))


def erfc(input, *, out=None):
    """1 - erf(input), accurate in the tails."""
    return write_out(Erfc.apply(_float_arg(input, "erfc")), out)


class Erfinv(Function):
    """out = erfinv(x), the inverse of erf on (-1, 1)
    grad: dx = g * sqrt(pi)/2 * exp(out**2)     (saves the output)"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x):
        out = either.as_array(either.scipy_special().erfinv(x).astype(x.dtype, copy=False))
        ctx.save_for_backward(Output(out))
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * either.exp(out * out) * (math.sqrt(math.pi) / 2)


def erfinv(input, *, out=None):
    """Inverse error function on (-1, 1); +-inf at +-1, nan outside."""
    return write_out(Erfinv.apply(_float_arg(input, "erfinv")), out)


# ---------------------------------------------------------------------------------------------
# type promotion, as public functions
# ---------------------------------------------------------------------------------------------
def result_type(tensor1, tensor2):
    """The dtype an arithmetic op on these two operands (Tensors or Python numbers) returns,
    by PyTorch's rule: dim tensors > 0-d tensors > numbers, lower tiers count only when of a
    higher category (an int tensor plus 0.5 gives the default float dtype)."""
    for x in (tensor1, tensor2):
        if not isinstance(x, (Tensor, bool, int, float, complex)):
            raise TypeError(f"result_type() received an invalid combination of arguments - got "
                            f"({type(tensor1).__name__}, {type(tensor2).__name__})")
    return _backend.result_type(tensor1, tensor2)


def can_cast(from_, to):
    """Does PyTorch allow casting dtype `from_` to `to` in an op's output? (No float -> int,
    no complex -> real, nothing non-bool -> bool.)"""
    from .inplace import _can_cast
    return _can_cast(from_, to)


# ---------------------------------------------------------------------------------------------
# more float math: hypot, copysign
# ---------------------------------------------------------------------------------------------
class Hypot(Function):
    """out = sqrt(a**2 + b**2)      (without overflow for large a, b)
    grad: da = g * a / out,  db = g * b / out"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, a, b):
        out = either.as_array(xp.hypot(a, b))
        ctx.save_for_backward(a, b, Output(out))
        return out

    @staticmethod
    def backward(ctx, g):
        a, b, out = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return (sum_to_shape(g * a / out, _shape(a)) if need_a else None,
                sum_to_shape(g * b / out, _shape(b)) if need_b else None)


def hypot(input, other, *, out=None):
    """sqrt(input**2 + other**2), broadcast (float tensors; ints are refused, as in PyTorch)."""
    a, b = promote(check_tensor("hypot", input), check_tensor("hypot", other, "other", 2))
    if a._data.dtype.kind != "f":
        raise NotImplementedError(f"\"hypot_cpu\" not implemented for "
                                  f"'{_short_type_name(a._data.dtype)}'")
    return write_out(Hypot.apply(a, b), out)


class Copysign(Function):
    """out = |a| with the sign (bit) of b
    grad: da = g * out / a (0 where a == 0),  db = 0"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, a, b):
        out = either.as_array(xp.copysign(a, b))
        ctx.save_for_backward(a, Output(out))
        ctx.b_shape, ctx.b_dtype = _shape(b), getattr(b, "dtype", None)
        return out

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        ga = gb = None
        if need_a:
            # out / a is +-1; PyTorch masks a == 0, where it would be 0/0
            zero = either.raw(a) == 0
            ga = sum_to_shape(_where(zero, 0.0, g * out / a), _shape(a))
        if need_b:
            gb = xp.zeros(ctx.b_shape, ctx.b_dtype)
        return ga, gb


def copysign(input, other, *, out=None):
    """|input| with the sign of other (a tensor or a number), broadcast; float result."""
    a, b = promote(check_tensor("copysign", input), other)
    a = float_input(a)
    b = float_input(b) if isinstance(b, Tensor) else float(b)
    return write_out(Copysign.apply(a, b), out)
