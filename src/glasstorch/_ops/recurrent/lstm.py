"""One LSTM layer, one direction, over a whole (packed, time-major) sequence: one autograd node.

Per step, for the b running sequences with previous state h (b, P), c (b, H):

    [i f g o] = x_t W_ih^T + b_ih + h W_hh^T + b_hh        (b, 4H); PyTorch's gate order
    i, f, o = sigmoid(.),  g = tanh(.)
    c' = f c + i g,   h' = o tanh(c')                         (b, H)
    with proj_size P: h' = (o tanh(c')) W_hr^T                (b, P); otherwise P = H

Backward through time, with dh, dc the gradients reaching the state after the step (a' is a
sigmoid gate's derivative a (1 - a)):
    dr = dh W_hr (projection) or dh,       dc += dr o (1 - tanh(c')^2)
    do = dr tanh(c'),  di = dc g,  dg = dc i,  df = dc c     (times each gate's derivative)
    dh_prev = dG W_hh,  dc_prev = dc f
then over all steps at once: dW_ih = dG^T x, dW_hh = dG^T h_prev, db = sum of dG rows,
dx = dG W_ih, dW_hr = dh^T (o tanh(c')).
"""
import functools

from ..._backend import xp
from ...autograd.function import Function
from .schedule import step_weight, sum_rows


class LSTMLayer(Function):
    """(x (N, I), h0 (B, P), c0 (B, H), W_ih (4H, I), W_hh (4H, P), b_ih, b_hh (4H,) or None,
    W_hr (P, H) or None, schedule, keep) -> out (N, P), h_n (B, P), c_n (B, H).
    `keep`: save what backward needs (False under no_grad)."""

    _node_name = "LstmBackward0"

    @staticmethod
    def forward(ctx, x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, schedule, keep):
        hidden = w_hh.shape[0] // 4
        n, size = x.shape[0], h0.shape[1]
        # sigmoid(a) = 0.5 tanh(a / 2) + 0.5: the sigmoid gates' columns halved (exact in
        # binary floating point), one tanh over all four gates, then one affine map
        half, shift = _gate_affine(hidden, x.dtype)
        gates = x @ w_ih.T                                     # (N, 4H): all steps, one GEMM
        if b_ih is not None:
            gates += b_ih + b_hh
        w_hh_t = step_weight(w_hh, schedule)                   # (P, 4H)
        h, c = h0.copy(), c0.copy()
        out = xp.empty((n, size), x.dtype)
        step_rows = h0.shape[0]
        if keep:
            h_prev = xp.empty((n, size), x.dtype)
            c_prev = xp.empty((n, hidden), x.dtype)
            tanh_c = xp.empty((n, hidden), x.dtype)
            h_raw = xp.empty((n, hidden), x.dtype) if w_hr is not None else None
        else:
            tanh_c_step = xp.empty((step_rows, hidden), x.dtype)
            raw_step = xp.empty((step_rows, hidden), x.dtype)
        ig = xp.empty((step_rows, hidden), x.dtype)
        w_hr_t = w_hr.T if w_hr is not None else None
        h2, h3 = 2 * hidden, 3 * hidden
        for start, b in schedule:
            rows = slice(start, start + b)
            g = gates[rows]
            hs, cs = h[:b], c[:b]
            if keep:
                h_prev[rows] = hs
                c_prev[rows] = cs
            g += hs @ w_hh_t
            g *= half
            xp.tanh(g, out=g)
            g *= half
            g += shift                                         # i f g o activations
            cs *= g[:, hidden:h2]                              # c' = f c + i g
            xp.multiply(g[:, :hidden], g[:, h2:h3], out=ig[:b])
            cs += ig[:b]
            tc = tanh_c[rows] if keep else tanh_c_step[:b]
            xp.tanh(cs, out=tc)
            if w_hr is None:
                xp.multiply(g[:, h3:], tc, out=out[rows])      # h' = o tanh(c')
            else:
                raw = h_raw[rows] if keep else raw_step[:b]
                xp.multiply(g[:, h3:], tc, out=raw)
                xp.matmul(raw, w_hr_t, out=out[rows])
            hs[...] = out[rows]
        if keep:
            # (the step buffers go through save_for_backward too: the engine frees them after
            # backward)
            ctx.save_for_backward(x, w_ih, w_hh, w_hr, gates, h_prev, c_prev, tanh_c, h_raw)
            ctx.schedule = schedule
            ctx.has_bias = b_ih is not None
        return out, h, c

    @staticmethod
    def backward(ctx, g_out, g_h, g_c):
        x, w_ih, w_hh, w_hr, gates, h_prev, c_prev, tanh_c, h_raw = ctx.saved_tensors
        n, hidden = tanh_c.shape
        h2, h3 = 2 * hidden, 3 * hidden
        dgates = xp.empty_like(gates)
        dh = g_h.copy()
        dc = g_c.copy()
        # per-step scratch; the gate math runs step by step on arrays that stay in cache
        # (cheaper here than whole-sequence passes over the (N, 4H) buffers)
        rows_max = dh.shape[0]
        slope = xp.empty((rows_max, 4 * hidden), gates.dtype)
        tmp = xp.empty((rows_max, hidden), gates.dtype)
        d_out_all = xp.empty_like(g_out) if w_hr is not None else None
        for start, b in reversed(ctx.schedule):
            rows = slice(start, start + b)
            dhs, dcs = dh[:b], dc[:b]
            dhs += g_out[rows]
            if w_hr is not None:
                d_out_all[rows] = dhs
                dr = dhs @ w_hr                                # (b, H)
            else:
                dr = dhs
            a, tc, d = gates[rows], tanh_c[rows], dgates[rows]
            i, f, gg, o = a[:, :hidden], a[:, hidden:h2], a[:, h2:h3], a[:, h3:]
            s = slope[:b]                                      # sigmoid'(.) = a (1 - a)
            xp.subtract(1, a, out=s)
            s *= a
            t = tmp[:b]                                        # dc += dr o (1 - tanh(c')^2)
            xp.multiply(tc, tc, out=t)
            xp.subtract(1, t, out=t)
            t *= o
            t *= dr
            dcs += t
            xp.multiply(dr, tc, out=d[:, h3:])                 # do = dr tanh(c') o'
            xp.multiply(dcs, gg, out=d[:, :hidden])            # di = dc g i'
            xp.multiply(dcs, c_prev[rows], out=d[:, hidden:h2])   # df = dc c f'
            d[:, :h2] *= s[:, :h2]
            d[:, h3:] *= s[:, h3:]
            xp.multiply(gg, gg, out=t)                         # dg = dc i (1 - g^2)
            xp.subtract(1, t, out=t)
            t *= i
            xp.multiply(dcs, t, out=d[:, h2:h3])
            dcs *= f                                           # dc_prev = dc f
            xp.matmul(d, w_hh, out=dhs)                        # dh_prev = dG W_hh
        need = ctx.needs_input_grad
        dx = dgates @ w_ih if need[0] else None
        dw_ih = dgates.T @ x if need[3] else None
        dw_hh = dgates.T @ h_prev if need[4] else None
        db = sum_rows(dgates) if ctx.has_bias and (need[5] or need[6]) else None
        dw_hr = d_out_all.T @ h_raw if w_hr is not None and need[7] else None
        return (dx, dh if need[1] else None, dc if need[2] else None, dw_ih, dw_hh, db, db,
                dw_hr, None, None)


@functools.lru_cache(maxsize=64)
def _gate_affine(hidden, dtype):
    """Per gate column (order i f g o): the factor that turns tanh(a / 2) into sigmoid(a)
    (0.5 for i, f, o; 1 for g, which stays tanh(a)), and the shift (0.5; 0). Read-only,
    shared between calls."""
    half = xp.full((4, hidden), 0.5, dtype)
    half[2] = 1
    shift = xp.full((4, hidden), 0.5, dtype)
    shift[2] = 0
    half, shift = half.reshape(-1), shift.reshape(-1)
    half.flags.writeable = shift.flags.writeable = False
    return half, shift
