"""Run a course-notes snippet under real PyTorch and under glasstorch and compare what it shows.

    def snippet(torch):
        x = torch.arange(12, dtype=torch.float32)
        return x.numel(), x.shape, x.reshape(3, 4)

    same(snippet)

`same` calls `snippet(torch)` and `snippet(glasstorch)` and compares the results deeply: tensors
by type, shape, dtype and values (the oracle harness's `assert_same`), `Size` by type and
contents, NumPy arrays by dtype and values, strings, numbers, types (by class name), named tuples
and containers element by element. What the snippet prints is captured and compared too. If
torch raises, glasstorch must raise the same exception type. Random draws differ between the
libraries, so snippets feed both the same NumPy data (`data=`) or return only what does not
depend on the draw (shapes, dtypes, ranges).
"""
import contextlib
import io

import numpy as np
import pytest
import torch

import glasstorch as gt
from tests.oracle.harness import assert_same as _assert_tensor_same


def _same(ours, theirs, rtol, atol, what):
    if isinstance(theirs, torch.Tensor):
        _assert_tensor_same(ours, theirs, rtol, atol, what)
        if isinstance(theirs, torch.nn.Parameter):
            assert isinstance(ours, gt.nn.Parameter), f"{what}: expected a Parameter"
        assert ours.requires_grad == theirs.requires_grad, \
            f"{what}: requires_grad {ours.requires_grad} != torch {theirs.requires_grad}"
    elif isinstance(theirs, torch.Size):
        assert isinstance(ours, gt.Size), f"{what}: expected a Size, got {type(ours).__name__}"
        assert tuple(ours) == tuple(theirs), f"{what}: {ours} != torch {theirs}"
    elif isinstance(theirs, torch.dtype):
        assert str(ours) == str(theirs), f"{what}: {ours} != torch {theirs}"
    elif isinstance(theirs, np.ndarray):
        assert isinstance(ours, np.ndarray), f"{what}: expected an ndarray, got {type(ours)}"
        assert ours.dtype == theirs.dtype, f"{what}: dtype {ours.dtype} != torch {theirs.dtype}"
        np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=atol, err_msg=what)
    elif isinstance(theirs, type):
        assert isinstance(ours, type) and ours.__name__ == theirs.__name__, \
            f"{what}: {ours} != torch {theirs}"
    elif isinstance(theirs, tuple) and hasattr(theirs, "_fields"):   # named tuples
        assert tuple(getattr(ours, "_fields", ())) == theirs._fields, \
            f"{what}: fields {getattr(ours, '_fields', None)} != torch {theirs._fields}"
        for name in theirs._fields:
            _same(getattr(ours, name), getattr(theirs, name), rtol, atol, f"{what}.{name}")
    elif isinstance(theirs, (tuple, list)):
        assert isinstance(ours, (tuple, list)), f"{what}: expected a sequence, got {ours!r}"
        assert len(ours) == len(theirs), f"{what}: {len(ours)} items != torch {len(theirs)}"
        for i, (o, t) in enumerate(zip(ours, theirs)):
            _same(o, t, rtol, atol, f"{what}[{i}]")
    elif isinstance(theirs, dict):
        assert list(ours) == list(theirs), f"{what}: keys {list(ours)} != torch {list(theirs)}"
        for k in theirs:
            _same(ours[k], theirs[k], rtol, atol, f"{what}[{k!r}]")
    elif isinstance(theirs, float):
        assert isinstance(ours, float), f"{what}: expected a float, got {ours!r}"
        assert ours == pytest.approx(theirs, rel=rtol, abs=atol, nan_ok=True), \
            f"{what}: {ours!r} != torch {theirs!r}"
    else:
        assert type(ours) is type(theirs), \
            f"{what}: {type(ours).__name__} {ours!r} != torch {type(theirs).__name__} {theirs!r}"
        assert ours == theirs, f"{what}: {ours!r} != torch {theirs!r}"


def assert_same(ours, theirs, rtol=1e-5, atol=1e-6, what="result"):
    """Deep comparison of a glasstorch result with the torch result."""
    _same(ours, theirs, rtol, atol, what)


def _run(snippet, lib, args):
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            result = snippet(lib, *args)
    except Exception as e:     # noqa: BLE001  (compared with torch's exception below)
        return None, out.getvalue(), e
    return result, out.getvalue(), None


def same(snippet, *data, rtol=1e-5, atol=1e-6, stdout=True):
    """Run snippet(torch, *data) and snippet(glasstorch, *data); compare results, printed text
    and raised exception types. NumPy arrays in `data` are passed as copies to each side.
    Returns glasstorch's result."""
    t_res, t_out, t_err = _run(snippet, torch, [np.copy(d) if isinstance(d, np.ndarray) else d
                                                for d in data])
    g_res, g_out, g_err = _run(snippet, gt, [np.copy(d) if isinstance(d, np.ndarray) else d
                                             for d in data])
    if t_err is not None:
        assert g_err is not None, \
            f"torch raised {type(t_err).__name__}: {t_err}; glasstorch raised nothing"
        assert type(g_err).__name__ == type(t_err).__name__ or isinstance(g_err, type(t_err)), \
            f"glasstorch raised {type(g_err).__name__}: {g_err}; torch raised " \
            f"{type(t_err).__name__}: {t_err}"
        return g_err
    if g_err is not None:
        raise g_err
    assert_same(g_res, t_res, rtol, atol)
    if stdout:
        assert g_out == t_out, f"printed text differs:\n--- glasstorch\n{g_out}--- torch\n{t_out}"
    return g_res


def copy_weights(gt_module, torch_module):
    """Load torch_module's parameters and buffers into gt_module (same initial weights)."""
    state = {k: gt.tensor(v.detach().numpy().copy())
             for k, v in torch_module.state_dict().items()}
    gt_module.load_state_dict(state)
    return gt_module


def np_of(x):
    """NumPy copy of a tensor of either library."""
    return x.detach().numpy().copy()
