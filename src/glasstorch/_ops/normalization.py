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
from ._summation import pairwise_mean, pairwise_sum


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
           = dxhat * invstd + xhat * b + c,  b = -invstd mean(dxhat xhat), c = -invstd mean(dxhat)
    (b and c are small: one value per statistic). The two sums may be passed in when the caller
    already has them (batch norm's dbias and dweight are exactly these sums)."""
    m = math.prod(xhat.shape[a] for a in axes)
    if m == 0:
        return dxhat * invstd       # empty input: nothing to differentiate
    if dxhat_sum is None:
        dxhat_sum = _channel_sums(dxhat, axes)
    if dxhat_xhat_sum is None:
        dxhat_xhat_sum = _channel_sums(dxhat, axes, xhat)
    b = invstd * (dxhat_xhat_sum / -m)
    c = invstd * (dxhat_sum / -m)
    if _channel_layout(xhat, axes) is None:
        gx = xhat * b
        gx += dxhat * invstd
        gx += c
        return gx
    gx = _gradient_combination(_as_channels(dxhat), _as_channels(xhat), invstd, b, c,
                               axes[0] == 0)
    return gx.reshape(xhat.shape)


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
# per-channel kernels: x of shape (N, C, *) seen as a C-contiguous (N, C, L) array
# ---------------------------------------------------------------------------------------------
_BLAS_FLOATS = (xp.dtype(xp.float32), xp.dtype(xp.float64))
_SHORT_ROW = 16         # rows shorter than this are summed by NumPy, not BLAS
_LONGEST_DOT = 4096     # a BLAS dot runs over at most this many elements, the rest is a tree
_LONG_INNER_LOOP = 256  # elementwise ops with a per-channel operand want inner loops this long


def _channel_layout(x, axes):
    """True when `axes` are (0, 2, 3, ...) or (2, 3, ...) of an (N, C, *) float32/64 x: the
    statistics are per channel (batch norm) or per sample and channel (instance norm,
    group norm on its grouped view); None otherwise."""
    if x.ndim < 2 or x.dtype not in _BLAS_FLOATS or not x.size:
        return None
    spatial = tuple(range(2, x.ndim))
    if tuple(axes) in ((0,) + spatial, spatial) and axes:
        return True
    return None


def _as_channels(x):
    """x (N, C, *) as a C-contiguous (N, C, L) array, L = prod(*) (1 for (N, C))."""
    return xp.ascontiguousarray(x).reshape(x.shape[0], x.shape[1], -1)


def _dot_length(length):
    """How many elements of a row one BLAS dot adds: the whole row when short, else a
    power-of-two divisor of it (the dots' partial sums then go through a tree); None when
    there is none (the caller then sums with NumPy)."""
    if length <= _LONGEST_DOT:
        return length
    k = _LONGEST_DOT
    while k >= 256:
        if length % k == 0:
            return k
        k //= 2
    return None


def _row_sums(a3, b3=None):
    """(N, C, L) -> (N, C): each row's sum of a3 (or of a3 * b3). Rows of 16 or more take
    BLAS (one dot per row, with ones or b3): one pass, no temporary, with a float32 error
    of a dot of at most 4096 elements, the partial sums of longer rows then added as a tree
    (PyTorch sums a row as a cascade); shorter rows take NumPy's pairwise sum."""
    n, c, length = a3.shape
    if length == 1:
        return a3.reshape(n, c) if b3 is None else (a3 * b3).reshape(n, c)
    k = _dot_length(length) if length >= _SHORT_ROW else None
    if k is None:
        return pairwise_sum(a3 if b3 is None else a3 * b3, (2,))
    rows = a3.reshape(-1, k)
    if b3 is None:   # a dot per row: OpenBLAS threads a GEMV, and threads waiting on a busy
        part = xp.vecdot(rows, xp.ones(k, a3.dtype))     # core cost more than they save
    else:
        part = xp.vecdot(rows, b3.reshape(-1, k))
    if k == length:
        return part.reshape(n, c)
    return pairwise_sum(part.reshape(n, c, length // k), (2,))


def _channel_sums(a, axes, b=None):
    """sum of a (or a * b) over `axes`, keeping them as size-1 dims, per channel. Through
    _row_sums when _channel_layout allows, and a tree over the batch."""
    if _channel_layout(a, axes) is None:
        return pairwise_sum(a if b is None else a * b, tuple(axes), keepdims=True)
    total = _row_sums(_as_channels(a), None if b is None else _as_channels(b))
    if axes[0] == 0:
        total = pairwise_sum(total, (0,), keepdims=True)
    return total.reshape(total.shape + (1,) * (a.ndim - 2))


def _channel_sum_pair(g, xhat, axes, want_sum, want_dot):
    """(sum of g, sum of g * xhat) over `axes` as _channel_sums gives them (None where not
    wanted), both in one pass over g, block by block of samples."""
    if not (want_sum and want_dot) or _channel_layout(g, axes) is None or \
            _dot_length(math.prod(g.shape[2:])) is None:
        return (_channel_sums(g, axes) if want_sum else None,
                _channel_sums(g, axes, xhat) if want_dot else None)
    g3, xhat3 = _as_channels(g), _as_channels(xhat)
    form = _BlockedForm(g3, over_batch=axes[0] == 0)
    g_view, xhat_view = form.view(g3), form.view(xhat3)
    sums, dots = form.partial_sums(), form.partial_sums()
    for i, rows in enumerate(form.blocks):
        block = g_view[rows]
        sums[form.part(i, rows)] = form.sum_block(block)
        dots[form.part(i, rows)] = form.sum_block(block, xhat_view[rows])
    kept = (-1, g.shape[1]) + (1,) * (g.ndim - 2)
    return form.total(sums).reshape(kept), form.total(dots).reshape(kept)


class _BlockedForm:
    """How elementwise work and per-channel sums over an (N, C, L) array go block by block
    (about _BLOCK_ELEMENTS each, so that each step reads what the previous one wrote from the
    cache, not from memory), and in which view:
    - long rows, or statistics per sample: the array itself, per-channel operands shaped
      (1 or N, C, 1), sums of a block by BLAS per row (_row_sums) -> (N, C) partials;
    - short rows with per-channel statistics (BatchNorm1d: L = 1): the array as a matrix
      (N / k, k * C * L) with rows of about 1024 elements, operands tiled k times, sums of a
      block down its columns -> (blocks, k * C * L) partials, then a tree. (NumPy's inner
      loop would otherwise run over only C * L elements.)"""

    def __init__(self, a3, over_batch):
        self.shape = n, c, length = a3.shape
        self.dtype = a3.dtype
        self.over_batch = over_batch
        k = 1
        if over_batch and c * length < _LONG_INNER_LOOP:
            while n % (2 * k) == 0 and 2 * k * c * length <= 4 * _LONG_INNER_LOOP:
                k *= 2
        self.tiled = k > 1
        self.k = k
        rows = n // k
        width = k * c * length
        self.view_shape = (rows, width) if self.tiled else a3.shape
        step = max(1, _BLOCK_ELEMENTS // max(1, width if self.tiled else c * length))
        self.blocks = [slice(i, i + step) for i in range(0, rows, step)]

    def view(self, a3):
        return a3.reshape(self.view_shape)

    def operand(self, v):
        """A per-channel (C values) or per-sample-and-channel (N * C values) operand shaped
        to broadcast against the view."""
        if v is None:
            return None
        n, c, length = self.shape
        if self.tiled:
            return xp.tile(xp.repeat(v.reshape(c), length), self.k)
        return v.reshape(-1 if v.size != c else 1, c, 1)

    def pick(self, operand, rows):
        """The operand's part for a block of rows (all of it when it is per channel)."""
        if operand is None or self.tiled or operand.shape[0] == 1:
            return operand
        return operand[rows]

    def partial_sums(self):
        n, c, _ = self.shape
        if self.tiled:
            return xp.empty((len(self.blocks), self.view_shape[1]), self.dtype)
        return xp.empty((n, c), self.dtype)

    def part(self, i, rows):
        return i if self.tiled else rows

    def sum_block(self, block, other=None):
        """Sum of a block (or of block * other) per row and channel, or down its columns."""
        if not self.tiled:
            return _row_sums(block, other)
        if other is not None:
            block = block * other     # a block-sized temporary, in cache
        return xp.add.reduce(block, axis=0)

    def total(self, partial):
        """The partial sums added up to (C,) per channel, or (N, C) per sample."""
        n, c, length = self.shape
        if self.tiled:
            columns = pairwise_sum(partial, (0,))
            return pairwise_sum(columns.reshape(self.k, c, length), (0, 2))
        return pairwise_sum(partial, (0,)) if self.over_batch else partial


def _per_channel(a3, scale=None, shift=None, out=None):
    """a3 * scale + shift for a3 (N, C, L), scale and shift per channel ((C,) or anything
    holding C values broadcastable as (1, C, 1)) or per sample and channel (N * C values),
    either may be None; into `out` when given, else a fresh array. When the rows are short
    (L = 1: BatchNorm1d), NumPy's inner loop would run over only C * L elements: the batch is
    then viewed as (N / k, k * C * L) and the per-channel values tiled k times."""
    n, c, length = a3.shape
    view, operands = a3, []
    per_channel = all(v is None or v.size == c for v in (scale, shift))
    k = 1
    if per_channel and c * length < _LONG_INNER_LOOP:
        while n % (2 * k) == 0 and 2 * k * c * length <= 4 * _LONG_INNER_LOOP:
            k *= 2
    for v in (scale, shift):
        if v is None:
            operands.append(None)
        elif k > 1:
            operands.append(xp.tile(xp.repeat(v.reshape(c), length), k))
        else:
            operands.append(v.reshape(-1 if v.size != c else 1, c, 1))
    if k > 1:
        view = a3.reshape(n // k, k * c * length)
        if out is not None:
            out = out.reshape(view.shape)
    scale, shift = operands
    if scale is not None:
        result = xp.multiply(view, scale, out=out)
        if shift is not None:
            result += shift
    elif shift is not None:
        result = xp.add(view, shift, out=out)
    elif out is not None:
        result = out
        if out is not view:
            result[...] = view
    else:
        result = view.copy()
    return result.reshape(a3.shape)


_BLOCK_ELEMENTS = 1 << 16   # elementwise work goes through the cache in blocks of samples


def _gradient_combination(dxhat3, xhat3, a, b, c, over_batch):
    """dxhat3 * a + xhat3 * b + c for (N, C, L) arrays and per-channel (or per sample and
    channel) a, b, c, in blocks of samples through a scratch buffer: one pass over the inputs,
    one write of the result, no full-size temporaries."""
    form = _BlockedForm(xhat3, over_batch and all(v.size == xhat3.shape[1] for v in (a, b, c)))
    a, b, c = (form.operand(v) for v in (a, b, c))
    gx = xp.empty(xhat3.shape, xp.result_type(xhat3, dxhat3, a, b, c))
    gx_view, dxhat_view, xhat_view = form.view(gx), form.view(dxhat3), form.view(xhat3)
    scratch = xp.empty_like(gx_view[form.blocks[0]])
    for rows in form.blocks:
        out = gx_view[rows]
        part = scratch[:out.shape[0]]
        xp.multiply(xhat_view[rows], form.pick(b, rows), out=out)
        out += form.pick(c, rows)
        xp.multiply(dxhat_view[rows], form.pick(a, rows), out=part)
        out += part
    return gx


def _standardize_and_affine(d3, invstd, weight, bias, over_batch):
    """(xhat, out): xhat = d3 * invstd in d3's own array, out = xhat * weight + bias a fresh
    one (a copy of xhat when both are None: xhat is saved and must not be handed out), block
    by block, so that out is made from xhat while it is in cache."""
    form = _BlockedForm(d3, over_batch)
    invstd, weight, bias = (form.operand(v) for v in (invstd, weight, bias))
    out = xp.empty_like(d3)
    d_view, out_view = form.view(d3), form.view(out)
    for rows in form.blocks:
        xhat = xp.multiply(d_view[rows], form.pick(invstd, rows), out=d_view[rows])
        if weight is None:
            block = out_view[rows]
            block[...] = xhat
        else:
            block = xp.multiply(xhat, weight, out=out_view[rows])
        if bias is not None:
            block += bias
    return d3, out


def _batch_statistics(x3, over_batch, eps):
    """(d, mean, var, invstd) of x3 (N, C, L) over its rows (and the batch when over_batch):
    d = x3 - mean, a fresh array; the statistics (C,) or (N, C). One pass for the mean, one
    for the centred values, whose squares are summed block by block while in cache."""
    n, c, length = x3.shape
    m = length * (n if over_batch else 1)
    form = _BlockedForm(x3, over_batch)
    x_view = form.view(x3)
    totals = form.partial_sums()
    if form.tiled:
        for i, rows in enumerate(form.blocks):
            totals[i] = form.sum_block(x_view[rows])
    else:
        totals = _row_sums(x3)
    mean = form.total(totals) / m
    shift = form.operand(-mean)
    d = xp.empty_like(x3)
    d_view = form.view(d)
    squares = form.partial_sums()
    for i, rows in enumerate(form.blocks):
        block = xp.add(x_view[rows], form.pick(shift, rows), out=d_view[rows])
        squares[form.part(i, rows)] = form.sum_block(block, block)
    var = form.total(squares) / m
    invstd = 1 / xp.sqrt(var + eps)
    return d, mean, var, invstd


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
                eps, axes, for_backward=True):
        shape = _channel_shape(x)
        if use_batch_stats and _channel_layout(x, axes):
            return BatchNorm._forward_per_channel(ctx, x, weight, bias, running_mean,
                                                  running_var, momentum, eps, axes,
                                                  for_backward)
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
    def _forward_per_channel(ctx, x, weight, bias, running_mean, running_var, momentum, eps,
                             axes, for_backward):
        """The batch-statistics forward of a float32/64 (N, C, *) x, in five passes over x
        (mean, centre, squares, scale, shift) and no temporaries; without autograd to feed
        (for_backward False) xhat is not kept and the output is scaled and shifted in one go:
        out = (x - mean) * (invstd * w) + b."""
        x3 = _as_channels(x)
        over_batch = axes[0] == 0
        d, mean, var, invstd = _batch_statistics(x3, over_batch, eps)
        if running_mean is not None:
            _update_running(running_mean, running_var, mean, var, x, axes, momentum)
        if not for_backward:
            scale = invstd if weight is None else invstd * weight
            return _per_channel(d, scale, bias, out=d).reshape(x.shape)
        xhat, out = _standardize_and_affine(d, invstd, weight, bias, over_batch)
        ctx.save_for_backward(xhat.reshape(x.shape),
                              invstd.reshape((-1, x.shape[1]) + (1,) * (x.ndim - 2)), weight)
        ctx.axes = axes
        ctx.use_batch_stats = True
        return out.reshape(x.shape)

    @staticmethod
    def backward(ctx, g):
        xhat, invstd, weight = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        axes = ctx.axes
        # sums over the statistics' axes; the parameters' grads also sum over the batch axis
        # when the statistics are per sample (instance norm)
        param_axes = (0,) if axes[0] != 0 else ()
        batch = need_x and ctx.use_batch_stats
        g_sum, g_xhat_sum = _channel_sum_pair(g, xhat, axes, need_b or batch,
                                              need_w or batch)
        gw = pairwise_sum(g_xhat_sum, param_axes).reshape(-1) if need_w else None
        gb = pairwise_sum(g_sum, param_axes).reshape(-1) if need_b else None
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
                           eps, axes, _for_backward(input, weight, bias))


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
                          momentum, eps, axes, _for_backward(input, weight, bias))
    # PyTorch batch-norms a reshaped input, then views it back
    return node_name(out, "ViewBackward0")


def _for_backward(*tensors):
    """Will autograd record the op (so the forward must keep what its backward needs)?"""
    return grad_mode.enabled and any(t is not None and t._requires_grad for t in tensors)


def _update_running(running_mean, running_var, mean, var, x, axes, momentum):
    """running = (1 - momentum) * running + momentum * batch statistic, in the buffers' own
    arrays. The variance stored is the unbiased one (var * M / (M - 1)), as PyTorch does."""
    m = math.prod(x.shape[a] for a in axes)
    channels = x.shape[1]
    batch_mean = pairwise_mean(mean.reshape(-1, channels), (0,))
    batch_var = pairwise_mean((var * (m / (m - 1) if m > 1 else math.nan)).reshape(-1, channels),
                              (0,))
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
