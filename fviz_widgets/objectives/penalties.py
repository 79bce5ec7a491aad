"""Regularizers on the image (the default layer ``"input"``) or any layer. Each returns the
*penalty*, so subtract it: ``obj.channel("conv3", 5) - 1e-3 * obj.total_variation()``.

Example:
    >>> import torch
    >>> image = torch.tensor([[[[0.0, 1.0], [0.0, 1.0]]]])
    >>> total_variation()({"input": image}).item(), l1(constant=0.5)({"input": image}).item()
    (1.0, 0.5)
"""

from __future__ import annotations

import torch

from ..core.capture import INPUT
from ..core.filters import gaussian_blur
from .base import Leaf, Objective, activation, batched, call_repr

__all__ = ["blur_penalty", "l1", "l2", "opacity", "total_variation"]


def l1(layer: str = INPUT, constant: float = 0.0, *, batch=None) -> Objective:
    """Mean |a − constant| over a layer (or the image): a penalty, subtract it.

    Example:
        >>> l1("act2")
        l1('act2')
    """

    def compute(acts):
        return (activation(acts, layer) - constant).abs().flatten(1).mean(1)

    return batched(Leaf(compute, call_repr("l1", layer, constant=constant or None), [layer]), batch)


def l2(layer: str = INPUT, constant: float = 0.0, *, batch=None) -> Objective:
    """Root mean square of (a − constant) over a layer (or the image): a penalty, subtract it.

    Example:
        >>> round(l2()({"input": torch.full((1, 1, 2, 2), 2.0)}).item(), 4)
        2.0
    """

    def compute(acts):
        return (activation(acts, layer) - constant).pow(2).flatten(1).mean(1).add(1e-12).sqrt()

    return batched(Leaf(compute, call_repr("l2", layer, constant=constant or None), [layer]), batch)


def total_variation(layer: str = INPUT, *, batch=None) -> Objective:
    """Mean absolute difference between neighbouring pixels: a penalty, subtract it.

    Example:
        >>> total_variation()({"input": torch.zeros(1, 3, 4, 4)}).item()
        0.0
    """

    def compute(acts):
        a = activation(acts, layer)
        dy = (a[..., 1:, :] - a[..., :-1, :]).abs().flatten(1).mean(1)
        dx = (a[..., :, 1:] - a[..., :, :-1]).abs().flatten(1).mean(1)
        return dx + dy

    return batched(Leaf(compute, call_repr("total_variation", layer), [layer]), batch)


def blur_penalty(layer: str = INPUT, sigma: float = 1.0, *, batch=None) -> Objective:
    """Mean squared difference between the image and its (detached) blur: a penalty that pulls
    each step toward a blurred copy; subtract it.

    Example:
        >>> blur_penalty()({"input": torch.full((1, 3, 8, 8), 0.5)}).item() < 1e-12
        True
    """

    def compute(acts):
        a = activation(acts, layer)
        with torch.no_grad():
            blurred = gaussian_blur(a, sigma)
        return (a - blurred).pow(2).flatten(1).mean(1)

    return batched(Leaf(compute, call_repr("blur_penalty", layer, sigma=sigma), [layer]), batch)


def opacity(*, batch=None) -> Objective:
    """Mean opacity (the last channel) of an RGBA image from a param with ``alpha=True``: a
    penalty, subtract it. `fv.render` subtracts ``param.opacity_penalty * opacity()`` itself.

    Example:
        >>> opacity()({"input": torch.full((1, 4, 2, 2), 0.25)}).item()
        0.25
    """

    def compute(acts):
        return activation(acts, INPUT)[:, -1].flatten(1).mean(1)

    return batched(Leaf(compute, "opacity()", [INPUT]), batch)
