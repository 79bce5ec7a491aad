"""Image parameterizations (`fv.param`): modules whose ``forward()`` is the image being optimized.

- `image` (FFT with colour decorrelation by default), `pixel` and `fft`: images in [0, 1].
- `maco` (a standardized phase under a natural-image magnitude spectrum) and `cppn` (a network of the
  pixel coordinates), for deep networks where free spectra turn into grey texture.
- ``alpha=True`` (or `with_alpha`) adds a transparency channel: RGBA images that the render
  composites onto random backgrounds, with an opacity penalty.
- `domain` maps any raw parameterization through your own function; `normal_depth` is the
  worked example (a normal map and a depth).
- `param_factory` names them for runs that make one per batch (`render_layer`, the atlas,
  the `fviz` command): ``fft``, ``pixel``, ``maco``, ``cppn`` (each also ``+alpha``),
  ``normal_depth`` or ``path/to/file.py:function``.
- Subclass `Param` for a parameterization of your own.

Example:
    >>> from fviz_widgets import param
    >>> param.image(32, batch=2, seed=1).shape
    (2, 3, 32, 32)
"""

from .alpha import DEFAULT_OPACITY_PENALTY, AlphaParam, with_alpha
from .base import Param
from .color import IMAGENET_COLOR_MATRIX, color_matrix_from_data
from .cppn import CPPNParam, cppn
from .domain import DomainParam, domain, normal_depth, normal_depth_map
from .image import FFT_OUTPUT_SCALE, INIT_EPS, SQUASHES, FFTParam, ImageParam, PixelParam, fft, fft_scale, image, pixel
from .maco import MacoParam, maco
from .named import NAMES, ParamFactory, batch_param, param_factory

__all__ = [
    "DEFAULT_OPACITY_PENALTY",
    "FFT_OUTPUT_SCALE",
    "IMAGENET_COLOR_MATRIX",
    "INIT_EPS",
    "NAMES",
    "SQUASHES",
    "AlphaParam",
    "CPPNParam",
    "DomainParam",
    "FFTParam",
    "ImageParam",
    "MacoParam",
    "Param",
    "ParamFactory",
    "PixelParam",
    "batch_param",
    "color_matrix_from_data",
    "cppn",
    "domain",
    "fft",
    "fft_scale",
    "image",
    "maco",
    "normal_depth",
    "normal_depth_map",
    "param_factory",
    "pixel",
    "with_alpha",
]
