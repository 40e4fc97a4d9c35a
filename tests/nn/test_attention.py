"""F.scaled_dot_product_attention against PyTorch: values, dtypes, shapes and the gradients of
query, key, value (and of a float mask), for masks of each kind and shape, causal masks, scale,
grouped-query attention, broadcast batch dims, empty and fully-masked rows, large scores (the
shifted softmax path), float16; float64 gradcheck of the fused node; errors."""
import math

import numpy as np
import pytest

import glasstorch as gt
from tests.oracle.harness import check, gradcheck_fn, check_error, sample


def F(t):
    return t.nn.functional


def sdpa(**kw):
    return lambda t, q, k, v, *mask: F(t).scaled_dot_product_attention(
        q, k, v, *(mask or ()), **kw)


TOL = {"float32": dict(rtol=1e-4, atol=1e-5), "float64": dict(rtol=1e-7, atol=1e-9)}

# (query, key, value) shapes: batch dims broadcast, any rank >= 2
SHAPES = [
    ((2, 3, 4, 8), (2, 3, 5, 8), (2, 3, 5, 6)),
    ((4, 8), (5, 8), (5, 3)),                       # 2-d: one head, no batch
    ((3, 4, 8), (3, 6, 8), (3, 6, 8)),
    ((2, 2, 3, 4, 8), (2, 2, 3, 5, 8), (2, 2, 3, 5, 2)),
    ((2, 3, 4, 8), (2, 1, 5, 8), (2, 1, 5, 6)),    # key/value broadcast over heads
    ((2, 3, 4, 8), (3, 5, 8), (3, 5, 6)),          # key/value without the batch dim
    ((1, 3, 4, 8), (2, 3, 5, 8), (2, 3, 5, 6)),    # query broadcast over the batch
    ((2, 3, 1, 8), (2, 3, 1, 8), (2, 3, 1, 6)),    # size-1 sequences
    ((2, 1, 7, 16), (2, 1, 7, 16), (2, 1, 7, 16)),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shapes", SHAPES, ids=str)
def test_sdpa_matches_torch(shapes, dtype):
    inputs = [sample(s, dtype) for s in shapes]
    check(sdpa(), inputs, **TOL[dtype])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shapes", SHAPES[:4], ids=str)
def test_sdpa_causal_matches_torch(shapes, dtype):
    check(sdpa(is_causal=True), [sample(s, dtype) for s in shapes], **TOL[dtype])


@pytest.mark.parametrize("L,S", [(3, 6), (6, 3), (1, 4), (4, 1)])
def test_sdpa_causal_non_square_is_upper_left(L, S):
    check(sdpa(is_causal=True), [sample((2, L, 8)), sample((2, S, 8)), sample((2, S, 5))],
          **TOL["float32"])


# mask shapes broadcast to the weights' shape (2, 3, 4, 5)
MASK_SHAPES = [(4, 5), (1, 5), (3, 4, 5), (2, 1, 4, 5), (2, 3, 4, 5), (2, 3, 1, 5),
               (1, 1, 1, 1)]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("mask_shape", MASK_SHAPES, ids=str)
def test_sdpa_bool_mask_matches_torch(mask_shape, dtype):
    rng = np.random.default_rng(sum(mask_shape))
    mask = rng.random(mask_shape) > 0.3
    q, k, v = sample((2, 3, 4, 8), dtype), sample((2, 3, 5, 8), dtype), sample((2, 3, 5, 6),
                                                                                dtype)
    check(sdpa(), [q, k, v, mask], **TOL[dtype])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("mask_shape", MASK_SHAPES, ids=str)
def test_sdpa_float_mask_matches_torch_with_its_gradient(mask_shape, dtype):
    """The additive mask is an input like any other: its gradient is dS summed to its shape."""
    q, k, v = sample((2, 3, 4, 8), dtype), sample((2, 3, 5, 8), dtype), sample((2, 3, 5, 6),
                                                                                dtype)
    check(sdpa(), [q, k, v, sample(mask_shape, dtype)], **TOL[dtype])


def test_sdpa_float_mask_with_minus_inf_entries():
    mask = sample((4, 5))
    mask[0, 1] = mask[2, :3] = -np.inf
    q, k, v = sample((2, 3, 4, 8)), sample((2, 3, 5, 8)), sample((2, 3, 5, 6))
    check(lambda t, q, k, v: F(t).scaled_dot_product_attention(q, k, v, t.tensor(mask)),
          [q, k, v], **TOL["float32"])


@pytest.mark.parametrize("mask_shape", [(5,), (), (1, 5)], ids=str)
def test_sdpa_low_rank_masks_on_3d_query(mask_shape):
    q, k, v = sample((2, 4, 8)), sample((2, 5, 8)), sample((2, 5, 6))
    check(sdpa(), [q, k, v, sample(mask_shape)], **TOL["float32"])
    check(sdpa(), [q, k, v, np.asarray(sample(mask_shape, "bool"))], **TOL["float32"])


def test_sdpa_float32_mask_on_float64_query():
    """PyTorch accepts a float32 mask for any query dtype (bool, float, or the query's)."""
    q, k, v = sample((2, 4, 8), "float64"), sample((2, 5, 8), "float64"), sample((2, 5, 6),
                                                                                  "float64")
    check(sdpa(), [q, k, v, sample((4, 5), "float32")], **TOL["float64"])


@pytest.mark.parametrize("scale", [0.5, 2.0, 0.0, -1.0])
def test_sdpa_scale(scale):
    check(sdpa(scale=scale), [sample((2, 3, 4, 8)), sample((2, 3, 5, 8)), sample((2, 3, 5, 6))],
          **TOL["float32"])


@pytest.mark.parametrize("kv_heads", [(1, 1), (3, 3), (1, 3), (2, 6)])
def test_sdpa_grouped_query_attention(kv_heads):
    hk, hv = kv_heads
    check(sdpa(enable_gqa=True), [sample((2, 6, 4, 8)), sample((2, hk, 5, 8)),
                                  sample((2, hv, 5, 4))], **TOL["float32"])


def test_sdpa_gqa_heads_must_divide():
    check_error(lambda t: F(t).scaled_dot_product_attention(
        t.ones(2, 3, 4, 8), t.ones(2, 2, 5, 8), t.ones(2, 2, 5, 8), enable_gqa=True),
        match="Number of heads")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_sdpa_fully_masked_rows_give_zeros_and_zero_grads(dtype):
    """PyTorch's SDPA uses a 'safe' softmax: a query that may attend to nothing gets 0."""
    mask = np.ones((4, 5), bool)
    mask[1] = False
    fmask = np.zeros((4, 5), dtype)
    fmask[2] = -np.inf
    q, k, v = sample((2, 3, 4, 8), dtype), sample((2, 3, 5, 8), dtype), sample((2, 3, 5, 6),
                                                                                dtype)
    out = check(sdpa(), [q, k, v, mask], **TOL[dtype])
    assert not np.any(out.detach().numpy()[:, :, 1])
    check(lambda t, q, k, v: F(t).scaled_dot_product_attention(q, k, v, t.tensor(fmask)),
          [q, k, v], **TOL[dtype])
    with gt.no_grad():
        out = F(gt).scaled_dot_product_attention(*(gt.tensor(a) for a in (q, k, v)),
                                                 gt.tensor(mask))
    assert not np.any(out.numpy()[:, :, 1]) and not np.isnan(out.numpy()).any()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("magnitude", [8.0, 30.0, 300.0, 3000.0])
def test_sdpa_large_scores_take_the_shifted_softmax(magnitude, dtype):
    """Scores past exp's safe range must give the same (stable) answer as PyTorch."""
    q = sample((2, 3, 4, 8), dtype) * magnitude
    check(sdpa(), [q, sample((2, 3, 5, 8), dtype), sample((2, 3, 5, 6), dtype)],
          rtol=1e-4, atol=1e-5, grad_rtol=1e-3, grad_atol=1e-3 * magnitude)


@pytest.mark.parametrize("top", [60.0, 85.0, 95.0])
def test_sdpa_scores_near_float32_exp_overflow(top):
    """Largest score just below (exp stays finite: no shift needed) and just above exp's
    float32 overflow at 88.7 (the shifted path)."""
    q, k, v = sample((2, 4, 8)), sample((2, 5, 8)), sample((2, 5, 6))
    scale = top / (q @ k.transpose(0, 2, 1)).max()
    check(sdpa(scale=float(scale)), [q, k, v], rtol=1e-4, atol=1e-5, grad_atol=1e-3)


def test_sdpa_very_negative_rows():
    """Rows whose every score is far below 0 (a -1e4 float mask, as courses write it) are not
    lost to underflow: the shifted form gives the uniform or peaked distribution."""
    mask = np.zeros((4, 5), np.float32)
    mask[1] = -1e4
    mask[2, 1:] = -1e4
    mask[3] = -1e4 + np.arange(5)
    q, k, v = sample((2, 3, 4, 8)), sample((2, 3, 5, 8)), sample((2, 3, 5, 6))
    check(lambda t, q, k, v: F(t).scaled_dot_product_attention(q, k, v, t.tensor(mask)),
          [q, k, v], **TOL["float32"])


def test_sdpa_nan_propagates_like_torch():
    q = sample((2, 4, 8))
    q[0, 1, 3] = np.nan
    check(sdpa(), [q, sample((2, 5, 8)), sample((2, 5, 6))], grad=False)


@pytest.mark.parametrize("shapes", [((2, 0, 8), (2, 5, 8), (2, 5, 6)),
                                    ((2, 4, 8), (2, 0, 8), (2, 0, 6)),
                                    ((2, 4, 8), (2, 5, 8), (2, 5, 0)),
                                    ((0, 4, 8), (0, 5, 8), (0, 5, 6))], ids=str)
def test_sdpa_empty(shapes):
    check(sdpa(), [sample(s) for s in shapes])


def test_sdpa_float16_computes_in_float32():
    q, k, v = (sample(s, "float16") for s in ((2, 4, 8), (2, 5, 8), (2, 5, 6)))
    check(sdpa(), [q, k, v], rtol=2e-3, atol=2e-3, grad_rtol=1e-2, grad_atol=1e-2)


def test_sdpa_dropout_one_zeroes_everything_and_zero_is_exact():
    q, k, v = sample((2, 4, 8)), sample((2, 5, 8)), sample((2, 5, 6))
    check(sdpa(dropout_p=1.0), [q, k, v])
    check(sdpa(dropout_p=0.0), [q, k, v], **TOL["float32"])


def test_sdpa_dropout_keeps_expectation_and_backprops_through_the_same_mask():
    """Random streams differ from PyTorch's, so dropout is tested by its law: E[out] equals the
    output without dropout, and the gradient is that of the weights actually used."""
    gt.manual_seed(0)
    q, k, v = (gt.tensor(sample(s, "float64"), requires_grad=True)
               for s in ((1, 4, 8), (1, 6, 8), (1, 6, 3)))
    clean = F(gt).scaled_dot_product_attention(q, k, v).detach().numpy()
    runs = [F(gt).scaled_dot_product_attention(q, k, v, dropout_p=0.3).detach().numpy()
            for _ in range(3000)]
    assert not np.allclose(runs[0], runs[1])
    np.testing.assert_allclose(np.mean(runs, axis=0), clean, atol=0.05)
    # the returned weights of the MHA path carry the mask: out == weights @ v exactly
    out, weights = gt._ops.attention._attention(q, k, v, None, 0.3, 1 / math.sqrt(8), True,
                                                return_weights=True)
    np.testing.assert_allclose(out.detach().numpy(), weights.detach().numpy() @ v.detach().numpy(),
                               rtol=1e-12)
    dropped = weights.detach().numpy() == 0
    assert dropped.any() and (~dropped).any()
    (out * gt.tensor(sample((1, 4, 3), "float64"))).sum().backward()
    assert q.grad is not None and np.isfinite(q.grad.numpy()).all()


@pytest.mark.parametrize("case", [
    dict(shapes=((2, 3, 4, 8), (2, 3, 5, 8), (2, 3, 5, 6))),
    dict(shapes=((4, 8), (5, 8), (5, 3)), is_causal=True),
    dict(shapes=((2, 3, 4, 8), (3, 5, 8), (1, 5, 6))),
    dict(shapes=((2, 2, 4, 8), (2, 2, 5, 8), (2, 2, 5, 6)), scale=0.7),
    dict(shapes=((2, 4, 4, 8), (2, 2, 5, 8), (2, 1, 5, 6)), enable_gqa=True),
], ids=str)
def test_sdpa_gradcheck(case):
    case = dict(case)
    shapes = case.pop("shapes")
    gradcheck_fn(sdpa(**case), [sample(s, "float64") for s in shapes])


def test_sdpa_gradcheck_with_masks():
    bool_mask = np.random.default_rng(0).random((4, 5)) > 0.3
    bool_mask[:, 0] = True
    inputs = [sample(s, "float64") for s in ((2, 4, 8), (2, 5, 8), (2, 5, 6))]
    gradcheck_fn(lambda t, q, k, v: F(t).scaled_dot_product_attention(
        q, k, v, t.tensor(bool_mask)), inputs)
    gradcheck_fn(sdpa(), inputs + [sample((2, 1, 5), "float64")])   # float mask's own grad


def test_sdpa_gradcheck_large_scores_shifted_path():
    q = sample((2, 4, 8), "float64") * 200
    gradcheck_fn(sdpa(), [q, sample((2, 5, 8), "float64"), sample((2, 5, 6), "float64")],
                 atol=1e-4)


def test_sdpa_is_one_node_named_as_torch():
    q, k, v = (gt.tensor(sample(s), requires_grad=True)
               for s in ((2, 3, 4, 8), (2, 3, 5, 8), (2, 3, 5, 6)))
    out = F(gt).scaled_dot_product_attention(q, k, v)
    assert out.grad_fn.name() == "UnsafeViewBackward0"
    assert all(fn[0] is not None and fn[0].variable is t
               for fn, t in zip(out.grad_fn.next_functions, (q, k, v)))
    out2 = F(gt).scaled_dot_product_attention(q[0, 0], k[0, 0], v[0, 0])
    assert out2.grad_fn.name() == "MmBackward0"


def test_sdpa_no_grad_records_nothing():
    q, k, v = (gt.tensor(sample(s), requires_grad=True)
               for s in ((2, 4, 8), (2, 5, 8), (2, 5, 6)))
    with gt.no_grad():
        out = F(gt).scaled_dot_product_attention(q, k, v, dropout_p=0.5)
    assert out.grad_fn is None and not out.requires_grad
    out = F(gt).scaled_dot_product_attention(q.detach(), k.detach(), v.detach())
    assert out.grad_fn is None


def test_sdpa_grad_of_some_inputs_only():
    q, k, v = sample((2, 4, 8)), sample((2, 5, 8)), sample((2, 5, 6))
    check(lambda t, q, k, v: F(t).scaled_dot_product_attention(q.detach(), k, v.detach()),
          [q, k, v], **TOL["float32"])
    check(lambda t, q, k, v: F(t).scaled_dot_product_attention(q, k.detach(), v),
          [q, k, v], **TOL["float32"])


def test_sdpa_non_contiguous_inputs():
    check(lambda t, q, k, v: F(t).scaled_dot_product_attention(
        q.transpose(1, 2), k.transpose(1, 2), v[..., ::2].transpose(1, 2)),
        [sample((2, 4, 3, 8)), sample((2, 5, 3, 8)), sample((2, 5, 3, 12))], **TOL["float32"])


# ---------------------------------------------------------------------------------- errors
def _qkv(t, q=(2, 3, 4, 8), k=(2, 3, 5, 8), v=(2, 3, 5, 6), dtype=None):
    dtype = dtype or t.float32
    return t.ones(q, dtype=dtype), t.ones(k, dtype=dtype), t.ones(v, dtype=dtype)


@pytest.mark.parametrize("name,call,match", [
    ("causal with mask", lambda t: F(t).scaled_dot_product_attention(
        *_qkv(t), attn_mask=t.ones(4, 5, dtype=t.bool), is_causal=True), "is_causal"),
    ("int mask", lambda t: F(t).scaled_dot_product_attention(
        *_qkv(t), attn_mask=t.ones(4, 5, dtype=t.int64)), "long int"),
    ("float64 mask, float32 query", lambda t: F(t).scaled_dot_product_attention(
        *_qkv(t), attn_mask=t.ones(4, 5, dtype=t.float64)), "double"),
    ("mask of wrong shape", lambda t: F(t).scaled_dot_product_attention(
        *_qkv(t), attn_mask=t.ones(4, 6)), "(6)"),
    ("mask of too many dims", lambda t: F(t).scaled_dot_product_attention(
        *_qkv(t), attn_mask=t.ones(1, 2, 3, 4, 5)), "[1, 2, 3, 4, 5]"),
    ("1-d mask, 4-d query", lambda t: F(t).scaled_dot_product_attention(
        *_qkv(t), attn_mask=t.ones(5, dtype=t.bool)), "-2"),
    ("0-d mask, 4-d query", lambda t: F(t).scaled_dot_product_attention(
        *_qkv(t), attn_mask=t.ones(())), "-2"),
    ("dtypes differ", lambda t: F(t).scaled_dot_product_attention(
        t.ones(2, 4, 8), t.ones(2, 5, 8, dtype=t.float64), t.ones(2, 5, 6)), "double"),
    ("1-d", lambda t: F(t).scaled_dot_product_attention(t.ones(8), t.ones(8), t.ones(8)),
     "query.dim: 1"),
    ("embed dims differ", lambda t: F(t).scaled_dot_product_attention(
        *_qkv(t, k=(2, 3, 5, 7))), "[6, 7]"),
    ("key/value lengths differ", lambda t: F(t).scaled_dot_product_attention(
        *_qkv(t, v=(2, 3, 4, 6))), "[6, 4]"),
    ("batch dims do not broadcast", lambda t: F(t).scaled_dot_product_attention(
        *_qkv(t, k=(3, 2, 5, 8), v=(3, 2, 5, 6))), "(3)"),
    ("dropout_p > 1", lambda t: F(t).scaled_dot_product_attention(*_qkv(t), dropout_p=1.5),
     "1.5"),
    ("integer inputs", lambda t: F(t).scaled_dot_product_attention(*_qkv(t, dtype=t.int32)),
     "Int"),
    ("mask not a tensor", lambda t: F(t).scaled_dot_product_attention(*_qkv(t), 0.5),
     "attn_mask"),
], ids=lambda x: x if isinstance(x, str) else "")
def test_sdpa_errors_match_torch(name, call, match):
    check_error(call, match=match)


def test_sdpa_scale_is_keyword_only():
    check_error(lambda t: F(t).scaled_dot_product_attention(*_qkv(t), None, 0.0, False, 0.5))
