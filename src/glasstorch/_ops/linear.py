"""Linear layers' kernels: linear (y = x W^T + b) and bilinear (y = x1^T A x2 + b).

`linear` is the training hot path: one fused Function, two matmuls in backward, no copies of
the weight (NumPy hands `W.T` to BLAS as a transposed view).
"""
import math

from .. import _backend
from .._backend import xp, scalar_name, cpp_name
from .._tensor import Tensor
from ..autograd.function import Function
from ..autograd.graph import graph_node
from ._util import sum_to_shape, node_name, conj_if_complex, check_tensor


def _tensors(fname, **args):
    """PyTorch's TypeError for an argument that is not a Tensor (None allowed for optional
    ones is the caller's business). `args` are name=value in positional order."""
    for position, (name, value) in enumerate(args.items(), 1):
        check_tensor(fname, value, name, position)


class Linear(Function):
    """out = x @ W.T + b        x: (*, in), W: (out, in), b: (out,)
    grad: dx = g @ W,  dW = g.T @ x,  db = sum of g   (leading dims of x and g flattened)"""

    differentiable_backward = True
    _node_name = "AddmmBackward0"   # PyTorch's node for the common case; see _linear_node

    @staticmethod
    def forward(ctx, x, weight, bias=None):
        ctx.save_for_backward(x, weight)
        ctx.bias_shape = None if bias is None else bias.shape
        if x.ndim == 2:
            out = x @ weight.T
        else:
            # one BLAS call over all leading dims at once (their count spelled out, not -1:
            # with zero in_features NumPy could not infer it)
            rows = math.prod(x.shape[:-1])
            out = (x.reshape(rows, x.shape[-1]) @ weight.T).reshape(x.shape[:-1] +
                                                                     weight.shape[:1])
        if bias is not None:
            if bias.ndim <= 1:
                out += bias      # out is a fresh array: add in place, no extra allocation
            else:
                out = out + bias
        return out

    @staticmethod
    def backward(ctx, g):
        x, weight = (conj_if_complex(t) for t in ctx.saved_tensors)   # conj: complex only
        need_x, need_w, need_b = (ctx.needs_input_grad + (False,))[:3]
        n_out, n_in = weight.shape
        g2 = g if g.ndim == 2 else g.reshape(math.prod(g.shape[:-1]), n_out)
        gx = gw = gb = None
        if need_x:
            gx = g2 @ weight
            if x.ndim != 2:
                gx = gx.reshape(x.shape)
        if need_w:
            x2 = x if x.ndim == 2 else x.reshape(math.prod(x.shape[:-1]), n_in)
            gw = _backend.matmul(g2.T, x2)   # (a row-major copy of g2.T on small products)
        if need_b:
            shape = ctx.bias_shape
            gb = sum_to_shape(g2 if shape == (n_out,) else g, shape)   # a tree sum, as torch's
        return gx, gw, gb

    def _graph_edges(self):
        """As PyTorch's graph shows it: addmm(bias, input, weight.t()), or mm(input, weight.t())
        without a bias, with views around an input that is not 2-d (this node carries the name
        of the outermost, see _linear_node)."""
        input, weight = self.next[:2]
        bias = self.next[2] if len(self.next) > 2 else None
        weight_t = graph_node("TBackward0", weight)
        name = self.name()
        if name == "AddmmBackward0":
            return (bias, input, weight_t)
        if name == "MmBackward0":
            return (input, weight_t)
        if name == "ViewBackward0" and len(self.next) > 2:
            input_2d = graph_node("ViewBackward0", input)
            return (graph_node("AddmmBackward0", bias, input_2d, weight_t),)
        if name == "UnsafeViewBackward0":
            return (graph_node("MmBackward0", graph_node("ViewBackward0", input), weight_t),)
        if name == "SqueezeBackward4":
            return (graph_node("MmBackward0", graph_node("UnsqueezeBackward0", input), weight_t),)
        return self.next


def linear(input, weight, bias=None):
    """y = input @ weight.T + bias

    Shapes: input (*, in_features), weight (out_features, in_features), bias (out_features,)
    -> (*, out_features). One fused autograd node; backward is two matmuls and a sum."""
    _tensors("linear", input=input, weight=weight)
    x, w = input._data, weight._data
    if x.ndim == 0 or w.ndim == 0:
        raise RuntimeError(f"both arguments to linear need to be at least 1D, but they are "
                           f"{x.ndim}D and {w.ndim}D")
    if w.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {w.ndim}D")
    if x.dtype != w.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: "
                           f"{cpp_name(x.dtype)} != {cpp_name(w.dtype)}")
    if w.ndim == 1:
        if bias is not None:
            raise RuntimeError("mat2 must be a matrix, got 1-D tensor")
        from .products import matmul
        return matmul(input, weight)
    if x.shape[-1] != w.shape[1]:
        rows = x.size // x.shape[-1] if x.shape[-1] else _prod(x.shape[:-1])
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{x.shape[-1]} "
                           f"and {w.shape[1]}x{w.shape[0]})")
    if bias is not None:
        b = bias._data
        if b.dtype != x.dtype:
            raise RuntimeError(f"self and mat2 must have the same dtype, but got "
                               f"{scalar_name(bias.dtype)} and {scalar_name(weight.dtype)}")
        out_shape = x.shape[:-1] + w.shape[:1]
        if b.shape != w.shape[:1] and not _broadcasts(b.shape, out_shape):
            raise RuntimeError(f"The expanded size of the tensor ({out_shape[-1]}) must match "
                               f"the existing size ({b.shape[-1] if b.ndim else 1}) at "
                               f"non-singleton dimension {len(out_shape) - 1}.  Target sizes: "
                               f"{list(out_shape)}.  Tensor sizes: {list(b.shape)}")
        out = Linear.apply(input, weight, bias)
    else:
        out = Linear.apply(input, weight)
    if out.grad_fn is not None:
        name = _linear_node(input, weight, bias is not None)
        if name != "AddmmBackward0":
            node_name(out, name)
    return out


def _linear_node(input, weight, has_bias):
    """The name of PyTorch's last node for linear: with a bias, addmm for 2-d input, else a
    flatten-addmm-view for contiguous input or matmul then add; without, matmul's."""
    x = input._data
    if has_bias:
        if x.ndim == 2:
            return "AddmmBackward0"
        return "ViewBackward0" if x.flags.c_contiguous else "AddBackward0"
    from .products import _matmul_node
    return _matmul_node(x.shape, weight._data.shape[::-1], input._requires_grad,
                        weight._requires_grad)


def _broadcasts(shape, target):
    try:
        return xp.broadcast_shapes(shape, target) == tuple(target)
    except ValueError:
        return False


def _prod(shape):
    n = 1
    for s in shape:
        n *= s
    return n


def _bilinear_weight_grad(g, x1, x2):
    """dA[o, i, j] = sum_n g[n, o] x1[n, i] x2[n, j]. A small result over many rows n is one
    GEMM g^T (x1 x2 outer products) through _backend.matmul (its (n, in1 * in2) operand is
    then under 2^20 elements): NumPy's einsum hands such a product to OpenBLAS's small-matrix
    kernel, which adds the n terms one after another (float32: 6e-6 against PyTorch's 4e-7
    for 65536 rows)."""
    (n, n_out), n1, n2 = g.shape, x1.shape[1], x2.shape[1]
    if n_out * n1 * n2 * n >= 1 << 20:       # large products: blocked kernels either way
        return _backend.einsum("no,ni,nj->oij", g, x1, x2, optimize=True)
    outer = (x1[:, :, None] * x2[:, None, :]).reshape(n, n1 * n2)
    return _backend.matmul(g.T, outer).reshape(n_out, n1, n2)


class Bilinear(Function):
    """out[n, o] = sum_ij x1[n, i] A[o, i, j] x2[n, j] + b[o]
    grad: dx1 = sum_oj g A x2,  dx2 = sum_oi g x1 A,  dA = sum_n g x1 x2,  db = sum_n g"""

    @staticmethod
    def forward(ctx, x1, x2, weight, bias=None):
        # x1 @ A laid out as (in1, out * in2): one matmul, then a product-sum with x2
        n_out, n1, n2 = weight.shape
        t = (x1 @ weight.transpose(1, 0, 2).reshape(n1, n_out * n2)).reshape(-1, n_out, n2)
        ctx.save_for_backward(x1, x2, weight, t)
        out = xp.einsum("noj,nj->no", t, x2)
        if bias is not None:
            out += bias
        return out

    @staticmethod
    def backward(ctx, g):
        x1, x2, weight, t = ctx.saved_tensors
        need = ctx.needs_input_grad + (False,)
        g1 = _backend.einsum("no,oij,nj->ni", g, weight, x2, optimize=True) if need[0] else None
        g2 = xp.einsum("no,noj->nj", g, t) if need[1] else None
        gw = _bilinear_weight_grad(g, x1, x2) if need[2] else None
        gb = sum_to_shape(g, g.shape[1:]) if need[3] else None
        return g1, g2, gw, gb


def bilinear(input1, input2, weight, bias=None):
    """y = x1^T A x2 + b, one bilinear form per output feature.

    Shapes: input1 (*, in1), input2 (*, in2), weight (out, in1, in2), bias (out,)
    -> (*, out)."""
    _tensors("bilinear", input1=input1, input2=input2, weight=weight)
    x1, x2, w = input1._data, input2._data, weight._data
    if w.ndim != 3:
        raise RuntimeError(f"bilinear(): weight must be three-dimensional, but got {w.ndim}D")
    if x1.ndim != x2.ndim:
        raise RuntimeError(f"bilinear(): input dimensions do not match: got {x1.ndim} and "
                           f"{x2.ndim}")
    for i in range(x1.ndim - 1):
        if x1.shape[i] != x2.shape[i]:
            raise RuntimeError(f"bilinear(): input batch dimensions do not match at dim {i}: "
                               f"got {x1.shape[i]} and {x2.shape[i]}")
    if x1.shape[-1] != w.shape[1]:
        raise RuntimeError(f"bilinear(): input1 size does not match weight size: got "
                           f"{x1.shape[-1]} but expected {w.shape[1]}")
    if x2.shape[-1] != w.shape[2]:
        raise RuntimeError(f"bilinear(): input2 size does not match weight size: got "
                           f"{x2.shape[-1]} but expected {w.shape[2]}")
    if bias is not None and bias._data.shape != w.shape[:1]:
        raise RuntimeError(f"bilinear(): bias size does not match weight size: got "
                           f"{bias._data.shape[-1] if bias._data.ndim else 1} but expected "
                           f"{w.shape[0]}")
    lead = x1.shape[:-1]
    flat1 = input1.reshape(-1, w.shape[1])
    flat2 = input2.reshape(-1, w.shape[2])
    args = (flat1, flat2, weight) if bias is None else (flat1, flat2, weight, bias)
    out = Bilinear.apply(*args).reshape(lead + w.shape[:1])
    return out if bias is None else node_name(out, "AddBackward0")   # PyTorch adds the bias last
