"""One GRU layer, one direction, over a whole (packed, time-major) sequence: one autograd node.

Per step, for the b running sequences with previous state h (b, H), PyTorch's gate order r, z, n:

    [a_r a_z a_n] = x_t W_ih^T + b_ih,    [u_r u_z u_n] = h W_hh^T + b_hh       (b, 3H) each
    r = sigmoid(a_r + u_r),   z = sigmoid(a_z + u_z),   n = tanh(a_n + r u_n)
    h' = (1 - z) n + z h

Backward through time, dh the gradient reaching h':
    dn = dh (1 - z) (1 - n^2),   dz = dh (h - n) z (1 - z),   dr = dn u_n r (1 - r)
    dA = [dr dz dn],   dU = [dr dz dn r],   dh_prev = dh z + dU W_hh
then over all steps at once: dW_ih = dA^T x, dW_hh = dU^T h_prev, db_ih = sum of dA rows,
db_hh = sum of dU rows, dx = dA W_ih.
"""
from ..._backend import xp
from ... import _backend
from ...autograd.function import Function
from .schedule import sigmoid_, step_weight, sum_rows


class GRULayer(Function):
    """(x (N, I), h0 (B, H), W_ih (3H, I), W_hh (3H, H), b_ih, b_hh (3H,) or None, schedule,
    keep) -> out (N, H), h_n (B, H).  `keep`: save what backward needs (False under no_grad)."""

    _node_name = "GruBackward0"

    @staticmethod
    def forward(ctx, x, h0, w_ih, w_hh, b_ih, b_hh, schedule, keep):
        hidden = w_hh.shape[1]
        h2 = 2 * hidden
        n = x.shape[0]
        a = x @ w_ih.T                                   # (N, 3H): all steps, one GEMM
        if b_ih is not None:
            a += b_ih
        h = h0.copy()
        out = xp.empty((n, hidden), x.dtype)
        w_hh_t = step_weight(w_hh, schedule)     # (H, G)
        if keep:
            h_prev = xp.empty((n, hidden), x.dtype)
            u_n_all = xp.empty((n, hidden), x.dtype)
        for start, b in schedule:
            rows = slice(start, start + b)
            g = a[rows]
            hs = h[:b]
            if keep:
                h_prev[rows] = hs
            u = hs @ w_hh_t
            if b_hh is not None:
                u += b_hh
            rz = g[:, :h2]
            rz += u[:, :h2]
            sigmoid_(rz)
            r, z = g[:, :hidden], g[:, hidden:h2]
            nn = g[:, h2:]
            u_n = u[:, h2:]
            if keep:
                u_n_all[rows] = u_n
            u_n *= r
            nn += u_n
            xp.tanh(nn, out=nn)
            # h' = n + z (h - n)
            o = out[rows]
            xp.subtract(hs, nn, out=o)
            o *= z
            o += nn
            hs[...] = o
        if keep:
            # (the step buffers go through save_for_backward too: the engine frees them after
            # backward)
            ctx.save_for_backward(x, w_ih, w_hh, a, h_prev, u_n_all)
            ctx.schedule, ctx.has_bias = schedule, b_ih is not None
        return out, h

    @staticmethod
    def backward(ctx, g_out, g_h):
        x, w_ih, w_hh, a, h_prev, u_n_all = ctx.saved_tensors
        hidden = w_hh.shape[1]
        h2 = 2 * hidden
        d_a = xp.empty_like(a)
        d_u = xp.empty_like(a)
        dh = g_h.copy()
        for start, b in reversed(ctx.schedule):
            rows = slice(start, start + b)
            dhs = dh[:b]
            dhs += g_out[rows]
            g = a[rows]
            r, z, nn = g[:, :hidden], g[:, hidden:h2], g[:, h2:]
            da, du = d_a[rows], d_u[rows]
            dr, dz, dn = da[:, :hidden], da[:, hidden:h2], da[:, h2:]
            # dn = dh (1 - z) (1 - n^2)
            xp.multiply(nn, nn, out=dn)
            xp.subtract(1, dn, out=dn)
            dn *= 1 - z
            dn *= dhs
            # dz = dh (h - n) z (1 - z)
            xp.subtract(h_prev[rows], nn, out=dz)
            dz *= dhs
            dz *= z
            dz *= 1 - z
            # dU_n = dn r;   dr = dn u_n r (1 - r)
            xp.multiply(dn, r, out=du[:, h2:])
            xp.multiply(dn, u_n_all[rows], out=dr)
            dr *= r
            dr *= 1 - r
            du[:, :h2] = da[:, :h2]
            dhs *= z
            dhs += du @ w_hh
        need = ctx.needs_input_grad
        dx = d_a @ w_ih if need[0] else None
        dw_ih = _backend.matmul(d_a.T, x) if need[2] else None
        dw_hh = _backend.matmul(d_u.T, h_prev) if need[3] else None
        db_ih = sum_rows(d_a) if ctx.has_bias and need[4] else None
        db_hh = sum_rows(d_u) if ctx.has_bias and need[5] else None
        return dx, dh if need[1] else None, dw_ih, dw_hh, db_ih, db_hh, None, None
