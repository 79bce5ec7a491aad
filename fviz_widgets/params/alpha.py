"""Transparent images: a colour parameterization plus an optimized alpha channel.

The model never sees the alpha channel. Each render step composites the image onto a new random
background (flat colours, coarse noise or fine noise, drawn from the render's seeded generator):
``rgb · α + background · (1 − α)``. A feature that only exists in the opaque part is the same
whatever the background, so the optimization learns to make everything else transparent. A penalty
on the mean opacity (`fv.obj.opacity`, weight ``opacity_penalty``, added by the render) keeps it
from painting the whole canvas. The result is RGBA: `RenderResult.save` writes an RGBA PNG and the
widgets show a checkerboard under transparent pixels (Lucid's transparency recipe; Lucent #42).

Example:
    >>> from fviz_widgets.params import image
    >>> p = image(16, batch=2, alpha=True)
    >>> p.shape, p.alpha, tuple(p.composite(p(), None).shape)
    ((2, 4, 16, 16), True, (2, 3, 16, 16))
"""

from __future__ import annotations

from typing import Optional

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..core.validate import positive_number
from .base import Device, Param
from .image import FFTParam

__all__ = ["DEFAULT_OPACITY_PENALTY", "AlphaParam", "backgrounds", "with_alpha"]

#: Weight of the mean opacity subtracted from the objective (for objectives of order 1–10, such
#: as channel means and logits; raise it for a more transparent result).
DEFAULT_OPACITY_PENALTY = 1.0


def backgrounds(n: int, c: int, h: int, w: int, generator: torch.Generator) -> Tensor:
    """`n` random backgrounds [n, c, h, w] in [0, 1] on the CPU: per item a flat colour, coarse
    noise (1/8 resolution, bilinear) or pixel noise, chosen at random.

    Example:
        >>> tuple(backgrounds(4, 3, 8, 8, torch.Generator().manual_seed(0)).shape)
        (4, 3, 8, 8)
    """
    kind = torch.randint(0, 3, (n, 1, 1, 1), generator=generator)
    flat = torch.rand((n, c, 1, 1), generator=generator).expand(n, c, h, w)
    coarse = torch.rand((n, c, max(1, h // 8), max(1, w // 8)), generator=generator)
    coarse = F.interpolate(coarse, size=(h, w), mode="bilinear", align_corners=False)
    fine = torch.rand((n, c, h, w), generator=generator)
    return torch.where(kind == 0, flat, torch.where(kind == 1, coarse, fine))


class AlphaParam(Param):
    """A colour param [N, C, H, W] plus an alpha channel: ``forward()`` is RGBA [N, C + 1, H, W].

    ``alpha`` is True (what renders and widgets check); `composite` makes what the model sees.
    """

    alpha = True

    def __init__(self, color: Param, opacity: nn.Module, opacity_penalty: float = DEFAULT_OPACITY_PENALTY) -> None:
        n, c, h, w = color.shape
        if tuple(opacity.shape) != (n, 1, h, w):
            raise ValueError(f"the alpha parameterization must make [{n}, 1, {h}, {w}], got {tuple(opacity.shape)}")
        super().__init__((n, c + 1, h, w))
        self.color, self.opacity = color, opacity
        self.opacity_penalty = positive_number(opacity_penalty, "opacity_penalty", allow_zero=True)

    def forward(self) -> Tensor:
        return torch.cat((self.color(), self.opacity()), dim=1)

    def composite(self, image: Tensor, generator: Optional[torch.Generator]) -> Tensor:
        """RGBA [N, C + 1, H, W] → [N, C, H, W] over random backgrounds (grey without a generator)."""
        rgb, alpha = image[:, :-1], image[:, -1:]
        if generator is None:
            back = torch.full_like(rgb, 0.5)
        else:
            back = backgrounds(*rgb.shape, generator).to(rgb)
        return rgb * alpha + back * (1 - alpha)

    def __repr__(self) -> str:
        return f"with_alpha({self.color!r}, opacity_penalty={self.opacity_penalty:g})"


def with_alpha(color: Param, *, opacity_penalty: float = DEFAULT_OPACITY_PENALTY, seed: int = 0,
               generator: Optional[torch.Generator] = None, device: Device = None) -> AlphaParam:
    """`color` with an alpha channel: an FFT image of one channel (no colour matrix), starting at
    α ≈ 0.5. See the module docstring for what the render does with it.

    Example:
        >>> from fviz_widgets.params import pixel
        >>> with_alpha(pixel((1, 3, 8, 8)), opacity_penalty=2.0).shape
        (1, 4, 8, 8)
    """
    n, _, h, w = color.shape
    opacity = FFTParam((n, 1, h, w), decorrelate=False, seed=seed + 1, generator=generator, device=device)
    return AlphaParam(color, opacity, opacity_penalty).to(device)
