"""Casts and copies: to, float/double/long/…, clone, contiguous."""
from .. import _backend
from .._tensor import Tensor, _make, check_device, device as _device_cls
from ..autograd.function import Function
from .creation import _resolve_dtype, as_dtype


class ToDtype(Function):
    """out = x cast to another dtype
    grad: dx = g cast back to x's dtype (no gradient flows into integer inputs)"""

    differentiable_backward = True
    _node_name = "ToCopyBackward0"   # PyTorch's casts run _to_copy

    @staticmethod
    def forward(ctx, x, np_dtype):
        ctx.in_dtype = x.dtype
        if np_dtype == _backend.float16.np:   # double -> half rounds via float32, as torch
            return as_dtype(x, _backend.float16)
        return x.astype(np_dtype)

    @staticmethod
    def backward(ctx, g):
        if ctx.in_dtype.kind not in "fc":
            return None, None
        complex_g = g.dtype.is_complex if isinstance(g, Tensor) else g.dtype.kind == "c"
        if complex_g and ctx.in_dtype.kind == "f":
            g = g.real      # complex back to real: the real part (as PyTorch), not a warning
        if isinstance(g, Tensor):
            return g.to(_backend.from_numpy_dtype(ctx.in_dtype)), None
        return g.astype(ctx.in_dtype, copy=False), None


class Clone(Function):
    """out = copy of x
    grad: dx = g"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x):
        return x.copy()

    @staticmethod
    def backward(ctx, g):
        return g


def to(self, *args, dtype=None, device=None, non_blocking=False, copy=False,
       memory_format=None):
    """Cast to a dtype and/or move to a device, in PyTorch's three positional forms:
    to(dtype, non_blocking, copy), to(device, dtype, non_blocking, copy) and
    to(other_tensor, non_blocking, copy). Returns self when nothing changes and copy is False."""
    args = list(args)
    if args:
        first = args.pop(0)
        if isinstance(first, Tensor):
            dtype = first.dtype
        elif isinstance(first, (str, _device_cls)) or isinstance(first, int) and \
                not isinstance(first, bool):
            device = first
            if args and not isinstance(args[0], bool):
                dtype = args.pop(0)
        else:
            dtype = first
    if len(args) > 2 or not all(isinstance(flag, bool) for flag in args):
        raise TypeError(f"to() received an invalid combination of arguments - got "
                        f"{len(args)} extra positional arguments {args}; expected "
                        f"(non_blocking, copy) as bools")
    if len(args) == 2:
        non_blocking, copy = args
    elif args:
        non_blocking = args[0]
    check_device(device)
    dtype = _resolve_dtype(dtype)
    if dtype is None or dtype.np == self._data.dtype:
        if copy:
            result = clone(self)
            if result.grad_fn is not None:
                result.grad_fn._node_name = "ToCopyBackward0"
            return result
        return self
    if dtype.np.kind not in "fc":   # integer and bool tensors never require grad
        return _make(self._data.astype(dtype.np))
    return ToDtype.apply(self, dtype.np)


def clone(input, *, memory_format=None):
    """A contiguous copy of input, same shape and dtype; the gradient passes straight through."""
    return Clone.apply(input)


def contiguous(self, memory_format=None):
    """self if it is already C-contiguous, else a contiguous copy (as clone)."""
    if self._data.flags.c_contiguous:
        return self
    return Clone.apply(self)


def _caster(dtype):
    def cast(self, memory_format=None):
        return to(self, dtype)
    cast.__name__ = dtype.name
    cast.__doc__ = f"self.to({dtype!r})"
    return cast


to_float = _caster(_backend.float32)
to_double = _caster(_backend.float64)
to_half = _caster(_backend.float16)
to_long = _caster(_backend.int64)
to_int = _caster(_backend.int32)
to_short = _caster(_backend.int16)
to_char = _caster(_backend.int8)
to_byte = _caster(_backend.uint8)
to_bool = _caster(_backend.bool_)
