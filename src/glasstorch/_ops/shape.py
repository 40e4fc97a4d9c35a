"""Shape, view and joining ops: view/reshape, squeeze, transpose/permute, expand, narrow/split,
diagonal, cat/stack, flip/roll, repeat/tile, tril/triu, meshgrid …

Views. `view`, `reshape` (when it can be a view), `flatten`, `squeeze`, `unsqueeze`, `transpose`,
`permute`, `t`, `T`, `mT`, `movedim`, `expand`, `narrow`, `chunk`, `split`, `unbind` and
`diagonal` return tensors whose `_data` is a NumPy *view* of the input's array, exactly as
PyTorch's views share storage: a write through either is seen by both. A view also shares its
base's version counter (so an in-place write through the view invalidates values the base saved
for backward) and records the base in `_base` (`_view_of` below). `flip`, `roll`, `repeat`,
`cat`, `stack`, `tril` … return new memory, as in PyTorch.

Backwards. Every backward here only moves gradient around (reshape back, inverse permutation,
sum over broadcast dims, slice, pad, concatenate), so each is written to run on NumPy arrays and,
through the small `_x` helpers at the top, on Tensors too: all are `differentiable_backward`
and double backward works through them.
"""
import operator
import warnings

from .. import _backend
from .._backend import xp, scalar_name
from .._tensor import Tensor, Size, _make
from ..autograd.function import Function
from ._util import sum_to_shape, wrap_dim, wrap_dims, node_name, write_out


# ---------------------------------------------------------------------------------------------
# helpers: argument parsing, view bookkeeping, array-or-Tensor spellings for backwards
# ---------------------------------------------------------------------------------------------
def _view_of(out, x):
    """Mark `out` (whose array is a NumPy view of x's) as a view of x: same base and counter."""
    out._base = x if x._base is None else x._base
    out._vc = x._version_counter()
    out._seen_history = out._vc.history
    return out


def _views_of(outs, x):
    for out in outs:
        _view_of(out, x)
    return outs


def _sizes(args):
    """A shape given as varargs or as one sequence: x.view(2, 3) == x.view((2, 3))."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = args[0]
    if all(type(s) is int for s in args):  # the common case, kept cheap
        return tuple(args)
    try:
        return tuple(_int(s) for s in args)
    except TypeError:
        names = ", ".join(type(s).__name__ for s in args)
        raise TypeError(f"received an invalid combination of arguments - got ({names}), but "
                        "expected (tuple of ints size)") from None


def _int(s):
    """An int from a Python int, NumPy integer or single-element integer Tensor; TypeError for
    floats, as PyTorch (which won't silently truncate a size of 2.5)."""
    if isinstance(s, int):
        return s
    return operator.index(s)


def _dim_list(dims):
    """An int or a sequence of ints as a tuple."""
    if isinstance(dims, (tuple, list)):
        return tuple(_int(d) for d in dims)
    return (_int(dims),)


def _infer_shape(shape, numel):
    """`shape` with its one -1 entry replaced so the product is `numel`; PyTorch's errors."""
    infer = None
    known = 1
    for i, s in enumerate(shape):
        if s == -1:
            if infer is not None:
                raise RuntimeError("only one dimension can be inferred")
            infer = i
        elif s < 0:
            raise RuntimeError(f"invalid shape dimension {s} at index {i} of shape "
                               f"{list(shape)}")
        else:
            known *= s
    if infer is None:
        if known == numel:
            return shape
    elif known != 0 and numel % known == 0:
        return shape[:infer] + (numel // known,) + shape[infer + 1:]
    elif known == 0 and numel == 0:
        raise RuntimeError(f"cannot reshape tensor of 0 elements into shape {list(shape)} "
                           "because the unspecified dimension size -1 can be any value and is "
                           "ambiguous")
    raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")


def _can_view(data, shape):
    """Can `data` take `shape` without copying? (Always, for a C-contiguous array.)"""
    if data.flags.c_contiguous:
        return True
    try:
        data.reshape(shape, copy=False)
    except ValueError:
        return False
    return True


def _index(dim, item):
    """The index tuple that applies `item` (an int or a slice) along axis `dim`."""
    return (slice(None),) * dim + (item,)


def _permute(g, axes):
    return g.permute(axes) if isinstance(g, Tensor) else g.transpose(axes)


def _narrow(g, dim, start, length):
    if isinstance(g, Tensor):
        return narrow(g, dim, start, length)
    return g[_index(dim, slice(start, start + length))]


def _cat(gs, dim):
    if any(isinstance(g, Tensor) for g in gs):
        return cat(list(gs), dim)
    return xp.concatenate(gs, axis=dim)


def _stack(gs, dim):
    if any(isinstance(g, Tensor) for g in gs):
        return stack(list(gs), dim)
    return xp.stack(gs, axis=dim)


def _pad_slice(g, shape, dim, start):
    """Zeros of `shape` with `g` placed at [start : start + len] along `dim` (slice's adjoint)."""
    stop = start + g.shape[dim]
    if isinstance(g, Tensor):
        # built from differentiable pieces: zeros before, g, zeros after, concatenated
        before = shape[:dim] + (start,) + shape[dim + 1:]
        after = shape[:dim] + (shape[dim] - stop,) + shape[dim + 1:]
        dt = g._data.dtype
        return cat([_make(xp.zeros(before, dt)), g, _make(xp.zeros(after, dt))], dim)
    out = xp.zeros(shape, g.dtype)
    out[_index(dim, slice(start, stop))] = g
    return out


# ---------------------------------------------------------------------------------------------
# view / reshape and the ops that only change the shape
# ---------------------------------------------------------------------------------------------
class View(Function):
    """out = x's elements in row-major order, laid out as `shape`
    grad: dx = g reshaped back to x's shape"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x, shape):
        ctx.in_shape = x.shape
        # NumPy's reshape returns a view whenever the strides allow one (the same rule as
        # PyTorch's view), else a copy; callers that promise a view check `_can_view` first
        return x.reshape(shape)

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.in_shape)


def _view_dtype(self, dtype):
    """Reinterpret the bytes (no gradient: the values are not a function of the input's)."""
    if dtype.itemsize != self._data.itemsize:
        raise RuntimeError(f"glasstorch's view(dtype) needs a dtype of the same size: "
                           f"{self.dtype} is {self._data.itemsize} bytes, {dtype} is "
                           f"{dtype.itemsize}")
    out = _make(self._data.view(dtype.np))
    out._vc = self._version_counter()  # shares memory; PyTorch leaves _base unset here
    return out


def view(self, *shape, size=None):
    """A view of self with a new shape (one entry may be -1); shares memory with self.
    Raises RuntimeError when self's strides can't express the shape (use reshape then).
    `view(dtype)` reinterprets the bytes as another dtype of the same size."""
    if size is not None:
        shape = (size,)
    if len(shape) == 1 and isinstance(shape[0], _backend.dtype):
        return _view_dtype(self, shape[0])
    data = self._data
    shape = _infer_shape(_sizes(shape), data.size)
    if not _can_view(data, shape):
        raise RuntimeError("view size is not compatible with input tensor's size and stride (at "
                           "least one dimension spans across two contiguous subspaces). Use "
                           ".reshape(...) instead.")
    return _view_of(View.apply(self, shape=shape), self)


def reshape(input, *shape, **kwargs):
    """input with a new shape (one entry may be -1): a view when the layout allows it (as in
    PyTorch), else a copy. Accepts reshape(x, (2, 3)) and x.reshape(2, 3)."""
    if "shape" in kwargs:
        shape = (kwargs.pop("shape"),)
    data = input._data
    shape = _infer_shape(_sizes(shape), data.size)
    if _can_view(data, shape):
        out = _view_of(View.apply(input, shape=shape), input)
        if not data.flags.c_contiguous:   # PyTorch: a strided alias, not a view
            node_name(out, "ReshapeAliasBackward0")
        return out
    # PyTorch: a contiguous copy, then a view of it
    return node_name(View.apply(input, shape=shape), "UnsafeViewBackward0")


class Squeeze(View):
    """out = x without some size-1 dims (a View; its own class so grad_fn prints as PyTorch's)
    grad: dx = g reshaped back to x's shape"""


class Unsqueeze(View):
    """out = x with a new size-1 dim (a View; its own class so grad_fn prints as PyTorch's)
    grad: dx = g reshaped back to x's shape"""


def view_as(self, other):
    """view(self, other.shape): same elements, other's shape, shared memory."""
    return view(self, other._data.shape)


def reshape_as(self, other):
    """reshape(self, other.shape): a view when the layout allows it, else a copy."""
    return reshape(self, other._data.shape)


def flatten(input, start_dim=0, end_dim=-1):
    """Merge dims start_dim..end_dim into one: (2, 3, 4) with (1, 2) -> (2, 12).
    A view when possible; a 0-d input becomes shape (1,)."""
    shape = input._data.shape
    if not shape:
        return reshape(input, (1,))
    start, end = wrap_dim(start_dim, len(shape)), wrap_dim(end_dim, len(shape))
    if start > end:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if start == end:
        return input  # PyTorch returns the input itself here
    merged = 1
    for s in shape[start:end + 1]:
        merged *= s
    return reshape(input, shape[:start] + (merged,) + shape[end + 1:])


def unflatten(input, dim, sizes):
    """Split dim `dim` into `sizes` (one may be -1): (2, 12) with (1, (3, 4)) -> (2, 3, 4)."""
    shape = input._data.shape
    dim = wrap_dim(dim, len(shape))
    sizes = _sizes((sizes,))
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    try:
        sizes = _infer_shape(sizes, shape[dim])
    except RuntimeError as e:
        if "only one dimension" in str(e):
            raise
        raise RuntimeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the "
                           f"size of dim {dim} ({shape[dim]}) in the input tensor") from None
    return view(input, shape[:dim] + sizes + shape[dim + 1:])


def ravel(input):
    """The elements as a 1-d tensor (a view when the layout allows)."""
    # PyTorch's ravel is contiguous().view(-1): a view either way, as far as names go
    return node_name(reshape(input, (-1,)), "ViewBackward0")


def squeeze(input, dim=None):
    """Remove size-1 dims: all of them, or only those among `dim` (an int or a tuple).
    Dims named in `dim` whose size isn't 1 are left alone, as in PyTorch."""
    shape = input._data.shape
    if dim is None:
        new = tuple(s for s in shape if s != 1)
    else:
        axes = wrap_dims(dim, len(shape))
        new = tuple(s for i, s in enumerate(shape) if s != 1 or i not in axes)
    # dropping size-1 dims never needs a copy, so NumPy's reshape always returns a view
    out = _view_of(Squeeze.apply(input, shape=new), input)
    if dim is not None:   # PyTorch's overloads: squeeze(), squeeze(dim), squeeze(dims)
        node_name(out, "SqueezeBackward2" if isinstance(dim, (tuple, list)) else
                  "SqueezeBackward1")
    return out


def unsqueeze(input, dim):
    """Insert a size-1 dim at position `dim` (in [-ndim-1, ndim]): (2, 3), 1 -> (2, 1, 3)."""
    shape = input._data.shape
    dim = wrap_dim(dim, len(shape) + 1)
    new = shape[:dim] + (1,) + shape[dim:]
    return _view_of(Unsqueeze.apply(input, shape=new), input)


# ---------------------------------------------------------------------------------------------
# dim reordering: transpose, permute, movedim, t, T, mT
# ---------------------------------------------------------------------------------------------
class Transpose(Function):
    """out = x with dims dim0 and dim1 swapped (a strided view)
    grad: dx = g with the same two dims swapped back"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x, dim0, dim1):
        ctx.dims = (dim0, dim1)
        return x.swapaxes(dim0, dim1)

    @staticmethod
    def backward(ctx, g):
        return g.swapaxes(*ctx.dims)  # ndarray and Tensor both have swapaxes


def transpose(input, dim0, dim1):
    """Swap dims dim0 and dim1; shares memory with input."""
    ndim = input._data.ndim
    d0, d1 = wrap_dim(dim0, ndim), wrap_dim(dim1, ndim)
    if ndim == 0:  # PyTorch accepts transpose(0, 0) of a 0-d tensor; NumPy does not
        return view(input, ())
    return _view_of(Transpose.apply(input, dim0=d0, dim1=d1), input)


class Permute(Function):
    """out[..] = x with its dims reordered: out dim i is x dim axes[i] (a strided view)
    grad: dx = g permuted by the inverse permutation"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x, axes):
        inverse = [0] * len(axes)
        for i, a in enumerate(axes):
            inverse[a] = i
        ctx.inverse = tuple(inverse)
        return x.transpose(axes)

    @staticmethod
    def backward(ctx, g):
        return _permute(g, ctx.inverse)


def permute(input, *dims, **kwargs):
    """Reorder dims: permute(x, (2, 0, 1)) or x.permute(2, 0, 1); out dim i = input dim dims[i]."""
    if "dims" in kwargs:
        dims = (kwargs.pop("dims"),)
    dims = _sizes(dims)
    ndim = input._data.ndim
    if len(dims) != ndim:
        raise RuntimeError("permute(): number of dimensions in the tensor input does not match "
                           "the length of the desired ordering of dimensions i.e. input.dim() "
                           f"= {ndim} is not equal to len(dims) = {len(dims)}")
    axes = tuple(wrap_dim(d, ndim) for d in dims)
    if len(set(axes)) != ndim:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return _view_of(Permute.apply(input, axes=axes), input)


def movedim(input, source, destination):
    """Move dims `source` to positions `destination` (ints or tuples); the other dims keep
    their order. (2, 3, 4) with (0, -1) -> (3, 4, 2)."""
    ndim = input._data.ndim
    src, dst = _dim_list(source), _dim_list(destination)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({list(src)} "
                           f"dims) should contain the same number of dims as destination "
                           f"({list(dst)} dims)")
    src = tuple(wrap_dim(d, ndim) for d in src)
    dst = tuple(wrap_dim(d, ndim) for d in dst)
    if ndim == 0:
        return view(input, ())
    for name, dims in (("source", src), ("destination", dst)):
        if len(set(dims)) != len(dims):
            raise RuntimeError(f"movedim: repeated dim in `{name}` ({list(dims)})")
    axes = [-1] * ndim
    for s, d in zip(src, dst):
        axes[d] = s
    rest = iter(i for i in range(ndim) if i not in src)
    axes = tuple(a if a != -1 else next(rest) for a in axes)
    return _view_of(Permute.apply(input, axes=axes), input)


def swapaxes(input, axis0, axis1):
    """NumPy-style alias of transpose(input, axis0, axis1)."""
    return transpose(input, axis0, axis1)


def swapdims(input, dim0, dim1):
    """Alias of transpose(input, dim0, dim1)."""
    return transpose(input, dim0, dim1)


def t(input):
    """Transpose a 2-d tensor; 0-d and 1-d tensors come back as they are (as views)."""
    ndim = input._data.ndim
    if ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {ndim}D")
    if ndim < 2:
        return node_name(view(input, input._data.shape), "TBackward0")
    return node_name(transpose(input, 0, 1), "TBackward0")


def _T(self):
    """x.T: all dims reversed (PyTorch deprecates it for ndim != 2 and warns; so do we)."""
    ndim = self._data.ndim
    if ndim != 2:
        warnings.warn("The use of `x.T` on tensors of dimension other than 2 to reverse their "
                      "shape is deprecated and it will throw an error in a future release. "
                      "Consider `x.mT` to transpose batches of matrices or "
                      "`x.permute(*torch.arange(x.ndim - 1, -1, -1))` to reverse the dimensions "
                      "of a tensor.", UserWarning, stacklevel=2)
    return permute(self, tuple(range(ndim - 1, -1, -1)))


def _mT(self):
    """x.mT: the last two dims swapped (a batch of matrices, transposed)."""
    if self._data.ndim < 2:
        raise RuntimeError("tensor.mT is only supported on matrices or batches of matrices. "
                           f"Got {self._data.ndim}-D tensor.")
    return transpose(self, -2, -1)


def _conj(x):
    return x.conj() if x._data.dtype.kind == "c" else x


def _H(self):
    """x.H: conjugate transpose of a matrix."""
    if self._data.ndim != 2:
        raise RuntimeError("tensor.H is only supported on matrices (2-D tensors). Got "
                           f"{self._data.ndim}-D tensor. For batches of matrices, consider "
                           "using tensor.mH")
    return _conj(transpose(self, 0, 1))


def adjoint(input):
    """Conjugate transpose of the last two dims (x.mH)."""
    if input._data.ndim < 2:
        raise RuntimeError("tensor.mH is only supported on matrices or batches of matrices. "
                           f"Got {input._data.ndim}-D tensor.")
    return _conj(transpose(input, -2, -1))


T_property = property(_T, doc=_T.__doc__)
mT_property = property(_mT, doc=_mT.__doc__)
H_property = property(_H, doc=_H.__doc__)
mH_property = property(adjoint, doc=adjoint.__doc__)


# ---------------------------------------------------------------------------------------------
# broadcasting: expand, broadcast_to, broadcast_tensors, meshgrid
# ---------------------------------------------------------------------------------------------
class Expand(Function):
    """out = x broadcast to `shape` (a read-only view with stride 0 on the stretched dims)
    grad: dx = g summed over the stretched and the new leading dims"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x, shape):
        ctx.in_shape = x.shape
        if shape == x.shape:
            return x.view()  # nothing stretched: a plain (writable) view
        return xp.broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, g):
        return sum_to_shape(g, ctx.in_shape)


def expand(self, *sizes, size=None):
    """self broadcast to `sizes` without copying; -1 keeps a dim, new dims go in front.
    (3, 1).expand(2, 3, 4) -> (2, 3, 4). Writing into stretched dims is not allowed."""
    if size is not None:
        sizes = (size,)
    sizes = _sizes(sizes)
    shape = self._data.shape
    n_new = len(sizes) - len(shape)
    if n_new < 0:
        raise RuntimeError(f"expand({self.type()}{{{list(shape)}}}, size={list(sizes)}): the "
                           f"number of sizes provided ({len(sizes)}) must be greater or equal to "
                           f"the number of dimensions in the tensor ({len(shape)})")
    target = list(sizes)
    for i in reversed(range(len(sizes))):      # from the last dim, as PyTorch reports
        s = sizes[i]
        if i < n_new:
            if s < 0:
                raise RuntimeError(f"The expanded size of the tensor ({s}) isn't allowed in a "
                                   f"leading, non-existing dimension {i}")
        else:
            current = shape[i - n_new]
            if s == -1:
                s = current
            elif current != s and (current != 1 or s < 0):
                raise RuntimeError(
                    f"The expanded size of the tensor ({s}) must match the existing size "
                    f"({current}) at non-singleton dimension {i}.  Target sizes: "
                    f"{list(sizes)}.  Tensor sizes: {list(shape)}")
        target[i] = s
    return _view_of(Expand.apply(self, shape=tuple(target)), self)


def expand_as(self, other):
    """expand(self, other.shape): a broadcast view, no copy."""
    return expand(self, other._data.shape)


def broadcast_to(input, size):
    """expand(input, size): a broadcast view of input with shape `size`, no copy."""
    return expand(input, size)


def broadcast_shapes(*shapes):
    """The shape all `shapes` broadcast to (ints count as 1-d shapes), as a torch.Size."""
    shapes = [(s,) if isinstance(s, int) else tuple(s) for s in shapes]
    ndim = max((len(s) for s in shapes), default=0)
    out = [1] * ndim
    for k, shape in enumerate(shapes):
        for i, s in enumerate(shape, start=ndim - len(shape)):
            if s == 1:
                continue
            if out[i] == 1:
                out[i] = s
            elif out[i] != s:
                raise RuntimeError(f"Attempting to broadcast a dimension of length {s} at "
                                   f"{i - ndim}! Mismatching argument at index {k} had {shape}; "
                                   f"but expected shape should be broadcastable to {out}")
    return Size(out)


def broadcast_tensors(*tensors):
    """All tensors expanded (as views) to their common broadcast shape."""
    if len(tensors) == 1 and isinstance(tensors[0], (tuple, list)):
        tensors = tuple(tensors[0])
    shape = ()
    for t in tensors:
        other = t._data.shape
        n = max(len(shape), len(other))
        a, b = (1,) * (n - len(shape)) + shape, (1,) * (n - len(other)) + other
        for i, (sa, sb) in enumerate(zip(a, b)):
            if sa != sb and sa != 1 and sb != 1:
                raise RuntimeError(f"The size of tensor a ({sa}) must match the size of tensor "
                                   f"b ({sb}) at non-singleton dimension {i}")
        shape = tuple(sb if sa == 1 else sa for sa, sb in zip(a, b))
    # as in PyTorch, a tensor that already has the shape comes back as it is
    return tuple(t if t._data.shape == shape else expand(t, shape) for t in tensors)


def meshgrid(*tensors, indexing=None):
    """Coordinate grids from 1-d tensors of lengths n0, n1, …: 'ij' gives outputs of shape
    (n0, n1, …); 'xy' swaps the first two (n1, n0, …). Outputs are expanded views."""
    if len(tensors) == 1 and isinstance(tensors[0], (tuple, list)):
        tensors = tuple(tensors[0])
    if indexing is None:
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError('torch.meshgrid: indexing must be one of "xy" or "ij", but '
                           f"received: {indexing}")
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    for t in tensors:
        if t._data.ndim > 1:
            raise RuntimeError("torch.meshgrid: Expected 0D or 1D tensor in the tensor list but "
                               f"got a tensor of shape {list(t._data.shape)}")
        if t._data.dtype != tensors[0]._data.dtype:
            raise RuntimeError("meshgrid expects all tensors to have the same dtype")
    position = list(range(len(tensors)))
    if indexing == "xy" and len(tensors) >= 2:
        position[0], position[1] = 1, 0
    lengths = [t._data.size for t in tensors]
    shape = [0] * len(tensors)
    for p, n in zip(position, lengths):
        shape[p] = n
    outs = []
    for t, p in zip(tensors, position):
        ones = [1] * len(tensors)
        ones[p] = t._data.size
        outs.append(expand(reshape(t, tuple(ones)), tuple(shape)))
    return tuple(outs)


# ---------------------------------------------------------------------------------------------
# pieces: narrow, split, chunk, tensor_split, unbind
# ---------------------------------------------------------------------------------------------
class Slice(Function):
    """out = x[start : start + length] along `dim` (a view)
    grad: dx = zeros of x's shape with g in that window"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x, dim, start, length):
        ctx.in_shape, ctx.dim, ctx.start = x.shape, dim, start
        return x[_index(dim, slice(start, start + length))]

    @staticmethod
    def backward(ctx, g):
        return _pad_slice(g, ctx.in_shape, ctx.dim, ctx.start)


def narrow(input, dim, start, length):
    """input[start : start + length] along `dim`, as a view (start may be negative)."""
    shape = input._data.shape
    if not shape:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    dim = wrap_dim(dim, len(shape))
    if isinstance(start, Tensor) and (start._data.ndim or start._data.dtype.kind not in "iu"):
        raise RuntimeError("start must be an 0-dim integral Tensor.")
    if isinstance(start, bool):
        raise TypeError("narrow(): argument 'start' must be int, not bool")
    start, length, n = _int(start), _int(length), shape[dim]
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    if not -n <= start <= n:
        raise IndexError(f"start out of range (expected to be in range of [{-n}, {n}], but got "
                         f"{start})")
    if start < 0:
        start += n
    if start + length > n:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({n}).")
    return _view_of(Slice.apply(input, dim=dim, start=start, length=length), input)


class Split(Function):
    """outs[k] = x[bounds[k][0] : bounds[k][1]] along `dim` (views; several outputs)
    grad: dx = the pieces' gradients put back in place (concatenated when they tile x)"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x, dim, bounds):
        ctx.in_shape, ctx.dim, ctx.bounds = x.shape, dim, bounds
        return tuple(x[_index(dim, slice(a, b))] for a, b in bounds)

    @staticmethod
    def backward(ctx, *gs):
        dim, bounds, shape = ctx.dim, ctx.bounds, ctx.in_shape
        # the usual case (split, chunk, sorted tensor_split): the pieces tile x in order
        tiles = all(bounds[k][1] == bounds[k + 1][0] for k in range(len(bounds) - 1))
        if bounds and tiles and bounds[0][0] == 0 and bounds[-1][1] == shape[dim]:
            return _cat(gs, dim)
        # overlapping or gapped pieces (tensor_split with unsorted indices): add each back
        total = None
        for (a, b), g in zip(bounds, gs):
            if b > a:
                piece = _pad_slice(g, shape, dim, a)
                total = piece if total is None else total + piece
        if total is None:  # every piece empty
            total = xp.zeros(shape, gs[0].dtype)
            return _make(total) if isinstance(gs[0], Tensor) else total
        return total


class Unbind(Function):
    """outs[i] = x[i] along `dim` (views; one output per index)
    grad: dx = the gradients stacked along `dim`"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        return tuple(x[_index(dim, i)] for i in range(x.shape[dim]))

    @staticmethod
    def backward(ctx, *gs):
        return _stack(gs, ctx.dim)


def unbind(input, dim=0):
    """The slices input[i] along `dim`, as a tuple of views."""
    if input._data.ndim == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    dim = wrap_dim(dim, input._data.ndim)
    return _views_of(Unbind.apply(input, dim=dim), input)


def _split_at(input, dim, bounds):
    return _views_of(Split.apply(input, dim=dim, bounds=tuple(bounds)), input)


def _split_dim(input, dim, name):
    if input._data.ndim == 0:
        raise RuntimeError(f"{name} expects at least a 1-dimensional tensor")
    return wrap_dim(dim, input._data.ndim)


def split(tensor, split_size_or_sections, dim=0):
    """Pieces along `dim`: of size `split_size` each (the last may be smaller), or of the
    listed sizes (which must add up to the dim's size). Each piece is a view."""
    dim = _split_dim(tensor, dim, "split")
    n = tensor._data.shape[dim]
    if isinstance(split_size_or_sections, (tuple, list)):
        sizes = [_int(s) for s in split_size_or_sections]
        if sum(sizes) != n or any(s < 0 for s in sizes):
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} "
                               f"(input tensor's size at dimension {dim}), but got "
                               f"split_sizes={sizes}")
    else:
        size = _int(split_size_or_sections)
        if size < 0:
            raise RuntimeError(f"split expects split_size be non-negative, but got "
                               f"split_size={size}")
        if size == 0 and n != 0:
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got "
                               f"dimension size of {n}")
        count = max(-(-n // size), 1) if size else 1
        sizes = [size] * (count - 1) + [n - size * (count - 1)]
    bounds, start = [], 0
    for s in sizes:
        bounds.append((start, start + s))
        start += s
    pieces = _split_at(tensor, dim, bounds)
    if isinstance(split_size_or_sections, (tuple, list)) and pieces:
        node_name(pieces[0], "SplitWithSizesBackward0")   # PyTorch's split_with_sizes
    return pieces


def chunk(input, chunks, dim=0):
    """Split into `chunks` pieces of ceil(n / chunks) along `dim` (fewer if they run out)."""
    chunks = _int(chunks)
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    dim = _split_dim(input, dim, "chunk")
    n = input._data.shape[dim]
    if n == 0:  # PyTorch gives `chunks` empty pieces here
        return _split_at(input, dim, [(0, 0)] * chunks)
    return split(input, -(-n // chunks), dim)


def tensor_split(input, indices_or_sections, dim=0):
    """Split along `dim` into `sections` near-equal pieces (the first n % sections one longer),
    or at the given indices (Python slicing rules: clamped, possibly empty pieces)."""
    dim = _split_dim(input, dim, "tensor_split")
    n = input._data.shape[dim]
    spec = indices_or_sections
    if isinstance(spec, Tensor):
        spec = spec.tolist()
    if isinstance(spec, (tuple, list)):
        cuts = [slice(_int(i), None).indices(n)[0] for i in spec]  # clamp like x[i:]
        starts, stops = [0] + cuts, cuts + [n]
        bounds = [(a, max(a, b)) for a, b in zip(starts, stops)]
    else:
        sections = _int(spec)
        if sections <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {sections}")
        size, extra = divmod(n, sections)
        bounds, start = [], 0
        for k in range(sections):
            stop = start + size + (k < extra)
            bounds.append((start, stop))
            start = stop
    pieces = _split_at(input, dim, bounds)
    if pieces:
        node_name(pieces[0], "SliceBackward0")   # PyTorch slices each piece on its own
    return pieces


# ---------------------------------------------------------------------------------------------
# joining: cat, stack and their hstack/vstack/dstack/column_stack spellings
# ---------------------------------------------------------------------------------------------
def _is_legacy_empty(a):
    """PyTorch lets 1-d empty tensors, shape (0,), join any cat (they are skipped)."""
    return a.ndim == 1 and a.shape[0] == 0


class Cat(Function):
    """out = the inputs joined along `dim`
    grad: dx_k = the slice of g that came from input k"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, *arrays, dim):
        skip = [_is_legacy_empty(a) for a in arrays]
        if all(skip):  # nothing but (0,) tensors: join them normally
            skip = [False] * len(arrays)
        ctx.dim = dim
        ctx.sizes = tuple(None if s else a.shape[dim] for a, s in zip(arrays, skip))
        return xp.concatenate([a for a, s in zip(arrays, skip) if not s], axis=dim)

    @staticmethod
    def backward(ctx, g):
        out, start = [], 0
        for size in ctx.sizes:
            if size is None:  # a skipped (0,) input: its gradient is empty too
                out.append(_narrow(g.reshape(-1), 0, 0, 0))
                continue
            out.append(_narrow(g, ctx.dim, start, size))
            start += size
        return tuple(out)


def cat(tensors, dim=0, *, axis=None, out=None):
    """Join tensors along an existing dim; all other dims must match. (2, 3) + (4, 3) -> (6, 3).
    Mixed dtypes are promoted; 1-d empty tensors are skipped, as PyTorch allows."""
    tensors = _tensor_list(tensors, "cat")
    if axis is not None:
        dim = axis
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    for i, t in enumerate(tensors):
        if t._data.ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be "
                               "concatenated")
    ref_i = next((i for i, t in enumerate(tensors) if not _is_legacy_empty(t._data)), 0)
    ref = tensors[ref_i]._data.shape
    dim = wrap_dim(dim, len(ref))
    for i, t in enumerate(tensors):
        shape = t._data.shape
        if _is_legacy_empty(t._data):
            continue
        if len(shape) != len(ref):
            raise RuntimeError(f"Tensors must have same number of dimensions: got {len(ref)} "
                               f"and {len(shape)}")
        for d, (a, b) in enumerate(zip(ref, shape)):
            if d != dim and a != b:
                raise RuntimeError(f"Sizes of tensors must match except in dimension {dim}. "
                                   f"Expected size {a} but got size {b} for tensor number {i} "
                                   "in the list.")
    if out is not None:
        _check_cat_out(tensors, out)
    return write_out(Cat.apply(*_common_dtype(tensors), dim=dim), out)


class Stack(Function):
    """out = the inputs joined along a new dim `dim`
    grad: dx_k = g[k] along `dim`"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, *arrays, dim):
        ctx.dim = dim
        return xp.stack(arrays, axis=dim)

    @staticmethod
    def backward(ctx, g):
        if isinstance(g, Tensor):
            return unbind(g, ctx.dim)
        return tuple(xp.moveaxis(g, ctx.dim, 0))


def stack(tensors, dim=0, *, out=None):
    """Join equal-shaped tensors along a new dim: 3 x (2, 4) with dim=1 -> (2, 3, 4)."""
    tensors = _tensor_list(tensors, "stack")
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    ref = tensors[0]._data.shape
    for i, t in enumerate(tensors):
        if t._data.shape != ref:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got "
                               f"{list(ref)} at entry 0 and {list(t._data.shape)} at entry {i}")
    dim = wrap_dim(dim, len(ref) + 1)
    if out is not None:
        _check_cat_out(tensors, out)
    return write_out(Stack.apply(*_common_dtype(tensors), dim=dim), out)


def _tensor_list(tensors, name):
    if isinstance(tensors, Tensor) or not isinstance(tensors, (tuple, list)):
        raise TypeError(f"{name}(): argument 'tensors' (position 1) must be tuple of Tensors, "
                        f"not {type(tensors).__name__}")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got "
                            f"{type(t).__name__}")
    return list(tensors)


def _common_dtype(tensors):
    """PyTorch promotes the inputs of cat/stack to one dtype (int64 with float32 -> float32)."""
    first = tensors[0]._data.dtype
    if all(t._data.dtype == first for t in tensors):
        return tensors
    dt = _backend.from_numpy_dtype(first)
    for t in tensors[1:]:
        dt = _backend.promote_types(dt, t.dtype)
    return [t if t._data.dtype == dt.np else t.to(dt) for t in tensors]


def _check_cat_out(tensors, out):
    """cat refuses an out= its inputs' dtype can't be cast to with a TypeError (PyTorch)."""
    from .inplace import _can_cast
    for t in tensors:
        if not _can_cast(t.dtype, out.dtype):
            raise TypeError(f"torch.cat(): input types can't be cast to the desired output "
                            f"type {out.dtype.scalar_name}")


concat = cat
concatenate = cat


def _nonempty(tensors, name):
    tensors = _tensor_list(tensors, name)
    if not tensors:
        raise RuntimeError(f"{name} expects a non-empty TensorList")
    return tensors


def hstack(tensors, *, out=None):
    """Join column-wise: 1-d tensors end to end, others along dim 1."""
    tensors = atleast_1d(_nonempty(tensors, "hstack"))
    dim = 0 if tensors[0]._data.ndim == 1 else 1
    return cat(tensors, dim, out=out)


def vstack(tensors, *, out=None):
    """Join row-wise: inputs made at least 2-d ((n,) -> (1, n)), then joined along dim 0."""
    return cat(atleast_2d(_nonempty(tensors, "vstack")), 0, out=out)


def dstack(tensors, *, out=None):
    """Join depth-wise: inputs made at least 3-d, then joined along dim 2."""
    return cat(atleast_3d(_nonempty(tensors, "dstack")), 2, out=out)


def column_stack(tensors, *, out=None):
    """Join as columns: 0-d and 1-d inputs become (n, 1) columns, then joined along dim 1."""
    tensors = _nonempty(tensors, "column_stack")
    cols = [reshape(t, (t._data.size, 1)) if t._data.ndim <= 1 else t for t in tensors]
    return cat(cols, 1, out=out)


def _atleast(ndim, tensors):
    """atleast_nd for one tensor (returned as is) or several (returned as a tuple)."""
    single = len(tensors) == 1 and isinstance(tensors[0], Tensor)
    if len(tensors) == 1 and isinstance(tensors[0], (tuple, list)):
        tensors = tuple(tensors[0])
    outs = []
    for x in tensors:
        shape = x._data.shape
        # the same ops as PyTorch, so the nodes carry its names
        if len(shape) >= ndim:
            outs.append(x)
        elif not shape:
            outs.append(reshape(x, (1,) * ndim))
        elif ndim == 3 and len(shape) == 1:  # (n,) -> (1, n, 1), as NumPy and PyTorch do
            outs.append(unsqueeze(unsqueeze(x, 0), -1))
        elif ndim == 3:                      # (m, n) -> (m, n, 1)
            outs.append(unsqueeze(x, -1))
        else:                                # (n,) -> (1, n)
            outs.append(unsqueeze(x, 0))
    return outs[0] if single else tuple(outs)


def atleast_1d(*tensors):
    """Each tensor with at least 1 dim: () -> (1,); others unchanged."""
    return _atleast(1, tensors)


def atleast_2d(*tensors):
    """Each tensor with at least 2 dims: () -> (1, 1), (n,) -> (1, n)."""
    return _atleast(2, tensors)


row_stack = vstack


def atleast_3d(*tensors):
    """Each tensor with at least 3 dims: () -> (1, 1, 1), (n,) -> (1, n, 1), (m, n) -> (m, n, 1)."""
    return _atleast(3, tensors)


# ---------------------------------------------------------------------------------------------
# copies that move elements: flip, roll, repeat, tile
# ---------------------------------------------------------------------------------------------
class Flip(Function):
    """out = x reversed along `dims` (a copy, as in PyTorch)
    grad: dx = g reversed along the same dims"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return xp.flip(x, axis=dims).copy()

    @staticmethod
    def backward(ctx, g):
        if isinstance(g, Tensor):
            return flip(g, ctx.dims)
        return xp.flip(g, axis=ctx.dims)


def flip(input, *dims, **kwargs):
    """Reverse the order of elements along `dims` (a copy): flip(x, (0,)) or x.flip(0, 1)."""
    if "dims" in kwargs:
        dims = (kwargs.pop("dims"),)
    if len(dims) == 1:
        dims = dims[0]
    axes = wrap_dims(_dim_list(dims), input._data.ndim)
    if input._data.ndim == 0:
        axes = ()
    return Flip.apply(input, dims=axes)


class Roll(Function):
    """out = x shifted cyclically by `shifts` along `dims` (None: over the flattened tensor)
    grad: dx = g shifted back by -shifts"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x, shifts, dims):
        ctx.shifts, ctx.dims = shifts, dims
        return xp.roll(x, shifts, axis=dims)

    @staticmethod
    def backward(ctx, g):
        back = tuple(-s for s in ctx.shifts)
        if isinstance(g, Tensor):
            return roll(g, back, ctx.dims)
        return xp.roll(g, back, axis=ctx.dims)


def roll(input, shifts, dims=None):
    """Shift elements cyclically: by `shifts` along `dims` (ints or tuples of equal length);
    with no dims, over the flattened tensor, then restored to its shape."""
    shifts = _dim_list(shifts)
    dims = () if dims is None else _dim_list(dims)
    if not dims:
        if len(shifts) != 1:
            raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, "
                               "dims:0")
        return Roll.apply(input, shifts=shifts, dims=None)
    if len(shifts) != len(dims):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, "
                           f"dims:{len(dims)}")
    axes = tuple(wrap_dim(d, input._data.ndim) for d in dims)
    return Roll.apply(input, shifts=shifts, dims=axes)


class Repeat(Function):
    """out = x tiled reps[i] times along each dim i (x first gets leading size-1 dims)
    grad: dx = g viewed as (r0, s0, r1, s1, …) and summed over the r axes"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x, reps):
        ctx.in_shape = x.shape
        ctx.padded = (1,) * (len(reps) - x.ndim) + x.shape
        ctx.reps = reps
        return xp.tile(x.reshape(ctx.padded), reps)

    @staticmethod
    def backward(ctx, g):
        # out index along dim i is r * s_i + k, so splitting each dim into (r, s) in row-major
        # order puts every copy of element k on its own row of a new "r" axis: sum those away
        split = []
        for r, s in zip(ctx.reps, ctx.padded):
            split += [r, s]
        g = g.reshape(tuple(split)).sum(axis=tuple(range(0, len(split), 2)))
        return g.reshape(ctx.in_shape)


def repeat(self, *sizes):
    """self tiled sizes[i] times along dim i; extra leading sizes add new dims.
    (2, 3).repeat(2, 1, 2) -> (2, 2, 6). Always a copy."""
    sizes = _sizes(sizes)
    if len(sizes) < self._data.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number "
                           "of dimensions of tensor")
    if any(s < 0 for s in sizes):
        padded = (1,) * (len(sizes) - self._data.ndim) + self._data.shape
        raise RuntimeError(f"Trying to create tensor with negative dimension "
                           f"{min(sizes)}: {[r * s for r, s in zip(sizes, padded)]}")
    return Repeat.apply(self, reps=sizes)


def fliplr(input):
    """Flip left-right (dim 1); needs at least 2 dims."""
    if input._data.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return flip(input, (1,))


def flipud(input):
    """Flip up-down (dim 0); needs at least 1 dim."""
    if input._data.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return flip(input, (0,))


def tile(input, *dims, **kwargs):
    """Like repeat, but `dims` shorter than input.ndim is padded with leading 1s."""
    if "dims" in kwargs:
        dims = (kwargs.pop("dims"),)
    reps = _sizes(dims)
    reps = (1,) * (input._data.ndim - len(reps)) + reps
    return repeat(input, reps)


# ---------------------------------------------------------------------------------------------
# diagonals and triangles: diagonal, diag_embed, diag, tril, triu
# ---------------------------------------------------------------------------------------------
def _writable_diagonal(a, offset, dim1, dim2):
    """xp.diagonal as a writable view (NumPy hands it out read-only by default)."""
    d = xp.diagonal(a, offset, dim1, dim2)
    if a.flags.writeable:
        d.flags.writeable = True
    return d


def _diag_scatter(x, shape, offset, dim1, dim2):
    """Zeros of `shape` with x written on the diagonal (offset, dim1, dim2)."""
    out = xp.zeros(shape, x.dtype)
    _writable_diagonal(out, offset, dim1, dim2)[...] = x
    return out


class Diagonal(Function):
    """out[..., i] = x[.., i, .., i + offset, ..] over dims (dim1, dim2), last dim (a view)
    grad: dx = zeros of x's shape with g written on that diagonal"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x, offset, dim1, dim2):
        ctx.args = (x.shape, offset, dim1, dim2)
        return _writable_diagonal(x, offset, dim1, dim2)

    @staticmethod
    def backward(ctx, g):
        shape, offset, dim1, dim2 = ctx.args
        if isinstance(g, Tensor):
            return DiagEmbed.apply(g, shape=shape, offset=offset, dim1=dim1, dim2=dim2)
        return _diag_scatter(g, shape, offset, dim1, dim2)


def diagonal(input, offset=0, dim1=0, dim2=1):
    """The diagonal over dims (dim1, dim2), as a view; it becomes the last dim.
    offset > 0 is above the main diagonal, < 0 below. (2, 3, 4) with dims (1, 2) -> (2, 3)."""
    ndim = input._data.ndim
    d1, d2 = wrap_dim(dim1, ndim), wrap_dim(dim2, ndim)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return _view_of(Diagonal.apply(input, offset=_int(offset), dim1=d1, dim2=d2), input)


def diag(input, diagonal=0):
    """1-d input: a square matrix with input on diagonal `diagonal`; 2-d input: a copy of
    that diagonal, as a 1-d tensor."""
    ndim = input._data.ndim
    if ndim == 1:
        return diag_embed(input, diagonal, 0, 1)
    if ndim == 2:
        from .convert import clone
        # PyTorch's diagonal_copy, printed with this odd name
        return node_name(clone(Diagonal.apply(input, offset=_int(diagonal), dim1=0, dim2=1)),
                         "DiagonalBackward0_copy")
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {ndim}D")


class DiagEmbed(Function):
    """out = zeros of `shape` with x's last dim written on the diagonal (dim1, dim2, offset)
    grad: dx = that diagonal of g"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x, shape, offset, dim1, dim2):
        ctx.diag_args = (offset, dim1, dim2)
        return _diag_scatter(x, shape, offset, dim1, dim2)

    @staticmethod
    def backward(ctx, g):
        if isinstance(g, Tensor):
            return diagonal(g, *ctx.diag_args)
        return xp.diagonal(g, *ctx.diag_args)


def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    """Matrices with input's last dim on their diagonal: (B, n) -> (B, n+|offset|, n+|offset|)
    with the two new dims placed at dim1 and dim2."""
    ndim = input._data.ndim + 1
    d1, d2 = wrap_dim(dim1, ndim), wrap_dim(dim2, ndim)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    offset = _int(offset)
    in_shape = input._data.shape
    n = in_shape[-1] + abs(offset)  # (a 0-d input can't get here: its dims are identical)
    rest = iter(in_shape[:-1])
    shape = tuple(n if i in (d1, d2) else next(rest) for i in range(ndim))
    return DiagEmbed.apply(input, shape=shape, offset=offset, dim1=d1, dim2=d2)


class Tril(Function):
    """out = x with the elements above diagonal k of the last two dims set to 0
    grad: dx = tril(g, k)"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x, k):
        ctx.k = k
        return xp.tril(x, k)

    @staticmethod
    def backward(ctx, g):
        return tril(g, ctx.k) if isinstance(g, Tensor) else xp.tril(g, ctx.k)


def tril(input, diagonal=0, *, out=None):
    """Lower triangle of the last two dims (on and below diagonal `diagonal`); rest zero."""
    if input._data.ndim < 2:
        raise RuntimeError("tril: input tensor must have at least 2 dimensions")
    return write_out(Tril.apply(input, k=_int(diagonal)), out, same_dtype=True)


class Triu(Function):
    """out = x with the elements below diagonal k of the last two dims set to 0
    grad: dx = triu(g, k)"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x, k):
        ctx.k = k
        return xp.triu(x, k)

    @staticmethod
    def backward(ctx, g):
        return triu(g, ctx.k) if isinstance(g, Tensor) else xp.triu(g, ctx.k)


def triu(input, diagonal=0, *, out=None):
    """Upper triangle of the last two dims (on and above diagonal `diagonal`); rest zero."""
    if input._data.ndim < 2:
        raise RuntimeError("triu: input tensor must have at least 2 dimensions")
    return write_out(Triu.apply(input, k=_int(diagonal)), out, same_dtype=True)


# ---------------------------------------------------------------------------------------------
# repeat_interleave
# ---------------------------------------------------------------------------------------------
class RepeatInterleave(Function):
    """out = each slice i of x along `dim` repeated repeats[i] times, in order
    grad: dx[i] = the sum of g over the repeats[i] copies of slice i"""

    @staticmethod
    def forward(ctx, x, repeats, dim):
        ctx.repeats, ctx.dim, ctx.in_shape = repeats, dim, x.shape
        return xp.repeat(x, repeats, axis=dim)

    @staticmethod
    def backward(ctx, g):
        dim, shape = ctx.dim, ctx.in_shape
        counts = xp.broadcast_to(xp.asarray(ctx.repeats), (shape[dim],))
        dx = xp.zeros(shape, g.dtype)
        present = counts > 0
        if g.shape[dim]:
            # one segment sum per repeated slice; slices repeated 0 times keep a 0 gradient
            starts = (xp.cumsum(counts) - counts)[present]
            dx[_index(dim, present)] = _backend.segment_sum(g, starts, axis=dim)
        return dx


def _check_repeats(repeats):
    """repeats as an int or a 1-d int64 array, with PyTorch's checks."""
    if not isinstance(repeats, Tensor):
        repeats = _int(repeats)
        if repeats < 0:
            raise RuntimeError("Repeats must be non-negative")
        return repeats
    r = repeats._data
    if r.dtype.kind not in "iu":
        raise NotImplementedError(f"\"repeat_interleave_cpu\" not implemented for "
                                  f"'{scalar_name(r.dtype)}'")
    if r.ndim > 1:
        raise RuntimeError("repeats must be 0-dim or 1-dim tensor")
    if r.size and r.min() < 0:
        raise RuntimeError("repeats can not be negative")
    return int(r) if r.ndim == 0 else r.astype(xp.int64, copy=False)


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    """Repeat each element (each slice along `dim`) `repeats` times: an int, or a tensor of one
    count per slice. Without `dim` the input is flattened first. (3,) with repeats 2 -> (6,).

    repeat_interleave(counts) (one argument) gives arange(len(counts)) repeated by counts:
    the index of the source of each output position."""
    if repeats is None:
        counts = input._data
        if counts.ndim != 1:
            raise RuntimeError("repeat_interleave only accept 1D vector as repeat")
        _check_repeats(input)
        return _make(xp.repeat(xp.arange(counts.shape[0], dtype=counts.dtype), counts))
    repeats = _check_repeats(repeats)
    if dim is None:
        input, dim = reshape(input, (-1,)), 0
    else:
        dim = wrap_dim(dim, input._data.ndim)
        if input._data.ndim == 0:
            input = reshape(input, (1,))
    n = input._data.shape[dim]
    if not isinstance(repeats, int) and repeats.shape[0] not in (1, n):
        raise RuntimeError(f"repeats must have the same size as input along dim, but got "
                           f"repeats.size(0) = {repeats.shape[0]} and input.size({dim}) = {n}")
    if output_size is not None:
        total = n * repeats if isinstance(repeats, int) else int(
            xp.broadcast_to(repeats, (n,)).sum())
        if total != output_size:
            raise RuntimeError("allocated size does not match required size")
    return RepeatInterleave.apply(input, repeats=repeats, dim=dim)


# ---------------------------------------------------------------------------------------------
# unfold and as_strided: views built from strides
# ---------------------------------------------------------------------------------------------
class Unfold(Function):
    """out[..., k, ..., j] = x[..., k * step + j, ...]: the windows of `size` along `dim`, every
    `step`, as a new last dim (a strided view, no copy)
    grad: dx = each window's gradient added back at its place (windows may overlap)"""

    @staticmethod
    def forward(ctx, x, dim, size, step):
        count = (x.shape[dim] - size) // step + 1
        ctx.args = (x.shape, dim, size, step, count)
        shape = x.shape[:dim] + (count,) + x.shape[dim + 1:] + (size,)
        strides = x.strides[:dim] + (x.strides[dim] * step,) + x.strides[dim + 1:] + (
            x.strides[dim],)
        # overlapping windows share elements: read-only, as expand's view (a write would be
        # ambiguous)
        writeable = step >= size and x.flags.writeable
        return _backend.as_strided(x, shape, strides, writeable=writeable)

    @staticmethod
    def backward(ctx, g):
        shape, dim, size, step, count = ctx.args
        dx = xp.zeros(shape, g.dtype)
        # loop over the shorter of (window length, number of windows): each pass adds a whole
        # slab of positions that do not collide with each other
        if size <= count:
            for j in range(size):
                dx[_index(dim, slice(j, j + step * (count - 1) + 1, step))] += g[..., j]
        else:
            for k in range(count):
                window = xp.moveaxis(g[_index(dim, k)], -1, dim)
                dx[_index(dim, slice(k * step, k * step + size))] += window
        return dx


def unfold(self, dimension, size, step):
    """All windows of length `size` along `dimension`, taken every `step`, as a view:
    (..., n, ...) -> (..., (n - size) // step + 1, ..., size)."""
    ndim = self._data.ndim
    dim = wrap_dim(dimension, ndim)
    size, step = _int(size), _int(step)
    n = self._data.shape[dim] if ndim else 1
    if size > n:
        raise RuntimeError(f"maximum size for tensor at dimension {dim} is {n} but size is "
                           f"{size}")
    if size < 0:
        raise RuntimeError(f"size is {size} but must be >= 0")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    if ndim == 0:   # PyTorch: the one window of the one element, shape (1,)
        return view(self, (1,))
    return _view_of(Unfold.apply(self, dim=dim, size=size, step=step), self)


class AsStrided(Function):
    """out = the elements of x's storage at offset + sum_k i_k * stride_k (a view)
    grad: dx = g added into a zero storage at those positions, read back at x's own"""

    @staticmethod
    def forward(ctx, x, storage, size, stride, offset, x_positions):
        ctx.args = (storage.size, size, stride, offset, x_positions, x.shape)
        flat = storage.reshape(-1)[offset:]
        itemsize = storage.itemsize
        return _backend.as_strided(flat, size, tuple(s * itemsize for s in stride))

    @staticmethod
    def backward(ctx, g):
        numel, size, stride, offset, x_positions, x_shape = ctx.args
        storage = xp.zeros(numel, g.dtype)
        _backend.scatter_add(storage, _positions(size, stride, offset).reshape(-1),
                             g.reshape(-1))
        return storage[x_positions].reshape(x_shape), None


def _storage_of(self):
    """(storage array, self's offset in it in elements): the base's array for a view."""
    root = self._base._data if self._base is not None else self._data
    if not root.flags.c_contiguous:
        raise RuntimeError("as_strided: glasstorch needs the tensor's storage (its base's "
                           "array) to be contiguous; call .contiguous() first")
    address = lambda a: a.__array_interface__["data"][0]   # noqa: E731
    return root, (address(self._data) - address(root)) // root.itemsize


def _strided_args(self, size, stride, storage_offset):
    size, stride = _dim_list(size), _dim_list(stride)
    if len(size) != len(stride):
        raise RuntimeError("mismatch in length of strides and shape")
    if any(s < 0 for s in stride):
        raise RuntimeError(f"as_strided: Negative strides are not supported at the moment, got "
                           f"strides: {list(stride)}")
    storage, own_offset = _storage_of(self)
    offset = own_offset if storage_offset is None else _int(storage_offset)
    needed = offset + 1 + sum((n - 1) * s for n, s in zip(size, stride)) if all(size) else 0
    if needed > storage.size:
        raise RuntimeError(f"setStorage: sizes {list(size)}, strides {list(stride)}, storage "
                           f"offset {offset}, and itemsize {storage.itemsize} requiring a "
                           f"storage size of {needed * storage.itemsize} are out of bounds for "
                           f"storage of size {storage.size * storage.itemsize}")
    return storage, own_offset, size, stride, offset


def as_strided(input, size, stride, storage_offset=None):
    """A view of input's storage with the given size, strides and offset (in elements; the
    offset defaults to input's own). Elements may repeat (stride 0, overlapping windows)."""
    storage, own_offset, size, stride, offset = _strided_args(input, size, stride,
                                                              storage_offset)
    x_stride = tuple(s // input._data.itemsize for s in input._data.strides)
    x_positions = _positions(input._data.shape, x_stride, own_offset)
    out = AsStrided.apply(input, storage, size=size, stride=stride, offset=offset,
                          x_positions=x_positions)
    return _view_of(out, input)


def _positions(size, stride, offset):
    """Storage position of every element of a (size, stride, offset) view, shaped `size`."""
    pos = xp.full(size, offset, dtype=xp.int64)
    for axis, (n, s) in enumerate(zip(size, stride)):
        pos = pos + (xp.arange(n) * s).reshape((-1,) + (1,) * (len(size) - axis - 1))
    return pos


def as_strided_(self, size, stride, storage_offset=None):
    """In place: self becomes the (size, stride, storage_offset) view of its own storage."""
    return _become(self, as_strided(self, size, stride, storage_offset))


# ---------------------------------------------------------------------------------------------
# in-place shape changes: squeeze_, unsqueeze_, t_, transpose_, swapaxes_, swapdims_
# ---------------------------------------------------------------------------------------------
def _become(self, out):
    """Make self the view `out` of itself (x.squeeze_() …): self takes out's array and graph
    node, keeping its identity, and its version counter is bumped as PyTorch does."""
    from .inplace import check_inplace_allowed
    check_inplace_allowed(self)
    self._data = out._data
    if out._requires_grad:
        self.grad_fn, self._output_nr, self._requires_grad = out.grad_fn, out._output_nr, True
    self._bump_version()
    return self


def squeeze_(self, dim=None):
    return _become(self, squeeze(self, dim))


def unsqueeze_(self, dim):
    return _become(self, unsqueeze(self, dim))


def t_(self):
    return _become(self, t(self))


def transpose_(self, dim0, dim1):
    return _become(self, transpose(self, dim0, dim1))


def swapaxes_(self, axis0, axis1):
    return _become(self, transpose(self, axis0, axis1))


def swapdims_(self, dim0, dim1):
    return _become(self, transpose(self, dim0, dim1))


# ---------------------------------------------------------------------------------------------
# select, sum_to_size, split_with_sizes, hsplit / vsplit / dsplit
# ---------------------------------------------------------------------------------------------
def _check_select(input, dim, index, name="select"):
    """(dim, index) wrapped to be non-negative, with PyTorch's IndexErrors."""
    shape = input._data.shape
    if not shape:
        raise IndexError(f"{name}() cannot be applied to a 0-dim tensor.")
    dim = wrap_dim(dim, len(shape))
    index = _int(index)
    if not -shape[dim] <= index < shape[dim]:
        raise IndexError(f"select(): index {index} out of range for tensor of size "
                         f"{list(shape)} at dimension {dim}")
    return dim, index % shape[dim]


def select(input, dim, index):
    """input[..., index, ...] with `index` at dim `dim` (the dim is removed), as a view."""
    from .index import getitem
    dim, index = _check_select(input, dim, index)
    return getitem(input, (slice(None),) * dim + (index,))


def sum_to_size(self, *size):
    """self summed down to `size`, which self's shape must be expandable from (the adjoint of
    expand): (2, 3) -> (1, 3) sums dim 0, (2, 3) -> (3,) too."""
    size = _sizes(size)
    shape = self._data.shape
    lead = len(shape) - len(size)
    if lead < 0 or any(s != n and s != 1 for s, n in zip(size, shape[lead:])):
        raise RuntimeError(f"size {{{list(size)}}} is not expandable to size {{{list(shape)}}}.")
    if size == shape:
        return self
    axes = tuple(range(lead)) + tuple(lead + i for i, s in enumerate(size)
                                      if s == 1 and shape[lead + i] != 1)
    out = self.sum(dim=axes, keepdim=True) if axes else self
    return reshape(out, size) if lead else out


def split_with_sizes(input, split_sizes, dim=0):
    """Pieces of the listed sizes along `dim` (they must add up to the dim's size), views."""
    return split(input, list(split_sizes), dim)


def _split_by_direction(name, input, indices_or_sections, dim, min_ndim):
    ndim = input._data.ndim
    if ndim < min_ndim:
        raise RuntimeError(f"torch.{name} requires a tensor with at least {min_ndim} dimension, "
                           f"but got a tensor with {ndim} dimensions!")
    spec = indices_or_sections
    if not isinstance(spec, (tuple, list, Tensor)):
        n, sections = input._data.shape[dim], _int(spec)
        if sections == 0 or n % sections:
            raise RuntimeError(f"torch.{name} attempted to split along dimension {dim}, but the "
                               f"size of the dimension {n} is not divisible by the split_size "
                               f"{sections}!")
    return tensor_split(input, spec, dim)


def hsplit(input, indices_or_sections):
    """tensor_split along dim 1 (dim 0 for 1-d tensors); a number of sections must divide
    the dim's size evenly."""
    dim = 1 if input._data.ndim > 1 else 0
    return _split_by_direction("hsplit", input, indices_or_sections, dim, 1)


def vsplit(input, indices_or_sections):
    """tensor_split along dim 0 of a tensor with at least 2 dims (sections must divide)."""
    return _split_by_direction("vsplit", input, indices_or_sections, 0, 2)


def dsplit(input, indices_or_sections):
    """tensor_split along dim 2 of a tensor with at least 3 dims (sections must divide)."""
    return _split_by_direction("dsplit", input, indices_or_sections, 2, 3)


# ---------------------------------------------------------------------------------------------
# rot90, diagflat, block_diag, cartesian_prod, combinations
# ---------------------------------------------------------------------------------------------
def rot90(input, k=1, dims=(0, 1)):
    """Rotate by 90 degrees k times in the plane of `dims`, from the first dim towards the
    second (as numpy.rot90). Built from flip and transpose, which carry the gradient."""
    dims = _dim_list(dims)
    ndim = input._data.ndim
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if ndim < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {ndim}")
    d0, d1 = wrap_dim(dims[0], ndim), wrap_dim(dims[1], ndim)
    if d0 == d1:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {dims[0]} "
                           f"and dim1 = {dims[1]}")
    k = _int(k) % 4
    if k == 1:
        return transpose(flip(input, d1), d0, d1)
    if k == 2:
        return flip(input, (d0, d1))
    if k == 3:
        return flip(transpose(input, d0, d1), d1)
    from .convert import clone
    return clone(input)


def diagflat(input, offset=0):
    """A square matrix with the flattened input on diagonal `offset`."""
    return diag(reshape(input, (-1,)), offset)


class BlockDiag(Function):
    """out = the matrices placed one after another along the diagonal, zeros elsewhere
    grad: each input gets its own block of g"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, *blocks):
        rows = sum(b.shape[0] for b in blocks)
        cols = sum(b.shape[1] for b in blocks)
        out = xp.zeros((rows, cols), blocks[0].dtype if blocks else xp.float32)
        corners, r, c = [], 0, 0
        for b in blocks:
            out[r:r + b.shape[0], c:c + b.shape[1]] = b
            corners.append((r, c, b.shape))
            r, c = r + b.shape[0], c + b.shape[1]
        ctx.corners = corners
        return out

    @staticmethod
    def backward(ctx, g):
        return tuple(g[r:r + shape[0], c:c + shape[1]] for r, c, shape in ctx.corners)


def block_diag(*tensors):
    """A block-diagonal matrix of the inputs (0-d: 1x1, 1-d (n,): 1xn, 2-d as they are), with
    their promoted dtype: shapes (a, b), (c, d) -> (a + c, b + d)."""
    for i, t in enumerate(tensors):
        if t._data.ndim > 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer "
                               f"dimensions. Input {i} has {t._data.ndim} dimensions")
    if not tensors:
        return _make(xp.zeros((1, 0), _backend.get_default_dtype().np))
    blocks = [reshape(t, (1,) * (2 - t._data.ndim) + t._data.shape) if t._data.ndim < 2
              else t for t in _common_dtype(list(tensors))]
    return BlockDiag.apply(*blocks)


def _check_vectors(tensors):
    for t in tensors:
        if t._data.ndim != 1:
            raise RuntimeError(f"Expect a 1D vector, but got shape {list(t._data.shape)}")


def cartesian_prod(*tensors):
    """Every combination of one element from each 1-d input, as rows: sizes n1, n2 ->
    (n1 * n2, 2), in row-major order (a single input comes back as it is)."""
    _check_vectors(tensors)
    if len(tensors) == 1:
        return tensors[0]
    grids = meshgrid(*tensors, indexing="ij")
    return stack([reshape(g, (-1,)) for g in grids], 1)


def combinations(input, r=2, with_replacement=False):
    """All r-element combinations of the 1-d input's elements, as rows (itertools order):
    (n,) -> (C(n, r), r); with_replacement allows an element to repeat."""
    import itertools
    from .index import getitem
    _check_vectors((input,))
    r = _int(r)
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    if r == 0:
        return _make(xp.empty((0,), input._data.dtype))
    pick = itertools.combinations_with_replacement if with_replacement else \
        itertools.combinations
    # the index rows are built once; the values are gathered by one indexing op
    rows = xp.array(list(pick(range(input._data.shape[0]), r)), dtype=xp.int64).reshape(-1, r)
    return getitem(input, _make(rows))


# ---------------------------------------------------------------------------------------------
# writing into a view of a copy: select_scatter, slice_scatter, diagonal_scatter
# ---------------------------------------------------------------------------------------------
class ScatterIntoView(Function):
    """out = a copy of x with the region `region(out)` (a selected index, a slice, a diagonal)
    replaced by src
    grad: dx = g with that region zeroed,  dsrc = g's region"""

    @staticmethod
    def forward(ctx, x, src, region):
        ctx.region = region
        out = x.copy()
        region(out)[...] = src
        return out

    @staticmethod
    def backward(ctx, g):
        need_x, need_src = ctx.needs_input_grad[:2]
        gx = gsrc = None
        if need_x:
            gx = g.copy()
            ctx.region(gx)[...] = 0
        if need_src:
            gsrc = ctx.region(g).copy()
        return gx, gsrc, None


def _scatter_into(input, src, region, node):
    target = region(input._data).shape
    if src._data.shape != target:
        raise RuntimeError(f"expected src to have a size equal to the slice of self. src size "
                           f"= {list(src._data.shape)}, slice size = {list(target)}")
    if src._data.dtype != input._data.dtype:
        src = src.to(input.dtype)
    return node_name(ScatterIntoView.apply(input, src, region), node)


def select_scatter(input, src, dim, index):
    """A copy of input with input.select(dim, index) replaced by src (of that slice's shape)."""
    dim, index = _check_select(input, dim, index)
    where = _index(dim, index) + (Ellipsis,)   # the Ellipsis keeps even a 0-d pick a view
    return _scatter_into(input, src, lambda a: a[where], "SelectScatterBackward0")


def slice_scatter(input, src, dim=0, start=None, end=None, step=1):
    """A copy of input with input[start:end:step] along `dim` replaced by src."""
    if input._data.ndim == 0:
        raise RuntimeError("slice() cannot be applied to a 0-dim tensor.")
    dim = wrap_dim(dim, input._data.ndim)
    if _int(step) <= 0:
        raise RuntimeError("slice step must be positive")
    where = _index(dim, slice(start, end, step))
    return _scatter_into(input, src, lambda a: a[where], "SliceScatterBackward0")


def diagonal_scatter(input, src, offset=0, dim1=0, dim2=1):
    """A copy of input with its diagonal (offset, dim1, dim2) replaced by src."""
    ndim = input._data.ndim
    d1, d2 = wrap_dim(dim1, ndim), wrap_dim(dim2, ndim)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    offset = _int(offset)
    return _scatter_into(input, src, lambda a: _writable_diagonal(a, offset, d1, d2),
                         "DiagonalScatterBackward0")


class FillDiagonal(Function):
    """out = x with its main diagonal (all dims equal) set to `value`; for a tall matrix with
    wrap=True the diagonal restarts after every N + 1 rows (numpy.fill_diagonal's rule)
    grad: dx = g with the diagonal zeroed"""

    @staticmethod
    def forward(ctx, x, value, wrap):
        ctx.wrap = wrap
        out = x.copy()
        xp.fill_diagonal(out, value, wrap=wrap)
        return out

    @staticmethod
    def backward(ctx, g):
        gx = g.copy()
        xp.fill_diagonal(gx, 0, wrap=ctx.wrap)
        return gx, None, None


def fill_diagonal(input, fill_value, wrap=False):
    """A copy of input with the main diagonal set to fill_value (the out-of-place form of
    Tensor.fill_diagonal_, which is what PyTorch exposes)."""
    shape = input._data.shape
    if len(shape) < 2:
        raise RuntimeError("dimensions must larger than 1")
    if len(shape) > 2 and len(set(shape)) != 1:
        raise RuntimeError("all dimensions of input must be of equal length")
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    return FillDiagonal.apply(input, fill_value, bool(wrap))
