"""Every widget as a person sees it in JupyterLab Light and Dark (the real theme files), on a plain
page (no --jp-* variables: the light fallbacks, as in Colab or nbconvert) and under VS Code's dark
variables: every text readable (WCAG contrast ≥ 4.5) and nothing past the edge of a narrow output
area."""

import pytest
from showcase import WIDGETS, show

# VS Code's "Dark Modern" colours, as its notebook renderer exposes them (no --jp-* variables)
VSCODE_DARK = """:root { --vscode-editor-foreground: #cccccc; --vscode-editor-background: #1f1f1f;
  --vscode-descriptionForeground: #9d9d9d; } body { background: #1f1f1f; }"""
THEMES = {"light": ("light", ""), "dark": ("dark", ""), "none": (None, ""), "vscode-dark": (None, VSCODE_DARK)}


@pytest.mark.parametrize("theme", list(THEMES))
@pytest.mark.parametrize("widget", list(WIDGETS))
def test_every_text_is_readable(harness, widget, theme):
    jupyterlab, css = THEMES[theme]
    show(harness, widget, jupyterlab, width=760, css=css)
    report = harness.contrast()
    assert report["checked"] >= 20, "the widget's texts were found"
    failures = report["failures"]
    assert failures == [], "\n".join(f"{f['ratio']:.2f} {f['where']} {f['text']!r}: {f['fg']} on {f['bg']}" for f in failures)
    assert harness.page.errors == []


@pytest.mark.parametrize("widget", list(WIDGETS))
def test_nothing_runs_past_a_narrow_output_area(harness, widget):
    show(harness, widget, "light", width=368)
    found = harness.overflows()
    assert found == [], "\n".join(f"{f['kind']}: {f['where']} {f.get('text', '')!r} by {f['overBy']} px" for f in found)
    # and still readable when the layout wraps
    assert harness.contrast_failures() == []


def test_the_checker_sees_unreadable_text(harness):
    """The contrast check itself: grey on grey fails, the theme's own text passes, SVG text counts."""
    harness.output_area(368, "dark")
    harness.page.evaluate("""() => {
        const area = window.harness.container;
        area.innerHTML = `<div class="probe"><span style="color:#555">dim</span> <b style="color:var(--jp-ui-font-color1)">ok</b>
          <button style="color:#333;background:#444">btn</button>
          <svg width="80" height="20"><rect width="80" height="20" fill="#eee"></rect><text x="2" y="14" fill="#fff">svg</text></svg>
          <span style="overflow-x:auto;display:inline-block;width:20px"><span style="display:inline-block;width:900px">wide in a scroller</span></span></div>`;
    }""")
    failures = {f["text"]: f["ratio"] for f in harness.contrast_failures(".probe")}
    assert set(failures) == {"dim", "btn", "svg"}, failures
    assert failures["svg"] < 1.2  # white on the light rect under it, not on the dark page
    assert harness.overflows(".probe") == []
    harness.page.evaluate("() => document.querySelector('.probe').append(Object.assign(document.createElement('div'), "
                          "{style: 'width: 900px', textContent: 'too wide'}))")
    assert {f["text"] for f in harness.overflows(".probe")} == {"too wide"}
