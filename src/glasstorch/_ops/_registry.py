"""The one table that binds each op as `glasstorch.<name>`, `Tensor.<name>` and the in-place
`Tensor.<name>_`. Flags: f = public function, m = Tensor method, i = in-place method too.
Python operators are bound by their dunder names. Grep this file to find where an op lives."""
from .._tensor import Tensor
from . import creation, convert, elementwise, linalg, operators, reduce
from . import random
from .. import linalg as linalg_public
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
    ("mm", linalg.mm, "fm"),
    ("mv", linalg.mv, "fm"),
    ("bmm", linalg.bmm, "fm"),
    ("dot", linalg.dot, "fm"),
    ("vdot", linalg.vdot, "fm"),
    ("addmm", linalg.addmm, "fmi"),
    ("addmv", linalg.addmv, "fmi"),
    ("baddbmm", linalg.baddbmm, "fmi"),
    ("addbmm", linalg.addbmm, "fmi"),
    ("einsum", linalg.einsum, "f"),
    ("outer", linalg.outer, "fm"),
    ("ger", linalg.outer, "fm"),
    ("inner", linalg.inner, "fm"),
    ("tensordot", linalg.tensordot, "f"),
    ("kron", linalg.kron, "fm"),
    ("trace", linalg.trace, "fm"),
    ("cross", linalg.cross, "fm"),
    ("det", linalg_public.det, "fm"),
    ("logdet", linalg_public.logdet, "fm"),
    ("slogdet", linalg_public.slogdet, "fm"),
    ("inverse", linalg_public.inv, "fm"),
    ("pinverse", linalg_public.pinv, "fm"),
    ("cholesky", linalg_public.cholesky, "fm"),
    ("qr", linalg_public.qr, "fm"),
    ("svd", linalg_public.torch_svd, "fm"),
    # ---------------------------------------------------------------- random
    ("manual_seed", random.manual_seed, "f"),
    ("seed", random.seed, "f"),
    ("initial_seed", random.initial_seed, "f"),
    ("get_rng_state", random.get_rng_state, "f"),
    ("set_rng_state", random.set_rng_state, "f"),
    ("rand", random.rand, "f"),
    ("randn", random.randn, "f"),
    ("randint", random.randint, "f"),
    ("rand_like", random.rand_like, "f"),
    ("randn_like", random.randn_like, "f"),
    ("randint_like", random.randint_like, "f"),
    ("normal", random.normal, "f"),
    ("randperm", random.randperm, "f"),
    ("bernoulli", random.bernoulli, "fm"),
    ("multinomial", random.multinomial, "fm"),
    ("poisson", random.poisson, "f"),
    ("uniform_", random.uniform_, "m"),
    ("normal_", random.normal_, "m"),
    ("random_", random.random_, "m"),
    ("bernoulli_", random.bernoulli_, "m"),
    ("exponential_", random.exponential_, "m"),
    ("geometric_", random.geometric_, "m"),
    ("log_normal_", random.log_normal_, "m"),
    ("cauchy_", random.cauchy_, "m"),
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
