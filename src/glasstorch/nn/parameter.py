"""Parameter: a Tensor that a Module registers as learnable when assigned as an attribute."""
from .. import _backend
from .._tensor import Tensor, _make
from .._backend import xp


class Parameter(Tensor):
    """A leaf tensor that requires grad by default and is registered by Module.__setattr__.
    It shares memory with the tensor it wraps, as in PyTorch."""

    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            data = _make(xp.empty((0,), dtype=xp.float32))
        if not isinstance(data, Tensor):
            raise TypeError(f"Parameter data must be a Tensor, got {type(data).__name__}")
        p = _make(data._data, cls=cls)
        p._vc = data._version_counter()
        if requires_grad:
            p.requires_grad_(True)
        return p

    def __init__(self, data=None, requires_grad=True):
        pass

    def __reduce_ex__(self, protocol):
        return (_rebuild_parameter, (self._data, self._requires_grad))

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        new = Parameter(_make(self._data.copy()), self._requires_grad)
        if self._grad is not None:
            new._grad = _make(self._grad._data.copy())
        memo[id(self)] = new
        return new


def _rebuild_parameter(data, requires_grad):
    return Parameter(_make(data), requires_grad)


class UninitializedParameter(Parameter):
    """A parameter whose shape is not known yet (lazy modules fill it on the first call)."""

    def __new__(cls, requires_grad=True, device=None, dtype=None):
        dtype = dtype or _backend.get_default_dtype()
        p = Parameter.__new__(cls, _make(xp.empty((0,), dtype=dtype.np)), requires_grad)
        p._lazy_dtype = dtype
        return p

    def __init__(self, requires_grad=True, device=None, dtype=None):
        pass

    def materialize(self, shape, device=None, dtype=None):
        """Give the parameter its real shape (uninitialised values) and turn it into a plain
        Parameter in place, so references held elsewhere (optimizers) stay valid."""
        dtype = dtype or self._lazy_dtype
        self._data = xp.empty(tuple(shape), dtype=dtype.np)
        self.__class__ = Parameter

    def __repr__(self):
        return "<UninitializedParameter>"


def is_lazy(param):
    return isinstance(param, UninitializedParameter)
