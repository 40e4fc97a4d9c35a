"""Shared pieces of the vision tests: the torchvision oracle, test images in both libraries'
forms, and comparisons of results (PIL images, tensors, tuples of them)."""
import numpy as np
import pytest
import torch
from PIL import Image

import glasstorch as gt
from tests.oracle.torchvision_import import torchvision

tv = torchvision()

RNG = np.random.default_rng(20240611)
# an odd-sized colour photo stand-in: smooth gradients plus noise, so resampling and colour
# ops see both flat regions and edges
_yy, _xx = np.mgrid[0:37, 0:53]
RGB = np.clip(np.stack([_xx * 4.5, _yy * 6.5, (_xx + _yy) * 2.8], axis=-1)
              + RNG.normal(0, 18, (37, 53, 3)), 0, 255).astype(np.uint8)
GREY = RGB[..., 1].copy()


def pil_rgb():
    return Image.fromarray(RGB.copy())


def pil_grey():
    return Image.fromarray(GREY.copy())


def both(array):
    """The same image as a (glasstorch, torch) tensor pair from an (H, W, C) or (C, H, W)
    array (copied, so neither library shares memory with the other)."""
    return gt.tensor(array.copy()), torch.tensor(array.copy())


def chw(array, dtype="uint8"):
    """(H, W[, C]) uint8 -> (C, H, W) as uint8 or float32 in [0, 1]."""
    x = array if array.ndim == 3 else array[..., None]
    x = np.ascontiguousarray(x.transpose(2, 0, 1))
    return x if dtype == "uint8" else (x.astype(np.float32) / 255)


def as_array(obj):
    if isinstance(obj, (gt.Tensor, torch.Tensor)):
        return obj.detach().numpy()
    return np.asarray(obj)


def assert_same_image(ours, theirs, atol=0.0, what="image", rtol=0.0):
    """Same kind of result (PIL image / tensor / tuple), size, mode or dtype and pixels;
    `atol` is in pixel units (1 = one grey level for uint8); float results get `rtol` too."""
    if isinstance(theirs, (tuple, list)):
        assert isinstance(ours, (tuple, list)) and len(ours) == len(theirs), what
        for i, (a, b) in enumerate(zip(ours, theirs)):
            assert_same_image(a, b, atol, f"{what}[{i}]", rtol)
        return
    if isinstance(theirs, Image.Image):
        assert isinstance(ours, Image.Image), f"{what}: expected a PIL image, got {type(ours)}"
        assert ours.mode == theirs.mode, f"{what}: mode {ours.mode} != {theirs.mode}"
        assert ours.size == theirs.size, f"{what}: size {ours.size} != {theirs.size}"
    else:
        assert isinstance(theirs, torch.Tensor)
        assert isinstance(ours, gt.Tensor), f"{what}: expected a Tensor, got {type(ours)}"
        assert tuple(ours.shape) == tuple(theirs.shape), \
            f"{what}: shape {tuple(ours.shape)} != {tuple(theirs.shape)}"
        assert str(ours.dtype) == str(theirs.dtype), f"{what}: {ours.dtype} != {theirs.dtype}"
    a, b = as_array(ours), as_array(theirs)
    if atol == 0 and rtol == 0:
        np.testing.assert_array_equal(a, b, err_msg=what)
    else:
        np.testing.assert_allclose(a.astype(np.float64), b.astype(np.float64), rtol=rtol,
                                   atol=atol, err_msg=what)


def float_tolerance(theirs):
    """Tolerance for float results: a few float32 ulps (used as atol and rtol)."""
    return 1e-5 if isinstance(theirs, torch.Tensor) and theirs.is_floating_point() else 0.0


def raises_like(expected_type, call_ours, *match):
    """call_ours() raises expected_type with every string of `match` in its message."""
    with pytest.raises(expected_type) as info:
        call_ours()
    for text in match:
        assert text in str(info.value), f"{text!r} not in {str(info.value)!r}"
    return info.value
