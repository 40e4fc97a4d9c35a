"""Backward through svd, linalg.svd, svdvals, torch.svd, pinv and qr (issue 6: they raised):
values and gradients against PyTorch under a random upstream gradient, float64 gradchecks, and
PyTorch's errors where it refuses to differentiate. Singular vectors are compared and
differentiated through |.| (their signs are arbitrary)."""
import numpy as np
import pytest

from tests.oracle.harness import check, check_error, gradcheck_fn

SHAPES = [(3, 3), (4, 2), (2, 4), (2, 3, 2), (2, 2, 3)]

FNS = {
    "svd_U": lambda t, x: t.linalg.svd(x, full_matrices=False)[0].abs(),
    "svd_all": lambda t, x: tuple(o.abs() for o in t.linalg.svd(x, full_matrices=False)),
    "svd_full_S": lambda t, x: t.linalg.svd(x)[1],
    "svd_full_UV": lambda t, x: (t.linalg.svd(x)[0][..., :min(x.shape[-2:])].abs(),
                                 t.linalg.svd(x)[2][..., :min(x.shape[-2:]), :].abs()),
    "svdvals": lambda t, x: t.linalg.svdvals(x),
    "torch_svd": lambda t, x: tuple(o.abs() for o in t.svd(x)),
    "pinv": lambda t, x: t.linalg.pinv(x),
    "qr": lambda t, x: t.linalg.qr(x),
    "qr_R": lambda t, x: t.linalg.qr(x)[1],
    "qr_Q": lambda t, x: t.linalg.qr(x)[0],
}


@pytest.mark.parametrize("name", list(FNS))
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_decomposition_gradients(name, shape):
    x = np.random.default_rng(sum(shape)).standard_normal(shape).astype("float32")
    check(FNS[name], [x], rtol=1e-4, atol=1e-4)
    gradcheck_fn(FNS[name], [x])


@pytest.mark.parametrize("shape", [(2, 2), (2, 3)], ids=str)
def test_qr_complete_square_or_wide(shape):
    x = np.random.default_rng(1).standard_normal(shape).astype("float32")
    check(lambda t, a: t.linalg.qr(a, mode="complete"), [x], rtol=1e-4, atol=1e-4)


def test_qr_not_differentiable_cases():
    check_error(lambda t: t.linalg.qr(t.ones(3, 2, requires_grad=True), mode="complete")[0]
                .sum().backward(), match="not differentiable when mode='complete'")
    check_error(lambda t: t.linalg.qr(t.ones(3, 2, requires_grad=True), mode="r")[1]
                .sum().backward(), match="mode='r'")
