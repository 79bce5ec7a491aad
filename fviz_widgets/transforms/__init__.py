"""Random image transformations for transformation robustness, applied to whole batches.

A transform is any callable ``t(x, generator) -> Tensor`` taking an image batch
``x`` of shape [N, C, H, W] (any channel count) and an optional CPU ``torch.Generator``.
Every transform here is differentiable with respect to ``x``, draws its random values
on the CPU from ``generator`` (the global CPU generator when None) and then moves them
to ``x.device``, so a seeded run is bit-reproducible on the CPU. Each batch item gets
its own random values, and no transform loops over the items in Python.

Example:
    >>> import torch
    >>> t = compose(pad(12), jitter(8), random_scale([0.9, 1.1]), random_rotate([-10, 10]))
    >>> t(torch.rand(4, 3, 64, 64), torch.Generator().manual_seed(0)).shape
    torch.Size([4, 3, 80, 80])
"""

from .base import Transform, TransformLike
from .geometric import RandomAffine, RandomCrop, random_crop, random_rotate, random_scale
from .pixels import Blur, Jitter, Noise, Pad, Resize, blur, jitter, noise, pad, resize
from .presets import (
    PRESETS,
    ROBUST_DEGREES,
    ROBUST_SCALES,
    STANDARD_DEGREES,
    STANDARD_SCALES,
    Compose,
    compose,
    get,
    robust,
    standard,
)

__all__ = [
    "Transform",
    "Pad",
    "Jitter",
    "RandomAffine",
    "Blur",
    "Noise",
    "Resize",
    "Compose",
    "pad",
    "jitter",
    "random_scale",
    "random_rotate",
    "random_crop",
    "RandomCrop",
    "TransformLike",
    "PRESETS",
    "blur",
    "noise",
    "resize",
    "compose",
    "standard",
    "robust",
    "get",
    "STANDARD_SCALES",
    "STANDARD_DEGREES",
    "ROBUST_SCALES",
    "ROBUST_DEGREES",
]
