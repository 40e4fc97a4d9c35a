"""The course's torchvision pipeline end to end: ImageFolder + Compose + DataLoader with worker
processes, against the same pipeline in torchvision + PyTorch."""
import os

import numpy as np
import pytest
import torch

import glasstorch as gt
import glasstorch.vision.datasets as GD
import glasstorch.vision.transforms as GT
from glasstorch.utils.data import DataLoader
from tests.vision import formats
from tests.vision.helpers import tv

TD, TT = tv.datasets, tv.transforms

LAYOUT = {f"{c}/{i}.{'png' if i % 2 else 'jpg'}": 10 * k + i
          for k, c in enumerate(["ants", "bees", "cats"]) for i in range(5)}


def pipeline(T):
    return T.Compose([T.Resize(20), T.CenterCrop(16), T.ToTensor(),
                      T.Normalize((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))])


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_image_folder_compose_dataloader_with_workers(tmp_path):
    formats.write_image_folder(str(tmp_path), LAYOUT, size=(30, 24))
    ours = GD.ImageFolder(str(tmp_path), transform=pipeline(GT))
    theirs = TD.ImageFolder(str(tmp_path), transform=pipeline(TT))
    batches = list(DataLoader(ours, batch_size=4, num_workers=2))
    reference = list(torch.utils.data.DataLoader(theirs, batch_size=4))
    in_process = list(DataLoader(ours, batch_size=4, num_workers=0))
    assert len(batches) == len(reference) == 4
    for (x, y), (x_ref, y_ref), (x0, y0) in zip(batches, reference, in_process):
        assert x.dtype == gt.float32 and tuple(x.shape) == tuple(x_ref.shape)
        np.testing.assert_allclose(x.numpy(), x_ref.numpy(), rtol=1e-5, atol=1e-5)
        np.testing.assert_array_equal(y.numpy(), y_ref.numpy())
        np.testing.assert_array_equal(x.numpy(), x0.numpy())
    assert ours.classes == ["ants", "bees", "cats"]


def test_mnist_style_training_step(tmp_path):
    """A model trains on MNIST-format files through the usual loader code."""
    formats.write_mnist(str(tmp_path))
    data = GD.MNIST(str(tmp_path), transform=GT.Compose([GT.ToTensor(),
                                                         GT.Normalize((0.1307,), (0.3081,))]))
    loader = DataLoader(data, batch_size=8, shuffle=True)
    model = gt.nn.Sequential(gt.nn.Flatten(), gt.nn.Linear(784, 10))
    optimizer = gt.optim.SGD(model.parameters(), lr=0.01)

    def full_loss():
        with gt.no_grad():
            x, y = next(iter(DataLoader(data, batch_size=len(data))))
            return gt.nn.functional.cross_entropy(model(x), y).item()
    before = full_loss()
    for _ in range(5):
        for x, y in loader:
            loss = gt.nn.functional.cross_entropy(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    assert full_loss() < 0.5 * before
