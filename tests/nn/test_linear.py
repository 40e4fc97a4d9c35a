"""Linear, Bilinear, Identity, LazyLinear, Flatten and Unflatten against PyTorch."""
import math

import numpy as np
import pytest
import torch

import glasstorch as gt
from tests.oracle.harness import check, gradcheck_fn, check_error, sample


def F(t):
    return t.nn.functional


# ---------------------------------------------------------------------------------- F.linear
LINEAR_CASES = [
    ((4, 3), (6, 3), (6,)),
    ((4, 3), (6, 3), None),
    ((2, 5, 3), (6, 3), (6,)),
    ((2, 2, 2, 3), (1, 3), (1,)),
    ((3,), (6, 3), (6,)),
    ((0, 3), (6, 3), (6,)),
    ((4, 0), (6, 0), (6,)),
    ((4, 3), (6, 3), (1,)),        # bias broadcast
    ((4, 3), (6, 3), (4, 6)),      # bias of the output's shape
    ((4, 3), (6, 3), ()),          # 0-d bias
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("xs,ws,bs", LINEAR_CASES, ids=str)
def test_linear_matches_torch(xs, ws, bs, dtype):
    inputs = [sample(xs, dtype), sample(ws, dtype)] + ([] if bs is None else [sample(bs, dtype)])
    check(lambda t, *a: F(t).linear(*a), inputs, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("xs,ws,bs", LINEAR_CASES[:5], ids=str)
def test_linear_gradcheck(xs, ws, bs):
    inputs = [sample(xs, "float64"), sample(ws, "float64")] + \
        ([] if bs is None else [sample(bs, "float64")])
    gradcheck_fn(lambda t, *a: F(t).linear(*a), inputs)


def test_linear_non_contiguous_inputs():
    check(lambda t, x, w, b: F(t).linear(x.transpose(0, 1), w.t(), b[::2]),
          [sample((3, 4)), sample((3, 5)), sample((10,))], atol=1e-5)
    check(lambda t, x, w: F(t).linear(x[:, ::2], w), [sample((4, 6)), sample((2, 3))],
          atol=1e-5)


def test_linear_one_dim_weight():
    check(lambda t, x, w: F(t).linear(x, w), [sample((4, 3)), sample((3,))], atol=1e-5)


def test_linear_integer_inputs():
    check(lambda t, x, w, b: F(t).linear(x, w, b),
          [np.arange(6).reshape(2, 3), np.arange(12).reshape(4, 3), np.arange(4)])


def _run_node_backward(node, upstream):
    """The node's own backward on an upstream array, as the engine runs it (its saved arrays
    are readable only while a backward pass runs)."""
    from glasstorch.autograd import function
    function._backward_running += 1
    try:
        return node.backward(node, upstream)
    finally:
        function._backward_running -= 1


def test_linear_skips_gradient_of_constant_input():
    """The fused node computes no gradient for a constant input (the data batch), and the
    weight and bias gradients match PyTorch's."""
    x, w, b = sample((5, 3)), sample((2, 3)), sample((2,))
    out = F(gt).linear(gt.tensor(x), gt.tensor(w, requires_grad=True),
                       gt.tensor(b, requires_grad=True))
    upstream = sample((5, 2))
    node = out.grad_fn
    grad_x, grad_w, grad_b = _run_node_backward(node, upstream)
    assert grad_x is None
    wt, bt = torch.tensor(w, requires_grad=True), torch.tensor(b, requires_grad=True)
    torch.nn.functional.linear(torch.tensor(x), wt, bt).backward(torch.tensor(upstream))
    np.testing.assert_allclose(grad_w, wt.grad.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(grad_b, bt.grad.numpy(), rtol=1e-5, atol=1e-6)
    check(lambda t, x, w: F(t).linear(x.detach(), w), [x, w])


def test_linear_no_grad_path_records_nothing():
    w = gt.randn(3, 4, requires_grad=True)
    with gt.no_grad():
        y = F(gt).linear(gt.randn(2, 4), w)
    assert y.grad_fn is None and not y.requires_grad


def test_linear_double_backward_matches_torch():
    x, w, b = sample((4, 3), "float64"), sample((5, 3), "float64"), sample((5,), "float64")
    v = np.random.default_rng(3).standard_normal((4, 5))
    grads = []
    for lib in (torch, gt):
        xt, wt, bt = (lib.tensor(a, requires_grad=True) for a in (x, w, b))
        y = F(lib).linear(xt, wt, bt)
        gx, gw = lib.autograd.grad(y, (xt, wt), lib.tensor(v), create_graph=True)
        ((gx * gx).sum() + (gw * gw * gw).sum()).backward()
        grads.append([a.grad.numpy() for a in (xt, wt)])
    for ours, theirs in zip(grads[1], grads[0]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-7, atol=1e-9)


def test_linear_errors():
    check_error(lambda t: F(t).linear(t.randn(2, 3), t.randn(4, 3).double()), match="dtype")
    check_error(lambda t: F(t).linear(t.randn(2, 3), t.randn(4, 2)), match="2x3 and 2x4")
    check_error(lambda t: F(t).linear(t.randn(5, 2, 3), t.randn(4, 2)), match="10x3")
    check_error(lambda t: F(t).linear(t.randn(2, 3), t.randn(4, 3), t.randn(3)))
    check_error(lambda t: F(t).linear(t.randn(2, 3), t.randn(4, 3), t.randn(4).double()))
    check_error(lambda t: F(t).linear(t.tensor(1.0), t.randn(4, 3)))
    check_error(lambda t: F(t).linear(t.randn(2, 3), t.randn(2, 4, 3)))
    check_error(lambda t: F(t).linear(t.randn(2, 3), t.randn(3), t.randn(())))


# ---------------------------------------------------------------------------------- nn.Linear
def _copy_params(ours, theirs):
    with torch.no_grad():
        for (name, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
            q.copy_(torch.tensor(p.detach().numpy()))


def _compare_module(ours, theirs, *inputs):
    """Same parameters -> same output and the same input/parameter gradients."""
    _copy_params(ours, theirs)
    g_in = [gt.tensor(x, requires_grad=True) for x in inputs]
    t_in = [torch.tensor(x, requires_grad=True) for x in inputs]
    out_g, out_t = ours(*g_in), theirs(*t_in)
    np.testing.assert_allclose(out_g.detach().numpy(), out_t.detach().numpy(), rtol=1e-5,
                               atol=1e-5)
    assert str(out_g.dtype) == str(out_t.dtype)
    up = np.random.default_rng(1).standard_normal(tuple(out_t.shape)).astype(inputs[0].dtype)
    out_g.backward(gt.tensor(up))
    out_t.backward(torch.tensor(up))
    for a, b in zip(g_in, t_in):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-5, atol=1e-5)
    for (name, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-5, atol=1e-5,
                                   err_msg=name)


@pytest.mark.parametrize("bias", [True, False])
def test_linear_module_matches_torch(bias):
    ours, theirs = gt.nn.Linear(4, 3, bias=bias), torch.nn.Linear(4, 3, bias=bias)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    _compare_module(ours, theirs, sample((5, 2, 4)))


def test_linear_module_float64():
    ours = gt.nn.Linear(4, 3, dtype=gt.float64)
    theirs = torch.nn.Linear(4, 3, dtype=torch.float64)
    assert ours.weight.dtype == gt.float64 and ours.bias.dtype == gt.float64
    _compare_module(ours, theirs, sample((5, 4), "float64"))


def _check_uniform(values, bound):
    """Values drawn from U(-bound, bound): inside the bounds, with its mean and variance."""
    values = np.asarray(values, dtype=np.float64).ravel()
    n = values.size
    assert np.all(np.abs(values) <= bound)
    assert abs(values.mean()) < 5 * bound / math.sqrt(3 * n)
    np.testing.assert_allclose(values.var(), bound ** 2 / 3, rtol=5 * math.sqrt(0.8 / n))
    assert values.max() > 0.95 * bound and values.min() < -0.95 * bound


def test_linear_default_init_distribution():
    m = gt.nn.Linear(300, 200)
    bound = 1 / math.sqrt(300)
    _check_uniform(m.weight.detach().numpy(), bound)
    _check_uniform(gt.nn.Linear(300, 4000).bias.detach().numpy(), bound)
    # torch's bound for the same layer, as a cross-check of the formula
    assert torch.nn.Linear(300, 200).weight.abs().max().item() <= bound


@pytest.mark.filterwarnings("ignore:Initializing zero-element")
def test_linear_zero_in_features():
    for lib in (torch, gt):
        m = lib.nn.Linear(0, 3)
        assert tuple(m.weight.shape) == (3, 0)
        assert np.all(m.bias.detach().numpy() == 0)


def test_linear_in_sequential_trains():
    gt.manual_seed(0)
    model = gt.nn.Sequential(gt.nn.Linear(2, 8), gt.nn.ReLU(), gt.nn.Linear(8, 1))
    x = gt.randn(64, 2)
    y = x[:, :1] * 2 - x[:, 1:] + 0.5
    opt = gt.optim.SGD(model.parameters(), lr=0.1)
    first = None
    for _ in range(100):
        loss = ((model(x) - y) ** 2).mean()
        first = first if first is not None else loss.item()
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert loss.item() < 0.05 * first


# ---------------------------------------------------------------------------------- Bilinear
BILINEAR_CASES = [((4, 3), (4, 2), (5, 3, 2), (5,)), ((4, 3), (4, 2), (5, 3, 2), None),
                  ((2, 3, 3), (2, 3, 2), (1, 3, 2), (1,)), ((3,), (2,), (4, 3, 2), (4,))]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("s1,s2,sw,sb", BILINEAR_CASES, ids=str)
def test_bilinear_matches_torch(s1, s2, sw, sb, dtype):
    inputs = [sample(s1, dtype), sample(s2, dtype), sample(sw, dtype)] + \
        ([] if sb is None else [sample(sb, dtype)])
    check(lambda t, *a: F(t).bilinear(*a), inputs, atol=1e-5)


@pytest.mark.parametrize("s1,s2,sw,sb", BILINEAR_CASES[:3], ids=str)
def test_bilinear_gradcheck(s1, s2, sw, sb):
    inputs = [sample(s1, "float64"), sample(s2, "float64"), sample(sw, "float64")] + \
        ([] if sb is None else [sample(sb, "float64")])
    gradcheck_fn(lambda t, *a: F(t).bilinear(*a), inputs)


def test_bilinear_errors():
    check_error(lambda t: F(t).bilinear(t.randn(2, 3), t.randn(2, 4), t.randn(5, 3, 3)),
                match="input2 size")
    check_error(lambda t: F(t).bilinear(t.randn(2, 3), t.randn(3, 4), t.randn(5, 3, 4)),
                match="batch dimensions")
    check_error(lambda t: F(t).bilinear(t.randn(2, 3), t.randn(2, 4), t.randn(5, 2, 4)))


def test_bilinear_module():
    ours, theirs = gt.nn.Bilinear(3, 2, 4), torch.nn.Bilinear(3, 2, 4)
    assert repr(ours) == repr(theirs)
    assert repr(gt.nn.Bilinear(3, 2, 4, bias=False)) == \
        repr(torch.nn.Bilinear(3, 2, 4, bias=False))
    assert list(ours.state_dict()) == list(theirs.state_dict())
    _compare_module(ours, theirs, sample((6, 3)), sample((6, 2)))
    big = gt.nn.Bilinear(50, 20, 40)
    _check_uniform(big.weight.detach().numpy(), 1 / math.sqrt(50))
    assert gt.nn.Bilinear(3, 2, 4, dtype=gt.float64).weight.dtype == gt.float64


# ---------------------------------------------------------------------------------- Identity
def test_identity():
    for lib in (torch, gt):
        m = lib.nn.Identity(54, unused="x")
        x = lib.ones(2)
        assert m(x) is x
    assert repr(gt.nn.Identity(3)) == repr(torch.nn.Identity(3))


# ---------------------------------------------------------------------------------- LazyLinear
@pytest.mark.parametrize("bias", [True, False])
def test_lazy_linear_becomes_linear(bias):
    ours, theirs = gt.nn.LazyLinear(3, bias=bias), torch.nn.LazyLinear(3, bias=bias)
    assert repr(ours) == repr(theirs)
    weight = ours.weight
    ours(gt.ones(5, 4))
    theirs(torch.ones(5, 4))
    assert repr(ours) == repr(theirs)
    assert type(ours) is gt.nn.Linear
    assert ours.weight is weight            # the same object: optimizers keep working
    assert type(ours.weight) is gt.nn.Parameter
    assert tuple(ours.weight.shape) == (3, 4) and ours.in_features == 4
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert all(abs(v) <= 0.5 for v in ours.weight.detach().numpy().ravel())
    _compare_module(ours, torch.nn.Linear(4, 3, bias=bias), sample((2, 4)))


def test_lazy_linear_dtype_and_later_calls():
    m = gt.nn.LazyLinear(2, dtype=gt.float64)
    out = m(gt.ones(3, 5, dtype=gt.float64))
    assert m.weight.dtype == gt.float64 and out.dtype == gt.float64
    assert tuple(m(gt.ones(7, 5, dtype=gt.float64)).shape) == (7, 2)


def test_lazy_linear_in_sequential_and_load_state_dict():
    model = gt.nn.Sequential(gt.nn.LazyLinear(4), gt.nn.ReLU(), gt.nn.LazyLinear(1))
    model(gt.ones(2, 6))
    assert repr(model) == repr(torch.nn.Sequential(torch.nn.Linear(6, 4), torch.nn.ReLU(),
                                                   torch.nn.Linear(4, 1)))
    fresh = gt.nn.LazyLinear(4)
    fresh.load_state_dict(model[0].state_dict())
    np.testing.assert_array_equal(fresh.weight.detach().numpy(),
                                  model[0].weight.detach().numpy())


# ---------------------------------------------------------------------------------- Flatten
@pytest.mark.parametrize("args", [(), (0,), (1, 2), (-3, -2), (2, -1)], ids=str)
def test_flatten_module(args):
    assert repr(gt.nn.Flatten(*args)) == repr(torch.nn.Flatten(*args))
    check(lambda t, x: t.nn.Flatten(*args)(x), [sample((2, 3, 4, 5))])


@pytest.mark.parametrize("dim,sizes", [(1, (2, 5)), (-1, (5, 2)), (1, [2, -1]), (0, (2, 1))],
                         ids=str)
def test_unflatten_module(dim, sizes):
    assert repr(gt.nn.Unflatten(dim, sizes)) == repr(torch.nn.Unflatten(dim, sizes))
    check(lambda t, x: t.nn.Unflatten(dim, sizes)(x), [sample((2, 10))])


def test_unflatten_errors():
    check_error(lambda t: t.nn.Unflatten(1, 5))
    check_error(lambda t: t.nn.Unflatten(1, (2, 2.5)))
    check_error(lambda t: t.nn.Unflatten(1, (3, 3))(t.ones(2, 10)))


def test_flatten_unflatten_sequential_repr():
    def build(t):
        return t.nn.Sequential(t.nn.Flatten(), t.nn.Linear(12, 6), t.nn.Unflatten(1, (2, 3)),
                               t.nn.Identity())
    assert repr(build(gt)) == repr(build(torch))
    assert tuple(build(gt)(gt.ones(5, 3, 4)).shape) == (5, 2, 3)
