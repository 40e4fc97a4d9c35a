"""AutoAugment, RandAugment, TrivialAugmentWide against torchvision's: the op menu applied at
given magnitudes, the magnitude tables, the policies, and whole forward passes replayed with
torchvision's own policy logic on our random draws."""
import numpy as np
import pytest
import torch

import glasstorch as gt
import glasstorch.vision.transforms as GT
from glasstorch.vision.transforms import autoaugment as ours_aa
from tests.vision.helpers import RGB, assert_same_image, chw, pil_rgb, tv

TT = tv.transforms
theirs_aa = tv.transforms.autoaugment

OPS = [("ShearX", 0.2), ("ShearY", -0.25), ("TranslateX", 7.6), ("TranslateY", -5.0),
       ("Rotate", 21.0), ("Brightness", 0.4), ("Color", -0.5), ("Contrast", 0.7),
       ("Sharpness", 0.6), ("Posterize", 5.0), ("Solarize", 140.0), ("AutoContrast", 0.0),
       ("Equalize", 0.0), ("Invert", 0.0), ("Identity", 0.0)]


def image(kind, lib):
    if kind == "pil":
        return pil_rgb()
    return (gt if lib == "gt" else torch).tensor(chw(RGB))


@pytest.mark.parametrize("kind", ["pil", "u8"])
@pytest.mark.parametrize("op_name,magnitude", OPS)
def test_each_op_matches(op_name, magnitude, kind):
    fill = None if kind == "pil" else [0.0, 0.0, 0.0]
    ours = ours_aa._apply_op(image(kind, "gt"), op_name, magnitude,
                             GT.InterpolationMode.NEAREST, fill)
    theirs = theirs_aa._apply_op(image(kind, "tv"), op_name, magnitude,
                                 TT.InterpolationMode.NEAREST, fill)
    assert_same_image(ours, theirs)


def test_unknown_op():
    with pytest.raises(ValueError, match="Blur"):
        ours_aa._apply_op(pil_rgb(), "Blur", 1.0, GT.InterpolationMode.NEAREST, None)


def _tables_equal(ours, theirs):
    assert list(ours) == list(theirs)
    for name in theirs:
        (m_ours, s_ours), (m_theirs, s_theirs) = ours[name], theirs[name]
        assert s_ours == s_theirs, name
        if m_theirs.ndim == 0:
            assert m_ours is None, name
        else:
            np.testing.assert_allclose(m_ours.numpy(), m_theirs.numpy(), rtol=1e-6,
                                       err_msg=name)
            assert str(m_ours.dtype) == str(m_theirs.dtype), name


def test_magnitude_tables():
    theirs = TT.AutoAugment()._augmentation_space(10, (37, 53))
    ours = ours_aa._augmentation_space(10, (37, 53))
    ours["Invert"] = (None, False)
    _tables_equal(ours, theirs)
    theirs = TT.RandAugment()._augmentation_space(31, (37, 53))
    ours = {"Identity": (None, False), **ours_aa._augmentation_space(31, (37, 53))}
    _tables_equal(ours, theirs)
    _tables_equal(GT.TrivialAugmentWide._augmentation_space(31),
                  TT.TrivialAugmentWide()._augmentation_space(31))


@pytest.mark.parametrize("policy", ["IMAGENET", "CIFAR10", "SVHN"])
def test_policies(policy):
    assert GT.AutoAugment(GT.AutoAugmentPolicy[policy]).policies == \
        TT.AutoAugment(TT.AutoAugmentPolicy[policy]).policies


@pytest.mark.parametrize("kind", ["pil", "u8"])
@pytest.mark.parametrize("policy", ["IMAGENET", "CIFAR10", "SVHN"])
def test_autoaugment_forward_replayed(policy, kind):
    theirs = TT.AutoAugment(TT.AutoAugmentPolicy[policy])
    ours = GT.AutoAugment(GT.AutoAugmentPolicy[policy])
    fill = None
    for seed in range(6):
        gt.manual_seed(seed)
        got = ours(image(kind, "gt"))
        gt.manual_seed(seed)
        policy_id, probs, signs = GT.AutoAugment.get_params(len(theirs.policies))
        expected = image(kind, "tv")
        meta = theirs._augmentation_space(10, (37, 53))
        for i, (op_name, p, magnitude_id) in enumerate(theirs.policies[policy_id]):
            if probs[i].item() <= p:
                magnitudes, signed = meta[op_name]
                magnitude = float(magnitudes[magnitude_id]) if magnitude_id is not None else 0.0
                if signed and signs[i].item() == 0:
                    magnitude *= -1.0
                expected = theirs_aa._apply_op(expected, op_name, magnitude,
                                               TT.InterpolationMode.NEAREST, fill)
        assert_same_image(got, expected)


@pytest.mark.parametrize("kind", ["pil", "u8"])
def test_randaugment_forward_replayed(kind):
    theirs = TT.RandAugment(num_ops=3, magnitude=12)
    ours = GT.RandAugment(num_ops=3, magnitude=12)
    for seed in range(6):
        gt.manual_seed(seed)
        got = ours(image(kind, "gt"))
        gt.manual_seed(seed)
        expected = image(kind, "tv")
        meta = theirs._augmentation_space(31, (37, 53))
        for _ in range(3):
            op_name = list(meta)[gt.randint(len(meta), (1,)).item()]
            magnitudes, signed = meta[op_name]
            magnitude = float(magnitudes[12]) if magnitudes.ndim > 0 else 0.0
            if signed and gt.randint(2, (1,)).item():
                magnitude *= -1.0
            expected = theirs_aa._apply_op(expected, op_name, magnitude,
                                           TT.InterpolationMode.NEAREST, None)
        assert_same_image(got, expected)


@pytest.mark.parametrize("kind", ["pil", "u8"])
def test_trivialaugment_forward_replayed(kind):
    theirs = TT.TrivialAugmentWide()
    ours = GT.TrivialAugmentWide(fill=4)
    seen = set()
    for seed in range(10):
        gt.manual_seed(seed)
        got = ours(image(kind, "gt"))
        gt.manual_seed(seed)
        meta = theirs._augmentation_space(31)
        op_name = list(meta)[gt.randint(len(meta), (1,)).item()]
        magnitudes, signed = meta[op_name]
        magnitude = float(magnitudes[gt.randint(len(magnitudes), (1,)).item()]) \
            if magnitudes.ndim > 0 else 0.0
        if signed and gt.randint(2, (1,)).item():
            magnitude *= -1.0
        fill = 4 if kind == "pil" else [4.0, 4.0, 4.0]
        expected = theirs_aa._apply_op(image(kind, "tv"), op_name, magnitude,
                                       TT.InterpolationMode.NEAREST, fill)
        assert_same_image(got, expected)
        seen.add(op_name)
    assert len(seen) > 3
