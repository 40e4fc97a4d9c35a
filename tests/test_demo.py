"""The demos run end to end: the README's `make demo` must keep working."""
import os

import numpy as np
import pytest
import torch

import glasstorch as gt
from glasstorch.demo import linear_regression


def test_linear_regression_from_scratch_recovers_w_and_b(capsys):
    w, b = linear_regression.main(epochs=3)
    np.testing.assert_allclose(w.detach().numpy().ravel(), [2.0, -3.4], atol=0.01)
    assert abs(b.item() - 4.2) < 0.01
    assert "learned w" in capsys.readouterr().out


def test_digits_dnn_reaches_the_bar_and_torch_loads_its_checkpoint(tmp_path):
    pytest.importorskip("sklearn")
    pytest.importorskip("matplotlib")
    pytest.importorskip("tqdm")
    from glasstorch.demo import digits_dnn
    accuracy = digits_dnn.main(out_dir=str(tmp_path))
    assert accuracy >= 0.95
    assert os.path.getsize(tmp_path / "digits_dnn_curves.png") > 1000
    checkpoint = torch.load(tmp_path / "digits_dnn.pt", weights_only=True)
    ours = gt.load(tmp_path / "digits_dnn.pt")
    assert list(checkpoint["model"]) == list(ours["model"])
    for key, value in checkpoint["model"].items():
        np.testing.assert_array_equal(value.numpy(), ours["model"][key].numpy())
    assert checkpoint["optimizer"]["param_groups"][0]["lr"] == pytest.approx(5e-4)


def test_digits_cnn_reaches_98_percent(capsys):
    pytest.importorskip("sklearn")
    from glasstorch.demo import digits_cnn
    accuracy = digits_cnn.main(epochs=4)
    assert accuracy >= 0.98
    out = capsys.readouterr().out
    assert "Conv2d(1, 32, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))" in out
    assert "test accuracy" in out
