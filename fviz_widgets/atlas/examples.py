"""Dataset examples for every channel of a layer from one pass over the dataset.

`fv.top_examples` reads the whole dataset once per objective; an atlas needs the examples of every
channel, so `LayerExamples` runs each dataset batch through the model once and evaluates
``fv.obj.channel(layer, c)`` for all channels on the captured activations. The values are the
objective's own, and the order is `top_examples`'s (largest first, ties: the earlier input), so
a channel's examples equal ``fv.top_examples(model, fv.obj.channel(layer, c), dataset, k)``.

Example:
    >>> import fviz_widgets as fv
    >>> model, data = fv.zoo.shapes_cnn(), as_dataset("shapes", fv.zoo.shapes_cnn(), 32)
    >>> picked = LayerExamples(model, "conv2", [3], data).top(3, 4)
    >>> list(picked["top"]) == list(fv.top_examples(model, fv.obj.channel("conv2", 3), data, 4,
    ...                                              progress=False).indices)
    True
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

import numpy as np
import torch
from torch import nn

from .. import datasets as datasets_module
from ..core import images as imaging
from ..core.capture import INPUT, capture
from ..core.model import get_preprocess, input_shape
from ..objectives import channel as channel_objective

__all__ = ["BUILTIN", "LayerExamples", "as_dataset", "describe_dataset"]

#: Dataset names `as_dataset` knows, at the model's input size and colour channels.
BUILTIN = ("shapes", "photos", "faces")


def _shapes(size: int) -> datasets_module.ImageSet:
    images, labels = datasets_module.make_shapes(200, size=size, seed=0)
    names = [f"{datasets_module.CLASSES[int(label)]} {i}" for i, label in enumerate(labels)]
    return datasets_module.ImageSet(images, names)


def as_dataset(dataset: Any, model: nn.Module, size=None) -> Optional[datasets_module.ImageSet]:
    """The images the atlas draws its examples from, as an `ImageSet` (images [N, C, H, W] and
    names). `dataset`: None (no examples); ``"shapes"`` (200 procedural images), ``"photos"`` or
    ``"faces"`` at the model's input size and colours; a folder of PNG/JPEG files (a path); an
    `ImageSet`; images in any form `fv.as_images` takes; or a torch Dataset of images or (image,
    label) pairs."""
    if dataset is None:
        return None
    colors, h, w = input_shape(model, size)
    side = max(h, w)
    if isinstance(dataset, (str, os.PathLike)):
        path = Path(dataset).expanduser()
        if path.is_dir():
            return datasets_module.image_folder(path, side, color_channels=colors)
        if str(dataset) not in BUILTIN:
            raise ValueError(f"dataset {str(dataset)!r} is neither a folder of images nor one of {', '.join(BUILTIN)}")
        if dataset == "shapes":
            data = _shapes(side)
        elif dataset == "photos":
            data = datasets_module.photos(size=side, crops=4, color_channels=1 if colors == 1 else 3)
        else:
            data = datasets_module.faces(size=side, color_channels=1 if colors == 1 else 3)
        if colors not in (1, 3):
            raise ValueError(f"the model takes {colors}-channel images; {dataset!r} has {data.images.shape[1]}; "
                             "pass your own images as the dataset")
        return data
    if isinstance(dataset, datasets_module.ImageSet):
        return datasets_module.ImageSet(imaging.as_images(dataset.images, device="cpu", name="dataset").float(),
                                        [str(n) for n in dataset.names])
    if isinstance(dataset, torch.utils.data.Dataset) and not isinstance(dataset, torch.Tensor):
        items = [dataset[i] for i in range(len(dataset))]
        images = [item[0] if isinstance(item, (tuple, list)) else item for item in items]
        stacked = imaging.as_images(torch.stack([torch.as_tensor(i) for i in images]), device="cpu", name="dataset")
        return datasets_module.ImageSet(stacked.float(), [str(i) for i in range(len(items))])
    stacked = imaging.as_images(dataset, device="cpu", name="dataset").float()
    return datasets_module.ImageSet(stacked, [str(i) for i in range(len(stacked))])


def describe_dataset(data: Optional[datasets_module.ImageSet], dataset: Any = None) -> Optional[Dict[str, Any]]:
    """What the manifest records of a dataset: where it came from, its size and a fingerprint
    (SHA-1 of the images and names), so a re-run with other images is caught.

    Example:
        >>> describe_dataset(datasets_module.ImageSet(torch.zeros(2, 3, 4, 4), ["a", "b"]))["images"]
        [2, 3, 4, 4]
    """
    if data is None:
        return None
    digest = hashlib.sha1(data.images.float().contiguous().numpy().tobytes())
    digest.update("\n".join(data.names).encode())
    source = str(dataset) if isinstance(dataset, (str, os.PathLike)) else type(dataset).__name__
    return {"source": source, "images": list(data.images.shape), "sha1": digest.hexdigest()}


class LayerExamples:
    """The value of ``obj.channel(layer, c)`` on every dataset image, for the given channels."""

    def __init__(self, model: nn.Module, layer: str, channels: Sequence[int], data: datasets_module.ImageSet,
                 batch_size: int = 32):
        self.channels = [int(c) for c in channels]
        self.names = list(data.names)
        objectives = [channel_objective(layer, c) for c in self.channels]
        rows = []
        get_preprocess(model)  # fails early, with the usual message, for a model that takes other images
        with torch.no_grad(), capture(model, [layer]) as run:
            for start in range(0, len(data.images), batch_size):
                x = imaging.as_images(data.images[start : start + batch_size], model)
                acts = run(x)
                acts[INPUT] = x
                rows.append(torch.stack([o(acts) for o in objectives], 1).detach().cpu().double())
        self.values = torch.cat(rows).numpy()  # [N, channels]

    def top(self, channel: int, k: int) -> Dict[str, List]:
        """The k most and least exciting images of `channel`: {"top", "least"} indices and
        {"top_values", "least_values"}."""
        v = self.values[:, self.channels.index(int(channel))]
        index = np.arange(len(v))
        most = np.lexsort((index, -v))[:k]
        least = np.lexsort((index, v))[:k]
        return {"top": [int(i) for i in most], "top_values": [float(v[i]) for i in most],
                "least": [int(i) for i in least], "least_values": [float(v[i]) for i in least]}
