"""SummaryWriter: PyTorch's TensorBoard logger. Event files are written by the tensorboard
package's own EventFileWriter (a background thread that flushes every `flush_secs` or when
`max_queue` events wait), with the protos of summary.py, in the directory layout PyTorch uses:
add_scalars writes one sub-run per scalar (`<log_dir>/<main_tag>_<tag>`), add_hparams one per
call (`<log_dir>/<run_name>`), add_embedding the projector's files under `<log_dir>/<step>/`."""
import os
import socket
import time
from datetime import datetime

from tensorboard.compat.proto.event_pb2 import Event, SessionLog
from tensorboard.summary.writer.event_file_writer import EventFileWriter

from . import embedding, graph, summary


class FileWriter:
    """Writes Event protos to one event file in `log_dir`."""

    def __init__(self, log_dir, max_queue=10, flush_secs=120, filename_suffix=""):
        self.event_writer = EventFileWriter(str(log_dir), max_queue, flush_secs,
                                            filename_suffix)

    def get_logdir(self):
        return self.event_writer.get_logdir()

    def add_event(self, event, step=None, walltime=None):
        event.wall_time = time.time() if walltime is None else walltime
        if step is not None:
            event.step = int(step)
        self.event_writer.add_event(event)

    def add_summary(self, summary_proto, global_step=None, walltime=None):
        self.add_event(Event(summary=summary_proto), global_step, walltime)

    def flush(self):
        self.event_writer.flush()

    def close(self):
        self.event_writer.close()

    def reopen(self):
        self.event_writer.reopen()


class SummaryWriter:
    """Logs scalars, histograms, images, figures, text, hyperparameters and embeddings for
    TensorBoard (`tensorboard --logdir runs`). With no log_dir, each writer gets a new run
    `runs/<Mon DD_HH-MM-SS>_<hostname><comment>`, as in PyTorch.

        with SummaryWriter() as writer:
            for step in range(100):
                writer.add_scalar("loss/train", loss.item(), step)
    """

    def __init__(self, log_dir=None, comment="", purge_step=None, max_queue=10,
                 flush_secs=120, filename_suffix=""):
        if not log_dir:
            stamp = datetime.now().strftime("%b%d_%H-%M-%S")
            log_dir = os.path.join("runs", stamp + "_" + socket.gethostname() + comment)
        self.log_dir = str(log_dir)
        self.purge_step = purge_step
        self.max_queue = max_queue
        self.flush_secs = flush_secs
        self.filename_suffix = filename_suffix
        self.file_writer = self.all_writers = None
        self._get_file_writer()
        self.default_bins = summary.tensorflow_bins()

    def _get_file_writer(self):
        """The writer of the main event file (made again after close())."""
        if self.all_writers is None or self.file_writer is None:
            self.file_writer = FileWriter(self.log_dir, self.max_queue, self.flush_secs,
                                          self.filename_suffix)
            self.all_writers = {self.file_writer.get_logdir(): self.file_writer}
            if self.purge_step is not None:
                # TensorBoard hides the events at or after this step of an earlier run
                self.file_writer.add_event(Event(step=self.purge_step,
                                                 file_version="brain.Event:2"))
                self.file_writer.add_event(Event(step=self.purge_step, session_log=SessionLog(
                    status=SessionLog.START)))
                self.purge_step = None
        return self.file_writer

    def get_logdir(self):
        return self.log_dir

    def _add(self, summary_proto, global_step, walltime):
        self._get_file_writer().add_summary(summary_proto, global_step, walltime)

    # ------------------------------------------------------------------ numbers
    def add_scalar(self, tag, scalar_value, global_step=None, walltime=None, new_style=False,
                   double_precision=False):
        """One value of the series `tag` at `global_step` (a number or one-element tensor)."""
        self._add(summary.scalar(tag, scalar_value, new_style, double_precision),
                  global_step, walltime)

    def add_scalars(self, main_tag, tag_scalar_dict, global_step=None, walltime=None):
        """Several series in one chart: each `tag` goes to its own sub-run
        `<log_dir>/<main_tag>_<tag>` under the series name `main_tag`."""
        walltime = time.time() if walltime is None else walltime
        log_dir = self._get_file_writer().get_logdir()
        for tag, value in tag_scalar_dict.items():
            run = log_dir + "/" + main_tag.replace("/", "_") + "_" + tag
            writer = self.all_writers.get(run)
            if writer is None:
                writer = self.all_writers[run] = FileWriter(run, self.max_queue,
                                                            self.flush_secs,
                                                            self.filename_suffix)
            writer.add_summary(summary.scalar(main_tag, value), global_step, walltime)

    def add_histogram(self, tag, values, global_step=None, bins="tensorflow", walltime=None,
                      max_bins=None):
        """The distribution of `values`' elements. bins='tensorflow' uses TensorFlow's
        exponential buckets; any other value is handed to numpy.histogram."""
        if isinstance(bins, str) and bins == "tensorflow":
            bins = self.default_bins
        self._add(summary.histogram(tag, values, bins, max_bins), global_step, walltime)

    def add_histogram_raw(self, tag, min, max, num, sum, sum_squares, bucket_limits,
                          bucket_counts, global_step=None, walltime=None):
        """A histogram from precomputed statistics and buckets (right edges)."""
        if len(bucket_limits) != len(bucket_counts):
            raise ValueError("len(bucket_limits) != len(bucket_counts), see the document.")
        self._add(summary.histogram_raw(tag, min, max, num, sum, sum_squares, bucket_limits,
                                        bucket_counts), global_step, walltime)

    # ------------------------------------------------------------------ pictures
    def add_image(self, tag, img_tensor, global_step=None, walltime=None, dataformats="CHW"):
        """One image: (C, H, W) by default, or as `dataformats` says ('HWC', 'HW').
        Floats are taken as 0..1, uint8 as 0..255."""
        self._add(summary.image(tag, img_tensor, dataformats=dataformats), global_step,
                  walltime)

    def add_images(self, tag, img_tensor, global_step=None, walltime=None,
                   dataformats="NCHW"):
        """A batch of images (N, C, H, W), shown as one grid of 8 per row."""
        self._add(summary.image(tag, img_tensor, dataformats=dataformats), global_step,
                  walltime)

    def add_figure(self, tag, figure, global_step=None, close=True, walltime=None):
        """A matplotlib figure (or a list of them, as a grid), rendered to an image."""
        pixels = summary.figure_to_array(figure, close)
        if isinstance(figure, list):
            self.add_images(tag, pixels, global_step, walltime, dataformats="NCHW")
        else:
            self.add_image(tag, pixels, global_step, walltime, dataformats="CHW")

    def add_graph(self, model, input_to_model=None, verbose=False, use_strict_trace=True):
        """The model's structure for TensorBoard's graph tab: one node per leaf-module call,
        connected as data flows on `input_to_model` (a tensor or tuple of them; see graph.py
        for what differs from PyTorch's traced graphs)."""
        if input_to_model is None:
            raise ValueError("add_graph needs input_to_model: glasstorch finds the graph by "
                             "running the model once on it")
        graph_def = graph.model_graph(model, input_to_model)
        if verbose:
            print(graph_def)
        self._get_file_writer().add_event(Event(graph_def=graph_def.SerializeToString()))

    # ------------------------------------------------------------------ text and runs
    def add_text(self, tag, text_string, global_step=None, walltime=None):
        """A string, shown as Markdown by TensorBoard's text tab."""
        self._add(summary.text(tag, text_string), global_step, walltime)

    def add_hparams(self, hparam_dict, metric_dict, hparam_domain_discrete=None,
                    run_name=None, global_step=None):
        """One run of a hyperparameter search: its hyperparameters and final metrics, in a
        sub-run `<log_dir>/<run_name>` (default: the current time)."""
        if type(hparam_dict) is not dict or type(metric_dict) is not dict:
            raise TypeError("hparam_dict and metric_dict should be dictionary.")
        experiment, start, end = summary.hparams(hparam_dict, metric_dict,
                                                 hparam_domain_discrete)
        run_name = run_name or str(time.time())
        with SummaryWriter(log_dir=os.path.join(self._get_file_writer().get_logdir(),
                                                run_name)) as run:
            for proto in (experiment, start, end):
                run.file_writer.add_summary(proto, global_step)
            for name, value in metric_dict.items():
                run.add_scalar(name, value, global_step)

    def add_embedding(self, mat, metadata=None, label_img=None, global_step=None,
                      tag="default", metadata_header=None):
        """Points for the embedding projector: `mat` (N, D) feature rows, optional labels
        (`metadata`, one per row, or rows of columns named by `metadata_header`) and images
        (`label_img`, N x C x H x W in 0..1, tiled into a sprite)."""
        if not hasattr(self, "_projector_config"):
            self._projector_config = embedding.ProjectorConfig()
        embedding.add(self._projector_config, self._get_file_writer().get_logdir(),
                      summary.to_array(mat), metadata, label_img, global_step or 0, tag,
                      metadata_header)

    # ------------------------------------------------------------------ files
    def flush(self):
        """Write every pending event to disk now."""
        for writer in (self.all_writers or {}).values():
            writer.flush()

    def close(self):
        """Flush and close every event file; adding more later starts new files."""
        for writer in (self.all_writers or {}).values():
            writer.flush()
            writer.close()
        self.file_writer = self.all_writers = None

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_value, traceback):
        self.close()
