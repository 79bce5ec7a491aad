"""An atlas shown inside a notebook: `preview` (the index's thumbnails, self-contained).

The atlas's own pages link files beside them, which a notebook output cannot follow; the preview
embeds each layer's renders as data, captioned with the channel and the class it supports most,
and says where index.html is for the full atlas. It reads the manifest and the channels' JSON
data only (nothing in the folder is executed), and only files inside the folder.

Example:
    >>> import shutil, tempfile
    >>> from pathlib import Path
    >>> from fviz_widgets.atlas import build_atlas
    >>> index = build_atlas("shapes_cnn", "conv2", Path(tempfile.mkdtemp()) / "atlas", channels=[0, 1], size=16,
    ...                     steps=2, examples=0, progress=False)
    >>> shown = preview(index)
    >>> shown
    AtlasPreview(atlas, 1 layer(s), 2 of 2 channels rendered)
    >>> shown._repr_html_().count("<img")
    2
    >>> shutil.rmtree(index.parent.parent)
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Union

import numpy as np
from PIL import Image

from ..core import images as imaging
from . import layout
from .pages import e

__all__ = ["AtlasPreview", "preview"]


def _inside(folder: Path, relative: str) -> Optional[Path]:
    """`folder / relative` when it is a file inside `folder` (a hostile manifest cannot point out)."""
    path = (folder / relative).resolve()
    return path if path.is_file() and folder.resolve() in path.parents else None


class AtlasPreview:
    """The thumbnails of an atlas folder as a notebook shows them (HTML, and a PNG for viewers
    that show no HTML). Made by `preview`."""

    def __init__(self, folder: Path, layers: List[Dict[str, Any]], done: Dict[str, List[int]], title: str,
                 settings: Dict[str, Any], per_layer: int):
        self.folder, self.layers, self.done, self.title, self.settings = folder, layers, done, title, settings
        self.per_layer = per_layer

    def _counts(self) -> str:
        total = sum(len(layer["channels"]) for layer in self.layers)
        finished = sum(len(self.done.get(layer["name"], ())) for layer in self.layers)
        return f"{finished} of {total} channels rendered"

    def _cells(self, layer: Dict[str, Any]) -> List[Dict[str, Any]]:
        cells = []
        finished = set(self.done.get(layer["name"], ()))
        for c in [c for c in layer["channels"] if c in finished][: self.per_layer]:
            image = _inside(self.folder, layout.render_image(layer["slug"], c))
            if image is None:
                continue
            data = _inside(self.folder, layout.channel_data(layer["slug"], c))
            facts = json.loads(data.read_text(encoding="utf-8")) if data else {}
            top = (facts.get("classes") or {}).get("top") or []
            cells.append({"channel": int(c), "image": image, "class": str(top[0]["class"]) if top else None})
        return cells

    def _repr_html_(self) -> str:
        parts = [f"<div style=\"font-family: var(--jp-ui-font-family, sans-serif); color: var(--jp-ui-font-color1, "
                 f"#222)\"><b>Atlas of {e(self.title)}</b> · {self._counts()} · "
                 f"param {e(self.settings.get('param', 'fft'))} · {e(self.settings.get('steps'))} steps<br>"
                 f"<span style=\"color: var(--jp-ui-font-color2, #555)\">the full atlas (dataset examples, classes, "
                 f"a page per channel): open {e(self.folder / layout.INDEX)} in a browser</span>"]
        for layer in self.layers:
            cells = self._cells(layer)
            more = len(self.done.get(layer["name"], ())) - len(cells)
            figures = "".join(
                "<figure style=\"margin: 0; width: 112px; text-align: center; font-size: 12px\">"
                f"<img alt=\"{e(layer['title'])} channel {cell['channel']}\" width=\"112\" height=\"112\" "
                "style=\"image-rendering: pixelated; border-radius: 3px\" "
                f"src=\"data:image/png;base64,{base64.b64encode(cell['image'].read_bytes()).decode()}\">"
                f"<figcaption>{cell['channel']}"
                + (f"<br><span style=\"color: var(--jp-ui-font-color2, #555)\">{e(cell['class'])}</span>"
                   if cell["class"] else "") + "</figcaption></figure>" for cell in cells)
            tail = f"<div>… and {more} more in the atlas</div>" if more > 0 else ""
            parts.append(f"<h4 style=\"margin: .6em 0 .3em\">{e(layer['title'])}</h4>"
                         f"<div style=\"display: flex; flex-wrap: wrap; gap: 6px\">{figures}</div>{tail}")
        return "".join(parts) + "</div>"

    def _repr_png_(self) -> bytes:
        pictures = [imaging.over_checkerboard(np.asarray(Image.open(cell["image"]).convert("RGBA").resize(
                        (96, 96), Image.NEAREST), np.float32) / 255) for layer in self.layers for cell in self._cells(layer)]
        if not pictures:
            return imaging.encode(np.ones((8, 8, 3), np.float32))
        return imaging.encode(imaging.grid(np.stack(pictures), columns=min(8, len(pictures))))

    def __repr__(self) -> str:
        return f"AtlasPreview({self.folder.name}, {len(self.layers)} layer(s), {self._counts()})"


def preview(atlas: Union[str, Path], layers: Optional[Sequence[str]] = None, per_layer: int = 32) -> AtlasPreview:
    """The atlas in the folder `atlas` (or its index.html) as a notebook output: up to `per_layer`
    thumbnails of each of `layers` (default all), captioned with the channel and its top class."""
    folder = Path(atlas).expanduser()
    if folder.name == layout.INDEX:
        folder = folder.parent
    manifest_path = folder / layout.MANIFEST
    if not manifest_path.is_file():
        raise FileNotFoundError(f"{folder} holds no atlas (no {layout.MANIFEST}); make one with fv.atlas.build_atlas "
                                "or `fviz atlas`")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        entries, done, settings = manifest["layers"], manifest["done"], manifest["settings"]
    except (ValueError, KeyError, TypeError) as error:
        raise ValueError(f"{manifest_path} is not an atlas manifest ({type(error).__name__}: {error})") from None
    if layers is not None:
        known = {entry["name"] for entry in entries}
        unknown = [name for name in layers if name not in known]
        if unknown:
            raise ValueError(f"the atlas has no layer(s) {unknown}; it has {sorted(known)}")
        entries = [entry for entry in entries if entry["name"] in layers]
    return AtlasPreview(folder, entries, done, str(settings.get("model", folder.name)), settings, int(per_layer))
