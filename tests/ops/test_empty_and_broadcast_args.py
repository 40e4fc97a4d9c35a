"""Inputs PyTorch handles that glasstorch once refused or mis-reported (issue 6): zero-size
batches and dims (matmul and linear backward, pad, searchsorted, gather and scatter with an
empty index), tensordot over size-1 dims, complex silu, addbmm_'s legacy resize, expand's
error wording."""
import numpy as np
import pytest
import torch

import glasstorch as gt
from tests.oracle.harness import assert_same, check, check_error, gradcheck_fn


def _same_call(fn):
    try:
        expected = fn(torch)
    except Exception:                # noqa: BLE001 (the oracle decides what is an error)
        check_error(fn)
        return None
    assert_same(fn(gt), expected)
    return expected


# ---------------------------------------------------------------------------------------------
# zero-size contracted dims and batches
# ---------------------------------------------------------------------------------------------
MATMULS = [((2, 0), (0, 3)), ((4, 2, 0), (0, 3)), ((0,), (0, 3)), ((2, 3, 0), (2, 0, 4)),
           ((3, 0), (2, 0, 4)), ((2, 0), (0,)), ((0, 2, 3), (3, 4)), ((2, 0, 3), (3, 0))]


@pytest.mark.parametrize("a,b", MATMULS, ids=str)
def test_matmul_zero_size_values_and_grads(a, b):
    check(lambda t, x, y: t.matmul(x, y), [np.ones(a, "float32"), np.ones(b, "float32")])


@pytest.mark.parametrize("x_shape", [(2, 0), (4, 2, 0), (0,), (0, 3, 0)], ids=str)
@pytest.mark.parametrize("bias", [True, False])
def test_linear_zero_in_features(x_shape, bias):
    inputs = [np.ones(x_shape, "float32"), np.ones((3, 0), "float32")]
    if bias:
        inputs.append(np.arange(3, dtype="float32"))
    check(lambda t, *a: t.nn.functional.linear(*a), inputs)


PADS = [((0, 2, 4), (1, 1)), ((2, 0, 4), (1, 1)), ((0, 4), (1, 1)), ((0, 2, 4, 4), (1, 1, 1, 1)),
        ((2, 0, 4, 4), (1, 1, 1, 1)), ((0, 0, 4), (1, 1)), ((0, 3, 4, 4, 4), (1,) * 6),
        ((2, 4, 0), (1, 1)), ((0, 3), (1, 1)), ((0, 2, 3), (2, 2))]


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize("shape,pad", PADS, ids=str)
def test_pad_zero_size(mode, shape, pad):
    try:
        torch.nn.functional.pad(torch.ones(shape), pad, mode=mode)
    except RuntimeError as error:
        match = "possibly 0 batch size" if "possibly 0" in str(error) else None
        check_error(lambda t: t.nn.functional.pad(t.ones(shape), pad, mode=mode), match=match)
        return
    check(lambda t, x: t.nn.functional.pad(x, pad, mode=mode), [np.ones(shape, "float32")])


@pytest.mark.parametrize("seq,values", [((2, 0), (2, 3)), ((2, 3, 0), (2, 3, 1)),
                                        ((0, 3), (0, 2)), ((2, 0), (2, 0)), ((0,), (3,)),
                                        ((3,), (0,)), ((0,), (2, 0))], ids=str)
@pytest.mark.parametrize("right", [False, True])
def test_searchsorted_empty(seq, values, right):
    _same_call(lambda t: t.searchsorted(t.ones(seq), t.ones(values), right=right))


@pytest.mark.parametrize("dtype", ["uint8", "float32", "bool", "int16"])
@pytest.mark.parametrize("op", [
    lambda t, i: t.gather(t.ones(2, 3), 1, i),
    lambda t, i: t.ones(2, 3).scatter(1, i, 1.0),
    lambda t, i: t.ones(2, 3).scatter(1, i, t.ones(2, 0)),
    lambda t, i: t.ones(2, 3).scatter_add(1, i, t.ones(2, 0)),
    lambda t, i: t.ones(2, 3).scatter_reduce(1, i, t.ones(2, 0), "sum")],
    ids=["gather", "scatter_value", "scatter", "scatter_add", "scatter_reduce"])
def test_gather_scatter_empty_index_of_any_dtype(op, dtype):
    _same_call(lambda t: op(t, t.empty(2, 0, dtype=getattr(t, dtype))))


def test_gather_nonempty_uint8_index_still_refused():
    check_error(lambda t: t.gather(t.ones(2, 3), 1, t.tensor([[1], [0]], dtype=t.uint8)),
                match="for index")


# ---------------------------------------------------------------------------------------------
# tensordot: a size-1 contracted dim broadcasts against the other side
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("a,b,dims", [((2, 3), (1, 4), ([1], [0])),
                                      ((2, 1, 3), (3, 1, 4), ([1, 2], [1, 0])),
                                      ((2, 1), (5, 4), ([1], [0])), ((2, 1, 1), (1, 1, 4), 2),
                                      ((2, 1, 3), (1, 3, 4), 2)], ids=str)
def test_tensordot_size_one_dims(a, b, dims):
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal(a).astype("float32"), rng.standard_normal(b).astype("float32")
    check(lambda t, p, q: t.tensordot(p, q, dims=dims), [x, y])
    gradcheck_fn(lambda t, p, q: t.tensordot(p, q, dims=dims), [x, y])


def test_tensordot_mismatch_still_refused():
    check_error(lambda t: t.tensordot(t.ones(2, 1, 3), t.ones(3, 5, 4), dims=([1, 2], [0, 1])),
                match="contracted dimensions need to match")


# ---------------------------------------------------------------------------------------------
# silu on complex numbers: forward only
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["complex64", "complex128"])
def test_silu_complex(dtype):
    x = np.array([1 + 1j, -0.5 + 2j, -100 + 1j, 100 - 3j, 0j, -3 - 0.1j], dtype)
    check(lambda t, a: t.nn.functional.silu(a), [x], grad=False)
    check(lambda t, a: t.nn.SiLU()(a), [x], grad=False)
    check_error(lambda t: t.nn.functional.silu(t.tensor(x, requires_grad=True)),
                match="does not support automatic differentiation")


# ---------------------------------------------------------------------------------------------
# addbmm_ resizes a broadcastable input (PyTorch's legacy kernel); expand's wording
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(0,), (3, 3), (1, 5), (5,), (2, 1), (0, 5), (2, 5)], ids=str)
def test_addbmm_in_place_resize(shape):
    def run(t):
        x = t.ones(shape)
        y = x.addbmm_(t.ones(2, 2, 4), t.ones(2, 4, 5), beta=2)
        assert y is x
        return x
    _same_call(run)


def test_addbmm_in_place_resize_keeps_the_graph():
    grads = []
    for lib in (torch, gt):
        w = lib.ones(2, 1, requires_grad=True)
        b2 = lib.ones(2, 4, 5, requires_grad=True)
        y = (w * 1).addbmm_(lib.ones(2, 2, 4), b2, beta=2)
        y.sum().backward()
        grads.append((w.grad, b2.grad))
    assert_same(grads[1][0], grads[0][0])
    assert_same(grads[1][1], grads[0][1])
    check_error(lambda t: t.ones(2, 1, requires_grad=True).addbmm_(t.ones(2, 2, 4),
                                                                   t.ones(2, 4, 5)),
                match="leaf Variable")


@pytest.mark.parametrize("shape,size", [((3, 3), (2, 5)), ((3, 1), (2, 4)), ((2, 3), (4, 2, 2))],
                         ids=str)
def test_expand_error_names_the_last_mismatch(shape, size):
    with pytest.raises(RuntimeError) as theirs:
        torch.ones(shape).expand(size)
    with pytest.raises(RuntimeError) as ours:
        gt.ones(shape).expand(size)
    assert str(ours.value) == str(theirs.value)


# ---------------------------------------------------------------------------------------------
# already as PyTorch when issue 6 was checked; kept so they stay so
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape,training", [((0, 3), False), ((0, 3, 2), True), ((0, 3), True),
                                            ((2, 3, 0), True)], ids=str)
def test_batch_norm_zero_size(shape, training):
    def run(t):
        mean, var = t.zeros(3), t.ones(3)
        x = t.ones(shape, requires_grad=True)
        w, b = t.ones(3, requires_grad=True), t.zeros(3, requires_grad=True)
        y = t.nn.functional.batch_norm(x, mean, var, w, b, training=training)
        y.sum().backward()
        return y, mean, var, x.grad
    _same_call(lambda t: run(t)[0])
    _same_call(lambda t: run(t)[3])


@pytest.mark.parametrize("shape", [(0, 3), (3, 0), (0, 0), (2, 0, 0), (2, 0, 3)], ids=str)
def test_matrix_rank_and_inf_norms_of_empty_input(shape):
    _same_call(lambda t: t.linalg.matrix_rank(t.ones(shape)))
    _same_call(lambda t: t.linalg.vector_norm(t.ones(shape), float("inf")))
    _same_call(lambda t: t.linalg.norm(t.ones(shape).flatten(), float("inf")))


def test_batch_norm_state_without_num_batches_tracked_loads():
    results = []
    for lib in (torch, gt):
        module = lib.nn.BatchNorm1d(3)
        state = {k: v for k, v in module.state_dict().items() if k != "num_batches_tracked"}
        results.append((str(module.load_state_dict(state)).replace("glasstorch", "torch"),
                        int(module.num_batches_tracked)))
    assert results[0] == results[1]
