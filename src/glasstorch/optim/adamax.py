"""Adamax (Kingma & Ba, 2015, section 7): Adam with the infinity norm in place of the RMS."""
from .._backend import xp
from .._tensor import _make
from .optimizer import Optimizer, _check_lr, _new_step


def adamax_update(param, grad, exp_avg, exp_inf, step, *, lr, beta1, beta2, eps, weight_decay,
                  maximize):
    """One Adamax step on NumPy arrays at step number `step` (1, 2, ...); all arrays but `grad`
    change in place.

        g = -grad if maximize else grad
        g = g + weight_decay * param
        m = beta1 * m + (1 - beta1) * g
        u = max(beta2 * u, |g| + eps)
        param -= lr / (1 - beta1^t) * m / u"""
    g = -grad if maximize else grad
    if weight_decay != 0:
        g = g + weight_decay * param
    exp_avg += (1 - beta1) * (g - exp_avg)
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
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
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
            state = self.state[p]
            if len(state) == 0:
                state["step"] = _new_step()
                state["exp_avg"] = _make(xp.zeros_like(p._data))
                state["exp_inf"] = _make(xp.zeros_like(p._data))
            step = state["step"]._data
            step += 1
            p._bump_version()
            adamax_update(p._data, p.grad._data, state["exp_avg"]._data, state["exp_inf"]._data,
                          float(step), **options)
