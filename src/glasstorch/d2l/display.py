"""Where the d2l plots go: the one place that decides how a figure reaches the learner.

    'jupyter'  inside a Jupyter/IPython kernel: live figures (ProgressBoard, Animator) are shown
               through one IPython display handle that is updated in place; plain plots are
               left to the inline backend, which shows them when the cell ends (as in the book)
    'window'   a script with a GUI matplotlib backend (a display exists): the figure opens in
               a window that is redrawn as points arrive
    'png'      headless (matplotlib's backend is Agg, PDF ...): every figure is written to a
               PNG file, rewritten as it changes (live figures at most every PNG_INTERVAL s,
               and once more when Trainer.fit ends and at exit); each file's path
               is printed to stderr once
    'none'     nothing is shown or written (the figures are still drawn)

The mode is found on first use; `set_plot_output(mode, directory)` (or the environment
variables GLASSTORCH_PLOTS and GLASSTORCH_PLOT_DIR) chooses it explicitly. PNG files go to the
current directory unless a directory is given.
"""
import atexit
import os
import sys
import time

MODES = ("jupyter", "window", "png", "none")

# a live figure's PNG is rewritten at most this often (seconds): rendering a PNG takes tens of
# milliseconds, which points arriving faster would spend on pictures nobody sees in between
PNG_INTERVAL = 0.5

# matplotlib backends that cannot open a window
_NON_INTERACTIVE = {"agg", "cairo", "pdf", "pgf", "ps", "svg", "template"}

_settings = {"mode": None, "directory": None}
_png_figures = []      # figures that have a PNG file, rewritten at exit
_png_names = {}        # file name stem -> how many figures used it


def set_plot_output(mode=None, directory=None):
    """Choose where plots go: one of MODES, or None to detect it again. `directory` is where
    PNG files are written (default: the current directory)."""
    if mode is not None and mode not in MODES:
        raise ValueError(f"plot output mode must be one of {MODES} or None, got {mode!r}")
    _settings["mode"] = mode
    _settings["directory"] = directory


def plot_output():
    """The mode in force: the one set, else GLASSTORCH_PLOTS, else what the process looks like."""
    if _settings["mode"] is not None:
        return _settings["mode"]
    from_env = os.environ.get("GLASSTORCH_PLOTS")
    if from_env:
        if from_env not in MODES:
            raise ValueError(f"GLASSTORCH_PLOTS must be one of {MODES}, got {from_env!r}")
        return from_env
    if in_jupyter():
        return "jupyter"
    if has_gui_backend():
        return "window"
    return "png"


def in_jupyter():
    """True inside an IPython kernel (Jupyter notebook, lab, VS Code ...), not a terminal
    IPython. Only looks when IPython has already been imported."""
    if "IPython" not in sys.modules:
        return False
    shell = sys.modules["IPython"].get_ipython()
    return shell is not None and hasattr(shell, "kernel")


def has_gui_backend():
    """True when matplotlib's backend can open windows (matplotlib falls back to Agg itself
    when no display is available)."""
    import matplotlib
    backend = matplotlib.get_backend().lower()
    return backend not in _NON_INTERACTIVE and "inline" not in backend


def show(fig, live):
    """Bring `fig` to the learner after it changed. `live` figures (boards, animators) are
    redrawn in place; others are shown once in Jupyter by the inline backend."""
    mode = plot_output()
    if mode == "jupyter":
        if live:
            _update_jupyter(fig)
    elif mode == "window":
        _update_window(fig)
    elif mode == "png":
        if live and time.monotonic() - getattr(fig, "_glasstorch_saved_at", -PNG_INTERVAL) \
                < PNG_INTERVAL:
            fig._glasstorch_stale = True      # written by the next update, flush() or exit
        else:
            save_png(fig)


def flush(fig):
    """Write `fig`'s PNG now if an update was held back (Trainer.fit calls it at its end)."""
    if getattr(fig, "_glasstorch_stale", False):
        save_png(fig)


def _update_jupyter(fig):
    from IPython import display
    handle = getattr(fig, "_glasstorch_handle", None)
    if handle is None:
        import matplotlib.pyplot as plt
        fig._glasstorch_handle = display.display(fig, display_id=True)
        # shown through the handle only: the inline backend must not show it again at cell end
        plt.close(fig)
    else:
        handle.update(fig)


_window_figures = []     # figures opened in windows; kept open when the script ends


def _update_window(fig):
    if not getattr(fig, "_glasstorch_shown", False):
        fig.show()
        fig._glasstorch_shown = True
        _window_figures.append(fig)
    fig.canvas.draw_idle()
    fig.canvas.start_event_loop(0.001)     # lets the GUI toolkit paint now


def png_path(fig, stem="plot"):
    """The PNG file of `fig` (chosen on first use: <stem>.png, then <stem>_2.png ...)."""
    path = getattr(fig, "_glasstorch_png", None)
    if path is None:
        directory = _settings["directory"] or os.environ.get("GLASSTORCH_PLOT_DIR") or "."
        count = _png_names.get((directory, stem), 0) + 1
        _png_names[(directory, stem)] = count
        name = f"{stem}.png" if count == 1 else f"{stem}_{count}.png"
        path = os.path.abspath(os.path.join(directory, name))
        fig._glasstorch_png = path
    return path


def save_png(fig, stem=None):
    """Write `fig` to its PNG file (atomically: readers never see half a file). The first
    write prints the path."""
    first = getattr(fig, "_glasstorch_png", None) is None
    path = png_path(fig, stem or getattr(fig, "_glasstorch_stem", "plot"))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    partial = path + ".partial"
    fig.savefig(partial, format="png", bbox_inches="tight")
    os.replace(partial, path)
    fig._glasstorch_saved_at = time.monotonic()
    fig._glasstorch_stale = False
    if first:
        _png_figures.append(fig)
        _say(f"[glasstorch.d2l] no display: the plot is saved to {path} "
             f"(rewritten as it changes)")
    return path


def _say(message):
    """Print to stderr on a line of its own, also while a tqdm bar is drawn there."""
    try:
        from tqdm import tqdm
    except ImportError:
        print(message, file=sys.stderr)
    else:
        tqdm.write(message, file=sys.stderr)


@atexit.register
def _keep_windows_open_at_exit():
    """A script's windows would vanish the moment it ends (the book's code never calls
    plt.show()): if any is still open, wait until the learner closes them."""
    import matplotlib.pyplot as plt
    open_numbers = set(plt.get_fignums())
    if any(getattr(fig, "number", None) in open_numbers for fig in _window_figures):
        _say("[glasstorch.d2l] close the plot windows to end the program")
        plt.show()


@atexit.register
def _save_all_at_exit():
    """Rewrite every PNG once more: code may have changed a figure after its last update
    (a legend, a title added through d2l.plt)."""
    for fig in _png_figures:
        try:
            save_png(fig)
        except Exception:      # at exit, one broken figure must not stop the others
            pass
