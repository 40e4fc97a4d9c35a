"""Padding layers: ConstantPad, ZeroPad, ReflectionPad, ReplicationPad and CircularPad in 1, 2
and 3 dims, each a thin layer over `F.pad`.

`padding` is one int (the same on every side) or a tuple in F.pad's order, last dim first:
(left, right) for 1d, (left, right, top, bottom) for 2d, (+ front, back) for 3d. As in PyTorch
a tuple is kept as given (its length is not checked against the layer's dims: F.pad decides).
"""
from .. import functional as F
from .module import Module
from ._utils import _pair, _quadruple, _ntuple

__all__ = ["CircularPad1d", "CircularPad2d", "CircularPad3d", "ConstantPad1d", "ConstantPad2d",
           "ConstantPad3d", "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d",
           "ReplicationPad1d", "ReplicationPad2d", "ReplicationPad3d", "ZeroPad1d", "ZeroPad2d",
           "ZeroPad3d"]

_sextuple = _ntuple(6)


# ---------------------------------------------------------------------------------------------
# circular: wrap around (the input is read as periodic)
# ---------------------------------------------------------------------------------------------
class _CircularPadNd(Module):

    def forward(self, input):
        self._check_input_dim(input)
        return F.pad(input, self.padding, "circular")

    def _check_input_dim(self, input):
        low = self._spatial_dims + 1
        if input.dim() not in (low, low + 1):
            raise ValueError(f"expected {low}D or {low + 1}D input (got {input.dim()}D input)")

    def extra_repr(self):
        return f"{self.padding}"


class CircularPad1d(_CircularPadNd):
    """Circular padding of the last dim: (N, C, W) or (C, W) -> width W + left + right.

    >>> CircularPad1d(2)
    CircularPad1d((2, 2))
    """

    _spatial_dims = 1

    def __init__(self, padding):
        super().__init__()
        self.padding = _pair(padding)


class CircularPad2d(_CircularPadNd):
    """Circular padding of the last two dims: (N, C, H, W) or (C, H, W)."""

    _spatial_dims = 2

    def __init__(self, padding):
        super().__init__()
        self.padding = _quadruple(padding)


class CircularPad3d(_CircularPadNd):
    """Circular padding of the last three dims: (N, C, D, H, W) or (C, D, H, W)."""

    _spatial_dims = 3

    def __init__(self, padding):
        super().__init__()
        self.padding = _sextuple(padding)


# ---------------------------------------------------------------------------------------------
# constant and zero: surround with a fixed value (negative pads crop)
# ---------------------------------------------------------------------------------------------
class _ConstantPadNd(Module):

    def __init__(self, value):
        super().__init__()
        self.value = value

    def forward(self, input):
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self):
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pad the last dim with `value`.

    >>> ConstantPad1d(2, 3.5)
    ConstantPad1d(padding=(2, 2), value=3.5)
    """

    def __init__(self, padding, value):
        super().__init__(value)
        self.padding = _pair(padding)


class ConstantPad2d(_ConstantPadNd):
    """Pad the last two dims with `value`."""

    def __init__(self, padding, value):
        super().__init__(value)
        self.padding = _quadruple(padding)


class ConstantPad3d(_ConstantPadNd):
    """Pad the last three dims with `value`."""

    def __init__(self, padding, value):
        super().__init__(value)
        self.padding = _sextuple(padding)


class ZeroPad1d(ConstantPad1d):
    """Pad the last dim with zeros.

    >>> ZeroPad1d((1, 2))
    ZeroPad1d((1, 2))
    """

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ZeroPad2d(ConstantPad2d):
    """Pad the last two dims with zeros."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ZeroPad3d(ConstantPad3d):
    """Pad the last three dims with zeros."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


# ---------------------------------------------------------------------------------------------
# reflection (mirror without repeating the edge) and replication (repeat the edge)
# ---------------------------------------------------------------------------------------------
class _ReflectionPadNd(Module):

    def forward(self, input):
        return F.pad(input, self.padding, "reflect")

    def extra_repr(self):
        return f"{self.padding}"


class ReflectionPad1d(_ReflectionPadNd):
    """Mirror the last dim at its edges: [a b c] padded by 2 -> [c b a b c b a].

    >>> ReflectionPad1d(2)
    ReflectionPad1d((2, 2))
    """

    def __init__(self, padding):
        super().__init__()
        self.padding = _pair(padding)


class ReflectionPad2d(_ReflectionPadNd):
    """Mirror the last two dims at their edges."""

    def __init__(self, padding):
        super().__init__()
        self.padding = _quadruple(padding)


class ReflectionPad3d(_ReflectionPadNd):
    """Mirror the last three dims at their edges."""

    def __init__(self, padding):
        super().__init__()
        self.padding = _sextuple(padding)


class _ReplicationPadNd(Module):

    def forward(self, input):
        return F.pad(input, self.padding, "replicate")

    def extra_repr(self):
        return f"{self.padding}"


class ReplicationPad1d(_ReplicationPadNd):
    """Repeat the edge values of the last dim: [a b c] padded by 2 -> [a a a b c c c].

    >>> ReplicationPad1d((1, 0))
    ReplicationPad1d((1, 0))
    """

    def __init__(self, padding):
        super().__init__()
        self.padding = _pair(padding)


class ReplicationPad2d(_ReplicationPadNd):
    """Repeat the edge values of the last two dims."""

    def __init__(self, padding):
        super().__init__()
        self.padding = _quadruple(padding)


class ReplicationPad3d(_ReplicationPadNd):
    """Repeat the edge values of the last three dims."""

    def __init__(self, padding):
        super().__init__()
        self.padding = _sextuple(padding)
