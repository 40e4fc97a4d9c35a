"""The class of every graph node carries PyTorch's node name (tools such as torchviz print
`type(grad_fn).__name__`), for each expression of tests/test_node_names.py."""
import pytest
import torch

import glasstorch as gt

from ..test_node_names import CASES, KNOWN, _param, _run


def _class_name(out):
    return type(out.grad_fn).__name__ if out.grad_fn is not None else None


def _seen_from_a_consumer(out):
    """out.grad_fn as a tool reaches it: through the next_functions of a node that uses out.
    (Nodes whose name glasstorch works out only when asked, as matmul's and indexing's, take
    their class then; a bare root of that kind keeps its op's class until inspected.)"""
    if out.grad_fn is not None:
        consumer = out.sum() if out.is_floating_point() or out.is_complex() else None
        if consumer is not None and consumer.grad_fn is not None:
            assert consumer.grad_fn.next_functions[0][0] is out.grad_fn
    return out


@pytest.mark.parametrize("expr", [_param(e, KNOWN) for e in CASES])
def test_node_class_is_named_as_pytorchs_node(expr):
    theirs = _run(torch, expr)
    ours = _seen_from_a_consumer(_run(gt, expr))
    for a, b in zip(ours if isinstance(ours, tuple) else (ours,),
                    theirs if isinstance(theirs, tuple) else (theirs,)):
        assert _class_name(a) == _class_name(b)

