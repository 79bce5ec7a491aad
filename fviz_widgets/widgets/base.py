"""What every fviz widget shares: its bundle, frame encoding, throttling and a stable repr.

Widgets are thin anywidget views over engine results and Step streams. State lives in synced
traits (never in one-off messages), so a view opened late or re-opened shows the latest state.
Images travel as PNG/JPEG bytes (binary buffers, not base64).
"""

from __future__ import annotations

import atexit
import base64
import hashlib
import threading
import time
import warnings
import weakref
from pathlib import Path
from typing import Any, Callable, Dict, Optional

import anywidget
import numpy as np

from ..core import images as imaging

STATIC = Path(__file__).resolve().parent.parent / "static"
LIVE_QUALITY = 90


class BackgroundThreads:
    """The threads widgets render in, stopped and joined when the interpreter exits.

    A daemon thread still inside a torch kernel when Python finalizes aborts the process
    ("terminate called without an active exception"), whatever exit code the program chose. At
    exit, every registered stop function is called, then every thread is joined (each run ends
    after its current step).

    Example:
        >>> stop = threading.Event()
        >>> thread = threading.Thread(target=stop.wait, daemon=True)
        >>> thread.start()
        >>> BACKGROUND.add(thread, stop.set)
        >>> BACKGROUND.stop_all(timeout=5.0)
        >>> thread.is_alive()
        False
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._threads: weakref.WeakKeyDictionary[threading.Thread, Callable[[], None]] = weakref.WeakKeyDictionary()
        atexit.register(self.stop_all)

    def add(self, thread: threading.Thread, stop: Callable[[], None]) -> None:
        """Stop `thread` with `stop()` at exit."""
        with self._lock:
            self._threads[thread] = stop

    def stop_all(self, timeout: Optional[float] = 60.0) -> None:
        """Stop every live registered thread, then wait for each (up to `timeout` seconds in all)."""
        with self._lock:
            running = [(t, stop) for t, stop in self._threads.items() if t.is_alive()]
        for _, stop in running:
            stop()
        deadline = None if timeout is None else time.monotonic() + timeout
        for thread, _ in running:
            thread.join(None if deadline is None else max(0.0, deadline - time.monotonic()))


BACKGROUND = BackgroundThreads()


def current_cell() -> Optional[str]:
    """Which notebook cell is running now: JupyterLab's cell id, else a hash of the cell's code
    (front ends that send no id); None outside a kernel.

    Example:
        >>> current_cell() is None      # a plain Python process runs no cells
        True
    """
    try:
        from IPython import get_ipython

        kernel = getattr(get_ipython(), "kernel", None)
        parent = kernel.get_parent() if kernel is not None else None
    except Exception:  # no IPython, or a kernel without parent tracking
        return None
    if not parent:
        return None
    cell = (parent.get("metadata") or {}).get("cellId")
    if cell:
        return f"cell {cell}"
    code = (parent.get("content") or {}).get("code")
    return f"code {hashlib.sha1(code.encode()).hexdigest()}" if code else None


def bundle(name: str) -> Path:
    """The built JS bundle of a widget (see js/ and `make js`)."""
    path = STATIC / f"{name}.js"
    if not path.is_file():
        raise FileNotFoundError(f"widget bundle {path} is missing; build it with `make js`")
    return path


def encode_frame(image: np.ndarray, final: bool, alpha: bool = False) -> bytes:
    """A float HWC image → JPEG bytes for live frames, PNG (lossless) for final ones; an RGBA
    image (`alpha`) is always a PNG, and the front end shows a checkerboard under it."""
    return imaging.encode(image, "PNG" if final else "JPEG", quality=LIVE_QUALITY, alpha=alpha)


class Throttle:
    """Says yes at most once per `interval` seconds (time-based, so fast steps do not flood).

    Example:
        >>> every_tenth = Throttle(0.1)
        >>> every_tenth(), every_tenth()          # the second call comes too soon
        (True, False)
        >>> every_tenth(force=True)               # final frames always go
        True
    """

    def __init__(self, interval: float, clock: Callable[[], float] = time.monotonic):
        self.interval = interval
        self.clock = clock
        self.last = -float("inf")

    def __call__(self, force: bool = False) -> bool:
        now = self.clock()
        if force or now - self.last >= self.interval:
            self.last = now
            return True
        return False


class Widget(anywidget.AnyWidget):
    """Base class: subclasses set `_esm = bundle("name")`, describe themselves in `_summary` and
    draw their state for viewers without a kernel in `_picture` (PNG bytes, or None).

    Every display of a widget carries, besides the live view, a one-line text repr and `image/png`
    of the widget's state; `_refresh_displays()` re-sends both when the state has moved on (a run
    finished), so a notebook saved afterwards shows the final picture in nbconvert's HTML,
    GitHub and nbviewer.
    """

    def _summary(self) -> Dict[str, Any]:
        return {}

    def _picture(self) -> Optional[bytes]:
        return None

    def __repr__(self) -> str:
        # Deterministic (no ids, addresses or timings), so notebook outputs are stable.
        fields = ", ".join(f"{key}={value!r}" for key, value in self._summary().items())
        return f"{type(self).__name__}({fields})"

    def _repr_mimebundle_(self, **kwargs: Any):
        bundle = super()._repr_mimebundle_(**kwargs)
        if bundle is None:  # closed: nothing to show
            return None
        data, metadata = bundle if isinstance(bundle, tuple) else (bundle, {})
        data = {**data, "text/plain": repr(self)}
        try:
            png = self._picture()
        except Exception as error:  # a picture is a courtesy: never let it break the live view
            warnings.warn(f"{type(self).__name__}: no static picture ({type(error).__name__}: {error})", stacklevel=2)
            png = None
        if png:
            data["image/png"] = base64.b64encode(png).decode("ascii")
        return data, metadata

    def _ipython_display_(self) -> None:
        from IPython.display import display

        bundle = self._repr_mimebundle_()
        if bundle is None:
            return
        data, metadata = bundle
        handle = display(data, metadata=metadata, raw=True, display_id=True)
        if handle is not None:
            self._display_handles = [*self._displays(), handle]

    def _displays(self) -> list:
        return getattr(self, "_display_handles", [])

    def _refresh_displays(self) -> None:
        """Re-send every display of this widget with the current text and picture."""
        handles = self._displays()
        if not handles:
            return
        bundle = self._repr_mimebundle_()
        if bundle is None:
            return
        data, metadata = bundle
        for handle in handles:
            handle.update(data, metadata=metadata, raw=True)
