"""How tensors print: `tensor([[ 0.,  1.,  2.]])`, exactly as PyTorch prints them.

The spec is PyTorch's printing (torch/_tensor_str.py behaviour), reproduced rule by rule:

- One formatter per tensor decides how every number looks, from the nonzero finite values only
  (nan, inf and 0 never change the choice):
    int mode   every value is a whole number: print `3.` (a trailing dot says "float");
    sci mode   max/min magnitude > 1000, or max > 1e8, or min < 1e-4: print `1.2346e+05`;
    otherwise  fixed point with `precision` digits: `0.1235`.
  All numbers are right-aligned to the widest nonzero finite one, so columns line up.
- A tensor with more than `threshold` elements is summarised: along each dim longer than
  2 * edgeitems only the first and last `edgeitems` entries print, with `...` between them,
  and only those entries choose the format.
- Rows wrap at `linewidth`; nested dims indent by one space per level and are separated by one
  blank line per dim below the top.
- Suffixes follow the numbers: `size=` (empty tensors that are not 1-d), `dtype=` (when it is not
  the default for its kind: default float, default complex, int64, bool), then
  `grad_fn=<MulBackward0>` or `requires_grad=True`; they move to a new line past `linewidth`.

Printing shows at most about `threshold` numbers, so each shown number is formatted with Python's
own float formatting (which is also what makes the digits identical to PyTorch's).
"""
import math

from . import _backend
from ._backend import xp


class _PrintOptions:
    """The current print options (PyTorch's defaults)."""

    def __init__(self):
        self.precision = 4
        self.threshold = 1000
        self.edgeitems = 3
        self.linewidth = 80
        self.sci_mode = None


PRINT_OPTS = _PrintOptions()

_PROFILES = {
    "default": dict(precision=4, threshold=1000, edgeitems=3, linewidth=80),
    "short": dict(precision=2, threshold=1000, edgeitems=2, linewidth=80),
    "full": dict(precision=4, threshold=math.inf, edgeitems=3, linewidth=80),
}


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None,
                     profile=None, sci_mode=None):
    """Set how tensors print (as torch.set_printoptions).

    precision: digits after the point (4); threshold: element count above which a tensor is
    summarised (1000); edgeitems: entries kept at each end of a summarised dim (3); linewidth:
    characters per line (80); profile: 'default', 'short' or 'full' sets all four first;
    sci_mode: True/False forces scientific notation on/off, None chooses automatically.
    As in PyTorch, every call resets sci_mode (to the value given, None by default)."""
    if profile in _PROFILES:  # PyTorch silently ignores an unknown profile name; so do we
        for name, value in _PROFILES[profile].items():
            setattr(PRINT_OPTS, name, value)
    for name, value in (("precision", precision), ("threshold", threshold),
                        ("edgeitems", edgeitems), ("linewidth", linewidth)):
        if value is not None:
            setattr(PRINT_OPTS, name, value)
    PRINT_OPTS.sci_mode = sci_mode


def get_printoptions():
    """The current options as a dict that `set_printoptions(**d)` accepts."""
    return dict(precision=PRINT_OPTS.precision, threshold=PRINT_OPTS.threshold,
                edgeitems=PRINT_OPTS.edgeitems, linewidth=PRINT_OPTS.linewidth,
                sci_mode=PRINT_OPTS.sci_mode)


class printoptions:
    """Context manager: `with printoptions(precision=2): ...` restores the old options after."""

    def __init__(self, **kwargs):
        self.kwargs = kwargs

    def __enter__(self):
        self.saved = get_printoptions()
        set_printoptions(**self.kwargs)

    def __exit__(self, *exc):
        set_printoptions(**self.saved)


# ---------------------------------------------------------------------------------------------
# Formatting numbers
# ---------------------------------------------------------------------------------------------
class _Formatter:
    """Formats the numbers of one real-valued array, all padded to a common width.

    `values` are the numbers that decide the format (the shown ones, for a summarised tensor)."""

    def __init__(self, values):
        self.floating = values.dtype.kind == "f"
        self.int_mode = True
        self.sci_mode = False
        self.width = 1
        if not self.floating:
            strs = [str(v) for v in values.ravel().tolist()]
            self.width = max([self.width] + [len(s) for s in strs])
            return
        nonzero_finite = values[xp.isfinite(values) & (values != 0)]
        if nonzero_finite.size == 0:
            # nothing to measure: PyTorch keeps int mode and ignores sci_mode here
            return
        self.int_mode = bool((nonzero_finite == xp.ceil(nonzero_finite)).all())
        magnitude = xp.abs(nonzero_finite).astype(xp.float64)
        largest, smallest = float(magnitude.max()), float(magnitude.min())
        if PRINT_OPTS.sci_mode is None:
            self.sci_mode = largest / smallest > 1000.0 or largest > 1.0e8 or smallest < 1.0e-4
        else:
            self.sci_mode = bool(PRINT_OPTS.sci_mode)
        self.width = max(len(self.plain(v)) for v in nonzero_finite.tolist())

    def plain(self, value):
        """`value` as text, unpadded."""
        if not self.floating:
            return str(value)
        if self.sci_mode:
            return f"{value:.{PRINT_OPTS.precision}e}"
        if self.int_mode:
            text = f"{value:.0f}"
            # the trailing dot marks a float; nan and inf already read as floats
            return text if math.isinf(value) or math.isnan(value) else text + "."
        return f"{value:.{PRINT_OPTS.precision}f}"

    def format(self, value):
        """`value` as text, right-aligned to the common width."""
        return self.plain(value).rjust(self.width)


class _ComplexFormatter:
    """Formats complex numbers as `real+imagj`, each part with its own formatter (as PyTorch)."""

    def __init__(self, values):
        self.real = _Formatter(values.real)
        self.imag = _Formatter(values.imag)
        self.width = self.real.width + self.imag.width + 1  # +1 for the 'j'

    def format(self, value):
        real = self.real.format(value.real)
        imag = (self.imag.format(value.imag) + "j").lstrip()
        return real + imag if imag[0] in "+-" else real + "+" + imag


# ---------------------------------------------------------------------------------------------
# Laying out the nested brackets
# ---------------------------------------------------------------------------------------------
def _shown_part(data, summarize):
    """The entries that print and, per dim, whether `...` stands between its two halves."""
    cut = []
    edge = PRINT_OPTS.edgeitems
    for axis, n in enumerate(data.shape):
        if summarize and n > 2 * edge:
            keep = xp.concatenate([xp.arange(edge), xp.arange(n - edge, n)])
            data = xp.take(data, keep, axis=axis)
            cut.append(True)
        else:
            cut.append(False)
    return data, tuple(cut)


def _layout(strs, cut, indent, width):
    """Brackets, commas and line breaks around the formatted entries `strs` (an object array).

    `indent` is the column of this level's '['; `width` is one entry's printed width."""
    edge = PRINT_OPTS.edgeitems
    if strs.ndim == 1:
        items = strs.tolist()
        if cut[0]:
            items = items[:edge] + [" ..."] + items[edge:]
        per_line = max(1, (PRINT_OPTS.linewidth - indent) // (width + 2))  # +2 for ", "
        lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
        return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"
    parts = [_layout(row, cut[1:], indent + 1, width) for row in strs]
    if cut[0]:
        parts.insert(edge, "...")
    # one newline per dim below this one: rows of a matrix touch, matrices get a blank line
    return "[" + ("," + "\n" * (strs.ndim - 1) + " " * (indent + 1)).join(parts) + "]"


def _body(data, indent):
    """The numbers of a non-empty array in nested brackets (a bare number for 0-d)."""
    summarize = data.size > PRINT_OPTS.threshold
    if summarize and not PRINT_OPTS.edgeitems and data.ndim:
        return "[...]"
    shown, cut = _shown_part(data, summarize)
    if shown.dtype.kind == "c":
        formatter = _ComplexFormatter(shown)
    else:
        formatter = _Formatter(shown)
    flat = [formatter.format(v) for v in shown.ravel().tolist()]
    if data.ndim == 0:
        return flat[0]
    strs = xp.empty(len(flat), dtype=object)
    strs[:] = flat
    return _layout(strs.reshape(shown.shape), cut, indent, formatter.width)


# ---------------------------------------------------------------------------------------------
# The whole repr
# ---------------------------------------------------------------------------------------------
def _add_suffixes(text, suffixes, indent):
    """Append `, suffix` items, starting a new line (indented) when one would pass linewidth."""
    out = [text]
    # PyTorch's count: +1 makes a one-line text count 2 more than its length (a quirk kept so
    # that wrapping happens at exactly the same place)
    last_line = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last_line + len(suffix) + 2 > PRINT_OPTS.linewidth:
            out.append(",\n" + " " * indent + suffix)
            last_line = indent + len(suffix)
        else:
            out.append(", " + suffix)
            last_line += len(suffix) + 2
    out.append(")")
    return "".join(out)


def tensor_repr(t):
    """`repr(t)` and `str(t)`: 'tensor([1., 2.], requires_grad=True)' as PyTorch prints it.

    A Parameter (nn.Parameter, a Tensor subclass) prints 'Parameter containing:' on a line of
    its own first; any other subclass prints its class name in place of 'tensor'."""
    kind = type(t).__name__
    prefix = "tensor(" if kind in ("Tensor", "Parameter") else kind + "("
    indent = len(prefix)
    data = t._data
    dtype = t.dtype
    default_float = _backend.get_default_dtype()
    suffixes = []
    if data.size == 0:
        # nothing shows the dtype or the shape, so both are spelled out (except the plain (0,))
        if data.ndim != 1:
            suffixes.append(f"size={tuple(data.shape)}")
        if dtype is not default_float:
            suffixes.append(f"dtype={dtype}")
        body = "[]"
    else:
        if not PRINT_OPTS.edgeitems:
            suffixes.append(f"size={tuple(data.shape)}")
        if dtype not in (default_float, _backend.default_complex(), _backend.int64,
                         _backend.bool_):
            suffixes.append(f"dtype={dtype}")
        body = _body(data, indent)
    if t.grad_fn is not None:
        # PyTorch prints its C++ nodes (torch::autograd::CopySlices) by their last part
        suffixes.append(f"grad_fn=<{t.grad_fn.name().rsplit('::', 1)[-1]}>")
    elif t.requires_grad:
        suffixes.append("requires_grad=True")
    text = _add_suffixes(prefix + body, suffixes, indent)
    if kind == "Parameter":
        return "Parameter containing:\n" + text
    return text
