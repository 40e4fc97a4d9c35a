"""torch.backends.openmp: glasstorch's own code runs no OpenMP threads."""


def is_available():
    return False
