"""Activation statistics of a layer over data: mean, covariance and the whitening matrix.

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

import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset

from .hooks import capture


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
    param = next(model.parameters(), None)
    device = param.device if param is not None else torch.device("cpu")
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
