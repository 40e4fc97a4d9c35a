"""nn.MultiheadAttention and F.multi_head_attention_forward against PyTorch: outputs, attention
weights (averaged or per head), gradients of the inputs and of every parameter, for every
constructor option and every mask kind; state_dict layout, init, repr; errors."""
import warnings

import numpy as np
import pytest
import torch

import glasstorch as gt
from tests.oracle.harness import check, check_error, sample, gradcheck_fn
from tests.nn.attention_twins import twins, check_module, TOL

E, H, L, S, N = 8, 2, 4, 5, 3


def mha(**kw):
    kw = {"embed_dim": E, "num_heads": H, **kw}
    return lambda lib, dtype: lib.nn.MultiheadAttention(**kw, dtype=dtype)


def _shape(batch_first, length, features=E, batched=True):
    if not batched:
        return (length, features)
    return (N, length, features) if batch_first else (length, N, features)


CONFIGS = [
    dict(),
    dict(batch_first=True),
    dict(bias=False),
    dict(add_bias_kv=True),
    dict(add_zero_attn=True),
    dict(add_bias_kv=True, add_zero_attn=True, batch_first=True),
    dict(kdim=6, vdim=3),
    dict(kdim=6, vdim=3, batch_first=True, add_zero_attn=True),
    dict(num_heads=1),
    dict(num_heads=4, dropout=0.3),     # dropout: the tests run in eval mode
]


def _run(kw, need_weights=True, average=True, mask=None, padding=None, causal=False,
         self_attention=False, eval_mode=False):
    def fn(lib, m, *tensors):
        if eval_mode:
            m.eval()
        tensors = list(tensors)
        q = tensors.pop(0)
        key, value = (q, q) if self_attention else (tensors.pop(0), tensors.pop(0))
        attn_mask = tensors.pop(0) if mask is not None else None
        kpm = tensors.pop(0) if padding is not None else None
        return m(q, key, value, key_padding_mask=kpm, need_weights=need_weights,
                 attn_mask=attn_mask, average_attn_weights=average, is_causal=causal)
    return fn


def _inputs(kw, dtype, batched=True, self_attention=False):
    bf = kw.get("batch_first", False)
    q = sample(_shape(bf, L, E, batched), dtype)
    if self_attention:
        return [q]
    return [q, sample(_shape(bf, S, kw.get("kdim", E), batched), dtype),
            sample(_shape(bf, S, kw.get("vdim", E), batched), dtype)]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kw", CONFIGS, ids=str)
@pytest.mark.parametrize("need_weights,average", [(True, True), (True, False), (False, True)])
def test_mha_matches_torch(kw, need_weights, average, dtype):
    modules = twins(mha(**kw), dtype)
    eval_mode = kw.get("dropout", 0) > 0
    check_module(modules, _run(kw, need_weights, average, eval_mode=eval_mode),
                 _inputs(kw, dtype), **TOL[dtype])


@pytest.mark.parametrize("kw", [dict(), dict(batch_first=True), dict(add_bias_kv=True)],
                         ids=str)
def test_mha_self_attention_one_tensor(kw):
    """query is key is value: PyTorch projects once (one GEMM); the results are the same."""
    modules = twins(mha(**kw), "float64")
    check_module(modules, _run(kw, self_attention=True), _inputs(kw, "float64",
                                                                self_attention=True),
                 **TOL["float64"])


def test_mha_encoder_decoder_attention_key_is_value():
    modules = twins(mha(), "float64")
    check_module(modules, lambda t, m, q, kv: m(q, kv, kv),
                 [sample((L, N, E), "float64"), sample((S, N, E), "float64")], **TOL["float64"])


@pytest.mark.parametrize("kw", [dict(), dict(batch_first=True), dict(kdim=6, vdim=3),
                                dict(add_bias_kv=True, add_zero_attn=True)], ids=str)
@pytest.mark.parametrize("need_weights", [True, False])
def test_mha_unbatched(kw, need_weights):
    modules = twins(mha(**kw), "float64")
    padding = np.array([False, True, False, False, True])
    check_module(modules, _run(kw, need_weights, padding=padding),
                 _inputs(kw, "float64", batched=False) + [padding], **TOL["float64"])


def _bool_mask(shape, seed=0):
    mask = np.random.default_rng(seed).random(shape) > 0.7
    mask[..., 0] = False         # every query keeps a key: no fully-masked row here
    return mask


def _float_mask(shape, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, shape)


MASKS = [
    ("bool 2-d", lambda d: _bool_mask((L, S))),
    ("bool 3-d", lambda d: _bool_mask((N * H, L, S))),
    ("float 2-d", lambda d: _float_mask((L, S)).astype(d)),
    ("float 3-d", lambda d: _float_mask((N * H, L, S)).astype(d)),
]
PADDINGS = [
    ("no padding", None),
    ("bool padding", lambda d: np.array([[False] * 5, [False, False, True, True, True],
                                         [False, True, False, True, False]])),
    ("float padding", lambda d: _float_mask((N, S), 1).astype(d)),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("mask_name,make_mask,padding_name,make_padding", [
    m + p for m in MASKS + [("no mask", None)] for p in PADDINGS if m[1] or p[1]],
    ids=lambda x: x if isinstance(x, str) else "")
@pytest.mark.parametrize("need_weights", [True, False])
def test_mha_masks(mask_name, make_mask, padding_name, make_padding, need_weights, dtype):
    kw = dict(add_zero_attn=True) if "3-d" in mask_name else dict()
    modules = twins(mha(**kw), dtype)
    masks = [m(dtype) for m in (make_mask, make_padding) if m is not None]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")    # bool and float masks mixed: PyTorch's deprecation
        check_module(modules, _run(kw, need_weights, mask=make_mask, padding=make_padding),
                     _inputs(kw, dtype) + masks, **TOL[dtype])


@pytest.mark.parametrize("need_weights", [True, False])
@pytest.mark.parametrize("with_padding", [False, True])
@pytest.mark.filterwarnings("ignore:Support for mismatched")
def test_mha_is_causal_with_its_mask(need_weights, with_padding):
    causal = np.triu(np.full((L, L), -np.inf), 1)
    modules = twins(mha(batch_first=True), "float64")
    padding = [np.array([[False] * 4, [False, False, False, True], [False, True, True, True]])]
    check_module(modules,
                 _run(dict(batch_first=True), need_weights, mask=True, causal=True,
                      self_attention=True, padding=True if with_padding else None),
                 [sample((N, L, E), "float64"), causal] + (padding if with_padding else []),
                 **TOL["float64"])


def test_mha_is_causal_needs_a_mask():
    check_error(lambda t: t.nn.MultiheadAttention(E, H)(t.ones(L, N, E), t.ones(L, N, E),
                                                         t.ones(L, N, E), is_causal=True),
                match="attn_mask")


@pytest.mark.parametrize("need_weights", [True, False])
def test_mha_fully_masked_rows(need_weights):
    """A batch item whose keys are all padding: NaN on the need_weights path (plain softmax),
    zeros on the SDPA path, in training mode; NaN on PyTorch's inference fast path."""
    padding = np.array([[False] * 5, [True] * 5, [False, True, False, True, False]])
    kw = dict(batch_first=True)
    modules = twins(mha(**kw), "float64")
    x = sample((N, S, E), "float64")
    out = check_module(modules, _run(kw, need_weights, padding=True, self_attention=True),
                       [x, padding], grad=False)
    assert np.isnan(out[0].detach().numpy()[1]).all() == need_weights
    for m in modules.values():
        m.eval()
    for lib in (torch, gt):
        with lib.no_grad():
            xt = lib.tensor(x)
            out, _ = modules[lib](xt, xt, xt, key_padding_mask=lib.tensor(padding),
                                  need_weights=need_weights)
        assert np.isnan(out.numpy()[1]).all(), lib.__name__
        assert not np.isnan(out.numpy()[[0, 2]]).any()
        # not self-attention (query is not key): the general path, zeros without weights
        with lib.no_grad():
            out, _ = modules[lib](xt, lib.tensor(x), lib.tensor(x),
                                  key_padding_mask=lib.tensor(padding), need_weights=need_weights)
        assert np.isnan(out.numpy()[1]).all() == need_weights, lib.__name__


def test_mha_eval_mode_without_grad_matches_torch():
    kw = dict(batch_first=True, dropout=0.2)
    modules = twins(mha(**kw), "float32")
    x = sample((N, L, E))
    padding = np.array([[False] * 4, [False, False, True, True], [False, True, False, False]])
    results = {}
    for lib, m in modules.items():
        m.eval()
        with lib.no_grad():
            xt = lib.tensor(x)
            results[lib] = m(xt, xt, xt, key_padding_mask=lib.tensor(padding))
    for ours, theirs in zip(results[gt], results[torch]):
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-4, atol=1e-5)


def test_mha_training_dropout_changes_output_eval_does_not():
    m = gt.nn.MultiheadAttention(E, H, dropout=0.5)
    x = gt.tensor(sample((L, N, E)))
    a, b = m(x, x, x)[0], m(x, x, x)[0]
    assert not np.allclose(a.detach().numpy(), b.detach().numpy())
    m.eval()
    a, b = m(x, x, x)[0], m(x, x, x)[0]
    np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


@pytest.mark.parametrize("need_weights", [True, False])
def test_mha_gradcheck(need_weights):
    """float64 finite differences through the functional form: inputs, separate projection
    weights, biases, bias_k/bias_v, zero attention and a float mask all get gradients."""
    bool_padding = np.array([[False, True], [False, False]])

    def fn(lib, q, k, v, wq, wk, wv, b, bk, bv, wo, bo, mask):
        out, w = lib.nn.functional.multi_head_attention_forward(
            q, k, v, 4, 2, None, b, bk, bv, True, 0.0, wo, bo, key_padding_mask=lib.tensor(
                bool_padding), need_weights=need_weights, attn_mask=mask,
            use_separate_proj_weight=True, q_proj_weight=wq, k_proj_weight=wk, v_proj_weight=wv,
            average_attn_weights=False)
        return out if w is None else (out, w)
    shapes = [(3, 2, 4), (2, 2, 3), (2, 2, 5), (4, 4), (4, 3), (4, 5), (12,), (1, 1, 4),
              (1, 1, 4), (4, 4), (4,), (3, 2)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gradcheck_fn(fn, [sample(s, "float64") for s in shapes])


# ---------------------------------------------------------------- functional form
def test_functional_mha_with_static_kv_and_separate_weights():
    rng = np.random.default_rng(0)
    w = {name: rng.uniform(-0.5, 0.5, shape) for name, shape in
         (("q", (E, E)), ("k", (E, 6)), ("v", (E, 3)), ("b", (3 * E,)), ("o", (E, E)),
          ("ob", (E,)))}
    static_k, static_v = sample((N * H, S, E // H), "float64"), sample((N * H, S, E // H),
                                                                       "float64")

    def fn(t, q, k, v, sk, sv):
        p = {name: t.tensor(a) for name, a in w.items()}
        return t.nn.functional.multi_head_attention_forward(
            q, k, v, E, H, None, p["b"], None, None, True, 0.0, p["o"], p["ob"],
            training=False, use_separate_proj_weight=True, q_proj_weight=p["q"],
            k_proj_weight=p["k"], v_proj_weight=p["v"], static_k=sk, static_v=sv,
            average_attn_weights=False)
    check(fn, [sample((L, N, E), "float64"), sample((S, N, 6), "float64"),
               sample((S, N, 3), "float64"), static_k, static_v], **TOL["float64"])


def test_functional_mha_dropout_applies_only_in_training():
    rng = np.random.default_rng(1)
    args = [gt.tensor(rng.uniform(-0.5, 0.5, s)) for s in ((3 * E, E), (3 * E,), (E, E), (E,))]
    x = gt.tensor(sample((L, N, E), "float64"))

    def run(training):
        return gt.nn.functional.multi_head_attention_forward(
            x, x, x, E, H, args[0], args[1], None, None, False, 0.5, args[2], args[3],
            training=training)[0].numpy()
    assert not np.allclose(run(True), run(True))
    np.testing.assert_array_equal(run(False), run(False))


# ---------------------------------------------------------------- layout, init, repr
@pytest.mark.parametrize("kw", CONFIGS, ids=str)
def test_mha_state_dict_layout_and_repr(kw):
    t, g = mha(**kw)(torch, torch.float32), mha(**kw)(gt, gt.float32)
    assert [(k, tuple(v.shape)) for k, v in g.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in t.state_dict().items()]
    assert [k for k, _ in g.named_parameters()] == [k for k, _ in t.named_parameters()]
    assert repr(g) == repr(t)
    for name in ("embed_dim", "kdim", "vdim", "num_heads", "dropout", "batch_first",
                 "head_dim", "_qkv_same_embed_dim", "add_zero_attn"):
        assert getattr(g, name) == getattr(t, name), name
    assert type(g.out_proj).__name__ == "NonDynamicallyQuantizableLinear"
    assert isinstance(g.out_proj, gt.nn.Linear)


def test_mha_torch_checkpoint_loads_into_glasstorch_and_back():
    t = torch.nn.MultiheadAttention(E, H, add_bias_kv=True)
    g = gt.nn.MultiheadAttention(E, H, add_bias_kv=True)
    g.load_state_dict({k: gt.tensor(v.numpy()) for k, v in t.state_dict().items()})
    t2 = torch.nn.MultiheadAttention(E, H, add_bias_kv=True)
    t2.load_state_dict({k: torch.tensor(v.numpy()) for k, v in g.state_dict().items()})
    for (k, a), b in zip(t.state_dict().items(), t2.state_dict().values()):
        assert torch.equal(a, b), k


def test_mha_init_follows_torch():
    gt.manual_seed(0)
    m = gt.nn.MultiheadAttention(64, 4, add_bias_kv=True)
    bound = np.sqrt(6 / (64 + 3 * 64))          # xavier_uniform_ on (3E, E)
    w = m.in_proj_weight.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.95 * bound
    assert not m.in_proj_bias.detach().numpy().any()
    assert not m.out_proj.bias.detach().numpy().any()
    out_bound = 1 / np.sqrt(64)                  # out_proj keeps Linear's default init
    assert np.abs(m.out_proj.weight.detach().numpy()).max() <= out_bound
    assert m.bias_k.shape == (1, 1, 64)
    std = np.sqrt(2 / (64 + 64))                 # xavier_normal_ on (1, 1, E)
    assert 0.7 * std < m.bias_k.detach().numpy().std() < 1.3 * std


# ---------------------------------------------------------------- errors
def _call(lib, m=None, q=(L, N, E), k=(S, N, E), v=(S, N, E), **kw):
    m = m or lib.nn.MultiheadAttention(E, H)
    return m(lib.ones(q), lib.ones(k), lib.ones(v), **kw)


@pytest.mark.parametrize("name,call,match", [
    ("num_heads does not divide", lambda t: t.nn.MultiheadAttention(10, 3), "divisible"),
    ("embed_dim 0", lambda t: t.nn.MultiheadAttention(0, 2), "embed_dim=0"),
    ("wrong embed dim", lambda t: _call(t, q=(L, N, 6), k=(S, N, 6), v=(S, N, 6)),
     "embedding dimension of 8, but got 6"),
    ("4-d query", lambda t: _call(t, q=(1, L, N, E)), "4-D"),
    ("key 2-d for batched query", lambda t: _call(t, k=(S, E)), "2-D"),
    ("key and value differ", lambda t: _call(t, v=(S + 1, N, E)), "does not match"),
    ("2-d mask of wrong shape", lambda t: _call(t, attn_mask=t.zeros(L, S + 1)),
     "(4, 5)"),
    ("3-d mask of wrong shape", lambda t: _call(t, attn_mask=t.zeros(N, L, S)),
     "(6, 4, 5)"),
    ("4-d mask", lambda t: _call(t, attn_mask=t.zeros(1, N * H, L, S)), "4-D"),
    ("int mask", lambda t: _call(t, attn_mask=t.zeros(L, S, dtype=t.int64)),
     "bool and floating"),
    ("int padding mask", lambda t: _call(t, key_padding_mask=t.zeros(N, S, dtype=t.int32)),
     "bool and floating"),
    ("padding mask of wrong batch", lambda t: _call(
        t, key_padding_mask=t.zeros(N + 1, S, dtype=t.bool)), "to be 3, but got 4"),
    ("padding mask of wrong length", lambda t: _call(
        t, key_padding_mask=t.zeros(N, S + 2, dtype=t.bool)), "to be 5, but got 7"),
    ("padding mask 1-d for batched", lambda t: _call(
        t, key_padding_mask=t.zeros(S, dtype=t.bool)), "1-D"),
    ("unbatched 3-d mask of wrong shape", lambda t: _call(
        t, q=(L, E), k=(S, E), v=(S, E), attn_mask=t.zeros(1, L, S)), "(2, 4, 5)"),
    ("kdim mismatch", lambda t: _call(t, t.nn.MultiheadAttention(E, H, kdim=6)),
     "[8, 6]"),
], ids=lambda x: x if isinstance(x, str) else "")
def test_mha_errors_match_torch(name, call, match):
    check_error(call, match=match)


def test_mha_mismatched_mask_types_warn_like_torch():
    for lib in (torch, gt):
        with pytest.warns(UserWarning, match="mismatched key_padding_mask and attn_mask"):
            _call(lib, attn_mask=lib.zeros(L, S), key_padding_mask=lib.zeros(N, S,
                                                                              dtype=lib.bool))
