"""nn.utils.rnn: variable-length sequences, padded into one tensor or packed time step by time step.

A batch of sequences with lengths L_0 >= L_1 >= ... (sorted, longest first) is *packed* as

    data         (sum(L), *)   the rows of time step 0 for every sequence, then those of time
                               step 1 for the sequences still running, and so on
    batch_sizes  (T,) int64    how many sequences are still running at each time step

so a recurrent layer can run step t on the first batch_sizes[t] rows of its state. Unsorted
batches are sorted first; `sorted_indices` says which input sequence went where and
`unsorted_indices` puts them back.

Packing and unpacking are single gathers (row indices computed once) inside one autograd node
each, so gradients flow back to the padded input and on to the packed data.
"""
from collections import namedtuple

from ..._backend import xp
from ..._tensor import Tensor, _make
from ...autograd.function import Function

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence", "pad_packed_sequence",
           "pad_sequence", "unpad_sequence", "pack_sequence", "unpack_sequence"]


# ---------------------------------------------------------------------------------------------
# PackedSequence
# ---------------------------------------------------------------------------------------------
class PackedSequence(namedtuple("PackedSequence_",
                                ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])):
    """A packed batch of sequences: data (sum(lengths), *), batch_sizes (T,) int64 on the CPU,
    sorted_indices / unsorted_indices (B,) int64 or None (None when the batch came sorted).

    Build it with `pack_padded_sequence` or `pack_sequence`, not by hand."""

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is not None:
            if batch_sizes.device.type != "cpu":
                raise ValueError(
                    "batch_sizes should always be on CPU. Instances of PackedSequence should "
                    "never be created manually. They should be instantiated by functions like "
                    "pack_sequence and pack_padded_sequences in nn.utils.rnn. "
                    "https://pytorch.org/docs/stable/nn.html#torch.nn.utils.rnn.pack_sequence")
            return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)
        data, batch_sizes = data          # PackedSequence((data, batch_sizes))
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs):
        """The data moved/cast as Tensor.to; the indices follow to the data's device only."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        kwargs = {k: v for k, v in kwargs.items() if k not in ("device", "dtype")}
        sorted_indices = (None if self.sorted_indices is None
                          else self.sorted_indices.to(data.device, **kwargs))
        unsorted_indices = (None if self.unsorted_indices is None
                            else self.unsorted_indices.to(data.device, **kwargs))
        return type(self)(data, self.batch_sizes, sorted_indices, unsorted_indices)

    def cpu(self, *args, **kwargs):
        return self.to(*args, **{**kwargs, "device": "cpu"})

    def cuda(self, *args, **kwargs):
        return self.to(*args, **{**kwargs, "device": "cuda"})

    def pin_memory(self):
        return self

    def double(self):
        return self.to(dtype=_dtype("float64"))

    def float(self):
        return self.to(dtype=_dtype("float32"))

    def half(self):
        return self.to(dtype=_dtype("float16"))

    def long(self):
        return self.to(dtype=_dtype("int64"))

    def int(self):
        return self.to(dtype=_dtype("int32"))

    def short(self):
        return self.to(dtype=_dtype("int16"))

    def char(self):
        return self.to(dtype=_dtype("int8"))

    def byte(self):
        return self.to(dtype=_dtype("uint8"))

    @property
    def is_cuda(self):
        return self.data.is_cuda

    def is_pinned(self):
        return self.data.is_pinned()


def _dtype(name):
    import glasstorch
    return getattr(glasstorch, name)


def invert_permutation(permutation):
    """The permutation q with q[p[i]] = i (None stays None)."""
    if permutation is None:
        return None
    inverse = xp.empty(permutation.shape[0], xp.int64)
    inverse[permutation._data] = xp.arange(permutation.shape[0], dtype=xp.int64)
    return _make(inverse)


# ---------------------------------------------------------------------------------------------
# the two gathers: padded <-> packed rows
# ---------------------------------------------------------------------------------------------
class _GatherRows(Function):
    """out = x[index] along axis 0, every row of x used at most once
    grad: dx = zeros like x, with dx[index] = g   (plain assignment: the rows are distinct)"""

    _node_name = "PackPaddedSequenceBackward0"

    @staticmethod
    def forward(ctx, x, index):
        ctx.shape, ctx.index = x.shape, index
        return x[index]

    @staticmethod
    def backward(ctx, g):
        dx = xp.zeros(ctx.shape, g.dtype)
        dx[ctx.index] = g
        return dx, None


class _ScatterRows(Function):
    """out = rows_count rows of padding_value, with out[index] = x   (x's rows land at index)
    grad: dx = g[index]"""

    _node_name = "PadPackedSequenceBackward0"

    @staticmethod
    def forward(ctx, x, index, rows_count, padding_value):
        ctx.index = index
        out = xp.full((rows_count,) + x.shape[1:], padding_value, x.dtype)
        out[index] = x
        return out

    @staticmethod
    def backward(ctx, g):
        return g[ctx.index], None, None, None


def _packed_rows(lengths, batch_first, steps):
    """For sorted `lengths` (B,), the row of the flattened padded tensor ((T, B) or, batch_first,
    (B, T) row-major) that each packed row comes from, in packed order; and batch_sizes (T,)."""
    batch = lengths.shape[0]
    t = xp.arange(steps)
    batch_sizes = (lengths[None, :] > t[:, None]).sum(axis=1)      # (T,)
    # running[t, b]: sequence b still has a step t; packed order is time-major
    running = lengths[None, :] > t[:, None]                           # (T, B)
    time_index, batch_index = xp.nonzero(running)
    if batch_first:
        rows = batch_index * steps + time_index
    else:
        rows = time_index * batch + batch_index
    return rows, batch_sizes.astype(xp.int64)


# ---------------------------------------------------------------------------------------------
# pack / pad
# ---------------------------------------------------------------------------------------------
def _lengths_array(lengths):
    if isinstance(lengths, Tensor):
        if lengths.ndim != 1:
            raise RuntimeError(f"'lengths' argument should be a 1D CPU int64 tensor, but got "
                               f"{lengths.ndim}D cpu {_scalar_name(lengths)} tensor")
        return lengths._data.astype(xp.int64)
    array = xp.asarray(lengths)
    if array.ndim != 1:
        raise RuntimeError(f"'lengths' argument should be a 1D CPU int64 tensor, but got "
                           f"{array.ndim}D cpu Long tensor")
    return array.astype(xp.int64)


def _scalar_name(t):
    return t.dtype.scalar_name


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """Pack a padded batch input (T, B, *) ((B, T, *) if batch_first) whose sequence b has
    lengths[b] valid steps. With enforce_sorted, lengths must be decreasing; otherwise the batch
    is sorted by length first and the PackedSequence remembers the permutation."""
    lengths = _lengths_array(lengths)
    if input.ndim < 2:
        raise IndexError(f"Dimension out of range (expected to be in range of "
                         f"[{-max(input.ndim, 1)}, {max(input.ndim, 1) - 1}], but got 1)")
    batch_dim = 0 if batch_first else 1
    sorted_indices = None
    if not enforce_sorted:
        order = xp.argsort(-lengths, kind="stable")
        lengths = lengths[order]
        sorted_indices = _make(order.astype(xp.int64))
        input = input.index_select(batch_dim, sorted_indices)
    batch, steps = input.shape[batch_dim], input.shape[1 - batch_dim]
    if lengths.shape[0] != batch:
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got "
                           f"{lengths.shape[0]} (batch_size={batch})")
    if batch and lengths.min() <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an element "
                           "in 'lengths' that is <= 0")
    if enforce_sorted and batch > 1 and (xp.diff(lengths) > 0).any():
        raise RuntimeError("`lengths` array must be sorted in decreasing order when "
                           "`enforce_sorted` is True. You can pass `enforce_sorted=False` to "
                           "pack_padded_sequence and/or pack_sequence to sidestep this "
                           "requirement if you do not need ONNX exportability.")
    if batch and lengths.max() > steps:
        raise RuntimeError(f"a length in 'lengths' ({int(lengths.max())}) is larger than the "
                           f"padded input's sequence length ({steps}); input shape "
                           f"{list(input.shape)}, batch_first={batch_first}")
    longest = int(lengths[0]) if batch else 0
    rows, batch_sizes = _packed_rows(lengths, batch_first, steps)
    batch_sizes = batch_sizes[:longest]
    flat = input.reshape((batch * steps,) + tuple(input.shape[2:]))
    data = _GatherRows.apply(flat, rows)
    return PackedSequence(data, _make(batch_sizes), sorted_indices, None)


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """Undo packing: a padded tensor (T, B, *) ((B, T, *) if batch_first), T the longest length
    or total_length, and the lengths (B,) int64, both in the original batch order."""
    batch_sizes = sequence.batch_sizes._data.astype(xp.int64)
    steps = batch_sizes.shape[0]
    if total_length is not None:
        if total_length < steps:
            raise ValueError(f"Expected total_length to be at least the length of the longest "
                             f"sequence in input, but got total_length={total_length} and max "
                             f"sequence length being {steps}")
        steps = total_length
    batch = int(batch_sizes[0]) if batch_sizes.shape[0] else 0
    # lengths of the sorted sequences: sequence b runs while batch_sizes[t] > b
    lengths = (batch_sizes[None, :] > xp.arange(batch)[:, None]).sum(axis=1).astype(xp.int64)
    rows, _ = _packed_rows(lengths, batch_first, steps)
    data = sequence.data
    padded = _ScatterRows.apply(data, rows, batch * steps, padding_value)
    shape = ((batch, steps) if batch_first else (steps, batch)) + tuple(data.shape[1:])
    padded = padded.reshape(shape)
    unsorted = sequence.unsorted_indices
    if unsorted is not None:
        padded = padded.index_select(0 if batch_first else 1, unsorted)
        lengths = lengths[unsorted._data]
    return padded, _make(lengths)


class _PadSequence(Function):
    """out[b, :L_b] = x_b (or out[b, T-L_b:] for left padding), padding_value elsewhere;
    out is (B, T, *) and transposed to (T, B, *) by the caller when not batch_first
    grad: dx_b = the same slice of g"""

    _node_name = "PadSequenceBackward0"

    @staticmethod
    def forward(ctx, padding_value, left, *sequences):
        steps = max(s.shape[0] for s in sequences)
        tail = sequences[0].shape[1:]
        out = xp.full((len(sequences), steps) + tail, padding_value, sequences[0].dtype)
        ctx.slices = []
        for b, s in enumerate(sequences):
            where = slice(steps - s.shape[0], steps) if left else slice(0, s.shape[0])
            out[b, where] = s
            ctx.slices.append(where)
        return out

    @staticmethod
    def backward(ctx, g):
        return (None, None) + tuple(g[b, where] for b, where in enumerate(ctx.slices))


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Stack sequences of shapes (L_b, *) into one (T, B, *) tensor ((B, T, *) if batch_first),
    T = max L_b, filling the missing steps with padding_value (after the sequence for
    padding_side 'right', before it for 'left')."""
    if isinstance(sequences, Tensor):
        sequences = sequences.unbind(0)
    sequences = list(sequences)
    if padding_side not in ("left", "right"):
        raise RuntimeError(f"Expected padding_side to be one of left or right, but got "
                           f"{padding_side}.")
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    first = sequences[0]
    if first.ndim == 0:
        raise RuntimeError("ArrayRef: invalid slice, N = 1; size = 0")
    tail = tuple(first.shape[1:])
    for s in sequences[1:]:
        shape = tuple(s.shape[1:])
        if shape != tail:
            if len(shape) != len(tail):
                raise RuntimeError(f"pad_sequence: the sequences must have the same number of "
                                   f"dimensions, but got shapes {list(first.shape)} and "
                                   f"{list(s.shape)}")
            dim = next(i for i in range(len(tail)) if tail[i] != shape[i])
            raise RuntimeError(f"The size of tensor a ({tail[dim]}) must match the size of "
                               f"tensor b ({shape[dim]}) at non-singleton dimension {dim + 1}")
    if any(s.dtype != first.dtype for s in sequences):
        sequences = [s.to(first.dtype) for s in sequences]
    out = _PadSequence.apply(padding_value, padding_side == "left", *sequences)
    return out if batch_first else out.transpose(0, 1)


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """The list of sequences padded_sequences[b, :lengths[b]] (batch dim 1 unless batch_first)."""
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    lengths = _lengths_array(lengths)
    if lengths.shape[0] != padded_sequences.shape[0]:
        raise ValueError("zip() argument 2 is shorter than argument 1" if lengths.shape[0] <
                         padded_sequences.shape[0] else "zip() argument 2 is longer than "
                         "argument 1")
    return [padded_sequences[b, :int(n)] for b, n in enumerate(lengths)]


def pack_sequence(sequences, enforce_sorted=True):
    """pack_padded_sequence(pad_sequence(sequences), their lengths)."""
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences):
    """The list of sequences (L_b, *) a PackedSequence holds, in the original batch order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
