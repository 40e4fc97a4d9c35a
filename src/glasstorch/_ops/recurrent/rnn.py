"""One Elman RNN layer (tanh or relu), one direction, over a whole (packed, time-major)
sequence: one autograd node.

Per step, for the b running sequences with previous state h (b, H):
    h' = act(x_t W_ih^T + b_ih + h W_hh^T + b_hh)          act = tanh or relu

Backward through time, dh the gradient reaching h' (from the output and the next step):
    dG = dh (1 - h'^2)  (tanh)   or   dh [h' > 0]  (relu),       dh_prev = dG W_hh
then over all steps at once: dW_ih = dG^T x, dW_hh = dG^T h_prev, db = sum of dG rows,
dx = dG W_ih.
"""
from ..._backend import xp
from ... import _backend
from ...autograd.function import Function
from .schedule import step_weight, sum_rows


class RNNLayer(Function):
    """(x (N, I), h0 (B, H), W_ih (H, I), W_hh (H, H), b_ih, b_hh (H,) or None, relu, schedule,
    keep) -> out (N, H), h_n (B, H).  `keep`: save what backward needs (False under no_grad)."""

    _node_name = "RnnBackward0"

    @staticmethod
    def forward(ctx, x, h0, w_ih, w_hh, b_ih, b_hh, relu, schedule, keep):
        out = x @ w_ih.T                     # (N, H): all steps' input projections, then states
        if b_ih is not None:
            out += b_ih + b_hh
        h = h0.copy()
        h_prev = xp.empty_like(out) if keep else None
        w_hh_t = step_weight(w_hh, schedule)     # (H, G)
        for start, b in schedule:
            rows = slice(start, start + b)
            g = out[rows]
            hs = h[:b]
            if keep:
                h_prev[rows] = hs
            g += hs @ w_hh_t
            if relu:
                xp.maximum(g, 0, out=g)
            else:
                xp.tanh(g, out=g)
            hs[...] = g
        if keep:
            # backward reads the states from `out`, so the caller gets a copy it may change in
            # place (as PyTorch allows); the engine frees what is saved after backward
            ctx.save_for_backward(x, w_ih, w_hh, out, h_prev)
            ctx.schedule, ctx.relu, ctx.has_bias = schedule, relu, b_ih is not None
            return out.copy(), h
        return out, h

    @staticmethod
    def backward(ctx, g_out, g_h):
        x, w_ih, w_hh, out, h_prev = ctx.saved_tensors
        dgates = xp.empty_like(out)
        dh = g_h.copy()
        for start, b in reversed(ctx.schedule):
            rows = slice(start, start + b)
            dhs = dh[:b]
            dhs += g_out[rows]
            d = dgates[rows]
            if ctx.relu:
                xp.multiply(dhs, out[rows] > 0, out=d)
            else:
                o = out[rows]
                xp.multiply(o, o, out=d)
                xp.subtract(1, d, out=d)
                d *= dhs
            xp.matmul(d, w_hh, out=dhs)
        need = ctx.needs_input_grad
        dx = dgates @ w_ih if need[0] else None
        dw_ih = _backend.matmul(dgates.T, x) if need[2] else None
        dw_hh = _backend.matmul(dgates.T, h_prev) if need[3] else None
        db = sum_rows(dgates) if ctx.has_bias and (need[4] or need[5]) else None
        return dx, dh if need[1] else None, dw_ih, dw_hh, db, db, None, None, None
