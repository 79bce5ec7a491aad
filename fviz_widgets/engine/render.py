"""The optimization loop of feature visualization: `render` and `render_layer`.

    param ─► image [N,C,H,W] ─► transforms ─► preprocess ─► model (hooked layers only)
      ▲                                                          │
      └── optimizer ◄── loss = −Σ objective ◄─────────────────────┘

Every step emits a `Step` event to `callback` (the hook point for widgets, progress bars and
experiment records). A `threading.Event` passed as `stop`, a KeyboardInterrupt, or a non-finite
loss end the run early and keep the best image found so far for each batch item.

Example:
    >>> import fviz_widgets as fv
    >>> model = fv.zoo.shapes_cnn()
    >>> result = fv.render(model, fv.obj.class_logit(0), steps=64, progress=False)
    >>> result.images.shape
    (1, 64, 64, 3)
"""

from __future__ import annotations

import contextlib
import threading
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from torch import nn

from . import images as imaging
from . import params as params_module
from . import transforms as transforms_module
from .hooks import INPUT, capture
from .lbfgs import BatchedLBFGS
from .modelstate import device_of, frozen
from .objectives import Objective, as_objective, channels as channels_objective
from .preprocess import get_preprocess, input_shape

OptimizerFactory = Callable[[Sequence[torch.Tensor]], torch.optim.Optimizer]


class NonFiniteLossError(FloatingPointError):
    """The loss became NaN or infinite. `.result` holds the best images found before that."""

    def __init__(self, message: str, result: "RenderResult"):
        super().__init__(message)
        self.result = result


@dataclass
class Step:
    """One optimization step, as seen by callbacks.

    Attributes:
        step: 1-based index over all phases; total: number of planned steps.
        phase: "adam" (or the optimizer's name) or "lbfgs".
        loss: the loss minimized (−Σ objective over the batch).
        terms: {term name: value per batch item} for every leaf term of the objective.
        elapsed: seconds since the run started.
    """

    step: int
    total: int
    phase: str
    loss: float
    terms: Dict[str, np.ndarray]
    elapsed: float
    _param: nn.Module = field(repr=False)

    def images(self) -> np.ndarray:
        """The current images [N, H, W, C] (computed on demand: call it inside the callback)."""
        with torch.no_grad():
            return imaging.to_hwc(self._param())


@dataclass
class RenderResult:
    """What `render` produced.

    Attributes:
        images: float32 [N, H, W, C] in the input domain (final images, or the best so far when
            the run ended early).
        thresholds: {step: images} snapshots taken at the requested steps.
        loss: loss per step [steps]; terms: {term: values per step and item [steps, N]}.
        values: the objective per item for `images`.
        param: the parameterization (its parameters hold the optimized state).
        status: "completed", "stopped", "interrupted" or "failed".
        timing: seconds, steps and it/s.
    """

    images: np.ndarray
    thresholds: Dict[int, np.ndarray]
    loss: np.ndarray
    terms: Dict[str, np.ndarray]
    values: np.ndarray
    objective: str
    param: Optional[nn.Module]
    status: str
    timing: Dict[str, float]
    seed: int
    labels: Optional[List[str]] = None

    def __repr__(self) -> str:
        n, h, w, c = self.images.shape
        return (
            f"RenderResult({n} image{'s' * (n != 1)} {h}×{w}×{c}, {self.objective}, "
            f"{int(self.timing.get('steps', 0))} steps, {self.status})"
        )

    def image(self, index: int = 0) -> np.ndarray:
        """One image as float32 [H, W, C]."""
        return self.images[index]

    def grid(self, columns: Optional[int] = None, pad: int = 2) -> np.ndarray:
        """All images tiled into one HWC array."""
        return imaging.grid(self.images, columns=columns, pad=pad)

    def save(self, path: Union[str, Path], columns: Optional[int] = None) -> Path:
        """Save the image grid (PNG/JPEG by the file name)."""
        return imaging.save(self.grid(columns), path)

    def show(self, columns: Optional[int] = None, size: float = 2.0):
        """Show the images with matplotlib (titled by `labels`); returns the figure."""
        import matplotlib.pyplot as plt

        n = len(self.images)
        columns = columns or min(n, 8)
        rows = -(-n // columns)
        fig, axes = plt.subplots(rows, columns, figsize=(size * columns, size * rows), squeeze=False)
        for ax in axes.flat:
            ax.axis("off")
        for i, ax in enumerate(axes.flat[:n]):
            image = imaging.displayable(self.images[i])
            ax.imshow(image[..., 0] if image.shape[-1] == 1 else image, cmap="gray", vmin=0, vmax=1)
            if self.labels:
                ax.set_title(self.labels[i], fontsize=8)
        fig.tight_layout()
        return fig

    def _repr_png_(self) -> bytes:
        return imaging.encode(self.grid())


class _RedirectedReLU(torch.autograd.Function):
    """ReLU whose gradient also flows where the input is negative, if it pushes the input up."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.clamp(min=0)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return torch.where((x > 0) | (grad < 0), grad, torch.zeros_like(grad))


@contextlib.contextmanager
def _redirected(model: nn.Module, enabled: bool) -> Iterator[None]:
    """Swap ReLU/GELU module outputs for the redirected ReLU (Lucid's trick for dead starts)."""
    handles = []
    if enabled:
        def hook(module, inputs, output):
            return _RedirectedReLU.apply(inputs[0])

        for module in model.modules():
            if isinstance(module, (nn.ReLU, nn.GELU)):
                # prepend: the capture hooks on the same module must see the redirected output
                handles.append(module.register_forward_hook(hook, prepend=True))
        if not handles:
            warnings.warn("redirect_steps > 0 but the model has no nn.ReLU / nn.GELU modules", stacklevel=4)
    try:
        yield
    finally:
        for handle in handles:
            handle.remove()


def _term_names(objective: Objective) -> List[str]:
    names, seen = [], {}
    for leaf in objective.leaves:
        seen[leaf.name] = seen.get(leaf.name, 0) + 1
        names.append(leaf.name if seen[leaf.name] == 1 else f"{leaf.name} #{seen[leaf.name]}")
    return names


def _adam(lr: float) -> OptimizerFactory:
    return lambda parameters: torch.optim.Adam(parameters, lr=lr)


class _Run:
    """State of one render: the loop body, the records, and the best images per item."""

    def __init__(self, model, objective, param, transform, generator, callback, total, names):
        self.model, self.objective, self.param = model, objective, param
        self.transform, self.generator, self.callback = transform, generator, callback
        self.total, self.names = total, names
        self.step = 0
        self.losses: List[float] = []
        self.terms: List[torch.Tensor] = []
        self.thresholds: Dict[int, np.ndarray] = {}
        self.values: Optional[torch.Tensor] = None  # objective per item at the last evaluation
        self.best_values: Optional[torch.Tensor] = None
        self.best_images: Optional[torch.Tensor] = None
        self.start = time.perf_counter()

    def loss(self, run, transformed: bool = True) -> torch.Tensor:
        """Forward + objective; records the step's values and best images; returns the loss."""
        image = self.param()
        x = self.transform(image, self.generator) if transformed else image
        acts = run(x)
        acts[INPUT] = image
        total, leaf_values = self.objective.evaluate(acts)
        loss = -total.sum()
        if not torch.isfinite(loss):
            bad = [n for n, v in zip(self.names, leaf_values.values()) if not torch.isfinite(v).all()]
            raise FloatingPointError(f"loss is {loss.item()} at step {self.step + 1}; non-finite term(s): {bad}")
        self.values = total.detach()
        self._remember(self.values, image.detach())
        self._record = (loss.detach(), torch.stack([v.detach() for v in leaf_values.values()]))
        return loss

    def _remember(self, values: torch.Tensor, image: torch.Tensor) -> None:
        if self.best_values is None:
            self.best_values, self.best_images = values.clone(), image.clone()
            return
        better = values > self.best_values
        self.best_values = torch.where(better, values, self.best_values)
        self.best_images[better] = image[better]

    def finish_step(self, phase: str, thresholds: Sequence[int]) -> None:
        self.step += 1
        loss, values = self._record
        self.losses.append(loss.item())
        self.terms.append(values)
        if self.step in thresholds:
            with torch.no_grad():
                self.thresholds[self.step] = imaging.to_hwc(self.param())
        if self.callback is not None:
            terms = {n: v.cpu().numpy() for n, v in zip(self.names, values)}
            self.callback(
                Step(self.step, self.total, phase, self.losses[-1], terms, time.perf_counter() - self.start, self.param)
            )

    def result(self, status: str, seed: int, final: bool) -> RenderResult:
        seconds = time.perf_counter() - self.start
        with torch.no_grad():
            final_images = self.param()
        if final or self.best_images is None:
            images = final_images
            values = self.best_values if self.best_values is not None else torch.full((images.shape[0],), float("nan"))
        else:
            images, values = self.best_images, self.best_values
        stacked = torch.stack(self.terms).cpu().numpy() if self.terms else np.zeros((0, len(self.names), images.shape[0]))
        return RenderResult(
            images=imaging.to_hwc(images),
            thresholds=self.thresholds,
            loss=np.asarray(self.losses, dtype=np.float32),
            terms={n: stacked[:, i] for i, n in enumerate(self.names)},
            values=values.detach().cpu().numpy(),
            objective=repr(self.objective),
            param=self.param,
            status=status,
            timing={"seconds": seconds, "steps": self.step, "it_per_s": self.step / seconds if seconds else 0.0},
            seed=seed,
        )


def render(
    model: nn.Module,
    objective: Union[Objective, str],
    *,
    param: Optional[nn.Module] = None,
    size: Optional[Union[int, Tuple[int, int]]] = None,
    batch: Optional[int] = None,
    transforms: Union[str, Sequence, Callable, None] = "standard",
    steps: int = 512,
    optimizer: Optional[OptimizerFactory] = None,
    lr: float = 0.05,
    lbfgs_steps: int = 0,
    thresholds: Optional[Sequence[int]] = None,
    redirect_steps: int = 0,
    seed: int = 0,
    callback: Optional[Callable[[Step], None]] = None,
    stop: Optional[threading.Event] = None,
    progress: bool = True,
) -> RenderResult:
    """Optimize an image (batch) to maximize `objective` on `model`.

    Args:
        model: any nn.Module; its attached `Preprocess` (zoo models have one) is applied to
            images before the forward pass. The model's train/eval mode and `requires_grad`
            flags are restored afterwards.
        objective: an `fv.obj` objective, or a string such as ``"conv3:5"``.
        param: an `fv.param` parameterization (moved to the model's device); default an FFT
            image with colour decorrelation of `size` (default: the model's input size) and
            `batch` items.
        transforms: ``"standard"``, None, a list of `fv.transforms`, or a callable (x, generator).
        steps: Adam steps (or steps of `optimizer`, a factory ``params -> torch.optim.Optimizer``).
        lbfgs_steps: L-BFGS iterations after the first phase, without random transforms; each
            batch item has its own curvature history and line search (`BatchedLBFGS`).
        thresholds: steps at which to keep snapshots (default: the last step).
        redirect_steps: for the first steps, let ReLU/GELU modules pass gradients that push
            their negative inputs up (helps units that start dead).
        seed: seeds the parameter init and every transform; CPU runs are bit-reproducible.
        callback: called with a `Step` after every step. stop: a threading.Event that ends the
            run after the current step.
        progress: show a tqdm progress bar.

    Returns:
        a `RenderResult`. A stop event or KeyboardInterrupt returns the best images so far
        (status "stopped" / "interrupted"); a NaN/inf loss raises `NonFiniteLossError` carrying
        that result.
    """
    objective = as_objective(objective)
    if steps < 0 or lbfgs_steps < 0:
        raise ValueError(f"steps and lbfgs_steps must be ≥ 0, got {steps} and {lbfgs_steps}")
    device = device_of(model)
    if param is None:
        channels, h, w = input_shape(model, size)
        param = params_module.image((h, w), batch=batch or 1, channels=channels, seed=seed, device=device)
    elif batch is not None and param.shape[0] != batch:
        raise ValueError(f"batch={batch} but the param holds {param.shape[0]} images")
    else:
        param.to(device)
    expected = get_preprocess(model).channels
    if param.shape[1] != expected:
        raise ValueError(f"the param makes {param.shape[1]}-channel images but the model expects {expected}")
    transform = transforms_module.get(transforms)
    total = steps + lbfgs_steps
    thresholds = tuple(sorted(set(thresholds))) if thresholds is not None else (total,)
    generator = torch.Generator().manual_seed(seed)
    names = _term_names(objective)
    state = _Run(model, objective, param, transform, generator, callback, total, names)
    status = "completed"
    from tqdm.auto import tqdm

    bar = tqdm(total=total, disable=not progress, desc="render", leave=False)
    try:
        with frozen(model), capture(model, objective.layers) as run:
            opt = (optimizer or _adam(lr))(list(param.parameters()))
            phase = type(opt).__name__.lower()
            for i in range(steps):
                if stop is not None and stop.is_set():
                    status = "stopped"
                    break
                with _redirected(model, i < redirect_steps):
                    opt.zero_grad(set_to_none=True)
                    state.loss(run).backward()
                opt.step()
                state.finish_step(phase, thresholds)
                bar.update(1)
                if i % 10 == 0:
                    bar.set_postfix(loss=f"{state.losses[-1]:.4g}")
            if lbfgs_steps and status == "completed":
                _lbfgs(state, run, param, lbfgs_steps, thresholds, stop, bar)
                if stop is not None and stop.is_set() and state.step < total:
                    status = "stopped"
    except KeyboardInterrupt:
        status = "interrupted"
        warnings.warn(f"render interrupted at step {state.step}; returning the best images so far", stacklevel=2)
    except FloatingPointError as error:
        raise NonFiniteLossError(str(error) + "; the error's .result holds the best images so far",
                                 state.result("failed", seed, final=False)) from None
    finally:
        bar.close()
    return state.result(status, seed, final=status == "completed")


def _lbfgs(state: _Run, run, param, steps: int, thresholds, stop, bar) -> None:
    """L-BFGS without transforms; each batch item keeps its own history and line search unless
    the objective couples the items (diversity, alignment) or the param shares parameters."""
    parameters = [p for p in param.parameters() if p.requires_grad]
    n = param.shape[0]
    independent = not state.objective.couples_batch and all(p.ndim and p.shape[0] == n for p in parameters)
    items = n if independent else 1
    opt = BatchedLBFGS(parameters, items=items)

    def evaluate() -> torch.Tensor:
        for p in parameters:
            p.grad = None
        loss = state.loss(run, transformed=False)
        loss.backward()
        return -state.values if independent else loss.detach().reshape(1)

    for _ in range(steps):
        if stop is not None and stop.is_set():
            return
        if not opt.done:  # once every item has converged, the remaining steps repeat the record
            opt.step(evaluate)
        state.finish_step("lbfgs", thresholds)
        bar.update(1)


def _layer_channels(model: nn.Module, layer: str, size) -> int:
    with torch.no_grad(), capture(model, [layer]) as run:
        shape = input_shape(model, size)
        a = run(torch.zeros((1, *shape), device=device_of(model)))[layer]
    if a.ndim < 2:
        raise ValueError(f"layer {layer!r} has no channel axis (shape {tuple(a.shape)})")
    return a.shape[1]


def render_layer(
    model: nn.Module,
    layer: str,
    channels: Optional[Sequence[int]] = None,
    *,
    batch_size: int = 16,
    size: Optional[Union[int, Tuple[int, int]]] = None,
    seed: int = 0,
    progress: bool = True,
    **render_kwargs,
) -> RenderResult:
    """One image per channel of `layer` (all channels by default), `batch_size` per run.

    Each batch item maximizes its own channel's mean (`obj.channels`), so one forward/backward
    serves `batch_size` channels. Returns one `RenderResult` with `labels` naming the channels;
    `result.show()` or `result.grid()` lays them out.

    Example:
        >>> result = fv.render_layer(model, "conv2", channels=range(8), steps=128)
    """
    for key in ("param", "batch", "objective"):
        if key in render_kwargs:
            raise TypeError(f"render_layer makes its own {key}; pass size=, steps=, transforms=, ... instead")
    count = _layer_channels(model, layer, size)
    channels = list(range(count)) if channels is None else [int(c) for c in channels]
    bad = [c for c in channels if not 0 <= c < count]
    if bad:
        raise IndexError(f"channel(s) {bad} out of range: layer {layer!r} has {count} channels")
    if not channels:
        raise ValueError("no channels to render")
    if batch_size < 1:
        raise ValueError(f"batch_size must be ≥ 1, got {batch_size}")
    parts: List[RenderResult] = []
    for start in range(0, len(channels), batch_size):
        chunk = channels[start : start + batch_size]
        part = render(
            model, channels_objective(layer, chunk), batch=len(chunk), size=size,
            seed=seed + start, progress=progress, **render_kwargs,
        )
        parts.append(part)
        if part.status != "completed":
            break
    return _concatenate(parts, layer, channels)


def _concatenate(parts: List[RenderResult], layer: str, channels: List[int]) -> RenderResult:
    done = sum(len(p.images) for p in parts)
    steps = min(len(p.loss) for p in parts)
    seconds = sum(p.timing["seconds"] for p in parts)
    return RenderResult(
        images=np.concatenate([p.images for p in parts]),
        thresholds={s: np.concatenate([p.thresholds[s] for p in parts]) for s in parts[0].thresholds
                    if all(s in p.thresholds for p in parts)},
        loss=np.sum([p.loss[:steps] for p in parts], axis=0),
        terms={"channel": np.concatenate([next(iter(p.terms.values()))[:steps] for p in parts], axis=1)},
        values=np.concatenate([p.values for p in parts]),
        objective=f"render_layer({layer!r}, {len(channels)} channels)",
        param=None,
        status=next((p.status for p in parts if p.status != "completed"), "completed"),
        timing={"seconds": seconds, "steps": sum(p.timing["steps"] for p in parts),
                "it_per_s": sum(p.timing["steps"] for p in parts) / seconds if seconds else 0.0},
        seed=parts[0].seed,
        labels=[f"{layer}:{c}" for c in channels[:done]],
    )
