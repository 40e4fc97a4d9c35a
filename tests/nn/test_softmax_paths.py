"""softmax / log_softmax / cross_entropy / nll_loss on the code paths their speed-ups added:
the last dim viewed as (rows, C) for BLAS row sums (float32/64, contiguous or not, 2-d to 4-d),
the other dims (NumPy reductions), masked rows, saved-array reuse (retain_graph, create_graph,
in-place checks) and flat target positions for (N, C, d...) logits. PyTorch is the oracle."""
import numpy as np
import pytest
import torch

import glasstorch as gt
from tests.oracle.harness import check, check_error, gradcheck_fn, sample

RNG = np.random.default_rng(11)
DTYPES = ["float32", "float64"]


def F(lib):
    return lib.nn.functional


def tol(dtype):
    return dict(rtol=1e-5, atol=1e-6) if dtype == "float32" else dict(rtol=1e-10, atol=1e-12)


def logits(shape, dtype="float32", scale=4.0):
    return (RNG.standard_normal(shape) * scale).astype(dtype)


# ---------------------------------------------------------------------------- softmax family
SHAPES_DIMS = [
    ((7, 10), -1), ((3, 100), 1), ((2, 1000), -1),          # classifier logits, last dim
    ((2, 3, 5, 5), -1), ((2, 2, 9, 9), 3),                  # attention-shaped scores
    ((4, 1), -1), ((1, 6), -1), ((6,), 0),                  # single column / row, 1-d
    ((2, 5, 3), 1), ((3, 4, 2, 2), -3), ((5, 3), 0),        # other dims: NumPy reductions
]


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,dim", SHAPES_DIMS)
def test_softmax_family_shapes_and_dims(name, dtype, shape, dim):
    check(lambda t, x: getattr(F(t), name)(x, dim), [logits(shape, dtype)], **tol(dtype))


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_family_noncontiguous_last_dim(name):
    x = logits((6, 4, 5))
    check(lambda t, a: getattr(F(t), name)(a.transpose(0, 2), -1), [x])     # strided rows
    check(lambda t, a: getattr(F(t), name)(a[:, ::2, 1:], -1), [x])         # sliced view
    check(lambda t, a: getattr(F(t), name)(a.permute(2, 0, 1), 1), [x])     # permuted, dim 1


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_family_broadcast_upstream(name):
    # .sum() hands backward a broadcast (stride-0) gradient
    check(lambda t, x: getattr(F(t), name)(x, -1).sum(), [logits((5, 8))])
    check(lambda t, x: (getattr(F(t), name)(x, -1) * x).mean(), [logits((3, 2, 7))])


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_family_masked_rows_and_large_values(name):
    x = logits((4, 6))
    x[0, :3] = -np.inf                       # a causal-style mask on part of a row
    x[1] += 1e4                              # far from 0: the max shift keeps exp finite
    x[2] -= 1e4
    check(lambda t, a: getattr(F(t), name)(a, -1), [x], grad=False)
    x[3] = -np.inf                           # a fully masked row is NaN, as in torch
    check(lambda t, a: getattr(F(t), name)(a, -1), [x], grad=False)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_family_dtype_argument_and_half(name):
    x = logits((3, 9))
    check(lambda t, a: getattr(F(t), name)(a, -1, dtype=t.float64), [x])
    check(lambda t, a: getattr(F(t), name)(a.half(), -1).float(), [x], grad=False, rtol=2e-3,
          atol=2e-3)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("shape,dim", [((3, 5), -1), ((2, 3, 4), -1), ((2, 3, 4), 1)])
def test_softmax_family_gradcheck(name, shape, dim):
    gradcheck_fn(lambda t, x: getattr(F(t), name)(x, dim), [sample(shape, "float64")])


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_family_backward_twice_with_retain_graph(name):
    # backward must not overwrite the arrays it saved
    x = logits((4, 7))
    v = RNG.standard_normal((4, 7)).astype(np.float32)
    grads = []
    for lib in (torch, gt):
        xt = lib.tensor(x, requires_grad=True)
        y = getattr(F(lib), name)(xt, -1)
        y.backward(lib.tensor(v), retain_graph=True)
        y.backward(lib.tensor(v))
        grads.append(xt.grad.numpy())
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_family_double_backward_last_dim(name):
    x = sample((2, 3, 5), "float64")
    v, w = RNG.standard_normal((2, 2, 3, 5))
    results = []
    for lib in (torch, gt):
        xt = lib.tensor(x, requires_grad=True)
        (gx,) = lib.autograd.grad(getattr(F(lib), name)(xt, -1), xt, lib.tensor(v),
                                  create_graph=True)
        (gx * lib.tensor(w)).sum().backward()
        results.append((gx.detach().numpy(), xt.grad.numpy()))
    np.testing.assert_allclose(results[1][0], results[0][0], rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(results[1][1], results[0][1], rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_family_output_modified_in_place_is_caught(name):
    def run(t):
        x = t.tensor(logits((2, 3)), requires_grad=True)
        y = getattr(F(t), name)(x, -1)
        y.mul_(2)
        y.sum().backward()
    check_error(run)


# ---------------------------------------------------------------------------- cross entropy / NLL
def targets(shape, classes, ignore=None):
    t = RNG.integers(0, classes, size=shape)
    if ignore is not None:
        t.flat[1::3] = ignore
    return t


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(9, 10), (4, 100), (2, 1000), (1, 3), (3, 5, 4),
                                   (2, 4, 3, 2)])
@pytest.mark.parametrize("options", [{}, {"reduction": "none"}, {"reduction": "sum"},
                                     {"ignore_index": 2}, {"label_smoothing": 0.2},
                                     {"weight": True, "ignore_index": 1, "label_smoothing": 0.1}])
def test_cross_entropy_shapes_and_options(dtype, shape, options):
    options = dict(options)
    classes = shape[1]
    t = targets(shape[:1] + shape[2:], classes,
                ignore=options.get("ignore_index") if classes > 2 else None)
    # class weights are made inside the lambda: the harness would make them require grad
    w = RNG.uniform(0.2, 2.0, classes).astype(dtype) if options.pop("weight", False) else None

    def fn(lib, x, tt):
        return F(lib).cross_entropy(x, tt, weight=None if w is None else lib.tensor(w),
                                    **options)
    check(fn, [logits(shape, dtype), t], grad_rtol=1e-4 if dtype == "float32" else None,
          **tol(dtype))


def test_cross_entropy_noncontiguous_logits_every_reduction():
    x = logits((7, 5))
    t = targets((5,), 7)
    for reduction in ("none", "mean", "sum"):
        check(lambda lib, a, tt: F(lib).cross_entropy(a.t(), tt, reduction=reduction), [x, t])
    x4 = logits((2, 3, 4, 5))
    t4 = targets((2, 3, 5), 4, ignore=-100)
    check(lambda lib, a, tt: F(lib).cross_entropy(a.permute(0, 2, 1, 3), tt, reduction="none"),
          [x4, t4])


def test_cross_entropy_every_target_ignored_and_empty_batch():
    t = np.full(4, -100)
    check(lambda lib, a, tt: F(lib).cross_entropy(a, tt), [logits((4, 3)), t])
    check(lambda lib, a, tt: F(lib).cross_entropy(a, tt, reduction="sum"),
          [logits((0, 3)), np.zeros(0, np.int64)])


def test_cross_entropy_backward_twice_with_retain_graph():
    x, t = logits((6, 5)), targets((6,), 5)
    grads = []
    for lib in (torch, gt):
        xt = lib.tensor(x, requires_grad=True)
        loss = F(lib).cross_entropy(xt, lib.tensor(t), label_smoothing=0.1)
        loss.backward(retain_graph=True)
        loss.backward()
        grads.append(xt.grad.numpy())
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("shape", [(5, 4), (3, 4, 2)])
def test_cross_entropy_and_nll_gradcheck(shape):
    t = targets(shape[:1] + shape[2:], shape[1], ignore=0)
    w = RNG.uniform(0.5, 1.5, shape[1])
    gradcheck_fn(lambda lib, x: F(lib).cross_entropy(x, lib.tensor(t), lib.tensor(w),
                                                     ignore_index=0, label_smoothing=0.3),
                 [sample(shape, "float64")])
    gradcheck_fn(lambda lib, x: F(lib).nll_loss(x, lib.tensor(t), ignore_index=0,
                                                reduction="sum"), [sample(shape, "float64")])


@pytest.mark.parametrize("shape", [(6, 4), (2, 5, 3, 2)])
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_nll_loss_positions(shape, reduction):
    t = targets(shape[:1] + shape[2:], shape[1], ignore=3)
    check(lambda lib, x, tt: F(lib).nll_loss(x, tt, ignore_index=3, reduction=reduction),
          [logits(shape), t])
    if len(shape) > 2:
        return                  # torch's nll2d backward refuses a non-contiguous input
    x = logits(shape[::-1])     # non-contiguous log-probabilities
    check(lambda lib, a, tt: F(lib).nll_loss(a.permute(*range(a.dim() - 1, -1, -1)), tt,
                                             reduction=reduction), [x, t % shape[1]])


def test_target_out_of_range_still_raises():
    check_error(lambda lib: F(lib).cross_entropy(lib.zeros(3, 4), lib.tensor([0, 4, 1])))
    check_error(lambda lib: F(lib).nll_loss(lib.zeros(3, 4), lib.tensor([0, -2, 1])))
    # an out-of-range ignore_index is skipped, not reported
    check(lambda lib, x: F(lib).cross_entropy(x, lib.tensor([0, 7, 1]), ignore_index=7),
          [logits((3, 4))])
