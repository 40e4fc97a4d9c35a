"""F.grid_sample and F.affine_grid: sampling an image at arbitrary (normalised) points, as in
spatial transformer networks.

grid_sample: input (N, C, H, W) and grid (N, H_out, W_out, 2), whose last dim holds (x, y)
in [-1, 1] (x along W, y along H; (N, C, D, H, W) with (x, y, z) grids in 3-d). Each grid
point is mapped to input pixel coordinates (`_unnormalize`, then clipped or reflected by
padding_mode: `_pad_coordinates`) and the output there is a weighted sum over corner pixels:
2 per axis (bilinear), the nearest one (nearest), or 4 per axis with cubic weights
(bicubic, 2-d only). Everything is whole-array: the corners and weights of all points form
one sparse sampling matrix, applied to the image's pixels (rows of channels) forward and,
transposed, backward; the grid gradient is the derivative of the weights (times that of the
coordinate map) dotted with the corner pixels. One autograd node; its backward is not itself
differentiable (double backward raises).

affine_grid: the grid of an affine map theta (N, 2, 3) (or (N, 3, 4)) over a regular grid of
normalised output coordinates: grid = base @ theta.T, linear in theta.
"""
import itertools
import math
import warnings

from .. import _backend
from .._backend import xp, scalar_name
from .._tensor import Tensor, _make
from ._util import check_tensor
from ..autograd import grad_mode
from ..autograd.function import Function
from .pooling import FLOAT_DTYPES, check_dtype
from .upsampling import CUBIC_A, _cubic_weights

_MODES = ("bilinear", "nearest", "bicubic")
_PADDING_MODES = ("zeros", "border", "reflection")


# ---------------------------------------------------------------------------------------------
# grid coordinates -> input coordinates (each with its derivative)
# ---------------------------------------------------------------------------------------------
def _unnormalize(coord, size, align_corners, fused):
    """[-1, 1] -> pixel coordinates: -1 and 1 are the corner pixels' centres (align_corners)
    or their outer edges. Returns (coordinate, d coordinate / d grid).

    Rounded as PyTorch rounds it (`fused`: its vectorised 2-d kernel computes
    (c + 1) * size/2 - 0.5 with one fused multiply-add; its 3-d kernel ((c + 1) * size - 1)/2):
    grid points often sit exactly on pixel centres, where one ulp moves the floor."""
    if align_corners:
        scale = (size - 1) / 2
        return (coord + 1) * coord.dtype.type(scale), scale
    if not fused:
        return ((coord + 1) * size - 1) / 2, size / 2
    wide = xp.float64 if coord.dtype == xp.float32 else xp.longdouble
    shifted = (coord + 1).astype(wide) * wide(coord.dtype.type(size / 2)) - wide(0.5)
    return shifted.astype(coord.dtype), size / 2


def _clip(coord, size):
    """Clamp into [0, size - 1]; the derivative is 0 where clamped (and at the bounds, as
    PyTorch's clip_coordinates_set_grad)."""
    inside = (coord > 0) & (coord < size - 1)
    return xp.clip(coord, 0, size - 1), inside.astype(coord.dtype)


def _reflect(coord, twice_low, twice_high):
    """Reflect coord into [low, high] by bouncing off the bounds (a mirror of period
    2 * span); the derivative is +-1 by the parity of the number of bounces."""
    if twice_low == twice_high:
        return xp.zeros_like(coord), xp.zeros_like(coord)
    low, span = twice_low / 2, (twice_high - twice_low) / 2
    shifted = coord - low
    sign = xp.where(shifted < 0, -1, 1).astype(coord.dtype)
    shifted = xp.abs(shifted)
    extra = xp.fmod(shifted, span)
    even = xp.floor(shifted / span) % 2 == 0
    return xp.where(even, extra + low, span - extra + low), xp.where(even, sign, -sign)


def _pad_coordinates(coord, size, padding_mode, align_corners):
    """Input coordinate after padding_mode (border clamps, reflection mirrors then clamps),
    and its derivative; zeros leaves it alone (out-of-range corners read 0)."""
    if padding_mode == "border":
        return _clip(coord, size)
    if padding_mode == "reflection":
        if align_corners:
            coord, d_reflect = _reflect(coord, 0, 2 * (size - 1))
        else:
            coord, d_reflect = _reflect(coord, -1, 2 * size - 1)
        coord, d_clip = _clip(coord, size)
        return coord, d_reflect * d_clip
    return coord, xp.ones_like(coord)


def _cubic_weight_slopes(t, a):
    """d/dt of the four cubic weights (`_cubic_weights`) at tap offsets -1, 0, 1, 2."""
    def near(x):        # d/dx of ((a + 2) x - (a + 3)) x^2 + 1
        return (3 * (a + 2) * x - 2 * (a + 3)) * x

    def far(x):         # d/dx of ((a x - 5a) x + 8a) x - 4a
        return (3 * a * x - 10 * a) * x + 8 * a
    return xp.stack([far(t + 1), near(t), -near(1 - t), -far(2 - t)], 1)


# ---------------------------------------------------------------------------------------------
# corners: per spatial axis, the input positions each point reads and their weights
# ---------------------------------------------------------------------------------------------
def _axis_taps(coord, size, mode, padding_mode, align_corners, fused):
    """For one spatial axis: (positions, weights, d weights / d grid coordinate), each a list
    over the taps of arrays shaped like `coord`. Positions outside [0, size) read 0."""
    source, d_unnorm = _unnormalize(coord, size, align_corners, fused)
    if mode == "bicubic":   # padding applies to each tap's position, not to the coordinate
        floor = xp.floor(source)
        t = source - floor
        weights = _cubic_weights(t.ravel(), coord.dtype.type(CUBIC_A))
        d_weights = _cubic_weight_slopes(t.ravel(), CUBIC_A)
        positions = []
        for k in range(4):
            tap, _ = _pad_coordinates(floor + (k - 1), size, padding_mode, align_corners)
            positions.append(tap)
        return (positions, [weights[:, k].reshape(coord.shape) for k in range(4)],
                [(d_weights[:, k] * d_unnorm).reshape(coord.shape) for k in range(4)])
    source, d_pad = _pad_coordinates(source, size, padding_mode, align_corners)
    if mode == "nearest":
        return [xp.rint(source)], [xp.ones_like(source)], [xp.zeros_like(source)]
    floor = xp.floor(source)
    t = source - floor
    slope = d_unnorm * d_pad
    return [floor, floor + 1], [1 - t, t], [-slope, slope]


def _corners(grid, spatial, mode, padding_mode, align_corners, with_slopes):
    """Every combination of one tap per axis: (flat index in the plane, in-range mask,
    weight, [d weight / d grid coordinate of axis a for each axis a] or None unless
    `with_slopes`), arrays of (N, P)."""
    n = len(spatial)
    points = grid.reshape(grid.shape[0], math.prod(grid.shape[1:-1]), n)
    # grid's last dim is (x, y[, z]): x runs along the last spatial axis
    fused = n == 2 and grid.dtype != xp.float16     # PyTorch's vectorised 2-d kernel
    axes = [_axis_taps(points[..., n - 1 - a], spatial[a], mode, padding_mode, align_corners,
                       fused) for a in range(n)]
    for choice in itertools.product(*(range(len(taps[0])) for taps in axes)):
        flat = 0
        inside = True
        weight = 1
        for a, k in enumerate(choice):
            position = axes[a][0][k]
            inside = inside & (position >= 0) & (position <= spatial[a] - 1)
            flat = flat * spatial[a] + xp.where(inside, position, 0).astype(xp.int64)
            weight = weight * axes[a][1][k]
        slopes = [] if with_slopes else None
        for a in range(n if with_slopes else 0):
            slope = axes[a][2][choice[a]]
            for b, k in enumerate(choice):
                if b != a:
                    slope = slope * axes[b][1][k]
            slopes.append(slope)
        yield flat, inside, weight, slopes


def _channels_last(a):
    """(N, C, *spatial) -> (N * prod(spatial), C): one row of channels per pixel."""
    N, C = a.shape[:2]
    pixels = math.prod(a.shape[2:])
    return a.reshape(N, C, pixels).transpose(0, 2, 1).reshape(N * pixels, C)


def _channels_first(rows, shape):
    """The inverse of _channels_last: (N * prod(spatial), C) -> (N, C, *spatial)."""
    N, C = shape[:2]
    pixels = math.prod(shape[2:])
    return xp.ascontiguousarray(rows.reshape(N, pixels, C).transpose(0, 2, 1)).reshape(shape)


class GridSample(Function):
    """out[n, c, p] = sum over corners of weight(grid[n, p]) * x[n, c, corner(grid[n, p])]
    grad: dx[n, c, corner] += weight * g[n, c, p];
          dgrid[n, p, a] = sum over corners and c of g * x[corner] * d weight / d grid_a

    The corners and weights of all points form one sparse (N*P, N*H*W) matrix S, so with
    pixels as rows of channels the forward is out = S @ x and the input's gradient S.T @ g:
    two sparse products (SciPy, compiled), no scatter loop."""

    @staticmethod
    def forward(ctx, x, grid, mode, padding_mode, align_corners, need_grid_grad):
        n = x.ndim - 2
        ctx._node_name = f"GridSampler{n}DBackward0"
        N, C, spatial = x.shape[0], x.shape[1], x.shape[2:]
        plane, points = math.prod(spatial), math.prod(grid.shape[1:-1])
        rows, cols, weights, slopes = [], [], [], []
        base = (xp.arange(N) * plane)[:, None]
        for flat, inside, weight, slope in _corners(grid, spatial, mode, padding_mode,
                                                    align_corners, need_grid_grad):
            index = (base + flat).ravel()
            keep = inside.ravel()
            rows.append(xp.nonzero(keep)[0])
            cols.append(index[keep])
            weights.append(weight.ravel()[keep])
            slopes.append((index, keep, slope))
        work = xp.float32 if x.dtype == xp.float16 else x.dtype   # SciPy has no half
        matrix = _sparse().csr_matrix(
            (xp.concatenate(weights).astype(work), (xp.concatenate(rows),
                                                       xp.concatenate(cols))),
            shape=(N * points, N * plane))
        x_rows = _channels_last(x).astype(work, copy=False)
        ctx.matrix, ctx.x_shape, ctx.grid_shape = matrix, x.shape, grid.shape
        ctx.corners = slopes if need_grid_grad else None
        ctx.x_rows = x_rows if need_grid_grad else None
        out_rows = matrix @ x_rows
        return _channels_first(out_rows.astype(x.dtype, copy=False),
                               (N, C) + grid.shape[1:-1])

    @staticmethod
    def backward(ctx, g):
        need_x, need_grid = ctx.needs_input_grad[:2]
        g_rows = _channels_last(g)
        gx = ggrid = None
        if need_x:
            gx = _channels_first((ctx.matrix.T @ g_rows.astype(ctx.matrix.dtype, copy=False))
                                 .astype(g.dtype, copy=False), ctx.x_shape)
        if need_grid:
            n = len(ctx.x_shape) - 2
            ggrid = xp.zeros((g_rows.shape[0], n), dtype=g.dtype)
            for index, keep, slopes in ctx.corners or ():   # none for nearest: flat in grid
                values = xp.take(ctx.x_rows, index, axis=0, mode="clip")
                g_values = xp.einsum("pc,pc->p", g_rows, values) * keep
                for a in range(n):          # grid's last dim is reversed: x first
                    ggrid[:, n - 1 - a] += g_values * slopes[a].ravel()
            ggrid = ggrid.reshape(ctx.grid_shape)
        return gx, ggrid


def _check_grid_sample(input, grid, mode):
    check_tensor("grid_sampler", input, "input", position=None)
    check_tensor("grid_sampler", grid, "grid", position=None)
    in_shape, grid_shape = list(input.shape), list(grid.shape)
    sizes = f"input with sizes {in_shape} and grid with sizes {grid_shape}"
    if input.dim() >= 1 and grid.dim() >= 1 and in_shape[0] != grid_shape[0]:
        raise RuntimeError(f"grid_sampler(): expected grid and input to have same batch size, "
                           f"but got {sizes}")
    if grid_shape[-1] != input.dim() - 2:
        raise RuntimeError(f"grid_sampler(): expected grid to have size {input.dim() - 2} in "
                           f"last dimension, but got grid with sizes {grid_shape}")
    if input.dim() not in (4, 5) or input.dim() != grid.dim():
        raise RuntimeError(f"grid_sampler(): expected 4D or 5D input and grid with same number "
                           f"of dimensions, but got {sizes}")
    for axis in range(2, input.dim()):
        if in_shape[axis] == 0:
            raise RuntimeError(f"grid_sampler(): expected input to have non-empty spatial "
                               f"dimensions, but input has sizes {in_shape} with dimension "
                               f"{axis} being empty")
    if mode == "bicubic" and input.dim() != 4:
        raise RuntimeError("grid_sampler(): bicubic interpolation only supports 4D input")
    check_dtype(f"grid_sampler_{input.dim() - 2}d_cpu_kernel_impl", input, FLOAT_DTYPES)
    if grid._data.dtype != input._data.dtype:
        raise RuntimeError(f"expected scalar type {scalar_name(input.dtype)} but found "
                           f"{scalar_name(grid.dtype)}")


def grid_sample(input, grid, mode="bilinear", padding_mode="zeros", align_corners=None):
    """Sample input (N, C, H, W) at grid (N, H_out, W_out, 2) points -> (N, C, H_out, W_out)
    (or 5-d input with (N, D_out, H_out, W_out, 3) grids). Grid values are (x, y[, z]) in
    [-1, 1]; mode 'bilinear' | 'nearest' | 'bicubic' (4-d only); padding_mode 'zeros' |
    'border' | 'reflection' decides what points outside the image read."""
    if mode not in _MODES:
        raise ValueError(f"nn.functional.grid_sample(): expected mode to be 'bilinear', "
                         f"'nearest' or 'bicubic', but got: '{mode}'")
    if padding_mode not in _PADDING_MODES:
        raise ValueError(f"nn.functional.grid_sample(): expected padding_mode to be 'zeros', "
                         f"'border', or 'reflection', but got: '{padding_mode}'")
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    _check_grid_sample(input, grid, mode)
    # (nearest: the grid's gradient is zero)
    need_grid_grad = grad_mode.enabled and grid._requires_grad and mode != "nearest"
    return GridSample.apply(input, grid, mode, padding_mode, bool(align_corners),
                            need_grid_grad)


def _sparse():
    import scipy.sparse
    return scipy.sparse


_ALIGN_WARNING = ("Default grid_sample and affine_grid behavior has changed to "
                  "align_corners=False since 1.3.0. Please specify align_corners=True if the "
                  "old behavior is desired. See the documentation of grid_sample for details.")


# ---------------------------------------------------------------------------------------------
# affine_grid
# ---------------------------------------------------------------------------------------------
def _linspace(steps, dtype):
    """linspace(-1, 1, steps) exactly as PyTorch's kernel rounds it: the first half counts up
    from -1 and the second half down from 1, each value rounded once from a wider type (the
    fused multiply-add PyTorch's vectorised loop uses; float64 needs long double for that).

    The last bit matters: affine_grid's points often land exactly on pixel centres (the
    identity transform does), where grid_sample's floor, and so the gradient, would flip
    side on a one-ulp difference."""
    wide = xp.float64 if dtype == xp.float32 else xp.longdouble
    step = wide(dtype.type(2) / dtype.type(steps - 1))
    i = xp.arange(steps)
    up = (wide(-1) + step * i.astype(wide)).astype(dtype)
    down = (wide(1) - step * (steps - 1 - i).astype(wide)).astype(dtype)
    return xp.where(i < steps // 2, up, down)


def _normalized_positions(steps, align_corners, dtype):
    """The output grid's coordinates along one axis: linspace(-1, 1), pulled in to the pixel
    centres without align_corners (times (steps - 1), then / steps, as PyTorch); 0 for a
    single step."""
    if steps <= 1:
        return xp.zeros(max(steps, 0), dtype=dtype)
    positions = _linspace(steps, dtype)
    if align_corners:
        return positions
    return positions * dtype.type(steps - 1) / dtype.type(steps)


def _base_grid(spatial, align_corners, dtype):
    """(prod(spatial), n + 1) rows [x, y(, z), 1] of the output grid, x varying fastest."""
    axes = [_normalized_positions(s, align_corners, dtype) for s in spatial]
    mesh = xp.meshgrid(*axes, indexing="ij")
    columns = [m.ravel() for m in reversed(mesh)] + [xp.ones(math.prod(spatial), dtype)]
    return xp.stack(columns, axis=1)


def _apply_affine(base, theta):
    """base (P, k) @ theta[n].T for each n, summed as PyTorch's bmm sums: its small-product
    loop (under 400 multiply-adds per matrix) adds the k terms in order, larger ones go to
    BLAS (as NumPy's matmul does)."""
    if base.shape[0] * base.shape[1] * theta.shape[1] < 400:
        out = base[None, :, None, 0] * theta[:, None, :, 0]
        for k in range(1, base.shape[1]):
            out = out + base[None, :, None, k] * theta[:, None, :, k]
        return out
    return base @ theta.swapaxes(1, 2)


class AffineGrid(Function):
    """grid[n, p] = theta[n] @ [x_p, y_p(, z_p), 1]      theta (N, n, n + 1)
    grid: dtheta[n] = sum over p of g[n, p] outer [x_p, y_p(, z_p), 1]"""

    differentiable_backward = True
    _node_name = "AffineGridGeneratorBackward0"

    @staticmethod
    def forward(ctx, theta, base, out_shape):
        ctx.base = base
        return _apply_affine(base, theta).reshape(out_shape)

    @staticmethod
    def backward(ctx, g):
        N, n = g.shape[0], g.shape[-1]
        base = _make(ctx.base) if isinstance(g, Tensor) else ctx.base
        # (a transposed g: _backend.matmul keeps small products off OpenBLAS's running sum)
        return _backend.matmul(g.reshape(N, math.prod(g.shape[1:-1]), n).swapaxes(1, 2), base)


def affine_grid(theta, size, align_corners=None):
    """The sampling grid of affine maps theta (N, 2, 3) for an output of size (N, C, H, W)
    -> (N, H, W, 2); or theta (N, 3, 4) and size (N, C, D, H, W) -> (N, D, H, W, 3)."""
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    if not theta.is_floating_point():
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    size = list(size)
    if len(size) == 4:
        if theta.dim() != 3 or theta.shape[-2] != 2 or theta.shape[-1] != 3:
            raise ValueError(f"Expected a batch of 2D affine matrices of shape Nx2x3 for size "
                             f"{tuple(size)}. Got {theta.shape}.")
    elif len(size) == 5:
        if theta.dim() != 3 or theta.shape[-2] != 3 or theta.shape[-1] != 4:
            raise ValueError(f"Expected a batch of 3D affine matrices of shape Nx3x4 for size "
                             f"{tuple(size)}. Got {theta.shape}.")
    else:
        raise NotImplementedError(f"affine_grid only supports 4D and 5D sizes, for 2D and 3D "
                                  f"affine transforms, respectively. Got size {tuple(size)}.")
    spatial = size[2:]
    if align_corners and min(spatial) == 1:
        warnings.warn("Since version 1.3.0, affine_grid behavior has changed for unit-size "
                      "grids when align_corners=True. This is not an intended use case of "
                      "affine_grid. See the documentation of affine_grid for details.",
                      stacklevel=2)
    elif min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {tuple(size)}")
    if size[0] != theta.shape[0]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{size[0]}, {theta.shape[2]}] but got: [{theta.shape[0]}, "
                           f"{theta.shape[2]}].")
    base = _base_grid(spatial, bool(align_corners), theta._data.dtype)
    return AffineGrid.apply(theta, base, (size[0], *spatial, len(spatial)))
