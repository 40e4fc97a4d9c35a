"""tools/coverage_report.py runs, finds glasstorch's names and counts the test cases that
mention them, by the heuristic its docstring describes."""
import json
import os
import subprocess
import sys
import textwrap

import glasstorch
import torch

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = os.path.join(REPO, "tools", "coverage_report.py")

# an oracle module (it imports torch): 3 x 2 parametrized cases from a table, one plain test
ORACLE_TESTS = '''
import pytest
import torch

CASES = [
    ("add", lambda t, a: t.add(a, a)),
    ("exp", lambda t, a: t.exp(a)),
]


@pytest.mark.parametrize("name, fn", CASES)
@pytest.mark.parametrize("n", [1, 2, 3])
@pytest.mark.parametrize("mean", [True])  # an argument name is not a mention
def test_table(name, fn, n, mean):
    pass


def test_plain():
    x = None
    x.add(1)
'''

# not an oracle module (no torch, no harness): its mentions do not count
OTHER_TESTS = '''
def test_other():
    y = None
    y.add(2)
    y.exp()
'''


def _run(tmp_path, *args):
    (tmp_path / "test_cov_oracle_sample.py").write_text(textwrap.dedent(ORACLE_TESTS))
    (tmp_path / "test_cov_other_sample.py").write_text(textwrap.dedent(OTHER_TESTS))
    out = subprocess.run([sys.executable, SCRIPT, "--tests", str(tmp_path), *args],
                         capture_output=True, text=True, timeout=120, cwd=REPO)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_json_report_counts_cases(tmp_path):
    report = json.loads(_run(tmp_path, "--json"))
    groups = report["groups"]
    assert report["test_cases"] == 7  # 6 table cases + 1 plain test; the other module skipped
    add = groups["torch"]["names"]["add"]
    assert add == {"present": True, "cases": 4}
    assert groups["tensor"]["names"]["add"] == {"present": True, "cases": 4}
    assert groups["torch"]["names"]["exp"]["cases"] == 3
    assert groups["torch"]["names"]["mean"]["cases"] == 0
    # quantization is not part of glasstorch
    assert hasattr(torch, "quantize_per_tensor") and not hasattr(glasstorch, "quantize_per_tensor")
    assert groups["torch"]["names"]["quantize_per_tensor"]["present"] is False
    assert groups["tensor"]["names"]["q_scale"]["present"] is False
    for key, group in groups.items():
        assert group["total"] == len(group["names"])
        assert group["present"] == sum(row["present"] for row in group["names"].values())
    # functions only: torch.linalg's exception class is not counted
    assert "solve" in groups["linalg"]["names"] and "LinAlgError" not in groups["linalg"]["names"]
    assert "Linear" in groups["nn"]["names"] and "relu" in groups["functional"]["names"]


def test_text_report_lists_names_and_totals(tmp_path):
    text = _run(tmp_path, "--group", "torch")
    lines = text.splitlines()
    add = [line for line in lines if line.split()[-1:] == ["add"]]
    assert add and add[0].split()[:2] == ["yes", "4"]
    assert any(line.split()[-1:] == ["quantize_per_tensor"] and line.split()[0] == "-"
               for line in lines)
    assert any(line.startswith("torch.* functions (torch)") for line in lines)
