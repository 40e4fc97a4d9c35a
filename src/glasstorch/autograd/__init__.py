"""Reverse-mode automatic differentiation: grad modes, Function, backward, grad, gradcheck."""
from . import grad_mode
from .grad_mode import (no_grad, enable_grad, set_grad_enabled, inference_mode,
                        is_grad_enabled, is_inference_mode_enabled)
from .function import UserFunction as Function, once_differentiable, AccumulateGrad
from .function import UserFunction as _UserFunction
from .engine import backward, grad
from . import graph  # noqa: F401  (torch.autograd.graph: Node, next_functions as tools see it)
from .gradcheck import gradcheck, gradgradcheck
from .variable import Variable  # noqa: F401  (the pre-0.4 name; every tensor is one)
from . import function

__all__ = ["Function", "backward", "grad", "gradcheck", "gradgradcheck", "no_grad",
           "enable_grad", "set_grad_enabled", "inference_mode", "once_differentiable"]
