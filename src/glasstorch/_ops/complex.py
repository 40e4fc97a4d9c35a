"""Complex-number helpers: real, imag, conj, angle, polar, complex, view_as_real/complex.

`real`, `imag`, `view_as_real` and `view_as_complex` are views, as in PyTorch: NumPy's `.real`
and `.imag` of a complex array share its memory, and a complex64 array reads as float32 pairs
through a strided view. glasstorch's `conj` is eager (a conjugated copy), where PyTorch's sets a
lazy "conjugate bit"; so `is_conj()` and `is_neg()` are always False here and `resolve_conj` /
`resolve_neg` return their input.

Gradients follow PyTorch's convention for complex numbers: the gradient of a real loss L with
respect to z = x + iy is dL/dx + i dL/dy. So real's backward turns g into g + 0i, imag's into
i g, conj's is conj(g), and a real input of a complex-valued op gets Re(conj(d out/d x) * g).
"""
import math

from .. import _backend
from .._backend import xp, scalar_name
from ..autograd.function import Function, Output
from .._tensor import Tensor
from ._util import sum_to_shape, conj_if_complex, write_out, check_tensor
from .shape import _view_of

_COMPLEX_OF = {xp.dtype(xp.float16): xp.complex64, xp.dtype(xp.float32): xp.complex64,
               xp.dtype(xp.float64): xp.complex128}


def _complex_of(real_dtype):
    return xp.dtype(_COMPLEX_OF[xp.dtype(real_dtype)])


def _pairs(z):
    """A complex array's memory read as (..., 2) real pairs (a writable view, no copy)."""
    real = z.real
    return _backend.as_strided(real, z.shape + (2,), real.strides + (real.itemsize,))


# ---------------------------------------------------------------------------------------------
# the ops: each Function followed by its public function
# ---------------------------------------------------------------------------------------------
class Real(Function):
    """out = Re(z)   (a view of z's memory)
    grad: dz = g + 0i"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, z):
        return z.real

    @staticmethod
    def backward(ctx, g):
        if isinstance(g, Tensor):   # create_graph=True: a differentiable cast
            return g.to(_backend.from_numpy_dtype(_complex_of(g._data.dtype)))
        return g.astype(_complex_of(g.dtype))


def real(input):
    """The real part, as a view (a real tensor is returned as it is)."""
    if not _is_complex(check_tensor("real", input)):
        return input
    return _view_of(Real.apply(input), input)


class Imag(Function):
    """out = Im(z)   (a view of z's memory)
    grad: dz = i g"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, z):
        return z.imag

    @staticmethod
    def backward(ctx, g):
        if isinstance(g, Tensor):   # create_graph=True: differentiable cast and product
            return g.to(_backend.from_numpy_dtype(_complex_of(g._data.dtype))) * 1j
        return g * xp.asarray(1j, _complex_of(g.dtype))


def imag(input):
    """The imaginary part, as a view; RuntimeError for real tensors."""
    if not _is_complex(check_tensor("imag", input)):
        raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")
    return _view_of(Imag.apply(input), input)


class Conj(Function):
    """out = conj(z) = x - iy   (an eager copy; PyTorch's is a lazy view)
    grad: dz = conj(g)"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, z):
        return xp.conj(z)

    @staticmethod
    def backward(ctx, g):
        return conj_if_complex(g)


def conj(input):
    """The complex conjugate (a real tensor is returned as it is). Eager: see the module doc."""
    if not _is_complex(check_tensor("conj", input)):
        return input
    return Conj.apply(input)


def conj_physical(input, *, out=None):
    """The complex conjugate, computed now (the same as conj in glasstorch)."""
    if not _is_complex(check_tensor("conj_physical", input)):
        return write_out(input, out)
    return write_out(Conj.apply(input), out)


class ViewAsReal(Function):
    """out[..., 0] = Re(z), out[..., 1] = Im(z)   (a view of z's memory)
    grad: dz = g[..., 0] + i g[..., 1]"""

    @staticmethod
    def forward(ctx, z):
        return _pairs(z)

    @staticmethod
    def backward(ctx, g):
        return xp.ascontiguousarray(g).view(_complex_of(g.dtype))[..., 0]


def view_as_real(input):
    """A complex tensor's memory as real pairs: shape (*, 2), a view."""
    if not _is_complex(check_tensor("view_as_real", input)):
        raise RuntimeError("view_as_real is only supported for complex tensors")
    return _view_of(ViewAsReal.apply(input), input)


class ViewAsComplex(Function):
    """out = x[..., 0] + i x[..., 1]   (a view of x's memory)
    grad: dx = the (Re g, Im g) pairs of g"""

    @staticmethod
    def forward(ctx, x):
        return x.view(_complex_of(x.dtype))[..., 0]

    @staticmethod
    def backward(ctx, g):
        return _pairs(g).copy()


def view_as_complex(input):
    """A (*, 2) float tensor's pairs as complex numbers: shape (*), a view. The last dim must
    have size 2 and stride 1, every other stride must be even."""
    data = check_tensor("view_as_complex", input)._data
    if data.dtype.kind != "f":
        raise RuntimeError(f"view_as_complex is only supported for half, float and double "
                           f"tensors, but got a tensor of scalar type: {scalar_name(data.dtype)}")
    if data.ndim == 0 or data.shape[-1] != 2:
        raise RuntimeError("Tensor must have a last dimension of size 2")
    if data.strides[-1] != data.itemsize:
        raise RuntimeError("Tensor must have a last dimension with stride 1")
    if any(s % (2 * data.itemsize) for s in data.strides[:-1]):
        raise RuntimeError("Tensor must have a stride divisible by 2 for all but last "
                           "dimension")
    if data.dtype == xp.float16:
        raise RuntimeError("view_as_complex: glasstorch has no complex32 dtype for float16 "
                           "pairs")
    return _view_of(ViewAsComplex.apply(input), input)


class Complex(Function):
    """out = re + i im   (broadcast)
    grad: dre = Re(g),  dim = Im(g)   (each summed back to its input's shape)"""

    @staticmethod
    def forward(ctx, re, im):
        ctx.shapes = (re.shape, im.shape)
        out = xp.empty(xp.broadcast_shapes(re.shape, im.shape), _complex_of(re.dtype))
        out.real, out.imag = re, im
        return out

    @staticmethod
    def backward(ctx, g):
        shape_re, shape_im = ctx.shapes
        need_re, need_im = ctx.needs_input_grad
        return (sum_to_shape(g.real, shape_re) if need_re else None,
                sum_to_shape(g.imag, shape_im) if need_im else None)


def complex(real, imag, *, out=None):
    """real + i imag, broadcast; both inputs of the same float dtype."""
    _float_pair("complex", real, imag, "real", "imag")
    return write_out(Complex.apply(real, imag), out, same_dtype=True)


class Polar(Function):
    """out = r (cos t + i sin t)   (broadcast)
    grad: dr = Re(g conj(e^{it})),  dt = Re(g conj(i out))"""

    @staticmethod
    def forward(ctx, r, t):
        unit = xp.empty(t.shape, _complex_of(t.dtype))
        unit.real, unit.imag = xp.cos(t), xp.sin(t)
        out = r * unit
        ctx.save_for_backward(unit, Output(out))
        ctx.shapes = (r.shape, t.shape)
        return out

    @staticmethod
    def backward(ctx, g):
        unit, out = ctx.saved_tensors
        shape_r, shape_t = ctx.shapes
        need_r, need_t = ctx.needs_input_grad
        return (sum_to_shape((g * xp.conj(unit)).real, shape_r) if need_r else None,
                sum_to_shape((g * xp.conj(1j * out)).real, shape_t) if need_t else None)


def polar(abs, angle, *, out=None):
    """abs * (cos(angle) + i sin(angle)), broadcast; float32 -> complex64, float64 ->
    complex128 (both inputs of the same float dtype)."""
    _float_pair("polar", abs, angle, "abs", "angle")
    return write_out(Polar.apply(abs, angle), out, same_dtype=True)


class Angle(Function):
    """out = atan2(Im z, Re z); for real x: pi where x < 0, else 0 (nan stays nan)
    grad: dz = g (-y + i x) / |z|**2 for complex z;  dx = 0 for real x"""

    @staticmethod
    def forward(ctx, z):
        ctx.save_for_backward(z)
        if z.dtype.kind == "c":
            return xp.angle(z)
        out = xp.where(z < 0, math.pi, 0.0).astype(z.dtype)
        return xp.where(xp.isnan(z), z, out)

    @staticmethod
    def backward(ctx, g):
        (z,) = ctx.saved_tensors
        if z.dtype.kind != "c":
            return xp.zeros_like(g)
        return g * (-z.imag + 1j * z.real) / (z.real * z.real + z.imag * z.imag)


def angle(input, *, out=None):
    """The argument of each element in radians: atan2(imag, real); for real tensors pi where
    negative, else 0. Integer inputs give the default float dtype."""
    x = check_tensor("angle", input)
    if x._data.dtype.kind in "biu":
        x = x.to(_backend.get_default_dtype())
    return write_out(Angle.apply(x), out)


# ---------------------------------------------------------------------------------------------
# helpers and the ops without a Function of their own
# ---------------------------------------------------------------------------------------------
def _is_complex(t):
    return t._data.dtype.kind == "c"


def _set_real(self, value):
    real(self).copy_(value)


def _set_imag(self, value):
    imag(self).copy_(value)


real_property = property(real, _set_real, doc="The real part, as a view (settable).")
imag_property = property(imag, _set_imag, doc="The imaginary part, as a view (settable).")


def resolve_conj(input):
    """input itself: glasstorch's conj is never lazy, so there is no conjugate bit to resolve."""
    return check_tensor("resolve_conj", input)


def resolve_neg(input):
    """input itself: glasstorch has no lazy negative bit."""
    return check_tensor("resolve_neg", input)


def is_conj(input):
    """False: glasstorch never sets a lazy conjugate bit."""
    check_tensor("is_conj", input)
    return False


def is_neg(input):
    """False: glasstorch never sets a lazy negative bit."""
    check_tensor("is_neg", input)
    return False


def _float_pair(fname, a, b, name_a, name_b):
    check_tensor(fname, a, name_a, 1)
    check_tensor(fname, b, name_b, 2)
    da, db = a._data.dtype, b._data.dtype
    if da.kind != "f" or db.kind != "f":
        raise RuntimeError(f"Expected both inputs to be Half, Float or Double tensors but got "
                           f"{scalar_name(da)} and {scalar_name(db)}")
    if da != db:
        raise RuntimeError(f"Expected object of scalar type {scalar_name(da)} but got scalar type "
                           f"{scalar_name(db)} for second argument")
