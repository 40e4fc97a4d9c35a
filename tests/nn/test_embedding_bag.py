"""F.embedding_bag and nn.EmbeddingBag against PyTorch: modes sum/mean/max, offsets (with
empty bags and include_last_offset), 2-D input, per_sample_weights, padding_idx, max_norm,
gradients of weight and per_sample_weights, float64 gradchecks, error parity, the layer's
repr, state_dict and default init."""
import numpy as np
import pytest
import torch

import glasstorch as gt
from tests.oracle.harness import check, check_error, gradcheck_fn, sample

RNG = np.random.default_rng(5)
IDX = np.array([1, 2, 4, 5, 4, 3, 2, 9, 0, 2])
OFFSETS = [  # (offsets, include_last_offset)
    ([0, 4], False),
    ([0, 3, 3, 8], False),          # an empty bag in the middle
    ([0, 0, 10], False),            # an empty bag first, one at the end
    ([0, 3, 3, 10], True),
    ([0, 10], True),
]


def F(t):
    return t.nn.functional


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize("padding_idx", [None, 2, -1])
@pytest.mark.parametrize("offsets,last", OFFSETS, ids=str)
def test_embedding_bag_offsets_match_torch(mode, padding_idx, offsets, last):
    w = sample((10, 3), "float64")
    check(lambda t, w: F(t).embedding_bag(t.tensor(IDX), w, t.tensor(offsets), mode=mode,
                                          include_last_offset=last, padding_idx=padding_idx),
          [w])


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_embedding_bag_2d_input_match_torch(mode, dtype):
    idx = RNG.integers(0, 7, size=(4, 5))
    check(lambda t, w: F(t).embedding_bag(t.tensor(idx), w, mode=mode), [sample((7, 6), dtype)])
    check(lambda t, w: F(t).embedding_bag(t.tensor(idx).int(), w, mode=mode, padding_idx=3),
          [sample((7, 6), dtype)])


def test_embedding_bag_per_sample_weights():
    w, psw = sample((10, 3), "float64"), sample((10,), "float64")
    for offsets, last in OFFSETS:
        check(lambda t, w, p: F(t).embedding_bag(t.tensor(IDX), w, t.tensor(offsets), mode="sum",
                                                 per_sample_weights=p, include_last_offset=last,
                                                 padding_idx=4), [w, psw])
    idx = RNG.integers(0, 10, size=(3, 4))
    check(lambda t, w, p: F(t).embedding_bag(t.tensor(idx), w, mode="sum",
                                             per_sample_weights=p), [w, sample((3, 4), "float64")])


def test_embedding_bag_max_norm_renormalises_weight():
    w = sample((10, 3), "float64", -3, 3)
    results = {}

    def fn(t, w):
        weight = w.detach().clone()
        out = F(t).embedding_bag(t.tensor(IDX), weight, t.tensor([0, 5]), max_norm=1.0)
        results[t.__name__] = weight.numpy()
        return out
    check(fn, [w], grad=False)
    np.testing.assert_allclose(results["glasstorch"], results["torch"], rtol=1e-6)


def test_embedding_bag_scale_grad_by_freq():
    # PyTorch's CPU kernel scales by mismatched counts (its gradients are not 1/frequency),
    # so the expected gradient here is the documented one: embedding's with
    # scale_grad_by_freq, summed per bag
    idx = np.array([[1, 2, 4, 5], [4, 3, 2, 9]])
    up = RNG.standard_normal((2, 3))
    wt = torch.tensor(sample((10, 3), "float64"), requires_grad=True)
    expected = torch.nn.functional.embedding(torch.tensor(idx), wt, scale_grad_by_freq=True)
    expected.mean(1).backward(torch.tensor(up))
    wg = gt.tensor(wt.detach().numpy(), requires_grad=True)
    out = gt.nn.functional.embedding_bag(gt.tensor(idx), wg, mode="mean",
                                         scale_grad_by_freq=True)
    out.backward(gt.tensor(up))
    np.testing.assert_allclose(wg.grad.numpy(), wt.grad.numpy(), rtol=1e-10)


def test_embedding_bag_gradcheck():
    for mode in ["sum", "mean", "max"]:
        gradcheck_fn(lambda t, w: t.nn.functional.embedding_bag(
            t.tensor(IDX), w, t.tensor([0, 3, 3, 8]), mode=mode, padding_idx=4),
            [sample((10, 3))])
    gradcheck_fn(lambda t, w, p: t.nn.functional.embedding_bag(
        t.tensor(IDX), w, t.tensor([0, 3, 3, 8]), mode="sum", per_sample_weights=p),
        [sample((10, 3)), sample((10,))])


def test_embedding_bag_errors():
    w = lambda t: t.randn(10, 3)  # noqa: E731
    i = lambda t: t.tensor(IDX)  # noqa: E731
    check_error(lambda t: F(t).embedding_bag(i(t), w(t), t.tensor([1, 4])), match="offsets[0]")
    check_error(lambda t: F(t).embedding_bag(i(t), w(t), t.tensor([0, 11])), match="11")
    check_error(lambda t: F(t).embedding_bag(i(t), w(t), t.tensor([0, 4, 2])))
    check_error(lambda t: F(t).embedding_bag(t.tensor([1, 12]), w(t), t.tensor([0])),
                match="12")
    check_error(lambda t: F(t).embedding_bag(t.tensor([1, -1]), w(t), t.tensor([0])))
    check_error(lambda t: F(t).embedding_bag(i(t), w(t), t.tensor([0]), padding_idx=10),
                match="padding_idx")
    check_error(lambda t: F(t).embedding_bag(i(t).float(), w(t), t.tensor([0])))
    check_error(lambda t: F(t).embedding_bag(i(t), w(t), t.tensor([0.0, 4.0])))
    check_error(lambda t: F(t).embedding_bag(i(t), w(t), t.tensor([0]), mode="max",
                                             per_sample_weights=t.ones(10)), match="mode='max'")
    check_error(lambda t: F(t).embedding_bag(i(t), w(t), t.tensor([0]),
                                             per_sample_weights=t.ones(9)), match="same shape")
    check_error(lambda t: F(t).embedding_bag(i(t), t.randn(10), t.tensor([0])), match="2D")
    check_error(lambda t: F(t).embedding_bag(i(t).reshape(2, 5), w(t), t.tensor([0])),
                match="offsets has to be None")
    check_error(lambda t: F(t).embedding_bag(i(t), w(t)), match="None")
    check_error(lambda t: F(t).embedding_bag(i(t), w(t), t.tensor([[0]])), match="1D")
    check_error(lambda t: F(t).embedding_bag(i(t).reshape(1, 2, 5), w(t)), match="1D or 2D")
    check_error(lambda t: F(t).embedding_bag(i(t), w(t), t.tensor([0]), mode="min"))
    check_error(lambda t: F(t).embedding_bag(i(t), w(t), t.tensor([0]), mode="max",
                                             scale_grad_by_freq=True), match="max mode")


@pytest.mark.parametrize("kwargs", [{}, {"mode": "sum", "padding_idx": -2},
                                    {"mode": "max", "max_norm": 1.5, "norm_type": 1.0},
                                    {"scale_grad_by_freq": True, "include_last_offset": True}],
                         ids=str)
def test_embedding_bag_layer_matches_torch(kwargs):
    ours, theirs = gt.nn.EmbeddingBag(10, 4, **kwargs), torch.nn.EmbeddingBag(10, 4, **kwargs)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert ours.padding_idx == theirs.padding_idx
    if ours.padding_idx is not None:
        assert not ours.weight.detach().numpy()[ours.padding_idx].any()
    w = sample((10, 4), "float64")
    ours.weight.data = gt.tensor(w)
    theirs.weight.data = torch.tensor(w)
    offsets = [0, 3, 10] if kwargs.get("include_last_offset") else [0, 3]
    out_o = ours(gt.tensor(IDX), gt.tensor(offsets))
    out_t = theirs(torch.tensor(IDX), torch.tensor(offsets))
    np.testing.assert_allclose(out_o.detach().numpy(), out_t.detach().numpy(), rtol=1e-10)
    up = RNG.standard_normal(tuple(out_t.shape))
    out_o.backward(gt.tensor(up))
    out_t.backward(torch.tensor(up))
    if not kwargs.get("scale_grad_by_freq"):
        np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(),
                                   rtol=1e-10)


def test_embedding_bag_init_and_from_pretrained():
    w = gt.nn.EmbeddingBag(200, 50).weight.detach().numpy()
    assert abs(w.mean()) < 0.02 and abs(w.std() - 1) < 0.02    # N(0, 1), as torch
    emb = sample((4, 3))
    for lib in (torch, gt):
        bag = lib.nn.EmbeddingBag.from_pretrained(lib.tensor(emb), mode="sum")
        assert not bag.weight.requires_grad
        assert repr(bag) == "EmbeddingBag(4, 3, mode='sum')"
        np.testing.assert_allclose(bag(lib.tensor([[0, 1], [2, 3]])).numpy(),
                                   emb[[0, 2]] + emb[[1, 3]], rtol=1e-6)
