"""Run Python code in a fresh interpreter, as a learner's script runs: tests of the torch alias
cannot run in the test process itself, which has imported the real torch (the oracle)."""
import os
import subprocess
import sys
import textwrap

import glasstorch

SRC = os.path.dirname(os.path.dirname(os.path.abspath(glasstorch.__file__)))


def environment():
    env = dict(os.environ)
    env["PYTHONPATH"] = SRC + os.pathsep + env.get("PYTHONPATH", "")
    env["PYTHONWARNINGS"] = "ignore::DeprecationWarning"
    env.pop("PYTHONSTARTUP", None)
    return env


def python(*args, cwd=None, timeout=300):
    """`python *args` with glasstorch importable; returns the CompletedProcess (text)."""
    return subprocess.run([sys.executable, *args], cwd=cwd, env=environment(), text=True,
                          capture_output=True, timeout=timeout)


def run_code(code, *, alias=False, cwd=None, timeout=300):
    """Run `code` (dedented) as a script, plainly or through `python -m glasstorch`; returns
    its stdout, and fails the test with its stderr if it exits with an error."""
    path = os.path.join(cwd, "_snippet.py") if cwd else None
    if path is None:
        import tempfile
        handle, path = tempfile.mkstemp(suffix=".py")
        os.close(handle)
    with open(path, "w") as file:
        file.write(textwrap.dedent(code))
    try:
        args = ["-m", "glasstorch", path] if alias else [path]
        result = python(*args, cwd=cwd, timeout=timeout)
    finally:
        os.remove(path)
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stderr}"
    return result.stdout
