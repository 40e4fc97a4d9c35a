"""SGD: stochastic gradient descent with optional momentum, Nesterov momentum and weight decay."""
from .._tensor import _make
from .optimizer import Optimizer, _check_lr, _grad_with_weight_decay


def sgd_update(param, grad, momentum_buffer, *, lr, momentum, dampening, weight_decay, nesterov,
               maximize):
    """One SGD step on NumPy arrays; `param` (and the buffer) change in place. Returns the
    momentum buffer, created from the first gradient when `momentum_buffer` is None.

        g   = -grad if maximize else grad
        g   = g + weight_decay * param
        buf = g                                        (first step)
        buf = momentum * buf + (1 - dampening) * g     (later steps)
        g   = g + momentum * buf  if nesterov  else  buf
        param -= lr * g

    This is PyTorch's momentum convention: lr multiplies the buffer when it is applied, not
    when it is accumulated (Sutskever et al. write v = mu*v + lr*g; p -= v). The two agree for
    a constant lr and differ when a scheduler changes it."""
    g = _grad_with_weight_decay(param, grad, weight_decay, maximize)
    if momentum != 0:
        if momentum_buffer is None:
            momentum_buffer = g.copy()
        else:
            momentum_buffer *= momentum
            momentum_buffer += (1 - dampening) * g
        g = g + momentum * momentum_buffer if nesterov else momentum_buffer
    param -= lr * g
    return momentum_buffer


class SGD(Optimizer):
    """SGD(params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *,
    maximize=False, foreach=None, differentiable=False, fused=None), as torch.optim.SGD.
    `foreach` and `fused` are accepted and change nothing: a loop of in-place NumPy updates is
    the only implementation."""

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False,
                 *, maximize=False, foreach=None, differentiable=False, fused=None):
        _check_lr(lr)
        # PyTorch writes these two as `< 0.0`, so NaN passes here (unlike _check_non_negative)
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize, foreach=foreach,
                        differentiable=differentiable, fused=fused)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)

    def _update_group(self, group):
        options = dict(lr=float(group["lr"]), momentum=group["momentum"],
                       dampening=group["dampening"], weight_decay=group["weight_decay"],
                       nesterov=group["nesterov"], maximize=group["maximize"])
        uses_momentum = group["momentum"] != 0
        for p in group["params"]:
            if p.grad is None:
                continue
            p._bump_version()  # an in-place write, as PyTorch counts it for saved tensors
            if not uses_momentum:  # plain SGD keeps no state, as in PyTorch
                sgd_update(p._data, p.grad._data, None, **options)
                continue
            state = self.state[p]
            buf = state.get("momentum_buffer")
            new_buf = sgd_update(p._data, p.grad._data, None if buf is None else buf._data,
                                 **options)
            if buf is None:
                state["momentum_buffer"] = _make(new_buf)
