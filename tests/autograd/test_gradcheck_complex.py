"""gradcheck and gradgradcheck on complex inputs and outputs, as PyTorch checks them: each
complex number is a pair of real variables. Both libraries must accept correct backwards and
reject the same wrong ones (a missing conjugate, a dropped imaginary part): before, glasstorch
dropped the imaginary parts and passed anything."""
import numpy as np
import pytest
import torch

import glasstorch as gt

Z = np.array([1 + 2j, 0.5 - 1j, -0.3 + 0.2j])
X = np.array([0.7, -1.2, 0.4])


def _conj_mul_function(lib, bug):
    """f(z) = z * c for a complex constant c: backward g * conj(c); `bug` gives g * c."""
    c = 0.3 - 1.1j

    class ConstantMul(lib.autograd.Function):
        @staticmethod
        def forward(ctx, z):
            return z * c

        @staticmethod
        def backward(ctx, g):
            return g * (c if bug == "no conj" else np.conj(c))
    return ConstantMul.apply


def _real_to_complex_function(lib, bug):
    """f(x) = x * c from a real x: backward Re(g * conj(c)); `bug` drops the imaginary part
    of g before multiplying."""
    c = 0.3 - 1.1j

    class Lift(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * c

        @staticmethod
        def backward(ctx, g):
            if bug == "drop imag":
                return (g.real * np.conj(c)).real
            return (g * np.conj(c)).real
    return Lift.apply


CORRECT = {
    "mul": (lambda L, z: z * z, Z),
    "exp": (lambda L, z: z.exp(), Z),
    "abs": (lambda L, z: z.abs(), Z),
    "conj mul": (lambda L, z: z * z.conj(), Z),
    "real of square": (lambda L, z: (z * z).real, Z),
    "matmul": (lambda L, z: L.outer(z, z) @ z, Z),
    "complex from real": (lambda L, x: L.polar(x.exp(), x), X),
    "view_as_real": (lambda L, z: L.view_as_real(z * z), Z),
}


# glasstorch raises for a second derivative through these (outer's product, polar,
# view_as_real: their backwards are not recorded on complex Tensors), never a wrong one
FIRST_ORDER_ONLY = {"matmul", "complex from real", "view_as_real"}


def _tensor(lib, values):
    return lib.tensor(values, requires_grad=True)


@pytest.mark.parametrize("name", list(CORRECT))
def test_correct_complex_backwards_pass(name):
    fn, values = CORRECT[name]
    for lib in (torch, gt):
        x = _tensor(lib, values)
        assert lib.autograd.gradcheck(lambda t: fn(lib, t), (x,))
        if name not in FIRST_ORDER_ONLY:
            assert lib.autograd.gradgradcheck(lambda t: fn(lib, t), (x,))
    if name in FIRST_ORDER_ONLY:
        with pytest.raises(RuntimeError, match="differentiate twice"):
            gt.autograd.gradgradcheck(lambda t: fn(gt, t), (_tensor(gt, values),))


@pytest.mark.parametrize("make, bug, values", [(_conj_mul_function, "no conj", Z),
                                               (_real_to_complex_function, "drop imag", X)])
def test_wrong_complex_backward_fails_as_in_pytorch(make, bug, values):
    for lib in (torch, gt):
        right = make(lib, None)
        assert lib.autograd.gradcheck(right, (_tensor(lib, values),))
        wrong = make(lib, bug)
        assert not lib.autograd.gradcheck(wrong, (_tensor(lib, values),), raise_exception=False)
        with pytest.raises(RuntimeError):
            lib.autograd.gradcheck(wrong, (_tensor(lib, values),))
