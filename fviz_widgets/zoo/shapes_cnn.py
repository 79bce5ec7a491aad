"""A small CNN for the procedural shapes dataset (`fviz_widgets.datasets.shapes`).

The layers are top-level attributes, so ``named_modules()`` yields ``conv1``, ``act1``,
``pool1``, ..., ``conv4``, ``act4``, ``gap`` and ``fc``; each module runs exactly once per
forward pass. Everything up to ``gap`` is convolutional, so any input of at least 32x32
pixels works. With a smooth activation (``softplus``, ``gelu``) the network pools by
averaging and contains no max anywhere, so its input Hessian is meaningful.

The network does not normalize its input: images in [0, 1] go through `PREPROCESS`
first (the zoo attaches it to the models it returns).

Example:
    >>> import torch
    >>> net = ShapesCNN("softplus")
    >>> net.pool1
    AvgPool2d(kernel_size=2, stride=2, padding=0)
    >>> tuple(net(PREPROCESS(torch.rand(2, 3, 64, 64))).shape)
    (2, 10)
"""

from __future__ import annotations

from typing import Dict, Optional, Type

import torch
from torch import nn

from ..core.model import Preprocess
from ..datasets.shapes import CLASSES

__all__ = ["ACTIVATIONS", "PREPROCESS", "ShapesCNN", "weights_filename"]

ACTIVATIONS: Dict[str, Type[nn.Module]] = {"relu": nn.ReLU, "softplus": nn.Softplus, "gelu": nn.GELU}
_POOLS: Dict[str, Type[nn.Module]] = {"max": nn.MaxPool2d, "avg": nn.AvgPool2d}
_DEFAULT_POOL = {"relu": "max", "softplus": "avg", "gelu": "avg"}

PREPROCESS = Preprocess(mean=(0.5, 0.5, 0.5), std=(0.25, 0.25, 0.25), input_size=(64, 64))
"""The input normalization every `ShapesCNN` in the zoo was trained with."""


class GlobalAvgPool(nn.Module):
    """Average over all spatial positions: [N, C, H, W] -> [N, C]."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.mean(dim=(2, 3))


class ShapesCNN(nn.Module):
    """Four conv layers (3 -> 16 -> 32 -> 64 -> 64 channels), global average pooling, 10 logits.

    Args:
        activation: ``"relu"``, ``"softplus"`` or ``"gelu"``.
        pooling: ``"max"`` or ``"avg"``; by default ``"max"`` for relu and ``"avg"`` for the
            smooth activations.

    Example:
        >>> [name for name, _ in ShapesCNN().named_children()][:4]
        ['conv1', 'act1', 'pool1', 'conv2']
    """

    def __init__(self, activation: str = "relu", pooling: Optional[str] = None) -> None:
        super().__init__()
        if activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {activation!r}; choose one of {', '.join(ACTIVATIONS)}")
        pooling = _DEFAULT_POOL[activation] if pooling is None else pooling
        if pooling not in _POOLS:
            raise ValueError(f"unknown pooling {pooling!r}; choose one of {', '.join(_POOLS)}")
        self.activation = activation
        self.pooling = pooling
        act, pool = ACTIVATIONS[activation], _POOLS[pooling]
        self.conv1 = nn.Conv2d(3, 16, kernel_size=5, padding=2)
        self.act1 = act()
        self.pool1 = pool(2)
        self.conv2 = nn.Conv2d(16, 32, kernel_size=3, padding=1)
        self.act2 = act()
        self.pool2 = pool(2)
        self.conv3 = nn.Conv2d(32, 64, kernel_size=3, padding=1)
        self.act3 = act()
        self.pool3 = pool(2)
        self.conv4 = nn.Conv2d(64, 64, kernel_size=3, padding=1)
        self.act4 = act()
        self.gap = GlobalAvgPool()
        self.fc = nn.Linear(64, len(CLASSES))
        for conv in (self.conv1, self.conv2, self.conv3, self.conv4):
            # He initialisation puts pre-activations well into the non-linear range; with
            # PyTorch's smaller default, softplus starts almost linear and barely trains.
            nn.init.kaiming_normal_(conv.weight, nonlinearity="relu")
            nn.init.zeros_(conv.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.pool1(self.act1(self.conv1(x)))
        x = self.pool2(self.act2(self.conv2(x)))
        x = self.pool3(self.act3(self.conv3(x)))
        return self.fc(self.gap(self.act4(self.conv4(x))))

    def extra_repr(self) -> str:
        return f"activation={self.activation!r}, pooling={self.pooling!r}"


def weights_filename(activation: str, holdout: Optional[str] = None, weight_decay: bool = False) -> str:
    """File name of the packaged state dict, e.g. ``shapes_cnn_relu_wd_holdout-grid.pt``.

    Example:
        >>> weights_filename("relu", "grid", weight_decay=True)
        'shapes_cnn_relu_wd_holdout-grid.pt'
    """
    suffix = ("_wd" if weight_decay else "") + ("" if holdout is None else f"_holdout-{holdout}")
    return f"shapes_cnn_{activation}{suffix}.pt"
