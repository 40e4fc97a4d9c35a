"""Attention: scaled dot-product attention as one fused autograd node, and multi-head attention
(`F.multi_head_attention_forward`) built from linear projections around it.

The node computes, for queries q (..., L, E), keys k (..., S, E) and values v (..., S, Ev):

    S = (scale q) k^T + bias       the scores, one batched GEMM into a buffer the node owns
    P = softmax(S) along keys      in place on that buffer
    D = P * drop                   dropout (drop holds 0 or 1/(1-p)), when asked for
    out = D v                      a second batched GEMM

and its backward forms every gradient from a handful of GEMMs and the softmax Jacobian product
dS = P * (dP - rowsum(dP * P)), never a (..., L, S, S) Jacobian. Masks arrive as an additive
`bias` (a bool mask becomes 0 / -inf first, as in PyTorch); the causal mask is one more bias.

Fully-masked rows (every score -inf): PyTorch's `scaled_dot_product_attention` gives them zero
weights (its "safe softmax"), while MultiheadAttention's need_weights path and its inference
fast path use a plain softmax and give NaN. `safe` selects between the two.
"""
import math
import warnings

from .. import _backend
from .._backend import xp, scalar_name, cpp_name
from .._tensor import Tensor, _make
from ..autograd import grad_mode
from ..autograd.function import Function, Output
from ._util import sum_to_shape, node_name, check_tensor
from .dropout import _keep
from .linear import linear
from .padding import pad
from .shape import cat


# ---------------------------------------------------------------------------------------------
# softmax along the last axis, in place on an owned score buffer
# ---------------------------------------------------------------------------------------------
# Speed. The textbook softmax subtracts each row's maximum before exp. On a (..., L, S) score
# buffer that costs a per-row reduction (NumPy reduces a short last axis one row at a time) and a
# whole extra pass, together more than the exp itself. The shift only guards exp against
# overflow and underflow, so exp runs on the scores directly and the row sums (one BLAS
# matrix-vector product with a column of ones) tell whether that was safe: every sum finite
# (nothing overflowed) and at least exp(-T), T = log(float max) / 2 (44 in float32), so each row
# holds a score near or above -T and any value that underflowed is a negligible share of its row
# (below exp(-40) relative). The normalisation then multiplies by one reciprocal per row.
# Otherwise (huge scores, rows masked out completely, NaN) the scores are recomputed and the
# shifted, exact form runs.
_EXP_LIMIT = {xp.dtype(xp.float32): math.log(xp.finfo(xp.float32).max) / 2,
              xp.dtype(xp.float64): math.log(xp.finfo(xp.float64).max) / 2}


def _row_sums(s):
    """Sums along the last axis of the C-contiguous `s`, as a column (rows, 1): a GEMV."""
    rows = s.reshape(-1, s.shape[-1])
    return rows @ xp.ones((rows.shape[1], 1), s.dtype)


def _softmax_unshifted_(s):
    """softmax(s) along the last axis, in place, without the max shift; False (s then holds
    garbage) when the shift is needed after all (see above)."""
    with xp.errstate(over="ignore"):
        xp.exp(s, out=s)
    sums = _row_sums(s)
    # (both comparisons are False for NaN)
    if not (sums.min() >= math.exp(-_EXP_LIMIT[s.dtype]) and sums.max() < xp.inf):
        return False
    rows = s.reshape(-1, s.shape[-1])
    rows *= 1 / sums
    return True


def _softmax_shifted_(s, safe):
    """softmax(s) along the last axis, in place: exp(s - max) / sum(exp(s - max)). A row with
    no finite score gives zeros when `safe`, NaN otherwise (as PyTorch's plain softmax)."""
    row_max = s.max(axis=-1, keepdims=True)
    if safe:
        row_max[row_max == -xp.inf] = 0   # exp(-inf - 0) = 0: the row sums to 0
    s -= row_max
    xp.exp(s, out=s)
    sums = _row_sums(s)
    with xp.errstate(divide="ignore", invalid="ignore"):
        scale = 1 / sums
    if safe:
        scale[sums == 0] = 0
    rows = s.reshape(-1, s.shape[-1])
    rows *= scale


def _scores(q_scaled, k, bias):
    """(scale q) k^T + bias: a fresh (..., L, S) buffer."""
    s = q_scaled @ xp.swapaxes(k, -1, -2)
    if bias is not None:
        s += bias
    return s


def _attention_probs(q_scaled, k, bias, safe):
    """P = softmax((scale q) k^T + bias) along the keys, in a fresh buffer."""
    s = _scores(q_scaled, k, bias)
    if s.size == 0:
        return s
    if not _softmax_unshifted_(s):
        s = _scores(q_scaled, k, bias)
        _softmax_shifted_(s, safe)
    return s


class ScaledDotProductAttention(Function):
    """S = (scale q) k^T + bias,  P = softmax(S),  D = P * drop,  out = D v   (also returns D)
    grad: dv = D^T g,  dP = (g v^T + g_D) * drop,  dS = P * (dP - rowsum(dP * P)),
          dq = scale dS k,  dk = dS^T (scale q),  dbias = dS      (each summed to its shape)"""

    @staticmethod
    def forward(ctx, q, k, v, bias, drop, scale, safe, return_weights, for_backward):
        q_scaled = q * scale
        probs = _attention_probs(q_scaled, k, bias, safe)
        if drop is None:
            weights = probs
        elif for_backward:
            weights = probs * drop        # backward needs the probabilities themselves
        else:
            weights = probs
            weights *= drop
        out = weights @ v
        if for_backward:
            ctx.save_for_backward(q_scaled, k, v, probs,
                                  Output(weights, 1) if return_weights else weights)
            ctx.scale, ctx.drop = scale, drop
            ctx.bias_shape = None if bias is None else bias.shape
            ctx.bias_dtype = None if bias is None else bias.dtype
        return (out, weights) if return_weights else out

    @staticmethod
    def backward(ctx, g, g_weights=None):
        q_scaled, k, v, probs, weights = ctx.saved_tensors
        need_q, need_k, need_v, need_bias = ctx.needs_input_grad[:4]
        dq = dk = dv = dbias = None
        if need_v:
            dv = sum_to_shape(_backend.matmul(xp.swapaxes(weights, -1, -2), g), v.shape)
        if need_q or need_k or need_bias:
            ds = g @ xp.swapaxes(v, -1, -2)        # dD, then dP, then dS, all in this buffer
            if g_weights is not None:
                ds += g_weights
            if ctx.drop is not None:
                ds *= ctx.drop
            # rowsum(dP * P) as a batch of BLAS dot products (einsum's running sum is 1e-5
            # off over 65536 keys; a product then a pairwise sum is 2x slower)
            ds -= xp.matmul(ds[..., None, :], probs[..., :, None])[..., 0]
            ds *= probs
            if need_q:
                dq = ds @ k
                dq *= ctx.scale
                dq = sum_to_shape(dq, q_scaled.shape)
            if need_k:
                dk = sum_to_shape(_backend.matmul(xp.swapaxes(ds, -1, -2), q_scaled), k.shape)
            if need_bias:
                dbias = sum_to_shape(ds, ctx.bias_shape).astype(ctx.bias_dtype, copy=False)
        return dq, dk, dv, dbias, None, None, None, None, None


def _attention(q, k, v, bias, dropout_p, scale, safe, return_weights=False):
    """Run the fused node on Tensors q (..., L, E), k (..., S, E), v (..., S, Ev) of one float
    dtype; `bias` is None, an array or a Tensor broadcastable to (..., L, S). Draws the dropout
    mask here. Returns out (..., L, Ev), and the weights D (..., L, S) when return_weights."""
    data = q._data
    batch = xp.broadcast_shapes(data.shape[:-2], k._data.shape[:-2], v._data.shape[:-2])
    weights_shape = batch + (data.shape[-2], k._data.shape[-2])
    drop = None
    if dropout_p > 0:
        if dropout_p == 1:
            drop = xp.zeros(weights_shape, data.dtype)
        else:
            drop = _keep(weights_shape, dropout_p, data.dtype)
            drop *= 1 / (1 - dropout_p)
    for_backward = grad_mode.enabled and any(
        isinstance(t, Tensor) and t._requires_grad for t in (q, k, v, bias))
    return ScaledDotProductAttention.apply(q, k, v, bias, drop, scale, safe, return_weights,
                                           for_backward)


# ---------------------------------------------------------------------------------------------
# F.scaled_dot_product_attention
# ---------------------------------------------------------------------------------------------
def _causal_bias(L, S, np_dtype):
    """0 on and below the diagonal of an (L, S) grid, -inf above it (upper-left aligned)."""
    return xp.triu(xp.full((L, S), -xp.inf, np_dtype), 1)


def _check_sdpa_inputs(query, key, value, attn_mask, dropout_p, is_causal):
    for position, (name, t) in enumerate((("query", query), ("key", key), ("value", value)), 1):
        check_tensor("scaled_dot_product_attention", t, name, position)
    if attn_mask is not None:
        check_tensor("scaled_dot_product_attention", attn_mask, "attn_mask", 4)
    q, k, v = query._data, key._data, value._data
    if q.dtype != k.dtype or q.dtype != v.dtype:
        raise RuntimeError(f"Expected query, key, and value to have the same dtype, but got "
                           f"query.dtype: {cpp_name(q.dtype)} key.dtype: {cpp_name(k.dtype)} and "
                           f"value.dtype: {cpp_name(v.dtype)} instead.")
    if q.ndim < 2 or k.ndim < 2 or v.ndim < 2:
        raise RuntimeError(f"Expected query, key, and value to all be  at least 2 dimensional, "
                           f"but got query.dim: {q.ndim} key.dim: {k.ndim} and value.dim: "
                           f"{v.ndim} instead.")
    if q.dtype.kind == "c":
        raise NotImplementedError(f'"softmax_lastdim_kernel_impl" not implemented for '
                                  f"'{scalar_name(query.dtype)}'")
    if q.dtype.kind != "f":
        raise RuntimeError(f"expected scalar type Float but found {scalar_name(query.dtype)}")
    if attn_mask is not None:
        m = attn_mask._data
        if m.dtype != xp.bool_ and m.dtype != xp.float32 and m.dtype != q.dtype:
            raise RuntimeError(f"Expected attn_mask dtype to be bool or float or to match query "
                               f"dtype, but got attn_mask.dtype: {cpp_name(m.dtype)} and  "
                               f"query.dtype: {cpp_name(q.dtype)} instead.")
        if is_causal:
            raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be "
                               "set when is_causal=True")
        if q.ndim == 4 and m.ndim < 2:   # PyTorch's 4-d kernel reads the mask's dim -2
            raise IndexError("Dimension specified as -2 but tensor has no dimensions" if m.ndim == 0
                             else "Dimension out of range (expected to be in range of [-1, 0], "
                                  "but got -2)")
    if dropout_p < 0 or dropout_p > 1:
        raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {dropout_p}")


def _broadcast_batch(a, b):
    _backend.check_broadcast(tuple(a), tuple(b))
    return tuple(xp.broadcast_shapes(tuple(a), tuple(b)))


def _check_sdpa_shapes(q_shape, k_shape, v_shape, mask_shape):
    """PyTorch's errors for q/k/v whose sizes do not fit (named as its bmm names them) and for
    a mask that does not broadcast to the weights' shape (..., L, S)."""
    batch = _broadcast_batch(q_shape[:-2], k_shape[:-2])
    batch = _broadcast_batch(batch, v_shape[:-2])
    n = math.prod(batch)
    if k_shape[-1] != q_shape[-1]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{n}, {q_shape[-1]}] but got: [{n}, {k_shape[-1]}].")
    if v_shape[-2] != k_shape[-2]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{n}, {k_shape[-2]}] but got: [{n}, {v_shape[-2]}].")
    if mask_shape is not None:
        weights = batch + (q_shape[-2], k_shape[-2])
        _backend.check_broadcast(weights, tuple(mask_shape))
        if len(mask_shape) > len(weights):
            merged = xp.broadcast_shapes(weights, tuple(mask_shape))
            raise RuntimeError(f"output with shape {list(weights)} doesn't match the broadcast "
                               f"shape {list(merged)}")


def _repeat_heads(query, key, value):
    """enable_gqa: key/value heads (dim -3) repeated to the query's head count."""
    if query.ndim < 3:
        return key, value
    heads = query.shape[-3]
    if heads % key.shape[-3] or heads % value.shape[-3]:
        raise RuntimeError("Number of heads in key and value must divide the number of heads in ")
    if key.shape[-3] != heads:
        key = key.repeat_interleave(heads // key.shape[-3], -3)
    if value.shape[-3] != heads:
        value = value.repeat_interleave(heads // value.shape[-3], -3)
    return key, value


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0,
                                 is_causal=False, *, scale=None, enable_gqa=False):
    """softmax(query key^T * scale + mask) value, with dropout on the weights. One fused node.

    Shapes: query (N, ..., Hq, L, E), key (N, ..., H, S, E), value (N, ..., H, S, Ev) -> (N, ...,
    Hq, L, Ev); batch dims broadcast. attn_mask broadcasts to (N, ..., Hq, L, S): bool (True =
    take part) or float (added). is_causal masks keys after each query (upper-left aligned).
    scale defaults to 1/sqrt(E). A query that may attend to nothing gets zeros, as in PyTorch."""
    _check_sdpa_inputs(query, key, value, attn_mask, dropout_p, is_causal)
    if enable_gqa:
        key, value = _repeat_heads(query, key, value)
    _check_sdpa_shapes(query.shape, key.shape, value.shape,
                       None if attn_mask is None else attn_mask.shape)
    dtype = query._data.dtype
    compute = dtype if dtype in _EXP_LIMIT else xp.dtype(xp.float32)   # float16: in float32
    if compute != dtype:
        query, key, value = (t.to(_backend.from_numpy_dtype(compute)) for t in (query, key,
                                                                                 value))
    L, S = query.shape[-2], key.shape[-2]
    bias = None
    if is_causal:
        bias = _causal_bias(L, S, compute)
    elif attn_mask is not None:
        if attn_mask._data.dtype == xp.bool_:
            bias = xp.where(attn_mask._data, 0, -xp.inf).astype(compute)
        else:
            bias = attn_mask
            if bias._data.dtype != compute:
                bias = bias.to(_backend.from_numpy_dtype(compute))
    if scale is None:
        scale = 1 / math.sqrt(query.shape[-1])
    out = _attention(query, key, value, bias, dropout_p, float(scale), safe=True)
    if compute != dtype:
        return out.to(_backend.from_numpy_dtype(dtype))
    # PyTorch's math path ends in a matmul: mm for 2-d query, a batched one reshaped otherwise
    return node_name(out, "MmBackward0" if query.ndim == 2 else "UnsafeViewBackward0")


# ---------------------------------------------------------------------------------------------
# masks as MultiheadAttention and the Transformer layers canonicalise them
# ---------------------------------------------------------------------------------------------
def _none_or_dtype(input):
    if input is None:
        return None
    if isinstance(input, Tensor):
        return input.dtype
    raise RuntimeError("input to _none_or_dtype() must be None or torch.Tensor")


def _canonical_mask(mask, mask_name, other_type, other_name, target_type, check_other=True):
    """A bool mask as a float mask of `target_type` (True -> -inf, False -> 0); a float mask
    unchanged; any other dtype an AssertionError. Warns when mask and its partner's dtypes
    differ (PyTorch's deprecation)."""
    if mask is None:
        return None
    kind = mask._data.dtype.kind
    if kind != "b" and kind != "f":
        raise AssertionError(f"only bool and floating types of {mask_name} are supported")
    if check_other and other_type is not None and mask.dtype != other_type:
        warnings.warn(f"Support for mismatched {mask_name} and {other_name} is deprecated. Use "
                      "same type for both instead.", stacklevel=3)
    if kind == "b":
        bias = xp.where(mask._data, -xp.inf, 0).astype(target_type.np)
        return _make(bias)
    return mask


def _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads):
    """PyTorch's checks of the input ranks; True for batched (3-D) query."""
    if query.dim() == 3:
        if key.dim() != 3 or value.dim() != 3:
            raise AssertionError(f"For batched (3-D) `query`, expected `key` and `value` to be "
                                 f"3-D but found {key.dim()}-D and {value.dim()}-D tensors "
                                 f"respectively")
        if key_padding_mask is not None and key_padding_mask.dim() != 2:
            raise AssertionError(f"For batched (3-D) `query`, expected `key_padding_mask` to be "
                                 f"`None` or 2-D but found {key_padding_mask.dim()}-D tensor "
                                 f"instead")
        if attn_mask is not None and attn_mask.dim() not in (2, 3):
            raise AssertionError(f"For batched (3-D) `query`, expected `attn_mask` to be `None`, "
                                 f"2-D or 3-D but found {attn_mask.dim()}-D tensor instead")
        return True
    if query.dim() == 2:
        if key.dim() != 2 or value.dim() != 2:
            raise AssertionError(f"For unbatched (2-D) `query`, expected `key` and `value` to "
                                 f"be 2-D but found {key.dim()}-D and {value.dim()}-D tensors "
                                 f"respectively")
        if key_padding_mask is not None and key_padding_mask.dim() != 1:
            raise AssertionError(f"For unbatched (2-D) `query`, expected `key_padding_mask` to "
                                 f"be `None` or 1-D but found {key_padding_mask.dim()}-D tensor "
                                 f"instead")
        if attn_mask is not None:
            if attn_mask.dim() not in (2, 3):
                raise AssertionError(f"For unbatched (2-D) `query`, expected `attn_mask` to be "
                                     f"`None`, 2-D or 3-D but found {attn_mask.dim()}-D tensor "
                                     f"instead")
            expected = (num_heads, query.shape[0], key.shape[0])
            if attn_mask.dim() == 3 and tuple(attn_mask.shape) != expected:
                raise AssertionError(f"Expected `attn_mask` shape to be {expected} but got "
                                     f"{attn_mask.shape}")
        return False
    raise AssertionError(f"query should be unbatched 2D or batched 3D tensor but received "
                         f"{query.dim()}-D query tensor")


# ---------------------------------------------------------------------------------------------
# F.multi_head_attention_forward
# ---------------------------------------------------------------------------------------------
def _in_projection_packed(q, k, v, w, b):
    """q, k, v projected by the packed (3E, E) weight: one GEMM for self-attention, two for
    encoder-decoder attention (k is v), three otherwise. Results are (..., E) views."""
    E = q.shape[-1]
    if k is v:
        if q is k:
            return linear(q, w, b).chunk(3, dim=-1)
        w_q, w_kv = w.split([E, 2 * E])
        b_q, b_kv = (None, None) if b is None else b.split([E, 2 * E])
        k_proj, v_proj = linear(k, w_kv, b_kv).chunk(2, dim=-1)
        return linear(q, w_q, b_q), k_proj, v_proj
    w_q, w_k, w_v = w.chunk(3)
    b_q, b_k, b_v = (None, None, None) if b is None else b.chunk(3)
    return linear(q, w_q, b_q), linear(k, w_k, b_k), linear(v, w_v, b_v)


def _in_projection(q, k, v, w_q, w_k, w_v, b_q, b_k, b_v):
    """q, k, v projected by separate weights (kdim/vdim differ from embed_dim)."""
    Eq, Ek, Ev = q.shape[-1], k.shape[-1], v.shape[-1]
    for name, weight, shape in (("query", w_q, (Eq, Eq)), ("key", w_k, (Eq, Ek)),
                                ("value", w_v, (Eq, Ev))):
        if tuple(weight.shape) != shape:
            raise AssertionError(f"expecting {name} weights shape of {shape}, but got "
                                 f"{weight.shape}")
    for name, bias in (("query", b_q), ("key", b_k), ("value", b_v)):
        if bias is not None and tuple(bias.shape) != (Eq,):
            raise AssertionError(f"expecting {name} bias shape of {(Eq,)}, but got "
                                 f"{bias.shape}")
    return linear(q, w_q, b_q), linear(k, w_k, b_k), linear(v, w_v, b_v)


def _heads(x, bsz, num_heads, head_dim):
    """(S, N, E) -> (N, H, S, head_dim), a view."""
    return x.reshape(x.shape[0], bsz, num_heads, head_dim).permute(1, 2, 0, 3)


def _static(static, name, bsz, num_heads, head_dim):
    """A caller-given key or value, (N*H, S, head_dim), as (N, H, S, head_dim)."""
    if static.shape[0] != bsz * num_heads:
        raise AssertionError(f"expecting {name}.size(0) of {bsz * num_heads}, but got "
                             f"{static.shape[0]}")
    if static.shape[2] != head_dim:
        raise AssertionError(f"expecting {name}.size(2) of {head_dim}, but got "
                             f"{static.shape[2]}")
    return static.reshape(bsz, num_heads, static.shape[1], head_dim)


def _multi_head_attention(query, key, value, embed_dim_to_check, num_heads, in_proj_weight,
                          in_proj_bias, bias_k, bias_v, add_zero_attn, dropout_p,
                          out_proj_weight, out_proj_bias, training, key_padding_mask,
                          need_weights, attn_mask, use_separate_proj_weight, q_proj_weight,
                          k_proj_weight, v_proj_weight, static_k, static_v,
                          average_attn_weights, is_causal, plain_softmax):
    """multi_head_attention_forward, with the choice of softmax for fully-masked rows made by
    the caller: `plain_softmax` gives NaN there (need_weights, or nn.MultiheadAttention's
    inference fast path in PyTorch), otherwise zeros (PyTorch's SDPA)."""
    is_batched = _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not is_batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    tgt_len, bsz, embed_dim = query.shape
    key_padding_mask = _canonical_mask(key_padding_mask, "key_padding_mask",
                                       _none_or_dtype(attn_mask), "attn_mask", query.dtype)
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the "
                           "Transformer module method `generate_square_subsequent_mask` to "
                           "create this mask.")
    if is_causal and key_padding_mask is None and not need_weights:
        attn_mask = None     # the hint stands in for the mask (PyTorch's SDPA path)
    else:
        attn_mask = _canonical_mask(attn_mask, "attn_mask", None, "", query.dtype,
                                    check_other=False)
        if key_padding_mask is not None:
            is_causal = False
    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but "
                             f"got {embed_dim}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if use_separate_proj_weight:
        if key.shape[:2] != value.shape[:2]:
            raise AssertionError(f"key's sequence and batch dims {key.shape[:2]} do not match "
                                 f"value's {value.shape[:2]}")
    elif key.shape != value.shape:
        raise AssertionError(f"key shape {key.shape} does not match value shape {value.shape}")

    if not use_separate_proj_weight:
        if in_proj_weight is None:
            raise AssertionError("use_separate_proj_weight is False but in_proj_weight is None")
        q, k, v = _in_projection_packed(query, key, value, in_proj_weight, in_proj_bias)
    else:
        for name, weight in (("q", q_proj_weight), ("k", k_proj_weight),
                             ("v", v_proj_weight)):
            if weight is None:
                raise AssertionError(f"use_separate_proj_weight is True but {name}_proj_weight "
                                     f"is None")
        b_q, b_k, b_v = (None, None, None) if in_proj_bias is None else in_proj_bias.chunk(3)
        q, k, v = _in_projection(query, key, value, q_proj_weight, k_proj_weight,
                                 v_proj_weight, b_q, b_k, b_v)
    src_len = key.shape[0]

    # attn_mask as (1, 1, L, S) or (N, H, L, S): it broadcasts over the (N, H, L, S) scores
    if attn_mask is not None:
        if attn_mask.dim() == 2:
            if tuple(attn_mask.shape) != (tgt_len, src_len):
                raise RuntimeError(f"The shape of the 2D attn_mask is {attn_mask.shape}, but "
                                   f"should be {(tgt_len, src_len)}.")
            attn_mask = attn_mask.reshape(1, 1, tgt_len, src_len)
        elif attn_mask.dim() == 3:
            if tuple(attn_mask.shape) != (bsz * num_heads, tgt_len, src_len):
                raise RuntimeError(f"The shape of the 3D attn_mask is {attn_mask.shape}, but "
                                   f"should be {(bsz * num_heads, tgt_len, src_len)}.")
            attn_mask = attn_mask.reshape(bsz, num_heads, tgt_len, src_len)
        else:
            raise RuntimeError(f"attn_mask's dimension {attn_mask.dim()} is not supported")

    if bias_k is not None and bias_v is not None:
        if static_k is not None:
            raise AssertionError("bias cannot be added to static key.")
        if static_v is not None:
            raise AssertionError("bias cannot be added to static value.")
        k = cat([k, bias_k.repeat(1, bsz, 1)])
        v = cat([v, bias_v.repeat(1, bsz, 1)])
        attn_mask = None if attn_mask is None else pad(attn_mask, (0, 1))
        key_padding_mask = None if key_padding_mask is None else pad(key_padding_mask, (0, 1))
    elif bias_k is not None:
        raise AssertionError("bias_k is set but bias_v is None")
    elif bias_v is not None:
        raise AssertionError("bias_v is set but bias_k is None")

    q = _heads(q, bsz, num_heads, head_dim)
    k = _heads(k, bsz, num_heads, head_dim) if static_k is None else \
        _static(static_k, "static_k", bsz, num_heads, head_dim)
    v = _heads(v, bsz, num_heads, head_dim) if static_v is None else \
        _static(static_v, "static_v", bsz, num_heads, head_dim)
    if add_zero_attn:
        zeros = _make(xp.zeros((bsz, num_heads, 1, head_dim), k._data.dtype))
        k = cat([k, zeros], dim=2)
        v = cat([v, zeros.to(v.dtype)], dim=2)
        attn_mask = None if attn_mask is None else pad(attn_mask, (0, 1))
        key_padding_mask = None if key_padding_mask is None else pad(key_padding_mask, (0, 1))
    src_len = k.shape[2]

    bias = attn_mask
    if key_padding_mask is not None:
        if key_padding_mask.shape[0] != bsz:
            raise AssertionError(f"Expected key_padded_mask.shape[0] to be {bsz}, but got "
                                 f"{key_padding_mask.shape[0]}")
        if key_padding_mask.shape[1] != src_len:
            raise AssertionError(f"Expected key_padded_mask.shape[1] to be {src_len}, but got "
                                 f"{key_padding_mask.shape[1]}")
        padding = key_padding_mask.reshape(bsz, 1, 1, src_len)
        bias = padding if bias is None else bias + padding
    if bias is None and is_causal:
        bias = _causal_bias(tgt_len, src_len, q._data.dtype)
    elif bias is not None and bias._data.dtype != q._data.dtype:
        bias = bias.to(q.dtype)
    if not training:
        dropout_p = 0.0

    result = _attention(q, k, v, bias, dropout_p, 1 / math.sqrt(head_dim),
                        safe=not plain_softmax, return_weights=need_weights)
    attn, weights = result if need_weights else (result, None)
    attn = attn.permute(2, 0, 1, 3).reshape(tgt_len * bsz, embed_dim)
    attn = linear(attn, out_proj_weight, out_proj_bias).view(tgt_len, bsz, -1)
    if weights is not None and average_attn_weights:
        weights = weights.mean(dim=1)
    if not is_batched:
        attn = attn.squeeze(1)
        weights = None if weights is None else weights.squeeze(0)
    return attn, weights


def multi_head_attention_forward(query, key, value, embed_dim_to_check, num_heads,
                                 in_proj_weight, in_proj_bias, bias_k, bias_v, add_zero_attn,
                                 dropout_p, out_proj_weight, out_proj_bias, training=True,
                                 key_padding_mask=None, need_weights=True, attn_mask=None,
                                 use_separate_proj_weight=False, q_proj_weight=None,
                                 k_proj_weight=None, v_proj_weight=None, static_k=None,
                                 static_v=None, average_attn_weights=True, is_causal=False):
    """Multi-head attention: project query/key/value, attend per head, project back.

    Shapes: query (L, N, E) or (L, E), key (S, N, Ek), value (S, N, Ev) -> (attn_output
    (L, N, E), attn_weights (N, L, S), or (N, H, L, S) unaveraged, or None). Masks: attn_mask
    (L, S) or (N*H, L, S), key_padding_mask (N, S); bool True = masked out, float added."""
    return _multi_head_attention(
        query, key, value, embed_dim_to_check, num_heads, in_proj_weight, in_proj_bias,
        bias_k, bias_v, add_zero_attn, dropout_p, out_proj_weight, out_proj_bias, training,
        key_padding_mask, need_weights, attn_mask, use_separate_proj_weight, q_proj_weight,
        k_proj_weight, v_proj_weight, static_k, static_v, average_attn_weights, is_causal,
        plain_softmax=need_weights)
