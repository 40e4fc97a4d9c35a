"""Run every benchmark: glasstorch/PyTorch median-time ratios, one line per workload."""
import os
import runpy
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import common  # noqa: E402,F401

print(f"threads: {common.THREADS} (torch.set_num_threads and BLAS) -- ratio = glasstorch / torch")
for name in ("core", "nn_train", "softmax_ce", "pool", "cnn", "cnn_memory", "transformer", "rnn",
             "reduce", "dataloader"):
    path = os.path.join(HERE, name + ".py")
    if os.path.exists(path):
        runpy.run_path(path, run_name="__main__")
