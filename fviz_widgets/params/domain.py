"""Your own input domain: a raw parameterization mapped through a differentiable function.

`domain` wraps any raw parameterization; `normal_depth` is the worked example of seed 001 §3.7
(a normal map and a depth).

Example:
    >>> normal_depth(16, batch=2).shape
    (2, 4, 16, 16)
"""

from __future__ import annotations

from typing import Callable, Optional, Sequence, Union

import torch
from torch import Tensor, nn

from ..core.validate import image_size
from .base import Device, Param
from .image import FFTParam, PixelParam

__all__ = ["DomainParam", "domain", "normal_depth", "normal_depth_map"]


class DomainParam(Param):
    """A raw parameterization mapped through your own function into the input domain.

    ``forward()`` is ``domain(raw())``. ``raw`` is any module whose ``forward()`` takes no arguments
    (usually a `pixel` or `fft` with ``squash=None, decorrelate=False``); ``domain`` maps its
    unconstrained [N, C_raw, H, W] values to the image [N, C, H, W] and must be differentiable.
    The output shape is found by calling it once at construction.

    Example:
        >>> from fviz_widgets.params import pixel
        >>> p = domain(pixel((1, 2, 4, 4), squash=None), lambda r: torch.sigmoid(r.sum(1, keepdim=True)))
        >>> p.shape
        (1, 1, 4, 4)
    """

    def __init__(self, raw: nn.Module, domain: Callable[[Tensor], Tensor]) -> None:
        if not isinstance(raw, nn.Module):
            raise ValueError(f"raw must be an nn.Module such as a Param, got {type(raw).__name__}")
        if not callable(domain):
            raise ValueError(f"domain must be a callable mapping a raw tensor to an image, got {type(domain).__name__}")
        with torch.no_grad():
            out = domain(raw())
        if not isinstance(out, Tensor) or out.ndim != 4:
            got = tuple(out.shape) if isinstance(out, Tensor) else type(out).__name__
            raise ValueError(f"domain must return an image batch [N, C, H, W], got {got}")
        super().__init__(tuple(out.shape))
        self.raw = raw
        self.domain = domain

    def forward(self) -> Tensor:
        return self.domain(self.raw())

    def __repr__(self) -> str:
        name = getattr(self.domain, "__qualname__", None) or repr(self.domain)
        return f"domain({self.raw!r}, {name})"


domain = DomainParam


def normal_depth_map(raw: Tensor) -> Tensor:
    """Maps raw channels (theta, phi, d) to a 4-channel image: a unit normal in [0, 1]^3 and a depth.

    The normal is ``n = (sin t cos p, sin t sin p, cos t)`` stored as ``(n + 1) / 2``; the depth is
    ``sigmoid(d)``. Everything lands in [0, 1], the input domain.

    Example:
        >>> normal_depth_map(torch.zeros(1, 3, 2, 2))[0, :, 0, 0].tolist()
        [0.5, 0.5, 1.0, 0.5]
    """
    if raw.ndim != 4 or raw.shape[1] != 3:
        raise ValueError(f"normal_depth_map expects raw values [N, 3, H, W] (theta, phi, d), got {tuple(raw.shape)}")
    theta, phi, depth = raw.unbind(dim=1)
    normal = torch.stack((theta.sin() * phi.cos(), theta.sin() * phi.sin(), theta.cos()), dim=1)
    return torch.cat(((normal + 1) / 2, torch.sigmoid(depth).unsqueeze(1)), dim=1)


def normal_depth(
    size: Union[int, Sequence[int]],
    *,
    batch: int = 1,
    fft: bool = True,
    seed: int = 0,
    generator: Optional[torch.Generator] = None,
    device: Device = None,
) -> DomainParam:
    """A normal map plus depth: the example of seed 001 §3.7 of a user-defined domain.

    "A normal map (theta, phi) -> unit vector, a depth in [0, 1] by sigmoid": three raw channels
    (an `fft` or `pixel` parameterization without squash or colour) pass through
    `normal_depth_map`, giving a 4-channel image [batch, 4, H, W] in [0, 1].

    Example:
        >>> normal_depth(16, batch=2).shape
        (2, 4, 16, 16)
    """
    h, w = image_size(size)
    raw_kind = FFTParam if fft else PixelParam
    raw = raw_kind((batch, 3, h, w), squash=None, decorrelate=False, seed=seed, generator=generator, device=device)
    return DomainParam(raw, normal_depth_map)
