"""Dataset examples: the real images that excite a unit most and least, to read beside its
feature visualization (what the unit responds to in data, not only what maximizes it).

Example:
    >>> import fviz_widgets as fv
    >>> images, _ = fv.datasets.make_shapes(40, size=32, seed=0)
    >>> top = fv.top_examples(fv.zoo.shapes_cnn(), "output:0", images, k=3, progress=False)
    >>> top.images.shape, bool(top.values[0] >= top.values[-1] >= top.least_values[0])
    ((3, 32, 32, 3), True)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, List, Optional, Union

import numpy as np
import torch
from torch import nn

from .core import images as imaging
from .core.capture import INPUT, capture
from .core.validate import positive_int
from .objectives import Objective, as_objective

__all__ = ["TopExamples", "top_examples"]


@dataclass
class TopExamples:
    """The inputs of a dataset that excite an objective most and least.

    Attributes:
        images: the k most exciting inputs, float32 [k, H, W, C], most exciting first; `image`
            is the first. values: the objective on each [k].
        least, least_values: the k least exciting inputs and their values, least first.
        indices, least_indices: their positions in the dataset. names: their names, if the
            dataset has them. objective: the objective's repr. count: inputs looked at.
    """

    images: np.ndarray
    values: np.ndarray
    least: np.ndarray
    least_values: np.ndarray
    indices: np.ndarray
    least_indices: np.ndarray
    objective: str
    count: int
    names: Optional[List[str]] = field(default=None)

    @property
    def image(self) -> np.ndarray:
        """The most exciting input, float32 [H, W, C]."""
        return self.images[0]

    def labels(self) -> List[str]:
        """A title per image of `images` then `least`: the value, and the name when known."""
        def label(i: int, value: float) -> str:
            return f"{value:.3g}" + (f"\n{self.names[i]}" if self.names else "")

        return ([label(i, v) for i, v in zip(self.indices, self.values)]
                + [label(i, v) for i, v in zip(self.least_indices, self.least_values)])

    def picture(self) -> np.ndarray:
        """Row 1: the most exciting inputs; row 2: the least exciting (HWC)."""
        return imaging.grid(np.concatenate([self.images, self.least]), columns=len(self.images))

    def save(self, path: Union[str, Path]) -> Path:
        """Save `picture()` (PNG/JPEG by the file name); returns the path."""
        return imaging.save(self.picture(), path)

    def show(self, size: float = 1.8):
        """Both rows with their values in a matplotlib figure; returns it."""
        from .viz.figures import image_figure

        return image_figure(np.concatenate([self.images, self.least]), self.labels(), columns=len(self.images),
                            size=size)

    def _repr_png_(self) -> bytes:
        return imaging.encode(self.picture())

    def __repr__(self) -> str:
        return (f"TopExamples({self.objective}: top {len(self.values)} of {self.count}, "
                f"{self.values[0]:.4g} … {self.least_values[0]:.4g})")


def _batches(dataset: Any, batch_size: int):
    """(images [B, C, H, W] in any form the adapter takes, names or None) per batch."""
    images = getattr(dataset, "images", None)
    names = getattr(dataset, "names", None)
    if images is None and isinstance(dataset, torch.utils.data.Dataset) and not isinstance(dataset, torch.Tensor):
        loader = torch.utils.data.DataLoader(dataset, batch_size=batch_size)
        for batch in loader:
            yield (batch[0], None) if isinstance(batch, (tuple, list)) else (batch, None)
        return
    data = imaging.as_images(dataset if images is None else images, device="cpu", name="dataset")
    for start in range(0, len(data), batch_size):
        yield data[start : start + batch_size], None if names is None else list(names[start : start + batch_size])


def top_examples(
    model: nn.Module,
    objective: Union[Objective, str],
    dataset: Any,
    k: int = 9,
    *,
    batch_size: int = 32,
    progress: bool = True,
) -> TopExamples:
    """The `k` inputs of `dataset` on which `objective` is largest, and the `k` where it is smallest.

    `dataset`: images in any form `fv.as_images` takes, an `ImageSet` (`fv.datasets.photos`,
    `faces`), or a torch Dataset of images or (image, label) pairs; it is read in batches of
    `batch_size`, with a progress bar. The objective must give each input its own value
    (objectives that couple a batch, such as diversity, do not).

    Example:
        >>> import fviz_widgets as fv
        >>> images, labels = fv.datasets.make_shapes(60, size=32, seed=1)
        >>> top = fv.top_examples(fv.zoo.shapes_cnn(), "output:0", images, k=5, progress=False)
        >>> [fv.datasets.CLASSES[labels[i]] for i in top.indices][:3]
        ['vertical_stripes', 'vertical_stripes', 'vertical_stripes']
    """
    from tqdm.auto import tqdm

    objective = as_objective(objective)
    k = positive_int(k, "k")
    batch_size = positive_int(batch_size, "batch_size")
    if objective.couples_batch:
        raise ValueError(f"{objective!r} couples the items of a batch; dataset examples need a value per input")
    best = _Ranking(k, largest=True)
    worst = _Ranking(k, largest=False)
    names: List[str] = []
    count = 0
    with torch.no_grad(), capture(model, objective.layers) as run:
        for images, batch_names in tqdm(_batches(dataset, batch_size), desc="dataset examples", disable=not progress,
                                        leave=False):
            x = imaging.as_images(images, model)
            acts = run(x)
            acts[INPUT] = x
            value = objective(acts)
            if value.shape != (x.shape[0],):
                raise ValueError(f"{objective!r} gave shape {tuple(value.shape)} for a batch of {x.shape[0]}; "
                                 "dataset examples need one value per input")
            scores = value.detach().cpu().double().numpy()
            index = np.arange(count, count + len(scores))
            best.add(scores, index, x)
            worst.add(scores, index, x)
            count += len(scores)
            names.extend(batch_names or [])
    if not count:
        raise ValueError("the dataset holds no images")
    return TopExamples(
        images=best.images, values=best.values, least=worst.images, least_values=worst.values,
        indices=best.indices, least_indices=worst.indices, objective=repr(objective), count=count,
        names=names if len(names) == count else None,
    )


class _Ranking:
    """The k largest (or smallest) values seen so far, with their indices and images; memory
    stays at k images whatever the size of the dataset."""

    def __init__(self, k: int, largest: bool):
        self.k, self.sign = k, -1.0 if largest else 1.0
        self.values = np.zeros(0)
        self.indices = np.zeros(0, dtype=np.int64)
        self.images: Optional[np.ndarray] = None

    def add(self, values: np.ndarray, indices: np.ndarray, images: torch.Tensor) -> None:
        order = np.argsort(self.sign * values, kind="stable")[: self.k]
        pictures = imaging.to_hwc(images[torch.as_tensor(order)])
        values = np.concatenate([self.values, values[order]])
        indices = np.concatenate([self.indices, indices[order]])
        pictures = pictures if self.images is None else np.concatenate([self.images, pictures])
        keep = np.lexsort((indices, self.sign * values))[: self.k]  # ties: the earlier input first
        self.values, self.indices, self.images = values[keep], indices[keep], pictures[keep]
