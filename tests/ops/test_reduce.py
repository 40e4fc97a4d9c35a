"""Oracle tests for the reductions (values, dtypes, shapes, gradients vs torch; float64
finite-difference gradchecks; double backward; error parity)."""
import warnings

import numpy as np
import pytest
import torch

import glasstorch as gt
from tests.oracle.harness import assert_same, check, check_error, gradcheck_fn, sample

RNG = np.random.default_rng(7)


def s(*shape, dtype="float32", low=-2.0, high=2.0):
    return sample(shape, dtype, low=low, high=high, rng=RNG)


def distinct(*shape, dtype="float32"):
    """Values with no ties (a shuffled range), so argmax/median/sort indices are unambiguous."""
    n = int(np.prod(shape)) if shape else 1
    return np.asarray(RNG.permutation(n).reshape(shape) * 0.37 - 1.5, dtype=dtype)


def with_zeros(*shape, zeros=1, dtype="float32"):
    """Random values with `zeros` exact zeros in the first row along the last axis."""
    x = s(*shape, dtype=dtype, low=0.5, high=1.5) * np.where(RNG.random(shape) < 0.5, -1, 1)
    x = x.astype(dtype)
    x.reshape(-1, shape[-1])[0, :zeros] = 0
    return x


def first(r):
    return r[0] if isinstance(r, tuple) else r


# ---------------------------------------------------------------------------------------------
# sums, means, products and the aliases
# ---------------------------------------------------------------------------------------------
DIMS = [None, 0, -1, (0, 2), (-1, 0), [1], ()]


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", DIMS, ids=str)
@pytest.mark.parametrize("op", ["sum", "mean", "nansum", "nanmean", "amax", "amin", "var",
                                "std", "logsumexp", "norm"])
def test_dim_reductions_float(op, dim, keepdim):
    if dim is None and op in ("logsumexp", "amax", "amin"):
        dim = ()  # dim is required for logsumexp; amax's default is ()
    if op == "logsumexp" and dim == ():
        pytest.skip("torch's logsumexp(dim=()) fails on a shape bug")
    x = distinct(2, 3, 4)
    if op in ("nansum", "nanmean"):
        x.reshape(-1)[[1, 5, 17]] = np.nan
    if dim is None and keepdim:
        if op not in ("var", "std", "norm"):
            pytest.skip("torch has no keepdim without dim here")
        fn = lambda t, a: getattr(a, op)(dim=None, keepdim=True)
    elif dim is None:
        fn = lambda t, a: getattr(a, op)()
    elif op == "norm":
        fn = lambda t, a: t.norm(a, dim=dim, keepdim=keepdim)
    else:
        fn = lambda t, a: getattr(t, op)(a, dim, keepdim=keepdim)
    # torch's var/std backward with dim=() divides by n - 1 with n = 1 (inf): values only
    torch_bug = op in ("var", "std") and dim == ()
    check(fn, [x], rtol=1e-5, atol=1e-5, grad=not torch_bug)
    # finite differences through a nan are nan: gradcheck the nan-ops on nan-free input
    gradcheck_fn(fn, [x if op not in ("nansum", "nanmean") else distinct(2, 3, 4)])


@pytest.mark.parametrize("op", ["sum", "mean", "prod", "amax", "amin", "var", "std",
                                "logsumexp", "norm", "nansum", "nanmean", "all", "any",
                                "count_nonzero"])
@pytest.mark.parametrize("shape,dim", [((), None), ((), 0), ((), -1), ((5,), 0), ((3, 4), 1),
                                       ((0, 3), 1), ((0, 3), 0), ((2, 0), None)], ids=str)
def test_edge_shapes(op, shape, dim):
    """0-d tensors, empty tensors and reducing over a dim of size 0."""
    x = s(*shape)
    kw = {} if dim is None else {"dim": dim}
    if op == "logsumexp" and dim is None:
        kw = {"dim": tuple(range(len(shape)))} if shape else {"dim": 0}
    if op == "norm" and dim is not None:
        kw = {"p": 2, "dim": dim}
    fn = lambda t, a: getattr(t, op)(a, **kw)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fn(torch, torch.tensor(x))
    except Exception:  # illegal in torch: ours must raise the same kind of error
        check_error(lambda t: fn(t, t.tensor(x)))
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check(fn, [x])


@pytest.mark.parametrize("dtype", ["bool", "uint8", "int32", "int64", "float64"])
@pytest.mark.parametrize("op", ["sum", "prod", "nansum", "cumsum", "cumprod", "amax", "amin",
                                "all", "any", "count_nonzero", "max", "min"])
def test_dtypes(op, dtype):
    """Integer and bool inputs: sum/prod/cumsum give int64; all/any give bool (uint8 stays)."""
    x = s(3, 4, dtype=dtype, low=-1, high=1)
    if op in ("cumsum", "cumprod"):
        check(lambda t, a: getattr(a, op)(1), [x])
    elif op in ("max", "min"):
        check(lambda t, a: getattr(a, op)(), [x])
        if dtype != "bool":
            check(lambda t, a: tuple(getattr(a, op)(1)), [x])
    else:
        check(lambda t, a: getattr(t, op)(a), [x])
        check(lambda t, a: getattr(t, op)(a, 0), [x])


@pytest.mark.parametrize("fn", [
    lambda t, a: a.sum(dtype=t.float64),
    lambda t, a: t.sum(a, 1, dtype=t.float64),
    lambda t, a: a.prod(1, dtype=t.float64),
    lambda t, a: a.mean(dtype=t.float64),
    lambda t, a: a.cumsum(0, dtype=t.float64),
    lambda t, a: a.cumprod(1, dtype=t.float64),
    lambda t, a: a.norm(dtype=t.float64),
    lambda t, a: a.nansum(0, dtype=t.float64),
], ids=["sum", "sum_dim", "prod", "mean", "cumsum", "cumprod", "norm", "nansum"])
def test_dtype_argument(fn):
    check(fn, [s(3, 4)])


def test_dtype_argument_on_int_input():
    x = s(3, 4, dtype="int64")
    check(lambda t, a: a.mean(dtype=t.float32), [x])
    check(lambda t, a: a.sum(0, dtype=t.float32), [x])
    check(lambda t, a: t.cumsum(a, 1, dtype=t.int32), [x])


@pytest.mark.parametrize("case", [
    ("sum_axis", lambda t, a: t.sum(a, axis=0)),
    ("sum_keepdims", lambda t, a: a.sum(axis=(0, 1), keepdims=True)),
    ("mean_axis", lambda t, a: a.mean(axis=1, keepdims=True)),
    ("amax_axis", lambda t, a: a.amax(axis=1)),
    ("max_axis", lambda t, a: tuple(a.max(axis=1, keepdims=True))),
    ("argmax_axis", lambda t, a: a.argmax(axis=1)),
    ("var_axis", lambda t, a: a.var(axis=1)),
    ("std_keepdims", lambda t, a: a.std(axis=0, keepdims=True)),
    ("prod_axis", lambda t, a: a.prod(axis=1)),
    ("cumsum_axis", lambda t, a: a.cumsum(axis=1)),
    ("logsumexp_axis", lambda t, a: a.logsumexp(axis=0)),
    ("all_axis", lambda t, a: (a > 0).all(axis=1)),
    ("median_axis", lambda t, a: tuple(a.median(axis=0))),
], ids=lambda c: c[0])
def test_axis_keepdims_aliases(case):
    check(case[1], [distinct(3, 4)])


@pytest.mark.parametrize("op", ["sum", "mean", "amax", "var", "std", "norm", "logsumexp",
                                "prod", "cumsum", "cumprod", "median", "max", "quantile"])
def test_non_contiguous(op):
    """Transposed inputs, both as a transposed view in the graph and straight from a
    transposed NumPy array."""
    args = {"quantile": (0.3, 0), "prod": (0,), "cumsum": (0,), "cumprod": (0,),
            "median": (0,), "max": (0,)}.get(op, (0,))
    fn = lambda t, a: first(getattr(a.transpose(0, 1), op)(*args))
    check(fn, [distinct(3, 4, dtype="float64")])
    arr = distinct(4, 3).T
    ours = first(getattr(gt.from_numpy(arr), op)(*args))
    theirs = first(getattr(torch.from_numpy(arr), op)(*args))
    assert_same(ours, theirs)


def test_sum_mean_positional_keepdim():
    x = s(2, 3, 4)
    check(lambda t, a: t.sum(a, 1, True), [x])
    check(lambda t, a: t.mean(a, (0, 2), True), [x])
    check(lambda t, a: a.sum([0, 1]), [x])


def test_nanmean_all_nan_slice():
    x = np.array([[np.nan, np.nan], [1.0, np.nan]], dtype=np.float32)
    check(lambda t, a: a.nanmean(1), [x])
    check(lambda t, a: a.nansum(), [x])


@pytest.mark.parametrize("case", [
    ("no_zero", lambda: s(3, 4, low=0.5, high=1.5), None),
    ("no_zero_dim", lambda: s(3, 4, low=0.5, high=1.5), 1),
    ("one_zero", lambda: with_zeros(3, 4, zeros=1), None),
    ("two_zeros", lambda: with_zeros(3, 4, zeros=2), None),
    ("one_zero_dim", lambda: with_zeros(3, 4, zeros=1), 1),
    ("two_zeros_dim", lambda: with_zeros(3, 4, zeros=2), 1),
    ("zeros_dim0", lambda: with_zeros(3, 4, zeros=2), 0),
    ("keepdim_neg", lambda: with_zeros(2, 3, 4, zeros=1), -2),
    ("0d", lambda: s(), None),
], ids=lambda c: c[0] if isinstance(c, tuple) else None)
def test_prod_and_its_gradient_with_zeros(case):
    _, make, dim = case
    x = make()
    fn = (lambda t, a: a.prod()) if dim is None else (lambda t, a: t.prod(a, dim, keepdim=True))
    check(fn, [x])
    gradcheck_fn(fn, [x])


# ---------------------------------------------------------------------------------------------
# max / min / argmax / aminmax
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("op", ["max", "min"])
@pytest.mark.parametrize("dim", [0, 1, -1, -3], ids=str)
@pytest.mark.parametrize("keepdim", [False, True])
def test_max_min_dim(op, dim, keepdim):
    x = distinct(2, 3, 4)
    check(lambda t, a: tuple(getattr(t, op)(a, dim, keepdim)), [x])
    r = getattr(gt, op)(gt.tensor(x), dim, keepdim)
    assert type(r).__name__ == op and r.values is r[0]
    gradcheck_fn(lambda t, a: getattr(a, op)(dim, keepdim=keepdim).values, [x])


@pytest.mark.parametrize("op", ["max", "min"])
def test_max_min_full_and_named_fields(op):
    x = distinct(3, 4)
    check(lambda t, a: getattr(a, op)(), [x])
    check(lambda t, a: getattr(t, op)(a, dim=1).indices, [x], grad=False)
    check(lambda t, a: getattr(a, op)(0).values, [x])
    gradcheck_fn(lambda t, a: getattr(a, op)(), [x])


def test_max_ties_gradients():
    """max(dim) sends the gradient to the index it returned (the first); max() and amax share
    it evenly among ties."""
    x = np.array([[1.0, 3.0, 3.0, 0.0], [2.0, 2.0, -1.0, 2.0]], dtype=np.float32)
    check(lambda t, a: tuple(a.max(1)), [x])
    check(lambda t, a: tuple(a.min(1)), [x])
    check(lambda t, a: a.max(), [x])
    check(lambda t, a: a.amax(1), [x])
    check(lambda t, a: a.amin(0), [x])
    check(lambda t, a: a.amax((0, 1)), [x])


def test_max_min_nan_propagates():
    x = np.array([[1.0, np.nan, 3.0, np.nan], [0.0, 1.0, 2.0, 3.0]], dtype=np.float32)
    check(lambda t, a: tuple(a.max(1)), [x], grad=False)
    check(lambda t, a: tuple(a.min(1)), [x], grad=False)
    check(lambda t, a: a.argmax(1), [x], grad=False)
    check(lambda t, a: a.max(), [x], grad=False)


def test_max_min_with_other_tensor():
    a, b = distinct(3, 4), distinct(4)
    check(lambda t, x, y: t.max(x, y), [a, b])
    check(lambda t, x, y: x.min(y), [a, b])
    check(lambda t, x, y: t.max(x, other=y), [a, b])


@pytest.mark.parametrize("op", ["argmax", "argmin"])
@pytest.mark.parametrize("args", [(), (1,), (-1, True), (0, False), (None, True)], ids=str)
def test_argmax_argmin(op, args):
    check(lambda t, a: getattr(t, op)(a, *args), [distinct(3, 4)])
    check(lambda t, a: getattr(a, op)(*args), [s(3, 4, dtype="int64")], grad=False)


def test_argmax_ties_and_0d():
    x = np.array([[1, 3, 3], [2, 2, 0]], dtype=np.int64)
    check(lambda t, a: a.argmax(1), [x])
    check(lambda t, a: a.argmin(), [x])
    check(lambda t, a: a.argmax(0), [s()])
    check(lambda t, a: tuple(a.max(0)), [s()])
    check(lambda t, a: tuple(a.min(-1, keepdim=True)), [s()])


@pytest.mark.parametrize("kw", [{}, {"dim": 1}, {"dim": 0, "keepdim": True}], ids=str)
def test_aminmax(kw):
    x = distinct(3, 4)
    check(lambda t, a: tuple(t.aminmax(a, **kw)), [x])
    assert type(gt.aminmax(gt.tensor(x), **kw)).__name__ == "aminmax"
    check(lambda t, a: tuple(a.aminmax(**kw)), [s(3, 4, dtype="int32")])


# ---------------------------------------------------------------------------------------------
# var / std
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("op", ["var", "std"])
@pytest.mark.parametrize("call", [
    ("default", lambda f, a: f(a)),
    ("positional_dim", lambda f, a: f(a, 0)),
    ("positional_unbiased", lambda f, a: f(a, False)),
    ("dim_unbiased_keepdim", lambda f, a: f(a, 1, False, True)),
    ("unbiased_kw", lambda f, a: f(a, dim=1, unbiased=False, keepdim=True)),
    ("correction0", lambda f, a: f(a, (0, 1), correction=0)),
    ("correction2", lambda f, a: f(a, -1, correction=2)),
    ("correction_float", lambda f, a: f(a, 1, correction=0.5)),
    ("dim_list", lambda f, a: f(a, [0, 2])),
], ids=lambda c: c[0] if isinstance(c, tuple) else None)
def test_var_std_calls(op, call):
    x = distinct(2, 3, 4)
    check(lambda t, a: call[1](getattr(t, op), a), [x], rtol=1e-5, atol=1e-5)
    check(lambda t, a: call[1](lambda *args, **kw: getattr(a, op)(*args[1:], **kw), a), [x],
          rtol=1e-5, atol=1e-5)
    gradcheck_fn(lambda t, a: call[1](getattr(t, op), a), [x])


def test_var_too_few_degrees_of_freedom():
    """n - correction <= 0: inf or nan, like torch (which warns)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check(lambda t, a: a.var(), [s(1)], grad=False)
        check(lambda t, a: a.var(1, correction=3), [distinct(2, 3)], grad=False)
        check(lambda t, a: a.std(0), [s(0, 3)], grad=False)


def test_std_of_constant_has_zero_gradient():
    check(lambda t, a: a.std(1), [np.ones((2, 3), np.float32)])
    check(lambda t, a: a.std(), [np.full((4,), 2.5, np.float32)])


@pytest.mark.parametrize("op", ["var_mean", "std_mean"])
@pytest.mark.parametrize("args,kw", [((), {}), ((1,), {}), ((1, False), {}),
                                     ((0,), {"keepdim": True, "correction": 0})], ids=str)
def test_var_mean_std_mean(op, args, kw):
    check(lambda t, a: getattr(t, op)(a, *args, **kw), [distinct(3, 4)], rtol=1e-5, atol=1e-5)
    gradcheck_fn(lambda t, a: sum(getattr(t, op)(a, *args, **kw)), [distinct(3, 4)])


# ---------------------------------------------------------------------------------------------
# norm and logsumexp
# ---------------------------------------------------------------------------------------------
INF = float("inf")


@pytest.mark.parametrize("p", [2, 1, INF, -INF, "fro", 3, 0.5, 1.5, 0, None], ids=str)
@pytest.mark.parametrize("dim,keepdim", [(None, False), (1, False), (-1, True), ((0, 1), False),
                                         ((0, 2), True)], ids=str)
def test_norm(p, dim, keepdim):
    x = distinct(2, 3, 4)
    fn = lambda t, a: a.norm(p, dim, keepdim)
    check(fn, [x], rtol=1e-5, atol=1e-5)
    check(lambda t, a: t.norm(a, p=p, dim=dim, keepdim=keepdim), [x], rtol=1e-5, atol=1e-5)
    if p != 0:
        gradcheck_fn(fn, [x])


def test_norm_gradient_at_zero_and_ties():
    z = np.zeros((2, 3), np.float32)
    check(lambda t, a: a.norm(), [z])
    check(lambda t, a: a.norm(dim=1), [z])
    check(lambda t, a: a.norm(3), [z])
    check(lambda t, a: a.norm(0.5), [np.array([0.0, 1.0, -2.0], np.float32)])
    check(lambda t, a: a.norm(INF), [np.array([-2.0, 1.0, 2.0], np.float32)])
    check(lambda t, a: a.norm(-INF, dim=0), [np.array([[-1.0, 1.0], [1.0, 3.0]], np.float32)])


@pytest.mark.parametrize("dim,keepdim", [(0, False), (-1, True), ((0, 1), False),
                                         ((2, 0), True)], ids=str)
def test_logsumexp(dim, keepdim):
    x = s(2, 3, 4)
    check(lambda t, a: t.logsumexp(a, dim, keepdim), [x])
    gradcheck_fn(lambda t, a: a.logsumexp(dim, keepdim=keepdim), [x])


def test_logsumexp_is_stable():
    x = np.array([[1000.0, 1000.0, -1000.0], [-np.inf, -np.inf, -np.inf],
                  [np.inf, 0.0, 1.0]], dtype=np.float32)
    check(lambda t, a: a.logsumexp(1), [x], grad=False)
    check(lambda t, a: a.logsumexp(1), [x[:1]])
    check(lambda t, a: t.logsumexp(a, 0), [s(3, dtype="int64")])


# ---------------------------------------------------------------------------------------------
# cumulative scans
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("op", ["cumsum", "cumprod"])
@pytest.mark.parametrize("shape,dim", [((5,), 0), ((3, 4), 1), ((3, 4), -2), ((2, 3, 4), 1),
                                       ((), 0), ((0, 3), 0), ((2, 0), 1)], ids=str)
def test_cumsum_cumprod(op, shape, dim):
    x = s(*shape, low=0.5, high=1.5)
    check(lambda t, a: getattr(t, op)(a, dim), [x])
    if x.size:
        gradcheck_fn(lambda t, a: getattr(a, op)(dim), [x])


@pytest.mark.parametrize("zeros", [1, 2, 3])
@pytest.mark.parametrize("dim", [0, 1])
def test_cumprod_gradient_with_zeros(zeros, dim):
    x = with_zeros(3, 5, zeros=zeros)
    x[2, 3] = 0  # one more zero, in the middle of a row
    check(lambda t, a: a.cumprod(dim), [x])
    gradcheck_fn(lambda t, a: a.cumprod(dim), [x])


def test_cumsum_inplace():
    x = s(3, 4)
    check(lambda t, a: (a * 1).cumsum_(1), [x])
    check(lambda t, a: a.clone().cumprod_(0), [x])


@pytest.mark.parametrize("op", ["cummax", "cummin"])
@pytest.mark.parametrize("shape,dim", [((6,), 0), ((3, 4), 1), ((3, 4), 0), ((2, 3, 4), -1),
                                       ((), 0), ((0, 3), 1)], ids=str)
def test_cummax_cummin(op, shape, dim):
    x = distinct(*shape) if shape else s()
    check(lambda t, a: tuple(getattr(t, op)(a, dim)), [x])
    assert type(getattr(gt, op)(gt.tensor(x), dim)).__name__ == op
    if x.size:
        gradcheck_fn(lambda t, a: getattr(a, op)(dim).values, [x])


def test_cummax_ties_nan_int_bool():
    """The index moves on ties (the latest one) and at every nan; the gradient sums over
    every output that picked an element."""
    x = np.array([[1.0, 3.0, 3.0, 2.0, 5.0, 5.0], [3.0, 1.0, 1.0, 2.0, 0.0, 0.0]], np.float32)
    check(lambda t, a: tuple(a.cummax(1)), [x])
    check(lambda t, a: tuple(a.cummin(1)), [x])
    n = np.array([1.0, np.nan, 3.0, np.nan, 0.0], np.float32)
    check(lambda t, a: tuple(a.cummax(0)), [n], grad=False)
    check(lambda t, a: tuple(a.cummin(0)), [n], grad=False)
    check(lambda t, a: tuple(a.cummax(1)), [s(3, 5, dtype="int64")])
    check(lambda t, a: tuple(a.cummin(0)), [s(4, dtype="bool")])


# ---------------------------------------------------------------------------------------------
# all / any / count_nonzero
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("op", ["all", "any"])
@pytest.mark.parametrize("args", [(), (0,), (1, True), ((0, 1),), (-1,)], ids=str)
@pytest.mark.parametrize("dtype", ["bool", "float32", "int64", "uint8"])
def test_all_any(op, args, dtype):
    x = s(3, 4, dtype=dtype, low=-0.4, high=0.4)
    if dtype == "float32":
        x[0, 0] = np.nan
    check(lambda t, a: getattr(a, op)(*args), [x])
    check(lambda t, a: getattr(t, op)(a, *args), [x > 1])


def test_all_any_empty_and_0d():
    check(lambda t, a: (a.all(), a.any(), a.all(0), a.any(1)), [s(0, 3)])
    check(lambda t, a: (a.all(), a.any(0)), [s()])


@pytest.mark.parametrize("dim", [None, 0, -1, (0, 1), (1, 2)], ids=str)
def test_count_nonzero(dim):
    x = s(2, 3, 4, dtype="int64", low=-0.4, high=0.4)
    check(lambda t, a: t.count_nonzero(a, dim), [x])
    check(lambda t, a: a.count_nonzero(dim=dim), [x.astype(bool)])


# ---------------------------------------------------------------------------------------------
# median, mode, kthvalue, quantile
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(5,), (3, 4), (2, 3, 4), ()], ids=str)
def test_median_all(shape):
    x = distinct(*shape)
    check(lambda t, a: a.median(), [x])
    check(lambda t, a: t.nanmedian(a), [x])
    gradcheck_fn(lambda t, a: a.median(), [x])


@pytest.mark.parametrize("op", ["median", "nanmedian"])
@pytest.mark.parametrize("dim,keepdim", [(0, False), (1, True), (-1, False), (-3, True)],
                         ids=str)
def test_median_dim(op, dim, keepdim):
    x = distinct(2, 3, 4)
    check(lambda t, a: tuple(getattr(t, op)(a, dim, keepdim)), [x])
    gradcheck_fn(lambda t, a: getattr(a, op)(dim, keepdim).values, [x])
    check(lambda t, a: tuple(getattr(a, op)(dim, keepdim=keepdim)), [s(2, 3, 4, dtype="int64")])


def test_median_ties_nan_empty():
    """Ties: the gradient goes to the returned index (dim) or is shared (no dim); nan: the
    median is nan (nanmedian skips it); empty: nan without dim."""
    x = np.array([[2.0, 1.0, 2.0, 2.0, 1.0], [4.0, 4.0, 4.0, 1.0, 0.0]], dtype=np.float32)
    check(lambda t, a: tuple(a.median(1)), [x])
    check(lambda t, a: a.median(), [x])
    n = np.array([[2.0, np.nan, 1.0, np.nan], [1.0, 3.0, 2.0, np.nan],
                  [np.nan, np.nan, np.nan, np.nan]], dtype=np.float32)
    check(lambda t, a: tuple(a.median(1)), [n], grad=False)
    check(lambda t, a: tuple(a.nanmedian(1)), [n[:2]], grad=False)
    # an all-nan slice: nanmedian is nan; torch's index there is arbitrary (unstable select)
    check(lambda t, a: a.nanmedian(1).values, [n], grad=False)
    check(lambda t, a: (a.median(), a[:2].nanmedian()), [n], grad=False)
    check(lambda t, a: a.median(), [s(0)], grad=False)


@pytest.mark.parametrize("dim,keepdim", [(-1, False), (0, True), (1, False)], ids=str)
def test_mode(dim, keepdim):
    x = s(3, 4, 7, dtype="int64", low=-0.5, high=0.5)   # values in {-1, 0, 1}: many ties
    check(lambda t, a: tuple(t.mode(a, dim, keepdim)), [x])
    f = x.astype(np.float32)
    check(lambda t, a: tuple(a.mode(dim, keepdim=keepdim)), [f])
    # all counts 1: the mode is the smallest element, away from ties, so differentiable
    gradcheck_fn(lambda t, a: a.mode(dim).values, [distinct(3, 4, 7)])


def test_mode_edges():
    check(lambda t, a: tuple(a.mode()), [s()])
    check(lambda t, a: tuple(a.mode(1)), [s(0, 3)])
    check(lambda t, a: tuple(a.mode()), [np.array([2, 1, 2, 1, 3, 1, 2], np.int64)])
    check(lambda t, a: tuple(a.mode(0)), [s(5, dtype="bool")])


@pytest.mark.parametrize("k,dim,keepdim", [(1, -1, False), (3, 1, True), (2, 0, False),
                                           (4, -1, True)], ids=str)
def test_kthvalue(k, dim, keepdim):
    x = distinct(2, 3, 4)
    check(lambda t, a: tuple(t.kthvalue(a, k, dim, keepdim)), [x])
    gradcheck_fn(lambda t, a: a.kthvalue(k, dim).values, [x])
    check(lambda t, a: tuple(a.kthvalue(1, 0)), [s()])


@pytest.mark.parametrize("op", ["quantile", "nanquantile"])
@pytest.mark.parametrize("q", [0.0, 0.3, 0.5, 1.0, "tensor"], ids=str)
@pytest.mark.parametrize("dim,keepdim", [(None, False), (None, True), (1, False), (-1, True),
                                         (0, False)], ids=str)
def test_quantile(op, q, dim, keepdim):
    x = distinct(3, 5)
    if q == "tensor":
        fn = lambda t, a: getattr(t, op)(a, t.tensor([0.1, 0.5, 0.75], dtype=a.dtype), dim,
                                         keepdim)
    else:
        fn = lambda t, a: getattr(a, op)(q, dim=dim, keepdim=keepdim)
    check(fn, [x])
    gradcheck_fn(fn, [x])


@pytest.mark.parametrize("interpolation", ["linear", "lower", "higher", "midpoint", "nearest"])
def test_quantile_interpolation(interpolation):
    x = distinct(4, 6)
    fn = lambda t, a: a.quantile(t.tensor([0.0, 0.2, 0.5, 0.9], dtype=a.dtype), 1,
                                 interpolation=interpolation)
    check(fn, [x])
    check(lambda t, a: a.quantile(0.5, interpolation=interpolation),
          [np.array([0.0, 1.0, 2.0, 3.0], np.float32)])
    gradcheck_fn(fn, [x])


def test_quantile_nan_and_0d():
    n = np.array([[1.0, np.nan, 3.0, 2.0], [np.nan] * 4, [4.0, 3.0, 2.0, 1.0]], np.float32)
    check(lambda t, a: a.quantile(0.4, dim=1), [n], grad=False)
    check(lambda t, a: a.nanquantile(0.4, dim=1), [n], grad=False)
    check(lambda t, a: a.quantile(0.3, dim=0), [s()])
    check(lambda t, a: a.quantile(t.tensor([0.5]), dim=0, keepdim=True), [s(4)])


# ---------------------------------------------------------------------------------------------
# diff
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("args", [(), (1, 0), (2, -1), (3, 1), (5,), (0,)], ids=str)
@pytest.mark.parametrize("dtype", ["float32", "int64", "bool"])
def test_diff(args, dtype):
    x = s(3, 4, dtype=dtype)
    check(lambda t, a: t.diff(a, *args), [x])
    if dtype == "float32":
        gradcheck_fn(lambda t, a: a.diff(*args), [x])


def test_diff_prepend_append():
    x, p, q = s(3, 4), s(3, 1), s(3, 2)
    check(lambda t, a, b, c: t.diff(a, prepend=b, append=c), [x, p, q])
    check(lambda t, a, b: a.diff(2, dim=0, append=b), [x, s(2, 4)])
    check(lambda t, a, b: t.diff(a, prepend=b), [s(2, 3, dtype="int64"), s(2, 1)])
    gradcheck_fn(lambda t, a, b: t.diff(a, prepend=b), [x, p])


# ---------------------------------------------------------------------------------------------
# double backward (create_graph=True) against torch
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("case", [
    ("sum", lambda a: (a * a).sum(1)),
    ("sum_all_keepdim", lambda a: (a * a * a).sum((0, 1, 2), keepdim=True)),
    ("mean", lambda a: (a * a).mean((0, 2))),
    ("var", lambda a: a.var(1)),
    ("var_all", lambda a: a.var(correction=0)),
    ("std", lambda a: a.std(-1, keepdim=True)),
    ("logsumexp", lambda a: a.logsumexp(1)),
    ("norm", lambda a: a.norm(dim=0)),
    ("amax", lambda a: (a * a).amax(1)),
    ("max_dim", lambda a: (a * a).max(2).values),
    ("median_dim", lambda a: (a * a).median(0).values),
], ids=lambda c: c[0])
def test_double_backward(case):
    """d/dx of <w, d(<u, f(x)>)/dx> matches torch: the backward is itself differentiated."""
    fn = case[1]
    x = distinct(2, 3, 4, dtype="float64")
    results = []
    for lib in (torch, gt):
        a = lib.tensor(x.copy(), requires_grad=True)
        out = fn(a)
        u = lib.tensor(np.random.default_rng(1).standard_normal(tuple(out.shape)))
        (ga,) = lib.autograd.grad((out * u).sum(), a, create_graph=True)
        w = lib.tensor(np.random.default_rng(2).standard_normal(x.shape))
        (gga,) = lib.autograd.grad((ga * w).sum(), a)
        results.append((ga, gga))
    (tg, tgg), (og, ogg) = results
    assert_same(og, tg, rtol=1e-7, atol=1e-9, what="first derivative")
    assert_same(ogg, tgg, rtol=1e-7, atol=1e-9, what="second derivative")


# ---------------------------------------------------------------------------------------------
# error parity
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("case", [
    ("sum_dim_out_of_range", lambda t: t.ones(2, 3).sum(2), "out of range"),
    ("sum_neg_dim_out_of_range", lambda t: t.ones(2, 3).sum(-3), "out of range"),
    ("sum_dim_repeated", lambda t: t.ones(2, 3).sum((0, 0)), "multiple times"),
    ("sum_float_dim", lambda t: t.ones(2, 3).sum(0.5), None),
    ("sum_not_tensor", lambda t: t.sum([1, 2]), None),
    ("mean_int", lambda t: t.ones(2, dtype=t.int64).mean(), "Long"),
    ("mean_bool", lambda t: t.ones(2, dtype=t.bool).mean(0), "Bool"),
    ("nanmean_int", lambda t: t.ones(2, dtype=t.int64).nanmean(), "Long"),
    ("var_int", lambda t: t.ones(2, dtype=t.int64).var(), "floating point"),
    ("std_int", lambda t: t.ones(2, dtype=t.int32).std(0), "floating point"),
    ("var_unbiased_and_correction", lambda t: t.ones(2, 3).var(0, unbiased=True,
                                                                correction=1), None),
    ("var_dim_out_of_range", lambda t: t.ones(2, 3).var(5), "out of range"),
    ("max_empty", lambda t: t.ones(0).max(), "numel() == 0"),
    ("min_empty", lambda t: t.ones(0, 3).min(), "numel() == 0"),
    ("max_dim_empty", lambda t: t.ones(0, 3).max(0), "non-zero size"),
    ("max_tuple_dim", lambda t: t.ones(2, 3).max((0, 1)), None),
    ("max_dim_out_of_range", lambda t: t.ones(2, 3).max(2), "out of range"),
    ("max_0d_dim_1", lambda t: t.tensor(1.0).max(1), "out of range"),
    ("amax_empty", lambda t: t.ones(0).amax(), "numel() == 0"),
    ("amax_empty_dim", lambda t: t.ones(0, 3).amax(0), "non-zero size"),
    ("amin_empty_dims", lambda t: t.ones(0, 2).amin((0, 1)), "non-zero size"),
    ("aminmax_empty", lambda t: t.ones(0).aminmax(), "empty"),
    ("argmax_empty", lambda t: t.ones(0, 3).argmax(), "numel() == 0"),
    ("argmax_bool", lambda t: t.ones(2, dtype=t.bool).argmax(), "bool"),
    ("argmax_tuple", lambda t: t.ones(2, 2).argmax((0, 1)), None),
    ("prod_tuple_dim", lambda t: t.ones(2, 3).prod((0, 1)), None),
    ("prod_dim_out_of_range", lambda t: t.ones(2, 3).prod(-3), "out of range"),
    ("norm_int", lambda t: t.ones(2, dtype=t.int64).norm(), "Long"),
    ("norm_bad_order", lambda t: t.ones(2, 2).norm("abc"), "abc"),
    ("norm_fro_3_dims", lambda t: t.ones(2, 2, 2).norm("fro", dim=(0, 1, 2)), "2-tuple"),
    ("norm_inf_empty", lambda t: t.ones(0).norm(float("inf")), "empty"),
    ("logsumexp_no_dim", lambda t: t.logsumexp(t.ones(2)), "dim"),
    ("cumsum_no_dim", lambda t: t.ones(2).cumsum(), "dim"),
    ("cumsum_dim_out_of_range", lambda t: t.ones(2).cumsum(1), "out of range"),
    ("cumprod_0d_dim_out_of_range", lambda t: t.tensor(2.0).cumprod(2), "out of range"),
    ("cummax_dim_out_of_range", lambda t: t.ones(2, 3).cummax(-3), "out of range"),
    ("all_dim_out_of_range", lambda t: t.ones(2).all(1), "out of range"),
    ("count_nonzero_dim_out_of_range", lambda t: t.count_nonzero(t.ones(2), 3),
     "out of range"),
    ("median_dim_empty", lambda t: t.ones(0, 3).median(0), "non-zero size"),
    ("median_dim_out_of_range", lambda t: t.ones(3).median(1), "out of range"),
    ("mode_dim_empty", lambda t: t.ones(0, 3).mode(0), "non-zero size"),
    ("kthvalue_k_too_big", lambda t: t.ones(2, 5).kthvalue(6, 1), "out of range"),
    ("kthvalue_k_zero", lambda t: t.ones(2, 5).kthvalue(0), "out of range"),
    ("kthvalue_k_float", lambda t: t.ones(5).kthvalue(1.0), None),
    ("quantile_int", lambda t: t.ones(3, dtype=t.int64).quantile(0.5), "float or double"),
    ("quantile_q_range", lambda t: t.ones(3).quantile(1.5), "range [0, 1]"),
    ("quantile_q_tensor_range", lambda t: t.ones(3).quantile(t.tensor([0.2, -0.1])),
     "range [0, 1]"),
    ("quantile_q_dtype", lambda t: t.ones(3).quantile(t.tensor([0.5], dtype=t.float64)),
     "same dtype"),
    ("quantile_q_2d", lambda t: t.ones(3).quantile(t.ones(1, 1) * 0.5), "1D tensor"),
    ("quantile_empty", lambda t: t.ones(0).quantile(0.5), "non-empty"),
    ("quantile_bad_interpolation", lambda t: t.ones(3).quantile(0.5, interpolation="foo"),
     "foo"),
    ("diff_0d", lambda t: t.diff(t.tensor(1.0)), "one-dimensional"),
    ("diff_negative_order", lambda t: t.ones(3).diff(-1), "non-negative"),
    ("diff_prepend_ndim", lambda t: t.ones(2, 3).diff(prepend=t.ones(2)), "same dimension"),
    ("diff_prepend_number", lambda t: t.ones(2, 3).diff(prepend=0), None),
    ("diff_dim_out_of_range", lambda t: t.ones(2, 3).diff(dim=2), "out of range"),
    ("quantile_dim_out_of_range", lambda t: t.ones(3).quantile(0.5, dim=1), "out of range"),
], ids=lambda c: c[0])
def test_errors(case):
    _, fn, match = case
    check_error(fn, match=match)
