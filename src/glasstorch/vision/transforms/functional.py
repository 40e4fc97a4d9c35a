"""torchvision.transforms.functional: each op takes a PIL image or an image tensor
(..., C, H, W) and returns the same kind.

This file holds the argument handling and the conversions; the work is done in
`_functional_pil` (Pillow) and `_functional_tensor` (NumPy), chosen by the input's type.
"""
import math
import numbers
import sys
import warnings
from enum import Enum

from ... import from_numpy, get_default_dtype, float32
from ..._backend import xp
from ..._tensor import Tensor
from .._pil import image_from_array, is_pil_image
from . import _functional_pil as F_pil, _functional_tensor as F_t


class InterpolationMode(Enum):
    """Interpolation methods. Tensors take nearest, nearest-exact, bilinear and bicubic; PIL
    images all of them."""
    NEAREST = "nearest"
    NEAREST_EXACT = "nearest-exact"
    BILINEAR = "bilinear"
    BICUBIC = "bicubic"
    BOX = "box"
    HAMMING = "hamming"
    LANCZOS = "lanczos"


# Pillow's resampling filter numbers (PIL.Image.Resampling), accepted in place of the enum
_MODE_FROM_PIL = {0: InterpolationMode.NEAREST, 2: InterpolationMode.BILINEAR,
                  3: InterpolationMode.BICUBIC, 4: InterpolationMode.BOX,
                  5: InterpolationMode.HAMMING, 1: InterpolationMode.LANCZOS}
pil_modes_mapping = {InterpolationMode.NEAREST: 0, InterpolationMode.BILINEAR: 2,
                     InterpolationMode.BICUBIC: 3, InterpolationMode.NEAREST_EXACT: 0,
                     InterpolationMode.BOX: 4, InterpolationMode.HAMMING: 5,
                     InterpolationMode.LANCZOS: 1}


def _interpolation_modes_from_int(i):
    return _MODE_FROM_PIL[i]


def _interpolation(interpolation):
    if isinstance(interpolation, int):
        return _interpolation_modes_from_int(interpolation)
    if not isinstance(interpolation, InterpolationMode):
        raise TypeError("Argument interpolation should be a InterpolationMode or a corresponding "
                        "Pillow integer constant")
    return interpolation


def _is_tensor(img):
    return isinstance(img, Tensor)


# ---------------------------------------------------------------------------------------------
# sizes
# ---------------------------------------------------------------------------------------------
def get_dimensions(img):
    """[channels, height, width] of a PIL image or an image tensor."""
    if _is_tensor(img):
        return F_t.get_dimensions(img)
    return F_pil.get_dimensions(img)


def get_image_size(img):
    """[width, height]."""
    _, height, width = get_dimensions(img)
    return [width, height]


def get_image_num_channels(img):
    return get_dimensions(img)[0]


# ---------------------------------------------------------------------------------------------
# conversions
# ---------------------------------------------------------------------------------------------
# PIL modes whose pixels are not uint8, and the NumPy type that holds them
_PIL_MODE_DTYPES = {"I": xp.int32, "I;16" if sys.byteorder == "little" else "I;16B": xp.int16,
                    "F": xp.float32}


def to_tensor(pic):
    """PIL image or ndarray (H, W[, C]) -> tensor (C, H, W). uint8 data becomes the default
    float dtype scaled to [0, 1] (mode '1' gives 0 or 1); other dtypes keep their values."""
    if not (is_pil_image(pic) or isinstance(pic, xp.ndarray)):
        raise TypeError(f"pic should be PIL Image or ndarray. Got {type(pic)}")
    if isinstance(pic, xp.ndarray):
        if pic.ndim not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
        if pic.ndim == 2:
            pic = pic[:, :, None]
        chw = xp.ascontiguousarray(pic.transpose(2, 0, 1))
    else:
        pixels = xp.array(pic, _PIL_MODE_DTYPES.get(pic.mode, xp.uint8), copy=True)
        if pic.mode == "1":
            pixels = 255 * pixels
        width, height = pic.size
        chw = pixels.reshape(height, width, len(pic.getbands())).transpose(2, 0, 1)
    if chw.dtype == xp.uint8:
        return from_numpy(chw.astype(get_default_dtype().np) / 255)
    return _from_image_array(xp.ascontiguousarray(chw), pic)


def _from_image_array(array, pic):
    """Tensor of an image's pixels; a clear TypeError when glasstorch has no matching dtype
    (16-bit unsigned PIL modes)."""
    try:
        return from_numpy(array)
    except TypeError:
        mode = getattr(pic, "mode", None)
        what = f"PIL image mode {mode!r}" if mode else f"array of dtype {array.dtype}"
        raise TypeError(f"{what} holds {array.dtype} pixels, which glasstorch cannot store (no "
                        f"uint16 dtype); convert the image to mode 'I' or 'F' first") from None


def pil_to_tensor(pic):
    """PIL image -> tensor (C, H, W) of its pixel type, values unchanged."""
    if not is_pil_image(pic):
        raise TypeError(f"pic should be PIL Image. Got {type(pic)}")
    width, height = pic.size
    pixels = xp.array(pic, copy=True).reshape(height, width, len(pic.getbands()))
    return _from_image_array(xp.ascontiguousarray(pixels.transpose(2, 0, 1)), pic)


def convert_image_dtype(image, dtype=float32):
    """Convert an image tensor to `dtype`, rescaling between [0, 1] floats and [0, max] ints."""
    if not _is_tensor(image):
        raise TypeError("Input img should be Tensor Image")
    return F_t.convert_image_dtype(image, dtype)


def to_pil_image(pic, mode=None):
    """Tensor (C, H, W) or ndarray (H, W, C) -> PIL image. Floats are scaled by 255 to uint8
    unless mode='F'; the mode follows the channel count and dtype when not given."""
    if _is_tensor(pic):
        pic = pic.detach().numpy()
        if pic.ndim == 3:
            pic = pic.transpose(1, 2, 0)
    elif not isinstance(pic, xp.ndarray):
        raise TypeError(f"pic should be Tensor or ndarray. Got {type(pic)}.")
    if pic.ndim == 2:
        pic = pic[:, :, None]
    if pic.ndim != 3:
        raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
    if pic.shape[-1] > 4:
        raise ValueError(f"pic should not have > 4 channels. Got {pic.shape[-1]} channels.")
    npimg = pic
    if npimg.dtype.kind == "f" and mode != "F":
        npimg = (npimg * 255).astype(xp.uint8)
    channels = npimg.shape[2]
    if channels == 1:
        npimg = npimg[:, :, 0]
        expected = {xp.dtype(xp.uint8): "L", xp.dtype(xp.int32): "I",
                    xp.dtype(xp.float32): "F",
                    xp.dtype(xp.int16): "I;16" if sys.byteorder == "little" else "I;16B"}
        expected_mode = expected.get(npimg.dtype)
        if mode is not None and mode != expected_mode:
            raise ValueError(f"Incorrect mode ({mode}) supplied for input type {npimg.dtype}. "
                             f"Should be {expected_mode}")
        mode = expected_mode
    else:
        permitted = {2: ["LA"], 3: ["RGB", "YCbCr", "HSV"], 4: ["RGBA", "CMYK", "RGBX"]}
        if mode is not None and mode not in permitted[channels]:
            raise ValueError(f"Only modes {permitted[channels]} are supported for {channels}D "
                             f"inputs, got mode {mode!r}")
        if mode is None and npimg.dtype == xp.uint8:
            mode = permitted[channels][0]
    if mode is None:
        raise TypeError(f"Input type {npimg.dtype} is not supported")
    return image_from_array(xp.ascontiguousarray(npimg), mode)


def normalize(tensor, mean, std, inplace=False):
    """(tensor - mean[c]) / std[c] for every channel c of a float tensor image."""
    if not _is_tensor(tensor):
        raise TypeError(f"img should be Tensor Image. Got {type(tensor)}")
    return F_t.normalize(tensor, mean=mean, std=std, inplace=inplace)


# ---------------------------------------------------------------------------------------------
# geometry
# ---------------------------------------------------------------------------------------------
def _compute_resized_output_size(image_size, size, max_size=None):
    """[height, width] after resizing: size [s] sets the shorter edge (keeping the aspect ratio,
    capped so the longer edge is at most max_size); size [h, w] is taken as it is."""
    h, w = image_size
    short, long = (w, h) if w <= h else (h, w)
    if len(size) == 1:
        new_short, new_long = size[0], int(size[0] * long / short)
        if max_size is not None:
            if max_size <= size[0]:
                raise ValueError(f"max_size = {max_size} must be strictly greater than the "
                                 f"requested size for the smaller edge size = {size}")
            if new_long > max_size:
                new_short, new_long = int(max_size * new_short / new_long), max_size
        new_w, new_h = (new_short, new_long) if w <= h else (new_long, new_short)
    else:
        new_w, new_h = size[1], size[0]
    return [new_h, new_w]


def resize(img, size, interpolation=InterpolationMode.BILINEAR, max_size=None, antialias=True):
    """Resize to size (h, w), or make the shorter edge `size` (int or [int]). PIL images always
    antialias when downscaling; tensors do with antialias=True (bilinear and bicubic)."""
    interpolation = _interpolation(interpolation)
    if isinstance(size, (list, tuple)):
        if len(size) not in (1, 2):
            raise ValueError(f"Size must be an int or a 1 or 2 element tuple/list, not a "
                             f"{len(size)} element tuple/list")
        if max_size is not None and len(size) != 1:
            raise ValueError("max_size should only be passed if size specifies the length of the "
                             "smaller edge, i.e. size should be an int or a sequence of length 1 "
                             "in torchscript mode.")
    _, height, width = get_dimensions(img)
    if isinstance(size, int):
        size = [size]
    output_size = _compute_resized_output_size((height, width), size, max_size)
    if [height, width] == output_size:
        return img
    if not _is_tensor(img):
        if antialias is False:
            warnings.warn("Anti-alias option is always applied for PIL Image input. Argument "
                          "antialias is ignored.")
        return F_pil.resize(img, size=output_size,
                            interpolation=pil_modes_mapping[interpolation])
    return F_t.resize(img, size=output_size, interpolation=interpolation.value,
                      antialias=antialias)


def pad(img, padding, fill=0, padding_mode="constant"):
    """Pad every border: padding int, (left/right, top/bottom) or (left, top, right, bottom)."""
    if not _is_tensor(img):
        return F_pil.pad(img, padding=padding, fill=fill, padding_mode=padding_mode)
    return F_t.pad(img, padding=padding, fill=fill, padding_mode=padding_mode)


def crop(img, top, left, height, width):
    """The height x width box at (top, left); outside the image is padded with 0."""
    if not _is_tensor(img):
        return F_pil.crop(img, top, left, height, width)
    return F_t.crop(img, top, left, height, width)


def _pair(size):
    if isinstance(size, numbers.Number):
        return (int(size), int(size))
    if isinstance(size, (tuple, list)) and len(size) == 1:
        return (size[0], size[0])
    return size


def center_crop(img, output_size):
    """The central crop of output_size (h, w) or int; a smaller image is zero-padded first."""
    crop_height, crop_width = _pair(output_size)
    _, image_height, image_width = get_dimensions(img)
    if crop_width > image_width or crop_height > image_height:
        padding_ltrb = [
            (crop_width - image_width) // 2 if crop_width > image_width else 0,
            (crop_height - image_height) // 2 if crop_height > image_height else 0,
            (crop_width - image_width + 1) // 2 if crop_width > image_width else 0,
            (crop_height - image_height + 1) // 2 if crop_height > image_height else 0,
        ]
        img = pad(img, padding_ltrb, fill=0)
        _, image_height, image_width = get_dimensions(img)
        if crop_width == image_width and crop_height == image_height:
            return img
    crop_top = int(round((image_height - crop_height) / 2.0))
    crop_left = int(round((image_width - crop_width) / 2.0))
    return crop(img, crop_top, crop_left, crop_height, crop_width)


def resized_crop(img, top, left, height, width, size,
                 interpolation=InterpolationMode.BILINEAR, antialias=True):
    """crop, then resize to `size`."""
    img = crop(img, top, left, height, width)
    return resize(img, size, interpolation, antialias=antialias)


def hflip(img):
    """Mirror left-right."""
    if not _is_tensor(img):
        return F_pil.hflip(img)
    return F_t.hflip(img)


def vflip(img):
    """Mirror top-bottom."""
    if not _is_tensor(img):
        return F_pil.vflip(img)
    return F_t.vflip(img)


def five_crop(img, size):
    """(top-left, top-right, bottom-left, bottom-right, centre) crops of `size`."""
    size = _pair(size)
    if len(size) != 2:
        raise ValueError("Please provide only two dimensions (h, w) for size.")
    _, image_height, image_width = get_dimensions(img)
    crop_height, crop_width = size
    if crop_width > image_width or crop_height > image_height:
        raise ValueError(f"Requested crop size {size} is bigger than input size "
                         f"{(image_height, image_width)}")
    tl = crop(img, 0, 0, crop_height, crop_width)
    tr = crop(img, 0, image_width - crop_width, crop_height, crop_width)
    bl = crop(img, image_height - crop_height, 0, crop_height, crop_width)
    br = crop(img, image_height - crop_height, image_width - crop_width, crop_height, crop_width)
    return tl, tr, bl, br, center_crop(img, [crop_height, crop_width])


def ten_crop(img, size, vertical_flip=False):
    """five_crop of the image, then five_crop of its (horizontal or vertical) mirror image."""
    size = _pair(size)
    if len(size) != 2:
        raise ValueError("Please provide only two dimensions (h, w) for size.")
    flipped = vflip(img) if vertical_flip else hflip(img)
    return five_crop(img, size) + five_crop(flipped, size)


def _get_perspective_coeffs(startpoints, endpoints):
    """The 8 coefficients (a..h) of the map (x, y) -> ((ax + by + c) / (gx + hy + 1),
    (dx + ey + f) / (gx + hy + 1)) taking each endpoint to its startpoint: a least-squares
    solve of the 8 x 8 linear system in float64, rounded to float32."""
    if len(startpoints) != 4 or len(endpoints) != 4:
        raise ValueError(f"Please provide exactly four corners, got {len(startpoints)} "
                         f"startpoints and {len(endpoints)} endpoints.")
    rows = []
    for (x, y), (u, v) in zip(endpoints, startpoints):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
    a = xp.array(rows, dtype=xp.float64)
    b = xp.array(startpoints, dtype=xp.float64).reshape(8)
    solution = xp.linalg.lstsq(a, b, rcond=None)[0]
    return solution.astype(xp.float32).tolist()


def perspective(img, startpoints, endpoints, interpolation=InterpolationMode.BILINEAR,
                fill=None):
    """Warp so the four `startpoints` corners land on `endpoints`."""
    coeffs = _get_perspective_coeffs(startpoints, endpoints)
    interpolation = _interpolation(interpolation)
    if not _is_tensor(img):
        return F_pil.perspective(img, coeffs, interpolation=pil_modes_mapping[interpolation],
                                 fill=fill)
    return F_t.perspective(img, coeffs, interpolation=interpolation.value, fill=fill)


def _get_inverse_affine_matrix(center, angle, translate, scale, shear, inverted=True):
    """The 2 x 3 matrix of M = T * C * RotateScaleShear * C^-1 (or its inverse, which Pillow and
    grid sampling want: it maps output pixels back to input pixels).

    RotateScaleShear(a, s, (sx, sy)) = R(a) S(s) SHy(sy) SHx(sx), angles in degrees;
    C moves the centre to the origin, T translates."""
    rot = math.radians(angle)
    sx, sy = math.radians(shear[0]), math.radians(shear[1])
    cx, cy = center
    tx, ty = translate
    a = math.cos(rot - sy) / math.cos(sy)
    b = -math.cos(rot - sy) * math.tan(sx) / math.cos(sy) - math.sin(rot)
    c = math.sin(rot - sy) / math.cos(sy)
    d = -math.sin(rot - sy) * math.tan(sx) / math.cos(sy) + math.cos(rot)
    if inverted:
        # det [[a, b], [c, d]] = 1, so the inverse of the linear part is [[d, -b], [-c, a]]
        matrix = [v / scale for v in (d, -b, 0.0, -c, a, 0.0)]
        matrix[2] += matrix[0] * (-cx - tx) + matrix[1] * (-cy - ty)
        matrix[5] += matrix[3] * (-cx - tx) + matrix[4] * (-cy - ty)
        matrix[2] += cx
        matrix[5] += cy
    else:
        matrix = [v * scale for v in (a, b, 0.0, c, d, 0.0)]
        matrix[2] += matrix[0] * (-cx) + matrix[1] * (-cy)
        matrix[5] += matrix[3] * (-cx) + matrix[4] * (-cy)
        matrix[2] += cx + tx
        matrix[5] += cy + ty
    return matrix


def rotate(img, angle, interpolation=InterpolationMode.NEAREST, expand=False, center=None,
           fill=None):
    """Rotate counter-clockwise by `angle` degrees about `center` (default: image centre)."""
    interpolation = _interpolation(interpolation)
    if not isinstance(angle, (int, float)):
        raise TypeError("Argument angle should be int or float")
    if center is not None and not isinstance(center, (list, tuple)):
        raise TypeError("Argument center should be a sequence")
    if not _is_tensor(img):
        return F_pil.rotate(img, angle=angle, interpolation=pil_modes_mapping[interpolation],
                            expand=expand, center=center, fill=fill)
    center_f = [0.0, 0.0]
    if center is not None:
        _, height, width = get_dimensions(img)
        center_f = [1.0 * (c - s * 0.5) for c, s in zip(center, [width, height])]
    # the tensor kernel's angle runs the other way round from Pillow's rotate
    matrix = _get_inverse_affine_matrix(center_f, -angle, [0.0, 0.0], 1.0, [0.0, 0.0])
    return F_t.rotate(img, matrix=matrix, interpolation=interpolation.value, expand=expand,
                      fill=fill)


def affine(img, angle, translate, scale, shear, interpolation=InterpolationMode.NEAREST,
           fill=None, center=None):
    """Rotate by `angle` (clockwise degrees), scale, shear (degrees, x or (x, y)) and translate
    (pixels), keeping `center` (default: image centre) fixed."""
    interpolation = _interpolation(interpolation)
    if not isinstance(angle, (int, float)):
        raise TypeError("Argument angle should be int or float")
    if not isinstance(translate, (list, tuple)):
        raise TypeError("Argument translate should be a sequence")
    if len(translate) != 2:
        raise ValueError("Argument translate should be a sequence of length 2")
    if scale <= 0.0:
        raise ValueError("Argument scale should be positive")
    if not isinstance(shear, (numbers.Number, list, tuple)):
        raise TypeError("Shear should be either a single value or a sequence of two values")
    angle = float(angle)
    translate = list(translate)
    shear = [shear, 0.0] if isinstance(shear, numbers.Number) else list(shear)
    if len(shear) == 1:
        shear = [shear[0], shear[0]]
    if len(shear) != 2:
        raise ValueError(f"Shear should be a sequence containing two values. Got {shear}")
    if center is not None and not isinstance(center, (list, tuple)):
        raise TypeError("Argument center should be a sequence")
    _, height, width = get_dimensions(img)
    if not _is_tensor(img):
        # the centre without the half-pixel offset: a 90 degree turn then matches torch.rot90
        if center is None:
            center = [width * 0.5, height * 0.5]
        matrix = _get_inverse_affine_matrix(center, angle, translate, scale, shear)
        return F_pil.affine(img, matrix=matrix, interpolation=pil_modes_mapping[interpolation],
                            fill=fill)
    center_f = [0.0, 0.0]
    if center is not None:
        center_f = [1.0 * (c - s * 0.5) for c, s in zip(center, [width, height])]
    translate_f = [1.0 * t for t in translate]
    matrix = _get_inverse_affine_matrix(center_f, angle, translate_f, scale, shear)
    return F_t.affine(img, matrix=matrix, interpolation=interpolation.value, fill=fill)


def elastic_transform(img, displacement, interpolation=InterpolationMode.BILINEAR, fill=None):
    """Move every pixel by `displacement` (1, H, W, 2), in [-1, 1] units of the image size."""
    interpolation = _interpolation(interpolation)
    if not _is_tensor(displacement):
        raise TypeError("Argument displacement should be a Tensor")
    t_img = img
    if not _is_tensor(img):
        if not is_pil_image(img):
            raise TypeError(f"img should be PIL Image or Tensor. Got {type(img)}")
        t_img = pil_to_tensor(img)
    shape = (1,) + tuple(t_img.shape[-2:]) + (2,)
    if shape != tuple(displacement.shape):
        raise ValueError(f"Argument displacement shape should be {shape}, but given "
                         f"{tuple(displacement.shape)}")
    output = F_t.elastic_transform(t_img, displacement, interpolation=interpolation.value,
                                   fill=fill)
    if not _is_tensor(img):
        output = to_pil_image(output, mode=img.mode)
    return output


# ---------------------------------------------------------------------------------------------
# colour
# ---------------------------------------------------------------------------------------------
def to_grayscale(img, num_output_channels=1):
    """PIL image of any mode -> grayscale ('L', or RGB with r = g = b)."""
    if is_pil_image(img):
        return F_pil.to_grayscale(img, num_output_channels)
    raise TypeError("Input should be PIL Image")


def rgb_to_grayscale(img, num_output_channels=1):
    """RGB -> grayscale with 1 or 3 (equal) channels."""
    if not _is_tensor(img):
        return F_pil.to_grayscale(img, num_output_channels)
    return F_t.rgb_to_grayscale(img, num_output_channels)


def _colour(name, img, *args):
    if not _is_tensor(img):
        return getattr(F_pil, name)(img, *args)
    return getattr(F_t, name)(img, *args)


def adjust_brightness(img, brightness_factor):
    """0 gives black, 1 the original, 2 twice as bright."""
    return _colour("adjust_brightness", img, brightness_factor)


def adjust_contrast(img, contrast_factor):
    """0 gives solid grey, 1 the original, 2 twice the contrast."""
    return _colour("adjust_contrast", img, contrast_factor)


def adjust_saturation(img, saturation_factor):
    """0 gives black and white, 1 the original, 2 twice the saturation."""
    return _colour("adjust_saturation", img, saturation_factor)


def adjust_hue(img, hue_factor):
    """Shift the hue by hue_factor in [-0.5, 0.5] of a full turn."""
    return _colour("adjust_hue", img, hue_factor)


def adjust_gamma(img, gamma, gain=1):
    """out = 255 * gain * (in / 255) ** gamma."""
    return _colour("adjust_gamma", img, gamma, gain)


def adjust_sharpness(img, sharpness_factor):
    """0 blurs, 1 gives the original, 2 sharpens."""
    return _colour("adjust_sharpness", img, sharpness_factor)


def invert(img):
    return _colour("invert", img)


def posterize(img, bits):
    """Keep `bits` (0-8) bits per channel."""
    if not 0 <= bits <= 8:
        raise ValueError(f"The number if bits should be between 0 and 8. Got {bits}")
    return _colour("posterize", img, bits)


def solarize(img, threshold):
    """Invert every pixel value >= threshold."""
    return _colour("solarize", img, threshold)


def autocontrast(img):
    return _colour("autocontrast", img)


def equalize(img):
    return _colour("equalize", img)


def erase(img, i, j, h, w, v, inplace=False):
    """Set img[..., i:i + h, j:j + w] to v (tensor images only)."""
    if not _is_tensor(img):
        raise TypeError(f"img should be Tensor Image. Got {type(img)}")
    return F_t.erase(img, i, j, h, w, v, inplace=inplace)


def gaussian_blur(img, kernel_size, sigma=None):
    """Gaussian blur with an odd kernel_size (int or (kx, ky)) and sigma (default
    0.3 * ((k - 1) * 0.5 - 1) + 0.8, i.e. 0.15 k + 0.35). PIL images go through the tensor
    kernel too, as in torchvision."""
    if not isinstance(kernel_size, (int, list, tuple)):
        raise TypeError(f"kernel_size should be int or a sequence of integers. Got "
                        f"{type(kernel_size)}")
    if isinstance(kernel_size, int):
        kernel_size = [kernel_size, kernel_size]
    if len(kernel_size) != 2:
        raise ValueError(f"If kernel_size is a sequence its length should be 2. Got "
                         f"{len(kernel_size)}")
    for ksize in kernel_size:
        if ksize % 2 == 0 or ksize < 0:
            raise ValueError(f"kernel_size should have odd and positive integers. Got "
                             f"{kernel_size}")
    if sigma is None:
        sigma = [ksize * 0.15 + 0.35 for ksize in kernel_size]
    if not isinstance(sigma, (int, float, list, tuple)):
        raise TypeError(f"sigma should be either float or sequence of floats. Got {type(sigma)}")
    if isinstance(sigma, (int, float)):
        sigma = [float(sigma), float(sigma)]
    if isinstance(sigma, (list, tuple)) and len(sigma) == 1:
        sigma = [sigma[0], sigma[0]]
    if len(sigma) != 2:
        raise ValueError(f"If sigma is a sequence, its length should be 2. Got {len(sigma)}")
    for s in sigma:
        if s <= 0.0:
            raise ValueError(f"sigma should have positive values. Got {sigma}")
    t_img = img
    if not _is_tensor(img):
        if not is_pil_image(img):
            raise TypeError(f"img should be PIL Image or Tensor. Got {type(img)}")
        t_img = pil_to_tensor(img)
    output = F_t.gaussian_blur(t_img, kernel_size, sigma)
    if not _is_tensor(img):
        output = to_pil_image(output, mode=img.mode)
    return output
