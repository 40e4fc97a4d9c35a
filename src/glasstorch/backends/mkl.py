"""torch.backends.mkl: glasstorch does not link Intel MKL itself (NumPy's BLAS may)."""


def is_available():
    return False
