"""The DirectionEditor front end in chromium: bars, typed values, tools and the mixing pad."""

import json

import numpy as np
import pytest

C = 16
STATE = {
    "layer": "act3", "direction": [0.0] * C, "family": "direction_cossim", "cossim_pow": 2.0,
    "cossim_floor": 0.1, "orth_weight": 1.0, "whitened": False, "whitening_available": False,
    "anchors": [], "anchor_labels": [], "mix": [0.5, 0.5], "thumbnails": [], "frame": b"",
    "render_status": "idle", "render_step": 0, "render_total": 128, "objective_repr": "",
}


def mounted(harness, **changes):
    harness.mount("direction_editor", {**STATE, **changes})
    harness.page.wait_for_selector(".fviz-dir .fviz-bar")
    return harness


def synced(harness):
    """The direction as the kernel will see it, once the throttled save has gone out."""
    harness.page.wait_for_timeout(300)
    return np.array(harness.get("direction"))


def bar(harness, i):
    return harness.page.locator(f".fviz-bar[data-i='{i}']")


def test_dragging_a_bar_changes_the_synced_vector(harness):
    mounted(harness)
    box = bar(harness, 3).bounding_box()
    x = box["x"] + box["width"] / 2
    mouse = harness.page.mouse
    mouse.move(x, box["y"] + box["height"] / 2)
    mouse.down()
    mouse.move(x, box["y"] + 0.25 * box["height"], steps=4)   # three quarters up: +0.5
    mouse.up()
    v = synced(harness)
    assert v[3] == pytest.approx(0.5, abs=0.03) and np.count_nonzero(v) == 1
    assert any("direction" in s for s in harness.saved())
    assert float(bar(harness, 3).get_attribute("aria-valuenow")) == pytest.approx(v[3])


def test_bars_work_from_the_keyboard(harness):
    mounted(harness)
    bar(harness, 0).focus()
    for key in ("ArrowRight", "ArrowRight", "ArrowUp", "ArrowUp", "PageUp"):
        harness.page.keyboard.press(key)
    v = synced(harness)
    assert v[2] == pytest.approx(0.35) and np.count_nonzero(v) == 1
    harness.page.keyboard.press("Delete")
    assert synced(harness)[2] == 0
    bar(harness, 9).focus()  # focusing a bar (Tab, a click, a screen reader) selects it
    harness.page.keyboard.press("ArrowUp")
    assert synced(harness)[9] == pytest.approx(0.05)
    assert harness.page.locator(".fviz-dir .fviz-controls .fviz-meta").first.text_content() == "channel 9"


def test_typed_values_are_checked(harness):
    mounted(harness)
    bar(harness, 5).click()
    before = synced(harness)
    box = harness.page.locator(".fviz-value")
    box.fill("abc")
    box.press("Enter")
    error = harness.page.locator(".fviz-value-error")
    assert "not a number" in error.text_content() and error.is_visible()
    assert box.get_attribute("aria-invalid") == "true"
    np.testing.assert_array_equal(synced(harness), before)  # nothing changed
    box.fill("-0.75")
    box.press("Enter")
    assert error.text_content() == "" and synced(harness)[5] == pytest.approx(-0.75)
    box.fill("3e0")
    box.press("Enter")
    assert synced(harness)[5] == 3.0, "values beyond the bars' range are accepted and the range grows"


def test_the_pad_blends_anchors_with_weights_summing_to_one(harness):
    rng = np.random.default_rng(0)
    anchors = rng.normal(size=(3, C)).round(3).tolist()
    mounted(harness, anchors=anchors, anchor_labels=["a", "b", "c"])
    pad = harness.page.locator(".fviz-pad").bounding_box()
    for fx, fy in ((0.3, 0.6), (0.5, 0.2), (0.9, 0.95)):
        harness.page.mouse.click(pad["x"] + fx * pad["width"], pad["y"] + fy * pad["height"])
        weights = json.loads(harness.page.get_attribute(".fviz-weights", "data-weights"))
        assert len(weights) == 3 and sum(weights) == pytest.approx(1) and min(weights) >= 0
        np.testing.assert_allclose(synced(harness), np.array(weights) @ np.array(anchors), atol=1e-9)
    assert harness.get("mix")[0] == pytest.approx(0.9 * 150 / 122 - 14 / 122, abs=0.02)


@pytest.mark.parametrize("count", [2, 4])
def test_two_and_four_anchors_mix_too(harness, count):
    anchors = np.eye(C)[:count].tolist()
    mounted(harness, anchors=anchors, anchor_labels=[str(i) for i in range(count)])
    pad = harness.page.locator(".fviz-pad").bounding_box()
    harness.page.mouse.click(pad["x"] + 0.4 * pad["width"], pad["y"] + 0.7 * pad["height"])
    weights = json.loads(harness.page.get_attribute(".fviz-weights", "data-weights"))
    assert len(weights) == count and sum(weights) == pytest.approx(1)
    np.testing.assert_allclose(synced(harness)[:count], weights, atol=1e-9)


def test_tools(harness):
    mounted(harness, direction=[3.0, 4.0] + [0.0] * (C - 2))
    harness.page.get_by_role("button", name="normalize").click()
    np.testing.assert_allclose(synced(harness)[:2], [0.6, 0.8])
    harness.page.get_by_role("button", name="negate").click()
    np.testing.assert_allclose(synced(harness)[:2], [-0.6, -0.8])
    harness.page.locator(".fviz-bar[data-i='7']").click()
    harness.page.get_by_role("button", name="one-hot").click()
    assert synced(harness).tolist() == np.eye(C)[7].tolist()
    harness.page.locator("input[aria-label='target sparseness']").fill("0.8")
    harness.page.get_by_role("button", name="random sparse").click()
    v = synced(harness)
    hoyer = (np.sqrt(C) - np.abs(v).sum() / np.linalg.norm(v)) / (np.sqrt(C) - 1)
    assert hoyer == pytest.approx(0.8, abs=0.01) and (v >= 0).all()
    harness.page.get_by_role("button", name="clear", exact=True).click()
    assert not synced(harness).any()


def test_python_updates_move_the_bars(harness):
    mounted(harness)
    harness.update(direction=[0.0] * 4 + [-0.5] + [0.0] * (C - 5))
    assert float(bar(harness, 4).get_attribute("aria-valuenow")) == -0.5
    assert "‖v‖ = 0.5" in harness.page.text_content(".fviz-stats")
    harness.update(direction=[1.0] * 8)  # another layer: the bars are rebuilt
    assert harness.page.locator(".fviz-bar").count() == 8


def test_family_controls_and_text_safety(harness):
    evil = '<img src=x onerror="window.pwned=1">'
    mounted(harness, layer=evil, objective_repr=evil, render_status=evil, anchors=[[0.0] * C] * 2, anchor_labels=[evil, evil])
    harness.page.select_option(".fviz-family", "dot_orthogonal")
    assert {"family": "dot_orthogonal"} in harness.saved()
    assert harness.page.locator("input[aria-label='orthogonal penalty weight']").is_visible()
    assert not harness.page.locator("input[aria-label='cosine power n']").is_visible()
    assert harness.page.locator("input[aria-label='whitened activation space']").is_disabled()
    assert harness.page.locator(".fviz-dir img").count() == 0
    assert harness.page.evaluate("() => window.pwned") is None
    assert harness.page.errors == []


def wide_state():
    """A 64-channel layer as in the notebooks: 16 px channel thumbnails, a 64 px render, three named anchors."""
    from pngs import png

    rng = np.random.default_rng(3)
    thumbs = [png(rng.integers(0, 256, (16, 16, 3), dtype=np.uint8)) for _ in range(64)]
    return dict(direction=(rng.normal(size=64) * 0.4).round(3).tolist(), thumbnails=thumbs,
                frame=png(rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)),
                anchors=rng.normal(size=(3, 64)).round(3).tolist(), mix=[0.3, 0.7],
                anchor_labels=["checkerboard", "vertical stripes", "a very long anchor name for the third one"])


def boxes(harness, selector):
    return harness.page.eval_on_selector_all(selector, """es => es.map(e => {
        const r = e.getBoundingClientRect(); return {text: e.textContent, left: r.left, right: r.right, top: r.top,
        bottom: r.bottom, width: r.width, height: r.height, channel: e.dataset.channel}; })""")


def inside(inner, outer, slack=0.5):
    return (inner["left"] >= outer["left"] - slack and inner["right"] <= outer["right"] + slack
            and inner["top"] >= outer["top"] - slack and inner["bottom"] <= outer["bottom"] + slack)


@pytest.mark.parametrize("width", [368, 760])
def test_the_chart_fits_the_output_area_with_channel_ticks_and_a_value_axis(harness, width):
    harness.output_area(width, "light")
    mounted(harness, **wide_state())
    page = harness.page
    page.wait_for_selector(".fviz-dir .fviz-thumbs canvas")
    root = page.eval_on_selector(".fviz-dir", "r => ({sw: r.scrollWidth, w: r.getBoundingClientRect().width})")
    assert root["sw"] <= width + 1 and root["w"] <= width + 1
    [chart] = boxes(harness, ".fviz-dir .fviz-bars-scroll")
    [whole] = boxes(harness, ".fviz-dir")
    assert chart["right"] <= whole["right"] + 0.5 and chart["left"] >= whole["left"] - 0.5
    assert page.locator(".fviz-bar").count() == 64

    # channel numbers under the bars: regular, never overlapping, each centred under its bar
    ticks = boxes(harness, ".fviz-dir .fviz-tick")
    channels = [int(t["channel"]) for t in ticks]
    assert set(range(0, 64, 8)) <= set(channels)
    for t in ticks:
        assert t["text"] == t["channel"]
        b = page.locator(f".fviz-bar[data-i='{t['channel']}']").bounding_box()
        assert abs((t["left"] + t["right"]) / 2 - (b["x"] + b["width"] / 2)) < 1
    ordered = sorted(ticks, key=lambda t: t["left"])
    assert all(a["right"] <= b["left"] for a, b in zip(ordered, ordered[1:])), "tick numbers overlap"
    # the selected channel's number is always there, marked
    bar(harness, 13).focus()
    selected = boxes(harness, ".fviz-dir .fviz-tick.selected")
    assert [t["channel"] for t in selected] == ["13"]
    ordered = sorted(boxes(harness, ".fviz-dir .fviz-tick"), key=lambda t: t["left"])
    assert all(a["right"] <= b["left"] for a, b in zip(ordered, ordered[1:]))

    # the value axis: +scale at the bars' top, 0 in the middle, −scale at the bottom
    bars_box = page.locator(".fviz-dir .fviz-bars").bounding_box()
    axis = {cls: boxes(harness, f".fviz-dir .fviz-axis-{cls}")[0] for cls in ("max", "zero", "min")}
    assert [axis[k]["text"] for k in ("max", "zero", "min")] == ["+1", "0", "−1"]
    for k, y in (("max", bars_box["y"]), ("zero", bars_box["y"] + bars_box["height"] / 2),
                 ("min", bars_box["y"] + bars_box["height"])):
        assert abs((axis[k]["top"] + axis[k]["bottom"]) / 2 - y) < 1.5, k
        assert inside(axis[k], whole)
    assert page.text_content(".fviz-dir .fviz-axis-title") == "value"
    page.locator(".fviz-value").fill("2.5")
    page.locator(".fviz-value").press("Enter")
    assert page.text_content(".fviz-dir .fviz-axis-max") == "+2.5"


def test_anchor_names_are_whole_and_tied_to_their_weights(harness):
    harness.output_area(368, "light")
    state = wide_state()
    mounted(harness, **state)
    page = harness.page
    [pad] = boxes(harness, ".fviz-pad")
    markers = boxes(harness, ".fviz-pad text")
    assert [m["text"] for m in markers] == ["A", "B", "C"]
    assert all(inside(m, pad) for m in markers)
    rows = page.eval_on_selector_all(".fviz-weights li", "ls => ls.map(l => [...l.children].map(c => c.textContent))")
    weights = json.loads(page.get_attribute(".fviz-weights", "data-weights"))
    assert [r[:2] for r in rows] == [[k, name] for k, name in zip("ABC", state["anchor_labels"])]
    assert [float(r[2]) for r in rows] == pytest.approx(weights, abs=0.005)
    [whole] = boxes(harness, ".fviz-dir")
    for name in boxes(harness, ".fviz-weights .fviz-anchor-name"):
        assert inside(name, whole)
    assert page.eval_on_selector_all(".fviz-weights .fviz-anchor-name", "ns => ns.every(n => n.scrollWidth <= n.clientWidth)")
    # moving the puck changes the listed weights
    page.mouse.click(pad["left"] + 0.5 * pad["width"], pad["top"] + 0.15 * pad["height"])
    rows = page.eval_on_selector_all(".fviz-weights li", "ls => ls.map(l => l.lastChild.textContent)")
    assert float(rows[0]) > 0.6


def test_thumbnails_and_the_render_are_shown_legibly(harness):
    harness.output_area(368, "light")
    mounted(harness, **wide_state())
    page = harness.page
    page.wait_for_selector(".fviz-dir .fviz-thumbs canvas")
    page.wait_for_function("() => document.querySelector('.fviz-dir canvas.fviz-preview').width === 64")
    thumbs = page.eval_on_selector_all(".fviz-thumbs canvas", "cs => cs.map(c => [c.title, c.getBoundingClientRect().width, c.width])")
    assert [t[0] for t in thumbs] == [f"channel {i}" for i in range(64)]
    assert all(w >= 40 and native == 16 for _, w, native in thumbs)
    assert page.locator(".fviz-thumb span").all_text_contents()[:3] == ["0", "1", "2"]
    page.locator(".fviz-thumb[data-i='9']").click()
    assert page.locator(".fviz-dir .fviz-controls .fviz-meta").first.text_content() == "channel 9"
    assert page.get_attribute(".fviz-bar[data-i='9']", "aria-selected") == "true"
    assert page.get_attribute(".fviz-thumb[data-i='9']", "aria-pressed") == "true"
    big = page.locator(".fviz-thumb-big").bounding_box()
    assert big["width"] >= 192 and page.text_content(".fviz-thumb-figure figcaption") == "channel 9"
    np.testing.assert_array_equal(harness.pixels(".fviz-thumb-big"), harness.pixels(".fviz-thumbs canvas[title='channel 9']"))
    preview = page.locator(".fviz-preview").bounding_box()
    assert preview["width"] >= 192
    assert page.eval_on_selector(".fviz-preview", "c => getComputedStyle(c).imageRendering") == "pixelated"
    # a click zooms the render, still pixelated, and another click returns it
    page.locator(".fviz-preview").click()
    assert page.locator(".fviz-preview").bounding_box()["width"] > preview["width"]
    page.locator(".fviz-preview").click()
    assert page.locator(".fviz-preview").bounding_box()["width"] == pytest.approx(preview["width"])


def test_keys_on_the_bars_do_not_reach_the_notebook(harness):
    mounted(harness)
    page = harness.page
    page.evaluate("() => { window.reached = []; document.addEventListener('keydown', e => window.reached.push(e.key)); }")
    bar(harness, 2).focus()
    for key in ("ArrowUp", "ArrowRight", "ArrowLeft", "PageDown"):
        page.keyboard.press(key)
    assert page.evaluate("() => window.reached") == []
    for selector in (".fviz-bar", ".fviz-value", ".fviz-family", "input[type='range']"):
        assert page.eval_on_selector_all(f".fviz-dir {selector}", "es => es.every(e => e.hasAttribute('data-lm-suppress-shortcuts'))")
