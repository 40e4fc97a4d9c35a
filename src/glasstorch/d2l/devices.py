"""Devices as the book names them. glasstorch computes on the CPU: num_gpus() is 0, so
try_gpu() is the CPU and try_all_gpus() is [] (the book's answers on a machine without GPUs)."""
import glasstorch


def cpu():
    """The CPU device."""
    return glasstorch.device("cpu")


def gpu(i=0):
    """The i-th GPU device (a name only: glasstorch cannot put tensors there)."""
    return glasstorch.device(f"cuda:{i}")


def num_gpus():
    """How many GPUs there are."""
    return glasstorch.cuda.device_count()


def try_gpu(i=0):
    """gpu(i) if it exists, else cpu()."""
    if num_gpus() >= i + 1:
        return gpu(i)
    return cpu()


def try_all_gpus():
    """Every GPU; [] when there is none (as the book's code returns it)."""
    return [gpu(i) for i in range(num_gpus())]
