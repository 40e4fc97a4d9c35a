"""torch.jit as libraries probe it. glasstorch has no TorchScript compiler: code always runs
eagerly, so `is_scripting()` and `is_tracing()` are False, the decorators that mark methods for
the compiler return them unchanged, and `script` / `trace` raise rather than pretend."""
from .nn import Module


def is_scripting():
    """False: glasstorch never compiles code (the eager path of `if not is_scripting()` runs)."""
    return False


def is_tracing():
    """False: glasstorch never traces code."""
    return False


class ScriptModule(Module):
    """The class of compiled modules in PyTorch. Nothing here is one, so
    `isinstance(model, torch.jit.ScriptModule)` is False for every glasstorch model."""


class RecursiveScriptModule(ScriptModule):
    """The class of `torch.jit.script(module)` results in PyTorch; never created here."""


class ScriptFunction:
    """The class of compiled functions in PyTorch; never created here."""


class TracerWarning(Warning):
    """The warning category tracing emits in PyTorch (libraries filter it by name)."""


def unused(fn):
    """Marks code the compiler should skip: eagerly it is just `fn`."""
    return fn


def ignore(drop=False, **kwargs):
    """`@ignore` or `@ignore(drop=True)`: leave a function to Python; eagerly a no-op."""
    if callable(drop):
        return drop
    return lambda fn: fn


def export(fn):
    """Marks a method for compilation; eagerly a no-op."""
    return fn


def annotate(the_type, the_value):
    """A type hint for the compiler; returns `the_value` unchanged."""
    return the_value


def _no_compiler(name):
    return RuntimeError(f"torch.jit.{name}: glasstorch has no TorchScript compiler; run the "
                        f"model eagerly (call it directly) instead")


def script(obj, optimize=None, _frames_up=0, _rcb=None, example_inputs=None):
    """Not available: glasstorch cannot compile to TorchScript."""
    raise _no_compiler("script")


def trace(func, example_inputs=None, *args, **kwargs):
    """Not available: glasstorch cannot trace to TorchScript."""
    raise _no_compiler("trace")


def save(m, f, _extra_files=None):
    raise _no_compiler("save")


def load(f, map_location=None, _extra_files=None, _restore_shapes=False):
    raise _no_compiler("load")
