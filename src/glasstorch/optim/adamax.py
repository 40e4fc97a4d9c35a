"""Adamax (Kingma & Ba, 2015, section 7): Adam with the infinity norm in place of the RMS."""
from .._backend import xp
from .optimizer import (Optimizer, _check_betas, _check_lr, _check_non_negative,
                        _grad_with_weight_decay, _lerp_)


def adamax_update(param, grad, exp_avg, exp_inf, step, *, lr, beta1, beta2, eps, weight_decay,
                  maximize):
    """One Adamax step on NumPy arrays at step number `step` (1, 2, ...); all arrays but `grad`
    change in place.

        g = -grad if maximize else grad
        g = g + weight_decay * param
        m = beta1 * m + (1 - beta1) * g
        u = max(beta2 * u, |g| + eps)
        param -= lr / (1 - beta1^t) * m / u"""
    g = _grad_with_weight_decay(param, grad, weight_decay, maximize)
    _lerp_(exp_avg, g, 1 - beta1)
    exp_inf *= beta2
    norm = xp.abs(g, out=xp.empty_like(exp_inf))  # a new array even for 0-d params
    norm += eps
    xp.maximum(exp_inf, norm, out=exp_inf)
    xp.divide(exp_avg, exp_inf, out=norm)
    norm *= lr / (1 - beta1 ** step)
    param -= norm


class Adamax(Optimizer):
    """Adamax(params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, foreach=None, *,
    maximize=False, differentiable=False, capturable=False), as torch.optim.Adamax.
    State: `step`, `exp_avg`, `exp_inf`."""

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 foreach=None, *, maximize=False, differentiable=False, capturable=False):
        _check_lr(lr)
        _check_non_negative("epsilon", eps)
        _check_betas(betas)
        _check_non_negative("weight_decay", weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def _update_group(self, group):
        beta1, beta2 = group["betas"]
        options = dict(lr=float(group["lr"]), beta1=beta1, beta2=beta2, eps=group["eps"],
                       weight_decay=group["weight_decay"], maximize=group["maximize"])
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self._lazy_state(p, ("exp_avg", "exp_inf"))
            step = self._count_step(p, state)
            adamax_update(p._data, p.grad._data, state["exp_avg"]._data, state["exp_inf"]._data,
                          step, **options)
