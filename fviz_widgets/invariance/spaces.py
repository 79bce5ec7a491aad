"""Input spaces of the invariance analysis: flat coordinates x ∈ ℝⁿ (relative to a center) and
the images they stand for.

- `PixelSpace`: x are pixel offsets from a center image.
- `ParamSpace`: x are coordinates of the decorrelated FFT parameterization, restricted by
  `HermitianEmbedding` to the spectra of real images (no coordinate is a dead direction).
- `FlatSpace`: plain vectors (a `QuadraticForm` or any callable unit), shown as grey images.

Example:
    >>> space = FlatSpace(torch.zeros(16), None)
    >>> space.shape, tuple(space.display(torch.ones(1, 16)).shape)
    ((1, 4, 4), (1, 4, 4, 1))
"""

from __future__ import annotations

import math
from typing import Any, Optional, Sequence, Tuple

import numpy as np
import torch
from torch import nn

from ..core import images as imaging
from ..core.model import device_of, dtype_of, input_shape
from ..params import FFTParam

__all__ = ["FlatSpace", "HermitianEmbedding", "ParamSpace", "PixelSpace", "Space", "center_image"]


class HermitianEmbedding:
    """An isometry from ℝ^(C·H·W) onto the rfft2 half-spectra [C, H, W//2+1, 2] of real images.

    ``irfft2`` ignores part of a half-spectrum (the imaginary parts of self-conjugate entries, the
    anti-Hermitian part of columns 0 and W/2); those directions change no image and would show up
    as fake perfect invariances, so the parameter space keeps only the part that matters. Columns
    1 … W/2−1 map one to one; in columns 0 and W/2 a conjugate pair (k, H−k) is stored as
    (a ± ib)/√2 and a self-conjugate entry by its real part.
    """

    def __init__(self, c: int, h: int, w: int, device: torch.device) -> None:
        wr = w // 2 + 1
        special = {0} | ({w // 2} if w % 2 == 0 else set())
        first, first_w, second, second_w = [], [], [], []
        half = 1.0 / math.sqrt(2.0)

        def at(ch, row, col, part):
            return ((ch * h + row) * wr + col) * 2 + part

        def coordinate(a, weight_a, b=None, weight_b=0.0):
            first.append(a)
            first_w.append(weight_a)
            second.append(a if b is None else b)
            second_w.append(weight_b)

        for ch in range(c):
            for col in range(wr):
                for row in range(h):
                    if col not in special:
                        coordinate(at(ch, row, col, 0), 1.0)
                        coordinate(at(ch, row, col, 1), 1.0)
                        continue
                    partner = (-row) % h
                    if partner == row:
                        coordinate(at(ch, row, col, 0), 1.0)
                    elif row < partner:
                        coordinate(at(ch, row, col, 0), half, at(ch, partner, col, 0), half)
                        coordinate(at(ch, row, col, 1), half, at(ch, partner, col, 1), -half)
        self.n = len(first)
        self.size = c * h * wr * 2
        self.shape = (c, h, wr, 2)
        assert self.n == c * h * w
        self.first = torch.tensor(first, device=device)
        self.second = torch.tensor(second, device=device)
        self.first_w = torch.tensor(first_w, dtype=torch.float64, device=device)
        self.second_w = torch.tensor(second_w, dtype=torch.float64, device=device)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        """[B, n] coordinates → [B, C, H, W//2+1, 2] spectra."""
        fw, sw = self.first_w.to(x.dtype), self.second_w.to(x.dtype)
        out = torch.zeros(x.shape[0], self.size, dtype=x.dtype, device=x.device)
        out = out.index_add(1, self.first, x * fw).index_add(1, self.second, x * sw)
        return out.view(x.shape[0], *self.shape)

    def adjoint(self, spectrum: torch.Tensor) -> torch.Tensor:
        """[B, C, H, W//2+1, 2] → [B, n] (the inverse on valid half-spectra)."""
        s = spectrum.reshape(spectrum.shape[0], -1)
        fw, sw = self.first_w.to(s.dtype), self.second_w.to(s.dtype)
        return s[:, self.first] * fw + s[:, self.second] * sw


class Space:
    """Flat coordinates x ∈ ℝⁿ, relative to the center, and the images they stand for."""

    name = "flat"
    n: int
    shape: Tuple[int, int, int]

    def images(self, x: torch.Tensor) -> torch.Tensor:
        """[B, n] → [B, C, H, W] model inputs (or display values for flat units)."""
        raise NotImplementedError

    def display(self, x: torch.Tensor) -> np.ndarray:
        """[B, n] → float32 [B, H, W, C] in [0, 1]."""
        with torch.no_grad():
            return np.clip(imaging.to_hwc(self.images(x)), 0.0, 1.0)


class PixelSpace(Space):
    name = "pixel"

    def __init__(self, center: torch.Tensor) -> None:
        self.center = center  # [1, C, H, W]
        self.shape = tuple(center.shape[1:])
        self.n = center.numel()

    def images(self, x: torch.Tensor) -> torch.Tensor:
        return self.center.to(x.dtype) + x.view(-1, *self.shape)


class ParamSpace(Space):
    name = "param"

    def __init__(self, param: FFTParam, dtype: torch.dtype) -> None:
        self.param = param
        _, c, h, w = param.shape
        self.shape = (c, h, w)
        self.embedding = HermitianEmbedding(c, h, w, param.spectrum.device)
        self.n = self.embedding.n
        with torch.no_grad():
            self.origin = self.embedding.adjoint(param.spectrum.detach().to(dtype))[0]

    def images(self, x: torch.Tensor) -> torch.Tensor:
        return self.param.image_of(self.embedding(self.origin.to(x.dtype) + x))


class FlatSpace(Space):
    name = "flat"

    def __init__(self, center: torch.Tensor, image_shape: Optional[Sequence[int]]) -> None:
        self.center = center  # [n]
        self.n = center.numel()
        if image_shape is None:
            side = math.isqrt(self.n)
            image_shape = (1, side, side) if side * side == self.n else (1, 1, self.n)
        image_shape = tuple(int(s) for s in image_shape)
        if len(image_shape) != 3 or math.prod(image_shape) != self.n:
            raise ValueError(f"image_shape must be (C, H, W) with C·H·W = n = {self.n}, got {image_shape}")
        self.shape = image_shape

    def images(self, x: torch.Tensor) -> torch.Tensor:
        values = self.center.to(x.dtype) + x
        scale = values.abs().max().clamp(min=1e-30)
        return (0.5 + 0.5 * values / scale).view(-1, *self.shape)


def center_image(model: nn.Module, center: Any, size: Any) -> torch.Tensor:
    """The center of a pixel or param space: `center` (one image, any form `as_images` takes) on
    the model's device in its dtype, or a mid-grey image of the model's input size (or `size`).

    Example:
        >>> from fviz_widgets import zoo
        >>> tuple(center_image(zoo.shapes_cnn(), None, 32).shape)
        (1, 3, 32, 32)
    """
    if center is None:
        return torch.full((1, *input_shape(model, size)), 0.5, device=device_of(model), dtype=dtype_of(model))
    image = imaging.as_images(center, model, name="center").detach()
    if image.shape[0] != 1:
        raise ValueError(f"center must be one image, got a batch of {image.shape[0]} (shape {tuple(image.shape)})")
    if not torch.isfinite(image).all():
        raise ValueError("center contains NaN or infinite values")
    return image
