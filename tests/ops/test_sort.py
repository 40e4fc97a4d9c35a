"""Oracle tests for sort, argsort, msort, topk, unique, unique_consecutive, bincount,
searchsorted and bucketize: values, dtypes, shapes, value gradients, errors."""
import numpy as np
import pytest

from tests.oracle.harness import check, check_error, gradcheck_fn, sample

TIES = np.array([[2, 1, 2, 1, 3, 2], [0, 0, 5, -1, 5, 0]], np.int64)
WITH_NAN = np.array([2.0, np.nan, 1.0, -3.0, np.nan, 0.5], np.float32)


@pytest.mark.parametrize("descending", [False, True])
def test_sort(descending):
    kw = dict(descending=descending)
    check(lambda t, x: t.sort(x, **kw), [sample((3, 5))])
    check(lambda t, x: x.sort(dim=0, **kw), [sample((4, 3))])
    check(lambda t, x: t.sort(x, dim=-2, **kw), [sample((2, 4, 3))])
    check(lambda t, x: t.sort(x, stable=True, **kw), [TIES], grad=False)
    check(lambda t, x: t.sort(x, stable=True, **kw), [TIES.astype(np.float64)])
    check(lambda t, x: t.sort(x, **kw), [WITH_NAN], grad=False)
    check(lambda t, x: t.sort(x, **kw), [sample(())])
    check(lambda t, x: t.sort(x, **kw), [sample((0, 3))])
    check(lambda t, x: t.sort(x, **kw), [sample((7,), "bool")], grad=False)
    check(lambda t, x: t.sort(x[:, ::2], **kw), [sample((3, 8))])
    out = check(lambda t, x: t.sort(x, **kw), [sample((3, 5))])
    assert out.values is out[0] and out.indices is out[1]
    gradcheck_fn(lambda t, x: t.sort(x, dim=0, **kw)[0], [sample((4, 3), "float64")])


@pytest.mark.parametrize("descending", [False, True])
def test_argsort_msort(descending):
    check(lambda t, x: t.argsort(x, descending=descending, stable=True), [TIES], grad=False)
    check(lambda t, x: x.argsort(dim=0, descending=descending), [sample((4, 3))], grad=False)
    check(lambda t, x: t.argsort(x, descending=descending), [sample(())], grad=False)
    check(lambda t, x: t.msort(x), [sample((4, 3))])
    check(lambda t, x: x.msort(), [TIES.T.copy()], grad=False)
    gradcheck_fn(lambda t, x: t.msort(x), [sample((4, 3), "float64")])


@pytest.mark.parametrize("largest", [True, False])
def test_topk(largest):
    x = np.random.default_rng(3).permutation(40).reshape(5, 8).astype(np.float32) / 7
    check(lambda t, x: t.topk(x, 3, largest=largest), [x])
    check(lambda t, x: x.topk(2, dim=0, largest=largest), [x])
    check(lambda t, x: t.topk(x, 8, largest=largest), [x])
    check(lambda t, x: t.topk(x, 0, largest=largest), [x])
    check(lambda t, x: t.topk(x, 1, dim=-2, largest=largest), [x[:4].reshape(2, 2, 8)])
    check(lambda t, x: t.topk(x, 3, largest=largest), [(x * 7).round().astype(np.int64)],
          grad=False)
    check(lambda t, x: t.topk(x, 2, largest=largest), [WITH_NAN], grad=False)
    check(lambda t, x: t.topk(x, 1, largest=largest), [sample(())])
    check(lambda t, x: t.topk(x[:, ::2], 2, largest=largest), [x])
    # sorted=False: any order is allowed, so compare as sets
    got = check(lambda t, x: t.topk(x, 3, largest=largest, sorted=False).values.sort()[0], [x])
    assert got.shape == (5, 3)
    gradcheck_fn(lambda t, x: t.topk(x, 2, largest=largest)[0], [x.astype(np.float64)])


UNIQUE_INPUTS = [np.array([3, 1, 1, 2, 3, 3]), TIES, np.array([True, False, True]),
                 np.array([1.5, -0.5, 1.5, 2.0], np.float32), np.array([], np.int64),
                 np.array(4)]


@pytest.mark.parametrize("x", UNIQUE_INPUTS)
def test_unique(x):
    for kw in (dict(), dict(return_inverse=True), dict(return_counts=True),
               dict(return_inverse=True, return_counts=True)):
        check(lambda t, x: t.unique(x, **kw), [x], grad=False)
        check(lambda t, x: x.unique_consecutive(**kw), [x], grad=False)
        if x.ndim:
            check(lambda t, x: t.unique(x, dim=0, **kw), [x], grad=False)
            check(lambda t, x: t.unique_consecutive(x, dim=-1, **kw), [x], grad=False)


def test_unique_rows_and_nan():
    rows = np.array([[1, 2], [1, 2], [0, 5], [1, 2]])
    kw = dict(return_inverse=True, return_counts=True)
    check(lambda t, x: t.unique(x, dim=0, **kw), [rows], grad=False)
    check(lambda t, x: t.unique(x, dim=1, **kw), [rows.T.copy()], grad=False)
    check(lambda t, x: t.unique_consecutive(x, dim=0, **kw), [rows], grad=False)
    check(lambda t, x: t.unique_consecutive(x, **kw), [rows], grad=False)
    check(lambda t, x: t.unique(x), [np.array([1.0, np.nan, np.nan], np.float32)], grad=False)


def test_bincount():
    x = np.array([0, 3, 1, 3, 3, 7])
    check(lambda t, x: t.bincount(x), [x], grad=False)
    check(lambda t, x: x.bincount(minlength=10), [x], grad=False)
    check(lambda t, x: t.bincount(x, minlength=2), [x], grad=False)
    check(lambda t, x, w: t.bincount(x, weights=w), [x, sample((6,))], grad=False)
    check(lambda t, x, w: t.bincount(x, w), [x, sample((6,), "float64")], grad=False)
    check(lambda t, x, w: t.bincount(x, w), [x, sample((6,), "int64")], grad=False)
    check(lambda t, x: t.bincount(x, minlength=3), [np.array([], np.int64)], grad=False)
    check(lambda t, x: t.bincount(x), [x.astype(np.int32)], grad=False)


def test_searchsorted_and_bucketize():
    seq = np.array([1.0, 2.0, 2.0, 3.5, 7.0], np.float32)
    values = np.array([[0.5, 2.0, 3.5], [7.0, 8.0, 2.5]], np.float32)
    for kw in (dict(), dict(right=True), dict(side="right"), dict(side="left"),
               dict(out_int32=True)):
        check(lambda t, s, v: t.searchsorted(s, v, **kw), [seq, values], grad=False)
        check(lambda t, s: t.searchsorted(s, 2.0, **kw), [seq], grad=False)
        # one sorted row per row of values, ties included
        rows = np.array([[1.0, 2.0, 2.0, 4.0], [-1.0, 0.0, 7.0, 7.0]], np.float32)
        check(lambda t, s, v: t.searchsorted(s, v, **kw), [rows, values], grad=False)
        check(lambda t, s, v: t.searchsorted(s, v, **kw),
              [np.sort(sample((2, 3, 6)), -1), sample((2, 3, 4))], grad=False)
    unsorted = np.array([3.0, 1.0, 2.0], np.float32)
    check(lambda t, s, v, i: t.searchsorted(s, v, sorter=i),
          [unsorted, values, np.argsort(unsorted)], grad=False)
    check(lambda t, s, v: t.searchsorted(s, v), [np.array([1, 2, 3]), values], grad=False)
    for right in (False, True):
        check(lambda t, v, b: t.bucketize(v, b, right=right), [values, seq], grad=False)
        check(lambda t, b: t.bucketize(2.0, b, right=right, out_int32=True), [seq],
              grad=False)
        check(lambda t, v, b: t.bucketize(v, b, right=right), [sample(()), seq], grad=False)


ERRORS = [
    lambda t: t.topk(t.zeros(3, 4), 5),
    lambda t: t.topk(t.zeros(3), -1),
    lambda t: t.topk(t.zeros(3), 1, dim=2),
    lambda t: t.topk(t.tensor([True, False]), 1),
    lambda t: t.sort(t.zeros(3), dim=1),
    lambda t: t.argsort(t.zeros(3, 2), dim=-3),
    lambda t: t.unique(t.tensor([[1, 2]]), dim=2),
    lambda t: t.bincount(t.tensor([1, -1])),
    lambda t: t.bincount(t.tensor([[1, 2]])),
    lambda t: t.bincount(t.tensor([1.0, 2.0])),
    lambda t: t.bincount(t.tensor([True, False])),
    lambda t: t.bincount(t.tensor([1, 2]), weights=t.tensor([1.0, 2.0, 3.0])),
    lambda t: t.bincount(t.tensor([1, 2]), minlength=-1),
    lambda t: t.searchsorted(t.tensor([[1.0, 2, 3], [2, 3, 4]]), t.tensor([[2.5], [2], [1]])),
    lambda t: t.searchsorted(t.tensor([[1, 2, 3]]), 2),
    lambda t: t.searchsorted(t.tensor([1.0, 2, 3]), t.tensor([2.0]), side="left", right=True),
    lambda t: t.searchsorted(t.tensor([1.0, 2, 3]), t.tensor([2.0]), side="middle"),
    lambda t: t.bucketize(t.tensor([1.0, 2, 3]), t.tensor([[2.0]])),
]


@pytest.mark.parametrize("fn", ERRORS)
def test_errors(fn):
    check_error(fn)
