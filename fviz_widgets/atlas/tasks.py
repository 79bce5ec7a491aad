"""The atlas's unit of work: render one batch of a layer's channels.

`render_task` is what an executor runs. It is a top-level function of one picklable dict (a
*job*), so any `concurrent.futures.Executor` takes it: threads, processes, a Dask cluster. The job
names the model by its spec string (``"shapes_cnn"``, ``"torchvision:resnet18"``,
``"file.py:factory"``; see `fviz_widgets.zoo.spec`) or carries a picklable function that builds
it; the worker builds the model once per process (`worker_model`) and renders with `render_batch`,
the same function a local run calls with the caller's model. A batch is seeded by its first
channel, so its images do not depend on where, when or in which order batches run.

Example:
    >>> job = dict(model="shapes_cnn", device="cpu", layer="conv2", channels=[4, 5], size=32, steps=2,
    ...            seed=0, transforms="standard", lr=0.05)
    >>> out = render_task(job)
    >>> out["images"].shape, out["channels"]
    ((2, 32, 32, 3), [4, 5])
"""

from __future__ import annotations

import functools
import importlib.util
import pickle
import threading
import time
from pathlib import Path
from typing import Any, Callable, Dict, Tuple, Union

import numpy as np
from torch import nn

from ..core.model import get_preprocess
from ..params import param_factory
from ..render import render_layer

__all__ = ["ModelSource", "batch_seed", "build_model", "portable", "render_batch", "render_task", "worker_model"]

#: A model spec string or a picklable function returning the model.
ModelSource = Union[str, Callable[[], nn.Module]]

_MODELS: Dict[Tuple[Any, str], nn.Module] = {}
_LOCK = threading.Lock()


def batch_seed(seed: int, channels) -> int:
    """The seed of the batch that starts at channel ``channels[0]``.

    Example:
        >>> batch_seed(10, [16, 17, 18])
        26
    """
    return int(seed) + int(channels[0])


def build_model(source: ModelSource) -> nn.Module:
    """The model `source` names (a spec string) or returns (a function), in eval mode, frozen."""
    if isinstance(source, str):
        if importlib.util.find_spec("fviz_widgets.zoo.spec") is not None:
            from ..zoo.spec import load_model

            model = load_model(source)
        else:  # the spec module is not there: zoo names only
            from .. import zoo

            if source not in zoo.MODELS:
                raise ValueError(f"unknown model {source!r}; use a zoo model ({', '.join(zoo.MODELS)})")
            model = zoo.MODELS[source]()
    elif callable(source):
        model = source()
    else:
        raise TypeError(f"a model source is a spec string or a function returning the model, got {type(source).__name__}")
    if not isinstance(model, nn.Module):
        raise TypeError(f"model {source!r} gave a {type(model).__name__}, not an nn.Module")
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    return model


def portable(source: ModelSource) -> ModelSource:
    """`source` as a worker elsewhere can read it: a ``file.py:factory`` spec gets an absolute path.

    Example:
        >>> portable("shapes_cnn"), portable("no/such/file.py:make")
        ('shapes_cnn', 'no/such/file.py:make')
    """
    if isinstance(source, str) and ".py:" in source:
        path, _, factory = source.rpartition(":")
        if Path(path).expanduser().is_file():
            return f"{Path(path).expanduser().resolve()}:{factory}"
    return source


def _key(source: ModelSource) -> Any:
    if isinstance(source, str):
        return source
    try:
        return pickle.dumps(source)
    except Exception:  # noqa: BLE001 - unpicklable builders (thread pools) are cached by identity
        return id(source)


def worker_model(source: ModelSource, device: str = "cpu") -> nn.Module:
    """The model of `source` on `device`, built once per process and shared by its threads
    (renders on one model in several threads do not see each other)."""
    key = (_key(source), str(device))
    with _LOCK:
        model = _MODELS.get(key)
        if model is None:
            model = _MODELS[key] = build_model(source).to(device)
    return model


@functools.cache
def _named_param(spec: str, color_channels: int):
    """A named parameterization, resolved once per process (a ``file.py:function`` imports its file once)."""
    return param_factory(spec, color_channels)


def render_batch(model: nn.Module, job: Dict[str, Any]) -> Dict[str, Any]:
    """Render `job["channels"]` of `job["layer"]` in one batch; returns numpy images [n, H, W, C]
    (float32), the final objective value of each, the channels and the seconds it took.

    A KeyboardInterrupt during the render is raised again (the engine would return the best
    images so far, which must not count as finished channels).
    """
    channels = [int(c) for c in job["channels"]]
    param = job.get("param")
    if isinstance(param, str):
        param = _named_param(param, get_preprocess(model).color_channels)
    begin = time.perf_counter()
    result = render_layer(model, job["layer"], channels, batch_size=len(channels), size=job["size"],
                          seed=batch_seed(job["seed"], channels), steps=job["steps"], lr=job["lr"],
                          transforms=job["transforms"], redirect_steps=job.get("redirect_steps", 0),
                          param=param, progress=False)
    if result.status != "completed":
        raise KeyboardInterrupt(f"the render of {job['layer']} channels {channels} was {result.status}")
    return {"layer": job["layer"], "channels": channels, "images": np.asarray(result.images, np.float32),
            "alpha": result.alpha, "values": np.asarray(result.values, np.float64),
            "seconds": time.perf_counter() - begin}


def render_task(job: Dict[str, Any]) -> Dict[str, Any]:
    """The executor's work unit: build (or reuse) the job's model in this process, render the batch."""
    return render_batch(worker_model(job["model"], job["device"]), job)
