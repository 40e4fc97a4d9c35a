"""Gradients through complex-valued ops, against PyTorch (conjugate Wirtinger convention).

For a real loss L of z = x + iy, PyTorch's z.grad is dL/dx + i dL/dy; for a holomorphic f the
backward is g * conj(f'(z)). Each case builds a real loss that mixes real and imaginary parts
with random weights (so a missing conjugate changes the answer) and compares z.grad with torch's.
A float64 gradcheck through `complex(x, y)` / `view_as_real` checks the same maps by finite
differences without torch.
"""
import numpy as np
import pytest
import torch

import glasstorch as gt
import glasstorch.nn.functional  # noqa: F401  (gt.nn.functional in the op tables)
from glasstorch.autograd import gradcheck

RNG = np.random.default_rng(7)


def _cplx(*shape):
    return RNG.standard_normal(shape) * 0.6 + 1j * RNG.standard_normal(shape) * 0.6


def _loss(lib, out, wr, wi):
    """A real loss mixing Re and Im of a complex `out` (or of a real one) with fixed weights."""
    if out.is_complex():
        return ((lib.real(out) * lib.tensor(wr)).sum() + (lib.imag(out) * lib.tensor(wi)).sum()
                + out.abs().sum())
    return (out * lib.tensor(wr)).sum()


def _compare(fn, *arrays, atol=1e-9):
    """Run fn on glasstorch and torch with complex128 leaves; compare values and every grad."""
    ours = [gt.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out_g, out_t = fn(gt, *ours), fn(torch, *theirs)
    assert out_g.dtype == getattr(gt, str(out_t.dtype).split('.')[-1])
    np.testing.assert_allclose(out_g.detach().numpy(), out_t.detach().resolve_conj().numpy(), atol=atol,
                               rtol=1e-7)
    wr = RNG.standard_normal(tuple(out_t.shape))
    wi = RNG.standard_normal(tuple(out_t.shape))
    _loss(gt, out_g, wr, wi).backward()
    _loss(torch, out_t, wr, wi).backward()
    for g, t in zip(ours, theirs):
        assert g.grad is not None
        assert g.grad.dtype == gt.complex128
        np.testing.assert_allclose(g.grad.numpy(), t.grad.resolve_conj().numpy(), atol=atol,
                                   rtol=1e-7)


UNARY = {
    "exp": lambda L, z: L.exp(z),
    "expm1": lambda L, z: L.expm1(z),
    "log": lambda L, z: L.log(z),
    "log2": lambda L, z: L.log2(z),
    "log10": lambda L, z: L.log10(z),
    "log1p": lambda L, z: L.log1p(z),
    "sqrt": lambda L, z: L.sqrt(z),
    "rsqrt": lambda L, z: L.rsqrt(z),
    "reciprocal": lambda L, z: L.reciprocal(z),
    "square": lambda L, z: L.square(z),
    "sin": lambda L, z: L.sin(z),
    "cos": lambda L, z: L.cos(z),
    "tan": lambda L, z: L.tan(z),
    "asin": lambda L, z: L.asin(z),
    "acos": lambda L, z: L.acos(z),
    "atan": lambda L, z: L.atan(z),
    "sinh": lambda L, z: L.sinh(z),
    "cosh": lambda L, z: L.cosh(z),
    "tanh": lambda L, z: L.tanh(z),
    "asinh": lambda L, z: L.asinh(z),
    "acosh": lambda L, z: L.acosh(z),
    "atanh": lambda L, z: L.atanh(z),
    "sigmoid": lambda L, z: L.sigmoid(z),
    "neg": lambda L, z: -z,
    "abs": lambda L, z: L.abs(z),
    "conj": lambda L, z: L.conj(z) * z,
    "pow_int": lambda L, z: z ** 3,
    "pow_float": lambda L, z: z ** 2.5,
    "pow_complex_number": lambda L, z: z ** (0.5 + 1j),
    "rpow": lambda L, z: 2.0 ** z,
    "mul_number": lambda L, z: z * (2 - 3j),
    "div_number": lambda L, z: (1 + 2j) / z,
    "sum": lambda L, z: (z * z).sum(dim=1),
    "mean": lambda L, z: (z * z).mean(dim=0),
    "prod": lambda L, z: z.prod(dim=1),
    "cumsum": lambda L, z: (z * z).cumsum(dim=1),
    "cumprod": lambda L, z: z.cumprod(dim=1),
    "transpose_mul": lambda L, z: z.t() * z.t().exp(),
    "sgn": lambda L, z: L.sgn(z) * z.exp(),
    "logsumexp": lambda L, z: L.logsumexp(z, dim=1),
    "lerp_number": lambda L, z: L.lerp(z, z * z, 0.3),
    "lerp_complex_weight": lambda L, z: L.lerp(z[0], z[1].exp(), z[2]),
    "addcmul": lambda L, z: L.addcmul(z[0], z[1], z[2], value=0.5 - 2j),
    "addcdiv": lambda L, z: L.addcdiv(z[0], z[1], z[2], value=0.5 - 2j),
    "where": lambda L, z: L.where(L.tensor([True, False, True, False]), z, z * z),
    "index_select_exp": lambda L, z: z.index_select(1, L.tensor([0, 0, 3])).exp(),
    "tanhshrink": lambda L, z: L.nn.functional.tanhshrink(z),
    "softsign": lambda L, z: L.nn.functional.softsign(z),
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_grad_matches_torch(name):
    _compare(UNARY[name], _cplx(3, 4))


BINARY = {
    "mul": lambda L, a, b: a * b,
    "div": lambda L, a, b: a / b,
    "add": lambda L, a, b: a + 2 * b,
    "sub": lambda L, a, b: a - b * b,
    "pow": lambda L, a, b: a ** b,
    "matmul": lambda L, a, b: a @ b.mT,
    "mm": lambda L, a, b: L.mm(a, b.mT),
    "dot": lambda L, a, b: L.dot(a[0], b[0]).reshape(1),
    "vdot": lambda L, a, b: L.vdot(a[0], b[0]).reshape(1),
    "outer": lambda L, a, b: L.outer(a[0], b[1]),
    "einsum": lambda L, a, b: L.einsum("ij,kj->ik", a, b),
    "bmm": lambda L, a, b: L.bmm(a.reshape(1, 3, 4), b.mT.reshape(1, 4, 3)),
    "mv": lambda L, a, b: L.mv(a, b[0]),
}


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_grad_matches_torch(name):
    _compare(BINARY[name], _cplx(3, 4), _cplx(3, 4))


def test_broadcast_mul_grad_matches_torch():
    _compare(lambda L, a, b: a * b, _cplx(3, 4), _cplx(1, 4))


def test_issue_example_abs_of_product():
    z = np.array([0.5 + 0.3j, -1.2 + 0.8j])
    w = np.array([0.1 - 0.7j, 0.9 + 0.2j])
    _compare(lambda L, a, b: a * b, z, w)


def test_addmm_and_linear_grad_matches_torch():
    c, a, b = _cplx(3, 5), _cplx(3, 4), _cplx(4, 5)
    _compare(lambda L, c, a, b: L.addmm(c, a, b, beta=0.5, alpha=2.0), c, a, b)
    x, w, bias = _cplx(2, 4), _cplx(3, 4), _cplx(3)
    _compare(lambda L, x, w, bias: L.nn.functional.linear(x, w, bias), x, w, bias)


_SQUARE = _cplx(3, 3) + 2 * np.eye(3)
LINALG = {
    "inv": lambda L, A: L.linalg.inv(A),
    "det": lambda L, A: L.linalg.det(A).reshape(1),
    "slogdet_logabs": lambda L, A: L.linalg.slogdet(A)[1].reshape(1),
    "slogdet_sign_and_logabs": lambda L, A: L.linalg.slogdet(A)[0] * L.linalg.slogdet(A)[1],
    "logdet": lambda L, A: L.logdet(A).reshape(1),
    "solve": lambda L, A: L.linalg.solve(A, A[:, :2] * 2j + 1),
    "solve_right": lambda L, A: L.linalg.solve(A, A[:2].exp(), left=False),
    "matrix_power": lambda L, A: L.linalg.matrix_power(A, 3),
    "matrix_power_negative": lambda L, A: L.linalg.matrix_power(A, -2),
    "matrix_exp": lambda L, A: L.linalg.matrix_exp(A * 0.3),
    "trace": lambda L, A: L.trace(A * A).reshape(1),
    "kron": lambda L, A: L.kron(A, A[:2, :2]),
    "cross": lambda L, A: L.linalg.cross(A, A.exp()),
    "tensordot": lambda L, A: L.tensordot(A, A.sin(), dims=1),
    "baddbmm_complex_scalars": lambda L, A: L.baddbmm(A[None], A[None], A.cos()[None],
                                                      beta=1 - 1j, alpha=0.5 + 1j),
    "add_complex_alpha": lambda L, A: L.add(A, A * A, alpha=2 + 1j),
    "eigvalsh": lambda L, A: L.linalg.eigvalsh(A + A.mH),
    "eigh_vector_moduli": lambda L, A: L.linalg.eigh(A + A.mH)[1].abs(),
    "cholesky": lambda L, A: L.linalg.cholesky(A @ A.mH + L.eye(3, dtype=A.dtype)),
    "cholesky_upper": lambda L, A: L.linalg.cholesky(A @ A.mH + L.eye(3, dtype=A.dtype),
                                                     upper=True),
}


@pytest.mark.parametrize("name", sorted(LINALG))
def test_linalg_grad_matches_torch(name):
    _compare(LINALG[name], _SQUARE)


def test_real_input_of_complex_op_gets_real_grad():
    """A float leaf multiplied by a complex tensor gets Re(conj(w) g), as in torch."""
    x, w = RNG.standard_normal(4), _cplx(4)
    xg, xt = gt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ((xg * gt.tensor(w)).abs().sum() + gt.real(xg * gt.tensor(w) * 1j).sum()).backward()
    ((xt * torch.tensor(w)).abs().sum() + torch.real(xt * torch.tensor(w) * 1j).sum()).backward()
    assert xg.grad.dtype == gt.float64
    np.testing.assert_allclose(xg.grad.numpy(), xt.grad.numpy(), atol=1e-10)


def test_sigmoid_complex_forward_matches_torch():
    z = _cplx(5)
    np.testing.assert_allclose(gt.sigmoid(gt.tensor(z)).numpy(),
                               torch.sigmoid(torch.tensor(z)).numpy(), rtol=1e-12)


# ---- finite differences: complex ops seen as real maps (x, y) -> (Re, Im) -------------------
def _as_real_map(op):
    return lambda x, y: gt.view_as_real(op(gt.complex(x, y)))


GRADCHECK_OPS = {
    "mul_self_exp": lambda z: z * z.exp(),
    "div": lambda z: z / (z * z + 2),
    "sin_cos_tanh": lambda z: z.sin() * z.cos() + z.tanh(),
    "sqrt_log": lambda z: z.sqrt() + (z * z + 1).log(),
    "reciprocal_pow": lambda z: z.reciprocal() + z ** 2.5,
    "matmul": lambda z: z.reshape(2, 2) @ z.reshape(2, 2).mT,
    "prod": lambda z: z.prod().reshape(1),
    "sigmoid": lambda z: z.sigmoid(),
}


@pytest.mark.parametrize("name", sorted(GRADCHECK_OPS))
def test_gradcheck_complex_as_real_map(name):
    x = gt.tensor(RNG.standard_normal(4) * 0.6 + 0.3, dtype=gt.float64, requires_grad=True)
    y = gt.tensor(RNG.standard_normal(4) * 0.6, dtype=gt.float64, requires_grad=True)
    assert gradcheck(_as_real_map(GRADCHECK_OPS[name]), (x, y))


def test_solve_right_with_vector_raises_like_torch():
    A, b = np.eye(3) * 2.0, np.ones(3)
    with pytest.raises(RuntimeError) as theirs:
        torch.linalg.solve(torch.tensor(A), torch.tensor(b), left=False)
    with pytest.raises(RuntimeError) as ours:
        gt.linalg.solve(gt.tensor(A), gt.tensor(b), left=False)
    assert str(ours.value) == str(theirs.value)


def test_sgn_zero_and_sign_of_complex_raise_like_torch():
    z = np.array([0j, 3 + 4j])
    ours, theirs = gt.tensor(z, requires_grad=True), torch.tensor(z, requires_grad=True)
    np.testing.assert_allclose(gt.sgn(ours).detach().numpy(), torch.sgn(theirs).detach().numpy())
    (gt.real(gt.sgn(ours)) * 2 + gt.imag(gt.sgn(ours))).sum().backward()
    (torch.real(torch.sgn(theirs)) * 2 + torch.imag(torch.sgn(theirs))).sum().backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), atol=1e-12)
    with pytest.raises(NotImplementedError, match="torch.sgn"):
        gt.sign(gt.tensor(z))
    with pytest.raises(NotImplementedError):
        torch.sign(torch.tensor(z))


def test_abs_double_backward_complex_matches_torch():
    """|z|'s gradient z/|z| depends on z: create_graph must differentiate it again."""
    z, v = _cplx(4), _cplx(4)
    grads = []
    for L in (gt, torch):
        x = L.tensor(z, requires_grad=True)
        (g,) = L.autograd.grad((x.abs() ** 3).sum(), x, create_graph=True)
        (L.real(g * L.tensor(v)).sum()).backward()
        grads.append(x.grad.detach().numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-10)


DOUBLE = ["exp", "log", "sqrt", "rsqrt", "reciprocal", "square", "sin", "cos", "tan", "tanh",
          "sinh", "cosh", "asin", "atan", "asinh", "acosh", "atanh", "sigmoid", "expm1", "log1p",
          "pow_float", "pow_complex_number", "rpow", "div_number", "mean",
          "logsumexp", "lerp_complex_weight", "addcmul", "addcdiv", "transpose_mul", "tanhshrink",
          "softsign", "abs"]
DOUBLE_BINARY = ["mul", "div", "pow", "matmul", "mm", "bmm", "mv"]


def _double_backward(fn, arrays, w, v):
    """x.grad of Re(sum(v * d/dx Re(sum(w * f(x))))), through create_graph=True."""
    results = []
    for L in (gt, torch):
        xs = [L.tensor(a, requires_grad=True) for a in arrays]
        out = fn(L, *xs)
        grads = L.autograd.grad(L.real(out * L.tensor(w)).sum(), xs, create_graph=True)
        sum(L.real(g * L.tensor(v)).sum() for g in grads).backward()
        results.append([x.grad.detach().resolve_conj().numpy() for x in xs])
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("name", DOUBLE)
def test_double_backward_matches_torch(name):
    z = _cplx(3, 4)
    shape = tuple(UNARY[name](torch, torch.tensor(z)).shape)
    _double_backward(UNARY[name], [z], _cplx(*shape), _cplx(3, 4))


@pytest.mark.parametrize("name", DOUBLE_BINARY)
def test_double_backward_binary_matches_torch(name):
    a, b = _cplx(3, 4), _cplx(3, 4)
    shape = tuple(BINARY[name](torch, torch.tensor(a), torch.tensor(b)).shape)
    _double_backward(BINARY[name], [a, b], _cplx(*shape), _cplx(3, 4))
