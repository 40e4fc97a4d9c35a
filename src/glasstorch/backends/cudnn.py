"""torch.backends.cudnn: no cuDNN here. The flags exist so that seeding code which sets them
runs; they change nothing (glasstorch's CPU results are deterministic already)."""
enabled = True
benchmark = False
deterministic = False
allow_tf32 = True


def is_available():
    return False


def version():
    """None: cuDNN is not available (as in PyTorch without it)."""
    return None
