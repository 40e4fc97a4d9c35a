"""NAdam (Dozat, 2016): Adam with Nesterov momentum and a warming-up momentum schedule."""
from .._backend import xp
from .._tensor import _make
from .optimizer import (Optimizer, _check_betas, _check_lr, _check_non_negative,
                        _grad_with_weight_decay, _lerp_, _mean_square_, _new_step,
                        _scalar_dtype)


def nadam_update(param, grad, exp_avg, exp_avg_sq, mu_product, step, *, lr, beta1, beta2, eps,
                 weight_decay, momentum_decay, decoupled_weight_decay, maximize):
    """One NAdam step on NumPy arrays at step number `step` (1, 2, ...); all arrays but `grad`
    change in place. `mu_product` is a 0-d array holding the product of all mu so far.

        g  = -grad if maximize else grad
        param *= 1 - lr * weight_decay  (decoupled)   |   g = g + weight_decay * param
        mu_t = beta1 * (1 - 0.5 * 0.96^(t * momentum_decay))     (and mu_{t+1} likewise)
        m  = beta1 * m + (1 - beta1) * g
        v  = beta2 * v + (1 - beta2) * g^2
        denom = sqrt(v / (1 - beta2^t)) + eps
        param -= lr * (1 - mu_t) / (1 - prod mu_1..t) * g / denom
        param -= lr * mu_{t+1} / (1 - prod mu_1..t+1) * m / denom"""
    g = _grad_with_weight_decay(param, grad, weight_decay, maximize,
                                decoupled=decoupled_weight_decay, lr=lr)
    mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * momentum_decay))
    mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * momentum_decay))
    mu_product *= mu  # kept in the state's float dtype, as PyTorch keeps it
    product = float(mu_product)
    _lerp_(exp_avg, g, 1 - beta1)
    _mean_square_(exp_avg_sq, g, beta2)
    denom = xp.sqrt(exp_avg_sq / (1 - beta2 ** step))
    denom += eps
    param -= (lr * (1.0 - mu) / (1.0 - product)) * (g / denom)
    param -= (lr * mu_next / (1.0 - product * mu_next)) * (exp_avg / denom)


class NAdam(Optimizer):
    """NAdam(params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3,
    decoupled_weight_decay=False, *, foreach=None, maximize=False, capturable=False,
    differentiable=False), as torch.optim.NAdam. State: `step`, `mu_product`, `exp_avg`,
    `exp_avg_sq`."""

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 momentum_decay=4e-3, decoupled_weight_decay=False, *, foreach=None,
                 maximize=False, capturable=False, differentiable=False):
        _check_lr(lr)
        _check_non_negative("epsilon", eps)
        _check_betas(betas)
        _check_non_negative("weight_decay", weight_decay)
        _check_non_negative("momentum_decay", momentum_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        momentum_decay=momentum_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize,
                        foreach=foreach, capturable=capturable, differentiable=differentiable)
        super().__init__(params, defaults)

    def _update_group(self, group):
        beta1, beta2 = group["betas"]
        options = dict(lr=float(group["lr"]), beta1=beta1, beta2=beta2, eps=group["eps"],
                       weight_decay=group["weight_decay"], momentum_decay=group["momentum_decay"],
                       decoupled_weight_decay=group["decoupled_weight_decay"],
                       maximize=group["maximize"])
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self.state[p]
            if len(state) == 0:
                state["step"] = _new_step()
                state["mu_product"] = _make(xp.ones((), dtype=_scalar_dtype()))
                state["exp_avg"] = _make(xp.zeros_like(p._data))
                state["exp_avg_sq"] = _make(xp.zeros_like(p._data))
            step = self._count_step(p, state)
            nadam_update(p._data, p.grad._data, state["exp_avg"]._data,
                         state["exp_avg_sq"]._data, state["mu_product"]._data, step, **options)
