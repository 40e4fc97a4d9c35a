"""glasstorch.nn.init: fill a weight tensor in place with one of the standard initialisations.

Every function writes into the tensor's own memory (a Parameter stays the same object; its
version counter is bumped), works under no_grad so it can be applied to leaves that require
grad, keeps the tensor's dtype, and returns the tensor. Draws come from the seeded default
generator, or from `generator=` when given. The random streams differ from PyTorch's, so the
same seed gives other numbers than in PyTorch; the distributions are the same.

Fan in / fan out of a weight of shape (out, in, *kernel) are in * prod(kernel) and
out * prod(kernel): the number of inputs and outputs each weight element takes part in.
"""
import math
import warnings

from .._backend import xp, rng_of
from .._ops.inplace import _OVERLAP_MESSAGE
from ..autograd import grad_mode

__all__ = ["calculate_gain", "uniform_", "normal_", "trunc_normal_", "constant_", "ones_",
           "zeros_", "eye_", "dirac_", "xavier_uniform_", "xavier_normal_", "kaiming_uniform_",
           "kaiming_normal_", "orthogonal_", "sparse_"]


# ---------------------------------------------------------------------------------------------
# gains and fans
# ---------------------------------------------------------------------------------------------
_LINEAR_FNS = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
               "conv_transpose3d")


def calculate_gain(nonlinearity, param=None):
    """The recommended gain for a nonlinearity (named as in nn.functional): 1 for linear, conv
    and sigmoid, 5/3 for tanh, sqrt(2) for relu, sqrt(2 / (1 + slope^2)) for leaky_relu
    (param = negative slope, default 0.01) and 3/4 for selu (PyTorch's empirical value)."""
    if nonlinearity in _LINEAR_FNS or nonlinearity == "sigmoid":
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            negative_slope = 0.01
        elif isinstance(param, float) or (isinstance(param, int) and not isinstance(param, bool)):
            negative_slope = param
        else:  # True/False are ints in Python, but not slopes
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + negative_slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _calculate_fan_in_and_fan_out(tensor):
    """(fan_in, fan_out) of a weight (out_features, in_features, *kernel_size)."""
    if tensor.dim() < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 "
                         "dimensions")
    receptive_field_size = math.prod(tensor.shape[2:])
    return tensor.shape[1] * receptive_field_size, tensor.shape[0] * receptive_field_size


def _calculate_correct_fan(tensor, mode):
    mode = mode.lower()
    valid_modes = ["fan_in", "fan_out"]
    if mode not in valid_modes:
        raise ValueError(f"Mode {mode} not supported, please use one of {valid_modes}")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


# ---------------------------------------------------------------------------------------------
# writing into the tensor
# ---------------------------------------------------------------------------------------------
def _write(tensor, values):
    """Copy `values` (an array broadcastable to tensor's shape) into tensor's memory."""
    if not tensor._data.flags.writeable:        # an expand()ed tensor: elements share memory
        raise RuntimeError(_OVERLAP_MESSAGE)
    tensor._data[...] = values
    tensor._bump_version()
    return tensor


def _check_float(tensor, kernel):
    """Sampling kernels exist for floating dtypes only (the error PyTorch raises otherwise)."""
    if not tensor.is_floating_point():
        name = tensor.dtype.scalar_name
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{name}'")


# ---------------------------------------------------------------------------------------------
# plain fillers
# ---------------------------------------------------------------------------------------------
def uniform_(tensor, a=0.0, b=1.0, generator=None):
    """Fill with draws from U(a, b)."""
    with grad_mode.no_grad():
        return tensor.uniform_(a, b, generator=generator)


def normal_(tensor, mean=0.0, std=1.0, generator=None):
    """Fill with draws from N(mean, std^2)."""
    with grad_mode.no_grad():
        return tensor.normal_(mean, std, generator=generator)


def trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0, generator=None):
    """Fill with draws from N(mean, std^2) truncated to [a, b].

    Exact inverse-CDF sampling: u ~ U(Phi(alpha), Phi(beta)) with alpha, beta the standardised
    bounds, then x = mean + std * Phi^-1(u). One pass, no rejection loop. (PyTorch rejects and
    redraws instead; both give the same distribution.)"""
    _check_float(tensor, "normal_kernel_cpu")
    alpha, beta = (a - mean) / std, (b - mean) / std
    if (mean < a - 2 * std) or (mean > b + 2 * std):
        # PyTorch's warning, kept for parity; the inverse-CDF draws stay exact out there
        warnings.warn("mean is more than 2 std from [a, b] in nn.init.trunc_normal_. "
                      "The distribution of values may be incorrect.", stacklevel=2)
    from scipy import special   # ndtr = Phi, ndtri = Phi^-1 (imported on first use: slow)
    # Phi(x) near 1 has few significant digits, near 0 it has all of them: an interval in the
    # upper tail is sampled as its mirror image in the lower tail, then flipped back.
    flip = alpha > 0
    if flip:
        alpha, beta = -beta, -alpha
    lo, hi = special.ndtr(alpha), special.ndtr(beta)
    u = rng_of(generator).uniform(lo, hi, size=tensor.shape)
    z = special.ndtri(u)
    if flip:
        z = -z
    # rounding in Phi^-1 (or in the cast to a narrower dtype) must not leave [a, b]
    return _write(tensor, xp.clip(mean + std * z, a, b))


def constant_(tensor, val):
    """Fill with the value `val`."""
    with grad_mode.no_grad():
        return tensor.fill_(val)


def ones_(tensor):
    """Fill with 1."""
    return constant_(tensor, 1.0)


def zeros_(tensor):
    """Fill with 0."""
    return constant_(tensor, 0)


def eye_(tensor):
    """Fill a 2-d tensor (out, in) with the identity matrix (ones on the main diagonal)."""
    if tensor.dim() != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    return _write(tensor, xp.eye(*tensor.shape, dtype=tensor._data.dtype))


def dirac_(tensor, groups=1):
    """Fill a conv weight (out, in, *kernel) (3, 4 or 5 dims) so the convolution is the
    identity: in each group, output channel d copies input channel d at the kernel's centre."""
    dims = tensor.dim()
    if dims not in (3, 4, 5):
        raise ValueError("Only tensors with 3, 4, or 5 dimensions are supported")
    sizes = tensor.shape
    if sizes[0] % groups != 0:
        raise ValueError("dim 0 must be divisible by groups")
    out_chans_per_grp = sizes[0] // groups
    min_dim = min(out_chans_per_grp, sizes[1])
    values = xp.zeros(sizes, dtype=tensor._data.dtype)
    d = xp.arange(min_dim)
    out_channels = (xp.arange(groups)[:, None] * out_chans_per_grp + d).ravel()
    in_channels = xp.tile(d, groups)
    centre = tuple(s // 2 for s in sizes[2:])
    values[(out_channels, in_channels) + centre] = 1
    return _write(tensor, values)


# ---------------------------------------------------------------------------------------------
# variance-scaling initialisations
# ---------------------------------------------------------------------------------------------
def xavier_uniform_(tensor, gain=1.0, generator=None):
    """Glorot uniform: U(-bound, bound), bound = gain * sqrt(6 / (fan_in + fan_out)), so the
    variance is gain^2 * 2 / (fan_in + fan_out)."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    bound = math.sqrt(3.0) * std           # U(-b, b) has standard deviation b / sqrt(3)
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor, gain=1.0, generator=None):
    """Glorot normal: N(0, std^2), std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return normal_(tensor, 0.0, std, generator)


def kaiming_uniform_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """He uniform: U(-bound, bound), bound = gain * sqrt(3 / fan), fan = fan_in or fan_out
    (`mode`), gain = calculate_gain(nonlinearity, a). a = negative slope of leaky_relu."""
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    std = calculate_gain(nonlinearity, a) / math.sqrt(fan)
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """He normal: N(0, std^2), std = gain / sqrt(fan); arguments as kaiming_uniform_."""
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    std = calculate_gain(nonlinearity, a) / math.sqrt(fan)
    return normal_(tensor, 0, std, generator)


# ---------------------------------------------------------------------------------------------
# structured initialisations
# ---------------------------------------------------------------------------------------------
def orthogonal_(tensor, gain=1, generator=None):
    """Fill with a (semi-)orthogonal matrix times `gain`. The tensor (rows, *rest) is viewed as
    rows x cols with cols = prod(rest): W W^T = gain^2 I if rows <= cols, else W^T W = gain^2 I.

    Q of the QR decomposition of a Gaussian matrix, with each column's sign fixed by the sign
    of R's diagonal so that Q is uniformly (Haar) distributed (Mezzadri, math-ph/0609050)."""
    if tensor.dim() < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if tensor.numel() == 0:
        return tensor
    _check_float(tensor, "normal_kernel_cpu")
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    # LAPACK has no float16 QR: factor half tensors in float32
    work_dtype = xp.float32 if tensor._data.dtype == xp.float16 else tensor._data.dtype
    flattened = rng_of(generator).standard_normal((rows, cols)).astype(work_dtype)
    if rows < cols:
        flattened = flattened.T            # QR of the tall orientation, transposed back below
    q, r = xp.linalg.qr(flattened)
    q = q * xp.sign(xp.diagonal(r))
    if rows < cols:
        q = q.T
    return _write(tensor, (q * gain).reshape(tensor.shape))


def sparse_(tensor, sparsity, std=0.01, generator=None):
    """Fill a 2-d tensor with N(0, std^2) draws, then zero ceil(sparsity * rows) randomly chosen
    entries in every column (Martens 2010)."""
    if tensor.dim() != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    _check_float(tensor, "normal_kernel_cpu")
    rows, cols = tensor.shape
    num_zeros = math.ceil(sparsity * rows)
    rng = rng_of(generator)
    values = rng.normal(0.0, std, size=(rows, cols))
    # a random permutation of the rows for every column at once: argsort of uniform keys
    # (sliced like PyTorch's randperm(rows)[:num_zeros], so a negative count behaves the same)
    zero_rows = rng.random((rows, cols)).argsort(axis=0)[:num_zeros]
    values[zero_rows, xp.arange(cols)] = 0
    return _write(tensor, values)


# ---------------------------------------------------------------------------------------------
# the old names without the trailing underscore (deprecated in PyTorch, still there)
# ---------------------------------------------------------------------------------------------
def _make_deprecate(method):
    new_name = method.__name__
    old_name = new_name[:-1]

    def deprecated_init(*args, **kwargs):
        warnings.warn(f"`nn.init.{old_name}` is now deprecated in favor of "
                      f"`nn.init.{new_name}`.", FutureWarning, stacklevel=2)
        return method(*args, **kwargs)

    deprecated_init.__name__ = old_name
    deprecated_init.__doc__ = f"{old_name}(...): deprecated, use nn.init.{new_name}."
    return deprecated_init


uniform = _make_deprecate(uniform_)
normal = _make_deprecate(normal_)
constant = _make_deprecate(constant_)
eye = _make_deprecate(eye_)
dirac = _make_deprecate(dirac_)
xavier_uniform = _make_deprecate(xavier_uniform_)
xavier_normal = _make_deprecate(xavier_normal_)
kaiming_uniform = _make_deprecate(kaiming_uniform_)
kaiming_normal = _make_deprecate(kaiming_normal_)
orthogonal = _make_deprecate(orthogonal_)
sparse = _make_deprecate(sparse_)
