"""Activations and softmax against PyTorch: values, dtypes, gradients, kinks, in-place forms,
double backward, error parity and the layers' reprs."""
import warnings

import numpy as np
import pytest
import torch

import glasstorch as gt
from tests.oracle.harness import check, gradcheck_fn, check_error, sample


def F(t):
    return t.nn.functional


def _even_dim(x):
    """The first dim of even size (glu halves a dim)."""
    return next(d for d in range(x.dim()) if x.shape[d] % 2 == 0)


# name -> (call, points to keep samples away from: the kinks)
ACTS = {
    "relu": (lambda t, x: F(t).relu(x), (0.0,)),
    "relu6": (lambda t, x: F(t).relu6(x), (0.0, 6.0)),
    "hardtanh": (lambda t, x: F(t).hardtanh(x, -0.5, 1.5), (-0.5, 1.5)),
    "leaky_relu": (lambda t, x: F(t).leaky_relu(x, 0.2), (0.0,)),
    "elu": (lambda t, x: F(t).elu(x, 0.7), (0.0,)),
    "selu": (lambda t, x: F(t).selu(x), (0.0,)),
    "celu": (lambda t, x: F(t).celu(x, 1.5), (0.0,)),
    "gelu": (lambda t, x: F(t).gelu(x), ()),
    "gelu_tanh": (lambda t, x: F(t).gelu(x, approximate="tanh"), ()),
    "silu": (lambda t, x: F(t).silu(x), ()),
    "mish": (lambda t, x: F(t).mish(x), ()),
    "hardswish": (lambda t, x: F(t).hardswish(x * 2), (-1.5, 1.5)),
    "hardsigmoid": (lambda t, x: F(t).hardsigmoid(x * 2), (-1.5, 1.5)),
    "sigmoid": (lambda t, x: F(t).sigmoid(x), ()),
    "tanh": (lambda t, x: F(t).tanh(x), ()),
    "softplus": (lambda t, x: F(t).softplus(x), ()),
    "softplus_beta": (lambda t, x: F(t).softplus(x, 2.0, 1.0), (0.5,)),
    "softsign": (lambda t, x: F(t).softsign(x), ()),
    "logsigmoid": (lambda t, x: F(t).logsigmoid(x), ()),
    "tanhshrink": (lambda t, x: F(t).tanhshrink(x), ()),
    "softshrink": (lambda t, x: F(t).softshrink(x, 0.6), (-0.6, 0.6)),
    "hardshrink": (lambda t, x: F(t).hardshrink(x, 0.6), (-0.6, 0.6)),
    "threshold": (lambda t, x: F(t).threshold(x, 0.3, -2.0), (0.3,)),
    "glu": (lambda t, x: F(t).glu(x, _even_dim(x)) if x.dim() else x * 1, ()),
    "softmax": (lambda t, x: F(t).softmax(x, -1), ()),
    "log_softmax": (lambda t, x: F(t).log_softmax(x, 0), ()),
    "softmin": (lambda t, x: F(t).softmin(x, -1), ()),
    "prelu_scalar": (lambda t, x: F(t).prelu(x, t.tensor([0.3], dtype=x.dtype)), (0.0,)),
}
SHAPES = [(4, 6), (), (0, 4), (2, 4, 3)]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("name", list(ACTS))
def test_activation_matches_torch(name, shape, dtype):
    fn, avoid = ACTS[name]
    check(fn, [sample(shape, dtype, low=-4, high=4, avoid=avoid)], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", list(ACTS))
def test_activation_non_contiguous_input(name):
    fn, avoid = ACTS[name]
    check(lambda t, x: fn(t, x.transpose(0, 1)[:, ::2]),
          [sample((6, 4), "float64", low=-4, high=4, avoid=avoid)])


@pytest.mark.parametrize("name", list(ACTS))
def test_activation_gradcheck(name):
    fn, avoid = ACTS[name]
    gradcheck_fn(fn, [sample((3, 4), "float64", low=-4, high=4, avoid=avoid)])


def test_large_inputs_do_not_overflow():
    x = np.array([-1000.0, -80.0, -30.0, 0.0, 30.0, 80.0, 1000.0], dtype=np.float32)
    for name in ("softplus", "logsigmoid", "silu", "mish", "elu", "selu", "gelu", "softmax",
                 "log_softmax", "softmin", "sigmoid"):
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            check(ACTS[name][0], [x])


# the exact kink points: values and gradients must follow PyTorch's conventions there
KINKS = {
    "relu6": (lambda t, x: F(t).relu6(x), [0.0, 6.0, -1.0, 3.0]),
    "hardtanh": (lambda t, x: F(t).hardtanh(x), [-1.0, 1.0, 0.0, 2.0]),
    "leaky_relu": (lambda t, x: F(t).leaky_relu(x, 0.1), [0.0, -1.0, 1.0]),
    "elu": (lambda t, x: F(t).elu(x, 2.0), [0.0, -1.0, 1.0]),
    "celu": (lambda t, x: F(t).celu(x, 2.0), [0.0, -1.0, 1.0]),
    "selu": (lambda t, x: F(t).selu(x), [0.0, -1.0]),
    "hardswish": (lambda t, x: F(t).hardswish(x), [-3.0, 3.0, 0.0, -4.0, 4.0]),
    "hardsigmoid": (lambda t, x: F(t).hardsigmoid(x), [-3.0, 3.0, 0.0]),
    "softshrink": (lambda t, x: F(t).softshrink(x, 1.0), [-1.0, 1.0, 0.0, 2.0]),
    "hardshrink": (lambda t, x: F(t).hardshrink(x, 1.0), [-1.0, 1.0, 0.0, 2.0]),
    "threshold": (lambda t, x: F(t).threshold(x, 1.0, 5.0), [1.0, 0.0, 2.0]),
    "softplus": (lambda t, x: F(t).softplus(x, 1.0, 3.0), [3.0, 2.99, 3.01]),
    "prelu": (lambda t, x: F(t).prelu(x, t.tensor([0.25])), [0.0, -1.0, 1.0]),
    "relu": (lambda t, x: F(t).relu(x), [0.0, -1.0, 1.0]),
}


@pytest.mark.parametrize("name", list(KINKS))
def test_gradient_at_kinks(name):
    fn, points = KINKS[name]
    check(fn, [np.array(points, dtype=np.float32)])


@pytest.mark.parametrize("name", ["relu", "relu6", "hardtanh", "threshold", "softsign",
                                  "tanhshrink", "sigmoid", "tanh"])
def test_integer_inputs_supported(name):
    fn = {"threshold": lambda t, x: F(t).threshold(x, 1, 5)}.get(name, ACTS[name][0])
    check(fn, [np.array([-2, 0, 3, 7], dtype=np.int64)])


@pytest.mark.parametrize("name", ["leaky_relu", "elu", "selu", "celu", "gelu", "silu", "mish",
                                  "hardswish", "hardsigmoid", "softplus", "logsigmoid",
                                  "softshrink", "hardshrink", "glu", "softmax", "log_softmax",
                                  "softmin"])
def test_integer_inputs_rejected(name):
    fn = ACTS[name][0]
    err = check_error(lambda t: fn(t, t.tensor([[-2, 0], [3, 7]])))
    assert "Long" in str(err)


@pytest.mark.parametrize("name", ["relu", "relu6", "hardtanh", "leaky_relu", "elu", "selu",
                                  "celu", "silu", "mish", "hardswish", "hardsigmoid",
                                  "threshold"])
def test_inplace_forms(name):
    kwargs = {"threshold": (0.1, 2.0)}.get(name, ())

    def run(t, x):
        y = x * 1.0                      # a non-leaf, so it may be modified in place
        out = getattr(F(t), name)(y, *kwargs, inplace=True)
        assert out is y
        return out * 2

    check(run, [sample((3, 5), avoid=(0.0, 0.1, -1.0, 1.0, -3.0, 3.0))])


@pytest.mark.parametrize("name", ["relu_", "elu_", "selu_", "celu_", "leaky_relu_",
                                  "hardtanh_"])
def test_functional_underscore_forms(name):
    def run(t, x):
        y = x * 1.0
        out = getattr(F(t), name)(y)
        assert out is y
        return out

    check(run, [sample((4,), avoid=(0.0, -1.0, 1.0))])


def test_inplace_on_leaf_requiring_grad_is_an_error():
    check_error(lambda t: F(t).relu(t.ones(3, requires_grad=True), inplace=True))
    check_error(lambda t: F(t).elu_(t.ones(3, requires_grad=True)))


def test_torch_level_bindings():
    x = sample((3, 4))
    check(lambda t, a: t.softmax(a, 1), [x])
    check(lambda t, a: t.log_softmax(a, dim=0), [x])
    check(lambda t, a: a.softmax(-1), [x])
    check(lambda t, a: a.log_softmax(1, dtype=t.float64), [x])
    check(lambda t, a: t.selu(a) + t.celu(a, 0.5), [x], atol=1e-5)
    check(lambda t, a: t.prelu(a, t.tensor([0.1, 0.2, 0.3, 0.4])), [x])
    check(lambda t, a: a.hardshrink(0.5), [sample((3, 4), avoid=(-0.5, 0.5))])
    check(lambda t, a: t.threshold(a, 0.5, 1.0), [sample((3, 4), avoid=(0.5,))])
    check(lambda t, a: t.relu_(a * 1), [sample((3, 4), avoid=(0.0,))])


# ---------------------------------------------------------------------------------- prelu
@pytest.mark.parametrize("shape", [(4, 3), (2, 3, 5), (2, 3, 2, 2)], ids=str)
def test_prelu_per_channel(shape):
    w = np.array([0.1, -0.3, 0.5], dtype=np.float32)
    check(lambda t, x, w: F(t).prelu(x, w), [sample(shape, avoid=(0.0,)), w])


def test_prelu_scalar_weight_on_any_shape():
    check(lambda t, x, w: F(t).prelu(x, w), [sample((5,), avoid=(0.0,)),
                                              np.array([0.2], np.float32)])
    check(lambda t, x, w: F(t).prelu(x, w), [sample((), avoid=(0.0,)),
                                              np.array(0.2, np.float32)])
    gradcheck_fn(lambda t, x, w: F(t).prelu(x, w),
                 [sample((2, 3, 2), "float64", avoid=(0.0,)), np.array([0.1, 0.2, 0.3])])


def test_prelu_errors():
    check_error(lambda t: F(t).prelu(t.randn(2, 3), t.ones(2)), match="channel size = 3")
    check_error(lambda t: F(t).prelu(t.randn(3), t.ones(3)))
    check_error(lambda t: F(t).prelu(t.randn(2, 3), t.ones(3, 1)))


# ---------------------------------------------------------------------------------- softmax
@pytest.mark.parametrize("dim", [0, 1, 2, -1, -3])
@pytest.mark.parametrize("name", ["softmax", "log_softmax", "softmin"])
def test_softmax_family_dims(name, dim):
    check(lambda t, x: getattr(F(t), name)(x, dim), [sample((2, 3, 4), low=-5, high=5)])


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "softmin"])
def test_softmax_dtype_argument(name):
    check(lambda t, x: getattr(F(t), name)(x, 1, dtype=t.float64), [sample((3, 4))])
    check(lambda t, x: getattr(F(t), name)(x, 0, dtype=t.float32),
          [np.array([1, 2, 3], dtype=np.int64)])


@pytest.mark.parametrize("ndim", [0, 1, 2, 3, 4])
@pytest.mark.parametrize("name", ["softmax", "log_softmax", "softmin"])
def test_softmax_implicit_dim_warns_and_matches_torch(name, ndim):
    x = sample((2, 3, 2, 2)[:ndim])
    for lib in (torch, gt):
        with pytest.warns(UserWarning, match="Implicit dimension choice"):
            getattr(F(lib), name)(lib.tensor(x))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check(lambda t, a: getattr(F(t), name)(a), [x])


def test_softmax_0d_and_huge_values():
    check(lambda t, x: F(t).softmax(x, 0), [np.array(3.0, np.float32)])
    check(lambda t, x: F(t).log_softmax(x, -1), [np.array(3.0, np.float32)])
    big = np.array([[1000.0, 999.0, -1000.0], [-1e4, -1e4, -1e4]], np.float32)
    check(lambda t, x: F(t).softmax(x, 1), [big])
    check(lambda t, x: F(t).log_softmax(x, 1), [big])


def test_softmax_errors():
    check_error(lambda t: F(t).softmax(t.randn(2, 3), 2))
    check_error(lambda t: F(t).log_softmax(t.randn(2, 3), -3))
    check_error(lambda t: F(t).softmax(t.tensor([1, 2]), 0))


def test_softmax_module_dim_none_warns():
    for lib in (torch, gt):
        with pytest.warns(UserWarning):
            lib.nn.Softmax()(lib.ones(2, 3))


# ---------------------------------------------------------------------------------- glu
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_glu_dims(dim):
    check(lambda t, x: F(t).glu(x, dim), [sample((4, 6, 2))])
    gradcheck_fn(lambda t, x: F(t).glu(x, dim), [sample((2, 4, 2), "float64")])


def test_error_parity():
    check_error(lambda t: F(t).glu(t.randn(3)), match="even")
    check_error(lambda t: F(t).glu(t.tensor(1.0)))
    check_error(lambda t: F(t).hardtanh(t.randn(3), 2.0, 1.0))
    check_error(lambda t: F(t).softshrink(t.randn(3), -1.0))
    check_error(lambda t: F(t).gelu(t.randn(3), approximate="fast"))
    check_error(lambda t: F(t).celu(t.randn(3), 0.0))
    check_error(lambda t: F(t).relu([1.0, 2.0]))
    check_error(lambda t: t.nn.Hardtanh(1.0, 1.0))
    check_error(lambda t: t.nn.Softmax2d()(t.ones(2, 2)))


# ---------------------------------------------------------------------------------- double backward
@pytest.mark.parametrize("name", ["softmax", "log_softmax", "softmin", "gelu", "gelu_tanh",
                                  "silu", "elu", "selu", "celu", "softplus", "logsigmoid",
                                  "tanhshrink", "softsign", "hardswish", "sigmoid", "tanh"])
def test_double_backward_matches_torch(name):
    fn, avoid = ACTS[name]
    x = sample((3, 4), "float64", avoid=avoid)
    rng = np.random.default_rng(7)
    v, w = rng.standard_normal((2, 3, 4))
    results = []
    for lib in (torch, gt):
        xt = lib.tensor(x, requires_grad=True)
        y = fn(lib, xt)
        (gx,) = lib.autograd.grad(y, xt, lib.tensor(v), create_graph=True)
        (gx * lib.tensor(w)).sum().backward()
        results.append((gx.detach().numpy(), xt.grad.numpy()))
    np.testing.assert_allclose(results[1][0], results[0][0], rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(results[1][1], results[0][1], rtol=1e-6, atol=1e-8)


# ---------------------------------------------------------------------------------- layers
MODULES = [
    ("ReLU", (), {}), ("ReLU", (True,), {}), ("ReLU6", (), {}), ("ReLU6", (True,), {}),
    ("LeakyReLU", (), {}), ("LeakyReLU", (0.2, True), {}), ("PReLU", (), {}),
    ("PReLU", (3,), {"init": 0.1}), ("ELU", (), {}), ("ELU", (0.5, True), {}), ("SELU", (), {}),
    ("SELU", (True,), {}), ("CELU", (2.0,), {}), ("GELU", (), {}),
    ("GELU", (), {"approximate": "tanh"}), ("SiLU", (), {}), ("SiLU", (True,), {}),
    ("Mish", (), {}), ("Hardswish", (), {}), ("Hardsigmoid", (), {}), ("Hardtanh", (), {}),
    ("Hardtanh", (-2, 2, True), {}), ("Sigmoid", (), {}), ("Tanh", (), {}),
    ("Softmax", (), {"dim": 1}), ("Softmax", (), {}), ("LogSoftmax", (0,), {}),
    ("Softmin", (-1,), {}), ("Softmax2d", (), {}), ("Softplus", (), {}),
    ("Softplus", (2, 10), {}), ("Softsign", (), {}), ("LogSigmoid", (), {}),
    ("Tanhshrink", (), {}), ("Softshrink", (), {}), ("Hardshrink", (0.3,), {}),
    ("Threshold", (0.1, 20), {}), ("Threshold", (0.1, 20.0, True), {}), ("GLU", (), {}),
    ("GLU", (0,), {}),
]


@pytest.mark.parametrize("name,args,kwargs", MODULES, ids=lambda v: str(v))
def test_module_repr_matches_torch(name, args, kwargs):
    assert repr(getattr(gt.nn, name)(*args, **kwargs)) == \
        repr(getattr(torch.nn, name)(*args, **kwargs))


@pytest.mark.parametrize("name,args,kwargs", [m for m in MODULES if m[0] != "Softmax2d"
                                              and not (m[0] == "Softmax" and not m[2])],
                         ids=lambda v: str(v))
def test_module_forward_matches_torch(name, args, kwargs):
    x = sample((2, 3, 4), avoid=(0.0, 0.1, 0.3, 0.5, -0.5, 1.0, -1.0, 2.0, -2.0, 3.0, -3.0))

    def run(t, a):
        m = getattr(t.nn, name)(*args, **kwargs)
        return m(a * 1.0)   # a non-leaf, as the in-place variants need

    check(run, [x])


def test_softmax2d_module():
    check(lambda t, x: t.nn.Softmax2d()(x), [sample((2, 3, 2, 2))])
    check(lambda t, x: t.nn.Softmax2d()(x), [sample((3, 2, 2))])


def test_prelu_module_parameters_and_grad():
    ours, theirs = gt.nn.PReLU(3), torch.nn.PReLU(3)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    np.testing.assert_array_equal(ours.weight.detach().numpy(), theirs.weight.detach().numpy())
    x = sample((4, 3, 5), avoid=(0.0,))
    up = np.random.default_rng(0).standard_normal((4, 3, 5)).astype(np.float32)
    ours(gt.tensor(x)).backward(gt.tensor(up))
    theirs(torch.tensor(x)).backward(torch.tensor(up))
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=1e-5,
                               atol=1e-5)   # a float32 sum of 20 products: rounding differs
    assert gt.nn.PReLU(2, dtype=gt.float64).weight.dtype == gt.float64


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("size", [1023, 1024, 4000])
def test_sigmoid_on_both_sides_of_the_three_pass_threshold(dtype, size):
    """Small arrays use expit, large ones 1 / (1 + exp(-x)) in place: the same values as
    PyTorch either way, including +-inf, NaN and inputs whose exp overflows."""
    x = (np.random.default_rng(0).standard_normal(size) * 30).astype(dtype)
    x[:6] = [np.inf, -np.inf, np.nan, 100.0, -100.0, 0.0]
    ours = gt.sigmoid(gt.tensor(x)).numpy()
    theirs = torch.sigmoid(torch.tensor(x)).numpy()
    assert ours.dtype == theirs.dtype
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=0)
