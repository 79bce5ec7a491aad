"""WalkScrubber, kernel side: what it sends is the walks it was given, and export round-trips."""

import io

import imageio.v3 as iio
import numpy as np
import pytest
from PIL import Image

import fviz_widgets as fv
from fviz_widgets.core.images import to_uint8


@pytest.fixture(scope="module")
def result():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(48, 48))
    return fv.unit_invariance(fv.QuadraticForm((a + a.T) / 2), radius=1.0, k=2, image_shape=(3, 4, 4), progress=False)


def test_every_direction_is_walked_and_sent_as_png_frames(result):
    scrubber = fv.WalkScrubber(result, frames=8)
    walks = result.walks(frames=8)
    assert [w["label"] for w in scrubber.walks] == [w.label for w in walks]
    assert [w["kind"] for w in scrubber.walks] == ["most", "most", "least", "least"]
    for sent, walk in zip(scrubber.walks, walks):
        assert sent["kappa"] == pytest.approx(walk.curvature)
        assert (sent["a"], sent["b"]) == (pytest.approx(walk.a), pytest.approx(walk.b))
        np.testing.assert_allclose(sent["g"], walk.values)
        assert sent["threshold"] == pytest.approx(0.7 * result.g_plus)
        assert len(sent["frames"]) == 8
        for data, image in zip(sent["frames"], walk.images):
            assert data[:4] == b"\x89PNG"
            np.testing.assert_array_equal(np.asarray(Image.open(io.BytesIO(data))), to_uint8(image))


def test_export_message_answers_with_a_gif_of_the_selected_walk(result, monkeypatch):
    scrubber = fv.WalkScrubber(result.walks(frames=6)[2:])
    replies = []
    monkeypatch.setattr(scrubber, "send", lambda content, buffers=None: replies.append((content, buffers)))
    scrubber._on_message(scrubber, {"type": "export", "format": "gif", "walk": 1}, [])
    content, buffers = replies[-1]
    assert content == {"type": "export", "format": "gif", "name": "walk_least_invariant_1.gif"}
    frames = iio.imread(buffers[0], index=None)
    assert frames.shape[0] == 6
    scrubber._on_message(scrubber, {"type": "export", "format": "exe", "walk": 0}, [])
    assert "cannot export" in replies[-1][0]["error"]


def test_export_writes_the_selected_walk(result, tmp_path):
    scrubber = fv.WalkScrubber(result, frames=5)
    scrubber.selected = 3
    path = scrubber.export(tmp_path / "walk.gif")
    assert iio.imread(path, index=None).shape[0] == 5
    assert scrubber.walk.label == "least invariant #1"


def test_bad_input_is_a_clear_error():
    with pytest.raises(TypeError, match="InvarianceResult or Walk"):
        fv.WalkScrubber([np.zeros(3)])
    with pytest.raises(TypeError, match="nothing"):
        fv.WalkScrubber([])


def test_repr_is_deterministic(result):
    scrubber = fv.WalkScrubber(result.walks(frames=4)[:1])
    assert repr(scrubber) == "WalkScrubber(walks=['most invariant #0'], frames=[4])"
