"""Embedding, one_hot and the dropout family against PyTorch (dropout by its statistics: the
random streams differ)."""
import math
import warnings

import numpy as np
import pytest
import torch

import glasstorch as gt
from tests.oracle.harness import check, check_error, sample


def F(t):
    return t.nn.functional


IDX = np.array([[0, 2, 4, 2], [4, 4, 1, 0]])


# ---------------------------------------------------------------------------------- embedding
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("index", [IDX, IDX[0], np.array(3), np.zeros((0, 2), np.int64),
                                   IDX.astype(np.int32), IDX.T], ids=str)
def test_embedding_matches_torch(index, dtype):
    check(lambda t, i, w: F(t).embedding(i, w), [index, sample((5, 3), dtype)])


@pytest.mark.parametrize("padding_idx", [0, 2, 4, -1, -5])
def test_embedding_padding_idx_gets_no_gradient(padding_idx):
    w = check(lambda t, i, w: F(t).embedding(i, w, padding_idx=padding_idx),
              [IDX, sample((5, 3))])
    assert w.shape == (2, 4, 3)


def test_embedding_scale_grad_by_freq():
    check(lambda t, i, w: F(t).embedding(i, w, scale_grad_by_freq=True), [IDX, sample((5, 3))])
    check(lambda t, i, w: F(t).embedding(i, w, padding_idx=4, scale_grad_by_freq=True),
          [IDX, sample((5, 3))])


@pytest.mark.parametrize("norm_type", [2.0, 1.0])
def test_embedding_max_norm_renormalises_weight_in_place(norm_type):
    w = sample((5, 3), low=-3, high=3)
    outs = []
    for lib in (torch, gt):
        weight = lib.tensor(w)
        out = F(lib).embedding(lib.tensor(IDX[:, :2]), weight, max_norm=1.0, norm_type=norm_type)
        outs.append((out.numpy(), weight.numpy()))
    np.testing.assert_allclose(outs[1][0], outs[0][0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(outs[1][1], outs[0][1], rtol=1e-5, atol=1e-6)


def test_embedding_gradcheck():
    gt_w = gt.tensor(sample((5, 3), "float64"), requires_grad=True)
    assert gt.autograd.gradcheck(lambda w: F(gt).embedding(gt.tensor(IDX), w), [gt_w])
    # (scale_grad_by_freq is deliberately not a true gradient, so it is not gradchecked)


def test_embedding_errors():
    err = check_error(lambda t: F(t).embedding(t.tensor([5]), t.randn(5, 2)))
    assert str(err) == "index out of range in self"
    check_error(lambda t: F(t).embedding(t.tensor([-1]), t.randn(5, 2)))
    check_error(lambda t: F(t).embedding(t.tensor([1.0]), t.randn(5, 2)), match="Long, Int")
    check_error(lambda t: F(t).embedding(t.tensor([1]), t.randn(5)))
    check_error(lambda t: F(t).embedding(t.tensor([1]), t.randn(3, 2), padding_idx=3))
    check_error(lambda t: F(t).embedding(t.tensor([1]), t.randn(3, 2), padding_idx=-4))
    check_error(lambda t: t.nn.Embedding(3, 2, padding_idx=3))
    check_error(lambda t: t.nn.Embedding(3, 2, padding_idx=-4))


EMB_ARGS = [((10, 3), {}), ((10, 3), {"padding_idx": 0}), ((10, 3), {"padding_idx": -1}),
            ((10, 3), {"max_norm": 1.0, "norm_type": 1.0}),
            ((10, 3), {"scale_grad_by_freq": True, "sparse": True})]


@pytest.mark.parametrize("args,kwargs", EMB_ARGS, ids=str)
def test_embedding_module_repr_and_state(args, kwargs):
    ours, theirs = gt.nn.Embedding(*args, **kwargs), torch.nn.Embedding(*args, **kwargs)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert ours.padding_idx == theirs.padding_idx


def test_embedding_module_forward_backward():
    ours, theirs = gt.nn.Embedding(5, 3, padding_idx=1), torch.nn.Embedding(5, 3, padding_idx=1)
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(ours.weight.detach().numpy()))
    up = np.random.default_rng(0).standard_normal((2, 4, 3)).astype(np.float32)
    ours(gt.tensor(IDX)).backward(gt.tensor(up))
    theirs(torch.tensor(IDX)).backward(torch.tensor(up))
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=1e-6)
    assert not np.any(ours.weight.grad.numpy()[1])


def test_embedding_default_init_is_standard_normal():
    w = gt.nn.Embedding(2000, 50).weight.detach().numpy().astype(np.float64).ravel()
    n = w.size
    assert abs(w.mean()) < 5 / math.sqrt(n)
    assert abs(w.var() - 1) < 5 * math.sqrt(2 / n)
    assert abs(np.mean(np.abs(w)) - math.sqrt(2 / math.pi)) < 0.01   # a normal, not a uniform
    padded = gt.nn.Embedding(6, 4, padding_idx=-2).weight.detach().numpy()
    assert not np.any(padded[4]) and np.all(padded[[0, 1, 2, 3, 5]] != 0)
    assert gt.nn.Embedding(3, 2, dtype=gt.float64).weight.dtype == gt.float64


@pytest.mark.parametrize("freeze", [True, False])
def test_embedding_from_pretrained(freeze):
    table = sample((4, 3))
    ours = gt.nn.Embedding.from_pretrained(gt.tensor(table), freeze=freeze, padding_idx=2)
    theirs = torch.nn.Embedding.from_pretrained(torch.tensor(table), freeze=freeze,
                                                padding_idx=2)
    assert repr(ours) == repr(theirs)
    assert ours.weight.requires_grad == theirs.weight.requires_grad == (not freeze)
    np.testing.assert_array_equal(ours.weight.detach().numpy(), table)   # row 2 not zeroed
    out = ours(gt.tensor([[2, 3]]))
    np.testing.assert_array_equal(out.detach().numpy(), table[[[2, 3]]])
    check_error(lambda t: t.nn.Embedding.from_pretrained(t.ones(3)))


def test_embedding_from_pretrained_shares_memory():
    table = gt.zeros(3, 2)
    m = gt.nn.Embedding.from_pretrained(table)
    table[0, 0] = 7.0
    assert m.weight[0, 0].item() == 7.0


# ---------------------------------------------------------------------------------- one_hot
@pytest.mark.parametrize("index,num_classes", [(np.array([0, 3, 1]), -1), (IDX, -1),
                                               (IDX, 7), (np.array(2), -1),
                                               (np.zeros((0,), np.int64), 3)], ids=str)
def test_one_hot_matches_torch(index, num_classes):
    check(lambda t, i: F(t).one_hot(i, num_classes), [index])


def test_one_hot_errors():
    check_error(lambda t: F(t).one_hot(t.tensor([1], dtype=t.int32)), match="LongTensor")
    check_error(lambda t: F(t).one_hot(t.tensor([-1])), match="non-negative")
    check_error(lambda t: F(t).one_hot(t.tensor([3]), 3), match="smaller than num_classes")
    check_error(lambda t: F(t).one_hot(t.tensor([], dtype=t.int64)), match="empty")
    check_error(lambda t: F(t).one_hot(t.tensor([1.0])))


# ---------------------------------------------------------------------------------- dropout
@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_dropout_statistics_and_scaling(p):
    gt.manual_seed(0)
    x = gt.rand(200, 500) + 0.5
    out = F(gt).dropout(x, p).numpy()
    dropped = out == 0
    n = dropped.size
    assert abs(dropped.mean() - p) < 5 * math.sqrt(p * (1 - p) / n)
    np.testing.assert_allclose(out[~dropped], x.numpy()[~dropped] / (1 - p), rtol=1e-6)
    assert out.dtype == np.float32


def test_dropout_gradient_uses_the_forward_mask():
    gt.manual_seed(1)
    x = gt.rand(40, 50, dtype=gt.float64, requires_grad=True)
    y = F(gt).dropout(x + 1, 0.3)
    up = np.random.default_rng(0).standard_normal((40, 50))
    y.backward(gt.tensor(up))
    kept = y.detach().numpy() != 0
    expected = np.where(kept, up / 0.7, 0.0)
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-12)


def test_dropout_eval_and_p0_return_the_input():
    x = gt.randn(3, 4, requires_grad=True)
    assert F(gt).dropout(x, 0.5, training=False) is x
    assert F(gt).dropout(x, 0.0) is x
    m = gt.nn.Dropout(0.5).eval()
    assert m(x) is x
    assert not m.training


def test_dropout_p1_zeroes_everything():
    check(lambda t, x: F(t).dropout(x, 1.0), [sample((3, 4))])


def test_dropout_inplace():
    gt.manual_seed(2)
    x = gt.ones(100, 100)
    out = F(gt).dropout(x, 0.5, inplace=True)
    assert out is x
    assert set(np.unique(x.numpy())) == {0.0, 2.0}
    check_error(lambda t: F(t).dropout(t.ones(3, requires_grad=True), 0.5, inplace=True))


def test_dropout_seeded_reproducibility():
    gt.manual_seed(5)
    a = F(gt).dropout(gt.ones(50), 0.5).numpy()
    gt.manual_seed(5)
    b = F(gt).dropout(gt.ones(50), 0.5).numpy()
    np.testing.assert_array_equal(a, b)


def test_dropout_errors():
    check_error(lambda t: F(t).dropout(t.randn(3), 1.5), match="between 0 and 1")
    check_error(lambda t: F(t).dropout(t.randn(3), -0.1))
    check_error(lambda t: t.nn.Dropout(-0.1))
    check_error(lambda t: t.nn.Dropout2d(2))
    check_error(lambda t: F(t).dropout(t.tensor([1, 2]), 0.5))
    check_error(lambda t: F(t).dropout1d(t.randn(1, 2, 3, 4), 0.5), match="2D or 3D")


def test_dropout_module_train_eval_and_repr():
    for cls in ("Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout",
                "FeatureAlphaDropout"):
        for args in ((), (0.2,), (0.3, True)):
            assert repr(getattr(gt.nn, cls)(*args)) == repr(getattr(torch.nn, cls)(*args))
    m = gt.nn.Dropout(0.5)
    x = gt.ones(1000)
    assert 0 < (m(x).numpy() == 0).mean() < 1
    m.eval()
    np.testing.assert_array_equal(m(x).numpy(), x.numpy())


@pytest.mark.parametrize("fn,shape,mask_shape", [
    ("dropout1d", (8, 6, 20), (8, 6, 1)),
    ("dropout1d", (6, 20), (6, 1)),
    ("dropout2d", (8, 6, 5, 4), (8, 6, 1, 1)),
    ("dropout2d", (8, 6, 20), (8, 6, 1)),           # PyTorch's (N, C, L) reading, warns
    ("dropout3d", (4, 6, 2, 3, 4), (4, 6, 1, 1, 1)),
    ("dropout3d", (6, 2, 3, 4), (6, 1, 1, 1)),
])
def test_channel_dropout_drops_whole_channels(fn, shape, mask_shape):
    gt.manual_seed(3)
    x = gt.rand(*shape) + 0.5
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = getattr(F(gt), fn)(x, 0.5).numpy()
    dropped = out == 0
    reduce_axes = tuple(i for i, s in enumerate(mask_shape) if s == 1)
    per_channel = dropped.all(axis=reduce_axes)
    assert np.array_equal(per_channel, dropped.any(axis=reduce_axes))  # all or nothing
    assert 0 < per_channel.mean() < 1
    np.testing.assert_allclose(out[~dropped], x.numpy()[~dropped] * 2, rtol=1e-6)


def test_dropout2d_warnings_like_torch():
    for lib in (torch, gt):
        with pytest.warns(UserWarning, match="Received a 3D input to dropout2d"):
            F(lib).dropout2d(lib.ones(2, 3, 4))
        with pytest.warns(UserWarning, match="Received a 2-D input to dropout2d"):
            F(lib).dropout2d(lib.ones(2, 3))
        with pytest.warns(UserWarning, match="Received a 3-D input to dropout3d"):
            F(lib).dropout3d(lib.ones(2, 3, 4))


def test_alpha_dropout_keeps_mean_and_variance():
    gt.manual_seed(4)
    x = gt.randn(400, 500)
    out = F(gt).alpha_dropout(x, 0.2, training=True).numpy()
    assert abs(out.mean()) < 0.02 and abs(out.var() - 1) < 0.03
    assert F(gt).alpha_dropout(x, 0.2) is x                  # training defaults to False
    m = gt.nn.AlphaDropout(0.2)
    y = m(x).numpy()
    assert abs(y.var() - 1) < 0.03
    # the dropped units all take the same value: a * (-alpha') + b
    alpha, p = 1.7580993408473766, 0.2
    a = 1 / math.sqrt((alpha * alpha * p + 1) * (1 - p))
    values, counts = np.unique(np.round(y, 5), return_counts=True)
    assert values[np.argmax(counts)] == pytest.approx(-alpha * a + alpha * a * p, abs=1e-4)
