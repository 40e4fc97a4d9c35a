"""Function: an op with its forward and backward side by side, and the ctx that links them.

Internal ops (everything in `_ops/`) subclass `Function`; their `forward(ctx, *arrays)` and
`backward(ctx, *grads)` take and return NumPy arrays, which keeps the hot path free of Tensor
objects. The ctx *is* the backward node of the graph (as in PyTorch, where `grad_fn` is the ctx).

Users write custom ops with the public `glasstorch.autograd.Function` (bottom of this file),
which has PyTorch's exact ctx API and passes Tensors in and out.

Saving for backward. `ctx.save_for_backward(*arrays)` keeps what backward reads back from
`ctx.saved_tensors`. What each saved array *is* matters twice: an in-place write to an input or
output that backward needs must raise (the tensor's version is checked), and a differentiable
backward (create_graph=True) must see saved inputs and outputs as graph tensors, not constants.
- an input is recognised by itself: the array forward received as that argument (`x`);
- an output is declared, never inferred: save it wrapped as `Output(out)` (`Output(out, nr)` for
  output `nr` of a multi-output op). When the node is recorded, the marker is replaced by the
  output Tensor's own array and that Tensor's version is watched. Inferring it by identity
  fails whenever the returned value is not the Tensor's array, e.g. the NumPy scalar of a full
  reduction (which gave norm() and std() a wrong second derivative). A non-differentiable
  backward may save a view of the output (its keepdim shape): it is watched all the same;
- anything else (an intermediate such as 1/std) is a constant of the graph: a backward that
  reads one cannot be `differentiable_backward`.

    class Exp(Function):                 # out = e^x;  grad: dx = g * out
        differentiable_backward = True

        @staticmethod
        def forward(ctx, x):
            out = xp.exp(x)
            ctx.save_for_backward(Output(out))
            return out

        @staticmethod
        def backward(ctx, g):
            (out,) = ctx.saved_tensors
            return g * out
"""
import itertools
import re
import weakref

from . import grad_mode, graph
from .._backend import ndarray, xp, check_broadcast

asarray = xp.asarray

_FREED = object()


class Output:
    """Marks a saved array as output `nr` of the node that saves it:
    ctx.save_for_backward(x, Output(out)). See the module docstring."""

    __slots__ = ("array", "nr")

    def __init__(self, array, nr=0):
        self.array, self.nr = array, nr


class Function:
    """Base of every op. Subclasses define `forward(ctx, *args)` and `backward(ctx, *grads)`
    as staticmethods; `apply(*args)` runs forward and, when grad is needed, records ctx as the
    output's `grad_fn`.

    Per-node fields the engine reads: `next` (one edge per forward argument: a leaf Tensor,
    a (node, output_nr) pair, or None), `n_outputs`, `saved` (arrays, or _FREED)."""

    # Set to True on ops whose backward is written with operators and methods that Tensors
    # support too, so it can itself be differentiated (create_graph=True).
    differentiable_backward = False
    saved = ()
    n_outputs = 1
    _hooks = None       # {output_nr: [hook, ...]} from Tensor.register_hook on a non-leaf
    _retained = None    # {output_nr: weakref to the tensor} from Tensor.retain_grad
    _versions_of_saved = None
    _non_differentiable = None
    _is_user = False    # True for user-defined autograd.Function subclasses
    _has_hooks = False  # a tensor hook or retain_grad is registered on one of the outputs
    _plain = True       # one output, built-in: the engine's fast path applies
    # NumPy's broadcast ValueError is explained with PyTorch's message naming the sizes;
    # ops whose inputs don't broadcast elementwise (matmul) raise their own message instead
    elementwise_broadcast = True

    # A node is an instance of a subclass of its op named like PyTorch's node class (Mul
    # records MulBackward0 objects), made here once per op: tools print type(grad_fn).__name__
    # (see graph.py). PyTorch's name is the op's `_node_name`, else its name + `_node_suffix`.
    _node_suffix = "Backward0"
    _default_node_name = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "_op_class" not in cls.__dict__:     # an op, not one of the node classes
            cls._op_class = cls
            cls._node_classes = {}
            cls._default_node_name = cls._node_name or cls.__name__ + cls._node_suffix
            cls._node_class = graph.node_class(cls, cls._default_node_name)

    @classmethod
    def apply(cls, *args, **kwargs):
        ctx = object.__new__(cls._node_class)
        raw = [a._data if isinstance(a, Tensor) else a for a in args]
        try:
            out = cls.forward(ctx, *raw, **kwargs)
        except ValueError as err:   # free when nothing is raised (zero-cost try)
            if cls.elementwise_broadcast:
                _explain_broadcast_error(err, raw)
            raise
        needs_grad = False
        if grad_mode.enabled:
            for a in args:
                if isinstance(a, Tensor):
                    if a._base is not None and a._seen_history != a._vc.history:
                        _refresh_view(a)    # its base changed history in place since
                    if a._requires_grad:
                        needs_grad = True
        if needs_grad:
            return _record(ctx, args, out)
        if type(out) is tuple:
            return tuple(_make(o) for o in out)
        # the no-grad path: wrap the array (inline _make: this is the cheapest way through)
        if type(out) is not ndarray:
            out = asarray(out)
        t = object.__new__(Tensor)
        t._data, t._requires_grad, t.grad_fn, t._output_nr = out, False, None, 0
        t._vc = t._base = t._grad = t._extra = None
        return t

    # ------------------------------------------------------------------ ctx API
    def save_for_backward(self, *arrays):
        self.saved = arrays

    @property
    def saved_tensors(self):
        if not _backward_running:
            # the ctx API is for backward; as a graph node, a built-in op has no saved_tensors
            # attribute in PyTorch (only custom Functions' nodes do), which tools test with
            # hasattr (torchviz)
            raise AttributeError(f"'{type(self).__name__}' object has no attribute "
                                 f"'saved_tensors'")
        saved = self.saved
        if saved is _FREED:
            raise _freed_error()
        if self._versions_of_saved is not None:
            self._check_versions()
        if self._as_tensors:
            return self._saved_as_tensors()
        return saved

    _as_tensors = False  # set by the engine while it runs a create_graph backward

    # needs_input_grad: one bool per forward argument (does its gradient flow anywhere?), set
    # when the node is recorded. Backwards skip the work for inputs that don't need it (e.g.
    # the data matrix of a linear layer).

    def mark_non_differentiable(self, *arrays):
        self._non_differentiable = {id(a) for a in arrays}

    def mark_dirty(self, *arrays):
        pass

    def set_materialize_grads(self, value):
        pass

    _node_name = None   # set on ctx in forward when PyTorch names this overload differently

    def name(self):
        """The node's name as PyTorch prints it in grad_fn=<...> (e.g. MulBackward0)."""
        return self._node_name or self._default_node_name

    def __repr__(self):
        # PyTorch shows its C++ nodes (torch::autograd::CopySlices) by their class name alone
        return f"<{self.name().rsplit('::', 1)[-1]} object at {hex(id(self))}>"

    @property
    def next_functions(self):
        """((node, output_nr), ...) for each forward input, with AccumulateGrad for leaves
        (and, for a fused op, the nodes PyTorch records inside it: see graph.py)."""
        return graph.next_functions(self)

    def _graph_edges(self):
        """The edges next_functions shows: one per forward input. A fused op whose PyTorch
        graph has more nodes overrides this to list them (graph.graph_node)."""
        return self.next

    def register_hook(self, hook):
        raise NotImplementedError("hooks on graph nodes are not supported; use "
                                  "Tensor.register_hook")

    # ------------------------------------------------------------------ engine helpers
    def _output_hooks(self, output_nr):
        if self._hooks is None:
            self._hooks = {}
        self._has_hooks = True
        return self._hooks.setdefault(output_nr, [])

    def _retain(self, output_nr, tensor):
        if self._retained is None:
            self._retained = {}
        self._has_hooks = True
        self._retained[output_nr] = weakref.ref(tensor)

    def _retains(self, output_nr):
        return self._retained is not None and output_nr in self._retained

    def _check_versions(self):
        for tensor_vc, expected, array, producer in self._versions_of_saved:
            if tensor_vc.value != expected:
                raise RuntimeError(
                    "one of the variables needed for gradient computation has been modified by "
                    f"an inplace operation: [{_label(array)}]{self._made_by(producer)} is at "
                    f"version {tensor_vc.value}; expected version {expected} instead. Hint: "
                    "the backtrace further above can point to the operation that failed to "
                    "compute its gradient. The variable in question was changed in there or "
                    "anywhere later. Good luck!")

    def _made_by(self, producer):
        """PyTorch's ", which is output 0 of Exp," naming the node that produced the saved
        tensor (without its Backward suffix): this node for its own output (`producer` is the
        output's number; None for indices, which PyTorch doesn't name), else whatever node
        produces the input Tensor (`producer`) now: the in-place op that wrote into it."""
        if producer is None:
            return ""
        if type(producer) is int:
            node, nr = self, producer
        elif producer.grad_fn is None:
            return ""
        else:
            node, nr = producer.grad_fn, producer._output_nr
        name = re.sub(r"Backward\d*$", "", node.name().rsplit("::", 1)[-1])
        return f", which is output {nr} of {name},"

    def _saved_as_tensors(self):
        """Saved arrays as Tensors wired into the graph, for a differentiable backward:
        inputs as the input tensors themselves, outputs rebuilt on this node."""
        out = []
        sources = self._sources_of_saved or (None,) * len(self.saved)
        for array, source in zip(self.saved, sources):
            if source is None:
                out.append(array)
            elif isinstance(source, Tensor):
                out.append(source)
            else:
                out.append(_make(array, True, self, source))
        return tuple(out)

    _sources_of_saved = None


def _freed_error():
    return RuntimeError(
        "Trying to backward through the graph a second time (or directly access saved "
        "tensors after they have already been freed). Saved intermediate values of the "
        "graph are freed when you call .backward() or autograd.grad(). Specify "
        "retain_graph=True if you need to backward through the graph a second time or "
        "if you need to access saved tensors after calling backward.")


AccumulateGrad = graph.AccumulateGrad
graph.Node.register(Function)
_backward_running = 0   # > 0 while the engine runs a backward pass (see saved_tensors)


def _edge(t):
    """Where gradient for input tensor `t` goes: itself if a leaf, (node, nr) if computed."""
    if not t._requires_grad:
        return None
    fn = t.grad_fn
    if fn is None:
        return t
    return (fn, t._output_nr)


_sequence = itertools.count()


def _record(ctx, args, out):
    """Attach ctx as grad_fn of the outputs of an op some of whose inputs require grad.
    `_seq` numbers nodes in creation order: a node's inputs always have smaller numbers, so the
    engine can run the backward in decreasing `_seq` (as PyTorch's sequence_nr)."""
    if ctx._node_name is not None and ctx._node_name is not ctx._default_node_name:
        graph.name_node(ctx)        # named in forward: take the node class of that name
    edges = [(a if a.grad_fn is None else (a.grad_fn, a._output_nr))
             if isinstance(a, Tensor) and a._requires_grad else None for a in args]
    ctx.next = edges
    ctx.needs_input_grad = tuple([edge is not None for edge in edges])
    ctx._seq = next(_sequence)
    if type(out) is not tuple:
        if type(out) is not ndarray:
            out = asarray(out)
        result = object.__new__(Tensor)
        result._data, result._requires_grad, result.grad_fn, result._output_nr = \
            out, True, ctx, 0
        result._vc = result._base = result._grad = result._extra = None
        if ctx.saved:
            _note_saved(ctx, args, (result,))
        return result
    ctx.n_outputs = len(out)
    ctx._plain = False
    ctx._output_meta = tuple((o.shape, o.dtype) for o in out)
    nondiff = ctx._non_differentiable or ()
    wrapped = tuple(_make(o) if id(o) in nondiff else _make(o, True, ctx, i)
                    for i, o in enumerate(out))
    if ctx.saved:
        _note_saved(ctx, args, wrapped)
    return wrapped


def _note_saved(ctx, args, outputs):
    """Resolve the saved arrays of a recorded node. A saved `Output(array, nr)` becomes the
    array of output Tensor `nr`; a saved array that is an input Tensor's storage is that input.
    For both, remember the tensor's version (so a later in-place write is caught) and where the
    array came from (so a differentiable backward can use it as a graph tensor): the input
    Tensor itself, or the output's index. Other saved arrays are constants."""
    versions = []
    sources = []
    saved = ctx.saved
    resolved = None     # saved, with the Output markers replaced (copied only if there are any)
    for k, array in enumerate(saved):
        source = tensor = None
        if type(array) is Output:
            source = producer = array.nr
            tensor = outputs[source]
            array = array.array
            if type(array) is not ndarray or array is tensor._data:
                array = tensor._data    # (a NumPy scalar was wrapped into a 0-d array)
                if not tensor._requires_grad:   # indices: watched, never differentiated
                    source = producer = None
            else:   # a view of the output (keepdim, transposed): watched, not a graph tensor
                if ctx.differentiable_backward:
                    raise RuntimeError(f"{type(ctx).__name__} saves a view of output {source}: "
                                       "a differentiable backward needs the output as returned")
                source = None
            if resolved is None:
                resolved = list(saved)
            resolved[k] = array
        elif type(array) is ndarray:
            for t in args:
                if isinstance(t, Tensor) and t._data is array:
                    source = tensor = producer = t
                    break
        if tensor is not None:
            vc = tensor._vc
            if vc is None:
                vc = tensor._vc = _VersionCounter()
            versions.append((vc, vc.value, array, producer))
        sources.append(source)
    if resolved is not None:
        ctx.saved = tuple(resolved)
    ctx._versions_of_saved = versions or None
    ctx._sources_of_saved = sources


def _explain_broadcast_error(err, raw):
    """Shapes that don't broadcast are only found when NumPy raises inside the op; give
    PyTorch's RuntimeError naming the sizes instead of NumPy's ValueError."""
    if "broadcast" in str(err):
        shapes = [a.shape for a in raw if type(a) is ndarray]
        if len(shapes) > 1:
            check_broadcast(*shapes)


def _label(array):
    from .._tensor import _LEGACY_NAMES
    return f"torch.{_LEGACY_NAMES[array.dtype]} {list(array.shape)}"


# ---------------------------------------------------------------------------------------------
# The public autograd.Function: PyTorch's API for user-defined ops (Tensors in, Tensors out)
# ---------------------------------------------------------------------------------------------
class UserFunction(Function):
    """Base for custom autograd functions, used exactly like torch.autograd.Function:

        class Exp(Function):
            @staticmethod
            def forward(ctx, x):
                y = x.exp(); ctx.save_for_backward(y); return y
            @staticmethod
            def backward(ctx, g):
                y, = ctx.saved_tensors; return g * y
        Exp.apply(x)
    """

    _is_user = True
    _plain = False
    _node_suffix = "Backward"   # PyTorch names a custom Function's node <class name>Backward

    @classmethod
    def apply(cls, *args, **kwargs):
        ctx = object.__new__(cls._node_class)
        ctx.next = tuple(_edge(a) if isinstance(a, Tensor) else None for a in args)
        ctx.needs_input_grad = tuple(edge is not None for edge in ctx.next)
        ctx._input_shapes = tuple(a._data.shape if isinstance(a, Tensor) else None for a in args)
        ctx._seq = next(_sequence)
        ctx._dirty = ()
        with grad_mode.no_grad():
            out = cls.forward(ctx, *args, **kwargs)
        needs_grad = grad_mode.enabled and any(ctx.needs_input_grad)
        multi = isinstance(out, tuple)
        outs = out if multi else (out,)
        if not needs_grad:
            return out
        ctx.n_outputs = len(outs)
        ctx._output_meta = tuple((o._data.shape, o._data.dtype) if isinstance(o, Tensor)
                                 else ((), None) for o in outs)
        nondiff = ctx._non_differentiable or ()
        wrapped = []
        for i, o in enumerate(outs):
            if not isinstance(o, Tensor) or id(o) in nondiff:
                wrapped.append(o)
                continue
            if any(o is d for d in ctx._dirty):   # an input modified in place: rebase it
                o.grad_fn, o._output_nr, o._requires_grad = ctx, i, True
                wrapped.append(o)
            else:
                wrapped.append(_make(o._data, True, ctx, i))
        saved = ctx.__dict__.get("_user_saved", ())
        ctx._user_saved_versions = [(t._version_counter(), t._vc.value) for t in saved
                                    if isinstance(t, Tensor)]
        return tuple(wrapped) if multi else wrapped[0]

    def save_for_backward(self, *tensors):
        self._user_saved = tensors
        self.saved = tensors

    @property
    def saved_tensors(self):
        if self.saved is _FREED:
            raise _freed_error()
        for vc, expected in getattr(self, "_user_saved_versions", ()):
            if vc.value != expected:
                raise RuntimeError(
                    "one of the variables needed for gradient computation has been modified by "
                    f"an inplace operation: is at version {vc.value}; expected version "
                    f"{expected} instead.")
        return self.saved

    def mark_dirty(self, *tensors):
        self._dirty = tensors

    def mark_non_differentiable(self, *tensors):
        self._non_differentiable = {id(t) for t in tensors}

    @classmethod
    def _run_backward(cls, ctx, grads, create_graph):
        """Engine entry: wrap array grads as Tensors, call the user's backward, unwrap."""
        if not create_graph:
            grads = tuple(g if g is None or isinstance(g, Tensor) else _make(g) for g in grads)
        with grad_mode.set_grad_enabled(create_graph):
            result = cls.backward(ctx, *grads)
        if not isinstance(result, tuple):
            result = (result,)
        if len(result) > len(ctx.next) and all(r is None for r in result[len(ctx.next):]):
            result = result[:len(ctx.next)]     # extra Nones are allowed, as in PyTorch
        if len(result) != len(ctx.next):
            raise RuntimeError(f"function {ctx.name()} returned an incorrect number "
                               f"of gradients (expected {len(ctx.next)}, got {len(result)})")
        result = _fit_user_grads(cls, ctx, result)
        if create_graph:
            return result
        return tuple(r._data if isinstance(r, Tensor) else r for r in result)

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom "
                                  "autograd.Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for "
                                  "your custom autograd.Function to use it with backward mode "
                                  "AD.")


def _fit_user_grads(cls, ctx, result):
    """A custom backward's gradient must broadcast to its input's shape (then it is summed
    down to it, as PyTorch does); otherwise PyTorch's error naming both shapes."""
    fitted = []
    for i, (edge, grad) in enumerate(zip(ctx.next, result)):
        if edge is not None and grad is not None:
            shape = ctx._input_shapes[i]
            got = tuple(grad.shape) if hasattr(grad, "shape") else ()
            if got != tuple(shape):
                try:
                    fits = xp.broadcast_shapes(shape, got) == got
                except ValueError:
                    fits = False
                if not fits:
                    raise RuntimeError(f"Function {ctx.name()} returned an invalid "
                                       f"gradient at index {i} - got {list(got)} but expected "
                                       f"shape compatible with {list(shape)}")
                grad = (grad if isinstance(grad, Tensor) else _make(xp.asarray(grad))
                        ).sum_to_size(*shape)
        fitted.append(grad)
    return tuple(fitted)


def once_differentiable(fn):
    return fn


from .._tensor import Tensor, _make, _VersionCounter  # noqa: E402  (Tensor imports grad_mode from this package)


def _refresh_view(view):
    from .._ops.inplace import refresh_view   # the op library imports this module
    refresh_view(view)
