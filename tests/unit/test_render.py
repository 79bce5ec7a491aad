"""The render loop: ground truth on the shipped shapes model, termination paths, records."""

import threading

import numpy as np
import pytest
import torch
from torch import nn

import fviz_widgets as fv
from fviz_widgets.datasets import CLASSES, make_shapes


@pytest.fixture(scope="module")
def model():
    return fv.zoo.shapes_cnn()


def orientation_energy(image: np.ndarray) -> dict:
    """Spectral energy of a grey HW image along the four orientations (DC removed).

    Vertical stripes vary along x, so their energy sits on the horizontal frequency axis.
    """
    grey = image.mean(-1)
    spectrum = np.abs(np.fft.fftshift(np.fft.fft2(grey - grey.mean()))) ** 2
    h, w = grey.shape
    fy, fx = np.meshgrid(np.arange(h) - h // 2, np.arange(w) - w // 2, indexing="ij")
    angle = np.degrees(np.arctan2(fy, fx)) % 180  # orientation of the frequency vector
    radius = np.hypot(fx, fy)
    ring = (radius > 2) & (radius < min(h, w) / 2)

    def near(a):
        return spectrum[ring & (np.minimum(np.abs(angle - a), 180 - np.abs(angle - a)) < 15)].sum()

    return {"x": near(0), "y": near(90), "d45": near(45), "d135": near(135)}


def dominant_frequency_axis(image):
    e = orientation_energy(image)
    return max(e, key=e.get)


def test_stripe_logits_render_stripes_of_their_orientation(model):
    classes = [CLASSES.index(c) for c in ("vertical_stripes", "horizontal_stripes")]
    result = fv.render(model, fv.obj.channels("output", classes), batch=2, steps=96, progress=False)
    vertical, horizontal = result.images
    assert dominant_frequency_axis(vertical) == "x"
    assert dominant_frequency_axis(horizontal) == "y"


def test_diagonal_logits_render_diagonals(model):
    classes = [CLASSES.index(c) for c in ("diagonal_up", "diagonal_down")]
    result = fv.render(model, fv.obj.channels("output", classes), batch=2, steps=96, progress=False)
    axes = {dominant_frequency_axis(image) for image in result.images}
    assert axes == {"d45", "d135"}, axes
    # the two diagonals are each other's mirror image: their dominant axes differ
    up = orientation_energy(result.images[0])
    down = orientation_energy(result.images[1])
    assert (up["d45"] - up["d135"]) * (down["d45"] - down["d135"]) < 0


def test_rendered_image_beats_the_best_dataset_image(model):
    k = CLASSES.index("checkerboard")
    images, _ = make_shapes(200, seed=123)
    with torch.no_grad(), fv.capture(model, ["output"]) as run:
        best_data = run(images)["output"][:, k].max().item()
    result = fv.render(model, fv.obj.class_logit(k), steps=96, progress=False)
    with torch.no_grad(), fv.capture(model, ["output"]) as run:
        rendered = run(torch.from_numpy(result.images).permute(0, 3, 1, 2))["output"][0, k].item()
    assert rendered > best_data


def test_same_seed_same_images_other_seed_other_images(model):
    kwargs = dict(steps=8, progress=False)
    a = fv.render(model, "conv2:3", seed=1, **kwargs)
    b = fv.render(model, "conv2:3", seed=1, **kwargs)
    c = fv.render(model, "conv2:3", seed=2, **kwargs)
    assert np.array_equal(a.images, b.images) and np.array_equal(a.loss, b.loss)
    assert not np.array_equal(a.images, c.images)


def test_history_records_loss_and_every_term(model):
    objective = fv.obj.channel("conv3", 1) - 0.1 * fv.obj.total_variation() + fv.obj.channel("conv2", 0)
    result = fv.render(model, objective, batch=3, steps=12, thresholds=(4, 12), progress=False)
    assert result.loss.shape == (12,)
    assert set(result.terms) == {"channel('conv3', 1)", "total_variation('input')", "channel('conv2', 0)"}
    assert all(v.shape == (12, 3) for v in result.terms.values())
    recombined = -(result.terms["channel('conv3', 1)"] - 0.1 * result.terms["total_variation('input')"]
                   + result.terms["channel('conv2', 0)"]).sum(1)
    np.testing.assert_allclose(recombined, result.loss, rtol=1e-4, atol=1e-5)
    assert sorted(result.thresholds) == [4, 12]
    assert result.thresholds[12].shape == result.images.shape == (3, 64, 64, 3)
    assert result.timing["steps"] == 12 and result.timing["it_per_s"] > 0


def test_optimization_increases_the_objective(model):
    result = fv.render(model, "conv3:7", steps=64, transforms=None, progress=False)
    values = result.terms["channel('conv3', 7)"][:, 0]
    assert values[-8:].mean() > values[:8].mean() + 0.5


def test_callback_receives_steps_with_lazy_images(model):
    steps, shapes = [], []

    def callback(step):
        steps.append((step.step, step.total, step.phase, set(step.terms)))
        if step.step == 2:
            shapes.append(step.images.shape)

    fv.render(model, "conv2:1", steps=3, lbfgs_steps=2, callback=callback, progress=False)
    assert [s[0] for s in steps] == [1, 2, 3, 4, 5]
    assert all(s[1] == 5 and s[3] == {"channel('conv2', 1)"} for s in steps)
    assert [s[2] for s in steps] == ["adam"] * 3 + ["lbfgs"] * 2
    assert shapes == [(1, 64, 64, 3)]


def test_stop_event_returns_best_so_far_and_cleans_up(model):
    stop = threading.Event()

    def callback(step):
        if step.step == 5:
            stop.set()

    result = fv.render(model, "conv3:2", steps=50, stop=stop, callback=callback, progress=False)
    assert result.status == "stopped" and result.timing["steps"] == 5
    assert np.isfinite(result.images).all()
    assert result.values[0] == pytest.approx(result.terms["channel('conv3', 2)"][:, 0].max(), rel=1e-5)
    assert all(len(m._forward_hooks) == 0 for m in model.modules())


def test_keyboard_interrupt_returns_best_so_far(model):
    def callback(step):
        if step.step == 4:
            raise KeyboardInterrupt

    with pytest.warns(UserWarning, match="interrupted"):
        result = fv.render(model, "conv3:2", steps=50, callback=callback, progress=False)
    assert result.status == "interrupted" and result.timing["steps"] == 4
    assert all(len(m._forward_hooks) == 0 for m in model.modules())
    assert all(p.requires_grad for p in model.parameters()), "requires_grad flags are restored"


def test_nan_loss_raises_a_clear_error_with_the_best_images(model):
    @fv.obj.objective(["conv2"])
    def explodes(acts):
        value = acts["conv2"].mean((1, 2, 3))
        return value if explodes.calls < 3 else value * float("nan")

    def count(step):
        explodes.calls += 1

    explodes.calls = 0
    with pytest.raises(fv.NonFiniteLossError, match="explodes") as info:
        fv.render(model, explodes, steps=20, callback=count, progress=False)
    assert info.value.result.status == "failed"
    assert np.isfinite(info.value.result.images).all()
    assert all(len(m._forward_hooks) == 0 for m in model.modules())


def test_early_exit_skips_layers_after_the_objective(model):
    calls = []
    handle = model.fc.register_forward_hook(lambda *a: calls.append(1))
    try:
        fv.render(model, "conv2:0", steps=5, progress=False)
    finally:
        handle.remove()
    assert len(calls) == 1, "only the first (checking) forward pass reaches fc"


def test_model_state_is_restored(model):
    model.train()
    with pytest.warns(UserWarning, match="training mode"):
        fv.render(model, "conv2:0", steps=2, progress=False)
    assert model.training
    model.eval()


def test_lbfgs_fine_tuning_improves_on_adam(model):
    adam = fv.render(model, "conv3:4", steps=20, transforms=None, progress=False, seed=3)
    both = fv.render(model, "conv3:4", steps=20, lbfgs_steps=10, transforms=None, progress=False, seed=3)
    assert both.values[0] > adam.values[0]


def test_clear_errors_for_bad_input(model):
    with pytest.raises(fv.LayerError, match="conv3"):
        fv.render(model, "conv33:0", steps=2, progress=False)
    with pytest.raises(IndexError, match="64 channels"):
        fv.render(model, "conv3:99", steps=2, progress=False)
    with pytest.raises(ValueError, match="4-channel"):
        fv.render(model, "conv3:0", param=fv.param.image(32, color_channels=4), steps=2, progress=False)
    with pytest.raises(ValueError, match="batch=2"):
        fv.render(model, "conv3:0", param=fv.param.image(32), batch=2, steps=2, progress=False)
    with pytest.raises(IndexError, match="out of range"):
        fv.render_layer(model, "conv2", channels=[0, 40], steps=2, progress=False)


def test_render_layer_batches_channels_and_labels_them(model):
    result = fv.render_layer(model, "conv2", channels=[3, 1, 4, 0, 2], batch_size=2, steps=4, progress=False)
    assert result.images.shape == (5, 64, 64, 3)
    assert result.labels == ["conv2:3", "conv2:1", "conv2:4", "conv2:0", "conv2:2"]
    assert result.terms["channel"].shape == (4, 5)
    assert result.grid(columns=5).shape == (64, 5 * 66 - 2, 3)
    png = result._repr_png_()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_batched_channels_equal_separate_objectives(model):
    """Item i of a `channels` batch gets exactly the gradient of its own channel."""
    param = fv.param.image(32, batch=3, seed=5)
    one = fv.render(model, fv.obj.channels("conv2", [0, 1, 2]), param=param, steps=3, transforms=None, progress=False)
    param = fv.param.image(32, batch=3, seed=5)
    many = sum(fv.obj.channel("conv2", c, batch=i) for i, c in enumerate([0, 1, 2]))
    two = fv.render(model, many, param=param, steps=3, transforms=None, progress=False)
    np.testing.assert_allclose(one.images, two.images, atol=1e-6)


def test_interpolation_moves_monotonically_between_two_directions(model):
    k_a, k_b = CLASSES.index("vertical_stripes"), CLASSES.index("horizontal_stripes")
    a, b = fv.obj.class_logit(k_a), fv.obj.class_logit(k_b)
    n = 5
    result = fv.render(model, fv.obj.interpolate(a, b, n), batch=n, steps=64, progress=False)
    with torch.no_grad(), fv.capture(model, ["output"]) as run:
        logits = run(torch.from_numpy(result.images).permute(0, 3, 1, 2))["output"]
    preference = (logits[:, k_b] - logits[:, k_a]).numpy()
    assert np.all(np.diff(preference) > 0), preference


def test_diversity_lowers_pairwise_similarity(model):
    def gram_cosines(images):
        with torch.no_grad(), fv.capture(model, ["conv2"]) as run:
            a = run(torch.from_numpy(images).permute(0, 3, 1, 2))["conv2"].flatten(2)
        g = torch.nn.functional.normalize((a @ a.transpose(1, 2)).flatten(1), dim=1)
        sim = g @ g.T
        return (sim.sum() - sim.diagonal().sum()).item() / (len(images) * (len(images) - 1))

    base = fv.obj.channel("conv3", 6)
    plain = fv.render(model, base, batch=4, steps=48, progress=False)
    diverse = fv.render(model, base + 2.0 * fv.obj.diversity("conv2"), batch=4, steps=48, progress=False)
    assert gram_cosines(diverse.images) < gram_cosines(plain.images) - 0.02


def test_redirected_relu_passes_upward_gradients_only_during_the_first_steps():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 2, 1), nn.ReLU()).eval()
    with torch.no_grad():
        model[0].weight.copy_(torch.tensor([[1.0, 1.0, 1.0], [1.0, 1.0, 1.0]]).view(2, 3, 1, 1))
        model[0].bias.fill_(-10.0)  # dead for every image in [0, 1]
    dead = fv.render(model, "1:0", steps=20, transforms=None, progress=False)
    assert np.ptp(dead.terms["channel('1', 0)"]) == 0, "a dead unit gives no gradient"
    brief = fv.render(model, "1:0", steps=20, transforms=None, redirect_steps=5, progress=False)
    redirected = fv.render(model, "1:0", steps=20, transforms=None, redirect_steps=20, progress=False)
    assert redirected.images.mean() > brief.images.mean() > dead.images.mean() + 0.005, "pushes the input up"
    assert redirected.images.mean() > dead.images.mean() + 0.03
    assert all(len(m._forward_hooks) == 0 for m in model.modules())


def test_custom_optimizer_factory_is_used(model):
    frozen = fv.render(model, "conv2:0", steps=5, optimizer=lambda p: torch.optim.SGD(p, lr=0.0), progress=False)
    with torch.no_grad():
        start = fv.param.image(64, seed=0)()
    np.testing.assert_array_equal(frozen.images[0], start[0].permute(1, 2, 0).numpy())
    moved = fv.render(model, "conv2:0", steps=5, optimizer=lambda p: torch.optim.SGD(p, lr=10.0), progress=False)
    assert not np.array_equal(moved.images, frozen.images)


def test_views_average_the_objective_over_each_steps_transformed_copies():
    """With views=3 and a transform that scales copy v by v + 1, a linear unit's recorded value is
    the mean over the copies, (1 + 2 + 3) / 3 = 2 times its value on the image itself."""
    model = nn.Sequential(nn.Conv2d(3, 1, 1, bias=False)).eval()
    with torch.no_grad():
        model[0].weight.fill_(1.0)
    views, n = 3, 2

    def scale_by_view(x, generator):
        assert x.shape[0] == views * n, "the step's copies come as one batch"
        return x * torch.arange(1.0, views + 1).repeat_interleave(n).view(-1, 1, 1, 1)

    objective = fv.obj.channels("0", [0, 0])
    plain = fv.render(model, objective, param=fv.param.image(8, batch=n, seed=3), steps=1, transforms=None,
                      progress=False)
    viewed = fv.render(model, objective, param=fv.param.image(8, batch=n, seed=3), steps=1,
                       transforms=scale_by_view, views=views, progress=False)
    name = repr(objective)
    np.testing.assert_allclose(viewed.terms[name][0], 2 * plain.terms[name][0], rtol=1e-5)
    same = fv.render(model, objective, param=fv.param.image(8, batch=n, seed=3), steps=4, transforms=None,
                     views=views, progress=False)
    again = fv.render(model, objective, param=fv.param.image(8, batch=n, seed=3), steps=4, transforms=None,
                      progress=False)
    np.testing.assert_allclose(same.images, again.images, atol=1e-6)  # identical copies: the same steps


def test_views_are_evaluated_one_at_a_time_for_objectives_that_couple_the_batch(model):
    seen = []

    @fv.obj.objective(["conv2"], couples_batch=True)
    def spread(acts):
        seen.append(acts["conv2"].shape[0])
        a = acts["conv2"].flatten(1)
        return -(a - a.mean(0)).norm(dim=1)

    result = fv.render(model, spread, param=fv.param.maco(32, batch=2, alpha=True), steps=2, views=3,
                       transforms=[fv.transforms.random_crop((0.5, 0.6), size=32)], progress=False)
    assert seen == [2] * 6, "each of the 3 views of each step sees the 2 images alone"
    assert result.images.shape == (2, 32, 32, 4)
    with pytest.raises(ValueError, match="views must be ≥ 1"):
        fv.render(model, "conv2:0", views=0, steps=1, progress=False)
