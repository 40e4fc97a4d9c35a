"""The backward pass: walk the graph from the roots in reverse topological order.

Nodes are numbered in creation order (`_seq`), and every node is created after the nodes that
feed it, so popping a max-heap by `_seq` visits each node after all of its consumers — no
recursion (a 100,000-op chain works) and no separate topological sort. Each node's incoming
gradients are summed in a buffer before its backward runs once; leaf gradients are summed over
the whole pass, then hooks run and `.grad` is accumulated. Unless `retain_graph`, each node's
saved arrays are freed after use.
"""
from heapq import heappop, heappush

from . import function, grad_mode
from .function import Function, _FREED, _sequence
from .._backend import xp
from .._tensor import Tensor, _make


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate the gradients of `tensors` (weighted by `grad_tensors`) into the leaves."""
    tensors, grads = _roots(tensors, grad_tensors, create_graph)
    only = None
    if inputs is not None:
        only = _as_tuple(inputs)
        if not only:
            raise RuntimeError("'inputs' argument to backward() cannot be empty.")
    if retain_graph is None:
        retain_graph = create_graph
    _run(tensors, grads, retain_graph, create_graph, capture=None, only=only)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """Return d(outputs)/d(inputs) as a tuple, without touching any `.grad`."""
    outputs = _as_tuple(outputs)
    inputs = _as_tuple(inputs)
    if grad_outputs is not None:
        grad_outputs = _as_tuple(grad_outputs)
    tensors, grads = _roots(outputs, grad_outputs, create_graph)
    for t in inputs:
        if not t.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    if retain_graph is None:
        retain_graph = create_graph
    capture = {id(t): None for t in inputs}
    _run(tensors, grads, retain_graph, create_graph, capture=capture, only=inputs)
    result = []
    for t in inputs:
        g = capture[id(t)]
        if g is None:
            if materialize_grads:
                g = xp.zeros_like(t._data)
            elif not allow_unused:
                raise RuntimeError("One of the differentiated Tensors appears to not have been "
                                   "used in the graph. Set allow_unused=True if this is the "
                                   "desired behavior.")
        if g is not None:
            g = _in_dtype_of(g if isinstance(g, Tensor) else _make(g), t)
        result.append(g)
    return tuple(result)


def _in_dtype_of(g, t):
    """Gradient Tensor `g` in the dtype of `t`, as PyTorch (and .grad) gives it; a real `t`
    takes the real part of a complex gradient."""
    if g._data.dtype == t._data.dtype:
        return g
    if g._data.dtype.kind == "c" and t._data.dtype.kind != "c":
        g = g.real
    return g.to(t.dtype)


def _as_tuple(x):
    if isinstance(x, Tensor):
        return (x,)
    return tuple(x)


def _roots(tensors, grad_tensors, create_graph):
    tensors = _as_tuple(tensors)
    if grad_tensors is None:
        grad_tensors = (None,) * len(tensors)
    elif isinstance(grad_tensors, Tensor):
        grad_tensors = (grad_tensors,)
    if len(grad_tensors) != len(tensors):
        raise RuntimeError(f"got {len(grad_tensors)} gradients for {len(tensors)} outputs")
    grads = []
    for i, (t, g) in enumerate(zip(tensors, grad_tensors)):
        if not t._requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not "
                               "have a grad_fn")
        if g is None:
            if t._data.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            g = xp.ones_like(t._data)
        else:
            if not isinstance(g, Tensor):
                g = _make(xp.asarray(g, dtype=t._data.dtype))
            if g._data.shape != t._data.shape:
                raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of "
                                   f"{g.shape} and output[{i}] has a shape of {t.shape}.")
            g = _in_dtype_of(g, t)      # PyTorch casts it to the output's dtype
            g = g if create_graph else g._data
        grads.append(g)
    return tensors, grads


def _run(tensors, grads, retain_graph, create_graph, capture, only):
    """Backpropagate `grads` from `tensors`. Nodes run in decreasing creation number (`_seq`):
    every consumer of a node was created after it, so by the time a node is popped from the
    heap all gradient flowing into it has been summed in its buffer."""
    buffers = {}        # node -> [grad per output]  (nodes hash by identity)
    leaf_grads = {}     # id(leaf) -> [leaf, summed grad]
    heap = []
    # non-leaf tensors named in `inputs`: their gradient is read off their grad_fn's buffer
    targets = {}
    for t in only or ():
        if t.grad_fn is not None:
            targets.setdefault(t.grad_fn, []).append((t._output_nr, t))
    for t, g in zip(tensors, grads):
        if create_graph and not isinstance(g, Tensor):
            g = _make(g)
        node = t.grad_fn
        if node is None:
            _add_leaf(leaf_grads, t, g)
            continue
        if node not in buffers:
            heappush(heap, (-node._seq, node))   # seqs are unique: nodes are never compared
        _add_to_buffer(buffers, node, t._output_nr, g)

    prev_mode = grad_mode.enabled
    grad_mode._set(create_graph)
    function._backward_running += 1
    try:
        fast = not create_graph
        while heap:
            node = heappop(heap)[1]
            node_grads = buffers.pop(node)
            if node._has_hooks:
                node_grads = _node_hooks(node, node_grads)
            if targets and node in targets:
                _deliver_nonleaf(targets[node], node_grads, capture, create_graph)
            if fast and node._plain:
                result = node.backward(node, node_grads[0])   # the common, fast case
            else:
                result = _call_backward(node, node_grads, create_graph)
            if not retain_graph:
                node.saved = _FREED
            if type(result) is not tuple:
                result = (result,)
            for edge, g in zip(node.next, result):
                if edge is None or g is None:
                    continue
                if type(edge) is tuple:
                    child, nr = edge
                    slot = buffers.get(child)
                    if slot is None:
                        slot = buffers[child] = [None] * child.n_outputs
                        heappush(heap, (-child._seq, child))
                    slot[nr] = g if slot[nr] is None else slot[nr] + g
                else:
                    _add_leaf(leaf_grads, edge, g)
    finally:
        grad_mode._set(prev_mode)
        function._backward_running -= 1

    _accumulate_leaves(leaf_grads, capture, only, create_graph, roots=grads)


def _add_to_buffer(buffers, node, nr, g):
    slot = buffers.get(node)
    if slot is None:
        slot = buffers[node] = [None] * node.n_outputs
    slot[nr] = g if slot[nr] is None else slot[nr] + g


def _add_leaf(leaf_grads, leaf, g):
    entry = leaf_grads.get(id(leaf))
    if entry is None:
        leaf_grads[id(leaf)] = [leaf, g]
    else:
        entry[1] = entry[1] + g


def _deliver_nonleaf(targets, node_grads, capture, create_graph):
    """Hand the gradient of a non-leaf tensor named in `inputs` to grad() or its .grad."""
    for nr, t in targets:
        g = node_grads[nr]
        if capture is not None:
            capture[id(t)] = g
        elif g is not None:
            value = g if create_graph else _make(xp.array(g))
            t._grad = value if t._grad is None else t._grad + value


def _node_hooks(node, node_grads):
    """Run tensor hooks and retain_grad for the node's outputs."""
    if node._hooks:
        for nr, hooks in node._hooks.items():
            g = node_grads[nr]
            if g is None:
                continue
            for hook in hooks:
                new = _checked(hook, hook(g if isinstance(g, Tensor) else _make(g)), g)
                if new is not None:
                    g = new if isinstance(g, Tensor) else new._data
            node_grads[nr] = g
    if node._retained:
        for nr, ref in node._retained.items():
            t = ref()
            g = node_grads[nr]
            if t is not None and g is not None:
                value = g if isinstance(g, Tensor) else _make(g.copy())
                t._grad = value if t._grad is None else _make(t._grad._data + value._data)
    return node_grads


def _checked(hook, new, g):
    """A tensor hook's replacement gradient must keep the gradient's shape and dtype (PyTorch's
    messages; otherwise the engine would fail later with a NumPy broadcasting error)."""
    if new is None:
        return None
    name = getattr(hook, "__name__", type(hook).__name__)
    if tuple(new.shape) != tuple(g.shape):
        raise RuntimeError(f"hook '{name}' has changed the size of value")
    old = g if isinstance(g, Tensor) else _make(g)
    if new.dtype != old.dtype:
        raise RuntimeError(f"hook '{name}' has changed the type of value (was {old.type()} got "
                           f"{new.type()})")
    return new


def _call_backward(node, node_grads, create_graph):
    """Run a node's backward in the general case: several outputs, a user Function, or a
    create_graph pass (Tensors in and out)."""
    for i, g in enumerate(node_grads):
        if g is None:  # an unused output of a multi-output op: its gradient is zero
            node_grads[i] = _zeros_for_output(node, i, create_graph)
    if node._is_user:
        result = node._run_backward(node, node_grads, create_graph)
    elif create_graph and node.differentiable_backward:
        node._as_tensors = True
        try:
            result = node.backward(node, *node_grads)
        finally:
            node._as_tensors = False
    else:
        if create_graph:
            node_grads = [g._data if isinstance(g, Tensor) else g for g in node_grads]
        result = node.backward(node, *node_grads)
        if create_graph:
            result = _once_differentiable(result, node)
    return result


def _zeros_for_output(node, i, create_graph):
    shape, dtype = node._output_meta[i]
    z = xp.zeros(shape, dtype)
    return _make(z) if create_graph else z


class DelayedError(Function):
    """The grad_fn of gradients computed by a backward that is not itself differentiable
    (fused ops such as batch_norm or cross_entropy): the values are right, but
    backpropagating through them raises, as in PyTorch (instead of a silently wrong answer)."""

    n_outputs = 1

    @staticmethod
    def backward(ctx, g):
        raise RuntimeError(f"trying to differentiate twice a function that was marked with "
                           f"@once_differentiable: {ctx.source} has no double backward in "
                           f"glasstorch")


def _once_differentiable(result, node):
    """Wrap a non-differentiable backward's arrays for a create_graph pass."""
    def wrap(r):
        if r is None:
            return None
        err = object.__new__(DelayedError._node_class)
        err.next, err.source, err._seq = (), node.name(), next(_sequence)
        return _make(xp.asarray(r), True, err, 0)
    if type(result) is not tuple:
        return wrap(result)
    return tuple(wrap(r) for r in result)


def _accumulate_leaves(leaf_grads, capture, only, create_graph, roots):
    only_ids = None if only is None else {id(t) for t in only}
    handed_out = {id(r) for r in roots}
    for leaf, g in leaf_grads.values():
        if only_ids is not None and id(leaf) not in only_ids:
            continue
        if leaf._extra is not None:
            for hook in leaf._extra.get("hooks", ()):
                new = _checked(hook, hook(g if isinstance(g, Tensor) else _make(g)), g)
                if new is not None:
                    g = new if create_graph else new._data
        if capture is not None:
            capture[id(leaf)] = g
            continue
        if create_graph:
            leaf._grad = g if leaf._grad is None else leaf._grad + g
            continue
        if g.dtype != leaf._data.dtype:
            g = g.astype(leaf._data.dtype)
        if leaf._grad is None:
            # own the array: a view or an array handed to two leaves must not be shared
            if id(g) in handed_out or not g.flags.owndata or g.shape != leaf._data.shape:
                g = xp.array(xp.broadcast_to(g, leaf._data.shape))
            handed_out.add(id(g))
            leaf._grad = _make(g)
        elif leaf._grad.grad_fn is None and leaf._grad._data.flags.writeable:
            leaf._grad._data += g
        else:
            leaf._grad = _make(leaf._grad._data + g)
