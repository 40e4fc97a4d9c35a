"""(c) Where the plots go: PNG files written and rewritten when headless (path printed once),
one live Jupyter display handle, a window when a GUI backend is there, and the detection."""
import os
import subprocess
import sys

import numpy as np
import pytest
from matplotlib import image as mpimg
from matplotlib import pyplot as plt

import glasstorch.d2l as d2l
from glasstorch.d2l import display
from tests.d2l import helpers


def pixels(path):
    return mpimg.imread(path)


def saved_lines(text):
    return [line for line in text.splitlines() if "the plot is saved to" in line]


def test_progress_board_png_is_written_and_rewritten(tmp_path, capsys, monkeypatch):
    d2l.set_plot_output("png", str(tmp_path))
    board = d2l.ProgressBoard(xlabel='epoch', ylabel='loss')
    board.draw(0, 1.0, 'train_loss')
    path = str(tmp_path / "progress_board.png")
    first = pixels(path)
    assert first.ndim == 3 and first.shape[0] > 100
    # points arriving faster than PNG_INTERVAL: held back, then written by flush (or exit)
    monkeypatch.setattr(display, "PNG_INTERVAL", 3600)
    board.draw(1, 0.5, 'train_loss')
    assert np.array_equal(pixels(path), first)
    display.flush(board.fig)
    second = pixels(path)
    assert not np.array_equal(second, first)
    # points slower than PNG_INTERVAL: each one rewrites the file
    monkeypatch.setattr(display, "PNG_INTERVAL", 0)
    board.draw(2, 0.25, 'train_loss')
    third = pixels(path)
    board.draw(2, 0.75, 'val_loss')
    later = pixels(path)
    assert not np.array_equal(third, second) and not np.array_equal(later, third)
    err = capsys.readouterr().err
    assert saved_lines(err) == [f"[glasstorch.d2l] no display: the plot is saved to {path} "
                                f"(rewritten as it changes)"]
    assert not os.path.exists(path + ".partial")
    assert board.fig.axes[0].get_xlabel() == 'epoch'

    other = d2l.ProgressBoard(xlabel='x')
    other.draw(0, 0.0, 'a')
    assert os.path.exists(tmp_path / "progress_board_2.png")
    assert len(saved_lines(capsys.readouterr().err)) == 1


def test_trainer_writes_the_final_curves(tmp_path, monkeypatch):
    """However fast the epochs, the PNG shows every point when fit returns."""
    d2l.set_plot_output("png", str(tmp_path))
    monkeypatch.setattr(display, "PNG_INTERVAL", 3600)
    data = d2l.SyntheticRegressionData(w=d2l.tensor([2, -3.4]), b=4.2, num_train=64,
                                       num_val=32)
    model = d2l.LinearRegressionScratch(2, lr=0.03)
    d2l.Trainer(max_epochs=3).fit(model, data)
    written = pixels(str(tmp_path / "progress_board.png"))
    display.save_png(model.board.fig)      # what the complete figure looks like
    np.testing.assert_array_equal(pixels(str(tmp_path / "progress_board.png")), written)
    assert len(model.board.data['val_loss']) == 3


def test_plot_animator_and_images_write_their_own_files(tmp_path, capsys):
    d2l.set_plot_output("png", str(tmp_path))
    d2l.plot(np.arange(5), [np.arange(5) ** 2], 'x', 'y')
    d2l.plot(np.arange(5), [np.arange(5) ** 3], 'x', 'y')
    animator = d2l.Animator(xlabel='epoch', legend=['a'])
    animator.add(1, 0.5)
    d2l.show_images(np.zeros((2, 4, 4)), 1, 2)
    assert sorted(os.listdir(tmp_path)) == ["animator.png", "plot.png", "plot_2.png",
                                            "plot_3.png"]
    assert len(saved_lines(capsys.readouterr().err)) == 4


def test_png_rewritten_at_exit_with_later_changes(tmp_path):
    d2l.set_plot_output("png", str(tmp_path))
    d2l.plot(np.arange(5), [np.arange(5.0)], 'x', 'y')
    before = pixels(str(tmp_path / "plot.png"))
    plt.gca().set_title("a title added afterwards, through d2l.plt")
    display._save_all_at_exit()
    after = pixels(str(tmp_path / "plot.png"))
    assert before.shape != after.shape or not np.array_equal(before, after)


def test_jupyter_updates_one_display_handle(monkeypatch):
    import IPython.display
    calls = []

    class Handle:
        def update(self, obj):
            calls.append(("update", obj))

    def fake_display(obj, display_id=None):
        calls.append(("display", obj, display_id))
        return Handle()

    monkeypatch.setattr(IPython.display, "display", fake_display)
    d2l.set_plot_output("jupyter")
    board = d2l.ProgressBoard(xlabel='x')
    for x in range(3):
        board.draw(x, float(x), 'a')
    assert [c[0] for c in calls] == ["display", "update", "update"]
    assert calls[0][2] is True and all(c[1] is board.fig for c in calls)
    # shown through the handle only: pyplot no longer holds it (no second copy at cell end)
    assert board.fig.number not in plt.get_fignums()
    calls.clear()
    d2l.plot([1, 2, 3], [[1, 4, 9]])       # left to the inline backend, as in the book
    assert calls == [] and plt.get_fignums()


def test_window_mode_shows_and_redraws(monkeypatch):
    from matplotlib.figure import Figure
    shown = []
    monkeypatch.setattr(Figure, "show", lambda self, *a, **k: shown.append(self))
    monkeypatch.setattr(display, "_window_figures", [])
    d2l.set_plot_output("window")
    board = d2l.ProgressBoard(xlabel='x')
    board.draw(0, 1.0, 'a')
    board.draw(1, 2.0, 'a')
    assert shown == [board.fig]      # opened once, then redrawn in place
    np.testing.assert_array_equal(board.fig.axes[0].lines[0].get_ydata(), [1.0, 2.0])
    # at exit the script waits for its open windows (the book's code never calls plt.show)
    waited = []
    monkeypatch.setattr(plt, "show", lambda *a, **k: waited.append(True))
    assert display._window_figures == [board.fig]
    display._keep_windows_open_at_exit()
    assert waited == [True]
    plt.close(board.fig)
    display._keep_windows_open_at_exit()
    assert waited == [True]


def test_mode_detection_and_settings(monkeypatch):
    d2l.set_plot_output(None)
    monkeypatch.delenv("GLASSTORCH_PLOTS", raising=False)
    assert not display.in_jupyter()
    assert not display.has_gui_backend()          # the test run's backend is Agg
    assert d2l.plot_output() == "png"
    monkeypatch.setenv("GLASSTORCH_PLOTS", "none")
    assert d2l.plot_output() == "none"
    monkeypatch.setenv("GLASSTORCH_PLOTS", "svg")
    with pytest.raises(ValueError, match="GLASSTORCH_PLOTS must be one of"):
        d2l.plot_output()
    with pytest.raises(ValueError, match="plot output mode must be one of"):
        d2l.set_plot_output("screen")


@pytest.mark.slow
def test_headless_script_gets_its_png(tmp_path):
    """`python -m glasstorch train.py` with no display: the board goes to ./progress_board.png
    (found without any setting), its path printed once on stderr, stdout untouched."""
    script = tmp_path / "train.py"
    script.write_text(helpers.dedent("""
        import torch
        from d2l import torch as d2l
        data = d2l.SyntheticRegressionData(w=torch.tensor([2, -3.4]), b=4.2)
        model = d2l.LinearRegressionScratch(2, lr=0.03)
        d2l.Trainer(max_epochs=2).fit(model, data)
        print('done', d2l.plot_output())
    """))
    env = dict(os.environ, PYTHONPATH=helpers.SRC)
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "MPLBACKEND", "GLASSTORCH_PLOTS",
                 "GLASSTORCH_PLOT_DIR"):
        env.pop(name, None)
    result = subprocess.run([sys.executable, "-m", "glasstorch", str(script)], cwd=tmp_path,
                            env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "done png\n"
    path = tmp_path / "progress_board.png"
    assert saved_lines(result.stderr) == [
        f"[glasstorch.d2l] no display: the plot is saved to {path} (rewritten as it changes)"]
    image = pixels(str(path))
    assert image.shape[2] in (3, 4) and image.std() > 0.05      # a drawn picture, not blank
    assert "2/2" in result.stderr      # the epoch bar


def test_jupyter_is_detected_from_the_ipython_kernel():
    """A terminal IPython is not Jupyter; a shell with a kernel (ipykernel's) is."""
    from IPython.core.interactiveshell import InteractiveShell
    d2l.set_plot_output(None)
    shell = InteractiveShell.instance()
    try:
        assert not display.in_jupyter()
        shell.kernel = object()
        assert display.in_jupyter() and d2l.plot_output() == "jupyter"
    finally:
        del shell.kernel
        InteractiveShell.clear_instance()
    assert not display.in_jupyter()
