"""The basic layers' kernels: linear, bilinear, dropout, embedding, plus one_hot, normalize, pad,
cosine_similarity and pairwise_distance.

`linear` is the training hot path: one fused Function, two matmuls in backward, no copies of
the weight (NumPy hands `W.T` to BLAS as a transposed view). Dropout draws its mask from the
seeded default generator (`_backend.rng_of`); the streams differ from PyTorch's, the
distribution is the same. Embedding's backward accumulates repeated indices with
`_backend.scatter_add`.
"""
import math
import warnings

from .. import _backend
from .._backend import xp, scalar_name, cpp_name
from .._tensor import Tensor, _make, _wrap_dim
from ..autograd import grad_mode
from ..autograd.function import Function, Output
from ..autograd.graph import graph_node
from ._util import sum_to_shape, check_broadcast, node_name, conj_if_complex, write_out
from .inplace import check_inplace_allowed, write_into, snapshot


def _tensors(fname, **args):
    """PyTorch's TypeError for an argument that is not a Tensor (None allowed for optional
    ones is the caller's business). `args` are name=value in positional order."""
    for position, (name, value) in enumerate(args.items(), 1):
        if not isinstance(value, Tensor):
            raise TypeError(f"{fname}(): argument '{name}' (position {position}) must be "
                            f"Tensor, not {type(value).__name__}")


# ---------------------------------------------------------------------------------------------
# linear and bilinear
# ---------------------------------------------------------------------------------------------
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
            gw = g2.T @ x2
        if need_b:
            shape = ctx.bias_shape
            gb = g2.sum(axis=0) if shape == (n_out,) else sum_to_shape(g, shape)
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
        gw = _backend.einsum("no,ni,nj->oij", g, x1, x2, optimize=True) if need[2] else None
        gb = g.sum(axis=0) if need[3] else None
        return g1, g2, gw, gb


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


# ---------------------------------------------------------------------------------------------
# dropout
# ---------------------------------------------------------------------------------------------
class Dropout(Function):
    """out = x * mask (+ shift, for alpha dropout); mask holds 0 or 1/(1-p), drawn by the caller
    grad: dx = g * mask            (the very mask used in forward)"""

    differentiable_backward = True
    _node_name = "MulBackward0"   # PyTorch's dropout multiplies by the mask

    @staticmethod
    def forward(ctx, x, mask, shift=None):
        ctx.mask = mask
        if shift is not None:
            ctx._node_name = "AddBackward0"
        out = x * mask
        if shift is not None:
            out += shift
        return out

    @staticmethod
    def backward(ctx, g):
        return g * ctx.mask


def _check_p(p):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _keep(shape, p, np_dtype):
    """A Bernoulli(1 - p) mask of `shape`, as 0/1 in the input's float dtype."""
    rng = _backend.rng_of(None)
    draw_dtype = np_dtype if np_dtype in (xp.float32, xp.float64) else xp.float32
    return (rng.random(shape, dtype=draw_dtype) >= p).astype(np_dtype)


def _check_float(input):
    if input._data.dtype.kind not in "fc":
        raise RuntimeError(f"result type Float can't be cast to the desired output type "
                           f"{scalar_name(input.dtype)}")


def _run_dropout(input, mask, shift, inplace):
    if not inplace:
        return Dropout.apply(input, mask, shift)
    check_inplace_allowed(input)
    src = snapshot(input) if grad_mode.enabled and input._requires_grad else input
    return write_into(input, Dropout.apply(src, mask, shift))


def dropout(input, p=0.5, training=True, inplace=False):
    """Zero each element with probability p and scale the rest by 1/(1-p) (training only;
    otherwise return input itself, as PyTorch does). Shapes: any -> same."""
    _tensors("dropout", input=input)
    _check_p(p)
    if not training or p == 0 or input._data.size == 0:
        return input
    _check_float(input)
    data = input._data
    if p == 1:
        mask = xp.zeros((), dtype=data.dtype)
    else:
        mask = _keep(data.shape, p, data.dtype)
        mask *= 1 / (1 - p)
    return _run_dropout(input, mask, None, inplace)


def _feature_mask_shape(shape, batched):
    """One draw per (sample, channel): (N, C, 1, ...) for batched input, (C, 1, ...) if not."""
    keep = 2 if batched else 1
    return shape[:keep] + (1,) * (len(shape) - keep)


def _feature_dropout(input, p, training, inplace, batched, alpha=False):
    _check_p(p)
    if not training or p == 0 or input._data.size == 0:
        return input
    _check_float(input)
    data = input._data
    if p == 1:
        return _run_dropout(input, xp.zeros((), dtype=data.dtype), None, inplace)
    keep = _keep(_feature_mask_shape(data.shape, batched), p, data.dtype)
    if not alpha:
        keep *= 1 / (1 - p)
        return _run_dropout(input, keep, None, inplace)
    return _run_dropout(input, *_alpha_mask(keep, p), inplace)


def _alpha_mask(keep, p):
    """Alpha dropout keeps SELU's mean and variance: dropped units are set to the negative
    saturation value -alpha' (alpha' = scale * alpha of SELU), then an affine map a*x + b
    restores zero mean and unit variance."""
    alpha = 1.7580993408473766
    a = 1.0 / ((alpha * alpha * p + 1) * (1 - p)) ** 0.5
    shift = (keep - 1) * (alpha * a) + alpha * a * p
    return keep * a, shift.astype(keep.dtype, copy=False)


def dropout1d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels: input (N, C, L) or (C, L); one draw per (sample, channel)."""
    ndim = input._data.ndim
    if ndim not in (2, 3):
        raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a {ndim}D input. "
                           "Note that dropout1d exists to provide channel-wise dropout on inputs "
                           "with 1 spatial dimension, a channel dimension, and an optional batch "
                           "dimension (i.e. 2D or 3D inputs).")
    return _unbatched_dropout(input, p, training, inplace, batched=ndim == 3)


def _unbatched_dropout(input, p, training, inplace, batched):
    """Channel dropout; unbatched input gets a batch dim of 1 and loses it again, as in
    PyTorch (so the result is a new tensor, a squeeze, even when nothing is dropped)."""
    if batched or inplace:
        return _feature_dropout(input, p, training, inplace, batched)
    from .shape import squeeze, unsqueeze
    return squeeze(_feature_dropout(unsqueeze(input, 0), p, training, False, True), 0)


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of (N, C, H, W) input; one draw per (sample, channel).
    As PyTorch, a 3-d input is read as (N, C, L) (with a warning)."""
    ndim = input._data.ndim
    if ndim not in (3, 4):
        warnings.warn(f"dropout2d: Received a {ndim}-D input to dropout2d, which is deprecated "
                      "and will result in an error in a future release. To retain the behavior "
                      "and silence this warning, please use dropout instead. Note that dropout2d "
                      "exists to provide channel-wise dropout on inputs with 2 spatial "
                      "dimensions, a channel dimension, and an optional batch dimension (i.e. 3D "
                      "or 4D inputs).", stacklevel=2)
    if ndim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise "
                      "1D dropout behavior is desired - input is interpreted as shape (N, C, L), "
                      "where C is the channel dim. This behavior will change in a future release "
                      "to interpret the input as one without a batch dimension, i.e. shape (C, H, "
                      "W). To maintain the 1D channel-wise dropout behavior, please switch to "
                      "using dropout1d instead.", stacklevel=2)
    return _feature_dropout(input, p, training, inplace, batched=ndim >= 2)


def dropout3d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of (N, C, D, H, W) or (C, D, H, W) input."""
    ndim = input._data.ndim
    if ndim not in (4, 5):
        warnings.warn(f"dropout3d: Received a {ndim}-D input to dropout3d, which is deprecated "
                      "and will result in an error in a future release. To retain the behavior "
                      "and silence this warning, please use dropout instead. Note that dropout3d "
                      "exists to provide channel-wise dropout on inputs with 3 spatial "
                      "dimensions, a channel dimension, and an optional batch dimension (i.e. 4D "
                      "or 5D inputs).", stacklevel=2)
    return _unbatched_dropout(input, p, training, inplace, batched=ndim == 5)


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Dropout for SELU networks: keeps zero mean and unit variance of the activations."""
    _check_p(p)
    if not training or p == 0 or input._data.size == 0:
        return input
    _check_float(input)
    data = input._data
    if p == 1:
        return _run_dropout(input, xp.zeros((), dtype=data.dtype), None, inplace)
    return _run_dropout(input, *_alpha_mask(_keep(data.shape, p, data.dtype), p), inplace)


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Alpha dropout of whole channels (one draw per sample and channel)."""
    return _feature_dropout(input, p, training, inplace, batched=True, alpha=True)


# ---------------------------------------------------------------------------------------------
# embedding and one_hot
# ---------------------------------------------------------------------------------------------
class Embedding(Function):
    """out = weight[indices]                         (a row lookup)
    grad: dweight[i] = sum of g over the positions holding index i (0 for padding_idx)"""

    @staticmethod
    def forward(ctx, weight, indices, padding_idx, scale_grad_by_freq):
        ctx.indices = indices
        ctx.weight_shape = weight.shape
        ctx.padding_idx = padding_idx
        ctx.scale_grad_by_freq = scale_grad_by_freq
        return weight[indices]

    @staticmethod
    def backward(ctx, g):
        n, dim = ctx.weight_shape
        flat = ctx.indices.reshape(-1)
        g = g.reshape(-1, dim)
        if ctx.scale_grad_by_freq:
            counts = xp.bincount(flat, minlength=n)
            g = g / counts[flat][:, None].astype(g.dtype)
        grad = xp.zeros((n, dim), dtype=g.dtype)
        _backend.scatter_add(grad, flat, g)     # repeated indices accumulate
        if ctx.padding_idx is not None:
            grad[ctx.padding_idx] = 0
        return grad


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    """Look up rows of `weight` by index: out[...] = weight[input[...]].

    Shapes: input (*) int64/int32, weight (num_embeddings, embedding_dim) -> (*, embedding_dim).
    padding_idx's row gets no gradient; max_norm renormalises the looked-up rows of weight in
    place. sparse=True is accepted but the gradient is dense (no sparse tensors here)."""
    _tensors("embedding", weight=weight, indices=input)
    idx = input._data
    if idx.dtype not in (xp.int64, xp.int32):
        raise RuntimeError(f"Expected tensor for argument #1 'indices' to have one of the "
                           f"following scalar types: Long, Int; but got "
                           f"torch.{scalar_name(input.dtype)}Tensor instead (while checking "
                           f"arguments for embedding)")
    if weight._data.ndim != 2:
        raise RuntimeError("'weight' must be 2-D")
    n = weight._data.shape[0]
    if padding_idx is not None:
        if padding_idx > 0:
            assert padding_idx < n, "Padding_idx must be within num_embeddings"
        elif padding_idx < 0:
            assert padding_idx >= -n, "Padding_idx must be within num_embeddings"
            padding_idx = n + padding_idx
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise IndexError("index out of range in self")
    if max_norm is not None:
        _renorm_rows(weight, idx, max_norm, norm_type)
    return Embedding.apply(weight, idx, padding_idx, scale_grad_by_freq)


def _renorm_rows(weight, idx, max_norm, norm_type):
    """Scale the rows of weight used by idx whose norm exceeds max_norm down to max_norm
    (in place, outside the graph, as PyTorch's embedding_renorm_)."""
    rows = xp.unique(idx)
    w = weight._data
    norms = xp.linalg.norm(w[rows], ord=norm_type, axis=1)
    over = norms > max_norm
    if xp.any(over):
        rows = rows[over]
        w[rows] *= (max_norm / (norms[over] + 1e-7))[:, None].astype(w.dtype)
        weight._bump_version()


def one_hot(tensor, num_classes=-1):
    """int64 tensor of shape (*, num_classes) with a 1 at each index of `tensor` (int64).
    num_classes=-1 means max(tensor) + 1."""
    _tensors("one_hot", input=tensor)
    x = tensor._data
    if x.dtype != xp.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if x.size == 0:
        if num_classes == -1:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        return _make(xp.zeros(x.shape + (num_classes,), dtype=xp.int64))
    if x.min() < 0:
        raise RuntimeError("Class values must be non-negative.")
    if num_classes == -1:
        num_classes = int(x.max()) + 1
    elif x.max() >= num_classes:
        raise RuntimeError("Class values must be smaller than num_classes.")
    return _make((x[..., None] == xp.arange(num_classes)).astype(xp.int64))


# ---------------------------------------------------------------------------------------------
# normalize, cosine_similarity, pairwise_distance
# ---------------------------------------------------------------------------------------------
def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """input / max(||input||_p, eps) along dim. Shapes: any -> same."""
    denom = input.norm(p, dim, keepdim=True).clamp_min(eps).expand_as(input)
    result = input / denom
    return write_out(result, out)


class CosineSimilarity(Function):
    """out = sum(u1 * u2, dim),  u = x / max(||x||, eps)
    grad: dx1 = g * (u2 - out * x1 / ||x1||) / max(||x1||, eps), likewise for x2.
    As PyTorch, the eps clamp is outside the graph: the gradient flows through ||x|| itself."""

    _node_name = "SumBackward1"   # PyTorch's cosine_similarity ends in a sum over dim

    @staticmethod
    def forward(ctx, x1, x2, dim, eps):
        ctx.shapes = (x1.shape, x2.shape)
        x1, x2 = xp.broadcast_arrays(x1, x2)
        n1 = xp.sqrt((x1 * x1).sum(axis=dim, keepdims=True))
        n2 = xp.sqrt((x2 * x2).sum(axis=dim, keepdims=True))
        c1, c2 = xp.maximum(n1, eps), xp.maximum(n2, eps)
        u1, u2 = x1 / c1, x2 / c2
        out = (u1 * u2).sum(axis=dim, keepdims=True)
        # the output is not saved (backward sums it again), so writing into it in place is
        # allowed, as in PyTorch
        ctx.save_for_backward(x1, x2, n1, n2, c1, c2, u1, u2)
        ctx.dim = dim
        return out.squeeze(dim)

    @staticmethod
    def backward(ctx, g):
        x1, x2, n1, n2, c1, c2, u1, u2 = ctx.saved_tensors
        out = (u1 * u2).sum(axis=ctx.dim, keepdims=True)
        need1, need2 = ctx.needs_input_grad[:2]
        g = xp.expand_dims(g, ctx.dim)
        with xp.errstate(divide="ignore", invalid="ignore"):
            # norm's gradient x/||x|| is taken as 0 where ||x|| == 0 (PyTorch's convention)
            r1 = xp.where(n1 == 0, 0, out / (c1 * n1))
            r2 = xp.where(n2 == 0, 0, out / (c2 * n2))
        g1 = g * (u2 / c1 - r1 * x1) if need1 else None
        g2 = g * (u1 / c2 - r2 * x2) if need2 else None
        return (sum_to_shape(g1, ctx.shapes[0]) if need1 else None,
                sum_to_shape(g2, ctx.shapes[1]) if need2 else None)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """<x1, x2> / (max(||x1||, eps) * max(||x2||, eps)) along dim (each side divided by its own
    norm first, which keeps the result in [-1, 1]). Shapes: broadcast, dim removed."""
    _tensors("cosine_similarity", x1=x1, x2=x2)
    dtype = _backend.result_type(x1, x2)
    if not dtype.is_floating_point:
        raise RuntimeError(f"expected common dtype to be floating point, yet common dtype is "
                           f"{scalar_name(dtype)}")
    if x1._data.shape != x2._data.shape:
        check_broadcast(x1._data.shape, x2._data.shape)
    x1 = x1 if x1._data.dtype == dtype.np else x1.to(dtype)
    x2 = x2 if x2._data.dtype == dtype.np else x2.to(dtype)
    ndim = max(x1._data.ndim, x2._data.ndim)
    dim = _wrap_dim(dim, ndim)
    if ndim == 0:   # a 0-d pair: treat as one-element vectors
        return cosine_similarity(x1.reshape(1), x2.reshape(1), 0, eps)
    return CosineSimilarity.apply(x1, x2, dim, eps)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """||x1 - x2 + eps||_p over the last dim. Shapes: (*, D), (*, D) -> (*)."""
    ndim = max(x1.dim(), x2.dim())
    # PyTorch calls the older norm overload here: NormBackward1
    return node_name((x1 - x2 + eps).norm(p, ndim - 1 if ndim else None, keepdim),
                     "NormBackward1")


# ---------------------------------------------------------------------------------------------
# pad
# ---------------------------------------------------------------------------------------------
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


# ---------------------------------------------------------------------------------------------
# pixel_shuffle, pixel_unshuffle, channel_shuffle: pure rearrangements (a reshape, a transpose
# and a copy; PyTorch returns new contiguous tensors here, not views)
# ---------------------------------------------------------------------------------------------
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


def _channel_shuffle(x, groups):
    N, C, *rest = x.shape
    y = x.reshape(N, groups, C // groups, *rest).swapaxes(1, 2).reshape(x.shape)
    return xp.ascontiguousarray(y)    # (a reshape over size-1 dims can stay a strided view)


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


def _factor(fname, name, value):
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{fname}(): argument '{name}' (position 2) must be int, not "
                        f"{type(value).__name__}")


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


# ---------------------------------------------------------------------------------------------
# pdist: distances between all pairs of rows
# ---------------------------------------------------------------------------------------------
def _p_norm(diff, p, axis=-1):
    """||diff||_p along `axis` (p = 0 counts the non-zeros, p = inf takes the largest)."""
    a = xp.abs(diff)
    if p == 0:
        return (a != 0).sum(axis=axis).astype(diff.dtype)
    if p == 1:
        return a.sum(axis=axis)
    if p == 2:
        return xp.sqrt((diff * diff).sum(axis=axis))
    if p == float("inf"):
        return a.max(axis=axis, initial=0)
    return (a ** p).sum(axis=axis) ** (1 / p)


def _p_norm_grad(diff, dist, p):
    """d||diff||_p / d diff, with PyTorch's conventions: 0 where the distance is 0 (and, for
    p < 1, where the difference itself is 0); for p = inf the gradient goes to every entry
    that attains the maximum."""
    dist = dist[..., None]
    if p == 0:
        return xp.zeros_like(diff)
    if p == 1:
        return xp.sign(diff)
    if p == float("inf"):
        return xp.sign(diff) * (xp.abs(diff) == dist)
    safe = xp.where(dist == 0, 1, dist)
    if p == 2:
        return xp.where(dist == 0, 0, diff / safe)
    grad = xp.sign(diff) * (xp.abs(diff) / safe) ** (p - 1)
    bad = (dist == 0) | ((diff == 0) & (p < 1))
    return xp.where(bad, 0, grad)


class Pdist(Function):
    """out[k] = ||x[i] - x[j]||_p for the pairs i < j in row-major order
    grad: dx[i] += g[k] * dd/ddiff,  dx[j] -= g[k] * dd/ddiff   (dd/ddiff from _p_norm_grad)"""

    @staticmethod
    def forward(ctx, x, p):
        i, j = xp.triu_indices(x.shape[0], 1)
        out = _p_norm(x[i] - x[j], p)
        ctx.save_for_backward(x, Output(out))
        ctx.p = p
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        n = x.shape[0]
        if ctx.p == 2:
            # w[i, j] = g / d for each pair (both ways); dx[i] = sum_j w[i, j] (x[i] - x[j]),
            # two BLAS-friendly products with no (pairs, features) temporary
            w = xp.zeros((n, n), dtype=x.dtype)
            i, j = xp.triu_indices(n, 1)
            w[i, j] = xp.where(out == 0, 0, g / xp.where(out == 0, 1, out))
            w += w.T
            return w.sum(axis=1)[:, None] * x - w @ x
        i, j = xp.triu_indices(n, 1)
        pair = g[:, None] * _p_norm_grad(x[i] - x[j], out, ctx.p)
        grad = xp.zeros_like(x)
        _backend.scatter_add(grad, i, pair)
        _backend.scatter_add(grad, j, -pair)
        return grad


def pdist(input, p=2):
    """The p-norm distance between every pair of rows: input (N, M) -> (N*(N-1)/2,), the
    upper triangle of the distance matrix row by row (as scipy's pdist)."""
    _tensors("pdist", input=input)
    x = input._data
    if x.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {x.ndim}D")
    if x.dtype.kind != "f":
        raise RuntimeError("pdist only supports floating-point dtypes")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    return Pdist.apply(input, float(p))


# ---------------------------------------------------------------------------------------------
# embedding_bag: embedding followed by a sum, mean or max over each bag, in one node
# ---------------------------------------------------------------------------------------------
def _bag_sums(rows, starts, counts):
    """Sum of rows[starts[b] : starts[b] + counts[b]] per bag b (0 for empty bags). The bags are
    consecutive blocks of rows, so one segment sum over the non-empty bags' starts does it."""
    out = xp.zeros((len(starts), rows.shape[1]), dtype=rows.dtype)
    full = counts > 0
    if full.any():
        out[full] = _backend.segment_sum(rows, starts[full], axis=0)
    return out


class EmbeddingBag(Function):
    """out[b] = sum / mean / max over the bag's positions p of weight[idx[p]] (* psw[p] for sum)
    grad: dweight[idx[p]] += g[b] * psw[p] (sum), g[b] / count[b] (mean), or g[b, d] only at
    the arg-max position of each feature d (max); dpsw[p] = <g[b], weight[idx[p]]>"""

    _node_name = "EmbeddingBagBackward0"

    @staticmethod
    def forward(ctx, weight, psw, idx, starts, counts, keep, mode, scale_grad_by_freq):
        """idx: the flat indices that belong to a bag, bag b being idx[starts[b]:][:counts[b]];
        keep: 0/1 per position (0 for padding_idx)."""
        rows = weight[idx]
        ctx.idx, ctx.starts, ctx.counts, ctx.mode = idx, starts, counts, mode
        ctx.weight_shape, ctx.scale_grad_by_freq = weight.shape, scale_grad_by_freq
        bag = xp.repeat(xp.arange(len(starts)), counts)          # the bag of each position
        ctx.bag = bag
        if mode == "max":
            # padded positions can never win; a bag with no real position gives 0
            rows = xp.where(keep[:, None] > 0, rows, -xp.inf)
            out = xp.zeros((len(starts), weight.shape[1]), dtype=weight.dtype)
            full = counts > 0
            if full.any():
                out[full] = _backend.segment_max(rows, starts[full], axis=0)
            # the first position attaining the maximum, per bag and feature (PyTorch's choice)
            position = xp.where(rows == out[bag], xp.arange(len(idx))[:, None], len(idx))
            arg = xp.full(out.shape, len(idx))
            if full.any():
                arg[full] = _backend.segment_min(position, starts[full], axis=0)
            ctx.arg = arg
            out[arg == len(idx)] = 0
            return out
        ctx.keep = keep
        scale = keep.astype(weight.dtype)
        if psw is not None:
            scale = scale * psw
        ctx.save_for_backward(weight, scale)
        out = _bag_sums(rows * scale[:, None], starts, counts)
        if mode == "mean":
            n = _bag_sums(keep[:, None].astype(weight.dtype), starts, counts)
            ctx.bag_size = xp.maximum(n, 1)
            out /= ctx.bag_size
        return out

    @staticmethod
    def backward(ctx, g):
        n, dim = ctx.weight_shape
        idx, bag = ctx.idx, ctx.bag
        gw = gpsw = None
        if ctx.mode == "max":
            if ctx.needs_input_grad[0]:
                gw = xp.zeros((n, dim), dtype=g.dtype)
                won = ctx.arg < len(idx)
                rows = idx[ctx.arg[won]]
                columns = xp.nonzero(won)[1]
                _backend.scatter_add(gw, (rows, columns), g[won])
            return gw, None
        weight, scale = ctx.saved_tensors
        if ctx.mode == "mean":
            g = g / ctx.bag_size
        if ctx.needs_input_grad[0]:
            per_position = g[bag] * scale[:, None]
            if ctx.scale_grad_by_freq:
                counts = xp.bincount(idx, minlength=n)
                per_position /= counts[idx][:, None]
            gw = xp.zeros((n, dim), dtype=g.dtype)
            _backend.scatter_add(gw, idx, per_position)
        if ctx.needs_input_grad[1]:
            gpsw = (g[bag] * weight[idx]).sum(axis=1) * ctx.keep
        return gw, gpsw


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2, scale_grad_by_freq=False,
                  mode="mean", sparse=False, per_sample_weights=None, include_last_offset=False,
                  padding_idx=None):
    """Sum, mean or max of the embeddings in each bag, without building the (positions, dim)
    lookup as a graph tensor.

    Shapes: input (B, L) (B bags of L indices; offsets None) or flat (n,) with offsets (B,)
    giving each bag's start (B + 1 with include_last_offset, the last being the end);
    weight (num_embeddings, dim) -> (B, dim). per_sample_weights (like input) scale each
    looked-up row (mode='sum' only); positions holding padding_idx are left out of their bag;
    an empty bag gives zeros."""
    _tensors("embedding_bag", input=input, weight=weight)
    if weight._data.dtype == xp.int64 and input._data.dtype.kind == "f":
        warnings.warn("Argument order of nn.functional.embedding_bag was changed. Usage "
                      "`embedding_bag(weight, input, ...)` is deprecated, and should now be "
                      "`embedding_bag(input, weight, ...)`.", stacklevel=2)
        weight, input = input, weight
    psw = per_sample_weights
    if psw is not None and input.shape != psw.shape:
        raise ValueError(f"embedding_bag: If per_sample_weights ({psw.shape}) is not None, "
                         f"then it must have the same shape as the input ({input.shape})")
    if weight._data.ndim != 2:
        raise ValueError(f"weight has to be a 2D Tensor, but got Tensor of dimension "
                         f"{weight._data.ndim}")
    if input._data.ndim == 2:
        if offsets is not None:
            raise ValueError(f"if input is 2D, then offsets has to be None, as input is treated "
                             f"is a mini-batch of fixed length sequences. However, found "
                             f"offsets of type {_type_str(offsets)}")
        B, L = input._data.shape
        offsets_array = xp.arange(B) * L
        include_last_offset = False
        input = input.reshape(-1)
        psw = None if psw is None else psw.reshape(-1)
    elif input._data.ndim == 1:
        if offsets is None:
            raise ValueError("offsets has to be a 1D Tensor but got None")
        if offsets.dim() != 1:
            raise ValueError("offsets has to be a 1D Tensor")
        offsets_array = offsets._data
    else:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension "
                         f"{input._data.ndim}")
    if mode not in ("sum", "mean", "max"):
        raise ValueError("mode has to be one of sum, mean or max")
    if mode == "max" and scale_grad_by_freq:
        raise ValueError("max mode does not support scaling the gradient by the frequency")
    if mode == "max" and sparse:
        raise ValueError("max mode does not support sparse weights")
    idx = input._data
    for name, array in (("indices", idx), ("offsets", offsets_array)):
        if array.dtype not in (xp.int64, xp.int32):
            found = scalar_name(array.dtype)
            raise RuntimeError(f"Expected tensor for argument #1 '{name}' to have one of the "
                               f"following scalar types: Long, Int; but got torch.{found}Tensor "
                               f"instead (while checking arguments for embedding_bag)")
    n_rows = weight._data.shape[0]
    if max_norm is not None:
        _check_indices(idx, n_rows)
        _renorm_rows(weight, idx, max_norm, norm_type)
    if psw is not None and mode != "sum":
        raise NotImplementedError(f"embedding_bag: per_sample_weights was not None. "
                                  f"per_sample_weights is only supported for mode='sum' (got "
                                  f"mode='{mode}'). Please open a feature request on GitHub.")
    starts, counts, used = _bags(offsets_array, idx.size, include_last_offset)
    idx = idx[:used]
    _check_indices(idx, n_rows)
    if padding_idx is not None:
        if not -n_rows <= padding_idx < n_rows:
            raise RuntimeError(f"padding_idx must be within the number of embeddings, "
                               f"-{n_rows} through {n_rows - 1}, but got {padding_idx}")
        padding_idx %= n_rows
        keep = idx != padding_idx
    else:
        keep = xp.ones(idx.shape, dtype=bool)
    if psw is not None and used != psw.shape[0]:
        psw = psw[:used]
    return EmbeddingBag.apply(weight, psw, idx.astype(xp.int64, copy=False), starts, counts,
                              keep, mode, scale_grad_by_freq)


def _type_str(x):
    return "<class 'torch.Tensor'>" if isinstance(x, Tensor) else str(type(x))


def _check_indices(idx, n_rows):
    if idx.size and (idx.min() < 0 or idx.max() >= n_rows):
        bad = int(xp.nonzero((idx < 0) | (idx >= n_rows))[0][0])
        raise RuntimeError(f"Index {bad} of input takes value {int(idx[bad])} which is not in "
                           f"the valid range [0, {n_rows})")


def _bags(offsets, n, include_last_offset):
    """(starts, counts, used): each bag's first position and length, and how many leading
    positions belong to some bag (with include_last_offset the tail after the last offset
    belongs to none)."""
    offsets = offsets.astype(xp.int64)
    if offsets.size == 0:
        return offsets, offsets, 0
    if offsets[0] != 0:
        raise RuntimeError(f"offsets[0] has to be 0, i.e., the first sequence in the "
                           f"mini-batch has to start from position 0. However, got "
                           f"{int(offsets[0])}")
    if offsets[-1] > n:
        raise RuntimeError(f"offsets[-1] can not be greater than input's length {n} but got "
                           f"offsets[-1] of {int(offsets[-1])}")
    if xp.any(offsets[1:] < offsets[:-1]):
        raise RuntimeError(f"offsets must be non-decreasing, but got {offsets.tolist()}")
    if include_last_offset:
        ends, starts = offsets[1:], offsets[:-1]
    else:
        ends, starts = xp.append(offsets[1:], n), offsets
    used = int(ends[-1]) if ends.size else 0
    return starts, ends - starts, used
