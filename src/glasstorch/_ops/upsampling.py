"""F.interpolate (and the deprecated F.upsample*): resizing the spatial dims of a (N, C, L),
(N, C, H, W) or (N, C, D, H, W) input by nearest, nearest-exact, (bi/tri)linear, bicubic,
area or, with antialias, bilinear/bicubic/lanczos filters.

Every mode is separable: this file only works out, per spatial axis, which input positions
each output reads and with what weights (the axis's `Taps`), following PyTorch's index
arithmetic exactly (including its float32 rounding for float32 inputs and its shortcuts);
`resampling.py` applies them, forward and backward. Area mode is adaptive average pooling.

Source positions (align_corners=False, the default): output o samples input coordinate
(o + 0.5) * scale - 0.5, scale = in/out or 1/scale_factor when one was given;
align_corners=True maps the corner pixels' centres onto each other, o * (in - 1)/(out - 1).
"""
import math
import warnings

from .._backend import xp
from .._tensor import Tensor
from ._util import check_tensor
from .adaptive_pooling import adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d
from .pooling import FLOAT_DTYPES, check_dtype
from .resampling import Resample, Taps

CUBIC_A = -0.75          # PyTorch's bicubic (and grid_sample's); antialias uses Keys' -0.5


def _compute_dtype(dtype):
    """PyTorch computes indices and weights in the input's 'opmath' type: float32, or float64
    for float64 inputs."""
    return xp.float64 if dtype == xp.float64 else xp.float32


def _scale(in_size, out_size, align_corners, scale_factor, dtype):
    """PyTorch's area_pixel_compute_scale: input positions per output position."""
    if align_corners:
        return dtype((in_size - 1) / (out_size - 1)) if out_size > 1 else dtype(0)
    if scale_factor is not None and scale_factor > 0:
        return dtype(1.0 / scale_factor)
    return dtype(in_size) / dtype(out_size)


def _source(scale, out_size, align_corners, cubic, dtype):
    """Input coordinate each output position samples (area_pixel_compute_source_index)."""
    o = xp.arange(out_size, dtype=dtype)
    if align_corners:
        return scale * o
    source = scale * (o + dtype(0.5)) - dtype(0.5)
    return source if cubic else xp.maximum(source, dtype(0))


# ---------------------------------------------------------------------------------------------
# taps per mode, along one axis
# ---------------------------------------------------------------------------------------------
def nearest_taps(in_size, out_size, scale_factor, exact, shortcuts):
    """Nearest: input floor(o * scale), or floor((o + 0.5) * scale) for nearest-exact (in
    float32 whatever the input dtype, as PyTorch). PyTorch's 2-d nearest kernel (`shortcuts`)
    copies when the sizes match and halves o when the output is twice the input, whatever
    the scale factor said; its 1-d and 3-d forward kernels do not. (PyTorch's 1-d and 3-d
    backward kernels do, so with such a scale factor its gradient is not the gradient of its
    own forward; ours is.)"""
    o = xp.arange(out_size)
    if shortcuts and not exact and out_size == in_size:
        index = o
    elif shortcuts and not exact and out_size == 2 * in_size:
        index = o >> 1
    else:
        scale = _scale(in_size, out_size, False, scale_factor, xp.float32)
        position = o.astype(xp.float32) + xp.float32(0.5) if exact else o.astype(xp.float32)
        index = xp.minimum(xp.floor(position * scale).astype(xp.int64), in_size - 1)
    return Taps(index[:, None], xp.ones((out_size, 1)), in_size)


def linear_taps(in_size, out_size, align_corners, scale_factor, dtype):
    """Linear: between floor(source) and the next input position, weights 1 - t and t (the
    identity when the sizes match, whatever the scale factor, as PyTorch)."""
    if in_size == out_size:
        return None
    scale = _scale(in_size, out_size, align_corners, scale_factor, dtype)
    source = _source(scale, out_size, align_corners, False, dtype)
    left = xp.minimum(xp.floor(source).astype(xp.int64), in_size - 1)
    t = xp.clip(source - left.astype(dtype), 0, 1)
    right = left + (left < in_size - 1)
    return Taps(xp.stack([left, right], 1), xp.stack([1 - t, t], 1), in_size)


def _cubic_weights(t, a):
    """Keys' cubic convolution weights of the 4 taps at offsets -1, 0, 1, 2 from floor(source),
    t = source - floor(source)."""
    def near(x):        # |x| <= 1
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x):         # 1 < |x| < 2
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
    return xp.stack([far(t + 1), near(t), near(1 - t), far(2 - t)], 1)


def cubic_taps(in_size, out_size, align_corners, scale_factor, dtype):
    """Bicubic (A = -0.75) over input positions floor(source) - 1 ... + 2, clamped to the
    input: PyTorch's border rule (the edge pixel is repeated)."""
    scale = _scale(in_size, out_size, align_corners, scale_factor, dtype)
    source = _source(scale, out_size, align_corners, True, dtype)
    floor = xp.floor(source)
    weight = _cubic_weights(source - floor, dtype(CUBIC_A))
    index = xp.clip(floor.astype(xp.int64)[:, None] + xp.arange(-1, 3), 0, in_size - 1)
    return Taps(index, weight, in_size)


def _triangle(x):
    x = xp.abs(x)
    return xp.where(x < 1, 1 - x, 0)


def _keys_cubic(x):
    x = xp.abs(x)
    a = -0.5
    return xp.where(x < 1, ((a + 2) * x - (a + 3)) * x * x + 1,
                    xp.where(x < 2, ((a * x - 5 * a) * x + 8 * a) * x - 4 * a, 0))


def _lanczos3(x):
    return xp.where(xp.abs(x) < 3, xp.sinc(x) * xp.sinc(x / 3), 0)


# filter and its support (in input pixels at scale 1) per antialiased mode
_AA_FILTERS = {"bilinear": (_triangle, 1.0), "bicubic": (_keys_cubic, 2.0),
               "lanczos": (_lanczos3, 3.0)}


def antialias_taps(mode, in_size, out_size, align_corners, scale_factor, dtype):
    """Antialiased resampling (PIL's): when shrinking by `scale` the filter is stretched by
    it, so each output averages every input it covers; the weights of each output are
    normalised to sum to 1. Follows PyTorch's _compute_weights_aa, truncations included."""
    fn, radius = _AA_FILTERS[mode]
    scale = float(_scale(in_size, out_size, align_corners, scale_factor, dtype))
    support = radius * scale if scale >= 1.0 else radius
    longest = int(math.ceil(support)) * 2 + 1
    center = scale * (xp.arange(out_size) + 0.5)
    start = xp.maximum((center - support + 0.5).astype(xp.int64), 0)
    count = xp.clip(xp.minimum((center + support + 0.5).astype(xp.int64), in_size) - start,
                    0, longest)
    invscale = 1.0 / scale if scale >= 1.0 else 1.0
    k = xp.arange(longest)
    valid = k < count[:, None]
    weight = xp.where(valid, fn((k + start[:, None] - center[:, None] + 0.5) * invscale), 0)
    total = weight.sum(axis=1, keepdims=True)
    weight = xp.where(total != 0, weight / xp.where(total != 0, total, 1), weight)
    index = xp.minimum(start[:, None] + k, in_size - 1)
    return Taps(index, weight.astype(dtype), in_size, valid)


# ---------------------------------------------------------------------------------------------
# F.interpolate
# ---------------------------------------------------------------------------------------------
_LINEAR_MODES = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}
_NODE_NAMES = {"nearest": "UpsampleNearest{n}DBackward0",
               "nearest-exact": "UpsampleNearestExact{n}DBackward0",
               "linear": "UpsampleLinear1DBackward0", "bilinear": "UpsampleBilinear2DBackward0",
               "trilinear": "UpsampleTrilinear3DBackward0",
               "bicubic": "UpsampleBicubic2DBackward0"}


def _is_integer(x):
    return (isinstance(x, (int, xp.integer)) and not isinstance(x, bool)) or \
        (isinstance(x, Tensor) and x.dtype.kind != 2)


def _sizes_and_scales(input, size, scale_factor, mode, recompute_scale_factor):
    """(output sizes, scale factors or None), validated as PyTorch's interpolate does."""
    dim = input.dim() - 2
    spatial = list(input.shape[2:])
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        if isinstance(size, (list, tuple)):
            if len(size) != dim:
                raise ValueError(
                    f"Input and output must have the same number of spatial dimensions, but "
                    f"got input with spatial dimensions of {spatial} and output size of "
                    f"{size}. Please provide input tensor in (N, C, d1, d2, ...,dK) format "
                    f"and output size in (o1, o2, ...,oK) format.")
            if not all(_is_integer(s) for s in size):
                raise TypeError(f"expected size to be one of int or Tuple[int] or Tuple[int, "
                                f"int] or Tuple[int, int, int], but got size with types "
                                f"{[type(s) for s in size]}")
            sizes = [int(s) for s in size]
        else:
            sizes = [int(size)] * dim
        scales = None
    elif scale_factor is not None:
        if isinstance(scale_factor, (list, tuple)):
            if len(scale_factor) != dim:
                raise ValueError(
                    f"Input and scale_factor must have the same number of spatial dimensions, "
                    f"but got input with spatial dimensions of {spatial} and scale_factor of "
                    f"shape {scale_factor}. Please provide input tensor in (N, C, d1, d2, "
                    f"...,dK) format and scale_factor in (s1, s2, ...,sK) format.")
            scales = [float(s) for s in scale_factor]
        else:
            scales = [float(scale_factor)] * dim
        sizes = None
    else:
        raise ValueError("either size or scale_factor should be defined")
    if recompute_scale_factor and size is not None:
        raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
    if sizes is None:
        # the size PyTorch's Python layer computes: int(in * scale), truncated
        sizes = [int(n * s) for n, s in zip(spatial, scales)]
        if mode == "area" or recompute_scale_factor:
            scales = None       # the kernels then use in/out
    return sizes, scales


def _check_sizes(input, sizes):
    spatial = list(input.shape[2:])
    if any(o <= 0 for o in sizes) or any(i <= 0 for i in spatial):
        names = "DHW"[-len(sizes):] if len(sizes) > 1 else "W"
        ins = ", ".join(f"{a}: {v}" for a, v in zip(names, spatial))
        outs = ", ".join(f"{a}: {v}" for a, v in zip(names, sizes))
        raise RuntimeError(f"Input and output sizes should be greater than 0, but got input "
                           f"({ins}) output ({outs})")


def _taps(mode, in_size, out_size, align_corners, scale_factor, antialias, dtype, dim):
    if antialias:
        return antialias_taps(mode, in_size, out_size, align_corners, scale_factor, dtype)
    if mode in ("nearest", "nearest-exact"):
        return nearest_taps(in_size, out_size, scale_factor, mode == "nearest-exact", dim == 2)
    if mode == "bicubic":
        return cubic_taps(in_size, out_size, align_corners, scale_factor, dtype)
    return linear_taps(in_size, out_size, align_corners, scale_factor, dtype)


def _kernel_name(mode, dim):
    if mode == "nearest":
        return f"upsample_nearest{dim}d"
    if mode == "nearest-exact":
        return f"_upsample_nearest_exact{dim}d"
    return f"upsample_{mode}{dim}d"


def _raise_unsupported(input, mode, expected):
    dim = input.dim()
    if expected is not None and dim in (3, 4, 5):
        needs = {"linear": 3, "bilinear": 4, "bicubic": 4, "trilinear": 5, "lanczos": 4}[mode]
        raise NotImplementedError(f"Got {dim}D input, but {mode} mode needs {needs}D input")
    raise NotImplementedError(
        f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {dim}D) for the modes: "
        f"nearest | linear | bilinear | bicubic | trilinear | lanczos | area | nearest-exact "
        f"(got {mode})")


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resize the spatial dims of (N, C, *spatial) to `size` or floor(in * scale_factor).

    mode: 'nearest' | 'nearest-exact' | 'linear' (3-d input) | 'bilinear' | 'bicubic' |
    'lanczos' (4-d) | 'trilinear' (5-d) | 'area' (= adaptive_avg_pool). align_corners (linear
    modes only) maps corner pixel centres onto each other. antialias (bilinear, bicubic,
    lanczos on 4-d input) low-pass filters when shrinking. One autograd node per call."""
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating "
                             "modes: linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    check_tensor("interpolate", input, position=None)
    dim = input.dim() - 2
    sizes, scales = _sizes_and_scales(input, size, scale_factor, mode, recompute_scale_factor)
    if antialias and not (mode in ("bilinear", "bicubic", "lanczos") and input.dim() == 4):
        raise ValueError("Anti-alias option is restricted to bilinear, bicubic, and lanczos "
                         "modes and requires a 4-D tensor as input")
    expected = _LINEAR_MODES.get(mode, 2 if mode == "lanczos" else None)
    if dim not in (1, 2, 3) or (expected is not None and expected != dim) or \
            mode not in ("nearest", "nearest-exact", "area", "lanczos") + tuple(_LINEAR_MODES):
        _raise_unsupported(input, mode, expected)
    if mode == "area":
        pool = {1: adaptive_avg_pool1d, 2: adaptive_avg_pool2d, 3: adaptive_avg_pool3d}[dim]
        return pool(input, sizes)
    if mode == "lanczos":
        if align_corners:
            raise ValueError("Lanczos mode does not support align_corners=True")
        if not antialias:
            raise ValueError("Lanczos mode requires antialias=True")
    _check_sizes(input, sizes)
    x = input._data
    if mode in ("nearest", "nearest-exact"):
        check_dtype(_kernel_name(mode, dim), input, FLOAT_DTYPES + ("uint8",))
    elif x.dtype == xp.uint8:
        raise NotImplementedError(f"interpolate: uint8 input in mode '{mode}' (PyTorch's "
                                  f"fixed-point kernel) is not supported by glasstorch; convert "
                                  f"the image to float first")
    else:
        check_dtype(_kernel_name(mode, dim), input, FLOAT_DTYPES)
    dtype = _compute_dtype(x.dtype)
    spatial = x.shape[2:]
    scale_list = scales or [None] * dim
    taps = tuple(_taps(mode, n, o, align_corners, s, antialias, dtype, dim)
                 for n, o, s in zip(spatial, sizes, scale_list))
    name = (f"Upsample{mode.capitalize()}2DAaBackward0" if antialias
            else _NODE_NAMES[mode].format(n=dim))
    return Resample.apply(input, taps, name)


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """Deprecated spelling of interpolate (warns, as PyTorch)."""
    warnings.warn("`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` "
                  "instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    """Deprecated: interpolate(..., mode='nearest') (warns, as PyTorch)."""
    warnings.warn("`nn.functional.upsample_nearest` is deprecated. Use "
                  "`nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    """Deprecated: interpolate(..., mode='bilinear', align_corners=True) (warns)."""
    warnings.warn("`nn.functional.upsample_bilinear` is deprecated. Use "
                  "`nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)
