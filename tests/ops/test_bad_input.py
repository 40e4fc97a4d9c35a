"""Bad input that was once accepted silently (issue 6): each call must raise PyTorch's
exception type with a message naming the fault, and the neighbouring good calls must still
agree with PyTorch."""
import numpy as np
import pytest
import torch

import glasstorch as gt
from tests.oracle.harness import assert_same, check, check_error


# ---------------------------------------------------------------------------------------------
# numbers that do not fit the requested dtype
# ---------------------------------------------------------------------------------------------
CREATION = [([300], "uint8"), ([-256], "uint8"), ([-1.5], "uint8"), ([300.0], "uint8"),
            ([-200], "int8"), ([True, 300], "int8"), ([1e10], "int32"), ([2 ** 31], "int32"),
            ([float("nan")], "int64"), ([float("inf")], "int32"), ([1e20], "int64"),
            ([[1, 2], [3, 128]], "int8"), ([127.9], "int8"), ([-128.9], "int8"),
            ([-1.0], "uint8")]


@pytest.mark.parametrize("data,dtype", CREATION, ids=str)
def test_tensor_refuses_values_outside_an_integer_dtype(data, dtype):
    check_error(lambda t: t.tensor(data, dtype=getattr(t, dtype)),
                match=f"value cannot be converted to type {dtype} without overflow")
    if np.ndim(data) == 1 and len(data) == 1:
        check_error(lambda t: t.full((2,), data[0], dtype=getattr(t, dtype)),
                    match="without overflow")


@pytest.mark.parametrize("data,dtype", [([-1], "uint8"), ([-255], "uint8"), ([255], "uint8"),
                                        ([127.0], "int8"), ([-128.0], "int8"),
                                        ([3e9], "int64"), ([2 ** 63 - 1], "float32"),
                                        ([1e39], "float32"), ([70000], "float16")], ids=str)
def test_tensor_values_inside_the_range_as_pytorch(data, dtype):
    expected = torch.tensor(data, dtype=getattr(torch, dtype))
    assert_same(gt.tensor(data, dtype=getattr(gt, dtype)), expected)


def test_tensor_complex_into_real_dtype():
    check_error(lambda t: t.tensor([1 + 1j], dtype=t.int64), match="complex")
    check_error(lambda t: t.tensor([1 + 0j], dtype=t.float32), match="complex")


FILLS = [("uint8", 300), ("uint8", -256), ("uint8", 255.5), ("uint8", float("nan")),
         ("int8", -129), ("int8", 1j), ("int32", 1e10), ("int64", 2 ** 63),
         ("float16", 70000.0), ("float32", 1e39), ("complex64", 1e39)]


@pytest.mark.parametrize("dtype,value", FILLS, ids=str)
def test_masked_fill_refuses_values_the_dtype_cannot_hold(dtype, value):
    error = check_error(lambda t: t.zeros(2, dtype=getattr(t, dtype)).masked_fill(
        t.tensor([True, False]), value), match="without overflow")
    assert isinstance(error, RuntimeError)


@pytest.mark.parametrize("dtype,value", [("uint8", -1), ("uint8", -129), ("int32", 255.5),
                                         ("float16", float("inf")), ("bool", 300),
                                         ("float32", float("nan")), ("int8", True)], ids=str)
def test_masked_fill_and_index_fill_in_range_as_pytorch(dtype, value):
    check(lambda t, x: x.masked_fill(t.tensor([True, False]), value),
          [np.zeros(2, dtype)], grad=False)
    check(lambda t, x: x.index_fill(0, t.tensor([1]), value), [np.zeros(2, dtype)], grad=False)


def test_index_fill_complex_value_into_real_tensor():
    check_error(lambda t: t.zeros(2).index_fill(0, t.tensor([0]), 1j),
                match="Converting complex Scalar")


# ---------------------------------------------------------------------------------------------
# dtype arguments: torch.dtype or the Python types float/int/bool, nothing else
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("bad", ["float32", np.float32, np.dtype("float32")], ids=str)
@pytest.mark.parametrize("make", [lambda t, d: t.zeros(2, dtype=d),
                                  lambda t, d: t.tensor([1], dtype=d),
                                  lambda t, d: t.full((2,), 1, dtype=d),
                                  lambda t, d: t.arange(3, dtype=d),
                                  lambda t, d: t.zeros_like(t.ones(2), dtype=d)],
                         ids=["zeros", "tensor", "full", "arange", "zeros_like"])
def test_dtype_must_be_a_torch_dtype(make, bad):
    error = check_error(lambda t: make(t, bad))
    assert "dtype" in str(error) and "must be torch.dtype" in str(error)


@pytest.mark.parametrize("python_type", [float, int, bool], ids=str)
def test_python_types_are_dtypes(python_type):
    assert_same(gt.zeros(2, dtype=python_type), torch.zeros(2, dtype=python_type))


# ---------------------------------------------------------------------------------------------
# complex numbers have no order
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("op", [lambda a, b: a < b, lambda a, b: a <= b, lambda a, b: a > b,
                                lambda a, b: a >= b, lambda a, b: a.lt(1.0),
                                lambda a, b: b.real < a],
                         ids=["lt", "le", "gt", "ge", "lt_number", "real_lt_complex"])
def test_complex_ordering_raises(op):
    def run(t):
        a = t.tensor([1 + 1j, 2 - 1j])
        b = t.tensor([2 + 0j, 1 + 0j])
        return op(a, b)
    check_error(run, match="not implemented for 'Complex")


def test_complex_equality_still_works():
    check(lambda t, a: t.eq(a, a * 1), [np.array([1 + 1j, 2], "complex64")], grad=False)


# ---------------------------------------------------------------------------------------------
# argument checks
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("margin", [-1.0, 0.0])
def test_triplet_margin_loss_refuses_non_positive_margin(margin):
    check_error(lambda t: t.nn.functional.triplet_margin_loss(
        t.ones(2, 3), t.zeros(2, 3), t.ones(2, 3), margin=margin),
        match="margin must be greater than 0")


@pytest.mark.parametrize("shape", [[], ()], ids=["list", "tuple"])
def test_rms_norm_empty_normalized_shape(shape):
    check_error(lambda t: t.nn.functional.rms_norm(t.ones(2, 3), shape),
                match="normalized_shape to be at least 1-dimensional")
    check_error(lambda t: t.nn.RMSNorm(shape)(t.ones(2, 3)),
                match="normalized_shape to be at least 1-dimensional")


@pytest.mark.parametrize("start", [lambda t: t.tensor(True), lambda t: t.tensor(1.0),
                                   lambda t: t.tensor([1])], ids=["bool", "float", "1-d"])
def test_narrow_start_tensor_must_be_0d_integral(start):
    check_error(lambda t: t.arange(5).narrow(0, start(t), 2),
                match="start must be an 0-dim integral Tensor")


@pytest.mark.parametrize("start", [True, 1.0], ids=["bool", "float"])
def test_narrow_start_number_must_be_int(start):
    check_error(lambda t: t.arange(5).narrow(0, start, 2))


@pytest.mark.parametrize("start", [lambda t: t.tensor(1), lambda t: t.tensor(1, dtype=t.uint8),
                                   lambda t: 1], ids=["int64", "uint8", "int"])
def test_narrow_integral_start(start):
    assert_same(gt.arange(5).narrow(0, start(gt), 2), torch.arange(5).narrow(0, start(torch), 2))


@pytest.mark.parametrize("shape,groups", [((2, 0, 3), 1), ((2, 0, 3), 2), ((2, 0), 1),
                                          ((0, 4, 3), 2)], ids=str)
def test_group_norm_zero_channels_or_batch(shape, groups):
    check(lambda t, x: t.nn.functional.group_norm(x, groups), [np.ones(shape, "float32")])


@pytest.mark.parametrize("shape,groups", [((2, 7, 4), 2), ((3,), 1), ((2, 3, 3), 0),
                                          ((2, 4, 3), -2)], ids=str)
def test_group_norm_bad_groups(shape, groups):
    check_error(lambda t: t.nn.functional.group_norm(t.ones(shape), groups))


ORDER_OPS = {
    "maximum": lambda t, a: t.maximum(a, a), "minimum": lambda t, a: t.minimum(a, a),
    "fmax": lambda t, a: t.fmax(a, a), "fmin": lambda t, a: t.fmin(a, a),
    "clamp": lambda t, a: t.clamp(a, 0), "clamp_min": lambda t, a: a.clamp_min(0),
    "clamp_max": lambda t, a: a.clamp_max(0), "sort": lambda t, a: t.sort(a)[0],
    "argsort": lambda t, a: t.argsort(a), "msort": lambda t, a: t.msort(a),
    "max": lambda t, a: a.max(), "max_dim": lambda t, a: a.max(0)[0],
    "max_other": lambda t, a: t.max(a, a), "min": lambda t, a: a.min(),
    "min_dim": lambda t, a: a.min(0), "amax": lambda t, a: a.amax(),
    "amin": lambda t, a: a.amin(), "aminmax": lambda t, a: t.aminmax(a)[0],
    "argmax": lambda t, a: a.argmax(), "argmin": lambda t, a: a.argmin(0),
    "topk": lambda t, a: a.topk(1)[0], "kthvalue": lambda t, a: a.kthvalue(1)[0],
    "median": lambda t, a: a.median(), "nanmedian": lambda t, a: a.nanmedian(),
    "cummax": lambda t, a: a.cummax(0)[0], "cummin": lambda t, a: a.cummin(0)[0],
    "sign": lambda t, a: a.sign(), "floor": lambda t, a: a.floor(),
    "ceil": lambda t, a: a.ceil(), "trunc": lambda t, a: a.trunc(),
    "relu": lambda t, a: t.relu(a), "F.relu": lambda t, a: t.nn.functional.relu(a),
    "unique": lambda t, a: t.unique(a), "heaviside": lambda t, a: t.heaviside(a, a),
}


@pytest.mark.parametrize("dtype", ["complex64", "complex128"])
@pytest.mark.parametrize("name", list(ORDER_OPS))
def test_ops_needing_an_order_refuse_complex(name, dtype):
    def run(t):
        return ORDER_OPS[name](t, t.tensor([1 + 1j, 2 - 1j], dtype=getattr(t, dtype)))
    error = check_error(run)
    with pytest.raises(type(error)) as theirs:
        run(torch)
    assert str(error) == str(theirs.value)


FILL_FAMILY = {
    "fill_": lambda t, v: t.zeros(2, dtype=t.uint8).fill_(v),
    "full_like": lambda t, v: t.full_like(t.zeros(2, dtype=t.uint8), v),
    "new_full": lambda t, v: t.zeros(2, dtype=t.uint8).new_full((2,), v),
    "full": lambda t, v: t.full((2,), v, dtype=t.uint8),
    "scalar_tensor": lambda t, v: t.scalar_tensor(v, dtype=t.uint8),
    "setitem": lambda t, v: _set_first(t.zeros(2, dtype=t.uint8), v),
    "where": lambda t, v: t.where(t.tensor([True, False]), t.zeros(2, dtype=t.uint8), v),
    "clamp": lambda t, v: t.zeros(2, dtype=t.uint8).clamp(0, v),
}


def _set_first(x, value):
    x[0] = value
    return x


@pytest.mark.parametrize("name", list(FILL_FAMILY))
@pytest.mark.parametrize("value", [300, -256, 255.5, float("nan")], ids=str)
def test_fill_family_refuses_numbers_the_dtype_cannot_hold(name, value):
    if name in ("where", "clamp") and isinstance(value, float):
        value = 300                     # (a float there promotes the result to float)
    check_error(lambda t: FILL_FAMILY[name](t, value), match="without overflow")


@pytest.mark.parametrize("name", list(FILL_FAMILY))
@pytest.mark.parametrize("value", [-1, 255, 3.7, True], ids=str)
def test_fill_family_in_range_as_pytorch(name, value):
    assert_same(FILL_FAMILY[name](gt, value), FILL_FAMILY[name](torch, value))


@pytest.mark.parametrize("call", [
    lambda t: t.full((2,), 70000.0, dtype=t.float16),
    lambda t: t.zeros(2, dtype=t.float16).fill_(1e6),
    lambda t: t.zeros(2, dtype=t.float16).clamp(max=1e6),
    lambda t: t.zeros(2).clamp(max=1e39),
    lambda t: t.zeros(2, dtype=t.int32).fill_(float("nan"))],
    ids=["full_f16", "fill_f16", "clamp_f16", "clamp_f32", "fill_nan_int"])
def test_float_and_nan_overflow(call):
    check_error(call, match="without overflow")


def test_fill_with_a_tensor_wraps_as_pytorch():
    assert_same(gt.zeros(2, dtype=gt.uint8).fill_(gt.tensor(300)),
                torch.zeros(2, dtype=torch.uint8).fill_(torch.tensor(300)))
