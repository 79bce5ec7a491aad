"""Optimal stimuli and their invariances: the sphere optimum, the tangent Hessian, geodesic walks.

For a unit g: ℝⁿ → ℝ (n = every input value, in pixel space around a centre image or in the
decorrelated FFT parameter space) and the sphere ‖x‖ = r around the centre (after Berkes & Wiskott
2006; ALGORITHMS.md §2):

1. x⁺ = argmax_{‖x‖=r} g(x) by Riemannian L-BFGS ascent (retraction onto the sphere by
   renormalizing), polished if needed by truncated-CG Newton steps on Hessian-vector products
   (or first over the ball ‖x‖ ≤ r, ``method="ball"``). A positive curvature found in step 3 means
   a saddle: the ascent leaves it along that direction and climbs again;
2. the Hessian H = ∇²g(x⁺) as an operator (Hessian-vector products by double backprop), restricted
   to the tangent plane by a Householder basis B of x̂⊥, so the operator BᵀHB has no spurious
   eigenvalue along x̂; its extreme eigenpairs by Lanczos (scipy ``eigsh``);
3. geodesic curvatures κ = wᵀHw − ∇g(x⁺)ᵀx⁺ / r² (the second derivative of g along the great
   circle through x⁺ in direction w, per unit arc length). All κ ≤ 0 at a maximum; the most
   invariant direction has κ closest to 0, the least invariant the most negative κ;
4. walks φ(t) = cos t · x⁺ + sin t · r·w over [a, b], where g stays above c·g(x⁺).

Piecewise-linear networks (ReLU, max-pool) have a zero input Hessian almost everywhere: a warning
says so, and ``smooth=True`` runs steps 1–3 on a surrogate (ReLU → softplus(β), max-pool →
log-sum-exp pooling) made by `smooth`, a copy: your model is untouched, and g(x⁺) and the walks
are evaluated on it.

Example:
    >>> import fviz_widgets as fv
    >>> model = fv.zoo.shapes_cnn("softplus")
    >>> result = fv.invariance(model, "output:0", size=32, k=2, progress=False)
    >>> result.curvatures.shape, bool((result.curvatures <= 0).all())
    ((4,), True)
    >>> walk = result.walk("most", frames=16)
    >>> walk.images.shape
    (16, 32, 32, 3)
"""

from __future__ import annotations

import contextlib
import math
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from . import images as imaging
from . import params as params_module
from .hooks import INPUT, OUTPUT, capture
from .objectives import Objective, as_objective
from .modelstate import device_of, dtype_of, frozen, full_precision
from .preprocess import get_preprocess, input_shape
from .quadratic import ClosedForm, QuadraticForm
from .smooth import DEFAULT_BETA, piecewise_linear_modules
from .smooth import smooth as smooth_copy  # `invariance` has a parameter named smooth

__all__ = [
    "ClosedForm",
    "Convergence",
    "InvarianceResult",
    "QuadraticForm",
    "Walk",
    "invariance",
]

#: Default radius in pixel space: an RMS contrast of this much around the centre (r = 0.1·√n).
DEFAULT_RMS = 0.1
#: `dense=True` refuses inputs with more values than this (the Hessian would have n² entries).
DENSE_MAX_N = 8192

Vector = Union[np.ndarray, torch.Tensor, Sequence[float]]
Unit = Callable[[torch.Tensor], torch.Tensor]


# --- input spaces: flat coordinates x (relative to the centre) → images ---------------------------
class _HermitianEmbedding:
    """An isometry from ℝ^(C·H·W) onto the rfft2 half-spectra [C, H, W//2+1, 2] of real images.

    ``irfft2`` ignores part of a half-spectrum (the imaginary parts of self-conjugate entries, the
    anti-Hermitian part of columns 0 and W/2); those directions change no image and would show up
    as fake perfect invariances, so the parameter space keeps only the part that matters. Columns
    1 … W/2−1 map one to one; in columns 0 and W/2 a conjugate pair (k, H−k) is stored as
    (a ± ib)/√2 and a self-conjugate entry by its real part.
    """

    def __init__(self, c: int, h: int, w: int, device: torch.device) -> None:
        wr = w // 2 + 1
        special = {0} | ({w // 2} if w % 2 == 0 else set())
        first, first_w, second, second_w = [], [], [], []
        half = 1.0 / math.sqrt(2.0)

        def at(ch, row, col, part):
            return ((ch * h + row) * wr + col) * 2 + part

        def coordinate(a, weight_a, b=None, weight_b=0.0):
            first.append(a)
            first_w.append(weight_a)
            second.append(a if b is None else b)
            second_w.append(weight_b)

        for ch in range(c):
            for col in range(wr):
                for row in range(h):
                    if col not in special:
                        coordinate(at(ch, row, col, 0), 1.0)
                        coordinate(at(ch, row, col, 1), 1.0)
                        continue
                    partner = (-row) % h
                    if partner == row:
                        coordinate(at(ch, row, col, 0), 1.0)
                    elif row < partner:
                        coordinate(at(ch, row, col, 0), half, at(ch, partner, col, 0), half)
                        coordinate(at(ch, row, col, 1), half, at(ch, partner, col, 1), -half)
        self.n = len(first)
        self.size = c * h * wr * 2
        self.shape = (c, h, wr, 2)
        assert self.n == c * h * w
        self.first = torch.tensor(first, device=device)
        self.second = torch.tensor(second, device=device)
        self.first_w = torch.tensor(first_w, dtype=torch.float64, device=device)
        self.second_w = torch.tensor(second_w, dtype=torch.float64, device=device)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        """[B, n] coordinates → [B, C, H, W//2+1, 2] spectra."""
        fw, sw = self.first_w.to(x.dtype), self.second_w.to(x.dtype)
        out = torch.zeros(x.shape[0], self.size, dtype=x.dtype, device=x.device)
        out = out.index_add(1, self.first, x * fw).index_add(1, self.second, x * sw)
        return out.view(x.shape[0], *self.shape)

    def adjoint(self, spectrum: torch.Tensor) -> torch.Tensor:
        """[B, C, H, W//2+1, 2] → [B, n] (the inverse on valid half-spectra)."""
        s = spectrum.reshape(spectrum.shape[0], -1)
        fw, sw = self.first_w.to(s.dtype), self.second_w.to(s.dtype)
        return s[:, self.first] * fw + s[:, self.second] * sw


class _Space:
    """Flat coordinates x ∈ ℝⁿ, relative to the centre, and the images they stand for."""

    name = "flat"
    n: int
    shape: Tuple[int, int, int]

    def images(self, x: torch.Tensor) -> torch.Tensor:
        """[B, n] → [B, C, H, W] model inputs (or display values for flat units)."""
        raise NotImplementedError

    def display(self, x: torch.Tensor) -> np.ndarray:
        """[B, n] → float32 [B, H, W, C] in [0, 1]."""
        with torch.no_grad():
            return np.clip(imaging.to_hwc(self.images(x)), 0.0, 1.0)


class _PixelSpace(_Space):
    name = "pixel"

    def __init__(self, centre: torch.Tensor) -> None:
        self.centre = centre  # [1, C, H, W]
        self.shape = tuple(centre.shape[1:])
        self.n = centre.numel()

    def images(self, x: torch.Tensor) -> torch.Tensor:
        return self.centre.to(x.dtype) + x.view(-1, *self.shape)


class _ParamSpace(_Space):
    name = "param"

    def __init__(self, param: params_module.FFTParam, dtype: torch.dtype) -> None:
        self.param = param
        _, c, h, w = param.shape
        self.shape = (c, h, w)
        self.embedding = _HermitianEmbedding(c, h, w, param.spectrum.device)
        self.n = self.embedding.n
        with torch.no_grad():
            self.origin = self.embedding.adjoint(param.spectrum.detach().to(dtype))[0]

    def images(self, x: torch.Tensor) -> torch.Tensor:
        h, w = self.shape[1:]
        spectrum = self.embedding(self.origin.to(x.dtype) + x)
        scale = self.param.scale.to(x.dtype)
        raw = torch.fft.irfft2(torch.view_as_complex(spectrum.contiguous()) * scale, s=(h, w), norm="ortho")
        matrix = self.param.color_matrix
        if matrix is not None:
            raw = F.conv2d(raw, matrix.to(x.dtype)[:, :, None, None])
        return torch.sigmoid(raw)


class _FlatSpace(_Space):
    name = "flat"

    def __init__(self, centre: torch.Tensor, image_shape: Optional[Sequence[int]]) -> None:
        self.centre = centre  # [n]
        self.n = centre.numel()
        if image_shape is None:
            side = math.isqrt(self.n)
            image_shape = (1, side, side) if side * side == self.n else (1, 1, self.n)
        image_shape = tuple(int(s) for s in image_shape)
        if len(image_shape) != 3 or math.prod(image_shape) != self.n:
            raise ValueError(f"image_shape must be (C, H, W) with C·H·W = n = {self.n}, got {image_shape}")
        self.shape = image_shape

    def images(self, x: torch.Tensor) -> torch.Tensor:
        values = self.centre.to(x.dtype) + x
        scale = values.abs().max().clamp(min=1e-30)
        return (0.5 + 0.5 * values / scale).view(-1, *self.shape)


# --- units: g on batches of flat coordinates --------------------------------------------------------
class _Unit:
    """g(x) for flat coordinates, evaluated inside a `session` (hooks and model state held)."""

    description: str
    space: _Space
    dtype: torch.dtype
    device: torch.device

    @contextlib.contextmanager
    def session(self, surrogate: Optional[nn.Module] = None) -> Iterator[Callable[[torch.Tensor], torch.Tensor]]:
        raise NotImplementedError
        yield  # pragma: no cover


class _ModelUnit(_Unit):
    def __init__(self, model: nn.Module, objective: Objective, space: _Space) -> None:
        self.model, self.objective, self.space = model, objective, space
        self.description = repr(objective)
        self.dtype, self.device = dtype_of(model), device_of(model)

    @contextlib.contextmanager
    def session(self, surrogate=None):
        model = surrogate if surrogate is not None else self.model
        with torch.enable_grad(), frozen(model, warn=False), full_precision(), \
                capture(model, self.objective.layers) as run:
            def g(x: torch.Tensor) -> torch.Tensor:
                image = self.space.images(x)
                acts = run(image)
                acts[INPUT] = image
                value = self.objective(acts)
                if value.ndim != 1 or value.shape[0] != x.shape[0]:
                    raise ValueError(f"the objective {self.description} gave shape {tuple(value.shape)} "
                                     f"for a batch of {x.shape[0]}; it must give one value per item")
                return value

            yield g


class _CallableUnit(_Unit):
    def __init__(self, unit: Unit, space: _FlatSpace) -> None:
        self.unit, self.space = unit, space
        self.description = repr(unit) if isinstance(unit, (QuadraticForm, nn.Module)) else \
            getattr(unit, "__name__", type(unit).__name__)
        self.dtype, self.device = space.centre.dtype, space.centre.device

    @contextlib.contextmanager
    def session(self, surrogate=None):
        with torch.enable_grad():
            def g(x: torch.Tensor) -> torch.Tensor:
                value = torch.as_tensor(self.unit(self.space.centre + x))
                if value.ndim == 0 and x.shape[0] == 1:
                    value = value.view(1)
                value = value.reshape(value.shape[0], -1) if value.ndim > 1 else value
                if value.ndim == 2 and value.shape[1] == 1:
                    value = value[:, 0]
                if value.ndim != 1 or value.shape[0] != x.shape[0]:
                    raise ValueError(f"the unit must map a batch [B, n] to [B] values, got {tuple(value.shape)} "
                                     f"for B = {x.shape[0]}")
                return value

            yield g


def _values(g: Callable, x: torch.Tensor, chunk: int = 32) -> torch.Tensor:
    """g on the rows of x without gradients, in chunks."""
    with torch.no_grad():
        return torch.cat([g(x[i:i + chunk]).detach() for i in range(0, x.shape[0], chunk)])


def _value_grad(g: Callable, x: torch.Tensor) -> Tuple[float, torch.Tensor]:
    x = x.detach().clone().requires_grad_(True)
    value = g(x[None])[0]
    if not value.requires_grad:
        return value.item(), torch.zeros_like(x)
    (grad,) = torch.autograd.grad(value, x, allow_unused=True)
    return value.item(), (torch.zeros_like(x) if grad is None else grad.detach())


class _SecondOrder:
    """Value, gradient and Hessian-vector products of g at one point (double backprop)."""

    def __init__(self, g: Callable, x: torch.Tensor) -> None:
        self.x = x.detach().clone().requires_grad_(True)
        value = g(self.x[None])[0]
        self.value = value.item()
        self.hvps = 0
        if not value.requires_grad:
            self.grad_graph, self.grad = None, torch.zeros_like(self.x).detach()
        else:
            (grad,) = torch.autograd.grad(value, self.x, create_graph=True, allow_unused=True)
            grad = torch.zeros_like(self.x) if grad is None else grad
            self.grad_graph = grad if grad.requires_grad else None
            self.grad = grad.detach()
        self.vanishes = self.grad_graph is None  # g is linear here: H = 0 exactly

    def hvp(self, v: torch.Tensor) -> torch.Tensor:
        self.hvps += 1
        if self.grad_graph is None:
            return torch.zeros_like(v)
        (h,) = torch.autograd.grad(self.grad_graph, self.x, grad_outputs=v.to(self.x.dtype),
                                   retain_graph=True, allow_unused=True)
        return torch.zeros_like(v) if h is None else h.detach()

    def hvps_batched(self, vs: torch.Tensor) -> torch.Tensor:
        """H @ each row of vs [m, n]."""
        if self.grad_graph is None:
            self.hvps += vs.shape[0]
            return torch.zeros_like(vs)
        try:
            (h,) = torch.autograd.grad(self.grad_graph, self.x, grad_outputs=vs.to(self.x.dtype),
                                       retain_graph=True, is_grads_batched=True, allow_unused=True)
            self.hvps += vs.shape[0]
            return torch.zeros_like(vs) if h is None else h.detach()
        except (RuntimeError, NotImplementedError):  # an op without a batching rule
            return torch.stack([self.hvp(v) for v in vs])


# --- step 1: the optimum on the sphere --------------------------------------------------------------
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


class _Record:
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


def _riemannian(grad: torch.Tensor, x: torch.Tensor, r: float) -> torch.Tensor:
    return grad - (grad @ x) / r**2 * x


def _relative(rg: torch.Tensor, grad: torch.Tensor) -> float:
    norm = grad.norm().item()
    return rg.norm().item() / norm if norm > 0 else 0.0


def _retract(x: torch.Tensor, r: float) -> torch.Tensor:
    return x * (r / x.norm())


_Climb = Tuple[torch.Tensor, float, torch.Tensor, bool, str]  # x, g(x), ∇g(x), converged, message


def _ascent(g, x, r, steps, gtol, record, phase="ascent", ball=False) -> _Climb:
    """Gradient ascent on the sphere (or the ball) with Barzilai–Borwein steps and a nonmonotone
    Armijo line search; where g's rounding hides the increase, a step is accepted by the slope
    at its end (the approximate Wolfe test of Hager & Zhang). Returns (x, g(x), ∇g(x), converged,
    message)."""
    project = (lambda y: y * min(1.0, r / max(y.norm().item(), 1e-300))) if ball else (lambda y: _retract(y, r))
    eps = torch.finfo(x.dtype).eps

    def ascent_direction(x, grad):
        on_sphere = not ball or (x.norm().item() >= r * (1 - 1e-9) and (grad @ x).item() > 0)
        return _riemannian(grad, x, r) if on_sphere else grad

    value, grad = _value_grad(g, x)
    record.evaluations += 1
    recent = [value]
    alpha = None
    previous = None
    for _ in range(steps):
        rg = ascent_direction(x, grad)
        residual = _relative(rg, grad)
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
        reference = min(recent[-10:])
        noise = 64 * eps * max(abs(value), 1e-30)
        slope = norm**2
        for _ in range(40):
            candidate = project(x + alpha * rg)
            new_value, new_grad = _value_grad(g, candidate)
            record.evaluations += 1
            if math.isfinite(new_value):
                if new_value >= reference + 1e-4 * ((candidate - x) @ rg).item():
                    break
                end_slope = (ascent_direction(candidate, new_grad) @ rg).item()
                if abs(new_value - value) <= noise and end_slope >= -0.8 * slope:
                    break
            alpha /= 2
        else:
            return x, value, grad, False, "line search failed (at the precision of g)"
        previous = (x, rg)
        x, value, grad = candidate, new_value, new_grad
        recent.append(value)
    rg = ascent_direction(x, grad)
    return x, value, grad, _relative(rg, grad) <= gtol, f"stopped after {steps} steps"


def _sphere_lbfgs(g, x, r, steps, gtol, record, memory: int = 10) -> _Climb:
    """Riemannian L-BFGS ascent on the sphere: the two-loop recursion on tangent vectors (stored
    pairs carried along by projection onto the current tangent plane), retraction by
    renormalizing, Armijo backtracking with the same rounding-aware fallback as `_ascent`."""
    eps = torch.finfo(x.dtype).eps
    value, grad = _value_grad(g, x)
    record.evaluations += 1
    pairs: List[Tuple[torch.Tensor, torch.Tensor]] = []  # (s, y) for f = −g, tangent at x
    for _ in range(steps):
        unit = x / r
        rg = grad - (grad @ unit) * unit
        residual = _relative(rg, grad)
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
        noise = 64 * eps * max(abs(value), 1e-30)
        step = 1.0
        for _ in range(40):
            candidate = _retract(x + step * d, r)
            new_value, new_grad = _value_grad(g, candidate)
            record.evaluations += 1
            if math.isfinite(new_value):
                if new_value >= value + 1e-4 * step * slope:
                    break
                end_unit = candidate / r
                end_slope = ((new_grad - (new_grad @ end_unit) * end_unit) @ d).item()
                if abs(new_value - value) <= noise and end_slope >= -0.8 * slope:
                    break
            step /= 2
        else:
            return x, value, grad, False, "line search failed (at the precision of g)"
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
    rg = _riemannian(grad, x, r)
    return x, value, grad, _relative(rg, grad) <= gtol, f"stopped after {steps} steps"


def _steihaug(apply, b: torch.Tensor, radius: float, maxiter: int, tol: float) -> torch.Tensor:
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


def _newton(g, x, r, steps, cg_steps, gtol, record) -> Tuple[torch.Tensor, float, bool, str]:
    """Riemannian Newton steps (truncated CG on the tangent Hessian) to polish x⁺."""
    message = "converged"
    eps = torch.finfo(x.dtype).eps
    for _ in range(steps):
        second = _SecondOrder(g, x)
        record.evaluations += 1
        grad, value = second.grad, second.value
        unit = x / r
        lam = (grad @ x).item() / r**2
        rg = grad - (grad @ unit) * unit
        residual = _relative(rg, grad)
        record.step("newton", value, residual)
        if residual <= gtol or rg.norm().item() == 0.0:
            record.hvps += second.hvps
            return x, value, True, "converged"

        def minus_hessian(v):  # −(Riemannian Hessian) on tangent vectors
            hv = second.hvp(v)
            return lam * v - (hv - (hv @ unit) * unit)

        norm = rg.norm().item()
        noise = 8 * eps * max(abs(value), 1e-30)  # a Newton step may lose what g's rounding hides
        tol = min(0.1, math.sqrt(residual)) * norm
        step = _steihaug(minus_hessian, rg, 0.5 * r, cg_steps, tol)
        record.hvps += second.hvps
        step = step - (step @ unit) * unit
        for _ in range(8):
            candidate = _retract(x + step, r)
            with torch.no_grad():
                new_value = g(candidate[None])[0].item()
            record.evaluations += 1
            if math.isfinite(new_value) and new_value >= value - noise:
                break
            step = step / 4
        else:
            return x, value, False, "Newton step did not improve g (at the precision of g)"
        x = candidate
    final = _value_grad(g, x)
    record.evaluations += 1
    residual = _relative(_riemannian(final[1], x, r), final[1])
    record.step("newton", final[0], residual)
    return x, final[0], residual <= gtol, message if residual <= gtol else f"stopped after {steps} Newton steps"


# --- step 2: the tangent spectrum --------------------------------------------------------------------
class _Householder:
    """B, an orthonormal basis of x̂⊥: B v = U [v; 0] with U the reflection taking e_n to ∓x̂."""

    def __init__(self, unit: np.ndarray) -> None:
        self.n = unit.size
        s = 1.0 if unit[-1] >= 0 else -1.0
        self.u = unit.astype(np.float64).copy()
        self.u[-1] += s
        self.scale = 2.0 / (self.u @ self.u)

    def reflect(self, y: np.ndarray) -> np.ndarray:
        if y.ndim == 1:
            return y - (self.scale * (self.u @ y)) * self.u
        return y - np.outer(self.u, self.scale * (self.u @ y))

    def expand(self, v: np.ndarray) -> np.ndarray:
        """B v for v [n−1] or [n−1, m]."""
        pad = np.zeros((1,) + v.shape[1:]) if v.ndim > 1 else np.zeros(1)
        return self.reflect(np.concatenate([v, pad]))

    def restrict(self, y: np.ndarray) -> np.ndarray:
        """Bᵀ y."""
        return self.reflect(y)[:-1]


def _tangent_spectrum(second: _SecondOrder, x: torch.Tensor, r: float, k: int, dense: bool,
                      tol: float, maxiter: Optional[int], seed: int, bar) -> Tuple[np.ndarray, np.ndarray, str]:
    """(raw eigenvalues μ̃ ascending, directions [m, n], "lanczos" | "dense"): k from each end."""
    from scipy.sparse.linalg import ArpackNoConvergence, LinearOperator, eigsh

    n = x.numel()
    m = n - 1
    basis = _Householder((x / r).detach().cpu().double().numpy())
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
            return np.zeros(want), _signed(basis.expand(vectors).T), "lanczos"
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
    return raw, _signed(basis.expand(vectors).T), how


def _signed(directions: np.ndarray) -> np.ndarray:
    """Unit rows with a fixed sign (the largest-magnitude entry positive)."""
    directions = directions / np.linalg.norm(directions, axis=1, keepdims=True)
    peaks = directions[np.arange(len(directions)), np.abs(directions).argmax(1)]
    return directions * np.where(peaks < 0, -1.0, 1.0)[:, None]


# --- step 4: walks -----------------------------------------------------------------------------------
@dataclass
class Walk:
    """A geodesic walk φ(t) = cos t · x⁺ + sin t · r·w for t in [a, b].

    Attributes:
        t: the frame times [F] (radians, from a to b). a, b: where g(φ(t)) crosses c·g(x⁺) (∓π/2
            when it never does on that side). values: g(φ(t)) per frame (alias `g`).
        images: float32 [F, H, W, C] in [0, 1], ready to show. points: φ(t) [F, n] (coordinates
            relative to the centre; the exact inputs).
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

    def save(self, path: Union[str, Path], fps: float = 12.0, scale: int = 1, loop: bool = True) -> Path:
        """Write the walk as an animated GIF or an MP4 (by the file name's extension).

        MP4 needs imageio-ffmpeg: ``pip install 'fviz_widgets[video]'``.

        Example:
            >>> walk.save("walk.gif", fps=12, scale=4)   # doctest: +SKIP
        """
        import imageio.v3 as iio

        path = Path(path)
        suffix = path.suffix.lower()
        path.parent.mkdir(parents=True, exist_ok=True)
        frames = self.frames(scale)
        if suffix == ".gif":
            iio.imwrite(path, frames, extension=".gif", duration=1000.0 / fps, loop=0 if loop else 1)
        elif suffix in (".mp4", ".m4v", ".mov"):
            try:
                import imageio_ffmpeg  # noqa: F401
            except ImportError:
                raise ImportError("saving a walk as MP4 needs imageio-ffmpeg: "
                                  "pip install 'fviz_widgets[video]' (or pip install imageio-ffmpeg)") from None
            import imageio.v2 as iio2

            h, w = frames.shape[1:3]
            frames = np.pad(frames, ((0, 0), (0, h % 2), (0, w % 2), (0, 0)), mode="edge")  # yuv420p
            iio2.mimwrite(path, list(frames), format="FFMPEG", fps=fps, macro_block_size=1)
        else:
            raise ValueError(f"cannot save a walk as {suffix or 'a file without extension'}: use .gif or .mp4")
        return path

    def _repr_png_(self) -> bytes:
        pick = np.unique(np.linspace(0, len(self.images) - 1, min(len(self.images), 12)).round().astype(int))
        return imaging.encode(imaging.grid(self.images[pick], columns=len(pick)))


def _crossing(h: Callable[[np.ndarray], np.ndarray], side: float, scan: int, xtol: float) -> float:
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


# --- the result ----------------------------------------------------------------------------------------
@dataclass
class InvarianceResult:
    """What `invariance` found.

    Attributes:
        x_plus: the optimal stimulus as flat coordinates [n] relative to the centre, ‖x_plus‖ = radius
            (pixel space: pixel offsets from the centre image; param space: spectrum coordinates).
        image: x⁺ as an image, float32 [H, W, C] in [0, 1]. g_plus: g(x⁺).
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
    image: np.ndarray
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
    _unit: _Unit = field(repr=False)

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
        space = self._unit.space
        dtype = self._unit.dtype
        x = torch.as_tensor(self.x_plus, dtype=torch.float64)
        w = torch.as_tensor(self.directions, dtype=torch.float64)
        with torch.no_grad():
            if isinstance(space, _FlatSpace):
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
            >>> walk = result.walk("least", c=0.7, frames=24)
            >>> walk.a < 0 < walk.b
            True
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
        unit, r = self._unit, self.radius
        x = torch.as_tensor(self.x_plus, dtype=unit.dtype, device=unit.device)
        wt = torch.as_tensor(w, dtype=unit.dtype, device=unit.device)

        def points(ts: np.ndarray) -> torch.Tensor:
            t = torch.as_tensor(ts, dtype=unit.dtype, device=unit.device)[:, None]
            return torch.cos(t) * x + torch.sin(t) * r * wt

        with unit.session() as g:
            def h(ts):
                return _values(g, points(ts)).cpu().double().numpy() - threshold

            a = _crossing(h, -1.0, scan, xtol)
            b = _crossing(h, 1.0, scan, xtol)
            ts = np.linspace(a, b, frames)
            pts = points(ts)
            values = _values(g, pts).cpu().double().numpy()
        return Walk(
            t=ts, images=self._unit.space.display(pts), values=values,
            points=pts.detach().cpu().double().numpy(), a=a, b=b, c=c, threshold=float(threshold),
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

    def _repr_png_(self) -> bytes:
        """Row 1: x⁺ and the most invariant directions; row 2: the least invariant directions."""
        changes = self.direction_images()
        blank = np.ones_like(self.image)
        top = [self.image] + [changes[i] for i in self._most_index()]
        bottom = [blank] + [changes[i] for i in self._least_index()]
        bottom += [blank] * (len(top) - len(bottom))
        return imaging.encode(imaging.grid(np.stack(top + bottom), columns=len(top)))


# --- the entry point --------------------------------------------------------------------------------
def _centre_image(model: nn.Module, center, size) -> torch.Tensor:
    device = device_of(model)
    channels = get_preprocess(model).channels
    if center is None:
        c, h, w = input_shape(model, size)
        return torch.full((1, c, h, w), 0.5, device=device)
    if isinstance(center, np.ndarray):
        image = torch.as_tensor(center, dtype=torch.float32)
        image = image.permute(2, 0, 1) if image.ndim == 3 else image.permute(0, 3, 1, 2)
    else:
        image = torch.as_tensor(center).detach().float()
    if image.ndim == 3:
        image = image.unsqueeze(0)
    if image.ndim != 4 or image.shape[0] != 1 or image.shape[1] != channels:
        raise ValueError(f"center must be one image [{channels}, H, W] (tensor) or [H, W, {channels}] (numpy), "
                         f"got shape {tuple(np.shape(center))}")
    return image.to(device)


def invariance(
    model: Union[nn.Module, Unit, None],
    objective_or_unit: Union[Objective, str, Unit, None] = None,
    *,
    space: str = "pixel",
    center: Union[torch.Tensor, np.ndarray, None] = None,
    radius: Optional[float] = None,
    size: Optional[Union[int, Tuple[int, int]]] = None,
    k: int = 4,
    seed: int = 0,
    smooth: Union[bool, float] = False,
    dense: bool = False,
    method: str = "sphere",
    init: Union[str, Vector] = "gradient",
    steps: int = 300,
    newton_steps: int = 10,
    cg_steps: int = 100,
    gtol: Optional[float] = None,
    tol: Optional[float] = None,
    maxiter: Optional[int] = None,
    decay: float = 1.0,
    n: Optional[int] = None,
    image_shape: Optional[Sequence[int]] = None,
    progress: bool = True,
) -> InvarianceResult:
    """The optimal stimulus of a unit on a sphere and its most and least invariant directions.

    Args:
        model, objective_or_unit: a network and what to analyse (an `fv.obj` objective or a string
            such as ``"conv3:5"``, ``"output:0"``); or, with ``model=None`` (or the unit alone as
            first argument), a plain callable unit on flat vectors, mapping [B, n] to [B] — e.g. a
            `QuadraticForm`.
        space: ``"pixel"``: x are pixel offsets from the centre image. ``"param"``: x are
            coordinates of the decorrelated FFT parameterization (`fv.param.fft`, sigmoid squash),
            restricted to the spectra of real images so that no coordinate is a dead direction.
            Flat units have their own space.
        center: pixel space: the centre image ([C, H, W] tensor or [H, W, C] numpy; default a
            mid-grey image of the model's input size, or `size`). Param space: the image the
            spectrum is centred on (default: the zero spectrum, also mid-grey). Flat units: a
            vector [n] (default 0).
        radius: r of the sphere. Default: 0.1·√n for images (an RMS contrast of 0.1 in pixel
            space), 1 for flat units.
        k: the number of most and of least invariant directions.
        seed: seeds the random start (when needed) and the Lanczos start vector.
        smooth: for piecewise-linear networks: find x⁺ and take the Hessian on the surrogate
            `smooth(model, β)` (True: β = 10; or give β); `g_plus` and walks still evaluate your
            network. (The curvature formula needs x⁺ to be a critical point, which the kinked
            maximum of a ReLU network is not.)
        dense: form the dense Hessian (n Hessian-vector products; only for n ≤ 8192) instead of
            Lanczos. Tiny problems (n − 1 < 2k + 2) always use it.
        method: ``"sphere"`` (Riemannian ascent) or ``"ball"`` (projected ascent over ‖x‖ ≤ r, then on
            the sphere if the ball's maximum lies inside).
        init: ``"gradient"`` (start at r·∇g(0)/‖∇g(0)‖, random if that is 0), ``"random"``, or a vector.
        steps, newton_steps, cg_steps: iterations of ascent, of Newton polishing, CG per Newton step.
        gtol: stop when ‖Riemannian gradient‖ ≤ gtol·‖∇g‖ (default 1e-10 in float64, 1e-5 in float32).
        tol, maxiter: Lanczos (``eigsh``) tolerance (default 1e-10 / 1e-5 by precision) and iterations.
        decay: the FFT parameterization's frequency decay (param space).
        n, image_shape: flat units: the dimension (when neither `center` nor ``unit.n`` says) and a
            (C, H, W) to show vectors as images (default: a square if n is one, else a 1-pixel strip).
        progress: a tqdm progress bar (counts evaluations and Hessian-vector products).

    Returns:
        an `InvarianceResult`; ``result.walk("most")`` makes a `Walk`.

    Example:
        >>> q = QuadraticForm.random(30, seed=0)
        >>> result = invariance(q, radius=2.0, k=3, progress=False)
        >>> exact = q.closed_form(2.0)
        >>> bool(np.allclose(result.x_plus, exact.x_plus, atol=1e-8))
        True
    """
    start = time.perf_counter()
    if k < 1:
        raise ValueError(f"k must be ≥ 1, got {k}")
    if method not in ("sphere", "ball"):
        raise ValueError(f"method must be 'sphere' or 'ball', got {method!r}")
    beta = (DEFAULT_BETA if smooth is True else float(smooth)) if smooth else None
    if beta is not None and not beta > 0:
        raise ValueError(f"smooth must be True or a positive β, got {smooth}")

    # --- the unit and its space ----------------------------------------------------------------
    if not isinstance(model, nn.Module) and model is not None and objective_or_unit is None:
        model, objective_or_unit = None, model
    surrogate = None
    flagged: List[str] = []
    if model is None:
        unit_fn = objective_or_unit
        if not callable(unit_fn) or isinstance(unit_fn, (Objective, str)):
            raise TypeError("without a model, pass a callable unit on flat vectors (e.g. a QuadraticForm)")
        if space not in ("pixel", "flat"):
            raise ValueError(f"space={space!r} needs a model; a plain unit works on flat vectors")
        if beta is not None:
            raise ValueError("smooth= applies to networks; a plain unit is used as it is")
        if center is not None:
            centre = torch.as_tensor(center).detach().flatten()
            centre = centre.double() if not centre.is_floating_point() else centre
        else:
            size_n = n if n is not None else getattr(unit_fn, "n", None)
            if size_n is None:
                raise ValueError("give the unit's dimension: n=..., center=..., or a unit with .n")
            centre = torch.zeros(int(size_n), dtype=torch.float64)
        if n is not None and centre.numel() != n:
            raise ValueError(f"n = {n} but center has {centre.numel()} values")
        unit: _Unit = _CallableUnit(unit_fn, _FlatSpace(centre, image_shape))
        default_radius = 1.0
    else:
        if not isinstance(model, nn.Module):
            raise TypeError(f"model must be an nn.Module (or None for a plain unit), got {type(model).__name__}")
        if objective_or_unit is None:
            raise TypeError("pass what to analyse: an objective such as fv.obj.channel('conv3', 5) or 'conv3:5'")
        objective = as_objective(objective_or_unit)
        if model.training:
            warnings.warn("model is in training mode; the invariance analysis runs it in eval mode "
                          "(its mode is restored afterwards)", stacklevel=2)
        dtype = dtype_of(model)
        if space == "pixel":
            the_space: _Space = _PixelSpace(_centre_image(model, center, size).to(dtype))
        elif space == "param":
            image = _centre_image(model, center, size)
            param = params_module.fft((1, *image.shape[1:]), decay=decay, decorrelate=True,
                                      init=image if center is not None else None, sd=0.0, device=image.device)
            the_space = _ParamSpace(param, dtype)
        else:
            raise ValueError(f"space must be 'pixel' or 'param', got {space!r}")
        unit = _ModelUnit(model, objective, the_space)
        default_radius = DEFAULT_RMS * math.sqrt(the_space.n)
        layers = sorted(objective.layers - {INPUT})
        flagged = piecewise_linear_modules(model, layers or [OUTPUT], size=the_space.shape[1:])
        if beta is None and flagged:
            shown = ", ".join(flagged[:6]) + (f", … ({len(flagged)} in all)" if len(flagged) > 6 else "")
            warnings.warn(
                f"the network is piecewise linear before {', '.join(layers) or 'the output'} ({shown}): its input "
                "Hessian vanishes almost everywhere, so every direction gets κ = −∇g(x⁺)ᵀx⁺/r². "
                "Pass smooth=True to take the Hessian of a smooth surrogate (ReLU → softplus, max-pool → "
                "log-sum-exp pooling).", stacklevel=2)
        if beta is not None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                surrogate = smooth_copy(model, beta)
    r = float(radius) if radius is not None else default_radius
    if not r > 0:
        raise ValueError(f"radius must be positive, got {radius}")
    dtype, device = unit.dtype, unit.device
    n_dim = unit.space.n
    if dense and n_dim > DENSE_MAX_N:
        raise ValueError(f"dense=True would form a {n_dim}×{n_dim} Hessian; use the default Lanczos "
                         f"(dense works up to n = {DENSE_MAX_N})")
    precise = dtype == torch.float64
    gtol = gtol if gtol is not None else (1e-10 if precise else 1e-5)
    tol = tol if tol is not None else (1e-10 if precise else 1e-5)

    from tqdm.auto import tqdm

    bar = tqdm(desc="invariance", disable=not progress, leave=False, unit="step")
    record = _Record(bar)
    used = method
    try:
        # --- step 1: x⁺ (on the surrogate, if any: the curvature formula needs a critical point) --
        with unit.session(surrogate) as g:
            zero = torch.zeros(n_dim, dtype=dtype, device=device)
            if isinstance(init, str):
                if init not in ("gradient", "random"):
                    raise ValueError(f"init must be 'gradient', 'random' or a vector, got {init!r}")
                direction = _value_grad(g, zero)[1] if init == "gradient" else zero
                record.evaluations += init == "gradient"
                if not direction.norm().item() > 0:
                    generator = torch.Generator().manual_seed(seed)
                    direction = torch.randn(n_dim, generator=generator, dtype=torch.float64)
                    direction = direction.to(dtype=dtype, device=device)
            else:
                direction = torch.as_tensor(np.asarray(init), dtype=dtype, device=device).flatten()
                if direction.numel() != n_dim or not direction.norm().item() > 0:
                    raise ValueError(f"init must be a nonzero vector of {n_dim} values")
            x = _retract(direction, r)
            if method == "ball":
                x, _, _, _, _ = _ascent(g, 0.5 * x, r, steps, gtol, record, phase="ball", ball=True)
                if x.norm().item() < r * (1 - 1e-6):
                    warnings.warn(f"the maximum over the ball lies inside it (‖x‖ = {x.norm().item() / r:.3g}·r); "
                                  "continuing on the sphere", stacklevel=2)
                    used = "sphere"
                    if not x.norm().item() > 0:
                        x = _retract(direction, r)
                x = _retract(x, r)
            escapes = 0
            seconds_spectrum = 0.0
            while True:
                x, value, grad, converged, message = _sphere_lbfgs(g, x, r, steps, gtol, record)
                if newton_steps > 0 and not converged:
                    x, value, converged, message = _newton(g, x, r, newton_steps, cg_steps, gtol, record)

                # --- steps 2-3: the tangent spectrum -----------------------------------------
                tick = time.perf_counter()
                bar.set_description("invariance: tangent Hessian")
                second = _SecondOrder(g, x)
                shift = (second.grad @ x).item() / r**2
                raw, directions, how = _tangent_spectrum(second, x, r, k, dense, tol, maxiter, seed, bar)
                record.hvps += second.hvps
                spectrum_hvps = second.hvps
                seconds_spectrum += time.perf_counter() - tick
                kappa = raw - shift
                saddle = kappa[-1] > (1e-8 if precise else 1e-3) * max(np.abs(kappa).max(), 1e-300)
                if saddle and escapes < 3:
                    # positive curvature: a saddle, not a maximum. Step off along that direction
                    # to the best point on its great circle and climb again.
                    w = torch.as_tensor(directions[-1], dtype=dtype, device=device)
                    ts = torch.linspace(-math.pi / 2, math.pi / 2, 33, dtype=dtype, device=device)[:, None]
                    ts = ts[ts[:, 0] != 0]
                    candidates = torch.cos(ts) * x + torch.sin(ts) * r * w
                    values = _values(g, candidates)
                    best = int(values.argmax())
                    if not values[best].item() > value:
                        break
                    escapes += 1
                    x = _retract(candidates[best], r)
                    record.step("escape", values[best].item(), float("nan"))
                    bar.set_description("invariance")
                    continue
                break
        if surrogate is not None:
            with unit.session() as g:
                value = _values(g, x[None]).item()
    finally:
        bar.close()
    if beta is None and (second.vanishes or not np.any(np.abs(raw) > 1e-7 * max(abs(shift), 1e-30))):
        warnings.warn("the input Hessian vanishes at x⁺ (every tangent eigenvalue is ≈ 0): g is (piecewise) "
                      "linear there and all directions have κ = −∇g(x⁺)ᵀx⁺/r²; try smooth=True", stacklevel=2)
    if saddle and converged:
        warnings.warn(f"positive curvature κ = {kappa[-1]:.3g} at x⁺: it is a saddle on the sphere, not a maximum, "
                      "and leaving it along that direction did not help; try another seed= or init=", stacklevel=2)
    residual = next((v for v in reversed(record.residuals) if not math.isnan(v)), 0.0)
    if not converged and residual > 1e-3:
        hint = " (or use smooth=True: the network is piecewise linear)" if flagged and beta is None else ""
        warnings.warn(f"the ascent to x⁺ stopped before converging ({message}; ‖Riemannian gradient‖/‖∇g‖ = "
                      f"{residual:.2g}): x⁺ is not a critical point on the sphere, so the curvatures are not "
                      f"those of a maximum; raise steps={hint}", stacklevel=2)
    end = time.perf_counter()
    convergence = Convergence(
        values=np.asarray(record.values), residuals=np.asarray(record.residuals), phases=tuple(record.phases),
        converged=bool(converged), message=message, evaluations=record.evaluations, hvps=record.hvps,
        seconds=end - start - seconds_spectrum,
    )
    x_np = x.detach().cpu().double().numpy()
    return InvarianceResult(
        x_plus=x_np, image=unit.space.display(x[None])[0], g_plus=float(value), radius=r, method=used,
        convergence=convergence, curvatures=raw - shift, directions=directions, raw_eigenvalues=raw,
        shift=float(shift), k=k, space=unit.space.name, shape=tuple(unit.space.shape),
        objective=unit.description, spectrum=how, smooth=beta, seed=seed,
        timing={"optimum": end - start - seconds_spectrum, "spectrum": seconds_spectrum, "seconds": end - start,
                "spectrum_hvps": spectrum_hvps},
        _unit=unit,
    )
