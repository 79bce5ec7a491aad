"""DirectionEditor: draw a direction in a layer's channel space and watch it render::

    editor = fv.DirectionEditor(model, "act3", stats=fv.activation_stats(model, "act3", images))
    editor                                    # drag bars, mix anchors, pick the objective
    editor.direction, editor.objective        # numpy vector and the fv.obj objective in use

Every change of the vector or of the objective family starts a new render in a background
thread; a run still going is stopped first (the newest request wins), so the notebook stays
responsive. Channel thumbnails (`thumbnails=True`) are rendered once per model and layer.
"""

from __future__ import annotations

import threading
import weakref
from typing import Any, Dict, List, Optional, Sequence, Union

import numpy as np
import traitlets as t
from torch import nn

from .. import objectives as obj
from ..core.capture import channel_count
from ..core.images import grid
from ..core.model import device_of, input_shape
from ..params import ParamFactory, batch_param, param_factory
from ..render import RenderResult, Step, render, render_layer
from ..stats import ActivationStats
from .base import BACKGROUND, Throttle, Widget, bundle, encode_frame
from .pictures import editor_picture

FAMILIES = ("direction", "direction_cossim", "cosine", "l2_inversion", "dot_orthogonal")
_THUMBNAILS: weakref.WeakKeyDictionary[nn.Module, Dict[tuple, List[bytes]]] = weakref.WeakKeyDictionary()


def _vector_to_json(value, _widget) -> List[float]:
    return [float(x) for x in np.asarray(value, dtype=np.float64).ravel()]


def _vector_from_json(value, _widget) -> np.ndarray:
    return np.asarray(value, dtype=np.float64)


class DirectionEditor(Widget):
    """Edit a direction vector over `layer`'s channels and render the objective it defines.

    Args:
        model, layer: the network and a layer with a channel axis.
        direction: the starting vector (default: one-hot on channel 0).
        family: "direction" (dot), "direction_cossim" (dot × cosⁿ, default), "cosine",
            "l2_inversion" (toward the vector) or "dot_orthogonal" (dot − weight · orthogonal part).
        stats: `fv.activation_stats` of the layer; enables the whitened (decorrelated) space.
        thumbnails: render one image per channel (once per model and layer) to show with the bars.
        live: re-render whenever the vector or the objective changes.
        param: the parameterization of every preview (and thumbnail): a name such as ``"maco"``
            or ``"fft+alpha"``, or a factory (`fv.param.param_factory`); a fresh one per render.
        steps, size, seed, **render_kwargs: passed to `fv.render` for the live preview.

    Example:
        >>> import fviz_widgets as fv
        >>> model = fv.zoo.shapes_cnn()
        >>> editor = fv.DirectionEditor(model, "act3", family="direction_cossim", size=32, steps=8)
        >>> image = fv.datasets.make_shapes(1, size=32)[0]
        >>> editor.direction = fv.activations(model, "act3", image)[0]   # a dataset image's response
        >>> editor.wait().images.shape
        (1, 32, 32, 3)
        >>> editor.close()
    """

    _esm = bundle("direction_editor")

    layer = t.Unicode("").tag(sync=True)
    direction = t.Any().tag(sync=True, to_json=_vector_to_json, from_json=_vector_from_json)
    family = t.Enum(FAMILIES, default_value="direction_cossim").tag(sync=True)
    cossim_pow = t.Float(2.0).tag(sync=True)
    cossim_floor = t.Float(0.1).tag(sync=True)
    orth_weight = t.Float(1.0).tag(sync=True)
    whitened = t.Bool(False).tag(sync=True)
    whitening_available = t.Bool(False).tag(sync=True)
    anchors = t.List(t.List(t.Float())).tag(sync=True)
    anchor_labels = t.List(t.Unicode()).tag(sync=True)
    mix = t.List(t.Float(), default_value=[0.5, 0.5]).tag(sync=True)
    thumbnails = t.List(t.Bytes()).tag(sync=True)
    frame = t.Bytes(b"").tag(sync=True)
    render_status = t.Unicode("idle").tag(sync=True)
    render_step = t.Int(0).tag(sync=True)
    render_total = t.Int(0).tag(sync=True)
    objective_repr = t.Unicode("").tag(sync=True)

    def __init__(self, model: nn.Module, layer: str, direction: Optional[Sequence[float]] = None, *,
                 family: str = "direction_cossim", stats: Optional[ActivationStats] = None,
                 thumbnails: bool = False, live: bool = True, steps: int = 128, seed: int = 0,
                 param: Union[str, ParamFactory, None] = None, **render_kwargs: Any):
        self._model = model
        colors, height, width = input_shape(model, render_kwargs.get("size"))
        self._param_spec, self._param_size = param, (height, width)
        self._param = param_factory(param, colors)
        self.channels = channel_count(model, layer, render_kwargs.get("size"))
        if stats is not None and stats.cov.shape[0] != self.channels:
            raise ValueError(f"stats are for {stats.cov.shape[0]} channels but {layer!r} has {self.channels}")
        self._stats = stats
        self._render_kwargs = dict(render_kwargs, steps=steps, seed=seed, progress=False)
        self.live = live
        self.result: Optional[RenderResult] = None
        self._pending: Optional[obj.Objective] = None
        self._busy = False
        self._closed = False
        self._stop = threading.Event()
        self._wake = threading.Condition()
        self._worker: Optional[threading.Thread] = None
        if direction is None:
            direction = np.eye(self.channels)[0]
        super().__init__(layer=layer, direction=np.asarray(direction, dtype=np.float64), family=family,
                         whitening_available=stats is not None, render_total=steps)
        if thumbnails:
            self.thumbnails = self._thumbnails(render_kwargs.get("size"))
        self.observe(self._changed, names=["direction", "family", "cossim_pow", "cossim_floor", "orth_weight", "whitened"])
        self._changed()

    # -- the vector and the objective ------------------------------------------------------

    @t.validate("direction")
    def _check_direction(self, proposal) -> np.ndarray:
        v = np.asarray(proposal["value"], dtype=np.float64).ravel()
        if v.shape != (self.channels,):
            raise t.TraitError(f"the direction needs {self.channels} values (one per channel of {self.layer!r}), got {v.size}")
        if not np.isfinite(v).all():
            raise t.TraitError("the direction contains NaN or inf")
        return v

    @t.validate("whitened")
    def _check_whitened(self, proposal) -> bool:
        if proposal["value"] and self._stats is None:
            raise t.TraitError("whitened=True needs activation statistics: DirectionEditor(..., stats=fv.activation_stats(...))")
        return proposal["value"]

    @property
    def objective(self) -> obj.Objective:
        """The `fv.obj` objective the editor's current state defines (what the preview renders)."""
        v = self.direction
        transform = self._stats if self.whitened else None
        if self.family == "direction":
            return obj.direction(self.layer, v, transform=transform)
        if self.family == "direction_cossim":
            return obj.direction_cossim(self.layer, v, pow=self.cossim_pow, floor=self.cossim_floor, transform=transform)
        if self.family == "cosine":
            return obj.cosine(self.layer, v, transform=transform)
        if self.family == "l2_inversion":
            return obj.l2_inversion(self.layer, v)
        return obj.dot_orthogonal(self.layer, v, weight=self.orth_weight, transform=transform)

    def add_anchor(self, vector: Sequence[float], label: Optional[str] = None) -> None:
        """Add a vector (e.g. a dataset image's `fv.activations`) as an anchor of the mixing pad."""
        if len(self.anchors) >= 4:
            raise ValueError("the mixing pad takes at most 4 anchors")
        v = self._check_direction({"value": vector})
        self.anchors = [*self.anchors, v.tolist()]
        self.anchor_labels = [*self.anchor_labels, label or f"anchor {len(self.anchors)}"]

    # -- live rendering (newest request wins) ----------------------------------------------

    def _changed(self, _change=None) -> None:
        try:
            objective = self.objective
        except ValueError as error:  # e.g. every bar at zero: nothing to point at
            self.objective_repr, self.render_status = "", f"not rendered: {error}"
            return
        self.objective_repr = repr(objective)
        if not self.live or self._closed:
            return
        with self._wake:
            self._pending = objective
            self._stop.set()  # a run still going is stale: end it after its current step
            if self._worker is None:
                self._worker = threading.Thread(target=self._work, name="fviz-direction-editor", daemon=True)
                BACKGROUND.add(self._worker, self._shut_down)
                self._worker.start()
            self._wake.notify_all()

    def _work(self) -> None:
        while True:
            with self._wake:
                while self._pending is None and not self._closed:
                    self._busy = False
                    self._wake.notify_all()
                    self._wake.wait()
                if self._closed:
                    return
                objective, self._pending = self._pending, None
                self._busy = True
                self._stop.clear()
            gate = Throttle(0.1)

            def on_step(step: Step) -> None:
                if gate(force=step.step == step.total):
                    with self.hold_sync():
                        self.render_step = step.step
                        self.frame = encode_frame(grid(step.images, alpha=step.alpha), final=False, alpha=step.alpha)

            self.render_status = "running"
            try:
                image = batch_param(self._param, self._param_size, batch=1, seed=self._render_kwargs["seed"],
                                    device=device_of(self._model))
                result = render(self._model, objective, param=image, callback=on_step, stop=self._stop,
                                **self._render_kwargs)
            except Exception as error:  # shown in the widget; the next change tries again
                self.render_status = f"failed: {type(error).__name__}: {error}"
                continue
            if result.status == "stopped":
                self.render_status = "superseded"
                continue
            self.result = result
            with self.hold_sync():
                self.frame = encode_frame(result.grid(), final=True, alpha=result.alpha)
                self.render_step = int(result.timing["steps"])
                self.render_status = f"done · value {float(result.values[0]):.4g}"
            self._refresh_displays()

    def wait(self, timeout: Optional[float] = 120.0) -> Optional[RenderResult]:
        """Block until the latest requested render has finished; returns its result."""
        with self._wake:
            done = self._wake.wait_for(lambda: self._pending is None and not self._busy, timeout)
        if not done:
            raise TimeoutError(f"the editor's render did not finish within {timeout} s")
        self._refresh_displays()  # from the kernel's thread, so a saved notebook has the final picture
        return self.result

    def _shut_down(self) -> None:
        with self._wake:
            self._closed = True
            self._stop.set()
            self._wake.notify_all()

    def close(self) -> None:
        if not hasattr(self, "_wake"):  # __init__ failed before the worker existed
            return super().close()
        self._shut_down()
        super().close()

    # -- thumbnails ------------------------------------------------------------------------

    def _thumbnails(self, size) -> List[bytes]:
        key = (self.layer, size, self._render_kwargs["steps"], repr(self._param_spec))
        cache = _THUMBNAILS.setdefault(self._model, {})
        if key not in cache:
            layer = render_layer(self._model, self.layer, size=size, steps=self._render_kwargs["steps"],
                                 param=self._param_spec, progress=False)
            cache[key] = [encode_frame(image, final=True, alpha=layer.alpha) for image in layer.images]
        return cache[key]

    def _summary(self) -> Dict[str, Any]:
        return {"layer": self.layer, "channels": self.channels, "family": self.family}

    def _picture(self) -> bytes:
        image = None if self.result is None else grid(self.result.shown())
        return editor_picture(self.direction, image, layer=self.layer, objective=self.objective_repr,
                              status=self.render_status)
