"""The LiveRender front end in chromium, with a fake model standing in for the kernel."""

import numpy as np
from PIL import Image
from pngs import png

BASE_STATE = {
    "title": "channel('conv3', 5)", "status": "running", "mode": "blocking", "step": 0, "total": 100,
    "phase": "adam", "it_per_s": 0.0, "elapsed": 0.0, "frame": b"", "frame_step": 0, "history": {},
    "thresholds": [], "labels": [], "error": "", "stop_requested": False,
}


def pattern(h=6, w=10, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (h, w, 3)).astype(np.uint8)


def curve(*values) -> bytes:
    return np.asarray(values, dtype=np.float32).tobytes()


def state(**changes):
    return {**BASE_STATE, **changes}


def text(harness, selector):
    return harness.page.text_content(selector)


def test_frames_are_drawn_pixel_exact(harness):
    image = pattern()
    harness.mount("live_render", state(frame=png(image)))
    harness.page.wait_for_function("() => document.querySelector('canvas.fviz-frame').width === 10")
    rgba = harness.pixels("canvas.fviz-frame")
    np.testing.assert_array_equal(rgba[..., :3], image)
    assert harness.page.errors == []


def test_the_newest_frame_wins(harness):
    harness.mount("live_render", state())
    frames = [pattern(8 + i, 8, seed=i) for i in range(5)]
    harness.page.evaluate("""(frames) => { for (const f of frames) window.harness.update({frame: f}); }""",
                          [{"$bytes": __import__("base64").b64encode(png(f)).decode()} for f in frames])
    harness.page.wait_for_function("() => document.querySelector('canvas.fviz-frame').height === 12")
    harness.page.wait_for_timeout(200)  # any slower decode of an older frame must not replace it
    np.testing.assert_array_equal(harness.pixels("canvas.fviz-frame")[..., :3], frames[-1])


def test_curves_and_numbers_update(harness):
    harness.mount("live_render", state())
    path = "svg.fviz-plot path[data-series='loss']"
    harness.update(step=3, it_per_s=41.234, elapsed=0.07,
                   history={"step": curve(1, 2, 3), "loss": curve(-1, -2, -4), "terms": {"a": curve(1, 2, 4), "b": curve(0, 0, 0)}})
    harness.page.wait_for_function(f"() => document.querySelector(\"{path}\")?.getAttribute('d').startsWith('M')")
    first = harness.page.get_attribute(path, "d")
    assert first.count("L") == 2
    assert "step 3 / 100" in text(harness, ".fviz-meta") and "41.2 it/s" in text(harness, ".fviz-meta")
    assert harness.page.locator("svg.fviz-plot path[data-series='a']").count() == 1
    harness.update(step=4, history={"step": curve(1, 2, 3, 4), "loss": curve(-1, -2, -4, -8), "terms": {"a": curve(1, 2, 4, 8)}})
    harness.page.wait_for_function(f"(first) => document.querySelector(\"{path}\").getAttribute('d') !== first", arg=first)
    assert harness.page.get_attribute(path, "d").count("L") == 3
    # loss falls, so the last point of the loss curve is lower on screen (larger y) than the first
    ys = [float(p.split(" ")[1]) for p in harness.page.get_attribute(path, "d")[1:].split("L")]
    assert ys == sorted(ys)


def test_stop_sets_the_trait_in_background_mode(harness):
    harness.mount("live_render", state(mode="background"))
    stop = harness.page.get_by_role("button", name="Stop")
    assert stop.is_enabled()
    stop.click()
    assert harness.get("stop_requested") is True
    assert {"stop_requested": True} in harness.saved()
    harness.update(status="stopping")  # the kernel heard it
    assert "Stopping" in text(harness, ".fviz-hint")
    harness.update(status="stopped")
    assert not stop.is_enabled() and text(harness, ".fviz-status") == "stopped"


def test_an_unheard_stop_suggests_interrupting_the_kernel(harness):
    harness.mount("live_render", state(mode="background"))
    harness.page.get_by_role("button", name="Stop").click()
    harness.page.wait_for_function("() => document.querySelector('.fviz-hint').textContent.includes('Interrupt')",
                                   timeout=5000)
    assert "busy" in text(harness, ".fviz-hint")


def test_blocking_mode_explains_how_to_stop(harness):
    harness.mount("live_render", state(mode="blocking"))
    assert not harness.page.get_by_role("button", name="Stop").is_enabled()
    assert "interrupt the kernel" in text(harness, ".fviz-hint")


def test_text_from_python_is_never_parsed_as_html(harness):
    evil = '<img src=x onerror="window.pwned=1"><b>bold</b>'
    harness.mount("live_render", state(title=evil, error=evil, labels=[evil], phase=evil, status=evil))
    harness.page.wait_for_timeout(100)
    root = harness.page.locator(".fviz-live")
    assert root.locator("img, b").count() == 0
    assert text(harness, ".fviz-title") == evil and text(harness, ".fviz-error") == evil
    assert text(harness, ".fviz-labels") == evil
    assert harness.page.evaluate("() => window.pwned") is None


def test_threshold_snapshots_show_as_a_strip(harness):
    snaps = [{"step": s, "png": png(pattern(4, 4, seed=s))} for s in (16, 64)]
    harness.mount("live_render", state(thresholds=snaps))
    harness.page.wait_for_function("() => document.querySelectorAll('.fviz-strip canvas').length === 2 && "
                                   "[...document.querySelectorAll('.fviz-strip canvas')].every(c => c.width === 4)")
    assert harness.page.locator(".fviz-strip figcaption").all_text_contents() == ["step 16", "step 64"]
    np.testing.assert_array_equal(harness.pixels(".fviz-strip figure:nth-child(2) canvas")[..., :3], pattern(4, 4, seed=64))


def test_a_second_view_shows_the_latest_state(harness):
    image = pattern(5, 7, seed=9)
    harness.mount("live_render", state())
    harness.update(frame=png(image), step=50, status="completed",
                   history={"step": curve(1, 2), "loss": curve(0, -1), "terms": {}})
    second = harness.mount("live_render", state())
    view = f".view[data-view='{second}']"
    harness.page.wait_for_function(f"() => document.querySelector(\"{view} canvas.fviz-frame\").width === 7")
    np.testing.assert_array_equal(harness.pixels(f"{view} canvas.fviz-frame")[..., :3], image)
    assert "step 50 / 100" in text(harness, f"{view} .fviz-meta")
    assert text(harness, f"{view} .fviz-status") == "completed"


def test_closing_a_view_removes_its_listeners(harness):
    first = harness.mount("live_render", state())
    count = harness.page.evaluate("() => window.harness.model.listenerCount()")
    harness.mount("live_render", state())
    assert harness.page.evaluate("() => window.harness.model.listenerCount()") == 2 * count
    harness.page.evaluate("(i) => window.harness.unmount(i)", first)
    assert harness.page.evaluate("() => window.harness.model.listenerCount()") == count


def test_save_downloads_the_frame_as_png(harness):
    image = pattern(6, 9, seed=3)
    harness.mount("live_render", state(frame=png(image), frame_step=42, status="completed"))
    save = harness.page.get_by_role("button", name="Save PNG")
    harness.page.wait_for_function("() => !document.querySelector('.fviz-controls button:nth-child(2)').disabled")
    with harness.page.expect_download() as download:
        save.click()
    assert download.value.suggested_filename == "fviz_render_step42.png"
    saved = np.asarray(Image.open(download.value.path()).convert("RGB"))
    np.testing.assert_array_equal(saved, image)
