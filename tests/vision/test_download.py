"""download=True against a local HTTP server on 127.0.0.1, started and stopped by each test
(nothing leaves the machine): checksums, truncated and resumed transfers, mirror fallback,
offline errors, archive extraction and its path-traversal guard."""
import gzip
import http.server
import io
import os
import sys
import tarfile
import threading
import urllib.error
import zipfile

import numpy as np
import pytest

import glasstorch.vision.datasets as GD
from glasstorch.vision.datasets import utils as DU
from tests.vision import formats
from tests.vision.helpers import assert_same_image, tv

TD = tv.datasets


class LocalServer:
    """Serves `files` ({url path: bytes}). Per-path behaviours in `rules`: 'cut' sends the full
    Content-Length but only half the body, then closes (once: the rule is removed after);
    'no_range' ignores Range requests. Every request is logged as (path, Range header)."""

    def __init__(self):
        self.files, self.rules, self.requests = {}, {}, []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                range_header = self.headers.get("Range")
                server.requests.append((self.path, range_header))
                data = server.files.get(self.path)
                if data is None:
                    self.send_error(404, "Not Found")
                    return
                rule = server.rules.get(self.path)
                start = 0
                if range_header and rule != "no_range":
                    start = int(range_header.split("=")[1].split("-")[0])
                    self.send_response(206)
                    self.send_header("Content-Range",
                                     f"bytes {start}-{len(data) - 1}/{len(data)}")
                else:
                    self.send_response(200)
                body = data[start:]
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if rule == "cut":
                    del server.rules[self.path]
                    self.wfile.write(body[:len(body) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.02,),
                                       daemon=True)   # poll often: shutdown() is quick

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()


@pytest.fixture
def server():
    with LocalServer() as s:
        yield s


def _payload(n=300_000):
    return np.random.default_rng(0).integers(0, 256, n, dtype=np.uint8).tobytes()


def _md5_of(data):
    import hashlib
    return hashlib.md5(data).hexdigest()


# ---------------------------------------------------------------------------------------------
# download_url
# ---------------------------------------------------------------------------------------------
def test_download_and_skip_when_present(server, tmp_path):
    data = _payload()
    server.files["/f.bin"] = data
    DU.download_url(server.url + "/f.bin", str(tmp_path), md5=_md5_of(data))
    assert (tmp_path / "f.bin").read_bytes() == data
    assert not (tmp_path / "f.bin.partial").exists()
    DU.download_url(server.url + "/f.bin", str(tmp_path), md5=_md5_of(data))
    assert len(server.requests) == 1   # a file with the right MD5 is not fetched again


def test_bad_checksum_deletes_the_download(server, tmp_path):
    server.files["/f.bin"] = _payload()
    with pytest.raises(RuntimeError, match="MD5") as info:
        DU.download_url(server.url + "/f.bin", str(tmp_path), md5="0" * 32)
    assert server.url + "/f.bin" in str(info.value)
    assert str(tmp_path / "f.bin") in str(info.value)   # where to put a good copy by hand
    assert os.listdir(tmp_path) == []


def test_truncated_transfer_is_kept_and_resumed(server, tmp_path):
    data = _payload()
    server.files["/f.bin"] = data
    server.rules["/f.bin"] = "cut"
    with pytest.raises(RuntimeError, match="stopped after"):
        DU.download_url(server.url + "/f.bin", str(tmp_path), md5=_md5_of(data))
    partial = tmp_path / "f.bin.partial"
    assert not (tmp_path / "f.bin").exists()          # never under the final name
    assert 0 < partial.stat().st_size < len(data)
    kept = partial.stat().st_size
    DU.download_url(server.url + "/f.bin", str(tmp_path), md5=_md5_of(data))
    assert server.requests[-1] == ("/f.bin", f"bytes={kept}-")   # asked for the rest only
    assert (tmp_path / "f.bin").read_bytes() == data
    assert not partial.exists()


def test_resume_with_a_server_that_ignores_range(server, tmp_path):
    data = _payload()
    server.files["/f.bin"] = data
    (tmp_path / "f.bin.partial").write_bytes(b"stale bytes from another attempt")
    server.rules["/f.bin"] = "no_range"
    DU.download_url(server.url + "/f.bin", str(tmp_path), md5=_md5_of(data))
    assert (tmp_path / "f.bin").read_bytes() == data


def test_truncated_transfer_without_checksum_is_still_caught(server, tmp_path):
    server.files["/f.bin"] = _payload()
    server.rules["/f.bin"] = "cut"
    with pytest.raises(RuntimeError, match="stopped after"):
        DU.download_url(server.url + "/f.bin", str(tmp_path))
    assert not (tmp_path / "f.bin").exists()


def test_http_error_and_offline_name_url_and_path(server, tmp_path):
    with pytest.raises(urllib.error.URLError, match="404") as info:
        DU.download_url(server.url + "/missing.gz", str(tmp_path), md5="a" * 32)
    assert server.url + "/missing.gz" in str(info.value)
    assert str(tmp_path / "missing.gz") in str(info.value) and "a" * 32 in str(info.value)
    closed = _closed_port_url()
    with pytest.raises(urllib.error.URLError, match="offline") as info:
        DU.download_url(closed + "/x.tar.gz", str(tmp_path))
    assert closed + "/x.tar.gz" in str(info.value) and str(tmp_path / "x.tar.gz") in \
        str(info.value)


def _closed_port_url():
    """A URL on 127.0.0.1 where nothing listens (connection refused, as when offline)."""
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def test_progress_bar_is_optional(server, tmp_path, monkeypatch):
    data = _payload(1000)
    server.files["/f.bin"] = data
    monkeypatch.setitem(sys.modules, "tqdm", None)   # `from tqdm import tqdm` fails
    DU.download_url(server.url + "/f.bin", str(tmp_path), md5=_md5_of(data))
    assert (tmp_path / "f.bin").read_bytes() == data


# ---------------------------------------------------------------------------------------------
# datasets with download=True
# ---------------------------------------------------------------------------------------------
def _gz(data):
    return gzip.compress(data, mtime=0)


def _mnist_server_files(server, prefix):
    """Serve MNIST-format .gz files under prefix; returns the resources list and arrays."""
    resources, arrays = [], {}
    for split, n, seed in (("train", 20, 1), ("t10k", 10, 2)):
        images, labels = formats.mnist_arrays(n, seed)
        arrays[split] = (images, labels)
        for name, array in ((f"{split}-images-idx3-ubyte.gz", images),
                            (f"{split}-labels-idx1-ubyte.gz", labels)):
            data = _gz(formats.idx_bytes(array))
            server.files[f"{prefix}{name}"] = data
            resources.append((name, _md5_of(data)))
    return resources, arrays


def test_mnist_404_on_first_mirror_then_second(server, tmp_path):
    resources, arrays = _mnist_server_files(server, "/mirror2/")
    attributes = {"mirrors": [server.url + "/mirror1/", server.url + "/mirror2/"],
                  "resources": resources}
    ours_cls = type("MNIST", (GD.MNIST,), attributes)
    theirs_cls = type("MNIST", (TD.MNIST,), attributes)
    ours = ours_cls(str(tmp_path / "ours"), download=True)
    tried = [path for path, _ in server.requests]
    assert tried[:2] == ["/mirror1/train-images-idx3-ubyte.gz",
                         "/mirror2/train-images-idx3-ubyte.gz"]
    np.testing.assert_array_equal(ours.data.numpy(), arrays["train"][0])
    np.testing.assert_array_equal(ours.targets.numpy(), arrays["train"][1].astype(np.int64))
    theirs = theirs_cls(str(tmp_path / "theirs"), download=True)
    assert_same_image(ours.data, theirs.data)
    assert sorted(os.listdir(tmp_path / "ours" / "MNIST" / "raw")) == \
        sorted(os.listdir(tmp_path / "theirs" / "MNIST" / "raw"))
    # and torchvision reads what we downloaded
    np.testing.assert_array_equal(TD.MNIST(str(tmp_path / "ours"), train=False).data.numpy(),
                                  arrays["t10k"][0])
    requests = len(server.requests)
    ours_cls(str(tmp_path / "ours"), download=True)   # already there: nothing fetched
    assert len(server.requests) == requests


def test_mnist_all_mirrors_fail_names_the_file_to_place(server, tmp_path):
    resources, _ = _mnist_server_files(server, "/good/")
    bad = type("MNIST", (GD.MNIST,), {"mirrors": [server.url + "/a/", _closed_port_url() + "/"],
                                      "resources": resources})
    with pytest.raises(RuntimeError) as info:
        bad(str(tmp_path), download=True)
    message = str(info.value)
    assert "Error downloading train-images-idx3-ubyte.gz" in message
    assert f"Tried {server.url}/a/" in message and "404" in message
    assert str(tmp_path / "MNIST" / "raw" / "train-images-idx3-ubyte.gz") in message


def test_mnist_bad_checksum_on_every_mirror(server, tmp_path):
    resources, _ = _mnist_server_files(server, "/m/")
    resources[0] = (resources[0][0], "f" * 32)
    bad = type("MNIST", (GD.MNIST,), {"mirrors": [server.url + "/m/"], "resources": resources})
    with pytest.raises(RuntimeError, match="MD5"):
        bad(str(tmp_path), download=True)
    assert not (tmp_path / "MNIST" / "raw" / "train-images-idx3-ubyte").exists()


def _tar_gz(folder, arcname):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        tar.add(folder, arcname=arcname)
    return buffer.getvalue()


def test_cifar10_download_and_extract(server, tmp_path):
    checksums = formats.write_cifar10(str(tmp_path / "src"))
    archive = _tar_gz(str(tmp_path / "src" / "cifar-10-batches-py"), "cifar-10-batches-py")
    server.files["/cifar-10-python.tar.gz"] = archive
    attributes = {"url": server.url + "/cifar-10-python.tar.gz", "tgz_md5": _md5_of(archive),
                  "train_list": [[n, checksums[n]] for n, _ in GD.CIFAR10.train_list],
                  "test_list": [["test_batch", checksums["test_batch"]]],
                  "meta": {**GD.CIFAR10.meta, "md5": checksums["batches.meta"]}}
    ours = type("CIFAR10", (GD.CIFAR10,), attributes)(str(tmp_path / "dl"), download=True)
    theirs = type("CIFAR10", (TD.CIFAR10,), attributes)(str(tmp_path / "src"))
    np.testing.assert_array_equal(ours.data, theirs.data)
    assert ours.targets == theirs.targets and ours.classes == theirs.classes


def test_emnist_download_zip_of_gzips(server, tmp_path):
    buffer = io.BytesIO()
    images, labels = formats.mnist_arrays(8, 9, classes=26)
    with zipfile.ZipFile(buffer, "w") as archive:
        for part in ("train", "test"):
            archive.writestr(f"gzip/emnist-letters-{part}-images-idx3-ubyte.gz",
                             _gz(formats.idx_bytes(images)))
            archive.writestr(f"gzip/emnist-letters-{part}-labels-idx1-ubyte.gz",
                             _gz(formats.idx_bytes(labels)))
    server.files["/gzip.zip"] = buffer.getvalue()
    emnist = type("EMNIST", (GD.EMNIST,), {"url": server.url + "/gzip.zip",
                                           "md5": _md5_of(buffer.getvalue())})
    ours = emnist(str(tmp_path), split="letters", download=True)
    np.testing.assert_array_equal(ours.data.numpy(), images)
    assert not (tmp_path / "EMNIST" / "raw" / "gzip").exists()
    theirs = TD.EMNIST(str(tmp_path), split="letters")
    assert_same_image(ours.targets, theirs.targets)


def test_svhn_download(server, tmp_path):
    checksum, X, _ = formats.write_svhn(str(tmp_path / "src"), "test")
    server.files["/test_32x32.mat"] = (tmp_path / "src" / "test_32x32.mat").read_bytes()
    lists = {**GD.SVHN.split_list, "test": [server.url + "/test_32x32.mat", "test_32x32.mat",
                                            checksum]}
    ours = type("SVHN", (GD.SVHN,), {"split_list": lists})(str(tmp_path / "dl"), split="test",
                                                           download=True)
    np.testing.assert_array_equal(ours.data, X.transpose(3, 2, 0, 1))


# ---------------------------------------------------------------------------------------------
# extraction
# ---------------------------------------------------------------------------------------------
def _write_tar(path, members, mode="w:gz"):
    """members: [(name, bytes or ('symlink', target))]."""
    with tarfile.open(path, mode) as tar:
        for name, content in members:
            info = tarfile.TarInfo(name)
            if isinstance(content, tuple):
                info.type, info.linkname = tarfile.SYMTYPE, content[1]
                tar.addfile(info)
            else:
                info.size = len(content)
                tar.addfile(info, io.BytesIO(content))


@pytest.mark.parametrize("suffix,mode", [(".tar.gz", "w:gz"), (".tgz", "w:gz"),
                                         (".tar", "w"), (".tar.bz2", "w:bz2"),
                                         (".tar.xz", "w:xz")])
def test_extract_tar_archives_like_torchvision(tmp_path, suffix, mode):
    members = [("top/a.txt", b"alpha"), ("top/sub/b.bin", bytes(range(256)))]
    archive = str(tmp_path / f"data{suffix}")
    _write_tar(archive, members, mode)
    DU.extract_archive(archive, str(tmp_path / "ours"))
    tv.datasets.utils.extract_archive(archive, str(tmp_path / "theirs"))
    for name, content in members:
        assert (tmp_path / "ours" / name).read_bytes() == content
        assert (tmp_path / "theirs" / name).read_bytes() == content


@pytest.mark.parametrize("suffix", [".gz", ".bz2", ".xz"])
def test_decompress_single_files(tmp_path, suffix):
    import bz2
    import lzma
    opener = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}[suffix]
    path = tmp_path / f"blob.idx{suffix}"
    with opener(path, "wb") as f:
        f.write(b"payload" * 1000)
    result = DU.extract_archive(str(path))
    assert result == str(tmp_path / "blob.idx")
    assert (tmp_path / "blob.idx").read_bytes() == b"payload" * 1000
    assert not (tmp_path / "blob.idx.partial").exists()


def test_zip_extraction(tmp_path):
    archive = tmp_path / "d.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("x/y.txt", "hello")
    DU.extract_archive(str(archive), str(tmp_path / "out"), remove_finished=True)
    assert (tmp_path / "out" / "x" / "y.txt").read_text() == "hello"
    assert not archive.exists()


@pytest.mark.parametrize("member", ["../escaped.txt", "ok/../../escaped.txt",
                                    "/tmp/absolute_escape.txt"])
def test_tar_path_traversal_is_refused(tmp_path, member):
    archive = str(tmp_path / "evil.tar.gz")
    _write_tar(archive, [("fine.txt", b"x"), (member, b"owned")])
    target = tmp_path / "out"
    target.mkdir()
    with pytest.raises(RuntimeError, match="outside"):
        DU.extract_archive(archive, str(target))
    assert not (tmp_path / "escaped.txt").exists()
    assert not os.path.exists("/tmp/absolute_escape.txt")
    assert os.listdir(target) == []   # checked before anything is written


def test_tar_symlink_out_of_the_folder_is_refused(tmp_path):
    archive = str(tmp_path / "links.tar")
    _write_tar(archive, [("link", ("symlink", "../../etc/passwd"))], mode="w")
    with pytest.raises(RuntimeError, match="points outside"):
        DU.extract_archive(archive, str(tmp_path / "out"))


def test_zip_path_traversal_is_refused(tmp_path):
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("../escaped.txt", "owned")
    with pytest.raises(RuntimeError, match="outside"):
        DU.extract_archive(str(archive), str(tmp_path / "out"))
    assert not (tmp_path / "escaped.txt").exists()


def test_unknown_archive_type(tmp_path):
    with pytest.raises(RuntimeError):
        tv.datasets.utils.extract_archive(str(tmp_path / "data.rar"))
    with pytest.raises(RuntimeError, match="'.rar'"):
        DU.extract_archive(str(tmp_path / "data.rar"))


def test_check_integrity_and_helpers(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b"abc")
    assert DU.check_integrity(str(path)) and DU.check_integrity(str(path), _md5_of(b"abc"))
    assert not DU.check_integrity(str(path), "0" * 32)
    assert not DU.check_integrity(str(tmp_path / "none"))
    assert DU.calculate_md5(str(path)) == tv.datasets.utils.calculate_md5(str(path))
    (tmp_path / "d").mkdir()
    assert DU.list_dir(str(tmp_path)) == tv.datasets.utils.list_dir(str(tmp_path))
    assert DU.list_files(str(tmp_path), "f", prefix=True) == \
        tv.datasets.utils.list_files(str(tmp_path), "f", prefix=True)
    assert DU.verify_str_arg("a", "x", ("a", "b")) == "a"
    for bad in ((1, "x", ("a",)), ("c", "x", ("a", "b"))):
        with pytest.raises(ValueError) as theirs:
            tv.datasets.utils.verify_str_arg(*bad)
        with pytest.raises(ValueError) as ours:
            DU.verify_str_arg(*bad)
        assert str(ours.value) == str(theirs.value)
