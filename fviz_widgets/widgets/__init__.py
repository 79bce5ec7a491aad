"""Notebook widgets (anywidget): thin views over engine results and Step streams."""

from .live_render import LiveRender, RenderHandle

__all__ = ["LiveRender", "RenderHandle"]
