"""Indexing, gathering and scattering: x[i], x[i] = v, gather/scatter, index_*, masked_*, take.

`x[index]` runs in PyTorch's two steps. First the *basic* part (ints, slices, None, ...) is
applied as a NumPy view that shares memory with x. Then the *advanced* part (index arrays and
boolean masks, which stood in for full slices in step one) gathers a copy from that view.
Doing ints in step one is what makes `x[0, :, [1, 2]]` come out with PyTorch's shape (3, 2)
rather than NumPy's (2, 3). Every backward scatters the gradient back into zeros, adding up
repeated indices (`_backend.scatter_add`).

Backwards that receive Tensors (create_graph=True) call the ops of this file on them, so
gather <-> scatter_add, x[i] <-> its scatter, index_select <-> index_add stay differentiable.
"""
import operator

from .. import _backend
from .._backend import xp, ndarray, scalar_name
from .._tensor import Tensor, _make
from ..autograd import grad_mode
from ..autograd.function import Function, Output
from ._util import sum_to_shape, wrap_dim, node_name, check_fits, check_tensor
from . import _either as either
from .convert import clone
from .inplace import check_inplace_allowed, new_history


def _pytorch_nodes(items, lone, shape, consumed):
    """(x[index]'s node, x[index] = v's node) as PyTorch names them. PyTorch applies the
    index item by item: ints select, slices slice (a whole-dim `:` inside a tuple is
    skipped), None unsqueezes; then any bool, mask or index array (advanced indexing) gathers
    or, for a write, index_put_s. An index that changes nothing is an alias. A write into a
    view of x shows as CopySlices on x."""
    node, viewed, gathers = "AliasBackward0", False, False
    d = 0   # the dim of x the next item indexes
    for it in items:
        kind = type(it)
        if kind is int or kind is ndarray and it.ndim == 0:
            node, viewed = "SelectBackward0", True   # a 0-d integer tensor selects too
            d += 1
        elif kind is slice:
            if it.indices(shape[d]) != (0, shape[d], 1):
                node, viewed = "SliceBackward0", True
            elif lone:
                node = "SliceBackward0"
            d += 1
        elif it is None:
            node, viewed = "UnsqueezeBackward0", True
        elif kind is bool:
            viewed = gathers = True   # unsqueeze, then index the new dim
        elif it is Ellipsis:
            d += len(shape) - consumed
            consumed = len(shape)     # later ellipses expand to nothing
        else:
            gathers = True
            d += it.ndim if it.dtype == xp.bool_ else 1
    if gathers:
        node = "IndexBackward0"
    put = _COPY_SLICES if viewed else "IndexPutBackward0" if gathers else None
    return node, put


# ---------------------------------------------------------------------------------------------
# Parsing a Python index into a two-step plan
# ---------------------------------------------------------------------------------------------
class IndexPlan:
    """A parsed index. `basic` (ints, slices, None; ends with ...) gives a NumPy view; then
    `advanced` (a tuple of index arrays / masks and full slices, or None) gathers from it.
    `repeats` is False when the advanced part cannot name one position twice (masks only).
    `source` keeps the parsed index for `node` and `put`, PyTorch's node names (worked out
    only when asked for, off the hot path)."""

    __slots__ = ("basic", "advanced", "repeats", "source")

    def __init__(self, basic, advanced, repeats, source=None):
        self.basic, self.advanced, self.repeats = basic, advanced, repeats
        self.source = source

    @property
    def node(self):
        """The last node PyTorch's x[index] records (x[0]: SelectBackward0, x[1:]:
        SliceBackward0, x[idx]: IndexBackward0 ...)."""
        return _pytorch_nodes(*self.source)[0] if self.source else "IndexBackward0"

    @property
    def put(self):
        """The node of x[index] = v: CopySlices (a write into a view of x), IndexPutBackward0,
        or None for a plain copy_ / fill_ of all of x (setitem names it by the value)."""
        return _pytorch_nodes(*self.source)[1] if self.source else "IndexPutBackward0"

    def read(self, x):
        view = x[self.basic]
        return view if self.advanced is None else view[self.advanced]

    def write(self, x, value):
        """x[index] = value, in x's memory."""
        if self.advanced is None:
            x[self.basic] = value
        else:
            x[self.basic][self.advanced] = value

    def add(self, x, value):
        """x[index] += value, in x's memory; repeated positions add up."""
        view = x[self.basic]
        if self.advanced is None:
            view += value
        elif self.repeats:
            _backend.scatter_add(view, self.advanced, value)
        else:
            view[self.advanced] += value


_INVALID = ("only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are "
            "valid indices (got {})")


def _index_item(item):
    """One entry of an index as: int, slice, None, Ellipsis, bool, or an int64/bool array."""
    if isinstance(item, (bool, xp.bool_)):
        return bool(item)
    if isinstance(item, int) or isinstance(item, xp.integer):
        return int(item)
    if item is None or item is Ellipsis:
        return item
    if isinstance(item, slice):
        if item.step is not None:
            step = operator.index(item.step)
            if step == 0:
                raise ValueError("slice step cannot be zero")
            if step < 0:
                raise ValueError("step must be greater than zero")
        return item
    if isinstance(item, Tensor):
        array = item._data
    elif isinstance(item, ndarray):
        array = item
    elif isinstance(item, (list, tuple, range)):
        array = xp.asarray([either.raw(a) for a in item])
        if array.size == 0:
            array = array.astype(xp.int64)
    elif isinstance(item, (str, bytes)):    # PyTorch tries to build an index tensor of it
        raise TypeError(f"new(): invalid data type '{type(item).__name__}'")
    else:
        raise IndexError(_INVALID.format(type(item).__name__))
    kind = array.dtype
    if kind == xp.bool_ or kind == xp.uint8:   # uint8: PyTorch's legacy byte masks
        array = array.astype(bool, copy=False)
        return bool(array) if array.ndim == 0 else array
    if kind == xp.int64 or kind == xp.int32:
        return array
    raise IndexError("tensors used as indices must be long, int, byte or bool tensors")


def _list_is_tuple(index):
    """PyTorch (deprecated, still so in 2.x) reads a list holding sequences, tensors, slices,
    None or ... as a tuple of indices: x[[[0, 1], [1, 0]]] means x[[0, 1], [1, 0]]."""
    return any(isinstance(i, (list, tuple, Tensor, ndarray, slice)) or i is None or i is Ellipsis
               for i in index)


def parse_index(shape, index):
    """Turn `index` (anything Python's x[...] accepts) into an IndexPlan for shape `shape`,
    raising PyTorch's errors for bad or out-of-range indices."""
    lone = False   # a lone slice (x[:]) is always sliced: see _pytorch_nodes
    if type(index) is not tuple:
        if isinstance(index, list) and _list_is_tuple(index):
            index = tuple(index)
        else:
            index = (index,)
            lone = True
    items = [_index_item(i) for i in index]
    ndim = len(shape)
    consumed = 0
    for it in items:
        if type(it) is int or type(it) is slice:
            consumed += 1
        elif type(it) is ndarray:
            consumed += it.ndim if it.dtype == xp.bool_ else 1
    if consumed > ndim:
        if ndim == 0:
            raise IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
                             "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number")
        raise IndexError(f"too many indices for tensor of dimension {ndim}")

    basic = []      # step one: applied to x
    second = []     # step two: one entry per dim of step one's view
    advanced = repeats = False
    d = 0           # the dim of x that the next item indexes
    ellipsis_done = False
    for it in items:
        kind = type(it)
        if kind is int:
            size = shape[d]
            if not -size <= it < size:
                raise IndexError(f"index {it} is out of bounds for dimension {d} with size {size}")
            basic.append(it)
            d += 1
        elif kind is slice:
            basic.append(it)
            second.append(slice(None))
            d += 1
        elif it is None:
            basic.append(None)
            second.append(slice(None))
        elif kind is bool:
            # PyTorch: a new dim of size 1, indexed by [0] (True) or by [] (False)
            basic.append(None)
            second.append(xp.zeros(1 if it else 0, dtype=xp.int64))
            advanced = True
        elif it is Ellipsis:
            n = 0 if ellipsis_done else ndim - consumed   # later ellipses expand to nothing
            ellipsis_done = True
            basic.extend([slice(None)] * n)
            second.extend([slice(None)] * n)
            d += n
        elif it.dtype == xp.bool_:
            k = it.ndim
            if it.shape != shape[d:d + k]:
                for i, (m, s) in enumerate(zip(it.shape, shape[d:d + k])):
                    if m != s:
                        raise IndexError(f"The shape of the mask {list(it.shape)} at index {i} "
                                         f"does not match the shape of the indexed tensor "
                                         f"{list(shape)} at index {d + i}")
            basic.extend([slice(None)] * k)
            second.append(it)
            advanced = True
            d += k
        else:
            size = shape[d]
            if it.size and (it.min() < -size or it.max() >= size):
                bad = it[(it < -size) | (it >= size)].flat[0]
                raise IndexError(f"index {bad} is out of bounds for dimension {d} with size "
                                 f"{size}")
            basic.append(slice(None))
            second.append(it)
            advanced = repeats = True
            d += 1
    basic.append(Ellipsis)   # keeps an all-int index a 0-d view instead of a NumPy scalar
    return IndexPlan(tuple(basic), tuple(second) if advanced else None, repeats,
                     (items, lone, shape, consumed))


_COPY_SLICES = "torch::autograd::CopySlices"


# ---------------------------------------------------------------------------------------------
# x[index] and x[index] = value
# ---------------------------------------------------------------------------------------------
class Index(Function):
    """out = x[index]   (basic part: a view of x; index arrays and masks: a gathered copy)
    grad: dx = zeros like x with g added at the indexed positions (repeated indices add up)"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x, plan):
        ctx.plan, ctx.shape, ctx.dtype = plan, x.shape, x.dtype
        return plan.read(x)

    def name(self):
        return self._node_name or self.plan.node   # PyTorch's, by the kind of index

    @staticmethod
    def backward(ctx, g):
        if isinstance(g, Tensor):
            return IndexScatter.apply(g, ctx.plan, ctx.shape)
        dx = xp.zeros(ctx.shape, ctx.dtype)
        ctx.plan.add(dx, g)
        return dx


def getitem(self, index):
    """self[index]: ints, slices (positive steps), None, ..., bool masks, integer tensors /
    lists / arrays (advanced indexing, placed as in PyTorch) and tuples of these.

    Without index arrays or masks the result is a view: it shares memory and the version
    counter with self. With them it is a copy."""
    plan = parse_index(self._data.shape, index)
    out = Index.apply(self, plan)
    if plan.advanced is None:
        out._vc = self._version_counter()
        out._seen_history = out._vc.history
        out._base = self if self._base is None else self._base
        # remember how to re-derive this view from its base, so that a later write into the
        # view (x[0][1] = v) can give the *base* its new autograd history (see setitem)
        recipe = _view_recipe(self)
        if self._base is None or recipe is not None:
            root, chain = recipe if recipe is not None else (self, ())
            out._extra = {"view_of": (root, chain + (plan,))}
    return out


class IndexScatter(Function):
    """out = zeros(shape) with g added at the positions `index` names (Index's backward)
    grad: dg = gg[index]"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, g, plan, shape):
        ctx.plan = plan
        out = xp.zeros(shape, g.dtype)
        plan.add(out, g)
        return out

    @staticmethod
    def backward(ctx, gg):
        if isinstance(gg, Tensor):
            return Index.apply(gg, ctx.plan)
        return ctx.plan.read(gg)


def _view_recipe(t):
    """(base, plans) if `t` is a view made by indexing, else None."""
    return t._extra.get("view_of") if t._extra is not None else None


class ChainPlan:
    """Several plans applied one after another (a view of a view of ... the base), with
    IndexPlan's read / write / add. All but the last plan are basic, so they give views."""

    __slots__ = ("plans", "advanced")
    node = "AsStridedBackward0"   # PyTorch's name for a view re-derived from its base

    def __init__(self, plans):
        self.plans, self.advanced = plans, plans[-1].advanced

    def _region(self, x):
        for plan in self.plans[:-1]:
            x = plan.read(x)
        return x

    def read(self, x):
        return self.plans[-1].read(self._region(x))

    def write(self, x, value):
        self.plans[-1].write(self._region(x), value)

    def add(self, x, value):
        self.plans[-1].add(self._region(x), value)


class IndexPut(Function):
    """out = x with out[index] = value, written into x's own memory (x[index] = value)
    grad: dx = g with the written positions zeroed,  dvalue = g[index] summed to value's shape"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x, value, plan):
        ctx.plan, ctx.shape = plan, x.shape
        ctx.value_shape = getattr(value, "shape", ())
        ctx.value_dtype = getattr(value, "dtype", None)
        _write(x, plan, value)
        return x

    @staticmethod
    def backward(ctx, g):
        need_x, need_value = ctx.needs_input_grad[:2]
        dx = dvalue = None
        if need_x:
            dx = _zero_at(g, ctx.plan, ctx.shape)
        if need_value:
            picked = Index.apply(g, ctx.plan) if isinstance(g, Tensor) else ctx.plan.read(g)
            dvalue = _cast_grad(_reduce_to(picked, ctx.value_shape), ctx.value_dtype)
        return dx, dvalue


_WHOLE = IndexPlan((Ellipsis,), None, False)   # x[...]: the whole of x


def _masked_fill_case(index, value):
    """x[bool_mask] = 0-d tensor: PyTorch runs masked_fill_ here, which casts the value
    (every other advanced assignment is index_put_, which demands equal dtypes)."""
    return (isinstance(index, Tensor) and index._data.dtype == xp.bool_
            and value._data.ndim == 0)


def _type_name(t):
    from .._tensor import _LEGACY_NAMES
    return "torch." + _LEGACY_NAMES[t._data.dtype]


def setitem(self, index, value):
    """self[index] = value, in place: views of self see the write and id(self) is kept.
    `value` is a number or a tensor (broadcast to the indexed shape, cast to self's dtype).
    Records autograd history when self or value requires grad."""
    check_inplace_allowed(self)
    plan = parse_index(self._data.shape, index)
    # as in PyTorch, a list or NumPy array is not accepted here: wrap it in a tensor first
    if not isinstance(value, (Tensor, int, float, complex, bool, xp.generic)):
        raise TypeError(f"can't assign a {type(value).__name__} to a {_type_name(self)}")
    if not isinstance(value, Tensor):
        value = check_fits(value, self._data.dtype)
    if plan.advanced is not None and isinstance(value, Tensor) and \
            value._data.dtype != self._data.dtype and not _masked_fill_case(index, value):
        raise RuntimeError(f"Index put requires the source and destination dtypes match, got "
                           f"{_dtype_name(self._data)} for the destination and "
                           f"{_dtype_name(value._data)} for the source.")
    value_grad = isinstance(value, Tensor) and value._requires_grad
    recipe = _view_recipe(self)
    root = recipe[0] if recipe is not None and recipe[0]._vc is self._vc else None
    if root is not None and grad_mode.enabled and root._requires_grad and root.grad_fn is None:
        raise RuntimeError("a view of a leaf Variable that requires grad is being used in an "
                           "in-place operation.")
    needs_graph = self._requires_grad or value_grad or (root is not None and
                                                        root._requires_grad)
    if grad_mode.enabled and needs_graph and self._data.dtype.kind in "fc":
        if root is None:
            out = IndexPut.apply(self, value, plan)
            self.grad_fn, self._output_nr, self._requires_grad = out.grad_fn, 0, True
            out.grad_fn._node_name = plan.put or (
                "torch::autograd::CopyBackwards" if getattr(value, "ndim", 0) else "FillBackward3")
        else:
            # a write into a view changes its base: as PyTorch's CopySlices, record the write
            # on the base, then make the view a fresh view of the updated base
            chain = ChainPlan(recipe[1] + (plan,))
            out = IndexPut.apply(root, value, chain)
            out.grad_fn._node_name = _COPY_SLICES
            root.grad_fn, root._output_nr, root._requires_grad = out.grad_fn, 0, True
            view = Index.apply(root, ChainPlan(recipe[1] + (_WHOLE,)))
            self.grad_fn, self._output_nr, self._requires_grad = view.grad_fn, 0, True
        new_history(self)
    else:
        _write(self._data, plan, either.raw(value))
    self._bump_version()


def _write(x, plan, value):
    """plan.write with PyTorch's errors when `value` does not broadcast to the target."""
    try:
        plan.write(x, value)
    except ValueError:
        target = list(plan.read(x).shape)
        vshape = list(getattr(value, "shape", ()))
        if plan.advanced is not None:
            raise RuntimeError(f"shape mismatch: value tensor of shape {vshape} cannot be "
                               f"broadcast to indexing result of shape {target}") from None
        raise RuntimeError(f"The expanded size of the tensor ({target[-1] if target else 1}) "
                           f"must match the existing size ({vshape[-1]}) at non-singleton "
                           f"dimension {len(target) - 1}.  Target sizes: {target}.  Tensor "
                           f"sizes: {vshape}") from None


def _zero_at(g, plan, shape):
    """g with the positions `plan` names set to 0 (works on arrays and Tensors)."""
    if isinstance(g, Tensor):
        keep = xp.ones(shape, dtype=bool)
        plan.write(keep, False)
        return g * keep
    out = g.copy()
    plan.write(out, 0)
    return out


def _reduce_to(g, shape):
    """Sum `g` to `shape`, where `shape` may also have extra leading 1-dims (a value of shape
    (1, 3) assigned into a (3,) slot)."""
    if len(shape) > g.ndim:
        g = g.reshape((1,) * (len(shape) - g.ndim) + tuple(g.shape))
    return sum_to_shape(g, tuple(shape))


def _cast_grad(g, np_dtype):
    if np_dtype is None or g.dtype == np_dtype:
        return g
    if isinstance(g, Tensor):
        return g.to(_backend.from_numpy_dtype(np_dtype))
    return g.astype(np_dtype)


# ---------------------------------------------------------------------------------------------
# Argument checks shared by the dim-wise ops
# ---------------------------------------------------------------------------------------------
def _int_index(index, op, allow_int32=True, empty_any_dtype=False):
    """The NumPy array of an index tensor, with `op`'s dtype error for non-integer ones
    (gather and the scatters, as PyTorch, take an empty index of any dtype)."""
    if not isinstance(index, ndarray):
        check_tensor(op, index, "index", position=None)
    array = either.raw(index)
    if empty_any_dtype and array.size == 0:
        return array.astype(xp.int64)
    if array.dtype == xp.int64 or (allow_int32 and array.dtype == xp.int32):
        return array
    if allow_int32:
        raise RuntimeError(f"{op}(): Expected dtype int32/int64 for index")
    raise RuntimeError(f"{op}(): Expected a long tensor for index, but got "
                       f"{scalar_name(array.dtype)}")


def _dtype_name(array):
    return scalar_name(array.dtype)


def _check_bounds(index, size, dim, error=RuntimeError, prefix="", wrap=False):
    """Raise `error` naming the first index outside [0, size) (or [-size, size) with wrap)."""
    if index.size == 0:
        return
    low = -size if wrap else 0
    if index.min() < low or index.max() >= size:
        bad = index[(index < low) | (index >= size)].flat[0]
        raise error(f"{prefix}index {bad} is out of bounds for dimension {dim} with size {size}")


def _along(index, dim):
    """The fancy-index tuple that pairs each position (i0, .., ik, ..) of `index` with the
    position (i0, .., index[i], ..) of the indexed array: aranges on the other dims."""
    grid = list(xp.indices(index.shape, sparse=True))
    grid[dim] = index
    return tuple(grid)


def _front(array, shape):
    """The leading block array[:shape[0], :shape[1], ...] (a view)."""
    return array[tuple(slice(0, s) for s in shape)]


def _at_least_1d(array):
    return array.reshape(1) if array.ndim == 0 else array


def _check_gather_args(input, index, dim, src=None):
    """Validate gather/scatter arguments as PyTorch does; returns the wrapped dim."""
    ndim = max(input.ndim, 1)
    dim = wrap_dim(dim, input.ndim)
    if max(index.ndim, 1) != ndim and index.size:
        raise RuntimeError("Index tensor must have the same number of dimensions as input "
                           "tensor")
    if src is not None and max(src.ndim, 1) != ndim and index.size:
        raise RuntimeError("Index tensor must have the same number of dimensions as src "
                           "tensor")
    if not index.size:
        return dim
    x_shape, i_shape = _at_least_1d(input).shape, _at_least_1d(index).shape
    src_shape = None if src is None else _at_least_1d(src).shape
    for d in range(ndim):
        too_big_for_self = d != dim and i_shape[d] > x_shape[d]
        too_big_for_src = src is not None and i_shape[d] > src_shape[d]
        if too_big_for_self or too_big_for_src:
            if src is None:
                raise RuntimeError(f"Size does not match at dimension {d} expected index "
                                   f"{list(index.shape)} to be no larger than self "
                                   f"{list(input.shape)} apart from dimension {dim}")
            raise RuntimeError(f"Expected index {list(index.shape)} to be no larger than self "
                               f"{list(input.shape)} apart from dimension {dim} and to be no "
                               f"larger size than src {list(src.shape)}")
    _check_bounds(index, x_shape[dim], dim)
    return dim


# ---------------------------------------------------------------------------------------------
# gather / scatter family
# ---------------------------------------------------------------------------------------------
class Gather(Function):
    """out[i][j][k] = x[i][index[i][j][k]][k]   (for dim=1)
    grad: dx = zeros like x, with g added at x[i][index[i][j][k]][k] (scatter_add)"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x, index, dim):
        ctx.shape, ctx.dtype, ctx.index, ctx.dim = x.shape, x.dtype, index, dim
        if index.size == 0:
            return xp.zeros(index.shape, x.dtype)
        x1, index1 = _at_least_1d(x), _at_least_1d(index)
        return x1[_along(index1, dim)].reshape(index.shape)

    @staticmethod
    def backward(ctx, g):
        if isinstance(g, Tensor):
            return scatter_add(_make(xp.zeros(ctx.shape, ctx.dtype)), ctx.dim,
                               _make(ctx.index), g)
        dx = xp.zeros(ctx.shape, ctx.dtype)
        if ctx.index.size:
            _backend.scatter_add(_at_least_1d(dx), _along(_at_least_1d(ctx.index), ctx.dim),
                                 _at_least_1d(g))
        return dx


def gather(input, dim, index, *, sparse_grad=False):
    """out[i][j][k] = input[i][index[i][j][k]][k] for dim=1 (likewise for other dims).

    Shapes: index has input's number of dims and is no larger than input except along dim;
    out has index's shape."""
    array = _int_index(index, "gather", empty_any_dtype=True)
    dim = _check_gather_args(input._data, array, dim)
    return Gather.apply(input, array, dim)


def _scatter_src(op, input, src):
    if src._data.dtype != input._data.dtype:
        raise RuntimeError(f"{op}(): Expected self.dtype to be equal to src.dtype")
    return src


class Scatter(Function):
    """out = x, then out[i][index[i][j]] = src[i][j]  (for dim=1; src may be a number)
    grad: dx = g zeroed at the written positions,  dsrc = g gathered at index"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x, index, src, dim):
        x1, index1 = _at_least_1d(x), _at_least_1d(index)
        ctx.where = _along(index1, dim)
        ctx.shape, ctx.index, ctx.dim = x.shape, index, dim
        ctx.src_shape = getattr(src, "shape", None)
        out = x1.copy()
        out[ctx.where] = _front(_at_least_1d(src), index1.shape) if ctx.src_shape is not None \
            else src
        return out.reshape(x.shape)

    @staticmethod
    def backward(ctx, g):
        need_x, _, need_src = ctx.needs_input_grad[:3]
        dx = dsrc = None
        if need_x:
            keep = xp.ones(ctx.shape or (1,), dtype=bool)
            keep[ctx.where] = False
            dx = g * keep.reshape(ctx.shape)
        if need_src:
            dsrc = _gather_grad(g, ctx.index, ctx.dim, ctx.src_shape)
        return dx, None, dsrc


def scatter(input, dim, index, src=None, value=None, *, reduce=None):
    """out = input with out[i][index[i][j]] = src[i][j] for dim=1 (src a tensor or a number).

    reduce='add' / 'multiply' combine instead of overwrite (as scatter_reduce sum / prod)."""
    if src is None:
        src = value
    array = _int_index(index, "scatter", empty_any_dtype=True)
    if reduce is not None:
        if reduce not in ("add", "multiply"):
            raise RuntimeError(f"reduce argument must be either add or multiply, got {reduce}")
        if not isinstance(src, Tensor):
            src = _make(xp.full(array.shape, src, dtype=input._data.dtype))
        return scatter_reduce(input, dim, index, src, "sum" if reduce == "add" else "prod")
    if isinstance(src, Tensor):
        _scatter_src("scatter", input, src)
        dim = _check_gather_args(input._data, array, dim, src._data)
    elif isinstance(src, (int, float, bool)):
        dim = _check_gather_args(input._data, array, dim)
    else:
        raise TypeError(f"scatter(): argument 'src' must be Tensor or Number, not "
                        f"{type(src).__name__}")
    if array.size == 0:
        return clone(input)
    out = Scatter.apply(input, array, src, dim)
    return out if isinstance(src, Tensor) else node_name(out, "ScatterBackward1")


def _gather_grad(g, index, dim, src_shape):
    """gather(g, dim, index) padded with zeros to src's shape (src may exceed index)."""
    if isinstance(g, Tensor):
        picked = gather(g, dim, _make(index))
        if tuple(picked.shape) == tuple(src_shape):
            return picked
        return IndexScatter.apply(picked, IndexPlan(
            tuple(slice(0, s) for s in index.shape) + (Ellipsis,), None, False), src_shape)
    picked = _at_least_1d(g)[_along(_at_least_1d(index), dim)]
    if picked.shape == tuple(src_shape) or len(src_shape) == 0:
        return picked.reshape(src_shape)
    out = xp.zeros(src_shape, g.dtype)
    _front(out, index.shape)[...] = picked
    return out


class ScatterAdd(Function):
    """out = x, then out[i][index[i][j]] += src[i][j]   (for dim=1; repeats add up)
    grad: dx = g,  dsrc = g gathered at index"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x, index, src, dim):
        ctx.index, ctx.dim, ctx.src_shape = index, dim, src.shape
        index1 = _at_least_1d(index)
        out = _at_least_1d(x).copy()
        _backend.scatter_add(out, _along(index1, dim), _front(_at_least_1d(src), index1.shape))
        return out.reshape(x.shape)

    @staticmethod
    def backward(ctx, g):
        need_src = ctx.needs_input_grad[2]
        dsrc = _gather_grad(g, ctx.index, ctx.dim, ctx.src_shape) if need_src else None
        return g, None, dsrc


def scatter_add(input, dim, index, src):
    """out = input with out[i][index[i][j]] += src[i][j] for dim=1; repeated indices add up."""
    array = _int_index(index, "scatter", empty_any_dtype=True)
    _scatter_src("scatter", input, src)
    dim = _check_gather_args(input._data, array, dim, src._data)
    if array.size == 0:
        return clone(input)
    return ScatterAdd.apply(input, array, src, dim)


_REDUCTIONS = ("sum", "prod", "mean", "amax", "amin")


def _identity(reduce, dtype):
    """The value a position starts from when include_self=False."""
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    if dtype.kind == "f":
        return -xp.inf if reduce == "amax" else xp.inf
    info = xp.iinfo(dtype)
    return info.min if reduce == "amax" else info.max


class ScatterReduce(Function):
    """out = x, then out[i][index[i][j]] = reduce(out[...], src[i][j]) over all j  (dim=1)
    grad: sum/mean: g (/count) routed back; prod: g * product of the other factors;
          amax/amin: g shared evenly between the elements equal to the result"""

    @staticmethod
    def forward(ctx, x, index, src, dim, reduce, include_self):
        index1 = _at_least_1d(index)
        where = _along(index1, dim)
        x1 = _at_least_1d(x)
        s = _front(_at_least_1d(src), index1.shape)
        out = x1.copy()
        if not include_self:
            out[where] = _identity(reduce, x.dtype)
        if reduce in ("sum", "mean"):
            _backend.scatter_add(out, where, s)
        elif reduce == "prod":
            _backend.scatter_mul(out, where, s)
        elif reduce == "amax":
            _backend.scatter_max(out, where, s)
        else:
            _backend.scatter_min(out, where, s)
        count = None
        if reduce == "mean":
            count = xp.full(x1.shape, 1 if include_self else 0, dtype=x.dtype)
            _backend.scatter_add(count, where, 1)
            count = xp.maximum(count, 1)
            out = out / count if out.dtype.kind in "fc" else out // count
        ctx.save_for_backward(x1, s, Output(out))
        ctx.where, ctx.reduce, ctx.include_self, ctx.count = where, reduce, include_self, count
        ctx.shape, ctx.src_shape, ctx.index_shape = x.shape, src.shape, index1.shape
        return out.reshape(x.shape)

    @staticmethod
    def backward(ctx, g):
        x, s, out = ctx.saved_tensors
        where, reduce = ctx.where, ctx.reduce
        g = _at_least_1d(g)
        # self_in: positions where x itself took part in the reduction
        self_in = xp.ones(x.shape, dtype=bool)
        if not ctx.include_self:
            self_in[where] = False
        if reduce == "sum":
            dx, dsrc = g * self_in, g[where]
        elif reduce == "mean":
            dx, dsrc = g * self_in / ctx.count, (g / ctx.count)[where]
        elif reduce == "prod":
            dx, dsrc = _prod_grads(g, x, s, where, self_in)
        else:
            # PyTorch counts x among the tied elements even when include_self=False (and then
            # drops x's share); we match it so gradients agree
            hit_self = x == out
            hit_src = s == out[where]
            n = hit_self.astype(g.dtype)
            _backend.scatter_add(n, where, hit_src.astype(g.dtype))
            share = g / xp.maximum(n, 1)
            dx, dsrc = share * (hit_self & self_in), share[where] * hit_src
        dx = dx.reshape(ctx.shape)
        if dsrc.shape != tuple(ctx.src_shape):
            full = xp.zeros(ctx.src_shape or (1,), g.dtype)
            _front(full, ctx.index_shape)[...] = dsrc
            dsrc = full
        return dx, None, dsrc.reshape(ctx.src_shape)


def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):
    """out = input, then each src[i][j] is combined into out[i][index[i][j]] (dim=1) by
    reduce: 'sum', 'prod', 'mean', 'amax' or 'amin'. include_self=False leaves input's own
    value out of the positions that receive src."""
    if reduce not in _REDUCTIONS:
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got "
                           f"{reduce}")
    array = _int_index(index, "scatter", empty_any_dtype=True)
    _scatter_src("scatter", input, src)
    dim = _check_gather_args(input._data, array, dim, src._data)
    if array.size == 0:
        return clone(input)
    return ScatterReduce.apply(input, array, src, dim, reduce, include_self)


def _prod_grads(g, x, s, where, self_in):
    """Gradients of a scatter product without dividing by zero: each factor's gradient is g
    times the product of the *other* factors at its position, found from the product of the
    nonzero factors and the number of zero factors there."""
    nonzero_prod = xp.where(self_in & (x != 0), x, 1).astype(g.dtype)
    _backend.scatter_mul(nonzero_prod, where, xp.where(s != 0, s, 1))
    zeros = (self_in & (x == 0)).astype(xp.int64)
    _backend.scatter_add(zeros, where, (s == 0).astype(xp.int64))

    def others(factor, prod, n_zero):
        safe = xp.where(factor == 0, 1, factor)
        return xp.where(factor == 0, xp.where(n_zero == 1, prod, 0),
                        xp.where(n_zero == 0, prod / safe, 0))

    dx = g * others(x, nonzero_prod, zeros) * self_in
    dsrc = g[where] * others(s, nonzero_prod[where], zeros[where])
    return dx, dsrc


# ---------------------------------------------------------------------------------------------
# index_select / index_add / index_fill / index_copy  (a 1-d index along one dim)
# ---------------------------------------------------------------------------------------------
def _vector_index(index, op):
    array = _int_index(index, op)
    if array.ndim > 1:
        raise IndexError(f"{op}(): Index is supposed to be a vector")
    return _at_least_1d(array)


def _on_dim(index, dim):
    """The index tuple that applies a 1-d `index` along `dim`: (:, :, index)."""
    return (slice(None),) * dim + (index,)


class IndexSelect(Function):
    """out = x.take(index, axis=dim)   (whole slices of x along dim, in index's order)
    grad: dx = zeros like x with g's slices added at index (index_add)"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x, index, dim):
        ctx.shape, ctx.dtype, ctx.index, ctx.dim = x.shape, x.dtype, index, dim
        if x.ndim == 0:
            return x.copy()
        return xp.take(x, index, axis=dim)

    @staticmethod
    def backward(ctx, g):
        if len(ctx.shape) == 0:
            return g
        if isinstance(g, Tensor):
            return index_add(_make(xp.zeros(ctx.shape, ctx.dtype)), ctx.dim, _make(ctx.index),
                             g)
        dx = xp.zeros(ctx.shape, ctx.dtype)
        _backend.scatter_add(dx, _on_dim(ctx.index, ctx.dim), g)
        return dx


def index_select(input, dim, index):
    """out = the slices input[..., index[i], ...] along dim, stacked in index's order.
    Shapes: index 1-d (n,) -> out has input's shape with size n at dim."""
    array = _vector_index(index, "index_select")
    dim = wrap_dim(dim, input._data.ndim)
    if input._data.ndim == 0:
        if array.size != 1:
            raise RuntimeError(f"index_select(): Index to scalar can have only 1 value, got "
                             f"{array.size} value(s)")
        _check_bounds(array, 1, 0, IndexError)
    elif array.size and (array.min() < 0 or array.max() >= input._data.shape[dim]):
        if dim == 1:    # PyTorch's dim-1 kernel raises a different error type
            bad = array[(array < 0) | (array >= input._data.shape[dim])].flat[0]
            raise RuntimeError(f"INDICES element is out of DATA bounds, id={bad} axis_dim="
                               f"{input._data.shape[dim]}")
        raise IndexError("index out of range in self")
    return IndexSelect.apply(input, array, dim)


class IndexAdd(Function):
    """out = x, then out[..., index[i], ...] += alpha * source[..., i, ...]   (along dim)
    grad: dx = g,  dsource = alpha * g.take(index, axis=dim)"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x, index, source, dim, alpha):
        ctx.index, ctx.dim, ctx.alpha, ctx.ndim = index, dim, alpha, x.ndim
        out = x.copy()
        if x.ndim == 0:
            out += source.sum() * alpha
            return out
        _backend.scatter_add(out, _on_dim(index, dim), source if alpha == 1 else source * alpha)
        return out

    @staticmethod
    def backward(ctx, g):
        dsource = None
        if ctx.needs_input_grad[2]:
            dsource = _take_dim(g, ctx.index, ctx.dim, ctx.ndim)
            if ctx.alpha != 1:
                dsource = dsource * ctx.alpha
        return g, None, dsource


def index_add(input, dim, index, source, *, alpha=1):
    """out = input with alpha * source[..., i, ...] added into out[..., index[i], ...]
    (along dim; repeated indices add up). Shapes: index (n,), source like input but n at dim."""
    array = _vector_index(index, "index_add_")
    dim = wrap_dim(dim, input._data.ndim)
    _check_source("index_add_", input, source, array, dim)
    size = input._data.shape[dim] if input._data.ndim else 1
    if array.size and (array.min() < 0 or array.max() >= size):
        raise IndexError("index out of range in self")
    return IndexAdd.apply(input, array, source, dim, alpha)


def _take_dim(g, index, dim, ndim):
    """g's slices at `index` along dim (works on arrays and Tensors)."""
    if ndim == 0:
        return g
    if isinstance(g, Tensor):
        return index_select(g, dim, _make(index))
    return xp.take(g, index, axis=dim)


def _check_source(op, input, source, array, dim):
    if source._data.dtype != input._data.dtype:
        if op == "index_add_":
            raise RuntimeError(f"index_add_(): self ({_dtype_name(input._data)}) and source "
                               f"({_dtype_name(source._data)}) must have the same scalar type")
        raise RuntimeError(f"{op}(): self and source expected to have the same dtype, but got "
                           f"(self) {_dtype_name(input._data)} and (source) "
                           f"{_dtype_name(source._data)}")
    n = source._data.shape[dim] if source._data.ndim else 1
    if n != array.size:
        if op == "index_add_":
            raise RuntimeError(f"index_add_(): Number of indices ({array.size}) should be equal "
                               f"to source.size(dim): ({n}), for dim: {dim}")
        raise IndexError(f"{op}(): Number of indices ({array.size}) should be equal to "
                         f"source.size(dim) ({n})")
    if source._data.ndim != input._data.ndim and source._data.ndim and input._data.ndim:
        raise IndexError(f"{op}(): When source and destination are not scalars, their "
                         f"dimensionality must match. Source dimensionality "
                         f"({source._data.ndim}), destination dimensionality "
                         f"({input._data.ndim})")


class IndexFill(Function):
    """out = x with the slices at index (along dim) set to value
    grad: dx = g zeroed on those slices,  dvalue = sum of g over them (each slice once)"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x, index, value, dim):
        ctx.where = _on_dim(index, dim) if x.ndim else ()
        ctx.shape = x.shape
        ctx.value_dtype = getattr(value, "dtype", None)
        out = x.copy()
        out[ctx.where] = value
        return out

    @staticmethod
    def backward(ctx, g):
        need_x, _, need_value = ctx.needs_input_grad[:3]
        keep = xp.ones(ctx.shape, dtype=bool)
        keep[ctx.where] = False
        dx = g * keep if need_x else None
        dvalue = None
        if need_value:
            # a repeated index fills its slice once, so its gradient is counted once
            dvalue = _cast_grad((g * ~keep).sum(), ctx.value_dtype)
        return dx, None, dvalue


def index_fill(input, dim, index, value):
    """out = input with every slice input[..., index[i], ...] (along dim) set to value.
    `value` is a number or a 0-d tensor."""
    value = _value_arg("index_fill_", value)
    if isinstance(value, complex) and input._data.dtype.kind != "c":
        raise RuntimeError("index_fill_(): Converting complex Scalar to non-complex type is not "
                           "supported")
    array = _vector_index(index, "index_fill_")
    dim = wrap_dim(dim, input._data.ndim)
    size = input._data.shape[dim] if input._data.ndim else 1
    _check_bounds(array, size, dim, IndexError, wrap=True)
    if isinstance(value, Tensor):   # PyTorch's overload with a tensor value
        return node_name(IndexFill.apply(input, array, value.to(input.dtype), dim),
                         "IndexFillBackward1")
    return IndexFill.apply(input, array, _fill_value(value, input._data.dtype), dim)


def _value_arg(op, value):
    """A fill value: a number, or a 0-d tensor (which may carry gradient)."""
    if isinstance(value, Tensor):
        if value._data.ndim != 0:
            raise RuntimeError(f"{op} only supports a 0-dimensional value tensor, but got tensor "
                               f"with {value._data.ndim} dimension(s).")
        return value
    if isinstance(value, (int, float, bool, complex, xp.generic)):
        return value
    raise TypeError(f"{op}(): argument 'value' must be Number or Tensor, not "
                    f"{type(value).__name__}")


def _fill_value(value, dtype):
    """A fill value as a 0-d array of `dtype` (floats truncate into ints, as in PyTorch; a
    number the dtype cannot hold is refused, see check_fits)."""
    return xp.asarray(check_fits(either.raw(value), dtype)).astype(dtype)


class IndexCopy(Function):
    """out = x with out[..., index[i], ...] = source[..., i, ...]   (along dim)
    grad: dx = g zeroed on the written slices,  dsource = g.take(index, axis=dim)"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x, index, source, dim):
        ctx.where = _on_dim(index, dim) if x.ndim else ()
        ctx.index, ctx.dim, ctx.shape = index, dim, x.shape
        out = x.copy()
        out[ctx.where] = source if x.ndim else source.reshape(())
        return out

    @staticmethod
    def backward(ctx, g):
        need_x, _, need_source = ctx.needs_input_grad[:3]
        dx = dsource = None
        if need_x:
            keep = xp.ones(ctx.shape, dtype=bool)
            keep[ctx.where] = False
            dx = g * keep
        if need_source:
            dsource = _take_dim(g, ctx.index, ctx.dim, len(ctx.shape))
        return dx, None, dsource


def index_copy(input, dim, index, source):
    """out = input with out[..., index[i], ...] = source[..., i, ...] along dim.
    Shapes: index (n,), source like input but n at dim."""
    array = _vector_index(index, "index_copy_")
    dim = wrap_dim(dim, input._data.ndim)
    _check_source("index_copy_", input, source, array, dim)
    size = input._data.shape[dim] if input._data.ndim else 1
    _check_bounds(array, size, dim, IndexError, prefix="index_copy_(): ")
    return IndexCopy.apply(input, array, source, dim)


# ---------------------------------------------------------------------------------------------
# masked_fill / masked_select / masked_scatter
# ---------------------------------------------------------------------------------------------
def _bool_mask(mask, message):
    array = either.raw(mask)
    if not isinstance(mask, (Tensor, ndarray)) or array.dtype != xp.bool_:
        dtype = getattr(array, "dtype", None)
        raise RuntimeError(message.format(_dtype_name(array) if dtype is not None else
                                          type(mask).__name__))
    return array


def _broadcast_shape(*shapes):
    try:
        return xp.broadcast_shapes(*shapes)
    except ValueError:
        a, b = shapes[0], shapes[1]
        for i in range(1, max(len(a), len(b)) + 1):
            sa = a[-i] if i <= len(a) else 1
            sb = b[-i] if i <= len(b) else 1
            if sa != sb and sa != 1 and sb != 1:
                raise RuntimeError(f"The size of tensor a ({sa}) must match the size of tensor "
                                   f"b ({sb}) at non-singleton dimension "
                                   f"{max(len(a), len(b)) - i}") from None
        raise


class MaskedFill(Function):
    """out = where(mask, value, x)   (mask and x broadcast together)
    grad: dx = g where not mask (summed to x's shape),  dvalue = sum of g where mask"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x, mask, value):
        ctx.mask, ctx.shape = mask, x.shape
        ctx.value_dtype = getattr(value, "dtype", None)
        return xp.where(mask, value, x)

    @staticmethod
    def backward(ctx, g):
        need_x, _, need_value = ctx.needs_input_grad[:3]
        dx = sum_to_shape(g * ~ctx.mask, ctx.shape) if need_x else None
        dvalue = _cast_grad((g * ctx.mask).sum(), ctx.value_dtype) if need_value else None
        return dx, None, dvalue


def masked_fill(input, mask, value):
    """out = input with value wherever the bool `mask` is True (mask broadcasts with input).
    `value` is a number or a 0-d tensor; out keeps input's dtype."""
    mask = _bool_mask(mask, "masked_fill_ only supports boolean masks, but got mask with dtype "
                            "{}")
    value = _value_arg("masked_fill_", value)
    _broadcast_shape(input._data.shape, mask.shape)
    if isinstance(value, Tensor):   # PyTorch's overload with a tensor value
        return node_name(MaskedFill.apply(input, mask, value.to(input.dtype)),
                         "MaskedFillBackward1")
    return MaskedFill.apply(input, mask, _fill_value(value, input._data.dtype))


class MaskedSelect(Function):
    """out = x[mask] as a 1-d tensor   (x and mask broadcast together first)
    grad: dx = zeros with g placed where mask is True, summed back to x's shape"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x, mask):
        shape = xp.broadcast_shapes(x.shape, mask.shape)
        ctx.mask = xp.broadcast_to(mask, shape)
        ctx.shape, ctx.dtype = x.shape, x.dtype
        return xp.broadcast_to(x, shape)[ctx.mask]

    @staticmethod
    def backward(ctx, g):
        plan = IndexPlan((Ellipsis,), (ctx.mask,), False)
        if isinstance(g, Tensor):
            return sum_to_shape(IndexScatter.apply(g, plan, ctx.mask.shape), ctx.shape)
        dx = xp.zeros(ctx.mask.shape, ctx.dtype)
        dx[ctx.mask] = g
        return sum_to_shape(dx, ctx.shape)


def masked_select(input, mask):
    """out = the elements of input where the bool mask is True, as a 1-d tensor
    (input and mask broadcast together)."""
    mask = _bool_mask(mask, "masked_select: expected BoolTensor for mask")
    _broadcast_shape(input._data.shape, mask.shape)
    return MaskedSelect.apply(input, mask)


class MaskedScatter(Function):
    """out = x with the positions where mask is True filled, in order, from source's elements
    grad: dx = g where not mask,  dsource = the first mask.sum() elements taken from g[mask]"""

    @staticmethod
    def forward(ctx, x, mask, source):
        shape = xp.broadcast_shapes(x.shape, mask.shape)
        mask = xp.broadcast_to(mask, shape)
        n = int(mask.sum())
        if source.size < n:
            raise RuntimeError("Number of elements of source < number of ones in mask")
        out = xp.array(xp.broadcast_to(x, shape))
        out[mask] = source.reshape(-1)[:n]
        ctx.mask, ctx.shape, ctx.source_shape, ctx.n = mask, x.shape, source.shape, n
        return out

    @staticmethod
    def backward(ctx, g):
        dx = sum_to_shape(g * ~ctx.mask, ctx.shape)
        dsource = xp.zeros(int(xp.prod(ctx.source_shape)), g.dtype)
        dsource[:ctx.n] = g[ctx.mask]
        return dx, None, dsource.reshape(ctx.source_shape)


def masked_scatter(input, mask, source):
    """out = input with the True positions of mask (in row-major order) taking source's
    elements one after another (mask broadcasts with input)."""
    mask = _bool_mask(mask, "masked_scatter_ only supports boolean masks, but got mask with "
                            "dtype {}")
    if source._data.dtype != input._data.dtype:
        raise RuntimeError(f"masked_scatter: expected self and source to have same dtypes but "
                           f"got{_dtype_name(input._data)} and {_dtype_name(source._data)}")
    _broadcast_shape(input._data.shape, mask.shape)
    return MaskedScatter.apply(input, mask, source)


# ---------------------------------------------------------------------------------------------
# take / take_along_dim / put
# ---------------------------------------------------------------------------------------------
class Take(Function):
    """out = x.flatten()[index]   (out has index's shape)
    grad: dx = zeros with g added at the flat positions index (repeats add up)"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x, index):
        ctx.shape, ctx.dtype, ctx.index = x.shape, x.dtype, index
        return x.reshape(-1)[index]

    @staticmethod
    def backward(ctx, g):
        if isinstance(g, Tensor):
            return put(_make(xp.zeros(ctx.shape, ctx.dtype)), _make(ctx.index), g,
                       accumulate=True)
        dx = xp.zeros(ctx.shape, ctx.dtype)
        _backend.scatter_add(dx.reshape(-1), ctx.index, g)
        return dx


def take(input, index):
    """out = input.flatten()[index]: elements by flat (row-major) position; negative indices
    count from the end. out has index's shape."""
    array = _int_index(index, "take", allow_int32=False)
    _flat_bounds(array, input._data.size)
    return Take.apply(input, array)


def _flat_bounds(array, n):
    if array.size and (array.min() < -n or array.max() >= n):
        bad = array[(array < -n) | (array >= n)].flat[0]
        raise IndexError(f"out of range: tried to access index {bad} on a tensor of {n} "
                         f"elements.")


class TakeAlongDim(Function):
    """out = take_along_axis(x, index, dim)   (x and index broadcast except along dim)
    grad: dx = zeros with g added at the taken positions, summed back to x's shape"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x, index, dim):
        x_shape, i_shape = list(x.shape), list(index.shape)
        x_shape[dim] = i_shape[dim] = 1
        common = list(_broadcast_shape(tuple(x_shape), tuple(i_shape)))
        xb = xp.broadcast_to(x, common[:dim] + [x.shape[dim]] + common[dim + 1:])
        ib = xp.broadcast_to(index, common[:dim] + [index.shape[dim]] + common[dim + 1:])
        ctx.shape, ctx.dtype, ctx.dim = x.shape, x.dtype, dim
        ctx.full_shape, ctx.index = xb.shape, ib
        return xp.take_along_axis(xb, ib, axis=dim)

    @staticmethod
    def backward(ctx, g):
        if isinstance(g, Tensor):
            zeros = _make(xp.zeros(ctx.full_shape, ctx.dtype))
            return sum_to_shape(scatter_add(zeros, ctx.dim, _make(ctx.index % ctx.full_shape[
                ctx.dim]), g), ctx.shape)
        dx = xp.zeros(ctx.full_shape, ctx.dtype)
        _backend.scatter_add(dx, _along(ctx.index, ctx.dim), g)
        return sum_to_shape(dx, ctx.shape)


_GATHER = "GatherBackward0"   # PyTorch's take_along_dim gathers


def take_along_dim(input, indices, dim=None):
    """out = input's elements picked along dim by indices (input and indices broadcast on the
    other dims). With dim=None both are flattened first."""
    array = either.raw(indices)
    if not isinstance(indices, (Tensor, ndarray)) or array.dtype != xp.int64:
        raise RuntimeError(f"torch.take_along_dim(): dtype of indices should be Long but got "
                           f"{_dtype_name(array)}")
    if dim is None:     # take() reads input as flattened already
        return node_name(take(input, _make(array.reshape(-1))), _GATHER)
    if array.ndim != input._data.ndim:
        raise RuntimeError(f"torch.take_along_dim(): input and indices should have the same "
                           f"number of dimensions, but got {input._data.ndim} dimensions for "
                           f"input, and {array.ndim} dimensions for indices")
    dim = wrap_dim(dim, input._data.ndim)
    if input._data.ndim == 0:
        return node_name(Take.apply(input, array), _GATHER)
    return node_name(TakeAlongDim.apply(input, array, dim), _GATHER)


class Put(Function):
    """out = x with out.flatten()[index] = source (or += source when accumulate)
    grad: dx = g (zeroed at index unless accumulate),  dsource = g.flatten()[index]"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x, index, source, accumulate):
        ctx.index, ctx.accumulate, ctx.source_shape = index, accumulate, source.shape
        out = x.copy()
        flat = out.reshape(-1)    # a view: out is a fresh contiguous copy
        if accumulate:
            _backend.scatter_add(flat, index.reshape(-1), source.reshape(-1))
        else:
            flat[index.reshape(-1)] = source.reshape(-1)
        return out

    @staticmethod
    def backward(ctx, g):
        need_x, _, need_source = ctx.needs_input_grad[:3]
        dx = dsource = None
        if need_x:
            if ctx.accumulate:
                dx = g
            else:
                keep = xp.ones(g.shape, dtype=bool)
                keep.reshape(-1)[ctx.index.reshape(-1)] = False
                dx = g * keep
        if need_source:
            if isinstance(g, Tensor):
                dsource = take(g, _make(ctx.index)).reshape(ctx.source_shape)
            else:
                dsource = g.reshape(-1)[ctx.index].reshape(ctx.source_shape)
        return dx, None, dsource


def put(input, index, source, accumulate=False):
    """out = input with out.flatten()[index] = source (accumulate=True adds, summing repeats).
    index and source have the same number of elements; negative indices count from the end."""
    array = _int_index(index, "put_", allow_int32=False)
    if source._data.dtype != input._data.dtype:
        raise RuntimeError(f"put_(): self and source expected to have the same dtype, but got "
                           f"self.dtype = {_dtype_name(input._data)} and source.dtype = "
                           f"{_dtype_name(source._data)}")
    if array.size != source._data.size:
        raise IndexError(f"put_(): Expected source and index to have the same number of "
                         f"elements, but got source.numel() = {source._data.size}, "
                         f"index.numel() = {array.size}")
    _flat_bounds(array, input._data.size)
    return Put.apply(input, array, source, accumulate)


# ---------------------------------------------------------------------------------------------
# nonzero / argwhere
# ---------------------------------------------------------------------------------------------
def nonzero(input, *, as_tuple=False):
    """The positions of nonzero elements: an (n, ndim) int64 tensor, or with as_tuple=True one
    1-d tensor per dim (what `torch.where(condition)` returns)."""
    x = input._data
    if as_tuple:
        return tuple(_make(i.astype(xp.int64, copy=False)) for i in xp.nonzero(_at_least_1d(x)))
    return _make(xp.argwhere(x).astype(xp.int64, copy=False))


def argwhere(input):
    """The (n, ndim) int64 positions of input's nonzero elements (same as nonzero)."""
    return nonzero(input)


# ---------------------------------------------------------------------------------------------
# index_put: x[indices] = values (or +=) as a function of x
# ---------------------------------------------------------------------------------------------
class IndexPutAccumulate(Function):
    """out = x with values added at the positions `indices` name (repeated positions add up)
    grad: dx = g,  dvalues = g[indices] summed back to values' shape"""

    _node_name = "IndexPutBackward0"   # PyTorch's one node for both forms

    @staticmethod
    def forward(ctx, x, values, plan):
        ctx.plan, ctx.value_shape, ctx.value_dtype = plan, values.shape, values.dtype
        out = x.copy()
        try:
            plan.add(out, values)
        except ValueError:
            _write(out.copy(), plan, values)   # raises PyTorch's shape-mismatch message
            raise
        return out

    @staticmethod
    def backward(ctx, g):
        need_x, need_values = ctx.needs_input_grad[:2]
        dvalues = None
        if need_values:
            dvalues = _cast_grad(_reduce_to(ctx.plan.read(g), ctx.value_shape), ctx.value_dtype)
        return (g if need_x else None), dvalues, None


def index_put(input, indices, values, accumulate=False):
    """A copy of input with input[indices] = values (accumulate=True: += , where repeated
    indices add up). `indices` is a tuple of index tensors (integer or bool), one per leading
    dim; values broadcast to the indexed shape and must have input's dtype."""
    if not isinstance(indices, (tuple, list)):
        raise TypeError(f"index_put(): argument 'indices' (position 2) must be tuple of "
                        f"Tensors, not {type(indices).__name__}")
    check_tensor("index_put", values, "values", 3)
    if values._data.dtype != input._data.dtype:
        raise RuntimeError(f"Index put requires the source and destination dtypes match, got "
                           f"{_dtype_name(input._data)} for the destination and "
                           f"{_dtype_name(values._data)} for the source.")
    if len(indices) > input._data.ndim:
        raise IndexError(f"too many indices for tensor of dimension {input._data.ndim} (got "
                         f"{len(indices)})")
    for position, i in enumerate(indices):
        if not isinstance(i, Tensor):   # PyTorch's Python binding takes tensors only
            raise TypeError(f"expected Tensor as element {position} in argument 1, but got "
                            f"{type(i).__name__}")
    plan = parse_index(input._data.shape, tuple(indices))
    if accumulate:
        return IndexPutAccumulate.apply(input, values, plan)
    return IndexPut.apply(clone(input), values, plan)
