"""A layer's activations over data: per-image channel responses, mean, covariance, whitening.

The whitening (ZCA) matrix W = Σ^(-1/2) makes a layer's channels decorrelated with unit variance;
objectives take it as ``transform=`` to measure directions in that "decorrelated" space (Lucid
issue #116's alternate inner product).

Example:
    >>> from fviz_widgets import datasets, zoo
    >>> model = zoo.shapes_cnn()
    >>> images, _ = datasets.make_shapes(200)
    >>> stats = activation_stats(model, "conv3", images)
    >>> stats.whitening.shape
    torch.Size([64, 64])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Iterator, Optional

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset

from .core.aggregate import aggregate
from .core.capture import canonical, capture
from .core.images import as_images
from .core.tokens import channels_first


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


def _batches(data: Any, batch_size: int) -> Iterator[Any]:
    """Batches of images from a tensor or array (any form `as_images` takes), a Dataset of images
    or (image, label) pairs, or an iterable of batches."""
    if isinstance(data, (torch.Tensor, np.ndarray)) or _is_image(data):
        images = as_images(data, name="data")
        yield from images.split(batch_size)
        return
    if isinstance(data, Dataset) and not isinstance(data, Iterable):
        data = DataLoader(data, batch_size=batch_size)
    for batch in data:
        yield batch[0] if isinstance(batch, (tuple, list)) else batch


def _is_image(data: Any) -> bool:
    return type(data).__module__.startswith("PIL.")


@torch.no_grad()
def activation_stats(
    model: nn.Module,
    layer: str,
    data: Any,
    *,
    batch_size: int = 64,
    max_batches: Optional[int] = None,
    eps: float = 1e-5,
) -> ActivationStats:
    """Mean and covariance of `layer`'s channel vectors over `data`.

    `data` is images in the input domain (any form `fv.core.as_images` takes), a Dataset of
    (image, label) or images, or any iterable of batches (a DataLoader). Accumulates in float64.

    Example:
        >>> from fviz_widgets import datasets, zoo
        >>> stats = activation_stats(zoo.shapes_cnn(), "conv3", datasets.make_shapes(16)[0])
        >>> stats.count, tuple(stats.cov.shape)
        (4096, (64, 64))
    """
    total = total_outer = None
    count = 0
    with capture(model, [layer]) as run:
        for i, images in enumerate(_batches(data, batch_size)):
            if max_batches is not None and i >= max_batches:
                break
            a = channels_first(run(images)[canonical(layer)])  # a ViT's tokens: one vector per token
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
    data: Any,
    *,
    aggregation: str = "mean",
    batch_size: int = 64,
) -> np.ndarray:
    """Each image's response per channel of `layer`, float32 numpy [N, C].

    `data`: images in any form `fv.core.as_images` takes (tensors [N, C, H, W] / [C, H, W], numpy
    [N, H, W, C] / [H, W, C] as results hand them out, PIL images), a Dataset or an iterable of
    batches. `aggregation` reduces the spatial
    positions: "mean", "maxpool_mean" (max-pool then mean, as IFV's feature response) or "center".
    Use a row as a direction to visualize what the network sees in that image.

    Example:
        >>> from fviz_widgets import datasets, zoo
        >>> images, _ = datasets.make_shapes(4, seed=0)
        >>> activations(zoo.shapes_cnn(), "act3", images).shape
        (4, 64)
    """
    rows = []
    with capture(model, [layer]) as run:
        for images in _batches(data, batch_size):
            a = run(images)[canonical(layer)]
            rows.append(aggregate(a, aggregation).float().cpu())
    if not rows:
        raise ValueError("activations: no images in data")
    return torch.cat(rows).numpy()
