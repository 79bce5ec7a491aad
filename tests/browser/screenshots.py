"""Screenshots of the four widgets under JupyterLab's Light and Dark themes, for docs/screenshots/.

Run by `make screenshots` (pytest runs this file only when it is named: `make test` skips it):
each widget is mounted with its representative state (showcase.py) in a 760 px output area on a
page that loads the installed JupyterLab's own theme CSS, and its root element is saved as
docs/screenshots/<widget>_<theme>.png.
"""

from pathlib import Path

import pytest
from showcase import WIDGETS, show

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("widget", list(WIDGETS))
def test_screenshot(harness, widget, theme):
    harness.page.set_viewport_size({"width": 820, "height": 1000})
    show(harness, widget, theme, width=760)
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{widget}_{theme}.png"
    harness.page.locator(".fviz").first.screenshot(path=str(path), animations="disabled")
    assert path.stat().st_size > 10_000, f"{path} looks empty"
    assert harness.page.errors == []
