"""Weight normalisation (Salimans & Kingma 2016, arXiv:1602.07868), PyTorch's classic
hook-based version: w = g * v / ||v||.

weight_norm(module, 'weight') replaces the Parameter `weight` by two Parameters, `weight_g`
(the magnitude, one per slice along `dim`) and `weight_v` (the direction), and registers a
forward pre-hook that recomputes the plain tensor `module.weight` from them before every
forward, so gradients reach g and v. The norm is taken over every dim except `dim`
(dim=None or -1: over the whole tensor, g is then 0-d; a PyTorch quirk: -1 does not mean
"the last dim" here).
"""
import warnings

from ..._backend import xp
from ..._ops._util import sum_to_shape, wrap_dims
from ..._ops.norms import p_norm
from ..._tensor import _make
from ...autograd.function import Function
from ..parameter import Parameter, UninitializedParameter

__all__ = ["WeightNorm", "weight_norm", "remove_weight_norm"]


def _norm_axes(ndim, dim):
    """The axes the norm runs over: all of them for dim -1, else all but `dim`."""
    if dim == -1:
        return tuple(range(ndim))
    (keep,) = wrap_dims(dim, ndim)
    return tuple(i for i in range(ndim) if i != keep)


def _sum(x, axes):
    """x summed over `axes` keeping dims (an empty tuple means no reduction: a 1-d v, dim 0)."""
    return x.sum(axis=axes, keepdims=True) if axes else x


class WeightNormInterface(Function):
    """out = v * (g / n),  n = sqrt(sum v^2 over every axis but dim)   (n keeps dims, like g)
    grad: dg = sum(G v) / n,  dv = (g / n) * (G - v * sum(G v) / n^2)   (sums over the same axes)

    (G is the incoming gradient here: g is taken by the magnitude parameter.)"""

    # backward uses only arithmetic and sums, and recomputes n from the saved input v rather
    # than saving it, so under create_graph the graph of the gradient reaches v and g
    differentiable_backward = True

    @staticmethod
    def forward(ctx, v, g, dim):
        axes = _norm_axes(v.ndim, dim)
        ctx.save_for_backward(v, g)
        ctx.axes = axes
        return v * (g / p_norm(v, 2, axes, keepdims=True)) if axes else v * (g / xp.abs(v))

    @staticmethod
    def backward(ctx, G):
        v, g = ctx.saved_tensors
        n = _sum(v * v, ctx.axes) ** 0.5
        gv = _sum(G * v, ctx.axes)
        dv = (g / n) * (G - v * (gv / (n * n))) if ctx.needs_input_grad[0] else None
        dg = sum_to_shape(gv / n, g.shape) if ctx.needs_input_grad[1] else None
        return dv, dg, None


def _weight_norm(v, g, dim=0):
    """w = g * v / ||v|| with the norm over every dim of v except `dim` (-1: all dims)."""
    return WeightNormInterface.apply(v, g, dim)


def _norm_except_dim(v, dim):
    """The 2-norm of v over every dim except `dim`, keeping dims (-1: over all of v, 0-d), as a
    constant tensor: the starting magnitude g."""
    axes = _norm_axes(v.dim(), dim)            # raises IndexError for a bad dim
    return _make(xp.asarray(p_norm(v._data, 2, axes, keepdims=dim != -1), dtype=v._data.dtype))


class WeightNorm:
    """The forward pre-hook: holds the parameter's name and dim, recomputes the weight."""

    def __init__(self, name, dim):
        self.name = name
        self.dim = -1 if dim is None else dim

    def compute_weight(self, module):
        g = getattr(module, self.name + "_g")
        v = getattr(module, self.name + "_v")
        return _weight_norm(v, g, self.dim)

    @staticmethod
    def apply(module, name, dim):
        warnings.warn("`torch.nn.utils.weight_norm` is deprecated in favor of "
                      "`torch.nn.utils.parametrizations.weight_norm`.", FutureWarning,
                      stacklevel=3)
        for hook in module._forward_pre_hooks.values():
            if isinstance(hook, WeightNorm) and hook.name == name:
                raise RuntimeError(f"Cannot register two weight_norm hooks on the same "
                                   f"parameter {name}")
        fn = WeightNorm(name, dim)
        weight = getattr(module, name)
        if isinstance(weight, UninitializedParameter):
            raise ValueError("The module passed to `WeightNorm` can't have uninitialized "
                             "parameters. Make sure to run the dummy forward before applying "
                             "weight normalization")
        g = _norm_except_dim(weight, fn.dim)   # checks dim before the module is touched
        del module._parameters[name]
        module.register_parameter(name + "_g", Parameter(g.data))
        module.register_parameter(name + "_v", Parameter(weight.data))
        setattr(module, name, fn.compute_weight(module))   # a plain tensor attribute now
        module.register_forward_pre_hook(fn)
        return fn

    def remove(self, module):
        weight = self.compute_weight(module)
        delattr(module, self.name)
        del module._parameters[self.name + "_g"]
        del module._parameters[self.name + "_v"]
        setattr(module, self.name, Parameter(weight.data))

    def __call__(self, module, inputs):
        setattr(module, self.name, self.compute_weight(module))


def weight_norm(module, name="weight", dim=0):
    """Reparametrise `module.<name>` as g * v / ||v|| (Parameters <name>_g, <name>_v), the
    norm per slice along `dim` (None: whole tensor). Returns the module.

    Shapes for Linear(20, 40), dim=0: weight_g (40, 1), weight_v (40, 20)."""
    WeightNorm.apply(module, name, dim)
    return module


def remove_weight_norm(module, name="weight"):
    """Undo weight_norm: `module.<name>` becomes one Parameter again, holding g * v / ||v||."""
    for k, hook in module._forward_pre_hooks.items():
        if isinstance(hook, WeightNorm) and hook.name == name:
            hook.remove(module)
            del module._forward_pre_hooks[k]
            return module
    raise ValueError(f"weight_norm of '{name}' not found in {module}")
