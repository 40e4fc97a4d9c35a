"""nn.Transformer, TransformerEncoder/Decoder and their layers against PyTorch: outputs, input and
parameter gradients (float32 and float64) for norm_first, relu/gelu/callable activations,
bias=False, layer_norm_eps, batch_first, unbatched input, every mask; PyTorch's inference-path
behaviours (fully-masked rows, nested-tensor zeros, mask_check); state_dict keys and order,
repr, init, generate_square_subsequent_mask, warnings and errors."""
import warnings

import numpy as np
import pytest
import torch

import glasstorch as gt
from tests.oracle.harness import check_error, sample
from tests.nn.attention_twins import twins, check_module, TOL

D, H, FF, S, T, N = 8, 2, 16, 5, 4, 3


def _silu(lib):
    return lib.nn.functional.silu


def encoder_layer(**kw):
    def make(lib, dtype):
        args = dict(kw, dtype=dtype)
        if callable(args.get("activation")) and not isinstance(args["activation"], str):
            args["activation"] = args["activation"](lib)
        return lib.nn.TransformerEncoderLayer(D, H, FF, **{"dropout": 0.0, **args})
    return make


def decoder_layer(**kw):
    def make(lib, dtype):
        args = dict(kw, dtype=dtype)
        if callable(args.get("activation")) and not isinstance(args["activation"], str):
            args["activation"] = args["activation"](lib)
        return lib.nn.TransformerDecoderLayer(D, H, FF, **{"dropout": 0.0, **args})
    return make


LAYER_CONFIGS = [
    dict(),
    dict(batch_first=True),
    dict(norm_first=True),
    dict(norm_first=True, batch_first=True, activation="gelu"),
    dict(activation="gelu"),
    dict(activation=_silu),
    dict(activation=lambda lib: lib.nn.GELU(approximate="tanh")),
    dict(bias=False),
    dict(layer_norm_eps=1e-3),
]


def _seq(batch_first, length, batched=True):
    if not batched:
        return (length, D)
    return (N, length, D) if batch_first else (length, N, D)


def _bool_mask(shape, seed=0):
    mask = np.random.default_rng(seed).random(shape) > 0.7
    mask[..., 0] = False
    return mask


PADDING = np.array([[False] * 5, [False, False, False, True, True],
                    [False, True, False, False, True]])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kw", LAYER_CONFIGS, ids=str)
def test_encoder_layer_matches_torch(kw, dtype):
    modules = twins(encoder_layer(**kw), dtype)
    bf = kw.get("batch_first", False)
    src = sample(_seq(bf, S), dtype)
    check_module(modules, lambda t, m, x: m(x), [src], **TOL[dtype])
    check_module(modules, lambda t, m, x, mask, pad: m(x, src_mask=mask,
                                                       src_key_padding_mask=pad),
                 [src, _bool_mask((S, S)), PADDING], **TOL[dtype])


@pytest.mark.parametrize("mask_kind", ["bool", "float", "causal"])
@pytest.mark.parametrize("padding_kind", [None, "bool", "float"])
def test_encoder_layer_masks(mask_kind, padding_kind):
    modules = twins(encoder_layer(batch_first=True), "float64")
    src = sample((N, S, D), "float64")
    masks = {"bool": _bool_mask((S, S)), "float": sample((S, S), "float64"),
             "causal": np.triu(np.full((S, S), -np.inf), 1)}
    paddings = {None: None, "bool": PADDING, "float": np.where(PADDING, -np.inf, 0.0)}
    inputs = [src, masks[mask_kind]] + ([] if padding_kind is None else [paddings[padding_kind]])

    def fn(t, m, x, mask, pad=None):
        return m(x, src_mask=mask, src_key_padding_mask=pad, is_causal=mask_kind == "causal")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_module(modules, fn, inputs, **TOL["float64"])


@pytest.mark.parametrize("kw", [dict(), dict(batch_first=True, norm_first=True)], ids=str)
def test_layers_unbatched(kw):
    enc, dec = twins(encoder_layer(**kw), "float64"), twins(decoder_layer(**kw), "float64")
    src, tgt = sample((S, D), "float64"), sample((T, D), "float64")
    check_module(enc, lambda t, m, x, pad: m(x, src_key_padding_mask=pad),
                 [src, PADDING[1]], **TOL["float64"])
    check_module(dec, lambda t, m, y, mem, pad: m(y, mem, memory_key_padding_mask=pad),
                 [tgt, src, PADDING[2]], **TOL["float64"])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kw", LAYER_CONFIGS, ids=str)
def test_decoder_layer_matches_torch(kw, dtype):
    modules = twins(decoder_layer(**kw), dtype)
    bf = kw.get("batch_first", False)
    tgt, memory = sample(_seq(bf, T), dtype), sample(_seq(bf, S), dtype)
    causal = np.triu(np.full((T, T), -np.inf), 1).astype(dtype)
    check_module(modules, lambda t, m, y, mem: m(y, mem), [tgt, memory], **TOL[dtype])
    check_module(modules, lambda t, m, y, mem, tm, mm, tp, mp: m(
        y, mem, tgt_mask=tm, memory_mask=mm, tgt_key_padding_mask=tp,
        memory_key_padding_mask=mp, tgt_is_causal=True),
        [tgt, memory, causal, _bool_mask((T, S), 1), PADDING[:, :T], PADDING], **TOL[dtype])


def _stack(kind, num_layers=2, norm=True, **kw):
    def make(lib, dtype):
        layer = (encoder_layer if kind == "encoder" else decoder_layer)(**kw)(lib, dtype)
        final = lib.nn.LayerNorm(D, dtype=dtype) if norm else None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if kind == "encoder":
                return lib.nn.TransformerEncoder(layer, num_layers, final)
            return lib.nn.TransformerDecoder(layer, num_layers, final)
    return make


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kw", [dict(), dict(batch_first=True), dict(norm_first=True),
                                dict(norm=False, num_layers=3)], ids=str)
def test_encoder_and_decoder_stacks(kw, dtype):
    kw = dict(kw)
    stack_kw = {k: kw.pop(k) for k in ("norm", "num_layers") if k in kw}
    bf = kw.get("batch_first", False)
    enc = twins(_stack("encoder", **stack_kw, **kw), dtype)
    dec = twins(_stack("decoder", **stack_kw, **kw), dtype)
    src, tgt = sample(_seq(bf, S), dtype), sample(_seq(bf, T), dtype)
    mask = np.triu(np.full((S, S), -np.inf), 1).astype(dtype)   # detected as causal
    check_module(enc, lambda t, m, x, mask, pad: m(x, mask=mask, src_key_padding_mask=pad),
                 [src, mask, PADDING], **TOL[dtype])
    check_module(dec, lambda t, m, y, mem, pad: m(y, mem, tgt_mask=t.nn.Transformer.
                                                  generate_square_subsequent_mask(T, dtype=y.dtype),
                                                  memory_key_padding_mask=pad),
                 [tgt, src, PADDING], **TOL[dtype])


def transformer(**kw):
    def make(lib, dtype):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return lib.nn.Transformer(D, H, 2, 2, FF, **{"dropout": 0.0, **kw}, dtype=dtype)
    return make


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kw", [dict(), dict(batch_first=True), dict(norm_first=True,
                                                                      activation="gelu"),
                                dict(bias=False, layer_norm_eps=1e-4)], ids=str)
def test_transformer_matches_torch_with_all_masks(kw, dtype):
    modules = twins(transformer(**kw), dtype)
    bf = kw.get("batch_first", False)

    def fn(t, m, src, tgt, pad):
        tgt_mask = t.nn.Transformer.generate_square_subsequent_mask(T, dtype=src.dtype)
        return m(src, tgt, src_mask=t.zeros(S, S, dtype=src.dtype), tgt_mask=tgt_mask,
                 memory_mask=t.tensor(_bool_mask((T, S), 2)), src_key_padding_mask=pad,
                 tgt_key_padding_mask=t.tensor(PADDING[:, :T]), memory_key_padding_mask=pad)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_module(modules, fn, [sample(_seq(bf, S), dtype), sample(_seq(bf, T), dtype),
                                   PADDING], **TOL[dtype])


def test_transformer_unbatched():
    modules = twins(transformer(), "float64")
    check_module(modules, lambda t, m, src, tgt: m(src, tgt),
                 [sample((S, D), "float64"), sample((T, D), "float64")], **TOL["float64"])


def test_transformer_eval_with_dropout_matches_torch():
    modules = twins(transformer(dropout=0.3, batch_first=True), "float32")
    for m in modules.values():
        m.eval()
    check_module(modules, lambda t, m, src, tgt: m(src, tgt, tgt_is_causal=True, tgt_mask=t.nn.
                                                   Transformer.generate_square_subsequent_mask(T)),
                 [sample((N, S, D)), sample((N, T, D))])


def test_transformer_training_dropout_is_random():
    gt.manual_seed(0)
    m = gt.nn.Transformer(D, H, 1, 1, FF, dropout=0.5)
    src, tgt = gt.tensor(sample((S, N, D))), gt.tensor(sample((T, N, D)))
    assert not np.allclose(m(src, tgt).detach().numpy(), m(src, tgt).detach().numpy())


# ---------------------------------------------------------------- inference paths
def _eval_no_grad(modules, fn):
    out = {}
    for lib, m in modules.items():
        m.eval()
        with lib.no_grad():
            out[lib] = fn(lib, m).numpy()
    return out[gt], out[torch]


def test_encoder_inference_zeroes_padded_positions_like_nested_tensors():
    enc = twins(_stack("encoder", batch_first=True), "float32")
    src = sample((N, S, D))
    left = np.array([[False] * 5, [False, False, False, True, True], [False] * 4 + [True]])
    ours, theirs = _eval_no_grad(enc, lambda lib, m: m(lib.tensor(src),
                                                       src_key_padding_mask=lib.tensor(left)))
    np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-5)
    with gt.no_grad():
        enc[gt].norm = None
        raw = enc[gt](gt.tensor(src), src_key_padding_mask=gt.tensor(left)).numpy()
    assert not raw[1, 3:].any() and raw[1, :3].all()


def test_encoder_inference_padding_not_left_aligned():
    """mask_check=True: no nested tensor, padded positions are computed; mask_check=False: the
    mask is read as lengths (PyTorch's nested tensor keeps the first `length` tokens)."""
    for mask_check in (True, False):
        enc = twins(lambda lib, dtype: _stack("encoder", batch_first=True)(lib, dtype), "float32")
        for m in enc.values():
            m.mask_check = mask_check
        ours, theirs = _eval_no_grad(enc, lambda lib, m: m(
            lib.tensor(sample((N, S, D), rng=np.random.default_rng(5))),
            src_key_padding_mask=lib.tensor(PADDING)))
        np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-5)


def test_encoder_inference_fully_padded_sequence():
    enc = twins(_stack("encoder", batch_first=True), "float32")
    padding = np.array([[False] * 5, [True] * 5, [False, False, True, True, True]])
    x = sample((N, S, D))
    ours, theirs = _eval_no_grad(enc, lambda lib, m: m(lib.tensor(x),
                                                       src_key_padding_mask=lib.tensor(padding)))
    np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-5)
    # the layer alone on PyTorch's fused inference path: NaN for the fully padded sequence
    ours, theirs = _eval_no_grad(enc, lambda lib, m: m.layers[0](
        lib.tensor(x), src_key_padding_mask=lib.tensor(padding)))
    np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-5, equal_nan=True)
    assert np.isnan(ours[1]).all() and not np.isnan(ours[[0, 2]]).any()


@pytest.mark.parametrize("kw", [dict(batch_first=True), dict(batch_first=True, norm_first=True),
                                dict(batch_first=True, activation=_silu), dict()], ids=str)
def test_encoder_layer_training_vs_inference_on_fully_masked_rows(kw):
    """With grad: SDPA's zeros (then the residual and norms); fused inference: NaN."""
    enc = twins(encoder_layer(**kw), "float64")
    padding = np.array([[False] * 5, [True] * 5, [False] * 5])
    bf = kw.get("batch_first", False)
    x = sample(_seq(bf, S), "float64")
    check_module(enc, lambda t, m, x, pad: m(x, src_key_padding_mask=pad), [x, padding],
                 **TOL["float64"])
    ours, theirs = _eval_no_grad(enc, lambda lib, m: m(lib.tensor(x),
                                                       src_key_padding_mask=lib.tensor(padding)))
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-8, equal_nan=True)


def test_decoder_inference_matches_torch():
    dec = twins(_stack("decoder", batch_first=True), "float32")
    tgt, mem = sample((N, T, D)), sample((N, S, D))
    ours, theirs = _eval_no_grad(dec, lambda lib, m: m(
        lib.tensor(tgt), lib.tensor(mem), tgt_mask=lib.nn.Transformer.
        generate_square_subsequent_mask(T) == 0, memory_key_padding_mask=lib.tensor(PADDING)))
    np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-5)


# ---------------------------------------------------------------- structure and init
def _both(make):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return make(torch, torch.float32), make(gt, gt.float32)


STRUCTURES = [transformer(), transformer(bias=False, norm_first=True),
              _stack("encoder", 3), _stack("decoder", 2, norm=False),
              encoder_layer(activation=lambda lib: lib.nn.ReLU()), decoder_layer()]


@pytest.mark.parametrize("make", STRUCTURES)
def test_structure_state_dict_and_repr(make):
    t, g = _both(make)
    assert [(k, tuple(v.shape)) for k, v in g.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in t.state_dict().items()]
    assert repr(g) == repr(t)


def test_transformer_attributes():
    t, g = _both(transformer(batch_first=True))
    for name in ("d_model", "nhead", "batch_first"):
        assert getattr(g, name) == getattr(t, name)
    for a, b in ((g.encoder, t.encoder), (g.decoder, t.decoder)):
        assert a.num_layers == b.num_layers
    assert g.encoder.enable_nested_tensor == t.encoder.enable_nested_tensor
    assert g.encoder.use_nested_tensor == t.encoder.use_nested_tensor
    layer_t, layer_g = t.encoder.layers[0], g.encoder.layers[0]
    assert layer_g.norm_first == layer_t.norm_first
    assert layer_g.activation_relu_or_gelu == layer_t.activation_relu_or_gelu
    assert layer_g.activation is gt.nn.functional.relu


def test_transformer_checkpoint_interchange():
    t, g = _both(transformer())
    g.load_state_dict({k: gt.tensor(v.numpy()) for k, v in t.state_dict().items()})
    t.load_state_dict({k: torch.tensor(v.numpy()) for k, v in g.state_dict().items()})


def test_transformer_init_is_xavier_uniform_on_matrices():
    gt.manual_seed(0)
    m = gt.nn.Transformer(32, 4, 1, 1, 64)
    for name, p in m.named_parameters():
        a = p.detach().numpy()
        if a.ndim > 1:
            fan_out, fan_in = a.shape
            bound = np.sqrt(6 / (fan_in + fan_out))
            assert np.abs(a).max() <= bound and np.abs(a).max() > 0.9 * bound, name
        elif "norm" in name and name.endswith("weight"):
            assert (a == 1).all(), name


def test_layers_are_independent_clones():
    layer = gt.nn.TransformerEncoderLayer(D, H, FF)
    enc = gt.nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
    assert enc.layers[0] is not layer and enc.layers[0].linear1.weight is not \
        enc.layers[1].linear1.weight
    np.testing.assert_array_equal(enc.layers[0].linear1.weight.detach().numpy(),
                                  layer.linear1.weight.detach().numpy())


@pytest.mark.parametrize("sz,dtype", [(1, None), (4, None), (3, "float64"), (0, None)])
def test_generate_square_subsequent_mask(sz, dtype):
    t = torch.nn.Transformer.generate_square_subsequent_mask(
        sz, dtype=None if dtype is None else getattr(torch, dtype))
    g = gt.nn.Transformer.generate_square_subsequent_mask(
        sz, dtype=None if dtype is None else getattr(gt, dtype))
    assert str(g.dtype) == str(t.dtype) and tuple(g.shape) == tuple(t.shape)
    np.testing.assert_array_equal(g.numpy(), t.numpy())


@pytest.mark.parametrize("kw,reason", [
    (dict(), "batch_first was not True"),
    (dict(batch_first=True, norm_first=True), "norm_first was True"),
    (dict(batch_first=True, activation=_silu), "activation_relu_or_gelu"),
    (dict(batch_first=True, bias=False), "bias=False"),
], ids=str)
def test_encoder_nested_tensor_warning(kw, reason):
    for lib in (torch, gt):
        layer = encoder_layer(**kw)(lib, lib.float32)
        with pytest.warns(UserWarning, match=reason):
            enc = lib.nn.TransformerEncoder(layer, 1)
        assert enc.use_nested_tensor is False and enc.enable_nested_tensor is True
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gt.nn.TransformerEncoder(encoder_layer(**kw)(gt, gt.float32), 1,
                                 enable_nested_tensor=False)


def test_encoder_no_warning_when_nested_tensors_apply():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        enc = gt.nn.TransformerEncoder(encoder_layer(batch_first=True)(gt, gt.float32), 1)
    assert enc.use_nested_tensor is True


# ---------------------------------------------------------------- errors
@pytest.mark.parametrize("name,call,match", [
    ("batch sizes differ", lambda t: transformer()(t, t.float32)(t.ones(S, N, D),
                                                                 t.ones(T, N + 1, D)),
     "batch number"),
    ("batch sizes differ, batch_first", lambda t: transformer(batch_first=True)(
        t, t.float32)(t.ones(N, S, D), t.ones(N + 1, T, D)), "batch number"),
    ("wrong d_model", lambda t: transformer()(t, t.float32)(t.ones(S, N, D + 1),
                                                            t.ones(T, N, D + 1)), "d_model"),
    ("unknown activation", lambda t: t.nn.TransformerEncoderLayer(D, H, activation="tanh"),
     "relu/gelu, not tanh"),
    ("nhead does not divide", lambda t: t.nn.TransformerEncoderLayer(D, 3), "divisible"),
    ("src_mask of wrong shape", lambda t: encoder_layer()(t, t.float32)(
        t.ones(S, N, D), src_mask=t.zeros(S, S + 1)), "(5, 5)"),
    ("int src_mask", lambda t: encoder_layer()(t, t.float32)(
        t.ones(S, N, D), src_mask=t.zeros(S, S, dtype=t.int64)), "bool and floating"),
    ("padding of wrong length", lambda t: decoder_layer()(t, t.float32)(
        t.ones(T, N, D), t.ones(S, N, D), memory_key_padding_mask=t.zeros(N, T,
                                                                          dtype=t.bool)),
     "to be 5, but got 4"),
    ("causal hint without a mask", lambda t: encoder_layer()(t, t.float32)(
        t.ones(S, N, D), is_causal=True), "attn_mask"),
], ids=lambda x: x if isinstance(x, str) else "")
def test_transformer_errors_match_torch(name, call, match):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_error(call, match=match)
