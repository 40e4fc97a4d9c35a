"""Shared by the d2l tests: Fashion-MNIST files in the real IDX format, the real `d2l` package
(pip's d2l 1.0.3, installed without its pinned dependencies) and scripts run three ways.

The real d2l/torch.py imports pandas and requests at the top but uses them only in chapters
this suite does not reach (a CSV reader of chapter 14, its download function). When they are
not installed, the runs that import the real package get stand-in modules of those two names
whose functions raise ImportError when called; everything the tested chapters call is the
real package's own code.
"""
import importlib.util
import os
import re
import subprocess
import sys
import textwrap

import numpy as np

from tests.vision.formats import write_idx

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPTS = os.path.join(HERE, "scripts")
SRC = os.path.join(os.path.dirname(os.path.dirname(HERE)), "src")

REAL_D2L = importlib.util.find_spec("d2l") is not None
NO_REAL_D2L = ("the real d2l package is not installed (pip install --no-deps d2l==1.0.3; "
               "`make test` does this)")

_STUB = '''"""Stand-in for {name}, which the real d2l package imports but the tested chapters
never call (see tests/d2l/helpers.py)."""


def __getattr__(attr):
    def missing(*args, **kwargs):
        raise ImportError("{name} is not installed: only a stand-in for the d2l tests is")
    return missing
'''


def write_fashion_mnist(root, n_train=1000, n_test=200, seed=0):
    """root/FashionMNIST/raw/{train,t10k}-{images-idx3,labels-idx1}-ubyte: 28x28 uint8
    images, each a fixed random prototype of its class blended with noise, so that a small
    model learns to tell the classes apart. Returns {split: (images, labels)}."""
    raw = os.path.join(root, "FashionMNIST", "raw")
    os.makedirs(raw, exist_ok=True)
    prototypes = np.random.default_rng(99).random((10, 28, 28))
    arrays = {}
    for split, n, split_seed in (("train", n_train, seed), ("t10k", n_test, seed + 1)):
        rng = np.random.default_rng(split_seed)
        labels = rng.integers(0, 10, n).astype(np.uint8)
        images = 0.7 * prototypes[labels] + 0.3 * rng.random((n, 28, 28))
        images = (images * 255).astype(np.uint8)
        write_idx(os.path.join(raw, f"{split}-images-idx3-ubyte"), images)
        write_idx(os.path.join(raw, f"{split}-labels-idx1-ubyte"), labels)
        arrays[split] = (images, labels)
    return arrays


def stub_dir(tmp):
    """A folder holding stand-ins for whichever of pandas and requests is not installed."""
    path = os.path.join(tmp, "stubs")
    os.makedirs(path, exist_ok=True)
    for name in ("pandas", "requests"):
        if importlib.util.find_spec(name) is None:
            with open(os.path.join(path, name + ".py"), "w") as f:
                f.write(_STUB.format(name=name))
    return path


def import_real_d2l(tmp):
    """The real d2l.torch module, imported in this process (on the real torch), with the
    stand-ins in place only while it imports."""
    stubs = stub_dir(tmp)
    added = [name for name in ("pandas", "requests") if name not in sys.modules
             and importlib.util.find_spec(name) is None]
    sys.path.insert(0, stubs)
    try:
        from d2l import torch as real_d2l
    finally:
        sys.path.remove(stubs)
        for name in added:
            sys.modules.pop(name, None)
    return real_d2l


# how a script is run: (label, argv prefix before the script path, uses the real d2l)
_RUN_SCRIPT = "sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')"
# Outside a notebook the real d2l's IPython display calls only print a figure's repr, after
# rendering it as SVG at every board update (most of the real package's run time here): they
# are made no-ops, which changes nothing the tests compare.
_QUIET_DISPLAY = ("import IPython.display as _display;"
                  " _display.display = _display.clear_output = lambda *a, **k: None;")
_ALIAS_REAL_D2L = ("import sys, runpy, glasstorch.compat as c; c.install_torch_alias(d2l=False);"
                   + _QUIET_DISPLAY + _RUN_SCRIPT)
# the installed torchvision needs two op schemas defined before it imports (see
# tests/oracle/torchvision_import.py)
_TORCH_REAL_D2L = ("import sys, runpy; from tests.oracle.torchvision_import import torchvision;"
                   " torchvision();" + _QUIET_DISPLAY + _RUN_SCRIPT)
WAYS = {
    "torch+d2l": (["-c", _TORCH_REAL_D2L], True),
    "glasstorch+d2l": (["-c", _ALIAS_REAL_D2L], True),
    "glasstorch+glasstorch.d2l": (["-m", "glasstorch"], False),
}


def run_script(name, way, workdir, tmp, timeout=600):
    """Run tests/d2l/scripts/<name> in `workdir` the given way; returns (stdout, stderr).
    Plots are written headless into tmp/plots-<way>."""
    prefix, real = WAYS[way]
    env = dict(os.environ)
    paths = [SRC, os.path.dirname(SRC)] + ([stub_dir(tmp)] if real else [])
    env["PYTHONPATH"] = os.pathsep.join(paths + [env.get("PYTHONPATH", "")])
    env["MPLBACKEND"] = "Agg"
    env["GLASSTORCH_PLOT_DIR"] = os.path.join(tmp, "plots-" + way)
    env["PYTHONWARNINGS"] = "ignore"
    env.pop("DISPLAY", None)
    result = subprocess.run([sys.executable, *prefix, os.path.join(SCRIPTS, name)],
                            cwd=workdir, env=env, text=True, capture_output=True,
                            timeout=timeout)
    assert result.returncode == 0, f"{name} ({way}) exited {result.returncode}:\n" \
                                   f"{result.stdout[-2000:]}\n{result.stderr[-4000:]}"
    return result.stdout, result.stderr


_JUNK = re.compile(r"^(<Figure size .*>|Figure\(\d+x\d+\))$")


def printed_lines(stdout):
    """The lines a script printed, without what the real d2l's IPython display calls print
    outside a notebook (figure reprs and clear-output escapes)."""
    lines = []
    for line in stdout.replace("\x1b[2K", "").replace("\r", "\n").split("\n"):
        line = line.rstrip()
        if line and not _JUNK.match(line):
            lines.append(line)
    return lines


def compare_printed(ours, theirs, tolerances):
    """Lines 'KEY: value' whose KEY is in `tolerances` are compared as numbers within that
    absolute tolerance; every other line must be identical."""
    assert len(ours) == len(theirs), \
        "different line counts:\n" + "\n".join(ours) + "\n--- torch ---\n" + "\n".join(theirs)
    for mine, oracle in zip(ours, theirs):
        key = oracle.split(":")[0]
        if key in tolerances:
            assert mine.split(":")[0] == key, f"{mine!r} != {oracle!r}"
            a = float(mine.split(":", 1)[1])
            b = float(oracle.split(":", 1)[1])
            assert abs(a - b) <= tolerances[key], f"{key}: {a} vs torch {b} " \
                                                  f"(tolerance {tolerances[key]})"
        else:
            assert mine == oracle, f"{mine!r} != torch {oracle!r}"


def dedent(code):
    return textwrap.dedent(code)
