"""F.normalize, F.cosine_similarity, F.pairwise_distance, F.pdist and the distance modules
against PyTorch; and the TypeError of the basic functionals (linear, embedding, dropout, pad,
one_hot, cosine_similarity, bilinear) for an argument that is not a Tensor."""
import numpy as np
import pytest
import torch

import glasstorch as gt
from tests.oracle.harness import check, gradcheck_fn, check_error, sample


def F(t):
    return t.nn.functional


# ---------------------------------------------------------------------------------- normalize
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape,kwargs", [((4, 3), {}), ((4, 3), {"dim": 0}),
                                          ((2, 3, 4), {"p": 1.0, "dim": -1}),
                                          ((5,), {"dim": 0}), ((2, 3), {"p": 3.0}),
                                          ((0, 3), {})], ids=str)
def test_normalize_matches_torch(shape, kwargs, dtype):
    check(lambda t, x: F(t).normalize(x, **kwargs), [sample(shape, dtype)])


def test_normalize_zero_rows_use_eps_and_gradcheck():
    x = sample((3, 4), "float64")
    x[1] = 0
    check(lambda t, a: F(t).normalize(a), [x])
    gradcheck_fn(lambda t, a: F(t).normalize(a, dim=0), [sample((3, 4), "float64")])
    check_error(lambda t: F(t).normalize(t.randn(3)))


# ---------------------------------------------------------------------------------- cosine
COSINE = [((4, 3), (4, 3), 1), ((4, 3), (1, 3), 1), ((4, 3), (4, 1), 0), ((3,), (3,), 0),
          ((2, 3, 4), (3, 4), -1), ((2, 3, 4), (2, 3, 4), 1), ((5, 3), (5, 3), -2)]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("s1,s2,dim", COSINE, ids=str)
def test_cosine_similarity_matches_torch(s1, s2, dim, dtype):
    check(lambda t, a, b: F(t).cosine_similarity(a, b, dim), [sample(s1, dtype),
                                                              sample(s2, dtype)])


@pytest.mark.parametrize("s1,s2,dim", COSINE[:5], ids=str)
def test_cosine_similarity_gradcheck(s1, s2, dim):
    gradcheck_fn(lambda t, a, b: F(t).cosine_similarity(a, b, dim),
                 [sample(s1, "float64"), sample(s2, "float64")])


def test_cosine_similarity_zero_and_tiny_vectors():
    a = sample((4, 3), "float64")
    b = sample((4, 3), "float64")
    a[0] = 0
    a[1] = 1e-10
    b[2] = 0
    check(lambda t, x, y: F(t).cosine_similarity(x, y), [a, b])
    check(lambda t, x, y: F(t).cosine_similarity(x, y, eps=0.5), [a, b])


def test_cosine_similarity_dtypes_and_errors():
    check(lambda t, x, y: F(t).cosine_similarity(x, y), [np.array([[1, 2]]), sample((1, 2))])
    check(lambda t, x, y: t.cosine_similarity(x, y, dim=0), [sample((3,)), sample((3,))])
    check_error(lambda t: F(t).cosine_similarity(t.tensor([[1, 2]]), t.tensor([[1, 2]])),
                match="floating point")
    check_error(lambda t: F(t).cosine_similarity(t.randn(2, 3), t.randn(3, 1)))
    check_error(lambda t: F(t).cosine_similarity(t.randn(2, 3), t.randn(2, 3), dim=2))


# ---------------------------------------------------------------------------------- pairwise
@pytest.mark.parametrize("p", [2.0, 1.0, 3.0, float("inf")])
@pytest.mark.parametrize("s1,s2", [((4, 3), (4, 3)), ((4, 3), (1, 3)), ((3,), (3,))], ids=str)
def test_pairwise_distance_matches_torch(s1, s2, p):
    check(lambda t, a, b: F(t).pairwise_distance(a, b, p), [sample(s1), sample(s2)])
    check(lambda t, a, b: F(t).pairwise_distance(a, b, p, keepdim=True, eps=0.1),
          [sample(s1, "float64"), sample(s2, "float64")])


def test_pairwise_distance_gradcheck_and_torch_binding():
    gradcheck_fn(lambda t, a, b: F(t).pairwise_distance(a, b),
                 [sample((4, 3), "float64"), sample((4, 3), "float64")])
    check(lambda t, a, b: t.pairwise_distance(a, b), [sample((2, 5)), sample((2, 5))])


def test_non_tensor_arguments_are_type_errors():
    check_error(lambda t: F(t).linear([1.0, 2.0], t.ones(2, 2)), match="must be Tensor")
    check_error(lambda t: F(t).linear(t.ones(2), [[1.0, 2.0]]), match="'weight'")
    check_error(lambda t: F(t).embedding([1], t.ones(2, 2)), match="'indices'")
    check_error(lambda t: F(t).dropout([1.0], 0.5))
    check_error(lambda t: F(t).pad([1.0], (1, 1)))
    check_error(lambda t: F(t).one_hot([1]))
    check_error(lambda t: F(t).cosine_similarity([1.0], t.ones(1), 0))
    check_error(lambda t: F(t).bilinear([1.0], t.ones(1), t.ones(1, 1, 1)))


def test_distance_modules_match_torch():
    import torch
    rng = np.random.default_rng(3)
    a = rng.standard_normal((4, 5)).astype(np.float32)
    b = rng.standard_normal((4, 5)).astype(np.float32)
    for name, kwargs in (("PairwiseDistance", {}), ("PairwiseDistance", {"p": 1.0,
                                                                          "keepdim": True}),
                         ("CosineSimilarity", {}), ("CosineSimilarity", {"dim": 0})):
        ours = getattr(gt.nn, name)(**kwargs)(gt.tensor(a), gt.tensor(b))
        theirs = getattr(torch.nn, name)(**kwargs)(torch.tensor(a), torch.tensor(b))
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-5, atol=1e-6)
        assert repr(getattr(gt.nn, name)(**kwargs)) == repr(getattr(torch.nn, name)(**kwargs))
    assert repr(gt.nn.TripletMarginWithDistanceLoss()) == \
        repr(torch.nn.TripletMarginWithDistanceLoss())


# ---------------------------------------------------------------------------------- pdist
@pytest.mark.parametrize("p", [0, 0.5, 1, 1.5, 2, 3, float("inf")])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_pdist_matches_torch(p, dtype):
    tol = dict(rtol=1e-4, atol=1e-5) if dtype == "float32" else dict(rtol=1e-7, atol=1e-9)
    x = sample((6, 4), dtype)
    x[3] = x[1]                       # a zero distance: gradient 0 there, as torch
    check(lambda t, x: t.pdist(x, p), [x], **tol)
    check(lambda t, x: F(t).pdist(x.T, p), [sample((3, 5), dtype)], **tol)


def test_pdist_edge_cases_and_gradcheck():
    for shape in [(1, 3), (0, 3), (3, 0)]:
        # torch's pdist backward crashes the process on these shapes: values only
        check(lambda t, x: t.pdist(x), [sample(shape, "float64")], grad=False)
        x = gt.tensor(sample(shape, "float64"), requires_grad=True)
        out = gt.pdist(x)
        out.backward(gt.ones_like(out))
        assert x.grad.shape == x.shape and not x.grad.numpy().any()
    for p in [1, 2, 3, float("inf")]:
        gradcheck_fn(lambda t, x: t.pdist(x, p), [sample((4, 3))])


def test_pdist_errors():
    check_error(lambda t: t.pdist(t.randn(3)), match="2D")
    check_error(lambda t: t.pdist(t.randn(2, 3, 2)), match="3D")
    check_error(lambda t: t.pdist(t.randn(3, 2), -1), match="non-negative")
    check_error(lambda t: t.pdist(t.arange(6).reshape(3, 2)), match="floating")
