"""Elementwise arithmetic and math: each op's forward and backward side by side.

Binary ops broadcast like PyTorch and promote dtypes by PyTorch's rules (`_util.promote`);
their backward sums the gradient back to each input's shape (`sum_to_shape`). Backwards marked
`differentiable_backward` use only operators and methods that Tensors also have, so
`create_graph=True` can differentiate them again.
"""
from .._backend import xp
from .._tensor import Tensor
from ..autograd.function import Function
from ._util import sum_to_shape, promote, float_input, where as _where


def _is_tensor(x):
    return isinstance(x, Tensor)


def _shape(x):
    return x.shape if hasattr(x, "shape") else ()


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
        gb = g if ctx.alpha == 1 else g * ctx.alpha
        return sum_to_shape(g, sa), sum_to_shape(gb, sb)


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
        return sum_to_shape(g, sa), sum_to_shape(-g if ctx.alpha == 1 else g * -ctx.alpha, sb)


class Mul(Function):
    """out = a * b
    grad: da = g * b,  db = g * a"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return (sum_to_shape(g * b, _shape(a)) if need_a else None,
                sum_to_shape(g * a, _shape(b)) if need_b else None)


class Div(Function):
    """out = a / b
    grad: da = g / b,  db = -g * a / b**2"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a / b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return (sum_to_shape(g / b, _shape(a)) if need_a else None,
                sum_to_shape(-g * a / (b * b), _shape(b)) if need_b else None)


class Pow(Function):
    """out = a ** b
    grad: da = g * b * a**(b-1),  db = g * out * log(a)   (db taken as 0 where a == 0)"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, a, b):
        out = a ** b
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, b, out = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        ga = gb = None
        if need_a:
            ga = sum_to_shape(g * b * a ** (b - 1), _shape(a))
        if need_b:
            base = a._data if _is_tensor(a) else xp.asarray(a)
            safe_log = _where(base > 0, _log(_where(base > 0, a, 1)), 0.0)
            gb = sum_to_shape(g * out * safe_log, _shape(b))
        return ga, gb


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


def _log(x):
    return x.log() if _is_tensor(x) else xp.log(x)


# ---------------------------------------------------------------------------------------------
# unary math (float results)
# ---------------------------------------------------------------------------------------------
class Exp(Function):
    """out = e**x
    grad: dx = g * out            (saves the output)"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x):
        out = xp.exp(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * out


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
        return g / x


class Sigmoid(Function):
    """out = 1 / (1 + exp(-x))
    grad: dx = g * out * (1 - out)     (saves the output)"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x):
        out = stable_sigmoid(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * out * (1 - out)


def stable_sigmoid(x):
    """1 / (1 + exp(-x)) without overflow warnings: exp(-|x|) never exceeds 1."""
    z = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, 1 / (1 + z), z / (1 + z)).astype(x.dtype, copy=False)


class Tanh(Function):
    """out = tanh(x)
    grad: dx = g * (1 - out**2)        (saves the output)"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x):
        out = xp.tanh(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * (1 - out * out)


class Relu(Function):
    """out = max(x, 0)
    grad: dx = g where x > 0 else 0    (PyTorch's choice: gradient 0 at x == 0)"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x):
        out = xp.maximum(x, 0).astype(x.dtype, copy=False)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        base = out._data if _is_tensor(out) else out
        return g * (base > 0)


# ---------------------------------------------------------------------------------------------
# public functions
# ---------------------------------------------------------------------------------------------
def add(input, other, *, alpha=1, out=None):
    a, b = promote(input, other)
    return _out(Add.apply(a, b, alpha=alpha), out)


def sub(input, other, *, alpha=1, out=None):
    if _both_bool(input, other):
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not "
                           "supported. Use the `^` or `logical_xor()` operator instead.")
    a, b = promote(input, other)
    return _out(Sub.apply(a, b, alpha=alpha), out)


def rsub(input, other, *, alpha=1):
    return sub(other, input, alpha=alpha)


def mul(input, other, *, out=None):
    a, b = promote(input, other)
    return _out(Mul.apply(a, b), out)


def div(input, other, *, rounding_mode=None, out=None):
    if rounding_mode is not None:
        from .pointwise import floor_divide, trunc_divide
        if rounding_mode == "floor":
            return _out(floor_divide(input, other), out)
        if rounding_mode == "trunc":
            return _out(trunc_divide(input, other), out)
        raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' "
                           f"but found '{rounding_mode}'")
    a, b = promote(input, other)
    if isinstance(a, Tensor):
        a = float_input(a)
        if isinstance(b, int):
            b = float(b)
    if isinstance(b, Tensor):
        b = float_input(b)
    return _out(Div.apply(a, b), out)


def pow(input, exponent, *, out=None):
    a, b = promote(input, exponent)
    if (isinstance(a, Tensor) and a._data.dtype.kind in "iu" and isinstance(b, int)
            and b < 0):
        raise RuntimeError("Integers to negative integer powers are not allowed.")
    return _out(Pow.apply(a, b), out)


def neg(input, *, out=None):
    if input._data.dtype.kind == "b":
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If "
                           "you are trying to invert a mask, use the `~` or `logical_not()` "
                           "operator instead.")
    return _out(Neg.apply(input), out)


def exp(input, *, out=None):
    return _out(Exp.apply(float_input(input)), out)


def log(input, *, out=None):
    return _out(Log.apply(float_input(input)), out)


def sigmoid(input, *, out=None):
    return _out(Sigmoid.apply(float_input(input)), out)


def tanh(input, *, out=None):
    return _out(Tanh.apply(float_input(input)), out)


def relu(input):
    return Relu.apply(input)


def _both_bool(a, b):
    return (isinstance(a, Tensor) and a._data.dtype.kind == "b"
            and (isinstance(b, bool) or (isinstance(b, Tensor) and b._data.dtype.kind == "b")))


def _out(result, out):
    """Honour the `out=` argument: write `result` into `out` (resizing it like PyTorch)."""
    if out is None:
        return result
    from .inplace import write_into
    return write_into(out, result)
