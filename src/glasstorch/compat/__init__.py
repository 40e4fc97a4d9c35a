"""Running PyTorch code unchanged on glasstorch.

`install_torch_alias()` makes `import torch`, `import torchvision` and `from d2l import torch as
d2l` (and every submodule under them) resolve to glasstorch, glasstorch.vision and
glasstorch.d2l. Nothing installs it implicitly: importing glasstorch never does. Three ways in:

    python -m glasstorch train.py --epochs 3     # a script, unchanged
    %load_ext glasstorch                          # a notebook (IPython / Jupyter)
    import glasstorch.compat; glasstorch.compat.install_torch_alias()   # by hand, first thing

What the alias covers and what it does not is listed in README.md ("PyTorch code unchanged").
"""
from . import alias


def install_torch_alias(d2l=True):
    """Make `torch`, `torchvision` (and, with `d2l=True`, `d2l` / `d2l.torch`) import as
    glasstorch modules in this process. Idempotent. Raises ImportError if a real torch,
    torchvision or d2l is already imported. `d2l=False` leaves the name `d2l` alone, so an
    installed d2l package (whose d2l/torch.py does `import torch`) runs on glasstorch instead."""
    alias.install(d2l=d2l)


def uninstall_torch_alias():
    """Undo install_torch_alias: the names torch/torchvision/d2l are free again (modules that
    already hold a reference to glasstorch keep it)."""
    alias.uninstall()


def is_torch_alias_installed():
    return alias.is_installed()


def load_ipython_extension(ipython):
    """`%load_ext glasstorch`: install the alias in the running kernel. Cells that run after it
    can `import torch`."""
    install_torch_alias()
