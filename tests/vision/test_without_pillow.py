"""Pillow is optional: in a Python where `import PIL` fails, glasstorch and glasstorch.vision
import, tensor transforms and tensor datasets work, and the first use of anything that needs
Pillow raises an ImportError saying so and how to install it."""
import os
import subprocess
import sys
import textwrap

import glasstorch

SCRIPT = textwrap.dedent("""
    import importlib.abc, sys

    class NoPillow(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name == "PIL" or name.startswith("PIL."):
                raise ImportError(f"No module named {name!r} (blocked by the test)")
            return None

    sys.meta_path.insert(0, NoPillow())
    import numpy as np
    import glasstorch as torch
    import glasstorch.vision
    import glasstorch.vision.transforms as T
    from glasstorch.vision import datasets, utils, io

    img = torch.rand(3, 20, 24)
    pipeline = T.Compose([T.RandomCrop(16, padding=2), T.RandomHorizontalFlip(),
                          T.Resize(12), T.ColorJitter(0.2, 0.2, 0.2, 0.05),
                          T.GaussianBlur(3), T.Normalize((0.5,) * 3, (0.5,) * 3),
                          T.RandomErasing()])
    assert tuple(pipeline(img).shape) == (3, 12, 12)
    assert tuple(T.ToTensor()(np.zeros((4, 5, 3), np.uint8)).shape) == (3, 4, 5)
    assert tuple(utils.make_grid(torch.rand(4, 3, 5, 5)).shape) == (3, 9, 30)
    assert "PIL" not in sys.modules

    for what, call in [("ToPILImage", lambda: T.ToPILImage()(img)),
                       ("FakeData", lambda: datasets.FakeData(size=1)[0]),
                       ("read_image", lambda: io.decode_image(torch.zeros(4, dtype=torch.uint8))),
                       ("save_image", lambda: utils.save_image(img, "x.png"))]:
        try:
            call()
        except ImportError as error:
            assert "Pillow" in str(error) and "pip install" in str(error), (what, error)
        else:
            raise AssertionError(f"{what} worked without Pillow")
    print("ok")
""")


def test_vision_without_pillow(tmp_path):
    src = os.path.dirname(os.path.dirname(glasstorch.__file__))
    env = {**os.environ, "PYTHONPATH": src}
    result = subprocess.run([sys.executable, "-c", SCRIPT], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
