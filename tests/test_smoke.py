import numpy as np

from tests.oracle.harness import check, sample


def test_mul_add_broadcast_grad():
    check(lambda t, a, b: (a * b + a).sum(0), [sample((3, 4)), sample((4,))])


def test_matmul_grad():
    check(lambda t, a, b: t.matmul(a, b), [sample((2, 3, 4)), sample((4, 5))], rtol=1e-4)
