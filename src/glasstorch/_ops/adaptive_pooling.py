"""Pooling with windows chosen per output position rather than slid at a fixed stride:
adaptive average and max pooling (the output size is given, the windows follow) and
fractional max pooling (pseudo-random window starts), in 1, 2 and 3 spatial dims.

Along an axis of input size L and output size O, adaptive window o covers
[floor(o*L/O), ceil((o + 1)*L/O)): the windows tile the axis, overlapping by at most one
entry. Average pooling is then separable: one averaging matrix (O, L) per axis, applied by
BLAS (`resampling.py`), with the transposed matrices as its backward. Max pooling is separable
too, keeping track of where the max is: reduce the last axis first (each row's max and its
column), then the next (the best row, and the column recorded in it), and so on. That picks
the first max in row-major order and, for NaN, the last NaN, as PyTorch's in-order scan does.
Its backward adds each gradient at the recorded flat index (one bincount).
"""
import math

from .._backend import xp, rng_of
from .._tensor import Tensor
from ._util import check_tensor
from ..autograd.function import Function, Output
from .pooling import FLOAT_DTYPES, check_dtype, ScatterFlat, _scatter_flat, _ints, flat_planes
from .resampling import Resample, Taps

# ---------------------------------------------------------------------------------------------
# arguments
# ---------------------------------------------------------------------------------------------
def _output_size(fname, output_size, input, n):
    """output_size as n ints: an int, or a sequence whose None entries keep the input's size."""
    if isinstance(output_size, (list, tuple)):
        sizes = list(output_size)
        if n > 1 and input.dim() <= len(sizes):   # PyTorch's Python layer checks this first
            raise ValueError(f"Input dimension should be at least {len(sizes) + 1}")
        if n == 1 and len(sizes) != 1:
            raise RuntimeError(f"{fname}() argument 'output_size' should contain one int "
                               f"(got {len(sizes)})")
        if len(sizes) != n:
            raise RuntimeError(f"{fname}: output_size must be {n}")
    elif output_size is None and n == 1:
        raise TypeError(f"{fname}(): argument 'output_size' (position 2) must be tuple of ints, "
                        f"not NoneType")
    else:
        sizes = [output_size] * n
    sizes = [input.shape[-n + i] if s is None else s for i, s in enumerate(sizes)]
    for s in sizes:
        if isinstance(s, bool) or not isinstance(s, (int, xp.integer)):
            raise TypeError(f"{fname}(): argument 'output_size' must be tuple of ints, not "
                            f"{type(s).__name__}")
    if any(s < 0 for s in sizes):
        raise RuntimeError(f"{fname}: elements of output_size must be greater than or equal to "
                           f"0 but received {{{', '.join(map(str, sizes))}}}")
    return tuple(int(s) for s in sizes)


def _check_adaptive_input(fname, input, n, channels_too=False):
    """A tensor of n + 1 or n + 2 dims whose spatial dims (and, for max pooling, a batched
    input's channels: `channels_too`) are non-empty, as PyTorch checks."""
    check_tensor(fname, input)
    shape = list(input.shape)
    if len(shape) not in (n + 1, n + 2):
        if n == 1:
            raise RuntimeError(f"Expected 2 to 3 dimensions, but got {len(shape)}-dimensional "
                               f"tensor for argument #1 'self' (while checking arguments for "
                               f"{fname})")
        raise RuntimeError(f"{fname}(): Expected {n + 1}D or {n + 2}D tensor, but got {shape}")
    first = 1 if channels_too else len(shape) - n
    for axis in range(first, len(shape)):
        if shape[axis] == 0:
            raise RuntimeError(f"{fname}(): Expected input to have non-zero size for non-batch "
                               f"dimensions, but input has sizes {shape} with dimension {axis} "
                               f"being empty")


def adaptive_windows(in_size, out_size):
    """(start, end) arrays of the adaptive windows along one axis: floor(o*L/O), ceil((o+1)L/O)."""
    o = xp.arange(out_size)
    return (o * in_size) // out_size, -(-((o + 1) * in_size) // out_size)


# ---------------------------------------------------------------------------------------------
# adaptive average pooling
# ---------------------------------------------------------------------------------------------
def averaging_taps(in_size, out_size):
    """Taps whose output o averages the adaptive window o (None when in == out: identity)."""
    if in_size == out_size:
        return None
    start, end = adaptive_windows(in_size, out_size)
    index, valid = _adaptive_window_index(in_size, out_size)
    weight = xp.broadcast_to(1.0 / (end - start)[:, None], index.shape)
    return Taps(index, weight, in_size, valid)


def _adaptive_avg_pool(fname, input, n, output_size):
    _check_adaptive_input(fname, input, n)
    check_dtype(fname, input, FLOAT_DTYPES)
    sizes = _output_size(fname, output_size, input, n)
    spatial = tuple(input.shape[-n:])
    if all(s == 1 for s in sizes):     # PyTorch takes the mean here (its node: MeanBackward1)
        return input.mean(tuple(range(-n, 0)), keepdim=True)
    taps = tuple(averaging_taps(i, o) for i, o in zip(spatial, sizes))
    return Resample.apply(input, taps, f"AdaptiveAvgPool{n}DBackward0")


def adaptive_avg_pool1d(input, output_size):
    """Mean over adaptive windows of the last dim: (N, C, L) or (C, L) -> (N, C, output_size);
    window o covers [floor(o*L/O), ceil((o+1)*L/O))."""
    _check_adaptive_input("adaptive_avg_pool1d", input, 1)
    size = _output_size("adaptive_avg_pool1d", output_size, input, 1)
    return _adaptive_avg_pool("adaptive_avg_pool2d", input.unsqueeze(-2), 2,
                              (1,) + size).squeeze(-2)


def adaptive_avg_pool2d(input, output_size):
    """Mean over adaptive windows: (N, C, H, W) or (C, H, W) -> (N, C, *output_size); an int
    is square, None keeps the input's size. A 1x1 output is the plain mean over H and W."""
    return _adaptive_avg_pool("adaptive_avg_pool2d", input, 2, output_size)


def adaptive_avg_pool3d(input, output_size):
    """Mean over adaptive windows of (D, H, W), as adaptive_avg_pool2d."""
    return _adaptive_avg_pool("adaptive_avg_pool3d", input, 3, output_size)


# ---------------------------------------------------------------------------------------------
# max over per-position windows, one axis at a time
# ---------------------------------------------------------------------------------------------
def _take(values, index, axis, n):
    """values gathered at `index` along `axis`: index is (O,) when every plane shares its
    windows, or (*lead, O) per plane (fractional pooling)."""
    if index.ndim == 1:
        return xp.take(values, index, axis=axis)
    lead = index.shape[:-1]
    spatial_axis = axis % values.ndim - len(lead)
    shape = lead + tuple(index.shape[-1] if i == spatial_axis else 1 for i in range(n))
    return xp.take_along_axis(values, index.reshape(shape), axis=axis)


def _take_index(index, axis, ndim, n):
    """The positions of `index` shaped to broadcast against the gathered values."""
    o = index.shape[-1]
    axis = axis % ndim
    if index.ndim == 1:
        return index.reshape((o,) + (1,) * (ndim - 1 - axis))
    lead = index.shape[:-1]
    spatial_axis = axis - (ndim - n)
    return index.reshape(lead + tuple(o if i == spatial_axis else 1 for i in range(n)))


def _max_along(values, axis, index, n):
    """Max of `values` over windows along `axis`: index[..., o, k] is the k-th input position
    of window o (short windows repeat their last position). Returns (max, position), the
    position of the first max, or of the last NaN if there is one."""
    best = _take(values, index[..., 0], axis, n)
    position = xp.broadcast_to(_take_index(index[..., 0], axis, values.ndim, n), best.shape)
    position = position.copy()
    for k in range(1, index.shape[-1]):
        candidate = _take(values, index[..., k], axis, n)
        grew = candidate > best
        xp.maximum(best, candidate, out=best)
        xp.copyto(position, _take_index(index[..., k], axis, values.ndim, n), where=grew)
    if best.dtype.kind == "f":
        nan = xp.isnan(best)
        if nan.any():   # rare: those windows again, keeping the last NaN
            for k in range(index.shape[-1]):
                candidate = _take(values, index[..., k], axis, n)
                xp.copyto(position, _take_index(index[..., k], axis, values.ndim, n),
                          where=nan & xp.isnan(candidate))
    return best, position


def window_max(x, indices):
    """Max of x over the windows given per spatial axis (`indices[i]`: (O_i, K_i) or
    (*lead, O_i, K_i) input positions), and each max's flat index in its plane (int64).
    Axes are reduced last first; the positions found on already-reduced axes are carried
    along by gathering them at the rows each new axis picks."""
    n = len(indices)
    values = x
    positions = []            # positions[j]: the input coordinate picked on axis n - 1 - j
    for axis in range(x.ndim - 1, x.ndim - 1 - n, -1):
        index = indices[axis - (x.ndim - n)]
        values, picked = _max_along(values, axis, index, n)
        # the positions found so far still have this axis at full size: read them at the
        # rows just picked
        positions = [xp.take_along_axis(p, picked, axis=axis) for p in positions]
        positions.append(picked)
    flat = xp.zeros(values.shape, dtype=xp.int64)
    stride = 1
    for j, p in enumerate(positions):
        flat += p * stride
        stride *= x.shape[-1 - j]
    return values, flat


class AdaptiveMax(Function):
    """out[o] = max of x over window o (windows given per axis);  indices = flat argmax
    grad: dx[indices[o]] += g[o]   (one bincount over the flat indices)"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x, indices, node_name):
        out, flat = window_max(x, indices)
        ctx._node_name = node_name
        n = len(indices)
        lead = x.shape[:-n]
        ctx.save_for_backward(Output(flat, 1))      # writing into the indices must raise
        ctx.lead, ctx.x_shape = lead, x.shape
        ctx.mark_non_differentiable(flat)
        return out, flat

    @staticmethod
    def backward(ctx, g, g_indices=None):
        (flat,) = ctx.saved_tensors
        lead = ctx.lead
        flat_indices = flat_planes(flat, lead)
        if isinstance(g, Tensor):
            return ScatterFlat.apply(g, flat_indices, ctx.x_shape)
        size = math.prod(ctx.x_shape[len(lead):])
        summed = _scatter_flat(flat_planes(g, lead), flat_indices, size, True)
        return summed.reshape(ctx.x_shape)


def _adaptive_window_index(in_size, out_size):
    """(O, K) input positions of each adaptive window, short windows repeating their last,
    and which of them are the window's own (not repeats)."""
    start, end = adaptive_windows(in_size, out_size)
    longest = int((end - start).max()) if out_size else 1
    position = start[:, None] + xp.arange(longest)
    return xp.minimum(position, end[:, None] - 1), position < end[:, None]


def _adaptive_max_pool(fname, input, n, output_size):
    _check_adaptive_input(fname, input, n, channels_too=True)
    check_dtype(fname, input, FLOAT_DTYPES)
    sizes = _output_size(fname, output_size, input, n)
    spatial = tuple(input.shape[-n:])
    indices = tuple(_adaptive_window_index(i, o)[0] for i, o in zip(spatial, sizes))
    return AdaptiveMax.apply(input, indices, f"AdaptiveMaxPool{n}DBackward0")


def adaptive_max_pool1d_with_indices(input, output_size, return_indices=False):
    _check_adaptive_input("adaptive_max_pool1d", input, 1, channels_too=True)
    size = _output_size("adaptive_max_pool1d", output_size, input, 1)
    out, indices = _adaptive_max_pool("adaptive_max_pool2d", input.unsqueeze(-2), 2,
                                      (1,) + size)
    return out.squeeze(-2), indices.squeeze(-2)


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=False):
    return _adaptive_max_pool("adaptive_max_pool2d", input, 2, output_size)


def adaptive_max_pool3d_with_indices(input, output_size, return_indices=False):
    return _adaptive_max_pool("adaptive_max_pool3d", input, 3, output_size)


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """Max over adaptive windows of the last dim: (N, C, L) or (C, L) -> (N, C, output_size)
    (and the argmax positions in L, int64, with return_indices)."""
    out, indices = adaptive_max_pool1d_with_indices(input, output_size)
    return (out, indices) if return_indices else out


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Max over adaptive windows: (N, C, H, W) or (C, H, W) -> (N, C, *output_size) (and each
    max's flat index h*W + w, int64, with return_indices)."""
    out, indices = adaptive_max_pool2d_with_indices(input, output_size)
    return (out, indices) if return_indices else out


def adaptive_max_pool3d(input, output_size, return_indices=False):
    """Max over adaptive windows of (D, H, W), as adaptive_max_pool2d."""
    out, indices = adaptive_max_pool3d_with_indices(input, output_size)
    return (out, indices) if return_indices else out


# ---------------------------------------------------------------------------------------------
# fractional max pooling: windows of a fixed size at pseudo-random starts (Graham, 2014)
# ---------------------------------------------------------------------------------------------
def _fractional_starts(sample, in_size, out_size, pool):
    """PyTorch's generate_intervals: window o starts at int((o + u) * alpha) - int(u * alpha),
    alpha = (in - pool) / (out - 1), and the last window ends at the input's end. `sample`
    holds one u in [0, 1) per plane; computed in its dtype, as PyTorch. (*lead,) -> (*lead, out)."""
    lead = sample.shape
    starts = xp.empty(lead + (out_size,), dtype=xp.int64)
    if out_size > 1:
        alpha = sample.dtype.type(in_size - pool) / sample.dtype.type(out_size - 1)
        o = xp.arange(out_size - 1, dtype=sample.dtype)
        starts[..., :-1] = ((o + sample[..., None]) * alpha).astype(xp.int64) - \
            (sample * alpha).astype(xp.int64)[..., None]
    if out_size > 0:
        starts[..., -1] = in_size - pool
    return starts


def _fractional_max_pool(fname, n, input, kernel_size, output_size, output_ratio,
                         return_indices, samples):
    if output_size is None and output_ratio is None:
        raise ValueError(f"{fname} requires specifying either an output_size or an "
                         f"output_ratio")
    kernel = _ints(fname, "kernel_size", kernel_size, n, 2)
    if not isinstance(input, Tensor) or input.dim() not in (n + 1, n + 2):
        shape = list(input.shape) if isinstance(input, Tensor) else input
        raise RuntimeError(f"{fname}(): Expected {n + 1}D or {n + 2}D tensor, but got: {shape}")
    spatial = tuple(input.shape[-n:])
    if output_size is None:
        if n == 2 and not isinstance(output_ratio, (list, tuple)):   # as PyTorch's F; the
            # layer makes a pair of it
            raise TypeError(f"object of type '{type(output_ratio).__name__}' has no len()")
        ratio = output_ratio if isinstance(output_ratio, (list, tuple)) else [output_ratio] * n
        if len(ratio) > n:
            raise ValueError(f"{fname} requires output_ratio to either be a single Int or "
                             f"tuple of Ints.")
        ratio = list(ratio) * n if len(ratio) == 1 else ratio
        output_size = [int(size * r) for size, r in zip(spatial, ratio)]
    sizes = _ints(fname, "output_size", output_size, n, 3)
    check_dtype(fname, input, FLOAT_DTYPES)
    for name, k, o, size in zip("THW"[-n:], kernel, sizes, spatial):
        if o + k - 1 > size:
            raise RuntimeError(f"{fname}(): pool size {k} too large relative to input size "
                               f"{size} and output size {o} along {name}")
    batched = input.dim() == n + 2
    planes = (input.shape[0] if batched else 1, input.shape[-n - 1])
    if samples is None:
        u = rng_of(None).random(planes + (n,)).astype(input._data.dtype)
    else:
        u = samples._data
        if tuple(u.shape) != planes + (n,):
            raise RuntimeError(f"{fname}(): expected _random_samples of shape "
                               f"{list(planes + (n,))}, but got {list(u.shape)}")
    if not batched:
        u = u[0]
    # PyTorch's order of the samples: (W, H) in 2-d but (T, H, W) in 3-d
    order = [1, 0] if n == 2 else [0, 1, 2]
    indices = tuple(_fractional_starts(u[..., order[a]], spatial[a], sizes[a], kernel[a])
                    [..., None] + xp.arange(kernel[a]) for a in range(n))
    out, index = AdaptiveMax.apply(input, indices, f"FractionalMaxPool{n}DBackward0")
    return (out, index) if return_indices else out


def fractional_max_pool2d(input, kernel_size, output_size=None, output_ratio=None,
                          return_indices=False, _random_samples=None):
    """Max over kH x kW windows at pseudo-random starts that spread output_size (or
    output_ratio * input size) windows over (N, C, H, W) or (C, H, W). _random_samples
    (N, C, 2) in [0, 1) fix the starts (drawn from glasstorch's generator otherwise)."""
    return _fractional_max_pool("fractional_max_pool2d", 2, input, kernel_size, output_size,
                                output_ratio, return_indices, _random_samples)


def fractional_max_pool3d(input, kernel_size, output_size=None, output_ratio=None,
                          return_indices=False, _random_samples=None):
    """fractional_max_pool2d over (D, H, W); _random_samples are (N, C, 3)."""
    return _fractional_max_pool("fractional_max_pool3d", 3, input, kernel_size, output_size,
                                output_ratio, return_indices, _random_samples)


def fractional_max_pool2d_with_indices(input, kernel_size, output_size=None,
                                       output_ratio=None, return_indices=False,
                                       _random_samples=None):
    return fractional_max_pool2d(input, kernel_size, output_size, output_ratio, True,
                                 _random_samples)


def fractional_max_pool3d_with_indices(input, kernel_size, output_size=None,
                                       output_ratio=None, return_indices=False,
                                       _random_samples=None):
    return fractional_max_pool3d(input, kernel_size, output_size, output_ratio, True,
                                 _random_samples)
