"""Oracle tests for the complex helpers: real, imag, conj, conj_physical, view_as_real /
view_as_complex, polar and complex; their views, gradients (to real and complex leaves) and
errors."""
import numpy as np
import torch

import glasstorch as gt
from tests.oracle.harness import check, check_error, gradcheck_fn, sample

RNG = np.random.default_rng(7)


def pos(shape, low=0.2, high=3.0, dtype="float32"):
    return RNG.uniform(low, high, size=shape).astype(dtype)


def cplx(shape, dtype="complex64"):
    return (sample(shape, "float64") + 1j * sample(shape, "float64")).astype(dtype)


def test_real_imag_conj_values_and_views():
    z = cplx((2, 3))
    for fn in (lambda t, z: t.real(z), lambda t, z: t.imag(z), lambda t, z: z.real,
               lambda t, z: z.imag, lambda t, z: t.conj(z).resolve_conj(),
               lambda t, z: z.conj().resolve_conj(),
               lambda t, z: t.conj_physical(z), lambda t, z: t.resolve_conj(z),
               lambda t, z: t.resolve_neg(z), lambda t, z: t.view_as_real(z),
               lambda t, z: t.angle(z), lambda t, z: z.angle()):
        check(fn, [z], grad=False)
        check(fn, [z.astype("complex128")], grad=False)
    zt = gt.tensor(z)
    for view in (zt.real, zt.imag, gt.view_as_real(zt)):
        assert view._base is zt
    zt.real.mul_(2)                       # a write through the view reaches z
    np.testing.assert_allclose(zt.numpy().real, 2 * z.real, rtol=1e-6)
    zt.imag = gt.zeros(2, 3)
    assert not np.any(zt.numpy().imag)


def test_real_tensors_in_complex_helpers():
    f = sample((3,))
    for fn in (lambda t, x: t.real(x), lambda t, x: t.conj(x), lambda t, x: x.conj(),
               lambda t, x: t.resolve_conj(x), lambda t, x: t.conj_physical(x)):
        check(fn, [f])
    x = gt.tensor(f)
    assert gt.real(x) is x and gt.conj(x) is x and gt.resolve_neg(x) is x
    assert not gt.is_conj(x) and not x.is_neg() and not x.conj().is_conj()
    check(lambda t, x: t.angle(x), [np.array([1.0, -2.0, 0.0, np.nan], "float32")])
    check(lambda t, x: t.angle(x), [np.array([1, -2, 0])], grad=False)
    check_error(lambda t: t.imag(t.tensor([1.0])), match="non-complex")
    check_error(lambda t: t.view_as_real(t.tensor([1.0])))


def test_polar_complex_view_as_complex_grads():
    r, a = pos((3, 2)), sample((3, 2))
    check(lambda t, r, a: t.polar(r, a), [r, a], rtol=1e-5)
    check(lambda t, r, a: t.polar(r, a), [r, a[0]], rtol=1e-5)      # broadcast
    check(lambda t, r, a: t.complex(r, a), [r, a])
    check(lambda t, r, a: t.complex(r, a), [r.astype("float64"), a.astype("float64")])
    check(lambda t, x: t.view_as_complex(x), [sample((4, 2))])
    check(lambda t, x: t.view_as_complex(x)[1:], [sample((3, 5, 2))])
    check(lambda t, x: t.view_as_real(t.view_as_complex(x)) * 2, [sample((3, 2))])


def test_complex_grads_flow_back_to_complex_leaves():
    z = cplx((3,))
    ups = [np.array([1.0, 2.0, -1.0], "float32"), cplx((3,))]
    cases = [(lambda t, z: t.real(z), ups[0]), (lambda t, z: t.imag(z), ups[0]),
             (lambda t, z: t.conj(z).resolve_conj(), ups[1]),
             (lambda t, z: t.angle(z), ups[0]),
             (lambda t, z: t.view_as_real(z), np.stack([ups[0], -ups[0]], 1))]
    for fn, up in cases:
        grads = []
        for lib in (torch, gt):
            leaf = lib.tensor(z, requires_grad=True)
            fn(lib, leaf).backward(lib.tensor(up))
            grads.append(leaf.grad.detach().resolve_conj().numpy())
        np.testing.assert_allclose(grads[1], grads[0], rtol=1e-5, atol=1e-6)


def test_complex_gradcheck_of_real_inputs():
    # finite differences on the real inputs of complex-valued ops, through a real output
    gradcheck_fn(lambda t, r, a: t.view_as_real(t.polar(r, a)), [pos((3,), dtype="float64"),
                                                                 sample((3,), "float64")])
    gradcheck_fn(lambda t, r, a: t.view_as_real(t.complex(r, a)),
                 [sample((3,), "float64"), sample((3,), "float64")])
    gradcheck_fn(lambda t, x: t.view_as_real(t.view_as_complex(x) * 2),
                 [sample((3, 2), "float64")])


def test_complex_helper_errors():
    check_error(lambda t: t.polar(t.tensor([1.0]), t.tensor([0.5], dtype=t.float64)),
                match="Double")
    check_error(lambda t: t.polar(t.tensor([1]), t.tensor([0])), match="Long")
    check_error(lambda t: t.complex(t.tensor([1]), t.tensor([2])))
    check_error(lambda t: t.view_as_complex(t.zeros(3)), match="size 2")
    check_error(lambda t: t.view_as_complex(t.zeros(4, 2).t().contiguous().t()),
                match="stride 1")
    check_error(lambda t: t.view_as_complex(t.zeros(2, dtype=t.int64)), match="Long")


def test_conj_physical_inplace():
    z = cplx((3,))
    check(lambda t, z: z.clone().conj_physical_(), [z], grad=False)
    check(lambda t, z: t.conj_physical_(z.clone()), [z], grad=False)
