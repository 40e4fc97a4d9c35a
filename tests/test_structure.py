"""The op library's layout (issue 6, "one home for each idea"): each op file reads op after op,
a Function class directly followed by the public function that calls it; relu, sigmoid and tanh
live with the other activations; non-Tensor arguments are refused by one helper."""
import ast
import pathlib
import re

import pytest

OPS = pathlib.Path(__file__).resolve().parents[1] / "src" / "glasstorch" / "_ops"

ORDERED = ["elementwise", "activation", "reduce", "shape", "index", "loss", "creation",
           "comparison", "sort", "special", "complex", "random", "normalization", "pooling",
           "adaptive_pooling", "conv", "fold", "upsampling", "grid_sample", "attention",
           "inplace", "division", "rounding", "minmax", "where", "fused_arithmetic", "linear",
           "dropout", "sparse", "distance", "padding", "pixelshuffle", "channelshuffle",
           "resampling", "products", "norms", "solvers", "decompositions", "matrix_functions",
           "cdist"]


def _tree(name):
    return ast.parse((OPS / f"{name}.py").read_text())


def _is_function_class(node):
    return isinstance(node, ast.ClassDef) and any(
        (isinstance(b, ast.Name) and b.id == "Function") or
        (isinstance(b, ast.Attribute) and b.attr == "Function") for b in node.bases)


def _names(node):
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


@pytest.mark.parametrize("module", ORDERED)
def test_function_class_is_followed_by_its_public_function(module):
    """For every Function class that a public function of the same file calls, the first such
    function comes after the class, with no unrelated Function class in between."""
    body = _tree(module).body
    classes = {n.name: i for i, n in enumerate(body) if _is_function_class(n)}
    publics = [(i, n) for i, n in enumerate(body)
               if isinstance(n, ast.FunctionDef) and not n.name.startswith("_")]
    problems = []
    for name, at in classes.items():
        users = [(i, f) for i, f in publics if name in _names(f)]
        if not users:
            continue            # applied by private helpers or by other modules only
        first, user = users[0]
        if first < at:
            problems.append(f"{user.name} comes before {name}")
            continue
        used_by_user = _names(user)
        between = [body[j].name for j in range(at + 1, first)
                   if _is_function_class(body[j]) and body[j].name not in used_by_user]
        if between:
            problems.append(f"{', '.join(between)} between {name} and {user.name}")
    assert not problems, f"{module}.py: " + "; ".join(problems)


@pytest.mark.parametrize("name", ["relu", "sigmoid", "tanh"])
def test_relu_sigmoid_tanh_are_activations(name):
    activation = {n.name for n in _tree("activation").body
                  if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    elementwise = {n.name for n in _tree("elementwise").body
                   if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    assert name in activation and name.capitalize() in activation
    assert name not in elementwise and name.capitalize() not in elementwise




def test_one_tensor_argument_check():
    """PyTorch's "argument 'input' (position 1) must be Tensor, not int" comes from
    _util.check_tensor only."""
    by_hand = []
    for path in sorted(OPS.rglob("*.py")):
        if path.name == "_util.py":
            continue
        if re.search(r"must be Tensor(,|\s*[\"'])", path.read_text()):
            by_hand.append(str(path.relative_to(OPS)))
    assert not by_hand, f"raise the non-Tensor TypeError with _util.check_tensor: {by_hand}"


def _message(call, lib):
    with pytest.raises(TypeError) as info:
        call(lib)
    return str(info.value).splitlines()[0]


# calls that pass a non-Tensor where a Tensor is required, one per family that uses check_tensor
# (complex_real and polar_abs said 'position 2' before check_tensor)
NON_TENSOR_CALLS = {
    "relu": lambda L: L.relu(1),
    "sigmoid": lambda L: L.sigmoid(1.5),
    "sum": lambda L: L.sum([1, 2]),
    "complex_real": lambda L: L.complex(1, L.ones(2)),
    "complex_imag": lambda L: L.complex(L.ones(2), 1),
    "polar_abs": lambda L: L.polar(1, L.ones(2)),
    "isclose_other": lambda L: L.isclose(L.ones(2), 1),
    "cross_entropy_target": lambda L: L.nn.functional.cross_entropy(L.ones(2, 3), 1),
    "diff_prepend": lambda L: L.diff(L.ones(3), prepend=1),
    "sdpa_key": lambda L: L.nn.functional.scaled_dot_product_attention(L.ones(1, 2, 2), 1, 1),
}


@pytest.mark.parametrize("case", sorted(NON_TENSOR_CALLS))
def test_non_tensor_argument_message_is_pytorchs(case):
    import torch
    import glasstorch
    call = NON_TENSOR_CALLS[case]
    assert _message(call, glasstorch) == _message(call, torch)
