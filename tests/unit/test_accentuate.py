"""Feature accentuation: starts at the photo, and `strength` trades the objective against the distance."""

import numpy as np
import pytest

import fviz_widgets as fv
from fviz_widgets.datasets import CLASSES, make_shapes


@pytest.fixture(scope="module")
def model():
    return fv.zoo.shapes_cnn()


@pytest.fixture(scope="module")
def photo():
    images, _ = make_shapes(1, size=32, seed=4, classes=["disc"])
    return images


def test_strength_zero_leaves_the_photo_as_it_is(model, photo):
    acc = fv.accentuate(model, "output:0", photo, strength=0.0, steps=12, points=3, progress=False)
    np.testing.assert_allclose(acc.image, acc.start, atol=2e-3)
    assert acc.ssim[-1, 0] > 0.999


def test_more_strength_moves_further_and_raises_the_objective_more(model, photo):
    k = CLASSES.index("checkerboard")
    runs = [fv.accentuate(model, fv.obj.class_logit(k), photo, strength=s, steps=48, points=4, progress=False)
            for s in (0.003, 0.1, 10.0)]
    rises = [a.objective[-1, 0] - a.objective[0, 0] for a in runs]
    moved = [a.ssim[-1, 0] for a in runs]
    assert rises[0] > 0
    assert rises[0] < rises[1] < rises[2], rises
    assert moved[0] > moved[1] > moved[2], moved
    assert runs[0].steps == [0, 12, 24, 36, 48] and runs[0].trajectory.shape == (5, 1, 32, 32, 3)
    assert runs[0].objective[0, 0] == pytest.approx(runs[2].objective[0, 0])  # the same photo


def test_accentuate_checks_its_inputs(model, photo):
    with pytest.raises(ValueError, match="param must be 'fft' or 'pixel'"):
        fv.accentuate(model, "output:0", photo, param="maco", progress=False)
    with pytest.raises(ValueError, match="1 channels but the model expects 3"):
        fv.accentuate(model, "output:0", photo[:, :1], progress=False)
    with pytest.raises(ValueError, match=r"values in \[0, 1\]"):
        fv.accentuate(model, "output:0", photo * 2, progress=False)
    with pytest.raises(ValueError, match="strength"):
        fv.accentuate(model, "output:0", photo, strength=-1, progress=False)


def test_the_figure_shows_the_trajectory(model, photo):
    acc = fv.accentuate(model, "output:2", photo, steps=8, points=4, progress=False)
    fig = acc.show()
    titles = [ax.get_title() for ax in fig.axes]
    assert titles[0].startswith("photo") and any("step 8" in t for t in titles)
    assert "strength=0.1" in repr(acc)
