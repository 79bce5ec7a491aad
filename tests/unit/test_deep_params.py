"""MACO, transparency and CPPN parameterizations: facts that would be false if they were wrong."""

import numpy as np
import pytest
import torch
from PIL import Image
from test_render import dominant_frequency_axis  # tests/unit is on sys.path
from torch import nn

import fviz_widgets as fv
from fviz_widgets.core import Preprocess, attach_preprocess
from fviz_widgets.datasets import CLASSES
from fviz_widgets.params import spectrum
from fviz_widgets.params.alpha import backgrounds
from fviz_widgets.params.color import IMAGENET_COLOR_MATRIX


@pytest.fixture(scope="module")
def model():
    return fv.zoo.shapes_cnn()


# --------------------------------------------------------------------------- MACO


def raw_of(image: torch.Tensor, param) -> torch.Tensor:
    """Invert MACO's colour and squash: the decorrelated image whose spectrum has the magnitude."""
    raw = (torch.logit(image.double()) - param.offset.double()) / 4.0
    n, c, h, w = raw.shape
    return torch.linalg.solve(IMAGENET_COLOR_MATRIX.double(), raw.reshape(n, c, h * w)).reshape(n, c, h, w)


def test_maco_keeps_the_magnitude_and_moves_only_the_phase(model):
    p = fv.param.maco(32, batch=2, seed=0)
    before = p.phase.detach().clone()
    fv.render(model, fv.obj.channels("conv3", [1, 5]), param=p, steps=12, progress=False)
    assert not torch.allclose(p.phase, before)  # the optimization moved the phase
    with torch.no_grad():
        magnitude = torch.fft.rfft2(raw_of(p(), p), norm="ortho").abs()
    # columns 0 and W/2 of an rfft are Hermitian (irfft keeps only their symmetric part)
    expected = p.magnitude.double().expand_as(magnitude)
    assert torch.allclose(magnitude[..., 1:-1], expected[..., 1:-1], rtol=1e-3, atol=1e-5)


def test_maco_sees_each_images_phase_standardized():
    p = fv.param.maco(16, batch=2, seed=0)
    with torch.no_grad():
        before = p()
        p.phase[0] = p.phase[0] * 7 + 3  # the same phases, standardized, for image 0
        p.phase[1] = torch.randn_like(p.phase[1])  # a new image 1
        after = p()
    assert torch.allclose(after[0], before[0], atol=1e-5)  # image 0: neither scale nor offset matter
    assert not torch.allclose(after[1], before[1], atol=1e-2)  # image 1 is new, so the check above is not vacuous


def test_the_shipped_spectrum_is_what_the_photos_give():
    photos = fv.datasets.photos(spectrum.SPECTRUM_SIZE, spectrum.SPECTRUM_CROPS, names=spectrum.SPECTRUM_PHOTOS)
    again = spectrum.natural_spectrum(photos.images)
    shipped = spectrum.shipped_spectrum()
    assert set(again) == set(shipped)
    for key in again:
        np.testing.assert_allclose(shipped[key], again[key], rtol=2e-3, atol=2e-3)


def test_the_natural_spectrum_falls_like_one_over_f():
    m = spectrum.shipped_spectrum()["grey"][0]
    f = np.hypot(np.fft.fftfreq(128)[:, None], np.fft.rfftfreq(128)[None, :])
    ring = (f > 0.02) & (f < 0.4)
    slope = np.polyfit(np.log(f[ring]), np.log(m[ring]), 1)[0]
    assert -1.6 < slope < -0.7, slope  # natural images: amplitude ~ 1/f^α, α ≈ 1


def test_resampling_the_spectrum_keeps_each_frequency():
    m = torch.from_numpy(spectrum.shipped_spectrum()["rgb"])
    twice = spectrum.resample(m, (256, 256))
    # frequency k/256 with k even is (k/2)/128 on the shipped grid
    for ky, kx in [(2, 0), (0, 6), (10, 14), (-20, 30), (-2, 64)]:
        assert torch.allclose(twice[:, ky % 256, kx], m[:, (ky // 2) % 128, kx // 2], rtol=1e-5)
    assert torch.allclose(spectrum.resample(m, (128, 128)), m)


def test_maco_rejects_a_bad_magnitude():
    with pytest.raises(ValueError, match=r"\[C=3"):
        fv.param.maco(16, magnitude=torch.ones(3, 16))
    with pytest.raises(ValueError, match="≥ 0"):
        fv.param.maco(16, magnitude=-torch.ones(3, 16, 9))
    with pytest.raises(ValueError, match="1 \\(grey\\) or 3"):
        fv.param.maco(16, color_channels=4)
    custom = fv.param.maco((16, 16), magnitude=torch.ones(4, 32, 17), color_channels=4)
    assert custom.shape == (1, 4, 16, 16)


class LeftHalf(nn.Module):
    """A 'network' whose output only reads the left half of the image."""

    def forward(self, x):
        return x[..., : x.shape[-1] // 2].mean(dim=(1, 2, 3))[:, None]


def test_importance_is_where_the_objective_looks():
    net = LeftHalf()
    net.eval()
    attach_preprocess(net, Preprocess(input_size=(16, 16)))
    result = fv.render(net, "output:0", param=fv.param.maco(16, seed=1), transforms=None, steps=5, progress=False)
    assert result.importance.shape == (1, 16, 16)
    assert result.importance[0, :, 8:].max() < 1e-6
    assert result.importance[0, :, :8].min() > 0.01
    assert result.importance.max() == pytest.approx(1.0)


# --------------------------------------------------------------------------- transparency


class RedCentre(nn.Module):
    """Redness of the central 8×8 square of a 24 px image."""

    def forward(self, x):
        centre = x[:, :, 8:16, 8:16]
        return (centre[:, 0] - centre[:, 1:].mean(1)).mean(dim=(1, 2))[:, None]


def test_transparency_keeps_what_the_objective_needs_and_clears_the_rest():
    net = RedCentre()
    net.eval()
    attach_preprocess(net, Preprocess(input_size=(24, 24)))
    p = fv.param.image(24, alpha=True, fft=False, seed=0)
    p.opacity_penalty = 0.3
    result = fv.render(net, "output:0", param=p, transforms=None, steps=200, lr=0.1, progress=False)
    assert result.alpha and result.images.shape == (1, 24, 24, 4)
    alpha = result.images[0, ..., 3]
    inside = np.zeros((24, 24), bool)
    inside[8:16, 8:16] = True
    assert alpha[inside].mean() > 0.9, alpha[inside].mean()
    assert alpha[~inside].mean() < 0.2, alpha[~inside].mean()
    red = result.images[0, 8:16, 8:16]
    assert red[..., 0].mean() > 0.9 and red[..., 1:3].mean() < 0.1
    assert "opacity()" in result.terms


def test_rgba_results_save_as_rgba_png(model, tmp_path):
    result = fv.render(model, "conv3:5", param=fv.param.image(16, alpha=True), steps=3, progress=False)
    path = result.save(tmp_path / "unit.png", scale=2)
    with Image.open(path) as picture:
        assert picture.mode == "RGBA" and picture.size == (32, 32)
        saved = np.asarray(picture)[::2, ::2, 3] / 255.0
    np.testing.assert_allclose(saved, result.images[0, ..., 3], atol=1 / 255)
    shown = result.shown()
    assert shown.shape == (1, 16, 16, 3)  # over a checkerboard, for pictures without alpha
    jpeg = result.save(tmp_path / "unit.jpg")
    with Image.open(jpeg) as picture:
        assert picture.mode == "RGB"


def test_backgrounds_are_seeded_and_vary_by_step():
    a = backgrounds(8, 3, 16, 16, torch.Generator().manual_seed(3))
    b = backgrounds(8, 3, 16, 16, torch.Generator().manual_seed(3))
    assert torch.equal(a, b)
    generator = torch.Generator().manual_seed(3)
    first, second = backgrounds(8, 3, 16, 16, generator), backgrounds(8, 3, 16, 16, generator)
    assert not torch.equal(first, second)
    assert 0 <= a.min() and a.max() <= 1


def test_an_alpha_render_is_reproducible_and_the_model_never_sees_alpha(model):
    seen = []
    handle = model.conv1.register_forward_pre_hook(lambda m, args: seen.append(args[0].shape[1]))
    try:
        a = fv.render(model, "conv3:5", param=fv.param.maco(24, alpha=True), steps=4, progress=False)
        b = fv.render(model, "conv3:5", param=fv.param.maco(24, alpha=True), steps=4, progress=False)
    finally:
        handle.remove()
    assert set(seen) == {3}
    np.testing.assert_array_equal(a.images, b.images)


def test_a_param_with_alpha_needs_a_model_with_its_colour_channels(model):
    with pytest.raises(ValueError, match="4-channel images plus alpha but the model expects 3"):
        fv.render(model, "conv3:5", param=fv.param.image(16, color_channels=4, alpha=True), steps=1, progress=False)


# --------------------------------------------------------------------------- CPPN


def test_a_cppn_draws_the_same_picture_at_any_resolution():
    small, large = fv.param.cppn(16, seed=2), fv.param.cppn(31, seed=3)
    with torch.no_grad():
        for a, b in zip(large.parameters(), small.parameters()):
            b.normal_()  # a non-zero output layer, so there is a picture
            a.copy_(b)
        # the 31-point grid holds the 16-point one at every second point
        assert torch.allclose(large()[..., ::2, ::2], small(), atol=1e-6)


def test_a_cppn_renders_stripes_of_the_stripe_logits_orientation(model):
    classes = [CLASSES.index(c) for c in ("vertical_stripes", "horizontal_stripes")]
    result = fv.render(model, fv.obj.channels("output", classes), param=fv.param.cppn(64, batch=2), steps=160,
                       progress=False)
    vertical, horizontal = result.images
    assert dominant_frequency_axis(vertical) == "x"
    assert dominant_frequency_axis(horizontal) == "y"


def test_cppn_items_do_not_depend_on_their_batch_mates(model):
    a = fv.render_layer(model, "conv3", [1, 2], param="cppn", size=24, steps=10, progress=False)
    b = fv.render_layer(model, "conv3", [1, 7], param="cppn", size=24, steps=10, progress=False)
    np.testing.assert_allclose(a.images[0], b.images[0], atol=1e-5)
    assert np.abs(a.images[1] - b.images[1]).max() > 1e-3


# --------------------------------------------------------------------------- by name, everywhere


@pytest.mark.parametrize("name", ["maco", "cppn", "fft+alpha", "maco+alpha", "pixel+alpha", "cppn+alpha"])
def test_every_parameterization_works_batched_by_name(model, name):
    result = fv.render_layer(model, "conv2", [0, 3, 4], param=name, size=20, steps=3, batch_size=2, progress=False)
    channels = 4 if name.endswith("+alpha") else 3
    assert result.images.shape == (3, 20, 20, channels)
    assert result.alpha == name.endswith("+alpha")
    assert result.importance.shape == (3, 20, 20)
    assert np.isfinite(result.images).all()


def test_unknown_names_suggest_the_right_one():
    with pytest.raises(ValueError, match="did you mean maco"):
        fv.param.param_factory("mako")


def test_widgets_show_rgba_frames(model):
    import io

    live = fv.LiveRender(model, "conv3:5", param=fv.param.maco(24, alpha=True), steps=4)
    result = live.run()
    assert result.alpha
    with Image.open(io.BytesIO(live.frame)) as frame:
        assert frame.format == "PNG" and frame.mode == "RGBA"
    editor = fv.DirectionEditor(model, "act3", size=24, steps=4, param="cppn+alpha")
    try:
        assert editor.wait().alpha
        with Image.open(io.BytesIO(editor.frame)) as frame:
            assert frame.mode == "RGBA"
    finally:
        editor.close()
    with pytest.raises(TypeError, match="a param module holds one batch"):
        fv.DirectionEditor(model, "act3", size=24, param=fv.param.maco(24))
