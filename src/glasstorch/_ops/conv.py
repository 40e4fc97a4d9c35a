"""Convolution and transposed convolution in 1, 2 and 3 spatial dims, as fused autograd nodes.

Notation for one convolution (the transposed one runs the same maps the other way):
x (N, C, *S) its input, weight (O, C/G, *K), y (N, O, *Q) its output, G groups,
P = prod(Q) output positions, Kg = C/G * prod(K) entries per window and group.

The layout: "channels, kernel offset | batch, output position"
--------------------------------------------------------------
The input is unfolded (im2col) into `cols` of shape (C, *K, N, *Q), read as the matrix
(G, Kg, N*P). For each kernel offset the entries it reads in every window are one strided slice
of the input, so unfolding is prod(K) slice copies (never a loop over batch, channels or
pixels; entries that fall in the zero padding are zeroed, no padded copy is made), and folding
back is prod(K) slice-adds (never np.add.at).

    y      = W (G, O/G, Kg) @ cols (G, Kg, N*P)           one GEMM per group
    dW     = gT (G, O/G, N*P) @ cols.T                     one GEMM per group
    dcols  = W.T @ gT,  dx = fold(dcols)                   one GEMM per group + prod(K) adds

With stride 1, dx is instead computed as a convolution of g with the flipped kernel (slice
copies instead of read-modify-write adds) when g's columns are not the larger.

Why this layout: the batch and the output positions form one GEMM dimension, so the GEMMs
stay large even where the planes are small (4x4 at the end of a ResNet). The only transposes
(between (N, O, *Q) and (O, N, *Q)) are of output-sized arrays, which are prod(K) * C/O times
smaller than `cols`; the slices that build and fold `cols` copy whole rows (the last axis
stays unit-stride on both sides). The bias is added inside the transposing copy.

The batch is taken in chunks of images whose `cols` fit in cache (CHUNK_BYTES, at least
MIN_COLUMNS GEMM columns), so the GEMM reads `cols` right after the copies wrote it: one GEMM
per group and chunk (the same product, split along its columns; dW sums the chunks' GEMMs).

Memory: `cols` are not saved. Backward recomputes them from the saved input (a copy, cheap
next to the GEMM), so a training step keeps about what PyTorch keeps per layer. Tiny ones
(<= KEEP_COLS_BYTES) are kept for the weight gradient when it will be needed. Under no_grad
nothing is kept. The per-chunk arrays (columns, GEMM outputs) reuse one scratch buffer per
thread instead of new memory, whose page faults would cost more than the copies.

The transposed convolution's forward is the convolution's input gradient and its backward
uses the convolution's forward and weight gradient: the three maps below are shared.
Backward is differentiable (create_graph): it is written with the same three maps as
autograd Functions (Conv, ConvTranspose, ConvWeightGrad), each of whose backward is again
two of the three.
"""
import functools
import itertools
import math
import threading

from .._backend import xp, scalar_name, cpp_name
from .._tensor import Tensor
from ._util import check_tensor
from ..autograd import grad_mode
from ..autograd.function import Function

_COUNTS = {1: "1", 2: "2", 3: "3"}


# ---------------------------------------------------------------------------------------------
# geometry: where the windows sit
# ---------------------------------------------------------------------------------------------
class ConvGeometry:
    """Where a convolution's windows sit along the n spatial axes.

    in_size S is the (unpadded) convolution input, out_size Q its output; output position q
    reads padded position q*s + k*d (k < K), i.e. input position q*s + k*d - lo, where the
    input occupies [lo, lo + S) of the padded extent S + lo + hi. `windows[i]` is the strided
    slice of a padded input that kernel offset `offsets[i]` reads in every window (F.unfold
    uses them). `clipped[i]` says the same without a padded copy: the output positions whose
    entry for that offset lies inside the input (`out_part`), the input slice they read
    (`in_part`), and the output slices left over, which read padding (`borders`)."""

    def __init__(self, in_size, out_size, kernel, stride, dilation, pad_lo, pad_hi, groups):
        self.in_size, self.out_size, self.kernel = tuple(in_size), tuple(out_size), kernel
        self.stride, self.dilation, self.groups = stride, dilation, groups
        self.pad_lo, self.pad_hi = pad_lo, pad_hi
        self.padded_size = tuple(s + lo + hi for s, lo, hi in zip(in_size, pad_lo, pad_hi))
        self.needs_padding = any(pad_lo) or any(pad_hi)
        self.inner = tuple(slice(lo, lo + s) for lo, s in zip(pad_lo, in_size))
        self.offsets = list(itertools.product(*(range(k) for k in kernel)))
        self.windows = [tuple(slice(k * d, k * d + (q - 1) * s + 1, s)
                              for k, d, q, s in zip(offset, dilation, out_size, stride))
                        for offset in self.offsets]
        self.clipped = [self._clip(offset) for offset in self.offsets]
        self.positions = math.prod(out_size)

    def _clip(self, offset):
        """(out_part, in_part, borders) for one kernel offset; in_part None if it only ever
        reads padding."""
        out_part, in_part, ranges = [], [], []
        for k, s, d, lo, size, q_size in zip(offset, self.stride, self.dilation, self.pad_lo,
                                              self.in_size, self.out_size):
            shift = k * d - lo                      # input position of output position 0
            first = max(0, -(-(-shift) // s))       # first q with q*s + shift >= 0
            last = min(q_size, (size - 1 - shift) // s + 1) if size - 1 - shift >= 0 else 0
            if last <= first:
                return None, None, None
            out_part.append(slice(first, last))
            in_part.append(slice(first * s + shift, (last - 1) * s + shift + 1, s))
            ranges.append((first, last, q_size))
        borders = []
        for axis, (first, last, q_size) in enumerate(ranges):
            full = [slice(None)] * len(ranges)
            if first > 0:
                borders.append(tuple(full[:axis] + [slice(0, first)] + full[axis + 1:]))
            if last < q_size:
                borders.append(tuple(full[:axis] + [slice(last, q_size)] + full[axis + 1:]))
        return tuple(out_part), tuple(in_part), borders

    def weight_shape(self, out_channels, in_channels):
        return (out_channels, in_channels // self.groups) + tuple(self.kernel)


@functools.lru_cache(maxsize=512)
def geometry(in_size, out_size, kernel, stride, dilation, pad_lo, pad_hi, groups):
    """ConvGeometry, built once per distinct convolution (a network repeats a few shapes
    every step). Arguments are tuples of ints."""
    return ConvGeometry(tuple(in_size), tuple(out_size), tuple(kernel), tuple(stride),
                        tuple(dilation), tuple(pad_lo), tuple(pad_hi), groups)


def _channels_first(a_t, bias=None, out=None):
    """(C, N, *spatial) -> C-contiguous (N, C, *spatial) (into `out` if given), adding
    bias (C,) on the way."""
    if out is None:
        out = xp.empty((a_t.shape[1], a_t.shape[0]) + a_t.shape[2:], dtype=a_t.dtype)
    if bias is None:
        out[...] = a_t.swapaxes(0, 1)
    else:
        xp.add(a_t.swapaxes(0, 1), bias.reshape((-1,) + (1,) * (a_t.ndim - 2)), out=out)
    return out


def _channels_leading(a, scratch=None):
    """(N, C, *spatial) -> C-contiguous (C, N, *spatial) (one copy, on the scratch buffer
    `scratch` if named; a view when N == 1)."""
    a_t = a.swapaxes(0, 1)
    if a_t.flags.c_contiguous:
        return a_t
    if scratch is None:
        return xp.ascontiguousarray(a_t)
    out = _scratch(scratch, a_t.shape, a.dtype)
    out[...] = a_t
    return out


# Per-chunk work arrays (the columns, the GEMM's output, a transposed gradient) live only
# until the chunk is done. Taking them from a buffer kept per thread, instead of fresh memory
# each time, saves the page faults of touching new pages: on a training step those cost more
# than the copies that fill the arrays.
# Arrays larger than SCRATCH_MAX_BYTES (one image of a large 3-d convolution) are allocated
# fresh instead, so the buffers never pin more than that per slot and thread.
_scratch_buffers = threading.local()
SCRATCH_MAX_BYTES = 64 << 20


def _scratch(slot, shape, dtype):
    """An uninitialized array of `shape` on this thread's buffer `slot` (grown when too small):
    valid until the next _scratch call with the same slot."""
    size = math.prod(shape) * xp.dtype(dtype).itemsize
    if size > SCRATCH_MAX_BYTES:
        return xp.empty(shape, dtype=dtype)
    buffers = _scratch_buffers.__dict__
    buffer = buffers.get(slot)
    if buffer is None or buffer.size < size:
        buffer = buffers[slot] = xp.empty(max(size, 1), dtype=xp.uint8)
    return buffer[:size].view(dtype).reshape(shape)


def unfold_cols(x, geom, scratch=None):
    """im2col: x (N, C, *S) -> cols (C, *K, N, *Q), one slice copy per kernel offset, read
    straight from x (no padded copy): the entries that fall in the padding are zeroed. The
    columns are written to the scratch buffer `scratch` if named, else to a new array."""
    N, C = x.shape[:2]
    x_t = x.swapaxes(0, 1)                               # (C, N, *S), a view
    shape = (C,) + tuple(geom.kernel) + (N,) + geom.out_size
    cols = xp.empty(shape, dtype=x.dtype) if scratch is None else _scratch(scratch, shape,
                                                                            x.dtype)
    lead = (slice(None), slice(None))
    for offset, (out_part, in_part, borders) in zip(geom.offsets, geom.clipped):
        target = cols[(slice(None),) + offset]          # (C, N, *Q)
        if in_part is None:
            target[...] = 0
            continue
        target[lead + out_part] = x_t[lead + in_part]
        for border in borders:
            target[lead + border] = 0
    return cols


def fold_cols(cols, geom, bias=None, out=None):
    """col2im, the adjoint of unfold_cols: cols (C, *K, N, *Q) -> (N, C, *S) (into `out` if
    given), summing the entries that land on the same input position: one slice-add per
    kernel offset, straight into the (N, C) output through a transposed view."""
    C, N = cols.shape[0], cols.shape[1 + len(geom.kernel)]
    if out is None:
        out = xp.empty((N, C) + geom.in_size, dtype=cols.dtype)
    out.fill(0)
    out_t = out.swapaxes(0, 1)                           # (C, N, *S), a view
    lead = (slice(None), slice(None))
    for offset, (out_part, in_part, _) in zip(geom.offsets, geom.clipped):
        if in_part is not None:
            out_t[lead + in_part] += cols[(slice(None),) + offset][lead + out_part]
    if bias is not None:
        out += bias.reshape((-1,) + (1,) * len(geom.in_size))
    return out


# ---------------------------------------------------------------------------------------------
# the three maps: forward, input gradient, weight gradient (arrays in, arrays out)
# ---------------------------------------------------------------------------------------------
# The batch is processed in chunks of images whose `cols` take about CHUNK_BYTES: written by
# the slice copies and read at once by the GEMM while still in cache (a whole-batch `cols` of
# a ResNet's first stage is 150 MB and would make two trips through memory). A chunk has at
# least MIN_COLUMNS GEMM columns, so GEMMs on small late-stage planes stay wide.
CHUNK_BYTES = 4 << 20
MIN_COLUMNS = 1024


def _chunks(N, geom, rows, itemsize):
    """[lo, hi) image ranges of the batch, each a chunk of the sizes above."""
    per_image = max(1, rows * geom.positions * itemsize)
    n = max(CHUNK_BYTES // per_image, -(-MIN_COLUMNS // max(geom.positions, 1)), 1)
    return [(lo, min(N, lo + n)) for lo in range(0, N, n)] or [(0, 0)]


def _compute_dtype(dtype):
    """float16 is computed in float32 (PyTorch accumulates half convolutions in float too)."""
    return xp.dtype(xp.float32) if dtype == xp.float16 else dtype


def conv_forward(x, weight, geom, bias=None, kept=None):
    """y (N, O, *Q) = conv(x (N, C, *S), weight (O, C/G, *K)) + bias. Given a list as `kept`,
    the columns of each chunk are appended to it (for conv_weight_grad)."""
    N, C, G, O = x.shape[0], x.shape[1], geom.groups, weight.shape[0]
    dtype, work = x.dtype, _compute_dtype(x.dtype)
    x, weight = x.astype(work, copy=False), weight.astype(work, copy=False)
    bias = None if bias is None else bias.astype(work, copy=False)
    Kg = C // G * math.prod(geom.kernel)
    w = weight.reshape(G, O // G, Kg)
    out = xp.empty((N, O) + geom.out_size, dtype=work)
    for lo, hi in _chunks(N, geom, G * Kg, work.itemsize):
        columns = (hi - lo) * geom.positions
        cols = unfold_cols(x[lo:hi], geom, None if kept is not None else "cols")
        cols = cols.reshape(G, Kg, columns)
        if kept is not None:
            kept.append(cols)
        y_t = xp.matmul(w, cols, out=_scratch("gemm", (G, O // G, columns), work))
        _channels_first(y_t.reshape((O, hi - lo) + geom.out_size), bias, out[lo:hi])
    return out.astype(dtype, copy=False)


def _flipped_geometry(geom):
    """With stride 1 the input gradient is itself a convolution: of g, padded by
    d(k - 1) - p, with the kernel flipped and its channel axes swapped. Unfolding g (copies)
    is cheaper than folding the columns back (zero fill and read-modify-write adds), so that
    is the way taken then, unless g's columns would be the larger ones. None when a stride
    is not 1 (or the padding would be negative)."""
    if any(s != 1 for s in geom.stride):
        return None
    reach = [d * (k - 1) for k, d in zip(geom.kernel, geom.dilation)]
    lo = tuple(r - p for r, p in zip(reach, geom.pad_lo))
    hi = tuple(s + r - q - p for s, r, q, p in zip(geom.in_size, reach, geom.out_size, lo))
    if min(lo + hi) < 0:
        return None
    return geometry(geom.out_size, geom.in_size, geom.kernel, geom.stride, geom.dilation,
                        lo, hi, geom.groups)


def _flipped_weight(weight, groups):
    """(O, C/G, *K) -> (C, O/G, *K): per group the channel axes swapped, the kernel flipped."""
    O, Cg = weight.shape[:2]
    kernel = weight.shape[2:]
    w = weight.reshape((groups, O // groups, Cg) + kernel).swapaxes(1, 2)
    w = w[(Ellipsis,) + (slice(None, None, -1),) * len(kernel)]
    return xp.ascontiguousarray(w).reshape((groups * Cg, O // groups) + kernel)


def conv_input_grad(g, weight, geom, bias=None):
    """dx (N, C, *S) = fold(W.T @ g) for g (N, O, *Q): the adjoint of conv_forward in x
    (and, with a bias, the transposed convolution's forward)."""
    N, G, O = g.shape[0], geom.groups, weight.shape[0]
    C = weight.shape[1] * G
    flipped = _flipped_geometry(geom)
    # unfolding g moves O * prod(S) entries per kernel offset, folding C * prod(Q)
    if flipped is not None and O * math.prod(geom.in_size) <= C * geom.positions:
        return conv_forward(g, _flipped_weight(weight, geom.groups), flipped, bias)
    dtype, work = g.dtype, _compute_dtype(g.dtype)
    g = g.astype(work, copy=False)
    bias = None if bias is None else bias.astype(work, copy=False)
    Kg = weight.shape[1] * math.prod(geom.kernel)
    w_t = weight.astype(work, copy=False).reshape(G, O // G, Kg).transpose(0, 2, 1)
    out = xp.empty((N, C) + geom.in_size, dtype=work)
    for lo, hi in _chunks(N, geom, G * Kg, work.itemsize):
        columns = (hi - lo) * geom.positions
        g_t = _channels_leading(g[lo:hi], "lead").reshape(G, O // G, columns)
        dcols = xp.matmul(w_t, g_t, out=_scratch("gemm", (G, Kg, columns), work))
        dcols = dcols.reshape((C,) + tuple(geom.kernel) + (hi - lo,) + geom.out_size)
        fold_cols(dcols, geom, bias, out[lo:hi])
    return out.astype(dtype, copy=False)


def conv_weight_grad(x, g, geom, kept=None):
    """dW (O, C/G, *K) = g @ unfold(x).T, summed over the batch and output positions (with the
    forward's columns if it `kept` them, else unfolded again chunk by chunk)."""
    N, C, O, G = x.shape[0], x.shape[1], g.shape[1], geom.groups
    dtype, work = x.dtype, _compute_dtype(x.dtype)
    x, g = x.astype(work, copy=False), g.astype(work, copy=False)
    Kg = C // G * math.prod(geom.kernel)
    dw = None
    for i, (lo, hi) in enumerate(_chunks(N, geom, G * Kg, work.itemsize)):
        columns = (hi - lo) * geom.positions
        cols = kept[i] if kept else unfold_cols(x[lo:hi], geom, "cols")
        cols = cols.reshape(G, Kg, columns)
        g_t = _channels_leading(g[lo:hi], "lead").reshape(G, O // G, columns)
        part = xp.matmul(g_t, cols.transpose(0, 2, 1))
        if dw is None:
            dw = part
        else:
            dw += part
    return dw.reshape(geom.weight_shape(O, C)).astype(dtype, copy=False)


def _bias_grad(g):
    """db = g summed over every axis but the channels."""
    return g.sum(axis=(0,) + tuple(range(2, g.ndim)))


# ---------------------------------------------------------------------------------------------
# the autograd nodes
# ---------------------------------------------------------------------------------------------
class Conv(Function):
    """y = conv(x, W) + b        x (N, C, *S), W (O, C/G, *K), b (O,) -> y (N, O, *Q)
    grad: dx = conv_transpose(g, W),  dW = g @ unfold(x).T,  db = sum of g over N and Q"""

    differentiable_backward = True
    _node_name = "ConvolutionBackward0"

    @staticmethod
    def forward(ctx, x, weight, bias=None, geom=None, keep_cols=False):
        kept = [] if keep_cols else None
        out = conv_forward(x, weight, geom, bias, kept)
        # kept columns go with the saved arrays, so the engine frees them after backward
        ctx.save_for_backward(x, weight, *(kept or ()))
        ctx.geom = geom
        return out

    @staticmethod
    def backward(ctx, g):
        x, weight, *kept = ctx.saved_tensors
        need_x, need_w, need_b = (ctx.needs_input_grad + (False, False))[:3]
        geom = ctx.geom
        if isinstance(g, Tensor):           # create_graph: the same maps as graph nodes
            gx = ConvTranspose.apply(g, weight, geom=geom) if need_x else None
            gw = ConvWeightGrad.apply(x, g, geom=geom) if need_w else None
            gb = g.sum(dim=[0] + list(range(2, g.dim()))) if need_b else None
            return gx, gw, gb
        gw = conv_weight_grad(x, g, geom, kept) if need_w else None
        gx = conv_input_grad(g, weight, geom) if need_x else None
        gb = _bias_grad(g) if need_b else None
        return gx, gw, gb


class ConvTranspose(Function):
    """y = conv_transpose(x, W) + b    x (N, Cin, *Q), W (Cin, Cout/G, *K) -> y (N, Cout, *S)
    grad: dx = conv(g, W),  dW = x @ unfold(g).T,  db = sum of g over N and S"""

    differentiable_backward = True
    _node_name = "ConvolutionBackward0"

    @staticmethod
    def forward(ctx, x, weight, bias=None, geom=None):
        ctx.save_for_backward(x, weight)
        ctx.geom = geom
        return conv_input_grad(x, weight, geom, bias)

    @staticmethod
    def backward(ctx, g):
        x, weight = ctx.saved_tensors
        need_x, need_w, need_b = (ctx.needs_input_grad + (False, False))[:3]
        geom = ctx.geom
        if isinstance(g, Tensor):
            gx = Conv.apply(g, weight, geom=geom) if need_x else None
            gw = ConvWeightGrad.apply(g, x, geom=geom) if need_w else None
            gb = g.sum(dim=[0] + list(range(2, g.dim()))) if need_b else None
            return gx, gw, gb
        gw = conv_weight_grad(g, x, geom) if need_w else None
        gx = conv_forward(g, weight, geom) if need_x else None
        gb = _bias_grad(g) if need_b else None
        return gx, gw, gb


class ConvWeightGrad(Function):
    """dW = g @ unfold(x).T   (the weight gradient as a node, for double backward)
    grad (upstream H, shaped like W): dx = conv_transpose(g, H),  dg = conv(x, H)"""

    differentiable_backward = True
    _node_name = "ConvolutionBackwardBackward0"

    @staticmethod
    def forward(ctx, x, g, geom=None):
        ctx.save_for_backward(x, g)
        ctx.geom = geom
        return conv_weight_grad(x, g, geom)

    @staticmethod
    def backward(ctx, h):
        x, g = ctx.saved_tensors
        need_x, need_g = ctx.needs_input_grad[:2]
        geom = ctx.geom
        if isinstance(h, Tensor):
            gx = ConvTranspose.apply(g, h, geom=geom) if need_x else None
            gg = Conv.apply(x, h, geom=geom) if need_g else None
            return gx, gg
        gx = conv_input_grad(g, h, geom) if need_x else None
        gg = conv_forward(x, h, geom) if need_g else None
        return gx, gg


# ---------------------------------------------------------------------------------------------
# arguments, checks and PyTorch's messages
# ---------------------------------------------------------------------------------------------
def _int_list(fname, name, value, n):
    """An int or a sequence of ints -> list (an int is repeated n times, as PyTorch's binding
    does); TypeError for anything else."""
    if isinstance(value, (int, xp.integer)) and not isinstance(value, bool):
        return [int(value)] * n
    if isinstance(value, (tuple, list)) and all(
            isinstance(v, (int, xp.integer)) and not isinstance(v, bool) for v in value):
        return [int(v) for v in value]
    raise TypeError(f"{fname}(): argument '{name}' must be tuple of ints, not "
                    f"{type(value).__name__}")


def _check_tensors(fname, input, weight, bias):
    for position, (name, value) in enumerate((("input", input), ("weight", weight)), 1):
        check_tensor(fname, value, name, position, several_overloads=True)
    if bias is not None:
        check_tensor(fname, bias, "bias", 3, several_overloads=True)


def _check_input_dims(fname, input, n):
    if input.dim() not in (n + 1, n + 2):
        raise RuntimeError(f"Expected {n + 1}D (unbatched) or {n + 2}D (batched) input to "
                           f"{fname}, but got input of size: {list(input.shape)}")


def _check_lengths(weight, **params):
    k = weight.dim() - 2
    for name, values in params.items():
        if len(values) != k:
            raise RuntimeError(f"expected {name} to be a single integer value or a list of "
                               f"{k} values to match the convolution dimensions, but got "
                               f"{name}={values}")


def _check_dtypes(fname, x, w, b):
    """Same dtype for input, weight and bias (PyTorch's messages); a dtype with a kernel."""
    if x.dtype != w.dtype:
        if x.dtype == xp.float32:
            raise RuntimeError(f"Input type (torch.{scalar_name(x.dtype)}Tensor) and weight "
                               f"type (torch.{scalar_name(w.dtype)}Tensor) "
                               f"should be the same or input should be a MKLDNN tensor and "
                               f"weight is a dense tensor")
        raise RuntimeError(f"expected scalar type {scalar_name(x.dtype)} "
                           f"but found {scalar_name(w.dtype)}")
    if b is not None and b.dtype != x.dtype:
        raise RuntimeError(f"Input type ({cpp_name(x.dtype)}) and "
                           f"bias type ({cpp_name(b.dtype)}) should "
                           f"be the same")
    if x.dtype.kind not in "fiu":
        name = scalar_name(x.dtype)
        raise NotImplementedError(f'"slow_conv{max(fname_dims(fname), 2)}d_cpu" not '
                                  f"implemented for '{name}'")


def fname_dims(fname):
    return int(fname.rstrip("d")[-1])


def _check_params(weight, groups, stride, padding, dilation, output_padding=None):
    if any(p < 0 for p in padding):
        raise RuntimeError("negative padding is not supported")
    if output_padding is not None and any(p < 0 for p in output_padding):
        raise RuntimeError("negative output_padding is not supported")
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(d <= 0 for d in dilation):
        raise RuntimeError("non-positive dilation is not supported")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    sizes = list(weight.shape)
    if sizes[0] < groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be at least {groups} at "
                           f"dimension 0, but got weight of size {sizes} instead")
    if sizes[0] % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by "
                           f"{groups} at dimension 0, but got weight of size [{sizes}] "
                           f"instead")


def _same_padding(kernel, dilation):
    """'same': total padding d*(k - 1) per axis, the odd one extra on the right (PyTorch)."""
    total = [d * (k - 1) for k, d in zip(kernel, dilation)]
    return [t // 2 for t in total], [t - t // 2 for t in total]


def _geometry(x_shape, weight, stride, pad_lo, pad_hi, dilation, groups):
    """The forward convolution's geometry, after PyTorch's size check."""
    kernel = tuple(weight.shape[2:])
    spatial = tuple(x_shape[2:])
    padded = [s + lo + hi for s, lo, hi in zip(spatial, pad_lo, pad_hi)]
    reach = [d * (k - 1) + 1 for k, d in zip(kernel, dilation)]
    if any(p < r for p, r in zip(padded, reach)):
        raise RuntimeError(f"Calculated padded input size per channel: "
                           f"({' x '.join(map(str, padded))}). Kernel size: "
                           f"({' x '.join(map(str, reach))}). Kernel size can't be greater "
                           f"than actual input size")
    out = tuple((p - r) // s + 1 for p, r, s in zip(padded, reach, stride))
    return geometry(spatial, out, kernel, tuple(stride), tuple(dilation), tuple(pad_lo),
                    tuple(pad_hi), groups)


# The forward's columns are kept for the weight gradient only when they are this small.
# Larger ones are recomputed on the scratch buffer: kept columns are new memory whose page
# faults cost more than unfolding again (LeNet-5's first layer: 20 MB of columns, 8 ms of
# faults against 2 ms of copies), and a step's memory stays near PyTorch's
# (bench/cnn_memory.py).
KEEP_COLS_BYTES = 1 << 20


def _keep_cols(x, weight, geom):
    """Keep the columns only when the weight gradient will be needed and they are small."""
    if not (grad_mode.enabled and weight.requires_grad):
        return False
    size = x.shape[0] * weight.shape[1] * geom.groups * math.prod(geom.kernel) * \
        geom.positions * x._data.itemsize
    return size <= KEEP_COLS_BYTES


def _convnd(fname, n, input, weight, bias, stride, padding, dilation, groups):
    _check_tensors(fname, input, weight, bias)
    _check_input_dims(fname, input, n)
    stride = _int_list(fname, "stride", stride, n)
    dilation = _int_list(fname, "dilation", dilation, n)
    if isinstance(padding, str):
        _check_lengths(weight, stride=stride, dilation=dilation)
        if padding == "valid":
            padding = [0] * len(stride)
        elif padding == "same":
            if any(s != 1 for s in stride):
                raise RuntimeError("padding='same' is not supported for strided convolutions")
            pad_lo, pad_hi = _same_padding(weight.shape[2:], dilation)
            padding = None
        else:
            raise RuntimeError(f"Invalid padding string: '{padding}'")
    if padding is not None:
        padding = _int_list(fname, "padding", padding, n)
        _check_lengths(weight, stride=stride, padding=padding, dilation=dilation)
        pad_lo = pad_hi = padding
    if not isinstance(groups, (int, xp.integer)) or isinstance(groups, bool):
        raise TypeError(f"{fname}(): argument 'groups' must be int, not "
                        f"{type(groups).__name__}")
    _check_params(weight, groups, stride, pad_lo, dilation)
    batched = input.dim() == n + 2
    x = input if batched else input.unsqueeze(0)
    shape, w_shape = tuple(x.shape), list(weight.shape)
    if shape[1] != w_shape[1] * groups:
        raise RuntimeError(f"Given groups={groups}, weight of size {w_shape}, expected "
                           f"input{list(shape)} to have {w_shape[1] * groups} channels, but "
                           f"got {shape[1]} channels instead")
    if bias is not None and (bias.dim() != 1 or bias.shape[0] != w_shape[0]):
        raise RuntimeError(f"Given weight of size {w_shape}, expected bias to be 1-dimensional "
                           f"with {w_shape[0]} elements, but got bias of size "
                           f"{list(bias.shape)} instead")
    geom = _geometry(shape, weight, stride, pad_lo, pad_hi, dilation, groups)
    _check_dtypes(fname, x._data, weight._data, None if bias is None else bias._data)
    out = Conv.apply(x, weight, bias, geom=geom, keep_cols=_keep_cols(x, weight, geom))
    return out if batched else out.squeeze(0)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-d convolution (cross-correlation): (N, C, L) or (C, L) -> (N, O, Lo).

    weight (O, C/groups, kL), bias (O,); padding an int, a tuple, 'valid' or 'same'.
    One fused autograd node (see the module docstring for the layout)."""
    return _convnd("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-d convolution (cross-correlation): (N, C, H, W) or (C, H, W) -> (N, O, Ho, Wo),
    Ho = floor((H + 2p - d(kH - 1) - 1) / s) + 1.

    weight (O, C/groups, kH, kW), bias (O,); padding an int, a tuple, 'valid' or 'same'
    ('same' with an even kernel pads one more on the right/bottom, as PyTorch)."""
    return _convnd("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """3-d convolution: (N, C, D, H, W) or (C, D, H, W) -> (N, O, Do, Ho, Wo).

    weight (O, C/groups, kD, kH, kW), bias (O,)."""
    return _convnd("conv3d", 3, input, weight, bias, stride, padding, dilation, groups)


# ---------------------------------------------------------------------------------------------
# transposed convolution
# ---------------------------------------------------------------------------------------------
def _conv_transposend(fname, n, input, weight, bias, stride, padding, output_padding, groups,
                      dilation):
    _check_tensors(fname, input, weight, bias)
    _check_input_dims(fname, input, n)
    stride = _int_list(fname, "stride", stride, n)
    padding = _int_list(fname, "padding", padding, n)
    output_padding = _int_list(fname, "output_padding", output_padding, n)
    dilation = _int_list(fname, "dilation", dilation, n)
    if not isinstance(groups, (int, xp.integer)) or isinstance(groups, bool):
        raise TypeError(f"{fname}(): argument 'groups' must be int, not "
                        f"{type(groups).__name__}")
    _check_lengths(weight, stride=stride, padding=padding, dilation=dilation,
                   output_padding=output_padding)
    _check_params(weight, groups, stride, padding, dilation, output_padding)
    if any(op >= s and op >= d for op, s, d in zip(output_padding, stride, dilation)):
        axes = ("depth", "height", "width")[-n:] if n > 1 else ("width",)
        raise RuntimeError(
            "output padding must be smaller than either stride or dilation, but got " +
            " ".join(f"output_padding_{a}: {v}" for a, v in zip(axes, output_padding)) + " " +
            " ".join(f"stride_{a}: {v}" for a, v in zip(axes, stride)) + " " +
            " ".join(f"dilation_{a}: {v}" for a, v in zip(axes, dilation)))
    batched = input.dim() == n + 2
    x = input if batched else input.unsqueeze(0)
    shape, w_shape = tuple(x.shape), list(weight.shape)
    if shape[1] != w_shape[0]:
        raise RuntimeError(f"Given transposed=1, weight of size {w_shape}, expected "
                           f"input{list(shape)} to have {w_shape[0]} channels, but got "
                           f"{shape[1]} channels instead")
    out_channels = w_shape[1] * groups
    if bias is not None and (bias.dim() != 1 or bias.shape[0] != out_channels):
        raise RuntimeError(f"Given transposed=1, weight of size {w_shape}, expected bias to be "
                           f"1-dimensional with {out_channels} elements, but got bias of size "
                           f"{list(bias.shape)} instead")
    kernel = tuple(w_shape[2:])
    in_size = tuple(shape[2:])
    out_size = tuple((q - 1) * s - 2 * p + d * (k - 1) + op + 1 for q, s, p, d, k, op in
                     zip(in_size, stride, padding, dilation, kernel, output_padding))
    if any(o <= 0 for o in out_size):
        raise RuntimeError(f"Given input size per channel: ({' x '.join(map(str, in_size))}). "
                           f"Calculated output size per channel: "
                           f"({' x '.join(map(str, out_size))}). Output size is too small")
    _check_dtypes(fname, x._data, weight._data, None if bias is None else bias._data)
    # the convolution this one is the transpose of: from y's size (out_size) to x's (in_size)
    geom = geometry(out_size, in_size, kernel, tuple(stride), tuple(dilation), tuple(padding),
                    tuple(padding), groups)
    out = ConvTranspose.apply(x, weight, bias, geom=geom)
    return out if batched else out.squeeze(0)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """Transposed 1-d convolution (the gradient of conv1d with respect to its input):
    (N, Cin, L) -> (N, Cout, Lo), Lo = (L - 1)s - 2p + d(k - 1) + output_padding + 1.

    weight (Cin, Cout/groups, kL), bias (Cout,)."""
    return _conv_transposend("conv_transpose1d", 1, input, weight, bias, stride, padding,
                             output_padding, groups, dilation)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """Transposed 2-d convolution: (N, Cin, H, W) -> (N, Cout, Ho, Wo),
    Ho = (H - 1)s - 2p + d(kH - 1) + output_padding + 1. weight (Cin, Cout/groups, kH, kW)."""
    return _conv_transposend("conv_transpose2d", 2, input, weight, bias, stride, padding,
                             output_padding, groups, dilation)


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """Transposed 3-d convolution: (N, Cin, D, H, W) -> (N, Cout, Do, Ho, Wo).
    weight (Cin, Cout/groups, kD, kH, kW)."""
    return _conv_transposend("conv_transpose3d", 3, input, weight, bias, stride, padding,
                             output_padding, groups, dilation)
