"""Step 1 of the invariance analysis: x⁺ = argmax g(x) on the sphere ‖x‖ = r.

Riemannian L-BFGS ascent (`sphere_lbfgs`, retraction by renormalizing), projected ascent over
the ball ‖x‖ ≤ r (`ascent` with ``ball=True``), and Riemannian Newton polishing on
Hessian-vector products (`newton`, truncated CG by `steihaug`).

Example:
    >>> import torch
    >>> from tqdm.auto import tqdm
    >>> g = lambda x: x[:, 0] + 0.5 * x[:, 1]            # a linear unit: x⁺ ∥ (1, 0.5)
    >>> record = AscentRecord(tqdm(disable=True))
    >>> x, value, grad, converged, message = sphere_lbfgs(g, torch.tensor([0.0, 1.0], dtype=torch.float64),
    ...                                                   1.0, 100, 1e-10, record)
    >>> converged, [round(v, 6) for v in x.tolist()]
    (True, [0.894427, 0.447214])
"""

from __future__ import annotations

import math
from typing import List, Optional, Tuple

import torch

from ..core.optim import wolfe_search
from .units import SecondOrder, value_grad

__all__ = ["AscentRecord", "Climb", "ascent", "curve_search", "newton", "relative_residual", "retract", "riemannian_gradient",
           "sphere_lbfgs", "steihaug"]


class AscentRecord:
    """g, the residual and the phase per iteration of the search for x⁺, and the evaluation counts
    (shown on a tqdm bar as it goes)."""

    def __init__(self, bar) -> None:
        self.values: List[float] = []
        self.residuals: List[float] = []
        self.phases: List[str] = []
        self.evaluations = 0
        self.hvps = 0
        self.bar = bar

    def step(self, phase: str, value: float, residual: float) -> None:
        self.values.append(value)
        self.residuals.append(residual)
        self.phases.append(phase)
        self.bar.update(1)
        if len(self.values) % 10 == 1:
            self.bar.set_postfix(phase=phase, g=f"{value:.4g}", residual=f"{residual:.1e}")


def riemannian_gradient(grad: torch.Tensor, x: torch.Tensor, r: float) -> torch.Tensor:
    return grad - (grad @ x) / r**2 * x


def relative_residual(rg: torch.Tensor, grad: torch.Tensor) -> float:
    norm = grad.norm().item()
    return rg.norm().item() / norm if norm > 0 else 0.0


def retract(x: torch.Tensor, r: float) -> torch.Tensor:
    return x * (r / x.norm())


Climb = Tuple[torch.Tensor, float, torch.Tensor, bool, str]  # x, g(x), ∇g(x), converged, message


def curve_search(g, x: torch.Tensor, d: torch.Tensor, slope: float, value: float, record: AscentRecord,
                 move, tangent, reference: Optional[float] = None, max_evals: int = 40) -> Optional[Tuple]:
    """A step along the curve t ↦ move(x + t·d), t ∈ (0, 1], that increases g enough: the package's
    weak Wolfe search (`fviz_widgets.core.optim.wolfe_search`) on f = −g, where the curve's slope
    at t is ``tangent(point, ∇g) · d``; `slope` = ∇g(x)·d > 0. With `reference` (a lower value of
    g than g(x)) the decrease condition is nonmonotone. Rounding-aware: where g's rounding hides
    the increase, a step is accepted by the slope at its end. Returns (point, g, ∇g) at the step,
    or None when no step was found."""
    eps = torch.finfo(x.dtype).eps
    tried = {}

    def phi(t: torch.Tensor):
        point = move(x + t.item() * d)
        new_value, new_grad = value_grad(g, point)
        record.evaluations += 1
        tried[t.item()] = (point, new_value, new_grad)
        end = (tangent(point, new_grad) @ d).item()
        return torch.tensor([-new_value], dtype=torch.float64), torch.tensor([-end], dtype=torch.float64)

    t, accepted, lo = wolfe_search(
        phi, torch.ones(1, dtype=torch.float64), torch.tensor([-value], dtype=torch.float64),
        torch.tensor([-slope], dtype=torch.float64), t_max=1.0, max_evals=max_evals,
        reference=None if reference is None else torch.tensor([-reference], dtype=torch.float64),
        noise=torch.tensor([64 * eps * max(abs(value), 1e-30)], dtype=torch.float64), approximate=True,
    )
    if bool(accepted[0]):
        return tried[t.item()]
    return tried.get(lo.item()) if lo.item() > 0 else None


def ascent(g, x, r, steps, gtol, record, phase="ascent", ball=False) -> Climb:
    """Gradient ascent on the sphere (or the ball) with Barzilai–Borwein steps and a nonmonotone
    line search (`curve_search`). Returns (x, g(x), ∇g(x), converged, message)."""
    project = (lambda y: y * min(1.0, r / max(y.norm().item(), 1e-300))) if ball else (lambda y: retract(y, r))

    def ascent_direction(x, grad):
        on_sphere = not ball or (x.norm().item() >= r * (1 - 1e-9) and (grad @ x).item() > 0)
        return riemannian_gradient(grad, x, r) if on_sphere else grad

    value, grad = value_grad(g, x)
    record.evaluations += 1
    recent = [value]
    alpha = None
    previous = None
    for _ in range(steps):
        rg = ascent_direction(x, grad)
        residual = relative_residual(rg, grad)
        record.step(phase, value, residual)
        norm = rg.norm().item()
        if residual <= gtol or norm == 0.0:
            return x, value, grad, True, "converged"
        if previous is not None:
            s, y = x - previous[0], rg - previous[1]
            sy = abs((s @ y).item())
            alpha = (s @ s).item() / sy if sy > 0 else 2 * alpha
        if alpha is None:
            alpha = 0.1 * r / norm
        alpha = min(alpha, r / norm)  # at most a step of length r (45°)
        found = curve_search(g, x, alpha * rg, alpha * norm**2, value, record, project, ascent_direction,
                             reference=min(recent[-10:]))
        if found is None:
            return x, value, grad, False, "line search failed (at the precision of g)"
        candidate, new_value, new_grad = found
        previous = (x, rg)
        x, value, grad = candidate, new_value, new_grad
        recent.append(value)
    rg = ascent_direction(x, grad)
    return x, value, grad, relative_residual(rg, grad) <= gtol, f"stopped after {steps} steps"


def sphere_lbfgs(g, x, r, steps, gtol, record, memory: int = 10) -> Climb:
    """Riemannian L-BFGS ascent on the sphere: the two-loop recursion on tangent vectors (stored
    pairs carried along by projection onto the current tangent plane), retraction by
    renormalizing, and the weak Wolfe search of `curve_search` (whose steps keep sᵀy > 0)."""
    value, grad = value_grad(g, x)
    record.evaluations += 1
    pairs: List[Tuple[torch.Tensor, torch.Tensor]] = []  # (s, y) for f = −g, tangent at x
    for _ in range(steps):
        unit = x / r
        rg = grad - (grad @ unit) * unit
        residual = relative_residual(rg, grad)
        record.step("ascent", value, residual)
        norm = rg.norm().item()
        if residual <= gtol or norm == 0.0:
            return x, value, grad, True, "converged"
        q = -rg
        history = []
        for s_, y_ in reversed(pairs):
            rho = 1.0 / (s_ @ y_).item()
            a = rho * (s_ @ q).item()
            q = q - a * y_
            history.append((a, rho, s_, y_))
        if pairs:
            s_, y_ = pairs[-1]
            z = q * ((s_ @ y_).item() / (y_ @ y_).item())
        else:
            z = q * (0.1 * r / norm)
        for a, rho, s_, y_ in reversed(history):
            z = z + s_ * (a - rho * (y_ @ z).item())
        d = -z
        d = d - (d @ unit) * unit
        slope = (d @ rg).item()
        if not slope > 0:  # not an ascent direction: forget the history
            pairs.clear()
            d = rg * (0.1 * r / norm)
            slope = (d @ rg).item()
        length = d.norm().item()
        if length > r:  # at most a step of length r (45°)
            d = d * (r / length)
            slope *= r / length
        found = curve_search(g, x, d, slope, value, record, lambda y: retract(y, r),
                             lambda point, grad: grad - (grad @ point) / r**2 * point)
        if found is None:
            return x, value, grad, False, "line search failed (at the precision of g)"
        candidate, new_value, new_grad = found
        new_unit = candidate / r

        def carry(v):
            return v - (v @ new_unit) * new_unit

        s_new = carry(candidate - x)
        y_new = -(carry(new_grad) - carry(rg))
        carried = []
        for s_, y_ in pairs[-(memory - 1):] if memory > 1 else []:
            s_, y_ = carry(s_), carry(y_)
            if (s_ @ y_).item() > 0:
                carried.append((s_, y_))
        if (s_new @ y_new).item() > 1e-12 * s_new.norm().item() * y_new.norm().item():
            carried.append((s_new, y_new))
        pairs = carried
        x, value, grad = candidate, new_value, new_grad
    rg = riemannian_gradient(grad, x, r)
    return x, value, grad, relative_residual(rg, grad) <= gtol, f"stopped after {steps} steps"


def steihaug(apply, b: torch.Tensor, radius: float, maxiter: int, tol: float) -> torch.Tensor:
    """Approximately solve A z = b (A symmetric, positive definite near a maximum) by CG, stopping at
    the trust radius or at negative curvature (Steihaug–Toint)."""
    z = torch.zeros_like(b)
    res = b.clone()
    p = res.clone()
    rr = (res @ res).item()

    def to_boundary(z, p):
        pp, zp, zz = (p @ p).item(), (z @ p).item(), (z @ z).item()
        tau = (-zp + math.sqrt(max(zp**2 + pp * (radius**2 - zz), 0.0))) / pp
        return z + tau * p

    for _ in range(maxiter):
        ap = apply(p)
        pap = (p @ ap).item()
        if pap <= 0:
            return to_boundary(z, p)
        step = rr / pap
        if (z + step * p).norm().item() >= radius:
            return to_boundary(z, p)
        z = z + step * p
        res = res - step * ap
        new_rr = (res @ res).item()
        if math.sqrt(new_rr) <= tol:
            break
        p = res + (new_rr / rr) * p
        rr = new_rr
    return z


def newton(g, x, r, steps, cg_steps, gtol, record) -> Tuple[torch.Tensor, float, bool, str]:
    """Riemannian Newton steps (truncated CG on the tangent Hessian) to polish x⁺."""
    message = "converged"
    for _ in range(steps):
        second = SecondOrder(g, x)
        record.evaluations += 1
        grad, value = second.grad, second.value
        unit = x / r
        lam = (grad @ x).item() / r**2
        rg = grad - (grad @ unit) * unit
        residual = relative_residual(rg, grad)
        record.step("newton", value, residual)
        if residual <= gtol or rg.norm().item() == 0.0:
            record.hvps += second.hvps
            return x, value, True, "converged"

        def minus_hessian(v):  # −(Riemannian Hessian) on tangent vectors
            hv = second.hvp(v)
            return lam * v - (hv - (hv @ unit) * unit)

        tol = min(0.1, math.sqrt(residual)) * rg.norm().item()
        step = steihaug(minus_hessian, rg, 0.5 * r, cg_steps, tol)
        record.hvps += second.hvps
        step = step - (step @ unit) * unit
        slope = (rg @ step).item()
        found = None
        if slope > 0:
            found = curve_search(g, x, step, slope, value, record, lambda y: retract(y, r),
                                 lambda point, grad: grad - (grad @ point) / r**2 * point, max_evals=8)
        if found is None:
            return x, value, False, "Newton step did not improve g (at the precision of g)"
        x = found[0]
    final = value_grad(g, x)
    record.evaluations += 1
    residual = relative_residual(riemannian_gradient(final[1], x, r), final[1])
    record.step("newton", final[0], residual)
    return x, final[0], residual <= gtol, message if residual <= gtol else f"stopped after {steps} Newton steps"
