"""Finite-difference gradient checks (torch.autograd.gradcheck / gradgradcheck).

gradcheck compares, for every output element and input element, the analytical Jacobian from
backward with the central difference (f(x + eps) - f(x - eps)) / 2 eps. Use float64 inputs:
in float32 the rounding error of the difference swamps the tolerance.

Complex numbers are checked as pairs of real ones, as in PyTorch: an input z = a + ib gives
two columns per element (steps of eps and of i eps), an output w = u + iv two rows (u and v).
With PyTorch's convention (for a real L, z.grad = dL/da + i dL/db), the backward with upstream
1 at w's element gives u's row as (Re, Im) of z.grad, and with upstream i gives v's row.
"""
from .._backend import xp
from .._tensor import Tensor, _make
from . import engine


class GradcheckError(RuntimeError):
    pass


def _flat_outputs(out):
    if isinstance(out, Tensor):
        return (out,)
    return tuple(o for o in out if isinstance(o, Tensor))


def _real_parts(out):
    """All outputs as one real float64 vector: each output's values, then, for a complex
    output, its imaginary parts."""
    parts = []
    for o in _flat_outputs(out):
        parts.append(o._data.real.astype(xp.float64).ravel())
        if o._data.dtype.kind == "c":
            parts.append(o._data.imag.astype(xp.float64).ravel())
    return xp.concatenate(parts) if parts else xp.zeros(0)


def _numerical_jacobian(func, inputs, index, eps):
    """d(real parts of all outputs)/d(real variables of inputs[index]) by central differences:
    one column per element, and for a complex input one more per element (the step i eps)."""
    x = inputs[index]
    flat = x._data.reshape(-1)  # a view: writes change x in place
    steps = (eps, eps * 1j) if flat.dtype.kind == "c" else (eps,)
    columns = []
    # grad mode stays on: func may itself differentiate (gradgradcheck's first_grads)
    for step in steps:
        for k in range(flat.size):
            orig = flat[k].item()
            flat[k] = orig + step
            plus = _real_parts(func(*inputs))
            flat[k] = orig - step
            minus = _real_parts(func(*inputs))
            flat[k] = orig
            columns.append((plus - minus) / (2 * eps))
    if not columns:  # an empty input: a Jacobian with no columns
        return xp.zeros((_real_parts(func(*inputs)).size, 0))
    return xp.stack(columns, axis=1)


def _analytical_jacobian(func, inputs, diff_indices):
    """Rows of d(outputs)/d(inputs) obtained with one backward per output element (two for a
    complex output: upstream 1 gives the real part's row, upstream i the imaginary part's)."""
    outputs = _flat_outputs(func(*inputs))
    total = sum(o._data.size * (2 if o._data.dtype.kind == "c" else 1) for o in outputs)
    jac = {i: xp.zeros((total, inputs[i]._data.size *
                        (2 if inputs[i]._data.dtype.kind == "c" else 1)))
           for i in diff_indices}
    row = 0
    for o in outputs:
        units = (1, 1j) if o._data.dtype.kind == "c" else (1,)
        if not o.requires_grad:     # a constant output: its rows of the Jacobian are zero
            row += o._data.size * len(units)
            continue
        for unit in units:
            for k in range(o._data.size):
                upstream = xp.zeros(o._data.size, dtype=o._data.dtype)
                upstream[k] = unit
                grads = engine.grad([o], [inputs[i] for i in diff_indices],
                                    [_make(upstream.reshape(o._data.shape))], retain_graph=True,
                                    allow_unused=True)
                for i, g in zip(diff_indices, grads):
                    if g is not None:
                        g = g._data.ravel()
                        jac[i][row] = xp.concatenate([g.real, g.imag]) \
                            if inputs[i]._data.dtype.kind == "c" else g.real
                row += 1
    return jac


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
              nondet_tol=0.0, check_undefined_grad=True, fast_mode=False, **unused):
    """True if backward's Jacobian of `func` at `inputs` matches finite differences."""
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    diff = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not diff:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, "
                         "but none of the them have requires_grad=True.")
    analytical = _analytical_jacobian(func, inputs, diff)
    for i in diff:
        numerical = _numerical_jacobian(func, inputs, i, eps)
        a = analytical[i]
        if numerical.shape != a.shape or not xp.allclose(a, numerical, rtol=rtol, atol=atol):
            if raise_exception:
                raise GradcheckError(
                    f"Jacobian mismatch for output 0 with respect to input {i},\n"
                    f"numerical:{numerical}\nanalytical:{a}\n")
            return False
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  raise_exception=True, **unused):
    """gradcheck of the map (inputs, v) -> v . d(func)/d(inputs): checks double backward."""
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    # as PyTorch: only the outputs that require grad are differentiated (not integer indices)
    outputs = [o for o in _flat_outputs(func(*inputs)) if o.requires_grad]
    if grad_outputs is None:
        rng = xp.random.default_rng(0)
        grad_outputs = [_make(_random_like(rng, o._data)).requires_grad_() for o in outputs]
    elif isinstance(grad_outputs, Tensor):
        grad_outputs = (grad_outputs,)
    n = len(inputs)

    def first_grads(*args):
        ins, vs = args[:n], args[n:]
        outs = [o for o in _flat_outputs(func(*ins)) if o.requires_grad]
        used = [x for x in ins if isinstance(x, Tensor) and x.requires_grad]
        gs = engine.grad(outs, used, vs, create_graph=True, allow_unused=True)
        return tuple(g for g in gs if g is not None)

    return gradcheck(first_grads, tuple(inputs) + tuple(grad_outputs), eps=eps, atol=atol,
                     rtol=rtol, raise_exception=raise_exception)


def _random_like(rng, a):
    """Standard normal values of a's shape and dtype (complex: real and imaginary parts)."""
    values = rng.standard_normal(a.shape)
    if a.dtype.kind == "c":
        values = values + 1j * rng.standard_normal(a.shape)
    return values.astype(a.dtype)
