"""The parameterization protocol: a module whose ``forward()`` is the image batch being optimized.

A `Param` is an ``nn.Module`` whose ``forward()`` returns an image batch [N, C, H, W] in the
model's input domain ([0, 1] for images), whose ``parameters()`` are what the optimizer updates,
and whose ``.shape`` is (N, C, H, W). The same ``seed`` always gives the same initial image.

Example:
    >>> import torch
    >>> class Constant(Param):
    ...     def __init__(self):
    ...         super().__init__((1, 1, 2, 2))
    ...         self.value = torch.nn.Parameter(torch.zeros(1, 1, 1, 1))
    ...     def forward(self):
    ...         return self.value.expand(self.shape)
    >>> Constant()().shape
    torch.Size([1, 1, 2, 2])
"""

from __future__ import annotations

import numbers
from typing import Optional, Sequence, Tuple, Union

import torch
from torch import Tensor, nn

__all__ = ["Device", "Param", "Shape", "batch_shape", "seeded"]

Shape = Tuple[int, int, int, int]
Device = Union[str, torch.device, None]


def batch_shape(shape: Sequence[int]) -> Shape:
    """`shape` checked as four positive ints (N, C, H, W).

    Example:
        >>> batch_shape([2, 3, 8, 8])
        (2, 3, 8, 8)
    """
    dims = tuple(shape)
    if len(dims) != 4 or not all(isinstance(d, numbers.Integral) and not isinstance(d, bool) and d > 0
                                 for d in dims):
        raise ValueError(f"shape must be four positive ints (N, C, H, W), got {shape!r}")
    return tuple(int(d) for d in dims)  # type: ignore[return-value]


def seeded(seed: int, generator: Optional[torch.Generator] = None) -> torch.Generator:
    """The CPU generator that initial values are drawn from: `generator` if given, else one seeded
    with `seed` (values are drawn on the CPU and moved, so a seed means the same image everywhere).

    Example:
        >>> torch.equal(torch.rand(2, generator=seeded(3)), torch.rand(2, generator=seeded(3)))
        True
    """
    if generator is None:
        return torch.Generator().manual_seed(int(seed))
    if generator.device.type != "cpu":
        raise ValueError(f"initial values are drawn on the CPU; pass a CPU torch.Generator, got one on {generator.device}")
    return generator


class Param(nn.Module):
    """Base class of parameterizations: ``forward()`` returns the image batch of shape ``self.shape``.

    Subclass it, call ``super().__init__(shape)`` and implement ``forward()``.
    """

    def __init__(self, shape: Sequence[int]) -> None:
        super().__init__()
        self._shape = batch_shape(shape)

    @property
    def shape(self) -> Shape:
        """(N, C, H, W) of the image that ``forward()`` returns."""
        return self._shape

    def forward(self) -> Tensor:
        raise NotImplementedError
