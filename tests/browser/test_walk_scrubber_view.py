"""The WalkScrubber front end in chromium: scrubbing, playing, picking and exporting walks."""

import numpy as np
from pngs import png

FRAMES = 9


def solid(value: int, size=(4, 6)) -> np.ndarray:
    image = np.zeros((*size, 3), np.uint8)
    image[..., 0] = value
    image[..., 1] = 255 - value
    return image


def walk(label, offset=0, kappa=-0.5, size=(4, 6)):
    t = np.linspace(-1.0, 1.2, FRAMES)
    return {"label": label, "kind": label.split()[0], "kappa": kappa, "t": t.tolist(),
            "g": (2 * np.cos(t)).tolist(), "threshold": 1.4, "a": -1.0, "b": 1.2,
            "frames": [png(solid(offset + 20 * i, size)) for i in range(FRAMES)]}


STATE = {"walks": [walk("most invariant #0", kappa=-0.01), walk("least invariant #0", offset=5, kappa=-3.0)],
         "selected": 0, "index": 0, "fps": 12.0, "loop": True}


def mounted(harness, **changes):
    harness.mount("walk_scrubber", {**STATE, **changes})
    harness.page.wait_for_function("() => document.querySelector('.fviz-walk canvas.fviz-frame').width > 1")
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
    # the kernel writes the file at the scale the frames are shown at: 6 px wide frames at ≥ 256 px
    assert harness.sent()[-1]["content"] == {"type": "export", "format": "gif", "walk": 0, "scale": 43}
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


def frame_index(harness):
    return int(harness.page.eval_on_selector(".fviz-walk canvas.fviz-frame", "c => c.dataset.frame"))


def test_keys_step_through_the_frames_and_stay_with_the_widget(harness):
    mounted(harness)
    # JupyterLab would take arrow keys in command mode: the controls opt out of its shortcuts, and the
    # keys do not travel on to the notebook
    for selector in (".fviz-slider", ".fviz-walk canvas.fviz-frame", ".fviz-walk .fviz-controls button"):
        assert harness.page.get_attribute(selector, "data-lm-suppress-shortcuts") == ""
    harness.page.evaluate("() => { window.escaped = []; document.addEventListener('keydown', e => window.escaped.push(e.key)); }")
    harness.page.focus(".fviz-slider")
    for _ in range(3):
        harness.page.keyboard.press("ArrowRight")
    assert frame_index(harness) == 3 and harness.page.input_value(".fviz-slider") == "3"
    np.testing.assert_array_equal(harness.pixels(".fviz-walk canvas.fviz-frame")[..., :3], solid(60))
    assert harness.saved()[-1] == {"index": 3}
    for key, expected in (("End", FRAMES - 1), ("ArrowUp", FRAMES - 1), ("Home", 0), ("ArrowLeft", 0),
                          ("PageUp", 1), ("ArrowDown", 0)):
        harness.page.keyboard.press(key)
        assert frame_index(harness) == expected, key
    harness.page.focus(".fviz-walk canvas.fviz-frame")  # the player's frame takes them too
    harness.page.keyboard.press("End")
    assert frame_index(harness) == FRAMES - 1
    assert harness.page.evaluate("() => window.escaped") == []


def test_frames_are_shown_large_pixelated_and_zoom(harness):
    mounted(harness, walks=[walk("most invariant #0", size=(32, 32))])
    harness.page.wait_for_function("() => document.querySelector('.fviz-walk canvas.fviz-frame').width === 32")
    canvas = harness.page.locator(".fviz-walk canvas.fviz-frame")
    box = canvas.bounding_box()
    assert box["width"] == 256 and box["height"] == 256
    assert canvas.evaluate("c => getComputedStyle(c).imageRendering") == "pixelated"
    harness.page.get_by_role("button", name="Export MP4").click()
    assert harness.sent()[-1]["content"] == {"type": "export", "format": "mp4", "walk": 0, "scale": 8}
    canvas.click()
    assert canvas.bounding_box()["width"] > 256
    harness.page.get_by_role("button", name="Export GIF").click()
    assert harness.sent()[-1]["content"]["scale"] > 8  # zoomed in: exported at the zoomed size
    canvas.click()
    assert canvas.bounding_box()["width"] == 256


def boxes_overlap(a, b):
    return a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"] and a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"]


def test_the_plot_names_its_axes_and_its_labels_do_not_overlap(harness):
    mounted(harness)
    texts = harness.page.locator(".fviz-walk svg.fviz-plot text").all_text_contents()
    assert {"t", "g(φ(t))"} <= set(texts)
    labels = harness.page.locator(".fviz-walk text.fviz-ref-label")
    assert sorted(labels.all_text_contents()) == ["a", "b", "c·g(x⁺)"]
    boxes = [labels.nth(i).bounding_box() for i in range(3)]
    assert not any(boxes_overlap(boxes[i], boxes[j]) for i in range(3) for j in range(i + 1, 3))
    # each label sits next to its own line, inside the plot
    plot = harness.page.locator(".fviz-walk rect.fviz-box").bounding_box()
    for box in boxes:
        assert plot["x"] <= box["x"] and box["x"] + box["width"] <= plot["x"] + plot["width"]
    assert harness.page.errors == []
