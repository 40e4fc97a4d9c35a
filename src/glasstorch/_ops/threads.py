"""Thread settings: torch.set_num_threads / get_num_threads and the inter-op pair.

glasstorch's only intra-op parallelism is NumPy's BLAS pool (matmul, the convolution GEMMs),
sized through threadpoolctl. Elementwise passes stay on one thread: handing row blocks to
Python threads was tried for softmax, and waking a thread costs about 40 us on this kind of
machine, which ate the gain on sub-millisecond ops. Without set_num_threads the count comes
from the CPUs this process may run on, capped by OMP_NUM_THREADS (as in PyTorch).
"""
import os

_threads = {"intra": None, "interop": None}


def _threadpoolctl():
    """threadpoolctl, if installed (it sets the BLAS pool's size at run time)."""
    try:
        import threadpoolctl
    except ImportError:
        return None
    return threadpoolctl


def _check_positive(fname, n):
    if isinstance(n, bool) or not isinstance(n, int):
        # PyTorch raises RuntimeError here, not TypeError
        raise RuntimeError(f"{fname} expects an int, but got {type(n).__name__}")
    if n <= 0:
        raise RuntimeError(f"{fname} expects a positive integer")


def _default_threads():
    """The CPUs this process may run on, or fewer when OMP_NUM_THREADS says so (as in
    PyTorch, a larger OMP_NUM_THREADS does not raise the count above the CPUs)."""
    if hasattr(os, "sched_getaffinity"):
        cpus = len(os.sched_getaffinity(0))
    else:
        cpus = os.cpu_count() or 1
    try:
        from_env = int(os.environ.get("OMP_NUM_THREADS", ""))
    except ValueError:
        from_env = 0
    return min(from_env, cpus) if from_env > 0 else cpus


def set_num_threads(int):
    """Set the number of threads for intra-op work, i.e. NumPy's BLAS pool (through
    threadpoolctl when it is installed; without it the value is only remembered: then set
    OMP_NUM_THREADS / OPENBLAS_NUM_THREADS before starting Python instead)."""
    _check_positive("set_num_threads", int)
    _threads["intra"] = int
    tpc = _threadpoolctl()
    if tpc is not None:
        tpc.threadpool_limits(limits=int, user_api="blas")   # applies now and stays applied


def get_num_threads():
    """The intra-op thread count: the value last set, else the CPUs (at most OMP_NUM_THREADS)."""
    if _threads["intra"] is None:
        _threads["intra"] = _default_threads()
    return _threads["intra"]


def set_num_interop_threads(int):
    """Set the inter-op thread count. glasstorch runs ops one after another, so the value is
    only remembered (and reported by get_num_interop_threads)."""
    _check_positive("set_num_interop_threads", int)
    _threads["interop"] = int


def get_num_interop_threads():
    return _threads["interop"] or os.cpu_count() or 1
