"""Geometric transforms resampled with ``grid_sample``: random scale and rotation, random crops."""

from __future__ import annotations

import math
from typing import Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from torch import Tensor

from ..core.validate import image_size
from .base import Transform, check_batch, check_generator, format_values

__all__ = ["RandomAffine", "RandomCrop", "random_scale", "random_rotate", "random_crop"]

AFFINE_PADDING_MODES = ("reflection", "border", "zeros")


class RandomAffine(Transform):
    """Random isotropic scaling and rotation about the centre, one resampling per call.

    ``stages`` is a sequence of ``("scale", values)`` / ``("rotate", degrees)`` pairs; for each
    stage every item draws one value uniformly from the list (repeat a value to weight it).
    The stages' scales multiply and their angles add, and the image is resampled once with
    a batched ``affine_grid`` + bilinear ``grid_sample``. The output keeps the input size.
    A scale s > 1 magnifies the content; a positive angle rotates it counter-clockwise.
    ``padding_mode`` says what is sampled outside the image: "reflection" (the default) mirrors
    the image, which avoids the flat streaks "border" produces and the dark corners of "zeros".

    Build it with `random_scale` / `random_rotate`; `Compose` fuses adjacent ones.

    Example:
        >>> t = RandomAffine([("scale", [0.9, 1.1]), ("rotate", [-5, 5])])
        >>> t(torch.rand(2, 1, 16, 16)).shape
        torch.Size([2, 1, 16, 16])
    """

    name = "random_affine"

    def __init__(self, stages: Sequence[Tuple[str, Sequence[float]]], padding_mode: str = "reflection") -> None:
        if padding_mode not in AFFINE_PADDING_MODES:
            raise ValueError(f"padding_mode must be one of {AFFINE_PADDING_MODES}, got {padding_mode!r}")
        if not stages:
            raise ValueError("RandomAffine needs at least one stage")
        checked = []
        for kind, values in stages:
            values = tuple(float(v) for v in values)
            if kind not in ("scale", "rotate"):
                raise ValueError(f"RandomAffine stage kind must be 'scale' or 'rotate', got {kind!r}")
            if not values:
                raise ValueError(f"random_{kind} needs at least one value to choose from")
            if not all(math.isfinite(v) for v in values):
                raise ValueError(f"random_{kind} values must be finite, got {values}")
            if kind == "scale" and min(values) <= 0:
                raise ValueError(f"random_scale scales must be > 0, got {values}")
            checked.append((kind, values))
        self.stages: Tuple[Tuple[str, Tuple[float, ...]], ...] = tuple(checked)
        self.padding_mode = padding_mode
        self._tables = [torch.tensor(values, dtype=torch.float64) for _, values in self.stages]

    def __call__(self, x: Tensor, generator: Optional[torch.Generator] = None) -> Tensor:
        check_batch(x, "random_affine")
        check_generator(generator)
        n, _, h, w = x.shape
        scale = torch.ones(n, dtype=torch.float64)
        angle = torch.zeros(n, dtype=torch.float64)
        for (kind, _), table in zip(self.stages, self._tables):
            drawn = table[torch.randint(0, len(table), (n,), generator=generator)]
            if kind == "scale":
                scale = scale * drawn
            else:
                angle = angle + torch.deg2rad(drawn)
        # affine_grid maps each output location to the input location it samples, in coordinates
        # normalised to [-1, 1] per axis (y down). The pixel-space map is rotate(-angle) / scale;
        # conjugating it with diag(W, H) keeps rotations rigid on non-square images.
        cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
        theta = torch.zeros(n, 2, 3, dtype=torch.float64)
        theta[:, 0, 0], theta[:, 0, 1] = cos, -sin * (h / w)
        theta[:, 1, 0], theta[:, 1, 1] = sin * (w / h), cos
        theta = theta.to(device=x.device, dtype=x.dtype)
        grid = F.affine_grid(theta, list(x.shape), align_corners=False)
        return F.grid_sample(x, grid, mode="bilinear", padding_mode=self.padding_mode, align_corners=False)

    def then(self, other: RandomAffine) -> Optional[RandomAffine]:
        """The single transform equal to ``self`` followed by ``other`` (None if paddings differ)."""
        if other.padding_mode != self.padding_mode:
            return None
        return RandomAffine(self.stages + other.stages, self.padding_mode)

    def __repr__(self) -> str:
        padding = "" if self.padding_mode == "reflection" else f", padding_mode={self.padding_mode!r}"
        parts = [f"random_{kind}({format_values(values)}{padding})" for kind, values in self.stages]
        return parts[0] if len(parts) == 1 else f"{self.name}({', '.join(parts)})"


def random_scale(scales: Sequence[float], padding_mode: str = "reflection") -> RandomAffine:
    """Scales each item about its centre by a factor drawn uniformly from ``scales``.

    The output keeps the input size (s > 1 zooms in). See `RandomAffine` for ``padding_mode``.

    Example:
        >>> random_scale([0.95, 1.05])(torch.rand(3, 3, 32, 32)).shape
        torch.Size([3, 3, 32, 32])
    """
    return RandomAffine([("scale", scales)], padding_mode)


def random_rotate(degrees: Sequence[float], padding_mode: str = "reflection") -> RandomAffine:
    """Rotates each item about its centre by an angle (degrees, counter-clockwise) drawn from ``degrees``.

    The output keeps the input size. See `RandomAffine` for ``padding_mode``.

    Example:
        >>> random_rotate([-10, 0, 10])(torch.rand(3, 3, 32, 32)).shape
        torch.Size([3, 3, 32, 32])
    """
    return RandomAffine([("rotate", degrees)], padding_mode)


class RandomCrop(Transform):
    """Magnifies a random crop of each item to ``size`` (default: the input's own size).

    Each item's crop spans a fraction of the image's height and width drawn uniformly from
    ``fraction`` = (lo, hi); its centre, in coordinates relative to the image, is
    0.5 + ``center_std`` · N(0, 1) on each axis, moved inwards where the crop would leave the
    image. One bilinear ``grid_sample`` cuts and resizes all items at once; there is no
    antialiasing, so it is meant for crops that are magnified, not shrunk.

    These are the views MACO (Fel et al., 2023) optimizes under: a large canvas seen through crops
    of about a quarter of its side resized to the network's input, so the feature is drawn at crop
    scale, several times over the canvas. Render a 512 px image with
    ``transforms=[random_crop(size=224)], views=6`` (six crops per step, as MACO's) to get that.

    Example:
        >>> random_crop((0.25, 0.3), size=224)(torch.rand(2, 3, 512, 512)).shape
        torch.Size([2, 3, 224, 224])
    """

    name = "random_crop"

    def __init__(self, fraction: Tuple[float, float] = (0.25, 0.30), center_std: float = 0.15,
                 size: Union[None, int, Sequence[int]] = None) -> None:
        lo, hi = (float(v) for v in fraction)
        if not (0 < lo <= hi <= 1):
            raise ValueError(f"random_crop fraction must be (lo, hi) with 0 < lo <= hi <= 1, got {fraction!r}")
        if not (math.isfinite(center_std) and center_std >= 0):
            raise ValueError(f"random_crop center_std must be a number >= 0, got {center_std!r}")
        self.fraction = (lo, hi)
        self.center_std = float(center_std)
        self.size: Optional[Tuple[int, int]] = None if size is None else image_size(size, "random_crop size")

    def __call__(self, x: Tensor, generator: Optional[torch.Generator] = None) -> Tensor:
        check_batch(x, "random_crop")
        check_generator(generator)
        n, c, h, w = x.shape
        lo, hi = self.fraction
        side = lo + (hi - lo) * torch.rand(n, generator=generator, dtype=torch.float64)
        # affine_grid's coordinates run over [-1, 1]: a crop of relative side s has half-extent s,
        # and a relative centre 0.5 + d sits at 2d; the clamp keeps the crop inside the image.
        shift = 2 * self.center_std * torch.randn(2, n, generator=generator, dtype=torch.float64)
        shift = torch.maximum(torch.minimum(shift, 1 - side), side - 1)
        theta = torch.zeros(n, 2, 3, dtype=torch.float64)
        theta[:, 0, 0], theta[:, 1, 1] = side, side
        theta[:, 0, 2], theta[:, 1, 2] = shift[0], shift[1]
        theta = theta.to(device=x.device, dtype=x.dtype)
        out_h, out_w = self.size or (h, w)
        grid = F.affine_grid(theta, [n, c, out_h, out_w], align_corners=False)
        return F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)

    def _repr_args(self) -> str:
        size = "" if self.size is None else f", size={self.size}"
        return f"({self.fraction[0]:g}, {self.fraction[1]:g}), center_std={self.center_std:g}{size}"


random_crop = RandomCrop
