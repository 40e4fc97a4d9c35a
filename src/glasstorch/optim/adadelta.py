"""Adadelta (Zeiler, 2012): steps scaled by the ratio of running RMS of updates and gradients."""
from .._backend import xp
from .optimizer import (Optimizer, _check_lr, _check_non_negative, _grad_with_weight_decay,
                        _mean_square_)


def adadelta_update(param, grad, square_avg, acc_delta, *, lr, rho, eps, weight_decay, maximize):
    """One Adadelta step on NumPy arrays; all arrays but `grad` change in place.

        g     = -grad if maximize else grad
        g     = g + weight_decay * param
        v     = rho * v + (1 - rho) * g^2
        delta = sqrt(u + eps) / sqrt(v + eps) * g
        u     = rho * u + (1 - rho) * delta^2
        param -= lr * delta"""
    g = _grad_with_weight_decay(param, grad, weight_decay, maximize)
    _mean_square_(square_avg, g, rho)
    delta = xp.sqrt(acc_delta + eps)
    delta /= xp.sqrt(square_avg + eps)
    delta *= g
    _mean_square_(acc_delta, delta, rho)
    delta *= lr
    param -= delta


class Adadelta(Optimizer):
    """Adadelta(params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *,
    capturable=False, maximize=False, differentiable=False), as torch.optim.Adadelta.
    State: `step`, `square_avg`, `acc_delta`."""

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *,
                 capturable=False, maximize=False, differentiable=False):
        _check_lr(lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        _check_non_negative("epsilon", eps)
        _check_non_negative("weight_decay", weight_decay)
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize,
                        capturable=capturable, foreach=foreach, differentiable=differentiable)
        super().__init__(params, defaults)

    def _update_group(self, group):
        options = dict(lr=float(group["lr"]), rho=group["rho"], eps=group["eps"],
                       weight_decay=group["weight_decay"], maximize=group["maximize"])
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self._lazy_state(p, ("square_avg", "acc_delta"))
            self._count_step(p, state)
            adadelta_update(p._data, p.grad._data, state["square_avg"]._data,
                            state["acc_delta"]._data, **options)
