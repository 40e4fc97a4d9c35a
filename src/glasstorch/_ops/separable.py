"""Linear maps applied along each spatial axis: the shared kernel of adaptive average pooling,
`interpolate`'s area, linear, bilinear, bicubic and trilinear modes (with or without
antialias), and their gradients.

Each of these ops is separable: along every spatial axis, output position o is a weighted sum
of input positions, with weights that depend only on o and the axis. Written as a matrix A of
shape (out, in) per axis, for a 2-d input

    out[n, c] = A_H @ x[n, c] @ A_W.T           and the gradient   dx[n, c] = A_H.T @ g[n, c] @ A_W

so the forward is one BLAS product per axis and the backward is the same op with the
transposed matrices (and its backward the original ones: double backward comes free). Each
product runs over the whole batch at once: the last axis as one (N*C*H, W) @ (W, W_out) GEMM,
an inner axis as a stack of (out, in) @ (in, rest) products. Dense matrices waste multiplies
on the zeros of a 2- or 4-tap filter, but BLAS runs them several times faster than NumPy can
gather and blend the taps (measured on CNN-sized planes, where the taps' gathers dominate).
"""
import math

from .._backend import xp
from .._tensor import Tensor
from ..autograd.function import Function


def apply_along(x, matrix, axis):
    """matrix (M, K) applied along `axis` of x (whose size there is K): that axis becomes M."""
    shape = x.shape
    m, k = matrix.shape
    if axis == x.ndim - 1:
        out = x.reshape(-1, k) @ matrix.T
    else:
        before, after = math.prod(shape[:axis]), math.prod(shape[axis + 1:])
        out = xp.matmul(matrix, x.reshape(before, k, after))
    return out.reshape(shape[:axis] + (m,) + shape[axis + 1:])


def apply_separable(x, matrices):
    """x with matrices[i] (or nothing, for None) applied along spatial axis i (the last
    len(matrices) axes); the axes that shrink most go first, so later products are smaller.
    float16 is computed in float32, as PyTorch accumulates half in float."""
    dtype = x.dtype
    work = x.astype(xp.float32) if dtype == xp.float16 else x
    first = x.ndim - len(matrices)
    steps = [(m.shape[0] / m.shape[1], first + i, m) for i, m in enumerate(matrices)
             if m is not None]
    for _, axis, matrix in sorted(steps, key=lambda step: step[0]):
        work = apply_along(work, matrix.astype(work.dtype, copy=False), axis)
    if work is x:
        work = x.copy()
    return work.astype(dtype, copy=False)


class Separable(Function):
    """out = x with matrix A_i applied along spatial axis i (for every i)
    grad: dx = g with A_i.T applied along spatial axis i"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x, matrices, node_name):
        ctx.matrices = matrices
        if node_name is not None:
            ctx._node_name = node_name
        return apply_separable(x, matrices)

    @staticmethod
    def backward(ctx, g):
        transposed = tuple(None if m is None else m.T for m in ctx.matrices)
        if isinstance(g, Tensor):
            return Separable.apply(g, transposed, None)
        return apply_separable(g, transposed)
