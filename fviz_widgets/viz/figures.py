"""Matplotlib figures of results: image grids with titles, an IFV prediction's bars and
spectrum, and the figures of an IFV experiment record.

Figures for files and `_repr_png_` are drawn on matplotlib's Agg canvas (no display, no pyplot
state); `show()` figures come from pyplot so notebooks display them.

Example:
    >>> import numpy as np
    >>> fig = image_figure(np.zeros((2, 8, 8, 3)), ["a", "b"])
    >>> [ax.get_title() for ax in fig.axes]
    ['a', 'b']
"""

from __future__ import annotations

import io
import textwrap
from pathlib import Path
from typing import Any, Callable, List, Optional, Sequence, Union

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..core import images as imaging

__all__ = ["accentuation_figure", "examples_figure", "figure_png", "fitted_title", "ifv_figure", "image_figure",
           "record_figures"]


def _figure(figsize) -> Figure:
    fig = Figure(figsize=figsize)
    FigureCanvasAgg(fig)
    return fig


def figure_png(draw: Callable[[Figure], Any], figsize=(10, 3), dpi: int = 72) -> bytes:
    """PNG bytes of a figure that `draw(figure)` fills.

    Example:
        >>> figure_png(lambda fig: fig.add_subplot().plot([0, 1]))[:4]
        b'\\x89PNG'
    """
    fig = _figure(figsize)
    draw(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def image_figure(images: np.ndarray, labels: Optional[Sequence[str]] = None, *, columns: Optional[int] = None,
                 size: float = 2.0):
    """A pyplot figure of images [N, H, W, C] in a grid, titled by `labels`; returns the figure."""
    import matplotlib.pyplot as plt

    n = len(images)
    columns = columns or min(n, 8)
    rows = -(-n // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(size * columns, size * rows), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for i, ax in enumerate(axes.flat[:n]):
        ax.imshow(_shown(images[i]), cmap="gray", vmin=0, vmax=1)
        if labels:
            ax.set_title(fitted_title(labels[i], size), fontsize=8)
    for ax in axes.flat[n:]:
        fig.delaxes(ax)
    fig.tight_layout()
    return fig


def fitted_title(label: str, width: float, fontsize: float = 8, lines: int = 2) -> str:
    """`label` wrapped at spaces into at most `lines` lines that fit `width` inches at `fontsize`
    points (the rest cut with "…"), so neighbouring titles do not run into each other (ImageNet
    class names such as "monarch, monarch butterfly, milkweed butterfly, Danaus plexippus").

    Example:
        >>> fitted_title("output:323 monarch, monarch butterfly, milkweed butterfly", 1.2)
        'output:323\\nmonarch, monarch…'
    """
    # ~0.6 em per character is wide enough for DejaVu Sans, matplotlib's default font
    characters = max(6, int(width * 72 / (0.6 * fontsize)))
    wrapped = textwrap.wrap(label, characters, break_long_words=False, max_lines=lines, placeholder="…")
    return "\n".join(wrapped) or label


def accentuation_figure(acc: Any, size: float = 2.0, frames: int = 4):
    """An `Accentuation`: per image a row with the photo, `frames` trajectory images and the last,
    and a plot of SSIM to the photo against the objective along the way; returns the figure.

    Example:
        >>> import fviz_widgets as fv
        >>> photo = fv.datasets.make_shapes(1, size=32, seed=0)[0]
        >>> acc = fv.accentuate(fv.zoo.shapes_cnn(), "output:3", photo, steps=4, points=2, progress=False)
        >>> len(accentuation_figure(acc).axes)
        4
    """
    import matplotlib.pyplot as plt

    count = len(acc.steps)
    picks = sorted({0, count - 1, *np.linspace(0, count - 1, frames + 2).round().astype(int).tolist()})
    n = len(acc.start)
    fig, axes = plt.subplots(n, len(picks) + 1, figsize=(size * (len(picks) + 1.4), size * n), squeeze=False,
                             gridspec_kw={"width_ratios": [1] * len(picks) + [1.4]})
    for row in range(n):
        for col, t in enumerate(picks):
            ax = axes[row, col]
            ax.imshow(_shown(acc.trajectory[t, row]), cmap="gray", vmin=0, vmax=1)
            label = "photo" if t == 0 else f"step {acc.steps[t]}"
            ax.set_title(f"{label}\nobjective {acc.objective[t, row]:.3g} · SSIM {acc.ssim[t, row]:.2f}", fontsize=7)
            ax.axis("off")
        ax = axes[row, -1]
        ax.plot(acc.objective[:, row], acc.ssim[:, row], marker="o", markersize=3)
        ax.set_xlabel("objective", fontsize=8)
        ax.set_ylabel("SSIM to the photo", fontsize=8)
        ax.set_ylim(min(0.0, float(acc.ssim[:, row].min())) - 0.02, 1.02)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
    fig.suptitle(f"feature accentuation, strength {acc.strength:g}", fontsize=9)
    fig.tight_layout()
    return fig


def examples_figure(render: np.ndarray, title: str, examples: Any, size: float = 2.0):
    """A render [H, W, C] beside dataset examples (`TopExamples`): the render on the left, the
    most exciting inputs on the top row, the least exciting on the bottom row; returns the figure.

    Example:
        >>> import fviz_widgets as fv
        >>> images, _ = fv.datasets.make_shapes(12, size=32)
        >>> top = fv.top_examples(fv.zoo.shapes_cnn(), "output:0", images, k=3, progress=False)
        >>> fig = examples_figure(np.zeros((32, 32, 3)), "render", top)
        >>> len(fig.axes)
        7
    """
    import matplotlib.pyplot as plt

    k = len(examples.images)
    fig = plt.figure(figsize=(size * (k + 1.3), size * 2.2))
    grid = fig.add_gridspec(2, k + 1, width_ratios=[1.3] + [1] * k)
    ax = fig.add_subplot(grid[:, 0])
    ax.imshow(_shown(render), cmap="gray", vmin=0, vmax=1)
    ax.set_title(title, fontsize=9)
    ax.axis("off")
    labels = examples.labels()
    for row, (pictures, offset, name) in enumerate(((examples.images, 0, "most"), (examples.least, k, "least"))):
        for j, picture in enumerate(pictures):
            ax = fig.add_subplot(grid[row, j + 1])
            ax.imshow(_shown(picture), cmap="gray", vmin=0, vmax=1)
            ax.set_title(f"{name} #{j + 1}: {labels[offset + j]}" if j == 0 else labels[offset + j], fontsize=7)
            ax.axis("off")
    fig.tight_layout()
    return fig


def _shown(image: np.ndarray) -> np.ndarray:
    image = imaging.displayable(image)
    return image[..., 0] if image.shape[-1] == 1 else image


def ifv_figure(result: Any, figure: Optional[Figure] = None) -> Figure:
    """Bars of θ₀ (if known), θ̂ and ρ̂ over channels, and the singular value spectrum of an
    `IFVResult`, drawn into `figure` (a new pyplot figure by default); returns the figure."""
    if figure is None:
        import matplotlib.pyplot as plt

        figure = plt.figure(figsize=(10, 3))
    fig = figure
    bars, spectrum = fig.subplots(1, 2, gridspec_kw={"width_ratios": [3, 1]})
    idx = np.arange(result.m)
    labels = result.channels if result.channels is not None else idx
    rhat = result.response / max(np.linalg.norm(result.response), 1e-300)
    series = [("θ̂ predicted", result.theta), ("ρ̂ response", rhat)]
    if result.target is not None:
        series.insert(0, ("θ₀ target", result.target))
    width = 0.8 / len(series)
    for i, (label, values) in enumerate(series):
        bars.bar(idx + (i - (len(series) - 1) / 2) * width, values, width, label=label)
    step = max(1, result.m // 16)
    bars.set_xticks(idx[::step])
    bars.set_xticklabels(np.asarray(labels)[::step])
    bars.set_xlabel(f"channel of {result.layer}")
    bars.legend(fontsize=8)
    bars.set_title(" · ".join(f"{k} {v:.1f}°" for k, v in result.angles.items()), fontsize=8)
    spectrum.semilogy(np.maximum(result.singular_values, 1e-300), ".-")
    spectrum.set_xlabel("order j (ascending)")
    spectrum.set_title("singular values of M", fontsize=8)
    fig.tight_layout()
    return fig


def record_figures(record: Any, folder: Union[str, Path]) -> List[Path]:
    """PNG figures of an IFV experiment record (angles, SSIM, coefficients, realizations) into
    `folder`; returns their paths. Drawn on matplotlib's Agg canvas: no display needed."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    a, made = record.arrays, []

    def save(fig: Figure, name: str) -> None:
        fig.tight_layout()
        fig.savefig(folder / name, dpi=90)
        made.append(folder / name)

    fig = _figure(figsize=(6.5, 3.2))
    ax = fig.add_subplot()
    bins = np.linspace(0, 180, 61)
    for key, label in (("angle_predicted", "predicted θ̂"), ("angle_predicted_critical", "predicted θ̂ in C"),
                       ("angle_response", "feature response ρ"), ("angle_random", "random")):
        if key in a:
            ax.hist(a[key], bins=bins, alpha=0.55, label=f"{label} (median {np.median(a[key]):.1f}°)")
    ax.set_xlabel("angular distance to the target θ₀ (degrees)")
    ax.set_ylabel("samples")
    ax.legend(fontsize=7)
    ax.set_title(record.config.name, fontsize=9)
    save(fig, "angles.png")

    ssim_keys = [k for k in ("ssim_predicted", "ssim_target", "ssim_response", "ssim_random") if k in a]
    if ssim_keys:
        fig = _figure(figsize=(6.5, 3.2))
        left, right = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
        left.boxplot([a[k] for k in ssim_keys])
        left.set_xticks(range(1, len(ssim_keys) + 1))
        left.set_xticklabels([k[5:] for k in ssim_keys], fontsize=7)
        left.set_ylabel("SSIM before vs after re-optimizing")
        angle = a.get("angle_predicted_critical", a["angle_predicted"])
        if "ssim_predicted" in a:
            right.scatter(angle, a["ssim_predicted"], s=8)
            right.set_xlabel("∠(θ̂, θ₀) (degrees)")
            right.set_ylabel("SSIM for θ̂")
        save(fig, "ssim.png")

    fig = _figure(figsize=(6.5, 3.0))
    left, right = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
    gamma = a["gamma2"].mean(0)
    k = min(len(gamma), 16)
    left.bar(np.arange(k), gamma[:k])
    left.set_xlabel("order j (ascending singular value)")
    left.set_ylabel("mean γ_j²")
    sv = a["singular_values"]
    right.semilogy(np.median(np.maximum(sv, 1e-300), axis=0), ".-", label="median")
    right.semilogy(np.percentile(np.maximum(sv, 1e-300), 10, axis=0), ":", label="10%")
    right.set_xlabel("order j")
    right.set_ylabel("singular value of M")
    right.legend(fontsize=7)
    save(fig, "coefficients.png")

    images = a["images"][:24]
    imaging.save(imaging.grid(images, columns=min(8, len(images))), folder / "realizations.png")
    made.append(folder / "realizations.png")
    return made


