"""Layers, one family per file, re-exported as glasstorch.nn.<Name>."""
from .module import Module
from .container import Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict
# ---------------------------------------------------------------- linear, embedding, dropout, misc
from .linear import Identity, Linear, Bilinear, LazyLinear
from .flatten import Flatten, Unflatten
from .dropout import (Dropout, Dropout1d, Dropout2d, Dropout3d, AlphaDropout,
                      FeatureAlphaDropout)
from .sparse import Embedding
from .lazy import LazyModuleMixin
# ---------------------------------------------------------------- activations
from .activation import (ReLU, ReLU6, LeakyReLU, PReLU, ELU, SELU, CELU, GELU, SiLU, Mish,
                         Hardswish, Hardsigmoid, Hardtanh, Sigmoid, Tanh, Softmax, LogSoftmax,
                         Softmin, Softmax2d, Softplus, Softsign, LogSigmoid, Tanhshrink,
                         Softshrink, Hardshrink, Threshold, GLU)
# ---------------------------------------------------------------- normalisation
# ---------------------------------------------------------------- losses
