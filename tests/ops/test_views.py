"""View semantics: the view ops share memory, version counter and `_base` with their input,
exactly where PyTorch's do; the copying ops don't. Layout (stride, is_contiguous) vs torch."""
import numpy as np
import pytest
import torch

import glasstorch as gt
from tests.oracle.harness import check_error


def _base_tensor(lib, shape=(2, 3, 4)):
    return lib.arange(float(np.prod(shape))).reshape(shape).clone()


# (id, fn(lib, x)) for x of shape (2, 3, 4): each result must be a view of x in both libraries
VIEWS = [
    ("view", lambda t, x: x.view(6, 4)),
    ("view_infer", lambda t, x: x.view(-1)),
    ("view_as", lambda t, x: x.view_as(t.zeros(4, 6))),
    ("reshape", lambda t, x: x.reshape(4, 6)),
    ("reshape_of_transposed_ok", lambda t, x: x.transpose(1, 2).reshape(2, 4, 3)),
    ("flatten", lambda t, x: x.flatten()),
    ("flatten_part", lambda t, x: t.flatten(x, 1)),
    ("unflatten", lambda t, x: x.unflatten(2, (2, 2))),
    ("ravel", lambda t, x: t.ravel(x)),
    ("squeeze", lambda t, x: x.unsqueeze(0).squeeze()),
    ("unsqueeze", lambda t, x: x.unsqueeze(1)),
    ("unsqueeze_noncontig", lambda t, x: x.transpose(0, 2).unsqueeze(1)),
    ("squeeze_noncontig", lambda t, x: x.narrow(1, 1, 1).transpose(0, 2).squeeze(1)),
    ("transpose", lambda t, x: x.transpose(0, 2)),
    ("swapaxes", lambda t, x: x.swapaxes(0, 1)),
    ("permute", lambda t, x: x.permute(2, 0, 1)),
    ("movedim", lambda t, x: x.movedim(0, -1)),
    ("t", lambda t, x: x.flatten(1).t()),
    ("T", lambda t, x: x.flatten(1).T),
    ("mT", lambda t, x: x.mT),
    ("expand_same", lambda t, x: x.expand(2, 3, 4)),
    ("narrow", lambda t, x: x.narrow(2, 1, 2)),
    ("chunk", lambda t, x: x.chunk(2, 2)[1]),
    ("split", lambda t, x: x.split([1, 2], 1)[1]),
    ("tensor_split", lambda t, x: x.tensor_split(3, 2)[2]),
    ("unbind", lambda t, x: x.unbind(1)[2]),
    ("diagonal", lambda t, x: x.diagonal(0, 1, 2)),
    ("diagonal_offset", lambda t, x: t.diagonal(x, 1, -1, -2)),
    ("view_of_view", lambda t, x: x.transpose(0, 1).narrow(0, 1, 1).squeeze(0)),
]


@pytest.mark.parametrize("name,fn", VIEWS, ids=[v[0] for v in VIEWS])
def test_view_shares_memory_both_ways(name, fn):
    results = {}
    for lib in (torch, gt):
        x = _base_tensor(lib)
        v = fn(lib, x)
        assert v._base is x, f"{lib.__name__}: _base is not the input"
        # write through the view: the base sees it
        v.mul_(-1)
        # write through the base: the view sees it
        x.add_(100)
        results[lib] = (x.numpy().copy(), v.numpy().copy(), x._version, v._version)
    (tx, tv, t_xv, t_vv), (gx, gv, g_xv, g_vv) = results[torch], results[gt]
    np.testing.assert_array_equal(gx, tx)
    np.testing.assert_array_equal(gv, tv)
    assert g_xv == g_vv == 2, "base and view share one version counter, bumped twice"


def test_view_base_is_root_base():
    x = gt.zeros(2, 3)
    v = x.view(6).view(3, 2).t()
    assert v._base is x
    assert v._version_counter() is x._version_counter()


def test_view_of_leaf_requiring_grad_shares_memory():
    x = gt.zeros(2, 3, requires_grad=True)
    v = x.view(6)
    assert v._base is x
    assert v.grad_fn is not None and v.grad_fn.name() == "ViewBackward0"
    assert np.shares_memory(v._data, x._data)


# ops that return new memory in PyTorch (and so here)
COPIES = [
    ("reshape_noncontig", lambda t, x: x.transpose(0, 1).reshape(-1)),
    ("flatten_noncontig", lambda t, x: x.transpose(0, 1).flatten()),
    ("flip", lambda t, x: x.flip(0)),
    ("roll", lambda t, x: x.roll(1, 0)),
    ("repeat", lambda t, x: x.repeat(1, 1, 1)),
    ("tile", lambda t, x: x.tile((1,))),
    ("cat", lambda t, x: t.cat([x])),
    ("stack", lambda t, x: t.stack([x])),
    ("tril", lambda t, x: x.tril()),
    ("triu", lambda t, x: x.triu()),
    ("diag", lambda t, x: t.diag(x.flatten(1))),
    ("diag_embed", lambda t, x: t.diag_embed(x)),
]


@pytest.mark.parametrize("name,fn", COPIES, ids=[c[0] for c in COPIES])
def test_copying_ops_do_not_share(name, fn):
    for lib in (torch, gt):
        x = _base_tensor(lib)
        out = fn(lib, x)
        before = out.numpy().copy()
        x.add_(1)
        np.testing.assert_array_equal(out.numpy(), before)
        assert out._base is None
    out = fn(gt, _base_tensor(gt))
    assert out._version == 0


def test_flatten_same_dim_returns_input():
    for lib in (torch, gt):
        x = lib.zeros(2, 3)
        assert x.flatten(1, 1) is x


def test_view_of_noncontiguous_raises_reshape_copies():
    for lib in (torch, gt):
        x = lib.zeros(2, 3).t()
        with pytest.raises(RuntimeError, match=r"view size is not compatible.*\.reshape"):
            x.view(6)
        y = x.reshape(6)
        assert y._base is None
        y.add_(1)
        assert x.sum().item() == 0


def test_view_on_compatible_noncontiguous():
    """A transposed tensor can still be viewed when the split/merged dims stay contiguous."""
    for lib in (torch, gt):
        x = lib.arange(24.).reshape(2, 3, 4).transpose(0, 1)  # (3, 2, 4), non-contiguous
        v = x.view(3, 2, 2, 2)
        assert v._base is not None
        v.mul_(0)
        assert x.sum().item() == 0


def test_expand_shares_memory_and_reads_base_writes():
    for lib in (torch, gt):
        x = lib.zeros(3, 1)
        e = x.expand(2, 3, 4)
        assert e._base is x
        x.add_(1)
        assert e.sum().item() == 24
        assert e.stride() == (0, 1, 0)


def test_expand_stretched_refuses_writes():
    check_error(lambda t: t.zeros(3, 1).expand(3, 4).add_(1))


def test_expand_stretched_never_writes_silently():
    x = gt.zeros(3, 1)
    with pytest.raises(Exception):
        x.expand(3, 4).add_(1)
    assert x.sum().item() == 0


def test_inplace_on_view_reaches_base_gradient():
    grads = []
    for lib in (torch, gt):
        a = lib.ones(2, 3, requires_grad=True)
        b = a * 1
        b.view(-1).mul_(2)
        b.sum().backward()
        grads.append(a.grad.numpy())
    np.testing.assert_array_equal(grads[1], grads[0])


def test_view_dtype_reinterprets_bytes():
    for lib in (torch, gt):
        x = lib.tensor([1.0, -2.0, 0.5])
        v = x.view(lib.int32)
        assert str(v.dtype) == "torch.int32"
        v.add_(1)  # bumps the last mantissa bit of every float: seen through x
        assert x.numpy()[0] != 1.0 and x._version == 1
    np.testing.assert_array_equal(gt.tensor([1.0, -2.0]).view(gt.int32).numpy(),
                                  torch.tensor([1.0, -2.0]).view(torch.int32).numpy())


def test_inplace_on_view_invalidates_saved_values():
    """A saved output modified through a view: backward raises, as in PyTorch."""
    for lib in (torch, gt):
        a = lib.ones(2, 3, requires_grad=True)
        b = (a * 2).sigmoid()  # sigmoid saves its output
        b.view(-1).add_(1)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            b.sum().backward()


def test_version_shared_by_pieces():
    for lib in (torch, gt):
        x = lib.zeros(4, 2)
        a, b = x.chunk(2)
        b.add_(1)
        assert x._version == a._version == b._version == 1
        np.testing.assert_array_equal(x.numpy(), [[0, 0], [0, 0], [1, 1], [1, 1]])


def test_diagonal_is_writable_view():
    for lib in (torch, gt):
        x = lib.zeros(3, 3)
        x.diagonal().add_(1)
        np.testing.assert_array_equal(x.numpy(), np.eye(3))


# ---------------------------------------------------------------------------------------------
# layout parity: stride() and is_contiguous() of views match torch
# ---------------------------------------------------------------------------------------------
LAYOUTS = [
    lambda t, x: x.t() if x.dim() == 2 else x.transpose(0, 2),
    lambda t, x: x.permute(1, 2, 0),
    lambda t, x: x.unsqueeze(1),
    lambda t, x: x.narrow(2, 1, 2),
    lambda t, x: x.expand(5, 2, 3, 4),
    lambda t, x: x.diagonal(0, 1, 2),
    lambda t, x: x.view(6, 4),
    lambda t, x: x.mT.unbind(2)[1],
    lambda t, x: x.chunk(2, 2)[0],
]


@pytest.mark.parametrize("k", range(len(LAYOUTS)))
def test_layout_matches_torch(k):
    fn = LAYOUTS[k]
    tv = fn(torch, torch.zeros(2, 3, 4))
    gv = fn(gt, gt.zeros(2, 3, 4))
    assert tuple(gv.shape) == tuple(tv.shape)
    assert gv.stride() == tv.stride()
    assert gv.is_contiguous() == tv.is_contiguous()


# ---------------------------------------------------------------------------------------------
# views made before an in-place op changed their base's history (through the base or through
# another view): PyTorch re-derives them from the base when they are used next, so gradients
# through them see the write. Before, such a view kept its old history: a silently wrong grad.
# ---------------------------------------------------------------------------------------------
_A = np.arange(12.0).reshape(3, 4)
_W = np.arange(12.0).reshape(4, 3)


def _stale_view_cases(t, case, w):
    if case == "write through one view, read another":
        base = (w * 1).t()
        base[1].mul_(3)
        return (base * t.tensor(_W)).sum()
    if case == "strided view of a strided base":
        base = (w * 1)[:, ::2]
        base[:, 1].exp_()
        return (base * 2).sum()
    if case == "in-place on the base, read an older view":
        r = w * 1
        v = r[0]
        r.mul_(2)
        return v.sum()
    if case == "base without grad gets one by setitem":
        r = t.zeros(3, 4, dtype=t.float64)
        v = r[1]
        r[1] = w[0] * 5
        return (v * v).sum()
    if case == "row written, column read":
        r = w * 1
        v1, v2 = r[0], r[:, 1]
        v1.add_(w[1])
        return (v2 * t.tensor([1.0, 2.0, 3.0], dtype=t.float64)).sum()
    if case == "expanded view of a written base":
        r = w * 1
        e = r[0:1].expand(3, 4)
        r[0, 0] = 7.0
        return (e * 2).sum()
    if case == "backward called on the stale view":
        r = w * 1
        s = r[1, 1]
        r.pow_(2)
        return s
    raise AssertionError(case)


STALE_VIEW_CASES = ["write through one view, read another", "strided view of a strided base",
                    "in-place on the base, read an older view",
                    "base without grad gets one by setitem", "row written, column read",
                    "expanded view of a written base", "backward called on the stale view"]


@pytest.mark.parametrize("case", STALE_VIEW_CASES)
def test_older_views_see_an_in_place_write_to_their_base(case):
    grads = []
    for t in (torch, gt):
        w = t.tensor(_A, requires_grad=True)
        _stale_view_cases(t, case, w).backward()
        grads.append(w.grad.numpy())
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-12)


def test_stale_view_is_rederived_as_strided_from_its_base():
    r = gt.tensor(_A, requires_grad=True) * 1
    v = r[1]
    r.mul_(2)
    assert (v * 1).grad_fn.next_functions[0][0].name() == "AsStridedBackward0"


@pytest.mark.parametrize("case", STALE_VIEW_CASES)
def test_older_views_gradcheck(case):
    """The re-derived view's backward (AsStrided) and CopySlices by finite differences."""
    w = gt.tensor(_A / 10, requires_grad=True)
    assert gt.autograd.gradcheck(lambda w: _stale_view_cases(gt, case, w), (w,))
