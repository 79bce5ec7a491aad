"""Turning image tensors into things people look at: HWC arrays, grids, PNG bytes.

Results hand out float32 numpy arrays [N, H, W, C] in the input domain. For display, images
with 1 channel are grey, 3 are RGB, and any other count shows its first three channels (padded
with zeros when fewer).

Example:
    >>> import numpy as np
    >>> grid(np.zeros((5, 8, 8, 3)), columns=3, pad=1).shape
    (19, 28, 3)
"""

from __future__ import annotations

import io
import math
from pathlib import Path
from typing import Optional, Union

import numpy as np
import torch


def to_hwc(images: torch.Tensor) -> np.ndarray:
    """[N, C, H, W] tensor → float32 numpy [N, H, W, C] (detached, on the CPU)."""
    return images.detach().float().cpu().permute(0, 2, 3, 1).numpy()


def displayable(image: np.ndarray) -> np.ndarray:
    """[..., C] float array → [..., 3] (or [..., 1]) in [0, 1] for display."""
    channels = image.shape[-1]
    if channels not in (1, 3):
        if channels > 3:
            image = image[..., :3]
        else:
            image = np.concatenate([image, np.zeros(image.shape[:-1] + (3 - channels,), image.dtype)], -1)
    return np.clip(image, 0.0, 1.0)


def grid(images: np.ndarray, columns: Optional[int] = None, pad: int = 2, fill: float = 1.0) -> np.ndarray:
    """Tile [N, H, W, C] images into one [rows·(H+pad)−pad, cols·(W+pad)−pad, C'] image."""
    images = displayable(np.asarray(images, dtype=np.float32))
    n, h, w, c = images.shape
    columns = columns or math.ceil(math.sqrt(n))
    rows = math.ceil(n / columns)
    out = np.full((rows * (h + pad) - pad, columns * (w + pad) - pad, c), fill, np.float32)
    for i, image in enumerate(images):
        r, q = divmod(i, columns)
        out[r * (h + pad) : r * (h + pad) + h, q * (w + pad) : q * (w + pad) + w] = image
    return out


def to_uint8(image: np.ndarray) -> np.ndarray:
    """A float image in [0, 1] (HWC, C = 1 or 3) → uint8 HW or HWC."""
    image = np.round(displayable(image) * 255).astype(np.uint8)
    return image[..., 0] if image.shape[-1] == 1 else image


def encode(image: np.ndarray, format: str = "PNG", quality: int = 85) -> bytes:
    """Encode one float HWC image as PNG or JPEG bytes."""
    from PIL import Image

    buffer = io.BytesIO()
    options = {"quality": quality} if format.upper() in ("JPEG", "JPG") else {}
    Image.fromarray(to_uint8(image)).save(buffer, format=format, **options)
    return buffer.getvalue()


def save(image: np.ndarray, path: Union[str, Path]) -> Path:
    """Write one float HWC image; the format follows the file name."""
    from PIL import Image

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(to_uint8(image)).save(path)
    return path
