"""Finite-difference gradient checks (torch.autograd.gradcheck / gradgradcheck).

gradcheck compares, for every output element and input element, the analytical Jacobian from
backward with the central difference (f(x + eps) - f(x - eps)) / 2 eps. Use float64 inputs:
in float32 the rounding error of the difference swamps the tolerance.
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


def _numerical_jacobian(func, inputs, index, eps):
    """d(all outputs, flattened)/d(inputs[index], flattened) by central differences."""
    x = inputs[index]
    flat = x._data.reshape(-1)  # a view: writes change x in place
    columns = []
    # grad mode stays on: func may itself differentiate (gradgradcheck's first_grads)
    for k in range(flat.size):
        orig = flat[k].item()
        flat[k] = orig + eps
        plus = [o._data.astype(xp.float64).ravel() for o in _flat_outputs(func(*inputs))]
        flat[k] = orig - eps
        minus = [o._data.astype(xp.float64).ravel() for o in _flat_outputs(func(*inputs))]
        flat[k] = orig
        columns.append(xp.concatenate([(p - m) / (2 * eps) for p, m in zip(plus, minus)]))
    if not columns:  # an empty input: a Jacobian with no columns
        n_out = sum(o._data.size for o in _flat_outputs(func(*inputs)))
        return xp.zeros((n_out, 0))
    return xp.stack(columns, axis=1)


def _analytical_jacobian(func, inputs, diff_indices):
    """Rows of d(outputs)/d(inputs) obtained with one backward per output element."""
    outputs = _flat_outputs(func(*inputs))
    sizes = [o._data.size for o in outputs]
    total = sum(sizes)
    jac = {i: xp.zeros((total, inputs[i]._data.size)) for i in diff_indices}
    row = 0
    for o in outputs:
        if not o.requires_grad:     # a constant output: its rows of the Jacobian are zero
            row += o._data.size
            continue
        for k in range(o._data.size):
            upstream = xp.zeros(o._data.size, dtype=o._data.dtype)
            upstream[k] = 1
            grads = engine.grad([o], [inputs[i] for i in diff_indices],
                                [_make(upstream.reshape(o._data.shape))], retain_graph=True,
                                allow_unused=True)
            for i, g in zip(diff_indices, grads):
                if g is not None:
                    jac[i][row] = g._data.ravel()
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
        grad_outputs = [_make(rng.standard_normal(o._data.shape).astype(o._data.dtype))
                        .requires_grad_() for o in outputs]
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
