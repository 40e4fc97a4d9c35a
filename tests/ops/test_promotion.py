"""PyTorch's type promotion, checked against torch for every pair of the 9 dtypes: tensors with
dims, 0-d tensors and Python scalars, through add/sub/mul/div (dtype and values), plus
promote_types, result_type and can_cast."""
import numpy as np
import pytest
import torch

import glasstorch as gt
from tests.oracle.harness import check, check_error

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

DTYPES = ["float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool"]
OPS = {
    "add": lambda t, a, b: a + b,
    "sub": lambda t, a, b: t.sub(a, b),
    "mul": lambda t, a, b: a * b,
    "div": lambda t, a, b: a / b,
    "floor_divide": lambda t, a, b: a // b,
}


def _values(shape, dtype, seed):
    """Small positive values (no division by zero, no overflow) stored in `dtype`."""
    values = np.random.default_rng(seed).integers(1, 4, size=shape)
    return values.astype(dtype)


def _expected_error(da, db, name):
    """PyTorch refuses subtraction with any bool operand and floor division of two bools."""
    if name == "sub":
        return "bool" in (da, db)
    return name == "floor_divide" and da == db == "bool"


@pytest.mark.parametrize("name", list(OPS))
@pytest.mark.parametrize("da", DTYPES)
@pytest.mark.parametrize("db", DTYPES)
def test_tensor_tensor(name, da, db):
    a, b = _values((2, 3), da, 1), _values((3,), db, 2)
    if _expected_error(da, db, name):
        check_error(lambda t: OPS[name](t, t.tensor(a), t.tensor(b)))
        return
    check(OPS[name], [a, b], grad=False, rtol=1e-3)


@pytest.mark.parametrize("name", list(OPS))
@pytest.mark.parametrize("da", DTYPES)
@pytest.mark.parametrize("db", DTYPES)
def test_tensor_and_zero_dim_tensor(name, da, db):
    """A 0-d tensor only decides the dtype when it is of a higher category."""
    a, b = _values((4,), da, 3), _values((), db, 4)
    if _expected_error(da, db, name):
        check_error(lambda t: OPS[name](t, t.tensor(a), t.tensor(b)))
        check_error(lambda t: OPS[name](t, t.tensor(b), t.tensor(a)))
        return
    check(OPS[name], [a, b], grad=False, rtol=1e-3)
    check(lambda t, a, b: OPS[name](t, b, a), [a, b], grad=False, rtol=1e-3)


@pytest.mark.parametrize("name", list(OPS))
@pytest.mark.parametrize("da", DTYPES)
@pytest.mark.parametrize("db", DTYPES)
def test_two_zero_dim_tensors(name, da, db):
    a, b = _values((), da, 5), _values((), db, 6)
    if _expected_error(da, db, name):
        check_error(lambda t: OPS[name](t, t.tensor(a), t.tensor(b)))
        return
    check(OPS[name], [a, b], grad=False, rtol=1e-3)


SCALARS = [2, 3.5, True, -1, 0.25]


@pytest.mark.parametrize("name", list(OPS))
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("scalar", SCALARS, ids=repr)
def test_tensor_and_python_scalar(name, dtype, scalar):
    """A Python number only decides the dtype when it is of a higher category (int tensor +
    0.5 -> float32; float16 tensor * 2.5 stays float16)."""
    a = _values((4,), dtype, 7)
    if _expected_error(dtype, "bool" if isinstance(scalar, bool) else "x", name):
        check_error(lambda t: OPS[name](t, t.tensor(a), scalar))
        if name != "floor_divide":
            check_error(lambda t: OPS[name](t, scalar, t.tensor(a)))
        return
    check(lambda t, a: OPS[name](t, a, scalar), [a], grad=False, rtol=1e-3)
    if name != "floor_divide":
        check(lambda t, a: OPS[name](t, scalar, a), [a], grad=False, rtol=1e-3)


@pytest.mark.parametrize("dtype", DTYPES)
def test_numpy_scalars_act_like_python_numbers(dtype):
    a = _values((3,), dtype, 8)
    check(lambda t, a: a * np.float64(1.5), [a], grad=False, rtol=1e-3)
    check(lambda t, a: a + np.int64(2), [a], grad=False, rtol=1e-3)
    check(lambda t, a: a + np.float32(0.5), [a], grad=False, rtol=1e-3)


def test_wrapping_out_of_range_integer_scalars():
    check(lambda t, a: a + 300, [np.array([1, 2], dtype=np.uint8)], grad=False)
    check(lambda t, a: a * -1, [np.array([1, 2], dtype=np.uint8)], grad=False)
    check(lambda t, a: a - 200, [np.array([1, -2], dtype=np.int8)], grad=False)


def test_default_dtype_float64():
    for lib in (torch, gt):
        lib.set_default_dtype(lib.float64)
    try:
        check(lambda t, a: a + 0.5, [np.array([1, 2])], grad=False)
        check(lambda t, a: a / 2, [np.array([1, 2])], grad=False)
        check(lambda t, a: t.sin(a), [np.array([1, 2])], grad=False)
        check(lambda t, a: a + 0.5, [np.array([1, 2], dtype=np.float32)], grad=False)
    finally:
        for lib in (torch, gt):
            lib.set_default_dtype(lib.float32)


def test_gradient_flows_through_promotion():
    """float32 tensor * float64 tensor -> float64 result; grads come back in each input's dtype."""
    check(lambda t, a, b: a * b, [np.ones((2, 3), np.float32), np.full((3,), 2.0)])
    check(lambda t, a, b: a * b, [np.ones((2, 3), np.float32), np.array(2.0)])
    check(lambda t, a, b: a + b, [np.ones((2, 3), np.float16), np.ones(3, np.float32)],
          rtol=1e-3)


def _gt_dtype(name):
    return getattr(gt, name)


def _torch_dtype(name):
    return getattr(torch, name)


@pytest.mark.parametrize("da", DTYPES)
@pytest.mark.parametrize("db", DTYPES)
def test_promote_types_result_type_can_cast(da, db):
    assert str(gt.promote_types(_gt_dtype(da), _gt_dtype(db))) == \
        str(torch.promote_types(_torch_dtype(da), _torch_dtype(db)))
    assert gt.can_cast(_gt_dtype(da), _gt_dtype(db)) == \
        torch.can_cast(_torch_dtype(da), _torch_dtype(db))
    a, b = _values((2,), da, 9), _values((), db, 10)
    for x, y in [(a, b), (b, a), (a, a.astype(db))]:
        assert str(gt.result_type(gt.tensor(x), gt.tensor(y))) == \
            str(torch.result_type(torch.tensor(x), torch.tensor(y)))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("scalar", SCALARS, ids=repr)
def test_result_type_with_scalars(dtype, scalar):
    a = _values((2,), dtype, 11)
    assert str(gt.result_type(gt.tensor(a), scalar)) == \
        str(torch.result_type(torch.tensor(a), scalar))
    assert str(gt.result_type(scalar, gt.tensor(a[0]))) == \
        str(torch.result_type(scalar, torch.tensor(a[0])))


def test_result_type_errors():
    check_error(lambda t: t.result_type(t.ones(2), "a"))
