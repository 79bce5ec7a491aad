"""DirectionEditor, kernel side: the objective it reports is the one the engine would build,
edits from either side stay in sync, and the newest render request wins."""

import threading

import numpy as np
import pytest
import torch
import traitlets

import fviz_widgets as fv
from fviz_widgets.datasets import make_shapes

LAYER = "act3"


@pytest.fixture(scope="module")
def model():
    return fv.zoo.shapes_cnn()


@pytest.fixture(scope="module")
def images():
    return make_shapes(40, seed=5)[0]


@pytest.fixture(scope="module")
def stats(model, images):
    return fv.activation_stats(model, LAYER, images)


@pytest.fixture(scope="module")
def acts(model, images):
    with torch.no_grad(), fv.capture(model, [LAYER]) as run:
        return {LAYER: run(images[:4])[LAYER]}


@pytest.mark.parametrize("family, build", [
    ("direction", lambda v, s: fv.obj.direction(LAYER, v)),
    ("direction_cossim", lambda v, s: fv.obj.direction_cossim(LAYER, v, pow=3.0, floor=0.2)),
    ("cosine", lambda v, s: fv.obj.cosine(LAYER, v)),
    ("l2_inversion", lambda v, s: fv.obj.l2_inversion(LAYER, torch.tensor(v))),
    ("dot_orthogonal", lambda v, s: fv.obj.dot_orthogonal(LAYER, v, weight=0.5)),
])
def test_the_objective_is_the_one_the_engine_builds(model, acts, family, build):
    v = np.random.default_rng(0).normal(size=64)
    editor = fv.DirectionEditor(model, LAYER, v, family=family, live=False)
    editor.cossim_pow, editor.cossim_floor, editor.orth_weight = 3.0, 0.2, 0.5
    expected = build(v, None)
    assert repr(editor.objective) == repr(expected) == editor.objective_repr
    torch.testing.assert_close(editor.objective(acts), expected(acts))


def test_whitened_space_uses_the_stats_whitening(model, acts, stats):
    v = np.random.default_rng(1).normal(size=64)
    editor = fv.DirectionEditor(model, LAYER, v, family="direction", stats=stats, live=False)
    editor.whitened = True
    torch.testing.assert_close(editor.objective(acts), fv.obj.direction(LAYER, v, transform=stats.whitening)(acts))
    plain = fv.DirectionEditor(model, LAYER, v, family="direction", live=False)
    assert not plain.whitening_available
    with pytest.raises(traitlets.TraitError, match="stats"):
        plain.whitened = True


def test_direction_is_numpy_and_syncs_as_a_list(model):
    editor = fv.DirectionEditor(model, LAYER, live=False)
    assert isinstance(editor.direction, np.ndarray) and editor.direction.tolist() == np.eye(64)[0].tolist()
    seen = []
    editor.observe(lambda change: seen.append(change["new"]), "direction")
    editor.direction = np.arange(64.0)
    assert len(seen) == 1 and editor.get_state()["direction"] == list(np.arange(64.0))
    editor.set_state({"direction": [0.5] * 64})  # what an edit in the front end does
    assert isinstance(editor.direction, np.ndarray) and (editor.direction == 0.5).all() and len(seen) == 2


def test_bad_vectors_are_clear_errors(model):
    editor = fv.DirectionEditor(model, LAYER, live=False)
    with pytest.raises(traitlets.TraitError, match="64 values"):
        editor.direction = [1.0, 2.0]
    with pytest.raises(traitlets.TraitError, match="NaN"):
        editor.direction = [float("nan")] * 64
    with pytest.raises(fv.LayerError, match="act3"):
        fv.DirectionEditor(model, "act33", live=False)


def test_anchors_hold_up_to_four_vectors(model):
    editor = fv.DirectionEditor(model, LAYER, live=False)
    for i in range(4):
        editor.add_anchor(np.eye(64)[i], label=f"channel {i}")
    assert editor.anchor_labels == [f"channel {i}" for i in range(4)]
    with pytest.raises(ValueError, match="at most 4"):
        editor.add_anchor(np.eye(64)[5])


def test_the_newest_request_wins_and_stale_runs_are_stopped(model):
    editor = fv.DirectionEditor(model, LAYER, np.eye(64)[1], steps=400)
    statuses, started = [], threading.Event()
    editor.observe(lambda change: statuses.append(change["new"]), "render_status")
    editor.observe(lambda change: started.set() if change["new"] >= 3 else None, "render_step")
    assert started.wait(60), "the first render is under way"
    for channel in (2, 3):  # requests arriving together are coalesced: only the newest runs
        editor.direction = np.eye(64)[channel]
    editor.family = "direction"
    result = editor.wait(timeout=120)
    assert result.objective == repr(fv.obj.direction(LAYER, np.eye(64)[3]))
    assert result.status == "completed" and statuses[-1].startswith("done")
    assert statuses.count("superseded") == 1 and statuses.count("running") == 2
    assert editor.frame[:4] == b"\x89PNG"
    editor.close()
    assert all(len(m._forward_hooks) == 0 for m in model.modules())


def test_activations_are_the_spatial_mean_of_the_layer(model, images):
    rows = fv.activations(model, LAYER, images[:3])
    with torch.no_grad(), fv.capture(model, [LAYER]) as run:
        expected = run(images[:3])[LAYER].mean((2, 3)).numpy()
    np.testing.assert_allclose(rows, expected, rtol=1e-6)
    hwc = images[:3].permute(0, 2, 3, 1).numpy()
    np.testing.assert_allclose(fv.activations(model, LAYER, hwc), rows, rtol=1e-5, atol=1e-6)
    assert fv.activations(model, LAYER, images[0]).shape == (1, 64)
