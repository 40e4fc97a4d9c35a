"""Autograd semantics against PyTorch: backward variants, accumulation, hooks, grad modes,
custom Functions, misuse errors, deep graphs and double backward."""
import numpy as np
import pytest
import torch

import glasstorch as gt
from tests.oracle.harness import assert_same, check_error

LIBS = pytest.mark.parametrize("lib", [torch, gt], ids=["torch", "glasstorch"])


def both(fn):
    """Run fn(lib) for torch and glasstorch and compare whatever it returns."""
    assert_same(fn(gt), fn(torch))


def _x(lib, values=(1.0, 2.0, 3.0)):
    return lib.tensor(list(values), requires_grad=True)


# ------------------------------------------------------------------ backward and accumulation
def test_scalar_backward_and_accumulation():
    def run(lib):
        x = _x(lib)
        (x * x).sum().backward()
        first = x.grad.clone()
        (x * 3).sum().backward()
        return first, x.grad
    both(run)


def test_backward_with_gradient_argument():
    def run(lib):
        x = _x(lib)
        y = x * x
        y.backward(lib.tensor([0.1, 1.0, 0.0001]))
        return x.grad
    both(run)


def test_grad_zero_and_none():
    x = _x(gt)
    (x * 2).sum().backward()
    x.grad.zero_()
    np.testing.assert_array_equal(x.grad.numpy(), np.zeros(3, np.float32))
    (x * 2).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.full(3, 2, np.float32))
    x.grad = None
    assert x.grad is None


def test_shared_input_and_diamond_graph():
    def run(lib):
        x = _x(lib)
        a = x * 2
        b = a * a + a        # a is used twice
        c = (b * x).sum()    # x used at two depths
        c.backward()
        return x.grad
    both(run)


def test_leaf_root_backward():
    def run(lib):
        x = lib.tensor(2.0, requires_grad=True)
        x.backward()
        return x.grad
    both(run)


def test_grads_of_two_leaves_do_not_share_memory():
    a, b = gt.tensor([1.0, 2.0], requires_grad=True), gt.tensor([3.0, 4.0], requires_grad=True)
    (a + b).sum().backward()
    a.grad.add_(10)
    np.testing.assert_array_equal(b.grad.numpy(), np.ones(2, np.float32))
    c = gt.tensor([[1.0, 2.0]], requires_grad=True)
    d = gt.tensor([1.0, 2.0], requires_grad=True)
    (c + d).sum().backward()
    c.grad.add_(5)
    np.testing.assert_array_equal(d.grad.numpy(), np.ones(2, np.float32))


def test_retain_graph_allows_second_backward():
    def run(lib):
        x = _x(lib)
        y = (x.exp() * x).sum()
        y.backward(retain_graph=True)
        y.backward()
        return x.grad
    both(run)


def test_detach_and_requires_grad_():
    def run(lib):
        x = _x(lib)
        y = x * 2
        d = y.detach()
        z = lib.tensor([1.0, 1.0, 1.0]).requires_grad_()
        return (d.requires_grad, d.is_leaf, y.is_leaf, z.requires_grad, z.is_leaf,
                d.grad_fn is None)
    both(run)


def test_detach_shares_memory():
    x = gt.tensor([1.0, 2.0], requires_grad=True)
    d = x.detach()
    d.add_(1)
    np.testing.assert_array_equal(x.detach().numpy(), [2.0, 3.0])


def test_retain_grad_and_nonleaf_grad():
    def run(lib):
        x = _x(lib)
        y = x * x
        y.retain_grad()
        (y * 3).sum().backward()
        return y.grad, x.grad
    both(run)


def test_register_hook_modifies_gradient():
    def run(lib):
        x = _x(lib)
        seen = []
        x.register_hook(lambda g: seen.append(g.clone()))
        y = x * x
        y.register_hook(lambda g: g * 10)
        y.sum().backward()
        return x.grad, seen[0]
    both(run)


def test_hook_handle_remove():
    x = _x(gt)
    handle = x.register_hook(lambda g: g * 0)
    handle.remove()
    (x * 1).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.ones(3, np.float32))


def test_autograd_grad_and_backward_functions():
    def run(lib):
        x = _x(lib)
        w = lib.tensor([0.5, -1.0, 2.0], requires_grad=True)
        y = (x * w).sum()
        gx, gw = lib.autograd.grad(y, [x, w])
        z = (x * x).sum()
        lib.autograd.backward([z])
        return gx, gw, x.grad, w.grad
    both(run)


def test_autograd_grad_nonleaf_input_and_unused():
    def run(lib):
        x = _x(lib)
        h = x * 2
        y = (h * h).sum()
        unused = lib.tensor([1.0], requires_grad=True)
        gh, gx, gu = lib.autograd.grad(y, [h, x, unused], allow_unused=True)
        return gh, gx, gu is None
    both(run)


def test_backward_inputs_argument():
    def run(lib):
        x, w = _x(lib), _x(lib, (4.0, 5.0, 6.0))
        (x * w).sum().backward(inputs=[w])
        return x.grad is None, w.grad
    both(run)


# ------------------------------------------------------------------ grad modes
@LIBS
def test_no_grad_context_and_decorator(lib):
    x = _x(lib)
    with lib.no_grad():
        y = x * 2
    assert not y.requires_grad and y.grad_fn is None

    @lib.no_grad()
    def f(t):
        return t * 2
    assert not f(x).requires_grad
    assert (x * 2).requires_grad


@LIBS
def test_enable_grad_inside_no_grad(lib):
    x = _x(lib)
    with lib.no_grad():
        with lib.enable_grad():
            y = x * 2
    assert y.requires_grad


@LIBS
def test_set_grad_enabled_function_and_context(lib):
    x = _x(lib)
    with lib.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert (x * 2).requires_grad
    lib.set_grad_enabled(False)
    try:
        assert not lib.is_grad_enabled()
    finally:
        lib.set_grad_enabled(True)
    assert lib.is_grad_enabled()


@LIBS
def test_inference_mode(lib):
    x = _x(lib)
    with lib.inference_mode():
        assert not (x * 2).requires_grad

    @lib.inference_mode()
    def f(t):
        return t * 2
    assert not f(x).requires_grad
    assert lib.is_grad_enabled()


# ------------------------------------------------------------------ custom Function
def _custom_function(lib):
    class Cube(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, scale):
            ctx.save_for_backward(x)
            ctx.scale = scale
            return x ** 3 * scale

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            assert ctx.needs_input_grad[0]
            return g * 3 * x ** 2 * ctx.scale, None
    return Cube


def test_custom_function_matches_torch():
    def run(lib):
        x = _x(lib)
        y = _custom_function(lib).apply(x, 2.0)
        y.sum().backward()
        return y, x.grad, type(y.grad_fn).__name__.startswith("Cube")
    both(run)


def test_custom_function_gradcheck():
    cube = _custom_function(gt)
    x = gt.tensor(np.random.default_rng(0).standard_normal(5), dtype=gt.float64,
                  requires_grad=True)
    assert gt.autograd.gradcheck(lambda t: cube.apply(t, 1.5), (x,))


def test_gradcheck_catches_a_wrong_backward():
    class Wrong(gt.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * x

        @staticmethod
        def backward(ctx, g):
            return g  # should be 2 * x * g

    x = gt.tensor([0.5, 1.5], dtype=gt.float64, requires_grad=True)
    with pytest.raises(RuntimeError):
        gt.autograd.gradcheck(Wrong.apply, (x,))
    assert not gt.autograd.gradcheck(Wrong.apply, (x,), raise_exception=False)


# ------------------------------------------------------------------ misuse errors
def test_error_nonscalar_backward_without_gradient():
    check_error(lambda lib: (_x(lib) * 2).backward(), match="scalar outputs")


def test_error_backward_through_freed_graph():
    def run(lib):
        x = _x(lib)
        y = (x.exp()).sum()
        y.backward()
        y.backward()
    check_error(run, match="second time")


def test_error_inplace_change_of_saved_tensor():
    def run(lib):
        x = _x(lib)
        y = x.sigmoid()
        y.mul_(2)
        y.sum().backward()
    err = check_error(run, match="modified by an inplace operation")
    assert "version 1; expected version 0" in str(err)


def test_error_inplace_on_leaf_requiring_grad():
    def run(lib):
        x = _x(lib)
        x.add_(1)
    check_error(run, match="leaf Variable that requires grad")


def test_inplace_on_leaf_allowed_under_no_grad():
    def run(lib):
        x = _x(lib)
        with lib.no_grad():
            x.mul_(2)
        (x * x).sum().backward()
        return x, x.grad
    both(run)


def test_error_backward_on_tensor_without_grad():
    check_error(lambda lib: lib.tensor([1.0]).sum().backward(), match="does not require grad")


def test_error_requires_grad_on_integer_tensor():
    check_error(lambda lib: lib.tensor([1, 2]).requires_grad_(), match="floating point")


def test_inplace_op_in_graph_records_history():
    def run(lib):
        x = _x(lib)
        y = x * 2
        y.add_(x)     # y = 2x + x
        y.mul_(x)     # y = 3x * x
        y.sum().backward()
        return y, x.grad
    both(run)


def test_version_counter_counts_inplace_ops():
    def run(lib):
        x = lib.tensor([1.0, 2.0])
        v0 = x._version
        x.add_(1)
        x.mul_(2)
        return v0, x._version
    both(run)


# ------------------------------------------------------------------ deep graphs, control flow
def test_backward_through_100000_op_chain():
    x = gt.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    y.backward()
    assert x.grad.item() == 1.0


def test_data_dependent_control_flow():
    # the course's f(a): a while loop and an if on the data
    def f(lib, a):
        b = a * 2
        while b.norm() < 1000 if hasattr(b, "norm") else (b * b).sum() < 1e6:
            b = b * 2
        if b.sum() > 0:
            c = b
        else:
            c = 100 * b
        return c

    def run(lib):
        a = lib.tensor(0.37, requires_grad=True)
        d = f(lib, a)
        d.backward()
        return a.grad, d / a
    both(run)


# ------------------------------------------------------------------ double backward
def test_create_graph_second_derivative():
    def run(lib):
        x = _x(lib, (0.5, -1.0, 2.0))
        y = (x ** 3 + x * x.exp()).sum()
        (g,) = lib.autograd.grad(y, x, create_graph=True)
        g.sum().backward()
        return g, x.grad
    both(run)


def test_create_graph_through_matmul_and_mean():
    def run(lib):
        w = lib.tensor([[0.5, -1.0], [2.0, 0.25]], requires_grad=True)
        v = lib.tensor([1.0, -2.0], requires_grad=True)
        y = (w @ v).sigmoid().mean()
        gw, gv = lib.autograd.grad(y, [w, v], create_graph=True)
        ((gw * gw).sum() + (gv * gv).sum()).backward()
        return gw, gv, w.grad, v.grad
    both(run)


def test_gradgradcheck():
    x = gt.tensor([0.3, -0.7, 1.1], dtype=gt.float64, requires_grad=True)
    assert gt.autograd.gradgradcheck(lambda t: (t * t.tanh()).exp(), (x,))


def test_inplace_on_view_of_leaf_is_an_error():
    def run(lib):
        x = _x(lib)
        x[:2].mul_(2)
    check_error(run, match="view of a leaf Variable")


def test_setitem_style_write_through_view_reaches_base_and_value():
    def run(lib):
        a = lib.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
        v = lib.tensor([10.0, 20.0], requires_grad=True)
        b = a * 2
        b.t()[1].mul_(v)        # scales column 1 of b by v through a strided view
        (b * b).sum().backward()
        return b, a.grad, v.grad
    both(run)


def test_gradcheck_on_empty_input():
    x = gt.zeros(0, 3, dtype=gt.float64, requires_grad=True)
    assert gt.autograd.gradcheck(lambda t: t * 2, (x,))


def test_double_backward_through_once_differentiable_node_raises():
    # a fused op without a differentiable backward: first-order grads are right, going
    # further raises (PyTorch's @once_differentiable), never a silently wrong answer
    class Square(gt.autograd.function.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 2 * x * g

    x = gt.tensor([1.0, 2.0], requires_grad=True)
    (g,) = gt.autograd.grad(Square.apply(x).sum(), x, create_graph=True)
    np.testing.assert_array_equal(g.detach().numpy(), [2.0, 4.0])
    with pytest.raises(RuntimeError, match="differentiate twice"):
        g.sum().backward()


def test_inplace_after_product_with_a_number_is_allowed():
    # x * 2 and x / 2 keep only the number for backward, so changing x afterwards is fine
    def run(lib):
        a = lib.tensor([1.0, 2.0], requires_grad=True)
        y = a.clone()
        z = y * 2 + y / 4
        y.add_(1)
        z.sum().backward()
        return a.grad
    both(run)
