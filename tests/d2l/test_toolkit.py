"""(b) The toolkit's pieces against the real d2l package on the real torch: the same inputs
(NumPy data, copied weights) must give the same values, shapes, state and printed text."""
import collections

import numpy as np
import pytest
import torch

import glasstorch as gt
import glasstorch.d2l as d2l
from tests.d2l import helpers

RNG = np.random.default_rng(5)


def t(x):
    return torch.tensor(np.asarray(x))


def g(x):
    return gt.tensor(np.asarray(x))


def close(ours, theirs, rtol=1e-5, atol=1e-6):
    ours = ours.detach().numpy() if hasattr(ours, "detach") else np.asarray(ours)
    theirs = theirs.detach().numpy() if hasattr(theirs, "detach") else np.asarray(theirs)
    assert ours.shape == theirs.shape, (ours.shape, theirs.shape)
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=atol)


def copy_weights(ours, theirs):
    """Load our module's parameters into the torch module (same names)."""
    theirs.load_state_dict({k: torch.tensor(v.detach().numpy())
                            for k, v in ours.state_dict().items()})


# ------------------------------------------------------------------ d2l's own little tools

def test_module_is_reachable_under_the_books_names():
    from glasstorch.d2l import torch as book_spelling
    import glasstorch.d2l.torch as submodule
    assert book_spelling is d2l and submodule is d2l and d2l.d2l is d2l
    for name in ["add_to_class", "HyperParameters", "ProgressBoard", "Module", "DataModule",
                 "Trainer", "SyntheticRegressionData", "LinearRegressionScratch",
                 "LinearRegression", "SGD", "Classifier", "SoftmaxRegression", "FashionMNIST",
                 "cpu", "gpu", "num_gpus", "try_gpu", "try_all_gpus", "Timer", "Accumulator",
                 "Animator", "plot", "set_figsize", "set_axes", "use_svg_display",
                 "show_images", "load_array", "synthetic_data", "linreg", "squared_loss", "sgd",
                 "evaluate_accuracy", "corr2d", "init_cnn", "TimeMachine", "Vocab",
                 "RNNScratch", "RNNLMScratch", "RNN", "RNNLM", "GRU", "LSTM", "Encoder",
                 "Decoder", "EncoderDecoder", "Seq2Seq", "MTFraEng", "bleu", "show_heatmaps",
                 "masked_softmax", "DotProductAttention", "AdditiveAttention",
                 "MultiHeadAttention", "PositionalEncoding", "PositionWiseFFN", "AddNorm",
                 "TransformerEncoder", "download", "extract", "DATA_HUB", "DATA_URL", "plt"]:
        assert hasattr(d2l, name), name


def test_every_name_of_the_books_chapters_2_to_11_exists(real_d2l):
    """Every function and class of the book's module except those of chapters 12 and later
    (performance, vision, NLP applications, HPO, GANs, RL: from `split_batch` up to the
    earlier edition's helpers that start at `load_array`)."""
    import inspect
    source = inspect.getsource(real_d2l)
    later = range(source.index("def split_batch("), source.index("def load_array("))
    names = []
    for name, value in vars(real_d2l).items():
        if name.startswith("_") or not (inspect.isfunction(value) or inspect.isclass(value)):
            continue
        if getattr(value, "__module__", None) != real_d2l.__name__:
            continue
        where = max(source.find(f"def {name}("), source.find(f"class {name}("),
                    source.find(f"class {name}:"))
        if where not in later:
            names.append(name)
    assert len(names) > 100
    missing = sorted(name for name in names if not hasattr(d2l, name))
    assert not missing, missing
    for name in ["numpy", "size", "reshape", "to", "reduce_sum", "argmax", "astype",
                 "transpose", "reduce_mean", "expand_dims", "swapaxes", "repeat", "tensor",
                 "concat", "batch_matmul", "int32", "float32", "DATA_HUB", "DATA_URL",
                 "nn_Module", "LSTM"]:
        assert hasattr(d2l, name), name


def test_add_to_class_and_save_hyperparameters(real_d2l):
    results = []
    for lib in (d2l, real_d2l):
        class A:
            def __init__(self):
                self.b = 1

        @lib.add_to_class(A)
        def do(self):
            return self.b + 1

        class B(lib.HyperParameters):
            def __init__(self, a, b, c, _hidden=4):
                local = 5      # locals defined before the call are saved too, as in the book
                self.save_hyperparameters(ignore=['c'])

        b = B(1, [2], 3)
        results.append((A().do(), b.hparams, hasattr(b, "c"), hasattr(b, "_hidden"),
                        b.a, b.b))
    assert results[0] == results[1]
    assert results[0][1] == {"a": 1, "b": [2], "local": 5}


def test_progress_board_points_match_the_books(real_d2l):
    boards = [d2l.ProgressBoard('x'), real_d2l.ProgressBoard('x', display=False)]
    for board in boards:
        for x in np.arange(0, 10, 0.1):
            board.draw(x, np.sin(x), 'sin', every_n=2)
            board.draw(x, np.cos(x), 'cos', every_n=10)
    ours, theirs = boards
    assert list(ours.data) == list(theirs.data) == ['sin', 'cos']
    for label in theirs.data:
        close([tuple(p) for p in ours.data[label]], [tuple(p) for p in theirs.data[label]])
        assert len(ours.raw_points[label]) == len(theirs.raw_points[label])
    # what is drawn: one line per curve, in the book's styles, with its points
    axes = ours.fig.axes[0]
    assert [line.get_linestyle() for line in axes.lines] == ['-', '--']
    assert [line.get_color() for line in axes.lines] == ['C0', 'C1']
    close(axes.lines[1].get_ydata(), [p.y for p in theirs.data['cos']])
    assert [text.get_text() for text in axes.get_legend().get_texts()] == ['sin', 'cos']
    assert axes.get_xlabel() == 'x'


def test_progress_board_without_display_draws_nothing():
    board = d2l.ProgressBoard(display=False)
    board.draw(1, 2.0, 'a')
    assert board.fig is None and board.data['a'] == [(1.0, 2.0)]


def test_progress_board_keeps_curves_past_the_fourth():
    board = d2l.ProgressBoard(xlabel='x')
    for label in 'abcde':
        board.draw(0, 1.0, label)
        board.draw(1, 2.0, label)
    assert len(board.fig.axes[0].lines) == 5
    assert board.fig.axes[0].lines[4].get_linestyle() == '-'


def test_animator_matches_the_books(real_d2l):
    animators = [d2l.Animator(xlabel='epoch', xlim=[1, 3], legend=['a', 'b', 'c']),
                 real_d2l.Animator(xlabel='epoch', xlim=[1, 3], legend=['a', 'b', 'c'])]
    import IPython.display
    saved = IPython.display.display, IPython.display.clear_output
    real_d2l.display.display = real_d2l.display.clear_output = lambda *a, **k: None
    try:
        for animator in animators:
            animator.add(1, (0.5, 0.25, None))
            animator.add(2, (0.4, 0.5, 0.75))
            animator.add([3, 3, 3], [0.3, None, 0.8])
    finally:
        real_d2l.display.display, real_d2l.display.clear_output = saved
    ours, theirs = animators
    assert ours.X == theirs.X and ours.Y == theirs.Y
    for a, b in zip(ours.axes[0].lines, theirs.axes[0].lines):
        close(a.get_xydata(), b.get_xydata())
        assert (a.get_linestyle(), a.get_color()) == (b.get_linestyle(), b.get_color())
    assert ours.axes[0].get_xlim() == theirs.axes[0].get_xlim()
    assert [x.get_text() for x in ours.axes[0].get_legend().get_texts()] == ['a', 'b', 'c']


def test_plot_draws_what_the_books_plot_draws(real_d2l):
    from matplotlib import pyplot as plt
    x = np.arange(-3, 3, 0.5)
    figures = []
    for lib in (d2l, real_d2l):
        fig = plt.figure()
        lib.plot(x, [x ** 2, 2 * x - 3], 'x', 'f(x)', legend=['f', 'tangent'], xlim=[-3, 3],
                 yscale='log', axes=fig.gca())
        figures.append(fig.gca())
        fig = plt.figure()
        lib.plot(gt.arange(4.) if lib is d2l else torch.arange(4.), axes=fig.gca())
        figures.append(fig.gca())
    for ours, theirs in [(figures[0], figures[2]), (figures[1], figures[3])]:
        assert len(ours.lines) == len(theirs.lines)
        for a, b in zip(ours.lines, theirs.lines):
            close(a.get_xydata(), b.get_xydata())
            assert (a.get_linestyle(), a.get_color()) == (b.get_linestyle(), b.get_color())
        assert (ours.get_xlabel(), ours.get_ylabel(), ours.get_yscale(), ours.get_xlim()) == \
            (theirs.get_xlabel(), theirs.get_ylabel(), theirs.get_yscale(), theirs.get_xlim())
    assert plt.rcParams["figure.figsize"] == [3.5, 2.5]


def test_show_images_and_heatmaps(real_d2l):
    from matplotlib import pyplot as plt
    images = RNG.random((3, 4, 5)).astype(np.float32)
    ours = d2l.show_images(g(images), 1, 3, titles=['a', 'b', 'c'])
    theirs = real_d2l.show_images(t(images), 1, 3, titles=['a', 'b', 'c'])
    for a, b in zip(ours, theirs):
        close(a.get_images()[0].get_array(), b.get_images()[0].get_array())
        assert a.get_title() == b.get_title()
    matrices = RNG.random((2, 3, 4, 4)).astype(np.float32)
    d2l.show_heatmaps(g(matrices), 'keys', 'queries', titles=['x', 'y', 'z'])
    ours = plt.gcf().axes
    real_d2l.show_heatmaps(t(matrices), 'keys', 'queries', titles=['x', 'y', 'z'])
    theirs = plt.gcf().axes
    assert len(ours) == len(theirs) == 7       # 6 heatmaps and the colour bar
    for a, b in zip(ours[:6], theirs[:6]):
        close(a.get_images()[0].get_array(), b.get_images()[0].get_array())
        assert (a.get_title(), a.get_xlabel(), a.get_ylabel()) == \
            (b.get_title(), b.get_xlabel(), b.get_ylabel())


def test_timer_accumulator_benchmark(capsys):
    timer = d2l.Timer()
    timer.times = [1.0, 2.0, 3.5]
    assert (timer.avg(), timer.sum(), timer.cumsum()) == (6.5 / 3, 6.5, [1.0, 3.0, 6.5])
    acc = d2l.Accumulator(2)
    acc.add(1, g(2.5))
    acc.add(0.5, 1)
    assert (acc[0], acc[1], acc.data) == (1.5, 3.5, [1.5, 3.5])
    acc.reset()
    assert acc.data == [0.0, 0.0]
    with d2l.Benchmark('work'):
        pass
    assert capsys.readouterr().out.startswith('work: ') and ' sec' in capsys.readouterr().out + ' sec'


def test_devices(real_d2l):
    assert str(d2l.cpu()) == str(real_d2l.cpu()) == 'cpu'
    assert str(d2l.gpu(1)) == str(real_d2l.gpu(1)) == 'cuda:1'
    assert d2l.num_gpus() == real_d2l.num_gpus() == 0
    assert str(d2l.try_gpu()) == str(real_d2l.try_gpu()) == 'cpu'
    assert d2l.try_all_gpus() == real_d2l.try_all_gpus() == []


def test_aliases(real_d2l):
    x = RNG.standard_normal((2, 3)).astype(np.float32)
    for name, args in [("numpy", ()), ("size", ()), ("reshape", ((3, 2),)), ("reduce_sum", (1,)),
                       ("argmax", ()), ("transpose", ()), ("reduce_mean", (0,)),
                       ("expand_dims", (1,)), ("swapaxes", (0, 1)), ("repeat", (2, 1))]:
        ours, theirs = getattr(d2l, name)(g(x), *args), getattr(real_d2l, name)(t(x), *args)
        if name == "size":
            assert ours == theirs
        else:
            close(ours, theirs)
    close(d2l.astype(g(x), d2l.int32), real_d2l.astype(t(x), real_d2l.int32))
    close(d2l.concat([g(x), g(x)], 1), real_d2l.concat([t(x), t(x)], 1))
    close(d2l.batch_matmul(g(x[None]), g(x.T[None])), real_d2l.batch_matmul(t(x[None]),
                                                                          t(x.T[None])))


# -------------------------------------------------------------------- the early chapters

def test_plain_chapter_functions(real_d2l):
    X = RNG.standard_normal((8, 3)).astype(np.float32)
    w = RNG.standard_normal((3, 1)).astype(np.float32)
    y = RNG.standard_normal(8).astype(np.float32)
    close(d2l.linreg(g(X), g(w), g(0.5)), real_d2l.linreg(t(X), t(w), t(0.5)))
    close(d2l.squared_loss(g(X[:, :1]), g(y)), real_d2l.squared_loss(t(X[:, :1]), t(y)))
    logits = RNG.standard_normal((8, 4)).astype(np.float32)
    labels = RNG.integers(0, 4, 8)
    assert d2l.accuracy(g(logits), g(labels)) == real_d2l.accuracy(t(logits), t(labels))
    assert d2l.accuracy(g(labels), g(labels)) == real_d2l.accuracy(t(labels), t(labels)) == 8
    K = RNG.standard_normal((2, 3)).astype(np.float32)
    close(d2l.corr2d(g(X), g(K)), real_d2l.corr2d(t(X), t(K)))
    # sgd: both update in place and zero the gradients
    params = []
    for lib, make in ((gt, g), (torch, t)):
        p = make(w).requires_grad_()
        (lib.matmul(make(X), p) ** 2).sum().backward()
        (d2l if lib is gt else real_d2l).sgd([p], 0.1, 8)
        params.append(p)
    close(params[0], params[1])
    assert float(params[0].grad.abs().sum()) == 0


def test_evaluate_accuracy_and_loss(real_d2l):
    X = RNG.standard_normal((20, 5)).astype(np.float32)
    y = RNG.integers(0, 3, 20)
    net = gt.nn.Linear(5, 3)
    net_t = torch.nn.Linear(5, 3)
    copy_weights(net, net_t)
    ours = d2l.evaluate_accuracy(net, d2l.load_array((g(X), g(y)), 6, is_train=False))
    theirs = real_d2l.evaluate_accuracy_gpu(net_t, real_d2l.load_array((t(X), t(y)), 6, False))
    assert ours == pytest.approx(theirs) and not net.training
    assert d2l.evaluate_accuracy_gpu(net, d2l.load_array((g(X), g(y)), 7, False)) == \
        pytest.approx(theirs)
    reg = RNG.standard_normal((20, 3)).astype(np.float32)
    loss_ours = d2l.evaluate_loss(net, d2l.load_array((g(X), g(reg)), 6, False),
                                  gt.nn.MSELoss(reduction='none'))
    loss_theirs = real_d2l.evaluate_loss(net_t, real_d2l.load_array((t(X), t(reg)), 6, False),
                                         torch.nn.MSELoss(reduction='none'))
    assert loss_ours == pytest.approx(loss_theirs, rel=1e-5)


def test_gradient_clipping(real_d2l):
    grads = [RNG.standard_normal((3, 2)).astype(np.float32) * 5,
             RNG.standard_normal(3).astype(np.float32)]
    results = []
    for lib, make, tk in ((gt, g, d2l), (torch, t, real_d2l)):
        net = lib.nn.Linear(2, 3)
        for p, grad in zip(net.parameters(), grads):
            p.grad = make(grad)
        tk.Trainer(max_epochs=1).clip_gradients(1.0, net)
        clipped = [p.grad.clone() for p in net.parameters()]
        for p, grad in zip(net.parameters(), grads):
            p.grad = make(grad)
        tk.grad_clipping(net, 0.5)
        results.append(clipped + [p.grad for p in net.parameters()])
    for a, b in zip(*results):
        close(a, b)
    total = float(sum((p ** 2).sum() for p in results[0][:2])) ** 0.5
    assert total == pytest.approx(1.0, rel=1e-5)


def test_classifier_loss_and_accuracy(real_d2l):
    Y_hat = RNG.standard_normal((2, 3, 5)).astype(np.float32)
    Y = RNG.integers(0, 5, (2, 3))
    for averaged in (True, False):
        close(d2l.Classifier.loss(None, g(Y_hat), g(Y), averaged),
              real_d2l.Classifier.loss(None, t(Y_hat), t(Y), averaged))
        close(d2l.Classifier.accuracy(None, g(Y_hat), g(Y), averaged),
              real_d2l.Classifier.accuracy(None, t(Y_hat), t(Y), averaged))


class _FixedData:
    """A DataModule over fixed arrays, unshuffled, so both libraries see the same batches."""

    @staticmethod
    def make(lib, tk, X, y):
        class Fixed(tk.DataModule):
            def __init__(self, batch_size=16):
                super().__init__()
                self.save_hyperparameters()
                self.X, self.y = lib.tensor(X), lib.tensor(y)

            def get_dataloader(self, train):
                i = slice(0, 48) if train else slice(48, None)
                data = lib.utils.data.TensorDataset(self.X[i], self.y[i])
                return lib.utils.data.DataLoader(data, self.batch_size, shuffle=False)
        return Fixed()


def test_trainer_fits_as_the_books_trainer(real_d2l):
    """Same data, same initial weights, no shuffling: the scratch linear regression, the
    concise one and softmax regression end with the same weights and the same board."""
    X = RNG.standard_normal((64, 4)).astype(np.float32)
    y = (X @ np.array([[1.0], [-2.0], [0.5], [3.0]], np.float32) + 0.1).astype(np.float32)
    labels = RNG.integers(0, 3, 64)
    results = []
    for lib, tk in ((gt, d2l), (torch, real_d2l)):
        lib.manual_seed(0)
        data = _FixedData.make(lib, tk, X, y)
        scratch = tk.LinearRegressionScratch(4, lr=0.05)
        scratch.board.display = False
        with lib.no_grad():
            scratch.w.copy_(lib.tensor(np.linspace(-1, 1, 4, dtype=np.float32)[:, None]))
        tk.Trainer(max_epochs=3).fit(scratch, data)
        concise = tk.LinearRegression(lr=0.05)
        concise.board.display = False
        concise.apply_init([lib.tensor(X[:2])])
        with lib.no_grad():
            concise.net.weight.copy_(lib.tensor(np.full((1, 4), 0.1, np.float32)))
            concise.net.bias.fill_(0.2)      # the book's fill_(0) ran before the lazy init
        tk.Trainer(max_epochs=2, gradient_clip_val=5).fit(concise, data)
        softmax = tk.SoftmaxRegression(3, lr=0.1)
        softmax.board.display = False
        softmax.apply_init([lib.tensor(X[:2])])
        with lib.no_grad():
            softmax.net[1].weight.copy_(lib.tensor(np.full((3, 4), 0.01, np.float32)))
            softmax.net[1].bias.zero_()
        classes = _FixedData.make(lib, tk, X, labels)
        trainer = tk.Trainer(max_epochs=2)
        trainer.fit(softmax, classes)
        results.append((scratch.w, scratch.b, *concise.get_w_b(), softmax.net[1].weight,
                        {k: [tuple(map(float, p)) for p in v] for k, v in scratch.board.data.items()},
                        {k: [tuple(map(float, p)) for p in v] for k, v in softmax.board.data.items()},
                        trainer.train_batch_idx, trainer.val_batch_idx, scratch.board.xlim))
    ours, theirs = results
    for a, b in zip(ours[:5], theirs[:5]):
        close(a, b, rtol=1e-4, atol=1e-5)
    for a, b in zip(ours[5:7], theirs[5:7]):
        assert list(a) == list(b)
        for k in a:
            close(a[k], b[k], rtol=1e-4, atol=1e-5)
    assert ours[7:] == theirs[7:]


def test_trainer_shows_a_tqdm_bar_over_epochs(capsys):
    X = RNG.standard_normal((64, 2)).astype(np.float32)
    data = _FixedData.make(gt, d2l, X, X[:, :1])
    model = d2l.LinearRegressionScratch(2, lr=0.01)
    d2l.Trainer(max_epochs=2).fit(model, data)
    err = capsys.readouterr().err
    assert "epochs" in err and "2/2" in err and "train_loss=" in err and "val_loss=" in err


def test_synthetic_regression_data():
    gt.manual_seed(1)
    data = d2l.SyntheticRegressionData(w=gt.tensor([2, -3.4]), b=4.2, num_train=300,
                                       num_val=100, batch_size=25)
    assert data.X.shape == (400, 2) and data.y.shape == (400, 1)
    assert (len(data.train_dataloader()), len(data.val_dataloader())) == (12, 4)
    residual = data.y - (data.X @ gt.tensor([[2.0], [-3.4]]) + 4.2)
    assert float(residual.std()) == pytest.approx(0.01, rel=0.2)
    X, y = d2l.synthetic_data(gt.tensor([2, -3.4]), 4.2, 500)
    assert X.shape == (500, 2) and y.shape == (500, 1)
    assert float((y - (X @ gt.tensor([[2.0], [-3.4]]) + 4.2)).std()) == pytest.approx(0.01,
                                                                                   rel=0.2)


def test_fashion_mnist_data_module(real_d2l, tmp_path):
    arrays = helpers.write_fashion_mnist(str(tmp_path), n_train=40, n_test=20)
    modules = []
    for tk in (d2l, real_d2l):
        class Data(tk.FashionMNIST):
            def __init__(self):
                tk.DataModule.__init__(self, root=str(tmp_path), num_workers=0)
                self.__class__.__bases__[0].__init__.__wrapped__ if False else None
        # the book's constructor with root redirected through DataModule's default
        saved = tk.DataModule.__init__.__defaults__
        tk.DataModule.__init__.__defaults__ = (str(tmp_path), 0)
        try:
            modules.append(tk.FashionMNIST(batch_size=16, resize=(32, 32)))
        finally:
            tk.DataModule.__init__.__defaults__ = saved
    ours, theirs = modules
    assert (len(ours.train), len(ours.val)) == (len(theirs.train), len(theirs.val)) == (40, 20)
    assert ours.root == theirs.root == str(tmp_path) and ours.resize == (32, 32)
    close(ours.train[3][0], theirs.train[3][0], atol=1e-6)
    batch_ours = next(iter(ours.val_dataloader()))
    batch_theirs = next(iter(theirs.val_dataloader()))
    close(batch_ours[0], batch_theirs[0])
    close(batch_ours[1], batch_theirs[1])
    assert ours.text_labels(batch_ours[1]) == theirs.text_labels(batch_theirs[1]) == \
        d2l.get_fashion_mnist_labels(arrays["t10k"][1][:16])
    assert len(ours.train_dataloader()) == len(theirs.train_dataloader()) == 3
    ours.visualize(batch_ours)
    from matplotlib import pyplot as plt
    axes = plt.gcf().axes
    assert len(axes) == 8 and axes[0].get_title() == ours.text_labels(batch_ours[1][:1])[0]


# ------------------------------------------------------------------------- text and RNNs

TEXT = ("The Time Machine, by H. G. Wells [1898]\n\nI\n\nThe Time Traveller (for so it will "
        "be convenient to speak of him) was expounding a recondite matter to us. His grey "
        "eyes shone and twinkled, and his usually pale face was flushed and animated.")


def test_vocab_and_tokenize(real_d2l):
    for tokens in (list("hello world"), [["a", "b"], ["b", "c", "c"]]):
        for kwargs in ({}, {"min_freq": 2, "reserved_tokens": ["<pad>", "<bos>"]}):
            ours, theirs = d2l.Vocab(tokens, **kwargs), real_d2l.Vocab(tokens, **kwargs)
            assert ours.idx_to_token == theirs.idx_to_token
            assert ours.token_to_idx == theirs.token_to_idx
            assert ours.token_freqs == theirs.token_freqs
            assert len(ours) == len(theirs) and ours.unk == theirs.unk
            assert ours[["c", "zz", "b"]] == theirs[["c", "zz", "b"]]
            assert ours.to_tokens([1, 0]) == theirs.to_tokens([1, 0])
            assert ours.to_tokens(1) == theirs.to_tokens(1)
    lines = TEXT.split("\n")
    assert d2l.tokenize(lines) == real_d2l.tokenize(lines)
    assert d2l.tokenize(lines, 'char') == real_d2l.tokenize(lines, 'char')


def _time_machine(tk, **kwargs):
    class Local(tk.TimeMachine):
        def _download(self):
            return TEXT * 3
    return Local(**kwargs)


def test_time_machine(real_d2l):
    ours = _time_machine(d2l, batch_size=4, num_steps=5, num_train=100, num_val=50)
    theirs = _time_machine(real_d2l, batch_size=4, num_steps=5, num_train=100, num_val=50)
    assert ours.vocab.idx_to_token == theirs.vocab.idx_to_token
    close(ours.X, theirs.X)
    close(ours.Y, theirs.Y)
    assert ours.X.dtype == gt.int64
    assert len(ours.train_dataloader()) == len(theirs.train_dataloader()) == 25
    assert len(ours.val_dataloader()) == len(theirs.val_dataloader())
    corpus, vocab = ours.build("it had")
    assert (corpus, vocab.idx_to_token) == (list(theirs.build("it had")[0]),
                                            theirs.build("it had")[1].idx_to_token)


def test_rnn_scratch_and_language_model(real_d2l):
    vocab = d2l.Vocab(list("abcdefgh "))
    models = []
    for lib, tk in ((gt, d2l), (torch, real_d2l)):
        rnn = tk.RNNScratch(num_inputs=len(vocab), num_hiddens=6, sigma=0.5)
        models.append(tk.RNNLMScratch(rnn, vocab_size=len(vocab), lr=1))
    ours, theirs = models
    copy_weights(ours, theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == \
        ['W_hq', 'b_q', 'rnn.W_xh', 'rnn.W_hh', 'rnn.b_h']
    X = RNG.integers(0, len(vocab), (3, 7))
    close(ours(g(X)), theirs(t(X)), rtol=1e-5, atol=1e-6)
    outputs, state = ours.rnn(ours.one_hot(g(X)))
    d2l.check_len(outputs, 7)
    d2l.check_shape(state, (3, 6))
    with pytest.raises(AssertionError, match="length 7 != expected length 2"):
        d2l.check_len(outputs, 2)
    assert ours.predict("abc", 10, vocab) == theirs.predict("abc", 10, vocab)
    Y = RNG.integers(0, len(vocab), (3, 7))
    close(ours.loss(ours(g(X)), g(Y)), theirs.loss(theirs(t(X)), t(Y)))


needs_rnn = pytest.mark.skipif(not hasattr(gt.nn, "GRU"), reason="nn.RNN/GRU/LSTM not built yet")
needs_conv = pytest.mark.skipif(not hasattr(gt.nn, "LazyConv2d"), reason="nn.Conv2d not built yet")


@needs_rnn
def test_rnn_gru_lstm_modules(real_d2l):
    X = RNG.standard_normal((5, 2, 4)).astype(np.float32)
    for name, args in (("RNN", (4, 3)), ("GRU", (4, 3, 2)), ("LSTM", (4, 3))):
        ours, theirs = getattr(d2l, name)(*args), getattr(real_d2l, name, None)
        if theirs is None:      # the book defines LSTM in its chapter, not in the library
            theirs = type("LSTM", (real_d2l.RNN,), {
                "__init__": lambda self, i, h: (real_d2l.Module.__init__(self),
                                                setattr(self, "rnn", torch.nn.LSTM(i, h)),
                                                None)[-1],
                "forward": lambda self, inputs, H_C=None: self.rnn(inputs, H_C)})
        theirs = theirs(*args)
        copy_weights(ours, theirs)
        out_ours, state_ours = ours(g(X))
        out_theirs, state_theirs = theirs(t(X))
        close(out_ours, out_theirs, rtol=1e-4, atol=1e-5)
    lm_ours = d2l.RNNLM(d2l.GRU(6, 5, 1), vocab_size=6)
    assert lm_ours.rnn.num_hiddens == 5


@needs_rnn
def test_seq2seq_encoder(real_d2l):
    gt.manual_seed(0)
    ours = d2l.Seq2SeqEncoder(10, 8, 16, 2)
    theirs = real_d2l.Seq2SeqEncoder(10, 8, 16, 2)
    copy_weights(ours, theirs)
    X = RNG.integers(0, 10, (4, 9))
    (o1, s1), (o2, s2) = ours(g(X)), theirs(t(X))
    close(o1, o2, rtol=1e-4, atol=1e-5)
    close(s1, s2, rtol=1e-4, atol=1e-5)


@needs_conv
def test_lenet_and_init_cnn(real_d2l):
    ours, theirs = d2l.LeNet(), real_d2l.LeNet()
    ours.apply_init([gt.zeros(1, 1, 28, 28)], d2l.init_cnn)
    theirs.apply_init([torch.zeros(1, 1, 28, 28)], real_d2l.init_cnn)
    copy_weights(ours, theirs)
    X = RNG.standard_normal((2, 1, 28, 28)).astype(np.float32)
    close(ours(g(X)), theirs(t(X)), rtol=1e-4, atol=1e-5)


# --------------------------------------------------------------- translation and attention

PAIRS = ("Go.\tVa !\nHi.\tSalut !\nRun!\tCours\u202f!\nRun!\tCourez\u202f!\nWho?\tQui ?\n"
         "Wow!\tÇa alors\u202f!\nGo.\tVa !\nHi.\tSalut.\nI ran.\tJ'ai couru.\n")


def test_nmt_helpers(real_d2l):
    text_ours, text_theirs = d2l.preprocess_nmt(PAIRS), real_d2l.preprocess_nmt(PAIRS)
    assert text_ours == text_theirs
    src, tgt = d2l.tokenize_nmt(text_ours, 5)
    assert (src, tgt) == real_d2l.tokenize_nmt(text_theirs, 5)
    assert d2l.truncate_pad([1, 2], 4, 0) == real_d2l.truncate_pad([1, 2], 4, 0) == [1, 2, 0, 0]
    assert d2l.truncate_pad([1, 2, 3], 2, 0) == [1, 2]
    vocab = d2l.Vocab(src, reserved_tokens=['<pad>', '<bos>', '<eos>'])
    vocab_t = real_d2l.Vocab(src, reserved_tokens=['<pad>', '<bos>', '<eos>'])
    for a, b in zip(d2l.build_array_nmt(src, vocab, 4), real_d2l.build_array_nmt(src, vocab_t, 4)):
        close(a, b)
        assert str(a.dtype) == str(b.dtype)


def test_mt_fra_eng(real_d2l):
    data = []
    for tk in (d2l, real_d2l):
        class Local(tk.MTFraEng):
            def _download(self):
                return PAIRS * 2
        data.append(Local(batch_size=3, num_steps=5, num_train=8, num_val=4))
    ours, theirs = data
    assert ours.src_vocab.idx_to_token == theirs.src_vocab.idx_to_token
    assert ours.tgt_vocab.idx_to_token == theirs.tgt_vocab.idx_to_token
    for a, b in zip(ours.arrays, theirs.arrays):
        close(a, b)
        assert str(a.dtype) == str(b.dtype)
    for a, b in zip(ours.build(["hi ."], ["salut ."]), theirs.build(["hi ."], ["salut ."])):
        close(a, b)
    assert len(ours.train_dataloader()) == len(theirs.train_dataloader())


def test_bleu(real_d2l):
    pairs = [("il a tout de suite .", "il s'en va !"), ("je suis chez moi .", "je suis chez moi ."),
             ("va !", "va !"), ("il est calme .", "je suis calme .")]
    for pred, label in pairs:
        assert d2l.bleu(pred, label, k=2) == pytest.approx(real_d2l.bleu(pred, label, k=2))
    assert d2l.bleu("va !", "va !", k=2) == 1.0


def test_masking(real_d2l):
    X = RNG.standard_normal((2, 3, 4)).astype(np.float32)
    for valid in (np.array([2, 3]), np.array([[1, 3, 0], [2, 4, 4]])):
        close(d2l.masked_softmax(g(X), g(valid)), real_d2l.masked_softmax(t(X), t(valid)))
    close(d2l.masked_softmax(g(X), None), real_d2l.masked_softmax(t(X), None))
    before = X.copy()
    d2l.masked_softmax(g(X), g(np.array([1, 1])))
    np.testing.assert_array_equal(X, before)
    M = RNG.standard_normal((3, 4)).astype(np.float32)
    close(d2l.sequence_mask(g(M), g(np.array([1, 2, 4])), -1),
          real_d2l.sequence_mask(t(M), t(np.array([1, 2, 4])), -1))
    pred = RNG.standard_normal((3, 4, 10)).astype(np.float32)
    label = RNG.integers(0, 10, (3, 4))
    valid = np.array([4, 2, 0])
    close(d2l.MaskedSoftmaxCELoss()(g(pred), g(label), g(valid)),
          real_d2l.MaskedSoftmaxCELoss()(t(pred), t(label), t(valid)))


def _same_module_output(ours, theirs, *inputs, rtol=1e-5, atol=1e-6):
    """Run both once (sizing lazy layers), copy our weights, compare outputs in eval mode."""
    ours.eval(), theirs.eval()
    ours(*[g(x) if x is not None else None for x in inputs])
    theirs(*[t(x) if x is not None else None for x in inputs])
    copy_weights(ours, theirs)
    out_ours = ours(*[g(x) if x is not None else None for x in inputs])
    out_theirs = theirs(*[t(x) if x is not None else None for x in inputs])
    close(out_ours, out_theirs, rtol, atol)
    return out_ours


def test_attention_modules(real_d2l):
    queries = RNG.standard_normal((2, 1, 20)).astype(np.float32)
    keys = RNG.standard_normal((2, 10, 2)).astype(np.float32)
    values = np.tile(np.arange(40, dtype=np.float32).reshape(1, 10, 4), (2, 1, 1))
    valid = np.array([2, 6])
    ours = d2l.AdditiveAttention(num_hiddens=8, dropout=0.1)
    _same_module_output(ours, real_d2l.AdditiveAttention(num_hiddens=8, dropout=0.1),
                        queries, keys, values, valid)
    assert ours.attention_weights.shape == (2, 1, 10)
    q2 = RNG.standard_normal((2, 1, 2)).astype(np.float32)
    _same_module_output(d2l.DotProductAttention(0.5), real_d2l.DotProductAttention(0.5),
                        q2, keys, values, valid)
    X = RNG.standard_normal((2, 4, 12)).astype(np.float32)
    Y = RNG.standard_normal((2, 6, 12)).astype(np.float32)
    _same_module_output(d2l.MultiHeadAttention(12, 3, 0.5), real_d2l.MultiHeadAttention(12, 3, 0.5),
                        X, Y, Y, np.array([3, 2]))
    _same_module_output(d2l.MultiHeadAttention(12, 3, 0, bias=True),
                        real_d2l.MultiHeadAttention(12, 3, 0, bias=True), X, Y, Y, None)
    _same_module_output(d2l.PositionWiseFFN(5, 12), real_d2l.PositionWiseFFN(5, 12), X)
    _same_module_output(d2l.AddNorm(12, 0.5), real_d2l.AddNorm(12, 0.5), X, X[::-1].copy())


def test_positional_encoding_and_transformer_encoder(real_d2l):
    ours, theirs = d2l.PositionalEncoding(32, 0), real_d2l.PositionalEncoding(32, 0)
    close(ours.P, theirs.P, rtol=1e-5, atol=1e-5)
    X = np.zeros((1, 60, 32), np.float32)
    close(ours(g(X)), theirs(t(X)), rtol=1e-5, atol=1e-5)
    _same_module_output(d2l.TransformerEncoderBlock(24, 48, 8, 0.5),
                        real_d2l.TransformerEncoderBlock(24, 48, 8, 0.5),
                        RNG.standard_normal((2, 100, 24)).astype(np.float32), np.array([3, 2]),
                        rtol=1e-4, atol=1e-4)
    ours = d2l.TransformerEncoder(200, 24, 48, 8, 2, 0.5)
    theirs = real_d2l.TransformerEncoder(200, 24, 48, 8, 2, 0.5)
    tokens = RNG.integers(0, 200, (2, 100))
    out = _same_module_output(ours, theirs, tokens, np.array([3, 2]), rtol=1e-4, atol=1e-4)
    assert out.shape == (2, 100, 24)
    assert len(ours.attention_weights) == 2
    close(ours.attention_weights[1], theirs.attention_weights[1], rtol=1e-4, atol=1e-5)


def test_encoder_decoder_interfaces():
    with pytest.raises(NotImplementedError):
        d2l.Encoder()(gt.zeros(1))
    with pytest.raises(NotImplementedError):
        d2l.Decoder().init_state(None)
    with pytest.raises(NotImplementedError):
        d2l.AttentionDecoder().attention_weights
    with pytest.raises(NotImplementedError):
        d2l.Module().loss(None, None)
