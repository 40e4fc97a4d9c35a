"""nn.utils against PyTorch: gradient clipping (returned norms and clipped gradients on
identical grads), parameters <-> vector, and the hook-based weight_norm (outputs, gradients of
weight_g / weight_v, state_dict keys), plus error parity."""
import math
import warnings

import numpy as np
import pytest
import torch

import glasstorch as gt
from tests.oracle.harness import check_error, gradcheck_fn

RNG = np.random.default_rng(0)
SHAPES = [(3, 4), (5,), (2, 2, 2), ()]


def _np(t):
    return t.detach().numpy()


def _params(lib, arrays, grads):
    """Parameters holding `arrays`, with .grad set from `grads` (None: no grad)."""
    params = []
    for a, g in zip(arrays, grads):
        p = lib.nn.Parameter(lib.tensor(a.copy()))
        if g is not None:
            p.grad = lib.tensor(g.copy())
        params.append(p)
    return params


def _pair_params(shapes=SHAPES, dtypes=None, missing=(), scale=1.0):
    dtypes = dtypes or ["float32"] * len(shapes)
    arrays = [RNG.standard_normal(s).astype(d) for s, d in zip(shapes, dtypes)]
    grads = [None if i in missing else (scale * RNG.standard_normal(s)).astype(d)
             for i, (s, d) in enumerate(zip(shapes, dtypes))]
    return _params(gt, arrays, grads), _params(torch, arrays, grads)


def _same(ours, theirs, rtol=1e-5, atol=1e-6):
    # atol 1e-6: float32 results near zero differ by a few ulps of their operands' size
    assert isinstance(ours, gt.Tensor)
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert str(ours.dtype) == str(theirs.dtype), (ours.dtype, theirs.dtype)
    np.testing.assert_allclose(_np(ours), _np(theirs), rtol=rtol, atol=atol, equal_nan=True)


def _same_grads(ours, theirs, rtol=1e-5):
    for p, tp in zip(ours, theirs):
        if tp.grad is None:
            assert p.grad is None
        else:
            _same(p.grad, tp.grad, rtol)


# ---------------------------------------------------------------------------------------------
# clip_grad_norm_, get_total_norm, clip_grads_with_norm_
# ---------------------------------------------------------------------------------------------
NORM_TYPES = [2, 2.0, 1, math.inf, "inf", 0.5, 3, 0, -math.inf]


@pytest.mark.parametrize("norm_type", NORM_TYPES)
@pytest.mark.parametrize("max_norm", [0.1, 1.5, 1e4])
def test_clip_grad_norm_(norm_type, max_norm):
    ours, theirs = _pair_params(missing=(1,))
    grads_before = [p.grad for p in ours]
    total = gt.nn.utils.clip_grad_norm_(ours, max_norm, norm_type=norm_type)
    expected = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type=norm_type)
    _same(total, expected)
    _same_grads(ours, theirs)
    assert all(p.grad is g for p, g in zip(ours, grads_before))   # scaled in place


@pytest.mark.parametrize("norm_type", [2.0, 1, math.inf, 0.5])
def test_clip_grad_norm_single_tensor_and_generator(norm_type):
    ours, theirs = _pair_params(shapes=[(4, 3)], scale=3.0)
    _same(gt.nn.utils.clip_grad_norm_(ours[0], 1.0, norm_type),
          torch.nn.utils.clip_grad_norm_(theirs[0], 1.0, norm_type))
    _same_grads(ours, theirs)
    ours, theirs = _pair_params(scale=3.0)
    _same(gt.nn.utils.clip_grad_norm_((p for p in ours), 0.5, norm_type),
          torch.nn.utils.clip_grad_norm_((p for p in theirs), 0.5, norm_type))
    _same_grads(ours, theirs)


def test_clip_grad_norm_on_a_model():
    torch_model = torch.nn.Sequential(torch.nn.Linear(6, 5), torch.nn.Tanh(),
                                      torch.nn.Linear(5, 2))
    model = gt.nn.Sequential(gt.nn.Linear(6, 5), gt.nn.Tanh(), gt.nn.Linear(5, 2))
    for p, tp in zip(model.parameters(), torch_model.parameters()):
        p.data = gt.tensor(_np(tp).copy())
    x = RNG.standard_normal((8, 6)).astype("float32")
    model(gt.tensor(x)).pow(2).sum().backward()
    torch_model(torch.tensor(x)).pow(2).sum().backward()
    _same(gt.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0),
          torch.nn.utils.clip_grad_norm_(torch_model.parameters(), max_norm=1.0), rtol=1e-4)
    _same_grads(list(model.parameters()), list(torch_model.parameters()), rtol=1e-4)


@pytest.mark.parametrize("dtypes", [["float64"] * 4, ["float32", "float64", "float32", "float64"]])
def test_clip_grad_norm_dtypes(dtypes):
    ours, theirs = _pair_params(dtypes=dtypes)
    _same(gt.nn.utils.clip_grad_norm_(ours, 0.3), torch.nn.utils.clip_grad_norm_(theirs, 0.3))
    _same_grads(ours, theirs)


def test_clip_grad_norm_nothing_to_clip():
    _same(gt.nn.utils.clip_grad_norm_([], 1.0), torch.nn.utils.clip_grad_norm_([], 1.0))
    ours, theirs = _pair_params(missing=(0, 1, 2, 3))
    _same(gt.nn.utils.clip_grad_norm_(ours, 1.0), torch.nn.utils.clip_grad_norm_(theirs, 1.0))
    for lib in (torch, gt):
        with pytest.warns(UserWarning, match="empty generator"):
            lib.nn.utils.clip_grad_norm_((p for p in []), 1.0)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
@pytest.mark.parametrize("norm_type", [2.0, math.inf, 1])
def test_clip_grad_norm_nonfinite(bad, norm_type):
    def run(lib, error_if_nonfinite):
        ps = _params(lib, [np.ones((2, 3), "float32"), np.ones(3, "float32")],
                     [np.array([[1, bad, 2], [0, 1, 1]], "float32"), np.ones(3, "float32")])
        return ps, lib.nn.utils.clip_grad_norm_(ps, 1.0, norm_type, error_if_nonfinite)

    check_error(lambda lib: run(lib, True), match="non-finite")
    (ours, total), (theirs, expected) = run(gt, False), run(torch, False)
    _same(total, expected)
    _same_grads(ours, theirs)


def test_clip_grad_norm_empty_grad_inf_norm_error():
    check_error(lambda lib: lib.nn.utils.clip_grad_norm_(
        _params(lib, [np.zeros(0, "float32")], [np.zeros(0, "float32")]), 1.0, math.inf))


@pytest.mark.parametrize("foreach", [None, True, False])
def test_clip_grad_foreach_flag_accepted(foreach):
    ours, theirs = _pair_params()
    _same(gt.nn.utils.clip_grad_norm_(ours, 0.5, foreach=foreach),
          torch.nn.utils.clip_grad_norm_(theirs, 0.5, foreach=foreach))
    gt.nn.utils.clip_grad_value_(ours, 0.01, foreach=foreach)
    torch.nn.utils.clip_grad_value_(theirs, 0.01, foreach=foreach)
    _same_grads(ours, theirs)


def test_clip_grad_norm_bumps_grad_version():
    (p,), (tp,) = _pair_params(shapes=[(3,)], scale=10.0)
    v, tv = p.grad._version, tp.grad._version
    gt.nn.utils.clip_grad_norm_(p, 1.0)
    torch.nn.utils.clip_grad_norm_(tp, 1.0)
    assert (p.grad._version > v) == (tp.grad._version > tv) == True  # noqa: E712


def test_clip_grad_norm_deprecated_alias():
    for lib in (torch, gt):
        ps = _params(lib, [np.ones(3, "float32")], [np.full(3, 4.0, "float32")])
        with pytest.warns(FutureWarning, match="clip_grad_norm_"):
            total = lib.nn.utils.clip_grad_norm(ps, 1.0)
        assert float(total) == pytest.approx(math.sqrt(48))


@pytest.mark.parametrize("norm_type", [2.0, 1, math.inf, 0.5])
def test_get_total_norm_then_clip_grads_with_norm_(norm_type):
    ours, theirs = _pair_params(missing=(2,))
    total = gt.nn.utils.get_total_norm([p.grad for p in ours if p.grad is not None], norm_type)
    expected = torch.nn.utils.get_total_norm([p.grad for p in theirs if p.grad is not None],
                                             norm_type)
    _same(total, expected)
    assert gt.nn.utils.clip_grads_with_norm_(ours, 0.7, total) is None
    torch.nn.utils.clip_grads_with_norm_(theirs, 0.7, expected)
    _same_grads(ours, theirs)
    # a single tensor, and a norm supplied by the caller
    t = RNG.standard_normal((4, 4)).astype("float32")
    _same(gt.nn.utils.get_total_norm(gt.tensor(t), norm_type),
          torch.nn.utils.get_total_norm(torch.tensor(t), norm_type))
    gt.nn.utils.clip_grads_with_norm_(ours, 0.7, gt.tensor(5.0))
    torch.nn.utils.clip_grads_with_norm_(theirs, 0.7, torch.tensor(5.0))
    _same_grads(ours, theirs)


def test_get_total_norm_error_if_nonfinite():
    check_error(lambda lib: lib.nn.utils.get_total_norm(
        [lib.tensor([1.0, math.inf])], error_if_nonfinite=True), match="non-finite")


# ---------------------------------------------------------------------------------------------
# clip_grad_value_
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("clip_value", [0.5, 1, 10.0, 0.0, -0.3])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_clip_grad_value_(clip_value, dtype):
    ours, theirs = _pair_params(dtypes=[dtype] * 4, missing=(3,), scale=2.0)
    grads_before = [p.grad for p in ours]
    assert gt.nn.utils.clip_grad_value_(ours, clip_value) is None
    assert torch.nn.utils.clip_grad_value_(theirs, clip_value) is None
    _same_grads(ours, theirs)
    assert all(p.grad is g for p, g in zip(ours, grads_before))


def test_clip_grad_value_single_tensor_and_nan():
    def run(lib):
        p = lib.nn.Parameter(lib.zeros(4))
        p.grad = lib.tensor([-3.0, math.nan, 0.25, math.inf])
        lib.nn.utils.clip_grad_value_(p, 1.0)
        return p.grad
    _same(run(gt), run(torch))


# ---------------------------------------------------------------------------------------------
# parameters_to_vector / vector_to_parameters
# ---------------------------------------------------------------------------------------------
def test_parameters_to_vector_values_and_gradient():
    ours, theirs = _pair_params(shapes=[(3, 4), (5,), (2, 1, 2), ()])
    vec, expected = gt.nn.utils.parameters_to_vector(ours), \
        torch.nn.utils.parameters_to_vector(theirs)
    _same(vec, expected)
    upstream = RNG.standard_normal(tuple(expected.shape)).astype("float32")
    for p in ours + theirs:
        p.grad = None
    vec.backward(gt.tensor(upstream))
    expected.backward(torch.tensor(upstream))
    _same_grads(ours, theirs)


def test_parameters_to_vector_dtypes_and_errors():
    arrays = [np.ones(2, "float32"), np.arange(3.0)]
    _same(gt.nn.utils.parameters_to_vector([gt.tensor(a) for a in arrays]),
          torch.nn.utils.parameters_to_vector([torch.tensor(a) for a in arrays]))
    check_error(lambda lib: lib.nn.utils.parameters_to_vector([]))
    check_error(lambda lib: lib.nn.utils.parameters_to_vector([lib.ones(3, 4).t()]))


def test_vector_to_parameters():
    ours, theirs = _pair_params(shapes=[(3, 4), (5,), (2, 1, 2)])
    values = RNG.standard_normal(25).astype("float32")   # longer than needed: tail ignored
    vec, tvec = gt.tensor(values), torch.tensor(values)
    assert gt.nn.utils.vector_to_parameters(vec, ours) is None
    torch.nn.utils.vector_to_parameters(tvec, theirs)
    for p, tp in zip(ours, theirs):
        assert isinstance(p, gt.nn.Parameter) and p.requires_grad
        _same(p, tp)
    # the parameters now share the vector's memory, as in PyTorch
    vec.mul_(2)
    tvec.mul_(2)
    for p, tp in zip(ours, theirs):
        _same(p, tp)


def test_vector_to_parameters_round_trip():
    model = gt.nn.Linear(4, 3)
    vec = gt.nn.utils.parameters_to_vector(model.parameters()).detach().clone()
    gt.nn.utils.vector_to_parameters(gt.zeros(15), model.parameters())
    assert float(model.weight.abs().sum()) == 0
    gt.nn.utils.vector_to_parameters(vec, model.parameters())
    np.testing.assert_array_equal(_np(gt.nn.utils.parameters_to_vector(model.parameters())),
                                  _np(vec))


def test_vector_to_parameters_errors():
    check_error(lambda lib: lib.nn.utils.vector_to_parameters(lib.zeros(3),
                                                              [lib.zeros(2, 2)]))
    err = check_error(lambda lib: lib.nn.utils.vector_to_parameters([1.0, 2.0],
                                                                    [lib.zeros(2)]))
    assert str(err) == "expected torch.Tensor, but got: list"
    err = check_error(lambda lib: lib.nn.utils.vector_to_parameters(np.zeros(2),
                                                                    [lib.zeros(2)]))
    assert str(err) == "expected torch.Tensor, but got: numpy.ndarray"


# ---------------------------------------------------------------------------------------------
# weight_norm / remove_weight_norm
# ---------------------------------------------------------------------------------------------
def _conv_like(lib, weight, bias):
    """A module with a 4-d `weight` Parameter (out, in, kh, kw) used as a dense map: the same
    class in both libraries, independent of either library's conv layers."""
    class ConvLike(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.weight = lib.nn.Parameter(lib.tensor(weight.copy()))
            self.bias = lib.nn.Parameter(lib.tensor(bias.copy()))

        def forward(self, x):
            return x @ self.weight.reshape(self.weight.shape[0], -1).t() + self.bias

    return ConvLike()


def _linear_pair(in_features=5, out_features=4, dtype="float32"):
    w = RNG.standard_normal((out_features, in_features)).astype(dtype)
    b = RNG.standard_normal(out_features).astype(dtype)
    ours = gt.nn.Linear(in_features, out_features, dtype=getattr(gt, dtype))
    theirs = torch.nn.Linear(in_features, out_features, dtype=getattr(torch, dtype))
    ours.weight.data, ours.bias.data = gt.tensor(w.copy()), gt.tensor(b.copy())
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(w))
        theirs.bias.copy_(torch.tensor(b))
    return ours, theirs


def _conv_pair(shape=(4, 3, 2, 2), dtype="float32"):
    w = RNG.standard_normal(shape).astype(dtype)
    b = RNG.standard_normal(shape[0]).astype(dtype)
    return _conv_like(gt, w, b), _conv_like(torch, w, b)


def _weight_norm_both(ours, theirs, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        assert gt.nn.utils.weight_norm(ours, **kwargs) is ours
        torch.nn.utils.weight_norm(theirs, **kwargs)


def _compare_modules(ours, theirs, x, rtol=1e-5):
    """Same state_dict (keys, order, values), same output, same parameter grads."""
    sd, tsd = ours.state_dict(), theirs.state_dict()
    assert list(sd) == list(tsd)
    for k in tsd:
        _same(sd[k], tsd[k], rtol)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    out, expected = ours(gt.tensor(x)), theirs(torch.tensor(x))
    _same(out, expected, rtol)
    upstream = RNG.standard_normal(tuple(expected.shape)).astype(x.dtype)
    out.backward(gt.tensor(upstream))
    expected.backward(torch.tensor(upstream))
    for (name, p), (_, tp) in zip(ours.named_parameters(), theirs.named_parameters()):
        _same(p.grad, tp.grad, rtol * 10, 1e-6)


@pytest.mark.parametrize("dim", [0, 1, -1, -2, None])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_weight_norm_linear(dim, dtype):
    ours, theirs = _linear_pair(dtype=dtype)
    _weight_norm_both(ours, theirs, dim=dim)
    assert not isinstance(ours.weight, gt.nn.Parameter)
    assert isinstance(ours.weight_g, gt.nn.Parameter) and isinstance(ours.weight_v,
                                                                      gt.nn.Parameter)
    _same(ours.weight_g, theirs.weight_g)
    _same(ours.weight, theirs.weight)          # computed at registration time already
    x = RNG.standard_normal((6, 5)).astype(dtype)
    _compare_modules(ours, theirs, x)


@pytest.mark.parametrize("dim", [0, 1, 2, 3, -1, -3, None])
def test_weight_norm_4d_weight(dim):
    ours, theirs = _conv_pair()
    _weight_norm_both(ours, theirs, dim=dim)
    assert ours.weight_g.shape == theirs.weight_g.shape
    _compare_modules(ours, theirs, RNG.standard_normal((3, 12)).astype("float32"))


def test_weight_norm_other_name_and_1d_parameter():
    ours, theirs = _linear_pair()
    _weight_norm_both(ours, theirs, name="bias")
    _same(ours.bias_g, theirs.bias_g)
    _compare_modules(ours, theirs, RNG.standard_normal((2, 5)).astype("float32"))


def test_weight_norm_recomputes_before_every_forward():
    ours, theirs = _linear_pair()
    _weight_norm_both(ours, theirs)
    for lib, m in ((gt, ours), (torch, theirs)):
        with lib.no_grad():
            m.weight_g.mul_(2.0)
            m.weight_v.add_(0.5)
    _compare_modules(ours, theirs, RNG.standard_normal((3, 5)).astype("float32"))
    # a second step, as in training: grads accumulate on g and v through fresh graphs
    _compare_modules(ours, theirs, RNG.standard_normal((3, 5)).astype("float32"))


def test_weight_norm_state_dict_round_trip_with_torch():
    ours, theirs = _linear_pair()
    _weight_norm_both(ours, theirs)
    with torch.no_grad():
        theirs.weight_g.mul_(3)
    ours.load_state_dict({k: gt.tensor(v.numpy().copy()) for k, v in
                          theirs.state_dict().items()})
    _compare_modules(ours, theirs, RNG.standard_normal((3, 5)).astype("float32"))


def test_remove_weight_norm():
    ours, theirs = _linear_pair()
    _weight_norm_both(ours, theirs)
    with torch.no_grad():
        theirs.weight_g.mul_(0.5)
    with gt.no_grad():
        ours.weight_g.mul_(0.5)
    assert gt.nn.utils.remove_weight_norm(ours) is ours
    torch.nn.utils.remove_weight_norm(theirs)
    assert isinstance(ours.weight, gt.nn.Parameter) and not ours._forward_pre_hooks
    assert not hasattr(ours, "weight_g") and not hasattr(ours, "weight_v")
    _compare_modules(ours, theirs, RNG.standard_normal((3, 5)).astype("float32"))


def test_weight_norm_warns_like_torch():
    for lib in (torch, gt):
        with pytest.warns(FutureWarning, match="parametrizations.weight_norm"):
            lib.nn.utils.weight_norm(lib.nn.Linear(2, 2))


def test_weight_norm_errors():
    def twice(lib):
        m = lib.nn.Linear(3, 2)
        lib.nn.utils.weight_norm(m)
        lib.nn.utils.weight_norm(m)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        check_error(twice, match="Cannot register two weight_norm hooks")
        check_error(lambda lib: lib.nn.utils.remove_weight_norm(lib.nn.Linear(3, 2)),
                    match="weight_norm of 'weight' not found")
        check_error(lambda lib: lib.nn.utils.weight_norm(lib.nn.Linear(3, 2), dim=2))
        check_error(lambda lib: lib.nn.utils.weight_norm(lib.nn.Linear(3, 2), dim=-3))
        check_error(lambda lib: lib.nn.utils.weight_norm(lib.nn.Linear(3, 2), name="nope"))
        check_error(lambda lib: lib.nn.utils.weight_norm(lib.nn.LazyLinear(2)),
                    match="uninitialized parameters")
    # a failed registration leaves the module untouched
    m = gt.nn.Linear(3, 2)
    with pytest.raises(IndexError), warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        gt.nn.utils.weight_norm(m, dim=5)
    assert list(m.state_dict()) == ["weight", "bias"] and not m._forward_pre_hooks


@pytest.mark.parametrize("shape,dim,g_shape", [((4, 3), 0, (4, 1)), ((4, 3), 1, (1, 3)),
                                               ((3, 2, 2), -1, ()), ((3, 2, 2), 1, (1, 2, 1)),
                                               ((5,), 0, (5,))])
def test_weight_norm_function_gradcheck(shape, dim, g_shape):
    from glasstorch.nn.utils.weight_norm import _weight_norm
    v = RNG.standard_normal(shape) + 0.5
    g = RNG.standard_normal(g_shape)
    gradcheck_fn(lambda lib, v, g: _weight_norm(v, g, dim), [v, g])
    # and the values against torch's own _weight_norm
    _same(_weight_norm(gt.tensor(v), gt.tensor(g), dim),
          torch._weight_norm(torch.tensor(v), torch.tensor(g), dim), 1e-12)


def test_weight_norm_double_backward():
    from glasstorch.nn.utils.weight_norm import _weight_norm
    v = gt.tensor(RNG.standard_normal((3, 4)) + 0.5, requires_grad=True)
    g = gt.tensor(RNG.standard_normal((3, 1)), requires_grad=True)
    assert gt.autograd.gradgradcheck(lambda v, g: _weight_norm(v, g, 0), (v, g))
