"""Sums with PyTorch's rounding error on every memory layout, and its accumulator types.

NumPy sums pairwise (error ~ log2(n) ulps) only along the axis its inner loop runs over, the
one with the smallest stride. Along any other axis it adds one row after another into the
result (error ~ n ulps: float32 `x.mean(0)` over 262144 rows near 1000 is off in the 3rd digit),
and slowly, as each inner loop is only one row long. PyTorch's CPU sum is a cascade on every
axis. `pairwise_sum` matches it:
  1. the reduced axis with the smallest stride goes to NumPy's own pairwise sum (when x is
     contiguous, all the trailing reduced axes at once, as one flat run);
  2. every other reduced axis is first cut into 16 slabs added one after another (one pass
     over the data), then the partial sums are folded in halves, x[:h] + x[h:2h] (one
     whole-array add per level), until at most 16 rows remain, which NumPy then adds in a
     row: a tree with error ~ 32 + log2(n) ulps, and about as fast as NumPy's row-by-row loop
     (which is error ~ n ulps).
Half precision is summed in float32 and running sums (cumsum) of float32 in float64: PyTorch's
CPU accumulator types (`at::acc_type<T, /*is_cuda=*/false>`).
"""
import math

from .._backend import xp
from .threads import get_num_threads

_ROWS_ADDED_IN_A_ROW = 16
_HALF = xp.dtype(xp.float16)


def accumulator(dtype):
    """The dtype PyTorch's CPU reductions (sum, mean, norm, var) accumulate `dtype` in:
    float32 for half precision, the dtype itself otherwise."""
    return xp.float32 if dtype == _HALF else dtype


def pairwise_sum(x, axes=None, keepdims=False):
    """x summed over `axes` (a tuple, or None for all) with a pairwise error bound on every
    layout. Float16 is accumulated in float32 and rounded once. Always returns an ndarray
    (0-d for a full reduction), in x's dtype."""
    if x.dtype.kind not in "fc":               # integers and bools are exact (or wrap) anyway
        return xp.asarray(xp.add.reduce(x, axis=axes, keepdims=keepdims))
    if x.dtype == _HALF:
        return pairwise_sum(x.astype(xp.float32), axes, keepdims).astype(xp.float16)
    if axes is None:   # all of x as one flat run in memory (copied there if it is not)
        if not (x.flags.c_contiguous or x.flags.f_contiguous):
            x = xp.ascontiguousarray(x)
        return xp.asarray(xp.add.reduce(x, axis=None, keepdims=keepdims))
    if len(axes) == 1:
        a = axes[0]
        # the common cases: the contiguous last axis (NumPy's pairwise), or a few rows
        if (a == x.ndim - 1 and x.flags.c_contiguous) or x.shape[a] <= _ROWS_ADDED_IN_A_ROW:
            return xp.asarray(xp.add.reduce(x, axis=a, keepdims=keepdims))
    out_shape = tuple(s for i, s in enumerate(x.shape) if i not in axes)
    x, rest = _sum_innermost(x, axes)
    for a in sorted(rest, key=lambda a: -x.shape[a]):   # the longest first: x shrinks fastest
        x = _fold_sum(x, a)
    if keepdims:
        return x
    return x.reshape(out_shape)


def pairwise_mean(x, axes=None, keepdims=False):
    """x averaged over `axes` (pairwise_sum / n; nan for an empty slice), in x's dtype."""
    n = x.size if axes is None else math.prod(x.shape[a] for a in axes)
    total = pairwise_sum(x.astype(accumulator(x.dtype), copy=False), axes, keepdims)
    if n == 0:
        return xp.full(total.shape, xp.nan, x.dtype)
    return xp.asarray(total / n).astype(x.dtype, copy=False)


def _sum_innermost(x, axes):
    """Sum the reduced axes NumPy can sum pairwise itself (kept as size-1 dims). Returns the
    partly summed x and the reduced axes still left."""
    if x.flags.c_contiguous:
        inner = x.ndim
        while inner and inner - 1 in axes:     # trailing reduced axes: one flat run in memory
            inner -= 1
        if inner < x.ndim:
            flat = x.reshape(x.shape[:inner] + (math.prod(x.shape[inner:]),))
            part = xp.add.reduce(flat, axis=-1, keepdims=True)
            x = part.reshape(x.shape[:inner] + (1,) * (x.ndim - inner))
            return x, tuple(a for a in axes if a < inner)
        return x, axes
    long_axes = [a for a in range(x.ndim) if x.shape[a] > 1]
    if long_axes:
        innermost = min(long_axes, key=lambda a: abs(x.strides[a]))
        # a short innermost axis is left to the end: NumPy's reduce over it is a slow loop
        if innermost in axes and x.shape[innermost] > _ROWS_ADDED_IN_A_ROW:
            x = xp.add.reduce(x, axis=innermost, keepdims=True)
            return x, tuple(a for a in axes if a != innermost)
    return x, axes


def _fold_sum(x, axis):
    """Sum x over `axis` (kept as a size-1 dim) as a tree: its n rows are cut into 16 slabs of
    n // 16 rows added one after another (one pass over x, into a result 1/16 of its size),
    then those partial sums are folded in halves down to 16 rows."""
    n = x.shape[axis]
    if n > _ROWS_ADDED_IN_A_ROW:
        if axis:
            x = x.swapaxes(0, axis)
        rows = n // _ROWS_ADDED_IN_A_ROW
        slabs = x[:_ROWS_ADDED_IN_A_ROW * rows].reshape((_ROWS_ADDED_IN_A_ROW, rows) + x.shape[1:])
        folded = xp.add.reduce(slabs, axis=0)   # a fresh array: later folds write into it
        if n > _ROWS_ADDED_IN_A_ROW * rows:     # the last n % 16 rows join the first sum
            folded[0] += xp.add.reduce(x[_ROWS_ADDED_IN_A_ROW * rows:], axis=0)
        n = rows
        while n > _ROWS_ADDED_IN_A_ROW:
            half = n // 2
            top = folded[:half]
            xp.add(top, folded[half:2 * half], top)
            if n % 2:
                folded[0] += folded[n - 1]
            n = half
        x = folded[:n].swapaxes(0, axis) if axis else folded[:n]
    return xp.add.reduce(x, axis=axis, keepdims=True)


def running_sum(x, axis):
    """cumsum along `axis` with PyTorch's CPU accumulator: float64 for float32 (and complex128
    for complex64), float32 for float16; rounded to x's dtype at the end."""
    wide = _scan_accumulator(x.dtype)
    if wide is None:
        return xp.cumsum(x, axis=axis, dtype=x.dtype)
    # widened first and scanned in place: with dtype=, NumPy's scan converts as it goes and
    # runs about twice as slow
    acc = x.astype(wide)
    xp.cumsum(acc, axis=axis, out=acc)
    return acc.astype(x.dtype)


def running_product(x, axis):
    """cumprod along `axis` with PyTorch's CPU accumulator (see running_sum)."""
    wide = _scan_accumulator(x.dtype)
    if wide is None:
        return xp.cumprod(x, axis=axis, dtype=x.dtype)
    acc = x.astype(wide)
    xp.cumprod(acc, axis=axis, out=acc)
    return acc.astype(x.dtype)


def _scan_accumulator(dtype):
    if dtype == xp.float32:
        return xp.float64
    if dtype == xp.complex64:
        return xp.complex128
    if dtype == xp.float16:
        return xp.float32
    return None


# Rows are worked through in blocks of about this many elements, converted to float64 in a
# buffer that stays in cache (128 KB per block of float32, 256 KB as float64).
_BLOCK_ELEMENTS = 1 << 15
MIN_ROW_FOR_BLAS_VARIANCE = 1024
_EPS64 = float(xp.finfo(xp.float64).eps)


def squared_deviation_sums(rows):
    """sum((x - mean)^2) of every row of a C-contiguous float32 (R, L) matrix, in float64 (R,);
    None when that is not safe to get this way (the caller then takes the general path).

    One pass over x, block by block through a cache-sized float64 buffer. Each row is shifted
    by m', the mean of its first block (a whole short row, or the first _BLOCK_ELEMENTS of a
    long one); then d = x - m' gives
        s1 = sum d,  s2 = d . d   (NumPy's add.reduce and einsum; short rows: one dot per row)
        sum((x - mean)^2) = s2 - s1^2 / L
    Plain (non-tree) float64 sums are accurate enough: their error, at most L * 2^-53 relative,
    is far below float32's 2^-24 for any row length. A block's mean is within
    std * sqrt(L / block) of the row's, so s1^2 / L is at most L / block times the result: the
    subtraction loses at most log2(L / block) of float64's 53 bits (none for a short row).
    None when a row's sums are not finite (inf or NaN data) or when s2 - s1^2 / L is within
    rounding of 0 (a constant row, whose variance must come out exactly 0)."""
    n_rows, length = rows.shape
    s1 = xp.empty(n_rows, xp.float64)
    s2 = xp.empty(n_rows, xp.float64)
    if length >= _BLOCK_ELEMENTS:   # row by row, each cut into blocks
        d = xp.empty(_BLOCK_ELEMENTS, xp.float64)
        all_ones = xp.ones(_BLOCK_ELEMENTS, xp.float64)
        one_thread = get_num_threads() == 1
        for r in range(n_rows):
            total = square_total = 0.0
            for start in range(0, length, _BLOCK_ELEMENTS):
                chunk = rows[r, start:start + _BLOCK_ELEMENTS]
                block, ones = d[:chunk.size], all_ones[:chunk.size]
                xp.copyto(block, chunk)
                if not start:
                    shift = xp.add.reduce(block) / _BLOCK_ELEMENTS
                xp.subtract(block, shift, out=block)
                if one_thread:      # BLAS dots, the fastest way
                    total += xp.dot(block, ones)
                    square_total += xp.dot(block, block)
                else:   # OpenBLAS runs a dot this long on all its threads, and on a busy
                    # machine waiting for them costs more than the dot: NumPy's own loops
                    total += xp.add.reduce(block)
                    square_total += xp.einsum("i,i->", block, block)
            s1[r], s2[r] = total, square_total
    else:                           # several whole rows per block
        step = _BLOCK_ELEMENTS // length
        d = xp.empty((step, length), xp.float64)
        ones = xp.ones(length, xp.float64)
        for start in range(0, n_rows, step):
            block = d[:min(step, n_rows - start)]
            xp.copyto(block, rows[start:start + step])
            shift = xp.vecdot(block, ones)
            shift /= length
            xp.subtract(block, shift[:, None], out=block)
            s1[start:start + step] = xp.vecdot(block, ones)   # a dot per row
            s2[start:start + step] = xp.vecdot(block, block)
    with xp.errstate(invalid="ignore", over="ignore"):
        result = s2 - s1 * s1 / length
        unsure = ~xp.isfinite(result) | ((s2 > 0) & (result <= 2 * length * _EPS64 * s2))
    if unsure.any():
        return None
    return result
