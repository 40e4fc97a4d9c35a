"""Adagrad (Duchi et al., 2011): per-coordinate step sizes from the sum of squared gradients."""
from .._backend import xp
from .._tensor import _make
from .optimizer import (Optimizer, _check_lr, _check_non_negative, _grad_with_weight_decay,
                        _new_step, _sqrt)


def adagrad_update(param, grad, state_sum, step, *, lr, lr_decay, weight_decay, eps, maximize):
    """One Adagrad step on NumPy arrays at step number `step` (1, 2, ...); `param` and
    `state_sum` change in place.

        g   = -grad if maximize else grad
        g   = g + weight_decay * param
        clr = lr / (1 + (t - 1) * lr_decay)
        sum = sum + g^2
        param -= clr * g / (sqrt(sum) + eps)"""
    g = _grad_with_weight_decay(param, grad, weight_decay, maximize)
    clr = lr / (1 + (step - 1) * lr_decay)
    state_sum += g * g
    std = _sqrt(state_sum)
    std += eps
    xp.divide(g, std, out=std)
    std *= clr
    param -= std


class Adagrad(Optimizer):
    """Adagrad(params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
    eps=1e-10, foreach=None, *, maximize=False, differentiable=False, fused=None), as
    torch.optim.Adagrad. Unlike the other optimizers, its state (`step`, `sum`) is created for
    every parameter at construction, as PyTorch does."""

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
                 eps=1e-10, foreach=None, *, maximize=False, differentiable=False, fused=None):
        _check_lr(lr)
        _check_non_negative("lr_decay", lr_decay)
        _check_non_negative("weight_decay", weight_decay)
        _check_non_negative("initial_accumulator_value", initial_accumulator_value)
        _check_non_negative("epsilon", eps)
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p)

    def _init_state(self, p):
        state = self.state[p]
        state["step"] = _new_step()
        # PyTorch takes the initial value from the constructor defaults, not from the group
        state["sum"] = _make(xp.full_like(p._data, self.defaults["initial_accumulator_value"]))

    def _update_group(self, group):
        options = dict(lr=float(group["lr"]), lr_decay=group["lr_decay"],
                       weight_decay=group["weight_decay"], eps=group["eps"],
                       maximize=group["maximize"])
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self.state[p]
            if len(state) == 0:  # a group added after construction
                self._init_state(p)
            step = self._count_step(p, state)
            adagrad_update(p._data, p.grad._data, state["sum"]._data, step, **options)
