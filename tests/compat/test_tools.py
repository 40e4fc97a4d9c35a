"""Third-party PyTorch tools run unchanged on glasstorch through the torch alias: one script,
run by `python` (real PyTorch) and by `python -m glasstorch`, must print the same thing.

torchinfo.summary prints the same tables; torchviz.make_dot draws the same graph (node labels
and edges, with the node ids, which are Python object ids, renumbered in order of appearance).
"""
import re
import shutil

import pytest

import glasstorch

from ._run import run_code

pytestmark = pytest.mark.slow

# torchinfo refers to nn.MultiheadAttention at import; until glasstorch has it (another issue),
# the glasstorch run gets a stand-in class that no model here uses
STAND_INS = """
import torch
if not hasattr(torch.nn, "MultiheadAttention"):
    class MultiheadAttention(torch.nn.Module):
        pass
    torch.nn.MultiheadAttention = MultiheadAttention
"""

TORCHINFO_SCRIPT = STAND_INS + """
import sys
import torch.nn as nn
from torchinfo import summary

torch.manual_seed(0)


class TwoLayer(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Sequential(nn.Linear(20, 32), nn.Sigmoid())
        self.out = nn.Linear(32, 3)
        self.act = nn.Tanh()

    def forward(self, x):
        return self.act(self.out(self.hidden(x)))


class Bag(nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(100, 16)
        self.fc = nn.Linear(16, 4)

    def forward(self, tokens):
        return self.fc(self.embedding(tokens).mean(dim=1))


mlp = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
dnn = nn.Sequential(nn.Linear(784, 512), nn.BatchNorm1d(512), nn.ReLU(), nn.Dropout(0.3),
                    nn.Linear(512, 10))
frozen = nn.Sequential(nn.Linear(10, 10), nn.ReLU(), nn.Linear(10, 2))
frozen[0].weight.requires_grad_(False)
all_columns = ("input_size", "output_size", "num_params", "params_percent", "kernel_size",
               "mult_adds", "trainable")

print(summary(mlp, input_size=(64, 1, 28, 28)))
print(summary(dnn, input_size=(128, 784), verbose=0))
print(summary(TwoLayer(), input_size=(5, 20), col_names=all_columns, depth=4))
print(summary(TwoLayer(), input_data=[torch.randn(2, 20)], depth=1, row_settings=("var_names",)))
# (not dtypes=[torch.long]: torchinfo then compares with torch.bfloat16, which glasstorch lacks)
print(summary(Bag(), input_data=torch.randint(0, 100, (8, 12)), col_names=all_columns))
print(summary(frozen, input_size=(1, 10), col_names=("num_params", "trainable")))
print(summary(dnn))                                  # no forward pass: parameters only
if sys.argv[1] == "conv":
    lenet = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.Sigmoid(), nn.AvgPool2d(2, 2),
                          nn.Conv2d(6, 16, 5), nn.Sigmoid(), nn.AvgPool2d(2, 2), nn.Flatten(),
                          nn.Linear(16 * 5 * 5, 120), nn.Sigmoid(), nn.Linear(120, 84),
                          nn.Sigmoid(), nn.Linear(84, 10))
    cnn = nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(),
                        nn.MaxPool2d(2), nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(),
                        nn.MaxPool2d(2), nn.Flatten(), nn.Dropout(0.25),
                        nn.Linear(64 * 7 * 7, 10))
    print(summary(lenet, input_size=(1, 1, 28, 28), col_names=all_columns))
    print(summary(cnn, input_size=(16, 1, 28, 28)))
"""


def _conv_flag():
    return "conv" if hasattr(glasstorch.nn, "Conv2d") else "mlp"


def test_torchinfo_summary_prints_pytorchs_tables(tmp_path):
    script = TORCHINFO_SCRIPT.replace("sys.argv[1]", repr(_conv_flag()))
    expected = run_code(script, cwd=tmp_path)
    ours = run_code(script, cwd=tmp_path, alias=True)
    assert "Total params: 408,074" in expected      # the DNN's table is there
    assert ours == expected


TORCHVIZ_SCRIPT = STAND_INS + """
import re
import torch.nn as nn
import torch.nn.functional as F
from torchviz import make_dot

torch.manual_seed(0)


def show(dot):
    ids = {}
    print(re.sub(r"\\b\\d{6,}\\b", lambda m: "n%d" % ids.setdefault(m.group(0), len(ids)),
                 dot.source))


x, y = torch.randn(16, 784), torch.randint(0, 10, (16,))
dnn = nn.Sequential(nn.Linear(784, 64), nn.BatchNorm1d(64), nn.ReLU(), nn.Dropout(0.3),
                    nn.Linear(64, 10))
loss = F.cross_entropy(dnn(x), y)
show(make_dot(loss, params=dict(dnn.named_parameters())))
show(make_dot(dnn(x)))                                   # the root is linear's AddmmBackward0
loss.backward()
show(make_dot(loss, params=dict(dnn.named_parameters())))    # after backward: the same graph

# the course's scratch models: linear regression and a two-layer net with raw tensors
X, w = torch.randn(10, 2), torch.normal(0, 0.01, (2, 1), requires_grad=True)
b = torch.zeros(1, requires_grad=True)
y_hat = torch.matmul(X, w) + b
show(make_dot(((y_hat - torch.randn(10, 1)) ** 2 / 2).mean(), params={"w": w, "b": b}))
W1 = torch.randn(784, 256, requires_grad=True) * 0.01
b1 = torch.zeros(256, requires_grad=True)
H = torch.relu(x @ W1 + b1)
show(make_dot(F.cross_entropy(H @ torch.randn(256, 10, requires_grad=True), y)))

# logistic regression, a 3-d input through linear, no-bias layers, an embedding, MSE
logistic = nn.Sequential(nn.Linear(2, 1), nn.Sigmoid())
show(make_dot(F.binary_cross_entropy(logistic(torch.randn(8, 2)), torch.rand(8, 1))))
seq = nn.Sequential(nn.Embedding(50, 8), nn.Linear(8, 8, bias=False), nn.Tanh(), nn.Linear(8, 1))
show(make_dot(F.mse_loss(seq(torch.randint(0, 50, (4, 6))), torch.randn(4, 6, 1)),
              params=dict(seq.named_parameters())))
vector_in = nn.Linear(5, 3)(torch.randn(5, requires_grad=True))
show(make_dot(vector_in.sum()))
show(make_dot((nn.Linear(5, 3, bias=False)(torch.randn(5)).sum(),
               F.softmax(torch.randn(3, 4, requires_grad=True), dim=1).view(12))))
"""


def test_torchviz_make_dot_draws_pytorchs_graph(tmp_path):
    expected = run_code(TORCHVIZ_SCRIPT, cwd=tmp_path)
    ours = run_code(TORCHVIZ_SCRIPT, cwd=tmp_path, alias=True)
    assert "TBackward0" in expected and "LogSoftmaxBackward0" in expected
    assert ours.split("digraph") == expected.split("digraph")


def test_torchviz_renders_a_png_with_graphviz(tmp_path):
    assert shutil.which("dot"), "Graphviz's `dot` is needed (Debian package graphviz)"
    run_code(STAND_INS + """
        import torch.nn as nn, torch.nn.functional as F
        from torchviz import make_dot
        model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
        loss = F.cross_entropy(model(torch.randn(2, 4)), torch.tensor([0, 2]))
        make_dot(loss, params=dict(model.named_parameters())).render("graph", format="png")
    """.replace("\n        ", "\n"), cwd=tmp_path, alias=True)
    png = (tmp_path / "graph.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert width > 100 and height > 300          # seven nodes stacked: a tall picture


def test_node_classes_carry_pytorchs_node_names():
    # what torchviz prints is type(grad_fn).__name__: it must be the node's PyTorch name
    x = glasstorch.randn(4, 3, requires_grad=True)
    w = glasstorch.randn(2, 3, requires_grad=True)
    out = glasstorch.nn.functional.linear(x, w)             # renamed after it was recorded
    assert type(out.grad_fn).__name__ == out.grad_fn.name() == "MmBackward0"
    assert re.fullmatch(r"<MmBackward0 object at 0x[0-9a-f]+>", repr(out.grad_fn))
    total = (x * 2).sum()
    assert type(total.grad_fn).__name__ == "SumBackward0"
    assert isinstance(total.grad_fn, glasstorch.autograd.graph.Node)
    mul_node = total.grad_fn.next_functions[0][0]
    assert type(mul_node).__name__ == "MulBackward0"
    leaf = mul_node.next_functions[0][0]
    assert type(leaf).__name__ == "AccumulateGrad" and leaf.variable is x
    # one AccumulateGrad per leaf, the same object however it is reached
    twice = x * x
    assert twice.grad_fn.next_functions[0][0] is twice.grad_fn.next_functions[1][0]
    assert not hasattr(total.grad_fn, "saved_tensors")       # as PyTorch's built-in nodes
    assert not hasattr(total.grad_fn, "variable")


def test_custom_function_nodes_are_named_and_keep_saved_tensors():
    class Square(glasstorch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 2 * x * g

    x = glasstorch.tensor([3.0], requires_grad=True)
    out = Square.apply(x)
    assert type(out.grad_fn).__name__ == out.grad_fn.name() == "SquareBackward"
    assert out.grad_fn.saved_tensors[0] is x                # custom nodes expose them
    out.backward()
    assert x.grad.tolist() == [6.0]
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        out.grad_fn.saved_tensors
