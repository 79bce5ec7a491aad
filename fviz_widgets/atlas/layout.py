"""Where every file of an atlas lives, as paths relative to the atlas folder, and links between them.

Layer names become file names through `slug`: names that are already safe (letters, digits, ``.``,
``_``, ``-``) stay as they are; anything else is replaced and a short hash of the real name is
appended, so two layers never share a file and no name can climb out of the folder.

    index.html                         layer navigation, a thumbnail grid per layer
    manifest.json                      settings, versions, per-channel completion
    layers/<slug>.html                 every channel of a layer
    channels/<slug>/<c>.html           one channel: render, dataset examples, classes
    images/<slug>/<c>.png              the render at its own size (and <c>_x<k>.png enlarged)
    images/dataset/<i>.png             dataset images shown as examples (written once each)
    data/<slug>/<c>.json               what a channel page shows, kept for resuming

Example:
    >>> slug("features.6"), slug("<script>")
    ('features.6', '_script_-fb1c2d66')
    >>> link("channels/conv1/3.html", "images/conv1/3.png")
    '../../images/conv1/3.png'
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from typing import Iterable, List
from urllib.parse import quote

__all__ = ["INDEX", "MANIFEST", "channel_data", "channel_page", "dataset_image", "enlarged_image", "layer_page",
           "link", "render_image", "slug", "slugs"]

INDEX = "index.html"
MANIFEST = "manifest.json"
_SAFE = re.compile(r"[^A-Za-z0-9._-]")


def slug(name: str) -> str:
    """A file-name-safe, collision-free stand-in for a layer name."""
    safe = _SAFE.sub("_", name)
    if safe != name or not safe or safe.startswith(".") or len(safe) > 80:
        safe = f"{safe[:60].lstrip('.') or 'layer'}-{hashlib.sha1(name.encode()).hexdigest()[:8]}"
    return safe


def slugs(names: Iterable[str]) -> List[str]:
    """`slug` of each name; names that differ only in case (one file on macOS/Windows) get a hash.

    Example:
        >>> slugs(["conv", "Conv"])
        ['conv', 'Conv-4fbe3836']
    """
    out: List[str] = []
    seen = set()
    for name in names:
        s = slug(name)
        if s.lower() in seen:
            s = f"{s}-{hashlib.sha1(name.encode()).hexdigest()[:8]}"
        seen.add(s.lower())
        out.append(s)
    return out


def layer_page(layer_slug: str) -> str:
    return f"layers/{layer_slug}.html"


def channel_page(layer_slug: str, channel: int) -> str:
    return f"channels/{layer_slug}/{int(channel)}.html"


def channel_data(layer_slug: str, channel: int) -> str:
    return f"data/{layer_slug}/{int(channel)}.json"


def render_image(layer_slug: str, channel: int) -> str:
    return f"images/{layer_slug}/{int(channel)}.png"


def enlarged_image(layer_slug: str, channel: int, factor: int) -> str:
    return f"images/{layer_slug}/{int(channel)}_x{int(factor)}.png"


def dataset_image(index: int) -> str:
    return f"images/dataset/{int(index)}.png"


def link(page: str, target: str) -> str:
    """The relative URL from `page` to `target` (both relative to the atlas folder), %-encoded."""
    here = posixpath.dirname(page) or "."
    return quote(posixpath.relpath(target, here))
