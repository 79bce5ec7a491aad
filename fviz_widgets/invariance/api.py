"""Optimal stimuli and their invariances: `invariance` for a network's objective, `unit_invariance`
for a plain function on vectors (after Berkes & Wiskott 2006; ALGORITHMS.md §2).

For a unit g: ℝⁿ → ℝ (n = every input value, in pixel space around a center image or in the
decorrelated FFT parameter space) and the sphere ‖x‖ = r around the center:

1. x⁺ = argmax_{‖x‖=r} g(x) (`sphere`): Riemannian L-BFGS ascent, polished by Newton steps on
   Hessian-vector products (or first over the ball ‖x‖ ≤ r, ``method="ball"``). A positive
   curvature found in step 3 means a saddle: the ascent leaves it along that direction and climbs
   again;
2. the Hessian H = ∇²g(x⁺) as an operator restricted to the tangent plane, and its extreme
   eigenpairs by Lanczos (`spectrum`);
3. geodesic curvatures κ = wᵀHw − ∇g(x⁺)ᵀx⁺ / r². All κ ≤ 0 at a maximum; the most invariant
   direction has κ closest to 0, the least invariant the most negative κ;
4. walks φ(t) = cos t · x⁺ + sin t · r·w over [a, b], where g stays above c·g(x⁺) (`walks`).

Piecewise-linear networks (ReLU, max-pool) have a zero input Hessian almost everywhere: a warning
says so, and ``smooth=True`` runs steps 1–3 on a surrogate (ReLU → softplus(β), max-pool →
log-sum-exp pooling), a copy: your model is untouched, and g(x⁺) and the walks are evaluated on it.

Example:
    >>> import fviz_widgets as fv
    >>> result = fv.invariance(fv.zoo.shapes_cnn("softplus"), "output:0", size=32, k=2, progress=False)
    >>> result.curvatures.shape, bool((result.curvatures <= 0).all())
    ((4,), True)
    >>> result.walk("most", frames=16).images.shape
    (16, 32, 32, 3)
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass
from typing import Any, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from torch import nn

from .. import params
from ..core.capture import INPUT, OUTPUT
from ..core.smooth import DEFAULT_BETA, piecewise_linear_modules
from ..core.smooth import smooth as smooth_copy
from ..core.validate import positive_int, positive_number, seed_value
from ..objectives import Objective, as_objective
from .result import Convergence, InvarianceResult, Vector
from .spaces import FlatSpace, ParamSpace, PixelSpace, Space, center_image
from .spectrum import tangent_spectrum
from .sphere import AscentRecord, ascent, newton, retract, sphere_lbfgs
from .units import CallableUnit, ModelUnit, SecondOrder, Unit, UnitFunction, value_grad, values, working_dtype

__all__ = ["DEFAULT_RMS", "DENSE_MAX_N", "InvarianceOptions", "invariance", "unit_invariance"]

#: Default radius in pixel space: an RMS contrast of this much around the center (r = 0.1·√n).
DEFAULT_RMS = 0.1
#: `dense=True` refuses inputs with more values than this (the Hessian would have n² entries).
DENSE_MAX_N = 8192


@dataclass(frozen=True)
class InvarianceOptions:
    """How the analysis searches x⁺ and computes the spectrum; the defaults suit most units.

    Attributes:
        method: ``"sphere"`` (Riemannian ascent) or ``"ball"`` (projected ascent over ‖x‖ ≤ r, then
            on the sphere if the ball's maximum lies inside).
        init: ``"gradient"`` (start at r·∇g(0)/‖∇g(0)‖, random if that is 0), ``"random"``, or a vector.
        newton_steps, cg_steps: Newton polishing steps, and CG iterations per Newton step.
        gtol: stop when ‖Riemannian gradient‖ ≤ gtol·‖∇g‖ (default 1e-10 in float64, 1e-5 in float32).
        dense: form the dense Hessian (n Hessian-vector products; only for n ≤ 8192) instead of
            Lanczos. Tiny problems (n − 1 < 2k + 2) always use it.
        tol, maxiter: Lanczos (``eigsh``) tolerance (default 1e-10 / 1e-5 by precision) and iterations.
        decay: the FFT parameterization's frequency decay (``space="param"``).

    Example:
        >>> InvarianceOptions(method="ball", dense=True).method
        'ball'
    """

    method: str = "sphere"
    init: Union[str, Vector] = "gradient"
    newton_steps: int = 10
    cg_steps: int = 100
    gtol: Optional[float] = None
    dense: bool = False
    tol: Optional[float] = None
    maxiter: Optional[int] = None
    decay: float = 1.0

    def __post_init__(self) -> None:
        if self.method not in ("sphere", "ball"):
            raise ValueError(f"method must be 'sphere' or 'ball', got {self.method!r}")
        if isinstance(self.init, str) and self.init not in ("gradient", "random"):
            raise ValueError(f"init must be 'gradient', 'random' or a vector, got {self.init!r}")


def invariance(
    model: nn.Module,
    objective: Union[Objective, str, None] = None,
    *,
    space: str = "pixel",
    center: Any = None,
    radius: Optional[float] = None,
    size: Optional[Union[int, Tuple[int, int]]] = None,
    k: int = 4,
    smooth: Union[bool, float] = False,
    seed: int = 0,
    steps: int = 300,
    progress: bool = True,
    options: Optional[InvarianceOptions] = None,
) -> InvarianceResult:
    """The optimal stimulus of a network's unit on a sphere and its most and least invariant directions.

    Args:
        model, objective: the network and what to analyse: an `fv.obj` objective or a string such
            as ``"conv3:5"``, ``"output:0"``.
        space: ``"pixel"``: x are pixel offsets from the center image. ``"param"``: x are
            coordinates of the decorrelated FFT parameterization (`fv.param.fft`, sigmoid squash),
            restricted to the spectra of real images so that no coordinate is a dead direction.
        center: the image the sphere is centered on (one image, any form `fv.core.as_images`
            takes; default a mid-grey image of the model's input size, or `size`).
        radius: r of the sphere (default 0.1·√n: an RMS contrast of 0.1 in pixel space).
        k: the number of most and of least invariant directions.
        smooth: for piecewise-linear networks: find x⁺ and take the Hessian on the surrogate
            `fv.core.smooth.smooth(model, β)` (True: β = 10; or give β); `g_plus` and walks still
            evaluate your network. (The curvature formula needs x⁺ to be a critical point, which
            the kinked maximum of a ReLU network is not.)
        seed: seeds the random start (when needed) and the Lanczos start vector.
        steps: ascent iterations for x⁺.
        progress: a tqdm progress bar (counts evaluations and Hessian-vector products).
        options: the search and spectrum settings (`InvarianceOptions`).

    Returns:
        an `InvarianceResult`; ``result.walk("most")`` makes a `Walk`.

    Example:
        >>> import fviz_widgets as fv
        >>> result = fv.invariance(fv.zoo.shapes_cnn("softplus"), "conv3:5", size=32, k=1, progress=False)
        >>> result.image.shape, result.most_invariant.shape
        ((32, 32, 3), (1, 3072))
    """
    if not isinstance(model, nn.Module):
        unit = model if objective is None else objective if model is None else None
        if callable(unit) and not isinstance(unit, (Objective, str)):
            warnings.warn("fv.invariance(unit, ...) for a plain unit is deprecated; use fv.unit_invariance(unit, ...)",
                          DeprecationWarning, stacklevel=2)
            return unit_invariance(unit, **_unit_arguments(center, radius, k, seed, steps, progress, options))
        raise TypeError(f"model must be an nn.Module, got {type(model).__name__}")
    if objective is None:
        raise TypeError("pass what to analyse: an objective such as fv.obj.channel('conv3', 5) or 'conv3:5'")
    options = options or InvarianceOptions()
    beta = _beta(smooth)
    objective = as_objective(objective)
    if model.training:
        warnings.warn("model is in training mode; the invariance analysis runs it in eval mode "
                      "(its mode is restored afterwards)", stacklevel=2)
    image = center_image(model, center, size).to(working_dtype(model))
    if space == "pixel":
        the_space: Space = PixelSpace(image)
    elif space == "param":
        param = params.fft((1, *image.shape[1:]), decay=options.decay, decorrelate=True,
                           init=image if center is not None else None, sd=0.0, device=image.device)
        the_space = ParamSpace(param, working_dtype(model))
    else:
        raise ValueError(f"space must be 'pixel' or 'param', got {space!r}")
    unit = ModelUnit(model, objective, the_space)
    layers = sorted(objective.layers - {INPUT})
    flagged = piecewise_linear_modules(model, layers or [OUTPUT], size=the_space.shape[1:])
    if beta is None and flagged:
        shown = ", ".join(flagged[:6]) + (f", … ({len(flagged)} in all)" if len(flagged) > 6 else "")
        warnings.warn(
            f"the network is piecewise linear before {', '.join(layers) or 'the output'} ({shown}): its input "
            "Hessian vanishes almost everywhere, so every direction gets κ = −∇g(x⁺)ᵀx⁺/r². "
            "Pass smooth=True to take the Hessian of a smooth surrogate (ReLU → softplus, max-pool → "
            "log-sum-exp pooling).", stacklevel=2)
    surrogate = None
    if beta is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            surrogate = smooth_copy(model, beta)
    r = DEFAULT_RMS * math.sqrt(the_space.n) if radius is None else radius
    return _analyse(unit, surrogate, r, k, seed, steps, progress, options, beta, flagged)


def unit_invariance(
    unit: UnitFunction,
    *,
    n: Optional[int] = None,
    center: Any = None,
    radius: float = 1.0,
    k: int = 4,
    seed: int = 0,
    steps: int = 300,
    progress: bool = True,
    image_shape: Optional[Sequence[int]] = None,
    options: Optional[InvarianceOptions] = None,
) -> InvarianceResult:
    """`invariance` for a plain unit on flat vectors: a callable mapping [B, n] to [B] (e.g. a
    `QuadraticForm`, whose closed form checks the answer).

    Args:
        unit: the function g.
        n: the dimension, when neither `center` nor ``unit.n`` says.
        center: the vector [n] the sphere is centered on (default 0).
        radius, k, seed, steps, progress, options: as in `invariance`.
        image_shape: a (C, H, W) to show vectors as images (default: a square if n is one, else a
            1-pixel strip).

    Example:
        >>> import numpy as np
        >>> from fviz_widgets import QuadraticForm
        >>> q = QuadraticForm.random(30, seed=0)
        >>> result = unit_invariance(q, radius=2.0, k=3, progress=False)
        >>> bool(np.allclose(result.x_plus, q.closed_form(2.0).x_plus, atol=1e-8))
        True
    """
    if isinstance(unit, (Objective, str, nn.Module)) or not callable(unit):
        raise TypeError("unit_invariance takes a callable unit on flat vectors (e.g. a QuadraticForm); "
                        "for a network use fv.invariance(model, objective)")
    if center is not None:
        vector = torch.as_tensor(np.asarray(center) if not isinstance(center, torch.Tensor) else center)
        vector = vector.detach().flatten()
        vector = vector.double() if not vector.is_floating_point() else vector
    else:
        size = n if n is not None else getattr(unit, "n", None)
        if size is None:
            raise ValueError("give the unit's dimension: n=..., center=..., or a unit with .n")
        vector = torch.zeros(int(size), dtype=torch.float64)
    if n is not None and vector.numel() != n:
        raise ValueError(f"n = {n} but center has {vector.numel()} values")
    if not torch.isfinite(vector).all():
        raise ValueError("center contains NaN or infinite values")
    return _analyse(CallableUnit(unit, FlatSpace(vector, image_shape)), None, radius, k, seed, steps, progress,
                    options or InvarianceOptions(), None, [])


def _unit_arguments(center, radius, k, seed, steps, progress, options) -> dict:
    return dict(center=center, radius=1.0 if radius is None else radius, k=k, seed=seed, steps=steps,
                progress=progress, options=options)


def _beta(smooth: Union[bool, float]) -> Optional[float]:
    if smooth is False or smooth is None:
        return None
    beta = DEFAULT_BETA if smooth is True else float(smooth)
    if not beta > 0:
        raise ValueError(f"smooth must be True or a positive β, got {smooth}")
    return beta


def _start(g, options: InvarianceOptions, r: float, n: int, dtype, device, seed: int, record: AscentRecord):
    """The first point on the sphere (and the direction it came from)."""
    zero = torch.zeros(n, dtype=dtype, device=device)
    if isinstance(options.init, str):
        direction = value_grad(g, zero)[1] if options.init == "gradient" else zero
        record.evaluations += options.init == "gradient"
        if not direction.norm().item() > 0:
            generator = torch.Generator().manual_seed(seed)
            direction = torch.randn(n, generator=generator, dtype=torch.float64).to(dtype=dtype, device=device)
    else:
        direction = torch.as_tensor(np.asarray(options.init), dtype=dtype, device=device).flatten()
        if direction.numel() != n or not direction.norm().item() > 0:
            raise ValueError(f"init must be a nonzero vector of {n} values")
    return retract(direction, r), direction


def _analyse(unit: Unit, surrogate: Optional[nn.Module], r: float, k: int, seed: int, steps: int, progress: bool,
             options: InvarianceOptions, beta: Optional[float], flagged: List[str]) -> InvarianceResult:
    """Steps 1–3 for `unit` on the sphere of radius `r` (x⁺ and the spectrum on the surrogate, if any)."""
    start = time.perf_counter()
    dtype, device, n = unit.dtype, unit.device, unit.space.n
    k = positive_int(k, "k")
    if 2 * k > n - 1:
        raise ValueError(f"k={k} asks for {2 * k} directions (k most and k least invariant) but the tangent plane of "
                         f"a sphere in ℝ^{n} has only n − 1 = {n - 1}; use k ≤ {(n - 1) // 2}")
    r = positive_number(r, "radius")
    steps = positive_int(steps, "steps", minimum=0)
    seed = seed_value(seed)
    if options.dense and n > DENSE_MAX_N:
        raise ValueError(f"dense=True would form a {n}×{n} Hessian; use the default Lanczos "
                         f"(dense works up to n = {DENSE_MAX_N})")
    precise = dtype == torch.float64
    gtol = options.gtol if options.gtol is not None else (1e-10 if precise else 1e-5)
    tol = options.tol if options.tol is not None else (1e-10 if precise else 1e-5)

    from tqdm.auto import tqdm

    bar = tqdm(desc="invariance", disable=not progress, leave=False, unit="step")
    record = AscentRecord(bar)
    used = options.method
    seconds_spectrum = 0.0
    try:
        # --- step 1: x⁺ (on the surrogate, if any: the curvature formula needs a critical point) ----
        with unit.session(surrogate) as g:
            x, direction = _start(g, options, r, n, dtype, device, seed, record)
            if options.method == "ball":
                x, _, _, _, _ = ascent(g, 0.5 * x, r, steps, gtol, record, phase="ball", ball=True)
                if x.norm().item() < r * (1 - 1e-6):
                    warnings.warn(f"the maximum over the ball lies inside it (‖x‖ = {x.norm().item() / r:.3g}·r); "
                                  "continuing on the sphere", stacklevel=3)
                    used = "sphere"
                    if not x.norm().item() > 0:
                        x = retract(direction, r)
                x = retract(x, r)
            escapes = 0
            while True:
                x, value, _, converged, message = sphere_lbfgs(g, x, r, steps, gtol, record)
                if options.newton_steps > 0 and not converged:
                    x, value, converged, message = newton(g, x, r, options.newton_steps, options.cg_steps, gtol,
                                                          record)
                # --- steps 2-3: the tangent spectrum and the curvatures -------------------------------
                tick = time.perf_counter()
                bar.set_description("invariance: tangent Hessian")
                second = SecondOrder(g, x)
                shift = (second.grad @ x).item() / r**2
                raw, directions, how = tangent_spectrum(second, x, r, k, options.dense, tol, options.maxiter, seed,
                                                        bar)
                record.hvps += second.hvps
                spectrum_hvps = second.hvps
                seconds_spectrum += time.perf_counter() - tick
                kappa = raw - shift
                saddle = kappa[-1] > (1e-8 if precise else 1e-3) * max(np.abs(kappa).max(), 1e-300)
                if not (saddle and escapes < 3):
                    break
                # positive curvature: a saddle, not a maximum. Step off along that direction to the
                # best point on its great circle and climb again.
                w = torch.as_tensor(directions[-1], dtype=dtype, device=device)
                ts = torch.linspace(-math.pi / 2, math.pi / 2, 33, dtype=dtype, device=device)[:, None]
                ts = ts[ts[:, 0] != 0]
                candidates = torch.cos(ts) * x + torch.sin(ts) * r * w
                found = values(g, candidates)
                best = int(found.argmax())
                if not found[best].item() > value:
                    break
                escapes += 1
                x = retract(candidates[best], r)
                record.step("escape", found[best].item(), float("nan"))
                bar.set_description("invariance")
        if surrogate is not None:
            with unit.session() as g:
                value = values(g, x[None]).item()
    finally:
        bar.close()
    _warn_about(second, raw, shift, kappa, saddle, converged, message, record, beta, flagged)
    end = time.perf_counter()
    convergence = Convergence(
        values=np.asarray(record.values), residuals=np.asarray(record.residuals), phases=tuple(record.phases),
        converged=bool(converged), message=message, evaluations=record.evaluations, hvps=record.hvps,
        seconds=end - start - seconds_spectrum,
    )
    return InvarianceResult(
        x_plus=x.detach().cpu().double().numpy(), images=unit.space.display(x[None]), g_plus=float(value),
        radius=r, method=used, convergence=convergence, curvatures=kappa, directions=directions,
        raw_eigenvalues=raw, shift=float(shift), k=k, space=unit.space.name, shape=tuple(unit.space.shape),
        objective=unit.description, spectrum=how, smooth=beta, seed=seed,
        timing={"optimum": end - start - seconds_spectrum, "spectrum": seconds_spectrum, "seconds": end - start,
                "spectrum_hvps": spectrum_hvps},
        unit=unit,
    )


def _warn_about(second: SecondOrder, raw: np.ndarray, shift: float, kappa: np.ndarray, saddle: bool,
                converged: bool, message: str, record: AscentRecord, beta: Optional[float], flagged: List[str]) -> None:
    """Say when the answer is not what it seems: a vanishing Hessian, a saddle, no convergence."""
    if beta is None and (second.vanishes or not np.any(np.abs(raw) > 1e-7 * max(abs(shift), 1e-30))):
        warnings.warn("the input Hessian vanishes at x⁺ (every tangent eigenvalue is ≈ 0): g is (piecewise) "
                      "linear there and all directions have κ = −∇g(x⁺)ᵀx⁺/r²; try smooth=True", stacklevel=4)
    if saddle and converged:
        warnings.warn(f"positive curvature κ = {kappa[-1]:.3g} at x⁺: it is a saddle on the sphere, not a maximum, "
                      "and leaving it along that direction did not help; try another seed= or init=", stacklevel=4)
    residual = next((v for v in reversed(record.residuals) if not math.isnan(v)), 0.0)
    if not converged and residual > 1e-3:
        hint = " (or use smooth=True: the network is piecewise linear)" if flagged and beta is None else ""
        warnings.warn(f"the ascent to x⁺ stopped before converging ({message}; ‖Riemannian gradient‖/‖∇g‖ = "
                      f"{residual:.2g}): x⁺ is not a critical point on the sphere, so the curvatures are not "
                      f"those of a maximum; raise steps={hint}", stacklevel=4)
