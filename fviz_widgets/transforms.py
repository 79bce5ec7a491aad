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

from __future__ import annotations

import math
from typing import Callable, Dict, Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from torch import Tensor

from .core.filters import gaussian_blur
from .core.validate import image_size

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

TransformLike = Callable[[Tensor, Optional[torch.Generator]], Tensor]

PAD_MODES = ("constant", "reflect", "replicate")
AFFINE_PADDING_MODES = ("reflection", "border", "zeros")

#: Scales of the standard preset: 0.9, 0.92, ..., 1.1.
STANDARD_SCALES: Tuple[float, ...] = tuple(1 + (i - 5) / 50 for i in range(11))
#: Angles of the standard preset: -10..10 degrees, with 0 given extra weight.
STANDARD_DEGREES: Tuple[float, ...] = tuple(float(d) for d in range(-10, 11)) + (0.0,) * 5
#: Scales of the robust preset: 0.6, 0.7, ..., 1.1 (mostly zooming out).
ROBUST_SCALES: Tuple[float, ...] = (0.6, 0.7, 0.8, 0.9, 1.0, 1.1)
#: Angles of the robust preset: -15..15 degrees.
ROBUST_DEGREES: Tuple[float, ...] = tuple(float(d) for d in range(-15, 16))


def _check_batch(x: Tensor, who: str) -> None:
    if x.ndim != 4:
        raise ValueError(f"{who} expects an image batch [N, C, H, W], got shape {tuple(x.shape)}")


def _check_generator(generator: Optional[torch.Generator]) -> None:
    if generator is not None and generator.device.type != "cpu":
        raise ValueError(
            f"transforms draw random values on the CPU; pass a CPU torch.Generator, got one on {generator.device}"
        )


def _format_values(values: Sequence[float]) -> str:
    text = [f"{v:g}" for v in values]
    if len(text) > 12:
        return f"[{', '.join(text[:4])}, ..., {', '.join(text[-2:])}] ({len(text)} values)"
    return f"[{', '.join(text)}]"


def _name_of(t: TransformLike) -> str:
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


class Pad(Transform):
    """Pads every side by ``width`` pixels.

    Args:
        width: pixels added on each side (>= 0).
        mode: "constant" (filled with ``value``), "reflect" or "replicate".
        value: fill value for mode "constant" (0.5 is mid-grey in [0, 1]).

    Example:
        >>> pad(2)(torch.zeros(1, 3, 4, 4)).shape
        torch.Size([1, 3, 8, 8])
    """

    name = "pad"

    def __init__(self, width: int, mode: str = "constant", value: float = 0.5) -> None:
        if not isinstance(width, int) or width < 0:
            raise ValueError(f"pad width must be an int >= 0, got {width!r}")
        if mode not in PAD_MODES:
            raise ValueError(f"pad mode must be one of {PAD_MODES}, got {mode!r}")
        self.width, self.mode, self.value = width, mode, float(value)

    def __call__(self, x: Tensor, generator: Optional[torch.Generator] = None) -> Tensor:
        _check_batch(x, "pad")
        if self.width == 0:
            return x
        if self.mode == "reflect" and self.width >= min(x.shape[-2:]):
            raise ValueError(
                f"pad mode 'reflect' needs width < image height and width, got width {self.width} "
                f"for a {x.shape[-2]}x{x.shape[-1]} image"
            )
        w = self.width
        if self.mode == "constant":
            return F.pad(x, (w, w, w, w), mode="constant", value=self.value)
        return F.pad(x, (w, w, w, w), mode=self.mode)

    def _repr_args(self) -> str:
        value = f", value={self.value:g}" if self.mode == "constant" else ""
        return f"{self.width}, mode={self.mode!r}{value}"


class Jitter(Transform):
    """Crops each item at its own random offset in [0, d] (both axes): [N, C, H-d, W-d].

    The crop is a single gather over the flattened pixels, so there is no loop over items.

    Example:
        >>> jitter(8)(torch.rand(2, 3, 32, 32)).shape
        torch.Size([2, 3, 24, 24])
    """

    name = "jitter"

    def __init__(self, d: int) -> None:
        if not isinstance(d, int) or d < 0:
            raise ValueError(f"jitter d must be an int >= 0, got {d!r}")
        self.d = d

    def __call__(self, x: Tensor, generator: Optional[torch.Generator] = None) -> Tensor:
        _check_batch(x, "jitter")
        _check_generator(generator)
        if self.d == 0:
            return x
        n, c, h, w = x.shape
        if self.d >= min(h, w):
            raise ValueError(f"jitter d={self.d} must be smaller than the image size {h}x{w}")
        oh, ow = h - self.d, w - self.d
        offsets = torch.randint(0, self.d + 1, (2, n), generator=generator).to(x.device)
        rows = offsets[0, :, None] + torch.arange(oh, device=x.device)  # [N, oh]
        cols = offsets[1, :, None] + torch.arange(ow, device=x.device)  # [N, ow]
        index = (rows[:, :, None] * w + cols[:, None, :]).view(n, 1, oh * ow).expand(n, c, oh * ow)
        return x.reshape(n, c, h * w).gather(2, index).view(n, c, oh, ow)

    def _repr_args(self) -> str:
        return str(self.d)


class RandomAffine(Transform):
    """Random isotropic scaling and rotation about the centre, one resampling per call.

    ``stages`` is a sequence of ``("scale", values)`` / ``("rotate", degrees)`` pairs; for each
    stage every item draws one value uniformly from the list (repeat a value to weight it).
    The stages' scales multiply and their angles add, and the image is resampled once with
    a batched ``affine_grid`` + bilinear ``grid_sample``. The output keeps the input size.
    A scale s > 1 magnifies the content; a positive angle rotates it counter-clockwise.
    ``padding_mode`` says what is sampled outside the image: "reflection" (the default) mirrors
    the image, which avoids the flat streaks "border" produces and the dark corners of "zeros".

    Build it with `random_scale` / `random_rotate`; `Compose` fuses adjacent ones.

    Example:
        >>> t = RandomAffine([("scale", [0.9, 1.1]), ("rotate", [-5, 5])])
        >>> t(torch.rand(2, 1, 16, 16)).shape
        torch.Size([2, 1, 16, 16])
    """

    name = "random_affine"

    def __init__(self, stages: Sequence[Tuple[str, Sequence[float]]], padding_mode: str = "reflection") -> None:
        if padding_mode not in AFFINE_PADDING_MODES:
            raise ValueError(f"padding_mode must be one of {AFFINE_PADDING_MODES}, got {padding_mode!r}")
        if not stages:
            raise ValueError("RandomAffine needs at least one stage")
        checked = []
        for kind, values in stages:
            values = tuple(float(v) for v in values)
            if kind not in ("scale", "rotate"):
                raise ValueError(f"RandomAffine stage kind must be 'scale' or 'rotate', got {kind!r}")
            if not values:
                raise ValueError(f"random_{kind} needs at least one value to choose from")
            if not all(math.isfinite(v) for v in values):
                raise ValueError(f"random_{kind} values must be finite, got {values}")
            if kind == "scale" and min(values) <= 0:
                raise ValueError(f"random_scale scales must be > 0, got {values}")
            checked.append((kind, values))
        self.stages: Tuple[Tuple[str, Tuple[float, ...]], ...] = tuple(checked)
        self.padding_mode = padding_mode
        self._tables = [torch.tensor(values, dtype=torch.float64) for _, values in self.stages]

    def __call__(self, x: Tensor, generator: Optional[torch.Generator] = None) -> Tensor:
        _check_batch(x, "random_affine")
        _check_generator(generator)
        n, _, h, w = x.shape
        scale = torch.ones(n, dtype=torch.float64)
        angle = torch.zeros(n, dtype=torch.float64)
        for (kind, _), table in zip(self.stages, self._tables):
            drawn = table[torch.randint(0, len(table), (n,), generator=generator)]
            if kind == "scale":
                scale = scale * drawn
            else:
                angle = angle + torch.deg2rad(drawn)
        # affine_grid maps each output location to the input location it samples, in coordinates
        # normalised to [-1, 1] per axis (y down). The pixel-space map is rotate(-angle) / scale;
        # conjugating it with diag(W, H) keeps rotations rigid on non-square images.
        cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
        theta = torch.zeros(n, 2, 3, dtype=torch.float64)
        theta[:, 0, 0], theta[:, 0, 1] = cos, -sin * (h / w)
        theta[:, 1, 0], theta[:, 1, 1] = sin * (w / h), cos
        theta = theta.to(device=x.device, dtype=x.dtype)
        grid = F.affine_grid(theta, list(x.shape), align_corners=False)
        return F.grid_sample(x, grid, mode="bilinear", padding_mode=self.padding_mode, align_corners=False)

    def then(self, other: RandomAffine) -> Optional[RandomAffine]:
        """The single transform equal to ``self`` followed by ``other`` (None if paddings differ)."""
        if other.padding_mode != self.padding_mode:
            return None
        return RandomAffine(self.stages + other.stages, self.padding_mode)

    def __repr__(self) -> str:
        padding = "" if self.padding_mode == "reflection" else f", padding_mode={self.padding_mode!r}"
        parts = [f"random_{kind}({_format_values(values)}{padding})" for kind, values in self.stages]
        return parts[0] if len(parts) == 1 else f"{self.name}({', '.join(parts)})"


def random_scale(scales: Sequence[float], padding_mode: str = "reflection") -> RandomAffine:
    """Scales each item about its centre by a factor drawn uniformly from ``scales``.

    The output keeps the input size (s > 1 zooms in). See `RandomAffine` for ``padding_mode``.

    Example:
        >>> random_scale([0.95, 1.05])(torch.rand(3, 3, 32, 32)).shape
        torch.Size([3, 3, 32, 32])
    """
    return RandomAffine([("scale", scales)], padding_mode)


def random_rotate(degrees: Sequence[float], padding_mode: str = "reflection") -> RandomAffine:
    """Rotates each item about its centre by an angle (degrees, counter-clockwise) drawn from ``degrees``.

    The output keeps the input size. See `RandomAffine` for ``padding_mode``.

    Example:
        >>> random_rotate([-10, 0, 10])(torch.rand(3, 3, 32, 32)).shape
        torch.Size([3, 3, 32, 32])
    """
    return RandomAffine([("rotate", degrees)], padding_mode)


class Blur(Transform):
    """Gaussian blur with standard deviation ``sigma`` pixels: separable, per channel, reflect padded.

    The kernel spans ceil(3 sigma) pixels either side; the image must be larger than that.

    Example:
        >>> round(blur(1.0)(torch.full((1, 3, 16, 16), 0.3)).mean().item(), 4)
        0.3
    """

    name = "blur"

    def __init__(self, sigma: float) -> None:
        if not (isinstance(sigma, (int, float)) and math.isfinite(sigma) and sigma > 0):
            raise ValueError(f"blur sigma must be a positive number, got {sigma!r}")
        self.sigma = float(sigma)

    def __call__(self, x: Tensor, generator: Optional[torch.Generator] = None) -> Tensor:
        _check_batch(x, "blur")
        return gaussian_blur(x, self.sigma)

    def _repr_args(self) -> str:
        return f"{self.sigma:g}"


class Noise(Transform):
    """Adds independent Gaussian noise of standard deviation ``std`` to every pixel.

    Example:
        >>> noise(0.02)(torch.zeros(1, 3, 8, 8), torch.Generator().manual_seed(0)).std().item() < 0.05
        True
    """

    name = "noise"

    def __init__(self, std: float) -> None:
        if not (isinstance(std, (int, float)) and math.isfinite(std) and std >= 0):
            raise ValueError(f"noise std must be a number >= 0, got {std!r}")
        self.std = float(std)

    def __call__(self, x: Tensor, generator: Optional[torch.Generator] = None) -> Tensor:
        _check_batch(x, "noise")
        _check_generator(generator)
        eps = torch.randn(x.shape, generator=generator, dtype=x.dtype).to(x.device)
        return x + self.std * eps

    def _repr_args(self) -> str:
        return f"{self.std:g}"


class Resize(Transform):
    """Deterministic bilinear resize to ``size`` (an int for square images, or (H, W)).

    Example:
        >>> resize(224)(torch.rand(1, 3, 64, 64)).shape
        torch.Size([1, 3, 224, 224])
    """

    name = "resize"

    def __init__(self, size: Union[int, Sequence[int]]) -> None:
        self.size: Tuple[int, int] = image_size(size, "resize size")

    def __call__(self, x: Tensor, generator: Optional[torch.Generator] = None) -> Tensor:
        _check_batch(x, "resize")
        if tuple(x.shape[-2:]) == self.size:
            return x
        return F.interpolate(x, size=self.size, mode="bilinear", align_corners=False)

    def _repr_args(self) -> str:
        return str(self.size)


class Compose(Transform):
    """Applies transforms in order, passing the same generator to each.

    Nested Composes are flattened and adjacent `RandomAffine` transforms (e.g. `random_scale`
    followed by `random_rotate`) are fused into one, so the image is resampled once: the random
    values drawn are the same as unfused, only the double interpolation is avoided.
    ``Compose()`` is the identity.

    Example:
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
        return ", ".join(_name_of(t) for t in self.transforms)


pad = Pad
jitter = Jitter
blur = Blur
noise = Noise
resize = Resize
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
