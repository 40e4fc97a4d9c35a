"""var/std of float32 over long contiguous rows take a blocked float64 route
(_summation.squared_deviation_sums): one pass through a cache-sized buffer and BLAS dots.
Checked against PyTorch on every shape that route splits differently (a row longer than a
block and not a multiple of it, several short rows per block with a ragged last block, the
trailing dims of a tensor, Fortran order), on constant rows (exactly 0, and std's gradient 0),
inf/NaN data, and for accuracy on values far from zero."""
import numpy as np
import pytest
import torch

import glasstorch as gt
from glasstorch._ops import _summation
from tests.oracle.harness import check

BLOCK = _summation._BLOCK_ELEMENTS


def _near(value, shape, seed=0):
    return (np.random.default_rng(seed).random(shape) + value).astype(np.float32)


CASES = [   # (shape, dim): each takes the blocked route
    ((BLOCK * 2 + 37,), None),                  # one long row, ragged last block
    ((3, BLOCK + 5), 1),                        # several long rows
    ((2 * BLOCK // 1500 + 3, 1500), 1),         # many short rows, ragged last block
    ((5, 6, 40, 50), (2, 3)),                   # trailing dims
    ((5, 6, 40, 50), (-1, -2)),
]


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("op", ["var", "std"])
@pytest.mark.parametrize("shape, dim", CASES)
def test_values_and_grads_match_torch(shape, dim, op, keepdim):
    x = _near(3.0, shape)
    if dim is None:
        check(lambda t, a: getattr(a, op)(), [x])
    else:
        check(lambda t, a: getattr(a, op)(dim, keepdim=keepdim, correction=0), [x])


def test_fortran_order_full_reduction():
    x = np.asfortranarray(_near(-2.0, (300, 40)))
    check(lambda t, a: a.var(), [x])
    check(lambda t, a: a.std(unbiased=False), [x])


@pytest.mark.parametrize("value", [0.1, 1000.3, -7.7, 0.0])
def test_constant_rows_give_exactly_zero(value):
    x = np.full((3, BLOCK + 100), value, np.float32)
    for lib in (gt, torch):
        assert not lib.tensor(x).var(1).numpy().any()
    a = gt.tensor(x, requires_grad=True)
    a.std(1).sum().backward()
    b = torch.tensor(x, requires_grad=True)
    b.std(1).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), b.grad.numpy())


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_and_inf(bad):
    x = _near(1.0, (4, 3000))
    x[1, 7] = bad
    x[3, 2999] = bad
    x[3, 0] = -bad
    ours = gt.tensor(x).var(1).numpy()
    theirs = torch.tensor(x).var(1).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-6)


def test_huge_values_do_not_overflow():
    x = _near(0.0, (2, 5000)) * np.float32(1e18)
    np.testing.assert_allclose(gt.tensor(x).var(1).numpy(), torch.tensor(x).var(1).numpy(),
                               rtol=1e-6)


@pytest.mark.parametrize("shape, dim", [((1 << 20,), None), ((64, 16384), 1)])
def test_error_far_from_zero_within_10x_of_torch(shape, dim):
    x = _near(1000.0, shape, seed=5)
    reference = x.astype(np.float64).var(axis=dim, ddof=1)
    ours = (gt.tensor(x).var() if dim is None else gt.tensor(x).var(dim)).numpy()
    theirs = (torch.tensor(x).var() if dim is None else torch.tensor(x).var(dim)).numpy()
    torch_error = np.max(np.abs(theirs - reference) / reference)
    our_error = np.max(np.abs(ours - reference) / reference)
    assert our_error <= 10 * max(torch_error, 2.0 ** -24)


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("shape", [(1, BLOCK * 2 + 37), (3, BLOCK + 5), (50, 1500)])
def test_the_blocked_sums_themselves(shape, threads):
    """The route is taken (not the fallback) and is exact to float64 rounding, with BLAS dots
    (one thread) and with NumPy's loops (more)."""
    x = _near(1000.0, shape, seed=7)
    before = gt.get_num_threads()
    gt.set_num_threads(threads)
    try:
        got = _summation.squared_deviation_sums(x)
    finally:
        gt.set_num_threads(before)
    wide = x.astype(np.float64)
    exact = ((wide - wide.mean(1, keepdims=True)) ** 2).sum(1)
    np.testing.assert_allclose(got, exact, rtol=1e-10)
