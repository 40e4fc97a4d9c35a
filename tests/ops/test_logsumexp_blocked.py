"""logsumexp of float32/64 over contiguous rows (its trailing dims, or all of it) goes block by
block through a cache-sized buffer and, when no row can overflow or underflow, skips the shift
by the max (_log_sum_exp_unshifted). Checked against PyTorch on each way it splits (rows
longer than a block and ragged, many short rows per block), on rows that need the shift (large
or very negative values, mixed with ordinary rows), inf/NaN rows, and with gradients."""
import numpy as np
import pytest
import torch

import glasstorch as gt
from glasstorch._ops import reduce as gt_reduce
from tests.oracle.harness import check

BLOCK = gt_reduce._BLOCK_ELEMENTS


def _normal(shape, scale=1.0, offset=0.0, dtype=np.float32, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(shape) * scale + offset).astype(dtype)


CASES = [
    ((2, BLOCK * 2 + 11), 1),
    ((BLOCK // 300 * 2 + 5, 300), 1),
    ((3, 4, 50, 20), (2, 3)),
    ((BLOCK + 3,), 0),
    ((40, 30), (0, 1)),
]


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("shape, dim", CASES, ids=str)
def test_values_and_grads(shape, dim, keepdim):
    check(lambda t, a: t.logsumexp(a, dim, keepdim=keepdim), [_normal(shape, 3.0)])


@pytest.mark.parametrize("offset", [85.0, -120.0, 700.0])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_rows_that_need_the_shift(offset, dtype):
    x = _normal((4, 3000), 2.0, dtype=dtype)
    x[1] += offset          # one row overflows or underflows unshifted; the others do not
    check(lambda t, a: t.logsumexp(a, 1), [x], rtol=1e-6, atol=1e-5)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_inf_and_nan_rows(bad):
    x = _normal((4, 3000))
    x[1, 5] = bad
    x[2] = -np.inf
    ours = gt.logsumexp(gt.tensor(x), 1).numpy()
    theirs = torch.logsumexp(torch.tensor(x), 1).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-6)


def test_fortran_order_all_dims():
    x = np.asfortranarray(_normal((300, 40), 4.0))
    check(lambda t, a: t.logsumexp(a, (0, 1)), [x])


def test_unshifted_sum_accuracy_within_10x_of_torch():
    x = _normal((16, 65536), 2.0, seed=4)
    reference = torch.logsumexp(torch.tensor(x, dtype=torch.float64), 1).numpy()
    ours = gt.logsumexp(gt.tensor(x), 1).numpy().astype(np.float64)
    theirs = torch.logsumexp(torch.tensor(x), 1).numpy().astype(np.float64)
    torch_error = np.max(np.abs(theirs - reference) / np.abs(reference))
    assert np.max(np.abs(ours - reference) / np.abs(reference)) <= \
        10 * max(torch_error, 2.0 ** -24)
