"""vision.utils (make_grid, save_image, draw_bounding_boxes) against torchvision's, and
vision.io against the pixels the test wrote (torchvision.io's decoders are in the C extension
that cannot load on this machine, so PNG files are checked against the array written into
them and JPEG files against Pillow decoding the same bytes)."""
import io

import numpy as np
import pytest
import torch
from PIL import Image

import glasstorch as gt
import glasstorch.vision.io as GIO
import glasstorch.vision.utils as GU
from tests.vision.helpers import RGB, assert_same_image, chw, tv

TU = tv.utils
BATCH = np.random.default_rng(4).random((5, 3, 8, 10), dtype=np.float32) * 3 - 1


@pytest.mark.parametrize("kwargs", [
    {}, {"nrow": 2}, {"nrow": 3, "padding": 0}, {"padding": 4, "pad_value": 0.7},
    {"normalize": True}, {"normalize": True, "value_range": (-0.5, 1.5)},
    {"normalize": True, "scale_each": True},
    {"normalize": True, "scale_each": True, "value_range": (0.0, 1.0)},
])
def test_make_grid(kwargs):
    assert_same_image(GU.make_grid(gt.tensor(BATCH), **kwargs),
                      TU.make_grid(torch.tensor(BATCH), **kwargs), atol=1e-6, rtol=1e-6)


@pytest.mark.parametrize("shape", [(3, 8, 10), (1, 8, 10), (8, 10), (4, 1, 8, 10),
                                   (1, 3, 8, 10)])
def test_make_grid_shapes(shape):
    x = np.random.default_rng(1).random(shape, dtype=np.float32)
    assert_same_image(GU.make_grid(gt.tensor(x)), TU.make_grid(torch.tensor(x)))


def test_make_grid_list_and_uint8():
    images = [chw(RGB)[:, :10, :12], chw(RGB)[:, 5:15, 7:19]]
    assert_same_image(GU.make_grid([gt.tensor(i.copy()) for i in images], nrow=1, pad_value=9),
                      TU.make_grid([torch.tensor(i.copy()) for i in images], nrow=1,
                                   pad_value=9))
    with pytest.raises(TypeError):
        TU.make_grid([torch.zeros(3, 2, 2), 5])
    with pytest.raises(TypeError, match="list containing"):
        GU.make_grid([gt.zeros(3, 2, 2), 5])
    with pytest.raises(TypeError, match="tensor or list of tensors"):
        GU.make_grid(np.zeros((3, 2, 2)))


def test_save_image_png_and_file_object(tmp_path):
    GU.save_image(gt.tensor(BATCH), str(tmp_path / "ours.png"), nrow=3, normalize=True)
    TU.save_image(torch.tensor(BATCH), str(tmp_path / "theirs.png"), nrow=3, normalize=True)
    np.testing.assert_array_equal(np.asarray(Image.open(tmp_path / "ours.png")),
                                  np.asarray(Image.open(tmp_path / "theirs.png")))
    ours, theirs = io.BytesIO(), io.BytesIO()
    image = np.clip(BATCH[0], 0, 1)
    GU.save_image(gt.tensor(image), ours, format="png")
    TU.save_image(torch.tensor(image), theirs, format="png")
    assert ours.getvalue() == theirs.getvalue()


BOXES = np.array([[2, 3, 20, 25], [10, 1, 50, 30], [0, 0, 52, 36]], dtype=np.float32)


@pytest.mark.parametrize("kwargs", [
    {}, {"colors": "red", "width": 3}, {"colors": ["blue", (0, 255, 0), "#ff00ff"]},
    {"fill": True, "labels": ["cat", "dog", "all"]},
    {"labels": ["a", "b", "c"], "fill_labels": True, "label_colors": "white"},
])
@pytest.mark.parametrize("dtype", ["uint8", "float32"])
def test_draw_bounding_boxes(kwargs, dtype):
    image = chw(RGB, dtype)
    ours = GU.draw_bounding_boxes(gt.tensor(image), gt.tensor(BOXES), **kwargs)
    theirs = TU.draw_bounding_boxes(torch.tensor(image), torch.tensor(BOXES), **kwargs)
    assert_same_image(ours, theirs, atol=1e-6 if dtype == "float32" else 0)


def test_draw_bounding_boxes_grey_and_errors():
    grey = chw(RGB)[:1].copy()
    assert_same_image(GU.draw_bounding_boxes(gt.tensor(grey), gt.tensor(BOXES[:1])),
                      TU.draw_bounding_boxes(torch.tensor(grey), torch.tensor(BOXES[:1])))
    bad_calls = [
        lambda lib: (lib.zeros(3, 4, 4, dtype=lib.int32), lib.tensor([[0.0, 0, 1, 1]])),
        lambda lib: (lib.zeros(1, 3, 4, 4, dtype=lib.uint8), lib.tensor([[0.0, 0, 1, 1]])),
        lambda lib: (lib.zeros(2, 4, 4, dtype=lib.uint8), lib.tensor([[0.0, 0, 1, 1]])),
        lambda lib: (lib.zeros(3, 4, 4, dtype=lib.uint8), lib.tensor([[3.0, 0, 1, 1]])),
    ]
    for make in bad_calls:
        with pytest.raises(ValueError) as theirs:
            TU.draw_bounding_boxes(*make(torch))
        with pytest.raises(ValueError) as ours:
            GU.draw_bounding_boxes(*make(gt))
        assert str(ours.value) == str(theirs.value)
    with pytest.raises(ValueError, match="labels"):
        GU.draw_bounding_boxes(gt.zeros(3, 4, 4, dtype=gt.uint8), gt.tensor([[0.0, 0, 1, 1]]),
                               labels=["a", "b"])
    with pytest.warns(UserWarning, match="No box"):
        empty = GU.draw_bounding_boxes(gt.zeros(3, 4, 4, dtype=gt.uint8), gt.zeros(0, 4))
    assert tuple(empty.shape) == (3, 4, 4)


# ---------------------------------------------------------------------------------------------
# io
# ---------------------------------------------------------------------------------------------
def _png(tmp_path, pixels, mode=None, name="img.png", **save):
    path = tmp_path / name
    image = Image.fromarray(pixels)
    if mode is not None:
        image = image.convert(mode)
    image.save(path, **save)
    return path


def test_read_image_png_modes(tmp_path):
    rgba = np.dstack([RGB, RGB[..., 0]])
    cases = [(RGB, None, RGB), (RGB[..., 0].copy(), None, RGB[..., 0, None]), (rgba, None, rgba)]
    for pixels, mode, expected in cases:
        path = _png(tmp_path, pixels, mode)
        out = GIO.read_image(str(path))
        assert out.dtype == gt.uint8
        np.testing.assert_array_equal(out.numpy(), expected.transpose(2, 0, 1))
    path = _png(tmp_path, rgba)
    for mode, pil_mode in (("RGB", "RGB"), (GIO.ImageReadMode.GRAY, "L"),
                           (GIO.ImageReadMode.GRAY_ALPHA, "LA"), ("RGBA", "RGBA")):
        expected = np.asarray(Image.open(path).convert(pil_mode))
        expected = expected[..., None] if expected.ndim == 2 else expected
        np.testing.assert_array_equal(GIO.read_image(str(path), mode).numpy(),
                                      expected.transpose(2, 0, 1))


def test_palette_and_one_bit_pngs_are_expanded(tmp_path):
    palette = _png(tmp_path, RGB, "P", name="p.png")
    np.testing.assert_array_equal(GIO.read_image(str(palette)).numpy(),
                                  np.asarray(Image.open(palette).convert("RGB"))
                                  .transpose(2, 0, 1))
    bits = _png(tmp_path, RGB[..., 0].copy(), "1", name="b.png")
    out = GIO.read_image(str(bits)).numpy()
    assert out.shape == (1, 37, 53) and set(np.unique(out)) <= {0, 255}


def test_decode_jpeg_and_round_trips(tmp_path):
    buffer = io.BytesIO()
    Image.fromarray(RGB).save(buffer, format="JPEG", quality=90)
    data = gt.tensor(np.frombuffer(buffer.getvalue(), np.uint8).copy())
    expected = np.asarray(Image.open(io.BytesIO(buffer.getvalue()))).transpose(2, 0, 1)
    for decode in (GIO.decode_image, GIO.decode_jpeg):
        np.testing.assert_array_equal(decode(data).numpy(), expected)
    image = gt.tensor(chw(RGB))
    png = GIO.encode_png(image, compression_level=9)
    assert png.dtype == gt.uint8 and png.ndim == 1
    np.testing.assert_array_equal(GIO.decode_png(png).numpy(), chw(RGB))
    jpeg = GIO.encode_jpeg(image, quality=95)
    reference = io.BytesIO()   # the same photo through libjpeg at the same quality
    Image.fromarray(RGB).save(reference, format="JPEG", quality=95)
    np.testing.assert_array_equal(
        GIO.decode_image(jpeg).numpy(),
        np.asarray(Image.open(io.BytesIO(reference.getvalue()))).transpose(2, 0, 1))
    GIO.write_png(image, str(tmp_path / "w.png"))
    np.testing.assert_array_equal(np.asarray(Image.open(tmp_path / "w.png")), RGB)
    GIO.write_jpeg(image, str(tmp_path / "w.jpg"))
    assert Image.open(tmp_path / "w.jpg").format == "JPEG"
    GIO.write_file(str(tmp_path / "raw.bin"), png)
    np.testing.assert_array_equal(GIO.read_file(str(tmp_path / "raw.bin")).numpy(), png.numpy())


def test_io_errors(tmp_path):
    with pytest.raises(RuntimeError, match="could not decode"):
        GIO.decode_image(gt.tensor(np.frombuffer(b"not an image at all", np.uint8).copy()))
    sixteen = tmp_path / "16.png"
    Image.fromarray((np.arange(20, dtype=np.uint16) * 3000).reshape(4, 5)).save(sixteen)
    with pytest.raises(RuntimeError, match="I;16"):
        GIO.read_image(str(sixteen))
    assert GIO.read_image(str(sixteen), "GRAY").shape == (1, 4, 5)
    with pytest.raises(RuntimeError, match="uint8"):
        GIO.encode_png(gt.zeros(3, 4, 4))
    with pytest.raises(RuntimeError, match="1-d uint8"):
        GIO.decode_image(gt.zeros(3, 4, dtype=gt.uint8))
    with pytest.raises(ValueError):
        GIO.encode_jpeg(gt.zeros(3, 4, 4, dtype=gt.uint8), quality=0)
    with pytest.raises(FileNotFoundError):
        GIO.read_image(str(tmp_path / "missing.png"))
