"""Image files <-> uint8 tensors, with Pillow doing the decoding and encoding.

torchvision decodes with libjpeg/libpng directly; Pillow wraps the same libraries, so pixels
agree, except that GRAY conversion of colour images uses Pillow's luma weights.
"""
import io
import os
from enum import Enum

from ... import from_numpy
from ..._backend import xp
from ..._tensor import Tensor
from .._pil import image_from_array, pil_image, pil_module


class ImageReadMode(Enum):
    """What to convert a decoded image to: UNCHANGED, GRAY, GRAY_ALPHA, RGB or RGB_ALPHA
    (alias RGBA). Strings such as "RGB" are accepted too."""
    UNCHANGED = 0
    GRAY = 1
    GRAY_ALPHA = 2
    RGB = 3
    RGB_ALPHA = 4
    RGBA = RGB_ALPHA


_PIL_MODES = {ImageReadMode.GRAY: "L", ImageReadMode.GRAY_ALPHA: "LA",
              ImageReadMode.RGB: "RGB", ImageReadMode.RGB_ALPHA: "RGBA"}
# Pillow modes whose pixels are one uint8 per band, kept as they are under UNCHANGED
_UINT8_MODES = {"L", "LA", "RGB", "RGBA"}


def read_file(path):
    """The bytes of a file as a 1-d uint8 tensor."""
    with open(os.fspath(path), "rb") as f:
        return from_numpy(xp.frombuffer(f.read(), dtype=xp.uint8).copy())


def write_file(filename, data):
    """Write a 1-d uint8 tensor of bytes to filename."""
    _check_bytes(data, "write_file")
    with open(os.fspath(filename), "wb") as f:
        f.write(data.numpy().tobytes())


def _check_bytes(data, op):
    if not isinstance(data, Tensor) or data.dtype.name != "uint8" or data.ndim != 1:
        raise RuntimeError(f"{op} expects a 1-d uint8 tensor of bytes, got "
                           f"{type(data).__name__} {getattr(data, 'dtype', '')} of shape "
                           f"{tuple(getattr(data, 'shape', ()))}")


def _mode(mode):
    return ImageReadMode[mode.upper()] if isinstance(mode, str) else mode


def decode_image(input, mode=ImageReadMode.UNCHANGED, apply_exif_orientation=False):
    """Decode an image (a path, or a 1-d uint8 tensor of its bytes) to a uint8 tensor
    (C, H, W). Palette and 1-bit images are expanded to L/RGB/RGBA under UNCHANGED."""
    if not isinstance(input, Tensor):
        input = read_file(input)
    _check_bytes(input, "decode_image")
    mode = _mode(mode)
    Image = pil_image("decode_image")
    try:
        img = Image.open(io.BytesIO(input.numpy().tobytes()))
        img.load()
    except OSError as error:
        raise RuntimeError(f"decode_image could not decode the image: {error}") from error
    if apply_exif_orientation:
        img = pil_module("ImageOps", "decode_image").exif_transpose(img)
    if mode != ImageReadMode.UNCHANGED:
        img = img.convert(_PIL_MODES[mode])
    elif img.mode in ("I;16", "I;16B", "I", "F"):
        raise RuntimeError(f"decode_image: the image has {img.mode!r} pixels (more than 8 bits); "
                           f"glasstorch returns uint8 images only, pass mode='GRAY' for an 8-bit "
                           f"version")
    elif img.mode == "1":
        img = img.convert("L")
    elif img.mode not in _UINT8_MODES:   # palette, CMYK, YCbCr ...: expanded as libpng does
        has_alpha = "A" in img.getbands() or "transparency" in img.info
        img = img.convert("RGBA" if has_alpha else "RGB")
    pixels = xp.asarray(img)
    if pixels.ndim == 2:
        pixels = pixels[:, :, None]
    return from_numpy(xp.ascontiguousarray(pixels.transpose(2, 0, 1)))


def read_image(path, mode=ImageReadMode.UNCHANGED, apply_exif_orientation=False):
    """decode_image of the file at path."""
    return decode_image(read_file(path), mode, apply_exif_orientation)


def decode_png(input, mode=ImageReadMode.UNCHANGED, apply_exif_orientation=False):
    return decode_image(input, mode, apply_exif_orientation)


def decode_jpeg(input, mode=ImageReadMode.UNCHANGED, device="cpu",
                apply_exif_orientation=False):
    if isinstance(input, list):
        return [decode_image(i, mode, apply_exif_orientation) for i in input]
    return decode_image(input, mode, apply_exif_orientation)


def _to_pil(input, op):
    """A uint8 (C, H, W) tensor with 1 or 3 channels as a PIL image."""
    if not isinstance(input, Tensor) or input.dtype.name != "uint8" or input.ndim != 3 \
            or input.shape[0] not in (1, 3):
        raise RuntimeError(f"{op} expects a uint8 tensor (C, H, W) with 1 or 3 channels, got "
                           f"{getattr(input, 'dtype', type(input).__name__)} of shape "
                           f"{tuple(getattr(input, 'shape', ()))}")
    pixels = xp.ascontiguousarray(input.detach().numpy().transpose(1, 2, 0))
    return image_from_array(pixels[:, :, 0] if pixels.shape[2] == 1 else pixels,
                            "L" if pixels.shape[2] == 1 else "RGB")


def _encode(input, op, format, **options):
    buffer = io.BytesIO()
    _to_pil(input, op).save(buffer, format=format, **options)
    return from_numpy(xp.frombuffer(buffer.getvalue(), dtype=xp.uint8).copy())


def encode_png(input, compression_level=6):
    """PNG file bytes of a uint8 image (C, H, W), as a 1-d uint8 tensor."""
    if not 0 <= compression_level <= 9:
        raise ValueError(f"Compression level should be between 0 and 9, got "
                         f"{compression_level}")
    return _encode(input, "encode_png", "PNG", compress_level=compression_level)


def write_png(input, filename, compression_level=6):
    write_file(filename, encode_png(input, compression_level))


def encode_jpeg(input, quality=75):
    """JPEG file bytes of a uint8 image (C, H, W), as a 1-d uint8 tensor."""
    if isinstance(input, list):
        return [encode_jpeg(i, quality) for i in input]
    if not 1 <= quality <= 100:
        raise ValueError(f"Image quality should be a positive number between 1 and 100, got "
                         f"{quality}")
    return _encode(input, "encode_jpeg", "JPEG", quality=quality)


def write_jpeg(input, filename, quality=75):
    write_file(filename, encode_jpeg(input, quality))
