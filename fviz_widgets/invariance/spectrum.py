"""Steps 2–3 of the invariance analysis: the Hessian of g at x⁺ restricted to the tangent plane of
the sphere, and its extreme eigenpairs (the curvature shift κ = μ̃ − ∇g(x⁺)ᵀx⁺/r² is applied by
the caller).

Example:
    >>> import torch
    >>> from tqdm.auto import tqdm
    >>> from .units import SecondOrder
    >>> H = torch.diag(torch.tensor([-1.0, -2.0, -3.0], dtype=torch.float64))
    >>> g = lambda x: 0.5 * ((x @ H) * x).sum(-1)
    >>> second = SecondOrder(g, torch.tensor([1.0, 0.0, 0.0], dtype=torch.float64))
    >>> raw, directions, how = tangent_spectrum(second, second.x.detach(), 1.0, 1, False, 1e-10, None, 0,
    ...                                         tqdm(disable=True))
    >>> raw.tolist(), how
    ([-3.0, -2.0], 'dense')
"""

from __future__ import annotations

import warnings
from typing import Optional, Tuple

import numpy as np
import torch

from ..core.linalg import HouseholderBasis, fix_signs
from .units import SecondOrder

__all__ = ["tangent_spectrum"]


def tangent_spectrum(second: SecondOrder, x: torch.Tensor, r: float, k: int, dense: bool,
                      tol: float, maxiter: Optional[int], seed: int, bar) -> Tuple[np.ndarray, np.ndarray, str]:
    """The extreme eigenpairs of BᵀHB (H = ∇²g(x), B a basis of the tangent plane at x): k from
    each end, as (raw eigenvalues μ̃ ascending, unit directions [2k, n] in the same order,
    "lanczos" | "dense"). Lanczos (scipy ``eigsh``) on Hessian-vector products, or the dense
    Hessian for tiny problems and ``dense=True``."""
    from scipy.sparse.linalg import ArpackNoConvergence, LinearOperator, eigsh

    n = x.numel()
    m = n - 1
    basis = HouseholderBasis((x / r).detach().cpu().double().numpy())
    dtype, device = x.dtype, x.device

    def hvp(v: np.ndarray) -> np.ndarray:
        out = second.hvp(torch.as_tensor(v, dtype=dtype, device=device))
        bar.update(1)
        return out.detach().cpu().double().numpy()

    want = 2 * k
    if dense or m < want + 2:
        eye = torch.eye(n, dtype=dtype, device=device)
        rows = [second.hvps_batched(eye[i:i + 256]).cpu().double() for i in range(0, n, 256)]
        bar.update(n)
        H = torch.cat(rows).numpy()
        H = 0.5 * (H + H.T)
        T = basis.reflect(basis.reflect(H).T)[:-1, :-1]  # U H U without the x̂ row and column
        raw, vectors = np.linalg.eigh(0.5 * (T + T.T))
        if m > want:
            keep = np.r_[0:k, m - k:m]
            raw, vectors = raw[keep], vectors[:, keep]
        how = "dense"
    else:
        operator = LinearOperator((m, m), matvec=lambda v: basis.restrict(hvp(basis.expand(np.ravel(v)))),
                                  dtype=np.float64)
        v0 = np.random.default_rng(seed).standard_normal(m)
        if not np.any(operator.matvec(v0)):  # H = 0 (a piecewise-linear unit): every μ̃ is 0
            second.vanishes = True
            vectors, _ = np.linalg.qr(np.random.default_rng(seed).standard_normal((m, want)))
            return np.zeros(want), _unit_rows(basis.expand(vectors).T), "lanczos"
        ncv = min(m, max(2 * want + 1, 24))
        try:
            raw, vectors = eigsh(operator, k=want, which="BE", tol=tol, v0=v0, ncv=ncv, maxiter=maxiter)
        except ArpackNoConvergence as error:
            raw, vectors = error.eigenvalues, error.eigenvectors
            warnings.warn(f"Lanczos converged for {len(raw)} of {want} eigenpairs; raise maxiter or tol",
                          stacklevel=3)
        order = np.argsort(raw)
        raw, vectors = raw[order], vectors[:, order]
        how = "lanczos"
    return raw, _unit_rows(basis.expand(vectors).T), how


def _unit_rows(directions: np.ndarray) -> np.ndarray:
    return fix_signs(directions / np.linalg.norm(directions, axis=1, keepdims=True), axis=1)
