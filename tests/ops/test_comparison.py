"""Oracle tests for comparison.py and the comparison/bitwise Python operators: comparisons
across dtypes and scalars, logical and bitwise ops, isnan & co, isclose/allclose/equal,
signbit, in-place variants, NotImplemented for foreign operands, hashing."""
import numpy as np
import pytest
import torch

import glasstorch as gt
from tests.oracle.harness import check, check_error, sample

DTYPES = ["float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool"]

COMPARE = {
    "eq": lambda t, a, b: t.eq(a, b),
    "ne": lambda t, a, b: t.ne(a, b),
    "lt": lambda t, a, b: t.lt(a, b),
    "le": lambda t, a, b: a.le(b),
    "gt": lambda t, a, b: t.gt(a, b),
    "ge": lambda t, a, b: a.ge(b),
    "greater": lambda t, a, b: t.greater(a, b),
    "less": lambda t, a, b: t.less(a, b),
    "greater_equal": lambda t, a, b: t.greater_equal(a, b),
    "less_equal": lambda t, a, b: a.less_equal(b),
    "not_equal": lambda t, a, b: t.not_equal(a, b),
    "op_eq": lambda t, a, b: a == b,
    "op_ne": lambda t, a, b: a != b,
    "op_lt": lambda t, a, b: a < b,
    "op_le": lambda t, a, b: a <= b,
    "op_gt": lambda t, a, b: a > b,
    "op_ge": lambda t, a, b: a >= b,
}


def _small(shape, dtype, seed):
    """Small integers (so equal values actually occur) stored in `dtype`."""
    values = np.random.default_rng(seed).integers(0, 3, size=shape)
    return values.astype(dtype)


@pytest.mark.parametrize("name", list(COMPARE))
@pytest.mark.parametrize("pair", [((3, 4), (3, 4)), ((3, 4), (4,)), ((), (2, 3)),
                                  ((0, 3), (1, 3))], ids=str)
def test_compare_shapes(name, pair):
    check(COMPARE[name], [_small(pair[0], "float32", 1), _small(pair[1], "float32", 2)])


@pytest.mark.parametrize("name", ["eq", "lt", "op_ge", "op_ne"])
@pytest.mark.parametrize("da", DTYPES)
@pytest.mark.parametrize("db", DTYPES)
def test_compare_dtype_pairs(name, da, db):
    check(COMPARE[name], [_small((6,), da, 3), _small((6,), db, 4)], grad=False)


@pytest.mark.parametrize("name", list(COMPARE))
@pytest.mark.parametrize("scalar", [1, 1.5, True, -1, 0.0], ids=repr)
@pytest.mark.parametrize("dtype", ["float32", "int64", "uint8", "bool"])
def test_compare_with_scalars(name, scalar, dtype):
    check(lambda t, a: COMPARE[name](t, a, scalar), [_small((5,), dtype, 5)], grad=False)


def test_reflected_comparisons_and_precision():
    x = np.array([0.1, 0.5, 2.0], dtype=np.float32)
    check(lambda t, a: 1 < a, [x])
    check(lambda t, a: 0.5 == a, [x])
    # float32 vs a float64 0-d tensor compares in float32 (PyTorch's promotion)
    check(lambda t, a, b: a == b, [x, np.array(0.1)])
    check(lambda t, a, b: a == b, [x, np.array([0.1])])  # a dim tensor: compared in float64
    check(lambda t, a: a == 0.1, [x])
    # out-of-range ints wrap to the tensor's dtype first, as in PyTorch
    check(lambda t, a: a < -1, [np.array([1, 250], dtype=np.uint8)])
    check(lambda t, a: a == 257, [np.array([1, 2], dtype=np.uint8)])


def test_nan_comparisons():
    a = np.array([np.nan, 1.0, np.inf, -np.inf], dtype=np.float32)
    b = np.array([np.nan, np.nan, np.inf, 0.0], dtype=np.float32)
    for fn in COMPARE.values():
        check(fn, [a, b], grad=False)


def test_foreign_operands_compare_as_not_implemented():
    for lib in (torch, gt):
        x = lib.tensor([1, 2])
        assert (x == None) is False  # noqa: E711
        assert (x != None) is True  # noqa: E711
        assert (x == "a") is False
        assert (x == [1, 2]) is False
    check_error(lambda t: t.tensor([1]) < "a")
    check_error(lambda t: t.tensor([1]) < None)
    check_error(lambda t: t.eq(t.tensor([1.0]), None))
    check_error(lambda t: t.lt(1, t.tensor([1.0])))
    check_error(lambda t: t.ones(2, 3) == t.ones(4))
    check_error(lambda t: t.ones(3) < t.ones(2, 4))


def test_hash_is_identity_after_binding_eq():
    x, y = gt.tensor([1.0]), gt.tensor([1.0])
    assert hash(x) == id(x) and hash(x) != hash(y)
    d = {x: "x", y: "y"}
    assert d[x] == "x" and d[y] == "y"
    assert len({x, y, x}) == 2


@pytest.mark.parametrize("name", ["eq_", "ne_", "lt_", "le_", "gt_", "ge_", "greater_",
                                  "less_equal_", "not_equal_"])
def test_inplace_comparisons_write_into_self_dtype(name):
    for dtype in ("float32", "int64"):
        check(lambda t, a, b: getattr(a.clone(), name)(b),
              [_small((2, 3), dtype, 6), _small((3,), dtype, 7)], grad=False)


# ---------------------------------------------------------------------------------------------
# logical and bitwise
# ---------------------------------------------------------------------------------------------
LOGICAL = {
    "logical_and": lambda t, a, b: t.logical_and(a, b),
    "logical_or": lambda t, a, b: a.logical_or(b),
    "logical_xor": lambda t, a, b: t.logical_xor(a, b),
    "logical_not": lambda t, a, b: t.logical_not(a),
}


@pytest.mark.parametrize("name", list(LOGICAL))
@pytest.mark.parametrize("da", ["float32", "int64", "uint8", "bool"])
@pytest.mark.parametrize("db", ["float32", "int64", "bool"])
def test_logical(name, da, db):
    check(LOGICAL[name], [_small((2, 3), da, 8), _small((3,), db, 9)], grad=False)


@pytest.mark.parametrize("name", list(LOGICAL))
def test_logical_inplace(name):
    check(lambda t, a, b: getattr(a.clone(), name + "_")(*([] if name == "logical_not" else [b])),
          [_small((4,), "float32", 10), _small((4,), "int64", 11)], grad=False)


def test_logical_errors():
    check_error(lambda t: t.logical_and(t.ones(3), 1))
    check_error(lambda t: t.logical_or(t.ones(2, 3), t.ones(4)))


BITWISE = {
    "bitwise_and": lambda t, a, b: t.bitwise_and(a, b),
    "bitwise_or": lambda t, a, b: a.bitwise_or(b),
    "bitwise_xor": lambda t, a, b: t.bitwise_xor(a, b),
    "op_and": lambda t, a, b: a & b,
    "op_or": lambda t, a, b: a | b,
    "op_xor": lambda t, a, b: a ^ b,
}
INT_DTYPES = ["int8", "int16", "int32", "int64", "uint8", "bool"]


@pytest.mark.parametrize("name", list(BITWISE))
@pytest.mark.parametrize("da", INT_DTYPES)
@pytest.mark.parametrize("db", INT_DTYPES)
def test_bitwise_dtype_pairs(name, da, db):
    check(BITWISE[name], [sample((2, 3), da), sample((3,), db)], grad=False)


@pytest.mark.parametrize("name", list(BITWISE))
def test_bitwise_scalars_reflected_and_inplace(name):
    x = np.array([5, -3, 0, 12])
    b = np.array([True, False, True, False])
    check(lambda t, a: BITWISE[name](t, a, 6), [x], grad=False)
    check(lambda t, a: BITWISE[name](t, a, True), [b], grad=False)
    op = {"op_and": lambda a, b: b & a, "op_or": lambda a, b: b | a,
          "op_xor": lambda a, b: b ^ a}.get(name)
    if op:
        check(lambda t, a: op(a, 3), [x], grad=False)
        check(lambda t, a: op(a, False), [b], grad=False)
    fn_name = {"op_and": "bitwise_and", "op_or": "bitwise_or", "op_xor": "bitwise_xor"}.get(
        name, name)
    check(lambda t, a, c: getattr(a.clone(), fn_name + "_")(c), [x, x[::-1].copy()], grad=False)


def test_augmented_bitwise_keeps_identity():
    for lib in (torch, gt):
        m = lib.tensor([True, False, True])
        before = id(m)
        m &= lib.tensor([True, True, False])
        m |= lib.tensor([False, True, False])
        m ^= lib.tensor([True, False, False])
        assert id(m) == before and m.tolist() == [False, True, False]


def test_bitwise_not_and_invert():
    check(lambda t, a: ~a, [np.array([True, False])], grad=False)
    check(lambda t, a: ~a, [np.array([5, -3, 0])], grad=False)
    check(lambda t, a: t.bitwise_not(a), [np.array([5, 0, 255], dtype=np.uint8)], grad=False)
    check(lambda t, a: a.clone().bitwise_not_(), [np.array([5, -1])], grad=False)
    check_error(lambda t: ~t.ones(2))
    check_error(lambda t: t.bitwise_not(t.ones(2)))


def test_bitwise_errors():
    check_error(lambda t: t.bitwise_and(t.ones(2), t.ones(2)))
    check_error(lambda t: t.tensor([3]) | 4.5)
    check_error(lambda t: t.tensor([3, 4]) & t.tensor([1, 2, 3]))


# ---------------------------------------------------------------------------------------------
# float classes, closeness, equality
# ---------------------------------------------------------------------------------------------
SPECIALS = np.array([0.0, -0.0, 1.5, -2.0, np.inf, -np.inf, np.nan, -np.nan], dtype=np.float32)
CLASSES = {
    "isnan": lambda t, a: t.isnan(a),
    "isinf": lambda t, a: a.isinf(),
    "isfinite": lambda t, a: t.isfinite(a),
    "isposinf": lambda t, a: t.isposinf(a),
    "isneginf": lambda t, a: a.isneginf(),
    "signbit": lambda t, a: t.signbit(a),
}


@pytest.mark.parametrize("name", list(CLASSES))
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "int64", "uint8", "bool"])
def test_float_classes(name, dtype):
    x = SPECIALS.astype(dtype) if dtype.startswith("float") else sample((5,), dtype)
    check(CLASSES[name], [x], grad=False)
    check(CLASSES[name], [x[:0]], grad=False)


def test_signbit_negative_ints():
    check(lambda t, a: t.signbit(a), [np.array([-3, 0, 4])], grad=False)


CLOSE_A = np.array([1.0, 1.0, np.inf, np.nan, 0.0, -np.inf, 1e-9], dtype=np.float64)
CLOSE_B = np.array([1.0 + 1e-6, 1.1, np.inf, np.nan, 1e-9, np.inf, 0.0], dtype=np.float64)


@pytest.mark.parametrize("kwargs", [{}, {"equal_nan": True}, {"rtol": 0.2}, {"atol": 1e-3},
                                    {"rtol": 0, "atol": 0}], ids=str)
def test_isclose_allclose(kwargs):
    check(lambda t, a, b: t.isclose(a, b, **kwargs), [CLOSE_A, CLOSE_B], grad=False)
    check(lambda t, a, b: a.isclose(b, **kwargs), [CLOSE_A.astype(np.float32),
                                                   CLOSE_B.astype(np.float32)], grad=False)
    for n in range(1, len(CLOSE_A) + 1):
        check(lambda t, a, b: t.allclose(a, b, **kwargs), [CLOSE_A[:n], CLOSE_B[:n]],
              grad=False)


def test_isclose_integers_bools_broadcast_and_errors():
    check(lambda t, a, b: t.isclose(a, b, atol=1), [np.array([1, 5, 200], np.uint8),
                                                   np.array([2, 7, 199], np.uint8)], grad=False)
    check(lambda t, a, b: t.isclose(a, b), [np.array([True, False]), np.array([True, True])],
          grad=False)
    check(lambda t, a, b: t.isclose(a, b), [sample((2, 3)), sample((3,))], grad=False)
    check_error(lambda t: t.isclose(t.ones(2), t.ones(2, dtype=t.int64)), match="did not match")
    check_error(lambda t: t.allclose(t.ones(2), t.ones(2, dtype=t.float64)))
    check_error(lambda t: t.isclose(t.ones(2), t.ones(2), atol=-1))
    check_error(lambda t: t.isclose(t.ones(2), t.ones(2), rtol=-1))
    check_error(lambda t: t.isclose(t.ones(2, 3), t.ones(4)))


def test_equal():
    check(lambda t, a, b: t.equal(a, b), [np.array([1.0, 2.0]), np.array([1.0, 2.0])])
    check(lambda t, a, b: t.equal(a, b), [np.array([1.0, 2.0]), np.array([1.0, 3.0])])
    check(lambda t, a, b: a.equal(b), [np.array([1.0]), np.zeros((2, 2))])
    check(lambda t, a, b: t.equal(a, b), [np.array([1.0, 2.0], np.float32),
                                          np.array([1, 2])], grad=False)
    check(lambda t, a, b: t.equal(a, b), [np.array([np.nan]), np.array([np.nan])])
    check(lambda t, a, b: t.equal(a, b), [np.zeros((0, 3)), np.zeros((0, 3))])
    check_error(lambda t: t.equal(t.ones(2), 1))
