"""nn.utils.parametrize and nn.utils.parametrizations (weight_norm, spectral_norm) against
PyTorch: the same module built in both libraries with the same values, compared by repr, class
name, state_dict keys and order, parametrized values, gradients of the stored originals,
assignment through right_inverse, caching, chaining, removal, state_dict exchange and errors."""
import copy
import importlib
import pickle

import numpy as np
import pytest
import torch

import glasstorch as gt
from tests.oracle.harness import check_error

RNG = np.random.default_rng(17)
LIBS = [torch, gt]


def P(lib):
    return importlib.import_module(lib.__name__ + ".nn.utils.parametrize")


def shapes(lib):
    """Small parametrizations written once in the torch API."""
    nn = lib.nn

    class Symmetric(nn.Module):
        def forward(self, X):
            return X.triu() + X.triu(1).transpose(0, 1)

        def right_inverse(self, A):
            return A.triu()

    class Scale(nn.Module):
        def __init__(self):
            super().__init__()
            self.scale = nn.Parameter(lib.tensor(2.0))

        def forward(self, X):
            return X * self.scale

    class Split(nn.Module):     # stored as two tensors: original0 + original1
        def forward(self, A, B):
            return A + 2 * B

        def right_inverse(self, X):
            return X * 0.5, X * 0.25

    class Shrink(nn.Module):    # changes the shape: only with unsafe=True
        def forward(self, X):
            return X[:-1]

    return Symmetric, Scale, Split, Shrink


def linear(lib, n=3, values=None):
    m = lib.nn.Linear(n, n)
    with lib.no_grad():
        m.weight.copy_(lib.tensor(values))
        m.bias.copy_(lib.tensor(np.arange(n, dtype=np.float32)))
    return m


W = RNG.standard_normal((3, 3)).astype(np.float32)
X = RNG.standard_normal((5, 3)).astype(np.float32)
UP = RNG.standard_normal((5, 3)).astype(np.float32)


def run_step(lib, m):
    out = m(lib.tensor(X))
    out.backward(lib.tensor(UP))
    return out


def same_grads(ours, theirs, rtol=1e-5, atol=1e-6):
    o, t = dict(ours.named_parameters()), dict(theirs.named_parameters())
    assert list(o) == list(t)
    for name in t:
        np.testing.assert_allclose(o[name].grad.numpy(), t[name].grad.numpy(), rtol=rtol,
                                   atol=atol, err_msg=name)


def same_state(ours, theirs, rtol=1e-5, atol=1e-6):
    o, t = ours.state_dict(), theirs.state_dict()
    assert list(o) == list(t)
    for key in t:
        np.testing.assert_allclose(o[key].numpy(), t[key].numpy(), rtol=rtol, atol=atol,
                                   err_msg=key)


# ---------------------------------------------------------------------------------------------
# parametrize
# ---------------------------------------------------------------------------------------------
def test_register_parametrization_matches_torch():
    mods = {}
    for lib in LIBS:
        Symmetric, Scale, _, _ = shapes(lib)
        m = linear(lib, values=W)
        P(lib).register_parametrization(m, "weight", Symmetric())
        P(lib).register_parametrization(m, "weight", Scale())     # chained: Scale(Symmetric(W))
        mods[lib] = m
    ours, theirs = mods[gt], mods[torch]
    assert repr(ours) == repr(theirs)
    assert type(ours).__name__ == type(theirs).__name__ == "ParametrizedLinear"
    assert P(gt).type_before_parametrizations(ours) is gt.nn.Linear
    same_state(ours, theirs)
    np.testing.assert_allclose(ours.weight.detach().numpy(), theirs.weight.detach().numpy())
    out_o, out_t = run_step(gt, ours), run_step(torch, theirs)
    np.testing.assert_allclose(out_o.detach().numpy(), out_t.detach().numpy(), rtol=1e-5)
    same_grads(ours, theirs)
    assert P(gt).is_parametrized(ours) and P(gt).is_parametrized(ours, "weight")
    assert not P(gt).is_parametrized(ours, "bias")
    assert not P(gt).is_parametrized(gt.nn.Linear(2, 2))


def test_assignment_uses_right_inverse():
    mods = {}
    for lib in LIBS:
        Symmetric, _, Split, _ = shapes(lib)
        m = linear(lib, values=W)
        P(lib).register_parametrization(m, "weight", Symmetric())
        m2 = linear(lib, values=W)
        P(lib).register_parametrization(m2, "weight", Split())
        original = m.parametrizations.weight.original
        m.weight = lib.tensor(W.T.copy())
        m2.weight = lib.tensor(W)
        assert m.parametrizations.weight.original is original   # the same Parameter object
        mods[lib] = (m, m2)
    for ours, theirs in zip(mods[gt], mods[torch]):
        same_state(ours, theirs)
        np.testing.assert_allclose(ours.weight.detach().numpy(), theirs.weight.detach().numpy())


def test_multi_tensor_original_and_buffers():
    mods = {}
    for lib in LIBS:
        _, _, Split, _ = shapes(lib)
        m = linear(lib, values=W)
        P(lib).register_parametrization(m, "weight", Split())
        m.register_buffer("mask", lib.ones(3, 3))
        P(lib).register_parametrization(m, "mask", Split())
        mods[lib] = m
    ours, theirs = mods[gt], mods[torch]
    assert repr(ours) == repr(theirs)
    same_state(ours, theirs)
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    run_step(gt, ours)
    run_step(torch, theirs)
    same_grads(ours, theirs)


def test_cached_computes_once():
    Symmetric = shapes(gt)[0]
    m = P(gt).register_parametrization(linear(gt, values=W), "weight", Symmetric())
    assert m.weight is not m.weight
    with P(gt).cached():
        first = m.weight
        with P(gt).cached():
            assert m.weight is first
        assert m.weight is first
    assert m.weight is not first


@pytest.mark.parametrize("leave", [True, False])
def test_remove_parametrizations_matches_torch(leave):
    mods = {}
    for lib in LIBS:
        Symmetric, Scale, _, _ = shapes(lib)
        m = linear(lib, values=W)
        P(lib).register_parametrization(m, "weight", Symmetric())
        P(lib).register_parametrization(m, "weight", Scale())
        original = m.parametrizations.weight.original
        P(lib).remove_parametrizations(m, "weight", leave_parametrized=leave)
        assert m.weight is original
        mods[lib] = m
    ours, theirs = mods[gt], mods[torch]
    assert repr(ours) == repr(theirs) and type(ours) is gt.nn.Linear
    assert not hasattr(ours, "parametrizations")
    same_state(ours, theirs)


def test_remove_multi_tensor_parametrization():
    for lib in LIBS:
        Split = shapes(lib)[2]
        m = P(lib).register_parametrization(linear(lib, values=W), "weight", Split())
        with pytest.raises(ValueError):
            P(lib).remove_parametrizations(m, "weight", leave_parametrized=False)
        P(lib).remove_parametrizations(m, "weight")
        assert isinstance(m.weight, lib.nn.Parameter)
        np.testing.assert_allclose(m.weight.detach().numpy(), W, rtol=1e-6)


def test_state_dict_exchange_and_copies():
    mods = {}
    for lib in LIBS:
        Symmetric, Scale, _, _ = shapes(lib)
        m = linear(lib, values=W)
        P(lib).register_parametrization(m, "weight", Symmetric())
        P(lib).register_parametrization(m, "weight", Scale())
        mods[lib] = m
    theirs = mods[torch]
    with torch.no_grad():
        theirs.parametrizations.weight[1].scale.fill_(3.0)
    ours = mods[gt]
    ours.load_state_dict({k: gt.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    same_state(ours, theirs)
    np.testing.assert_allclose(ours.weight.detach().numpy(), theirs.weight.detach().numpy())
    clone = copy.deepcopy(ours)
    assert type(clone).__name__ == "ParametrizedLinear"
    np.testing.assert_allclose(clone.weight.detach().numpy(), ours.weight.detach().numpy())
    for lib in LIBS:
        with pytest.raises(RuntimeError, match="state_dict"):
            pickle.dumps(mods[lib])


def test_parametrize_errors():
    def shrink(t, unsafe=False):
        return P(t).register_parametrization(t.nn.Linear(3, 3), "weight", shapes(t)[3](),
                                             unsafe=unsafe)
    check_error(lambda t: P(t).register_parametrization(t.nn.Linear(2, 2), "nope",
                                                        shapes(t)[0]()), match="nope")
    check_error(shrink, match="shape")
    check_error(lambda t: P(t).remove_parametrizations(t.nn.Linear(2, 2), "weight"),
                match="does not have a parametrization")
    for lib in LIBS:    # unsafe=True allows the shape change
        assert tuple(shrink(lib, unsafe=True).weight.shape) == (2, 3)

    def chained_shrink(t):
        m = P(t).register_parametrization(t.nn.Linear(3, 3), "weight", shapes(t)[0]())
        return P(t).register_parametrization(m, "weight", shapes(t)[3]())
    check_error(chained_shrink, match="shape")

    def no_inverse(t):
        m = P(t).register_parametrization(t.nn.Linear(3, 3), "weight", shapes(t)[1]())
        m.weight = t.ones(3, 3)
    check_error(no_inverse, match="right_inverse")


# ---------------------------------------------------------------------------------------------
# parametrizations.weight_norm
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dim", [0, 1, None])
def test_weight_norm_parametrization_matches_torch(dim):
    mods = {lib: lib.nn.utils.parametrizations.weight_norm(linear(lib, values=W), dim=dim)
            for lib in LIBS}
    ours, theirs = mods[gt], mods[torch]
    assert repr(ours) == repr(theirs)
    same_state(ours, theirs)
    out_o, out_t = run_step(gt, ours), run_step(torch, theirs)
    np.testing.assert_allclose(out_o.detach().numpy(), out_t.detach().numpy(), rtol=1e-5)
    same_grads(ours, theirs)


def test_weight_norm_loads_hook_checkpoints_and_removes():
    old = torch.nn.utils.weight_norm(linear(torch, values=W))
    with torch.no_grad():
        old.weight_g.mul_(2)
    state = {k: gt.tensor(v.detach().numpy()) for k, v in old.state_dict().items()}
    ours = gt.nn.utils.parametrizations.weight_norm(linear(gt, values=W))
    ours.load_state_dict(state)
    old(torch.tensor(X))     # the hook recomputes old.weight
    np.testing.assert_allclose(ours.weight.detach().numpy(), old.weight.detach().numpy(),
                               rtol=1e-6)
    gt.nn.utils.parametrize.remove_parametrizations(ours, "weight")
    assert list(ours.state_dict()) == ["bias", "weight"]
    np.testing.assert_allclose(ours.weight.detach().numpy(), old.weight.detach().numpy(),
                               rtol=1e-6)


# ---------------------------------------------------------------------------------------------
# parametrizations.spectral_norm
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape,dim", [((4, 3), None), ((2, 3, 2), 1), ((3, 4), -1)])
def test_spectral_norm_matches_torch(shape, dim):
    w = RNG.standard_normal(shape).astype(np.float32)
    mods = {}
    for lib in LIBS:
        m = lib.nn.Module()
        m.weight = lib.nn.Parameter(lib.tensor(w))
        mods[lib] = lib.nn.utils.parametrizations.spectral_norm(m, dim=dim)
    ours, theirs = mods[gt], mods[torch]
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    # the power iteration starts from random vectors: take torch's
    ours.load_state_dict({k: gt.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    up = RNG.standard_normal(shape).astype(np.float32)
    for training in (True, True, False):   # two power-iteration steps, then eval (none)
        ours.train(training)
        theirs.train(training)
        wo, wt = ours.weight, theirs.weight
        np.testing.assert_allclose(wo.detach().numpy(), wt.detach().numpy(), rtol=1e-4,
                                   atol=1e-5)
        same_state(ours, theirs, rtol=1e-4, atol=1e-5)
        for m, out, lib in ((ours, wo, gt), (theirs, wt, torch)):
            m.zero_grad()
            out.backward(lib.tensor(up))
        same_grads(ours, theirs, rtol=1e-4, atol=1e-5)
    # the spectral norm of the result is (close to) 1
    mat = ours.weight.detach().numpy()
    mat = np.moveaxis(mat, (dim or 0), 0).reshape(mat.shape[dim or 0], -1)
    assert abs(np.linalg.norm(mat, 2) - 1) < 0.05


def test_spectral_norm_1d_and_errors():
    v = RNG.standard_normal(5).astype(np.float32)
    outs = {}
    for lib in LIBS:
        m = lib.nn.Module()
        m.weight = lib.nn.Parameter(lib.tensor(v))
        outs[lib] = lib.nn.utils.parametrizations.spectral_norm(m).weight.detach().numpy()
    np.testing.assert_allclose(outs[gt], outs[torch], rtol=1e-6)
    sn = lambda t: t.nn.utils.parametrizations.spectral_norm  # noqa: E731
    check_error(lambda t: sn(t)(t.nn.Linear(2, 2), "nope"), match="nope")
    check_error(lambda t: sn(t)(t.nn.Linear(2, 2), dim=2), match="out of range")
    check_error(lambda t: sn(t)(t.nn.Linear(2, 2), n_power_iterations=0), match="positive")
