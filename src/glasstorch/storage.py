"""Storages: the memory under a tensor, as `tensor.untyped_storage()` and the deprecated
`tensor.storage()` describe it. A glasstorch tensor's memory is a NumPy array (a view's is its
base's array), so a storage here is a read-only description of that block: its size in bytes,
its address and its element type. Tools such as torchinfo read these to report memory use."""
import warnings

from ._backend import from_numpy_dtype, uint8


def _memory_block(tensor):
    """(address of the lowest byte, number of bytes) of the array that stores `tensor`."""
    root = tensor._base._data if tensor._base is not None else tensor._data
    address = root.__array_interface__["data"][0]
    if root.size == 0:
        return address, 0
    low = sum(min(0, (n - 1) * step) for n, step in zip(root.shape, root.strides))
    high = sum(max(0, (n - 1) * step) for n, step in zip(root.shape, root.strides))
    return address + low, high - low + root.itemsize


class UntypedStorage:
    """The bytes under a tensor: `nbytes()` (also `size()` and `len()`), `data_ptr()`."""

    def __init__(self, tensor):
        self._data_ptr, self._nbytes = _memory_block(tensor)

    def nbytes(self):
        return self._nbytes

    def size(self):
        return self._nbytes

    def __len__(self):
        return self._nbytes

    def element_size(self):
        return 1

    def data_ptr(self):
        return self._data_ptr

    @property
    def dtype(self):
        return uint8

    @property
    def device(self):
        from ._tensor import CPU
        return CPU

    @property
    def is_cuda(self):
        return False

    def __sizeof__(self):
        # as PyTorch's storages: the Python object plus the memory it describes
        # (sys.getsizeof(storage) is how torchinfo counts input memory)
        return object.__sizeof__(self) + self._nbytes


class TypedStorage:
    """The deprecated element-typed storage (`tensor.storage()`): `size()` counts elements."""

    def __init__(self, tensor):
        warnings.warn("TypedStorage is deprecated. It will be removed in the future and "
                      "UntypedStorage will be the only storage class. This should only matter "
                      "to you if you are using storages directly.  To access UntypedStorage "
                      "directly, use tensor.untyped_storage() instead of tensor.storage()",
                      UserWarning, stacklevel=3)
        self._untyped_storage = UntypedStorage(tensor)
        self.dtype = from_numpy_dtype(tensor._data.dtype)

    def untyped(self):
        return self._untyped_storage

    def size(self):
        return self._untyped_storage.nbytes() // self.dtype.itemsize

    def __len__(self):
        return self.size()

    def nbytes(self):
        return self._untyped_storage.nbytes()

    def element_size(self):
        return self.dtype.itemsize

    def data_ptr(self):
        return self._untyped_storage.data_ptr()

    @property
    def device(self):
        return self._untyped_storage.device

    @property
    def is_cuda(self):
        return False

    def __sizeof__(self):
        return object.__sizeof__(self) + self.nbytes()
