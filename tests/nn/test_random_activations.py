"""The activations that draw random numbers, RReLU / F.rrelu(_) and F.gumbel_softmax, against
PyTorch: exact values where they are deterministic (rrelu in eval), statistics of the random
draws otherwise (the streams differ from PyTorch's), gradients, float64 gradchecks, error
parity and reprs."""
import warnings

import numpy as np
import pytest
import torch

import glasstorch as gt
from tests.oracle.harness import check, check_error, gradcheck_fn, sample

RNG = np.random.default_rng(8)


def F(t):
    return t.nn.functional


# ---------------------------------------------------------------------------------------------
# rrelu
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_rrelu_eval_matches_torch_exactly(dtype):
    x = sample((4, 5), dtype)
    check(lambda t, x: F(t).rrelu(x), [x], rtol=0, atol=0)
    check(lambda t, x: F(t).rrelu(x, 0.1, 0.6, training=False), [x], rtol=0, atol=0)
    check(lambda t, x: t.rrelu(x, 0.2, 0.3), [x], rtol=0, atol=0)
    check(lambda t, x: F(t).rrelu(x.clone(), 0.2, 0.3, inplace=True), [x], rtol=0, atol=0)
    check(lambda t, x: F(t).rrelu_(x.clone()), [x], rtol=0, atol=0)
    check(lambda t, x: F(t).rrelu(x[:, ::2].T), [x], rtol=0, atol=0)
    check(lambda t, x: F(t).rrelu(x), [np.zeros((0, 3), dtype)])


def test_rrelu_training_statistics_and_gradient():
    gt.manual_seed(0)
    x = gt.tensor(sample((20000,), "float64", avoid=(0.0,)), requires_grad=True)
    out = gt.nn.functional.rrelu(x, 0.1, 0.3, training=True)
    xs, ys = x.detach().numpy(), out.detach().numpy()
    slopes = ys[xs < 0] / xs[xs < 0]
    assert np.array_equal(ys[xs > 0], xs[xs > 0])
    assert slopes.min() >= 0.1 and slopes.max() <= 0.3
    assert abs(slopes.mean() - 0.2) < 0.005 and abs(slopes.std() - 0.2 / 12 ** 0.5) < 0.005
    out.backward(gt.ones_like(out))
    # the gradient is the very slope used in forward (torch's rule: out = x * noise)
    np.testing.assert_allclose(x.grad.numpy(), np.where(xs > 0, 1, ys / xs))
    # in place, in training: the same statistics, written into the input
    y = gt.tensor(-np.ones(1000))
    gt.rrelu_(y, 0.25, 0.5, training=True)
    assert (y.numpy() <= -0.25).all() and (y.numpy() >= -0.5).all()


def test_rrelu_node_names_and_gradcheck():
    for fn in [lambda t, x: F(t).rrelu(x), lambda t, x: F(t).rrelu(x * 1, inplace=True)]:
        x_t = torch.randn(3, requires_grad=True)
        x_g = gt.tensor(x_t.detach().numpy(), requires_grad=True)
        assert fn(gt, x_g).grad_fn.name() == fn(torch, x_t).grad_fn.name()
    gradcheck_fn(lambda t, x: F(t).rrelu(x, 0.1, 0.4), [sample((3, 4), avoid=(0.0,))])


def test_rrelu_layer_and_errors():
    for args in [(), (0.1, 0.3), (0.1, 0.3, True)]:
        assert repr(gt.nn.RReLU(*args)) == repr(torch.nn.RReLU(*args))
    layer_g, layer_t = gt.nn.RReLU(0.1, 0.2).eval(), torch.nn.RReLU(0.1, 0.2).eval()
    check(lambda t, x: (layer_g if t is gt else layer_t)(x), [sample((3, 4))], rtol=0, atol=0)
    check_error(lambda t: F(t).rrelu(t.randn(3), 0.5, 0.1), match="Lower bound")
    check_error(lambda t: F(t).rrelu(t.randn(3), 0.5, 0.1, training=True), match="Lower bound")
    check_error(lambda t: F(t).rrelu(t.arange(3)))
    check_error(lambda t: F(t).rrelu(t.arange(3), training=True))
    check_error(lambda t: F(t).rrelu([1.0]))


# ---------------------------------------------------------------------------------------------
# gumbel_softmax
# ---------------------------------------------------------------------------------------------
def test_gumbel_softmax_statistics():
    gt.manual_seed(1)
    probs = np.array([0.1, 0.2, 0.3, 0.4])
    logits = gt.tensor(np.log(np.tile(probs, (20000, 1))))
    hard = gt.nn.functional.gumbel_softmax(logits, tau=0.5, hard=True)
    h = hard.numpy()
    assert set(np.unique(h)) == {0.0, 1.0} and (h.sum(1) == 1).all()
    np.testing.assert_allclose(h.mean(0), probs, atol=0.015)      # the arg-max is categorical
    soft = gt.nn.functional.gumbel_softmax(logits, tau=1.0).numpy()
    np.testing.assert_allclose(soft.sum(1), 1, rtol=1e-12)
    assert soft.dtype == np.float64
    # dim: one-hot along dim 0
    h0 = gt.nn.functional.gumbel_softmax(gt.zeros(3, 5), hard=True, dim=0).numpy()
    assert (h0.sum(0) == 1).all()


def test_gumbel_softmax_straight_through_gradient():
    # hard forward, soft backward: the gradient is softmax's at the sampled soft values
    gt.manual_seed(2)
    x = gt.tensor(sample((3, 4), "float64"), requires_grad=True)
    gt.manual_seed(3)
    soft = gt.nn.functional.gumbel_softmax(x, tau=0.7)
    gt.manual_seed(3)
    hard = gt.nn.functional.gumbel_softmax(x, tau=0.7, hard=True)
    np.testing.assert_array_equal(hard.detach().numpy().argmax(1), soft.detach().numpy().argmax(1))
    up = RNG.standard_normal((3, 4))
    (g_soft,) = gt.autograd.grad(soft, x, gt.tensor(up))
    (g_hard,) = gt.autograd.grad(hard, x, gt.tensor(up))
    np.testing.assert_allclose(g_hard.numpy(), g_soft.numpy(), rtol=1e-12)
    # and that gradient equals torch's softmax gradient at the same soft values / tau
    y = soft.detach().numpy()
    expected = (y * (up - (up * y).sum(1, keepdims=True))) / 0.7
    np.testing.assert_allclose(g_soft.numpy(), expected, rtol=1e-10)


def test_gumbel_softmax_eps_warning():
    for lib in (torch, gt):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            lib.nn.functional.gumbel_softmax(lib.zeros(2, 3), eps=1e-5)
        assert any("eps" in str(w.message) for w in caught)
