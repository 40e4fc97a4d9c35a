"""The torch alias: `import torch` (its submodules, torchvision, d2l) gives glasstorch's own
module objects; never installed implicitly; refuses to shadow a real torch."""
import importlib.util
import os

import pytest

from ._run import python, run_code

pytestmark = pytest.mark.slow   # each test starts interpreters


def test_torch_and_its_submodules_are_glasstorch_modules():
    out = run_code("""
        import glasstorch
        from glasstorch.compat import install_torch_alias
        install_torch_alias()
        import torch
        import torch.nn as nn
        import torch.nn.functional as F
        import torch.optim.lr_scheduler
        import torch.autograd.variable
        from torch.utils.data import DataLoader, TensorDataset
        from torch import optim
        import glasstorch.nn.functional, glasstorch.optim.lr_scheduler
        import glasstorch.utils.data
        checks = [torch is glasstorch, nn is glasstorch.nn, F is glasstorch.nn.functional,
                  torch.optim.lr_scheduler is glasstorch.optim.lr_scheduler,
                  optim is glasstorch.optim, DataLoader is glasstorch.utils.data.DataLoader,
                  TensorDataset is glasstorch.utils.data.TensorDataset,
                  torch.autograd.variable.Variable is glasstorch.autograd.Variable,
                  # the modules keep their own names and specs
                  glasstorch.__spec__.name == "glasstorch", nn.__name__ == "glasstorch.nn",
                  glasstorch.nn.__spec__.name == "glasstorch.nn"]
        print(checks)
        x = torch.tensor([[1.0, 2.0]])
        print(isinstance(x, glasstorch.Tensor), type(nn.Linear(2, 1)(x)).__module__)
    """)
    assert out.splitlines() == ["[" + ", ".join(["True"] * 11) + "]",
                                "True glasstorch._tensor"]


def test_importing_glasstorch_installs_nothing():
    # the venv has the real torch: with no alias, `import torch` must find it
    out = run_code("""
        import sys
        import glasstorch, glasstorch.compat
        print(glasstorch.compat.is_torch_alias_installed(),
              any(type(f).__name__ == "TorchAliasFinder" for f in sys.meta_path))
        import torch
        print(torch is glasstorch, "glasstorch" in torch.__version__)
    """)
    assert out.split() == ["False", "False", "False", "False"]


def test_refuses_to_shadow_an_imported_torch():
    out = run_code("""
        import torch
        from glasstorch.compat import install_torch_alias
        try:
            install_torch_alias()
        except ImportError as err:
            print("ImportError:", err)
        import sys
        print(sys.modules["torch"] is torch, "glasstorch" in torch.__version__)
    """)
    first, second = out.splitlines()
    assert first.startswith("ImportError: cannot install the glasstorch torch alias: the real "
                            "'torch' is already imported")
    assert "python -m glasstorch script.py" in first
    assert second == "True False"


def test_a_missing_submodule_is_a_module_not_found_error_naming_both_paths():
    out = run_code("""
        import torch
        try:
            import torch.no_such_module
        except ModuleNotFoundError as err:
            print(err.name, "|", err)
        try:
            from d2l import mxnet
        except ImportError as err:
            print(type(err).__name__)
    """, alias=True)
    first, second = out.splitlines()
    assert first == ("torch.no_such_module | No module named 'torch.no_such_module': the torch "
                     "alias maps it to 'glasstorch.no_such_module', which glasstorch does not "
                     "have")
    assert second == "ImportError"


def test_an_import_error_inside_a_mapped_module_is_not_masked():
    out = run_code("""
        import sys, types
        broken = types.ModuleType("glasstorch.broken")
        class Finder:
            def find_spec(self, name, path=None, target=None):
                if name == "glasstorch.broken":
                    import importlib.util
                    class Loader:
                        def create_module(self, spec): return None
                        def exec_module(self, module): import not_a_real_package_xyz
                    return importlib.util.spec_from_loader(name, Loader())
        sys.meta_path.append(Finder())
        try:
            import torch.broken
        except ModuleNotFoundError as err:
            print(err.name)
    """, alias=True)
    assert out.strip() == "not_a_real_package_xyz"


def test_torchvision_maps_lazily_to_glasstorch_vision():
    # glasstorch.vision is another issue's package: map whatever exists when imported
    out = run_code("""
        import sys, types
        import torch
        try:
            import torchvision
            print("imported", torchvision.__name__)
        except ModuleNotFoundError as err:
            print("missing", err.name)
        sys.modules.pop("torchvision", None)
        vision = types.ModuleType("glasstorch.vision"); vision.__path__ = []
        transforms = types.ModuleType("glasstorch.vision.transforms")
        transforms.ToTensor = object
        sys.modules.update({"glasstorch.vision": vision,
                            "glasstorch.vision.transforms": transforms})
        import torchvision.transforms as T
        from torchvision.transforms import ToTensor
        import torchvision
        print(torchvision is vision, T is transforms, ToTensor is object)
    """, alias=True)
    first, second = out.splitlines()
    if importlib.util.find_spec("glasstorch.vision") is None:
        assert first == "missing torchvision"
    else:
        assert first == "imported glasstorch.vision"
    assert second == "True True True"


def test_d2l_torch_maps_lazily_to_glasstorch_d2l():
    out = run_code("""
        import sys, types
        import torch
        fake = types.ModuleType("glasstorch.d2l")
        fake.Trainer = "the trainer"
        try:
            import glasstorch.d2l
        except ModuleNotFoundError:                 # until glasstorch.d2l exists
            sys.modules["glasstorch.d2l"] = fake
        target = sys.modules["glasstorch.d2l"]
        from d2l import torch as toolkit
        import d2l.torch
        print(toolkit is target, d2l.torch is target, sys.modules["d2l.torch"] is target)
    """, alias=True)
    assert out.split() == ["True", "True", "True"]


def test_d2l_false_leaves_an_installed_d2l_package_to_run_on_glasstorch(tmp_path):
    # a stand-in for pip's d2l: its d2l/torch.py imports torch and uses it
    package = tmp_path / "d2l"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "torch.py").write_text("import torch\nimport torch.nn as nn\n"
                                      "def linreg(X, w, b):\n    return torch.matmul(X, w) + b\n")
    out = run_code("""
        import glasstorch
        from glasstorch.compat import install_torch_alias
        install_torch_alias(d2l=False)
        from d2l import torch as d2l
        print(d2l.torch is glasstorch, d2l.__file__.endswith("torch.py"))
        print(d2l.linreg(glasstorch.ones(2, 3), glasstorch.ones(3), 1.0).tolist())
    """, cwd=tmp_path)
    assert out.splitlines() == ["True True", "[4.0, 4.0]"]


def test_uninstall_frees_the_names():
    out = run_code("""
        import sys
        import glasstorch
        from glasstorch.compat import install_torch_alias, uninstall_torch_alias
        install_torch_alias()
        install_torch_alias()          # idempotent
        import torch.nn
        print(torch is glasstorch)
        uninstall_torch_alias()
        print("torch" in sys.modules, "torch.nn" in sys.modules)
        import torch
        print(torch is glasstorch)
    """)
    assert out.split() == ["True", "False", "False", "False"]


def test_probes_libraries_make():
    out = run_code("""
        import torch, torch.nn as nn
        import torch.backends.cudnn, torch.backends.mps
        print(torch.__version__, torch.__version__ >= "2.0", torch.__version__ >= (2, 13),
              torch.__version__ < (2, 14), "glasstorch" in torch.__version__,
              torch.version.cuda, torch.version.glasstorch)
        print(torch.cuda.is_available(), torch.cuda.device_count(),
              torch.backends.mps.is_available(), torch.backends.mps.is_built(),
              torch.backends.cudnn.is_available(), torch.backends.cudnn.enabled,
              torch.backends.mkldnn.is_available(), torch.backends.cuda.is_built())
        torch.backends.cudnn.deterministic = True
        torch.backends.cudnn.benchmark = False
        device = torch.device("cuda" if torch.cuda.is_available() else
                              "mps" if torch.backends.mps.is_available() else "cpu")
        p = nn.Linear(2, 2).weight
        print(device, torch.is_tensor(p), isinstance(p, torch.Tensor),
              issubclass(nn.Parameter, torch.Tensor), isinstance(p, torch.autograd.Variable),
              torch.is_tensor([1]))
        print(torch.jit.is_scripting(), torch.jit.is_tracing(),
              isinstance(nn.Linear(1, 1), torch.jit.ScriptModule),
              issubclass(torch.jit.ScriptModule, nn.Module),
              isinstance(torch.ones(1, requires_grad=True).sum().grad_fn,
                         torch.autograd.graph.Node))
        @torch.jit.unused
        def f(x):
            return x + 1
        print(f(1), torch.jit.annotate(int, 3), torch.jit.ignore(f) is f)
        try:
            torch.jit.script(nn.Linear(1, 1))
        except RuntimeError as err:
            print(err)
    """, alias=True)
    lines = out.splitlines()
    assert lines[0] == "2.13.0+glasstorch.0.1.0 True True True True None 0.1.0"
    assert lines[1] == "False 0 False False False True False False"
    assert lines[2] == "cpu True True True True False"
    assert lines[3] == "False False False True True"
    assert lines[4] == "2 3 True"
    assert lines[5].startswith("torch.jit.script: glasstorch has no TorchScript compiler")


def test_alias_spellings_of_the_public_entry_points():
    # the README's three ways in: the function, the runner, the IPython extension
    import glasstorch
    import glasstorch.compat
    assert callable(glasstorch.load_ipython_extension)
    assert callable(glasstorch.compat.install_torch_alias)
    result = python("-m", "glasstorch", "--help")
    assert result.returncode == 0 and result.stdout.startswith("usage: python -m glasstorch")
    assert os.path.basename(glasstorch.compat.alias.__file__) == "alias.py"
