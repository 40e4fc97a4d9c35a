"""F.unfold (im2col) and F.fold (col2im): sliding 2-d blocks of a batched image, as columns.

    unfold: x (N, C, H, W) -> (N, C*kH*kW, L),  L = Ho*Wo blocks, rows ordered (c, i, j)
    fold:   (N, C*kH*kW, L) -> (N, C, H, W), summing entries that land on the same pixel

They are adjoint: each one's backward is the other. Like the convolution's (see conv.py),
unfolding is one strided-slice copy per kernel offset and folding one slice-add per offset,
here in PyTorch's batch-first layout (N, C, kH, kW, Ho, Wo), which is what these functions
return, so no transpose is needed.
"""
import math

from .._backend import xp, scalar_name
from .._tensor import Tensor
from ._util import check_tensor
from ..autograd.function import Function
from .conv import geometry

def _im2col(x, geom):
    """x (N, C, H, W) -> (N, C, kH, kW, Ho, Wo)."""
    N, C = x.shape[:2]
    if geom.needs_padding:
        padded = xp.zeros((N, C) + geom.padded_size, dtype=x.dtype)
        padded[(slice(None), slice(None)) + geom.inner] = x
        x = padded
    out = xp.empty((N, C) + tuple(geom.kernel) + geom.out_size, dtype=x.dtype)
    lead = (slice(None), slice(None))
    for offset, window in zip(geom.offsets, geom.windows):
        out[lead + offset] = x[lead + window]
    return out


def _col2im(cols, geom):
    """(N, C, kH, kW, Ho, Wo) -> (N, C, H, W), one slice-add per kernel offset."""
    N, C = cols.shape[:2]
    padded = xp.zeros((N, C) + geom.padded_size, dtype=cols.dtype)
    lead = (slice(None), slice(None))
    for offset, window in zip(geom.offsets, geom.windows):
        padded[lead + window] += cols[lead + offset]
    if geom.needs_padding:
        return xp.ascontiguousarray(padded[lead + geom.inner])
    return padded


class Im2Col(Function):
    """out = unfold(x)       x (N, C, H, W) -> (N, C*kH*kW, L)   (or without N)
    grad: dx = fold(g)"""

    differentiable_backward = True
    _node_name = "Im2ColBackward0"

    @staticmethod
    def forward(ctx, x, geom=None):
        ctx.geom = geom
        return _unfold_array(x, geom)

    @staticmethod
    def backward(ctx, g):
        if isinstance(g, Tensor):
            return Col2Im.apply(g, geom=ctx.geom)
        return _fold_array(g, ctx.geom)


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """Sliding blocks as columns: (N, C, H, W) or (C, H, W) -> (N, C*kH*kW, L)."""
    check_tensor("unfold", input)
    kernel, dilation = _pair_arg("kernel_size", kernel_size), _pair_arg("dilation", dilation)
    padding, stride = _pair_arg("padding", padding), _pair_arg("stride", stride)
    if input.dim() < 3:     # PyTorch indexes dim 2 first
        raise IndexError(f"Dimension out of range (expected to be in range of "
                         f"[{-max(input.dim(), 1)}, {max(input.dim(), 1) - 1}], but got 2)")
    _check_params(kernel, dilation, padding, stride)
    shape = tuple(input.shape)
    if input.dim() not in (3, 4) or any(s == 0 for s in shape[-3:]):
        raise RuntimeError(f"Expected 3D or 4D (batch mode) tensor with possibly 0 batch size "
                           f"and other non-zero dimensions for input, but got: {list(shape)}")
    blocks = _blocks(shape[-2:], kernel, dilation, padding, stride)
    if any(b < 1 for b in blocks):
        raise RuntimeError(f"Given input with spatial size {tuple(shape[-2:])}, kernel_size="
                           f"{kernel}, dilation={dilation}, padding={padding}, calculated "
                           f"shape of the array of sliding blocks as {blocks}, but its "
                           f"components must be at least one.")
    _check_dtype("im2col", input._data)
    geom = geometry(tuple(shape[-2:]), blocks, kernel, stride, dilation, padding, padding, 1)
    return Im2Col.apply(input, geom=geom)


class Col2Im(Function):
    """out = fold(cols)      cols (N, C*kH*kW, L) -> (N, C, H, W)   (or without N)
    grad: dcols = unfold(g)"""

    differentiable_backward = True
    _node_name = "Col2ImBackward0"

    @staticmethod
    def forward(ctx, cols, geom=None):
        ctx.geom = geom
        return _fold_array(cols, geom)

    @staticmethod
    def backward(ctx, g):
        if isinstance(g, Tensor):
            return Im2Col.apply(g, geom=ctx.geom)
        return _unfold_array(g, ctx.geom)


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Columns back to an image, summing overlaps: (N, C*kH*kW, L) or (C*kH*kW, L) ->
    (N, C, *output_size)."""
    check_tensor("fold", input)
    size = _pair_arg("output_size", output_size)
    kernel, dilation = _pair_arg("kernel_size", kernel_size), _pair_arg("dilation", dilation)
    padding, stride = _pair_arg("padding", padding), _pair_arg("stride", stride)
    _check_params(kernel, dilation, padding, stride)
    shape = tuple(input.shape)
    if input.dim() not in (2, 3) or any(s == 0 for s in shape[-2:]):
        raise RuntimeError(f"Expected 2D or 3D (batch mode) tensor for input with possibly 0 "
                           f"batch size and non-zero dimensions for input, but got: "
                           f"{list(shape)}")
    per_block = math.prod(kernel)
    if shape[-2] % per_block:
        raise RuntimeError(f"Expected size of input's dimension 1 to be divisible by the "
                           f"product of kernel_size, but got input.size(1)={shape[-2]} and "
                           f"kernel_size={kernel}.")
    blocks = _blocks(size, kernel, dilation, padding, stride)
    if blocks[0] * blocks[1] != shape[-1] or any(b < 1 for b in blocks):
        raise RuntimeError(f"Given output_size={size}, kernel_size={kernel}, dilation="
                           f"{dilation}, padding={padding}, stride={stride}, expected size of "
                           f"input's dimension 2 to match the calculated number of sliding "
                           f"blocks {blocks[0]} * {blocks[1]} = {blocks[0] * blocks[1]}, but "
                           f"got input.size(2)={shape[-1]}.")
    _check_dtype("col2im", input._data)
    geom = geometry(size, blocks, kernel, stride, dilation, padding, padding, 1)
    return Col2Im.apply(input, geom=geom)


def _unfold_array(x, geom):
    """(N, C, H, W) -> (N, C*kH*kW, L); an unbatched (C, H, W) -> (C*kH*kW, L)."""
    if x.ndim == 3:
        return _unfold_array(x[None], geom)[0]
    N, C = x.shape[:2]
    return _im2col(x, geom).reshape(N, C * math.prod(geom.kernel), geom.positions)


def _fold_array(cols, geom):
    """(N, C*kH*kW, L) -> (N, C, H, W); an unbatched (C*kH*kW, L) -> (C, H, W)."""
    if cols.ndim == 2:
        return _fold_array(cols[None], geom)[0]
    N, CK = cols.shape[:2]
    C = CK // math.prod(geom.kernel)
    return _col2im(cols.reshape((N, C) + tuple(geom.kernel) + geom.out_size), geom)


# ---------------------------------------------------------------------------------------------
# arguments and PyTorch's checks
# ---------------------------------------------------------------------------------------------
def _pair_arg(name, value):
    if isinstance(value, (int, xp.integer)) and not isinstance(value, bool):
        return (int(value),) * 2
    values = tuple(int(v) for v in value)
    if len(values) != 2:
        raise RuntimeError(f"It is expected {name} equals to 2, but got size {len(values)}")
    return values


def _check_params(kernel, dilation, padding, stride):
    if any(k <= 0 for k in kernel):
        raise RuntimeError(f"kernel size should be greater than zero, but got kernel_height: "
                           f"{kernel[0]} kernel_width: {kernel[1]}")
    if any(s <= 0 for s in stride):
        raise RuntimeError(f"stride should be greater than zero, but got stride_height: "
                           f"{stride[0]} stride_width: {stride[1]}")
    if any(d <= 0 for d in dilation):
        raise RuntimeError(f"dilation should be greater than zero, but got dilation_height: "
                           f"{dilation[0]} dilation_width: {dilation[1]}")
    if any(p < 0 for p in padding):
        raise RuntimeError(f"padding should be non-negative, but got pad_height: {padding[0]} "
                           f"pad_width: {padding[1]}")


def _check_dtype(name, x):
    if x.dtype.kind != "f":
        raise NotImplementedError(f'"{name}_out_cpu" not implemented for '
                                  f"'{scalar_name(x.dtype)}'")


def _blocks(size, kernel, dilation, padding, stride):
    return tuple((s + 2 * p - (d * (k - 1) + 1)) // st + 1
                 for s, k, d, p, st in zip(size, kernel, dilation, padding, stride))
