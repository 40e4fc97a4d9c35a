"""Identity, Linear, Bilinear and LazyLinear: the affine layers.

Each stores its constructor arguments under PyTorch's names, initialises with PyTorch's default
formulas in `reset_parameters()`, and calls `nn.functional` in `forward`.
"""
import math

from ... import _backend
from ..._ops import creation
from ...autograd import grad_mode
from .. import functional as F
from .. import init
from ..parameter import Parameter, UninitializedParameter
from .lazy import LazyModuleMixin
from .module import Module


class Identity(Module):
    """Returns its input unchanged; accepts and ignores any constructor arguments (so it can
    stand in for a layer that takes some)."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input):
        return input


class Linear(Module):
    """y = x W^T + b.   Shapes: (*, in_features) -> (*, out_features).

    weight (out_features, in_features) and bias (out_features,) start uniform in
    (-1/sqrt(in_features), 1/sqrt(in_features)), PyTorch's default.

    >>> Linear(2, 3)
    Linear(in_features=2, out_features=3, bias=True)
    """

    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None):
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(creation.empty((out_features, in_features), device=device,
                                               dtype=dtype))
        if bias:
            self.bias = Parameter(creation.empty(out_features, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        # kaiming_uniform_ with a=sqrt(5) has bound gain * sqrt(3 / fan_in), gain =
        # sqrt(2 / (1 + 5)): exactly 1 / sqrt(fan_in). The bias uses the same bound.
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input):
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class Bilinear(Module):
    """y = x1^T A x2 + b.   Shapes: (*, in1_features), (*, in2_features) -> (*, out_features).

    weight (out_features, in1_features, in2_features) and bias start uniform in
    (-1/sqrt(in1_features), 1/sqrt(in1_features)), PyTorch's default."""

    def __init__(self, in1_features, in2_features, out_features, bias=True, device=None,
                 dtype=None):
        super().__init__()
        self.in1_features = in1_features
        self.in2_features = in2_features
        self.out_features = out_features
        self.weight = Parameter(creation.empty((out_features, in1_features, in2_features),
                                               device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(creation.empty(out_features, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        bound = 1 / math.sqrt(self.weight.shape[1])
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1, input2):
        return F.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self):
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")


class LazyLinear(LazyModuleMixin, Linear):
    """A Linear whose in_features is read from the first input (input.shape[-1]). After that
    call the module *is* a Linear (its class changes), as in PyTorch.

    >>> m = LazyLinear(3); m(glasstorch.ones(5, 4)); m
    Linear(in_features=4, out_features=3, bias=True)
    """

    cls_to_become = Linear

    def __init__(self, out_features, bias=True, device=None, dtype=None):
        super().__init__(0, 0, False)
        # the dtype is applied when the parameters get their shape (materialize)
        self._lazy_dtype = dtype or _backend.get_default_dtype()
        self.weight = UninitializedParameter()
        self.out_features = out_features
        if bias:
            self.bias = UninitializedParameter()

    def reset_parameters(self):
        if not self.has_uninitialized_params() and self.in_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input):
        if self.has_uninitialized_params():
            with grad_mode.no_grad():
                self.in_features = input.shape[-1]
                self.weight.materialize((self.out_features, self.in_features),
                                        dtype=self._lazy_dtype)
                if self.bias is not None:
                    self.bias.materialize((self.out_features,), dtype=self._lazy_dtype)
                self.reset_parameters()


class NonDynamicallyQuantizableLinear(Linear):
    """A Linear under another name: MultiheadAttention's `out_proj` (PyTorch names it so to keep
    quantization tools away from it; here only the name and the repr differ)."""
