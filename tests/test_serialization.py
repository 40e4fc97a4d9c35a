"""glasstorch.save / glasstorch.load against real PyTorch: each side loads what the other saved.

Expected values always come from the other library (torch.load of our file, or the tensors
torch saved), never from glasstorch reading its own output alone.
"""
import io
import json
import os
import pathlib
import pickle
import re
import shutil
import signal
import stat
import struct
import subprocess
import sys
import tempfile
import time
import tracemalloc
import warnings
import zipfile
from collections import Counter, OrderedDict

import numpy as np
import pytest
import torch

import glasstorch as gt

DTYPES = ["float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool",
          "complex64"]
RNG = np.random.default_rng(7)


def sample(shape, dtype):
    if dtype == "bool":
        return RNG.random(shape) > 0.5
    if dtype.startswith(("int", "uint")):
        lo = 0 if dtype.startswith("u") else -100
        return RNG.integers(lo, 100, size=shape).astype(dtype)
    if dtype.startswith("complex"):
        return (RNG.standard_normal(shape) + 1j * RNG.standard_normal(shape)).astype(dtype)
    return RNG.standard_normal(shape).astype(dtype)


def assert_tensor_equal(ours, theirs):
    """A glasstorch tensor equals a torch tensor: class, dtype, shape, values, requires_grad."""
    assert isinstance(ours, gt.Tensor) and isinstance(theirs, torch.Tensor)
    assert str(ours.dtype) == str(theirs.dtype)
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert ours.requires_grad == theirs.requires_grad
    assert isinstance(ours, gt.nn.Parameter) == isinstance(theirs, torch.nn.Parameter)
    np.testing.assert_array_equal(ours.detach().numpy(), theirs.detach().numpy())


def assert_same_tree(ours, theirs):
    """Same nested structure (container types, keys, order) with equal tensors and leaves."""
    if isinstance(theirs, torch.Tensor):
        assert_tensor_equal(ours, theirs)
    elif isinstance(theirs, dict):
        assert type(ours) is type(theirs)
        assert list(ours.keys()) == list(theirs.keys())
        for k in theirs:
            assert_same_tree(ours[k], theirs[k])
    elif isinstance(theirs, torch.Size):
        assert isinstance(ours, gt.Size) and tuple(ours) == tuple(theirs)
    elif isinstance(theirs, (list, tuple)):
        assert type(ours) is type(theirs) and len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            assert_same_tree(a, b)
    elif isinstance(theirs, (torch.dtype, torch.device)):
        assert isinstance(ours, (gt.dtype, gt.device)) and str(ours) == str(theirs)
    else:
        assert type(ours) is type(theirs) and ours == theirs


def gt_to_torch(obj, tmp_path, name="ckpt.pt"):
    """Save with glasstorch, load with torch (weights_only=True: torch's own safety check)."""
    path = tmp_path / name
    gt.save(obj, path)
    return torch.load(path, weights_only=True)


def torch_to_gt(obj, tmp_path, name="ckpt.pt", **load_kwargs):
    path = tmp_path / name
    torch.save(obj, path)
    return gt.load(path, **load_kwargs)


def rewrite_zip(data, change):
    """Copy a zip archive, replacing records: change maps a name suffix to new bytes or None
    (drop the record)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as dst:
        for info in src.infolist():
            body = src.read(info)
            for suffix, new in change.items():
                if info.filename.endswith(suffix):
                    body = new
            if body is not None:
                dst.writestr(info.filename, body)
    return out.getvalue()


def record_offsets(path):
    """Where each record's bytes start in the file (from the local headers)."""
    with open(path, "rb") as fh, zipfile.ZipFile(path) as zf:
        offsets = {}
        for info in zf.infolist():
            fh.seek(info.header_offset)
            header = fh.read(30)
            n, e = struct.unpack("<HH", header[26:30])
            offsets[info.filename] = info.header_offset + 30 + n + e
        return offsets


# ---------------------------------------------------------------------------------------------
# glasstorch saves -> torch loads
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(3, 4), (), (0, 5)])
def test_tensor_every_dtype_to_torch(tmp_path, dtype, shape):
    x = sample(shape, dtype)
    got = gt_to_torch(gt.tensor(x), tmp_path)
    expected = torch.tensor(x)
    assert got.dtype == expected.dtype and got.shape == expected.shape
    np.testing.assert_array_equal(got.numpy(), x)
    # and back: torch re-saves what it read, glasstorch loads it
    back = torch_to_gt(got, tmp_path, "back.pt")
    assert_tensor_equal(back, got)


def test_requires_grad_and_parameter_to_torch(tmp_path):
    w = gt.nn.Parameter(gt.tensor(sample((2, 3), "float32")))
    frozen = gt.nn.Parameter(gt.tensor(sample((3,), "float64")), requires_grad=False)
    leaf = gt.tensor(sample((4,), "float32"), requires_grad=True)
    got = gt_to_torch({"w": w, "frozen": frozen, "leaf": leaf}, tmp_path)
    assert isinstance(got["w"], torch.nn.Parameter) and got["w"].requires_grad
    assert isinstance(got["frozen"], torch.nn.Parameter) and not got["frozen"].requires_grad
    assert type(got["leaf"]) is torch.Tensor and got["leaf"].requires_grad
    for key, t in {"w": w, "frozen": frozen, "leaf": leaf}.items():
        assert_tensor_equal(t, got[key])


def test_non_contiguous_and_views_share_storage_in_torch(tmp_path):
    base = gt.tensor(sample((4, 6), "float32"))
    views = {"base": base, "row": base[2], "cols": base[:, 1::2], "t": base.t(),
             "flat": base.reshape(-1), "block": base[1:3, 2:5]}
    got = gt_to_torch(views, tmp_path)
    ptr = got["base"].untyped_storage().data_ptr()
    for key, t in views.items():
        np.testing.assert_array_equal(got[key].numpy(), t.numpy())
        assert got[key].untyped_storage().data_ptr() == ptr, key  # one storage for all views
    assert got["row"].storage_offset() == 12 and got["t"].stride() == (1, 6)
    with zipfile.ZipFile(tmp_path / "ckpt.pt") as zf:
        assert [n for n in zf.namelist() if "/data/" in n] == ["ckpt/data/0"]
    got["base"][2, 0] = 123.0  # memory really is shared after loading
    assert got["row"][0].item() == 123.0


def test_same_tensor_twice_is_one_storage_and_one_object(tmp_path):
    t = gt.tensor(sample((5,), "float32"))
    got = gt_to_torch([t, t, {"again": t}], tmp_path)
    assert got[0] is got[1] is got[2]["again"]
    with zipfile.ZipFile(tmp_path / "ckpt.pt") as zf:
        assert len([n for n in zf.namelist() if "/data/" in n]) == 1
    ours = gt.load(tmp_path / "ckpt.pt")
    assert ours[0] is ours[1] is ours[2]["again"]


def test_negative_stride_view_is_saved_as_a_copy(tmp_path):
    arr = sample((6,), "float32")
    t = gt.from_numpy(arr[::-2])  # NumPy view with a negative stride (torch has none)
    got = gt_to_torch(t, tmp_path)
    np.testing.assert_array_equal(got.numpy(), arr[::-2])


def test_nested_containers_to_torch(tmp_path):
    x = gt.tensor(sample((2, 2), "float32"))
    obj = {"list": [1, 2.5, None, True, "text", x], "tuple": (x, (3, "deep")),
           "nested": {"a": {"b": [x[0]]}}, "bytes": b"\x00\xffraw", "neg": -7,
           "big": 2 ** 70, "float": float("inf"), "complex": 1 + 2j, "set": {1, 2, 3},
           "dtype": gt.float64, "size": gt.Size([2, 3]), "device": gt.device("cpu")}
    got = gt_to_torch(obj, tmp_path)
    assert got["bytes"] == b"\x00\xffraw" and got["big"] == 2 ** 70 and got["set"] == {1, 2, 3}
    assert got["dtype"] is torch.float64 and got["size"] == torch.Size([2, 3])
    assert got["device"] == torch.device("cpu") and got["complex"] == 1 + 2j
    assert got["list"][:5] == [1, 2.5, None, True, "text"] and got["float"] == float("inf")
    assert got["tuple"][1] == (3, "deep")
    np.testing.assert_array_equal(got["nested"]["a"]["b"][0].numpy(), x[0].numpy())
    # glasstorch reads the same file back into the same tree torch sees
    assert_same_tree(gt.load(tmp_path / "ckpt.pt"), got)


def test_state_dict_loads_into_torch_module(tmp_path):
    lin = gt.nn.Linear(3, 2)
    sd = lin.state_dict()
    sd = OrderedDict((f"0.{k}", v) for k, v in sd.items())
    sd["1.running_mean"] = gt.zeros(2)
    sd["1.running_var"] = gt.ones(2)
    sd["1.num_batches_tracked"] = gt.tensor(5)
    sd["1.weight"] = gt.ones(2)
    sd["1.bias"] = gt.zeros(2)
    sd._metadata = OrderedDict([("", {"version": 1}), ("0", {"version": 1})])
    got = gt_to_torch(sd, tmp_path)
    assert type(got) is OrderedDict and list(got) == list(sd)
    assert got._metadata == sd._metadata
    model = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.BatchNorm1d(2))
    model.load_state_dict(got)  # strict: every key and shape must match
    np.testing.assert_array_equal(model[0].weight.detach().numpy(), lin.weight.detach().numpy())
    assert model[1].num_batches_tracked.item() == 5


def test_glasstorch_optimizer_state_to_torch(tmp_path):
    w = gt.nn.Parameter(gt.tensor(sample((3, 2), "float32")))
    b = gt.nn.Parameter(gt.tensor(sample((2,), "float32")))
    opt = gt.optim.Adam([w, b], lr=0.01, betas=(0.8, 0.9))
    ((gt.tensor(sample((4, 3), "float32")) @ w + b) ** 2).sum().backward()
    opt.step()
    sd = opt.state_dict()
    got = gt_to_torch(sd, tmp_path)
    assert_same_tree(gt.load(tmp_path / "ckpt.pt"), got)
    group = got["param_groups"][0]
    assert group["betas"] == (0.8, 0.9) and group["params"] == [0, 1] and group["lr"] == 0.01
    for i in (0, 1):
        for key, value in sd["state"][i].items():
            assert_tensor_equal(value, got["state"][i][key])


def test_optimizer_like_dict_round_trips_in_glasstorch(tmp_path):
    state = {"state": {0: {"step": gt.tensor(3.0), "exp_avg": gt.zeros(2, 2),
                           "momentum_buffer": None}},
             "param_groups": [{"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "amsgrad": False,
                               "foreach": None, "name": "g0", "params": [0]}]}
    gt.save(state, tmp_path / "opt.pt")
    ours = gt.load(tmp_path / "opt.pt")
    theirs = torch.load(tmp_path / "opt.pt", weights_only=True)
    assert_same_tree(ours, theirs)
    assert ours["param_groups"] == theirs["param_groups"]


# ---------------------------------------------------------------------------------------------
# torch saves -> glasstorch loads
# ---------------------------------------------------------------------------------------------
def test_torch_sequential_state_dict(tmp_path):
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.BatchNorm2d(2),
                                torch.nn.Flatten(), torch.nn.Linear(8, 3))
    model(torch.randn(2, 1, 4, 4))  # train mode: running stats and num_batches_tracked move
    sd = model.state_dict()
    got = torch_to_gt(sd, tmp_path)
    assert type(got) is OrderedDict and list(got) == list(sd)
    assert got._metadata == sd._metadata
    assert_same_tree(got, sd)


def test_torch_parameters_and_views(tmp_path):
    base = torch.randn(4, 5)
    obj = {"p": torch.nn.Parameter(torch.randn(3)), "base": base, "row": base[1],
           "t": base.t(), "step": base[:, ::2], "off": base[2:, 1:]}
    got = torch_to_gt(obj, tmp_path)
    assert_same_tree(got, obj)
    got["base"][1, 0] = 77.0  # views of one storage share memory in glasstorch too
    assert got["row"][0].item() == 77.0 and got["t"][0, 1].item() == 77.0


@pytest.mark.parametrize("dtype", DTYPES + ["complex128"])
def test_torch_tensor_every_dtype(tmp_path, dtype):
    x = torch.from_numpy(sample((2, 3), dtype))
    got = torch_to_gt({"x": x, "scalar": x[1, 2].clone(), "empty": x[:0]}, tmp_path)
    for key in ("x", "scalar", "empty"):
        expected = {"x": x, "scalar": x[1, 2], "empty": x[:0]}[key]
        assert_tensor_equal(got[key], expected)


def test_torch_adam_state_dict_loads_into_glasstorch_adam(tmp_path):
    torch.manual_seed(1)
    model = torch.nn.Linear(3, 2)
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    model(torch.randn(4, 3)).pow(2).sum().backward()
    opt.step()
    sd = opt.state_dict()
    got = torch_to_gt(sd, tmp_path)
    assert_same_tree(got, sd)
    # the loaded dict drives a glasstorch Adam, which then takes the same step as torch's
    w = gt.nn.Parameter(gt.tensor(model.weight.detach().numpy().copy()))
    b = gt.nn.Parameter(gt.tensor(model.bias.detach().numpy().copy()))
    ours = gt.optim.Adam([w, b], lr=0.05)
    ours.load_state_dict(got)
    gw, gb = torch.randn(2, 3), torch.randn(2)
    model.weight.grad, model.bias.grad = gw.clone(), gb.clone()
    w.grad, b.grad = gt.tensor(gw.numpy()), gt.tensor(gb.numpy())
    opt.step()
    ours.step()
    np.testing.assert_allclose(w.detach().numpy(), model.weight.detach().numpy(), rtol=1e-5,
                               atol=1e-6)


@pytest.mark.parametrize("map_location", ["cpu", torch.device("cpu"), {"cuda:0": "cpu"},
                                          lambda storage, loc: storage, None])
def test_map_location_forms(tmp_path, map_location):
    if isinstance(map_location, torch.device):
        map_location = gt.device("cpu")
    x = torch.randn(3)
    got = torch_to_gt({"x": x}, tmp_path, map_location=map_location)
    assert_tensor_equal(got["x"], x)


def test_mmap_load(tmp_path):
    sd = {"a": torch.randn(100, 7), "b": torch.arange(10)}
    got = torch_to_gt(sd, tmp_path, mmap=True)
    assert_same_tree(got, sd)
    got["a"][0, 0] = 5.0  # copy-on-write: the file keeps its bytes
    assert torch.load(tmp_path / "ckpt.pt")["a"][0, 0].item() == sd["a"][0, 0].item()
    with pytest.raises(ValueError, match="mmap"):
        gt.load(io.BytesIO((tmp_path / "ckpt.pt").read_bytes()), mmap=True)


def test_big_endian_record_is_byteswapped(tmp_path):
    x = sample((3, 2), "float32")
    gt.save({"x": gt.tensor(x), "i": gt.tensor([1, 2], dtype=gt.int64)}, tmp_path / "le.pt")
    data = (tmp_path / "le.pt").read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        swapped = {n: np.frombuffer(zf.read(n), dt).byteswap().tobytes()
                   for n, dt in zip(sorted(x for x in zf.namelist() if "/data/" in x),
                                    ["<f4", "<i8"])}
    change = {"/byteorder": b"big", **{n: b for n, b in swapped.items()}}
    (tmp_path / "be.pt").write_bytes(rewrite_zip(data, change))
    assert_same_tree(gt.load(tmp_path / "be.pt"), torch.load(tmp_path / "be.pt"))


# ---------------------------------------------------------------------------------------------
# Forms of f, the file layout
# ---------------------------------------------------------------------------------------------
def test_file_objects_both_ways():
    x = gt.tensor(sample((2, 3), "float64"))
    buf = io.BytesIO()
    gt.save({"x": x}, buf)
    buf.seek(0)
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as zf:
        assert zf.namelist()[0] == "archive/data.pkl"
    theirs = torch.load(buf, weights_only=True)
    np.testing.assert_array_equal(theirs["x"].numpy(), x.numpy())
    buf2 = io.BytesIO()
    torch.save(theirs, buf2)
    buf2.seek(0)
    assert_same_tree(gt.load(buf2), theirs)


@pytest.mark.parametrize("as_type", [str, pathlib.Path])
def test_path_forms_and_layout(tmp_path, as_type):
    path = as_type(tmp_path / "model.pth")
    gt.save({"w": gt.ones(3, 5), "i": gt.arange(7)}, path)
    theirs = torch.load(path, weights_only=True)
    assert theirs["w"].shape == (3, 5) and theirs["i"].tolist() == list(range(7))
    torch.save(theirs, tmp_path / "torch.pth")
    with zipfile.ZipFile(path) as ours, zipfile.ZipFile(tmp_path / "torch.pth") as ref:
        # the same records as torch writes, in the same order, under the file's stem
        assert [n.split("/", 1)[1] for n in ours.namelist()] == \
               [n.split("/", 1)[1] for n in ref.namelist()]
        assert ours.namelist()[0] == "model/data.pkl"
        assert {i.compress_type for i in ours.infolist()} == {zipfile.ZIP_STORED}
        for name in ("byteorder", "version", ".format_version", ".storage_alignment"):
            assert ours.read("model/" + name) == ref.read("torch/" + name)
    for name, offset in record_offsets(path).items():
        assert offset % 64 == 0, name  # storages aligned like torch's


# ---------------------------------------------------------------------------------------------
# Atomic writes
# ---------------------------------------------------------------------------------------------
class Unpicklable:
    def __reduce__(self):
        raise RuntimeError("cannot pickle this on purpose")


def test_failed_save_leaves_existing_file_and_no_temp(tmp_path):
    path = tmp_path / "ckpt.pt"
    gt.save({"x": gt.ones(3)}, path)
    before = path.read_bytes()
    with pytest.raises(RuntimeError, match="on purpose"):
        gt.save({"x": gt.zeros(1000), "bad": Unpicklable()}, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["ckpt.pt"]


def test_crash_while_writing_leaves_existing_file_and_no_temp(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.pt"
    gt.save({"x": gt.ones(3)}, path)
    before = path.read_bytes()

    def disk_full(fd):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError, match="No space"):
        gt.save({"x": gt.zeros(1000)}, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["ckpt.pt"]
    np.testing.assert_array_equal(torch.load(path)["x"].numpy(), np.ones(3, np.float32))


def test_save_to_missing_folder(tmp_path):
    with pytest.raises(RuntimeError, match="Parent directory .* does not exist"):
        gt.save(gt.ones(1), tmp_path / "no_such_dir" / "x.pt")
    with pytest.raises(RuntimeError):
        torch.save(torch.ones(1), tmp_path / "no_such_dir" / "x.pt")


def test_failed_save_to_file_object_writes_nothing():
    buf = io.BytesIO()
    with pytest.raises(RuntimeError, match="on purpose"):
        gt.save([gt.ones(2), Unpicklable()], buf)
    assert buf.getvalue() == b""


# ---------------------------------------------------------------------------------------------
# Saving over existing files: permissions, read-only targets, stale temporaries. Each test uses
# real processes (another user, a killed or stopped writer) and real files.
# ---------------------------------------------------------------------------------------------
SRC = str(pathlib.Path(__file__).resolve().parents[1] / "src")
NOBODY = 65534


def run_python(code, *args):
    """Start `code` in a new Python process that can import glasstorch."""
    env = {**os.environ, "PYTHONPATH": SRC}
    return subprocess.Popen([sys.executable, "-c", code, *map(str, args)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.fixture
def shared_dir():
    """A folder that try_both's user owns (under root, pytest's tmp_path is root-only)."""
    folder = pathlib.Path(tempfile.mkdtemp(prefix="gt-save-"))
    if os.geteuid() == 0:
        os.chown(folder, NOBODY, NOBODY)
    yield folder
    os.chmod(folder, 0o700)
    shutil.rmtree(folder)


def own(path):
    if os.geteuid() == 0:
        os.chown(path, NOBODY, NOBODY)


_TRY_BOTH = """
import encodings.cp437, json, os, sys  # (zipfile's codec, imported while it can be read)
import torch, glasstorch
path, nobody, results = sys.argv[1], int(sys.argv[2]), {}
if os.geteuid() == 0:  # root may write any file: become a user the kernel holds to permissions
    os.setgroups([])
    os.setgid(nobody)
    os.setuid(nobody)
for name, lib in (("torch", torch), ("glasstorch", glasstorch)):
    try:
        lib.save(lib.full((3,), 7.0), path)
        results[name] = ["saved", lib.load(path).tolist()]
    except Exception as exc:
        results[name] = [type(exc).__name__, str(exc)]
print(json.dumps(results))
"""


def try_both(path):
    """torch.save then glasstorch.save to `path` as an unprivileged user: what each did."""
    proc = run_python(_TRY_BOTH, path, NOBODY)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    return json.loads(out)


def test_read_only_file_is_not_replaced(shared_dir):
    path = shared_dir / "model.pt"
    torch.save(torch.zeros(2), path)
    own(path)
    os.chmod(path, 0o444)
    before = path.read_bytes()
    got = try_both(path)
    assert got["torch"][0] == "RuntimeError" and "Permission denied" in got["torch"][1]
    assert got["glasstorch"][0] == "RuntimeError", got
    assert "Permission denied" in got["glasstorch"][1] and str(path) in got["glasstorch"][1]
    assert path.read_bytes() == before and stat.S_IMODE(os.stat(path).st_mode) == 0o444
    assert os.listdir(shared_dir) == ["model.pt"]  # no temporary left behind


def test_read_only_folder(shared_dir):
    # a new file in a read-only folder: refused by both
    os.chmod(shared_dir, 0o555)
    got = try_both(shared_dir / "new.pt")
    assert got["torch"][0] == got["glasstorch"][0] == "RuntimeError", got
    assert "Permission denied" in got["torch"][1] and "Permission denied" in got["glasstorch"][1]
    assert os.listdir(shared_dir) == []
    # a writable file in a read-only folder: torch overwrites it in place, and so do we
    os.chmod(shared_dir, 0o755)
    path = shared_dir / "model.pt"
    torch.save(torch.zeros(2), path)
    own(path)
    os.chmod(shared_dir, 0o555)
    got = try_both(path)
    assert got == {"torch": ["saved", [7.0] * 3], "glasstorch": ["saved", [7.0] * 3]}
    assert os.listdir(shared_dir) == ["model.pt"]


_WATCH = """
import os, stat, sys
folder, stop = sys.argv[1], sys.argv[2]
seen, widest = 0, 0
print("ready", flush=True)
while not os.path.exists(stop):
    for entry in os.scandir(folder):
        if entry.name.endswith(".tmp"):
            try:
                mode = stat.S_IMODE(os.lstat(entry.path).st_mode)
            except FileNotFoundError:
                continue
            seen, widest = seen + 1, widest | mode
print(seen, widest)
"""


def test_temporary_is_never_wider_than_the_private_file_it_replaces(tmp_path):
    # another process watches the folder while a private (0600) checkpoint is overwritten
    # again and again: it must never see a temporary another user could read
    folder = tmp_path / "shared"
    folder.mkdir()
    path, stop = folder / "model.pt", tmp_path / "stop"
    gt.save(gt.zeros(1), path)
    os.chmod(path, 0o600)
    old_umask = os.umask(0o022)  # a plain open() would create 0644 files
    watcher = run_python(_WATCH, folder, stop)
    try:
        assert watcher.stdout.readline() == "ready\n"
        for i in range(150):
            gt.save({"w": gt.full((64, 1024), float(i))}, path)
    finally:
        os.umask(old_umask)
        stop.touch()
        out, err = watcher.communicate(timeout=60)
    seen, widest = map(int, out.split())
    assert seen > 0, "the watcher never saw a temporary: the test proves nothing"
    assert widest & 0o077 == 0, f"a temporary had mode {oct(widest)}"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert torch.load(path)["w"][0, 0].item() == 149.0


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o666])
def test_new_and_replaced_file_permissions(tmp_path, mode):
    # a new file gets what the umask gives, like open(); a replaced one keeps its mode
    old_umask = os.umask(0o027)
    try:
        gt.save(gt.ones(1), tmp_path / "new.pt")
        torch.save(torch.ones(1), tmp_path / "new_torch.pt")
        assert stat.S_IMODE(os.stat(tmp_path / "new.pt").st_mode) == \
            stat.S_IMODE(os.stat(tmp_path / "new_torch.pt").st_mode) == 0o640
        os.chmod(tmp_path / "new.pt", mode)
        gt.save(gt.zeros(2), tmp_path / "new.pt")  # the umask may not narrow it
        assert stat.S_IMODE(os.stat(tmp_path / "new.pt").st_mode) == mode
    finally:
        os.umask(old_umask)


def test_a_pipe_or_a_folder_is_written_to_not_replaced(tmp_path):
    # torch.save opens the path and writes: a named pipe stays a pipe (as /dev/null stays a
    # device); a folder is an error
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE)
    gt.save({"w": gt.arange(5)}, fifo)
    data, _ = reader.communicate(timeout=60)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert torch.load(io.BytesIO(data))["w"].tolist() == list(range(5))
    with pytest.raises(RuntimeError, match="Is a directory"):
        torch.save(torch.ones(1), tmp_path)
    with pytest.raises(RuntimeError, match="Is a directory"):
        gt.save(gt.ones(1), tmp_path)
    assert os.listdir(tmp_path) == ["pipe"]


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a file to another user")
def test_replacing_keeps_owner_and_group_like_torchs_in_place_write(tmp_path):
    for lib, name in ((torch, "theirs.pt"), (gt, "ours.pt")):
        path = tmp_path / name
        lib.save(lib.zeros(1), path)
        os.chown(path, NOBODY, NOBODY)
        os.chmod(path, 0o640)
        lib.save(lib.ones(1), path)
    theirs, ours = os.stat(tmp_path / "theirs.pt"), os.stat(tmp_path / "ours.pt")
    assert (ours.st_uid, ours.st_gid, ours.st_mode) == \
        (theirs.st_uid, theirs.st_gid, theirs.st_mode) == (NOBODY, NOBODY, theirs.st_mode)
    assert stat.S_IMODE(ours.st_mode) == 0o640


_SAVE_OVER = """
import encodings.cp437, os, sys
import glasstorch
path, nobody = sys.argv[1], int(sys.argv[2])
if os.geteuid() == 0:
    os.setgroups([])
    os.setgid(nobody)
    os.setuid(nobody)
glasstorch.save(glasstorch.ones(1), path)
"""


@pytest.mark.skipif(os.geteuid() != 0, reason="needs a file of a group the saver is not in")
def test_group_the_saver_is_not_in_gets_no_rights(shared_dir):
    # a world-writable file of root's group, replaced by `nobody`: the new file cannot belong
    # to root's group, so the group bits (which would now apply to nobody's group) are cleared
    path = shared_dir / "model.pt"
    torch.save(torch.zeros(1), path)
    os.chmod(path, 0o664 | 0o002)
    proc = run_python(_SAVE_OVER, path, NOBODY)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    st = os.stat(path)
    assert (st.st_uid, st.st_gid) == (NOBODY, NOBODY)
    assert stat.S_IMODE(st.st_mode) == 0o606
    assert torch.load(path).tolist() == [1.0]


_SAVE_FOREVER = """
import sys
import glasstorch as gt
big = {"w": gt.ones(4096, 4096)}  # 64 MB: each save takes a while
while True:
    gt.save(big, sys.argv[1])
"""


def temporaries(folder):
    return sorted(n for n in os.listdir(folder) if n.endswith(".tmp"))


def wait_for_temporary(folder, proc):
    """The name of the temporary that process `proc` is writing, once it appears."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        for name in temporaries(folder):
            if name.startswith(f".model.pt.{proc.pid}."):
                return name
        assert proc.poll() is None, proc.stderr.read()
        time.sleep(0.001)
    raise AssertionError("the writer never started a temporary")


def stop_while_writing(folder, proc):
    """SIGSTOP `proc` at a moment it has a temporary open (alive, in the middle of a save);
    the temporary's name. Between two saves it has none: then let it go on and try again."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        wait_for_temporary(folder, proc)
        proc.send_signal(signal.SIGSTOP)
        names = temporaries(folder)
        if names:
            name, = names
            return name
        proc.send_signal(signal.SIGCONT)
    raise AssertionError("the writer was never stopped in the middle of a save")


def test_stale_temporaries_of_killed_saves_are_removed(tmp_path):
    path = tmp_path / "model.pt"
    for _ in range(3):
        writer = run_python(_SAVE_FOREVER, path)
        temporary = wait_for_temporary(tmp_path, writer)
        writer.kill()  # SIGKILL in the middle of a save
        writer.communicate()
        # named after the file and the process that wrote it; the temporaries of earlier
        # killed saves were removed by this writer's save
        assert re.fullmatch(rf"\.model\.pt\.{writer.pid}\.[0-9a-f]{{6}}\.tmp", temporary)
        assert temporaries(tmp_path) == [temporary]
    # another file's temporary and a look-alike of the user's are not ours to remove
    other = tmp_path / f".other.pt.{writer.pid}.abcdef.tmp"
    other.write_bytes(b"x")
    lookalike = tmp_path / ".model.pt.backup.tmp"
    lookalike.write_bytes(b"x")
    gt.save(gt.ones(2), path)
    assert sorted(os.listdir(tmp_path)) == sorted([other.name, lookalike.name, "model.pt"])
    assert torch.load(path).tolist() == [1.0, 1.0]


def test_a_live_writers_temporary_is_left_alone(tmp_path):
    path = tmp_path / "model.pt"
    writer = run_python(_SAVE_FOREVER, path)
    try:
        temporary = stop_while_writing(tmp_path, writer)
        gt.save(gt.ones(2), path)
        assert temporaries(tmp_path) == [temporary]
        writer.send_signal(signal.SIGCONT)
        # the writer finishes that save: its temporary becomes the file
        deadline = time.monotonic() + 60
        while temporary in os.listdir(tmp_path) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert temporary not in os.listdir(tmp_path)
    finally:
        writer.kill()
        writer.communicate()
    assert torch.load(path)["w"].shape == (4096, 4096)


# ---------------------------------------------------------------------------------------------
# Truncated and corrupted files
# ---------------------------------------------------------------------------------------------
@pytest.fixture
def good_file(tmp_path):
    path = tmp_path / "good.pt"
    torch.save({"w": torch.arange(64, dtype=torch.float32), "n": 3}, path)
    return path.read_bytes()


@pytest.mark.parametrize("keep", [0.1, 0.5, 0.9, 0.99])
def test_truncated_file(tmp_path, good_file, keep):
    path = tmp_path / "cut.pt"
    path.write_bytes(good_file[:int(len(good_file) * keep)])
    with pytest.raises(RuntimeError, match="truncated or corrupted") as info:
        gt.load(path)
    assert "cut.pt" in str(info.value)
    with pytest.raises(RuntimeError):  # torch agrees it is broken
        torch.load(path)


def test_empty_file(tmp_path):
    (tmp_path / "empty.pt").write_bytes(b"")
    with pytest.raises(EOFError, match="empty"):
        gt.load(tmp_path / "empty.pt")
    with pytest.raises(EOFError):
        torch.load(tmp_path / "empty.pt")


def test_flipped_byte_in_storage_is_detected(tmp_path, good_file):
    at = good_file.find(np.arange(64, dtype=np.float32)[5:9].tobytes())
    bad = bytearray(good_file)
    bad[at + 1] ^= 0xFF
    (tmp_path / "flip.pt").write_bytes(bytes(bad))
    with pytest.raises(RuntimeError, match="data/0.*corrupted"):
        gt.load(tmp_path / "flip.pt")


def test_missing_data_pkl(tmp_path, good_file):
    (tmp_path / "nopkl.pt").write_bytes(rewrite_zip(good_file, {"data.pkl": None}))
    with pytest.raises(RuntimeError, match="data.pkl") as info:
        gt.load(tmp_path / "nopkl.pt")
    assert "nopkl.pt" in str(info.value)


@pytest.mark.parametrize("new_size", [0, 100, 300])
def test_storage_record_of_wrong_size(tmp_path, good_file, new_size):
    short = rewrite_zip(good_file, {"data/0": bytes(new_size)})
    (tmp_path / "short.pt").write_bytes(short)
    with pytest.raises(RuntimeError, match="has %d bytes but .* declares 256 bytes" % new_size):
        gt.load(tmp_path / "short.pt")


def test_missing_storage_record(tmp_path, good_file):
    (tmp_path / "nodata.pt").write_bytes(rewrite_zip(good_file, {"data/0": None}))
    with pytest.raises(RuntimeError, match="data/0.* is missing"):
        gt.load(tmp_path / "nodata.pt")


def test_not_a_checkpoint_and_legacy_format(tmp_path):
    (tmp_path / "junk.pt").write_bytes(b"hello world" * 10)
    with pytest.raises(RuntimeError, match="not a PyTorch checkpoint"):
        gt.load(tmp_path / "junk.pt")
    torch.save(torch.ones(2), tmp_path / "legacy.pt", _use_new_zipfile_serialization=False)
    with pytest.raises(RuntimeError, match="legacy format"):
        gt.load(tmp_path / "legacy.pt")


def test_corrupted_pickle(tmp_path, good_file):
    with zipfile.ZipFile(io.BytesIO(good_file)) as zf:
        pkl = zf.read("good/data.pkl")
    (tmp_path / "badpkl.pt").write_bytes(rewrite_zip(good_file, {"data.pkl": pkl[:-20]}))
    with pytest.raises(pickle.UnpicklingError, match="badpkl.pt"):
        gt.load(tmp_path / "badpkl.pt")


def _archive(pickled, records=()):
    """A checkpoint-shaped zip with the given data.pkl bytes and extra records."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("archive/data.pkl", pickled)
        zf.writestr("archive/byteorder", b"little")
        for name, body in records:
            zf.writestr("archive/" + name, body)
        zf.writestr("archive/version", b"3\n")
    return out.getvalue()


def test_out_of_bounds_tensor_geometry_is_refused(tmp_path):
    # a tensor record claiming 100 elements of a 4-element storage: must not read past it
    buf = io.BytesIO()
    gt.save(gt.ones(4), buf)
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as zf:
        pkl = zf.read("archive/data.pkl")
        storage = zf.read("archive/data/0")
    evil = pkl.replace(b"K\x04\x85", b"Kd\x85", 1)  # size (4,) -> (100,)
    assert evil != pkl
    path = tmp_path / "oob.pt"
    path.write_bytes(_archive(evil, [("data/0", storage)]))
    with pytest.raises(RuntimeError, match="out of bounds"):
        gt.load(path)
    with pytest.raises(RuntimeError):
        torch.load(path)


# ---------------------------------------------------------------------------------------------
# weights_only: nothing from the file is executed
# ---------------------------------------------------------------------------------------------
class Payload:
    """Pickles as a call to os.system that creates a marker file."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"echo pwned > '{self.marker}'",)


def test_malicious_pickle_is_refused_and_never_runs(tmp_path):
    marker = tmp_path / "marker"
    evil = tmp_path / "evil.pt"
    evil.write_bytes(_archive(pickle.dumps({"w": Payload(marker)}, protocol=2)))
    with pytest.raises(pickle.UnpicklingError, match=r"Unsupported global: GLOBAL \S*system"):
        gt.load(evil)
    with pytest.raises(pickle.UnpicklingError, match="Weights only load failed"):
        gt.load(evil, weights_only=True)
    assert not marker.exists()
    with pytest.raises(pickle.UnpicklingError):
        torch.load(evil, weights_only=True)  # the oracle refuses it as well
    # the payload is real: an unrestricted load would have run it
    gt.load(evil, weights_only=False)
    assert marker.exists()


class Tiny:
    def __init__(self, value):
        self.value = value


@pytest.mark.parametrize("make", [
    lambda: pickle.dumps(Tiny(3), protocol=2),                       # class via copyreg
    lambda: b"\x80\x02cbuiltins\neval\nX\x06\x00\x00\x001 + 1q\x00\x85R.",   # eval("1 + 1")
    lambda: b"\x80\x02cbuiltins\ngetattr\n.",                          # a dangerous builtin
    lambda: b"\x80\x02c_codecs\nencode\nX\x01\x00\x00\x00aX\x04\x00\x00\x00zlib\x86R.",
])
def test_weights_only_refuses_other_globals(make):
    with pytest.raises(pickle.UnpicklingError, match="Weights only load failed|not allowed"):
        gt.load(io.BytesIO(_archive(make())))


def test_build_on_a_tensor_is_refused():
    # a valid tensor, then BUILD with attribute state: would overwrite the tensor's slots
    buf = io.BytesIO()
    gt.save(gt.ones(2), buf)
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as zf:
        pkl, storage = zf.read("archive/data.pkl"), zf.read("archive/data/0")
    evil = pkl[:-1] + b"N}X\x05\x00\x00\x00_dataK\x01s\x86b."
    with pytest.raises(pickle.UnpicklingError, match="BUILD"):
        gt.load(io.BytesIO(_archive(evil, [("data/0", storage)])))


# ---------------------------------------------------------------------------------------------
# weights_only: a small file cannot make load allocate much. Hand-made pickles declare huge
# sizes; the load must fail with a clear error while Python allocates next to nothing (traced
# with tracemalloc, which also sees allocations the OS has not backed with memory yet).
# ---------------------------------------------------------------------------------------------
GiB = 1 << 30
P2 = b"\x80\x02"  # PROTO 2, as torch.save writes


def peak_allocation(load):
    """(exception raised by `load()`, peak bytes Python allocated meanwhile)."""
    tracemalloc.start()
    try:
        try:
            load()
        except Exception as exc:  # noqa: BLE001  (the caller checks what it was)
            error = exc
        else:
            error = None
        return error, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def refused_cheaply(path_or_data, match, error_type=pickle.UnpicklingError):
    if isinstance(path_or_data, bytes):
        error, peak = peak_allocation(lambda: gt.load(io.BytesIO(path_or_data)))
    else:
        error, peak = peak_allocation(lambda: gt.load(path_or_data))
    assert isinstance(error, error_type), repr(error)
    assert re.search(match, str(error)), str(error)
    assert peak < 16 << 20, f"load allocated {peak >> 20} MB before failing"
    return error


# opcodes torch's weights-only unpickler does not accept, each declaring a 1 GiB argument
@pytest.mark.parametrize("name,pkl", [
    ("BINBYTES8", b"\x80\x04\x8e" + struct.pack("<Q", GiB) + b"x" * 64 + b"."),
    ("BINUNICODE8", b"\x80\x04\x8d" + struct.pack("<Q", GiB) + b"x" * 64 + b"."),
    ("BYTEARRAY8", b"\x80\x05\x96" + struct.pack("<Q", GiB) + b"x" * 64 + b"."),
    ("BINBYTES", P2 + b"B" + struct.pack("<I", GiB) + b"x" * 64 + b"."),
    ("SHORT_BINBYTES", P2 + b"C\xff" + b"x" * 64 + b"."),
    ("FRAME", b"\x80\x04\x95" + struct.pack("<Q", GiB) + b"N."),
    ("LONG4", P2 + b"\x8b" + struct.pack("<i", GiB) + b"x" * 64 + b"."),
    ("BINSTRING", P2 + b"T" + struct.pack("<i", GiB) + b"x" * 64 + b"."),
    ("SHORT_BINUNICODE", b"\x80\x04\x8c\x08builtins\x8c\x04eval\x93."),
    ("INST", P2 + b"ibuiltins\nlist\n."),
    ("EXT1", P2 + b"\x82\x01."),
    ("POP", P2 + b"0N."),
])
def test_opcodes_a_checkpoint_does_not_need_are_refused(name, pkl):
    data = _archive(pkl)
    error = refused_cheaply(data, rf"opcode {name} \(0x{pkl[2]:02x}\) at byte 2")
    assert "Weights only load failed" in str(error)
    with pytest.raises(pickle.UnpicklingError), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch warns about protocols other than 2
        torch.load(io.BytesIO(data), weights_only=True)  # the oracle refuses them too


def test_string_longer_than_the_file_is_refused_before_reading():
    pkl = P2 + b"X" + struct.pack("<I", GiB) + b"x" * 64 + b"."
    refused_cheaply(_archive(pkl), r"BINUNICODE at byte 2 declares 1073741824 bytes, but "
                                   r"data.pkl has only 65 left")


@pytest.mark.parametrize("call", [
    b"cbuiltins\nbytearray\nJ\x00\x00\x00\x40\x85R.",           # bytearray(1 GiB)
    b"c__builtin__\nbytearray\nJ\x00\x00\x00\x40\x85R.",        # the same, protocol-2 spelling
    b"ctorch\nTensor\nJ\x00\x00\x00\x10\x85R.",                 # torch.Tensor(256M): 1 GiB
    b"ctorch\nTensor\nJ\x00\x00\x00\x10\x85\x81.",              # the same through NEWOBJ
    # _rebuild_from_type_v2 calling bytearray(1 GiB) on the file's behalf
    b"ctorch._tensor\n_rebuild_from_type_v2\n(cbuiltins\nbytearray\nctorch\nTensor\n"
    b"J\x00\x00\x00\x40\x85}tR.",
])
def test_calls_cannot_allocate_by_count(call):
    refused_cheaply(_archive(P2 + call), r"Weights only load failed|may only call|only from")


def test_repeated_copies_of_one_object_are_bounded():
    # a 10,000-element list, stored once, then turned into a set 500 times: each call copies
    # the list, so the objects built grow far beyond what the file holds
    pkl = bytearray(P2 + b"cbuiltins\nset\nq\x00](")
    for i in range(10000):
        pkl += b"M" + struct.pack("<H", i)
    pkl += b"eq\x01(" + b"h\x00h\x01\x85R" * 500 + b"t."  # MARK, 500 x set(list), TUPLE
    error = refused_cheaply(_archive(bytes(pkl)), r"copies more than")
    assert "data.pkl" in str(error)


def _with_declared_size(data, record, size):
    """The zip `data` with `record`'s sizes in its local header and central directory set to
    `size`, whatever the record really holds."""
    raw = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        info = zf.getinfo(record)
    raw[info.header_offset + 18:info.header_offset + 26] = struct.pack("<II", size, size)
    start = raw.find(b"PK\x01\x02")
    while start >= 0:
        name_len = struct.unpack("<H", raw[start + 28:start + 30])[0]
        if raw[start + 46:start + 46 + name_len] == record.encode():
            raw[start + 20:start + 28] = struct.pack("<II", size, size)
        start = raw.find(b"PK\x01\x02", start + 1)
    return bytes(raw)


@pytest.mark.parametrize("mmap", [False, True])
def test_record_sizes_larger_than_the_file_are_refused_before_reading(tmp_path, mmap):
    buf = io.BytesIO()
    gt.save(gt.ones(4), buf)
    pkl = zipfile.ZipFile(io.BytesIO(buf.getvalue())).read("archive/data.pkl")
    # the storage claims 256M floats, and the zip headers agree: only the file's size tells
    evil = pkl.replace(b"X\x03\x00\x00\x00cpuq\x04K\x04", b"X\x03\x00\x00\x00cpuq\x04J" +
                       struct.pack("<i", GiB // 4))
    assert evil != pkl
    data = _with_declared_size(_archive(evil, [("data/0", b"\0" * 16)]), "archive/data/0", GiB)
    path = tmp_path / "huge_storage.pt"
    path.write_bytes(data)
    assert len(data) < 1000
    refused_cheaply(path if mmap else data, r"record 'archive/data/0' .* declares 1073741824 "
                    r"bytes, but the whole file has only \d+", RuntimeError)
    with pytest.raises(RuntimeError):
        torch.load(path)
    # the pickle record itself
    data = _with_declared_size(_archive(P2 + b"N."), "archive/data.pkl", GiB)
    refused_cheaply(data, r"record 'archive/data.pkl' .* declares 1073741824 bytes",
                    RuntimeError)


def test_every_value_torchs_weights_only_loader_accepts_loads_the_same():
    shared = [1, 2]
    meta = OrderedDict(w=torch.ones(2))
    meta._metadata = OrderedDict({"": {"version": 1}})
    obj = {"bytes": b"\x00\xffabc", "empty_bytes_in": [b"x"], "bytearray": bytearray(b"xy"),
           "set": {1, 2, 3}, "complex": 1 + 2j, "counter": Counter("aab"), "state": meta,
           "ints": [0, 255, 256, 65535, 65536, -1, 2**31 - 1, -2**31, 2**40, -2**70],
           "floats": [0.5, float("inf"), -0.0, 1e-300], "none": None, "bools": [True, False],
           "tuples": ((), (1,), (1, 2), (1, 2, 3), (1, 2, 3, 4)), "text": "héllo \U0001F600",
           "empty": [[], {}, ()], "shared": [shared, shared], "size": torch.Size([2, 3]),
           "dtype": torch.float16, "device": torch.device("cpu"),
           "param": torch.nn.Parameter(torch.arange(3.0))}
    buf = io.BytesIO()
    torch.save(obj, buf)
    theirs = torch.load(io.BytesIO(buf.getvalue()), weights_only=True)
    ours = gt.load(io.BytesIO(buf.getvalue()))
    for key in ("bytes", "bytearray", "set", "complex", "counter", "ints", "floats", "none",
                "bools", "tuples", "text", "empty", "empty_bytes_in"):
        assert type(ours[key]) is type(theirs[key]) and ours[key] == theirs[key], key
    assert ours["shared"][0] is ours["shared"][1]  # the memo keeps sharing
    assert_same_tree(ours["state"], theirs["state"])
    assert ours["state"]._metadata == theirs["state"]._metadata
    assert_same_tree({k: ours[k] for k in ("size", "dtype", "device", "param")},
                     {k: theirs[k] for k in ("size", "dtype", "device", "param")})
    # and back: torch reads what glasstorch writes of the same values
    plain = {k: ours[k] for k in ("bytes", "bytearray", "set", "complex", "counter", "ints",
                                 "floats", "tuples", "text", "empty", "shared")}
    again = gt_to_torch(plain, pathlib.Path(tempfile.mkdtemp()))
    assert again == {k: theirs[k] for k in plain}


@pytest.mark.parametrize("pkl,encoding,expected", [
    (P2 + b"U\x03abc.", "ASCII", "abc"),        # a Python 2 str, decoded
    (P2 + b"U\x02\xc3\xa9.", "utf-8", "é"),
    (P2 + b"U\x03abc.", "bytes", b"abc"),       # or kept as bytes
    (P2 + b"\x8f.", "ASCII", set()),             # EMPTY_SET
])
def test_python2_strings_and_empty_set_like_torch(pkl, encoding, expected):
    data = _archive(pkl)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch warns that encoding= is for weights_only=False
        assert torch.load(io.BytesIO(data), encoding=encoding) == expected
    assert gt.load(io.BytesIO(data), encoding=encoding) == expected


@pytest.mark.parametrize("pkl,match", [
    (P2 + b"N", r"ends at byte 3, before its STOP"),
    (P2 + b"X\x05\x00\x00\x00ab", r"BINUNICODE at byte 2 declares 5 bytes, but data.pkl has "
                                   r"only 2 left"),
    (P2 + b"a.", r"APPEND at byte 2 finds the stack empty"),
    (P2 + b"Nt.", r"TUPLE at byte 3 has no MARK"),
    (P2 + b"h\x07.", r"BINGET at byte 2 refers to memo entry 7, which was never stored"),
    (P2 + b"NNa.", r"APPEND at byte 4 may only fill a list, not a NoneType"),
    (P2 + b"}(Nu.", r"SETITEMS at byte 5 has an odd number"),
    (P2 + b"ccollections\nOrderedDict\nNR.", r"REDUCE at byte 28 has arguments NoneType"),
])
def test_corrupted_pickles_name_the_opcode_and_position(pkl, match):
    with pytest.raises(pickle.UnpicklingError, match=match):
        gt.load(io.BytesIO(_archive(pkl)))


def test_unsupported_torch_tensors_get_a_clear_error(tmp_path):
    torch.save({"w": torch.ones(2, dtype=torch.bfloat16)}, tmp_path / "bf16.pt")
    with pytest.raises((RuntimeError, pickle.UnpicklingError), match="BFloat16|bfloat16"):
        gt.load(tmp_path / "bf16.pt")
    torch.save({"s": torch.eye(3).to_sparse()}, tmp_path / "sparse.pt")
    with pytest.raises(pickle.UnpicklingError, match="_rebuild_sparse_tensor.*not supported"):
        gt.load(tmp_path / "sparse.pt")


def test_weights_only_false_loads_plain_objects(tmp_path):
    gt.save({"obj": Tiny([gt.ones(2)])}, tmp_path / "obj.pt")
    got = gt.load(tmp_path / "obj.pt", weights_only=False)
    assert isinstance(got["obj"], Tiny)
    np.testing.assert_array_equal(got["obj"].value[0].numpy(), np.ones(2, np.float32))
    with pytest.raises(pickle.UnpicklingError, match="Tiny"):
        gt.load(tmp_path / "obj.pt")
    gt.serialization.add_safe_globals([Tiny])  # the user vouches for this one class
    try:
        got = gt.load(tmp_path / "obj.pt")
        assert isinstance(got["obj"], Tiny) and got["obj"].value[0].tolist() == [1.0, 1.0]
    finally:
        gt.serialization.clear_safe_globals()
    with gt.serialization.safe_globals([Tiny]):
        assert isinstance(gt.load(tmp_path / "obj.pt")["obj"], Tiny)
    with pytest.raises(pickle.UnpicklingError, match="Tiny"):
        gt.load(tmp_path / "obj.pt")


def test_pickle_module_rules():
    buf = io.BytesIO()
    gt.save(gt.ones(1), buf)
    buf.seek(0)
    with pytest.raises(RuntimeError, match="explicit pickle_module"):
        gt.load(buf, pickle_module=pickle, weights_only=True)
    buf.seek(0)
    got = gt.load(buf, pickle_module=pickle)  # weights_only defaults to False then, as torch
    assert got.tolist() == [1.0]


def test_overwrite_keeps_permissions(tmp_path):
    path = tmp_path / "ckpt.pt"
    gt.save(gt.ones(1), path)
    os.chmod(path, 0o640)
    gt.save(gt.zeros(2), path)
    assert (os.stat(path).st_mode & 0o777) == 0o640
    assert torch.load(path).tolist() == [0.0, 0.0]
