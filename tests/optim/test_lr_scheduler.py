"""Learning-rate schedulers against torch.optim.lr_scheduler: the same lr (and momentum) sequence
over many steps, two param groups, state_dict round trips, warnings and errors."""
import copy
import math
import warnings

import numpy as np
import pytest
import torch

import glasstorch as gt
from tests.oracle.harness import check_error


def make_optimizer(lib, kind="SGD"):
    """Two param groups with different lrs; SGD has momentum, Adam has betas."""
    a = lib.tensor(np.ones(3, np.float32), requires_grad=True)
    b = lib.tensor(np.ones(2, np.float32), requires_grad=True)
    groups = [{"params": [a]}, {"params": [b], "lr": 0.01}]
    if kind == "SGD":
        return lib.optim.SGD(groups, lr=0.1, momentum=0.9)
    return lib.optim.Adam(groups, lr=0.1)


def S(lib):
    return lib.optim.lr_scheduler


class Scale:
    """A callable object: its attributes go into state_dict (plain functions do not)."""

    def __init__(self, rate):
        self.rate = rate

    def __call__(self, epoch):
        return self.rate ** epoch


# (id, optimizer kind, steps, factory(lib, optimizer) -> scheduler)
SCHEDULERS = [
    ("step", "SGD", 40, lambda lib, o: S(lib).StepLR(o, step_size=7, gamma=0.5)),
    ("step-default", "Adam", 25, lambda lib, o: S(lib).StepLR(o, 3)),
    ("multistep", "SGD", 40, lambda lib, o: S(lib).MultiStepLR(o, [5, 12, 12, 30], gamma=0.3)),
    ("exponential", "SGD", 40, lambda lib, o: S(lib).ExponentialLR(o, gamma=0.9)),
    ("cosine", "SGD", 100, lambda lib, o: S(lib).CosineAnnealingLR(o, T_max=20)),
    ("cosine-eta", "Adam", 60, lambda lib, o: S(lib).CosineAnnealingLR(o, T_max=13,
                                                                       eta_min=1e-3)),
    ("lambda", "SGD", 30, lambda lib, o: S(lib).LambdaLR(o, lambda e: 1 / (e + 1))),
    ("lambda-list", "SGD", 30, lambda lib, o: S(lib).LambdaLR(
        o, [lambda e: 0.95 ** e, Scale(0.9)])),
    ("multiplicative", "SGD", 30, lambda lib, o: S(lib).MultiplicativeLR(o, lambda e: 0.95)),
    ("multiplicative-obj", "SGD", 30, lambda lib, o: S(lib).MultiplicativeLR(o, Scale(0.99))),
    ("linear", "SGD", 20, lambda lib, o: S(lib).LinearLR(o)),
    ("linear-args", "SGD", 30, lambda lib, o: S(lib).LinearLR(o, start_factor=0.2,
                                                              end_factor=0.7, total_iters=10)),
    ("linear-down", "Adam", 30, lambda lib, o: S(lib).LinearLR(o, start_factor=1.0,
                                                               end_factor=0.1, total_iters=25)),
    ("constant", "SGD", 20, lambda lib, o: S(lib).ConstantLR(o)),
    ("constant-args", "SGD", 20, lambda lib, o: S(lib).ConstantLR(o, factor=0.5,
                                                                  total_iters=8)),
    ("polynomial", "SGD", 20, lambda lib, o: S(lib).PolynomialLR(o, total_iters=12,
                                                                 power=2.0)),
    ("polynomial-default", "SGD", 10, lambda lib, o: S(lib).PolynomialLR(o)),
    ("onecycle", "SGD", 100, lambda lib, o: S(lib).OneCycleLR(o, max_lr=1.0, total_steps=100)),
    ("onecycle-linear-adam", "Adam", 60, lambda lib, o: S(lib).OneCycleLR(
        o, max_lr=[0.5, 0.05], epochs=6, steps_per_epoch=10, anneal_strategy="linear",
        pct_start=0.25, div_factor=10.0, final_div_factor=100.0)),
    ("onecycle-three-phase", "SGD", 50, lambda lib, o: S(lib).OneCycleLR(
        o, max_lr=0.3, total_steps=50, three_phase=True, base_momentum=0.8,
        max_momentum=[0.9, 0.99])),
    ("onecycle-no-momentum", "SGD", 30, lambda lib, o: S(lib).OneCycleLR(
        o, max_lr=0.3, total_steps=30, cycle_momentum=False)),
    ("warm-restarts", "SGD", 60, lambda lib, o: S(lib).CosineAnnealingWarmRestarts(o, T_0=10)),
    ("warm-restarts-mult", "Adam", 80, lambda lib, o: S(lib).CosineAnnealingWarmRestarts(
        o, T_0=5, T_mult=2, eta_min=1e-4)),
    ("cyclic", "SGD", 50, lambda lib, o: S(lib).CyclicLR(o, base_lr=0.01, max_lr=0.1,
                                                          step_size_up=7)),
    ("cyclic-tri2", "SGD", 60, lambda lib, o: S(lib).CyclicLR(
        o, base_lr=[0.01, 0.001], max_lr=[0.1, 0.05], step_size_up=4, step_size_down=6,
        mode="triangular2")),
    ("cyclic-exp-adam", "Adam", 60, lambda lib, o: S(lib).CyclicLR(
        o, base_lr=0.001, max_lr=0.01, step_size_up=5, mode="exp_range", gamma=0.97,
        base_momentum=0.85, max_momentum=0.95)),
    ("cyclic-scale-fn", "SGD", 40, lambda lib, o: S(lib).CyclicLR(
        o, base_lr=0.01, max_lr=0.1, step_size_up=3, scale_fn=lambda x: 0.5 ** x,
        scale_mode="iterations", cycle_momentum=False)),
    ("sequential", "SGD", 40, lambda lib, o: S(lib).SequentialLR(
        o, [S(lib).LinearLR(o, start_factor=0.1, total_iters=5),
            S(lib).ExponentialLR(o, gamma=0.9)], milestones=[5])),
    ("sequential-3", "SGD", 50, lambda lib, o: S(lib).SequentialLR(
        o, [S(lib).ConstantLR(o, factor=0.5, total_iters=4),
            S(lib).CosineAnnealingLR(o, T_max=10), S(lib).StepLR(o, 5, 0.5)],
        milestones=[6, 20])),
    ("chained", "SGD", 40, lambda lib, o: S(lib).ChainedScheduler(
        [S(lib).ConstantLR(o, factor=0.1, total_iters=2), S(lib).ExponentialLR(o, gamma=0.9)])),
    ("chained-3", "Adam", 40, lambda lib, o: S(lib).ChainedScheduler(
        [S(lib).LinearLR(o, start_factor=0.5, total_iters=6), S(lib).StepLR(o, 4, 0.7),
         S(lib).CosineAnnealingLR(o, T_max=15)], optimizer=o)),
]
IDS = [case[0] for case in SCHEDULERS]


def record(optimizer):
    """Each group's lr and, where present, momentum and beta1."""
    out = []
    for group in optimizer.param_groups:
        out.append(float(group["lr"]))
        if "momentum" in group:
            out.append(float(group["momentum"]))
        if "betas" in group:
            out.append(float(group["betas"][0]))
    return out


def lr_sequence(lib, kind, steps, factory, resume_at=None):
    """Initial lrs, then after each optimizer.step(); scheduler.step(). With `resume_at`,
    halfway through both are saved, rebuilt and loaded (scheduler first, as PyTorch asks)."""
    opt = make_optimizer(lib, kind)
    sched = factory(lib, opt)
    seen = [record(opt) + list(map(float, sched.get_last_lr()))]
    for step in range(steps):
        if step == resume_at:
            saved_sched = copy.deepcopy(sched.state_dict())
            saved_opt = copy.deepcopy(opt.state_dict())
            opt = make_optimizer(lib, kind)
            sched = factory(lib, opt)
            sched.load_state_dict(saved_sched)
            opt.load_state_dict(saved_opt)
        opt.step()
        sched.step()
        seen.append(record(opt) + list(map(float, sched.get_last_lr())))
    return np.array(seen)


@pytest.mark.parametrize("kind,steps,factory", [c[1:] for c in SCHEDULERS], ids=IDS)
def test_lr_sequence_matches_torch(kind, steps, factory):
    ours = lr_sequence(gt, kind, steps, factory)
    theirs = lr_sequence(torch, kind, steps, factory)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("kind,steps,factory", [c[1:] for c in SCHEDULERS], ids=IDS)
def test_state_dict_round_trip_continues_the_schedule(kind, steps, factory):
    ours = lr_sequence(gt, kind, steps, factory, resume_at=steps // 2)
    theirs = lr_sequence(torch, kind, steps, factory)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-15)


def _plain(value):
    """state_dict values to comparable plain data."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, float) and math.isinf(value):
        return str(value)
    return value


@pytest.mark.parametrize("kind,steps,factory", [c[1:] for c in SCHEDULERS], ids=IDS)
def test_state_dict_contents_match_torch(kind, steps, factory):
    def state(lib):
        opt = make_optimizer(lib, kind)
        sched = factory(lib, opt)
        for _ in range(5):
            opt.step()
            sched.step()
        sd = sched.state_dict()
        # Counter/partial/lambda objects differ in type across libraries: compare data only
        sd.pop("_scale_fn_custom", None)
        if "milestones" in sd:
            sd["milestones"] = dict(sd["milestones"])
        for sub in sd.get("_schedulers", []):
            if "milestones" in sub:
                sub["milestones"] = dict(sub["milestones"])
        return _plain(sd), _plain(opt.state_dict()["param_groups"])

    assert state(gt) == state(torch)


METRICS = np.concatenate([np.linspace(1.0, 0.5, 10), np.full(15, 0.5),
                          0.5 + 0.01 * np.random.default_rng(3).standard_normal(30),
                          np.linspace(0.5, 0.2, 10), np.full(20, 0.2)])
PLATEAU = [
    dict(),
    dict(patience=2, factor=0.5),
    dict(mode="max", patience=3, factor=0.3, threshold=0.01),
    dict(patience=1, threshold_mode="abs", threshold=0.05, cooldown=3),
    dict(mode="max", threshold_mode="abs", patience=0, cooldown=1, min_lr=[0.02, 0.001]),
    dict(patience=0, factor=0.5, min_lr=0.009, eps=1e-3),
]


@pytest.mark.parametrize("kwargs", PLATEAU, ids=[str(i) for i in range(len(PLATEAU))])
def test_reduce_lr_on_plateau_matches_torch(kwargs):
    def run(lib):
        opt = make_optimizer(lib)
        sched = S(lib).ReduceLROnPlateau(opt, **kwargs)
        seen = []
        for i, metric in enumerate(METRICS):
            if i == 40:  # round trip through state_dict halfway
                saved = copy.deepcopy(sched.state_dict())
                saved_opt = copy.deepcopy(opt.state_dict())
                opt = make_optimizer(lib)
                sched = S(lib).ReduceLROnPlateau(opt, **kwargs)
                sched.load_state_dict(saved)
                opt.load_state_dict(saved_opt)
            opt.step()
            sched.step(lib.tensor(metric) if i % 2 else float(metric))
            seen.append(record(opt) + sched.get_last_lr()
                        + [sched.num_bad_epochs, sched.cooldown_counter, sched.best])
        return np.array(seen)

    np.testing.assert_allclose(run(gt), run(torch), rtol=1e-12)


# ---------------------------------------------------------------------------------------------
# explicit epochs (closed forms), last_epoch resume, warnings, errors
# ---------------------------------------------------------------------------------------------
CLOSED_FORM = [
    lambda lib, o: S(lib).StepLR(o, 3, 0.5),
    lambda lib, o: S(lib).MultiStepLR(o, [2, 5, 5], 0.5),
    lambda lib, o: S(lib).ExponentialLR(o, 0.8),
    lambda lib, o: S(lib).CosineAnnealingLR(o, 10, 0.01),
    lambda lib, o: S(lib).LinearLR(o, 0.25, 1.0, 6),
    lambda lib, o: S(lib).ConstantLR(o, 0.5, 4),
    lambda lib, o: S(lib).PolynomialLR(o, 8, 1.5),
    lambda lib, o: S(lib).LambdaLR(o, lambda e: 0.9 ** e),
    lambda lib, o: S(lib).CosineAnnealingWarmRestarts(o, 4, 2),
]


@pytest.mark.parametrize("factory", CLOSED_FORM)
def test_step_with_explicit_epoch(factory):
    def run(lib):
        opt = make_optimizer(lib)
        sched = factory(lib, opt)
        seen = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for epoch in [1, 2, 7, 3, 12, 0, 5.5 if "Warm" in type(sched).__name__ else 5, 20]:
                opt.step()
                sched.step(epoch)
                seen.append(record(opt) + sched.get_last_lr())
        return np.array(seen)

    np.testing.assert_allclose(run(gt), run(torch), rtol=1e-12)


def test_explicit_epoch_warns_deprecation():
    opt = make_optimizer(gt)
    sched = gt.optim.lr_scheduler.StepLR(opt, 2)
    opt.step()
    with pytest.warns(UserWarning, match="epoch parameter in `scheduler.step\\(\\)`"):
        sched.step(3)


def test_resume_with_last_epoch():
    def run(lib):
        opt = make_optimizer(lib)
        for group in opt.param_groups:
            group["initial_lr"] = group["lr"] * 2
        sched = S(lib).CosineAnnealingLR(opt, T_max=10, last_epoch=4)
        seen = [record(opt) + sched.get_last_lr()]
        for _ in range(8):
            opt.step()
            sched.step()
            seen.append(record(opt) + sched.get_last_lr())
        return np.array(seen), sched.last_epoch, sched.base_lrs

    ours, theirs = run(gt), run(torch)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-12)
    assert ours[1:] == theirs[1:]


def test_initial_lr_and_base_lrs():
    def run(lib):
        opt = make_optimizer(lib)
        sched = S(lib).StepLR(opt, 2)
        return [g["initial_lr"] for g in opt.param_groups], sched.base_lrs, sched.last_epoch, \
            sched._step_count

    assert run(gt) == run(torch)


def test_missing_initial_lr_raises_key_error():
    err = check_error(lambda lib: S(lib).StepLR(make_optimizer(lib), 2, last_epoch=3),
                      match="initial_lr")
    assert isinstance(err, KeyError)


def test_warns_when_scheduler_steps_before_optimizer():
    opt = make_optimizer(gt)
    sched = gt.optim.lr_scheduler.StepLR(opt, 2)
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
        sched.step()
    opt = make_optimizer(gt)
    sched = gt.optim.lr_scheduler.StepLR(opt, 2)
    opt.step()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sched.step()


def test_get_lr_outside_step_warns():
    sched = gt.optim.lr_scheduler.StepLR(make_optimizer(gt), 2)
    with pytest.warns(UserWarning, match="get_last_lr"):
        sched.get_lr()


def test_wrapped_step_still_returns_closure_loss():
    opt = make_optimizer(gt)
    gt.optim.lr_scheduler.ExponentialLR(opt, 0.5)
    assert opt.step(lambda: 3.5) == 3.5 and opt._opt_called


def test_lr_scheduler_alias_and_all():
    names = set(torch.optim.lr_scheduler.__all__)
    assert names <= set(dir(gt.optim.lr_scheduler))
    assert issubclass(gt.optim.lr_scheduler.StepLR, gt.optim.lr_scheduler._LRScheduler)


SCHED_ERRORS = [
    ("not-optimizer", lambda lib: S(lib).StepLR(object(), 2), "not an Optimizer"),
    ("constant-factor", lambda lib: S(lib).ConstantLR(make_optimizer(lib), factor=1.5),
     "between 0 and 1"),
    ("linear-start", lambda lib: S(lib).LinearLR(make_optimizer(lib), start_factor=0),
     "greater than 0"),
    ("linear-end", lambda lib: S(lib).LinearLR(make_optimizer(lib), end_factor=2.0),
     "between 0 and 1"),
    ("lambda-count", lambda lib: S(lib).LambdaLR(make_optimizer(lib), [lambda e: 1.0]),
     "Expected 2 lr_lambdas, but got 1"),
    ("multiplicative-callable", lambda lib: S(lib).MultiplicativeLR(make_optimizer(lib),
                                                                    [1.0, 2.0]),
     "lr_lambda should be a function"),
    ("warm-T0", lambda lib: S(lib).CosineAnnealingWarmRestarts(make_optimizer(lib), T_0=0),
     "Expected positive integer T_0"),
    ("warm-Tmult", lambda lib: S(lib).CosineAnnealingWarmRestarts(make_optimizer(lib), 5,
                                                                  T_mult=0),
     "T_mult >= 1"),
    ("onecycle-steps", lambda lib: S(lib).OneCycleLR(make_optimizer(lib), 0.1),
     "total_steps OR"),
    ("onecycle-pct", lambda lib: S(lib).OneCycleLR(make_optimizer(lib), 0.1, total_steps=10,
                                                   pct_start=1.5), "pct_start"),
    ("onecycle-anneal", lambda lib: S(lib).OneCycleLR(make_optimizer(lib), 0.1, total_steps=10,
                                                      anneal_strategy="exp"), "anneal_strategy"),
    ("onecycle-maxlr-len", lambda lib: S(lib).OneCycleLR(make_optimizer(lib), [0.1, 0.2, 0.3],
                                                         total_steps=10), "same length"),
    ("cyclic-mode", lambda lib: S(lib).CyclicLR(make_optimizer(lib), 0.01, 0.1, mode="sine"),
     "mode is invalid"),
    ("cyclic-momentum", lambda lib: S(lib).CyclicLR(
        lib.optim.Adagrad([lib.tensor([1.0], requires_grad=True)]), 0.01, 0.1),
     "must support momentum"),
    ("plateau-factor", lambda lib: S(lib).ReduceLROnPlateau(make_optimizer(lib), factor=1.0),
     "Factor should be < 1.0"),
    ("plateau-mode", lambda lib: S(lib).ReduceLROnPlateau(make_optimizer(lib), mode="avg"),
     "unknown"),
    ("plateau-min-lr", lambda lib: S(lib).ReduceLROnPlateau(make_optimizer(lib), min_lr=[0.1]),
     "expected 2 min_lrs, got 1"),
    ("sequential-milestones", lambda lib: (lambda o: S(lib).SequentialLR(
        o, [S(lib).StepLR(o, 2), S(lib).StepLR(o, 3)], milestones=[]))(make_optimizer(lib)),
     "one more than the number of milestone"),
    ("sequential-other-opt", lambda lib: S(lib).SequentialLR(
        make_optimizer(lib), [S(lib).StepLR(make_optimizer(lib), 2)], milestones=[]),
     "same optimizer"),
    ("chained-plateau", lambda lib: S(lib).ChainedScheduler(
        [S(lib).ReduceLROnPlateau(make_optimizer(lib))]), "ReduceLROnPlateau"),
    ("chained-empty", lambda lib: S(lib).ChainedScheduler([]), "at least one scheduler"),
]


@pytest.mark.parametrize("fn,message", [e[1:] for e in SCHED_ERRORS],
                         ids=[e[0] for e in SCHED_ERRORS])
def test_errors_match_torch(fn, message):
    check_error(fn, match=message)


def test_onecycle_past_total_steps_raises():
    def fn(lib):
        opt = make_optimizer(lib)
        sched = S(lib).OneCycleLR(opt, 0.1, total_steps=3)
        for _ in range(4):
            opt.step()
            sched.step()

    assert "Tried to step 4 times" in str(check_error(fn))
