"""The optimization loop of one render: Adam (or any torch optimizer) with random transforms,
then optional L-BFGS without them; records every term per step and the best images per item.

`RenderLoop` is what `fv.render` runs once its arguments are checked; use `fv.render`.
"""

from __future__ import annotations

import threading
import time
import warnings
from typing import Callable, Dict, List, Optional, Sequence

import numpy as np
import torch
from torch import nn

from ..core import images as imaging
from ..core.capture import INPUT, capture
from ..core.model import frozen
from ..core.optim import BatchedLBFGS
from ..objectives import Objective
from .redirect import redirected
from .result import CallbackError, NonFiniteLossError, RenderResult, Step

__all__ = ["OptimizerFactory", "RenderLoop", "term_names"]

OptimizerFactory = Callable[[Sequence[torch.Tensor]], torch.optim.Optimizer]


def term_names(objective: Objective) -> List[str]:
    """A unique name per leaf term (repeats get ``#2``, ``#3``, ...), as the result's `terms` keys.

    Example:
        >>> from fviz_widgets import obj
        >>> term_names(obj.channel("c", 1) + obj.channel("c", 1).on(0))
        ["channel('c', 1)", "channel('c', 1) #2"]
    """
    names, seen = [], {}
    for leaf in objective.leaves:
        seen[leaf.name] = seen.get(leaf.name, 0) + 1
        names.append(leaf.name if seen[leaf.name] == 1 else f"{leaf.name} #{seen[leaf.name]}")
    return names


def _numpy(t: torch.Tensor) -> np.ndarray:
    """Numbers for results: float64 stays float64; half precision (which numpy lacks) becomes float32."""
    return t.detach().cpu().to(torch.float64 if t.dtype == torch.float64 else torch.float32).numpy()


class RenderLoop:
    """One render: the loop body, the records, and the best images per item."""

    def __init__(self, model: nn.Module, objective: Objective, param: nn.Module, transform: Callable,
                 *, seed: int, steps: int, lbfgs_steps: int, optimizer: OptimizerFactory, views: int,
                 thresholds: Sequence[int], redirect_steps: int, callback: Optional[Callable[[Step], None]],
                 stop: Optional[threading.Event], progress: bool):
        self.model, self.objective, self.param, self.transform = model, objective, param, transform
        self.seed, self.steps, self.lbfgs_steps, self.views = seed, steps, lbfgs_steps, views
        self.optimizer, self.thresholds, self.redirect_steps = optimizer, thresholds, redirect_steps
        self.callback, self.stop, self.progress = callback, stop, progress
        self.generator = torch.Generator().manual_seed(seed)
        self.names = term_names(objective)
        self.total = steps + lbfgs_steps
        self.step = 0
        self.losses: List[float] = []
        self.terms: List[torch.Tensor] = []
        self.snapshots: Dict[int, np.ndarray] = {}
        self.values: Optional[torch.Tensor] = None  # objective per item at the last evaluation
        self.best_values: Optional[torch.Tensor] = None
        self.best_images: Optional[torch.Tensor] = None
        self.importance: Optional[torch.Tensor] = None  # Σ over Adam steps of |∂loss/∂image|, per pixel
        self._image: Optional[torch.Tensor] = None
        self._composite = getattr(param, "composite", None)  # RGBA params: onto random backgrounds
        self.start = time.perf_counter()

    def _stopped(self) -> bool:
        return self.stop is not None and self.stop.is_set()

    # -- the loop ---------------------------------------------------------------------------
    def run(self) -> RenderResult:
        """Run every phase; returns the result (best images so far if it ended early)."""
        from tqdm.auto import tqdm

        status = "completed"
        bar = tqdm(total=self.total, disable=not self.progress, desc="render", leave=False)
        try:
            with frozen(self.model), capture(self.model, self.objective.layers) as run:
                opt = self.optimizer(list(self.param.parameters()))
                phase = type(opt).__name__.lower()
                for i in range(self.steps):
                    if self._stopped():
                        status = "stopped"
                        break
                    with redirected(self.model, i < self.redirect_steps):
                        opt.zero_grad(set_to_none=True)
                        self.loss(run).backward()
                    self._accumulate_importance()
                    opt.step()
                    self.finish_step(phase)
                    bar.update(1)
                    if i % 10 == 0:
                        bar.set_postfix(loss=f"{self.losses[-1]:.4g}")
                if self.lbfgs_steps and status == "completed":
                    self._lbfgs(run, bar)
                    if self._stopped() and self.step < self.total:
                        status = "stopped"
        except KeyboardInterrupt:
            status = "interrupted"
            warnings.warn(f"render interrupted at step {self.step}; returning the best images so far", stacklevel=3)
        except FloatingPointError as error:
            raise NonFiniteLossError(str(error) + "; the error's .result holds the best images so far",
                                     self.result("failed", final=False)) from None
        except CallbackError as wrapped:
            # the callback's own exception goes on, now carrying the best images so far
            error = wrapped.error
            try:
                error.result = wrapped.result
            except AttributeError:  # an exception type that takes no attributes
                raise wrapped from error
            raise error from None
        finally:
            bar.close()
        return self.result(status, final=status == "completed")

    def _lbfgs(self, run, bar) -> None:
        """L-BFGS without transforms; each batch item keeps its own history and line search unless
        the objective couples the items (diversity, alignment) or the param shares parameters."""
        parameters = [p for p in self.param.parameters() if p.requires_grad]
        n = self.param.shape[0]
        independent = not self.objective.couples_batch and all(p.ndim and p.shape[0] == n for p in parameters)
        opt = BatchedLBFGS(parameters, items=n if independent else 1)

        def evaluate() -> torch.Tensor:
            for p in parameters:
                p.grad = None
            loss = self.loss(run, transformed=False)
            loss.backward()
            return -self.values if independent else loss.detach().reshape(1)

        for _ in range(self.lbfgs_steps):
            if self._stopped():
                return
            if not opt.done:  # once every item has converged, the remaining steps repeat the record
                opt.step(evaluate)
            self.finish_step("lbfgs")
            bar.update(1)

    # -- one evaluation and one step ----------------------------------------------------------
    def loss(self, run, transformed: bool = True) -> torch.Tensor:
        """Forward + objective; records the step's values and best images; returns the loss."""
        image = self.param()
        if transformed and image.requires_grad:  # the Adam phase: its gradients make `importance`
            image.retain_grad()
            self._image = image
        views = self.views if transformed else 1
        # every view of the step in one batch, view-major: rows v·N … v·N + N − 1 are view v
        many = image if views == 1 else image.repeat(views, 1, 1, 1)
        seen = many if self._composite is None else self._composite(many, self.generator if transformed else None)
        x = self.transform(seen, self.generator) if transformed else seen
        acts = run(x)
        acts[INPUT] = many
        total, leaf_values = self._evaluate(acts, views)
        loss = -total.sum()
        if not torch.isfinite(loss):
            bad = [n for n, v in zip(self.names, leaf_values.values()) if not torch.isfinite(v).all()]
            raise FloatingPointError(f"loss is {loss.item()} at step {self.step + 1}; non-finite term(s): {bad}")
        self.values = total.detach()
        self._remember(self.values, image.detach())
        self._record = (loss.detach(), torch.stack([v.detach() for v in leaf_values.values()]))
        return loss

    def _evaluate(self, acts, views: int):
        """The objective per item, averaged over the step's views; each view is evaluated on its
        own, so objectives that couple the batch (diversity) compare images, not views."""
        if views == 1:
            return self.objective.evaluate(acts)
        n = acts[INPUT].shape[0] // views
        parts = [self.objective.evaluate({k: a[v * n:(v + 1) * n] for k, a in acts.items()}) for v in range(views)]
        total = torch.stack([p[0] for p in parts]).mean(0)
        return total, {leaf: torch.stack([p[1][leaf] for p in parts]).mean(0) for leaf in parts[0][1]}

    def _accumulate_importance(self) -> None:
        """Add the step's |∂loss/∂image| (summed over channels) to `importance`: where the
        optimization acted, MACO's transparency map."""
        grad = None if self._image is None else self._image.grad
        if grad is None:
            return
        step = grad.detach().abs().sum(1).float()
        self.importance = step if self.importance is None else self.importance + step
        self._image = None

    def _remember(self, values: torch.Tensor, image: torch.Tensor) -> None:
        if self.best_values is None:
            self.best_values, self.best_images = values.clone(), image.clone()
            return
        better = values > self.best_values
        self.best_values = torch.where(better, values, self.best_values)
        self.best_images[better] = image[better]

    def finish_step(self, phase: str) -> None:
        self.step += 1
        loss, values = self._record
        self.losses.append(loss.item())
        self.terms.append(values)
        if self.step in self.thresholds:
            with torch.no_grad():
                self.snapshots[self.step] = imaging.to_hwc(self.param())
        if self.callback is not None:
            terms = {n: _numpy(v) for n, v in zip(self.names, values)}
            try:
                self.callback(Step(self.step, self.total, phase, self.losses[-1], terms,
                                   time.perf_counter() - self.start, self.param,
                                   alpha=bool(getattr(self.param, "alpha", False))))
            except Exception as error:
                raise CallbackError(error, self.result("failed", final=False)) from error

    def result(self, status: str, final: bool) -> RenderResult:
        seconds = time.perf_counter() - self.start
        with torch.no_grad():
            final_images = self.param()
        if final or self.best_images is None:
            images = final_images
            values = self.best_values if self.best_values is not None else torch.full((images.shape[0],), float("nan"))
        else:
            images, values = self.best_images, self.best_values
        stacked = _numpy(torch.stack(self.terms)) if self.terms else np.zeros((0, len(self.names), images.shape[0]))
        return RenderResult(
            images=imaging.to_hwc(images),
            thresholds=self.snapshots,
            loss=np.asarray(self.losses, dtype=np.float32),
            terms={n: stacked[:, i] for i, n in enumerate(self.names)},
            values=_numpy(values),
            objective=repr(self.objective),
            param=self.param,
            status=status,
            timing={"seconds": seconds, "steps": self.step, "it_per_s": self.step / seconds if seconds else 0.0},
            seed=self.seed,
            importance=None if self.importance is None else _normalized(self.importance),
            alpha=bool(getattr(self.param, "alpha", False)),
        )


def _normalized(importance: torch.Tensor) -> np.ndarray:
    """[N, H, W] → float32 in [0, 1], each item divided by its maximum."""
    peak = importance.flatten(1).amax(1).clamp(min=torch.finfo(importance.dtype).tiny)
    return (importance / peak[:, None, None]).cpu().numpy().astype(np.float32)
