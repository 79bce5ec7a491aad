"""Colour decorrelation: optimize in a space whose axes are the principal colours of the data.

Example:
    >>> import torch
    >>> m = color_matrix_from_data(torch.rand(4, 3, 16, 16))
    >>> tuple(m.shape), round(m.norm(dim=0).max().item(), 6)
    ((3, 3), 1.0)
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor

from ..core.images import as_images
from ..core.linalg import fix_signs

__all__ = ["IMAGENET_COLOR_MATRIX", "apply_color", "color_matrix_from_data"]

# Square root of the colour covariance of ImageNet pixels (columns: principal colour axes, each
# scaled by the square root of its variance). Data, as published with Lucid.
_IMAGENET_COLOR_SQRT = torch.tensor(
    [[0.26, 0.09, 0.02], [0.27, 0.00, -0.05], [0.27, -0.09, 0.03]], dtype=torch.float64
)
#: The ImageNet colour decorrelation matrix, normalised so its largest column norm is 1.
IMAGENET_COLOR_MATRIX: Tensor = (
    _IMAGENET_COLOR_SQRT / _IMAGENET_COLOR_SQRT.norm(dim=0).max()
).to(torch.float32)


def apply_color(matrix: Tensor, x: Tensor) -> Tensor:
    """``out[:, i] = sum_j matrix[i, j] * x[:, j]`` at every pixel of x [N, C, H, W].

    Example:
        >>> apply_color(torch.eye(3).flip(0), torch.arange(3.0).view(1, 3, 1, 1)).flatten().tolist()
        [2.0, 1.0, 0.0]
    """
    return F.conv2d(x, matrix.to(x)[:, :, None, None])


def color_matrix_from_data(images: Any) -> Tensor:
    """Estimates a colour decorrelation matrix from images (any form `as_images` takes; C is
    usually 3).

    Returns ``M = V diag(sqrt(eig))`` where ``V, eig`` are the eigenvectors and eigenvalues of the
    pixel colour covariance, largest first, so ``M @ M.T`` is the covariance. It is normalised like
    `IMAGENET_COLOR_MATRIX` (largest column norm 1) and each column's largest entry is positive.

    Example:
        >>> import numpy as np
        >>> color_matrix_from_data(np.random.default_rng(0).random((16, 16, 3))).shape
        torch.Size([3, 3])
    """
    x = as_images(images, device="cpu", dtype=torch.float64, name="images").detach()
    c = x.shape[1]
    pixels = x.transpose(0, 1).reshape(c, -1)
    if pixels.shape[1] < 2:
        raise ValueError("color_matrix_from_data needs at least two pixels")
    pixels = pixels - pixels.mean(dim=1, keepdim=True)
    cov = pixels @ pixels.T / (pixels.shape[1] - 1)
    eig, vectors = torch.linalg.eigh(cov)
    eig, vectors = eig.flip(0).clamp(min=0), vectors.flip(1)
    if eig[0] <= 0:
        raise ValueError("color_matrix_from_data: the images have no colour variation (zero covariance)")
    matrix = torch.from_numpy(fix_signs(vectors.numpy(), axis=0)) * eig.sqrt()
    return (matrix / eig[0].sqrt()).to(torch.float32)
