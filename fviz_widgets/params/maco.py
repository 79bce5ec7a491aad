"""MACO: optimize only the phase of an image's spectrum; its magnitude stays that of natural images.

Fel et al., "Unlocking Feature Visualization for Deeper Networks with MAgnitude Constrained
Optimization" (NeurIPS 2023). On deep networks the free spectrum of `fv.param.fft` drifts to grey,
high-frequency textures; fixing the amplitude of every frequency to the natural-image mean keeps
the image's energy where photos have theirs, and the optimization can only move structure around.

The image of a phase parameter p [N, C, H, W//2+1]:

    φ = (p − mean(p)) / std(p)                     (per image, over all its channels and frequencies)
    x = sigmoid(logit(mean colour) + 4 · M · irfft2(magnitude · e^{iφ}, norm="ortho"))

with M the colour matrix (`IMAGENET_COLOR_MATRIX` for RGB) and the magnitude and mean colour of
`fviz_widgets.params.spectrum` (or yours). The factor 4 makes the sigmoid's slope 1 at the mean,
so natural contrast passes almost unchanged. Standardizing the phase, as the paper's own code
(Horama) does, keeps its spread at 1 rad whatever the parameter's scale, so Adam's steps of a
constant size turn the phases less and less as the parameter spreads out: large moves first,
fine ones at the end. p starts as N(0, ``PHASE_INIT``²) with ``PHASE_INIT`` = 0.05, so the
render's usual lr 0.05 takes first steps of one standard deviation, as Horama's NAdam at lr 1 on
a unit-variance phase does. That is what made MACO transfer: for 16 EfficientNet-Lite0 classes
(`benchmarks/fv_quality.py`), a free, uniform phase at constant steps transferred 0.49/0.34 to
Lite1/Lite2 through crops and 0.54/0.31 under the `robust` transforms; the standardized phase
0.61/0.44 (Horama 0.58/0.40) and 0.78/0.59. The render accumulates |∂loss/∂image| over its steps
(`RenderResult.importance`): MACO's transparency map, where the optimization wanted to act.

At the paper's own scale, a large canvas seen through crops, render e.g. ``maco(512)`` with
``transforms=[fv.transforms.random_crop(size=224)], views=6``: six crops of 25–30 % of the side
per step.

Example:
    >>> p = maco(32, batch=2, seed=0)
    >>> p.shape, tuple(p.phase.shape)
    ((2, 3, 32, 32), (2, 3, 32, 17))
"""

from __future__ import annotations

from typing import Any, Optional, Sequence, Union

import torch
from torch import Tensor, nn

from ..core.validate import image_size
from .alpha import with_alpha
from .base import Device, Param, seeded
from .color import IMAGENET_COLOR_MATRIX, apply_color
from .spectrum import magnitude_for, mean_color, resample

__all__ = ["PHASE_INIT", "MacoParam", "maco"]

#: The standard deviation of the phase parameter at the start (the image only sees it standardized).
PHASE_INIT = 0.05


class MacoParam(Param):
    """Phase-only spectrum parameterization (`maco`); ``magnitude`` and ``mean`` are buffers."""

    def __init__(self, shape: Sequence[int], magnitude: Tensor, mean: Tensor, color_matrix: Optional[Tensor],
                 *, seed: int = 0, generator: Optional[torch.Generator] = None, device: Device = None) -> None:
        super().__init__(shape)
        n, c, h, w = self.shape
        if magnitude.shape != (c, h, w // 2 + 1):
            raise ValueError(f"magnitude must be [C, H, W//2+1] = [{c}, {h}, {w // 2 + 1}], got {tuple(magnitude.shape)}")
        if not torch.isfinite(magnitude).all() or (magnitude < 0).any():
            raise ValueError("magnitude must be finite and ≥ 0 (a magnitude spectrum)")
        self.register_buffer("magnitude", magnitude.float())
        self.register_buffer("offset", torch.logit(mean.float().clamp(0.05, 0.95)).view(1, c, 1, 1))
        self.register_buffer("color_matrix", None if color_matrix is None else color_matrix.float())
        phase = torch.randn((n, c, h, w // 2 + 1), generator=seeded(seed, generator))
        self.phase = nn.Parameter(phase * PHASE_INIT)
        self.to(device)

    def forward(self) -> Tensor:
        h, w = self.shape[2:]
        centred = self.phase - self.phase.mean((1, 2, 3), keepdim=True)
        phase = centred / (centred.std((1, 2, 3), keepdim=True) + 1e-12)  # radians, per image
        spectrum = torch.polar(self.magnitude.expand_as(phase), phase)
        raw = torch.fft.irfft2(spectrum, s=(h, w), norm="ortho")
        if self.color_matrix is not None:
            raw = apply_color(self.color_matrix, raw)
        return torch.sigmoid(self.offset + 4.0 * raw)

    def __repr__(self) -> str:
        return f"maco({self.shape})"


def maco(
    size: Union[int, Sequence[int]],
    magnitude: Any = None,
    *,
    batch: int = 1,
    color_channels: int = 3,
    mean: Any = None,
    alpha: bool = False,
    seed: int = 0,
    generator: Optional[torch.Generator] = None,
    device: Device = None,
) -> Param:
    """A MACO image: a fixed magnitude spectrum and a standardized phase (random at the start, seeded).

    Args:
        size: int or (H, W).
        magnitude: [C, h, w//2+1] magnitudes of ``rfft2(·, norm="ortho")`` of (colour-decorrelated,
            mean-free) images, resampled to `size` if h×w differs; default the shipped
            natural-image spectrum (`fviz_widgets.params.spectrum`; 1 or 3 channels).
        color_channels: 3 (RGB, colour-decorrelated) or 1 (grey); any count with your own magnitude.
        mean: the mean colour [C] in [0, 1] (default the photos', or 0.5 with your own magnitude).
        alpha: add a transparency channel (`fv.param.with_alpha`).
        seed, generator, device: as in `fv.param.image`.

    Example:
        >>> maco((24, 32), color_channels=1)
        maco((1, 1, 24, 32))
    """
    h, w = image_size(size)
    shape = (batch, color_channels, h, w)
    if magnitude is None:
        spectrum = magnitude_for((h, w), color_channels)
        centre = mean_color(color_channels) if mean is None else torch.as_tensor(mean, dtype=torch.float32)
    else:
        spectrum = torch.as_tensor(magnitude, dtype=torch.float32)
        if spectrum.ndim != 3 or spectrum.shape[0] != color_channels or spectrum.shape[1] % 2:
            raise ValueError(f"magnitude must be [C={color_channels}, h (even), w//2+1], got {tuple(spectrum.shape)}")
        if tuple(spectrum.shape[1:]) != (h, w // 2 + 1):
            spectrum = resample(spectrum, (h, w))
        centre = torch.full((color_channels,), 0.5) if mean is None else torch.as_tensor(mean, dtype=torch.float32)
    if centre.shape != (color_channels,):
        raise ValueError(f"mean must hold one value per channel ({color_channels}), got shape {tuple(centre.shape)}")
    matrix = IMAGENET_COLOR_MATRIX if color_channels == 3 else None
    made: Param = MacoParam(shape, spectrum, centre, matrix, seed=seed, generator=generator, device=device)
    if alpha:
        made = with_alpha(made, seed=seed, generator=generator, device=device)
    return made
