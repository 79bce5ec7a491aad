"""Datasets: procedural shapes whose ground truth holds by construction (`make_shapes`), and real
photos and faces from scikit-image's wheel (`photos`, `faces`; the ``photos`` extra), and a folder
of your own PNG/JPEG images (`image_folder`).

Example:
    >>> from fviz_widgets.datasets import CLASSES, make_shapes
    >>> images, labels = make_shapes(10, size=32)
    >>> CLASSES[int(labels[0])]
    'vertical_stripes'
"""

from . import shapes
from .folder import image_folder
from .photos import PHOTOS, ImageSet, faces, photos
from .shapes import CLASSES, ShapesDataset, make_shapes

__all__ = ["CLASSES", "PHOTOS", "ImageSet", "ShapesDataset", "faces", "image_folder", "make_shapes", "photos", "shapes"]
