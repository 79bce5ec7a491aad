"""The atlas's HTML: an index, a page per layer and a page per channel.

Static pages that open from disk (``file://``): images are files next to them, linked relatively;
no scripts, no external URLs, a little inline CSS that follows the reader's light or dark
preference. Every string that comes from Python (layer names and titles, class names, file names
of dataset images, settings) passes `html.escape`; links are %-encoded, then escaped.

Example:
    >>> view = AtlasView("shapes_cnn", [{"name": "<b>", "title": "<b>", "slug": "b", "channels": [0]}],
    ...                  {"<b>": [0]}, {"steps": 4})
    >>> "<b>" in index_page(view), "&lt;b&gt;" in index_page(view)
    (False, True)
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Tuple

from . import layout
from .readout import METHODS

__all__ = ["AtlasView", "channel_page", "index_page", "layer_page"]

#: Thumbnails per layer on the index page (the layer page has them all).
INDEX_THUMBNAILS = 64

CSS = """
:root { color-scheme: light dark; --bg: #ffffff; --fg: #1c1c1c; --muted: #646464; --card: #f1f1f1;
        --line: #d6d6d6; --link: #0b57d0; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #141414; --fg: #e6e6e6; --muted: #a0a0a0; --card: #222222; --line: #3a3a3a; --link: #8ab4f8; }
}
body { margin: 0 auto; max-width: 1120px; padding: 1rem 1.25rem 3rem; background: var(--bg); color: var(--fg);
       font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; }
a { color: var(--link); }
h1 { font-size: 1.45rem; margin: .6rem 0; } h2 { font-size: 1.15rem; margin: 1.4rem 0 .5rem; }
nav { display: flex; flex-wrap: wrap; gap: .4rem 1rem; align-items: baseline; padding: .4rem 0;
      border-bottom: 1px solid var(--line); }
nav .step { margin-left: auto; display: flex; gap: 1rem; }
.muted, figcaption, footer { color: var(--muted); font-size: .85rem; }
img.px { image-rendering: crisp-edges; image-rendering: pixelated;
         background: repeating-conic-gradient(var(--line) 0 25%, var(--card) 0 50%) 0 0 / 12px 12px; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(104px, 1fr)); gap: .5rem; }
.cell { background: var(--card); border-radius: 6px; padding: 4px; margin: 0; text-align: center;
        font-size: .78rem; overflow-wrap: anywhere; }
.cell img { display: block; width: 100%; height: auto; border-radius: 3px; }
.cell.pending { opacity: .55; min-height: 104px; display: flex; align-items: center; justify-content: center; }
.render { display: flex; flex-wrap: wrap; gap: 1.5rem; align-items: flex-start; }
.render img { max-width: 100%; height: auto; border: 1px solid var(--line); }
table { border-collapse: collapse; } td, th { padding: .2rem .7rem; border-bottom: 1px solid var(--line);
text-align: left; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
ul.layers { columns: 14rem; padding-left: 1.2rem; }
footer { margin-top: 2rem; border-top: 1px solid var(--line); padding-top: .5rem; }
"""


def e(value: Any) -> str:
    """`value` as text safe inside HTML elements and quoted attributes."""
    return html.escape(str(value), quote=True)


@dataclass
class AtlasView:
    """What the pages show: a title, the layers ([{name, title, slug, channels}]), the finished
    channels per layer, the settings, and `facts(layer, channel)` (a channel's data, or None)."""

    title: str
    layers: List[Dict[str, Any]]
    done: Dict[str, List[int]]
    settings: Dict[str, Any]
    facts: Callable[[str, int], Optional[Dict[str, Any]]] = field(default=lambda layer, channel: None)

    def order(self) -> List[Tuple[Dict[str, Any], int]]:
        """Every (layer, channel) in atlas order, for prev/next links."""
        return [(layer, c) for layer in self.layers for c in layer["channels"]]


def _page(title: str, here: str, body: str) -> str:
    return ("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{e(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n{body}\n"
            f"<footer>made by fviz_widgets · <a href=\"{e(layout.link(here, layout.MANIFEST))}\">manifest.json</a>"
            "</footer>\n</body>\n</html>\n")


def _a(here: str, target: str, text: str, cls: str = "") -> str:
    attr = f' class="{cls}"' if cls else ""
    return f'<a{attr} href="{e(layout.link(here, target))}">{text}</a>'


def _settings_line(settings: Dict[str, Any]) -> str:
    keys = ("model", "param", "steps", "size", "seed", "batch_size", "transforms", "device")
    parts = [f"{k} {_short(settings[k])}" for k in keys if settings.get(k) is not None]
    return e(" · ".join(parts))


def _short(value: Any, limit: int = 72) -> str:
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _thumb(here: str, view: AtlasView, layer: Dict[str, Any], c: int) -> str:
    label = f"{c}"
    facts = view.facts(layer["name"], c) if c in set(view.done.get(layer["name"], ())) else None
    if facts is None:
        return f'<div class="cell pending">{e(label)}<br>not rendered yet</div>'
    top = (facts.get("classes") or {}).get("top") or []
    caption = e(label) + (f"<br><span class=\"muted\">{e(top[0]['class'])}</span>" if top else "")
    img = (f'<img class="px" loading="lazy" src="{e(layout.link(here, layout.render_image(layer["slug"], c)))}" '
           f'alt="{e(layer["title"])} channel {c}">')
    return f'<figure class="cell">{_a(here, layout.channel_page(layer["slug"], c), img)}<figcaption>{caption}' \
           "</figcaption></figure>"


def index_page(view: AtlasView) -> str:
    """index.html: layer navigation and a thumbnail grid per layer."""
    here = layout.INDEX
    total = sum(len(layer["channels"]) for layer in view.layers)
    finished = sum(len(view.done.get(layer["name"], ())) for layer in view.layers)
    items = "".join(f"<li>{_a(here, layout.layer_page(layer['slug']), e(layer['title']))} "
                    f"<span class=\"muted\">{len(layer['channels'])}</span></li>" for layer in view.layers)
    sections = []
    for layer in view.layers:
        shown = layer["channels"][:INDEX_THUMBNAILS]
        more = len(layer["channels"]) - len(shown)
        cells = "".join(_thumb(here, view, layer, c) for c in shown)
        count = len(layer["channels"])
        tail = f"<p>{_a(here, layout.layer_page(layer['slug']), f'all {count} channels →')}</p>" if more else ""
        sections.append(f"<section><h2>{_a(here, layout.layer_page(layer['slug']), e(layer['title']))}</h2>"
                        f"<div class=\"grid\">{cells}</div>{tail}</section>")
    status = "" if finished == total else f" · <strong>{finished} of {total} channels rendered</strong>"
    body = (f"<h1>Atlas of {e(view.title)}</h1>\n<p class=\"muted\">{len(view.layers)} layer(s), {total} channels"
            f"{status}<br>{_settings_line(view.settings)}</p>\n<h2>Layers</h2><ul class=\"layers\">{items}</ul>\n"
            + "\n".join(sections))
    return _page(f"Atlas of {view.title}", here, body)


def layer_page(view: AtlasView, index: int) -> str:
    """layers/<slug>.html: every channel of one layer, with links to the neighbouring layers."""
    layer = view.layers[index]
    here = layout.layer_page(layer["slug"])
    steps = []
    if index > 0:
        steps.append(_a(here, layout.layer_page(view.layers[index - 1]["slug"]), "← previous layer", "prev"))
    if index + 1 < len(view.layers):
        steps.append(_a(here, layout.layer_page(view.layers[index + 1]["slug"]), "next layer →", "next"))
    nav = (f"<nav>{_a(here, layout.INDEX, 'Atlas')} <span>›</span> <strong>{e(layer['title'])}</strong>"
           f"<span class=\"step\">{' '.join(steps)}</span></nav>")
    cells = "".join(_thumb(here, view, layer, c) for c in layer["channels"])
    name = "" if layer["title"] == layer["name"] else f" (module {e(layer['name'])})"
    body = (f"{nav}\n<h1>{e(layer['title'])}</h1>\n<p class=\"muted\">{len(layer['channels'])} channels{name}</p>\n"
            f"<div class=\"grid\">{cells}</div>")
    return _page(f"{layer['title']} · atlas of {view.title}", here, body)


def _examples(here: str, facts: Dict[str, Any], which: str) -> str:
    cells = []
    for item in facts["examples"][which]:
        src = layout.link(here, layout.dataset_image(item["index"]))
        name = item.get("name")
        alt = f"dataset image {item['index']}" + (f": {name}" if name else "")
        caption = f"{item['value']:.3g}" + (f"<br>{e(name)}" if name else "")
        cells.append(f'<figure class="cell"><img class="px example" src="{e(src)}" alt="{e(alt)}">'
                     f"<figcaption>{caption}</figcaption></figure>")
    return f"<div class=\"grid\">{''.join(cells)}</div>"


def _classes(facts: Dict[str, Any]) -> str:
    classes = facts.get("classes")
    if not classes:
        return ""
    rows = "".join(f"<tr><td class=\"num\">{i + 1}</td><td>{e(item['class'])}</td>"
                   f"<td class=\"num\">{item['value']:+.4g}</td></tr>" for i, item in enumerate(classes["top"]))
    return (f"<section class=\"classes\"><h2>Classes it supports most</h2><p class=\"muted\">From "
            f"{e(METHODS[classes['method']])}.</p><table><tr><th>#</th><th>class</th><th>support</th></tr>{rows}"
            "</table></section>")


def _inactive(facts: Dict[str, Any], settings: Dict[str, Any]) -> str:
    if facts["value"] != 0:
        return ""
    hint = ("even with redirected gradients: it may be a dead unit (see its dataset examples)"
            if settings.get("redirect_steps") else "(redirect_steps=16 wakes channels that start inactive)")
    return f"<br>The channel stayed inactive, so its render is flat {hint}."


def channel_page(view: AtlasView, layer: Dict[str, Any], channel: int, facts: Dict[str, Any]) -> str:
    """channels/<slug>/<c>.html: the render enlarged, its dataset examples, the classes it supports."""
    here = layout.channel_page(layer["slug"], channel)
    order = view.order()
    at = next(i for i, (lay, c) in enumerate(order) if lay["name"] == layer["name"] and c == channel)
    steps = []
    if at > 0:
        lay, c = order[at - 1]
        steps.append(_a(here, layout.channel_page(lay["slug"], c), f"← {e(lay['title'])}:{c}", "prev"))
    if at + 1 < len(order):
        lay, c = order[at + 1]
        steps.append(_a(here, layout.channel_page(lay["slug"], c), f"{e(lay['title'])}:{c} →", "next"))
    nav = (f"<nav>{_a(here, layout.INDEX, 'Atlas')} <span>›</span> "
           f"{_a(here, layout.layer_page(layer['slug']), e(layer['title']))} <span>›</span> "
           f"<strong>channel {channel}</strong><span class=\"step\">{' '.join(steps)}</span></nav>")
    h, w = facts["size"]
    factor = facts["factor"]
    big = layout.enlarged_image(layer["slug"], channel, factor)
    small = layout.render_image(layer["slug"], channel)
    render = (f"<figure class=\"render-figure\"><img class=\"px render-image\" src=\"{e(layout.link(here, big))}\" "
              f"width=\"{w * factor}\" height=\"{h * factor}\" alt=\"{e(layer['title'])} channel {channel}, rendered\">"
              f"<figcaption>objective {facts['value']:.4g} · {w}×{h} px shown ×{factor} · "
              f"{_a(here, small, 'PNG at its own size')}{_inactive(facts, view.settings)}</figcaption></figure>")
    examples = ""
    if facts.get("examples"):
        examples = (f"<section class=\"examples\"><h2>Most exciting dataset images</h2>{_examples(here, facts, 'top')}"
                    f"<h2>Least exciting</h2>{_examples(here, facts, 'least')}<p class=\"muted\">The channel's mean "
                    f"activation on each of {facts['examples']['count']} images of "
                    f"{e(facts['examples']['source'])}.</p></section>")
    body = (f"{nav}\n<h1>{e(layer['title'])} · channel {channel}</h1>\n<div class=\"render\">{render}"
            f"{_classes(facts)}</div>\n{examples}\n<p class=\"muted\">{_settings_line(view.settings)}</p>")
    return _page(f"{layer['title']}:{channel} · atlas of {view.title}", here, body)
