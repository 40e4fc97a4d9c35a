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

Layout inside the node: the gates are kept gate-major, (4, N, H) in the order o i f g, so that
every gate of a step is one contiguous (b, H) block (NumPy runs a strided (b, H) column slice
of a (b, 4H) array several times slower), the three sigmoid gates o i f are one block for the
forward's nonlinearity, and the three gates whose gradient is dc times a factor (i f g) are one
block for the backward. The weights are permuted to that order on the way in and their
gradients back to PyTorch's order on the way out (weight-sized copies, once a call). The
per-step GEMMs run per gate, h W_hh[k]^T and dG[k] W_hh[k] (one batched call of four
(b, H) x (H, P) products: OpenBLAS runs them faster than one (b, 4H) GEMM).

Backward splits each gate gradient into what the recurrence decides (dc or dr, per step) and a
factor that only depends on the forward (a gate's derivative times what it multiplies): the
factors of all steps are computed first, as whole (N, H) arrays, so the loop over time only
applies dc and dr to them: nine small NumPy calls per step besides its GEMM.
"""
from ..._backend import xp
from ... import _backend
from ...autograd.function import Function
from .._summation import pairwise_sum

# the kernel's gate k is PyTorch's gate block _ORDER[k] (PyTorch's order is i f g o), and
# PyTorch's block j is the kernel's gate _TORCH_ORDER[j]
_ORDER = [3, 0, 1, 2]
_TORCH_ORDER = [1, 2, 3, 0]
# sigmoid(a) = 0.5 tanh(a / 2) + 0.5: the kernel's weights for o i f come pre-halved (exact in
# binary floating point), so one tanh over all four gates serves both nonlinearities
_HALVE = [[[0.5]], [[0.5]], [[0.5]], [[1.0]]]


def _gate_major(w, hidden):
    """W (4H, K) in PyTorch's order -> (4, H, K) in the kernel's order (a copy)."""
    return w.reshape(4, hidden, -1)[_ORDER]


def _torch_order(dw, hidden):
    """A gradient (4, H, ...) or (4, H) computed in the kernel's order -> PyTorch's (4H, ...)."""
    return dw[_TORCH_ORDER].reshape((4 * hidden,) + dw.shape[2:])


class LSTMLayer(Function):
    """(x (N, I), h0 (B, P), c0 (B, H), W_ih (4H, I), W_hh (4H, P), b_ih, b_hh (4H,) or None,
    W_hr (P, H) or None, schedule, keep) -> out (N, P), h_n (B, P), c_n (B, H).
    `keep`: save what backward needs (False under no_grad)."""

    _node_name = "LstmBackward0"

    @staticmethod
    def forward(ctx, x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, schedule, keep):
        hidden = w_hh.shape[0] // 4
        n, size = x.shape[0], h0.shape[1]
        halve = xp.asarray(_HALVE, x.dtype)
        # (4, K, H) right factors: gates4[k] = x W_ih[k]^T, each gate block contiguous
        w_ih_t = (_gate_major(w_ih, hidden) * halve).transpose(0, 2, 1)
        w_hh_t = xp.ascontiguousarray((_gate_major(w_hh, hidden) * halve).transpose(0, 2, 1))
        gates = xp.matmul(x, w_ih_t)                           # (4, N, H): all steps at once
        if b_ih is not None:
            gates += (b_ih + b_hh).reshape(4, hidden, 1)[_ORDER].transpose(0, 2, 1) * halve
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
        recurrent = xp.empty((4, step_rows, hidden), x.dtype)  # h W_hh^T of one step
        ig = xp.empty((step_rows, hidden), x.dtype)
        w_hr_t = w_hr.T if w_hr is not None else None
        for start, b in schedule:
            rows = slice(start, start + b)
            g = gates[:, rows]                                 # (4, b, H)
            hs, cs = h[:b], c[:b]
            if keep:
                h_prev[rows] = hs
                c_prev[rows] = cs
            u = recurrent[:, :b]
            xp.matmul(hs, w_hh_t, out=u)
            g += u
            xp.tanh(g, out=g)
            sig = g[:3]                                        # o i f: 0.5 tanh(a / 2) + 0.5
            sig *= 0.5
            sig += 0.5
            o, i, f, gg = g
            cs *= f                                            # c' = f c + i g
            xp.multiply(i, gg, out=ig[:b])
            cs += ig[:b]
            tc = tanh_c[rows] if keep else tanh_c_step[:b]
            xp.tanh(cs, out=tc)
            if w_hr is None:
                xp.multiply(o, tc, out=out[rows])              # h' = o tanh(c')
            else:
                raw = h_raw[rows] if keep else raw_step[:b]
                xp.multiply(o, tc, out=raw)
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
        o, i, f, gg = gates
        # the forward-only factors of all steps, (N, H) each (a' = a (1 - a) for a sigmoid):
        #   dc += dr * dc_from_dr,   dG = (dr, dc, dc, dc) * (o' tanh(c'), i' g, f' c, i g')
        dc_from_dr = tanh_c * tanh_c
        xp.subtract(1, dc_from_dr, out=dc_from_dr)
        dc_from_dr *= o
        dgates = xp.subtract(1, gates)                         # filled in place below
        dgates[:3] *= gates[:3]
        dgates[0] *= tanh_c
        dgates[1] *= gg
        dgates[2] *= c_prev
        xp.multiply(gg, gg, out=dgates[3])
        xp.subtract(1, dgates[3], out=dgates[3])
        dgates[3] *= i
        w_hh_k = _gate_major(w_hh, hidden)                     # (4, H, P)
        dh = g_h.copy()
        dc = g_c.copy()
        rows_max = dh.shape[0]
        tmp = xp.empty((rows_max, hidden), gates.dtype)
        dh_parts = xp.empty((4, rows_max, dh.shape[1]), gates.dtype)
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
            t = tmp[:b]
            xp.multiply(dr, dc_from_dr[rows], out=t)
            dcs += t
            d = dgates[:, rows]
            d[0] *= dr
            d[1:] *= dcs
            dcs *= f[rows]                                     # dc_prev = dc f
            parts = dh_parts[:, :b]                            # dh_prev = dG W_hh
            xp.matmul(d, w_hh_k, out=parts)
            xp.add(parts[0], parts[1], out=dhs)
            dhs += parts[2]
            dhs += parts[3]
        need = ctx.needs_input_grad
        dx = None
        if need[0]:                                            # dx = sum over gates dG W_ih
            w_ih_k = _gate_major(w_ih, hidden)
            dx = dgates[0] @ w_ih_k[0]
            for k in range(1, 4):
                dx += dgates[k] @ w_ih_k[k]
        d_gates_t = dgates.transpose(0, 2, 1)                  # (4, H, N)
        dw_ih = _torch_order(_backend.matmul(d_gates_t, x), hidden) if need[3] else None
        dw_hh = _torch_order(_backend.matmul(d_gates_t, h_prev), hidden) if need[4] else None
        db = (_torch_order(pairwise_sum(dgates, (1,)), hidden)
              if ctx.has_bias and (need[5] or need[6]) else None)
        dw_hr = _backend.matmul(d_out_all.T, h_raw) if w_hr is not None and need[7] else None
        return (dx, dh if need[1] else None, dc if need[2] else None, dw_ih, dw_hh, db, db,
                dw_hr, None, None)
