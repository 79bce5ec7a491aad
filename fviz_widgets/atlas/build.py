"""`build_atlas`: every channel of the chosen layers, rendered in batches, as a static website.

    plan (layers × channels, batches of batch_size) ─► executor: render_task per batch (or
    render_batch inline) ─► per batch: PNGs, dataset examples, classes, channel pages, manifest
    ─► layer pages and index

Nothing is half-written: each file is written under a temporary name and renamed, and the
manifest marks a batch done only after all of its files exist. An interrupted atlas (Ctrl-C, a
crash, a lost worker) picks up where it stopped when called again with the same settings.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
from collections.abc import Mapping
from concurrent.futures import FIRST_COMPLETED, Executor, wait
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from torch import nn

from .. import __version__
from .. import transforms as transforms_module
from ..core import images as imaging
from ..core.aggregate import channel_indices
from ..core.capture import channel_count
from ..core.model import device_of, input_shape
from ..core.validate import positive_int, positive_number, seed_value
from ..experiments.runner import InlineExecutor
from ..params import param_factory
from . import layout, pages, tasks
from .examples import LayerExamples, as_dataset, describe_dataset
from .manifest import Manifest, open_manifest, write_text
from .readout import Readout, readout

__all__ = ["build_atlas"]

#: Renders are shown enlarged (nearest neighbour) to at least this many pixels on a side.
ENLARGED = 256
#: Classes listed per channel.
TOP_CLASSES = 5


def _fingerprint(model: nn.Module) -> str:
    digest = hashlib.sha1()
    for name, tensor in model.state_dict().items():
        digest.update(name.encode())
        if isinstance(tensor, torch.Tensor):
            digest.update(tensor.detach().cpu().contiguous().view(-1).view(torch.uint8).numpy().tobytes()
                          if tensor.numel() else b"")
    return digest.hexdigest()


def _layers(layers: Union[str, Sequence[str], Mapping]) -> List[Tuple[str, str]]:
    """(module name, title) per layer, duplicates dropped."""
    if isinstance(layers, str):
        pairs = [(layers, layers)]
    elif isinstance(layers, Mapping):
        pairs = [(str(name), str(title)) for name, title in layers.items()]
    else:
        pairs = [(name, name) for name in layers]
    if not pairs or not all(isinstance(name, str) and name for name, _ in pairs):
        raise ValueError(f"layers must name at least one layer (e.g. ['conv3'] or {{'conv3': 'title'}}), got {layers!r}")
    seen: Dict[str, str] = {}
    for name, title in pairs:
        seen.setdefault(name, title)
    return list(seen.items())


def _channel_choice(channels: Any, layer: str):
    if isinstance(channels, Mapping):
        return channels.get(layer)
    return channels


def _source_name(source: Any) -> Optional[str]:
    if source is None or isinstance(source, str):
        return source
    return getattr(source, "__qualname__", None) or repr(source)


def _executor(executor: Optional[Executor], dask: Optional[str], stack: contextlib.ExitStack) -> Optional[Executor]:
    if executor is not None and dask is not None:
        raise ValueError("pass executor= or dask=, not both")
    if dask is not None:
        from .distributed import dask_executor

        return stack.enter_context(dask_executor(dask))
    if executor is not None and callable(getattr(executor, "get_executor", None)):  # a Dask Client
        return executor.get_executor()
    if executor is not None and not callable(getattr(executor, "submit", None)):
        raise TypeError(f"executor must be a concurrent.futures.Executor, got {type(executor).__name__}")
    return executor


def _results(executor: Executor, calls: List[Tuple[Callable, tuple]], window: int) -> Iterator[Any]:
    """Each call's result as it completes; at most `window` in flight; the rest cancelled on exit."""
    pending: set = set()
    queue = iter(calls)
    try:
        while True:
            for fn, args in queue:
                pending.add(executor.submit(fn, *args))
                if len(pending) >= window:
                    break
            if not pending:
                return
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                yield future.result()
    finally:
        for future in pending:
            future.cancel()


class _Atlas:
    """The folder being written: plan, manifest, per-layer readouts and dataset examples."""

    def __init__(self, folder: Path, model: nn.Module, manifest: Manifest, data, examples: int, title: str):
        self.folder, self.model, self.manifest, self.data, self.k = folder, model, manifest, data, examples
        self.layers = {layer["name"]: layer for layer in manifest.layers}
        self.size = tuple(manifest.settings["size"])
        self._readouts: Dict[str, Optional[Readout]] = {}
        self._examples: Dict[str, LayerExamples] = {}
        self._facts: Dict[Tuple[str, int], Dict[str, Any]] = {}
        self.view = pages.AtlasView(title, manifest.layers, manifest.done, manifest.settings, self.facts)

    def facts(self, layer: str, channel: int) -> Optional[Dict[str, Any]]:
        key = (layer, int(channel))
        if key not in self._facts:
            path = self.folder / layout.channel_data(self.layers[layer]["slug"], channel)
            if not path.is_file():
                return None
            self._facts[key] = json.loads(path.read_text(encoding="utf-8"))
        return self._facts[key]

    def complete_files(self, layer: str, channel: int) -> bool:
        slug = self.layers[layer]["slug"]
        return all((self.folder / p).is_file() for p in (layout.render_image(slug, channel),
                                                           layout.channel_data(slug, channel),
                                                           layout.channel_page(slug, channel)))

    def _readout(self, layer: str) -> Optional[Readout]:
        if layer not in self._readouts:
            self._readouts[layer] = readout(self.model, layer, self.size)
        return self._readouts[layer]

    def _layer_examples(self, layer: str) -> LayerExamples:
        if layer not in self._examples:
            self._examples[layer] = LayerExamples(self.model, layer, self.layers[layer]["channels"], self.data)
        return self._examples[layer]

    def _example_items(self, indices: List[int], values: List[float]) -> List[Dict[str, Any]]:
        items = []
        for i, v in zip(indices, values):
            path = self.folder / layout.dataset_image(i)
            if not path.is_file():
                imaging.save(imaging.to_hwc(self.data.images[i : i + 1])[0], path)
            items.append({"index": i, "value": v, "name": self.data.names[i]})
        return items

    def write_batch(self, result: Dict[str, Any]) -> None:
        layer, channels, images = result["layer"], result["channels"], result["images"]
        entry = self.layers[layer]
        slug = entry["slug"]
        h, w = images.shape[1:3]
        factor = max(1, math.ceil(ENLARGED / max(h, w)))
        alpha = bool(result.get("alpha", False))
        found = self._readout(layer)
        # RGBA renders (a param with alpha) reach the model over mid grey
        seen = imaging.over_grey(images) if alpha else images
        support = found.supports(self.model, channels, seen) if found is not None else None
        for i, c in enumerate(channels):
            image = images[i]
            imaging.save(image, self.folder / layout.render_image(slug, c), alpha=alpha)
            imaging.save(np.repeat(np.repeat(image, factor, 0), factor, 1),
                         self.folder / layout.enlarged_image(slug, c, factor), alpha=alpha)
            facts: Dict[str, Any] = {"layer": layer, "channel": int(c), "value": float(result["values"][i]),
                                     "size": [int(h), int(w)], "factor": factor, "examples": None, "classes": None}
            if self.data is not None and self.k:
                picked = self._layer_examples(layer).top(c, self.k)
                facts["examples"] = {"top": self._example_items(picked["top"], picked["top_values"]),
                                     "least": self._example_items(picked["least"], picked["least_values"]),
                                     "count": len(self.data.images),
                                     "source": self.manifest.settings["dataset"]["source"]}
            if support is not None:
                order = np.argsort(-support[i], kind="stable")[:TOP_CLASSES]
                facts["classes"] = {"method": found.method,
                                    "top": [{"class": found.classes[k], "value": float(support[i, k])} for k in order]}
            write_text(self.folder / layout.channel_data(slug, c), json.dumps(facts, indent=1))
            self._facts[(layer, int(c))] = facts
            write_text(self.folder / layout.channel_page(slug, c), pages.channel_page(self.view, entry, int(c), facts))

    def write_overview(self, layers: Optional[Sequence[str]] = None) -> None:
        for i, entry in enumerate(self.manifest.layers):
            if layers is None or entry["name"] in layers:
                write_text(self.folder / layout.layer_page(entry["slug"]), pages.layer_page(self.view, i))
        write_text(self.folder / layout.INDEX, pages.index_page(self.view))


def build_atlas(
    model: Union[nn.Module, str, Callable[[], nn.Module]],
    layers: Union[str, Sequence[str], Mapping],
    out: Union[str, Path],
    *,
    channels: Union[None, Sequence[int], Mapping] = None,
    steps: int = 256,
    size: Optional[Union[int, Tuple[int, int]]] = None,
    seed: int = 0,
    batch_size: int = 16,
    dataset: Any = None,
    examples: int = 8,
    transforms: Any = "standard",
    lr: float = 0.05,
    redirect_steps: int = 0,
    param: Union[str, Callable[..., Any], None] = "fft",
    executor: Optional[Executor] = None,
    dask: Optional[str] = None,
    progress: bool = True,
    model_spec: Optional[Union[str, Callable[[], nn.Module]]] = None,
    overwrite: bool = False,
) -> Path:
    """Render every channel of `layers` and write a static atlas website into the folder `out`.

    Each layer's channels are rendered `batch_size` at a time (one image per channel, each batch
    item maximizing its own channel's mean, as `fv.render_layer`); a batch is seeded by
    ``seed + its first channel``, so the images depend on the settings only, not on how or
    where the batches run. The folder opens from disk in a browser (no server, no scripts):

    - ``index.html``: layer navigation and a thumbnail grid per layer;
    - ``layers/<layer>.html``: every channel's thumbnail;
    - ``channels/<layer>/<c>.html``: the render enlarged (nearest neighbour), the `examples`
      most and least exciting images of `dataset`, and, when the model names its classes
      (``model.classes``), the classes the channel supports most: the weights of the linear
      read-out when the layer feeds it through a global pool, else the gradient of each logit
      with respect to the channel's mean at the channel's render (the page says which);
    - ``manifest.json``: settings, versions and which channels are done.

    Args:
        model: an nn.Module, a model spec string (``"shapes_cnn"``, ``"torchvision:resnet18"``,
            ``"file.py:factory"``) or a function that builds the model.
        layers: a layer name, a list of names, or {name: title} to show other titles.
        out: the atlas folder (created; one holding other files is refused).
        channels: the channels of every layer (default all), or {layer: channels}.
        steps, size, seed, transforms, lr, redirect_steps: as in `fv.render` (size: the model's
            input size by default; redirect_steps ≈ 16 wakes ReLU channels that start dead, which
            otherwise stay a flat grey). batch_size: channels per render.
        param: each batch's parameterization, as in `fv.render_layer`: ``"fft"``, ``"pixel"``,
            ``"normal_depth"`` (a user-defined input domain: the page shows the normal map),
            ``"path/to/file.py:function"``, or a picklable factory function.
        dataset: where dataset examples come from: ``"shapes"``, ``"photos"``, ``"faces"``, a
            folder of PNG/JPEG images, an `ImageSet`, images, or a torch Dataset; None for none.
            examples: how many of the most and of the least exciting images to show.
        executor: any `concurrent.futures.Executor` (threads, processes, ``client.get_executor()``
            of Dask, or a Dask ``Client``): one task per batch, given the model's spec so the
            worker builds the model itself (once per process). dask: ``"local"`` or a scheduler
            address: run on Dask (see `dask_executor`). Default: in this thread with `model`.
        progress: a tqdm bar over batches.
        model_spec: how workers build the model (a spec string or a picklable function); taken
            from `model` when that is a string. Needed with an executor.
        overwrite: start again in a folder that holds an atlas made with other settings.

    Returns:
        the path of ``index.html``.

    Raises:
        ValueError: `out` holds an atlas made with other settings (the message names them).
        KeyboardInterrupt: after keeping every finished batch; call again to continue.

    Example:
        >>> import tempfile
        >>> folder = Path(tempfile.mkdtemp()) / "atlas"
        >>> index = build_atlas("shapes_cnn", ["act4"], folder, channels=range(4), size=32, steps=4,
        ...                     batch_size=2, dataset="shapes", examples=3, progress=False)
        >>> index.name, sorted(p.name for p in (folder / "channels" / "act4").iterdir())
        ('index.html', ['0.html', '1.html', '2.html', '3.html'])
        >>> json.loads((folder / "manifest.json").read_text())["done"]
        {'act4': [0, 1, 2, 3]}
        >>> "Classes it supports most" in (folder / "channels" / "act4" / "0.html").read_text()
        True
        >>> import shutil; shutil.rmtree(folder.parent)
    """
    if isinstance(model, str) or (callable(model) and not isinstance(model, nn.Module)):
        model_spec = model if model_spec is None else model_spec
        model = tasks.build_model(model)
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be an nn.Module, a model spec string or a function, got {type(model).__name__}")
    steps, batch_size = positive_int(steps, "steps"), positive_int(batch_size, "batch_size")
    examples, seed, lr = positive_int(examples, "examples", minimum=0), seed_value(seed), positive_number(lr, "lr")
    redirect_steps = positive_int(redirect_steps, "redirect_steps", minimum=0)
    if not isinstance(out, (str, Path)):
        raise TypeError(f"out is a folder path, got {type(out).__name__}")
    folder = Path(out).expanduser()
    colors, h, w = input_shape(model, size)
    param = param or "fft"
    param_factory(param, colors)  # an unknown name or a broken file fails before anything is written
    plan = []
    names = _layers(layers)
    for (name, title), slug in zip(names, layout.slugs([n for n, _ in names])):
        count = channel_count(model, name, (h, w))
        picked = channel_indices(_channel_choice(channels, name), count, layer=name)
        plan.append({"name": name, "title": title, "slug": slug,
                     "channels": list(range(count)) if picked is None else list(picked)})
    data = as_dataset(dataset, model) if examples else None
    settings = {
        "model": _source_name(model_spec) or type(model).__name__, "model_sha1": _fingerprint(model),
        "device": str(device_of(model)), "layers": [p["name"] for p in plan], "titles": [p["title"] for p in plan],
        "channels": {p["name"]: p["channels"] for p in plan}, "steps": steps, "size": [h, w], "seed": seed,
        "batch_size": batch_size, "lr": lr, "redirect_steps": redirect_steps, "param": _source_name(param), "transforms": repr(transforms_module.get(transforms)),
        "dataset": describe_dataset(data, dataset), "examples": examples if data is not None else 0,
        "versions": {"fviz_widgets": __version__, "torch": torch.__version__},
    }
    with contextlib.ExitStack() as stack:
        pool = _executor(executor, dask, stack)
        if pool is not None and model_spec is None:
            raise ValueError("an executor's workers build the model themselves: pass model_spec= (a spec string such "
                             "as 'shapes_cnn', or a picklable function returning the model), or the spec as model")
        manifest = open_manifest(folder, settings, plan, overwrite=overwrite)
        atlas = _Atlas(folder, model, manifest, data, examples, settings["model"])
        for entry in plan:  # a channel counts as done only with all of its files
            kept = [c for c in manifest.done[entry["name"]] if atlas.complete_files(entry["name"], c)]
            manifest.done[entry["name"]] = kept
        job = {"model": tasks.portable(model_spec), "device": settings["device"], "size": (h, w), "steps": steps, "seed": seed,
               "transforms": transforms, "lr": lr, "redirect_steps": redirect_steps, "param": tasks.portable(param)}
        batches = [dict(job, layer=entry["name"], channels=entry["channels"][i : i + batch_size])
                   for entry in plan for i in range(0, len(entry["channels"]), batch_size)]
        todo = [b for b in batches if not all(manifest.is_done(b["layer"], c) for c in b["channels"])]
        if pool is None or isinstance(pool, InlineExecutor):
            calls = [(tasks.render_batch, (model, b)) for b in todo]
            pool, window = pool or InlineExecutor(), 1
        else:
            calls = [(tasks.render_task, (b,)) for b in todo]
            window = max(1, len(calls))
        from tqdm.auto import tqdm

        bar = stack.enter_context(tqdm(total=len(todo), desc=f"atlas {folder.name}", unit="batch",
                                       disable=not progress))
        try:
            with contextlib.closing(_results(pool, calls, window)) as results:
                for result in results:
                    atlas.write_batch(result)
                    manifest.mark(result["layer"], result["channels"])
                    manifest.save()
                    atlas.write_overview([result["layer"]])
                    bar.update()
        except KeyboardInterrupt as error:
            done = sum(len(v) for v in manifest.done.values())
            total = sum(len(p["channels"]) for p in plan)
            raise KeyboardInterrupt(f"atlas interrupted with {done} of {total} channels done in {folder}; call "
                                    "build_atlas again with the same settings to continue") from error
        finally:
            manifest.save()
            atlas.write_overview()
    return folder / layout.INDEX
