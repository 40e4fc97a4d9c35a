"""`%load_ext glasstorch` in a real IPython shell makes `import torch` give glasstorch."""
import pytest

from ._run import run_code

pytestmark = pytest.mark.slow


def test_load_ext_in_an_interactive_shell():
    out = run_code("""
        from IPython.core.interactiveshell import InteractiveShell
        shell = InteractiveShell.instance()
        shell.run_line_magic("load_ext", "glasstorch")
        result = shell.run_cell(
            "import torch\\n"
            "import torch.nn.functional as F\\n"
            "x = torch.tensor([[1.0, -2.0]], requires_grad=True)\\n"
            "y = F.relu(x).sum()\\n"
            "y.backward()\\n")
        result.raise_error()
        import glasstorch
        ns = shell.user_ns
        print(ns["torch"] is glasstorch, ns["F"] is glasstorch.nn.functional,
              ns["x"].grad.tolist())
        print("glasstorch" in shell.extension_manager.loaded)
    """)
    assert out.splitlines() == ["True True [[1.0, 0.0]]", "True"]


def test_load_ext_refuses_after_a_real_torch():
    out = run_code("""
        from IPython.core.interactiveshell import InteractiveShell
        shell = InteractiveShell.instance()
        shell.run_cell("import torch")
        try:
            shell.run_line_magic("load_ext", "glasstorch")
        except ImportError as err:
            print("refused:", str(err)[:70])
    """)
    assert out.strip() == ("refused: cannot install the glasstorch torch alias: the real 'torch' "
                           "is already")
