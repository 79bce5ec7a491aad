"""What a render hands out: `Step` events while it runs and a `RenderResult` at the end.

Example:
    >>> import fviz_widgets as fv
    >>> result = fv.render(fv.zoo.shapes_cnn(), "conv3:5", size=32, steps=4, progress=False)
    >>> result.images.shape, result.image.shape, result.status
    ((1, 32, 32, 3), (32, 32, 3), 'completed')
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Union

import numpy as np
import torch

from ..core import images as imaging
from ..core.validate import positive_int

__all__ = ["CallbackError", "NonFiniteLossError", "RenderResult", "Step"]


@dataclass
class RenderResult:
    """What `render` produced.

    Attributes:
        images: float32 [N, H, W, C] in the input domain (final images, or the best so far when
            the run ended early); `image` is the first.
        thresholds: {step: images} snapshots taken at the requested steps.
        loss: loss per step [steps]; terms: {term: values per step and item [steps, N]}.
        values: the objective per item for `images`.
        objective: the objective's repr. param: the parameterization (its parameters hold the
            optimized state; None for a `render_layer` result made of several runs).
        status: "completed", "stopped", "interrupted" or "failed".
        timing: seconds, steps and it/s. seed: the seed it ran with.
        labels: a title per image (`render_layer` names the channels), used by `show`.
        importance: [N, H, W] in [0, 1], where the optimization acted: |∂loss/∂image| summed over
            the Adam steps and channels, each item divided by its maximum (MACO's transparency
            map; ``show(importance=True)`` overlays it).
        alpha: the images are RGBA (a param with ``alpha=True``): the last channel is opacity.
    """

    images: np.ndarray
    thresholds: Dict[int, np.ndarray]
    loss: np.ndarray
    terms: Dict[str, np.ndarray]
    values: np.ndarray
    objective: str
    param: Optional[torch.nn.Module]
    status: str
    timing: Dict[str, float]
    seed: int
    labels: Optional[List[str]] = None
    importance: Optional[np.ndarray] = None
    alpha: bool = False

    def __repr__(self) -> str:
        n, h, w, c = self.images.shape
        return (
            f"RenderResult({n} image{'s' * (n != 1)} {h}×{w}×{c}, {self.objective}, "
            f"{int(self.timing.get('steps', 0))} steps, {self.status})"
        )

    @property
    def image(self) -> np.ndarray:
        """The first image, float32 [H, W, C]."""
        return self.images[0]

    def grid(self, columns: Optional[int] = None, pad: int = 2) -> np.ndarray:
        """All images tiled into one HWC array (RGBA for `alpha` results)."""
        return imaging.grid(self.images, columns=columns, pad=pad, alpha=self.alpha)

    def save(self, path: Union[str, Path], columns: Optional[int] = None, scale: int = 1) -> Path:
        """Save the image grid (PNG/JPEG by the file name; an `alpha` result is an RGBA PNG), each
        pixel enlarged to `scale`×`scale` (nearest neighbour, so small renders stay sharp);
        returns the path."""
        scale = positive_int(scale, "scale")
        grid = self.grid(columns)
        return imaging.save(grid.repeat(scale, axis=0).repeat(scale, axis=1), path, alpha=self.alpha)

    def opaque(self, grey: float = 0.5) -> np.ndarray:
        """The images without transparency [N, H, W, C]: RGBA over a uniform `grey`, the way a
        network sees an RGBA render once it is made; other images as they are.

        Example:
            >>> import fviz_widgets as fv
            >>> fv.render(fv.zoo.shapes_cnn(), "conv3:0", param=fv.param.image(32, alpha=True), steps=2,
            ...           progress=False).opaque().shape
            (1, 32, 32, 3)
        """
        return imaging.over_grey(self.images, grey) if self.alpha else self.images

    def shown(self, importance: bool = False) -> np.ndarray:
        """The images as pictures [N, H, W, 3 or 1]: RGBA over a checkerboard; with `importance`,
        the colours with `importance` as their opacity (MACO's transparency view)."""
        images = self.images
        if importance:
            if self.importance is None:
                raise ValueError("this result has no importance map (it made no Adam steps)")
            rgb = imaging.displayable(images[..., :3] if self.alpha else images)
            if rgb.shape[-1] == 1:
                rgb = np.repeat(rgb, 3, axis=-1)
            return imaging.over_checkerboard(np.concatenate([rgb, self.importance[..., None]], axis=-1))
        return imaging.over_checkerboard(images) if self.alpha else images

    def show(self, columns: Optional[int] = None, size: float = 2.0, examples=None, importance: bool = False):
        """Show the images with matplotlib, titled by `labels`; returns the figure. With
        `examples` (`fv.top_examples` of the same objective), the first image is shown beside the
        dataset's most and least exciting inputs; with `importance`, each image with its
        `importance` as opacity over a checkerboard. Transparent pixels of RGBA results show the
        checkerboard too."""
        from ..viz.figures import examples_figure, image_figure

        images = self.shown(importance)
        if examples is not None:
            return examples_figure(images[0], (self.labels or [self.objective])[0], examples, size=size)
        return image_figure(images, self.labels, columns=columns, size=size)

    def _repr_png_(self) -> bytes:
        return imaging.encode(self.grid(), alpha=self.alpha)


class CallbackError(RuntimeError):
    """A callback raised: carries its exception and the best images so far to the render loop,
    which re-raises the callback's own exception with ``.result`` set (or this, where the
    exception type takes no attributes)."""

    def __init__(self, error: BaseException, result: RenderResult):
        super().__init__(f"the callback raised {type(error).__name__}: {error}; .result holds the best images so far")
        self.error, self.result = error, result


class NonFiniteLossError(FloatingPointError):
    """The loss became NaN or infinite. `.result` holds the best images found before that."""

    def __init__(self, message: str, result: RenderResult):
        super().__init__(message)
        self.result = result


@dataclass
class Step:
    """One optimization step, as seen by callbacks.

    Attributes:
        step: 1-based index over all phases; total: number of planned steps.
        phase: "adam" (or the optimizer's name) or "lbfgs".
        loss: the loss minimized (−Σ objective over the batch).
        terms: {term name: value per batch item} for every leaf term of the objective.
        elapsed: seconds since the run started.
        images: the current images [N, H, W, C], computed when first read (read it inside the
            callback: the run moves on afterwards).
        alpha: the images are RGBA (the param has ``alpha=True``).
    """

    step: int
    total: int
    phase: str
    loss: float
    terms: Dict[str, np.ndarray]
    elapsed: float
    _draw: Callable[[], torch.Tensor] = field(repr=False)
    _images: Optional[np.ndarray] = field(default=None, repr=False)
    alpha: bool = False

    @property
    def images(self) -> np.ndarray:
        if self._images is None:
            with torch.no_grad():
                self._images = imaging.to_hwc(self._draw())
        return self._images
