"""Collation: turning a list of samples into one batch.

`default_collate` keeps the samples' structure and stacks the leaves along a new first dim:
tensors and NumPy arrays -> one stacked tensor; Python ints -> int64 tensor, floats -> float64
tensor, bools -> bool tensor; strings and bytes stay a plain sequence; tuples/lists/dicts/
namedtuples are collated field by field (a tuple comes back as a list, as in PyTorch).
`default_convert` (used when batching is off, batch_size=None) only turns NumPy arrays into
tensors, leaving everything else alone.

The type dispatch is a table, `default_collate_fn_map`, exactly as in PyTorch, so custom collate
functions can extend it: `collate(batch, collate_fn_map={**default_collate_fn_map, T: fn})`.
"""
import collections.abc
import copy
import re

from ... import _backend
from ..._backend import xp, ndarray
from ..._tensor import Tensor, _make
from ..._ops.creation import tensor as _tensor, as_tensor as _as_tensor

# NumPy dtypes that hold strings or Python objects cannot become tensors
_STR_OR_OBJECT = re.compile(r"[SaUO]")

_ERR = ("default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; "
        "found {}")


def _stack_arrays(arrays):
    """np.stack with PyTorch's checks and type promotion: every array must have the same shape
    (RuntimeError naming the first mismatch, like torch.stack), mixed dtypes promote."""
    first = arrays[0]
    dtype = first.dtype
    for i, a in enumerate(arrays):
        if a.shape != first.shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got "
                               f"{list(first.shape)} at entry 0 and {list(a.shape)} at entry {i}")
        if a.dtype != dtype:
            dtype = _backend.promote_types(_backend.from_numpy_dtype(dtype),
                                           _backend.from_numpy_dtype(a.dtype)).np
    return xp.stack(arrays, axis=0, dtype=dtype, casting="unsafe")


def collate_tensor_fn(batch, *, collate_fn_map=None):
    """Tensors of one shape -> one tensor with a new first dim of len(batch)."""
    if any(t.requires_grad for t in batch):
        # keep the graph: route through the differentiable op when an element needs grad
        from ... import stack
        return stack(batch, 0)
    return _make(_stack_arrays([t._data for t in batch]))


def collate_numpy_array_fn(batch, *, collate_fn_map=None):
    if _STR_OR_OBJECT.search(batch[0].dtype.str) is not None:
        raise TypeError(_ERR.format(batch[0].dtype))
    out = _stack_arrays(batch)
    _backend.from_numpy_dtype(out.dtype)  # TypeError for dtypes tensors can't hold (uint16 …)
    return _make(out)


def collate_numpy_scalar_fn(batch, *, collate_fn_map=None):
    return _as_tensor(xp.asarray(batch))


def collate_float_fn(batch, *, collate_fn_map=None):
    return _tensor(batch, dtype=_backend.float64)


def collate_int_fn(batch, *, collate_fn_map=None):
    # torch.tensor's inference: all bools -> bool, ints -> int64, a float among them -> float32
    return _tensor(batch)


def collate_str_fn(batch, *, collate_fn_map=None):
    return batch


# Looked up first by exact type, then by isinstance in this order (np.float64 is a float
# subclass but is caught by the NumPy-scalar row first, keeping its own dtype).
default_collate_fn_map = {
    Tensor: collate_tensor_fn,
    ndarray: collate_numpy_array_fn,
    (xp.bool_, xp.number, xp.object_): collate_numpy_scalar_fn,
    float: collate_float_fn,
    int: collate_int_fn,
    str: collate_str_fn,
    bytes: collate_str_fn,
}


def collate(batch, *, collate_fn_map=None):
    """Collate `batch` (a list of samples) by the structure of its first sample, dispatching
    leaves through `collate_fn_map` (type -> fn(batch, collate_fn_map=...))."""
    elem = batch[0]
    elem_type = type(elem)
    if collate_fn_map is not None:
        if elem_type in collate_fn_map:
            return collate_fn_map[elem_type](batch, collate_fn_map=collate_fn_map)
        for kind, fn in collate_fn_map.items():
            if isinstance(elem, kind):
                return fn(batch, collate_fn_map=collate_fn_map)

    def sub(samples):
        return collate(samples, collate_fn_map=collate_fn_map)

    if isinstance(elem, collections.abc.Mapping):
        fields = {key: sub([d[key] for d in batch]) for key in elem}
        return _rebuild_mapping(elem, fields)
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return elem_type(*(sub(samples) for samples in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if any(len(sample) != size for sample in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        columns = [sub(samples) for samples in zip(*batch)]
        if isinstance(elem, tuple):
            return columns  # a plain tuple collates to a list (PyTorch keeps this for BC)
        return _rebuild_sequence(elem, columns)
    raise TypeError(_ERR.format(elem_type))


def _rebuild_mapping(like, fields):
    """A mapping of `like`'s type holding `fields` (a plain dict if that type can't be built)."""
    try:
        if isinstance(like, collections.abc.MutableMapping):
            out = copy.copy(like)  # keeps defaultdict factories, OrderedDict order, …
            out.update(fields)
            return out
        return type(like)(fields)
    except TypeError:
        return fields


def _rebuild_sequence(like, items):
    """A sequence of `like`'s type holding `items` (a plain list if that type can't be built)."""
    try:
        if isinstance(like, collections.abc.MutableSequence):
            out = copy.copy(like)
            for i, item in enumerate(items):
                out[i] = item
            return out
        return type(like)(items)
    except TypeError:
        return items


def default_collate(batch):
    """Stack a list of samples into a batch (see the module docstring for the rules).

    Example: [(tensor([1., 2.]), 0), (tensor([3., 4.]), 1)] -> [tensor of shape (2, 2),
    tensor([0, 1])]."""
    return collate(batch, collate_fn_map=default_collate_fn_map)


def default_convert(data):
    """NumPy arrays and scalars -> tensors, recursing into mappings, namedtuples and sequences
    (tuples become lists); everything else is returned unchanged."""
    if isinstance(data, Tensor):
        return data
    kind = type(data)
    if kind.__module__ == "numpy" and kind.__name__ not in ("str_", "bytes_"):
        if isinstance(data, ndarray) and _STR_OR_OBJECT.search(data.dtype.str) is not None:
            return data
        return _as_tensor(data)
    if isinstance(data, collections.abc.Mapping):
        return _rebuild_mapping(data, {key: default_convert(data[key]) for key in data})
    if isinstance(data, tuple) and hasattr(data, "_fields"):  # namedtuple
        return kind(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        return _rebuild_sequence(data, [default_convert(d) for d in data])
    return data


def gather_rows(dataset, indices):
    """The batch default_collate would build from `[dataset[i] for i in indices]`, computed with
    one NumPy fancy-index per tensor, when `dataset` is a TensorDataset (or Subsets of one) of
    tensors that need no grad. None when that shortcut does not apply.

    Stacking the rows t[i] gives exactly t[indices] (same values, dtype, shape), so the result is
    identical; the loop over batch items just disappears (d2l's `load_array` hits this path)."""
    from .dataset import Subset, TensorDataset
    while type(dataset) is Subset:
        positions = dataset.indices
        indices = [positions[i] for i in indices]
        dataset = dataset.dataset
    if type(dataset) is not TensorDataset or len(indices) == 0:
        return None
    if any(t.requires_grad for t in dataset.tensors):
        return None
    try:
        rows = xp.asarray(indices)
        if rows.dtype.kind not in "iu" or rows.ndim != 1:
            return None
        return [_make(t._data[rows]) for t in dataset.tensors]
    except IndexError:
        return None  # out of range: let the per-item path raise glasstorch's own IndexError
