"""ProgressBoard and Animator: figures that grow while a model trains.

Each keeps its matplotlib figure and updates it in place; display.py brings the figure to the
learner (a live Jupyter output, a window, or a PNG file rewritten at every update)."""
import collections
import itertools

from matplotlib import pyplot as plt

from . import display
from .hyperparameters import HyperParameters
from .plotting import set_axes, use_svg_display

Point = collections.namedtuple('Point', ['x', 'y'])


class ProgressBoard(HyperParameters):
    """A plot of named curves that grows point by point.

    draw(x, y, label, every_n) collects points per label and plots the mean of every `every_n`
    of them; curve k takes line style ls[k] and colour colors[k] (cycling past the fourth)."""

    def __init__(self, xlabel=None, ylabel=None, xlim=None,
                 ylim=None, xscale='linear', yscale='linear',
                 ls=['-', '--', '-.', ':'], colors=['C0', 'C1', 'C2', 'C3'],
                 fig=None, axes=None, figsize=(3.5, 2.5), display=True):
        self.save_hyperparameters()

    def draw(self, x, y, label, every_n=1):
        """Add point (x, y) to the curve `label`; every `every_n` points, plot their mean."""
        if not hasattr(self, 'raw_points'):
            self.raw_points = collections.OrderedDict()
            self.data = collections.OrderedDict()
        if label not in self.raw_points:
            self.raw_points[label] = []
            self.data[label] = []
        points = self.raw_points[label]
        points.append(Point(x, y))
        if len(points) != every_n:
            return
        self.data[label].append(Point(sum(p.x for p in points) / len(points),
                                      sum(p.y for p in points) / len(points)))
        points.clear()
        if not self.display:
            return
        self._redraw()

    def _redraw(self):
        use_svg_display()
        if self.fig is None:
            self.fig = plt.figure(figsize=self.figsize)
            self.fig._glasstorch_stem = "progress_board"
        axes = self.axes if self.axes else self.fig.gca()
        if not hasattr(self, '_lines') or self._lines_axes is not axes:
            self._lines, self._lines_axes = {}, axes
        styles = zip(itertools.cycle(self.ls), itertools.cycle(self.colors))
        for (label, line), (ls, color) in zip(self.data.items(), styles):
            xs, ys = [p.x for p in line], [p.y for p in line]
            if label in self._lines:
                self._lines[label].set_data(xs, ys)
            else:
                self._lines[label], = axes.plot(xs, ys, linestyle=ls, color=color)
        axes.relim()
        axes.autoscale_view()
        if self.xlim:
            axes.set_xlim(self.xlim)
        if self.ylim:
            axes.set_ylim(self.ylim)
        axes.set_xlabel(self.xlabel)
        axes.set_ylabel(self.ylabel)
        axes.set_xscale(self.xscale)
        axes.set_yscale(self.yscale)
        axes.legend(list(self._lines.values()), list(self._lines))
        display.show(self.fig, live=True)


class Animator:
    """A plot of several curves that grows with add(x, ys): ys[i] extends curve i (None skips
    it), drawn with fmts[i]."""

    def __init__(self, xlabel=None, ylabel=None, legend=None, xlim=None,
                 ylim=None, xscale='linear', yscale='linear',
                 fmts=('-', 'm--', 'g-.', 'r:'), nrows=1, ncols=1,
                 figsize=(3.5, 2.5)):
        if legend is None:
            legend = []
        use_svg_display()
        self.fig, self.axes = plt.subplots(nrows, ncols, figsize=figsize)
        self.fig._glasstorch_stem = "animator"
        if nrows * ncols == 1:
            self.axes = [self.axes, ]
        self.config_axes = lambda: set_axes(
            self.axes[0], xlabel, ylabel, xlim, ylim, xscale, yscale, legend)
        self.X, self.Y, self.fmts = None, None, fmts

    def add(self, x, y):
        """Append point i of (x, y) to curve i, for every i; then redraw."""
        if not hasattr(y, "__len__"):
            y = [y]
        n = len(y)
        if not hasattr(x, "__len__"):
            x = [x] * n
        if not self.X:
            self.X = [[] for _ in range(n)]
        if not self.Y:
            self.Y = [[] for _ in range(n)]
        for i, (a, b) in enumerate(zip(x, y)):
            if a is not None and b is not None:
                self.X[i].append(a)
                self.Y[i].append(b)
        self.axes[0].cla()
        for x, y, fmt in zip(self.X, self.Y, self.fmts):
            self.axes[0].plot(x, y, fmt)
        self.config_axes()
        display.show(self.fig, live=True)
