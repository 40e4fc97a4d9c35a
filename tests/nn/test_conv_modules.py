"""Conv1d/2d/3d, ConvTranspose1d/2d/3d and the Lazy forms against PyTorch: repr, state_dict
keys, parameter shapes and initialisation bounds, forward and parameter gradients from the same
weights (all padding modes, groups, 'same'/'valid'), output_size=, and constructor errors."""
import math

import numpy as np
import pytest
import torch

import glasstorch as gt
from tests.oracle.harness import sample

# (class name, positional args, kwargs, input shape)
LAYERS = [
    ("Conv1d", (3, 4, 3), {}, (2, 3, 9)),
    ("Conv1d", (4, 6, 4), dict(stride=2, padding=1, dilation=2, groups=2, bias=False), (2, 4, 12)),
    ("Conv1d", (3, 4, 4), dict(padding="same", padding_mode="reflect"), (3, 9)),
    ("Conv1d", (3, 4, 3), dict(padding=2, padding_mode="circular"), (2, 3, 7)),
    ("Conv2d", (3, 8, 3), dict(padding=1), (2, 3, 7, 6)),
    ("Conv2d", (16, 33, (3, 5)), dict(stride=(2, 1), padding=(4, 2), dilation=(3, 1)),
     (1, 16, 12, 9)),
    ("Conv2d", (4, 8, 3), dict(padding="same", groups=2, bias=False, padding_mode="reflect"),
     (2, 4, 6, 7)),
    ("Conv2d", (4, 4, 3), dict(padding=1, groups=4, padding_mode="replicate"), (2, 4, 5, 5)),
    ("Conv2d", (3, 5, (2, 3)), dict(padding=(1, 2), padding_mode="circular", stride=2),
     (2, 3, 6, 7)),
    ("Conv2d", (3, 4, 2), dict(padding="valid", padding_mode="replicate"), (3, 5, 5)),
    ("Conv3d", (2, 4, 3), dict(padding=1, stride=(1, 2, 2)), (1, 2, 5, 6, 6)),
    ("Conv3d", (2, 4, 2), dict(padding="same", padding_mode="replicate"), (2, 4, 4, 5)),
    ("ConvTranspose1d", (3, 4, 3), dict(stride=2, output_padding=1), (2, 3, 6)),
    ("ConvTranspose2d", (4, 6, 3), dict(stride=2, padding=1, output_padding=1, groups=2,
                                        dilation=1), (2, 4, 4, 5)),
    ("ConvTranspose2d", (3, 2, (3, 2)), dict(bias=False, dilation=(2, 1)), (3, 4, 4)),
    ("ConvTranspose3d", (2, 3, 2), dict(stride=2), (1, 2, 3, 3, 2)),
]


def _pair_of_layers(name, args, kwargs):
    torch.manual_seed(0)
    ours = getattr(gt.nn, name)(*args, **kwargs)
    theirs = getattr(torch.nn, name)(*args, **kwargs)
    with torch.no_grad():
        for (key, p) in theirs.named_parameters():
            p.copy_(torch.tensor(sample(tuple(p.shape), "float32", -0.5, 0.5)))
    ours.load_state_dict({k: gt.tensor(v.detach().numpy()) for k, v in
                          theirs.state_dict().items()})
    return ours, theirs


@pytest.mark.parametrize("name,args,kwargs,shape", LAYERS, ids=str)
def test_layer_matches_torch(name, args, kwargs, shape):
    ours, theirs = _pair_of_layers(name, args, kwargs)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for attr in ("in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation",
                 "transposed", "output_padding", "groups", "padding_mode",
                 "_reversed_padding_repeated_twice"):
        assert getattr(ours, attr) == getattr(theirs, attr), attr
    x = sample(shape)
    tx, gx = torch.tensor(x, requires_grad=True), gt.tensor(x, requires_grad=True)
    ty, gy = theirs(tx), ours(gx)
    np.testing.assert_allclose(gy.detach().numpy(), ty.detach().numpy(), rtol=1e-4, atol=1e-5)
    up = np.random.default_rng(0).standard_normal(tuple(ty.shape)).astype(np.float32)
    ty.backward(torch.tensor(up))
    gy.backward(gt.tensor(up))
    np.testing.assert_allclose(gx.grad.numpy(), tx.grad.numpy(), rtol=1e-4, atol=1e-4)
    for (key, tp), (_, gp) in zip(theirs.named_parameters(), ours.named_parameters()):
        np.testing.assert_allclose(gp.grad.numpy(), tp.grad.numpy(), rtol=1e-4, atol=1e-4,
                                   err_msg=key)


@pytest.mark.parametrize("name,args,kwargs,shape", [LAYERS[i] for i in (1, 5, 10, 13)],
                         ids=str)
def test_layer_initialisation_bounds(name, args, kwargs, shape):
    """weight and bias uniform in +-1/sqrt(fan_in), fan_in = weight.shape[1] * prod(kernel)
    (kaiming_uniform with a=sqrt(5)); the draws fill the interval."""
    layer = getattr(gt.nn, name)(*args, **kwargs)
    reference = getattr(torch.nn, name)(*args, **kwargs)
    assert layer.weight.shape == reference.weight.shape
    fan_in = layer.weight.shape[1] * math.prod(layer.weight.shape[2:])
    bound = 1 / math.sqrt(fan_in)
    for p in (layer.weight, layer.bias):
        if p is None:
            continue
        values = p.detach().numpy()
        assert np.all(np.abs(values) <= bound + 1e-7)
        if values.size > 50:
            assert np.abs(values).max() > 0.9 * bound
            assert abs(values.mean()) < 0.2 * bound


def test_conv_transpose_output_size():
    ours, theirs = _pair_of_layers("ConvTranspose2d", (3, 4, 3), dict(stride=2, padding=1))
    x = sample((2, 3, 5, 5))
    for size in [(9, 9), (10, 9), (2, 4, 10, 10), [9, 10]]:
        np.testing.assert_allclose(ours(gt.tensor(x), output_size=size).detach().numpy(),
                                   theirs(torch.tensor(x), output_size=size).detach().numpy(),
                                   rtol=1e-4, atol=1e-5)
    for bad in [(11, 9), (8, 9), (1, 2, 3)]:
        with pytest.raises(ValueError) as theirs_err:
            theirs(torch.tensor(x), output_size=bad)
        with pytest.raises(ValueError) as ours_err:
            ours(gt.tensor(x), output_size=bad)
        assert str(ours_err.value) == str(theirs_err.value)


@pytest.mark.parametrize("lazy,eager,kwargs,shape", [
    ("LazyConv1d", "Conv1d", dict(kernel_size=3, padding=1), (2, 3, 8)),
    ("LazyConv2d", "Conv2d", dict(kernel_size=3, groups=2), (2, 4, 6, 6)),
    ("LazyConv2d", "Conv2d", dict(kernel_size=3, bias=False), (3, 6, 6)),
    ("LazyConv3d", "Conv3d", dict(kernel_size=2), (1, 2, 3, 3, 3)),
    ("LazyConvTranspose1d", "ConvTranspose1d", dict(kernel_size=3, stride=2), (2, 3, 5)),
    ("LazyConvTranspose2d", "ConvTranspose2d", dict(kernel_size=3, output_padding=1,
                                                    stride=2), (2, 3, 4, 4)),
    ("LazyConvTranspose3d", "ConvTranspose3d", dict(kernel_size=2), (1, 2, 2, 3, 2)),
])
def test_lazy_layers(lazy, eager, kwargs, shape):
    ours = getattr(gt.nn, lazy)(4, **kwargs)
    theirs = getattr(torch.nn, lazy)(4, **kwargs)
    y = ours(gt.tensor(sample(shape)))
    ty = theirs(torch.tensor(sample(shape)))
    assert type(ours).__name__ == eager
    assert repr(ours) == repr(theirs)
    assert tuple(y.shape) == tuple(ty.shape)
    assert [tuple(p.shape) for p in ours.parameters()] == \
        [tuple(p.shape) for p in theirs.parameters()]


CONSTRUCTOR_ERRORS = [
    ("Conv2d", (3, 4, 3), dict(groups=0)),
    ("Conv2d", (3, 4, 3), dict(groups=2)),
    ("Conv2d", (4, 3, 3), dict(groups=2)),
    ("Conv2d", (3, 4, 3), dict(padding="full")),
    ("Conv2d", (3, 4, 3), dict(padding="same", stride=2)),
    ("Conv2d", (3, 4, 3), dict(padding_mode="mirror")),
    ("ConvTranspose2d", (3, 4, 3), dict(padding_mode="reflect")),
]


@pytest.mark.parametrize("name,args,kwargs", CONSTRUCTOR_ERRORS, ids=str)
def test_constructor_errors_match_torch(name, args, kwargs):
    with pytest.raises(Exception) as theirs:
        getattr(torch.nn, name)(*args, **kwargs)
    with pytest.raises(Exception) as ours:
        getattr(gt.nn, name)(*args, **kwargs)
    assert type(ours.value) is type(theirs.value) is ValueError
    assert str(ours.value) == str(theirs.value) or "{" in str(theirs.value)


def test_forward_errors_match_torch():
    for lib in (torch, gt):
        layer = lib.nn.Conv2d(3, 4, 3)
        with pytest.raises(RuntimeError, match="to have 3 channels, but got 2 channels"):
            layer(lib.ones(1, 2, 5, 5))
        with pytest.raises(RuntimeError, match="Kernel size can't be greater"):
            layer(lib.ones(1, 3, 2, 2))
        with pytest.raises(RuntimeError):
            layer(lib.ones(1, 3, 5, 5, dtype=lib.float64))


def test_double_model_and_eval_no_grad():
    """A float64 model (.double()) runs, and eval + no_grad builds no graph."""
    model = gt.nn.Sequential(gt.nn.Conv2d(1, 4, 3, padding=1), gt.nn.ReLU(),
                             gt.nn.Conv2d(4, 2, 3, stride=2)).double()
    x = gt.randn(2, 1, 8, 8, dtype=gt.float64)
    assert model(x).dtype == gt.float64
    model.eval()
    with gt.no_grad():
        y = model(x)
    assert y.grad_fn is None and tuple(y.shape) == (2, 2, 3, 3)
