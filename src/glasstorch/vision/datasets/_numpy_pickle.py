"""Reading the pickled NumPy arrays some datasets ship (CIFAR's python batches), safely.

A pickle can call any function it names, so a downloaded one is never given to plain
`pickle.load`. This unpickler resolves only the names needed to rebuild NumPy arrays and
Python-2 byte strings; any other name stops the load with an error naming it.
"""
import pickle

_ALLOWED = {
    ("numpy", "ndarray"), ("numpy", "dtype"),
    ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "scalar"),
    ("_codecs", "encode"),   # how protocol-2 pickles written by Python 3 store bytes
}


class _ArrayUnpickler(pickle.Unpickler):
    def __init__(self, file, path):
        super().__init__(file, encoding="latin1")
        self.path = path

    def find_class(self, module, name):
        if (module, name) not in _ALLOWED:
            raise pickle.UnpicklingError(
                f"{self.path}: refusing to load {module}.{name}; a dataset pickle may only hold "
                f"NumPy arrays, numbers, strings, lists and dicts")
        return super().find_class(module, name)


def load_array_pickle(path):
    """The object pickled in `path` (Python-2 strings decoded as latin-1, as torchvision does)."""
    with open(path, "rb") as f:
        return _ArrayUnpickler(f, path).load()
