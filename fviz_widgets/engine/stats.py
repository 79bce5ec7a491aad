"""A layer's activations over data: per-image channel responses, mean, covariance, whitening.

The whitening (ZCA) matrix W = Σ^(-1/2) makes a layer's channels decorrelated with unit variance;
objectives take it as ``transform=`` to measure directions in that "decorrelated" space (Lucid
issue #116's alternate inner product).

Example:
    >>> from fviz_widgets import zoo, datasets
    >>> model = zoo.shapes_cnn()
    >>> images, _ = datasets.make_shapes(200)
    >>> stats = activation_stats(model, "conv3", images)
    >>> stats.whitening.shape
    torch.Size([64, 64])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Optional, Union

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset

from .hooks import canonical, capture
from .modelstate import device_of


@dataclass(frozen=True)
class ActivationStats:
    """Per-channel statistics of one layer, pooled over positions and images."""

    layer: str
    mean: torch.Tensor  # [C]
    cov: torch.Tensor  # [C, C]
    count: int  # number of activation vectors (images × positions)
    eps: float = 1e-5

    @property
    def whitening(self) -> torch.Tensor:
        """Σ^(-1/2) (ZCA whitening), regularized by `eps` · mean variance."""
        values, vectors = torch.linalg.eigh(self.cov.double())
        floor = self.eps * values.clamp(min=0).mean().clamp(min=1e-12)
        inv_sqrt = (values.clamp(min=0) + floor).rsqrt()
        return ((vectors * inv_sqrt) @ vectors.T).float()


def _batches(data: Union[torch.Tensor, Dataset, Iterable], batch_size: int) -> Iterable[torch.Tensor]:
    if isinstance(data, torch.Tensor):
        yield from data.split(batch_size)
        return
    if isinstance(data, Dataset) and not isinstance(data, Iterable):
        data = DataLoader(data, batch_size=batch_size)
    for batch in data:
        yield batch[0] if isinstance(batch, (tuple, list)) else batch


@torch.no_grad()
def activation_stats(
    model: nn.Module,
    layer: str,
    data: Union[torch.Tensor, Dataset, Iterable],
    *,
    batch_size: int = 64,
    max_batches: Optional[int] = None,
    eps: float = 1e-5,
) -> ActivationStats:
    """Mean and covariance of `layer`'s channel vectors over `data`.

    `data` is an image tensor [N, C, H, W] in the input domain, a Dataset of (image, label) or
    images, or any iterable of batches (a DataLoader). Accumulates in float64.
    """
    device = device_of(model)
    total = total_outer = None
    count = 0
    with capture(model, [layer]) as run:
        for i, images in enumerate(_batches(data, batch_size)):
            if max_batches is not None and i >= max_batches:
                break
            a = run(images.to(device))[layer]
            vectors = (a.flatten(2).transpose(1, 2) if a.ndim > 2 else a.unsqueeze(1)).reshape(-1, a.shape[1])
            vectors = vectors.double()
            if total is None:
                total, total_outer = vectors.sum(0), vectors.T @ vectors
            else:
                total, total_outer = total + vectors.sum(0), total_outer + vectors.T @ vectors
            count += vectors.shape[0]
    if count < 2:
        raise ValueError("activation_stats needs at least 2 activation vectors; got no data")
    mean = total / count
    cov = (total_outer - count * torch.outer(mean, mean)) / (count - 1)
    return ActivationStats(layer, mean.float().cpu(), cov.float().cpu(), count, eps)


@torch.no_grad()
def activations(
    model: nn.Module,
    layer: str,
    data: Union[torch.Tensor, np.ndarray, Dataset, Iterable],
    *,
    aggregation: str = "mean",
    batch_size: int = 64,
) -> np.ndarray:
    """Each image's response per channel of `layer`, float32 numpy [N, C].

    `data`: images [N, C, H, W] / [C, H, W] (tensor), [N, H, W, C] / [H, W, C] numpy (as results
    hand them out), a Dataset or an iterable of batches. `aggregation` reduces the spatial
    positions: "mean", "maxpool_mean" (max-pool then mean, as IFV's feature response) or "center".
    Use a row as a direction to visualize what the network sees in that image.

    Example:
        >>> images, _ = datasets.make_shapes(4, seed=0)
        >>> activations(model, "act3", images).shape
        (4, 64)
    """
    from .ifv import aggregate  # the feature-response aggregations (seed 001 §2.3)

    if isinstance(data, np.ndarray):
        data = torch.from_numpy(np.ascontiguousarray(data[None] if data.ndim == 3 else data)).permute(0, 3, 1, 2)
    elif isinstance(data, torch.Tensor) and data.ndim == 3:
        data = data[None]
    device = device_of(model)
    rows = []
    with capture(model, [layer]) as run:
        for images in _batches(data, batch_size):
            a = run(images.to(device).float())[canonical(layer)]
            rows.append(aggregate(a, aggregation).float().cpu())
    if not rows:
        raise ValueError("activations: no images in data")
    return torch.cat(rows).numpy()
