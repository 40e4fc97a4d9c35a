"""download / extract / download_extract with DATA_HUB and SHA-1 checks, against an HTTP
server on 127.0.0.1 started here (tests never reach the internet)."""
import hashlib
import http.server
import io
import os
import tarfile
import threading
import zipfile

import pytest

import glasstorch.d2l as d2l


class Server:
    """Serves `files` {path: bytes}; counts the requests per path; 404 for anything else."""

    def __init__(self):
        self.files, self.requests = {}, []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                server.requests.append(self.path)
                body = server.files.get(self.path)
                if body is None:
                    self.send_error(404, "Not Found")
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    s = Server()
    yield s
    s.close()


def sha1(data):
    return hashlib.sha1(data).hexdigest()


def test_download_fetches_prints_and_uses_the_cache(server, tmp_path, capsys):
    body = b"airfoil\t1\t2\n" * 100
    server.files["/airfoil.dat"] = body
    folder = str(tmp_path / "data")
    path = d2l.download(server.url + "airfoil.dat", folder, sha1(body))
    assert path == os.path.join(folder, "airfoil.dat")
    assert open(path, "rb").read() == body
    assert capsys.readouterr().out == f"Downloading {path} from {server.url}airfoil.dat...\n"
    assert d2l.download(server.url + "airfoil.dat", folder, sha1(body)) == path
    assert server.requests == ["/airfoil.dat"] and capsys.readouterr().out == ""
    # without a hash nothing proves the copy is right: fetched again, as the book does
    d2l.download(server.url + "airfoil.dat", folder)
    assert server.requests == ["/airfoil.dat"] * 2


def test_download_by_data_hub_name(server, tmp_path, monkeypatch):
    body = b"0123456789" * 10
    server.files["/hub/numbers.txt"] = body
    monkeypatch.setitem(d2l.DATA_HUB, "numbers", (server.url + "hub/numbers.txt", sha1(body)))
    path = d2l.download("numbers", str(tmp_path))
    assert open(path, "rb").read() == body
    with pytest.raises(KeyError, match="'nothing' is neither a URL nor a name in DATA_HUB"):
        d2l.download("nothing", str(tmp_path))


def test_wrong_sha1_keeps_nothing(server, tmp_path):
    server.files["/f.bin"] = b"tampered"
    with pytest.raises(RuntimeError, match=f"has SHA-1 {sha1(b'tampered')}, not the expected "
                                           f"{'0' * 40}"):
        d2l.download(server.url + "f.bin", str(tmp_path), "0" * 40)
    assert os.listdir(tmp_path) == []
    # a cached file with the wrong hash is fetched again
    (tmp_path / "f.bin").write_bytes(b"old")
    assert open(d2l.download(server.url + "f.bin", str(tmp_path), sha1(b"tampered")),
                "rb").read() == b"tampered"


def test_http_errors_and_unreachable_servers_raise(server, tmp_path):
    with pytest.raises(ConnectionError, match="HTTP 404") as info:
        d2l.download(server.url + "missing.zip", str(tmp_path))
    assert os.path.join(str(tmp_path), "missing.zip") in str(info.value)
    assert os.listdir(tmp_path) == []
    closed = Server()
    url = closed.url
    closed.close()
    with pytest.raises(ConnectionError, match="by hand"):
        d2l.download(url + "x.txt", str(tmp_path))


def zip_bytes(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def tar_gz_bytes(members):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def test_extract_zip_and_tar(tmp_path):
    (tmp_path / "a.zip").write_bytes(zip_bytes({"fra-eng/fra.txt": b"Go.\tVa !\n"}))
    d2l.extract(str(tmp_path / "a.zip"))
    assert (tmp_path / "fra-eng" / "fra.txt").read_bytes() == b"Go.\tVa !\n"
    (tmp_path / "b.tar.gz").write_bytes(tar_gz_bytes({"b/x.txt": b"x"}))
    d2l.extract(str(tmp_path / "b.tar.gz"), str(tmp_path / "out"))
    assert (tmp_path / "out" / "b" / "x.txt").read_bytes() == b"x"
    (tmp_path / "c.rar").write_bytes(b"")
    with pytest.raises(ValueError, match="only .zip, .tar and .gz"):
        d2l.extract(str(tmp_path / "c.rar"))


def test_extract_refuses_paths_outside_the_folder(tmp_path):
    (tmp_path / "evil.zip").write_bytes(zip_bytes({"../escaped.txt": b"x"}))
    with pytest.raises(RuntimeError, match="outside"):
        d2l.extract(str(tmp_path / "evil.zip"), str(tmp_path / "in"))
    assert not (tmp_path / "escaped.txt").exists()


def test_download_extract_and_the_books_data_sets(server, tmp_path, monkeypatch):
    """download_extract('fra-eng') into the book's ../data, read_data_nmt on top of it; the
    data sets download from d2l.DATA_URL as it is when they run."""
    text = "Go.\tVa !\nHi.\tSalut !\n"
    archive = zip_bytes({"fra-eng/fra.txt": text.encode()})
    server.files["/fra-eng.zip"] = archive
    monkeypatch.setitem(d2l.DATA_HUB, "fra-eng", (server.url + "fra-eng.zip", sha1(archive)))
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    assert d2l.download_extract("fra-eng") == os.path.join("..", "data", "fra-eng")
    assert d2l.read_data_nmt() == text
    assert (tmp_path / "data" / "fra-eng.zip").exists()
    # TimeMachine fetches d2l.DATA_URL + 'timemachine.txt' and checks the book's SHA-1
    server.files["/timemachine.txt"] = b"not the book"
    monkeypatch.setattr(d2l, "DATA_URL", server.url)
    with pytest.raises(RuntimeError, match="090b5e7e70c295757f55df93cb0a180b9691891a"):
        d2l.TimeMachine(batch_size=2, num_steps=3)
    assert server.requests[-1] == "/timemachine.txt"
