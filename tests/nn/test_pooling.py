"""Pooling against PyTorch: max/avg/lp pooling, max_unpool, adaptive avg/max and fractional max
pooling in 1-3 dims (values, indices, input gradients), their layers (repr, forward), the
torch.* spellings, ties/NaN/-inf/integer edge cases, error parity, float64 gradchecks and
gradgradchecks of the double-differentiable backwards."""
import math

import numpy as np
import pytest
import torch

import glasstorch as gt
from tests.oracle.harness import check, check_error, gradcheck_fn, sample

FLOATS = ["float64", "float32"]


def _gradgradcheck(fn, *arrays):
    inputs = [gt.tensor(a.astype(np.float64), requires_grad=True) for a in arrays]
    assert gt.autograd.gradgradcheck(lambda *x: fn(gt, *x), inputs)


# ---------------------------------------------------------------------------------------------
# max pooling
# ---------------------------------------------------------------------------------------------
MAX_POOL = [  # (function, input shape, kwargs)
    ("max_pool2d", (2, 3, 8, 8), dict(kernel_size=2)),
    ("max_pool2d", (2, 3, 9, 7), dict(kernel_size=3, stride=2, padding=1)),
    ("max_pool2d", (2, 3, 9, 7), dict(kernel_size=3, stride=1, padding=1)),
    ("max_pool2d", (1, 2, 10, 7), dict(kernel_size=(3, 2), stride=(2, 1), padding=(1, 1),
                                       dilation=(2, 1), ceil_mode=True)),
    # ceil_mode: the last window would start in the right padding and is dropped
    ("max_pool2d", (1, 2, 5, 5), dict(kernel_size=2, stride=2, padding=1, ceil_mode=True)),
    # ceil_mode: a last window hanging past the input
    ("max_pool2d", (2, 2, 6, 7), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    ("max_pool2d", (2, 2, 7, 7), dict(kernel_size=2, stride=3, ceil_mode=True)),
    ("max_pool2d", (3, 9, 7), dict(kernel_size=3, stride=2)),                  # unbatched
    ("max_pool2d", (2, 3, 8, 8), dict(kernel_size=2, stride=[])),
    ("max_pool2d", (2, 3, 8, 9), dict(kernel_size=3, stride=2, dilation=2, padding=1)),
    ("max_pool1d", (2, 3, 10), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    ("max_pool1d", (3, 11), dict(kernel_size=2)),
    ("max_pool1d", (2, 3, 12), dict(kernel_size=3, dilation=2, padding=1)),
    ("max_pool3d", (2, 2, 5, 6, 7), dict(kernel_size=3, stride=2, padding=1)),
    ("max_pool3d", (2, 5, 6, 7), dict(kernel_size=2, ceil_mode=True)),
    ("max_pool3d", (1, 2, 4, 6, 6), dict(kernel_size=(1, 3, 2), stride=(1, 2, 2),
                                         padding=(0, 1, 1), dilation=(1, 1, 2))),
]


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("fname,shape,kwargs", MAX_POOL, ids=str)
def test_max_pool_matches_torch(fname, shape, kwargs, dtype):
    fn = lambda t, x: getattr(t.nn.functional, fname)(x, **kwargs)
    out = check(fn, [sample(shape, dtype)])
    assert out.grad_fn.name() == fn(torch, torch.zeros(shape, requires_grad=True)).grad_fn.name()
    check(lambda t, x: getattr(t.nn.functional, fname)(x, return_indices=True, **kwargs),
          [sample(shape, dtype)])


@pytest.mark.parametrize("fname,shape,kwargs", MAX_POOL[:3] + MAX_POOL[10:11] + MAX_POOL[13:14],
                         ids=str)
def test_max_pool_gradcheck_and_double_backward(fname, shape, kwargs):
    small = shape[:-2] + tuple(min(s, 5) for s in shape[-2:]) if fname != "max_pool1d" \
        else shape
    small = (1,) + small[1:] if len(small) > 3 else small
    fn = lambda t, x: getattr(t.nn.functional, fname)(x, **kwargs)
    gradcheck_fn(fn, [sample(small)])
    _gradgradcheck(fn, sample(small))


def test_max_pool_double_backward_matches_torch():
    def fn(t, x):
        y = t.nn.functional.max_pool2d(x, 3, 2, 1)
        (g,) = t.autograd.grad((y ** 2).sum(), x, create_graph=True)
        return (g * x).sum()
    check(fn, [sample((2, 2, 6, 5), "float64")])


def test_max_pool_ties_pick_the_first_max():
    x = np.array([[[[1., 3, 3, 0], [3, 2, 1, 3], [2, 2, 2, 2], [2, 2, 2, 2]]]])
    check(lambda t, x: t.nn.functional.max_pool2d(x, 2, return_indices=True), [x])
    check(lambda t, x: t.nn.functional.max_pool2d(x, 3, 1, 1, return_indices=True), [x])
    ints = sample((2, 3, 9, 8), "float64", low=-0.5, high=0.5).round()   # many ties
    check(lambda t, x: t.nn.functional.max_pool2d(x, 3, 2, 1, return_indices=True), [ints])
    check(lambda t, x: t.nn.functional.max_pool1d(x, 4, 2, 2, return_indices=True),
          [ints[0]])
    check(lambda t, x: t.nn.functional.adaptive_max_pool2d(x, (4, 3), True), [ints])


def test_max_pool_propagates_nan_at_the_last_nan():
    x = sample((2, 3, 8, 7), "float64")
    x[0, 0, 1, 1] = x[0, 0, 0, 0] = x[1, 2, 5, 3] = x[1, 1, 7, 6] = np.nan
    for fn in (lambda t, x: t.nn.functional.max_pool2d(x, 2, return_indices=True),
               lambda t, x: t.nn.functional.max_pool2d(x, 3, 2, 1, return_indices=True),
               lambda t, x: t.nn.functional.adaptive_max_pool2d(x, (3, 4), True),
               lambda t, x: t.nn.functional.max_pool1d(x[0], 3, 2, 1, return_indices=True)):
        check(fn, [x])


def test_max_pool_all_minus_inf_windows_point_at_their_first_entry():
    x = np.full((1, 1, 3, 3), -np.inf)
    check(lambda t, x: t.nn.functional.max_pool2d(x, 2, 2, 1, return_indices=True), [x])
    low = np.full((1, 1, 3, 3), np.iinfo(np.int64).min)
    check(lambda t, x: t.nn.functional.max_pool2d(x, 2, 1, 1, return_indices=True), [low],
          grad=False)


@pytest.mark.parametrize("dtype", ["int64", "int32", "int16", "int8", "uint8"])
def test_max_pool_integer_dtypes(dtype):
    x = sample((2, 3, 7, 6), dtype)
    check(lambda t, x: t.nn.functional.max_pool2d(x, 3, 2, 1, return_indices=True), [x],
          grad=False)
    check(lambda t, x: t.nn.functional.max_pool3d(x, 2), [x], grad=False)   # unbatched 3d
    check_error(lambda t: t.nn.functional.max_pool1d(t.tensor(x[0]), 2))   # no 1-d kernel
    check(lambda t, x: t.nn.functional.max_pool1d(x, 2, return_indices=True), [x[0]],
          grad=False)                                                     # but the 2-d one


def test_max_pool_half_and_empty_batch():
    # (overlapping windows: PyTorch sums the gradient in half, we in float32)
    check(lambda t, x: t.nn.functional.max_pool2d(x, 3, 2, 1), [sample((2, 3, 7, 6),
                                                                       "float16")],
          grad_rtol=2e-3, grad_atol=2e-3)
    check(lambda t, x: t.nn.functional.max_pool2d(x, 2, return_indices=True),
          [sample((0, 3, 4, 4))])


def test_max_pool_saves_nothing_without_grad():
    x = gt.randn(2, 3, 8, 8, requires_grad=True)
    with gt.no_grad():
        assert gt.nn.functional.max_pool2d(x, 2).grad_fn is None
    y = gt.nn.functional.max_pool2d(x.detach(), 2)
    assert y.grad_fn is None and not y.requires_grad


MAX_POOL_ERRORS = [
    (lambda t: t.nn.functional.max_pool2d(t.randn(1, 1, 5, 5), 2, 2, 2), "pad=2"),
    (lambda t: t.nn.functional.max_pool2d(t.randn(1, 1, 5, 5), 3, 2, 2, dilation=2), "pad"),
    (lambda t: t.nn.functional.max_pool2d(t.randn(1, 1, 2, 2), 3), "1x2x2"),
    (lambda t: t.nn.functional.max_pool3d(t.randn(1, 1, 2, 2, 2), 3), "1x2x2x2"),
    (lambda t: t.nn.functional.max_pool1d(t.randn(1, 1, 2), 3), None),
    (lambda t: t.nn.functional.max_pool2d(t.randn(2), 3), None),
    (lambda t: t.nn.functional.max_pool1d(t.randn(2), 3), "[2]"),
    (lambda t: t.nn.functional.max_pool3d(t.randn(2, 2, 2), 3), None),
    (lambda t: t.nn.functional.max_pool2d(t.randn(1, 0, 4, 4), 2), "[1, 0, 4, 4]"),
    (lambda t: t.nn.functional.max_pool2d(t.randn(1, 1, 4, 4), 2, 0), "stride"),
    (lambda t: t.nn.functional.max_pool2d(t.randn(1, 1, 4, 4), 0), None),
    (lambda t: t.nn.functional.max_pool2d(t.randn(1, 1, 4, 4), (2, 2, 2)), "two ints"),
    (lambda t: t.nn.functional.max_pool3d(t.randn(1, 1, 4, 4, 4), (2, 2)), "three ints"),
    (lambda t: t.nn.functional.max_pool2d(t.randn(1, 1, 4, 4), 2, dilation=0), "dilation"),
    (lambda t: t.nn.functional.max_pool2d(t.randn(1, 1, 4, 4), 2, padding=-1), "-1"),
    (lambda t: t.nn.functional.max_pool2d(t.randn(1, 1, 4, 4), 2, 2.0), "float"),
    (lambda t: t.nn.functional.max_pool2d(t.ones(1, 1, 4, 4, dtype=t.bool), 2), "Bool"),
]


@pytest.mark.parametrize("i", range(len(MAX_POOL_ERRORS)))
def test_max_pool_errors_match_torch(i):
    fn, match = MAX_POOL_ERRORS[i]
    check_error(fn, match=match)


# ---------------------------------------------------------------------------------------------
# average pooling
# ---------------------------------------------------------------------------------------------
AVG_POOL = [
    ("avg_pool2d", (2, 3, 8, 8), dict(kernel_size=2)),
    ("avg_pool2d", (2, 3, 9, 7), dict(kernel_size=3, stride=2, padding=1)),
    ("avg_pool2d", (2, 3, 9, 7), dict(kernel_size=3, stride=2, padding=1,
                                      count_include_pad=False)),
    ("avg_pool2d", (2, 3, 10, 7), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    ("avg_pool2d", (2, 3, 10, 7), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True,
                                       count_include_pad=False)),
    ("avg_pool2d", (1, 2, 5, 5), dict(kernel_size=2, stride=2, padding=1, ceil_mode=True)),
    ("avg_pool2d", (1, 2, 5, 5), dict(kernel_size=2, stride=2, ceil_mode=True)),
    ("avg_pool2d", (3, 10, 7), dict(kernel_size=3, stride=2, padding=1, divisor_override=5)),
    ("avg_pool2d", (2, 3, 9, 8), dict(kernel_size=(3, 2), stride=(1, 2), padding=(1, 0),
                                      divisor_override=-2)),
    ("avg_pool2d", (2, 3, 9, 7), dict(kernel_size=2)),      # leftover rows and columns
    ("avg_pool1d", (2, 3, 10), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    ("avg_pool1d", (3, 10), dict(kernel_size=4, padding=2, count_include_pad=False)),
    ("avg_pool3d", (2, 2, 5, 6, 7), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    ("avg_pool3d", (2, 5, 6, 7), dict(kernel_size=2, count_include_pad=False, padding=1)),
    ("avg_pool3d", (1, 2, 4, 6, 6), dict(kernel_size=2, divisor_override=3)),
]


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("fname,shape,kwargs", AVG_POOL, ids=str)
def test_avg_pool_matches_torch(fname, shape, kwargs, dtype):
    fn = lambda t, x: getattr(t.nn.functional, fname)(x, **kwargs)
    out = check(fn, [sample(shape, dtype)])
    assert out.grad_fn.name() == fn(torch, torch.zeros(shape, requires_grad=True)).grad_fn.name()


@pytest.mark.parametrize("fname,shape,kwargs", [AVG_POOL[i] for i in (1, 4, 8, 10, 13)],
                         ids=str)
def test_avg_pool_gradcheck_and_double_backward(fname, shape, kwargs):
    small = (1,) + shape[1:-2] + tuple(min(s, 5) for s in shape[-2:]) if len(shape) == 4 \
        else shape
    fn = lambda t, x: getattr(t.nn.functional, fname)(x, **kwargs)
    gradcheck_fn(fn, [sample(small)])
    _gradgradcheck(fn, sample(small))


def test_avg_pool_integer_divides_truncating_toward_zero():
    x = sample((2, 3, 7, 6), "int64", low=-5, high=5)
    check(lambda t, x: t.nn.functional.avg_pool2d(x, 3, 2, 1), [x], grad=False)
    check(lambda t, x: t.nn.functional.avg_pool2d(x, 2, count_include_pad=False, padding=1),
          [x], grad=False)
    check(lambda t, x: t.nn.functional.avg_pool2d(x, 2, divisor_override=-3), [x], grad=False)
    check(lambda t, x: t.nn.functional.avg_pool1d(x[0], 3), [x], grad=False)
    check_error(lambda t: t.nn.functional.avg_pool2d(t.tensor(x).int(), 2), match="Int")
    check(lambda t, x: t.nn.functional.avg_pool3d(x, 2, padding=1), [x], grad=False)
    check_error(lambda t: t.nn.functional.avg_pool3d(t.tensor(x).int(), 2), match="Int")


def test_avg_pool_half():
    check(lambda t, x: t.nn.functional.avg_pool2d(x, 3, 2, 1), [sample((2, 3, 7, 6),
                                                                       "float16")],
          rtol=1e-3, atol=1e-3)
    check_error(lambda t: t.nn.functional.avg_pool3d(t.randn(1, 1, 4, 4, 4).half(), 2),
                match="Half")


AVG_POOL_ERRORS = [
    (lambda t: t.nn.functional.avg_pool2d(t.randn(1, 1, 5, 5), 2, 2, 2), "pad=2"),
    (lambda t: t.nn.functional.avg_pool2d(t.randn(1, 1, 2, 2), 3), "1x2x2"),
    (lambda t: t.nn.functional.avg_pool1d(t.randn(1, 1, 2), 3), None),
    (lambda t: t.nn.functional.avg_pool1d(t.randn(2), 3), "1-dimensional"),
    (lambda t: t.nn.functional.avg_pool2d(t.randn(1, 1, 4, 4), 2, divisor_override=0),
     "divisor"),
    (lambda t: t.nn.functional.avg_pool2d(t.randn(1, 1, 4, 4), (2, 2, 2)), "two ints"),
    (lambda t: t.nn.functional.avg_pool2d(t.randn(1, 0, 4, 4), 2), "[1, 0, 4, 4]"),
    (lambda t: t.nn.functional.avg_pool2d(t.randn(1, 1, 4, 4), 2, 0), "stride"),
]


@pytest.mark.parametrize("i", range(len(AVG_POOL_ERRORS)))
def test_avg_pool_errors_match_torch(i):
    fn, match = AVG_POOL_ERRORS[i]
    check_error(fn, match=match)


# ---------------------------------------------------------------------------------------------
# lp pooling
# ---------------------------------------------------------------------------------------------
LP_POOL = [
    ("lp_pool2d", (2, 3, 7, 6), 2, dict(kernel_size=3, stride=2)),
    ("lp_pool2d", (2, 3, 7, 6), 1.5, dict(kernel_size=(2, 3), ceil_mode=True)),
    ("lp_pool2d", (3, 7, 6), math.inf, dict(kernel_size=2)),
    ("lp_pool1d", (2, 3, 9), 3, dict(kernel_size=3, stride=2, ceil_mode=True)),
    ("lp_pool1d", (2, 3, 9), -math.inf, dict(kernel_size=2)),
    ("lp_pool3d", (2, 2, 4, 5, 6), 2, dict(kernel_size=2)),
]


@pytest.mark.parametrize("fname,shape,p,kwargs", LP_POOL, ids=str)
def test_lp_pool_matches_torch(fname, shape, p, kwargs):
    fn = lambda t, x: getattr(t.nn.functional, fname)(x, p, **kwargs)
    check(fn, [sample(shape, "float64", low=0.2, high=2.0)])
    check(fn, [sample(shape, "float32", low=0.2, high=2.0)], rtol=1e-4, atol=1e-5)
    small = shape[:-2] + (4, 4) if len(shape) > 3 else shape
    gradcheck_fn(fn, [sample(small, low=0.2, high=2.0)])


# ---------------------------------------------------------------------------------------------
# max_unpool
# ---------------------------------------------------------------------------------------------
UNPOOL = [  # (pool, unpool, input shape, pool args, unpool output_size)
    ("max_pool2d", "max_unpool2d", (2, 3, 8, 6), (2,), None),
    ("max_pool2d", "max_unpool2d", (2, 3, 9, 7), (2,), "input"),
    ("max_pool2d", "max_unpool2d", (2, 3, 9, 7), (3, 2, 1), None),
    ("max_pool2d", "max_unpool2d", (3, 8, 6), (2,), None),
    ("max_pool1d", "max_unpool1d", (2, 3, 9), (3, 2, 1), None),
    ("max_pool1d", "max_unpool1d", (2, 3, 9), (2,), "input"),
    ("max_pool3d", "max_unpool3d", (2, 2, 4, 6, 5), (2,), "input"),
    ("max_pool3d", "max_unpool3d", (2, 4, 4, 4), (2,), None),
]


@pytest.mark.parametrize("pool,unpool,shape,args,size", UNPOOL, ids=str)
def test_max_unpool_matches_torch(pool, unpool, shape, args, size):
    def fn(t, x, values):
        _, indices = getattr(t.nn.functional, pool)(x, *args, return_indices=True)
        out_size = x.shape if size == "input" else None
        return getattr(t.nn.functional, unpool)(values, indices, *args, output_size=out_size)
    x = sample(shape, "float64")
    n = int(pool[-2])
    out_shape = tuple(torch.nn.functional.__dict__[pool](torch.tensor(x), *args).shape)
    check(lambda t, x, v: fn(t, x.detach(), v), [x, sample(out_shape, "float64")])
    if n == 2 and args == (2,):     # (overlapping windows repeat indices: no true gradient)
        gradcheck_fn(lambda t, v: fn(t, t.tensor(x[:1]), v), [sample((1,) + out_shape[1:])])
        _gradgradcheck(lambda t, v: fn(t, t.tensor(x[:1]), v), sample((1,) + out_shape[1:]))


def test_max_unpool_layers_and_errors():
    x = sample((2, 3, 8, 6), "float64")
    for t in (torch, gt):
        assert repr(t.nn.MaxUnpool2d(2)) == repr(torch.nn.MaxUnpool2d(2))
    check(lambda t, x: t.nn.MaxUnpool2d(2, 2)(*t.nn.MaxPool2d(2, return_indices=True)(x)), [x])
    check(lambda t, x: t.nn.MaxUnpool1d(3, 2, 1)(
        *t.nn.MaxPool1d(3, 2, 1, return_indices=True)(x[0]), output_size=[6]), [x])
    values, indices = torch.nn.functional.max_pool2d(torch.tensor(x), 2, return_indices=True)
    v, i = values.numpy(), indices.numpy()
    check_error(lambda t: t.nn.functional.max_unpool2d(t.tensor(v), t.tensor(i) + 40, 2),
                match="invalid max index")
    check_error(lambda t: t.nn.functional.max_unpool2d(t.tensor(v), t.tensor(i[:, :2]), 2))
    check_error(lambda t: t.nn.functional.max_unpool2d(t.tensor(v), t.tensor(i), 2,
                                                       output_size=[20, 20]), match="20")
    check_error(lambda t: t.nn.functional.max_unpool2d(t.tensor(v), t.tensor(i), 2,
                                                       output_size=[8]), match="length")


# ---------------------------------------------------------------------------------------------
# adaptive pooling
# ---------------------------------------------------------------------------------------------
ADAPTIVE = [  # (dims, input shape, output_size)
    (2, (2, 3, 7, 9), (3, 4)),
    (2, (2, 3, 7, 9), (3, None)),
    (2, (3, 5, 5), 7),                  # unbatched, larger than the input
    (2, (2, 3, 8, 8), 4),               # divisible
    (2, (2, 3, 8, 8), 1),               # global pooling
    (2, (2, 3, 8, 8), (1, 3)),
    (2, (1, 2, 5, 6), (5, 6)),          # identity
    (2, (2, 0, 5, 6), 3),               # empty channels
    (1, (2, 3, 7), 4),
    (1, (3, 7), 1),
    (1, (2, 3, 5), (9,)),
    (3, (2, 3, 5, 7, 6), (2, 3, 4)),
    (3, (3, 5, 7, 6), (7, 3, None)),
    (3, (1, 2, 4, 4, 4), 1),
]


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("n,shape,size", ADAPTIVE, ids=str)
def test_adaptive_pools_match_torch(n, shape, size, dtype):
    avg = lambda t, x: getattr(t.nn.functional, f"adaptive_avg_pool{n}d")(x, size)
    mx = lambda t, x: getattr(t.nn.functional, f"adaptive_max_pool{n}d")(x, size, True)
    if 0 in shape:     # max refuses an empty channel dim; avg's backward does in torch
        check(avg, [sample(shape, dtype)], grad=False)
        check_error(lambda t: mx(t, t.tensor(sample(shape, dtype))), match=str(list(shape)))
        return
    for fn in (avg, mx):
        out = check(fn, [sample(shape, dtype)])
        expected = fn(torch, torch.ones(shape, requires_grad=True))
        out = out[0] if isinstance(out, tuple) else out
        expected = expected[0] if isinstance(expected, tuple) else expected
        if out.grad_fn is not None:
            assert out.grad_fn.name() == expected.grad_fn.name()


@pytest.mark.parametrize("n,shape,size", [ADAPTIVE[i] for i in (0, 2, 8, 11)], ids=str)
def test_adaptive_pools_gradcheck_and_double_backward(n, shape, size):
    small = tuple(min(s, 5) for s in shape)
    for kind in ("avg", "max"):
        fn = lambda t, x: getattr(t.nn.functional, f"adaptive_{kind}_pool{n}d")(x, size)
        gradcheck_fn(fn, [sample(small)])
        _gradgradcheck(fn, sample(small))


def test_adaptive_pools_with_non_finite_values_stay_local():
    x = sample((2, 3, 7, 9), "float64")
    x[0, 0, 2, 3], x[1, 2, 6, 8], x[0, 1, 0, 0] = np.inf, -np.inf, np.nan
    check(lambda t, x: t.nn.functional.adaptive_avg_pool2d(x, (3, 4)), [x])
    check(lambda t, x: t.nn.functional.adaptive_max_pool2d(x, (3, 4)), [x])


ADAPTIVE_ERRORS = [
    (lambda t: t.nn.functional.adaptive_avg_pool2d(t.randn(3, 4, 4), -1), "-1"),
    (lambda t: t.nn.functional.adaptive_avg_pool2d(t.randn(3, 4, 4), (1, 2, 3)), None),
    (lambda t: t.nn.functional.adaptive_max_pool2d(t.randn(3, 4, 4), (1, 2, 3)), None),
    (lambda t: t.nn.functional.adaptive_avg_pool1d(t.randn(3, 4), (2, 2)), "one int"),
    (lambda t: t.nn.functional.adaptive_avg_pool1d(t.randn(3, 4), None), None),
    (lambda t: t.nn.functional.adaptive_avg_pool2d(t.randn(4, 4), 2), "[4, 4]"),
    (lambda t: t.nn.functional.adaptive_max_pool2d(t.randn(4, 4), 2), "[4, 4]"),
    (lambda t: t.nn.functional.adaptive_avg_pool1d(t.randn(4), 2), "1-dimensional"),
    (lambda t: t.nn.functional.adaptive_max_pool1d(t.randn(4), 2), "1-dimensional"),
    (lambda t: t.nn.functional.adaptive_avg_pool3d(t.randn(4, 4, 4), 2), "[4, 4, 4]"),
    (lambda t: t.nn.functional.adaptive_avg_pool2d(t.randn(1, 2, 0, 4), 2), "dimension 2"),
    (lambda t: t.nn.functional.adaptive_max_pool2d(t.randn(1, 2, 0, 4), 2), "dimension 2"),
    (lambda t: t.nn.functional.adaptive_avg_pool2d(t.ones(1, 2, 4, 4, dtype=t.int64), 2),
     "Long"),
]


@pytest.mark.parametrize("i", range(len(ADAPTIVE_ERRORS)))
def test_adaptive_pool_errors_match_torch(i):
    fn, match = ADAPTIVE_ERRORS[i]
    check_error(fn, match=match)


# ---------------------------------------------------------------------------------------------
# fractional max pooling (window starts fixed by _random_samples)
# ---------------------------------------------------------------------------------------------
FRACTIONAL = [  # (dims, input shape, kernel, output_size, output_ratio)
    (2, (2, 3, 10, 9), 2, (4, 5), None),
    (2, (3, 10, 9), (3, 2), (5, 4), None),
    (2, (2, 3, 7, 8), 3, None, (0.5, 0.6)),
    (3, (2, 2, 7, 8, 9), 2, (3, 4, 5), None),
    (3, (2, 7, 8, 9), (2, 3, 1), (5, 4, 6), None),
]


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("n,shape,kernel,size,ratio", FRACTIONAL, ids=str)
def test_fractional_max_pool_matches_torch(n, shape, kernel, size, ratio, dtype):
    planes = (shape[0] if len(shape) == n + 2 else 1, shape[-n - 1], n)
    u = np.random.default_rng(5).random(planes).astype(dtype)
    fn = lambda t, x: getattr(t.nn.functional, f"fractional_max_pool{n}d")(
        x, kernel, size, ratio, return_indices=True, _random_samples=t.tensor(u))
    check(fn, [sample(shape, dtype)])
    layer = lambda t, x: getattr(t.nn, f"FractionalMaxPool{n}d")(
        kernel, size, ratio, _random_samples=t.tensor(u))(x)
    check(layer, [sample(shape, dtype)])


def test_fractional_max_pool_gradcheck_and_random_starts():
    u = gt.tensor(np.random.default_rng(1).random((1, 2, 2)))
    fn = lambda t, x: t.nn.functional.fractional_max_pool2d(x, 2, (3, 3), _random_samples=u)
    gradcheck_fn(fn, [sample((1, 2, 6, 5))])
    _gradgradcheck(fn, sample((1, 2, 6, 5)))
    out = gt.nn.FractionalMaxPool2d(3, output_ratio=0.5)(gt.randn(2, 3, 10, 12))
    assert out.shape == (2, 3, 5, 6)      # random starts: only the shape can be compared
    check_error(lambda t: t.nn.FractionalMaxPool2d(2))
    check_error(lambda t: t.nn.FractionalMaxPool2d(2, output_ratio=1.5))
    check_error(lambda t: t.nn.FractionalMaxPool3d(0, output_size=2))
    check_error(lambda t: t.nn.functional.fractional_max_pool2d(t.randn(1, 2, 6, 6), 2,
                                                               output_ratio=0.5))
    check_error(lambda t: t.nn.functional.fractional_max_pool2d(t.randn(1, 2, 6, 6), 4,
                                                               output_size=4))


# ---------------------------------------------------------------------------------------------
# layers and torch.* spellings
# ---------------------------------------------------------------------------------------------
LAYERS = [  # (name, constructor args, kwargs, input shape)
    ("MaxPool1d", (3, 2, 1), {}, (2, 3, 10)),
    ("MaxPool2d", (2,), {}, (2, 3, 8, 8)),
    ("MaxPool2d", (3,), dict(stride=2, padding=1, ceil_mode=True), (2, 3, 9, 8)),
    ("MaxPool2d", ((3, 2),), dict(stride=(2, 1), dilation=(1, 2), return_indices=True),
     (3, 9, 8)),
    ("MaxPool3d", (2,), {}, (1, 2, 4, 4, 6)),
    ("AvgPool1d", (3,), dict(stride=2, padding=1), (2, 3, 10)),
    ("AvgPool2d", (2,), {}, (2, 3, 8, 8)),
    ("AvgPool2d", ((3, 2),), dict(stride=1, padding=(1, 0), count_include_pad=False),
     (2, 3, 8, 8)),
    ("AvgPool2d", (3,), dict(divisor_override=4, ceil_mode=True, stride=2), (3, 8, 8)),
    ("AvgPool3d", (2,), dict(padding=1), (1, 2, 4, 4, 6)),
    ("LPPool1d", (2, 3), dict(stride=2), (2, 3, 10)),
    ("LPPool2d", (1.5, (2, 3)), {}, (2, 3, 8, 8)),
    ("LPPool3d", (2, 2), {}, (1, 2, 4, 4, 6)),
    ("AdaptiveAvgPool1d", (4,), {}, (2, 3, 10)),
    ("AdaptiveAvgPool2d", ((1, 1),), {}, (2, 3, 8, 8)),
    ("AdaptiveAvgPool2d", ((None, 3),), {}, (2, 3, 7, 8)),
    ("AdaptiveAvgPool3d", (2,), {}, (1, 2, 5, 4, 6)),
    ("AdaptiveMaxPool1d", (4,), dict(return_indices=True), (2, 3, 10)),
    ("AdaptiveMaxPool2d", ((3, 5),), {}, (2, 3, 7, 8)),
    ("AdaptiveMaxPool3d", (2,), {}, (1, 2, 5, 4, 6)),
    ("FractionalMaxPool3d", (2,), dict(output_ratio=0.5), None),
]


@pytest.mark.parametrize("name,args,kwargs,shape", LAYERS, ids=str)
def test_pooling_layers_match_torch(name, args, kwargs, shape):
    ours, theirs = getattr(gt.nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args,
                                                                                 **kwargs)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    if shape is not None:
        check(lambda t, x: (ours if t is gt else theirs)(x),
              [sample(shape, "float64", low=0.1 if "LP" in name else -2.0)])


def test_torch_namespace_spellings():
    x = sample((2, 3, 9, 8), "float64")
    check(lambda t, x: t.max_pool2d(x, 3, [], 1, 1, True), [x])
    check(lambda t, x: t.max_pool2d(x, 2), [x])
    check(lambda t, x: t.max_pool3d(x, 2), [x])
    check(lambda t, x: t.max_pool1d(x[0], 3, 2), [x])
    check(lambda t, x: t.max_pool1d_with_indices(x[0], 3, 2, 1), [x])
    check(lambda t, x: t.avg_pool1d(x[0], 3, 2, 1, True, False), [x])
    check(lambda t, x: t.adaptive_avg_pool1d(x[0], 5), [x])
    check(lambda t, x: t.adaptive_max_pool1d(x[0], 5), [x])
    check(lambda t, x: t.nn.functional.max_pool2d_with_indices(x, 3, 2), [x])
    check(lambda t, x: t.nn.functional.adaptive_max_pool2d_with_indices(x, 3), [x])


def test_empty_batches():
    x = sample((0, 3, 6, 5), "float64")
    for fn in (lambda t, x: t.nn.functional.max_pool2d(x, 2, return_indices=True),
               lambda t, x: t.nn.functional.avg_pool2d(x, 3, 2, 1),
               lambda t, x: t.nn.functional.adaptive_avg_pool2d(x, (2, 3)),
               lambda t, x: t.nn.functional.adaptive_max_pool2d(x, (4, 3), True),
               lambda t, x: t.nn.functional.max_unpool2d(
                   *t.nn.functional.max_pool2d(x, 2, return_indices=True), 2)):
        check(fn, [x], grad=False)


@pytest.mark.parametrize("name, fn", [
    ("2x2 tiles", lambda L, t: L.nn.functional.max_pool2d(t, 2)),
    ("3x3 overlapping", lambda L, t: L.nn.functional.max_pool2d(t, 3, 1)),
    ("padded", lambda L, t: L.nn.functional.max_pool2d(t, 3, 2, 1)),
    ("1d", lambda L, t: L.nn.functional.max_pool1d(t[0], 2)),
    ("3d", lambda L, t: L.nn.functional.max_pool3d(t[None], (1, 2, 2))),
], ids=lambda v: v if isinstance(v, str) else "")
def test_max_pool_gradient_of_inf_and_nan_reaches_only_the_max(name, fn):
    """An inf or NaN upstream gradient goes to each window's max only: 0 elsewhere, as in
    PyTorch (a 0/1 mask times inf put NaN in every other entry of the window)."""
    x = np.random.default_rng(0).standard_normal((1, 2, 6, 6))
    grads = []
    for lib in (torch, gt):
        t = lib.tensor(x, requires_grad=True)
        out = fn(lib, t)
        g = np.resize(np.array([np.inf, np.nan, -np.inf, 1.0]), tuple(out.shape))
        out.backward(lib.tensor(g))
        grads.append(t.grad.numpy())
    np.testing.assert_array_equal(grads[1], grads[0])
