"""fviz_widgets — feature visualization for PyTorch that lives in the notebook.

This module only re-exports; widgets and experiments load when first used, so scripts and
workers stay light. The layers and where things live: docs/ARCHITECTURE.md.

Example:
    >>> import fviz_widgets as fv
    >>> model = fv.zoo.shapes_cnn()
    >>> fv.layers(model).names[:2]                                     # what can be visualized
    ['conv1', 'act1']
    >>> fv.render(model, fv.obj.channel("conv3", 5), size=32, steps=4, progress=False).images.shape
    (1, 32, 32, 3)
"""

import importlib

from . import core, datasets, ifv, transforms, zoo
from . import objectives as obj
from . import params as param
from .core import LayerError, Preprocess, as_images, attach_preprocess, capture, layers
from .dataset_examples import TopExamples, top_examples
from .invariance import InvarianceOptions, InvarianceResult, QuadraticForm, Walk, invariance, unit_invariance
from .live import render, render_layer
from .render import Accentuation, NonFiniteLossError, RenderResult, Step, accentuate
from .stats import ActivationStats, activation_stats, activations

__version__ = "0.1.0"

_LAZY = {name: "widgets" for name in ("DirectionEditor", "IFVExplorer", "LiveRender", "RenderHandle", "WalkScrubber")}
_LAZY["experiments"] = None
_LAZY["atlas"] = None


def __getattr__(name: str):
    # Widgets import anywidget/ipywidgets and experiments pull in records and executors: load them
    # only when asked, so `import fviz_widgets` stays light.
    if name in _LAZY:
        module = importlib.import_module(f".{_LAZY[name] or name}", __name__)
        return module if _LAZY[name] is None else getattr(module, name)
    raise AttributeError(f"module 'fviz_widgets' has no attribute {name!r}")


__all__ = [
    "Accentuation",
    "ActivationStats",
    "DirectionEditor",
    "IFVExplorer",
    "InvarianceOptions",
    "InvarianceResult",
    "LayerError",
    "LiveRender",
    "NonFiniteLossError",
    "Preprocess",
    "QuadraticForm",
    "RenderHandle",
    "RenderResult",
    "Step",
    "TopExamples",
    "Walk",
    "WalkScrubber",
    "accentuate",
    "activation_stats",
    "activations",
    "as_images",
    "atlas",
    "attach_preprocess",
    "capture",
    "core",
    "datasets",
    "experiments",
    "ifv",
    "invariance",
    "layers",
    "obj",
    "param",
    "render",
    "render_layer",
    "top_examples",
    "transforms",
    "unit_invariance",
    "zoo",
]
