"""Oracle tests for statistics, distances and matrix functions: logcumsumexp, dist, renorm,
histc, histogram, cov, corrcoef, trapezoid / cumulative_trapezoid, matrix_power, matrix_exp,
cdist and isin."""
import math

import numpy as np
import pytest
import torch

import glasstorch as gt
from tests.oracle.harness import check, check_error, gradcheck_fn, sample


def nc(shape):
    return np.ascontiguousarray(sample(shape[::-1])).T


CASES = [
    # id, fn, input shapes, tolerances
    ("logcumsumexp", lambda t, x: t.logcumsumexp(x, 1), [(3, 4)], {}),
    ("logcumsumexp_neg", lambda t, x: x.logcumsumexp(-2), [(3, 4)], {}),
    ("logcumsumexp_0d", lambda t, x: t.logcumsumexp(x, 0), [()], {}),
    ("logcumsumexp_empty", lambda t, x: t.logcumsumexp(x, 0), [(0, 3)], {}),
    ("dist", lambda t, a, b: t.dist(a, b), [(2, 3), (3,)], {}),
    ("dist_p1", lambda t, a, b: a.dist(b, 1), [(2, 3), (2, 3)], {}),
    ("dist_p3", lambda t, a, b: t.dist(a, b, 3), [(2, 3), (1, 3)], {"rtol": 1e-4}),
    ("dist_inf", lambda t, a, b: t.dist(a, b, float("inf")), [(2, 3), (2, 3)], {}),
    ("dist_0d", lambda t, a, b: t.dist(a, b), [(), ()], {}),
    ("renorm", lambda t, x: t.renorm(x, 2, 0, 1.0), [(3, 4)], {"rtol": 1e-4}),
    ("renorm_p1_dim1", lambda t, x: x.renorm(1, 1, 1.5), [(3, 4)], {"rtol": 1e-4}),
    ("renorm_3d", lambda t, x: t.renorm(x, 3, -1, 0.8), [(2, 3, 2)], {"rtol": 1e-4}),
    ("cov", lambda t, x: t.cov(x), [(3, 5)], {"rtol": 1e-4}),
    ("cov_1d", lambda t, x: x.cov(), [(5,)], {"rtol": 1e-4}),
    ("cov_corr0", lambda t, x: t.cov(x, correction=0), [(2, 4)], {"rtol": 1e-4}),
    ("cov_fweights", lambda t, x: t.cov(x, fweights=t.tensor([1, 2, 0, 3])), [(2, 4)],
     {"rtol": 1e-4}),
    ("cov_aweights", lambda t, x, w: t.cov(x, aweights=w.abs() + 0.1), [(2, 4), (4,)],
     {"rtol": 1e-4}),
    ("cov_both", lambda t, x, w: t.cov(x, correction=2, fweights=t.tensor([1, 2, 1, 3]),
                                       aweights=w.abs() + 0.1), [(2, 4), (4,)], {"rtol": 1e-4}),
    ("corrcoef", lambda t, x: t.corrcoef(x), [(3, 5)], {"rtol": 1e-4, "atol": 1e-5}),
    ("corrcoef_1d", lambda t, x: x.corrcoef(), [(5,)], {"rtol": 1e-4}),
    ("trapezoid", lambda t, y: t.trapezoid(y), [(2, 5)], {}),
    ("trapezoid_dx", lambda t, y: t.trapezoid(y, dx=0.5, dim=0), [(3, 4)], {}),
    ("trapezoid_x1d", lambda t, y, x: t.trapezoid(y, x), [(2, 4), (4,)], {}),
    ("trapezoid_x_dim0", lambda t, y, x: t.trapezoid(y, x, dim=0), [(4, 2, 3), (4,)], {}),
    ("trapezoid_xnd", lambda t, y, x: t.trapezoid(y, x), [(2, 4), (2, 4)], {}),
    ("trapz", lambda t, y: t.trapz(y, dx=2), [(2, 5)], {}),
    ("trapezoid_one", lambda t, y: t.trapezoid(y), [(3, 1)], {}),
    ("cum_trapezoid", lambda t, y: t.cumulative_trapezoid(y), [(2, 5)], {}),
    ("cum_trapezoid_x", lambda t, y, x: t.cumulative_trapezoid(y, x, dim=0), [(4, 3), (4,)],
     {}),
    ("matrix_power3", lambda t, a: t.matrix_power(a, 3), [(3, 3)], {"rtol": 1e-4}),
    ("matrix_power_batch", lambda t, a: a.matrix_power(2), [(2, 3, 3)], {"rtol": 1e-4}),
    ("matrix_power0", lambda t, a: t.matrix_power(a, 0), [(2, 2)], {}),
    ("matrix_power1", lambda t, a: t.matrix_power(a, 1), [(2, 2)], {}),
    ("matrix_power_neg", lambda t, a: t.linalg.matrix_power(a + 3 * t.eye(3), -2), [(3, 3)],
     {"rtol": 1e-4, "atol": 1e-5}),
    ("matrix_exp", lambda t, a: t.matrix_exp(a), [(3, 3)], {"rtol": 1e-4, "atol": 1e-5}),
    ("matrix_exp_batch", lambda t, a: t.linalg.matrix_exp(a), [(2, 2, 2)],
     {"rtol": 1e-4, "atol": 1e-5}),
    ("matrix_exp_method", lambda t, a: a.matrix_exp(), [(1, 1)], {"rtol": 1e-4}),
    ("cdist", lambda t, a, b: t.cdist(a, b), [(4, 3), (5, 3)], {"rtol": 1e-4}),
    ("cdist_p1", lambda t, a, b: t.cdist(a, b, 1), [(4, 3), (5, 3)], {"rtol": 1e-4}),
    ("cdist_p3", lambda t, a, b: t.cdist(a, b, 3.0), [(4, 3), (2, 3)], {"rtol": 1e-4}),
    ("cdist_pinf", lambda t, a, b: t.cdist(a, b, float("inf")), [(4, 3), (2, 3)], {}),
    ("cdist_p0", lambda t, a, b: t.cdist(a, b, 0), [(4, 3), (2, 3)], {}),
    ("cdist_p_half", lambda t, a, b: t.cdist(a, b, 0.5), [(3, 2), (2, 2)], {"rtol": 1e-4}),
    ("cdist_batch", lambda t, a, b: t.cdist(a, b), [(2, 4, 3), (1, 5, 3)], {"rtol": 1e-4}),
    ("cdist_mm", lambda t, a, b: t.cdist(a, b, compute_mode="use_mm_for_euclid_dist"),
     [(4, 3), (5, 3)], {"rtol": 1e-3, "atol": 1e-4}),
    ("cdist_empty", lambda t, a, b: t.cdist(a, b), [(0, 3), (5, 3)], {}),
]


def _inputs(shapes, dtype="float32"):
    return [sample(s, dtype) for s in shapes]


@pytest.mark.parametrize("name,fn,shapes,tol", CASES, ids=[c[0] for c in CASES])
def test_values_and_grads(name, fn, shapes, tol):
    check(fn, _inputs(shapes), **tol)


@pytest.mark.parametrize("name,fn,shapes,tol", CASES, ids=[c[0] for c in CASES])
def test_gradcheck(name, fn, shapes, tol):
    if name in ("dist_inf", "cdist_pinf", "cdist_p0"):
        pytest.skip("max/count norms: piecewise, checked against torch's gradient instead")
    gradcheck_fn(fn, _inputs(shapes, "float64"))


def test_noncontiguous_and_float64():
    for fn in (lambda t, x: t.logcumsumexp(x, 0), lambda t, x: t.cov(x),
               lambda t, x: t.trapezoid(x), lambda t, x: t.renorm(x, 2, 1, 1.0),
               lambda t, x: t.cdist(x, x), lambda t, x: t.matrix_exp(x[:3, :3])):
        check(fn, [nc((4, 4))], rtol=1e-4, atol=1e-5)
        check(fn, [sample((4, 4), "float64")], rtol=1e-6)


def test_cdist_zero_distances_and_large_sets():
    a = sample((30, 4))
    check(lambda t, a: t.cdist(a, a), [a], rtol=1e-3, atol=2e-3)   # mm mode, with 0 on diag
    check(lambda t, a: t.cdist(a, a, compute_mode="donot_use_mm_for_euclid_dist"), [a])
    check(lambda t, a, b: t.cdist(a, b), [a, sample((27, 4)) + 5], rtol=1e-4)


def test_logcumsumexp_extremes():
    x = np.array([-np.inf, 1.0, np.inf, 2.0], "float32")
    check(lambda t, x: t.logcumsumexp(x, 0), [x], grad=False)
    big = np.array([1000.0, 1001.0, -1000.0], "float32")
    check(lambda t, x: t.logcumsumexp(x, 0), [big])   # no overflow in forward or backward


def test_integer_inputs():
    i = np.array([[1, 2, 4], [1, 0, 0]])
    check(lambda t, x: t.cov(x), [i], grad=False)
    check(lambda t, x: t.corrcoef(x), [i], grad=False)
    check(lambda t, x: t.trapezoid(x), [i], grad=False)
    check(lambda t, x: t.cumulative_trapezoid(x, dx=2), [i], grad=False)
    check(lambda t, x: t.matrix_power(x[:, :2], 3), [i], grad=False)
    check(lambda t, x: t.trapezoid(x), [np.zeros((2, 0), "int64")], grad=False)
    check(lambda t, x: t.cumulative_trapezoid(x), [np.zeros((2, 0), "float32")], grad=False)


def test_histc():
    x = np.array([1.0, 2, 1, 2.5, 4, -1, 3.0], "float32")
    check(lambda t, x: t.histc(x, bins=4, min=0, max=3), [x], grad=False)
    check(lambda t, x: x.histc(bins=5), [x], grad=False)
    check(lambda t, x: t.histc(x, 3), [x.astype("float64")], grad=False)
    check(lambda t, x: t.histc(x, 4), [np.array([2.0, 2.0], "float32")], grad=False)
    check(lambda t, x: t.histc(x, 3), [np.array([], "float32")], grad=False)
    check(lambda t, x: t.histc(x, 10), [sample((50,))], grad=False)


def test_histogram():
    x = np.array([1.0, 2, 1, 2.5, 0.2], "float32")
    w = np.array([1.0, 2, 4, 0.5, 1], "float32")
    check(lambda t, x: t.histogram(x, 4), [x], grad=False)
    check(lambda t, x, w: t.histogram(x, 4, range=(0.0, 3.0), weight=w), [x, w], grad=False)
    check(lambda t, x: x.histogram(3, density=True), [x], grad=False)
    check(lambda t, x, e: t.histogram(x, e), [x, np.array([0.0, 1.5, 3.0], "float32")],
          grad=False)
    check(lambda t, x: t.histogram(x, 3), [sample((3, 4), "float64")], grad=False)
    check(lambda t, x: t.histogram(x, 3), [np.array([2.0, 2.0], "float32")], grad=False)
    out = gt.histogram(gt.tensor(x), 2)
    assert repr(out).startswith("torch.return_types.histogram(") and out.hist.shape == (2,)


@pytest.mark.parametrize("fn", [
    lambda t: t.logcumsumexp(t.tensor([1, 2]), 0),
    lambda t: t.logcumsumexp(t.ones(2, 3), 2),
    lambda t: t.dist(t.tensor([1, 2]), t.tensor([1, 3])),
    lambda t: t.dist(t.ones(2, 3), t.ones(2)),
    lambda t: t.renorm(t.tensor([[1, 2]]), 2, 0, 1),
    lambda t: t.renorm(t.ones(2, 2), -1, 0, 5),
    lambda t: t.renorm(t.ones(2, 2), 2, 0, -5),
    lambda t: t.renorm(t.tensor(2.0), 2, 0, 1),
    lambda t: t.histc(t.tensor([1, 2]), bins=4),
    lambda t: t.histc(t.tensor([1.0, 2.0]), bins=0),
    lambda t: t.histc(t.tensor([1.0, 2.0]), bins=3, min=3, max=1),
    lambda t: t.histc(t.tensor([1.0, float("inf")]), bins=3),
    lambda t: t.histogram(t.tensor([1, 2]), 3),
    lambda t: t.cov(t.zeros(2, 2, 2)),
    lambda t: t.cov(t.ones(2, 3), fweights=t.tensor([1.0, 2.0, 1.0])),
    lambda t: t.cov(t.ones(2, 3), fweights=t.tensor([1, -2, 1])),
    lambda t: t.cov(t.ones(2, 3), fweights=t.tensor([1, 2])),
    lambda t: t.cov(t.ones(2, 3), aweights=t.tensor([1, 2, 1])),
    lambda t: t.cov(t.ones(2, 3), aweights=t.tensor([1.0, -2.0, 1.0])),
    lambda t: t.trapezoid(t.ones(2, 3), t.tensor([0.0, 1.0])),
    lambda t: t.trapezoid(t.ones(2, 3), 2.0),
    lambda t: t.matrix_power(t.tensor([[1, 2], [3, 4]]), -1),
    lambda t: t.matrix_power(t.ones(2, 3), 2),
    lambda t: t.matrix_power(t.ones(2), 2),
    lambda t: t.matrix_exp(t.tensor([[1, 2], [3, 4]])),
    lambda t: t.matrix_exp(t.ones(2, 3)),
    lambda t: t.cdist(t.ones(3), t.ones(3)),
    lambda t: t.cdist(t.ones(3, 2), t.ones(3, 3)),
    lambda t: t.cdist(t.ones(3, 2, dtype=t.int64), t.ones(3, 2, dtype=t.int64)),
    lambda t: t.cdist(t.ones(3, 2), t.ones(3, 2), -1),
    lambda t: t.cdist(t.ones(3, 2), t.ones(3, 2, dtype=t.float64)),
    lambda t: t.cdist(t.ones(2, 3, 2), t.ones(3, 3, 2)),
])
def test_errors(fn):
    check_error(fn)


def test_cov_with_too_few_observations_warns_and_gives_nan():
    with pytest.warns(UserWarning, match="degrees of freedom"):
        out = gt.cov(gt.tensor([[1.0]]))
    assert math.isnan(out.item())


def test_matrix_power_zero_gives_identity_with_zero_gradient():
    check(lambda t, a: t.matrix_power(a, 0), [sample((2, 3, 3))])
    assert gt.linalg.matrix_power is not None and "matrix_exp" in gt.linalg.__all__


def test_matrix_exp_of_empty_and_known_values():
    check(lambda t, a: t.matrix_exp(a), [np.zeros((0, 0), "float32")], grad=False)
    check(lambda t, a: t.matrix_exp(a), [np.array([[0.0, 1.0], [-1.0, 0.0]], "float64")])


# ---------------------------------------------------------------------------------------------
# isin
# ---------------------------------------------------------------------------------------------
def test_isin():
    e, s = np.array([[1, 2], [3, 4]]), np.array([2, 5, 4])
    check(lambda t, e, s: t.isin(e, s), [e, s], grad=False)
    check(lambda t, e, s: t.isin(e, s, invert=True), [e, s], grad=False)
    check(lambda t, e, s: t.isin(e, s, assume_unique=True), [e, s], grad=False)
    check(lambda t, e: t.isin(e, 2), [e], grad=False)
    check(lambda t, s: t.isin(2, s), [s], grad=False)
    check(lambda t, e, s: t.isin(e, s), [e, s.astype("float32")], grad=False)
    check(lambda t, e, s: t.isin(e, s), [np.array([1.5, 2.0, np.nan], "float32"),
                                          np.array([2, 1])], grad=False)
    check(lambda t, e, s: t.isin(e, s), [np.array([np.nan], "float32"),
                                          np.array([np.nan], "float32")], grad=False)
    check(lambda t, e, s: t.isin(e, s), [np.zeros((0, 2), "int64"), s], grad=False)
    check_error(lambda t: t.isin(t.tensor([True]), t.tensor([True])), match="Bool")


def test_torch_reference_values_for_renorm_factor():
    # the 1e-7 in PyTorch's factor shows up in float64
    x = torch.tensor([[3.0, 4.0]], dtype=torch.float64)
    ours = gt.renorm(gt.tensor(x.numpy()), 2, 0, 1.0).numpy()
    np.testing.assert_allclose(ours, torch.renorm(x, 2, 0, 1.0).numpy(), rtol=1e-12)
