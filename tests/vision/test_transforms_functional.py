"""transforms.functional against torchvision's: every deterministic op, on PIL images (RGB and
L) and on tensors (uint8, float32, a float batch, one grey channel), same call, same output.

Tolerances (class Tol): PIL results and uint8 tensors must be equal, except where float
rounding decides a grey level after resampling (resize, bilinear grid sampling, blur): there one
level, as the issue allows for Resize. Float tensors agree to 1e-5 (relative and absolute; the
summation order of a resampling differs between NumPy and PyTorch's kernels), 1e-4 after
bilinear grid sampling (the sampling grid's last bit, times the image's slope). Nearest
sampling of a perspective warp may pick the other neighbour where a source point falls within
float rounding of a pixel boundary: at most 0.2% of the pixels.
"""
import numpy as np
import pytest
import torch

import glasstorch as gt
from glasstorch.vision.transforms import functional as GF
from tests.vision.helpers import (GREY, RGB, as_array, assert_same_image, chw, float_tolerance,
                                  pil_grey, pil_rgb, tv)

TF = tv.transforms.functional


def image(kind, lib):
    """Test image `kind` for library lib ('gt' or 'tv')."""
    if kind == "pil":
        return pil_rgb()
    if kind == "pil_L":
        return pil_grey()
    array = {"u8": chw(RGB), "f32": chw(RGB, "float32"), "grey_u8": chw(GREY),
             "batch": np.stack([chw(RGB, "float32"), chw(RGB[::-1].copy(), "float32")])}[kind]
    return gt.tensor(array.copy()) if lib == "gt" else torch.tensor(array.copy())


ALL = ["pil", "pil_L", "u8", "f32", "batch", "grey_u8"]
TENSORS = ["u8", "f32", "batch", "grey_u8"]
RGB_ONLY = ["pil", "u8", "f32", "batch"]


class Tol:
    def __init__(self, u8=0, float=1e-5, ties=0.0):
        self.u8, self.float, self.ties = u8, float, ties


EXACT, LEVEL, GRID, TIES = Tol(), Tol(u8=1), Tol(u8=1, float=1e-4), Tol(ties=0.002)


def M(F, name):
    """InterpolationMode member `name` of library F."""
    return F.InterpolationMode[name]


# (id, call(F, img), inputs, tolerance)
CASES = [
    ("hflip", lambda F, x: F.hflip(x), ALL, EXACT),
    ("vflip", lambda F, x: F.vflip(x), ALL, EXACT),
    ("crop", lambda F, x: F.crop(x, 5, 7, 20, 30), ALL, EXACT),
    ("crop_outside", lambda F, x: F.crop(x, -3, 40, 20, 30), ALL, EXACT),
    ("center_crop", lambda F, x: F.center_crop(x, [20, 31]), ALL, EXACT),
    ("center_crop_int", lambda F, x: F.center_crop(x, 24), ALL, EXACT),
    ("center_crop_larger", lambda F, x: F.center_crop(x, [50, 60]), ALL, EXACT),
    ("five_crop", lambda F, x: F.five_crop(x, [20, 25]), ALL, EXACT),
    ("ten_crop", lambda F, x: F.ten_crop(x, 18), ALL, EXACT),
    ("ten_crop_vertical", lambda F, x: F.ten_crop(x, [18, 20], vertical_flip=True), ALL, EXACT),
    ("pad_int", lambda F, x: F.pad(x, 3), ALL, EXACT),
    ("pad_fill", lambda F, x: F.pad(x, [2, 4], fill=9), ALL, EXACT),
    ("pad_edge", lambda F, x: F.pad(x, [1, 2, 3, 4], padding_mode="edge"), ALL, EXACT),
    ("pad_reflect", lambda F, x: F.pad(x, [3, 2, 1, 5], padding_mode="reflect"), ALL, EXACT),
    ("pad_symmetric", lambda F, x: F.pad(x, [3, 2, 1, 5], padding_mode="symmetric"), ALL, EXACT),
    ("pad_negative", lambda F, x: F.pad(x, [-2, 3, 4, -1], padding_mode="reflect"), ALL, EXACT),
    ("resize_short_edge", lambda F, x: F.resize(x, 20), ALL, LEVEL),
    ("resize_hw", lambda F, x: F.resize(x, [50, 23]), ALL, LEVEL),
    ("resize_same_size", lambda F, x: F.resize(x, [37, 53]), ALL, EXACT),
    ("resize_max_size", lambda F, x: F.resize(x, 30, max_size=40), ALL, LEVEL),
    ("resize_bicubic", lambda F, x: F.resize(x, [20, 70], M(F, "BICUBIC")), ALL, LEVEL),
    ("resize_nearest", lambda F, x: F.resize(x, [60, 21], M(F, "NEAREST")), ALL, EXACT),
    ("resize_nearest_exact", lambda F, x: F.resize(x, [17, 80], M(F, "NEAREST_EXACT")), TENSORS,
     EXACT),
    ("resize_no_antialias", lambda F, x: F.resize(x, [15, 20], antialias=False), TENSORS, LEVEL),
    ("resize_bicubic_no_aa", lambda F, x: F.resize(x, [70, 20], M(F, "BICUBIC"),
                                                   antialias=False), TENSORS, LEVEL),
    ("resize_pil_int_mode", lambda F, x: F.resize(x, 25, 3), ALL, LEVEL),
    ("resize_box", lambda F, x: F.resize(x, 20, M(F, "BOX")), ["pil", "pil_L"], EXACT),
    ("resize_lanczos", lambda F, x: F.resize(x, 20, M(F, "LANCZOS")), ["pil"], EXACT),
    ("resized_crop", lambda F, x: F.resized_crop(x, 3, 4, 25, 30, [16, 16]), ALL, LEVEL),
    ("rotate", lambda F, x: F.rotate(x, 33.3), ALL, EXACT),
    ("rotate_expand", lambda F, x: F.rotate(x, -47, expand=True), ALL, EXACT),
    ("rotate_bilinear", lambda F, x: F.rotate(x, 12.5, M(F, "BILINEAR")), ALL, GRID),
    ("rotate_center_fill", lambda F, x: F.rotate(x, 71, center=[10, 5], fill=[7.0]), ALL, EXACT),
    ("rotate_90", lambda F, x: F.rotate(x, 90, expand=True), ALL, EXACT),
    ("affine", lambda F, x: F.affine(x, 20, [3, -2], 1.2, [10, 5]), ALL, EXACT),
    ("affine_bilinear_fill", lambda F, x: F.affine(x, -15, [0, 4], 0.8, 8.0, M(F, "BILINEAR"),
                                                   fill=[5.0]), ALL, GRID),
    ("affine_center", lambda F, x: F.affine(x, 0.0, [0, 0], 1.0, [0.0, 17.0], center=[0, 0]),
     ALL, EXACT),
    ("perspective", lambda F, x: F.perspective(x, [[0, 0], [52, 0], [52, 36], [0, 36]],
                                               [[3, 2], [50, 1], [49, 30], [5, 33]]), ALL, GRID),
    ("perspective_nearest", lambda F, x: F.perspective(
        x, [[0, 0], [52, 0], [52, 36], [0, 36]], [[1, 4], [48, 0], [52, 30], [2, 36]],
        M(F, "NEAREST"), fill=[3.0]), ALL, EXACT),
    ("adjust_brightness", lambda F, x: F.adjust_brightness(x, 1.4), ALL, EXACT),
    ("adjust_brightness_dark", lambda F, x: F.adjust_brightness(x, 0.3), ALL, EXACT),
    ("adjust_contrast", lambda F, x: F.adjust_contrast(x, 0.6), ALL, EXACT),
    ("adjust_contrast_high", lambda F, x: F.adjust_contrast(x, 1.9), ALL, EXACT),
    ("adjust_saturation", lambda F, x: F.adjust_saturation(x, 1.7), ALL, EXACT),
    ("adjust_saturation_zero", lambda F, x: F.adjust_saturation(x, 0.0), ALL, EXACT),
    ("adjust_hue", lambda F, x: F.adjust_hue(x, 0.2), ALL, EXACT),
    ("adjust_hue_negative", lambda F, x: F.adjust_hue(x, -0.45), ALL, EXACT),
    ("adjust_gamma", lambda F, x: F.adjust_gamma(x, 0.8), ALL, EXACT),
    ("adjust_gamma_gain", lambda F, x: F.adjust_gamma(x, 1.6, 1.2), ALL, EXACT),
    ("adjust_sharpness", lambda F, x: F.adjust_sharpness(x, 1.8), ALL, EXACT),
    ("adjust_sharpness_blur", lambda F, x: F.adjust_sharpness(x, 0.2), ALL, EXACT),
    ("invert", lambda F, x: F.invert(x), ALL, EXACT),
    ("posterize", lambda F, x: F.posterize(x, 3), ["pil", "pil_L", "u8", "grey_u8"], EXACT),
    ("solarize", lambda F, x: F.solarize(x, 100), ["pil", "pil_L", "u8", "grey_u8"], EXACT),
    ("solarize_float", lambda F, x: F.solarize(x, 0.4), ["f32", "batch"], EXACT),
    ("autocontrast", lambda F, x: F.autocontrast(x), ALL, EXACT),
    ("autocontrast_exact_levels", lambda F, x: F.autocontrast(F.solarize(x, 113.33)),
     ["pil", "pil_L", "u8", "grey_u8"], EXACT),
    ("equalize", lambda F, x: F.equalize(x), ["pil", "pil_L", "u8", "grey_u8"], EXACT),
    ("rgb_to_grayscale", lambda F, x: F.rgb_to_grayscale(x), ALL, EXACT),
    ("rgb_to_grayscale_3", lambda F, x: F.rgb_to_grayscale(x, 3), ALL, EXACT),
    ("gaussian_blur", lambda F, x: F.gaussian_blur(x, [5, 3], [1.2, 0.7]), ALL, LEVEL),
    ("gaussian_blur_default_sigma", lambda F, x: F.gaussian_blur(x, 7), ALL, LEVEL),
]


@pytest.mark.parametrize("case,kind", [(c, k) for c in CASES for k in c[2]],
                         ids=[f"{c[0]}-{k}" for c in CASES for k in c[2]])
def test_functional_matches_torchvision(case, kind):
    _, call, _, tol = case
    expected = call(TF, image(kind, "tv"))
    got = call(GF, image(kind, "gt"))
    if tol.ties:
        differ = as_array(got) != as_array(expected)
        assert differ.mean() <= tol.ties, f"{differ.sum()} pixels differ"
        return
    sample = expected[0] if isinstance(expected, tuple) else expected
    floating = isinstance(sample, torch.Tensor) and sample.is_floating_point()
    atol = tol.float if floating else (tol.u8 if kind in ("u8", "grey_u8") else 0)
    assert_same_image(got, expected, atol=atol, rtol=tol.float if floating else 0)


def test_uint8_resize_and_blur_mostly_exact():
    """The one-grey-level allowance is for rounding, not for a different algorithm: almost
    every pixel of an antialiased uint8 resize and of a uint8 blur agrees exactly."""
    for call in (lambda F, x: F.resize(x, [50, 23]), lambda F, x: F.resize(x, 20),
                 lambda F, x: F.gaussian_blur(x, [5, 3], [1.2, 0.7])):
        got = call(GF, image("u8", "gt")).numpy().astype(int)
        expected = call(TF, image("u8", "tv")).numpy().astype(int)
        assert np.mean(got != expected) < 0.01


# ---------------------------------------------------------------------------------------------
# conversions
# ---------------------------------------------------------------------------------------------
PIL_MODES = {
    "RGB": lambda: pil_rgb(),
    "L": lambda: pil_grey(),
    "RGBA": lambda: pil_rgb().convert("RGBA"),
    "LA": lambda: pil_rgb().convert("LA"),
    "P": lambda: pil_rgb().convert("P"),
    "1": lambda: pil_grey().convert("1"),
    "I": lambda: pil_grey().convert("I"),
    "F": lambda: pil_grey().convert("F"),
    "CMYK": lambda: pil_rgb().convert("CMYK"),
    "YCbCr": lambda: pil_rgb().convert("YCbCr"),
    "I;16": lambda: pil_grey().convert("I;16"),
}


@pytest.mark.parametrize("mode", sorted(PIL_MODES))
def test_to_tensor_every_pil_mode(mode):
    assert_same_image(GF.to_tensor(PIL_MODES[mode]()), TF.to_tensor(PIL_MODES[mode]()))


@pytest.mark.parametrize("mode", sorted(set(PIL_MODES) - {"I;16"}))
def test_pil_to_tensor_every_pil_mode(mode):
    assert_same_image(GF.pil_to_tensor(PIL_MODES[mode]()), TF.pil_to_tensor(PIL_MODES[mode]()))


def test_pil_to_tensor_16_bit_mode_names_the_mode():
    """torch has uint16, glasstorch does not: a clear TypeError naming the mode, never a wrong
    reinterpretation of the pixels."""
    with pytest.raises(TypeError, match="'I;16'"):
        GF.pil_to_tensor(PIL_MODES["I;16"]())


@pytest.mark.parametrize("dtype", ["uint8", "int16", "int32", "float32", "float64"])
@pytest.mark.parametrize("channels", [0, 1, 3])
def test_to_tensor_ndarray(dtype, channels):
    array = RGB[..., :channels] if channels else GREY
    array = array.astype(dtype)
    assert_same_image(GF.to_tensor(array.copy()), TF.to_tensor(array.copy()))


def test_to_tensor_follows_default_dtype():
    gt.set_default_dtype(gt.float64)
    torch.set_default_dtype(torch.float64)
    try:
        assert_same_image(GF.to_tensor(pil_rgb()), TF.to_tensor(pil_rgb()))
    finally:
        torch.set_default_dtype(torch.float32)


TO_PIL = [
    ("float_rgb", lambda lib: lib.tensor(chw(RGB, "float32")), None),
    ("uint8_rgb", lambda lib: lib.tensor(chw(RGB)), None),
    ("uint8_grey_2d", lambda lib: lib.tensor(GREY.copy()), None),
    ("float_grey_F", lambda lib: lib.tensor(chw(GREY, "float32")), "F"),
    ("int32_grey", lambda lib: lib.tensor(chw(GREY).astype(np.int32)), None),
    ("int16_grey", lambda lib: lib.tensor(chw(GREY).astype(np.int16)), None),
    ("rgba", lambda lib: lib.tensor(chw(np.dstack([RGB, GREY]))), None),
    ("cmyk", lambda lib: lib.tensor(chw(np.dstack([RGB, GREY]))), "CMYK"),
    ("la", lambda lib: lib.tensor(chw(np.dstack([GREY, GREY]))), None),
    ("ycbcr", lambda lib: lib.tensor(chw(RGB)), "YCbCr"),
    ("ndarray_hwc", lambda lib: RGB.copy(), None),
    ("ndarray_float", lambda lib: RGB.astype(np.float32) / 255, None),
]


@pytest.mark.parametrize("case", TO_PIL, ids=[c[0] for c in TO_PIL])
def test_to_pil_image(case):
    _, make, mode = case
    assert_same_image(GF.to_pil_image(make(gt), mode), TF.to_pil_image(make(torch), mode))


@pytest.mark.parametrize("target", ["uint8", "int16", "int32", "float32", "float64"])
@pytest.mark.parametrize("source", ["uint8", "int16", "int32", "float32", "float64"])
def test_convert_image_dtype(source, target):
    array = chw(RGB, "float32") if source.startswith("float") else chw(RGB)
    if not source.startswith("float"):
        array = array.astype(source) * {"uint8": 1, "int16": 128, "int32": 8388608}[source]
    array = array.astype(source)
    ours = lambda: GF.convert_image_dtype(gt.tensor(array.copy()), getattr(gt, target))  # noqa
    theirs = lambda: TF.convert_image_dtype(torch.tensor(array.copy()),  # noqa
                                            getattr(torch, target))
    if (source, target) in {("float32", "int32"), ("float32", "int64"), ("float64", "int64")}:
        with pytest.raises(RuntimeError):
            theirs()
        with pytest.raises(RuntimeError, match="cannot be performed safely"):
            ours()
        return
    expected = theirs()
    assert_same_image(ours(), expected, atol=float_tolerance(expected) * 1e-2)


@pytest.mark.parametrize("inplace", [False, True])
def test_normalize(inplace):
    x_gt, x_tv = gt.tensor(chw(RGB, "float32")), torch.tensor(chw(RGB, "float32"))
    mean, std = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
    out_gt = GF.normalize(x_gt, mean, std, inplace)
    out_tv = TF.normalize(x_tv, mean, std, inplace)
    assert_same_image(out_gt, out_tv, atol=1e-6)
    assert_same_image(x_gt, x_tv, atol=1e-6)   # changed in place exactly when torchvision does
    assert (out_gt is x_gt) == (out_tv is x_tv)


def test_normalize_keeps_autograd():
    """Normalize stays in the graph (a model may normalise its input), as in torchvision."""
    x = torch.tensor(chw(RGB, "float32"), requires_grad=True)
    y = gt.tensor(chw(RGB, "float32"), requires_grad=True)
    TF.normalize(x, [0.5, 0.4, 0.3], [0.2, 0.3, 0.4]).pow(2).sum().backward()
    GF.normalize(y, [0.5, 0.4, 0.3], [0.2, 0.3, 0.4]).pow(2).sum().backward()
    np.testing.assert_allclose(y.grad.numpy(), x.grad.numpy(), rtol=1e-5)


def test_flips_crop_erase_keep_autograd():
    x = torch.tensor(chw(RGB, "float32"), requires_grad=True)
    y = gt.tensor(chw(RGB, "float32"), requires_grad=True)
    v = np.arange(12, dtype=np.float32).reshape(3, 2, 2)

    def chain(F, img, lib):
        out = F.crop(F.vflip(F.hflip(img)), 2, 3, 10, 12)
        return F.erase(out, 1, 1, 2, 2, lib.tensor(v))
    weights = np.random.default_rng(0).standard_normal((3, 10, 12)).astype(np.float32)
    (chain(TF, x, torch) * torch.tensor(weights)).sum().backward()
    (chain(GF, y, gt) * gt.tensor(weights)).sum().backward()
    np.testing.assert_array_equal(y.grad.numpy(), x.grad.numpy())


def test_array_kernels_refuse_grad_instead_of_dropping_it():
    """resize & co. run in NumPy outside autograd: an input that requires grad is an error,
    not an output silently cut from the graph; under no_grad it is fine."""
    y = gt.tensor(chw(RGB, "float32"), requires_grad=True)
    with pytest.raises(RuntimeError, match="requires grad"):
        GF.resize(y, [10, 10])
    with gt.no_grad():
        assert GF.resize(y, [10, 10]).shape == (3, 10, 10)


def test_erase_inplace():
    img_gt, img_tv = gt.tensor(chw(RGB, "float32")), torch.tensor(chw(RGB, "float32"))
    v = np.full((3, 1, 1), 0.5, np.float32)
    out_gt = GF.erase(img_gt, 4, 5, 6, 7, gt.tensor(v), inplace=True)
    out_tv = TF.erase(img_tv, 4, 5, 6, 7, torch.tensor(v), inplace=True)
    assert out_gt is img_gt and out_tv is img_tv
    assert_same_image(out_gt, out_tv)


def test_elastic_transform_with_given_displacement():
    rng = np.random.default_rng(3)
    d = (rng.random((1, 37, 53, 2), dtype=np.float32) - 0.5) * 0.2
    for kind in ("u8", "f32", "pil"):
        for mode in ("BILINEAR", "NEAREST"):
            expected = TF.elastic_transform(image(kind, "tv"), torch.tensor(d), M(TF, mode))
            got = GF.elastic_transform(image(kind, "gt"), gt.tensor(d), M(GF, mode))
            tolerance = float_tolerance(expected) or (1 if mode == "BILINEAR" else 0)
            assert_same_image(got, expected, atol=tolerance)


def test_get_dimensions_and_sizes():
    for kind in ALL:
        assert GF.get_dimensions(image(kind, "gt")) == TF.get_dimensions(image(kind, "tv"))
        assert GF.get_image_size(image(kind, "gt")) == TF.get_image_size(image(kind, "tv"))
        assert GF.get_image_num_channels(image(kind, "gt")) == \
            TF.get_image_num_channels(image(kind, "tv"))


def test_perspective_coefficients():
    start = [[0, 0], [52, 0], [52, 36], [0, 36]]
    end = [[3, 2], [50, 1], [49, 30], [5, 33]]
    np.testing.assert_allclose(GF._get_perspective_coeffs(start, end),
                               TF._get_perspective_coeffs(start, end), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("inverted", [True, False])
def test_inverse_affine_matrix(inverted):
    args = ([3.0, -4.0], 27.0, [5, 2], 1.3, [12.0, -7.0], inverted)
    np.testing.assert_allclose(GF._get_inverse_affine_matrix(*args),
                               TF._get_inverse_affine_matrix(*args), rtol=1e-12)


def test_to_grayscale_pil_only():
    for n in (1, 3):
        assert_same_image(GF.to_grayscale(pil_rgb(), n), TF.to_grayscale(pil_rgb(), n))
    with pytest.raises(TypeError):
        TF.to_grayscale(torch.zeros(3, 4, 4))
    with pytest.raises(TypeError, match="PIL Image"):
        GF.to_grayscale(gt.zeros(3, 4, 4))


def test_pil_resize_warns_that_antialias_is_always_on():
    with pytest.warns(UserWarning, match="always applied for PIL"):
        TF.resize(pil_rgb(), 10, antialias=False)
    with pytest.warns(UserWarning, match="always applied for PIL"):
        GF.resize(pil_rgb(), 10, antialias=False)
