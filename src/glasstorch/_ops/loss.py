"""Loss functions: the fused kernels behind `nn.functional`'s losses and the loss layers.

The hot losses are single Functions with a closed-form backward: cross_entropy (log-softmax
and NLL in one node; the backward is `softmax - onehot`), nll_loss, the pointwise regression
losses (mse, l1, smooth_l1, huber), binary_cross_entropy (with and without logits) and kl_div.
The rarer losses at the bottom are short compositions of tensor ops that autograd
differentiates.

Every loss takes `reduction` = 'none' | 'mean' | 'sum'. The reduced forward is one sum; in
backward the upstream gradient of a reduced loss is a 0-d array, which broadcasts against the
per-element derivative directly (scaled by 1/n for 'mean'), so no full-size gradient of ones is
ever built. The legacy `size_average`/`reduce` arguments map to `reduction` as in PyTorch, with
its deprecation warning.
"""
import math
import warnings

from .. import _backend
from .._backend import xp, scalar_name
from .._tensor import Tensor
from ..autograd import grad_mode
from ..autograd.function import Function, Output
from ..autograd.graph import graph_node
from ._util import sum_to_shape, check_broadcast, cast, node_name, check_tensor
from .activation import _minus_max, _sum_along


# ---------------------------------------------------------------------------------------------
# reduction helpers
# ---------------------------------------------------------------------------------------------
_REDUCTIONS = ("none", "mean", "sum")


def legacy_reduction(size_average, reduce):
    """PyTorch's mapping of the deprecated size_average/reduce flags (None counts as True)."""
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    result = "mean" if size_average and reduce else "sum" if reduce else "none"
    warnings.warn(f"size_average and reduce args will be deprecated, please use "
                  f"reduction='{result}' instead.", UserWarning, stacklevel=3)
    return result


def _reduction(size_average, reduce, reduction):
    """The reduction string to use, after the legacy flags and a validity check."""
    if size_average is not None or reduce is not None:
        reduction = legacy_reduction(size_average, reduce)
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def _reduce(loss, reduction, denominator=None):
    """Forward reduction of a per-element loss array: itself, its sum, or its sum divided by
    `denominator` (default: the element count; NaN for an empty loss, as PyTorch)."""
    if reduction == "none":
        return loss
    total = loss.sum()
    if reduction == "sum":
        return xp.asarray(total, dtype=loss.dtype)
    if denominator is None:
        denominator = loss.size
    with xp.errstate(invalid="ignore", divide="ignore"):
        return xp.asarray(total / denominator, dtype=loss.dtype)


def _upstream(g, reduction, n):
    """The upstream gradient as a factor for each element's derivative: g itself ('none'),
    the 0-d g ('sum'), or g / n ('mean'); it broadcasts against the per-element derivative."""
    if reduction == "mean":
        # nothing counted (every target ignored): the loss is NaN but, as in PyTorch, the
        # gradient is 0 rather than NaN
        return g / n if n else g * 0
    return g


def _same_size_warning(input, target):
    if input.shape != target.shape:
        warnings.warn(f"Using a target size ({target.shape}) that is different to the input "
                      f"size ({input.shape}). This will likely lead to incorrect results due "
                      f"to broadcasting. Please ensure they have the same size.", UserWarning,
                      stacklevel=4)     # points at the caller of mse_loss & co.


def _no_grad_allowed(function, name, tensor):
    """PyTorch's kernels have no gradient for class weights; it refuses them up front."""
    if tensor is not None and tensor._requires_grad and grad_mode.enabled:
        raise RuntimeError(f"The function '{function}' is not differentiable with respect to "
                           f"argument '{name}'. This input cannot have requires_grad True.")


# ---------------------------------------------------------------------------------------------
# pointwise regression losses: loss = f(x - y) per element, then the reduction
# ---------------------------------------------------------------------------------------------
class _PointwiseLoss(Function):
    """Shared forward/backward of the losses that are a function of d = x - y. Subclasses give
    `loss(d, param)` and its derivative `slope(d, param)`; dx = slope * g, dy = -dx (each
    summed back to its own shape when x and y were broadcast)."""

    @staticmethod
    def forward(ctx, x, y, reduction, param):
        d = x - y
        ctx.save_for_backward(d)
        ctx.shapes = (x.shape, y.shape)
        ctx.reduction, ctx.param = reduction, param
        return _reduce(type(ctx).loss(d, param), reduction)

    @staticmethod
    def backward(ctx, g):
        (d,) = ctx.saved_tensors
        need_x, need_y = ctx.needs_input_grad[:2]
        gd = type(ctx).slope(d, ctx.param) * _upstream(g, ctx.reduction, d.size)
        x_shape, y_shape = ctx.shapes
        gx = sum_to_shape(gd, x_shape) if need_x else None
        gy = sum_to_shape(-gd, y_shape) if need_y else None
        return gx, gy


class MseLoss(_PointwiseLoss):
    """out = (x - y)^2
    grad: dx = 2 (x - y) g,  dy = -dx"""

    @staticmethod
    def loss(d, param):
        return d * d

    @staticmethod
    def slope(d, param):
        return 2 * d


class L1Loss(_PointwiseLoss):
    """out = |x - y|
    grad: dx = sign(x - y) g (0 where x == y),  dy = -dx"""

    @staticmethod
    def loss(d, param):
        return xp.abs(d)

    @staticmethod
    def slope(d, param):
        return xp.sign(d)


class SmoothL1Loss(_PointwiseLoss):
    """out = 0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta      (d = x - y)
    grad: dx = d / beta inside, sign(d) outside;  dy = -dx"""

    @staticmethod
    def loss(d, beta):
        a = xp.abs(d)
        return xp.where(a < beta, (0.5 / beta) * d * d, a - 0.5 * beta).astype(d.dtype,
                                                                             copy=False)

    @staticmethod
    def slope(d, beta):
        return xp.where(xp.abs(d) < beta, d / beta, xp.sign(d)).astype(d.dtype, copy=False)


class HuberLoss(_PointwiseLoss):
    """out = 0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta)      (d = x - y)
    grad: dx = d inside (|d| <= delta), delta sign(d) outside;  dy = -dx"""

    @staticmethod
    def loss(d, delta):
        a = xp.abs(d)
        return xp.where(a < delta, 0.5 * d * d, delta * (a - 0.5 * delta)).astype(d.dtype,
                                                                                  copy=False)

    @staticmethod
    def slope(d, delta):
        return xp.clip(d, -delta, delta).astype(d.dtype, copy=False)


def _regression_pair(input, target, fname, kernel, keep_input_dtype=False):
    """input and target cast to their common float dtype (huber casts to input's dtype), with
    PyTorch's size warning and broadcast check."""
    check_tensor(fname, input, "input", 1)
    check_tensor(fname, target, "target", 2)
    _same_size_warning(input, target)
    if input._data.shape != target._data.shape:
        check_broadcast(input._data.shape, target._data.shape)
    if keep_input_dtype and input.dtype.is_floating_point:
        dtype = input.dtype
    else:
        dtype = _backend.result_type(input, target)
    if not dtype.is_floating_point:
        if kernel is None:
            raise RuntimeError(f"mean(): could not infer output dtype. Input dtype must be "
                               f"either a floating point or complex dtype. Got: "
                               f"{scalar_name(dtype)}")
        raise NotImplementedError(f'"{kernel}" not implemented for \'{scalar_name(dtype)}\'')
    return cast(input, dtype), cast(target, dtype)


def _weighted(loss, weight, input, reduction, mean_by_weight=True):
    """PyTorch's optional elementwise weight for mse/l1/huber: loss * weight, the mean divided
    by sum(weight) (huber: by the element count)."""
    if weight.shape != input.shape:
        raise ValueError("Weights and input must have the same size.")
    loss = loss * weight
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    return loss.sum() / weight.sum() if mean_by_weight else loss.mean()


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """mean/sum/none of (input - target)^2; shapes broadcast (with PyTorch's warning).
    One fused node."""
    reduction = _reduction(size_average, reduce, reduction)
    x, y = _regression_pair(input, target, "mse_loss", "mse_cpu")
    if weight is not None:
        return _weighted(MseLoss.apply(x, y, "none", None), weight, input, reduction)
    return MseLoss.apply(x, y, reduction, None)


_L1_NODES = {"mean": "MeanBackward0", "sum": "SumBackward0", "none": "AbsBackward0"}


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """mean/sum/none of |input - target|; shapes broadcast (with PyTorch's warning)."""
    reduction = _reduction(size_average, reduce, reduction)
    x, y = _regression_pair(input, target, "l1_loss", None if reduction == "mean" else
                            "abs_cpu")
    if weight is not None:
        return _weighted(L1Loss.apply(x, y, "none", None), weight, input, reduction)
    # PyTorch's l1_loss is composite: |d|, then its mean or sum
    return node_name(L1Loss.apply(x, y, reduction, None), _L1_NODES[reduction])


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """0.5 d^2 / beta for |d| < beta, else |d| - 0.5 beta (d = input - target); beta = 0 is
    the L1 loss."""
    reduction = _reduction(size_average, reduce, reduction)
    x, y = _regression_pair(input, target, "smooth_l1_loss", "smooth_l1_cpu")
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    if beta == 0.0:
        return L1Loss.apply(x, y, reduction, None)
    return SmoothL1Loss.apply(x, y, reduction, beta)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """0.5 d^2 for |d| < delta, else delta (|d| - 0.5 delta) (d = input - target). The result
    keeps input's dtype, as PyTorch's kernel does."""
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    x, y = _regression_pair(input, target, "huber_loss", "huber_cpu", keep_input_dtype=True)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    if weight is not None:
        return _weighted(HuberLoss.apply(x, y, "none", delta), weight, input, reduction,
                         mean_by_weight=False)
    return HuberLoss.apply(x, y, reduction, delta)


# ---------------------------------------------------------------------------------------------
# cross entropy and NLL: class dim 1 of (N, C, d1, ..., dk); 1-d (C,) input is unbatched
# ---------------------------------------------------------------------------------------------
def _per_position(a):
    """(N, d...) -> (N, 1, d...): a per-position array lined up with the class dim 1 (a reshape:
    NumPy's expand_dims costs more than the arithmetic on a small batch)."""
    return a.reshape(a.shape[:1] + (1,) + a.shape[1:])


def _target_positions(t, shape):
    """Flat (C-order) positions of x[n, t[n, d...], d...] in an x of `shape` (N, C, d...), in
    the shape (N, 1, d...). Indexing the flat array with them gathers or scatters one value per
    position, with no per-row overhead (take_along_axis builds index grids in Python)."""
    n, classes, inner = shape[0], shape[1], math.prod(shape[2:])
    row_starts = xp.arange(0, n * classes * inner, classes * inner)
    if inner == 1:            # (N, C) logits, or trailing dims all 1: n * C + t[n, 0...]
        return _per_position(row_starts.reshape(t.shape[:1] + (1,) * (t.ndim - 1)) + t)
    starts = row_starts[:, None] + xp.arange(inner)      # n * C * inner + d
    return _per_position(starts.reshape(t.shape) + t * inner)


def _class_shape(ndim):
    """(1, C, 1, ...): how a per-class weight lines up with dim 1 of the input."""
    return (1, -1) + (1,) * (ndim - 2)


class CrossEntropy(Function):
    """out_i = -(1 - ls) w[t_i] logp[i, t_i] - (ls / C) sum_c w_c logp[i, c],  logp =
    log_softmax(x) over dim 1 (max shifted); ignored targets add 0; mean divides by sum w[t_i]
    grad: dx_ic = k_i (a_i softmax_ic - (1 - ls) w[t_i] [c == t_i] - (ls / C) w_c),  k_i the
    upstream factor, a_i = (1 - ls) w[t_i] + (ls / C) sum(w)   (ls = 0, no weight: softmax - onehot)"""

    _node_name = "NllLossBackward0"

    @staticmethod
    def forward(ctx, x, t, weight, reduction, ignore_index, label_smoothing):
        classes = x.shape[1]
        valid = _per_position(t != ignore_index)
        if not valid.all():
            t = xp.where(t != ignore_index, t, 0)         # ignored targets may be out of range
        positions = _target_positions(t, x.shape)
        # the weight of each position's target (0 where ignored)
        wt = valid.astype(x.dtype) if weight is None else weight[t].reshape(valid.shape) * valid
        # logp = z - log(sumexp) with z = x - max; every use of z comes before exp overwrites it
        z = _minus_max(x, 1)
        picked = xp.take(z, positions)                    # z at the targets
        if label_smoothing > 0:
            zw = z if weight is None else z * weight.reshape(_class_shape(x.ndim))
            smooth = _sum_along(zw, 1)                    # sum_c w_c z_c
        exp = xp.exp(z, out=z)
        sumexp = _sum_along(exp, 1)
        logsumexp = xp.log(sumexp)
        loss = (logsumexp - picked) * wt                  # -w[t] logp[t]
        if label_smoothing > 0:
            total_w = classes if weight is None else weight.sum()
            smooth -= logsumexp * total_w                 # sum_c w_c logp_c
            loss *= 1 - label_smoothing
            loss -= (label_smoothing / classes) * xp.where(valid, smooth, 0)
        # softmax = exp / sumexp: the division is left to backward, where it folds into the
        # per-position factor (one full-size pass fewer)
        ctx.save_for_backward(exp, sumexp, positions, wt, weight)
        ctx.options = (reduction, label_smoothing, valid)
        denominator = wt.sum()
        ctx.denominator = denominator
        return _reduce(xp.squeeze(loss, 1), reduction, denominator)

    @staticmethod
    def backward(ctx, g):
        exp, sumexp, positions, wt, weight = ctx.saved_tensors
        reduction, ls, valid = ctx.options
        k = _upstream(g, reduction, ctx.denominator)
        if reduction == "none":
            k = _per_position(k)
        k = k * valid                               # ignored positions get no gradient
        classes = exp.shape[1]
        if ls > 0:
            total_w = classes if weight is None else weight.sum()
            a = wt * (1 - ls) + (ls / classes) * total_w
            gx = exp * (k * a / sumexp)             # softmax * k * a
            w_c = 1 if weight is None else weight.reshape(_class_shape(exp.ndim))
            gx -= k * ((ls / classes) * w_c)
        else:
            gx = exp * (k * wt / sumexp)
        # one target per position, so no flat position repeats and -= is a plain scatter
        gx.reshape(-1)[positions] -= (1 - ls) * k * wt
        return gx, None, None

    def _graph_edges(self):
        """As PyTorch's graph shows it: NllLossBackward0 over a LogSoftmaxBackward0 (label
        smoothing adds nodes that are not shown)."""
        if self.options[1] > 0:
            return self.next
        return (graph_node("LogSoftmaxBackward0", self.next[0]),)


def _floating_logits(input):
    if input._data.dtype.kind != "f":
        raise NotImplementedError(f'"log_softmax_lastdim_kernel_impl" not implemented for '
                                  f"'{scalar_name(input.dtype)}'")


def _cross_entropy_probabilities(input, target, weight, ignore_index, reduction, ls):
    if target._data.dtype.kind != "f":
        raise RuntimeError(f"Expected floating point type for target with class "
                           f"probabilities, got {scalar_name(target.dtype)}")
    if ignore_index >= 0:
        raise RuntimeError("ignore_index is not supported for floating point target")
    if ls > 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {ls}")
    ls = max(float(ls), 0.0)       # as PyTorch: a negative value means no smoothing
    if input._data.ndim == 0:
        raise IndexError("Dimension specified as 1 but tensor has no dimensions")
    _floating_logits(input)
    classes = input.shape[1] if input.dim() >= 2 else input.shape[0]
    if weight is not None and (weight._data.ndim != 1 or weight._data.size != classes):
        raise RuntimeError(f"cross_entropy: weight tensor should be defined either for all "
                           f"{classes} classes or no classes but got weight tensor of shape: "
                           f"{list(weight._data.shape)}")
    dtype = _backend.result_type(input, target)
    if weight is not None:
        dtype = _backend.promote_types(dtype, weight.dtype)
        weight = cast(weight, dtype)
    x, y = cast(input, dtype), cast(target, dtype)
    if input._data.ndim == 1:
        out = CrossEntropyProb.apply(x.unsqueeze(0), y.unsqueeze(0), weight, reduction, ls)
        return node_name(out.reshape(()), "NegBackward0") if reduction == "none" else out
    return CrossEntropyProb.apply(x, y, weight, reduction, ls)


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100,
                  reduce=None, reduction="mean", label_smoothing=0.0):
    """Cross entropy between the softmax of `input` (over the class dim) and `target`:
    class indices (like log_softmax then nll_loss, with ignore_index, weight and
    label_smoothing), or class probabilities of input's shape. One fused node: log-sum-exp
    shifted by the max; the backward is softmax - onehot.

    Shapes: input (N, C), (N, C, d1, ..., dk) or unbatched (C,); target (N,) / (N, d1, ...,
    dk) / () indices, or the same shape as input for probabilities."""
    reduction = _reduction(size_average, reduce, reduction)
    check_tensor("cross_entropy_loss", input, "input", 1)
    check_tensor("cross_entropy_loss", target, "target", 2)
    if input._data.shape == target._data.shape:
        return _cross_entropy_probabilities(input, target, weight, ignore_index, reduction,
                                            label_smoothing)
    if label_smoothing > 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: "
                           f"{label_smoothing}")
    _floating_logits(input)
    _check_class_targets(input, target, weight, ignore_index, "cross_entropy")
    if input._data.ndim == 1:
        out = cross_entropy(*_batched(input, target), weight, None, ignore_index, None,
                            reduction, label_smoothing)
        if reduction != "none":
            return out
        return node_name(out.reshape(()), _nll_node(1, reduction, label_smoothing))
    t = target._data.astype(xp.int64, copy=False)
    # PyTorch applies smoothing only for label_smoothing > 0 (a negative value is ignored)
    out = CrossEntropy.apply(input, t, weight, reduction, ignore_index,
                             max(float(label_smoothing), 0.0))
    return node_name(out, _nll_node(input._data.ndim, reduction, label_smoothing))


class CrossEntropyProb(Function):
    """out_i = -sum_c w_c q_ic logp_ic,  q = (1 - ls) y + ls / C  (class probabilities y),
    logp = log_softmax(x) over dim 1; mean divides by the number of positions (N d1 ... dk)
    grad: dx = k (softmax * sum_c(w_c q_ic) - w q),  dy = -k (1 - ls) w logp"""

    _node_name = "DivBackward1"

    @staticmethod
    def forward(ctx, x, y, weight, reduction, label_smoothing):
        if reduction != "mean":
            ctx._node_name = "NegBackward0"   # PyTorch: -(logp * q).sum(dim), maybe summed
        classes = x.shape[1]
        shifted = x - x.max(axis=1, keepdims=True) if x.size else x.copy()
        logp = shifted
        logp -= xp.log(xp.exp(shifted).sum(axis=1, keepdims=True))
        q = y if label_smoothing == 0 else y * (1 - label_smoothing) + label_smoothing / classes
        wq = q if weight is None else q * weight.reshape(_class_shape(x.ndim))
        loss = -(logp * wq).sum(axis=1)
        ctx.save_for_backward(logp, wq, weight)
        n = x.size // classes if classes else 0
        ctx.options = (reduction, label_smoothing, n)
        return _reduce(loss, reduction, n)

    @staticmethod
    def backward(ctx, g):
        logp, wq, weight = ctx.saved_tensors
        reduction, ls, n = ctx.options
        need_x, need_y = ctx.needs_input_grad[:2]
        k = _upstream(g, reduction, n)
        if reduction == "none":
            k = _per_position(k)
        gx = gy = None
        if need_x:
            gx = xp.exp(logp) * wq.sum(axis=1, keepdims=True)
            gx -= wq
            gx *= k
        if need_y:
            gy = logp * (k * (ls - 1))
            if weight is not None:
                gy *= weight.reshape(_class_shape(logp.ndim))
        return gx, gy, None


class NllLoss(Function):
    """out_i = -w[t_i] x[i, t_i]   (x holds log-probabilities; ignored targets add 0);
    mean divides by sum w[t_i]
    grad: dx[i, t_i] = -k_i w[t_i], 0 elsewhere   (k_i the upstream factor)"""

    @staticmethod
    def forward(ctx, x, t, weight, reduction, ignore_index):
        valid = _per_position(t != ignore_index)
        if not valid.all():
            t = xp.where(t != ignore_index, t, 0)         # ignored targets may be out of range
        positions = _target_positions(t, x.shape)
        wt = valid.astype(x.dtype) if weight is None else weight[t].reshape(valid.shape) * valid
        loss = xp.take(x, positions) * -wt
        denominator = wt.sum()
        ctx.save_for_backward(positions, wt)
        ctx.options = (reduction, denominator, x.shape, x.dtype)
        return _reduce(xp.squeeze(loss, 1), reduction, denominator)

    @staticmethod
    def backward(ctx, g):
        positions, wt = ctx.saved_tensors
        reduction, denominator, shape, dtype = ctx.options
        k = _upstream(g, reduction, denominator)
        if reduction == "none":
            k = _per_position(k)
        gx = xp.zeros(shape, dtype)
        gx.reshape(-1)[positions] = -k * wt
        return gx, None, None


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    """-input[n, target[n]] (times weight[target[n]]) per position, reduced; the mean divides
    by the summed weights of the non-ignored targets. One fused node.

    Shapes: input (N, C) or (N, C, d1, ..., dk) log-probabilities, or unbatched (C,);
    target (N,) / (N, d1, ..., dk) / () class indices (int64 or uint8)."""
    reduction = _reduction(size_average, reduce, reduction)
    check_tensor("nll_loss", input, "input", 1)
    check_tensor("nll_loss", target, "target", 2)
    _check_class_targets(input, target, weight, ignore_index, "nll_loss")
    if input._data.ndim == 1:
        out = nll_loss(*_batched(input, target), weight, None, ignore_index, None, reduction)
        return node_name(out.reshape(()), _nll_node(1, reduction)) if reduction == "none" \
            else out
    t = target._data.astype(xp.int64, copy=False)
    out = NllLoss.apply(input, t, weight, reduction, ignore_index)
    return node_name(out, _nll_node(input._data.ndim, reduction))


def _check_class_targets(input, target, weight, ignore_index, fname):
    """PyTorch's checks on class-index targets for NLL/cross entropy, in its order; returns
    the classes count."""
    x, t = input._data, target._data
    if x.ndim < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {x.ndim})")
    if x.ndim <= 2 and t.ndim > 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if t.dtype != xp.int64 and t.dtype != xp.uint8:
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got "
                           f"{scalar_name(target.dtype)}")
    if x.ndim == 1:
        if t.ndim == 1 and t.shape[0] != 1:
            raise ValueError(f"For 1D input, 1D target must have size 1, but got target size: "
                             f"{t.shape[0]}")
    else:
        batch = t.shape[0] if t.ndim else 0
        if x.shape[0] != batch:
            raise ValueError(f"Expected input batch_size ({x.shape[0]}) to match target "
                             f"batch_size ({batch}).")
        if x.ndim >= 3 and t.shape != x.shape[:1] + x.shape[2:]:
            raise RuntimeError(f"Expected target size {list(x.shape[:1] + x.shape[2:])}, got "
                               f"{list(t.shape)}")
    classes = x.shape[1] if x.ndim >= 2 else x.shape[0]
    if weight is not None:
        if weight._data.ndim != 1 or weight._data.size != classes:
            raise RuntimeError(f"weight tensor should be defined either for all {classes} "
                               f"classes or no classes but got weight tensor of shape: "
                               f"{list(weight._data.shape)}")
        if weight._data.dtype != x.dtype:
            raise RuntimeError(f"expected scalar type {scalar_name(input.dtype)} but found "
                               f"{scalar_name(weight.dtype)}")
        _no_grad_allowed("nll_loss_forward", "weight", weight)
    if t.size and (t.min() < 0 or t.max() >= classes):    # two reductions on the common path
        bad = (t != ignore_index) & ((t < 0) | (t >= classes))
        if bad.any():
            raise IndexError(f"Target {int(t[bad].flat[0])} is out of bounds.")
    return classes


def _batched(input, target):
    """Unbatched (C,) input with a 0-d or 1-element target as a batch of one:
    (1, C) input, (1,) target."""
    return input.unsqueeze(0), target.reshape(1)


def _nll_node(ndim, reduction, label_smoothing=0.0):
    """PyTorch's name for the last node of nll_loss / cross_entropy with class targets: (N, C)
    runs nll_loss, (N, C, H, W) nll_loss2d, other shapes are viewed as 4-d for nll_loss2d
    (and per-position losses viewed back); label smoothing adds a second term last."""
    if label_smoothing > 0:
        return "AddBackward0"
    if ndim <= 2:
        return "NllLossBackward0"
    return "ViewBackward0" if reduction == "none" and ndim != 4 else "NllLoss2DBackward0"


# ---------------------------------------------------------------------------------------------
# binary cross entropy, on probabilities and on logits
# ---------------------------------------------------------------------------------------------
class BinaryCrossEntropy(Function):
    """out = -w (y log(x) + (1 - y) log(1 - x)), each log clamped at -100 (as PyTorch)
    grad: dx = k w (x - y) / max(x (1 - x), 1e-12),  dy = k w (log(1 - x) - log(x)) (clamped)"""

    @staticmethod
    def forward(ctx, x, y, weight, reduction):
        log_x, log_1mx = _clamped_logs(x)
        loss = y * (log_x - log_1mx)      # = y log x + (1 - y) log(1 - x), one product
        loss += log_1mx
        loss *= -1 if weight is None else -weight
        ctx.save_for_backward(x, y, weight)
        ctx.reduction = reduction
        return _reduce(loss, reduction)

    @staticmethod
    def backward(ctx, g):
        x, y, weight = ctx.saved_tensors
        need_x, need_y = ctx.needs_input_grad[:2]
        k = _upstream(g, ctx.reduction, x.size)
        if weight is not None:
            k = k * weight
        gx = gy = None
        if need_x:
            # PyTorch's kernel bounds the denominator below by 1e-12 (x at 0 or 1)
            gx = (x - y) / xp.maximum(x * (1 - x), 1e-12).astype(x.dtype, copy=False) * k
        if need_y:
            log_x, log_1mx = _clamped_logs(x)
            gy = (log_1mx - log_x) * k
        return gx, gy, None


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction="mean"):
    """-(target log(input) + (1 - target) log(1 - input)), each log clamped at -100, times
    weight (broadcast to target's shape); input and target in [0, 1], same shape and dtype."""
    reduction = _reduction(size_average, reduce, reduction)
    check_tensor("binary_cross_entropy", input, "input", 1)
    check_tensor("binary_cross_entropy", target, "target", 2)
    if target.shape != input.shape:
        raise ValueError(f"Using a target size ({target.shape}) that is different to the input "
                         f"size ({input.shape}) is deprecated. Please ensure they have the "
                         f"same size.")
    x, y = input._data, target._data
    if x.dtype.kind != "f":
        raise NotImplementedError(f'"binary_cross_entropy" not implemented for '
                                  f"'{scalar_name(input.dtype)}'")
    if y.dtype != x.dtype:
        raise RuntimeError(f"Found dtype {scalar_name(target.dtype)} but expected "
                           f"{scalar_name(input.dtype)}")
    w = None
    if weight is not None:
        _no_grad_allowed("binary_cross_entropy", "weight", weight)
        try:
            shape = xp.broadcast_shapes(y.shape, weight._data.shape)
        except ValueError:
            shape = None
        if shape != y.shape:
            raise RuntimeError(f"Attempting to broadcast a dimension of length "
                               f"{weight._data.shape[-1] if weight._data.ndim else 1} at -1! "
                               f"Mismatching argument at index 1 had {weight.shape}; but "
                               f"expected shape should be broadcastable to {list(y.shape)}")
        w = weight._data.astype(x.dtype, copy=False)
    if not ((x >= 0) & (x <= 1)).all():
        raise RuntimeError("all elements of input should be between 0 and 1")
    if not ((y >= 0) & (y <= 1)).all():
        raise RuntimeError("all elements of target should be between 0 and 1")
    return BinaryCrossEntropy.apply(input, target, w, reduction)


def _clamped_logs(x):
    """(log(x), log(1 - x)), each clamped at -100 so x = 0 or 1 gives a finite loss."""
    with xp.errstate(divide="ignore"):
        return xp.maximum(xp.log(x), -100), xp.maximum(xp.log(1 - x), -100)


class BinaryCrossEntropyWithLogits(Function):
    """out = w ((1 - y) x + l softplus(-x)),  l = 1 + (pos_weight - 1) y,
    softplus(-x) = log(1 + exp(-|x|)) + max(-x, 0)   (stable for large |x|)
    grad: dx = k w (l sigmoid(x) - pos_weight y),  dy = k w ((pos_weight - 1) softplus(-x) - x)"""

    @staticmethod
    def forward(ctx, x, y, weight, pos_weight, reduction):
        softplus_neg = xp.log1p(xp.exp(-xp.abs(x)))
        softplus_neg += xp.maximum(-x, 0)
        loss = (1 - y) * x
        if pos_weight is None:
            loss += softplus_neg
        else:
            loss += (1 + (pos_weight - 1) * y) * softplus_neg
        if weight is not None:
            loss *= weight
        ctx.save_for_backward(x, y, weight, pos_weight)
        ctx.reduction = reduction
        return _reduce(loss.astype(x.dtype, copy=False), reduction)

    @staticmethod
    def backward(ctx, g):
        x, y, weight, pos_weight = ctx.saved_tensors
        need_x, need_y = ctx.needs_input_grad[:2]
        k = _upstream(g, ctx.reduction, x.size)
        if weight is not None:
            k = k * weight
        gx = gy = None
        if need_x:
            # sigmoid from exp(-|x|), so no overflow for large |x|
            e = xp.exp(-xp.abs(x))
            s = xp.where(x >= 0, 1 / (1 + e), e / (1 + e))
            if pos_weight is None:
                gx = (s - y) * k
            else:
                gx = ((1 + (pos_weight - 1) * y) * s - pos_weight * y) * k
            gx = gx.astype(x.dtype, copy=False)
        if need_y:
            if pos_weight is None:
                gy = -x * k
            else:
                softplus_neg = xp.log1p(xp.exp(-xp.abs(x))) + xp.maximum(-x, 0)
                gy = ((pos_weight - 1) * softplus_neg - x) * k
            gy = gy.astype(y.dtype, copy=False)
        return gx, gy, None, None


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None,
                                     reduce=None, reduction="mean", pos_weight=None):
    """BCE on sigmoid(input), computed stably from the logits: (1 - y) x + l softplus(-x),
    l = 1 + (pos_weight - 1) y; times weight. pos_weight (C,) weighs positives per class
    (broadcast along the last dim). One fused node."""
    reduction = _reduction(size_average, reduce, reduction)
    check_tensor("binary_cross_entropy_with_logits", input, "input", 1)
    check_tensor("binary_cross_entropy_with_logits", target, "target", 2)
    if target.shape != input.shape:
        raise ValueError(f"Target size ({target.shape}) must be the same as input size "
                         f"({input.shape})")
    if input._data.dtype.kind != "f":
        raise NotImplementedError(f'"log_sigmoid_cpu" not implemented for '
                                  f"'{scalar_name(input.dtype)}'")
    dtype = _backend.result_type(input, target)
    if target._data.dtype.kind != "f":
        raise RuntimeError(f"result type {scalar_name(dtype)} can't be cast to the desired output "
                           f"type {scalar_name(target.dtype)}")
    extras = []
    for name, t in (("weight", weight), ("pos_weight", pos_weight)):
        if t is None:
            extras.append(None)
            continue
        _no_grad_allowed("binary_cross_entropy_with_logits", name, t)
        if t._data.shape != input._data.shape:
            check_broadcast(input._data.shape, t._data.shape)
        extras.append(t._data.astype(dtype.np, copy=False))
    return BinaryCrossEntropyWithLogits.apply(cast(input, dtype), cast(target, dtype),
                                              extras[0], extras[1], reduction)


# ---------------------------------------------------------------------------------------------
# KL divergence
# ---------------------------------------------------------------------------------------------
class KlDiv(Function):
    """out = y (log y - x)  (0 where y = 0),  or with log_target: exp(y) (y - x)
    grad: dx = -k y  (-k exp(y));  dy = k (log y + 1 - x) (NaN where y = 0, as PyTorch)
    (log_target: k exp(y) (y - x + 1))"""

    @staticmethod
    def forward(ctx, x, y, reduction, log_target):
        if log_target:
            loss = xp.exp(y) * (y - x)
        else:
            with xp.errstate(divide="ignore", invalid="ignore"):
                loss = xp.where(y > 0, y * xp.log(y), xp.where(y == 0, 0, xp.nan)) - y * x
            loss = loss.astype(xp.result_type(x, y), copy=False)
        ctx.save_for_backward(x, y)
        ctx.options = (reduction, log_target, loss.size)
        return _reduce(loss, "sum" if reduction == "batchmean" else reduction)

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        reduction, log_target, n = ctx.options
        need_x, need_y = ctx.needs_input_grad[:2]
        k = g if reduction != "mean" else g / n
        full = xp.broadcast_shapes(x.shape, y.shape)
        gx = gy = None
        if log_target:
            ey = xp.exp(y)
            if need_x:
                gx = -ey * k
            if need_y:
                gy = ey * (y - x + 1) * k
        else:
            if need_x:
                gx = -y * k
            if need_y:
                with xp.errstate(divide="ignore", invalid="ignore"):
                    # NaN where y == 0, as PyTorch's xlogy(y, y) gives (0 * log 0)
                    gy = (xp.where(y > 0, xp.log(y) + 1 - x, xp.nan) * k).astype(y.dtype,
                                                                                copy=False)
        # each gradient over the broadcast shape, summed back to its input's shape
        if gx is not None:
            gx = sum_to_shape(xp.broadcast_to(gx, full), x.shape)
        if gy is not None:
            gy = sum_to_shape(xp.broadcast_to(gy, full), y.shape)
        return gx, gy


_KL_NODES = {"mean": "MeanBackward0", "sum": "SumBackward0", "batchmean": "SumBackward0"}


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """KL(target || exp(input)) pointwise: target (log target - input), input holding
    log-probabilities (target too if log_target). reduction 'batchmean' divides the sum by the
    batch size (the KL divergence's definition); 'mean' divides by the element count, with
    PyTorch's warning."""
    if size_average is not None or reduce is not None:
        reduction = legacy_reduction(size_average, reduce)
    else:
        if reduction == "mean":
            warnings.warn("reduction: 'mean' divides the total loss by both the batch size and "
                          "the support size.'batchmean' divides only by the batch size, and "
                          "aligns with the KL div math definition.'mean' will be changed to "
                          "behave the same as 'batchmean' in the next major release.",
                          UserWarning, stacklevel=2)
        if reduction not in _REDUCTIONS + ("batchmean",):
            raise ValueError(f"{reduction} is not a valid value for reduction")
    check_tensor("kl_div", input, "input", 1)
    check_tensor("kl_div", target, "target", 2)
    if input._data.dtype.kind != "f" or target._data.dtype.kind != "f":
        raise RuntimeError("kl_div: Integral inputs not supported.")
    if input._data.shape != target._data.shape:
        check_broadcast(input._data.shape, target._data.shape)
    dtype = _backend.result_type(input, target)
    out = KlDiv.apply(cast(input, dtype), cast(target, dtype), reduction, log_target)
    if reduction == "batchmean" and input.dim() != 0:
        return out / input.shape[0]
    # PyTorch's kl_div is composite: its last op is the reduction, or the pointwise formula's
    return node_name(out, _KL_NODES.get(reduction) or
                     ("MulBackward0" if log_target else "SubBackward0"))


# ---------------------------------------------------------------------------------------------
# the rarer losses: short compositions of tensor ops (autograd differentiates them)
# ---------------------------------------------------------------------------------------------
def _reduce_tensor(loss, reduction):
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.mean()


def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-08,
                     reduce=None, reduction="mean"):
    """Negative log-likelihood of target ~ Poisson(rate): exp(input) - target * input when
    input is the log-rate (log_input), else input - target * log(input + eps); full adds
    Stirling's approximation of log(target!) where target > 1."""
    reduction = _reduction(size_average, reduce, reduction)
    if log_input:
        loss = input.exp() - target * input
    else:
        loss = input - target * (input + eps).log()
    if full:
        stirling = target * target.log() - target + 0.5 * (2 * math.pi * target).log()
        loss = loss + stirling.masked_fill(target <= 1, 0)
    return _reduce_tensor(loss, reduction)


def gaussian_nll_loss(input, target, var, full=False, eps=1e-06, reduction="mean"):
    """0.5 (log(var) + (input - target)^2 / var) (+ 0.5 log(2 pi) if full), var clamped below
    by eps (without gradient through the clamp, as PyTorch). var may have one dim fewer than
    input, or a 1 in one dim (the same variance for that dim)."""
    from .creation import ones_like
    if isinstance(var, (int, float)):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = var * ones_like(input)
    elif (var < 0).any():
        raise ValueError("var has negative entry/entries")
    if var.shape != input.shape:
        if input.shape[:-1] == var.shape:
            var = var.unsqueeze(-1)
        elif not (input.dim() == var.dim() and
                  sum(v for i, v in zip(input.shape, var.shape) if i != v) == 1):
            raise ValueError("var is of incorrect size")
    if reduction not in _REDUCTIONS:
        raise ValueError(reduction + " is not valid")
    var = var.clone()
    with grad_mode.no_grad():
        var.clamp_(min=eps)
    loss = 0.5 * (var.log() + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce_tensor(loss, reduction)


def margin_ranking_loss(input1, input2, target, margin=0.0, size_average=None, reduce=None,
                        reduction="mean"):
    """max(0, -target * (input1 - input2) + margin): target 1 wants input1 ranked higher."""
    reduction = _reduction(size_average, reduce, reduction)
    if input1.dim() != input2.dim() or input1.dim() != target.dim():
        raise RuntimeError(f"margin_ranking_loss : All input tensors should have same dimension "
                           f"but got sizes: input1: {input1.shape}, input2: {input2.shape}, "
                           f"target: {target.shape} ")
    return _reduce_tensor((-target * (input1 - input2) + margin).clamp_min(0), reduction)


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None,
                         reduction="mean"):
    """input where target == 1, max(0, margin - input) where target == -1 (targets are +-1)."""
    reduction = _reduction(size_average, reduce, reduction)
    margin_part = (margin - input).clamp_min(0).masked_fill(target == 1, 0)
    self_part = input.masked_fill(target == -1, 0)
    return _reduce_tensor(margin_part + self_part, reduction)


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """log(1 + exp(-target * input)): the two-class logistic loss with targets +-1."""
    from .activation import softplus
    reduction = _reduction(size_average, reduce, reduction)
    # a composition here, one fused kernel in PyTorch: its node's name
    return node_name(_reduce_tensor(softplus(-target * input), reduction),
                     "SoftMarginLossBackward0")


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None,
                                reduction="mean"):
    """Mean over classes of the binary logistic loss per class (targets 0/1).
    Shapes: input, target (N, C) or (C,) -> (N,) / () with reduction='none'."""
    from .activation import logsigmoid
    if size_average is not None or reduce is not None:
        reduction = legacy_reduction(size_average, reduce)
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    class_dim = input.dim() - 1
    loss = loss.sum(dim=class_dim) / input.shape[class_dim]
    if reduction not in _REDUCTIONS:
        raise ValueError(reduction + " is not valid")
    return _reduce_tensor(loss, reduction)


def cosine_embedding_loss(input1, input2, target, margin=0.0, size_average=None, reduce=None,
                          reduction="mean"):
    """1 - cos(input1, input2) where target == 1, max(0, cos - margin) where target == -1.
    Shapes: input1, input2 (N, D) or (D,); target (N,) or ()."""
    reduction = _reduction(size_average, reduce, reduction)
    if input1.dim() != input2.dim() or input1.dim() not in (1, 2):
        raise RuntimeError(f"1D target tensor expects 2D input tensors, but found inputs with "
                           f"sizes {list(input1.shape)} and {list(input2.shape)}.")
    dim = input1.dim() - 1
    eps = 1e-12     # PyTorch's guard against zero vectors
    dot = (input1 * input2).sum(dim)
    norms = (((input1 * input1).sum(dim) + eps) * ((input2 * input2).sum(dim) + eps)).sqrt()
    cos = dot / norms
    positive = (1 - cos).masked_fill(target != 1, 0)
    negative = (cos - margin).clamp_min(0).masked_fill(target != -1, 0)
    return _reduce_tensor(positive + negative, reduction)


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-06, swap=False,
                        size_average=None, reduce=None, reduction="mean"):
    """max(0, margin + d(anchor, positive) - d(anchor, negative)), d the p-norm distance
    (swap: use d(positive, negative) when it is smaller). Shapes: (N, D) or (D,)."""
    from .distance import pairwise_distance
    reduction = _reduction(size_average, reduce, reduction)
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    dims = (anchor.dim(), positive.dim(), negative.dim())
    if not (dims[0] == dims[1] == dims[2]):
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have "
                           f"the same number of dimensions, but got: anchor {dims[0]}D, "
                           f"positive {dims[1]}D, and negative {dims[2]}D inputs")
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = d_neg.minimum(pairwise_distance(positive, negative, p, eps))
    return _reduce_tensor((margin + d_pos - d_neg).clamp_min(0), reduction)


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None,
                                      margin=1.0, swap=False, reduction="mean"):
    """triplet_margin_loss with any distance_function(x1, x2) (default pairwise_distance)."""
    from .distance import pairwise_distance
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if margin <= 0:
        raise ValueError(f"TripletMarginWithDistanceLoss: expected margin to be greater than "
                         f"0, got {margin} instead")
    distance = distance_function or pairwise_distance
    d_pos = distance(anchor, positive)
    d_neg = distance(anchor, negative)
    if swap:
        d_neg = d_neg.minimum(distance(positive, negative))
    return _reduce_tensor((margin + d_pos - d_neg).clamp_min(0), reduction)


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None,
                      reduce=None, reduction="mean"):
    """Multi-class hinge loss: sum over j != y of max(0, margin - x[y] + x[j])^p (times
    weight[y]), divided by C. Shapes: input (N, C) or (C,); target (N,) or ()."""
    reduction = _reduction(size_average, reduce, reduction)
    if p != 1 and p != 2:
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.dim() != 1:
        raise ValueError("weight must be one-dimensional")
    x = input if input.dim() == 2 else input.reshape(1, -1)
    t = target.reshape(-1, 1)
    classes = x.shape[1]
    picked = x.gather(1, t)
    hinge = (margin - picked + x).clamp_min(0)
    if p == 2:
        hinge = hinge * hinge
    if weight is not None:
        hinge = hinge * weight[t]
    # the j == y term is max(0, margin)^p (times weight): drop it
    from .creation import zeros_like
    hinge = hinge.scatter(1, t, zeros_like(picked))
    loss = hinge.sum(1) / classes
    if input.dim() != 2:
        loss = loss.reshape(target.shape)
    # a composition here, one fused kernel in PyTorch: its node's name
    return node_name(_reduce_tensor(loss, reduction), "MultiMarginLossBackward0")


# ---------------------------------------------------------------------------------------------
# multilabel_margin_loss
# ---------------------------------------------------------------------------------------------
class MultilabelMarginLoss(Function):
    """loss[n] = sum over target positions j and non-target classes i of
    max(0, 1 - (x[n, y[n, j]] - x[n, i])) / C      (y is read up to its first -1)
    grad: each active hinge adds +1/C to dx[n, i] and -1/C to dx[n, y[n, j]]"""

    @staticmethod
    def forward(ctx, x, target, reduction):
        N, C = x.shape
        valid = xp.cumprod(target != -1, axis=1).astype(bool)     # positions before the first -1
        labels = xp.where(valid, target, 0)
        is_target = xp.zeros((N, C), dtype=bool)
        rows = xp.broadcast_to(xp.arange(N)[:, None], labels.shape)
        is_target[rows[valid], labels[valid]] = True
        picked = xp.take_along_axis(x, labels, axis=1)                # x[n, y[n, j]]
        # hinge[n, j, i] over target positions j and classes i, kept where it counts
        hinge = 1 - picked[:, :, None] + x[:, None, :]
        counts = valid[:, :, None] & ~is_target[:, None, :]
        active = (hinge > 0) & counts
        loss = xp.where(active, hinge, 0).sum(axis=(1, 2)) / C
        ctx.active, ctx.labels, ctx.C, ctx.reduction = active, labels, C, reduction
        return _reduce(loss.astype(x.dtype, copy=False), reduction)

    @staticmethod
    def backward(ctx, g):
        active, labels, C = ctx.active, ctx.labels, ctx.C
        N = active.shape[0]
        scale = _upstream(g, ctx.reduction, N)
        scale = (scale[:, None] if scale.ndim else scale) / C
        grad = active.sum(axis=1).astype(g.dtype)            # hinges each class i is in
        minus = active.sum(axis=2).astype(g.dtype)           # hinges per target position j
        rows = xp.broadcast_to(xp.arange(N)[:, None], labels.shape)
        _backend.scatter_add(grad, (rows, labels), -minus)
        return grad * scale, None


def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Multi-class multi-label hinge loss. Shapes: input (C,) or (N, C); target the same shape,
    int64 class indices, read up to the first -1 -> (N,) / () with reduction='none'."""
    reduction = _reduction(size_average, reduce, reduction)
    check_tensor("multilabel_margin_loss", input, "input", 1)
    check_tensor("multilabel_margin_loss", target, "target", 2)
    x, t = input._data, target._data
    if x.ndim > 2 or (x.ndim == 2 and x.shape[1] == 0) or (x.ndim == 1 and x.size == 0):
        raise RuntimeError(f"Expected non-empty vector or matrix with optional 0-dim batch "
                           f"size, but got: {list(x.shape)}")
    C = x.shape[-1] if x.ndim else 1
    if t.shape != x.shape:
        raise RuntimeError(f"inconsistent target size: {list(t.shape)} for input of size: "
                           f"{list(x.shape)}")
    if t.dtype != xp.int64:
        raise RuntimeError(f"expected scalar type Long but found "
                           f"{scalar_name(t.dtype)}")
    if x.dtype.kind != "f":
        raise NotImplementedError(f'"multilabel_margin_loss_forward_out_frame" not implemented '
                                  f"for '{scalar_name(input.dtype)}'")
    if t.size and (t.min() < -1 or t.max() >= C):
        raise RuntimeError("argument #2 'target' is out of range")
    x2 = input.reshape(-1, C)
    out = MultilabelMarginLoss.apply(x2, t.reshape(-1, C), reduction)
    if reduction == "none" and x.ndim < 2:
        out = out.reshape(())
    return out


# ---------------------------------------------------------------------------------------------
# ctc_loss: the forward-backward algorithm (Graves et al. 2006) in log space
# ---------------------------------------------------------------------------------------------
def _logsumexp3(a, b, c):
    return xp.logaddexp(xp.logaddexp(a, b), c)


def _shift_right(a, k, fill):
    """a moved k places along the last axis, the first k entries filled with `fill`."""
    out = xp.full_like(a, fill)
    out[:, k:] = a[:, :a.shape[1] - k]
    return out


def _shift_left(a, k, fill):
    out = xp.full_like(a, fill)
    out[:, :a.shape[1] - k] = a[:, k:]
    return out


class CtcLoss(Function):
    """loss[n] = -log sum over alignments of prod_t p[t, n, path_t], summed by the
    alpha recursion over the extended label sequence (blank, l1, blank, l2, ..., blank)
    grad: d/dlp[t, n, c] = exp(lp) - exp(log sum_{s: l'_s = c} alpha beta + loss - lp)
    (PyTorch's formula: it is the gradient for the logits of a log_softmax, returned as the
    gradient of log_probs; both agree once it flows back through log_softmax)"""

    @staticmethod
    def forward(ctx, lp, ext, skip, input_lengths, target_lengths, zero_infinity):
        """lp (T, N, C); ext (N, L) the extended labels, L = 2 * max target length + 1;
        skip (N, L): may a path jump from s - 2 to s (a label differing from the one before)."""
        T, N, C = lp.shape
        L = ext.shape[1]
        ninf = -xp.inf
        # lp at the extended labels: lpe[t, n, s] = lp[t, n, ext[n, s]]
        lpe = xp.take_along_axis(lp, xp.broadcast_to(ext[None], (T, N, L)), axis=2)
        alpha = xp.full((T, N, L), ninf, dtype=lp.dtype)
        alpha[0, :, 0] = lpe[0, :, 0]
        if L > 1:
            alpha[0, :, 1] = xp.where(target_lengths > 0, lpe[0, :, 1], ninf)
        for t in range(1, T):          # the recursion runs over time; batch and s are arrays
            prev = alpha[t - 1]
            two_back = xp.where(skip, _shift_right(prev, 2, ninf), ninf)
            alpha[t] = lpe[t] + _logsumexp3(prev, _shift_right(prev, 1, ninf), two_back)
        # the path ends on the last label or the blank after it, at each sample's last frame
        batch = xp.arange(N)
        last_t = input_lengths - 1
        end = 2 * target_lengths
        final = alpha[last_t, batch]
        nll = -xp.logaddexp(final[batch, end],
                            xp.where(end > 0, final[batch, xp.maximum(end - 1, 0)], ninf))
        ctx.tensors = ext, skip, input_lengths, target_lengths, zero_infinity
        out = xp.where(xp.isinf(nll), 0, nll) if zero_infinity else nll
        out = out.astype(lp.dtype, copy=False)
        ctx.save_for_backward(lp, lpe, alpha, Output(nll) if out is nll else nll)
        return out

    @staticmethod
    def backward(ctx, g):
        lp, lpe, alpha, nll = ctx.saved_tensors
        ext, skip, input_lengths, target_lengths, zero_infinity = ctx.tensors
        T, N, C = lp.shape
        L = ext.shape[1]
        ninf = -xp.inf
        batch = xp.arange(N)
        end = 2 * target_lengths
        # beta[t, n, s]: log-probability of finishing from (t, s), lp[t] included (as PyTorch)
        beta = xp.full((T, N, L), ninf, dtype=lp.dtype)
        start = xp.full((N, L), ninf, dtype=lp.dtype)
        skip_next = _shift_left(skip, 2, False)        # may a path jump from s to s + 2
        for t in range(T - 1, -1, -1):
            at_end = input_lengths - 1 == t
            if at_end.any():
                start.fill(ninf)
                start[batch, end] = lpe[t, batch, end]
                last = xp.maximum(end - 1, 0)
                start[batch, last] = xp.where(end > 0, lpe[t, batch, last], start[batch, last])
            if t < T - 1:
                nxt = beta[t + 1]
                two = xp.where(skip_next, _shift_left(nxt, 2, ninf), ninf)
                inner = lpe[t] + _logsumexp3(nxt, _shift_left(nxt, 1, ninf), two)
            else:
                inner = start
            beta[t] = xp.where(at_end[:, None], start,
                               xp.where((t < input_lengths - 1)[:, None], inner, ninf))
        # sum of alpha * beta over the positions s carrying each class c, by a shifted exp and
        # a product with the (N, L, C) one-hot of the extended labels
        ab = alpha + beta
        shift = ab.max(axis=2, keepdims=True)
        shift = xp.where(xp.isfinite(shift), shift, 0)
        one_hot = (ext[:, :, None] == xp.arange(C)).astype(lp.dtype)
        summed = xp.einsum("tnl,nlc->tnc", xp.exp(ab - shift), one_hot)
        with xp.errstate(over="ignore", invalid="ignore"):
            grad = xp.exp(lp) - summed * xp.exp(shift + nll[None, :, None] - lp)
        keep = xp.arange(T)[:, None] < input_lengths[None, :]        # frames inside the input
        if zero_infinity:
            keep = keep & ~xp.isinf(nll)[None, :]     # (their gradient is NaN: select, not scale)
        grad = xp.where(keep[:, :, None], grad, 0)
        return grad * g[None, :, None], None, None, None, None, None


def _lengths(value, name):
    """input_lengths / target_lengths as an int64 array (from a Tensor, list or tuple)."""
    if isinstance(value, Tensor):
        if value._data.dtype.kind not in "iu":
            raise RuntimeError(f"{name} must be integral")
        return value._data.reshape(-1).astype(xp.int64)
    if isinstance(value, (list, tuple)):
        return xp.asarray(value, dtype=xp.int64).reshape(-1)
    raise TypeError(f"ctc_loss(): argument '{name}' must be tuple of ints or Tensor, not "
                    f"{type(value).__name__}")


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean",
             zero_infinity=False):
    """Connectionist Temporal Classification loss.

    Shapes: log_probs (T, N, C) (log_softmax output) or unbatched (T, C); targets (N, S)
    padded, or 1-D with the targets concatenated; input_lengths, target_lengths (N,) ->
    (N,) with reduction='none', else () ('mean' divides each loss by its target length first).
    zero_infinity turns the infinite losses of impossible alignments (and their gradients)
    into 0."""
    check_tensor("ctc_loss", log_probs, "log_probs", 1)
    check_tensor("ctc_loss", targets, "targets", 2)
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    lp_array = log_probs._data
    if lp_array.dtype.kind != "f":
        raise NotImplementedError(f"\"ctc_loss_cpu\" not implemented for "
                                  f"'{scalar_name(log_probs.dtype)}'")
    unbatched = lp_array.ndim == 2
    if unbatched:
        log_probs = log_probs.unsqueeze(1)
        lp_array = log_probs._data
        targets_array = targets._data.reshape(1, -1)
    else:
        targets_array = targets._data
    T, N, C = lp_array.shape
    in_len = _lengths(input_lengths, "input_lengths")
    tg_len = _lengths(target_lengths, "target_lengths")
    if in_len.size != N:
        raise RuntimeError("input_lengths must be of size batch_size")
    if tg_len.size != N:
        raise RuntimeError("target_lengths must be of size batch_size")
    if not 0 <= blank < C:
        raise RuntimeError("blank must be in label range")
    where = " (while checking arguments for ctc_loss_allocate_outputs)"
    for name, lengths, limit in (("input_lengths", in_len, T), ("target_lengths", tg_len, None)):
        if lengths.size and lengths.min() < 0:
            raise RuntimeError(f"Expected {name} to have value at least 0, but got value "
                               f"{int(lengths.min())}{where}")
        if limit is not None and lengths.size and lengths.max() > limit:
            raise RuntimeError(f"Expected {name} to have value at most {limit}, but got value "
                               f"{int(lengths.max())}{where}")
    S = int(tg_len.max()) if N else 0
    if targets_array.ndim == 1 and not unbatched:
        # concatenated targets: cut them into a padded (N, S) array
        if targets_array.shape[0] != tg_len.sum():
            raise RuntimeError(f"Expected tensor to have size {int(tg_len.sum())} at dimension "
                               f"0, but got size {targets_array.shape[0]} for argument #2 "
                               f"'targets'{where}")
        starts = xp.concatenate([[0], xp.cumsum(tg_len)[:-1]]).astype(xp.int64)
        position = starts[:, None] + xp.arange(S)
        inside = xp.arange(S) < tg_len[:, None]
        padded = xp.where(inside, targets_array[xp.minimum(position, max(targets_array.size - 1,
                                                                            0))], blank)
    else:
        if targets_array.shape[1] < S:
            raise RuntimeError(f"Expected tensor to have size at least {S} at dimension 1, but "
                               f"got size {targets_array.shape[1]} for argument #2 "
                               f"'targets'{where}")
        padded = targets_array[:, :S]
    padded = xp.asarray(padded).astype(xp.int64).reshape(N, S)
    # extended labels: blank, l1, blank, l2, ..., blank; label positions past a sample's length
    # are never reached, so any class index will do there
    ext = xp.full((N, 2 * S + 1), blank, dtype=xp.int64)
    ext[:, 1::2] = xp.clip(padded, 0, C - 1)
    skip = xp.zeros(ext.shape, dtype=bool)
    skip[:, 2:] = (ext[:, 2:] != blank) & (ext[:, 2:] != ext[:, :-2])
    if T == 0 or N == 0:
        raise RuntimeError("ctc_loss: empty log_probs are not supported")
    loss = CtcLoss.apply(log_probs, ext, skip, in_len, tg_len, zero_infinity)
    if reduction == "mean":
        lengths = xp.maximum(tg_len, 1).astype(lp_array.dtype)
        from .._tensor import _make
        return (loss / _make(lengths)).mean()
    if reduction == "sum":
        return loss.sum()
    return loss.reshape(()) if unbatched else loss
