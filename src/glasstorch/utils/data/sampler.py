"""Samplers: iterables over dataset keys that decide the order of a DataLoader's samples, and
BatchSampler, which groups any sampler's keys into lists (one list per batch).

Random samplers draw from a glasstorch Generator (the global one when `generator` is None), so
`glasstorch.manual_seed` makes them reproducible. The streams differ from PyTorch's."""
import itertools
from typing import Generic, TypeVar

from ... import _backend
from ..._backend import rng_of, xp


T_co = TypeVar("T_co", covariant=True)


class Sampler(Generic[T_co]):
    """Base class: subclasses define `__iter__` (yielding keys) and usually `__len__`.
    Generic like PyTorch's (`Sampler[int]`, `Sampler[list[int]]`) for annotated code."""

    def __init__(self, data_source=None):
        pass

    def __iter__(self):
        raise NotImplementedError


class SequentialSampler(Sampler):
    """0, 1, …, len(data_source) - 1."""

    def __init__(self, data_source):
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self):
        return len(self.data_source)


class RandomSampler(Sampler):
    """A random order of 0..n-1 (n = len(data_source)). Without replacement, `num_samples`
    larger than n chains fresh permutations; with replacement, each key is an independent draw."""

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(replacement, bool):
            raise TypeError(f"replacement should be a boolean value, but got "
                            f"replacement={replacement}")
        if not isinstance(self.num_samples, int) or self.num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got "
                             f"num_samples={self.num_samples}")

    @property
    def num_samples(self):
        # read the length at use time: a dataset's size may change after the sampler is built
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self):
        n = len(self.data_source)
        rng = rng_of(self.generator)
        count = self.num_samples
        if self.replacement:
            yield from rng.integers(0, n, size=count).tolist()
            return
        for _ in range(count // n):
            yield from rng.permutation(n).tolist()
        yield from rng.permutation(n)[:count % n].tolist()

    def __len__(self):
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given `indices` in a random order (a fresh permutation every epoch)."""

    def __init__(self, indices, generator=None):
        self.indices = indices
        self.generator = generator

    def __iter__(self):
        for i in rng_of(self.generator).permutation(len(self.indices)).tolist():
            yield self.indices[i]

    def __len__(self):
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """`num_samples` keys from 0..len(weights)-1, key i drawn with probability
    weights[i] / sum(weights) (weights need not sum to one), as torch.multinomial draws them."""

    def __init__(self, weights, num_samples, replacement=True, generator=None):
        if not isinstance(num_samples, int) or isinstance(num_samples, bool) or num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got "
                             f"num_samples={num_samples}")
        if not isinstance(replacement, bool):
            raise ValueError(f"replacement should be a boolean value, but got "
                             f"replacement={replacement}")
        from ..._ops.creation import as_tensor
        weights = as_tensor(weights, dtype=_backend.float64)
        if weights.dim() != 1:
            raise ValueError(f"weights should be a 1d sequence but given weights have shape "
                             f"{tuple(weights.shape)}")
        self.weights = weights
        self.num_samples = num_samples
        self.replacement = replacement
        self.generator = generator

    def __iter__(self):
        yield from _multinomial(self.weights._data, self.num_samples, self.replacement,
                                rng_of(self.generator)).tolist()

    def __len__(self):
        return self.num_samples


def _multinomial(weights, count, replacement, rng):
    """Keys drawn in proportion to `weights`, with torch.multinomial's checks and errors."""
    if not xp.isfinite(weights).all() or (weights < 0).any():
        raise RuntimeError("invalid multinomial distribution (encountering probability entry "
                           "< 0, inf or nan)")
    total = weights.sum()
    if total <= 0:
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    if not replacement:
        if count > weights.shape[0]:
            raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without "
                               "replacement")
        nonzero = xp.flatnonzero(weights)
        if count > nonzero.shape[0]:
            # like torch on the CPU: every positive-weight key (in a weighted random order),
            # then zero-weight keys in index order
            first = rng.choice(nonzero, size=nonzero.shape[0], replace=False,
                               p=weights[nonzero] / total)
            rest = xp.flatnonzero(weights == 0)[:count - nonzero.shape[0]]
            return xp.concatenate([first, rest])
    return rng.choice(weights.shape[0], size=count, replace=replacement, p=weights / total)


class BatchSampler(Sampler):
    """Lists of `batch_size` consecutive keys from `sampler`; the last, shorter list is kept
    unless `drop_last`. Example: range(10), batch_size=3 -> [0,1,2] [3,4,5] [6,7,8] [9]."""

    def __init__(self, sampler, batch_size, drop_last):
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size <= 0:
            raise ValueError(f"batch_size should be a positive integer value, but got "
                             f"batch_size={batch_size}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got "
                             f"drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def __iter__(self):
        keys = iter(self.sampler)
        while True:
            batch = list(itertools.islice(keys, self.batch_size))
            if not batch or (self.drop_last and len(batch) < self.batch_size):
                return
            yield batch

    def __len__(self):
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return (len(self.sampler) + self.batch_size - 1) // self.batch_size
