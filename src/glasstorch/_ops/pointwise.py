"""More elementwise ops: rounding, integer-style division (floor_divide, remainder, fmod),
clamp, maximum/minimum, where, lerp, logaddexp, addcmul/addcdiv.

Rounding and the rounded divisions are piecewise constant: their gradient is zero (PyTorch still
records them in the graph, so `.grad` comes back as zeros rather than None). At the kinks of
clamp and maximum/minimum the gradient follows PyTorch's conventions, spelled out per class.
"""
from .. import _backend
from .._backend import xp, ndarray, scalar_name, cpp_name
from .._tensor import Tensor, _make
from ..autograd.function import Function, Output
from ._util import (sum_to_shape, promote, cast, check_broadcast, node_name, write_out, write_outs,
                    where as _where)
from ._util import refuse_complex, check_fits
from ._util import conj_if_complex as _conj
from .elementwise import _shape, _raw, _exp, _tensor_arg


# ---------------------------------------------------------------------------------------------
# rounded division and remainders
# ---------------------------------------------------------------------------------------------
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
        a, b = (_raw(t) for t in ctx.saved_tensors)
        need_a, need_b = ctx.needs_input_grad
        gb = None
        if need_b:
            gb = sum_to_shape(g * -xp.floor_divide(a, b), b.shape)
        return (sum_to_shape(g, _shape(a)) if need_a else None), gb


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
        a, b = (_raw(t) for t in ctx.saved_tensors)
        need_a, need_b = ctx.needs_input_grad
        gb = None
        if need_b:
            gb = sum_to_shape(g * -_rounded_quotient(a, b, "trunc"), b.shape)
        return (sum_to_shape(g, _shape(a)) if need_a else None), gb


# ---------------------------------------------------------------------------------------------
# rounding
# ---------------------------------------------------------------------------------------------
class Rounding(Function):
    """out = floor / ceil / trunc / round(x) (round: half to even, optionally at `decimals`)
    grad: dx = 0                     (piecewise constant)"""

    @staticmethod
    def forward(ctx, x, fn):
        return fn(x)

    @staticmethod
    def backward(ctx, g):
        return xp.zeros_like(g), None


class Floor(Rounding):
    """Rounding for floor: a subclass only so the node prints as FloorBackward0."""


class Ceil(Rounding):
    """Rounding for ceil: a subclass only so the node prints as CeilBackward0."""


class Trunc(Rounding):
    """Rounding for trunc: a subclass only so the node prints as TruncBackward0."""


class Round(Rounding):
    """Rounding for round: a subclass only so the node prints as RoundBackward0."""


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


# ---------------------------------------------------------------------------------------------
# clamp, maximum, minimum
# ---------------------------------------------------------------------------------------------
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
        x, lo, hi = (_raw(t) for t in ctx.saved_tensors)
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


class ClampMin(Clamp):
    """Clamp for clamp_min: a subclass only so the node prints as ClampMinBackward0."""


class ClampMax(Clamp):
    """Clamp for clamp_max: a subclass only so the node prints as ClampMaxBackward0."""


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
        a, b = (_raw(t) for t in ctx.saved_tensors)
        return _split_on_ties(g, a, b, a < b, a > b, ctx.needs_input_grad)


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
        a, b = (_raw(t) for t in ctx.saved_tensors)
        return _split_on_ties(g, a, b, a > b, a < b, ctx.needs_input_grad)


def _split_on_ties(g, a, b, a_loses, b_loses, needs):
    """Gradient of max/min: each input's weight is 0 where it loses, 1/2 on a tie, else 1."""
    dtype = _raw(g).dtype
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
        a, b = (_raw(t) for t in ctx.saved_tensors)
        to_a = (a >= b) | xp.isnan(b)
        return _route(g, to_a, a.shape, b.shape, ctx.needs_input_grad)


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
        a, b = (_raw(t) for t in ctx.saved_tensors)
        to_a = (a <= b) | xp.isnan(b)
        return _route(g, to_a, a.shape, b.shape, ctx.needs_input_grad)


def _route(g, to_a, shape_a, shape_b, needs):
    """Send g to input a where `to_a`, to input b elsewhere."""
    return (sum_to_shape(_where(to_a, g, 0.0), shape_a) if needs[0] else None,
            sum_to_shape(_where(to_a, 0.0, g), shape_b) if needs[1] else None)


# ---------------------------------------------------------------------------------------------
# where, lerp, logaddexp, addcmul, addcdiv
# ---------------------------------------------------------------------------------------------
class Where(Function):
    """out = a where cond else b
    grad: da = g where cond (else 0),  db = g where not cond"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, cond, a, b, np_dtype):
        ctx.cond = cond
        ctx.shapes = (_shape(a), _shape(b))
        # astype: two Python numbers would otherwise give NumPy's float64/int64
        return xp.where(cond, a, b).astype(np_dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        sa, sb = ctx.shapes
        _, need_a, need_b, _ = ctx.needs_input_grad
        return (None,
                sum_to_shape(_where(ctx.cond, g, 0.0), sa) if need_a else None,
                sum_to_shape(_where(ctx.cond, 0.0, g), sb) if need_b else None,
                None)


class Lerp(Function):
    """out = start + w * (end - start)   (computed as end - (end - start) * (1 - w) for
    w >= 0.5, as PyTorch does, so that w == 1 gives exactly `end`)
    grad: dstart = g * (1 - w),  dend = g * w,  dw = g * (end - start)   (each factor
          conjugated for complex operands, PyTorch's convention)"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, start, end, w):
        ctx.save_for_backward(start, end, w)
        diff = end - start
        return xp.where(xp.abs(w) < 0.5, start + w * diff, end - diff * (1 - w))

    @staticmethod
    def backward(ctx, g):
        start, end, w = ctx.saved_tensors
        need_start, need_end, need_w = ctx.needs_input_grad
        return (sum_to_shape(g * _conj(1 - w), _shape(start)) if need_start else None,
                sum_to_shape(g * _conj(w), _shape(end)) if need_end else None,
                sum_to_shape(g * _conj(end - start), _shape(w)) if need_w else None)


class Logaddexp(Function):
    """out = log(exp(a) + exp(b))    (without overflow)
    grad: da = g / (1 + exp(b - a)),  db = g / (1 + exp(a - b))"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return xp.logaddexp(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return (sum_to_shape(g / (_exp(b - a) + 1), _shape(a)) if need_a else None,
                sum_to_shape(g / (_exp(a - b) + 1), _shape(b)) if need_b else None)


class Addcmul(Function):
    """out = x + value * t1 * t2
    grad: dx = g,  dt1 = g * value * t2,  dt2 = g * value * t1   (complex: conjugated)"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x, t1, t2, value):
        ctx.save_for_backward(x, t1, t2)
        ctx.value = value
        prod = t1 * t2
        return x + (prod if value == 1 else prod * value)

    @staticmethod
    def backward(ctx, g):
        x, t1, t2 = ctx.saved_tensors
        need_x, need_1, need_2, _ = ctx.needs_input_grad
        gv = g if ctx.value == 1 else g * _conj(ctx.value)
        return (sum_to_shape(g, _shape(x)) if need_x else None,
                sum_to_shape(gv * _conj(t2), _shape(t1)) if need_1 else None,
                sum_to_shape(gv * _conj(t1), _shape(t2)) if need_2 else None,
                None)


class Addcdiv(Function):
    """out = x + value * t1 / t2
    grad: dx = g,  dt1 = g * value / t2,  dt2 = -g * value * t1 / t2**2   (complex:
          conjugated)"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x, t1, t2, value):
        ctx.save_for_backward(x, t1, t2)
        ctx.value = value
        quot = t1 / t2
        return x + (quot if value == 1 else quot * value)

    @staticmethod
    def backward(ctx, g):
        x, t1, t2 = ctx.saved_tensors
        need_x, need_1, need_2, _ = ctx.needs_input_grad
        gv = (g if ctx.value == 1 else g * _conj(ctx.value)) / _conj(t2)
        return (sum_to_shape(g, _shape(x)) if need_x else None,
                sum_to_shape(gv, _shape(t1)) if need_1 else None,
                sum_to_shape(-gv * _conj(t1 / t2), _shape(t2)) if need_2 else None,
                None)


# ---------------------------------------------------------------------------------------------
# public functions
# ---------------------------------------------------------------------------------------------
def floor_divide(input, other, *, out=None):
    """input // other, rounded toward -inf (Python's convention); integer dtypes stay integer.
    Integer division by zero raises, as in PyTorch."""
    if not isinstance(input, Tensor):
        from .elementwise import first_number_as_tensor
        input = first_number_as_tensor(input, other)
    a, b = _integer_division_operands(input, other, "div_floor")
    return write_out(FloorDivide.apply(a, b), out, composite=True)


def div_rounded(input, other, rounding_mode):
    """input / other rounded toward 0 ('trunc') or -inf ('floor'): div's rounding modes, whose
    gradient is zero (floor_divide has none at all)."""
    a, b = _integer_division_operands(input, other, "div_" + rounding_mode)
    return DivRounded.apply(a, b, rounding_mode)


def remainder(input, other, *, out=None):
    """input % other with the sign of other (Python's convention), for ints and floats."""
    a, b = _integer_division_operands(input, other, "remainder")
    return write_out(Remainder.apply(a, b), out)


def fmod(input, other, *, out=None):
    """C-style remainder: input - other * trunc(input / other), with the sign of input."""
    _tensor_arg(input, "fmod")
    a, b = _integer_division_operands(input, other, "fmod")
    return write_out(Fmod.apply(a, b), out)


def _integer_division_operands(input, other, kernel):
    """Promote the operands of //, %, fmod; refuse bools and integer division by zero."""
    a, b = promote(input, other)
    kinds = _kind(a), _kind(b)
    if kinds == ("b", "b"):
        raise NotImplementedError(f"\"{kernel}_cpu\" not implemented for 'Bool'")
    if kinds[0] in "iub" and kinds[1] in "iub" and xp.any(_raw(b) == 0):
        raise RuntimeError("ZeroDivisionError")
    return a, b


def _kind(x):
    if isinstance(x, Tensor):
        return x._data.dtype.kind
    if isinstance(x, bool):
        return "b"
    return "i" if isinstance(x, int) else "f"


def floor(input, *, out=None):
    """Round down to an integer value (integer dtypes are returned unchanged)."""
    refuse_complex(input, NotImplementedError, 'floor is not supported for complex inputs')
    return write_out(_round_with(Floor, input, xp.floor, "floor_vml"), out, same_dtype=True)


def ceil(input, *, out=None):
    """Round up to an integer value."""
    refuse_complex(input, NotImplementedError, 'ceil is not supported for complex inputs')
    return write_out(_round_with(Ceil, input, xp.ceil, "ceil_vml"), out, same_dtype=True)


def trunc(input, *, out=None):
    """Round toward zero."""
    refuse_complex(input, NotImplementedError, 'trunc is not supported for complex inputs')
    return write_out(_round_with(Trunc, input, xp.trunc, "trunc_vml"), out, same_dtype=True)


def round(input, *, decimals=0, out=None):
    """Round half to even, at `decimals` places after the point (negative: before it)."""
    if decimals == 0:
        return write_out(_round_with(Round, input, xp.rint, "round_vml"), out, same_dtype=True)
    if _tensor_arg(input, "round")._data.dtype.kind != "f":
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


def _round_with(cls, input, fn, kernel):
    kind = _tensor_arg(input, kernel.split("_")[0])._data.dtype.kind
    if kind == "b":
        raise NotImplementedError(f"\"{kernel}_cpu\" not implemented for 'Bool'")
    if kind in "iu":
        return _make(input._data.copy())  # already integral: a copy, as PyTorch returns
    return cls.apply(input, fn)


def frac(input, *, out=None):
    """input - trunc(input): the fractional part, with input's sign."""
    kind = _tensor_arg(input, "frac")._data.dtype.kind
    if kind != "f":
        raise NotImplementedError(f"\"frac_cpu\" not implemented for "
                                  f"'{scalar_name(input._data.dtype)}'")
    return write_out(Frac.apply(input), out, same_dtype=True)


def clamp(input, min=None, max=None, *, out=None):
    """Limit input to [min, max] elementwise. min/max are numbers or tensors (not a mix) and
    take part in type promotion (an int tensor clamped at 0.5 becomes float)."""
    refuse_complex(input, NotImplementedError, 'clamp is not supported for complex types')
    _tensor_arg(input, "clamp")
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


def clamp_min(input, min, *, out=None):
    """max(input, min) elementwise (gradient to input where input >= min)."""
    refuse_complex(input, NotImplementedError, 'clamp is not supported for complex types')
    result = _clamp(ClampMin, _tensor_arg(input, "clamp_min"), min, None)
    if isinstance(min, Tensor):
        node_name(result, "ClampMinBackward1")
    return write_out(result, out, same_dtype=True)


def clamp_max(input, max, *, out=None):
    """min(input, max) elementwise (gradient to input where input <= max)."""
    refuse_complex(input, NotImplementedError, 'clamp is not supported for complex types')
    result = _clamp(ClampMax, _tensor_arg(input, "clamp_max"), None, max)
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
    x, lo, hi = _promote_all(input, lo, hi)
    return cls.apply(x, lo, hi)


_PLAIN = (float, int, type(None))


def maximum(input, other, *, out=None):
    """Elementwise max of two tensors (nan wins); ties split the gradient half/half."""
    refuse_complex(input, RuntimeError, 'maximum not implemented for complex tensors.')
    a, b = promote(_tensor_arg(input, "maximum"), _tensor_arg(other, "maximum", "other"))
    return write_out(Maximum.apply(a, b), out)


def minimum(input, other, *, out=None):
    """Elementwise min of two tensors (nan wins); ties split the gradient half/half."""
    refuse_complex(input, RuntimeError, 'minimum not implemented for complex tensors.')
    a, b = promote(_tensor_arg(input, "minimum"), _tensor_arg(other, "minimum", "other"))
    return write_out(Minimum.apply(a, b), out)


def fmax(input, other, *, out=None):
    """Elementwise max that ignores nan (nan only where both are nan)."""
    refuse_complex(input, RuntimeError, 'fmax not implemented for complex tensors.')
    a, b = promote(_tensor_arg(input, "fmax"), _tensor_arg(other, "fmax", "other"))
    return write_out(Fmax.apply(a, b), out)


def fmin(input, other, *, out=None):
    """Elementwise min that ignores nan (nan only where both are nan)."""
    refuse_complex(input, RuntimeError, 'fmin not implemented for complex tensors.')
    a, b = promote(_tensor_arg(input, "fmin"), _tensor_arg(other, "fmin", "other"))
    return write_out(Fmin.apply(a, b), out)


def where(condition, input=None, other=None, *, out=None):
    """input where condition else other (broadcast; input/other may be numbers).
    where(condition) alone is nonzero(condition, as_tuple=True)."""
    if input is None and other is None:
        from .index import nonzero
        return nonzero(condition, as_tuple=True)
    if not isinstance(condition, Tensor):
        raise TypeError(f"where(): argument 'condition' (position 1) must be Tensor, not "
                        f"{type(condition).__name__}")
    kind = condition._data.dtype.kind
    if kind != "b" and condition._data.dtype != xp.uint8:
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor "
                           f"with dtype {scalar_name(condition._data.dtype)}")
    shapes = [t._data.shape for t in (condition, input, other) if isinstance(t, Tensor)]
    check_broadcast(*shapes)
    target = _backend.result_type(input, other)
    for value in (input, other):
        check_fits(value, target.np)
    a, b = cast(input, target), cast(other, target)
    return write_out(Where.apply(condition._data.astype(bool, copy=False), a, b, target.np),
                     out, same_dtype=True)


def tensor_where(self, condition, other):
    """Tensor.where(condition, other): self where condition else other."""
    return where(condition, self, other)


def lerp(input, end, weight, *, out=None):
    """input + weight * (end - input); weight is a number or a tensor. input, end (and a
    tensor weight with dims) must share one float or complex dtype, as in PyTorch."""
    _tensor_arg(input, "lerp")
    _tensor_arg(end, "lerp", "end")
    name = input._data.dtype.name
    if input._data.dtype.kind not in "fc":
        raise NotImplementedError(f"\"lerp_kernel_scalar\" not implemented for '{scalar_name(input._data.dtype)}'")
    for label, v in (("end", end), ("weight", weight)):
        if isinstance(v, Tensor) and v._data.dtype != input._data.dtype and (
                label == "end" or v._data.ndim):
            raise RuntimeError(f"expected dtype {cpp_name(input._data.dtype)} for `{label}` but "
                               f"got dtype {cpp_name(v._data.dtype)}")
    shapes = [t._data.shape for t in (input, end, weight) if isinstance(t, Tensor)]
    check_broadcast(*shapes)
    if isinstance(weight, Tensor):
        result = node_name(Lerp.apply(input, end, cast(weight, input.dtype)), "LerpBackward1")
    else:
        weight = xp.asarray(weight, dtype=input._data.dtype)  # a 0-d array: no grad, no upcast
        result = Lerp.apply(input, end, weight)
    return write_out(result, out)


def logaddexp(input, other, *, out=None):
    """log(exp(input) + exp(other)) without overflow (float tensors only)."""
    a, b = promote(_tensor_arg(input, "logaddexp"), _tensor_arg(other, "logaddexp", "other"))
    if a._data.dtype.kind != "f":
        raise NotImplementedError(f"\"logaddexp_cpu\" not implemented for "
                                  f"'{scalar_name(a._data.dtype)}'")
    return write_out(Logaddexp.apply(a, b), out)


def addcmul(input, tensor1, tensor2, *, value=1, out=None):
    """input + value * tensor1 * tensor2 (broadcast, promoted over all three)."""
    x, t1, t2 = _promote_all(input, tensor1, tensor2)
    if x._data.dtype.kind in "iub" and isinstance(value, float):
        value = int(value)  # PyTorch casts the scalar to the integer result type
    return write_out(Addcmul.apply(x, t1, t2, value), out)


def addcdiv(input, tensor1, tensor2, *, value=1, out=None):
    """input + value * tensor1 / tensor2 (true division; integer tensor1/tensor2 refused)."""
    if (_tensor_arg(tensor1, "addcdiv", "tensor1")._data.dtype.kind in "iub"
            and _tensor_arg(tensor2, "addcdiv", "tensor2")._data.dtype.kind in "iub"):
        raise RuntimeError(
            "Integer division with addcdiv is no longer supported, and in a future  release "
            "addcdiv will perform a true division of tensor1 and tensor2. The historic addcdiv "
            "behavior can be implemented as (input + value * torch.trunc(tensor1 / tensor2))"
            ".to(input.dtype) for integer inputs and as (input + value * tensor1 / tensor2) for "
            "float inputs. The future addcdiv behavior is just the latter implementation: "
            "(input + value * tensor1 / tensor2), for all dtypes.")
    x, t1, t2 = _promote_all(input, tensor1, tensor2)
    return write_out(Addcdiv.apply(x, t1, t2, value), out)


def _promote_all(*operands):
    """Check that the tensors among `operands` broadcast, then cast every tensor/number to
    their common PyTorch result dtype (None entries stay None)."""
    tensors = [v for v in operands if isinstance(v, Tensor)]
    if len(tensors) > 1:
        check_broadcast(*(t._data.shape for t in tensors))
    target = _backend.result_type(*operands)
    return tuple(None if v is None else cast(v, target) for v in operands)


# ---------------------------------------------------------------------------------------------
# logaddexp2, nan_to_num, heaviside, gcd / lcm, nextafter, frexp
# ---------------------------------------------------------------------------------------------
class Logaddexp2(Function):
    """out = log2(2**a + 2**b)       (without overflow)
    grad: da = g / (1 + 2**(b - a)),  db = g / (1 + 2**(a - b))"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return xp.logaddexp2(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return (sum_to_shape(g / (2.0 ** (b - a) + 1), _shape(a)) if need_a else None,
                sum_to_shape(g / (2.0 ** (a - b) + 1), _shape(b)) if need_b else None)


class NanToNum(Function):
    """out = x with nan, +inf, -inf replaced by the given numbers
    grad: dx = g where x is finite, else 0"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x, nan, posinf, neginf):
        ctx.finite = xp.isfinite(x)
        return xp.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)

    @staticmethod
    def backward(ctx, g):
        return g * ctx.finite, None, None, None


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


def logaddexp2(input, other, *, out=None):
    """log2(2**input + 2**other) without overflow (float tensors only)."""
    a, b = promote(_tensor_arg(input, "logaddexp2"), _tensor_arg(other, "logaddexp2", "other"))
    if a._data.dtype.kind != "f":
        raise NotImplementedError(f"\"logaddexp2_cpu\" not implemented for "
                                  f"'{scalar_name(a._data.dtype)}'")
    return write_out(Logaddexp2.apply(a, b), out)


def nan_to_num(input, nan=0.0, posinf=None, neginf=None, *, out=None):
    """input with nan -> `nan`, +inf -> `posinf`, -inf -> `neginf` (by default the largest and
    lowest finite values of input's dtype). Integer and bool inputs come back as a copy."""
    if _tensor_arg(input, "nan_to_num")._data.dtype.kind not in "fc":
        return write_out(_make(input._data.copy()), out, same_dtype=True)
    nan = 0.0 if nan is None else nan
    return write_out(NanToNum.apply(input, nan, posinf, neginf), out, same_dtype=True)


def heaviside(input, values, *, out=None):
    """The step function: 0 where input < 0, `values` where input == 0, 1 where input > 0
    (values broadcast against input and must have its dtype). No gradient, as in PyTorch."""
    refuse_complex(input, RuntimeError, 'heaviside is not yet implemented for complex tensors.')
    x = _tensor_arg(input, "heaviside")._data
    v = _tensor_arg(values, "heaviside", "values")._data
    if x.dtype != v.dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes.")
    check_broadcast(x.shape, v.shape)
    result = xp.where(x == 0, v, (x > 0).astype(x.dtype, copy=False)).astype(x.dtype, copy=False)
    return write_out(_make(result), out, same_dtype=True)


def _integer_pair(fname, input, other):
    """Both tensors promoted to their common dtype, which must be an integer one."""
    a, b = promote(_tensor_arg(input, fname), _tensor_arg(other, fname, "other"))
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


def nextafter(input, other, *, out=None):
    """The next representable float after input towards other (float tensors)."""
    a, b = promote(_tensor_arg(input, "nextafter"), _tensor_arg(other, "nextafter", "other"))
    if a._data.dtype.kind != "f":
        raise NotImplementedError(f"\"nextafter_cpu\" not implemented for "
                                  f"'{scalar_name(a._data.dtype)}'")
    return write_out(Nextafter.apply(a, b), out)


def frexp(input, *, out=None):
    """(mantissa, exponent) with input = mantissa * 2**exponent, |mantissa| in [0.5, 1);
    exponent is int32. Returns torch.return_types.frexp."""
    from .. import return_types
    if _tensor_arg(input, "frexp")._data.dtype.kind != "f":
        raise RuntimeError("torch.frexp() only supports floating-point dtypes")
    mantissa, exponent = Frexp.apply(input)
    return write_outs(return_types.frexp(mantissa, exponent), out, same_dtype=True)
