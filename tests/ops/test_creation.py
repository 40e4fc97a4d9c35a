"""Tensor factories against torch: tensor/as_tensor/asarray/from_numpy (dtype inference, memory
sharing), zeros/ones/empty/full and *_like, arange/range/linspace/logspace, eye, the legacy
constructors (Tensor(2, 3), FloatTensor([...]) …), devices, and error parity."""
import math

import numpy as np
import pytest
import torch

import glasstorch as gt
from tests.oracle.harness import assert_same, check_error


def values_match(fn):
    """fn(torch) and fn(glasstorch) agree in type, shape, dtype and values."""
    ours, theirs = fn(gt), fn(torch)
    assert_same(ours, theirs, rtol=1e-6, atol=1e-7)
    return ours


def shape_dtype_match(fn):
    """For uninitialised memory (empty, Tensor(2, 3)): shape and dtype only."""
    ours, theirs = fn(gt), fn(torch)
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert str(ours.dtype) == str(theirs.dtype)
    return ours


NP_DTYPES = ["float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8",
             "bool", "complex64", "complex128"]

TENSOR = [
    # Python scalars and nested lists: bool < int64 < default float < complex
    ("int", lambda t: t.tensor(3)),
    ("float", lambda t: t.tensor(1.5)),
    ("bool", lambda t: t.tensor(True)),
    ("complex", lambda t: t.tensor(1 + 2j)),
    ("neg_zero", lambda t: t.tensor(-0.0)),
    ("nan_inf", lambda t: t.tensor([math.nan, math.inf, -math.inf])),
    ("int_list", lambda t: t.tensor([1, 2, 3])),
    ("float_list", lambda t: t.tensor([1.0, 2.5])),
    ("bool_list", lambda t: t.tensor([True, False])),
    ("int_float", lambda t: t.tensor([1, 2.5])),
    ("bool_int", lambda t: t.tensor([True, 2])),
    ("bool_float", lambda t: t.tensor([[True], [0.5]])),
    ("int_complex", lambda t: t.tensor([1, 2j])),
    ("nested", lambda t: t.tensor([[[1, 2], [3, 4]], [[5, 6], [7, 8]]])),
    ("tuple", lambda t: t.tensor(((1, 2), (3, 4)))),
    ("list_of_tuples", lambda t: t.tensor([(1.0, 2), (3, 4)])),
    ("empty_list", lambda t: t.tensor([])),
    ("empty_nested", lambda t: t.tensor([[], []])),
    ("big_int", lambda t: t.tensor([2 ** 40, -(2 ** 62)])),
    ("range_obj", lambda t: t.tensor(range(4))),
    # dtype= converts (floats truncate toward zero when cast to ints)
    ("dtype_float", lambda t: t.tensor([1, 2], dtype=t.float32)),
    ("dtype_int_trunc", lambda t: t.tensor([1.7, -1.7], dtype=t.int64)),
    ("dtype_bool", lambda t: t.tensor([0, 1, 2], dtype=t.bool)),
    ("dtype_f64_scalar", lambda t: t.tensor(3, dtype=t.float64)),
    ("dtype_uint8", lambda t: t.tensor([1, 255], dtype=t.uint8)),
    ("dtype_half", lambda t: t.tensor([0.1, 2.0], dtype=t.half)),
    # NumPy inputs keep their dtype; NumPy scalars too
    ("np_scalar_f64", lambda t: t.tensor(np.float64(1.5))),
    ("np_scalar_f32", lambda t: t.tensor(np.float32(1.5))),
    ("np_scalar_i32", lambda t: t.tensor(np.int32(7))),
    ("np_scalar_bool", lambda t: t.tensor(np.bool_(True))),
    ("np_0d", lambda t: t.tensor(np.array(2.5))),
    ("np_noncontig", lambda t: t.tensor(np.arange(12.0).reshape(3, 4).T)),
    ("np_dtype_cast", lambda t: t.tensor(np.arange(3), dtype=t.float32)),
    ("list_of_np_f64", lambda t: t.tensor([np.float64(1.0), np.float64(2.0)])),
    ("list_of_np_i32", lambda t: t.tensor([np.int32(1), np.int32(2)])),
    ("list_of_np_arrays", lambda t: t.tensor([np.ones(2, "float32"), np.zeros(2, "float32")])),
    # tensors inside lists (0-d) and tensors as data
    ("list_of_0d", lambda t: t.tensor([t.tensor(1.0), t.tensor(2.0)])),
    ("list_of_0d_int", lambda t: t.tensor([t.tensor(1), t.tensor(2)])),
    ("list_of_0d_mixed", lambda t: t.tensor([t.tensor(1), 2.5])),
    ("from_tensor", lambda t: t.tensor(t.ones(2, dtype=t.int32))),
    ("from_tensor_dtype", lambda t: t.tensor(t.ones(2), dtype=t.float64)),
    # devices
    ("device_str", lambda t: t.tensor([1.0], device="cpu")),
    ("device_obj", lambda t: t.tensor([1.0], device=t.device("cpu"))),
]

for _d in NP_DTYPES:
    TENSOR.append((f"np_{_d}", lambda t, d=_d: t.tensor(np.array([[1, 0], [2, 3]], dtype=d))))


@pytest.mark.parametrize("name,fn", TENSOR, ids=[c[0] for c in TENSOR])
def test_tensor_oracle(name, fn):
    values_match(fn)


def test_tensor_default_float64():
    gt.set_default_dtype(gt.float64)
    torch.set_default_dtype(torch.float64)
    try:
        for fn in (lambda t: t.tensor([1.5]), lambda t: t.tensor([1, 2.0]),
                   lambda t: t.tensor(1j), lambda t: t.tensor([]), lambda t: t.arange(0.5, 2),
                   lambda t: t.zeros(2), lambda t: t.linspace(0, 1, 3), lambda t: t.full((2,), 1.5),
                   lambda t: t.Tensor([1, 2])):
            values_match(fn)
    finally:
        torch.set_default_dtype(torch.float32)


def test_tensor_copies_and_requires_grad():
    a = np.ones(3, dtype="float32")
    x = gt.tensor(a)
    a[0] = 5
    assert x[0].item() == 1.0
    y = gt.tensor([1.0, 2.0], requires_grad=True)
    assert y.requires_grad and y.is_leaf and y.grad_fn is None
    z = gt.tensor(y)
    assert not z.requires_grad and z._data is not y._data


TENSOR_ERRORS = [
    ("ragged", lambda t: t.tensor([[1, 2], [3]])),
    ("ragged_deep", lambda t: t.tensor([[[1, 2]], [[3]]])),
    ("ragged_scalar_list", lambda t: t.tensor([1, [2]])),
    ("str", lambda t: t.tensor("abc")),
    ("str_in_list", lambda t: t.tensor([1, "a"])),
    ("none", lambda t: t.tensor(None)),
    ("object", lambda t: t.tensor(object())),
    ("overflow", lambda t: t.tensor(2 ** 64)),
    ("int_requires_grad", lambda t: t.tensor([1, 2], requires_grad=True)),
    ("bool_requires_grad", lambda t: t.tensor(True, requires_grad=True)),
    ("bad_device", lambda t: t.tensor([1.0], device="abc")),
    ("np_object", lambda t: t.tensor(np.array([1, "a"], dtype=object))),
    ("list_of_tensors", lambda t: t.tensor([t.ones(2), t.ones(2)])),
]


@pytest.mark.parametrize("name,fn", TENSOR_ERRORS, ids=[c[0] for c in TENSOR_ERRORS])
def test_tensor_errors(name, fn):
    check_error(fn)


SCALAR_CONVERSIONS = [
    ("int", lambda t: int(t.tensor([[7]]))),
    ("float", lambda t: float(t.tensor([3.5]))),
    ("int_of_float", lambda t: int(t.tensor(-2.7))),
    ("float_of_int", lambda t: float(t.tensor(3))),
    ("complex", lambda t: complex(t.tensor([2.0]))),
    ("bool", lambda t: bool(t.tensor([0.0]))),
    ("item", lambda t: t.tensor([[4]]).item()),
]


@pytest.mark.parametrize("name,fn", SCALAR_CONVERSIONS, ids=[c[0] for c in SCALAR_CONVERSIONS])
def test_python_scalar_conversions(name, fn):
    ours, theirs = fn(gt), fn(torch)
    assert type(ours) is type(theirs) and ours == theirs


SCALAR_CONVERSION_ERRORS = [
    ("int_of_vector", lambda t: int(t.tensor([1, 2])), "only one element"),
    ("float_of_vector", lambda t: float(t.tensor([1.0, 2.0])), "only one element"),
    ("float_of_empty", lambda t: float(t.tensor([])), "only one element"),
    ("complex_of_vector", lambda t: complex(t.ones(2)), "only one element"),
    ("item_of_vector", lambda t: t.tensor([1, 2]).item(), "2 elements"),
    ("bool_of_vector", lambda t: bool(t.tensor([1, 2])), "more than one value"),
    ("bool_of_empty", lambda t: bool(t.tensor([])), "no values"),
    ("index_of_float", lambda t: [0, 1][t.tensor(1.0)], "index"),
]


@pytest.mark.parametrize("name,fn,words", SCALAR_CONVERSION_ERRORS,
                         ids=[c[0] for c in SCALAR_CONVERSION_ERRORS])
def test_python_scalar_conversion_errors(name, fn, words):
    check_error(fn, match=words)


CUDA_CALLS = [
    lambda: gt.tensor([1.0], device="cuda"),
    lambda: gt.as_tensor([1.0], device="cuda"),
    lambda: gt.asarray([1.0], device="cuda:0"),
    lambda: gt.ones(2, device="cuda"),
    lambda: gt.zeros(2, device="cuda:0"),
    lambda: gt.empty(2, device=gt.device("cuda")),
    lambda: gt.full((2,), 1.0, device="cuda"),
    lambda: gt.zeros_like(gt.ones(2), device="cuda"),
    lambda: gt.arange(3, device="cuda"),
    lambda: gt.linspace(0, 1, 3, device="cuda"),
    lambda: gt.eye(2, device="cuda"),
    lambda: gt.LongTensor([1], device="cuda"),
]


@pytest.mark.parametrize("k", range(len(CUDA_CALLS)))
def test_cuda_device_raises_runtime_error(k):
    # A CPU-only torch raises AssertionError("Torch not compiled with CUDA enabled"); torch with
    # CUDA but no GPU raises RuntimeError. glasstorch raises RuntimeError with the same words.
    with pytest.raises(RuntimeError, match="CUDA"):
        CUDA_CALLS[k]()


def test_ragged_message():
    msg = str(check_error(lambda t: t.tensor([[1, 2], [3]])))
    assert "length" in msg or "sequence" in msg


# ---------------------------------------------------------------------------------------------
# as_tensor / asarray / from_numpy: memory sharing
# ---------------------------------------------------------------------------------------------
def test_from_numpy_shares_memory():
    for d in NP_DTYPES:
        a = np.zeros((2, 3), dtype=d)
        x = gt.from_numpy(a)
        assert str(x.dtype) == str(torch.from_numpy(a).dtype)
        a[0, 0] = 1
        assert x[0, 0].item() == 1
        x[1, 1] = 1
        assert a[1, 1] == 1
    b = np.arange(6.0).reshape(2, 3).T       # non-contiguous views are shared too
    y = gt.from_numpy(b)
    b[0, 1] = 42
    assert y[0, 1].item() == 42 and y.stride() == torch.from_numpy(b).stride()
    check_error(lambda t: t.from_numpy([1, 2]))
    check_error(lambda t: t.from_numpy(np.array(["a"], dtype=object)))


def test_as_tensor_and_asarray():
    a = np.arange(4, dtype="float32")
    x = gt.as_tensor(a)
    a[0] = 9
    assert x[0].item() == 9                        # same dtype: shares
    y = gt.as_tensor(a, dtype=gt.float64)
    a[1] = 9
    assert y[1].item() == 1 and y.dtype == gt.float64   # cast: copies
    t = gt.ones(3)
    assert gt.as_tensor(t) is t
    assert gt.as_tensor(t, dtype=gt.float64).dtype == gt.float64
    values_match(lambda lib: lib.as_tensor([1, 2.5]))
    values_match(lambda lib: lib.as_tensor([[1, 2]], dtype=lib.int32))
    values_match(lambda lib: lib.as_tensor(3))
    b = np.arange(3)
    z = gt.asarray(b)
    b[0] = 7
    assert z[0].item() == 7
    w = gt.asarray(b, copy=True)
    b[0] = 8
    assert w[0].item() == 7
    values_match(lambda lib: lib.asarray([1.0, 2.0], dtype=lib.float64))
    values_match(lambda lib: lib.asarray([True, False]))
    r = gt.asarray([1.0, 2.0], requires_grad=True)
    assert r.requires_grad and r.is_leaf


# ---------------------------------------------------------------------------------------------
# filled factories
# ---------------------------------------------------------------------------------------------
FACTORIES = [
    ("zeros_varargs", lambda t: t.zeros(2, 3)),
    ("zeros_tuple", lambda t: t.zeros((2, 3))),
    ("zeros_list", lambda t: t.zeros([2, 3])),
    ("zeros_size", lambda t: t.zeros(t.Size([2, 3]))),
    ("zeros_0d", lambda t: t.zeros(())),
    ("zeros_0d_noargs", lambda t: t.zeros([])),
    ("zeros_empty", lambda t: t.zeros(0, 3)),
    ("zeros_int", lambda t: t.zeros(2, dtype=t.int64)),
    ("zeros_bool", lambda t: t.zeros(2, dtype=t.bool)),
    ("zeros_size_kw", lambda t: t.zeros(size=(2, 2))),
    ("ones", lambda t: t.ones(2, 3)),
    ("ones_dtype", lambda t: t.ones((3,), dtype=t.float64)),
    ("ones_uint8", lambda t: t.ones(3, dtype=t.uint8)),
    ("ones_complex", lambda t: t.ones(2, dtype=t.complex64)),
    ("ones_tensor_size", lambda t: t.ones(t.tensor(3))),
    ("full_float", lambda t: t.full((2, 3), 1.5)),
    ("full_int", lambda t: t.full((2,), 7)),
    ("full_bool", lambda t: t.full((2,), True)),
    ("full_complex", lambda t: t.full((2,), 1 + 1j)),
    ("full_dtype", lambda t: t.full((2,), 2.7, dtype=t.int64)),
    ("full_list_size", lambda t: t.full([2, 1], -1.0)),
    ("full_0d", lambda t: t.full((), 3)),
    ("full_tensor_value", lambda t: t.full((2,), t.tensor(2.5))),
    ("full_inf", lambda t: t.full((2,), -math.inf)),
    ("zeros_like", lambda t: t.zeros_like(t.ones(2, 3, dtype=t.int32))),
    ("zeros_like_dtype", lambda t: t.zeros_like(t.ones(2), dtype=t.float64)),
    ("ones_like", lambda t: t.ones_like(t.zeros(2, 3))),
    ("ones_like_bool", lambda t: t.ones_like(t.zeros(2, dtype=t.bool))),
    ("ones_like_0d", lambda t: t.ones_like(t.tensor(5))),
    ("full_like", lambda t: t.full_like(t.zeros(2, 3), 4.5)),
    ("full_like_int_trunc", lambda t: t.full_like(t.zeros(3, dtype=t.int64), 2.7)),
    ("full_like_dtype", lambda t: t.full_like(t.zeros(3), 2, dtype=t.int32)),
    ("full_like_noncontig", lambda t: t.full_like(t.zeros(3, 4).T, 1.0)),
    ("eye", lambda t: t.eye(3)),
    ("eye_rect", lambda t: t.eye(2, 4)),
    ("eye_rect_tall", lambda t: t.eye(4, 2)),
    ("eye_0", lambda t: t.eye(0)),
    ("eye_int", lambda t: t.eye(3, dtype=t.int64)),
    ("eye_bool", lambda t: t.eye(2, dtype=t.bool)),
    ("eye_m_kw", lambda t: t.eye(2, m=3)),
]


@pytest.mark.parametrize("name,fn", FACTORIES, ids=[c[0] for c in FACTORIES])
def test_factories_oracle(name, fn):
    values_match(fn)


def test_empty_shapes_and_dtypes():
    for fn in (lambda t: t.empty(2, 3), lambda t: t.empty((4,), dtype=t.int32),
               lambda t: t.empty(()), lambda t: t.empty(0),
               lambda t: t.empty_like(t.ones(2, 3, dtype=t.float64)),
               lambda t: t.empty_like(t.ones(2), dtype=t.bool)):
        shape_dtype_match(fn)


def test_factories_requires_grad_and_out():
    for make in (lambda: gt.zeros(2, requires_grad=True), lambda: gt.ones(2, requires_grad=True),
                 lambda: gt.full((2,), 1.0, requires_grad=True),
                 lambda: gt.arange(0.0, 2.0, requires_grad=True),
                 lambda: gt.linspace(0, 1, 3, requires_grad=True),
                 lambda: gt.zeros_like(gt.ones(2), requires_grad=True)):
        x = make()
        assert x.requires_grad and x.is_leaf
    for lib in (torch, gt):
        out = lib.empty(0)
        r = lib.zeros(2, 3, out=out)
        assert r is out and tuple(out.shape) == (2, 3) and out.sum().item() == 0
        out = lib.empty(0, dtype=lib.int64)
        lib.arange(4, out=out)
        assert out.tolist() == [0, 1, 2, 3]


FACTORY_ERRORS = [
    ("zeros_negative", lambda t: t.zeros(-1)),
    ("zeros_float_size", lambda t: t.zeros(2.5)),
    ("zeros_bad_size_elem", lambda t: t.zeros((2, "a"))),
    ("ones_int_requires_grad", lambda t: t.ones(2, dtype=t.long, requires_grad=True)),
    ("full_int_requires_grad", lambda t: t.full((2,), 1, requires_grad=True)),
    ("eye_negative", lambda t: t.eye(-1)),
    ("eye_negative_m", lambda t: t.eye(2, -1)),
    ("empty_negative", lambda t: t.empty(2, -3)),
]


@pytest.mark.parametrize("name,fn", FACTORY_ERRORS, ids=[c[0] for c in FACTORY_ERRORS])
def test_factory_errors(name, fn):
    check_error(fn)


# ---------------------------------------------------------------------------------------------
# ranges
# ---------------------------------------------------------------------------------------------
RANGES = [
    ("arange_end", lambda t: t.arange(5)),
    ("arange_start_end", lambda t: t.arange(1, 4)),
    ("arange_step", lambda t: t.arange(10, 0, -3)),
    ("arange_float_end", lambda t: t.arange(2.5)),
    ("arange_float_step", lambda t: t.arange(0, 1, 0.1)),
    ("arange_float_len", lambda t: t.arange(1, 1.3, 0.1)),
    ("arange_float_len2", lambda t: t.arange(0, 2.1, 0.3)),
    ("arange_neg_float", lambda t: t.arange(-1.0, 1.0, 0.3)),
    ("arange_desc_float", lambda t: t.arange(1.0, -1.0, -0.25)),
    ("arange_int_float_step", lambda t: t.arange(0, 5, 2.0)),
    ("arange_dtype", lambda t: t.arange(5, dtype=t.float32)),
    ("arange_dtype_f64", lambda t: t.arange(0, 1, 0.2, dtype=t.float64)),
    ("arange_dtype_int_float_args", lambda t: t.arange(0.0, 5.0, dtype=t.int64)),
    ("arange_empty", lambda t: t.arange(0)),
    ("arange_same", lambda t: t.arange(3, 3)),
    ("arange_tensor_args", lambda t: t.arange(t.tensor(1), t.tensor(6), t.tensor(2))),
    ("arange_tensor_float", lambda t: t.arange(t.tensor(2.0))),
    ("arange_kw", lambda t: t.arange(start=2, end=7, step=2)),
    ("arange_large", lambda t: t.arange(0, 1000, 7)),
    ("arange_big_float", lambda t: t.arange(0, 100, 0.7)),
    ("range_int", lambda t: t.range(1, 4)),
    ("range_float", lambda t: t.range(0, 1, 0.25)),
    ("range_desc", lambda t: t.range(3, 0, -1)),
    ("range_dtype", lambda t: t.range(1, 4, dtype=t.int64)),
    ("linspace", lambda t: t.linspace(0, 1, 5)),
    ("linspace_neg", lambda t: t.linspace(-1, 1, 4)),
    ("linspace_one", lambda t: t.linspace(3, 10, steps=1)),
    ("linspace_zero", lambda t: t.linspace(3, 10, 0)),
    ("linspace_desc", lambda t: t.linspace(5, -5, 7)),
    ("linspace_f64", lambda t: t.linspace(0, 1, 11, dtype=t.float64)),
    ("linspace_int", lambda t: t.linspace(0, 10, 5, dtype=t.int64)),
    ("linspace_int_frac", lambda t: t.linspace(-3, 3, 4, dtype=t.int64)),
    ("linspace_tensor_args", lambda t: t.linspace(t.tensor(0.0), t.tensor(2.0), 5)),
    ("logspace", lambda t: t.logspace(0, 2, 3)),
    ("logspace_base", lambda t: t.logspace(0, 3, 4, base=2)),
    ("logspace_f64", lambda t: t.logspace(-1, 1, 5, dtype=t.float64)),
    ("logspace_one", lambda t: t.logspace(1, 2, 1)),
]


@pytest.mark.parametrize("name,fn", RANGES, ids=[c[0] for c in RANGES])
def test_ranges_oracle(name, fn):
    values_match(fn)


RANGE_ERRORS = [
    ("arange_zero_step", lambda t: t.arange(0, 5, 0)),
    ("arange_wrong_sign", lambda t: t.arange(0, 5, -1)),
    ("arange_wrong_sign_float", lambda t: t.arange(5.0, 0.0, 0.5)),
    ("arange_inf", lambda t: t.arange(0, math.inf)),
    ("arange_nan", lambda t: t.arange(0, math.nan)),
    ("linspace_negative", lambda t: t.linspace(0, 1, -1)),
    ("logspace_negative", lambda t: t.logspace(0, 1, -2)),
    ("range_zero_step", lambda t: t.range(0, 5, 0)),
]


@pytest.mark.parametrize("name,fn", RANGE_ERRORS, ids=[c[0] for c in RANGE_ERRORS])
def test_range_errors(name, fn):
    check_error(fn)


# ---------------------------------------------------------------------------------------------
# legacy constructors
# ---------------------------------------------------------------------------------------------
LEGACY_DATA = [
    ("Tensor_list", lambda t: t.Tensor([1, 2])),
    ("Tensor_nested", lambda t: t.Tensor([[1.5, 2], [3, 4]])),
    ("Tensor_tuple_is_data", lambda t: t.Tensor((2, 3))),
    ("Tensor_empty", lambda t: t.Tensor()),
    ("Tensor_empty_list", lambda t: t.Tensor([])),
    ("Tensor_numpy", lambda t: t.Tensor(np.array([1, 2], dtype="int64"))),
    ("Tensor_bool_list", lambda t: t.Tensor([True, False])),
    ("FloatTensor_list", lambda t: t.FloatTensor([1, 2])),
    ("LongTensor_list", lambda t: t.LongTensor([1, 2])),
    ("LongTensor_floats", lambda t: t.LongTensor([1.7, -2.7])),
    ("IntTensor_list", lambda t: t.IntTensor([[1, 2]])),
    ("DoubleTensor_list", lambda t: t.DoubleTensor([1, 2.5])),
    ("BoolTensor_list", lambda t: t.BoolTensor([1, 0, 1])),
    ("ByteTensor_list", lambda t: t.ByteTensor([1, 255])),
    ("HalfTensor_list", lambda t: t.HalfTensor([0.5])),
    ("LongTensor_empty", lambda t: t.LongTensor()),
    ("FloatTensor_numpy", lambda t: t.FloatTensor(np.arange(3.0))),
]


@pytest.mark.parametrize("name,fn", LEGACY_DATA, ids=[c[0] for c in LEGACY_DATA])
def test_legacy_data_constructors(name, fn):
    x = values_match(fn)
    assert not x.requires_grad and x.is_leaf


LEGACY_SHAPE = [
    ("Tensor_2_3", lambda t: t.Tensor(2, 3)),
    ("Tensor_0", lambda t: t.Tensor(0)),
    ("Tensor_Size", lambda t: t.Tensor(t.Size([2, 3]))),
    ("FloatTensor_2", lambda t: t.FloatTensor(2)),
    ("LongTensor_2_3", lambda t: t.LongTensor(2, 3)),
    ("IntTensor_4", lambda t: t.IntTensor(4)),
    ("DoubleTensor_Size", lambda t: t.DoubleTensor(t.Size([1, 2]))),
    ("BoolTensor_3", lambda t: t.BoolTensor(3)),
    ("ByteTensor_2_2", lambda t: t.ByteTensor(2, 2)),
]


@pytest.mark.parametrize("name,fn", LEGACY_SHAPE, ids=[c[0] for c in LEGACY_SHAPE])
def test_legacy_shape_constructors(name, fn):
    shape_dtype_match(fn)


def test_legacy_types_and_isinstance():
    assert isinstance(gt.zeros(2), gt.FloatTensor)
    assert not isinstance(gt.zeros(2, dtype=gt.int64), gt.FloatTensor)
    assert isinstance(gt.zeros(2, dtype=gt.int64), gt.LongTensor)
    assert isinstance(gt.tensor([True]), gt.BoolTensor)
    assert isinstance(gt.tensor(1.0, dtype=gt.float64), gt.DoubleTensor)
    assert isinstance(gt.IntTensor([1]), gt.Tensor)
    assert isinstance(gt.Tensor(2), gt.Tensor)
    for lib in (torch, gt):
        assert lib.zeros(2).type() == "torch.FloatTensor"
        assert lib.LongTensor([1]).type() == "torch.LongTensor"
        assert lib.zeros(2).type(lib.DoubleTensor).dtype == lib.float64
    gt.set_default_dtype(gt.float64)
    assert gt.Tensor([1, 2]).dtype == gt.float64      # Tensor() follows the default dtype


LEGACY_ERRORS = [
    ("Tensor_float_arg", lambda t: t.Tensor(3.5)),
    ("Tensor_mixed_args", lambda t: t.Tensor(2, 3.0)),
    ("Tensor_ragged", lambda t: t.Tensor([[1, 2], [3]])),
    ("Tensor_str", lambda t: t.Tensor("ab")),
    ("Tensor_negative", lambda t: t.Tensor(-1)),
]


@pytest.mark.parametrize("name,fn", LEGACY_ERRORS)
def test_legacy_errors(name, fn):
    check_error(fn)


@pytest.mark.parametrize("start,end,step", [(-8.0, 8.0, 0.1), (0, 1, 0.01), (-5.5, 1.0, 0.1),
                                            (0.1, 7.3, 0.37), (-1, 1, 0.013), (0, 100, 0.7)])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_arange_float_values_bit_exact(start, end, step, dtype):
    """Every value equals PyTorch's to the last bit: d2l's activation plots take
    arange(-8, 8, 0.1), whose 81st value is +4.4e-16 in PyTorch (not 0), so relu's
    gradient there is 1."""
    import torch
    ours = gt.arange(start, end, step, dtype=getattr(gt, dtype)).numpy()
    theirs = torch.arange(start, end, step, dtype=getattr(torch, dtype)).numpy()
    assert ours.shape == theirs.shape
    np.testing.assert_array_equal(ours, theirs)
