"""Padding kernel: pad, in constant, reflect, replicate and circular modes.

Constant padding copies the input into a filled array (negative pads crop); the other modes
gather along each padded axis by an index map, whose backward sums back through the same maps.
"""
from .._backend import xp
from .._tensor import Tensor
from ..autograd.function import Function
from ._util import node_name
from .linear import _tensors


class ConstantPad(Function):
    """out = x surrounded by `value` (negative pads crop)
    grad: dx = the part of g that lies over x, i.e. g padded by the negated pads"""

    differentiable_backward = True
    _node_name = "ConstantPadNdBackward0"   # PyTorch's name

    @staticmethod
    def forward(ctx, x, out_shape, src, dst, sides, value):
        ctx.shape, ctx.src, ctx.dst, ctx.sides = x.shape, src, dst, sides
        out = xp.full(out_shape, value, dtype=x.dtype)
        out[dst] = x[src]
        return out

    @staticmethod
    def backward(ctx, g):
        if isinstance(g, Tensor):   # create_graph: the same op, run backwards, stays in the graph
            return _constant_pad(g, [(axis, -b, -a) for axis, b, a in ctx.sides], 0)
        grad = xp.zeros(ctx.shape, dtype=g.dtype)
        grad[ctx.src] = g[ctx.dst]
        return grad


class IndexPad(Function):
    """out = x gathered along each padded axis by an index map (reflect, replicate, circular)
    grad: dx = g summed back through the same index maps, last axis first"""

    @staticmethod
    def forward(ctx, x, maps):
        ctx.shapes = []
        out = x
        for axis, index, before in maps:
            ctx.shapes.append(out.shape)
            out = xp.take(out, index, axis=axis)
        ctx.maps = maps
        return out

    @staticmethod
    def backward(ctx, g):
        for (axis, index, before), shape in zip(reversed(ctx.maps), reversed(ctx.shapes)):
            g = _gather_back(g, axis, index, before, shape)
        return g


def _gather_back(g, axis, index, before, shape):
    """The gradient of xp.take(x, index, axis): output position k reads x[index[k]]. The
    positions of the copied middle (index[k] == k - before) form one block and go back as one
    slice; only the few border positions (the pads) are scatter-added one pad-column at a
    time."""
    grad = xp.zeros(shape, dtype=g.dtype)
    g_ax, grad_ax = xp.moveaxis(g, axis, 0), xp.moveaxis(grad, axis, 0)
    k = xp.arange(len(index))
    core = index == k - before
    (inside,) = xp.nonzero(core)
    if inside.size:
        first, last = inside[0], inside[-1] + 1
        grad_ax[index[first]:index[first] + last - first] = g_ax[first:last]
    for position in xp.nonzero(~core)[0]:      # a loop over pad widths, not over elements
        grad_ax[index[position]] += g_ax[position]
    return grad


def pad(input, pad, mode="constant", value=None):
    """Pad the last len(pad)//2 dims: pad = (left_last, right_last, left_prev, right_prev, ...).

    mode 'constant' (fill `value`, any dims, negative pads crop) or 'reflect', 'replicate',
    'circular' (last 1-3 dims of a batched or unbatched input)."""
    _tensors("pad", input=input)
    pad = [int(p) for p in pad]
    x = input._data
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) > 2 * x.ndim:
        raise RuntimeError(f"Padding length should be less than or equal to two times the "
                           f"input dimension but got padding length {len(pad)} and input of "
                           f"dimension {x.ndim}")
    # (axis, before, after) for each padded axis, last axis first as in `pad`
    sides = [(x.ndim - 1 - i, pad[2 * i], pad[2 * i + 1]) for i in range(len(pad) // 2)]
    if mode == "constant":
        return _constant_pad(input, sides, 0 if value is None else value)
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if value is not None and value != 0:
        raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
    n = len(sides)
    if not (n in (1, 2, 3) and x.ndim in (n + 1, n + 2)):
        raise NotImplementedError(
            f"Padding size {len(pad)} is not supported for {x.ndim}D input tensor.\n"
            "Supported combinations for non-constant padding:\n"
            "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
            "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
            "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)")
    # reflect and replicate: only a batch dim (of a batched input) may be empty
    if mode != "circular" and 0 in x.shape[x.ndim - n - 1:]:
        raise RuntimeError(f"Expected {n + 1}D or {n + 2}D (batch mode) tensor with possibly 0 "
                           f"batch size and other non-zero dimensions for input, but got: "
                           f"{list(x.shape)}")
    maps = [(axis, _pad_index(mode, x.shape, axis, before, after), before)
            for axis, before, after in sides]
    return node_name(IndexPad.apply(input, maps), _PAD_NODES[mode].format(n=n))


# PyTorch's kernels per mode (n padded dims); circular padding copies into slices
_PAD_NODES = {"reflect": "ReflectionPad{n}DBackward0", "replicate": "ReplicationPad{n}DBackward0",
              "circular": "torch::autograd::CopySlices"}


def _constant_pad(input, sides, value):
    shape = list(input._data.shape)
    src = [slice(None)] * len(shape)
    dst = [slice(None)] * len(shape)
    for axis, before, after in sides:
        size = shape[axis]
        new = size + before + after
        if new < 0:
            raise RuntimeError("narrow(): length must be non-negative.")
        start = max(-before, 0)
        stop = max(start, size - max(-after, 0))
        src[axis] = slice(start, stop)
        dst[axis] = slice(max(before, 0), max(before, 0) + stop - start)
        shape[axis] = new
    return ConstantPad.apply(input, tuple(shape), tuple(src), tuple(dst), sides, value)


def _pad_index(mode, shape, axis, before, after):
    """Which input position each output position along `axis` reads."""
    size = shape[axis]
    if mode == "reflect":
        if before >= size or after >= size:
            raise RuntimeError(f"Argument #4: Padding size should be less than the "
                               f"corresponding input dimension, but got: padding ({before}, "
                               f"{after}) at dimension {axis} of input {list(shape)}")
    elif mode == "circular":
        if before > size or after > size:
            raise RuntimeError("Padding value causes wrapping around more than once.")
    if size + before + after < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    i = xp.arange(-before, size + after)
    if mode == "reflect":      # mirror without repeating the edge: -1 -> 1, size -> size - 2
        i = xp.abs(i)
        return xp.where(i > size - 1, 2 * (size - 1) - i, i)
    if mode == "replicate":
        return xp.clip(i, 0, size - 1)
    # circular: PyTorch crops the negative pads first and wraps around what is left
    start, stop = max(-before, 0), size - max(-after, 0)
    return start + (xp.arange(-max(before, 0), stop - start + max(after, 0)) % (stop - start))
