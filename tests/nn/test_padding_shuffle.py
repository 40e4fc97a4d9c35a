"""F.pad in every mode, padding layers (Constant/Zero/Reflection/Replication/CircularPad 1-3d),
F.pad's index-mode gradients per dimensionality, PixelShuffle/PixelUnshuffle/ChannelShuffle and their functional
forms, against PyTorch: values, gradients, repr, error parity, float64 gradchecks."""
import numpy as np
import pytest
import torch

import glasstorch as gt
from tests.oracle.harness import check, check_error, gradcheck_fn, sample

MODES = ["reflect", "replicate", "circular"]
# (input shape, pad) per number of padded dims, batched and unbatched
INDEX_PADS = {
    1: [((2, 3, 5), (2, 1)), ((3, 5), (0, 3)), ((2, 3, 5), (-1, 2))],
    2: [((2, 3, 4, 5), (2, 1, 1, 2)), ((3, 4, 5), (1, 0, -1, 2)), ((1, 2, 4, 4), (3, 3, 3, 3))],
    3: [((1, 2, 3, 4, 5), (1, 2, 0, 1, 2, 1)), ((2, 3, 4, 5), (2, 2, 2, 2, 2, 2))],
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("n", [1, 2, 3])
def test_index_pad_gradients_match_torch(mode, n):
    for shape, pads in INDEX_PADS[n]:
        check(lambda t, x: t.nn.functional.pad(x, pads, mode=mode), [sample(shape, "float64")])
    shape, pads = INDEX_PADS[n][0]
    check(lambda t, x: t.nn.functional.pad(x, pads, mode=mode), [sample(shape, "float32")])


@pytest.mark.parametrize("mode", MODES)
def test_index_pad_gradcheck_3d(mode):
    gradcheck_fn(lambda t, x: t.nn.functional.pad(x, (1, 2, 2, 0, 1, 1), mode=mode),
                 [sample((1, 3, 3, 3))])


# ---------------------------------------------------------------------------------------------
# F.pad: constant and index modes, gradients, errors
# ---------------------------------------------------------------------------------------------
def F(t):
    return t.nn.functional


CONSTANT_PADS = [
    ((2, 3), (1, 2)), ((2, 3), (1, 1, 2, 0)), ((2, 3, 4), (1, 0, 0, 2, 1, 1)),
    ((2, 3, 4), (-1, 2)), ((2, 3, 4), (-1, -2, 1, -1)), ((3,), (0, 0)), ((2, 3), ()),
    ((0, 3), (1, 1)), ((2, 3), (-2, -1)), ((), ()), ((2, 3, 4, 5), (1, 1, 1, 1, 1, 1, 1, 1)),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape,pads", CONSTANT_PADS, ids=str)
def test_constant_pad_matches_torch(shape, pads, dtype):
    check(lambda t, x: F(t).pad(x, pads), [sample(shape, dtype)])
    check(lambda t, x: F(t).pad(x, list(pads), value=1.5), [sample(shape, dtype)])


def test_constant_pad_int_and_bool():
    check(lambda t, x: F(t).pad(x, (1, 1), value=2.5), [np.array([1, 2])])
    check(lambda t, x: F(t).pad(x, (1, 2), value=True), [np.array([True, False])])


NONCONSTANT = [
    ((2, 5), (1, 2)), ((1, 2, 5), (2, 4)), ((1, 2, 5), (-1, 1)), ((2, 4, 5), (1, 2, 3, 0)),
    ((1, 2, 4, 5), (1, 2, 3, 1)), ((2, 3, 4, 5), (1, 1, 2, 2, 0, 1)),
    ((1, 2, 3, 4, 5), (2, 1, 1, 0, 1, 2)), ((1, 2, 5), (0, 0)), ((1, 2, 5), (2, -1)),
    ((1, 2, 5), (-2, 3)),
]


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize("shape,pads", NONCONSTANT, ids=str)
def test_nonconstant_pad_matches_torch(shape, pads, mode):
    check(lambda t, x: F(t).pad(x, pads, mode=mode), [sample(shape, "float64")])


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
def test_pad_gradcheck(mode):
    gradcheck_fn(lambda t, x: F(t).pad(x, (2, 1, -1, 1), mode=mode),
                 [sample((1, 2, 3, 4), "float64")])


def test_constant_pad_double_backward():
    x = sample((2, 3), "float64")
    results = []
    for lib in (torch, gt):
        xt = lib.tensor(x, requires_grad=True)
        y = F(lib).pad(xt, (1, -1, 2, 0)) ** 3
        (gx,) = lib.autograd.grad(y.sum(), xt, create_graph=True)
        (gx * gx).sum().backward()
        results.append(xt.grad.numpy())
    np.testing.assert_allclose(results[1], results[0], rtol=1e-10)


def test_pad_non_contiguous_input():
    check(lambda t, x: F(t).pad(x.transpose(1, 2), (1, 2), mode="reflect"),
          [sample((1, 4, 3))])
    check(lambda t, x: F(t).pad(x[:, ::2], (1, 2, 1, 0), value=-1.0), [sample((3, 6))])


def test_pad_errors():
    check_error(lambda t: F(t).pad(t.randn(1, 2, 3), (1,)), match="divisible by 2")
    check_error(lambda t: F(t).pad(t.randn(1, 2, 3), (1,) * 8), match="padding length 8")
    check_error(lambda t: F(t).pad(t.randn(1, 2, 3), (-2, -2)))
    check_error(lambda t: F(t).pad(t.randn(1, 2, 3), (3, 0), mode="reflect"),
                match="Padding size should be less")
    check_error(lambda t: F(t).pad(t.randn(1, 2, 3), (4, 0), mode="circular"))
    check_error(lambda t: F(t).pad(t.randn(1, 1, 2, 3), (1, 1), mode="reflect"))
    check_error(lambda t: F(t).pad(t.randn(3), (1, 1), mode="replicate"))
    check_error(lambda t: F(t).pad(t.randn(2, 3), (1, 1, 1, 1), mode="replicate"))
    check_error(lambda t: F(t).pad(t.randn(1, 2, 3), (1, 1), mode="foo"))
    check_error(lambda t: F(t).pad(t.randn(1, 2, 3), (1, 1), mode="reflect", value=1.0))
    check_error(lambda t: F(t).pad(t.zeros(0, 3), (1, 1), mode="reflect"))


# ---------------------------------------------------------------------------------------------
# padding layers
# ---------------------------------------------------------------------------------------------
LAYERS = [  # (name, constructor args, input shape)
    ("ConstantPad1d", (2, 3.5), (2, 3, 4)),
    ("ConstantPad1d", ((1, -1), -1.0), (3, 4)),
    ("ConstantPad2d", ((1, 0, 2, 1), 0.5), (2, 3, 4, 5)),
    ("ConstantPad2d", ((1, 2), 1.0), (3, 4, 5)),    # a 2-tuple pads the last dim only
    ("ConstantPad3d", (1, 2.0), (1, 2, 3, 3, 3)),
    ("ZeroPad1d", ((1, 2),), (2, 3, 4)),
    ("ZeroPad2d", (2,), (3, 4, 5)),
    ("ZeroPad3d", ((1, 0, 0, 1, 2, 0),), (2, 3, 3, 3)),
    ("ReflectionPad1d", (2,), (2, 3, 4)),
    ("ReflectionPad2d", ((1, 2, 0, 3),), (3, 4, 5)),
    ("ReflectionPad3d", (1,), (1, 2, 3, 3, 3)),
    ("ReplicationPad1d", ((3, 0),), (3, 4)),
    ("ReplicationPad2d", (2,), (2, 3, 4, 5)),
    ("ReplicationPad3d", ((1, 0, 2, 1, 0, 2),), (2, 3, 3, 3)),
    ("CircularPad1d", (2,), (2, 3, 4)),
    ("CircularPad2d", ((1, 0, 2, 1),), (3, 4, 5)),
    ("CircularPad3d", (1,), (1, 2, 3, 3, 3)),
]


@pytest.mark.parametrize("name,args,shape", LAYERS, ids=lambda v: str(v))
def test_padding_layers_match_torch(name, args, shape):
    ours, theirs = getattr(gt.nn, name)(*args), getattr(torch.nn, name)(*args)
    assert repr(ours) == repr(theirs)
    assert ours.padding == theirs.padding
    assert list(ours.state_dict()) == list(theirs.state_dict()) == []
    check(lambda t, x: (ours if t is gt else theirs)(x), [sample(shape, "float64")])


def test_padding_layer_errors():
    check_error(lambda t: t.nn.CircularPad2d(1)(t.randn(4, 4)), match="3D or 4D")
    check_error(lambda t: t.nn.CircularPad1d(1)(t.randn(1, 2, 3, 4)), match="2D or 3D")
    check_error(lambda t: t.nn.CircularPad3d(1)(t.randn(2, 3, 4)), match="4D or 5D")
    check_error(lambda t: t.nn.ReflectionPad1d(4)(t.randn(1, 2, 3)))
    check_error(lambda t: t.nn.ReplicationPad2d(1)(t.randn(3)))
    check_error(lambda t: t.nn.ConstantPad1d((1, 2, 3), 0.0)(t.randn(2, 2)))


# ---------------------------------------------------------------------------------------------
# pixel_shuffle, pixel_unshuffle, channel_shuffle
# ---------------------------------------------------------------------------------------------
SHUFFLES = [  # (expression, input shape)
    (lambda t, x: t.nn.functional.pixel_shuffle(x, 2), (2, 8, 3, 4)),
    (lambda t, x: t.pixel_shuffle(x, 3), (9, 2, 2)),
    (lambda t, x: t.nn.functional.pixel_shuffle(x, 1), (1, 3, 2, 2)),
    (lambda t, x: t.nn.functional.pixel_shuffle(x, 2), (2, 3, 4, 2, 2)),
    (lambda t, x: t.nn.functional.pixel_shuffle(x, 2), (0, 4, 2, 2)),
    (lambda t, x: t.nn.functional.pixel_unshuffle(x, 2), (2, 2, 4, 6)),
    (lambda t, x: t.pixel_unshuffle(x, 3), (1, 6, 3)),
    (lambda t, x: t.nn.functional.pixel_unshuffle(x, 2), (2, 3, 1, 4, 2)),
    (lambda t, x: t.nn.functional.channel_shuffle(x, 2), (2, 6, 3)),
    (lambda t, x: t.channel_shuffle(x, 3), (2, 6, 2, 2)),
    (lambda t, x: t.nn.functional.channel_shuffle(x, 1), (2, 4, 3)),
    (lambda t, x: t.native_channel_shuffle(x, 4), (1, 8, 2, 1, 2)),
    # non-contiguous input
    (lambda t, x: t.nn.functional.pixel_shuffle(x.transpose(-1, -2), 2), (2, 8, 3, 4)),
    (lambda t, x: t.nn.functional.channel_shuffle(x[:, :, ::2], 3), (2, 6, 4)),
]


@pytest.mark.parametrize("i", range(len(SHUFFLES)))
def test_shuffles_match_torch(i):
    fn, shape = SHUFFLES[i]
    if i in (4, 11):   # torch has no gradient for native_channel_shuffle and fails on an
        check(fn, [sample(shape)], grad=False)     # empty batch in pixel_shuffle's backward
        return
    out = check(fn, [sample(shape)])
    assert out.is_contiguous()
    check(fn, [sample(shape, "int64")], grad=False)


def test_shuffles_gradcheck_and_double_backward():
    gradcheck_fn(lambda t, x: t.nn.functional.pixel_shuffle(x, 2), [sample((2, 4, 2, 3))])
    gradcheck_fn(lambda t, x: t.nn.functional.pixel_unshuffle(x, 2), [sample((2, 1, 4, 2))])
    gradcheck_fn(lambda t, x: t.nn.functional.channel_shuffle(x, 2), [sample((2, 4, 3))])
    grads = {}
    for lib in (torch, gt):
        x = lib.tensor(np.arange(16.0).reshape(1, 4, 2, 2) / 10, requires_grad=True)
        y = lib.nn.functional.pixel_shuffle(x, 2)
        (g,) = lib.autograd.grad((y ** 3).sum(), x, create_graph=True)
        (gg,) = lib.autograd.grad(lib.nn.functional.channel_shuffle(g, 2).sum(), x)
        grads[lib.__name__] = gg.detach().numpy()
    np.testing.assert_allclose(grads["glasstorch"], grads["torch"], rtol=1e-6)


def test_shuffle_layers_match_torch():
    for name, arg, shape in [("PixelShuffle", 2, (2, 8, 2, 3)), ("PixelUnshuffle", 2, (2, 2, 4, 4)),
                             ("ChannelShuffle", 3, (2, 6, 2, 2))]:
        ours, theirs = getattr(gt.nn, name)(arg), getattr(torch.nn, name)(arg)
        assert repr(ours) == repr(theirs)
        check(lambda t, x: (ours if t is gt else theirs)(x), [sample(shape)])


def test_shuffle_errors():
    F = lambda t: t.nn.functional  # noqa: E731
    check_error(lambda t: F(t).pixel_shuffle(t.randn(3, 4), 2), match="at least 3 dimensions")
    check_error(lambda t: F(t).pixel_shuffle(t.randn(1, 3, 4, 4), 2), match="divisible")
    check_error(lambda t: F(t).pixel_shuffle(t.randn(1, 4, 4, 4), 0), match="positive")
    check_error(lambda t: F(t).pixel_shuffle(t.randn(4, 2, 2), 2.0))
    check_error(lambda t: F(t).pixel_shuffle([1.0], 2))
    check_error(lambda t: F(t).pixel_unshuffle(t.randn(1, 1, 3, 4), 2), match="height")
    check_error(lambda t: F(t).pixel_unshuffle(t.randn(1, 1, 4, 3), 2), match="width")
    check_error(lambda t: F(t).pixel_unshuffle(t.randn(1, 1, 4, 4), -1), match="positive")
    check_error(lambda t: F(t).pixel_unshuffle(t.randn(4, 4), 2), match="at least 3")
    check_error(lambda t: F(t).channel_shuffle(t.randn(2, 6, 3), 4), match="divisible by groups")
    check_error(lambda t: F(t).channel_shuffle(t.randn(2, 6), 2), match="> 2 dims")
    check_error(lambda t: F(t).channel_shuffle(t.randn(2, 6, 3), 0), match="positive")
