"""The book's plotting helpers on matplotlib: plot, set_axes, set_figsize, show_images,
show_heatmaps and friends. How a finished figure reaches the learner (Jupyter, a window, a PNG
file) is decided in display.py."""
from matplotlib import pyplot as plt

from . import display


def use_svg_display():
    """Show plots as SVG in Jupyter (no effect outside a notebook)."""
    if display.in_jupyter():
        from matplotlib_inline import backend_inline
        backend_inline.set_matplotlib_formats("svg")


def set_figsize(figsize=(3.5, 2.5)):
    """Set the size of the figures made from now on."""
    use_svg_display()
    plt.rcParams["figure.figsize"] = figsize


def set_axes(axes, xlabel, ylabel, xlim, ylim, xscale, yscale, legend):
    """Label, scale and limit `axes`, add the legend and a grid."""
    axes.set_xlabel(xlabel), axes.set_ylabel(ylabel)
    axes.set_xscale(xscale), axes.set_yscale(yscale)
    axes.set_xlim(xlim), axes.set_ylim(ylim)
    if legend:
        axes.legend(legend)
    axes.grid()


def _has_one_axis(X):
    """True for a 1-d tensor/array or a flat list of numbers."""
    return (hasattr(X, "ndim") and X.ndim == 1
            or isinstance(X, list) and not hasattr(X[0], "__len__"))


def plot(X, Y=None, xlabel=None, ylabel=None, legend=[], xlim=None,
         ylim=None, xscale='linear', yscale='linear',
         fmts=('-', 'm--', 'g-.', 'r:'), figsize=(3.5, 2.5), axes=None):
    """Plot one or more curves. X and Y are each a 1-d sequence or a list of them; with Y
    omitted, X holds the y values. Curves take the formats of `fmts` in turn."""
    if _has_one_axis(X):
        X = [X]
    if Y is None:
        X, Y = [[]] * len(X), X
    elif _has_one_axis(Y):
        Y = [Y]
    if len(X) != len(Y):
        X = X * len(Y)
    set_figsize(figsize)
    if axes is None:
        # outside Jupyter each call gets its own figure (a notebook gets one per cell)
        if display.plot_output() != "jupyter":
            plt.figure(figsize=figsize)
        axes = plt.gca()
    axes.cla()
    for x, y, fmt in zip(X, Y, fmts):
        axes.plot(x, y, fmt) if len(x) else axes.plot(y, fmt)
    set_axes(axes, xlabel, ylabel, xlim, ylim, xscale, yscale, legend)
    display.show(axes.figure, live=False)


def show_images(imgs, num_rows, num_cols, titles=None, scale=1.5):
    """Show images (tensors or arrays, H x W or H x W x C) in a num_rows x num_cols grid."""
    figsize = (num_cols * scale, num_rows * scale)
    fig, axes = plt.subplots(num_rows, num_cols, figsize=figsize, squeeze=False)
    axes = axes.flatten()
    for i, (ax, img) in enumerate(zip(axes, imgs)):
        if hasattr(img, "detach"):
            img = img.detach().numpy()
        ax.imshow(img)
        ax.axes.get_xaxis().set_visible(False)
        ax.axes.get_yaxis().set_visible(False)
        if titles:
            ax.set_title(titles[i])
    display.show(fig, live=False)
    return axes


def show_heatmaps(matrices, xlabel, ylabel, titles=None, figsize=(2.5, 2.5),
                  cmap='Reds'):
    """Show a (rows, cols, h, w) tensor of matrices as heatmaps sharing one colour bar."""
    use_svg_display()
    num_rows, num_cols, _, _ = matrices.shape
    fig, axes = plt.subplots(num_rows, num_cols, figsize=figsize,
                             sharex=True, sharey=True, squeeze=False)
    for i, (row_axes, row_matrices) in enumerate(zip(axes, matrices)):
        for j, (ax, matrix) in enumerate(zip(row_axes, row_matrices)):
            pcm = ax.imshow(matrix.detach().numpy(), cmap=cmap)
            if i == num_rows - 1:
                ax.set_xlabel(xlabel)
            if j == 0:
                ax.set_ylabel(ylabel)
            if titles:
                ax.set_title(titles[j])
    fig.colorbar(pcm, ax=axes, shrink=0.6)
    display.show(fig, live=False)


def show_list_len_pair_hist(legend, xlabel, ylabel, xlist, ylist):
    """Histogram of the lengths of the lists in xlist and ylist (the second one hatched)."""
    set_figsize()
    if display.plot_output() != "jupyter":
        plt.figure()
    _, _, patches = plt.hist([[len(l) for l in xlist], [len(l) for l in ylist]])
    plt.xlabel(xlabel)
    plt.ylabel(ylabel)
    for patch in patches[1].patches:
        patch.set_hatch('/')
    plt.legend(legend)
    display.show(plt.gcf(), live=False)


def annotate(text, xy, xytext):
    """An arrow from `xytext` to `xy` labelled `text` on the current axes."""
    plt.gca().annotate(text, xy=xy, xytext=xytext, arrowprops=dict(arrowstyle='->'))
    display.show(plt.gcf(), live=False)


def show_trace_2d(f, results):
    """The path `results` [(x1, x2), ...] of an optimiser over the contours of f(x1, x2)."""
    import glasstorch
    set_figsize()
    if display.plot_output() != "jupyter":
        plt.figure()
    plt.plot(*zip(*results), '-o', color='#ff7f0e')
    x1, x2 = glasstorch.meshgrid(glasstorch.arange(-5.5, 1.0, 0.1),
                                 glasstorch.arange(-3.0, 1.0, 0.1), indexing='ij')
    plt.contour(x1, x2, f(x1, x2), colors='#1f77b4')
    plt.xlabel('x1')
    plt.ylabel('x2')
    display.show(plt.gcf(), live=False)
