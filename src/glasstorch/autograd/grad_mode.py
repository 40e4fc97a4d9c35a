"""Grad mode: whether ops record the autograd graph. `no_grad`, `enable_grad`,
`set_grad_enabled` and `inference_mode` work as context managers and as decorators."""
import functools

# Read by Function.apply on every op, so it is a plain module global, not a property.
enabled = True


def is_grad_enabled():
    return enabled


def _set(mode):
    global enabled
    enabled = bool(mode)


class _GradModeContext:
    """Base: enter sets grad mode to `self.mode`, exit restores it; calling it wraps a function."""

    mode = True

    def __enter__(self):
        self._prev = enabled
        _set(self.mode)
        return self

    def __exit__(self, *exc):
        _set(self._prev)
        return False

    def __call__(self, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self.__class__._fresh(self):
                return func(*args, **kwargs)
        return wrapper

    def _fresh(self):
        return self.__class__()

    def clone(self):
        return self._fresh()


class no_grad(_GradModeContext):
    """Ops inside record no graph (the cheap path): `with torch.no_grad(): w -= lr * w.grad`."""

    mode = False


class enable_grad(_GradModeContext):
    mode = True


class set_grad_enabled(_GradModeContext):
    """Set grad mode to `mode` now (as a function), or within a `with` block."""

    def __init__(self, mode):
        self._prev = enabled
        self.mode = bool(mode)
        _set(self.mode)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _set(self._prev)
        return False

    def _fresh(self):
        # as a decorator the mode applies per call, not at construction: undo the eager set
        _set(self._prev)
        return _ScopedMode(self.mode)


class _ScopedMode(_GradModeContext):
    def __init__(self, mode):
        self.mode = mode

    def _fresh(self):
        return _ScopedMode(self.mode)


class inference_mode(_GradModeContext):
    """Like no_grad (glasstorch has no separate inference tensors); inference_mode(False) is a
    no-op, as in PyTorch."""

    def __init__(self, mode=True):
        self.mode = not mode if mode else enabled
        self._on = mode

    def __enter__(self):
        self._prev = enabled
        if self._on:
            _set(False)
        return self

    def _fresh(self):
        return inference_mode(self._on)


def is_inference_mode_enabled():
    return False
