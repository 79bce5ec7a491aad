"""The magnitude spectrum of natural images, for `fv.param.maco`.

How the shipped file ``natural_spectrum.npz`` was made (``natural_spectrum(photos(...).images)``
recomputes it; a test checks that it still gives the shipped numbers):

1. ``fv.datasets.photos(size=128, crops=32, names=SPECTRUM_PHOTOS)``: the six everyday colour
   photos of scikit-image's wheel (astronaut, cat, coffee, rocket, two motorcycles) and 32 random
   crops of each (a third to all of the short side, seed 0, resized with antialiasing), 198 images.
2. Each image minus the mean colour of all of them, taken into the colour-decorrelated space of
   `IMAGENET_COLOR_MATRIX` (``M⁻¹ (x − mean)``, the space `fv.param.fft` optimizes in); for the
   grey spectrum, the luminance minus its mean.
3. The mean over images of ``|rfft2(·, norm="ortho")|``, per channel: [3, 128, 65] and
   [1, 128, 65], with the DC term set to 0 (the mean colour is stored separately).

With the orthonormal FFT, a coefficient's expected magnitude depends on its frequency in cycles
per pixel, not on the image size, so `magnitude_for` resamples the 128-pixel spectrum to any
size by bilinear interpolation over frequency.

Example:
    >>> magnitude_for((32, 48), color_channels=3).shape
    torch.Size([3, 32, 25])
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Dict, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from .color import IMAGENET_COLOR_MATRIX

__all__ = ["SPECTRUM_CROPS", "SPECTRUM_FILE", "SPECTRUM_PHOTOS", "SPECTRUM_SIZE", "magnitude_for", "natural_spectrum",
           "shipped_spectrum"]

SPECTRUM_FILE = Path(__file__).with_name("natural_spectrum.npz")
SPECTRUM_PHOTOS = ("astronaut", "chelsea", "coffee", "rocket", "motorcycle_left", "motorcycle_right")
SPECTRUM_SIZE = 128
SPECTRUM_CROPS = 32


def natural_spectrum(images: Tensor) -> Dict[str, np.ndarray]:
    """The arrays of ``natural_spectrum.npz`` for RGB `images` [N, 3, H, W] in [0, 1]: ``rgb``
    [3, H, W//2+1] and ``grey`` [1, ...] mean magnitudes, ``rgb_mean`` [3] and ``grey_mean`` [1].
    The shipped file is ``natural_spectrum(fv.datasets.photos(SPECTRUM_SIZE, SPECTRUM_CROPS,
    names=SPECTRUM_PHOTOS).images)``.

    Example:
        >>> natural_spectrum(torch.rand(2, 3, 8, 8))["rgb"].shape
        (3, 8, 5)
    """
    images = torch.as_tensor(images).double()
    grey = (images * torch.tensor([0.299, 0.587, 0.114], dtype=torch.float64).view(1, 3, 1, 1)).sum(1, keepdim=True)
    out = {}
    for name, batch, matrix in (("rgb", images, IMAGENET_COLOR_MATRIX.double()), ("grey", grey, None)):
        mean = batch.mean(dim=(0, 2, 3))
        centred = batch - mean.view(1, -1, 1, 1)
        if matrix is not None:
            n, c, h, w = centred.shape
            centred = torch.linalg.solve(matrix, centred.reshape(n, c, h * w)).reshape(n, c, h, w)
        magnitude = torch.fft.rfft2(centred, norm="ortho").abs().mean(0)
        magnitude[:, 0, 0] = 0.0
        out[name], out[f"{name}_mean"] = magnitude.float().numpy(), mean.float().numpy()
    return out


@lru_cache(maxsize=1)
def shipped_spectrum() -> Dict[str, np.ndarray]:
    """The arrays of the shipped ``natural_spectrum.npz`` (see the module docstring)."""
    with np.load(SPECTRUM_FILE, allow_pickle=False) as data:
        return {key: data[key].astype(np.float32) for key in data.files}


def resample(magnitude: Tensor, size: Tuple[int, int]) -> Tensor:
    """An rfft2 magnitude spectrum [C, h, w//2+1] (of an h×w image, h even) sampled at the
    frequencies of an H×W image: [C, H, W//2+1], bilinear in cycles per pixel.

    Example:
        >>> m = torch.rand(1, 8, 5)
        >>> m[:, 0, 0] = 0                        # the DC term is always 0
        >>> torch.allclose(resample(m, (8, 8)), m)
        True
    """
    c, h, half = magnitude.shape
    w = 2 * (half - 1)
    # frequencies on the source grid, rows reordered to rise from -1/2 to just under 1/2
    shifted = torch.fft.fftshift(magnitude.double(), dim=1)
    fy = torch.fft.fftfreq(size[0], dtype=torch.float64)
    fx = torch.fft.rfftfreq(size[1], dtype=torch.float64)
    # row index of frequency f on the shifted grid is (f + 1/2) h; column index f w
    rows = (fy * h + h // 2).clamp(0, h - 1)
    cols = (fx * w).clamp(0, half - 1)
    gy = rows / (h - 1) * 2 - 1
    gx = cols / (half - 1) * 2 - 1
    grid = torch.stack(torch.broadcast_tensors(gx[None, :], gy[:, None]), dim=-1)[None]
    out = F.grid_sample(shifted[None], grid, mode="bilinear", align_corners=True)[0]
    out[:, 0, 0] = 0.0
    return out.float()


def magnitude_for(size: Tuple[int, int], color_channels: int = 3) -> Tensor:
    """The shipped natural-image magnitude spectrum for an image of `size` (H, W): [C, H, W//2+1]
    for 3 (colour-decorrelated) or 1 (grey) channels."""
    if color_channels not in (1, 3):
        raise ValueError(f"the natural spectrum is for 1 (grey) or 3 (RGB) channels, not {color_channels}; "
                         "pass maco(magnitude=...) a [C, H, W//2+1] spectrum of your own")
    data = shipped_spectrum()["rgb" if color_channels == 3 else "grey"]
    return resample(torch.from_numpy(data), tuple(size))


def mean_color(color_channels: int) -> Tensor:
    """The mean colour [C] of the photos the spectrum was computed from."""
    return torch.from_numpy(shipped_spectrum()["rgb_mean" if color_channels == 3 else "grey_mean"])
