"""Subspace math shared by the engines: orthonormal bases, complements, principal angles and
vectors between subspaces, spherical interpolation (SLERP) of vectors and of subspaces, the
Householder basis of a tangent plane, and the sign convention for eigen- and singular vectors.

Everything works on small dense matrices in float64 numpy (torch tensors are accepted and
converted). A subspace of ℝᵐ is given by a matrix whose columns span it; functions that need an
orthonormal basis make one.

Principal angles follow Knyazev & Argentati (2002): the principal vectors come from the SVD of
QₐᵀQ_b, and each angle is measured directly between its pair of unit vectors with
``2·atan2(‖u − v‖, ‖u + v‖)``, which stays accurate for tiny angles where ``arccos`` of a cosine
near 1 does not.

Example:
    >>> import numpy as np
    >>> a = np.eye(3)[:, :2]                      # the xy-plane
    >>> b = np.array([[1.0, 0, 0], [0, 1, 1]]).T  # x-axis and the diagonal of yz
    >>> np.degrees(principal_angles(a, b).angles).round(6).tolist()
    [0.0, 45.0]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple

import numpy as np

__all__ = [
    "HouseholderBasis",
    "PrincipalAngles",
    "fix_signs",
    "as_matrix",
    "orthonormal_basis",
    "orthogonal_complement",
    "projector",
    "principal_angles",
    "slerp",
    "slerp_subspaces",
    "subspace_distance",
]


def as_matrix(a, ndim: int = 2) -> np.ndarray:
    """`a` (numpy, torch or nested lists) as a float64 numpy array with `ndim` dimensions.

    Example:
        >>> as_matrix([1.0, 2.0]).shape
        (2, 1)
    """
    if hasattr(a, "detach"):
        a = a.detach().cpu().numpy()
    a = np.asarray(a, dtype=np.float64)
    if ndim == 2 and a.ndim == 1:
        a = a[:, None]
    if a.ndim != ndim:
        raise ValueError(f"expected a {ndim}-D array, got shape {a.shape}")
    return a


def orthonormal_basis(a, tol: Optional[float] = None) -> np.ndarray:
    """Orthonormal columns spanning the column space of `a` (m×k → m×r, r = numerical rank).

    `tol` is the singular-value cut-off relative to the largest (default ``max(m, k)·eps``).

    Example:
        >>> orthonormal_basis(np.array([[1.0, 2.0], [0.0, 0.0], [0.0, 0.0]])).shape
        (3, 1)
    """
    a = as_matrix(a)
    m, k = a.shape
    if k == 0 or m == 0:
        return np.zeros((m, 0))
    u, s, _ = np.linalg.svd(a, full_matrices=False)
    if s.size == 0 or s[0] == 0:
        return np.zeros((m, 0))
    tol = max(m, k) * np.finfo(np.float64).eps if tol is None else tol
    return u[:, s > tol * s[0]]


def orthogonal_complement(a, m: Optional[int] = None, tol: Optional[float] = None) -> np.ndarray:
    """Orthonormal columns spanning the orthogonal complement of span(a) in ℝᵐ.

    `a` may have zero columns (then the complement is all of ℝᵐ, returned as the identity);
    pass `m` when `a` is empty and has no rows to tell the dimension.

    Example:
        >>> orthogonal_complement(np.eye(3)[:, :1]).shape
        (3, 2)
    """
    a = as_matrix(a)
    m = a.shape[0] if m is None else m
    if a.shape[0] not in (0, m):
        raise ValueError(f"a has {a.shape[0]} rows but m={m}")
    q = orthonormal_basis(a, tol) if a.size else np.zeros((m, 0))
    if q.shape[1] == 0:
        return np.eye(m)
    if q.shape[1] >= m:
        return np.zeros((m, 0))
    u, _, _ = np.linalg.svd(q, full_matrices=True)
    return u[:, q.shape[1]:]


def projector(a) -> np.ndarray:
    """The orthogonal projector onto span(a), ``QQᵀ`` (m×m).

    Example:
        >>> projector(np.eye(2)[:, :1]).tolist()
        [[1.0, 0.0], [0.0, 0.0]]
    """
    q = orthonormal_basis(a)
    return q @ q.T


@dataclass(frozen=True)
class PrincipalAngles:
    """Principal angles between two subspaces and the principal vectors that realize them.

    Attributes:
        angles: radians, ascending, one per pair (``min(dim a, dim b)`` pairs).
        u: principal vectors in the first subspace (m×r, orthonormal columns).
        v: principal vectors in the second subspace (m×r); ``u[:, i]ᵀ v[:, j] = 0`` for i ≠ j.
    """

    angles: np.ndarray
    u: np.ndarray
    v: np.ndarray

    @property
    def degrees(self) -> np.ndarray:
        """The angles in degrees."""
        return np.degrees(self.angles)


def _pair_angles(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Angle between corresponding unit columns, accurate near 0 and near π."""
    return 2.0 * np.arctan2(np.linalg.norm(u - v, axis=0), np.linalg.norm(u + v, axis=0))


def principal_angles(a, b, *, orthonormal: bool = False) -> PrincipalAngles:
    """Principal angles and vectors between span(a) and span(b) (Knyazev & Argentati 2002).

    With orthonormal bases Qa, Qb and the SVD ``QaᵀQb = Y Σ Zᵀ``, the principal vectors are
    ``u = Qa Y`` and ``v = Qb Z``; the i-th angle is the angle between ``u_i`` and ``v_i``.
    Pass ``orthonormal=True`` when `a` and `b` already have orthonormal columns.

    Example:
        >>> pa = principal_angles(np.eye(3)[:, :2], np.eye(3)[:, 1:])
        >>> pa.degrees.round(6).tolist(), pa.u.shape
        ([0.0, 90.0], (3, 2))
    """
    qa = as_matrix(a) if orthonormal else orthonormal_basis(a)
    qb = as_matrix(b) if orthonormal else orthonormal_basis(b)
    if qa.shape[0] != qb.shape[0]:
        raise ValueError(f"subspaces live in different spaces: {qa.shape[0]} vs {qb.shape[0]} rows")
    m = qa.shape[0]
    r = min(qa.shape[1], qb.shape[1])
    if r == 0:
        return PrincipalAngles(np.zeros(0), np.zeros((m, 0)), np.zeros((m, 0)))
    y, _, zt = np.linalg.svd(qa.T @ qb, full_matrices=False)
    u, v = qa @ y[:, :r], qb @ zt[:r].T
    angles = _pair_angles(u, v)
    order = np.argsort(angles, kind="stable")
    return PrincipalAngles(angles[order], u[:, order], v[:, order])


def subspace_distance(a, b) -> float:
    """The largest principal angle between span(a) and span(b), in degrees (90 if the dimensions
    differ, since then one subspace has a direction orthogonal to the other).

    Example:
        >>> subspace_distance(np.eye(3)[:, :2], np.eye(3)[:, [1, 0]])
        0.0
    """
    qa, qb = orthonormal_basis(a), orthonormal_basis(b)
    if qa.shape[1] != qb.shape[1]:
        return 90.0
    if qa.shape[1] == 0:
        return 0.0
    return float(principal_angles(qa, qb, orthonormal=True).degrees.max())


def slerp(u, v, t: float) -> np.ndarray:
    """Spherical linear interpolation between unit vectors (columns of `u` and `v`, pairwise).

    ``t = 0`` gives `u`, ``t = 1`` gives `v`; the result moves along the great circle at constant
    speed: its angle to `u` is ``t`` times the angle between `u` and `v`. Nearly parallel pairs fall
    back to normalized linear interpolation.

    Example:
        >>> w = slerp(np.array([1.0, 0.0]), np.array([0.0, 1.0]), 1 / 3)
        >>> round(float(np.degrees(np.arctan2(w[1], w[0]))), 6)
        30.0
    """
    vector = np.ndim(u) == 1
    u, v = as_matrix(u), as_matrix(v)
    if u.shape != v.shape:
        raise ValueError(f"slerp needs matching shapes, got {u.shape} and {v.shape}")
    u = u / np.linalg.norm(u, axis=0, keepdims=True)
    v = v / np.linalg.norm(v, axis=0, keepdims=True)
    omega = _pair_angles(u, v)
    out = np.empty_like(u)
    small = omega < 1e-7
    if np.any(~small):
        w, s = omega[~small], np.sin(omega[~small])
        out[:, ~small] = (np.sin((1 - t) * w) / s) * u[:, ~small] + (np.sin(t * w) / s) * v[:, ~small]
    if np.any(small):
        w = (1 - t) * u[:, small] + t * v[:, small]
        out[:, small] = w / np.linalg.norm(w, axis=0, keepdims=True)
    return out[:, 0] if vector else out


def slerp_subspaces(
    a, b, t: float = 0.5, *, angle_limit: float = 90.0, orthonormal: bool = False
) -> Tuple[np.ndarray, np.ndarray]:
    """Merge two subspaces: SLERP each pair of principal vectors whose angle is below `angle_limit`.

    Pairs at ``angle_limit`` degrees or more are dropped, so the result approximates the
    intersection of the two subspaces; with a limit near 0 only their exact intersection
    survives. ``t`` is the interpolation weight toward `b` (0: keep `a`'s principal vectors,
    1: `b`'s). Returns (orthonormal basis m×r', the kept angles in degrees).

    Example:
        >>> basis, kept = slerp_subspaces(np.eye(3)[:, :2], np.eye(3)[:, 1:], angle_limit=45)
        >>> np.abs(basis).round(6).T.tolist(), kept.tolist()
        ([[0.0, 1.0, 0.0]], [0.0])
    """
    pa = principal_angles(a, b, orthonormal=orthonormal)
    keep = pa.degrees < angle_limit
    merged = slerp(pa.u[:, keep], pa.v[:, keep], t) if np.any(keep) else np.zeros((pa.u.shape[0], 0))
    if merged.shape[1]:
        # the slerped pairs are orthogonal in exact arithmetic; QR removes rounding drift
        q, r = np.linalg.qr(merged)
        merged = q * np.sign(np.where(np.diag(r) == 0, 1.0, np.diag(r)))
    return merged, pa.degrees[keep]


def fix_signs(vectors, axis: int = -1) -> np.ndarray:
    """The vectors along `axis` with a fixed sign: each one's largest-magnitude entry positive.

    Eigen- and singular vectors are defined up to sign; this is the one convention the package
    uses for them.

    Example:
        >>> fix_signs(np.array([[0.6, -0.8], [0.1, 0.2]])).tolist()
        [[-0.6, 0.8], [0.1, 0.2]]
        >>> fix_signs(np.array([[1.0, 3.0], [-2.0, 0.5]]), axis=0).tolist()
        [[-1.0, 3.0], [2.0, 0.5]]
    """
    v = as_matrix(vectors, ndim=np.ndim(vectors))
    peak = np.take_along_axis(v, np.expand_dims(np.abs(v).argmax(axis=axis), axis), axis=axis)
    return v * np.where(peak < 0, -1.0, 1.0)


class HouseholderBasis:
    """B, an orthonormal basis [n, n − 1] of the plane orthogonal to a unit vector x̂, as the
    Householder reflection U that takes e_n to ∓x̂ without its last column: B v = U [v; 0].

    Applying B or Bᵀ costs O(n) per vector, so operators restricted to the tangent plane of a
    sphere (BᵀHB) never form an n × n matrix.

    Example:
        >>> basis = HouseholderBasis(np.array([0.6, 0.8, 0.0]))
        >>> B = basis.matrix()
        >>> B.shape, np.allclose(B.T @ B, np.eye(2)), np.allclose(B.T @ [0.6, 0.8, 0.0], 0)
        ((3, 2), True, True)
    """

    def __init__(self, unit) -> None:
        unit = as_matrix(unit, ndim=1)
        self.n = unit.size
        s = 1.0 if unit[-1] >= 0 else -1.0
        self.u = unit.copy()
        self.u[-1] += s
        self.scale = 2.0 / (self.u @ self.u)

    def reflect(self, y: np.ndarray) -> np.ndarray:
        """U y for a vector [n] or the columns of [n, m] (U is symmetric and its own inverse)."""
        if y.ndim == 1:
            return y - (self.scale * (self.u @ y)) * self.u
        return y - np.outer(self.u, self.scale * (self.u @ y))

    def expand(self, v: np.ndarray) -> np.ndarray:
        """B v for v [n − 1] or [n − 1, m]."""
        pad = np.zeros((1,) + v.shape[1:]) if v.ndim > 1 else np.zeros(1)
        return self.reflect(np.concatenate([v, pad]))

    def restrict(self, y: np.ndarray) -> np.ndarray:
        """Bᵀ y for y [n] or [n, m]."""
        return self.reflect(y)[:-1]

    def matrix(self) -> np.ndarray:
        """B as a dense [n, n − 1] matrix."""
        return self.expand(np.eye(self.n - 1))
