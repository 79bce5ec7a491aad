"""Transforms that work on pixels in place: pad, jitter (integer-offset crops), blur, noise, resize.

Example:
    >>> import torch
    >>> jitter(8)(pad(4)(torch.rand(2, 3, 32, 32))).shape
    torch.Size([2, 3, 32, 32])
"""

from __future__ import annotations

import math
from typing import Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from torch import Tensor

from ..core.filters import gaussian_blur
from ..core.validate import image_size
from .base import Transform, check_batch, check_generator

__all__ = ["Pad", "Jitter", "Blur", "Noise", "Resize", "pad", "jitter", "blur", "noise", "resize"]

PAD_MODES = ("constant", "reflect", "replicate")


class Pad(Transform):
    """Pads every side by ``width`` pixels.

    Args:
        width: pixels added on each side (>= 0).
        mode: "constant" (filled with ``value``), "reflect" or "replicate".
        value: fill value for mode "constant" (0.5 is mid-grey in [0, 1]).

    Example:
        >>> pad(2)(torch.zeros(1, 3, 4, 4)).shape
        torch.Size([1, 3, 8, 8])
    """

    name = "pad"

    def __init__(self, width: int, mode: str = "constant", value: float = 0.5) -> None:
        if not isinstance(width, int) or width < 0:
            raise ValueError(f"pad width must be an int >= 0, got {width!r}")
        if mode not in PAD_MODES:
            raise ValueError(f"pad mode must be one of {PAD_MODES}, got {mode!r}")
        self.width, self.mode, self.value = width, mode, float(value)

    def __call__(self, x: Tensor, generator: Optional[torch.Generator] = None) -> Tensor:
        check_batch(x, "pad")
        if self.width == 0:
            return x
        if self.mode == "reflect" and self.width >= min(x.shape[-2:]):
            raise ValueError(
                f"pad mode 'reflect' needs width < image height and width, got width {self.width} "
                f"for a {x.shape[-2]}x{x.shape[-1]} image"
            )
        w = self.width
        if self.mode == "constant":
            return F.pad(x, (w, w, w, w), mode="constant", value=self.value)
        return F.pad(x, (w, w, w, w), mode=self.mode)

    def _repr_args(self) -> str:
        value = f", value={self.value:g}" if self.mode == "constant" else ""
        return f"{self.width}, mode={self.mode!r}{value}"


class Jitter(Transform):
    """Crops each item at its own random offset in [0, d] (both axes): [N, C, H-d, W-d].

    The crop is a single gather over the flattened pixels, so there is no loop over items.

    Example:
        >>> jitter(8)(torch.rand(2, 3, 32, 32)).shape
        torch.Size([2, 3, 24, 24])
    """

    name = "jitter"

    def __init__(self, d: int) -> None:
        if not isinstance(d, int) or d < 0:
            raise ValueError(f"jitter d must be an int >= 0, got {d!r}")
        self.d = d

    def __call__(self, x: Tensor, generator: Optional[torch.Generator] = None) -> Tensor:
        check_batch(x, "jitter")
        check_generator(generator)
        if self.d == 0:
            return x
        n, c, h, w = x.shape
        if self.d >= min(h, w):
            raise ValueError(f"jitter d={self.d} must be smaller than the image size {h}x{w}")
        oh, ow = h - self.d, w - self.d
        offsets = torch.randint(0, self.d + 1, (2, n), generator=generator).to(x.device)
        rows = offsets[0, :, None] + torch.arange(oh, device=x.device)  # [N, oh]
        cols = offsets[1, :, None] + torch.arange(ow, device=x.device)  # [N, ow]
        index = (rows[:, :, None] * w + cols[:, None, :]).view(n, 1, oh * ow).expand(n, c, oh * ow)
        return x.reshape(n, c, h * w).gather(2, index).view(n, c, oh, ow)

    def _repr_args(self) -> str:
        return str(self.d)


class Blur(Transform):
    """Gaussian blur with standard deviation ``sigma`` pixels: separable, per channel, reflect padded.

    The kernel spans ceil(3 sigma) pixels either side; the image must be larger than that.

    Example:
        >>> round(blur(1.0)(torch.full((1, 3, 16, 16), 0.3)).mean().item(), 4)
        0.3
    """

    name = "blur"

    def __init__(self, sigma: float) -> None:
        if not (isinstance(sigma, (int, float)) and math.isfinite(sigma) and sigma > 0):
            raise ValueError(f"blur sigma must be a positive number, got {sigma!r}")
        self.sigma = float(sigma)

    def __call__(self, x: Tensor, generator: Optional[torch.Generator] = None) -> Tensor:
        check_batch(x, "blur")
        return gaussian_blur(x, self.sigma)

    def _repr_args(self) -> str:
        return f"{self.sigma:g}"


class Noise(Transform):
    """Adds independent Gaussian noise of standard deviation ``std`` to every pixel.

    Example:
        >>> noise(0.02)(torch.zeros(1, 3, 8, 8), torch.Generator().manual_seed(0)).std().item() < 0.05
        True
    """

    name = "noise"

    def __init__(self, std: float) -> None:
        if not (isinstance(std, (int, float)) and math.isfinite(std) and std >= 0):
            raise ValueError(f"noise std must be a number >= 0, got {std!r}")
        self.std = float(std)

    def __call__(self, x: Tensor, generator: Optional[torch.Generator] = None) -> Tensor:
        check_batch(x, "noise")
        check_generator(generator)
        eps = torch.randn(x.shape, generator=generator, dtype=x.dtype).to(x.device)
        return x + self.std * eps

    def _repr_args(self) -> str:
        return f"{self.std:g}"


class Resize(Transform):
    """Deterministic bilinear resize to ``size`` (an int for square images, or (H, W)).

    Example:
        >>> resize(224)(torch.rand(1, 3, 64, 64)).shape
        torch.Size([1, 3, 224, 224])
    """

    name = "resize"

    def __init__(self, size: Union[int, Sequence[int]]) -> None:
        self.size: Tuple[int, int] = image_size(size, "resize size")

    def __call__(self, x: Tensor, generator: Optional[torch.Generator] = None) -> Tensor:
        check_batch(x, "resize")
        if tuple(x.shape[-2:]) == self.size:
            return x
        return F.interpolate(x, size=self.size, mode="bilinear", align_corners=False)

    def _repr_args(self) -> str:
        return str(self.size)


pad = Pad
jitter = Jitter
blur = Blur
noise = Noise
resize = Resize
