"""Oracle tests for the shape, view and joining ops (values, dtypes, shapes, gradients vs torch;
float64 finite-difference gradchecks; error parity). View/memory semantics: test_views.py."""
import numpy as np
import pytest
import torch

import glasstorch as gt
from tests.oracle.harness import check, check_error, gradcheck_fn, sample


def s(*shape, dtype="float32"):
    return sample(shape, dtype)


# (id, fn(lib, *inputs), inputs). Every row runs through `check` (values + gradients of float
# inputs under a random upstream gradient); rows whose inputs are float also get a gradcheck.
CASES = [
    # view / reshape / flatten / squeeze
    ("view_varargs", lambda t, x: x.view(3, -1), [s(2, 3, 2)]),
    ("view_tuple", lambda t, x: x.view((4, 3)), [s(2, 6)]),
    ("view_size", lambda t, x: x.view(t.Size([6, 2])), [s(12)]),
    ("view_0d", lambda t, x: x.view(1, 1), [s()]),
    ("view_to_0d", lambda t, x: x.view(()), [s(1, 1)]),
    ("view_empty", lambda t, x: x.view(-1, 2), [s(0, 4)]),
    ("view_as", lambda t, x, y: x.view_as(y), [s(2, 6), s(3, 4)]),
    ("reshape_fn", lambda t, x: t.reshape(x, (3, -1)), [s(2, 3, 2)]),
    ("reshape_noncontig", lambda t, x: x.transpose(0, 1).reshape(-1), [s(3, 4)]),
    ("reshape_noncontig2", lambda t, x: x.permute(2, 0, 1).reshape(4, 6), [s(2, 3, 4)]),
    ("reshape_as", lambda t, x, y: x.reshape_as(y), [s(2, 6), s(4, 3)]),
    ("reshape_int", lambda t, x: x.reshape(2, 3), [s(6, dtype="int64")]),
    ("flatten", lambda t, x: t.flatten(x), [s(2, 3, 4)]),
    ("flatten_mid", lambda t, x: x.flatten(1, 2), [s(2, 3, 4, 5)]),
    ("flatten_neg", lambda t, x: x.flatten(-3, -2), [s(2, 3, 4, 5)]),
    ("flatten_0d", lambda t, x: x.flatten(), [s()]),
    ("flatten_same", lambda t, x: x.flatten(1, 1), [s(2, 3)]),
    ("flatten_noncontig", lambda t, x: x.mT.flatten(1), [s(2, 3, 4)]),
    ("unflatten", lambda t, x: x.unflatten(1, (3, 4)), [s(2, 12)]),
    ("unflatten_infer", lambda t, x: t.unflatten(x, -1, (-1, 2)), [s(2, 6)]),
    ("ravel", lambda t, x: t.ravel(x), [s(3, 4)]),
    ("ravel_noncontig", lambda t, x: x.t().ravel(), [s(3, 4)]),
    ("squeeze_all", lambda t, x: x.squeeze(), [s(1, 3, 1, 2)]),
    ("squeeze_dim", lambda t, x: t.squeeze(x, -2), [s(1, 3, 1, 2)]),
    ("squeeze_non1", lambda t, x: x.squeeze(1), [s(1, 3, 1, 2)]),
    ("squeeze_tuple", lambda t, x: x.squeeze((0, 2)), [s(1, 3, 1, 2)]),
    ("squeeze_0d", lambda t, x: x.squeeze(0), [s()]),
    ("squeeze_noncontig", lambda t, x: x.transpose(0, 2).squeeze(), [s(4, 1, 3)]),
    ("unsqueeze", lambda t, x: x.unsqueeze(1), [s(2, 3)]),
    ("unsqueeze_neg", lambda t, x: t.unsqueeze(x, -1), [s(2, 3)]),
    ("unsqueeze_0d", lambda t, x: x.unsqueeze(0), [s()]),
    ("unsqueeze_noncontig", lambda t, x: x.t().unsqueeze(1), [s(2, 3)]),
    # dim reordering
    ("transpose", lambda t, x: x.transpose(0, 2), [s(2, 3, 4)]),
    ("transpose_neg", lambda t, x: t.transpose(x, -1, -2), [s(2, 3, 4)]),
    ("transpose_0d", lambda t, x: x.transpose(0, -1), [s()]),
    ("swapaxes", lambda t, x: t.swapaxes(x, 0, 1), [s(2, 3)]),
    ("swapdims", lambda t, x: x.swapdims(1, 2), [s(2, 3, 4)]),
    ("permute_varargs", lambda t, x: x.permute(2, 0, 1), [s(2, 3, 4)]),
    ("permute_tuple", lambda t, x: t.permute(x, (1, -1, 0)), [s(2, 3, 4)]),
    ("permute_0d", lambda t, x: t.permute(x, ()), [s()]),
    ("t_2d", lambda t, x: x.t(), [s(2, 3)]),
    ("t_1d", lambda t, x: t.t(x), [s(3)]),
    ("T_2d", lambda t, x: x.T, [s(2, 3)]),
    ("mT", lambda t, x: x.mT, [s(2, 3, 4)]),
    ("mH", lambda t, x: x.mH, [s(2, 3, 4)]),
    ("H", lambda t, x: x.H, [s(3, 4)]),
    ("adjoint", lambda t, x: t.adjoint(x), [s(2, 3)]),
    ("movedim", lambda t, x: t.movedim(x, 0, -1), [s(2, 3, 4)]),
    ("movedim_tuple", lambda t, x: x.movedim((0, 1), (2, 0)), [s(2, 3, 4)]),
    ("moveaxis", lambda t, x: t.moveaxis(x, -1, 0), [s(2, 3, 4)]),
    # broadcasting
    ("expand", lambda t, x: x.expand(2, 3, 4), [s(3, 1)]),
    ("expand_keep", lambda t, x: x.expand(-1, 4), [s(3, 1)]),
    ("expand_tuple", lambda t, x: x.expand((2, -1, -1)), [s(3, 4)]),
    ("expand_same", lambda t, x: x.expand(3, 4), [s(3, 4)]),
    ("expand_0d", lambda t, x: x.expand(2, 3), [s()]),
    ("expand_empty", lambda t, x: x.expand(0, 3), [s(1, 3)]),
    ("expand_as", lambda t, x, y: x.expand_as(y), [s(1, 4), s(3, 4)]),
    ("broadcast_to", lambda t, x: t.broadcast_to(x, (2, 3, 4)), [s(4)]),
    ("broadcast_tensors", lambda t, x, y, z: t.broadcast_tensors(x, y, z),
     [s(3, 1), s(4), s(2, 1, 1)]),
    ("meshgrid_ij", lambda t, x, y: t.meshgrid(x, y, indexing="ij"), [s(3), s(4)]),
    ("meshgrid_xy", lambda t, x, y, z: t.meshgrid(x, y, z, indexing="xy"),
     [s(2), s(3), s(4)]),
    ("meshgrid_list", lambda t, x, y: t.meshgrid([x, y], indexing="ij"), [s(2), s()]),
    # pieces
    ("narrow", lambda t, x: x.narrow(1, 1, 2), [s(3, 4)]),
    ("narrow_neg", lambda t, x: t.narrow(x, -1, -3, 2), [s(3, 4)]),
    ("narrow_empty", lambda t, x: x.narrow(0, 3, 0), [s(3, 4)]),
    ("narrow_noncontig", lambda t, x: x.t().narrow(0, 1, 2), [s(3, 4)]),
    ("chunk", lambda t, x: x.chunk(3), [s(7, 2)]),
    ("chunk_dim", lambda t, x: t.chunk(x, 4, dim=-1), [s(2, 6)]),
    ("chunk_fewer", lambda t, x: x.chunk(4, 0), [s(6, 2)]),
    ("chunk_empty", lambda t, x: x.chunk(2), [s(0, 3)]),
    ("split_int", lambda t, x: x.split(2, 1), [s(3, 5)]),
    ("split_sizes", lambda t, x: t.split(x, [1, 0, 3], dim=-1), [s(3, 4)]),
    ("split_big", lambda t, x: x.split(10), [s(3, 4)]),
    ("tensor_split_n", lambda t, x: t.tensor_split(x, 3), [s(7, 2)]),
    ("tensor_split_idx", lambda t, x: x.tensor_split([1, 4], dim=1), [s(2, 6)]),
    ("tensor_split_unsorted", lambda t, x: x.tensor_split([4, 2, -1, 9]), [s(6, 2)]),
    ("unbind", lambda t, x: x.unbind(), [s(3, 2)]),
    ("unbind_dim", lambda t, x: t.unbind(x, -1), [s(2, 3)]),
    # joining
    ("cat", lambda t, x, y: t.cat([x, y]), [s(2, 3), s(4, 3)]),
    ("cat_dim", lambda t, x, y, z: t.cat((x, y, z), dim=-1), [s(2, 1), s(2, 3), s(2, 0)]),
    ("cat_legacy_empty", lambda t, x, y: t.cat([x, y], 1), [s(0), s(2, 3)]),
    ("cat_all_empty", lambda t, x, y: t.cat([x, y]), [s(0), s(0)]),
    ("cat_one", lambda t, x: t.cat([x], 1), [s(2, 3)]),
    ("cat_noncontig", lambda t, x, y: t.cat([x.t(), y], 1), [s(3, 2), s(2, 4)]),
    ("cat_promote", lambda t, x, y: t.cat([x, y]), [s(2, 2, dtype="int64"), s(1, 2)]),
    ("cat_promote64", lambda t, x, y: t.cat([x, y]), [s(2, 2), s(1, 2, dtype="float64")]),
    ("cat_bool", lambda t, x, y: t.cat([x, y]), [s(2, dtype="bool"), s(3, dtype="bool")]),
    ("concat", lambda t, x, y: t.concat([x, y], dim=1), [s(2, 3), s(2, 1)]),
    ("concatenate", lambda t, x, y: t.concatenate([x, y], axis=1), [s(2, 3), s(2, 1)]),
    ("stack", lambda t, x, y: t.stack([x, y]), [s(2, 3), s(2, 3)]),
    ("stack_last", lambda t, x, y, z: t.stack((x, y, z), -1), [s(2, 3), s(2, 3), s(2, 3)]),
    ("stack_0d", lambda t, x, y: t.stack([x, y]), [s(), s()]),
    ("stack_promote", lambda t, x, y: t.stack([x, y], 1), [s(2, dtype="int32"), s(2)]),
    ("hstack", lambda t, x, y: t.hstack([x, y]), [s(2, 3), s(2, 1)]),
    ("hstack_1d", lambda t, x, y: t.hstack([x, y]), [s(2), s()]),
    ("vstack", lambda t, x, y: t.vstack([x, y]), [s(3), s(2, 3)]),
    ("row_stack", lambda t, x, y: t.row_stack([x, y]), [s(3), s(3)]),
    ("dstack", lambda t, x, y: t.dstack([x, y]), [s(2, 3), s(2, 3, 2)]),
    ("dstack_1d", lambda t, x, y: t.dstack([x, y]), [s(3), s(3)]),
    ("column_stack", lambda t, x, y, z: t.column_stack([x, y, z]), [s(3), s(3, 2), s(3)]),
    ("column_stack_0d", lambda t, x, y: t.column_stack([x, y]), [s(), s()]),
    ("atleast_1d", lambda t, x: t.atleast_1d(x), [s()]),
    ("atleast_2d", lambda t, x, y: t.atleast_2d(x, y), [s(3), s(2, 2, 2)]),
    ("atleast_3d_0d", lambda t, x: t.atleast_3d(x), [s()]),
    ("atleast_3d_1d", lambda t, x: t.atleast_3d([x]), [s(3)]),
    ("atleast_3d_2d", lambda t, x: t.atleast_3d(x), [s(2, 3)]),
    # copies that move elements
    ("flip", lambda t, x: t.flip(x, (0, 2)), [s(2, 3, 4)]),
    ("flip_method", lambda t, x: x.flip(-1), [s(2, 3)]),
    ("flip_varargs", lambda t, x: x.flip(0, 1), [s(2, 3)]),
    ("flip_0d", lambda t, x: t.flip(x, [0]), [s()]),
    ("flip_noncontig", lambda t, x: x.t().flip([1]), [s(2, 3)]),
    ("flip_int", lambda t, x: t.flip(x, [0]), [s(4, dtype="int64")]),
    ("fliplr", lambda t, x: t.fliplr(x), [s(2, 3, 2)]),
    ("flipud", lambda t, x: x.flipud(), [s(3, 2)]),
    ("roll_flat", lambda t, x: t.roll(x, 2), [s(3, 4)]),
    ("roll_dim", lambda t, x: x.roll(-1, 1), [s(3, 4)]),
    ("roll_tuple", lambda t, x: t.roll(x, (1, 5), (0, -1)), [s(3, 4)]),
    ("roll_0d", lambda t, x: t.roll(x, 1), [s()]),
    ("roll_empty", lambda t, x: t.roll(x, 1, 0), [s(0, 3)]),
    ("repeat", lambda t, x: x.repeat(2, 3), [s(2, 3)]),
    ("repeat_new", lambda t, x: x.repeat(2, 1, 3), [s(2, 3)]),
    ("repeat_tuple", lambda t, x: x.repeat((3,)), [s(2)]),
    ("repeat_0d", lambda t, x: x.repeat(2, 2), [s()]),
    ("repeat_zero", lambda t, x: x.repeat(2, 0, 1), [s(2, 3)]),
    ("repeat_noncontig", lambda t, x: x.t().repeat(2, 2), [s(2, 3)]),
    ("tile_short", lambda t, x: t.tile(x, (2,)), [s(2, 3)]),
    ("tile_long", lambda t, x: x.tile(2, 1, 2), [s(2, 3)]),
    ("tile_method_tuple", lambda t, x: x.tile((2, 2)), [s(3)]),
    # diagonals and triangles
    ("diagonal", lambda t, x: t.diagonal(x), [s(3, 4)]),
    ("diagonal_offset", lambda t, x: x.diagonal(1), [s(3, 4)]),
    ("diagonal_neg_offset", lambda t, x: x.diagonal(-2), [s(4, 3)]),
    ("diagonal_dims", lambda t, x: t.diagonal(x, 1, 2, 0), [s(3, 2, 4)]),
    ("diagonal_dims_neg", lambda t, x: x.diagonal(-1, -1, -2), [s(2, 3, 4)]),
    ("diagonal_far", lambda t, x: x.diagonal(5), [s(3, 3)]),
    ("diagonal_noncontig", lambda t, x: x.t().diagonal(), [s(3, 4)]),
    ("diag_embed", lambda t, x: t.diag_embed(x), [s(2, 3)]),
    ("diag_embed_offset", lambda t, x: x.diag_embed(1), [s(3)]),
    ("diag_embed_dims", lambda t, x: t.diag_embed(x, -1, 0, 2), [s(2, 3)]),
    ("diag_1d", lambda t, x: t.diag(x), [s(3)]),
    ("diag_1d_offset", lambda t, x: t.diag(x, -1), [s(3)]),
    ("diag_2d", lambda t, x: x.diag(), [s(3, 4)]),
    ("diag_2d_offset", lambda t, x: t.diag(x, 2), [s(3, 4)]),
    ("tril", lambda t, x: t.tril(x), [s(3, 4)]),
    ("tril_k", lambda t, x: x.tril(-1), [s(2, 3, 3)]),
    ("tril_big_k", lambda t, x: t.tril(x, diagonal=2), [s(4, 3)]),
    ("tril_int", lambda t, x: t.tril(x), [s(3, 3, dtype="int64")]),
    ("tril_bool", lambda t, x: t.tril(x), [s(3, 3, dtype="bool")]),
    ("triu", lambda t, x: t.triu(x), [s(3, 4)]),
    ("triu_k", lambda t, x: x.triu(1), [s(2, 4, 3)]),
    ("triu_noncontig", lambda t, x: x.t().triu(-1), [s(3, 4)]),
]


@pytest.mark.parametrize("name,fn,inputs", CASES, ids=[c[0] for c in CASES])
def test_oracle(name, fn, inputs):
    check(fn, inputs)


# (zero-size inputs are left out: the finite-difference Jacobian of an empty input is empty)
GRADCHECK = [c for c in CASES if any(x.dtype.kind == "f" for x in c[2])
             and all(x.size for x in c[2]) and not c[0].startswith("cat_promote")]


@pytest.mark.parametrize("name,fn,inputs", GRADCHECK, ids=[c[0] for c in GRADCHECK])
def test_gradcheck(name, fn, inputs):
    gradcheck_fn(fn, inputs)


def test_chunk_one_piece_used():
    """Only one output of a multi-output op feeds the loss: the others get zero gradient."""
    check(lambda t, x: t.chunk(x, 3)[1] * 2, [s(6, 2)])
    check(lambda t, x: x.unbind(1)[0], [s(2, 3)])
    check(lambda t, x: x.split([1, 2])[1].exp(), [s(3, 2)])


def test_pieces_reused():
    check(lambda t, x: (lambda a, b: a * b + a)(*x.chunk(2)), [s(4, 3)])
    check(lambda t, x: t.cat(x.split(1, 1)[::-1], 1), [s(2, 3)])


def test_composites_grad():
    check(lambda t, x: t.stack([x, x.t()]).sum(0), [s(3, 3)])
    check(lambda t, x, y: t.cat([x.expand(2, 3), y.repeat(1, 3)]).tril(), [s(3), s(2, 1)])
    check(lambda t, x: x.view(2, 3).t().reshape(6).flip(0).roll(1), [s(6)])


def test_inplace_tril_triu():
    check(lambda t, x: (x * 1).tril_(), [s(3, 3)], grad=False)
    check(lambda t, x: (x * 1).triu_(1), [s(3, 4)], grad=False)


# ---------------------------------------------------------------------------------------------
# double backward: the backwards are differentiable (create_graph=True)
# ---------------------------------------------------------------------------------------------
DOUBLE = [
    ("view", lambda t, x: x.view(-1) * x.view(-1), [s(2, 3)]),
    ("transpose", lambda t, x: x.transpose(0, 1) * x.t(), [s(2, 3)]),
    ("permute", lambda t, x: x.permute(1, 2, 0) ** 2, [s(2, 3, 2)]),
    ("expand", lambda t, x: x.expand(3, 2) * x.expand(3, 2), [s(2)]),
    ("cat", lambda t, x: t.cat([x * x, x]), [s(2, 2)]),
    ("stack", lambda t, x: t.stack([x * x, x], 1), [s(3)]),
    ("chunk", lambda t, x: x.chunk(2)[0] * x.chunk(2)[1], [s(4)]),
    ("unbind", lambda t, x: x.unbind()[0] * x.unbind()[1], [s(2, 3)]),
    ("narrow", lambda t, x: x.narrow(0, 1, 2) ** 2, [s(4)]),
    ("flip", lambda t, x: x.flip(0) * x, [s(3)]),
    ("roll", lambda t, x: x.roll(1) * x, [s(2, 2)]),
    ("repeat", lambda t, x: x.repeat(2, 2) ** 3, [s(2)]),
    ("diagonal", lambda t, x: x.diagonal() ** 3, [s(3, 3)]),
    ("diag_embed", lambda t, x: t.diag_embed(x * x), [s(3)]),
    ("tril", lambda t, x: t.tril(x * x), [s(3, 3)]),
    ("triu", lambda t, x: t.triu(x * x, 1), [s(3, 3)]),
    ("squeeze", lambda t, x: x.unsqueeze(0).squeeze() ** 2, [s(3)]),
]


@pytest.mark.parametrize("name,fn,inputs", DOUBLE, ids=[c[0] for c in DOUBLE])
def test_double_backward_matches_torch(name, fn, inputs):
    """d/dx of (v . d out/dx) with create_graph=True, against torch."""
    x_np = inputs[0]
    results = []
    for lib in (torch, gt):
        x = lib.tensor(x_np.astype(np.float64), requires_grad=True)
        out = fn(lib, x)
        v = lib.tensor(np.linspace(-1, 1, out.numel()).reshape(tuple(out.shape)))
        (g,) = lib.autograd.grad(out, x, v, create_graph=True)
        (gg,) = lib.autograd.grad((g * g).sum(), x)
        results.append((g.detach().numpy(), gg.detach().numpy()))
    np.testing.assert_allclose(results[1][0], results[0][0], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(results[1][1], results[0][1], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name,fn,inputs", DOUBLE[::3], ids=[c[0] for c in DOUBLE[::3]])
def test_gradgradcheck(name, fn, inputs):
    x = gt.tensor(inputs[0].astype(np.float64), requires_grad=True)
    assert gt.autograd.gradgradcheck(lambda a: fn(gt, a), [x])


# ---------------------------------------------------------------------------------------------
# errors: same exception type as torch, message naming the culprit
# ---------------------------------------------------------------------------------------------
def _x(t, *shape):
    return t.zeros(*shape)


ERRORS = [
    ("view_bad_size", lambda t: _x(t, 2, 3).view(2, 5), "shape '[2, 5]' is invalid for input "
                                                        "of size 6"),
    ("view_two_infer", lambda t: _x(t, 2, 3).view(-1, -1), "only one dimension"),
    ("view_bad_infer", lambda t: _x(t, 2, 3).view(-1, 4), "[-1, 4]"),
    ("view_neg", lambda t: _x(t, 2, 3).view(-2, 3), "-2"),
    ("view_empty_ambiguous", lambda t: _x(t, 0, 3).view(-1, 0), "ambiguous"),
    ("view_noncontig", lambda t: _x(t, 2, 3).t().view(6), "Use .reshape(...) instead"),
    ("view_float", lambda t: _x(t, 2, 3).view(2.5, 3), None),
    ("reshape_bad", lambda t: t.reshape(_x(t, 2, 3), (4,)), "[4]"),
    ("flatten_order", lambda t: _x(t, 2, 3).flatten(1, 0), "start_dim"),
    ("flatten_dim", lambda t: _x(t, 2, 3).flatten(0, 2), "range"),
    ("unflatten_bad", lambda t: _x(t, 2, 3).unflatten(1, (2, 2)), "[2, 2]"),
    ("unflatten_empty", lambda t: _x(t, 2, 3).unflatten(1, ()), "non-empty"),
    ("squeeze_dim", lambda t: _x(t, 2, 3).squeeze(2), "range"),
    ("squeeze_dup", lambda t: _x(t, 1, 1).squeeze((0, -2)), "multiple"),
    ("unsqueeze_dim", lambda t: _x(t, 2, 3).unsqueeze(3), "range"),
    ("transpose_dim", lambda t: _x(t, 2, 3).transpose(0, 2), "[-2, 1]"),
    ("permute_len", lambda t: _x(t, 2, 3).permute(0), "len(dims) = 1"),
    ("permute_dup", lambda t: _x(t, 2, 3).permute(1, 1), "duplicate"),
    ("permute_range", lambda t: _x(t, 2, 3).permute(0, 2), "range"),
    ("t_3d", lambda t: _x(t, 2, 3, 4).t(), "3D"),
    ("mT_1d", lambda t: _x(t, 3).mT, "1-D"),
    ("H_3d", lambda t: _x(t, 2, 3, 4).H, "3-D"),
    ("movedim_len", lambda t: _x(t, 2, 3).movedim((0, 1), (1,)), "same number"),
    ("movedim_dup", lambda t: _x(t, 2, 3).movedim((0, 0), (0, 1)), "repeated"),
    ("movedim_range", lambda t: _x(t, 2, 3).movedim(2, 0), "range"),
    ("expand_mismatch", lambda t: _x(t, 2, 3).expand(3, 3), "existing size (2)"),
    ("expand_few", lambda t: _x(t, 2, 3).expand(3), "number of sizes provided (1)"),
    ("expand_lead_neg", lambda t: _x(t, 2, 3).expand(-1, 2, 3), "leading"),
    ("expand_neg", lambda t: _x(t, 2, 1).expand(-2, 3), "(-2)"),
    ("broadcast_to", lambda t: t.broadcast_to(_x(t, 2, 3), (2, 1, 3)), "existing size"),
    ("broadcast_tensors", lambda t: t.broadcast_tensors(_x(t, 2, 3), _x(t, 2, 1, 4)),
     "size of tensor a (3)"),
    ("broadcast_shapes", lambda t: t.broadcast_shapes((2,), (3,)), "length 3"),
    ("meshgrid_2d", lambda t: t.meshgrid(_x(t, 2, 2), _x(t, 3), indexing="ij"), "1D"),
    ("meshgrid_dtype", lambda t: t.meshgrid(_x(t, 2), t.zeros(3, dtype=t.int64),
                                            indexing="ij"), "dtype"),
    ("meshgrid_empty", lambda t: t.meshgrid(indexing="ij"), "non-empty"),
    ("meshgrid_indexing", lambda t: t.meshgrid(_x(t, 2), indexing="foo"), "foo"),
    ("narrow_over", lambda t: _x(t, 2, 3).narrow(1, 2, 2), "exceeds dimension size (3)"),
    ("narrow_start", lambda t: _x(t, 5, 3).narrow(0, 6, 0), "start out of range"),
    ("narrow_len", lambda t: _x(t, 5, 3).narrow(0, 1, -1), "non-negative"),
    ("narrow_0d", lambda t: t.tensor(1.).narrow(0, 0, 1), "0-dim"),
    ("narrow_dim", lambda t: _x(t, 2, 3).narrow(2, 0, 1), "range"),
    ("chunk_zero", lambda t: _x(t, 2, 3).chunk(0), "greater than 0, got: 0"),
    ("chunk_0d", lambda t: t.tensor(1.).chunk(1), "1-dimensional"),
    ("split_sum", lambda t: _x(t, 2, 3).split([1, 1], 1), "sum exactly to 3"),
    ("split_zero", lambda t: _x(t, 5, 3).split(0), "dimension size of 5"),
    ("split_neg", lambda t: _x(t, 5, 3).split(-1), "split_size=-1"),
    ("split_0d", lambda t: t.tensor(1.).split(1), "1-dimensional"),
    ("tensor_split_zero", lambda t: t.tensor_split(_x(t, 5), 0), "got 0"),
    ("unbind_0d", lambda t: t.tensor(1.).unbind(), "no dimensions"),
    ("unbind_dim", lambda t: _x(t, 2, 3).unbind(2), "range"),
    ("cat_mismatch", lambda t: t.cat([_x(t, 2, 3), _x(t, 2, 4)]),
     "Expected size 3 but got size 4 for tensor number 1"),
    ("cat_ndim", lambda t: t.cat([_x(t, 2, 3), _x(t, 3)]), "got 2 and 1"),
    ("cat_0d", lambda t: t.cat([t.tensor(1.)]), "position 0"),
    ("cat_empty_list", lambda t: t.cat([]), "non-empty"),
    ("cat_tensor_arg", lambda t: t.cat(_x(t, 2, 3)), "tuple of Tensors"),
    ("cat_dim", lambda t: t.cat([_x(t, 2, 3), _x(t, 0)], dim=2), "range"),
    ("cat_empty_2d", lambda t: t.cat([_x(t, 2, 3), _x(t, 0, 4)]), "size 4"),
    ("stack_mismatch", lambda t: t.stack([_x(t, 2, 3), _x(t, 2, 4)]),
     "[2, 3] at entry 0 and [2, 4] at entry 1"),
    ("stack_empty", lambda t: t.stack([]), "non-empty"),
    ("stack_dim", lambda t: t.stack([_x(t, 2), _x(t, 2)], 3), "range"),
    ("hstack_empty", lambda t: t.hstack([]), "non-empty"),
    ("flip_dup", lambda t: t.flip(_x(t, 2, 3), (0, 0)), "multiple"),
    ("flip_dim", lambda t: t.flip(_x(t, 2, 3), (2,)), "range"),
    ("fliplr_1d", lambda t: t.fliplr(_x(t, 3)), ">= 2-d"),
    ("flipud_0d", lambda t: t.flipud(t.tensor(1.)), ">= 1-d"),
    ("roll_align", lambda t: t.roll(_x(t, 2, 3), (1, 2), 0), "shifts: 2, dims:1"),
    ("roll_align2", lambda t: t.roll(_x(t, 2, 3), 1, (0, 1)), "shifts: 1, dims:2"),
    ("roll_dim", lambda t: t.roll(_x(t, 2, 3), 1, 2), "range"),
    ("repeat_few", lambda t: _x(t, 2, 3).repeat(2), "can not be smaller"),
    ("repeat_neg", lambda t: _x(t, 5, 3).repeat(-1, 3), "negative dimension -1"),
    ("diagonal_same", lambda t: t.diagonal(_x(t, 3, 3), 0, 1, 1), "identical"),
    ("diagonal_1d", lambda t: t.diagonal(_x(t, 3)), "range"),
    ("diag_embed_same", lambda t: t.diag_embed(_x(t, 2, 3), 1, 0, 0), "identical"),
    ("diag_embed_0d", lambda t: t.diag_embed(t.tensor(1.)), "range"),
    ("diag_3d", lambda t: t.diag(_x(t, 2, 2, 2)), "3D"),
    ("tril_1d", lambda t: t.tril(_x(t, 3)), "at least 2 dimensions"),
    ("triu_0d", lambda t: t.triu(t.tensor(1.)), "at least 2 dimensions"),
]


@pytest.mark.parametrize("name,fn,match", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors(name, fn, match):
    check_error(fn, match=match)


# ---------------------------------------------------------------------------------------------
# odds and ends
# ---------------------------------------------------------------------------------------------
def test_broadcast_shapes_value():
    assert gt.broadcast_shapes(2, (3, 1), (4, 1, 1)) == torch.broadcast_shapes(2, (3, 1),
                                                                              (4, 1, 1))
    assert isinstance(gt.broadcast_shapes((2, 3)), gt.Size)


def test_T_warns_off_2d_like_torch():
    with pytest.warns(UserWarning):
        gt.zeros(2, 3, 4).T


def test_grad_fn_names_match_torch():
    cases = [lambda x: x.view(6), lambda x: x.transpose(0, 1), lambda x: x.permute(1, 0),
             lambda x: x.expand(2, 2, 3), lambda x: x.unsqueeze(0), lambda x: x.squeeze(),
             lambda x: x.narrow(1, 0, 2), lambda x: x.unbind()[0], lambda x: x.diagonal(),
             lambda x: x.flip(0), lambda x: x.roll(1), lambda x: x.repeat(2, 1),
             lambda x: x.tril(), lambda x: x.triu(), lambda x: x.diag_embed()]
    for f in cases:
        ours = f(gt.zeros(2, 3, requires_grad=True)).grad_fn.name()
        theirs = type(f(torch.zeros(2, 3, requires_grad=True)).grad_fn).__name__
        assert ours == theirs
    assert gt.cat([gt.zeros(2, requires_grad=True)]).grad_fn.name() == "CatBackward0"
    assert gt.stack([gt.zeros(2, requires_grad=True)]).grad_fn.name() == "StackBackward0"


def test_cat_out():
    out = gt.zeros(5, 2)
    res = gt.cat([gt.ones(2, 2), gt.ones(3, 2) * 2], out=out)
    assert res is out
    np.testing.assert_array_equal(out.numpy()[:, 0], [1, 1, 2, 2, 2])


def test_iteration_unbinds():
    x = gt.tensor([[1., 2.], [3., 4.]])
    rows = list(x)
    assert [r.tolist() for r in rows] == [[1., 2.], [3., 4.]]
