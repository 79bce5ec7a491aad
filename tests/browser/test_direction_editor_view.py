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
