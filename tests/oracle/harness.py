"""The oracle harness: run the same lambda under real PyTorch and glasstorch and compare.

    check(lambda t, a, b: t.mul(a, b), [arr_a, arr_b])

builds a torch tensor and a glasstorch tensor from each NumPy input (float inputs require
grad), runs the lambda with `t` bound to each library, and compares shape, dtype and values;
then backpropagates the same random upstream gradient through both and compares every input's
gradient. `gradcheck_fn` runs a float64 finite-difference check of glasstorch's backward.
`check_error` asserts both libraries raise the same exception type.
"""
import numpy as np
import pytest
import torch

import glasstorch as gt

RNG = np.random.default_rng(1234)


def sample(shape, dtype="float32", low=-2.0, high=2.0, avoid=(), rng=RNG):
    """Random array of `shape`/`dtype`; floats kept at least 0.05 away from points in `avoid`
    (kinks such as 0 for relu/abs)."""
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        return rng.random(shape) > 0.5
    if dtype.kind in "iu":
        lo = 0 if dtype.kind == "u" else int(low * 3)
        return rng.integers(lo, int(high * 3) + 1, size=shape).astype(dtype)
    x = rng.uniform(low, high, size=shape)
    for p in avoid:
        close = np.abs(x - p) < 0.05
        x = np.where(close, p + 0.1 * np.sign(x - p + 1e-12), x)
    return x.astype(dtype)


def _to_lib(lib, x, requires_grad):
    if isinstance(x, np.ndarray):
        t = lib.tensor(x.copy())
        if requires_grad and x.dtype.kind == "f":
            t.requires_grad_(True)
        return t
    return x


def _np(x):
    if isinstance(x, gt.Tensor):
        return x.detach().numpy()
    if isinstance(x, torch.Tensor):
        return x.detach().numpy()
    return np.asarray(x)


def _outputs(out):
    if isinstance(out, (tuple, list)):
        return list(out)
    return [out]


def assert_same(ours, theirs, rtol=1e-5, atol=1e-6, what="output"):
    """Same type of result, shape, dtype and values (NaNs equal)."""
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, gt.Tensor), f"{what}: expected a Tensor, got {type(ours)}"
        assert tuple(ours.shape) == tuple(theirs.shape), \
            f"{what}: shape {tuple(ours.shape)} != torch {tuple(theirs.shape)}"
        assert str(ours.dtype) == str(theirs.dtype), \
            f"{what}: dtype {ours.dtype} != torch {theirs.dtype}"
        a, b = _np(ours), _np(theirs)
        if a.dtype.kind in "fc":
            np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, equal_nan=True,
                                       err_msg=what)
        else:
            np.testing.assert_array_equal(a, b, err_msg=what)
    elif isinstance(theirs, (tuple, list)):
        assert len(ours) == len(theirs), f"{what}: {len(ours)} results != torch {len(theirs)}"
        for i, (o, t) in enumerate(zip(ours, theirs)):
            assert_same(o, t, rtol, atol, f"{what}[{i}]")
    elif isinstance(theirs, float):
        assert ours == pytest.approx(theirs, rel=rtol, abs=atol, nan_ok=True), what
    else:
        assert ours == theirs, f"{what}: {ours!r} != torch {theirs!r}"


def check(fn, inputs, *, grad=True, rtol=1e-5, atol=1e-6, grad_rtol=None, grad_atol=None,
          upstream_seed=0):
    """Run fn(torch, *inputs) and fn(glasstorch, *inputs); compare values, then gradients of
    every float input under the same random upstream gradient. Returns glasstorch's result."""
    t_in = [_to_lib(torch, x, grad) for x in inputs]
    g_in = [_to_lib(gt, x, grad) for x in inputs]
    expected = fn(torch, *t_in)
    got = fn(gt, *g_in)
    assert_same(got, expected, rtol, atol)
    if not grad:
        return got
    t_outs = [o for o in _outputs(expected) if isinstance(o, torch.Tensor) and o.requires_grad]
    g_outs = [o for o in _outputs(got) if isinstance(o, gt.Tensor) and o.requires_grad]
    assert len(t_outs) == len(g_outs), "a different number of outputs require grad"
    if not t_outs:
        return got
    rng = np.random.default_rng(upstream_seed)
    ups = [rng.standard_normal(tuple(o.shape)).astype(_np(o).dtype) for o in t_outs]
    torch.autograd.backward(t_outs, [torch.tensor(u) for u in ups])
    gt.autograd.backward(g_outs, [gt.tensor(u) for u in ups])
    for i, (tx, gx) in enumerate(zip(t_in, g_in)):
        if isinstance(tx, torch.Tensor) and tx.requires_grad:
            if tx.grad is None:
                assert gx.grad is None or not np.any(_np(gx.grad)), f"grad of input {i}"
                continue
            assert gx.grad is not None, f"input {i}: torch has a gradient, glasstorch none"
            assert_same(gx.grad, tx.grad, grad_rtol or rtol * 10, grad_atol or atol * 10,
                        f"grad of input {i}")
    return got


def gradcheck_fn(fn, inputs, **kw):
    """float64 finite-difference check of glasstorch's backward for fn(glasstorch, *inputs)."""
    g_in = [gt.tensor(x.astype(np.float64), requires_grad=True)
            if isinstance(x, np.ndarray) and x.dtype.kind == "f" else
            (gt.tensor(x) if isinstance(x, np.ndarray) else x) for x in inputs]
    assert gt.autograd.gradcheck(lambda *a: fn(gt, *a), g_in, **kw)


def check_error(fn, *, match=None):
    """fn(torch) and fn(glasstorch) must raise the same exception type; returns ours."""
    with pytest.raises(Exception) as theirs:
        fn(torch)
    with pytest.raises(Exception) as ours:
        fn(gt)
    assert type(ours.value).__name__ == type(theirs.value).__name__ or \
        isinstance(ours.value, type(theirs.value)), \
        f"glasstorch raised {type(ours.value).__name__}: {ours.value}; torch raised " \
        f"{type(theirs.value).__name__}: {theirs.value}"
    if match:
        assert match in str(ours.value), f"message {ours.value!r} does not mention {match!r}"
    return ours.value
