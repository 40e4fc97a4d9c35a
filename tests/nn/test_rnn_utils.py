"""nn.utils.rnn against PyTorch: pad_sequence (batch_first, padding_value, padding_side, integer
sequences), pack_padded_sequence (sorted / unsorted lengths as list or tensor, batch_first),
pad_packed_sequence (total_length), pack_sequence, unpack_sequence, unpad_sequence; gradients
through packing and padding; PackedSequence's fields and methods; errors."""
import numpy as np
import pytest
import torch

import glasstorch as gt
from glasstorch.autograd import gradcheck
from tests.oracle.harness import check_error

RNG = np.random.default_rng(8)


def _both(array, requires_grad=False):
    return (torch.tensor(array, requires_grad=requires_grad),
            gt.tensor(array, requires_grad=requires_grad))


def _same(ours, theirs):
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert str(ours.dtype) == str(theirs.dtype)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-6,
                               atol=1e-7)


def _same_packed(ours, theirs):
    assert isinstance(ours, gt.nn.utils.rnn.PackedSequence)
    _same(ours.data, theirs.data)
    _same(ours.batch_sizes, theirs.batch_sizes)
    for a, b in ((ours.sorted_indices, theirs.sorted_indices),
                 (ours.unsorted_indices, theirs.unsorted_indices)):
        assert (a is None) == (b is None)
        if a is not None:
            _same(a, b)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("padding_side", ["right", "left"])
@pytest.mark.parametrize("padding_value", [0.0, -1.5])
def test_pad_sequence(batch_first, padding_side, padding_value):
    arrays = [RNG.standard_normal((n, 3, 2)) for n in (2, 5, 1, 5)]
    theirs_in = [torch.tensor(a, requires_grad=True) for a in arrays]
    ours_in = [gt.tensor(a, requires_grad=True) for a in arrays]
    theirs = torch.nn.utils.rnn.pad_sequence(theirs_in, batch_first, padding_value, padding_side)
    ours = gt.nn.utils.rnn.pad_sequence(ours_in, batch_first, padding_value, padding_side)
    _same(ours, theirs)
    weight = RNG.standard_normal(tuple(theirs.shape))
    (theirs * torch.tensor(weight)).sum().backward()
    (ours * gt.tensor(weight)).sum().backward()
    for a, b in zip(ours_in, theirs_in):
        _same(a.grad, b.grad)


def test_pad_sequence_integer_and_tensor_input():
    seqs = [np.array([3, 1, 4]), np.array([1]), np.array([5, 9])]
    theirs = torch.nn.utils.rnn.pad_sequence([torch.tensor(s) for s in seqs], True, -1.5)
    ours = gt.nn.utils.rnn.pad_sequence([gt.tensor(s) for s in seqs], True, -1.5)
    _same(ours, theirs)
    stacked = RNG.standard_normal((3, 4, 2))
    _same(gt.nn.utils.rnn.pad_sequence(gt.tensor(stacked)),
          torch.nn.utils.rnn.pad_sequence(torch.tensor(stacked)))
    mixed = lambda lib: lib.nn.utils.rnn.pad_sequence(
        [lib.ones(2, 3), lib.ones(3, 3, dtype=lib.float64)])
    _same(mixed(gt), mixed(torch))
    one_d = lambda lib: lib.nn.utils.rnn.pad_sequence((lib.arange(3.0), lib.arange(1.0)))
    _same(one_d(gt), one_d(torch))


LENGTHS = [
    ([5, 3, 3, 1], True),
    ([3, 5, 1, 3], False),
    ([2, 2, 2, 2], True),
    ([1, 4, 4, 2], False),
]


@pytest.mark.parametrize("lengths,enforce_sorted", LENGTHS)
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("as_tensor", [False, True])
def test_pack_pad_round_trip(lengths, enforce_sorted, batch_first, as_tensor):
    shape = (4, 5, 3) if batch_first else (5, 4, 3)
    array = RNG.standard_normal(shape)
    x_t, x_g = _both(array, requires_grad=True)
    len_t = torch.tensor(lengths) if as_tensor else lengths
    len_g = gt.tensor(lengths) if as_tensor else lengths
    theirs = torch.nn.utils.rnn.pack_padded_sequence(x_t, len_t, batch_first, enforce_sorted)
    ours = gt.nn.utils.rnn.pack_padded_sequence(x_g, len_g, batch_first, enforce_sorted)
    _same_packed(ours, theirs)
    for total_length in (None, 7):
        pt, lt = torch.nn.utils.rnn.pad_packed_sequence(theirs, batch_first, 0.5, total_length)
        pg, lg = gt.nn.utils.rnn.pad_packed_sequence(ours, batch_first, 0.5, total_length)
        _same(pg, pt)
        _same(lg, lt)
    weight = RNG.standard_normal(tuple(pt.shape))
    (pt * torch.tensor(weight)).sum().backward()
    (pg * gt.tensor(weight)).sum().backward()
    _same(x_g.grad, x_t.grad)


def test_pack_sequence_and_unpack():
    arrays = [RNG.standard_normal((n, 2)) for n in (2, 4, 3)]
    for enforce_sorted in (False,):
        theirs = torch.nn.utils.rnn.pack_sequence([torch.tensor(a) for a in arrays],
                                                  enforce_sorted)
        ours = gt.nn.utils.rnn.pack_sequence([gt.tensor(a) for a in arrays], enforce_sorted)
        _same_packed(ours, theirs)
        for a, b in zip(gt.nn.utils.rnn.unpack_sequence(ours),
                        torch.nn.utils.rnn.unpack_sequence(theirs)):
            _same(a, b)
    sorted_arrays = sorted(arrays, key=len, reverse=True)
    _same_packed(gt.nn.utils.rnn.pack_sequence([gt.tensor(a) for a in sorted_arrays]),
                 torch.nn.utils.rnn.pack_sequence([torch.tensor(a) for a in sorted_arrays]))


@pytest.mark.parametrize("batch_first", [False, True])
def test_unpad_sequence(batch_first):
    array = RNG.standard_normal((4, 4, 2))
    lengths = [4, 1, 3, 2]
    t, g = _both(array)
    theirs = torch.nn.utils.rnn.unpad_sequence(t.clone(), torch.tensor(lengths), batch_first)
    ours = gt.nn.utils.rnn.unpad_sequence(g, gt.tensor(lengths), batch_first)
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        _same(a, b)


def test_packing_gradcheck():
    x = gt.tensor(RNG.standard_normal((4, 3, 2)), requires_grad=True)

    def round_trip(x):
        packed = gt.nn.utils.rnn.pack_padded_sequence(x, [2, 4, 3], enforce_sorted=False)
        return gt.nn.utils.rnn.pad_packed_sequence(packed, padding_value=1.0,
                                                   total_length=5)[0] * 2

    assert gradcheck(round_trip, (x,))
    seqs = [gt.tensor(RNG.standard_normal((n, 2)), requires_grad=True) for n in (1, 3)]
    assert gradcheck(lambda a, b: gt.nn.utils.rnn.pad_sequence([a, b], padding_side="left"),
                     tuple(seqs))


def test_packed_sequence_methods():
    lengths = [3, 1, 2]
    array = RNG.standard_normal((3, 3, 2)).astype(np.float32)
    theirs = torch.nn.utils.rnn.pack_padded_sequence(torch.tensor(array), lengths,
                                                     enforce_sorted=False)
    ours = gt.nn.utils.rnn.pack_padded_sequence(gt.tensor(array), lengths,
                                                enforce_sorted=False)
    assert ours.is_cuda is False
    for method in ("double", "float", "half", "long", "int", "cpu"):
        _same_packed(getattr(ours, method)(), getattr(theirs, method)())
    _same_packed(ours.to(gt.float64), theirs.to(torch.float64))
    assert ours.to(gt.float32) is ours
    data, batch_sizes, sorted_indices, unsorted_indices = ours   # a namedtuple
    assert data is ours.data
    assert ours._fields == theirs._fields
    rebuilt = gt.nn.utils.rnn.PackedSequence(data, batch_sizes, sorted_indices)
    _same_packed(rebuilt, theirs)
    _same_packed(gt.nn.utils.rnn.PackedSequence((data, batch_sizes)),
                 torch.nn.utils.rnn.PackedSequence((theirs.data, theirs.batch_sizes)))


def test_errors():
    x = RNG.standard_normal((5, 3, 2))

    def pack(lengths, **kw):
        return lambda lib: lib.nn.utils.rnn.pack_padded_sequence(lib.tensor(x), lengths, **kw)

    check_error(pack([5, 3]), match="batch_size=3")
    check_error(pack([5, 3, 0]), match="greater than 0")
    check_error(pack([3, 5, 1]), match="sorted in decreasing order")
    check_error(lambda lib: lib.nn.utils.rnn.pack_padded_sequence(
        lib.tensor(x), lib.tensor([[5, 3, 1]])), match="1D")
    check_error(lambda lib: lib.nn.utils.rnn.pack_padded_sequence(lib.randn(5), [5]))
    check_error(lambda lib: lib.nn.utils.rnn.pad_sequence([]), match="empty list")
    check_error(lambda lib: lib.nn.utils.rnn.pad_sequence([lib.ones(2, 3), lib.ones(3, 2)]),
                match="size of tensor a (3)")
    check_error(lambda lib: lib.nn.utils.rnn.pad_sequence([lib.ones(2)], padding_side="mid"),
                match="mid")
    check_error(lambda lib: lib.nn.utils.rnn.pack_sequence([]), match="empty list")

    def short_total(lib):
        packed = lib.nn.utils.rnn.pack_padded_sequence(lib.tensor(x), [5, 3, 3])
        return lib.nn.utils.rnn.pad_packed_sequence(packed, total_length=3)

    check_error(short_total, match="total_length=3")
    # a length beyond the padded input is refused (PyTorch reads past the end)
    with pytest.raises(RuntimeError, match="larger than"):
        gt.nn.utils.rnn.pack_padded_sequence(gt.tensor(x), [6, 5, 1])
