"""transforms.functional on PIL images: each op is the Pillow call torchvision makes, so results
are Pillow's own (resampling, rotation, colour enhancement all run in Pillow's C code).
"""
import numbers

from ..._backend import xp
from .._pil import image_from_array, is_pil_image, pil_image, pil_module


def _check(img):
    if not is_pil_image(img):
        raise TypeError(f"img should be PIL Image. Got {type(img)}")


def get_dimensions(img):
    if is_pil_image(img):
        width, height = img.size
        return [len(img.getbands()), height, width]
    raise TypeError(f"Unexpected type {type(img)}")


def hflip(img):
    _check(img)
    return img.transpose(pil_image().FLIP_LEFT_RIGHT)


def vflip(img):
    _check(img)
    return img.transpose(pil_image().FLIP_TOP_BOTTOM)


def crop(img, top, left, height, width):
    _check(img)
    return img.crop((left, top, left + width, top + height))


def resize(img, size, interpolation):
    """size = [height, width]; interpolation is a Pillow resampling filter number."""
    _check(img)
    if not (isinstance(size, list) and len(size) == 2):
        raise TypeError(f"Got inappropriate size arg: {size}")
    return img.resize(tuple(size[::-1]), interpolation)


def _enhance(img, enhancer, factor):
    """An ImageEnhance adjustment; Pillow's 'image has wrong mode' names the mode here."""
    _check(img)
    try:
        return getattr(pil_module("ImageEnhance"), enhancer)(img).enhance(factor)
    except ValueError as error:
        raise ValueError(f"ImageEnhance.{enhancer} cannot take a PIL image of mode "
                         f"{img.mode!r}: {error}") from error


def adjust_brightness(img, brightness_factor):
    return _enhance(img, "Brightness", brightness_factor)


def adjust_contrast(img, contrast_factor):
    return _enhance(img, "Contrast", contrast_factor)


def adjust_saturation(img, saturation_factor):
    return _enhance(img, "Color", saturation_factor)


def adjust_sharpness(img, sharpness_factor):
    return _enhance(img, "Sharpness", sharpness_factor)


def adjust_hue(img, hue_factor):
    """Shift the H band of the HSV image by hue_factor * 255, wrapping around (uint8)."""
    if not -0.5 <= hue_factor <= 0.5:
        raise ValueError(f"hue_factor ({hue_factor}) is not in [-0.5, 0.5].")
    _check(img)
    mode = img.mode
    if mode in {"L", "1", "I", "F"}:
        return img
    try:
        h, s, v = img.convert("HSV").split()
    except ValueError as error:   # e.g. RGBA: Pillow has no conversion to HSV
        raise ValueError(f"adjust_hue cannot take a PIL image of mode {mode!r}: {error}; "
                         f"convert it to 'RGB' first") from error
    hue = xp.array(h, dtype=xp.uint8)
    hue += xp.int32(hue_factor * 255).astype(xp.uint8)   # wraps around, as intended
    Image = pil_image()
    return Image.merge("HSV", (image_from_array(hue, "L"), s, v)).convert(mode)


def adjust_gamma(img, gamma, gain=1.0):
    """255 * gain * (v / 255) ** gamma through a lookup table."""
    _check(img)
    if gamma < 0:
        raise ValueError("Gamma should be a non-negative real number")
    mode = img.mode
    table = [int((255 + 1 - 1e-3) * gain * pow(v / 255.0, gamma)) for v in range(256)] * 3
    return img.convert("RGB").point(table).convert(mode)


def _parse_fill(fill, img, name="fillcolor"):
    """The fill as Pillow wants it for img: one int per band (floats for mode 'F')."""
    channels = len(img.getbands())
    if fill is None:
        fill = 0
    if isinstance(fill, (int, float)) and channels > 1:
        fill = tuple([fill] * channels)
    if isinstance(fill, (list, tuple)):
        if len(fill) == 1:
            fill = fill * channels
        elif len(fill) != channels:
            raise ValueError(f"The number of elements in 'fill' does not match the number of "
                             f"channels of the image ({len(fill)} != {channels})")
        fill = tuple(fill)
    if img.mode != "F":
        fill = tuple(int(v) for v in fill) if isinstance(fill, tuple) else int(fill)
    return {name: fill}


def pad(img, padding, fill=0, padding_mode="constant"):
    """Constant padding through ImageOps.expand; edge/reflect/symmetric through NumPy's pad of
    the pixel array (negative padding crops first)."""
    _check(img)
    if not isinstance(padding, (numbers.Number, tuple, list)):
        raise TypeError("Got inappropriate padding arg")
    if fill is not None and not isinstance(fill, (numbers.Number, tuple, list)):
        raise TypeError("Got inappropriate fill arg")
    if not isinstance(padding_mode, str):
        raise TypeError("Got inappropriate padding_mode arg")
    if isinstance(padding, list):
        padding = tuple(padding)
    if isinstance(padding, tuple) and len(padding) not in (1, 2, 4):
        raise ValueError(f"Padding must be an int or a 1, 2, or 4 element tuple, not a "
                         f"{len(padding)} element tuple")
    if isinstance(padding, tuple) and len(padding) == 1:
        padding = padding[0]
    if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")

    if padding_mode == "constant":
        ImageOps = pil_module("ImageOps")
        expanded = ImageOps.expand(img, border=padding, **_parse_fill(fill, img, name="fill"))
        if img.mode == "P":
            expanded.putpalette(img.getpalette())
        return expanded

    if isinstance(padding, int):
        padding = (padding,) * 4
    elif len(padding) == 2:
        padding = (padding[0], padding[1], padding[0], padding[1])
    left, top, right, bottom = padding
    crop_left, crop_top, crop_right, crop_bottom = (max(-p, 0) for p in padding)
    if crop_left or crop_top or crop_right or crop_bottom:
        img = img.crop((crop_left, crop_top, img.width - crop_right, img.height - crop_bottom))
    left, top, right, bottom = (max(p, 0) for p in padding)
    pixels = xp.asarray(img)
    widths = [(top, bottom), (left, right)] + [(0, 0)] * (pixels.ndim - 2)
    padded = pil_image().fromarray(xp.pad(pixels, widths, mode=padding_mode))
    if img.mode == "P":
        padded.putpalette(img.getpalette())
    return padded


def affine(img, matrix, interpolation=0, fill=None):
    _check(img)
    Image = pil_image()
    return img.transform(img.size, Image.AFFINE, matrix, interpolation, **_parse_fill(fill, img))


def rotate(img, angle, interpolation=0, expand=False, center=None, fill=None):
    _check(img)
    return img.rotate(angle, interpolation, expand, center, **_parse_fill(fill, img))


def perspective(img, perspective_coeffs, interpolation=3, fill=None):
    _check(img)
    Image = pil_image()
    return img.transform(img.size, Image.PERSPECTIVE, perspective_coeffs, interpolation,
                         **_parse_fill(fill, img))


def to_grayscale(img, num_output_channels):
    """Pillow's 'L' conversion (ITU-R 601-2 luma); 3 channels repeat it in an RGB image."""
    _check(img)
    if num_output_channels not in (1, 3):
        raise ValueError("num_output_channels should be either 1 or 3")
    gray = img.convert("L")
    if num_output_channels == 1:
        return gray
    pixels = xp.array(gray, dtype=xp.uint8)
    return image_from_array(xp.dstack([pixels, pixels, pixels]), "RGB")


def _image_ops(name, img, *args):
    """An ImageOps function; Pillow's error for an image mode it cannot take is re-raised with
    the mode named."""
    _check(img)
    try:
        return getattr(pil_module("ImageOps"), name)(img, *args)
    except OSError as error:
        raise OSError(f"{name} cannot take a PIL image of mode {img.mode!r}: {error}") from error


def invert(img):
    return _image_ops("invert", img)


def posterize(img, bits):
    return _image_ops("posterize", img, bits)


def solarize(img, threshold):
    return _image_ops("solarize", img, threshold)


def autocontrast(img):
    return _image_ops("autocontrast", img)


def equalize(img):
    return _image_ops("equalize", img)
