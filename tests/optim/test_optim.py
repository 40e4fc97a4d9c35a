"""Optimizers against torch.optim: the same initial parameters and the same stream of hand-set
gradients must give the same parameter trajectory, state_dict and errors."""
import copy

import numpy as np
import pytest
import torch

import glasstorch as gt
from tests.oracle.harness import check_error

SHAPES = [(3, 4), (5,), (), (2, 3, 2)]

# (optimizer, constructor kwargs, options of the second param group)
CASES = [
    ("SGD", dict(lr=0.1), {}),
    ("SGD", dict(lr=0.05, momentum=0.9), dict(lr=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.3, weight_decay=0.1), dict(momentum=0.5)),
    ("SGD", dict(lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.01), {}),
    ("SGD", dict(lr=0.05, momentum=0.8, maximize=True), dict(weight_decay=0.2)),
    ("SGD", dict(), {}),  # torch 2.x default lr=1e-3
    ("Adam", dict(), dict(lr=0.01)),
    ("Adam", dict(lr=0.05, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1), {}),
    ("Adam", dict(lr=0.05, amsgrad=True), dict(amsgrad=False)),
    ("Adam", dict(lr=0.05, maximize=True, amsgrad=True, weight_decay=0.05), {}),
    ("Adam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True), {}),
    ("AdamW", dict(lr=0.05), dict(weight_decay=0.5)),
    ("AdamW", dict(lr=0.05, amsgrad=True, maximize=True, betas=(0.5, 0.9)), {}),
    ("RMSprop", dict(), dict(lr=0.001)),
    ("RMSprop", dict(lr=0.01, alpha=0.9, eps=1e-6, weight_decay=0.1), {}),
    ("RMSprop", dict(lr=0.01, momentum=0.9), dict(momentum=0.0)),
    ("RMSprop", dict(lr=0.01, centered=True), dict(centered=False)),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5, maximize=True), {}),
    ("Adagrad", dict(), dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05, weight_decay=0.1), {}),
    ("Adagrad", dict(lr=0.1, initial_accumulator_value=0.5, eps=1e-5, maximize=True), {}),
    ("Adadelta", dict(), dict(lr=0.5)),
    ("Adadelta", dict(lr=0.5, rho=0.8, eps=1e-5, weight_decay=0.1, maximize=True), {}),
    ("Adamax", dict(), dict(lr=0.01)),
    ("Adamax", dict(lr=0.05, betas=(0.8, 0.99), weight_decay=0.1, maximize=True), {}),
    ("NAdam", dict(), dict(lr=0.01)),
    ("NAdam", dict(lr=0.05, momentum_decay=0.01, weight_decay=0.1), {}),
    ("NAdam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True, maximize=True), {}),
    ("RAdam", dict(), dict(lr=0.01)),
    ("RAdam", dict(lr=0.05, betas=(0.8, 0.9), weight_decay=0.1), {}),
    ("RAdam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True, maximize=True), {}),
    # a large eps, so that where eps enters the update is visible at float32 tolerance
    ("Adam", dict(lr=0.05, eps=0.1, amsgrad=True), {}),
    ("RMSprop", dict(lr=0.01, eps=0.1, centered=True), {}),
    ("Adagrad", dict(lr=0.1, eps=0.1), {}),
    ("Adamax", dict(lr=0.05, eps=0.5), {}),
    ("NAdam", dict(lr=0.05, eps=0.1), {}),
    ("RAdam", dict(lr=0.05, eps=0.1), {}),
    ("Adadelta", dict(eps=0.1), {}),
]
IDS = [f"{name}-{i}" for i, (name, _, _) in enumerate(CASES)]


def make(lib, name, kwargs, group2, dtype="float32", seed=0):
    """Four parameters in two groups, from a seeded stream; returns (params, optimizer, rng)."""
    rng = np.random.default_rng(seed)
    params = [lib.tensor(rng.standard_normal(s).astype(dtype), requires_grad=True)
              for s in SHAPES]
    groups = [{"params": params[:2]}, {"params": params[2:], **group2}]
    return params, getattr(lib.optim, name)(groups, **kwargs), rng


def run(lib, params, opt, rng, steps, dtype="float32"):
    """`steps` optimizer steps with gradients drawn from `rng`; the last parameter gets no
    gradient every third step (it must then be skipped). Returns the trajectory."""
    out = []
    for step in range(steps):
        for i, p in enumerate(params):
            g = (rng.standard_normal(SHAPES[i]) * 2).astype(dtype)
            p.grad = None if (i == 3 and step % 3 == 1) else lib.tensor(g)
        opt.step()
        out.append([p.detach().numpy().copy() for p in params])
    return out


def assert_trajectories(ours, theirs, rtol=1e-5, atol=1e-5):
    for step, (a, b) in enumerate(zip(ours, theirs)):
        for i, (x, y) in enumerate(zip(a, b)):
            assert x.dtype == y.dtype
            np.testing.assert_allclose(x, y, rtol=rtol, atol=atol,
                                       err_msg=f"param {i} differs after step {step + 1}")


def _np(v):
    return v.detach().numpy() if isinstance(v, (gt.Tensor, torch.Tensor)) else v


def assert_same_state_dict(ours, theirs):
    assert ours["param_groups"] == theirs["param_groups"]
    assert [list(g) for g in ours["param_groups"]] == [list(g) for g in theirs["param_groups"]]
    assert list(ours["state"]) == list(theirs["state"])
    for key, entry in theirs["state"].items():
        mine = ours["state"][key]
        assert list(mine) == list(entry), f"state keys of param {key}"
        for name, value in entry.items():
            assert isinstance(mine[name], gt.Tensor) == isinstance(value, torch.Tensor)
            if isinstance(value, torch.Tensor):
                assert str(mine[name].dtype) == str(value.dtype), name
                assert tuple(mine[name].shape) == tuple(value.shape), name
            np.testing.assert_allclose(_np(mine[name]), _np(value), rtol=1e-5, atol=1e-5,
                                       err_msg=name)


@pytest.mark.parametrize("name,kwargs,group2", CASES, ids=IDS)
def test_trajectory_and_state_dict_match_torch(name, kwargs, group2):
    ours = make(gt, name, kwargs, group2)
    theirs = make(torch, name, kwargs, group2)
    assert_trajectories(run(gt, *ours, 30), run(torch, *theirs, 30))
    assert_same_state_dict(ours[1].state_dict(), theirs[1].state_dict())
    assert repr(ours[1]) == repr(theirs[1])


@pytest.mark.parametrize("name,kwargs,group2", CASES[1:3] + CASES[7:8] + CASES[15:17],
                         ids=IDS[1:3] + IDS[7:8] + IDS[15:17])
def test_float64_params(name, kwargs, group2):
    ours = make(gt, name, kwargs, group2, dtype="float64")
    theirs = make(torch, name, kwargs, group2, dtype="float64")
    assert_trajectories(run(gt, *ours, 20, "float64"), run(torch, *theirs, 20, "float64"),
                        rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("name,kwargs,group2", CASES, ids=IDS)
def test_resume_from_state_dict_equals_uninterrupted_run(name, kwargs, group2):
    """15 steps, save, fresh params + fresh optimizer, load, 15 more == torch's 30 steps."""
    theirs = run(torch, *make(torch, name, kwargs, group2), 30)
    params, opt, rng = make(gt, name, kwargs, group2)
    first = run(gt, params, opt, rng, 15)
    saved = copy.deepcopy(opt.state_dict())
    del opt
    # new tensors holding the current values, with a differently configured optimizer
    params = [gt.tensor(p.detach().numpy().copy(), requires_grad=True) for p in params]
    new = getattr(gt.optim, name)([{"params": params[:2]}, {"params": params[2:]}], lr=0.123)
    new.load_state_dict(saved)
    assert new.state_dict()["param_groups"] == saved["param_groups"]
    second = run(gt, params, new, rng, 15)
    assert_trajectories(first + second, theirs)


def test_load_state_dict_copies_and_casts_to_param_dtype():
    p = gt.tensor(np.ones(3, np.float32), requires_grad=True)
    opt = gt.optim.Adam([p])
    p.grad = gt.tensor(np.ones(3, np.float32))
    opt.step()
    saved = opt.state_dict()
    q = gt.tensor(np.ones(3, np.float64), requires_grad=True)
    opt2 = gt.optim.Adam([q])
    opt2.load_state_dict(saved)
    state = opt2.state[q]
    assert state["exp_avg"].dtype == gt.float64 and state["step"].dtype == gt.float32
    assert state["exp_avg"]._data is not saved["state"][0]["exp_avg"]._data
    # torch does the same casting
    tq = torch.ones(3, dtype=torch.float64, requires_grad=True)
    topt = torch.optim.Adam([tq])
    tp = torch.ones(3, requires_grad=True)
    tp.grad = torch.ones(3)
    t_first = torch.optim.Adam([tp])
    t_first.step()
    topt.load_state_dict(t_first.state_dict())
    assert topt.state[tq]["exp_avg"].dtype == torch.float64
    assert topt.state[tq]["step"].dtype == torch.float32


@pytest.mark.parametrize("groups,saved", [(1, 2), (2, 1)])
def test_load_state_dict_group_mismatch(groups, saved):
    def build(lib, n):
        ps = [lib.tensor(np.ones(2, np.float32), requires_grad=True) for _ in range(2)]
        return lib.optim.SGD([{"params": ps}] if n == 1 else
                             [{"params": ps[:1]}, {"params": ps[1:]}], lr=0.1)

    err = check_error(lambda lib: build(lib, groups).load_state_dict(
        build(lib, saved).state_dict()))
    assert isinstance(err, ValueError) and "parameter group" in str(err)


def test_load_state_dict_group_size_mismatch():
    def fn(lib):
        a, b, c = (lib.tensor(np.ones(2, np.float32), requires_grad=True) for _ in range(3))
        lib.optim.SGD([a, b], lr=0.1).load_state_dict(lib.optim.SGD([c], lr=0.1).state_dict())

    assert "doesn't match the size" in str(check_error(fn))


# ---------------------------------------------------------------------------------------------
# param groups, zero_grad, step(closure)
# ---------------------------------------------------------------------------------------------
def _leaf(lib, n=3):
    return lib.tensor(np.arange(n, dtype=np.float32), requires_grad=True)


def test_param_groups_filled_from_defaults():
    a, b = _leaf(gt), _leaf(gt)
    opt = gt.optim.SGD([{"params": [a]}, {"params": b, "lr": 0.5}], lr=0.1, momentum=0.9)
    assert opt.param_groups[0]["lr"] == 0.1 and opt.param_groups[1]["lr"] == 0.5
    assert opt.param_groups[1]["params"][0] is b and opt.param_groups[1]["momentum"] == 0.9
    assert opt.defaults["lr"] == 0.1
    # a bare generator of params is one group
    opt = gt.optim.Adam(p for p in [a, b])
    assert len(opt.param_groups) == 1 and len(opt.param_groups[0]["params"]) == 2


def test_add_param_group_and_named_params():
    def fn(lib):
        a, b = _leaf(lib), _leaf(lib)
        opt = lib.optim.Adam([a], lr=0.1)
        opt.add_param_group({"params": [b], "lr": 0.01})
        return [sorted(k for k in g if k != "params") for g in opt.param_groups], \
            [g["lr"] for g in opt.param_groups]

    assert fn(gt) == fn(torch)
    a = _leaf(gt)
    opt = gt.optim.SGD([("w", a)], lr=0.1)
    assert opt.param_groups[0]["param_names"] == ["w"]
    assert opt.state_dict()["param_groups"][0]["param_names"] == ["w"]


ERRORS = [
    # a parameter in two groups
    ("dup", lambda lib, a: lib.optim.SGD([{"params": [a]}, {"params": [a]}], lr=0.1),
     ValueError, "more than one parameter group"),
    ("non-leaf", lambda lib, a: lib.optim.SGD([a * 2], lr=0.1), ValueError, "non-leaf"),
    ("set", lambda lib, a: lib.optim.SGD([{"params": {a}}], lr=0.1), TypeError,
     "ordered collections"),
    ("tensor", lambda lib, a: lib.optim.SGD(a, lr=0.1), TypeError, "iterable of Tensors"),
    ("empty", lambda lib, a: lib.optim.Adam([]), ValueError, "empty parameter list"),
    ("not-tensor", lambda lib, a: lib.optim.SGD([a, 1.0], lr=0.1), TypeError, "only optimize"),
    ("group-not-dict", lambda lib, a: lib.optim.SGD([a], lr=0.1).add_param_group([a]),
     TypeError, "must be a dict"),
    ("nesterov", lambda lib, a: lib.optim.SGD([a], lr=0.1, nesterov=True), ValueError,
     "Nesterov momentum requires a momentum and zero dampening"),
    ("nesterov-damp", lambda lib, a: lib.optim.SGD([a], lr=0.1, momentum=0.9, dampening=0.1,
                                                   nesterov=True), ValueError, "Nesterov"),
    ("sgd-lr", lambda lib, a: lib.optim.SGD([a], lr=-1), ValueError, "Invalid learning rate: -1"),
    ("sgd-mom", lambda lib, a: lib.optim.SGD([a], momentum=-0.5), ValueError,
     "Invalid momentum value: -0.5"),
    ("sgd-wd", lambda lib, a: lib.optim.SGD([a], weight_decay=-1), ValueError,
     "Invalid weight_decay value: -1"),
    ("adam-lr", lambda lib, a: lib.optim.Adam([a], lr=-0.1), ValueError,
     "Invalid learning rate: -0.1"),
    ("adam-eps", lambda lib, a: lib.optim.Adam([a], eps=-1.0), ValueError,
     "Invalid epsilon value: -1.0"),
    ("adam-b0", lambda lib, a: lib.optim.Adam([a], betas=(1.0, 0.9)), ValueError,
     "Invalid beta parameter at index 0: 1.0"),
    ("adam-b1", lambda lib, a: lib.optim.Adam([a], betas=(0.9, -0.1)), ValueError,
     "Invalid beta parameter at index 1: -0.1"),
    ("adamw-wd", lambda lib, a: lib.optim.AdamW([a], weight_decay=-0.1), ValueError,
     "Invalid weight_decay value: -0.1"),
    ("rms-alpha", lambda lib, a: lib.optim.RMSprop([a], alpha=-0.1), ValueError,
     "Invalid alpha value: -0.1"),
    ("rms-mom", lambda lib, a: lib.optim.RMSprop([a], momentum=-0.1), ValueError,
     "Invalid momentum value: -0.1"),
    ("adagrad-decay", lambda lib, a: lib.optim.Adagrad([a], lr_decay=-0.1), ValueError,
     "Invalid lr_decay value: -0.1"),
    ("adagrad-init", lambda lib, a: lib.optim.Adagrad([a], initial_accumulator_value=-1),
     ValueError, "Invalid initial_accumulator_value value: -1"),
    ("adadelta-rho", lambda lib, a: lib.optim.Adadelta([a], rho=1.5), ValueError,
     "Invalid rho value: 1.5"),
    ("nadam-decay", lambda lib, a: lib.optim.NAdam([a], momentum_decay=-1), ValueError,
     "Invalid momentum_decay value: -1"),
]


@pytest.mark.parametrize("fn,exc,message", [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS])
def test_errors_match_torch(fn, exc, message):
    err = check_error(lambda lib: fn(lib, _leaf(lib)), match=message)
    assert isinstance(err, exc)


@pytest.mark.parametrize("set_to_none", [True, False])
def test_zero_grad(set_to_none):
    a, b = _leaf(gt), _leaf(gt)
    opt = gt.optim.SGD([a, b], lr=0.1)
    a.grad = gt.tensor(np.ones(3, np.float32))
    opt.zero_grad(set_to_none=set_to_none)
    assert b.grad is None
    if set_to_none:
        assert a.grad is None
    else:
        np.testing.assert_array_equal(a.grad.numpy(), np.zeros(3, np.float32))
        assert not a.grad.requires_grad
    opt.zero_grad()  # default: set_to_none=True, as in torch 2.x
    assert a.grad is None


def test_step_with_closure_runs_under_enable_grad_and_returns_loss():
    a = _leaf(gt)
    opt = gt.optim.SGD([a], lr=0.5)
    seen = []

    def closure():
        seen.append(gt.is_grad_enabled())
        a.grad = gt.tensor(np.ones(3, np.float32))
        return 4.25

    with gt.no_grad():
        loss = opt.step(closure)
    assert loss == 4.25 and seen == [True]
    np.testing.assert_allclose(a.detach().numpy(), np.arange(3) - 0.5)
    assert opt.step() is None


def test_step_bumps_parameter_version():
    a = _leaf(gt)
    a.grad = gt.tensor(np.ones(3, np.float32))
    before = a._version
    gt.optim.Adam([a]).step()
    assert a._version > before


def test_no_grads_means_no_state_and_no_change():
    def fn(lib):
        a = _leaf(lib)
        opt = lib.optim.Adam([a], lr=0.1)
        opt.step()
        return opt.state_dict()["state"], a.detach().numpy().tolist()

    assert fn(gt) == fn(torch)


def test_adagrad_state_exists_before_first_step():
    def fn(lib):
        opt = lib.optim.Adagrad([_leaf(lib)], initial_accumulator_value=0.25)
        return {k: {n: v.detach().numpy().tolist() for n, v in s.items()}
                for k, s in opt.state_dict()["state"].items()}

    assert fn(gt) == fn(torch)


def test_default_dtype_float64_makes_float64_step():
    gt.set_default_dtype(gt.float64)
    torch_default = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        def fn(lib):
            a = _leaf(lib)
            a.grad = lib.tensor(np.ones(3, np.float32))
            opt = lib.optim.Adam([a])
            opt.step()
            return str(opt.state[a]["step"].dtype)

        assert fn(gt) == fn(torch)
    finally:
        torch.set_default_dtype(torch_default)


def test_tensor_lr_is_accepted():
    a = _leaf(gt)
    a.grad = gt.tensor(np.ones(3, np.float32))
    gt.optim.SGD([a], lr=gt.tensor(0.5)).step()
    np.testing.assert_allclose(a.detach().numpy(), np.arange(3) - 0.5)
    with pytest.raises(ValueError, match="1-element"):
        gt.optim.SGD([a], lr=gt.tensor([0.1, 0.2]))
