"""Animations on disk: frames as an animated GIF or an MP4 (by the file name's extension).

MP4 needs imageio-ffmpeg: ``pip install 'fviz_widgets[video]'``.

Example:
    >>> import tempfile
    >>> frames = np.zeros((4, 8, 8, 3), np.uint8)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     save_animation(frames, Path(folder) / "walk.gif", fps=10).suffix
    '.gif'
"""

from __future__ import annotations

from pathlib import Path
from typing import Union

import numpy as np

from ..core.files import atomic_file, output_path
from ..core.validate import positive_number

__all__ = ["ANIMATION_SUFFIXES", "save_animation"]

ANIMATION_SUFFIXES = (".gif", ".mp4", ".m4v", ".mov")


def save_animation(frames: np.ndarray, path: Union[str, Path], fps: float = 12.0, loop: bool = True) -> Path:
    """Write uint8 frames [F, H, W, 3] as a GIF or an MP4; returns the path. The arguments are
    checked before anything is written, and the file appears only once it is complete."""
    path = output_path(path, ANIMATION_SUFFIXES, "walk")
    fps = positive_number(fps, "fps")
    suffix = path.suffix.lower()
    if suffix != ".gif":
        try:
            import imageio_ffmpeg  # noqa: F401
        except ImportError:
            raise ImportError("saving MP4 needs imageio-ffmpeg: "
                              "pip install 'fviz_widgets[video]' (or pip install imageio-ffmpeg)") from None
    with atomic_file(path) as partial:
        if suffix == ".gif":
            import imageio.v3 as iio

            iio.imwrite(partial, frames, extension=".gif", duration=1000.0 / fps, loop=0 if loop else 1)
        else:
            import imageio.v2 as iio2

            h, w = frames.shape[1:3]
            even = np.pad(frames, ((0, 0), (0, h % 2), (0, w % 2), (0, 0)), mode="edge")  # yuv420p needs even sizes
            iio2.mimwrite(partial, list(even), format="FFMPEG", fps=fps, macro_block_size=1)
    return path
