"""glasstorch: PyTorch rebuilt in readable Python on NumPy. `import glasstorch as torch`."""
from . import _backend
from ._backend import (dtype, bool_ as bool, uint8, int8, int16, int32, int64, float16,
                       float32, float64, complex64, complex128, get_default_dtype,
                       set_default_dtype, promote_types, Generator, default_generator)
from ._tensor import Tensor, Size, device, LegacyTensorType
from ._tensor import _LEGACY_BY_NAME as _legacy
from ._tensor_str import set_printoptions
from . import autograd
from .autograd import no_grad, enable_grad, set_grad_enabled, inference_mode, is_grad_enabled
from ._ops import _registry

from .version import __version__  # "2.13.0+glasstorch.0.1.0": see torch_version.py

# dtype aliases, as in PyTorch
half = float16
float = float32
double = float64
short = int16
int = int32
long = int64
cfloat = complex64
cdouble = complex128

FloatTensor = _legacy["FloatTensor"]
DoubleTensor = _legacy["DoubleTensor"]
HalfTensor = _legacy["HalfTensor"]
LongTensor = _legacy["LongTensor"]
IntTensor = _legacy["IntTensor"]
ShortTensor = _legacy["ShortTensor"]
CharTensor = _legacy["CharTensor"]
ByteTensor = _legacy["ByteTensor"]
BoolTensor = _legacy["BoolTensor"]

_registry.bind(globals())
from . import linalg  # noqa: E402  (torch.linalg: norms, inv, det, solve, decompositions)

from . import optim  # after the op table is bound: optimizers and lr_scheduler
from . import nn, cuda  # noqa: E402

from . import utils  # noqa: E402  (datasets, samplers, DataLoader; needs the ops bound above)
from .serialization import save, load  # noqa: E402  (torch.save / torch.load, zip format)
from . import backends, jit, version  # noqa: E402  (probed by libraries: no CUDA, no TorchScript)
from . import hub  # noqa: E402  (torch.hub: the pretrained-checkpoint cache)


def load_ipython_extension(ipython):
    """`%load_ext glasstorch` in IPython or Jupyter: from then on `import torch` (torchvision,
    d2l) gives glasstorch in that kernel (see glasstorch.compat)."""
    from .compat import load_ipython_extension
    load_ipython_extension(ipython)
