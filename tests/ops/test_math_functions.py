"""Oracle tests for the math functions beyond basic arithmetic: special functions (lgamma …
sinc), hypot/copysign/ldexp/rad2deg/deg2rad/float_power, logaddexp2, nan_to_num, heaviside,
gcd/lcm, nextafter, frexp, their in-place forms and double backward."""
import math

import numpy as np
import pytest
import torch

import glasstorch as gt
from tests.oracle.harness import check, check_error, gradcheck_fn, sample

RNG = np.random.default_rng(7)


def pos(shape, low=0.2, high=3.0, dtype="float32"):
    return RNG.uniform(low, high, size=shape).astype(dtype)


def unit(shape, dtype="float32"):
    return RNG.uniform(0.05, 0.95, size=shape).astype(dtype)


def nc(shape):
    """A non-contiguous float32 array of `shape` (a transposed view)."""
    return np.ascontiguousarray(sample(shape[::-1])).T


# ---------------------------------------------------------------------------------------------
# unary float math: values, dtype, gradient (random upstream) for several shapes
# ---------------------------------------------------------------------------------------------
UNARY = [
    # name, fn, input maker, tolerances
    ("lgamma", lambda t, x: t.lgamma(x), pos, {}),
    ("lgamma_method", lambda t, x: x.lgamma(), pos, {}),
    ("digamma", lambda t, x: t.digamma(x), pos, {"rtol": 1e-4}),
    ("polygamma1", lambda t, x: t.polygamma(1, x), pos, {"rtol": 1e-4}),
    ("polygamma2_method", lambda t, x: x.polygamma(2), pos, {"rtol": 1e-4}),
    ("polygamma0", lambda t, x: t.polygamma(0, x), pos, {"rtol": 1e-4}),
    ("mvlgamma", lambda t, x: t.mvlgamma(x + 2, 3), pos, {"rtol": 1e-4}),
    ("i0", lambda t, x: t.i0(x), sample, {}),
    ("logit", lambda t, x: t.logit(x), unit, {"rtol": 1e-4}),
    ("logit_eps", lambda t, x: t.logit(x, eps=0.2), unit, {"rtol": 1e-4}),
    ("sinc", lambda t, x: t.sinc(x), sample, {"atol": 1e-5}),
    ("rad2deg", lambda t, x: t.rad2deg(x), sample, {}),
    ("deg2rad", lambda t, x: x.deg2rad(), sample, {}),
    ("nan_to_num", lambda t, x: t.nan_to_num(x), sample, {}),
]


@pytest.mark.parametrize("name,fn,make,tol", UNARY, ids=[u[0] for u in UNARY])
@pytest.mark.parametrize("shape", [(3, 4), (), (0, 3)])
def test_unary_values_and_grads(name, fn, make, tol, shape):
    check(fn, [make(shape)], **tol)


@pytest.mark.parametrize("name,fn,make,tol", UNARY, ids=[u[0] for u in UNARY])
def test_unary_noncontiguous_and_float64(name, fn, make, tol):
    x = make((4, 3))
    check(fn, [np.ascontiguousarray(x.T).T], **tol)
    check(fn, [make((5,), dtype="float64")], **tol)


@pytest.mark.parametrize("name,fn,make,tol", UNARY, ids=[u[0] for u in UNARY])
def test_unary_gradcheck(name, fn, make, tol):
    gradcheck_fn(fn, [make((5,), dtype="float64")])


@pytest.mark.parametrize("fname", ["lgamma", "digamma", "i0", "logit", "sinc", "rad2deg",
                                   "deg2rad", "nan_to_num"])
def test_unary_integer_and_bool_inputs(fname):
    check(lambda t, x: getattr(t, fname)(x), [np.array([1, 2, 3])], grad=False)
    check(lambda t, x: getattr(t, fname)(x), [np.array([True, False])], grad=False)


def test_special_values_at_poles_and_edges():
    x = np.array([0.0, -2.5, 0.5, 3.0, np.inf], dtype="float32")
    for fn in (lambda t, x: t.lgamma(x), lambda t, x: t.digamma(x),
               lambda t, x: t.polygamma(2, x[:-1])):   # (torch's polygamma(n, inf) is nan)
        check(fn, [x], grad=False, rtol=1e-4)
    check(lambda t, x: t.logit(x), [np.array([0.0, 1.0, 0.5], "float32")], grad=False)
    check(lambda t, x: t.sinc(x), [np.array([0.0, 1.0, -2.0, 0.5], "float32")], atol=1e-6)
    # gradients at the edges: logit without eps is inf at 0 and 1; with eps 0 outside
    check(lambda t, x: t.logit(x, 0.1), [np.array([0.0, 0.05, 0.5, 0.97, 1.0], "float32")])
    check(lambda t, x: t.sinc(x), [np.array([0.0, 0.5], "float32")])


def test_nan_to_num_values_and_gradient():
    x = np.array([np.nan, np.inf, -np.inf, 1.5, -2.0], dtype="float32")
    check(lambda t, x: t.nan_to_num(x), [x])
    check(lambda t, x: t.nan_to_num(x, nan=2.0, posinf=1e30, neginf=-5), [x])
    check(lambda t, x: t.nan_to_num(x, posinf=1.0), [x.astype("float16")], grad=False)
    check(lambda t, x: x.nan_to_num(nan=float("inf")), [x.astype("float64")], grad=False)
    check(lambda t, x: t.nan_to_num(x), [np.array([True, False])], grad=False)


def test_polygamma_and_mvlgamma_errors():
    check_error(lambda t: t.polygamma(-1, t.tensor([1.0])), match="negative n")
    check_error(lambda t: t.mvlgamma(t.tensor([2.5]), 0))
    check_error(lambda t: t.lgamma([1.0]))


# ---------------------------------------------------------------------------------------------
# binary float math: broadcasting, scalars, gradients
# ---------------------------------------------------------------------------------------------
BINARY = [
    ("xlogy", lambda t, a, b: t.xlogy(a, b), sample, pos),
    ("xlogy_method", lambda t, a, b: a.xlogy(b), sample, pos),
    ("hypot", lambda t, a, b: t.hypot(a, b), sample, sample),
    ("copysign", lambda t, a, b: t.copysign(a, b), lambda s: sample(s, avoid=(0.0,)), sample),
    ("ldexp", lambda t, a, b: t.ldexp(a, b), sample, sample),
    ("logaddexp2", lambda t, a, b: t.logaddexp2(a, b), sample, sample),
    ("float_power", lambda t, a, b: t.float_power(a, b), pos, sample),
    ("nextafter", lambda t, a, b: t.nextafter(a, b), sample, sample),
]
PAIRS = [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 3), (4, 1)), ((), (3,)), ((0, 2), (2,))]


@pytest.mark.parametrize("name,fn,make_a,make_b", BINARY, ids=[b[0] for b in BINARY])
@pytest.mark.parametrize("shapes", PAIRS)
def test_binary_values_and_grads(name, fn, make_a, make_b, shapes):
    check(fn, [make_a(shapes[0]), make_b(shapes[1])], rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name,fn,make_a,make_b", BINARY, ids=[b[0] for b in BINARY])
def test_binary_gradcheck(name, fn, make_a, make_b):
    if name == "nextafter":
        pytest.skip("nextafter moves by one ulp: finite differences can't see it")
    a = make_a((3, 2)).astype("float64")
    b = make_b((2,)).astype("float64")
    gradcheck_fn(fn, [a, b])


def test_binary_noncontiguous():
    a, b = nc((3, 4)), nc((3, 4))
    check(lambda t, a, b: t.hypot(a, b), [a, b])
    check(lambda t, a, b: t.xlogy(a, b), [a, np.abs(b) + 0.1], rtol=1e-4)


def test_xlogy_zero_and_nan_rules():
    a = np.array([0.0, 0.0, 1.0, 2.0], dtype="float32")
    b = np.array([0.0, np.nan, 2.0, 0.0], dtype="float32")
    check(lambda t, a, b: t.xlogy(a, b), [a, b])
    check(lambda t, a: t.xlogy(2, a), [pos((3,))])
    check(lambda t, a: t.xlogy(a, 3.0), [sample((3,))])
    check(lambda t, a, b: t.xlogy(a, b), [np.array([3, 0]), np.array([2, 5])], grad=False)


def test_binary_dtypes_and_scalars():
    i, f = np.array([1, 2, -3]), np.array([1.0, -2.0, 0.5], "float32")
    check(lambda t, a, b: t.copysign(a, b), [i, -i], grad=False)
    check(lambda t, a: t.copysign(a, -1), [f])
    check(lambda t, a: t.copysign(a, -1.5), [np.array([True, False])], grad=False)
    check(lambda t, a, b: t.hypot(a, b), [i, f], grad=False)
    check(lambda t, a, b: t.ldexp(a, b), [i, i], grad=False)
    check(lambda t, a, b: t.ldexp(a, b), [f, np.array([1.0], "float64")])
    check(lambda t, a, b: t.float_power(a, b), [i, np.array([2, -1, 3])], grad=False)
    check(lambda t, a: t.float_power(a, 2), [f])
    check(lambda t, a: t.float_power(2, a), [f])
    check(lambda t, a: t.float_power(a, 0.5j), [np.abs(f)], grad=False)
    check(lambda t, a, b: t.logaddexp2(a, b), [f, f.astype("float64")])


def test_binary_errors():
    i = lambda t: t.tensor([1, 2])   # noqa: E731
    f = lambda t: t.tensor([1.0, 2.0])   # noqa: E731
    check_error(lambda t: t.hypot(i(t), i(t)))
    check_error(lambda t: t.hypot(f(t), 2.0))
    check_error(lambda t: t.logaddexp2(i(t), i(t)))
    check_error(lambda t: t.ldexp(f(t), 2))
    check_error(lambda t: t.nextafter(i(t), i(t)))
    check_error(lambda t: t.hypot(t.ones(3), t.ones(2)), match="size")
    check_error(lambda t: t.xlogy(t.ones(3), t.ones(2)))


# ---------------------------------------------------------------------------------------------
# integer and piecewise ops: gcd, lcm, heaviside, frexp
# ---------------------------------------------------------------------------------------------
def test_gcd_lcm():
    a, b = np.array([12, -8, 0, 7, 0]), np.array([18, 6, 0, -21, 5])
    for fn in (lambda t, a, b: t.gcd(a, b), lambda t, a, b: t.lcm(a, b),
               lambda t, a, b: a.gcd(b), lambda t, a, b: a.lcm(b)):
        check(fn, [a, b], grad=False)
        check(fn, [a.reshape(5, 1), b], grad=False)
        check(fn, [a.astype("int32"), b], grad=False)
        check(fn, [a.astype("int16"), b.astype("int16")], grad=False)
    check_error(lambda t: t.gcd(t.tensor([1.0]), t.tensor([2.0])))
    check_error(lambda t: t.lcm(t.tensor([True]), t.tensor([True])))
    check_error(lambda t: t.gcd(t.tensor([12]), 4))


def test_heaviside():
    x = np.array([-1.0, 0.0, 2.0, np.nan], "float32")
    check(lambda t, x, v: t.heaviside(x, v), [x, np.array([0.5], "float32")], grad=False)
    check(lambda t, x, v: x.heaviside(v), [x, np.array([0.25, 0.5, 0.75, 1.0], "float32")],
          grad=False)
    check(lambda t, x, v: t.heaviside(x, v), [np.array([-1, 0, 2]), np.array([7])], grad=False)
    check(lambda t, x, v: t.heaviside(x, v), [np.array([True, False]), np.array([True])],
          grad=False)
    check_error(lambda t: t.heaviside(t.tensor([1.0]), t.tensor([1])), match="dtypes")
    check_error(lambda t: t.heaviside(t.tensor([1.0]), 0.5))


def test_frexp():
    x = np.array([8.0, 0.3, 0.0, -5.0, np.inf, np.nan], "float32")
    check(lambda t, x: t.frexp(x), [x], grad=False)
    check(lambda t, x: x.frexp(), [x.astype("float64")], grad=False)
    check(lambda t, x: tuple(t.frexp(x)), [sample((2, 3))])   # mantissa's gradient
    out = gt.frexp(gt.tensor([8.0]))
    assert out.mantissa.item() == 0.5 and out.exponent.dtype is gt.int32
    assert repr(out).startswith("torch.return_types.frexp(")
    check_error(lambda t: t.frexp(t.tensor([8])), match="floating-point")
    gradcheck_fn(lambda t, x: t.frexp(x)[0], [sample((4,), "float64")])


def test_nextafter_gradient_rule():
    # PyTorch passes the gradient straight to input and none to other
    check(lambda t, a, b: t.nextafter(a, b), [sample((3,)), sample((3,))])


# ---------------------------------------------------------------------------------------------
# in-place method forms and their dtype rules
# ---------------------------------------------------------------------------------------------
INPLACE = [
    ("lgamma_", lambda x: x.lgamma_(), pos),
    ("digamma_", lambda x: x.digamma_(), pos),
    ("polygamma_", lambda x: x.polygamma_(1), pos),
    ("mvlgamma_", lambda x: x.add_(2).mvlgamma_(2), pos),
    ("i0_", lambda x: x.i0_(), sample),
    ("logit_", lambda x: x.logit_(), unit),
    ("sinc_", lambda x: x.sinc_(), sample),
    ("rad2deg_", lambda x: x.rad2deg_(), sample),
    ("deg2rad_", lambda x: x.deg2rad_(), sample),
    ("nan_to_num_", lambda x: x.nan_to_num_(), sample),
    ("xlogy_", lambda x: x.xlogy_(2.0), sample),
    ("hypot_", lambda x: x.hypot_(x.new_full(x.shape, 2.0)), sample),
    ("copysign_", lambda x: x.copysign_(-1), sample),
    ("ldexp_", lambda x: x.ldexp_(x.new_ones(x.shape)), sample),
    ("float_power_", lambda x: x.double().float_power_(2), sample),
    ("nextafter_", lambda x: x.nextafter_(x + 1), sample),
    ("heaviside_", lambda x: x.heaviside_(x.new_ones(())), sample),
]


@pytest.mark.parametrize("name,fn,make", INPLACE, ids=[r[0] for r in INPLACE])
def test_inplace_methods(name, fn, make):
    x = make((2, 3))

    def run(t, x):
        y = x.clone()
        out = fn(y)
        assert out is y or name in ("float_power_", "mvlgamma_")
        return out
    check(run, [x], rtol=1e-4, grad=name != "heaviside_")   # torch: heaviside has no grad


def test_inplace_integer_self_errors():
    check_error(lambda t: t.tensor([1, 2]).rad2deg_(), match="can't be cast")
    check_error(lambda t: t.tensor([1, 2]).ldexp_(t.tensor([1, 1])))
    check_error(lambda t: t.tensor([1, 2]).copysign_(-1))
    check_error(lambda t: t.tensor([1.0]).float_power_(2), match="Double")
    ints = lambda t: t.tensor([12, 18])   # noqa: E731
    check(lambda t, a: a.clone().gcd_(a.flip(0)), [np.array([12, 18])], grad=False)
    check(lambda t, a: a.clone().lcm_(a.flip(0)), [np.array([4, 6])], grad=False)
    assert ints(gt).nan_to_num_().tolist() == [12, 18]


def test_math_constants_rad2deg_exact():
    x = gt.tensor([math.pi, -math.pi / 2])
    assert gt.rad2deg(x).tolist() == pytest.approx([180.0, -90.0])


# ---------------------------------------------------------------------------------------------
# double backward through the backwards written with Tensor-capable operations
# ---------------------------------------------------------------------------------------------
DOUBLE = [
    ("lgamma", lambda t, a, b: t.lgamma(a * b)),
    ("digamma", lambda t, a, b: t.digamma(a + b)),
    ("polygamma", lambda t, a, b: t.polygamma(1, a + b)),
    ("mvlgamma", lambda t, a, b: t.mvlgamma(a + b + 1, 2)),
    ("xlogy", lambda t, a, b: t.xlogy(a, b)),
    ("sinc", lambda t, a, b: t.sinc(a * b)),
    ("logit", lambda t, a, b: t.logit(a * 0.9, eps=0.3) * b),
    ("hypot", lambda t, a, b: t.hypot(a, b)),
    ("copysign", lambda t, a, b: t.copysign(a, b - 1)),
    ("logaddexp2", lambda t, a, b: t.logaddexp2(a, b)),
    ("nan_to_num", lambda t, a, b: t.nan_to_num(a * b)),
    ("float_power", lambda t, a, b: t.float_power(a, b)),
]


@pytest.mark.parametrize("name,fn", DOUBLE, ids=[d[0] for d in DOUBLE])
def test_double_backward(name, fn):
    rng = np.random.default_rng(0)
    x, y = rng.uniform(0.2, 0.9, (4,)), rng.uniform(0.2, 2.0, (4,))
    results = []
    for lib in (torch, gt):
        a = lib.tensor(x, requires_grad=True)
        b = lib.tensor(y, requires_grad=True)
        ga, gb = lib.autograd.grad(fn(lib, a, b).sum(), (a, b), create_graph=True)
        second = lib.autograd.grad((ga * ga).sum() + (gb * ga).sum(), (a, b))
        results.append([g.detach().numpy() for g in second])
    for ours, theirs in zip(results[1], results[0]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-9)
