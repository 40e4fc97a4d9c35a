"""Recurrent layers as fused autograd nodes: one node runs one layer in one direction over the
whole sequence (RNN with tanh or relu, LSTM with optional projection, GRU).

Every kernel works on the time-major *packed* layout (see nn.utils.rnn): the input is
x (N, I), the rows of time step 0, then of step 1, ..., and step t holds the first batch_sizes[t]
sequences of the batch. A padded batch (T, B, I) is the special case N = T*B with every batch
size B, so one code path serves both. The `schedule` lists, in the order the layer runs, each
step's first row and batch size; the reverse direction runs it backwards.

Inside a node:
  - the input projection of all steps is one GEMM x W_ih^T (N, G) (G = gates * hidden);
  - the recurrence loops over time only, gate math on whole (b, G) arrays, state kept in a
    (B, .) buffer whose first b rows are the running sequences (so a finished sequence's row
    keeps its final state, and a sequence starting late in the reverse direction finds h0);
  - backward runs through time in the same node, storing every step's gate gradients in one
    (N, G) buffer, then forms dW_ih, dW_hh, the biases and dx as GEMMs over all steps at once.
Cells are the same kernels run for one step.
"""
from .schedule import schedule_of
from .rnn import RNNLayer
from .lstm import LSTMLayer
from .gru import GRULayer
