"""Choosing each element by a condition: where (input where condition else other),
nan_to_num (nan and infinities replaced by numbers) and heaviside (0, values or 1 by sign).
"""
from .. import _backend
from .._backend import xp, scalar_name
from .._tensor import Tensor, _make
from ..autograd.function import Function
from ._util import sum_to_shape, cast, check_broadcast, write_out, where as _where
from ._util import refuse_complex, check_fits
from .elementwise import _shape
from ._util import check_tensor


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


def where(condition, input=None, other=None, *, out=None):
    """input where condition else other (broadcast; input/other may be numbers).
    where(condition) alone is nonzero(condition, as_tuple=True)."""
    if input is None and other is None:
        from .index import nonzero
        return nonzero(condition, as_tuple=True)
    check_tensor("where", condition, "condition")
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


def nan_to_num(input, nan=0.0, posinf=None, neginf=None, *, out=None):
    """input with nan -> `nan`, +inf -> `posinf`, -inf -> `neginf` (by default the largest and
    lowest finite values of input's dtype). Integer and bool inputs come back as a copy."""
    if check_tensor("nan_to_num", input)._data.dtype.kind not in "fc":
        return write_out(_make(input._data.copy()), out, same_dtype=True)
    nan = 0.0 if nan is None else nan
    return write_out(NanToNum.apply(input, nan, posinf, neginf), out, same_dtype=True)


def heaviside(input, values, *, out=None):
    """The step function: 0 where input < 0, `values` where input == 0, 1 where input > 0
    (values broadcast against input and must have its dtype). No gradient, as in PyTorch."""
    refuse_complex(input, RuntimeError, 'heaviside is not yet implemented for complex tensors.')
    x = check_tensor("heaviside", input)._data
    v = check_tensor("heaviside", values, "values", 2)._data
    if x.dtype != v.dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes.")
    check_broadcast(x.shape, v.shape)
    result = xp.where(x == 0, v, (x > 0).astype(x.dtype, copy=False)).astype(x.dtype, copy=False)
    return write_out(_make(result), out, same_dtype=True)
