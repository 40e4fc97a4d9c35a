"""Products of vectors, matrices and tensors: matmul and its strict variants (mm, mv, bmm, dot),
the fused add-products (addmm, addmv, baddbmm, addbmm), outer/inner/tensordot/kron, einsum,
trace and cross, and linalg.multi_dot. The other linear algebra: norms.py, solvers.py,
decompositions.py, matrix_functions.py, cdist.py.

Like PyTorch, the product ops do not promote dtypes: both operands must share one dtype
(outer, inner and kron are the exceptions, being elementwise products underneath)."""
import math
import string

from .._backend import xp
from .._tensor import Tensor
from ..autograd.function import Function
from .. import _backend
from ._summation import pairwise_sum
from ._util import (sum_to_shape, cast, check_broadcast, wrap_dim, node_name, conj_if_complex,
                    write_out)
from ._linalg_util import cap, shape_str, t


def _check_same_dtype(a, b):
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: "
                           f"{_backend.cpp_name(a.dtype)} != {_backend.cpp_name(b.dtype)}")
    if a._data.dtype.kind == "b":
        # NumPy would happily multiply bool matrices; PyTorch has no kernel for them
        raise NotImplementedError("\"addmm_impl_cpu_\" not implemented for 'Bool'")


# ---------------------------------------------------------------------------------------------
# matmul: the training hot path
# ---------------------------------------------------------------------------------------------
def _matmul_grads(g, a, b, need_a, need_b):
    """Gradients of a @ b (matmul semantics) for upstream g; None where not needed.
    Arrays or Tensors: only reshape, transpose, @ and sum are used."""
    a_vec, b_vec = a.ndim == 1, b.ndim == 1
    a2 = a.reshape((1, -1)) if a_vec else a          # (K,) -> (1, K)
    b2 = b.reshape((-1, 1)) if b_vec else b          # (K,) -> (K, 1)
    gshape = tuple(g.shape)
    if a_vec:   # the 1 that a gained sits before g's last axis (or alone when b is 1-d too)
        gshape = gshape + (1,) if b_vec else gshape[:-1] + (1,) + gshape[-1:]
        gshape = (1, 1) if b_vec else gshape
    elif b_vec:
        gshape = gshape + (1,)
    if gshape != tuple(g.shape):
        g = g.reshape(gshape)
    ga = gb = None
    if need_a:
        ga = sum_to_shape(g @ t(b2), tuple(a2.shape))
        ga = ga.reshape(a.shape) if a_vec else ga
    if need_b:
        if b2.ndim == 2 and g.ndim > 2:
            # Batched input times one matrix (a linear layer on (N, L, K) data): fold the
            # batch into the rows and do one big matmul instead of a batch of small ones + sum.
            k, m = a2.shape[-1], g.shape[-1]
            rows = math.prod(a2.shape[:-1])    # (not -1: a zero-size k or m leaves it unknown)
            gb = _backend.matmul(t(a2.reshape((rows, k))), g.reshape((rows, m)))
        else:
            gb = sum_to_shape(_backend.matmul(t(a2), g), tuple(b2.shape))
        gb = gb.reshape(b.shape) if b_vec else gb
    return ga, gb


class Matmul(Function):
    """out = a @ b   (1-d operands are promoted to matrices and the added axis removed)
    grad: da = g @ b^H,  db = a^H @ g   (summed over broadcast batch dims; H: conjugate
          transpose, the plain transpose for real operands)"""

    differentiable_backward = True
    elementwise_broadcast = False   # batch dims only: matmul() words the error itself

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        ctx.shapes = (a.shape, b.shape)
        return _backend.matmul(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return _matmul_grads(g, conj_if_complex(a), conj_if_complex(b), *ctx.needs_input_grad)

    def name(self):
        # worked out only when asked (printing), not on every product
        return self._node_name or _matmul_node(*self.shapes, *self.needs_input_grad)


def _check_matmul_shapes(a, b):
    """PyTorch's errors for matmul operands NumPy would reject with a ValueError."""
    sa, sb = a._data.shape, b._data.shape
    if not sa or not sb:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are "
                           f"{len(sa)}D and {len(sb)}D")
    k_b = sb[-2] if len(sb) > 1 else sb[0]
    if sa[-1] != k_b:
        if len(sa) == 1 and len(sb) == 1:
            raise RuntimeError(f"inconsistent tensor size, expected tensor [{sa[0]}] and src "
                               f"[{sb[0]}] to have the same number of elements, but got "
                               f"{sa[0]} and {sb[0]} elements respectively")
        left = sa[-2:] if len(sa) > 1 else (1, sa[0])
        right = sb[-2:] if len(sb) > 1 else (sb[0], 1)
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({shape_str(left)} and "
                           f"{shape_str(right)}); shapes are {list(sa)} and {list(sb)}")
    if sa[:-2] != sb[:-2]:
        check_broadcast(sa[:-2], sb[:-2])


def _promote(a, b):
    """Cast two tensors to their common dtype (PyTorch's rules), without shape checks."""
    target = _backend.result_type(a, b)
    return cast(a, target), cast(b, target)


def matmul(input, other, *, out=None):
    """Matrix product with NumPy/PyTorch semantics: 1-d x 1-d -> dot, 2-d x 2-d -> mm,
    1-d operands promoted to matrices, batch dims broadcast.
    Shapes: (*, n, k) @ (*, k, m) -> (*, n, m)."""
    _check_same_dtype(input, other)
    try:
        result = Matmul.apply(input, other)
    except (ValueError, RuntimeError):
        _check_matmul_shapes(input, other)   # PyTorch's message for the shapes at fault
        raise
    return write_out(result, out, same_dtype=True)


# PyTorch's matmul dispatches on the operands' dims; its last node names the product
_MATMUL_NODES = {(1, 1): "DotBackward0", (2, 1): "MvBackward0", (2, 2): "MmBackward0",
                 (1, 2): "SqueezeBackward4"}   # (k,) @ (k, m): unsqueeze, mm, squeeze_


def _matmul_node(sa, sb, grad_a, grad_b):
    """The name of the node PyTorch's matmul ends with for operand shapes sa, sb. Batched
    products end in a reshape (UnsafeViewBackward0), except that a matrix `a` requiring
    grad is folded into one mm with b's batch, whose transposed result is then copied."""
    if len(sa) <= 2 and len(sb) <= 2:
        return _MATMUL_NODES[len(sa), len(sb)]
    if len(sa) == 3 and len(sb) == 3 and sa[0] != sb[0]:
        # a batch of one that requires grad is squeezed away first
        if sa[0] == 1 and grad_a:
            return _matmul_node(sa[1:], sb, grad_a, grad_b)
        if sb[0] == 1 and grad_b:
            return _matmul_node(sa, sb[1:], grad_a, grad_b)
    if len(sa) == 2 and grad_a:
        n, m = sa[0], sb[-1]
        # the copy is skipped when the transpose is already contiguous
        trivial = n == 1 or m == 1 or 0 in sb
        return "TransposeBackward0" if trivial else "CloneBackward0"
    return "UnsafeViewBackward0"


def mm(input, mat2, *, out=None):
    """Matrix product of two 2-d tensors: (n, k) @ (k, m) -> (n, m). No broadcasting."""
    if input.ndim != 2 or mat2.ndim != 2:
        bad, which = (input, "self") if input.ndim != 2 else (mat2, "mat2")
        raise RuntimeError(f"{which} must be a matrix, got {bad.ndim}-D tensor")
    return matmul(input, mat2, out=out)


def mv(input, vec, *, out=None):
    """Matrix-vector product: (n, m) @ (m,) -> (n,)."""
    if input.ndim != 2 or vec.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got {vec.ndim}, {input.ndim}, "
                           f"{vec.ndim}")
    if input.shape[1] != vec.shape[0]:
        raise RuntimeError(f"size mismatch, got input ({input.shape[0]}), mat "
                           f"({shape_str(input.shape)}), vec ({vec.shape[0]})")
    return matmul(input, vec, out=out)


def bmm(input, mat2, *, out=None):
    """Batched matrix product of 3-d tensors: (b, n, k) @ (b, k, m) -> (b, n, m)."""
    if input.ndim != 3 or mat2.ndim != 3:
        bad, which = (input, "batch1") if input.ndim != 3 else (mat2, "batch2")
        raise RuntimeError(f"{which} must be a 3D tensor, got {bad.ndim}-D")
    b, _, k = input.shape
    if tuple(mat2.shape[:2]) != (b, k):
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{b}, {k}] but got: [{mat2.shape[0]}, {mat2.shape[1]}].")
    return node_name(matmul(input, mat2, out=out), "BmmBackward0")


def dot(input, tensor, *, out=None):
    """Inner product of two 1-d tensors of equal length -> 0-d."""
    if input.ndim != 1 or tensor.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.ndim}D and {tensor.ndim}D "
                           f"tensors")
    if input._data.dtype != tensor._data.dtype:
        raise RuntimeError(f"dot : expected both vectors to have same dtype, but found "
                           f"{cap(input)} and {cap(tensor)}")
    return matmul(input, tensor, out=out)


def vdot(input, other, *, out=None):
    """conj(input) . other for 1-d tensors (the same as dot for real tensors)."""
    if input.is_complex():
        input = input.conj()
    return node_name(dot(input, other, out=out), "VdotBackward0")


def multi_dot(tensors, *, out=None):
    """linalg.multi_dot: the product of a list of matrices (the first and the last may be 1-d),
    left to right."""
    if len(tensors) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(tensors)}")
    result = tensors[0]
    for tensor in tensors[1:]:
        result = matmul(result, tensor)
    return write_out(result, out, same_dtype=True)


# ---------------------------------------------------------------------------------------------
# fused add + product: beta * input + alpha * (m1 @ m2)
# ---------------------------------------------------------------------------------------------
class AddMatmul(Function):
    """out = beta * c + alpha * (a @ b)    (c broadcasts to the product's shape)
    grad: dc = beta * g,  da = alpha * g @ b^H,  db = alpha * a^H @ g   (complex: conj(alpha),
          conj(beta) too)"""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, c, a, b, beta, alpha):
        ctx.save_for_backward(a, b)
        ctx.c_shape, ctx.beta, ctx.alpha = c.shape, beta, alpha
        out = _backend.matmul(a, b)
        if alpha != 1:
            out *= alpha
        if beta == 0:       # PyTorch ignores input entirely then: nan/inf in it do not propagate
            return out
        return out + (c if beta == 1 else beta * c)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_c, need_a, need_b = ctx.needs_input_grad[:3]
        beta, alpha = conj_if_complex(ctx.beta), conj_if_complex(ctx.alpha)
        gc = sum_to_shape(g * beta, tuple(ctx.c_shape)) if need_c else None
        ga, gb = _matmul_grads(g * alpha if alpha != 1 else g, conj_if_complex(a),
                               conj_if_complex(b), need_a, need_b)
        return gc, ga, gb


def _integral_scalars(tensor, *scalars):
    """beta and alpha as PyTorch converts them for integer operands: truncated toward zero
    (a complex value with an imaginary part cannot be converted)."""
    if tensor._data.dtype.kind not in "iub":
        return scalars
    converted = []
    for value in scalars:
        if isinstance(value, complex):
            if value.imag:
                raise RuntimeError(f"value cannot be converted to type "
                                   f"{tensor._data.dtype.name}_t without overflow")
            value = value.real
        converted.append(int(value))
    return converted


def _addmm_common(input, m1, m2, beta, alpha, out, name):
    """Shared checks of addmm/addmv/baddbmm (shapes of m1, m2 already checked)."""
    if input._data.dtype != m1._data.dtype:
        raise RuntimeError(f"self and mat2 must have the same dtype, but got {cap(input)} and "
                           f"{cap(m1)}")
    _check_same_dtype(m1, m2)
    shape = tuple(m1.shape[:-1]) + ((m2.shape[-1],) if m2.ndim > 1 else ())
    try:
        ok = xp.broadcast_shapes(tuple(input.shape), shape) == shape
    except ValueError:
        ok = False
    if not ok:
        raise RuntimeError(f"The expanded size of the tensor ({shape[-1]}) must match the "
                           f"existing size ({input.shape[-1] if input.ndim else 1}): target "
                           f"sizes {list(shape)}, tensor sizes {list(input.shape)}")
    beta, alpha = _integral_scalars(m1, beta, alpha)
    return write_out(node_name(AddMatmul.apply(input, m1, m2, beta, alpha), name),
                     out, same_dtype=True)


def addmm(input, mat1, mat2, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * (mat1 @ mat2). Shapes: input broadcastable to (n, m),
    mat1 (n, k), mat2 (k, m) -> (n, m). One autograd node (the core of a linear layer)."""
    if mat1.ndim != 2 or mat2.ndim != 2:
        bad, which = (mat1, "mat1") if mat1.ndim != 2 else (mat2, "mat2")
        raise RuntimeError(f"{which} must be a matrix, got {bad.ndim}-D tensor")
    if mat1.shape[1] != mat2.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied "
                           f"({shape_str(mat1.shape)} and {shape_str(mat2.shape)})")
    return _addmm_common(input, mat1, mat2, beta, alpha, out, "AddmmBackward0")


def addmv(input, mat, vec, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * (mat @ vec). Shapes: input broadcastable to (n,), mat (n, m),
    vec (m,) -> (n,)."""
    if mat.ndim != 2 or vec.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got {input.ndim}, {mat.ndim}, "
                           f"{vec.ndim}")
    if mat.shape[1] != vec.shape[0]:
        raise RuntimeError(f"size mismatch, got input ({input.shape[0] if input.ndim else 1}), "
                           f"mat ({shape_str(mat.shape)}), vec ({vec.shape[0]})")
    return _addmm_common(input, mat, vec, beta, alpha, out, "AddmvBackward0")


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * bmm(batch1, batch2). Shapes: input broadcastable to (b, n, m),
    batch1 (b, n, k), batch2 (b, k, m) -> (b, n, m)."""
    if batch1.ndim != 3 or batch2.ndim != 3:
        raise RuntimeError(f"batch1 must be a 3D tensor, batch2 must be a 3D tensor: got "
                           f"{batch1.ndim}-D and {batch2.ndim}-D")
    b, _, k = batch1.shape
    if tuple(batch2.shape[:2]) != (b, k):
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{b}, {k}] but got: [{batch2.shape[0]}, {batch2.shape[1]}].")
    return _addmm_common(input, batch1, batch2, beta, alpha, out, "BaddbmmBackward0")


def addbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * sum_b batch1[b] @ batch2[b]. Shapes: input broadcastable to
    (n, m), batch1 (b, n, k), batch2 (b, k, m) -> (n, m)."""
    if batch1.ndim != 3 or batch2.ndim != 3:
        raise RuntimeError(f"batch1 must be a 3D tensor, batch2 must be a 3D tensor: got "
                           f"{batch1.ndim}-D and {batch2.ndim}-D")
    if batch1.shape[0] != batch2.shape[0] or batch1.shape[2] != batch2.shape[1]:
        raise RuntimeError(f"batch1 and batch2 shapes cannot be multiplied: "
                           f"{list(batch1.shape)} and {list(batch2.shape)}")
    _check_same_dtype(batch1, batch2)
    beta, alpha = _integral_scalars(batch1, beta, alpha)
    from .elementwise import add, mul
    product = einsum("bij,bjk->ik", batch1, batch2)
    if alpha != 1:
        product = mul(product, alpha)
    if beta != 0:
        product = add(product, input if beta == 1 else mul(input, beta))
    return write_out(node_name(product, "AddbmmBackward0"), out, same_dtype=True,
                     warn_resize=False)   # PyTorch's legacy addbmm resizes silently


def _addbmm_in_place(input, batch1, batch2, *, beta=1, alpha=1):
    from .inplace import make_inplace
    return make_inplace(addbmm)(input, batch1, batch2, beta=beta, alpha=alpha)


def addbmm_(input, batch1, batch2, *, beta=1, alpha=1):
    """In-place addbmm. As PyTorch's legacy kernel, input need only broadcast to the (n, m)
    result: it is then resized to (n, m) (and so cannot require grad)."""
    shape = (batch1.shape[1], batch2.shape[2]) if batch1.ndim == 3 and batch2.ndim == 3 else None
    if shape is None or tuple(input.shape) == shape:
        return _addbmm_in_place(input, batch1, batch2, beta=beta, alpha=alpha)
    from .inplace import check_inplace_allowed, write_into
    input.expand(shape)                 # PyTorch's error when input does not broadcast
    if input.requires_grad:
        check_inplace_allowed(input)
    result = addbmm(input, batch1, batch2, beta=beta, alpha=alpha)
    input._data = xp.empty(shape, input._data.dtype)         # the resize
    return write_into(input, result)


# ---------------------------------------------------------------------------------------------
# einsum and the contractions built on it
# ---------------------------------------------------------------------------------------------
class Einsum(Function):
    """out = einsum(equation, *operands)   (equation fully explicit: letters only, '->' given)
    grad: d(operand i) = einsum of g with the other operands, giving operand i's subscripts;
          labels only operand i has are broadcast back, repeated labels fill its diagonal."""

    @staticmethod
    def forward(ctx, *operands, inputs, output):
        ctx.save_for_backward(*operands)
        ctx.inputs, ctx.output = inputs, output
        # PyTorch's einsum ends by viewing (several operands) or summing (one operand) away
        # the contracted labels; without any, in a permute (one operand) or a mul
        contracts = any(label not in output for term in inputs for label in term)
        ctx._node_name = _EINSUM_NODES[contracts, len(operands) > 1]
        if len(operands) == 1 and contracts and operands[0].dtype.kind in "fc":
            x, labels = operands[0], inputs[0]
            summed = math.prod(n for n, l in zip(x.shape, labels) if l not in output)
            if summed > 16:        # (a few terms are as exact in NumPy's order, and faster)
                return _summed_einsum(x, labels, output)
        return _einsum_arrays(inputs, output, operands)

    @staticmethod
    def backward(ctx, g):
        operands = tuple(conj_if_complex(x) for x in ctx.saved_tensors)   # conj(x): complex
        grads = []
        for i, need in enumerate(ctx.needs_input_grad):
            grads.append(_einsum_grad(g, i, operands, ctx.inputs, ctx.output) if need else None)
        return tuple(grads)


def _einsum_arrays(inputs, output, arrays):
    """einsum of NumPy arrays (subscripts `inputs`, explicit `output`). Two float operands
    that contract labels go to one (batched) GEMM through _backend.matmul, as PyTorch's bmm
    path: NumPy's einsum reaches BLAS with transposed views that OpenBLAS's small-matrix
    kernel sums one term after another ('bi,bj->ij' over 65536 rows: 5.7e-6 against
    PyTorch's 2.9e-7)."""
    if len(arrays) == 2:
        out = _contract_pair(inputs[0], inputs[1], output, *arrays)
        if out is not None:
            return out
    eq = ",".join(inputs) + "->" + output
    return _backend.einsum(eq, *arrays, optimize=len(arrays) > 1)


def _contract_pair(la, lb, output, a, b):
    """einsum(la,lb->output) of a and b as matmul((batch, free_a, K), (batch, K, free_b)),
    batch dims kept apart (they broadcast); None (use NumPy's einsum) when there is nothing
    to contract, for other dtypes, repeated labels, size-1 labels against longer ones, or
    labels that only one operand has and the output drops."""
    if a.dtype != b.dtype or a.dtype.kind not in "fc":
        return None
    if len(set(la)) != len(la) or len(set(lb)) != len(lb) or len(set(output)) != len(output):
        return None
    size_a, size_b = dict(zip(la, a.shape)), dict(zip(lb, b.shape))
    contracted = [l for l in la if l in size_b and l not in output]
    if not contracted or any(l not in output and l not in size_b for l in la) \
            or any(l not in output and l not in size_a for l in lb):
        return None
    if any(size_a[l] != size_b[l] for l in contracted):
        return None
    batch = [l for l in output if l in size_a and l in size_b]
    free_a = [l for l in output if l in size_a and l not in size_b]
    free_b = [l for l in output if l in size_b and l not in size_a]
    k = math.prod(size_a[l] for l in contracted)
    fa, fb = math.prod(size_a[l] for l in free_a), math.prod(size_b[l] for l in free_b)
    a3 = a.transpose([la.index(l) for l in batch + free_a + contracted])
    a3 = a3.reshape(a3.shape[:len(batch)] + (fa, k))
    b3 = b.transpose([lb.index(l) for l in batch + contracted + free_b])
    b3 = b3.reshape(b3.shape[:len(batch)] + (k, fb))
    product = _backend.matmul(a3, b3)
    order = batch + free_a + free_b
    product = product.reshape(product.shape[:len(batch)]
                              + tuple(size_a[l] for l in free_a)
                              + tuple(size_b[l] for l in free_b))
    return product.transpose([order.index(l) for l in output])


def _summed_einsum(x, labels, output):
    """einsum(labels -> output) of one operand that sums labels away ('ij->j', 'iij->'): its
    diagonals taken as a view, then the sum as a tree (NumPy's einsum adds one element after
    another: 'ij->j' over 262144 rows is off by 8e-6 in float32)."""
    unique = "".join(dict.fromkeys(labels))
    if unique != labels:
        x = xp.einsum(labels + "->" + unique, x)        # a view of the diagonal
    summed = tuple(k for k, l in enumerate(unique) if l not in output)
    total = pairwise_sum(x, summed)
    kept = "".join(l for l in unique if l in output)
    return total if kept == output else total.transpose([kept.index(l) for l in output])


_EINSUM_NODES = {(True, True): "ViewBackward0", (True, False): "SumBackward1",
                 (False, True): "MulBackward0", (False, False): "PermuteBackward0"}


def _einsum_grad(g, i, operands, inputs, output):
    """Gradient of an einsum with respect to operand i (NumPy arrays)."""
    x, labels = operands[i], inputs[i]
    unique = "".join(dict.fromkeys(labels))
    # labels the gradient einsum can produce: those of g and of the other operands
    seen = set(output).union(*(set(s) for j, s in enumerate(inputs) if j != i))
    target = "".join(l for l in unique if l in seen)
    terms = [output] + [s for j, s in enumerate(inputs) if j != i]
    arrays = [g] + [o for j, o in enumerate(operands) if j != i]
    grad = _einsum_arrays(terms, target, arrays)
    # size of each label within operand i (a 1 here may have broadcast against others)
    size = {}
    for l, s in zip(labels, x.shape):
        size[l] = s
    # put back labels only operand i has (they were summed in forward: gradient broadcasts)
    grad = grad.reshape(tuple(grad.shape[target.index(l)] if l in target else 1 for l in unique))
    # undo broadcasting of operand i's size-1 labels
    grad = sum_to_shape(grad, tuple(size[l] if l in target else 1 for l in unique))
    grad = xp.broadcast_to(grad, tuple(size[l] for l in unique))
    if len(unique) == len(labels):
        if unique != labels:
            grad = grad.transpose([unique.index(l) for l in labels])
        return grad if grad.flags.writeable else grad.copy()   # no read-only broadcast views
    # a repeated label ('ii->i') read a diagonal: write the gradient into that diagonal.
    # einsum with one operand and no summation returns a writable view of the diagonal.
    full = xp.zeros(x.shape, dtype=grad.dtype)
    xp.einsum(labels + "->" + unique, full)[...] = grad
    return full


_LETTERS = string.ascii_uppercase + string.ascii_lowercase


def _parse_einsum(equation, shapes):
    """Expand `equation` (with '...', implicit output, spaces) into explicit input subscripts
    and an output subscript, checking it against the operand shapes as PyTorch does."""
    equation = equation.replace(" ", "")
    lhs, arrow, rhs = equation.partition("->")
    terms = lhs.split(",")
    if len(terms) > len(shapes):
        raise RuntimeError("einsum(): fewer operands were provided than specified in the "
                           "equation")
    if len(terms) < len(shapes):
        raise RuntimeError("einsum(): more operands were provided than specified in the "
                           "equation")
    used = set(equation) - set(".,->")
    bad = [c for c in used if c not in _LETTERS]
    if bad:
        raise RuntimeError(f"einsum(): invalid subscript given at index "
                           f"{equation.index(bad[0])} in the equation string, subscripts must "
                           f"be in [a-zA-Z]")
    # '...' stands for as many dims as each operand has beyond its letters
    ell_dims = []
    for k, (term, shape) in enumerate(zip(terms, shapes)):
        letters = len(term.replace("...", ""))
        if "..." in term:
            if letters > len(shape):
                raise RuntimeError(f"einsum(): the number of subscripts in the equation "
                                   f"({letters}) is more than the number of dimensions "
                                   f"({len(shape)}) for operand {k}")
            ell_dims.append(len(shape) - letters)
        else:
            if letters != len(shape):
                raise RuntimeError(f"einsum(): the number of subscripts in the equation "
                                   f"({letters}) does not match the number of dimensions "
                                   f"({len(shape)}) for operand {k} and no ellipsis was given")
            ell_dims.append(0)
    n_ell = max(ell_dims, default=0)
    spare = [c for c in _LETTERS if c not in used][:n_ell]
    ell = "".join(spare)
    inputs = [term.replace("...", ell[n_ell - d:]) for term, d in zip(terms, ell_dims)]
    if arrow:
        if "..." not in rhs:
            output = rhs
        else:
            output = rhs.replace("...", ell)
        for c in output:
            if output.count(c) > 1:
                raise RuntimeError(f"einsum(): output subscript {c} appears more than once in "
                                   f"the output")
            if not any(c in s for s in inputs):
                raise RuntimeError(f"einsum(): output subscript {c} does not appear in the "
                                   f"equation for any input operand")
    else:
        # implicit output: the ellipsis dims, then labels seen exactly once, sorted (A-Z, a-z)
        joined = "".join(terms).replace("...", "")
        output = ell + "".join(sorted(c for c in set(joined) if joined.count(c) == 1))
    # each label must have one size across operands, up to broadcasting of 1s
    sizes = {}
    for k, (term, shape) in enumerate(zip(inputs, shapes)):
        for c, s in zip(term, shape):
            prev = sizes.get(c, 1)
            if s != 1 and prev != 1 and s != prev:
                raise RuntimeError(f"einsum(): subscript {c} has size {s} for operand {k} which "
                                   f"does not broadcast with previously seen size {prev}")
            sizes[c] = max(prev, s) if s != 1 else prev
    return inputs, output


def _sublist_to_equation(args):
    """einsum(op1, [0, 1], op2, [1, 2], [0, 2]) -> ('ab,bc->ac', [op1, op2])."""
    def term(sub):
        return "".join("..." if s is Ellipsis else _LETTERS[s] for s in sub)
    operands = list(args[0::2][:len(args) // 2])
    subs = list(args[1::2][:len(args) // 2])
    equation = ",".join(term(s) for s in subs)
    if len(args) % 2:
        equation += "->" + term(args[-1])
    return equation, operands


def einsum(*args):
    """Einstein summation: einsum('ij,jk->ik', a, b), einsum('ij,jk', [a, b]) or the sublist
    form einsum(a, [0, 1], b, [1, 2], [0, 2]). Supports '...', implicit output, repeated labels
    (diagonals, traces) and broadcasting of size-1 dims. Operands must share one dtype."""
    if args and isinstance(args[0], str):
        equation, operands = args[0], list(args[1:])
        if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
            operands = list(operands[0])
    else:
        equation, operands = _sublist_to_equation(args)
    for op in operands[1:]:
        if op._data.dtype != operands[0]._data.dtype:
            raise RuntimeError(f"expected scalar type {cap(operands[0])} but found {cap(op)}")
    inputs, output = _parse_einsum(equation, [tuple(op.shape) for op in operands])
    return Einsum.apply(*operands, inputs=tuple(inputs), output=output)


def outer(input, vec2, *, out=None):
    """Outer product of two 1-d tensors: (n,), (m,) -> (n, m). Dtypes promote."""
    for t, name in ((input, "self"), (vec2, "vec2")):
        if t.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {t.ndim}-D")
    a, b = _promote(input, vec2)
    return write_out(Einsum.apply(a, b, inputs=("i", "j"), output="ij"), out)


def inner(input, other, *, out=None):
    """Sum over the last dims: (*a, k), (*b, k) -> (*a, *b); a 0-d operand multiplies."""
    a, b = _promote(input, other)
    if a.ndim == 0 or b.ndim == 0:
        from .elementwise import mul
        return write_out(mul(a, b), out, same_dtype=True, composite=True)
    if a.shape[-1] != b.shape[-1]:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but "
                           f"got shapes {list(a.shape)} and {list(b.shape)}")
    la, lb = _LETTERS[:a.ndim - 1], _LETTERS[a.ndim - 1:a.ndim + b.ndim - 2]
    return write_out(Einsum.apply(a, b, inputs=(la + "z", lb + "z"), output=la + lb),
                     out, same_dtype=True, composite=True)


def tensordot(a, b, dims=2, out=None):
    """Contract dims of a with dims of b: `dims` is an int n (last n of a with first n of b),
    or a pair of lists ([dims of a], [dims of b]). Result: a's free dims then b's."""
    if a._data.dtype != b._data.dtype:
        raise RuntimeError("both inputs should have same dtype")
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        dims_a, dims_b = list(range(a.ndim - dims, a.ndim)), list(range(dims))
    else:
        dims_a, dims_b = dims
        dims_a = [dims_a] if isinstance(dims_a, int) else list(dims_a)
        dims_b = [dims_b] if isinstance(dims_b, int) else list(dims_b)
    if len(dims_a) != len(dims_b):
        raise RuntimeError(f"both dimension lists should have same length, got {dims_a} and "
                           f"{dims_b}")
    dims_a = [wrap_dim(d, a.ndim) for d in dims_a]
    dims_b = [wrap_dim(d, b.ndim) for d in dims_b]
    la = list(_LETTERS[:a.ndim])
    lb = list(_LETTERS[a.ndim:a.ndim + b.ndim])
    for da, db in zip(dims_a, dims_b):
        if a.shape[da] != b.shape[db] and 1 in (a.shape[da], b.shape[db]):
            continue    # a size-1 side broadcasts, as PyTorch: each side sums its own labels
        if a.shape[da] != b.shape[db]:
            raise RuntimeError(f"contracted dimensions need to match, but first has size "
                               f"{a.shape[da]} in dim {da} and second has size {b.shape[db]} in "
                               f"dim {db}")
        lb[db] = la[da]
    output = "".join(la[i] for i in range(a.ndim) if i not in dims_a) + \
        "".join(lb[i] for i in range(b.ndim) if i not in dims_b)
    result = Einsum.apply(a, b, inputs=("".join(la), "".join(lb)), output=output)
    return write_out(node_name(result, "ViewBackward0"),
                     out, same_dtype=True, composite=True)   # PyTorch's mm, then a reshape


class Kron(Function):
    """out[i*p + k, j*q + l] = a[i, j] * b[k, l]   (any number of dims, padded with leading 1s)
    grad: view g as (a0, b0, a1, b1, ...) and contract with b (for da) or a (for db)"""

    _node_name = "UnsafeViewBackward0"   # PyTorch's kron reshapes an outer product

    @staticmethod
    def forward(ctx, a, b):
        ctx.a_shape, ctx.b_shape = a.shape, b.shape
        n = max(a.ndim, b.ndim)
        a = a.reshape((1,) * (n - a.ndim) + a.shape)
        b = b.reshape((1,) * (n - b.ndim) + b.shape)
        ctx.save_for_backward(a, b)
        # labels: a's dims, b's dims, and the interleaved (a0, b0, a1, b1, ...) result
        ctx.la, ctx.lb = _LETTERS[:n], _LETTERS[n:2 * n]
        ctx.inter = "".join(x + y for x, y in zip(ctx.la, ctx.lb))
        out = xp.einsum(f"{ctx.la},{ctx.lb}->{ctx.inter}", a, b)
        return out.reshape(tuple(x * y for x, y in zip(a.shape, b.shape)))

    @staticmethod
    def backward(ctx, g):
        a, b = (conj_if_complex(x) for x in ctx.saved_tensors)
        need_a, need_b = ctx.needs_input_grad
        g = g.reshape(tuple(s for pair in zip(a.shape, b.shape) for s in pair))
        ga = gb = None
        if need_a:
            ga = xp.einsum(f"{ctx.inter},{ctx.lb}->{ctx.la}", g, b).reshape(ctx.a_shape)
        if need_b:
            gb = xp.einsum(f"{ctx.inter},{ctx.la}->{ctx.lb}", g, a).reshape(ctx.b_shape)
        return ga, gb


def kron(input, other, *, out=None):
    """Kronecker product: block (i, j) of the result is input[i, j] * other. Shapes:
    (a0, a1, ...), (b0, b1, ...) -> (a0*b0, a1*b1, ...). Dtypes promote."""
    a, b = _promote(input, other)
    return write_out(Kron.apply(a, b), out)


# ---------------------------------------------------------------------------------------------
# trace and cross
# ---------------------------------------------------------------------------------------------
class Trace(Function):
    """out = sum_i x[i, i]
    grad: dx = g * I   (the identity, n x m)"""

    @staticmethod
    def forward(ctx, x, np_dtype):
        ctx.shape, ctx.dtype = x.shape, x.dtype
        return xp.asarray(xp.trace(x, dtype=np_dtype))

    @staticmethod
    def backward(ctx, g):
        return xp.eye(*ctx.shape, dtype=ctx.dtype) * g, None


def trace(input):
    """Sum of the main diagonal of a 2-d tensor -> 0-d (int64 for integer inputs)."""
    if input.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input.ndim}")
    kind = input._data.dtype.kind
    if kind == "b":
        raise NotImplementedError("\"trace\" not implemented for 'Bool'")
    return Trace.apply(input, xp.int64 if kind in "iu" else None)


class Cross(Function):
    """out = a x b along `axis` (3-vectors)
    grad: da = conj(b) x g,  db = g x conj(a)"""

    _node_name = "LinalgCrossBackward0"   # torch.cross runs linalg.cross

    @staticmethod
    def forward(ctx, a, b, axis):
        ctx.save_for_backward(a, b)
        ctx.axis = axis
        return xp.cross(a, b, axis=axis)

    @staticmethod
    def backward(ctx, g):
        a, b = (conj_if_complex(x) for x in ctx.saved_tensors)
        need_a, need_b = ctx.needs_input_grad[:2]
        ga = sum_to_shape(xp.cross(b, g, axis=ctx.axis), a.shape) if need_a else None
        gb = sum_to_shape(xp.cross(g, a, axis=ctx.axis), b.shape) if need_b else None
        return ga, gb, None


def _cross(input, other, dim, name):
    if input._data.dtype != other._data.dtype:
        raise RuntimeError(f"expected scalar type {cap(input)} but found {cap(other)}")
    if input.ndim != other.ndim:
        raise RuntimeError(f"{name}: inputs must have the same number of dimensions, got "
                           f"{input.ndim} and {other.ndim}")
    check_broadcast(tuple(input.shape), tuple(other.shape))
    d = wrap_dim(dim, input.ndim)
    if input.shape[d] != 3 or other.shape[d] != 3:
        raise RuntimeError(f"{name}: inputs dimension {dim} must have length 3. Got "
                           f"{input.shape[d]} and {other.shape[d]}")
    # NumPy's axis counts from the end once operands broadcast: use a negative axis
    return Cross.apply(input, other, d - input.ndim)


def cross(input, other, dim=None, *, out=None):
    """Cross product of 3-vectors along `dim` (default: the first dim of size 3, PyTorch's
    deprecated rule; pass dim or use linalg.cross, whose default is -1)."""
    if dim is None:
        sizes = [i for i, (x, y) in enumerate(zip(input.shape, other.shape)) if x == y == 3]
        if not sizes:
            raise RuntimeError(f"no dimension of size 3 in input: shapes {list(input.shape)} "
                               f"and {list(other.shape)}")
        dim = sizes[0]
    return write_out(_cross(input, other, dim, "linalg.cross"), out, same_dtype=True)


def linalg_cross(input, other, *, dim=-1, out=None):
    """Cross product of 3-vectors along `dim` (default -1), broadcasting the other dims."""
    return write_out(_cross(input, other, dim, "linalg.cross"), out, same_dtype=True)
