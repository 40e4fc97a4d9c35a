"""The torch alias: `import torch` (and `torchvision`, `from d2l import torch as d2l`) give
glasstorch's own modules.

A finder at the front of `sys.meta_path` answers for the names `torch`, `torchvision` and `d2l`
and every dotted name under them. Each PyTorch module path maps to one glasstorch module path:
`torch.X.Y` -> `glasstorch.X.Y`, except for the prefixes in `RENAMED`. The loader imports the
glasstorch module and hands back that same module object, so `torch.nn is glasstorch.nn` and a
class has one identity whichever name imported it. Targets are looked up only when imported, so
a mapping to a package that does not exist yet (`glasstorch.d2l`) is an ordinary
ModuleNotFoundError naming both paths.
"""
import importlib
import importlib.abc
import importlib.machinery
import sys
import types

# PyTorch module paths whose glasstorch home has another name (the longest prefix wins);
# every other `torch.X` is `glasstorch.X`, which follows PyTorch's layout.
RENAMED = {
    "torch": "glasstorch",
    "torchvision": "glasstorch.vision",
    "d2l.torch": "glasstorch.d2l",
}

# `from d2l import torch` first imports the package `d2l`: under the alias it is a module made
# here, holding nothing but its `torch` submodule.
D2L_PACKAGE = "d2l"


class TorchAliasFinder(importlib.abc.MetaPathFinder):
    """Finds `torch...`, `torchvision...` (and `d2l`, `d2l.torch` when `d2l` is True)."""

    def __init__(self, d2l=True):
        self.d2l = d2l

    def claims(self, fullname):
        top = fullname.partition(".")[0]
        return top in ("torch", "torchvision") or (self.d2l and top == D2L_PACKAGE)

    def find_spec(self, fullname, path=None, target=None):
        if not self.claims(fullname):
            return None
        if fullname == D2L_PACKAGE:
            return importlib.machinery.ModuleSpec(fullname, _D2LPackageLoader(),
                                                  is_package=True)
        target = glasstorch_name(fullname)
        if target is None:      # d2l.mxnet …: not ours, and not found
            return None
        return importlib.machinery.ModuleSpec(fullname, _AliasLoader(target))


def glasstorch_name(torch_name):
    """The glasstorch module path that PyTorch's module path `torch_name` resolves to, or
    None if the alias maps nothing to it."""
    parts = torch_name.split(".")
    for cut in range(len(parts), 0, -1):
        prefix = ".".join(parts[:cut])
        if prefix in RENAMED:
            return ".".join([RENAMED[prefix]] + parts[cut:])
    return None


class _AliasLoader(importlib.abc.Loader):
    """Loads an aliased name by importing its glasstorch module and returning it unchanged."""

    def __init__(self, target):
        self.target = target

    def create_module(self, spec):
        try:
            module = importlib.import_module(self.target)
        except ModuleNotFoundError as err:
            if err.name is None or not (self.target + ".").startswith(err.name + "."):
                raise      # the module exists but something it imports does not
            raise ModuleNotFoundError(f"No module named '{spec.name}': the torch alias maps it "
                                      f"to '{self.target}', which glasstorch does not have",
                                      name=spec.name) from None
        # the import system stamps the alias's spec on the module; keep the module's own
        self.own_spec = module.__spec__
        return module

    def exec_module(self, module):
        module.__spec__ = self.own_spec      # already executed under its glasstorch name


class _D2LPackageLoader(importlib.abc.Loader):
    """Makes the package `d2l` whose only submodule, `d2l.torch`, is glasstorch.d2l."""

    def create_module(self, spec):
        module = types.ModuleType(D2L_PACKAGE, "d2l under the glasstorch torch alias: "
                                               "`from d2l import torch as d2l` is glasstorch.d2l")
        module.__path__ = []
        return module

    def exec_module(self, module):
        pass


_finder = None


def install(d2l=True):
    """Put the alias finder first on sys.meta_path (once). Refuses if a real PyTorch,
    torchvision or d2l is already imported: two libraries cannot share one name."""
    global _finder
    if _finder is not None:
        if _finder.d2l != d2l:
            raise RuntimeError(f"the torch alias is already installed with d2l={_finder.d2l}")
        return
    finder = TorchAliasFinder(d2l)
    clashes = sorted(name for name, module in sys.modules.items()
                     if finder.claims(name) and not _is_alias_of_glasstorch(name, module))
    if clashes:
        raise ImportError(_clash_message(clashes))
    sys.meta_path.insert(0, finder)
    _finder = finder


def uninstall():
    """Remove the finder and forget the aliased names (the glasstorch modules stay loaded)."""
    global _finder
    if _finder is None:
        return
    sys.meta_path.remove(_finder)
    for name in [name for name in sys.modules if _finder.claims(name)]:
        del sys.modules[name]
    _finder = None


def is_installed():
    return _finder is not None


def _is_alias_of_glasstorch(name, module):
    owner = getattr(module, "__name__", "")
    if name == D2L_PACKAGE:
        loader = getattr(getattr(module, "__spec__", None), "loader", None)
        return isinstance(loader, _D2LPackageLoader)
    return owner == "glasstorch" or owner.startswith("glasstorch.")


def _clash_message(names):
    top = names[0].partition(".")[0]
    module = sys.modules.get(top)
    where = getattr(module, "__file__", None) or "an unknown location"
    return (f"cannot install the glasstorch torch alias: the real '{top}' is already imported "
            f"in this process (from {where}; modules: {', '.join(names[:5])}"
            f"{' ...' if len(names) > 5 else ''}). Install the alias before anything imports "
            f"{top}: run the script with `python -m glasstorch script.py`, or call "
            f"glasstorch.compat.install_torch_alias() first thing.")
