"""Layers, one family per file, re-exported as glasstorch.nn.<Name>."""
from .module import Module
from .container import Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict
# ---------------------------------------------------------------- linear, embedding, dropout, misc
from .linear import Identity, Linear, Bilinear, LazyLinear
from .flatten import Flatten, Unflatten
from .dropout import (Dropout, Dropout1d, Dropout2d, Dropout3d, AlphaDropout,
                      FeatureAlphaDropout)
from .sparse import Embedding, EmbeddingBag
from .lazy import LazyModuleMixin
from .distance import PairwiseDistance, CosineSimilarity
# ---------------------------------------------------------------- padding and shuffles
from .padding import (ConstantPad1d, ConstantPad2d, ConstantPad3d, ZeroPad1d, ZeroPad2d,
                      ZeroPad3d, ReflectionPad1d, ReflectionPad2d, ReflectionPad3d,
                      ReplicationPad1d, ReplicationPad2d, ReplicationPad3d, CircularPad1d,
                      CircularPad2d, CircularPad3d)
from .pixelshuffle import PixelShuffle, PixelUnshuffle
from .channelshuffle import ChannelShuffle
# ---------------------------------------------------------------- activations
from .activation import (ReLU, ReLU6, LeakyReLU, PReLU, ELU, SELU, CELU, GELU, SiLU, Mish,
                         Hardswish, Hardsigmoid, Hardtanh, Sigmoid, Tanh, Softmax, LogSoftmax,
                         Softmin, Softmax2d, Softplus, Softsign, LogSigmoid, Tanhshrink,
                         Softshrink, Hardshrink, Threshold, GLU, RReLU)
# ---------------------------------------------------------------- normalisation
from .batchnorm import (BatchNorm1d, BatchNorm2d, BatchNorm3d, LazyBatchNorm1d, LazyBatchNorm2d,
                        LazyBatchNorm3d)
from .instancenorm import (InstanceNorm1d, InstanceNorm2d, InstanceNorm3d, LazyInstanceNorm1d,
                           LazyInstanceNorm2d, LazyInstanceNorm3d)
from .normalization import LayerNorm, GroupNorm, RMSNorm, LocalResponseNorm
# ---------------------------------------------------------------- losses
from .loss import (L1Loss, MSELoss, SmoothL1Loss, HuberLoss, NLLLoss, CrossEntropyLoss, BCELoss,
                   BCEWithLogitsLoss, KLDivLoss, PoissonNLLLoss, GaussianNLLLoss,
                   MarginRankingLoss, HingeEmbeddingLoss, SoftMarginLoss,
                   MultiLabelSoftMarginLoss, CosineEmbeddingLoss, MultiMarginLoss,
                   TripletMarginLoss, TripletMarginWithDistanceLoss, MultiLabelMarginLoss,
                   CTCLoss)
# ---------------------------------------------------------------- pooling and upsampling
from .pooling import (MaxPool1d, MaxPool2d, MaxPool3d, MaxUnpool1d, MaxUnpool2d, MaxUnpool3d,
                      AvgPool1d, AvgPool2d, AvgPool3d, FractionalMaxPool2d,
                      FractionalMaxPool3d, LPPool1d, LPPool2d, LPPool3d, AdaptiveMaxPool1d,
                      AdaptiveMaxPool2d, AdaptiveMaxPool3d, AdaptiveAvgPool1d,
                      AdaptiveAvgPool2d, AdaptiveAvgPool3d)
from .upsampling import Upsample, UpsamplingNearest2d, UpsamplingBilinear2d
# ---------------------------------------------------------------- attention and the Transformer
from .linear import NonDynamicallyQuantizableLinear
from .activation import MultiheadAttention
from .transformer import (Transformer, TransformerEncoder, TransformerDecoder,
                          TransformerEncoderLayer, TransformerDecoderLayer)
# ---------------------------------------------------------------- recurrent layers
from .rnn import RNNBase, RNN, LSTM, GRU, RNNCellBase, RNNCell, LSTMCell, GRUCell
# ---------------------------------------------------------------- convolution
from .conv import (Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d,
                   LazyConv1d, LazyConv2d, LazyConv3d, LazyConvTranspose1d, LazyConvTranspose2d,
                   LazyConvTranspose3d)
from .fold import Fold, Unfold
