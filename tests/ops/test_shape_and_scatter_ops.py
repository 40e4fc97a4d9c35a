"""Oracle tests for shape ops (repeat_interleave, unfold, as_strided, in-place squeeze_/t_/
transpose_ …, select, sum_to_size, split_with_sizes, h/v/dsplit, rot90, diagflat, block_diag,
cartesian_prod, combinations) and the ops that write into a copy or in place (the *_scatter
ops, fill_diagonal_, index_put)."""
import numpy as np
import pytest
import torch

import glasstorch as gt
from tests.oracle.harness import check, check_error, gradcheck_fn, sample


def nc(shape):
    """A non-contiguous float32 array of `shape` (a transposed copy's view)."""
    return np.ascontiguousarray(sample(shape[::-1])).T


# ---------------------------------------------------------------------------------------------
# one table: value, dtype, shape and gradient per case; a float64 gradcheck per row
# ---------------------------------------------------------------------------------------------
CASES = [
    # id, fn, input shapes (float32 samples)
    ("ri_int", lambda t, x: t.repeat_interleave(x, 2), [(2, 3)]),
    ("ri_dim", lambda t, x: x.repeat_interleave(3, dim=-1), [(2, 3)]),
    ("ri_tensor", lambda t, x: t.repeat_interleave(x, t.tensor([1, 0, 2]), dim=1), [(2, 3)]),
    ("ri_tensor_flat", lambda t, x: t.repeat_interleave(x, t.tensor([1, 0, 2, 3, 0, 1])),
     [(2, 3)]),
    ("ri_one_count", lambda t, x: t.repeat_interleave(x, t.tensor([2]), dim=0), [(2, 3)]),
    ("ri_0d_count", lambda t, x: t.repeat_interleave(x, t.tensor(2), dim=0), [(2, 3)]),
    ("ri_0d_input", lambda t, x: t.repeat_interleave(x, 3), [()]),
    ("ri_empty", lambda t, x: t.repeat_interleave(x, 2, dim=0), [(0, 3)]),
    ("ri_zero_counts", lambda t, x: t.repeat_interleave(x, t.tensor([0, 0]), dim=0), [(2, 3)]),
    ("unfold", lambda t, x: x.unfold(1, 2, 1), [(2, 5)]),
    ("unfold_step", lambda t, x: x.unfold(-1, 2, 3), [(2, 3, 8)]),
    ("unfold_dim0_long", lambda t, x: x.unfold(0, 5, 1), [(7, 2)]),
    ("unfold_0d", lambda t, x: x.unfold(0, 1, 1), [()]),
    ("unfold_size0", lambda t, x: x.unfold(1, 0, 1), [(2, 3)]),
    ("as_strided", lambda t, x: t.as_strided(x, (3, 3), (1, 2)), [(10,)]),
    ("as_strided_overlap", lambda t, x: x.as_strided((3, 2), (1, 1)), [(6,)]),
    ("as_strided_offset", lambda t, x: x[2:].as_strided((3,), (2,)), [(10,)]),
    ("as_strided_offset_arg", lambda t, x: x[2:].as_strided((2, 2), (2, 1), 1), [(10,)]),
    ("as_strided_2d", lambda t, x: x.t().as_strided((2, 3), (1, 2)), [(3, 2)]),
    ("select", lambda t, x: t.select(x, 1, -1), [(2, 3, 4)]),
    ("select_method", lambda t, x: x.select(0, 1), [(2, 3)]),
    ("select_1d", lambda t, x: x.select(0, 2), [(4,)]),
    ("sum_to_size", lambda t, x: x.sum_to_size(1, 3), [(2, 3)]),
    ("sum_to_size_lead", lambda t, x: x.sum_to_size((3,)), [(2, 4, 3)]),
    ("sum_to_size_same", lambda t, x: x.sum_to_size(2, 3) * 1, [(2, 3)]),
    ("sum_to_size_mixed", lambda t, x: x.sum_to_size(4, 1), [(2, 4, 3)]),
    ("split_with_sizes", lambda t, x: t.split_with_sizes(x, [1, 2], dim=1), [(2, 3)]),
    ("split_with_sizes_m", lambda t, x: x.split_with_sizes([2, 0, 1]), [(3, 2)]),
    ("hsplit", lambda t, x: t.hsplit(x, 2), [(3, 4)]),
    ("hsplit_list", lambda t, x: x.hsplit([1, 3]), [(3, 4)]),
    ("hsplit_1d", lambda t, x: t.hsplit(x, 2), [(4,)]),
    ("vsplit", lambda t, x: t.vsplit(x, [1]), [(3, 4)]),
    ("dsplit", lambda t, x: x.dsplit(2), [(2, 1, 4)]),
    ("rot90", lambda t, x: t.rot90(x), [(2, 3)]),
    ("rot90_k2", lambda t, x: x.rot90(2, [1, 2]), [(2, 3, 4)]),
    ("rot90_neg", lambda t, x: t.rot90(x, -1, (0, -1)), [(2, 3, 4)]),
    ("rot90_k0", lambda t, x: t.rot90(x, 4), [(2, 3)]),
    ("diagflat", lambda t, x: t.diagflat(x), [(2, 2)]),
    ("diagflat_offset", lambda t, x: x.diagflat(-1), [(3,)]),
    ("block_diag", lambda t, a, b, c: t.block_diag(a, b, c), [(), (2,), (2, 3)]),
    ("block_diag_empty", lambda t, a, b: t.block_diag(a, b), [(0, 2), (1, 1)]),
    ("cartesian", lambda t, a, b: t.cartesian_prod(a, b), [(2,), (3,)]),
    ("cartesian3", lambda t, a, b, c: t.cartesian_prod(a, b, c), [(2,), (1,), (2,)]),
    ("cartesian1", lambda t, a: t.cartesian_prod(a), [(3,)]),
    ("combinations", lambda t, x: t.combinations(x), [(4,)]),
    ("combinations3", lambda t, x: t.combinations(x, 3), [(5,)]),
    ("combinations_rep", lambda t, x: t.combinations(x, 2, with_replacement=True), [(3,)]),
    ("combinations_big_r", lambda t, x: t.combinations(x, 3), [(2,)]),
    ("combinations_r1", lambda t, x: t.combinations(x, 1), [(2,)]),
    ("select_scatter", lambda t, x, s: t.select_scatter(x, s, 0, 1), [(2, 3), (3,)]),
    ("select_scatter_0d", lambda t, x, s: x.select_scatter(s, 0, -1), [(4,), ()]),
    ("slice_scatter", lambda t, x, s: t.slice_scatter(x, s, 1, 0, 3, 2), [(2, 3), (2, 2)]),
    ("slice_scatter_def", lambda t, x, s: x.slice_scatter(s), [(2, 3), (2, 3)]),
    ("slice_scatter_neg", lambda t, x, s: t.slice_scatter(x, s, -1, -1), [(2, 3), (2, 1)]),
    ("slice_scatter_over", lambda t, x, s: t.slice_scatter(x, s, 1, 1, 10), [(2, 3), (2, 2)]),
    ("diagonal_scatter", lambda t, x, s: t.diagonal_scatter(x, s, 1), [(2, 3), (2,)]),
    ("diagonal_scatter_3d", lambda t, x, s: x.diagonal_scatter(s, 0, 1, 2), [(2, 3, 3),
                                                                           (2, 3)]),
    ("index_put", lambda t, x, v: t.index_put(x, (t.tensor([0, 2]),), v), [(3, 2), (2,)]),
    ("index_put_acc", lambda t, x, v: t.index_put(x, (t.tensor([0, 2, 0]),), v, True),
     [(3, 2), (3, 2)]),
    ("index_put_2idx", lambda t, x, v: x.index_put((t.tensor([0, 1]), t.tensor([1, 0])), v),
     [(2, 2), ()]),
    ("index_put_mask", lambda t, x, v: t.index_put(x, (x > 0,), v, accumulate=True),
     [(2, 3), ()]),
]


@pytest.mark.parametrize("name,fn,shapes", CASES, ids=[c[0] for c in CASES])
def test_values_and_grads(name, fn, shapes):
    check(fn, [sample(s) for s in shapes])


@pytest.mark.parametrize("name,fn,shapes", CASES, ids=[c[0] for c in CASES])
def test_gradcheck(name, fn, shapes):
    if name == "index_put_mask":
        pytest.skip("the mask is recomputed from the perturbed input")
    if name == "as_strided_offset_arg":
        pytest.skip("reads base memory outside its input (torch drops that gradient too)")
    gradcheck_fn(fn, [sample(s, "float64") for s in shapes])


@pytest.mark.parametrize("name,fn,shapes", [c for c in CASES if len(c[2]) == 1
                                            and len(c[2][0]) == 2 and 0 not in c[2][0]],
                         ids=lambda c: c if isinstance(c, str) else "")
def test_noncontiguous_input(name, fn, shapes):
    if name.startswith("as_strided"):
        pytest.skip("as_strided reads storage positions, not the input's own layout")
    check(fn, [nc(shapes[0])])


def test_integer_and_bool_inputs():
    i = np.arange(6).reshape(2, 3)
    for fn in (lambda t, x: t.repeat_interleave(x, 2, dim=0), lambda t, x: x.unfold(1, 2, 1),
               lambda t, x: t.rot90(x), lambda t, x: t.diagflat(x),
               lambda t, x: t.block_diag(x, x.bool()), lambda t, x: x.select(1, 0),
               lambda t, x: t.select_scatter(x, t.tensor([1.5, 2.5]), 1, 0),
               lambda t, x: t.cartesian_prod(x[0], x[1]), lambda t, x: t.combinations(x[0]),
               lambda t, x: t.index_put(x, (t.tensor([1]),), x.new_tensor([7, 8, 9]), True),
               lambda t, x: x.hsplit(3), lambda t, x: x.sum_to_size(3)):
        check(fn, [i], grad=False)
        check(fn, [i.astype(bool)], grad=False)


# ---------------------------------------------------------------------------------------------
# repeat_interleave: the one-argument form and the argument checks
# ---------------------------------------------------------------------------------------------
def test_repeat_interleave_counts_form():
    check(lambda t, c: t.repeat_interleave(c), [np.array([1, 2, 0, 3])], grad=False)
    check(lambda t, c: t.repeat_interleave(c), [np.array([1, 2], "int32")], grad=False)
    check(lambda t, c: t.repeat_interleave(c), [np.array([], "int64")], grad=False)
    check(lambda t, x: t.repeat_interleave(x, t.tensor([1, 2]), dim=0, output_size=3),
          [sample((2, 2))])


@pytest.mark.parametrize("fn", [
    lambda t: t.repeat_interleave(t.ones(2, 3), -1),
    lambda t: t.repeat_interleave(t.ones(2, 3), t.tensor([1, -1]), dim=0),
    lambda t: t.repeat_interleave(t.ones(2, 3), t.tensor([1, 2]), dim=1),
    lambda t: t.repeat_interleave(t.ones(2, 3), t.tensor([1.0, 2.0]), dim=0),
    lambda t: t.repeat_interleave(t.ones(2, 3), t.tensor([[1, 2]]), dim=0),
    lambda t: t.repeat_interleave(t.ones(2, 3), t.tensor([1, 2]), dim=0, output_size=5),
    lambda t: t.repeat_interleave(t.tensor([[1, 2]])),
    lambda t: t.repeat_interleave(t.ones(2, 3), 2, dim=2),
])
def test_repeat_interleave_errors(fn):
    check_error(fn)


# ---------------------------------------------------------------------------------------------
# views: unfold, as_strided, select share memory; in-place shape changes
# ---------------------------------------------------------------------------------------------
def test_views_share_memory_and_version():
    for make in (lambda x: x.unfold(1, 2, 2), lambda x: x.as_strided((2, 2), (1, 3)),
                 lambda x: x.select(1, 1), lambda x: gt.as_strided(x, (3,), (1,), 2)):
        x = gt.arange(12.0).reshape(3, 4)
        v = make(x)
        assert v._base is x._base
        x.add_(1)
        assert v._version == x._version
        assert np.shares_memory(v.numpy(), x.numpy())
    x = gt.arange(12.0).reshape(3, 4)
    x.unfold(1, 2, 2).mul_(0)          # non-overlapping windows are writable, as in torch
    assert x[:, :4].abs().sum().item() == 0


def test_storage_offset_of_views_matches_torch():
    for fn in (lambda t, x: x[1:].storage_offset(), lambda t, x: x[:, 2].storage_offset(),
               lambda t, x: x.select(0, 2).storage_offset(),
               lambda t, x: x.unfold(1, 2, 1)[1].storage_offset(),
               lambda t, x: x.t().as_strided((2,), (3,), 1).storage_offset(),
               lambda t, x: x.as_strided((2, 2), (1, 2)).stride()):
        check(fn, [sample((3, 4))], grad=False)


def test_unfold_and_as_strided_errors():
    check_error(lambda t: t.ones(2, 3).unfold(1, 4, 1), match="maximum size")
    check_error(lambda t: t.ones(2, 3).unfold(1, 2, 0), match="step")
    check_error(lambda t: t.ones(2, 3).unfold(2, 1, 1))
    check_error(lambda t: t.tensor(3.0).unfold(0, 2, 1))
    check_error(lambda t: t.arange(10.0).as_strided((3, 4), (4, 1)), match="out of bounds")
    check_error(lambda t: t.arange(10.0).as_strided((3,), (-1,)), match="Negative")
    check_error(lambda t: t.arange(10.0).as_strided((3,), (1, 1)), match="length")


INPLACE_SHAPES = [
    ("squeeze_", lambda x: x.squeeze_(), (2, 1, 3)),
    ("squeeze_dim", lambda x: x.squeeze_(1), (2, 1, 3)),
    ("unsqueeze_", lambda x: x.unsqueeze_(-1), (2, 3)),
    ("t_", lambda x: x.t_(), (2, 3)),
    ("transpose_", lambda x: x.transpose_(0, 2), (2, 3, 4)),
    ("swapaxes_", lambda x: x.swapaxes_(0, 1), (2, 3, 4)),
    ("swapdims_", lambda x: x.swapdims_(-1, 0), (2, 3, 4)),
    ("as_strided_", lambda x: x.as_strided_((2, 2), (1, 2)), (6,)),
]


@pytest.mark.parametrize("name,fn,shape", INPLACE_SHAPES, ids=[r[0] for r in INPLACE_SHAPES])
def test_inplace_shape_changes(name, fn, shape):
    def run(t, x):
        y = x * 2
        version = y._version
        out = fn(y)
        assert out is y and y._version == version + 1
        return y, y.stride()
    check(run, [sample(shape)])


def test_inplace_shape_change_of_a_leaf():
    check_error(lambda t: t.ones(2, 1, requires_grad=True).squeeze_(), match="leaf")
    x = gt.ones(2, 1, requires_grad=True)
    with gt.no_grad():
        x.squeeze_()
    assert x.shape == (2,)
    assert gt.as_strided_(gt.arange(6.0), (3,), (2,)).tolist() == [0.0, 2.0, 4.0]


# ---------------------------------------------------------------------------------------------
# argument checks of the remaining ops
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("fn", [
    lambda t: t.select(t.ones(2, 3), 1, 3),
    lambda t: t.select(t.tensor(1.0), 0, 0),
    lambda t: t.ones(2, 3).sum_to_size(2, 2),
    lambda t: t.ones(2, 3).sum_to_size(1, 2, 3),
    lambda t: t.split_with_sizes(t.ones(2, 3), [1, 1], dim=1),
    lambda t: t.hsplit(t.ones(2, 3), 2),
    lambda t: t.hsplit(t.ones(2, 3), 0),
    lambda t: t.hsplit(t.tensor(1), 1),
    lambda t: t.vsplit(t.arange(4), 2),
    lambda t: t.dsplit(t.ones(2, 3), 2),
    lambda t: t.rot90(t.ones(2, 3), 1, [0, 1, 2]),
    lambda t: t.rot90(t.ones(2, 3), 1, [1, -1]),
    lambda t: t.rot90(t.arange(3), 1),
    lambda t: t.rot90(t.ones(2, 3), 1, [0, 2]),
    lambda t: t.block_diag(t.zeros(1, 1, 1)),
    lambda t: t.cartesian_prod(t.tensor([[1, 2]]), t.tensor([1])),
    lambda t: t.combinations(t.ones(2, 3)),
    lambda t: t.combinations(t.ones(3), -1),
    lambda t: t.select_scatter(t.ones(2, 3), t.ones(2), 0, 1),
    lambda t: t.select_scatter(t.ones(2, 3), t.ones(3), 0, 5),
    lambda t: t.slice_scatter(t.ones(2, 3), t.ones(2, 1), 1, 0, 3, 2),
    lambda t: t.diagonal_scatter(t.ones(2, 3), t.ones(3), 1),
    lambda t: t.ones(2, 3).diagonal_scatter(t.ones(2), 0, 1, 1),
    lambda t: t.index_put(t.ones(3), (t.tensor([0]),), t.ones(1, dtype=t.float64)),
    lambda t: t.index_put(t.ones(3), (t.tensor([5]),), t.ones(1)),
    lambda t: t.index_put(t.ones(3, 2), (t.tensor([0, 1]),), t.ones(3)),
    lambda t: t.index_put(t.ones(3), (t.tensor([0]),), 1.0),
    lambda t: t.index_put(t.ones(2, 3), (None, t.tensor([1])), t.ones(1)),
])
def test_errors(fn):
    check_error(fn)


def test_block_diag_with_no_inputs_and_promotion():
    check(lambda t: t.block_diag(), [], grad=False)
    check(lambda t, a, b: t.block_diag(a, b), [np.array([[1]]), sample((2,), "float64")])


def test_cartesian_prod_dtype_mismatch():
    check_error(lambda t: t.cartesian_prod(t.tensor([1, 2]), t.tensor([3.0])))


# ---------------------------------------------------------------------------------------------
# fill_diagonal_ and index_put_ (in place)
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape,wrap", [((3, 3), False), ((7, 3), True), ((7, 3), False),
                                         ((2, 4), True), ((2, 2, 2), False), ((0, 0), False)])
def test_fill_diagonal_(shape, wrap):
    def run(t, x):
        y = x * 1
        assert y.fill_diagonal_(5.0, wrap=wrap) is y
        return y
    check(run, [sample(shape)])
    gradcheck_fn(lambda t, x: (x * 1).fill_diagonal_(0.5, wrap), [sample(shape, "float64")])


def test_fill_diagonal_dtypes_and_errors():
    check(lambda t, x: x.fill_diagonal_(2.7), [np.zeros((2, 2), "int64")], grad=False)
    check(lambda t, x: x.clone().fill_diagonal_(True), [np.zeros((2, 3), bool)], grad=False)
    check_error(lambda t: t.zeros(2, 2, 3).fill_diagonal_(5), match="equal length")
    check_error(lambda t: t.zeros(2).fill_diagonal_(5), match="larger than 1")
    check_error(lambda t: t.zeros(2, 2, requires_grad=True).fill_diagonal_(5), match="leaf")


def test_index_put_inplace():
    def run(t, x, v):
        y = x * 1
        out = y.index_put_((t.tensor([0, 0, 2]),), v, accumulate=True)
        assert out is y
        return y
    check(run, [sample((3, 2)), sample((3, 2))])

    def run_plain(t, x, v):
        y = x * 1
        return t.index_put_(y, (t.tensor([1]), t.tensor([0])), v)
    check(run_plain, [sample((3, 2)), sample(())])
    x = torch.zeros(3)
    g = gt.zeros(3)
    x.index_put_((torch.tensor([0, 0]),), torch.tensor([1.0, 2.0]), accumulate=True)
    g.index_put_((gt.tensor([0, 0]),), gt.tensor([1.0, 2.0]), accumulate=True)
    assert g.tolist() == x.tolist()
