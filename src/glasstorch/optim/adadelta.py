"""Adadelta (Zeiler, 2012): steps scaled by the ratio of running RMS of updates and gradients."""
from .._backend import xp
from .._tensor import _make
from .optimizer import Optimizer, _check_lr, _new_step


def adadelta_update(param, grad, square_avg, acc_delta, *, lr, rho, eps, weight_decay, maximize):
    """One Adadelta step on NumPy arrays; all arrays but `grad` change in place.

        g     = -grad if maximize else grad
        g     = g + weight_decay * param
        v     = rho * v + (1 - rho) * g^2
        delta = sqrt(u + eps) / sqrt(v + eps) * g
        u     = rho * u + (1 - rho) * delta^2
        param -= lr * delta"""
    g = -grad if maximize else grad
    if weight_decay != 0:
        g = g + weight_decay * param
    square_avg *= rho
    square_avg += (1 - rho) * (g * g)
    delta = xp.sqrt(acc_delta + eps)
    delta /= xp.sqrt(square_avg + eps)
    delta *= g
    acc_delta *= rho
    acc_delta += (1 - rho) * (delta * delta)
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
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize,
                        capturable=capturable, foreach=foreach, differentiable=differentiable)
        super().__init__(params, defaults)

    def _update_group(self, group):
        options = dict(lr=float(group["lr"]), rho=group["rho"], eps=group["eps"],
                       weight_decay=group["weight_decay"], maximize=group["maximize"])
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self.state[p]
            if len(state) == 0:
                state["step"] = _new_step()
                state["square_avg"] = _make(xp.zeros_like(p._data))
                state["acc_delta"] = _make(xp.zeros_like(p._data))
            state["step"]._data += 1
            p._bump_version()
            adadelta_update(p._data, p.grad._data, state["square_avg"]._data,
                            state["acc_delta"]._data, **options)
