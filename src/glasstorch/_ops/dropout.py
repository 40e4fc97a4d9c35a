"""Dropout kernels: dropout, dropout1d/2d/3d (whole channels), alpha_dropout and
feature_alpha_dropout (for SELU networks).

The mask is drawn from the seeded default generator (`_backend.rng_of`); the streams differ
from PyTorch's, the distribution is the same. One Function multiplies by the mask (and adds
alpha dropout's shift); the in-place forms write the result back into the input.
"""
import warnings

from .. import _backend
from .._backend import xp, scalar_name
from ..autograd import grad_mode
from ..autograd.function import Function
from .inplace import check_inplace_allowed, write_into, snapshot
from .linear import _tensors


class Dropout(Function):
    """out = x * mask (+ shift, for alpha dropout); mask holds 0 or 1/(1-p), drawn by the caller
    grad: dx = g * mask            (the very mask used in forward)"""

    differentiable_backward = True
    _node_name = "MulBackward0"   # PyTorch's dropout multiplies by the mask

    @staticmethod
    def forward(ctx, x, mask, shift=None):
        ctx.mask = mask
        if shift is not None:
            ctx._node_name = "AddBackward0"
        out = x * mask
        if shift is not None:
            out += shift
        return out

    @staticmethod
    def backward(ctx, g):
        return g * ctx.mask


def _check_p(p):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _keep(shape, p, np_dtype):
    """A Bernoulli(1 - p) mask of `shape`, as 0/1 in the input's float dtype."""
    rng = _backend.rng_of(None)
    draw_dtype = np_dtype if np_dtype in (xp.float32, xp.float64) else xp.float32
    return (rng.random(shape, dtype=draw_dtype) >= p).astype(np_dtype)


def _check_float(input):
    if input._data.dtype.kind not in "fc":
        raise RuntimeError(f"result type Float can't be cast to the desired output type "
                           f"{scalar_name(input.dtype)}")


def _run_dropout(input, mask, shift, inplace):
    if not inplace:
        return Dropout.apply(input, mask, shift)
    check_inplace_allowed(input)
    src = snapshot(input) if grad_mode.enabled and input._requires_grad else input
    return write_into(input, Dropout.apply(src, mask, shift))


def dropout(input, p=0.5, training=True, inplace=False):
    """Zero each element with probability p and scale the rest by 1/(1-p) (training only;
    otherwise return input itself, as PyTorch does). Shapes: any -> same."""
    _tensors("dropout", input=input)
    _check_p(p)
    if not training or p == 0 or input._data.size == 0:
        return input
    _check_float(input)
    data = input._data
    if p == 1:
        mask = xp.zeros((), dtype=data.dtype)
    else:
        mask = _keep(data.shape, p, data.dtype)
        mask *= 1 / (1 - p)
    return _run_dropout(input, mask, None, inplace)


def _feature_mask_shape(shape, batched):
    """One draw per (sample, channel): (N, C, 1, ...) for batched input, (C, 1, ...) if not."""
    keep = 2 if batched else 1
    return shape[:keep] + (1,) * (len(shape) - keep)


def _feature_dropout(input, p, training, inplace, batched, alpha=False):
    _check_p(p)
    if not training or p == 0 or input._data.size == 0:
        return input
    _check_float(input)
    data = input._data
    if p == 1:
        return _run_dropout(input, xp.zeros((), dtype=data.dtype), None, inplace)
    keep = _keep(_feature_mask_shape(data.shape, batched), p, data.dtype)
    if not alpha:
        keep *= 1 / (1 - p)
        return _run_dropout(input, keep, None, inplace)
    return _run_dropout(input, *_alpha_mask(keep, p), inplace)


def _alpha_mask(keep, p):
    """Alpha dropout keeps SELU's mean and variance: dropped units are set to the negative
    saturation value -alpha' (alpha' = scale * alpha of SELU), then an affine map a*x + b
    restores zero mean and unit variance."""
    alpha = 1.7580993408473766
    a = 1.0 / ((alpha * alpha * p + 1) * (1 - p)) ** 0.5
    shift = (keep - 1) * (alpha * a) + alpha * a * p
    return keep * a, shift.astype(keep.dtype, copy=False)


def dropout1d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels: input (N, C, L) or (C, L); one draw per (sample, channel)."""
    ndim = input._data.ndim
    if ndim not in (2, 3):
        raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a {ndim}D input. "
                           "Note that dropout1d exists to provide channel-wise dropout on inputs "
                           "with 1 spatial dimension, a channel dimension, and an optional batch "
                           "dimension (i.e. 2D or 3D inputs).")
    return _unbatched_dropout(input, p, training, inplace, batched=ndim == 3)


def _unbatched_dropout(input, p, training, inplace, batched):
    """Channel dropout; unbatched input gets a batch dim of 1 and loses it again, as in
    PyTorch (so the result is a new tensor, a squeeze, even when nothing is dropped)."""
    if batched or inplace:
        return _feature_dropout(input, p, training, inplace, batched)
    from .shape import squeeze, unsqueeze
    return squeeze(_feature_dropout(unsqueeze(input, 0), p, training, False, True), 0)


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of (N, C, H, W) input; one draw per (sample, channel).
    As PyTorch, a 3-d input is read as (N, C, L) (with a warning)."""
    ndim = input._data.ndim
    if ndim not in (3, 4):
        warnings.warn(f"dropout2d: Received a {ndim}-D input to dropout2d, which is deprecated "
                      "and will result in an error in a future release. To retain the behavior "
                      "and silence this warning, please use dropout instead. Note that dropout2d "
                      "exists to provide channel-wise dropout on inputs with 2 spatial "
                      "dimensions, a channel dimension, and an optional batch dimension (i.e. 3D "
                      "or 4D inputs).", stacklevel=2)
    if ndim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise "
                      "1D dropout behavior is desired - input is interpreted as shape (N, C, L), "
                      "where C is the channel dim. This behavior will change in a future release "
                      "to interpret the input as one without a batch dimension, i.e. shape (C, H, "
                      "W). To maintain the 1D channel-wise dropout behavior, please switch to "
                      "using dropout1d instead.", stacklevel=2)
    return _feature_dropout(input, p, training, inplace, batched=ndim >= 2)


def dropout3d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of (N, C, D, H, W) or (C, D, H, W) input."""
    ndim = input._data.ndim
    if ndim not in (4, 5):
        warnings.warn(f"dropout3d: Received a {ndim}-D input to dropout3d, which is deprecated "
                      "and will result in an error in a future release. To retain the behavior "
                      "and silence this warning, please use dropout instead. Note that dropout3d "
                      "exists to provide channel-wise dropout on inputs with 3 spatial "
                      "dimensions, a channel dimension, and an optional batch dimension (i.e. 4D "
                      "or 5D inputs).", stacklevel=2)
    return _unbatched_dropout(input, p, training, inplace, batched=ndim == 5)


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Dropout for SELU networks: keeps zero mean and unit variance of the activations."""
    _check_p(p)
    if not training or p == 0 or input._data.size == 0:
        return input
    _check_float(input)
    data = input._data
    if p == 1:
        return _run_dropout(input, xp.zeros((), dtype=data.dtype), None, inplace)
    return _run_dropout(input, *_alpha_mask(_keep(data.shape, p, data.dtype), p), inplace)


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Alpha dropout of whole channels (one draw per sample and channel)."""
    return _feature_dropout(input, p, training, inplace, batched=True, alpha=True)
