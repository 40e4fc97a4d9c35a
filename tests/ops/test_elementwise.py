"""Oracle tests for elementwise arithmetic and math (elementwise.py) and the arithmetic Python
operators: values, dtypes, shapes and gradients against torch, float64 gradchecks, double
backward (create_graph=True) and error parity."""
import numpy as np
import pytest
import torch

import glasstorch as gt
from tests.oracle.harness import check, check_error, gradcheck_fn, sample

# NumPy warns on log(0), arcsin(2) …; PyTorch silently gives inf/nan, as we do
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

# name -> (fn(lib, x), low, high, avoid): the sampling domain keeps each op smooth
UNARY = {
    "exp": (lambda t, x: t.exp(x), -2, 2, ()),
    "exp2": (lambda t, x: t.exp2(x), -2, 2, ()),
    "expm1": (lambda t, x: t.expm1(x), -2, 2, ()),
    "log": (lambda t, x: t.log(x), 0.2, 3, ()),
    "log2": (lambda t, x: t.log2(x), 0.2, 3, ()),
    "log10": (lambda t, x: t.log10(x), 0.2, 3, ()),
    "log1p": (lambda t, x: t.log1p(x), -0.8, 2, ()),
    "sqrt": (lambda t, x: t.sqrt(x), 0.2, 3, ()),
    "rsqrt": (lambda t, x: t.rsqrt(x), 0.2, 3, ()),
    "reciprocal": (lambda t, x: t.reciprocal(x), -2, 2, (0.0,)),
    "sin": (lambda t, x: t.sin(x), -3, 3, ()),
    "cos": (lambda t, x: t.cos(x), -3, 3, ()),
    "tan": (lambda t, x: t.tan(x), -1.2, 1.2, ()),
    "asin": (lambda t, x: t.asin(x), -0.9, 0.9, ()),
    "acos": (lambda t, x: t.acos(x), -0.9, 0.9, ()),
    "atan": (lambda t, x: t.atan(x), -3, 3, ()),
    "sinh": (lambda t, x: t.sinh(x), -2, 2, ()),
    "cosh": (lambda t, x: t.cosh(x), -2, 2, ()),
    "tanh": (lambda t, x: t.tanh(x), -2, 2, ()),
    "asinh": (lambda t, x: t.asinh(x), -2, 2, ()),
    "acosh": (lambda t, x: t.acosh(x), 1.2, 3, ()),
    "atanh": (lambda t, x: t.atanh(x), -0.8, 0.8, ()),
    "sigmoid": (lambda t, x: t.sigmoid(x), -4, 4, ()),
    "relu": (lambda t, x: t.relu(x), -2, 2, (0.0,)),
    "erf": (lambda t, x: t.erf(x), -2, 2, ()),
    "erfc": (lambda t, x: t.erfc(x), -2, 2, ()),
    "erfinv": (lambda t, x: t.erfinv(x), -0.9, 0.9, ()),
    "abs": (lambda t, x: t.abs(x), -2, 2, (0.0,)),
    "neg": (lambda t, x: t.neg(x), -2, 2, ()),
    "square": (lambda t, x: t.square(x), -2, 2, ()),
    "sign": (lambda t, x: t.sign(x), -2, 2, (0.0,)),
    "method_exp": (lambda t, x: x.exp(), -2, 2, ()),
    "method_arcsin": (lambda t, x: x.arcsin(), -0.9, 0.9, ()),
    "method_absolute": (lambda t, x: x.absolute(), -2, 2, (0.0,)),
    "method_negative": (lambda t, x: x.negative(), -2, 2, ()),
    "op_neg": (lambda t, x: -x, -2, 2, ()),
    "op_abs": (lambda t, x: abs(x), -2, 2, (0.0,)),
    "op_pos": (lambda t, x: +x, -2, 2, ()),
}
SHAPES = [(3, 4), (), (0, 3), (2, 1, 5)]


@pytest.mark.parametrize("name", list(UNARY))
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_unary_oracle(name, shape):
    fn, low, high, avoid = UNARY[name]
    check(fn, [sample(shape, low=low, high=high, avoid=avoid)], rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", list(UNARY))
def test_unary_non_contiguous_and_float64(name):
    fn, low, high, avoid = UNARY[name]
    x = sample((4, 3), low=low, high=high, avoid=avoid)
    check(lambda t, x: fn(t, x.transpose(0, 1)), [x], rtol=1e-5, atol=1e-5)
    check(fn, [x.astype(np.float64)], rtol=1e-7, atol=1e-8)


@pytest.mark.parametrize("name", list(UNARY))
def test_unary_float16_keeps_dtype(name):
    fn, low, high, avoid = UNARY[name]
    check(fn, [sample((6,), "float16", low=low, high=high, avoid=avoid)], grad=False,
          rtol=2e-3, atol=2e-3)


FLOAT_VALUED = ["exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sqrt", "rsqrt",
                "reciprocal", "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh",
                "tanh", "asinh", "acosh", "atanh", "sigmoid", "erf", "erfc", "erfinv"]


@pytest.mark.parametrize("name", FLOAT_VALUED)
@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "bool"])
def test_unary_float_ops_on_integers_give_default_float(name, dtype):
    fn = UNARY[name][0]
    x = np.array([0, 1, 2, 3]).astype(dtype)
    check(fn, [x], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ["abs", "neg", "sign", "square", "relu", "op_neg", "op_abs"])
@pytest.mark.parametrize("dtype", ["int64", "int32", "int16", "int8", "uint8"])
def test_integer_preserving_unary(name, dtype):
    check(UNARY[name][0], [sample((7,), dtype)])


def test_bool_unary_cases():
    b = np.array([True, False, True])
    check(lambda t, x: t.sign(x), [b])
    check(lambda t, x: t.square(x), [b])
    check_error(lambda t: -t.tensor([True]))
    check_error(lambda t: t.neg(t.tensor([True])))
    check_error(lambda t: t.abs(t.tensor([True])))
    check_error(lambda t: t.relu(t.tensor([True])))
    check_error(lambda t: +t.tensor([True]))


@pytest.mark.parametrize("name", [n for n in UNARY if n not in ("sign",)])
def test_unary_gradcheck(name):
    fn, low, high, avoid = UNARY[name]
    gradcheck_fn(fn, [sample((5,), "float64", low=low, high=high, avoid=avoid)])


def test_kinks_follow_torch():
    """abs' gradient at 0 is 0, relu's gradient at 0 is 0, sign's is 0 everywhere."""
    x = np.array([-1.0, 0.0, 2.0], dtype=np.float32)
    for fn in (lambda t, x: t.abs(x), lambda t, x: t.relu(x), lambda t, x: t.sign(x)):
        check(fn, [x])


def test_special_values():
    x = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1.0, -1.0, 1e-30], dtype=np.float32)
    for name in ["exp", "log", "sqrt", "rsqrt", "reciprocal", "sigmoid", "tanh", "erfinv",
                 "erf", "log1p", "expm1", "sign", "abs", "atan"]:
        check(UNARY[name][0], [x], grad=False)


# ---------------------------------------------------------------------------------------------
# binary arithmetic
# ---------------------------------------------------------------------------------------------
BINARY = {
    "add": (lambda t, a, b: t.add(a, b), None),
    "add_alpha": (lambda t, a, b: t.add(a, b, alpha=2.5), None),
    "sub": (lambda t, a, b: t.sub(a, b), None),
    "sub_alpha": (lambda t, a, b: a.sub(b, alpha=-3), None),
    "subtract": (lambda t, a, b: t.subtract(a, b), None),
    "rsub": (lambda t, a, b: t.rsub(a, b), None),
    "mul": (lambda t, a, b: t.mul(a, b), None),
    "multiply": (lambda t, a, b: a.multiply(b), None),
    "div": (lambda t, a, b: t.div(a, b), "nonzero_b"),
    "true_divide": (lambda t, a, b: t.true_divide(a, b), "nonzero_b"),
    "pow": (lambda t, a, b: t.pow(a, b), "positive_a"),
    "atan2": (lambda t, a, b: t.atan2(a, b), "nonzero_b"),
    "op_add": (lambda t, a, b: a + b, None),
    "op_sub": (lambda t, a, b: a - b, None),
    "op_mul": (lambda t, a, b: a * b, None),
    "op_div": (lambda t, a, b: a / b, "nonzero_b"),
    "op_pow": (lambda t, a, b: a ** b, "positive_a"),
    "op_mod": (lambda t, a, b: a % b, "nonzero_b"),
}
PAIRS = [((3, 4), (3, 4)), ((3, 4), (4,)), ((), (2, 3)), ((2, 1, 3), (4, 3)), ((0, 3), (3,)),
         ((5,), ())]


def _binary_inputs(kind, sa, sb, dtype="float32"):
    a = sample(sa, dtype, low=0.3, high=2.0) if kind == "positive_a" else sample(sa, dtype)
    b = sample(sb, dtype, avoid=(0.0,)) if kind == "nonzero_b" else sample(sb, dtype)
    return a, b


@pytest.mark.parametrize("name", list(BINARY))
@pytest.mark.parametrize("pair", PAIRS, ids=str)
def test_binary_oracle(name, pair):
    fn, kind = BINARY[name]
    check(fn, list(_binary_inputs(kind, *pair)), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", list(BINARY))
def test_binary_non_contiguous(name):
    fn, kind = BINARY[name]
    a, b = _binary_inputs(kind, (4, 3), (3, 4))
    check(lambda t, a, b: fn(t, a.transpose(0, 1), b), [a, b], rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", list(BINARY))
def test_binary_gradcheck(name):
    fn, kind = BINARY[name]
    gradcheck_fn(fn, list(_binary_inputs(kind, (2, 3), (3,), "float64")))


SCALAR_CASES = {
    "add_float": lambda t, a: a + 0.5,
    "radd_int": lambda t, a: 3 + a,
    "rsub": lambda t, a: 2 - a,
    "rsub_float": lambda t, a: 2.5 - a,
    "rmul": lambda t, a: 2 * a,
    "rdiv": lambda t, a: 1 / a,
    "div_int": lambda t, a: a / 3,
    "pow_int": lambda t, a: a ** 3,
    "pow_float": lambda t, a: a ** 2.5,
    "pow_neg": lambda t, a: a ** -2,
    "pow_zero": lambda t, a: a ** 0,
    "rpow": lambda t, a: 2 ** a,
    "rpow_float": lambda t, a: 1.5 ** a,
    "pow_fn_scalar_base": lambda t, a: t.pow(3, a),
    "sqrt_via_pow": lambda t, a: a ** 0.5,
    "add_np_float64": lambda t, a: a + np.float64(0.5),
    "mul_np_int": lambda t, a: a * np.int64(3),
}


@pytest.mark.parametrize("name", list(SCALAR_CASES))
def test_scalar_operands(name):
    check(SCALAR_CASES[name], [sample((3, 4), low=0.3, high=2.0)], rtol=1e-5, atol=1e-5)


def test_pow_gradient_conventions():
    """PyTorch masks the 0 * inf cases: d(0**b)/db is 0 for b >= 0, d(a**0)/da is 0."""
    a = np.array([0.0, 0.0, 2.0, 0.0], dtype=np.float32)
    b = np.array([0.0, 2.0, 0.0, 0.5], dtype=np.float32)
    check(lambda t, a, b: t.pow(a, b), [a, b])
    check(lambda t, a: a ** 0, [a])
    check(lambda t, b: 0.0 ** b, [b])


def test_integer_pow():
    a = np.array([2, -3, 1, -1, 0], dtype=np.int64)
    check(lambda t, a: a ** 2, [a])
    check(lambda t, a: 2 ** a.abs(), [a])
    check(lambda t, a: a ** 0.5, [np.abs(a)])
    # tensor exponents with negative entries: 1 ** -n = 1, (-1) ** -n = +-1, else 0
    check(lambda t, a, b: a ** b, [np.array([2, 1, -1, -1, 3]), np.array([-1, -3, -1, -2, 2])])
    check_error(lambda t: t.tensor([2, 3]) ** -1, match="negative integer powers")


def test_int_true_division_and_rounding_modes():
    a = np.array([7, -7, 6, 0], dtype=np.int64)
    b = np.array([2, 2, -4, 3], dtype=np.int64)
    check(lambda t, a, b: a / b, [a, b])
    check(lambda t, a, b: t.div(a, b, rounding_mode="floor"), [a, b])
    check(lambda t, a, b: t.div(a, b, rounding_mode="trunc"), [a, b])
    x = np.array([7.5, -7.5, 6.0, -0.5], dtype=np.float32)
    y = np.array([2.0, 2.0, -4.0, 3.0], dtype=np.float32)
    check(lambda t, a, b: t.div(a, b, rounding_mode="floor"), [x, y])
    check(lambda t, a, b: t.div(a, b, rounding_mode="trunc"), [x, y])
    check(lambda t, a: t.div(a, 2, rounding_mode="trunc"), [x])
    check_error(lambda t: t.div(t.ones(2), 2, rounding_mode="round"))


def test_alpha_rules():
    check_error(lambda t: t.add(t.tensor([1]), t.tensor([1]), alpha=2.5))
    check_error(lambda t: t.add(t.tensor([1.0]), t.tensor([1.0]), alpha=True))
    check(lambda t, a, b: t.add(a, b, alpha=2), [np.array([1, 2]), np.array([3, 4])])
    check(lambda t, a: t.add(a, 2.5, alpha=2), [np.array([1, 2])])


def test_bool_arithmetic():
    a, b = np.array([True, False, True]), np.array([True, True, False])
    check(lambda t, a, b: a + b, [a, b])
    check(lambda t, a, b: a * b, [a, b])
    check(lambda t, a, b: a / b, [a, b])
    check(lambda t, a: a + 1, [a])
    check(lambda t, a: a * 2.5, [a])
    check(lambda t, a: a + True, [a])
    check_error(lambda t: t.tensor([True]) - t.tensor([False]), match="logical_xor")


def test_integer_scalar_wraps_like_torch():
    check(lambda t, a: a + (-1), [np.array([1, 0, 255], dtype=np.uint8)])
    check(lambda t, a: a + 1000, [np.array([1, -5], dtype=np.int8)])


def test_out_argument():
    for lib in (torch, gt):
        out = lib.empty(3)
        r = lib.add(lib.tensor([1.0, 2.0, 3.0]), 1, out=out)
        assert r is out and out.tolist() == [2.0, 3.0, 4.0]
        lib.exp(lib.zeros(3), out=out)
        assert out.tolist() == [1.0, 1.0, 1.0]


# ---------------------------------------------------------------------------------------------
# double backward (create_graph=True) against torch
# ---------------------------------------------------------------------------------------------
def _second_derivatives(lib, fn, arrays):
    xs = [lib.tensor(a, requires_grad=True) for a in arrays]
    y = fn(lib, *xs)
    rng = np.random.default_rng(7)
    v = lib.tensor(rng.standard_normal(tuple(y.shape)))
    firsts = lib.autograd.grad(y, xs, v, create_graph=True)
    total = sum((f * f).sum() for f in firsts)
    return [g.detach().numpy() for g in lib.autograd.grad(total, xs, allow_unused=True)
            if g is not None]


DOUBLE = {
    "sin": (lambda t, x: t.sin(x), [(4,)], -2, 2),
    "cos": (lambda t, x: x.cos(), [(4,)], -2, 2),
    "cube": (lambda t, x: x ** 3, [(4,)], -2, 2),
    "cube_0d": (lambda t, x: x ** 3, [()], 0.5, 2),
    "sigmoid": (lambda t, x: t.sigmoid(x), [(4,)], -2, 2),
    "sigmoid_0d": (lambda t, x: t.sigmoid(x), [()], -2, 2),
    "tanh": (lambda t, x: t.tanh(x), [(4,)], -2, 2),
    "exp_0d": (lambda t, x: t.exp(x), [()], -2, 2),
    "log": (lambda t, x: t.log(x), [(4,)], 0.5, 2),
    "sqrt": (lambda t, x: t.sqrt(x), [(4,)], 0.5, 2),
    "erf": (lambda t, x: t.erf(x), [(4,)], -1, 1),
    "atan": (lambda t, x: t.atan(x), [(4,)], -1, 1),
    "asin": (lambda t, x: t.asin(x), [(4,)], -0.8, 0.8),
    "sinh": (lambda t, x: t.sinh(x), [(4,)], -1, 1),
    "reciprocal": (lambda t, x: t.reciprocal(x), [(4,)], 0.5, 2),
    "mul_broadcast": (lambda t, a, b: a * b * a, [(3, 4), (4,)], -2, 2),
    "div": (lambda t, a, b: a / b, [(3,), (3,)], 0.5, 2),
    "pow_tensor": (lambda t, a, b: a ** b, [(3,), (3,)], 0.5, 2),
    "rpow": (lambda t, x: 2.0 ** x, [(3,)], -1, 1),
    "atan2": (lambda t, a, b: t.atan2(a, b), [(3,), (3,)], 0.5, 2),
}


@pytest.mark.parametrize("name", list(DOUBLE))
def test_double_backward(name):
    fn, shapes, low, high = DOUBLE[name]
    arrays = [sample(s, "float64", low=low, high=high) for s in shapes]
    ours = _second_derivatives(gt, fn, arrays)
    theirs = _second_derivatives(torch, fn, arrays)
    assert len(ours) == len(theirs)
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(o, t, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("name", ["sin", "cube", "sigmoid", "mul_broadcast", "pow_tensor"])
def test_gradgradcheck(name):
    fn, shapes, low, high = DOUBLE[name]
    xs = [gt.tensor(sample(s, "float64", low=low, high=high), requires_grad=True)
          for s in shapes]
    assert gt.autograd.gradgradcheck(lambda *a: fn(gt, *a), xs)


# ---------------------------------------------------------------------------------------------
# in-place and augmented assignment
# ---------------------------------------------------------------------------------------------
AUGMENTED = {
    "iadd": lambda x, y: x.__iadd__(y),
    "isub": lambda x, y: x.__isub__(y),
    "imul": lambda x, y: x.__imul__(y),
    "itruediv": lambda x, y: x.__itruediv__(y),
    "ipow": lambda x, y: x.__ipow__(y),
    "ifloordiv": lambda x, y: x.__ifloordiv__(y),
    "imod": lambda x, y: x.__imod__(y),
}


@pytest.mark.parametrize("name", list(AUGMENTED))
def test_augmented_keeps_identity_and_values(name):
    results = []
    for lib in (torch, gt):
        x = lib.tensor([1.5, 2.0, 3.0])
        view = x[1:]
        before = id(x)
        x2 = AUGMENTED[name](x, lib.tensor([2.0, 0.5, 1.5]))
        assert x2 is x and id(x) == before
        results.append((x.tolist(), view.tolist()))
    np.testing.assert_allclose(results[1][0], results[0][0], rtol=1e-6)
    np.testing.assert_allclose(results[1][1], results[0][1], rtol=1e-6)


def test_augmented_on_leaf_requiring_grad_raises():
    def fn(t):
        x = t.ones(3, requires_grad=True)
        x += 1
    check_error(fn, match="leaf Variable")
    with gt.no_grad():  # allowed under no_grad (optimizer updates)
        w = gt.ones(3, requires_grad=True)
        w -= 0.5
    assert w.tolist() == [0.5, 0.5, 0.5] and w.requires_grad


def test_augmented_int_with_float_raises():
    def fn(t):
        x = t.tensor([1, 2])
        x += 0.5
    check_error(fn, match="can't be cast")


def test_inplace_methods_in_graph():
    def fn(t, x):
        y = x * 1
        y.mul_(x).add_(2).sin_()
        y.clamp_(-0.5, 0.5)
        return y
    check(fn, [sample((5,))])
    check(lambda t, x: (x * 1).pow_(2).add_(1).sqrt_(), [sample((4,))])


# ---------------------------------------------------------------------------------------------
# errors
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("op", [
    lambda a, b: a + b, lambda a, b: a - b, lambda a, b: a * b, lambda a, b: a / b,
    lambda a, b: a ** b, lambda a, b: a // b, lambda a, b: a % b,
    lambda a, b: a.atan2(b), lambda a, b: a.add(b, alpha=2)])
@pytest.mark.parametrize("shapes", [((2, 3), (4,)), ((3,), (2, 4)), ((2, 1, 3), (4, 2))],
                         ids=str)
def test_broadcast_errors_name_both_sizes(op, shapes):
    sa, sb = shapes
    ours = check_error(lambda t: op(t.ones(sa), t.ones(sb)))
    theirs = None
    try:
        op(torch.ones(sa), torch.ones(sb))
    except RuntimeError as e:
        theirs = str(e)
    assert str(ours) == theirs


def test_type_errors():
    check_error(lambda t: t.exp(2.0))
    check_error(lambda t: t.sin([1.0, 2.0]))
    check_error(lambda t: t.tensor([1.0]) + [1.0])
    check_error(lambda t: t.tensor([1.0]) * "a")
    check_error(lambda t: t.atan2(t.ones(2), 1.0))


# every in-place method of this family: x.name_(*args) against torch (values, dtype, identity)
INPLACE = [
    ("add_", (0.5,)), ("sub_", (0.5,)), ("subtract_", (1,)), ("mul_", (2,)),
    ("multiply_", (2,)), ("div_", (4,)), ("divide_", (4,)), ("true_divide_", (2,)),
    ("floor_divide_", (0.7,)), ("remainder_", (0.7,)), ("fmod_", (0.7,)), ("pow_", (2,)),
    ("square_", ()), ("neg_", ()), ("negative_", ()), ("abs_", ()), ("absolute_", ()),
    ("sign_", ()), ("sgn_", ()), ("exp_", ()), ("exp2_", ()), ("expm1_", ()), ("log_", ()),
    ("log2_", ()), ("log10_", ()), ("log1p_", ()), ("sqrt_", ()), ("rsqrt_", ()),
    ("reciprocal_", ()), ("sin_", ()), ("cos_", ()), ("tan_", ()), ("asin_", ()),
    ("arcsin_", ()), ("acos_", ()), ("arccos_", ()), ("atan_", ()), ("arctan_", ()),
    ("atan2_", (0.5,)), ("arctan2_", (0.5,)), ("sinh_", ()), ("cosh_", ()), ("tanh_", ()),
    ("asinh_", ()), ("arcsinh_", ()), ("atanh_", ()), ("arctanh_", ()), ("sigmoid_", ()),
    ("relu_", ()), ("erf_", ()), ("erfc_", ()), ("erfinv_", ()), ("floor_", ()),
    ("ceil_", ()), ("round_", ()), ("trunc_", ()), ("fix_", ()), ("frac_", ()),
    ("clamp_", (0.2, 0.6)), ("clip_", (0.2, 0.6)), ("clamp_min_", (0.3,)),
    ("clamp_max_", (0.3,)), ("lerp_", (1.0, 0.3)), ("addcmul_", (0.5, 0.5)),
    ("addcdiv_", (0.5, 0.5)),
]


@pytest.mark.parametrize("name,args", INPLACE, ids=[n for n, _ in INPLACE])
def test_every_inplace_method(name, args):
    x = sample((2, 3), low=0.1, high=0.9)
    results = []
    for lib in (torch, gt):
        t = lib.tensor(x.copy())
        # tensor arguments where the method needs them (atan2_, lerp_, addcmul_ …)
        largs = [lib.full((3,), a) if name.split("_")[0] in ("atan2", "arctan2", "lerp",
                                                              "addcmul", "addcdiv")
                 and i < (1 if name.startswith(("atan2", "arctan2", "lerp")) else 2)
                 else a for i, a in enumerate(args)]
        before = id(t)
        r = getattr(t, name)(*largs)
        assert r is t and id(t) == before
        results.append(t)
    assert str(results[1].dtype) == str(results[0].dtype)
    np.testing.assert_allclose(results[1].numpy(), results[0].numpy(), rtol=1e-5, atol=1e-6)
