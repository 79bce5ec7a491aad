"""fviz_widgets — feature visualization for PyTorch that lives in the notebook.

    >>> import fviz_widgets as fv
    >>> model = fv.zoo.shapes_cnn()
    >>> print(fv.layers(model))                               # what can be visualized
    >>> result = fv.render(model, fv.obj.channel("conv3", 5))  # activation maximization
    >>> result.show()
"""

from . import datasets, zoo
from .engine import objectives as obj
from .engine import params as param
from .engine import transforms
from .engine.hooks import LayerError, capture, layers
from .engine.preprocess import Preprocess, attach_preprocess
from .engine.render import NonFiniteLossError, RenderResult, Step, render, render_layer
from .engine.stats import ActivationStats, activation_stats

__version__ = "0.1.0"

__all__ = [
    "ActivationStats",
    "LayerError",
    "NonFiniteLossError",
    "Preprocess",
    "RenderResult",
    "Step",
    "activation_stats",
    "attach_preprocess",
    "capture",
    "datasets",
    "layers",
    "obj",
    "param",
    "render",
    "render_layer",
    "transforms",
    "zoo",
]
