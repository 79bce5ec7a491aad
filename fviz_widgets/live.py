"""`fv.render` and `fv.render_layer` as users call them: the engine's functions, or, with
``live=True``, the same runs streamed into a `LiveRender` widget. It sits above the engine so
that the engine never imports widgets; the widget module loads only when asked for.
"""

from __future__ import annotations

import inspect
from typing import Any, Callable, Optional, Sequence, Union

from torch import nn

from .objectives import Objective
from .render import RenderResult
from .render import render as engine_render
from .render import render_layer as engine_render_layer

__all__ = ["render", "render_layer"]


def render(model: nn.Module, objective: Union[Objective, str], *, live: bool = False, **kwargs: Any) -> RenderResult:
    """Activation maximization; `live=True` streams it into a `LiveRender` widget.

    Same arguments and result as `fviz_widgets.render.render` (documented below). With live=True
    the widget shows the images, curves and status while the cell runs; interrupting the kernel
    returns the best images so far.

    Example:
        >>> import fviz_widgets as fv
        >>> fv.render(fv.zoo.shapes_cnn(), "conv3:5", size=32, steps=4, progress=False).status
        'completed'
    """
    if live:
        from .widgets import LiveRender

        return LiveRender(model, objective, **kwargs).run()
    return engine_render(model, objective, **kwargs)


def render_layer(model: nn.Module, layer: str, channels: Optional[Sequence[int]] = None, *, live: bool = False,
                 **kwargs: Any) -> RenderResult:
    """One image per channel of a layer; `live=True` streams the grid, batch by batch, into a
    `LiveRender` widget.

    Same arguments and result as `fviz_widgets.render.render_layer` (documented below).

    Example:
        >>> import fviz_widgets as fv
        >>> fv.render_layer(fv.zoo.shapes_cnn(), "conv1", [0, 1], size=32, steps=4, progress=False).labels
        ['conv1:0', 'conv1:1']
    """
    if live:
        from .widgets import LiveRender

        return LiveRender.layer(model, layer, channels, **kwargs).run()
    return engine_render_layer(model, layer, channels, **kwargs)


def _document(function: Callable, engine: Callable) -> None:
    """Give `function` the engine's documentation and signature, plus the `live` keyword."""
    function.__doc__ = inspect.cleandoc(function.__doc__) + "\n\n" + inspect.cleandoc(engine.__doc__)
    signature = inspect.signature(engine)
    parameters = list(signature.parameters.values())
    at = next((i for i, p in enumerate(parameters) if p.kind is p.VAR_KEYWORD), len(parameters))
    live = inspect.Parameter("live", inspect.Parameter.KEYWORD_ONLY, default=False, annotation=bool)
    function.__signature__ = signature.replace(parameters=[*parameters[:at], live, *parameters[at:]])


_document(render, engine_render)
_document(render_layer, engine_render_layer)
