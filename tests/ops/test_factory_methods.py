"""Oracle tests for the factory methods (x.new_zeros, x.new_tensor …), scalar_tensor and
tril_indices / triu_indices."""
import warnings

import numpy as np
import pytest

import glasstorch as gt
from tests.oracle.harness import check, check_error, sample


# ---------------------------------------------------------------------------------------------
# x.new_* factories
# ---------------------------------------------------------------------------------------------
NEW = [
    lambda t, x: x.new_zeros(2, 3),
    lambda t, x: x.new_zeros((2,)),
    lambda t, x: x.new_zeros(size=(1, 2)),
    lambda t, x: x.new_zeros([]),
    lambda t, x: x.new_ones([2], dtype=t.int32),
    lambda t, x: x.new_ones(3, dtype=t.float32, requires_grad=True),
    lambda t, x: x.new_full((2,), 3),
    lambda t, x: x.new_full([2, 1], 2.5, dtype=t.float16),
    lambda t, x: x.new_empty(2, 3).shape,
    lambda t, x: (str(x.new_empty((4,), dtype=t.int16).dtype), x.new_empty(0).shape),
    lambda t, x: x.new_tensor([1.7, 2]),
    lambda t, x: x.new_tensor([[1, 2]], dtype=t.bool),
    lambda t, x: x.new_tensor(3),
    lambda t, x: x.new(),
    lambda t, x: x.new(2, 3).shape,
    lambda t, x: x.new([1, 2]),
]


@pytest.mark.parametrize("dtype", ["float64", "int64", "float32"])
@pytest.mark.parametrize("fn", NEW)
def test_new_factories(fn, dtype):
    check(fn, [sample((2,), dtype)], grad=False)


def test_new_tensor_copies_and_detaches():
    src = np.array([1.0, 2.0], "float32")

    def run(t, x):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = x.new_tensor(t.tensor(src, requires_grad=True))
        assert any("detach" in str(w.message) for w in caught)
        return out, out.requires_grad
    check(run, [sample((2,), "float64")], grad=False)
    x = gt.tensor(src)
    with pytest.warns(UserWarning, match="detach"):
        y = x.new_tensor(x)
    y.add_(1)
    assert x.tolist() == [1.0, 2.0]   # a copy, not a view
    assert x.new_ones(2, requires_grad=True).is_leaf


def test_new_factory_errors():
    check_error(lambda t: t.ones(2).new_full(2, 3))
    check_error(lambda t: t.ones(2).new_zeros(-1))
    check_error(lambda t: t.ones(2).new_zeros(2.5))


# ---------------------------------------------------------------------------------------------
# scalar_tensor, tril_indices, triu_indices
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("fn", [
    lambda t: t.scalar_tensor(3), lambda t: t.scalar_tensor(True),
    lambda t: t.scalar_tensor(2.5, dtype=t.float64), lambda t: t.scalar_tensor(2, dtype=t.int64),
    lambda t: t.scalar_tensor(t.tensor(4)), lambda t: t.scalar_tensor(1.5, requires_grad=True),
    lambda t: t.tril_indices(3, 4, 1), lambda t: t.tril_indices(3, 3),
    lambda t: t.tril_indices(4, 2, -1), lambda t: t.triu_indices(3, 4),
    lambda t: t.triu_indices(3, 3, 2), lambda t: t.triu_indices(0, 3),
    lambda t: t.triu_indices(3, 3, -5), lambda t: t.tril_indices(3, 3, dtype=t.int32),
])
def test_scalar_tensor_and_triangle_indices(fn):
    check(lambda t: fn(t), [], grad=False)


def test_factory_errors():
    check_error(lambda t: t.tril_indices(-1, 3), match="non-negative")
    check_error(lambda t: t.triu_indices(3, -2))
    check_error(lambda t: t.tril_indices(3, 3, dtype=t.float32))
    check_error(lambda t: t.scalar_tensor("a"))
