"""The prediction of Grad-IFV: at a realization, Mᵀθ₀ ≈ 0 with M = [(β+1)I − βρ̂ρ̂ᵀ] J, so the
predicted objective θ̂ is the left singular vector of M with the smallest singular value,
optionally restricted to a critical space C and to the features active at the realization.

Example:
    >>> U = np.eye(3)[:, ::-1].copy()                   # columns: e2, e1, e0
    >>> theta, _ = solve(U, np.array([0.0, 1.0, 2.0]), None, np.ones(3))
    >>> theta.tolist()
    [0.0, 0.0, 1.0]
"""

from __future__ import annotations

from typing import Any, List, Optional, Sequence, Tuple

import numpy as np
import torch
from torch import Tensor

from ..core.linalg import as_matrix, orthonormal_basis

__all__ = ["allowed_basis", "as_basis", "inactive_features", "singular_spectrum", "solve"]


def singular_spectrum(rho: Tensor, J: Tensor, beta: float) -> Tuple[np.ndarray, np.ndarray]:
    """Left singular vectors [N, m, m] and singular values [N, m] of M = [(β+1)I − βρ̂ρ̂ᵀ] J, both
    ascending; float64, one item at a time (M is m×d and d can be large).

    Example:
        >>> U, S = singular_spectrum(torch.tensor([[1.0, 0.0]]), torch.eye(2)[None], beta=0.0)
        >>> S.tolist()
        [[1.0, 1.0]]
    """
    n, m, d = J.shape
    Us, Ss = [], []
    for i in range(n):
        r, Ji = rho[i].detach().cpu().double(), J[i].detach().cpu().double()
        norm = r.norm()
        rhat = r / norm if norm > 0 else torch.zeros_like(r)
        M = ((beta + 1) * torch.eye(m, dtype=torch.float64) - beta * torch.outer(rhat, rhat)) @ Ji
        if m <= d:
            U, S, _ = torch.linalg.svd(M, full_matrices=False)
        else:  # more features than parameters: the missing singular values are zero
            U, S, _ = torch.linalg.svd(M, full_matrices=True)
            S = torch.cat([S, torch.zeros(m - d, dtype=S.dtype)])
        Us.append(U.flip(-1).numpy())
        Ss.append(S.flip(-1).numpy())
    return np.stack(Us), np.stack(Ss)


def as_basis(space: Any, m: int) -> Optional[np.ndarray]:
    """An orthonormal basis [m, k] of a critical space (a `CriticalSpace`, or any matrix whose
    columns span it), or None for no restriction."""
    if space is None:
        return None
    held = getattr(space, "basis", None)  # a CriticalSpace carries its orthonormal basis
    basis = held if isinstance(held, np.ndarray) else orthonormal_basis(as_matrix(space))
    if basis.shape[0] != m:
        raise ValueError(f"the critical space lives in ℝ^{basis.shape[0]} but there are {m} features")
    if basis.shape[1] == 0:
        raise ValueError("the critical space is empty (dimension 0)")
    return basis


def allowed_basis(basis: Optional[np.ndarray], inactive: Sequence[int], m: int) -> Optional[np.ndarray]:
    """Basis of C ∩ {θ : θ_k = 0 for inactive k} (C itself if that leaves nothing)."""
    if not len(inactive):
        return basis
    q = np.eye(m) if basis is None else basis
    rows = q[list(inactive)]
    _, s, vt = np.linalg.svd(rows, full_matrices=True)
    rank = int((s > 1e-10).sum())
    null = vt[rank:].T
    if null.shape[1] == 0:
        return basis
    return q @ null


def solve(U: np.ndarray, S: np.ndarray, basis: Optional[np.ndarray], rho: np.ndarray
           ) -> Tuple[np.ndarray, Optional[np.ndarray]]:
    """θ̂ = argmin ‖Mᵀθ‖ over unit θ in span(basis), sign fixed so ⟨ρ, θ̂⟩ ≥ 0."""
    if basis is None:
        theta, values = U[:, 0].copy(), None
    else:
        # QᵀM = (QᵀU S) Vᵀ with V orthonormal: the SVD of the small k×m matrix QᵀU·S suffices
        y, sigma, _ = np.linalg.svd((basis.T @ U) * S[None, :], full_matrices=True)
        k = basis.shape[1]
        values = np.concatenate([sigma, np.zeros(k - sigma.size)])[::-1].copy()
        theta = basis @ y[:, -1]
    if theta @ rho < 0:
        theta = -theta
    return theta / np.linalg.norm(theta), values


def inactive_features(rho: np.ndarray, row_norms: np.ndarray, tolerance: float) -> List[List[int]]:
    """Per item, the features with ρ_k ≈ 0 and a ≈ zero Jacobian row (relative to the largest)."""
    out = []
    for r, g in zip(rho, row_norms):
        small_r = np.abs(r) <= tolerance * max(np.abs(r).max(), 1e-300)
        small_g = g <= tolerance * max(g.max(), 1e-300)
        out.append([int(k) for k in np.flatnonzero(small_r & small_g)])
    return out
