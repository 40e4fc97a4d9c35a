"""Optimizer: the base class of every optimizer, with PyTorch's data model.

    param_groups  a list of dicts: {'params': [tensors], 'lr': ..., <other options>}; options a
                  group leaves out are filled from `defaults`
    state         a dict keyed by parameter tensor, holding that parameter's buffers (momentum,
                  running averages, step count) as Tensors

A subclass sets its defaults in `__init__` and implements `_update_group(group)`, a loop over the
group's parameters that calls its update rule (one short function on NumPy arrays, in the
subclass's file). The update works in place on `p._data`, so no autograd graph is ever recorded
and no Tensor objects are created per step (that is the fast path on NumPy).
"""
from collections import defaultdict
from copy import deepcopy
from itertools import chain

from .. import _backend
from .._backend import xp
from .._tensor import Tensor, _make
from ..autograd.grad_mode import enable_grad


class _RequiredParameter:
    """Marks a default that every param group must give (e.g. `lr` in a user's optimizer)."""

    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()


def _typename(obj):
    return "torch.Tensor" if isinstance(obj, Tensor) else type(obj).__name__


def _scalar_dtype():
    """dtype of scalar state such as `step`: float32, or float64 when that is the default dtype
    (PyTorch's `_get_scalar_dtype`)."""
    return xp.float64 if _backend.get_default_dtype().np == xp.float64 else xp.float32


def _new_step():
    """A fresh step counter: a 0-d float tensor, as PyTorch keeps it."""
    return _make(xp.zeros((), dtype=_scalar_dtype()))


def _sqrt(x):
    """sqrt(x) as a new array. NumPy would return a scalar for a 0-d input, and the update rules
    go on to use the result as an `out=` buffer."""
    return xp.sqrt(x, out=xp.empty_like(x))


def _check_lr(lr):
    """Validate a learning rate (a float or a 1-element Tensor) the way PyTorch does."""
    if isinstance(lr, Tensor) and lr.numel() != 1:
        raise ValueError("Tensor lr must be 1-element")
    if not 0.0 <= float(lr):
        raise ValueError(f"Invalid learning rate: {lr}")


def _check_non_negative(name, value):
    """PyTorch's check of a hyper-parameter that must be >= 0, e.g. ("epsilon", eps). Written
    `not 0 <= value` so that NaN is refused too."""
    if not 0.0 <= value:
        raise ValueError(f"Invalid {name} value: {value}")


def _check_betas(betas):
    """The Adam family's (beta1, beta2): each must lie in [0, 1)."""
    for index in (0, 1):
        if not 0.0 <= betas[index] < 1.0:
            raise ValueError(f"Invalid beta parameter at index {index}: {betas[index]}")


# ---------------------------------------------------------------------------------------------
# fragments shared by the update rules (all on NumPy arrays, in place where the name ends in _)
# ---------------------------------------------------------------------------------------------
def _grad_with_weight_decay(param, grad, weight_decay, maximize, decoupled=False, lr=None):
    """The gradient an update rule follows: g = -grad if maximize else grad, with weight decay
    either as an L2 penalty, g + weight_decay * param, or, when `decoupled` (AdamW), applied to
    the parameter directly, param *= 1 - lr * weight_decay, leaving g alone. Returns `grad`
    itself (no copy) when neither changes it."""
    g = -grad if maximize else grad
    if weight_decay != 0:
        if decoupled:
            param *= 1 - lr * weight_decay
        else:
            g = g + weight_decay * param
    return g


def _lerp_(avg, value, weight):
    """avg += weight * (value - avg): a running mean of `value`, as PyTorch's
    avg.lerp_(value, weight) (e.g. Adam's m = beta1 * m + (1 - beta1) * g with weight 1-beta1)."""
    avg += weight * (value - avg)


def _mean_square_(avg, value, decay):
    """avg = decay * avg + (1 - decay) * value^2: a running mean of squares, in PyTorch's order
    avg.mul_(decay).addcmul_(value, value, value=1 - decay)."""
    avg *= decay
    avg += (1 - decay) * (value * value)


class Optimizer:
    """Base class: holds param_groups and state, and provides zero_grad, step (closure handling),
    add_param_group, state_dict/load_state_dict and a PyTorch-style repr."""

    def __init__(self, params, defaults):
        self.defaults = defaults
        if defaults.get("differentiable", False):
            raise RuntimeError("glasstorch optimizers update parameters in place on their arrays "
                               "and cannot record the update in the autograd graph: "
                               "differentiable=True is not supported")
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of "
                            "Tensors or dicts, but got " + _typename(params))
        self.state = defaultdict(dict)
        self.param_groups = []

        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for param_group in param_groups:
            self.add_param_group(param_group)

    # ------------------------------------------------------------------ groups
    def add_param_group(self, param_group):
        """Add a group of parameters (a dict with 'params' and optional per-group options)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, "
                            "but the ordering of tensors in sets will change between runs. "
                            "Please use a list instead.")
        else:
            params = list(params)

        # named parameters, as model.named_parameters() yields them: (name, tensor) pairs
        names = [p[0] for p in params if isinstance(p, tuple)]
        params = [p[1] if isinstance(p, tuple) else p for p in params]
        param_group["params"] = params
        if names:
            if len(names) != len(params):
                raise ValueError("all optimizer params should be with/without names. Some param "
                                 "names are missing")
            param_group["param_names"] = names

        for param in params:
            if not isinstance(param, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is "
                                + _typename(param))
            if not (param.is_leaf or param.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")

        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(f"parameter group didn't specify a value of required "
                                 f"optimization parameter {name}")
            param_group.setdefault(name, default)

        if len(params) != len({id(p) for p in params}):
            import warnings
            warnings.warn("optimizer contains a parameter group with duplicate parameters; "
                          "in future, this will cause an error; see "
                          "github.com/pytorch/pytorch/issues/40967 for more information",
                          stacklevel=3)

        seen = set()
        for group in self.param_groups:
            seen.update(id(p) for p in group["params"])
            if ("param_names" in param_group) != ("param_names" in group):
                which = "with names" if "param_names" in param_group else "without names"
                raise ValueError(f"all optimizer param groups should be with/without names. "
                                 f"cannot add param group {which} to the optimizer")
        if any(id(p) in seen for p in params):
            raise ValueError("some parameters appear in more than one parameter group")

        self.param_groups.append(param_group)

    # ------------------------------------------------------------------ gradients and steps
    def zero_grad(self, set_to_none=True):
        """Reset every parameter's `.grad`: to None (default, as in PyTorch 2.x) or to zeros."""
        for group in self.param_groups:
            for p in group["params"]:
                grad = p.grad
                if grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                    continue
                if grad.grad_fn is not None:
                    grad.detach_()
                else:
                    grad.requires_grad_(False)
                if grad._data.flags.writeable:
                    grad._data.fill(0)
                else:  # e.g. a broadcast view handed over by a hook: give it its own memory
                    grad._data = xp.zeros_like(grad._data)

    def step(self, closure=None):
        """Update every parameter that has a `.grad`. `closure`, if given, re-evaluates the
        model (under enable_grad) and returns the loss, which step returns."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            self._update_group(group)
        return loss

    def _update_group(self, group):
        raise NotImplementedError(f"{type(self).__name__} must implement step() or "
                                  f"_update_group(group)")

    def _lazy_state(self, p, buffers):
        """`self.state[p]`, created on p's first update (as PyTorch does): a `step` count and one
        zero-filled array like p per name in `buffers`, in that order."""
        state = self.state[p]
        if len(state) == 0:
            state["step"] = _new_step()
            for name in buffers:
                state[name] = _make(xp.zeros_like(p._data))
        return state

    @staticmethod
    def _count_step(p, state):
        """Add one to state['step'] and return the new count as a float. Also bumps p's version:
        the update writes p in place, and PyTorch counts that against tensors saved for backward."""
        step = state["step"]._data
        step += 1
        p._bump_version()
        return float(step)

    # ------------------------------------------------------------------ saving and loading
    def state_dict(self):
        """{'state': {index: {name: value}}, 'param_groups': [{options..., 'params': [index]}]}.

        Parameters are replaced by their position across all groups, so the dict can be
        loaded into a new optimizer built over other tensors of the same shapes. As in PyTorch,
        the state values are the optimizer's own tensors (not copies)."""
        index_of = {}

        def pack_group(group):
            packed = {k: v for k, v in group.items() if k != "params"}
            for p in group["params"]:
                index_of.setdefault(id(p), len(index_of))
            packed["params"] = [index_of[id(p)] for p in group["params"]]
            return packed

        param_groups = [pack_group(g) for g in self.param_groups]
        packed_state = {(index_of[id(k)] if isinstance(k, Tensor) else k): v
                        for k, v in self.state.items()}
        return {"state": packed_state, "param_groups": param_groups}

    def load_state_dict(self, state_dict):
        """Load a dict made by `state_dict()`. Group count and sizes must match; state tensors
        are copied and cast to their parameter's dtype (the step count keeps its own)."""
        groups = self.param_groups
        saved_groups = deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match "
                             "the size of optimizer's group")

        param_of = dict(zip(chain.from_iterable(g["params"] for g in saved_groups),
                            chain.from_iterable(g["params"] for g in groups)))
        state = defaultdict(dict)
        for key, value in state_dict["state"].items():
            if key in param_of:
                param = param_of[key]
                state[param] = _cast_state(param, value)
            else:
                state[key] = value

        for group, new_group in zip(groups, saved_groups):
            new_group["params"] = group["params"]
            if "param_names" in group and "param_names" not in new_group:
                new_group["param_names"] = group["param_names"]
        self.__setstate__({"state": state, "param_groups": saved_groups})

    def __getstate__(self):
        return {"defaults": self.defaults, "state": self.state,
                "param_groups": self.param_groups}

    def __setstate__(self, state):
        self.__dict__.update(state)

    def __repr__(self):
        text = self.__class__.__name__ + " ("
        for i, group in enumerate(self.param_groups):  # groups are separated by a blank line
            text += f"\nParameter Group {i}\n"
            text += "".join(f"    {key}: {group[key]}\n" for key in sorted(group)
                            if key != "params")
        return text + ")"


def _cast_state(param, value, key=None):
    """A copy of a saved state value with its tensors cast to `param`'s dtype. The step count is
    copied as it is (PyTorch keeps `step` in its own float dtype)."""
    if isinstance(value, Tensor):
        if key == "step" or param._data.dtype.kind not in "fc":
            return _make(value._data.copy())
        return _make(value._data.astype(param._data.dtype))
    if isinstance(value, dict):
        return {k: _cast_state(param, v, k) for k, v in value.items()}
    if key == "step" and isinstance(value, (int, float)):
        return _make(xp.array(value, dtype=_scalar_dtype()))  # an old checkpoint's plain number
    if isinstance(value, (list, tuple)):
        return type(value)(_cast_state(param, v) for v in value)
    return value
