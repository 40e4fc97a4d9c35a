"""Pooling over sliding windows: max_pool, avg_pool, lp_pool and max_unpool in 1, 2 and 3
spatial dims (the last dims of a batched (N, C, *spatial) or unbatched (C, *spatial) input).

Each pool is one fused autograd node, and the windows are never copied out. For one kernel
offset (i, j) the input entries it reads, over all windows at once, form a strided slice of
the (padded) input with the output's shape:

    x_pad[..., i*dH : i*dH + (Ho - 1)*sH + 1 : sH,   j*dW : j*dW + (Wo - 1)*sW + 1 : sW]

so a pool is a loop over the kH*kW kernel offsets of whole-array max/add (never over batch,
channels or pixels), and its backward is one slice-add per offset. Max pooling records per
output which offset won (`arg`); the flat per-plane index PyTorch returns with
`return_indices=True` is computed from it only when asked for.

1-d pools run as 2-d pools over an inserted axis (unsqueeze, pool, squeeze), as PyTorch does,
so their graphs print the same nodes.
"""
import itertools
import math
from collections import abc

from .._backend import xp, scalar_name
from .._tensor import Tensor
from ._util import check_tensor
from ..autograd import grad_mode
from ..autograd.function import Function

# ---------------------------------------------------------------------------------------------
# arguments
# ---------------------------------------------------------------------------------------------
FLOAT_DTYPES = ("float16", "float32", "float64")
INT_DTYPES = ("uint8", "int8", "int16", "int32", "int64")
_COUNTS = {1: "one", 2: "two", 3: "three"}


def _ints(fname, name, value, n, position):
    """`value` (an int, or a sequence of 1 or n ints) as a tuple of n ints, with PyTorch's
    errors: TypeError for a non-int, RuntimeError for a sequence of the wrong length."""
    items = tuple(value) if isinstance(value, abc.Sequence) else (value,)
    for v in items:
        if isinstance(v, bool) or not isinstance(v, (int, xp.integer)):
            raise TypeError(f"{fname}(): argument '{name}' (position {position}) must be tuple "
                            f"of ints, not {type(v).__name__}")
    if len(items) == 1:
        return (int(items[0]),) * n
    if len(items) != n:
        verb = "must either be omitted, a single int," if name == "stride" else \
            "must either be a single int,"
        raise RuntimeError(f"{fname}: {name} {verb} or a tuple of {_COUNTS[n]} ints")
    return tuple(int(v) for v in items)


def _stride(fname, stride, kernel, n):
    """stride defaults to the kernel size (None or an empty list, as PyTorch's binding)."""
    if stride is None or (isinstance(stride, abc.Sequence) and len(stride) == 0):
        return kernel
    return _ints(fname, "stride", stride, n, 3)


def check_input(fname, input, n):
    """An (N, C, *spatial) or (C, *spatial) tensor with non-empty non-batch dims."""
    check_tensor(fname, input)
    shape = tuple(input.shape)
    if len(shape) not in (n + 1, n + 2) or any(s == 0 for s in shape[-n - 1:]):
        raise RuntimeError(f"{fname}: Expected {n + 1}D or {n + 2}D (batch mode) tensor with "
                           f"optional 0 dim batch size for input, but got:{list(shape)}")


def check_dtype(fname, input, allowed):
    """PyTorch's NotImplementedError for a dtype its kernel has no version of (`allowed`: the
    NumPy names of the dtypes it has)."""
    name = input._data.dtype.name
    if name not in allowed:
        raise NotImplementedError(f'"{fname}" not implemented for '
                                  f"'{scalar_name(input._data.dtype)}'")


def _out_length(in_size, kernel, stride, padding, dilation, ceil_mode):
    """Output length along one axis (PyTorch's pooling_output_shape): floor (or ceil) of
    (in + 2p - d(k - 1) - 1) / s, plus one; with ceil_mode the last window must still start
    inside the input or the left padding."""
    span = in_size + 2 * padding - dilation * (kernel - 1) - 1
    if not ceil_mode:
        return span // stride + 1
    out = -(-span // stride) + 1
    if (out - 1) * stride >= in_size + padding:
        out -= 1
    return out


def _named(name, values):
    """'padH = 1, padW = 2' for a message (PyTorch names the axes T, H, W)."""
    return ", ".join(f"{name}{axis} = {v}" for axis, v in zip("THW"[-len(values):], values))


def _geometry(shape, kernel, stride, padding, dilation, ceil_mode):
    """Validate a pool's arguments against the input `shape` (PyTorch's checks and messages)
    and return its Windows."""
    n = len(kernel)
    if any(s == 0 for s in stride):
        raise RuntimeError("stride should not be zero")
    if any(s < 0 for s in stride):
        raise RuntimeError(f"stride should be greater than zero, but got {_named('d', stride)}")
    if any(p < 0 for p in padding):
        raise RuntimeError(f"pad must be non-negative, but got pad: {min(padding)}")
    for k, p, d in zip(kernel, padding, dilation):
        if p > ((k - 1) * d + 1) // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got "
                               f"pad={p}, kernel_size={k} and dilation={d}")
    if any(k <= 0 for k in kernel):
        raise RuntimeError(f"kernel size should be greater than zero, but got "
                           f"{_named('k', kernel)}")
    if any(d <= 0 for d in dilation):
        raise RuntimeError(f"dilation should be greater than zero, but got "
                           f"{_named('dilation', dilation)}")
    if any(p > k // 2 for k, p in zip(kernel, padding)):
        raise RuntimeError(f"pad should be smaller than or equal to half of kernel size, but "
                           f"got {_named('pad', padding)}, {_named('k', kernel)}")
    spatial = tuple(shape[-n:])
    out = tuple(_out_length(*args, ceil_mode)
                for args in zip(spatial, kernel, stride, padding, dilation))
    if any(o < 1 for o in out):
        plane = tuple(shape[-n - 1:])
        raise RuntimeError(f"Given input size: ({'x'.join(map(str, plane))}). Calculated "
                           f"output size: ({'x'.join(map(str, plane[:1] + out))}). Output size "
                           f"is too small")
    return Windows(spatial, kernel, stride, padding, dilation, out)


# ---------------------------------------------------------------------------------------------
# the windows: one strided slice per kernel offset
# ---------------------------------------------------------------------------------------------
class Windows:
    """Where a pool's windows sit along the last n = len(kernel) axes.

    Window o along an axis covers padded positions o*s + k*d (k < kernel); the input occupies
    positions [p, p + in) of the padded array (`pad`). `views(padded)` gives, for each kernel
    offset, the strided slice it reads in every window: an array of the output's shape.

    (Splitting the padded input into stride phases would make these slices unit-stride, but
    on CNN-sized planes the extra copy costs what the faster loops save: measured, not kept.)"""

    def __init__(self, in_size, kernel, stride, padding, dilation, out_size):
        self.in_size, self.kernel, self.stride = tuple(in_size), kernel, stride
        self.padding, self.dilation, self.out_size = padding, dilation, out_size
        # positions the windows reach: the last one ends at (o - 1)*s + d*(k - 1)
        reach = [(o - 1) * s + d * (k - 1) + 1
                 for o, s, d, k in zip(out_size, stride, dilation, kernel)]
        # the padded extent: big enough for every window and for the whole input
        self.padded_size = tuple(max(r, p + n) for r, p, n in zip(reach, padding, in_size))
        self.needs_padding = self.padded_size != self.in_size
        self.inner = tuple(slice(p, p + n) for p, n in zip(padding, in_size))
        # no two windows share an input position when each ends before the next begins
        self.disjoint = all(s >= d * (k - 1) + 1 for s, d, k in zip(stride, dilation, kernel))
        # the windows sit side by side from the first entry on (the reshape case)
        self.tiles = stride == kernel and all(d == 1 for d in dilation) and \
            not any(padding) and all(o * k <= n for o, k, n in zip(out_size, kernel, in_size))
        self.offsets = list(itertools.product(*(range(k) for k in kernel)))

    def pad(self, x, fill):
        """x inside a block of `fill` of the padded size (x itself when nothing pads)."""
        if not self.needs_padding:
            return x
        out = xp.full(x.shape[:-len(self.kernel)] + self.padded_size, fill, dtype=x.dtype)
        out[(Ellipsis,) + self.inner] = x
        return out

    def crop(self, padded):
        """The input's part of a padded array (the inverse of `pad`)."""
        return padded[(Ellipsis,) + self.inner] if self.needs_padding else padded

    def padded_shape(self, x_shape):
        return tuple(x_shape[:-len(self.kernel)]) + self.padded_size

    def views(self, padded):
        """For each kernel offset (in C order), the strided slice of `padded` it reads in every
        window."""
        for offset in self.offsets:
            yield padded[(Ellipsis,) + tuple(
                slice(k * d, k * d + (o - 1) * s + 1, s)
                for k, d, o, s in zip(offset, self.dilation, self.out_size, self.stride))]

    def flat_indices(self, arg):
        """PyTorch's return_indices: the flat index, within its (unpadded) input plane, of the
        entry that kernel offset `arg` picks in each window."""
        n = len(self.kernel)
        index = xp.zeros(arg.shape, dtype=xp.int64)
        inner = 1
        for axis in reversed(range(n)):
            k, s, p, d, o = (self.kernel[axis], self.stride[axis], self.padding[axis],
                             self.dilation[axis], self.out_size[axis])
            offset = (arg // math.prod(self.kernel[axis + 1:])) % k
            start = (xp.arange(o) * s - p).reshape((o,) + (1,) * (n - 1 - axis))
            index += (start + offset * d) * inner
            inner *= self.in_size[axis]
        return index

    def first_valid_arg(self):
        """Per window, the kernel offset of its first entry inside the input (PyTorch's index
        for a window whose entries are all -inf): on each axis the first k with
        o*s - p + k*d >= 0."""
        n = len(self.kernel)
        arg = 0
        for axis in range(n):
            k, s, p, d, o = (self.kernel[axis], self.stride[axis], self.padding[axis],
                             self.dilation[axis], self.out_size[axis])
            first = -(-xp.maximum(p - xp.arange(o) * s, 0) // d)
            arg = arg * k + first.reshape((o,) + (1,) * (n - 1 - axis))
        return arg


def _lowest(dtype):
    """The padding value of max pooling: -inf, or the smallest integer of the dtype."""
    return -xp.inf if dtype.kind == "f" else xp.iinfo(dtype).min


def _arg_dtype(count):
    return xp.uint8 if count <= 256 else xp.int32


# ---------------------------------------------------------------------------------------------
# max pooling
# ---------------------------------------------------------------------------------------------
def _window_max(x, win, want_arg):
    """(max over each window, which kernel offset holds it or None).

    Ties go to the first offset; a NaN wins over numbers and the last NaN over earlier ones
    (PyTorch's kernel scans a window in order keeping `val > max or isnan(val)`)."""
    views = list(win.views(win.pad(x, _lowest(x.dtype))))
    out = views[0].copy()
    if not want_arg:
        for view in views[1:]:
            xp.maximum(out, view, out=out)      # NaN-propagating
        return out, None
    # arg = the last offset at which the running max strictly grew, i.e. the first offset
    # holding the window's max; offsets increase, so that is a running maximum of k * grew
    arg = xp.zeros(out.shape, dtype=_arg_dtype(len(views)))
    grew_at = xp.empty_like(arg)
    for k, view in enumerate(views[1:], 1):
        grew = xp.greater(view, out)
        xp.maximum(out, view, out=out)
        xp.multiply(grew, arg.dtype.type(k), out=grew_at)
        xp.maximum(arg, grew_at, out=arg)
    if x.dtype.kind == "f":
        nan = xp.isnan(out)
        if nan.any():                           # rare: redo those windows by PyTorch's rule
            for k, view in enumerate(views):    # first to last, so the last NaN stays
                xp.copyto(arg, k, where=nan & xp.isnan(view))
    if win.needs_padding:   # an all -inf window: PyTorch points at its first real entry
        empty = out == _lowest(x.dtype)
        if empty.any():
            first = xp.broadcast_to(win.first_valid_arg(), arg.shape).astype(arg.dtype)
            xp.copyto(arg, first, where=empty)
    return out, arg


def _scatter_to_windows(g, arg, win, x_shape):
    """dx: each g[o] added at the entry of window o that kernel offset arg[o] names (one
    masked slice-add per offset; a plain write when no two windows share an entry)."""
    if g.dtype == xp.float16:   # PyTorch sums half gradients in float32
        return _scatter_to_windows(g.astype(xp.float32), arg, win, x_shape).astype(g.dtype)
    # windows that tile the whole input write every entry of dx once: no zeros needed
    covered = win.tiles and all(o * k == s for o, k, s in
                                zip(win.out_size, win.kernel, win.in_size))
    grad = (xp.empty if covered else xp.zeros)(win.padded_shape(x_shape), dtype=g.dtype)
    picked = None if win.disjoint else xp.empty_like(g)
    # g times the 0/1 mask is the fast pick; an inf or NaN in g would make NaN where the mask
    # is 0 (PyTorch leaves 0 there), so then the pick is a masked copy
    finite = bool(xp.isfinite(g).all())
    for k, view in enumerate(win.views(grad)):
        target = view if win.disjoint else picked
        if finite:
            xp.multiply(g, arg == k, out=target)
        else:
            target[...] = 0
            xp.copyto(target, g, where=arg == k)
        if not win.disjoint:
            view += picked
    return win.crop(grad)


def _gather_from_windows(x, arg, win):
    """out[o] = x at the entry of window o that kernel offset arg[o] names (zero padding)."""
    out = xp.zeros(arg.shape, dtype=x.dtype)
    for k, view in enumerate(win.views(win.pad(x, 0))):
        xp.copyto(out, view, where=arg == k)
    return out


class MaxPool(Function):
    """out[o] = max of x over window o;  arg[o] = the kernel offset holding it
    grad: dx[entry arg[o] of window o] += g[o]   (one slice-add per kernel offset)"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x, win, need_grad, return_indices):
        out, arg = _window_max(x, win, need_grad or return_indices)
        ctx._node_name = f"MaxPool{len(win.kernel)}DWithIndicesBackward0"
        if need_grad:
            ctx.save_for_backward(arg)
            ctx.win, ctx.x_shape = win, x.shape
        if not return_indices:
            return out
        indices = win.flat_indices(arg)
        ctx.mark_non_differentiable(indices)
        return out, indices

    @staticmethod
    def backward(ctx, g, g_indices=None):
        (arg,) = ctx.saved_tensors
        if isinstance(g, Tensor):   # create_graph: a node whose own backward is the gather
            return ScatterToWindows.apply(g, arg, ctx.win, ctx.x_shape)
        return _scatter_to_windows(g, arg, ctx.win, ctx.x_shape)


class ScatterToWindows(Function):
    """out = zeros(x_shape) with g[o] added at entry arg[o] of window o (max pool's backward)
    grad: dg[o] = gg at entry arg[o] of window o"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, g, arg, win, x_shape):
        ctx.arg, ctx.win = arg, win
        return _scatter_to_windows(g, arg, win, x_shape)

    @staticmethod
    def backward(ctx, gg):
        if isinstance(gg, Tensor):
            return GatherFromWindows.apply(gg, ctx.arg, ctx.win)
        return _gather_from_windows(gg, ctx.arg, ctx.win)


class GatherFromWindows(Function):
    """out[o] = x at entry arg[o] of window o
    grad: dx = zeros with g[o] added at entry arg[o] of window o"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x, arg, win):
        ctx.arg, ctx.win, ctx.x_shape = arg, win, x.shape
        return _gather_from_windows(x, arg, win)

    @staticmethod
    def backward(ctx, g):
        if isinstance(g, Tensor):
            return ScatterToWindows.apply(g, ctx.arg, ctx.win, ctx.x_shape)
        return _scatter_to_windows(g, ctx.arg, ctx.win, ctx.x_shape)


def _max_pool(input, kernel, stride, padding, dilation, ceil_mode, return_indices):
    """The shared body of max_pool{1,2,3}d once the arguments are tuples (1-d arrives here as
    2-d, with a kernel of 1 along the inserted axis)."""
    win = _geometry(input.shape, kernel, stride, padding, dilation, ceil_mode)
    need_grad = grad_mode.enabled and input._requires_grad
    return MaxPool.apply(input, win, need_grad, bool(return_indices))


def _max_pool_nd(fname, n, input, kernel_size, stride, padding, dilation, ceil_mode,
                 return_indices):
    kernel = _ints(fname, "kernel_size", kernel_size, n, 2)
    stride = _stride(fname, stride, kernel, n)
    padding = _ints(fname, "padding", padding, n, 4)
    dilation = _ints(fname, "dilation", dilation, n, 5)
    check_input(fname, input, n)
    check_dtype(fname, input, FLOAT_DTYPES + INT_DTYPES)
    return _max_pool(input, kernel, stride, padding, dilation, ceil_mode, return_indices)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """Max over windows of size kernel_size along the last dim: (N, C, L) or (C, L) ->
    (N, C, L_out), L_out = floor((L + 2p - d(k - 1) - 1) / s) + 1 (ceil with ceil_mode).
    Padding is -inf. With return_indices also each max's position in L (int64)."""
    fname = "max_pool1d"
    kernel = _ints(fname, "kernel_size", kernel_size, 1, 2)
    stride = _stride(fname, stride, kernel, 1)
    padding = _ints(fname, "padding", padding, 1, 4)
    dilation = _ints(fname, "dilation", dilation, 1, 5)
    check_input(fname, input, 1)
    check_dtype("max_pool1d_impl" if not return_indices else fname, input,
                FLOAT_DTYPES + (INT_DTYPES if return_indices else ()))
    result = _max_pool(input.unsqueeze(-2), (1,) + kernel, (1,) + stride,
                       (0,) + padding, (1,) + dilation, ceil_mode, return_indices)
    if return_indices:
        return result[0].squeeze(-2), result[1].squeeze(-2)
    return result.squeeze(-2)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """Max over kH x kW windows: (N, C, H, W) or (C, H, W) -> (N, C, H_out, W_out), each
    H_out = floor((H + 2p - d(k - 1) - 1) / s) + 1 (ceil with ceil_mode, the last window
    starting inside the input or left padding). stride defaults to kernel_size, padding is -inf.
    With return_indices also each max's flat index h*W + w in its plane (int64)."""
    return _max_pool_nd("max_pool2d", 2, input, kernel_size, stride, padding, dilation,
                        ceil_mode, return_indices)


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """Max over kD x kH x kW windows: (N, C, D, H, W) or (C, D, H, W) -> (N, C, D_out, H_out,
    W_out), sizes as in max_pool2d; indices are flat d*H*W + h*W + w."""
    return _max_pool_nd("max_pool3d", 3, input, kernel_size, stride, padding, dilation,
                        ceil_mode, return_indices)


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=False):
    return max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=False):
    return max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool3d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=False):
    return max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


# ---------------------------------------------------------------------------------------------
# average pooling
# ---------------------------------------------------------------------------------------------
def _avg_divisor(win, count_include_pad, divisor_override):
    """What each window's sum is divided by: divisor_override, or the window's size counting
    the padding it covers (count_include_pad) or only its entries inside the input. A window
    never counts beyond the padded input (a ceil_mode window hanging past it is cut). Returns
    a number or an array of the output's spatial shape (a product of per-axis counts)."""
    if divisor_override is not None:
        return divisor_override
    n = len(win.kernel)
    divisor = 1
    for axis in range(n):
        k, s, p, size, o = (win.kernel[axis], win.stride[axis], win.padding[axis],
                            win.in_size[axis], win.out_size[axis])
        start = xp.arange(o) * s - p
        end = xp.minimum(start + k, size + p)
        if not count_include_pad:
            start, end = xp.maximum(start, 0), xp.minimum(end, size)
        divisor = divisor * (end - start).reshape((o,) + (1,) * (n - 1 - axis))
    if isinstance(divisor, int) or (divisor == divisor.flat[0]).all():
        return int(xp.asarray(divisor).flat[0])
    return divisor


def _window_sum(x, win):
    """Sum of x over each window (zero padding)."""
    views = win.views(win.pad(x, 0))
    out = next(views).copy()
    for view in views:
        out += view
    return out


def _spread_over_windows(g, win, x_shape):
    """dx: every entry of window o gets g[o] (summed where windows overlap)."""
    n = len(win.kernel)
    if win.tiles:   # windows tile the input: repeat each g k times along each axis
        grad = g
        for axis, k in enumerate(win.kernel):
            grad = grad.repeat(k, axis=axis - n)
        if grad.shape == tuple(x_shape):
            return grad
        out = xp.zeros(x_shape, dtype=g.dtype)     # the rows and columns no window reaches
        out[(Ellipsis,) + tuple(slice(0, m) for m in grad.shape[-n:])] = grad
        return out
    grad = xp.zeros(win.padded_shape(x_shape), dtype=g.dtype)
    for view in win.views(grad):
        if win.disjoint:
            view[...] = g
        else:
            view += g
    return win.crop(grad)


def _divide(total, divisor):
    """total / divisor in the input's dtype; integers divide truncating toward zero, as
    PyTorch's integer kernel (C++ division) does."""
    if total.dtype.kind == "f":
        return total / divisor
    quotient = xp.abs(total) // xp.abs(divisor)
    return xp.where((total < 0) != (xp.asarray(divisor) < 0), -quotient, quotient)


def _avg_pool_grad(g, win, divisor, x_shape):
    """dx of avg pooling: g[o] / divisor[o] spread over window o (half computed in float32)."""
    work = g.astype(xp.float32) if g.dtype == xp.float16 else g
    return _spread_over_windows(work / divisor, win, x_shape).astype(g.dtype, copy=False)


class AvgPool(Function):
    """out[o] = sum of x over window o / divisor[o]   (zero padding)
    grad: dx[every entry of window o] += g[o] / divisor[o]   (one slice-add per kernel offset)"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x, win, divisor):
        ctx._node_name = f"AvgPool{len(win.kernel)}DBackward0"
        ctx.win, ctx.divisor, ctx.x_shape = win, divisor, x.shape
        if x.dtype == xp.float16:   # PyTorch accumulates half in float32
            return (_window_sum(x.astype(xp.float32), win) / divisor).astype(x.dtype)
        return _divide(_window_sum(x, win), divisor).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        if isinstance(g, Tensor):
            return AvgPoolTranspose.apply(g, ctx.win, ctx.divisor, ctx.x_shape)
        return _avg_pool_grad(g, ctx.win, ctx.divisor, ctx.x_shape)


class AvgPoolTranspose(Function):
    """out = zeros(x_shape) with g[o] / divisor[o] added over window o (avg pool's backward)
    grad: dg = avg_pool(gg)"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, g, win, divisor, x_shape):
        ctx.win, ctx.divisor = win, divisor
        return _avg_pool_grad(g, win, divisor, x_shape)

    @staticmethod
    def backward(ctx, gg):
        if isinstance(gg, Tensor):
            return AvgPool.apply(gg, ctx.win, ctx.divisor)
        return (_window_sum(gg, ctx.win) / ctx.divisor).astype(gg.dtype, copy=False)


def _avg_pool(input, kernel, stride, padding, ceil_mode, count_include_pad,
              divisor_override):
    """The shared body of avg_pool{1,2,3}d once the arguments are tuples."""
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    win = _geometry(input.shape, kernel, stride, padding, (1,) * len(kernel), ceil_mode)
    return AvgPool.apply(input, win, _avg_divisor(win, count_include_pad, divisor_override))


def _avg_pool_nd(fname, n, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                 divisor_override, dtypes):
    kernel = _ints(fname, "kernel_size", kernel_size, n, 2)
    stride = _stride(fname, stride, kernel, n)
    padding = _ints(fname, "padding", padding, n, 4)
    check_input(fname, input, n)
    check_dtype(fname, input, dtypes)
    return _avg_pool(input, kernel, stride, padding, ceil_mode, count_include_pad,
                     divisor_override)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True):
    """Mean over windows along the last dim: (N, C, L) or (C, L) -> (N, C, L_out), L_out as
    in max_pool1d (no dilation). Zero padding, counted in the mean when count_include_pad."""
    fname = "avg_pool1d"
    kernel = _ints(fname, "kernel_size", kernel_size, 1, 2)
    stride = _stride(fname, stride, kernel, 1)
    padding = _ints(fname, "padding", padding, 1, 4)
    if isinstance(input, Tensor) and input.dim() not in (2, 3):
        raise RuntimeError(f"Expected 2 to 3 dimensions, but got {input.dim()}-dimensional "
                           f"tensor for argument #1 'self' (while checking arguments for "
                           f"avg_pool1d)")
    check_input(fname, input, 1)
    check_dtype("avg_pool2d", input, FLOAT_DTYPES + ("int64",))
    out = _avg_pool(input.unsqueeze(-2), (1,) + kernel, (1,) + stride, (0,) + padding,
                    ceil_mode, count_include_pad, None)
    return out.squeeze(-2)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """Mean over kH x kW windows: (N, C, H, W) or (C, H, W) -> (N, C, H_out, W_out), sizes as
    in max_pool2d (no dilation). The divisor is divisor_override, else the window's size
    (count_include_pad) or its number of entries inside the input. int64 divides truncating."""
    return _avg_pool_nd("avg_pool2d", 2, input, kernel_size, stride, padding, ceil_mode,
                        count_include_pad, divisor_override, FLOAT_DTYPES + ("int64",))


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """Mean over kD x kH x kW windows: (N, C, D, H, W) or (C, D, H, W), as avg_pool2d
    (no float16, as PyTorch's CPU kernel)."""
    return _avg_pool_nd("avg_pool3d_out_frame", 3, input, kernel_size, stride, padding,
                        ceil_mode, count_include_pad, divisor_override,
                        ("float32", "float64", "int64"))


# ---------------------------------------------------------------------------------------------
# power-average pooling: (sum of x^p over the window)^(1/p), composed as PyTorch composes it
# ---------------------------------------------------------------------------------------------
def _lp_pool(pool, max_pool, input, norm_type, kernel_size, stride, ceil_mode, window):
    if norm_type == math.inf:
        return max_pool(input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    if norm_type == -math.inf:
        return -max_pool(-input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    out = pool(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    # sign * relu(|out|) keeps a window's negative mean (odd p) from reaching pow(1/p) as a
    # NaN-free value, exactly as PyTorch writes it
    return (out.sign() * out.abs().relu()).mul(window).pow(1.0 / norm_type)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """(sum over each window of x^p)^(1/p) along the last dim; p = inf is max_pool1d of |x|."""
    return _lp_pool(avg_pool1d, max_pool1d, input, norm_type, kernel_size, stride, ceil_mode,
                    kernel_size)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """(sum over each kH x kW window of x^p)^(1/p); p = inf is max_pool2d of |x|."""
    kh, kw = _ints("lp_pool2d", "kernel_size", kernel_size, 2, 3)
    return _lp_pool(avg_pool2d, max_pool2d, input, norm_type, kernel_size, stride, ceil_mode,
                    kh * kw)


def lp_pool3d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """(sum over each kD x kH x kW window of x^p)^(1/p); p = inf is max_pool3d of |x|."""
    kd, kh, kw = _ints("lp_pool3d", "kernel_size", kernel_size, 3, 3)
    return _lp_pool(avg_pool3d, max_pool3d, input, norm_type, kernel_size, stride, ceil_mode,
                    kd * kh * kw)


# ---------------------------------------------------------------------------------------------
# max unpooling: put each value back at the flat index max pooling reported
# ---------------------------------------------------------------------------------------------
def flat_planes(a, lead):
    """a as (*lead, plane size): its trailing dims flattened (also for an empty batch)."""
    return a.reshape(tuple(lead) + (math.prod(a.shape[len(lead):]),))


def _scatter_flat(values, indices, size, accumulate):
    """zeros(*lead, size) with values[..., i] placed (or added) at position indices[..., i] of
    its plane; values and indices are (*lead, P)."""
    lead = values.shape[:-1]
    out = xp.zeros(lead + (size,), dtype=values.dtype)
    if not accumulate:
        xp.put_along_axis(out, indices, values, axis=-1)
        return out
    planes = math.prod(lead)
    flat = indices.reshape(planes, indices.shape[-1]) + (xp.arange(planes) * size)[:, None]
    summed = xp.bincount(flat.ravel(), weights=values.reshape(-1), minlength=planes * size)
    return summed.astype(values.dtype, copy=False).reshape(lead + (size,))


class MaxUnpool(Function):
    """out[..., indices[..., i]] = x[..., i] in planes of size prod(out_size), zeros elsewhere
    grad: dx[..., i] = g[..., indices[..., i]]"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x, indices, out_size):
        n = len(out_size)
        ctx._node_name = f"MaxUnpool{n}DBackward0"
        lead = x.shape[:-n]
        flat_indices = flat_planes(indices, lead)
        ctx.flat_indices, ctx.x_shape = flat_indices, x.shape
        out = _scatter_flat(flat_planes(x, lead), flat_indices, math.prod(out_size), False)
        return out.reshape(lead + tuple(out_size))

    @staticmethod
    def backward(ctx, g):
        if isinstance(g, Tensor):
            return GatherFlat.apply(g, ctx.flat_indices, ctx.x_shape)
        lead = ctx.flat_indices.shape[:-1]
        picked = xp.take_along_axis(flat_planes(g, lead), ctx.flat_indices, axis=-1)
        return picked.reshape(ctx.x_shape)


class GatherFlat(Function):
    """out[..., i] = x[..., indices[..., i]] over each flattened plane, shaped `out_shape`
    grad: dx = zeros with g[..., i] added at indices[..., i]"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x, flat_indices, out_shape):
        lead = flat_indices.shape[:-1]
        ctx.flat_indices, ctx.x_shape = flat_indices, x.shape
        picked = xp.take_along_axis(flat_planes(x, lead), flat_indices, axis=-1)
        return picked.reshape(out_shape)

    @staticmethod
    def backward(ctx, g):
        if isinstance(g, Tensor):
            return ScatterFlat.apply(g, ctx.flat_indices, ctx.x_shape)
        lead = ctx.flat_indices.shape[:-1]
        size = math.prod(ctx.x_shape[len(lead):])
        out = _scatter_flat(flat_planes(g, lead), ctx.flat_indices, size, True)
        return out.reshape(ctx.x_shape)


class ScatterFlat(Function):
    """out = zeros(out_shape) with x[..., i] added at flat position indices[..., i] of each
    plane
    grad: dx[..., i] = g[..., indices[..., i]]"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x, flat_indices, out_shape):
        lead = flat_indices.shape[:-1]
        ctx.flat_indices, ctx.x_shape = flat_indices, x.shape
        size = math.prod(out_shape[len(lead):])
        return _scatter_flat(flat_planes(x, lead), flat_indices, size, True).reshape(
            out_shape)

    @staticmethod
    def backward(ctx, g):
        if isinstance(g, Tensor):
            return GatherFlat.apply(g, ctx.flat_indices, ctx.x_shape)
        lead = ctx.flat_indices.shape[:-1]
        picked = xp.take_along_axis(flat_planes(g, lead), ctx.flat_indices, axis=-1)
        return picked.reshape(ctx.x_shape)


def _unpool_output_size(input, kernel, stride, padding, output_size):
    """The default (in - 1)*s - 2p + k per axis, or output_size (with or without its leading
    N, C) checked to lie strictly within stride of it, as PyTorch's Python layer checks."""
    n = len(kernel)
    default = [(input.shape[-n + d] - 1) * stride[d] + kernel[d] - 2 * padding[d]
               for d in range(n)]
    if output_size is None:
        size = default
    else:
        size = list(output_size)
        if len(size) == n + 2:
            size = size[2:]
        if len(size) != n:
            raise ValueError(f"output_size should be a sequence containing {n} or {n + 2} "
                             f"elements, but it has a length of '{len(size)}'")
        for d in range(n):
            low, high = default[d] - stride[d], default[d] + stride[d]
            if not low < size[d] < high:
                raise ValueError(f'invalid output_size "{output_size}" (dim {d} must be '
                                 f'between {low} and {high})')
    for d in range(n):
        if size[d] < 0:
            raise ValueError(f"max_unpooling: output_size must contain non-negative spatial "
                             f"dimensions, but got output_size[{d}]={size[d]}")
    return [int(s) for s in size]


def _max_unpool(fname, input, indices, n, out_size):
    """Checks shared by max_unpool2d/3d (1-d runs as 2-d), then the scatter."""
    if not isinstance(indices, Tensor) or indices._data.dtype != xp.int64:
        dt = indices.dtype if isinstance(indices, Tensor) else type(indices).__name__
        raise RuntimeError(f"elements in indices should be type int64 but got: {dt}")
    if tuple(input.shape) != tuple(indices.shape):
        raise RuntimeError(f"Expected shape of indices to be same as that of the input tensor "
                           f"({list(input.shape)}) but got indices tensor with shape: "
                           f"{list(indices.shape)}")
    if input.dim() not in (n + 1, n + 2) or any(s == 0 for s in input.shape[-n - 1:]):
        raise RuntimeError(f"{fname}(): Expected {n + 1}D or {n + 2}D tensor, but got "
                           f"{list(input.shape)}")
    if len(out_size) != n:
        raise RuntimeError(f"There should be exactly {_COUNTS[n]} elements (height, width) in "
                           f"output_size, but got {len(out_size)} elements.")
    idx = indices._data
    size = math.prod(out_size)
    if idx.size and (idx.min() < 0 or idx.max() >= size):
        bad = idx.min() if idx.min() < 0 else idx.max()
        raise RuntimeError(f"Found an invalid max index: {bad} (output volumes are of size "
                           f"{'x'.join(map(str, out_size))}")
    return MaxUnpool.apply(input, idx, tuple(out_size))


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """The partial inverse of max_pool1d: (N, C, L) values placed at `indices` in (N, C,
    L_out) zeros, L_out = (L - 1)*s - 2p + k or output_size."""
    kernel = _ints("max_unpool1d", "kernel_size", kernel_size, 1, 3)
    stride = kernel if stride is None else _ints("max_unpool1d", "stride", stride, 1, 4)
    padding = _ints("max_unpool1d", "padding", padding, 1, 5)
    size = _unpool_output_size(input, kernel, stride, padding, output_size)
    out = _max_unpool("max_unpool2d", input.unsqueeze(-1), indices.unsqueeze(-1), 2,
                      size + [1])
    return out.squeeze(-1)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """The partial inverse of max_pool2d: each value of (N, C, H, W) placed at its flat index
    h*W_out + w in an (N, C, H_out, W_out) plane of zeros, H_out = (H - 1)*s - 2p + k."""
    kernel = _ints("max_unpool2d", "kernel_size", kernel_size, 2, 3)
    stride = kernel if stride is None else _ints("max_unpool2d", "stride", stride, 2, 4)
    padding = _ints("max_unpool2d", "padding", padding, 2, 5)
    size = _unpool_output_size(input, kernel, stride, padding, output_size)
    return _max_unpool("max_unpool2d", input, indices, 2, size)


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """The partial inverse of max_pool3d, as max_unpool2d over (D, H, W)."""
    kernel = _ints("max_unpool3d", "kernel_size", kernel_size, 3, 3)
    stride = kernel if stride is None else _ints("max_unpool3d", "stride", stride, 3, 4)
    padding = _ints("max_unpool3d", "padding", padding, 3, 5)
    size = _unpool_output_size(input, kernel, stride, padding, output_size)
    return _max_unpool("max_unpool3d", input, indices, 3, size)
