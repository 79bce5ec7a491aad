"""What keeps a loaded state dict from fitting a model, in words a person can act on."""

from __future__ import annotations

from typing import Callable, List, Mapping

import torch

__all__ = ["mismatch_summary"]


def mismatch_summary(expected: Mapping[str, torch.Tensor], loaded: Mapping,
                     name: Callable[[str], str] = str) -> List[str]:
    """The missing keys, unexpected keys and shape mismatches between a model's state dict
    (`expected`) and a loaded one, each as one phrase (empty when they fit); `name` turns a key
    into the name to show (e.g. the file's own naming).

    Example:
        >>> mismatch_summary({"w": torch.zeros(2), "b": torch.zeros(1)}, {"w": torch.zeros(3), "x": 1})
        ['1 missing key(s): b', '1 unexpected key(s): x', '1 shape mismatch(es), file vs model: w (3,) vs (2,)']
    """
    def listing(keys: List[str]) -> str:
        return ", ".join(keys[:5]) + (f", ... ({len(keys) - 5} more)" if len(keys) > 5 else "")

    missing = [name(key) for key in expected if key not in loaded]
    unexpected = [name(key) for key in loaded if key not in expected]
    reshaped = [
        f"{name(key)} {tuple(loaded[key].shape)} vs {tuple(expected[key].shape)}"
        for key in expected
        if key in loaded and isinstance(loaded[key], torch.Tensor) and loaded[key].shape != expected[key].shape
    ]
    problems = []
    if missing:
        problems.append(f"{len(missing)} missing key(s): {listing(missing)}")
    if unexpected:
        problems.append(f"{len(unexpected)} unexpected key(s): {listing(unexpected)}")
    if reshaped:
        problems.append(f"{len(reshaped)} shape mismatch(es), file vs model: {listing(reshaped)}")
    return problems
