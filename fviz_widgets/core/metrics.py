"""Measures used to evaluate visualizations and predicted objectives.

- `hoyer_sparseness`: Hoyer's (2004) sparseness of a vector, 0 (all entries equal) to 1 (one entry).
- `angular_distance`: the angle between vectors in degrees.
- `ssim`: the structural similarity index of Wang et al. (2004) between images, with the usual
  11×11 Gaussian window (σ = 1.5), K₁ = 0.01, K₂ = 0.03, averaged over the positions where the
  window fits and over channels.

All accept numpy arrays or torch tensors and return numpy values.

Example:
    >>> import numpy as np
    >>> float(hoyer_sparseness([0.0, 0.0, 1.0])), float(hoyer_sparseness([1.0, 1.0, 1.0]))
    (1.0, 0.0)
    >>> float(angular_distance([1.0, 0.0], [1.0, 1.0]))
    45.0
"""

from __future__ import annotations

from typing import Union

import numpy as np
import torch
import torch.nn.functional as F

from .filters import gaussian_taps

__all__ = ["hoyer_sparseness", "angular_distance", "cosine_similarity", "ssim"]

ArrayLike = Union[np.ndarray, torch.Tensor, list, tuple]


def _numpy(a: ArrayLike) -> np.ndarray:
    if isinstance(a, torch.Tensor):
        a = a.detach().cpu().numpy()
    return np.asarray(a, dtype=np.float64)


def hoyer_sparseness(v: ArrayLike) -> np.ndarray:
    """(√m − ‖v‖₁/‖v‖₂) / (√m − 1) along the last axis (Hoyer 2004).

    0 for a vector with all entries of equal magnitude, 1 for a vector with a single non-zero
    entry. A zero vector gets NaN; m = 1 gets 1.

    Example:
        >>> hoyer_sparseness(np.array([[3.0, 0.0], [1.0, 1.0]])).round(12).tolist()
        [1.0, 0.0]
    """
    v = _numpy(v)
    m = v.shape[-1]
    if m == 1:
        return np.ones(v.shape[:-1])
    l1 = np.abs(v).sum(-1)
    l2 = np.sqrt((v * v).sum(-1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.clip((np.sqrt(m) - l1 / l2) / (np.sqrt(m) - 1), 0.0, 1.0)  # clip: rounding only


def cosine_similarity(a: ArrayLike, b: ArrayLike) -> np.ndarray:
    """Cosine similarity along the last axis (broadcasting); NaN where a vector is zero.

    Example:
        >>> float(cosine_similarity([1.0, 0.0], [0.0, 2.0]))
        0.0
    """
    a, b = _numpy(a), _numpy(b)
    with np.errstate(invalid="ignore", divide="ignore"):
        cos = (a * b).sum(-1) / (np.linalg.norm(a, axis=-1) * np.linalg.norm(b, axis=-1))
    return np.clip(cos, -1.0, 1.0)


def angular_distance(a: ArrayLike, b: ArrayLike) -> np.ndarray:
    """The angle between `a` and `b` along the last axis, in degrees (0–180, broadcasting).

    Computed as ``2·atan2(‖â − b̂‖, ‖â + b̂‖)``, accurate for tiny angles too.

    Example:
        >>> angular_distance(np.eye(2), [1.0, 0.0]).tolist()
        [0.0, 90.0]
    """
    a, b = _numpy(a), _numpy(b)
    with np.errstate(invalid="ignore", divide="ignore"):
        a = a / np.linalg.norm(a, axis=-1, keepdims=True)
        b = b / np.linalg.norm(b, axis=-1, keepdims=True)
    a, b = np.broadcast_arrays(a, b)
    return np.degrees(2.0 * np.arctan2(np.linalg.norm(a - b, axis=-1), np.linalg.norm(a + b, axis=-1)))


def ssim(
    a: ArrayLike,
    b: ArrayLike,
    *,
    data_range: float = 1.0,
    win_size: int = 11,
    sigma: float = 1.5,
    k1: float = 0.01,
    k2: float = 0.03,
    channel_axis: int = -1,
) -> Union[float, np.ndarray]:
    """Structural similarity between images (Wang et al. 2004), mean over valid windows and channels.

    Args:
        a, b: one image [H, W, C] or a batch [N, H, W, C] (``channel_axis=-1``, the layout results
            hand out); the channel axis may also come first in the image ([C, H, W] with
            ``channel_axis=0``, [N, C, H, W] with ``channel_axis=1``); 2-D arrays are grey [H, W].
        data_range: the value range of the images (1 for images in [0, 1]).
        win_size, sigma: the Gaussian window; shrunk to the image size (kept odd) for small images.
        k1, k2: the stabilizing constants, C₁ = (k1·L)², C₂ = (k2·L)².

    Returns:
        a float for one image pair, an array [N] for a batch. Statistics use the population
        (biased) variance, as in the original paper.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> x = rng.random((32, 32, 3))
        >>> round(ssim(x, x), 6), ssim(x, 1 - x) < 0
        (1.0, True)
    """
    x, y = _numpy(a), _numpy(b)
    if x.shape != y.shape:
        raise ValueError(f"ssim needs images of the same shape, got {x.shape} and {y.shape}")
    if x.ndim not in (2, 3, 4):
        raise ValueError(f"ssim expects [H, W], [H, W, C] or [N, H, W, C] images, got shape {x.shape}")
    single = x.ndim < 4
    if x.ndim == 2:
        x, y = x[None, None], y[None, None]
    else:
        axis = channel_axis % x.ndim
        if x.ndim == 3:
            x, y, axis = x[None], y[None], axis + 1
        if axis == 3:
            x, y = x.transpose(0, 3, 1, 2), y.transpose(0, 3, 1, 2)
        elif axis != 1:
            raise ValueError(f"channel_axis {channel_axis} is neither the first nor the last image axis")
    n, c, h, w = x.shape
    size = min(win_size, h, w)
    size -= 1 - size % 2  # keep it odd
    if size < 1:
        raise ValueError(f"images of size {h}×{w} are too small for ssim")
    g = torch.from_numpy(gaussian_taps(size, sigma))

    def filt(t: torch.Tensor) -> torch.Tensor:  # separable Gaussian, "valid" positions only
        t = t.reshape(n * c, 1, h, w)
        t = F.conv2d(t, g.view(1, 1, 1, -1))
        return F.conv2d(t, g.view(1, 1, -1, 1))

    tx, ty = torch.from_numpy(np.ascontiguousarray(x)), torch.from_numpy(np.ascontiguousarray(y))
    mx, my = filt(tx), filt(ty)
    sxx = filt(tx * tx) - mx * mx
    syy = filt(ty * ty) - my * my
    sxy = filt(tx * ty) - mx * my
    c1, c2 = (k1 * data_range) ** 2, (k2 * data_range) ** 2
    index = ((2 * mx * my + c1) * (2 * sxy + c2)) / ((mx * mx + my * my + c1) * (sxx + syy + c2))
    values = index.reshape(n, -1).mean(1).numpy()
    return float(values[0]) if single else values
