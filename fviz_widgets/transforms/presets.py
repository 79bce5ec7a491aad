"""Composition, the robustness presets and the resolver of a ``transforms=`` argument."""

from __future__ import annotations

from typing import Callable, Dict, Optional, Sequence, Tuple, Union

import torch
from torch import Tensor

from .base import Transform, TransformLike, name_of
from .geometric import RandomAffine, random_rotate, random_scale
from .pixels import Jitter, Pad

__all__ = ["Compose", "compose", "standard", "robust", "get", "PRESETS", "STANDARD_SCALES", "STANDARD_DEGREES",
           "ROBUST_SCALES", "ROBUST_DEGREES"]

#: Scales of the standard preset: 0.9, 0.92, ..., 1.1.
STANDARD_SCALES: Tuple[float, ...] = tuple(1 + (i - 5) / 50 for i in range(11))
#: Angles of the standard preset: -10..10 degrees, with 0 given extra weight.
STANDARD_DEGREES: Tuple[float, ...] = tuple(float(d) for d in range(-10, 11)) + (0.0,) * 5
#: Scales of the robust preset: 0.6, 0.7, ..., 1.1 (mostly zooming out).
ROBUST_SCALES: Tuple[float, ...] = (0.6, 0.7, 0.8, 0.9, 1.0, 1.1)
#: Angles of the robust preset: -15..15 degrees.
ROBUST_DEGREES: Tuple[float, ...] = tuple(float(d) for d in range(-15, 16))


class Compose(Transform):
    """Applies transforms in order, passing the same generator to each.

    Nested Composes are flattened and adjacent `RandomAffine` transforms (e.g. `random_scale`
    followed by `random_rotate`) are fused into one, so the image is resampled once: the random
    values drawn are the same as unfused, only the double interpolation is avoided.
    ``Compose()`` is the identity.

    Example:
        >>> from fviz_widgets.transforms import pad, jitter
        >>> t = compose(pad(4), random_scale([1.0, 1.1]), random_rotate([0, 5]))
        >>> t
        compose(pad(4, mode='constant', value=0.5), random_affine(random_scale([1, 1.1]), random_rotate([0, 5])))
    """

    name = "compose"

    def __init__(self, *transforms: TransformLike) -> None:
        fused: list = []
        for i, t in enumerate(transforms):
            if not callable(t):
                raise TypeError(f"compose item {i} is a {type(t).__name__}, not a transform (a callable t(x, generator))")
            for part in t.transforms if isinstance(t, Compose) else (t,):
                merged = None
                if fused and isinstance(fused[-1], RandomAffine) and isinstance(part, RandomAffine):
                    merged = fused[-1].then(part)
                if merged is None:
                    fused.append(part)
                else:
                    fused[-1] = merged
        self.transforms: Tuple[TransformLike, ...] = tuple(fused)

    def __call__(self, x: Tensor, generator: Optional[torch.Generator] = None) -> Tensor:
        for t in self.transforms:
            x = t(x, generator)
        return x

    def __len__(self) -> int:
        return len(self.transforms)

    def _repr_args(self) -> str:
        return ", ".join(name_of(t) for t in self.transforms)


compose = Compose


def standard(
    *,
    pad_width: int = 12,
    pad_value: float = 0.5,
    pad_mode: str = "constant",
    coarse_jitter: int = 8,
    scales: Sequence[float] = STANDARD_SCALES,
    degrees: Sequence[float] = STANDARD_DEGREES,
    fine_jitter: int = 4,
) -> Compose:
    """The standard robustness preset: pad, jitter, random scale and rotation, jitter again.

    Defaults: pad 12 (constant 0.5), jitter 8, scales 0.9..1.1 in steps of 0.02, rotations
    -10..10 degrees with 0 weighted six times, jitter 4. A 64x64 input comes out 76x76.

    Example:
        >>> standard()(torch.rand(2, 3, 64, 64)).shape
        torch.Size([2, 3, 76, 76])
    """
    return Compose(Pad(pad_width, mode=pad_mode, value=pad_value), Jitter(coarse_jitter), random_scale(scales),
                   random_rotate(degrees), Jitter(fine_jitter))


def robust() -> Compose:
    """A stronger preset for deep networks: reflect pad 16, jitter 16, scales 0.6..1.1, rotations
    -15..15 degrees, jitter 8 (`standard` with other settings; a 64x64 input comes out 72x72).

    The standard preset was tuned on InceptionV1. On EfficientNet-Lite0 the class renders made
    under this one are read as their class far more often by Lite1 and Lite2, networks that did
    not make them (`benchmarks/fv_quality.py`, 16 classes, FFT images: transfer probability 0.33 →
    0.48 on Lite1 and 0.33 → 0.42 on Lite2).

    Example:
        >>> robust()(torch.rand(2, 3, 64, 64)).shape
        torch.Size([2, 3, 72, 72])
    """
    return standard(pad_width=16, pad_mode="reflect", coarse_jitter=16, scales=ROBUST_SCALES, degrees=ROBUST_DEGREES,
                    fine_jitter=8)


PRESETS: Dict[str, Callable[[], Compose]] = {"standard": standard, "robust": robust, "none": Compose}


def get(spec: Union[None, str, TransformLike, Sequence[TransformLike]]) -> TransformLike:
    """Resolves a transform spec: a preset name, None, a transform or a list of transforms.

    ``"standard"`` gives `standard()`, ``"robust"`` `robust()`; ``None``, ``"none"`` and ``[]`` the
    identity ``Compose()``;
    a list or tuple is composed; a `Transform` or any callable ``t(x, generator)`` is returned as is.

    Example:
        >>> get("standard")(torch.rand(1, 3, 64, 64)).shape
        torch.Size([1, 3, 76, 76])
        >>> from fviz_widgets.transforms import pad, jitter
        >>> get([pad(2), jitter(4)])
        compose(pad(2, mode='constant', value=0.5), jitter(4))
    """
    if spec is None:
        return Compose()
    if isinstance(spec, str):
        key = spec.strip().lower()
        if key not in PRESETS:
            raise ValueError(f"unknown transform preset {spec!r}; valid names are {sorted(PRESETS)}")
        return PRESETS[key]()
    if isinstance(spec, (list, tuple)):
        return Compose(*spec)
    if callable(spec):
        return spec
    raise TypeError(
        f"transforms must be a preset name {sorted(PRESETS)}, None, a callable t(x, generator) "
        f"or a list of them, got {type(spec).__name__}"
    )
