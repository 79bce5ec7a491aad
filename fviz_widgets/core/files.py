"""Writing files safely: the path is checked before anything is computed or written, and a file
appears only once it is complete (written under a temporary name, then renamed into place).

Example:
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = output_path(Path(folder) / "x.png", IMAGE_SUFFIXES)
    ...     with atomic_file(path) as partial:
    ...         _ = partial.write_bytes(b"...")
    ...     sorted(p.name for p in Path(folder).iterdir())
    ['x.png']
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterator, Sequence, Union

__all__ = ["IMAGE_SUFFIXES", "atomic_file", "atomic_folder", "output_path"]

_UMASK = os.umask(0o022)  # read once (setting it is the only way to read it), then restored
os.umask(_UMASK)

#: File types `save` writes images as.
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")


def output_path(path: Union[str, os.PathLike], suffixes: Sequence[str], what: str = "file") -> Path:
    """`path` (``~`` expanded) checked as a file to write: not a folder, one of `suffixes`.

    Example:
        >>> output_path("out/walk.txt", (".gif", ".mp4"), "walk")
        Traceback (most recent call last):
        ...
        ValueError: cannot save a walk as out/walk.txt: use a name ending in .gif or .mp4
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"a {what} path is a string or a Path, got {type(path).__name__}")
    path = Path(path).expanduser()
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a folder; name a file to save the {what} in (e.g. {path / ('x' + suffixes[0])})")
    if path.suffix.lower() not in suffixes:
        raise ValueError(f"cannot save a {what} as {path}: use a name ending in {' or '.join(suffixes)}")
    return path


@contextlib.contextmanager
def atomic_file(path: Path) -> Iterator[Path]:
    """A temporary path beside `path` to write into; renamed to `path` when the block succeeds,
    removed when it fails (so a half-written file never looks complete)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=f".partial{path.suffix}", dir=path.parent)
    os.close(fd)
    partial = Path(name)
    try:
        yield partial
        os.chmod(partial, 0o666 & ~_UMASK)  # mkstemp makes 0600; a saved file gets the usual permissions
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


@contextlib.contextmanager
def atomic_folder(path: Path, overwrite: bool = False) -> Iterator[Path]:
    """A temporary folder beside `path` to fill; it becomes `path` when the block succeeds (an
    existing folder is replaced only with `overwrite`), and is removed when it fails."""
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} exists; pass overwrite=True (--overwrite) to replace it")
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent))
    try:
        yield partial
        os.chmod(partial, 0o777 & ~_UMASK)  # mkdtemp makes 0700
        if path.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".old", dir=path.parent))
            os.replace(path, old / path.name)
            os.replace(partial, path)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(partial, path)
    finally:
        if partial.exists():
            shutil.rmtree(partial, ignore_errors=True)
