"""nn.init against PyTorch: gains and fans exactly, deterministic fillers (constant_, eye_,
dirac_ …) value for value, random initialisers by their distributions (bounds, moments, shape
properties; the RNG streams differ, so draws are never compared), in-place semantics and
error parity."""
import math
import warnings

import numpy as np
import pytest
import torch
from scipy import stats

import glasstorch as gt
from tests.oracle.harness import check_error

NONLINEARITIES = ["linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
                  "conv_transpose2d", "conv_transpose3d", "sigmoid", "tanh", "relu",
                  "leaky_relu", "selu"]


def _np(t):
    return t.detach().numpy()


def _pair(shape, dtype="float32"):
    """An empty glasstorch tensor and an empty torch tensor of the same shape and dtype."""
    return (gt.empty(shape, dtype=getattr(gt, dtype)),
            torch.empty(shape, dtype=getattr(torch, dtype)))


# ---------------------------------------------------------------------------------------------
# gains and fans
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", NONLINEARITIES)
def test_calculate_gain(name):
    ours, theirs = gt.nn.init.calculate_gain(name), torch.nn.init.calculate_gain(name)
    assert ours == pytest.approx(theirs, rel=1e-15) and type(ours) is type(theirs)


@pytest.mark.parametrize("param", [None, 0.2, 0, 1, 3, 0.0, -0.5])
def test_calculate_gain_leaky_relu_param(param):
    assert gt.nn.init.calculate_gain("leaky_relu", param) == \
        pytest.approx(torch.nn.init.calculate_gain("leaky_relu", param), rel=1e-15)
    # the slope is only read by leaky_relu
    assert gt.nn.init.calculate_gain("relu", param) == torch.nn.init.calculate_gain("relu", param)


@pytest.mark.parametrize("args", [("softmax",), ("ReLU",), ("leaky_relu", True),
                                  ("leaky_relu", "0.1"), ("leaky_relu", [0.1])])
def test_calculate_gain_errors(args):
    check_error(lambda t: t.nn.init.calculate_gain(*args))


@pytest.mark.parametrize("shape", [(3, 4), (5, 1), (6, 2, 3), (6, 2, 3, 3), (2, 4, 1, 2, 3),
                                   (0, 4), (3, 0, 2)])
def test_fan_in_and_fan_out(shape):
    ours = gt.nn.init._calculate_fan_in_and_fan_out(gt.empty(shape))
    assert ours == torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))


@pytest.mark.parametrize("shape", [(), (4,)])
def test_fan_needs_two_dims(shape):
    check_error(lambda t: t.nn.init._calculate_fan_in_and_fan_out(t.empty(shape)),
                match="fewer than 2 dimensions")
    for fn in ("xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_"):
        check_error(lambda t: getattr(t.nn.init, fn)(t.empty(shape)), match="fewer than 2")


@pytest.mark.parametrize("fn", ["kaiming_uniform_", "kaiming_normal_"])
@pytest.mark.parametrize("mode", ["fan_avg", "in", ""])
def test_kaiming_mode_error(fn, mode):
    check_error(lambda t: getattr(t.nn.init, fn)(t.empty(3, 4), mode=mode), match=mode)


def test_kaiming_mode_is_case_insensitive_and_nonlinearity_checked():
    w = gt.nn.init.kaiming_uniform_(gt.empty(50, 40), mode="FAN_OUT", nonlinearity="relu")
    assert float(w.abs().max()) <= torch.nn.init.calculate_gain("relu") * math.sqrt(3 / 50)
    check_error(lambda t: t.nn.init.kaiming_normal_(t.empty(3, 4), nonlinearity="gelu"))


# ---------------------------------------------------------------------------------------------
# deterministic fillers: exact against torch
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64"])
@pytest.mark.parametrize("fill", [lambda t, x: t.nn.init.constant_(x, 0.3),
                                  lambda t, x: t.nn.init.constant_(x, -7),
                                  lambda t, x: t.nn.init.ones_(x),
                                  lambda t, x: t.nn.init.zeros_(x)])
def test_constant_fillers(dtype, fill):
    ours, theirs = _pair((3, 5), dtype)
    out, expected = fill(gt, ours), fill(torch, theirs)
    assert out is ours
    np.testing.assert_array_equal(_np(out), expected.numpy())
    assert str(out.dtype) == str(expected.dtype)


@pytest.mark.parametrize("shape", [(3, 3), (2, 5), (5, 2), (1, 1), (0, 3)])
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "bool"])
def test_eye_(shape, dtype):
    ours, theirs = _pair(shape, dtype)
    out, expected = gt.nn.init.eye_(ours), torch.nn.init.eye_(theirs)
    assert out is ours and str(out.dtype) == str(expected.dtype)
    np.testing.assert_array_equal(_np(out), expected.numpy())


@pytest.mark.parametrize("shape", [(), (3,), (2, 2, 2)])
def test_eye_needs_2d(shape):
    check_error(lambda t: t.nn.init.eye_(t.empty(shape)), match="2 dimensions")


@pytest.mark.parametrize("shape,groups", [
    ((4, 4, 3), 1), ((3, 5, 4), 1), ((6, 2, 5), 1), ((4, 2, 3), 2), ((6, 1, 3), 3),
    ((4, 4, 3, 3), 1), ((6, 3, 2, 4), 1), ((8, 2, 3, 3), 2), ((6, 4, 3, 3), 3),
    ((4, 4, 3, 3, 3), 1), ((4, 1, 2, 3, 3), 2), ((6, 2, 1, 1, 1), 2)])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_dirac_(shape, groups, dtype):
    ours, theirs = _pair(shape, dtype)
    ours.fill_(5.0)  # dirac_ must clear everything it does not set
    out, expected = gt.nn.init.dirac_(ours, groups), torch.nn.init.dirac_(theirs.fill_(5), groups)
    assert out is ours and str(out.dtype) == str(expected.dtype)
    np.testing.assert_array_equal(_np(out), expected.numpy())


def test_dirac_is_identity_convolution():
    # a dirac-initialised conv weight copies its input channels (checked with torch's conv)
    w = gt.nn.init.dirac_(gt.empty(3, 3, 3, 3))
    x = torch.randn(1, 3, 6, 6)
    y = torch.nn.functional.conv2d(x, torch.tensor(_np(w)), padding=1)
    np.testing.assert_allclose(y.numpy(), x.numpy(), rtol=1e-6)


@pytest.mark.parametrize("shape,groups", [((3, 3), 1), ((2, 2, 2, 2, 2, 2), 1), ((5, 2, 3), 2),
                                          ((4, 2, 3, 3), 3)])
def test_dirac_errors(shape, groups):
    check_error(lambda t: t.nn.init.dirac_(t.empty(shape), groups))


# ---------------------------------------------------------------------------------------------
# in-place semantics
# ---------------------------------------------------------------------------------------------
IN_PLACE = {
    "uniform_": lambda t, w: t.nn.init.uniform_(w, -1, 2),
    "normal_": lambda t, w: t.nn.init.normal_(w, 1, 2),
    "trunc_normal_": lambda t, w: t.nn.init.trunc_normal_(w),
    "constant_": lambda t, w: t.nn.init.constant_(w, 0.5),
    "ones_": lambda t, w: t.nn.init.ones_(w),
    "zeros_": lambda t, w: t.nn.init.zeros_(w),
    "eye_": lambda t, w: t.nn.init.eye_(w),
    "xavier_uniform_": lambda t, w: t.nn.init.xavier_uniform_(w),
    "xavier_normal_": lambda t, w: t.nn.init.xavier_normal_(w),
    "kaiming_uniform_": lambda t, w: t.nn.init.kaiming_uniform_(w, a=math.sqrt(5)),
    "kaiming_normal_": lambda t, w: t.nn.init.kaiming_normal_(w),
    "orthogonal_": lambda t, w: t.nn.init.orthogonal_(w),
    "sparse_": lambda t, w: t.nn.init.sparse_(w, 0.5),
}


@pytest.mark.parametrize("name", list(IN_PLACE))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_in_place_on_parameter(name, dtype):
    """Works on a leaf that requires grad (PyTorch runs under no_grad), keeps the object, its
    dtype and shape, writes through to views, bumps the version counter once or more."""
    fn = IN_PLACE[name]
    p = gt.nn.Parameter(gt.zeros(6, 4, dtype=getattr(gt, dtype)))
    view = p.view(-1)
    tp = torch.nn.Parameter(torch.zeros(6, 4, dtype=getattr(torch, dtype)))
    v0, tv0 = p._version, tp._version
    out, expected = fn(gt, p), fn(torch, tp)
    assert out is p and expected is tp
    assert isinstance(out, gt.nn.Parameter) and out.requires_grad and out.grad_fn is None
    assert str(out.dtype) == str(expected.dtype) and out.shape == expected.shape
    assert (p._version > v0) == (tp._version > tv0) and p._version > v0
    np.testing.assert_array_equal(_np(view), _np(p).ravel())
    assert np.isfinite(_np(p)).all()


def test_zero_element_kaiming_warns_and_is_a_no_op():
    for fn in ("kaiming_uniform_", "kaiming_normal_"):
        w = gt.empty(0, 3)
        with pytest.warns(UserWarning, match="zero-element"):
            assert getattr(gt.nn.init, fn)(w) is w
        with pytest.warns(UserWarning, match="zero-element"):
            getattr(torch.nn.init, fn)(torch.empty(0, 3))
    assert gt.nn.init.orthogonal_(gt.empty(0, 3)).shape == (0, 3)


@pytest.mark.parametrize("fn", ["uniform_", "normal_", "trunc_normal_", "xavier_uniform_",
                                "kaiming_normal_", "orthogonal_", "sparse_"])
def test_integer_tensor_errors(fn):
    args = (0.5,) if fn == "sparse_" else ()
    check_error(lambda t: getattr(t.nn.init, fn)(t.zeros(4, 3, dtype=t.int64), *args))


def test_fill_errors():
    check_error(lambda t: t.nn.init.uniform_(t.empty(3), 2.0, 1.0))
    check_error(lambda t: t.nn.init.normal_(t.empty(3), 0.0, -1.0))
    check_error(lambda t: t.nn.init.orthogonal_(t.empty(3)), match="2 or more dimensions")
    check_error(lambda t: t.nn.init.sparse_(t.empty(3, 3, 3), 0.1), match="2 dimensions")


def test_keeps_half_precision():
    for name in ("uniform_", "normal_", "trunc_normal_", "xavier_uniform_", "orthogonal_"):
        w = IN_PLACE[name](gt, gt.empty(8, 6, dtype=gt.float16))
        assert w.dtype == gt.float16 and np.isfinite(_np(w)).all()


# ---------------------------------------------------------------------------------------------
# distributions
# ---------------------------------------------------------------------------------------------
@pytest.fixture(autouse=True)
def _seeded():
    """Statistical checks on fixed seeds, so no test depends on the order tests run in."""
    gt.manual_seed(2024)
    torch.manual_seed(2024)


def _moments_close(ours, theirs, mean, var, bound=None):
    """Both samples have the expected mean and variance (and stay inside +-bound, reaching
    close to it). Tolerances are 6 standard errors: the sample variance of n normal draws has
    relative standard error sqrt(2 / n) (less for uniform ones)."""
    for name, x in (("glasstorch", _np(ours).astype(np.float64)),
                    ("torch", _np(theirs).astype(np.float64))):
        sd = math.sqrt(var)
        assert abs(x.mean() - mean) < 6 * sd / math.sqrt(x.size) + 1e-12, name
        assert x.var() == pytest.approx(var, rel=6 * math.sqrt(2 / x.size)), name
        if bound is not None:
            assert np.abs(x).max() <= bound * (1 + 1e-6), name
            assert np.abs(x).max() >= bound * 0.99, name


UNIFORM_SHAPES = [(400, 300), (128, 64, 3, 3), (64, 32, 5)]


@pytest.mark.parametrize("shape", UNIFORM_SHAPES)
@pytest.mark.parametrize("kwargs", [dict(), dict(a=math.sqrt(5)), dict(mode="fan_out"),
                                    dict(nonlinearity="relu"), dict(a=0.2, mode="fan_out"),
                                    dict(nonlinearity="tanh")])
def test_kaiming_uniform_distribution(shape, kwargs):
    ours, theirs = _pair(shape)
    gt.nn.init.kaiming_uniform_(ours, **kwargs)
    torch.nn.init.kaiming_uniform_(theirs, **kwargs)
    fan_in, fan_out = torch.nn.init._calculate_fan_in_and_fan_out(theirs)
    fan = fan_out if kwargs.get("mode") == "fan_out" else fan_in
    gain = torch.nn.init.calculate_gain(kwargs.get("nonlinearity", "leaky_relu"),
                                        kwargs.get("a", 0))
    bound = gain * math.sqrt(3 / fan)
    _moments_close(ours, theirs, 0.0, bound ** 2 / 3, bound)


@pytest.mark.parametrize("shape", UNIFORM_SHAPES)
@pytest.mark.parametrize("kwargs", [dict(), dict(mode="fan_out", nonlinearity="relu"),
                                    dict(a=0.3)])
def test_kaiming_normal_distribution(shape, kwargs):
    ours, theirs = _pair(shape)
    gt.nn.init.kaiming_normal_(ours, **kwargs)
    torch.nn.init.kaiming_normal_(theirs, **kwargs)
    fan_in, fan_out = torch.nn.init._calculate_fan_in_and_fan_out(theirs)
    fan = fan_out if kwargs.get("mode") == "fan_out" else fan_in
    std = torch.nn.init.calculate_gain(kwargs.get("nonlinearity", "leaky_relu"),
                                       kwargs.get("a", 0)) / math.sqrt(fan)
    _moments_close(ours, theirs, 0.0, std ** 2)


@pytest.mark.parametrize("shape", UNIFORM_SHAPES)
@pytest.mark.parametrize("gain", [1.0, torch.nn.init.calculate_gain("relu"), 0.5])
def test_xavier_distributions(shape, gain):
    fan_in, fan_out = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    ours, theirs = _pair(shape)
    gt.nn.init.xavier_uniform_(ours, gain=gain)
    torch.nn.init.xavier_uniform_(theirs, gain=gain)
    _moments_close(ours, theirs, 0.0, std ** 2, math.sqrt(3) * std)
    ours, theirs = _pair(shape)
    gt.nn.init.xavier_normal_(ours, gain)
    torch.nn.init.xavier_normal_(theirs, gain)
    _moments_close(ours, theirs, 0.0, std ** 2)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_uniform_and_normal_distributions(dtype):
    ours, theirs = _pair((300, 300), dtype)
    gt.nn.init.uniform_(ours, -1.0, 3.0)
    torch.nn.init.uniform_(theirs, -1.0, 3.0)
    x = _np(ours)
    assert x.min() >= -1.0 and x.max() < 3.0
    _moments_close(ours, theirs, 1.0, 16 / 12)
    gt.nn.init.normal_(ours, mean=2.0, std=0.5)
    torch.nn.init.normal_(theirs, mean=2.0, std=0.5)
    _moments_close(ours, theirs, 2.0, 0.25)


@pytest.mark.parametrize("mean,std,a,b", [
    (0.0, 1.0, -2.0, 2.0),        # the defaults
    (0.0, 0.02, -0.04, 0.04),     # ViT-style: +-2 std
    (0.5, 1.0, 0.0, 3.0),         # asymmetric
    (0.0, 1.0, 2.0, 3.0),         # upper tail only
    (0.0, 1.0, -4.0, -3.5),       # lower tail only
    (0.0, 1.0, 8.0, 9.0),         # far tail: inverse-CDF precision matters here
    (1.0, 2.0, -100.0, 100.0),    # effectively untruncated
])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_trunc_normal_distribution(mean, std, a, b, dtype):
    ours, theirs = _pair((400, 250), dtype)
    far = (mean < a - 2 * std) or (mean > b + 2 * std)
    with warnings.catch_warnings(record=True) as ours_warned:
        warnings.simplefilter("always")
        gt.nn.init.trunc_normal_(ours, mean, std, a, b)
    with warnings.catch_warnings(record=True) as torch_warned:
        warnings.simplefilter("always")
        torch.nn.init.trunc_normal_(theirs, mean, std, a, b)
    assert len(ours_warned) == len(torch_warned) == int(far)
    x = _np(ours).astype(np.float64)
    assert x.min() >= a and x.max() <= b
    dist = stats.truncnorm((a - mean) / std, (b - mean) / std, loc=mean, scale=std)
    # sample mean within 5 standard errors; variance within 3 % (the far-tail variance is tiny)
    assert abs(x.mean() - dist.mean()) < 5 * dist.std() / math.sqrt(x.size)
    assert x.var() == pytest.approx(dist.var(), rel=0.03)
    # the whole shape, not just two moments: a Kolmogorov-Smirnov test against the exact CDF
    assert stats.kstest(x.ravel()[:20000], dist.cdf).pvalue > 1e-4


@pytest.mark.parametrize("shape", [(6, 6), (8, 3), (3, 8), (5, 2, 3), (2, 3, 2, 2), (1, 7),
                                   (7, 1)])
@pytest.mark.parametrize("gain", [1, 2.5])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_orthogonal_(shape, gain, dtype):
    w = gt.nn.init.orthogonal_(gt.empty(shape, dtype=getattr(gt, dtype)), gain=gain)
    theirs = torch.nn.init.orthogonal_(torch.empty(shape, dtype=getattr(torch, dtype)), gain)
    tol = 1e-5 if dtype == "float32" else 1e-12
    for x in (_np(w), theirs.numpy()):
        rows = x.shape[0]
        m = x.reshape(rows, -1).astype(np.float64)
        gram = m @ m.T if rows <= m.shape[1] else m.T @ m
        np.testing.assert_allclose(gram, gain ** 2 * np.eye(len(gram)), atol=tol * gain ** 2)


def test_orthogonal_is_haar_distributed():
    # with the sign correction, Q's entries are symmetric around 0 and the diagonal has no
    # positive bias (plain QR output would have a biased diagonal)
    diags = np.stack([np.diag(_np(gt.nn.init.orthogonal_(gt.empty(4, 4)))) for _ in range(400)])
    assert abs(diags.mean()) < 0.06
    assert diags.var() == pytest.approx(1 / 4, rel=0.15)   # E[q_ij^2] = 1/n for Haar Q


@pytest.mark.parametrize("shape,sparsity", [((20, 30), 0.1), ((20, 30), 0.5), ((7, 4), 0.3),
                                            ((10, 5), 0.0), ((10, 5), 1.0)])
def test_sparse_(shape, sparsity):
    ours = gt.nn.init.sparse_(gt.empty(shape), sparsity, std=0.5)
    theirs = torch.nn.init.sparse_(torch.empty(shape), sparsity, std=0.5)
    zeros_per_column = (theirs == 0).sum(0).numpy()
    np.testing.assert_array_equal((_np(ours) == 0).sum(0), zeros_per_column)
    # zeros land on different rows in different columns (a fresh permutation per column)
    if 0 < sparsity < 1:
        assert len({tuple(np.flatnonzero(c == 0)) for c in _np(ours).T}) > 1


def test_sparse_std():
    x = _np(gt.nn.init.sparse_(gt.empty(500, 400), 0.25, std=0.03))
    nonzero = x[x != 0]
    assert nonzero.size == 500 * 400 - 125 * 400
    assert nonzero.std() == pytest.approx(0.03, rel=0.02)


# ---------------------------------------------------------------------------------------------
# randomness: the seeded default generator and explicit generators
# ---------------------------------------------------------------------------------------------
RANDOM = ["uniform_", "normal_", "trunc_normal_", "xavier_uniform_", "xavier_normal_",
          "kaiming_uniform_", "kaiming_normal_", "orthogonal_", "sparse_"]


@pytest.mark.parametrize("name", RANDOM)
def test_reproducible_under_manual_seed(name):
    fn = IN_PLACE[name]
    gt.manual_seed(123)
    first = _np(fn(gt, gt.empty(5, 4))).copy()
    second = _np(fn(gt, gt.empty(5, 4))).copy()
    gt.manual_seed(123)
    np.testing.assert_array_equal(_np(fn(gt, gt.empty(5, 4))), first)
    assert not np.array_equal(first, second)


@pytest.mark.parametrize("name", RANDOM)
def test_generator_argument(name):
    args = (0.5,) if name == "sparse_" else ()
    fn = getattr(gt.nn.init, name)
    gen = gt.Generator().manual_seed(7)
    gt.manual_seed(0)
    first = _np(fn(gt.empty(5, 4), *args, generator=gen)).copy()
    default_state = gt.get_rng_state()
    gen.manual_seed(7)
    gt.manual_seed(99)                 # the default generator plays no part
    np.testing.assert_array_equal(_np(fn(gt.empty(5, 4), *args, generator=gen)), first)
    gt.manual_seed(0)
    fn(gt.empty(5, 4), *args, generator=gt.Generator().manual_seed(1))
    assert np.array_equal(_np(gt.get_rng_state()), _np(default_state))


@pytest.mark.parametrize("old", ["uniform", "normal", "constant", "eye", "dirac",
                                 "xavier_uniform", "xavier_normal", "kaiming_uniform",
                                 "kaiming_normal", "orthogonal", "sparse"])
def test_deprecated_names_warn(old):
    shape = (4, 4, 3) if old == "dirac" else (4, 4)
    args = {"constant": (0.5,), "sparse": (0.5,)}.get(old, ())
    for lib in (torch, gt):
        w = lib.empty(shape)
        with pytest.warns(FutureWarning, match=f"nn.init.{old}_"):
            assert getattr(lib.nn.init, old)(w, *args) is w
