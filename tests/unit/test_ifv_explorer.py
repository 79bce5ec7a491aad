"""IFVExplorer, kernel side: what it sends is the record / results it was given, critical spaces
switch to the restricted prediction, and the re-optimize message answers with SSIM numbers."""

import io
import re

import numpy as np
import pytest
from PIL import Image

import fviz_widgets as fv
from fviz_widgets.core.images import to_uint8
from fviz_widgets.core.metrics import angular_distance
from fviz_widgets.experiments import IFVConfig, build_model, run_ifv

TINY = dict(
    name="tiny", model="shapes_cnn", model_kwargs={"activation": "softplus"}, layer="conv3", channels=8,
    n_sampled=5, n_canonical=2, size=32, adam_steps=40, lbfgs_steps=10, reopt_steps=6, batch_size=4,
    critical_space={"samples": 5, "angle_limit": 30, "select": 6}, seed=3, threads=1,
)


@pytest.fixture(scope="module")
def record():
    return run_ifv(IFVConfig.from_dict(TINY), None, progress=False, figures=False)


def replies_of(widget, monkeypatch):
    replies = []
    monkeypatch.setattr(widget, "send", lambda content, buffers=None: replies.append(content))
    return replies


def test_the_payload_is_the_record_it_was_given(record):
    explorer = fv.IFVExplorer(record)
    a = record.arrays
    assert len(explorer.samples) == 7
    assert [s["label"] for s in explorer.samples[-2:]] == ["#5 · e0", "#6 · e7"]
    assert explorer.info == {"name": "tiny", "layer": "conv3", "beta": 2.0, "aggregation": "maxpool_mean", "m": 8,
                             "channels": [str(k) for k in range(8)], "channel_title": "channel"}
    assert [(s["dim"], s["restricted"]) for s in explorer.spaces] == [(8, False), (6, True)]
    assert explorer.space == 1, "the record's selected critical space is in use"
    assert explorer.spaces[1]["label"].endswith("· selected") and explorer.spaces[1]["trivial"]
    for i, sent in enumerate(explorer.samples):
        np.testing.assert_allclose(sent["target"], a["targets"][i])
        np.testing.assert_allclose(sent["response"], a["response"][i] / np.linalg.norm(a["response"][i]))
        assert sent["response_norm"] == pytest.approx(np.linalg.norm(a["response"][i]))
        np.testing.assert_allclose(sent["theta"][0], a["theta_hat"][i], atol=1e-12)
        np.testing.assert_allclose(sent["theta"][1], a["theta_hat_critical"][i], atol=1e-12)
        assert sent["angles"][0]["predicted"] == pytest.approx(a["angle_predicted"][i])
        assert sent["angles"][1]["predicted"] == pytest.approx(a["angle_predicted_critical"][i])
        assert sent["angles"][1]["response"] == pytest.approx(a["angle_response"][i])
        assert sent["angles"][1]["predicted_vs_target"] == pytest.approx(
            angular_distance(a["theta_hat_critical"][i], a["targets"][i]))
        np.testing.assert_allclose(sent["singular_values"], a["singular_values"][i])
        assert sent["inactive"] == list(np.flatnonzero(a["inactive"][i]))
        assert sent["ssim_recorded"] == {k: pytest.approx(a[f"ssim_{k}"][i])
                                         for k in ("predicted", "target", "response", "random")}
        assert sent["image"][:4] == b"\x89PNG"
        np.testing.assert_array_equal(np.asarray(Image.open(io.BytesIO(sent["image"]))), to_uint8(a["images"][i]))
    assert explorer.can_reoptimize and explorer.reopt_note == ""


def test_a_record_folder_opens_too(record, tmp_path):
    path = record.write(tmp_path / "tiny", figures=False)
    explorer = fv.IFVExplorer(str(path), selected=3)
    assert explorer.selected == 3 and len(explorer.samples) == 7


def test_switching_the_critical_space_gives_the_restricted_prediction(record):
    basis = record.arrays["critical_basis"]
    first4 = np.eye(8)[:, :4]
    explorer = fv.IFVExplorer(record, critical_spaces={"first four": first4})
    assert [s["label"] for s in explorer.spaces][2] == "first four"
    plain = record.results(critical=False)
    for i, r in enumerate(plain):
        explorer.selected = i
        explorer.space = 0
        np.testing.assert_allclose(explorer.result.theta, r.with_critical_space(None).theta, atol=1e-12)
        explorer.space = 1
        restricted = explorer.result.theta
        np.testing.assert_allclose(restricted, r.with_critical_space(basis).theta, atol=1e-12)
        np.testing.assert_allclose(basis @ (basis.T @ restricted), restricted, atol=1e-10)  # θ̂ ∈ C
        explorer.space = 2
        assert np.abs(explorer.result.theta[4:]).max() < 1e-12
        np.testing.assert_allclose(explorer.samples[i]["theta"][2], explorer.result.theta)
    assert [r.theta.tolist() for r in explorer.results] == [s["theta"][2] for s in explorer.samples]
    # the whole threshold scan, recomputed: its selected space is the record's
    scanned = fv.IFVExplorer(record, scan=True)
    dims = [s["dim"] for s in scanned.spaces]
    assert dims[0] == 8 and 6 in dims[1:] and len(dims) == 1 + len(record.critical_spaces)
    assert scanned.spaces[scanned.space]["dim"] == 6
    np.testing.assert_allclose([s["theta"][scanned.space] for s in scanned.samples], record.arrays["theta_hat_critical"],
                               atol=1e-8)


def test_the_reoptimize_message_answers_with_the_recorded_ssim(record, monkeypatch):
    explorer = fv.IFVExplorer(record)
    replies = replies_of(explorer, monkeypatch)
    explorer._on_message(explorer, {"type": "reoptimize", "sample": 2, "space": 1}, [])
    reply = replies[-1]
    assert {k: reply[k] for k in ("type", "sample", "space", "steps")} == {"type": "reoptimize", "sample": 2,
                                                                             "space": 1, "steps": 6}
    # the same check as the experiment ran (θ̂ in the selected space, 6 steps): the same numbers
    assert reply["ssim"] == {k: pytest.approx(record.arrays[f"ssim_{k}"][2], abs=1e-6)
                             for k in ("predicted", "target", "response", "random")}
    assert explorer.stability == {"2:1": {"steps": 6, "ssim": reply["ssim"]}}
    explorer._on_message(explorer, {"type": "reoptimize", "sample": 99}, [])
    assert "no sample 99" in replies[-1]["error"]
    explorer._on_message(explorer, {"type": "something else"}, [])
    assert len(replies) == 2


def test_results_with_a_model_and_images_reoptimize(record, monkeypatch):
    model = build_model("shapes_cnn", {"activation": "softplus"})
    results = record.results()  # in the record's critical space: it is offered as "given"
    explorer = fv.IFVExplorer(results, realizations=record.arrays["images"], model=model, reopt_steps=4)
    assert [s["label"] for s in explorer.spaces] == ["none (ℝ^8)", "C · dim 6 · given"] and explorer.space == 1
    assert explorer.samples[0]["image"][:4] == b"\x89PNG" and explorer.samples[0]["ssim_recorded"] == {}
    replies = replies_of(explorer, monkeypatch)
    explorer._on_message(explorer, {"type": "reoptimize", "sample": 1, "space": 0}, [])
    ssim = replies[-1]["ssim"]
    assert list(ssim) == ["predicted", "target", "response", "random"] and replies[-1]["steps"] == 4
    assert all(-1.0 <= v <= 1.0 for v in ssim.values()) and ssim["target"] > 0.9
    assert "1:0" in explorer.stability


def test_without_a_model_reoptimizing_is_a_clear_message(record, monkeypatch):
    explorer = fv.IFVExplorer(record.results(critical=False))
    assert not explorer.can_reoptimize and "no model" in explorer.reopt_note
    assert explorer.samples[0]["image"] == b"" and explorer.space == 0 and len(explorer.spaces) == 1
    replies = replies_of(explorer, monkeypatch)
    explorer._on_message(explorer, {"type": "reoptimize", "sample": 0, "space": 0}, [])
    assert replies == [{"type": "reoptimize", "sample": 0, "space": 0,
                        "error": "cannot re-optimize: no model was given (IFVExplorer(results, model=..., "
                                 "realizations=...))"}]
    with pytest.raises(RuntimeError, match="no model"):
        explorer.reoptimize()
    no_images = fv.IFVExplorer(record.results(), model=build_model("shapes_cnn", {"activation": "softplus"}))
    assert "no realization images" in no_images.reopt_note


def test_bad_input_is_a_clear_error(record):
    with pytest.raises(TypeError, match="ExperimentRecord, a record folder or IFVResult objects, got ndarray"):
        fv.IFVExplorer([np.zeros(3)])
    with pytest.raises(TypeError, match="got nothing"):
        fv.IFVExplorer([])
    with pytest.raises(TypeError, match="got int"):
        fv.IFVExplorer(42)
    with pytest.raises(ValueError, match="3 realization images for 7 results"):
        fv.IFVExplorer(record.results(), realizations=record.arrays["images"][:3])
    with pytest.raises(ValueError, match="record brings its own"):
        fv.IFVExplorer(record, realizations=record.arrays["images"])
    with pytest.raises(ValueError, match="lives in ℝ\\^3"):
        fv.IFVExplorer(record, critical_spaces=[np.eye(3)])
    with pytest.raises(IndexError, match="selected=7"):
        fv.IFVExplorer(record, selected=7)


def test_repr_is_deterministic(record):
    explorer = fv.IFVExplorer(record)
    assert re.fullmatch(r"IFVExplorer\(samples=7, m=8, layer='conv3', spaces=\['none \(ℝ\^8\)', "
                        r"'C · dim 6 \(τ = 0\.\d{3}\) · selected'\], space=1, selected=0\)", repr(explorer))
    assert repr(fv.IFVExplorer(record)) == repr(explorer)
