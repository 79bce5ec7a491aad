"""Objectives from short strings, as every entry point accepts them.

Example:
    >>> as_objective("conv3:5"), as_objective("output:0"), as_objective("conv3")
    (channel('conv3', 5), class_logit(0), layer('conv3'))
"""

from __future__ import annotations

from typing import Union

from ..core.capture import OUTPUT, canonical
from .activations import channel, class_logit, layer
from .base import Objective

__all__ = ["as_objective"]


def as_objective(spec: Union[Objective, str]) -> Objective:
    """An objective from a short string: ``"layer:channel"`` (channel mean), ``"output:k"``
    (class logit), ``"layer"`` (deepdream); objectives pass through.

    Example:
        >>> as_objective("logits:3")
        class_logit(3)
    """
    if isinstance(spec, Objective):
        return spec
    if not isinstance(spec, str):
        raise TypeError(f"expected an Objective or a string like 'conv3:5', got {type(spec).__name__}")
    name, colon, index = spec.rpartition(":")
    if not colon:
        return layer(spec)
    if not name.strip():
        raise ValueError(f"cannot read {spec!r}: the layer is missing before ':' (e.g. 'conv3:5', 'output:0')")
    try:
        k = int(index)
    except ValueError:
        raise ValueError(f"cannot read {spec!r}: expected 'layer:channel' with an integer channel") from None
    return class_logit(k) if canonical(name) == OUTPUT else channel(name, k)
