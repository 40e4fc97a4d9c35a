"""Rounding error of the sums inside backward passes: a parameter shared by many rows (a bias,
a norm layer's weight, a broadcast operand) gets the sum of their gradients. Measured against
a float64 reference next to PyTorch's own float32 error on the same data, as in
tests/ops/test_reduction_precision.py: glasstorch's relative error must stay within 10x of
PyTorch's (NumPy's row-by-row sum off the last axis is about 1000x worse on these sizes)."""
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
