"""`fviz layers`, `fviz render` and `fviz walk`: any model named by `fviz_widgets.zoo.load_model`.

Outputs are checked before anything is computed and appear only once complete (the images and
walks are written under a temporary name, then renamed); an interrupted run writes nothing.

Example:
    >>> import tempfile
    >>> from PIL import Image
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = render_command("shapes_cnn", "conv3:5", Path(folder) / "x.png", steps=4, size=32,
    ...                           scale=2, progress=False)
    ...     Image.open(path).size
    (64, 64)
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Optional, Tuple, Union

from torch import nn

__all__ = ["layers_command", "parse_size", "parse_target", "render_command", "walk_command"]

Size = Union[int, Tuple[int, int], None]


def parse_target(target: str) -> Tuple[str, Optional[int]]:
    """(layer, channel or None) of ``LAYER[:CHANNEL]``.

    Example:
        >>> parse_target("conv3:5"), parse_target("features.6")
        (('conv3', 5), ('features.6', None))
    """
    layer, colon, channel = target.rpartition(":")
    if not colon:
        return target, None
    if not layer or not re.fullmatch(r"-?\d+", channel):
        raise ValueError(f"{target!r} is not LAYER or LAYER:CHANNEL (a channel number), e.g. conv3 or conv3:5")
    return layer, int(channel)


def parse_size(text: str) -> Union[int, Tuple[int, int]]:
    """``--size``: ``N`` (square) or ``HxW`` (height × width).

    Example:
        >>> parse_size("32"), parse_size("48x64")
        (32, (48, 64))
    """
    match = re.fullmatch(r"\s*(\d+)\s*(?:[x×]\s*(\d+)\s*)?", text)
    if not match:
        raise ValueError(f"--size {text!r}: use N or HxW (height x width), e.g. 64 or 48x64")
    h, w = match.groups()
    return int(h) if w is None else (int(h), int(w))


def model_on(spec: str, device: str) -> nn.Module:
    """The model named by `spec` (`fviz_widgets.zoo.load_model`) on `device` (checked first)."""
    from ..core.validate import available_device
    from ..zoo import load_model

    device = available_device(device, "--device")  # before loading, so a wrong device fails at once
    return load_model(spec).to(device)


def _checked_channel(model: nn.Module, layer: str, channel: int, size: Size) -> int:
    """`channel` checked against `layer` (a LayerError, with close names, for an unknown layer)."""
    from ..core.aggregate import channel_index
    from ..core.capture import channel_count

    count = channel_count(model, layer, size)
    try:
        return channel_index(channel, count, layer=layer)
    except IndexError as error:
        raise ValueError(str(error)) from None


def _objective(kind: str, layer: str, channel: int):
    from .. import objectives

    if kind not in ("channel", "neuron"):
        raise ValueError(f"--objective {kind!r}: use channel or neuron")
    return objectives.channel(layer, channel) if kind == "channel" else objectives.neuron(layer, channel)


def layers_command(model: str = "shapes_cnn", size: Size = None) -> str:
    """The table of `model`'s layers: name, type and output shape.

    Example:
        >>> "conv3" in layers_command("shapes_cnn")
        True
    """
    from ..core import layers
    from ..core.model import input_shape

    net = model_on(model, "cpu")
    return str(layers(net, input_shape(net, size) if size is not None else None))


def render_command(model: str, target: str, out: Union[str, Path], *, steps: int = 256, size: Size = None,
                   seed: int = 0, device: str = "cpu", batch_size: int = 16, objective: str = "channel",
                   param: str = "fft", lr: float = 0.05, transforms: str = "standard", views: int = 1,
                   scale: int = 1, columns: Optional[int] = None, progress: bool = True) -> Path:
    """Render ``LAYER:CHANNEL`` of `model` into the image `out`, or every channel of ``LAYER`` into
    one grid (`batch_size` channels per run); returns the path. `transforms` is "standard",
    "robust", "none" or "crops" (MACO's views: `fv.transforms.random_crop` of the `size` canvas,
    enlarged to the model's own input size; use a `size` larger than that, and `views` ≈ 6).

    Example:
        >>> import tempfile
        >>> from PIL import Image
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     path = render_command("shapes_cnn", "conv1", Path(folder) / "conv1.png", steps=2, size=16,
        ...                           columns=8, progress=False)
        ...     Image.open(path).size                     # 16 channels: 2 rows of 8 tiles, 2 px apart
        (142, 34)
    """
    from .. import params
    from ..core.files import IMAGE_SUFFIXES, output_path
    from ..core.model import device_of, input_shape
    from ..core.validate import positive_int
    from ..live import render, render_layer
    from ..render import NonFiniteLossError
    from ..transforms import random_crop

    path = output_path(out, IMAGE_SUFFIXES, "image")
    scale, batch_size = positive_int(scale, "--scale"), positive_int(batch_size, "--batch-size")
    if columns is not None:
        columns = positive_int(columns, "--columns")
    if transforms not in ("standard", "robust", "crops", "none"):
        raise ValueError(f"--transforms {transforms!r}: use standard, robust, crops or none")
    views = positive_int(views, "--views")
    layer, channel = parse_target(target)
    if channel is None and objective != "channel":
        raise ValueError(f"a whole layer renders with --objective channel; for --objective {objective}, name one "
                         f"channel: {layer}:CHANNEL")
    net = model_on(model, device)
    colors, h, w = input_shape(net, size)
    factory = params.param_factory(param, colors)
    chosen = {"none": None, "crops": [random_crop(size=input_shape(net, None)[1:])]}.get(transforms, transforms)
    options = dict(steps=steps, seed=seed, lr=lr, transforms=chosen, views=views, progress=progress)
    # an interrupted render writes nothing here, so the engine's "returning the best images so far" is moot
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="render interrupted")
        try:
            if channel is None:
                result = render_layer(net, layer, batch_size=batch_size, size=(h, w), param=factory, **options)
            else:
                channel = _checked_channel(net, layer, channel, size)
                image = params.batch_param(factory, (h, w), batch=1, seed=seed, device=device_of(net))
                result = render(net, _objective(objective, layer, channel), param=image, **options)
        except NonFiniteLossError as error:
            raise ValueError(f"{error} (try a smaller --lr than {lr:g})") from None
    if result.status == "interrupted":
        raise KeyboardInterrupt
    if result.status != "completed":
        raise RuntimeError(f"the render ended with status {result.status!r}; nothing written")
    return result.save(path, columns=columns, scale=scale)


def walk_command(model: str, target: str, out: Union[str, Path], *, direction: str = "most", index: int = 0,
                 frames: int = 32, fps: float = 12.0, smooth: bool = True, c: float = 0.7,
                 threshold: Optional[float] = None, steps: int = 300, size: Size = None,
                 seed: int = 0, device: str = "cpu", objective: str = "channel", scale: int = 1,
                 progress: bool = True) -> Path:
    """A geodesic walk from the optimal stimulus of ``LAYER:CHANNEL`` along its `index`-th most
    (or least) invariant direction, saved as a GIF or MP4 (or a PNG strip); returns the path.

    `smooth` analyses a smooth surrogate of a ReLU / max-pool network (whose input Hessian
    vanishes); the walk's values are still your network's. The walk goes on while the unit stays
    above `threshold` (default ``c``·g(x⁺)).

    Arguments are checked before anything is computed:

    Example:
        >>> walk_command("shapes_cnn", "conv3", "walk.gif")
        Traceback (most recent call last):
        ...
        ValueError: a walk follows one unit: name its channel, conv3:CHANNEL (e.g. conv3:0)
    """
    from ..core.files import IMAGE_SUFFIXES, output_path
    from ..core.validate import positive_int, positive_number
    from ..invariance import invariance
    from ..viz.video import ANIMATION_SUFFIXES

    path = output_path(out, ANIMATION_SUFFIXES + IMAGE_SUFFIXES, "walk")
    scale, frames = positive_int(scale, "--scale"), positive_int(frames, "--frames", minimum=2)
    index, fps = positive_int(index, "--index", minimum=0), positive_number(fps, "--fps")
    if direction not in ("most", "least"):
        raise ValueError(f"--direction {direction!r}: use most or least")
    if threshold is None and not 0 <= c < 1:
        raise ValueError(f"--c must be in [0, 1), got {c:g}")
    if path.suffix.lower() not in (".gif", *IMAGE_SUFFIXES):
        _needs_ffmpeg()
    layer, channel = parse_target(target)
    if channel is None:
        raise ValueError(f"a walk follows one unit: name its channel, {layer}:CHANNEL (e.g. {layer}:0)")
    net = model_on(model, device)
    channel = _checked_channel(net, layer, channel, size)
    result = invariance(net, _objective(objective, layer, channel), size=size, k=index + 1, smooth=smooth,
                        seed=seed, steps=steps, progress=progress)
    if threshold is None and result.g_plus <= 0:
        raise ValueError(f"{target} reaches only g(x⁺) = {result.g_plus:.4g} ≤ 0, so c·g(x⁺) bounds nothing; "
                         f"pass --threshold (a value below it, e.g. {result.g_plus - 1:.3g})")
    walk = result.walk(f"{direction}:{index}", c=c, frames=frames, threshold=threshold)
    return walk.save(path, fps=fps, scale=scale)


def _needs_ffmpeg() -> None:
    try:
        import imageio_ffmpeg  # noqa: F401
    except ImportError:
        raise ImportError("saving MP4 needs imageio-ffmpeg: pip install 'fviz_widgets[video]' "
                          "(or save a .gif)") from None
