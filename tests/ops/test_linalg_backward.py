"""Gradients of the decompositions svd, svdvals, torch.svd, pinv, qr, eig, eigvals and of lstsq
(values too for eig and lstsq, they are new) and slogdet/det at singular matrices against
torch, float64 finite-difference gradchecks, and the backward errors PyTorch raises (complex
phase dependence, qr mode='r', qr mode='complete' with more rows than columns).

Singular vectors are unique only up to a sign (a phase for complex), and LAPACK builds may pick
differently, so the losses compared with torch depend on them only through gauge-invariant
combinations: U diag(S) Vh, U Vh, |U|, |Vh|; QR factors are compared in their canonical form
with a positive diagonal of R."""
from types import SimpleNamespace

import numpy as np
import pytest
import torch

import glasstorch as gt
from glasstorch._ops.decompositions import Svd, Qr, Eig
from tests.oracle.harness import check, check_error, gradcheck_fn

RNG = np.random.default_rng(1234)

SHAPES = [(3, 3), (5, 3), (3, 5), (2, 4, 3), (2, 3, 4)]
# (shape, mode) pairs PyTorch differentiates: 'complete' only when rows <= columns
QR_CASES = [(shape, mode) for shape in SHAPES for mode in ("reduced", "complete")
            if mode == "reduced" or shape[-2] <= shape[-1]]


def matrix(*shape, dtype="float64"):
    """Random matrices with well separated singular values (1..2 apart), float64."""
    a = RNG.standard_normal(shape)
    u, _, vh = np.linalg.svd(a, full_matrices=False)
    k = min(shape[-2:])
    s = np.linspace(1.0, 1.0 + 1.5 * k, k)[::-1]
    out = (u * s[..., None, :]) @ vh
    if np.dtype(dtype).kind == "c":
        out = out + 1j * RNG.standard_normal(shape) * 0.3
    return out.astype(dtype)


def _k(x):
    return min(x.shape[-2:])


def svd_parts(t, x, full):
    """Every output of linalg.svd, in gauge-invariant forms."""
    U, S, Vh = t.linalg.svd(x, full_matrices=full)
    k = _k(x)
    U, Vh = U[..., :, :k], Vh[..., :k, :]
    return (U * S[..., None, :]) @ Vh, U @ Vh, U.abs(), Vh.abs(), S


@pytest.mark.parametrize("full", [False, True])
@pytest.mark.parametrize("shape", SHAPES)
def test_svd_gradient(shape, full):
    check(lambda t, x: svd_parts(t, x, full), [matrix(*shape)], rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize("shape", SHAPES)
def test_svd_gradcheck(shape):
    gradcheck_fn(lambda t, x: svd_parts(t, x, False), [matrix(*shape)])


@pytest.mark.parametrize("shape", [(5, 3), (3, 5)])
def test_svd_full_matrices_ignores_extra_columns(shape):
    # PyTorch documents that the gradient of the columns beyond min(m, n) is ignored
    def loss(t, x):
        U, S, Vh = t.linalg.svd(x, full_matrices=True)
        return U.abs().sum() + Vh.abs().sum() + S.sum()
    a = matrix(*shape)
    grads = []
    for lib in (torch, gt):
        x = lib.tensor(a, requires_grad=True)
        loss(lib, x).backward()
        grads.append(np.asarray(x.grad.detach().numpy() if lib is torch else x.grad.numpy()))
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize("shape", SHAPES)
def test_svdvals_gradient(shape):
    check(lambda t, x: t.linalg.svdvals(x), [matrix(*shape)], rtol=1e-9, atol=1e-10)
    gradcheck_fn(lambda t, x: t.linalg.svdvals(x), [matrix(*shape)])


@pytest.mark.parametrize("some", [True, False])
def test_torch_svd_gradient(some):
    def parts(t, x):
        U, S, V = t.svd(x, some=some)
        k = _k(x)
        return (U[..., :k] * S[..., None, :]) @ V[..., :k].mT, U[..., :k].abs(), V[..., :k].abs()
    check(parts, [matrix(2, 4, 3)], rtol=1e-9, atol=1e-10)
    check(lambda t, x: t.svd(x, compute_uv=False).S, [matrix(3, 4)], rtol=1e-9, atol=1e-10)


def _svd_backward_with_torch_factors(a, loss):
    """Our Svd.backward fed torch's factors and upstream gradients, and torch's dA."""
    x = torch.tensor(a, requires_grad=True)
    U, S, Vh = torch.linalg.svd(x, full_matrices=False)
    for out in (U, S, Vh):
        out.retain_grad()
    loss(U, S, Vh).backward()
    ctx = SimpleNamespace(saved_tensors=tuple(o.detach().numpy() for o in (U, S, Vh)))
    ours = Svd.backward(ctx, U.grad.numpy(), S.grad.numpy(), Vh.grad.numpy())[0]
    return ours, x.grad.numpy()


@pytest.mark.parametrize("shape", SHAPES)
def test_svd_backward_complex(shape):
    # the complex formula checked on torch's own factors (phases differ between LAPACKs)
    loss = lambda U, S, Vh: ((U * S[..., None, :]) @ Vh).abs().pow(3).sum() \
        + (U @ Vh).real.sum() + U.abs().sum()                                   # noqa: E731
    ours, theirs = _svd_backward_with_torch_factors(matrix(*shape, dtype="complex128"), loss)
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-10)


def test_svd_backward_complex_phase_dependent_raises():
    a = matrix(3, 3, dtype="complex128")
    with pytest.raises(RuntimeError, match="e\\^{i phi}"):
        _svd_backward_with_torch_factors(a, lambda U, S, Vh: U.real.sum())
    with pytest.raises(RuntimeError):
        torch.linalg.svd(torch.tensor(a, requires_grad=True))[0].real.sum().backward()


@pytest.mark.parametrize("shape", SHAPES)
def test_pinv_gradient(shape):
    check(lambda t, x: t.linalg.pinv(x), [matrix(*shape)], rtol=1e-9, atol=1e-10)
    gradcheck_fn(lambda t, x: t.linalg.pinv(x), [matrix(*shape)])


def test_pinverse_gradient():
    check(lambda t, x: t.pinverse(x), [matrix(3, 5)], rtol=1e-9, atol=1e-10)
    # rcond, positional and as a keyword: singular values below rcond * largest are dropped
    check(lambda t, x: t.pinverse(x, 0.3), [matrix(3, 5)], rtol=1e-9, atol=1e-10)
    check(lambda t, x: x.pinverse(rcond=0.6), [matrix(2, 4, 3)], rtol=1e-9, atol=1e-10)


def qr_canonical(t, x, mode):
    """Q and R with the signs that make R's diagonal positive (sign() has no gradient)."""
    Q, R = t.linalg.qr(x, mode=mode)
    k = min(Q.shape[-1], R.shape[-2], x.shape[-1])
    d = t.sign(t.diagonal(R, 0, -2, -1)[..., :k]).detach()
    return Q[..., :, :k] * d[..., None, :], R[..., :k, :] * d[..., :, None]


@pytest.mark.parametrize("shape, mode", QR_CASES)
def test_qr_gradient(shape, mode):
    check(lambda t, x: qr_canonical(t, x, mode), [matrix(*shape)], rtol=1e-9, atol=1e-10)
    gradcheck_fn(lambda t, x: t.linalg.qr(x, mode=mode), [matrix(*shape)])


@pytest.mark.parametrize("shape, mode", QR_CASES)
def test_qr_backward_complex(shape, mode):
    a = matrix(*shape, dtype="complex128")
    x = torch.tensor(a, requires_grad=True)
    Q, R = torch.linalg.qr(x, mode=mode)
    for out in (Q, R):
        out.retain_grad()
    (Q.abs().pow(3).sum() + (R * R.conj()).real.sum() + R.imag.sum()).backward()
    ctx = SimpleNamespace(saved_tensors=(a, Q.detach().numpy(), R.detach().numpy()),
                          mode=mode, shape=a.shape)
    ours = Qr.backward(ctx, Q.grad.numpy(), R.grad.numpy())[0]
    np.testing.assert_allclose(ours, x.grad.numpy(), rtol=1e-9, atol=1e-10)


def test_qr_backward_errors():
    a = matrix(4, 3)
    err = check_error(lambda t: t.linalg.qr(t.tensor(a, requires_grad=True), mode="r")
                      .R.sum().backward())
    assert "mode='r'" in str(err)
    err = check_error(lambda t: t.linalg.qr(t.tensor(a, requires_grad=True), mode="complete")
                      .Q.sum().backward())
    assert "nrows > ncols" in str(err)


def test_decomposition_nodes_named_like_torch():
    x = gt.tensor(matrix(3, 3), requires_grad=True)
    assert type(gt.linalg.svd(x).U.grad_fn).__name__ == "LinalgSvdBackward0"
    assert type(gt.linalg.svdvals(x).grad_fn).__name__ == "LinalgSvdBackward0"
    assert type(gt.linalg.pinv(x).grad_fn).__name__ == "LinalgPinvBackward0"
    assert type(gt.linalg.qr(x).Q.grad_fn).__name__ == "LinalgQrBackward0"


@pytest.mark.parametrize("full", [False, True])
def test_inplace_write_to_saved_output_detected(full):
    outputs = [lambda x: gt.linalg.svd(x, full_matrices=full)[0],
               lambda x: gt.linalg.svd(x, full_matrices=full)[2],
               lambda x: gt.linalg.svd(x)[1], gt.linalg.pinv, lambda x: gt.linalg.qr(x)[0],
               lambda x: gt.linalg.eig(x)[1]]
    for f in outputs:
        x = gt.tensor(matrix(3, 3), requires_grad=True)
        out = f(x)
        with gt.no_grad():
            out.mul_(2)
        with pytest.raises(RuntimeError, match="inplace operation"):
            out.abs().sum().backward()


def test_no_double_backward():
    # these backwards are not differentiable themselves: create_graph must raise, not lie
    x = gt.tensor(matrix(3, 3), requires_grad=True)
    for f in (lambda: gt.linalg.svdvals(x).sum(), lambda: gt.linalg.pinv(x).sum(),
              lambda: gt.linalg.qr(x).R.sum()):
        (g,) = gt.autograd.grad(f(), x, create_graph=True)
        with pytest.raises(RuntimeError, match="differentiate twice"):
            g.sum().backward()


@pytest.mark.parametrize("a", [np.zeros((2, 2)), np.array([[0.0, 1.0], [0.0, 0.0]]),
                               np.stack([np.eye(2), np.zeros((2, 2))])],
                         ids=["zeros", "nilpotent", "batch_one_singular"])
def test_slogdet_gradient_at_singular_matrix(a):
    # log|det| is -inf there; PyTorch's gradient is LAPACK's inf/nan, not an error
    grads = []
    for lib in (torch, gt):
        x = lib.tensor(a, requires_grad=True)
        lib.linalg.slogdet(x).logabsdet.sum().backward()
        grads.append(x.grad.numpy())
    np.testing.assert_array_equal(grads[1], grads[0])


def test_det_gradient_at_singular_matrix():
    rank2 = RNG.standard_normal((3, 2)) @ RNG.standard_normal((2, 3))
    for a in (rank2, np.outer([1.0, 2.0, 3.0], [1.0, 0.0, 2.0]), np.zeros((3, 3))):
        check(lambda t, x: t.linalg.det(x), [a], rtol=1e-9, atol=1e-10)
    gradcheck_fn(lambda t, x: t.linalg.det(x), [rank2])


LSTSQ_SHAPES = [((4, 3), (4, 2)), ((3, 4), (3, 2)), ((2, 4, 3), (2, 4, 2)), ((3, 3), (3, 1)),
                ((4, 3), (4,)), ((2, 4, 3), (2, 4)), ((2, 4, 3), (1, 4, 2)),
                # B one dim short but not A's batch of vectors: PyTorch solves for B as one
                # matrix and repeats the solution over broadcast(A's batch, B.shape[:-1])
                ((1, 4, 3), (4, 2))]


@pytest.mark.parametrize("driver", [None, "gelsd", "gelss", "gels"])
@pytest.mark.parametrize("shapes", LSTSQ_SHAPES, ids=str)
def test_lstsq(shapes, driver):
    a, b = RNG.standard_normal(shapes[0]), RNG.standard_normal(shapes[1])
    fn = lambda t, x, y: tuple(t.linalg.lstsq(x, y, driver=driver))      # noqa: E731
    check(fn, [a, b], rtol=1e-9, atol=1e-10)
    gradcheck_fn(lambda t, x, y: tuple(t.linalg.lstsq(x, y, driver=driver))[:2], [a, b])


@pytest.mark.parametrize("driver", [None, "gelsd", "gelss"])
def test_lstsq_rank_deficient(driver):
    # minimum-norm solution, rank 2, no residuals (A is not full rank)
    a = RNG.standard_normal((5, 2)) @ RNG.standard_normal((2, 3))
    check(lambda t, x, y: tuple(t.linalg.lstsq(x, y, driver=driver)),
          [a, RNG.standard_normal((5, 2))], rtol=1e-7, atol=1e-8, grad=False)


def test_lstsq_float32():
    check(lambda t, x, y: tuple(t.linalg.lstsq(x, y)),
          [RNG.standard_normal((4, 3)).astype("float32"),
           RNG.standard_normal((4, 2)).astype("float32")], rtol=1e-4, atol=1e-5)


LSTSQ_ERRORS = [
    ("dtypes", lambda t: t.linalg.lstsq(t.ones(4, 3, dtype=t.float64), t.ones(4, 2))),
    ("rows", lambda t: t.linalg.lstsq(t.ones(4, 3), t.ones(5, 2))),
    ("int", lambda t: t.linalg.lstsq(t.ones(4, 3, dtype=t.long), t.ones(4, 2, dtype=t.long))),
    ("driver", lambda t: t.linalg.lstsq(t.ones(4, 3), t.ones(4, 2), driver="foo")),
    ("1d", lambda t: t.linalg.lstsq(t.ones(3), t.ones(3))),
]

# (A's shape, B's shape, the message PyTorch gives)
LSTSQ_SHAPE_ERRORS = [
    ((2, 3, 2), (3, 2), "The size of tensor a (2) must match the size of tensor b (3) at "
                        "non-singleton dimension 0"),
    ((3, 2), (2, 3, 2), "input.dim() must be greater or equal to other.dim()"),
    ((5, 3, 2), (3,), "input.dim() must be greater or equal to other.dim()"),
    ((3, 2), (2,), "input.size(-2) should match other.size(-1)"),
    ((2, 3, 2), (1, 3), "input.size(-2) should match other.size(-2)"),
    ((2, 3, 2), (2, 4), "input.size(-2) should match other.size(-2)"),
]


@pytest.mark.parametrize("name, fn", LSTSQ_ERRORS, ids=[e[0] for e in LSTSQ_ERRORS])
def test_lstsq_errors(name, fn):
    check_error(fn)


@pytest.mark.parametrize("a, b, message", LSTSQ_SHAPE_ERRORS, ids=str)
def test_lstsq_shape_errors(a, b, message):
    """B's shape against A's: never a silent broadcast PyTorch refuses (A (2, 3, 2) with
    B (3, 2) used to return a (2, 2, 2) solution)."""
    def fn(t):
        return t.linalg.lstsq(t.ones(a, dtype=t.float64), t.ones(b, dtype=t.float64))
    assert message in str(check_error(fn, match=message))
    with pytest.raises(RuntimeError, match=message.replace("(", r"\(").replace(")", r"\)")):
        fn(torch)


@pytest.mark.parametrize("dtype", ["float32", "float64", "complex128"])
@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4), (1, 1), (0, 0)], ids=str)
def test_eig_forward(shape, dtype):
    a = RNG.standard_normal(shape)
    a = (a + 1j * RNG.standard_normal(shape) if dtype.startswith("complex") else a).astype(dtype)
    L, V = gt.linalg.eig(gt.tensor(a))
    tL, tV = torch.linalg.eig(torch.tensor(a))
    assert (L.dtype, V.dtype, L.shape, V.shape) == (getattr(gt, str(tL.dtype)[6:]),
                                                     getattr(gt, str(tV.dtype)[6:]),
                                                     tL.shape, tV.shape)
    tol = 1e-4 if dtype == "float32" else 1e-10
    # the same set of eigenvalues (order is LAPACK's, not specified)
    np.testing.assert_allclose(np.sort_complex(L.numpy().ravel()),
                               np.sort_complex(tL.numpy().ravel()), rtol=tol, atol=tol)
    Vn, Ln = V.numpy(), L.numpy()
    np.testing.assert_allclose(a @ Vn, Vn * Ln[..., None, :], rtol=tol, atol=tol)
    np.testing.assert_allclose(np.linalg.norm(Vn, axis=-2), 1, rtol=tol)
    np.testing.assert_allclose(gt.linalg.eigvals(gt.tensor(a)).numpy(), Ln)


def _eig_backward_with_torch_factors(a, loss):
    x = torch.tensor(a, requires_grad=True)
    L, V = torch.linalg.eig(x)
    for out in (L, V):
        out.retain_grad()
    loss(L, V).backward()
    ctx = SimpleNamespace(saved_tensors=(L.detach().numpy(), V.detach().numpy()),
                          real_input=a.dtype.kind == "f")
    return Eig.backward(ctx, L.grad.numpy(), V.grad.numpy()), x.grad.numpy()


@pytest.mark.parametrize("dtype", ["float64", "complex128"])
@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4), (1, 1)], ids=str)
def test_eig_backward(shape, dtype):
    # the formula checked on torch's own factors (eigenvector phases may differ between LAPACKs)
    a = RNG.standard_normal(shape)
    a = a + 1j * RNG.standard_normal(shape) if dtype == "complex128" else a
    loss = lambda L, V: V.abs().pow(3).sum() + (L * L).real.sum() + L.imag.pow(2).sum()  # noqa
    ours, theirs = _eig_backward_with_torch_factors(a, loss)
    assert ours.dtype == theirs.dtype
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-10)


def test_eig_backward_phase_dependent_raises():
    a = RNG.standard_normal((3, 3)) + 1j * RNG.standard_normal((3, 3))
    with pytest.raises(RuntimeError, match="e\\^{i phi}"):
        _eig_backward_with_torch_factors(a, lambda L, V: V.imag.sum())
    with pytest.raises(RuntimeError):
        torch.linalg.eig(torch.tensor(a, requires_grad=True))[1].imag.sum().backward()


@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4)], ids=str)
def test_eigvals_gradient_end_to_end(shape):
    # order-invariant losses of the eigenvalues of a real matrix
    fn = lambda t, x: (t.linalg.eigvals(x).real.pow(2).sum(-1),                   # noqa: E731
                       t.linalg.eigvals(x).imag.pow(2).sum(-1))
    check(fn, [RNG.standard_normal(shape)], rtol=1e-9, atol=1e-10)
    gradcheck_fn(fn, [RNG.standard_normal(shape)])
    assert type(gt.linalg.eigvals(gt.tensor(RNG.standard_normal(shape), requires_grad=True))
                .grad_fn).__name__ == "LinalgEigBackward0"


EIG_ERRORS = [
    ("rect", lambda t: t.linalg.eig(t.ones(2, 3))),
    ("int", lambda t: t.linalg.eig(t.ones(2, 2, dtype=t.long))),
    ("1d", lambda t: t.linalg.eigvals(t.ones(3))),
]


@pytest.mark.parametrize("name, fn", EIG_ERRORS, ids=[e[0] for e in EIG_ERRORS])
def test_eig_errors(name, fn):
    check_error(fn)
