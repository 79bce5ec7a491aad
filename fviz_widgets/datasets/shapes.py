"""Procedural RGB textures in ten classes whose ground truth holds by construction.

Every image mixes a random background and foreground colour through a pattern mask,
then adds a little uniform pixel noise and clips to [0, 1]. Coordinates are image
coordinates: x grows to the right, y grows *downwards*.

Classes (the label is the index into `CLASSES`):

- ``vertical_stripes``: varies only along x (the stripes themselves are vertical).
- ``horizontal_stripes``: varies only along y.
- ``diagonal_up``: lines rising to the right, i.e. ``y = -x + c``; the mask is a function of ``x + y``.
- ``diagonal_down``: lines falling to the right, i.e. ``y = x + c``; the mask is a function of ``x - y``.
- ``grid``: thin vertical plus horizontal lines with the same spacing.
- ``checkerboard``: alternating squares, axis aligned.
- ``dots``: a square lattice of round dots.
- ``rings``: concentric circles around a random centre inside the image.
- ``disc``: one filled disc, fully inside the image, on the background.
- ``noise``: isotropic Gaussian-smoothed random noise (no orientation).

Item ``i`` of a set is drawn from its own generator seeded with ``(seed, i)``, so
`ShapesDataset` gives the same item whatever the access order and `make_shapes`
returns exactly the dataset's items.

Example:
    >>> images, labels = make_shapes(20, size=32, seed=0)
    >>> tuple(images.shape), CLASSES[int(labels[3])]
    ((20, 3, 32, 32), 'diagonal_down')
"""

from __future__ import annotations

import difflib
import math
from functools import lru_cache
from numbers import Integral
from typing import Callable, Dict, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from scipy.ndimage import gaussian_filter

__all__ = ["CLASSES", "ShapesDataset", "make_shapes"]

CLASSES: Tuple[str, ...] = (
    "vertical_stripes",
    "horizontal_stripes",
    "diagonal_up",
    "diagonal_down",
    "grid",
    "checkerboard",
    "dots",
    "rings",
    "disc",
    "noise",
)

Size = Union[int, Tuple[int, int]]
Pattern = Callable[[np.random.Generator, np.ndarray, np.ndarray], np.ndarray]

_MIN_SIZE = 8
_MIN_CONTRAST = 0.4  # Euclidean RGB distance between foreground and background
_MAX_PIXEL_NOISE = 0.05  # largest amplitude of the additive, uniformly distributed pixel noise
_TWO_PI = 2.0 * math.pi


def _wave(rng: np.random.Generator, u: np.ndarray, levels: Tuple[float, float] = (-0.4, 0.4)) -> np.ndarray:
    """Soft square wave of `u` (in periods) with random phase, duty cycle and edge sharpness.

    The wave is high where cos(2 pi u + phase) exceeds a level drawn from `levels`.
    """
    phase = rng.uniform(0.0, _TWO_PI)
    level = rng.uniform(*levels)
    sharpness = rng.uniform(2.0, 8.0)
    return 0.5 + 0.5 * np.tanh(sharpness * (np.cos(_TWO_PI * u + phase) - level))


def _period(rng: np.random.Generator) -> float:
    return rng.uniform(4.0, 14.0)


def _soft_inside(distance: np.ndarray, radius: float) -> np.ndarray:
    """1 inside `radius`, 0 outside, with a one-pixel anti-aliased edge."""
    return np.clip(radius - distance + 0.5, 0.0, 1.0)


def _vertical_stripes(rng: np.random.Generator, y: np.ndarray, x: np.ndarray) -> np.ndarray:
    return np.broadcast_to(_wave(rng, x / _period(rng)), np.broadcast_shapes(y.shape, x.shape))


def _horizontal_stripes(rng: np.random.Generator, y: np.ndarray, x: np.ndarray) -> np.ndarray:
    return np.broadcast_to(_wave(rng, y / _period(rng)), np.broadcast_shapes(y.shape, x.shape))


def _diagonal_up(rng: np.random.Generator, y: np.ndarray, x: np.ndarray) -> np.ndarray:
    return _wave(rng, (x + y) / (math.sqrt(2.0) * _period(rng)))


def _diagonal_down(rng: np.random.Generator, y: np.ndarray, x: np.ndarray) -> np.ndarray:
    return _wave(rng, (x - y) / (math.sqrt(2.0) * _period(rng)))


def _grid(rng: np.random.Generator, y: np.ndarray, x: np.ndarray) -> np.ndarray:
    period = _period(rng)
    thin = (0.65, 0.9)  # a high level keeps narrow lines: at most ~28% of the period
    return np.maximum(_wave(rng, x / period, thin), _wave(rng, y / period, thin))


def _checkerboard(rng: np.random.Generator, y: np.ndarray, x: np.ndarray) -> np.ndarray:
    period = 2.0 * _period(rng)  # one period holds two squares
    phase_x, phase_y = rng.uniform(0.0, _TWO_PI, 2).tolist()
    sign = np.sin(_TWO_PI * x / period + phase_x) * np.sin(_TWO_PI * y / period + phase_y)
    return 0.5 + 0.5 * np.tanh(rng.uniform(4.0, 12.0) * sign)


def _dots(rng: np.random.Generator, y: np.ndarray, x: np.ndarray) -> np.ndarray:
    period = rng.uniform(6.0, 16.0)
    radius = rng.uniform(0.15, 0.3) * period  # well apart, unlike the square cells of `grid`
    offset_x, offset_y = rng.uniform(0.0, period, 2).tolist()
    dx = np.mod(x - offset_x, period) - period / 2
    dy = np.mod(y - offset_y, period) - period / 2
    return _soft_inside(np.sqrt(dx**2 + dy**2), radius)


def _distance_to_random_centre(rng: np.random.Generator, y: np.ndarray, x: np.ndarray, margin: float) -> np.ndarray:
    height, width = y.shape[0], x.shape[1]
    cy = rng.uniform(margin, height - 1 - margin)
    cx = rng.uniform(margin, width - 1 - margin)
    return np.sqrt((x - cx) ** 2 + (y - cy) ** 2)


def _rings(rng: np.random.Generator, y: np.ndarray, x: np.ndarray) -> np.ndarray:
    margin = 0.2 * min(y.shape[0], x.shape[1])
    return _wave(rng, _distance_to_random_centre(rng, y, x, margin) / _period(rng))


def _disc(rng: np.random.Generator, y: np.ndarray, x: np.ndarray) -> np.ndarray:
    radius = rng.uniform(0.15, 0.35) * min(y.shape[0], x.shape[1])
    return _soft_inside(_distance_to_random_centre(rng, y, x, radius + 0.5), radius)


def _noise(rng: np.random.Generator, y: np.ndarray, x: np.ndarray) -> np.ndarray:
    white = rng.standard_normal((y.shape[0], x.shape[1]), dtype=np.float32)
    field = gaussian_filter(white, rng.uniform(1.0, 3.0), mode="wrap")
    return 0.5 + 0.5 * np.tanh(rng.uniform(0.7, 1.5) * field / field.std())


_PATTERNS: Dict[str, Pattern] = {
    "vertical_stripes": _vertical_stripes,
    "horizontal_stripes": _horizontal_stripes,
    "diagonal_up": _diagonal_up,
    "diagonal_down": _diagonal_down,
    "grid": _grid,
    "checkerboard": _checkerboard,
    "dots": _dots,
    "rings": _rings,
    "disc": _disc,
    "noise": _noise,
}


def _colours(rng: np.random.Generator) -> Tuple[np.ndarray, np.ndarray]:
    """Random (foreground, background) RGB colours at least `_MIN_CONTRAST` apart."""
    while True:
        foreground, background = rng.uniform(0.0, 1.0, (2, 3))
        if np.linalg.norm(foreground - background) >= _MIN_CONTRAST:
            return foreground, background


@lru_cache(maxsize=8)
def _coordinates(height: int, width: int) -> Tuple[np.ndarray, np.ndarray]:
    """Broadcastable pixel coordinates: y of shape [H, 1] and x of shape [1, W]."""
    y = np.arange(height, dtype=np.float32)[:, None]
    x = np.arange(width, dtype=np.float32)[None, :]
    y.flags.writeable = x.flags.writeable = False
    return y, x


def _render(seed: int, index: int, label: int, height: int, width: int) -> np.ndarray:
    """Item `index` of the set with this `seed`: a float32 [3, H, W] image in [0, 1]."""
    rng = np.random.default_rng((seed, index))
    y, x = _coordinates(height, width)
    mask = _PATTERNS[CLASSES[label]](rng, y, x)
    foreground, background = _colours(rng)
    foreground, background = foreground.astype(np.float32), background.astype(np.float32)
    image = background[:, None, None] + (foreground - background)[:, None, None] * mask
    amplitude = rng.uniform(0.0, _MAX_PIXEL_NOISE)
    image += (2.0 * amplitude) * (rng.random(image.shape, dtype=np.float32) - 0.5)
    return np.clip(image, 0.0, 1.0, out=image)


def _hw(size: Size) -> Tuple[int, int]:
    hw = (size, size) if isinstance(size, Integral) else tuple(size) if isinstance(size, (tuple, list)) else ()
    if len(hw) != 2 or not all(isinstance(side, Integral) for side in hw) or min(hw) < _MIN_SIZE:
        raise ValueError(f"size must be an int or (H, W), at least {_MIN_SIZE} pixels per side; got {size!r}")
    return int(hw[0]), int(hw[1])


def _label_ids(classes: Optional[Sequence[str]]) -> Tuple[int, ...]:
    """Sorted indices into `CLASSES` of the requested class names (all when None)."""
    if classes is None:
        return tuple(range(len(CLASSES)))
    if isinstance(classes, str):
        raise TypeError(f"classes must be a sequence of class names, e.g. [{classes!r}], not a string")
    unknown = [name for name in classes if name not in CLASSES]
    if unknown:
        hints = {name: difflib.get_close_matches(name, CLASSES, n=1) for name in unknown}
        described = ", ".join(
            f"{name!r}" + (f" (did you mean {hint[0]!r}?)" if hint else "") for name, hint in hints.items()
        )
        raise ValueError(f"unknown shape class {described}; valid classes: {', '.join(CLASSES)}")
    if not classes:
        raise ValueError("classes must name at least one class")
    return tuple(sorted({CLASSES.index(name) for name in classes}))


def _check_seed(seed: int) -> int:
    if isinstance(seed, bool) or not isinstance(seed, Integral) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    return int(seed)


def make_shapes(
    n: int,
    *,
    size: Size = 64,
    seed: int = 0,
    classes: Optional[Sequence[str]] = None,
) -> Tuple[torch.Tensor, torch.Tensor]:
    """Generate `n` labelled texture images, balanced over `classes` (default: all).

    Args:
        n: number of images; item ``i`` belongs to the ``(i mod k)``-th of the k requested
            classes, taken in `CLASSES` order, so the classes are balanced.
        size: image side, or (H, W).
        seed: non-negative seed; the same seed gives identical tensors.
        classes: subset of `CLASSES` to draw from; labels still index the full `CLASSES`.

    Returns:
        images: float32 tensor [n, 3, H, W] with values in [0, 1].
        labels: int64 tensor [n].

    Example:
        >>> images, labels = make_shapes(4, size=(32, 48), seed=1, classes=["disc", "grid"])
        >>> tuple(images.shape), labels.tolist()
        ((4, 3, 32, 48), [4, 8, 4, 8])
    """
    if n < 0:
        raise ValueError(f"n must be non-negative, got {n}")
    height, width = _hw(size)
    seed = _check_seed(seed)
    ids = _label_ids(classes)
    labels = np.array([ids[i % len(ids)] for i in range(n)], dtype=np.int64)
    images = np.empty((n, 3, height, width), dtype=np.float32)
    for i, label in enumerate(labels):
        images[i] = _render(seed, i, int(label), height, width)
    return torch.from_numpy(images), torch.from_numpy(labels)


class ShapesDataset(torch.utils.data.Dataset):
    """The items of `make_shapes(n, size=size, seed=seed, classes=classes)`, rendered on access.

    ``dataset[i]`` is ``(image, label)``: a float32 [3, H, W] tensor in [0, 1] and an int
    indexing `CLASSES` (also available as ``dataset.classes``).

    Example:
        >>> data = ShapesDataset(100, size=32, seed=3)
        >>> image, label = data[7]
        >>> tuple(image.shape), data.classes[label]
        ((3, 32, 32), 'rings')
    """

    classes: Tuple[str, ...] = CLASSES

    def __init__(self, n: int, size: Size = 64, seed: int = 0, classes: Optional[Sequence[str]] = None) -> None:
        if n < 0:
            raise ValueError(f"n must be non-negative, got {n}")
        self.n = int(n)
        self.size = _hw(size)
        self.seed = _check_seed(seed)
        self._ids = _label_ids(classes)

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, index: int) -> Tuple[torch.Tensor, int]:
        if not -self.n <= index < self.n:
            raise IndexError(f"index {index} out of range for a ShapesDataset of {self.n} items")
        index %= self.n
        label = self._ids[index % len(self._ids)]
        return torch.from_numpy(_render(self.seed, index, label, *self.size)), label
