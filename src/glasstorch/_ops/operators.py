"""Python operators on tensors (`+ - * / // % ** @`, reflected and augmented forms, unary
`- ~ abs`, comparisons). Each is a one-line call of the named op; `x += y` is in place."""
from . import elementwise as ew
from .inplace import make_inplace


def radd(self, other):
    return ew.add(other, self)


def rsub(self, other):
    return ew.sub(other, self)


def rmul(self, other):
    return ew.mul(other, self)


def rtruediv(self, other):
    return ew.div(other, self)


def rpow(self, other):
    return ew.pow(other, self)


iadd = make_inplace(ew.add)
isub = make_inplace(ew.sub)
imul = make_inplace(ew.mul)
itruediv = make_inplace(ew.div)
ipow = make_inplace(ew.pow)
