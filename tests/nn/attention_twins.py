"""Helpers for module-level oracle tests: build a PyTorch layer and its glasstorch twin with the
same (random, non-default) parameters, run both on the same inputs, and compare outputs, input
gradients and parameter gradients."""
import numpy as np
import torch

import glasstorch as gt
from tests.oracle.harness import check, assert_same


def twins(make, dtype="float32", seed=0):
    """{torch: layer, gt: layer} from make(lib, dtype); torch's parameters are redrawn at random
    (biases included, so their gradients are not hidden by zeros) and copied into ours."""
    t = make(torch, getattr(torch, dtype))
    g = make(gt, getattr(gt, dtype))
    rng = np.random.default_rng(seed)
    with torch.no_grad():
        for p in t.parameters():
            p.copy_(torch.tensor(rng.uniform(-0.5, 0.5, tuple(p.shape))))
    g.load_state_dict({k: gt.tensor(v.detach().numpy()) for k, v in t.state_dict().items()})
    assert list(g.state_dict()) == list(t.state_dict())
    return {torch: t, gt: g}


def check_module(modules, fn, inputs, rtol=1e-4, atol=1e-5, grad=True):
    """check(fn) (fn(lib, module, *inputs)) plus every parameter's gradient."""
    for m in modules.values():
        m.zero_grad()
    got = check(lambda t, *a: fn(t, modules[t], *a), inputs, rtol=rtol, atol=atol, grad=grad)
    if grad:
        ours = dict(modules[gt].named_parameters())
        for name, p in modules[torch].named_parameters():
            if p.grad is None:
                assert ours[name].grad is None or not ours[name].grad.numpy().any(), name
                continue
            assert ours[name].grad is not None, f"{name}: no gradient"
            assert_same(ours[name].grad, p.grad, rtol * 10, atol * 10, f"grad of {name}")
    return got


TOL = {"float32": dict(rtol=1e-4, atol=2e-5), "float64": dict(rtol=1e-7, atol=1e-9)}
