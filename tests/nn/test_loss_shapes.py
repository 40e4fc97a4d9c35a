"""Class-index losses with K-dimensional targets whose trailing dims are 1 (issue 6: the loss
was doubled and reduction='none' broadcast to (N, N)): values, shapes and gradients against
PyTorch."""
import numpy as np
import pytest

from tests.oracle.harness import check, gradcheck_fn

SHAPES = [((2, 3, 1), (2, 1)), ((4, 3, 1, 1), (4, 1, 1)), ((3, 5, 1, 2), (3, 1, 2)),
          ((1, 3, 1), (1, 1)), ((2, 3, 2, 1), (2, 2, 1))]


def _inputs(x_shape, t_shape, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(x_shape).astype("float32")
    t = rng.integers(0, x_shape[1], t_shape).astype("int64")
    return x, t


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("x_shape,t_shape", SHAPES, ids=str)
def test_cross_entropy_trailing_size_one_dims(x_shape, t_shape, reduction):
    x, t = _inputs(x_shape, t_shape)
    check(lambda lib, a, b: lib.nn.functional.cross_entropy(a, b, reduction=reduction), [x, t])
    weight = np.linspace(0.5, 2.0, x_shape[1]).astype("float32")
    check(lambda lib, a, b: lib.nn.functional.cross_entropy(
        a, b, weight=lib.tensor(weight), reduction=reduction, label_smoothing=0.1), [x, t])


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("x_shape,t_shape", SHAPES, ids=str)
def test_nll_loss_trailing_size_one_dims(x_shape, t_shape, reduction):
    x, t = _inputs(x_shape, t_shape, 1)
    check(lambda lib, a, b: lib.nn.functional.nll_loss(a, b, reduction=reduction), [x, t])
    t[0].flat[0] = -100                                       # an ignored position
    check(lambda lib, a, b: lib.nn.functional.nll_loss(a, b, reduction=reduction), [x, t])


def test_cross_entropy_trailing_size_one_gradcheck():
    x, t = _inputs((3, 4, 1), (3, 1))
    gradcheck_fn(lambda lib, a, b: lib.nn.functional.cross_entropy(a, b), [x, t])
