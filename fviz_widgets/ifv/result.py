"""What IFV hands out: an `IFVResult` (a predicted objective with what it was computed from) and a
`CriticalSpace` (the subspace of objectives Algorithm 1 keeps).

Example:
    >>> space = CriticalSpace(basis=np.eye(3)[:, 1:], trivial=np.eye(3)[:, :1], threshold=1e-3,
    ...                       angle_limit=30.0, samples=8, order="sequential")
    >>> space.dim, space.trivial_channels(), space.describe()
    (2, [0], ['e0'])
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from ..core.files import atomic_file, output_path
from ..core.linalg import fix_signs, orthonormal_basis
from ..core.metrics import angular_distance
from .features import ArrayLike, FeatureSpec
from .prediction import allowed_basis, as_basis, solve

__all__ = ["CriticalSpace", "IFVResult"]


@dataclass
class IFVResult:
    """A predicted objective and what it was computed from.

    Attributes:
        theta: θ̂, the predicted objective (unit vector [m]; ⟨ρ, θ̂⟩ ≥ 0); inside the critical
            space when one was given.
        singular_values: singular values of M, ascending [m] (zeros pad when m > d).
        left_singular_vectors: the matching left singular vectors as columns [m, m]; column 0
            (the smallest singular value) is the unconstrained prediction.
        response: the feature response ρ of the realization [m].
        layer, features: the layer and the `FeatureSpec` of the objective.
        critical_space: orthonormal basis [m, k] of C, or None (C = ℝᵐ).
        critical_singular_values: singular values of QᵀM, ascending [k] (None without C).
        target: θ₀ when known (unit vector), for the angles.
        inactive: features that are off at this realization (ρ_k = 0 and a zero Jacobian row, e.g.
            a ReLU channel that never fires on it). Each e_k of them is a trivial solution (the
            realization is stationary for θ₀ + c·e_k for any c), so θ̂ is only defined modulo them.
        exclude_inactive: whether θ̂ was restricted to θ_k = 0 on the inactive features.
        images: the realization, float32 [1, H, W, C] (None when only its numbers were kept);
            `image` is [H, W, C].
    """

    theta: np.ndarray
    singular_values: np.ndarray
    left_singular_vectors: np.ndarray
    response: np.ndarray
    layer: str
    features: FeatureSpec
    critical_space: Optional[np.ndarray] = None
    critical_singular_values: Optional[np.ndarray] = None
    target: Optional[np.ndarray] = None
    inactive: List[int] = field(default_factory=list)
    exclude_inactive: bool = True
    images: Optional[np.ndarray] = None

    @property
    def image(self) -> np.ndarray:
        """The realization, float32 [H, W, C]."""
        if self.images is None:
            raise ValueError("this prediction holds no realization image (it was rebuilt from numbers only)")
        return self.images[0]

    @property
    def m(self) -> int:
        """Number of features."""
        return self.theta.shape[0]

    @property
    def angles(self) -> Dict[str, float]:
        """Angular distances in degrees.

        ``predicted_vs_response``: ∠(θ̂, ρ). With a target: ``predicted``: ∠(θ̂, P_C θ₀) (θ₀
        projected onto the critical space, the best C allows), ``response``: ∠(ρ, θ₀), with a
        critical space also ``response_in_critical_space``: ∠(P_C ρ, P_C θ₀), and when inactive
        features were excluded ``predicted_active``: ∠(θ̂, θ₀ projected onto C without them).
        """
        out = {"predicted_vs_response": float(angular_distance(self.theta, self.response))}
        if self.target is not None:
            target = self.project(self.target)
            out["predicted"] = float(angular_distance(self.theta, target))
            out["response"] = float(angular_distance(self.response, self.target))
            if self.critical_space is not None:
                out["response_in_critical_space"] = float(angular_distance(self.project(self.response), target))
            if self.exclude_inactive and self.inactive:
                allowed = allowed_basis(self.critical_space, self.inactive, self.m)
                active = target if allowed is None else allowed @ (allowed.T @ self.target)
                out["predicted_active"] = float(angular_distance(self.theta, active))
        return out

    def project(self, v: ArrayLike) -> np.ndarray:
        """`v` projected onto the critical space (unchanged without one)."""
        v = np.asarray(v, dtype=np.float64)
        if self.critical_space is None:
            return v
        return self.critical_space @ (self.critical_space.T @ v)

    def coefficients(self, target: Optional[ArrayLike] = None) -> np.ndarray:
        """γ with θ₀ = Σ_j γ_j u_j over the left singular vectors, ascending order (γ_0: the
        smallest singular value, so γ_0² ≈ 1 means θ̂ ≈ ±θ₀). Σ γ_j² = 1."""
        target = self.target if target is None else target
        if target is None:
            raise ValueError("no target: pass one or build the result with target=")
        t = np.asarray(target, dtype=np.float64)
        return self.left_singular_vectors.T @ (t / np.linalg.norm(t))

    def gradient_norm(self, theta: Optional[ArrayLike] = None) -> float:
        """‖Mᵀθ‖ for a unit θ (default θ̂): how far the realization is from stationary for θ."""
        t = self.theta if theta is None else np.asarray(theta, dtype=np.float64)
        t = t / np.linalg.norm(t)
        return float(np.linalg.norm(self.singular_values * (self.left_singular_vectors.T @ t)))

    def with_critical_space(self, space: Any) -> IFVResult:
        """The prediction restricted to a critical space (a `CriticalSpace`, a basis, or None)."""
        basis = as_basis(space, self.m)
        allowed = allowed_basis(basis, self.inactive if self.exclude_inactive else [], self.m)
        theta, values = solve(self.left_singular_vectors, self.singular_values, allowed, self.response)
        return replace(self, theta=theta, critical_space=basis, critical_singular_values=values)

    def with_inactive(self, exclude: bool) -> IFVResult:
        """The prediction with the inactive features excluded (True) or kept (False)."""
        return replace(self, exclude_inactive=exclude).with_critical_space(self.critical_space)

    def with_target(self, target: Optional[ArrayLike]) -> IFVResult:
        """The same prediction with θ₀ attached (for the angles)."""
        t = None if target is None else np.asarray(target, dtype=np.float64)
        if t is not None:
            if t.shape != (self.m,):
                raise ValueError(f"target has shape {t.shape}, expected ({self.m},)")
            t = t / np.linalg.norm(t)
        return replace(self, target=t)

    def __repr__(self) -> str:
        angles = self.angles
        parts = [f"layer={self.layer!r}", f"m={self.m}", f"β={self.features.beta:g}", self.features.aggregation]
        if "predicted" in angles:
            parts.append(f"∠(θ̂,θ₀)={angles['predicted']:.2f}°")
            parts.append(f"∠(ρ,θ₀)={angles['response']:.2f}°")
        parts.append(f"∠(θ̂,ρ)={angles['predicted_vs_response']:.2f}°")
        s = self.singular_values
        parts.append(f"σ {s[0]:.3g}…{s[-1]:.3g}")
        if self.critical_space is not None:
            parts.append(f"critical space {self.critical_space.shape[1]}/{self.m}")
        if self.inactive:
            parts.append(f"{len(self.inactive)} inactive {'excluded' if self.exclude_inactive else 'kept'}")
        return f"IFVResult({', '.join(parts)})"

    @property
    def channels(self) -> List[int]:
        """The channel number of each feature (for labels)."""
        return list(self.features.channels) if self.features.channels is not None else list(range(self.m))

    def show(self, figure=None):
        """Bars of θ₀ (if known), θ̂ and ρ̂ over channels and the singular value spectrum, in a
        matplotlib figure (`figure`, or a new one); returns it."""
        from ..viz.figures import ifv_figure

        return ifv_figure(self, figure)

    def save(self, path: Union[str, Path]) -> Path:
        """Save the figure of `show` as a PNG; returns the path."""
        path = output_path(path, (".png",), "figure")
        with atomic_file(path) as partial:
            partial.write_bytes(self._repr_png_())
        return path

    def _repr_png_(self) -> bytes:
        from ..viz.figures import figure_png, ifv_figure

        return figure_png(lambda fig: ifv_figure(self, fig))



@dataclass
class CriticalSpace:
    """The critical space C found by Algorithm 1 and the trivial space it excludes.

    Attributes:
        basis: orthonormal basis of C [m, k].
        trivial: orthonormal basis of the merged trivial space [m, m − k] (C's complement).
        threshold: the singular value threshold τ used; angle_limit: in degrees.
        samples: how many spectra were merged; order: the merge order.
        threshold_range: (lowest, highest) τ seen to give this dimension in a scan.
    """

    basis: np.ndarray
    trivial: np.ndarray
    threshold: float
    angle_limit: float
    samples: int
    order: str
    threshold_range: Tuple[float, float] = (math.nan, math.nan)

    @property
    def dim(self) -> int:
        """dim C."""
        return self.basis.shape[1]

    @property
    def m(self) -> int:
        """The ambient dimension."""
        return self.basis.shape[0]

    def project(self, v: ArrayLike) -> np.ndarray:
        """Orthogonal projection onto C."""
        return self.basis @ (self.basis.T @ np.asarray(v, dtype=np.float64))

    def trivial_channels(self, tolerance: float = 1e-3) -> List[int]:
        """Channels k whose unit vector e_k lies in the trivial space (‖P_trivial e_k‖² > 1 − tol):
        dead units, for instance."""
        if self.trivial.shape[1] == 0:
            return []
        weight = (self.trivial**2).sum(1)
        return [int(k) for k in np.flatnonzero(weight > 1 - tolerance)]

    def describe(self, top: int = 3, labels: Optional[Sequence[Any]] = None) -> List[str]:
        """The trivial space in words: its single channels (``'e4'``), then each remaining
        direction by its largest entries (``'+0.71·e3 -0.71·e5'``)."""
        name = (lambda i: str(labels[i])) if labels is not None else (lambda i: f"e{i}")
        axes = self.trivial_channels()
        out = [name(k) for k in axes]
        rest = self.trivial
        if axes:
            rest = self.trivial - np.eye(self.m)[:, axes] @ self.trivial[axes]
            rest = orthonormal_basis(rest, tol=1e-6)[:, : self.trivial.shape[1] - len(axes)]
        for v in rest.T:
            v = fix_signs(v)
            order = np.argsort(-np.abs(v))[:top]
            terms = " ".join(f"{v[i]:+.2f}·{name(i)}" for i in order)
            out.append(terms + (" …" if self.m > top and np.abs(v[order[-1]]) > 1e-3 else ""))
        return out

    def __repr__(self) -> str:
        words = self.describe()
        trivial = ", ".join(words[:8]) + (", …" if len(words) > 8 else "")
        return (f"CriticalSpace(dim {self.dim} of {self.m}, τ={self.threshold:.3g}, "
                f"angle limit {self.angle_limit:g}°, trivial [{trivial}])")
