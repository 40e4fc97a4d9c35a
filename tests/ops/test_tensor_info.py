"""Oracle tests for the predicates and metadata of tensor_info.py (is_tensor … layout,
storage_offset, data_ptr, output_nr) and the legacy set_default_tensor_type."""
import warnings

import pytest

import glasstorch as gt
from tests.oracle.harness import check, check_error, sample


# ---------------------------------------------------------------------------------------------
# predicates and metadata
# ---------------------------------------------------------------------------------------------
META = [
    lambda t, x: t.is_tensor(x), lambda t, x: t.is_tensor(1.0), lambda t, x: t.is_tensor([x]),
    lambda t, x: t.is_floating_point(x), lambda t, x: t.is_complex(x),
    lambda t, x: t.is_signed(x), lambda t, x: x.is_signed(),
    lambda t, x: t.numel(x), lambda t, x: t.typename(x), lambda t, x: t.typename(1),
    lambda t, x: t.typename("a"), lambda t, x: x.is_same_size(x[0]),
    lambda t, x: t.is_same_size(x, x * 2), lambda t, x: x.is_cpu,
    lambda t, x: str(x.layout), lambda t, x: str(t.strided), lambda t, x: x.layout == t.strided,
    lambda t, x: x.storage_offset(), lambda t, x: x[1:].storage_offset(),
    lambda t, x: x.output_nr, lambda t, x: t.is_inference(x), lambda t, x: x.is_inference(),
    lambda t, x: x.data_ptr() == x.data_ptr() and x[1:].data_ptr() - x.data_ptr(),
    lambda t, x: t.is_nonzero(x[0, :1]), lambda t, x: x[1, 1].is_nonzero(),
    lambda t, x: t.is_conj(x), lambda t, x: x.is_neg(),
]
DTYPES = ["float32", "float64", "int64", "uint8", "bool", "complex64"]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("fn", META)
def test_predicates_and_metadata(fn, dtype):
    if dtype == "complex64":
        x = (sample((3, 2)) + 1j * sample((3, 2))).astype(dtype)
    else:
        x = sample((3, 2), dtype)
    check(fn, [x], grad=False)


def test_output_nr_of_multi_output_ops():
    def run(t, x):
        a, b, c = (x * 1).split(1)
        return a.output_nr, b.output_nr, c.output_nr
    check(run, [sample((3,))], grad=False)
    assert gt.typename(gt.nn.Linear) == "glasstorch.nn.modules.linear.Linear"


def test_predicate_errors():
    check_error(lambda t: t.is_nonzero(t.zeros(2)), match="more than one value")
    check_error(lambda t: t.is_nonzero(t.zeros(0)), match="no values")
    check_error(lambda t: t.numel([1]))
    check_error(lambda t: t.is_floating_point(1))
    check_error(lambda t: t.is_same_size(t.ones(1), 1))


def test_set_default_tensor_type():
    try:
        with pytest.warns(UserWarning, match="deprecated"):
            gt.set_default_tensor_type(gt.DoubleTensor)
        assert gt.tensor([1.5]).dtype is gt.float64 and gt.ones(1).dtype is gt.float64
        with pytest.warns(UserWarning):
            gt.set_default_tensor_type("torch.FloatTensor")
        assert gt.tensor([1.5]).dtype is gt.float32
    finally:
        gt.set_default_dtype(gt.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_error(lambda t: t.set_default_tensor_type(t.LongTensor), match="floating-point")
        check_error(lambda t: t.set_default_tensor_type(3))
        check_error(lambda t: t.set_default_tensor_type("torch.Foo"))
    assert gt.get_default_dtype() is gt.float32
