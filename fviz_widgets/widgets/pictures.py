"""Static pictures of widgets, for viewers without a kernel.

A committed notebook opened later, nbconvert's HTML, GitHub and nbviewer cannot run a widget's
JavaScript. Every widget's output therefore also carries `image/png` of its last state (see
`Widget._repr_mimebundle_`), drawn here with matplotlib from the same data the widget shows:
LiveRender's final frame with its curves, the editor's bars and render, the scrubber's frame
strips and g(φ(t)) curves, the explorer's realization and bars.

Example:
    >>> import numpy as np
    >>> png = render_picture(np.zeros((2, 8, 8, 3)), ["a", "b"], steps=[1, 2], loss=[0.0, -1.0],
    ...                      terms={}, title="demo", status="completed · 2/2 steps")
    >>> png[:4]
    b'\\x89PNG'
"""

from __future__ import annotations

import textwrap
from typing import Dict, List, Optional, Sequence

import numpy as np
from matplotlib.figure import Figure

from ..core import images as imaging
from ..viz.figures import figure_png

DPI = 80
TEXT = 9


def _image(ax, image: np.ndarray, title: str = "") -> None:
    image = imaging.displayable(image)
    ax.imshow(image[..., 0] if image.shape[-1] == 1 else image, cmap="gray", vmin=0, vmax=1,
              interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=TEXT)


def _curve(ax, x: Sequence[float], ys: Dict[str, Sequence[float]], title: str, ylabel: str) -> None:
    for name, y in ys.items():
        ax.plot(x, y, lw=1.2, label=name)
    ax.set_title(title, fontsize=TEXT)
    ax.set_xlabel("step", fontsize=TEXT)
    ax.set_ylabel(ylabel, fontsize=TEXT)
    ax.tick_params(labelsize=TEXT - 1)
    if len(ys) > 1:
        ax.legend(fontsize=TEXT - 1, loc="best")


def render_picture(images: np.ndarray, labels: Sequence[str], *, steps: Sequence[float], loss: Sequence[float],
                   terms: Dict[str, Sequence[float]], title: str, status: str) -> bytes:
    """A LiveRender's last state: its image grid, the loss curve and the per-term curves."""
    grid = imaging.grid(images, columns=grid_columns(len(images)))
    names = ", ".join(labels[:8]) + (" …" if len(labels) > 8 else "")

    def draw(fig: Figure) -> None:
        image_ax, loss_ax, terms_ax = fig.subplots(1, 3, gridspec_kw={"width_ratios": [1.3, 1, 1]})
        _image(image_ax, grid, textwrap.shorten(names, 60) if names else "")
        if len(steps):
            _curve(loss_ax, steps, {"loss": loss}, "loss", "loss")
            _curve(terms_ax, steps, dict(terms), "terms", "value")
        else:
            loss_ax.axis("off")
            terms_ax.axis("off")
        fig.suptitle(f"{textwrap.shorten(title, 90)} · {status}", fontsize=TEXT + 1)
        fig.tight_layout()

    return figure_png(draw, figsize=(11, 3.4), dpi=DPI)


def editor_picture(direction: np.ndarray, image: Optional[np.ndarray], *, layer: str, objective: str,
                   status: str) -> bytes:
    """A DirectionEditor's vector as bars over channels, beside the render of its objective."""
    def draw(fig: Figure) -> None:
        bars_ax, image_ax = fig.subplots(1, 2, gridspec_kw={"width_ratios": [2.6, 1]})
        index = np.arange(len(direction))
        bars_ax.bar(index, direction, color=np.where(direction < 0, "#c62828", "#1967d2"), width=0.85)
        bars_ax.axhline(0, color="#777", lw=0.8)
        step = max(1, len(direction) // 16)
        bars_ax.set_xticks(index[::step])
        bars_ax.set_xlabel(f"channel of {layer}", fontsize=TEXT)
        bars_ax.set_ylabel("value", fontsize=TEXT)
        bars_ax.tick_params(labelsize=TEXT - 1)
        bars_ax.set_title(textwrap.shorten(objective, 80), fontsize=TEXT)
        if image is None:
            image_ax.axis("off")
            image_ax.text(0.5, 0.5, "not rendered yet", ha="center", va="center", fontsize=TEXT)
        else:
            _image(image_ax, image, status)
        fig.tight_layout()

    return figure_png(draw, figsize=(10, 3.2), dpi=DPI)


def walks_picture(walks: List[dict], frames: int = 8) -> bytes:
    """A WalkScrubber's walks: `frames` evenly spaced frames of each, and each g(φ(t)) curve."""
    rows = len(walks)

    def draw(fig: Figure) -> None:
        grid = fig.add_gridspec(rows, frames + 3)
        for r, walk in enumerate(walks):
            picked = np.linspace(0, len(walk["images"]) - 1, min(frames, len(walk["images"]))).round().astype(int)
            for c, i in enumerate(picked):
                ax = fig.add_subplot(grid[r, c])
                _image(ax, walk["images"][i], f"t = {walk['t'][i]:.2g}")
                if c == 0:
                    ax.set_ylabel(textwrap.fill(walk["label"], 16), fontsize=TEXT - 1)
            ax = fig.add_subplot(grid[r, frames:])
            ax.plot(walk["t"], walk["g"], lw=1.2)
            if walk["threshold"] is not None:
                ax.axhline(walk["threshold"], color="#777", ls="--", lw=0.8, label="c·g(x⁺)")
                ax.legend(fontsize=TEXT - 2, loc="lower center")
            ax.set_xlabel("t", fontsize=TEXT - 1)
            ax.set_ylabel("g(φ(t))", fontsize=TEXT - 1)
            ax.tick_params(labelsize=TEXT - 2)
        fig.tight_layout()

    return figure_png(draw, figsize=(12, 1.7 * rows + 0.4), dpi=DPI)


def ifv_picture(image: Optional[np.ndarray], series: Dict[str, Sequence[float]], *, names: Sequence[str],
                axis: str, title: str, angles: str) -> bytes:
    """An IFVExplorer's selected sample: its realization and θ₀ / θ̂ / ρ̂ bars over named channels."""
    def draw(fig: Figure) -> None:
        image_ax, bars_ax = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 3]})
        if image is None:
            image_ax.axis("off")
        else:
            _image(image_ax, image, "realization")
        index = np.arange(len(names))
        width = 0.8 / max(1, len(series))
        for k, (label, values) in enumerate(series.items()):
            values = np.asarray([np.nan if v is None else v for v in values], dtype=float)
            bars_ax.bar(index + (k - (len(series) - 1) / 2) * width, values, width, label=label)
        bars_ax.axhline(0, color="#777", lw=0.8)
        step = max(1, len(names) // 16)
        bars_ax.set_xticks(index[::step])
        bars_ax.set_xticklabels(list(names)[::step], rotation=45 if max(map(len, names), default=0) > 3 else 0,
                                ha="right" if max(map(len, names), default=0) > 3 else "center")
        bars_ax.set_xlabel(axis, fontsize=TEXT)
        bars_ax.set_ylabel("component (unit vectors)", fontsize=TEXT)
        bars_ax.tick_params(labelsize=TEXT - 1)
        bars_ax.legend(fontsize=TEXT - 1)
        bars_ax.set_title(angles, fontsize=TEXT)
        fig.suptitle(textwrap.shorten(title, 100), fontsize=TEXT + 1)
        fig.tight_layout()

    return figure_png(draw, figsize=(10, 3.4), dpi=DPI)


def grid_columns(count: int) -> int:
    """Columns of an image grid that keep each image legible: all in a row up to 4, then 4 or 8."""
    return count if count <= 4 else 4 if count <= 16 else 8
