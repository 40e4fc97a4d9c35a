"""Datasets: the map-style `Dataset` (indexable, sized) and the stream-style `IterableDataset`,
plus the ready-made ones PyTorch ships: TensorDataset, StackDataset, ConcatDataset,
ChainDataset, Subset, and random_split.

A map-style dataset may also define `__getitems__(indices) -> list of samples` to fetch a whole
batch at once; the DataLoader uses it when present (Subset and StackDataset pass it through).
"""
import bisect
import itertools
import math
import warnings
from typing import Generic, TypeVar

from ..._backend import rng_of

T_co = TypeVar("T_co", covariant=True)


# Generic, as in PyTorch, so annotated course code like `class Pairs(Dataset[tuple])` works.
class Dataset(Generic[T_co]):
    """A map from keys (usually 0..len-1) to samples. Subclasses define `__getitem__` and,
    for the default samplers, `__len__`. `a + b` concatenates two datasets."""

    def __getitem__(self, index):
        raise NotImplementedError("Subclasses of Dataset should implement __getitem__.")

    def __add__(self, other):
        return ConcatDataset([self, other])

    # No default __len__: a dataset without one must make len() raise TypeError, which is what
    # Python does when the method is missing (PyTorch leaves it out for the same reason).


class IterableDataset(Dataset[T_co]):
    """A stream of samples: subclasses define `__iter__`. With DataLoader workers, every worker
    gets a copy of the dataset; splitting the stream between them is the dataset's job, using
    `get_worker_info()` inside `__iter__`. `a + b` chains two streams."""

    def __iter__(self):
        raise NotImplementedError("Subclasses of IterableDataset should implement __iter__.")

    def __add__(self, other):
        return ChainDataset([self, other])


class TensorDataset(Dataset):
    """Sample i is `tuple(t[i] for t in tensors)`; all tensors share their first dimension."""

    def __init__(self, *tensors):
        if any(tensors[0].size(0) != t.size(0) for t in tensors):
            raise AssertionError("Size mismatch between tensors")
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self):
        return self.tensors[0].size(0)


class StackDataset(Dataset):
    """Zip equal-length datasets: `StackDataset(a, b)[i] == (a[i], b[i])`,
    `StackDataset(x=a, y=b)[i] == {'x': a[i], 'y': b[i]}`."""

    def __init__(self, *args, **kwargs):
        if args and kwargs:
            raise ValueError("Supported either ``tuple``- (via ``args``) or``dict``- (via "
                             "``kwargs``) like input/output, but both types are given.")
        if not args and not kwargs:
            raise ValueError("At least one dataset should be passed")
        parts = args or tuple(kwargs.values())
        self._length = len(parts[0])
        if any(self._length != len(d) for d in parts):
            raise ValueError("Size mismatch between datasets")
        self.datasets = args if args else kwargs

    def __getitem__(self, index):
        if isinstance(self.datasets, dict):
            return {key: d[index] for key, d in self.datasets.items()}
        return tuple(d[index] for d in self.datasets)

    def __getitems__(self, indices):
        # Fetch each part's column for the whole batch (through its own __getitems__ when it has
        # one), then zip the columns into per-sample tuples or dicts.
        named = isinstance(self.datasets, dict)
        parts = self.datasets.items() if named else enumerate(self.datasets)
        columns = {key: _fetch_many(d, indices) for key, d in parts}
        for column in columns.values():
            if len(column) != len(indices):
                raise ValueError(f"Nested dataset's output size mismatch. Expected "
                                 f"{len(indices)}, got {len(column)}")
        if named:
            return [{key: columns[key][i] for key in columns} for i in range(len(indices))]
        return list(zip(*columns.values()))

    def __len__(self):
        return self._length


class ConcatDataset(Dataset[T_co]):
    """The datasets one after another. `cumulative_sizes[k]` is the total length of the first
    k+1 datasets, so a global index is located with one binary search."""

    @staticmethod
    def cumsum(sequence):
        return list(itertools.accumulate(len(d) for d in sequence))

    def __init__(self, datasets):
        self.datasets = list(datasets)
        if len(self.datasets) == 0:
            raise AssertionError("datasets should not be an empty iterable")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise AssertionError("ConcatDataset does not support IterableDataset")
        self.cumulative_sizes = self.cumsum(self.datasets)

    def __len__(self):
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx):
        if idx < 0:
            if -idx > len(self):
                raise ValueError("absolute value of index should not exceed dataset length")
            idx += len(self)
        which = bisect.bisect_right(self.cumulative_sizes, idx)
        start = self.cumulative_sizes[which - 1] if which > 0 else 0
        return self.datasets[which][idx - start]


class ChainDataset(IterableDataset):
    """The streams of several IterableDatasets one after another, chained lazily."""

    def __init__(self, datasets):
        self.datasets = datasets

    def __iter__(self):
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise AssertionError("ChainDataset only supports IterableDataset")
            yield from d

    def __len__(self):
        total = 0
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise AssertionError("ChainDataset only supports IterableDataset")
            total += len(d)
        return total


class Subset(Dataset[T_co]):
    """The samples of `dataset` at `indices`, in that order: `Subset(d, idx)[i] == d[idx[i]]`."""

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, idx):
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def __getitems__(self, indices):
        if type(self).__getitem__ is not Subset.__getitem__:
            # a subclass that customised __getitem__ must see every fetch (PyTorch raises
            # NotImplementedError here instead; honouring the override is friendlier)
            return [self[i] for i in indices]
        return _fetch_many(self.dataset, [self.indices[i] for i in indices])

    def __len__(self):
        return len(self.indices)


def _fetch_many(dataset, indices):
    """A list of samples: through `dataset.__getitems__` when it has one, else one by one."""
    getitems = getattr(dataset, "__getitems__", None)
    if callable(getitems):
        return getitems(indices)
    return [dataset[i] for i in indices]


def random_split(dataset, lengths, generator=None):
    """Split `dataset` into non-overlapping random Subsets of the given `lengths`.

    `lengths` are sizes summing to len(dataset), or fractions summing to 1: each split then gets
    floor(frac * len) items and the leftover items go one each to the splits in turn from the
    first (PyTorch's rule). `generator` (default: the global one) draws the permutation."""
    n = len(dataset)
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        for i, frac in enumerate(lengths):
            if frac < 0 or frac > 1:
                raise ValueError(f"Fraction at index {i} is not between 0 and 1")
        sizes = [math.floor(n * frac) for frac in lengths]
        for i in range(n - sum(sizes)):
            sizes[i % len(sizes)] += 1
        for i, size in enumerate(sizes):
            if size == 0:
                warnings.warn(f"Length of split at index {i} is 0. This might result in an "
                              f"empty dataset.", stacklevel=2)
        lengths = sizes
    if sum(lengths) != n:
        raise ValueError("Sum of input lengths does not equal the length of the input dataset!")
    order = rng_of(generator).permutation(n).tolist()
    ends = itertools.accumulate(lengths)
    return [Subset(dataset, order[end - size:end]) for end, size in zip(ends, lengths)]
