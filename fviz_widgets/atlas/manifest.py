"""The atlas's manifest: the settings it was made with, the versions, and which channels are done.

A folder holds one atlas made with one set of settings. `open_manifest` starts a new folder, picks
up an interrupted atlas made with the same settings (its finished channels are kept), or refuses
with one line naming the settings that differ. Every write is atomic (a temporary file, then a
rename), and a batch counts as done only once its files are all written.

Example:
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> layers = [{"name": "conv1", "slug": "conv1", "channels": [0, 1, 2]}]
    >>> m = open_manifest(folder, {"steps": 8, "seed": 0}, layers)
    >>> m.mark("conv1", [0, 1]); m.save()
    >>> open_manifest(folder, {"steps": 8, "seed": 0}, layers).done
    {'conv1': [0, 1]}
    >>> open_manifest(folder, {"steps": 16, "seed": 0}, layers)
    Traceback (most recent call last):
    ...
    ValueError: the atlas in ... was made with other settings (steps: 8 → 16); pass overwrite=True to start it again, or choose a new folder
    >>> shutil.rmtree(folder)
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

from ..core.files import atomic_file
from .layout import INDEX, MANIFEST

__all__ = ["FORMAT", "Manifest", "open_manifest", "write_text"]

FORMAT = "fviz-atlas/1"
#: Settings recorded but not compared: how the model was named (its weights' fingerprint is compared).
INFORMATIONAL = ("model",)
#: What an atlas folder may hold; `overwrite=True` removes these and nothing else.
OWN = (INDEX, MANIFEST, "layers", "channels", "images", "data")


def write_text(path: Path, text: str) -> None:
    """Write `text` (UTF-8) so that the file appears only when complete."""
    with atomic_file(path) as partial:
        partial.write_text(text, encoding="utf-8")


class Manifest:
    """settings, layers ([{name, title, slug, channels}]), done ({layer: [channels]}); `save`
    writes manifest.json."""

    def __init__(self, folder: Path, settings: Dict[str, Any], layers: List[Dict[str, Any]],
                 done: Optional[Dict[str, List[int]]] = None, started: Optional[float] = None):
        self.folder, self.settings, self.layers = folder, settings, layers
        self.done: Dict[str, List[int]] = {layer["name"]: [] for layer in layers}
        for name, channels in (done or {}).items():
            if name in self.done:
                self.done[name] = sorted(set(int(c) for c in channels))
        self.started = started or time.time()

    def mark(self, layer: str, channels) -> None:
        """Record `channels` of `layer` as finished (call `save` to write it)."""
        self.done[layer] = sorted(set(self.done[layer]) | {int(c) for c in channels})

    def is_done(self, layer: str, channel: int) -> bool:
        return int(channel) in set(self.done.get(layer, ()))

    @property
    def complete(self) -> bool:
        return all(set(layer["channels"]) <= set(self.done[layer["name"]]) for layer in self.layers)

    def to_dict(self) -> Dict[str, Any]:
        return {"format": FORMAT, "settings": self.settings, "layers": self.layers, "done": self.done,
                "status": "complete" if self.complete else "partial", "started": self.started,
                "updated": time.time()}

    def save(self) -> None:
        write_text(self.folder / MANIFEST, json.dumps(self.to_dict(), indent=1, sort_keys=True))


def _show(value: Any) -> str:
    text = json.dumps(value, sort_keys=True)
    return text if len(text) <= 60 else text[:57] + "..."


def differences(old: Dict[str, Any], new: Dict[str, Any]) -> List[str]:
    """``"key: old → new"`` for every setting that differs.

    Example:
        >>> differences({"steps": 8, "seed": 0}, {"steps": 8, "seed": 1, "size": 32})
        ['seed: 0 → 1', 'size: (none) → 32']
    """
    keys = sorted((set(old) | set(new)) - set(INFORMATIONAL))
    return [f"{k}: {_show(old[k]) if k in old else '(none)'} → {_show(new[k]) if k in new else '(none)'}"
            for k in keys if old.get(k, ...) != new.get(k, ...)]


def _clear(folder: Path) -> None:
    for name in OWN:
        path = folder / name
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


def open_manifest(folder: Path, settings: Dict[str, Any], layers: List[Dict[str, Any]], *,
                  overwrite: bool = False) -> Manifest:
    """The manifest of the atlas in `folder`: a new one, or the one there when its settings equal
    `settings` (JSON-normalized). Raises ValueError when they differ (unless `overwrite`, which
    clears the atlas's own files first) and FileExistsError for a folder that holds other files."""
    settings = json.loads(json.dumps(settings, sort_keys=True))
    path = folder / MANIFEST
    if folder.exists() and not folder.is_dir():
        raise NotADirectoryError(f"{folder} is a file; an atlas needs a folder")
    if path.is_file():
        try:
            stored = json.loads(path.read_text(encoding="utf-8"))
            if stored.get("format") != FORMAT:
                raise ValueError(f"format {stored.get('format')!r}")
        except (ValueError, OSError) as error:
            if not overwrite:
                raise ValueError(f"{path} is not an fviz atlas manifest ({error}); pass overwrite=True to replace "
                                 "the atlas, or choose a new folder") from None
            stored = None
        if stored is not None:
            changed = differences(stored.get("settings", {}), settings)
            if not changed:
                return Manifest(folder, settings, layers, stored.get("done"), stored.get("started"))
            if not overwrite:
                raise ValueError(f"the atlas in {folder} was made with other settings ({'; '.join(changed)}); "
                                 "pass overwrite=True to start it again, or choose a new folder")
        _clear(folder)
    elif folder.is_dir() and any(p.name not in OWN and not p.name.startswith(".") for p in folder.iterdir()):
        raise FileExistsError(f"{folder} holds files that are not an atlas; choose an empty or new folder")
    elif overwrite:
        _clear(folder)
    folder.mkdir(parents=True, exist_ok=True)
    manifest = Manifest(folder, settings, layers)
    manifest.save()
    return manifest
