"""Pillow, imported on first use.

Pillow is optional (the `vision` extra). `import glasstorch.vision` and every tensor-only transform
work without it; the first thing that needs to decode, encode or transform a PIL image calls
`pil_image()` and gets an ImportError that says what needed Pillow and how to install it.
torchvision imports Pillow at import time instead; deferring it lets tensor pipelines and
`glasstorch.compat`'s `import torchvision` alias run on a machine without Pillow.
"""
import sys


def pil_image(needed_by="this function"):
    """The `PIL.Image` module; ImportError naming `needed_by` when Pillow is not installed."""
    try:
        from PIL import Image
    except ImportError as error:
        raise ImportError(
            f"{needed_by} needs Pillow, which is not installed. Install it with "
            f"`pip install pillow` (or `pip install glasstorch[vision]`).") from error
    return Image


def pil_module(name, needed_by="this function"):
    """A submodule of Pillow such as `ImageOps` (same ImportError as `pil_image`)."""
    pil_image(needed_by)
    return __import__(f"PIL.{name}", fromlist=[name])


def is_pil_image(obj):
    """True if `obj` is a PIL image. Never imports Pillow: nothing can be a PIL image before
    Pillow has been imported by someone."""
    module = sys.modules.get("PIL.Image")
    return module is not None and isinstance(obj, module.Image)


def image_from_array(array, mode):
    """A PIL image of `mode` whose pixels are the bytes of `array` (H, W[, C]).

    Pillow 11.3 deprecated `Image.fromarray(array, mode)`; `frombuffer` with the raw decoder of
    the same mode reads the bytes exactly as the old call did (what torchvision relies on)."""
    Image = pil_image("converting an array to a PIL image")
    height, width = array.shape[:2]
    return Image.frombuffer(mode, (width, height), array.tobytes(), "raw", mode, 0, 1)
