"""Oracle tests for the factory methods (x.new_zeros …), scalar_tensor, tril/triu_indices,
predicates and metadata (is_tensor … layout, storage_offset), thread settings,
set_default_tensor_type, the torch.x_ in-place function forms and the torch.* spellings of nn
functionals."""
import warnings

import numpy as np
import pytest

import glasstorch as gt
from tests.oracle.harness import check, check_error, gradcheck_fn, sample


# ---------------------------------------------------------------------------------------------
# x.new_* factories
# ---------------------------------------------------------------------------------------------
NEW = [
    lambda t, x: x.new_zeros(2, 3),
    lambda t, x: x.new_zeros((2,)),
    lambda t, x: x.new_zeros(size=(1, 2)),
    lambda t, x: x.new_zeros([]),
    lambda t, x: x.new_ones([2], dtype=t.int32),
    lambda t, x: x.new_ones(3, dtype=t.float32, requires_grad=True),
    lambda t, x: x.new_full((2,), 3),
    lambda t, x: x.new_full([2, 1], 2.5, dtype=t.float16),
    lambda t, x: x.new_empty(2, 3).shape,
    lambda t, x: (str(x.new_empty((4,), dtype=t.int16).dtype), x.new_empty(0).shape),
    lambda t, x: x.new_tensor([1.7, 2]),
    lambda t, x: x.new_tensor([[1, 2]], dtype=t.bool),
    lambda t, x: x.new_tensor(3),
    lambda t, x: x.new(),
    lambda t, x: x.new(2, 3).shape,
    lambda t, x: x.new([1, 2]),
]


@pytest.mark.parametrize("dtype", ["float64", "int64", "float32"])
@pytest.mark.parametrize("fn", NEW)
def test_new_factories(fn, dtype):
    check(fn, [sample((2,), dtype)], grad=False)


def test_new_tensor_copies_and_detaches():
    src = np.array([1.0, 2.0], "float32")

    def run(t, x):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = x.new_tensor(t.tensor(src, requires_grad=True))
        assert any("detach" in str(w.message) for w in caught)
        return out, out.requires_grad
    check(run, [sample((2,), "float64")], grad=False)
    x = gt.tensor(src)
    with pytest.warns(UserWarning, match="detach"):
        y = x.new_tensor(x)
    y.add_(1)
    assert x.tolist() == [1.0, 2.0]   # a copy, not a view
    assert x.new_ones(2, requires_grad=True).is_leaf


def test_new_factory_errors():
    check_error(lambda t: t.ones(2).new_full(2, 3))
    check_error(lambda t: t.ones(2).new_zeros(-1))
    check_error(lambda t: t.ones(2).new_zeros(2.5))


# ---------------------------------------------------------------------------------------------
# scalar_tensor, tril_indices, triu_indices
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("fn", [
    lambda t: t.scalar_tensor(3), lambda t: t.scalar_tensor(True),
    lambda t: t.scalar_tensor(2.5, dtype=t.float64), lambda t: t.scalar_tensor(2, dtype=t.int64),
    lambda t: t.scalar_tensor(t.tensor(4)), lambda t: t.scalar_tensor(1.5, requires_grad=True),
    lambda t: t.tril_indices(3, 4, 1), lambda t: t.tril_indices(3, 3),
    lambda t: t.tril_indices(4, 2, -1), lambda t: t.triu_indices(3, 4),
    lambda t: t.triu_indices(3, 3, 2), lambda t: t.triu_indices(0, 3),
    lambda t: t.triu_indices(3, 3, -5), lambda t: t.tril_indices(3, 3, dtype=t.int32),
])
def test_scalar_tensor_and_triangle_indices(fn):
    check(lambda t: fn(t), [], grad=False)


def test_factory_errors():
    check_error(lambda t: t.tril_indices(-1, 3), match="non-negative")
    check_error(lambda t: t.triu_indices(3, -2))
    check_error(lambda t: t.tril_indices(3, 3, dtype=t.float32))
    check_error(lambda t: t.scalar_tensor("a"))


# ---------------------------------------------------------------------------------------------
# predicates and metadata
# ---------------------------------------------------------------------------------------------
META = [
    lambda t, x: t.is_tensor(x), lambda t, x: t.is_tensor(1.0), lambda t, x: t.is_tensor([x]),
    lambda t, x: t.is_floating_point(x), lambda t, x: t.is_complex(x),
    lambda t, x: t.is_signed(x), lambda t, x: x.is_signed(),
    lambda t, x: t.numel(x), lambda t, x: t.typename(x), lambda t, x: t.typename(1),
    lambda t, x: t.typename("a"), lambda t, x: x.is_same_size(x[0]),
    lambda t, x: t.is_same_size(x, x * 2), lambda t, x: x.is_cpu,
    lambda t, x: str(x.layout), lambda t, x: str(t.strided), lambda t, x: x.layout == t.strided,
    lambda t, x: x.storage_offset(), lambda t, x: x[1:].storage_offset(),
    lambda t, x: x.output_nr, lambda t, x: t.is_inference(x), lambda t, x: x.is_inference(),
    lambda t, x: x.data_ptr() == x.data_ptr() and x[1:].data_ptr() - x.data_ptr(),
    lambda t, x: t.is_nonzero(x[0, :1]), lambda t, x: x[1, 1].is_nonzero(),
    lambda t, x: t.is_conj(x), lambda t, x: x.is_neg(),
]
DTYPES = ["float32", "float64", "int64", "uint8", "bool", "complex64"]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("fn", META)
def test_predicates_and_metadata(fn, dtype):
    if dtype == "complex64":
        x = (sample((3, 2)) + 1j * sample((3, 2))).astype(dtype)
    else:
        x = sample((3, 2), dtype)
    check(fn, [x], grad=False)


def test_output_nr_of_multi_output_ops():
    def run(t, x):
        a, b, c = (x * 1).split(1)
        return a.output_nr, b.output_nr, c.output_nr
    check(run, [sample((3,))], grad=False)
    assert gt.typename(gt.nn.Linear) == "glasstorch.nn.modules.linear.Linear"


def test_predicate_errors():
    check_error(lambda t: t.is_nonzero(t.zeros(2)), match="more than one value")
    check_error(lambda t: t.is_nonzero(t.zeros(0)), match="no values")
    check_error(lambda t: t.numel([1]))
    check_error(lambda t: t.is_floating_point(1))
    check_error(lambda t: t.is_same_size(t.ones(1), 1))


# ---------------------------------------------------------------------------------------------
# threads and the legacy default tensor type
# ---------------------------------------------------------------------------------------------
def test_thread_settings_round_trip():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    before = gt.get_num_threads()
    with threadpoolctl.threadpool_limits():   # restores every pool's own size on exit
        gt.set_num_threads(1)
        assert gt.get_num_threads() == 1
        gt.set_num_threads(2)
        assert gt.get_num_threads() == 2
        gt.set_num_threads(before)
    gt.set_num_interop_threads(3)
    assert gt.get_num_interop_threads() == 3
    check_error(lambda t: t.set_num_threads(0), match="positive")
    check_error(lambda t: t.set_num_threads(2.0))


@pytest.mark.parametrize("omp", ["1", "2", "64", ""])
def test_default_thread_count_follows_omp_num_threads(omp):
    """Without set_num_threads both libraries report OMP_NUM_THREADS capped at the CPUs
    (unset: glasstorch the usable CPUs, torch the physical cores; equal without SMT)."""
    import os
    import subprocess
    import sys
    code = "import {0}; print({0}.get_num_threads())"
    env = {k: v for k, v in os.environ.items() if k != "OMP_NUM_THREADS"}
    if omp:
        env["OMP_NUM_THREADS"] = omp
    counts = [int(subprocess.run([sys.executable, "-c", code.format(lib)], env=env, check=True,
                                 capture_output=True, text=True).stdout)
              for lib in ("glasstorch", "torch")]
    cpus = len(os.sched_getaffinity(0))
    assert counts[0] == (min(int(omp), cpus) if omp else cpus)
    assert counts[1] <= counts[0] if omp == "" else counts[1] == counts[0]


def test_set_default_tensor_type():
    try:
        with pytest.warns(UserWarning, match="deprecated"):
            gt.set_default_tensor_type(gt.DoubleTensor)
        assert gt.tensor([1.5]).dtype is gt.float64 and gt.ones(1).dtype is gt.float64
        with pytest.warns(UserWarning):
            gt.set_default_tensor_type("torch.FloatTensor")
        assert gt.tensor([1.5]).dtype is gt.float32
    finally:
        gt.set_default_dtype(gt.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_error(lambda t: t.set_default_tensor_type(t.LongTensor), match="floating-point")
        check_error(lambda t: t.set_default_tensor_type(3))
        check_error(lambda t: t.set_default_tensor_type("torch.Foo"))
    assert gt.get_default_dtype() is gt.float32


# ---------------------------------------------------------------------------------------------
# torch.x_(t): the in-place function forms
# ---------------------------------------------------------------------------------------------
INPLACE_FUNCTIONS = [
    ("abs_", ()), ("neg_", ()), ("negative_", ()), ("exp_", ()), ("exp2_", ()), ("expm1_", ()),
    ("log_", ()), ("log2_", ()), ("log10_", ()), ("log1p_", ()), ("sqrt_", ()), ("rsqrt_", ()),
    ("square_", ()), ("reciprocal_", ()), ("sigmoid_", ()), ("tanh_", ()), ("sin_", ()),
    ("cos_", ()), ("tan_", ()), ("asin_", ()), ("arcsin_", ()), ("acos_", ()), ("arccos_", ()),
    ("atan_", ()), ("arctan_", ()), ("sinh_", ()), ("cosh_", ()), ("asinh_", ()),
    ("arcsinh_", ()), ("acosh_", ()), ("arccosh_", ()), ("atanh_", ()), ("arctanh_", ()),
    ("erf_", ()), ("erfc_", ()), ("rad2deg_", ()), ("deg2rad_", ()), ("floor_", ()),
    ("ceil_", ()), ("round_", ()), ("trunc_", ()), ("fix_", ()), ("frac_", ()),
    ("clamp_", (0.2, 0.6)), ("clip_", (0.1,)), ("clamp_min_", (0.3,)), ("clamp_max_", (0.3,)),
    ("nan_to_num_", ()), ("i0_", ()), ("logit_", ()), ("sinc_", ()), ("xlogy_", (2.0,)),
    ("fill_", (1.5,)), ("zero_", ()), ("detach_", ()),
]


@pytest.mark.parametrize("name,args", INPLACE_FUNCTIONS, ids=[r[0] for r in INPLACE_FUNCTIONS])
def test_torch_inplace_functions(name, args):
    x = np.random.default_rng(3).uniform(0.05, 0.95, (2, 3)).astype("float32")

    def run(t, x):
        y = x.clone()
        out = getattr(t, name)(y, *args)
        assert out is y
        return y
    check(run, [x], grad=name not in NO_GRAD)


# torch has no gradient for in-place asinh/acosh/atanh (its backward raises NotImplementedError)
NO_GRAD = {"asinh_", "arcsinh_", "acosh_", "arccosh_", "atanh_", "arctanh_", "detach_"}


def test_other_inplace_functions():
    check(lambda t, x: t.ldexp_(x.clone(), t.ones(3)), [sample((3,))])
    check(lambda t, x: t.gcd_(x.clone(), x.flip(0)), [np.array([12, 18, 4])], grad=False)
    check(lambda t, x: t.lcm_(x.clone(), x.flip(0)), [np.array([12, 18, 4])], grad=False)
    check(lambda t, x, m, v: t.addmv_(x.clone(), m, v), [sample((2,)), sample((2, 3)),
                                                        sample((3,))], rtol=1e-5)
    check(lambda t, x: t.index_put_(x.clone(), (t.tensor([1]),), t.ones(())), [sample((3,))])
    check(lambda t, x: t.as_strided_(x.clone(), (2,), (2,)), [sample((4,))])
    check(lambda t, x: t.detach(x * 2), [sample((3,))])


# ---------------------------------------------------------------------------------------------
# torch.* spellings of nn functionals (ATen's signatures)
# ---------------------------------------------------------------------------------------------
def _bn_stats(x):
    return x.new_zeros(3), x.new_ones(3)


ALIASES = [
    ("batch_norm", lambda t, x, w, b: t.batch_norm(x, w, b, *_bn_stats(x), True, 0.1, 1e-5,
                                                   False), [(4, 3, 2), (3,), (3,)]),
    ("batch_norm_eval", lambda t, x, w, b: t.batch_norm(x, w, b, *_bn_stats(x), False, 0.1,
                                                        1e-5, False), [(4, 3), (3,), (3,)]),
    ("batch_norm_noaffine", lambda t, x: t.batch_norm(x, None, None, None, None, True, 0.1,
                                                      1e-5, False), [(4, 3)]),
    ("instance_norm", lambda t, x, w, b: t.instance_norm(x, w, b, None, None, True, 0.1, 1e-5,
                                                         False), [(2, 3, 4), (3,), (3,)]),
    ("layer_norm", lambda t, x, w, b: t.layer_norm(x, [4], w, b), [(2, 3, 4), (4,), (4,)]),
    ("layer_norm_plain", lambda t, x: t.layer_norm(x, (3, 4), eps=1e-3), [(2, 3, 4)]),
    ("group_norm", lambda t, x, w, b: t.group_norm(x, 2, w, b), [(2, 4, 3), (4,), (4,)]),
    ("rms_norm", lambda t, x, w: t.rms_norm(x, [4], w, 1e-6), [(2, 4), (4,)]),
    ("dropout_eval", lambda t, x: t.dropout(x, 0.5, False), [(2, 3)]),
    ("dropout_p0", lambda t, x: t.dropout(x, 0.0, True), [(2, 3)]),
    ("alpha_dropout_eval", lambda t, x: t.alpha_dropout(x, 0.5, False), [(2, 3)]),
    ("feature_alpha_dropout_eval", lambda t, x: t.feature_alpha_dropout(x, 0.5, False),
     [(2, 3)]),
    ("feature_dropout_eval", lambda t, x: t.feature_dropout(x, 0.3, False), [(2, 3)]),
    ("embedding", lambda t, w: t.embedding(w, t.tensor([[0, 2], [4, 2]])), [(5, 3)]),
    ("embedding_pad", lambda t, w: t.embedding(w, t.tensor([0, 1, 1]), 1), [(5, 3)]),
    ("bce_logits", lambda t, x, y: t.binary_cross_entropy_with_logits(x, y.sigmoid()),
     [(3, 4), (3, 4)]),
    ("bce_logits_sum_posw", lambda t, x, y, w: t.binary_cross_entropy_with_logits(
        x, y.sigmoid(), None, w.detach().abs(), 2), [(3, 4), (3, 4), (4,)]),
    ("bce_logits_mean", lambda t, x, y, w: t.binary_cross_entropy_with_logits(
        x, y.sigmoid(), w.detach(), reduction=1), [(3, 4), (3, 4), (4,)]),
    ("kl_div", lambda t, x, y: t.kl_div(x, y.softmax(-1)), [(3, 4), (3, 4)]),
    ("kl_div_mean", lambda t, x, y: t.kl_div(x, y.softmax(-1), 1), [(3, 4), (3, 4)]),
    ("kl_div_none_log", lambda t, x, y: t.kl_div(x, y, 0, log_target=True), [(3, 4), (3, 4)]),
    ("cosine_embedding", lambda t, a, b: t.cosine_embedding_loss(
        a, b, t.tensor([1.0, -1.0, 1.0]), 0.1), [(3, 4), (3, 4)]),
    ("cosine_embedding_mean", lambda t, a, b: t.cosine_embedding_loss(
        a, b, t.tensor([1.0, -1.0, 1.0]), reduction=1), [(3, 4), (3, 4)]),
    ("hinge_embedding_none", lambda t, x: t.hinge_embedding_loss(x, t.tensor([1.0, -1.0])),
     [(2,)]),
    ("hinge_embedding", lambda t, x: t.hinge_embedding_loss(
        x, t.tensor([1.0, -1.0, 1.0]), 0.5, 2), [(3,)]),
    ("margin_ranking", lambda t, a, b: t.margin_ranking_loss(
        a, b, t.tensor([1.0, -1.0, 1.0]), 0.2, 0), [(3,), (3,)]),
    ("poisson_nll", lambda t, x, y: t.poisson_nll_loss(x, y.abs(), True, False, 1e-8, 1),
     [(3, 4), (3, 4)]),
    ("poisson_nll_full", lambda t, x, y: t.poisson_nll_loss(x.abs() + 0.1, y.abs() * 3, False,
                                                            True, 1e-8, 2), [(3, 4), (3, 4)]),
    ("triplet", lambda t, a, p, n: t.triplet_margin_loss(a, p, n, 1.0, 2, 1e-6, True, 1),
     [(3, 4), (3, 4), (3, 4)]),
]


@pytest.mark.parametrize("name,fn,shapes", ALIASES, ids=[a[0] for a in ALIASES])
def test_nn_aliases(name, fn, shapes):
    check(fn, [sample(s) for s in shapes], rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name,fn,shapes", ALIASES[:8], ids=[a[0] for a in ALIASES[:8]])
def test_nn_aliases_gradcheck(name, fn, shapes):
    gradcheck_fn(fn, [sample(s, "float64") for s in shapes])


def test_dropout_aliases_in_training_and_in_place():
    x = gt.ones(200, 50)
    for fn in (gt.dropout, gt.feature_dropout):
        y = fn(x, 0.5, True)
        kept = y.numpy() != 0
        assert 0.4 < kept.mean() < 0.6 and np.allclose(y.numpy()[kept], 2.0)
    channels = gt.feature_dropout(gt.ones(4, 6, 5), 0.5, True).numpy()
    assert np.all(channels.min(-1) == channels.max(-1))   # whole channels dropped together
    for fn in (gt.dropout_, gt.alpha_dropout_, gt.feature_alpha_dropout_, gt.feature_dropout_):
        y = gt.ones(8, 4, 3)
        assert fn(y, 0.5, True) is y
    check_error(lambda t: t.dropout(t.ones(2), 0.5))
    check_error(lambda t: t.dropout(t.ones(2), 1.5, True))
    check_error(lambda t: t.kl_div(t.zeros(2), t.zeros(2), "mean"))
    check_error(lambda t: t.embedding(t.tensor([0, 1]), t.randn(3, 2)))
