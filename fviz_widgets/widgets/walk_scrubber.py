"""WalkScrubber: scrub, play and export the geodesic walks of an invariance result::

    result = fv.invariance(model, "conv3:5", smooth=True, k=4)
    fv.WalkScrubber(result)                    # most and least invariant directions

Frames travel once, as a list of PNG bytes; scrubbing and playing happen in the browser, so they
work while the kernel is busy. Export (GIF, or MP4 with the `video` extra) asks the kernel to
encode the current walk and downloads the file.
"""

from __future__ import annotations

import math
import re
import tempfile
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Union

import numpy as np
import traitlets as t

from ..invariance import InvarianceResult, Walk
from .base import Widget, bundle, encode_frame
from .pictures import walks_picture

EXPORT_FORMATS = ("gif", "mp4")
MAX_EXPORT_SCALE = 16


class WalkScrubber(Widget):
    """Frames of geodesic walks with a t slider, play/loop/speed, the g(φ(t)) curve (with the
    c·g(x⁺) line and the bounds a, b), a picker over directions and GIF/MP4 export.

    Args:
        result_or_walks: an `InvarianceResult` (its most and least invariant directions are
            walked), one `Walk`, or a list of walks.
        c, frames: passed to `InvarianceResult.walks` when a result is given.
        fps: playback speed at 1×.

    Example:
        >>> import fviz_widgets as fv
        >>> result = fv.unit_invariance(fv.QuadraticForm.random(16, seed=0), k=2, progress=False)
        >>> scrubber = fv.WalkScrubber(result, frames=8)
        >>> scrubber.walk.label, len(scrubber.walks)         # the walk selected in the picker
        ('most invariant #0', 4)
    """

    _esm = bundle("walk_scrubber")

    walks = t.List().tag(sync=True)
    selected = t.Int(0).tag(sync=True)
    index = t.Int(0).tag(sync=True)
    fps = t.Float(12.0).tag(sync=True)
    loop = t.Bool(True).tag(sync=True)

    def __init__(self, result_or_walks: Union[InvarianceResult, Walk, Sequence[Walk]], *, c: float = 0.7,
                 frames: int = 32, fps: float = 12.0):
        if isinstance(result_or_walks, InvarianceResult):
            walks = result_or_walks.walks(c=c, frames=frames)
        elif isinstance(result_or_walks, Walk):
            walks = [result_or_walks]
        else:
            walks = list(result_or_walks)
        bad = [type(w).__name__ for w in walks if not isinstance(w, Walk)]
        if bad or not walks:
            raise TypeError(f"WalkScrubber needs an InvarianceResult or Walk objects, got {bad or 'nothing'}")
        self._walks: List[Walk] = walks
        super().__init__(walks=[_payload(w) for w in walks], fps=fps)
        self.on_msg(self._on_message)

    @property
    def walk(self) -> Walk:
        """The walk selected in the picker."""
        return self._walks[self.selected]

    def export(self, path: Union[str, Path], fps: Optional[float] = None, scale: int = 1) -> Path:
        """Save the selected walk as GIF or MP4 (by the extension), at the widget's fps, each
        frame enlarged `scale` times (nearest neighbour; Export in the widget uses the shown scale)."""
        return self.walk.save(path, fps=fps or self.fps, scale=scale)

    def _on_message(self, _widget, content: Dict[str, Any], _buffers) -> None:
        if not isinstance(content, dict) or content.get("type") != "export":
            return
        fmt = content.get("format")
        try:
            walk = int(content.get("walk", self.selected))
            scale = min(MAX_EXPORT_SCALE, max(1, int(content.get("scale", 1))))
        except (TypeError, ValueError):
            self.send({"type": "export", "error": "cannot export: bad request"})
            return
        if fmt not in EXPORT_FORMATS or not 0 <= walk < len(self._walks):
            self.send({"type": "export", "error": f"cannot export {fmt!r} of walk {walk}"})
            return
        name = f"walk_{_slug(self._walks[walk].label)}.{fmt}"
        try:
            with tempfile.TemporaryDirectory() as folder:
                data = self._walks[walk].save(Path(folder) / name, fps=self.fps, scale=scale).read_bytes()
        except Exception as error:  # shown in the widget: e.g. MP4 without imageio-ffmpeg
            self.send({"type": "export", "error": f"export failed: {error}"})
            return
        self.send({"type": "export", "format": fmt, "name": name}, [data])

    def _summary(self) -> Dict[str, Any]:
        return {"walks": [w.label for w in self._walks], "frames": [len(w) for w in self._walks]}

    def _picture(self) -> bytes:
        return walks_picture([{"label": w.label if w.curvature is None else f"{w.label} (κ = {w.curvature:.3g})", "images": w.images, "t": np.asarray(w.t), "g": np.asarray(w.values),
                               "threshold": w.threshold} for w in self._walks])


def _payload(walk: Walk) -> Dict[str, Any]:
    label = walk.label
    kind = "most" if label.startswith("most") else "least" if label.startswith("least") else "custom"
    finite = lambda x: None if x is None or not math.isfinite(x) else float(x)  # noqa: E731 (JSON has no NaN)
    return {
        "label": label,
        "kind": kind,
        "kappa": finite(walk.curvature),
        "t": [float(x) for x in walk.t],
        "g": [finite(float(x)) for x in walk.values],
        "threshold": finite(walk.threshold),
        "a": float(walk.a),
        "b": float(walk.b),
        "frames": [encode_frame(image, final=True) for image in walk.images],
    }


def _slug(text: str) -> str:
    return re.sub(r"[^0-9a-zA-Z]+", "_", text).strip("_").lower() or "walk"
