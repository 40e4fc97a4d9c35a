"""Resampling for image tensors: resize as two small matrix products, and grid sampling (what
rotate, affine, perspective and elastic transforms use), computed the way PyTorch's
`F.interpolate` and `F.grid_sample` compute them so the results agree with torchvision's.

Resizing is separable: an (out, in) weight matrix per axis, built once, then
    out = W_h @ image @ W_w.T          image (..., H, W) -> (..., out_h, out_w)
which NumPy hands to BLAS. Each row of W holds the filter taps of one output pixel.
"""
import functools

from ... import linspace
from ..._backend import xp, scatter_add


def nearest_indices(in_size, out_size, exact):
    """Source index of every output pixel for 'nearest' (floor(i * scale)) or 'nearest-exact'
    (floor((i + 0.5) * scale)), scale = in / out in float32 as PyTorch computes it."""
    scale = xp.float32(in_size) / xp.float32(out_size)
    offset = xp.float32(0.5 if exact else 0.0)
    position = (xp.arange(out_size, dtype=xp.float32) + offset) * scale
    return xp.minimum(xp.floor(position).astype(xp.int64), in_size - 1)


@functools.lru_cache(maxsize=64)
def resize_weights(in_size, out_size, mode, antialias, dtype="float32"):
    """The (out_size, in_size) matrix of 'bilinear' or 'bicubic' resampling, in `dtype`.

    antialias=False is PyTorch's interpolate (align_corners=False): 2 or 4 taps per output
    pixel. antialias=True widens the filter by the downscale factor so every input pixel
    contributes (Pillow's algorithm, which PyTorch's antialiased kernels reproduce).
    Cached (read-only): a pipeline resizes image after image between the same sizes."""
    if antialias:
        weights = _antialias_weights(in_size, out_size, mode)
    elif mode == "bilinear":
        weights = _bilinear_weights(in_size, out_size)
    else:
        weights = _bicubic_weights(in_size, out_size)
    weights = weights.astype(dtype)
    weights.flags.writeable = False
    return weights


def _bilinear_weights(in_size, out_size):
    """Two taps: src = (i + 0.5) * scale - 0.5, clamped at 0; weights 1 - frac and frac."""
    scale = xp.float32(in_size) / xp.float32(out_size)
    src = (xp.arange(out_size, dtype=xp.float32) + xp.float32(0.5)) * scale - xp.float32(0.5)
    src = xp.maximum(src, xp.float32(0))
    left = src.astype(xp.int64)
    right = left + (left < in_size - 1)
    frac = src - left.astype(xp.float32)
    weights = xp.zeros((out_size, in_size))
    rows = xp.arange(out_size)
    scatter_add(weights, (rows, left), 1.0 - frac)
    scatter_add(weights, (rows, right), frac)
    return weights


def _cubic_taps(t, a):
    """Keys' cubic convolution weights of the 4 taps around a point at fraction t of a pixel:
    (t + 1, t, 1 - t, 2 - t) pixels away."""
    def near(x):   # |x| <= 1
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x):    # 1 < |x| < 2
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
    return [far(t + 1), near(t), near(1 - t), far(2 - t)]


def _bicubic_weights(in_size, out_size):
    """Four taps (a = -0.75, PyTorch's choice); taps past the border repeat the edge pixel."""
    scale = xp.float32(in_size) / xp.float32(out_size)
    src = (xp.arange(out_size, dtype=xp.float32) + xp.float32(0.5)) * scale - xp.float32(0.5)
    base = xp.floor(src)
    t = (src - base).astype(xp.float64)
    base = base.astype(xp.int64)
    weights = xp.zeros((out_size, in_size))
    rows = xp.arange(out_size)
    for k, tap in enumerate(_cubic_taps(t, -0.75)):   # 4 taps, each a whole column of weights
        scatter_add(weights, (rows, xp.clip(base - 1 + k, 0, in_size - 1)), tap)
    return weights


def _triangle(x):
    x = xp.abs(x)
    return xp.where(x < 1.0, 1.0 - x, 0.0)


def _keys_cubic(x, a=-0.5):
    x = xp.abs(x)
    inner = ((a + 2) * x - (a + 3)) * x * x + 1
    outer = (((x - 5) * x + 8) * x - 4) * a
    return xp.where(x < 1.0, inner, xp.where(x < 2.0, outer, 0.0))


def _antialias_weights(in_size, out_size, mode):
    """Filter of support `interp_size / 2` pixels, stretched by scale = in / out when
    downscaling; output pixel i is centred at (i + 0.5) * scale and its weights are normalised
    to sum to 1. Bicubic uses a = -0.5 here, as Pillow does."""
    interp_size, kernel = (2, _triangle) if mode == "bilinear" else (4, _keys_cubic)
    scale = in_size / out_size
    support = interp_size * 0.5 * scale if scale >= 1.0 else interp_size * 0.5
    invscale = 1.0 / scale if scale >= 1.0 else 1.0
    center = scale * (xp.arange(out_size) + 0.5)
    first = xp.maximum((center - support + 0.5).astype(xp.int64), 0)
    last = xp.minimum((center + support + 0.5).astype(xp.int64), in_size)   # exclusive
    columns = xp.arange(in_size)
    in_window = (columns >= first[:, None]) & (columns < last[:, None])
    weights = xp.where(in_window, kernel((columns - center[:, None] + 0.5) * invscale), 0.0)
    total = weights.sum(axis=1, keepdims=True)
    return weights / xp.where(total == 0, 1.0, total)


def grid_sample(x, grid_x, grid_y, mode, fill=None):
    """Sample image x (..., C, H, W) at the points (grid_x, grid_y), each (oh, ow), given in
    [-1, 1] coordinates (-1 and 1 are the outer edges of the border pixels, as
    align_corners=False). Points outside the image read zeros.

    With `fill` (one value, or one per channel) the part of the output that came from outside
    the image is blended towards fill, as torchvision does: a mask image of ones is sampled the
    same way, then nearest sets pixels whose mask < 0.5 to fill and bilinear computes
    out * mask + (1 - mask) * fill."""
    H, W = x.shape[-2:]
    pixels = x.reshape(x.shape[:-2] + (H * W,))   # gathers by flat index are the fast kind
    ix = ((grid_x + 1) * W - 1) / 2
    iy = ((grid_y + 1) * H - 1) / 2
    if mode == "nearest":
        cols, col_inside = _pixel_index(xp.rint(ix), W)
        rows, row_inside = _pixel_index(xp.rint(iy), H)
        mask = (col_inside & row_inside).astype(x.dtype)
        out = xp.take(pixels, rows * W + cols, axis=-1) * mask
    else:
        x0, y0 = xp.floor(ix), xp.floor(iy)
        x1, y1 = x0 + 1, y0 + 1
        cols = [_pixel_index(x0, W), _pixel_index(x1, W)]
        rows = [_pixel_index(y0, H), _pixel_index(y1, H)]
        col_weights, row_weights = [x1 - ix, ix - x0], [y1 - iy, iy - y0]
        out = xp.zeros(x.shape[:-2] + ix.shape, dtype=x.dtype)
        mask = xp.zeros(ix.shape, dtype=x.dtype)
        for r in (0, 1):        # the 4 neighbours, in PyTorch's order nw, ne, sw, se
            for c in (0, 1):
                (row, row_inside), (col, col_inside) = rows[r], cols[c]
                weight = col_weights[c] * row_weights[r] * (row_inside & col_inside)
                out += xp.take(pixels, row * W + col, axis=-1) * weight
                mask += weight
    if fill is None:
        return out
    fill = xp.asarray(fill, dtype=x.dtype).reshape(-1, 1, 1)
    if mode == "nearest":
        return xp.where(mask < 0.5, fill, out)
    return out * mask + (1.0 - mask) * fill


def _pixel_index(coordinate, size):
    """Integer pixel coordinates clipped into [0, size - 1], and whether they were inside."""
    inside = (coordinate >= 0) & (coordinate <= size - 1)
    return xp.clip(coordinate, 0, size - 1).astype(xp.int64), inside


def _dot3(x, y, a, b, c):
    """x * a + y * b + c in x's float type, rounded the way PyTorch's CPU matmul of
    (x, y, 1) by (a, b, c) rounds it: x * a, then y * b added in one fused multiply-add, then c.
    Grid points that fall exactly between two pixels (a shear of 0.12 puts whole rows there)
    then round to the same neighbour as in torchvision. The fused multiply-add is computed in
    float64, where the product of two float32 numbers is exact."""
    acc = x * a
    acc = (y.astype(xp.float64) * xp.float64(b) + acc).astype(x.dtype)
    return acc + c


def affine_grid(theta, w, h, ow, oh):
    """Sampling points of an (oh, ow) output for the inverse affine map theta (2, 3) given in
    pixel units about the image centre; the points are normalised by the input size (w, h), so
    an expanded output can reach beyond [-1, 1]. Returns (grid_x, grid_y), each (oh, ow)."""
    dtype = theta.dtype
    bx = linspace(-ow * 0.5 + 0.5, ow * 0.5 + 0.5 - 1, steps=ow).numpy().astype(dtype)
    by = linspace(-oh * 0.5 + 0.5, oh * 0.5 + 0.5 - 1, steps=oh).numpy().astype(dtype)[:, None]
    bx, by = xp.broadcast_arrays(bx, by)
    sx, sy = dtype.type(0.5 * w), dtype.type(0.5 * h)
    grid_x = _dot3(bx, by, theta[0, 0] / sx, theta[0, 1] / sx, theta[0, 2] / sx)
    grid_y = _dot3(bx, by, theta[1, 0] / sy, theta[1, 1] / sy, theta[1, 2] / sy)
    return grid_x, grid_y


def perspective_grid(coeffs, ow, oh, dtype):
    """Sampling points for Pillow's perspective map
        x_in = (c0 x + c1 y + c2) / (c6 x + c7 y + 1),  y_in = (c3 x + c4 y + c5) / (same)
    at the output pixel centres, normalised to [-1, 1]. Returns (grid_x, grid_y)."""
    c = xp.asarray(coeffs, dtype=dtype)
    bx = linspace(0.5, ow + 0.5 - 1.0, steps=ow).numpy().astype(dtype)
    by = linspace(0.5, oh + 0.5 - 1.0, steps=oh).numpy().astype(dtype)[:, None]
    bx, by = xp.broadcast_arrays(bx, by)
    sx, sy = c.dtype.type(0.5 * ow), c.dtype.type(0.5 * oh)
    denominator = _dot3(bx, by, c[6], c[7], c.dtype.type(1))
    grid_x = _dot3(bx, by, c[0] / sx, c[1] / sx, c[2] / sx) / denominator - 1
    grid_y = _dot3(bx, by, c[3] / sy, c[4] / sy, c[5] / sy) / denominator - 1
    return grid_x, grid_y
