"""One LSTM layer, one direction, over a whole (packed, time-major) sequence: one autograd node.

Per step, for the b running sequences with previous state h (b, P), c (b, H):

    [i f g o] = x_t W_ih^T + b_ih + h W_hh^T + b_hh        (b, 4H); PyTorch's gate order
    i, f, o = sigmoid(.),  g = tanh(.)
    c' = f c + i g,   h' = o tanh(c')                         (b, H)
    with proj_size P: h' = (o tanh(c')) W_hr^T                (b, P); otherwise P = H

Backward through time, with dh, dc the gradients reaching the state after the step:
    dr = dh W_hr (projection) or dh,       dc += dr o (1 - tanh(c')^2)
    do = dr tanh(c'),  di = dc g,  dg = dc i,  df = dc c     (times each gate's derivative)
    dh_prev = dG W_hh,  dc_prev = dc f
then over all steps at once: dW_ih = dG^T x, dW_hh = dG^T h_prev, db = sum of dG rows,
dx = dG W_ih, dW_hr = dh^T (o tanh(c')).
"""
from ..._backend import xp
from ...autograd.function import Function
from .schedule import sigmoid_, sum_rows


class LSTMLayer(Function):
    """(x (N, I), h0 (B, P), c0 (B, H), W_ih (4H, I), W_hh (4H, P), b_ih, b_hh (4H,) or None,
    W_hr (P, H) or None, schedule, keep) -> out (N, P), h_n (B, P), c_n (B, H).
    `keep`: save what backward needs (False under no_grad)."""

    _node_name = "LstmBackward0"

    @staticmethod
    def forward(ctx, x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, schedule, keep):
        hidden = w_hh.shape[0] // 4
        n, size = x.shape[0], h0.shape[1]
        gates = x @ w_ih.T                                     # (N, 4H): all steps, one GEMM
        if b_ih is not None:
            gates += b_ih + b_hh
        h, c = h0.copy(), c0.copy()
        out = xp.empty((n, size), x.dtype)
        w_hh_t = w_hh.T
        if keep:
            h_prev = xp.empty((n, size), x.dtype)
            c_prev = xp.empty((n, hidden), x.dtype)
            tanh_c = xp.empty((n, hidden), x.dtype)
            h_raw = xp.empty((n, hidden), x.dtype) if w_hr is not None else None
        else:
            tanh_c_step = xp.empty((h0.shape[0], hidden), x.dtype)
        w_hr_t = w_hr.T if w_hr is not None else None
        h2 = 2 * hidden
        h3 = 3 * hidden
        for start, b in schedule:
            rows = slice(start, start + b)
            g = gates[rows]
            hs, cs = h[:b], c[:b]
            if keep:
                h_prev[rows] = hs
                c_prev[rows] = cs
            g += hs @ w_hh_t
            sigmoid_(g[:, :h2])
            xp.tanh(g[:, h2:h3], out=g[:, h2:h3])
            sigmoid_(g[:, h3:])
            cs *= g[:, hidden:h2]                              # f c
            cs += g[:, :hidden] * g[:, h2:h3]                  # + i g
            tc = tanh_c[rows] if keep else tanh_c_step[:b]
            xp.tanh(cs, out=tc)
            if w_hr is None:
                xp.multiply(g[:, h3:], tc, out=out[rows])
            else:
                raw = h_raw[rows] if keep else None
                raw = xp.multiply(g[:, h3:], tc, out=raw)
                xp.matmul(raw, w_hr_t, out=out[rows])
            hs[...] = out[rows]
        if keep:
            ctx.save_for_backward(x, w_ih, w_hh, w_hr)
            ctx.buffers = (gates, h_prev, c_prev, tanh_c, h_raw)
            ctx.schedule = schedule
            ctx.has_bias = b_ih is not None
        return out, h, c

    @staticmethod
    def backward(ctx, g_out, g_h, g_c):
        x, w_ih, w_hh, w_hr = ctx.saved_tensors
        gates, h_prev, c_prev, tanh_c, h_raw = ctx.buffers
        hidden = w_hh.shape[0] // 4
        h2, h3 = 2 * hidden, 3 * hidden
        dgates = xp.empty_like(gates)
        dh = g_h.copy()
        dc = g_c.copy()
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
            a = gates[rows]
            i, f, gg, o = a[:, :hidden], a[:, hidden:h2], a[:, h2:h3], a[:, h3:]
            tc = tanh_c[rows]
            d = dgates[rows]
            di, df, dg, do = d[:, :hidden], d[:, hidden:h2], d[:, h2:h3], d[:, h3:]
            # do = dr tanh(c') o (1 - o)
            xp.multiply(dr, tc, out=do)
            do *= o
            do *= 1 - o
            # dc += dr o (1 - tanh(c')^2)
            t = tc * tc
            xp.subtract(1, t, out=t)
            t *= o
            t *= dr
            dcs += t
            # di = dc g i (1 - i),  df = dc c_prev f (1 - f),  dg = dc i (1 - g^2)
            xp.multiply(dcs, gg, out=di)
            di *= i
            di *= 1 - i
            xp.multiply(dcs, c_prev[rows], out=df)
            df *= f
            df *= 1 - f
            xp.multiply(dcs, i, out=dg)
            dg *= 1 - gg * gg
            dcs *= f
            xp.matmul(d, w_hh, out=dhs)
        need = ctx.needs_input_grad
        dx = dgates @ w_ih if need[0] else None
        dw_ih = dgates.T @ x if need[3] else None
        dw_hh = dgates.T @ h_prev if need[4] else None
        db = sum_rows(dgates) if ctx.has_bias and (need[5] or need[6]) else None
        dw_hr = d_out_all.T @ h_raw if w_hr is not None and need[7] else None
        return (dx, dh if need[1] else None, dc if need[2] else None, dw_ih, dw_hh, db, db,
                dw_hr, None, None)
