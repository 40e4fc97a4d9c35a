"""F.conv1d/2d/3d and F.conv_transpose1d/2d/3d against PyTorch: values, input/weight/bias
gradients over many configurations (stride, int/tuple/'same'/'valid' padding, dilation, groups,
depthwise, no bias, unbatched, output_padding), dtypes, float64 gradcheck and gradgradcheck,
and PyTorch's errors for bad input."""
import numpy as np
import pytest
import torch

import glasstorch as gt
from tests.oracle.harness import check, check_error, gradcheck_fn, sample

# (function, input shape, weight shape, has bias, kwargs)
CONV = [
    ("conv2d", (2, 3, 7, 6), (4, 3, 3, 3), True, {}),
    ("conv2d", (2, 3, 8, 7), (4, 3, 3, 3), True, dict(stride=2, padding=1)),
    ("conv2d", (2, 3, 9, 8), (5, 3, 3, 2), False, dict(stride=(2, 3), padding=(2, 1))),
    ("conv2d", (2, 4, 9, 8), (6, 2, 3, 3), True, dict(groups=2, dilation=(2, 1), padding=1)),
    ("conv2d", (2, 4, 7, 7), (8, 1, 3, 3), True, dict(groups=4, padding=1)),     # depthwise x2
    ("conv2d", (2, 4, 7, 7), (4, 1, 5, 5), False, dict(groups=4, padding=2, stride=2)),
    ("conv2d", (2, 3, 7, 8), (4, 3, 3, 3), True, dict(padding="same")),
    ("conv2d", (2, 3, 7, 8), (4, 3, 4, 2), True, dict(padding="same", dilation=(1, 3))),
    ("conv2d", (2, 3, 7, 8), (4, 3, 2, 2), True, dict(padding="valid", stride=2)),
    ("conv2d", (3, 7, 6), (4, 3, 3, 3), True, dict(padding=1)),                   # unbatched
    ("conv2d", (2, 3, 5, 5), (4, 3, 1, 1), True, {}),                             # 1x1
    ("conv2d", (2, 3, 6, 6), (4, 3, 1, 1), False, dict(stride=2)),
    ("conv2d", (1, 2, 4, 4), (3, 2, 4, 4), True, {}),                             # one window
    ("conv2d", (2, 3, 3, 3), (2, 3, 3, 3), True, dict(padding=3, dilation=2)),
    ("conv1d", (2, 3, 10), (4, 3, 3), True, {}),
    ("conv1d", (2, 4, 11), (6, 2, 4), True, dict(stride=2, padding=2, dilation=2, groups=2)),
    ("conv1d", (3, 9), (5, 3, 3), False, dict(padding="same")),
    ("conv1d", (2, 3, 9), (5, 3, 4), True, dict(padding="same", dilation=2)),
    ("conv1d", (2, 4, 9), (4, 1, 3), True, dict(groups=4, padding=1)),
    ("conv3d", (2, 3, 5, 6, 5), (4, 3, 3, 3, 3), True, dict(padding=1)),
    ("conv3d", (1, 4, 6, 5, 7), (4, 2, 2, 3, 2), True, dict(stride=(1, 2, 2), groups=2,
                                                            dilation=(2, 1, 1))),
    ("conv3d", (2, 5, 4, 4), (3, 2, 2, 2, 2), False, dict(padding="same")),
]


def _conv(fname, has_bias, kwargs):
    def fn(t, x, w, b=None):
        return getattr(t.nn.functional, fname)(x, w, b if has_bias else None, **kwargs)
    return fn


def _inputs(x_shape, w_shape, has_bias, dtype="float32", bias_size=None):
    arrays = [sample(x_shape, dtype), sample(w_shape, dtype, -0.5, 0.5)]
    if has_bias:
        arrays.append(sample((bias_size or w_shape[0],), dtype))
    return arrays


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("fname,x_shape,w_shape,has_bias,kwargs", CONV, ids=str)
def test_conv_matches_torch(fname, x_shape, w_shape, has_bias, kwargs, dtype):
    fn = _conv(fname, has_bias, kwargs)
    out = check(fn, _inputs(x_shape, w_shape, has_bias, dtype), rtol=1e-4, atol=1e-5)
    assert out.grad_fn.name() == "ConvolutionBackward0" or len(x_shape) == len(w_shape) - 1


@pytest.mark.parametrize("fname,x_shape,w_shape,has_bias,kwargs",
                         [CONV[i] for i in (1, 3, 7, 9, 15, 20)], ids=str)
def test_conv_gradcheck(fname, x_shape, w_shape, has_bias, kwargs):
    gradcheck_fn(_conv(fname, has_bias, kwargs), _inputs(x_shape, w_shape, has_bias))


def _gradgradcheck(fn, arrays):
    inputs = [gt.tensor(a.astype(np.float64), requires_grad=True) for a in arrays]
    assert gt.autograd.gradgradcheck(lambda *x: fn(gt, *x), inputs)


@pytest.mark.parametrize("fname,x_shape,w_shape,has_bias,kwargs",
                         [CONV[i] for i in (1, 3, 15)], ids=str)
def test_conv_gradgradcheck(fname, x_shape, w_shape, has_bias, kwargs):
    _gradgradcheck(_conv(fname, has_bias, kwargs), _inputs(x_shape, w_shape, has_bias))


def test_conv_double_backward_matches_torch():
    def fn(t, x, w):
        y = t.nn.functional.conv2d(x, w, stride=2, padding=1)
        gx, gw = t.autograd.grad((y ** 2).sum(), (x, w), create_graph=True)
        return (gx * x).sum() + (gw ** 2).sum()
    check(fn, [sample((2, 3, 6, 5), "float64"), sample((4, 3, 3, 3), "float64")])


def test_conv_only_some_inputs_require_grad():
    x, w = sample((2, 3, 6, 6)), sample((4, 3, 3, 3))
    for wants in ((True, False), (False, True)):
        tx, tw = (torch.tensor(a, requires_grad=r) for a, r in zip((x, w), wants))
        gx, gw = (gt.tensor(a, requires_grad=r) for a, r in zip((x, w), wants))
        torch.nn.functional.conv2d(tx, tw, padding=1).sum().backward()
        gt.nn.functional.conv2d(gx, gw, padding=1).sum().backward()
        for t_, g_ in ((tx, gx), (tw, gw)):
            assert (g_.grad is None) == (t_.grad is None)
            if t_.grad is not None:
                np.testing.assert_allclose(g_.grad.numpy(), t_.grad.numpy(), rtol=1e-4,
                                           atol=1e-4)


def test_conv_no_grad_records_nothing():
    w = gt.randn(4, 3, 3, 3, requires_grad=True)
    with gt.no_grad():
        y = gt.nn.functional.conv2d(gt.randn(2, 3, 5, 5), w)
    assert y.grad_fn is None and not y.requires_grad


def test_conv_integer_and_half_dtypes():
    x = sample((2, 3, 6, 5), "int64")
    w = sample((4, 3, 3, 3), "int64")
    check(lambda t, x, w: t.nn.functional.conv2d(x, w, padding=1), [x, w], grad=False)
    xh, wh = sample((2, 3, 6, 5), "float16"), sample((4, 3, 3, 3), "float16", -0.5, 0.5)
    check(lambda t, x, w: t.nn.functional.conv2d(x, w, stride=2), [xh, wh], grad=False,
          rtol=1e-2, atol=1e-2)


def test_conv_empty_batch():
    check(_conv("conv2d", True, {}), _inputs((0, 3, 5, 5), (4, 3, 3, 3), True))
    check(_conv_t("conv_transpose2d", True, {}),
          _inputs((0, 3, 5, 5), (3, 4, 3, 3), True, bias_size=4))


def test_conv_non_contiguous_input():
    def fn(t, x, w):
        return t.nn.functional.conv2d(x.transpose(2, 3), w, padding=1, stride=2)
    check(fn, [sample((2, 3, 7, 6)), sample((4, 3, 3, 3))])


def test_conv_nan_propagates():
    x = sample((1, 2, 5, 5))
    x[0, 1, 2, 2] = np.nan
    check(lambda t, x, w: t.nn.functional.conv2d(x, w), [x, sample((3, 2, 3, 3))], grad=False)


# ---------------------------------------------------------------------------------------------
# transposed convolution
# ---------------------------------------------------------------------------------------------
# (function, input shape, weight shape (Cin, Cout/groups, *k), has bias, kwargs)
CONV_T = [
    ("conv_transpose2d", (2, 3, 5, 4), (3, 4, 3, 3), True, {}),
    ("conv_transpose2d", (2, 3, 5, 4), (3, 2, 3, 3), True, dict(stride=2, padding=1,
                                                                output_padding=1)),
    ("conv_transpose2d", (2, 4, 4, 5), (4, 3, 3, 2), True, dict(stride=(2, 3), groups=2,
                                                                dilation=(2, 1),
                                                                output_padding=(1, 2))),
    ("conv_transpose2d", (2, 4, 4, 5), (4, 1, 3, 3), False, dict(groups=4, padding=1)),
    ("conv_transpose2d", (3, 5, 4), (3, 2, 2, 2), True, dict(stride=2)),          # unbatched
    ("conv_transpose2d", (1, 2, 3, 3), (2, 2, 3, 3), True, dict(dilation=2,
                                                                output_padding=1)),
    ("conv_transpose1d", (2, 3, 6), (3, 4, 3), True, dict(stride=2, padding=1,
                                                          output_padding=1)),
    ("conv_transpose1d", (2, 4, 6), (4, 2, 4), False, dict(groups=2, dilation=2)),
    ("conv_transpose3d", (1, 2, 3, 4, 3), (2, 3, 2, 3, 2), True, dict(stride=(2, 1, 2),
                                                                      padding=(0, 1, 1))),
    ("conv_transpose3d", (2, 3, 3, 3), (2, 2, 2, 2, 2), True, dict(stride=2,
                                                                   output_padding=1)),
]


def _conv_t(fname, has_bias, kwargs):
    def fn(t, x, w, b=None):
        return getattr(t.nn.functional, fname)(x, w, b if has_bias else None, **kwargs)
    return fn


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("fname,x_shape,w_shape,has_bias,kwargs", CONV_T, ids=str)
def test_conv_transpose_matches_torch(fname, x_shape, w_shape, has_bias, kwargs, dtype):
    groups = kwargs.get("groups", 1)
    arrays = _inputs(x_shape, w_shape, has_bias, dtype, bias_size=w_shape[1] * groups)
    check(_conv_t(fname, has_bias, kwargs), arrays, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("fname,x_shape,w_shape,has_bias,kwargs",
                         [CONV_T[i] for i in (1, 2, 6, 8)], ids=str)
def test_conv_transpose_gradcheck_and_gradgradcheck(fname, x_shape, w_shape, has_bias,
                                                    kwargs):
    groups = kwargs.get("groups", 1)
    arrays = _inputs(x_shape, w_shape, has_bias, bias_size=w_shape[1] * groups)
    gradcheck_fn(_conv_t(fname, has_bias, kwargs), arrays)
    if fname != "conv_transpose3d":
        _gradgradcheck(_conv_t(fname, has_bias, kwargs), arrays)


def test_conv_transpose_is_the_adjoint_of_conv():
    """<conv(x, W), y> = <x, conv_transpose(y, W)> (the shared maps really are adjoint)."""
    x, w, y = gt.randn(2, 3, 9, 8, dtype=gt.float64), gt.randn(4, 3, 3, 2, dtype=gt.float64), \
        gt.randn(2, 4, 5, 5, dtype=gt.float64)
    F = gt.nn.functional
    lhs = (F.conv2d(x, w, stride=2, padding=1) * y).sum()
    rhs = (x * F.conv_transpose2d(y, w, stride=2, padding=1)).sum()
    assert abs(lhs.item() - rhs.item()) < 1e-9 * abs(lhs.item())


# ---------------------------------------------------------------------------------------------
# errors
# ---------------------------------------------------------------------------------------------
F_ERRORS = [
    lambda t: t.nn.functional.conv2d(t.ones(2, 3, 8, 8, dtype=t.float64), t.ones(4, 3, 3, 3)),
    lambda t: t.nn.functional.conv2d(t.ones(2, 3, 8, 8), t.ones(4, 3, 3, 3, dtype=t.float64)),
    lambda t: t.nn.functional.conv2d(t.ones(2, 3, 8, 8), t.ones(4, 3, 3, 3),
                                     t.ones(4, dtype=t.float64)),
    lambda t: t.nn.functional.conv2d(t.ones(2, 3, 8, 8), t.ones(4, 2, 3, 3)),     # channels
    lambda t: t.nn.functional.conv2d(t.ones(2, 3, 8, 8), t.ones(4, 1, 3, 3), groups=2),
    lambda t: t.nn.functional.conv2d(t.ones(2, 4, 8, 8), t.ones(3, 2, 3, 3), groups=2),
    lambda t: t.nn.functional.conv2d(t.ones(2, 3, 8, 8), t.ones(4, 3, 3, 3), stride=2,
                                     padding="same"),
    lambda t: t.nn.functional.conv2d(t.ones(2, 3, 8, 8), t.ones(4, 3, 3, 3), padding="full"),
    lambda t: t.nn.functional.conv2d(t.ones(2, 3, 2, 2), t.ones(4, 3, 3, 3)),     # too small
    lambda t: t.nn.functional.conv2d(t.ones(2, 3, 4, 4), t.ones(4, 3, 3, 3), dilation=2),
    lambda t: t.nn.functional.conv1d(t.ones(2, 3, 4, 5), t.ones(4, 3, 3)),        # dims
    lambda t: t.nn.functional.conv2d(t.ones(8), t.ones(4, 3, 3, 3)),
    lambda t: t.nn.functional.conv3d(t.ones(3, 8, 8), t.ones(4, 3, 3, 3, 3)),
    lambda t: t.nn.functional.conv2d(t.ones(2, 3, 8, 8), t.ones(4, 3, 3)),        # weight dims
    lambda t: t.nn.functional.conv2d(t.ones(2, 3, 8, 8), t.ones(4, 3, 3, 3), padding=-1),
    lambda t: t.nn.functional.conv2d(t.ones(2, 3, 8, 8), t.ones(4, 3, 3, 3), stride=0),
    lambda t: t.nn.functional.conv2d(t.ones(2, 3, 8, 8), t.ones(4, 3, 3, 3), dilation=0),
    lambda t: t.nn.functional.conv2d(t.ones(2, 3, 8, 8), t.ones(4, 3, 3, 3), groups=0),
    lambda t: t.nn.functional.conv2d(t.ones(2, 3, 8, 8), t.ones(4, 3, 3, 3), t.ones(5)),
    lambda t: t.nn.functional.conv2d(t.ones(2, 3, 8, 8), t.ones(4, 3, 3, 3), stride=(1, 2, 3)),
    lambda t: t.nn.functional.conv2d(t.ones(2, 3, 8, 8), t.ones(0, 3, 3, 3)),
    lambda t: t.nn.functional.conv2d(t.ones(2, 3, 8, 8, dtype=t.bool),
                                     t.ones(4, 3, 3, 3, dtype=t.bool)),
    lambda t: t.nn.functional.conv2d(1.0, t.ones(4, 3, 3, 3)),
    lambda t: t.nn.functional.conv2d(t.ones(2, 3, 8, 8), t.ones(4, 3, 3, 3), stride=1.5),
    lambda t: t.nn.functional.conv_transpose2d(t.ones(2, 3, 8, 8), t.ones(3, 2, 3, 3),
                                               output_padding=1),
    lambda t: t.nn.functional.conv_transpose2d(t.ones(2, 3, 8, 8), t.ones(2, 2, 3, 3)),
    lambda t: t.nn.functional.conv_transpose2d(t.ones(2, 3, 8, 8), t.ones(3, 2, 3, 3),
                                               groups=2),
    lambda t: t.nn.functional.conv_transpose2d(t.ones(2, 3, 8, 8), t.ones(3, 2, 3, 3),
                                               t.ones(3)),
    lambda t: t.nn.functional.conv_transpose2d(t.ones(2, 3, 8, 8, dtype=t.float64),
                                               t.ones(3, 2, 3, 3)),
    lambda t: t.nn.functional.conv_transpose2d(t.ones(2, 3, 8, 8), t.ones(3, 2, 3, 3),
                                               padding="same"),
    lambda t: t.nn.functional.conv_transpose2d(t.ones(2, 3, 8, 8), t.ones(3, 2, 3, 3),
                                               output_padding=-1),
    lambda t: t.nn.functional.conv_transpose2d(t.ones(3, 8), t.ones(3, 2, 3, 3)),
    lambda t: t.nn.functional.conv_transpose2d(t.ones(2, 3, 2, 2), t.ones(3, 2, 3, 3),
                                               padding=3),
]


@pytest.mark.parametrize("index", range(len(F_ERRORS)))
def test_conv_errors_match_torch(index):
    check_error(F_ERRORS[index])


def test_conv_error_messages_name_the_sizes():
    F = gt.nn.functional
    with pytest.raises(RuntimeError, match=r"weight of size \[4, 2, 3, 3\], expected input"
                                           r"\[2, 3, 8, 8\] to have 2 channels, but got 3"):
        F.conv2d(gt.ones(2, 3, 8, 8), gt.ones(4, 2, 3, 3))
    with pytest.raises(RuntimeError, match="expected scalar type Double but found Float"):
        F.conv2d(gt.ones(2, 3, 8, 8, dtype=gt.float64), gt.ones(4, 3, 3, 3))
    with pytest.raises(RuntimeError, match=r"\(2 x 2\). Kernel size: \(3 x 3\)"):
        F.conv2d(gt.ones(2, 3, 2, 2), gt.ones(4, 3, 3, 3))


@pytest.mark.parametrize("scratch_max", [64 << 20, 0])
@pytest.mark.parametrize("index", [1, 3, 5, 15, 20])
def test_conv_in_batch_chunks_matches_torch(index, scratch_max, monkeypatch):
    """One image per chunk (the path large batches take), the forward's columns not kept
    (the path of large layers), the chunks' work arrays on the reused scratch buffers or (0)
    fresh: same values and gradients."""
    from glasstorch._ops import conv as conv_ops
    monkeypatch.setattr(conv_ops, "SCRATCH_MAX_BYTES", scratch_max)
    monkeypatch.setattr(conv_ops, "CHUNK_BYTES", 1)
    monkeypatch.setattr(conv_ops, "KEEP_COLS_BYTES", 0)
    monkeypatch.setattr(conv_ops, "MIN_COLUMNS", 1)
    fname, x_shape, w_shape, has_bias, kwargs = CONV[index]
    x_shape = (3,) + x_shape[1:]
    check(_conv(fname, has_bias, kwargs), _inputs(x_shape, w_shape, has_bias), rtol=1e-4,
          atol=1e-5)
    fname, x_shape, w_shape, has_bias, kwargs = CONV_T[index % 4 + 1]
    groups = kwargs.get("groups", 1)
    check(_conv_t(fname, has_bias, kwargs),
          _inputs((3,) + x_shape[1:], w_shape, has_bias, bias_size=w_shape[1] * groups),
          rtol=1e-4, atol=1e-5)


def test_conv_results_do_not_share_the_scratch_buffers():
    """Outputs and gradients of consecutive convolutions stay what they were when the next
    one reuses the per-chunk buffers."""
    def fn(t, x, w1, w2):
        F = t.nn.functional
        y1 = F.conv2d(x, w1, padding=1)
        y2 = F.conv2d(y1, w2, padding=1)
        y3 = F.conv2d(x, w1.flip(-1), stride=2)
        return t.cat([y1.flatten(), y2.flatten(), y3.flatten()])   # the harness backpropagates
    check(fn, [sample((2, 3, 6, 6)), sample((4, 3, 3, 3)), sample((5, 4, 3, 3))], rtol=1e-4,
          atol=1e-4)


def test_torch_namespace_spellings():
    check(lambda t, x, w: t.conv2d(x, w, None, 2, 1), [sample((2, 3, 6, 6)), sample((4, 3, 3, 3))])
    check(lambda t, x, w: t.conv1d(x, w, padding="same"), [sample((2, 3, 7)), sample((4, 3, 2))])
    check(lambda t, x, w: t.conv3d(x, w), [sample((1, 2, 3, 4, 4)), sample((2, 2, 2, 2, 2))])
    check(lambda t, x, w: t.conv_transpose2d(x, w, None, 2, 1, 1),
          [sample((2, 3, 4, 4)), sample((3, 2, 3, 3))])
    check(lambda t, x, w: t.conv_transpose1d(x, w), [sample((2, 3, 4)), sample((3, 2, 3))])
    check(lambda t, x, w: t.conv_transpose3d(x, w), [sample((1, 2, 2, 3, 2)),
                                                     sample((2, 2, 2, 2, 2))])


def test_conv_backward_twice_with_retain_graph():
    def fn(t, x, w):
        y = t.nn.functional.conv2d(x, w, padding=1)
        (gw1,) = t.autograd.grad(y.sum(), w, retain_graph=True)
        (gw2,) = t.autograd.grad((y * 2).sum(), w)
        return gw1 + gw2
    check(fn, [sample((2, 3, 5, 5)), sample((4, 3, 3, 3))], rtol=1e-4, atol=1e-4)
