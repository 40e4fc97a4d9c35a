"""torch.backends.cpu: the CPU's vector instruction set as PyTorch would dispatch on it."""


def get_cpu_capability():
    """'DEFAULT': glasstorch leaves vectorisation to NumPy and has no kernels of its own."""
    return "DEFAULT"
