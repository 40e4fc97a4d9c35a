import numpy as np
import pytest

import glasstorch


@pytest.fixture(autouse=True)
def _fresh_state():
    """Each test starts with the default dtype, grad mode on and its own fixed seeds
    (glasstorch's generator and NumPy's global one), whatever ran before it."""
    glasstorch.set_default_dtype(glasstorch.float32)
    glasstorch.autograd.grad_mode._set(True)
    glasstorch.manual_seed(0)
    np.random.seed(0)
    yield
    glasstorch.set_default_dtype(glasstorch.float32)
    glasstorch.autograd.grad_mode._set(True)
