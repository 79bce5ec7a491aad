"""End to end: widgets and records in a real JupyterLab, driven by chromium.

The image must stream while the cell is still busy (blocking mode), and in background mode the
Stop button must end the run while the kernel is idle. A shared record full of HTML shows as text.
"""

import json
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
    cells = run_all(page, url, "live.ipynb").locator(".jp-CodeCell")
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


EDITOR_CELLS = [
    "import fviz_widgets as fv\nmodel = fv.zoo.shapes_cnn()",
    "editor = fv.DirectionEditor(model, 'act3', steps=120)\neditor",
]


def run_all(page, url, name):
    """Open a notebook and run all its cells once its kernel listens (a request sent while the
    kernel is still starting can be dropped, so retry until the first cell is queued or done)."""
    page.set_default_timeout(60_000)
    page.goto(f"{url}/lab/tree/{name}?reset")  # reset: a fresh workspace, no tabs from earlier tests
    panel = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
    panel.locator(".jp-Cell").first.wait_for()
    first_prompt = panel.locator(".jp-CodeCell").first.locator(".jp-InputPrompt")
    for _ in range(6):
        page.locator(".jp-StatusBar-TextItem", has_text=re.compile(r"\| Idle")).first.wait_for(timeout=90_000)
        page.locator(".lm-MenuBar-itemLabel", has_text=re.compile("^Run$")).click()
        page.locator(".lm-Menu-itemLabel", has_text=re.compile("^Run All Cells$")).click()
        for _ in range(20):
            if re.search(r"\[[0-9*]+\]", first_prompt.text_content() or ""):
                return panel
            page.wait_for_timeout(500)
    raise AssertionError(f"the cells of {name} never started running")


def test_editing_a_bar_streams_a_new_render_in_jupyterlab(lab, page):
    root, url = lab
    write_notebook(root / "editor.ipynb", EDITOR_CELLS)
    run_all(page, url, "editor.ipynb")
    editor = page.locator(".fviz-dir")
    editor.wait_for(timeout=90_000)
    status = editor.locator(".fviz-render-status")
    page.wait_for_function("() => document.querySelector('.fviz-dir .fviz-render-status').textContent.startsWith('done')",
                           timeout=90_000)
    first = page.eval_on_selector(".fviz-dir canvas.fviz-preview", "c => c.toDataURL()")
    objective = editor.locator(".fviz-objective").text_content()

    bar = editor.locator(".fviz-bar[data-i='5']")
    bar.focus()
    for _ in range(3):
        page.keyboard.press("PageUp")
    page.wait_for_function("() => document.querySelector('.fviz-dir .fviz-render-status').textContent.startsWith('rendering')",
                           timeout=30_000)
    page.wait_for_function("() => document.querySelector('.fviz-dir .fviz-render-status').textContent.startsWith('done')",
                           timeout=90_000)
    assert page.eval_on_selector(".fviz-dir canvas.fviz-preview", "c => c.toDataURL()") != first
    assert status.text_content().startswith("done")
    assert editor.locator(".fviz-objective").text_content() == objective  # same family, new vector
    assert page.errors == []


HOSTILE = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>'


def hostile_record(folder, name="hostile"):
    """A shared record folder (summary only) whose strings are HTML and script."""
    import fviz_widgets as fv

    folder.mkdir(parents=True)
    config = fv.experiments.IFVConfig.demo().to_dict()
    config.update(name=name, layer=HOSTILE, model_kwargs={"note": HOSTILE})
    (folder / "config.json").write_text(json.dumps(config))
    (folder / "versions.json").write_text(json.dumps({"python": HOSTILE, "torch": "x", "numpy": "y"}))
    (folder / "summary.json").write_text(json.dumps({"n": 2, "m": 4, "n_sampled": 2, "n_canonical": 0,
                                                     "gamma0_mean": 0.5}))
    (folder / "critical_spaces.json").write_text(json.dumps([{"dim": 3, "tau_low": 0.1, "tau_high": 0.2, "tau": 0.15,
                                                              "angle_predicted_median": 4.0, "trivial": [HOSTILE]}]))


def test_a_record_with_html_in_its_strings_stays_inert_in_jupyterlab(lab, page):
    root, url = lab
    hostile_record(root / "records" / "hostile")
    hostile_record(root / "named", name="named")
    config = json.loads((root / "named" / "config.json").read_text())
    (root / "named" / "config.json").write_text(json.dumps({**config, "name": HOSTILE}))
    write_notebook(root / "hostile.ipynb", [
        "from fviz_widgets.experiments import load_record, overview\nload_record('records/hostile')",
        "from IPython.display import Markdown\nMarkdown(overview('records'))",
        "load_record('named')",
    ])
    cells = run_all(page, url, "hostile.ipynb").locator(".jp-CodeCell")
    cells.nth(2).locator(".jp-OutputArea-output").first.wait_for(timeout=90_000)
    page.wait_for_timeout(1000)
    record = cells.nth(0).locator(".jp-OutputArea-output").first
    assert "<img src=x" in record.text_content() and "<script>" in record.text_content()  # shown as text
    for i in range(3):
        output = cells.nth(i).locator(".jp-OutputArea")
        # JupyterLab itself anchors markdown headings and links file paths in tracebacks
        markup = output.locator("img, script" + (", a:not(.jp-InternalAnchorLink)" if i < 2 else ""))
        assert markup.count() == 0, f"cell {i} made markup from record strings: {markup.all_inner_texts()}"
    assert "invalid record name" in cells.nth(2).locator(".jp-OutputArea").text_content()
    assert page.evaluate("() => window.pwned") is None


RERUN_CELLS = [
    "import fviz_widgets as fv\nmodel = fv.zoo.shapes_cnn()\nruns = []",
    # the first execution runs (almost) forever; the re-run of the same cell asks for 300 steps
    "steps = 300 if runs else 100_000\nhandle = fv.LiveRender(model, 'conv3:7', steps=steps).run(background=True)\n"
    "runs.append(handle)",
    "print([r.status for r in runs], runs[0].widget.note)",
]


def test_rerunning_a_background_cell_stops_the_run_it_replaces(lab, page):
    root, url = lab
    write_notebook(root / "rerun.ipynb", RERUN_CELLS)
    panel = run_all(page, url, "rerun.ipynb")
    cells = panel.locator(".jp-CodeCell")
    cells.nth(1).locator(".fviz-live").wait_for(timeout=90_000)
    page.wait_for_function(
        "() => { const m = document.querySelectorAll('.jp-CodeCell')[1].querySelector('.fviz-meta');"
        " return m && Number(m.textContent.match(/step (\\d+)/)[1]) > 5; }", timeout=60_000)
    cells.nth(1).locator(".jp-InputPrompt").click()  # select the cell (command mode) and run it again
    page.keyboard.press("Control+Enter")
    page.wait_for_function(
        "() => document.querySelectorAll('.jp-CodeCell')[1].querySelector('.fviz-status')?.textContent === 'completed'",
        timeout=120_000)
    cells.nth(2).locator(".jp-InputPrompt").click()
    page.keyboard.press("Control+Enter")
    page.wait_for_function(
        "() => document.querySelectorAll('.jp-CodeCell')[2].querySelector('.jp-OutputArea-output')"
        "?.textContent.includes('completed')", timeout=60_000)
    printed = cells.nth(2).locator(".jp-OutputArea-output").first.text_content()
    assert printed.strip() == "['stopped', 'completed'] stopped: its cell was run again"
    assert page.errors == []
