"""How a model wants its input: normalization, resizing and a default image size.

The engine keeps images in the model's *input domain* ([0, 1] for natural images) and
applies the model's `Preprocess` right before the forward pass. Models from `fviz_widgets.zoo`
carry one; for any other model attach one with `attach_preprocess`.

Example:
    >>> import torch
    >>> net = torch.nn.Conv2d(3, 4, 3)
    >>> net = attach_preprocess(net, Preprocess(mean=(0.5, 0.5, 0.5), std=(0.25, 0.25, 0.25)))
    >>> get_preprocess(net)(torch.full((1, 3, 8, 8), 0.75)).mean().item()
    1.0
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from torch import nn

ATTRIBUTE = "fviz_preprocess"

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


@dataclass(frozen=True)
class Preprocess:
    """Maps an image batch in [0, 1] to what the model was trained on.

    Attributes:
        mean, std: per-channel normalization (None: no normalization).
        input_size: (H, W) that `render` uses when no size is given.
        resize: if set, inputs are bilinearly resized to this (H, W) before the model.
        channels: number of input channels the model expects.
    """

    mean: Optional[Tuple[float, ...]] = None
    std: Optional[Tuple[float, ...]] = None
    input_size: Tuple[int, int] = (64, 64)
    resize: Optional[Tuple[int, int]] = None
    channels: int = 3

    def __post_init__(self) -> None:
        for name in ("mean", "std"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, tuple(float(v) for v in value))
                if len(getattr(self, name)) != self.channels:
                    raise ValueError(f"Preprocess.{name} has {len(value)} values for {self.channels} channels")
        if self.std is not None and any(s <= 0 for s in self.std):
            raise ValueError(f"Preprocess.std must be positive, got {self.std}")

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 4 or x.shape[1] != self.channels:
            raise ValueError(
                f"expected an image batch [N, {self.channels}, H, W], got shape {tuple(x.shape)}"
            )
        if self.resize is not None and tuple(x.shape[-2:]) != tuple(self.resize):
            x = F.interpolate(x, size=self.resize, mode="bilinear", align_corners=False)
        if self.mean is not None:
            x = x - torch.tensor(self.mean, dtype=x.dtype, device=x.device).view(1, -1, 1, 1)
        if self.std is not None:
            x = x / torch.tensor(self.std, dtype=x.dtype, device=x.device).view(1, -1, 1, 1)
        return x


def unwrap(model: nn.Module) -> nn.Module:
    """The module inside `nn.DataParallel` / `DistributedDataParallel`-style wrappers."""
    while isinstance(getattr(model, "module", None), nn.Module) and type(model).__name__ in (
        "DataParallel",
        "DistributedDataParallel",
    ):
        model = model.module
    return model


def attach_preprocess(model: nn.Module, preprocess: Preprocess) -> nn.Module:
    """Record how `model` wants its input; returns the same model for chaining."""
    if not isinstance(preprocess, Preprocess):
        raise TypeError(f"expected a Preprocess, got {type(preprocess).__name__}")
    setattr(unwrap(model), ATTRIBUTE, preprocess)
    return model


def get_preprocess(model: nn.Module) -> Preprocess:
    """The model's attached `Preprocess`, or the identity for 3-channel [0, 1] input."""
    return getattr(unwrap(model), ATTRIBUTE, None) or Preprocess()


def input_shape(model: nn.Module, size: Optional[Sequence[int]] = None) -> Tuple[int, int, int]:
    """(C, H, W) of one input image for `model`, using `size` (int or (H, W)) when given."""
    pre = get_preprocess(model)
    if size is None:
        h, w = pre.input_size
    elif isinstance(size, int):
        h = w = size
    else:
        h, w = size
    return (pre.channels, int(h), int(w))
