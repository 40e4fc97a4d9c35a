"""Matrix products: matmul (batched, broadcast), mm, mv, dot, bmm, outer, einsum; norms."""
from .._backend import xp
from .._tensor import Tensor
from ..autograd.function import Function
from ._util import sum_to_shape, promote


def _t(x):
    """Swap the last two axes (arrays and Tensors alike)."""
    return x.swapaxes(-1, -2) if not isinstance(x, Tensor) else x.transpose(-1, -2)


class Matmul(Function):
    """out = a @ b   (1-d operands are promoted to matrices and the added axis removed)
    grad: da = g @ b^T,  db = a^T @ g   (summed over broadcast batch dims)"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return xp.matmul(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        a_vec, b_vec = a.ndim == 1, b.ndim == 1
        a2 = a.reshape((1, -1)) if a_vec else a
        b2 = b.reshape((-1, 1)) if b_vec else b
        if a_vec:
            g = g.reshape(g.shape[:-1] + (1, g.shape[-1])) if not b_vec else g.reshape((1, 1))
        if b_vec:
            g = g.reshape(tuple(g.shape) + (1,)) if not a_vec else g
        ga = gb = None
        if need_a:
            ga = sum_to_shape(g @ _t(b2), tuple(a2.shape)).reshape(a.shape)
        if need_b:
            gb = sum_to_shape(_t(a2) @ g, tuple(b2.shape)).reshape(b.shape)
        return ga, gb


def matmul(input, other, *, out=None):
    if input.ndim == 0 or other.ndim == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are "
                           f"{input.ndim}D and {other.ndim}D")
    a, b = promote(input, other)
    k_a = a._data.shape[-1]
    k_b = b._data.shape[-2] if b._data.ndim > 1 else b._data.shape[0]
    if k_a != k_b:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied "
                           f"({'x'.join(map(str, a._data.shape[-2:] if a.ndim > 1 else (1, k_a)))}"
                           f" and {'x'.join(map(str, b._data.shape[-2:] if b.ndim > 1 else (k_b, 1)))})")
    return Matmul.apply(a, b)
