"""`python -m glasstorch script.py args`: run a PyTorch script on glasstorch, unchanged.

The alias is installed, then the script runs as `python script.py args` would run it: as module
`__main__`, with `sys.argv == ['script.py', 'args']` and the script's directory first on
`sys.path`. An uncaught exception is reported through `sys.excepthook` with the traceback
starting at the script's own frame (this runner's and runpy's frames are left out) and exit
status 1; `sys.exit(n)` in the script exits with n.
"""
import builtins
import importlib.machinery
import os
import runpy
import sys
import types

from . import install_torch_alias

USAGE = """\
usage: python -m glasstorch script.py [arg ...]
       python -m glasstorch -m module [arg ...]

Runs PyTorch code unchanged on glasstorch: in it, `import torch`, `import torchvision` and
`from d2l import torch as d2l` give glasstorch, glasstorch.vision and glasstorch.d2l."""


def main(argv):
    """Run the script (or `-m module`) named in argv; returns the process exit status."""
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE, file=sys.stdout if argv else sys.stderr)
        return 0 if argv else 2
    if argv[0] == "-m" and len(argv) < 2:
        print("python -m glasstorch: -m needs a module name\n\n" + USAGE, file=sys.stderr)
        return 2
    if argv[0] != "-m" and not os.path.exists(argv[0]):
        print(f"python -m glasstorch: can't open file '{os.path.abspath(argv[0])}': "
              f"[Errno 2] No such file or directory", file=sys.stderr)
        return 2
    install_torch_alias()
    try:
        if argv[0] == "-m":
            sys.argv = argv[1:]
            runpy.run_module(argv[1], run_name="__main__", alter_sys=True)
        else:
            sys.argv = list(argv)
            sys.path[0] = os.path.dirname(os.path.realpath(argv[0]))
            _run_file(os.path.abspath(argv[0]))
    except SystemExit:
        raise
    except BaseException as err:
        tb = _script_frames(err.__traceback__)
        sys.excepthook(type(err), err.with_traceback(tb), tb)
        return 130 if isinstance(err, KeyboardInterrupt) else 1
    return 0


def _run_file(path):
    """Execute the file at `path` as a fresh module __main__, which replaces this runner's in
    sys.modules (pickle finds the classes the script defines there). A directory or zip with
    a __main__.py goes through runpy, as python does for it."""
    if not os.path.isfile(path):
        runpy.run_path(path, run_name="__main__")
        return
    with open(path, "rb") as file:
        code = compile(file.read(), path, "exec")
    main_module = types.ModuleType("__main__")
    main_module.__file__ = path
    main_module.__loader__ = importlib.machinery.SourceFileLoader("__main__", path)
    main_module.__builtins__ = builtins
    sys.modules["__main__"] = main_module
    exec(code, main_module.__dict__)


def _script_frames(tb):
    """The traceback without its leading frames in this runner and in runpy, so that it starts
    where `python script.py` would start it."""
    while tb is not None and tb.tb_frame.f_globals.get("__name__") in (__name__, "runpy"):
        tb = tb.tb_next
    return tb
