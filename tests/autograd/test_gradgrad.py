"""Double backward of every op whose backward claims to be differentiable.

Every `Function` subclass in glasstorch with `differentiable_backward = True` is found by
introspection and must have a sample below (a new one without a sample fails
`test_every_differentiable_op_has_a_sample`). For each sample, in float64:
- the op's node really is in the graph of the sample (so its backward is what is checked);
- gradgradcheck passes (double backward against finite differences of the backward);
- the second derivatives, d/d(inputs, v) of sum(w * d(out)/d(inputs) . v), equal PyTorch's;
- an in-place write to an output that the node saved is caught, with PyTorch's message.
A backward that cannot pass must be `differentiable_backward = False`: its double backward then
raises (test_once_differentiable_raises) instead of giving a wrong value.
"""
import importlib
import pkgutil
import zlib

import numpy as np
import pytest
import torch

import glasstorch as gt
from glasstorch.autograd import function
from glasstorch.autograd.function import Function


# ------------------------------------------------------------------------------ the op classes
def _import_all():
    for info in pkgutil.walk_packages(gt.__path__, "glasstorch."):
        if any(part in info.name for part in ("compat", "demo", "distributed", "__main__")):
            continue
        importlib.import_module(info.name)


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _key(cls):
    return f"{cls.__module__.rsplit('.', 1)[-1]}.{cls.__qualname__}"


def differentiable_ops():
    """{'module.Class': class} for every built-in op whose backward is differentiable."""
    _import_all()
    ops = {}
    for cls in _subclasses(Function):
        if (cls.__module__.startswith("glasstorch.") and cls.__dict__.get("_op_class") is cls
                and cls.differentiable_backward and not cls._is_user):
            ops[_key(cls)] = cls
    return ops


# ------------------------------------------------------------------------------ sample inputs
class U:
    """A float64 array of `shape`, uniform in [lo, hi] (drawn per sample, seeded by its name);
    `away` keeps |value| >= away, off a kink at 0."""

    def __init__(self, *shape, lo=-2.0, hi=2.0, away=0.0):
        self.shape, self.lo, self.hi, self.away = shape, lo, hi, away

    def draw(self, rng):
        x = rng.uniform(self.lo, self.hi, self.shape)
        if self.away:
            x = np.where(np.abs(x) < self.away, np.sign(x + 1e-12) * self.away + x, x)
        return x


def A(values):
    return np.array(values, dtype=np.float64)


POS = dict(lo=0.5, hi=2.0)
UNIT = dict(lo=-0.8, hi=0.8)
X = U(2, 3, away=0.2)               # the default input: off 0


def vjp(L, f, x0, g):
    """d f(x) / dx . g at the constant point x0, as a function of g (records f's backward)."""
    x = L.tensor(x0, requires_grad=True)
    return L.autograd.grad(f(x), x, g, create_graph=True)[0]


def F(L):
    return L.nn.functional


def IDX(L, values):
    return L.tensor(values, dtype=L.int64)


# a (1, 1, 4, 4) input for max pooling without ties in any window
X44 = A(np.arange(16.0).reshape(1, 1, 4, 4) % 7 * 0.37 - 1.1 + np.arange(16).reshape(1, 1, 4, 4)
        * 0.01)


def _lib(x):
    return gt if isinstance(x, gt.Tensor) else torch


def _max_pool(x):
    return F(_lib(x)).max_pool2d(x, 2)


def _unpool(x):
    L = _lib(x)
    idx = IDX(L, [[[[0, 3], [9, 14]]]])
    return F(L).max_unpool2d(x, idx, 2, output_size=(4, 4))


def _dropout_apply(L, x):
    mask = L.tensor([[2.0, 0.0, 2.0], [0.0, 2.0, 2.0]], dtype=x.dtype)
    if L is gt:
        from glasstorch._ops.dropout import Dropout
        return Dropout.apply(x, mask._data, None)
    return x * mask


def _weight_norm(L, v, g):
    if L is gt:
        from glasstorch.nn.utils.weight_norm import _weight_norm
        return _weight_norm(v, g, 0)
    # torch._weight_norm's own double backward is wrong (finite differences disagree with it):
    # compare with the same formula written out
    return v * (g / v.norm(dim=1, keepdim=True))


# 'module.Class' or 'module.Class:variant' (another branch of the same backward) ->
# (fn(L, *inputs), inputs, gradgradcheck options); torch=False where PyTorch itself has no
# double backward (then only gradgradcheck judges)
def S(fn, *inputs, torch=True, **opts):
    return fn, inputs, dict(opts, torch=torch)


SAMPLES = {
    # convert
    "convert.ToDtype": S(lambda L, x: x.to(L.float32).to(L.float64) ** 2, X,
                         eps=1e-3, atol=1e-3, rtol=1e-3),
    "convert.Clone": S(lambda L, x: x.clone() ** 2, X),
    # complex (real inputs and outputs, complex in between)
    "complex.Real": S(lambda L, x: L.real((x * (1 + 2j)) ** 2 * x.exp()), X),
    "complex.Imag": S(lambda L, x: L.imag((x * (1 + 2j)) ** 2 * x.exp()), X),
    "complex.Conj": S(lambda L, x: L.real(L.conj((x * (1 + 2j)) ** 2) * (x * (2 - 1j)) ** 2), X),
    # elementwise
    "elementwise.Add": S(lambda L, a, b: L.add(a, b, alpha=2.0) ** 2, X, U(3)),
    "elementwise.Sub": S(lambda L, a, b: L.sub(a, b, alpha=0.5) ** 2, X, U(3)),
    "elementwise.Mul": S(lambda L, a, b: a * b, X, U(3)),
    "elementwise.Div": S(lambda L, a, b: a / b, X, U(3, away=0.5)),
    "elementwise.Pow": S(lambda L, a, b: a ** b + a ** 2.5, U(2, 3, **POS), U(3)),
    "elementwise.Neg": S(lambda L, x: -(x ** 2), X),
    "elementwise.Abs": S(lambda L, x: x.abs() * x, X),
    "elementwise.Exp": S(lambda L, x: x.exp(), X),
    "elementwise.Exp2": S(lambda L, x: x.exp2(), X),
    "elementwise.Expm1": S(lambda L, x: x.expm1(), X),
    "elementwise.Log": S(lambda L, x: x.log(), U(2, 3, **POS)),
    "elementwise.Log2": S(lambda L, x: x.log2(), U(2, 3, **POS)),
    "elementwise.Log10": S(lambda L, x: x.log10(), U(2, 3, **POS)),
    "elementwise.Log1p": S(lambda L, x: x.log1p(), U(2, 3, **POS)),
    "elementwise.Sqrt": S(lambda L, x: x.sqrt(), U(2, 3, **POS)),
    "elementwise.Rsqrt": S(lambda L, x: x.rsqrt(), U(2, 3, **POS)),
    "elementwise.Reciprocal": S(lambda L, x: x.reciprocal(), U(2, 3, away=0.5)),
    "elementwise.Sin": S(lambda L, x: x.sin(), X),
    "elementwise.Cos": S(lambda L, x: x.cos(), X),
    "elementwise.Tan": S(lambda L, x: x.tan(), U(2, 3, lo=-1.2, hi=1.2)),
    "elementwise.Asin": S(lambda L, x: x.asin(), U(2, 3, **UNIT)),
    "elementwise.Acos": S(lambda L, x: x.acos(), U(2, 3, **UNIT)),
    "elementwise.Atan": S(lambda L, x: x.atan(), X),
    "elementwise.Atan2": S(lambda L, a, b: L.atan2(a, b), X, U(3, away=0.3)),
    "elementwise.Sinh": S(lambda L, x: x.sinh(), X),
    "elementwise.Cosh": S(lambda L, x: x.cosh(), X),
    "activation.Tanh": S(lambda L, x: x.tanh(), X),
    "elementwise.Asinh": S(lambda L, x: x.asinh(), X),
    "elementwise.Acosh": S(lambda L, x: x.acosh(), U(2, 3, lo=1.2, hi=3.0)),
    "elementwise.Atanh": S(lambda L, x: x.atanh(), U(2, 3, **UNIT)),
    "activation.Sigmoid": S(lambda L, x: x.sigmoid(), X),
    "activation.Relu": S(lambda L, x: x.relu() * x, X),
    "elementwise.Erf": S(lambda L, x: x.erf(), X),
    "elementwise.Erfc": S(lambda L, x: x.erfc(), X),
    "elementwise.Erfinv": S(lambda L, x: x.erfinv(), U(2, 3, **UNIT)),
    "elementwise.Hypot": S(lambda L, a, b: L.hypot(a, b), X, U(3, away=0.3)),
    "elementwise.Copysign": S(lambda L, a, b: L.copysign(a, b) * a, X, U(3, away=0.3)),
    # linalg
    "products.Matmul": S(lambda L, a, b: a @ b, U(2, 3), U(3, 2)),
    "products.AddMatmul": S(lambda L, c, a, b: L.addmm(c, a, b, beta=0.5, alpha=2.0),
                          U(2, 2), U(2, 3), U(3, 2)),
    "solvers.Inv": S(lambda L, a: L.linalg.inv(a),
                    A([[2.0, 0.3, -0.2], [0.1, 1.5, 0.4], [-0.3, 0.2, 1.8]])),
    # division, rounding, minmax, where, fused_arithmetic
    "division.Remainder": S(lambda L, a, b: L.remainder(a, b) * a,
                             A([[1.3, 2.7, -1.4], [0.4, -2.3, 3.1]]), A([0.9, 1.1, 0.8])),
    "division.Fmod": S(lambda L, a, b: L.fmod(a, b) * a,
                        A([[1.3, 2.7, -1.4], [0.4, -2.3, 3.1]]), A([0.9, 1.1, 0.8])),
    "rounding.Frac": S(lambda L, x: x.frac() * x, A([[1.3, 2.7, -1.4], [0.4, -2.2, 3.1]])),
    "minmax.Clamp": S(lambda L, x, lo, hi: L.clamp(x, lo, hi) * x,
                         A([[-1.5, 0.2, 1.7], [0.5, -0.3, 2.5]]), A([-1.0, -0.5, 0.0]),
                         A([1.0, 0.8, 1.5])),
    "minmax.ClampMin": S(lambda L, x: x.clamp_min(0.1) * x, X),
    "minmax.ClampMax": S(lambda L, x: x.clamp_max(0.1) * x, X),
    "minmax.Maximum": S(lambda L, a, b: L.maximum(a, b) * a, X, U(3, away=0.1)),
    "minmax.Minimum": S(lambda L, a, b: L.minimum(a, b) * a, X, U(3, away=0.1)),
    "minmax.Fmax": S(lambda L, a, b: L.fmax(a, b) * a, X, U(3, away=0.1)),
    "minmax.Fmin": S(lambda L, a, b: L.fmin(a, b) * a, X, U(3, away=0.1)),
    "where.Where": S(lambda L, a, b: L.where(L.tensor([True, False, True]), a, b) * a,
                         X, U(3)),
    "fused_arithmetic.Lerp": S(lambda L, s, e, w: L.lerp(s, e, w) * s, X, U(3), U(2, 3, lo=0, hi=1)),
    "fused_arithmetic.Logaddexp": S(lambda L, a, b: L.logaddexp(a, b), X, U(3)),
    "fused_arithmetic.Logaddexp2": S(lambda L, a, b: L.logaddexp2(a, b), X, U(3)),
    "fused_arithmetic.Addcmul": S(lambda L, x, a, b: L.addcmul(x, a, b, value=0.5) * x, X, U(3),
                           U(2, 3)),
    "fused_arithmetic.Addcdiv": S(lambda L, x, a, b: L.addcdiv(x, a, b, value=0.5) * x, X, U(3),
                           U(2, 3, away=0.5)),
    "where.NanToNum": S(lambda L, x: L.nan_to_num(x) * x, X),
    # reduce
    "reduce.Sum": S(lambda L, x: x.sum(1) ** 2, X),
    "reduce.Mean": S(lambda L, x: x.mean(0) ** 2, X),
    "reduce.NanSum": S(lambda L, x: x.nansum(0) ** 2, X),
    "reduce.Amax": S(lambda L, x: x.amax(1) * x.sum(), X),
    "reduce.TakeAlongDim": S(lambda L, x: x.max(1).values * x.sum(), X),
    "reduce.Var": S(lambda L, x: x.var(1), X),
    "reduce.Std": S(lambda L, x: x.std(), X),
    "norms.VectorNorm": S(lambda L, x: x.norm(), X),
    "reduce.LogSumExp": S(lambda L, x: x.logsumexp(1), X),
    "reduce.MedianAll": S(lambda L, x: x.median() * x.sum(), X),
    # shape
    "shape.View": S(lambda L, x: x.view(3, 2) ** 2, X),
    "shape.Squeeze": S(lambda L, x: x.squeeze(0) ** 2, U(1, 3)),
    "shape.Unsqueeze": S(lambda L, x: x.unsqueeze(1) ** 2, X),
    "shape.Transpose": S(lambda L, x: x.transpose(0, 1) ** 2, X),
    "shape.Permute": S(lambda L, x: x.permute(2, 0, 1) ** 2, U(2, 1, 3)),
    "shape.Expand": S(lambda L, x: x.expand(2, 3) ** 2, U(1, 3)),
    "shape.Slice": S(lambda L, x: x.narrow(1, 1, 2) ** 2, X),
    "shape.Split": S(lambda L, x: tuple(p ** 2 for p in x.split(2, 1)), X),
    "shape.Unbind": S(lambda L, x: tuple(p ** 2 for p in x.unbind(1)), X),
    "shape.Cat": S(lambda L, a, b: L.cat([a, b], 1) ** 2, X, U(2, 2)),
    "shape.Stack": S(lambda L, a, b: L.stack([a, b]) ** 2, X, U(2, 3)),
    "shape.Flip": S(lambda L, x: x.flip(1) ** 2, X),
    "shape.Roll": S(lambda L, x: x.roll(1, 1) ** 2, X),
    "shape.Repeat": S(lambda L, x: x.repeat(2, 1) ** 2, X),
    "shape.Diagonal": S(lambda L, x: x.diagonal() ** 2, U(3, 3)),
    "shape.DiagEmbed": S(lambda L, x: L.diag_embed(x) ** 2, X),
    "shape.Tril": S(lambda L, x: x.tril() ** 2, U(3, 3)),
    "shape.Triu": S(lambda L, x: x.triu(1) ** 2, U(3, 3)),
    "shape.BlockDiag": S(lambda L, a, b: L.block_diag(a, b) ** 2, X, U(2, 2)),
    # index
    "index.Index": S(lambda L, x: x[IDX(L, [1, 0, 1])] ** 2, X),
    "index.IndexScatter": S(lambda L, g: vjp(L, lambda x: x[IDX(L, [1, 0, 1])], A(np.ones((2, 3))),
                                             g) ** 2, U(3, 3)),
    "index.IndexPut": S(lambda L, x, v: x.index_put((IDX(L, [0, 2]),), v) ** 2, U(4, 3, away=0.2),
                        U(2, 3)),
    "index.Gather": S(lambda L, x: L.gather(x, 1, IDX(L, [[0, 2], [1, 1]])) ** 2, X),
    "index.Scatter": S(lambda L, x, s: L.scatter(x, 1, IDX(L, [[0, 2], [1, 0]]), s) ** 2, X,
                       U(2, 2)),
    "index.ScatterAdd": S(lambda L, x, s: L.scatter_add(x, 1, IDX(L, [[0, 2], [1, 1]]), s) ** 2,
                          X, U(2, 2)),
    "index.IndexSelect": S(lambda L, x: L.index_select(x, 1, IDX(L, [2, 0, 2])) ** 2, X),
    "index.IndexAdd": S(lambda L, x, s: L.index_add(x, 1, IDX(L, [2, 0]), s, alpha=2.0) ** 2,
                        X, U(2, 2)),
    "index.IndexFill": S(lambda L, x: L.index_fill(x, 1, IDX(L, [1]), -1.0) ** 2, X),
    "index.IndexCopy": S(lambda L, x, s: L.index_copy(x, 1, IDX(L, [2, 0]), s) ** 2, X,
                         U(2, 2)),
    "index.MaskedFill": S(lambda L, x: x.masked_fill(L.tensor([True, False, True]), 0.5) ** 2,
                          X),
    "index.MaskedSelect": S(lambda L, x: x.masked_select(L.tensor([True, False, True])) ** 2,
                            X),
    "index.Take": S(lambda L, x: L.take(x, IDX(L, [[4, 0], [2, 4]])) ** 2, X),
    "index.TakeAlongDim": S(lambda L, x: L.take_along_dim(x, IDX(L, [[0, 2], [1, 1]]), 1) ** 2,
                            X),
    "index.Put": S(lambda L, x, s: x.put(IDX(L, [4, 0]), s, accumulate=True) ** 2, X, U(2)),
    # activation
    "activation.Hardtanh": S(lambda L, x: F(L).hardtanh(x) * x, X),
    "activation.LeakyRelu": S(lambda L, x: F(L).leaky_relu(x, 0.2) * x, X),
    "activation.Prelu": S(lambda L, x, w: F(L).prelu(x, w) * x, X, U(3, **POS)),
    "activation.RreluWithNoise": S(lambda L, x: F(L).rrelu(x, training=False) * x, X),
    "activation.Threshold": S(lambda L, x: F(L).threshold(x, 0.1, 20.0) * x, X),
    "activation.Hardshrink": S(lambda L, x: F(L).hardshrink(x, 0.1) * x, X),
    "activation.Softshrink": S(lambda L, x: F(L).softshrink(x, 0.1) * x, X),
    "activation.Hardsigmoid": S(lambda L, x: F(L).hardsigmoid(x) * x, X, torch=False),
    "activation.Hardswish": S(lambda L, x: F(L).hardswish(x), X),
    "activation.Elu": S(lambda L, x: F(L).elu(x, 0.7), X),
    "activation.Gelu": S(lambda L, x: F(L).gelu(x) + F(L).gelu(x, approximate="tanh"), X),
    "activation.Silu": S(lambda L, x: F(L).silu(x), X),
    "activation.Softplus": S(lambda L, x: F(L).softplus(x, beta=2.0), X),
    "activation.LogSigmoid": S(lambda L, x: F(L).logsigmoid(x), X),
    "activation.Softsign": S(lambda L, x: F(L).softsign(x), X),
    "activation.Tanhshrink": S(lambda L, x: F(L).tanhshrink(x), X),
    "activation.Softmax": S(lambda L, x: F(L).softmax(x, 1), X),
    "activation.LogSoftmax": S(lambda L, x: F(L).log_softmax(x, 1), X),
    # linear, dropout, padding, pixel and channel shuffle
    "linear.Linear": S(lambda L, x, w, b: F(L).linear(x, w, b), X, U(4, 3), U(4)),
    "dropout.Dropout": S(lambda L, x: _dropout_apply(L, x) ** 2, X),
    "padding.ConstantPad": S(lambda L, x: F(L).pad(x, (1, 0, 0, 1), value=0.5) ** 2, X),
    "pixelshuffle.PixelShuffle": S(lambda L, x: F(L).pixel_shuffle(x, 2) ** 2, U(1, 4, 1, 2)),
    "pixelshuffle.PixelUnshuffle": S(lambda L, x: F(L).pixel_unshuffle(x, 2) ** 2, U(1, 1, 2, 4)),
    "channelshuffle.ChannelShuffle": S(lambda L, x: F(L).channel_shuffle(x, 2) ** 2, U(1, 4, 1, 1)),
    # special
    "special.Lgamma": S(lambda L, x: x.lgamma(), U(2, 3, **POS)),
    "special.Digamma": S(lambda L, x: x.digamma(), U(2, 3, **POS)),
    "special.Polygamma": S(lambda L, x: L.polygamma(1, x), U(2, 3, **POS)),
    "special.Xlogy": S(lambda L, a, b: L.xlogy(a, b), X, U(3, **POS)),
    "special.Logit": S(lambda L, x: L.logit(x) + L.logit(x, 0.2), U(2, 3, lo=0.1, hi=0.9)),
    "special.Sinc": S(lambda L, x: L.sinc(x), X),
    # pooling and resampling
    "pooling.MaxPool": S(lambda L, x: F(L).max_pool2d(x, 2) ** 2, X44),
    "pooling.ScatterToWindows": S(lambda L, g: vjp(L, _max_pool, X44, g) ** 2, U(1, 1, 2, 2)),
    "pooling.GatherFromWindows": S(
        lambda L, gg: vjp(L, lambda g: vjp(L, _max_pool, X44, g), A(np.ones((1, 1, 2, 2))),
                          gg) ** 2, U(1, 1, 4, 4)),
    "pooling.AvgPool": S(lambda L, x: F(L).avg_pool2d(x, 2, 1, 1) ** 2, U(1, 1, 3, 3)),
    "pooling.AvgPoolTranspose": S(
        lambda L, g: vjp(L, lambda x: F(L).avg_pool2d(x, 2, 1, 1), A(np.ones((1, 1, 3, 3))), g)
        ** 2, U(1, 1, 4, 4)),
    "pooling.MaxUnpool": S(lambda L, x: _unpool(x) ** 2, U(1, 1, 2, 2)),
    "pooling.GatherFlat": S(lambda L, g: vjp(L, _unpool, A(np.ones((1, 1, 2, 2))), g) ** 2,
                            U(1, 1, 4, 4)),
    "pooling.ScatterFlat": S(
        lambda L, g: vjp(L, lambda x: F(L).adaptive_max_pool2d(x, 2), X44, g) ** 2,
        U(1, 1, 2, 2)),
    "adaptive_pooling.AdaptiveMax": S(lambda L, x: F(L).adaptive_max_pool2d(x, (2, 3)) ** 2,
                                      X44),
    "resampling.Resample": S(lambda L, x: F(L).interpolate(x, size=(3, 4), mode="bilinear")
                            ** 2, U(1, 1, 2, 3)),
    "resampling.ResampleTranspose": S(
        lambda L, g: vjp(L, lambda x: F(L).interpolate(x, size=(3, 4), mode="bilinear"),
                         A(np.ones((1, 1, 2, 3))), g) ** 2, U(1, 1, 3, 4)),
    "grid_sample.AffineGrid": S(lambda L, t: F(L).affine_grid(t, (1, 1, 2, 3),
                                                             align_corners=False) ** 2,
                                U(1, 2, 3)),
    "weight_norm.WeightNormInterface": S(_weight_norm, U(3, 2), U(3, 1, **POS)),

    # other branches of the same backwards
    "elementwise.Pow:scalar exponent": S(lambda L, x: x ** 3, X),
    "elementwise.Pow:scalar base": S(lambda L, x: 2.0 ** x, X),
    "elementwise.Mul:scalar": S(lambda L, x: (x * 3.0) ** 2, X),
    "elementwise.Div:scalar numerator": S(lambda L, x: 1.5 / x, U(2, 3, away=0.5)),
    "elementwise.Div:rounding": S(lambda L, a, b: L.div(a, b, rounding_mode=None) * a, X,
                                  U(3, away=0.5)),
    "elementwise.Sub:rsub": S(lambda L, x: (1.0 - x) ** 2, X),
    "elementwise.Abs:0-d": S(lambda L, x: x.abs() * x, A(-0.7)),
    "minmax.Clamp:numbers": S(lambda L, x: x.clamp(-0.5, 0.5) * x, X),
    "minmax.Clamp:min only": S(lambda L, x: x.clamp(min=-0.5) * x, X),
    "where.Where:scalar": S(lambda L, x: L.where(x > 0, x, 0.5) * x, X),
    "fused_arithmetic.Lerp:scalar weight": S(lambda L, s, e: L.lerp(s, e, 0.3) * s, X, U(3)),
    "reduce.Sum:all": S(lambda L, x: x.sum() ** 2, X),
    "reduce.Sum:keepdim": S(lambda L, x: x.sum((0, 1), keepdim=True) ** 2, X),
    "reduce.Mean:all": S(lambda L, x: x.mean() ** 2, X),
    "reduce.NanSum:nanmean": S(lambda L, x: L.nanmean(x, 1) ** 2, X),
    "reduce.Amax:all": S(lambda L, x: x.amax() * x.sum(), X),
    "reduce.Amax:amin": S(lambda L, x: x.amin(0) * x.sum(), X),
    "reduce.TakeAlongDim:min keepdim": S(lambda L, x: x.min(0, keepdim=True).values * x.sum(),
                                         X),
    "reduce.Var:all correction 0": S(lambda L, x: x.var(correction=0), X),
    "reduce.Var:keepdim": S(lambda L, x: x.var(0, keepdim=True), U(3, 2)),
    "reduce.Std:dim": S(lambda L, x: x.std(1, keepdim=True), X),
    "norms.VectorNorm:dim": S(lambda L, x: x.norm(dim=1), X),
    "norms.VectorNorm:p=1": S(lambda L, x: L.linalg.vector_norm(x, 1, dim=1) ** 2, X),
    "norms.VectorNorm:p=3 keepdim": S(lambda L, x: x.norm(3, dim=0, keepdim=True), X),
    "norms.VectorNorm:p=0.5": S(lambda L, x: L.linalg.vector_norm(x, 0.5), X),
    "norms.VectorNorm:p=inf": S(lambda L, x: L.linalg.vector_norm(x, float("inf"), 1) * x.sum(),
                                A([[0.5, -1.2, 0.7], [1.1, 0.3, -0.4]])),
    "norms.VectorNorm:p=-inf": S(lambda L, x: x.norm(float("-inf")) * x.sum(), X),
    "norms.VectorNorm:linalg p=2": S(lambda L, x: L.linalg.vector_norm(x, dim=(0, 1)), X),
    "reduce.LogSumExp:all": S(lambda L, x: x.logsumexp((0, 1)), X),
    "shape.View:reshape": S(lambda L, x: x.reshape(-1) ** 2, X),
    "index.Index:basic": S(lambda L, x: x[:, 1:] ** 2, X),
    "index.Index:mask": S(lambda L, x: x[L.tensor([[True, False, True], [False, True, True]])]
                          ** 2, X),
    "index.Index:mixed": S(lambda L, x: x[1:, IDX(L, [2, 0])] ** 2, U(3, 3)),
    "products.Matmul:vector": S(lambda L, a, b: a @ b, U(3), U(3, 2)),
    "products.Matmul:batched": S(lambda L, a, b: a @ b, U(2, 2, 3), U(3, 2)),
    "products.AddMatmul:addmv": S(lambda L, c, a, b: L.addmv(c, a, b, beta=0.5, alpha=2.0),
                                U(2), U(2, 3), U(3)),
    "products.AddMatmul:baddbmm": S(lambda L, c, a, b: L.baddbmm(c, a, b, beta=0.5, alpha=2.0),
                                  U(2, 2, 2), U(2, 2, 3), U(2, 3, 2)),
    "activation.Elu:selu": S(lambda L, x: F(L).selu(x), X),
    "activation.Elu:celu": S(lambda L, x: F(L).celu(x, 0.5), X),
    "activation.Softplus:linear regime": S(lambda L, x: F(L).softplus(x, beta=2.0,
                                                                      threshold=1.0) * x, X),
    "activation.Softmax:dim 0, 3-d": S(lambda L, x: F(L).softmax(x, 0), U(2, 2, 2)),
    "activation.LogSoftmax:dim 0, 3-d": S(lambda L, x: F(L).log_softmax(x, 0), U(2, 2, 2)),
    "linear.Linear:no bias, 3-d": S(lambda L, x, w: F(L).linear(x, w), U(2, 2, 3), U(4, 3)),
    "pooling.AvgPool:no pad count": S(lambda L, x: F(L).avg_pool2d(
        x, 2, 1, 1, count_include_pad=False) ** 2, U(1, 1, 3, 3)),
    "pooling.MaxPool:1-d": S(lambda L, x: F(L).max_pool1d(x, 2) ** 2, U(1, 2, 4)),
    "pooling.MaxPool:indices": S(lambda L, x: F(L).max_pool2d(x, 2, return_indices=True)[0]
                                 ** 2, X44),
    "resampling.Resample:adaptive avg": S(lambda L, x: F(L).adaptive_avg_pool2d(x, (2, 2)) ** 2,
                                         U(1, 1, 3, 3)),
    "resampling.Resample:bicubic": S(lambda L, x: F(L).interpolate(
        x, size=(3, 3), mode="bicubic", align_corners=True) ** 2, U(1, 1, 2, 2)),
    # convolution and im2col: bilinear or linear maps, squared so the second derivatives are
    # not all zero
    "conv.Conv": S(lambda L, x, w, b: F(L).conv2d(x, w, b, stride=2, padding=1) ** 2,
                   U(1, 2, 4, 4), U(3, 2, 2, 2), U(3)),
    "conv.Conv:groups, dilation, 1-d": S(lambda L, x, w: F(L).conv1d(
        x, w, padding=2, dilation=2, groups=2) ** 2, U(1, 4, 5), U(2, 2, 3)),
    "conv.ConvTranspose": S(lambda L, x, w, b: F(L).conv_transpose2d(
        x, w, b, stride=2, padding=1, output_padding=1) ** 2, U(1, 2, 3, 3), U(2, 3, 2, 2),
        U(3)),
    "conv.ConvWeightGrad": S(lambda L, x, w, g: L.autograd.grad(
        F(L).conv2d(x, w, padding=1), w, g, create_graph=True)[0] ** 2,
        U(1, 2, 4, 4), U(3, 2, 3, 3), U(1, 3, 4, 4)),
    "fold.Im2Col": S(lambda L, x: F(L).unfold(x, 2, padding=1, stride=2) ** 2, U(1, 2, 3, 3)),
    "fold.Col2Im": S(lambda L, c: F(L).fold(c, (3, 3), 2) ** 2, U(1, 8, 4)),
}


# ------------------------------------------------------------------------------ running one
def _outputs(result):
    outs = result if isinstance(result, tuple) else (result,)
    return [o for o in outs if o.dtype.is_floating_point and o.requires_grad]


def _draw(name):
    fn, specs, opts = SAMPLES[name]
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    arrays = [s.draw(rng) if isinstance(s, U) else s for s in specs]
    return fn, arrays, opts, rng


def _second_derivatives(L, fn, arrays, rng_state):
    """d/d(inputs, v) of sum(w * d(outputs)/d(inputs) . v), with v and w drawn the same way
    for both libraries. Missing gradients count as zeros."""
    rng = np.random.default_rng(rng_state)
    xs = [L.tensor(a, requires_grad=True) for a in arrays]
    outs = _outputs(fn(L, *xs))
    vs = [L.tensor(rng.standard_normal(tuple(o.shape)), requires_grad=True) for o in outs]
    firsts = L.autograd.grad(outs, xs, vs, create_graph=True, allow_unused=True)
    ws = [rng.standard_normal(a.shape) for a in arrays]
    total = sum((f * L.tensor(w)).sum() for f, w in zip(firsts, ws)
                if f is not None and f.requires_grad)
    if not isinstance(total, L.Tensor):
        return [np.zeros_like(a) for a in arrays] + [np.zeros(tuple(v.shape)) for v in vs]
    seconds = L.autograd.grad(total, xs + vs, allow_unused=True)
    return [np.zeros(tuple(t.shape)) if s is None else s.detach().numpy()
            for s, t in zip(seconds, xs + vs)]


def _graph_ops(tensors):
    """The op classes of every node reachable from `tensors`."""
    seen, ops = set(), set()
    stack = [t.grad_fn for t in tensors if t.grad_fn is not None]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        ops.add(type(node)._op_class)
        for edge in getattr(node, "next", ()):
            if type(edge) is tuple:
                stack.append(edge[0])
    return ops


OPS = differentiable_ops()


def _op_name(sample_name):
    return sample_name.split(":")[0]


def test_every_differentiable_op_has_a_sample():
    sampled = {_op_name(name) for name in SAMPLES}
    missing = sorted(set(OPS) - sampled)
    assert not missing, f"differentiable_backward ops without a gradgrad sample: {missing}"
    stale = sorted(sampled - set(OPS))
    assert not stale, f"samples for ops that are not differentiable_backward: {stale}"
    assert len(OPS) > 100


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_gradgrad(name):
    fn, arrays, opts, rng = _draw(name)
    opts = dict(opts)
    against_torch = opts.pop("torch")
    seed = int(rng.integers(2 ** 31))
    xs = [gt.tensor(a, requires_grad=True) for a in arrays]
    outs = _outputs(fn(gt, *xs))
    assert OPS[_op_name(name)] in _graph_ops(outs), f"the sample does not record a {name} node"
    assert gt.autograd.gradgradcheck(lambda *ts: fn(gt, *ts), xs, **opts)
    if not against_torch:
        return
    ours = _second_derivatives(gt, fn, arrays, seed)
    theirs = _second_derivatives(torch, fn, arrays, seed)
    for k, (a, b) in enumerate(zip(ours, theirs)):
        np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-9, err_msg=f"{name}: input {k}")


def _record_saves(monkeypatch):
    """Capture (node, saved as forward gave it, inputs, outputs) for every node recorded."""
    records = []
    original = function._note_saved

    def note_saved(ctx, args, outputs):
        records.append((ctx, ctx.saved, args, outputs))
        return original(ctx, args, outputs)
    monkeypatch.setattr(function, "_note_saved", note_saved)
    return records


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_saved_outputs_are_declared_and_watched(name, monkeypatch):
    """Every node that saves one of its outputs declares it with Output(...) (else a
    differentiable backward would see a constant), and an in-place write to that output makes
    the node's backward raise PyTorch's error."""
    fn, arrays, _, _ = _draw(name)
    records = _record_saves(monkeypatch)
    xs = [gt.tensor(a, requires_grad=True) for a in arrays]
    fn(gt, *xs)
    for node, saved, args, outputs in records:
        inputs = [a._data for a in args if isinstance(a, gt.Tensor)]
        for s in saved:
            if not isinstance(s, np.ndarray) or any(s is a for a in inputs):
                continue
            assert not any(np.shares_memory(s, o._data) for o in outputs), \
                f"{node.name()} saves an output without Output(...)"
    for node, saved, args, outputs in records:
        marked = [s.nr for s in saved if isinstance(s, function.Output)]
        if type(node)._op_class is not OPS[_op_name(name)] or not marked:
            continue
        outputs[marked[0]].add_(1)
        target = [o for o in outputs if o.requires_grad]
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            gt.autograd.backward(target, [gt.ones_like(o) for o in target])


# ------------------------------------------------------------------------------ regressions
@pytest.mark.parametrize("reduction", ["norm", "std", "var", "logsumexp", "median"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_second_derivative_of_a_full_reduction(reduction, dtype):
    """A full reduction returns a NumPy scalar, which the output Tensor wraps in a new 0-d
    array: the saved output used to be taken for a constant, so norm() gave [0.267] * 3 where
    PyTorch gives [0.153, 0.038, -0.076] at [1, 2, 3]."""
    def run(L):
        x = L.tensor([1.0, 2.0, 4.0], dtype=getattr(L, dtype), requires_grad=True)
        y = x.logsumexp(0) if reduction == "logsumexp" else getattr(x, reduction)()
        (g,) = L.autograd.grad(y * y, x, create_graph=True)
        (g * g).sum().backward()   # (g.sum() is flat for std and var: zero either way)
        return x.grad.detach().numpy()
    np.testing.assert_allclose(run(gt), run(torch),
                               rtol=1e-5 if dtype == "float32" else 1e-12, atol=1e-7)


def test_norm_second_derivative_example_from_the_issue():
    x = gt.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (g,) = gt.autograd.grad(x.norm(), x, create_graph=True)
    g.sum().backward()
    xt = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (gt_,) = torch.autograd.grad(xt.norm(), xt, create_graph=True)
    gt_.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-5)
    np.testing.assert_allclose(x.grad.numpy(), [0.1527, 0.0382, -0.0764], atol=1e-4)


# ops that save their output (differentiable backward or not), each with an in-place write to
# that output before backward: PyTorch raises for every one, and so must we
SAVES_OUTPUT = {
    "exp": lambda L, x: x.exp(),
    "sigmoid": lambda L, x: x.sigmoid(),
    "tanh": lambda L, x: x.tanh(),
    "sqrt": lambda L, x: x.abs().sqrt(),
    "rsqrt": lambda L, x: x.abs().rsqrt(),
    "pow tensor exponent": lambda L, x: x.abs() ** x,
    "norm": lambda L, x: x.norm(),
    "norm dim": lambda L, x: x.norm(dim=1),
    "std": lambda L, x: x.std(),
    "std dim": lambda L, x: x.std(0),
    "logsumexp all": lambda L, x: x.logsumexp((0, 1)),
    "amax all": lambda L, x: x.amax(),
    "median all": lambda L, x: x.median(),
    "prod": lambda L, x: x.prod(),
    "prod dim": lambda L, x: x.prod(1),
    "softmax": lambda L, x: x.softmax(1),
    "log_softmax": lambda L, x: x.log_softmax(1),
    "cdist": lambda L, x: L.cdist(x, x[:1].detach() + 0.5),
    "pdist": lambda L, x: L.nn.functional.pdist(x),
    "vector_norm p=3": lambda L, x: L.linalg.vector_norm(x, 3),
    "vector_norm dim": lambda L, x: L.linalg.vector_norm(x, 3, dim=1),
    "matrix_norm 1": lambda L, x: L.linalg.matrix_norm(x, 1),
    "cholesky": lambda L, x: L.linalg.cholesky(x @ x.mT + L.eye(2, dtype=L.float64)),
    "cholesky upper": lambda L, x: L.linalg.cholesky(x @ x.mT + L.eye(2, dtype=L.float64),
                                                     upper=True),
    "eigh values": lambda L, x: L.linalg.eigh(x[:, :2] + x[:, :2].mT)[0],
    "eigh vectors": lambda L, x: L.linalg.eigh(x[:, :2] + x[:, :2].mT)[1],
    "inv": lambda L, x: L.linalg.inv(x[:, :2] + 3 * L.eye(2, dtype=L.float64)),
    "solve": lambda L, x: L.linalg.solve(x[:, :2] + 3 * L.eye(2, dtype=L.float64), x[:, 2]),
    "scatter_reduce amax": lambda L, x: x.scatter_reduce(
        1, L.tensor([[0, 0], [1, 0]]), x[:, :2].detach(), "amax"),
    "polar": lambda L, x: L.polar(x.abs(), x),
}


@pytest.mark.parametrize("name", sorted(SAVES_OUTPUT))
def test_inplace_write_to_a_saved_output_raises_like_pytorch(name):
    x0 = np.array([[0.5, -1.2, 0.7], [1.1, 0.3, -0.4]])
    messages = []
    for L in (torch, gt):
        x = L.tensor(x0, requires_grad=True)
        y = SAVES_OUTPUT[name](L, x)
        y.mul_(2)
        with pytest.raises(RuntimeError, match="modified by an inplace operation") as err:
            y.abs().sum().backward()
        messages.append(str(err.value))
    assert "is at version 1; expected version 0 instead" in messages[1]


@pytest.mark.parametrize("name", ["sinc", "cosine_similarity", "var", "relu"])
def test_inplace_write_to_an_output_not_saved_is_allowed(name):
    """Ops whose backward doesn't read their output let it be written, as in PyTorch."""
    fn = {"sinc": lambda L, x: L.sinc(x),
          "cosine_similarity": lambda L, x: L.nn.functional.cosine_similarity(x, x.detach() + 1),
          "var": lambda L, x: x.var(),
          "relu": lambda L, x: x.relu() * 1}[name]
    x0 = np.array([[0.5, -1.2, 0.7], [1.1, 0.3, -0.4]])
    grads = []
    for L in (torch, gt):
        x = L.tensor(x0, requires_grad=True)
        y = fn(L, x)
        y.mul_(2)
        y.sum().backward()
        grads.append(x.grad.numpy())
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-12)


@pytest.mark.parametrize("name", ["cross_entropy", "batch_norm", "prod", "layer_norm"])
def test_once_differentiable_raises(name):
    """A backward that is not differentiable_backward gives right first derivatives, and its
    double backward raises (PyTorch's once_differentiable message) instead of a wrong value."""
    x = gt.tensor(np.array([[0.5, -1.2, 0.7], [1.1, 0.3, -0.4]]), requires_grad=True)
    F_ = gt.nn.functional
    y = {"cross_entropy": lambda: F_.cross_entropy(x, gt.tensor([0, 2])),
         "batch_norm": lambda: F_.batch_norm(x, None, None, training=True).pow(3).sum(),
         "prod": lambda: x.prod(),
         "layer_norm": lambda: F_.layer_norm(x, (3,)).pow(3).sum()}[name]()
    (g,) = gt.autograd.grad(y, x, create_graph=True)
    assert g.requires_grad
    with pytest.raises(RuntimeError, match="trying to differentiate twice a function that was "
                                           "marked with @once_differentiable"):
        (g * g).sum().backward()


# ------------------------------------------------------------------------------ gradgradcheck
class _CubeWithWrongDoubleBackward(gt.autograd.Function):
    """x^3 whose backward detaches x: first derivatives right, second derivatives wrong."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 3 * x.detach() ** 2


def test_gradgradcheck_catches_a_wrong_double_backward():
    x = gt.tensor([0.5, -1.5, 2.0], dtype=gt.float64, requires_grad=True)
    assert gt.autograd.gradcheck(_CubeWithWrongDoubleBackward.apply, (x,))
    with pytest.raises(RuntimeError, match="Jacobian mismatch"):
        gt.autograd.gradgradcheck(_CubeWithWrongDoubleBackward.apply, (x,))
    assert not gt.autograd.gradgradcheck(_CubeWithWrongDoubleBackward.apply, (x,),
                                         raise_exception=False)


def test_gradgradcheck_skips_integer_outputs_and_takes_grad_outputs():
    x = gt.tensor(X44, requires_grad=True)
    pool = lambda t: gt.nn.functional.max_pool2d(t, 2, return_indices=True)  # noqa: E731
    assert gt.autograd.gradgradcheck(pool, (x,))
    v = gt.tensor(np.ones((1, 1, 2, 2)), requires_grad=True)
    assert gt.autograd.gradgradcheck(pool, (x,), (v,))


# index outputs: those a node reads in backward are watched; the others are fresh arrays, so
# writing into them cannot change the gradient (PyTorch raises for these too; we stay right)
INDEX_OUTPUTS = {
    "sort": (lambda L, x: x.sort(1), True),
    "topk": (lambda L, x: x.topk(2, 1), True),
    "cummax": (lambda L, x: x.cummax(1), True),
    "cummin": (lambda L, x: x.cummin(1), True),
    "frexp": (lambda L, x: L.frexp(x), True),
    "adaptive_max_pool1d": (lambda L, x: L.nn.functional.adaptive_max_pool1d(
        x[None], 2, return_indices=True), True),
    "max dim": (lambda L, x: x.max(1), False),
    "min dim keepdim": (lambda L, x: x.min(1, keepdim=True), False),
    "kthvalue": (lambda L, x: x.kthvalue(2, 1), False),
    "median dim": (lambda L, x: x.median(1), False),
    "max_pool1d": (lambda L, x: L.nn.functional.max_pool1d(x[None], 2, return_indices=True),
                   False),
}


@pytest.mark.parametrize("name", sorted(INDEX_OUTPUTS))
def test_inplace_write_to_an_index_output(name):
    fn, watched = INDEX_OUTPUTS[name]
    x0 = np.array([[0.5, -1.2, 0.7, 2.0], [1.1, 0.3, -0.4, 0.9]])
    xt = torch.tensor(x0, requires_grad=True)
    fn(torch, xt)[0].sum().backward()
    x = gt.tensor(x0, requires_grad=True)
    values, indices = fn(gt, x)
    indices.add_(1)
    if watched:
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            values.sum().backward()
    else:
        values.sum().backward()
        np.testing.assert_array_equal(x.grad.numpy(), xt.grad.numpy())


@pytest.mark.parametrize("name", ["sort", "exp", "norm"])
def test_inplace_error_message_is_pytorchs(name):
    def message(L):
        x = L.tensor([[3.0, 1.0, 2.0]], requires_grad=True)
        if name == "sort":
            values, out = x.sort(1)
        else:
            out = values = getattr(x, name)()
        out.add_(1)
        with pytest.raises(RuntimeError) as err:
            values.sum().backward()
        return str(err.value).split(" Hint:")[0]
    assert message(gt) == message(torch)


def test_inplace_error_names_the_op_that_wrote_into_a_saved_input():
    def message(L):
        x = L.tensor([[3.0, 1.0, 2.0]], requires_grad=True)
        y = x * 2
        z = y.sin()
        y.add_(1)
        with pytest.raises(RuntimeError) as err:
            z.sum().backward()
        return str(err.value).split(" Hint:")[0]
    assert message(gt) == message(torch)


# ------------------------------------------------------------------------------ gradient dtypes
@pytest.mark.parametrize("case", ["nanmean", "float64 grad_output", "complex to real",
                                  "nanmean double backward"])
def test_gradients_come_in_the_input_dtype(case):
    """autograd.grad hands back gradients in each input's dtype, as PyTorch does (nanmean's
    float32 gradient used to come back float64)."""
    def run(L):
        x = L.tensor([[1.0, 2.0], [3.0, float("nan")]], requires_grad=True)
        if case == "nanmean":
            return L.autograd.grad(L.nanmean(x, 1).sum(), x)[0]
        if case == "float64 grad_output":
            return L.autograd.grad((x * 2).sum(), x, L.tensor(1.0, dtype=L.float64))[0]
        if case == "complex to real":
            return L.autograd.grad(L.nan_to_num(x).to(L.complex64).abs().sum(), x)[0]
        (g,) = L.autograd.grad(L.nanmean(x, 1).pow(2).sum(), x, create_graph=True)
        return L.autograd.grad(g.sum(), x)[0]
    ours, theirs = run(gt), run(torch)
    assert ours.dtype == gt.float32 and theirs.dtype == torch.float32
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)
