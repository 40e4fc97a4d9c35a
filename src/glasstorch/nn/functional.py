"""glasstorch.nn.functional: the functional form of every layer (`F.relu`, `F.cross_entropy`).

The implementations live in the op library (`glasstorch/_ops/<family>.py`), each a fused
autograd Function where it pays; this file only gathers them under PyTorch's names."""
# ---------------------------------------------------------------- linear, embedding, dropout, misc
from .._ops.nn_basic import (linear, bilinear, dropout, dropout1d, dropout2d, dropout3d,
                             alpha_dropout, feature_alpha_dropout, embedding, one_hot, normalize,
                             pad, cosine_similarity, pairwise_distance)
# ---------------------------------------------------------------- activations and softmax
from .._ops.activation import (relu, relu_, relu6, hardtanh, hardtanh_, leaky_relu,
                               leaky_relu_, prelu, elu, elu_, selu, selu_, celu, celu_, gelu, silu,
                               mish, hardswish, hardsigmoid, sigmoid, tanh, softplus, softsign,
                               logsigmoid, tanhshrink, softshrink, hardshrink, threshold,
                               threshold_, glu, softmax, log_softmax, softmin)
# ---------------------------------------------------------------- normalisation
# ---------------------------------------------------------------- losses
