"""Tensors print exactly as PyTorch prints them: each case builds a torch tensor and a glasstorch
tensor from the same NumPy data and compares repr() and str() character for character."""
import numpy as np
import pytest
import torch

import glasstorch as gt
from glasstorch._tensor import _make

RNG = np.random.default_rng(20240607)


@pytest.fixture(autouse=True)
def _default_printoptions():
    torch.set_printoptions(profile="default")
    gt.set_printoptions(profile="default")
    yield
    torch.set_printoptions(profile="default")
    gt.set_printoptions(profile="default")
    torch.set_default_dtype(torch.float32)


def _normal(shape, dtype="float32", scale=1.0):
    return (RNG.standard_normal(shape) * scale).astype(dtype)


def _wide(shape, low, high, dtype="float64"):
    """Signed values whose magnitudes spread over 10**low .. 10**high."""
    x = RNG.standard_normal(shape) * 10.0 ** RNG.uniform(low, high, shape)
    return x.astype(dtype)


def _ints(shape, dtype="int64", low=-50, high=50):
    return RNG.integers(low, high, shape).astype(dtype)


# (case id, NumPy data); the printed forms of torch.tensor(data) and glasstorch.tensor(data)
# must be identical
DATA = [
    # floats of every shape, including 0-d
    ("scalar", np.array(3.0, dtype="float32")),
    ("scalar_frac", np.array(-0.123456, dtype="float32")),
    ("scalar_f64", np.array(2.5)),
    ("scalar_int", np.array(7)),
    ("scalar_bool", np.array(True)),
    ("scalar_nan", np.array(np.nan, dtype="float32")),
    ("scalar_sci", np.array(1.5e-7, dtype="float32")),
    ("vec", _normal(5)),
    ("mat", _normal((3, 4))),
    ("cube", _normal((2, 3, 4))),
    ("4d", _normal((2, 2, 3, 2))),
    ("4d_f64", _normal((2, 1, 3, 2), "float64")),
    ("f16", _normal((3, 3), "float16")),
    ("f16_big", _normal((4,), "float16", 1000)),
    ("scaled_100", _normal((4, 4), scale=100)),
    ("scaled_small", _normal((6,), scale=0.01)),
    # integer-valued floats: a trailing '.' and aligned widths
    ("int_valued", np.array([[0.0, 1.0, 2.0]], dtype="float32")),
    ("int_valued_neg", np.array([-10.0, 2.0, 300.0], dtype="float32")),
    ("int_valued_big", np.array([1.0, 999.0], dtype="float32")),
    ("int_valued_ratio", np.array([1.0, 1001.0], dtype="float32")),
    ("int_valued_3d", np.arange(24, dtype="float32").reshape(2, 3, 4) - 5),
    # the scientific-notation switch: ratio > 1000, max > 1e8, min < 1e-4
    ("sci_ratio", np.array([1.0, 1000.5], dtype="float32")),
    ("no_sci_ratio", np.array([1.0, 999.5], dtype="float32")),
    ("sci_max", np.array([1.5e8, 2.5e8], dtype="float32")),
    ("sci_min", np.array([5e-5, 6e-5], dtype="float32")),
    ("no_sci_min", np.array([1.5e-4, 2e-4], dtype="float32")),
    ("sci_wide", _wide((4, 5), -6, 6)),
    ("sci_wide_f32", _wide((3, 3), -3, 3, "float32")),
    ("sci_huge_f64", np.array([1e100, -3e200, 4.0])),
    ("sci_tiny_f64", np.array([1e-300, 2e-5, -7e-120])),
    ("sci_int_valued", np.array([1.0, 1e9, -2.0], dtype="float64")),
    ("tiny_f32", _normal((2, 3), scale=1e-6)),
    ("huge_f32", _normal((2, 3), scale=1e12)),
    # nan / inf / zeros / negative zero
    ("nan_inf", np.array([np.nan, np.inf, -np.inf, 1.5], dtype="float32")),
    ("nan_int_valued", np.array([np.nan, 2.0, -np.inf], dtype="float32")),
    ("all_nan", np.full((2, 2), np.nan, dtype="float32")),
    ("zero_nan", np.array([0.0, np.nan], dtype="float32")),
    ("zeros", np.zeros((2, 3), dtype="float32")),
    ("neg_zero", np.array([-0.0, 1.0], dtype="float32")),
    ("neg_zero_frac", np.array([-0.0, 0.5], dtype="float32")),
    ("neg_zero_only", np.array([0.0, -0.0], dtype="float32")),
    ("inf_sci", np.array([np.inf, 1e-6, 1.0], dtype="float32")),
    ("rounds_to_neg_zero", np.array([-1e-5, 1e-5, 0.3], dtype="float32")),
    # ints and bools of every dtype
    ("int64", _ints((3, 4))),
    ("int64_wide", np.array([-123456789012, 5, 0])),
    ("int32", _ints((2, 5), "int32")),
    ("int16", _ints((4,), "int16", -30000, 30000)),
    ("int8", _ints((2, 2, 2), "int8", -128, 127)),
    ("uint8", _ints((3, 3), "uint8", 0, 255)),
    ("bool", RNG.random((3, 4)) > 0.5),
    ("bool_all_true", np.ones((2, 2), dtype=bool)),
    ("bool_3d", RNG.random((2, 2, 3)) > 0.5),
    # complex
    ("complex64", (_normal(3) + 1j * _normal(3)).astype("complex64")),
    ("complex128_int_valued", np.array([1 + 2j, -3 - 0j, 4j])),
    ("complex_scalar", np.array(1 + 2j, dtype="complex64")),
    # long rows wrap at linewidth 80; nested rows indent
    ("long_row", _normal(40)),
    ("long_row_int", _ints(60, low=-1000, high=1000)),
    ("long_rows_2d", _normal((3, 30))),
    ("long_rows_3d", _normal((2, 2, 25), "float64")),
    ("long_row_sci", _wide(30, -8, 8)),
    ("long_row_bool", RNG.random(50) > 0.5),
    # summarisation: more than 1000 elements
    ("big_vec", _normal(2000)),
    ("big_vec_1001", _normal(1001)),
    ("just_1000", _normal((10, 100))),
    ("big_mat", _normal((40, 50))),
    ("big_tall", _normal((500, 3))),
    ("big_wide", _normal((3, 500))),
    ("big_cube", _normal((10, 10, 20))),
    ("big_4d", _normal((3, 4, 5, 20))),
    ("big_int", _ints((50, 50))),
    ("big_bool", RNG.random((30, 40)) > 0.5),
    ("big_hidden_outlier", np.concatenate([_normal(500), [1e9], _normal(500)]).astype("f4")),
    ("big_int_valued", np.arange(3000, dtype="float32")),
    ("big_f64", _normal((2, 600), "float64")),
    # empty tensors
    ("empty", np.zeros(0, dtype="float32")),
    ("empty_2d", np.zeros((0, 3), dtype="float32")),
    ("empty_3d", np.zeros((2, 0, 3), dtype="float32")),
    ("empty_int", np.zeros(0, dtype="int64")),
    ("empty_int32", np.zeros((0, 2), dtype="int32")),
    ("empty_bool", np.zeros(0, dtype=bool)),
    ("empty_f64", np.zeros(0)),
]


def _pair(data):
    return torch.tensor(data), gt.tensor(data)


def _assert_prints_same(theirs, ours):
    assert repr(ours) == repr(theirs)
    assert str(ours) == str(theirs)


@pytest.mark.parametrize("data", [d for _, d in DATA], ids=[name for name, _ in DATA])
def test_repr_matches_torch(data):
    _assert_prints_same(*_pair(data))


# set_printoptions(...) applied to both libraries, then a few data cases printed under it
OPTIONS = [
    dict(precision=2),
    dict(precision=8),
    dict(precision=0),
    dict(threshold=5),
    dict(threshold=5, edgeitems=1),
    dict(threshold=5, edgeitems=0),
    dict(edgeitems=0),
    dict(threshold=0),
    dict(threshold=0, edgeitems=0),
    dict(threshold=10, edgeitems=5),
    dict(linewidth=40),
    dict(linewidth=120),
    dict(linewidth=10),
    dict(profile="short"),
    dict(profile="full"),
    dict(profile="full", precision=6),
    dict(sci_mode=True),
    dict(sci_mode=False),
    dict(sci_mode=True, precision=2),
]
OPTION_DATA = ["vec", "mat", "cube", "int_valued", "sci_wide", "sci_tiny_f64", "zeros",
               "nan_inf", "int64", "bool", "long_row", "big_mat", "big_4d", "big_int",
               "complex64", "empty_2d", "scalar_frac"]


@pytest.mark.parametrize("options", OPTIONS, ids=[str(o) for o in OPTIONS])
def test_repr_under_printoptions(options):
    torch.set_printoptions(**options)
    gt.set_printoptions(**options)
    named = dict(DATA)
    for name in OPTION_DATA:
        theirs, ours = _pair(named[name])
        assert repr(ours) == repr(theirs), f"{name} under {options}"


def test_printoptions_reset_and_profiles():
    gt.set_printoptions(precision=2, sci_mode=True)
    gt.set_printoptions(threshold=5)  # every call resets sci_mode, as in torch
    torch.set_printoptions(precision=2, sci_mode=True)
    torch.set_printoptions(threshold=5)
    _assert_prints_same(*_pair(_normal(8)))
    gt.set_printoptions(profile="default")
    torch.set_printoptions(profile="default")
    _assert_prints_same(*_pair(_normal(8)))


def test_get_printoptions_and_context_manager():
    from glasstorch import _tensor_str
    from torch import _tensor_str as torch_tensor_str
    assert _tensor_str.get_printoptions() == torch_tensor_str.get_printoptions()
    with _tensor_str.printoptions(precision=1), torch_tensor_str.printoptions(precision=1):
        _assert_prints_same(*_pair(_normal(3)))
    assert _tensor_str.get_printoptions()["precision"] == 4


def test_dtype_suffix_follows_default_dtype():
    torch.set_default_dtype(torch.float64)
    gt.set_default_dtype(gt.float64)
    for data in (_normal((2, 2)), _normal(3, "float64"), (_normal(2) + 0j).astype("complex64"),
                 (_normal(2) + 0j).astype("complex128"), np.zeros(0, dtype="float32"),
                 np.zeros(0), _ints(3)):
        _assert_prints_same(*_pair(data))


@pytest.mark.parametrize("name", ["vec", "mat", "long_row", "big_mat", "long_rows_3d", "empty",
                                  "scalar", "f16", "sci_wide"])
def test_requires_grad_suffix(name):
    data = dict(DATA)[name]
    theirs, ours = _pair(data)
    _assert_prints_same(theirs.requires_grad_(), ours.requires_grad_())


@pytest.mark.parametrize("name, op", [
    ("MulBackward0", lambda a, b: a * b),
    ("AddBackward0", lambda a, b: a + b),
])
@pytest.mark.parametrize("shape", [(), (3,), (2, 3), (4, 25)])
def test_grad_fn_suffix(name, op, shape):
    a, b = _normal(shape, "float64"), _normal(shape, "float64")
    ta, tb = torch.tensor(a, requires_grad=True), torch.tensor(b)
    ga, gb = gt.tensor(a).requires_grad_(), gt.tensor(b)
    theirs, ours = op(ta, tb), op(ga, gb)
    assert f"grad_fn=<{name}>" in repr(theirs)
    _assert_prints_same(theirs, ours)


def test_suffixes_wrap_past_linewidth():
    data = np.array([123456.5, 2.25, -3.75, 1.0, 5.5, 6.0, 7.125], dtype="float64")
    theirs, ours = _pair(data)
    _assert_prints_same(theirs.requires_grad_(), ours.requires_grad_())
    assert "\n" in repr(ours)


def test_parameter_prints_parameter_containing():
    class Parameter(gt.Tensor):  # stands in for nn.Parameter, a Tensor subclass of that name
        pass
    data = _normal((2, 3))
    theirs = torch.nn.Parameter(torch.tensor(data))
    ours = _make(data.copy(), requires_grad=True, cls=Parameter)
    _assert_prints_same(theirs, ours)
    assert repr(ours).startswith("Parameter containing:\ntensor([[")


def test_nn_parameter_prints_parameter_containing():
    nn = gt.nn
    data = _normal((2, 3))
    for requires_grad in (True, False):
        theirs = torch.nn.Parameter(torch.tensor(data), requires_grad=requires_grad)
        ours = nn.Parameter(gt.tensor(data), requires_grad=requires_grad)
        _assert_prints_same(theirs, ours)


def test_other_subclass_prints_its_name():
    class MyTensor(gt.Tensor):
        pass

    class TorchMyTensor(torch.Tensor):
        pass
    TorchMyTensor.__name__ = "MyTensor"
    data = _normal(3)
    theirs = torch.tensor(data).as_subclass(TorchMyTensor)
    ours = _make(data.copy(), cls=MyTensor)
    assert repr(ours) == repr(theirs)


def test_non_contiguous_view_prints_its_values():
    data = _normal((4, 6))
    theirs = torch.tensor(data)[::2, 1::2]
    ours = _make(np.asarray(data)[::2, 1::2])  # a strided NumPy view, as a glasstorch view holds
    _assert_prints_same(theirs, ours)


@pytest.mark.parametrize("spec", [".2f", ".3e", "", "10.4f", "+.1f"])
def test_format_of_0d_tensor(spec):
    theirs, ours = _pair(np.array(3.14159, dtype="float32"))
    assert format(ours, spec) == format(theirs, spec)


def test_format_of_int_0d_and_nd_tensor():
    theirs, ours = _pair(np.array(42))
    assert f"{ours:5d}" == f"{theirs:5d}"
    theirs, ours = _pair(_normal(3))
    assert f"{ours}" == f"{theirs}"
    with pytest.raises(TypeError):
        f"{theirs:.2f}"
    with pytest.raises(TypeError):
        f"{ours:.2f}"
