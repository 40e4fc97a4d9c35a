"""Summary protocol buffers (tensorboard's own protos) built from tensors and arrays: scalars,
histograms, images, text and hyperparameters, laid out as PyTorch's SummaryWriter lays them,
so TensorBoard shows glasstorch's runs exactly as it shows PyTorch's."""
import io

from tensorboard.compat.proto.summary_pb2 import HistogramProto, Summary, SummaryMetadata
from tensorboard.compat.proto.tensor_pb2 import TensorProto
from tensorboard.compat.proto.tensor_shape_pb2 import TensorShapeProto
from tensorboard.plugins.text.plugin_data_pb2 import TextPluginData

from ..._backend import xp
from ..._tensor import Tensor


def to_array(value):
    """A NumPy array of `value`: a tensor (detached), an array, a list or a number."""
    if isinstance(value, Tensor):
        return value.detach()._data
    return xp.asarray(value)


# ---------------------------------------------------------------------------------------------
# scalars
# ---------------------------------------------------------------------------------------------
def scalar(tag, value, new_style=False, double_precision=False):
    """One number: `simple_value` (float32 on disk), or with new_style a tensor (float, or
    double with double_precision) read by the scalars plugin."""
    array = to_array(value).squeeze()
    if array.ndim != 0:
        raise AssertionError(f"Tensor should contain one element (0 dimensions). Was given "
                             f"size: {array.size} and {array.ndim} dimensions.")
    number = float(array)
    if not new_style:
        return Summary(value=[Summary.Value(tag=tag, simple_value=number)])
    if double_precision:
        tensor = TensorProto(double_val=[number], dtype="DT_DOUBLE")
    else:
        tensor = TensorProto(float_val=[number], dtype="DT_FLOAT")
    metadata = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name="scalars"))
    return Summary(value=[Summary.Value(tag=tag, tensor=tensor, metadata=metadata)])


# ---------------------------------------------------------------------------------------------
# histograms
# ---------------------------------------------------------------------------------------------
def tensorflow_bins():
    """TensorFlow's default bucket edges: +-1e-12 * 1.1**k up to 1e20, and 0."""
    edges = []
    edge = 1e-12
    while edge < 1e20:
        edges.append(edge)
        edge *= 1.1
    return [-e for e in reversed(edges)] + [0] + edges


def histogram(tag, values, bins, max_bins=None):
    """The histogram of all elements of `values` (as float64) over `bins` (edges, a count, or
    a NumPy rule name). Buckets are stored by their right edge; only the span from the first
    to the last non-empty bucket is kept, with one empty bucket before it to carry the left
    edge. max_bins merges neighbouring buckets (the last group padded with empty ones)."""
    values = to_array(values).astype(xp.float64).reshape(-1)
    if values.size == 0:
        raise ValueError("The input has no element.")
    counts, edges = xp.histogram(values, bins=bins)
    if max_bins is not None and len(counts) > max_bins:
        group = len(counts) // max_bins
        if len(counts) % group:
            counts = xp.concatenate([counts, xp.zeros(group - len(counts) % group,
                                                      counts.dtype)])
        counts = counts.reshape(-1, group).sum(axis=1)
        edges = xp.concatenate([edges[:-1:group], edges[-1:]])
    nonzero = xp.flatnonzero(counts)
    if nonzero.size == 0:
        raise ValueError(f"no value falls inside the histogram's bins ({len(counts)} bins "
                         f"from {edges[0]} to {edges[-1]})")
    first, last = int(nonzero[0]), int(nonzero[-1])
    if first > 0:
        counts = counts[first - 1:last + 1]
    else:
        counts = xp.concatenate([[0], counts[:last + 1]])
    edges = edges[first:last + 2]
    proto = HistogramProto(min=values.min(), max=values.max(), num=len(values),
                           sum=values.sum(), sum_squares=values.dot(values),
                           bucket_limit=edges.tolist(), bucket=counts.tolist())
    return Summary(value=[Summary.Value(tag=tag, histo=proto)])


def histogram_raw(tag, min, max, num, sum, sum_squares, bucket_limits, bucket_counts):
    """A histogram whose statistics and buckets the caller computed."""
    proto = HistogramProto(min=min, max=max, num=num, sum=sum, sum_squares=sum_squares,
                           bucket_limit=bucket_limits, bucket=bucket_counts)
    return Summary(value=[Summary.Value(tag=tag, histo=proto)])


# ---------------------------------------------------------------------------------------------
# images
# ---------------------------------------------------------------------------------------------
def image(tag, values, rescale=1, dataformats="NCHW"):
    """A PNG of `values` laid out by `dataformats` (a batch 'NCHW' becomes a grid of 8 per
    row). uint8 values are taken as 0..255, any other dtype as 0..1 (scaled by 255); both
    are clipped to 0..255."""
    hwc = to_hwc(to_array(values), dataformats)
    scale = 1 if hwc.dtype == xp.uint8 else 255
    pixels = (hwc.astype(xp.float32) * scale).clip(0, 255).astype(xp.uint8)
    return Summary(value=[Summary.Value(tag=tag, image=encode_png(pixels, rescale))])


def to_hwc(array, dataformats):
    """Reorder an image array given as `dataformats` ('NCHW', 'CHW', 'HWC', 'HW' ...) into
    height x width x channels with 3 channels for grey images."""
    dataformats = dataformats.upper()
    if len(set(dataformats)) != len(dataformats):
        raise AssertionError(f"You can not use the same dimension shorthand twice. "
                             f"input_format: {dataformats}")
    if array.ndim != len(dataformats):
        raise AssertionError(f"size of input tensor and input format are different. tensor "
                             f"shape: {array.shape}, input_format: {dataformats}")
    if len(dataformats) == 4:
        nchw = array.transpose([dataformats.find(c) for c in "NCHW"])
        return make_grid(nchw).transpose(1, 2, 0)
    if len(dataformats) == 3:
        hwc = array.transpose([dataformats.find(c) for c in "HWC"])
        return xp.concatenate([hwc] * 3, axis=2) if hwc.shape[2] == 1 else hwc
    hw = array.transpose([dataformats.find(c) for c in "HW"])
    return xp.stack([hw, hw, hw], axis=2)


def make_grid(images, ncols=8):
    """A batch (N, 1 or 3, H, W) tiled row by row, `ncols` per row, on a zero canvas."""
    if images.shape[1] == 1:
        images = xp.concatenate([images] * 3, axis=1)
    if images.shape[1] != 3:
        raise AssertionError("Input should be a 4D numpy array with 3 channels")
    n, _, height, width = images.shape
    ncols = min(n, ncols)
    nrows = -(-n // ncols)
    canvas = xp.zeros((3, height * nrows, width * ncols), dtype=images.dtype)
    for i in range(n):
        row, col = divmod(i, ncols)
        canvas[:, row * height:(row + 1) * height, col * width:(col + 1) * width] = images[i]
    return canvas


def encode_png(pixels, rescale=1):
    """An Image proto holding `pixels` (H, W, C uint8) as PNG, resized by `rescale`."""
    from PIL import Image
    height, width, channels = pixels.shape
    picture = Image.fromarray(pixels)
    if rescale != 1:
        picture = picture.resize((int(width * rescale), int(height * rescale)),
                                 Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return Summary.Image(height=height, width=width, colorspace=channels,
                         encoded_image_string=buffer.getvalue())


def figure_to_array(figures, close=True):
    """Render a matplotlib figure (or a list of them) to a CHW (or NCHW) uint8 RGB array."""
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    def render(figure):
        canvas = FigureCanvasAgg(figure)
        canvas.draw()
        width, height = figure.canvas.get_width_height()
        rgba = xp.frombuffer(canvas.buffer_rgba(), dtype=xp.uint8).reshape(height, width, 4)
        if close:
            plt.close(figure)
        return rgba[:, :, :3].transpose(2, 0, 1)

    if isinstance(figures, list):
        return xp.stack([render(figure) for figure in figures])
    return render(figures)


# ---------------------------------------------------------------------------------------------
# text
# ---------------------------------------------------------------------------------------------
def text(tag, string):
    """A string for the text plugin (shown as Markdown), under `<tag>/text_summary`."""
    metadata = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(
        plugin_name="text", content=TextPluginData(version=0).SerializeToString()))
    tensor = TensorProto(dtype="DT_STRING", string_val=[string.encode("utf_8")],
                         tensor_shape=TensorShapeProto(dim=[TensorShapeProto.Dim(size=1)]))
    return Summary(value=[Summary.Value(tag=tag + "/text_summary", metadata=metadata,
                                        tensor=tensor)])


# ---------------------------------------------------------------------------------------------
# hyperparameters
# ---------------------------------------------------------------------------------------------
def hparams(hparam_dict, metric_dict, hparam_domain_discrete=None):
    """The three summaries of the hparams plugin: the experiment (hyperparameter names and
    types, metric names), the session's hyperparameter values, and its end (success)."""
    from google.protobuf import struct_pb2
    from tensorboard.plugins.hparams import api_pb2, metadata, plugin_data_pb2

    if not isinstance(hparam_dict, dict):
        raise TypeError("parameter: hparam_dict should be a dictionary, nothing logged.")
    if not isinstance(metric_dict, dict):
        raise TypeError("parameter: metric_dict should be a dictionary, nothing logged.")
    domains = hparam_domain_discrete or {}
    if not isinstance(domains, dict):
        raise TypeError("parameter: hparam_domain_discrete should be a dictionary, nothing "
                        "logged.")
    for name, domain in domains.items():
        if name not in hparam_dict or not isinstance(domain, list) or \
                not all(isinstance(d, type(hparam_dict[name])) for d in domain):
            raise TypeError(f"parameter: hparam_domain_discrete[{name}] should be a list of "
                            f"same type as hparam_dict[{name}].")

    start = plugin_data_pb2.SessionStartInfo()
    infos = []
    for name, value in hparam_dict.items():
        if value is None:
            continue
        if isinstance(value, Tensor):
            value = float(to_array(value).reshape(-1)[0])
        # bools are ints: recorded as numbers, as PyTorch's writer records them
        if isinstance(value, (int, float)):
            start.hparams[name].number_value = value
            data_type, field = "DATA_TYPE_FLOAT64", "number_value"
        elif isinstance(value, str):
            start.hparams[name].string_value = value
            data_type, field = "DATA_TYPE_STRING", "string_value"
        else:
            raise ValueError("value should be one of int, float, str, bool, or torch.Tensor")
        domain = None
        if name in domains:
            domain = struct_pb2.ListValue(
                values=[struct_pb2.Value(**{field: d}) for d in domains[name]])
        infos.append(api_pb2.HParamInfo(name=name, type=api_pb2.DataType.Value(data_type),
                                        domain_discrete=domain))

    experiment = api_pb2.Experiment(
        hparam_infos=infos,
        metric_infos=[api_pb2.MetricInfo(name=api_pb2.MetricName(tag=k)) for k in metric_dict])
    end = plugin_data_pb2.SessionEndInfo(status=api_pb2.Status.Value("STATUS_SUCCESS"))

    def summary(tag, **content):
        data = plugin_data_pb2.HParamsPluginData(version=metadata.PLUGIN_DATA_VERSION,
                                                 **content)
        plugin = SummaryMetadata.PluginData(plugin_name=metadata.PLUGIN_NAME,
                                            content=data.SerializeToString())
        return Summary(value=[Summary.Value(tag=tag,
                                            metadata=SummaryMetadata(plugin_data=plugin))])

    return (summary(metadata.EXPERIMENT_TAG, experiment=experiment),
            summary(metadata.SESSION_START_INFO_TAG, session_start_info=start),
            summary(metadata.SESSION_END_INFO_TAG, session_end_info=end))
