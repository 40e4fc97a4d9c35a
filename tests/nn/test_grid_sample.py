"""F.grid_sample and F.affine_grid against PyTorch: every mode and padding mode, 2-d and 3-d,
align_corners, points outside the image, gradients of input and grid, float64 gradchecks,
errors and warnings. grid_sample's backward is once-differentiable here (double backward
raises); affine_grid's is linear and passes gradgradcheck."""
import warnings

import numpy as np
import pytest
import torch

import glasstorch as gt
from tests.oracle.harness import check, check_error, gradcheck_fn, sample

CONFIGS = [(n, mode, padding, corners)
           for n in (2, 3) for mode in ("bilinear", "nearest", "bicubic")
           for padding in ("zeros", "border", "reflection") for corners in (False, True)
           if not (n == 3 and mode == "bicubic")]


def _inputs(n, dtype, spread=1.4):
    x = sample((2, 3) + ((5, 7) if n == 2 else (4, 5, 6)), dtype)
    grid = sample((2,) + ((4, 6) if n == 2 else (3, 4, 5)) + (n,), dtype, -spread, spread)
    return x, grid


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("n,mode,padding,corners", CONFIGS, ids=str)
def test_grid_sample_matches_torch(n, mode, padding, corners, dtype):
    fn = lambda t, x, g: t.nn.functional.grid_sample(x, g, mode=mode, padding_mode=padding,
                                                     align_corners=corners)
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == "float64" else dict(rtol=1e-4, atol=1e-5)
    out = check(fn, list(_inputs(n, dtype)), **tol)
    assert out.grad_fn.name() == f"GridSampler{n}DBackward0"


@pytest.mark.parametrize("n,mode,padding,corners",
                         [c for c in CONFIGS if c[1] != "nearest" and c[3]] +
                         [(2, "nearest", "zeros", False), (2, "bilinear", "zeros", False)],
                         ids=str)
def test_grid_sample_gradcheck(n, mode, padding, corners):
    fn = lambda t, x, g: t.nn.functional.grid_sample(x, g, mode=mode, padding_mode=padding,
                                                     align_corners=corners)
    x = sample((1, 2) + ((3, 4) if n == 2 else (2, 3, 3)))
    grid = sample((1,) + ((2, 3) if n == 2 else (2, 2, 2)) + (n,), low=-1.3, high=1.3)
    if mode == "nearest":   # piecewise constant in the grid: check the input only
        gradcheck_fn(lambda t, x: fn(t, x, t.tensor(grid.astype(np.float64))), [x])
    else:
        gradcheck_fn(fn, [x, grid])


def test_grid_sample_double_backward_raises():
    x = gt.tensor(sample((1, 2, 3, 4), "float64"), requires_grad=True)
    grid = gt.tensor(sample((1, 2, 2, 2), "float64", -0.9, 0.9), requires_grad=True)
    out = gt.nn.functional.grid_sample(x, grid, align_corners=False)
    gx, ggrid = gt.autograd.grad((out ** 2).sum(), (x, grid), create_graph=True)
    with pytest.raises(RuntimeError, match="differentiate twice"):
        (gx.sum() + ggrid.sum()).backward()


def test_grid_sample_edge_cases():
    fn = lambda t, x, g: t.nn.functional.grid_sample(x, g, align_corners=False)
    x, grid = _inputs(2, "float64")
    check(fn, [x[:, :0], grid])                          # no channels
    check(fn, [x[:0], grid[:0]])                         # empty batch
    check(fn, [x, grid[:, :1, :1]])                      # one point
    far = grid * 5                                        # mostly outside the image
    for padding in ("zeros", "border", "reflection"):
        check(lambda t, x, g: t.nn.functional.grid_sample(x, g, padding_mode=padding,
                                                          align_corners=True), [x, far])
    check(lambda t, x, g: t.nn.functional.grid_sample(x, g, align_corners=False),
          [sample((2, 3, 5, 7), "float16"), sample((2, 4, 6, 2), "float16", -1, 1)],
          rtol=2e-3, atol=2e-3, grad=False)
    one_pixel = sample((1, 2, 1, 1), "float64")
    check(lambda t, x, g: t.nn.functional.grid_sample(x, g, padding_mode="reflection",
                                                      align_corners=True),
          [one_pixel, grid[:1]])


GRID_SAMPLE_ERRORS = [
    (lambda t: t.nn.functional.grid_sample(t.randn(2, 3, 4, 5), t.rand(3, 3, 2),
                                           align_corners=False), "[2, 3, 4, 5]"),
    (lambda t: t.nn.functional.grid_sample(t.randn(2, 3, 4, 5), t.rand(1, 3, 3, 2),
                                           align_corners=False), "batch size"),
    (lambda t: t.nn.functional.grid_sample(t.randn(2, 3, 4, 5), t.rand(2, 3, 3, 3),
                                           align_corners=False), "size 2"),
    (lambda t: t.nn.functional.grid_sample(t.randn(2, 3, 0, 5), t.rand(2, 3, 3, 2),
                                           align_corners=False), "dimension 2"),
    (lambda t: t.nn.functional.grid_sample(t.randn(2, 3, 4, 5, 6), t.rand(2, 3, 3, 3, 3),
                                           mode="bicubic", align_corners=False), "bicubic"),
    (lambda t: t.nn.functional.grid_sample(t.randn(2, 3, 4, 5), t.rand(2, 3, 3, 2).double(),
                                           align_corners=False), "Float"),
    (lambda t: t.nn.functional.grid_sample(t.randn(2, 3, 4, 5).long(), t.rand(2, 3, 3, 2),
                                           align_corners=False), "Long"),
    (lambda t: t.nn.functional.grid_sample(t.randn(2, 3, 4, 5), t.rand(2, 3, 3, 2),
                                           mode="foo"), "'foo'"),
    (lambda t: t.nn.functional.grid_sample(t.randn(2, 3, 4, 5), t.rand(2, 3, 3, 2),
                                           padding_mode="foo"), "'foo'"),
]


@pytest.mark.parametrize("i", range(len(GRID_SAMPLE_ERRORS)))
def test_grid_sample_errors_match_torch(i):
    fn, match = GRID_SAMPLE_ERRORS[i]
    check_error(fn, match=match)


def test_default_align_corners_warns():
    for lib in (torch, gt):
        with pytest.warns(UserWarning, match="align_corners=False since 1.3.0"):
            lib.nn.functional.grid_sample(lib.randn(1, 1, 3, 3), lib.zeros(1, 2, 2, 2))
        with pytest.warns(UserWarning, match="align_corners=False since 1.3.0"):
            lib.nn.functional.affine_grid(lib.zeros(1, 2, 3), (1, 1, 2, 2))


def test_torch_grid_sampler_spelling():
    x, grid = _inputs(2, "float64")
    check(lambda t, x, g: t.grid_sampler(x, g, 2, 2, False), [x, grid])
    check(lambda t, x, g: t.grid_sampler(x, g, 1, 1, True), [x, grid])
    check(lambda t, x, g: t.grid_sampler_2d(x, g, 0, 0, False), [x, grid])
    x3, grid3 = _inputs(3, "float64")
    check(lambda t, x, g: t.grid_sampler_3d(x, g, 0, 1, True), [x3, grid3])
    check_error(lambda t: t.grid_sampler_2d(t.tensor(x3), t.tensor(grid3), 0, 0, False))
    check(lambda t, th: t.affine_grid_generator(th, (2, 3, 4, 5), True),
          [sample((2, 2, 3), "float64")])


# ---------------------------------------------------------------------------------------------
# affine_grid
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("corners", [False, True])
@pytest.mark.parametrize("size", [(2, 3, 4, 5), (2, 1, 1, 6), (2, 3, 4, 5, 6), (2, 1, 2, 1, 3)],
                         ids=str)
def test_affine_grid_matches_torch(size, corners, dtype):
    theta = sample((2,) + ((2, 3) if len(size) == 4 else (3, 4)), dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # unit-size grids with align_corners warn (both)
        out = check(lambda t, th: t.nn.functional.affine_grid(th, size, align_corners=corners),
                    [theta])
    assert out.grad_fn.name() == "AffineGridGeneratorBackward0"


def test_affine_grid_gradchecks_and_composes_with_grid_sample():
    theta = sample((2, 2, 3))
    fn = lambda t, th: t.nn.functional.affine_grid(th, (2, 1, 3, 4), align_corners=False)
    gradcheck_fn(fn, [theta])
    th = gt.tensor(theta.astype(np.float64), requires_grad=True)
    assert gt.autograd.gradgradcheck(lambda th: fn(gt, th), [th])
    # the spatial transformer: sample an image through an affine grid, gradients to theta
    stn = lambda t, x, th: t.nn.functional.grid_sample(
        x, t.nn.functional.affine_grid(th, (2, 3, 4, 5), align_corners=False),
        align_corners=False)
    check(stn, [sample((2, 3, 6, 7), "float64"), 0.5 * sample((2, 2, 3), "float64")])


AFFINE_ERRORS = [
    (lambda t: t.nn.functional.affine_grid(t.randn(2, 2, 4), (2, 3, 4, 5),
                                           align_corners=False), "Nx2x3"),
    (lambda t: t.nn.functional.affine_grid(t.randn(2, 2, 3), (2, 3, 4, 5, 6),
                                           align_corners=False), "Nx3x4"),
    (lambda t: t.nn.functional.affine_grid(t.randn(2, 2, 3).long(), (2, 3, 4, 5),
                                           align_corners=False), "floating point"),
    (lambda t: t.nn.functional.affine_grid(t.randn(2, 2, 3), (2, 3, 4),
                                           align_corners=False), "4D and 5D"),
    (lambda t: t.nn.functional.affine_grid(t.randn(2, 2, 3), (2, 3, 0, 5),
                                           align_corners=False), "positive"),
    (lambda t: t.nn.functional.affine_grid(t.randn(2, 2, 3), (3, 3, 4, 5),
                                           align_corners=False), "[3, 3]"),
]


@pytest.mark.parametrize("i", range(len(AFFINE_ERRORS)))
def test_affine_grid_errors_match_torch(i):
    fn, match = AFFINE_ERRORS[i]
    check_error(fn, match=match)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_affine_grid_is_bitwise_torchs_so_identity_stns_get_torchs_gradient(dtype):
    # the identity puts every point on a pixel centre, where a one-ulp difference in the grid
    # would move grid_sample's floor (and its gradient) to the neighbouring pixel
    identity = np.tile(np.array([[1.0, 0, 0], [0, 1, 0]]), (2, 1, 1))
    tilted = np.tile(np.array([[0.9, 0.1, 0.05], [-0.1, 0.9, 0.0]]), (2, 1, 1))
    for theta in (identity, tilted):
        for size in ((2, 3, 28, 28), (2, 3, 6, 7), (2, 1, 32, 20)):
            for corners in (False, True):
                grids = [lib.nn.functional.affine_grid(lib.tensor(theta).to(d), size,
                                                       align_corners=corners).numpy()
                         for lib, d in ((torch, dtype), (gt, getattr(gt, str(dtype)[6:])))]
                np.testing.assert_array_equal(grids[1], grids[0])
    stn = lambda t, x, th: t.nn.functional.grid_sample(
        x, t.nn.functional.affine_grid(th, (2, 3, 28, 28), align_corners=False),
        align_corners=False)
    check(stn, [sample((2, 3, 28, 28), "float64"), identity], rtol=1e-6, atol=1e-8)
    check(stn, [sample((2, 3, 28, 28), "float64"), tilted], rtol=1e-6, atol=1e-8)


def test_identity_stn_3d_gets_torchs_gradient():
    identity = np.tile(np.eye(3, 4), (2, 1, 1))
    for corners in (False, True):
        stn = lambda t, x, th: t.nn.functional.grid_sample(
            x, t.nn.functional.affine_grid(th, (2, 2, 5, 6, 7), align_corners=corners),
            align_corners=corners)
        check(stn, [sample((2, 2, 5, 6, 7), "float64"), identity], rtol=1e-6, atol=1e-8)
        check(stn, [sample((2, 2, 5, 6, 7), "float32"), identity.astype("float32")],
              rtol=1e-4, atol=1e-4)
