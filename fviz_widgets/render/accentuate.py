"""Feature accentuation: push an objective on a real image while staying near it.

Hamblin, Fel et al. (2024), "Feature Accentuation: Revealing 'What' Features Respond to in
Natural Images": seed 004's "optimization initialized with an example", made principled. The
image is parameterized as `fv.param.image` does (an FFT spectrum in decorrelated colour space),
starting *at* the photo, and the render maximizes

    strength · objective(x) − distance,    distance = 100 · ‖z − z₀‖² / ‖z₀‖²

under the usual random transforms, where z are the parameters and z₀ their value at the photo
(so the distance is the parameters' squared move in percent of their squared norm at the photo).
In the FFT parameterization a unit of distance buys a larger image change at low frequencies than
at high ones, so the changes favour coarse structure over pixel noise. `strength` sets the trade:
small values stay close to the photo, large ones drift toward a plain feature visualization. On
EfficientNet-Lite0 logits (order 10), 64 steps from the coffee photo toward "espresso" ended at
SSIM 0.97 to the photo for strength 0.01 (logit 10 → 17), 0.83 for 0.1 (→ 28) and 0.68 for 1
(→ 31). The result says how far each image moved (SSIM to the photo) against how much the
objective rose, along the way.

Example:
    >>> import fviz_widgets as fv
    >>> model = fv.zoo.shapes_cnn()
    >>> photo = fv.datasets.make_shapes(1, size=32, seed=0)[0]
    >>> out = fv.accentuate(model, "output:3", photo, steps=8, points=2, progress=False)
    >>> out.image.shape, out.ssim.shape, bool(out.objective[-1, 0] > out.objective[0, 0])
    ((1, 32, 32, 3), (3, 1), True)
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Callable, List, Optional, Sequence, Union

import numpy as np
import torch
from torch import nn

from .. import params as params_module
from ..core import images as imaging
from ..core.capture import INPUT, capture
from ..core.metrics import ssim
from ..core.model import device_of, dtype_of, frozen, get_preprocess
from ..core.validate import positive_int, positive_number
from ..objectives import Leaf, Objective, as_objective
from .api import render
from .result import RenderResult, Step

__all__ = ["Accentuation", "accentuate"]


@dataclass
class Accentuation:
    """What `accentuate` produced.

    Attributes:
        image: the accentuated images [N, H, W, C]; start: the photos they started from.
        steps: the steps of the trajectory (0 is the photo). trajectory: images at those steps
            [T, N, H, W, C].
        ssim: SSIM of each trajectory image to its photo [T, N] (1 = unchanged).
        objective: the objective of each trajectory image, without transforms [T, N].
        strength: the weight it ran with. result: the underlying `RenderResult`.
    """

    image: np.ndarray
    start: np.ndarray
    steps: List[int]
    trajectory: np.ndarray
    ssim: np.ndarray
    objective: np.ndarray
    strength: float
    result: RenderResult

    def __repr__(self) -> str:
        rise = self.objective[-1] - self.objective[0]
        return (f"Accentuation({len(self.start)} image{'s' * (len(self.start) != 1)}, strength={self.strength:g}: "
                f"objective +{float(np.mean(rise)):.3g}, SSIM to the photo {float(np.mean(self.ssim[-1])):.3f})")

    def show(self, size: float = 2.0):
        """The photo, the trajectory and the SSIM-vs-objective curve of each image; returns the figure."""
        from ..viz.figures import accentuation_figure

        return accentuation_figure(self, size=size)


def _distance(param: nn.Module) -> Leaf:
    """100 · ‖z − z₀‖² / ‖z₀‖² per batch item over the param's parameters (leading axis = item)."""
    start = [p.detach().clone() for p in param.parameters()]
    scale = torch.cat([s.flatten(1) for s in start], 1).pow(2).mean(1).clamp(min=1e-12)

    def compute(acts):
        moved = torch.cat([(p - s).flatten(1) for p, s in zip(param.parameters(), start)], 1)
        return 100.0 * moved.pow(2).mean(1) / scale.to(moved)

    return Leaf(compute, "distance()", [INPUT])


def _objective_values(model: nn.Module, objective: Objective, images: torch.Tensor) -> np.ndarray:
    with torch.no_grad(), frozen(model), capture(model, objective.layers) as run:
        acts = run(images)
        acts[INPUT] = images
        total, _ = objective.evaluate(acts)
    return total.detach().cpu().double().numpy()


def accentuate(
    model: nn.Module,
    objective: Union[Objective, str],
    image: Any,
    *,
    strength: float = 0.1,
    steps: int = 128,
    points: int = 8,
    param: str = "fft",
    lr: float = 0.05,
    transforms: Union[str, Sequence, Callable, None] = "standard",
    seed: int = 0,
    callback: Optional[Callable[[Step], None]] = None,
    stop: Optional[threading.Event] = None,
    progress: bool = True,
) -> Accentuation:
    """Accentuate `objective` on real images: optimize from the photo, regularized toward it.

    Args:
        model: any nn.Module (its `Preprocess` is applied, as in `render`).
        objective: an `fv.obj` objective or a string (``"output:967"``), one value per image.
        image: the photo(s), any form `fv.as_images` takes ([N, C, H, W], HWC arrays, PIL
            images), values in [0, 1], at the size to optimize (e.g. the model's input size).
        strength: the objective's weight against the distance (see the module docstring); the
            objective's own scale matters, so compare a few values (the notebook does).
        steps: Adam steps; points: trajectory images kept (evenly spaced, plus the photo).
        param: ``"fft"`` (decorrelated spectrum, the default) or ``"pixel"``.
        lr, transforms, seed, callback, stop, progress: as in `fv.render`.

    Returns:
        an `Accentuation` (a stop event returns the trajectory so far).
    """
    objective = as_objective(objective)
    strength = positive_number(strength, "strength", allow_zero=True)
    steps, points = positive_int(steps, "steps"), positive_int(points, "points")
    if param not in ("fft", "pixel"):
        raise ValueError(f"accentuate starts from the photo, so param must be 'fft' or 'pixel' (an "
                         f"image parameterization that can be initialized with it), got {param!r}")
    photos = imaging.as_images(image, device="cpu", dtype=torch.float32, name="image").detach()
    n, c, h, w = photos.shape
    expected = get_preprocess(model).color_channels
    if c != expected:
        raise ValueError(f"the image has {c} channels but the model expects {expected}")
    if not torch.isfinite(photos).all() or photos.min() < 0 or photos.max() > 1:
        raise ValueError("the image must be finite with values in [0, 1]")
    device = device_of(model)
    start = params_module.image((h, w), batch=n, color_channels=c, fft=param == "fft", init=photos, device=device)
    marks = sorted({max(1, round(steps * (i + 1) / points)) for i in range(points)})
    result = render(model, strength * objective - _distance(start), param=start, steps=steps, lr=lr,
                    transforms=transforms, thresholds=marks, seed=seed, callback=callback, stop=stop,
                    progress=progress)
    reached = [m for m in marks if m in result.thresholds]
    first = imaging.to_hwc(photos)
    trajectory = np.stack([first, *[result.thresholds[m] for m in reached]])
    batch = torch.from_numpy(trajectory.reshape(-1, h, w, c)).permute(0, 3, 1, 2).to(device, dtype_of(model))
    values = np.stack([_objective_values(model, objective, part) for part in batch.split(n)])
    similarity = np.stack([np.atleast_1d(ssim(first, frame)) for frame in trajectory])
    return Accentuation(image=trajectory[-1], start=first, steps=[0, *reached], trajectory=trajectory,
                        ssim=similarity, objective=values, strength=strength, result=result)
