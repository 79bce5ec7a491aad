"""What a widget leaves in a notebook and how runs share a kernel: static pictures in the mime
bundle, true text reprs, re-run cells stopping their old run, concurrent runs, live layer grids,
exports at a chosen scale and class names where the model has them."""

import base64
import io

import imageio.v3 as iio
import numpy as np
import pytest
from PIL import Image

import fviz_widgets as fv
from fviz_widgets import ifv
from fviz_widgets.core.images import to_uint8
from fviz_widgets.widgets import live_render

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


@pytest.fixture(scope="module")
def model():
    return fv.zoo.shapes_cnn()


def picture(widget) -> np.ndarray:
    data, _ = widget._repr_mimebundle_()
    assert WIDGET_VIEW in data
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(data["image/png"]))).convert("RGB"))


def contains(haystack: np.ndarray, needle: np.ndarray, tolerance: int = 2) -> bool:
    """Whether (nearly) every colour of the image `needle` appears in the picture `haystack`: the
    picture shows the image enlarged, up to matplotlib's resampling rounding (± `tolerance`)."""
    present = {tuple(c) for c in haystack.reshape(-1, 3).tolist()}
    offsets = [(a, b, c) for a in range(-tolerance, tolerance + 1) for b in range(-tolerance, tolerance + 1)
               for c in range(-tolerance, tolerance + 1)]
    colours = {tuple(c) for c in needle.reshape(-1, 3).tolist()}
    found = sum(any((r + a, g + b, bl + c) in present for a, b, c in offsets) for r, g, bl in colours)
    return found >= 0.95 * len(colours)


def test_a_finished_live_render_carries_its_final_frame_and_a_true_text_repr(model):
    live = fv.LiveRender(model, "conv3:5", size=32, steps=6)
    data, _ = live._repr_mimebundle_()
    assert "image/png" not in data  # nothing rendered yet: no picture that would pretend otherwise
    assert data["text/plain"] == "LiveRender(objective=\"channel('conv3', 5)\", status='idle', step='0/6')"
    result = live.run(display=False)
    data, _ = live._repr_mimebundle_()
    assert data["text/plain"] == "LiveRender(objective=\"channel('conv3', 5)\", status='completed', step='6/6')"
    assert contains(picture(live), to_uint8(result.images[0]))


def test_every_widget_has_a_picture_of_its_state(model):
    result = fv.unit_invariance(fv.QuadraticForm.random(16, seed=0), k=1, progress=False)
    scrubber = fv.WalkScrubber(result, frames=6)
    assert picture(scrubber).shape[1] > 600
    editor = fv.DirectionEditor(model, "act3", size=32, steps=4)
    try:
        rendered = editor.wait()
        assert contains(picture(editor), to_uint8(rendered.images[0]))
    finally:
        editor.close()
    features = ifv.FeatureSpec(channels=range(8))
    thetas = ifv.sample_objectives(2, 8, seed=0)
    realizations = ifv.realize(model, "act3", thetas, features, size=32, steps=4)
    results = ifv.predict_objectives(model, "act3", realizations, features, target=thetas)
    explorer = fv.IFVExplorer(results, model=model, realizations=realizations)
    assert contains(picture(explorer), to_uint8(realizations.images[0]))


def test_display_in_a_kernel_sends_the_picture_and_updates_it_when_the_run_ends(model, monkeypatch):
    published = []

    class Handle:
        def __init__(self, data):
            published.append(("display", data))

        def update(self, data, **kwargs):
            published.append(("update", data))

    def display(obj, **kwargs):  # as IPython's: objects that display themselves do so
        if hasattr(obj, "_ipython_display_"):
            return obj._ipython_display_()
        assert kwargs["raw"] and kwargs["display_id"] is True
        return Handle(obj)

    monkeypatch.setattr("IPython.display.display", display)
    live = fv.LiveRender(model, "conv3:5", size=32, steps=4)
    live.run()
    (first, shown), (second, updated) = published
    assert (first, second) == ("display", "update")
    assert "image/png" not in shown and "status='running'" in shown["text/plain"]
    assert "image/png" in updated and "status='completed'" in updated["text/plain"]


def test_rerunning_a_cell_stops_the_background_run_it_started(model, monkeypatch):
    monkeypatch.setattr(live_render, "current_cell", lambda: "cell 1")
    first = fv.LiveRender(model, "conv3:5", size=32, steps=100_000).run(background=True, display=False)
    second = fv.LiveRender(model, "conv3:5", size=32, steps=8).run(background=True, display=False)
    assert second.wait(timeout=120).status == "completed"
    stopped = first.wait(timeout=120)
    assert stopped.status == "stopped"
    assert first.widget.note == "stopped: its cell was run again"
    monkeypatch.setattr(live_render, "current_cell", lambda: "cell 2")  # another cell leaves it alone
    third = fv.LiveRender(model, "conv3:5", size=32, steps=8).run(background=True, display=False)
    assert third.wait(timeout=120).status == "completed" and second.widget.note == ""


def test_two_background_runs_on_one_model_both_complete_with_their_solo_images(model):
    solo = [fv.render(model, unit, size=32, steps=10, seed=1, progress=False).images for unit in ("conv3:5", "conv2:1")]
    handles = [fv.LiveRender(model, unit, size=32, steps=10, seed=1).run(background=True, display=False)
               for unit in ("conv3:5", "conv2:1")]
    results = [h.wait(timeout=120) for h in handles]
    assert [r.status for r in results] == ["completed", "completed"]
    for result, alone in zip(results, solo):
        np.testing.assert_array_equal(result.images, alone)


def test_render_layer_live_streams_one_growing_grid_and_returns_the_engines_result(model):
    plain = fv.render_layer(model, "conv1", channels=range(6), batch_size=4, size=32, steps=5, progress=False)
    live = fv.LiveRender.layer(model, "conv1", channels=range(6), batch_size=4, size=32, steps=5)
    frames = []
    live.observe(lambda change: frames.append((change["new"], live.tile, live.columns)), "frame")
    result = live.run(display=False)
    np.testing.assert_array_equal(result.images, plain.images)
    assert (live.step, live.total, live.status) == (10, 10, "completed")
    final, tile, columns = frames[-1]
    assert tile == [32, 32] and columns == 4
    assert np.asarray(Image.open(io.BytesIO(final))).shape[:2] == (2 * 32 + 2, 4 * 32 + 3 * 2)
    with pytest.raises(TypeError, match="stop"):
        fv.render_layer(model, "conv1", channels=[0], size=32, steps=2, live=True, stop=None)


def test_the_export_message_writes_the_walk_at_the_scale_shown(monkeypatch):
    result = fv.unit_invariance(fv.QuadraticForm.random(16, seed=0), k=1, progress=False)
    scrubber = fv.WalkScrubber(result, frames=4)
    replies = []
    monkeypatch.setattr(scrubber, "send", lambda content, buffers=None: replies.append((content, buffers)))
    scrubber._on_message(scrubber, {"type": "export", "format": "gif", "walk": 0, "scale": 3}, [])
    frames = iio.imread(replies[-1][1][0], index=None)
    height, width = scrubber.walk.images.shape[1:3]
    assert frames.shape[1:3] == (3 * height, 3 * width)
    scrubber._on_message(scrubber, {"type": "export", "format": "gif", "walk": 0, "scale": "big"}, [])
    assert replies[-1][0]["error"] == "cannot export: bad request"


def test_render_results_save_enlarged(model, tmp_path):
    result = fv.render(model, "conv3:5", size=32, steps=2, progress=False)
    path = result.save(tmp_path / "render.png", scale=4)
    assert np.asarray(Image.open(path)).shape[:2] == (128, 128)


def test_classifier_bars_are_named_by_the_models_classes(model):
    features = ifv.FeatureSpec()
    thetas = ifv.sample_objectives(1, 10, seed=0)
    realizations = ifv.realize(model, "output", thetas, features, size=32, steps=2)
    results = ifv.predict_objectives(model, "output", realizations, features, target=thetas)
    explorer = fv.IFVExplorer(results, model=model, realizations=realizations)
    assert explorer.info["channels"] == list(fv.datasets.CLASSES)
    assert explorer.info["channel_title"] == "class"
    hidden = ifv.predict_objectives(model, "act3", ifv.realize(model, "act3", ifv.sample_objectives(1, 4, seed=0),
                                    ifv.FeatureSpec(channels=range(4)), size=32, steps=2),
                                    ifv.FeatureSpec(channels=range(4)))
    explorer = fv.IFVExplorer(hidden, model=model)
    assert explorer.info["channels"] == ["0", "1", "2", "3"] and explorer.info["channel_title"] == "channel"
