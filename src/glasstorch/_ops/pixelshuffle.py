"""pixel_shuffle and pixel_unshuffle: channel blocks moved into space and back.

Pure rearrangements (a reshape, a transpose and a copy; PyTorch returns new contiguous tensors
here, not views); each one's backward is the other.
"""
from .._backend import xp
from .._tensor import Tensor
from ..autograd.function import Function
from .linear import _tensors


def _shuffle_axes(lead, order):
    return tuple(range(lead)) + tuple(lead + i for i in order)


def _pixel_shuffle(x, r):
    *lead, C, H, W = x.shape
    c = C // (r * r)
    y = x.reshape(*lead, c, r, r, H, W).transpose(_shuffle_axes(len(lead), (0, 3, 1, 4, 2)))
    return xp.ascontiguousarray(y.reshape(*lead, c, H * r, W * r))


def _pixel_unshuffle(x, r):
    *lead, c, H, W = x.shape
    h, w = H // r, W // r
    y = x.reshape(*lead, c, h, r, w, r).transpose(_shuffle_axes(len(lead), (0, 2, 4, 1, 3)))
    return xp.ascontiguousarray(y.reshape(*lead, c * r * r, h, w))


class PixelShuffle(Function):
    """out[*, c, h*r + i, w*r + j] = x[*, c*r*r + i*r + j, h, w]
    grad: dx = pixel_unshuffle(g, r)"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x, r):
        ctx.r = r
        return _pixel_shuffle(x, r)

    @staticmethod
    def backward(ctx, g):
        if isinstance(g, Tensor):   # create_graph: the inverse op, recorded in the graph
            return PixelUnshuffle.apply(g, ctx.r)
        return _pixel_unshuffle(g, ctx.r)


def pixel_shuffle(input, upscale_factor):
    """Move channel blocks into space: (*, C*r*r, H, W) -> (*, C, H*r, W*r), r=upscale_factor
    (sub-pixel convolution's upsampling step). A new tensor, as in PyTorch."""
    _tensors("pixel_shuffle", input=input)
    _factor("pixel_shuffle", "upscale_factor", upscale_factor)
    shape, r = input._data.shape, upscale_factor
    if len(shape) < 3:
        raise RuntimeError(f"pixel_shuffle expects input to have at least 3 dimensions, but "
                           f"got input with {len(shape)} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_shuffle expects a positive upscale_factor, but got {r}")
    if shape[-3] % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be "
                           f"divisible by the square of upscale_factor, but input.size(-3)="
                           f"{shape[-3]} is not divisible by {r * r}")
    return PixelShuffle.apply(input, r)


class PixelUnshuffle(Function):
    """out[*, c*r*r + i*r + j, h, w] = x[*, c, h*r + i, w*r + j]
    grad: dx = pixel_shuffle(g, r)"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x, r):
        ctx.r = r
        return _pixel_unshuffle(x, r)

    @staticmethod
    def backward(ctx, g):
        if isinstance(g, Tensor):
            return PixelShuffle.apply(g, ctx.r)
        return _pixel_shuffle(g, ctx.r)


def pixel_unshuffle(input, downscale_factor):
    """Move space into channel blocks: (*, C, H*r, W*r) -> (*, C*r*r, H, W), the inverse of
    pixel_shuffle."""
    _tensors("pixel_unshuffle", input=input)
    _factor("pixel_unshuffle", "downscale_factor", downscale_factor)
    shape, r = input._data.shape, downscale_factor
    if len(shape) < 3:
        raise RuntimeError(f"pixel_unshuffle expects input to have at least 3 dimensions, but "
                           f"got input with {len(shape)} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_unshuffle expects a positive downscale_factor, but got {r}")
    for side, size in (("height", shape[-2]), ("width", shape[-1])):
        if size % r:
            axis = -2 if side == "height" else -1
            raise RuntimeError(f"pixel_unshuffle expects {side} to be divisible by "
                               f"downscale_factor, but input.size({axis})={size} is not "
                               f"divisible by {r}")
    return PixelUnshuffle.apply(input, r)


def _factor(fname, name, value):
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{fname}(): argument '{name}' (position 2) must be int, not "
                        f"{type(value).__name__}")
