"""Image utilities (torchvision.utils): make_grid, save_image, draw_bounding_boxes."""
import math
import warnings

from .. import from_numpy, stack
from .._backend import xp
from .._tensor import Tensor
from ._pil import image_from_array, pil_image, pil_module

__all__ = ["make_grid", "save_image", "draw_bounding_boxes"]


def make_grid(tensor, nrow=8, padding=2, normalize=False, value_range=None, scale_each=False,
              pad_value=0.0):
    """Tile a batch (B, C, H, W) or a list of (C, H, W) images into one image
    (C, rows * (H + padding) + padding, nrow * (W + padding) + padding), row by row, with
    `padding` pixels of `pad_value` around every tile. One-channel images become three.

    normalize=True maps [min, max] (value_range, or the data's, per image with scale_each)
    to [0, 1]."""
    if not isinstance(tensor, Tensor):
        if isinstance(tensor, list):
            for t in tensor:
                if not isinstance(t, Tensor):
                    raise TypeError(f"tensor or list of tensors expected, got a list containing "
                                    f"{type(t)}")
            tensor = stack(tensor, dim=0)
        else:
            raise TypeError(f"tensor or list of tensors expected, got {type(tensor)}")
    x = tensor.detach().numpy()
    if x.ndim == 2:
        x = x[None]
    if x.ndim == 3:
        if x.shape[0] == 1:
            x = xp.concatenate((x, x, x), axis=0)
        x = x[None]
    if x.ndim == 4 and x.shape[1] == 1:
        x = xp.concatenate((x, x, x), axis=1)
    if normalize is True:
        if value_range is not None and not isinstance(value_range, tuple):
            raise TypeError("value_range has to be a tuple (min, max) if specified. min and max "
                            "are numbers")
        x = _normalize(x, value_range, scale_each)
    if x.shape[0] == 1:
        return from_numpy(xp.ascontiguousarray(x[0]))
    count, channels, height, width = x.shape
    columns = min(nrow, count)
    rows = int(math.ceil(float(count) / columns))
    tiles = xp.full((rows * columns, channels, height + padding, width + padding), pad_value,
                    dtype=x.dtype)
    tiles[:count, :, padding:, padding:] = x
    # (rows, columns, C, h, w) -> (C, rows, h, columns, w): tiles side by side
    grid = tiles.reshape(rows, columns, channels, height + padding, width + padding)
    grid = grid.transpose(2, 0, 3, 1, 4).reshape(channels, rows * (height + padding),
                                                 columns * (width + padding))
    full = xp.full((channels, grid.shape[1] + padding, grid.shape[2] + padding), pad_value,
                   dtype=x.dtype)
    full[:, :grid.shape[1], :grid.shape[2]] = grid
    return from_numpy(full)


def _normalize(x, value_range, scale_each):
    """Clamp to [low, high] and map it to [0, 1]: (x - low) / max(high - low, 1e-5)."""
    if value_range is not None:
        low = xp.full((x.shape[0] if scale_each else 1, 1, 1, 1), value_range[0], xp.float64)
        high = xp.full_like(low, value_range[1])
    elif scale_each:
        low = x.min(axis=(1, 2, 3), keepdims=True).astype(xp.float64)
        high = x.max(axis=(1, 2, 3), keepdims=True).astype(xp.float64)
    else:
        low = xp.full((1, 1, 1, 1), x.min(), xp.float64)
        high = xp.full((1, 1, 1, 1), x.max(), xp.float64)
    scale = xp.maximum(high - low, 1e-5).astype(x.dtype)
    clamped = xp.clip(x, low.astype(x.dtype), high.astype(x.dtype))
    return (clamped - low.astype(x.dtype)) / scale


def save_image(tensor, fp, format=None, **kwargs):
    """Save an image or a batch (through make_grid, which takes **kwargs) to a file; values in
    [0, 1] are scaled to [0, 255] and rounded. `format` is required for file objects."""
    grid = make_grid(tensor, **kwargs).numpy()
    pixels = xp.clip(grid * 255 + 0.5, 0, 255).astype(xp.uint8).transpose(1, 2, 0)
    pil_image("save_image").fromarray(xp.ascontiguousarray(pixels)).save(fp, format=format)


def _generate_color_palette(num_objects):
    palette = xp.array([2 ** 25 - 1, 2 ** 15 - 1, 2 ** 21 - 1])
    return [tuple(int(v) for v in (i * palette) % 255) for i in range(num_objects)]


def _parse_colors(colors, num_objects):
    """A list of num_objects RGB tuples from None (a palette), one colour, or a list."""
    ImageColor = pil_module("ImageColor", "draw_bounding_boxes")
    if colors is None:
        colors = _generate_color_palette(num_objects)
    elif isinstance(colors, list):
        if len(colors) < num_objects:
            raise ValueError(f"Number of colors must be equal or larger than the number of "
                             f"objects, but got {len(colors)} < {num_objects}.")
    elif not isinstance(colors, (tuple, str)):
        raise ValueError(f"colors must be a tuple or a string, or a list thereof, but got "
                         f"{colors}.")
    elif isinstance(colors, tuple) and len(colors) != 3:
        raise ValueError(f"If passed as tuple, colors should be an RGB triplet, but got "
                         f"{colors}.")
    else:
        colors = [colors] * num_objects
    return [ImageColor.getrgb(c) if isinstance(c, str) else tuple(c) for c in colors]


def draw_bounding_boxes(image, boxes, labels=None, colors=None, fill=False, width=1, font=None,
                        font_size=None, label_colors=None, label_background_colors=None,
                        fill_labels=False):
    """Draw boxes (N, 4) given as (xmin, ymin, xmax, ymax) pixels on an image (C, H, W), uint8
    or float in [0, 1], with Pillow's ImageDraw; returns a new image of the same dtype.
    fill=True shades each box with its colour at alpha 100; labels are written inside the
    top-left corner (in `font`, a TrueType file, or Pillow's default font)."""
    if not isinstance(image, Tensor):
        raise TypeError(f"Tensor expected, got {type(image)}")
    if not (image.dtype.name == "uint8" or image.is_floating_point()):
        raise ValueError(f"The image dtype must be uint8 or float, got {image.dtype}")
    if image.dim() != 3:
        raise ValueError("Pass individual images, not batches")
    if image.size(0) not in {1, 3}:
        raise ValueError("Only grayscale and RGB images are supported")
    box_array = boxes.detach().numpy() if isinstance(boxes, Tensor) else xp.asarray(boxes)
    if box_array.ndim != 2 or box_array.shape[-1] != 4:
        raise ValueError(f"boxes should have shape (N, 4) as (xmin, ymin, xmax, ymax), got "
                         f"{tuple(box_array.shape)}")
    if (box_array[:, 0] > box_array[:, 2]).any() or (box_array[:, 1] > box_array[:, 3]).any():
        raise ValueError("Boxes need to be in (xmin, ymin, xmax, ymax) format. Use "
                         "torchvision.ops.box_convert to convert them")
    num_boxes = box_array.shape[0]
    if num_boxes == 0:
        warnings.warn("boxes doesn't contain any box. No box was drawn")
        return image
    if labels is None:
        labels = [None] * num_boxes
    elif len(labels) != num_boxes:
        raise ValueError(f"Number of boxes ({num_boxes}) and labels ({len(labels)}) mismatch. "
                         f"Please specify labels for each box.")
    colors = _parse_colors(colors, num_boxes)
    if label_colors or fill_labels:
        label_colors = _parse_colors(label_colors if label_colors else "black", num_boxes)
    else:
        label_colors = list(colors)
    if fill_labels and label_background_colors:
        label_background_colors = _parse_colors(label_background_colors, num_boxes)
    else:
        label_background_colors = list(colors)

    ImageDraw = pil_module("ImageDraw", "draw_bounding_boxes")
    ImageFont = pil_module("ImageFont", "draw_bounding_boxes")
    if font is None:
        if font_size is not None:
            warnings.warn("Argument 'font_size' will be ignored since 'font' is not set.")
        text_font = ImageFont.load_default()
    else:
        text_font = ImageFont.truetype(font=font, size=font_size or 10)

    pixels = image.detach().numpy()
    if pixels.shape[0] == 1:
        pixels = xp.tile(pixels, (3, 1, 1))
    if pixels.dtype.kind == "f":
        pixels = (pixels * (255 + 1.0 - 1e-3)).astype(xp.uint8)
    canvas = image_from_array(xp.ascontiguousarray(pixels.transpose(1, 2, 0)), "RGB")
    draw = ImageDraw.Draw(canvas, "RGBA") if fill else ImageDraw.Draw(canvas)
    for box, color, label, label_color, label_bg in zip(box_array.astype(xp.int64).tolist(),
                                                         colors, labels, label_colors,
                                                         label_background_colors):
        draw.rectangle(box, width=width, outline=color,
                       fill=color + (100,) if fill else None)
        if label is not None:
            margin = width + 1
            if fill_labels:
                left, top, right, bottom = draw.textbbox((box[0] + margin, box[1] + margin),
                                                         label, font=text_font)
                draw.rectangle((left - 1, top - 1, right + 1, bottom + 1), fill=label_bg)
            draw.text((box[0] + margin, box[1] + margin), label, fill=label_color,
                      font=text_font)
    out = xp.ascontiguousarray(xp.asarray(canvas).transpose(2, 0, 1))
    if image.is_floating_point():
        out = out.astype(image.dtype.np) * image.dtype.np.type(1.0 / 255)
    return from_numpy(out)
