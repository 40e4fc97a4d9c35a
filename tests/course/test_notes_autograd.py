"""The course notes' autograd and activation-function snippets, under torch and glasstorch.

Sources: 000/002 = d2l 2.5 automatic differentiation and 5.1 activation functions (relu,
pReLU, sigmoid, tanh and their gradients, the data behind the plots); 001 = the slide deck's
autograd example; 003 = activation functions 1.2 (relu, leaky relu, relu6, swish, hard swish,
tanh, GELU, ELU, Mish; sigmoid' = s(1-s), tanh' = 1-f^2), no_grad evaluation; 004 = the
activation layers of week 2-2.
"""
import warnings

import numpy as np
import pytest
import torch

from tests.course.notes import same
from tests.oracle.harness import check, sample

RNG = np.random.default_rng(7)


# ---------------------------------------------------------------- d2l 2.5

def test_d2l_backward_of_dot():
    def snippet(torch):
        x = torch.arange(4.0)
        print(x)
        x.requires_grad_(True)
        first = x.grad  # The gradient is None by default
        y = 2 * torch.dot(x, x)
        print(y)
        y.backward()
        print(x.grad)
        return first, y, x.grad, x.grad == 4 * x, x.requires_grad, x.is_leaf, y.is_leaf
    same(snippet)


def test_d2l_requires_grad_at_creation():
    def snippet(torch):
        x = torch.arange(4.0, requires_grad=True)   # "Can also create x = ..."
        (x * x).sum().backward()
        return x, x.grad
    same(snippet)


def test_d2l_zero_grad_then_sum_backward():
    def snippet(torch):
        x = torch.arange(4.0, requires_grad=True)
        (2 * torch.dot(x, x)).backward()
        x.grad.zero_()  # Reset the gradient
        y = x.sum()
        y.backward()
        print(x.grad)
        return y, x.grad
    same(snippet)


def test_d2l_gradients_accumulate_without_zeroing():
    def snippet(torch):
        x = torch.arange(4.0, requires_grad=True)
        x.sum().backward()
        x.sum().backward()
        return x.grad
    same(snippet)


def test_d2l_backward_of_non_scalar_with_gradient():
    def snippet(torch):
        x = torch.arange(4.0, requires_grad=True)
        y = x * x
        y.backward(gradient=torch.ones(len(y)))  # Faster: y.sum().backward()
        print(x.grad)
        return x.grad
    same(snippet)


def test_d2l_backward_of_non_scalar_without_gradient_is_an_error():
    def snippet(torch):
        x = torch.arange(4.0, requires_grad=True)
        (x * x).backward()
    same(snippet)


def test_d2l_detach():
    def snippet(torch):
        x = torch.arange(4.0, requires_grad=True)
        y = x * x
        u = y.detach()
        z = u * x
        z.sum().backward()
        first = x.grad == u
        x.grad.zero_()
        y.sum().backward()
        return u, u.requires_grad, first, x.grad == 2 * x, x.grad
    same(snippet)


@pytest.mark.parametrize("a0", [0.37, -1.6, 1e-3])
def test_d2l_control_flow_gradient(a0):
    """2.5.4: the gradient flows through Python while/if around tensor ops."""
    def snippet(torch, a0):
        def f(a):
            b = a * 2
            while b.norm() < 1000:
                b = b * 2
            if b.sum() > 0:
                c = b
            else:
                c = 100 * b
            return c
        a = torch.randn(size=(), requires_grad=True)   # shape/dtype of the draw
        drawn = (a.shape, a.dtype, a.requires_grad)
        a = torch.tensor(a0, requires_grad=True)        # same value for both libraries
        d = f(a)
        d.backward()
        return drawn, d, a.grad, a.grad == d / a
    same(snippet, np.float32(a0))


def test_slides_scalar_autograd():
    """001: w = tensor(2.0, requires_grad=True); the derivative printed is 8.0."""
    def snippet(torch):
        w = torch.tensor(2.0, requires_grad=True)
        y = w**2
        z = 2*y + 5
        z.backward()
        print(f'수식을 w로 미분한 값 : {w.grad}')
        return w.grad
    same(snippet)


def test_backward_inside_no_grad_block():
    """d2l's Trainer.fit_epoch calls loss.backward() inside `with torch.no_grad()`."""
    X = RNG.standard_normal((6, 2)).astype(np.float32)

    def snippet(torch, X):
        w = torch.zeros((2, 1), requires_grad=True)
        loss = ((torch.tensor(X) @ w - 1) ** 2).mean()
        with torch.no_grad():
            loss.backward()
            w -= 0.1 * w.grad
            inside = torch.is_grad_enabled()
        return w, w.grad, inside, w.requires_grad, torch.is_grad_enabled()
    same(snippet, X)


def test_no_grad_evaluation_does_not_record():
    def snippet(torch):
        w = torch.ones(3, requires_grad=True)
        with torch.no_grad():
            y = w * 2
        z = w * 2
        return y.requires_grad, y.grad_fn is None, z.requires_grad, z.grad_fn is None
    same(snippet)


def test_grad_data_zero_and_retain_graph():
    """5.1 calls x.grad.data.zero_() and backward(..., retain_graph=True) repeatedly."""
    def snippet(torch):
        x = torch.arange(-2.0, 2.0, 0.5, requires_grad=True)
        y = torch.sigmoid(x)
        y.backward(torch.ones_like(x), retain_graph=True)
        first = x.grad.clone()
        x.grad.data.zero_()
        y.backward(torch.ones_like(x), retain_graph=True)
        return first, x.grad, x.grad.data
    same(snippet)


def test_backward_twice_without_retain_graph_is_an_error():
    def snippet(torch):
        x = torch.arange(-2.0, 2.0, 0.5, requires_grad=True)
        y = torch.sigmoid(x)
        y.backward(torch.ones_like(x))
        y.backward(torch.ones_like(x))
    same(snippet)


# ---------------------------------------------------------------- d2l 5.1 activation plots

# The notebook's x is torch.arange(-8.0, 8.0, 0.1, requires_grad=True). PyTorch's CPU kernel
# rounds some of those float32 values differently from glasstorch by one ulp (it adds j * step
# to a float32 block start, with FMA), and x[80] is 4.4e-16 in torch but exactly 0 here, where
# relu's gradient flips from 1 to 0. So the plots below take torch's x values as shared data;
# test_d2l_plot_range_arange compares the arange itself to float tolerance.
def _x_plot():
    return torch.arange(-8.0, 8.0, 0.1).numpy().copy()


def test_d2l_plot_range_arange():
    def snippet(torch):
        x = torch.arange(-8.0, 8.0, 0.1, requires_grad=True)
        return x, x.detach(), x.shape
    same(snippet, atol=1e-6)


def _plot_data(torch, fn, x0):
    """What the notebook plots: x, fn(x) and the gradient of fn at x."""
    x = torch.tensor(x0, requires_grad=True)
    y = fn(x)
    y.backward(torch.ones_like(x), retain_graph=True)
    return x.detach(), y.detach(), x.grad


@pytest.mark.parametrize("name", ["relu", "sigmoid", "tanh"])
def test_d2l_activation_and_gradient_plots(name):
    same(lambda torch, x0: _plot_data(torch, getattr(torch, name), x0), _x_plot())


def test_d2l_prelu_lambda():
    """pReLU = max(0, x) + a * min(0, x), written with binary torch.max/torch.min against an
    int 0-d tensor; its gradient is then taken after x.grad.data.zero_()."""
    def snippet(torch, x0):
        pReLU = lambda x, a: torch.max(torch.tensor(0), x) + a * torch.min(torch.tensor(0), x)
        x = torch.tensor(x0, requires_grad=True)
        y = torch.relu(x)
        y.backward(torch.ones_like(x), retain_graph=True)
        y = pReLU(x=x, a=0.1)
        x.grad.data.zero_()
        y.backward(torch.ones_like(x), retain_graph=True)
        return y.detach(), x.grad
    same(snippet, _x_plot())


def test_d2l_relu_from_scratch():
    """5.2's relu(X) = torch.max(X, zeros_like(X)); values and gradients."""
    X = sample((4, 6), avoid=(0.0,))
    check(lambda t, X: t.max(X, t.zeros_like(X)), [X])


def test_summary_activation_derivative_identities():
    """sigmoid' = s (1 - s) and tanh' = 1 - tanh^2 (003, 1.2.3)."""
    def snippet(torch):
        x = torch.linspace(-5, 5, 21, requires_grad=True)
        s = torch.sigmoid(x)
        (gs,) = torch.autograd.grad(s.sum(), x)
        t = torch.tanh(x)
        (gt,) = torch.autograd.grad(t.sum(), x)
        return (gs, torch.allclose(gs, s * (1 - s)), gt,
                torch.allclose(gt, 1 - t ** 2, atol=1e-6))
    same(snippet)


@pytest.mark.parametrize("name, call", [
    ("relu", lambda t, x: t.nn.functional.relu(x)),
    ("leaky_relu", lambda t, x: t.nn.functional.leaky_relu(x, 0.01)),
    ("relu6", lambda t, x: t.nn.functional.relu6(x * 4)),
    ("swish/silu", lambda t, x: t.nn.functional.silu(x)),
    ("hard swish", lambda t, x: t.nn.functional.hardswish(x * 2)),
    ("tanh", lambda t, x: t.tanh(x)),
    ("gelu", lambda t, x: t.nn.functional.gelu(x)),
    ("elu", lambda t, x: t.nn.functional.elu(x)),
    ("mish", lambda t, x: t.nn.functional.mish(x)),
    ("sigmoid", lambda t, x: t.nn.functional.sigmoid(x)),
])
def test_summary_activation_functions(name, call):
    check(call, [sample((3, 5), avoid=(0.0, 1.5, -1.5))])


@pytest.mark.parametrize("layer, args", [
    ("LeakyReLU", ()), ("ReLU", ()), ("Sigmoid", ()), ("GELU", ()), ("Tanh", ()),
    ("Softmax", (1,)), ("ReLU6", ()), ("ELU", ()), ("SiLU", ()), ("Hardswish", ()),
    ("Mish", ()), ("LogSoftmax", (1,)),
])
def test_week2_activation_layers(layer, args):
    check(lambda t, x: getattr(t.nn, layer)(*args)(x), [sample((3, 5), avoid=(0.0,))])


def test_week2_softmax_layer_without_dim():
    """nn.Softmax() with no dim (004's list) picks dim 1 for 2-D input, with a warning."""
    import glasstorch
    with pytest.warns(UserWarning, match="Implicit dimension"):
        glasstorch.nn.Softmax()(glasstorch.ones(2, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check(lambda t, x: t.nn.Softmax()(x), [sample((3, 5))])


def test_summary_relu_written_as_torch_nn_relu_is_an_error():
    """003 writes `torch.nn.relu(x)`: no such attribute in torch (F.relu / torch.relu)."""
    def snippet(torch):
        return torch.nn.relu(torch.ones(2))
    same(snippet)


# ---------------------------------------------------------------- printed results with grad_fn

def test_slides_printed_costs_and_hypotheses_name_their_grad_fn():
    """001 prints f'... Cost : {cost}' and the hypothesis tensors; the text shows grad_fn names
    (BinaryCrossEntropyBackward0, SigmoidBackward0, AddmmBackward0, SoftmaxBackward0, ...)."""
    x0 = np.array([[1, 2], [2, 3], [3, 1], [4, 3]], dtype=np.float32)

    def snippet(torch, x0):
        nn, F = torch.nn, torch.nn.functional
        x_train = torch.tensor(x0)
        y_train = torch.FloatTensor([[0], [0], [1], [1]])
        W = torch.zeros([2, 1], requires_grad=True)
        b = torch.zeros([1], requires_grad=True)
        hypothesis = torch.sigmoid(x_train.matmul(W) + b)
        cost = F.binary_cross_entropy(hypothesis, y_train)
        print(f'Epochs : {1}/{1000} Cost : {cost}')
        print(hypothesis)
        linear = nn.Linear(2, 3)
        with torch.no_grad():
            linear.weight.copy_(torch.tensor([[0.5, -1.0], [0.25, 0.0], [-0.5, 1.0]]))
            linear.bias.zero_()
        logits = linear(x_train)
        print(logits)
        print(F.softmax(logits, dim=1))
        print(F.softmax(logits, dim=1).sum(dim=1))
        print(F.cross_entropy(logits, torch.tensor([0, 1, 2, 0])))
        print(F.mse_loss(logits, torch.zeros(4, 3)))
        print(nn.MSELoss()(hypothesis, y_train))
        print(torch.mean((hypothesis - y_train) ** 2))
        print(linear.weight)
        print(2 * torch.dot(W.squeeze(), W.squeeze()))
    same(snippet, x0)


def test_in_place_update_of_a_leaf_outside_no_grad_is_an_error():
    """The hand-written SGD step `W -= lr * W.grad` needs torch.no_grad() around it."""
    def snippet(torch):
        W = torch.zeros(2, requires_grad=True)
        (W * 2).sum().backward()
        W -= 0.1 * W.grad
    same(snippet)


def test_zero_grad_before_any_backward_is_an_error():
    """x.grad is None until a backward: x.grad.zero_() fails (d2l's SGD checks for None)."""
    def snippet(torch):
        x = torch.ones(2, requires_grad=True)
        x.grad.zero_()
    same(snippet)


def test_modifying_a_saved_tensor_in_place_is_detected():
    def snippet(torch):
        x = torch.ones(3, requires_grad=True)
        y = x.sigmoid()
        y.mul_(2)
        y.sum().backward()
    same(snippet)


def test_no_grad_decorator_retain_grad_and_second_derivative():
    def snippet(torch):
        @torch.no_grad()
        def evaluate(x):
            return x * 2
        x = torch.ones(2, requires_grad=True)
        y = x * 2
        y.retain_grad()
        (y * y).sum().backward()
        s = torch.tensor(2.0, requires_grad=True)
        (g,) = torch.autograd.grad(s ** 3, s, create_graph=True)
        (g2,) = torch.autograd.grad(g, s)
        return evaluate(x).requires_grad, y.grad, x.grad, g, g2
    same(snippet)


def test_frozen_parameters_do_not_require_grad():
    def snippet(torch):
        m = torch.nn.Linear(2, 1)
        for p in m.parameters():
            p.requires_grad = False
        return m(torch.ones(1, 2)).requires_grad, [p.requires_grad for p in m.parameters()]
    same(snippet)
