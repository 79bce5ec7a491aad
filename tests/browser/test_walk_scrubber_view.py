"""The WalkScrubber front end in chromium: scrubbing, playing, picking and exporting walks."""

import numpy as np
from pngs import png

FRAMES = 9


def solid(value: int, size=(4, 6)) -> np.ndarray:
    image = np.zeros((*size, 3), np.uint8)
    image[..., 0] = value
    image[..., 1] = 255 - value
    return image


def walk(label, offset=0, kappa=-0.5):
    t = np.linspace(-1.0, 1.2, FRAMES)
    return {"label": label, "kind": label.split()[0], "kappa": kappa, "t": t.tolist(),
            "g": (2 * np.cos(t)).tolist(), "threshold": 1.4, "a": -1.0, "b": 1.2,
            "frames": [png(solid(offset + 20 * i)) for i in range(FRAMES)]}


STATE = {"walks": [walk("most invariant #0", kappa=-0.01), walk("least invariant #0", offset=5, kappa=-3.0)],
         "selected": 0, "index": 0, "fps": 12.0, "loop": True}


def mounted(harness, **changes):
    harness.mount("walk_scrubber", {**STATE, **changes})
    harness.page.wait_for_function("() => document.querySelector('.fviz-walk canvas.fviz-frame').width === 6")
    return harness


def scrub(harness, i):
    harness.page.eval_on_selector(".fviz-slider", "(s, i) => { s.value = i; s.dispatchEvent(new Event('input')); }", i)


def point(path_d, i):
    x, y = path_d[1:].split("L")[i].split(" ")
    return float(x), float(y)


def test_scrubbing_shows_the_right_frame_and_curve_marker(harness):
    mounted(harness)
    for i in (0, 5, 8, 3):
        scrub(harness, i)
        np.testing.assert_array_equal(harness.pixels(".fviz-walk canvas.fviz-frame")[..., :3], solid(20 * i))
        marker = harness.page.locator("circle[data-role='marker']")
        curve = harness.page.get_attribute("path[data-series='g']", "d")
        marker_xy = float(marker.get_attribute("cx")), float(marker.get_attribute("cy"))
        np.testing.assert_allclose(marker_xy, point(curve, i), atol=0.06)  # the path is rounded to 0.1 px
        assert f"frame {i + 1} / {FRAMES}" in harness.page.text_content(".fviz-readout")
    # the c·g(x⁺) line and the a, b marks are drawn
    assert harness.page.locator("line[data-role='hline']").count() == 1
    assert harness.page.locator("line[data-role='vline']").count() == 2
    assert harness.page.errors == []


def test_play_loops_through_the_frames(harness):
    mounted(harness, fps=40.0)
    harness.page.evaluate("""() => { window.seen = [];
        new MutationObserver(() => window.seen.push(Number(document.querySelector('.fviz-walk canvas').dataset.frame)))
          .observe(document.querySelector('.fviz-walk canvas'), {attributes: true, attributeFilter: ['data-frame']}); }""")
    harness.page.get_by_role("button", name="Play").click()
    harness.page.wait_for_function(f"() => window.seen.filter(i => i === 0).length >= 1 && window.seen.length > {FRAMES + 2}",
                                   timeout=10_000)
    seen = harness.page.evaluate("() => window.seen")
    wrap = seen.index(0)
    assert seen[wrap - 1] == FRAMES - 1, "after the last frame it starts over"
    assert seen[:wrap] == list(range(1, FRAMES)), "frames play in order"
    harness.page.get_by_role("button", name="Pause").click()


def test_without_loop_play_stops_at_the_last_frame(harness):
    mounted(harness, fps=60.0, loop=False)
    harness.page.get_by_role("button", name="Play").click()
    harness.page.wait_for_function("() => document.querySelector('.fviz-walk .fviz-controls button').textContent === 'Play'",
                                   timeout=10_000)
    assert harness.page.eval_on_selector(".fviz-walk canvas", "c => c.dataset.frame") == str(FRAMES - 1)


def test_the_picker_lists_directions_with_their_curvature_and_switches_walks(harness):
    mounted(harness)
    options = harness.page.locator(".fviz-picker option").all_text_contents()
    assert options == ["most invariant #0 (κ = -0.01)", "least invariant #0 (κ = -3)"]
    harness.page.select_option(".fviz-picker", "1")
    assert {"selected": 1} in harness.saved()
    harness.page.wait_for_function("() => document.querySelector('.fviz-walk canvas').dataset.walk === '1'")
    scrub(harness, 2)
    np.testing.assert_array_equal(harness.pixels(".fviz-walk canvas.fviz-frame")[..., :3], solid(5 + 40))


def test_export_asks_the_kernel_and_downloads_its_file(harness):
    mounted(harness)
    harness.page.get_by_role("button", name="Export GIF").click()
    assert harness.sent()[-1]["content"] == {"type": "export", "format": "gif", "walk": 0}
    gif = b"GIF89a fake bytes"
    with harness.page.expect_download() as download:
        harness.message({"type": "export", "format": "gif", "name": "walk_most.gif"}, [gif])
    assert download.value.suggested_filename == "walk_most.gif"
    assert open(download.value.path(), "rb").read() == gif
    harness.message({"type": "export", "error": "export failed: <b>no ffmpeg</b>"})
    assert harness.page.text_content(".fviz-walk .fviz-hint") == "export failed: <b>no ffmpeg</b>"
    assert harness.page.locator(".fviz-walk b").count() == 0


def test_labels_are_text_not_html(harness):
    mounted(harness, walks=[walk('<img src=x onerror="window.pwned=1">')])
    assert harness.page.locator(".fviz-walk img").count() == 0
    assert harness.page.evaluate("() => window.pwned") is None
