"""Elementwise minimum and maximum: clamp (min(max(x, lo), hi)), clamp_min, clamp_max,
maximum / minimum (nan wins) and fmax / fmin (nan ignored).

At the kinks the gradient follows PyTorch's conventions, spelled out per class.
"""
from .._backend import xp
from .._tensor import Tensor
from ..autograd.function import Function
from ._util import (sum_to_shape, promote, promote_all, node_name, write_out, where as _where,
                    refuse_complex, check_fits)
from . import _either as either
from ._util import check_tensor


class Clamp(Function):
    """out = min(max(x, lo), hi)     (lo, hi: numbers, arrays or None; out = hi where lo > hi)
    grad: dx = g where lo <= x <= hi (inclusive, PyTorch's choice), dlo = g where x < lo < hi,
          dhi = g where x > hi or hi < lo"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x, lo, hi):
        ctx.save_for_backward(x, lo, hi)
        out = x
        if lo is not None:
            out = xp.maximum(out, lo)
        if hi is not None:
            # a number bound: write into the array maximum just made (no second allocation)
            reuse = lo is not None and out.ndim and not hasattr(hi, "shape")
            out = xp.minimum(out, hi, out=out if reuse else None)
        return out

    @staticmethod
    def backward(ctx, g):
        x, lo, hi = (either.raw(t) for t in ctx.saved_tensors)
        need_x, need_lo, need_hi = ctx.needs_input_grad
        gx = glo = ghi = None
        if need_x:
            keep = True
            if lo is not None:
                keep = x >= lo
            if hi is not None:
                keep = keep & (x <= hi)
            gx = sum_to_shape(g * keep, x.shape)
        if need_lo:
            keep = x < lo if hi is None else (x < lo) & (lo < hi)
            glo = sum_to_shape(g * keep, lo.shape)
        if need_hi:
            keep = x > hi if lo is None else (x > hi) | (hi < lo)
            ghi = sum_to_shape(g * keep, hi.shape)
        return gx, glo, ghi


def clamp(input, min=None, max=None, *, out=None):
    """Limit input to [min, max] elementwise. min/max are numbers or tensors (not a mix) and
    take part in type promotion (an int tensor clamped at 0.5 becomes float)."""
    refuse_complex(input, NotImplementedError, 'clamp is not supported for complex types')
    check_tensor("clamp", input)
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    tensors = [isinstance(v, Tensor) for v in (min, max) if v is not None]
    if any(tensors) and not all(tensors):
        raise TypeError(f"clamp() received an invalid combination of arguments - got (Tensor, "
                        f"{type(min).__name__}, {type(max).__name__})")
    # PyTorch names the overloads: ClampBackward0 for tensor bounds, ClampBackward1 for numbers
    result = node_name(_clamp(Clamp, input, min, max),
                       "ClampBackward0" if tensors[0] else "ClampBackward1")
    return write_out(result, out, same_dtype=True)


class ClampMin(Clamp):
    """Clamp for clamp_min: a subclass only so the node prints as ClampMinBackward0."""


def clamp_min(input, min, *, out=None):
    """max(input, min) elementwise (gradient to input where input >= min)."""
    refuse_complex(input, NotImplementedError, 'clamp is not supported for complex types')
    result = _clamp(ClampMin, check_tensor("clamp_min", input), min, None)
    if isinstance(min, Tensor):
        node_name(result, "ClampMinBackward1")
    return write_out(result, out, same_dtype=True)


class ClampMax(Clamp):
    """Clamp for clamp_max: a subclass only so the node prints as ClampMaxBackward0."""


def clamp_max(input, max, *, out=None):
    """min(input, max) elementwise (gradient to input where input <= max)."""
    refuse_complex(input, NotImplementedError, 'clamp is not supported for complex types')
    result = _clamp(ClampMax, check_tensor("clamp_max", input), None, max)
    if isinstance(max, Tensor):
        node_name(result, "ClampMaxBackward1")
    return write_out(result, out, same_dtype=True)


def _clamp(cls, input, lo, hi):
    # fast path: a float tensor with number bounds needs no promotion (NumPy keeps the
    # Python numbers weak, so the float dtype is kept)
    kind = input._data.dtype.kind
    for bound in (lo, hi):      # a number of the tensor's category must fit its dtype
        if type(bound) is int and kind in "iu" or type(bound) in (int, float) and kind == "f" \
                and not -65504 <= bound <= 65504:          # (float16's range: no check)
            check_fits(bound, input._data.dtype)
    if kind == "f" and type(lo) in _PLAIN and type(hi) in _PLAIN:
        return cls.apply(input, lo, hi)
    x, lo, hi = promote_all(input, lo, hi)
    return cls.apply(x, lo, hi)


_PLAIN = (float, int, type(None))


# ---------------------------------------------------------------------------------------------
# maximum, minimum (nan wins); fmax, fmin (nan ignored)
# ---------------------------------------------------------------------------------------------
class Maximum(Function):
    """out = max(a, b) elementwise   (nan if either is nan)
    grad: the larger input gets g; on ties each gets g / 2 (PyTorch's choice)"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return xp.maximum(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = (either.raw(t) for t in ctx.saved_tensors)
        return _split_on_ties(g, a, b, a < b, a > b, ctx.needs_input_grad)


def maximum(input, other, *, out=None):
    """Elementwise max of two tensors (nan wins); ties split the gradient half/half."""
    refuse_complex(input, RuntimeError, 'maximum not implemented for complex tensors.')
    a, b = promote(check_tensor("maximum", input), check_tensor("maximum", other, "other", 2))
    return write_out(Maximum.apply(a, b), out)


class Minimum(Function):
    """out = min(a, b) elementwise   (nan if either is nan)
    grad: the smaller input gets g; on ties each gets g / 2 (PyTorch's choice)"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return xp.minimum(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = (either.raw(t) for t in ctx.saved_tensors)
        return _split_on_ties(g, a, b, a > b, a < b, ctx.needs_input_grad)


def minimum(input, other, *, out=None):
    """Elementwise min of two tensors (nan wins); ties split the gradient half/half."""
    refuse_complex(input, RuntimeError, 'minimum not implemented for complex tensors.')
    a, b = promote(check_tensor("minimum", input), check_tensor("minimum", other, "other", 2))
    return write_out(Minimum.apply(a, b), out)


def _split_on_ties(g, a, b, a_loses, b_loses, needs):
    """Gradient of max/min: each input's weight is 0 where it loses, 1/2 on a tie, else 1."""
    dtype = either.raw(g).dtype
    tie = a == b
    ga = gb = None
    if needs[0]:
        ga = sum_to_shape(g * xp.where(a_loses, 0, xp.where(tie, 0.5, 1)).astype(dtype),
                          a.shape)
    if needs[1]:
        gb = sum_to_shape(g * xp.where(b_loses, 0, xp.where(tie, 0.5, 1)).astype(dtype),
                          b.shape)
    return ga, gb


class Fmax(Function):
    """out = max(a, b), ignoring a nan operand
    grad: da = g where a >= b or b is nan, db = g elsewhere (ties go to a, PyTorch's choice)"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return xp.fmax(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = (either.raw(t) for t in ctx.saved_tensors)
        to_a = (a >= b) | xp.isnan(b)
        return _route(g, to_a, a.shape, b.shape, ctx.needs_input_grad)


def fmax(input, other, *, out=None):
    """Elementwise max that ignores nan (nan only where both are nan)."""
    refuse_complex(input, RuntimeError, 'fmax not implemented for complex tensors.')
    a, b = promote(check_tensor("fmax", input), check_tensor("fmax", other, "other", 2))
    return write_out(Fmax.apply(a, b), out)


class Fmin(Function):
    """out = min(a, b), ignoring a nan operand
    grad: da = g where a <= b or b is nan, db = g elsewhere (ties go to a, PyTorch's choice)"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return xp.fmin(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = (either.raw(t) for t in ctx.saved_tensors)
        to_a = (a <= b) | xp.isnan(b)
        return _route(g, to_a, a.shape, b.shape, ctx.needs_input_grad)


def fmin(input, other, *, out=None):
    """Elementwise min that ignores nan (nan only where both are nan)."""
    refuse_complex(input, RuntimeError, 'fmin not implemented for complex tensors.')
    a, b = promote(check_tensor("fmin", input), check_tensor("fmin", other, "other", 2))
    return write_out(Fmin.apply(a, b), out)


def _route(g, to_a, shape_a, shape_b, needs):
    """Send g to input a where `to_a`, to input b elsewhere."""
    return (sum_to_shape(_where(to_a, g, 0.0), shape_a) if needs[0] else None,
            sum_to_shape(_where(to_a, 0.0, g), shape_b) if needs[1] else None)
