"""`fviz atlas`: every channel of some layers, rendered into a static website (`fv.atlas`)."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional, Sequence, Union

from .models import Size, model_on

__all__ = ["atlas_command", "parse_channels"]


def parse_channels(text: Optional[str]) -> Optional[List[int]]:
    """``"0-3,8"`` → [0, 1, 2, 3, 8]; None → every channel.

    Example:
        >>> parse_channels("0-3,8"), parse_channels(None)
        ([0, 1, 2, 3, 8], None)
    """
    if text is None:
        return None
    picked: List[int] = []
    for part in text.split(","):
        first, _, last = part.strip().partition("-")
        try:
            picked += list(range(int(first), int(last or first) + 1))
        except ValueError:
            raise ValueError(f"channels are numbers and ranges such as 0-15,32; got {text!r}") from None
    return picked


def atlas_command(model: str, layers: Sequence[str], out: Union[str, Path], *, channels: Optional[str] = None,
                  steps: int = 256, size: Size = None, seed: int = 0, device: str = "cpu", batch_size: int = 16,
                  dataset: Optional[str] = "shapes", examples: int = 8, param: str = "fft",
                  transforms: str = "standard", dask: Optional[str] = None, overwrite: bool = False) -> Path:
    """Build the atlas of `layers` of the model named by `model` (a spec: workers rebuild it from
    the name); returns the path of its index.html.

    Example:
        >>> import tempfile
        >>> index = atlas_command("shapes_cnn", ["conv1"], tempfile.mkdtemp() + "/atlas", channels="0-1", steps=2,
        ...                       size=32, dataset=None)
        >>> index.name
        'index.html'
    """
    from ..atlas import build_atlas

    if not layers:
        raise ValueError("name the layers to draw: --layers conv2,conv3 (see `fviz layers MODEL`)")
    network = model_on(model, device)
    return build_atlas(network, list(layers), out, channels=parse_channels(channels), steps=steps, size=size,
                       seed=seed, batch_size=batch_size, dataset=dataset, examples=examples if dataset else 0,
                       param=param, transforms=None if transforms == "none" else transforms, dask=dask,
                       model_spec=model, overwrite=overwrite, progress=True)
