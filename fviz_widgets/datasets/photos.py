"""Real photos and faces, from the files scikit-image ships in its wheel (BSD-3): nothing is
downloaded. Install them with the extra: ``pip install 'fviz_widgets[photos]'``.

- `photos`: the colour and grey photos of ``skimage/data`` (an astronaut, a cat, coffee, a
  rocket, motorcycles, textures, ...), each center-cropped to a square and resized, and with
  ``crops=n`` also n random crops of each: a few hundred real patches for dataset examples.
- `faces`: the 100 small face crops of ``lfw_subset.npy`` (Labeled Faces in the Wild; the file's
  other 100 images are patches without faces, left out).

Both return an `ImageSet`: images [N, C, H, W] in [0, 1] with a name per image; it is a torch
``Dataset`` of (image, name) pairs and works wherever the package takes images.

Example:
    >>> faces(size=32).images.shape
    torch.Size([100, 1, 32, 32])
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F

__all__ = ["PHOTOS", "ImageSet", "data_folder", "faces", "photos"]

#: The photos of scikit-image's wheel that `photos` uses (file stem → what it shows).
PHOTOS = {
    "astronaut": "Eileen Collins, astronaut, with a flag",
    "chelsea": "a cat (Chelsea)",
    "coffee": "a cup of coffee on a saucer",
    "rocket": "a rocket on the launch pad",
    "motorcycle_left": "a motorcycle",
    "motorcycle_right": "a motorcycle, other view",
    "hubble_deep_field": "galaxies (Hubble deep field)",
    "retina": "a retina",
    "ihc": "stained tissue (immunohistochemistry)",
    "camera": "a cameraman (grey)",
    "coins": "coins (grey)",
    "moon": "the moon's surface (grey)",
    "brick": "a brick wall (grey texture)",
    "grass": "grass (grey texture)",
    "gravel": "gravel (grey texture)",
    "page": "a page of text (grey)",
}


@dataclass
class ImageSet(torch.utils.data.Dataset):
    """Images [N, C, H, W] (float32 in [0, 1]) with a name each; a Dataset of (image, name).

    Example:
        >>> s = ImageSet(torch.zeros(2, 3, 4, 4), ["a", "b"])
        >>> len(s), s[1][1]
        (2, 'b')
    """

    images: torch.Tensor
    names: List[str]

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, index: int) -> Tuple[torch.Tensor, str]:
        return self.images[index], self.names[index]

    def __repr__(self) -> str:
        n, c, h, w = self.images.shape
        return f"ImageSet({n} images {c}×{h}×{w})"


def data_folder() -> Path:
    """The folder of scikit-image's bundled data files.

    Example:
        >>> (data_folder() / "coffee.png").is_file()
        True
    """
    spec = importlib.util.find_spec("skimage")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("the photos and faces come from scikit-image's data files: "
                          "pip install 'fviz_widgets[photos]' (or pip install scikit-image)")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def _read(path: Path) -> np.ndarray:
    from PIL import Image

    with Image.open(path) as picture:
        return np.asarray(picture.convert("RGB"), dtype=np.float32) / 255.0


def _resize(image: torch.Tensor, size: int) -> torch.Tensor:
    """[C, H, W] → [C, size, size] with antialiasing (the photos are large)."""
    return F.interpolate(image[None], size=(size, size), mode="bilinear", antialias=True, align_corners=False)[0]


def _colors(images: torch.Tensor, color_channels: int) -> torch.Tensor:
    if color_channels == 3:
        return images
    if color_channels == 1:  # luminance (ITU-R BT.601), as PIL's "L" mode
        weights = torch.tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)
        return (images * weights).sum(1, keepdim=True)
    raise ValueError(f"color_channels must be 1 (grey) or 3 (RGB), got {color_channels}")


def photos(size: int = 224, crops: int = 0, *, color_channels: int = 3, names: Optional[Sequence[str]] = None,
           seed: int = 0) -> ImageSet:
    """The real photos, center-cropped to squares of `size` pixels, then `crops` random square
    crops of each (between a third and all of the short side, seeded), resized alike.

    Args:
        size: the side of every image. crops: random crops per photo (0: the photos only).
        color_channels: 3 for RGB, 1 for grey (luminance). names: a subset of `PHOTOS`.
        seed: the random crops.

    Example:
        >>> s = photos(size=64, crops=2, names=["coffee", "chelsea"])
        >>> s.images.shape, s.names[:3]
        (torch.Size([6, 3, 64, 64]), ['coffee', 'chelsea', 'coffee/crop0'])
    """
    chosen = list(PHOTOS) if names is None else list(names)
    unknown = [n for n in chosen if n not in PHOTOS]
    if unknown:
        raise ValueError(f"unknown photo(s) {unknown}; choose from {', '.join(PHOTOS)}")
    if not (isinstance(size, int) and size > 0) or not (isinstance(crops, int) and crops >= 0):
        raise ValueError(f"size must be a positive int and crops an int ≥ 0, got size={size!r}, crops={crops!r}")
    folder = data_folder()
    full = [torch.from_numpy(_read(next(folder.glob(f"{name}.*")))).permute(2, 0, 1) for name in chosen]
    images, labels = [], []
    for name, image in zip(chosen, full):
        h, w = image.shape[1:]
        side = min(h, w)
        top, left = (h - side) // 2, (w - side) // 2
        images.append(_resize(image[:, top : top + side, left : left + side], size))
        labels.append(name)
    rng = np.random.default_rng(seed)
    for i in range(crops):
        for name, image in zip(chosen, full):
            h, w = image.shape[1:]
            side = int(rng.integers(max(8, min(h, w) // 3), min(h, w) + 1))
            top, left = int(rng.integers(0, h - side + 1)), int(rng.integers(0, w - side + 1))
            images.append(_resize(image[:, top : top + side, left : left + side], size))
            labels.append(f"{name}/crop{i}")
    batch = _colors(torch.stack(images), color_channels).clamp(0, 1).contiguous()
    return ImageSet(batch, labels)


def faces(size: Optional[int] = 64, *, color_channels: int = 1) -> ImageSet:
    """The 100 face crops of Labeled Faces in the Wild that scikit-image ships (25×25 grey),
    resized to `size` (None: as they are). The file's last 100 images are not faces (scikit-image
    ships them as the negative class of a face detector) and are left out.

    Example:
        >>> faces(size=None, color_channels=3).images.shape
        torch.Size([100, 3, 25, 25])
    """
    array = np.load(data_folder() / "lfw_subset.npy", allow_pickle=False).astype(np.float32)[:100]
    images = torch.from_numpy(array)[:, None]
    if array.max() > 1.0:
        images = images / 255.0
    if size is not None:
        images = F.interpolate(images, size=(size, size), mode="bilinear", align_corners=False)
    if color_channels == 3:
        images = images.expand(-1, 3, -1, -1)
    elif color_channels != 1:
        raise ValueError(f"color_channels must be 1 (grey) or 3 (RGB), got {color_channels}")
    return ImageSet(images.clamp(0, 1).contiguous(), [f"face{i}" for i in range(len(images))])
