"""A folder of your own PNG and JPEG images as an `ImageSet`, for dataset examples and atlases.

Only PNG and JPEG files are read (by Pillow, which is told to expect nothing else); every image is
center-cropped to a square and resized to `size`. Names are the files' paths relative to the
folder, so pages can say which file an example came from.

Example:
    >>> import tempfile
    >>> from pathlib import Path
    >>> from PIL import Image
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     Image.new("RGB", (40, 30), (255, 0, 0)).save(Path(folder) / "red.png")
    ...     Image.new("L", (20, 20), 128).save(Path(folder) / "grey.jpg")
    ...     found = image_folder(folder, size=16)
    >>> found.images.shape, found.names
    (torch.Size([2, 3, 16, 16]), ['grey.jpg', 'red.png'])
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import List, Optional, Union

import numpy as np
import torch

from .photos import ImageSet

__all__ = ["IMAGE_FILES", "image_folder"]

#: The file endings `image_folder` reads (case-insensitive).
IMAGE_FILES = (".png", ".jpg", ".jpeg")


def _load(path: Path, size: int, color_channels: int) -> np.ndarray:
    from PIL import Image

    with Image.open(path, formats=["PNG", "JPEG"]) as picture:
        picture = picture.convert("L" if color_channels == 1 else "RGB")
        w, h = picture.size
        side = min(w, h)
        left, top = (w - side) // 2, (h - side) // 2
        picture = picture.crop((left, top, left + side, top + side)).resize((size, size), Image.Resampling.BICUBIC)
        array = np.asarray(picture, dtype=np.float32) / 255.0
    return array[..., None] if array.ndim == 2 else array


def image_folder(folder: Union[str, os.PathLike], size: int = 64, *, color_channels: int = 3,
                 recursive: bool = True, limit: Optional[int] = None) -> ImageSet:
    """The PNG/JPEG images under `folder` (sorted by path), center-cropped and resized to `size`.

    Args:
        folder: a folder of images. size: the side of every image.
        color_channels: 3 for RGB, 1 for grey. recursive: also read sub-folders.
        limit: read at most this many files (the first in sorted order).

    Files that are not valid PNG/JPEG images are skipped with a warning; a folder without any
    raises ValueError.
    """
    root = Path(folder).expanduser()
    if not root.is_dir():
        raise NotADirectoryError(f"{root} is not a folder of images")
    if not (isinstance(size, int) and size > 0):
        raise ValueError(f"size must be a positive int, got {size!r}")
    if color_channels not in (1, 3):
        raise ValueError(f"color_channels must be 1 (grey) or 3 (RGB), got {color_channels}")
    pattern = root.rglob("*") if recursive else root.glob("*")
    files = sorted(p for p in pattern if p.suffix.lower() in IMAGE_FILES and p.is_file())
    if limit is not None:
        files = files[: int(limit)]
    images: List[np.ndarray] = []
    names: List[str] = []
    for path in files:
        try:
            images.append(_load(path, size, color_channels))
        except (OSError, ValueError, SyntaxError) as error:  # Pillow's errors for broken or foreign files
            warnings.warn(f"skipping {path}: not a readable PNG/JPEG image ({error})", stacklevel=2)
            continue
        names.append(path.relative_to(root).as_posix())
    if not images:
        raise ValueError(f"no PNG or JPEG images in {root}" + (" (or its sub-folders)" if recursive else ""))
    batch = torch.from_numpy(np.stack(images)).permute(0, 3, 1, 2).contiguous()
    return ImageSet(batch, names)
