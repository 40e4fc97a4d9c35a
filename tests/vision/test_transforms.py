"""transforms classes against torchvision's.

Deterministic transforms: same output as torchvision's class on the same input. Random
transforms: the random draws cannot match PyTorch's generator, so each test seeds glasstorch,
runs our transform, then re-seeds and replays the draws through our `get_params` (or the same
coin flips) and applies *torchvision's functional op* with those parameters: the outputs must
be equal. That checks both that forward uses its parameters as torchvision does and that the
functional op agrees. Distributions of the draws are checked against torchvision's separately.
"""
import os

import numpy as np
import pytest
import torch

import glasstorch as gt
import glasstorch.vision.transforms as GT
from glasstorch.utils.data import DataLoader, Dataset
from tests.vision.helpers import (RGB, as_array, assert_same_image, chw, float_tolerance,
                                  pil_rgb, tv)

TT = tv.transforms
TF = tv.transforms.functional

KINDS = ["pil", "u8", "f32"]


def image(kind, lib):
    if kind == "pil":
        return pil_rgb()
    array = chw(RGB) if kind == "u8" else chw(RGB, "float32")
    return gt.tensor(array) if lib == "gt" else torch.tensor(array)


def assert_close(ours, theirs, u8_levels=0):
    sample = theirs[0] if isinstance(theirs, tuple) else theirs
    tol = float_tolerance(sample)
    if not tol and isinstance(sample, torch.Tensor):
        tol = u8_levels
    assert_same_image(ours, theirs, atol=tol, rtol=float_tolerance(sample))


# ---------------------------------------------------------------------------------------------
# deterministic transforms
# ---------------------------------------------------------------------------------------------
DETERMINISTIC = [
    ("resize", lambda T: T.Resize(20), KINDS, 1),
    ("resize_hw_bicubic", lambda T: T.Resize((30, 25), T.InterpolationMode.BICUBIC), KINDS, 1),
    ("resize_pil_int", lambda T: T.Resize(19, interpolation=0), KINDS, 0),
    ("center_crop", lambda T: T.CenterCrop(20), KINDS, 0),
    ("center_crop_seq1", lambda T: T.CenterCrop([21]), KINDS, 0),
    ("pad", lambda T: T.Pad((1, 2, 3, 4), fill=3, padding_mode="constant"), KINDS, 0),
    ("pad_reflect", lambda T: T.Pad(2, padding_mode="reflect"), KINDS, 0),
    ("grayscale", lambda T: T.Grayscale(), KINDS, 0),
    ("grayscale_3", lambda T: T.Grayscale(3), KINDS, 0),
    ("five_crop", lambda T: T.FiveCrop(15), KINDS, 0),
    ("ten_crop", lambda T: T.TenCrop((15, 12), vertical_flip=True), KINDS, 0),
    ("to_tensor", lambda T: T.ToTensor(), ["pil"], 0),
    ("pil_to_tensor", lambda T: T.PILToTensor(), ["pil"], 0),
    ("to_pil", lambda T: T.ToPILImage(), ["u8", "f32"], 0),
    ("convert_dtype", lambda T: T.ConvertImageDtype(getattr(_lib(T), "float64")), ["u8"], 0),
    ("normalize", lambda T: T.Normalize((0.5, 0.4, 0.3), (0.2, 0.25, 0.3)), ["f32"], 0),
    ("lambda", lambda T: T.Lambda(lambda x: T.functional.hflip(x)), KINDS, 0),
    ("compose", lambda T: T.Compose([T.Resize(24), T.CenterCrop(20), T.ToTensor(),
                                     T.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))]),
     ["pil"], 0),
    ("random_p1", lambda T: T.RandomHorizontalFlip(p=1.0), KINDS, 0),
    ("random_p0", lambda T: T.RandomVerticalFlip(p=0.0), KINDS, 0),
    ("color_jitter_identity", lambda T: T.ColorJitter(), KINDS, 0),
]


def _lib(T):
    return gt if T is GT else torch


@pytest.mark.parametrize("case,kind", [(c, k) for c in DETERMINISTIC for k in c[2]],
                         ids=[f"{c[0]}-{k}" for c in DETERMINISTIC for k in c[2]])
def test_deterministic_transform(case, kind):
    _, make, _, levels = case
    assert_close(make(GT)(image(kind, "gt")), make(TT)(image(kind, "tv")), levels)


def test_linear_transformation():
    rng = np.random.default_rng(1)
    d = 3 * 4 * 5
    matrix = rng.standard_normal((d, d)).astype(np.float32)
    mean = rng.standard_normal(d).astype(np.float32)
    x = rng.random((2, 3, 4, 5), dtype=np.float32)
    ours = GT.LinearTransformation(gt.tensor(matrix), gt.tensor(mean))(gt.tensor(x))
    theirs = TT.LinearTransformation(torch.tensor(matrix), torch.tensor(mean))(torch.tensor(x))
    assert_same_image(ours, theirs, atol=1e-5, rtol=1e-5)
    with pytest.raises(ValueError):
        TT.LinearTransformation(torch.zeros(3, 4), torch.zeros(3))
    with pytest.raises(ValueError, match="square"):
        GT.LinearTransformation(gt.zeros(3, 4), gt.zeros(3))


def test_transforms_that_are_modules_work_in_sequential():
    """Like torchvision's, the tensor transforms are nn.Modules (usable in nn.Sequential)."""
    for name in ("Normalize", "Resize", "CenterCrop", "RandomCrop", "ColorJitter"):
        assert isinstance(getattr(GT, name).__new__(getattr(GT, name)), gt.nn.Module) == \
            isinstance(getattr(TT, name).__new__(getattr(TT, name)), torch.nn.Module)
    seq = gt.nn.Sequential(GT.CenterCrop(20), GT.Normalize((0.5,) * 3, (0.5,) * 3))
    ref = torch.nn.Sequential(TT.CenterCrop(20), TT.Normalize((0.5,) * 3, (0.5,) * 3))
    assert_same_image(seq(image("f32", "gt")), ref(image("f32", "tv")), atol=1e-6)


# ---------------------------------------------------------------------------------------------
# random transforms: our forward == torchvision's functional op with our drawn parameters
# ---------------------------------------------------------------------------------------------
def _coin(p):
    return gt.rand(1).item() < p


def _size(img):
    _, h, w = GT.functional.get_dimensions(img)
    return h, w


def _fill(img, fill):
    return [float(fill)] * 3 if isinstance(img, torch.Tensor) else fill


REPLAYS = {
    # name: (make transform, replay(ours, img_gt, img_tv) -> expected, u8 levels)
    "random_crop": (
        lambda: GT.RandomCrop(24, padding=4, padding_mode="reflect"),
        lambda t, g, x: TF.crop(TF.pad(x, 4, padding_mode="reflect"),
                                *GT.RandomCrop.get_params(GT.functional.pad(
                                    g, 4, padding_mode="reflect"), (24, 24))), 0),
    "random_crop_pad_if_needed": (
        lambda: GT.RandomCrop((45, 30), pad_if_needed=True, fill=9),
        lambda t, g, x: TF.crop(TF.pad(x, [0, 8], 9),  # [0, 8]: 8 rows above and below
                                *GT.RandomCrop.get_params(gt.zeros(1, 53, 53), (45, 30))), 0),
    "random_resized_crop": (
        lambda: GT.RandomResizedCrop(20, scale=(0.2, 0.9)),
        lambda t, g, x: TF.resized_crop(x, *GT.RandomResizedCrop.get_params(
            g, (0.2, 0.9), (3 / 4, 4 / 3)), [20, 20]), 1),
    "hflip": (lambda: GT.RandomHorizontalFlip(),
              lambda t, g, x: TF.hflip(x) if _coin(0.5) else x, 0),
    "vflip": (lambda: GT.RandomVerticalFlip(0.55),
              lambda t, g, x: TF.vflip(x) if _coin(0.55) else x, 0),
    "rotation": (
        lambda: GT.RandomRotation(40, expand=True, fill=5),
        lambda t, g, x: TF.rotate(x, GT.RandomRotation.get_params([-40.0, 40.0]),
                                  expand=True, fill=_fill(x, 5)), 0),
    "rotation_bilinear_center": (
        lambda: GT.RandomRotation((10, 80), GT.InterpolationMode.BILINEAR, center=(4, 6)),
        lambda t, g, x: TF.rotate(x, GT.RandomRotation.get_params([10.0, 80.0]),
                                  TF.InterpolationMode.BILINEAR, center=(4, 6),
                                  fill=_fill(x, 0)), 1),
    "affine": (
        lambda: GT.RandomAffine(25, translate=(0.1, 0.2), scale=(0.8, 1.2), shear=(-5, 5, -3, 3)),
        lambda t, g, x: TF.affine(x, *GT.RandomAffine.get_params(
            [-25.0, 25.0], (0.1, 0.2), (0.8, 1.2), [-5.0, 5.0, -3.0, 3.0], [53, 37]),
            fill=_fill(x, 0)), 0),
    "color_jitter": (
        lambda: GT.ColorJitter(0.4, 0.4, 0.4, 0.1),
        lambda t, g, x: _jitter(x, *GT.ColorJitter.get_params(
            t.brightness, t.contrast, t.saturation, t.hue)), 0),
    "random_grayscale": (lambda: GT.RandomGrayscale(0.5),
                         lambda t, g, x: TF.rgb_to_grayscale(x, 3) if _coin(0.5) else x, 0),
    "perspective": (
        lambda: GT.RandomPerspective(0.4, p=0.7),
        lambda t, g, x: TF.perspective(x, *GT.RandomPerspective.get_params(53, 37, 0.4),
                                       fill=_fill(x, 0)) if _coin(0.7) else x, 1),
    "gaussian_blur": (
        lambda: GT.GaussianBlur(5, (0.5, 2.0)),
        lambda t, g, x: TF.gaussian_blur(x, [5, 5], [GT.GaussianBlur.get_params(0.5, 2.0)] * 2),
        1),
    "random_apply": (
        lambda: GT.RandomApply([GT.RandomHorizontalFlip(1.0), GT.RandomGrayscale(1.0)], p=0.5),
        lambda t, g, x: x if 0.5 < gt.rand(1).item() else _flip_gray(x), 0),
    "random_choice": (
        lambda: GT.RandomChoice([GT.RandomHorizontalFlip(1.0), GT.Grayscale(3),
                                 GT.CenterCrop(10)], p=[0.2, 0.5, 0.3]),
        lambda t, g, x: [TF.hflip, lambda y: TF.rgb_to_grayscale(y, 3),
                         lambda y: TF.center_crop(y, 10)][
            gt.multinomial(gt.tensor([0.2, 0.5, 0.3], dtype=gt.float64), 1).item()](x), 0),
    "random_order": (
        lambda: GT.RandomOrder([GT.CenterCrop(20), GT.Pad(3), GT.Resize(12)]),
        lambda t, g, x: _in_order(x, gt.randperm(3).tolist()), 1),
    "invert": (lambda: GT.RandomInvert(), lambda t, g, x: TF.invert(x) if _coin(0.5) else x, 0),
    "sharpness": (lambda: GT.RandomAdjustSharpness(2.0, p=0.6),
                  lambda t, g, x: TF.adjust_sharpness(x, 2.0) if _coin(0.6) else x, 0),
    "autocontrast": (  # on a darkened copy: the test photo already spans 0..255
        lambda: GT.Compose([GT.Lambda(lambda y: GT.functional.adjust_brightness(y, 0.5)),
                            GT.RandomAutocontrast()]),
        lambda t, g, x: _maybe(TF.autocontrast, TF.adjust_brightness(x, 0.5), 0.5), 0),
    "elastic": (
        lambda: GT.ElasticTransform(30.0, 4.0),
        lambda t, g, x: TF.elastic_transform(x, torch.tensor(GT.ElasticTransform.get_params(
            [30.0, 30.0], [4.0, 4.0], [37, 53]).numpy()), fill=[0.0]), 1),
}


def _jitter(x, order, b, c, s, h):
    for fn_id in order.tolist():
        x = [lambda y: TF.adjust_brightness(y, b), lambda y: TF.adjust_contrast(y, c),
             lambda y: TF.adjust_saturation(y, s), lambda y: TF.adjust_hue(y, h)][fn_id](x)
    return x


def _maybe(op, x, p):
    return op(x) if _coin(p) else x


def _flip_gray(x):
    return TF.rgb_to_grayscale(TF.hflip(x), 3)


def _in_order(x, order):
    steps = [lambda y: TF.center_crop(y, 20), lambda y: TF.pad(y, 3), lambda y: TF.resize(y, 12)]
    for i in order:
        x = steps[i](x)
    return x


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", sorted(REPLAYS))
def test_random_transform_replays_with_torchvision_functional(name, kind):
    make, replay, levels = REPLAYS[name]
    transform = make()
    outcomes = set()
    for seed in range(8):
        gt.manual_seed(seed)
        ours = transform(image(kind, "gt"))
        gt.manual_seed(seed)
        expected = replay(transform, image(kind, "gt"), image(kind, "tv"))
        assert_close(ours, expected, levels)
        outcomes.add(as_array(ours).tobytes())
    assert len(outcomes) > 1, "eight seeds gave one outcome: the transform is not random"


def test_random_erasing_replay():
    for value in (0, (0.1, 0.2, 0.3), "random"):
        transform = GT.RandomErasing(p=0.8, value=value)
        for seed in range(5):
            gt.manual_seed(seed)
            ours = transform(image("f32", "gt"))
            gt.manual_seed(seed)
            if _coin(0.8):
                as_list = None if value == "random" else \
                    [float(v) for v in (value if isinstance(value, tuple) else (value,))]
                i, j, h, w, v = GT.RandomErasing.get_params(image("f32", "gt"), (0.02, 0.33),
                                                            (0.3, 3.3), as_list)
                expected = TF.erase(image("f32", "tv"), i, j, h, w, torch.tensor(v.numpy()))
            else:
                expected = image("f32", "tv")
            assert_same_image(ours, expected)


def test_posterize_solarize_equalize_random_on_uint8():
    for make, op in ((lambda: GT.RandomPosterize(3), lambda x: TF.posterize(x, 3)),
                     (lambda: GT.RandomSolarize(120), lambda x: TF.solarize(x, 120)),
                     (lambda: GT.RandomEqualize(), TF.equalize)):
        for kind in ("pil", "u8"):
            for seed in range(4):
                gt.manual_seed(seed)
                ours = make()(image(kind, "gt"))
                gt.manual_seed(seed)
                expected = op(image(kind, "tv")) if _coin(0.5) else image(kind, "tv")
                assert_same_image(ours, expected)


def test_random_resized_crop_fallback_is_torchvisions_central_crop():
    """When no random box fits (impossible aspect ratios), both fall back to the same
    deterministic central crop."""
    for ratio in ((10.0, 20.0), (0.05, 0.1)):
        ours = GT.RandomResizedCrop.get_params(image("u8", "gt"), (0.9, 1.0), ratio)
        theirs = TT.RandomResizedCrop.get_params(image("u8", "tv"), (0.9, 1.0), ratio)
        assert ours == theirs


def test_random_erasing_no_fit_returns_whole_image():
    img = gt.rand(3, 4, 4)
    i, j, h, w, v = GT.RandomErasing.get_params(img, (0.99, 1.0), (1.0, 1.0))
    assert (i, j, h, w) == (0, 0, 4, 4) and v is img


# ---------------------------------------------------------------------------------------------
# distributions of the random parameters against torchvision's
# ---------------------------------------------------------------------------------------------
def _draws(fn, n=1500):
    return np.array([fn() for _ in range(n)], dtype=np.float64)


@pytest.mark.parametrize("which", ["crop", "resized_crop", "affine", "rotation", "jitter",
                                   "perspective", "blur", "erasing"])
def test_parameter_distributions_match_torchvision(which):
    img_g, img_t = image("u8", "gt"), image("u8", "tv")
    draws = {
        "crop": lambda T, img: T.RandomCrop.get_params(img, (20, 30)),
        "resized_crop": lambda T, img: T.RandomResizedCrop.get_params(img, (0.08, 1.0),
                                                                      (3 / 4, 4 / 3)),
        "affine": lambda T, img: _flat(T.RandomAffine.get_params(
            [-30.0, 30.0], (0.2, 0.1), (0.7, 1.3), [-10.0, 10.0, -4.0, 4.0], [53, 37])),
        "rotation": lambda T, img: (T.RandomRotation.get_params([-15.0, 60.0]),),
        "jitter": lambda T, img: _flat(T.ColorJitter.get_params(
            (0.5, 1.5), (0.6, 1.4), (0.0, 2.0), (-0.2, 0.3))[1:]),
        "perspective": lambda T, img: _flat(T.RandomPerspective.get_params(53, 37, 0.6)[1]),
        "blur": lambda T, img: (T.GaussianBlur.get_params(0.1, 2.0),),
        "erasing": lambda T, img: T.RandomErasing.get_params(img, (0.02, 0.33), (0.3, 3.3),
                                                             [0.0])[:4],
    }[which]
    gt.manual_seed(0)
    torch.manual_seed(0)
    ours = _draws(lambda: draws(GT, img_g))
    theirs = _draws(lambda: draws(TT, img_t))
    spread = theirs.std(axis=0) + 1e-9
    # means within ~4 standard errors of their difference, spreads within 15%
    assert np.all(np.abs(ours.mean(0) - theirs.mean(0)) < 6 * spread / np.sqrt(len(ours)))
    np.testing.assert_allclose(ours.std(0), theirs.std(0), rtol=0.15, atol=1e-9)


def _flat(params):
    out = []
    for p in params:
        if isinstance(p, (tuple, list)):
            out.extend(_flat(p))
        else:
            out.append(float(p))
    return out


# ---------------------------------------------------------------------------------------------
# reproducibility: glasstorch.manual_seed, and DataLoader workers
# ---------------------------------------------------------------------------------------------
PIPELINE = GT.Compose([GT.RandomResizedCrop(24), GT.RandomHorizontalFlip(),
                       GT.ColorJitter(0.3, 0.3, 0.3, 0.05),
                       GT.RandomOrder([GT.RandomGrayscale(0.5), GT.RandomInvert()]),
                       GT.RandomChoice([GT.RandomRotation(10), GT.RandomAffine(5)]),
                       GT.ToTensor(), GT.RandomErasing()])


def _run_pipeline(seed, n=6):
    gt.manual_seed(seed)
    return [PIPELINE(pil_rgb()).numpy() for _ in range(n)]


def test_manual_seed_makes_a_pipeline_reproducible():
    first, again, other = _run_pipeline(7), _run_pipeline(7), _run_pipeline(8)
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    assert any(not np.array_equal(a, b) for a, b in zip(first, other))
    assert len({a.tobytes() for a in first}) == len(first)


class _AugmentedImages(Dataset):
    """The same photo n times, each item through the random pipeline."""

    def __init__(self, n=8):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, index):
        return PIPELINE(pil_rgb())


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_dataloader_workers_get_their_own_streams():
    """Workers are seeded base_seed + worker_id from the main generator: items in different
    workers differ (no copied random state), and manual_seed in the main process makes the
    whole multi-worker epoch repeat."""
    def epoch(seed):
        gt.manual_seed(seed)
        loader = DataLoader(_AugmentedImages(), batch_size=2, num_workers=2)
        return np.concatenate([batch.numpy() for batch in loader])
    first, again, other = epoch(3), epoch(3), epoch(4)
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)
    # batch 0 went to worker 0, batch 1 to worker 1: their first items must differ
    assert not np.array_equal(first[0], first[2])
    assert len({item.tobytes() for item in first}) == len(first)


# ---------------------------------------------------------------------------------------------
# repr and argument checking
# ---------------------------------------------------------------------------------------------
REPRS = [
    lambda T: T.Compose([T.Resize(32), T.CenterCrop(28), T.ToTensor(),
                         T.Normalize((0.1307,), (0.3081,))]),
    lambda T: T.RandomResizedCrop(224, scale=(0.5, 1.0)),
    lambda T: T.RandomCrop(32, padding=4),
    lambda T: T.ColorJitter(0.4, (0.5, 1.5), 0.2, 0.1),
    lambda T: T.RandomRotation(30, expand=True, center=(1, 2), fill=3),
    lambda T: T.RandomAffine(10, translate=(0.1, 0.1), scale=(0.9, 1.1), shear=5,
                             interpolation=T.InterpolationMode.BILINEAR, fill=1),
    lambda T: T.RandomErasing(),
    lambda T: T.GaussianBlur(3, 1.5),
    lambda T: T.Pad([1, 2], padding_mode="edge"),
    lambda T: T.RandomApply([T.RandomHorizontalFlip(), T.Grayscale()], p=0.3),
    lambda T: T.RandomChoice([T.RandomHorizontalFlip(), T.Grayscale()]),
    lambda T: T.RandomOrder([T.RandomHorizontalFlip(), T.Grayscale()]),
    lambda T: T.ToPILImage(mode="RGB"),
    lambda T: T.Lambda(abs),
    lambda T: T.TenCrop(10),
    lambda T: T.RandomPosterize(4),
    lambda T: T.RandomSolarize(100, p=0.2),
    lambda T: T.RandomAdjustSharpness(2),
    lambda T: T.ElasticTransform(),
    lambda T: T.AutoAugment(T.AutoAugmentPolicy.CIFAR10),
    lambda T: T.RandAugment(),
    lambda T: T.TrivialAugmentWide(),
]


@pytest.mark.parametrize("make", REPRS)
def test_repr_matches_torchvision(make):
    assert repr(make(GT)) == repr(make(TT))


BAD_ARGUMENTS = [
    lambda T: T.Resize("big"),
    lambda T: T.Resize([1, 2, 3]),
    lambda T: T.Pad(2, padding_mode="wrap"),
    lambda T: T.Pad([1, 2, 3]),
    lambda T: T.Pad(2, fill="red"),
    lambda T: T.CenterCrop([1, 2, 3]),
    lambda T: T.ColorJitter(brightness=-1),
    lambda T: T.ColorJitter(hue=0.7),
    lambda T: T.ColorJitter(contrast=(1, 2, 3)),
    lambda T: T.RandomErasing(value="noise"),
    lambda T: T.RandomErasing(scale=(0.1, 1.5)),
    lambda T: T.RandomErasing(p=2),
    lambda T: T.GaussianBlur(4),
    lambda T: T.GaussianBlur(3, sigma=-1),
    lambda T: T.GaussianBlur(3, sigma=(2.0, 1.0)),
    lambda T: T.RandomRotation(-5),
    lambda T: T.RandomRotation((1, 2, 3)),
    lambda T: T.RandomRotation(5, fill=None.__class__),
    lambda T: T.RandomAffine(5, translate=(2, 0)),
    lambda T: T.RandomAffine(5, scale=(0, 1)),
    lambda T: T.RandomAffine(5, shear=(1, 2, 3)),
    lambda T: T.Lambda(3),
    lambda T: T.RandomChoice([T.Grayscale()], p=3),
    lambda T: T.RandomOrder(T.Grayscale()),
    lambda T: T.RandomResizedCrop(10, scale=0.5),
    lambda T: T.ElasticTransform(alpha=3),
]


@pytest.mark.parametrize("make", BAD_ARGUMENTS)
def test_bad_arguments_raise_torchvisions_exception_type(make):
    with pytest.raises(Exception) as theirs:
        make(TT)
    with pytest.raises(type(theirs.value)):
        make(GT)


def test_functional_bad_input_errors():
    """Bad images: same exception type as torchvision, message naming the mode or size."""
    rgba_gt, rgba_tv = pil_rgb().convert("RGBA"), pil_rgb().convert("RGBA")
    float_image = pil_rgb().convert("F")
    cases = [
        (lambda F: F.invert(rgba_gt), lambda F: F.invert(rgba_tv), "RGBA"),
        (lambda F: F.posterize(float_image, 3), None, "'F'"),
        (lambda F: F.adjust_brightness(float_image, 1.2), None, "'F'"),
        (lambda F: F.normalize(pil_rgb(), [0.5], [0.5]), None, "Tensor"),
        (lambda F: F.to_pil_image(np.zeros((4, 4, 5), np.uint8)), None, "5 channels"),
        (lambda F: F.to_tensor(np.zeros((2, 2, 2, 2), np.uint8)), None, "4 dimensions"),
        (lambda F: F.to_tensor("image.png"), None, "str"),
        (lambda F: F.five_crop(pil_rgb(), 40), None, "bigger than input size"),
        (lambda F: F.adjust_hue(pil_rgb(), 0.7), None, "0.7"),
        (lambda F: F.rotate(pil_rgb(), "ten"), None, "angle"),
        (lambda F: F.resize(pil_rgb(), [1, 2, 3]), None, "3 element"),
        (lambda F: F.gaussian_blur(pil_rgb(), 4), None, "odd"),
        (lambda F: F.posterize(pil_rgb(), 9), None, "9"),
    ]
    for ours_call, theirs_call, text in cases:
        theirs_call = theirs_call or ours_call
        with pytest.raises(Exception) as theirs:
            theirs_call(TF)
        with pytest.raises(type(theirs.value), match=None) as ours:
            ours_call(GT.functional)
        assert text in str(ours.value), f"{text!r} not in {ours.value}"


def test_tensor_bad_input_errors():
    pairs = [
        (lambda F, lib: F.normalize(lib.zeros(3, 4, 4, dtype=lib.uint8), [0.5], [0.5]),
         "float tensor"),
        (lambda F, lib: F.normalize(lib.zeros(3, 4, 4), [0.5], [0.0]), "std evaluated to zero"),
        (lambda F, lib: F.adjust_brightness(lib.zeros(2, 4, 4), 1.2), "[1, 3]"),
        (lambda F, lib: F.posterize(lib.zeros(3, 4, 4), 3), "uint8"),
        (lambda F, lib: F.rgb_to_grayscale(lib.zeros(4, 4)), "3 dimensions"),
        (lambda F, lib: F.pad(lib.zeros(3, 4, 4), 4, padding_mode="reflect"), "less than"),
        (lambda F, lib: F.rotate(lib.zeros(3, 4, 4), 10.0, F.InterpolationMode.BICUBIC),
         "unsupported"),
        (lambda F, lib: F.rotate(lib.zeros(3, 4, 4), 10.0, fill=[1.0, 2.0]), "fill"),
        (lambda F, lib: F.convert_image_dtype(lib.zeros(3, 2, 2), lib.int32), "safely"),
        (lambda F, lib: F.solarize(lib.zeros(3, 2, 2, dtype=lib.uint8), 300), "bound"),
        (lambda F, lib: F.crop(lib.zeros(4), 0, 0, 1, 1), "not a torch image"),
    ]
    for call, text in pairs:
        with pytest.raises(Exception) as theirs:
            call(TF, torch)
        with pytest.raises(type(theirs.value)) as ours:
            call(GT.functional, gt)
        assert text in str(ours.value), f"{text!r} not in {ours.value}"
