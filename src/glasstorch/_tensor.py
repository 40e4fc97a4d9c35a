"""Tensor: an n-dimensional array with a dtype, a device and a place in the autograd graph.

The storage is a NumPy array (`_data`). A view (slicing, `view`, `transpose` …) holds a NumPy view
of its base's array, so writes through either are seen by both, and both share one version
counter. Operators and most methods are attached by the table in `_ops/_registry.py`; this file
holds only what is about the tensor itself.
"""
import warnings

from . import _backend
from ._backend import xp, ndarray, from_numpy_dtype


class Size(tuple):
    """A tensor's shape: a tuple of ints that prints as `torch.Size([2, 3])`."""

    def __repr__(self):
        return f"torch.Size([{', '.join(str(s) for s in self)}])"

    def numel(self):
        n = 1
        for s in self:
            n *= s
        return n

    def __getitem__(self, item):
        out = tuple.__getitem__(self, item)
        return Size(out) if isinstance(item, slice) else out

    def __add__(self, other):
        return Size(tuple.__add__(self, tuple(other)))


class device:
    """Where a tensor lives. Only 'cpu' exists; `device('cuda')` can be named but not used."""

    __slots__ = ("type", "index")

    def __init__(self, type="cpu", index=None):
        if isinstance(type, device):
            type, index = type.type, type.index
        elif ":" in type:
            type, _, idx = type.partition(":")
            index = int(idx)
        if type not in ("cpu", "cuda", "mps", "meta"):
            raise RuntimeError(f"Expected one of cpu, cuda, mps, meta device type at start of "
                               f"device string: {type}")
        self.type = type
        self.index = index

    def __repr__(self):
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other):
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self):
        return hash((self.type, self.index))


CPU = device("cpu")


def check_device(dev):
    """Accept None, 'cpu', device('cpu'); raise PyTorch's error for CUDA on this CPU build."""
    if dev is None or dev == "cpu" or dev is CPU:
        return
    if isinstance(dev, int):
        dev = device("cuda", dev)
    d = device(dev)
    if d.type == "cpu":
        return
    if d.type == "cuda":
        raise RuntimeError("Torch not compiled with CUDA enabled (glasstorch runs on the CPU: "
                           "glasstorch.cuda.is_available() is False)")
    raise RuntimeError(f"device '{d}' is not available in glasstorch; only 'cpu' is")


class _VersionCounter:
    """Counts in-place writes to a storage; views share their base's counter. `history` counts
    the in-place ops that gave the base (or one of its views) a new autograd history: a view
    made before one of them is re-derived from its base when next used (inplace.refresh_view)."""

    __slots__ = ("value", "history")

    def __init__(self, value=0):
        self.value = value
        self.history = 0


def _make(data, requires_grad=False, grad_fn=None, output_nr=0, cls=None):
    """Wrap a NumPy array as a Tensor without copying (the fast internal constructor)."""
    if type(data) is not ndarray:
        data = xp.asarray(data)
    t = object.__new__(cls or Tensor)
    t._data = data
    t._requires_grad = requires_grad
    t.grad_fn = grad_fn
    t._output_nr = output_nr
    t._vc = None
    t._base = None
    t._grad = None
    t._extra = None
    return t


_NON_LEAF_GRAD_WARNING = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad "
    "attribute won't be populated during autograd.backward(). If you indeed want the .grad "
    "field to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. "
    "If you access the non-leaf Tensor by mistake, make sure you access the leaf Tensor "
    "instead. See github.com/pytorch/pytorch/pull/30531 for more information.")


class Tensor:
    """A multi-dimensional array with autograd. Create one with `glasstorch.tensor(data)`;
    the legacy constructor `Tensor(2, 3)` (uninitialised shape) and `Tensor([1, 2])` (float data)
    work as in PyTorch."""

    # _seen_history (views only): the base's history count when the view's grad_fn was made
    __slots__ = ("_data", "_requires_grad", "grad_fn", "_output_nr", "_vc", "_base", "_grad",
                 "_extra", "_seen_history", "__weakref__")
    # ndarray (op) Tensor defers to Tensor's reflected operator instead of looping over it
    __array_priority__ = 1000

    def __new__(cls, *args, **kwargs):
        return _legacy_new(cls, _backend.get_default_dtype(), args, kwargs.pop("device", None),
                           **kwargs)

    def __init__(self, *args, **kwargs):
        pass

    # ------------------------------------------------------------------ metadata
    @property
    def dtype(self):
        return from_numpy_dtype(self._data.dtype)

    @property
    def shape(self):
        return Size(self._data.shape)

    def size(self, dim=None):
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[_wrap_dim(dim, self._data.ndim)]

    def dim(self):
        return self._data.ndim

    @property
    def ndim(self):
        return self._data.ndim

    def ndimension(self):
        return self._data.ndim

    def numel(self):
        return self._data.size

    nelement = numel

    def element_size(self):
        return self._data.itemsize

    def stride(self, dim=None):
        strides = tuple(s // self._data.itemsize for s in self._data.strides)
        return strides if dim is None else strides[_wrap_dim(dim, self._data.ndim)]

    def is_contiguous(self, memory_format=None):
        return self._data.flags.c_contiguous

    def is_floating_point(self):
        return self._data.dtype.kind == "f"

    def is_complex(self):
        return self._data.dtype.kind == "c"

    @property
    def device(self):
        return CPU

    @property
    def is_cuda(self):
        return False

    @property
    def is_leaf(self):
        return self.grad_fn is None

    @property
    def _version(self):
        return 0 if self._vc is None else self._vc.value

    def _version_counter(self):
        """This tensor's version counter, created on first need (views share their base's)."""
        if self._vc is None:
            self._vc = _VersionCounter()
        return self._vc

    def _bump_version(self):
        self._version_counter().value += 1

    @property
    def itemsize(self):
        return self._data.itemsize

    @property
    def nbytes(self):
        return self._data.nbytes

    # ------------------------------------------------------------------ data and grad
    @property
    def data(self):
        """This tensor's values as a new leaf that shares memory and requires no grad."""
        return _make(self._data)

    @data.setter
    def data(self, value):
        if not isinstance(value, Tensor):
            raise TypeError(f"data must be a Tensor, got {type(value).__name__}")
        self._data = value._data

    @property
    def grad(self):
        grad = self._grad
        if grad is None and self.grad_fn is not None and not self.retains_grad:
            warnings.warn(_NON_LEAF_GRAD_WARNING, UserWarning, stacklevel=2)
        return grad

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got "
                                f"{type(value).__name__}")
            if value._data.shape != self._data.shape:
                raise RuntimeError(f"assigned grad has data of a different size: grad is "
                                   f"{list(value._data.shape)}, tensor is "
                                   f"{list(self._data.shape)}")
            if value._data.dtype != self._data.dtype:
                raise RuntimeError(f"assigned grad has data of a different type: grad is "
                                   f"{value.dtype}, tensor is {self.dtype}")
        self._grad = value

    def requires_grad_(self, requires_grad=True):
        self.requires_grad = requires_grad
        return self

    @property
    def requires_grad(self):
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value):
        if value and self._data.dtype.kind not in "fc":
            raise RuntimeError("only Tensors of floating point and complex dtype can require "
                               "gradients")
        if not value and self.grad_fn is not None:
            raise RuntimeError("you can only change requires_grad flags of leaf variables. If "
                               "you want to use a computed variable in a subgraph that doesn't "
                               "require differentiation use var_no_grad = var.detach().")
        self._requires_grad = bool(value)

    def detach(self):
        """A new leaf sharing this tensor's memory and version counter, outside the graph."""
        out = _make(self._data)
        out._vc = self._version_counter()
        return out

    def detach_(self):
        self.grad_fn = None
        self._requires_grad = False
        return self

    def retain_grad(self):
        """Keep `.grad` on this non-leaf tensor after backward (leaves always keep theirs)."""
        if not self.requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is not None:
            self.grad_fn._retain(self._output_nr, self)

    @property
    def retains_grad(self):
        fn = self.grad_fn
        return fn is not None and fn._retains(self._output_nr)

    def register_hook(self, hook):
        """Call `hook(grad)` when this tensor's gradient is computed; a returned tensor replaces
        the gradient. Returns a handle whose `remove()` unregisters it."""
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            hooks = self.grad_fn._output_hooks(self._output_nr)
        else:
            if self._extra is None:
                self._extra = {}
            hooks = self._extra.setdefault("hooks", [])
        hooks.append(hook)
        return _HookHandle(hooks, hook)

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate d(self)/d(leaf) into every leaf's `.grad` (see autograd.backward)."""
        from .autograd import engine
        if self._base is not None and self._seen_history != self._vc.history:
            from ._ops.inplace import refresh_view
            refresh_view(self)      # a view whose base changed history in place since
        engine.backward((self,), (gradient,), retain_graph, create_graph, inputs)

    # ------------------------------------------------------------------ conversion
    def numpy(self, force=False):
        if self.requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use "
                               "tensor.detach().numpy() instead.")
        return self._data

    def __array__(self, dtype=None, copy=None):
        return self._data if dtype is None else self._data.astype(dtype)

    def item(self):
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted "
                               "to Scalar")
        return self._data.reshape(()).item()

    def tolist(self):
        return self._data.tolist()

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def __bool__(self):
        if self._data.size != 1:
            many = "no values" if self._data.size == 0 else "more than one value"
            raise RuntimeError(f"Boolean value of Tensor with {many} is ambiguous")
        return bool(self._data.reshape(()))

    def _python_scalar(self):
        """The one value behind int(t) / float(t) / complex(t): a ValueError (not item()'s
        RuntimeError) for other sizes, as in PyTorch."""
        if self._data.size != 1:
            raise ValueError(f"only one element tensors can be converted to Python scalars "
                             f"(got a tensor of shape {tuple(self._data.shape)})")
        return self._data.reshape(()).item()

    def __int__(self):
        return int(self._python_scalar())

    def __float__(self):
        return float(self._python_scalar())

    def __complex__(self):
        return complex(self._python_scalar())

    def __index__(self):
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an "
                            "index")
        return int(self.item())

    def __hash__(self):
        return id(self)

    def __format__(self, spec):
        if self._data.ndim == 0:
            return self.item().__format__(spec)
        return object.__format__(self, spec)

    def __repr__(self, *, tensor_contents=None):
        from ._tensor_str import tensor_repr
        return tensor_repr(self)

    def __str__(self):
        return self.__repr__()

    def __reduce_ex__(self, protocol):
        # plain pickling (DataLoader workers, deepcopy): values, dtype and requires_grad only
        return (_rebuild, (self._data, self.requires_grad, type(self)))

    def __deepcopy__(self, memo):
        if self.grad_fn is not None:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) "
                               "support the deepcopy protocol at the moment.")
        new = _make(self._data.copy(), self.requires_grad, cls=type(self))
        if self._grad is not None:
            new._grad = _make(self._grad._data.copy())
        memo[id(self)] = new
        return new

    def type(self, dtype=None, non_blocking=False, **kwargs):
        """With no argument, the legacy type name ('torch.FloatTensor'); else a cast."""
        if dtype is None:
            return "torch." + _LEGACY_NAMES[self._data.dtype]
        if isinstance(dtype, str):
            dtype = _LEGACY_BY_NAME[dtype.rsplit(".", 1)[-1]].dtype
        elif isinstance(dtype, LegacyTensorType):
            dtype = dtype.dtype
        return self.to(dtype)

    def type_as(self, other):
        return self.to(other.dtype)

    def cpu(self, memory_format=None):
        return self

    def cuda(self, device=None, non_blocking=False, memory_format=None):
        check_device(device if device is not None else "cuda")
        return self

    def pin_memory(self):
        return self

    def is_pinned(self):
        return False

    def share_memory_(self):
        return self

    def is_shared(self):
        return False

    def get_device(self):
        return -1

    def __dlpack__(self, stream=None):
        return self._data.__dlpack__()

    def __dlpack_device__(self):
        return self._data.__dlpack_device__()

    # ------------------------------------------------------------------ memory, as tools read it
    def _is_view(self):
        """True if this tensor is a view of another (its `_base`), as torchviz asks."""
        return self._base is not None

    def untyped_storage(self):
        """The bytes this tensor lives in (its base's whole array for a view)."""
        from .storage import UntypedStorage
        return UntypedStorage(self)

    def storage(self):
        """The deprecated typed storage (warns, as PyTorch does); see untyped_storage()."""
        from .storage import TypedStorage
        return TypedStorage(self)


class _HookHandle:
    __slots__ = ("_hooks", "_hook")

    def __init__(self, hooks, hook):
        self._hooks, self._hook = hooks, hook

    def remove(self):
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


def _rebuild(data, requires_grad, cls):
    t = _make(data, cls=cls)
    t.requires_grad = requires_grad
    return t


def _wrap_dim(dim, ndim):
    """Turn a possibly negative `dim` into an index in [0, ndim); IndexError as PyTorch."""
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], "
                         f"but got {dim})")
    return dim % n


# ---------------------------------------------------------------------------------------------
# Legacy constructors: Tensor(2, 3), FloatTensor([1, 2]), LongTensor(4) ...
# ---------------------------------------------------------------------------------------------
def _legacy_new(cls, dtype, args, device=None, requires_grad=False):
    from ._ops import creation
    check_device(device)
    if not args:
        data = xp.empty((0,), dtype=dtype.np)
    elif type(args[0]) is Size or all(isinstance(a, int) and not isinstance(a, bool)
                                      for a in args):
        data = xp.empty(creation._size(args), dtype=dtype.np)  # Tensor(2, 3): uninitialised
    elif len(args) == 1:
        if isinstance(args[0], (bool, float, complex)) or isinstance(args[0], xp.generic):
            raise TypeError(f"new(): data must be a sequence (got {type(args[0]).__name__})")
        data = creation.to_array(args[0], dtype)
    else:
        raise TypeError(f"new() received an invalid combination of arguments - got "
                        f"({', '.join(type(a).__name__ for a in args)})")
    t = _make(data, cls=cls)
    if requires_grad:
        t.requires_grad_(True)
    return t


class LegacyTensorType:
    """`FloatTensor`, `LongTensor` …: callable like the legacy constructors and usable with
    isinstance(), as in PyTorch (`isinstance(torch.zeros(2), torch.FloatTensor)` is True)."""

    def __init__(self, name, dtype):
        self.__name__ = name
        self.dtype = dtype

    def __call__(self, *args, device=None):
        return _legacy_new(Tensor, self.dtype, args, device)

    def __instancecheck__(self, obj):
        return isinstance(obj, Tensor) and obj._data.dtype == self.dtype.np

    def __repr__(self):
        return f"<class 'torch.{self.__name__}'>"


_LEGACY_NAMES = {d.np: d.scalar_name + "Tensor" for d in _backend.ALL_DTYPES}
_LEGACY_BY_NAME = {name: LegacyTensorType(name, from_numpy_dtype(np_dtype))
                   for np_dtype, name in _LEGACY_NAMES.items()}
