"""Oracle tests for indexing (x[i], x[i] = v) and the gather/scatter/index_*/masked_*/take
family: values, dtypes, shapes and gradients against torch, float64 gradchecks, errors."""
import numpy as np
import pytest
import torch

import glasstorch as gt
from tests.oracle.harness import check, check_error, gradcheck_fn, sample

X = sample((3, 4, 5))
XS = sample((3, 4, 5), "float64")            # for finite-difference gradchecks
MASK3 = sample((3, 4, 5), "bool")
MASK2 = np.array([[True, False, True, False], [False] * 4, [True] * 4])

# (name, index builder for library t), for inputs of shape (3, 4, 5)
GETITEM = [
    ("int", lambda t: 1),
    ("neg_int", lambda t: -1),
    ("numpy_int", lambda t: np.int64(2)),
    ("int_pair", lambda t: (1, -2)),
    ("all_ints", lambda t: (1, 2, 3)),
    ("slice", lambda t: slice(1, 3)),
    ("slice_steps", lambda t: (slice(None, None, 2), slice(1, None, 3))),
    ("slice_past_end", lambda t: slice(2, 100)),
    ("empty_slice", lambda t: slice(3, 1)),
    ("neg_slice", lambda t: (slice(-2, None), slice(None, -1))),
    ("none", lambda t: (None, 1, None)),
    ("ellipsis", lambda t: (Ellipsis, 2)),
    ("ellipsis_mid", lambda t: (0, Ellipsis, 1)),
    ("bool_dim1", lambda t: (slice(None), t.tensor([True, False, True, True]))),
    ("python_true", lambda t: True),
    ("python_false", lambda t: False),
    ("true_with_adv", lambda t: (True, [0, 1])),
    ("int_tensor_repeats", lambda t: t.tensor([0, 2, 2, -1])),
    ("int_list", lambda t: [2, 0, 2]),
    ("numpy_array", lambda t: np.array([1, 1, 0])),
    ("int32_tensor", lambda t: t.tensor([1, 0], dtype=t.int32)),
    ("index_2d", lambda t: t.tensor([[0, 1], [1, 1]])),
    ("adv_adjacent", lambda t: ([0, 1, 1], [2, 2, 0])),
    ("adv_separated", lambda t: ([0, 1], slice(None), [2, 3])),
    ("int_then_adv", lambda t: (0, slice(None), [1, 2])),
    ("adv_int_adv", lambda t: ([0, 1], 0, [1, 2])),
    ("slice_then_adv", lambda t: (slice(1, 3), [0, 0, 3])),
    ("adv_broadcast", lambda t: (t.tensor([[0], [1]]), t.tensor([1, 2, 3]))),
    ("zero_d_tensor", lambda t: t.tensor(2)),
    ("zero_d_tensor_in_tuple", lambda t: (slice(None), t.tensor(1))),
    ("none_adv", lambda t: (None, [0, 1], None, [1, 2])),
    ("empty_list", lambda t: []),
    ("nested_list_as_tuple", lambda t: [[0, 1], [1, 0]]),
    ("ellipsis_adv", lambda t: (Ellipsis, [0, 0, 1])),
    ("tensor_slice_bound", lambda t: slice(t.tensor(1), None)),
    ("range_and_tensor", lambda t: (range(3), t.tensor([0, 3, 1]))),   # d2l's y_hat[range, y]
    ("range_middle", lambda t: (slice(None), range(1, 3))),
]


@pytest.mark.parametrize("name,make", GETITEM, ids=[c[0] for c in GETITEM])
def test_getitem(name, make):
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")     # torch's deprecation warning for nested lists
        check(lambda t, x: x[make(t)], [X])


@pytest.mark.parametrize("name,make", GETITEM, ids=[c[0] for c in GETITEM])
def test_getitem_gradcheck(name, make):
    gradcheck_fn(lambda t, x: x[make(t)], [XS])


@pytest.mark.parametrize("make", [
    lambda t: t.tensor(MASK3), lambda t: t.tensor(MASK2), lambda t: MASK2,
    lambda t: (t.tensor(MASK2), [0, 4, 4, 1, 2, 3]),
    lambda t: (t.tensor([True, False, True]), slice(None), [0, 4]),
    lambda t: (slice(None), t.tensor(MASK3[0])),
    lambda t: (Ellipsis, t.tensor(MASK3[0])),
])
def test_getitem_masks(make):
    check(lambda t, x: x[make(t)], [X])


def test_getitem_non_contiguous_and_zero_d():
    check(lambda t, x: x[:, ::2][1:, [0, 1, 0]][..., 1], [X])
    check(lambda t, x: x[None], [np.float32(1.5) * np.ones((), np.float32)])
    for make in (lambda t: None, lambda t: Ellipsis, lambda t: True, lambda t: False,
                 lambda t: t.tensor(True), lambda t: (None, None)):
        check(lambda t, x: x[make(t)], [sample(())])


@pytest.mark.parametrize("dtype", ["int64", "bool", "float64", "int32"])
def test_getitem_dtypes(dtype):
    check(lambda t, x: x[1:, [0, 2]], [sample((3, 4), dtype)])
    check(lambda t, x: x[x.bool()] if dtype != "bool" else x[x], [sample((3, 4), dtype)])


def test_basic_index_is_a_view():
    x = gt.tensor(np.arange(24.0).reshape(2, 3, 4))
    for index in (0, (1, 2), (1, 2, 3), slice(1, 2), (None, 0), (Ellipsis, 1)):
        y = x[index]
        assert np.shares_memory(y._data, x._data)
        assert y._base is x and y._vc is x._vc
    y = x[0]
    x.add_(1)
    assert y._version == x._version == 1
    assert y[0, 0].item() == 1.0                # the view sees the write
    z = y[1:]                                   # a view of a view keeps the root base
    assert z._base is x
    for index in ([0, 1], gt.tensor([1]), gt.tensor(1), x[0] > 3):
        w = x[index] if not isinstance(index, gt.Tensor) or index.dtype != gt.bool \
            else x[0][index]
        assert not np.shares_memory(w._data, x._data)


def test_getitem_grad_fn_and_double_backward():
    xs = np.linspace(-1, 1, 20).reshape(4, 5)
    w = np.arange(20.).reshape(4, 5)
    results = []
    for lib in (torch, gt):
        x = lib.tensor(xs, requires_grad=True)
        y = (x[[0, 0, 3], 1:] ** 3).sum() + (x[x > 0] ** 2).sum()
        (g,) = lib.autograd.grad(y, x, create_graph=True)
        (gg,) = lib.autograd.grad((g * lib.tensor(w)).sum(), x)
        results.append((g.detach().numpy(), gg.numpy()))
    np.testing.assert_allclose(results[1][0], results[0][0])
    np.testing.assert_allclose(results[1][1], results[0][1])


GETITEM_ERRORS = [
    lambda t, x: x[4],
    lambda t, x: x[:, -6],
    lambda t, x: x[:, :, ::-1],
    lambda t, x: x[::0],
    lambda t, x: x[1.5],
    lambda t, x: x[0, 0, 0, 0],
    lambda t, x: x[t.tensor([5])],
    lambda t, x: x[[0, -5]],
    lambda t, x: x[:, t.tensor([[True, False]])],
    lambda t, x: x[t.tensor([1.0])],
    lambda t, x: x[t.tensor([1], dtype=t.int8)],
    lambda t, x: x[[0, 1], [0, 1, 2]],
    lambda t, x: t.tensor(3.0)[0],
]


@pytest.mark.parametrize("fn", GETITEM_ERRORS)
def test_getitem_errors(fn):
    check_error(lambda t: fn(t, t.tensor(X)))


def test_getitem_error_messages():
    x = gt.zeros(3)
    with pytest.raises(IndexError, match="index 5 is out of bounds for dimension 0 with size 3"):
        x[5]
    with pytest.raises(ValueError, match="step must be greater than zero"):
        x[::-1]
    with pytest.raises(IndexError, match="too many indices for tensor of dimension 1"):
        x[0, 0]


# ---------------------------------------------------------------------------------------------
# setitem
# ---------------------------------------------------------------------------------------------
def _assign(index, value_from_input=True):
    """y = x * 1; y[index] = v; return y  (x and v both get gradients)."""
    def fn(t, x, v):
        y = x * 1
        y[index(t)] = v
        return y * 1
    return fn


SETITEM = [
    ("int_row", lambda t: 1, (5,)),
    ("int_broadcast", lambda t: (1, 2), (1,)),
    ("slice", lambda t: (slice(None), slice(1, 3)), (3, 2, 5)),
    ("slice_broadcast", lambda t: slice(None, None, 2), (5,)),
    ("leading_ones", lambda t: 0, (1, 1, 4, 5)),
    ("scalar_pos", lambda t: (1, 2, 3), ()),
    ("mask", lambda t: t.tensor(MASK3), ()),
    ("mask_values", lambda t: t.tensor(MASK3), (int(MASK3.sum()),)),
    ("mask_2d", lambda t: t.tensor(MASK2), (5,)),
    ("int_tensor", lambda t: t.tensor([0, 2]), (2, 4, 5)),
    ("adv_pair", lambda t: ([0, 1], slice(None), [2, 3]), (2, 4)),
    ("int_then_adv", lambda t: (0, slice(None), [1, 2]), (4, 2)),
    ("none", lambda t: (None, 0), (4, 5)),
    ("ellipsis", lambda t: (Ellipsis, 0), (3, 1)),
]


@pytest.mark.parametrize("name,index,vshape", SETITEM, ids=[c[0] for c in SETITEM])
def test_setitem_grads(name, index, vshape):
    check(_assign(index), [X, sample(vshape)])


@pytest.mark.parametrize("name,index,vshape", SETITEM[:8], ids=[c[0] for c in SETITEM[:8]])
def test_setitem_gradcheck(name, index, vshape):
    x = sample((3, 4, 5), "float64")
    gradcheck_fn(_assign(index), [x, sample(vshape, "float64")])


def test_setitem_values_and_dtypes():
    cases = [
        (lambda t, x: _set(x, 0, 7.5), "float32"),
        (lambda t, x: _set(x, (slice(None), 1), t.tensor([1.0, 2.0, 3.0])), "float32"),
        (lambda t, x: _set(x, (slice(None), 1), np.float64(2.5)), "float32"),
        (lambda t, x: _set(x, 0, 2.7), "int64"),                     # truncates
        (lambda t, x: _set(x, 1, t.tensor(3.9)), "int64"),
        (lambda t, x: _set(x, x > 0, 0), "int64"),
        (lambda t, x: _set(x, [0, 2], t.tensor([1, 0, 1, 1], dtype=t.bool)), "bool"),
        (lambda t, x: _set(x, t.tensor([0, 2]), t.tensor([1.0, 0, 1, 1])), "float32"),
        (lambda t, x: _set(x, x > 0, t.tensor(1, dtype=t.int64)), "float32"),
        (lambda t, x: _set(x, 0, t.tensor([1.0, 2, 3, 4], dtype=t.float64)), "float32"),
        (lambda t, x: _set(x, (Ellipsis, 1), True), "bool"),
        (lambda t, x: _set(x, 1, t.tensor([4, 3, 2, 1])), "int32"),
        (lambda t, x: _set(x, x > 0.5, t.tensor(-1.0)), "float64"),
    ]
    for fn, dtype in cases:
        check(fn, [sample((3, 4), dtype)], grad=False)


def _set(x, index, value):
    x[index] = value
    return x


def test_setitem_in_place_semantics():
    x = gt.ones(3, 4)
    y = gt.full((3, 4), 2.0)
    z = gt.zeros(3, 4)
    before = id(z)
    view = z[1]
    z[:] = x + y
    assert id(z) == before
    assert z._version == 1 and view._version == 1
    np.testing.assert_array_equal(view.numpy(), np.full(4, 3.0))
    view[0] = 9.0                               # writes through a view reach the base
    assert z[1, 0].item() == 9.0 and z._version == 2


def test_setitem_into_graph_tensor_value_requires_grad_only():
    v = np.array([1.5, -2.0], np.float32)

    def fn(t, v):
        y = t.zeros(3, 2)
        y[1] = v
        return y * 2
    check(fn, [v])


def test_augmented_assignment_through_index():
    def fn(t, x, v):
        y = x * 1
        y[1:, 0] += v                   # basic: the view is updated in place, then stored
        y[[0, 2, 0]] *= 2.0             # advanced, with a repeated index
        y[y > 0.5] -= v[0]
        return y
    check(fn, [sample((3, 4)), sample((2,))])


def test_rnn_style_writes_into_a_buffer():
    def fn(t, x, w):
        outputs = t.zeros(4, 2, 3)      # a buffer that does not require grad
        h = x
        for step in range(4):
            h = (h * w).tanh()
            outputs[step] = h
        return outputs
    check(fn, [sample((2, 3)), sample((3,))])


def test_setitem_through_a_view_rebases_the_base():
    def slice_view(t, x, w):
        y = x * 1
        v = y[1:]
        v[0] = w[1, :1]                 # changes y too: y's history must include the write
        return y * y, v * 1

    def chained_views(t, x, w):
        y = x * 1
        y[0][1:][0] = w[0, 0]           # a view of a view of a view
        y[1][[0, 2]] = w[0, :2]         # a view, then an advanced write
        return y * y

    def buffer_without_grad(t, x, w):
        buf = t.zeros(3, 4)
        row = buf[1]
        row[2:] = w[0, :2] * 2          # buf itself gets a history through its view
        return buf * x

    for fn in (slice_view, chained_views, buffer_without_grad):
        check(fn, [sample((3, 4)), sample((2, 2))])
    gradcheck_fn(chained_views, [sample((3, 4), "float64"), sample((2, 2), "float64")])


def test_setitem_into_view_of_leaf_error():
    check_error(lambda t: _set(t.zeros(2, 3, requires_grad=True)[0], 1, 5.0))


def test_setitem_saved_tensor_version_error():
    def fn(t):
        a = t.tensor([1.0, 2.0], requires_grad=True)
        b = a * 1
        c = b * b                               # saves b
        b[0] = 5.0
        c.sum().backward()
    check_error(fn)


SETITEM_ERRORS = [
    lambda t: _set(t.zeros(3, requires_grad=True), 0, 1.0),
    lambda t: _set(t.zeros(3, requires_grad=True), [0], 1.0),
    lambda t: _set(t.zeros(3), [0, 1], t.ones(3)),
    lambda t: _set(t.zeros(3), slice(0, 2), t.ones(3)),
    lambda t: _set(t.zeros(3), 3, 1.0),
    lambda t: _set(t.zeros(3), slice(None, None, -1), 1.0),
    lambda t: _set(t.zeros(2, 3), t.ones(2, dtype=t.bool), t.ones(2, 2)),
    lambda t: _set(t.zeros(3), [0, 1], t.ones(2, dtype=t.float64)),
    lambda t: _set(t.zeros(3), t.zeros(3) == 0, t.ones(3, dtype=t.float64)),
    lambda t: _set(t.zeros(3), slice(None), [1.0, 2.0, 3.0]),
    lambda t: _set(t.zeros(3), slice(None), np.array([1.0, 2.0, 3.0])),
    lambda t: _set(t.zeros(3), slice(None), "a"),
]


@pytest.mark.parametrize("fn", SETITEM_ERRORS)
def test_setitem_errors(fn):
    check_error(fn)


# ---------------------------------------------------------------------------------------------
# gather / scatter family
# ---------------------------------------------------------------------------------------------
IDX_GATHER = np.array([[0, 1, 1], [3, 0, 2]])           # for dim=1 of a (2, 4) input


def test_gather():
    check(lambda t, x, i: t.gather(x, 1, i), [sample((2, 4)), IDX_GATHER])
    check(lambda t, x, i: x.gather(0, i), [sample((4, 3)), IDX_GATHER.T.copy()])
    check(lambda t, x, i: t.gather(x, -1, i), [sample((3, 2, 4)),
                                                np.array([[[0, 3]], [[1, 1]], [[2, 0]]])])
    check(lambda t, x, i: t.gather(x, 0, i), [sample((3, 4)), np.array([[2, 2], [0, 1]])])
    check(lambda t, x, i: t.gather(x, 0, i), [sample(()), np.array(0)])
    check(lambda t, x, i: t.gather(x, 0, i), [sample(()), np.array([0, 0])])
    check(lambda t, x, i: t.gather(x, 1, i), [sample((2, 4)), np.zeros((2, 0), np.int64)])
    check(lambda t, x, i: t.gather(x, 1, i.int()), [sample((2, 4)), IDX_GATHER])
    check(lambda t, x, i: t.gather(x, 1, i), [sample((2, 4), "int64"), IDX_GATHER], grad=False)
    check(lambda t, x, i: t.gather(x[:, ::2], 1, i), [sample((2, 8)), IDX_GATHER])
    gradcheck_fn(lambda t, x, i: t.gather(x, 1, i), [sample((2, 4), "float64"), IDX_GATHER])


def test_gather_double_backward():
    xs, w = sample((2, 4), "float64"), sample((2, 4), "float64")
    out = []
    for lib in (torch, gt):
        x = lib.tensor(xs, requires_grad=True)
        y = (lib.gather(x, 1, lib.tensor(IDX_GATHER)) ** 3).sum()
        (g,) = lib.autograd.grad(y, x, create_graph=True)
        (gg,) = lib.autograd.grad((g * lib.tensor(w)).sum(), x)
        out.append(gg.numpy())
    np.testing.assert_allclose(out[1], out[0])


IDX_SCATTER = np.array([[0, 1, 0], [3, 3, 2]])   # repeats: scatter picks any, add sums


def test_scatter():
    unique = np.array([[0, 1, 2], [3, 0, 2]])
    check(lambda t, x, i, s: t.scatter(x, 1, i, s), [sample((2, 4)), unique, sample((2, 3))])
    # src larger than index: torch's own backward rejects it, so compare values only
    check(lambda t, x, i, s: x.scatter(1, i, s), [sample((2, 4)), unique[:, :2].copy(),
                                                  sample((3, 5))], grad=False)
    gradcheck_fn(lambda t, x, i, s: x.scatter(1, i, s), [sample((2, 4), "float64"),
                                                         unique[:, :2].copy(),
                                                         sample((3, 5), "float64")])
    check(lambda t, x, i: t.scatter(x, 1, i, 2.5), [sample((2, 4)), IDX_SCATTER])
    check(lambda t, x, i: t.scatter(x, 1, i, 2), [sample((2, 4), "int64"), IDX_SCATTER])
    check(lambda t, x, i, s: (x * 1).scatter_(0, i, s), [sample((4, 2)), unique.T.copy(),
                                                         sample((3, 2))])
    check(lambda t, x, i: (x * 1).scatter_(1, i, -1.0), [sample((2, 4)), IDX_SCATTER])
    check(lambda t, x, i, s: t.scatter(x, 1, i, s, reduce="add"),
          [sample((2, 4)), IDX_SCATTER, sample((2, 3))], grad=False)
    gradcheck_fn(lambda t, x, i, s: t.scatter(x, 1, i, s),
                 [sample((2, 4), "float64"), unique, sample((2, 3), "float64")])


def test_scatter_add():
    check(lambda t, x, i, s: t.scatter_add(x, 1, i, s), [sample((2, 4)), IDX_SCATTER,
                                                         sample((2, 3))])
    check(lambda t, x, i, s: t.scatter_add(x, 1, i, s), [sample((2, 4)), IDX_SCATTER,
                                                         sample((3, 5))], grad=False)
    gradcheck_fn(lambda t, x, i, s: t.scatter_add(x, 1, i, s),
                 [sample((2, 4), "float64"), IDX_SCATTER, sample((3, 5), "float64")])
    check(lambda t, x, i, s: (x * 1).scatter_add_(0, i, s), [sample((4, 2)),
                                                             IDX_SCATTER.T.copy(),
                                                             sample((3, 2))])
    check(lambda t, x, i, s: t.scatter_add(x, 0, i, s), [sample(()), np.array(0), sample(())])
    check(lambda t, x, i, s: t.scatter_add(x, 1, i, s),
          [sample((2, 4), "int64"), IDX_SCATTER, sample((2, 3), "int64")], grad=False)
    gradcheck_fn(lambda t, x, i, s: t.scatter_add(x, 1, i, s),
                 [sample((2, 4), "float64"), IDX_SCATTER, sample((2, 3), "float64")])


@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce(reduce, include_self):
    index = np.array([0, 2, 0, 0, 4, 2])
    fn = lambda t, x, i, s: t.scatter_reduce(x, 0, i, s, reduce, include_self=include_self)
    check(fn, [sample((5,)), index, sample((6,))], rtol=1e-5, atol=1e-5)
    check(lambda t, x, i, s: x.scatter_reduce(1, i, s, reduce, include_self=include_self),
          [sample((2, 4)), IDX_SCATTER, sample((2, 3))], atol=1e-5)
    check(lambda t, x, i, s: x.scatter_reduce(1, i, s, reduce, include_self=include_self),
          [sample((2, 4)), IDX_SCATTER, sample((2, 5))], atol=1e-5, grad=False)
    # ties and zeros: amax/amin share the gradient, prod avoids dividing by zero
    x = np.array([1.0, 0.0, 2.0, 3.0, 0.0], np.float32)
    s = np.array([2.0, 0.0, 1.0, 2.0, 5.0, 0.0], np.float32)
    check(fn, [x, index, s])
    check(fn, [sample((5,), "int64"), index, sample((6,), "int64")], grad=False)
    gradcheck_fn(fn, [sample((5,), "float64", avoid=(0,)), index,
                      sample((6,), "float64", avoid=(0,))])


# ---------------------------------------------------------------------------------------------
# index_select / index_add / index_fill / index_copy
# ---------------------------------------------------------------------------------------------
def test_index_select():
    i = np.array([2, 0, 2])
    check(lambda t, x, i: t.index_select(x, 1, i), [sample((3, 4)), i])
    check(lambda t, x, i: x.index_select(-1, i), [sample((2, 3, 4)), i])
    check(lambda t, x, i: t.index_select(x, 0, i), [sample((3,), "int64"), i])
    check(lambda t, x, i: t.index_select(x, 1, i), [sample((3, 4)), np.array(1)])
    check(lambda t, x, i: t.index_select(x, 1, i), [sample((3, 4)), np.zeros(0, np.int64)])
    check(lambda t, x, i: t.index_select(x, 0, i), [sample(()), np.array([0])])
    check(lambda t, x, i: t.index_select(x, 0, i.int()), [sample((3, 4)), i])
    check(lambda t, x, i: t.index_select(x[:, ::2], 0, i), [sample((3, 8)), i])
    gradcheck_fn(lambda t, x, i: t.index_select(x, 1, i), [sample((3, 4), "float64"), i])


def test_index_select_double_backward():
    xs, w = sample((3, 4), "float64"), sample((3, 4), "float64")
    out = []
    for lib in (torch, gt):
        x = lib.tensor(xs, requires_grad=True)
        y = (lib.index_select(x, 1, lib.tensor([2, 0, 2])) ** 3).sum()
        (g,) = lib.autograd.grad(y, x, create_graph=True)
        (gg,) = lib.autograd.grad((g * lib.tensor(w)).sum(), x)
        out.append(gg.numpy())
    np.testing.assert_allclose(out[1], out[0])


def test_index_add():
    i = np.array([0, 2, 0])
    check(lambda t, x, i, s: t.index_add(x, 1, i, s), [sample((2, 4)), i, sample((2, 3))])
    check(lambda t, x, i, s: t.index_add(x, 0, i, s, alpha=-2.5),
          [sample((3, 2)), i, sample((3, 2))])
    check(lambda t, x, i, s: (x * 1).index_add_(1, i, s), [sample((2, 4)), i, sample((2, 3))])
    check(lambda t, x, i, s: t.index_add(x, 0, i, s),
          [sample((3,), "int64"), i, sample((3,), "int64")], grad=False)
    gradcheck_fn(lambda t, x, i, s: t.index_add(x, 1, i, s, alpha=2),
                 [sample((2, 4), "float64"), i, sample((2, 3), "float64")])


def test_index_fill():
    i = np.array([0, 2, 0, -1])
    check(lambda t, x, i: t.index_fill(x, 1, i, -3.0), [sample((2, 4)), i])
    # (torch's own value-gradient fails on negative indices, so use non-negative ones there)
    check(lambda t, x, i, v: t.index_fill(x, 0, i, v), [sample((4, 2)), i % 4, sample(())])
    check(lambda t, x, i: (x * 1).index_fill_(1, i, 1.5), [sample((2, 4)), i])
    check(lambda t, x, i: t.index_fill(x, 1, i, 2.7), [sample((2, 4), "int64"), i])
    check(lambda t, x, i: t.index_fill(x, 0, i, 1.0), [sample(()), np.array(0)])
    gradcheck_fn(lambda t, x, i, v: t.index_fill(x, 0, i, v),
                 [sample((4, 2), "float64"), i, sample((), "float64")])



def test_index_copy():
    i = np.array([3, 0])
    check(lambda t, x, i, s: t.index_copy(x, 1, i, s), [sample((2, 4)), i, sample((2, 2))])
    check(lambda t, x, i, s: (x * 1).index_copy_(0, i, s), [sample((4, 3)), i, sample((2, 3))])
    check(lambda t, x, i, s: t.index_copy(x, 0, i, s),
          [sample((4,), "int64"), i, sample((2,), "int64")], grad=False)
    gradcheck_fn(lambda t, x, i, s: t.index_copy(x, 1, i, s),
                 [sample((2, 4), "float64"), i, sample((2, 2), "float64")])


# ---------------------------------------------------------------------------------------------
# masked_fill / masked_select / masked_scatter
# ---------------------------------------------------------------------------------------------
def test_masked_fill():
    m = sample((3, 4), "bool")
    check(lambda t, x, m: t.masked_fill(x, m, -1.0), [sample((3, 4)), m])
    check(lambda t, x, m: x.masked_fill(m, -1.0), [sample((4,)), m])          # broadcast x
    check(lambda t, x, m: x.masked_fill(m[0], 2), [sample((3, 4)), m])        # broadcast m
    check(lambda t, x, m, v: x.masked_fill(m, v), [sample((3, 4)), m, sample(())])
    check(lambda t, x, m, v: x.masked_fill(m, v.double()), [sample((3, 4)), m, sample(())])
    check(lambda t, x, m: x.masked_fill(m, 2.5), [sample((3, 4), "int64"), m])
    check(lambda t, x, m: x.masked_fill(m, True), [sample((3, 4), "bool"), m])
    check(lambda t, x, m: (x * 1).masked_fill_(m, 0.5), [sample((3, 4)), m])
    check(lambda t, x, m: x.masked_fill(m, 0.5), [sample(()), np.array(True)])
    check(lambda t, x, m: x[:, ::2].masked_fill(m, 0.5), [sample((3, 8)), m])
    gradcheck_fn(lambda t, x, m, v: t.masked_fill(x, m, v),
                 [sample((3, 4), "float64"), m, sample((), "float64")])


def test_masked_select():
    m = sample((3, 4), "bool")
    check(lambda t, x, m: t.masked_select(x, m), [sample((3, 4)), m])
    check(lambda t, x, m: x.masked_select(m), [sample((4,)), m])
    check(lambda t, x, m: x.masked_select(m[:1]), [sample((3, 4)), m])
    check(lambda t, x, m: x.masked_select(m), [sample((3, 4), "int32"), m])
    check(lambda t, x, m: x.masked_select(m), [sample(()), np.array(True)])
    gradcheck_fn(lambda t, x, m: t.masked_select(x, m), [sample((4,), "float64"), m])


def test_masked_scatter():
    m = sample((3, 4), "bool")
    check(lambda t, x, m, s: t.masked_scatter(x, m, s), [sample((3, 4)), m, sample((4, 5))])
    check(lambda t, x, m, s: x.masked_scatter(m[0], s), [sample((3, 4)), m, sample((12,))])
    check(lambda t, x, m, s: (x * 1).masked_scatter_(m, s), [sample((3, 4)), m,
                                                             sample((12,))])
    gradcheck_fn(lambda t, x, m, s: t.masked_scatter(x, m, s),
                 [sample((3, 4), "float64"), m, sample((13,), "float64")])


# ---------------------------------------------------------------------------------------------
# take / take_along_dim / put
# ---------------------------------------------------------------------------------------------
def test_take():
    i = np.array([[0, 11, -1], [5, 5, 3]])
    check(lambda t, x, i: t.take(x, i), [sample((3, 4)), i])
    check(lambda t, x, i: x.take(i), [sample((3, 4), "int64"), i])
    check(lambda t, x, i: x[:, ::2].take(i), [sample((3, 8)), i])
    check(lambda t, x, i: t.take(x, i), [sample(()), np.array([0, 0])])
    gradcheck_fn(lambda t, x, i: t.take(x, i), [sample((3, 4), "float64"), i])


def test_take_along_dim():
    i = np.array([[0, 3], [1, 1], [2, 0]])
    check(lambda t, x, i: t.take_along_dim(x, i, 1), [sample((3, 4)), i])
    check(lambda t, x, i: t.take_along_dim(x, i, dim=-1), [sample((3, 4)), i[:1].copy()])
    check(lambda t, x, i: t.take_along_dim(x, i, 1), [sample((1, 4)), i])     # broadcast x
    check(lambda t, x, i: t.take_along_dim(x, i), [sample((3, 4)), i])
    check(lambda t, x, i: t.take_along_dim(x, i, 0), [sample((4, 3)), i.T.copy()])
    check(lambda t, x, i: x.take_along_dim(i, 1), [sample((3, 4), "int64"), i])
    gradcheck_fn(lambda t, x, i: t.take_along_dim(x, i, 1), [sample((1, 4), "float64"), i])


def test_put():
    i = np.array([0, 5, -1])
    check(lambda t, x, i, s: t.put(x, i, s), [sample((3, 4)), i, sample((3,))])
    check(lambda t, x, i, s: (x * 1).put_(i, s), [sample((3, 4)), i, sample((3,))])
    check(lambda t, x, i, s: x.put(i, s, accumulate=True),
          [sample((3, 4)), np.array([[1, 1], [2, 1]]), sample((4,))])
    check(lambda t, x, i, s: (x * 1).put_(i, s, accumulate=True),
          [sample((2, 2)), np.array([0, 0]), sample((2,))])
    gradcheck_fn(lambda t, x, i, s: t.put(x, i, s),
                 [sample((3, 4), "float64"), i, sample((3,), "float64")])
    gradcheck_fn(lambda t, x, i, s: t.put(x, i, s, accumulate=True),
                 [sample((3, 4), "float64"), np.array([1, 1]), sample((2,), "float64")])


# ---------------------------------------------------------------------------------------------
# nonzero / argwhere / where(condition)
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("x", [sample((3, 4), "bool"), sample((5,), "int64"), sample((2, 0)),
                               np.array(3.0), np.array(0), sample((2, 3, 2), "int32")])
def test_nonzero(x):
    check(lambda t, x: t.nonzero(x), [x], grad=False)
    check(lambda t, x: x.nonzero(as_tuple=True), [x], grad=False)
    check(lambda t, x: t.argwhere(x), [x], grad=False)
    check(lambda t, x: x.argwhere(), [x], grad=False)


# ---------------------------------------------------------------------------------------------
# errors
# ---------------------------------------------------------------------------------------------
A = sample((3, 4))
OP_ERRORS = [
    lambda t, a: a.masked_fill(t.tensor([1, 0, 1, 0]), 0.0),
    lambda t, a: a.masked_fill(t.ones(4, dtype=t.bool), t.tensor([1.0, 2.0])),
    lambda t, a: a.masked_fill(t.ones(2, dtype=t.bool), 1.0),
    lambda t, a: t.tensor([1.0, 2]).masked_fill_(t.ones(3, 2, dtype=t.bool), 1.0),
    lambda t, a: t.masked_select(a, t.tensor([1, 0, 1, 0])),
    lambda t, a: t.masked_select(t.zeros(3), t.ones(2, dtype=t.bool)),
    lambda t, a: t.masked_scatter(a, a > 0, t.ones(1)),
    lambda t, a: t.masked_scatter(a, t.tensor([1, 0, 1, 0]), t.ones(12)),
    lambda t, a: t.masked_scatter(a, a > 0, t.ones(12, dtype=t.float64)),
    lambda t, a: t.gather(a, 1, t.tensor([[0.0, 1.0]])),
    lambda t, a: t.gather(a, 1, t.tensor([0, 1])),
    lambda t, a: t.gather(a, 1, t.tensor([[0, 5]])),
    lambda t, a: t.gather(a, 1, t.tensor([[0, -1]])),
    lambda t, a: t.gather(a, 1, t.tensor([[0, 1]] * 4)),
    lambda t, a: t.gather(a, 2, t.tensor([[0, 1]])),
    lambda t, a: t.scatter(a, 1, t.tensor([[0.0, 1.0]]), 1.0),
    lambda t, a: t.scatter(a, 1, t.tensor([[0, 1]]), t.ones(1, 1)),
    lambda t, a: t.scatter(a, 1, t.tensor([[0, 9]]), t.ones(1, 2)),
    lambda t, a: t.scatter(a, 1, t.tensor([[0, 1]]), t.ones(1, 2, dtype=t.float64)),
    lambda t, a: t.scatter_add(a, 1, t.tensor([[0, 1]]), t.ones(1, 2, dtype=t.float64)),
    lambda t, a: t.scatter_add(a, 1, t.tensor([[0, 4]]), t.ones(1, 2)),
    lambda t, a: t.scatter_reduce(a, 1, t.tensor([[0, 1]]), t.ones(1, 2), "foo"),
    lambda t, a: t.index_select(a, 1, t.tensor([0, 5])),
    lambda t, a: t.index_select(a, 0, t.tensor([0, 5])),
    lambda t, a: t.index_select(a, 1, t.tensor([[0, 1]])),
    lambda t, a: t.index_select(a, 1, t.tensor([0.0, 1])),
    lambda t, a: t.index_select(t.tensor(3.0), 0, t.tensor([0, 0])),
    lambda t, a: t.index_add(t.zeros(3), 0, t.tensor([0, 5]), t.ones(2)),
    lambda t, a: t.index_add(t.zeros(3), 0, t.tensor([0, 1]), t.ones(3)),
    lambda t, a: t.index_add(t.zeros(3), 0, t.tensor([0, 1]), t.ones(2, dtype=t.float64)),
    lambda t, a: t.index_fill(t.zeros(3), 0, t.tensor([0, 5]), 1.0),
    lambda t, a: t.index_fill(a, 1, t.tensor([0]), t.tensor([1.0])),
    lambda t, a: t.index_copy(t.zeros(3), 0, t.tensor([0, 5]), t.ones(2)),
    lambda t, a: t.index_copy(a, 1, t.tensor([0]), t.ones(3, 2)),
    lambda t, a: t.index_copy(t.zeros(3), 0, t.tensor([0, 1]), t.ones(2, dtype=t.float64)),
    lambda t, a: t.take(a, t.tensor([30])),
    lambda t, a: t.take(a, t.tensor([-13])),
    lambda t, a: t.take(a, t.tensor([1.0])),
    lambda t, a: t.take(a, t.tensor([1], dtype=t.int32)),
    lambda t, a: t.take_along_dim(a, t.tensor([[0, 1]]), 0),
    lambda t, a: t.take_along_dim(a, t.tensor([0, 1]), 1),
    lambda t, a: t.take_along_dim(a, t.tensor([[0, 1]], dtype=t.int32), 0),
    lambda t, a: t.zeros(2, 2).put_(t.tensor([0, 0]), t.tensor([1.0, 2.0, 3.0])),
    lambda t, a: t.zeros(2, 2).put_(t.tensor([0, 7]), t.tensor([1.0, 2.0])),
    lambda t, a: t.zeros(3).put_(t.tensor([1], dtype=t.int32), t.ones(1)),
    lambda t, a: t.zeros(3).put_(t.tensor([1]), t.ones(1, dtype=t.float64)),
]


@pytest.mark.parametrize("fn", OP_ERRORS)
def test_op_errors(fn):
    check_error(lambda t: fn(t, t.tensor(A)))


def test_op_error_messages():
    a = gt.zeros(3, 4)
    with pytest.raises(RuntimeError, match="gather\\(\\): Expected dtype int32/int64 for index"):
        gt.gather(a, 1, gt.zeros(3, 4))
    with pytest.raises(RuntimeError, match="only supports boolean masks"):
        a.masked_fill(gt.zeros(3, 4), 1.0)
    with pytest.raises(RuntimeError, match="index 5 is out of bounds for dimension 1"):
        gt.gather(a, 1, gt.tensor([[5]]))
