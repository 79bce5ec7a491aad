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

import numbers
from typing import Sequence, Tuple, Union

__all__ = ["image_size", "positive_int"]


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
