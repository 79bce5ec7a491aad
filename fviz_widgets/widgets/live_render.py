"""LiveRender: watch `fv.render` optimize, in the notebook::

    live = fv.LiveRender(model, "conv3:5", steps=256)
    result = live.run()                        # blocking: streams while the cell runs
    handle = live.run(background=True)         # the cell returns at once; Stop works
    handle.stop()                              # or press Stop; returns the RenderResult
    fv.LiveRender.layer(model, "conv3").run()  # every channel of a layer, as a growing grid

Blocking mode works everywhere (JupyterLab, Notebook 7, VS Code, Colab, nbval): the kernel is
busy, so interrupt it to stop (the best images so far are kept). Background mode runs the
engine in a thread; the Stop button sets a trait that the kernel hears between cells.
Re-running the cell of a background run stops that run (its output is gone with the old cell's
output); several LiveRenders may run at once, also on one model.
"""

from __future__ import annotations

import threading
import weakref
from collections import defaultdict
from typing import Any, Callable, Dict, List, Optional, Sequence

import numpy as np
import traitlets as t
from torch import nn

from ..core import images as imaging
from ..core.aggregate import channel_indices
from ..core.capture import channel_count
from ..objectives import Objective, as_objective
from ..render import NonFiniteLossError, RenderResult, Step, render, render_layer
from .base import BACKGROUND, Throttle, Widget, bundle, current_cell, encode_frame
from .pictures import grid_columns, render_picture

UPDATE_INTERVAL = 0.1  # ≈10 images per second, with step, it/s and curves in the same message
MAX_POINTS = 1000  # curve points sent to the front end (the full history stays in the result)
REPLACED = "stopped: its cell was run again"
_BY_CELL: Dict[str, weakref.ref[LiveRender]] = {}  # the LiveRender each notebook cell last ran
_BY_CELL_LOCK = threading.Lock()


class LiveRender(Widget):
    """A render that streams into a widget: image(s), loss and term curves, status, snapshots.

    Args:
        model, objective: as for `fv.render`.
        **render_kwargs: any other `fv.render` argument (steps, param, transforms, lbfgs_steps,
            thresholds, seed, ...). A `callback` is still called on every step; `progress`
            defaults to False because the widget is the progress display.

    Example:
        >>> import fviz_widgets as fv
        >>> live = fv.LiveRender(fv.zoo.shapes_cnn(), fv.obj.class_logit(0), size=32, steps=8)
        >>> live.run(display=False).status, live
        ('completed', LiveRender(objective='class_logit(0)', status='completed', step='8/8'))
    """

    _esm = bundle("live_render")

    title = t.Unicode("").tag(sync=True)
    status = t.Unicode("idle").tag(sync=True)
    mode = t.Unicode("blocking").tag(sync=True)
    step = t.Int(0).tag(sync=True)
    total = t.Int(0).tag(sync=True)
    phase = t.Unicode("").tag(sync=True)
    it_per_s = t.Float(0.0).tag(sync=True)
    elapsed = t.Float(0.0).tag(sync=True)
    frame = t.Bytes(b"").tag(sync=True)
    frame_step = t.Int(0).tag(sync=True)
    tile = t.List(t.Int()).tag(sync=True)  # [h, w] of one image of the grid, so the view can enlarge it
    columns = t.Int(1).tag(sync=True)
    history = t.Dict().tag(sync=True)  # {"step", "loss", "terms": {name}}: float32 bytes
    thresholds = t.List().tag(sync=True)
    labels = t.List(t.Unicode()).tag(sync=True)
    error = t.Unicode("").tag(sync=True)
    note = t.Unicode("").tag(sync=True)
    stop_requested = t.Bool(False).tag(sync=True)

    def __init__(self, model: nn.Module, objective: Objective | str, **render_kwargs: Any):
        if "stop" in render_kwargs:
            raise TypeError("LiveRender manages `stop` itself; use run(background=True) and the handle's stop()")
        objective = as_objective(objective)
        self._setup(model, repr(objective), render_kwargs, batches=1)
        self._engine = lambda **run: render(model, objective, **run, **self._kwargs)

    @classmethod
    def layer(cls, model: nn.Module, layer: str, channels: Optional[Sequence[int]] = None, *,
              batch_size: int = 16, **render_kwargs: Any) -> LiveRender:
        """`fv.render_layer` streamed: every channel of `layer` (or `channels`), `batch_size` per
        run, shown as one grid that fills in batch by batch.

        Example:
            >>> import fviz_widgets as fv
            >>> live = fv.LiveRender.layer(fv.zoo.shapes_cnn(), "conv1", channels=range(6), batch_size=4,
            ...                            size=32, steps=4)
            >>> live.run(display=False).labels, live.step, live.total
            (['conv1:0', 'conv1:1', 'conv1:2', 'conv1:3', 'conv1:4', 'conv1:5'], 8, 8)
        """
        if "stop" in render_kwargs:
            raise TypeError("LiveRender manages `stop` itself; use run(background=True) and the handle's stop()")
        count = channel_count(model, layer, render_kwargs.get("size"))
        picked = channel_indices(channels, count, layer=layer)
        channels = list(range(count)) if picked is None else list(picked)
        widget = cls.__new__(cls)
        widget._setup(model, f"render_layer({layer!r}, {len(channels)} channels)", render_kwargs,
                      batches=-(-len(channels) // max(1, int(batch_size))), channels=len(channels))
        widget._engine = lambda **run: render_layer(model, layer, channels, batch_size=batch_size, **run,
                                                    **widget._kwargs)
        return widget

    def _setup(self, model: nn.Module, title: str, render_kwargs: Dict[str, Any], batches: int,
               channels: int = 0) -> None:
        self._model = model
        self._user_callback: Optional[Callable[[Step], None]] = render_kwargs.pop("callback", None)
        render_kwargs.setdefault("progress", False)
        self._kwargs = render_kwargs
        self._per_batch = render_kwargs.get("steps", 512) + render_kwargs.get("lbfgs_steps", 0)
        self._channels = channels  # a layer run: the grid has this many places
        self._snapshot_steps = set(render_kwargs.get("thresholds") or ())
        self._stop = threading.Event()
        self._lock = threading.RLock()  # trait updates come from the engine thread and the kernel
        self._running = False
        self.result: Optional[RenderResult] = None
        super().__init__(title=title, total=self._per_batch * batches)
        self.observe(self._on_stop_requested, "stop_requested")

    # -- running -------------------------------------------------------------------------

    def run(self, background: bool = False, display: bool = True) -> RenderResult | RenderHandle:
        """Show the widget (unless display=False) and render.

        Blocking (default): returns the `RenderResult`; a kernel interrupt ends the run with the
        best images so far. background=True: returns a `RenderHandle` at once. A background run
        that an earlier execution of the same notebook cell started is stopped first.
        """
        if self._running:
            raise RuntimeError("this LiveRender is already running; stop() its handle or wait() first")
        self._replace_cell_run()
        self._reset("background" if background else "blocking")
        if display:
            from IPython.display import display as show

            show(self)
        if not background:
            try:
                return self._work()
            finally:
                self._refresh_displays()
        handle = RenderHandle(self)
        thread = threading.Thread(target=handle._target, name="fviz-live-render", daemon=True)
        handle._thread = thread
        BACKGROUND.add(thread, self._stop.set)
        thread.start()
        return handle

    def _replace_cell_run(self) -> None:
        """Stop the run this cell started the last time it ran (its widget left with its output)."""
        cell = current_cell()
        if cell is None:
            return
        with _BY_CELL_LOCK:
            previous = _BY_CELL.get(cell)
            _BY_CELL[cell] = weakref.ref(self)
        previous = previous() if previous is not None else None
        if previous is not None and previous is not self and previous._running:
            previous._replaced()

    def _replaced(self) -> None:
        with self._lock:
            self.note = REPLACED
        self._stop.set()

    def _reset(self, mode: str) -> None:
        self._running = True
        self._stop.clear()
        self._curves = Curves(MAX_POINTS)
        self._gate = Throttle(UPDATE_INTERVAL)
        self._batch, self._last_step, self._last_elapsed, self._done_seconds = 0, 0, 0.0, 0.0
        self._last_images: Optional[np.ndarray] = None
        self._finished_images: List[np.ndarray] = []  # layer runs: the images of finished batches
        self._alpha = False  # RGBA frames (a param with alpha=True)
        self.result = None
        with self._lock, self.hold_sync():
            self.mode, self.status, self.error, self.note = mode, "running", "", ""
            self.step, self.phase, self.it_per_s, self.elapsed = 0, "", 0.0, 0.0
            self.frame, self.frame_step, self.history, self.thresholds = b"", 0, {}, []
            self.stop_requested = False

    def _work(self) -> RenderResult:
        try:
            result = self._engine(callback=self._on_step, stop=self._stop)
        except NonFiniteLossError as error:
            self._finish(error.result, error=str(error))
            raise
        except BaseException as error:
            self._fail(error)
            raise
        self._finish(result)
        return result

    def _on_step(self, step: Step) -> None:
        if step.step < self._last_step:  # a layer run started its next batch
            self._batch += 1
            self._done_seconds += self._last_elapsed
            if self._last_images is not None:
                self._finished_images.append(self._last_images)
        self._last_step, self._last_elapsed = step.step, step.elapsed
        number = self._batch * self._per_batch + step.step
        elapsed = self._done_seconds + step.elapsed
        terms = step.terms if not self._channels else {"channel mean": next(iter(step.terms.values()))}
        self._curves.add(number, step.loss, terms)
        if self._user_callback is not None:
            self._user_callback(step)
        snapshot = step.step in self._snapshot_steps
        # a layer run keeps each batch's last images for the grid
        due = self._gate() or bool(self._channels and step.step == self._per_batch)
        if not (due or snapshot):
            return
        images = step.images
        self._alpha = step.alpha
        if self._channels:
            self._last_images = images
            images = self._layer_grid(images)
        with self._lock, self.hold_sync():  # one message carries the frame, the numbers and the curves
            if due:
                self.step, self.phase = number, step.phase
                self.elapsed = elapsed
                self.it_per_s = number / elapsed if elapsed > 0 else 0.0
                self.history = self._history()
                self._send_frame(images, final=False)
                self.frame_step = number
            if snapshot:
                png = encode_frame(self._grid(images), final=True, alpha=self._alpha)
                self.thresholds = self.thresholds + [{"step": number, "png": png}]

    def _layer_grid(self, current: np.ndarray) -> np.ndarray:
        """Finished channels, the batch in progress, and blank places for the channels to come."""
        shown = [*self._finished_images, current]
        images = np.concatenate(shown)[: self._channels]
        missing = self._channels - len(images)
        if missing > 0:
            blank = np.full((missing, *images.shape[1:]), 0.5, dtype=images.dtype)
            images = np.concatenate([images, blank])
        return images

    def _send_frame(self, images: np.ndarray, final: bool) -> None:
        self.frame = encode_frame(self._grid(images), final=final, alpha=self._alpha)
        self.tile, self.columns = [int(images.shape[1]), int(images.shape[2])], grid_columns(len(images))

    def _finish(self, result: RenderResult, error: str = "") -> None:
        self.result = result
        self._alpha = result.alpha
        with self._lock, self.hold_sync():
            self.status = result.status
            self.error = error
            self.step = int(result.timing.get("steps", self._curves.count))
            self.elapsed = float(result.timing.get("seconds", 0.0))
            self.it_per_s = float(result.timing.get("it_per_s", 0.0))
            self.history = self._history()
            self.labels = list(result.labels or [])
            self._send_frame(result.images, final=True)  # final frames are PNG
            self.frame_step = self.step
        self._running = False

    def _fail(self, error: BaseException) -> None:
        with self._lock:
            self.status, self.error = "failed", f"{type(error).__name__}: {error}"
        self._running = False

    def _on_stop_requested(self, change: Dict[str, Any]) -> None:
        if change["new"] and self._running:
            self._stop.set()
            with self._lock:
                self.status = "stopping"  # tells the front end the kernel heard the Stop button

    def _history(self) -> Dict[str, Any]:
        return self._curves.payload()

    def _grid(self, images: np.ndarray) -> np.ndarray:
        return imaging.grid(images, columns=grid_columns(len(images)), alpha=self._alpha)

    def _summary(self) -> Dict[str, Any]:
        return {"objective": self.title, "status": self.status, "step": f"{self.step}/{self.total}"}

    def _picture(self) -> Optional[bytes]:
        result = self.result
        if result is None:  # nothing rendered yet: the live view (or the text repr) says so
            return None
        steps = np.arange(1, len(result.loss) + 1)
        terms = {name: np.asarray(values).mean(axis=-1) for name, values in result.terms.items()}
        status = f"{result.status} · {self.step}/{self.total} steps" + (f" · {self.note}" if self.note else "")
        return render_picture(result.shown(), list(result.labels or []), steps=steps, loss=result.loss,
                              terms=terms, title=self.title, status=status)


class Curves:
    """The loss and per-term curves of a run, thinned as they arrive to at most `limit` points.

    When the buffer fills, every second point is dropped and from then on only every 2ᵏ-th step
    is kept, so one update costs the same at step 100 and at step 10⁶; the newest step is always
    shown. The points travel as float32 bytes (binary buffers: JSON floats cost ~2 ms an update).

    Example:
        >>> curves = Curves(limit=8)
        >>> for i in range(1, 101):
        ...     curves.add(i, float(i), {})
        >>> steps = np.frombuffer(curves.payload()["step"], np.float32)
        >>> len(steps) <= 9, float(steps[0]), float(steps[-1])
        (True, 1.0, 100.0)
    """

    def __init__(self, limit: int):
        self.limit = max(2, int(limit))
        self.stride = 1
        self.count = 0
        self.kept: Dict[str, List[float]] = defaultdict(list)  # "step", "loss", then "term:<name>"
        self.latest: Dict[str, float] = {}

    def add(self, step: int, loss: float, terms: Dict[str, np.ndarray]) -> None:
        self.latest = {"step": step, "loss": loss}
        for name, values in terms.items():
            self.latest["term:" + name] = sum(values.tolist()) / values.size  # np.mean costs 5 µs here
        self.count += 1
        if (self.count - 1) % self.stride:
            return
        for key, value in self.latest.items():
            self.kept[key].append(value)
        if len(self.kept["step"]) >= self.limit:
            for values in self.kept.values():
                del values[1::2]
            self.stride *= 2

    def payload(self) -> Dict[str, Any]:
        def series(key: str) -> bytes:
            values = list(self.kept[key])
            if self.kept["step"] and self.kept["step"][-1] != self.latest["step"]:
                values.append(self.latest[key])
            return np.asarray(values, dtype=np.float32).tobytes()

        if not self.latest:
            return {"step": b"", "loss": b"", "terms": {}}
        return {"step": series("step"), "loss": series("loss"),
                "terms": {key[5:]: series(key) for key in self.latest if key.startswith("term:")}}


class RenderHandle:
    """A LiveRender running in the background: `stop()`, `wait()`, `result`, `status`.

    Example:
        >>> import fviz_widgets as fv
        >>> handle = fv.LiveRender(fv.zoo.shapes_cnn(), "conv3:5", size=32, steps=100_000).run(
        ...     background=True, display=False)
        >>> handle.stop().status      # ends within one step; returns the best-so-far result
        'stopped'
    """

    def __init__(self, widget: LiveRender):
        self.widget = widget
        self._thread: Optional[threading.Thread] = None
        self._error: Optional[BaseException] = None

    def _target(self) -> None:
        try:
            self.widget._work()
        except BaseException as error:  # kept for wait(); the widget already shows it
            self._error = error
        finally:
            self.widget._refresh_displays()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def status(self) -> str:
        return self.widget.status

    @property
    def result(self) -> Optional[RenderResult]:
        """The RenderResult once the run has ended (None while it runs)."""
        return None if self.running else self.widget.result

    def stop(self, timeout: Optional[float] = None) -> Optional[RenderResult]:
        """Ask the run to end after its current step, then wait for its result."""
        self.widget._stop.set()
        return self.wait(timeout)

    def wait(self, timeout: Optional[float] = None) -> RenderResult:
        """Block until the run ends; returns its result or raises the error that ended it."""
        assert self._thread is not None
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise TimeoutError(f"render still running after {timeout} s (step {self.widget.step}/{self.widget.total})")
        self.widget._refresh_displays()  # from the kernel's thread: the saved notebook gets the picture
        if self._error is not None:
            raise self._error
        assert self.widget.result is not None
        return self.widget.result

    def __repr__(self) -> str:
        return f"RenderHandle({self.widget.status}, step {self.widget.step}/{self.widget.total})"
