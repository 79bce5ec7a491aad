"""The transform protocol, its base class and the argument checks every transform shares."""

from __future__ import annotations

from typing import Callable, Optional, Sequence

import torch
from torch import Tensor

__all__ = ["Transform", "TransformLike"]

TransformLike = Callable[[Tensor, Optional[torch.Generator]], Tensor]


def check_batch(x: Tensor, who: str) -> None:
    if x.ndim != 4:
        raise ValueError(f"{who} expects an image batch [N, C, H, W], got shape {tuple(x.shape)}")


def check_generator(generator: Optional[torch.Generator]) -> None:
    if generator is not None and generator.device.type != "cpu":
        raise ValueError(
            f"transforms draw random values on the CPU; pass a CPU torch.Generator, got one on {generator.device}"
        )


def format_values(values: Sequence[float]) -> str:
    text = [f"{v:g}" for v in values]
    if len(text) > 12:
        return f"[{', '.join(text[:4])}, ..., {', '.join(text[-2:])}] ({len(text)} values)"
    return f"[{', '.join(text)}]"


def name_of(t: TransformLike) -> str:
    if isinstance(t, Transform):
        return repr(t)
    return getattr(t, "__qualname__", None) or repr(t)


class Transform:
    """Base class of the transforms: subclasses implement ``__call__(x, generator=None)``.

    The repr is ``name(args)`` built from the class attribute ``name`` and ``_repr_args()``,
    so that it reads like the constructor call.

    Example:
        >>> class Invert(Transform):
        ...     name = "invert"
        ...     def __call__(self, x, generator=None):
        ...         return 1 - x
        >>> Invert()
        invert()
    """

    name = "transform"

    def __call__(self, x: Tensor, generator: Optional[torch.Generator] = None) -> Tensor:
        raise NotImplementedError

    def _repr_args(self) -> str:
        return ""

    def __repr__(self) -> str:
        return f"{self.name}({self._repr_args()})"
