"""The book's framework-neutral names (`d2l.tensor`, `d2l.reshape`, `d2l.numpy` ...): the
d2l toolkit is written once for several frameworks and spells tensor operations through these.
Each is the glasstorch function or Tensor method that d2l's PyTorch edition binds it to."""
import glasstorch
from glasstorch import nn

nn_Module = nn.Module

ones_like = glasstorch.ones_like
ones = glasstorch.ones
zeros_like = glasstorch.zeros_like
zeros = glasstorch.zeros
tensor = glasstorch.tensor
arange = glasstorch.arange
meshgrid = glasstorch.meshgrid
sin = glasstorch.sin
sinh = glasstorch.sinh
cos = glasstorch.cos
cosh = glasstorch.cosh
tanh = glasstorch.tanh
linspace = glasstorch.linspace
exp = glasstorch.exp
log = glasstorch.log
normal = glasstorch.normal
rand = glasstorch.rand
randn = glasstorch.randn
matmul = glasstorch.matmul
int32 = glasstorch.int32
int64 = glasstorch.int64
float32 = glasstorch.float32
concat = glasstorch.cat
stack = glasstorch.stack
abs = glasstorch.abs
eye = glasstorch.eye
sigmoid = glasstorch.sigmoid
batch_matmul = glasstorch.bmm


def numpy(x, *args, **kwargs):
    """The tensor's values as a NumPy array (detached)."""
    return x.detach().numpy(*args, **kwargs)


def size(x, *args, **kwargs):
    """The number of elements."""
    return x.numel(*args, **kwargs)


def reshape(x, *args, **kwargs):
    return x.reshape(*args, **kwargs)


def to(x, *args, **kwargs):
    return x.to(*args, **kwargs)


def reduce_sum(x, *args, **kwargs):
    return x.sum(*args, **kwargs)


def argmax(x, *args, **kwargs):
    return x.argmax(*args, **kwargs)


def astype(x, *args, **kwargs):
    return x.type(*args, **kwargs)


def transpose(x, *args, **kwargs):
    return x.t(*args, **kwargs)


def reduce_mean(x, *args, **kwargs):
    return x.mean(*args, **kwargs)


def expand_dims(x, *args, **kwargs):
    return x.unsqueeze(*args, **kwargs)


def swapaxes(x, *args, **kwargs):
    return x.swapaxes(*args, **kwargs)


def repeat(x, *args, **kwargs):
    return x.repeat(*args, **kwargs)
