"""In-place ops and `out=`: write a computed result into an existing tensor's memory.

`x.add_(y)` computes `add(x, y)` and copies the result into x's array, so views of x see the
change and `id(x)` is kept. The version counter is bumped, which is how a later backward
notices that a saved tensor was overwritten. When the graph is being recorded the result is
computed from a snapshot of x, so the old values saved for backward stay intact.
"""
import math

from .. import _backend
from .._backend import scalar_name
from .._tensor import Tensor, _make
from ..autograd import grad_mode
from ..autograd.function import Function
from ._util import sum_to_shape, check_fits
from . import _either as either


def check_inplace_allowed(self):
    if not grad_mode.enabled:
        return
    if self._requires_grad and self.grad_fn is None:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place "
                           "operation.")
    base = self._base
    if base is not None and base._requires_grad and base.grad_fn is None:
        raise RuntimeError("a view of a leaf Variable that requires grad is being used in an "
                           "in-place operation.")


def _can_cast(src, dst):
    """PyTorch's rule for writing a result of dtype src into a tensor of dtype dst."""
    return not (src.kind > dst.kind and dst.kind < 3 and (src.kind >= 2 or dst.kind == 0))


def _rebase_view_base(view, result):
    """After an in-place op on `view`, make its base's history include it (PyTorch's
    CopySlices), so gradients through the base see the write. The view's place in the base
    is read off the NumPy memory layout (_positions)."""
    base = view._base
    positions = _positions(base._data, view._data)
    previous = _make(base._data, base._requires_grad, base.grad_fn, base._output_nr)
    out = CopySlices.apply(previous, result, positions)
    base.grad_fn, base._output_nr, base._requires_grad = out.grad_fn, 0, True


def write_into(self, result):
    """Copy `result` into `self` in place and make `self` carry result's autograd history."""
    if not isinstance(result, Tensor):
        result = _make(_backend.xp.asarray(result))
    src, dst = result.dtype, self.dtype
    if src is not dst and not _can_cast(src, dst):
        raise RuntimeError(f"result type {scalar_name(src)} can't be cast to the desired output "
                           f"type {scalar_name(dst)}")
    if result._data.shape != self._data.shape:
        try:
            broadcast = _backend.xp.broadcast_shapes(result._data.shape, self._data.shape)
        except ValueError:
            broadcast = None
        if broadcast != self._data.shape:
            raise RuntimeError(f"output with shape {list(self._data.shape)} doesn't match the "
                               f"broadcast shape {list(result._data.shape)}")
    if not self._data.flags.writeable:
        raise RuntimeError(_OVERLAP_MESSAGE)
    self._data[...] = result._data
    self._bump_version()
    if result._requires_grad and grad_mode.enabled:
        if result.grad_fn is None:   # a leaf written in: give self a node of its own
            from .convert import clone
            result = clone(result)
        self.grad_fn = result.grad_fn
        self._output_nr = result._output_nr
        self._requires_grad = True
        if self._base is not None:
            _rebase_view_base(self, result)
        new_history(self)
    return self


def new_history(written):
    """Note that an in-place op gave `written` (a base or a view) a new autograd history: every
    other view of the same base is now stale, re-derived from the base when next used."""
    counter = written._version_counter()
    counter.history += 1
    if written._base is not None:
        written._seen_history = counter.history


def _check_layout(base_arr, view_arr):
    """Views are located in their base from memory addresses, which needs a C-contiguous base
    and the base's element size: anything else raises rather than give a wrong gradient."""
    if not base_arr.flags.c_contiguous or base_arr.itemsize != view_arr.itemsize:
        raise RuntimeError("an in-place op changed the autograd history of a view whose base is "
                           "not C-contiguous (or is viewed with another dtype), which glasstorch "
                           "cannot trace back; clone() the base before viewing it")


def _positions(base_arr, view_arr):
    """The flat (C order) index into base of each element of `view` (a NumPy view of base's
    memory), as an int64 array of the view's shape: the view's first element's offset plus
    index * stride along each of its axes (strides in elements; 0 where a view repeats)."""
    _check_layout(base_arr, view_arr)
    xp, itemsize = _backend.xp, base_arr.itemsize
    offset = (view_arr.__array_interface__["data"][0]
              - base_arr.__array_interface__["data"][0]) // itemsize
    positions = xp.full(view_arr.shape, offset, dtype=xp.int64)
    for axis, (n, stride) in enumerate(zip(view_arr.shape, view_arr.strides)):
        steps = xp.arange(n, dtype=xp.int64) * (stride // itemsize)
        positions += steps.reshape((n,) + (1,) * (view_arr.ndim - axis - 1))
    return positions


class AsStrided(Function):
    """A view re-derived from its base: out = the view's elements of base (its own array)
    grad: d base = g added back at the view's positions in base (repeated positions add up)"""

    _node_name = "AsStridedBackward0"

    @staticmethod
    def forward(ctx, base, view, positions):
        ctx.base_shape, ctx.positions = base.shape, positions
        # an expanded view (a 0 stride) names some positions more than once
        ctx.repeats = any(st == 0 and n > 1 for n, st in zip(view.shape, view.strides))
        return view

    @staticmethod
    def backward(ctx, g):
        xp = _backend.xp
        g_base = xp.zeros(math.prod(ctx.base_shape), dtype=g.dtype)
        if ctx.repeats:
            xp.add.at(g_base, ctx.positions.ravel(), xp.asarray(g).ravel())
        else:
            g_base[ctx.positions.ravel()] = xp.asarray(g).ravel()
        return g_base.reshape(ctx.base_shape), None, None


def refresh_view(view):
    """Re-derive a stale view (see new_history) from its base's current history, as PyTorch
    regenerates a view's grad_fn: the view becomes as_strided(base) in the graph."""
    base = view._base
    view._seen_history = view._vc.history
    if not (base._requires_grad and grad_mode.enabled):
        return
    out = AsStrided.apply(base, view._data, _positions(base._data, view._data))
    view.grad_fn, view._output_nr, view._requires_grad = out.grad_fn, 0, True


class CopySlices(Function):
    """base_new = base_old with the view's elements replaced by `result` (in-place on a view)
    grad: d base_old = g with the view's region zeroed,  d result = g at the view's region"""

    _node_name = "torch::autograd::CopySlices"   # PyTorch's name (a C++ node)

    @staticmethod
    def forward(ctx, base, result, positions):
        ctx.positions = positions         # the view's elements in base, flat (C order)
        return base

    @staticmethod
    def backward(ctx, g):
        g_base = _backend.xp.array(g, order="C")
        flat = g_base.reshape(-1)
        index = ctx.positions.reshape(-1)
        g_result = flat[index].reshape(ctx.positions.shape)   # a copy (also for a 0-d view)
        flat[index] = 0
        return g_base, g_result, None


# expand() gives a read-only NumPy view whose elements share memory, as PyTorch's does
_OVERLAP_MESSAGE = ("unsupported operation: more than one element of the written-to tensor "
                    "refers to a single memory location. Please clone() the tensor before "
                    "performing the operation.")


def snapshot(self):
    """A copy of `self` at the same place in the graph, to compute an in-place op from."""
    return _make(self._data.copy(), self._requires_grad, self.grad_fn, self._output_nr)


# Arithmetic whose in-place form can run as one NumPy ufunc writing straight into x's memory
# when no graph is recorded (the optimizer path: `w -= lr * w.grad` under no_grad).
_UFUNCS = {"add": _backend.xp.add, "sub": _backend.xp.subtract,
           "mul": _backend.xp.multiply, "div": _backend.xp.true_divide}


def _ufunc_in_place(ufunc, self, other):
    """Try `ufunc(x, other, out=x)` when the result's dtype and shape are x's own; return
    False (nothing written) when the general path must decide, e.g. to raise an error."""
    data = self._data
    kind = data.dtype.kind
    if isinstance(other, Tensor):
        value = other._data
        if value.dtype != data.dtype or value.ndim > data.ndim:
            return False
    elif type(other) is float:
        if kind != "f":
            return False
        value = other
    else:
        return False
    if (ufunc is _backend.xp.true_divide and kind != "f") or not data.flags.writeable:
        return False
    try:
        ufunc(data, value, out=data)
    except ValueError:      # not broadcastable onto x: the general path raises PyTorch's error
        return False
    self._bump_version()
    return True


def _any_requires_grad(args):
    return any(isinstance(a, Tensor) and a._requires_grad for a in args)


def make_inplace(fn):
    """The in-place method for op `fn`: `x.fn_(*args)` writes `fn(x, *args)` into x."""
    ufunc = _UFUNCS.get(fn.__name__)

    def method(self, *args, **kwargs):
        if grad_mode.enabled and (self._requires_grad or _any_requires_grad(args)):
            check_inplace_allowed(self)
            return write_into(self, fn(snapshot(self), *args, **kwargs))
        if ufunc is not None and not kwargs and len(args) == 1 and \
                _ufunc_in_place(ufunc, self, args[0]):
            return self
        return write_into(self, fn(self, *args, **kwargs))
    method.__name__ = fn.__name__ + "_"
    method.__doc__ = f"In-place version of {fn.__name__}: writes the result into self."
    return method


# ---------------------------------------------------------------------------------------------
# plain writes: fill_, zero_, copy_. With a graph recorded they are nodes of their own (the old
# values get zero gradient; a tensor value or source gets the written positions' gradient)
# ---------------------------------------------------------------------------------------------
class Fill(Function):
    """out = value in every element of x's shape (x.fill_(value); value a number or 0-d array)
    grad: dx = 0,  dvalue = sum(g)"""

    @staticmethod
    def forward(ctx, x, value):
        ctx.value_dtype = getattr(value, "dtype", None)
        return _backend.xp.full(x.shape, value, x.dtype)

    @staticmethod
    def backward(ctx, g):
        need_x, need_value = ctx.needs_input_grad
        gx = _backend.xp.zeros_like(g) if need_x else None
        return gx, (g.sum().astype(ctx.value_dtype) if need_value else None)


class Copy(Function):
    """out = src broadcast to x's shape and cast to x's dtype (x.copy_(src))
    grad: dx = 0,  dsrc = g summed back to src's shape, in src's dtype"""

    _node_name = "torch::autograd::CopyBackwards"   # PyTorch's name (a C++ node)

    @staticmethod
    def forward(ctx, x, src):
        ctx.src_shape, ctx.src_dtype = src.shape, src.dtype
        return _backend.xp.broadcast_to(src, x.shape).astype(x.dtype)

    @staticmethod
    def backward(ctx, g):
        need_x, need_src = ctx.needs_input_grad
        gx = _backend.xp.zeros_like(g) if need_x else None
        if not need_src:
            return gx, None
        return gx, sum_to_shape(g, ctx.src_shape).astype(ctx.src_dtype, copy=False)


def copy_(self, src, non_blocking=False):
    """Copy `src` (broadcast to self's shape, cast to self's dtype) into self's memory."""
    check_inplace_allowed(self)
    if not isinstance(src, Tensor):
        src = _make(_backend.xp.asarray(src))
    if not self._data.flags.writeable:
        raise RuntimeError(_OVERLAP_MESSAGE)
    try:
        value = _backend.xp.broadcast_to(src._data, self._data.shape)
    except ValueError:
        raise RuntimeError(f"The size of tensor a ({list(self._data.shape)}) must match the "
                           f"size of tensor b ({list(src._data.shape)})") from None
    if _records(self, src):
        return write_into(self, Copy.apply(self, src))
    self._data[...] = value
    self._bump_version()
    return self


def _records(self, *others):
    """Does writing into `self` record a node? (grad mode on, float self, something needs
    grad)"""
    return grad_mode.enabled and self._data.dtype.kind in "fc" and (
        self._requires_grad or any(isinstance(o, Tensor) and o._requires_grad for o in others))


def fill_(self, value):
    """Set every element to `value` (a number or a 0-d tensor)."""
    return _fill(self, value, "FillBackward3" if isinstance(value, Tensor) else "FillBackward2")


def zero_(self):
    return _fill(self, 0, "ZeroBackward0")


def _fill(self, value, node):
    check_inplace_allowed(self)
    if not self._data.flags.writeable:
        raise RuntimeError(_OVERLAP_MESSAGE)
    if isinstance(value, Tensor) and value._data.ndim:
        raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor "
                           f"with {value._data.ndim} dimensions.")
    value = check_fits(value, self._data.dtype)
    if _records(self, value):
        result = Fill.apply(self, value)
        result.grad_fn._node_name = node
        return write_into(self, result)
    self._data[...] = either.raw(value)  # (wraps as PyTorch)
    self._bump_version()
    return self
