"""Quadratic forms g(x) = ½ xᵀHx + fᵀx + c: a unit whose optimum and invariances are known exactly.

Berkes & Wiskott (2006) analyse such forms as receptive fields; here they are the ground truth for
`fviz_widgets.invariance` and a small teaching example. On the sphere ‖x‖ = r:

- the optimum is x⁺ = (λI − H)⁻¹ f with λ > μ_max chosen so that ‖x⁺‖ = r (λ by bisection on
  [μ_max, μ_max + ‖f‖/r]); for f = 0 it is r times a top eigenvector of H;
- along a unit tangent direction w the geodesic curvature is κ(w) = wᵀHw − λ, so with μ̃ᵢ the
  eigenvalues of BᵀHB (B an orthonormal basis of the tangent plane) the curvatures are κᵢ = μ̃ᵢ − λ.

Example:
    >>> q = QuadraticForm.random(8, seed=0)
    >>> exact = q.closed_form(radius=2.0)
    >>> round(float(np.linalg.norm(exact.x_plus)), 6), bool((exact.curvatures <= 1e-12).all())
    (2.0, True)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence, Union

import numpy as np
import torch

from ..core.linalg import HouseholderBasis, fix_signs

__all__ = ["ClosedForm", "QuadraticForm"]

ArrayLike = Union[np.ndarray, torch.Tensor, Sequence[float], Sequence[Sequence[float]]]


@dataclass
class ClosedForm:
    """The exact optimum and invariances of a `QuadraticForm` on a sphere.

    Attributes:
        x_plus: the optimum [n] (‖x_plus‖ = radius). g_plus: g(x_plus).
        shift: λ = (x⁺ᵀHx⁺ + fᵀx⁺)/r², the Lagrange multiplier (κᵢ = μ̃ᵢ − λ).
        curvatures: all n − 1 geodesic curvatures κ, ascending (least invariant first).
        directions: [n − 1, n] orthonormal tangent directions in the same order.
        raw_eigenvalues: μ̃, the eigenvalues of BᵀHB in the same order.
    """

    x_plus: np.ndarray
    g_plus: float
    radius: float
    shift: float
    curvatures: np.ndarray
    directions: np.ndarray
    raw_eigenvalues: np.ndarray

    @property
    def most_invariant(self) -> np.ndarray:
        """Directions from the most invariant (κ closest to 0) down."""
        return self.directions[::-1]

    @property
    def least_invariant(self) -> np.ndarray:
        """Directions from the least invariant (most negative κ) up."""
        return self.directions


class QuadraticForm:
    """The unit g(x) = ½ xᵀHx + fᵀx + c, callable on torch tensors [..., n] (float64 inside).

    It is a plain callable unit for `fv.unit_invariance` (``fv.unit_invariance(QuadraticForm(H, f),
    radius=r)``) and knows its own answer (`closed_form`).

    Args:
        H: a symmetric [n, n] matrix (it is symmetrized; a clearly asymmetric one is an error).
        f: the linear term [n] (default 0). c: the constant.

    Example:
        >>> q = QuadraticForm(torch.diag(torch.tensor([3.0, 1.0, 0.5])))
        >>> q(torch.tensor([1.0, 0.0, 0.0])).item()
        1.5
        >>> q.closed_form().x_plus.round(6).tolist()
        [1.0, 0.0, 0.0]
    """

    def __init__(self, H: ArrayLike, f: Optional[ArrayLike] = None, c: float = 0.0) -> None:
        H = torch.as_tensor(np.asarray(H, dtype=np.float64) if not isinstance(H, torch.Tensor) else H)
        H = H.detach().to("cpu", torch.float64)
        if H.ndim != 2 or H.shape[0] != H.shape[1] or H.shape[0] < 2:
            raise ValueError(f"H must be a square matrix of size n ≥ 2, got shape {tuple(H.shape)}")
        if not torch.isfinite(H).all():
            raise ValueError("H contains NaN or inf")
        asymmetry = (H - H.T).abs().max().item()
        if asymmetry > 1e-8 * max(H.abs().max().item(), 1e-300):
            raise ValueError(f"H must be symmetric (max |H − Hᵀ| = {asymmetry:.3g})")
        self.H = (H + H.T) / 2
        n = self.H.shape[0]
        if f is None:
            self.f = torch.zeros(n, dtype=torch.float64)
        else:
            f = torch.as_tensor(np.asarray(f, dtype=np.float64) if not isinstance(f, torch.Tensor) else f)
            self.f = f.detach().to("cpu", torch.float64).flatten()
            if self.f.numel() != n:
                raise ValueError(f"f has {self.f.numel()} values but H is {n}×{n}")
        self.c = float(c)

    @classmethod
    def random(
        cls, n: int, *, seed: int = 0, condition: float = 10.0, linear: bool = True, scale: float = 1.0
    ) -> QuadraticForm:
        """A random form: eigenvalues log-spaced over `condition` with random signs, random basis.

        Example:
            >>> QuadraticForm.random(5, seed=1, condition=1e6).n
            5
        """
        rng = np.random.default_rng(seed)
        basis, _ = np.linalg.qr(rng.standard_normal((n, n)))
        magnitudes = np.geomspace(1.0, 1.0 / condition, n) * scale
        signs = np.where(rng.random(n) < 0.5, -1.0, 1.0)
        signs[0] = 1.0  # at least one positive eigenvalue: a maximum with real structure
        H = (basis * (signs * magnitudes)) @ basis.T
        f = rng.standard_normal(n) * scale / np.sqrt(n) if linear else None
        return cls(H, f)

    @property
    def n(self) -> int:
        """The dimension of the input."""
        return self.H.shape[0]

    def __repr__(self) -> str:
        linear = "with f" if bool(self.f.any()) else "f = 0"
        return f"QuadraticForm(n={self.n}, {linear}, c={self.c:g})"

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        """g(x) for x [..., n] (any float dtype; the matrices follow it)."""
        x = torch.as_tensor(x)
        H, f = self.H.to(x), self.f.to(x)
        return 0.5 * ((x @ H) * x).sum(-1) + x @ f + self.c

    def gradient(self, x: torch.Tensor) -> torch.Tensor:
        """∇g(x) = Hx + f."""
        x = torch.as_tensor(x)
        return x @ self.H.to(x) + self.f.to(x)

    def closed_form(self, radius: float = 1.0) -> ClosedForm:
        """The exact optimum on the sphere ‖x‖ = radius and all tangent curvatures.

        Example:
            >>> q = QuadraticForm(np.diag([2.0, 1.0, -1.0]))
            >>> q.closed_form().curvatures.round(6).tolist()   # μ̃ − λ with λ = 2
            [-3.0, -1.0]
        """
        if not radius > 0:
            raise ValueError(f"radius must be positive, got {radius}")
        r = float(radius)
        H = self.H.numpy()
        f = self.f.numpy()
        mu, V = np.linalg.eigh(H)
        x = _sphere_optimum(mu, V, f, r)
        g = float(0.5 * x @ H @ x + f @ x + self.c)
        shift = float((x @ H @ x + f @ x) / r**2)
        B = HouseholderBasis(x / r).matrix()
        raw, vectors = np.linalg.eigh(B.T @ H @ B)
        directions = (B @ vectors).T
        return ClosedForm(
            x_plus=x, g_plus=g, radius=r, shift=shift, curvatures=raw - shift,
            directions=directions, raw_eigenvalues=raw,
        )


def _sphere_optimum(mu: np.ndarray, V: np.ndarray, f: np.ndarray, r: float) -> np.ndarray:
    """argmax over ‖x‖ = r of ½xᵀHx + fᵀx, H = V diag(mu) Vᵀ (mu ascending)."""
    top = mu[-1]
    scale = max(np.abs(mu).max(), 1e-300)
    ft = V.T @ f
    fnorm = float(np.linalg.norm(f))
    in_top = np.abs(mu - top) <= 1e-12 * scale
    if fnorm == 0.0:
        x = r * V[:, -1]
        return fix_signs(x)

    def norm_at(lam: float) -> float:  # ‖(λI − H)⁻¹f‖ for λ > μ_max
        return float(np.linalg.norm(ft / (lam - mu)))

    hard = np.linalg.norm(ft[in_top]) <= 1e-12 * fnorm
    if hard:
        # f has no component on the top eigenspace: λ = μ_max if the particular solution is short
        rest = ~in_top
        partial = V[:, rest] @ (ft[rest] / (top - mu[rest]))
        pnorm = float(np.linalg.norm(partial))
        if pnorm <= r:
            v = V[:, -1]
            return partial + np.sqrt(max(r**2 - pnorm**2, 0.0)) * fix_signs(v)
    lo, hi = top, top + fnorm / r  # ‖x(λ)‖ ≥ r just above μ_max, ≤ r at hi
    for _ in range(400):
        mid = 0.5 * (lo + hi)
        if mid <= lo or mid >= hi:
            break
        if norm_at(mid) > r:
            lo = mid
        else:
            hi = mid
    lam = hi
    x = V @ (ft / (lam - mu))
    return x * (r / np.linalg.norm(x))
