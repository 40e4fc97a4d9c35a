"""glasstorch.vision.models against real torchvision 0.28: the same module tree (names and
classes), state_dict keys in the same order with the same shapes, parameters initialised from
the same distributions, and, with torchvision's parameters copied in, the same logits (eval) and
the same gradients after one backward. Pretrained weights: the same enums, URLs, transforms and
metadata, and a checkpoint saved by torch.save in $TORCH_HOME/hub/checkpoints loads with
`weights=` and gives torchvision's logits. No test touches the network.

Inputs are small (32x32 or 64x64, batch 1-2) and the big variants get structure checks only, so
the file stays fast."""
import math
import os
import urllib.error
import warnings

import numpy as np
import pytest
import torch

import glasstorch as gt
from glasstorch.vision import models as gm
from tests.oracle.torchvision_import import torchvision

tv = torchvision()
tm = tv.models
RNG = np.random.default_rng(7)


def build_pair(name, *args, **kwargs):
    """(ours, theirs): the builder `name` called with the same arguments in both libraries."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)   # googlenet's init_weights notice
        theirs = getattr(tm, name)(*args, **kwargs)
        ours = getattr(gm, name)(*args, **kwargs)
    return ours, theirs


def assert_same_structure(ours, theirs):
    """Module names and classes in the same order; state_dict keys, shapes, dtypes in order;
    the same printed model."""
    our_modules = [(n, type(m).__name__) for n, m in ours.named_modules()]
    their_modules = [(n, type(m).__name__) for n, m in theirs.named_modules()]
    assert our_modules == their_modules
    ours_sd, theirs_sd = ours.state_dict(), theirs.state_dict()
    assert list(ours_sd) == list(theirs_sd)
    for key, value in theirs_sd.items():
        assert tuple(ours_sd[key].shape) == tuple(value.shape), key
        assert str(ours_sd[key].dtype) == str(value.dtype), key
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert repr(ours) == repr(theirs)


def assert_same_init(ours, theirs):
    """Each parameter and buffer drawn from the same distribution as torchvision's fresh model:
    constants equal exactly; otherwise mean and std agree within sampling error and the share
    of values beyond one std (normal 32%, uniform 42%) tells the distribution's shape apart."""
    ours_sd = ours.state_dict()
    for key, value in theirs.state_dict().items():
        # a million values pin the statistics down; VGG's first Linear has 100 million
        t = value.detach().numpy().ravel()[:1_000_000].astype(np.float64)
        o = ours_sd[key].detach().numpy().ravel()[:1_000_000].astype(np.float64)
        if t.std() == 0:
            np.testing.assert_array_equal(o, t, err_msg=key)
            continue
        n = t.size
        assert abs(o.mean() - t.mean()) <= 6 * t.std() / math.sqrt(n) + 1e-12, key
        assert abs(o.std() / t.std() - 1) <= 8 / math.sqrt(n) + 0.01, key
        if n >= 1000:
            beyond = lambda x: np.mean(np.abs(x - x.mean()) > x.std())   # noqa: E731
            assert abs(beyond(o) - beyond(t)) < 0.06, key


def copy_weights(ours, theirs):
    ours.load_state_dict({k: gt.from_numpy(v.detach().numpy().copy())
                          for k, v in theirs.state_dict().items()})


def run_both(ours, theirs, shape, train=False):
    """Outputs of both models on the same input (which requires grad), and the inputs.

    In float64: in float32 the two libraries' rounding can put a pre-activation that sits
    within an ulp of 0 on different sides of a ReLU (or change a max-pool winner), which moves
    every gradient below it by a fraction of a percent for some random initialisations."""
    x = RNG.normal(size=shape)
    x_ours = gt.tensor(x, requires_grad=True)
    x_theirs = torch.tensor(x, requires_grad=True)
    ours.double().train(train)
    theirs.double().train(train)
    return ours(x_ours), theirs(x_theirs), x_ours, x_theirs


def assert_close(ours, theirs, what, rtol=2e-4, atol_scale=2e-5):
    t = theirs.detach().numpy()
    atol = atol_scale * max(1.0, float(np.abs(t).max()))
    np.testing.assert_allclose(ours.detach().numpy(), t, rtol=rtol, atol=atol, err_msg=what)


def assert_same_forward_backward(ours, theirs, shape, train=False):
    """Logits equal, then the gradients of sum(logits * upstream) wrt input and every
    parameter."""
    out_ours, out_theirs, x_ours, x_theirs = run_both(ours, theirs, shape, train)
    assert_close(out_ours, out_theirs, "logits")
    upstream = RNG.normal(size=tuple(out_theirs.shape))
    (out_ours * gt.tensor(upstream)).sum().backward()
    (out_theirs * torch.tensor(upstream)).sum().backward()
    assert_close(x_ours.grad, x_theirs.grad, "input grad", rtol=1e-3, atol_scale=1e-4)
    our_params = dict(ours.named_parameters())
    for name, param in theirs.named_parameters():
        assert_close(our_params[name].grad, param.grad, f"grad of {name}", rtol=1e-3,
                     atol_scale=1e-4)


# ---------------------------------------------------------------------------------------------
# each model: structure, init, logits and grads with torchvision's parameters
# ---------------------------------------------------------------------------------------------
FULL_CHECKS = [
    ("alexnet", {"num_classes": 10}, (1, 3, 64, 64)),
    ("resnet18", {}, (1, 3, 64, 64)),
    ("resnext50_32x4d", {"num_classes": 10}, (1, 3, 32, 32)),
    ("mobilenet_v2", {"width_mult": 0.5}, (2, 3, 32, 32)),
    ("googlenet", {"init_weights": True, "aux_logits": False}, (2, 3, 32, 32)),
]


@pytest.mark.parametrize("name, kwargs, shape", FULL_CHECKS, ids=[c[0] for c in FULL_CHECKS])
def test_model_matches_torchvision(name, kwargs, shape):
    ours, theirs = build_pair(name, **kwargs)
    assert_same_structure(ours, theirs)
    assert_same_init(ours, theirs)
    copy_weights(ours, theirs)
    assert_same_forward_backward(ours, theirs, shape)


def test_resnet_in_train_mode_updates_batchnorm_stats_like_torchvision():
    ours, theirs = build_pair("resnet18", num_classes=5, zero_init_residual=True)
    assert_same_init(ours, theirs)   # zero_init_residual: every block's last BN weight is 0
    copy_weights(ours, theirs)
    # 64x64 leaves layer4 2x2 per image: batch statistics over 8 values, well conditioned
    assert_same_forward_backward(ours, theirs, (2, 3, 64, 64), train=True)
    for key, value in theirs.state_dict().items():
        assert_close(ours.state_dict()[key], value, key)


@pytest.mark.parametrize("name, shape", [("resnet34", (1, 3, 32, 32)),
                                         ("resnet50", (1, 3, 32, 32))])
def test_deeper_resnets_structure_and_one_forward(name, shape):
    ours, theirs = build_pair(name)
    assert_same_structure(ours, theirs)
    copy_weights(ours, theirs)
    ours.eval()
    theirs.eval()
    x = RNG.normal(size=shape).astype(np.float32)
    with gt.no_grad(), torch.no_grad():
        assert_close(ours(gt.tensor(x)), theirs(torch.tensor(x)), "logits")


@pytest.mark.parametrize("name", ["resnet101", "resnet152", "wide_resnet50_2", "vit_b_16"])
def test_big_models_structure(name):
    kwargs = {"image_size": 32} if name.startswith("vit") else {}
    ours, theirs = build_pair(name, **kwargs)
    assert_same_structure(ours, theirs)


def test_googlenet_train_mode_returns_aux_outputs_and_transform_input():
    ours, theirs = build_pair("googlenet", aux_logits=True, transform_input=True,
                              init_weights=True, dropout=0.0, dropout_aux=0.0, num_classes=7)
    assert_same_structure(ours, theirs)
    copy_weights(ours, theirs)
    out_ours, out_theirs, _, _ = run_both(ours, theirs, (2, 3, 48, 48), train=True)
    assert type(out_ours).__name__ == "GoogLeNetOutputs"
    assert out_ours._fields == out_theirs._fields == ("logits", "aux_logits2", "aux_logits1")
    for field in out_theirs._fields:
        assert_close(getattr(out_ours, field), getattr(out_theirs, field), field)
    ours.eval()
    with gt.no_grad():
        # eval: the logits only (run_both made the model float64)
        assert isinstance(ours(gt.zeros(1, 3, 32, 32, dtype=gt.float64)), gt.Tensor)


def test_googlenet_without_init_weights_warns_like_torchvision():
    with pytest.warns(FutureWarning, match="default weight initialization of GoogleNet"):
        gm.googlenet(aux_logits=False)
    from glasstorch.vision.models.googlenet import BasicConv2d
    with pytest.raises(ValueError, match="blocks length should be 3 instead of 2"):
        gm.GoogLeNet(blocks=[BasicConv2d] * 2, init_weights=True)


def test_vision_transformer_matches_torchvision():
    config = dict(image_size=32, patch_size=8, num_layers=2, num_heads=4, hidden_dim=32,
                  mlp_dim=64, num_classes=10)
    theirs = tm.VisionTransformer(**config)
    ours = gm.VisionTransformer(**config)
    assert_same_structure(ours, theirs)
    assert_same_init(ours, theirs)
    # the head starts at zero: give it torchvision-drawn values so the grads below are not trivial
    torch.nn.init.normal_(theirs.heads.head.weight, std=0.1)
    copy_weights(ours, theirs)
    assert_same_forward_backward(ours, theirs, (2, 3, 32, 32))
    with pytest.raises(AssertionError, match="Wrong image height! Expected 32 but got 16!"):
        ours(gt.zeros(1, 3, 16, 32))


def test_vision_transformer_with_representation_layer_and_conv_stem():
    from torchvision.models.vision_transformer import ConvStemConfig as TheirStem
    from glasstorch.vision.models.vision_transformer import ConvStemConfig as OurStem
    common = dict(image_size=16, patch_size=4, num_layers=1, num_heads=2, hidden_dim=16,
                  mlp_dim=32, num_classes=3, representation_size=8)
    theirs = tm.VisionTransformer(**common, conv_stem_configs=[TheirStem(8, 3, 2),
                                                              TheirStem(16, 3, 2)])
    ours = gm.VisionTransformer(**common, conv_stem_configs=[OurStem(8, 3, 2), OurStem(16, 3, 2)])
    assert_same_structure(ours, theirs)
    assert_same_init(ours, theirs)
    torch.nn.init.normal_(theirs.heads.head.weight, std=0.1)
    copy_weights(ours, theirs)
    assert_same_forward_backward(ours, theirs, (2, 3, 16, 16))


# Every VGG carries a 25088 x 4096 Linear (100 million parameters): one whole VGG is built here,
# the eight configurations are compared through make_layers, the grads on a small cfg.
def test_vgg11_bn_matches_torchvision():
    ours, theirs = build_pair("vgg11_bn", num_classes=10)
    assert_same_structure(ours, theirs)
    assert_same_init(ours, theirs)
    copy_weights(ours, theirs)
    ours.eval()
    theirs.eval()
    x = RNG.normal(size=(1, 3, 32, 32)).astype(np.float32)
    with gt.no_grad(), torch.no_grad():
        assert_close(ours(gt.tensor(x)), theirs(torch.tensor(x)), "logits")


@pytest.mark.parametrize("cfg", ["A", "B", "D", "E"])
@pytest.mark.parametrize("batch_norm", [False, True])
def test_vgg_configurations_build_torchvisions_features(cfg, batch_norm):
    from glasstorch.vision.models import vgg as our_vgg
    from torchvision.models import vgg as their_vgg
    assert our_vgg.cfgs[cfg] == their_vgg.cfgs[cfg]
    assert_same_structure(our_vgg.make_layers(our_vgg.cfgs[cfg], batch_norm),
                          their_vgg.make_layers(their_vgg.cfgs[cfg], batch_norm))


def test_make_layers_features_forward_and_backward():
    from glasstorch.vision.models import vgg as our_vgg
    from torchvision.models import vgg as their_vgg
    cfg = [8, "M", 16, 16, "M"]
    ours = our_vgg.make_layers(cfg, batch_norm=True)
    theirs = their_vgg.make_layers(cfg, batch_norm=True)
    assert_same_structure(ours, theirs)
    copy_weights(ours, theirs)
    assert_same_forward_backward(ours, theirs, (2, 3, 16, 16), train=True)


def test_builder_argument_errors_match_torchvision():
    with pytest.raises(ValueError, match="BasicBlock only supports groups=1 and base_width=64"):
        gm.resnet18(groups=2)
    with pytest.raises(ValueError, match="replace_stride_with_dilation should be None"):
        gm.ResNet(gm.resnet.BasicBlock, [1, 1, 1, 1], replace_stride_with_dilation=[True])
    with pytest.raises(ValueError, match="stride should be 1 or 2 instead of 3"):
        gm.mobilenetv2.InvertedResidual(4, 4, 3, 1)
    with pytest.raises(ValueError, match="expected value 1000 but got 10"):
        gm.resnet18(weights=gm.ResNet18_Weights.IMAGENET1K_V1, num_classes=10)
    with pytest.raises(AssertionError, match="indivisible by patch size"):
        gm.VisionTransformer(30, 8, 1, 1, 8, 8)


def test_resnet_with_dilation_matches_torchvision():
    ours, theirs = build_pair("resnet50", num_classes=4,
                              replace_stride_with_dilation=[False, True, True])
    assert_same_structure(ours, theirs)
    copy_weights(ours, theirs)
    ours.eval()
    theirs.eval()
    x = RNG.normal(size=(1, 3, 32, 32)).astype(np.float32)
    with gt.no_grad(), torch.no_grad():
        assert_close(ours(gt.tensor(x)), theirs(torch.tensor(x)), "logits")


# ---------------------------------------------------------------------------------------------
# weights: enums, metadata, transforms, the hub cache
# ---------------------------------------------------------------------------------------------
WEIGHT_ENUMS = [name for name in dir(gm) if name.endswith("_Weights")]


def _same_meta(ours, theirs):
    if isinstance(theirs, str):   # the _docs texts: the same words (indentation may differ)
        return isinstance(ours, str) and ours.split() == theirs.split()
    if isinstance(theirs, float) and math.isnan(theirs):
        return isinstance(ours, float) and math.isnan(ours)
    if isinstance(theirs, dict):
        return list(ours) == list(theirs) and all(_same_meta(ours[k], theirs[k]) for k in theirs)
    return ours == theirs


@pytest.mark.parametrize("enum_name", WEIGHT_ENUMS)
def test_weight_enums_match_torchvision(enum_name):
    ours, theirs = getattr(gm, enum_name), getattr(tm, enum_name)
    assert list(ours.__members__) == list(theirs.__members__)
    for name, member in theirs.__members__.items():
        mine = ours[name]
        assert repr(mine) == repr(member)
        assert mine.url == member.url
        assert _same_meta(mine.meta, member.meta), name
        assert mine.transforms.func.__name__ == member.transforms.func.__name__
        their_kw = {k: getattr(v, "name", v) for k, v in member.transforms.keywords.items()}
        our_kw = {k: getattr(v, "name", v) for k, v in mine.transforms.keywords.items()}
        assert our_kw == their_kw
    assert ours.DEFAULT.name == theirs.DEFAULT.name


def test_registry_functions():
    assert gm.get_weight("ResNet50_Weights.IMAGENET1K_V2") is gm.ResNet50_Weights.IMAGENET1K_V2
    assert gm.get_model_weights("resnet18") is gm.ResNet18_Weights
    assert gm.get_model_weights(gm.vit_b_16) is gm.ViT_B_16_Weights
    ours = set(gm.list_models())
    assert ours <= set(tm.list_models())
    assert {"alexnet", "vgg16_bn", "googlenet", "resnet18", "resnext50_32x4d",
            "wide_resnet50_2", "mobilenet_v2", "vit_b_16"} <= ours
    assert gm.list_models(include="resnet*", exclude="*101") == \
        [n for n in tm.list_models(include="resnet*", exclude="*101")]
    assert gm.list_models(module=gm.resnet) == \
        [n for n in tm.list_models(module=tm.resnet) if n in ours]
    model = gm.get_model("ResNet18", num_classes=3)
    assert isinstance(model, gm.ResNet) and model.fc.out_features == 3
    assert gm.ResNet18_Weights.verify("IMAGENET1K_V1") is gm.ResNet18_Weights.IMAGENET1K_V1
    with pytest.raises(ValueError, match="Unknown model nonet"):
        gm.get_model("nonet")
    with pytest.raises(ValueError, match="Invalid weight name provided: 'resnet'"):
        gm.get_weight("resnet")
    with pytest.raises(TypeError, match="expected ResNet18_Weights but received"):
        gm.resnet18(weights=gm.ResNet34_Weights.DEFAULT)


def test_legacy_pretrained_false_warns_and_builds_untrained():
    with pytest.warns(UserWarning) as record:
        model = gm.resnet18(pretrained=False, num_classes=2)
    messages = [str(w.message) for w in record]
    assert "'pretrained' is deprecated" in messages[0]
    assert "equivalent to passing `weights=None`" in messages[1]
    assert model.fc.out_features == 2
    with pytest.raises(ValueError, match="No weights available for model vit_h_14"):
        gm.vit_h_14(pretrained=True)


def test_transforms_preset_matches_torchvision():
    # a float image: uint8 resizing rounds a few pixels one level apart (a transforms matter)
    image = RNG.uniform(0, 1, (3, 70, 90)).astype(np.float32)
    for enum_name in ["ResNet50_Weights", "ViT_B_16_Weights"]:
        for member in getattr(tm, enum_name):
            theirs = member.transforms()(torch.tensor(image))
            ours = getattr(gm, enum_name)[member.name].transforms()(gt.tensor(image))
            assert tuple(ours.shape) == tuple(theirs.shape)
            assert_close(ours, theirs, member.name, rtol=1e-4, atol_scale=1e-4)
    assert repr(gm.ResNet18_Weights.DEFAULT.transforms()) == \
        repr(tm.ResNet18_Weights.DEFAULT.transforms())


def _save_checkpoint(tmp_path, monkeypatch, theirs, url):
    """theirs.state_dict() saved by torch.save where torchvision's cache would hold url."""
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    checkpoints = tmp_path / "hub" / "checkpoints"
    checkpoints.mkdir(parents=True)
    torch.save(theirs.state_dict(), checkpoints / os.path.basename(url))


def test_pretrained_resnet18_loads_from_the_torch_hub_cache(tmp_path, monkeypatch):
    torch.manual_seed(0)
    theirs = tm.resnet18().eval()
    weights = gm.ResNet18_Weights.DEFAULT
    _save_checkpoint(tmp_path, monkeypatch, theirs, weights.url)
    ours = gm.resnet18(weights=weights).eval()
    x = RNG.normal(size=(1, 3, 64, 64)).astype(np.float32)
    with gt.no_grad(), torch.no_grad():
        assert_close(ours(gt.tensor(x)), theirs(torch.tensor(x)), "logits")
    again = gm.resnet18(weights="IMAGENET1K_V1")   # a name works too
    np.testing.assert_array_equal(again.fc.weight.detach().numpy(),
                                  theirs.fc.weight.detach().numpy())
    with pytest.warns(UserWarning) as record:     # the pre-0.13 spelling
        legacy = gm.resnet18(pretrained=True)
    assert "`weights=ResNet18_Weights.IMAGENET1K_V1`" in str(record[1].message)
    np.testing.assert_array_equal(legacy.conv1.weight.detach().numpy(),
                                  theirs.conv1.weight.detach().numpy())


def test_pretrained_googlenet_drops_aux_heads_and_transforms_input(tmp_path, monkeypatch):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        theirs = tm.googlenet(aux_logits=True, transform_input=True, init_weights=True)
    weights = gm.GoogLeNet_Weights.IMAGENET1K_V1
    _save_checkpoint(tmp_path, monkeypatch, theirs, weights.url)
    ours = gm.googlenet(weights=weights).eval()
    assert ours.aux1 is None and ours.aux2 is None and ours.transform_input
    assert "aux1.conv.conv.weight" not in ours.state_dict()
    theirs.eval()
    x = RNG.normal(size=(1, 3, 32, 32)).astype(np.float32)
    with gt.no_grad(), torch.no_grad():
        assert_close(ours(gt.tensor(x)), theirs(torch.tensor(x)), "logits")


def test_missing_checkpoint_offline_names_the_file_and_place(tmp_path, monkeypatch):
    from glasstorch.vision.datasets import utils as download_utils

    def offline(url, offset, max_redirect_hops):
        raise urllib.error.URLError("no network in tests")

    monkeypatch.setattr(download_utils, "_open", offline)
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    expected = tmp_path / "hub" / "checkpoints" / "mobilenet_v2-7ebf99e0.pth"
    with pytest.raises(urllib.error.URLError) as info:
        gm.mobilenet_v2(weights=gm.MobileNet_V2_Weights.DEFAULT)
    message = str(info.value)
    assert "https://download.pytorch.org/models/mobilenet_v2-7ebf99e0.pth" in message
    assert str(expected) in message


def test_hub_dir_follows_torch_home_and_set_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "th"))
    assert gt.hub.get_dir() == str(tmp_path / "th" / "hub")
    monkeypatch.delenv("TORCH_HOME")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert gt.hub.get_dir() == str(tmp_path / "xdg" / "torch" / "hub") == torch.hub.get_dir()
    try:
        gt.hub.set_dir(tmp_path / "mine")
        assert gt.hub.get_dir() == str(tmp_path / "mine")
    finally:
        gt.hub._hub_dir = None


def test_init_follows_the_documented_formulas():
    """Independent of torchvision's draws: the stds the papers' init schemes give."""
    def std(t):
        return float(t.detach().numpy().std())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        resnet = gm.resnet18()
        net = gm.googlenet(aux_logits=False)
    conv = resnet.layer4[1].conv2.weight                     # kaiming_normal, fan_out, relu
    assert std(conv) == pytest.approx(math.sqrt(2 / (512 * 3 * 3)), rel=0.01)
    assert (resnet.layer1[0].bn1.weight.detach().numpy() == 1).all()
    bound = 1 / math.sqrt(512)                               # the fc keeps Linear's default init
    assert np.abs(resnet.fc.weight.detach().numpy()).max() <= bound
    assert std(resnet.fc.weight) == pytest.approx(bound / math.sqrt(3), rel=0.02)
    assert std(net.inception5b.branch2[1].conv.weight) == pytest.approx(0.01, rel=0.01)
    mobile = gm.mobilenet_v2()
    # (960, 1, 3, 3): PyTorch's fan_out ignores groups, so it is 960 * 9
    depthwise = mobile.features[17].conv[1][0].weight
    assert std(depthwise) == pytest.approx(math.sqrt(2 / (960 * 9)), rel=0.03)
    assert std(mobile.classifier[1].weight) == pytest.approx(0.01, rel=0.01)
    vit = gm.VisionTransformer(image_size=32, patch_size=16, num_layers=1, num_heads=2,
                               hidden_dim=256, mlp_dim=512)
    assert std(vit.conv_proj.weight) == pytest.approx(math.sqrt(1 / (3 * 16 * 16)), rel=0.02)
    assert std(vit.encoder.pos_embedding) == pytest.approx(0.02, rel=0.1)
    mlp = vit.encoder.layers.encoder_layer_0.mlp[0].weight   # xavier_uniform (512, 256)
    assert np.abs(mlp.detach().numpy()).max() <= math.sqrt(6 / (256 + 512))
    assert (vit.heads.head.weight.detach().numpy() == 0).all()


def test_a_download_goes_through_the_download_helper_and_checks_the_hash(tmp_path, monkeypatch):
    """The network is replaced by a response object serving a torch.save'd state_dict."""
    import hashlib
    import io
    from glasstorch.vision.datasets import utils as download_utils
    buffer = io.BytesIO()
    torch.save({"w": torch.arange(6.0).reshape(2, 3)}, buffer)
    payload = buffer.getvalue()

    class Response(io.BytesIO):
        status = 200
        headers = {"Content-Length": str(len(payload))}

    requested = []

    def serve(url, offset, max_redirect_hops):
        requested.append(url)
        return Response(payload)

    monkeypatch.setattr(download_utils, "_open", serve)
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    prefix = hashlib.sha256(payload).hexdigest()[:8]
    url = f"https://example.invalid/models/tiny-{prefix}.pth"
    state = gt.hub.load_state_dict_from_url(url, check_hash=True, progress=False)
    np.testing.assert_array_equal(state["w"].numpy(), np.arange(6.0).reshape(2, 3))
    assert (tmp_path / "hub" / "checkpoints" / f"tiny-{prefix}.pth").is_file()
    gt.hub.load_state_dict_from_url(url, check_hash=True)   # cached: no second request
    assert requested == [url]

    bad = "https://example.invalid/models/tiny-00000000.pth"
    with pytest.raises(RuntimeError, match='invalid hash value \\(expected "00000000"'):
        gt.hub.load_state_dict_from_url(bad, check_hash=True)
    assert not (tmp_path / "hub" / "checkpoints" / "tiny-00000000.pth").exists()
