"""Datasets with known ground truth for testing feature visualizations.

Example:
    >>> from fviz_widgets.datasets import CLASSES, make_shapes
    >>> images, labels = make_shapes(10, size=32)
    >>> CLASSES[int(labels[0])]
    'vertical_stripes'
"""

from . import shapes
from .shapes import CLASSES, ShapesDataset, make_shapes

__all__ = ["CLASSES", "ShapesDataset", "make_shapes", "shapes"]
