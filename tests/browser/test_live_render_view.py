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


def test_a_stop_the_kernel_cannot_hear_yet_is_explained_until_it_is_heard(harness):
    """Another cell keeps the kernel busy: the run's own updates keep coming from its thread, but the
    Stop trait is only read between cells. The widget says so until the kernel answers."""
    harness.mount("live_render", state(mode="background"))
    harness.page.get_by_role("button", name="Stop").click()
    assert text(harness, ".fviz-hint") == "Stop sent — waiting for the kernel…"
    assert text(harness, ".fviz-status") == "running · stop pending"
    assert not harness.page.get_by_role("button", name="Stop").is_enabled()
    for step in range(1, 21):  # 20 updates over 2.2 s, each repainting the numbers, the curves and the frame
        harness.update(step=step, elapsed=0.11 * step, history={"step": curve(*range(1, step + 1)), "loss": curve(*[-s for s in range(step)]), "terms": {}},
                       frame=png(pattern(seed=step)))
        harness.page.wait_for_timeout(110)
    hint = text(harness, ".fviz-hint")
    assert hint.startswith("The kernel is busy (another cell is running?), so Stop cannot be heard yet") and "interrupt the kernel (■)" in hint
    assert text(harness, ".fviz-status") == "running · stop pending"
    harness.update(status="stopping")  # the cell finished and the kernel heard it
    assert text(harness, ".fviz-hint") == "Stopping after the current step…"
    assert text(harness, ".fviz-status") == "stopping…"
    harness.update(status="stopped")
    assert text(harness, ".fviz-hint") == "" and text(harness, ".fviz-status") == "stopped"


def test_a_note_from_the_kernel_is_shown(harness):
    harness.mount("live_render", state(mode="background", status="stopped", note="stopped: its cell was run again"))
    assert text(harness, ".fviz-hint") == "stopped: its cell was run again"


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


def test_save_downloads_the_frame_at_the_shown_scale(harness):
    image = pattern(6, 9, seed=3)
    harness.mount("live_render", state(frame=png(image), frame_step=42, status="completed", tile=[6, 9], columns=1))
    save = harness.page.get_by_role("button", name="Save PNG")
    harness.page.wait_for_function("() => !document.querySelector('.fviz-controls button:nth-child(2)').disabled")
    scale = shown_scale(harness)
    assert scale == 27  # 160 px for the 6 px side
    with harness.page.expect_download() as download:
        save.click()
    assert download.value.suggested_filename == "fviz_render_step42.png"
    saved = np.asarray(Image.open(download.value.path()).convert("RGB"))
    np.testing.assert_array_equal(saved, image.repeat(scale, axis=0).repeat(scale, axis=1))


def shown_scale(harness, selector=".fviz-live canvas.fviz-frame"):
    """CSS px per image pixel of a canvas; it must be pixelated at an integer scale."""
    shown = harness.page.eval_on_selector(selector, """(c) => ({css: c.getBoundingClientRect().width, w: c.width,
        h: c.height, cssH: c.getBoundingClientRect().height, rendering: getComputedStyle(c).imageRendering})""")
    assert shown["rendering"] == "pixelated"
    scale = shown["css"] / shown["w"]
    assert scale == int(scale) and shown["cssH"] == shown["h"] * scale, shown
    return int(scale)


def grid_of(tiles, columns, pad=2):
    h, w = tiles[0].shape[:2]
    rows = -(-len(tiles) // columns)
    out = np.full((rows * (h + pad) - pad, columns * (w + pad) - pad, 3), 255, np.uint8)
    for i, tile in enumerate(tiles):
        r, q = divmod(i, columns)
        out[r * (h + pad):r * (h + pad) + h, q * (w + pad):q * (w + pad) + w] = tile
    return out


def test_each_image_of_the_grid_is_shown_at_least_160_px_and_zooms_on_click(harness):
    frame = grid_of([pattern(32, 32, seed=s) for s in range(2)], columns=2)
    harness.mount("live_render", state(frame=png(frame), tile=[32, 32], columns=2))
    harness.page.wait_for_function("() => document.querySelector('canvas.fviz-frame').width === 66")
    np.testing.assert_array_equal(harness.pixels("canvas.fviz-frame")[..., :3], frame)  # native pixels
    assert shown_scale(harness) == 5  # 32 px tiles at 160 CSS px
    canvas = harness.page.locator(".fviz-live canvas.fviz-frame")
    assert canvas.get_attribute("aria-label") == "click to zoom"
    canvas.click()
    zoomed = shown_scale(harness)
    assert zoomed > 5 and 66 * zoomed <= 760
    canvas.press("Enter")
    assert shown_scale(harness) == 5
    # a frame without a tile size (an older kernel) is still enlarged to 256 px
    harness.update(tile=[], frame=png(pattern(16, 16)))
    harness.page.wait_for_function("() => document.querySelector('canvas.fviz-frame').width === 16")
    assert shown_scale(harness) == 16


def test_a_wide_grid_is_capped_to_the_output_area(harness):
    harness.output_area(368)
    frame = grid_of([pattern(64, 64, seed=s) for s in range(4)], columns=4)  # 262 px
    harness.mount("live_render", state(frame=png(frame), tile=[64, 64], columns=4))
    harness.page.wait_for_function("() => document.querySelector('canvas.fviz-frame').width === 262")
    assert shown_scale(harness) == 1  # 3 would be 786 px; 2 still does not fit in 352
    harness.page.locator(".fviz-live canvas.fviz-frame").click()  # the zoom fills the width
    width = harness.page.eval_on_selector(".fviz-live canvas.fviz-frame", "c => c.getBoundingClientRect().width")
    assert width == 352
    assert harness.overflows() == []


def test_threshold_snapshots_are_at_least_96_px(harness):
    harness.mount("live_render", state(thresholds=[{"step": 8, "png": png(pattern(4, 4))}]))
    harness.page.wait_for_function("() => document.querySelector('.fviz-strip canvas').width === 4")
    assert shown_scale(harness, ".fviz-strip canvas") == 24


def test_plots_have_axis_titles_and_a_legend_with_every_term_in_a_narrow_output_area(harness):
    harness.output_area(368)
    names = ["channel('conv3', 5)", "total_variation", "l2", "blur"]
    n = 300
    steps = np.arange(1, n + 1)
    loss = -50 * (1 - np.exp(-steps / 20))
    loss[0] = 400.0  # one wild first step must not flatten the rest into a sliver
    history = {"step": curve(*steps), "loss": curve(*loss), "terms": {name: curve(*(k + np.sin(steps / 9))) for k, name in enumerate(names)}}
    harness.mount("live_render", state(total=n, step=n, history=history))
    plots = harness.page.locator(".fviz-live svg.fviz-plot")
    harness.page.wait_for_function("() => document.querySelectorAll('.fviz-live .fviz-legend').length === 4")
    loss_texts = plots.nth(0).locator("text").all_text_contents()
    assert {"loss", "step"} <= set(loss_texts) and "early steps off-scale" in loss_texts
    term_texts = plots.nth(1).locator("text").all_text_contents()
    assert {"terms", "step", "value"} <= set(term_texts)
    assert plots.nth(1).locator(".fviz-legend").all_text_contents() == names
    # nice ticks: 4 to 6 round numbers per axis, integer steps on x
    x_ticks = [int(t) for t in plots.nth(0).locator("text.fviz-tick[text-anchor='middle']").all_text_contents()]
    assert x_ticks == [0, 100, 200, 300]
    y_ticks = [float(t) for t in plots.nth(0).locator("text.fviz-tick[text-anchor='end']").all_text_contents()]
    assert 4 <= len(y_ticks) <= 6 and len(set(np.diff(y_ticks).round(6))) == 1
    # focused: the loss after the first steps spans most of the plot's height
    d = plots.nth(0).locator("path[data-series='loss']").get_attribute("d")
    ys = [float(p.split(" ")[1]) for p in d[1:].split("L")]
    box = plots.nth(0).locator("rect.fviz-box")
    height = float(box.get_attribute("height"))
    assert max(ys[n // 10:]) - min(ys[n // 10:]) > 0.8 * height
    assert harness.overflows() == []
    assert all(p["width"] <= 352 for p in [plots.nth(i).bounding_box() for i in range(2)])


def test_transparent_pixels_show_a_checkerboard(harness):
    import io

    rgba = np.zeros((32, 32, 4), np.uint8)
    rgba[:, 16:] = (220, 30, 30, 255)  # the right half opaque red, the left half transparent
    harness.mount("live_render", state(frame=png(rgba)))
    harness.page.wait_for_function("() => document.querySelector('canvas.fviz-frame').width === 32")
    assert (harness.pixels("canvas.fviz-frame")[:, :16, 3] == 0).all()  # the alpha reached the canvas
    shot = np.asarray(Image.open(io.BytesIO(harness.page.locator("canvas.fviz-frame").screenshot())).convert("RGB"))
    h, w = shot.shape[:2]
    left, right = shot[2 : h - 2, 2 : w // 2 - 2].reshape(-1, 3), shot[2 : h - 2, w // 2 + 2 : w - 2].reshape(-1, 3)
    assert (np.abs(right.astype(int) - (220, 30, 30)).max(axis=1) < 8).all()
    shades = np.unique(left.mean(axis=1).round(-1))
    assert len(shades) >= 2 and shades.max() - shades.min() >= 20, shades  # two alternating shades
    assert harness.page.errors == []
