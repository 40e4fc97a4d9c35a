"""F.unfold / F.fold and nn.Unfold / nn.Fold against PyTorch: values and gradients over
kernel, stride, padding and dilation, unbatched inputs, float64 gradcheck and gradgradcheck,
the adjoint identity, repr, and PyTorch's errors."""
import numpy as np
import pytest

import glasstorch as gt
from tests.oracle.harness import check, check_error, gradcheck_fn, sample

UNFOLD = [  # (input shape, kwargs)
    ((2, 3, 6, 5), dict(kernel_size=3)),
    ((2, 3, 7, 8), dict(kernel_size=(2, 3), stride=2, padding=1)),
    ((1, 2, 8, 7), dict(kernel_size=2, dilation=(2, 1), padding=(1, 0), stride=(1, 2))),
    ((3, 5, 5), dict(kernel_size=3, padding=1)),                            # unbatched
    ((2, 2, 4, 4), dict(kernel_size=2, stride=2)),                          # tiles
    ((0, 2, 4, 4), dict(kernel_size=2)),                                    # empty batch
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape,kwargs", UNFOLD, ids=str)
def test_unfold_matches_torch(shape, kwargs, dtype):
    out = check(lambda t, x: t.nn.functional.unfold(x, **kwargs), [sample(shape, dtype)])
    if shape[0]:
        assert out.grad_fn.name() == "Im2ColBackward0"
    check(lambda t, x: t.nn.Unfold(**kwargs)(x), [sample(shape, dtype)])


def _fold_case(shape, kwargs):
    """The fold that inverts the shapes of unfold(shape, kwargs)."""
    import torch
    cols = torch.nn.functional.unfold(torch.zeros(shape), **kwargs)
    return tuple(cols.shape), dict(kwargs, output_size=shape[-2:])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape,kwargs", UNFOLD, ids=str)
def test_fold_matches_torch(shape, kwargs, dtype):
    cols_shape, fold_kwargs = _fold_case(shape, kwargs)
    out = check(lambda t, c: t.nn.functional.fold(c, **fold_kwargs), [sample(cols_shape, dtype)])
    if shape[0]:
        assert out.grad_fn.name() == "Col2ImBackward0"
    check(lambda t, c: t.nn.Fold(**fold_kwargs)(c), [sample(cols_shape, dtype)])


@pytest.mark.parametrize("shape,kwargs", UNFOLD[1:4], ids=str)
def test_fold_unfold_gradcheck_and_gradgradcheck(shape, kwargs):
    gradcheck_fn(lambda t, x: t.nn.functional.unfold(x, **kwargs), [sample(shape)])
    cols_shape, fold_kwargs = _fold_case(shape, kwargs)
    gradcheck_fn(lambda t, c: t.nn.functional.fold(c, **fold_kwargs), [sample(cols_shape)])
    x = gt.tensor(sample(shape, "float64"), requires_grad=True)
    assert gt.autograd.gradgradcheck(lambda x: gt.nn.functional.unfold(x, **kwargs) ** 2, [x])
    c = gt.tensor(sample(cols_shape, "float64"), requires_grad=True)
    assert gt.autograd.gradgradcheck(lambda c: gt.nn.functional.fold(c, **fold_kwargs) ** 2,
                                     [c])


def test_fold_is_the_adjoint_of_unfold():
    F = gt.nn.functional
    x = gt.randn(2, 3, 7, 6, dtype=gt.float64)
    c = gt.randn(2, 27, 12, dtype=gt.float64)
    lhs = (F.unfold(x, 3, padding=1, stride=2) * c).sum().item()
    rhs = (x * F.fold(c, (7, 6), 3, padding=1, stride=2)).sum().item()
    assert abs(lhs - rhs) < 1e-9 * abs(lhs)


def test_unfold_as_a_convolution():
    """conv2d(x, w) == (w.view(O, -1) @ unfold(x)).view(...): the course's im2col identity."""
    x, w = gt.randn(2, 3, 6, 6), gt.randn(4, 3, 3, 3)
    cols = gt.nn.functional.unfold(x, 3, padding=1)
    y = (w.view(4, -1) @ cols).view(2, 4, 6, 6)
    np.testing.assert_allclose(y.numpy(), gt.nn.functional.conv2d(x, w, padding=1).numpy(),
                               rtol=1e-4, atol=1e-4)


def test_repr_matches_torch():
    import torch
    for args, kwargs in [((3,), dict(padding=1)), (((2, 3),), {}), ((2,), dict(stride=2))]:
        assert repr(gt.nn.Unfold(*args, **kwargs)) == repr(torch.nn.Unfold(*args, **kwargs))
        assert repr(gt.nn.Fold((8, 8), *args, **kwargs)) == \
            repr(torch.nn.Fold((8, 8), *args, **kwargs))


ERRORS = [
    lambda t: t.nn.functional.unfold(t.ones(8, 8), 3),
    lambda t: t.nn.functional.unfold(t.ones(1, 2, 8, 8, 8), 3),
    lambda t: t.nn.functional.unfold(t.ones(2, 3, 8, 8), 9),
    lambda t: t.nn.functional.unfold(t.ones(2, 3, 8, 8), 0),
    lambda t: t.nn.functional.unfold(t.ones(2, 3, 8, 8), 3, stride=0),
    lambda t: t.nn.functional.unfold(t.ones(2, 3, 8, 8), 3, padding=-1),
    lambda t: t.nn.functional.unfold(t.ones(2, 3, 8, 8), 3, dilation=0),
    lambda t: t.nn.functional.unfold(t.ones(2, 3, 8, 8, dtype=t.int64), 3),
    lambda t: t.nn.functional.unfold(t.ones(2, 3, 8, 8), (3, 3, 3)),
    lambda t: t.nn.functional.unfold(t.ones(2, 0, 8, 8), 3),
    lambda t: t.nn.functional.fold(t.ones(2, 27, 36), (9, 8), 3),
    lambda t: t.nn.functional.fold(t.ones(2, 26, 36), (8, 8), 3),
    lambda t: t.nn.functional.fold(t.ones(1, 2, 27, 36), (8, 8), 3),
    lambda t: t.nn.functional.fold(t.ones(27), (8, 8), 3),
    lambda t: t.nn.functional.fold(t.ones(2, 27, 36), (8, 8), 3, stride=0),
    lambda t: t.nn.functional.fold(t.ones(2, 27, 36), (0, 8), 3),
    lambda t: t.nn.functional.fold(t.ones(2, 27, 36, dtype=t.int64), 8, 3),
    lambda t: t.nn.functional.fold(t.ones(2, 27, 1), (2, 2), 3),
    lambda t: t.nn.functional.fold(t.ones(2, 27, 36), (8, 8, 8), 3),
]


@pytest.mark.parametrize("index", range(len(ERRORS)))
def test_errors_match_torch(index):
    check_error(ERRORS[index])
