import numpy as np
import pytest

import glasstorch


@pytest.fixture(autouse=True)
def _fresh_state():
    """Each test starts with the default dtype, grad mode on and a fixed seed."""
    glasstorch.set_default_dtype(glasstorch.float32)
    glasstorch.autograd.grad_mode._set(True)
    yield
    glasstorch.set_default_dtype(glasstorch.float32)
    glasstorch.autograd.grad_mode._set(True)
