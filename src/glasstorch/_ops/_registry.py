"""The one table that binds each op as `glasstorch.<name>`, `Tensor.<name>` and the in-place
`Tensor.<name>_`. Flags: f = public function, m = Tensor method, i = in-place method too.
Python operators are bound by their dunder names. Grep this file to find where an op lives."""
from .._tensor import Tensor
from . import creation, convert, elementwise, linalg, operators, reduce
from .inplace import make_inplace

OPS = [
    # ---------------------------------------------------------------- elementwise arithmetic
    ("add", elementwise.add, "fmi"),
    ("sub", elementwise.sub, "fmi"),
    ("subtract", elementwise.sub, "fmi"),
    ("rsub", elementwise.rsub, "f"),
    ("mul", elementwise.mul, "fmi"),
    ("multiply", elementwise.mul, "fmi"),
    ("div", elementwise.div, "fmi"),
    ("divide", elementwise.div, "fmi"),
    ("true_divide", elementwise.div, "fmi"),
    ("pow", elementwise.pow, "fmi"),
    ("neg", elementwise.neg, "fmi"),
    ("negative", elementwise.neg, "fmi"),
    ("exp", elementwise.exp, "fmi"),
    ("log", elementwise.log, "fmi"),
    ("sigmoid", elementwise.sigmoid, "fmi"),
    ("tanh", elementwise.tanh, "fmi"),
    ("relu", elementwise.relu, "fmi"),
    # ---------------------------------------------------------------- more elementwise math
    # ---------------------------------------------------------------- comparison and logical
    # ---------------------------------------------------------------- reductions
    ("sum", reduce.sum, "fm"),
    ("mean", reduce.mean, "fm"),
    # ---------------------------------------------------------------- shape and views
    # ---------------------------------------------------------------- indexing
    # ---------------------------------------------------------------- linear algebra
    ("matmul", linalg.matmul, "fm"),
    # ---------------------------------------------------------------- random
    # ---------------------------------------------------------------- conversion
    ("to", convert.to, "m"),
    ("clone", convert.clone, "fm"),
    ("contiguous", convert.contiguous, "m"),
    ("float", convert.to_float, "m"),
    ("double", convert.to_double, "m"),
    ("half", convert.to_half, "m"),
    ("long", convert.to_long, "m"),
    ("int", convert.to_int, "m"),
    ("short", convert.to_short, "m"),
    ("char", convert.to_char, "m"),
    ("byte", convert.to_byte, "m"),
    ("bool", convert.to_bool, "m"),
    # ---------------------------------------------------------------- creation
    ("tensor", creation.tensor, "f"),
    ("as_tensor", creation.as_tensor, "f"),
    ("asarray", creation.asarray, "f"),
    ("from_numpy", creation.from_numpy, "f"),
    ("zeros", creation.zeros, "f"),
    ("ones", creation.ones, "f"),
    ("empty", creation.empty, "f"),
    ("full", creation.full, "f"),
    ("zeros_like", creation.zeros_like, "f"),
    ("ones_like", creation.ones_like, "f"),
    ("empty_like", creation.empty_like, "f"),
    ("full_like", creation.full_like, "f"),
    ("arange", creation.arange, "f"),
    ("range", creation.range_, "f"),
    ("linspace", creation.linspace, "f"),
    ("logspace", creation.logspace, "f"),
    ("eye", creation.eye, "f"),
    # ---------------------------------------------------------------- Python operators
    ("__add__", elementwise.add, "m"),
    ("__radd__", operators.radd, "m"),
    ("__iadd__", operators.iadd, "m"),
    ("__sub__", elementwise.sub, "m"),
    ("__rsub__", operators.rsub, "m"),
    ("__isub__", operators.isub, "m"),
    ("__mul__", elementwise.mul, "m"),
    ("__rmul__", operators.rmul, "m"),
    ("__imul__", operators.imul, "m"),
    ("__truediv__", elementwise.div, "m"),
    ("__rtruediv__", operators.rtruediv, "m"),
    ("__itruediv__", operators.itruediv, "m"),
    ("__pow__", elementwise.pow, "m"),
    ("__rpow__", operators.rpow, "m"),
    ("__ipow__", operators.ipow, "m"),
    ("__neg__", elementwise.neg, "m"),
    ("__matmul__", linalg.matmul, "m"),
]


def bind(namespace):
    """Attach every row: public functions into `namespace` (glasstorch's globals), methods and
    in-place methods onto Tensor."""
    for name, fn, flags in OPS:
        if "f" in flags:
            namespace[name] = fn
        if "m" in flags:
            setattr(Tensor, name, fn)
        if "i" in flags:
            setattr(Tensor, name + "_", make_inplace(fn))
