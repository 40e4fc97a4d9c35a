"""Gradient clipping: rescale (clip_grad_norm_) or clamp (clip_grad_value_) parameters' .grad in
place before the optimizer step.

clip_grad_norm_ = get_total_norm (the p-norm of all gradients viewed as one long vector)
followed by clip_grads_with_norm_ (multiply every gradient by min(max_norm / (total + 1e-6), 1)).
The work is done on the NumPy arrays directly: this runs every training step, and the
gradients are plain leaves outside any graph (PyTorch runs it under no_grad).
"""
import math
import types
import warnings

from ... import _backend
from ..._backend import xp
from ..._tensor import Tensor, _make
from ..._ops.norms import p_norm


def _as_list(tensors):
    return [tensors] if isinstance(tensors, Tensor) else list(tensors)


def _vector_norm(x, p):
    """The p-norm of array `x` flattened, with linalg.vector_norm's meaning of p (p_norm, the
    one vector norm). p = 2 on single or double precision is one BLAS dot product instead:
    no |x|^2 temporary, several times faster on the large gradients of every step."""
    if x.size == 0 and (p == math.inf or p < 0):
        raise RuntimeError(f"linalg.vector_norm cannot compute the {p} norm on an empty tensor "
                           f"because the operation does not have an identity")
    x = x.ravel()
    if p == 2 and x.dtype in (xp.float32, xp.float64):
        return xp.asarray(xp.sqrt(xp.dot(x, x)))
    return p_norm(x, p)


def get_total_norm(tensors, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """The p-norm of `tensors` (a Tensor or an iterable of them) viewed as one vector: the
    norm of the per-tensor norms. A 0-d tensor of the tensors' promoted dtype; tensor(0.) for
    an empty iterable. error_if_nonfinite: raise if the result is nan or inf."""
    tensors = _as_list(tensors)
    norm_type = float(norm_type)
    if not tensors:
        return _make(xp.asarray(0.0, dtype=_backend.get_default_dtype().np))
    with xp.errstate(over="ignore", invalid="ignore"):   # inf/nan grads: a value, no warning
        norms = [_vector_norm(t._data, norm_type) for t in tensors]
        total = _vector_norm(xp.stack(norms), norm_type)   # stack promotes mixed dtypes
    if error_if_nonfinite and not xp.isfinite(total):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from "
                           "`parameters` is non-finite, so it cannot be clipped. To disable "
                           "this error and scale the gradients by the non-finite norm anyway, "
                           "set `error_if_nonfinite=False`")
    return _make(total)


def clip_grads_with_norm_(parameters, max_norm, total_norm, foreach=None):
    """Scale every parameter's .grad in place by min(max_norm / (total_norm + 1e-6), 1): only
    ever shrinks gradients. `total_norm` is a precomputed norm (e.g. from get_total_norm)."""
    grads = [p.grad for p in _as_list(parameters) if p.grad is not None]
    max_norm = float(max_norm)
    if not grads:
        return
    total = total_norm._data if isinstance(total_norm, Tensor) else xp.asarray(total_norm)
    # computed in the norm's dtype (Python floats don't promote it), as PyTorch's tensor math
    with xp.errstate(divide="ignore", invalid="ignore"):   # inf * 0 -> nan, as in PyTorch
        clip_coef = xp.minimum(max_norm / (total + 1e-6), 1.0)
        for g in grads:
            xp.multiply(g._data, clip_coef, out=g._data, casting="unsafe")
            g._bump_version()


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False,
                    foreach=None):
    """Rescale the gradients of `parameters` (a Tensor or an iterable) in place so that their
    total p-norm (all gradients viewed as one vector) is at most about `max_norm`. Parameters
    without a .grad are skipped. Returns the total norm before clipping (a 0-d tensor);
    norm_type may be inf. error_if_nonfinite: raise a RuntimeError on a nan/inf total norm."""
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    else:
        is_generator = isinstance(parameters, types.GeneratorType)
        parameters = list(parameters)
        if is_generator and not parameters:
            warnings.warn("`parameters` is an empty generator, no gradient clipping will occur.",
                          stacklevel=2)
    grads = [p.grad for p in parameters if p.grad is not None]
    total_norm = get_total_norm(grads, norm_type, error_if_nonfinite, foreach)
    clip_grads_with_norm_(parameters, max_norm, total_norm, foreach)
    return total_norm


def clip_grad_norm(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Deprecated name of clip_grad_norm_ (warns, then clips the same way)."""
    warnings.warn("`torch.nn.utils.clip_grad_norm` is now deprecated in favor of "
                  "`torch.nn.utils.clip_grad_norm_`.", FutureWarning, stacklevel=2)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every parameter's .grad in place to [-clip_value, clip_value]. Returns None."""
    clip_value = float(clip_value)
    for p in _as_list(parameters):
        g = p.grad
        if g is not None:
            # maximum then minimum, so with clip_value < 0 every entry becomes clip_value, as
            # PyTorch's clamp_(min=-c, max=c) does when min > max
            xp.minimum(xp.maximum(g._data, -clip_value), clip_value, out=g._data,
                       casting="unsafe")
            g._bump_version()
