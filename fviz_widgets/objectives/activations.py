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
from ..core.tokens import Grid, Tokens, check_tokens, is_tokens, patch_token, select_tokens
from ..core.validate import image_size
from .base import Leaf, Objective, Verbatim, activation, batched, call_repr, feature_map, tokens_repr

__all__ = ["channel", "channels", "class_logit", "class_prob", "deepdream", "layer", "neuron"]


def _channel_of(a: torch.Tensor, layer: str, channel: int) -> int:
    if a.ndim < 2:
        raise ValueError(f"layer {layer!r} has shape {tuple(a.shape)}: expected [N, C, ...]")
    return channel_index(channel, a.shape[1], layer=layer)


def neuron(layer: str, channel: int, x: Optional[int] = None, y: Optional[int] = None, *,
           tokens: Optional[Tokens] = None, grid: Optional[Grid] = None, batch=None) -> Objective:
    """Activation of `channel` at spatial position (x, y) (default: the centre).

    On a token layer [N, tokens, dim] (a ViT block; see `fviz_widgets.core.tokens`) `channel` is
    an embedding dimension and (x, y) a patch of the patch grid (default: the centre patch), i.e.
    token ``prefix + y · cols + x``; or pick the token with ``tokens="cls"`` or a token position
    instead of (x, y). `grid=(rows, cols)` states the patch grid where the token count does not
    (a non-square grid, several prefix tokens).

    Example:
        >>> a = torch.zeros(1, 17, 8)                          # class token + 4×4 patches, dim 8
        >>> a[0, 1 + 2 * 4 + 3, 5] = 7.0                       # patch x=3, y=2
        >>> neuron("blocks.1", 5, x=3, y=2)({"blocks.1": a}).item(), neuron("blocks.1", 5, tokens="cls")
        (7.0, neuron('blocks.1', 5, tokens='cls'))
    """

    channel_number(channel)
    if tokens is not None:
        tokens = check_tokens(tokens)
        if tokens in ("all", "patches"):
            raise ValueError(f"a neuron is one token, not tokens={tokens!r}: pass x, y (a patch), tokens='cls' or "
                             "a token position; or use channel(..., tokens=...) for a mean over tokens")
        if x is not None or y is not None:
            raise ValueError("pass either x, y (a patch) or tokens= (one token) to neuron, not both")
    grid = None if grid is None else image_size(grid, "grid")

    def compute(acts):
        a = activation(acts, layer)
        if is_tokens(a):
            c = channel_index(channel, a.shape[2], layer=layer)
            if tokens is None:
                return a[:, patch_token(a.shape[1], x, y, grid, layer=layer), c]
            return select_tokens(a, tokens, grid, layer=layer)[:, 0, c]
        if tokens is not None or grid is not None:
            raise ValueError(f"tokens= and grid= need a token layer [N, tokens, dim], but layer {layer!r} has shape "
                             f"{tuple(a.shape)}")
        a = a[:, _channel_of(a, layer, channel)]
        if a.ndim == 1:
            return a
        h, w = a.shape[-2:]
        yy, xx = (h // 2 if y is None else y), (w // 2 if x is None else x)
        if not (0 <= yy < h and 0 <= xx < w):
            raise IndexError(f"position (x={xx}, y={yy}) outside layer {layer!r} of size {h}×{w}")
        return a[:, yy, xx]

    name = call_repr("neuron", layer, channel, x=x, y=y, tokens=tokens_repr(tokens), grid=grid)
    return batched(Leaf(compute, name, [layer]), batch)


def channel(layer: str, channel: int, *, tokens: Tokens = "all", grid: Optional[Grid] = None,
            batch=None) -> Objective:
    """Mean over space of one channel's activation.

    On a token layer [N, tokens, dim] (a ViT block; see `fviz_widgets.core.tokens`) `channel` is
    an embedding dimension and the mean runs over the chosen `tokens`: ``"all"`` (default),
    ``"patches"`` (the class token left out), ``"cls"`` (the class token only) or one token
    position (an int). `grid=(rows, cols)` states the patch grid where the token count does not.

    Example:
        >>> channel("conv3", 5)({"conv3": torch.ones(2, 8, 4, 4)}).tolist()
        [1.0, 1.0]
        >>> a = torch.arange(10.0).view(1, 5, 2)                # class token + 2×2 patches, dim 2
        >>> channel("blocks.0", 0, tokens="patches")({"blocks.0": a}).item()
        5.0
    """

    channel_number(channel)
    tokens = check_tokens(tokens)
    grid = None if grid is None else image_size(grid, "grid")

    def compute(acts):
        a = feature_map(acts, layer, tokens, grid)
        picked = a[:, _channel_of(a, layer, channel)]
        return picked.flatten(1).mean(1) if picked.ndim > 1 else picked

    name = call_repr("channel", layer, channel, tokens=tokens_repr(tokens), grid=grid)
    return batched(Leaf(compute, name, [layer]), batch)


def channels(layer: str, channels: Sequence[int], *, tokens: Tokens = "all", grid: Optional[Grid] = None) -> Objective:
    """Batch item i maximizes channel ``channels[i]`` (one render per channel in one batch);
    `tokens` and `grid` as in `channel`.

    Example:
        >>> a = torch.arange(6.0).view(2, 3)                  # a dense layer: 2 items, 3 channels
        >>> channels("fc", [2, 0])({"fc": a}).tolist()
        [2.0, 3.0]
    """
    index = [channel_number(c, f"channels[{i}]") for i, c in enumerate(channels)]
    if not index:
        raise ValueError("channels() needs at least one channel")
    tokens = check_tokens(tokens)
    grid = None if grid is None else image_size(grid, "grid")

    def compute(acts):
        a = feature_map(acts, layer, tokens, grid)
        if a.shape[0] != len(index):
            raise ValueError(f"channels() targets {len(index)} items but the batch has {a.shape[0]}")
        picks = channel_indices(index, a.shape[1], layer=layer)
        rows = torch.arange(len(index), device=a.device)
        picked = a[rows, torch.tensor(picks, device=a.device)]
        return picked.flatten(1).mean(1) if picked.ndim > 1 else picked

    shown = index if len(index) <= 8 else Verbatim(f"<{len(index)} channels>")
    return Leaf(compute, call_repr("channels", layer, shown, tokens=tokens_repr(tokens), grid=grid), [layer])


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
