"""Resampling along each spatial axis: the shared kernel of `interpolate` (every mode, with or
without antialias) and adaptive average pooling, forward and backward.

All of these are separable: along each spatial axis, output position o is a weighted sum of a
few input positions, the axis's `Taps`: index[o, k] and weight[o, k] (K taps per output; the
taps a kernel never reads are marked invalid). As a matrix A of shape (out, in) per axis, for
a 2-d input

    out[n, c] = A_H @ x[n, c] @ A_W.T           and the gradient   dx[n, c] = A_H.T @ g[n, c] @ A_W

so the forward is one BLAS product per axis and the backward the same with the transposed
matrices (whose backward is the forward again: double backward comes free). Each product
runs over the whole batch: the last axis as one (N*C*H, W) @ (W, W_out) GEMM, an inner axis
as a stack of (out, in) @ (in, rest) products. Dense matrices spend multiplies on the zeros
between the taps, but BLAS still runs several times faster than NumPy can gather and blend
the taps (measured on CNN-sized planes).

One exception: 0 * inf is NaN, so a matrix product would spread one inf or NaN to every
output of its row, where PyTorch's kernels (which touch only the taps) keep it local. Arrays
that are not all finite therefore take the tap-by-tap path: gathers forward, and backward a
scatter of each tap's contribution (`bincount`). A finite sum is the cheap test: any inf or
NaN makes the sum non-finite (and a finite array that overflows the sum only loses speed).
"""
import math

from .._backend import xp
from .._tensor import Tensor
from ..autograd.function import Function


class Taps:
    """How one axis is resampled: output o = sum over k of weight[o, k] * input[index[o, k]],
    over the taps with valid[o, k] (all of them when valid is None)."""

    def __init__(self, index, weight, in_size, valid=None):
        self.index, self.weight, self.in_size, self.valid = index, weight, in_size, valid
        self.out_size = index.shape[0]
        self.plain_gather = weight.shape[1] == 1 and valid is None and bool((weight == 1).all())
        self._matrix = None

    def matrix(self):
        """The dense (out, in) matrix: tap weights summed per (o, input position)."""
        if self._matrix is None:
            weight = self.weight if self.valid is None else xp.where(self.valid, self.weight, 0)
            rows = xp.repeat(xp.arange(self.out_size), self.index.shape[1])
            flat = rows * self.in_size + self.index.ravel()
            self._matrix = xp.bincount(flat, weights=weight.ravel(),
                                       minlength=self.out_size * self.in_size).reshape(
                                           self.out_size, self.in_size)
        return self._matrix

    def gather(self, x, axis):
        """The forward tap by tap (exact for any values, any dtype for a plain gather)."""
        if self.plain_gather:
            return xp.take(x, self.index[:, 0], axis=axis)
        shape = (self.out_size,) + (1,) * (x.ndim - 1 - axis % x.ndim)
        out = None
        for k in range(self.index.shape[1]):
            term = xp.take(x, self.index[:, k], axis=axis) * \
                self.weight[:, k].astype(x.dtype).reshape(shape)
            if self.valid is not None:
                term = xp.where(self.valid[:, k].reshape(shape), term, 0)
            out = term if out is None else out + term
        return out

    def scatter(self, g, axis):
        """The backward tap by tap: each g[o] * weight[o, k] added at input index[o, k]."""
        g_last = xp.moveaxis(g, axis, -1)
        lead = g_last.shape[:-1]
        rows = math.prod(lead)
        weight = self.weight if self.valid is None else xp.where(self.valid, self.weight, 0)
        total = xp.zeros(rows * self.in_size)
        base = (xp.arange(rows) * self.in_size)[:, None]
        for k in range(self.index.shape[1]):
            values = g_last.reshape(rows, self.out_size) * weight[:, k]
            if self.valid is not None:
                values = xp.where(self.valid[:, k], values, 0)
            total += xp.bincount((base + self.index[:, k]).ravel(), weights=values.ravel(),
                                 minlength=rows * self.in_size)
        out = total.reshape(lead + (self.in_size,)).astype(g.dtype, copy=False)
        return xp.moveaxis(out, -1, axis)


def _apply_matrix(x, matrix, axis):
    """matrix (M, K) applied along `axis` of x (whose size there is K): that axis becomes M."""
    shape = x.shape
    m, k = matrix.shape
    if axis == x.ndim - 1:
        out = x.reshape(-1, k) @ matrix.T
    else:
        before, after = math.prod(shape[:axis]), math.prod(shape[axis + 1:])
        out = xp.matmul(matrix, x.reshape(before, k, after))
    return out.reshape(shape[:axis] + (m,) + shape[axis + 1:])


def _all_finite(x):
    return x.dtype.kind != "f" or bool(xp.isfinite(x.sum()))


def resample(x, taps, transpose=False):
    """x resampled by taps[i] (None: unchanged) along spatial axis i (the last len(taps)
    axes), or by the transposed maps (the gradient). Shrinking axes go first, so the later
    products are smaller. float16 is computed in float32, as PyTorch accumulates half."""
    dtype = x.dtype
    work = x.astype(xp.float32) if dtype == xp.float16 else x
    first = x.ndim - len(taps)
    steps = [t for t in enumerate(taps) if t[1] is not None]
    steps.sort(key=lambda step: (step[1].in_size / step[1].out_size) if transpose else
               (step[1].out_size / step[1].in_size))
    for i, axis_taps in steps:
        axis = first + i
        if work.dtype.kind != "f" or (not transpose and axis_taps.plain_gather):
            work = axis_taps.gather(work, axis)
        elif not _all_finite(work):
            work = axis_taps.scatter(work, axis) if transpose else axis_taps.gather(work, axis)
        else:
            matrix = axis_taps.matrix().astype(work.dtype, copy=False)
            work = _apply_matrix(work, matrix.T if transpose else matrix, axis)
    if work is x:
        work = x.copy()
    return work.astype(dtype, copy=False)


class Resample(Function):
    """out = x resampled along each spatial axis i by its taps (out_i = A_i @ in_i)
    grad: dx = g resampled by the transposed maps (A_i.T)"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x, taps, node_name):
        ctx.taps = taps
        if node_name is not None:
            ctx._node_name = node_name
        return resample(x, taps)

    @staticmethod
    def backward(ctx, g):
        if isinstance(g, Tensor):
            return ResampleTranspose.apply(g, ctx.taps)
        return resample(g, ctx.taps, transpose=True)


class ResampleTranspose(Function):
    """out = g resampled by the transposed maps (Resample's backward)
    grad: dg = gg resampled by the maps themselves"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, g, taps):
        ctx.taps = taps
        return resample(g, taps, transpose=True)

    @staticmethod
    def backward(ctx, gg):
        if isinstance(gg, Tensor):
            return Resample.apply(gg, ctx.taps, None)
        return resample(gg, ctx.taps)
