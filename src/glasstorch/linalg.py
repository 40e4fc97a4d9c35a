"""glasstorch.linalg: norms, inverse, determinant, solve, and the decompositions (torch.linalg).

All functions work on batches: a matrix argument has shape (*, m, n) and the leading dims are
batch dims. Gradients: norm, vector_norm, matrix_norm, inv, det, slogdet (logabsdet), solve,
eigh, eig, eigvals, cholesky, svd, svdvals, pinv, qr and lstsq have backward formulas;
matrix_rank is an integer and has no gradient.
LAPACK failures (singular or non-positive-definite input) raise `LinAlgError`, a RuntimeError,
as in PyTorch.

The implementations live in the op library (`glasstorch/_ops/`): norms.py, solvers.py,
decompositions.py, matrix_functions.py and products.py; this file only gathers them under
PyTorch's names (torch.logdet, torch.pinverse, torch.svd and torch.cholesky, the older
spellings, are bound as torch.* by _ops/_registry.py)."""
from ._ops._linalg_util import LinAlgError
# ---------------------------------------------------------------- norms
from ._ops.norms import vector_norm, matrix_norm, linalg_norm as norm
# ---------------------------------------------------------------- inverses and linear systems
from ._ops.solvers import inv, det, slogdet, solve, pinv, lstsq, matrix_rank
# ---------------------------------------------------------------- decompositions
from ._ops.decompositions import eigh, eigvalsh, eig, eigvals, svd, svdvals, qr, cholesky
# ---------------------------------------------------------------- functions of a matrix
from ._ops.matrix_functions import matrix_power, matrix_exp
# ---------------------------------------------------------------- products
from ._ops.products import matmul, multi_dot, linalg_cross as cross

__all__ = ["norm", "vector_norm", "matrix_norm", "inv", "det", "slogdet", "solve", "pinv",
           "matrix_rank", "eigh", "eigvalsh", "svd", "svdvals", "qr", "cholesky", "cross",
           "matmul", "multi_dot", "matrix_power", "matrix_exp", "LinAlgError",
           "lstsq", "eig", "eigvals"]
