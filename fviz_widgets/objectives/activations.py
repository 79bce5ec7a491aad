"""Objectives on single units, channels, layers and classes.

Example:
    >>> import torch
    >>> acts = {"conv": torch.arange(8.0).view(1, 2, 2, 2), "output": torch.tensor([[0.0, 1.0]])}
    >>> channel("conv", 1)(acts).item(), neuron("conv", 0, x=1, y=0)(acts).item()
    (5.5, 1.0)
    >>> round(class_prob(1)(acts).item(), 4)
    0.7311
"""

from __future__ import annotations

from typing import Optional, Sequence

import torch

from ..core.aggregate import channel_index, channel_indices, channel_number
from ..core.capture import OUTPUT
from .base import Leaf, Objective, activation, batched, call_repr

__all__ = ["channel", "channels", "class_logit", "class_prob", "deepdream", "layer", "neuron"]


def _channel_of(a: torch.Tensor, layer: str, channel: int) -> int:
    if a.ndim < 2:
        raise ValueError(f"layer {layer!r} has shape {tuple(a.shape)}: expected [N, C, ...]")
    return channel_index(channel, a.shape[1], layer=layer)


def neuron(layer: str, channel: int, x: Optional[int] = None, y: Optional[int] = None, *, batch=None) -> Objective:
    """Activation of `channel` at spatial position (x, y) (default: the centre).

    Example:
        >>> neuron("conv3", 5)
        neuron('conv3', 5)
    """

    channel_number(channel)

    def compute(acts):
        a = activation(acts, layer)
        a = a[:, _channel_of(a, layer, channel)]
        if a.ndim == 1:
            return a
        h, w = a.shape[-2:]
        yy, xx = (h // 2 if y is None else y), (w // 2 if x is None else x)
        if not (0 <= yy < h and 0 <= xx < w):
            raise IndexError(f"position (x={xx}, y={yy}) outside layer {layer!r} of size {h}×{w}")
        return a[:, yy, xx]

    return batched(Leaf(compute, call_repr("neuron", layer, channel, x=x, y=y), [layer]), batch)


def channel(layer: str, channel: int, *, batch=None) -> Objective:
    """Mean over space of one channel's activation.

    Example:
        >>> channel("conv3", 5)({"conv3": torch.ones(2, 8, 4, 4)}).tolist()
        [1.0, 1.0]
    """

    channel_number(channel)

    def compute(acts):
        a = activation(acts, layer)
        picked = a[:, _channel_of(a, layer, channel)]
        return picked.flatten(1).mean(1) if picked.ndim > 1 else picked

    return batched(Leaf(compute, call_repr("channel", layer, channel), [layer]), batch)


def channels(layer: str, channels: Sequence[int]) -> Objective:
    """Batch item i maximizes channel ``channels[i]`` (one render per channel in one batch).

    Example:
        >>> a = torch.arange(6.0).view(2, 3)                  # a dense layer: 2 items, 3 channels
        >>> channels("fc", [2, 0])({"fc": a}).tolist()
        [2.0, 3.0]
    """
    index = [channel_number(c, f"channels[{i}]") for i, c in enumerate(channels)]
    if not index:
        raise ValueError("channels() needs at least one channel")

    def compute(acts):
        a = activation(acts, layer)
        if a.shape[0] != len(index):
            raise ValueError(f"channels() targets {len(index)} items but the batch has {a.shape[0]}")
        if a.ndim < 2:
            raise ValueError(f"layer {layer!r} has shape {tuple(a.shape)}: expected [N, C, ...]")
        picks = channel_indices(index, a.shape[1], layer=layer)
        rows = torch.arange(len(index), device=a.device)
        picked = a[rows, torch.tensor(picks, device=a.device)]
        return picked.flatten(1).mean(1) if picked.ndim > 1 else picked

    shown = index if len(index) <= 8 else f"<{len(index)} channels>"
    return Leaf(compute, f"channels({layer!r}, {shown})", [layer])


def layer(layer: str, *, batch=None) -> Objective:
    """Mean of the squared activation over the whole layer (DeepDream).

    Example:
        >>> layer("conv3")({"conv3": torch.full((1, 2, 2, 2), 3.0)}).item()
        9.0
    """

    def compute(acts):
        return activation(acts, layer).pow(2).flatten(1).mean(1)

    return batched(Leaf(compute, call_repr("layer", layer), [layer]), batch)


deepdream = layer


def class_logit(k: int, *, layer: str = OUTPUT, batch=None) -> Objective:
    """The pre-softmax logit of class k.

    Example:
        >>> class_logit(1)({"output": torch.tensor([[0.5, 2.0]])}).item()
        2.0
    """

    channel_number(k, "k")

    def compute(acts):
        a = activation(acts, layer)
        return a[:, _channel_of(a, layer, k)]

    return batched(Leaf(compute, call_repr("class_logit", k), [layer]), batch)


def class_prob(k: int, *, layer: str = OUTPUT, batch=None) -> Objective:
    """The post-softmax probability of class k.

    Example:
        >>> class_prob(0)({"output": torch.zeros(1, 4)}).item()
        0.25
    """

    channel_number(k, "k")

    def compute(acts):
        a = activation(acts, layer)
        return a.softmax(dim=1)[:, _channel_of(a, layer, k)]

    return batched(Leaf(compute, call_repr("class_prob", k), [layer]), batch)
