"""What an invariance analysis hands out: `InvarianceResult` (x⁺, curvatures, directions),
the `Walk`s along its directions, and the `Convergence` record of the search for x⁺.

Example:
    >>> import fviz_widgets as fv
    >>> result = fv.unit_invariance(fv.QuadraticForm.random(16, seed=0), radius=1.0, k=2, progress=False)
    >>> result.images.shape, result.walk("most", frames=4).images.shape
    ((1, 4, 4, 1), (4, 4, 4, 1))
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch

from ..core import images as imaging
from ..core.files import IMAGE_SUFFIXES
from ..core.validate import positive_int
from .spaces import FlatSpace
from .units import Unit
from .walks import great_circle_walk

__all__ = ["Convergence", "InvarianceResult", "Vector", "Walk"]

Vector = Union[np.ndarray, torch.Tensor, Sequence[float]]


@dataclass
class Convergence:
    """How x⁺ was found.

    Attributes:
        values: g per iteration. residuals: ‖Riemannian gradient‖ / ‖gradient‖ per iteration
            (the sine of the angle between ∇g and the sphere's normal; 0 at a critical point).
        phases: "ball", "ascent", "newton" or "escape" per iteration ("escape": a saddle was found
            (a direction of positive curvature) and left along that direction; residual NaN).
        converged: whether the residual reached the tolerance. message: why it stopped.
        evaluations: evaluations of g (with gradient); hvps: Hessian-vector products in all.
    """

    values: np.ndarray
    residuals: np.ndarray
    phases: Tuple[str, ...]
    converged: bool
    message: str
    evaluations: int
    hvps: int
    seconds: float

    def __repr__(self) -> str:
        counts = {p: self.phases.count(p) for p in dict.fromkeys(self.phases)}
        steps = ", ".join(f"{c} {p}" for p, c in counts.items()) or "no steps"
        last = f"{self.residuals[-1]:.2g}" if len(self.residuals) else "—"
        state = "converged" if self.converged else "not converged"
        return f"Convergence({steps}; {state}, residual {last}; {self.message})"


@dataclass
class Walk:
    """A geodesic walk φ(t) = cos t · x⁺ + sin t · r·w for t in [a, b].

    Attributes:
        t: the frame times [F] (radians, from a to b). a, b: where g(φ(t)) crosses c·g(x⁺) (∓π/2
            when it never does on that side). values: g(φ(t)) per frame (alias `g`).
        images: float32 [F, H, W, C] in [0, 1], ready to show. points: φ(t) [F, n] (coordinates
            relative to the center; the exact inputs).
        c, threshold, g_plus: threshold = c·g(x⁺) unless given. curvature: κ of the direction
            (None for a direction of your own). label: e.g. "most invariant #0".
    """

    t: np.ndarray
    images: np.ndarray
    values: np.ndarray
    points: np.ndarray
    a: float
    b: float
    c: float
    threshold: float
    g_plus: float
    direction: np.ndarray
    curvature: Optional[float]
    label: str

    @property
    def g(self) -> np.ndarray:
        """g(φ(t)) per frame (same as `values`)."""
        return self.values

    def __len__(self) -> int:
        return len(self.t)

    def __repr__(self) -> str:
        kappa = f", κ = {self.curvature:.4g}" if self.curvature is not None else ""
        return (f"Walk({self.label}{kappa}: t ∈ [{self.a:.3f}, {self.b:.3f}], {len(self.t)} frames, "
                f"g ≥ {self.threshold:.4g} = {self.c:g}·g(x⁺))")

    def frames(self, scale: int = 1) -> np.ndarray:
        """uint8 frames [F, H·scale, W·scale, 3] (grey images become RGB)."""
        frames = np.stack([imaging.to_uint8(image) for image in self.images])
        if frames.ndim == 3:
            frames = np.repeat(frames[..., None], 3, axis=-1)
        if scale > 1:
            frames = frames.repeat(scale, axis=1).repeat(scale, axis=2)
        return frames

    @property
    def image(self) -> np.ndarray:
        """The first frame, float32 [H, W, C]."""
        return self.images[0]

    def strip(self, count: int = 12) -> np.ndarray:
        """Up to `count` frames evenly spaced over the walk, tiled in one row (HWC)."""
        pick = np.unique(np.linspace(0, len(self.images) - 1, min(len(self.images), count)).round().astype(int))
        return imaging.grid(self.images[pick], columns=len(pick))

    def save(self, path: Union[str, Path], fps: float = 12.0, scale: int = 1, loop: bool = True) -> Path:
        """Write the walk as an animated GIF or an MP4, or its frame strip as a PNG (by the file
        name's extension). MP4 needs imageio-ffmpeg: ``pip install 'fviz_widgets[video]'``.

        Example:
            >>> import tempfile
            >>> from fviz_widgets import QuadraticForm, unit_invariance
            >>> walk = unit_invariance(QuadraticForm.random(16, seed=0), k=1, progress=False).walk("most", frames=8)
            >>> with tempfile.TemporaryDirectory() as folder:
            ...     walk.save(Path(folder) / "walk.gif", fps=12, scale=2).stat().st_size > 0
            True
        """
        scale = positive_int(scale, "scale")
        if Path(path).suffix.lower() in IMAGE_SUFFIXES:
            return imaging.save(self.strip(), path)
        from ..viz.video import save_animation

        return save_animation(self.frames(scale), path, fps=fps, loop=loop)

    def show(self, count: int = 8, size: float = 1.6):
        """The frames evenly spaced over the walk, titled by t, in a matplotlib figure; returns it."""
        from ..viz.figures import image_figure

        pick = np.unique(np.linspace(0, len(self.images) - 1, min(len(self.images), count)).round().astype(int))
        return image_figure(self.images[pick], [f"t = {self.t[i]:.2f}" for i in pick], columns=len(pick), size=size)

    def _repr_png_(self) -> bytes:
        return imaging.encode(self.strip())


@dataclass
class InvarianceResult:
    """What `invariance` found.

    Attributes:
        x_plus: the optimal stimulus as flat coordinates [n] relative to the center, ‖x_plus‖ = radius
            (pixel space: pixel offsets from the center image; param space: spectrum coordinates).
        images: x⁺ as an image, float32 [1, H, W, C] in [0, 1] (`image`: [H, W, C]). g_plus: g(x⁺).
        method: "sphere" (Riemannian ascent) or "ball" (ascent over ‖x‖ ≤ r, optimum on the boundary).
        convergence: the record of step 1 (`Convergence`).
        curvatures: geodesic curvatures κ, ascending: the k least invariant then the k most
            invariant (fewer, without repeats, when n − 1 < 2k). directions: unit tangent vectors
            [len(curvatures), n] in the same order. raw_eigenvalues: the eigenvalues μ̃ of BᵀHB
            (κ = μ̃ − shift). shift: ∇g(x⁺)ᵀx⁺ / r².
        spectrum: "lanczos" or "dense". smooth: β of the surrogate used for the Hessian, or None.
        timing: seconds for x⁺ ("optimum"), for the spectrum ("spectrum"), in all ("seconds"), and
            the Hessian-vector products of the (last) spectrum ("spectrum_hvps").
        space: "pixel", "param" or "flat"; shape: (C, H, W) of the images.
    """

    x_plus: np.ndarray
    images: np.ndarray
    g_plus: float
    radius: float
    method: str
    convergence: Convergence
    curvatures: np.ndarray
    directions: np.ndarray
    raw_eigenvalues: np.ndarray
    shift: float
    k: int
    space: str
    shape: Tuple[int, int, int]
    objective: str
    spectrum: str
    smooth: Optional[float]
    seed: int
    timing: Dict[str, float]
    unit: Unit = field(repr=False)

    @property
    def image(self) -> np.ndarray:
        """x⁺ as an image, float32 [H, W, C] in [0, 1]."""
        return self.images[0]

    # --- directions ---------------------------------------------------------------------------
    def _most_index(self) -> np.ndarray:
        return np.arange(len(self.curvatures))[::-1][: self.k]

    def _least_index(self) -> np.ndarray:
        return np.arange(len(self.curvatures))[: self.k]

    @property
    def most_invariant(self) -> np.ndarray:
        """[k, n]: row 0 is the most invariant direction (κ closest to 0), then the next."""
        return self.directions[self._most_index()]

    @property
    def least_invariant(self) -> np.ndarray:
        """[k, n]: row 0 is the least invariant direction (most negative κ), then the next."""
        return self.directions[self._least_index()]

    @property
    def most_invariant_curvatures(self) -> np.ndarray:
        """κ of `most_invariant`, row by row (descending: closest to 0 first)."""
        return self.curvatures[self._most_index()]

    @property
    def least_invariant_curvatures(self) -> np.ndarray:
        """κ of `least_invariant`, row by row (ascending: most negative first)."""
        return self.curvatures[self._least_index()]

    def direction(self, which: Union[int, str, Vector] = "most") -> Tuple[np.ndarray, Optional[float], str]:
        """(unit tangent vector, κ or None, label) for `which`: "most" / "least" (or "most:1", the
        next one), an index into `directions`, or a vector of your own (projected onto the
        tangent plane and normalized)."""
        if isinstance(which, str):
            kind, _, rank = which.partition(":")
            if kind not in ("most", "least"):
                raise ValueError(f"direction {which!r}: use 'most', 'least', 'most:1', ... or an index")
            rank = int(rank or 0)
            index = self._most_index() if kind == "most" else self._least_index()
            if not 0 <= rank < len(index):
                raise IndexError(f"direction {which!r}: only {len(index)} {kind} invariant directions were computed")
            i = int(index[rank])
            return self.directions[i], float(self.curvatures[i]), f"{kind} invariant #{rank}"
        if isinstance(which, (int, np.integer)):
            i = int(which)
            if not -len(self.curvatures) <= i < len(self.curvatures):
                raise IndexError(f"direction index {i} out of range for {len(self.curvatures)} directions")
            return self.directions[i], float(self.curvatures[i]), f"direction {i % len(self.curvatures)}"
        v = np.asarray(which.detach().cpu() if isinstance(which, torch.Tensor) else which, dtype=np.float64).ravel()
        if v.size != self.x_plus.size:
            raise ValueError(f"a direction needs {self.x_plus.size} values, got {v.size}")
        unit = self.x_plus / np.linalg.norm(self.x_plus)
        v = v - (v @ unit) * unit
        norm = np.linalg.norm(v)
        if not norm > 1e-12:
            raise ValueError("the direction is (nearly) parallel to x⁺: no tangent part to walk along")
        return v / norm, None, "custom direction"

    def direction_images(self) -> np.ndarray:
        """How each direction changes the image, float32 [len(curvatures), H, W, C] in [0, 1]
        (0.5 = no change; each direction scaled to use the full range)."""
        space = self.unit.space
        dtype = self.unit.dtype
        x = torch.as_tensor(self.x_plus, dtype=torch.float64)
        w = torch.as_tensor(self.directions, dtype=torch.float64)
        with torch.no_grad():
            if isinstance(space, FlatSpace):
                delta = w
            else:
                eps = 1e-2 * self.radius
                base = space.images(x[None].to(dtype)).double()
                delta = (space.images((x[None] + eps * w).to(dtype)).double() - base).flatten(1)
        delta = delta / delta.abs().amax(1, keepdim=True).clamp(min=1e-30)
        out = (0.5 + 0.5 * delta).view(-1, *self.shape)
        return np.clip(imaging.to_hwc(out), 0.0, 1.0)

    # --- walks --------------------------------------------------------------------------------
    def walk(self, direction: Union[int, str, Vector] = "most", c: float = 0.7, frames: int = 32, *,
             threshold: Optional[float] = None, scan: int = 64, xtol: float = 1e-6) -> Walk:
        """Walk the great circle from x⁺ towards `direction` while g stays above c·g(x⁺).

        a = sup{t ∈ [−π/2, 0] : g(φ(t)) < c·g(x⁺)} and b = inf{t ∈ (0, π/2] : g(φ(t)) < c·g(x⁺)}
        (∓π/2 if g never drops below), found by a scan of `scan` points per side and bisection
        to `xtol`; then `frames` frames evenly spaced over [a, b].

        Example:
            >>> from fviz_widgets import QuadraticForm, unit_invariance
            >>> result = unit_invariance(QuadraticForm.random(16, seed=0), k=2, progress=False)
            >>> walk = result.walk("least", c=0.7, frames=24)
            >>> walk.a < 0 < walk.b, walk.images.shape[0]
            (True, 24)
        """
        if frames < 2:
            raise ValueError(f"frames must be ≥ 2, got {frames}")
        w, kappa, label = self.direction(direction)
        if threshold is None:
            if not 0 <= c < 1:
                raise ValueError(f"c must be in [0, 1), got {c}")
            if self.g_plus <= 0:
                raise ValueError(f"g(x⁺) = {self.g_plus:.4g} ≤ 0, so c·g(x⁺) is no lower bound; pass threshold=")
            threshold = c * self.g_plus
        ts, points, values, a, b = great_circle_walk(self.unit, self.x_plus, w, self.radius, float(threshold),
                                                     frames, scan, xtol)
        return Walk(
            t=ts, images=self.unit.space.display(points), values=values,
            points=points.detach().cpu().double().numpy(), a=a, b=b, c=c, threshold=float(threshold),
            g_plus=self.g_plus, direction=w, curvature=kappa, label=label,
        )

    def walks(self, c: float = 0.7, frames: int = 32, **kwargs) -> List[Walk]:
        """Walks along every computed direction: most invariant first, then least invariant."""
        specs = [f"most:{i}" for i in range(len(self._most_index()))] + \
                [f"least:{i}" for i in range(len(self._least_index()))]
        return [self.walk(spec, c=c, frames=frames, **kwargs) for spec in specs]

    # --- display ------------------------------------------------------------------------------
    def __repr__(self) -> str:
        c, h, w = self.shape
        most = ", ".join(f"{v:.3g}" for v in self.most_invariant_curvatures)
        least = ", ".join(f"{v:.3g}" for v in self.least_invariant_curvatures)
        smooth = f", smooth β={self.smooth:g}" if self.smooth else ""
        state = "converged" if self.convergence.converged else "not converged"
        return (f"InvarianceResult({self.objective}, {self.space} space {c}×{h}×{w}, r = {self.radius:.4g}, "
                f"g(x⁺) = {self.g_plus:.4g} [{self.method}, {state}]"
                f"{smooth}; κ most invariant: [{most}]; κ least invariant: [{least}] ({self.spectrum}))")

    def picture(self) -> np.ndarray:
        """Row 1: x⁺ and how each most invariant direction changes it; row 2: the least invariant
        directions (HWC, what `_repr_png_` and `save` show)."""
        changes = self.direction_images()
        blank = np.ones_like(self.image)
        top = [self.image] + [changes[i] for i in self._most_index()]
        bottom = [blank] + [changes[i] for i in self._least_index()]
        bottom += [blank] * (len(top) - len(bottom))
        return imaging.grid(np.stack(top + bottom), columns=len(top))

    def save(self, path: Union[str, Path]) -> Path:
        """Save `picture()` (PNG/JPEG by the file name); returns the path."""
        return imaging.save(self.picture(), path)

    def show(self, size: float = 2.0):
        """x⁺ and its directions' changes titled by κ, in a matplotlib figure; returns it."""
        from ..viz.figures import image_figure

        changes = self.direction_images()
        order = list(self._most_index()) + list(self._least_index())
        images = np.stack([self.image] + [changes[i] for i in order])
        labels = ["x⁺"] + [f"most #{r}: κ {self.curvatures[i]:.3g}" for r, i in enumerate(self._most_index())] + \
                 [f"least #{r}: κ {self.curvatures[i]:.3g}" for r, i in enumerate(self._least_index())]
        return image_figure(images, labels, columns=1 + len(self._most_index()), size=size)

    def _repr_png_(self) -> bytes:
        return imaging.encode(self.picture())

