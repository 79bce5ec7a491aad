"""Activation maximization: `render` and `render_layer`.

    param ─► image [N,C,H,W] ─► transforms ─► preprocess ─► model (hooked layers only)
      ▲                                                          │
      └── optimizer ◄── loss = −Σ objective ◄─────────────────────┘

Every step emits a `Step` event to `callback` (the hook point for widgets, progress bars and
experiment records). A `threading.Event` passed as `stop`, a KeyboardInterrupt, or a non-finite
loss end the run early and keep the best image found so far for each batch item.

Example:
    >>> import fviz_widgets as fv
    >>> model = fv.zoo.shapes_cnn()
    >>> result = fv.render(model, fv.obj.class_logit(0), size=32, steps=8, progress=False)
    >>> result.images.shape
    (1, 32, 32, 3)
"""

from __future__ import annotations

import threading
import warnings
from typing import Callable, Iterable, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from torch import nn

from .. import params as params_module
from .. import transforms as transforms_module
from ..core.aggregate import channel_indices
from ..core.capture import channel_count, class_names
from ..core.model import device_of, dtype_of, get_preprocess, input_shape
from ..core.validate import callable_or_none, positive_int, positive_number, seed_value
from ..objectives import Objective, as_objective, opacity
from ..objectives import channels as channels_objective
from .loop import OptimizerFactory, RenderLoop
from .result import RenderResult, Step

__all__ = ["render", "render_layer"]


def _adam(lr: float) -> OptimizerFactory:
    return lambda parameters: torch.optim.Adam(parameters, lr=lr)


def render(
    model: nn.Module,
    objective: Union[Objective, str],
    *,
    param: Optional[nn.Module] = None,
    size: Optional[Union[int, Tuple[int, int]]] = None,
    batch: Optional[int] = None,
    transforms: Union[str, Sequence, Callable, None] = "standard",
    views: int = 1,
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
            flags are restored afterwards. A model that only takes its `Preprocess.input_size`
            (a ViT's position embeddings) gets each transformed image resized back to that size;
            other models see the transformed images as they are (`fviz_widgets.core.Capture`).
        objective: an `fv.obj` objective, or a string such as ``"conv3:5"``.
        param: an `fv.param` parameterization (moved to the model's device); default an FFT
            image with colour decorrelation of `size` (default: the model's input size) and
            `batch` items. An RGBA param (``alpha=True``) is composited onto random backgrounds
            every step, and ``param.opacity_penalty * fv.obj.opacity()`` is subtracted from the
            objective.
        transforms: ``"standard"``, None, a list of `fv.transforms`, or a callable (x, generator).
        views: random views per step: the image is transformed `views` times, the copies go
            through the model as one batch, and each item's objective is the mean over its
            views (each view evaluated on its own). MACO renders through crops use about 6.
            Memory and time per step grow with `views` (batch × views images per forward).
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
        a `RenderResult` (with `importance`, the accumulated |∂loss/∂image| of the Adam steps). A stop event or KeyboardInterrupt returns the best images so far
        (status "stopped" / "interrupted"); a NaN/inf loss raises `NonFiniteLossError` carrying
        that result.

    Example:
        >>> import fviz_widgets as fv
        >>> result = fv.render(fv.zoo.shapes_cnn(), "conv3:5", size=32, steps=8, lbfgs_steps=2, progress=False)
        >>> result.status, int(result.timing["steps"]), result.loss.shape
        ('completed', 10, (10,))
    """
    objective = as_objective(objective)
    steps, lbfgs_steps = positive_int(steps, "steps", minimum=0), positive_int(lbfgs_steps, "lbfgs_steps", minimum=0)
    total = steps + lbfgs_steps
    if total == 0:
        raise ValueError("steps and lbfgs_steps are both 0: nothing to optimize; pass steps ≥ 1")
    seed = seed_value(seed)
    lr = positive_number(lr, "lr")
    redirect_steps = positive_int(redirect_steps, "redirect_steps", minimum=0)
    views = positive_int(views, "views")
    callable_or_none(callback, "callback")
    callable_or_none(optimizer, "optimizer")
    if stop is not None and not callable(getattr(stop, "is_set", None)):
        raise TypeError(f"stop must be a threading.Event (something with is_set()), got {type(stop).__name__}")
    marks = _thresholds(thresholds, total)
    if not isinstance(param, (nn.Module, type(None))):
        raise TypeError(f"param must be an fv.param parameterization (an nn.Module), got {type(param).__name__}")
    if batch is not None:
        batch = positive_int(batch, "batch")
    device = device_of(model)
    if param is None:
        colors, h, w = input_shape(model, size)
        param = params_module.image((h, w), batch=batch or 1, color_channels=colors, seed=seed, device=device)
    elif batch is not None and param.shape[0] != batch:
        raise ValueError(f"batch={batch} but the param holds {param.shape[0]} images")
    else:
        param.to(device)
    if lbfgs_steps and dtype_of(model) in (torch.float16, torch.bfloat16):
        warnings.warn(f"L-BFGS on a {str(dtype_of(model)).split('.')[-1]} model: its line search needs losses "
                      "exact to far more digits than half precision has, so it may stop at once; use Adam steps, "
                      "or run the model in float32 for the L-BFGS phase", stacklevel=3)
    expected = get_preprocess(model).color_channels
    alpha = bool(getattr(param, "alpha", False))
    if param.shape[1] - alpha != expected:
        extra = " plus alpha" if alpha else ""
        raise ValueError(f"the param makes {param.shape[1] - alpha}-channel images{extra} but the model expects {expected}")
    if alpha and param.opacity_penalty:
        objective = objective - param.opacity_penalty * opacity()
    loop = RenderLoop(
        model, objective, param, transforms_module.get(transforms), seed=seed, steps=steps,
        lbfgs_steps=lbfgs_steps, optimizer=optimizer or _adam(lr), views=views, thresholds=marks,
        redirect_steps=redirect_steps, callback=callback, stop=stop, progress=progress,
    )
    return loop.run()


def _thresholds(thresholds: Optional[Sequence[int]], total: int) -> Tuple[int, ...]:
    if thresholds is None:
        return (total,)
    if isinstance(thresholds, (str, bytes)) or not isinstance(thresholds, Iterable):
        raise TypeError(f"thresholds must be a list of step numbers, got {thresholds!r}")
    marks = tuple(sorted({positive_int(t, "thresholds entry") for t in thresholds}))
    outside = [t for t in marks if t > total]
    if outside:
        raise ValueError(f"thresholds {outside} lie beyond the last step ({total} = steps + lbfgs_steps); "
                         f"use steps between 1 and {total}")
    return marks


def render_layer(
    model: nn.Module,
    layer: str,
    channels: Optional[Sequence[int]] = None,
    *,
    batch_size: int = 16,
    size: Optional[Union[int, Tuple[int, int]]] = None,
    seed: int = 0,
    progress: bool = True,
    tokens: Union[str, int] = "all",
    param: Union[str, params_module.ParamFactory, None] = None,
    **render_kwargs,
) -> RenderResult:
    """One image per channel of `layer` (all channels by default), `batch_size` per run.

    Each batch item maximizes its own channel's mean (`obj.channels`), so one forward/backward
    serves `batch_size` channels. On a token layer [N, tokens, dim] (a ViT block) the channels are
    the embedding dimensions and `tokens` ("all", "patches", "cls" or a position) says which
    tokens the mean runs over. Returns one `RenderResult` with `labels` naming the channels (and
    their classes, where the layer gives the model's `classes`: ``"output:4 grid"``);
    `result.show()` or `result.grid()` lays them out.

    `param` makes each batch's parameterization: a name (``"fft"``, the default; ``"pixel"``;
    ``"normal_depth"``; ``"path/to/file.py:function"``) or a function ``(size, *, batch, seed,
    device) -> fv.param module`` such as `fv.param.normal_depth` (`fv.param.param_factory`).
    Other keywords go to `render` (steps, transforms, lr, ...).

    Example:
        >>> import fviz_widgets as fv
        >>> result = fv.render_layer(fv.zoo.shapes_cnn(), "conv2", channels=range(4), size=32, steps=4,
        ...                          progress=False)
        >>> result.images.shape, result.labels[:2]
        ((4, 32, 32, 3), ['conv2:0', 'conv2:1'])
    """
    for key in ("batch", "objective"):
        if key in render_kwargs:
            raise TypeError(f"render_layer makes its own {key}; pass size=, steps=, transforms=, ... instead")
    batch_size = positive_int(batch_size, "batch_size")
    seed = seed_value(seed)
    colors, h, w = input_shape(model, size)
    factory = params_module.param_factory(param, colors)
    count = channel_count(model, layer, size)
    picked = channel_indices(channels, count, layer=layer)
    channels = list(range(count)) if picked is None else list(picked)
    parts: List[RenderResult] = []
    for start in range(0, len(channels), batch_size):
        chunk = channels[start : start + batch_size]
        image = params_module.batch_param(factory, (h, w), batch=len(chunk), seed=seed + start,
                                          device=device_of(model))
        part = render(
            model, channels_objective(layer, chunk, tokens=tokens), param=image, seed=seed + start,
            progress=progress, **render_kwargs,
        )
        parts.append(part)
        if part.status != "completed":
            break
    return _concatenate(parts, layer, channels, class_names(model, layer, size))


def _joined_terms(parts: List[RenderResult], steps: int) -> dict:
    """Each part's terms side by side over items: its first (the channels of its batch) as
    "channel", the others (an RGBA param's opacity) by name."""
    columns = [list(p.terms.values()) for p in parts]
    names = ["channel", *list(parts[0].terms)[1:]]
    return {name: np.concatenate([c[i][:steps] for c in columns], axis=1) for i, name in enumerate(names)}


def _concatenate(parts: List[RenderResult], layer: str, channels: List[int],
                 names: Optional[List[str]] = None) -> RenderResult:
    done = sum(len(p.images) for p in parts)
    steps = min(len(p.loss) for p in parts)
    seconds = sum(p.timing["seconds"] for p in parts)
    return RenderResult(
        images=np.concatenate([p.images for p in parts]),
        thresholds={s: np.concatenate([p.thresholds[s] for p in parts]) for s in parts[0].thresholds
                    if all(s in p.thresholds for p in parts)},
        loss=np.sum([p.loss[:steps] for p in parts], axis=0),
        terms=_joined_terms(parts, steps),
        values=np.concatenate([p.values for p in parts]),
        objective=f"render_layer({layer!r}, {len(channels)} channels)",
        param=None,
        status=next((p.status for p in parts if p.status != "completed"), "completed"),
        timing={"seconds": seconds, "steps": sum(p.timing["steps"] for p in parts),
                "it_per_s": sum(p.timing["steps"] for p in parts) / seconds if seconds else 0.0},
        seed=parts[0].seed,
        labels=[f"{layer}:{c}" + (f" {names[c]}" if names else "") for c in channels[:done]],
        importance=None if any(p.importance is None for p in parts) else np.concatenate([p.importance for p in parts]),
        alpha=parts[0].alpha,
    )
