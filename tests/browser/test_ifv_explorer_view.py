"""The IFVExplorer front end in chromium: picking samples and critical spaces, re-optimizing."""

import numpy as np
from pngs import png

M = 4


def solid(value: int, size=(5, 7)) -> np.ndarray:
    image = np.zeros((*size, 3), np.uint8)
    image[..., 0] = value
    image[..., 2] = 255 - value
    return image


def unit(v):
    v = np.asarray(v, float)
    return (v / np.linalg.norm(v)).tolist()


def sample(i, label=None):
    rng = np.random.default_rng(i)
    return {
        "label": label or f"#{i} · sampled",
        "image": png(solid(40 * i)),
        "target": unit(rng.uniform(0.1, 1, M)),
        "response": unit(rng.uniform(-0.2, 1, M)),
        "response_norm": 10.0 + i,
        "theta": [unit(rng.uniform(0.1, 1, M)), unit([*rng.uniform(0.1, 1, M - 1), 0.0])],
        "angles": [{"predicted": 1.5 + i, "response": 20.0 + i, "predicted_vs_response": 30.0 + i,
                    "predicted_vs_target": 1.5 + i},
                   {"predicted": 5.25 + i, "response": 20.0 + i, "predicted_vs_response": 35.0 + i,
                    "predicted_vs_target": 8.5 + i}],
        "singular_values": [1e-3 * (i + 1), 0.1, 0.5, 2.0],
        "inactive": [3] if i == 1 else [],
        "ssim_recorded": {"predicted": 0.99, "target": 0.98, "response": 0.7, "random": 0.4} if i == 0 else {},
    }


STATE = {
    "info": {"name": "tiny", "layer": "conv3", "beta": 2.0, "aggregation": "maxpool_mean", "m": M,
             "channels": [str(k) for k in range(M)]},
    "samples": [sample(i) for i in range(3)],
    "spaces": [{"label": "none (ℝ^4)", "dim": 4, "m": 4, "restricted": False, "trivial": []},
               {"label": "C · dim 3 · selected", "dim": 3, "m": 4, "restricted": True, "trivial": ["e3"]}],
    "selected": 0, "space": 0, "stability": {}, "can_reoptimize": True, "reopt_note": "",
}


def mounted(harness, **changes):
    harness.mount("ifv_explorer", {**STATE, **changes})
    harness.page.wait_for_function("() => document.querySelector('.fviz-ifv canvas.fviz-frame').dataset.sample !== undefined")
    return harness


def bars(harness, series, view=".fviz-ifv"):
    return [float(v) for v in harness.page.eval_on_selector_all(
        f"{view} rect[data-series='{series}']", "rs => rs.map(r => r.getAttribute('data-value'))")]


def text(harness, selector):
    return harness.page.text_content(f".fviz-ifv {selector}")


def test_selecting_a_sample_updates_the_image_bars_and_angles(harness):
    mounted(harness)
    assert text(harness, ".fviz-title") == "IFV · tiny · conv3 (β = 2, maxpool_mean, m = 4)"
    assert harness.page.locator(".fviz-picker option").all_text_contents() == ["#0 · sampled", "#1 · sampled",
                                                                                "#2 · sampled"]
    for i, how in ((0, None), (2, "picker"), (1, "prev")):
        if how == "picker":
            harness.page.select_option(".fviz-picker", str(i))
        elif how == "prev":
            harness.page.get_by_role("button", name="previous sample").click()
        assert i == 0 or {"selected": i} in harness.saved()
        harness.page.wait_for_function(f"() => document.querySelector('.fviz-ifv canvas').dataset.sample === '{i}'")
        s = STATE["samples"][i]
        np.testing.assert_allclose(bars(harness, "θ̂ predicted"), s["theta"][0])
        np.testing.assert_allclose(bars(harness, "θ₀ target"), s["target"])
        np.testing.assert_allclose(bars(harness, "ρ̂ response"), s["response"])
        assert text(harness, ".fviz-angle-predicted") == f"∠(θ̂, θ₀) = {1.5 + i:g}°"
        assert text(harness, ".fviz-angle-response") == f"∠(ρ, θ₀) = {20 + i:g}°"
        assert text(harness, ".fviz-angle-pvr") == f"∠(θ̂, ρ) = {30 + i:g}°"
        np.testing.assert_array_equal(harness.pixels(".fviz-ifv canvas.fviz-frame")[..., :3], solid(40 * i))
        spectrum = harness.page.get_attribute(".fviz-ifv path[data-series='σ']", "d")
        assert spectrum.count("L") == M - 1
    assert text(harness, ".fviz-response-info") == "‖ρ‖ = 11 · inactive: 3"
    harness.page.get_by_role("button", name="next sample").click()
    assert harness.saved()[-1] == {"selected": 2}
    assert harness.page.is_disabled(".fviz-next")
    # a change from Python shows as well, and a second view of the same model shows the same
    harness.update(selected=0, space=1)
    harness.mount("ifv_explorer", {})
    for view in (".view[data-view='0']", ".view[data-view='1']"):
        np.testing.assert_allclose(bars(harness, "θ̂ predicted", view), STATE["samples"][0]["theta"][1])
    assert harness.page.errors == []


def test_picking_a_critical_space_switches_the_prediction(harness):
    mounted(harness)
    s = STATE["samples"][0]
    assert harness.page.locator(".fviz-space-picker option").all_text_contents() == ["none (ℝ^4)",
                                                                                      "C · dim 3 · selected"]
    assert text(harness, ".fviz-space-info") == "in use: none"
    assert harness.page.is_hidden(".fviz-angle-projected")
    harness.page.select_option(".fviz-space-picker", "1")
    assert harness.saved()[-1] == {"space": 1}
    np.testing.assert_allclose(bars(harness, "θ̂ predicted"), s["theta"][1])
    np.testing.assert_allclose(bars(harness, "θ₀ target"), s["target"])  # θ₀ and ρ stay
    np.testing.assert_allclose(bars(harness, "ρ̂ response"), s["response"])
    assert text(harness, ".fviz-space-info") == "in use: dim 3 of 4"
    assert text(harness, ".fviz-trivial") == "trivial: e3"
    assert text(harness, ".fviz-angle-predicted") == "∠(θ̂, θ₀) = 8.5°"
    assert text(harness, ".fviz-angle-projected") == "∠(θ̂, P_C θ₀) = 5.25°"
    harness.page.select_option(".fviz-space-picker", "0")
    np.testing.assert_allclose(bars(harness, "θ̂ predicted"), s["theta"][0])


def test_reoptimize_asks_the_kernel_and_shows_its_ssim(harness):
    mounted(harness, selected=1)
    assert text(harness, ".fviz-ssim-source") == "no SSIM yet: press re-optimize"
    harness.page.get_by_role("button", name="re-optimize").click()
    assert harness.sent()[-1]["content"] == {"type": "reoptimize", "sample": 1, "space": 0}
    assert text(harness, ".fviz-reopt-status") == "re-optimizing #1 · sampled…"
    assert harness.page.is_disabled(".fviz-reopt")
    harness.message({"type": "reoptimize", "sample": 1, "space": 0, "steps": 50,
                     "ssim": {"predicted": 0.991, "target": 0.987, "response": 0.62, "random": 0.31}})
    rows = harness.page.eval_on_selector_all(".fviz-ifv .fviz-ssim tbody tr",
                                             "rs => rs.map(r => [r.dataset.name, r.children[1].textContent])")
    assert rows == [["predicted", "0.9910"], ["target", "0.9870"], ["response", "0.6200"], ["random", "0.3100"]]
    assert text(harness, ".fviz-ssim-source") == "re-optimized (50 Adam steps, θ̂ in none (ℝ^4))"
    assert not harness.page.is_disabled(".fviz-reopt")
    # another sample: its recorded numbers; back again: the reply is remembered
    harness.page.select_option(".fviz-picker", "0")
    assert text(harness, ".fviz-ssim-source").startswith("recorded in the experiment")
    assert harness.page.locator(".fviz-ifv .fviz-ssim tbody tr").count() == 4
    harness.page.select_option(".fviz-picker", "1")
    assert text(harness, ".fviz-ssim-source").startswith("re-optimized (50")
    # a kernel error is shown as text
    harness.page.get_by_role("button", name="re-optimize").click()
    harness.message({"type": "reoptimize", "sample": 1, "space": 0, "error": "cannot re-optimize: <b>no model</b>"})
    assert text(harness, ".fviz-reopt-status") == "cannot re-optimize: <b>no model</b>"
    assert harness.page.locator(".fviz-ifv b").count() == 0


def test_without_a_model_the_note_is_shown_and_stability_comes_from_the_trait(harness):
    mounted(harness, can_reoptimize=False, reopt_note="cannot re-optimize: no model was given", selected=2)
    assert text(harness, ".fviz-reopt-status") == "cannot re-optimize: no model was given"
    harness.update(stability={"2:0": {"steps": 7, "ssim": {"predicted": 0.5, "random": 0.25}}})
    assert text(harness, ".fviz-ssim-source").startswith("re-optimized (7 Adam steps")
    assert harness.page.locator(".fviz-ifv .fviz-ssim tbody tr").count() == 2


def test_text_from_python_is_not_html(harness):
    evil = '<img src=x onerror="window.pwned=1">'
    state = dict(STATE, samples=[sample(0, label=evil), dict(sample(1), image=b"")],
                 spaces=[dict(STATE["spaces"][0], label=evil), dict(STATE["spaces"][1], trivial=[evil])],
                 info=dict(STATE["info"], name=evil, layer=evil, channels=[evil] * M),
                 can_reoptimize=False, reopt_note=evil)
    mounted(harness, **state)
    harness.page.select_option(".fviz-space-picker", "1")
    harness.page.select_option(".fviz-picker", "1")
    assert harness.page.is_visible(".fviz-noimage") and harness.page.is_hidden(".fviz-ifv canvas")
    harness.message({"type": "reoptimize", "error": evil})
    assert evil in text(harness, ".fviz-title") and text(harness, ".fviz-reopt-status") == evil
    assert harness.page.locator(".fviz-ifv img").count() == 0
    assert harness.page.evaluate("() => window.pwned") is None
    assert harness.page.errors == []


CLASSES = ["circle", "square", "triangle", "cross", "star", "ring", "horizontal stripes", "vertical stripes", "dots",
           "checkerboard"]


def classifier_state():
    """A classifier's output layer: the features are classes, named."""
    m = len(CLASSES)
    rng = np.random.default_rng(7)

    def one(i):
        return {**sample(i), "target": unit(rng.uniform(0.1, 1, m)), "response": unit(rng.uniform(-0.2, 1, m)),
                "theta": [unit(rng.uniform(-0.3, 1, m))] * 2, "singular_values": np.geomspace(1e-3, 5, m).tolist(),
                "inactive": [3, 9]}

    return {**STATE, "info": {**STATE["info"], "m": m, "channels": CLASSES[:m], "channel_title": "class"},
            "samples": [one(i) for i in range(2)],
            "spaces": [dict(STATE["spaces"][0], m=m), dict(STATE["spaces"][1], m=m, trivial=["e3", "+0.71·e4 -0.71·e9"])]}


def svg_texts(harness, svg_selector, text_selector="text"):
    return harness.page.eval_on_selector(svg_selector, """(s, sel) => { const o = s.getBoundingClientRect();
        return [...s.querySelectorAll(sel)].map(t => { const r = t.getBoundingClientRect();
          return {text: t.textContent, cut: Math.max(o.left - r.left, r.right - o.right, o.top - r.top, r.bottom - o.bottom),
                  left: r.left, right: r.right, top: r.top, bottom: r.bottom}; }); }""", text_selector)


def test_class_names_label_the_bars_whole_in_a_narrow_output_area(harness):
    harness.output_area(368, "dark")
    mounted(harness, **classifier_state())
    page = harness.page
    root = page.eval_on_selector(".fviz-ifv", "r => [r.scrollWidth, r.getBoundingClientRect().width]")
    assert root[0] <= 369 and root[1] <= 369
    plot = ".fviz-ifv svg.fviz-bars-plot"
    categories = svg_texts(harness, plot, "text[data-role='category']")
    assert [c["text"] for c in categories] == CLASSES  # every name, none thinned out
    assert max(c["cut"] for c in categories) <= 0.5, "a class name is cut by the chart's edge"
    assert svg_texts(harness, plot)[0]["text"] == "unit directions per class"
    assert max(t["cut"] for t in svg_texts(harness, plot)) <= 0.5
    assert page.eval_on_selector(".fviz-ifv .fviz-gbars", "w => w.scrollWidth <= w.clientWidth"), "the chart fits without scrolling"
    titles = [t["text"] for t in svg_texts(harness, plot, ".fviz-axis-title")]
    assert titles == ["component", "class"]
    legend = [t["text"] for t in svg_texts(harness, plot, ".fviz-legend")]
    assert legend == ["θ₀ target", "θ̂ predicted", "ρ̂ response"]
    ticks = [t["text"] for t in svg_texts(harness, plot, "text[data-role='ytick']")]
    assert "0" in ticks and len(ticks) >= 3
    # the inactive classes and the trivial directions by name
    assert text(harness, ".fviz-response-info").endswith("inactive: cross, checkerboard")
    page.select_option(".fviz-space-picker", "1")
    assert text(harness, ".fviz-trivial") == "trivial: cross, +0.71·star -0.71·checkerboard"
    # the realization is shown enlarged (5 × 7 px here), pixelated
    image = page.locator(".fviz-ifv canvas.fviz-frame").bounding_box()
    assert image["width"] >= 192 and image["width"] % 7 == 0


def test_many_channels_are_thinned_not_overlapping(harness):
    harness.output_area(368, "light")
    m = 64
    names = [str(k) for k in range(m)]
    state = classifier_state()
    state["info"] = {**STATE["info"], "m": m, "channels": names}  # an older state: no channel_title
    rng = np.random.default_rng(1)
    state["samples"] = [{**sample(0), "target": unit(rng.uniform(0.1, 1, m)), "response": unit(rng.uniform(0.1, 1, m)),
                         "theta": [unit(rng.uniform(0.1, 1, m))] * 2, "singular_values": np.geomspace(1e-3, 5, m).tolist()}]
    mounted(harness, **state)
    plot = ".fviz-ifv svg.fviz-bars-plot"
    categories = sorted(svg_texts(harness, plot, "text[data-role='category']"), key=lambda c: c["left"])
    assert 4 <= len(categories) < m and categories[0]["text"] == "0"
    assert all(a["right"] <= b["left"] for a, b in zip(categories, categories[1:])), "channel numbers overlap"
    assert max(c["cut"] for c in categories) <= 0.5
    assert [t["text"] for t in svg_texts(harness, plot, ".fviz-axis-title")] == ["component", "channel"]
    assert len(bars(harness, "θ̂ predicted")) == m
    assert harness.page.eval_on_selector(".fviz-ifv .fviz-gbars", "w => w.scrollWidth <= w.clientWidth")
    # the spectrum's x axis counts singular values: integers 0 … m − 1
    spectrum = ".fviz-ifv svg.fviz-plot:not(.fviz-bars-plot)"
    [frame] = harness.page.eval_on_selector_all(f"{spectrum} .fviz-box", "rs => rs.map(r => r.getBoundingClientRect().bottom)")
    xticks = [t["text"] for t in svg_texts(harness, spectrum, ".fviz-tick") if t["top"] >= frame]
    assert len(xticks) >= 3 and all(t.isdigit() and 0 <= int(t) <= m - 1 for t in xticks), xticks
    assert [t["text"] for t in svg_texts(harness, spectrum, ".fviz-axis-title")] == ["index k", "log₁₀ σₖ"]


def test_spectrum_ticks_are_integer_indices(harness):
    mounted(harness)
    spectrum = ".fviz-ifv svg.fviz-plot:not(.fviz-bars-plot)"
    [frame] = harness.page.eval_on_selector_all(f"{spectrum} .fviz-box", "rs => rs.map(r => r.getBoundingClientRect().bottom)")
    xticks = [t["text"] for t in svg_texts(harness, spectrum, ".fviz-tick") if t["top"] >= frame]
    assert xticks and all(t.isdigit() and 0 <= int(t) <= M - 1 for t in xticks), xticks
    assert "singular values" in svg_texts(harness, spectrum)[-1]["text"] or any(
        "singular values" in t["text"] for t in svg_texts(harness, spectrum))
    # pickers and buttons keep JupyterLab's shortcuts away from their keys
    assert harness.page.eval_on_selector_all(".fviz-ifv select, .fviz-ifv button",
                                             "es => es.every(e => e.hasAttribute('data-lm-suppress-shortcuts'))")
