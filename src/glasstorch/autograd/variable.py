"""Variable: PyTorch's pre-0.4 wrapper class, kept as PyTorch keeps it. Since tensors carry
autograd themselves, `Variable(t)` just returns `t.detach()` with `requires_grad` set, and every
tensor is an instance of Variable (old code and libraries such as visdom still check
`isinstance(x, torch.autograd.Variable)`)."""
from .._backend import get_default_dtype, xp
from .._tensor import Tensor, _make


class VariableMeta(type):
    def __instancecheck__(cls, other):
        return isinstance(other, Tensor)


class Variable(metaclass=VariableMeta):
    """`Variable(data, requires_grad=False)` -> a new leaf sharing `data`'s memory."""

    def __new__(cls, data=None, requires_grad=False, volatile=False):
        if data is None:
            data = _make(xp.empty((0,), dtype=get_default_dtype().np))
        if not isinstance(data, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        out = data.detach()
        out.requires_grad_(requires_grad)
        return out
