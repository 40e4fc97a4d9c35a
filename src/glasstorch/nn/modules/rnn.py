"""RNN, LSTM and GRU over whole sequences, and their one-step cells.

A layer holds, per layer l and direction (suffix "_reverse" for the backward one), PyTorch's
parameters weight_ih_l{l}, weight_hh_l{l}, bias_ih_l{l}, bias_hh_l{l} (and weight_hr_l{l} for an
LSTM with proj_size), all initialised uniform in (-1/sqrt(hidden_size), 1/sqrt(hidden_size)).
`forward` runs each layer and direction as one fused node (`_ops/recurrent`) on the time-major
packed layout: a padded (T, B, I) input is T steps of batch B, a PackedSequence brings its own
batch sizes. Dropout (training only) sits between layers, bidirectional outputs are concatenated
on the feature axis, final states are stacked as (num_layers * num_directions, B, H).
"""
import math
import numbers
import warnings

from ..._ops import creation
from ..._ops.recurrent import LSTMLayer, GRULayer, RNNLayer, schedule_of
from ..._ops.shape import cat, stack
from ...autograd import grad_mode
from .. import functional as F
from .. import init
from ..parameter import Parameter
from ..utils.rnn import PackedSequence
from .module import Module

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


class RNNBase(Module):
    """What RNN, LSTM and GRU share: the parameters, the argument checks and the loop over
    layers and directions. Subclasses name the kernel (`_run_layer`) and the state layout."""

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, proj_size=0,
                 device=None, dtype=None):
        super().__init__()
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        num_directions = 2 if bidirectional else 1
        if (not isinstance(dropout, numbers.Number) or isinstance(dropout, bool)
                or not 0 <= dropout <= 1):
            raise ValueError("dropout should be a number in range [0, 1] representing the "
                             "probability of an element being zeroed")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so "
                          "non-zero dropout expects num_layers greater than 1, but got "
                          f"dropout={dropout} and num_layers={num_layers}")
        if not isinstance(hidden_size, int) or isinstance(hidden_size, bool):
            raise TypeError(f"hidden_size should be of type int, got: "
                            f"{type(hidden_size).__name__}")
        if hidden_size <= 0:
            raise ValueError("hidden_size must be greater than zero")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable "
                             "projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if mode not in _GATES:
            raise ValueError("Unrecognized RNN mode: " + mode)
        gate_size = _GATES[mode] * hidden_size
        real_hidden = proj_size if proj_size > 0 else hidden_size

        def param(*shape):
            return Parameter(creation.empty(shape, device=device, dtype=dtype))

        self._flat_weights_names = []
        self._all_weights = []
        for layer in range(num_layers):
            for direction in range(num_directions):
                layer_input = input_size if layer == 0 else real_hidden * num_directions
                suffix = "_reverse" if direction == 1 else ""
                params = [("weight_ih", param(gate_size, layer_input)),
                          ("weight_hh", param(gate_size, real_hidden))]
                if bias:
                    params += [("bias_ih", param(gate_size)), ("bias_hh", param(gate_size))]
                if proj_size > 0:
                    params.append(("weight_hr", param(proj_size, hidden_size)))
                names = []
                for kind, p in params:
                    name = f"{kind}_l{layer}{suffix}"
                    setattr(self, name, p)
                    names.append(name)
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    @property
    def _flat_weights(self):
        """The parameters in PyTorch's flat order (None for one that was deleted)."""
        return [getattr(self, name, None) for name in self._flat_weights_names]

    @property
    def all_weights(self):
        """The parameters grouped per layer and direction."""
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    def flatten_parameters(self):
        """No-op: PyTorch packs the weights into one buffer for cuDNN; there is no cuDNN here."""

    def reset_parameters(self):
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    # ---------------------------------------------------------------- argument checks
    def _state_sizes(self):
        """Feature sizes of the states: (h,) or, for an LSTM, (h, c)."""
        return (self.proj_size if self.proj_size > 0 else self.hidden_size,)

    def _state_names(self):
        return ("Expected hidden size {}, got {}",)

    def check_input(self, input, batch_sizes):
        weight = self._flat_weights[0]
        if input.dtype != weight.dtype:
            raise ValueError(f"input must have the type {weight.dtype}, got type {input.dtype}")
        expected = 2 if batch_sizes is not None else 3
        if input.dim() != expected:
            raise RuntimeError(f"input must have {expected} dimensions, got {input.dim()}")
        if self.input_size != input.size(-1):
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected "
                               f"{self.input_size}, got {input.size(-1)}")

    def _check_states(self, states, batch):
        layers = self.num_layers * (2 if self.bidirectional else 1)
        for state, size, message in zip(states, self._state_sizes(), self._state_names()):
            expected = (layers, batch, size)
            if tuple(state.shape) != expected:
                raise RuntimeError(message.format(expected, list(state.shape)))
            if state.dtype != self._flat_weights[0].dtype:
                raise RuntimeError(f"Input and hidden tensors are not the same dtype, found "
                                   f"input tensor with {self._flat_weights[0].dtype} and hidden "
                                   f"tensor with {state.dtype}")

    # ---------------------------------------------------------------- the run
    def _as_states(self, hx):
        """hx as a list of state tensors (one for RNN/GRU)."""
        return [hx]

    def _from_states(self, states):
        return states[0]

    def _unbatched_hx(self, hx):
        if hx.dim() != 2:
            raise RuntimeError(f"For unbatched 2-D input, hx should also be 2-D but got "
                               f"{hx.dim()}-D tensor")
        return [hx.unsqueeze(1)]

    def _batched_hx(self, hx):
        if hx.dim() != 3:
            raise RuntimeError(f"For batched 3-D input, hx should also be 3-D but got "
                               f"{hx.dim()}-D tensor")
        return [hx]

    def _input_dims_error(self, input):
        return ValueError(f"{type(self).__name__}: Expected input to be 2D or 3D, got "
                          f"{input.dim()}D instead")

    def forward(self, input, hx=None):
        layers = self.num_layers * (2 if self.bidirectional else 1)
        packed = isinstance(input, PackedSequence)
        if packed:
            data, batch_sizes, sorted_indices, unsorted_indices = input
            steps = [int(b) for b in batch_sizes._data]
            batch = steps[0] if steps else 0
            states = None if hx is None else self._as_states(hx)
            if states is not None and sorted_indices is not None:
                states = [s.index_select(1, sorted_indices) for s in states]
            self.check_input(data, batch_sizes)
        else:
            if input.dim() not in (2, 3):
                raise self._input_dims_error(input)
            is_batched = input.dim() == 3
            batch_dim = 0 if self.batch_first else 1
            states = None
            if not is_batched:
                input = input.unsqueeze(batch_dim)
                if hx is not None:
                    states = self._unbatched_hx(hx)
            elif hx is not None:
                states = self._batched_hx(hx)
            self.check_input(input, None)
            x = input.transpose(0, 1) if self.batch_first else input
            length, batch = x.shape[0], x.shape[1]
            if length == 0:
                raise RuntimeError("Expected sequence length to be larger than 0 in RNN")
            steps = [batch] * length
            data = x.reshape(length * batch, x.shape[2])
        if states is None:
            states = [creation.zeros((layers, batch, size), dtype=data.dtype)
                      for size in self._state_sizes()]
        else:
            self._check_states(states, batch)
        output, final = self._run(data, states, steps)
        if packed:
            if unsorted_indices is not None:
                final = [s.index_select(1, unsorted_indices) for s in final]
            return (PackedSequence(output, batch_sizes, sorted_indices, unsorted_indices),
                    self._from_states(final))
        output = output.reshape(length, batch, output.shape[1])
        if self.batch_first:
            output = output.transpose(0, 1)
        if not is_batched:
            output = output.squeeze(batch_dim)
            final = [s.squeeze(1) for s in final]
        return output, self._from_states(final)

    def _run(self, data, states, steps):
        """All layers and directions over the packed data (N, I) from the initial states;
        returns the last layer's output (N, D*H) and the final states, stacked."""
        directions = 2 if self.bidirectional else 1
        schedules = [schedule_of(steps, reverse=bool(d)) for d in range(directions)]
        params = self._flat_weights
        keep = grad_mode.is_grad_enabled() and (
            data.requires_grad or any(s.requires_grad for s in states)
            or any(p is not None and p.requires_grad for p in params))
        finals = [[] for _ in states]
        layer_input = data
        for layer in range(self.num_layers):
            outputs = []
            for d in range(directions):
                k = layer * directions + d
                weights = [getattr(self, name) for name in self._all_weights[k]]
                out, *new_states = self._run_layer(layer_input, [s[k] for s in states],
                                                   weights, schedules[d], keep)
                outputs.append(out)
                for store, s in zip(finals, new_states):
                    store.append(s)
            layer_input = outputs[0] if directions == 1 else cat(outputs, 1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                layer_input = F.dropout(layer_input, self.dropout, True)
        return layer_input, [stack(store, 0) for store in finals]

    def _weights(self, weights):
        """(w_ih, w_hh, b_ih, b_hh, w_hr) from one layer-direction's parameter list."""
        w_ih, w_hh = weights[0], weights[1]
        b_ih = b_hh = w_hr = None
        if self.bias:
            b_ih, b_hh = weights[2], weights[3]
        if self.proj_size > 0:
            w_hr = weights[-1]
        return w_ih, w_hh, b_ih, b_hh, w_hr


class RNN(RNNBase):
    """Elman RNN: h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh), act = tanh or relu.
    Shapes: input (T, B, I) ((B, T, I) if batch_first, (T, I) unbatched, or a PackedSequence),
    h0 (num_layers * num_directions, B, H) -> output (T, B, num_directions * H), h_n like h0.

    >>> RNN(10, 20, 2)
    RNN(10, 20, num_layers=2)
    """

    def __init__(self, *args, **kwargs):
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if len(args) > 3:
            self.nonlinearity = args[3]
            args = args[:3] + args[4:]
        else:
            self.nonlinearity = kwargs.pop("nonlinearity", "tanh")
        if self.nonlinearity == "tanh":
            mode = "RNN_TANH"
        elif self.nonlinearity == "relu":
            mode = "RNN_RELU"
        else:
            raise ValueError(f"Unknown nonlinearity '{self.nonlinearity}'. Select from 'tanh' "
                             f"or 'relu'.")
        super().__init__(mode, *args, **kwargs)

    def _input_dims_error(self, input):
        return ValueError(f"RNN: Expected input to be 2D or 3D, got {input.dim()}D tensor "
                          f"instead")

    def _run_layer(self, x, states, weights, schedule, keep):
        w_ih, w_hh, b_ih, b_hh, _ = self._weights(weights)
        return RNNLayer.apply(x, states[0], w_ih, w_hh, b_ih, b_hh, self.mode == "RNN_RELU",
                              schedule, keep)


class LSTM(RNNBase):
    """Long short-term memory, PyTorch's gate order i, f, g, o:
        c_t = f c_{t-1} + i g,   h_t = o tanh(c_t)   (times W_hr^T when proj_size > 0)
    Shapes: input as RNN; (h0, c0) of (num_layers * num_directions, B, P) and (..., B, H), P =
    proj_size or H -> output (T, B, num_directions * P), (h_n, c_n) like (h0, c0).

    >>> LSTM(10, 20, 2)
    LSTM(10, 20, num_layers=2)
    """

    def __init__(self, *args, **kwargs):
        super().__init__("LSTM", *args, **kwargs)

    def _state_sizes(self):
        return (self.proj_size if self.proj_size > 0 else self.hidden_size, self.hidden_size)

    def _state_names(self):
        return ("Expected hidden[0] size {}, got {}", "Expected hidden[1] size {}, got {}")

    def _as_states(self, hx):
        return [hx[0], hx[1]]

    def _from_states(self, states):
        return states[0], states[1]

    def _unbatched_hx(self, hx):
        if hx[0].dim() != 2 or hx[1].dim() != 2:
            raise RuntimeError(f"For unbatched 2-D input, hx and cx should also be 2-D but got "
                               f"({hx[0].dim()}-D, {hx[1].dim()}-D) tensors")
        return [hx[0].unsqueeze(1), hx[1].unsqueeze(1)]

    def _batched_hx(self, hx):
        if hx[0].dim() != 3 or hx[1].dim() != 3:
            raise RuntimeError(f"For batched 3-D input, hx and cx should also be 3-D but got "
                               f"({hx[0].dim()}-D, {hx[1].dim()}-D) tensors")
        return [hx[0], hx[1]]

    def _run_layer(self, x, states, weights, schedule, keep):
        w_ih, w_hh, b_ih, b_hh, w_hr = self._weights(weights)
        return LSTMLayer.apply(x, states[0], states[1], w_ih, w_hh, b_ih, b_hh, w_hr, schedule,
                               keep)


class GRU(RNNBase):
    """Gated recurrent unit, PyTorch's gate order r, z, n:
        n = tanh(x W_in^T + b_in + r (h W_hn^T + b_hn)),   h_t = (1 - z) n + z h_{t-1}
    Shapes as RNN.

    >>> GRU(10, 20, 2)
    GRU(10, 20, num_layers=2)
    """

    def __init__(self, *args, **kwargs):
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        super().__init__("GRU", *args, **kwargs)

    def _run_layer(self, x, states, weights, schedule, keep):
        w_ih, w_hh, b_ih, b_hh, _ = self._weights(weights)
        return GRULayer.apply(x, states[0], w_ih, w_hh, b_ih, b_hh, schedule, keep)


# ---------------------------------------------------------------------------------------------
# cells: one time step, one fused node
# ---------------------------------------------------------------------------------------------
class RNNCellBase(Module):
    """weight_ih (chunks * H, I), weight_hh (chunks * H, H), bias_ih, bias_hh (chunks * H,),
    uniform in (-1/sqrt(H), 1/sqrt(H))."""

    def __init__(self, input_size, hidden_size, bias, num_chunks, device=None, dtype=None):
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias

        def param(*shape):
            return Parameter(creation.empty(shape, device=device, dtype=dtype))

        self.weight_ih = param(num_chunks * hidden_size, input_size)
        self.weight_hh = param(num_chunks * hidden_size, hidden_size)
        if bias:
            self.bias_ih = param(num_chunks * hidden_size)
            self.bias_hh = param(num_chunks * hidden_size)
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if "bias" in self.__dict__ and self.bias is not True:
            s += f", bias={self.bias}"
        if "nonlinearity" in self.__dict__ and self.nonlinearity != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s

    def reset_parameters(self):
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def _batched(self, input, hx):
        """(input (B, I), hx (B, H), is_batched) for a one-state cell: an unbatched (I,) input and
        its (H,) state gain a batch dim of 1; a missing state is zeros."""
        name = self._error_name
        if input.dim() not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.dim()}D "
                             f"instead")
        if hx is not None and hx.dim() not in (1, 2):
            raise ValueError(f"{name}: Expected hidden to be 1D or 2D, got {hx.dim()}D "
                             f"instead")
        is_batched = input.dim() == 2
        if not is_batched:
            input = input.unsqueeze(0)
        if hx is None:
            hx = creation.zeros((input.size(0), self.hidden_size), dtype=input.dtype)
        elif not is_batched:
            hx = hx.unsqueeze(0)
        return input, hx, is_batched

    def _check(self, input, states, labels):
        """PyTorch's cell checks: feature sizes, batch sizes and dtypes of input and states."""
        if input.size(1) != self.input_size:
            raise RuntimeError(f"input has inconsistent input_size: got {input.size(1)} "
                               f"expected {self.input_size}")
        for state, label in zip(states, labels):
            if input.size(0) != state.size(0):
                raise RuntimeError(f"Input batch size {input.size(0)} doesn't match "
                                   f"hidden{label} batch size {state.size(0)}")
            if state.size(1) != self.hidden_size:
                raise RuntimeError(f"hidden{label} has inconsistent hidden_size: got "
                                   f"{state.size(1)}, expected {self.hidden_size}")
        for t in [input] + list(states):
            if t.dtype != self.weight_ih.dtype:
                raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got "
                                   f"{_scalar_name(t.dtype)} and "
                                   f"{_scalar_name(self.weight_ih.dtype)}")

    def _keep(self, *tensors):
        return grad_mode.is_grad_enabled() and any(
            t is not None and t.requires_grad for t in tensors + tuple(self.parameters()))


def _scalar_name(dtype):
    return dtype.scalar_name


class RNNCell(RNNCellBase):
    """h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh), act = tanh or relu.
    Shapes: input (B, I) or (I,), hx (B, H) or (H,) -> h' like hx.

    >>> RNNCell(10, 20)
    RNNCell(10, 20)
    """

    _error_name = "RNNCell"     # as PyTorch names it, in subclasses too

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None,
                 dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=1, device=device,
                         dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        input, hx, is_batched = self._batched(input, hx)
        if self.nonlinearity not in ("tanh", "relu"):
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        self._check(input, [hx], [""])
        _, h = RNNLayer.apply(input, hx, self.weight_ih, self.weight_hh, self.bias_ih,
                              self.bias_hh, self.nonlinearity == "relu",
                              [(0, input.size(0))], self._keep(input, hx))
        return h if is_batched else h.squeeze(0)


class LSTMCell(RNNCellBase):
    """[i f g o] = x W_ih^T + b_ih + h W_hh^T + b_hh,  c' = f c + i g,  h' = o tanh(c').
    Shapes: input (B, I) or (I,), hx = (h, c) each (B, H) or (H,) -> (h', c').

    >>> LSTMCell(10, 20)
    LSTMCell(10, 20)
    """

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=4, device=device,
                         dtype=dtype)

    def forward(self, input, hx=None):
        if input.dim() not in (1, 2):
            raise ValueError(f"LSTMCell: Expected input to be 1D or 2D, got {input.dim()}D "
                             f"instead")
        if hx is not None:
            for idx, value in enumerate(hx):
                if value.dim() not in (1, 2):
                    raise ValueError(f"LSTMCell: Expected hx[{idx}] to be 1D or 2D, got "
                                     f"{value.dim()}D instead")
        is_batched = input.dim() == 2
        if not is_batched:
            input = input.unsqueeze(0)
        if hx is None:
            zeros = creation.zeros((input.size(0), self.hidden_size), dtype=input.dtype)
            hx = (zeros, zeros)
        elif not is_batched:
            hx = (hx[0].unsqueeze(0), hx[1].unsqueeze(0))
        self._check(input, hx, ["[0]", "[1]"])
        _, h, c = LSTMLayer.apply(input, hx[0], hx[1], self.weight_ih, self.weight_hh,
                                  self.bias_ih, self.bias_hh, None, [(0, input.size(0))],
                                  self._keep(input, hx[0], hx[1]))
        return (h, c) if is_batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    """r, z = sigmoid(.),  n = tanh(x W_in^T + b_in + r (h W_hn^T + b_hn)),
    h' = (1 - z) n + z h.   Shapes: input (B, I) or (I,), hx (B, H) or (H,) -> h' like hx.

    >>> GRUCell(10, 20)
    GRUCell(10, 20)
    """

    _error_name = "GRUCell"     # as PyTorch names it, in subclasses too

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=3, device=device,
                         dtype=dtype)

    def forward(self, input, hx=None):
        input, hx, is_batched = self._batched(input, hx)
        self._check(input, [hx], [""])
        _, h = GRULayer.apply(input, hx, self.weight_ih, self.weight_hh, self.bias_ih,
                              self.bias_hh, [(0, input.size(0))], self._keep(input, hx))
        return h if is_batched else h.squeeze(0)
