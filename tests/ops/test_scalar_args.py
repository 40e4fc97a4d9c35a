"""Calls PyTorch accepts that glasstorch once refused (issue 6): arithmetic on two Python
numbers, bit shifts, Tensor.to's positional forms, the nuclear and empty matrix norms."""
import numpy as np
import pytest
import torch

import glasstorch as gt
from tests.oracle.harness import assert_same, check, check_error, gradcheck_fn


def _same_call(fn):
    """fn(torch) and fn(glasstorch) agree: both results equal, or both raise the same type."""
    try:
        expected = fn(torch)
    except Exception as error:       # noqa: BLE001 (the oracle decides what is an error)
        check_error(fn)
        return error
    assert_same(fn(gt), expected)
    return expected


# ---------------------------------------------------------------------------------------------
# two Python numbers: add, sub, mul, div (and aliases) make a 0-d tensor; the rest refuse
# ---------------------------------------------------------------------------------------------
NUMBER_OPS = ["add", "sub", "mul", "div", "true_divide", "floor_divide", "subtract",
              "multiply", "divide", "rsub", "remainder", "maximum", "atan2", "pow", "fmod"]
NUMBER_ARGS = [((2, 3), {}), ((2.0, 3), {}), ((True, False), {}), ((2, 3), {"alpha": 2}),
               ((7, 2), {"rounding_mode": "floor"}), ((2, 1j), {}), ((2.5, True), {}),
               ((-7, 2.0), {"rounding_mode": "trunc"})]


# (true_divide and floor_divide take no rounding_mode; floor_divide of a complex number is
# NotImplementedError in PyTorch, TypeError here)
NUMBER_CASES = [(name, args, kwargs) for name in NUMBER_OPS for args, kwargs in NUMBER_ARGS
                if not (name in ("true_divide", "floor_divide") and "rounding_mode" in kwargs)
                and not (name == "floor_divide" and isinstance(args[1], complex))]


@pytest.mark.parametrize("name,args,kwargs", NUMBER_CASES, ids=str)
def test_binary_ops_on_two_numbers(name, args, kwargs):
    _same_call(lambda t: getattr(t, name)(*args, **kwargs))


def test_number_first_with_default_dtype():
    gt.set_default_dtype(gt.float64)
    torch.set_default_dtype(torch.float64)
    try:
        assert_same(gt.add(2.0, 3.0), torch.add(2.0, 3.0))
    finally:
        torch.set_default_dtype(torch.float32)


# ---------------------------------------------------------------------------------------------
# bit shifts
# ---------------------------------------------------------------------------------------------
SHIFTS = [
    lambda t: t.tensor([1, 2, 3]) << 2, lambda t: t.tensor([8, 16, -8]) >> 2,
    lambda t: t.tensor([1.5]) << 1, lambda t: t.tensor([1.5]) >> 1,
    lambda t: t.tensor([True]) << 1, lambda t: t.tensor([1, 2], dtype=t.uint8) << 7,
    lambda t: t.tensor([1, 8]) << 64, lambda t: t.tensor([1, 8]) << 63,
    lambda t: t.tensor([-1, 8]) >> 64, lambda t: t.tensor([-1, 8]) >> 70,
    lambda t: t.tensor([1, 8]) << -1, lambda t: t.tensor([1, -8]) >> -1,
    lambda t: t.tensor([1, 8], dtype=t.int8) << t.tensor([9, 2], dtype=t.int8),
    lambda t: t.tensor([1, 8], dtype=t.int8) << 2.5, lambda t: 3 << t.tensor([1, 2]),
    lambda t: 3 >> t.tensor([1, 2]), lambda t: 3.0 << t.tensor([1, 2]),
    lambda t: t.bitwise_left_shift(3, t.tensor([1, 2])),
    lambda t: t.bitwise_left_shift(t.tensor([1, 2], dtype=t.int32), t.tensor([1, 2])),
    lambda t: t.bitwise_right_shift(t.tensor([1, 2, -8]), 1),
    lambda t: t.tensor([1, 2], dtype=t.uint8) << 300,
    lambda t: t.tensor([1, 2], dtype=t.uint8) << -1,
    lambda t: t.tensor([-5, 5], dtype=t.int8) >> 10,
    lambda t: t.tensor([1], dtype=t.int16) << t.tensor([16], dtype=t.int16),
    lambda t: t.tensor([200, 255], dtype=t.uint8) >> t.tensor([1, 200], dtype=t.uint8),
    lambda t: t.tensor([100, -100], dtype=t.int8) << 1,
    lambda t: t.tensor([3]).bitwise_left_shift(1), lambda t: t.tensor([3]).__ilshift__(1),
    lambda t: t.tensor([3]).bitwise_right_shift_(1),
    lambda t: t.tensor([1, 2]) << t.tensor([[1], [2]]),
    lambda t: t.tensor([1, 2]) << t.tensor([1.0]), lambda t: t.bitwise_left_shift(2, 3),
    lambda t: t.tensor([1, 2]) << t.tensor([1, 2, 3]),
]


@pytest.mark.parametrize("i", range(len(SHIFTS)))
def test_shifts(i):
    _same_call(SHIFTS[i])


def test_augmented_shift_writes_in_place():
    x = gt.tensor([1, 2])
    y = x
    x <<= 2
    assert y is x and x.tolist() == [4, 8]
    x >>= 1
    assert y is x and x.tolist() == [2, 4]


# ---------------------------------------------------------------------------------------------
# Tensor.to's positional forms: (dtype, non_blocking, copy), (device, dtype, non_blocking,
# copy), (tensor, non_blocking, copy)
# ---------------------------------------------------------------------------------------------
TO_FORMS = [lambda t, x: (t.float32, False, True), lambda t, x: (t.float32,),
            lambda t, x: ("cpu",), lambda t, x: ("cpu", None, False, True),
            lambda t, x: (x, False, True), lambda t, x: (x,),
            lambda t, x: ("cpu", t.float64, False, True), lambda t, x: (t.float64,),
            lambda t, x: (t.device("cpu"), t.int32, True)]


@pytest.mark.parametrize("i", range(len(TO_FORMS)))
def test_to_positional(i):
    results = []
    for lib in (torch, gt):
        x = lib.ones(2)
        y = x.to(*TO_FORMS[i](lib, x))
        results.append((y is x, str(y.dtype).split(".")[-1], y.tolist()))
    assert results[0] == results[1]


# ---------------------------------------------------------------------------------------------
# norm(x, 'nuc') and matrix norms of empty matrices
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("fn", [lambda t, x: t.norm(x, "nuc"), lambda t, x: x.norm(p="nuc"),
                                lambda t, x: t.norm(x.reshape(2, 2, 3), "nuc", dim=(1, 2)),
                                lambda t, x: t.norm(x.reshape(2, 2, 3), "nuc", dim=(2, 1),
                                                    keepdim=True)],
                         ids=["fn", "method", "dim", "keepdim"])
def test_norm_nuclear(fn):
    x = np.random.default_rng(0).standard_normal((4, 3)).astype("float32")
    check(fn, [x], rtol=1e-5, atol=1e-5)
    gradcheck_fn(fn, [x])


def test_norm_nuclear_needs_two_dims():
    check_error(lambda t: t.norm(t.ones(2, 2, 2), "nuc"), match="dim must be a 2-tuple")


@pytest.mark.parametrize("shape", [(0, 3), (3, 0), (0, 0), (2, 0, 3), (2, 3, 0)], ids=str)
@pytest.mark.parametrize("ord", [float("inf"), -float("inf"), 1, -1, 2, -2, "nuc", "fro"],
                         ids=str)
def test_matrix_norms_of_empty_matrices(shape, ord):
    _same_call(lambda t: t.linalg.matrix_norm(t.ones(shape), ord))
    _same_call(lambda t: t.linalg.norm(t.ones(shape), ord, dim=(-2, -1)))
    if len(shape) == 2:
        _same_call(lambda t: t.linalg.norm(t.ones(shape), ord))
