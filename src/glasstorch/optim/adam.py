"""Adam (Kingma & Ba, 2015), with optional AMSGrad and either L2 or decoupled weight decay."""
import math

from .._backend import xp
from .._tensor import Tensor
from .optimizer import (Optimizer, _check_betas, _check_lr, _check_non_negative,
                        _grad_with_weight_decay, _lerp_, _mean_square_, _sqrt)


def adam_update(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, step, *, lr, beta1, beta2,
                eps, weight_decay, decoupled_weight_decay, maximize):
    """One Adam step on NumPy arrays at step number `step` (1, 2, ...); all arrays but `grad`
    change in place. `max_exp_avg_sq` is None unless amsgrad.

        g  = -grad if maximize else grad
        param *= 1 - lr * weight_decay      (decoupled weight decay: AdamW)
        g  = g + weight_decay * param       (otherwise: L2 penalty folded into the gradient)
        m  = beta1 * m + (1 - beta1) * g
        v  = beta2 * v + (1 - beta2) * g^2
        v  = vmax = max(vmax, v)            (amsgrad)
        param -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)"""
    g = _grad_with_weight_decay(param, grad, weight_decay, maximize,
                                decoupled=decoupled_weight_decay, lr=lr)
    _lerp_(exp_avg, g, 1 - beta1)
    _mean_square_(exp_avg_sq, g, beta2)
    v = exp_avg_sq
    if max_exp_avg_sq is not None:
        xp.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
        v = max_exp_avg_sq
    step_size = lr / (1 - beta1 ** step)
    denom = _sqrt(v)
    denom /= math.sqrt(1 - beta2 ** step)
    denom += eps
    xp.divide(exp_avg, denom, out=denom)
    denom *= step_size
    param -= denom


class Adam(Optimizer):
    """Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *,
    foreach=None, maximize=False, capturable=False, differentiable=False, fused=None,
    decoupled_weight_decay=False), as torch.optim.Adam. State per parameter: `step` (0-d
    float tensor), `exp_avg`, `exp_avg_sq` and, with amsgrad, `max_exp_avg_sq`."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False, fused=None, decoupled_weight_decay=False):
        _check_lr(lr)
        _check_non_negative("epsilon", eps)
        _check_betas(betas)
        _check_non_negative("weight_decay", weight_decay)
        # PyTorch stores tensor betas as plain numbers in the group
        betas = tuple(float(b) if isinstance(b, Tensor) else b for b in betas)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                        maximize=maximize, foreach=foreach, capturable=capturable,
                        differentiable=differentiable, fused=fused,
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def _update_group(self, group):
        beta1, beta2 = group["betas"]
        options = dict(lr=float(group["lr"]), beta1=beta1, beta2=beta2, eps=group["eps"],
                       weight_decay=group["weight_decay"],
                       decoupled_weight_decay=group["decoupled_weight_decay"],
                       maximize=group["maximize"])
        amsgrad = group["amsgrad"]
        buffers = ("exp_avg", "exp_avg_sq") + (("max_exp_avg_sq",) if amsgrad else ())
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self._lazy_state(p, buffers)
            step = self._count_step(p, state)
            adam_update(p._data, p.grad._data, state["exp_avg"]._data,
                        state["exp_avg_sq"]._data,
                        state["max_exp_avg_sq"]._data if amsgrad else None, step, **options)
