"""glasstorch.cuda: there is no GPU backend; these answer like PyTorch's CPU-only build so that
`device = 'cuda' if torch.cuda.is_available() else 'cpu'` picks the CPU."""


def is_available():
    return False


def device_count():
    return 0


def manual_seed(seed):
    """No-op without CUDA (as in PyTorch when CUDA is unavailable)."""


def manual_seed_all(seed):
    """No-op without CUDA."""


def is_initialized():
    return False


def synchronize(device=None):
    """Nothing to wait for on the CPU."""


def empty_cache():
    """No CUDA cache to free."""


def current_device():
    raise RuntimeError("Torch not compiled with CUDA enabled")


def get_device_name(device=None):
    raise RuntimeError("Torch not compiled with CUDA enabled")
