"""Parameterizations by name, for runs that make one per batch: `render_layer`, the atlas, `fviz`.

A *param factory* makes the parameterization of one batch: ``factory(size, batch=n, seed=s,
device=d)`` returns an `fv.param` module of n images of ``size = (H, W)``. `normal_depth` is one
as it is; ``functools.partial(fv.param.image, fft=False)`` is another. `param_factory` turns a
name into one:

- ``fft``: `image` (FFT spectrum, colour decorrelation; the default everywhere);
- ``pixel``: `image` with free pixels;
- ``maco``: `maco` (phase only, natural-image magnitude);
- ``cppn``: `cppn` (a network of the pixel coordinates);
- any of these four with ``+alpha``: with a transparency channel (``maco+alpha``);
- ``normal_depth``: a normal map and a depth (`normal_depth`; a 4-channel input);
- ``path/to/file.py:function``: a factory of your own in a file you name (its code runs).

Example:
    >>> factory = param_factory("normal_depth")
    >>> batch_param(factory, (8, 12), batch=2, seed=0).shape
    (2, 4, 8, 12)
    >>> param_factory("normal-depth")
    Traceback (most recent call last):
    ...
    ValueError: unknown parameterization 'normal-depth'; did you mean normal_depth? (use fft, pixel, maco, cppn, normal_depth, NAME+alpha or path/to/file.py:function)
"""

from __future__ import annotations

import difflib
from functools import partial
from typing import Callable, Optional, Tuple, Union

from torch import nn

from ..core.imports import function_from_file, split_file_spec
from .base import Device, Param
from .cppn import cppn
from .domain import normal_depth
from .image import image
from .maco import maco

__all__ = ["NAMES", "ParamFactory", "batch_param", "param_factory"]

#: A function ``(size, *, batch, seed, device) -> Param``.
ParamFactory = Callable[..., Param]

#: The names `param_factory` knows (and ``path/to/file.py:function``).
NAMES = ("fft", "pixel", "maco", "cppn", "normal_depth", "fft+alpha", "pixel+alpha", "maco+alpha", "cppn+alpha")


def param_factory(spec: Union[str, ParamFactory, None], color_channels: int = 3) -> ParamFactory:
    """The factory `spec` names (a name of `NAMES`, ``path/to/file.py:function``), or `spec` itself
    when it is already one; None is ``"fft"``. `color_channels` is the image channels of the
    ``fft`` and ``pixel`` images (the model's: 1 for a grey model)."""
    if spec is None:
        spec = "fft"
    if not isinstance(spec, str):
        if isinstance(spec, nn.Module) or not callable(spec):
            raise TypeError("a parameterization for several batches is a name (" + ", ".join(NAMES) + ") or a "
                            "function (size, *, batch, seed, device) -> fv.param module, e.g. fv.param.normal_depth; "
                            f"got {type(spec).__name__} (a param module holds one batch: pass it to fv.render)")
        return spec
    base, alpha = (spec[: -len("+alpha")], True) if spec.endswith("+alpha") else (spec, False)
    if base in ("fft", "pixel"):
        return partial(image, color_channels=color_channels, fft=base == "fft", alpha=alpha)
    if base in ("maco", "cppn"):
        return partial(maco if base == "maco" else cppn, color_channels=color_channels, alpha=alpha)
    if spec == "normal_depth":
        return normal_depth
    in_file = split_file_spec(spec)
    if in_file:
        return function_from_file(*in_file, what="parameterization file")
    close = difflib.get_close_matches(spec, NAMES, n=2)
    hint = f"; did you mean {' or '.join(close)}?" if close else ""
    raise ValueError(f"unknown parameterization {spec!r}{hint} (use {', '.join(NAMES[:5])}, NAME+alpha or "
                     "path/to/file.py:function)")


def batch_param(factory: ParamFactory, size: Tuple[int, int], *, batch: int, seed: int,
                device: Device = None) -> Param:
    """``factory(size, batch=, seed=, device=)``, checked: an image module of `batch` images [N, C, H, W]."""
    name = getattr(factory, "__qualname__", None) or getattr(getattr(factory, "func", None), "__qualname__", None) \
        or repr(factory)
    made = factory(tuple(size), batch=batch, seed=seed, device=device)
    shape: Optional[tuple] = tuple(getattr(made, "shape", ()) or ()) if isinstance(made, nn.Module) else None
    if shape is None or len(shape) != 4:
        raise TypeError(f"the param factory {name} returned {type(made).__name__}, not an fv.param module "
                        "of images [N, C, H, W]")
    if shape[0] != batch or shape[2:] != tuple(size):
        raise ValueError(f"the param factory {name} made images {shape} for batch={batch}, size={tuple(size)}")
    return made
