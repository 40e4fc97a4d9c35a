"""Layers, one family per file, re-exported as glasstorch.nn.<Name>."""
from .module import Module
from .container import Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict
# ---------------------------------------------------------------- linear, embedding, dropout, misc
# ---------------------------------------------------------------- activations
# ---------------------------------------------------------------- normalisation
# ---------------------------------------------------------------- losses
