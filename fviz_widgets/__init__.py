"""fviz_widgets — feature visualization for PyTorch that lives in the notebook.

    >>> import fviz_widgets as fv
    >>> model = fv.zoo.shapes_cnn()
    >>> print(fv.layers(model))                               # what can be visualized
    >>> result = fv.render(model, fv.obj.channel("conv3", 5))  # activation maximization
    >>> result.show()
"""

import inspect

from . import datasets, experiments, zoo
from .engine import ifv
from .engine import objectives as obj
from .engine import params as param
from .engine import transforms
from .engine.hooks import LayerError, capture, layers
from .engine.invariance import InvarianceResult, Walk, invariance
from .engine.quadratic import QuadraticForm
from .engine.preprocess import Preprocess, attach_preprocess
from .engine.render import NonFiniteLossError, RenderResult, Step, render_layer
from .engine.render import render as _render
from .engine.stats import ActivationStats, activation_stats, activations

__version__ = "0.1.0"

_WIDGETS = {"DirectionEditor", "IFVExplorer", "LiveRender", "RenderHandle", "WalkScrubber"}


def render(model, objective, *, live: bool = False, **kwargs) -> RenderResult:
    """Activation maximization; `live=True` streams it into a `LiveRender` widget.

    Same arguments and result as `fviz_widgets.engine.render.render` (documented there and in
    `help(fv.render)` below). With live=True the widget shows the images, curves and status
    while the cell runs; interrupting the kernel returns the best images so far.

    Example:
        >>> result = fv.render(model, "conv3:5", steps=256, live=True)
    """
    if live:
        from .widgets import LiveRender

        return LiveRender(model, objective, **kwargs).run()
    return _render(model, objective, **kwargs)


render.__doc__ = inspect.cleandoc(render.__doc__) + "\n\n" + inspect.cleandoc(_render.__doc__)
_signature = inspect.signature(_render)
render.__signature__ = _signature.replace(parameters=[
    *_signature.parameters.values(), inspect.Parameter("live", inspect.Parameter.KEYWORD_ONLY, default=False, annotation=bool)
])


def __getattr__(name: str):
    # Widgets import anywidget/ipywidgets; load them only when asked (scripts and workers stay light).
    if name in _WIDGETS:
        from . import widgets

        return getattr(widgets, name)
    raise AttributeError(f"module 'fviz_widgets' has no attribute {name!r}")

__all__ = [
    "ActivationStats",
    "DirectionEditor",
    "IFVExplorer",
    "InvarianceResult",
    "LayerError",
    "LiveRender",
    "NonFiniteLossError",
    "Preprocess",
    "QuadraticForm",
    "RenderHandle",
    "RenderResult",
    "Step",
    "Walk",
    "WalkScrubber",
    "activation_stats",
    "activations",
    "attach_preprocess",
    "capture",
    "datasets",
    "experiments",
    "ifv",
    "invariance",
    "layers",
    "obj",
    "param",
    "render",
    "render_layer",
    "transforms",
    "zoo",
]
