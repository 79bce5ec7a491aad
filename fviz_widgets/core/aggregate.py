"""A layer's activation reduced to one value per channel, and the one rule for channel indices.

`aggregate` turns activations [N, C, *spatial] into responses [N, C] (spatial mean, max-pool then
mean, the centre position, or class probabilities); token activations [N, tokens, dim] (see
`fviz_widgets.core.tokens`) into [N, dim]. `channel_index` / `channel_indices` check
channel numbers the same way everywhere: integers (not bools, not floats) in [−C, C), negative
ones counting from the end as in Python, returned as non-negative indices.

Example:
    >>> import torch
    >>> a = torch.arange(16.0).view(1, 1, 4, 4)
    >>> aggregate(a, "maxpool_mean", kernel=2, stride=2).item(), aggregate(a, "center").item()
    (10.0, 10.0)
    >>> channel_indices([0, -1], 64)
    (0, 63)
"""

from __future__ import annotations

import numbers
from typing import Iterable, Optional, Tuple

import torch
import torch.nn.functional as F

from .tokens import is_tokens, patch_grid, patch_token

__all__ = ["AGGREGATIONS", "aggregate", "channel_index", "channel_indices", "channel_number"]

#: How activations become one value per channel (see `aggregate`).
AGGREGATIONS = ("maxpool_mean", "mean", "center", "softmax")


def aggregate(a: torch.Tensor, aggregation: str = "mean", *, kernel: int = 3, stride: int = 2) -> torch.Tensor:
    """Activations [N, C, *spatial] → one value per channel [N, C].

    Aggregations:
        ``mean``: the spatial mean; ``maxpool_mean``: 2-D max-pool with window `kernel`
        (clipped to the map size) and `stride`, then the spatial mean (seed 001 §2.3: it breaks
        the linearity a plain mean keeps); ``center``: the centre position; ``softmax``: the
        spatial mean, then a softmax over the channels (class probabilities of a logit layer).
    A dense activation [N, C] passes through unchanged (``softmax`` still applies the softmax).
    Token activations [N, tokens, dim] give [N, dim]: ``mean`` over all tokens, ``center`` the
    centre patch, ``maxpool_mean`` the 2-D max-pool over the patch grid (prefix tokens left out).

    Example:
        >>> aggregate(torch.tensor([[1.0, 1.0]]), "softmax").tolist()
        [[0.5, 0.5]]
        >>> tokens = torch.arange(10.0).view(1, 5, 2)          # class token + 2×2 patches, dim 2
        >>> aggregate(tokens, "mean").tolist(), aggregate(tokens, "center").tolist()
        ([[4.0, 5.0]], [[8.0, 9.0]])
    """
    if aggregation not in AGGREGATIONS:
        raise ValueError(f"unknown aggregation {aggregation!r}; choose one of {', '.join(AGGREGATIONS)}")
    if a.ndim < 2:
        raise ValueError(f"expected activations [N, C, ...], got shape {tuple(a.shape)}")
    if is_tokens(a):
        if aggregation == "center":
            a = a[:, patch_token(a.shape[1])]
        elif aggregation == "maxpool_mean":
            a = patch_grid(a)
        else:
            a = a.mean(1)
    if a.ndim > 2:
        if aggregation == "maxpool_mean":
            if a.ndim != 4:
                raise ValueError(f"maxpool_mean handles 2-D maps and tokens, got shape {tuple(a.shape)}")
            a = F.max_pool2d(a, (min(kernel, a.shape[2]), min(kernel, a.shape[3])), stride)
            a = a.flatten(2).mean(2)
        elif aggregation == "center":
            for _ in range(a.ndim - 2):
                a = a.select(2, a.shape[2] // 2)
        else:
            a = a.flatten(2).mean(2)
    if aggregation == "softmax":
        a = a.softmax(dim=1)
    return a


def channel_number(channel: object, name: str = "channel") -> int:
    """`channel` checked as a channel number (an integer, not a bool or a float), before the layer's
    size is known; `channel_index` then checks its range.

    Example:
        >>> channel_number(5), channel_number(-1)
        (5, -1)
    """
    if isinstance(channel, bool) or not isinstance(channel, numbers.Integral):
        raise TypeError(f"{name} must be an integer channel number, got {channel!r} ({type(channel).__name__})")
    return int(channel)


def channel_index(channel: object, count: int, *, name: str = "channel", layer: Optional[str] = None) -> int:
    """`channel` checked against a layer of `count` channels, as a non-negative index.

    Example:
        >>> channel_index(-1, 10)
        9
        >>> channel_index(True, 10)
        Traceback (most recent call last):
        ...
        TypeError: channel must be an integer channel number, got True (bool)
    """
    c = channel_number(channel, name)
    if not -count <= c < count:
        where = f"layer {layer!r}" if layer else "the layer"
        raise IndexError(f"{name} {c} out of range: {where} has {count} channels (valid: 0 … {count - 1}, "
                         f"or −{count} … −1 from the end)")
    return c % count


def channel_indices(channels: Optional[Iterable[object]], count: int, *, name: str = "channels",
                    layer: Optional[str] = None) -> Optional[Tuple[int, ...]]:
    """A selection of channels (None: all of them) checked by `channel_index`, as a tuple.

    Example:
        >>> channel_indices(range(3), 8), channel_indices(None, 8)
        ((0, 1, 2), None)
    """
    if channels is None:
        return None
    if isinstance(channels, (str, bytes)) or not isinstance(channels, Iterable):
        raise TypeError(f"{name} must be a sequence of channel numbers (e.g. range(16)) or None, got {channels!r}")
    index = tuple(channel_index(c, count, name=f"{name}[{i}]", layer=layer) for i, c in enumerate(channels))
    if not index:
        raise ValueError(f"{name} is empty: select at least one channel (or pass None for all)")
    return index
