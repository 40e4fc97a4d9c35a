"""channel_shuffle: interleave channel groups (ShuffleNet).

A pure rearrangement (a reshape, a transpose and a copy; PyTorch returns a new contiguous
tensor, not a view); its backward is the shuffle back.
"""
from .._backend import xp
from .._tensor import Tensor
from ..autograd.function import Function
from .linear import _tensors
from .pixelshuffle import _factor


def _channel_shuffle(x, groups):
    N, C, *rest = x.shape
    y = x.reshape(N, groups, C // groups, *rest).swapaxes(1, 2).reshape(x.shape)
    return xp.ascontiguousarray(y)    # (a reshape over size-1 dims can stay a strided view)


class ChannelShuffle(Function):
    """out[n, k*groups + j] = x[n, j*(C/groups) + k]    (channels read as a (groups, C/groups)
    grid and transposed)
    grad: dx = channel_shuffle(g, C/groups)   (the transpose back)"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x, groups):
        ctx.inverse = x.shape[1] // groups
        return _channel_shuffle(x, groups)

    @staticmethod
    def backward(ctx, g):
        if isinstance(g, Tensor):
            return ChannelShuffle.apply(g, ctx.inverse)
        return _channel_shuffle(g, ctx.inverse)


def channel_shuffle(input, groups):
    """Interleave `groups` channel groups (ShuffleNet): (N, C, *) -> (N, C, *), channel
    j*(C/groups) + k moving to k*groups + j."""
    _tensors("channel_shuffle", input=input)
    _factor("channel_shuffle", "groups", groups)
    shape = input._data.shape
    if len(shape) <= 2:
        raise RuntimeError(f"channel_shuffle expects input with > 2 dims, but got input with "
                           f"sizes {list(shape)}")
    if groups <= 0:
        raise RuntimeError(f"Number of groups to divide channels in must be positive. Value of "
                           f"groups:{groups}")
    if shape[1] % groups:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {shape[1]} "
                           f"channels and {groups} groups.")
    return ChannelShuffle.apply(input, groups)


def native_channel_shuffle(input, groups):
    """channel_shuffle (PyTorch's native kernel of the same rearrangement)."""
    return channel_shuffle(input, groups)
