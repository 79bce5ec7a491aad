"""The invariance engine against ground truth: closed-form quadratic forms, √(xᵀQx), the shipped
shapes models (ReLU and softplus), geodesic walks checked by a dense scan, saved animations."""

import copy
import math
import sys
import warnings

import numpy as np
import pytest
import torch
from torch import nn

import fviz_widgets as fv
from fviz_widgets.core.smooth import LogSumExpPool2d, piecewise_linear_modules, smooth
from fviz_widgets.datasets import CLASSES
from fviz_widgets.invariance import (
    HermitianEmbedding,
    InvarianceOptions,
    InvarianceResult,
    QuadraticForm,
    Walk,
    invariance,
    unit_invariance,
)

VERTICAL = CLASSES.index("vertical_stripes")


# --- helpers ------------------------------------------------------------------------------------
def assert_directions_in_eigenspaces(directions, curvatures, exact, atol=1e-7):
    """Each engine direction lies in the closed form's eigenspace of its κ (sign and, inside a
    degenerate eigenspace, the basis are free), and the directions are orthonormal."""
    scale = max(1.0, np.abs(exact.curvatures).max())
    for w, kappa in zip(directions, curvatures):
        space = exact.directions[np.abs(exact.curvatures - kappa) <= 1e-6 * scale]
        assert len(space) >= 1, f"κ = {kappa} is not a closed-form curvature"
        outside = w - space.T @ (space @ w)
        assert np.linalg.norm(outside) < atol, (kappa, np.linalg.norm(outside))
    gram = directions @ directions.T
    assert np.allclose(gram, np.eye(len(directions)), atol=1e-8)


def compare_with_closed_form(q, result, exact, linear):
    r = exact.radius
    sign = 1.0 if linear else np.sign(result.x_plus @ exact.x_plus)  # f = 0: ±x⁺ are both optimal
    assert np.linalg.norm(result.x_plus) == pytest.approx(r, rel=1e-12)
    assert np.abs(result.x_plus - sign * exact.x_plus).max() < 1e-8 * r
    assert result.g_plus == pytest.approx(exact.g_plus, rel=1e-10, abs=1e-12)
    assert result.shift == pytest.approx(exact.shift, rel=1e-9, abs=1e-12)
    k = result.k
    scale = np.abs(exact.curvatures).max()
    assert np.allclose(result.least_invariant_curvatures, exact.curvatures[:k], rtol=0, atol=1e-8 * scale)
    assert np.allclose(result.most_invariant_curvatures, exact.curvatures[::-1][:k], rtol=0, atol=1e-8 * scale)
    assert np.all(np.diff(result.curvatures) >= 0), "curvatures must be ascending"
    assert np.abs(result.directions @ result.x_plus).max() < 1e-8 * r, "directions must be tangent"
    assert_directions_in_eigenspaces(result.directions, result.curvatures, exact)


def scan_bounds(g, x_plus, w, r, threshold, points=200_001):
    """a, b from a dense scan of g(φ(t)) on [−π/2, π/2], and the grid step."""
    t = np.linspace(-math.pi / 2, math.pi / 2, points)
    phi = np.cos(t)[:, None] * x_plus + np.sin(t)[:, None] * r * w
    values = g(torch.as_tensor(phi)).numpy()
    below = values < threshold
    left, right = below & (t <= 0), below & (t > 0)
    a = t[left].max() if left.any() else -math.pi / 2
    b = t[right].min() if right.any() else math.pi / 2
    return a, b, t[1] - t[0]


def no_hooks(model):
    return all(not m._forward_hooks and not m._forward_pre_hooks and not m._backward_hooks for m in model.modules())


# --- quadratic forms ----------------------------------------------------------------------------------
CASES = {
    "n12-f0": (12, 1.0, False, 10.0),
    "n40-f": (40, 2.5, True, 10.0),
    "n60-f-cond1e3": (60, 1.3, True, 1e3),
    "n80-f-cond1e6": (80, 0.7, True, 1e6),
    "n150-f0-cond1e4": (150, 3.0, False, 1e4),
}


@pytest.mark.parametrize("case", CASES)
def test_lanczos_engine_matches_the_closed_form(case):
    n, r, linear, condition = CASES[case]
    q = QuadraticForm.random(n, seed=n, condition=condition, linear=linear)
    result = unit_invariance(q, radius=r, k=3, progress=False)
    assert result.spectrum == "lanczos" and result.method == "sphere" and result.convergence.converged
    compare_with_closed_form(q, result, q.closed_form(r), linear)


def test_dense_hessian_matches_the_closed_form():
    q = QuadraticForm.random(30, seed=5, condition=100.0)
    result = unit_invariance(q, radius=1.5, k=4, options=InvarianceOptions(dense=True), progress=False)
    assert result.spectrum == "dense"
    compare_with_closed_form(q, result, q.closed_form(1.5), True)


def test_degenerate_eigenspaces_are_compared_as_subspaces():
    rng = np.random.default_rng(0)
    basis, _ = np.linalg.qr(rng.standard_normal((20, 20)))
    mu = np.array([5.0, 3.0, 3.0, 3.0] + list(np.linspace(2.5, -1.0, 14)) + [-2.0, -2.0])
    q = QuadraticForm((basis * mu) @ basis.T)
    result = unit_invariance(q, radius=2.0, k=2, progress=False)
    exact = q.closed_form(2.0)
    # the two most invariant directions lie in the triple eigenspace (κ = 3 − 5), the two least in the double one
    assert np.allclose(result.most_invariant_curvatures, [-2.0, -2.0], atol=1e-9)
    assert np.allclose(result.least_invariant_curvatures, [-7.0, -7.0], atol=1e-9)
    compare_with_closed_form(q, result, exact, False)


def test_closed_form_is_the_global_maximum():
    for seed, linear in [(1, True), (2, False), (3, True)]:
        q = QuadraticForm.random(25, seed=seed, condition=1e3, linear=linear)
        exact = q.closed_form(1.7)
        H, f, x = q.H.numpy(), q.f.numpy(), exact.x_plus
        # global optimality on the sphere: Hx + f = λx, ‖x‖ = r and λI − H ⪰ 0
        assert np.allclose(H @ x + f, exact.shift * x, atol=1e-9)
        assert np.linalg.norm(x) == pytest.approx(1.7)
        assert exact.shift >= np.linalg.eigvalsh(H).max() - 1e-12
        assert np.allclose(exact.curvatures, exact.raw_eigenvalues - exact.shift)
        assert np.all(exact.curvatures <= 1e-12)


def test_closed_form_hard_case():
    # f orthogonal to the top eigenvector and short: λ = μ_max, x⁺ has a top-eigenvector part
    q = QuadraticForm(np.diag([2.0, 1.0, 0.5]), f=[0.0, 0.1, 0.0])
    exact = q.closed_form(1.0)
    assert exact.shift == pytest.approx(2.0)
    assert exact.x_plus[1] == pytest.approx(0.1)  # (λ − μ)⁻¹ f = 0.1 / (2 − 1)
    assert np.linalg.norm(exact.x_plus) == pytest.approx(1.0)
    result = unit_invariance(q, radius=1.0, k=1, progress=False)
    # the start, along ∇g(0) = f, is a critical point (a saddle): positive curvature shows it, the
    # engine steps off along that direction and climbs to the maximum
    assert "escape" in result.convergence.phases
    assert result.g_plus == pytest.approx(exact.g_plus, rel=1e-10)
    assert np.all(result.curvatures <= 1e-10)


def test_sqrt_quadratic_raw_eigenvalues_positive_yet_curvatures_negative():
    rng = np.random.default_rng(4)
    n, r = 30, 1.5
    basis, _ = np.linalg.qr(rng.standard_normal((n, n)))
    mu = np.geomspace(4.0, 0.5, n)
    Q = torch.as_tensor((basis * mu) @ basis.T)

    def unit(x):
        return ((x @ Q) * x).sum(-1).sqrt()

    result = unit_invariance(unit, n=n, radius=r, k=3, progress=False)
    assert np.all(result.raw_eigenvalues > 0)  # what the seed's algorithm ranks: all positive
    assert np.all(result.curvatures <= 1e-10)  # the curvatures of a maximum
    assert abs(result.x_plus @ basis[:, 0]) / r == pytest.approx(1.0, abs=1e-10)  # Q's top eigenvector
    g = r * math.sqrt(mu[0])
    assert np.allclose(result.least_invariant_curvatures, (mu[::-1][:3] - mu[0]) / g, atol=1e-9)
    assert np.allclose(result.most_invariant_curvatures, (mu[1:4] - mu[0]) / g, atol=1e-9)
    assert np.allclose(result.raw_eigenvalues, result.curvatures + result.shift)

    ball = unit_invariance(unit, n=n, radius=r, k=3, options=InvarianceOptions(method="ball"), progress=False)  # convex: boundary optimum
    assert ball.method == "ball"
    assert abs(ball.x_plus @ result.x_plus) / r**2 == pytest.approx(1.0, abs=1e-10)


def test_ball_with_an_interior_maximum_falls_back_to_the_sphere():
    centre = torch.tensor([0.3, -0.2, 0.1, 0.0], dtype=torch.float64)

    def bump(x):
        return 5.0 - ((x - centre) ** 2).sum(-1)

    with pytest.warns(UserWarning, match="inside"):
        result = unit_invariance(bump, n=4, radius=1.0, k=1, options=InvarianceOptions(method="ball"), progress=False)
    assert result.method == "sphere"
    assert np.allclose(result.x_plus, centre.numpy() / centre.norm().item(), atol=1e-8)


# --- walks -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("which", ["most", "least", "most:1", "custom"])
def test_walk_bounds_match_a_dense_scan(which):
    q = QuadraticForm.random(24, seed=7, condition=20.0)
    r = 1.3
    result = unit_invariance(q, radius=r, k=2, progress=False)
    direction = np.random.default_rng(1).standard_normal(24) if which == "custom" else which
    walk = result.walk(direction, c=0.7, frames=21)
    a, b, step = scan_bounds(q, result.x_plus, walk.direction, r, 0.7 * result.g_plus)
    assert walk.a == pytest.approx(a, abs=2 * step) and walk.b == pytest.approx(b, abs=2 * step)
    assert -math.pi / 2 <= walk.a < 0 < walk.b <= math.pi / 2
    assert np.allclose(walk.t, np.linspace(walk.a, walk.b, 21))
    phi = np.cos(walk.t)[:, None] * result.x_plus + np.sin(walk.t)[:, None] * r * walk.direction
    assert np.allclose(walk.points, phi)
    assert np.allclose(walk.values, q(torch.as_tensor(phi)).numpy())
    assert np.all(walk.values >= walk.threshold - 1e-9)
    assert walk.images.shape == (21, 1, 24, 1) and walk.images.dtype == np.float32
    assert (walk.curvature is None) == (which == "custom")
    assert np.linalg.norm(walk.direction) == pytest.approx(1.0)


def test_walk_along_an_exact_invariance_spans_the_half_circle():
    # a double top eigenvalue and f = 0: g is constant on a great circle through x⁺
    q = QuadraticForm(np.diag([2.0, 2.0, 1.0, 0.5, -1.0]))
    result = unit_invariance(q, radius=1.0, k=1, progress=False)
    assert result.most_invariant_curvatures[0] == pytest.approx(0.0, abs=1e-10)
    walk = result.walk("most", frames=5)
    assert (walk.a, walk.b) == (-math.pi / 2, math.pi / 2)
    assert np.allclose(walk.values, result.g_plus)
    least = result.walk("least")
    a, b, step = scan_bounds(q, result.x_plus, least.direction, 1.0, 0.7 * result.g_plus)
    assert least.a == pytest.approx(a, abs=2 * step) and least.b == pytest.approx(b, abs=2 * step)


def test_walk_saves_a_gif_that_reads_back(tmp_path):
    imageio = pytest.importorskip("imageio.v3")
    q = QuadraticForm.random(36, seed=2)
    walk = unit_invariance(q, radius=1.0, k=1, progress=False).walk("least", frames=9)
    path = walk.save(tmp_path / "walk.gif", scale=3)
    frames = imageio.imread(path, index=None)
    assert frames.shape[:3] == (9, 18, 18)
    assert np.abs(frames[0].astype(int) - walk.frames(3)[0]).max() <= 8  # palette quantization


def test_mp4_without_imageio_ffmpeg_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "imageio_ffmpeg", None)  # import fails as if not installed
    walk = unit_invariance(QuadraticForm.random(9, seed=0), k=1, progress=False).walk(frames=4)
    with pytest.raises(ImportError, match=r"pip install 'fviz_widgets\[video\]'"):
        walk.save(tmp_path / "walk.mp4")
    with pytest.raises(ValueError, match="gif or .mp4"):
        walk.save(tmp_path / "walk.avi")


def test_results_display(tmp_path):
    q = QuadraticForm.random(16, seed=3)
    result = unit_invariance(q, radius=1.0, k=2, progress=False)
    assert isinstance(result, InvarianceResult)
    assert result._repr_png_().startswith(b"\x89PNG")
    assert "InvarianceResult(QuadraticForm(n=16" in repr(result) and "κ most invariant" in repr(result)
    walk = result.walk("most:1", frames=6)
    assert isinstance(walk, Walk) and walk._repr_png_().startswith(b"\x89PNG")
    assert "most invariant #1" in repr(walk)
    assert [w.label for w in result.walks(frames=3)] == [
        "most invariant #0", "most invariant #1", "least invariant #0", "least invariant #1"]
    with pytest.raises(IndexError):
        result.walk("most:5")
    with pytest.raises(ValueError, match="parallel"):
        result.walk(result.x_plus)


# --- networks --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def relu_model():
    return fv.zoo.shapes_cnn("relu")


@pytest.fixture(scope="module")
def softplus64():
    return copy.deepcopy(fv.zoo.shapes_cnn("softplus")).double()


def test_relu_model_warns_and_smooth_gives_curvature(relu_model):
    model = relu_model
    model.train()
    model.conv2.weight.requires_grad_(False)
    before = copy.deepcopy(model.state_dict())
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            flat = invariance(model, fv.obj.class_logit(VERTICAL), size=32, k=2, steps=60, progress=False)
        messages = " | ".join(str(w.message) for w in caught)
        assert "piecewise linear before output (act1, pool1, act2" in messages
        assert "Hessian vanishes" in messages and "training mode" in messages
        assert np.abs(flat.raw_eigenvalues).max() == 0.0  # the Hessian of a ReLU net vanishes
        assert np.allclose(flat.curvatures, -flat.shift)

        model.eval()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = invariance(model, fv.obj.class_logit(VERTICAL), size=32, k=2, smooth=True, progress=False)
        assert not caught, [str(w.message) for w in caught]
        assert result.convergence.converged
        assert result.smooth == 10.0
        assert np.abs(result.raw_eigenvalues).min() > 1e-3 * abs(result.shift)  # nonzero curvature
        assert np.ptp(result.curvatures) > 0.1 * abs(result.shift)
        assert np.all(result.curvatures < 0)
        walk = result.walk("least", frames=4)
        assert walk.images.shape == (4, 32, 32, 3)

        # the user's model is exactly as it was
        assert not model.training
        model.train()
        with pytest.warns(UserWarning, match="training mode"), pytest.warns(UserWarning, match="raise steps"):
            invariance(model, fv.obj.class_logit(VERTICAL), size=32, k=1, smooth=True, steps=5, progress=False)
        assert model.training and all(m.training for m in model.modules())
        assert not model.conv2.weight.requires_grad and model.conv1.weight.requires_grad
        assert all(torch.equal(before[key], value) for key, value in model.state_dict().items())
        assert isinstance(model.act1, nn.ReLU) and isinstance(model.pool1, nn.MaxPool2d)
        assert no_hooks(model)
    finally:
        model.eval()
        model.conv2.weight.requires_grad_(True)


def test_smooth_copies_and_substitutes(relu_model):
    surrogate = smooth(relu_model, beta=50.0)
    assert surrogate is not relu_model
    assert isinstance(surrogate.act2, nn.Softplus) and isinstance(surrogate.pool2, LogSumExpPool2d)
    assert isinstance(relu_model.act2, nn.ReLU) and isinstance(relu_model.pool2, nn.MaxPool2d)
    assert piecewise_linear_modules(surrogate) == []
    assert piecewise_linear_modules(relu_model, ["conv2"]) == ["act1", "pool1"]
    assert piecewise_linear_modules(fv.zoo.shapes_cnn("softplus")) == []
    x = torch.rand(2, 3, 32, 32)
    with torch.no_grad():
        assert torch.allclose(surrogate(x), relu_model(x), atol=0.5, rtol=0.1)


@pytest.mark.parametrize(
    "kernel, stride, padding, ceil_mode", [(2, None, 0, False), (3, 2, 1, False), (3, 2, 0, True), (2, 1, 1, True)]
)
def test_logsumexp_pooling_bounds_max_pooling(kernel, stride, padding, ceil_mode):
    x = torch.randn(2, 3, 9, 10)
    pool = nn.MaxPool2d(kernel, stride, padding, ceil_mode=ceil_mode)
    soft = LogSumExpPool2d.like(pool, beta=20.0)
    hard, smooth_out = pool(x), soft(x)
    assert smooth_out.shape == hard.shape
    assert torch.all(smooth_out >= hard - 1e-6)
    assert torch.all(smooth_out <= hard + math.log(kernel * kernel) / 20.0 + 1e-6)


def test_softplus_curvatures_are_second_derivatives_along_geodesics(softplus64):
    model = softplus64
    for space in ("pixel", "param"):
        result = invariance(model, f"output:{VERTICAL}", space=space, size=32, k=2, progress=False)
        assert result.convergence.converged and result.space == space
        assert np.linalg.norm(result.x_plus) == pytest.approx(result.radius, rel=1e-12)
        assert np.all(result.curvatures < 0)
        assert 0 <= result.image.min() and result.image.max() <= 1
        r, h = result.radius, 1e-3
        for i in (0, len(result.curvatures) - 1):
            walk = result.walk(i, threshold=-np.inf, frames=2)  # only to get g along the direction
            t = np.array([-h, 0.0, h])
            phi = np.cos(t)[:, None] * result.x_plus + np.sin(t)[:, None] * r * walk.direction
            with result.unit.session() as g, torch.no_grad():
                values = g(torch.as_tensor(phi)).numpy()
            second = (values[0] - 2 * values[1] + values[2]) / h**2 / r**2
            assert second == pytest.approx(result.curvatures[i], rel=1e-3)
    assert no_hooks(model)


def test_lanczos_agrees_with_the_dense_hessian_on_the_network(softplus64):
    kwargs = dict(size=16, k=3, progress=False)
    lanczos = invariance(softplus64, f"output:{VERTICAL}", **kwargs)
    dense = invariance(softplus64, f"output:{VERTICAL}", options=InvarianceOptions(dense=True), **kwargs)
    assert np.allclose(lanczos.x_plus, dense.x_plus)
    assert np.allclose(lanczos.curvatures, dense.curvatures, rtol=1e-7, atol=1e-9)
    overlap = np.abs(np.sum(lanczos.directions * dense.directions, axis=1))
    assert np.all(overlap > 1 - 1e-6)


def test_shorthand_objective_and_no_grad_context():
    model = fv.zoo.shapes_cnn("softplus")
    with torch.no_grad():
        a = invariance(model, "conv3:5", size=32, k=1, progress=False)
    b = invariance(model, fv.obj.channel("conv3", 5), size=32, k=1, progress=False)
    assert a.objective == b.objective == "channel('conv3', 5)"
    assert np.array_equal(a.x_plus, b.x_plus)
    with pytest.raises(fv.LayerError):
        invariance(model, "nonexistent:1", size=32, progress=False)
    with pytest.raises(TypeError, match="objective"):
        invariance(model)
    with pytest.raises(ValueError, match="dense=True"):
        invariance(model, "conv3:5", options=InvarianceOptions(dense=True), progress=False)  # 3×64×64: too large to form
    assert no_hooks(model)


def test_param_space_embedding_is_an_isometry_onto_real_spectra():
    embed = HermitianEmbedding(2, 6, 5, torch.device("cpu"))
    n = embed.n
    assert n == 2 * 6 * 5
    rows = embed(torch.eye(n, dtype=torch.float64)).reshape(n, -1)
    assert torch.allclose(rows @ rows.T, torch.eye(n, dtype=torch.float64))
    x = torch.randn(3, n, dtype=torch.float64)
    spectrum = embed(x)
    image = torch.fft.irfft2(torch.view_as_complex(spectrum.contiguous()), s=(6, 5), norm="ortho")
    assert torch.allclose(torch.view_as_real(torch.fft.rfft2(image, norm="ortho")), spectrum)
    assert torch.allclose(embed.adjoint(spectrum), x)
