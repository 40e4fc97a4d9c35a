"""Oracle tests for the ops of division.py, rounding.py, minmax.py, where.py and
fused_arithmetic.py: integer-style division, rounding, clamp, maximum/minimum, fmax/fmin, where,
lerp, logaddexp, addcmul/addcdiv (values, dtypes, gradients at the kinks, gradchecks, double
backward, errors)."""
import numpy as np
import pytest
import torch

import glasstorch as gt
from tests.oracle.harness import check, check_error, gradcheck_fn, sample

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

SIGNS_A = np.array([7, -7, 7, -7, 6, 0, -1, 5], dtype=np.int64)
SIGNS_B = np.array([3, 3, -3, -3, 3, 4, 4, -1], dtype=np.int64)


# ---------------------------------------------------------------------------------------------
# floor_divide, remainder, fmod, div rounding modes
# ---------------------------------------------------------------------------------------------
DIVISIONS = {
    "floor_divide": lambda t, a, b: t.floor_divide(a, b),
    "op_floordiv": lambda t, a, b: a // b,
    "remainder": lambda t, a, b: t.remainder(a, b),
    "op_mod": lambda t, a, b: a % b,
    "fmod": lambda t, a, b: t.fmod(a, b),
    "div_floor": lambda t, a, b: t.div(a, b, rounding_mode="floor"),
    "div_trunc": lambda t, a, b: a.div(b, rounding_mode="trunc"),
}


@pytest.mark.parametrize("name", list(DIVISIONS))
@pytest.mark.parametrize("dtype", ["int64", "int32", "int16", "int8", "float32", "float64"])
def test_division_sign_conventions(name, dtype):
    a, b = SIGNS_A.astype(dtype), SIGNS_B.astype(dtype)
    check(DIVISIONS[name], [a, b], grad=False)
    check(DIVISIONS[name], [a + 0.5 if dtype.startswith("float") else a, b], grad=False)


@pytest.mark.parametrize("name", list(DIVISIONS))
def test_division_uint8_broadcast_and_scalars(name):
    a = np.array([[7, 0, 255], [9, 4, 2]], dtype=np.uint8)
    b = np.array([3, 5, 2], dtype=np.uint8)
    check(DIVISIONS[name], [a, b], grad=False)
    fn = DIVISIONS[name]
    check(lambda t, a: fn(t, a, 4), [SIGNS_A], grad=False)
    check(lambda t, a: fn(t, a, -2.5), [SIGNS_A.astype(np.float32)], grad=False)
    check(lambda t, a: fn(t, a, 2.5), [SIGNS_A], grad=False)  # int tensor, float scalar


def test_reflected_division_operators():
    check(lambda t, b: 7 // b, [SIGNS_B], grad=False)
    check(lambda t, b: -7 % b, [SIGNS_B], grad=False)
    check(lambda t, b: 5.5 % b, [SIGNS_B], grad=False)
    check(lambda t, b: t.remainder(5, b), [SIGNS_B], grad=False)
    check(lambda t, b: t.floor_divide(5, b), [SIGNS_B], grad=False)


def test_division_special_values():
    a = np.array([1.0, -1.0, 0.0, np.inf, np.nan, 5.0], dtype=np.float32)
    b = np.array([0.0, 0.0, 0.0, 2.0, 1.0, np.inf], dtype=np.float32)
    for name in DIVISIONS:
        check(DIVISIONS[name], [a, b], grad=False)


@pytest.mark.parametrize("name", ["remainder", "op_mod", "fmod", "div_floor", "div_trunc"])
def test_division_gradients(name):
    a = sample((3, 4), low=-5, high=5)
    b = sample((4,), low=0.7, high=2.0)
    b[::2] *= -1
    check(DIVISIONS[name], [a, b])
    gradcheck_fn(DIVISIONS[name], [a.astype(np.float64)[:2], b.astype(np.float64)])


def test_floor_divide_has_no_derivative_like_torch():
    def fn(t):
        x = t.tensor([1.5, 2.5], requires_grad=True)
        (x // 2).sum().backward()
    check_error(fn, match="floor_divide")


def test_division_errors():
    check_error(lambda t: t.tensor([1, 2]) // 0, match="ZeroDivisionError")
    check_error(lambda t: t.tensor([1, 2]) % t.tensor([1, 0]), match="ZeroDivisionError")
    check_error(lambda t: t.fmod(t.tensor([1, 2]), 0))
    check_error(lambda t: t.div(t.tensor([1, 2]), 0, rounding_mode="trunc"))
    check_error(lambda t: t.tensor([True]) // t.tensor([True]))
    check_error(lambda t: t.tensor([True]) % t.tensor([True]))
    check_error(lambda t: t.fmod(5, t.tensor([3])))
    check_error(lambda t: t.ones(2, 3) % t.ones(4))


# ---------------------------------------------------------------------------------------------
# rounding
# ---------------------------------------------------------------------------------------------
ROUNDING = {
    "floor": lambda t, x: t.floor(x),
    "ceil": lambda t, x: x.ceil(),
    "trunc": lambda t, x: t.trunc(x),
    "fix": lambda t, x: t.fix(x),
    "round": lambda t, x: t.round(x),
    "round_2": lambda t, x: t.round(x, decimals=2),
    "round_neg1": lambda t, x: x.round(decimals=-1),
    "frac": lambda t, x: t.frac(x),
}
TIES = np.array([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 0.49, 3.7, -3.7, 0.0, -0.0, 1.255, 15.0,
                 25.0, np.inf, -np.inf, np.nan], dtype=np.float32)


@pytest.mark.parametrize("name", list(ROUNDING))
def test_rounding_values_ties_and_specials(name):
    check(ROUNDING[name], [TIES], grad=False)
    check(ROUNDING[name], [TIES.astype(np.float64)], grad=False)


@pytest.mark.parametrize("name", list(ROUNDING))
@pytest.mark.parametrize("shape", [(3, 4), (), (0, 2)], ids=str)
def test_rounding_gradient(name, shape):
    """Rounding has a zero gradient (frac passes g through); torch still records a node."""
    check(ROUNDING[name], [sample(shape, low=-5, high=5, avoid=(-4, -3, -2, -1, 0, 1, 2, 3, 4))])


@pytest.mark.parametrize("name", ["floor", "ceil", "trunc", "round"])
@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8"])
def test_rounding_integers_unchanged(name, dtype):
    check(ROUNDING[name], [sample((5,), dtype)])


@pytest.mark.parametrize("name", list(ROUNDING))
def test_rounding_bool_errors(name):
    check_error(lambda t: ROUNDING[name](t, t.tensor([True, False])))


def test_rounding_integer_errors():
    check_error(lambda t: t.round(t.tensor([1, 2]), decimals=1))
    check_error(lambda t: t.frac(t.tensor([1, 2])))


def test_frac_gradcheck():
    gradcheck_fn(lambda t, x: t.frac(x), [sample((4,), "float64", avoid=(-1, 0, 1))])


# ---------------------------------------------------------------------------------------------
# clamp
# ---------------------------------------------------------------------------------------------
AT_BOUNDS = np.array([-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0], dtype=np.float32)
CLAMPS = {
    "both": lambda t, x: t.clamp(x, -1, 1),
    "min_only": lambda t, x: t.clamp(x, min=-0.5),
    "max_only": lambda t, x: x.clamp(max=0.5),
    "float_bounds": lambda t, x: t.clamp(x, -0.75, 0.25),
    "min_gt_max": lambda t, x: t.clamp(x, 1, -1),
    "clip": lambda t, x: t.clip(x, -1, 1),
    "clip_method": lambda t, x: x.clip(-1, 1),
    "clamp_min": lambda t, x: t.clamp_min(x, 0.0),
    "clamp_max": lambda t, x: x.clamp_max(0.5),
    "inplace": lambda t, x: (x * 1).clamp_(-1, 0.5),
    "clamp_min_": lambda t, x: (x * 1).clamp_min_(0.0),
}


@pytest.mark.parametrize("name", list(CLAMPS))
def test_clamp_inclusive_boundaries(name):
    """The gradient passes where min <= x <= max, boundaries included (PyTorch's choice)."""
    check(CLAMPS[name], [AT_BOUNDS])
    check(CLAMPS[name], [sample((3, 4))])
    check(CLAMPS[name], [sample(())])


def test_clamp_tensor_bounds():
    x = sample((3, 4))
    lo = sample((4,), low=-1.5, high=0)
    hi = sample((3, 1), low=0, high=1.5)
    check(lambda t, x, lo, hi: t.clamp(x, lo, hi), [x, lo, hi])
    check(lambda t, x, lo: t.clamp(x, min=lo), [x, lo])
    check(lambda t, x, hi: t.clamp(x, max=hi), [x, hi])
    check(lambda t, x, lo: t.clamp_min(x, lo), [x, lo])
    check(lambda t, x, hi: t.clamp_max(x, hi), [x, hi])
    check(lambda t, x, lo, hi: t.clamp(x, lo, hi), [x, hi, lo])  # min > max: out = max
    check(lambda t, x, lo: t.clamp(x, lo), [sample((4,)), sample((2, 4))])  # output broadcast
    check(lambda t, x, lo, hi: t.clamp(x, lo, hi), [sample((4,)), sample((4,), high=0),
                                                    sample((2, 4), low=0)], grad=False)
    gradcheck_fn(lambda t, x, lo, hi: t.clamp(x, lo, hi),
                 [x.astype(np.float64), lo.astype(np.float64), hi.astype(np.float64)])


def test_clamp_dtypes():
    ints = np.array([5, 1, -3, 2])
    check(lambda t, x: t.clamp(x, 0, 3), [ints])
    check(lambda t, x: t.clamp(x, 0.5), [ints])
    check(lambda t, x: t.clamp(x, 0, 1), [np.array([True, False])])
    check(lambda t, x, lo: t.clamp(x, lo), [ints, np.array([2])])
    check(lambda t, x, lo: t.clamp(x, lo), [sample((3,)), np.array([0.5])])
    check(lambda t, x: t.clamp(x, t.tensor(0.2, dtype=t.float64)), [sample((3,))])
    check(lambda t, x, lo: t.clamp(x, lo), [sample((3,)), np.array([0.5, 0.1, 0.0])])
    check(lambda t, x: t.clamp(x, -1, 1), [np.array([np.nan, 2.0], dtype=np.float32)],
          grad=False)


def test_clamp_errors():
    check_error(lambda t: t.clamp(t.ones(3)), match="At least one")
    check_error(lambda t: t.clamp(t.ones(3), 0, t.ones(3)))
    check_error(lambda t: t.clamp(t.ones(2, 3), t.zeros(4)))


# ---------------------------------------------------------------------------------------------
# maximum, minimum, fmax, fmin
# ---------------------------------------------------------------------------------------------
EXTREMA = {
    "maximum": lambda t, a, b: t.maximum(a, b),
    "minimum": lambda t, a, b: a.minimum(b),
    "fmax": lambda t, a, b: t.fmax(a, b),
    "fmin": lambda t, a, b: a.fmin(b),
}


@pytest.mark.parametrize("name", list(EXTREMA))
def test_extrema_ties_split_like_torch(name):
    a = np.array([1.0, 2.0, 3.0, -1.0, 0.0], dtype=np.float32)
    b = np.array([1.0, 1.0, 4.0, -1.0, 0.0], dtype=np.float32)
    check(EXTREMA[name], [a, b])


@pytest.mark.parametrize("name", list(EXTREMA))
@pytest.mark.parametrize("pair", [((3, 4), (4,)), ((), (2, 3)), ((0, 2), (2,))], ids=str)
def test_extrema_broadcast(name, pair):
    check(EXTREMA[name], [sample(pair[0]), sample(pair[1])])
    gradcheck_fn(EXTREMA[name], [sample(pair[0], "float64"), sample(pair[1], "float64")])


@pytest.mark.parametrize("name", list(EXTREMA))
def test_extrema_nan_and_dtypes(name):
    a = np.array([np.nan, 1.0, np.nan], dtype=np.float32)
    b = np.array([2.0, np.nan, np.nan], dtype=np.float32)
    check(EXTREMA[name], [a, b])
    check(EXTREMA[name], [np.array([1, 5, -2]), np.array([3, 2, -2])])
    check(EXTREMA[name], [np.array([1, 5, -2]), np.array([3.5, 2.0, -2.5], np.float32)])
    check(EXTREMA[name], [np.array([True, False]), np.array([False, False])])


def test_extrema_errors():
    check_error(lambda t: t.maximum(t.ones(2), 2))
    check_error(lambda t: t.minimum(t.ones(2, 3), t.ones(4)))


# ---------------------------------------------------------------------------------------------
# where
# ---------------------------------------------------------------------------------------------
def test_where_values_and_grads():
    cond = sample((3, 4), "bool")
    check(lambda t, c, a, b: t.where(c, a, b), [cond, sample((3, 4)), sample((3, 4))])
    check(lambda t, c, a, b: t.where(c, a, b), [cond, sample((4,)), sample((3, 1))])
    check(lambda t, c, a: t.where(c, a, 0.0), [cond, sample((3, 4))])
    check(lambda t, c, b: t.where(c, 2, b), [cond, sample(())])
    check(lambda t, c, a, b: a.where(c, b), [cond, sample((3, 4)), sample((4,))])
    check(lambda t, c, a, b: t.where(c, a, b), [sample((0, 4), "bool"), sample((4,)),
                                                sample((0, 1))])
    check(lambda t, c, a: t.where(c > 0, a, a * 2), [sample((5,)), sample((5,))])


def test_where_gradcheck():
    cond = gt.tensor(sample((3, 4), "bool"))
    gradcheck_fn(lambda t, a, b: t.where(cond, a, b), [sample((3, 4), "float64"),
                                                       sample((4,), "float64")])


def test_where_promotion():
    cond = np.array([True, False])
    check(lambda t, c: t.where(c, 1, 2.5), [cond])
    check(lambda t, c: t.where(c, 1, 2), [cond])
    check(lambda t, c, a: t.where(c, a, True), [cond, np.array([1, 2])])
    check(lambda t, c, a: t.where(c, a, 2.5), [cond, np.array([1, 2])])
    check(lambda t, c, a, b: t.where(c, a, b), [cond, sample((2,)), sample((2,), "float64")])
    check(lambda t, c, a: t.where(c, a, t.tensor(1.0, dtype=t.float64)), [cond, sample((2,))])


def test_where_single_argument_is_nonzero():
    c = np.array([[True, False], [False, True]])
    check(lambda t, c: t.where(c), [c])


def test_where_errors():
    check_error(lambda t: t.where(t.tensor([1, 0]), 1.0, 2.0))
    check_error(lambda t: t.where(t.tensor([True, False, True]), t.ones(4), t.ones(5)))
    check_error(lambda t: t.where(t.ones(2, 3) > 0, t.ones(4), 0.0))


# ---------------------------------------------------------------------------------------------
# lerp, logaddexp, addcmul, addcdiv
# ---------------------------------------------------------------------------------------------
TERNARY = {
    "lerp_scalar": (lambda t, a, b: t.lerp(a, b, 0.3), 2),
    "lerp_scalar_big": (lambda t, a, b: a.lerp(b, 0.8), 2),
    "lerp_tensor": (lambda t, a, b, w: t.lerp(a, b, w), 3),
    "logaddexp": (lambda t, a, b: t.logaddexp(a, b), 2),
    "addcmul": (lambda t, x, a, b: t.addcmul(x, a, b), 3),
    "addcmul_value": (lambda t, x, a, b: x.addcmul(a, b, value=-0.5), 3),
    "addcdiv": (lambda t, x, a, b: t.addcdiv(x, a, b), 3),
    "addcdiv_value": (lambda t, x, a, b: t.addcdiv(x, a, b, value=2), 3),
    "addcmul_": (lambda t, x, a, b: (x * 1).addcmul_(a, b, value=0.5), 3),
    "lerp_": (lambda t, a, b: (a * 1).lerp_(b, 0.25), 2),
}
TERNARY_SHAPES = [[(3, 4), (4,), (3, 1)], [(), (2,), ()], [(2, 3), (2, 3), (2, 3)],
                  [(0, 3), (3,), (1, 3)]]


def _ternary_inputs(name, shapes, dtype="float32"):
    n = TERNARY[name][1]
    arrays = [sample(s, dtype) for s in shapes[:n]]
    if name.startswith("addcdiv"):
        arrays[2] = sample(shapes[2], dtype, low=0.5, high=2.0)
    if name.startswith("lerp") and n == 3:
        arrays[2] = sample(shapes[2], dtype, low=0.0, high=1.0)
    return arrays


@pytest.mark.parametrize("name", list(TERNARY))
@pytest.mark.parametrize("shapes", TERNARY_SHAPES, ids=str)
def test_ternary_oracle(name, shapes):
    if name.endswith("_") and shapes[0] != (2, 3):
        pytest.skip("in place: self must already have the broadcast shape")
    check(TERNARY[name][0], _ternary_inputs(name, shapes), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", [n for n in TERNARY if not n.endswith("_")])
def test_ternary_gradcheck(name):
    gradcheck_fn(TERNARY[name][0], _ternary_inputs(name, [(2, 3), (3,), (2, 1)], "float64"))


def test_lerp_weights_and_dtypes():
    a, b = sample((4,)), sample((4,))
    check(lambda t, a, b: t.lerp(a, b, 1.0), [a, b])
    check(lambda t, a, b: t.lerp(a, b, 0.5), [a, b])
    check(lambda t, a, b: t.lerp(a, b, t.tensor(0.3, dtype=t.float64)), [a, b])
    check_error(lambda t: t.lerp(t.ones(3), t.ones(3, dtype=t.float64), 0.5))
    check_error(lambda t: t.lerp(t.ones(3), t.ones(3), t.ones(3, dtype=t.float64)))
    check_error(lambda t: t.lerp(t.ones(3, dtype=t.int64), t.ones(3, dtype=t.int64), 0.5))
    check_error(lambda t: t.lerp(t.ones(3), t.ones(4), 0.5))


def test_logaddexp_extremes_and_errors():
    a = np.array([1000.0, -1000.0, 0.0, -np.inf], dtype=np.float32)
    b = np.array([1000.0, -1000.0, 50.0, 1.0], dtype=np.float32)
    check(lambda t, a, b: t.logaddexp(a, b), [a, b])
    check_error(lambda t: t.logaddexp(t.tensor([1]), t.tensor([2])))


def test_addcmul_addcdiv_dtypes_and_errors():
    ints = np.array([5, 1])
    check(lambda t, x, a, b: t.addcmul(x, a, b, value=2), [ints, ints, ints])
    check(lambda t, x, a, b: t.addcmul(x, a, b), [sample((2,)), ints, ints], grad=False)
    check(lambda t, x, a, b: t.addcdiv(x, a, b), [sample((2,)), sample((2,)), ints], grad=False)
    check_error(lambda t: t.addcdiv(t.tensor([1]), t.tensor([2]), t.tensor([3])))
    check_error(lambda t: t.addcmul(t.ones(3), t.ones(4), t.ones(3)))


@pytest.mark.parametrize("name,fn", [
    ("maximum", lambda t, a, b: t.maximum(a, b) * a),
    ("clamp", lambda t, a, b: t.clamp(a, -0.5, 0.5) * a * b),
    ("where", lambda t, a, b: t.where(a > 0, a * a, b * a)),
    ("lerp", lambda t, a, b: t.lerp(a * a, b, 0.3) * b),
    ("logaddexp", lambda t, a, b: t.logaddexp(a, b)),
    ("addcdiv", lambda t, a, b: t.addcdiv(a, a, b * b + 1, value=0.5)),
    ("remainder", lambda t, a, b: t.remainder(a * a, b + 3)),
])
def test_double_backward(name, fn):
    a, b = sample((5,), "float64", avoid=(0.0, 0.5, -0.5)), sample((5,), "float64")
    results = []
    for lib in (torch, gt):
        x, y = lib.tensor(a, requires_grad=True), lib.tensor(b, requires_grad=True)
        gx, gy = lib.autograd.grad(fn(lib, x, y).sum(), (x, y), create_graph=True)
        second = lib.autograd.grad((gx * gx).sum() + (gy * gy).sum(), (x, y),
                                   allow_unused=True)
        results.append([None if s is None else s.detach().numpy() for s in second])
    for theirs, ours in zip(*results):
        # a gradient that is identically zero may come back as None on either side
        theirs = np.zeros_like(a) if theirs is None else theirs
        ours = np.zeros_like(a) if ours is None else ours
        np.testing.assert_allclose(ours, theirs, rtol=1e-7, atol=1e-9)
