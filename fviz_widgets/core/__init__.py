"""The foundation every method stands on: model state and preprocessing, activation capture, the
one image adapter, aggregation, token layouts of transformer layers (`core.tokens`), linear
algebra, metrics, filters, optimizers, fast kernels and smooth surrogates. It imports nothing else
of the package.

Example:
    >>> import torch
    >>> from fviz_widgets import core, zoo
    >>> with core.capture(zoo.shapes_cnn(), ["conv1"]) as run:
    ...     tuple(run(torch.rand(1, 3, 32, 32))["conv1"].shape)
    (1, 16, 32, 32)
"""

from .aggregate import AGGREGATIONS, aggregate, channel_index, channel_indices
from .capture import (
                      INPUT,
                      OUTPUT,
                      Capture,
                      LayerError,
                      LayerInfo,
                      LayerTable,
                      capture,
                      channel_count,
                      layer_shape,
                      layers,
                      resolve,
)
from .images import as_images, to_hwc
from .model import (
                      IMAGENET_MEAN,
                      IMAGENET_STD,
                      Preprocess,
                      attach_preprocess,
                      device_of,
                      dtype_of,
                      frozen,
                      full_precision,
                      get_preprocess,
                      input_shape,
                      unwrap,
)

__all__ = [
    "AGGREGATIONS",
    "IMAGENET_MEAN",
    "IMAGENET_STD",
    "INPUT",
    "OUTPUT",
    "Capture",
    "LayerError",
    "LayerInfo",
    "LayerTable",
    "Preprocess",
    "aggregate",
    "as_images",
    "attach_preprocess",
    "capture",
    "channel_count",
    "channel_index",
    "channel_indices",
    "device_of",
    "dtype_of",
    "frozen",
    "full_precision",
    "get_preprocess",
    "input_shape",
    "layer_shape",
    "layers",
    "resolve",
    "to_hwc",
    "unwrap",
]
