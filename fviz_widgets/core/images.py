"""Images in and out: the one adapter every entry point passes its images through, and the
helpers that turn results into things people look at (grids, PNG bytes, files).

In: `as_images` takes a torch tensor ([N, C, H, W], [C, H, W] or [H, W]), a numpy array
([N, H, W, C], [H, W, C] or [H, W] — channels last, as results hand them out), a PIL image, or a
list of any of these, and returns a float tensor [N, C, H, W] on the model's device in its
dtype. uint8 values are scaled by 1/255; floats are taken as they are (the input domain, [0, 1]
for images). Tensors keep their autograd graph.

Out: results hand out float32 numpy arrays [N, H, W, C] (`to_hwc`). For display, 1 channel is
grey, 3 are RGB, and any other count shows its first three channels (padded with zeros), except
that with ``alpha=True`` 4 channels are RGBA (renders of a param with ``alpha=True``): PNGs keep
the transparency, and `over_checkerboard` flattens it for pictures without one.

Example:
    >>> import numpy as np
    >>> as_images(np.full((8, 8, 3), 255, np.uint8)).shape, float(as_images(np.full((2, 2), 255, np.uint8)).max())
    (torch.Size([1, 3, 8, 8]), 1.0)
    >>> grid(np.zeros((5, 8, 8, 3)), columns=3, pad=1).shape
    (17, 26, 3)
"""

from __future__ import annotations

import io
import math
from pathlib import Path
from typing import Any, Optional, Union

import numpy as np
import torch
from torch import nn

from .files import IMAGE_SUFFIXES, atomic_file, output_path
from .model import device_of, dtype_of, get_preprocess

__all__ = ["as_images", "checkerboard", "displayable", "encode", "grid", "over_checkerboard", "save", "to_hwc",
           "to_uint8"]

Device = Union[str, torch.device, None]


def _is_pil(x: Any) -> bool:
    return type(x).__module__.startswith("PIL.") and hasattr(x, "mode") and hasattr(x, "size")


def _from_numpy(a: np.ndarray, name: str) -> torch.Tensor:
    if a.ndim == 2:
        a = a[None, :, :, None]
    elif a.ndim == 3:
        a = a[None]
    if a.ndim != 4:
        raise ValueError(f"{name}: numpy images are [N, H, W, C], [H, W, C] or [H, W]; got shape {a.shape}")
    if a.shape[-1] > 4 and a.shape[1] <= 4:
        raise ValueError(f"{name}: numpy images are channels-last [N, H, W, C], but shape {a.shape} looks "
                         "channels-first; transpose it or pass a torch tensor [N, C, H, W]")
    a = np.ascontiguousarray(a)
    return torch.from_numpy(a if a.flags.writeable else a.copy()).permute(0, 3, 1, 2)


def _scaled(t: torch.Tensor, name: str) -> torch.Tensor:
    if t.dtype == torch.uint8:
        return t.float() / 255.0
    if t.dtype == torch.bool:
        return t.float()
    if t.is_complex() or not t.is_floating_point():
        raise TypeError(f"{name}: images must be floats (the input domain, [0, 1] for images) or uint8 "
                        f"(scaled by 1/255), got {t.dtype}")
    return t


def as_images(
    images: Any,
    model: Optional[nn.Module] = None,
    *,
    device: Device = None,
    dtype: Optional[torch.dtype] = None,
    name: str = "images",
) -> torch.Tensor:
    """`images` as a float batch [N, C, H, W] on `model`'s device in its dtype (or the given ones).

    With a model, the channel count is checked against its `Preprocess`. The result shares
    memory with a float input already in place, and keeps a tensor's autograd graph.

    Example:
        >>> from PIL import Image
        >>> x = as_images(Image.new("RGB", (6, 4), (255, 0, 0)))
        >>> tuple(x.shape), x[0, :, 0, 0].tolist()
        ((1, 3, 4, 6), [1.0, 0.0, 0.0])
        >>> as_images(torch.rand(3, 8, 8), dtype=torch.float64).dtype
        torch.float64
    """
    if _is_pil(images):
        images = np.asarray(images)
    if isinstance(images, (list, tuple)) and images and all(
            isinstance(x, (torch.Tensor, np.ndarray)) or _is_pil(x) for x in images):
        parts = [as_images(x, name=f"{name}[{i}]") for i, x in enumerate(images)]
        shapes = {tuple(p.shape[1:]) for p in parts}
        if len(shapes) > 1:
            raise ValueError(f"{name}: the images have different shapes {sorted(shapes)}")
        images = torch.cat(parts)
    if isinstance(images, torch.Tensor):
        t = images
        if t.ndim == 2:
            t = t[None, None]
        elif t.ndim == 3:
            t = t[None]
        if t.ndim != 4:
            raise ValueError(f"{name}: tensors are [N, C, H, W], [C, H, W] or [H, W]; got shape {tuple(images.shape)}")
    elif isinstance(images, np.ndarray) or isinstance(images, (list, tuple)):
        t = _from_numpy(np.asarray(images), name)
    else:
        raise TypeError(f"{name}: expected a torch tensor, numpy array or PIL image, got {type(images).__name__}")
    t = _scaled(t, name)
    if model is not None:
        expected = get_preprocess(model).color_channels
        if t.shape[1] != expected:
            raise ValueError(f"{name} have {t.shape[1]} channel(s) but the model takes {expected} "
                             f"(shape {tuple(t.shape)}, read as [N, C, H, W])")
        device = device if device is not None else device_of(model)
        dtype = dtype if dtype is not None else dtype_of(model)
    return t.to(device=device, dtype=dtype or t.dtype)


def to_hwc(images: torch.Tensor) -> np.ndarray:
    """[N, C, H, W] tensor → float32 numpy [N, H, W, C] (detached, on the CPU).

    Example:
        >>> to_hwc(torch.zeros(2, 3, 4, 5)).shape
        (2, 4, 5, 3)
    """
    return images.detach().float().cpu().permute(0, 2, 3, 1).numpy()


def displayable(image: np.ndarray, alpha: bool = False) -> np.ndarray:
    """[..., C] float array → [..., 3] (or [..., 1]; [..., 4] RGBA with `alpha`) in [0, 1] for display.

    Example:
        >>> displayable(np.full((2, 2, 4), 2.0)).shape, float(displayable(np.full((2, 2, 4), 2.0)).max())
        ((2, 2, 3), 1.0)
    """
    channels = image.shape[-1]
    if alpha and channels == 4:
        return np.clip(image, 0.0, 1.0)
    if channels not in (1, 3):
        if channels > 3:
            image = image[..., :3]
        else:
            image = np.concatenate([image, np.zeros(image.shape[:-1] + (3 - channels,), image.dtype)], -1)
    return np.clip(image, 0.0, 1.0)


def grid(images: np.ndarray, columns: Optional[int] = None, pad: int = 2, fill: float = 1.0,
         alpha: bool = False) -> np.ndarray:
    """Tile [N, H, W, C] images into one [rows·(H+pad)−pad, cols·(W+pad)−pad, C'] image (RGBA
    images stay RGBA with `alpha`).

    Example:
        >>> grid(np.zeros((4, 2, 2, 1)), pad=0).shape
        (4, 4, 1)
    """
    images = displayable(np.asarray(images, dtype=np.float32), alpha)
    n, h, w, c = images.shape
    columns = columns or math.ceil(math.sqrt(n))
    rows = math.ceil(n / columns)
    out = np.full((rows * (h + pad) - pad, columns * (w + pad) - pad, c), fill, np.float32)
    for i, image in enumerate(images):
        r, q = divmod(i, columns)
        out[r * (h + pad) : r * (h + pad) + h, q * (w + pad) : q * (w + pad) + w] = image
    return out


def to_uint8(image: np.ndarray, alpha: bool = False) -> np.ndarray:
    """A float image in [0, 1] (HWC, C = 1 or 3, or 4 with `alpha`) → uint8 HW or HWC.

    Example:
        >>> to_uint8(np.full((1, 1, 3), 0.5)).tolist()
        [[[128, 128, 128]]]
    """
    image = np.round(displayable(image, alpha) * 255).astype(np.uint8)
    return image[..., 0] if image.shape[-1] == 1 else image


def encode(image: np.ndarray, format: str = "PNG", quality: int = 85, alpha: bool = False) -> bytes:
    """Encode one float HWC image as PNG or JPEG bytes (an RGBA image with `alpha` is always a
    PNG: JPEG has no transparency).

    Example:
        >>> encode(np.zeros((4, 4, 3)))[:4]
        b'\\x89PNG'
    """
    from PIL import Image

    buffer = io.BytesIO()
    if alpha and image.shape[-1] == 4:
        format = "PNG"
    options = {"quality": quality} if format.upper() in ("JPEG", "JPG") else {}
    Image.fromarray(to_uint8(image, alpha)).save(buffer, format=format, **options)
    return buffer.getvalue()


def save(image: np.ndarray, path: Union[str, Path], alpha: bool = False) -> Path:
    """Write one float HWC image; the format follows the file name (PNG, JPEG, ...). The path is
    checked first, and the file appears only once it is complete. An RGBA image (`alpha`) is an
    RGBA PNG; formats without transparency get it over a checkerboard.

    Example:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     save(np.zeros((4, 4, 3)), Path(folder) / "black.png").name
        'black.png'
    """
    from PIL import Image

    path = output_path(path, IMAGE_SUFFIXES, "image")
    if alpha and image.shape[-1] == 4 and path.suffix.lower() not in (".png", ".webp", ".gif", ".tif", ".tiff"):
        image, alpha = over_checkerboard(image), False
    picture = Image.fromarray(to_uint8(image, alpha))
    with atomic_file(path) as partial:
        picture.save(partial, format=Image.registered_extensions()[path.suffix.lower()])
    return path


def checkerboard(h: int, w: int, cell: int = 8, light: float = 1.0, dark: float = 0.8) -> np.ndarray:
    """A grey checkerboard [h, w, 1] of `cell`-pixel squares: what transparent pixels are shown over.

    Example:
        >>> checkerboard(2, 4, cell=2)[..., 0].tolist()
        [[1.0, 1.0, 0.800000011920929, 0.800000011920929], [1.0, 1.0, 0.800000011920929, 0.800000011920929]]
    """
    rows, cols = np.arange(h)[:, None] // cell, np.arange(w)[None, :] // cell
    return np.where((rows + cols) % 2 == 0, light, dark).astype(np.float32)[..., None]


def over_checkerboard(image: np.ndarray, cell: Optional[int] = None) -> np.ndarray:
    """RGBA [..., H, W, 4] → RGB [..., H, W, 3] over a checkerboard (cells of 1/16 of the side by default).

    Example:
        >>> over_checkerboard(np.zeros((4, 4, 4)), cell=2)[0, :, 0].tolist()   # fully transparent
        [1.0, 1.0, 0.800000011920929, 0.800000011920929]
    """
    image = np.clip(np.asarray(image, dtype=np.float32), 0.0, 1.0)
    h, w = image.shape[-3:-1]
    board = checkerboard(h, w, cell or max(2, max(h, w) // 16))
    rgb, a = image[..., :3], image[..., 3:]
    return rgb * a + board * (1 - a)


def over_grey(image: np.ndarray, grey: float = 0.5) -> np.ndarray:
    """RGBA [..., H, W, 4] → RGB [..., H, W, 3] over a uniform grey: how an RGBA render is shown
    to a network after its optimization (class read-outs, quality measures).

    Example:
        >>> over_grey(np.array([[[1.0, 0.0, 0.0, 0.25]]])).tolist()   # a quarter-opaque red pixel
        [[[0.625, 0.375, 0.375]]]
    """
    image = np.asarray(image, dtype=np.float32)
    if image.shape[-1] != 4:
        raise ValueError(f"over_grey expects RGBA images [..., H, W, 4], got shape {image.shape}")
    rgb, a = image[..., :3], image[..., 3:]
    return rgb * a + np.float32(grey) * (1 - a)
