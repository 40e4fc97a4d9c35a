"""Small helpers for layer arguments (torch.nn.modules.utils): `_pair(3)` is (3, 3), and an
iterable passes through as a tuple unchanged (so `_quadruple((1, 2))` stays (1, 2))."""
from collections import abc
from itertools import repeat


def _ntuple(n, name="parse"):
    def parse(x):
        if isinstance(x, abc.Iterable):
            return tuple(x)
        return tuple(repeat(x, n))

    parse.__name__ = name
    return parse


_single = _ntuple(1, "_single")
_pair = _ntuple(2, "_pair")
_triple = _ntuple(3, "_triple")
_quadruple = _ntuple(4, "_quadruple")
