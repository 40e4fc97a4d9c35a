"""torch.backends.mkldnn: there are no oneDNN kernels in glasstorch."""
enabled = True


def is_available():
    return False
