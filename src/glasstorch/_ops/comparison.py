"""Comparison, logical and bitwise ops, and the float-class tests (isnan, isclose …).

All of these return bool tensors (bitwise ops keep the integer dtype) and are not
differentiable, so they skip the graph entirely: one NumPy call wrapped by `_make`. Operands
are promoted first by PyTorch's rules, so `float32_tensor == float64_0d_tensor` compares in
float32, as PyTorch does.
"""
from .._backend import xp, scalar_name
from .._tensor import Tensor, _make
from ._util import promote, check_broadcast, write_out, check_tensor
from . import _either as either


_ORDERINGS = ("lt", "le", "gt", "ge")


def _compare(fname, np_op, input, other, out):
    """np_op on promoted operands; `other` is a Tensor or a Python number."""
    check_tensor(fname, input)
    if other is None or isinstance(other, str):
        raise TypeError(f"{fname}() received an invalid combination of arguments - got "
                        f"(Tensor, {type(other).__name__})")
    a, b = promote(input, other)
    if a._data.dtype.kind == "c" and fname in _ORDERINGS:   # complex numbers have no order
        raise NotImplementedError(f'"{fname}_cpu" not implemented for '
                                  f"'{scalar_name(a._data.dtype)}'")
    if isinstance(b, Tensor):
        _check_shapes(a, b)
        b = b._data
    return write_out(_make(np_op(a._data, b)), out, differentiable=False)


def _check_shapes(a, b):
    """These ops run NumPy directly (no autograd node), so check broadcasting here."""
    if isinstance(a, Tensor) and a._data.shape != b._data.shape:
        check_broadcast(a._data.shape, b._data.shape)


# ---------------------------------------------------------------------------------------------
# comparisons
# ---------------------------------------------------------------------------------------------
def eq(input, other, *, out=None):
    """input == other elementwise (broadcast) -> bool tensor."""
    return _compare("eq", xp.equal, input, other, out)


def ne(input, other, *, out=None):
    """input != other elementwise -> bool tensor."""
    return _compare("ne", xp.not_equal, input, other, out)


def lt(input, other, *, out=None):
    """input < other elementwise -> bool tensor."""
    return _compare("lt", xp.less, input, other, out)


def le(input, other, *, out=None):
    """input <= other elementwise -> bool tensor."""
    return _compare("le", xp.less_equal, input, other, out)


def gt(input, other, *, out=None):
    """input > other elementwise -> bool tensor."""
    return _compare("gt", xp.greater, input, other, out)


def ge(input, other, *, out=None):
    """input >= other elementwise -> bool tensor."""
    return _compare("ge", xp.greater_equal, input, other, out)


# ---------------------------------------------------------------------------------------------
# logical (any dtype; nonzero counts as True) and bitwise (integers and bools)
# ---------------------------------------------------------------------------------------------
def _logical(fname, np_op, input, other, out):
    check_tensor(fname, input)
    check_tensor(fname, other, "other", 2)
    if input._data.shape != other._data.shape:
        check_broadcast(input._data.shape, other._data.shape)
    return write_out(_make(np_op(input._data, other._data)), out, differentiable=False)


def logical_and(input, other, *, out=None):
    """(input != 0) and (other != 0) -> bool tensor."""
    return _logical("logical_and", xp.logical_and, input, other, out)


def logical_or(input, other, *, out=None):
    """(input != 0) or (other != 0) -> bool tensor."""
    return _logical("logical_or", xp.logical_or, input, other, out)


def logical_xor(input, other, *, out=None):
    """(input != 0) xor (other != 0) -> bool tensor."""
    return _logical("logical_xor", xp.logical_xor, input, other, out)


def logical_not(input, *, out=None):
    """input == 0 -> bool tensor."""
    return write_out(_make(xp.logical_not(check_tensor("logical_not", input)._data)),
                     out, differentiable=False)


def _bitwise(kernel, np_op, input, other, out):
    a, b = promote(input, other)
    for x in (a, b):
        if isinstance(x, Tensor) and x._data.dtype.kind not in "iub" or isinstance(x, float):
            name = scalar_name(a._data.dtype if isinstance(a, Tensor) else b._data.dtype)
            raise NotImplementedError(f"\"{kernel}_cpu\" not implemented for '{name}'")
    if isinstance(b, Tensor):
        _check_shapes(a, b)
    return write_out(_make(np_op(either.raw(a), either.raw(b))), out, differentiable=False)


def bitwise_and(input, other, *, out=None):
    """input & other for integer and bool tensors (logical and for bools)."""
    return _bitwise("bitwise_and", xp.bitwise_and, input, other, out)


def bitwise_or(input, other, *, out=None):
    """input | other for integer and bool tensors."""
    return _bitwise("bitwise_or", xp.bitwise_or, input, other, out)


def bitwise_xor(input, other, *, out=None):
    """input ^ other for integer and bool tensors."""
    return _bitwise("bitwise_xor", xp.bitwise_xor, input, other, out)


def _shift(kernel, left, input, other, out):
    """Shifts of integer tensors as PyTorch's kernels: a shift by a negative count or by at
    least the bit width gives 0 to the left, and to the right the sign (0 or -1; 0 unsigned);
    a left shift wraps like the C++ unsigned shift."""
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        check_tensor("bitwise_left_shift" if left else "bitwise_right_shift", input)
    a, b = promote(input, other)
    dtype = (a if isinstance(a, Tensor) else b)._data.dtype
    if dtype.kind not in "iu":
        raise NotImplementedError(f"\"{kernel}_cpu\" not implemented for '{scalar_name(dtype)}'")
    if isinstance(b, Tensor):
        _check_shapes(a, b)
    x, count = (xp.asarray(either.raw(v)).astype(dtype, copy=False) for v in (a, b))
    bits = dtype.itemsize * 8
    signed_count = count.astype(f"int{bits}", copy=False)      # as the kernel reads it
    outside = (signed_count < 0) | (count >= bits)
    safe = xp.where(outside, 0, count).astype(dtype, copy=False)
    if left:
        result = xp.where(outside, 0, xp.left_shift(x, safe))
    else:
        fill = xp.right_shift(x, bits - 1) if dtype.kind == "i" else xp.zeros_like(x)
        result = xp.where(outside, fill, xp.right_shift(x, safe))
    return write_out(_make(result.astype(dtype, copy=False)), out, differentiable=False)


def bitwise_left_shift(input, other, *, out=None):
    """input << other for integer tensors (input * 2**other, wrapping)."""
    return _shift("lshift", True, input, other, out)


def bitwise_right_shift(input, other, *, out=None):
    """input >> other for integer tensors (an arithmetic shift: the sign is kept)."""
    return _shift("rshift", False, input, other, out)


def bitwise_not(input, *, out=None):
    """~input: bitwise complement of integers, logical not of bools."""
    data = check_tensor("bitwise_not", input)._data
    if data.dtype.kind not in "iub":
        raise NotImplementedError(f"\"bitwise_not_cpu\" not implemented for "
                                  f"'{scalar_name(data.dtype)}'")
    return write_out(_make(xp.invert(data)), out, differentiable=False)


# ---------------------------------------------------------------------------------------------
# float classes
# ---------------------------------------------------------------------------------------------
def _float_test(fname, np_op, if_not_float, input):
    """np_op on float tensors; integer and bool tensors hold no nan/inf, so the answer is the
    constant `if_not_float` everywhere."""
    data = check_tensor(fname, input)._data
    if data.dtype.kind in "fc":
        return _make(np_op(data))
    return _make(xp.full(data.shape, if_not_float))


def isnan(input):
    """True where input is nan."""
    return _float_test("isnan", xp.isnan, False, input)


def isinf(input):
    """True where input is +inf or -inf."""
    return _float_test("isinf", xp.isinf, False, input)


def isfinite(input):
    """True where input is neither nan nor +-inf."""
    return _float_test("isfinite", xp.isfinite, True, input)


def isposinf(input, *, out=None):
    """True where input is +inf."""
    return write_out(_float_test("isposinf", lambda x: x == xp.inf, False, input),
                     out, differentiable=False)


def isneginf(input, *, out=None):
    """True where input is -inf."""
    return write_out(_float_test("isneginf", lambda x: x == -xp.inf, False, input),
                     out, differentiable=False)


def signbit(input, *, out=None):
    """True where the sign bit is set (also for -0.0 and negative nan)."""
    data = check_tensor("signbit", input)._data
    if data.dtype.kind == "f":
        return write_out(_make(xp.signbit(data)), out, same_dtype=True, differentiable=False)
    return write_out(_make(data < 0), out, same_dtype=True, differentiable=False)


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """|input - other| <= atol + rtol * |other| elementwise (infs equal only to themselves;
    nans equal only with equal_nan). Both tensors must have the same dtype."""
    check_tensor("isclose", input)
    check_tensor("isclose", other, "other", 2)
    if input._data.dtype != other._data.dtype:
        raise RuntimeError(f"{scalar_name(input._data.dtype)} did not match "
                           f"{scalar_name(other._data.dtype)}")
    if rtol < 0:
        raise RuntimeError(f"rtol must be greater than or equal to zero, but got {rtol}")
    if atol < 0:
        raise RuntimeError(f"atol must be greater than or equal to zero, but got {atol}")
    a, b = input._data, other._data
    if a.shape != b.shape:
        check_broadcast(a.shape, b.shape)
    if a.dtype.kind == "b":
        return _make(a == b)
    if a.dtype.kind in "iu":  # subtracting unsigned ints would wrap around
        a, b = a.astype(xp.float64), b.astype(xp.float64)
    return _make(xp.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan))


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """isclose everywhere -> Python bool."""
    return bool(isclose(input, other, rtol, atol, equal_nan)._data.all())


def equal(input, other):
    """True if both tensors have the same shape and values (after type promotion)."""
    check_tensor("equal", input)
    check_tensor("equal", other, "other", 2)
    if input._data.shape != other._data.shape:
        return False
    a, b = promote(input, other)
    return bool(xp.array_equal(a._data, b._data))


# ---------------------------------------------------------------------------------------------
# membership
# ---------------------------------------------------------------------------------------------
def isin(elements, test_elements, *, assume_unique=False, invert=False):
    """For each element of `elements`, is it among `test_elements`? -> bool tensor shaped like
    elements (invert=True: is it not?). Either argument may be a number (not both); the two
    are compared after type promotion, and nan is never found."""
    if not isinstance(elements, Tensor) and not isinstance(test_elements, Tensor):
        raise TypeError(f"isin() received an invalid combination of arguments - got "
                        f"({type(elements).__name__}, {type(test_elements).__name__})")
    a, b = promote(elements, test_elements)
    for t in (a, b):
        if isinstance(t, Tensor) and t._data.dtype.kind == "b":
            raise RuntimeError("Unsupported input type encountered for isin(): Bool")
    a_data = a._data if isinstance(a, Tensor) else xp.asarray(a)
    b_data = b._data if isinstance(b, Tensor) else xp.asarray(b)
    return _make(xp.isin(a_data, b_data, assume_unique=assume_unique, invert=invert))
