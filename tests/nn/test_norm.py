"""Normalisation against PyTorch: batch/instance/layer/group/RMS/local-response norm values and
gradients (input, weight, bias), running-statistics updates, float64 gradchecks of the fused
backwards, error parity, and the layers over several training steps (running statistics,
eval outputs, state_dict keys and order, repr)."""

import warnings

import numpy as np
import pytest
import torch

import glasstorch as gt
from tests.oracle.harness import check, check_error, gradcheck_fn, sample

RNG = np.random.default_rng(11)
DTYPES = ["float32", "float64"]
BN_SHAPES = [(6, 3), (4, 3, 5), (2, 3, 4, 5), (2, 3, 2, 3, 2)]


def tol(dtype):
    return dict(rtol=1e-4, atol=1e-5) if dtype == "float32" else dict(rtol=1e-7, atol=1e-9)


def stats(c, dtype):
    return RNG.normal(size=c).astype(dtype), RNG.uniform(0.5, 2.0, size=c).astype(dtype)


# ---------------------------------------------------------------------------------------------
# batch_norm
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", BN_SHAPES, ids=str)
@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_functional(dtype, shape, training):
    c = shape[1]
    mean, var = stats(c, dtype)
    x, w, b = sample(shape, dtype, -3, 3), sample((c,), dtype), sample((c,), dtype)
    # with running statistics: the same updated values in both libraries
    results = {}

    def fn(t, x, w, b):
        rm, rv = t.tensor(mean), t.tensor(var)
        out = t.nn.functional.batch_norm(x, rm, rv, w, b, training=training, momentum=0.3,
                                         eps=1e-3)
        results[t.__name__] = (rm.numpy().copy(), rv.numpy().copy())
        return out
    check(fn, [x, w, b], **tol(dtype))
    for ours, theirs in zip(results["glasstorch"], results["torch"]):
        np.testing.assert_allclose(ours, theirs, **tol(dtype))
    # without affine parameters, and without running statistics (batch statistics)
    check(lambda t, x: t.nn.functional.batch_norm(x, t.tensor(mean), t.tensor(var),
                                                  training=training), [x], **tol(dtype))
    if training:
        check(lambda t, x, w, b: t.nn.functional.batch_norm(x, None, None, w, b, True),
              [x, w, b], **tol(dtype))


def test_batch_norm_noncontiguous_and_empty():
    x = sample((5, 3, 4))
    check(lambda t, x, w: t.nn.functional.batch_norm(x.transpose(0, 2), None, None, w,
                                                     training=True), [x, sample((3,))],
          rtol=1e-4, atol=1e-5)
    mean, var = stats(3, "float32")
    results = {}

    def fn(t, x):
        rm = t.tensor(mean)
        out = t.nn.functional.batch_norm(x, rm, t.tensor(var), training=True)
        results[t.__name__] = rm.numpy().copy()
        return out
    check(fn, [np.zeros((0, 3), "float32")])
    np.testing.assert_array_equal(results["glasstorch"], results["torch"])


def test_batch_norm_gradcheck():
    mean, var = stats(3, "float64")
    for shape in [(5, 3), (3, 3, 4)]:
        for training in (True, False):
            gradcheck_fn(lambda t, x, w, b: t.nn.functional.batch_norm(
                x, t.tensor(mean), t.tensor(var), w, b, training=training),
                [sample(shape), sample((3,)), sample((3,))])
        gradcheck_fn(lambda t, x: t.nn.functional.batch_norm(x, None, None, training=True),
                     [sample(shape)])


def test_batch_norm_grad_fn_and_running_version():
    rm = gt.zeros(3)
    version = rm._version
    x = gt.randn(4, 3, requires_grad=True)
    out = gt.nn.functional.batch_norm(x, rm, gt.ones(3), training=True)
    assert out.grad_fn.name() == "NativeBatchNormBackward0"
    assert rm._version == version      # PyTorch does not bump it either


BN_ERRORS = [
    lambda t: t.nn.functional.batch_norm(t.randn(1, 3), None, None, training=True),
    lambda t: t.nn.functional.batch_norm(t.randn(1, 3, 1), None, None, training=True),
    lambda t: t.nn.functional.batch_norm(t.randn(4, 3), None, None, training=False),
    lambda t: t.nn.functional.batch_norm(t.randn(4), None, None, training=True),
    lambda t: t.nn.functional.batch_norm(t.randn(4, 3), t.zeros(2), t.ones(2), training=True),
    lambda t: t.nn.functional.batch_norm(t.randn(4, 3), None, None, t.ones(2), training=True),
    lambda t: t.nn.functional.batch_norm(t.randn(4, 3), None, None, None, t.ones(4),
                                         training=True),
    lambda t: t.nn.functional.batch_norm(t.randn(4, 3, dtype=t.float64), t.zeros(3),
                                         t.ones(3), training=True),
    lambda t: t.nn.functional.batch_norm(t.randn(4, 3, dtype=t.float64), None, None,
                                         t.ones(3), training=True),
    lambda t: t.nn.functional.batch_norm(t.ones(4, 3).long(), None, None, training=True),
    lambda t: t.nn.functional.batch_norm(t.randn(4, 3), None, None, training=True, eps=0.0),
    lambda t: t.nn.functional.batch_norm(t.randn(4, 3), t.zeros(3), t.ones(3), eps=-1.0),
]


@pytest.mark.parametrize("fn", BN_ERRORS)
def test_batch_norm_errors(fn):
    check_error(fn)


# ---------------------------------------------------------------------------------------------
# instance_norm
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(2, 3, 5), (3, 2, 4, 3)], ids=str)
def test_instance_norm_functional(dtype, shape):
    c = shape[1]
    mean, var = stats(c, dtype)
    x, w, b = sample(shape, dtype), sample((c,), dtype), sample((c,), dtype)
    check(lambda t, x, w, b: t.nn.functional.instance_norm(x, weight=w, bias=b), [x, w, b],
          **tol(dtype))
    results = {}

    def fn(t, x, w, b):
        rm, rv = t.tensor(mean), t.tensor(var)
        out = t.nn.functional.instance_norm(x, rm, rv, w, b, momentum=0.2)
        results[t.__name__] = (rm.numpy().copy(), rv.numpy().copy())
        return out
    check(fn, [x, w, b], **tol(dtype))
    for ours, theirs in zip(results["glasstorch"], results["torch"]):
        np.testing.assert_allclose(ours, theirs, **tol(dtype))
    check(lambda t, x: t.nn.functional.instance_norm(x, t.tensor(mean), t.tensor(var),
                                                     use_input_stats=False), [x], **tol(dtype))
    gradcheck_fn(lambda t, x, w, b: t.nn.functional.instance_norm(x, weight=w, bias=b),
                 [sample(shape), sample((c,)), sample((c,))])


def test_instance_norm_errors():
    check_error(lambda t: t.nn.functional.instance_norm(t.randn(2, 3, 1)))
    check_error(lambda t: t.nn.functional.instance_norm(t.randn(2, 3)))
    check_error(lambda t: t.nn.functional.instance_norm(t.randn(2, 3, 4),
                                                        use_input_stats=False))


# ---------------------------------------------------------------------------------------------
# layer_norm, group_norm, rms_norm, local_response_norm
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
def test_layer_norm_functional(dtype):
    for shape, normalized in [((4, 5), (5,)), ((2, 3, 4), (3, 4)), ((2, 3, 4), (2, 3, 4)),
                              ((6,), (6,)), ((0, 4), (4,))]:
        x = sample(shape, dtype, -3, 3)
        w, b = sample(normalized, dtype), sample(normalized, dtype)
        check(lambda t, x, w, b: t.nn.functional.layer_norm(x, normalized, w, b, eps=1e-3),
              [x, w, b], **tol(dtype))
        check(lambda t, x: t.nn.functional.layer_norm(x, list(normalized)), [x], **tol(dtype))
        check(lambda t, x, w: t.nn.functional.layer_norm(x, normalized, w), [x, w],
              **tol(dtype))
        check(lambda t, x, b: t.nn.functional.layer_norm(x, normalized, None, b), [x, b],
              **tol(dtype))
    x = sample((5, 4), dtype)
    check(lambda t, x: t.nn.functional.layer_norm(x.t(), (5,)), [x], **tol(dtype))


def test_layer_norm_gradcheck_and_grad_fn():
    gradcheck_fn(lambda t, x, w, b: t.nn.functional.layer_norm(x, (3, 4), w, b),
                 [sample((2, 3, 4)), sample((3, 4)), sample((3, 4))])
    gradcheck_fn(lambda t, x: t.nn.functional.layer_norm(x, (4,)), [sample((3, 4))])
    x = gt.randn(3, 4, requires_grad=True)
    assert gt.nn.functional.layer_norm(x, (4,)).grad_fn.name() == "NativeLayerNormBackward0"


@pytest.mark.parametrize("dtype", DTYPES)
def test_group_norm_functional(dtype):
    for shape, groups in [((2, 6), 3), ((2, 6, 4), 2), ((3, 4, 2, 3), 4), ((2, 4, 3), 1),
                          ((0, 4, 3), 2)]:
        c = shape[1]
        x, w, b = sample(shape, dtype, -3, 3), sample((c,), dtype), sample((c,), dtype)
        check(lambda t, x, w, b: t.nn.functional.group_norm(x, groups, w, b, eps=1e-4),
              [x, w, b], **tol(dtype))
        check(lambda t, x: t.nn.functional.group_norm(x, groups), [x], **tol(dtype))
    gradcheck_fn(lambda t, x, w, b: t.nn.functional.group_norm(x, 2, w, b),
                 [sample((2, 4, 3)), sample((4,)), sample((4,))])


def test_rms_norm_and_local_response_norm():
    for dtype in DTYPES:
        x = sample((3, 4, 5), dtype)
        check(lambda t, x, w: t.nn.functional.rms_norm(x, (4, 5), w), [x, sample((4, 5), dtype)],
              **tol(dtype))
        check(lambda t, x: t.nn.functional.rms_norm(x, (5,), eps=1e-3), [x], **tol(dtype))
        for size in (1, 2, 3, 5):
            check(lambda t, x: t.nn.functional.local_response_norm(x, size, alpha=0.1),
                  [x], **tol(dtype))
        check(lambda t, x: t.nn.functional.local_response_norm(x, 3, k=2.0),
              [sample((2, 5, 3, 2), dtype)], **tol(dtype))
    gradcheck_fn(lambda t, x, w: t.nn.functional.rms_norm(x, (4,), w),
                 [sample((3, 4)), sample((4,))])


NORM_ERRORS = [
    lambda t: t.nn.functional.layer_norm(t.randn(2, 3), (4,)),
    lambda t: t.nn.functional.layer_norm(t.randn(2, 3), (3,), t.ones(4)),
    lambda t: t.nn.functional.layer_norm(t.randn(2, 3), 3),
    lambda t: t.nn.functional.layer_norm(t.ones(2, 3).long(), (3,)),
    lambda t: t.nn.functional.layer_norm(t.randn(2, 3), (3,), t.ones(3, dtype=t.float64)),
    lambda t: t.nn.functional.group_norm(t.randn(2, 6, 4), 4),
    lambda t: t.nn.functional.group_norm(t.randn(1, 6), 6),
    lambda t: t.nn.functional.group_norm(t.randn(2, 6), 3, t.ones(5)),
    lambda t: t.nn.functional.group_norm(t.randn(2), 1),
    lambda t: t.nn.functional.group_norm(t.ones(2, 4).long(), 2),
    lambda t: t.nn.functional.rms_norm(t.randn(2, 3), (4,)),
    lambda t: t.nn.functional.local_response_norm(t.randn(2, 3), 2),
]


@pytest.mark.parametrize("fn", NORM_ERRORS)
def test_norm_errors(fn):
    check_error(fn)


# ---------------------------------------------------------------------------------------------
# layers
# ---------------------------------------------------------------------------------------------
def copy_params(ours, theirs):
    """Random affine parameters, the same in both layers."""
    for (name, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        values = RNG.normal(size=tuple(q.shape)).astype(str(q.dtype).split(".")[1])
        with torch.no_grad():
            q.copy_(torch.tensor(values))
        with gt.no_grad():
            p.copy_(gt.tensor(values))


def assert_state_equal(ours, theirs, **kw):
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for (k, a), (_, b) in zip(ours.state_dict().items(), theirs.state_dict().items()):
        assert str(a.dtype) == str(b.dtype), k
        np.testing.assert_allclose(a.numpy(), b.numpy(), err_msg=k, **kw)


def run_steps(ours, theirs, shape, steps=4, dtype="float32"):
    """Train-mode steps (output and gradients compared each step), then eval outputs."""
    for step in range(steps):
        x = sample(shape, dtype, -2, 2) * (step + 1) + step
        up = RNG.normal(size=shape).astype(dtype)
        xo, xt = gt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        yo, yt = ours(xo), theirs(xt)
        np.testing.assert_allclose(yo.detach().numpy(), yt.detach().numpy(), rtol=1e-4,
                                   atol=1e-5)
        yo.backward(gt.tensor(up))
        yt.backward(torch.tensor(up))
        np.testing.assert_allclose(xo.grad.numpy(), xt.grad.numpy(), rtol=1e-4, atol=1e-5)
        for (name, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
            np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-4, atol=1e-4,
                                       err_msg=name)
        assert_state_equal(ours, theirs, rtol=1e-5, atol=1e-6)
    ours.eval()
    theirs.eval()
    x = sample(shape, dtype)
    np.testing.assert_allclose(ours(gt.tensor(x)).detach().numpy(),
                               theirs(torch.tensor(x)).detach().numpy(), rtol=1e-4, atol=1e-5)


BN_LAYERS = [
    ("BatchNorm1d", (8, 4), {}),
    ("BatchNorm1d", (6, 4, 5), {"momentum": None}),
    ("BatchNorm2d", (3, 4, 3, 3), {"eps": 1e-3, "momentum": 0.5}),
    ("BatchNorm2d", (3, 4, 2, 3), {"affine": False}),
    ("BatchNorm2d", (3, 4, 2, 3), {"track_running_stats": False}),
    ("BatchNorm2d", (3, 4, 2, 3), {"bias": False}),
    ("BatchNorm3d", (2, 4, 2, 2, 3), {}),
]


@pytest.mark.parametrize("name,shape,kwargs", BN_LAYERS)
def test_batch_norm_layers_over_training_steps(name, shape, kwargs):
    ours, theirs = getattr(gt.nn, name)(4, **kwargs), getattr(torch.nn, name)(4, **kwargs)
    assert repr(ours) == repr(theirs)
    assert_state_equal(ours, theirs)
    copy_params(ours, theirs)
    run_steps(ours, theirs, shape)


def test_batch_norm_layer_float64_and_resets():
    ours = gt.nn.BatchNorm1d(3, dtype=gt.float64)
    theirs = torch.nn.BatchNorm1d(3, dtype=torch.float64)
    run_steps(ours, theirs, (5, 3), dtype="float64")
    ours.reset_running_stats()
    theirs.reset_running_stats()
    assert_state_equal(ours, theirs)
    copy_params(ours, theirs)
    ours.reset_parameters()
    theirs.reset_parameters()
    assert_state_equal(ours, theirs)


def test_batch_norm_layer_errors():
    for lib in (gt, torch):
        bn1, bn2, bn3 = lib.nn.BatchNorm1d(3), lib.nn.BatchNorm2d(3), lib.nn.BatchNorm3d(3)
        with pytest.raises(ValueError, match=r"expected 2D or 3D input \(got 4D input\)"):
            bn1(lib.randn(2, 3, 4, 5))
        with pytest.raises(ValueError, match=r"expected 4D input \(got 3D input\)"):
            bn2(lib.randn(2, 3, 4))
        with pytest.raises(ValueError, match=r"expected 5D input \(got 4D input\)"):
            bn3(lib.randn(2, 3, 4, 4))
        with pytest.raises(ValueError, match="Expected more than 1 value per channel"):
            bn1(lib.randn(1, 3))
        bn1.eval()
        assert tuple(bn1(lib.randn(1, 3)).shape) == (1, 3)    # fine in eval mode
        with pytest.raises(RuntimeError):
            bn1(lib.randn(2, 4))


def test_lazy_batch_norm_becomes_batch_norm():
    ours, theirs = gt.nn.LazyBatchNorm2d(), torch.nn.LazyBatchNorm2d()
    x = sample((2, 5, 3, 3))
    np.testing.assert_allclose(ours(gt.tensor(x)).detach().numpy(),
                               theirs(torch.tensor(x)).detach().numpy(), rtol=1e-4, atol=1e-5)
    assert type(ours).__name__ == type(theirs).__name__ == "BatchNorm2d"
    assert repr(ours) == repr(theirs)
    assert_state_equal(ours, theirs, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name,shape,kwargs", [
    ("InstanceNorm1d", (3, 4, 5), {}),
    ("InstanceNorm1d", (4, 5), {"affine": True}),
    ("InstanceNorm2d", (2, 4, 3, 3), {"affine": True, "track_running_stats": True}),
    ("InstanceNorm3d", (2, 4, 2, 2, 3), {"track_running_stats": True, "momentum": None}),
])
def test_instance_norm_layers(name, shape, kwargs):
    ours, theirs = getattr(gt.nn, name)(4, **kwargs), getattr(torch.nn, name)(4, **kwargs)
    assert repr(ours) == repr(theirs)
    copy_params(ours, theirs)
    if not any(True for _ in ours.parameters()):
        x = sample(shape)
        np.testing.assert_allclose(ours(gt.tensor(x)).numpy(),
                                   theirs(torch.tensor(x)).numpy(), rtol=1e-4, atol=1e-5)
        return
    run_steps(ours, theirs, shape)


def test_instance_norm_layer_checks():
    for lib in (gt, torch):
        with pytest.raises(ValueError, match="expected 2D or 3D input"):
            lib.nn.InstanceNorm1d(3)(lib.randn(2, 3, 4, 5))
        with pytest.raises(ValueError, match="to match num_features"):
            lib.nn.InstanceNorm1d(3, affine=True)(lib.randn(2, 4, 5))
        with pytest.warns(UserWarning, match="does not match num_features"):
            lib.nn.InstanceNorm1d(3)(lib.randn(2, 4, 5))


@pytest.mark.parametrize("make", [
    lambda nn: nn.LayerNorm(5),
    lambda nn: nn.LayerNorm([3, 5], eps=1e-3),
    lambda nn: nn.LayerNorm(5, bias=False),
    lambda nn: nn.LayerNorm(5, elementwise_affine=False),
    lambda nn: nn.GroupNorm(1, 3),
    lambda nn: nn.GroupNorm(3, 3, affine=False),
    lambda nn: nn.RMSNorm(5),
    lambda nn: nn.RMSNorm([3, 5], eps=1e-4, elementwise_affine=False),
    lambda nn: nn.LocalResponseNorm(2),
])
def test_per_sample_norm_layers(make):
    ours, theirs = make(gt.nn), make(torch.nn)
    assert repr(ours) == repr(theirs)
    assert_state_equal(ours, theirs)
    copy_params(ours, theirs)
    run_steps(ours, theirs, (4, 3, 5), steps=2)


def test_group_norm_layer_divisibility():
    for lib in (gt, torch):
        with pytest.raises(ValueError, match="must be divisible by num_groups"):
            lib.nn.GroupNorm(2, 5)


# ---------------------------------------------------------------------------------------------
# LazyInstanceNorm
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("n", [1, 2, 3])
@pytest.mark.parametrize("kwargs", [{}, {"affine": False}, {"track_running_stats": False},
                                    {"affine": False, "track_running_stats": False}], ids=str)
def test_lazy_instance_norm_matches_torch(n, kwargs):
    name = f"LazyInstanceNorm{n}d"
    ours, theirs = getattr(gt.nn, name)(**kwargs), getattr(torch.nn, name)(**kwargs)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    x = sample((2, 3) + (4,) * n)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")     # num_features stays 0 without affine or stats
        check(lambda t, x: (ours if t is gt else theirs)(x), [x], rtol=1e-4, atol=1e-5)
    assert type(ours).__name__ == type(theirs).__name__ == f"InstanceNorm{n}d"
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for key, value in theirs.state_dict().items():
        np.testing.assert_allclose(ours.state_dict()[key].numpy(), value.numpy(), rtol=1e-5)


# ---------------------------------------------------------------------------------------------
# load_state_dict without num_batches_tracked (checkpoints from before PyTorch 0.4.1, or
# state_dicts rebuilt as plain dicts): accepted unless the version metadata says the key
# should be there, exactly as PyTorch's _NormBase._load_from_state_dict decides
# ---------------------------------------------------------------------------------------------
def _trained_pair(track=True):
    """The same Sequential(Linear, BatchNorm1d) in both libraries, after 3 training steps."""
    ours = gt.nn.Sequential(gt.nn.Linear(4, 3), gt.nn.BatchNorm1d(3, track_running_stats=track))
    theirs = torch.nn.Sequential(torch.nn.Linear(4, 3),
                                 torch.nn.BatchNorm1d(3, track_running_stats=track))
    for _ in range(3):
        x = RNG.normal(size=(5, 4)).astype("float32")
        ours(gt.tensor(x))
        theirs(torch.tensor(x))
    return ours, theirs


def _saved_state(versions=None):
    """A state_dict from another BatchNorm (running stats 7, count 9) without
    num_batches_tracked: as torch tensors and as glasstorch tensors, with version metadata
    {prefix: version} or none at all (a plain dict)."""
    state = {"0.weight": np.ones((3, 4), np.float32), "0.bias": np.zeros(3, np.float32),
             "1.weight": np.full(3, 2.0, np.float32), "1.bias": np.full(3, 0.5, np.float32),
             "1.running_mean": np.full(3, 7.0, np.float32),
             "1.running_var": np.full(3, 7.0, np.float32)}
    theirs = {k: torch.tensor(v) for k, v in state.items()}
    ours = {k: gt.tensor(v) for k, v in state.items()}
    if versions is not None:
        from collections import OrderedDict
        theirs, ours = OrderedDict(theirs), OrderedDict(ours)
        theirs._metadata = OrderedDict((k, {"version": v}) for k, v in versions.items())
        ours._metadata = OrderedDict((k, {"version": v}) for k, v in versions.items())
    return ours, theirs


@pytest.mark.parametrize("versions", [None, {"": 1, "0": 1, "1": 1}, {"": 1, "0": 1}],
                         ids=["no metadata", "version 1", "no entry for the layer"])
@pytest.mark.parametrize("strict", [True, False])
def test_batchnorm_state_without_num_batches_tracked_is_accepted(versions, strict):
    ours, theirs = _trained_pair()
    state_ours, state_theirs = _saved_state(versions)
    got_theirs = theirs.load_state_dict(state_theirs, strict=strict)
    got_ours = ours.load_state_dict(state_ours, strict=strict)
    assert got_ours.missing_keys == got_theirs.missing_keys == []
    assert got_ours.unexpected_keys == got_theirs.unexpected_keys == []
    # the layer keeps its own count (3 steps), and takes everything else from the state
    assert theirs[1].num_batches_tracked.item() == ours[1].num_batches_tracked.item() == 3
    assert ours[1].num_batches_tracked.dtype == gt.int64
    np.testing.assert_array_equal(ours[1].running_mean.numpy(), np.full(3, 7.0, np.float32))
    # the caller's dict is left as it was
    assert "1.num_batches_tracked" not in state_ours


@pytest.mark.parametrize("strict", [True, False])
def test_batchnorm_state_of_version_2_must_have_num_batches_tracked(strict):
    ours, theirs = _trained_pair()
    state_ours, state_theirs = _saved_state({"": 1, "0": 1, "1": 2})
    if strict:
        pair = {torch: (theirs, state_theirs), gt: (ours, state_ours)}
        error = check_error(lambda lib: pair[lib][0].load_state_dict(pair[lib][1]))
        assert 'Missing key(s) in state_dict: "1.num_batches_tracked"' in str(error)
    else:
        assert theirs.load_state_dict(state_theirs, strict=False).missing_keys == \
            ours.load_state_dict(state_ours, strict=False).missing_keys == \
            ["1.num_batches_tracked"]


def test_batchnorm_without_running_stats_gets_no_count():
    ours, theirs = _trained_pair(track=False)
    state_ours, state_theirs = _saved_state()
    for state in (state_ours, state_theirs):
        del state["1.running_mean"], state["1.running_var"]
    theirs.load_state_dict(state_theirs)
    ours.load_state_dict(state_ours)
    assert ours[1].num_batches_tracked is None and theirs[1].num_batches_tracked is None


def test_state_dict_version_metadata_like_torch(tmp_path):
    ours, theirs = _trained_pair()
    assert dict(ours.state_dict()._metadata) == dict(theirs.state_dict()._metadata) == \
        {"": {"version": 1}, "0": {"version": 1}, "1": {"version": 2}}
    # it travels in checkpoints both ways
    gt.save(ours.state_dict(), tmp_path / "ours.pt")
    assert dict(torch.load(tmp_path / "ours.pt")._metadata) == \
        dict(theirs.state_dict()._metadata)
    state = theirs.state_dict()
    del state["1.num_batches_tracked"]
    torch.save(state, tmp_path / "theirs.pt")
    with pytest.raises(RuntimeError, match="Missing key"):
        ours.load_state_dict(gt.load(tmp_path / "theirs.pt"))  # version 2 says it is missing
