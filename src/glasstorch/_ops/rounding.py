"""Rounding: floor, ceil, trunc, round, frac; and the float grid itself: nextafter (the next
representable float) and frexp (mantissa and exponent).

Rounding is piecewise constant: its gradient is zero (PyTorch still records it in the graph, so
`.grad` comes back as zeros rather than None). Integer inputs come back as a copy.
"""
from .._backend import xp, scalar_name
from .._tensor import _make
from ..autograd.function import Function, Output
from ._util import sum_to_shape, promote, node_name, write_out, write_outs, refuse_complex
from ._util import check_tensor


class Rounding(Function):
    """out = floor / ceil / trunc / round(x) (round: half to even, optionally at `decimals`)
    grad: dx = 0                     (piecewise constant)"""

    @staticmethod
    def forward(ctx, x, fn):
        return fn(x)

    @staticmethod
    def backward(ctx, g):
        return xp.zeros_like(g), None


def _round_with(cls, input, fn, kernel):
    kind = check_tensor(kernel.split("_")[0], input)._data.dtype.kind
    if kind == "b":
        raise NotImplementedError(f"\"{kernel}_cpu\" not implemented for 'Bool'")
    if kind in "iu":
        return _make(input._data.copy())  # already integral: a copy, as PyTorch returns
    return cls.apply(input, fn)


class Floor(Rounding):
    """Rounding for floor: a subclass only so the node prints as FloorBackward0."""


def floor(input, *, out=None):
    """Round down to an integer value (integer dtypes are returned unchanged)."""
    refuse_complex(input, NotImplementedError, 'floor is not supported for complex inputs')
    return write_out(_round_with(Floor, input, xp.floor, "floor_vml"), out, same_dtype=True)


class Ceil(Rounding):
    """Rounding for ceil: a subclass only so the node prints as CeilBackward0."""


def ceil(input, *, out=None):
    """Round up to an integer value."""
    refuse_complex(input, NotImplementedError, 'ceil is not supported for complex inputs')
    return write_out(_round_with(Ceil, input, xp.ceil, "ceil_vml"), out, same_dtype=True)


class Trunc(Rounding):
    """Rounding for trunc: a subclass only so the node prints as TruncBackward0."""


def trunc(input, *, out=None):
    """Round toward zero."""
    refuse_complex(input, NotImplementedError, 'trunc is not supported for complex inputs')
    return write_out(_round_with(Trunc, input, xp.trunc, "trunc_vml"), out, same_dtype=True)


class Round(Rounding):
    """Rounding for round: a subclass only so the node prints as RoundBackward0."""


def round(input, *, decimals=0, out=None):
    """Round half to even, at `decimals` places after the point (negative: before it)."""
    if decimals == 0:
        return write_out(_round_with(Round, input, xp.rint, "round_vml"), out, same_dtype=True)
    if check_tensor("round", input)._data.dtype.kind != "f":
        raise NotImplementedError(f"\"round_cpu\" not implemented for "
                                  f"'{scalar_name(input._data.dtype)}'")
    # PyTorch's formula: scale by a power of ten, round to even, scale back
    if decimals > 0:
        scale = 10.0 ** decimals
        result = Round.apply(input, lambda x: xp.rint(x * scale) / scale)
    else:
        scale = 10.0 ** -decimals
        result = Round.apply(input, lambda x: xp.rint(x / scale) * scale)
    return write_out(node_name(result, "RoundBackward1"), out, same_dtype=True)


class Frac(Function):
    """out = x - trunc(x)
    grad: dx = g"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x):
        return x - xp.trunc(x)

    @staticmethod
    def backward(ctx, g):
        return g


def frac(input, *, out=None):
    """input - trunc(input): the fractional part, with input's sign."""
    kind = check_tensor("frac", input)._data.dtype.kind
    if kind != "f":
        raise NotImplementedError(f"\"frac_cpu\" not implemented for "
                                  f"'{scalar_name(input._data.dtype)}'")
    return write_out(Frac.apply(input), out, same_dtype=True)


# ---------------------------------------------------------------------------------------------
# the float grid: nextafter, frexp
# ---------------------------------------------------------------------------------------------
class Nextafter(Function):
    """out = the next float after a in the direction of b
    grad: da = g,  db = 0            (PyTorch's choice: out moves with a by one ulp)"""

    @staticmethod
    def forward(ctx, a, b):
        ctx.shapes = (a.shape, b.shape)
        ctx.b_dtype = b.dtype
        return xp.nextafter(a, b)

    @staticmethod
    def backward(ctx, g):
        shape_a, shape_b = ctx.shapes
        need_a, need_b = ctx.needs_input_grad
        return (sum_to_shape(g, shape_a) if need_a else None,
                xp.zeros(shape_b, ctx.b_dtype) if need_b else None)


def nextafter(input, other, *, out=None):
    """The next representable float after input towards other (float tensors)."""
    a, b = promote(check_tensor("nextafter", input), check_tensor("nextafter", other, "other", 2))
    if a._data.dtype.kind != "f":
        raise NotImplementedError(f"\"nextafter_cpu\" not implemented for "
                                  f"'{scalar_name(a._data.dtype)}'")
    return write_out(Nextafter.apply(a, b), out)


class Frexp(Function):
    """mantissa, exponent with x = mantissa * 2**exponent, |mantissa| in [0.5, 1) (int32 exponent)
    grad: dx = g_mantissa / 2**exponent   (the exponent is piecewise constant: no gradient)"""

    @staticmethod
    def forward(ctx, x):
        mantissa, exponent = xp.frexp(x)
        exponent = exponent.astype(xp.int32, copy=False)
        ctx.save_for_backward(Output(exponent, 1))  # writing into the exponent must raise
        ctx.mark_non_differentiable(exponent)
        return mantissa, exponent

    @staticmethod
    def backward(ctx, g_mantissa, g_exponent):
        (exponent,) = ctx.saved_tensors
        return g_mantissa / xp.exp2(exponent).astype(g_mantissa.dtype, copy=False)


def frexp(input, *, out=None):
    """(mantissa, exponent) with input = mantissa * 2**exponent, |mantissa| in [0.5, 1);
    exponent is int32. Returns torch.return_types.frexp."""
    from .. import return_types
    if check_tensor("frexp", input)._data.dtype.kind != "f":
        raise RuntimeError("torch.frexp() only supports floating-point dtypes")
    mantissa, exponent = Frexp.apply(input)
    return write_outs(return_types.frexp(mantissa, exponent), out, same_dtype=True)
