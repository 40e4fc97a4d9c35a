"""`from glasstorch.d2l import torch as d2l`: the book's spelling, `d2l.torch`, for the one
toolkit module glasstorch.d2l (this name is that same module object)."""
import sys

from glasstorch import d2l as _d2l

sys.modules[__name__] = _d2l
