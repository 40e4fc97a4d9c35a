"""`python -m glasstorch script.py args` runs a PyTorch script as `python script.py args`
would: argv, __name__, sys.path, exit status and tracebacks."""
import pytest

from ._run import python

pytestmark = pytest.mark.slow

SCRIPT = """\
import sys
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 1)

    def forward(self, x):
        return self.fc(x)


def fail(kind):
    if kind == "raise":
        raise ValueError("bad value " + sys.argv[2])
    if kind == "exit":
        sys.exit(int(sys.argv[2]))


if __name__ == "__main__":
    import pickle
    print(sys.argv, sys.path[0].endswith("scripts"), __file__.endswith("train.py"))
    print(type(pickle.loads(pickle.dumps(Net()))).__name__)       # classes of __main__ pickle
    loader = DataLoader(TensorDataset(torch.arange(8.0).view(4, 2)), batch_size=2,
                        num_workers=2)
    print([batch[0].sum().item() for batch in loader])             # worker processes
    fail(sys.argv[1])
"""


@pytest.fixture
def script(tmp_path):
    folder = tmp_path / "scripts"
    folder.mkdir()
    path = folder / "train.py"
    path.write_text(SCRIPT)
    return tmp_path, "scripts/train.py"


def test_runs_a_script_with_its_arguments(script):
    cwd, path = script
    result = python("-m", "glasstorch", path, "ok", "--lr", "0.1", cwd=cwd)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "['scripts/train.py', 'ok', '--lr', '0.1'] True True", "Net", "[6.0, 22.0]"]


def test_traceback_and_exit_status_as_python_gives_them(script):
    cwd, path = script
    ours = python("-m", "glasstorch", path, "raise", "7", cwd=cwd)
    # the same script under python itself, with glasstorch standing in for torch by hand
    plain = (cwd / "scripts" / "train.py")
    plain.write_text(SCRIPT.replace("import torch\n", "import glasstorch as torch\n")
                     .replace("import torch.nn as nn\n", "import glasstorch.nn as nn\n")
                     .replace("from torch.utils", "from glasstorch.utils"))
    theirs = python(path, "raise", "7", cwd=cwd)
    assert ours.returncode == theirs.returncode == 1
    assert ours.stderr.startswith("Traceback (most recent call last):\n  File \"")
    assert ours.stderr.splitlines()[-1] == "ValueError: bad value 7"
    assert "runpy" not in ours.stderr and "glasstorch/compat" not in ours.stderr
    # frame for frame the same traceback (the import lines differ, the frames do not)
    assert ours.stderr == theirs.stderr


def test_sys_exit_status_passes_through(script):
    cwd, path = script
    assert python("-m", "glasstorch", path, "exit", "3", cwd=cwd).returncode == 3


def test_syntax_errors_missing_files_and_usage(tmp_path):
    (tmp_path / "broken.py").write_text("x = (\n")
    ours = python("-m", "glasstorch", "broken.py", cwd=tmp_path)
    theirs = python("broken.py", cwd=tmp_path)
    assert ours.returncode == theirs.returncode == 1
    assert ours.stderr == theirs.stderr
    missing = python("-m", "glasstorch", "nope.py", cwd=tmp_path)
    assert missing.returncode == 2 and "can't open file" in missing.stderr
    usage = python("-m", "glasstorch", cwd=tmp_path)
    assert usage.returncode == 2 and usage.stderr.startswith("usage: python -m glasstorch")


def test_runs_a_module_with_dash_m(tmp_path):
    package = tmp_path / "course"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "lesson.py").write_text(
        "import sys, torch\nprint(__name__, sys.argv[1:], torch.__name__)\n")
    result = python("-m", "glasstorch", "-m", "course.lesson", "a", "b", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "__main__ ['a', 'b'] glasstorch\n"
