"""parameters_to_vector / vector_to_parameters: a model's parameters as one flat vector and
back (used by second-order and evolutionary methods, and for weight averaging)."""
from ..._ops.shape import cat
from ..._tensor import Tensor


def parameters_to_vector(parameters):
    """Concatenate the flattened parameters into one vector (numel total,). Differentiable:
    gradients of the vector flow back into the parameters."""
    return cat([param.view(-1) for param in parameters])


def vector_to_parameters(vec, parameters):
    """Point each parameter's data at its consecutive slice of `vec`, reshaped to the
    parameter's shape. The parameters then share memory with `vec` (as in PyTorch)."""
    if not isinstance(vec, Tensor):
        kind = type(vec)
        name = kind.__qualname__ if kind.__module__ == "builtins" else \
            f"{kind.__module__}.{kind.__qualname__}"
        raise TypeError(f"expected torch.Tensor, but got: {name}")
    pointer = 0
    for param in parameters:
        num_param = param.numel()
        param.data = vec[pointer:pointer + num_param].view_as(param).data
        pointer += num_param
