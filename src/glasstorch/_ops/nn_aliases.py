"""The torch.* spellings of nn functionals: torch.batch_norm, torch.dropout, torch.kl_div …

PyTorch exposes its ATen kernels at the top level with their own signatures, which differ from
torch.nn.functional's: all arguments positional and required (torch.dropout(input, p, train)),
a different order (torch.batch_norm puts weight and bias before the running stats,
torch.embedding takes weight first), and `reduction` as an int (0 none, 1 mean, 2 sum) that
defaults to 0 when omitted (what PyTorch's Python binding does, although ATen's schema says 1).
Each function here only translates the arguments and calls the one implementation in
dropout.py / sparse.py / normalization.py / loss.py."""
import warnings

from . import loss, normalization
from . import dropout as dropout_ops, sparse as sparse_ops

_REDUCTIONS = {0: "none", 1: "mean", 2: "sum"}


def _reduction(value, fname):
    """ATen's reduction enum (an int) as nn.functional's string."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{fname}(): argument 'reduction' must be int, not "
                        f"{type(value).__name__}")
    return _REDUCTIONS.get(value, "none")


# ---------------------------------------------------------------------------------------------
# normalisation
# ---------------------------------------------------------------------------------------------
def batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps,
               cudnn_enabled):
    """F.batch_norm with ATen's argument order (weight and bias first)."""
    return normalization.batch_norm(input, running_mean, running_var, weight, bias, training,
                                    momentum, eps)


def instance_norm(input, weight, bias, running_mean, running_var, use_input_stats, momentum,
                  eps, cudnn_enabled):
    """F.instance_norm with ATen's argument order (weight and bias first)."""
    return normalization.instance_norm(input, running_mean, running_var, weight, bias,
                                       use_input_stats, momentum, eps)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-05, cudnn_enable=True):
    return normalization.layer_norm(input, normalized_shape, weight, bias, eps)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-05, cudnn_enabled=True):
    return normalization.group_norm(input, num_groups, weight, bias, eps)


def rms_norm(input, normalized_shape, weight=None, eps=None):
    return normalization.rms_norm(input, normalized_shape, weight, eps)


# ---------------------------------------------------------------------------------------------
# dropout: (input, p, train), all required; the trailing-underscore forms work in place
# ---------------------------------------------------------------------------------------------
def _p(p):
    """ATen refuses a bad p with RuntimeError (nn.functional, in Python, with ValueError)."""
    if not 0 <= p <= 1:
        raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {p}")
    return p


def dropout(input, p, train):
    return dropout_ops.dropout(input, _p(p), train)


def dropout_(input, p, train):
    return dropout_ops.dropout(input, _p(p), train, inplace=True)


def alpha_dropout(input, p, train):
    return dropout_ops.alpha_dropout(input, _p(p), train)


def alpha_dropout_(input, p, train):
    return dropout_ops.alpha_dropout(input, _p(p), train, inplace=True)


def feature_dropout(input, p, train):
    """Dropout of whole channels: one draw per (sample, channel) of an (N, C, *) input."""
    return dropout_ops._feature_dropout(input, _p(p), train, inplace=False, batched=True)


def feature_dropout_(input, p, train):
    return dropout_ops._feature_dropout(input, _p(p), train, inplace=True, batched=True)


def feature_alpha_dropout(input, p, train):
    return dropout_ops.feature_alpha_dropout(input, _p(p), train)


def feature_alpha_dropout_(input, p, train):
    return dropout_ops.feature_alpha_dropout(input, _p(p), train, inplace=True)


# ---------------------------------------------------------------------------------------------
# embedding
# ---------------------------------------------------------------------------------------------
def embedding(weight, indices, padding_idx=-1, scale_grad_by_freq=False, sparse=False):
    """F.embedding with weight first; a negative padding_idx means none (ATen's convention:
    F.embedding has already turned negative indices into positive ones when it calls this)."""
    return sparse_ops.embedding(indices, weight, padding_idx if padding_idx >= 0 else None,
                                scale_grad_by_freq=scale_grad_by_freq, sparse=sparse)


# ---------------------------------------------------------------------------------------------
# losses: reduction is an int, 0 (none) unless given
# ---------------------------------------------------------------------------------------------
def binary_cross_entropy_with_logits(input, target, weight=None, pos_weight=None, reduction=0):
    return loss.binary_cross_entropy_with_logits(
        input, target, weight, reduction=_reduction(reduction, "binary_cross_entropy_with_logits"),
        pos_weight=pos_weight)


def kl_div(input, target, reduction=0, *, log_target=False):
    # F.kl_div warns that 'mean' is not 'batchmean'; the ATen op torch.kl_div does not
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return loss.kl_div(input, target, reduction=_reduction(reduction, "kl_div"),
                           log_target=log_target)


def cosine_embedding_loss(input1, input2, target, margin=0.0, reduction=0):
    return loss.cosine_embedding_loss(input1, input2, target, margin,
                                      reduction=_reduction(reduction, "cosine_embedding_loss"))


def hinge_embedding_loss(input, target, margin=1.0, reduction=0):
    return loss.hinge_embedding_loss(input, target, margin,
                                     reduction=_reduction(reduction, "hinge_embedding_loss"))


def margin_ranking_loss(input1, input2, target, margin=0.0, reduction=0):
    return loss.margin_ranking_loss(input1, input2, target, margin,
                                    reduction=_reduction(reduction, "margin_ranking_loss"))


def poisson_nll_loss(input, target, log_input, full, eps, reduction):
    return loss.poisson_nll_loss(input, target, log_input, full, eps=eps,
                                 reduction=_reduction(reduction, "poisson_nll_loss"))


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-06, swap=False,
                        reduction=0):
    return loss.triplet_margin_loss(anchor, positive, negative, margin, p, eps, swap,
                                    reduction=_reduction(reduction, "triplet_margin_loss"))
