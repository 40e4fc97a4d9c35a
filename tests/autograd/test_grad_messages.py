"""What users see when a gradient goes wrong (issue 6): PyTorch's warning on reading .grad of
a non-leaf, PyTorch's errors (not NumPy's) for hooks and custom Functions returning a gradient
of the wrong shape or dtype, and custom backwards whose gradients broadcast or carry extra Nones."""
import warnings

import pytest
import torch

import glasstorch as gt
from tests.oracle.harness import assert_same, check_error


def _grad_warnings(lib, make):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        value = make(lib).grad
    return value, [str(w.message) for w in caught if w.category is UserWarning]


@pytest.mark.parametrize("make", [
    lambda t: t.ones(2, requires_grad=True) * 2,
    lambda t: (t.ones(2, requires_grad=True) * 2).sum(),
])
def test_non_leaf_grad_warns(make):
    _, theirs = _grad_warnings(torch, make)
    value, ours = _grad_warnings(gt, make)
    assert value is None and len(ours) == 1 and len(theirs) == 1
    assert ours[0].startswith("The .grad attribute of a Tensor that is not a leaf Tensor")
    assert theirs[0].startswith(ours[0][:-1])   # PyTorch appends where it was triggered


def _retained(t):
    y = t.ones(2, requires_grad=True) * 2
    y.retain_grad()
    return y


@pytest.mark.parametrize("make", [lambda t: t.ones(2, requires_grad=True), lambda t: t.ones(2),
                                  _retained], ids=["leaf", "no_grad", "retained"])
def test_no_warning_for_leaves_and_retained(make):
    _, theirs = _grad_warnings(torch, make)
    _, ours = _grad_warnings(gt, make)
    assert ours == theirs == []


def _hook_run(t, hook, leaf):
    x = t.ones(2, 3, requires_grad=True)
    y = x if leaf else x * 2
    y.register_hook(hook(t))
    (y * 1).sum().backward()


def bad_size(t):
    return lambda g: t.ones(5)


def double_it(t):
    def widen(g):
        return g.double()
    return widen


@pytest.mark.parametrize("leaf", [True, False], ids=["leaf", "non_leaf"])
def test_hook_changing_size(leaf):
    check_error(lambda t: _hook_run(t, bad_size, leaf), match="has changed the size of value")


@pytest.mark.parametrize("leaf", [True, False], ids=["leaf", "non_leaf"])
def test_hook_changing_dtype(leaf):
    error = check_error(lambda t: _hook_run(t, double_it, leaf))
    assert "hook 'widen' has changed the type of value" in str(error)
    assert "FloatTensor" in str(error) and "DoubleTensor" in str(error)


def _custom(t, grads, n_inputs=1):
    class F(t.autograd.Function):
        @staticmethod
        def forward(ctx, *xs):
            return xs[0] * 2

        @staticmethod
        def backward(ctx, g):
            return grads(t)
    xs = [t.ones(2, 3, requires_grad=True), t.ones(2, 1, requires_grad=True)][:n_inputs]
    F.apply(*[x * 1 for x in xs]).sum().backward()
    return [x.grad for x in xs]


@pytest.mark.parametrize("grads,n_inputs", [
    (lambda t: t.ones(4), 1),
    (lambda t: (t.ones(2, 3), t.ones(1, 3)), 2),
    (lambda t: (t.ones(3)), 1),
    (lambda t: (t.ones(2, 3), t.ones(2, 3)), 1),
], ids=["wrong_shape", "second_wrong", "smaller", "too_many"])
def test_custom_function_bad_gradients(grads, n_inputs):
    error = check_error(lambda t: _custom(t, grads, n_inputs))
    assert "FBackward" in str(error) and "FBackwardBackward" not in str(error)


@pytest.mark.parametrize("grads,n_inputs", [
    (lambda t: t.ones(5, 2, 3), 1),
    (lambda t: (t.ones(2, 3) * 3, None), 1),
    (lambda t: (t.ones(4, 2, 3), t.ones(2, 3)), 2),
], ids=["broadcast_summed", "extra_none", "both_summed"])
def test_custom_function_gradients_that_fit(grads, n_inputs):
    theirs = _custom(torch, grads, n_inputs)
    ours = _custom(gt, grads, n_inputs)
    for a, b in zip(ours, theirs):
        assert_same(a, b)


# ---------------------------------------------------------------------------------------------
# messages that named NumPy internals
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("call", [
    lambda t: t.cat([t.ones(2), 3]), lambda t: t.cat([3, t.ones(2)]),
    lambda t: t.stack([t.ones(2), 3]), lambda t: t.cat((t.ones(2), None))],
    ids=["cat_int", "cat_int_first", "stack_int", "cat_none"])
def test_sequence_of_tensors_with_a_non_tensor(call):
    error = check_error(call, match="expected Tensor as element")
    assert "_data" not in str(error)


@pytest.mark.parametrize("call", [lambda t: t.ones(3)["a"], lambda t: t.ones(3)[None, "a"]],
                         ids=["str", "none_str"])
def test_string_index(call):
    check_error(call, match="invalid data type 'str'")


@pytest.mark.parametrize("data,match", [(["a"], "too many dimensions 'str'"),
                                        ([["ab"]], "too many dimensions 'str'"),
                                        ("a", "invalid data type 'str'"),
                                        ([1, "a"], "invalid data type 'str'"),
                                        ([""], "invalid data type 'str'"),
                                        ([b"a"], "invalid data type 'bytes'")], ids=str)
def test_tensor_of_strings(data, match):
    check_error(lambda t: t.tensor(data), match=match)
    check_error(lambda t: t.as_tensor(data), match=match)
