"""`fv.render` as users call it: the engine's `render`, or, with ``live=True``, the same run
streamed into a `LiveRender` widget. It sits above the engine so that the engine never imports
widgets; the widget module loads only when asked for.
"""

from __future__ import annotations

import inspect
from typing import Any, Union

from torch import nn

from .objectives import Objective
from .render import RenderResult
from .render import render as engine_render

__all__ = ["render"]


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


render.__doc__ = inspect.cleandoc(render.__doc__) + "\n\n" + inspect.cleandoc(engine_render.__doc__)
_signature = inspect.signature(engine_render)
render.__signature__ = _signature.replace(parameters=[
    *_signature.parameters.values(),
    inspect.Parameter("live", inspect.Parameter.KEYWORD_ONLY, default=False, annotation=bool),
])
