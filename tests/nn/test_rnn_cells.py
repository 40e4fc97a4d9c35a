"""RNNCell, LSTMCell and GRUCell against PyTorch: one step and a hand-written loop over time
(as the course's seeds write them), batched and unbatched, with and without a state, bias
False, relu; gradients of input, state and parameters in float64; gradcheck; parameter
names, repr, init; errors."""
import numpy as np
import pytest
import torch

import glasstorch as gt
from glasstorch.autograd import gradcheck
from tests.oracle.harness import check_error

RNG = np.random.default_rng(81)
B, I, H = 3, 4, 5
CELLS = [("RNNCell", dict()), ("RNNCell", dict(nonlinearity="relu")),
         ("RNNCell", dict(bias=False)), ("LSTMCell", dict()), ("LSTMCell", dict(bias=False)),
         ("GRUCell", dict()), ("GRUCell", dict(bias=False))]


def twins(kind, **kw):
    theirs = getattr(torch.nn, kind)(I, H, **kw).double()
    ours = getattr(gt.nn, kind)(I, H, **kw).double()
    ours.load_state_dict({k: gt.tensor(v.detach().numpy()) for k, v in
                          theirs.state_dict().items()})
    return ours, theirs


def _close(ours, theirs, what, rtol=1e-9, atol=1e-10):
    assert tuple(ours.shape) == tuple(theirs.shape), what
    assert str(ours.dtype) == str(theirs.dtype), what
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=rtol,
                               atol=atol, err_msg=what)


def _tuple(x):
    return x if isinstance(x, tuple) else (x,)


@pytest.mark.parametrize("kind,kw", CELLS, ids=str)
@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("with_state", [True, False])
def test_cell_loop_against_torch(kind, kw, batched, with_state):
    """Four steps of a hand-written loop; loss on every step's state."""
    ours, theirs = twins(kind, **kw)
    lead = (B,) if batched else ()
    xs = RNG.standard_normal((4,) + lead + (I,))
    x_t = torch.tensor(xs, requires_grad=True)
    x_g = gt.tensor(xs, requires_grad=True)
    n_states = 2 if kind == "LSTMCell" else 1
    states = [RNG.standard_normal(lead + (H,)) for _ in range(n_states)]
    s_t = [torch.tensor(s, requires_grad=True) for s in states]
    s_g = [gt.tensor(s, requires_grad=True) for s in states]
    hx_t = (tuple(s_t) if n_states == 2 else s_t[0]) if with_state else None
    hx_g = (tuple(s_g) if n_states == 2 else s_g[0]) if with_state else None
    loss_t = loss_g = 0
    for step in range(4):
        hx_t = theirs(x_t[step], hx_t)
        hx_g = ours(x_g[step], hx_g)
        for a, b in zip(_tuple(hx_g), _tuple(hx_t)):
            _close(a, b, f"step {step}")
        w = RNG.standard_normal(tuple(_tuple(hx_t)[0].shape))
        loss_t = loss_t + (_tuple(hx_t)[-1] * torch.tensor(w)).sum()
        loss_g = loss_g + (_tuple(hx_g)[-1] * gt.tensor(w)).sum()
    loss_t.backward()
    loss_g.backward()
    _close(x_g.grad, x_t.grad, "input grad", 1e-8, 1e-10)
    if with_state:
        for a, b in zip(s_g, s_t):
            _close(a.grad, b.grad, "state grad", 1e-8, 1e-10)
    for (name, p), (name_t, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert name == name_t
        _close(p.grad, q.grad, name, 1e-8, 1e-10)


@pytest.mark.parametrize("kind,kw", CELLS, ids=str)
def test_cell_gradcheck(kind, kw):
    cell = getattr(gt.nn, kind)(2, 3, **kw).double()
    names = [n for n, _ in cell.named_parameters()]
    x = gt.tensor(RNG.standard_normal((2, 2)), requires_grad=True)
    n_states = 2 if kind == "LSTMCell" else 1
    states = [gt.tensor(RNG.standard_normal((2, 3)), requires_grad=True)
              for _ in range(n_states)]

    def f(x, *tensors):
        for name, w in zip(names, tensors[n_states:]):
            cell._parameters[name] = w
        hx = tuple(tensors[:n_states]) if n_states == 2 else tensors[0]
        return _tuple(cell(x, hx))

    params = [p.detach().requires_grad_() for p in cell.parameters()]
    assert gradcheck(f, (x, *states, *params))


@pytest.mark.parametrize("kind,kw", CELLS, ids=str)
def test_cell_parameters_and_repr(kind, kw):
    theirs = getattr(torch.nn, kind)(I, H, **kw)
    ours = getattr(gt.nn, kind)(I, H, **kw)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for (name, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert tuple(p.shape) == tuple(q.shape), name
    values = np.concatenate([p.detach().numpy().ravel() for p in ours.parameters()])
    assert np.abs(values).max() <= 1 / np.sqrt(H)
    if not kw.get("bias", True):
        assert ours.bias_ih is None and ours.bias_hh is None


def test_cell_no_grad_saves_nothing():
    cell = gt.nn.LSTMCell(I, H)
    with gt.no_grad():
        h, c = cell(gt.randn(B, I))
    assert h.grad_fn is None and c.grad_fn is None


@pytest.mark.parametrize("kind", ["RNNCell", "LSTMCell", "GRUCell"])
def test_cell_errors(kind):
    lstm = kind == "LSTMCell"

    def call(x_shape, h_shapes=None):
        def f(lib):
            torch.manual_seed(0)
            cell = getattr(lib.nn, kind)(I, H)
            hx = None
            if h_shapes is not None:
                hx = tuple(lib.zeros(s) for s in h_shapes)
                hx = hx if lstm else hx[0]
            return cell(lib.zeros(x_shape), hx)
        return f

    n = 2 if lstm else 1
    check_error(call((B, I + 1)), match=f"got {I + 1}")
    check_error(call((B, I), [(B + 1, H)] * n), match=f"{B + 1}")
    check_error(call((B, I), [(B, H + 1)] * n), match=f"got {H + 1}")
    check_error(call((B, I, 1)), match="3D")
    check_error(call((B, I), [(1, B, H)] * n), match="3D")
    check_error(lambda lib: getattr(lib.nn, kind)(I, H)(lib.zeros(B, I, dtype=lib.float64)))
    if lstm:
        check_error(call((B, I), [(B, H), (B, H + 1)]), match="hidden[1]")
