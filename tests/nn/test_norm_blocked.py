"""The per-channel kernels of batch/instance/group norm (normalization.py): rows summed by
BLAS (a GEMV with ones, one dot per row; rows over 4096 cut into power-of-two dots and a tree),
elementwise work in cache-sized blocks of samples, BatchNorm1d's short rows on tiled views, and
the forward that keeps nothing without autograd. Each layout they split differently is checked
against PyTorch (values, running statistics, gradients of input, weight and bias), plus a
float64 gradcheck and the accuracy of large-batch statistics and gradient sums."""
import numpy as np
import pytest
import torch

import glasstorch as gt
from tests.oracle.harness import check, gradcheck_fn, sample

SHAPES = [
    (512, 3),             # L = 1: tiled views (N divisible by 2)
    (515, 3),             # L = 1, odd N: no tiling
    (8, 3, 20),           # BLAS rows, elementwise on whole arrays
    (64, 4, 300),         # blocks of 54 samples, the last one ragged
    (2, 3, 64, 96),       # L = 6144: dots of 2048 and a tree
    (2, 2, 4100),         # L = 4100: no power-of-two cut, NumPy's pairwise sums
]
TOL = dict(rtol=1e-4, atol=1e-4)


def _bn(weight, bias):
    def fn(t, x, w, b):
        rm, rv = t.zeros(x.shape[1]), t.ones(x.shape[1])
        out = t.nn.functional.batch_norm(x, rm, rv, w if weight else None,
                                         b if bias else None, training=True, momentum=0.3)
        return out, rm, rv
    return fn


@pytest.mark.parametrize("affine", [(True, True), (True, False), (False, True), (False, False)])
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_batch_norm_training(shape, affine):
    x = sample(shape, "float32", -3, 3) + 2
    c = shape[1]
    check(_bn(*affine), [x, sample((c,)), sample((c,))], **TOL)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_batch_norm_without_autograd(shape):
    x = sample(shape, "float32", -3, 3)
    c = shape[1]
    w, b = sample((c,)), sample((c,))
    outs = {}
    for lib in (torch, gt):
        with lib.no_grad():
            rm, rv = lib.zeros(c), lib.ones(c)
            out = lib.nn.functional.batch_norm(lib.tensor(x), rm, rv, lib.tensor(w),
                                               lib.tensor(b), training=True)
        outs[lib.__name__] = [v.numpy() for v in (out, rm, rv)]
    for ours, theirs in zip(outs["glasstorch"], outs["torch"]):
        np.testing.assert_allclose(ours, theirs, **TOL)


def test_input_needing_no_grad_but_weight_does():
    x = sample((16, 4, 300), "float32")
    check(lambda t, w, b: t.nn.functional.batch_norm(t.tensor(x), None, None, w, b, True),
          [sample((4,)), sample((4,))], **TOL)


def test_batch_norm_float64_and_non_contiguous():
    x = sample((5, 300, 3), "float64")
    check(lambda t, x, w: t.nn.functional.batch_norm(x.transpose(1, 2), None, None, w,
                                                     training=True),
          [x, sample((3,), "float64")], rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize("shape", [(3, 4, 300), (70, 2, 600), (2, 3, 20)], ids=str)
def test_instance_norm(shape):
    c = shape[1]

    def fn(t, x, w, b):
        rm, rv = t.zeros(c), t.ones(c)
        return t.nn.functional.instance_norm(x, rm, rv, w, b, use_input_stats=True), rm, rv
    check(fn, [sample(shape, "float32", -3, 3), sample((c,)), sample((c,))], **TOL)


@pytest.mark.parametrize("shape, groups", [((4, 6, 300), 3), ((3, 4, 20, 30), 2)], ids=str)
def test_group_norm(shape, groups):
    c = shape[1]
    check(lambda t, x, w, b: t.nn.functional.group_norm(x, groups, w, b),
          [sample(shape, "float32", -3, 3), sample((c,)), sample((c,))], **TOL)


@pytest.mark.parametrize("fn", [
    lambda t, x, w, b: t.nn.functional.batch_norm(x, None, None, w, b, training=True),
    lambda t, x, w, b: t.nn.functional.instance_norm(x, weight=w, bias=b),
    lambda t, x, w, b: t.nn.functional.group_norm(x, 1, w, b),
], ids=["batch", "instance", "group"])
def test_gradcheck_blocked_layout(fn):
    gradcheck_fn(fn, [sample((2, 2, 260), "float64"), sample((2,), "float64"),
                      sample((2,), "float64")])


def test_large_batch_statistics_and_gradient_sums_are_accurate():
    """(128, 4, 32, 32) near 1000 against PyTorch's float64: running statistics to 1e-6, and
    the weight and bias gradients (sums over 131072 values) within 10x of PyTorch's float32
    error."""
    rng = np.random.default_rng(3)
    x = (rng.random((128, 4, 32, 32)) + 1000).astype(np.float32)
    g = (rng.random(x.shape) + 0.5).astype(np.float32)
    results = {}
    for name, lib, dtype in (("gt", gt, "float32"), ("torch", torch, "float32"),
                             ("exact", torch, "float64")):
        layer = lib.nn.BatchNorm2d(4)
        if dtype == "float64":
            layer = layer.double()
        out = layer(lib.tensor(x.astype(dtype)))
        out.backward(lib.tensor(g.astype(dtype)))
        results[name] = [np.asarray(v.detach().numpy(), np.float64) for v in
                         (layer.running_mean, layer.running_var, layer.weight.grad,
                          layer.bias.grad)]
    exact = results["exact"]
    np.testing.assert_allclose(results["gt"][0], exact[0], rtol=1e-6)
    np.testing.assert_allclose(results["gt"][1], exact[1], rtol=1e-6)
    for i in (2, 3):
        ours = np.max(np.abs(results["gt"][i] - exact[i]) / np.abs(exact[i]))
        theirs = np.max(np.abs(results["torch"][i] - exact[i]) / np.abs(exact[i]))
        assert ours <= 10 * max(theirs, 2.0 ** -24), (i, ours, theirs)
