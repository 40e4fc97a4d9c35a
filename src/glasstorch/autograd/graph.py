"""The autograd graph as tools see it: what `grad_fn.next_functions` shows, and the classes of
the nodes (torchviz draws the graph from these two alone).

- A node's class is named as PyTorch names the node: a `Mul` op records `MulBackward0` objects.
  Each op class gets that subclass once, when it is defined (`Function.__init_subclass__`); a
  node renamed later (`node_name` in _ops/_util.py; linear becomes AddmmBackward0) moves to the
  subclass of its new name (`rename`, `name_node`).
- A leaf that requires grad appears as an `AccumulateGrad` node whose `variable` is the leaf,
  one per leaf (the same object each time, as in PyTorch).
- A fused op stands for several PyTorch nodes (linear is one node here; PyTorch records
  AddmmBackward0 with a TBackward0 under it for the weight). Such an op lists PyTorch's nodes
  in its `_graph_edges()` with `graph_node(...)`; they are `GraphNode`s, drawn but never run.

Nothing here runs in forward or backward.
"""
import abc
import weakref

def node_class(op_class, name):
    """The class of `op_class`'s graph nodes that PyTorch calls `name`: a subclass of op_class
    whose __name__ is PyTorch's class name for them ('torch::autograd::CopySlices' ->
    'CopySlices'). Made once per (op class, name), kept in the op class's `_node_classes`."""
    cls = op_class._node_classes.get(name)
    if cls is None:
        cls = type(name.rsplit("::", 1)[-1], (op_class,),
                   {"_op_class": op_class, "__module__": op_class.__module__,
                    "__doc__": op_class.__doc__})
        op_class._node_classes[name] = cls
    return cls


def rename(node, name):
    """Give `node` the PyTorch name `name`, and the node class of that name."""
    node._node_name = name
    cls = node._node_classes.get(name)
    node.__class__ = cls if cls is not None else node_class(node._op_class, name)


def name_node(node):
    """Move `node` to the node class of its current name() (a name set in forward, or one
    worked out only when asked); returns it."""
    name = node.name()
    if type(node).__name__ != name.rsplit("::", 1)[-1]:
        node.__class__ = node_class(node._op_class, name)
    return node


class Node(abc.ABC):
    """`torch.autograd.graph.Node`: every graph node (op nodes, AccumulateGrad, GraphNode) is an
    instance, for `isinstance(t.grad_fn, torch.autograd.graph.Node)`."""

    @abc.abstractmethod
    def name(self):
        """The node's name as PyTorch prints it."""


class AccumulateGrad:
    """The node a leaf's gradient flows into; `variable` is the leaf."""

    def __init__(self, variable):
        self.variable = variable

    @staticmethod
    def name():
        return "torch::autograd::AccumulateGrad"

    next_functions = ()
    metadata = {}

    def __repr__(self):
        return f"<AccumulateGrad object at {hex(id(self))}>"


def accumulate_grad(leaf):
    """The leaf's AccumulateGrad node: the same object for as long as anything holds it (the
    leaf keeps a weak reference, so it never keeps the node alive by itself)."""
    if leaf._extra is None:
        leaf._extra = {}
    ref = leaf._extra.get("grad_accumulator")
    node = ref() if ref is not None else None
    if node is None:
        node = AccumulateGrad(leaf)
        leaf._extra["grad_accumulator"] = weakref.ref(node)
    return node


class GraphNode:
    """A node PyTorch records inside an op that glasstorch runs as one fused node. Its class
    is named as PyTorch's (see graph_node); it is shown in next_functions and never run."""

    _op_class = None
    _node_classes = {}

    def __init__(self, name, edges):
        self._name = name
        self.next_functions = tuple(_as_pair(edge) for edge in edges)
        self.metadata = {}

    def name(self):
        return self._name

    def __repr__(self):
        return f"<{type(self).__name__} object at {hex(id(self))}>"


def graph_node(name, *edges):
    """A GraphNode called `name` over `edges` (each: an entry of some node's `next`, another
    graph_node, or None), or None when no edge carries a gradient, as PyTorch records no node
    then."""
    if all(edge is None for edge in edges):
        return None
    return node_class(GraphNode, name)(name, edges)


def next_functions(node):
    """`node.next_functions`: ((next node, output_nr), ...), computed once per node (so every
    call returns the same node objects)."""
    shown = node.__dict__.get("_next_functions")
    if shown is None:
        shown = node._next_functions = tuple(_as_pair(edge) for edge in node._graph_edges())
    return shown


def _as_pair(edge):
    if edge is None:
        return (None, 0)
    if isinstance(edge, Tensor):
        return (accumulate_grad(edge), 0)
    if isinstance(edge, GraphNode):
        return (edge, 0)
    child, output_nr = edge
    return (name_node(child), output_nr)


Node.register(AccumulateGrad)
Node.register(GraphNode)

from .._tensor import Tensor  # noqa: E402  (Tensor imports grad_mode from this package)
