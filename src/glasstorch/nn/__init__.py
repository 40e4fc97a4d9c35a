"""glasstorch.nn: Module, Parameter, layers, losses, functional, init, utils."""
from .parameter import Parameter, UninitializedParameter
from .modules import *  # noqa: F401,F403  (every layer class; see modules/__init__.py)
from .modules import Module, Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict
from . import functional
from . import init, utils
