"""Step 4 of the invariance analysis: walks φ(t) = cos t · x⁺ + sin t · r·w along great circles,
over the interval [a, b] where g stays above a threshold.

Example:
    >>> h = lambda t: np.cos(t) - 0.5              # above 0 while |t| < π/3
    >>> round(crossing(h, 1.0, 64, 1e-9), 6), round(crossing(h, -1.0, 64, 1e-9), 6)
    (1.047198, -1.047198)
"""

from __future__ import annotations

import math
from typing import Callable, Tuple

import numpy as np
import torch

from .units import Unit, values

__all__ = ["crossing", "great_circle_walk"]


def crossing(h: Callable[[np.ndarray], np.ndarray], side: float, scan: int, xtol: float) -> float:
    """The first t on one side of 0 (side ±1) where h(t) < 0: a scan of `scan` points brackets it,
    bisection narrows it to xtol; returns the last t found with h ≥ 0, or side·π/2 if none."""
    ts = side * (math.pi / 2) * np.arange(1, scan + 1) / scan
    below = np.flatnonzero(h(ts) < 0)
    if below.size == 0:
        return side * math.pi / 2
    j = below[0]
    good, bad = (ts[j - 1] if j > 0 else 0.0), ts[j]
    while abs(bad - good) > xtol:
        mid = 0.5 * (good + bad)
        if h(np.array([mid]))[0] < 0:
            bad = mid
        else:
            good = mid
    return float(good)


def great_circle_walk(unit: Unit, x: np.ndarray, w: np.ndarray, radius: float, threshold: float, frames: int,
                      scan: int, xtol: float) -> Tuple[np.ndarray, torch.Tensor, np.ndarray, float, float]:
    """(t [F], points φ(t) [F, n], g(φ(t)) [F], a, b) for the walk from x⁺ = `x` towards the unit
    tangent `w`: a = sup{t ∈ [−π/2, 0] : g < threshold}, b = inf{t ∈ (0, π/2] : g < threshold}
    (∓π/2 if g never drops below), found by a scan of `scan` points per side and bisection to
    `xtol`; then `frames` points evenly spaced over [a, b]."""
    xt = torch.as_tensor(x, dtype=unit.dtype, device=unit.device)
    wt = torch.as_tensor(w, dtype=unit.dtype, device=unit.device)

    def points(ts: np.ndarray) -> torch.Tensor:
        t = torch.as_tensor(ts, dtype=unit.dtype, device=unit.device)[:, None]
        return torch.cos(t) * xt + torch.sin(t) * radius * wt

    with unit.session() as g:
        def h(ts):
            return values(g, points(ts)).cpu().double().numpy() - threshold

        a = crossing(h, -1.0, scan, xtol)
        b = crossing(h, 1.0, scan, xtol)
        ts = np.linspace(a, b, frames)
        pts = points(ts)
        along = values(g, pts).cpu().double().numpy()
    return ts, pts, along, a, b
