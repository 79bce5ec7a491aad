"""Token activations [N, tokens, dim] (vision transformers): which axis holds the channels, which
tokens are patches, and where each patch lies.

The rule, everywhere in fviz: **an activation with three axes is token-shaped, [N, tokens, dim]**.
Its channels are the embedding dimension (the last axis) and its tokens are the positions, as the
H × W positions of a convolution map [N, C, H, W] are. (No layer of the zoo is a 1-D convolution map
[N, C, L]; to address one, wrap it in a module that returns ``x.transpose(1, 2)``.)

The tokens are `prefix` tokens first (the class token at index 0, then e.g. a distillation token or
registers), then the patches in row-major order over a rows × cols grid. Without ``grid=`` the
layout is read off the token count T: T a perfect square ⇒ no prefix token (s × s patches);
T − 1 a perfect square ⇒ one class token and s × s patches. Any other count (a non-square grid,
several prefix tokens) needs ``grid=(rows, cols)``; the prefix is then T − rows · cols.

Example:
    >>> import torch
    >>> token_grid(17), token_grid(16), token_grid(62, grid=(6, 10))
    ((1, 4, 4), (0, 4, 4), (2, 6, 10))
    >>> a = torch.zeros(2, 17, 8)                    # 2 images, class token + 4×4 patches, dim 8
    >>> tuple(select_tokens(a, "patches").shape), patch_token(17, x=1, y=2)
    ((2, 16, 8), 10)
"""

from __future__ import annotations

import math
import numbers
from typing import Optional, Sequence, Tuple, Union

import torch

from .validate import image_size

__all__ = ["TOKENS", "Grid", "Tokens", "channel_size", "channels_first", "check_tokens", "is_tokens", "patch_grid",
           "patch_token", "select_tokens", "token_grid"]

#: The named token selections (an int picks one token by position).
TOKENS = ("all", "patches", "cls")

Tokens = Union[str, int]
Grid = Optional[Union[int, Sequence[int]]]


def is_tokens(a: torch.Tensor) -> bool:
    """Whether an activation is token-shaped [N, tokens, dim] (it has three axes).

    Example:
        >>> is_tokens(torch.zeros(1, 17, 8)), is_tokens(torch.zeros(1, 8, 4, 4))
        (True, False)
    """
    return a.ndim == 3


def channels_first(a: torch.Tensor) -> torch.Tensor:
    """The activation with its channels on axis 1: [N, C, *spatial] and [N, C] as they are, tokens
    [N, tokens, dim] → [N, dim, tokens] (a view).

    Example:
        >>> tuple(channels_first(torch.zeros(2, 17, 8)).shape)
        (2, 8, 17)
    """
    return a.transpose(1, 2) if is_tokens(a) else a


def channel_size(a: torch.Tensor) -> int:
    """How many channels an activation has: the dim of tokens [N, tokens, dim], else axis 1.

    Example:
        >>> channel_size(torch.zeros(2, 17, 8)), channel_size(torch.zeros(2, 5, 3, 3))
        (8, 5)
    """
    if a.ndim < 2:
        raise ValueError(f"expected activations [N, C, ...], got shape {tuple(a.shape)}")
    return a.shape[-1] if is_tokens(a) else a.shape[1]


def check_tokens(tokens: object) -> Tokens:
    """`tokens` checked as a selection: ``"all"``, ``"patches"``, ``"cls"`` or an int position.

    Example:
        >>> check_tokens("cls"), check_tokens(-1)
        ('cls', -1)
        >>> check_tokens("class")
        Traceback (most recent call last):
        ...
        ValueError: tokens must be 'all', 'patches', 'cls' or a token position (an int), got 'class'
    """
    if isinstance(tokens, numbers.Integral) and not isinstance(tokens, bool):
        return int(tokens)
    if isinstance(tokens, str) and tokens in TOKENS:
        return tokens
    raise ValueError(f"tokens must be 'all', 'patches', 'cls' or a token position (an int), got {tokens!r}")


def _where(layer: Optional[str]) -> str:
    return f"layer {layer!r}" if layer else "the layer"


def token_grid(count: int, grid: Grid = None, *, layer: Optional[str] = None) -> Tuple[int, int, int]:
    """(prefix tokens, rows, cols) of a token layer with `count` tokens (see the module's rule).

    Example:
        >>> token_grid(197), token_grid(201, grid=14)
        ((1, 14, 14), (5, 14, 14))
        >>> token_grid(61)
        Traceback (most recent call last):
        ...
        ValueError: the layer has 61 tokens: neither a square patch grid nor one plus a class token; pass grid=(rows, cols)
    """
    if grid is not None:
        rows, cols = image_size(grid, "grid")
        if rows * cols > count:
            raise ValueError(f"grid={rows}×{cols} has {rows * cols} patches but {_where(layer)} has {count} tokens")
        return count - rows * cols, rows, cols
    for prefix in (0, 1):
        side = math.isqrt(max(count - prefix, 0))
        if side and side * side == count - prefix:
            return prefix, side, side
    raise ValueError(f"{_where(layer)} has {count} tokens: neither a square patch grid nor one plus a class token; "
                     "pass grid=(rows, cols)")


def select_tokens(a: torch.Tensor, tokens: Tokens = "all", grid: Grid = None, *,
                  layer: Optional[str] = None) -> torch.Tensor:
    """The chosen tokens [N, k, dim] of a token activation [N, tokens, dim]: ``"all"``, the
    ``"patches"`` (the prefix tokens left out), the class token ``"cls"`` (token 0; the layer must
    have a prefix), or one position (an int; negative counts from the end).

    Example:
        >>> a = torch.arange(10.0).view(1, 5, 2)         # class token + 2×2 patches, dim 2
        >>> select_tokens(a, "cls").tolist(), tuple(select_tokens(a, "patches").shape)
        ([[[0.0, 1.0]]], (1, 4, 2))
    """
    tokens = check_tokens(tokens)
    if not is_tokens(a):
        raise ValueError(f"tokens={tokens!r} needs a token layer [N, tokens, dim], but {_where(layer)} has shape "
                         f"{tuple(a.shape)}")
    count = a.shape[1]
    if tokens == "all":
        return a
    if isinstance(tokens, int):
        if not -count <= tokens < count:
            raise IndexError(f"token {tokens} out of range: {_where(layer)} has {count} tokens")
        return a[:, [tokens % count]]
    prefix, _, _ = token_grid(count, grid, layer=layer)
    if tokens == "patches":
        return a[:, prefix:]
    if not prefix:
        raise ValueError(f"tokens='cls' but {_where(layer)} has {count} tokens, a square patch grid without a class "
                         "token; pass grid=(rows, cols) if it has one")
    return a[:, :1]


def patch_token(count: int, x: Optional[int] = None, y: Optional[int] = None, grid: Grid = None, *,
                layer: Optional[str] = None) -> int:
    """The index of the token of patch (x, y) (column x, row y; default: the centre patch) in a
    layer of `count` tokens: prefix + y · cols + x.

    Example:
        >>> patch_token(197, x=0, y=0), patch_token(197, x=13, y=13), patch_token(16)
        (1, 196, 10)
    """
    prefix, rows, cols = token_grid(count, grid, layer=layer)
    yy, xx = (rows // 2 if y is None else y), (cols // 2 if x is None else x)
    for name, value in (("x", xx), ("y", yy)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise TypeError(f"{name} must be an integer patch position, got {value!r}")
    if not (0 <= yy < rows and 0 <= xx < cols):
        raise IndexError(f"patch (x={xx}, y={yy}) outside the {rows}×{cols} patch grid of {_where(layer)}")
    return prefix + int(yy) * cols + int(xx)


def patch_grid(a: torch.Tensor, grid: Grid = None, *, layer: Optional[str] = None) -> torch.Tensor:
    """The patch tokens of [N, tokens, dim] as a map [N, dim, rows, cols] (prefix tokens left out).

    Example:
        >>> tuple(patch_grid(torch.zeros(2, 17, 8)).shape)
        (2, 8, 4, 4)
    """
    prefix, rows, cols = token_grid(a.shape[1], grid, layer=layer)
    return a[:, prefix:].transpose(1, 2).reshape(a.shape[0], a.shape[2], rows, cols)
