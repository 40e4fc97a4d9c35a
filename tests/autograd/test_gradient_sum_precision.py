"""Rounding error of the sums inside backward passes: a parameter shared by many rows (a bias,
a norm layer's weight, a broadcast operand) gets the sum of their gradients. Measured against
a float64 reference next to PyTorch's own float32 error on the same data, as in
tests/ops/test_reduction_precision.py: glasstorch's relative error must stay within 10x of
PyTorch's (NumPy's row-by-row sum off the last axis is about 1000x worse on these sizes)."""
import warnings

import numpy as np
import pytest
import torch

import glasstorch as gt

RATIO = 10
ULP = 2.0 ** -24
ROWS = 1 << 16


def _upstream(shape, seed=0):
    """Positive gradients near 1000: no cancellation, so the relative error is a fair measure."""
    return (np.random.default_rng(seed).random(shape) + 1000).astype(np.float32)


def _inputs(shape, seed=1):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def _linear(t, x, p):
    return t.nn.functional.linear(x, p["weight"], p["bias"])


def _bilinear(t, x, p):
    return t.nn.functional.bilinear(x, x, p["weight"], p["bias"])


def _conv2d(t, x, p):
    return t.nn.functional.conv2d(x, p["weight"], p["bias"])


def _batch_norm(t, x, p):
    return t.nn.functional.batch_norm(x, None, None, p["weight"], p["bias"], training=True)


def _layer_norm(t, x, p):
    return t.nn.functional.layer_norm(x, (x.shape[-1],), p["weight"], p["bias"])


def _group_norm(t, x, p):
    return t.nn.functional.group_norm(x, 2, p["weight"], p["bias"])


def _broadcast_add(t, x, p):
    return x + p["bias"]


def _expand(t, x, p):
    return x * p["bias"].expand(x.shape)


def _prelu(t, x, p):
    return t.nn.functional.prelu(x, p["weight"])


# (name, fn, input shape, {parameter: shape}, parameters whose grad is checked)
CASES = [
    ("linear", _linear, (ROWS, 8), {"weight": (3, 8), "bias": (3,)}, ["bias"]),
    ("linear 3-d", _linear, (256, 256, 8), {"weight": (3, 8), "bias": (3,)}, ["bias"]),
    ("bilinear", _bilinear, (ROWS, 2), {"weight": (3, 2, 2), "bias": (3,)}, ["bias"]),
    ("conv2d", _conv2d, (64, 2, 34, 34), {"weight": (3, 2, 3, 3), "bias": (3,)}, ["bias"]),
    ("batch_norm", _batch_norm, (256, 3, 16, 16), {"weight": (3,), "bias": (3,)},
     ["weight", "bias"]),
    ("layer_norm", _layer_norm, (ROWS, 4), {"weight": (4,), "bias": (4,)}, ["weight", "bias"]),
    ("group_norm", _group_norm, (1024, 4, 64), {"weight": (4,), "bias": (4,)},
     ["weight", "bias"]),
    ("broadcast add", _broadcast_add, (ROWS, 3), {"bias": (3,)}, ["bias"]),
    ("expand", _expand, (ROWS, 3), {"bias": (1, 3)}, ["bias"]),
    ("prelu", _prelu, (256, 3, 256), {"weight": (3,)}, ["weight"]),
]


def _grads(lib, fn, x_np, params_np, dtype, checked):
    params = {name: lib.tensor(value.astype(dtype), requires_grad=True)
              for name, value in params_np.items()}
    x = lib.tensor(x_np.astype(dtype))
    out = fn(lib, x, params)
    out.backward(lib.tensor(_upstream(tuple(out.shape)).astype(dtype)))
    return {name: params[name].grad.numpy().astype(np.float64) for name in checked}


@pytest.mark.parametrize("name, fn, shape, param_shapes, checked", CASES,
                         ids=[c[0] for c in CASES])
def test_parameter_gradient_sums_round_like_pytorch(name, fn, shape, param_shapes, checked):
    x = _inputs(shape)
    params = {p: _inputs(s, seed=2 + i) * 0.1 for i, (p, s) in enumerate(param_shapes.items())}
    exact = _grads(torch, fn, x, params, np.float64, checked)
    theirs = _grads(torch, fn, x, params, np.float32, checked)
    ours = _grads(gt, fn, x, params, np.float32, checked)
    for p in checked:
        scale = np.abs(exact[p]).max()
        their_error = max(np.abs(theirs[p] - exact[p]).max() / scale, ULP)
        our_error = np.abs(ours[p] - exact[p]).max() / scale
        assert our_error <= RATIO * their_error, (
            f"{name} {p}.grad: relative error {our_error:.1e}, PyTorch's {their_error:.1e}")


# --- accumulations anywhere in the op library: outputs ("out") and gradients that are sums of
# many terms (scatter-adds over repeated indices, broadcast operands, losses over 1M elements,
# overlapping windows, reversed running sums). Same measure: float32 relative error within
# RATIO x PyTorch's on the same data, against a float64 reference.

MANY = 1 << 18


def _positive(shape, seed=3):
    """Values in [1, 2): sums of them have no cancellation."""
    return (np.random.default_rng(seed).random(shape) + 1).astype(np.float32)


def _index(shape, high, seed=4):
    return np.random.default_rng(seed).integers(0, high, shape)


def _run(lib, fn, arrays, dtype, checked):
    """fn's output ("out") and the gradients of the float inputs named in `checked` for an
    upstream gradient near 1000, computed by `lib` in `dtype`, as float64 arrays."""
    tensors = {}
    for name, value in arrays.items():
        if value.dtype.kind == "f":
            tensors[name] = lib.tensor(value.astype(dtype), requires_grad=name in checked)
        else:
            tensors[name] = lib.tensor(value)
    out = fn(lib, tensors)
    results = {}
    if "out" in checked:
        results["out"] = out.detach().numpy().astype(np.float64)
    if any(name != "out" for name in checked):
        out.backward(lib.tensor(_upstream(tuple(out.shape)).astype(dtype)))
        results.update({name: tensors[name].grad.numpy().astype(np.float64)
                        for name in checked if name != "out"})
    return results


def _recurrent(t, module, a):
    """`module` run with a's weights; its parameters replace them in `a`, so their gradients
    are the ones checked."""
    module = module.to(a["x"].dtype)
    with t.no_grad():
        for name, key in [("weight_ih_l0", "wi"), ("weight_hh_l0", "wh"), ("bias_ih_l0", "bi"),
                          ("bias_hh_l0", "bh")]:
            getattr(module, name).copy_(a[key])
            a[key] = getattr(module, name)
    return module(a["x"])[0]


def _lstm(t, a):
    return _recurrent(t, t.nn.LSTM(a["x"].shape[-1], a["wh"].shape[1]), a)


def _gru(t, a):
    return _recurrent(t, t.nn.GRU(a["x"].shape[-1], a["wh"].shape[1]), a)


def _rnn(t, a):
    return _recurrent(t, t.nn.RNN(a["x"].shape[-1], a["wh"].shape[1]), a)


def _instance_norm_running_mean(t, a):
    """The running mean instance_norm leaves after one step (an average over the instances)."""
    running_mean, running_var = t.zeros(3, dtype=a["x"].dtype), t.ones(3, dtype=a["x"].dtype)
    _f(t).instance_norm(a["x"], running_mean, running_var, use_input_stats=True, momentum=1.0)
    return running_mean


def _batch_norm_running_stats(t, a):
    """The running mean and variance batch_norm leaves after one step."""
    running_mean, running_var = t.zeros(3, dtype=a["x"].dtype), t.ones(3, dtype=a["x"].dtype)
    _f(t).batch_norm(a["x"], running_mean, running_var, training=True, momentum=1.0)
    return t.cat([running_mean, running_var * 1000])


def _clip_total_norm(t, a):
    """The total gradient norm clip_grad_norm_ returns for one parameter with gradient g."""
    p = t.zeros(a["g"].shape, dtype=a["g"].dtype, requires_grad=True)
    p.grad = a["g"].clone()
    return t.nn.utils.clip_grad_norm_([p], 1.0)


def _weight_norm(t, a):
    """A Linear layer under weight_norm (norm of each weight row: a long sum), weight v."""
    with warnings.catch_warnings():           # (deprecated for the parametrization)
        warnings.simplefilter("ignore", FutureWarning)
        layer = t.nn.utils.weight_norm(t.nn.Linear(a["v"].shape[1], 3, bias=False))
    layer = layer.to(a["v"].dtype)
    with t.no_grad():
        layer.weight_v.copy_(a["v"])
        layer.weight_g.fill_(1.0)
    a["v"] = layer.weight_v
    return layer(a["x"])


def _f(t):
    return t.nn.functional


# (name, fn(lib, tensors), inputs (a function returning name -> ndarray), checked names)
ACCUMULATIONS = [
    ("embedding", lambda t, a: _f(t).embedding(a["i"], a["w"]),
     lambda: {"w": _inputs((10, 4)), "i": _index((MANY,), 10)}, ["w"]),
    ("embedding_bag sum", lambda t, a: _f(t).embedding_bag(a["i"], a["w"], a["o"], mode="sum"),
     lambda: {"w": _positive((10, 4)), "i": _index((MANY,), 10),
              "o": np.array([0, MANY // 2])}, ["out", "w"]),
    ("embedding_bag mean", lambda t, a: _f(t).embedding_bag(a["i"], a["w"], a["o"], mode="mean"),
     lambda: {"w": _positive((10, 4)), "i": _index((MANY,), 10),
              "o": np.array([0, MANY // 2])}, ["out", "w"]),
    ("index_add", lambda t, a: a["x"].index_add(0, a["i"], a["s"]),
     lambda: {"x": _positive((10, 4)), "i": _index((MANY // 4,), 10),
              "s": _positive((MANY // 4, 4))}, ["out"]),
    ("index_put accumulate", lambda t, a: a["x"].index_put((a["i"],), a["s"], accumulate=True),
     lambda: {"x": _positive((10, 4)), "i": _index((MANY // 4,), 10),
              "s": _positive((MANY // 4, 4))}, ["out"]),
    ("scatter_add", lambda t, a: a["x"].scatter_add(0, a["i"], a["s"]),
     lambda: {"x": _positive((10, 4)), "i": _index((MANY // 4, 4), 10),
              "s": _positive((MANY // 4, 4))}, ["out"]),
    ("scatter_reduce sum", lambda t, a: a["x"].scatter_reduce(0, a["i"], a["s"], "sum"),
     lambda: {"x": _positive((10, 4)), "i": _index((MANY // 4, 4), 10),
              "s": _positive((MANY // 4, 4))}, ["out"]),
    ("scatter_reduce mean", lambda t, a: a["x"].scatter_reduce(0, a["i"], a["s"], "mean"),
     lambda: {"x": _positive((10, 4)), "i": _index((MANY // 4, 4), 10),
              "s": _positive((MANY // 4, 4))}, ["out"]),
    ("put accumulate", lambda t, a: a["x"].put(a["i"], a["s"], accumulate=True),
     lambda: {"x": _positive((40,)), "i": _index((MANY,), 40),
              "s": _positive((MANY,))}, ["out"]),
    ("bincount weights", lambda t, a: t.bincount(a["i"], a["s"]),
     lambda: {"i": _index((MANY,), 10), "s": _positive((MANY,))}, ["out"]),
    ("gather backward", lambda t, a: a["x"].gather(0, a["i"]),
     lambda: {"x": _inputs((10, 4)), "i": _index((MANY // 4, 4), 10)}, ["x"]),
    ("index_select backward", lambda t, a: a["x"].index_select(0, a["i"]),
     lambda: {"x": _inputs((10, 4)), "i": _index((MANY // 4,), 10)}, ["x"]),
    ("advanced index backward", lambda t, a: a["x"][a["i"]],
     lambda: {"x": _inputs((10, 4)), "i": _index((MANY // 4,), 10)}, ["x"]),
    ("take backward", lambda t, a: a["x"].take(a["i"]),
     lambda: {"x": _inputs((10, 4)), "i": _index((MANY,), 40)}, ["x"]),
    ("masked_scatter", lambda t, a: a["x"].masked_scatter(a["m"], a["s"]),
     lambda: {"x": _inputs((ROWS, 4)), "m": _index((ROWS, 4), 2).astype(bool),
              "s": _inputs((ROWS, 4))}, ["x", "s"]),
    ("mul broadcast", lambda t, a: a["x"] * a["b"],
     lambda: {"x": _positive((ROWS, 4)), "b": _inputs((4,))}, ["b"]),
    ("div broadcast", lambda t, a: a["x"] / a["b"],
     lambda: {"x": _positive((ROWS, 4)), "b": _positive((4,))}, ["b"]),
    ("where broadcast", lambda t, a: t.where(a["m"], a["x"], a["b"]),
     lambda: {"x": _positive((ROWS, 4)), "b": _inputs((4,)),
              "m": _index((ROWS, 4), 2).astype(bool)}, ["b"]),
    ("addcmul broadcast", lambda t, a: t.addcmul(a["x"], a["x"], a["b"]),
     lambda: {"x": _positive((ROWS, 4)), "b": _inputs((4,))}, ["b"]),
    ("lerp broadcast", lambda t, a: t.lerp(a["x"], a["b"], 0.5),
     lambda: {"x": _positive((ROWS, 4)), "b": _inputs((4,))}, ["b"]),
    ("maximum broadcast", lambda t, a: t.maximum(a["x"], a["b"]),
     lambda: {"x": _positive((ROWS, 4)) - 1.5, "b": _inputs((4,)) * 0.01}, ["b"]),
    ("pow broadcast", lambda t, a: a["x"] ** a["b"],
     lambda: {"x": _positive((ROWS, 4)), "b": _positive((4,))}, ["b"]),
    ("matmul long K", lambda t, a: a["x"] @ a["y"],
     lambda: {"x": _positive((4, MANY)), "y": _positive((MANY, 4))}, ["out"]),
    ("einsum column sums", lambda t, a: t.einsum("ij->j", a["x"]),
     lambda: {"x": _positive((MANY, 4))}, ["out"]),
    ("einsum diagonal sum", lambda t, a: t.einsum("iij->j", a["x"]),
     lambda: {"x": _positive((512, 512, 4))}, ["out"]),
    ("einsum permuted sum", lambda t, a: t.einsum("ijk->ki", a["x"]),
     lambda: {"x": _positive((4, ROWS, 3))}, ["out"]),
    ("einsum rowwise dot", lambda t, a: t.einsum("ij,ij->j", a["x"], a["y"]),
     lambda: {"x": _positive((MANY, 4)), "y": _positive((MANY, 4))}, ["out"]),
    ("conv1d long", lambda t, a: _f(t).conv1d(a["x"], a["w"], a["b"]),
     lambda: {"x": _inputs((4, 2, MANY // 8)), "w": _inputs((3, 2, 3)) * 0.1,
              "b": _inputs((3,))}, ["w", "b"]),
    ("conv_transpose1d long", lambda t, a: _f(t).conv_transpose1d(a["x"], a["w"], a["b"]),
     lambda: {"x": _inputs((4, 2, MANY // 8)), "w": _inputs((2, 3, 3)) * 0.1,
              "b": _inputs((3,))}, ["w", "b"]),
    ("instance_norm", lambda t, a: _f(t).instance_norm(a["x"], weight=a["w"], bias=a["b"]),
     lambda: {"x": _inputs((ROWS // 16, 3, 16)), "w": _inputs((3,)), "b": _inputs((3,))},
     ["w"]),      # (its bias: "instance_norm many instances" below)
    pytest.param(
        "instance_norm many instances", lambda t, a: _f(t).instance_norm(a["x"], weight=a["w"],
                                                                         bias=a["b"]),
        lambda: {"x": _inputs((ROWS, 3, 2)), "w": _inputs((3,)), "b": _inputs((3,))}, ["b"]),
    pytest.param(
        "instance_norm running stats", _instance_norm_running_mean,
        lambda: {"x": _positive((ROWS, 3, 2)) + np.arange(2, dtype=np.float32)},
        ["out"]),
    ("batch_norm running stats", _batch_norm_running_stats,
     lambda: {"x": _positive((ROWS, 3, 4))}, ["out"]),
    ("group_norm long groups", lambda t, a: _f(t).group_norm(a["x"], 1, a["w"], a["b"]),
     lambda: {"x": _inputs((4, 2, MANY // 8)), "w": _inputs((2,)), "b": _inputs((2,))},
     ["out", "w", "b"]),
    ("layer_norm long rows", lambda t, a: _f(t).layer_norm(a["x"], (MANY // 4,), a["w"], a["b"]),
     lambda: {"x": _inputs((4, MANY // 4)) + 3, "w": _inputs((MANY // 4,)),
              "b": _inputs((MANY // 4,))}, ["out"]),
    ("prelu single weight", lambda t, a: _f(t).prelu(a["x"], a["w"]),
     lambda: {"x": -_positive((ROWS, 4)), "w": _inputs((1,))}, ["w"]),
    ("multi_head_attention in_proj_bias",
     lambda t, a: _f(t).multi_head_attention_forward(
         a["q"], a["q"], a["q"], 8, 2, a["wi"], a["bi"], None, None, False, 0.0,
         a["wo"], a["bo"], need_weights=False)[0],
     lambda: {"q": _inputs((128, 256, 8)), "wi": _inputs((24, 8)) * 0.3,
              "bi": _inputs((24,)) * 0.1, "wo": _inputs((8, 8)) * 0.3,
              "bo": _inputs((8,))}, ["bi", "bo"]),
    ("softmax long", lambda t, a: _f(t).softmax(a["x"], 1),
     lambda: {"x": _inputs((4, MANY // 4))}, ["out", "x"]),
    ("log_softmax long", lambda t, a: _f(t).log_softmax(a["x"], 1),
     lambda: {"x": _inputs((4, MANY // 4))}, ["out", "x"]),
    ("logsumexp long", lambda t, a: t.logsumexp(a["x"], 1),
     lambda: {"x": _inputs((4, MANY // 4))}, ["out"]),
    ("cross_entropy mean", lambda t, a: _f(t).cross_entropy(a["x"], a["y"]),
     lambda: {"x": _inputs((MANY, 4)), "y": _index((MANY,), 4)}, ["out"]),
    ("cross_entropy sum", lambda t, a: _f(t).cross_entropy(a["x"], a["y"], reduction="sum"),
     lambda: {"x": _inputs((MANY, 4)), "y": _index((MANY,), 4)}, ["out"]),
    ("cross_entropy smoothing", lambda t, a: _f(t).cross_entropy(a["x"], a["y"],
                                                                label_smoothing=0.1),
     lambda: {"x": _inputs((MANY, 4)), "y": _index((MANY,), 4)}, ["out"]),
    ("cross_entropy weighted", lambda t, a: _f(t).cross_entropy(a["x"], a["y"], a["c"]),
     lambda: {"x": _inputs((MANY, 4)), "y": _index((MANY,), 4), "c": _positive((4,))},
     ["out"]),
    ("cross_entropy 4-d", lambda t, a: _f(t).cross_entropy(a["x"], a["y"]),
     lambda: {"x": _inputs((16, 4, 128, 128)), "y": _index((16, 128, 128), 4)}, ["out"]),
    ("nll_loss mean", lambda t, a: _f(t).nll_loss(a["x"], a["y"]),
     lambda: {"x": -_positive((MANY, 4)), "y": _index((MANY,), 4)}, ["out"]),
    ("nll_loss sum", lambda t, a: _f(t).nll_loss(a["x"], a["y"], reduction="sum"),
     lambda: {"x": -_positive((MANY, 4)), "y": _index((MANY,), 4)}, ["out"]),
    ("mse_loss", lambda t, a: _f(t).mse_loss(a["x"], a["y"]),
     lambda: {"x": _inputs((1 << 20,)), "y": _inputs((1 << 20,), seed=5)}, ["out"]),
    ("mse_loss sum", lambda t, a: _f(t).mse_loss(a["x"], a["y"], reduction="sum"),
     lambda: {"x": _inputs((1 << 20,)), "y": _inputs((1 << 20,), seed=5)}, ["out"]),
    ("l1_loss", lambda t, a: _f(t).l1_loss(a["x"], a["y"]),
     lambda: {"x": _inputs((1 << 20,)), "y": _inputs((1 << 20,), seed=5)}, ["out"]),
    ("smooth_l1_loss", lambda t, a: _f(t).smooth_l1_loss(a["x"], a["y"]),
     lambda: {"x": _inputs((1 << 20,)), "y": _inputs((1 << 20,), seed=5)}, ["out"]),
    ("huber_loss", lambda t, a: _f(t).huber_loss(a["x"], a["y"]),
     lambda: {"x": _inputs((1 << 20,)), "y": _inputs((1 << 20,), seed=5)}, ["out"]),
    ("binary_cross_entropy", lambda t, a: _f(t).binary_cross_entropy(a["x"], a["y"]),
     lambda: {"x": (_positive((1 << 20,)) - 1) * 0.98 + 0.01,
                     "y": _positive((1 << 20,), seed=5) - 1},
     ["out"]),
    ("binary_cross_entropy_with_logits",
     lambda t, a: _f(t).binary_cross_entropy_with_logits(a["x"], a["y"]),
     lambda: {"x": _inputs((1 << 20,)), "y": _positive((1 << 20,), seed=5) - 1}, ["out"]),
    ("kl_div batchmean", lambda t, a: _f(t).kl_div(a["x"], a["y"], reduction="batchmean"),
     lambda: {"x": -_positive((MANY, 4)), "y": _positive((MANY, 4), seed=5) - 1}, ["out"]),
    ("poisson_nll_loss", lambda t, a: _f(t).poisson_nll_loss(a["x"], a["y"]),
     lambda: {"x": _inputs((1 << 20,)), "y": _positive((1 << 20,), seed=5)}, ["out"]),
    ("soft_margin_loss", lambda t, a: _f(t).soft_margin_loss(a["x"], a["y"]),
     lambda: {"x": _inputs((1 << 20,)), "y": np.sign(_inputs((1 << 20,), seed=5))}, ["out"]),
    ("margin_ranking_loss", lambda t, a: _f(t).margin_ranking_loss(a["x"], a["y"], a["s"],
                                                                  margin=5.0),
     lambda: {"x": _inputs((1 << 20,)), "y": _inputs((1 << 20,), seed=5),
              "s": np.sign(_inputs((1 << 20,), seed=6))}, ["out"]),
    ("hinge_embedding_loss", lambda t, a: _f(t).hinge_embedding_loss(a["x"], a["s"], margin=5.0),
     lambda: {"x": _inputs((1 << 20,)), "s": np.sign(_inputs((1 << 20,), seed=6))}, ["out"]),
    ("multi_margin_loss", lambda t, a: _f(t).multi_margin_loss(a["x"], a["y"], margin=5.0),
     lambda: {"x": _inputs((MANY, 4)), "y": _index((MANY,), 4)}, ["out"]),
    ("multilabel_soft_margin_loss",
     lambda t, a: _f(t).multilabel_soft_margin_loss(a["x"], a["y"]),
     lambda: {"x": _inputs((MANY, 4)), "y": _index((MANY, 4), 2).astype(np.float32)}, ["out"]),
    ("gaussian_nll_loss", lambda t, a: _f(t).gaussian_nll_loss(a["x"], a["y"], a["v"]),
     lambda: {"x": _inputs((1 << 20,)), "y": _inputs((1 << 20,), seed=5),
              "v": _positive((1 << 20,))}, ["out"]),
    ("cosine_embedding_loss", lambda t, a: _f(t).cosine_embedding_loss(a["x"], a["y"], a["s"]),
     lambda: {"x": _positive((4, MANY // 4)), "y": _positive((4, MANY // 4), seed=5),
              "s": np.array([1, -1, 1, -1])}, ["out"]),
    ("normalize long", lambda t, a: _f(t).normalize(a["x"], dim=1),
     lambda: {"x": _positive((4, MANY // 4))}, ["out", "x"]),
    ("cosine_similarity long", lambda t, a: _f(t).cosine_similarity(a["x"], a["y"], dim=1),
     lambda: {"x": _positive((4, MANY // 4)), "y": _positive((4, MANY // 4), seed=5)},
     ["out"]),
    ("pairwise_distance long", lambda t, a: _f(t).pairwise_distance(a["x"], a["y"]),
     lambda: {"x": _positive((4, MANY // 4)), "y": _inputs((4, MANY // 4), seed=5)}, ["out"]),
    ("cdist long p=1", lambda t, a: t.cdist(a["x"], a["y"], p=1.0),
     lambda: {"x": _positive((4, MANY // 4)), "y": _inputs((3, MANY // 4), seed=5)}, ["out"]),
    ("avg_pool1d big window", lambda t, a: _f(t).avg_pool1d(a["x"], MANY // 8),
     lambda: {"x": _positive((2, 2, MANY // 4))}, ["out"]),
    ("adaptive_avg_pool1d to 1", lambda t, a: _f(t).adaptive_avg_pool1d(a["x"], 1),
     lambda: {"x": _positive((2, 2, MANY // 4))}, ["out"]),
    ("adaptive_avg_pool2d to 1", lambda t, a: _f(t).adaptive_avg_pool2d(a["x"], 1),
     lambda: {"x": _positive((2, 2, 256, 256))}, ["out"]),
    ("avg_pool2d big window", lambda t, a: _f(t).avg_pool2d(a["x"], 128),
     lambda: {"x": _positive((2, 2, 256, 256))}, ["out"]),
    ("interpolate nearest backward",
     lambda t, a: _f(t).interpolate(a["x"], size=MANY // 4, mode="nearest"),
     lambda: {"x": _inputs((1, 2, 4))}, ["x"]),
    ("interpolate linear backward",
     lambda t, a: _f(t).interpolate(a["x"], size=MANY // 4, mode="linear"),
     lambda: {"x": _inputs((1, 2, 4))}, ["x"]),
    ("interpolate bilinear backward",
     lambda t, a: _f(t).interpolate(a["x"], size=(512, 512), mode="bilinear"),
     lambda: {"x": _inputs((1, 2, 2, 2))}, ["x"]),
    ("fold many overlaps", lambda t, a: _f(t).fold(a["x"], (64, 64), (60, 60)),
     lambda: {"x": _positive((1, 3600, 25))}, ["out"]),
    ("unfold backward many overlaps", lambda t, a: _f(t).unfold(a["x"], (60, 60)),
     lambda: {"x": _inputs((1, 1, 64, 64))}, ["x"]),
    ("cumsum backward", lambda t, a: a["x"].cumsum(0),
     lambda: {"x": _inputs((MANY,))}, ["x"]),
    ("cumsum 2-d backward", lambda t, a: a["x"].cumsum(0),
     lambda: {"x": _inputs((ROWS, 4))}, ["x"]),
    ("expand many", lambda t, a: a["x"].expand(ROWS, 4) * 1.0,
     lambda: {"x": _inputs((1, 4))}, ["x"]),
    ("repeat backward", lambda t, a: a["x"].repeat(ROWS, 1),
     lambda: {"x": _inputs((1, 4))}, ["x"]),
    ("repeat_interleave backward", lambda t, a: a["x"].repeat_interleave(ROWS, 0),
     lambda: {"x": _inputs((2, 4))}, ["x"]),
    ("trace-like diagonal sum", lambda t, a: a["x"].diagonal().sum(),
     lambda: {"x": _positive((2048, 2048))}, ["out"]),
    ("var long", lambda t, a: a["x"].var(0),
     lambda: {"x": _inputs((ROWS, 4)) + 10}, ["out"]),
    ("dot long", lambda t, a: t.dot(a["x"], a["y"]),
     lambda: {"x": _positive((1 << 20,)), "y": _positive((1 << 20,), seed=5)}, ["out"]),
    ("tile backward", lambda t, a: a["x"].tile((ROWS, 1)),
     lambda: {"x": _inputs((1, 4))}, ["x"]),
    ("expand_as backward", lambda t, a: a["x"].expand_as(a["y"]) * a["y"],
     lambda: {"x": _inputs((4,)), "y": _positive((ROWS, 4))}, ["x"]),
    ("broadcast_to backward", lambda t, a: t.broadcast_to(a["x"], (ROWS, 4)) * 1.0,
     lambda: {"x": _inputs((4, 1)).reshape(1, 4)}, ["x"]),
    ("Tensor.unfold backward", lambda t, a: a["x"].unfold(0, 4096, 1),
     lambda: {"x": _inputs((4200,))}, ["x"]),
    ("as_strided backward", lambda t, a: a["x"].as_strided((ROWS, 4), (0, 1)),
     lambda: {"x": _inputs((4,))}, ["x"]),
    ("addmm bias broadcast", lambda t, a: t.addmm(a["b"], a["x"], a["w"]),
     lambda: {"b": _inputs((4,)), "x": _inputs((ROWS, 3)), "w": _inputs((3, 4))}, ["b"]),
    ("baddbmm bias broadcast", lambda t, a: t.baddbmm(a["b"], a["x"], a["w"]),
     lambda: {"b": _inputs((4,)), "x": _inputs((64, 1024, 3)), "w": _inputs((64, 3, 4))},
     ["b"]),
    ("conv3d bias", lambda t, a: _f(t).conv3d(a["x"], a["w"], a["b"]),
     lambda: {"x": _inputs((2, 1, 42, 42, 42)), "w": _inputs((2, 1, 3, 3, 3)),
              "b": _inputs((2,))}, ["b"]),
    ("lstm bias over a long sequence", _lstm,
     lambda: {"x": _inputs((512, 64, 2)), "wi": _inputs((16, 2)) * 0.3,
              "wh": _inputs((16, 4)) * 0.3, "bi": _inputs((16,)) * 0.1,
              "bh": _inputs((16,)) * 0.1}, ["bi", "bh"]),
    ("cumprod backward", lambda t, a: a["x"].cumprod(0),
     lambda: {"x": 1 + 1e-4 * _inputs((MANY,))}, ["x"]),
    pytest.param(
        "logcumsumexp backward", lambda t, a: a["x"].logcumsumexp(0),
        lambda: {"x": _inputs((MANY // 4,))}, ["out", "x"]),
    ("nansum long", lambda t, a: a["x"].nansum(0),
     lambda: {"x": _positive((ROWS, 4))}, ["out"]),
    ("nanmean long", lambda t, a: a["x"].nanmean(0),
     lambda: {"x": _positive((ROWS, 4))}, ["out"]),
    ("std long", lambda t, a: a["x"].std(0),
     lambda: {"x": _inputs((ROWS, 4)) + 10}, ["out", "x"]),
    ("norm long", lambda t, a: a["x"].norm(dim=0),
     lambda: {"x": _positive((ROWS, 4))}, ["out"]),
    ("trapezoid long", lambda t, a: t.trapezoid(a["x"], dim=0),
     lambda: {"x": _positive((ROWS, 4))}, ["out"]),
    ("cov long", lambda t, a: t.cov(a["x"]),
     lambda: {"x": _inputs((3, ROWS)) + 10}, ["out"]),
    ("histc long", lambda t, a: t.histc(a["x"], 4, 0, 3),
     lambda: {"x": _positive((MANY,))}, ["out"]),
    ("sum dtype float64 of float32", lambda t, a: a["x"].sum(0, dtype=t.float64),
     lambda: {"x": _positive((ROWS, 4))}, ["out"]),
    ("mean of float16", lambda t, a: a["x"].half().mean(0).float(),
     lambda: {"x": _positive((ROWS, 4))}, ["out"]),
    ("bilinear weight", lambda t, a: _f(t).bilinear(a["x"], a["x"], a["w"]),
     lambda: {"x": _positive((ROWS, 2)), "w": _inputs((3, 2, 2))}, ["w"]),
    ("linear weight 3-d input", lambda t, a: _f(t).linear(a["x"], a["w"]),
     lambda: {"x": _positive((256, 256, 2)), "w": _inputs((3, 2))}, ["w"]),
    ("linear weight", lambda t, a: _f(t).linear(a["x"], a["w"]),
     lambda: {"x": _positive((ROWS, 2)), "w": _inputs((3, 2))}, ["w"]),
    ("matmul weight grad", lambda t, a: a["x"] @ a["w"],
     lambda: {"x": _positive((ROWS, 3)), "w": _inputs((3, 2))}, ["w"]),
    ("matmul batched weight grad", lambda t, a: a["x"] @ a["w"],
     lambda: {"x": _positive((256, 256, 3)), "w": _inputs((3, 2))}, ["w"]),
    ("mm of a transposed operand", lambda t, a: a["x"].t() @ a["y"],
     lambda: {"x": _positive((ROWS, 3)), "y": _positive((ROWS, 2), seed=5)}, ["out"]),
    ("addmm of a transposed operand", lambda t, a: t.addmm(a["b"], a["x"].t(), a["y"]),
     lambda: {"b": _positive((3, 2)), "x": _positive((ROWS, 3)),
              "y": _positive((ROWS, 2), seed=5)}, ["out"]),
    ("bmm of a transposed operand", lambda t, a: t.bmm(a["x"].transpose(1, 2), a["y"]),
     lambda: {"x": _positive((2, ROWS, 3)), "y": _positive((2, ROWS, 2), seed=5)}, ["out"]),
    ("conv1d small weight", lambda t, a: _f(t).conv1d(a["x"], a["w"]),
     lambda: {"x": _positive((1, 1, MANY // 4)), "w": _inputs((2, 1, 3))}, ["w"]),
    ("conv2d small weight", lambda t, a: _f(t).conv2d(a["x"], a["w"]),
     lambda: {"x": _positive((1, 1, 258, 258)), "w": _inputs((2, 1, 3, 3))}, ["w"]),
    ("conv_transpose1d small weight", lambda t, a: _f(t).conv_transpose1d(a["x"], a["w"]),
     lambda: {"x": _positive((1, 1, MANY // 4)), "w": _inputs((1, 2, 3))}, ["w"]),
    ("multi_head_attention small in_proj_weight",
     lambda t, a: _f(t).multi_head_attention_forward(
         a["q"], a["q"], a["q"], 4, 1, a["wi"], a["bi"], None, None, False, 0.0,
         a["wo"], a["bo"], need_weights=False)[0],
     lambda: {"q": _positive((128, 64, 4)), "wi": _inputs((12, 4)) * 0.3,
              "bi": _inputs((12,)) * 0.1, "wo": _inputs((4, 4)) * 0.3,
              "bo": _inputs((4,))}, ["wi", "wo"]),
    ("lstm small weights", _lstm,
     lambda: {"x": _positive((256, 64, 2)), "wi": _inputs((16, 2)) * 0.3,
              "wh": _inputs((16, 4)) * 0.3, "bi": _inputs((16,)) * 0.1,
              "bh": _inputs((16,)) * 0.1}, ["wi", "wh", "bi"]),
    ("gru small weights", _gru,
     lambda: {"x": _positive((256, 64, 2)), "wi": _inputs((12, 2)) * 0.3,
              "wh": _inputs((12, 4)) * 0.3, "bi": _inputs((12,)) * 0.1,
              "bh": _inputs((12,)) * 0.1}, ["wi", "wh", "bi", "bh"]),
    ("rnn small weights", _rnn,
     lambda: {"x": _positive((256, 64, 2)), "wi": _inputs((4, 2)) * 0.3,
              "wh": _inputs((4, 4)) * 0.3, "bi": _inputs((4,)) * 0.1,
              "bh": _inputs((4,)) * 0.1}, ["wi", "wh", "bi"]),
    ("scaled_dot_product_attention long keys",
     lambda t, a: _f(t).scaled_dot_product_attention(a["q"], a["k"], a["v"]),
     lambda: {"q": _inputs((1, 2, 4)), "k": _inputs((1, ROWS, 4)) * 0.01,
              "v": _positive((1, ROWS, 4))}, ["out", "q", "v"]),
    ("scaled_dot_product_attention long queries",
     lambda t, a: _f(t).scaled_dot_product_attention(a["q"], a["k"], a["v"]),
     lambda: {"q": _inputs((1, ROWS, 2)) * 0.01, "k": _inputs((1, 3, 2)),
              "v": _positive((1, 3, 2))}, ["k", "v"]),
    ("mv of a transposed matrix", lambda t, a: t.mv(a["x"].t(), a["v"]),
     lambda: {"x": _positive((ROWS, 3)), "v": _positive((ROWS,), seed=5)}, ["out"]),
    ("vector @ matrix", lambda t, a: a["v"] @ a["x"],
     lambda: {"x": _positive((ROWS, 3)), "v": _positive((ROWS,), seed=5)}, ["out"]),
    ("matmul vector weight grad", lambda t, a: a["x"] @ a["w"],
     lambda: {"x": _positive((ROWS, 3)), "w": _inputs((3,))}, ["w"]),
    ("addmv of a transposed matrix", lambda t, a: t.addmv(a["b"], a["x"].t(), a["v"]),
     lambda: {"b": _positive((3,)), "x": _positive((ROWS, 3)), "v": _positive((ROWS,), seed=5)},
     ["out"]),
    ("grid_sample backward", lambda t, a: _f(t).grid_sample(a["x"], a["g"], align_corners=False),
     lambda: {"x": _inputs((1, 1, 2, 2)), "g": (_positive((1, 256, 256, 2)) - 1.5) * 0.5},
     ["x", "out"]),
    ("affine_grid backward", lambda t, a: _f(t).affine_grid(a["th"], (1, 1, 256, 256),
                                                             align_corners=False),
     lambda: {"th": _inputs((1, 2, 3))}, ["th"]),
    ("replicate pad backward", lambda t, a: _f(t).pad(a["x"], (ROWS, ROWS), mode="replicate"),
     lambda: {"x": _inputs((1, 2, 4))}, ["x"]),
    ("clip_grad_norm_ total norm", _clip_total_norm,
     lambda: {"g": _positive((1 << 20,))}, ["out"]),
    ("weight_norm long rows", _weight_norm,
     lambda: {"x": _positive((4, MANY // 4)), "v": _positive((3, MANY // 4), seed=5)},
     ["out", "v"]),
    ("ctc_loss long input", lambda t, a: _f(t).ctc_loss(
        a["lp"], a["y"], a["il"], a["tl"], reduction="sum"),
     lambda: {"lp": np.log(np.full((2048, 2, 3), 1 / 3, np.float32))
              + 0.01 * _inputs((2048, 2, 3)),
              "y": _index((2, 4), 2) + 1, "il": np.array([2048, 2048]),
              "tl": np.array([4, 4])}, ["out", "lp"]),
    ("prelu channels of a 2-d input", lambda t, a: _f(t).prelu(a["x"], a["w"]),
     lambda: {"x": -_positive((ROWS, 4)), "w": _inputs((4,))}, ["w"]),
    ("cosine_similarity along dim 0", lambda t, a: _f(t).cosine_similarity(a["x"], a["y"], dim=0),
     lambda: {"x": _positive((ROWS, 4)), "y": _positive((ROWS, 4), seed=5)}, ["out", "x"]),
    ("normalize along dim 0", lambda t, a: _f(t).normalize(a["x"], dim=0),
     lambda: {"x": _positive((ROWS, 4))}, ["out", "x"]),
    ("pairwise_distance grad", lambda t, a: _f(t).pairwise_distance(a["x"], a["y"]),
     lambda: {"x": _positive((ROWS, 4)), "y": _inputs((1, 4), seed=5)}, ["y"]),
    ("cdist backward many rows", lambda t, a: t.cdist(a["x"], a["y"]),
     lambda: {"x": _positive((ROWS, 2)), "y": _inputs((3, 2), seed=5)}, ["y"]),
    ("cdist p=1 backward many rows", lambda t, a: t.cdist(a["x"], a["y"], p=1.0),
     lambda: {"x": _positive((ROWS, 2)), "y": _inputs((3, 2), seed=5)}, ["y"]),
    ("pdist long rows", lambda t, a: _f(t).pdist(a["x"]),
     lambda: {"x": _positive((4, MANY // 4))}, ["out", "x"]),
    ("matrix_norm ord=1 long columns", lambda t, a: t.linalg.matrix_norm(a["x"], ord=1),
     lambda: {"x": _positive((ROWS, 4))}, ["out"]),
    ("matrix_norm ord=inf long rows", lambda t, a: t.linalg.matrix_norm(a["x"], ord=float("inf")),
     lambda: {"x": _positive((4, ROWS))}, ["out"]),
    ("matrix_norm fro", lambda t, a: t.linalg.matrix_norm(a["x"]),
     lambda: {"x": _positive((ROWS, 4))}, ["out"]),
    ("vector_norm along dim 0", lambda t, a: t.linalg.vector_norm(a["x"], 3, dim=0),
     lambda: {"x": _positive((ROWS, 4))}, ["out", "x"]),
    ("dist", lambda t, a: t.dist(a["x"], a["y"]),
     lambda: {"x": _positive((ROWS, 4)), "y": _inputs((4,), seed=5)}, ["out", "y"]),
    ("einsum contraction over rows", lambda t, a: t.einsum("bi,bj->ij", a["x"], a["y"]),
     lambda: {"x": _positive((ROWS, 3)), "y": _positive((ROWS, 2), seed=5)}, ["out"]),
    ("einsum matrix-vector backward", lambda t, a: t.einsum("ij,j->i", a["x"], a["v"]),
     lambda: {"x": _positive((ROWS, 3)), "v": _inputs((3,))}, ["v"]),
    ("einsum batched backward", lambda t, a: t.einsum("bij,bjk->bik", a["x"], a["w"]),
     lambda: {"x": _positive((2, ROWS, 3)), "w": _inputs((2, 3, 2))}, ["w"]),
    ("addbmm over a long batch", lambda t, a: t.addbmm(a["c"], a["x"], a["y"]),
     lambda: {"c": _positive((2, 2)), "x": _positive((4096, 2, 16)),
              "y": _positive((4096, 16, 2), seed=5)}, ["out"]),
    ("outer backward", lambda t, a: t.outer(a["x"], a["y"]),
     lambda: {"x": _inputs((3,)), "y": _positive((ROWS,))}, ["x"]),
    ("kron backward", lambda t, a: t.kron(a["x"], a["y"]),
     lambda: {"x": _inputs((2, 2)), "y": _positive((256, 256))}, ["x"]),
    ("tensordot over rows", lambda t, a: t.tensordot(a["x"], a["y"], dims=([0], [0])),
     lambda: {"x": _positive((ROWS, 3)), "y": _positive((ROWS, 2), seed=5)}, ["out"]),
    ("inner backward", lambda t, a: t.inner(a["x"], a["y"]),
     lambda: {"x": _positive((ROWS, 3)), "y": _inputs((2, 3))}, ["y"]),
    ("take_along_dim backward", lambda t, a: t.take_along_dim(a["x"], a["i"], 0),
     lambda: {"x": _inputs((10, 4)), "i": _index((MANY // 4, 4), 10)}, ["x"]),
    ("interpolate bicubic backward",
     lambda t, a: _f(t).interpolate(a["x"], size=(256, 256), mode="bicubic"),
     lambda: {"x": _inputs((1, 2, 4, 4))}, ["x"]),
    ("interpolate trilinear backward",
     lambda t, a: _f(t).interpolate(a["x"], size=(40, 40, 40), mode="trilinear"),
     lambda: {"x": _inputs((1, 1, 2, 2, 2))}, ["x"]),
    ("interpolate nearest 2-d backward",
     lambda t, a: _f(t).interpolate(a["x"], size=(256, 256), mode="nearest"),
     lambda: {"x": _inputs((1, 2, 2, 2))}, ["x"]),
    ("upsample nearest-exact backward",
     lambda t, a: _f(t).interpolate(a["x"], size=(256, 256), mode="nearest-exact"),
     lambda: {"x": _inputs((1, 2, 2, 2))}, ["x"]),
    ("pixel_unshuffle then sum", lambda t, a: _f(t).pixel_unshuffle(a["x"], 2).sum((2, 3)),
     lambda: {"x": _positive((1, 1, 512, 512))}, ["out"]),
    ("embedding_bag per_sample_weights",
     lambda t, a: _f(t).embedding_bag(a["i"], a["w"], a["o"], mode="sum",
                                      per_sample_weights=a["p"]),
     lambda: {"w": _positive((10, 4)), "i": _index((MANY // 4,), 10),
              "o": np.array([0, MANY // 8]), "p": _positive((MANY // 4,))}, ["out", "w"]),
    ("embedding_bag max weight grad",
     lambda t, a: _f(t).embedding_bag(a["i"], a["w"], a["o"], mode="max"),
     lambda: {"w": _positive((10, 4)), "i": _index((MANY // 4,), 10),
              "o": np.arange(0, MANY // 4, 2)}, ["w"]),
    ("sum of product broadcast", lambda t, a: (a["x"] * a["y"]).sum(0),
     lambda: {"x": _positive((ROWS, 4)), "y": _positive((ROWS, 4), seed=5)}, ["out"]),
]


@pytest.mark.parametrize("name, fn, make, checked", ACCUMULATIONS,
                         ids=[c.values[0] if hasattr(c, "values") else c[0]
                              for c in ACCUMULATIONS])
def test_accumulations_round_like_pytorch(name, fn, make, checked):
    arrays = make()
    exact = _run(torch, fn, arrays, np.float64, checked)
    theirs = _run(torch, fn, arrays, np.float32, checked)
    ours = _run(gt, fn, arrays, np.float32, checked)
    for p in checked:
        scale = np.abs(exact[p]).max()
        their_error = max(np.abs(theirs[p] - exact[p]).max() / scale, ULP)
        our_error = np.abs(ours[p] - exact[p]).max() / scale
        assert our_error <= RATIO * their_error, (
            f"{name} {p}: relative error {our_error:.1e}, PyTorch's {their_error:.1e}")
