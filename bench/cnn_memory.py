"""Peak resident memory of one CIFAR ResNet-18 training step (batch 64, 3x32x32, SGD with
momentum and weight decay) under PyTorch and under glasstorch, each in a fresh subprocess
(resource.getrusage's ru_maxrss), and their ratio. The baseline (imports, model, data, one
warm-up step) is included on both sides, as a user would see it.

    python bench/cnn_memory.py          # prints both peaks and the ratio (target <= 1.5)
"""
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

CHILD = r"""
import os, resource, sys
sys.path.insert(0, {here!r})
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import numpy as np
import cnn_models as cnn
lib_name = sys.argv[1]
if lib_name == "torch":
    import torch as lib
    lib.set_num_threads(1)
else:
    import glasstorch as lib
model = cnn._same_weights(lib, cnn.resnet18_cifar(lib))
opt = cnn.sgd_momentum_wd(lib, model.parameters())
x = lib.tensor(cnn._images((64, 3, 32, 32)))
y = lib.tensor(cnn._labels(64))
for _ in range(2):
    opt.zero_grad()
    loss = lib.nn.functional.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def peak_mb(lib_name):
    env = dict(os.environ)
    src = os.path.join(os.path.dirname(HERE), "src")
    env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    out = subprocess.run([sys.executable, "-c", CHILD.format(here=HERE), lib_name], env=env,
                         capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def main():
    torch_mb = peak_mb("torch")
    ours_mb = peak_mb("glasstorch")
    ratio = ours_mb / torch_mb
    print(f"{'ResNet-18 train step peak RSS, batch 64':<56} torch {torch_mb:7.0f} MB  glasstorch "
          f"{ours_mb:7.0f} MB  ratio {ratio:5.2f} (target <= 1.5)"
          f"{'  ok' if ratio <= 1.5 else '  OVER 1.5'}", flush=True)


if __name__ == "__main__":
    main()
