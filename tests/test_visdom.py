"""The course's visdom code with glasstorch tensors, against the real visdom package and a real
server on 127.0.0.1: the same script runs under PyTorch (env 'pytorch') and through
`python -m glasstorch` (env 'main'); the windows read back from the server must hold the same
data, and the images the pixels that were sent.

`python -m visdom.server` first downloads its web scripts and dies without a network, so the
server is started through `visdom.server.run_server.main()`, which serves the same application
without that step (the page itself then lacks its JavaScript; the HTTP API is complete)."""
import base64
import io
import json
import socket
import subprocess
import sys
import time

import numpy as np
import pytest
from PIL import Image

from .compat._run import environment, run_code

pytestmark = pytest.mark.slow

COURSE_SCRIPT = """
import torch
import visdom

vis = visdom.Visdom(port=PORT, env=ENV, use_incoming_socket=False, raise_exceptions=True)
windows = {}
windows["text"] = vis.text("Hello, world!")
t1 = torch.arange(3 * 28 * 28, dtype=torch.float32).view(3, 28, 28) / (3 * 28 * 28)
windows["image"] = vis.image(t1)
t2 = torch.arange(3 * 1 * 8 * 8, dtype=torch.float32).view(3, 1, 8, 8) / 192
windows["images"] = vis.images(t2)
x = torch.Tensor([1, 2, 3, 4])
y = torch.Tensor([[1, 2], [3, 4], [5, 6], [7, 8]])
windows["line"] = vis.line(X=torch.stack([x, x], 1), Y=y, opts=dict(title="test",
                                                                       legend=["one", "two"]))
graph_id = vis.line(Y=torch.zeros(1), opts=dict(title="train"))
for epoch in range(1, 4):
    cost = torch.tensor(1.0) / epoch
    vis.line(X=torch.Tensor([epoch]), Y=torch.Tensor([cost.item()]), win=graph_id,
             update="append")
windows["train"] = graph_id
print(repr(windows))
"""


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port = _free_port()
    env_path = str(tmp_path_factory.mktemp("visdom")) + "/"
    process = subprocess.Popen(
        [sys.executable, "-c", "from visdom.server.run_server import main; main()",
         "-port", str(port), "-env_path", env_path, "-bind_local", "-logging_level", "WARNING"],
        env=environment(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.time() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if process.poll() is not None or time.time() > deadline:
                process.kill()
                pytest.fail(f"the visdom server did not start:\n{process.stdout.read()}")
            time.sleep(0.2)
    yield port
    process.terminate()
    process.wait(timeout=30)


def _client(port):
    import visdom
    return visdom.Visdom(port=port, use_incoming_socket=False, raise_exceptions=True)


def _run_course_script(port, env, alias):
    code = COURSE_SCRIPT.replace("PORT", str(port)).replace("ENV", repr(env))
    return eval(run_code(code, alias=alias).strip())


def _window(client, win, env):
    return json.loads(client.get_window_data(win, env))


def _pixels(window):
    source = window["content"]["src"]
    assert source.startswith("data:image/png;base64,")
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(source.split(",", 1)[1]))))


def _same_content(ours, theirs):
    """Window data equal apart from the ids the server gives each window."""
    strip = lambda w: {k: v for k, v in w.items() if k not in ("id", "contentID", "i")}  # noqa
    return strip(ours) == strip(theirs)


def test_course_visdom_code_with_glasstorch_tensors(server):
    client = _client(server)
    theirs = _run_course_script(server, "pytorch", alias=False)
    ours = _run_course_script(server, "main", alias=True)
    for name in ("text", "image", "images", "line", "train"):
        a, b = _window(client, ours[name], "main"), _window(client, theirs[name], "pytorch")
        assert _same_content(a, b), name

    assert _window(client, ours["text"], "main")["content"] == "Hello, world!"
    expected = (np.arange(3 * 28 * 28, dtype=np.float32).reshape(3, 28, 28) / (3 * 28 * 28))
    image = _pixels(_window(client, ours["image"], "main"))
    assert np.array_equal(image, np.uint8(expected * 255.0).transpose(1, 2, 0))
    grid = _pixels(_window(client, ours["images"], "main"))
    first = np.uint8(np.arange(64, dtype=np.float32).reshape(8, 8) / 192 * 255.0)
    assert grid.shape == (12, 36, 3)
    assert np.array_equal(grid[3:11, 3:11, 0], first)              # image 0 after padding
    lines = _window(client, ours["line"], "main")["content"]["data"]
    assert [(d["name"], d["x"], d["y"]) for d in lines] == [
        ("one", [1.0, 2.0, 3.0, 4.0], [1.0, 3.0, 5.0, 7.0]),
        ("two", [1.0, 2.0, 3.0, 4.0], [2.0, 4.0, 6.0, 8.0])]
    train = _window(client, ours["train"], "main")["content"]["data"][0]
    assert train["x"] == [0.0, 1.0, 2.0, 3.0]
    assert train["y"] == pytest.approx([0.0, 1.0, 0.5, 1 / 3])


def test_close_env_removes_the_windows(server):
    client = _client(server)
    ours = _run_course_script(server, "main", alias=True)
    assert client.win_exists(ours["train"], env="main")
    run_code(f"""
        import torch, visdom
        vis = visdom.Visdom(port={server}, use_incoming_socket=False, raise_exceptions=True)
        vis.close(env="main")
    """, alias=True)
    assert not client.win_exists(ours["train"], env="main")
    assert json.loads(client.get_window_data(None, "main")) == {}
