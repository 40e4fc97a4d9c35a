"""Random sampling: dtypes and shapes against torch, distributions (mean/variance within a few
standard errors, frequencies), ranges, reproducibility under manual_seed / Generator /
get_rng_state, and error parity. Draws are never compared with torch's: the streams differ."""
import math

import numpy as np
import pytest
import torch

import glasstorch as gt
from tests.oracle.harness import check_error

N = 20000   # samples per statistical test: standard error of a mean is std / 141


def close_mean(x, mean, std, k=5.0):
    """Sample mean within k standard errors of `mean`."""
    x = np.asarray(x, dtype=np.float64).ravel()
    assert abs(x.mean() - mean) < k * std / math.sqrt(x.size), (x.mean(), mean)


def close_var(x, var, k=5.0):
    """Sample variance within k (approximate, normal-theory) standard errors of `var`."""
    x = np.asarray(x, dtype=np.float64).ravel()
    assert abs(x.var() - var) < k * var * math.sqrt(2.0 / x.size) * 2, (x.var(), var)


# ---------------------------------------------------------------------------------------------
# shapes and dtypes, compared with torch
# ---------------------------------------------------------------------------------------------
FACTORIES = [
    ("rand_varargs", lambda t: t.rand(2, 3)),
    ("rand_tuple", lambda t: t.rand((2, 3))),
    ("rand_list", lambda t: t.rand([4])),
    ("rand_size", lambda t: t.rand(t.Size([2, 1]))),
    ("rand_0d", lambda t: t.rand(())),
    ("rand_empty", lambda t: t.rand(0, 3)),
    ("rand_f64", lambda t: t.rand(3, dtype=t.float64)),
    ("rand_f16", lambda t: t.rand(3, dtype=t.float16)),
    ("randn", lambda t: t.randn(2, 3)),
    ("randn_f64", lambda t: t.randn((4,), dtype=t.double)),
    ("randint_high", lambda t: t.randint(5, (2, 3))),
    ("randint_low_high", lambda t: t.randint(-3, 5, (4,))),
    ("randint_kw", lambda t: t.randint(low=2, high=9, size=(3,))),
    ("randint_high_kw", lambda t: t.randint(10, size=(3,))),
    ("randint_dtype", lambda t: t.randint(0, 10, (3,), dtype=t.float32)),
    ("randint_int32", lambda t: t.randint(0, 10, (3,), dtype=t.int32)),
    ("randint_bool", lambda t: t.randint(0, 2, (3,), dtype=t.bool)),
    ("rand_like", lambda t: t.rand_like(t.zeros(2, 3, dtype=t.float64))),
    ("randn_like", lambda t: t.randn_like(t.zeros(2, 3))),
    ("randn_like_dtype", lambda t: t.randn_like(t.zeros(2), dtype=t.float64)),
    ("randint_like", lambda t: t.randint_like(t.zeros(2, 3), 7)),
    ("randint_like_int", lambda t: t.randint_like(t.zeros(2, dtype=t.int32), 3, 7)),
    ("normal_floats", lambda t: t.normal(2.0, 3.0, size=(2, 3))),
    ("normal_floats_pos", lambda t: t.normal(2.0, 3.0, (4,))),
    ("normal_tensor_mean", lambda t: t.normal(t.zeros(2, 3), 1.0)),
    ("normal_tensor_std", lambda t: t.normal(0.5, t.ones(3, dtype=t.float64))),
    ("normal_tensors", lambda t: t.normal(t.zeros(2, 3), t.ones(2, 3))),
    ("normal_broadcast", lambda t: t.normal(t.zeros(2, 1), t.ones(3))),
    ("randn_size_kw", lambda t: t.randn(size=(), requires_grad=True)),
    ("rand_size_kw", lambda t: t.rand(size=[2, 3])),
    ("randperm", lambda t: t.randperm(5)),
    ("randperm_dtype", lambda t: t.randperm(5, dtype=t.int32)),
    ("randperm_0", lambda t: t.randperm(0)),
    ("bernoulli", lambda t: t.bernoulli(t.full((3, 2), 0.5))),
    ("bernoulli_f64", lambda t: t.bernoulli(t.full((3,), 0.5, dtype=t.float64))),
    ("bernoulli_p", lambda t: t.bernoulli(t.zeros(4), 0.3)),
    ("bernoulli_method", lambda t: t.full((3,), 0.2).bernoulli()),
    ("multinomial_1d", lambda t: t.multinomial(t.ones(5), 3)),
    ("multinomial_2d", lambda t: t.multinomial(t.ones(2, 5), 4, replacement=True)),
    ("multinomial_method", lambda t: t.ones(2, 5).multinomial(5)),
    ("poisson", lambda t: t.poisson(t.full((2, 3), 4.0))),
    ("uniform_", lambda t: t.empty(2, 3).uniform_(-1, 1)),
    ("normal_", lambda t: t.empty(2, 3, dtype=t.float64).normal_(1, 2)),
    ("random_int", lambda t: t.empty(4, dtype=t.long).random_(0, 10)),
    ("random_float", lambda t: t.empty(4).random_(10)),
    ("random_bool", lambda t: t.empty(4, dtype=t.bool).random_()),
    ("bernoulli_", lambda t: t.empty(4).bernoulli_(0.5)),
    ("bernoulli_int", lambda t: t.empty(4, dtype=t.long).bernoulli_(0.5)),
    ("exponential_", lambda t: t.empty(4).exponential_(2.0)),
    ("geometric_", lambda t: t.empty(4).geometric_(0.5)),
    ("geometric_int", lambda t: t.empty(4, dtype=t.long).geometric_(0.5)),
    ("log_normal_", lambda t: t.empty(4).log_normal_()),
    ("cauchy_", lambda t: t.empty(4).cauchy_()),
]


@pytest.mark.parametrize("name,fn", FACTORIES, ids=[f[0] for f in FACTORIES])
def test_shape_and_dtype_match_torch(name, fn):
    ours, theirs = fn(gt), fn(torch)
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert str(ours.dtype) == str(theirs.dtype)
    assert ours.requires_grad == theirs.requires_grad
    assert ours.is_leaf


def test_default_dtype_and_requires_grad():
    gt.set_default_dtype(gt.float64)
    assert gt.rand(2).dtype == gt.float64 and gt.randn(2).dtype == gt.float64
    assert gt.normal(0.0, 1.0, (2,)).dtype == gt.float64
    gt.set_default_dtype(gt.float32)
    x = gt.rand(3, requires_grad=True)
    assert x.requires_grad and x.is_leaf
    (x * 2).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0, 2.0])
    check_error(lambda t: t.randint(0, 3, (2,), requires_grad=True))


def test_out_argument():
    out = gt.empty(0)
    r = gt.rand(2, 3, out=out)
    assert r is out and tuple(out.shape) == (2, 3)


# ---------------------------------------------------------------------------------------------
# reproducibility
# ---------------------------------------------------------------------------------------------
SAMPLERS = [
    lambda: gt.rand(5),
    lambda: gt.randn(5),
    lambda: gt.randint(0, 100, (5,)),
    lambda: gt.normal(gt.zeros(5), gt.ones(5)),
    lambda: gt.randperm(10),
    lambda: gt.bernoulli(gt.full((10,), 0.5)),
    lambda: gt.multinomial(gt.ones(10), 5),
    lambda: gt.multinomial(gt.ones(10), 5, replacement=True),
    lambda: gt.poisson(gt.full((5,), 3.0)),
    lambda: gt.empty(5).uniform_(),
    lambda: gt.empty(5).normal_(),
    lambda: gt.empty(5).exponential_(),
]


@pytest.mark.parametrize("k", range(len(SAMPLERS)))
def test_manual_seed_reproduces(k):
    sampler = SAMPLERS[k]
    gt.manual_seed(123)
    a = sampler().numpy().copy()
    gt.manual_seed(123)
    b = sampler().numpy().copy()
    np.testing.assert_array_equal(a, b)
    gt.manual_seed(124)
    c = np.concatenate([sampler().numpy().ravel() for _ in range(3)])
    gt.manual_seed(123)
    d = np.concatenate([sampler().numpy().ravel() for _ in range(3)])
    assert not np.array_equal(c, d)


def test_rng_state_round_trip():
    gt.manual_seed(7)
    assert gt.initial_seed() == 7
    state = gt.get_rng_state()
    assert isinstance(state, gt.Tensor) and state.dtype == gt.uint8 and state.ndim == 1
    a = gt.randn(10)
    b = gt.rand(3)
    gt.set_rng_state(state)
    np.testing.assert_array_equal(gt.randn(10).numpy(), a.numpy())
    np.testing.assert_array_equal(gt.rand(3).numpy(), b.numpy())
    gt.set_rng_state(state.clone())
    np.testing.assert_array_equal(gt.randn(10).numpy(), a.numpy())
    with pytest.raises(TypeError):
        gt.set_rng_state(state.float())


def test_manual_seed_returns_generator_and_seed():
    assert isinstance(gt.manual_seed(3), gt.Generator)
    s = gt.seed()
    assert isinstance(s, int) and gt.initial_seed() == s


def test_generator_kwarg_is_independent_of_default():
    g = gt.Generator().manual_seed(5)
    a = gt.rand(4, generator=g)
    gt.manual_seed(0)
    gt.randn(100)                          # consuming the default stream changes nothing
    g2 = gt.Generator()
    g2.manual_seed(5)
    np.testing.assert_array_equal(gt.rand(4, generator=g2).numpy(), a.numpy())
    for fn in (lambda gen: gt.randn(3, generator=gen),
               lambda gen: gt.randint(0, 9, (3,), generator=gen),
               lambda gen: gt.randperm(6, generator=gen),
               lambda gen: gt.normal(0.0, 1.0, (3,), generator=gen),
               lambda gen: gt.multinomial(gt.ones(6), 3, generator=gen),
               lambda gen: gt.bernoulli(gt.full((6,), 0.5), generator=gen),
               lambda gen: gt.empty(3).uniform_(generator=gen),
               lambda gen: gt.empty(3).normal_(generator=gen)):
        r1 = fn(gt.Generator().manual_seed(9)).numpy()
        r2 = fn(gt.Generator().manual_seed(9)).numpy()
        np.testing.assert_array_equal(r1, r2)


# ---------------------------------------------------------------------------------------------
# distributions
# ---------------------------------------------------------------------------------------------
def test_rand_uniform():
    gt.manual_seed(0)
    for dtype in (gt.float32, gt.float64, gt.float16):
        x = gt.rand(N, dtype=dtype).numpy()
        assert x.min() >= 0 and x.max() < 1
        close_mean(x, 0.5, math.sqrt(1 / 12))
        close_var(x, 1 / 12)


def test_randn_normal():
    gt.manual_seed(0)
    x = gt.randn(N).numpy()
    close_mean(x, 0.0, 1.0)
    close_var(x, 1.0)
    y = gt.normal(3.0, 2.0, (N,)).numpy()
    close_mean(y, 3.0, 2.0)
    close_var(y, 4.0)
    mean = gt.tensor([[-5.0], [5.0]])
    std = gt.tensor([0.5, 1.0, 2.0])
    z = gt.normal(mean.expand(2, 3).contiguous().repeat(N // 10, 1),
                  std.repeat(N // 10 * 2, 1)).numpy().reshape(-1, 2, 3)
    for i, m in enumerate((-5.0, 5.0)):
        for j, sd in enumerate((0.5, 1.0, 2.0)):
            close_mean(z[:, i, j], m, sd)
            close_var(z[:, i, j], sd * sd)


def test_randint_range_and_uniformity():
    gt.manual_seed(0)
    x = gt.randint(-3, 4, (N,)).numpy()
    assert x.min() == -3 and x.max() == 3
    counts = np.bincount(x + 3, minlength=7) / N
    np.testing.assert_allclose(counts, 1 / 7, atol=0.015)
    y = gt.randint(5, (N,)).numpy()
    assert set(np.unique(y)) == {0, 1, 2, 3, 4}
    z = gt.randint_like(gt.zeros(N), 2, 4).numpy()
    assert set(np.unique(z)) == {2.0, 3.0}


def test_randperm_is_permutation():
    gt.manual_seed(0)
    p = gt.randperm(100).numpy()
    assert sorted(p.tolist()) == list(range(100)) and p.dtype == np.int64
    # each position is uniform over values: the mean of the first element over many draws
    firsts = [gt.randperm(10)[0].item() for _ in range(2000)]
    close_mean(firsts, 4.5, math.sqrt(99 / 12))


def test_bernoulli_frequencies():
    gt.manual_seed(0)
    p = gt.tensor([0.0, 0.2, 0.9, 1.0]).repeat(N // 4 * 4 // 4, 1)
    x = gt.bernoulli(p).numpy()
    assert set(np.unique(x)) <= {0.0, 1.0}
    np.testing.assert_allclose(x.mean(0), [0.0, 0.2, 0.9, 1.0], atol=0.03)
    y = gt.bernoulli(gt.zeros(N), p=0.3).numpy()
    close_mean(y, 0.3, math.sqrt(0.21))
    z = gt.empty(N).bernoulli_(gt.full((N,), 0.7)).numpy()
    close_mean(z, 0.7, math.sqrt(0.21))


def test_multinomial_with_replacement_frequencies():
    gt.manual_seed(0)
    probs = gt.tensor([[1.0, 2.0, 0.0, 5.0], [0.0, 0.0, 1.0, 0.0]])
    x = gt.multinomial(probs, N, replacement=True).numpy()
    assert x.shape == (2, N) and x.dtype == np.int64
    np.testing.assert_allclose(np.bincount(x[0], minlength=4) / N, [1 / 8, 2 / 8, 0, 5 / 8],
                               atol=0.015)
    assert (x[1] == 2).all()


def test_multinomial_without_replacement():
    gt.manual_seed(0)
    x = gt.multinomial(gt.ones(50, 6), 6).numpy()
    assert all(sorted(row) == list(range(6)) for row in x.tolist())
    # categories of zero probability come only after all the others
    y = gt.multinomial(gt.tensor([0.0, 1.0, 3.0, 0.0]), 2).numpy()
    assert set(y.tolist()) == {1, 2}
    # the first draw follows the probabilities
    probs = gt.tensor([1.0, 3.0]).repeat(N // 4, 1)
    firsts = gt.multinomial(probs, 2)[:, 0].numpy()
    close_mean(firsts, 0.75, math.sqrt(0.75 * 0.25))
    # the second draw, given the first was category 1 of [1, 1, 2]: 1/3 each for 0 and 2 ...
    draws = gt.multinomial(gt.tensor([1.0, 1.0, 2.0]).repeat(N, 1), 2).numpy()
    first_is_2 = draws[:, 0] == 2
    close_mean(first_is_2, 0.5, 0.5)
    second = draws[first_is_2, 1]
    close_mean(second == 0, 0.5, 0.5)


def test_poisson():
    gt.manual_seed(0)
    x = gt.poisson(gt.full((N,), 3.5)).numpy()
    assert x.dtype == np.float32 and (x == np.round(x)).all()
    close_mean(x, 3.5, math.sqrt(3.5))
    close_var(x, 3.5)


def test_inplace_distributions():
    gt.manual_seed(0)
    u = gt.empty(N).uniform_(-2, 3).numpy()
    assert u.min() >= -2 and u.max() < 3
    close_mean(u, 0.5, 5 / math.sqrt(12))
    n = gt.empty(N, dtype=gt.float64).normal_(mean=1.0, std=0.5).numpy()
    close_mean(n, 1.0, 0.5)
    close_var(n, 0.25)
    e = gt.empty(N).exponential_(2.0).numpy()
    assert e.min() >= 0
    close_mean(e, 0.5, 0.5)
    g = gt.empty(N).geometric_(0.25).numpy()
    assert g.min() >= 1 and (g == np.round(g)).all()
    close_mean(g, 4.0, math.sqrt(0.75) / 0.25)
    ln = gt.empty(N).log_normal_(0.5, 0.25).numpy()
    assert ln.min() > 0
    close_mean(np.log(ln), 0.5, 0.25)
    c = gt.empty(N).cauchy_(median=2.0, sigma=0.5).numpy()
    assert abs(np.median(c) - 2.0) < 0.05
    assert abs(np.mean(np.abs(c - 2.0) < 0.5) - 0.5) < 0.03   # half the mass within sigma


def test_random_ranges():
    gt.manual_seed(0)
    a = gt.empty(N, dtype=gt.long).random_(3, 7).numpy()
    assert set(np.unique(a)) == {3, 4, 5, 6}
    b = gt.empty(N).random_(5).numpy()
    assert set(np.unique(b)) == {0.0, 1.0, 2.0, 3.0, 4.0}
    c = gt.empty(N).random_().numpy()
    assert c.min() >= 0 and c.max() <= 2 ** 24 and (c == np.round(c)).all() and c.max() > 2 ** 20
    d = gt.empty(N, dtype=gt.uint8).random_().numpy()
    assert d.min() == 0 and d.max() == 255
    e = gt.empty(100, dtype=gt.bool).random_().numpy()
    assert e.any() and not e.all()
    f = gt.empty(N, dtype=gt.int8).random_(-5, None).numpy()
    assert f.min() == -5 and f.max() == 127


def test_inplace_fill_keeps_identity_views_and_version():
    x = gt.zeros(4, 3)
    row = x[1]
    v = x._version
    assert x.uniform_() is x
    assert x._version > v
    np.testing.assert_array_equal(row.numpy(), x.numpy()[1])


def test_nn_init_style_usage():
    w = gt.empty(3, 4, requires_grad=True)
    check_error(lambda t: t.empty(3, requires_grad=True).uniform_())
    with gt.no_grad():
        w.uniform_(-0.1, 0.1)
        w.normal_(0, 0.01)
    assert w.requires_grad and w.is_leaf


ERRORS = [
    ("rand_long", lambda t: t.rand(3, dtype=t.long)),
    ("randn_int", lambda t: t.randn(3, dtype=t.int32)),
    ("rand_neg", lambda t: t.rand(-1)),
    ("randint_empty_range", lambda t: t.randint(5, 5, (2,))),
    ("randint_neg_high", lambda t: t.randint(-1, (2,))),
    ("normal_neg_std", lambda t: t.normal(0.0, -1.0, (2,))),
    ("normal_neg_std_tensor", lambda t: t.normal(t.zeros(2), -t.ones(2))),
    ("bernoulli_p_big", lambda t: t.bernoulli(t.tensor([2.0]))),
    ("bernoulli_p_neg", lambda t: t.bernoulli(t.zeros(2), -0.5)),
    ("multinomial_zero_sum", lambda t: t.multinomial(t.zeros(3), 1)),
    ("multinomial_negative", lambda t: t.multinomial(t.tensor([-1.0, 1, 1]), 1)),
    ("multinomial_inf", lambda t: t.multinomial(t.tensor([math.inf, 1.0]), 1)),
    ("multinomial_too_many", lambda t: t.multinomial(t.ones(3), 4)),
    ("multinomial_zero_samples", lambda t: t.multinomial(t.ones(3), 0)),
    ("multinomial_3d", lambda t: t.multinomial(t.ones(2, 2, 2), 1)),
    ("multinomial_int", lambda t: t.multinomial(t.ones(3, dtype=t.long), 1)),
    ("randperm_neg", lambda t: t.randperm(-1)),
    ("randn_size_twice", lambda t: t.randn(2, size=(3,))),
    ("rand_bad_kw", lambda t: t.rand(2, sizes=(3,))),
    ("uniform_bounds", lambda t: t.empty(3).uniform_(2, 1)),
    ("uniform_int", lambda t: t.empty(3, dtype=t.long).uniform_()),
    ("normal__neg_std", lambda t: t.empty(3).normal_(0, -1)),
    ("random_range", lambda t: t.empty(3).random_(5, 2)),
    ("exponential_lambda", lambda t: t.empty(3).exponential_(0.0)),
    ("geometric_p", lambda t: t.empty(3).geometric_(1.5)),
    ("log_normal_std", lambda t: t.empty(3).log_normal_(0.0, -1.0)),
    ("cauchy_sigma", lambda t: t.empty(3).cauchy_(0.0, 0.0)),
    ("poisson_negative", lambda t: t.poisson(t.tensor([-1.0]))),
]


@pytest.mark.parametrize("name,fn", ERRORS, ids=[e[0] for e in ERRORS])
def test_random_errors(name, fn):
    check_error(fn)
