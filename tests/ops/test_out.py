"""`out=` against PyTorch: every op that accepts out= writes through one rule (_util.write_out).

For each op below and each way of passing `out` (right shape, wrong shape with elements,
empty, a wider or a refused dtype, a non-contiguous view, a view that must be resized, an out
or an input that requires grad) both libraries run the same call; the test compares the
exception type, the resize warning, the returned object being `out`, and out's shape, dtype
and values (and the base's values when out is a view).
"""
import warnings

import numpy as np
import pytest
import torch

import glasstorch

RNG = np.random.default_rng(6)
ARRAYS = {
    "x": RNG.uniform(0.5, 2.0, (3, 4)).astype(np.float32),
    "y": RNG.uniform(0.5, 2.0, (3, 4)).astype(np.float32),
    "r": RNG.uniform(-0.9, 0.9, (3, 4)).astype(np.float32),
    "a": RNG.standard_normal((3, 4)).astype(np.float32),
    "b": RNG.standard_normal((4, 5)).astype(np.float32),
    "c": RNG.standard_normal((3, 5)).astype(np.float32),
    "v": RNG.standard_normal(4).astype(np.float32),
    "w": RNG.standard_normal(4).astype(np.float32),
    "p": RNG.standard_normal((2, 3, 4)).astype(np.float32),
    "q": RNG.standard_normal((2, 4, 5)).astype(np.float32),
    "i": RNG.integers(-5, 6, (3, 4)).astype(np.int64),
    "j": RNG.integers(1, 6, (3, 4)).astype(np.int64),
    "m": RNG.integers(0, 2, (3, 4)).astype(bool),
    "s": RNG.standard_normal((4, 4)) + 4 * np.eye(4),   # float64, well conditioned
}

# name -> (call(lib, *inputs, out), input names). The first float input is the one that is
# made to require grad in the "grad_input" case.
OPS = {
    # elementwise binary / unary
    "add": (lambda L, x, y, out: L.add(x, y, alpha=2, out=out), "xy"),
    "sub": (lambda L, x, y, out: L.sub(x, y, out=out), "xy"),
    "mul": (lambda L, x, y, out: L.mul(x, y, out=out), "xy"),
    "div": (lambda L, x, y, out: L.div(x, y, out=out), "xy"),
    "div_floor": (lambda L, x, y, out: L.div(x, y, rounding_mode="floor", out=out), "xy"),
    "pow": (lambda L, x, y, out: L.pow(x, y, out=out), "xy"),
    "atan2": (lambda L, x, y, out: L.atan2(x, y, out=out), "xy"),
    "maximum": (lambda L, x, y, out: L.maximum(x, y, out=out), "xy"),
    "fmod": (lambda L, x, y, out: L.fmod(x, y, out=out), "xy"),
    "hypot": (lambda L, x, y, out: L.hypot(x, y, out=out), "xy"),
    "add_int": (lambda L, i, j, out: L.add(i, j, out=out), "ij"),
    "mul_int_float": (lambda L, i, x, out: L.mul(i, x, out=out), "ix"),
    "exp": (lambda L, x, out: L.exp(x, out=out), "x"),
    "log": (lambda L, x, out: L.log(x, out=out), "x"),
    "sqrt": (lambda L, x, out: L.sqrt(x, out=out), "x"),
    "sin": (lambda L, x, out: L.sin(x, out=out), "x"),
    "tanh": (lambda L, x, out: L.tanh(x, out=out), "x"),
    "sigmoid": (lambda L, x, out: L.sigmoid(x, out=out), "x"),
    "neg": (lambda L, a, out: L.neg(a, out=out), "a"),
    "abs": (lambda L, a, out: L.abs(a, out=out), "a"),
    "abs_int": (lambda L, i, out: L.abs(i, out=out), "i"),
    "floor": (lambda L, a, out: L.floor(a, out=out), "a"),
    "round": (lambda L, a, out: L.round(a, out=out), "a"),
    "erf": (lambda L, a, out: L.erf(a, out=out), "a"),
    "atanh": (lambda L, r, out: L.atanh(r, out=out), "r"),
    "lgamma": (lambda L, x, out: L.lgamma(x, out=out), "x"),
    "clamp": (lambda L, a, out: L.clamp(a, -0.5, 0.5, out=out), "a"),
    "where": (lambda L, m, a, b, out: L.where(m, a, b, out=out), "may"),
    "lerp": (lambda L, x, y, out: L.lerp(x, y, 0.3, out=out), "xy"),
    "addcmul": (lambda L, a, x, y, out: L.addcmul(a, x, y, value=0.5, out=out), "axy"),
    "nan_to_num": (lambda L, a, out: L.nan_to_num(a, out=out), "a"),
    "logaddexp": (lambda L, a, x, out: L.logaddexp(a, x, out=out), "ax"),
    "xlogy": (lambda L, x, y, out: L.xlogy(x, y, out=out), "xy"),
    "float_power": (lambda L, x, y, out: L.float_power(x, y, out=out), "xy"),
    "floor_divide": (lambda L, x, y, out: L.floor_divide(x, y, out=out), "xy"),
    "remainder": (lambda L, a, y, out: L.remainder(a, y, out=out), "ay"),
    "fmin": (lambda L, a, r, out: L.fmin(a, r, out=out), "ar"),
    "copysign": (lambda L, x, a, out: L.copysign(x, a, out=out), "xa"),
    "nextafter": (lambda L, x, y, out: L.nextafter(x, y, out=out), "xy"),
    "heaviside": (lambda L, a, r, out: L.heaviside(a, r, out=out), "ar"),
    "gcd": (lambda L, i, j, out: L.gcd(i, j, out=out), "ij"),
    "sgn": (lambda L, a, out: L.sgn(a, out=out), "a"),
    "frac": (lambda L, a, out: L.frac(a, out=out), "a"),
    "rsqrt": (lambda L, x, out: L.rsqrt(x, out=out), "x"),
    "expm1": (lambda L, a, out: L.expm1(a, out=out), "a"),
    "reciprocal_int": (lambda L, j, out: L.reciprocal(j, out=out), "j"),
    "sqrt_int": (lambda L, j, out: L.sqrt(j, out=out), "j"),
    "digamma": (lambda L, x, out: L.digamma(x, out=out), "x"),
    "polygamma": (lambda L, x, out: L.polygamma(1, x, out=out), "x"),
    "logit": (lambda L, r, out: L.logit(r.abs(), 0.1, out=out), "r"),
    "i0": (lambda L, a, out: L.i0(a, out=out), "a"),
    "sinc": (lambda L, a, out: L.sinc(a, out=out), "a"),
    "clamp_min": (lambda L, a, out: L.clamp_min(a, 0.1, out=out), "a"),
    "addcdiv": (lambda L, a, x, y, out: L.addcdiv(a, x, y, value=2, out=out), "axy"),
    "rad2deg": (lambda L, a, out: L.rad2deg(a, out=out), "a"),
    "angle": (lambda L, a, out: L.angle(a, out=out), "a"),
    "complex": (lambda L, a, r, out: L.complex(a, r, out=out), "ar"),
    "polar": (lambda L, x, a, out: L.polar(x, a, out=out), "xa"),
    # comparisons and logical / bitwise
    "eq": (lambda L, a, r, out: L.eq(a, r, out=out), "ar"),
    "lt": (lambda L, a, r, out: L.lt(a, r, out=out), "ar"),
    "logical_and": (lambda L, a, m, out: L.logical_and(a, m, out=out), "am"),
    "logical_not": (lambda L, m, out: L.logical_not(m, out=out), "m"),
    "bitwise_and": (lambda L, i, j, out: L.bitwise_and(i, j, out=out), "ij"),
    "signbit": (lambda L, a, out: L.signbit(a, out=out), "a"),
    # reductions
    "sum_dim": (lambda L, a, out: L.sum(a, 1, out=out), "a"),
    "sum_all": (lambda L, a, out: L.sum(a, (0, 1), out=out), "a"),
    "mean_dim": (lambda L, a, out: L.mean(a, 0, keepdim=True, out=out), "a"),
    "prod_dim": (lambda L, a, out: L.prod(a, 1, out=out), "a"),
    "amax": (lambda L, a, out: L.amax(a, 1, out=out), "a"),
    "logsumexp": (lambda L, a, out: L.logsumexp(a, 1, out=out), "a"),
    "all_dim": (lambda L, m, out: L.all(m, 1, out=out), "m"),
    "any_dim": (lambda L, m, out: L.any(m, 0, out=out), "m"),
    "cumsum": (lambda L, a, out: L.cumsum(a, 1, out=out), "a"),
    "cumprod": (lambda L, x, out: L.cumprod(x, 0, out=out), "x"),
    "norm": (lambda L, a, out: L.norm(a, 2, 1, out=out), "a"),
    "vector_norm": (lambda L, a, out: L.linalg.vector_norm(a, 2, 1, out=out), "a"),
    "max_other": (lambda L, a, r, out: L.max(a, r, out=out), "ar"),
    "nansum": (lambda L, a, out: L.nansum(a, 1, out=out), "a"),
    "nanmean": (lambda L, a, out: L.nanmean(a, 1, out=out), "a"),
    "logcumsumexp": (lambda L, a, out: L.logcumsumexp(a, 1, out=out), "a"),
    "renorm": (lambda L, a, out: L.renorm(a, 2, 0, 1.0, out=out), "a"),
    "histc": (lambda L, a, out: L.histc(a, 5, -2, 2, out=out), "a"),
    "sum_int": (lambda L, i, out: L.sum(i, 0, out=out), "i"),
    "cumsum_int": (lambda L, i, out: L.cumsum(i, 0, out=out), "i"),
    "std_var": (lambda L, a, out: L.std(a, 1, out=out), "a"),
    # matrix products
    "matmul": (lambda L, a, b, out: L.matmul(a, b, out=out), "ab"),
    "mm": (lambda L, a, b, out: L.mm(a, b, out=out), "ab"),
    "mv": (lambda L, a, v, out: L.mv(a, v, out=out), "av"),
    "bmm": (lambda L, p, q, out: L.bmm(p, q, out=out), "pq"),
    "addmm": (lambda L, c, a, b, out: L.addmm(c, a, b, beta=0.5, out=out), "cab"),
    "dot": (lambda L, v, w, out: L.dot(v, w, out=out), "vw"),
    "outer": (lambda L, v, w, out: L.outer(v, w, out=out), "vw"),
    "kron": (lambda L, v, w, out: L.kron(v, w, out=out), "vw"),
    "addmv": (lambda L, c, b, w, out: L.addmv(c[0], b.T, w, beta=0.5, out=out), "cbw"),
    "baddbmm": (lambda L, p, q, out: L.baddbmm(p @ q, p, q, alpha=2, out=out), "pq"),
    "addbmm": (lambda L, p, q, out: L.addbmm((p @ q)[0], p, q, beta=0.5, out=out), "pq"),
    "vdot": (lambda L, v, w, out: L.vdot(v, w, out=out), "vw"),
    "inner": (lambda L, a, r, out: L.inner(a, r, out=out), "ar"),
    "tensordot": (lambda L, a, b, out: L.tensordot(a, b, 1, out=out), "ab"),
    "matrix_power": (lambda L, s, out: L.linalg.matrix_power(s, 3, out=out), "s"),
    "cholesky": (lambda L, s, out: L.linalg.cholesky(s @ s.T, out=out), "s"),
    "solve": (lambda L, s, out: L.linalg.solve(s, s[:, :2], out=out), "s"),
    "pinv": (lambda L, s, out: L.linalg.pinv(s, out=out), "s"),
    "multi_dot": (lambda L, s, out: L.linalg.multi_dot([s, s, s], out=out), "s"),
    "matrix_norm": (lambda L, s, out: L.linalg.matrix_norm(s, out=out), "s"),
    "inv": (lambda L, s, out: L.linalg.inv(s, out=out), "s"),
    "det": (lambda L, s, out: L.linalg.det(s, out=out), "s"),
    "eigvalsh": (lambda L, s, out: L.linalg.eigvalsh(s, out=out), "s"),
    "svdvals": (lambda L, s, out: L.linalg.svdvals(s, out=out), "s"),
    # joining and shape
    "cat": (lambda L, a, r, out: L.cat([a, r], 1, out=out), "ar"),
    "stack": (lambda L, a, r, out: L.stack([a, r], 0, out=out), "ar"),
    "vstack": (lambda L, a, r, out: L.vstack([a, r], out=out), "ar"),
    "hstack": (lambda L, a, r, out: L.hstack([a, r], out=out), "ar"),
    "dstack": (lambda L, a, r, out: L.dstack([a, r], out=out), "ar"),
    "column_stack": (lambda L, v, w, out: L.column_stack([v, w], out=out), "vw"),
    "triu": (lambda L, a, out: L.triu(a, 1, out=out), "a"),
    "tril": (lambda L, a, out: L.tril(a, out=out), "a"),
    "cross": (lambda L, p, out: L.linalg.cross(p[:, :, :3], p[:, :, 1:], out=out), "p"),
    # creation
    "zeros": (lambda L, out: L.zeros(2, 3, out=out), ""),
    "ones": (lambda L, out: L.ones((4,), out=out), ""),
    "full": (lambda L, out: L.full((2, 2), 1.5, out=out), ""),
    "arange": (lambda L, out: L.arange(0, 5, 0.5, out=out), ""),
    "arange_int": (lambda L, out: L.arange(7, out=out), ""),
    "linspace": (lambda L, out: L.linspace(0, 1, 7, out=out), ""),
    "logspace": (lambda L, out: L.logspace(0, 2, 5, out=out), ""),
    "eye": (lambda L, out: L.eye(3, out=out), ""),
}

# ops returning several tensors: out= is a tuple
TUPLE_OPS = {
    "max_dim": (lambda L, a, out: L.max(a, 1, out=out), "a"),
    "min_dim": (lambda L, a, out: L.min(a, 0, keepdim=True, out=out), "a"),
    "frexp": (lambda L, a, out: L.frexp(a, out=out), "a"),
    "sort": (lambda L, a, out: L.sort(a, 1, descending=True, out=out), "a"),
    "topk": (lambda L, a, out: L.topk(a, 2, 1, out=out), "a"),
    "kthvalue": (lambda L, a, out: L.kthvalue(a, 2, 0, out=out), "a"),
    "mode": (lambda L, i, out: L.mode(i, 1, out=out), "i"),
    "aminmax": (lambda L, a, out: L.aminmax(a, dim=1, out=out), "a"),
    "cummax": (lambda L, a, out: L.cummax(a, 1, out=out), "a"),
    "histogram": (lambda L, a, out: L.histogram(a, 4, out=out), "a"),
    "slogdet": (lambda L, s, out: L.linalg.slogdet(s, out=out), "s"),
}

COLUMN_MAJOR = {OPS[name][0] for name in ("inv", "cholesky", "solve")}

# known differences, kept visible: PyTorch refuses these dtypes inside the kernel
# (NotImplementedError "nansum_cpu"/"cumsum_out_cpu" not implemented for 'Long'/'Bool')
KNOWN = {("nansum", "refused_dtype"), ("nanmean", "refused_dtype"),
         ("cumsum_int", "refused_dtype")}

CASES = ["right", "wrong_shape", "empty", "wider_dtype", "refused_dtype", "view",
         "view_resized", "out_requires_grad", "input_requires_grad", "no_grad"]


def _inputs(L, names, grad):
    tensors, grad_given = [], False
    for n in names:
        t = L.tensor(ARRAYS[n])
        if grad and not grad_given and ARRAYS[n].dtype.kind == "f":
            t.requires_grad_(True)
            grad_given = True
        tensors.append(t)
    return tensors


def _wider(dtype, L):
    return {"bool": L.int64, "int32": L.int64, "int64": L.float32, "float32": L.float64,
            "float64": L.complex128, "complex64": L.complex128}[str(dtype).split(".")[-1]]


def _refused(dtype, L):
    return {"bool": None, "int32": L.bool, "int64": L.bool, "float32": L.int64,
            "float64": L.int64, "complex64": L.float32}[str(dtype).split(".")[-1]]


def _make_out(L, case, shape, dtype):
    """(out, base): the out tensor for `case`, and the tensor whose memory it views (or None)."""
    if case == "wrong_shape":
        return L.zeros(2, 7, dtype=dtype), None
    if case == "empty":
        return L.zeros(0, dtype=dtype), None
    if case == "wider_dtype":
        return L.zeros(shape, dtype=_wider(dtype, L)), None
    if case == "refused_dtype":
        return L.zeros(shape, dtype=_refused(dtype, L)), None
    if case == "view":
        base = L.zeros(tuple(shape) + (2,), dtype=dtype)
        return base[..., 1], base
    if case == "view_resized":
        base = L.zeros(64, dtype=dtype)
        return base[4::3], base
    out = L.zeros(shape, dtype=dtype)
    if case == "out_requires_grad":
        out.requires_grad_(True)
    return out, None


def _run(L, call, names, case, shapes, dtypes, as_tuple):
    """Run the call in library L; returns a dict of what happened."""
    inputs = _inputs(L, names, case == "input_requires_grad")
    made = [_make_out(L, case, s, d) for s, d in zip(shapes, dtypes)]
    outs = [o for o, _ in made]
    versions = [o._version for o in outs]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            if case == "no_grad":
                with L.no_grad():
                    result = call(L, *inputs, (tuple(outs) if as_tuple else outs[0]))
            else:
                result = call(L, *inputs, (tuple(outs) if as_tuple else outs[0]))
        except Exception as e:   # compared by type with the other library
            return {"error": type(e), "message": str(e)}
    resized = sum("was resized" in str(w.message) for w in caught)
    returned = list(result) if as_tuple else [result]
    return {"error": None, "resize_warnings": resized,
            "is_out": all(r is o for r, o in zip(returned, outs)),
            "outs": [(tuple(o.shape), str(o.dtype).split(".")[-1],
                      o.detach().numpy().copy()) for o in outs],
            "bases": [None if b is None else b.detach().numpy().copy() for _, b in made],
            "bumped": all(o._version > v for o, v in zip(outs, versions))}


def _reference(call, names, as_tuple):
    """Shapes and dtypes of the op's results in torch, without out=."""
    result = call(torch, *_inputs(torch, names, False), None)
    results = list(result) if as_tuple else [result]
    return [tuple(r.shape) for r in results], [r.dtype for r in results]


def _same_values(a, b):
    if a.dtype.kind == "c" or b.dtype.kind == "c":
        return np.allclose(a, b, rtol=1e-5, atol=1e-6, equal_nan=True)
    if a.dtype.kind == "f":
        return np.allclose(a, b, rtol=1e-5, atol=1e-6, equal_nan=True)
    return np.array_equal(a, b)


def _check(call, names, case, as_tuple):
    shapes, dtypes = _reference(call, names, as_tuple)
    if case == "refused_dtype" and any(_refused(d, torch) is None for d in dtypes):
        pytest.skip("no refused cast into a bool result")
    if case == "out_requires_grad" and not all(d.is_floating_point for d in dtypes):
        pytest.skip("only floating point tensors can require grad")
    gl_dtypes = [getattr(glasstorch, str(d).split(".")[-1]) for d in dtypes]
    expected = _run(torch, call, names, case, shapes, dtypes, as_tuple)
    got = _run(glasstorch, call, names, case, shapes, gl_dtypes, as_tuple)
    assert got["error"] == expected["error"], (got.get("message"), expected.get("message"))
    if expected["error"] is not None:
        return
    assert got["resize_warnings"] == expected["resize_warnings"]
    assert got["is_out"] and expected["is_out"]
    assert got["bumped"]
    for (gs, gd, gv), (es, ed, ev) in zip(got["outs"], expected["outs"]):
        assert (gs, gd) == (es, ed)
        assert _same_values(gv, ev), (gv, ev)
    if case == "view_resized" and call in COLUMN_MAJOR:
        return   # PyTorch lays a resized LAPACK result out column-major in the base's memory
    for gb, eb in zip(got["bases"], expected["bases"]):
        if eb is not None:
            assert _same_values(gb, eb), (gb, eb)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("name", list(OPS))
def test_out_matches_torch(name, case, request):
    if (name, case) in KNOWN:
        request.applymarker(pytest.mark.xfail(strict=True, reason="known difference"))
    call, names = OPS[name]
    _check(call, names, case, as_tuple=False)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("name", list(TUPLE_OPS))
def test_tuple_out_matches_torch(name, case):
    call, names = TUPLE_OPS[name]
    _check(call, names, case, as_tuple=True)


def test_resize_warning_text():
    out = glasstorch.zeros(2)
    with pytest.warns(UserWarning, match=r"had shape \[2\], which does not match the required "
                                         r"output shape \[3\]"):
        glasstorch.add(glasstorch.ones(3), 1, out=out)


def test_out_must_be_a_tensor():
    with pytest.raises(TypeError):
        glasstorch.add(glasstorch.ones(3), 1, out=[0.0, 0.0, 0.0])


@pytest.mark.parametrize("shape", [(3, 5), (1, 5), (5,), (1, 1), (0,), (2, 2)])
def test_addbmm_inplace_legacy_resize(shape):
    """x.addbmm_ resizes an x that only broadcasts to the result (PyTorch's legacy rule)."""
    b1, b2 = RNG.standard_normal((2, 3, 4)), RNG.standard_normal((2, 4, 5))
    x = RNG.standard_normal(shape)
    results = []
    for L in (torch, glasstorch):
        t = L.tensor(x)
        try:
            r = t.addbmm_(L.tensor(b1), L.tensor(b2), beta=0.5)
            results.append((r is t, tuple(t.shape), t.numpy().copy()))
        except RuntimeError:
            results.append(RuntimeError)
    expected, got = results
    if expected is RuntimeError:
        assert got is RuntimeError
        return
    assert got[:2] == expected[:2]
    np.testing.assert_allclose(got[2], expected[2], rtol=1e-12)


@pytest.mark.parametrize("out_dtype", ["float32", "float64", "int64"])
@pytest.mark.parametrize("op", ["rand", "randn", "randint", "randperm"])
def test_random_ops_fill_out(op, out_dtype):
    """Random creation ops draw in out's dtype (no value comparison: the streams differ)."""
    calls = {"rand": lambda L, o: L.rand(2, 3, out=o), "randn": lambda L, o: L.randn(4, out=o),
             "randint": lambda L, o: L.randint(0, 5, (3,), out=o),
             "randperm": lambda L, o: L.randperm(5, out=o)}
    seen = []
    for L in (torch, glasstorch):
        out = L.zeros(7, dtype=getattr(L, out_dtype))
        try:
            result = calls[op](L, out)
            seen.append((result is out, tuple(out.shape), str(out.dtype)))
        except Exception as e:   # compared by type with torch
            seen.append(type(e))
    assert seen[1] == seen[0]
