"""dtype.scalar_name / dtype.cpp_name (the names PyTorch's messages print) against torch."""
import numpy as np
import pytest
import torch

import glasstorch as gt
from glasstorch import _backend


@pytest.mark.parametrize("d", _backend.ALL_DTYPES, ids=lambda d: d.name)
def test_scalar_name_matches_torch_legacy_type(d):
    expected = torch.zeros(0, dtype=getattr(torch, d.name)).type()   # 'torch.FloatTensor'
    assert "torch." + d.scalar_name + "Tensor" == expected
    assert _backend.scalar_name(d.np) == d.scalar_name == _backend.scalar_name(d)


@pytest.mark.parametrize("d", _backend.ALL_DTYPES, ids=lambda d: d.name)
def test_cpp_name_matches_torch_mm_message(d):
    other = "float32" if d.name == "float64" else "float64"
    with pytest.raises(RuntimeError) as expected:
        torch.mm(torch.zeros(1, 1, dtype=getattr(torch, d.name)),
                 torch.zeros(1, 1, dtype=getattr(torch, other)))
    got = expected.value.args[0].split("but got: ")[1].split(" != ")[0]
    assert got == d.cpp_name == _backend.cpp_name(np.dtype(d.np))
    with pytest.raises(RuntimeError) as ours:
        gt.mm(gt.zeros(1, 1, dtype=d), gt.zeros(1, 1, dtype=getattr(gt, other)))
    assert str(ours.value) == str(expected.value)
