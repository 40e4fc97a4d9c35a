"""glasstorch.nn.functional: the functional form of every layer (`F.relu`, `F.cross_entropy`).

The implementations live in the op library (`glasstorch/_ops/<family>.py`), each a fused
autograd Function where it pays; this file only gathers them under PyTorch's names."""
# ---------------------------------------------------------------- linear, embedding, dropout, misc
from .._ops.linear import linear, bilinear
from .._ops.dropout import (dropout, dropout1d, dropout2d, dropout3d, alpha_dropout,
                            feature_alpha_dropout)
from .._ops.sparse import embedding, embedding_bag, one_hot
from .._ops.distance import normalize, cosine_similarity, pairwise_distance, pdist
from .._ops.padding import pad
from .._ops.pixelshuffle import pixel_shuffle, pixel_unshuffle
from .._ops.channelshuffle import channel_shuffle, native_channel_shuffle
# ---------------------------------------------------------------- activations and softmax
from .._ops.activation import (functional_relu as relu, relu_, relu6, hardtanh, hardtanh_,
                               leaky_relu, leaky_relu_, prelu, elu, elu_, selu, selu_, celu, celu_,
                               gelu, silu, mish, hardswish, hardsigmoid,
                               functional_sigmoid as sigmoid, functional_tanh as tanh, softplus,
                               softsign, logsigmoid, tanhshrink, softshrink, hardshrink, threshold,
                               threshold_, glu, softmax, log_softmax, softmin, rrelu, rrelu_,
                               gumbel_softmax)
# ---------------------------------------------------------------- normalisation
from .._ops.normalization import (batch_norm, instance_norm, layer_norm, group_norm,
                                  rms_norm, local_response_norm)
# ---------------------------------------------------------------- losses
from .._ops.loss import (mse_loss, l1_loss, smooth_l1_loss, huber_loss, nll_loss, cross_entropy,
                          binary_cross_entropy, binary_cross_entropy_with_logits, kl_div,
                          poisson_nll_loss, gaussian_nll_loss, margin_ranking_loss,
                          hinge_embedding_loss, soft_margin_loss, multilabel_soft_margin_loss,
                          cosine_embedding_loss, triplet_margin_loss,
                          triplet_margin_with_distance_loss, multi_margin_loss,
                          multilabel_margin_loss, ctc_loss)
# ---------------------------------------------------------------- pooling
from .._ops.pooling import (max_pool1d, max_pool2d, max_pool3d, max_pool1d_with_indices,
                            max_pool2d_with_indices, max_pool3d_with_indices, max_unpool1d,
                            max_unpool2d, max_unpool3d, avg_pool1d, avg_pool2d, avg_pool3d,
                            lp_pool1d, lp_pool2d, lp_pool3d)
from .._ops.adaptive_pooling import (adaptive_avg_pool1d, adaptive_avg_pool2d,
                                     adaptive_avg_pool3d, adaptive_max_pool1d,
                                     adaptive_max_pool2d, adaptive_max_pool3d,
                                     adaptive_max_pool1d_with_indices,
                                     adaptive_max_pool2d_with_indices,
                                     adaptive_max_pool3d_with_indices, fractional_max_pool2d,
                                     fractional_max_pool3d,
                                     fractional_max_pool2d_with_indices,
                                     fractional_max_pool3d_with_indices)
# ---------------------------------------------------------------- upsampling and sampling
from .._ops.upsampling import interpolate, upsample, upsample_nearest, upsample_bilinear
from .._ops.grid_sample import grid_sample, affine_grid
# ---------------------------------------------------------------- attention
from .._ops.attention import (scaled_dot_product_attention, multi_head_attention_forward,
                              _canonical_mask, _none_or_dtype, _mha_shape_check)
# ---------------------------------------------------------------- convolution
from .._ops.conv import (conv1d, conv2d, conv3d, conv_transpose1d, conv_transpose2d,
                         conv_transpose3d)
from .._ops.fold import fold, unfold
