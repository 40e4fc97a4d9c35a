"""Activation functions and softmax: each one fused Function, forward and backward side by side.

Every activation is a single autograd node with a hand-derived backward. The gradients at the
kinks follow PyTorch's conventions (noted per Function). Backwards marked
`differentiable_backward` use only operators and the `_exp`/`_sigmoid`/... helpers below, which
run on NumPy arrays normally and on Tensors under `create_graph=True`, so they can be
differentiated again. Each Function is followed by the public function (`nn.functional`) that
calls it.
`relu`, `sigmoid` and `tanh` are tensor ops too (torch.relu, Tensor.sigmoid): their
`functional_*` forms are what `nn.functional` exports under the plain names.
"""
import math
import warnings

from .. import _backend
from .._backend import xp, rng_of, scalar_name
from .._tensor import Tensor, _make
from ..autograd import grad_mode
from ..autograd.function import Function, Output
from . import elementwise
from ._util import (tree_sum, wrap_dim, node_name, where as _where, conj_if_complex, write_out,
                    check_tensor)
from . import _either as either
from .inplace import check_inplace_allowed, write_into, snapshot


def _same_dtype(out, x):
    """NumPy turns `int_array op python_float` into float64; PyTorch keeps the input's dtype."""
    return out if out.dtype == x.dtype else out.astype(x.dtype)


def _floating(x, kernel):
    """PyTorch's kernels for most activations exist for floating dtypes only."""
    if x._data.dtype.kind not in "fc":
        raise NotImplementedError(f'"{kernel}" not implemented for '
                                  f"'{scalar_name(x.dtype)}'")
    return x


def _apply(function, input, inplace, *args, node=None):
    """function.apply(input, *args), or written into `input` when inplace=True (computed from
    a snapshot when the graph is recorded, so the values saved for backward stay intact).
    `node` renames the new graph node: PyTorch's name for this overload (e.g. the in-place
    LeakyReluBackward1)."""
    if not inplace:
        out = function.apply(input, *args)
        return out if node is None else node_name(out, node)
    check_inplace_allowed(input)
    src = input
    if grad_mode.enabled and input._requires_grad:
        src = snapshot(input)
    out = function.apply(src, *args)
    return write_into(input, out if node is None else node_name(out, node))


# ---------------------------------------------------------------------------------------------
# piecewise-linear activations
# ---------------------------------------------------------------------------------------------
class Relu(Function):
    """out = max(x, 0)
    grad: dx = g where x > 0 else 0    (PyTorch's choice: gradient 0 at x == 0)"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x):
        out = either.as_array(xp.maximum(x, 0)).astype(x.dtype, copy=False)
        ctx.save_for_backward(Output(out))
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * (either.raw(out) > 0)


def relu(input):
    """max(input, 0), keeping the dtype; gradient 0 at 0 (torch.relu, Tensor.relu)."""
    kind = check_tensor("relu", input)._data.dtype.kind
    if kind in "bc":
        if kind == "b":
            raise RuntimeError("Boolean inputs not supported for relu")
        raise NotImplementedError("clamp is not supported for complex types")
    return Relu.apply(input)


def functional_relu(input, inplace=False):
    """max(input, 0), keeping the dtype; gradient 0 at 0 (torch.nn.functional.relu)."""
    if inplace:
        return _apply(Relu, check_tensor("relu", input), True)
    return relu(input)


def relu_(input):
    return functional_relu(input, inplace=True)


class Hardtanh(Function):
    """out = clamp(x, min_val, max_val)       (relu6 is hardtanh(x, 0, 6))
    grad: dx = g where min_val < x < max_val, else 0   (0 at both bounds, as PyTorch)"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x, min_val, max_val):
        ctx.save_for_backward(x)
        ctx.bounds = (min_val, max_val)
        return _same_dtype(either.as_array(xp.clip(x, min_val, max_val)), x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        low, high = ctx.bounds
        x = either.raw(x)
        return g * ((x > low) & (x < high))


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """clamp(input, min_val, max_val); gradient 1 strictly between the bounds, else 0."""
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    check_tensor("hardtanh", input)
    if input._data.dtype.kind == "b":
        raise NotImplementedError("\"hardtanh_cpu\" not implemented for 'Bool'")
    return _apply(Hardtanh, input, inplace, min_val, max_val)


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    return hardtanh(input, min_val, max_val, inplace=True)


def relu6(input, inplace=False):
    """min(max(input, 0), 6) (hardtanh with bounds 0 and 6: gradient 0 at 0 and at 6)."""
    return hardtanh(input, 0.0, 6.0, inplace)


class LeakyRelu(Function):
    """out = x if x > 0 else negative_slope * x
    grad: dx = g if x > 0 else negative_slope * g      (the slope at x == 0, as PyTorch)"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x, negative_slope):
        ctx.save_for_backward(x)
        ctx.slope = negative_slope
        return either.as_array(xp.where(x > 0, x, x * negative_slope))

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return _where(either.raw(x) > 0, g, g * ctx.slope)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """input if input > 0 else negative_slope * input."""
    _floating(check_tensor("leaky_relu", input), "leaky_relu_cpu")
    return _apply(LeakyRelu, input, inplace, negative_slope,
                  node="LeakyReluBackward1" if inplace else None)


def leaky_relu_(input, negative_slope=0.01):
    return leaky_relu(input, negative_slope, inplace=True)


def _per_channel(weight, ndim):
    """prelu's weight (C,) viewed as (C, 1, 1, ...) to line up with dim 1 of x (or a scalar)."""
    if either.raw(weight).size > 1:
        return weight.reshape(tuple(weight.shape) + (1,) * (ndim - 2))
    return weight.reshape(())


class Prelu(Function):
    """out = x if x > 0 else w * x     (w: one slope per channel, channels on dim 1)
    grad: dx = g if x > 0 else w * g,  dw = sum of g * x where x <= 0 (over all but dim 1)"""

    differentiable_backward = True
    _node_name = "PreluKernelBackward0"   # PyTorch's name

    @staticmethod
    def forward(ctx, x, weight):
        ctx.save_for_backward(x, weight)    # the input itself, so double backward reaches it
        ctx.weight_shape = weight.shape
        return either.as_array(xp.where(x > 0, x, _per_channel(weight, x.ndim) * x))

    @staticmethod
    def backward(ctx, g):
        x, weight = ctx.saved_tensors
        w = _per_channel(weight, either.raw(x).ndim)
        positive = either.raw(x) > 0
        need_x, need_w = ctx.needs_input_grad
        gx = _where(positive, g, g * w) if need_x else None
        gw = None
        if need_w:
            gw = _where(positive, 0.0, g * x)
            channel = (1,) if either.raw(w).ndim else ()
            axes = tuple(i for i in range(gw.ndim) if i not in channel)
            gw = tree_sum(gw, axes).reshape(ctx.weight_shape)     # (not row after row)
        return gx, gw


def prelu(input, weight):
    """input if input > 0 else weight * input, one learned slope per channel (dim 1).

    Shapes: input (N, C, *) or any shape when weight has one element; weight (C,) or (1,)."""
    check_tensor("prelu", input)
    if weight._data.ndim > 1:
        raise RuntimeError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: "
                           f"ndim = {weight._data.ndim}")
    channels = input._data.shape[1] if input._data.ndim >= 2 else 1
    if weight._data.size != 1 and weight._data.size != channels:
        raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found "
                           f"parameter numbers = {weight._data.size} and channel size = "
                           f"{channels}.")
    _floating(input, "prelu_cpu")
    return Prelu.apply(input, weight)


class RreluWithNoise(Function):
    """out = x * noise  (noise = 1 where x > 0, else the negative slope: drawn per element from
    U(lower, upper) in training, (lower + upper) / 2 in eval)
    grad: dx = g * noise   (the very slopes used in forward)"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x, noise):
        ctx.noise = noise
        return x * noise

    @staticmethod
    def backward(ctx, g):
        return g * ctx.noise


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False, *,
          generator=None):
    """Randomized leaky ReLU: input if input > 0 else a * input, with a ~ U(lower, upper) drawn
    per element in training and the fixed a = (lower + upper) / 2 in eval. The draws come from
    glasstorch's seeded generator (the streams differ from PyTorch's)."""
    check_tensor("rrelu", input)
    if lower > upper:
        raise RuntimeError("Lower bound should be less than or equal to the upper bound")
    _floating(input, "rrelu_with_noise_out_cpu" if training else "leaky_relu_cpu")
    x = input._data
    if training:
        draw_dtype = x.dtype if x.dtype in (xp.float32, xp.float64) else xp.float32
        slopes = rng_of(generator).random(x.shape, dtype=draw_dtype) * (upper - lower) + lower
        noise = xp.where(x > 0, 1, slopes).astype(x.dtype, copy=False)
    else:
        noise = xp.where(x > 0, 1, (lower + upper) / 2).astype(x.dtype, copy=False)
    return _apply(RreluWithNoise, input, inplace, noise,
                  node="RreluWithNoiseBackward1" if inplace else None)


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False, *, generator=None):
    return rrelu(input, lower, upper, training, True, generator=generator)


class Threshold(Function):
    """out = value if x <= threshold else x   (NaN stays NaN, as PyTorch)
    grad: dx = 0 where x <= threshold, else g"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x, threshold, value):
        ctx.save_for_backward(x)
        ctx.threshold = threshold
        return _same_dtype(either.as_array(xp.where(x <= threshold, value, x)), x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * ~(either.raw(x) <= ctx.threshold)


def threshold(input, threshold, value, inplace=False):
    """input where input > threshold, else value (keeps the dtype)."""
    check_tensor("threshold", input)
    return _apply(Threshold, input, inplace, threshold, value,
                  node="ThresholdBackward1" if inplace else None)


def threshold_(input, threshold, value):
    return _apply(Threshold, check_tensor("threshold_", input), True, threshold, value,
                  node="ThresholdBackward1")


class Hardshrink(Function):
    """out = 0 if -lambd <= x <= lambd else x   (NaN stays NaN, as PyTorch)
    grad: dx = 0 where -lambd <= x <= lambd, else g"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x, lambd):
        ctx.save_for_backward(x)
        ctx.lambd = lambd
        return either.as_array(xp.where(xp.abs(x) <= lambd, 0, x)).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * ~(xp.abs(either.raw(x)) <= ctx.lambd)


def hardshrink(input, lambd=0.5):
    """input where |input| > lambd, else 0."""
    _floating(check_tensor("hardshrink", input), "hardshrink_cpu")
    return Hardshrink.apply(input, lambd)


class Softshrink(Function):
    """out = x - lambd if x > lambd, x + lambd if x < -lambd, else 0 * x (NaN stays NaN)
    grad: dx = 0 where -lambd <= x <= lambd, else g"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x, lambd):
        ctx.save_for_backward(x)
        ctx.lambd = lambd
        return either.as_array(xp.where(x > lambd, x - lambd, xp.where(x < -lambd, x + lambd, x * 0))
                    ).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * ~(xp.abs(either.raw(x)) <= ctx.lambd)


def softshrink(input, lambd=0.5):
    """input - lambd above lambd, input + lambd below -lambd, 0 in between."""
    _floating(check_tensor("softshrink", input), "softshrink_check")
    if lambd < 0:
        raise RuntimeError(f"lambda must be greater or equal to 0, but found to be {lambd}.")
    return Softshrink.apply(input, lambd)


class Hardsigmoid(Function):
    """out = clamp(x + 3, 0, 6) / 6
    grad: dx = g / 6 where -3 < x < 3, else 0"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return either.as_array(xp.clip(x + 3, 0, 6) / 6).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        x = either.raw(x)
        return g * ((x > -3) & (x < 3)) * (1 / 6)


def hardsigmoid(input, inplace=False):
    """relu6(input + 3) / 6."""
    _floating(check_tensor("hardsigmoid", input), "hardsigmoid_cpu")
    return _apply(Hardsigmoid, input, inplace)


class Hardswish(Function):
    """out = x * clamp(x + 3, 0, 6) / 6
    grad: dx = g * (x / 3 + 1/2) where -3 < x < 3;  g where x >= 3;  0 where x <= -3"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return either.as_array(x * xp.clip(x + 3, 0, 6) / 6).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        raw = either.raw(x)
        middle = g * (x / 3 + 0.5)
        return _where(raw <= -3, 0.0, _where(raw < 3, middle, g))


def hardswish(input, inplace=False):
    """input * relu6(input + 3) / 6."""
    _floating(check_tensor("hardswish", input), "hardswish_cpu")
    return _apply(Hardswish, input, inplace)


# ---------------------------------------------------------------------------------------------
# smooth activations
# ---------------------------------------------------------------------------------------------
_LOGISTIC_MIN_SIZE = 1024


def _logistic(x):
    """1 / (1 + exp(-x)) for a float32/float64 array in three in-place passes, PyTorch's own
    formula (2.5x faster than scipy's expit on float32; exp(-x) overflowing to inf gives 0, as
    in PyTorch). Other dtypes, 0-d and small arrays (expit's one call costs less than three
    below about a thousand elements) and tensors go through either.sigmoid."""
    if not (isinstance(x, xp.ndarray) and x.size >= _LOGISTIC_MIN_SIZE
            and x.dtype in (xp.float32, xp.float64)):
        return either.sigmoid(x)
    out = xp.negative(x)
    with xp.errstate(over="ignore"):    # the overflow to inf is the intended value
        xp.exp(out, out=out)
    out += 1
    return xp.reciprocal(out, out=out)


class Sigmoid(Function):
    """out = 1 / (1 + exp(-x))
    grad: dx = g * out * (1 - out)     (saves the output)"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x):
        out = _logistic(x)
        ctx.save_for_backward(Output(out))
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * conj_if_complex(out * (1 - out))


def sigmoid(input, *, out=None):
    """1 / (1 + exp(-input)), computed without overflow."""
    return write_out(Sigmoid.apply(elementwise._float_arg(input, "sigmoid")), out)


def functional_sigmoid(input):
    """1 / (1 + exp(-input)), elementwise; same shape (torch.nn.functional.sigmoid)."""
    return sigmoid(input)


class Tanh(Function):
    """out = tanh(x)
    grad: dx = g * (1 - out**2)      (saves the output)"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x):
        out = either.as_array(xp.tanh(x))
        ctx.save_for_backward(Output(out))
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * conj_if_complex(1 - out * out)


def tanh(input, *, out=None):
    """Hyperbolic tangent, in (-1, 1)."""
    return write_out(Tanh.apply(elementwise._float_arg(input, "tanh")), out)


def functional_tanh(input):
    """tanh(input), elementwise; same shape (torch.nn.functional.tanh)."""
    return tanh(input)


class Elu(Function):
    """out = scale * x if x > 0 else scale * alpha * (exp(input_scale * x) - 1)
    grad: dx = scale * g if x > 0 else g * scale * alpha * input_scale * exp(input_scale * x)
    One Function for elu (scale = input_scale = 1), selu and celu (input_scale = 1/alpha);
    PyTorch uses the negative branch's slope at x == 0."""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x, alpha, scale, input_scale):
        ctx.save_for_backward(x)
        ctx.coefs = (alpha, scale, input_scale)
        # expm1 of min(x, 0): accurate near 0 and no overflow on the unused positive branch
        negative = xp.expm1(xp.minimum(x, 0) * input_scale) * (alpha * scale)
        return either.as_array(xp.where(x > 0, x * scale, negative)).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        alpha, scale, input_scale = ctx.coefs
        raw = either.raw(x)
        # the exp is taken of min(x, 0) so the positive side cannot overflow
        negative = either.exp(_where(raw > 0, 0.0, x) * input_scale) * (scale * alpha * input_scale)
        return _where(raw > 0, g * scale, g * negative)


def elu(input, alpha=1.0, inplace=False):
    """input if input > 0 else alpha * (exp(input) - 1)."""
    _floating(check_tensor("elu", input), "elu_cpu")
    return _apply(Elu, input, inplace, alpha, 1.0, 1.0, node="EluBackward1" if inplace else None)


def elu_(input, alpha=1.0):
    return elu(input, alpha, inplace=True)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(input, inplace=False):
    """scale * elu(input, alpha) with the self-normalising constants of Klambauer et al."""
    _floating(check_tensor("selu", input), "elu_cpu")
    return _apply(Elu, input, inplace, _SELU_ALPHA, _SELU_SCALE, 1.0,
                  node="EluBackward1" if inplace else None)


def selu_(input):
    return selu(input, inplace=True)


def celu(input, alpha=1.0, inplace=False):
    """max(0, input) + min(0, alpha * (exp(input / alpha) - 1))."""
    _floating(check_tensor("celu", input), "elu_cpu")
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: alpha cannot be 0 for CELU")
    return _apply(Elu, input, inplace, alpha, 1.0, 1.0 / alpha,
                  node="CeluBackward1" if inplace else "CeluBackward0")


def celu_(input, alpha=1.0):
    return celu(input, alpha, inplace=True)


class Gelu(Function):
    """out = x * Phi(x)  (Phi: standard normal CDF, via erf), or with approximate='tanh'
    0.5 x (1 + tanh(k (x + 0.044715 x^3))), k = sqrt(2/pi)
    grad: dx = g * (Phi(x) + x * phi(x)), or the derivative of the tanh form"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x, approximate):
        ctx.save_for_backward(x)
        ctx.approximate = approximate
        if approximate == "tanh":
            inner = (x + 0.044715 * x * x * x) * math.sqrt(2 / math.pi)
            return either.as_array(0.5 * x * (1 + xp.tanh(inner))).astype(x.dtype, copy=False)
        cdf = 0.5 * (1 + either.erf(x * (1 / math.sqrt(2))))
        return either.as_array(x * cdf).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        if ctx.approximate == "tanh":
            k = math.sqrt(2 / math.pi)
            t = either.tanh((x + 0.044715 * x * x * x) * k)
            d_inner = (1 + 3 * 0.044715 * x * x) * k
            return g * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * d_inner)
        cdf = 0.5 * (1 + either.erf(x * (1 / math.sqrt(2))))
        pdf = either.exp(-0.5 * x * x) * (1 / math.sqrt(2 * math.pi))
        return g * (cdf + x * pdf)


def gelu(input, approximate="none"):
    """input * Phi(input), Phi the standard normal CDF (erf); approximate='tanh' uses the tanh
    formula of Hendrycks & Gimpel."""
    check_tensor("gelu", input)
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    _floating(input, "GeluKernelImpl")
    return Gelu.apply(input, approximate)


class Silu(Function):
    """out = x * sigmoid(x)
    grad: dx = g * s * (1 + x * (1 - s)),  s = sigmoid(x)"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        if x.dtype.kind == "c":         # PyTorch's complex kernel (forward only)
            return x / (1 + xp.exp(-x))
        return either.as_array(x * either.sigmoid(x))

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        s = either.sigmoid(x)
        return g * s * (1 + x * (1 - s))


def silu(input, inplace=False):
    """input * sigmoid(input) (also called swish)."""
    _floating(check_tensor("silu", input), "silu_cpu")
    if input._data.dtype.kind == "c" and input.requires_grad and grad_mode.enabled:
        raise RuntimeError("silu does not support automatic differentiation for outputs with "
                           "complex dtype.")
    return _apply(Silu, input, inplace)


class Mish(Function):
    """out = x * tanh(softplus(x))
    grad: dx = g * (t + x * sigmoid(x) * (1 - t**2)),  t = tanh(softplus(x))"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return either.as_array(x * xp.tanh(xp.logaddexp(0, x))).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        t = xp.tanh(xp.logaddexp(0, x)).astype(x.dtype, copy=False)
        return g * (t + x * either.sigmoid(x) * (1 - t * t))


def mish(input, inplace=False):
    """input * tanh(softplus(input))."""
    _floating(check_tensor("mish", input), "mish_cpu")
    return _apply(Mish, input, inplace)


class Softplus(Function):
    """out = log(1 + exp(beta x)) / beta, or x where beta x > threshold (linear regime)
    grad: dx = g * sigmoid(beta x), or g in the linear regime"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x, beta, threshold):
        ctx.save_for_backward(x)
        ctx.params = (beta, threshold)
        bx = x * beta
        # logaddexp(0, bx) = log(1 + exp(bx)) without overflow
        soft = _same_dtype(xp.logaddexp(0, bx), x) / beta
        return either.as_array(xp.where(bx > threshold, x, soft)).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        beta, threshold = ctx.params
        return _where(either.raw(x) * beta > threshold, g, g * either.sigmoid(x * beta))


def softplus(input, beta=1.0, threshold=20.0):
    """log(1 + exp(beta * input)) / beta, reverting to input where beta * input > threshold."""
    _floating(check_tensor("softplus", input), "softplus_cpu")
    return Softplus.apply(input, beta, threshold)


class LogSigmoid(Function):
    """out = log(sigmoid(x)) = min(x, 0) - log(1 + exp(-|x|))     (stable for large |x|)
    grad: dx = g * sigmoid(-x)"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return either.as_array(xp.minimum(x, 0) - xp.log1p(xp.exp(-xp.abs(x)))).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * either.sigmoid(-x)


def logsigmoid(input):
    """log(sigmoid(input)), stable for large |input|."""
    _floating(check_tensor("logsigmoid", input), "log_sigmoid_cpu")
    return LogSigmoid.apply(input)


def _is_complex(x):
    return either.raw(x).dtype.kind == "c"


class Softsign(Function):
    """out = x / (1 + |x|)
    grad: dx = g / (1 + |x|)**2
          complex x (not holomorphic): dx = g / d - Re(conj(g) x) / d**2 * x / |x|, d = 1 + |x|"""

    differentiable_backward = True
    _node_name = "DivBackward0"   # PyTorch's softsign is composite, ending in the division

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return either.as_array(x / (1 + xp.abs(x)))

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        d = 1 + abs(x)
        if _is_complex(x):
            along = (conj_if_complex(g) * x).real * x.sgn() if isinstance(x, Tensor) else \
                (xp.conj(g) * x).real * xp.sign(x)
            return g / d - along / (d * d)
        return g / (d * d)


def softsign(input):
    """input / (1 + |input|); integer inputs give the default float dtype."""
    return Softsign.apply(elementwise._float_arg(input, "softsign"))


class Tanhshrink(Function):
    """out = x - tanh(x)
    grad: dx = g * tanh(x)**2   (conjugated for complex x)"""

    differentiable_backward = True
    _node_name = "SubBackward0"   # PyTorch's tanhshrink is x - tanh(x)

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return either.as_array(x - xp.tanh(x))

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        t = either.tanh(x)
        return g * conj_if_complex(t * t)


def tanhshrink(input):
    """input - tanh(input); integer inputs give the default float dtype."""
    return Tanhshrink.apply(elementwise._float_arg(input, "tanhshrink"))


class Glu(Function):
    """out = a * sigmoid(b), where a, b are the two halves of x along dim
    grad: da = g * s,  db = g * a * s * (1 - s),  s = sigmoid(b)   (joined back along dim)"""

    @staticmethod
    def forward(ctx, x, dim):
        a, b = xp.split(x, 2, axis=dim)
        s = either.sigmoid(b)
        ctx.save_for_backward(a, s)
        ctx.dim = dim
        return a * s

    @staticmethod
    def backward(ctx, g):
        a, s = ctx.saved_tensors
        gs = g * s
        return xp.concatenate([gs, gs * a * (1 - s)], axis=ctx.dim)


def glu(input, dim=-1):
    """a * sigmoid(b), where a and b are the first and second halves of input along dim.

    Shapes: (*, 2n, *) -> (*, n, *)."""
    check_tensor("glu", input)
    if input._data.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    dim = wrap_dim(dim, input._data.ndim)
    size = input._data.shape[dim]
    if size % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {dim} is size {size}")
    _floating(input, "glu_cpu")
    return Glu.apply(input, dim)


# ---------------------------------------------------------------------------------------------
# softmax family: the max is subtracted first (log-sum-exp shift) so exp never overflows
# ---------------------------------------------------------------------------------------------
# Speed. NumPy reduces over a short last axis one row at a time, with tens of nanoseconds of
# overhead per row: for (N, C) logits with C <= 128 that overhead is most of the op's time. So
# along the last dim (softmax over classes, attention weights) the array is viewed as a
# C-contiguous (rows, C) matrix: the row sums are a BLAS matrix-vector product with a column of
# ones (5-10x faster than .sum(axis=-1)) and the row maxima one `maximum.reduceat` over the row
# starts (~2x faster than .max(axis=-1)). Other dims use NumPy's reductions, which are already
# vectorised there. Every temporary is a fresh array the op owns, so exp, log and the
# normalisation run in place on it.
_BLAS_FLOATS = (xp.dtype(xp.float32), xp.dtype(xp.float64))


def _last_dim_rows(x, dim):
    """x as a C-contiguous (rows, C) matrix when `dim` is its last axis and BLAS handles its
    dtype; None otherwise (other dims, 0-d, empty, non-float32/64 dtypes)."""
    if dim != x.ndim - 1 or x.size == 0 or x.dtype not in _BLAS_FLOATS:
        return None
    return xp.ascontiguousarray(x).reshape(-1, x.shape[-1])


def _sum_along(a, dim):
    """a.sum(axis=dim, keepdims=True), over the last dim as (rows, C) @ ones."""
    rows = _last_dim_rows(a, dim)
    if rows is None:
        return a.sum(axis=dim, keepdims=True)
    return (rows @ xp.ones((rows.shape[1], 1), a.dtype)).reshape(a.shape[:-1] + (1,))


def _minus_max(x, dim):
    """x - max(x) along dim, as a new C-contiguous array: the log-sum-exp shift (exp of it is
    at most 1). A row of all -inf gives NaN, as in PyTorch."""
    rows = _last_dim_rows(x, dim)
    if rows is None:  # order="C": NumPy would follow a permuted input's memory layout
        return either.as_array(xp.subtract(x, x.max(axis=dim, keepdims=True), order="C"))
    row_max = _backend.segment_max(rows.reshape(-1), xp.arange(0, rows.size, rows.shape[1]))
    return (rows - row_max[:, None]).reshape(x.shape)


_BLOCK_ELEMENTS = 1 << 17


def _row_blocks(rows):
    """Slices cutting the (rows, C) matrix into blocks of about _BLOCK_ELEMENTS elements."""
    step = max(1, _BLOCK_ELEMENTS // rows.shape[1])
    return [slice(i, i + step) for i in range(0, rows.shape[0], step)]


# Along the last dim the max shift is skipped when it is not needed: exp runs on x directly
# and the row sums (one GEMV) tell whether that was safe: every sum finite (nothing overflowed)
# and at least exp(-T), T = log(float max) / 2 (44 in float32), so each row holds a value near
# or above -T and any value that underflowed is a negligible share of its row (below exp(-40)
# relative). This saves the max reduction and the subtraction, two of the op's four passes.
# Otherwise (large values, rows of -inf, NaN) the shifted form runs on x again. The passes run
# block by block of rows (~512 KB of float32 each), so a block's exp is still in the core's
# cache when it is summed and scaled.
_EXP_LIMIT = {dtype: math.log(xp.finfo(dtype).max) / 2 for dtype in _BLAS_FLOATS}


def _unshifted_was_safe(sums):
    """Whether every row sum of the unshifted exp is finite and at least exp(-T) (see above)."""
    # (both comparisons are False for NaN)
    return sums.min() >= math.exp(-_EXP_LIMIT[sums.dtype]) and sums.max() < xp.inf


def _softmax_unshifted(x, dim):
    """softmax(x) along the last axis without the max shift: a fresh array, or None when `dim`
    is not the last axis (or the dtype not float32/64) or the shift is needed."""
    rows = _last_dim_rows(x, dim)
    if rows is None:
        return None
    out = xp.empty(x.shape, x.dtype)
    out_rows = out.reshape(rows.shape)
    sums = xp.empty((rows.shape[0], 1), x.dtype)
    ones = xp.ones((rows.shape[1], 1), x.dtype)
    with xp.errstate(over="ignore", divide="ignore", invalid="ignore"):   # checked below
        for block in _row_blocks(rows):
            e = out_rows[block]
            xp.exp(rows[block], out=e)
            e *= 1 / xp.matmul(e, ones, out=sums[block])
    return out if _unshifted_was_safe(sums) else None


def _row_dots(a, b):
    """sum(a * b) along the last axis of two (rows, C) matrices, without the product array:
    NumPy's vecdot (2.0 and later), else einsum (about 1.5x slower)."""
    if hasattr(xp, "vecdot"):
        return xp.vecdot(a, b)
    return xp.einsum("ij,ij->i", a, b)


def _softmax_grad_rows(g, out, dim):
    """out * (g - rowsum(g * out)) along the last axis, block by block (one row-dot pass);
    None when `dim` is not the last axis or g's dtype differs from out's."""
    g_rows = _last_dim_rows(g, dim)
    if g_rows is None or g_rows.dtype != out.dtype:
        return None
    out_rows = out.reshape(g_rows.shape)
    gx = xp.empty_like(out)   # the result owns its memory: it can become .grad as is
    gx_rows = gx.reshape(g_rows.shape)
    for block in _row_blocks(g_rows):
        g_block, out_block, gx_block = g_rows[block], out_rows[block], gx_rows[block]
        dots = _row_dots(g_block, out_block)
        xp.subtract(g_block, dots[:, None], out=gx_block)
        gx_block *= out_block
    return gx


class Softmax(Function):
    """out = exp(x - max) / sum(exp(x - max))        along dim
    grad: dx = out * (g - sum(g * out))             (saves the output)"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        if x.size == 0:
            out = x.copy()
        else:
            out = _softmax_unshifted(x, dim)
            if out is None:
                out = _minus_max(x, dim)
                xp.exp(out, out=out)
                out /= _sum_along(out, dim)
        ctx.save_for_backward(Output(out))
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        if isinstance(g, Tensor):  # create_graph=True: the same formula, recorded on Tensors
            gy = g * out
            return gy - out * gy.sum(axis=ctx.dim, keepdims=True)
        gx = _softmax_grad_rows(g, out, ctx.dim)
        if gx is not None:
            return gx
        gx = either.as_array(g * out)  # _arr: a 0-d input's product is a NumPy scalar
        xp.subtract(g, _sum_along(gx, ctx.dim), out=gx)
        gx *= out
        return gx


def _softmax_dim(name, ndim, stacklevel):
    """PyTorch's legacy rule when no dim is given: dim 0 for 0-, 1- and 3-d input, else 1."""
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call "
                  "to include dim=X as an argument.", UserWarning, stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def _softmax_input(input, dim, dtype, name, kernel, stacklevel):
    """(input cast to dtype, axis for NumPy) after PyTorch's checks."""
    check_tensor(name, input)
    if dim is None:
        dim = _softmax_dim(name, input._data.ndim, stacklevel + 1)
    dim = wrap_dim(dim, input._data.ndim)
    if dtype is not None:
        input = input.to(dtype)
    _floating(input, kernel)
    # a 0-d tensor has no axis 0 in NumPy: reduce over everything instead
    return input, (dim if input._data.ndim else None)


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """exp(input) / sum(exp(input)) along dim (shift-by-max for stability). One node.

    Shapes: any -> same. dtype casts the input first (e.g. to float64 for accuracy)."""
    input, axis = _softmax_input(input, dim, dtype, "softmax", "softmax_lastdim_kernel_impl",
                                 _stacklevel)
    return Softmax.apply(input, axis)


def gumbel_softmax(logits, tau=1, hard=False, eps=1e-10, dim=-1):
    """A sample from the Gumbel-softmax (Concrete) distribution over `dim`:
    softmax((logits + G) / tau) with G = -log(E), E ~ Exp(1) (seeded generator; the draws
    differ from PyTorch's). hard=True returns the one-hot of the arg-max in forward while the
    gradient is the soft sample's (straight-through: y_hard - y_soft.detach() + y_soft)."""
    check_tensor("gumbel_softmax", logits)
    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.", stacklevel=2)
    data = logits._data
    draw_dtype = data.dtype if data.dtype in (xp.float32, xp.float64) else xp.float32
    gumbels = -xp.log(rng_of(None).standard_exponential(data.shape, dtype=draw_dtype))
    y_soft = softmax((logits + _make(gumbels.astype(data.dtype, copy=False))) / tau, dim)
    if not hard:
        return y_soft
    axis = wrap_dim(dim, data.ndim) if data.ndim else None
    soft = y_soft._data
    one_hot = xp.zeros_like(soft)
    if soft.ndim:
        xp.put_along_axis(one_hot, xp.expand_dims(soft.argmax(axis=axis), axis), 1, axis=axis)
    else:
        one_hot[...] = 1
    return _make(one_hot) - y_soft.detach() + y_soft


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    """softmax(-input) along dim."""
    input, axis = _softmax_input(input, dim, dtype, "softmin", "softmax_lastdim_kernel_impl",
                                 _stacklevel)
    return Softmax.apply(-input, axis)


def _log_softmax_unshifted(x, dim):
    """(x - log(sum(exp(x))), exp(x), sum(exp(x)) as (..., 1)) along the last axis without the
    max shift, or None (as _softmax_unshifted)."""
    rows = _last_dim_rows(x, dim)
    if rows is None:
        return None
    out, e = xp.empty(x.shape, x.dtype), xp.empty(x.shape, x.dtype)
    sumexp = xp.empty(x.shape[:-1] + (1,), x.dtype)
    out_rows, e_rows, sum_rows = out.reshape(rows.shape), e.reshape(rows.shape), \
        sumexp.reshape(-1, 1)
    ones = xp.ones((rows.shape[1], 1), x.dtype)
    with xp.errstate(over="ignore", divide="ignore", invalid="ignore"):   # checked below
        for block in _row_blocks(rows):
            e_block = e_rows[block]
            xp.exp(rows[block], out=e_block)
            sums = xp.matmul(e_block, ones, out=sum_rows[block])
            xp.subtract(rows[block], xp.log(sums), out=out_rows[block])
    return (out, e, sumexp) if _unshifted_was_safe(sumexp) else None


class LogSoftmax(Function):
    """out = x - max - log(sum(exp(x - max)))        along dim
    grad: dx = g - exp(out) * sum(g)                (exp(out) is the softmax)"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        if x.size == 0:
            out = x.copy()
            ctx.save_for_backward(Output(out), None, None)
            return out
        unshifted = _log_softmax_unshifted(x, dim)
        if unshifted is not None:
            out, e, sumexp = unshifted
        else:
            out = _minus_max(x, dim)
            e = xp.exp(out)
            sumexp = _sum_along(e, dim)
            out -= xp.log(sumexp)
        # backward needs softmax = exp(out) = e / sumexp: keeping e spares it a pass of exp.
        # out is saved too, so writing into the output in place is caught as in PyTorch.
        ctx.save_for_backward(Output(out), e, sumexp)
        return out

    @staticmethod
    def backward(ctx, g):
        out, e, sumexp = ctx.saved_tensors
        if isinstance(g, Tensor) or e is None:  # create_graph (Tensors), or empty input
            return g - either.exp(out) * g.sum(axis=ctx.dim, keepdims=True)
        g_rows = _last_dim_rows(g, ctx.dim)
        if g_rows is not None and g_rows.dtype == e.dtype:   # block by block (see above)
            gx = xp.empty_like(e)
            gx_rows, e_rows = gx.reshape(g_rows.shape), e.reshape(g_rows.shape)
            sum_rows = sumexp.reshape(-1, 1)
            ones = xp.ones((g_rows.shape[1], 1), e.dtype)
            for block in _row_blocks(g_rows):
                g_block, gx_block = g_rows[block], gx_rows[block]
                xp.multiply(e_rows[block], (g_block @ ones) / sum_rows[block], out=gx_block)
                xp.subtract(g_block, gx_block, out=gx_block)
            return gx
        gx = either.as_array(e * (_sum_along(g, ctx.dim) / sumexp))
        xp.subtract(g, gx, out=gx)
        return gx


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """log(softmax(input)) along dim, computed as x - max - log(sum(exp(x - max))). One node.

    Shapes: any -> same."""
    input, axis = _softmax_input(input, dim, dtype, "log_softmax",
                                 "log_softmax_lastdim_kernel_impl", _stacklevel)
    return LogSoftmax.apply(input, axis)
