"""Render: activation maximization (`fv.render`, `fv.render_layer`) and what it hands out.

Modules: `api` (the entry points), `loop` (the optimization loop), `redirect` (gradient
redirection), `result` (`RenderResult`, `Step`), `accentuate` (feature accentuation of real images).

Example:
    >>> from fviz_widgets.render import render
    >>> from fviz_widgets import zoo
    >>> render(zoo.shapes_cnn(), "output:0", size=32, steps=4, progress=False).status
    'completed'
"""

from .accentuate import Accentuation, accentuate
from .api import render, render_layer
from .loop import OptimizerFactory
from .result import NonFiniteLossError, RenderResult, Step

__all__ = ["Accentuation", "NonFiniteLossError", "OptimizerFactory", "RenderResult", "Step", "accentuate", "render",
           "render_layer"]
