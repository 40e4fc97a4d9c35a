"""RAdam (Liu et al., 2020): Adam whose adaptive step is switched on only once the variance of
the adaptive learning rate is tractable, and then scaled by a rectification term."""
import math

from .._backend import xp
from .optimizer import (Optimizer, _check_betas, _check_lr, _check_non_negative,
                        _grad_with_weight_decay, _lerp_, _mean_square_)


def radam_update(param, grad, exp_avg, exp_avg_sq, step, *, lr, beta1, beta2, eps, weight_decay,
                 decoupled_weight_decay, maximize):
    """One RAdam step on NumPy arrays at step number `step` (1, 2, ...); all arrays but `grad`
    change in place.

        g  = -grad if maximize else grad
        param *= 1 - lr * weight_decay  (decoupled)   |   g = g + weight_decay * param
        m  = beta1 * m + (1 - beta1) * g;   v = beta2 * v + (1 - beta2) * g^2
        rho_inf = 2 / (1 - beta2) - 1;      rho_t = rho_inf - 2 t beta2^t / (1 - beta2^t)
        if rho_t > 5:  r = sqrt((rho_t-4)(rho_t-2) rho_inf / ((rho_inf-4)(rho_inf-2) rho_t))
                       param -= lr * m / (1 - beta1^t) * r * sqrt(1 - beta2^t) / (sqrt(v) + eps)
        else:          param -= lr * m / (1 - beta1^t)"""
    g = _grad_with_weight_decay(param, grad, weight_decay, maximize,
                                decoupled=decoupled_weight_decay, lr=lr)
    _lerp_(exp_avg, g, 1 - beta1)
    _mean_square_(exp_avg_sq, g, beta2)
    bias_correction1 = 1 - beta1 ** step
    bias_correction2 = 1 - beta2 ** step
    update = exp_avg / bias_correction1
    rho_inf = 2 / (1 - beta2) - 1
    rho_t = rho_inf - 2 * step * beta2 ** step / bias_correction2
    if rho_t > 5.0:
        rect = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf
                         / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
        denom = xp.sqrt(exp_avg_sq)
        denom += eps
        update *= lr * math.sqrt(bias_correction2) * rect
        update /= denom
    else:
        update *= lr
    param -= update


class RAdam(Optimizer):
    """RAdam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
    decoupled_weight_decay=False, *, foreach=None, maximize=False, capturable=False,
    differentiable=False), as torch.optim.RAdam. State: `step`, `exp_avg`, `exp_avg_sq`."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False):
        _check_lr(lr)
        _check_non_negative("epsilon", eps)
        _check_betas(betas)
        _check_non_negative("weight_decay", weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        maximize=maximize, foreach=foreach, capturable=capturable,
                        decoupled_weight_decay=decoupled_weight_decay,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    def _update_group(self, group):
        beta1, beta2 = group["betas"]
        options = dict(lr=float(group["lr"]), beta1=beta1, beta2=beta2, eps=group["eps"],
                       weight_decay=group["weight_decay"],
                       decoupled_weight_decay=group["decoupled_weight_decay"],
                       maximize=group["maximize"])
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self._lazy_state(p, ("exp_avg", "exp_avg_sq"))
            step = self._count_step(p, state)
            radam_update(p._data, p.grad._data, state["exp_avg"]._data,
                         state["exp_avg_sq"]._data, step, **options)
