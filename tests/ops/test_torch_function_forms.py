"""Oracle tests for the torch.* function forms that have no nn.functional or method twin: the
in-place functions (torch.exp_(t) …) and the torch.* spellings of nn functionals with ATen's
signatures (torch.dropout(input, p, train), torch.batch_norm, torch.embedding …)."""
import numpy as np
import pytest

import glasstorch as gt
from tests.oracle.harness import check, check_error, gradcheck_fn, sample


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
