"""torch.__version__ and the Variable class, against PyTorch's own."""
import itertools
import warnings

import numpy as np
import pytest
import torch
from torch.torch_version import TorchVersion as TorchTorchVersion

import glasstorch
from glasstorch.torch_version import TorchVersion

VERSIONS = ["1.0", "1.0.0", "1", "1.0a1", "1.0.dev1", "1.0a1.dev2", "1.0.post1",
            "1.0.post1.dev0", "1.0rc2", "1.0b1", "1.0c1", "1.0-1", "1.0+cpu", "1.0+1",
            "1.0+abc.2", "1.0+abc.10", "1.9", "1.10", "2.0.0rc1", "2.13.0", "2.13.0+cpu",
            "2.13.0+glasstorch.0.1.0", "2.14.0.dev20250101", "v2.1", "parrot"]
OTHERS = VERSIONS + [(2, 13), (2, 13, 0), (1, 9), (2,), [2, 14], "2.13.0+glasstorch.0.2.0"]
OPS = ["__lt__", "__le__", "__eq__", "__ge__", "__gt__"]


@pytest.mark.parametrize("mine", VERSIONS)
def test_compares_as_pytorchs_torch_version(mine):
    for other, op in itertools.product(OTHERS, OPS):
        expected = getattr(TorchTorchVersion(mine), op)(other)
        assert getattr(TorchVersion(mine), op)(other) == expected, (mine, op, other)


def test_version_strings():
    assert isinstance(glasstorch.__version__, str)
    assert glasstorch.__version__ == "2.13.0+glasstorch.0.1.0"
    assert glasstorch.__version__ > torch.__version__      # the same release, a later label
    assert glasstorch.__version__ >= (2, 13) and glasstorch.__version__ < "2.14"
    assert glasstorch.version.__version__ is glasstorch.__version__
    assert glasstorch.version.cuda is None and glasstorch.version.hip is None
    assert hash(glasstorch.__version__) == hash("2.13.0+glasstorch.0.1.0")


def _pair(array, **kwargs):
    return torch.tensor(array, **kwargs), glasstorch.tensor(array, **kwargs)


@pytest.mark.parametrize("requires_grad", [False, True])
def test_variable_is_a_detached_alias_with_requires_grad(requires_grad):
    for lib, x in zip((torch, glasstorch), _pair(np.array([1.0, 2.0], "float32"))):
        v = lib.autograd.Variable(x, requires_grad=requires_grad)
        assert type(v) is lib.Tensor and v is not x
        assert v.requires_grad == requires_grad and v.is_leaf and v.grad_fn is None
        with lib.no_grad():
            v[0] = 5.0                              # shares memory and version counter
        assert x.tolist() == [5.0, 2.0] and x._version == v._version == 1


def test_variable_of_a_computed_tensor_and_of_nothing():
    results = []
    for lib in (torch, glasstorch):
        y = lib.ones(2, requires_grad=True) * 2
        v = lib.autograd.Variable(y)
        empty = lib.autograd.Variable()
        results.append((v.requires_grad, v.grad_fn, v.tolist(), tuple(empty.shape),
                        empty.dtype == lib.float32))
    assert results[0] == results[1]


def test_variable_errors_and_isinstance():
    for lib in (torch, glasstorch):
        with pytest.raises(TypeError, match="Variable data has to be a tensor, but got list"):
            lib.autograd.Variable([1.0])
        with pytest.raises(RuntimeError, match="floating point"):
            lib.autograd.Variable(lib.ones(2, dtype=lib.int64), requires_grad=True)
        assert isinstance(lib.ones(1), lib.autograd.Variable)
        assert isinstance(lib.nn.Parameter(lib.ones(1)), lib.autograd.Variable)
        assert not isinstance([1], lib.autograd.Variable)
        assert not issubclass(lib.Tensor, lib.autograd.Variable)


def test_storage_sizes_match_pytorchs():
    base = np.arange(24, dtype="float32").reshape(4, 6)
    for t, g in [_pair(base), _pair(base.astype("float64")), _pair(np.zeros((3, 0), "int64"))]:
        for pick in (lambda x: x, lambda x: x[1:, ::2], lambda x: x.t(), lambda x: x[2]):
            a, b = pick(t), pick(g)
            assert b._is_view() == a._is_view()
            assert b.untyped_storage().nbytes() == a.untyped_storage().nbytes()
            assert len(b.untyped_storage()) == len(a.untyped_storage())
            assert b.untyped_storage().data_ptr() == b._base.data_ptr() if b._is_view() \
                else b.data_ptr()
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                ta, tb = a.storage(), b.storage()
            assert caught and "TypedStorage is deprecated" in str(caught[-1].message)
            assert (tb.size(), tb.element_size(), tb.nbytes()) == \
                (ta.size(), ta.element_size(), ta.nbytes())
            assert str(tb.dtype) == str(ta.dtype)
