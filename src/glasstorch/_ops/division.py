"""Integer-style division: div's rounding modes, floor_divide (//), remainder (%), fmod, and
gcd / lcm.

The rounded quotients are piecewise constant: div with a rounding mode has a zero gradient
(PyTorch still records it in the graph, so `.grad` comes back as zeros rather than None);
floor_divide has none at all. Integer division by zero raises, as in PyTorch.
"""
from .._backend import xp, ndarray, scalar_name
from .._tensor import Tensor, _make
from ..autograd.function import Function
from ._util import sum_to_shape, promote, write_out
from .elementwise import _shape
from . import _either as either
from ._util import check_tensor


class DivRounded(Function):
    """out = trunc(a / b) or floor(a / b)  (div with rounding_mode)
    grad: da = db = 0                (piecewise constant)"""

    _node_name = "DivBackward2"   # PyTorch's div overload with rounding_mode

    @staticmethod
    def forward(ctx, a, b, mode):
        ctx.shapes = (_shape(a), _shape(b))
        return _rounded_quotient(a, b, mode)

    @staticmethod
    def backward(ctx, g):
        sa, sb = ctx.shapes
        return xp.zeros(sa, g.dtype), xp.zeros(sb, g.dtype)


def div_rounded(input, other, rounding_mode):
    """input / other rounded toward 0 ('trunc') or -inf ('floor'): div's rounding modes, whose
    gradient is zero (floor_divide has none at all)."""
    a, b = _integer_division_operands(input, other, "div_" + rounding_mode)
    return DivRounded.apply(a, b, rounding_mode)


def _rounded_quotient(a, b, mode):
    """a / b rounded toward -inf ('floor') or toward 0 ('trunc'), in the operands' dtype.
    NumPy's floor_divide matches Python (and PyTorch) for ints and floats alike."""
    if mode == "floor":
        return xp.floor_divide(a, b)
    if xp.result_type(a, b).kind == "f":
        return xp.trunc(a / b)
    q = xp.floor_divide(a, b)
    # integer trunc: floor rounded one step too far down when the signs differ and b ∤ a
    return q + ((q < 0) & (q * b != a))


def _integer_division_operands(input, other, kernel):
    """Promote the operands of //, %, fmod; refuse bools and integer division by zero."""
    a, b = promote(input, other)
    kinds = _kind(a), _kind(b)
    if kinds == ("b", "b"):
        raise NotImplementedError(f"\"{kernel}_cpu\" not implemented for 'Bool'")
    if kinds[0] in "iub" and kinds[1] in "iub" and xp.any(either.raw(b) == 0):
        raise RuntimeError("ZeroDivisionError")
    return a, b


def _kind(x):
    if isinstance(x, Tensor):
        return x._data.dtype.kind
    if isinstance(x, bool):
        return "b"
    return "i" if isinstance(x, int) else "f"


class FloorDivide(Function):
    """out = floor(a / b)            (Python's //)
    grad: not defined; PyTorch raises, and so do we"""

    _node_name = "torch::autograd::NotImplemented"   # PyTorch's node for ops without a grad

    @staticmethod
    def forward(ctx, a, b):
        return _rounded_quotient(a, b, "floor")

    @staticmethod
    def backward(ctx, g):
        raise RuntimeError("the derivative for 'floor_divide' is not implemented.")


def floor_divide(input, other, *, out=None):
    """input // other, rounded toward -inf (Python's convention); integer dtypes stay integer.
    Integer division by zero raises, as in PyTorch."""
    if not isinstance(input, Tensor):
        from .elementwise import first_number_as_tensor
        input = first_number_as_tensor(input, other)
    a, b = _integer_division_operands(input, other, "div_floor")
    return write_out(FloorDivide.apply(a, b), out, composite=True)


class Remainder(Function):
    """out = a - b * floor(a / b)    (sign of b, like Python's %)
    grad: da = g,  db = -g * floor(a / b)"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        if type(b) is ndarray and type(a) is ndarray:
            ctx._node_name = "RemainderBackward1"   # PyTorch's Tensor % Tensor overload
        return xp.remainder(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = (either.raw(t) for t in ctx.saved_tensors)
        need_a, need_b = ctx.needs_input_grad
        gb = None
        if need_b:
            gb = sum_to_shape(g * -xp.floor_divide(a, b), b.shape)
        return (sum_to_shape(g, _shape(a)) if need_a else None), gb


def remainder(input, other, *, out=None):
    """input % other with the sign of other (Python's convention), for ints and floats."""
    a, b = _integer_division_operands(input, other, "remainder")
    return write_out(Remainder.apply(a, b), out)


class Fmod(Function):
    """out = a - b * trunc(a / b)    (sign of a, like C's fmod)
    grad: da = g,  db = -g * trunc(a / b)"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        if type(b) is ndarray:
            ctx._node_name = "FmodBackward1"   # PyTorch's Tensor-divisor overload
        return xp.fmod(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = (either.raw(t) for t in ctx.saved_tensors)
        need_a, need_b = ctx.needs_input_grad
        gb = None
        if need_b:
            gb = sum_to_shape(g * -_rounded_quotient(a, b, "trunc"), b.shape)
        return (sum_to_shape(g, _shape(a)) if need_a else None), gb


def fmod(input, other, *, out=None):
    """C-style remainder: input - other * trunc(input / other), with the sign of input."""
    check_tensor("fmod", input)
    a, b = _integer_division_operands(input, other, "fmod")
    return write_out(Fmod.apply(a, b), out)


# ---------------------------------------------------------------------------------------------
# gcd, lcm
# ---------------------------------------------------------------------------------------------
def _integer_pair(fname, input, other):
    """Both tensors promoted to their common dtype, which must be an integer one."""
    a, b = promote(check_tensor(fname, input), check_tensor(fname, other, "other", 2))
    if a._data.dtype.kind not in "iu":
        raise NotImplementedError(f"\"{fname}_cpu\" not implemented for "
                                  f"'{scalar_name(a._data.dtype)}'")
    return a._data, b._data


def gcd(input, other, *, out=None):
    """Greatest common divisor, elementwise (integer tensors; gcd(0, 0) = 0)."""
    a, b = _integer_pair("gcd", input, other)
    return write_out(_make(xp.gcd(a, b)), out)


def lcm(input, other, *, out=None):
    """Least common multiple, elementwise, non-negative (integer tensors; 0 if either is 0)."""
    a, b = _integer_pair("lcm", input, other)
    return write_out(_make(xp.lcm(a, b)), out)
