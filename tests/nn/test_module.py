"""Module and container semantics against PyTorch, built from the same plain definitions."""
from collections import OrderedDict

import numpy as np
import pytest
import torch

import glasstorch as gt
from tests.oracle.harness import check_error

LIBS = pytest.mark.parametrize("lib", [torch, gt], ids=["torch", "glasstorch"])


def make_net(lib):
    """A small model with parameters, a buffer (persistent and not), nested containers."""
    nn = lib.nn

    class Block(nn.Module):
        def __init__(self, n):
            super().__init__()
            self.scale = nn.Parameter(lib.ones(n))
            self.register_buffer("count", lib.zeros(1))
            self.register_buffer("scratch", lib.zeros(2), persistent=False)

        def forward(self, x):
            return x * self.scale

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(lib.arange(6.0).reshape(2, 3))
            self.blocks = nn.Sequential(Block(3), Block(3))
            self.extra = nn.ModuleList([Block(3)])
            self.heads = nn.ModuleDict({"a": Block(3), "b": Block(3)})
            self.plist = nn.ParameterList([nn.Parameter(lib.ones(2))])
            self.pdict = nn.ParameterDict({"p": nn.Parameter(lib.zeros(1))})
            self.shared = self.blocks[0]   # the same module under two names

        def forward(self, x):
            return self.heads["a"](self.extra[0](self.blocks(x @ self.w)))

    return Net()


def names(pairs):
    return [name for name, _ in pairs]


def test_traversal_names_match_torch():
    ours, theirs = make_net(gt), make_net(torch)
    assert names(ours.named_parameters()) == names(theirs.named_parameters())
    assert names(ours.named_buffers()) == names(theirs.named_buffers())
    assert names(ours.named_children()) == names(theirs.named_children())
    assert names(ours.named_modules()) == names(theirs.named_modules())
    assert names(ours.named_modules(prefix="m")) == names(theirs.named_modules(prefix="m"))
    assert names(ours.named_parameters(recurse=False)) == \
        names(theirs.named_parameters(recurse=False))
    assert names(ours.named_parameters(remove_duplicate=False)) == \
        names(theirs.named_parameters(remove_duplicate=False))
    assert len(list(ours.parameters())) == len(list(theirs.parameters()))


def test_state_dict_keys_order_and_values():
    ours, theirs = make_net(gt), make_net(torch)
    assert list(ours.state_dict().keys()) == list(theirs.state_dict().keys())
    for (k, a), (_, b) in zip(ours.state_dict().items(), theirs.state_dict().items()):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=k)
        assert not a.requires_grad


def test_state_dict_shares_memory_and_keep_vars():
    net = make_net(gt)
    sd = net.state_dict()
    sd["w"].add_(1)
    assert net.w.detach().numpy()[0, 0] == 1.0
    assert net.state_dict(keep_vars=True)["w"] is net.w


def test_load_state_dict_round_trip_and_result():
    src, dst = make_net(gt), make_net(gt)
    with gt.no_grad():
        src.w.mul_(3)
    result = dst.load_state_dict(src.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    np.testing.assert_array_equal(dst.w.detach().numpy(), src.w.detach().numpy())


def _load_partial(lib, strict):
    net = make_net(lib)
    sd = net.state_dict()
    del sd["w"]
    sd["bogus.weight"] = lib.zeros(1)
    return net.load_state_dict(sd, strict=strict)


def test_load_state_dict_non_strict_reports_keys():
    ours, theirs = _load_partial(gt, False), _load_partial(torch, False)
    assert ours.missing_keys == theirs.missing_keys
    assert ours.unexpected_keys == theirs.unexpected_keys


def test_load_state_dict_strict_errors_like_torch():
    err = check_error(lambda lib: _load_partial(lib, True))
    theirs = pytest.raises(RuntimeError, _load_partial, torch, True).value
    assert str(err) == str(theirs)


def test_load_state_dict_size_mismatch_message():
    def run(lib):
        net = make_net(lib)
        sd = net.state_dict()
        sd["w"] = lib.zeros(3, 3)
        net.load_state_dict(sd)
    err = check_error(run)
    with pytest.raises(RuntimeError) as theirs:
        run(torch)
    assert str(err) == str(theirs.value)


def test_repr_matches_torch():
    assert repr(make_net(gt)) == repr(make_net(torch))


@LIBS
def test_train_eval_propagates(lib):
    net = make_net(lib)
    net.eval()
    assert all(not m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())


def test_zero_grad_sets_none_by_default():
    net = make_net(gt)
    out = net(gt.ones(4, 2)).sum()
    out.backward()
    assert net.w.grad is not None
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    net(gt.ones(4, 2)).sum().backward()
    net.zero_grad(set_to_none=False)
    assert all(p.grad is None or not p.grad.numpy().any() for p in net.parameters())


def test_forward_matches_torch_and_grads():
    x = np.random.default_rng(0).standard_normal((4, 2)).astype(np.float32)
    ours, theirs = make_net(gt), make_net(torch)
    a, b = ours(gt.tensor(x)), theirs(torch.tensor(x))
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-6)
    a.sum().backward()
    b.sum().backward()
    for (name, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        if q.grad is None:
            assert p.grad is None, name
        else:
            np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-5, err_msg=name)


@LIBS
def test_forward_hooks_and_removal(lib):
    net = make_net(lib)
    calls = []

    def pre(module, args):
        calls.append("pre")
        return (args[0] * 2,)

    def post(module, args, output):
        calls.append("post")
        return output + 1

    h1 = net.register_forward_pre_hook(pre)
    h2 = net.register_forward_hook(post)
    x = lib.ones(1, 2)
    hooked = net(x)
    h1.remove()
    h2.remove()
    plain = net(x * 2) + 1
    assert calls == ["pre", "post"]
    np.testing.assert_allclose(hooked.detach().numpy(), plain.detach().numpy())


@LIBS
def test_apply_visits_children_first(lib):
    net = make_net(lib)
    order = []
    net.apply(lambda m: order.append(type(m).__name__))
    assert order[-1] == "Net" and order[0] == "Block"


@LIBS
def test_requires_grad_and_to_double(lib):
    net = make_net(lib)
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())
    w = net.w
    net.to(lib.float64)
    assert net.w is w and net.w.dtype == lib.float64
    assert net.count if False else net.blocks[0].count.dtype == lib.float64


def test_attribute_errors_match_torch():
    check_error(lambda lib: make_net(lib).nonexistent)
    check_error(lambda lib: setattr(make_net(lib), "w", lib.zeros(2)))

    def assign_before_init(lib):
        class Bad(lib.nn.Module):
            def __init__(self):
                self.p = lib.nn.Parameter(lib.zeros(1))
        Bad()
    check_error(assign_before_init)


def test_sequential_indexing_slicing_and_ordered_dict():
    def build(lib):
        nn = lib.nn
        return nn.Sequential(OrderedDict([("first", nn.Identity()), ("second", nn.Identity())]))
    ours, theirs = build(gt), build(torch)
    assert repr(ours) == repr(theirs)
    assert repr(ours[1:]) == repr(theirs[1:])
    assert len(ours) == len(theirs) == 2
    assert type(ours[-1]).__name__ == "Identity"


def test_module_list_and_dict_behave_like_lists_and_dicts():
    def build(lib):
        nn = lib.nn
        ml = nn.ModuleList([nn.Module() for _ in range(3)])
        ml.append(nn.Module())
        ml.insert(1, nn.Module())
        del ml[0]
        md = nn.ModuleDict({"x": nn.Module()})
        md["y"] = nn.Module()
        return len(ml), names(ml.named_children()), list(md.keys()), "x" in md, len(md[:2]) \
            if False else len(ml[:2])
    assert build(gt) == build(torch)


def test_parameter_semantics():
    def run(lib):
        t = lib.ones(2)
        p = lib.nn.Parameter(t)
        p.data.mul_(3)             # shares memory with t
        return (p.requires_grad, p.is_leaf, isinstance(p, lib.Tensor), t.tolist(),
                lib.nn.Parameter(t, requires_grad=False).requires_grad)
    assert run(gt) == run(torch)
