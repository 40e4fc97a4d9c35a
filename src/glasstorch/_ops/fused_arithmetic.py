"""Small arithmetic formulas fused into one node each: lerp, logaddexp, logaddexp2, addcmul and
addcdiv (each one pass, without overflow where it matters, with the gradient in closed form).
"""
from .._backend import xp, scalar_name, cpp_name
from .._tensor import Tensor
from ..autograd.function import Function
from ._util import sum_to_shape, promote, promote_all, cast, check_broadcast, node_name, write_out
from ._util import conj_if_complex as _conj
from .elementwise import _shape
from . import _either as either
from ._util import check_tensor


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


def lerp(input, end, weight, *, out=None):
    """input + weight * (end - input); weight is a number or a tensor. input, end (and a
    tensor weight with dims) must share one float or complex dtype, as in PyTorch."""
    check_tensor("lerp", input)
    check_tensor("lerp", end, "end", 2)
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
        return (sum_to_shape(g / (either.exp(b - a) + 1), _shape(a)) if need_a else None,
                sum_to_shape(g / (either.exp(a - b) + 1), _shape(b)) if need_b else None)


def logaddexp(input, other, *, out=None):
    """log(exp(input) + exp(other)) without overflow (float tensors only)."""
    a, b = promote(check_tensor("logaddexp", input), check_tensor("logaddexp", other, "other", 2))
    if a._data.dtype.kind != "f":
        raise NotImplementedError(f"\"logaddexp_cpu\" not implemented for "
                                  f"'{scalar_name(a._data.dtype)}'")
    return write_out(Logaddexp.apply(a, b), out)


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


def logaddexp2(input, other, *, out=None):
    """log2(2**input + 2**other) without overflow (float tensors only)."""
    a, b = promote(check_tensor("logaddexp2", input), check_tensor("logaddexp2", other, "other", 2))
    if a._data.dtype.kind != "f":
        raise NotImplementedError(f"\"logaddexp2_cpu\" not implemented for "
                                  f"'{scalar_name(a._data.dtype)}'")
    return write_out(Logaddexp2.apply(a, b), out)


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


def addcmul(input, tensor1, tensor2, *, value=1, out=None):
    """input + value * tensor1 * tensor2 (broadcast, promoted over all three)."""
    x, t1, t2 = promote_all(input, tensor1, tensor2)
    if x._data.dtype.kind in "iub" and isinstance(value, float):
        value = int(value)  # PyTorch casts the scalar to the integer result type
    return write_out(Addcmul.apply(x, t1, t2, value), out)


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


def addcdiv(input, tensor1, tensor2, *, value=1, out=None):
    """input + value * tensor1 / tensor2 (true division; integer tensor1/tensor2 refused)."""
    if (check_tensor("addcdiv", tensor1, "tensor1", 2)._data.dtype.kind in "iub"
            and check_tensor("addcdiv", tensor2, "tensor2", 2)._data.dtype.kind in "iub"):
        raise RuntimeError(
            "Integer division with addcdiv is no longer supported, and in a future  release "
            "addcdiv will perform a true division of tensor1 and tensor2. The historic addcdiv "
            "behavior can be implemented as (input + value * torch.trunc(tensor1 / tensor2))"
            ".to(input.dtype) for integer inputs and as (input + value * tensor1 / tensor2) for "
            "float inputs. The future addcdiv behavior is just the latter implementation: "
            "(input + value * tensor1 / tensor2), for all dtypes.")
    x, t1, t2 = promote_all(input, tensor1, tensor2)
    return write_out(Addcdiv.apply(x, t1, t2, value), out)
