"""Objectives that relate the items of a batch: diversity, alignment, interpolation.

Example:
    >>> import torch
    >>> from .activations import class_logit
    >>> o = interpolate(class_logit(0), class_logit(1), 3)
    >>> o({"output": torch.tensor([[1.0, 0.0], [1.0, 0.0], [1.0, 0.0]])}).tolist()
    [1.0, 0.5, 0.0]
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ..core.tokens import channels_first
from .base import Leaf, Objective, activation, call_repr

__all__ = ["alignment", "diversity", "interpolate"]


def _gram(a: torch.Tensor) -> torch.Tensor:
    flat = channels_first(a).flatten(2)  # [N, C, P]; the channels of tokens [N, T, D] are D
    return flat @ flat.transpose(1, 2) / flat.shape[-1]


def diversity(layer: str) -> Objective:
    """−Σ_{b≠a} cos(vec G_a, vec G_b) for each item a (G = channel Gram matrix); the batch total is
    −Σ_{a≠b} cos(G_a, G_b). Encourages the items of a batch to differ in style.

    Example:
        >>> same = torch.ones(2, 3, 4, 4)
        >>> [round(x, 5) for x in diversity("conv2")({"conv2": same}).tolist()]   # identical items: −1 each
        [-1.0, -1.0]
    """

    def compute(acts):
        a = activation(acts, layer)
        if a.shape[0] < 2:
            raise ValueError("diversity needs a batch of at least 2 images")
        g = F.normalize(_gram(a).flatten(1), dim=1)
        sim = g @ g.T
        return -(sim.sum(1) - sim.diagonal())

    return Leaf(compute, call_repr("diversity", layer), [layer], couples_batch=True)


def alignment(layer: str, decay_ratio: float = 2.0) -> Objective:
    """−Σ_d ‖a_i − a_{i±d}‖² / decay_ratio^(d−1): keeps neighbouring batch items alike, so an
    interpolation changes smoothly. Add it to `interpolate`.

    Example:
        >>> alignment("conv3")({"conv3": torch.zeros(3, 2, 2, 2)}).tolist()
        [0.0, 0.0, 0.0]
    """

    def compute(acts):
        a = activation(acts, layer).flatten(1)
        n = a.shape[0]
        value = torch.zeros(n, dtype=a.dtype, device=a.device)
        for d in range(1, n):
            diff = (a[d:] - a[:-d]).pow(2).mean(1) / decay_ratio ** (d - 1)
            value = value - F.pad(diff, (0, d)) - F.pad(diff, (d, 0))
        return value / 2

    return Leaf(compute, call_repr("alignment", layer, decay_ratio=decay_ratio), [layer], couples_batch=True)


def interpolate(a: Objective, b: Objective, n: int) -> Objective:
    """Batch item i of n maximizes (1 − tᵢ)·a + tᵢ·b with tᵢ = i/(n − 1) (render with batch=n)."""
    if n < 2:
        raise ValueError("interpolate needs n ≥ 2 batch items")
    t = torch.linspace(0, 1, n)

    def combine(values):
        va, vb = a.combine(values), b.combine(values)
        if va.shape[0] != n:
            raise ValueError(f"interpolate(n={n}) but the batch has {va.shape[0]} items; render with batch={n}")
        w = t.to(va)
        return (1 - w) * va + w * vb

    return Objective(combine, f"interpolate({a}, {b}, n={n})", tuple(dict.fromkeys(a.leaves + b.leaves)))
