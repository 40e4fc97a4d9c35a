"""Edge values that once gave silently wrong answers (issue 6): each case runs the same call
under PyTorch and glasstorch and compares values (NaN and the sign of inf included), dtypes,
shapes and, where differentiable, gradients."""
import math

import numpy as np
import pytest
import torch

import glasstorch as gt
from tests.oracle.harness import assert_same, check, gradcheck_fn

NAN, INF = float("nan"), float("inf")


# ---------------------------------------------------------------------------------------------
# covariance of one variable, diff of order 0
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("fn", [lambda t, x: t.cov(x), lambda t, x: t.corrcoef(x),
                                lambda t, x: t.cov(x, correction=0)],
                         ids=["cov", "corrcoef", "cov_correction0"])
@pytest.mark.parametrize("shape", [(1, 4), (4,), (3, 5)])
def test_cov_corrcoef_one_row_is_0d(fn, shape):
    x = np.random.default_rng(0).standard_normal(shape).astype("float32")
    check(fn, [x], rtol=1e-5, atol=1e-6)


def test_diff_order_zero_ignores_prepend_and_append():
    x = np.array([1.0, 2.0, 4.0], "float32")
    check(lambda t, a, p: t.diff(a, n=0, prepend=p), [x, np.array([5.0], "float32")])
    check(lambda t, a, p: t.diff(a, n=0, append=p), [x, np.array([5.0], "float32")])


# ---------------------------------------------------------------------------------------------
# logit with eps above 1/2, the shrink family and threshold on NaN
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("eps", [0.6, 0.5, 0.9, 0.2, -1.0])
def test_logit_eps(eps):
    x = np.array([0.05, 0.3, 0.5, 0.7, 0.95, NAN, 0.0, 1.0], "float32")
    check(lambda t, a: t.logit(a, eps=eps), [x], grad=False, rtol=1e-5, atol=1e-6)
    x = np.array([0.05, 0.3, 0.45, 0.7, 0.95], "float32")   # no value at a clamp bound
    check(lambda t, a: t.logit(a, eps=eps), [x], rtol=1e-5, atol=1e-6)


SHRINKS = [
    ("hardshrink", lambda t, a: t.nn.functional.hardshrink(a, 0.5)),
    ("softshrink", lambda t, a: t.nn.functional.softshrink(a, 0.5)),
    ("threshold", lambda t, a: t.nn.functional.threshold(a, 0.5, -1.0)),
    ("threshold_inplace", lambda t, a: t.nn.functional.threshold(a * 1, 0.5, -1.0, True)),
    ("Hardshrink", lambda t, a: t.nn.Hardshrink(0.3)(a)),
]


@pytest.mark.parametrize("name,fn", SHRINKS, ids=[s[0] for s in SHRINKS])
def test_shrink_and_threshold_keep_nan(name, fn):
    x = np.array([NAN, 0.1, 2.0, 0.5, -0.5, -3.0, INF, -INF], "float32")
    out = check(fn, [x])
    assert math.isnan(out[0].item())


@pytest.mark.parametrize("name,fn", SHRINKS[:3], ids=[s[0] for s in SHRINKS[:3]])
def test_shrink_and_threshold_gradcheck(name, fn):
    gradcheck_fn(fn, [np.array([0.1, 2.0, -0.7, -3.0, 0.9])])


# ---------------------------------------------------------------------------------------------
# the gamma family at infinities and signed zeros
# ---------------------------------------------------------------------------------------------
SPECIAL_POINTS = np.array([-INF, INF, -0.0, 0.0, NAN, -1.0, -2.5, 1.0], "float32")


@pytest.mark.parametrize("fn", [lambda t, x: t.lgamma(x), lambda t, x: t.digamma(x),
                                lambda t, x: t.mvlgamma(x, 1), lambda t, x: t.mvlgamma(x, 3),
                                lambda t, x: x.lgamma()],
                         ids=["lgamma", "digamma", "mvlgamma1", "mvlgamma3", "lgamma_method"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_gamma_family_signs(fn, dtype):
    x = SPECIAL_POINTS.astype(dtype)
    t_out = fn(torch, torch.tensor(x))
    g_out = fn(gt, gt.tensor(x))
    assert_same(g_out, t_out)
    # assert_same treats inf of either sign alike only if equal: check the signs explicitly
    np.testing.assert_array_equal(np.signbit(g_out.numpy()), np.signbit(t_out.numpy()))


# ---------------------------------------------------------------------------------------------
# arange, linspace, logspace with integer dtypes: every element as PyTorch rounds it
# ---------------------------------------------------------------------------------------------
ARANGE = [(0, 5, 1.5), (0.5, 5.3, 0.7), (-3.7, 2, 1.3), (5, 0, -1.5), (5.5, -2.2, -0.9),
          (0, 10, 2.5), (0, 7), (3, -4, -2), (0.2, 3.9)]


@pytest.mark.parametrize("args,dtype", [(a, d) for a in ARANGE for d in
                                        ("int64", "int32", "int16", "uint8")
                                        if d != "uint8" or min(a) >= 0], ids=str)
def test_arange_integer_dtypes(args, dtype):
    expected_error = None
    try:
        expected = torch.arange(*args, dtype=getattr(torch, dtype))
    except Exception as error:        # int64 with a step truncated to 0
        expected_error = error
    if expected_error is not None:
        with pytest.raises(type(expected_error), match="step must be nonzero"):
            gt.arange(*args, dtype=getattr(gt, dtype))
        return
    assert_same(gt.arange(*args, dtype=getattr(gt, dtype)), expected, rtol=0, atol=0)


def _bounds(n):
    rng = np.random.default_rng(n)
    return [tuple(rng.uniform(-50, 50, 2)) + (int(rng.integers(0, 200)),) for _ in range(n)]


@pytest.mark.parametrize("dtype", ["int64", "int32", "int16", "int8", "float64"])
def test_linspace_exact(dtype):
    cases = _bounds(60) + [(-5.5, 4.7, 9), (13.7, -23.02, 93), (0, 10, 7), (3, 3, 4),
                           (2.7, 9.1, 1), (-2.7, 9.1, 0)]
    for start, end, steps in cases:
        if dtype == "int8" and max(abs(start), abs(end)) > 127:
            continue
        expected = torch.linspace(start, end, steps, dtype=getattr(torch, dtype))
        got = gt.linspace(start, end, steps, dtype=getattr(gt, dtype))
        assert_same(got, expected, rtol=0, atol=0, what=f"linspace({start}, {end}, {steps})")


@pytest.mark.parametrize("dtype", ["int64", "int32", "int16"])
def test_logspace_integer_dtypes(dtype):
    rng = np.random.default_rng(3)
    cases = [(tuple(rng.uniform(-3, 5, 2)), int(rng.integers(0, 60)),
              float(rng.choice([10.0, 2.0, 3.5, 1.7]))) for _ in range(60)]
    cases += [((0, 3), 7, 10.0), ((1.56, -1.73), 1, 1.7), ((0.5, 4.5), 9, 2.0)]
    for (start, end), steps, base in cases:
        if dtype == "int16" and base ** max(start, end) > 32767:
            continue
        expected = torch.logspace(start, end, steps, base=base, dtype=getattr(torch, dtype))
        got = gt.logspace(start, end, steps, base=base, dtype=getattr(gt, dtype))
        assert_same(got, expected, rtol=0, atol=0,
                    what=f"logspace({start}, {end}, {steps}, base={base})")


def test_logspace_float64_close():
    expected = torch.logspace(4.59, -0.505, 86, base=2.0, dtype=torch.float64)
    assert_same(gt.logspace(4.59, -0.505, 86, base=2.0, dtype=gt.float64), expected,
                rtol=1e-15, atol=0)


# ---------------------------------------------------------------------------------------------
# quantile / nanquantile: the gradient reaches a tensor q (and, with a nan in quantile's slice,
# flows to the nan as PyTorch's)
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("interpolation", ["linear", "lower", "higher", "midpoint", "nearest"])
@pytest.mark.parametrize("name", ["quantile", "nanquantile"])
@pytest.mark.parametrize("kwargs", [{"dim": 1}, {"dim": 0, "keepdim": True}, {}], ids=str)
def test_quantile_gradient_to_q(name, interpolation, kwargs):
    x = np.array([[1.0, 4.0, 3.0, NAN, 5.0], [2.0, 0.5, 7.0, 3.0, 1.0]], "float32")
    q = np.array([0.3, 0.0, 0.7, 1.0], "float32")
    fn = getattr
    check(lambda t, a, b: fn(t, name)(a, b, interpolation=interpolation, **kwargs), [x, q])
    check(lambda t, a, b: fn(t, name)(a, b[2], interpolation=interpolation, **kwargs), [x, q])
    check(lambda t, a, b: fn(t, name)(a, b, interpolation=interpolation, **kwargs), [x[1:], q])


def test_quantile_gradcheck_q():
    x = np.array([[1.0, 4.0, 3.0, 2.5, 5.0], [2.0, 0.5, 7.0, 3.5, 1.5]])
    q = np.array([0.3, 0.55, 0.9])
    gradcheck_fn(lambda t, a, b: t.quantile(a, b, dim=1), [x, q])
    gradcheck_fn(lambda t, a, b: t.nanquantile(a, b[1]), [x, q])


# ---------------------------------------------------------------------------------------------
# the add-and-multiply family on integer tensors: alpha and beta truncate, the dtype stays
# ---------------------------------------------------------------------------------------------
MATMUL_ADDS = [
    ("addmm", lambda t, i, beta, alpha: t.addmm(i((2, 2)), i((2, 3)), i((3, 2)), beta=beta,
                                                alpha=alpha)),
    ("addmv", lambda t, i, beta, alpha: t.addmv(i((2,)), i((2, 3)), i((3,)), beta=beta,
                                                alpha=alpha)),
    ("baddbmm", lambda t, i, beta, alpha: t.baddbmm(i((2, 2, 2)), i((2, 2, 3)), i((2, 3, 2)),
                                                    beta=beta, alpha=alpha)),
    ("addbmm", lambda t, i, beta, alpha: t.addbmm(i((2, 2)), i((2, 2, 3)), i((2, 3, 2)),
                                                  beta=beta, alpha=alpha)),
]


@pytest.mark.parametrize("name,fn", MATMUL_ADDS, ids=[m[0] for m in MATMUL_ADDS])
@pytest.mark.parametrize("beta,alpha", [(0.5, 2.0), (0.7, 1.3), (1.5, 2.5), (-1.7, -2.5),
                                        (2, 3), (1, 1), (0, 1)], ids=str)
@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8"])
def test_matmul_adds_on_integers(name, fn, beta, alpha, dtype):
    if dtype == "uint8" and min(beta, alpha) < 0:
        beta, alpha = -beta, -alpha
    rng = np.random.default_rng(0)

    def run(t):
        return fn(t, lambda shape: t.tensor(rng.integers(0, 4, shape).astype(dtype)), beta,
                  alpha)
    state = rng.bit_generator.state
    expected = run(torch)
    rng.bit_generator.state = state
    assert_same(run(gt), expected)


@pytest.mark.parametrize("name,fn", MATMUL_ADDS, ids=[m[0] for m in MATMUL_ADDS])
def test_matmul_adds_complex_scale_on_integers(name, fn):
    def run(t):
        return fn(t, lambda shape: t.ones(shape, dtype=t.int64), 1 + 1j, 1)
    with pytest.raises(RuntimeError, match="without overflow"):
        run(torch)
    with pytest.raises(RuntimeError, match="without overflow"):
        run(gt)


@pytest.mark.parametrize("make", [lambda t: t.arange(3, dtype=t.bool),
                                  lambda t: t.linspace(0, 1, 3, dtype=t.bool),
                                  lambda t: t.logspace(0, 1, 3, dtype=t.bool)],
                         ids=["arange", "linspace", "logspace"])
def test_ranges_refuse_bool(make):
    from tests.oracle.harness import check_error
    check_error(make, match="not implemented for 'Bool'")
