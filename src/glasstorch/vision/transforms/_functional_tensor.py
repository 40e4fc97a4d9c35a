"""transforms.functional on image tensors (..., C, H, W): torchvision's tensor algorithms,
written as whole-array NumPy.

Integer images are computed in float32 and converted back as torchvision does (rounded after
resampling and blurring, truncated after blends), so results agree value for value.
Flips, crops, erase and normalize are glasstorch tensor ops and so keep autograd. The other
kernels work on the arrays: an input that requires grad is refused instead of silently
leaving the graph.
"""
from ... import as_tensor, from_numpy, is_grad_enabled, linspace
from ..._backend import xp, sliding_windows
from . import _sampling


# ---------------------------------------------------------------------------------------------
# arrays in, tensors out
# ---------------------------------------------------------------------------------------------
def _array(img, op):
    """The array behind image tensor `img`, for kernels that run outside autograd."""
    assert_image_tensor(img)
    if img.requires_grad and is_grad_enabled():
        raise RuntimeError(f"{op} on a tensor that requires grad: glasstorch computes it outside "
                           f"autograd; pass img.detach() (or run under torch.no_grad())")
    return img.detach().numpy()


def _tensor(array):
    return from_numpy(xp.ascontiguousarray(array))


def _as_float(x):
    """x itself if floating point, else x as float32 (what torchvision computes integers in)."""
    return x if x.dtype.kind == "f" else x.astype(xp.float32)


def _to_dtype(x, dtype):
    """Back to the input's dtype after resampling: integers are rounded first."""
    if dtype.kind in "iu" and x.dtype.kind == "f":
        x = xp.rint(x)
    return x.astype(dtype, copy=False)


def max_value(dtype):
    """Largest value of an image of this (NumPy) dtype: 255 for uint8 ..., 1 for floats."""
    return int(xp.iinfo(dtype).max) if dtype.kind in "iu" else 1


def assert_image_tensor(img):
    if img.ndim < 2:
        raise TypeError(f"Tensor is not a torch image: it has {img.ndim} dimension(s), an image "
                        f"needs (..., H, W)")


def get_dimensions(img):
    assert_image_tensor(img)
    channels = 1 if img.ndim == 2 else img.shape[-3]
    return [channels, img.shape[-2], img.shape[-1]]


def _assert_channels(img, permitted):
    channels = get_dimensions(img)[0]
    if channels not in permitted:
        raise TypeError(f"Input image tensor permitted channel values are {permitted}, but found "
                        f"{channels}")


def _assert_at_least_3d(img):
    if img.ndim < 3:
        raise TypeError(f"Input image tensor should have at least 3 dimensions, but found "
                        f"{img.ndim}")


# ---------------------------------------------------------------------------------------------
# dtype conversion
# ---------------------------------------------------------------------------------------------
def convert_image_dtype_array(x, dtype):
    """Convert array x to NumPy `dtype`, rescaling [0, 1] floats <-> [0, max] integers.

    float -> int multiplies by max + 1 - 0.001 and truncates, so [0, 1) spreads evenly over all
    integer levels (torchvision's choice); int -> int shifts by whole powers of two."""
    if x.dtype == dtype:
        return x
    if x.dtype.kind == "f":
        if dtype.kind == "f":
            return x.astype(dtype)
        if (x.dtype == xp.float32 and dtype in (xp.int32, xp.int64)) or \
                (x.dtype == xp.float64 and dtype == xp.int64):
            raise RuntimeError(f"The cast from torch.{x.dtype} to torch.{dtype} cannot be "
                               f"performed safely.")
        return (x * (float(max_value(dtype)) + 1.0 - 1e-3)).astype(dtype)
    input_max = float(max_value(x.dtype))
    if dtype.kind == "f":
        return x.astype(dtype) / dtype.type(input_max)
    output_max = float(max_value(dtype))
    if input_max > output_max:
        factor = int((input_max + 1) // (output_max + 1))
        return (x // factor).astype(dtype)
    factor = int((output_max + 1) // (input_max + 1))
    return x.astype(dtype) * dtype.type(factor)


def convert_image_dtype(img, dtype):
    if img.dtype == dtype:
        return img
    return _tensor(convert_image_dtype_array(_array(img, "convert_image_dtype"), dtype.np))


# ---------------------------------------------------------------------------------------------
# geometry that stays in autograd: flips, crops, erase, normalize
# ---------------------------------------------------------------------------------------------
def hflip(img):
    assert_image_tensor(img)
    return img.flip(-1)


def vflip(img):
    assert_image_tensor(img)
    return img.flip(-2)


def crop(img, top, left, height, width):
    """img[..., top:top + height, left:left + width]; parts outside the image are zeros."""
    _, h, w = get_dimensions(img)
    right, bottom = left + width, top + height
    if left < 0 or top < 0 or right > w or bottom > h:
        padding_ltrb = [max(-left + min(0, right), 0), max(-top + min(0, bottom), 0),
                        max(right - max(w, left), 0), max(bottom - max(h, top), 0)]
        inside = img[..., max(top, 0):bottom, max(left, 0):right]
        return pad(inside, padding_ltrb, fill=0)
    return img[..., top:bottom, left:right]


def erase(img, i, j, h, w, v, inplace=False):
    """img[..., i:i + h, j:j + w] = v (on a copy unless inplace)."""
    assert_image_tensor(img)
    if not inplace:
        img = img.clone()
    img[..., i:i + h, j:j + w] = v
    return img


def normalize(tensor, mean, std, inplace=False):
    """(tensor - mean[c]) / std[c] per channel c of a float (..., C, H, W) tensor."""
    assert_image_tensor(tensor)
    if not tensor.is_floating_point():
        raise TypeError(f"Input tensor should be a float tensor. Got {tensor.dtype}.")
    if tensor.ndim < 3:
        raise ValueError(f"Expected tensor to be a tensor image of size (..., C, H, W). Got "
                         f"tensor.size() = {tensor.size()}")
    if not inplace:
        tensor = tensor.clone()
    mean = as_tensor(mean, dtype=tensor.dtype)
    std = as_tensor(std, dtype=tensor.dtype)
    if (std == 0).any():
        raise ValueError(f"std evaluated to zero after conversion to {tensor.dtype}, leading to "
                         f"division by zero.")
    if mean.ndim == 1:
        mean = mean.view(-1, 1, 1)
    if std.ndim == 1:
        std = std.view(-1, 1, 1)
    return tensor.sub_(mean).div_(std)


# ---------------------------------------------------------------------------------------------
# padding
# ---------------------------------------------------------------------------------------------
def parse_padding(padding):
    """int, [all], [left/right, top/bottom] or [left, top, right, bottom] -> [l, r, t, b]."""
    if isinstance(padding, int):
        return [padding] * 4
    if len(padding) == 1:
        return [padding[0]] * 4
    if len(padding) == 2:
        return [padding[0], padding[0], padding[1], padding[1]]
    return [padding[0], padding[2], padding[1], padding[3]]


def pad(img, padding, fill=0, padding_mode="constant"):
    """Pad the last two dims; negative padding crops. Modes: constant (fill), edge (repeat the
    border pixel), reflect (mirror without the border: 3 2 | 1 2 3), symmetric (with it:
    2 1 | 1 2 3)."""
    assert_image_tensor(img)
    if fill is None:
        fill = 0
    if not isinstance(padding, (int, tuple, list)):
        raise TypeError("Got inappropriate padding arg")
    if not isinstance(fill, (int, float)):
        raise TypeError(f"Got inappropriate fill arg: tensor images take a single number, got "
                        f"{fill!r}")
    if not isinstance(padding_mode, str):
        raise TypeError("Got inappropriate padding_mode arg")
    if isinstance(padding, (tuple, list)) and len(padding) not in (1, 2, 4):
        raise ValueError(f"Padding must be an int or a 1, 2, or 4 element tuple, not a "
                         f"{len(padding)} element tuple")
    if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
    left, right, top, bottom = parse_padding(padding)
    x = _array(img, "pad")
    H, W = x.shape[-2:]
    x = x[..., max(-top, 0):H - max(-bottom, 0), max(-left, 0):W - max(-right, 0)]
    left, right, top, bottom = (max(p, 0) for p in (left, right, top, bottom))
    _check_mirror_padding(padding_mode, x.shape, (left, right, top, bottom))
    widths = [(0, 0)] * (x.ndim - 2) + [(top, bottom), (left, right)]
    if padding_mode == "constant":
        # PyTorch converts the fill to the image dtype (truncating floats for integer images)
        out = xp.pad(x, widths, mode="constant", constant_values=xp.asarray(fill).astype(x.dtype))
    else:
        out = xp.pad(x, widths, mode=padding_mode)
    return _tensor(out)


def _check_mirror_padding(mode, shape, ltrb_as_lrtb):
    """reflect needs padding < size and symmetric padding <= size (a single mirror image);
    NumPy would instead repeat the reflection, which torchvision does not do."""
    left, right, top, bottom = ltrb_as_lrtb
    H, W = shape[-2:]
    if mode == "reflect" and (max(left, right) >= W or max(top, bottom) >= H):
        raise RuntimeError(f"Padding size should be less than the corresponding input dimension, "
                           f"but got: padding ({left}, {right}, {top}, {bottom}) for an image of "
                           f"height {H} and width {W}")
    if mode == "symmetric" and (max(left, right) > W or max(top, bottom) > H):
        raise IndexError(f"symmetric padding ({left}, {right}, {top}, {bottom}) is larger than "
                         f"the image (height {H}, width {W})")


# ---------------------------------------------------------------------------------------------
# resampling
# ---------------------------------------------------------------------------------------------
def resize(img, size, interpolation="bilinear", antialias=True):
    """Resample (..., H, W) to size = [out_h, out_w]: 'nearest' and 'nearest-exact' pick
    pixels, 'bilinear' and 'bicubic' are two weight-matrix products (see _sampling)."""
    x = _array(img, "resize")
    if interpolation not in ("nearest", "nearest-exact", "bilinear", "bicubic"):
        raise ValueError(f"Interpolation mode '{interpolation}' is unsupported with Tensor input")
    out_h, out_w = size
    H, W = x.shape[-2:]
    if interpolation in ("nearest", "nearest-exact"):
        exact = interpolation == "nearest-exact"
        rows = _sampling.nearest_indices(H, out_h, exact)
        cols = _sampling.nearest_indices(W, out_w, exact)
        return _tensor(x.take(rows, axis=-2).take(cols, axis=-1))
    xf = x if x.dtype in (xp.float32, xp.float64) else x.astype(xp.float32)
    antialias = bool(antialias)
    rows = _sampling.resize_weights(H, out_h, interpolation, antialias, xf.dtype.name)
    cols = _sampling.resize_weights(W, out_w, interpolation, antialias, xf.dtype.name)
    out = rows @ xf                                            # (..., out_h, W)
    out = (out.reshape(-1, W) @ xp.ascontiguousarray(cols.T))  # one BLAS call for all rows
    out = out.reshape(x.shape[:-2] + (out_h, out_w))
    if interpolation == "bicubic" and x.dtype == xp.uint8:
        out = xp.clip(out, 0, 255)
    return _tensor(_to_dtype(out, x.dtype))


def _check_grid_inputs(img, interpolation, fill):
    if interpolation not in ("nearest", "bilinear"):
        raise ValueError(f"Interpolation mode '{interpolation}' is unsupported with Tensor input")
    channels = get_dimensions(img)[0]
    if isinstance(fill, (tuple, list)) and len(fill) > 1 and len(fill) != channels:
        raise ValueError(f"The number of elements in 'fill' cannot broadcast to match the number "
                         f"of channels of the image ({len(fill)} != {channels})")


def _grid_transform(x, grid, interpolation, fill):
    """Sample x at grid (in float32, or float64 for float64 images) and convert back."""
    xf = _as_float(x) if x.dtype != xp.float16 else x.astype(xp.float32)
    out = _sampling.grid_sample(xf, grid[0], grid[1], interpolation, fill)
    return _to_dtype(out, x.dtype)


def _theta(matrix, x):
    return xp.asarray(matrix, dtype=xp.float64 if x.dtype == xp.float64 else xp.float32)\
        .reshape(2, 3)


def affine(img, matrix, interpolation="nearest", fill=None):
    """Warp by the inverse affine `matrix` (6 numbers, pixel units about the image centre)."""
    _check_grid_inputs(img, interpolation, fill)
    x = _array(img, "affine")
    H, W = x.shape[-2:]
    grid = _sampling.affine_grid(_theta(matrix, x), W, H, W, H)
    return _tensor(_grid_transform(x, grid, interpolation, fill))


def rotate(img, matrix, interpolation="nearest", expand=False, fill=None):
    """affine with an output large enough for the whole rotated image when expand=True."""
    _check_grid_inputs(img, interpolation, fill)
    x = _array(img, "rotate")
    H, W = x.shape[-2:]
    out_w, out_h = compute_affine_output_size(matrix, W, H) if expand else (W, H)
    grid = _sampling.affine_grid(_theta(matrix, x), W, H, out_w, out_h)
    return _tensor(_grid_transform(x, grid, interpolation, fill))


def compute_affine_output_size(matrix, w, h):
    """(width, height) of the box holding the image's corners mapped by `matrix`, rounded
    outwards after truncating to 1e-4 (so 1e-15 of rounding noise does not add a pixel)."""
    corners = xp.array([[-0.5 * w, -0.5 * h, 1.0], [-0.5 * w, 0.5 * h, 1.0],
                        [0.5 * w, 0.5 * h, 1.0], [0.5 * w, -0.5 * h, 1.0]], dtype=xp.float32)
    theta = xp.asarray(matrix, dtype=xp.float32).reshape(2, 3)
    points = corners @ theta.T
    shift = xp.array([w * 0.5, h * 0.5], dtype=xp.float32)
    low, high = points.min(axis=0) + shift, points.max(axis=0) + shift
    tol = xp.float32(1e-4)
    size = xp.ceil(xp.trunc(high / tol) * tol) - xp.floor(xp.trunc(low / tol) * tol)
    return int(size[0]), int(size[1])


def perspective(img, coeffs, interpolation="bilinear", fill=None):
    _check_grid_inputs(img, interpolation, fill)
    if len(coeffs) != 8:
        raise ValueError("Argument coeffs should have 8 float values")
    x = _array(img, "perspective")
    H, W = x.shape[-2:]
    dtype = xp.float64 if x.dtype == xp.float64 else xp.float32
    grid = _sampling.perspective_grid(coeffs, W, H, dtype)
    return _tensor(_grid_transform(x, grid, interpolation, fill))


def elastic_transform(img, displacement, interpolation="bilinear", fill=None):
    """Sample at the identity grid plus `displacement` (1, H, W, 2), in [-1, 1] units."""
    _check_grid_inputs(img, interpolation, fill)
    x = _array(img, "elastic_transform")
    H, W = x.shape[-2:]
    ys = linspace((-H + 1) / H, (H - 1) / H, H).numpy()
    xs = linspace((-W + 1) / W, (W - 1) / W, W).numpy()
    d = displacement.detach().numpy()[0]
    grid = (xs[None, :] + d[..., 0], ys[:, None] + d[..., 1])
    return _tensor(_grid_transform(x, grid, interpolation, fill))


# ---------------------------------------------------------------------------------------------
# colour
# ---------------------------------------------------------------------------------------------
def _blend(x1, x2, ratio):
    """ratio * x1 + (1 - ratio) * x2, clamped to the dtype's range and truncated to x1's dtype."""
    ratio = float(ratio)
    mixed = ratio * _as_float(x1) + (1.0 - ratio) * _as_float(x2)
    return xp.clip(mixed, 0, max_value(x1.dtype)).astype(x1.dtype)


def _grayscale(x):
    """0.2989 R + 0.587 G + 0.114 B (ITU-R 601 luma), keeping a channel dim of 1."""
    if x.shape[-3] == 1:
        return x.copy()
    xf = _as_float(x)
    r, g, b = xf[..., 0, :, :], xf[..., 1, :, :], xf[..., 2, :, :]
    return (0.2989 * r + 0.587 * g + 0.114 * b).astype(x.dtype)[..., None, :, :]


def rgb_to_grayscale(img, num_output_channels=1):
    _assert_at_least_3d(img)
    _assert_channels(img, [1, 3])
    if num_output_channels not in (1, 3):
        raise ValueError("num_output_channels should be either 1 or 3")
    x = _array(img, "rgb_to_grayscale")
    gray = _grayscale(x)
    if num_output_channels == 3:   # to the input's shape: a 1-channel input stays 1-channel
        gray = xp.broadcast_to(gray, x.shape)
    return _tensor(gray)


def adjust_brightness(img, brightness_factor):
    if brightness_factor < 0:
        raise ValueError(f"brightness_factor ({brightness_factor}) is not non-negative.")
    _assert_channels(img, [1, 3])
    x = _array(img, "adjust_brightness")
    return _tensor(_blend(x, xp.zeros_like(x), brightness_factor))


def adjust_contrast(img, contrast_factor):
    """Blend with the mean grey level of the whole image."""
    if contrast_factor < 0:
        raise ValueError(f"contrast_factor ({contrast_factor}) is not non-negative.")
    _assert_channels(img, [1, 3])
    x = _array(img, "adjust_contrast")
    dtype = x.dtype if x.dtype.kind == "f" else xp.dtype(xp.float32)
    gray = _grayscale(x) if x.ndim >= 3 else x[None]
    mean = gray.astype(xp.float64).mean(axis=(-3, -2, -1), keepdims=True).astype(dtype)
    return _tensor(_blend(x, mean, contrast_factor))


def adjust_saturation(img, saturation_factor):
    """Blend with the image's own grayscale version."""
    if saturation_factor < 0:
        raise ValueError(f"saturation_factor ({saturation_factor}) is not non-negative.")
    _assert_channels(img, [1, 3])
    if get_dimensions(img)[0] == 1:  # as PIL: nothing to desaturate
        return img
    x = _array(img, "adjust_saturation")
    return _tensor(_blend(x, _grayscale(x), saturation_factor))


def adjust_hue(img, hue_factor):
    """Rotate the hue: RGB -> HSV, h = (h + hue_factor) mod 1, back to RGB."""
    if not -0.5 <= hue_factor <= 0.5:
        raise ValueError(f"hue_factor ({hue_factor}) is not in [-0.5, 0.5].")
    _assert_channels(img, [1, 3])
    if get_dimensions(img)[0] == 1:  # as PIL: grey has no hue
        return img
    x = _array(img, "adjust_hue")
    hsv = _rgb2hsv(convert_image_dtype_array(x, xp.dtype(xp.float32)))
    hsv[..., 0, :, :] = (hsv[..., 0, :, :] + xp.float32(hue_factor)) % xp.float32(1.0)
    return _tensor(convert_image_dtype_array(_hsv2rgb(hsv), x.dtype))


def _rgb2hsv(x):
    """RGB in [0, 1] -> HSV in [0, 1] (Pillow's formulas); grey pixels get h = s = 0."""
    r, g, b = x[..., 0, :, :], x[..., 1, :, :], x[..., 2, :, :]
    maxc, minc = x.max(axis=-3), x.min(axis=-3)
    grey = maxc == minc
    chroma = maxc - minc
    ones = xp.ones_like(maxc)
    s = chroma / xp.where(grey, ones, maxc)
    divisor = xp.where(grey, ones, chroma)
    rc, gc, bc = (maxc - r) / divisor, (maxc - g) / divisor, (maxc - b) / divisor
    hr = (maxc == r) * (bc - gc)
    hg = ((maxc == g) & (maxc != r)) * (2.0 + rc - bc)
    hb = ((maxc != g) & (maxc != r)) * (4.0 + gc - rc)
    h = xp.fmod((hr + hg + hb) / 6.0 + 1.0, 1.0)
    return xp.stack((h, s, maxc), axis=-3)


def _hsv2rgb(x):
    """HSV -> RGB: the hue's sextant i picks which of v, p, q, t each channel takes."""
    h, s, v = x[..., 0, :, :], x[..., 1, :, :], x[..., 2, :, :]
    i = xp.floor(h * 6.0)
    f = h * 6.0 - i
    i = i.astype(xp.int32) % 6
    p = xp.clip(v * (1.0 - s), 0.0, 1.0)
    q = xp.clip(v * (1.0 - s * f), 0.0, 1.0)
    t = xp.clip(v * (1.0 - s * (1.0 - f)), 0.0, 1.0)
    r = xp.choose(i, (v, q, p, p, t, v))
    g = xp.choose(i, (t, v, v, q, p, p))
    b = xp.choose(i, (p, p, t, v, v, q))
    return xp.stack((r, g, b), axis=-3)


def adjust_gamma(img, gamma, gain=1):
    """gain * x ** gamma on [0, 1] values, clamped."""
    _assert_channels(img, [1, 3])
    if gamma < 0:
        raise ValueError("Gamma should be a non-negative real number")
    x = _array(img, "adjust_gamma")
    xf = x if x.dtype.kind == "f" else convert_image_dtype_array(x, xp.dtype(xp.float32))
    out = xp.clip(gain * xf ** xf.dtype.type(gamma), 0, 1).astype(xf.dtype)
    return _tensor(convert_image_dtype_array(out, x.dtype))


def invert(img):
    _assert_at_least_3d(img)
    _assert_channels(img, [1, 3])
    x = _array(img, "invert")
    return _tensor(x.dtype.type(max_value(x.dtype)) - x)


def posterize(img, bits):
    """Keep the top `bits` bits of every uint8 value."""
    _assert_at_least_3d(img)
    if img.dtype.name != "uint8":
        raise TypeError(f"Only torch.uint8 image tensors are supported, but found {img.dtype}")
    _assert_channels(img, [1, 3])
    mask = xp.uint8(~(2 ** (8 - bits) - 1) & 0xFF)
    return _tensor(_array(img, "posterize") & mask)


def solarize(img, threshold):
    """Invert every value >= threshold."""
    _assert_at_least_3d(img)
    _assert_channels(img, [1, 3])
    x = _array(img, "solarize")
    if threshold > max_value(x.dtype):
        raise TypeError("Threshold should be less than bound of img.")
    inverted = x.dtype.type(max_value(x.dtype)) - x
    return _tensor(xp.where(x >= threshold, inverted, x))


def adjust_sharpness(img, sharpness_factor):
    """Blend with a smoothed copy (3x3 kernel [[1,1,1],[1,5,1],[1,1,1]] / 13 on the interior;
    the border pixels stay): factor 0 blurs, 1 is the identity, 2 sharpens."""
    if sharpness_factor < 0:
        raise ValueError(f"sharpness_factor ({sharpness_factor}) is not non-negative.")
    _assert_channels(img, [1, 3])
    if img.shape[-1] <= 2 or img.shape[-2] <= 2:
        return img
    x = _array(img, "adjust_sharpness")
    xf = _as_float(x)
    H, W = x.shape[-2:]
    neighbours = sum(xf[..., dy:H - 2 + dy, dx:W - 2 + dx]
                     for dy in range(3) for dx in range(3) if (dy, dx) != (1, 1))
    smooth = (neighbours + 5 * xf[..., 1:-1, 1:-1]) * xf.dtype.type(1 / 13)
    blurred = x.copy()
    blurred[..., 1:-1, 1:-1] = _to_dtype(smooth, x.dtype)
    return _tensor(_blend(x, blurred, sharpness_factor))


def autocontrast(img):
    """Stretch each channel so its darkest value maps to 0 and its brightest to the maximum."""
    _assert_at_least_3d(img)
    _assert_channels(img, [1, 3])
    x = _array(img, "autocontrast")
    bound = max_value(x.dtype)
    dtype = x.dtype if x.dtype.kind == "f" else xp.dtype(xp.float32)
    low = x.min(axis=(-2, -1), keepdims=True).astype(dtype)
    high = x.max(axis=(-2, -1), keepdims=True).astype(dtype)
    # torchvision writes bound / (high - low), which PyTorch evaluates as a reciprocal times
    # bound (two roundings); the truncation to uint8 below can tell the difference
    scale = xp.reciprocal(high - low) * dtype.type(bound)
    flat = ~xp.isfinite(scale)   # a constant channel is left as it is
    low = xp.where(flat, 0, low).astype(dtype)
    scale = xp.where(flat, 1, scale).astype(dtype)
    return _tensor(xp.clip((x - low) * scale, 0, bound).astype(x.dtype))


def equalize(img):
    """Histogram equalisation of every uint8 channel: value v maps to the channel's cumulative
    histogram below v, scaled by step = (pixels outside the top occupied level) // 255
    (Pillow's algorithm); a channel with step 0 is left as it is."""
    if not 3 <= img.ndim <= 4:
        raise TypeError(f"Input image tensor should have 3 or 4 dimensions, but found {img.ndim}")
    if img.dtype.name != "uint8":
        raise TypeError(f"Only torch.uint8 image tensors are supported, but found {img.dtype}")
    _assert_channels(img, [1, 3])
    x = _array(img, "equalize")
    channels = x.reshape(-1, x.shape[-2] * x.shape[-1]).astype(xp.int64)
    K = channels.shape[0]
    hist = xp.bincount((channels + 256 * xp.arange(K)[:, None]).ravel(), minlength=256 * K)
    hist = hist.reshape(K, 256)
    top_level = 255 - xp.argmax(hist[:, ::-1] != 0, axis=1)
    step = (hist.sum(axis=1) - hist[xp.arange(K), top_level]) // 255
    safe_step = xp.maximum(step, 1)[:, None]
    lut = (xp.cumsum(hist, axis=1) + safe_step // 2) // safe_step
    lut = xp.clip(xp.concatenate([xp.zeros((K, 1), dtype=lut.dtype), lut[:, :-1]], axis=1),
                  0, 255)
    mapped = xp.take_along_axis(lut, channels, axis=1)
    out = xp.where(step[:, None] == 0, channels, mapped).astype(xp.uint8)
    return _tensor(out.reshape(x.shape))


# ---------------------------------------------------------------------------------------------
# blur
# ---------------------------------------------------------------------------------------------
def gaussian_kernel1d(kernel_size, sigma, dtype):
    """exp(-x^2 / (2 sigma^2)) at x = -(k-1)/2 ... (k-1)/2, normalised to sum 1."""
    half = (kernel_size - 1) * 0.5
    x = linspace(-half, half, steps=kernel_size).numpy().astype(dtype)
    pdf = xp.exp(-0.5 * (x / dtype.type(sigma)) ** 2)
    return pdf / pdf.sum()


def gaussian_blur(img, kernel_size, sigma):
    """Separable Gaussian blur with reflect padding (output the size of the input):
    kernel_size = [kx, ky] (odd), sigma = [sx, sy]."""
    x = _array(img, "gaussian_blur")
    xf = _as_float(x) if x.dtype != xp.float16 else x.astype(xp.float32)
    kx = gaussian_kernel1d(kernel_size[0], sigma[0], xf.dtype)
    ky = gaussian_kernel1d(kernel_size[1], sigma[1], xf.dtype)
    rx, ry = kernel_size[0] // 2, kernel_size[1] // 2
    _check_mirror_padding("reflect", xf.shape, (rx, rx, ry, ry))
    widths = [(0, 0)] * (xf.ndim - 2) + [(ry, ry), (rx, rx)]
    padded = xp.pad(xf, widths, mode="reflect")
    rows_blurred = sliding_windows(padded, kernel_size[0], axis=-1) @ kx
    out = sliding_windows(rows_blurred, kernel_size[1], axis=-2) @ ky
    return _tensor(_to_dtype(out, x.dtype))
