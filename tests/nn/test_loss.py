"""Losses against PyTorch: values, dtypes and gradients (input, and target where torch has
one) for every reduction and option, float64 gradchecks of the fused backwards, error parity,
warnings, and the loss layers' repr / state_dict."""
import warnings

import numpy as np
import pytest
import torch

import glasstorch as gt
from tests.oracle.harness import check, check_error, gradcheck_fn, sample

RNG = np.random.default_rng(7)
REDUCTIONS = ["none", "mean", "sum"]
DTYPES = ["float32", "float64"]


def targets(shape, classes, ignore=None, dtype=np.int64):
    t = RNG.integers(0, classes, size=shape).astype(dtype)
    if ignore is not None and t.size:
        t.flat[::3] = ignore
    return t


def probs(shape, dtype="float32"):
    p = RNG.random(shape) + 0.05
    return (p / p.sum(axis=1 if len(shape) > 1 else 0, keepdims=True)).astype(dtype)


def unit(shape, dtype="float32"):
    """Values inside (0, 1), away from the ends (BCE inputs)."""
    return RNG.uniform(0.05, 0.95, size=shape).astype(dtype)


def tol(dtype):
    return dict(rtol=1e-4, atol=1e-5) if dtype == "float32" else dict(rtol=1e-7, atol=1e-9)


# ---------------------------------------------------------------------------------------------
# pointwise regression losses
# ---------------------------------------------------------------------------------------------
POINTWISE = [
    ("mse", lambda t, x, y, r: t.nn.functional.mse_loss(x, y, reduction=r)),
    ("l1", lambda t, x, y, r: t.nn.functional.l1_loss(x, y, reduction=r)),
    ("smooth_l1", lambda t, x, y, r: t.nn.functional.smooth_l1_loss(x, y, reduction=r)),
    ("smooth_l1_beta", lambda t, x, y, r: t.nn.functional.smooth_l1_loss(x, y, reduction=r,
                                                                         beta=0.3)),
    ("smooth_l1_beta0", lambda t, x, y, r: t.nn.functional.smooth_l1_loss(x, y, reduction=r,
                                                                          beta=0.0)),
    ("huber", lambda t, x, y, r: t.nn.functional.huber_loss(x, y, reduction=r)),
    ("huber_delta", lambda t, x, y, r: t.nn.functional.huber_loss(x, y, reduction=r,
                                                                  delta=0.4)),
]


@pytest.mark.parametrize("name,fn", POINTWISE, ids=[p[0] for p in POINTWISE])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_pointwise_losses(name, fn, reduction, dtype):
    for shape in [(4, 5), (), (0, 3), (2, 3, 4)]:
        x, y = sample(shape, dtype), sample(shape, dtype)
        check(lambda t, x, y: fn(t, x, y, reduction), [x, y], **tol(dtype))
    # non-contiguous input
    x = sample((5, 4), dtype)
    check(lambda t, x, y: fn(t, x.t(), y, reduction), [x, sample((4, 5), dtype)], **tol(dtype))


@pytest.mark.parametrize("name,fn", POINTWISE, ids=[p[0] for p in POINTWISE])
def test_pointwise_gradcheck(name, fn):
    for r in REDUCTIONS:
        gradcheck_fn(lambda t, x, y: fn(t, x, y, r), [sample((3, 4), avoid=(0.0,)),
                                                      sample((3, 4))])


@pytest.mark.parametrize("name,fn", POINTWISE, ids=[p[0] for p in POINTWISE])
def test_pointwise_broadcast_warns_like_torch(name, fn):
    x, y = sample((3, 1)), sample((3,))
    with pytest.warns(UserWarning, match="target size"):
        check(lambda t, x, y: fn(t, x, y, "mean"), [x, y])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_error(lambda t: fn(t, t.ones(3, 2), t.ones(3), "mean"))


def test_pointwise_dtype_promotion():
    f32, f64 = sample((4,)), sample((4,), "float64")
    i64 = np.arange(4)
    for fn in (lambda t, x, y: t.nn.functional.mse_loss(x, y),
               lambda t, x, y: t.nn.functional.l1_loss(x, y),
               lambda t, x, y: t.nn.functional.smooth_l1_loss(x, y)):
        check(fn, [f32, f64])
        check(fn, [f64, f32])
        check(fn, [f32, i64])
    # huber keeps the input's dtype (torch's own backward fails on mixed dtypes: values only)
    huber = lambda t, x, y: t.nn.functional.huber_loss(x, y)  # noqa: E731
    for pair in ([f32, f64], [f64, f32], [f32, i64]):
        check(huber, pair, grad=False)
    check_error(lambda t: t.nn.functional.mse_loss(t.ones(3).long(), t.ones(3).long()))
    check_error(lambda t: t.nn.functional.smooth_l1_loss(t.ones(3), t.ones(3), beta=-1.0))
    check_error(lambda t: t.nn.functional.huber_loss(t.ones(3), t.ones(3), delta=0.0))
    check_error(lambda t: t.nn.functional.mse_loss(t.ones(3), t.ones(3), reduction="avg"))


def test_weighted_mse_l1_huber():
    w = RNG.random((3, 4)).astype("float32")
    for name in ("mse_loss", "l1_loss", "huber_loss"):
        for r in REDUCTIONS:
            check(lambda t, x, y: getattr(t.nn.functional, name)(x, y, reduction=r,
                                                                   weight=t.tensor(w)),
                  [sample((3, 4)), sample((3, 4))], rtol=1e-5, atol=1e-5)
    check_error(lambda t: t.nn.functional.mse_loss(t.ones(3), t.ones(3), weight=t.ones(2)))


def test_legacy_size_average_reduce():
    x, y = sample((3, 4)), sample((3, 4))
    for kwargs in ({"size_average": False}, {"reduce": False}, {"size_average": True},
                   {"size_average": False, "reduce": True}):
        with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
            check(lambda t, x, y: t.nn.functional.mse_loss(x, y, **kwargs), [x, y])
        with pytest.warns(UserWarning, match="deprecated"):
            ours = gt.nn.MSELoss(**kwargs)
        with pytest.warns(UserWarning):
            theirs = torch.nn.MSELoss(**kwargs)
        assert ours.reduction == theirs.reduction


# ---------------------------------------------------------------------------------------------
# cross entropy and NLL
# ---------------------------------------------------------------------------------------------
def ce(t, x, target, **kw):
    return t.nn.functional.cross_entropy(x, target if isinstance(target, t.Tensor)
                                         else t.tensor(target), **kw)


CE_SHAPES = [((6, 5), (6,)), ((2, 4, 3), (2, 3)), ((2, 3, 2, 4), (2, 2, 4)), ((5,), ()),
             ((0, 4), (0,))]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_cross_entropy_class_indices(reduction, dtype):
    for xs, ts in CE_SHAPES:
        classes = xs[1] if len(xs) > 1 else xs[0]
        tgt = targets(ts, classes)
        w = RNG.random(classes).astype(dtype) + 0.1
        options = [{}, {"weight": w}, {"ignore_index": 1}, {"label_smoothing": 0.2},
                   {"label_smoothing": 0.3, "weight": w, "ignore_index": 2}]
        for opts in options:
            def fn(t, x, opts=opts):
                kw = dict(opts)
                if "weight" in kw:
                    kw["weight"] = t.tensor(kw["weight"])
                return ce(t, x, tgt, reduction=reduction, **kw)
            check(fn, [sample(xs, dtype, -4, 4)], **tol(dtype))


def test_cross_entropy_ignore_index_default_and_all_ignored():
    x = sample((6, 4))
    tgt = targets((6,), 4, ignore=-100)
    for r in REDUCTIONS:
        check(lambda t, x: ce(t, x, tgt, reduction=r), [x])
        check(lambda t, x: ce(t, x, tgt, reduction=r, label_smoothing=0.1), [x])
    all_ignored = np.full(6, -100)
    for r in REDUCTIONS:
        check(lambda t, x: ce(t, x, all_ignored, reduction=r), [x])   # mean: nan, as torch
    # an ignored target may be any value, even out of range
    check(lambda t, x: ce(t, x, np.array([7, 1, 2, 3, 7, 0]), ignore_index=7), [x])


def test_cross_entropy_stable_for_large_logits():
    x = np.array([[1000.0, 0.0, -1000.0], [-500.0, 500.0, 0.0]], "float32")
    check(lambda t, x: ce(t, x, np.array([2, 0]), reduction="none"), [x])
    check(lambda t, x: ce(t, x, np.array([2, 0]), label_smoothing=0.1), [x])


def test_cross_entropy_noncontiguous_and_uint8_targets():
    x = sample((5, 6))
    check(lambda t, x: ce(t, x.t(), np.array([0, 4, 2, 1, 3, 0])), [x])
    check(lambda t, x: ce(t, x, np.array([1, 2, 3, 0, 4], np.uint8)), [x])
    x4, tgt = sample((2, 3, 4, 5)), targets((2, 3, 5), 4)
    check(lambda t, x: ce(t, x.permute(0, 2, 1, 3), tgt), [x4])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_cross_entropy_probabilities(reduction, dtype):
    for shape in [(6, 5), (2, 4, 3), (5,), (0, 3)]:
        classes = shape[1] if len(shape) > 1 else shape[0]
        w = RNG.random(classes).astype(dtype) + 0.1
        for opts in [{}, {"weight": w}, {"label_smoothing": 0.25},
                     {"weight": w, "label_smoothing": 0.1}]:
            def fn(t, x, y, opts=opts):
                kw = dict(opts)
                if "weight" in kw:
                    kw["weight"] = t.tensor(kw["weight"])
                return t.nn.functional.cross_entropy(x, y, reduction=reduction, **kw)
            check(fn, [sample(shape, dtype), probs(shape, dtype)], **tol(dtype))


def test_cross_entropy_negative_label_smoothing_is_ignored_like_torch():
    check(lambda t, x, y: t.nn.functional.cross_entropy(x, y, label_smoothing=-0.5),
          [sample((3, 4)), probs((3, 4))])
    check(lambda t, x: ce(t, x, np.array([0, 3, 1]), label_smoothing=-0.5), [sample((3, 4))])


def test_cross_entropy_probabilities_promote():
    check(lambda t, x, y: t.nn.functional.cross_entropy(x, y),
          [sample((3, 4)), probs((3, 4), "float64")])
    check(lambda t, x, y: t.nn.functional.cross_entropy(
        x, y, weight=t.ones(4, dtype=t.float64)), [sample((3, 4)), probs((3, 4))])


def test_cross_entropy_gradcheck():
    x = sample((4, 5))
    w = RNG.random(5) + 0.1
    tgt = targets((4,), 5)
    for r in REDUCTIONS:
        gradcheck_fn(lambda t, x: ce(t, x, tgt, reduction=r), [x])
        gradcheck_fn(lambda t, x: ce(t, x, tgt, reduction=r, weight=t.tensor(w),
                                     label_smoothing=0.2, ignore_index=tgt[0]), [x])
        gradcheck_fn(lambda t, x, y: t.nn.functional.cross_entropy(
            x, y, reduction=r, weight=t.tensor(w), label_smoothing=0.1), [x, probs((4, 5))])
    tgt = targets((2, 3), 4)
    gradcheck_fn(lambda t, x: ce(t, x, tgt, label_smoothing=0.1), [sample((2, 4, 3))])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_nll_loss(reduction, dtype):
    for xs, ts in CE_SHAPES:
        classes = xs[1] if len(xs) > 1 else xs[0]
        tgt = targets(ts, classes)
        w = RNG.random(classes).astype(dtype) + 0.1
        for opts in [{}, {"weight": w}, {"ignore_index": 0}, {"weight": w, "ignore_index": 1}]:
            def fn(t, x, opts=opts):
                kw = dict(opts)
                if "weight" in kw:
                    kw["weight"] = t.tensor(kw["weight"])
                return t.nn.functional.nll_loss(x, t.tensor(tgt), reduction=reduction, **kw)
            check(fn, [sample(xs, dtype)], **tol(dtype))
    tgt = targets((4,), 3)
    gradcheck_fn(lambda t, x: t.nn.functional.nll_loss(x, t.tensor(tgt), reduction=reduction,
                                                       weight=t.tensor([0.2, 1.0, 3.0], dtype=t.float64)),
                 [sample((4, 3))])


def test_nll_loss_unbatched_one_element_target():
    # values only: torch's own backward rejects this shape combination
    check(lambda t, x: t.nn.functional.nll_loss(x, t.tensor([2]), reduction="none"),
          [sample((5,))], grad=False)
    check(lambda t, x: ce(t, x, np.array([2])), [sample((5,))], grad=False)


CLASS_ERRORS = [
    lambda t: ce(t, t.randn(4, 5), t.tensor([1, 2, 3, 4], dtype=t.int32)),
    lambda t: ce(t, t.randn(4, 5), t.tensor([1, 2, 3, 5])),
    lambda t: ce(t, t.randn(4, 5), t.tensor([1, 2, 3, -1])),
    lambda t: ce(t, t.randn(2, 3, 4), t.tensor([[1, 2, 3, 5], [0, 0, 0, 0]])),
    lambda t: ce(t, t.randn(4, 5), t.rand(4)),
    lambda t: ce(t, t.randn(4, 5), t.rand(4, 4)),
    lambda t: ce(t, t.randn(4, 5), t.ones(4, 5).long()),
    lambda t: ce(t, t.randn(4, 5), t.tensor([1, 2, 3])),
    lambda t: ce(t, t.randn(2, 3, 4), t.zeros(2, 5).long()),
    lambda t: ce(t, t.randn(2, 3, 4), t.zeros(3, 4).long()),
    lambda t: ce(t, t.randn(5), t.tensor([2, 3])),
    lambda t: ce(t, t.tensor(1.0), t.tensor(0)),
    lambda t: ce(t, t.randn(4, 5), t.tensor([1, 2, 3, 4]), weight=t.ones(3)),
    lambda t: ce(t, t.randn(4, 5), t.tensor([1, 2, 3, 4]), weight=t.ones(5, dtype=t.float64)),
    lambda t: ce(t, t.randn(4, 5), t.tensor([1, 2, 3, 4]),
                 weight=t.ones(5, requires_grad=True)),
    lambda t: ce(t, t.randn(4, 5), t.tensor([1, 2, 3, 4]), label_smoothing=1.5),
    lambda t: ce(t, t.randn(4, 5), t.rand(4, 5), label_smoothing=1.5),
    lambda t: ce(t, t.randn(4, 5), t.rand(4, 5), ignore_index=1),
    lambda t: ce(t, t.randn(4, 5), t.rand(4, 5), weight=t.ones(3)),
    lambda t: ce(t, t.randn(4, 5), t.tensor([1, 2, 3, 4]), reduction="foo"),
    lambda t: ce(t, t.ones(4, 5).long(), t.tensor([1, 2, 3, 4])),
    lambda t: t.nn.functional.nll_loss(t.randn(4, 5), t.tensor([1, 2, 3, 5])),
    lambda t: t.nn.functional.nll_loss(t.tensor(1.0), t.tensor(0)),
    lambda t: t.nn.functional.nll_loss(t.randn(4, 5), t.rand(4)),
    lambda t: t.nn.functional.nll_loss(t.randn(4, 5), t.zeros(3).long()),
    lambda t: t.nn.functional.nll_loss(t.randn(1, 5), t.tensor(2)),
    lambda t: t.nn.functional.nll_loss(t.randn(4, 5), t.zeros(4).long(), weight=t.ones(5, 1)),
    lambda t: t.nn.functional.nll_loss(t.randn(4, 5).double(), t.zeros(4).long(),
                                       weight=t.ones(5)),
]


@pytest.mark.parametrize("fn", CLASS_ERRORS)
def test_cross_entropy_nll_errors(fn):
    check_error(fn)


def test_cross_entropy_grad_fn_name():
    x = gt.randn(3, 4, requires_grad=True)
    assert gt.nn.functional.cross_entropy(x, gt.tensor([0, 1, 2])).grad_fn.name() == \
        "NllLossBackward0"


# ---------------------------------------------------------------------------------------------
# binary cross entropy
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_binary_cross_entropy(reduction, dtype):
    w = RNG.random((3, 4)).astype(dtype)
    wrow = RNG.random(4).astype(dtype)
    for shape in [(3, 4), (), (0,)]:
        check(lambda t, x, y: t.nn.functional.binary_cross_entropy(x, y, reduction=reduction),
              [unit(shape, dtype), unit(shape, dtype)], **tol(dtype))
    for weight in (w, wrow):
        check(lambda t, x, y: t.nn.functional.binary_cross_entropy(
            x, y, weight=t.tensor(weight), reduction=reduction),
            [unit((3, 4), dtype), unit((3, 4), dtype)], **tol(dtype))
    gradcheck_fn(lambda t, x, y: t.nn.functional.binary_cross_entropy(x, y, reduction=reduction,
                                                                      weight=t.tensor(wrow)),
                 [unit((3, 4)), unit((3, 4))])


def test_binary_cross_entropy_clamps_logs_at_minus_100():
    x = np.array([0.0, 1.0, 0.0, 1.0, 0.5], "float32")
    y = np.array([1.0, 0.0, 0.0, 1.0, 0.5], "float32")
    check(lambda t, x, y: t.nn.functional.binary_cross_entropy(x, y, reduction="none"), [x, y],
          grad=False)
    check(lambda t, x, y: t.nn.functional.binary_cross_entropy(x, y), [x, y], grad=False)


BCE_ERRORS = [
    lambda t: t.nn.functional.binary_cross_entropy(t.tensor([1.5]), t.tensor([1.0])),
    lambda t: t.nn.functional.binary_cross_entropy(t.tensor([-0.5]), t.tensor([1.0])),
    lambda t: t.nn.functional.binary_cross_entropy(t.tensor([0.5]), t.tensor([1.5])),
    lambda t: t.nn.functional.binary_cross_entropy(t.rand(3, 1), t.rand(3)),
    lambda t: t.nn.functional.binary_cross_entropy(t.rand(3), t.rand(3, dtype=t.float64)),
    lambda t: t.nn.functional.binary_cross_entropy(t.rand(3), t.ones(3).long()),
    lambda t: t.nn.functional.binary_cross_entropy(t.ones(3).long(), t.ones(3).long()),
    lambda t: t.nn.functional.binary_cross_entropy(t.rand(3, 2), t.rand(3, 2),
                                                   weight=t.rand(3)),
    lambda t: t.nn.functional.binary_cross_entropy(t.rand(3), t.rand(3),
                                                   weight=t.rand(3, requires_grad=True)),
    lambda t: t.nn.functional.binary_cross_entropy_with_logits(t.rand(3, 1), t.rand(3)),
    lambda t: t.nn.functional.binary_cross_entropy_with_logits(t.rand(3), t.ones(3).long()),
    lambda t: t.nn.functional.binary_cross_entropy_with_logits(t.ones(3).long(),
                                                               t.ones(3).long()),
    lambda t: t.nn.functional.binary_cross_entropy_with_logits(t.rand(3, 2), t.rand(3, 2),
                                                               pos_weight=t.rand(3)),
    lambda t: t.nn.functional.binary_cross_entropy_with_logits(
        t.rand(3), t.rand(3), pos_weight=t.rand(3, requires_grad=True)),
]


@pytest.mark.parametrize("fn", BCE_ERRORS)
def test_binary_cross_entropy_errors(fn):
    check_error(fn)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_bce_with_logits(reduction, dtype):
    w = RNG.random((3, 4)).astype(dtype)
    pw = (RNG.random(4) * 3).astype(dtype)
    big = np.array([[-200.0, -30.0, 0.0, 30.0], [200.0, 1.0, -1.0, 0.5]], dtype)
    for x in (sample((3, 4), dtype, -5, 5), big[:1].repeat(3, 0)):
        for opts in ({}, {"weight": w}, {"pos_weight": pw}, {"weight": w, "pos_weight": pw}):
            def fn(t, x, y, opts=opts):
                kw = {k: t.tensor(v) for k, v in opts.items()}
                return t.nn.functional.binary_cross_entropy_with_logits(
                    x, y, reduction=reduction, **kw)
            check(fn, [x, unit((3, 4), dtype)], **tol(dtype))
    gradcheck_fn(lambda t, x, y: t.nn.functional.binary_cross_entropy_with_logits(
        x, y, reduction=reduction, weight=t.tensor(w), pos_weight=t.tensor(pw)),
        [sample((3, 4)), unit((3, 4))])


def test_bce_with_logits_promotes_target():
    check(lambda t, x, y: t.nn.functional.binary_cross_entropy_with_logits(x, y),
          [sample((3,)), unit((3,), "float64")])
    check(lambda t, x, y: t.nn.functional.binary_cross_entropy_with_logits(
        x, y, weight=t.ones(3, dtype=t.float64)), [sample((3,)), unit((3,))])


# ---------------------------------------------------------------------------------------------
# KL divergence
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("reduction", REDUCTIONS + ["batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div(reduction, log_target):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")       # 'mean' warns in both libraries
        for dtype in DTYPES:
            y = probs((4, 5), dtype)
            if log_target:
                y = np.log(y)
            else:
                y[0, :2] = 0                   # zero targets contribute 0
            check(lambda t, x, y: t.nn.functional.kl_div(x, y, reduction=reduction,
                                                         log_target=log_target),
                  [np.log(probs((4, 5), dtype)), y], **tol(dtype))
            check(lambda t, x, y: t.nn.functional.kl_div(x, y, reduction=reduction,
                                                         log_target=log_target),
                  [np.log(probs((4, 5), dtype)), probs((5,), dtype)], **tol(dtype))
        gradcheck_fn(lambda t, x, y: t.nn.functional.kl_div(x, y, reduction=reduction,
                                                            log_target=log_target),
                     [sample((3, 4)), unit((3, 4))])


def test_kl_div_warning_and_errors():
    with pytest.warns(UserWarning, match="batchmean"):
        gt.nn.functional.kl_div(gt.randn(3), gt.rand(3))
    check_error(lambda t: t.nn.functional.kl_div(t.randn(3), t.rand(3), reduction="x"))
    check_error(lambda t: t.nn.functional.kl_div(t.randn(3), t.ones(3).long(),
                                                 reduction="sum"))
    check_error(lambda t: t.nn.functional.kl_div(t.randn(3), t.rand(2), reduction="sum"))


# ---------------------------------------------------------------------------------------------
# the composite losses
# ---------------------------------------------------------------------------------------------
def pm1(shape):
    return (RNG.integers(0, 2, size=shape) * 2 - 1).astype("float32")


PM5, PM34, PM4 = pm1((5,)), pm1((3, 4)), pm1((4,))   # fixed: the same for both libraries

COMPOSITE = [
    ("poisson_log", lambda t, x, y, r: t.nn.functional.poisson_nll_loss(x, y, reduction=r),
     lambda: [sample((3, 4)), unit((3, 4)) * 4]),
    ("poisson_full", lambda t, x, y, r: t.nn.functional.poisson_nll_loss(
        x, y, log_input=False, full=True, reduction=r), lambda: [unit((3, 4)) + 0.5,
                                                                  unit((3, 4)) * 4]),
    ("gaussian", lambda t, x, y, v, r: t.nn.functional.gaussian_nll_loss(x, y, v, reduction=r),
     lambda: [sample((3, 4)), sample((3, 4)), unit((3, 4))]),
    ("gaussian_homo", lambda t, x, y, v, r: t.nn.functional.gaussian_nll_loss(
        x, y, v, full=True, reduction=r), lambda: [sample((3, 4)), sample((3, 4)), unit((3,))]),
    ("margin_ranking", lambda t, a, b, r: t.nn.functional.margin_ranking_loss(
        a, b, t.tensor(PM5), margin=0.2, reduction=r), lambda: [sample((5,)),
                                                                       sample((5,))]),
    ("hinge_embedding", lambda t, x, r: t.nn.functional.hinge_embedding_loss(
        x, t.tensor(PM34), margin=0.5, reduction=r), lambda: [sample((3, 4))]),
    ("soft_margin", lambda t, x, r: t.nn.functional.soft_margin_loss(
        x, t.tensor(PM34), reduction=r), lambda: [sample((3, 4))]),
    ("multilabel_soft_margin", lambda t, x, r: t.nn.functional.multilabel_soft_margin_loss(
        x, t.tensor((PM34 + 1) / 2), weight=t.tensor([1.0, 2.0, 0.5, 1.0]),
        reduction=r), lambda: [sample((3, 4))]),
    ("cosine_embedding", lambda t, a, b, r: t.nn.functional.cosine_embedding_loss(
        a, b, t.tensor(PM4), margin=0.1, reduction=r), lambda: [sample((4, 5)),
                                                                       sample((4, 5))]),
    ("triplet", lambda t, a, p, n, r: t.nn.functional.triplet_margin_loss(
        a, p, n, reduction=r), lambda: [sample((4, 5)), sample((4, 5)), sample((4, 5))]),
    ("triplet_swap_p1", lambda t, a, p, n, r: t.nn.functional.triplet_margin_loss(
        a, p, n, p=1, swap=True, reduction=r), lambda: [sample((4, 5)), sample((4, 5)),
                                                        sample((4, 5))]),
    ("triplet_distance", lambda t, a, p, n, r: t.nn.functional.triplet_margin_with_distance_loss(
        a, p, n, reduction=r), lambda: [sample((4, 5)), sample((4, 5)), sample((4, 5))]),
    ("multi_margin", lambda t, x, r: t.nn.functional.multi_margin_loss(
        x, t.tensor([0, 3, 1]), reduction=r), lambda: [sample((3, 4))]),
    ("multi_margin_p2_w", lambda t, x, r: t.nn.functional.multi_margin_loss(
        x, t.tensor([0, 3, 1]), p=2, margin=0.7, weight=t.tensor([1.0, 2.0, 0.5, 1.0]),
        reduction=r), lambda: [sample((3, 4))]),
]


@pytest.mark.parametrize("name,fn,make", COMPOSITE, ids=[c[0] for c in COMPOSITE])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_composite_losses(name, fn, make, reduction):
    check(lambda t, *a: fn(t, *a, reduction), make(), rtol=1e-5, atol=1e-5)


# ---------------------------------------------------------------------------------------------
# multilabel_margin_loss
# ---------------------------------------------------------------------------------------------
LABELS = np.array([[3, 0, -1, 1, 2], [1, 2, 3, 4, 0], [-1, 0, 0, 0, 0], [2, 2, -1, 4, 4]])


def multilabel(t):
    return t.nn.functional.multilabel_margin_loss


@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_multilabel_margin_loss_matches_torch(reduction, dtype):
    x = sample((4, 5), dtype)
    check(lambda t, x: multilabel(t)(x, t.tensor(LABELS), reduction=reduction), [x])
    check(lambda t, x: multilabel(t)(x[1], t.tensor(LABELS[0]), reduction=reduction), [x])
    small = np.minimum(LABELS[:, :4], 3)
    check(lambda t, x: multilabel(t)(x.T[:4, :4], t.tensor(small), reduction=reduction), [x])


def test_multilabel_margin_loss_gradcheck_layer_errors():
    gradcheck_fn(lambda t, x: multilabel(t)(x, t.tensor(LABELS), reduction="none"),
                 [sample((4, 5))])
    assert repr(gt.nn.MultiLabelMarginLoss()) == repr(torch.nn.MultiLabelMarginLoss())
    layers = {gt: gt.nn.MultiLabelMarginLoss(reduction="sum"),
              torch: torch.nn.MultiLabelMarginLoss(reduction="sum")}
    check(lambda t, x: layers[t](x, t.tensor(LABELS)), [sample((4, 5))])
    x = lambda t: t.randn(2, 4)  # noqa: E731
    target = lambda t: t.tensor([[3, 0, -1, 1], [1, 2, 3, -1]])  # noqa: E731
    check_error(lambda t: multilabel(t)(x(t), target(t).int()), match="Long")
    check_error(lambda t: multilabel(t)(x(t), target(t)[:, :3]), match="[2, 3]")
    check_error(lambda t: multilabel(t)(t.randn(2, 2, 2), t.zeros(2, 2, 2).long()),
                match="[2, 2, 2]")
    check_error(lambda t: multilabel(t)(x(t), target(t) + 2), match="range")
    check_error(lambda t: multilabel(t)(x(t), target(t), reduction="foo"))
    check_error(lambda t: multilabel(t)(t.ones(2, 4).long(), target(t)))


# ---------------------------------------------------------------------------------------------
# layers
# ---------------------------------------------------------------------------------------------
LAYERS = [
    ("L1Loss", {}), ("MSELoss", {"reduction": "sum"}), ("SmoothL1Loss", {"beta": 0.5}),
    ("HuberLoss", {"delta": 2.0}), ("NLLLoss", {"ignore_index": 2}),
    ("CrossEntropyLoss", {"label_smoothing": 0.1}), ("BCELoss", {}), ("BCEWithLogitsLoss", {}),
    ("KLDivLoss", {"reduction": "batchmean"}), ("PoissonNLLLoss", {}), ("GaussianNLLLoss", {}),
    ("MarginRankingLoss", {}), ("HingeEmbeddingLoss", {}), ("SoftMarginLoss", {}),
    ("MultiLabelSoftMarginLoss", {}), ("CosineEmbeddingLoss", {}), ("MultiMarginLoss", {}),
    ("TripletMarginLoss", {}),
]   # TripletMarginWithDistanceLoss prints its default nn.PairwiseDistance child, not built here


@pytest.mark.parametrize("name,kwargs", LAYERS, ids=[n for n, _ in LAYERS])
def test_loss_layer_repr_and_state(name, kwargs):
    ours, theirs = getattr(gt.nn, name)(**kwargs), getattr(torch.nn, name)(**kwargs)
    assert repr(ours) == repr(theirs)
    assert ours.reduction == theirs.reduction
    assert list(ours.state_dict()) == list(theirs.state_dict())


def test_weighted_loss_layers_keep_weight_buffers():
    w = np.array([1.0, 2.0, 0.5], "float32")
    for name, kw in (("CrossEntropyLoss", "weight"), ("NLLLoss", "weight"),
                     ("BCEWithLogitsLoss", "pos_weight"), ("BCELoss", "weight")):
        ours = getattr(gt.nn, name)(**{kw: gt.tensor(w)})
        theirs = getattr(torch.nn, name)(**{kw: torch.tensor(w)})
        assert list(ours.state_dict()) == list(theirs.state_dict())
        assert list(dict(ours.named_buffers())) == list(dict(theirs.named_buffers()))


def test_cross_entropy_layer_matches_torch():
    w = RNG.random(5).astype("float32") + 0.1
    tgt = targets((6,), 5)
    check(lambda t, x: t.nn.CrossEntropyLoss(weight=t.tensor(w), ignore_index=3,
                                             label_smoothing=0.1)(x, t.tensor(tgt)),
          [sample((6, 5))])
    check(lambda t, x, y: t.nn.BCEWithLogitsLoss(pos_weight=t.tensor(w))(x, y),
          [sample((6, 5)), unit((6, 5))])
    check(lambda t, x, y: t.nn.BCELoss(weight=t.tensor(w))(x, y), [unit((6, 5)), unit((6, 5))])
    check(lambda t, x, y: t.nn.HuberLoss(delta=0.5)(x, y), [sample((6, 5)), sample((6, 5))])
