"""RMSprop (Hinton's lecture 6e): divide the gradient by a running root-mean-square of it."""
from .._backend import xp
from .optimizer import (Optimizer, _check_lr, _check_non_negative, _grad_with_weight_decay,
                        _lerp_, _mean_square_, _sqrt)


def rmsprop_update(param, grad, square_avg, grad_avg, momentum_buffer, *, lr, alpha, eps,
                   weight_decay, momentum, maximize):
    """One RMSprop step on NumPy arrays; all arrays but `grad` change in place. `grad_avg` is
    None unless centered, `momentum_buffer` None unless momentum > 0.

        g   = -grad if maximize else grad
        g   = g + weight_decay * param
        v   = alpha * v + (1 - alpha) * g^2
        avg = sqrt(v - gbar^2) + eps   with gbar = alpha * gbar + (1 - alpha) * g   (centered)
        avg = sqrt(v) + eps                                                          (otherwise)
        buf = momentum * buf + g / avg;  param -= lr * buf      (momentum > 0)
        param -= lr * g / avg                                   (otherwise)"""
    g = _grad_with_weight_decay(param, grad, weight_decay, maximize)
    _mean_square_(square_avg, g, alpha)
    if grad_avg is not None:
        _lerp_(grad_avg, g, 1 - alpha)
        avg = _sqrt(square_avg - grad_avg * grad_avg)
    else:
        avg = _sqrt(square_avg)
    avg += eps
    if momentum_buffer is not None:
        momentum_buffer *= momentum
        momentum_buffer += g / avg
        param -= lr * momentum_buffer
    else:
        xp.divide(g, avg, out=avg)
        avg *= lr
        param -= avg


class RMSprop(Optimizer):
    """RMSprop(params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
    centered=False, capturable=False, foreach=None, maximize=False, differentiable=False), as
    torch.optim.RMSprop. State: `step`, `square_avg`, plus `momentum_buffer` (momentum > 0)
    and `grad_avg` (centered)."""

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, capturable=False, foreach=None, maximize=False,
                 differentiable=False):
        _check_lr(lr)
        _check_non_negative("epsilon", eps)
        _check_non_negative("momentum", momentum)
        _check_non_negative("weight_decay", weight_decay)
        _check_non_negative("alpha", alpha)
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, capturable=capturable, foreach=foreach,
                        maximize=maximize, differentiable=differentiable)
        super().__init__(params, defaults)

    def _update_group(self, group):
        options = dict(lr=float(group["lr"]), alpha=group["alpha"], eps=group["eps"],
                       weight_decay=group["weight_decay"], momentum=group["momentum"],
                       maximize=group["maximize"])
        uses_momentum, centered = group["momentum"] > 0, group["centered"]
        buffers = (("square_avg",) + (("momentum_buffer",) if uses_momentum else ())
                   + (("grad_avg",) if centered else ()))
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self._lazy_state(p, buffers)
            self._count_step(p, state)
            rmsprop_update(p._data, p.grad._data, state["square_avg"]._data,
                           state["grad_avg"]._data if centered else None,
                           state["momentum_buffer"]._data if uses_momentum else None,
                           **options)
