"""Notebook widgets (anywidget): thin views over engine results and Step streams."""

from .direction_editor import DirectionEditor
from .ifv_explorer import IFVExplorer
from .live_render import LiveRender, RenderHandle
from .walk_scrubber import WalkScrubber

__all__ = ["DirectionEditor", "IFVExplorer", "LiveRender", "RenderHandle", "WalkScrubber"]
