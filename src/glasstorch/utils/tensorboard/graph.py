"""add_graph's picture of a model: a GraphDef with one node per call of a leaf module (op: its
class, e.g. Linear; scope: its place in the model, `Sequential/Linear[0]`), the inputs and
outputs as 'IO Node's, and edges where one call's output flows into another call's input.

glasstorch has no tracer: the model runs once on the example input (made to require grad), and
each edge is found by walking the autograd graph back from a call's input tensor to the nodes
that produced earlier calls' outputs (or to a model input). Work done outside modules (F.relu,
x.view, a residual +) has no node of its own: the edge passes through it."""
from tensorboard.compat.proto.attr_value_pb2 import AttrValue
from tensorboard.compat.proto.graph_pb2 import GraphDef
from tensorboard.compat.proto.node_def_pb2 import NodeDef
from tensorboard.compat.proto.tensor_shape_pb2 import TensorShapeProto
from tensorboard.compat.proto.versions_pb2 import VersionDef

from ..._tensor import Tensor
from ...autograd import grad_mode


def model_graph(model, example_inputs):
    """The GraphDef of one forward pass of `model` on `example_inputs` (a tensor or a tuple)."""
    if isinstance(example_inputs, Tensor):
        example_inputs = (example_inputs,)
    inputs = [x.detach().requires_grad_(x.is_floating_point()) for x in example_inputs]
    producers = {}                 # id(input tensor) or autograd node -> graph node name
    nodes = []
    for i, x in enumerate(inputs):
        name = f"input/input.{i + 1}"
        producers[id(x)] = name
        nodes.append(_node(name, "IO Node", [], x.shape))

    calls = []                     # (scope, module, args, output) of each leaf module call
    scopes = _scope_names(model)

    def record(module, args, output):
        if not any(True for _ in module.children()):
            calls.append((scopes[id(module)], module, args, output))

    handles = [m.register_forward_hook(record) for m in model.modules()]
    try:
        with grad_mode.enable_grad():
            outputs = model(*inputs)
    finally:
        for handle in handles:
            handle.remove()

    seen_names = {}
    for scope, module, args, output in calls:
        count = seen_names[scope] = seen_names.get(scope, 0) + 1
        name = scope if count == 1 else f"{scope}.{count}"      # a module called twice
        sources = _sources([a for a in args if isinstance(a, Tensor)], producers)
        first = output[0] if isinstance(output, tuple) else output
        nodes.append(_node(name, type(module).__name__, sources,
                           first.shape if isinstance(first, Tensor) else None,
                           module.extra_repr()))
        for out in (output if isinstance(output, tuple) else (output,)):
            if isinstance(out, Tensor):
                producers[out.grad_fn if out.grad_fn is not None else id(out)] = name

    outputs = outputs if isinstance(outputs, tuple) else (outputs,)
    for i, out in enumerate(outputs):
        nodes.append(_node(f"output/output.{i + 1}", "IO Node", _sources([out], producers),
                           out.shape))
    return GraphDef(node=nodes, versions=VersionDef(producer=22))


def _scope_names(model):
    """id(module) -> its scope: the class names down the tree with each attribute name in
    brackets, as PyTorch's graphs name them (`Sequential/Linear[0]`)."""
    names = {id(model): type(model).__name__}
    for path, module in model.named_modules():
        if path:
            parent = model.get_submodule(path.rpartition(".")[0]) if "." in path else model
            names[id(module)] = (f"{names[id(parent)]}/{type(module).__name__}"
                                 f"[{path.rpartition('.')[2]}]")
    return names


def _sources(tensors, producers):
    """The graph nodes whose outputs reach `tensors`: walk each one's autograd graph back until
    a node (or input tensor) that some graph node produced."""
    found = []
    for tensor in tensors:
        key = tensor.grad_fn if tensor.grad_fn is not None else id(tensor)
        stack, visited = [key], set()
        while stack:
            key = stack.pop()
            if key in producers:
                if producers[key] not in found:
                    found.append(producers[key])
                continue
            if isinstance(key, int) or id(key) in visited:
                continue
            visited.add(id(key))
            for edge in reversed(key.next):
                if isinstance(edge, Tensor):
                    stack.append(id(edge))
                elif edge is not None:
                    stack.append(edge[0])
    return found


def _node(name, op, inputs, shape, description=""):
    attr = {"attr": AttrValue(s=description.encode())}
    if shape is not None:
        dims = [TensorShapeProto.Dim(size=size) for size in shape]
        attr["_output_shapes"] = AttrValue(list=AttrValue.ListValue(
            shape=[TensorShapeProto(dim=dims)]))
    return NodeDef(name=name, op=op, input=inputs, attr=attr)
