"""L-BFGS over a batch of independent problems (one curvature history and one line search each),
and the weak Wolfe line search that every optimizer of the package uses.

`torch.optim.LBFGS` treats all parameters as one vector, so when a batch of images is rendered
together, every image's step depends on its batch mates (shared history, shared step length)
and on the batch size. `BatchedLBFGS` keeps per-item state: item i's iterates are exactly those
of a run on item i alone, up to floating-point reassociation in the model.

The step length satisfies the weak Wolfe conditions (sufficient decrease and curvature), found
per item by `wolfe_search` (expansion, then cubic interpolation inside the bracket); Wolfe steps
give sᵀy > 0, and a pair is stored only then, so each item's inverse-Hessian estimate stays
positive definite. The invariance engine's ascents on the sphere use the same search.

Example:
    >>> x = torch.randn(4, 10, requires_grad=True)
    >>> scales = torch.arange(1.0, 11.0)
    >>> def losses():
    ...     x.grad = None
    ...     f = ((x - 1) ** 2 * scales).sum(1)       # one loss per item
    ...     f.sum().backward()
    ...     return f.detach()
    >>> opt = BatchedLBFGS([x], items=4)
    >>> for _ in range(30):
    ...     _ = opt.step(losses)
    >>> bool(torch.allclose(x, torch.ones(4, 10), atol=1e-4))
    True
"""

from __future__ import annotations

import math
from typing import Callable, List, Optional, Sequence, Tuple

import torch
from torch import Tensor

__all__ = ["BatchedLBFGS", "wolfe_search"]


class BatchedLBFGS:
    """L-BFGS with independent state per batch item.

    Args:
        params: tensors whose leading dimension is the item (size `items`); with ``items=1`` they
            may have any shape and form one joint problem.
        items: number of independent problems.
        history: curvature pairs kept per item.
        max_evals: loss evaluations per line search; an item still without sufficient decrease
            then stays where it was and restarts from steepest descent.
        c1, c2: the Wolfe constants (sufficient decrease, curvature).
        tolerance_grad: an item whose gradient max-norm falls below this has converged.
        tolerance_change: an item whose step and loss change both fall below this has converged.

    `step(evaluate)` takes one iteration for every item not yet converged. `evaluate()` must set
    the parameters' ``.grad`` to the gradient of the summed losses and return the loss per item
    [items], both at the parameters' current values.
    """

    def __init__(
        self,
        params: Sequence[Tensor],
        items: int,
        *,
        history: int = 10,
        max_evals: int = 20,
        c1: float = 1e-4,
        c2: float = 0.9,
        tolerance_grad: float = 1e-7,
        tolerance_change: float = 1e-9,
    ):
        self.params = list(params)
        if items < 1:
            raise ValueError(f"items must be ≥ 1, got {items}")
        if items > 1 and any(p.ndim == 0 or p.shape[0] != items for p in self.params):
            shapes = [tuple(p.shape) for p in self.params]
            raise ValueError(f"every parameter needs a leading dimension of {items} items, got {shapes}")
        self.items, self.history, self.max_evals = items, history, max_evals
        self.c1, self.c2 = c1, c2
        self.tolerance_grad, self.tolerance_change = tolerance_grad, tolerance_change
        self._s: List[Tensor] = []  # [items, D] each, newest last
        self._y: List[Tensor] = []
        self._rho: List[Tensor] = []  # [items]; 0 where the pair was not stored for that item
        self._gamma: Tensor | None = None
        self._loss: Tensor | None = None
        self._grad: Tensor | None = None
        self.converged: Tensor | None = None  # [items] bool, on the parameters' device
        self.evaluations = 0

    # ---------------------------------------------------------------------------- flat views
    def _get(self) -> Tensor:
        return torch.cat([p.detach().reshape(self.items, -1) for p in self.params], 1)

    def _set(self, x: Tensor) -> None:
        offset = 0
        with torch.no_grad():
            for p in self.params:
                size = p[0].numel() if self.items > 1 else p.numel()
                p.copy_(x[:, offset : offset + size].reshape(p.shape))
                offset += size

    def _gradient(self) -> Tensor:
        return torch.cat([
            (p.grad if p.grad is not None else torch.zeros_like(p)).detach().reshape(self.items, -1)
            for p in self.params
        ], 1)

    def _evaluate(self, evaluate: Callable[[], Tensor]) -> tuple:
        losses = evaluate().detach().reshape(self.items)
        self.evaluations += 1
        return losses, self._gradient()

    # ---------------------------------------------------------------------------- the iteration
    def _direction(self, g: Tensor) -> Tensor:
        """−H g by the two-loop recursion, per item (pairs an item skipped have ρ = 0: no-ops)."""
        q = -g
        alphas = []
        for s, y, rho in zip(reversed(self._s), reversed(self._y), reversed(self._rho)):
            alpha = rho * (s * q).sum(1)
            q = q - alpha[:, None] * y
            alphas.append(alpha)
        if self._gamma is not None:
            q = q * self._gamma[:, None]
        for (s, y, rho), alpha in zip(zip(self._s, self._y, self._rho), reversed(alphas)):
            beta = rho * (y * q).sum(1)
            q = q + (alpha - beta)[:, None] * s
        return q

    @property
    def done(self) -> bool:
        """Every item has converged."""
        return self.converged is not None and bool(self.converged.all())

    def _forget(self, items: Tensor) -> None:
        for rho in self._rho:
            rho[items] = 0
        if self._gamma is not None:
            self._gamma[items] = 1

    def step(self, evaluate: Callable[[], Tensor]) -> Tensor:
        """One L-BFGS iteration per item; returns the loss per item at the new parameters."""
        x0 = self._get()
        if self._loss is None:
            self._loss, self._grad = self._evaluate(evaluate)
        f0, g = self._loss, self._grad
        if self.converged is None:
            self.converged = torch.zeros(self.items, dtype=torch.bool, device=g.device)
        converged = self.converged | (g.abs().amax(1) <= self.tolerance_grad)
        fresh = torch.ones_like(converged) if not self._rho else torch.stack(self._rho).eq(0).all(0)
        d = self._direction(g)
        slope = (g * d).sum(1)
        uphill = ~(slope < 0)  # also catches NaN: fall back to steepest descent
        d = torch.where(uphill[:, None], -g, d)
        fresh = fresh | uphill
        if uphill.any():
            self._forget(uphill)
        slope = (g * d).sum(1)
        # a first step along −g is scaled to length ≤ 1 in ℓ1, as torch.optim.LBFGS does
        t0 = torch.where(fresh, (1.0 / g.abs().sum(1).clamp(min=1e-12)).clamp(max=1.0), torch.ones_like(slope))
        # a decrease below the rounding error of f cannot be measured: such an item is done
        noise = 16 * torch.finfo(f0.dtype).eps * f0.abs()
        converged = converged | (t0 * -slope <= noise)
        t = torch.where(converged, torch.zeros_like(t0), t0)
        last = {}

        def phi(t: Tensor) -> Tuple[Tensor, Tensor]:
            self._set(x0 + t[:, None] * d)
            last["f"], last["grad"] = self._evaluate(evaluate)
            return last["f"], (last["grad"] * d).sum(1)

        t, accepted, lo = wolfe_search(phi, t, f0, slope, c1=self.c1, c2=self.c2, max_evals=self.max_evals,
                                       noise=noise, done=converged)
        failed = ~accepted
        if failed.any():
            # no Wolfe point found: fall back to the last point with sufficient decrease (maybe 0);
            # an item that found no decrease along steepest descent is done
            self.converged |= failed & fresh & (lo == 0)
            self._forget(failed & ~fresh)
            t = torch.where(failed, lo, t)
            phi(t)
        f, g_new = last["f"], last["grad"]
        s = t[:, None] * d
        y = g_new - g
        sy = (s * y).sum(1)
        # relative test: tiny late steps still carry curvature information
        stored = (sy > 1e-8 * s.norm(dim=1) * y.norm(dim=1)) & (sy > 0) & ~converged
        self._s.append(s)
        self._y.append(y)
        self._rho.append(torch.where(stored, 1.0 / sy.clamp(min=1e-30), torch.zeros_like(sy)))
        gamma = sy / (y * y).sum(1).clamp(min=1e-30)
        self._gamma = torch.where(stored, gamma, self._gamma if self._gamma is not None else torch.ones_like(gamma))
        if len(self._s) > self.history:
            del self._s[0], self._y[0], self._rho[0]
        small = (s.abs().amax(1) <= self.tolerance_change) & ((f - f0).abs() <= self.tolerance_change)
        self.converged |= converged | small
        self._loss, self._grad = f, g_new
        return f


def wolfe_search(
    phi: Callable[[Tensor], Tuple[Tensor, Tensor]],
    t: Tensor,
    f0: Tensor,
    slope: Tensor,
    *,
    c1: float = 1e-4,
    c2: float = 0.9,
    max_evals: int = 20,
    t_max: float = math.inf,
    reference: Optional[Tensor] = None,
    noise: Optional[Tensor] = None,
    approximate: bool = False,
    done: Optional[Tensor] = None,
) -> Tuple[Tensor, Tensor, Tensor]:
    """A step length per item satisfying the weak Wolfe conditions: the one line search of the package.

    Along a search curve with f(0) = `f0` and f'(0) = `slope` < 0 (per item, tensors [items]),
    find t with sufficient decrease f(t) ≤ f_ref + c1·t·slope (f_ref = `reference`, default f0:
    a larger reference makes a nonmonotone search) and curvature f'(t) ≥ c2·slope. Starting at
    `t`, a step that is too short is expanded ×4 (up to `t_max`, where sufficient decrease alone
    is accepted), and once a step is too long the bracket is narrowed by cubic interpolation.

    `phi(t)` evaluates every item at its step and returns (f(t), f'(t)). `noise` is the rounding
    error of f per item: the search ends once every item's possible decrease t·|slope| falls
    below it; with ``approximate=True`` it goes on instead and accepts a step whose change of f is
    within the noise when f'(t) ≤ (1 − 2·c1)·|slope| (the approximate Wolfe test of Hager &
    Zhang), so that a search does not fail only because f cannot show a decrease that small.
    Items in `done` are not searched.

    Returns (t, accepted, lo): the steps (the last one tried where not accepted), which items
    found a Wolfe step, and per item the longest step with sufficient decrease seen (0 if none).

    Example:
        >>> c = torch.tensor([1.0, 3.0])                       # minimize (t − c)² per item
        >>> phi = lambda t: ((t - c) ** 2, 2 * (t - c))
        >>> t, accepted, _ = wolfe_search(phi, torch.ones(2), c**2, -2 * c)
        >>> accepted.tolist(), bool(((t - c).abs() < c).all())
        ([True, True], True)
    """
    accepted = done.clone() if done is not None else torch.zeros_like(t, dtype=torch.bool)
    f_ref = f0 if reference is None else reference
    zero = torch.zeros_like(t)
    lo, f_lo, d_lo = zero, f0, slope  # [lo, hi] brackets a Wolfe step; lo has sufficient decrease
    hi, f_hi, d_hi = torch.full_like(t, math.inf), f0, slope
    for _ in range(max_evals):
        f, df = phi(t)
        finite = torch.isfinite(f)
        armijo = finite & (f <= f_ref + c1 * t * slope)
        ok = armijo & ((df >= c2 * slope) | (t >= t_max))
        if approximate and noise is not None:
            ok = ok | (finite & ((f - f0).abs() <= noise) & (df <= (1 - 2 * c1) * -slope))
        accepted = accepted | ok
        if accepted.all():
            break
        too_far = ~accepted & ~armijo
        too_short = ~accepted & armijo
        hi, f_hi, d_hi = (torch.where(too_far, t, hi), torch.where(too_far, f, f_hi),
                          torch.where(too_far, df, d_hi))
        lo, f_lo, d_lo = (torch.where(too_short, t, lo), torch.where(too_short, f, f_lo),
                          torch.where(too_short, df, d_lo))
        bracketed = torch.isfinite(hi)
        inside = _cubic_minimizer(lo, f_lo, d_lo, hi, torch.where(torch.isfinite(f_hi), f_hi, f0), d_hi)
        t = torch.where(accepted, t, torch.where(bracketed, inside, (4 * t).clamp(max=t_max)))
        if noise is not None and not approximate and (accepted | (t * -slope <= noise)).all():
            break  # the rest would shrink below rounding (an approximate search accepts such steps instead)
    return t, accepted, lo


def _cubic_minimizer(a: Tensor, fa: Tensor, da: Tensor, b: Tensor, fb: Tensor, db: Tensor) -> Tensor:
    """Minimizer of the cubic through (a, fa, da) and (b, fb, db), kept inside the middle 80 % of
    [a, b]; bisection where the cubic has no minimizer (Nocedal & Wright, eq. 3.59)."""
    width = b - a
    width = torch.where(torch.isfinite(width), width, torch.zeros_like(width))
    d1 = da + db - 3 * (fa - fb) / torch.where(width == 0, torch.ones_like(width), -width)
    radicand = d1 * d1 - da * db
    d2 = radicand.clamp(min=0).sqrt()
    denominator = db - da + 2 * d2
    step = (db + d2 - d1) / torch.where(denominator == 0, torch.ones_like(denominator), denominator)
    t = b - width * step
    t = torch.where((radicand < 0) | (denominator == 0) | ~torch.isfinite(t), a + width / 2, t)
    return torch.minimum(torch.maximum(t, a + 0.1 * width), b - 0.1 * width)
