"""F.interpolate and the Upsample layers against PyTorch: every mode in 1-3 dims, sizes and
scale factors (with and without recompute_scale_factor), align_corners, antialias, PyTorch's
index shortcuts, non-finite values, dtypes, errors and warnings; float64 gradchecks and
gradgradchecks (the backward is linear, so it is differentiable again)."""
import warnings

import numpy as np
import pytest
import torch

import glasstorch as gt
from tests.oracle.harness import check, check_error, gradcheck_fn, sample

SHAPES = {1: (2, 3, 5), 2: (2, 3, 5, 7), 3: (1, 2, 3, 5, 4)}
MODES = [("nearest", 1), ("nearest", 2), ("nearest", 3), ("nearest-exact", 1),
         ("nearest-exact", 2), ("nearest-exact", 3), ("linear", 1), ("bilinear", 2),
         ("bicubic", 2), ("trilinear", 3), ("area", 1), ("area", 2), ("area", 3)]
SIZES = [dict(scale_factor=2), dict(scale_factor=0.5), dict(scale_factor=1.7),
         dict(scale_factor=3), dict(size=4), dict(size=9), dict(scale_factor=0.37),
         dict(scale_factor=1.3, recompute_scale_factor=True)]
NODE_NAMES = {"nearest": "UpsampleNearest{n}DBackward0",
              "nearest-exact": "UpsampleNearestExact{n}DBackward0",
              "linear": "UpsampleLinear1DBackward0", "bilinear": "UpsampleBilinear2DBackward0",
              "bicubic": "UpsampleBicubic2DBackward0", "trilinear": "UpsampleTrilinear3DBackward0"}


def _interp(**kwargs):
    return lambda t, x: t.nn.functional.interpolate(x, **kwargs)


def _gradgradcheck(fn, array):
    x = gt.tensor(array.astype(np.float64), requires_grad=True)
    assert gt.autograd.gradgradcheck(lambda x: fn(gt, x), [x])


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("mode,n", MODES, ids=str)
def test_interpolate_matches_torch(mode, n, dtype):
    corners = [None] if mode in ("nearest", "nearest-exact", "area") else [False, True]
    for kwargs in SIZES:
        for align_corners in corners:
            fn = _interp(mode=mode, align_corners=align_corners, **kwargs)
            out = check(fn, [sample(SHAPES[n], dtype)], rtol=1e-5, atol=1e-5)
            if mode != "area":
                assert out.grad_fn.name() == NODE_NAMES[mode].format(n=n)


@pytest.mark.parametrize("mode,n", [m for m in MODES if m[0] != "nearest"] +
                         [("nearest", 2)], ids=str)
def test_interpolate_gradcheck(mode, n):
    shape = (1, 2) + SHAPES[n][2:]
    corners = None if mode in ("nearest", "nearest-exact", "area") else True
    for kwargs in (dict(scale_factor=1.5), dict(size=3)):
        gradcheck_fn(_interp(mode=mode, align_corners=corners, **kwargs), [sample(shape)])


@pytest.mark.parametrize("mode", ["bilinear", "bicubic", "nearest", "area"])
def test_interpolate_double_backward(mode):
    fn = _interp(mode=mode, size=(4, 6))
    _gradgradcheck(fn, sample((1, 2, 3, 5)))

    def twice(t, x):
        (g,) = t.autograd.grad((fn(t, x) ** 2).sum(), x, create_graph=True)
        return (g * x).sum()
    check(twice, [sample((2, 2, 3, 5), "float64")])


# PyTorch's 2-d nearest kernel copies when the sizes match and halves when the output is
# twice the input, whatever the scale factor; its 1-d and 3-d forward kernels do not
@pytest.mark.parametrize("n", [1, 2, 3])
@pytest.mark.parametrize("scale", [1.04, 2.05, 1.96, 0.55, 3.1])
def test_nearest_index_shortcuts(n, scale):
    shape = (1, 2) + (10,) * n
    fn = _interp(mode="nearest", scale_factor=scale)
    for mode in ("nearest", "nearest-exact"):
        check(_interp(mode=mode, scale_factor=scale), [sample(shape)], grad=n == 2)
    # (PyTorch's 1-d and 3-d backward kernels do take the shortcuts, so there its gradient
    # is not that of its forward; ours is, which the gradcheck shows)
    gradcheck_fn(fn, [sample((1, 1) + (10,) * n if n < 3 else (1, 1, 4, 3, 10))])


ANTIALIAS = [dict(scale_factor=0.5), dict(scale_factor=0.3), dict(size=(3, 7)),
             dict(scale_factor=2), dict(size=(13, 4)), dict(size=(1, 1)),
             dict(scale_factor=0.5, align_corners=True)]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("mode", ["bilinear", "bicubic", "lanczos"])
def test_antialias_matches_torch(mode, dtype):
    for kwargs in ANTIALIAS:
        if mode == "lanczos" and kwargs.get("align_corners"):
            continue
        out = check(_interp(mode=mode, antialias=True, **kwargs), [sample((2, 3, 17, 10),
                                                                         dtype)],
                    rtol=1e-5, atol=1e-5)
    assert out.grad_fn.name() == f"Upsample{mode.capitalize()}2DAaBackward0"
    gradcheck_fn(_interp(mode=mode, antialias=True, size=(3, 4)), [sample((1, 1, 7, 9))])


def test_edge_sizes_and_scale_factors():
    for mode in ("bilinear", "bicubic"):
        check(_interp(mode=mode, size=1, align_corners=True), [sample((2, 3, 6, 6))])
        check(_interp(mode=mode, size=4, align_corners=True), [sample((2, 3, 1, 1))])
        for scale in (1.1, 2.05, 0.9):   # a size unchanged although the scale is not 1
            check(_interp(mode=mode, scale_factor=scale), [sample((2, 3, 10, 10))],
                  atol=1e-5)
    check(_interp(mode="bilinear", scale_factor=(2, 0.5)), [sample((2, 3, 4, 8))])
    check(_interp(mode="trilinear", scale_factor=(1.5, 2, 0.7)), [sample((1, 2, 3, 4, 5))])
    check(_interp(size=(3, 8)), [sample((2, 3, 4, 4))])
    check(_interp(mode="nearest", size=5), [sample((0, 3, 4, 4))])        # empty batch


@pytest.mark.parametrize("mode", ["nearest", "bilinear", "bicubic", "area"])
def test_non_finite_values_stay_where_pytorch_puts_them(mode):
    x = sample((2, 3, 6, 7), "float64")
    x[0, 0, 2, 3], x[1, 2, 5, 6], x[0, 1, 0, 0] = np.inf, -np.inf, np.nan
    check(_interp(mode=mode, size=(9, 5)), [x], grad=False)
    # a non-finite upstream gradient: the tap-by-tap backward
    t_x = torch.tensor(sample((1, 2, 4, 5)), requires_grad=True)
    g_x = gt.tensor(t_x.detach().numpy(), requires_grad=True)
    up = sample((1, 2, 7, 3))
    up[0, 1, 3, 1] = np.inf
    torch.nn.functional.interpolate(t_x, size=(7, 3), mode=mode).backward(torch.tensor(up))
    gt.nn.functional.interpolate(g_x, size=(7, 3), mode=mode).backward(gt.tensor(up))
    np.testing.assert_allclose(g_x.grad.numpy(), t_x.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_dtypes():
    check(_interp(scale_factor=2), [sample((2, 3, 4, 5), "uint8")], grad=False)
    check(_interp(scale_factor=1.5, mode="nearest-exact"), [sample((2, 3, 4, 5), "uint8")],
          grad=False)
    check(_interp(scale_factor=2), [sample((2, 3, 4, 5), "float16")])
    check(_interp(scale_factor=2, mode="bilinear"), [sample((2, 3, 4, 5), "float16")],
          rtol=2e-3, atol=2e-3)
    check_error(lambda t: t.nn.functional.interpolate(t.ones(1, 1, 2, 2, dtype=t.int64),
                                                      scale_factor=2, mode="bilinear"))
    with pytest.raises(NotImplementedError, match="uint8"):   # PyTorch has a fixed-point path
        gt.nn.functional.interpolate(gt.ones(1, 1, 2, 2, dtype=gt.uint8), scale_factor=2,
                                     mode="bilinear")


INTERPOLATE_ERRORS = [
    (lambda t: t.nn.functional.interpolate(t.randn(1, 1, 4, 4), size=2, scale_factor=2),
     "only one"),
    (lambda t: t.nn.functional.interpolate(t.randn(1, 1, 4, 4)), "either"),
    (lambda t: t.nn.functional.interpolate(t.randn(1, 1, 4, 4), size=(2, 3, 4)), "[4, 4]"),
    (lambda t: t.nn.functional.interpolate(t.randn(1, 1, 4, 4), scale_factor=(2, 3, 4)),
     "[4, 4]"),
    (lambda t: t.nn.functional.interpolate(t.randn(1, 1, 4, 4), size=(2.5, 3)), "float"),
    (lambda t: t.nn.functional.interpolate(t.randn(1, 1, 4, 4), size=2, align_corners=True),
     "align_corners"),
    (lambda t: t.nn.functional.interpolate(t.randn(1, 1, 4, 4), size=2,
                                           recompute_scale_factor=True), "recompute"),
    (lambda t: t.nn.functional.interpolate(t.randn(1, 1, 4), size=2, mode="bilinear"),
     "3D input"),
    (lambda t: t.nn.functional.interpolate(t.randn(1, 1, 4, 4), size=2, mode="linear"),
     "4D input"),
    (lambda t: t.nn.functional.interpolate(t.randn(1, 1, 4, 4), size=2, mode="trilinear"),
     "5D"),
    (lambda t: t.nn.functional.interpolate(t.randn(1, 4), size=2), "2D"),
    (lambda t: t.nn.functional.interpolate(t.randn(1, 1, 4, 4), size=2, mode="cubic"),
     "cubic"),
    (lambda t: t.nn.functional.interpolate(t.randn(1, 1, 4), size=2, antialias=True,
                                           mode="linear"), "Anti-alias"),
    (lambda t: t.nn.functional.interpolate(t.randn(1, 1, 4, 4), size=2, mode="lanczos"),
     "antialias"),
    (lambda t: t.nn.functional.interpolate(t.randn(1, 1, 4, 4), size=2, mode="lanczos",
                                           antialias=True, align_corners=True), "Lanczos"),
    (lambda t: t.nn.functional.interpolate(t.randn(1, 1, 4, 4), size=0), "greater than 0"),
    (lambda t: t.nn.functional.interpolate(t.randn(1, 1, 4, 4), scale_factor=0.1),
     "greater than 0"),
]


@pytest.mark.parametrize("i", range(len(INTERPOLATE_ERRORS)))
def test_interpolate_errors_match_torch(i):
    fn, match = INTERPOLATE_ERRORS[i]
    check_error(fn, match=match)


@pytest.mark.parametrize("name,args", [("upsample", ((3, 5), None, "bilinear", False)),
                                       ("upsample_nearest", (None, 2)),
                                       ("upsample_bilinear", (None, 2))])
def test_deprecated_upsample_functions_warn(name, args):
    x = sample((1, 2, 3, 4), "float64")
    for lib in (torch, gt):
        with pytest.warns(UserWarning, match="deprecated"):
            getattr(lib.nn.functional, name)(lib.tensor(x), *args)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check(lambda t, x: getattr(t.nn.functional, name)(x, *args), [x])


LAYERS = [
    ("Upsample", (), dict(scale_factor=2), (2, 3, 4, 5)),
    ("Upsample", (), dict(scale_factor=(2, 1.5), mode="bilinear", align_corners=True),
     (2, 3, 4, 5)),
    ("Upsample", ((6, 7),), dict(mode="bicubic"), (2, 3, 4, 5)),
    ("Upsample", (8,), dict(mode="linear"), (2, 3, 5)),
    ("Upsample", (), dict(scale_factor=1.5, mode="trilinear", recompute_scale_factor=True),
     (1, 2, 3, 4, 5)),
    ("Upsample", (), dict(scale_factor=0.5, mode="area"), (2, 3, 8, 6)),
    ("UpsamplingNearest2d", (), dict(scale_factor=2), (2, 3, 4, 5)),
    ("UpsamplingNearest2d", ((5, 7),), {}, (1, 3, 4, 5)),
    ("UpsamplingBilinear2d", (), dict(scale_factor=2), (2, 3, 4, 5)),
    ("UpsamplingBilinear2d", ((5, 7),), {}, (2, 3, 4, 5)),
]


@pytest.mark.parametrize("name,args,kwargs,shape", LAYERS, ids=str)
def test_upsample_layers_match_torch(name, args, kwargs, shape):
    ours, theirs = getattr(gt.nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args,
                                                                                 **kwargs)
    assert repr(ours) == repr(theirs)
    assert ours.scale_factor == theirs.scale_factor and ours.size == theirs.size
    check(lambda t, x: (ours if t is gt else theirs)(x), [sample(shape, "float64")])
