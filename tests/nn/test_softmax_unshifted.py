"""softmax / log_softmax along the last dim skip the max shift when the row sums of exp(x) show
it is safe, and fall back to the shifted form otherwise. These cases sit on both sides of that
decision (row sums near exp(-T) and near overflow, rows mixing both, -inf masks, NaN, whole
batches of attention-shaped scores) and are compared with PyTorch, values and gradients."""
import numpy as np
import pytest

from tests.oracle.harness import check

RNG = np.random.default_rng(5)
# T = log(float max) / 2: the unshifted path needs every row sum in [exp(-T), inf)
LIMIT = {"float32": 44.36, "float64": 354.9}


def F(lib):
    return lib.nn.functional


def tol(dtype):
    return dict(rtol=1e-5, atol=1e-6) if dtype == "float32" else dict(rtol=1e-10, atol=1e-12)


def scores(shape, dtype, scale=3.0):
    return (RNG.standard_normal(shape) * scale).astype(dtype)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shift", ["low", "just_low", "just_high", "high", "mixed"])
def test_rows_on_both_sides_of_the_unshifted_limit(name, dtype, shift):
    x = scores((3, 2, 6, 7), dtype)
    limit = LIMIT[dtype]
    offsets = {"low": -3 * limit, "just_low": -limit - 8, "just_high": -limit + 8,
               "high": 2.1 * limit}
    if shift == "mixed":                     # one batch row far out, the others ordinary
        x[1, 0, 2] += 3 * limit
        x[2, 1, 4] -= 3 * limit
    else:
        x += offsets[shift]
    check(lambda t, a: getattr(F(t), name)(a, -1), [x], **tol(dtype))


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_masks_underflow_and_nan_rows(name, dtype):
    x = scores((2, 3, 5, 5), dtype)
    x[..., np.triu_indices(5, 1)[0], np.triu_indices(5, 1)[1]] = -np.inf   # causal mask
    x[0, 0, 1, 0] = -200.0 if dtype == "float32" else -1000.0   # an entry that underflows
    check(lambda t, a: getattr(F(t), name)(a, -1), [x], **tol(dtype))
    x[1, 2, 3] = -np.inf                     # a fully masked row: NaN, as in PyTorch
    check(lambda t, a: getattr(F(t), name)(a, -1), [x], grad=False, **tol(dtype))
    x[1, 2, 3] = 0.0
    x[0, 1, 2, 2] = np.nan                   # a NaN poisons its row only
    check(lambda t, a: getattr(F(t), name)(a, -1), [x], grad=False, **tol(dtype))
    x[0, 1, 2, 2] = np.inf                   # +inf: NaN row in both
    check(lambda t, a: getattr(F(t), name)(a, -1), [x], grad=False, **tol(dtype))


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_attention_shaped_scores_and_tensor_method(name):
    x = scores((2, 4, 16, 16), "float32")
    check(lambda t, a: getattr(F(t), name)(a, dim=3), [x])
    check(lambda t, a: getattr(a, name)(-1), [x])
    check(lambda t, a: getattr(F(t), name)(a.transpose(-1, -2), -1), [x])   # strided rows


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("bad", [None, "overflow", "masked"])
def test_several_row_blocks_with_a_bad_row_in_the_last(name, bad):
    # 2*4*128 rows of 160: more than one block of 2**17 elements; the last row decides late
    x = scores((2, 4, 128, 160), "float32")
    if bad == "overflow":
        x[-1, -1, -1, 0] = 120.0
    elif bad == "masked":
        x[-1, -1, -1] = -np.inf
    check(lambda t, a: getattr(F(t), name)(a, -1), [x], grad=bad != "masked")
