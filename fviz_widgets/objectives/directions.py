"""Objectives that point a layer's activation vectors along a direction v (Lucid issue #116).

Each takes the activation vector a_pos at every position and, with ``transform=``, measures it in
the space ``transform @ a`` (a matrix, or activation statistics for the whitened space). On a token
layer [N, tokens, dim] (a ViT block) the positions are tokens and the vectors live in the embedding
dimension; ``tokens=`` ("all", "patches", "cls" or a position) and ``grid=`` choose them as in
`fviz_widgets.objectives.channel`.

Example:
    >>> import torch
    >>> acts = {"l": torch.tensor([[3.0, 4.0]])}
    >>> direction("l", [1.0, 0.0])(acts).item(), round(cosine("l", [1.0, 0.0])(acts).item(), 4)
    (3.0, 0.6)
"""

from __future__ import annotations

from typing import Optional

import torch
import torch.nn.functional as F

from ..core.tokens import Grid, Tokens, check_tokens
from ..core.validate import image_size
from .base import (
    Leaf,
    Objective,
    Vector,
    Verbatim,
    activation,
    as_vector,
    batched,
    call_repr,
    direction_vector,
    oriented,
    positions,
    tokens_repr,
    transform_repr,
    vector_repr,
)

__all__ = ["cosine", "direction", "direction_cossim", "dot_orthogonal", "l2_inversion"]


def direction(layer: str, v: Vector, *, transform=None, tokens: Tokens = "all", grid: Optional[Grid] = None,
              batch=None) -> Objective:
    """Mean over positions of ⟨a_pos, v⟩ (in the space ``transform @ a`` when given); on a token
    layer, over the chosen `tokens`.

    Example:
        >>> direction("conv3", torch.ones(64))
        direction('conv3', <64-vector>)
        >>> a = torch.arange(10.0).view(1, 5, 2)                # class token + 2×2 patches, dim 2
        >>> direction("blocks.0", [1.0, 1.0], tokens="cls")({"blocks.0": a}).item()
        1.0
    """

    direction_vector(v)
    tokens, grid = check_tokens(tokens), None if grid is None else image_size(grid, "grid")

    def compute(acts):
        pos, vec = oriented(acts, layer, v, transform, tokens, grid)
        return (pos @ vec).mean(1)

    name = call_repr("direction", layer, vector_repr(v), transform=transform_repr(transform),
                     tokens=tokens_repr(tokens), grid=grid)
    return batched(Leaf(compute, name, [layer]), batch)


def direction_cossim(
    layer: str, v: Vector, *, pow: float = 1.0, floor: float = 0.1, transform=None, tokens: Tokens = "all",
    grid: Optional[Grid] = None, batch=None
) -> Objective:
    """Mean over positions of ⟨a, v⟩ · max(floor, cos(a, v))^pow.

    The floor keeps a negative or zero cosine from flipping the sign of the objective or freezing
    it (Lucid issue #116).

    Example:
        >>> round(direction_cossim("l", [1.0, 0.0], pow=2)({"l": torch.tensor([[3.0, 4.0]])}).item(), 4)
        1.08
    """

    direction_vector(v)
    tokens, grid = check_tokens(tokens), None if grid is None else image_size(grid, "grid")

    def compute(acts):
        pos, vec = oriented(acts, layer, v, transform, tokens, grid)
        dot = pos @ vec
        cos = dot / (pos.norm(dim=-1) * vec.norm() + 1e-8)
        return (dot * cos.clamp(min=floor).pow(pow)).mean(1)

    name = call_repr("direction_cossim", layer, vector_repr(v), pow=pow, floor=floor, transform=transform_repr(transform),
                     tokens=tokens_repr(tokens), grid=grid)
    return batched(Leaf(compute, name, [layer]), batch)


def cosine(layer: str, v: Vector, *, transform=None, tokens: Tokens = "all", grid: Optional[Grid] = None,
           batch=None) -> Objective:
    """Mean over positions of cos(a_pos, v). Works poorly alone: a tiny activation in the right
    direction already scores 1 (Lucid issue #116); kept for study.

    Example:
        >>> cosine("l", [0.0, 1.0])({"l": torch.tensor([[0.001, 0.001]])}).item() > 0.7
        True
    """

    direction_vector(v)
    tokens, grid = check_tokens(tokens), None if grid is None else image_size(grid, "grid")

    def compute(acts):
        pos, vec = oriented(acts, layer, v, transform, tokens, grid)
        return F.cosine_similarity(pos, vec.expand_as(pos), dim=-1, eps=1e-8).mean(1)

    name = call_repr("cosine", layer, vector_repr(v), transform=transform_repr(transform),
                     tokens=tokens_repr(tokens), grid=grid)
    return batched(Leaf(compute, name, [layer]), batch)


def l2_inversion(layer: str, target: torch.Tensor, *, batch=None) -> Objective:
    """−‖a − target‖₂: invert an activation. `target` is a full activation [C, H, W] (or [C]
    for a dense layer) or a channel vector [C], compared at every position (mean distance).

    Example:
        >>> l2_inversion("l", torch.tensor([3.0, 0.0]))({"l": torch.tensor([[3.0, 4.0]])}).item()
        -4.0
    """
    target = torch.as_tensor(target, dtype=torch.float32)

    def compute(acts):
        a = activation(acts, layer)
        t = target.to(a)
        if t.shape == a.shape[1:]:
            return -(a - t).flatten(1).norm(dim=1)
        t = as_vector(t, a, layer, "target")
        return -(positions(a) - t).norm(dim=-1).mean(1)

    name = call_repr("l2_inversion", layer, Verbatim(f"<target {tuple(target.shape)}>"))
    return batched(Leaf(compute, name, [layer]), batch)


def dot_orthogonal(layer: str, v: Vector, *, weight: float = 1.0, transform=None, tokens: Tokens = "all",
                   grid: Optional[Grid] = None, batch=None) -> Objective:
    """Mean over positions of ⟨a, v̂⟩ − weight · ‖a − ⟨a, v̂⟩ v̂‖₂ (dot plus orthogonal penalty).

    Example:
        >>> dot_orthogonal("l", [1.0, 0.0])({"l": torch.tensor([[3.0, 4.0]])}).item()
        -1.0
    """

    direction_vector(v)
    tokens, grid = check_tokens(tokens), None if grid is None else image_size(grid, "grid")

    def compute(acts):
        pos, vec = oriented(acts, layer, v, transform, tokens, grid)
        unit = vec / vec.norm().clamp(min=1e-12)
        dot = pos @ unit
        orthogonal = pos - dot.unsqueeze(-1) * unit
        return (dot - weight * orthogonal.norm(dim=-1)).mean(1)

    name = call_repr("dot_orthogonal", layer, vector_repr(v), weight=weight, transform=transform_repr(transform),
                     tokens=tokens_repr(tokens), grid=grid)
    return batched(Leaf(compute, name, [layer]), batch)
