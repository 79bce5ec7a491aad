"""CPPN: an image drawn by a small network of its pixel coordinates (Lucid's `cppn`, Lucent's).

A compositional pattern-producing network maps each pixel's (x, y, r) through `layers` 1×1 layers
of `width` units with the activation ``[atan(z) / 0.67, atan(z)² / 0.6]`` to C colours (sigmoid).
Its images are smooth and resolution-free: the same weights draw the picture at any size. Every
batch item has its own weights, so a batch renders as independent images. The network runs on a
grid of at most ``max_resolution`` (128) pixels a side, bilinearly enlarged to the image size:
at 224 px that is 3× cheaper (the network is heavier than EfficientNet-Lite0 at full size on a
CPU), and a smooth picture loses little.

Weights are stored divided by ``WEIGHT_SCALE``: Adam moves each parameter by about ``lr`` per
step, so the render's usual lr 0.05 changes the weights by 0.005 a step, the step size CPPNs
need (Lucid optimizes them with lr 0.005).

Example:
    >>> p = cppn(16, batch=2, seed=0)
    >>> p.shape, bool((p() - 0.5).abs().max() < 1e-6)     # the last layer starts at zero: grey
    ((2, 3, 16, 16), True)
"""

from __future__ import annotations

import math
from typing import Optional, Sequence, Union

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..core.validate import image_size, positive_int
from .alpha import with_alpha
from .base import Device, Param, seeded

__all__ = ["WEIGHT_SCALE", "CPPNParam", "cppn"]

WEIGHT_SCALE = 0.1


def _activation(z: Tensor) -> Tensor:
    a = torch.atan(z)
    return torch.cat((a / 0.67, a * a / 0.6), dim=1)


def coordinates(h: int, w: int) -> Tensor:
    """[3, h, w]: x and y in [-√3, √3] (unit variance over the square) and the radius."""
    r = 3.0**0.5
    ys = torch.linspace(-r, r, h).view(h, 1).expand(h, w)
    xs = torch.linspace(-r, r, w).view(1, w).expand(h, w)
    return torch.stack((xs, ys, torch.sqrt(xs**2 + ys**2)))


class CPPNParam(Param):
    """Per-item 1×1 networks of the pixel coordinates (`cppn`)."""

    def __init__(self, shape: Sequence[int], *, layers: int = 8, width: int = 24, max_resolution: int = 128,
                 seed: int = 0, generator: Optional[torch.Generator] = None, device: Device = None) -> None:
        super().__init__(shape)
        n, c, h, w = self.shape
        layers, width = positive_int(layers, "layers"), positive_int(width, "width")
        shrink = min(1.0, positive_int(max_resolution, "max_resolution", minimum=2) / max(h, w))
        gen = seeded(seed, generator)
        self.register_buffer("coords", coordinates(max(2, round(h * shrink)), max(2, round(w * shrink))))
        sizes = [3] + [2 * width] * layers
        weights = []
        for fan_in in sizes[:-1]:
            weights.append(torch.randn((n, width, fan_in), generator=gen) * math.sqrt(1.0 / fan_in) / WEIGHT_SCALE)
        weights.append(torch.zeros((n, c, sizes[-1])))
        self.weights = nn.ParameterList([nn.Parameter(wt) for wt in weights])
        self.biases = nn.ParameterList([nn.Parameter(torch.zeros(n, wt.shape[1])) for wt in weights])
        self.to(device)

    def forward(self) -> Tensor:
        n = self.shape[0]
        z = self.coords.unsqueeze(0).expand(n, -1, -1, -1)
        last = len(self.weights) - 1
        for i, (weight, bias) in enumerate(zip(self.weights, self.biases)):
            z = torch.einsum("noi,nihw->nohw", weight * WEIGHT_SCALE, z) + bias[:, :, None, None] * WEIGHT_SCALE
            if i < last:
                z = _activation(z)
        if tuple(z.shape[2:]) != self.shape[2:]:
            z = F.interpolate(z, size=self.shape[2:], mode="bilinear", align_corners=True)
        return torch.sigmoid(z)

    def __repr__(self) -> str:
        return f"cppn({self.shape}, layers={len(self.weights) - 1}, width={self.weights[0].shape[1]})"


def cppn(
    size: Union[int, Sequence[int]],
    *,
    batch: int = 1,
    color_channels: int = 3,
    layers: int = 8,
    width: int = 24,
    max_resolution: int = 128,
    alpha: bool = False,
    seed: int = 0,
    generator: Optional[torch.Generator] = None,
    device: Device = None,
) -> Param:
    """A CPPN image of `size` (int or (H, W)): `layers` hidden layers of `width` units each
    (output 2·width per layer), seeded weights, a zero output layer (the start is grey), run on
    a grid of at most `max_resolution` pixels a side and enlarged.
    ``alpha=True`` adds a transparency channel (`fv.param.with_alpha`).

    Example:
        >>> cppn((8, 12), color_channels=1, layers=2, width=4)
        cppn((1, 1, 8, 12), layers=2, width=4)
    """
    h, w = image_size(size)
    made: Param = CPPNParam((batch, color_channels, h, w), layers=layers, width=width, max_resolution=max_resolution,
                            seed=seed, generator=generator, device=device)
    if alpha:
        made = with_alpha(made, seed=seed, generator=generator, device=device)
    return made
