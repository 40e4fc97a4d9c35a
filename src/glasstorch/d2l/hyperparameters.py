"""add_to_class and HyperParameters: the two small tools the d2l book builds its classes with."""
import inspect


def add_to_class(Class):
    """Decorator that attaches the decorated function to `Class` as a method of the same name
    (the book writes a class's methods one notebook cell at a time)."""
    def wrapper(obj):
        setattr(Class, obj.__name__, obj)
    return wrapper


class HyperParameters:
    """Base class whose `save_hyperparameters()` turns the calling __init__'s arguments into
    attributes."""

    def save_hyperparameters(self, ignore=[]):
        """Store every argument of the calling function (except `self`, names starting with
        '_' and those in `ignore`) as `self.<name>`, and all of them in `self.hparams`."""
        frame = inspect.currentframe().f_back
        try:
            _, _, _, local_vars = inspect.getargvalues(frame)
        finally:
            del frame      # a frame kept alive would hold every local of the caller
        skip = set(ignore) | {"self"}
        self.hparams = {name: value for name, value in local_vars.items()
                        if name not in skip and not name.startswith("_")}
        for name, value in self.hparams.items():
            setattr(self, name, value)
