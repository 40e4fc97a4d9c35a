"""The one seam to the array library, plus dtypes and PyTorch's type-promotion rules.

Only this file imports numpy by name; the rest of glasstorch writes `from ._backend import xp`.
CuPy could be chosen here later behind the same names.
"""
import numpy as xp
from scipy.special import expit  # the logistic sigmoid as one stable ufunc

ndarray = xp.ndarray

# PyTorch computes log(0) = -inf, 0/0 = nan, exp(1000) = inf silently; NumPy would print a
# RuntimeWarning for each. These are values, not errors, in a tensor library.
xp.seterr(divide="ignore", invalid="ignore", over="ignore", under="ignore")


# ---------------------------------------------------------------------------------------------
# dtypes
# ---------------------------------------------------------------------------------------------
class dtype:
    """A tensor element type, printed like PyTorch's (`torch.float32`).

    `np` is the NumPy dtype that stores it; `kind` orders the promotion categories
    bool (0) < integer (1) < floating (2) < complex (3). PyTorch's messages name it by its
    ScalarType (`scalar_name`: 'Float', 'Long') or its C++ type (`cpp_name`: 'float',
    'long int')."""

    __slots__ = ("name", "np", "kind", "itemsize", "is_signed", "scalar_name", "cpp_name")

    def __init__(self, name, np_dtype, kind, scalar_name, cpp_name):
        self.name = name
        self.np = xp.dtype(np_dtype)
        self.kind = kind
        self.scalar_name = scalar_name
        self.cpp_name = cpp_name
        self.itemsize = self.np.itemsize
        self.is_signed = name not in ("uint8", "bool")

    @property
    def is_floating_point(self):
        return self.kind == 2

    @property
    def is_complex(self):
        return self.kind == 3

    def __repr__(self):
        return "torch." + self.name

    def __reduce__(self):  # pickles as a reference to the module-level object
        return (_dtype_by_name, (self.name,))


bool_ = dtype("bool", xp.bool_, 0, "Bool", "bool")
uint8 = dtype("uint8", xp.uint8, 1, "Byte", "unsigned char")
int8 = dtype("int8", xp.int8, 1, "Char", "signed char")
int16 = dtype("int16", xp.int16, 1, "Short", "short int")
int32 = dtype("int32", xp.int32, 1, "Int", "int")
int64 = dtype("int64", xp.int64, 1, "Long", "long int")
float16 = dtype("float16", xp.float16, 2, "Half", "c10::Half")
float32 = dtype("float32", xp.float32, 2, "Float", "float")
float64 = dtype("float64", xp.float64, 2, "Double", "double")
complex64 = dtype("complex64", xp.complex64, 3, "ComplexFloat", "c10::complex<float>")
complex128 = dtype("complex128", xp.complex128, 3, "ComplexDouble", "c10::complex<double>")

ALL_DTYPES = (bool_, uint8, int8, int16, int32, int64, float16, float32, float64,
              complex64, complex128)
_BY_NUMPY = {d.np: d for d in ALL_DTYPES}
_BY_NAME = {d.name: d for d in ALL_DTYPES}


def _dtype_by_name(name):
    return _BY_NAME[name]


def from_numpy_dtype(np_dtype):
    """The glasstorch dtype that stores arrays of `np_dtype`; TypeError for unsupported ones."""
    try:
        return _BY_NUMPY[np_dtype]
    except KeyError:
        pass
    np_dtype = xp.dtype(np_dtype)
    if np_dtype in _BY_NUMPY:
        return _BY_NUMPY[np_dtype]
    raise TypeError(
        f"can't convert np.ndarray of type numpy.{np_dtype}. The only supported types are: "
        "float64, float32, float16, complex64, complex128, int64, int32, int16, int8, uint8, "
        "and bool.")


def scalar_name(d):
    """PyTorch's ScalarType name ('Float', 'Long', 'ComplexDouble') of a dtype or NumPy dtype."""
    return (d if isinstance(d, dtype) else from_numpy_dtype(d)).scalar_name


def cpp_name(d):
    """PyTorch's C++ type name ('float', 'long int', 'c10::Half') of a dtype or NumPy dtype."""
    return (d if isinstance(d, dtype) else from_numpy_dtype(d)).cpp_name


_default_float = float32


def get_default_dtype():
    return _default_float


def set_default_dtype(d):
    """Set the dtype that float literals and factory functions use (float32 or float64)."""
    global _default_float
    if not isinstance(d, dtype) or not d.is_floating_point:
        raise TypeError(f"only floating-point types are supported as the default type, got {d}")
    _default_float = d


def default_complex():
    return complex128 if _default_float is float64 else complex64


# ---------------------------------------------------------------------------------------------
# Type promotion: PyTorch's rules (they differ from NumPy's)
# ---------------------------------------------------------------------------------------------
def promote_types(a, b):
    """Smallest dtype both `a` and `b` convert to safely, as torch.promote_types.

    Differs from NumPy where categories mix: int64 with float16 stays float16 (NumPy: float64)."""
    if a is b:
        return a
    if a.kind != b.kind:
        high, low = (a, b) if a.kind > b.kind else (b, a)
        if high.kind == 3 and low.kind == 2:
            return complex128 if low is float64 or high is complex128 else complex64
        return high
    return _BY_NUMPY[xp.promote_types(a.np, b.np)]


def _combine_categories(higher, lower):
    """PyTorch's rule for mixing a higher-priority group's dtype with a lower-priority one:
    the lower group only counts when it is of a higher category (int tensor + float scalar)."""
    if higher is None:
        return lower
    if lower is None:
        return higher
    if higher.kind == 3:
        return higher
    if lower.kind == 3:
        if higher.kind == 2:
            return complex128 if higher is float64 else complex64
        return lower
    if higher.kind == 2:
        return higher
    if higher.kind == 0 or lower.kind == 2:
        return promote_types(higher, lower)
    return higher


def scalar_dtype(value):
    """The dtype a Python number takes when it meets tensors (a 'wrapped number')."""
    if isinstance(value, bool):
        return bool_
    if isinstance(value, int):
        return int64
    if isinstance(value, complex):
        return default_complex()
    return _default_float


def result_type(*operands):
    """dtype of an op over tensors and Python numbers, by PyTorch's three-tier rule:
    tensors with dims > 0-d tensors > Python scalars; a lower tier only counts if it is of a
    higher category (bool < int < float < complex). `operands` are Tensors or numbers."""
    dim_result = zero_result = scalar_result = None
    for op in operands:
        data = getattr(op, "_data", None)
        if data is not None:
            d = _BY_NUMPY[data.dtype]
            if data.ndim:
                dim_result = d if dim_result is None else promote_types(dim_result, d)
            else:
                zero_result = d if zero_result is None else promote_types(zero_result, d)
        elif op is not None:
            d = scalar_dtype(op)
            scalar_result = d if scalar_result is None else promote_types(scalar_result, d)
    return _combine_categories(dim_result, _combine_categories(zero_result, scalar_result))


# ---------------------------------------------------------------------------------------------
# Broadcasting: NumPy's rule is PyTorch's; only the error message differs
# ---------------------------------------------------------------------------------------------
def check_broadcast(*shapes):
    """Raise PyTorch's RuntimeError when `shapes` do not broadcast together, naming the two
    sizes and the dimension at fault (NumPy's ValueError must not leak). Returns nothing."""
    result = shapes[0]
    for shape in shapes[1:]:
        if shape == result:
            continue
        n = max(len(result), len(shape))
        merged = list(result if len(result) == n else shape)
        for i in range(1, min(len(result), len(shape)) + 1):
            x, y = result[-i], shape[-i]
            if x != y and x != 1 and y != 1:
                raise RuntimeError(f"The size of tensor a ({x}) must match the size of tensor "
                                   f"b ({y}) at non-singleton dimension {n - i}")
            merged[n - i] = y if x == 1 else x
        result = tuple(merged)



# ---------------------------------------------------------------------------------------------
# Random numbers: one seeded generator. Streams cannot match PyTorch's (different algorithm);
# tests compare distributions, never draws.
# ---------------------------------------------------------------------------------------------
class Generator:
    """A source of random numbers with PyTorch's Generator API (manual_seed, seed, initial_seed,
    get_state, set_state), backed by NumPy's PCG64."""

    def __init__(self, device="cpu"):
        self.device = device
        self._seed = 67280421310721
        self.rng = xp.random.Generator(xp.random.PCG64(self._seed))

    def manual_seed(self, seed):
        seed = int(seed)
        if seed < 0:
            seed += 1 << 64
        if not 0 <= seed < (1 << 64):
            raise RuntimeError(f"Overflow when unpacking long: seed {seed} is out of range")
        self._seed = seed
        self.rng = xp.random.Generator(xp.random.PCG64(seed))
        return self

    def seed(self):
        seed = int(xp.random.SeedSequence().entropy) % (1 << 63)
        self.manual_seed(seed)
        return seed

    def initial_seed(self):
        return self._seed

    def get_state(self):
        return self.rng.bit_generator.state

    def set_state(self, state):
        self.rng.bit_generator.state = state
        return self


default_generator = Generator()


def rng_of(generator):
    """The NumPy random Generator behind `generator` (None means the default one)."""
    return (generator or default_generator).rng


# ---------------------------------------------------------------------------------------------
# NumPy-only spellings, kept behind plain names
# ---------------------------------------------------------------------------------------------
def scatter_add(out, index, values):
    """out[index] += values, accumulating over repeated indices."""
    xp.add.at(out, index, values)
    return out


def scatter_mul(out, index, values):
    """out[index] *= values, multiplying in every value at repeated indices."""
    xp.multiply.at(out, index, values)
    return out


def scatter_max(out, index, values):
    """out[index] = max(out[index], values), over every value at repeated indices."""
    xp.maximum.at(out, index, values)
    return out


def scatter_min(out, index, values):
    """out[index] = min(out[index], values), over every value at repeated indices."""
    xp.minimum.at(out, index, values)
    return out


def segment_sum(x, starts, axis=0):
    """Sums of the consecutive slices x[starts[i]:starts[i + 1]] along `axis` (the last one runs
    to the end). `starts` must be increasing: an empty segment gives x[starts[i]], as reduceat."""
    return xp.add.reduceat(x, starts, axis=axis)


def segment_max(x, starts, axis=0):
    """Maxima of the slices x[starts[i]:starts[i + 1]] along `axis` (see segment_sum)."""
    return xp.maximum.reduceat(x, starts, axis=axis)


def segment_min(x, starts, axis=0):
    """Minima of the slices x[starts[i]:starts[i + 1]] along `axis` (see segment_sum)."""
    return xp.minimum.reduceat(x, starts, axis=axis)


def as_strided(x, shape, strides, writeable=True):
    """A view of x's memory with the given shape and byte strides (no bounds check: the caller
    keeps it inside x's buffer)."""
    return xp.lib.stride_tricks.as_strided(x, shape, strides, writeable=writeable)


def einsum(equation, *operands, optimize=False):
    """xp.einsum; optimize=True lets NumPy search for a cheaper contraction order (worth it for
    three or more operands, pure overhead for small two-operand products)."""
    return xp.einsum(equation, *operands, optimize=optimize)


def broadcast_to(x, shape):
    """A read-only view of `x` broadcast to `shape`, as np.broadcast_to. For a 0-d x (the
    gradient of a full reduction) the view is built directly: np.broadcast_to's Python layer
    costs ~2 us, which dominates small backward passes."""
    if type(x) is not ndarray:
        x = xp.asarray(x)
    if x.ndim == 0:
        out = ndarray(shape, x.dtype, x, 0, (0,) * len(shape))
        out.flags.writeable = False
        return out
    return xp.broadcast_to(x, shape)


def sliding_windows(x, window_shape, axis):
    """A read-only strided view of all windows of `window_shape` along `axis` (no copy)."""
    return xp.lib.stride_tricks.sliding_window_view(x, window_shape, axis=axis)


_SMALL_GEMM = 1 << 20   # OpenBLAS's "small matrix" kernels take products with M N K below this


def matmul(a, b, out=None):
    """xp.matmul with PyTorch's rounding error when a long K is contracted into a small result.
    OpenBLAS sends products with M N K < 2^20 to small-matrix kernels, and the one for a
    column-major left operand (a transposed view such as x.T, as in every weight gradient
    x^T g) adds the K terms one after another: float32 error ~K ulps, 5e-6 for K = 65536
    and a (3, 2) result against PyTorch's 1e-7. A row-major copy of that operand (at most
    2^20 / N elements per matrix) takes it to the blocked kernel. Anything but arrays (the
    Tensors of a differentiable backward) is multiplied with its own @."""
    if not isinstance(a, ndarray):
        return a @ b
    if a.ndim >= 2 and b.ndim >= 2 and a.dtype.kind in "fc":
        k = a.shape[-1]
        if (k > 256 and a.shape[-2] * b.shape[-1] * k < _SMALL_GEMM
                and a.strides[-1] != a.itemsize):
            a = xp.ascontiguousarray(a)
    return xp.matmul(a, b, out=out)
