"""glasstorch.utils.data against torch.utils.data: collation, samplers, datasets, random_split
and the in-process DataLoader (worker processes are tested in test_dataloader_workers.py)."""
import collections
import warnings

import numpy as np
import pytest
import torch
import torch.utils.data as tud

import glasstorch as gt
import glasstorch.utils.data as gud

Point = collections.namedtuple("Point", ["x", "y"])


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------
def assert_same_structure(ours, theirs, path="batch"):
    """Same container types all the way down; tensors with equal shape, dtype and values."""
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, gt.Tensor), f"{path}: {type(ours)} is not a Tensor"
        assert tuple(ours.shape) == tuple(theirs.shape), f"{path}: shape"
        assert str(ours.dtype) == str(theirs.dtype), f"{path}: {ours.dtype} vs {theirs.dtype}"
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy(), err_msg=path)
        return
    if isinstance(theirs, Point):
        assert type(ours) is Point, path
    elif isinstance(theirs, (list, tuple, dict)):
        assert type(ours) is type(theirs), f"{path}: {type(ours)} vs {type(theirs)}"
    else:
        assert type(ours) is type(theirs) and ours == theirs, f"{path}: {ours!r} vs {theirs!r}"
        return
    assert len(ours) == len(theirs), f"{path}: length"
    if isinstance(theirs, dict):
        assert list(ours) == list(theirs), f"{path}: keys"
        for key in theirs:
            assert_same_structure(ours[key], theirs[key], f"{path}[{key!r}]")
    else:
        for i, (a, b) in enumerate(zip(ours, theirs)):
            assert_same_structure(a, b, f"{path}[{i}]")


def same_error(run):
    """run(lib, data_module) must raise the same exception type under torch and glasstorch."""
    with pytest.raises(Exception) as theirs:
        run(torch, tud)
    with pytest.raises(type(theirs.value)) as ours:
        run(gt, gud)
    return ours.value, theirs.value


def arr(*shape, dtype="float32", seed=0):
    return np.random.default_rng(seed).uniform(-3, 3, size=shape).astype(dtype)


# ---------------------------------------------------------------------------------------------
# default_collate / default_convert
# ---------------------------------------------------------------------------------------------
# Each case builds a batch (a list of samples) from the library `t`.
COLLATE_CASES = {
    "float tensors": lambda t: [t.tensor(arr(2, 3, seed=i)) for i in range(4)],
    "int tensors": lambda t: [t.tensor(np.arange(3) + i) for i in range(3)],
    "0-d tensors": lambda t: [t.tensor(1.5), t.tensor(-2.0)],
    "empty tensors": lambda t: [t.tensor(np.zeros((0, 3), "float32"))] * 3,
    "mixed dtypes promote": lambda t: [t.tensor(np.arange(2, dtype="int32")),
                                       t.tensor(arr(2))],
    "int64 + float16": lambda t: [t.tensor(np.arange(2)), t.tensor(arr(2, dtype="float16"))],
    "non-contiguous": lambda t: [t.tensor(arr(3, 4, seed=i)).t() for i in range(2)]
    if hasattr(t.Tensor, "t") else [t.tensor(arr(4, 3, seed=i)) for i in range(2)],
    "numpy float64": lambda t: [arr(2, 2, dtype="float64", seed=i) for i in range(3)],
    "numpy int32": lambda t: [np.arange(4, dtype="int32") * i for i in range(3)],
    "numpy uint8 images": lambda t: [np.full((2, 2, 3), i, "uint8") for i in range(2)],
    "numpy bool": lambda t: [np.array([True, False]), np.array([False, False])],
    "numpy 0-d": lambda t: [np.array(1.0), np.array(2.0)],
    "numpy float32 scalars": lambda t: [np.float32(1.5), np.float32(2.5)],
    "numpy int8 scalars": lambda t: [np.int8(1), np.int8(-3)],
    "numpy float64 scalars": lambda t: [np.float64(1.5), np.float64(-1)],
    "numpy bool scalars": lambda t: [np.bool_(True), np.bool_(False)],
    "python ints": lambda t: [1, 2, 3],
    "python floats": lambda t: [1.0, 2.5],
    "python bools": lambda t: [True, False, True],
    "int then float": lambda t: [1, 2.5],
    "float then int": lambda t: [1.0, 2],
    "strings": lambda t: ["a", "bb", "ccc"],
    "bytes": lambda t: [b"a", b"b"],
    "(tensor, label) tuples": lambda t: [(t.tensor(arr(3, seed=i)), i) for i in range(4)],
    "(tensor, str) tuples": lambda t: [(t.tensor(arr(2, seed=i)), f"s{i}") for i in range(2)],
    "lists": lambda t: [[i, float(i)] for i in range(3)],
    "dicts": lambda t: [{"x": t.tensor(arr(2, seed=i)), "y": i, "name": "n"} for i in range(3)],
    "nested": lambda t: [{"pair": (np.arange(2) + i, [i, i + 1]), "meta": {"id": i}}
                         for i in range(2)],
    "namedtuples": lambda t: [Point(t.tensor(arr(2, seed=i)), i * 0.5) for i in range(3)],
    "ordered dicts": lambda t: [collections.OrderedDict(b=i, a=float(i)) for i in range(2)],
    "one sample": lambda t: [(t.tensor(arr(5)), 7)],
}


@pytest.mark.parametrize("name", list(COLLATE_CASES))
def test_default_collate_matches_torch(name):
    make = COLLATE_CASES[name]
    assert_same_structure(gud.default_collate(make(gt)), tud.default_collate(make(torch)))


COLLATE_ERRORS = {
    "tensor size mismatch": lambda t: [t.zeros(3), t.zeros(4)],
    "numpy size mismatch": lambda t: [np.zeros(3), np.zeros((3, 1))],
    "ragged lists": lambda t: [[1, 2], [3]],
    "unsupported object": lambda t: [object(), object()],
    "numpy strings": lambda t: [np.array(["a"]), np.array(["b"])],
    "numpy objects": lambda t: [np.array([None]), np.array([1])],
    "None": lambda t: [None, None],
}


@pytest.mark.parametrize("name", list(COLLATE_ERRORS))
def test_default_collate_errors(name):
    make = COLLATE_ERRORS[name]
    ours, theirs = same_error(lambda t, d: d.default_collate(make(t)))
    if "size mismatch" in name:
        assert str(ours) == str(theirs)


def test_default_collate_size_mismatch_message_names_entries():
    with pytest.raises(RuntimeError, match=r"\[2\] at entry 0 and \[3\] at entry 2"):
        gud.default_collate([gt.zeros(2), gt.zeros(2), gt.zeros(3)])


def test_default_collate_keeps_graph_for_tensors_requiring_grad():
    a = gt.tensor([1.0, 2.0], requires_grad=True)
    b = gt.tensor([3.0, 4.0], requires_grad=True)
    out = gud.default_collate([a, b])
    assert out.requires_grad and out.shape == (2, 2)


CONVERT_CASES = {
    "numpy array": lambda t: np.arange(3.0),
    "numpy scalar": lambda t: np.float32(3),
    "tensor": lambda t: t.tensor([1, 2]),
    "tuple": lambda t: (np.zeros(2), 3, "a"),
    "list": lambda t: [np.ones(2, "int32"), 1.5],
    "dict": lambda t: {"a": np.zeros(2), "b": [np.ones(1)]},
    "namedtuple": lambda t: Point(np.zeros(1), 2),
    "string array untouched": lambda t: np.array(["a", "b"]),
    "python number": lambda t: 5,
    "string": lambda t: "text",
}


@pytest.mark.parametrize("name", list(CONVERT_CASES))
def test_default_convert_matches_torch(name):
    make = CONVERT_CASES[name]
    ours, theirs = gud.default_convert(make(gt)), tud.default_convert(make(torch))
    if isinstance(theirs, np.ndarray):
        assert isinstance(ours, np.ndarray) and (ours == theirs).all()
    else:
        assert_same_structure(ours, theirs)


# ---------------------------------------------------------------------------------------------
# samplers
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("n", [0, 1, 7])
def test_sequential_sampler(n):
    ours, theirs = gud.SequentialSampler(range(n)), tud.SequentialSampler(range(n))
    assert list(ours) == list(theirs) and len(ours) == len(theirs)


@pytest.mark.parametrize("n,batch_size,drop_last",
                         [(10, 3, False), (10, 3, True), (9, 3, False), (9, 3, True),
                          (2, 5, False), (2, 5, True), (0, 2, False), (1, 1, True)])
def test_batch_sampler(n, batch_size, drop_last):
    ours = gud.BatchSampler(gud.SequentialSampler(range(n)), batch_size, drop_last)
    theirs = tud.BatchSampler(tud.SequentialSampler(range(n)), batch_size, drop_last)
    assert list(ours) == list(theirs)
    assert len(ours) == len(theirs)


def test_batch_sampler_over_plain_iterable():
    assert list(gud.BatchSampler([5, 4, 3, 2, 1], 2, False)) == \
        list(tud.BatchSampler([5, 4, 3, 2, 1], 2, False))


@pytest.mark.parametrize("batch_size,drop_last", [(0, False), (-1, False), (True, False),
                                                  (2.0, False), (2, 1), (2, None)])
def test_batch_sampler_errors(batch_size, drop_last):
    ours, theirs = same_error(lambda t, d: d.BatchSampler(range(5), batch_size, drop_last))
    assert str(ours) == str(theirs)


def test_random_sampler_is_a_permutation_that_follows_the_generator():
    def order(seed, n=50):
        return list(gud.RandomSampler(range(n), generator=gt.Generator().manual_seed(seed)))

    assert sorted(order(0)) == list(range(50))
    assert order(0) == order(0)
    assert order(0) != order(1)
    assert order(0) != list(range(50))
    sampler = gud.RandomSampler(range(50), generator=gt.Generator().manual_seed(3))
    assert list(sampler) != list(sampler)  # a fresh order every epoch


def test_random_sampler_default_generator_follows_manual_seed():
    gt.default_generator.manual_seed(5)
    first = list(gud.RandomSampler(range(30)))
    gt.default_generator.manual_seed(5)
    assert list(gud.RandomSampler(range(30))) == first


@pytest.mark.parametrize("n,replacement,num_samples",
                         [(5, False, None), (5, False, 12), (5, False, 3), (5, True, None),
                          (5, True, 40), (1, True, 3)])
def test_random_sampler_lengths_and_range(n, replacement, num_samples):
    ours = gud.RandomSampler(range(n), replacement, num_samples)
    theirs = tud.RandomSampler(range(n), replacement, num_samples)
    keys = list(ours)
    assert len(ours) == len(theirs) == len(keys) == len(list(theirs))
    assert all(0 <= k < n for k in keys)
    if not replacement:  # whole permutations, then a partial one
        for start in range(0, len(keys) - n + 1, n):
            assert sorted(keys[start:start + n]) == list(range(n))
        assert len(set(keys[len(keys) - len(keys) % n:])) == len(keys) % n


@pytest.mark.parametrize("kwargs", [dict(replacement=1), dict(num_samples=0),
                                    dict(num_samples=-2), dict(num_samples=2.5),
                                    dict(replacement=True, num_samples=0)])
def test_random_sampler_errors(kwargs):
    ours, theirs = same_error(lambda t, d: d.RandomSampler(range(4), **kwargs))
    assert str(ours) == str(theirs)


def test_random_sampler_empty_dataset_error():
    same_error(lambda t, d: d.RandomSampler([]))


def test_subset_random_sampler():
    indices = [3, 8, 1, 9, 4]
    sampler = gud.SubsetRandomSampler(indices, generator=gt.Generator().manual_seed(0))
    keys = list(sampler)
    assert sorted(keys) == sorted(indices) and len(sampler) == 5
    assert len(sampler) == len(tud.SubsetRandomSampler(indices))


def test_weighted_random_sampler_distribution():
    weights = [0.0, 1.0, 3.0]
    sampler = gud.WeightedRandomSampler(weights, 4000, generator=gt.Generator().manual_seed(0))
    keys = np.array(list(sampler))
    assert len(sampler) == len(keys) == len(tud.WeightedRandomSampler(weights, 4000))
    assert not (keys == 0).any()
    assert abs((keys == 2).mean() - 0.75) < 0.04


def test_weighted_random_sampler_without_replacement():
    keys = list(gud.WeightedRandomSampler([1, 2, 3, 4], 4, replacement=False))
    assert sorted(keys) == [0, 1, 2, 3]
    # more keys than positive weights: torch fills up with the zero-weight keys
    weights = [0.0, 1.0, 0.0, 2.0]
    ours = list(gud.WeightedRandomSampler(weights, 4, replacement=False))
    theirs = list(tud.WeightedRandomSampler(weights, 4, replacement=False))
    # (the order among zero-weight keys is an implementation detail of torch's kernel)
    assert sorted(ours[:2]) == sorted(theirs[:2]) == [1, 3]
    assert sorted(ours[2:]) == sorted(theirs[2:]) == [0, 2]


@pytest.mark.parametrize("args,kwargs", [
    (([1.0, 2.0], 0), {}), (([1.0, 2.0], True), {}), (([1.0, 2.0], 2), {"replacement": 1}),
    (([[1.0, 2.0]], 2), {}), (([1.0, 2.0], 2.0), {}),
])
def test_weighted_random_sampler_init_errors(args, kwargs):
    ours, theirs = same_error(lambda t, d: d.WeightedRandomSampler(*args, **kwargs))
    assert str(ours) == str(theirs)


@pytest.mark.parametrize("weights,count,replacement", [
    ([1.0, -1.0], 2, True), ([0.0, 0.0], 2, True), ([1.0, 2.0], 3, False),
    ([1.0, float("nan")], 1, True),
])
def test_weighted_random_sampler_draw_errors(weights, count, replacement):
    same_error(lambda t, d: list(d.WeightedRandomSampler(weights, count, replacement)))


# ---------------------------------------------------------------------------------------------
# datasets
# ---------------------------------------------------------------------------------------------
class Squares(gud.Dataset):
    def __init__(self, n):
        self.n = n

    def __getitem__(self, i):
        if not 0 <= i < self.n:
            raise IndexError(f"index {i} out of range")
        return {"x": np.full(2, i, "float32"), "y": i * i}

    def __len__(self):
        return self.n


class TorchSquares(tud.Dataset):
    def __init__(self, n):
        self.n = n

    def __getitem__(self, i):
        if not 0 <= i < self.n:
            raise IndexError(f"index {i} out of range")
        return {"x": np.full(2, i, "float32"), "y": i * i}

    def __len__(self):
        return self.n


def test_dataset_base_class():
    with pytest.raises(NotImplementedError):
        gud.Dataset()[0]
    with pytest.raises(TypeError):
        len(gud.Dataset())
    both = Squares(2) + Squares(3)
    assert isinstance(both, gud.ConcatDataset) and len(both) == 5


def test_tensor_dataset_size_mismatch():
    ours, theirs = same_error(lambda t, d: d.TensorDataset(t.zeros(3, 2), t.zeros(4)))
    assert str(ours) == str(theirs) == "Size mismatch between tensors"


def test_tensor_dataset_items():
    x, y = arr(5, 3), np.arange(5)
    ours = gud.TensorDataset(gt.tensor(x), gt.tensor(y))
    theirs = tud.TensorDataset(torch.tensor(x), torch.tensor(y))
    assert len(ours) == len(theirs) == 5
    for i in (0, 4, -1):
        assert_same_structure(ours[i], theirs[i])


def test_concat_dataset_matches_torch():
    parts = [3, 0, 4, 1]
    ours = gud.ConcatDataset([range(10 * k, 10 * k + n) for k, n in enumerate(parts)])
    theirs = tud.ConcatDataset([range(10 * k, 10 * k + n) for k, n in enumerate(parts)])
    assert len(ours) == len(theirs) and ours.cumulative_sizes == theirs.cumulative_sizes
    assert [ours[i] for i in range(-8, 8)] == [theirs[i] for i in range(-8, 8)]
    same_error(lambda t, d: d.ConcatDataset([range(3)])[-4])
    same_error(lambda t, d: d.ConcatDataset([range(3)])[3])
    same_error(lambda t, d: d.ConcatDataset([]))


def test_concat_dataset_rejects_iterable_datasets():
    class Stream(gud.IterableDataset):
        def __iter__(self):
            return iter(range(3))

    with pytest.raises(AssertionError, match="does not support IterableDataset"):
        gud.ConcatDataset([Stream()])
    chained = Stream() + Stream()
    assert isinstance(chained, gud.ChainDataset) and list(chained) == [0, 1, 2] * 2


def test_subset_and_stack_dataset():
    ours, theirs = gud.Subset(range(10), [7, 2, 5]), tud.Subset(range(10), [7, 2, 5])
    assert len(ours) == len(theirs) and list(ours) == list(theirs)
    assert ours.__getitems__([2, 0]) == theirs.__getitems__([2, 0])
    a, b = Squares(3), list("abc")
    assert gud.StackDataset(a, b)[1][1] == "b"
    assert gud.StackDataset(x=a, y=b)[2]["y"] == "c"
    assert [s[1] for s in gud.StackDataset(a, b).__getitems__([2, 0])] == ["c", "a"]
    same_error(lambda t, d: d.StackDataset(range(2), range(3)))
    same_error(lambda t, d: d.StackDataset())
    same_error(lambda t, d: d.StackDataset(range(2), y=range(2)))


@pytest.mark.parametrize("n,lengths", [
    (10, [3, 7]), (10, [0.3, 0.7]), (30, [0.3, 0.3, 0.4]), (11, [0.5, 0.5]),
    (7, [0.1, 0.2, 0.3, 0.4]), (5, [1.0]), (100, [0.8, 0.1, 0.1]), (3, [0.25, 0.25, 0.25, 0.25]),
    (0, [0.5, 0.5]), (4, [4, 0]),
])
def test_random_split_lengths_match_torch(n, lengths):
    with warnings.catch_warnings(record=True) as ours_warned:
        warnings.simplefilter("always")
        ours = gud.random_split(range(n), lengths, generator=gt.Generator().manual_seed(0))
    with warnings.catch_warnings(record=True) as theirs_warned:
        warnings.simplefilter("always")
        theirs = tud.random_split(range(n), lengths, generator=torch.Generator().manual_seed(0))
    assert [len(s) for s in ours] == [len(s) for s in theirs]
    assert len(ours_warned) == len(theirs_warned)
    keys = [k for s in ours for k in s]
    assert sorted(keys) == list(range(n))  # disjoint and covering


def test_random_split_follows_generator():
    def split(seed):
        return [list(s) for s in gud.random_split(range(20), [0.5, 0.5],
                                                  generator=gt.Generator().manual_seed(seed))]

    assert split(1) == split(1) and split(1) != split(2)


@pytest.mark.parametrize("lengths", [[3, 3], [5, 6], [1.2, -0.2], [0.5, 0.4]])
def test_random_split_errors(lengths):
    ours, theirs = same_error(lambda t, d: d.random_split(range(10), lengths))
    assert str(ours) == str(theirs)


# ---------------------------------------------------------------------------------------------
# DataLoader (in process)
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("n,batch_size,drop_last", [(10, 3, False), (10, 3, True), (9, 3, True),
                                                    (4, 8, False), (4, 8, True), (5, 1, False)])
def test_dataloader_batches_match_torch(n, batch_size, drop_last):
    ours = gud.DataLoader(Squares(n), batch_size=batch_size, drop_last=drop_last)
    theirs = tud.DataLoader(TorchSquares(n), batch_size=batch_size, drop_last=drop_last)
    assert len(ours) == len(theirs)
    ours_batches, theirs_batches = list(ours), list(theirs)
    assert len(ours_batches) == len(theirs_batches) == len(theirs)
    for a, b in zip(ours_batches, theirs_batches):
        assert_same_structure(a, b)


@pytest.mark.parametrize("drop_last", [False, True])
def test_dataloader_tensor_dataset_matches_torch(drop_last):
    x, y = arr(11, 2, 3), np.arange(11)
    ours = gud.DataLoader(gud.TensorDataset(gt.tensor(x), gt.tensor(y)), batch_size=4,
                          drop_last=drop_last)
    theirs = tud.DataLoader(tud.TensorDataset(torch.tensor(x), torch.tensor(y)), batch_size=4,
                            drop_last=drop_last)
    assert len(ours) == len(theirs)
    ours_batches, theirs_batches = list(ours), list(theirs)
    assert len(ours_batches) == len(theirs_batches)
    for a, b in zip(ours_batches, theirs_batches):
        assert_same_structure(a, b)


def test_dataloader_subset_of_tensor_dataset_with_custom_sampler():
    x = arr(10, 2)
    keys = [9, 0, 4, 4, 2]
    ours = gud.DataLoader(gud.Subset(gud.TensorDataset(gt.tensor(x)), [1, 3, 5, 7, 9, 2, 4, 6, 8,
                                                                        0]),
                          batch_size=2, sampler=keys)
    theirs = tud.DataLoader(tud.Subset(tud.TensorDataset(torch.tensor(x)), [1, 3, 5, 7, 9, 2, 4,
                                                                           6, 8, 0]),
                            batch_size=2, sampler=keys)
    for a, b in zip(ours, theirs, strict=True):
        assert_same_structure(a, b)


def test_dataloader_shuffle_covers_every_sample_and_follows_generator():
    ds = gud.TensorDataset(gt.tensor(np.arange(20)))

    def epoch(seed):
        loader = gud.DataLoader(ds, batch_size=6, shuffle=True,
                                generator=gt.Generator().manual_seed(seed))
        return [k for (batch,) in loader for k in batch.tolist()]

    assert sorted(epoch(0)) == list(range(20))
    assert epoch(0) == epoch(0) and epoch(0) != epoch(1)


def test_dataloader_batch_size_none_and_batch_sampler():
    ours = list(gud.DataLoader(Squares(3), batch_size=None))
    theirs = list(tud.DataLoader(TorchSquares(3), batch_size=None))
    assert_same_structure(ours, theirs)
    batches = [[2, 0], [1]]
    assert_same_structure(list(gud.DataLoader(Squares(3), batch_sampler=batches)),
                          list(tud.DataLoader(TorchSquares(3), batch_sampler=batches)))
    assert len(gud.DataLoader(Squares(3), batch_sampler=batches)) == 2


def test_dataloader_custom_collate_fn():
    loader = gud.DataLoader(range(5), batch_size=2, collate_fn=lambda b: sum(b))
    assert list(loader) == [1, 5, 4]


class Stream(gud.IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(range(self.n))


class TorchStream(tud.IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(range(self.n))


class SizedStream(Stream):
    def __len__(self):
        return self.n


@pytest.mark.parametrize("batch_size,drop_last", [(3, False), (3, True), (None, False),
                                                  (1, False), (10, True)])
def test_dataloader_iterable_dataset(batch_size, drop_last):
    ours = list(gud.DataLoader(Stream(8), batch_size=batch_size, drop_last=drop_last))
    theirs = list(tud.DataLoader(TorchStream(8), batch_size=batch_size, drop_last=drop_last))
    assert_same_structure(ours, theirs)


def test_dataloader_iterable_len():
    with pytest.raises(TypeError):
        len(gud.DataLoader(Stream(8), batch_size=3))
    assert len(gud.DataLoader(SizedStream(8), batch_size=3)) == 3
    assert len(gud.DataLoader(SizedStream(8), batch_size=3, drop_last=True)) == 2
    assert len(gud.DataLoader(SizedStream(8), batch_size=None)) == 8


DATALOADER_ERRORS = {
    "negative workers": lambda t, d, ds, it: d.DataLoader(ds, num_workers=-1),
    "negative timeout": lambda t, d, ds, it: d.DataLoader(ds, timeout=-1),
    "prefetch without workers": lambda t, d, ds, it: d.DataLoader(ds, prefetch_factor=2),
    "negative prefetch": lambda t, d, ds, it: d.DataLoader(ds, num_workers=1, prefetch_factor=-1),
    "persistent without workers": lambda t, d, ds, it: d.DataLoader(ds, persistent_workers=True),
    "sampler and shuffle": lambda t, d, ds, it: d.DataLoader(ds, sampler=[0, 1], shuffle=True),
    "batch_sampler and batch_size": lambda t, d, ds, it: d.DataLoader(ds, batch_sampler=[[0]],
                                                                     batch_size=2),
    "batch_sampler and shuffle": lambda t, d, ds, it: d.DataLoader(ds, batch_sampler=[[0]],
                                                                  shuffle=True),
    "batch_sampler and sampler": lambda t, d, ds, it: d.DataLoader(ds, batch_sampler=[[0]],
                                                                  sampler=[0]),
    "batch_sampler and drop_last": lambda t, d, ds, it: d.DataLoader(ds, batch_sampler=[[0]],
                                                                    drop_last=True),
    "no batching and drop_last": lambda t, d, ds, it: d.DataLoader(ds, batch_size=None,
                                                                  drop_last=True),
    "bad batch_size": lambda t, d, ds, it: d.DataLoader(ds, batch_size=0),
    "iterable and shuffle": lambda t, d, ds, it: d.DataLoader(it, shuffle=True),
    "iterable and sampler": lambda t, d, ds, it: d.DataLoader(it, sampler=[0]),
    "iterable and batch_sampler": lambda t, d, ds, it: d.DataLoader(it, batch_sampler=[[0]]),
    "context without workers": lambda t, d, ds, it: d.DataLoader(ds,
                                                                 multiprocessing_context="fork"),
    "unknown start method": lambda t, d, ds, it: d.DataLoader(ds, num_workers=1,
                                                              multiprocessing_context="magic"),
    "bad context type": lambda t, d, ds, it: d.DataLoader(ds, num_workers=1,
                                                          multiprocessing_context=3),
    "set batch_size later": lambda t, d, ds, it: setattr(d.DataLoader(ds), "batch_size", 2),
    "set dataset later": lambda t, d, ds, it: setattr(d.DataLoader(ds), "dataset", ds),
}


@pytest.mark.parametrize("name", list(DATALOADER_ERRORS))
def test_dataloader_argument_errors(name):
    run = DATALOADER_ERRORS[name]

    def call(t, d):
        stream = Stream(3) if d is gud else TorchStream(3)
        return run(t, d, list(range(4)), stream)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours, theirs = same_error(call)
    assert str(ours) == str(theirs)


def test_dataloader_allows_other_attributes_and_keeps_settings():
    loader = gud.DataLoader(range(4), batch_size=2)
    loader.num_workers = 0  # not a protected attribute
    assert loader.batch_size == 2 and loader.drop_last is False
    assert isinstance(loader.sampler, gud.SequentialSampler)
    assert isinstance(loader.batch_sampler, gud.BatchSampler)
    assert loader.collate_fn is gud.default_collate
    assert gud.DataLoader(range(4), batch_size=None).collate_fn is gud.default_convert
    assert isinstance(gud.DataLoader(range(4), shuffle=True).sampler, gud.RandomSampler)


def test_get_worker_info_is_none_in_main_process():
    assert gud.get_worker_info() is None
    seen = list(gud.DataLoader(_InfoDataset(), batch_size=None))
    assert seen == [None, None]


class _InfoDataset(gud.Dataset):
    def __getitem__(self, i):
        return gud.get_worker_info()

    def __len__(self):
        return 2


def test_exposed_as_glasstorch_utils_data():
    assert gt.utils.data.DataLoader is gud.DataLoader
    from glasstorch.utils.data.dataloader import default_collate
    assert default_collate is gud.default_collate


def test_generic_annotations_like_torch():
    class Pairs(gud.Dataset[tuple]):
        def __getitem__(self, i):
            return (i, -i)

        def __len__(self):
            return 3

    class Backwards(gud.Sampler[int]):
        def __iter__(self):
            return iter([2, 1, 0])

    class Stream(gud.IterableDataset[int]):
        def __iter__(self):
            return iter([7])

    batch = next(iter(gud.DataLoader(Pairs(), batch_size=3, sampler=Backwards())))
    assert [t.tolist() for t in batch] == [[2, 1, 0], [-2, -1, 0]]
    assert list(Stream()) == [7] and gud.Subset[int] is not None
