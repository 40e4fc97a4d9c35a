"""F.ctc_loss and nn.CTCLoss against PyTorch on small random cases: padded and concatenated
targets, unbatched input, repeated labels, other blanks, every reduction, zero_infinity;
values and log_probs gradients (PyTorch's gradient formula), a float64 gradcheck through
log_softmax, error parity."""
import numpy as np
import pytest
import torch

import glasstorch as gt
from tests.oracle.harness import check, check_error, gradcheck_fn

RNG = np.random.default_rng(21)


def log_probs(T, N, C, dtype="float64"):
    return torch.randn(T, N, C, dtype=torch.float64).log_softmax(2).numpy().astype(dtype)


def case(T, N, C, S, blank=0, repeats=False):
    """Targets avoid the blank; input lengths leave room for the targets."""
    labels = [c for c in range(C) if c != blank]
    targets = RNG.choice(labels, size=(N, S))
    if repeats and S > 1:
        targets[:, 1] = targets[:, 0]       # a repeated label needs a blank between the two
    target_lengths = RNG.integers(0, S + 1, size=N)
    target_lengths[0] = S
    input_lengths = RNG.integers(2 * S + 1, T + 1, size=N)
    input_lengths[-1] = T
    return targets, input_lengths, target_lengths


def ctc(t, lp, targets, il, tl, **kw):
    return t.nn.functional.ctc_loss(lp, t.tensor(targets), t.tensor(il), t.tensor(tl), **kw)


@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
@pytest.mark.parametrize("T,N,C,S,blank", [(6, 2, 5, 2, 0), (12, 3, 4, 4, 0), (9, 4, 6, 3, 5),
                                           (5, 1, 3, 0, 1), (15, 2, 8, 5, 3)])
def test_ctc_padded_targets_match_torch(reduction, T, N, C, S, blank):
    targets, il, tl = case(T, N, C, S, blank, repeats=True)
    check(lambda t, lp: ctc(t, lp, targets, il, tl, blank=blank, reduction=reduction),
          [log_probs(T, N, C)], rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_ctc_concatenated_targets_and_lists(dtype):
    targets, il, tl = case(10, 3, 5, 3)
    flat = np.concatenate([row[:n] for row, n in zip(targets, tl)])
    tol = dict(rtol=1e-4, atol=1e-5) if dtype == "float32" else dict(rtol=1e-7, atol=1e-9)
    check(lambda t, lp: t.nn.functional.ctc_loss(lp, t.tensor(flat), t.tensor(il),
                                                 t.tensor(tl)), [log_probs(10, 3, 5, dtype)],
          **tol)
    check(lambda t, lp: t.nn.functional.ctc_loss(lp, t.tensor(targets), tuple(il.tolist()),
                                                 list(tl.tolist()), reduction="sum"),
          [log_probs(10, 3, 5, dtype)], **tol)


def test_ctc_unbatched_matches_torch():
    for reduction in ["none", "mean"]:
        check(lambda t, lp: t.nn.functional.ctc_loss(lp, t.tensor([1, 2, 2]), t.tensor(7),
                                                     t.tensor(3), reduction=reduction),
              [log_probs(7, 1, 4)[:, 0]], rtol=1e-7, atol=1e-9)


def test_ctc_impossible_alignments_and_zero_infinity():
    # the first sample's 3 repeated labels need 5 frames but have 3: an infinite loss
    targets = np.array([[1, 1, 1], [2, 3, 0]])
    il, tl = np.array([3, 6]), np.array([3, 2])
    for reduction in ["none", "sum", "mean"]:
        check(lambda t, lp: ctc(t, lp, targets, il, tl, reduction=reduction,
                                zero_infinity=True), [log_probs(6, 2, 4)], rtol=1e-7, atol=1e-9)
    check(lambda t, lp: ctc(t, lp, targets, il, tl, reduction="none"), [log_probs(6, 2, 4)],
          grad=False)


def test_ctc_gradcheck_through_log_softmax():
    targets, il, tl = case(7, 2, 4, 2, repeats=True)
    gradcheck_fn(lambda t, x: ctc(t, x.log_softmax(2), targets, il, tl, reduction="none"),
                 [RNG.standard_normal((7, 2, 4))])
    gradcheck_fn(lambda t, x: ctc(t, x.log_softmax(2), targets, il, tl, blank=3),
                 [RNG.standard_normal((7, 2, 4))])


def test_ctc_layer_matches_torch():
    targets, il, tl = case(8, 2, 5, 3)
    for kwargs in [{}, {"blank": 4, "reduction": "sum", "zero_infinity": True}]:
        ours, theirs = gt.nn.CTCLoss(**kwargs), torch.nn.CTCLoss(**kwargs)
        assert repr(ours) == repr(theirs) == "CTCLoss()"
        assert (ours.blank, ours.zero_infinity, ours.reduction) == \
            (theirs.blank, theirs.zero_infinity, theirs.reduction)
        t2 = np.where(targets == kwargs.get("blank", 0), 1, targets)
        check(lambda t, lp: (ours if t is gt else theirs)(lp, t.tensor(t2), t.tensor(il),
                                                          t.tensor(tl)),
              [log_probs(8, 2, 5)], rtol=1e-7, atol=1e-9)


def test_ctc_errors():
    lp = lambda t: t.randn(6, 2, 5).log_softmax(2)  # noqa: E731
    tg = lambda t: t.tensor([[1, 2, 2], [3, 1, 0]])  # noqa: E731
    il, tl = [6, 5], [3, 2]
    F = lambda t: t.nn.functional  # noqa: E731
    check_error(lambda t: F(t).ctc_loss(lp(t), tg(t), t.tensor([7, 5]), t.tensor(tl)),
                match="at most 6")
    check_error(lambda t: F(t).ctc_loss(lp(t), tg(t), t.tensor(il), t.tensor([4, 2])),
                match="size at least 4")
    check_error(lambda t: F(t).ctc_loss(lp(t), tg(t), t.tensor(il), t.tensor([-1, 2])),
                match="at least 0")
    check_error(lambda t: F(t).ctc_loss(lp(t), tg(t), t.tensor([6.0, 5.0]), t.tensor(tl)),
                match="integral")
    check_error(lambda t: F(t).ctc_loss(lp(t), tg(t), t.tensor([6]), t.tensor(tl)),
                match="batch_size")
    check_error(lambda t: F(t).ctc_loss(lp(t), tg(t), t.tensor(il), t.tensor([3])),
                match="batch_size")
    check_error(lambda t: F(t).ctc_loss(lp(t), tg(t), t.tensor(il), t.tensor(tl), blank=5),
                match="blank")
    check_error(lambda t: F(t).ctc_loss(lp(t), tg(t), t.tensor(il), t.tensor(tl), blank=-1),
                match="blank")
    check_error(lambda t: F(t).ctc_loss(lp(t).long(), tg(t), t.tensor(il), t.tensor(tl)))
    check_error(lambda t: F(t).ctc_loss(lp(t), tg(t).flatten()[:4], t.tensor(il),
                                        t.tensor(tl)), match="size 5")
    check_error(lambda t: F(t).ctc_loss(lp(t), tg(t), t.tensor(il), t.tensor(tl),
                                        reduction="x"))
