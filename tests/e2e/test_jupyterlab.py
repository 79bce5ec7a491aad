"""End to end: LiveRender in a real JupyterLab, driven by chromium.

The image must stream while the cell is still busy (blocking mode), and in background mode the
Stop button must end the run while the kernel is idle.
"""

import re

from conftest import write_notebook  # noqa: F401 (tests/e2e/conftest.py)

CELLS = [
    "import time\nimport fviz_widgets as fv\nmodel = fv.zoo.shapes_cnn()",
    # ~20 ms per step, so the run lasts long enough to be watched while the cell is busy
    "live = fv.LiveRender(model, 'conv3:5', steps=250, callback=lambda step: time.sleep(0.02))\nresult = live.run()",
    "handle = fv.LiveRender(model, 'conv3:7', steps=100000).run(background=True)",
]


def step_of(widget) -> int:
    match = re.search(r"step (\d+) /", widget.locator(".fviz-meta").first.text_content())
    return int(match.group(1))


def test_live_render_streams_in_jupyterlab_and_stops_in_background(lab, page):
    root, url = lab
    write_notebook(root / "live.ipynb", CELLS)
    page.set_default_timeout(60_000)
    page.goto(f"{url}/lab/tree/live.ipynb")
    page.locator(".jp-Notebook .jp-Cell").first.wait_for()
    page.locator(".jp-StatusBar-TextItem", has_text=re.compile(r"\| Idle")).first.wait_for(timeout=90_000)
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile("^Run$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile("^Run All Cells$")).click()

    cells = page.locator(".jp-Notebook .jp-CodeCell")
    blocking = cells.nth(1).locator(".fviz-live")
    blocking.wait_for(timeout=90_000)
    page.wait_for_function(
        "() => document.querySelectorAll('.jp-CodeCell')[1].querySelector('canvas.fviz-frame')?.width === 64",
        timeout=60_000)
    first = step_of(blocking)
    page.wait_for_timeout(1000)
    second = step_of(blocking)
    prompt = cells.nth(1).locator(".jp-InputPrompt").text_content()
    assert "*" in prompt, f"the cell should still be running, prompt is {prompt!r}"
    assert second > first, "steps advance while the cell is busy"
    assert blocking.locator(".fviz-status").text_content() == "running"
    page.wait_for_function(
        "() => document.querySelectorAll('.jp-CodeCell')[1].querySelector('.fviz-status')?.textContent === 'completed'",
        timeout=120_000)
    assert step_of(blocking) == 250

    background = cells.nth(2).locator(".fviz-live")
    background.wait_for(timeout=60_000)
    page.wait_for_function(
        "() => { const w = document.querySelectorAll('.jp-CodeCell')[2]; const m = w.querySelector('.fviz-meta');"
        " return m && Number(m.textContent.match(/step (\\d+)/)[1]) > 5; }", timeout=60_000)
    assert "*" not in cells.nth(2).locator(".jp-InputPrompt").text_content(), "the background cell has returned"
    stop = background.get_by_role("button", name="Stop")
    assert stop.is_enabled()
    stop.click()
    page.wait_for_function(
        "() => document.querySelectorAll('.jp-CodeCell')[2].querySelector('.fviz-status')?.textContent === 'stopped'",
        timeout=30_000)
    stopped_at = step_of(background)
    page.wait_for_timeout(500)
    assert step_of(background) == stopped_at < 100000
    assert page.errors == []
