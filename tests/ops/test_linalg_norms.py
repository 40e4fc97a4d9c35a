"""The one vector-norm op and where linear algebra lives.

Every vector norm (torch.norm, Tensor.norm, linalg.vector_norm, linalg.norm, F.normalize,
pairwise_distance) runs `_ops/norms.py`'s VectorNorm, and cdist and clip_grad_norm_ use its
math (p_norm, p_norm_grad): the same values, gradients, node names and second derivatives as
PyTorch for every p, with PyTorch's subgradients at 0 and at ties. glasstorch/linalg.py only
re-exports ops defined under _ops/."""
import inspect
import math

import numpy as np
import pytest
import torch

import glasstorch as gt
from glasstorch.autograd.function import Function
from tests.oracle.harness import check, gradcheck_fn

INF = math.inf
P_VALUES = [2, 1, 3, 0.5, INF, -INF, 0]

# zeros (the kink of |x|), ties in |x| (the max and min norms' subgradient) and a zero row
X0 = np.array([[0.5, -0.5, 0.0, 0.2], [0.0, 0.0, 0.0, 0.0], [1.5, -0.3, 0.7, -1.5]])

NORMS = {
    "torch.norm": lambda L, x, p: L.norm(x, p, dim=1),
    "Tensor.norm all": lambda L, x, p: x.norm(p),
    "Tensor.norm keepdim": lambda L, x, p: x.norm(p, dim=0, keepdim=True),
    "linalg.vector_norm": lambda L, x, p: L.linalg.vector_norm(x, p, dim=1),
    "linalg.vector_norm all": lambda L, x, p: L.linalg.vector_norm(x, p),
    "linalg.norm": lambda L, x, p: L.linalg.norm(x, p, dim=1),
}


def _node_names(out):
    """The names of the nodes of out's graph, depth first."""
    names, todo, seen = [], [out.grad_fn], set()
    while todo:
        node = todo.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        names.append(type(node).__name__)
        todo.extend(fn for fn, _ in getattr(node, "next_functions", ()))
    return names


@pytest.mark.parametrize("p", P_VALUES)
@pytest.mark.parametrize("name", sorted(NORMS))
def test_every_vector_norm_is_the_one_op_with_torchs_values_grads_and_node(name, p):
    fn = NORMS[name]
    ours = check(lambda L, x: fn(L, x, p), [X0], rtol=1e-12, atol=1e-12)
    theirs = fn(torch, torch.tensor(X0, requires_grad=True), p)
    assert type(ours.grad_fn).__name__ == type(theirs.grad_fn).__name__ \
        == "LinalgVectorNormBackward0"
    from glasstorch._ops.norms import VectorNorm
    assert type(ours.grad_fn)._op_class is VectorNorm


def _second_derivative(L, fn, x0, p, w):
    """d/dx sum(w * d(sum fn(x))/dx) at x0, zeros where the gradient does not depend on x."""
    x = L.tensor(x0, requires_grad=True)
    (g,) = L.autograd.grad(fn(L, x, p).sum(), x, create_graph=True, allow_unused=True)
    if g is None or not g.requires_grad:        # p = 0: no gradient at all
        return np.zeros(x0.shape)
    (gg,) = L.autograd.grad((g * L.tensor(w)).sum(), x, allow_unused=True)
    if gg is None or (L is torch and gg._is_zerotensor()):  # p = 1, inf: constant in x
        return np.zeros(x0.shape)
    return gg.numpy()


@pytest.mark.parametrize("p", P_VALUES)
@pytest.mark.parametrize("name", ["torch.norm", "linalg.vector_norm all", "Tensor.norm keepdim"])
def test_vector_norm_second_derivatives_equal_torchs(name, p):
    """Double backward through every p (it raised as once-differentiable for p != 2), nan
    where PyTorch's is nan: at an x = 0 for p < 2, where the second derivative is infinite.
    (p = 2 on an all-zero slice: PyTorch's is nan there, ours 0 as it always was; left out.)"""
    x0 = X0 if p != 2 else X0[::2]
    w = np.linspace(-1, 1, x0.size).reshape(x0.shape)
    ours = _second_derivative(gt, NORMS[name], x0, p, w)
    theirs = _second_derivative(torch, NORMS[name], x0, p, w)
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("p", [2, 1, 3, 0.5, INF])
def test_vector_norm_gradcheck_and_gradgradcheck(p):
    x = gt.tensor(X0[::2] + 0.05, requires_grad=True)
    assert gt.autograd.gradcheck(lambda a: gt.linalg.vector_norm(a, p, dim=1), [x])
    assert gt.autograd.gradgradcheck(lambda a: gt.linalg.vector_norm(a, p, dim=1), [x])


@pytest.mark.parametrize("p", [2, 1, 3, INF])
def test_normalize_and_pairwise_distance_use_the_vector_norm(p):
    check(lambda L, x: L.nn.functional.normalize(x, p, dim=1), [X0], rtol=1e-12, atol=1e-12)
    out = check(lambda L, a, b: L.nn.functional.pairwise_distance(a, b, p), [X0, X0[::-1].copy()],
                rtol=1e-12, atol=1e-12)
    assert "NormBackward1" in _node_names(out)
    names = _node_names(gt.nn.functional.normalize(gt.tensor(X0, requires_grad=True), p))
    assert "LinalgVectorNormBackward0" in names


@pytest.mark.parametrize("dtype", ["float16", "complex128"])
@pytest.mark.parametrize("p", [2, 1, 3, INF])
def test_vector_norm_half_and_complex(dtype, p):
    x0 = (X0 * 100).astype(dtype) if dtype == "float16" else X0 + 1j * X0[::-1]
    tol = 2e-3 if dtype == "float16" else 1e-12
    check(lambda L, x: L.linalg.vector_norm(x, p, dim=1), [x0], rtol=tol, atol=tol,
          grad=dtype != "float16")
    check(lambda L, x: x.norm(p), [x0], rtol=tol, atol=tol, grad=dtype != "float16")


@pytest.mark.parametrize("p", [0.5, 0.3])
def test_cdist_below_one_gives_zero_gradient_where_a_difference_is_zero(p):
    """|d|^(p-1) is infinite at d = 0: PyTorch gives 0 there (it was nan)."""
    a = np.array([[0.5, 0.0, 0.7], [0.5, 0.3, 0.0]])
    b = np.array([[0.5, 0.1, 0.7]])
    for mode in ("use_mm_for_euclid_dist_if_necessary", "donot_use_mm_for_euclid_dist"):
        check(lambda L, x, y: L.cdist(x, y, p, compute_mode=mode), [a, b], rtol=1e-12,
              atol=1e-12)
    gradcheck_fn(lambda L, x, y: L.cdist(x, y, p), [a + 0.05, b])


@pytest.mark.parametrize("p", [0, 1, 2, 3, INF])
def test_cdist_matches_torch_at_ties_and_zeros(p):
    a = np.array([[1.0, -1.0, 0.0], [2.0, 2.0, 2.0]])
    b = np.array([[0.0, 0.0, 0.0], [1.0, -1.0, 0.0]])
    check(lambda L, x, y: L.cdist(x, y, p, compute_mode="donot_use_mm_for_euclid_dist"),
          [a, b], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("dtype", ["float32", "float64", "complex128", "float16"])
@pytest.mark.parametrize("p", [2, 1, 3, 0.5, INF, -INF, 0])
def test_clip_grad_norm_matches_torch(dtype, p):
    """clip_grad_norm_ runs the same p-norm math (a complex gradient's 2-norm took x . x, not
    x . conj(x), before)."""
    rng = np.random.default_rng(3)
    shapes = [(3, 4), (5,), ()]
    grads = [rng.standard_normal(s) for s in shapes]
    if dtype == "complex128":
        grads = [g + 1j * rng.standard_normal(s) for g, s in zip(grads, shapes)]
    grads = [g.astype(dtype) for g in grads]
    results = []
    for L in (torch, gt):
        params = [L.nn.Parameter(L.tensor(np.zeros_like(g))) for g in grads]
        for param, g in zip(params, grads):
            param.grad = L.tensor(g)
        total = L.nn.utils.clip_grad_norm_(params, 0.5, norm_type=p)
        results.append((total.numpy(), [param.grad.numpy() for param in params]))
    tol = 2e-3 if dtype == "float16" else 1e-5 if dtype == "float32" else 1e-12
    assert results[1][0].dtype == results[0][0].dtype
    np.testing.assert_allclose(results[1][0], results[0][0], rtol=tol)
    for ours, theirs in zip(results[1][1], results[0][1]):
        np.testing.assert_allclose(ours, theirs, rtol=tol, atol=tol)


# ------------------------------------------------------------------------------ structure
def test_glasstorch_linalg_only_reexports_ops_from_the_op_library():
    """glasstorch/linalg.py defines no op (no Function, no function, no class): every public
    name is defined under glasstorch._ops, like nn/functional.py."""
    import glasstorch.linalg as linalg
    source = inspect.getsource(linalg)
    assert "\ndef " not in source and "\nclass " not in source
    defined_here = [name for name, obj in vars(linalg).items()
                    if getattr(obj, "__module__", None) == "glasstorch.linalg"]
    assert defined_here == []
    for name in linalg.__all__:
        assert getattr(linalg, name).__module__.startswith("glasstorch._ops."), name
    ops = [cls for cls in _subclasses(Function) if cls.__module__ == "glasstorch.linalg"]
    assert ops == []


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_each_linalg_op_file_reads_op_after_op():
    """In the linear-algebra op files each public function comes after the Function class it
    applies (the class is defined before its first user, none far away at the bottom)."""
    import importlib
    for module in ("products", "norms", "solvers", "decompositions", "matrix_functions",
                   "cdist"):
        mod = importlib.import_module(f"glasstorch._ops.{module}")
        lines = inspect.getsource(mod).split("\n")
        classes = {name: inspect.getsourcelines(obj)[1] for name, obj in vars(mod).items()
                   if isinstance(obj, type) and issubclass(obj, Function)
                   and obj.__module__ == mod.__name__}
        assert classes, module
        for name, line in classes.items():
            users = [i + 1 for i, text in enumerate(lines) if f"{name}.apply(" in text]
            assert users, f"{module}.{name} is never applied in its own file"
            assert min(users) > line, f"{module}.{name} is applied before it is defined"
