"""nn.RNN, nn.LSTM and nn.GRU against PyTorch after copying its parameters: outputs, final states,
and input / initial-state / parameter gradients in float64 over many configurations (layers,
bidirectional, batch_first, bias, relu, proj_size, unbatched input, initial states, packed input
sorted and unsorted); float32; float64 gradcheck of the fused nodes; parameter names, order,
shapes and init; repr; dropout between layers; errors."""
import warnings

import numpy as np
import pytest
import torch

import glasstorch as gt
from glasstorch.autograd import gradcheck
from tests.oracle.harness import check_error

RNG = np.random.default_rng(80)
T, B, I, H = 5, 3, 4, 6


def twins(kind, dtype="float64", **kw):
    """The same layer in both libraries: glasstorch's loaded from PyTorch's state_dict."""
    theirs = getattr(torch.nn, kind)(I, H, **kw).to(getattr(torch, dtype))
    ours = getattr(gt.nn, kind)(I, H, **kw).to(getattr(gt, dtype))
    ours.load_state_dict({k: gt.tensor(v.detach().numpy()) for k, v in
                          theirs.state_dict().items()})
    return ours, theirs


def _states_shape(kind, kw, batch, unbatched=False, hidden=H):
    layers = kw.get("num_layers", 1) * (2 if kw.get("bidirectional") else 1)
    size = kw.get("proj_size", 0) or hidden
    shapes = [(layers, batch, size)] + ([(layers, batch, hidden)] if kind == "LSTM" else [])
    return [s[:1] + s[2:] if unbatched else s for s in shapes]


def _as_tuple(state):
    return state if isinstance(state, tuple) else (state,)


def _close(ours, theirs, rtol, atol, what):
    assert tuple(ours.shape) == tuple(theirs.shape), what
    assert str(ours.dtype) == str(theirs.dtype), what
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=rtol,
                               atol=atol, err_msg=what)


def run_both(kind, kw, *, lengths=None, enforce_sorted=False, with_states=True,
             unbatched=False, dtype="float64", rtol=1e-9, atol=1e-10):
    """Forward and backward through twin layers (weights on every output and final state);
    compares everything. `lengths` packs the padded input first."""
    ours, theirs = twins(kind, dtype, **kw)
    batch_first = kw.get("batch_first", False)
    shape = (T, I) if unbatched else ((B, T, I) if batch_first else (T, B, I))
    x = RNG.standard_normal(shape).astype(dtype)
    x_t = torch.tensor(x, requires_grad=True)
    x_g = gt.tensor(x, requires_grad=True)
    args_t, args_g, states_t, states_g = [], [], [], []
    if with_states:
        arrays = [RNG.standard_normal(s).astype(dtype)
                  for s in _states_shape(kind, kw, B, unbatched)]
        states_t = [torch.tensor(a, requires_grad=True) for a in arrays]
        states_g = [gt.tensor(a, requires_grad=True) for a in arrays]
        args_t = [tuple(states_t) if kind == "LSTM" else states_t[0]]
        args_g = [tuple(states_g) if kind == "LSTM" else states_g[0]]
    in_t, in_g = x_t, x_g
    if lengths is not None:
        in_t = torch.nn.utils.rnn.pack_padded_sequence(x_t, lengths, batch_first,
                                                       enforce_sorted)
        in_g = gt.nn.utils.rnn.pack_padded_sequence(x_g, lengths, batch_first, enforce_sorted)
    out_t, final_t = theirs(in_t, *args_t)
    out_g, final_g = ours(in_g, *args_g)
    if lengths is not None:
        assert isinstance(out_g, gt.nn.utils.rnn.PackedSequence)
        _close(out_g.batch_sizes, out_t.batch_sizes, 0, 0, "batch_sizes")
        out_t = torch.nn.utils.rnn.pad_packed_sequence(out_t, batch_first)[0]
        out_g = gt.nn.utils.rnn.pad_packed_sequence(out_g, batch_first)[0]
    _close(out_g, out_t, rtol, atol, "output")
    final_t, final_g = _as_tuple(final_t), _as_tuple(final_g)
    assert len(final_g) == len(final_t)
    for a, b in zip(final_g, final_t):
        _close(a, b, rtol, atol, "final state")
    weights = [RNG.standard_normal(tuple(t.shape)).astype(dtype) for t in (out_t,) + final_t]
    sum((t * torch.tensor(w)).sum() for t, w in zip((out_t,) + final_t, weights)).backward()
    sum((t * gt.tensor(w)).sum() for t, w in zip((out_g,) + final_g, weights)).backward()
    grad_rtol, grad_atol = rtol * 10, atol * 10
    _close(x_g.grad, x_t.grad, grad_rtol, grad_atol, "input grad")
    for a, b in zip(states_g, states_t):
        _close(a.grad, b.grad, grad_rtol, grad_atol, "initial state grad")
    for (name, p), (name_t, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert name == name_t
        _close(p.grad, q.grad, grad_rtol, grad_atol, f"{name} grad")


KINDS = ["RNN", "LSTM", "GRU"]
CONFIGS = [
    dict(),
    dict(num_layers=2),
    dict(bidirectional=True),
    dict(num_layers=2, bidirectional=True, batch_first=True),
    dict(bias=False),
    dict(batch_first=True, bias=False, num_layers=2),
]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("kw", CONFIGS, ids=str)
def test_against_torch(kind, kw):
    run_both(kind, kw)


@pytest.mark.parametrize("kind", KINDS)
def test_without_initial_states(kind):
    run_both(kind, dict(num_layers=2, bidirectional=True), with_states=False)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("with_states", [True, False])
def test_unbatched(kind, with_states):
    run_both(kind, dict(num_layers=2, bidirectional=True), unbatched=True,
             with_states=with_states)
    run_both(kind, dict(batch_first=True), unbatched=True, with_states=with_states)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("kw", [dict(), dict(num_layers=2, bidirectional=True),
                                dict(batch_first=True, bidirectional=True)], ids=str)
@pytest.mark.parametrize("lengths,enforce_sorted", [([5, 3, 3], True), ([2, 5, 4], False),
                                                    ([1, 1, 5], False)])
def test_packed(kind, kw, lengths, enforce_sorted):
    run_both(kind, kw, lengths=lengths, enforce_sorted=enforce_sorted)


def test_packed_without_states_and_relu():
    run_both("RNN", dict(nonlinearity="relu", bidirectional=True), lengths=[2, 5, 4],
             with_states=False)


@pytest.mark.parametrize("kw", [dict(nonlinearity="relu"),
                                dict(nonlinearity="relu", num_layers=2, bidirectional=True)],
                         ids=str)
def test_rnn_relu(kw):
    run_both("RNN", kw)
    run_both("RNN", dict(kw, batch_first=True), with_states=False)


@pytest.mark.parametrize("kw", [dict(proj_size=3), dict(proj_size=2, num_layers=2,
                                                         bidirectional=True),
                                dict(proj_size=4, bias=False, batch_first=True)], ids=str)
def test_lstm_proj_size(kw):
    run_both("LSTM", kw)
    run_both("LSTM", kw, lengths=[2, 5, 4])
    run_both("LSTM", kw, unbatched=True)


@pytest.mark.parametrize("kind", KINDS)
def test_float32(kind):
    run_both(kind, dict(num_layers=2, bidirectional=True), dtype="float32", rtol=1e-4,
             atol=1e-5)
    run_both(kind, dict(batch_first=True), lengths=[2, 5, 4], dtype="float32", rtol=1e-4,
             atol=1e-5)


def test_positional_nonlinearity_and_long_sequences():
    """RNN(input, hidden, layers, nonlinearity) positionally; a longer sequence with large
    weights (saturated gates)."""
    theirs = torch.nn.RNN(I, H, 1, "relu").double()
    ours = gt.nn.RNN(I, H, 1, "relu").double()
    assert ours.nonlinearity == "relu" and repr(ours) == repr(theirs)
    ours, theirs = twins("LSTM")
    with torch.no_grad():
        for p in theirs.parameters():
            p.mul_(8)
    ours.load_state_dict({k: gt.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    x = RNG.standard_normal((40, 2, I))
    out_t, (h_t, c_t) = theirs(torch.tensor(x))
    out_g, (h_g, c_g) = ours(gt.tensor(x))
    _close(out_g, out_t, 1e-9, 1e-10, "output")
    _close(c_g, c_t, 1e-9, 1e-10, "cell")


# ---------------------------------------------------------------------------------------------
# gradcheck of the fused nodes (float64, small sizes)
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind,kw,lengths", [
    ("RNN", dict(num_layers=2, bidirectional=True), None),
    ("RNN", dict(nonlinearity="relu"), [3, 1]),
    ("LSTM", dict(num_layers=2, bidirectional=True), [2, 3]),
    ("LSTM", dict(proj_size=2), None),
    ("GRU", dict(bidirectional=True), [3, 1]),
    ("GRU", dict(bias=False, num_layers=2), None),
], ids=str)
def test_gradcheck(kind, kw, lengths):
    layer = getattr(gt.nn, kind)(2, 3, **kw).double()
    params = list(layer.parameters())
    names = [n for n, _ in layer.named_parameters()]
    x = gt.tensor(RNG.standard_normal((3, 2, 2)), requires_grad=True)
    states = [gt.tensor(RNG.standard_normal(s), requires_grad=True)
              for s in _states_shape(kind, kw, 2, hidden=3)]

    def f(x, *tensors):
        state_list, weights = tensors[:len(states)], tensors[len(states):]
        for name, w in zip(names, weights):
            layer._parameters[name] = w
        hx = tuple(state_list) if kind == "LSTM" else state_list[0]
        inp = x if lengths is None else gt.nn.utils.rnn.pack_padded_sequence(
            x, lengths, enforce_sorted=False)
        out, final = layer(inp, hx)
        if lengths is not None:
            out = out.data
        return (out,) + _as_tuple(final)

    tensors = states + [p.detach().requires_grad_() for p in params]
    assert gradcheck(f, (x, *tensors))


# ---------------------------------------------------------------------------------------------
# parameters, repr, init, no_grad, one node per layer
# ---------------------------------------------------------------------------------------------
MODULE_CONFIGS = [("RNN", dict()), ("RNN", dict(num_layers=3, bidirectional=True,
                                                nonlinearity="relu", bias=False)),
                  ("LSTM", dict(num_layers=2, proj_size=3, bidirectional=True)),
                  ("LSTM", dict(batch_first=True, dropout=0.25, num_layers=2)),
                  ("GRU", dict(num_layers=2, bidirectional=True, bias=False))]


@pytest.mark.parametrize("kind,kw", MODULE_CONFIGS, ids=str)
def test_parameters_repr_and_init(kind, kw):
    theirs = getattr(torch.nn, kind)(I, H, **kw)
    ours = getattr(gt.nn, kind)(I, H, **kw)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for (name, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert tuple(p.shape) == tuple(q.shape), name
        assert p.dtype == gt.float32
    assert ours._flat_weights_names == theirs._flat_weights_names
    assert ours._all_weights == theirs._all_weights
    assert [tuple(w.shape) for w in ours._flat_weights] == \
        [tuple(w.shape) for w in theirs._flat_weights]
    assert [[tuple(w.shape) for w in ws] for ws in ours.all_weights] == \
        [[tuple(w.shape) for w in ws] for ws in theirs.all_weights]
    assert ours._flat_weights[0] is ours.weight_ih_l0
    ours.flatten_parameters()
    bound = 1 / np.sqrt(H)
    values = np.concatenate([p.detach().numpy().ravel() for p in ours.parameters()])
    assert values.min() >= -bound and values.max() <= bound
    assert abs(values.std() - bound / np.sqrt(3)) < 0.1 * bound     # uniform's spread
    # a checkpoint interchanges
    ours.load_state_dict({k: gt.tensor(v.detach().numpy())
                          for k, v in theirs.state_dict().items()})


def test_flat_weights_follow_assignment_and_dtype():
    lstm = gt.nn.LSTM(I, H)
    new = gt.nn.Parameter(gt.zeros(4 * H, I))
    lstm.weight_ih_l0 = new
    assert lstm._flat_weights[0] is new
    lstm.double()
    assert lstm._flat_weights[1].dtype == gt.float64
    out, _ = lstm(gt.zeros(2, 1, I, dtype=gt.float64))
    assert out.dtype == gt.float64


@pytest.mark.parametrize("kind", KINDS)
def test_one_node_per_layer_and_no_grad(kind):
    layer = getattr(gt.nn, kind)(I, H)

    def count_nodes(length):
        out, _ = layer(gt.randn(length, B, I))
        seen, stack = set(), [out.grad_fn]
        while stack:
            node = stack.pop()
            if node is None or id(node) in seen:
                continue
            seen.add(id(node))
            stack.extend(n for n, _ in node.next_functions)
        return len(seen)

    assert count_nodes(2) == count_nodes(30)
    with gt.no_grad():
        out, state = layer(gt.randn(T, B, I))
    assert out.grad_fn is None and not out.requires_grad
    for s in _as_tuple(state):
        assert not s.requires_grad


# ---------------------------------------------------------------------------------------------
# dropout between layers
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", KINDS)
def test_dropout_between_layers(kind):
    ours, theirs = twins(kind, num_layers=2, dropout=1.0)
    x = RNG.standard_normal((T, B, I))
    # dropout 1 zeroes every input of layer 2: deterministic, so comparable with PyTorch
    out_t, _ = theirs.train()(torch.tensor(x))
    out_g, _ = ours.train()(gt.tensor(x))
    _close(out_g, out_t, 1e-9, 1e-10, "train output with dropout=1")
    # eval: no dropout
    out_t, _ = theirs.eval()(torch.tensor(x))
    out_g, _ = ours.eval()(gt.tensor(x))
    _close(out_g, out_t, 1e-9, 1e-10, "eval output")
    # p = 0.5 in training: outputs change from draw to draw, the last layer is not dropped
    ours.dropout = 0.5
    ours.train()
    gt.manual_seed(0)
    a = ours(gt.tensor(x))[0].detach().numpy()
    b = ours(gt.tensor(x))[0].detach().numpy()
    evaluated = ours.eval()(gt.tensor(x))[0].detach().numpy()
    assert not np.allclose(a, b) and not np.allclose(a, evaluated)
    single = getattr(gt.nn, kind)(I, H).double()
    single.load_state_dict({k: v for k, v in ours.state_dict().items() if k.endswith("l0")})
    # layer 1's output is never dropped: with one layer, dropout never applies
    with pytest.warns(UserWarning, match="num_layers greater than 1"):
        one = getattr(gt.nn, kind)(I, H, dropout=0.5).double()
    one.load_state_dict(single.state_dict())
    _close(one.train()(gt.tensor(x))[0], single(gt.tensor(x))[0], 1e-12, 1e-12, "one layer")


def test_dropout_statistics():
    """With p = 0.5 between layers, the second layer's input is zeroed for about half the
    entries: its pre-activation from the input then equals the bias alone for those."""
    rnn = gt.nn.RNN(I, 400, num_layers=2, dropout=0.5, nonlinearity="relu").double()
    with gt.no_grad():
        rnn.weight_hh_l1.zero_()
        rnn.bias_ih_l1.zero_()
        rnn.bias_hh_l1.zero_()
        rnn.weight_ih_l1.copy_(gt.eye(400, dtype=gt.float64))
        rnn.weight_hh_l0.zero_()
        rnn.bias_ih_l0.fill_(1.0)
        rnn.weight_ih_l0.zero_()
    gt.manual_seed(1)
    out, _ = rnn.train()(gt.zeros(1, 50, I, dtype=gt.float64))
    values = out.detach().numpy().ravel()
    # layer 1 outputs relu(1 + b_hh) > 0; layer 2 passes it through, doubled, or zeroed
    zero_share = (values == 0).mean()
    assert 0.45 < zero_share < 0.55
    first = rnn.eval()(gt.zeros(1, 50, I, dtype=gt.float64))[0].detach().numpy().ravel()
    np.testing.assert_allclose(values[values != 0], 2 * first[values != 0])


# ---------------------------------------------------------------------------------------------
# errors
# ---------------------------------------------------------------------------------------------
def _layer(lib, kind, **kw):
    torch.manual_seed(0)
    return getattr(lib.nn, kind)(I, H, **kw)


@pytest.mark.parametrize("kind", KINDS)
def test_errors(kind):
    def call(shape, states=None, **kw):
        def f(lib):
            hx = None
            if states is not None:
                hx = tuple(lib.zeros(s) for s in states)
                hx = hx if kind == "LSTM" else hx[0]
            return _layer(lib, kind, **kw)(lib.zeros(shape), hx)
        return f

    good = _states_shape(kind, {}, B)
    check_error(call((T, B, I + 1)), match=f"Expected {I}, got {I + 1}")
    check_error(call((0, B, I)), match="larger than 0")
    check_error(call((T, B, I), [(2, B, H)] + good[1:]), match=f"[2, {B}, {H}]")
    check_error(call((T, B, I), [(1, B + 1, H)] + good[1:]), match=f"(1, {B}, {H})")
    if kind == "LSTM":
        check_error(call((T, B, I), [good[0], (1, B, H + 1)]), match=f"[1, {B}, {H + 1}]")
        check_error(call((T, B, I), [(B, H), (B, H)]), match="3-D")
        check_error(call((T, I), [(1, B, H), (1, B, H)]), match="2-D")
    else:
        check_error(call((T, B, I), [(B, H)]), match="3-D")
        check_error(call((T, I), [(1, B, H)]), match="2-D")
    check_error(call((T, B, I, 1)), match="4D")
    check_error(call((T,)), match="1D")
    check_error(lambda lib: _layer(lib, kind)(lib.zeros(T, B, I, dtype=lib.float64)),
                match="float64")
    packed = lambda lib: _layer(lib, kind)(lib.nn.utils.rnn.pack_padded_sequence(
        lib.zeros(T, B, I + 2), [5, 4, 2]))
    check_error(packed, match=f"Expected {I}, got {I + 2}")


def test_constructor_errors():
    check_error(lambda lib: lib.nn.LSTM(I, H, proj_size=H), match="smaller than hidden_size")
    check_error(lambda lib: lib.nn.LSTM(I, H, proj_size=-1), match="proj_size")
    check_error(lambda lib: lib.nn.GRU(I, H, proj_size=2), match="only supported for LSTM")
    check_error(lambda lib: lib.nn.RNN(I, H, proj_size=2), match="only supported for LSTM")
    check_error(lambda lib: lib.nn.RNN(I, H, nonlinearity="sigmoid"), match="sigmoid")
    check_error(lambda lib: lib.nn.GRU(I, H, dropout=1.5), match="dropout")
    check_error(lambda lib: lib.nn.GRU(I, H, dropout=True), match="dropout")
    check_error(lambda lib: lib.nn.GRU(I, 0), match="hidden_size")
    check_error(lambda lib: lib.nn.GRU(I, 2.0), match="hidden_size")
    check_error(lambda lib: lib.nn.GRU(I, H, num_layers=0), match="num_layers")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gt.nn.LSTM(I, H, num_layers=2, dropout=0.3)


@pytest.mark.parametrize("kind", KINDS)
def test_float16_and_empty_batch(kind):
    ours, theirs = twins(kind, "float32", num_layers=2)
    x = RNG.standard_normal((T, B, I)).astype(np.float16)
    out_t, _ = theirs.half()(torch.tensor(x))
    out_g, _ = ours.half()(gt.tensor(x))
    assert out_g.dtype == gt.float16
    np.testing.assert_allclose(out_g.detach().numpy().astype(np.float32),
                               out_t.detach().numpy().astype(np.float32), atol=1e-2)
    out_t, _ = theirs.float()(torch.zeros(T, 0, I))
    out_g, _ = ours.float()(gt.zeros(T, 0, I))
    assert tuple(out_g.shape) == tuple(out_t.shape)


@pytest.mark.parametrize("kind", KINDS)
def test_backward_twice_and_in_place_output(kind):
    """A second backward needs retain_graph (then gradients add up); the output may be changed
    in place before backward where PyTorch allows it (RNN, GRU)."""
    ours, theirs = twins(kind)
    x = RNG.standard_normal((T, B, I))
    for lib, layer in ((torch, theirs), (gt, ours)):
        out, _ = layer(lib.tensor(x))
        loss = (out * out).sum()
        loss.backward(retain_graph=True)
        first = layer.weight_hh_l0.grad.clone()
        loss.backward()
        np.testing.assert_allclose(layer.weight_hh_l0.grad.numpy(), 2 * first.numpy(),
                                   rtol=1e-12)
        with pytest.raises(RuntimeError):
            loss.backward()
    if kind != "LSTM":        # PyTorch's LSTM (oneDNN) saves its output and refuses
        for lib, layer in ((torch, theirs), (gt, ours)):
            layer.zero_grad()
            out, _ = layer(lib.tensor(x))
            out.mul_(2)
            out.sum().backward()
        _close(ours.weight_hh_l0.grad, theirs.weight_hh_l0.grad, 1e-9, 1e-10, "grad")
