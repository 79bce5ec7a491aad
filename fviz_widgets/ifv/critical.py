"""Algorithm 1 of Grad-IFV: the critical space from sampled realizations, and a scan over the
singular-value threshold τ that lists every dimension it can have.

Trivial solutions shared by every realization (dead units, a softmax shift) span a "trivial"
subspace of objectives that no realization can tell apart; the critical space C is its
orthogonal complement, and predictions restricted to C factor them out.

Example:
    >>> m = np.diag([0.0, 1.0, 2.0])                    # one sample: feature 0 has no effect
    >>> critical_space([m], threshold=0.5).trivial_channels()
    [0]
"""

from __future__ import annotations

import math
from typing import Any, Dict, List, Sequence, Tuple, Union

import numpy as np
from torch import Tensor

from ..core.linalg import as_matrix, orthogonal_complement, slerp_subspaces
from .result import CriticalSpace

__all__ = ["critical_space", "scan_thresholds"]


Spectrum = Tuple[np.ndarray, np.ndarray]


def _spectra(items: Any) -> List[Spectrum]:
    """(left singular vectors, singular values), ascending, from results, (U, S) pairs or matrices."""
    if isinstance(items, (np.ndarray, Tensor)) and np.ndim(items) == 3:
        items = list(items)
    out = []
    for item in items:
        if hasattr(item, "left_singular_vectors"):  # an IFVResult
            out.append((item.left_singular_vectors, item.singular_values))
        elif isinstance(item, tuple) and len(item) == 2:
            U, S = as_matrix(item[0]), np.asarray(item[1], dtype=np.float64)
            order = np.argsort(S, kind="stable")
            out.append((U[:, order], S[order]))
        else:
            M = as_matrix(item)
            m, d = M.shape
            U, S, _ = np.linalg.svd(M, full_matrices=m > d)
            S = np.concatenate([S, np.zeros(m - S.size)])
            out.append((U[:, ::-1].copy(), S[::-1].copy()))
    if not out:
        raise ValueError("critical_space needs at least one result or matrix")
    return out


def _merge(bases: List[np.ndarray], angle_limit: float, order: Union[str, Sequence[int]], seed: int) -> np.ndarray:
    """Merge subspaces pairwise until one is left, SLERP weighted by merge counts."""
    m = bases[0].shape[0]
    n = len(bases)
    if isinstance(order, str):
        if order == "sequential":
            sequence = list(range(n))
        elif order == "random":
            sequence = list(np.random.default_rng(seed).permutation(n))
        elif order == "tree":
            sequence = None
        else:
            raise ValueError(f"order must be 'sequential', 'tree', 'random' or a permutation, got {order!r}")
    else:
        sequence = [int(i) for i in order]
        if sorted(sequence) != list(range(n)):
            raise ValueError(f"order must be a permutation of 0..{n - 1}")

    def merge(a: Tuple[np.ndarray, int], b: Tuple[np.ndarray, int]) -> Tuple[np.ndarray, int]:
        (qa, wa), (qb, wb) = a, b
        if qa.shape[1] == 0 or qb.shape[1] == 0:
            return np.zeros((m, 0)), wa + wb
        merged, _ = slerp_subspaces(qa, qb, wb / (wa + wb), angle_limit=angle_limit, orthonormal=True)
        return merged, wa + wb

    items = [(bases[i], 1) for i in (sequence if sequence is not None else range(n))]
    if sequence is not None:
        acc = items[0]
        for item in items[1:]:
            if acc[0].shape[1] == 0:
                break
            acc = merge(acc, item)
        return acc[0]
    while len(items) > 1:
        paired = [merge(items[i], items[i + 1]) for i in range(0, len(items) - 1, 2)]
        items = paired + ([items[-1]] if len(items) % 2 else [])
    return items[0][0]


def critical_space(
    results_or_matrices: Any,
    threshold: float,
    angle_limit: float = 30.0,
    *,
    order: Union[str, Sequence[int]] = "sequential",
    relative: bool = False,
    seed: int = 0,
) -> CriticalSpace:
    """Algorithm 1: the critical space from sampled realizations.

    For each sample, the left singular vectors of M with singular values below `threshold` span
    a rough co-kernel (with ``relative=True`` the threshold is a fraction of that sample's largest
    singular value). These subspaces are merged two at a time until one is left: principal
    vectors of the pair, pairs at `angle_limit` degrees or more dropped, the rest SLERPed with
    weight equal to the share of samples already merged into each side. The merged space is the
    trivial space; C is its orthogonal complement.

    Args:
        results_or_matrices: `IFVResult`s, matrices M [m, d] (or an array [n, m, d]), or
            (left singular vectors, singular values) pairs.
        threshold: τ. angle_limit: degrees.
        order: ``"sequential"`` (fold in the given order), ``"tree"`` (neighbours pairwise, in
            rounds), ``"random"`` (seeded shuffle, then fold) or a permutation of the samples.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> matrices = [np.vstack([np.zeros((1, 5)), rng.standard_normal((3, 5))]) for _ in range(4)]
        >>> space = critical_space(matrices, threshold=1e-6)         # feature 0 is dead in every sample
        >>> space.dim, space.trivial_channels()
        (3, [0])
    """
    spectra = _spectra(results_or_matrices)
    m = spectra[0][0].shape[0]
    bases = []
    for U, S in spectra:
        if U.shape[0] != m:
            raise ValueError("all samples must have the same number of features")
        tau = threshold * S[-1] if relative else threshold
        bases.append(U[:, S < tau])
    trivial = _merge(bases, angle_limit, order, seed)
    basis = orthogonal_complement(trivial, m)
    trivial = orthogonal_complement(basis, m) if trivial.shape[1] else np.zeros((m, 0))
    return CriticalSpace(basis=basis, trivial=trivial, threshold=float(threshold), angle_limit=float(angle_limit),
                         samples=len(spectra), order=order if isinstance(order, str) else "custom")


def scan_thresholds(
    results_or_matrices: Any,
    angle_limit: float = 30.0,
    *,
    order: Union[str, Sequence[int]] = "sequential",
    relative: bool = False,
    points: int = 24,
    tolerance: float = 1e-3,
    seed: int = 0,
) -> List[CriticalSpace]:
    """Every distinct critical-space dimension over τ, found by nested intervals.

    τ runs over [smallest positive singular value / 2, largest × 1.01] on a log grid of `points`;
    each interval whose ends give different dimensions is halved (geometric midpoint) until its
    ends are within a factor 1 + `tolerance`, collecting every dimension met on the way. Each
    dimension is reported once, by the space at the median τ that gave it, with the lowest and
    highest such τ in ``threshold_range``. The full space (τ below every singular value) comes
    first; the empty space (τ above all) is left out. Sorted by dimension, largest first.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> matrices = [np.vstack([np.zeros((1, 5)), rng.standard_normal((3, 5))]) for _ in range(4)]
        >>> [space.dim for space in scan_thresholds(matrices)][:2]       # the full space, then without e0
        [4, 3]
    """
    spectra = _spectra(results_or_matrices)
    values = np.concatenate([S / S[-1] if relative and S[-1] > 0 else S for _, S in spectra])
    positive = values[values > 0]
    if positive.size == 0:
        raise ValueError("every singular value is zero: nothing to scan")
    lo, hi = positive.min() / 2, values.max() * 1.01
    seen: Dict[float, CriticalSpace] = {}

    def at(tau: float) -> int:
        if tau not in seen:
            seen[tau] = critical_space(spectra, tau, angle_limit, order=order, relative=relative, seed=seed)
        return seen[tau].dim

    grid = list(np.geomspace(lo, hi, max(points, 2)))
    for a, b in zip(grid[:-1], grid[1:]):
        stack = [(a, b)]
        while stack:
            x, y = stack.pop()
            if at(x) != at(y) and y / x > 1 + tolerance:
                mid = math.sqrt(x * y)
                stack += [(x, mid), (mid, y)]
    at(0.0)
    by_dim: Dict[int, List[float]] = {}
    for tau, space in seen.items():
        by_dim.setdefault(space.dim, []).append(tau)
    out = []
    for dim, taus in sorted(by_dim.items(), reverse=True):
        if dim == 0:
            continue
        taus = sorted(taus)
        space = seen[taus[len(taus) // 2]]
        space.threshold_range = (taus[0], taus[-1])
        out.append(space)
    return out
