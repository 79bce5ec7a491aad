"""Gaussian filtering, shared by the blur transform, the blur penalty and SSIM.

Example:
    >>> import torch
    >>> x = torch.full((1, 3, 16, 16), 0.3)
    >>> round(gaussian_blur(x, 1.0).mean().item(), 4)
    0.3
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

__all__ = ["blur_radius", "gaussian_blur", "gaussian_taps"]


def gaussian_taps(size: int, sigma: float) -> np.ndarray:
    """A normalized 1-D Gaussian of `size` taps centred on the middle one (float64).

    Example:
        >>> w = gaussian_taps(5, 1.0)
        >>> round(float(w.sum()), 12), int(w.argmax())
        (1.0, 2)
    """
    if size < 1 or not sigma > 0:
        raise ValueError(f"a Gaussian needs size ≥ 1 and sigma > 0, got size={size}, sigma={sigma}")
    x = np.arange(size, dtype=np.float64) - (size - 1) / 2
    w = np.exp(-0.5 * (x / sigma) ** 2)
    return w / w.sum()


def blur_radius(sigma: float) -> int:
    """The half-width of the kernel `gaussian_blur` uses: ceil(3σ), at least 1.

    Example:
        >>> blur_radius(0.5), blur_radius(2.0)
        (2, 6)
    """
    return max(1, math.ceil(3 * sigma))


def gaussian_blur(x: torch.Tensor, sigma: float) -> torch.Tensor:
    """Separable Gaussian blur of an image batch [N, C, H, W], every channel alike, reflect padded.

    The image must be larger than `blur_radius(sigma)` in both directions.

    Example:
        >>> y = gaussian_blur(torch.eye(9)[None, None], 1.0)
        >>> tuple(y.shape), bool(y[0, 0, 4, 4] < 1)
        ((1, 1, 9, 9), True)
    """
    if x.ndim != 4:
        raise ValueError(f"gaussian_blur expects an image batch [N, C, H, W], got shape {tuple(x.shape)}")
    n, c, h, w = x.shape
    r = blur_radius(sigma)
    if r >= min(h, w):
        raise ValueError(f"a blur with sigma={sigma:g} needs an image larger than {r} pixels, got {h}x{w}")
    taps = torch.from_numpy(gaussian_taps(2 * r + 1, sigma)).to(device=x.device, dtype=x.dtype)
    # every channel is blurred alike: fold the channels into the batch and use a 1-channel kernel
    y = F.pad(x.reshape(n * c, 1, h, w), (r, r, r, r), mode="reflect")
    y = F.conv2d(F.conv2d(y, taps.view(1, 1, -1, 1)), taps.view(1, 1, 1, -1))
    return y.view(n, c, h, w)
