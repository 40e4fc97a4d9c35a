"""Normalisation kernels: batch_norm, instance_norm, layer_norm and group_norm.

Each is one fused Function: the forward computes the statistics, the normalised `xhat` and the
affine map in a few whole-array passes; the backward is the closed-form gradient of
normalisation (one pass, no autograd of the composite). All four share the same two helpers:
`_normalize` (statistics over some axes) and `_normalize_grad` (its gradient).

Running statistics (batch_norm, instance_norm) are updated in place in the buffers' arrays.
PyTorch does not bump the buffers' version counters for this update, and neither do we.
"""
import math

from .._backend import xp, scalar_name
from .._tensor import Tensor
from ..autograd import grad_mode
from ..autograd.function import Function
from ._util import node_name
from ._summation import pairwise_mean


# ---------------------------------------------------------------------------------------------
# the shared math
# ---------------------------------------------------------------------------------------------
def _normalize(x, axes, eps):
    """(xhat, mean, var, invstd): x standardised over `axes` with the biased variance (the
    statistics keep their reduced dims, so they broadcast against x). Two passes over x (mean,
    then the variance of the centred values), which is accurate where E[x^2] - E[x]^2 is not."""
    if x.size == 0:     # nothing to average (NumPy would warn): NaN statistics, empty xhat
        nan = xp.full([1 if i in axes else n for i, n in enumerate(x.shape)], xp.nan, x.dtype)
        return x - nan, nan, nan, nan
    mean = pairwise_mean(x, axes, keepdims=True)   # NumPy's own mean is naive off the last axis
    xhat = x - mean
    var = pairwise_mean(xp.square(xhat), axes, keepdims=True)
    invstd = 1 / xp.sqrt(var + eps)
    xhat *= invstd
    return xhat, mean, var, invstd


def _normalize_grad(dxhat, xhat, invstd, axes, dxhat_sum=None, dxhat_xhat_sum=None):
    """Gradient through xhat = (x - mean) * invstd when mean and var are x's own statistics
    over `axes` (M elements each):
        dx = invstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat))
    The two sums may be passed in when the caller already has them (batch norm's dbias and
    dweight are exactly these sums)."""
    m = math.prod(xhat.shape[a] for a in axes)
    if m == 0:
        return dxhat * invstd       # empty input: nothing to differentiate
    if dxhat_sum is None:
        dxhat_sum = dxhat.sum(axis=axes, keepdims=True)
    if dxhat_xhat_sum is None:
        dxhat_xhat_sum = (dxhat * xhat).sum(axis=axes, keepdims=True)
    gx = xhat * (dxhat_xhat_sum / -m)
    gx += dxhat
    gx -= dxhat_sum / m
    gx *= invstd
    return gx


def _channel_shape(x):
    """(1, C, 1, ...): how a per-channel vector lines up with dim 1 of x."""
    return (1, x.shape[1]) + (1,) * (x.ndim - 2)


def _affine(xhat, weight, bias, shape):
    """xhat * weight + bias, with weight and bias reshaped to `shape`; a fresh array even when
    both are None (xhat is saved for backward and must not be handed out to be modified)."""
    if weight is not None:
        out = xhat * weight.reshape(shape)
    else:
        out = xhat.copy()
    if bias is not None:
        out += bias.reshape(shape)
    return out


# ---------------------------------------------------------------------------------------------
# batch norm and instance norm: per-channel statistics (channels on dim 1)
# ---------------------------------------------------------------------------------------------
class BatchNorm(Function):
    """out = (x - mean) / sqrt(var + eps) * w + b, per channel (dim 1); the statistics are the
    batch's over `axes` (biased var) or the running ones (then they are constants).
    grad: dx = w * invstd * (g - mean(g) - xhat * mean(g * xhat)) with batch statistics,
    dx = g * w * invstd with running ones;  dw = sum(g * xhat),  db = sum(g)
    `axes` are (0, 2, 3, ...) for batch norm and (2, 3, ...) for instance norm (statistics per
    sample and channel; the running statistics then average over the batch)."""

    _node_name = "NativeBatchNormBackward0"

    @staticmethod
    def forward(ctx, x, weight, bias, running_mean, running_var, use_batch_stats, momentum,
                eps, axes):
        shape = _channel_shape(x)
        if use_batch_stats:
            xhat, mean, var, invstd = _normalize(x, axes, eps)
            if running_mean is not None and x.size:
                _update_running(running_mean, running_var, mean, var, x, axes, momentum)
        else:
            invstd = 1 / xp.sqrt(running_var.reshape(shape) + eps)
            xhat = (x - running_mean.reshape(shape)) * invstd
        ctx.save_for_backward(xhat, invstd, weight)
        ctx.axes = axes
        ctx.use_batch_stats = use_batch_stats
        return _affine(xhat, weight, bias, shape)

    @staticmethod
    def backward(ctx, g):
        xhat, invstd, weight = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        axes = ctx.axes
        # sums over the statistics' axes; the parameters' grads also sum over the batch axis
        # when the statistics are per sample (instance norm)
        param_axes = (0,) if axes[0] != 0 else ()
        batch = need_x and ctx.use_batch_stats
        g_sum = g.sum(axis=axes, keepdims=True) if need_b or batch else None
        g_xhat_sum = (g * xhat).sum(axis=axes, keepdims=True) if need_w or batch else None
        gw = g_xhat_sum.sum(axis=param_axes).reshape(-1) if need_w else None
        gb = g_sum.sum(axis=param_axes).reshape(-1) if need_b else None
        gx = None
        if need_x:
            shape = _channel_shape(xhat)
            scale = invstd if weight is None else invstd * weight.reshape(shape)
            if ctx.use_batch_stats:
                # dxhat = g * w, and w is constant over the sums' axes: scale once at the end
                gx = _normalize_grad(g, xhat, scale, axes, g_sum, g_xhat_sum)
            else:
                gx = g * scale
        return gx, gw, gb, None, None


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-05):
    """Normalise each channel (dim 1) to zero mean, unit variance, then scale by weight and
    shift by bias. Training: the batch's statistics over all dims but 1 (biased variance), and
    running_mean/var (if given) move toward them by `momentum` (unbiased variance), in place.
    Eval: the running statistics. One fused autograd node.

    Shapes: input (N, C) or (N, C, *); running_mean, running_var, weight, bias (C,)."""
    if training:
        _verify_batch_size(input.shape)
        if eps <= 0.0:
            raise ValueError(f"batch_norm eps must be positive during training, but got {eps}")
    elif eps < 0.0:
        raise ValueError(f"batch_norm eps must be non-negative, but got {eps}")
    _batch_norm_checks(input, running_mean, running_var, weight, bias, "batch_norm")
    if not training and (running_mean is None or running_var is None):
        raise RuntimeError("running_mean must be defined in evaluation mode")
    axes = (0,) + tuple(range(2, input._data.ndim))
    return BatchNorm.apply(input, weight, bias, running_mean, running_var, training, momentum,
                           eps, axes)


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats=True, momentum=0.1, eps=1e-05):
    """Normalise each (sample, channel) slice over its spatial dims, then scale and shift per
    channel. With running statistics, they move toward the batch average of the per-instance
    statistics; use_input_stats=False normalises with the running statistics instead.

    Shapes: input (N, C, *) with at least one spatial dim; weight, bias, running_* (C,)."""
    if use_input_stats:
        count = 1
        for s in input.shape[2:]:
            count *= s
        if count == 1:
            raise ValueError(f"Expected more than 1 spatial element when training, got input "
                             f"size {input.shape}")
    _batch_norm_checks(input, running_mean, running_var, weight, bias, "batch_norm")
    if not use_input_stats and (running_mean is None or running_var is None):
        raise RuntimeError("Expected running_mean and running_var to be defined when "
                           "use_input_stats is false")
    axes = tuple(range(2, input._data.ndim))
    out = BatchNorm.apply(input, weight, bias, running_mean, running_var, use_input_stats,
                          momentum, eps, axes)
    # PyTorch batch-norms a reshaped input, then views it back
    return node_name(out, "ViewBackward0")


def _update_running(running_mean, running_var, mean, var, x, axes, momentum):
    """running = (1 - momentum) * running + momentum * batch statistic, in the buffers' own
    arrays. The variance stored is the unbiased one (var * M / (M - 1)), as PyTorch does."""
    m = math.prod(x.shape[a] for a in axes)
    channels = x.shape[1]
    batch_mean = mean.reshape(-1, channels).mean(axis=0)
    batch_var = (var * (m / (m - 1) if m > 1 else math.nan)).reshape(-1, channels).mean(axis=0)
    running_mean *= 1 - momentum
    running_mean += momentum * batch_mean
    running_var *= 1 - momentum
    running_var += momentum * batch_var


# ---------------------------------------------------------------------------------------------
# layer norm and group norm: per-sample statistics
# ---------------------------------------------------------------------------------------------
class LayerNorm(Function):
    """out = (x - mean) / sqrt(var + eps) * w + b, statistics over the last `nd` dims
    grad: dx = invstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)), dxhat = g * w;
    dw = sum of g * xhat over the leading dims,  db = sum of g over the leading dims
    Works on x as a (rows, D) matrix; the row means are matrix-vector products with a column of
    1/D (BLAS), several times faster than NumPy's reduction over a short last axis."""

    _node_name = "NativeLayerNormBackward0"

    @staticmethod
    def forward(ctx, x, weight, bias, nd, eps):
        d = math.prod(x.shape[x.ndim - nd:])
        x2 = x.reshape(-1, d)
        average = xp.full((d, 1), 1 / d if d else 0, x.dtype)
        xhat = x2 - x2 @ average
        invstd = 1 / xp.sqrt(xp.square(xhat) @ average + eps)
        xhat *= invstd
        ctx.save_for_backward(xhat, invstd, weight, average)
        ctx.shapes = (x.shape, x.shape[x.ndim - nd:])
        return _affine(xhat, weight, bias, (d,)).reshape(x.shape)

    @staticmethod
    def backward(ctx, g):
        xhat, invstd, weight, average = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        shape, normalized_shape = ctx.shapes
        g2 = g.reshape(xhat.shape)
        gw = (g2 * xhat).sum(axis=0).reshape(normalized_shape) if need_w else None
        gb = g2.sum(axis=0).reshape(normalized_shape) if need_b else None
        gx = None
        if need_x:
            # contiguous, or matmul leaves BLAS (g is often a broadcast view of a 0-d grad)
            dxhat = xp.ascontiguousarray(g2) if weight is None else g2 * weight.reshape(-1)
            gx = xhat * -((dxhat * xhat) @ average)
            gx += dxhat
            gx -= dxhat @ average
            gx *= invstd
            gx = gx.reshape(shape)
        return gx, gw, gb


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-05):
    """Normalise over the last len(normalized_shape) dims, then apply the elementwise affine
    weight and bias (shaped normalized_shape). One fused autograd node.

    Shapes: input (*, *normalized_shape) -> same."""
    if isinstance(normalized_shape, int) or not hasattr(normalized_shape, "__len__"):
        raise TypeError(f"layer_norm(): argument 'normalized_shape' (position 2) must be tuple "
                        f"of ints, not {type(normalized_shape).__name__}")
    normalized_shape = tuple(int(s) for s in normalized_shape)
    _check_input(input, "LayerNormKernelImpl")
    nd = len(normalized_shape)
    x = input._data
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t._data.shape) != normalized_shape:
            raise RuntimeError(f"Expected {name} to be of same shape as normalized_shape, but "
                               f"got {name} of shape {list(t._data.shape)} and "
                               f"normalized_shape = {list(normalized_shape)}")
    if nd == 0 or x.ndim < nd or x.shape[x.ndim - nd:] != normalized_shape:
        raise RuntimeError(f"Given normalized_shape={list(normalized_shape)}, expected input "
                           f"with shape [*, {', '.join(map(str, normalized_shape))}], but got "
                           f"input of size{list(x.shape)}")
    for t in (weight, bias):
        if t is not None and t._data.dtype != x.dtype:
            raise RuntimeError(f"mixed dtype (CPU): expect parameter to have scalar type of "
                               f"{scalar_name(input.dtype)}")
    return LayerNorm.apply(input, weight, bias, nd, eps)


class GroupNorm(Function):
    """out = (x - mean) / sqrt(var + eps) * w + b, statistics per sample over each group of
    C / G channels (and all spatial positions); w, b per channel
    grad: as layer norm within each group (dxhat = g * w);  dw = sum(g * xhat),  db = sum(g)
    over all dims but the channel dim"""

    _node_name = "NativeGroupNormBackward0"

    @staticmethod
    def forward(ctx, x, weight, bias, groups, eps):
        n, c = x.shape[:2]
        grouped = x.reshape(n, groups, (c // groups) * math.prod(x.shape[2:]))
        xhat, _, _, invstd = _normalize(grouped, (2,), eps)
        xhat = xhat.reshape(x.shape)
        ctx.save_for_backward(xhat, invstd, weight)
        ctx.groups = groups
        return _affine(xhat, weight, bias, _channel_shape(x))

    @staticmethod
    def backward(ctx, g):
        xhat, invstd, weight = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        axes = (0,) + tuple(range(2, xhat.ndim))
        gw = (g * xhat).sum(axis=axes) if need_w else None
        gb = g.sum(axis=axes) if need_b else None
        gx = None
        if need_x:
            dxhat = g if weight is None else g * weight.reshape(_channel_shape(xhat))
            grouped = invstd.shape[:2] + (-1,) if xhat.size else invstd.shape[:2] + (0,)
            gx = _normalize_grad(dxhat.reshape(grouped), xhat.reshape(grouped), invstd, (2,))
            gx = gx.reshape(xhat.shape)
        return gx, gw, gb


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-05):
    """Split the channels (dim 1) into num_groups groups; normalise each sample's group over
    its channels and spatial dims; then scale and shift per channel. One fused autograd node.

    Shapes: input (N, C, *) with C divisible by num_groups; weight, bias (C,)."""
    if input.dim() < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received "
                           f"{input.dim()}")
    shape = input.shape
    if num_groups < 0:          # (0 divides by zero below, as in PyTorch's Python check)
        raise RuntimeError(f"Expected num groups to be greater than 0, got {num_groups}")
    _verify_batch_size([shape[0] * shape[1] // num_groups, num_groups] + list(shape[2:]))
    _check_input(input, "GroupNormKernelImpl")
    channels = shape[1]
    if channels % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by "
                           f"num_groups, but got input of shape {list(shape)} and "
                           f"num_groups={num_groups}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and (t._data.ndim != 1 or t._data.size != channels):
            raise RuntimeError(f"Expected {name} to be a vector of size equal to the number of "
                               f"channels in input, but got {name} of shape "
                               f"{list(t._data.shape)} and input of shape {list(shape)}")
        if t is not None and t._data.dtype != input._data.dtype:
            raise RuntimeError(f"mixed dtype (CPU): expect parameter to have scalar type of "
                               f"{scalar_name(input.dtype)}")
    return GroupNorm.apply(input, weight, bias, num_groups, eps)


class RMSNorm(Function):
    """out = x * r * w,  r = 1 / sqrt(mean(x^2) + eps) over the last `nd` dims
    grad: dx = r * (dxr - xr * mean(dxr * xr)),  xr = x * r, dxr = g * w;
    dw = sum of g * xr over the leading dims"""

    _node_name = "MulBackward0"   # PyTorch's rms_norm is composite, ending in a multiply

    @staticmethod
    def forward(ctx, x, weight, nd, eps):
        axes = tuple(range(x.ndim - nd, x.ndim))
        if x.size:
            r = 1 / xp.sqrt(xp.square(x).mean(axis=axes, keepdims=True) + eps)
        else:
            r = xp.ones([1 if i in axes else n for i, n in enumerate(x.shape)], x.dtype)
        xr = x * r
        ctx.save_for_backward(xr, r, weight)
        ctx.axes = axes
        return xr * weight if weight is not None else xr.copy()

    @staticmethod
    def backward(ctx, g):
        xr, r, weight = ctx.saved_tensors
        need_x, need_w = ctx.needs_input_grad[:2]
        lead = tuple(range(xr.ndim - len(ctx.axes)))
        gw = (g * xr).sum(axis=lead) if need_w else None
        gx = None
        if need_x:
            dxr = g if weight is None else g * weight
            gx = xr * -(dxr * xr).mean(axis=ctx.axes, keepdims=True) if xr.size else dxr * r
            gx += dxr
            gx *= r
        return gx, gw


def rms_norm(input, normalized_shape, weight=None, eps=None):
    """input / sqrt(mean(input^2) + eps) over the last len(normalized_shape) dims, times
    weight; eps=None means the dtype's machine epsilon. One fused autograd node.

    Shapes: input (*, *normalized_shape) -> same; weight normalized_shape."""
    normalized_shape = tuple(int(s) for s in normalized_shape)
    _check_input(input, "rms_norm")
    if not normalized_shape:
        raise RuntimeError("Expected normalized_shape to be at least 1-dimensional, i.e., "
                           "containing at least one element, but got normalized_shape = []")
    nd, x = len(normalized_shape), input._data
    if x.ndim < nd or x.shape[x.ndim - nd:] != normalized_shape:
        raise RuntimeError(f"Given normalized_shape={list(normalized_shape)}, expected input "
                           f"with shape [*{', '.join(map(str, normalized_shape))}], but got "
                           f"input of size{list(x.shape)}")
    if weight is not None and tuple(weight._data.shape) != normalized_shape:
        raise RuntimeError(f"Expected weight to be of same shape as normalized_shape, but got "
                           f"weight of shape {list(weight._data.shape)} and normalized_shape "
                           f"= {list(normalized_shape)}")
    if eps is None:
        eps = float(xp.finfo(x.dtype).eps)
    return RMSNorm.apply(input, weight, nd, eps)


# ---------------------------------------------------------------------------------------------
# argument checks (and local_response_norm, composed of other ops)
# ---------------------------------------------------------------------------------------------
def _check_input(input, kernel):
    if not isinstance(input, Tensor):
        raise TypeError(f"expected Tensor as element 0 in argument 0, but got "
                        f"{type(input).__name__}")
    if input._data.dtype.kind != "f":
        raise NotImplementedError(f'"{kernel}" not implemented for \'{scalar_name(input.dtype)}\'')


def _check_channel_vector(name, tensor, channels, dtype):
    if tensor is None:
        return
    if tensor._data.size != channels:
        raise RuntimeError(f"{name} should contain {channels} elements not "
                           f"{tensor._data.size}")
    if tensor._data.dtype != dtype:
        raise RuntimeError("mixed dtype (CPU): all inputs must share same datatype.")


def _check_no_grad(**tensors):
    """Running statistics are updated in place, so they must not take part in autograd."""
    for name, t in tensors.items():
        if t is not None and t._requires_grad and grad_mode.enabled:
            raise RuntimeError(f"The function 'native_batch_norm' is not differentiable with "
                               f"respect to argument '{name}'. This input cannot have "
                               f"requires_grad True.")


def _verify_batch_size(size):
    """Training statistics of a single value per channel are meaningless (variance 0)."""
    count = size[0]
    for s in size[2:]:
        count *= s
    if count == 1:
        raise ValueError(f"Expected more than 1 value per channel when training, got input "
                         f"size {size}")


def _batch_norm_checks(input, running_mean, running_var, weight, bias, kernel):
    _check_input(input, kernel)
    if input._data.ndim < 2:
        raise IndexError(f"Dimension out of range (expected to be in range of "
                         f"[-{max(input._data.ndim, 1)}, {max(input._data.ndim, 1) - 1}], but "
                         f"got 1)")
    channels, dtype = input._data.shape[1], input._data.dtype
    for name, t in (("weight", weight), ("bias", bias), ("running_mean", running_mean),
                    ("running_var", running_var)):
        _check_channel_vector(name, t, channels, dtype)
    _check_no_grad(running_mean=running_mean, running_var=running_var)


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    """input / (k + alpha * avg of input^2 over `size` neighbouring channels)^beta, the window
    zero-padded by size // 2 channels before and (size - 1) // 2 after (AlexNet's LRN).

    Shapes: (N, C, *) with at least 3 dims -> same. Built from tensor ops (a window sum is a
    difference of two cumulative sums), so autograd differentiates it."""
    from . import creation, reduce, shape
    dim = input.dim()
    if dim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality                          "
                         f"input (got {dim} dimensions)")
    if input.numel() == 0:
        return input
    square = input * input
    n, c = input.shape[:2]
    rest = tuple(input.shape[2:])
    before, after = size // 2, (size - 1) // 2
    padded = shape.cat([creation.zeros((n, before + 1) + rest, dtype=input.dtype), square,
                        creation.zeros((n, after) + rest, dtype=input.dtype)], dim=1)
    totals = reduce.cumsum(padded, dim=1)
    # window j covers padded channels j+1 .. j+size: totals[j + size] - totals[j]
    window = shape.narrow(totals, 1, size, c) - shape.narrow(totals, 1, 0, c)
    return input / (window * (alpha / size) + k) ** beta
