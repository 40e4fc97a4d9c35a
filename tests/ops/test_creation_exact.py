"""Python numbers become tensor elements bit for bit as in PyTorch: a Python float is a double,
so it reaches a float64 (or complex128) tensor unrounded and any narrower dtype with PyTorch's
rounding (half through float32, as c10::Half is built from a float). Compared bitwise."""
import numpy as np
import pytest
import torch

import glasstorch as gt

# 1 + 2^-11 is halfway between two halves; this is just above it. Rounded straight to half it
# goes up; rounded to float32 first (as PyTorch does) it lands on the tie and goes down to 1.
ABOVE_HALF_TIE = 1 + 2 ** -11 + 2 ** -40

CASES = [
    ("tensor float64", lambda t: t.tensor([0.1], dtype=t.float64)),
    ("tensor float64 0-d", lambda t: t.tensor(0.1, dtype=t.float64)),
    ("tensor float64 nested", lambda t: t.tensor([[0.1, 0.2], [1 / 3, 2]], dtype=t.float64)),
    ("tensor float64 mixed ints", lambda t: t.tensor([2 ** 53 + 1, 0.7], dtype=t.float64)),
    ("tensor complex128", lambda t: t.tensor([0.1 + 0.2j, 1 / 3], dtype=t.complex128)),
    ("tensor floats to complex128", lambda t: t.tensor([0.1, 0.3], dtype=t.complex128)),
    ("tensor float32", lambda t: t.tensor([0.1, 1 / 3, 16777217.0])),
    ("tensor complex64", lambda t: t.tensor([0.1 + 0.2j])),
    ("tensor floats to int64", lambda t: t.tensor([1.7, -2.9], dtype=t.int64)),
    ("tensor of a float64 0-d tensor", lambda t: t.tensor([t.tensor(0.1, dtype=t.float64), 0.1])),
    ("tensor of a float32 0-d tensor", lambda t: t.tensor([t.tensor(0.1), 0.1],
                                                          dtype=t.float64)),
    ("tensor of a NumPy float32", lambda t: t.tensor([np.float32(0.1), 0.1], dtype=t.float64)),
    ("as_tensor float64", lambda t: t.as_tensor([0.1, 0.7], dtype=t.float64)),
    ("new_tensor list", lambda t: t.zeros(1, dtype=t.float64).new_tensor([0.1])),
    ("new_tensor number", lambda t: t.zeros(1, dtype=t.float64).new_tensor(0.1)),
    ("DoubleTensor", lambda t: t.DoubleTensor([0.1, 0.2])),
    ("full float64", lambda t: t.full((2,), 0.1, dtype=t.float64)),
    ("full complex128", lambda t: t.full((2,), 0.1 + 0.3j, dtype=t.complex128)),
    ("scalar_tensor float64", lambda t: t.scalar_tensor(0.1, dtype=t.float64)),
    ("tensor half", lambda t: t.tensor([ABOVE_HALF_TIE, 0.1, 65519.0], dtype=t.float16)),
    ("tensor half from int", lambda t: t.tensor([2 ** 24 + 2 ** 13 + 1], dtype=t.float16)),
    ("full half", lambda t: t.full((1,), ABOVE_HALF_TIE, dtype=t.float16)),
    ("full_like half", lambda t: t.full_like(t.zeros(1, dtype=t.float16), ABOVE_HALF_TIE)),
    ("new_full half", lambda t: t.zeros(1, dtype=t.float16).new_full((1,), ABOVE_HALF_TIE)),
    ("new_tensor half", lambda t: t.zeros(1, dtype=t.float16).new_tensor([ABOVE_HALF_TIE])),
    ("scalar_tensor half", lambda t: t.scalar_tensor(ABOVE_HALF_TIE, dtype=t.float16)),
    ("tensor of a float64 array to half",
     lambda t: t.tensor(np.array([ABOVE_HALF_TIE]), dtype=t.float16)),
    ("float64 tensor .half()", lambda t: t.tensor([ABOVE_HALF_TIE], dtype=t.float64).half()),
]


def _bits(t):
    array = t.detach().numpy()
    return array.dtype.str, array.shape, array.tobytes()


@pytest.mark.parametrize("make", [case[1] for case in CASES], ids=[case[0] for case in CASES])
def test_python_numbers_stored_like_torch(make):
    assert _bits(make(gt)) == _bits(make(torch))


def test_float64_from_a_python_float_is_exact():
    assert gt.tensor([0.1], dtype=gt.float64).item() == 0.1
    assert gt.as_tensor(0.1, dtype=gt.float64).item() == 0.1


@pytest.mark.parametrize("make", [
    lambda t: t.tensor([0.1, 1 / 3]),
    lambda t: t.tensor(0.1),
    lambda t: t.as_tensor([0.1]),
    lambda t: t.tensor([0.1 + 0.3j]),
    lambda t: t.full((1,), 0.1),
    lambda t: t.ones(1).new_tensor([0.1]),
    lambda t: t.scalar_tensor(0.1),
])
def test_default_dtype_float64(make):
    results = []
    for lib in (gt, torch):
        lib.set_default_dtype(lib.float64)
        try:
            results.append(_bits(make(lib)))
        finally:
            lib.set_default_dtype(lib.float32)
    assert results[0] == results[1]
