"""The step schedule of a recurrent kernel, and the gate nonlinearities it uses in place."""
from ..._backend import xp
from .._summation import pairwise_sum


def schedule_of(batch_sizes, reverse):
    """[(first_row, batch), ...] for each time step in the order a layer runs them: batch_sizes
    (T,) are the running sequences per step of a packed (time-major) input."""
    starts = [0]
    for b in batch_sizes[:-1]:
        starts.append(starts[-1] + int(b))
    steps = [(start, int(b)) for start, b in zip(starts, batch_sizes)]
    return steps[::-1] if reverse else steps


def sigmoid_(a):
    """a = 1 / (1 + exp(-a)), in place, as 0.5 tanh(a / 2) + 0.5 (no overflow for large |a|)."""
    a *= 0.5
    xp.tanh(a, out=a)
    a *= 0.5
    a += 0.5
    return a


def sum_rows(a):
    """a.sum(axis=0) for a (N, G) array, as a tree (pairwise_sum: PyTorch's rounding error;
    a GEMV with a ones vector adds the N rows one after another, 1e-6 off over 16384 rows)."""
    return pairwise_sum(a, (0,))


def step_weight(w_hh, schedule):
    """W_hh^T (K, G) for the per-step GEMM h W_hh^T. Over many steps it pays to copy it into
    C order once (BLAS runs the small GEMM about 1.4x faster than on the transposed view);
    a single step (a cell) uses the view."""
    return xp.ascontiguousarray(w_hh.T) if len(schedule) > 1 else w_hh.T
