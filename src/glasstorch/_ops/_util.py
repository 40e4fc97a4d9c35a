"""Small helpers shared by the op families: broadcast undo, dim handling, dtype promotion."""
from .. import _backend
from .._backend import xp, ndarray
from .._tensor import Tensor, _make, _wrap_dim


def sum_to_shape(g, shape):
    """Sum gradient `g` over the axes that broadcasting added or stretched, giving `shape`.
    Works on NumPy arrays and on Tensors (for a differentiable backward)."""
    if g.shape == shape:
        return g
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, s in enumerate(shape) if s == 1 and g.shape[lead + i] != 1)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    if lead or g.shape != shape:
        g = g.reshape(shape)
    return g


def wrap_dim(dim, ndim):
    return _wrap_dim(dim, ndim)


def wrap_dims(dim, ndim):
    """Normalise `dim` (None, int, or sequence of ints) to a sorted tuple of axes, or None."""
    if dim is None:
        return None
    if isinstance(dim, (int, Tensor)) and not isinstance(dim, bool):
        return (_wrap_dim(int(dim), ndim),)
    axes = tuple(_wrap_dim(int(d), ndim) for d in dim)
    if len(set(axes)) != len(axes):
        raise RuntimeError(f"dim {axes[0]} appears multiple times in the list of dims")
    return axes


def as_tensor_arg(x):
    """Tensors pass through; numbers and arrays become constant tensors (default dtype rules)."""
    if isinstance(x, Tensor):
        return x
    if isinstance(x, ndarray):
        return _make(x)
    from .creation import tensor
    return tensor(x)


def promote(a, b):
    """Cast Tensor operands of a binary op to PyTorch's result dtype. Python numbers stay
    numbers (NumPy treats them as weak, matching PyTorch once the tensor has the right dtype)."""
    if isinstance(a, Tensor):
        if isinstance(b, Tensor):
            if a._data.dtype is b._data.dtype or a._data.dtype == b._data.dtype:
                return a, b
        elif isinstance(b, float) and a._data.dtype.kind == "f":
            return a, b
        elif isinstance(b, int) and a._data.dtype.kind in "fiu" and not isinstance(b, bool):
            return a, b
        elif isinstance(b, ndarray):
            b = _make(b)
    elif isinstance(a, ndarray):
        a = _make(a)
    elif not isinstance(b, Tensor):
        raise TypeError(f"expected at least one Tensor operand, got {type(a).__name__} and "
                        f"{type(b).__name__}")
    target = _backend.result_type(a, b)
    return cast(a, target), cast(b, target)


def cast(x, dtype):
    """`x` as `dtype`: Tensors through a differentiable cast, numbers unchanged when they are
    exactly representable (so NumPy keeps treating them as weak scalars)."""
    if isinstance(x, Tensor):
        if x._data.dtype == dtype.np:
            return x
        return x.to(dtype)
    if dtype.kind == 2 and isinstance(x, (int, bool)):
        return float(x)
    if dtype.kind == 1 and isinstance(x, bool):
        return int(x)
    return x


def float_input(x):
    """For ops that always produce floats (exp, sqrt, true division …): an integer or bool
    tensor is first cast to the default float dtype, as PyTorch does."""
    if x._data.dtype.kind in "fc":
        return x
    return x.to(_backend.get_default_dtype())


def where(mask, a, b):
    """xp.where that also accepts Tensors (for backwards that must stay differentiable)."""
    if isinstance(a, Tensor) or isinstance(b, Tensor):
        from .elementwise import where as t_where
        return t_where(_make(mask) if isinstance(mask, ndarray) else mask, a, b)
    return xp.where(mask, a, b)
