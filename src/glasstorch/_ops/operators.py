"""Python operators on tensors (`+ - * / // % ** @`, reflected and augmented forms, unary
`- ~ + abs()`, comparisons, `& | ^`). Each is a one-line call of the named op; `x += y` is in
place (same object, PyTorch's error for a leaf that requires grad). The forward operators
(`__add__` …) are the op functions themselves, bound in `_registry.py`.
"""
from .._backend import xp, ndarray
from .._tensor import Tensor
from . import comparison as cmp
from . import elementwise as ew
from .division import floor_divide, remainder
from .inplace import make_inplace
from ._util import node_name


# ---------------------------------------------------------------------------------------------
# reflected: `2 - x` calls x.__rsub__(2)
# ---------------------------------------------------------------------------------------------
def radd(self, other):
    return ew.add(other, self)


def rsub(self, other):
    # PyTorch computes `2 - x` with rsub, `2 / x` as reciprocal(x) * 2: their node names
    return node_name(ew.sub(other, self), "RsubBackward1")


def rmul(self, other):
    return ew.mul(other, self)


def rtruediv(self, other):
    return node_name(ew.div(other, self), "MulBackward0")


def rfloordiv(self, other):
    return floor_divide(other, self)


def rmod(self, other):
    return remainder(other, self)


def rpow(self, other):
    return ew.pow(other, self)


def rmatmul(self, other):
    from .products import matmul
    return matmul(other, self)


def rand(self, other):
    return cmp.bitwise_and(other, self)


def ror(self, other):
    return cmp.bitwise_or(other, self)


def rxor(self, other):
    return cmp.bitwise_xor(other, self)


def rlshift(self, other):
    return cmp.bitwise_left_shift(other, self)


def rrshift(self, other):
    return cmp.bitwise_right_shift(other, self)


# ---------------------------------------------------------------------------------------------
# augmented: `x += y` writes into x
# ---------------------------------------------------------------------------------------------
iadd = make_inplace(ew.add)
isub = make_inplace(ew.sub)
imul = make_inplace(ew.mul)
itruediv = make_inplace(ew.div)
ifloordiv = make_inplace(floor_divide)
imod = make_inplace(remainder)
ipow = make_inplace(ew.pow)
iand = make_inplace(cmp.bitwise_and)
ior = make_inplace(cmp.bitwise_or)
ixor = make_inplace(cmp.bitwise_xor)
ilshift = make_inplace(cmp.bitwise_left_shift)
irshift = make_inplace(cmp.bitwise_right_shift)


# ---------------------------------------------------------------------------------------------
# unary
# ---------------------------------------------------------------------------------------------
def positive(input):
    """+input: input itself (bool tensors are refused, as in PyTorch)."""
    if input._data.dtype.kind == "b":
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input


def invert(self):
    """~x: bitwise not of integers, logical not of bools."""
    if self._data.dtype.kind not in "iub":
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type "
                        "tensors")
    return cmp.bitwise_not(self)


# ---------------------------------------------------------------------------------------------
# comparisons: anything that is not a tensor or a number compares as NotImplemented, so
# `x == None` is False and `x != "a"` is True, as in PyTorch
# ---------------------------------------------------------------------------------------------
def _comparable(other):
    return isinstance(other, (Tensor, int, float, complex, ndarray, xp.generic))


def eq(self, other):
    return cmp.eq(self, other) if _comparable(other) else NotImplemented


def ne(self, other):
    return cmp.ne(self, other) if _comparable(other) else NotImplemented


def lt(self, other):
    return cmp.lt(self, other) if _comparable(other) else NotImplemented


def le(self, other):
    return cmp.le(self, other) if _comparable(other) else NotImplemented


def gt(self, other):
    return cmp.gt(self, other) if _comparable(other) else NotImplemented


def ge(self, other):
    return cmp.ge(self, other) if _comparable(other) else NotImplemented
