"""glasstorch's SummaryWriter against PyTorch's: the same calls on the same data, written by
each, read back with tensorboard's EventAccumulator; every value must agree (and match the data
that went in: image pixels decoded from the PNGs, histogram statistics recomputed)."""
import io
import os

import numpy as np
import pytest
import torch
from PIL import Image
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.plugins.hparams import plugin_data_pb2
from torch.utils.tensorboard import SummaryWriter as TorchWriter

import glasstorch
from glasstorch.utils.tensorboard import SummaryWriter

rng = np.random.default_rng(0)
DATA = {
    "weights": rng.normal(0, 0.1, size=(64, 32)).astype("float32"),
    "wide": np.concatenate([rng.normal(0, 1, 500), rng.uniform(-1e3, 1e3, 50)]),
    "ints": rng.integers(-5, 6, size=200),
    "chw": rng.uniform(0, 1, size=(3, 9, 7)).astype("float32"),
    "hwc": rng.integers(0, 256, size=(5, 6, 3)).astype("uint8"),
    "hw": rng.uniform(-0.5, 1.5, size=(4, 4)).astype("float64"),   # clipped to 0..1
    "grey": rng.uniform(0, 1, size=(1, 6, 5)).astype("float32"),
    "batch": rng.uniform(0, 1, size=(10, 3, 4, 5)).astype("float32"),
    "batch1": rng.uniform(0, 1, size=(3, 1, 6, 6)).astype("float32"),
    "nhwc": rng.uniform(0, 1, size=(2, 4, 5, 3)).astype("float32"),
    "points": rng.normal(size=(12, 4)).astype("float32"),
    "labels_img": rng.uniform(0, 1, size=(12, 3, 5, 5)).astype("float32"),
}


def _log(lib, writer_class, log_dir):
    """The same logging calls with `lib`'s tensors and writer."""
    t = {name: lib.tensor(array) for name, array in DATA.items()}
    with writer_class(log_dir) as writer:
        for step in range(5):
            writer.add_scalar("loss/train", 1.0 / (step + 1), step)
            writer.add_scalar("loss/tensor", t["weights"][step, :3].sum(), step)
            writer.add_scalars("compare", {"train": step * 0.5, "test": lib.tensor(step * 0.25)},
                               step)
        writer.add_scalar("new_style", 0.125, 0, new_style=True)
        writer.add_scalar("double", 1 / 3, 0, new_style=True, double_precision=True)
        writer.add_histogram("weights", t["weights"], 0)
        writer.add_histogram("weights", t["weights"] * 2, 1)
        writer.add_histogram("wide", t["wide"], 0)
        writer.add_histogram("ints", t["ints"], 0)
        writer.add_histogram("auto_bins", t["weights"], 0, bins="auto")
        writer.add_histogram("ten_bins", t["wide"], 0, bins=10)
        writer.add_histogram("max_bins", t["weights"], 0, max_bins=7)
        writer.add_histogram_raw("raw", min=-1.0, max=2.0, num=6, sum=3.0, sum_squares=9.0,
                                 bucket_limits=[0.0, 1.0, 2.0], bucket_counts=[1, 3, 2],
                                 global_step=0)
        writer.add_image("chw", t["chw"], 0)
        writer.add_image("hwc", t["hwc"], 0, dataformats="HWC")
        writer.add_image("hw", t["hw"], 0, dataformats="HW")
        writer.add_image("grey", t["grey"], 0)
        writer.add_images("batch", t["batch"], 0)
        writer.add_images("batch1", t["batch1"], 3)
        writer.add_images("nhwc", t["nhwc"], 0, dataformats="NHWC")
        writer.add_text("notes", "lr = **0.1**, Adam", 0)
        writer.add_text("notes", "epoch 2 \u2713", 2)
        writer.add_hparams({"lr": 0.01, "batch": 64, "optimizer": "adam", "bn": True,
                            "tensor": lib.tensor([0.5])},
                           {"hparam/accuracy": 0.9, "hparam/loss": 0.3}, run_name="trial",
                           hparam_domain_discrete={"optimizer": ["adam", "sgd"]})
        writer.add_embedding(t["points"], metadata=[f"p{i}" for i in range(12)],
                             label_img=t["labels_img"], global_step=3, tag="feat/1")
        writer.add_embedding(t["points"][:3], metadata=[[1, "a"], [2, "b"], [3, "c"]],
                             metadata_header=["id", "name"])


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("tb")
    _log(torch, TorchWriter, str(root / "torch"))
    _log(glasstorch, SummaryWriter, str(root / "glass"))
    return root / "torch", root / "glass"


def _load(path):
    accumulator = EventAccumulator(str(path), size_guidance={"images": 0, "histograms": 0,
                                                             "scalars": 0, "tensors": 0})
    accumulator.Reload()
    return accumulator


def _event_file_count(path):
    return sum(name.startswith("events.out.tfevents") for name in os.listdir(path))


def test_same_runs_and_files(runs):
    theirs, ours = runs
    names = [sorted(n for n in os.listdir(path) if not n.startswith("events"))
             for path in runs]
    assert names[1] == names[0] == ["00000", "00003", "compare_test", "compare_train",
                                    "projector_config.pbtxt", "trial"]
    assert _event_file_count(ours) == _event_file_count(theirs) == 1
    for sub in ("compare_train", "compare_test", "trial"):
        assert _event_file_count(ours / sub) == _event_file_count(theirs / sub) == 1


def test_scalars(runs):
    theirs, ours = (_load(path) for path in runs)
    assert ours.Tags()["scalars"] == theirs.Tags()["scalars"] == ["loss/train", "loss/tensor"]
    for tag in ("loss/train", "loss/tensor"):
        got = [(e.step, e.value) for e in ours.Scalars(tag)]
        assert got == [(e.step, e.value) for e in theirs.Scalars(tag)]
    expected = [np.float32(DATA["weights"][s, :3].sum()) for s in range(5)]
    assert [e.value for e in ours.Scalars("loss/tensor")] == pytest.approx(expected, rel=1e-6)
    for sub, scale in (("compare_train", 0.5), ("compare_test", 0.25)):
        events = _load(runs[1] / sub).Scalars("compare")
        assert [(e.step, e.value) for e in events] == [(s, s * scale) for s in range(5)]
        assert [(e.step, e.value) for e in _load(runs[0] / sub).Scalars("compare")] == \
            [(e.step, e.value) for e in events]


def test_new_style_scalars(runs):
    theirs, ours = (_load(path) for path in runs)
    for tag in ("new_style", "double"):
        a, b = theirs.Tensors(tag)[0], ours.Tensors(tag)[0]
        assert b.tensor_proto == a.tensor_proto
        assert ours.SummaryMetadata(tag) == theirs.SummaryMetadata(tag)
    assert list(ours.Tensors("double")[0].tensor_proto.double_val) == [1 / 3]


def test_histograms_equal_pytorchs_buckets(runs):
    theirs, ours = (_load(path) for path in runs)
    tags = ["weights", "wide", "ints", "auto_bins", "ten_bins", "max_bins", "raw"]
    assert sorted(ours.Tags()["histograms"]) == sorted(theirs.Tags()["histograms"]) == \
        sorted(tags)
    for tag in tags:
        got, expected = ours.Histograms(tag), theirs.Histograms(tag)
        assert [e.step for e in got] == [e.step for e in expected]
        for a, b in zip(got, expected):
            assert a.histogram_value == b.histogram_value, tag
    # and the statistics are those of the data
    first = ours.Histograms("weights")[0].histogram_value
    values = DATA["weights"].astype(np.float64).ravel()
    assert (first.min, first.max, first.num) == (values.min(), values.max(), values.size)
    assert first.sum == pytest.approx(values.sum()) and sum(first.bucket) == values.size
    assert first.sum_squares == pytest.approx(values @ values)


def _pixels(event):
    return np.asarray(Image.open(io.BytesIO(event.encoded_image_string)))


def test_images_decode_to_the_input(runs):
    theirs, ours = (_load(path) for path in runs)
    assert sorted(ours.Tags()["images"]) == sorted(theirs.Tags()["images"])
    for tag in ours.Tags()["images"]:
        a, b = ours.Images(tag), theirs.Images(tag)
        assert [(e.step, e.width, e.height) for e in a] == [(e.step, e.width, e.height) for e in b]
        assert all(np.array_equal(_pixels(x), _pixels(y)) for x, y in zip(a, b)), tag
    to_255 = lambda x: (x.astype(np.float32) * 255).clip(0, 255).astype(np.uint8)  # noqa: E731
    assert np.array_equal(_pixels(ours.Images("chw")[0]), to_255(DATA["chw"]).transpose(1, 2, 0))
    assert np.array_equal(_pixels(ours.Images("hwc")[0]), DATA["hwc"])
    assert np.array_equal(_pixels(ours.Images("hw")[0]), np.stack([to_255(DATA["hw"])] * 3, 2))
    grey = to_255(DATA["grey"][0])
    assert np.array_equal(_pixels(ours.Images("grey")[0]), np.stack([grey] * 3, 2))
    grid = _pixels(ours.Images("batch")[0])         # 10 images: 8 per row, 2 rows, 0 padding
    assert grid.shape == (8, 40, 3)
    assert np.array_equal(grid[4:8, 5:10], to_255(DATA["batch"][9]).transpose(1, 2, 0))
    assert not grid[4:8, 10:].any()
    assert ours.Images("batch1")[0].step == 3


def test_text(runs):
    theirs, ours = (_load(path) for path in runs)
    assert ours.Tags()["tensors"] == theirs.Tags()["tensors"]
    got = [(e.step, e.tensor_proto.string_val[0].decode()) for e in ours.Tensors(
        "notes/text_summary")]
    assert got == [(0, "lr = **0.1**, Adam"), (2, "epoch 2 \u2713")]
    assert ours.SummaryMetadata("notes/text_summary") == \
        theirs.SummaryMetadata("notes/text_summary")
    assert [e.tensor_proto for e in ours.Tensors("notes/text_summary")] == \
        [e.tensor_proto for e in theirs.Tensors("notes/text_summary")]


def test_hparams(runs):
    theirs, ours = (_load(path / "trial") for path in runs)
    assert ours.Tags()["tensors"] == theirs.Tags()["tensors"]
    for tag in ours.Tags()["tensors"]:
        assert ours.SummaryMetadata(tag) == theirs.SummaryMetadata(tag)
    content = plugin_data_pb2.HParamsPluginData.FromString(
        ours.SummaryMetadata("_hparams_/session_start_info").plugin_data.content)
    values = {k: v.WhichOneof("kind") and getattr(v, v.WhichOneof("kind"))
              for k, v in content.session_start_info.hparams.items()}
    assert values == {"lr": 0.01, "batch": 64, "optimizer": "adam", "bn": 1.0, "tensor": 0.5}
    for metric, value in (("hparam/accuracy", 0.9), ("hparam/loss", 0.3)):
        assert [e.value for e in ours.Scalars(metric)] == pytest.approx([value])


def test_embedding_files(runs):
    theirs, ours = runs
    for path in ("projector_config.pbtxt", "00003/feat%2f1/tensors.tsv",
                 "00003/feat%2f1/metadata.tsv", "00000/default/tensors.tsv",
                 "00000/default/metadata.tsv"):
        assert (ours / path).read_text() == (theirs / path).read_text(), path
    ours_sprite = np.asarray(Image.open(ours / "00003/feat%2f1/sprite.png"))
    assert np.array_equal(ours_sprite, np.asarray(Image.open(theirs / "00003/feat%2f1/sprite.png")))
    rows = [[float(v) for v in line.split("\t")]
            for line in (ours / "00003/feat%2f1/tensors.tsv").read_text().splitlines()]
    assert np.array_equal(np.array(rows, dtype=np.float32), DATA["points"])


def test_default_log_dir_and_reopen(tmp_path, monkeypatch):
    import socket
    monkeypatch.chdir(tmp_path)
    writer = SummaryWriter(comment="_lr0.1")
    (run,) = os.listdir(tmp_path / "runs")
    assert run.endswith("_" + socket.gethostname() + "_lr0.1")
    assert writer.get_logdir() == os.path.join("runs", run)
    writer.add_scalar("x", 1.0, 0)
    writer.close()
    writer.add_scalar("x", 2.0, 1)                 # after close: a new event file
    writer.flush()
    writer.close()
    assert _event_file_count(tmp_path / "runs" / run) == 2
    values = [(e.step, e.value) for e in _load(tmp_path / "runs" / run).Scalars("x")]
    assert values == [(0, 1.0), (1, 2.0)]


def test_purge_step_and_figure(tmp_path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    figure = plt.figure(figsize=(2, 1), dpi=50)
    plt.plot([0, 1], [1, 0])
    with SummaryWriter(str(tmp_path), purge_step=4) as writer:
        writer.add_figure("curve", figure, 4)
    image = _load(tmp_path).Images("curve")[0]
    assert (image.width, image.height) == (100, 50)
    assert _pixels(image).shape == (50, 100, 3)


def test_errors_as_pytorch():
    with pytest.raises(AssertionError, match="Tensor should contain one element"):
        glasstorch.utils.tensorboard.summary.scalar("x", glasstorch.ones(2))
    with pytest.raises(ValueError, match="The input has no element"):
        glasstorch.utils.tensorboard.summary.histogram("x", glasstorch.ones(0), 10)
    with pytest.raises(AssertionError, match="size of input tensor and input format"):
        glasstorch.utils.tensorboard.summary.image("x", glasstorch.ones(2, 2), dataformats="CHW")
    with pytest.raises(TypeError, match="should be dictionary"):
        SummaryWriter.add_hparams(None, [], {})


class _Residual:
    """The same small residual model in either library (F.relu and + outside modules)."""

    @staticmethod
    def build(lib):
        nn, F = lib.nn, lib.nn.functional

        class Residual(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc1 = nn.Linear(4, 4)
                self.fc2 = nn.Linear(4, 4)
                self.head = nn.Sequential(nn.ReLU(), nn.Linear(4, 2))

            def forward(self, x):
                return self.head(self.fc2(F.relu(self.fc1(x))) + x)

        return Residual()


def _graph_nodes(path):
    return {node.name: node for node in _load(path).Graph().node}


def test_add_graph_module_nodes_and_data_flow(tmp_path):
    for lib, writer_class, folder in ((torch, TorchWriter, "torch"),
                                      (glasstorch, SummaryWriter, "glass")):
        with writer_class(str(tmp_path / folder)) as writer:
            writer.add_graph(_Residual.build(lib), lib.tensor(DATA["points"][:3]))
    ours = _graph_nodes(tmp_path / "glass")
    inputs = {name: list(node.input) for name, node in ours.items()}
    assert inputs == {
        "input/input.1": [],
        "Residual/Linear[fc1]": ["input/input.1"],
        "Residual/Linear[fc2]": ["Residual/Linear[fc1]"],
        "Residual/Sequential[head]/ReLU[0]": ["Residual/Linear[fc2]", "input/input.1"],
        "Residual/Sequential[head]/Linear[1]": ["Residual/Sequential[head]/ReLU[0]"],
        "output/output.1": ["Residual/Sequential[head]/Linear[1]"]}
    assert ours["Residual/Linear[fc1]"].op == "Linear"
    assert ours["input/input.1"].op == ours["output/output.1"].op == "IO Node"
    shape = ours["output/output.1"].attr["_output_shapes"].list.shape[0]
    assert [d.size for d in shape.dim] == [3, 2]
    # PyTorch's traced graph places its ops in the same module scopes (plus, in the model's
    # own scope, the relu and + of forward, which glasstorch's graph passes through)
    theirs = _graph_nodes(tmp_path / "torch")
    scopes = {name.rsplit("/", 1)[0] for name, node in theirs.items()
              if node.op.startswith("aten::")}
    assert scopes == {"Residual"} | {name for name in ours
                                     if not name.startswith(("input", "output"))}
    with pytest.raises(ValueError, match="input_to_model"):
        SummaryWriter(str(tmp_path / "none")).add_graph(_Residual.build(glasstorch))
