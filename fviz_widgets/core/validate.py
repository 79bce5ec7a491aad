"""Argument checks shared by the entry points, so that a bad argument is named in its error.

Example:
    >>> image_size(64), image_size((32, 48))
    ((64, 64), (32, 48))
    >>> image_size("64")
    Traceback (most recent call last):
    ...
    TypeError: size must be a positive int or a pair (H, W) of them, got '64' (str)
"""

from __future__ import annotations

import math
import numbers
from typing import Sequence, Tuple, Union

__all__ = ["available_device", "callable_or_none", "image_size", "positive_int", "positive_number", "seed_value"]


def _is_int(value: object) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def positive_int(value: object, name: str, *, minimum: int = 1) -> int:
    """`value` as an int ≥ `minimum` (numpy integers accepted; bools and floats are not).

    Example:
        >>> positive_int(3, "batch"), positive_int(0, "steps", minimum=0)
        (3, 0)
    """
    if not _is_int(value):
        raise TypeError(f"{name} must be an integer, got {value!r} ({type(value).__name__})")
    if int(value) < minimum:
        raise ValueError(f"{name} must be ≥ {minimum}, got {value}")
    return int(value)


def image_size(size: Union[int, Sequence[int]], name: str = "size") -> Tuple[int, int]:
    """(H, W) from an int (square) or a pair of positive ints.

    Example:
        >>> image_size([24, 32])
        (24, 32)
    """
    pair = (size, size) if _is_int(size) else size
    message = f"{name} must be a positive int or a pair (H, W) of them, got {size!r}"
    if isinstance(pair, (str, bytes)) or not isinstance(pair, Sequence) or len(pair) != 2 \
            or not all(_is_int(s) for s in pair):
        raise TypeError(f"{message} ({type(size).__name__})")
    if not all(int(s) > 0 for s in pair):
        raise ValueError(message)
    return int(pair[0]), int(pair[1])


def seed_value(seed: object, name: str = "seed") -> int:
    """A seed as a Python int (numpy integers accepted; bools, floats and negatives are not).

    Example:
        >>> import numpy as np
        >>> seed_value(np.int64(3))
        3
    """
    return positive_int(seed, name, minimum=0)


def positive_number(value: object, name: str, *, allow_zero: bool = False) -> float:
    """`value` as a finite float > 0 (or ≥ 0 with `allow_zero`).

    Example:
        >>> positive_number(0.05, "lr")
        0.05
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {value!r} ({type(value).__name__})")
    v = float(value)
    if not math.isfinite(v) or v < 0 or (v == 0 and not allow_zero):
        raise ValueError(f"{name} must be a finite number {'≥' if allow_zero else '>'} 0, got {value!r}")
    return v


def callable_or_none(value: object, name: str) -> None:
    """Check that `value` is None or callable (a callback, a factory).

    Example:
        >>> callable_or_none(print, "callback")
    """
    if value is not None and not callable(value):
        raise TypeError(f"{name} must be a function (or None), got {value!r} ({type(value).__name__})")


def available_device(device: object, name: str = "device") -> str:
    """`device` checked as a torch device this machine has (``"cpu"``, ``"cuda"``, ``"cuda:1"``, ``"mps"``).

    Example:
        >>> available_device("cpu")
        'cpu'
    """
    import torch

    try:
        parsed = torch.device(device)
    except (RuntimeError, TypeError):
        raise ValueError(f"{name} {device!r} is not a device; use cpu, cuda, cuda:N or mps") from None
    if parsed.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(f"{name} {device!r}: CUDA is not available here (torch {torch.__version__}); use cpu")
        if parsed.index is not None and parsed.index >= torch.cuda.device_count():
            raise ValueError(f"{name} {device!r}: this machine has {torch.cuda.device_count()} CUDA device(s)")
    if parsed.type == "mps" and not torch.backends.mps.is_available():
        raise ValueError(f"{name} {device!r}: MPS is not available here; use cpu")
    return str(device)
