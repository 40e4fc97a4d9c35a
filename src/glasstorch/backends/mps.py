"""torch.backends.mps: no Apple-GPU back end, so device-picking code falls through to 'cpu'."""


def is_available():
    return False


def is_built():
    return False
