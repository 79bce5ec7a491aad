"""Grad-IFV on ground truth: a constructed network with a known answer, the shipped shapes models
(dead ReLU units, a smooth conv layer), and Algorithm 1 on planted subspaces."""

import warnings

import numpy as np
import pytest
import scipy.stats
import torch
from torch import nn

import fviz_widgets as fv
from fviz_widgets import ifv
from fviz_widgets.core import Preprocess, attach_preprocess, capture
from fviz_widgets.core.linalg import orthonormal_basis, principal_angles
from fviz_widgets.core.metrics import angular_distance, hoyer_sparseness
from fviz_widgets.datasets import make_shapes
from fviz_widgets.ifv import FeatureSpec as Spec


class Bumps(nn.Module):
    """m Gaussian bump units on ℝᵈ: ρ_k(x) = exp(−‖x − c_k‖² / 2σ²). Smooth, and with m = d + 1
    an FV optimum is an interior critical point whose left null space is one-dimensional."""

    def __init__(self, centers: np.ndarray, sigma: float = 1.0):
        super().__init__()
        self.register_buffer("centers", torch.as_tensor(centers, dtype=torch.float32))
        self.sigma = sigma
        self.features = nn.Identity()

    def forward(self, x):
        z = x.flatten(1)
        d2 = ((z[:, None, :] - self.centers[None]) ** 2).sum(-1)
        return self.features(torch.exp(-d2 / (2 * self.sigma**2)))


D = 3


@pytest.fixture(scope="module")
def bumps():
    centers = np.random.default_rng(0).normal(size=(D + 1, D))
    return attach_preprocess(Bumps(centers).eval(), Preprocess(color_channels=1, input_size=(1, D)))


def bump_realizations(model, thetas, beta):
    param = fv.param.pixel((len(thetas), 1, 1, D), squash=None, sd=0.1, seed=0)
    ifv.realize(model, "features", thetas, Spec(beta=beta), param=param, steps=300, lbfgs_steps=100, lr=0.05)
    return param


# --- aggregation and the objective ---------------------------------------------------------------
def test_aggregations_on_a_known_map():
    a = torch.arange(32.0).view(1, 2, 4, 4)
    # 2×2 max-pool with stride 2 keeps 5, 7, 13, 15 (mean 10) in channel 0
    np.testing.assert_allclose(Spec(aggregation="maxpool_mean", kernel=2, stride=2).response(a), [[10.0, 26.0]])
    np.testing.assert_allclose(Spec(aggregation="maxpool_mean", kernel=3, stride=1).response(a), [[12.5, 28.5]])
    np.testing.assert_allclose(Spec(aggregation="mean").response(a), [[7.5, 23.5]])
    np.testing.assert_allclose(Spec(aggregation="center").response(a), [[10.0, 26.0]])
    np.testing.assert_allclose(Spec(aggregation="mean", channels=[1]).response(a), [[23.5]])
    logits = torch.tensor([[1.0, 2.0, 3.0]])
    np.testing.assert_allclose(Spec(aggregation="maxpool_mean").response(logits), logits)  # dense layers pass through
    np.testing.assert_allclose(Spec(aggregation="softmax", channels=range(2)).response(logits), logits.softmax(1)[:, :2])
    with pytest.raises(ValueError, match="aggregation"):
        Spec(aggregation="median")
    with pytest.raises(IndexError):
        Spec(aggregation="mean", channels=[5]).response(a)


def test_feature_response_reads_the_layer_through_preprocess():
    model = fv.zoo.shapes_cnn()
    x = torch.rand(2, 3, 32, 32)
    with capture(model, ["act3"]) as run:
        a = run(x)["act3"].detach()
    rho = ifv.feature_response(model, "act3", x, Spec(channels=range(8)))
    np.testing.assert_allclose(rho, Spec(channels=range(8)).response(a), rtol=1e-5, atol=1e-6)
    hwc = ifv.feature_response(model, "act3", x.permute(0, 2, 3, 1).numpy(), Spec(channels=range(8)))
    np.testing.assert_allclose(hwc, rho, rtol=1e-5, atol=1e-5)  # other memory layout, other rounding


def test_objective_is_dot_times_cosine_power_per_item():
    rho = torch.tensor([[3.0, 4.0], [1.0, 0.0]])
    theta = torch.tensor([[1.0, 0.0], [0.6, 0.8]])
    o = ifv.objective("l", theta, Spec(beta=2))
    cos = torch.tensor([0.6, 0.6])
    np.testing.assert_allclose(o({"l": rho}), (torch.tensor([3.0, 0.6]) * cos**2), rtol=1e-6)
    np.testing.assert_allclose(ifv.objective("l", [2.0, 0.0], Spec(beta=0))({"l": rho}), [3.0, 1.0])
    assert "ifv_objective('l'" in repr(o) and "beta=2" in repr(o)
    with pytest.raises(ValueError, match="3 entries"):
        ifv.objective("l", [1.0, 0, 0])({"l": rho})


# --- the gradient factorization and the Jacobian -------------------------------------------------
@pytest.mark.parametrize("beta", [0.0, 2.0, 1.5])
def test_gradient_factorizes_as_s_times_M_transpose_theta(beta):
    model = fv.zoo.shapes_cnn("softplus")
    param = ifv.make_param("scaled_fft", (1, 3, 32, 32), seed=2)
    theta = ifv.sample_objectives(1, 12, seed=3)[0]
    o = ifv.objective("conv3", theta, Spec(beta=beta, channels=range(12)))
    with capture(model, ["conv3"]) as run:
        value = o(run(param()))
    (grad,) = torch.autograd.grad(value.sum(), [param.spectrum])
    rho, J = ifv.jacobian(model, "conv3", param, Spec(channels=range(12)))
    r, J = rho[0].double(), J[0].double()
    rhat = r / r.norm()
    t = torch.tensor(theta)
    s = float((rhat @ t).abs() ** beta)
    M = ((beta + 1) * torch.eye(12, dtype=torch.float64) - beta * torch.outer(rhat, rhat)) @ J
    np.testing.assert_allclose((s * M.T @ t).numpy(), grad.double().flatten().numpy(), rtol=1e-4, atol=1e-7)


@pytest.mark.parametrize("kind", ["pixel", "scaled_fft"])
def test_batched_jacobian_equals_a_loop_of_vjps_without_loop_fallbacks(kind):
    model = fv.zoo.shapes_cnn()
    param = ifv.make_param(kind, (3, 3, 32, 32), seed=1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rho, batched = ifv.jacobian(model, "act3", param, Spec(channels=range(10)))
        _, vmapped = ifv.jacobian(model, "act3", param, Spec(channels=range(10)), method="vmap", chunk_size=4)
    assert not [w for w in caught if "batching rule" in str(w.message) or "performance drop" in str(w.message)]
    _, looped = ifv.jacobian(model, "act3", param, Spec(channels=range(10)), method="loop")
    assert batched.shape == (3, 10, param.spectrum[0].numel() if kind != "pixel" else 3 * 32 * 32)
    torch.testing.assert_close(batched, looped, rtol=1e-5, atol=1e-7)
    torch.testing.assert_close(vmapped, looped, rtol=1e-5, atol=1e-7)
    # every item's rows are its own: a loop over single-image parameterizations agrees
    for i in range(3):
        single = ifv.make_param(kind, (1, 3, 32, 32))
        with torch.no_grad():
            for p, q in zip(single.parameters(), param.parameters()):
                p.copy_(q[i : i + 1])
        _, J = ifv.jacobian(model, "act3", single, Spec(channels=range(10)), method="loop")
        torch.testing.assert_close(J[0], batched[i], rtol=1e-5, atol=1e-7)


# --- ground truth: the constructed network --------------------------------------------------------
@pytest.mark.parametrize("beta", [0.0, 2.0])
def test_prediction_recovers_the_target_on_the_constructed_network(bumps, beta):
    thetas = ifv.sample_objectives(6, D + 1, seed=1)
    param = bump_realizations(bumps, thetas, beta)
    results = ifv.predict_objectives(bumps, "features", param, Spec(beta=beta), target=thetas)
    predicted = np.array([r.angles["predicted"] for r in results])
    response = np.array([r.angles["response"] for r in results])
    assert predicted.max() < 1.0, predicted
    assert np.median(response) > 10 * max(np.median(predicted), 0.1)
    for r in results:
        assert r.theta @ r.response > 0  # the sign convention
        assert r.singular_values.shape == (D + 1,) and r.singular_values[0] == 0  # m > d: padded null value
        assert r.coefficients()[0] ** 2 > 0.999
        assert r.gradient_norm(r.target) < 1e-3 * r.singular_values[-1]
    np.testing.assert_allclose(ifv.mean_squared_coefficients(results).sum(), 1.0)
    assert "∠(θ̂,θ₀)" in repr(results[0])


def test_prediction_accepts_images_and_a_critical_space(bumps):
    thetas = ifv.sample_objectives(2, D + 1, seed=4)
    param = bump_realizations(bumps, thetas, 2.0)
    exact = ifv.predict_objective(bumps, "features", param, Spec(beta=2), index=1, target=thetas[1])
    images = param().detach()
    from_images = ifv.predict_objective(bumps, "features", images[1:], Spec(beta=2),
                                        param=fv.param.pixel((1, 1, 1, D), squash=None, init=images[1:]))
    assert angular_distance(from_images.theta, exact.theta) < 1e-3
    plane = np.eye(D + 1)[:, :2]
    restricted = exact.with_critical_space(plane)
    assert np.abs(restricted.theta[2:]).max() < 1e-12
    assert restricted.critical_singular_values.shape == (2,)
    with pytest.raises(ValueError, match="index"):
        ifv.predict_objective(bumps, "features", param, Spec(beta=2))
    assert exact._repr_png_().startswith(b"\x89PNG")


# --- dead units and critical spaces on the shapes model -------------------------------------------
@pytest.fixture(scope="module")
def act4_results():
    model = fv.zoo.shapes_cnn()
    images, _ = make_shapes(300, size=32, seed=3)
    rho = ifv.feature_response(model, "act4", images, Spec(aggregation="maxpool_mean"))
    dead = np.flatnonzero((rho == 0).all(0).numpy())
    thetas = ifv.sample_objectives(8, 64, seed=0)
    result = ifv.realize(model, "act4", thetas, Spec(beta=2), param="pixel", size=32, steps=150, lbfgs_steps=30)
    kept = ifv.predict_objectives(model, "act4", result, Spec(beta=2), target=thetas, exclude_inactive=False)
    return model, result, thetas, dead, kept


def test_dead_units_win_the_svd_until_the_critical_space_factors_them_out(act4_results):
    model, result, thetas, dead, kept = act4_results
    assert len(dead) >= 5, "the shipped ReLU model has channels of act4 that never fire on data"
    mass_on_dead = np.array([np.sum(r.theta[dead] ** 2) for r in kept])
    assert np.mean(mass_on_dead > 0.5) >= 0.5, mass_on_dead  # trivial solutions win without a critical space

    spaces = ifv.scan_thresholds(kept, angle_limit=30)
    dims = [s.dim for s in spaces]
    assert dims[0] == 64 and dims == sorted(set(dims), reverse=True)
    # the dimension that holds over the widest range of thresholds excludes the dead units
    plateau = max(spaces[1:], key=lambda s: np.log(s.threshold_range[1] / s.threshold_range[0]))
    assert set(dead) <= set(plateau.trivial_channels())
    assert all(f"e{k}" in plateau.describe() for k in dead)
    in_c = [r.with_critical_space(plateau) for r in kept]
    assert max(np.sum(r.theta[dead] ** 2) for r in in_c) < 1e-20
    assert np.allclose(plateau.basis[dead], 0, atol=1e-10)
    assert "CriticalSpace(dim" in repr(plateau)

    # excluding each realization's inactive features (the default) also keeps dead units out
    default = ifv.predict_objectives(model, "act4", result, Spec(beta=2), target=thetas)
    assert all(set(dead) <= set(r.inactive) for r in default)
    assert max(np.sum(r.theta[dead] ** 2) for r in default) < 1e-20


def test_critical_space_recovers_a_planted_common_subspace():
    rng = np.random.default_rng(7)
    m, k = 20, 3
    planted = orthonormal_basis(rng.standard_normal((m, k)))
    spectra = []
    for _ in range(12):
        extra = rng.standard_normal((m, 2))
        noise = 2e-3 * rng.standard_normal((m, k))  # ≈0.1° wobble of the shared part
        small = orthonormal_basis(np.hstack([planted + noise, extra]))
        rest = np.linalg.svd(small, full_matrices=True)[0][:, small.shape[1]:]
        U = np.hstack([small, rest])
        S = np.concatenate([np.full(small.shape[1], 1e-5), rng.uniform(0.5, 2.0, m - small.shape[1])])
        spectra.append((U, S))
    for order in ("sequential", "tree", "random", list(range(12))[::-1]):
        space = ifv.critical_space(spectra, threshold=1e-3, angle_limit=20, order=order)
        assert space.dim == m - k and space.trivial.shape == (m, k)
        assert principal_angles(space.trivial, planted).degrees.max() < 1.0
        np.testing.assert_allclose(space.basis.T @ planted, 0, atol=2e-2)
    # matrices M work as input too: U S Vᵀ with random V
    matrices = [U @ np.diag(S) @ np.linalg.qr(rng.standard_normal((40, m)))[0].T for U, S in spectra]
    space = ifv.critical_space(matrices, threshold=1e-3, angle_limit=20)
    assert principal_angles(space.trivial, planted).degrees.max() < 1.0
    # nothing below the threshold: the critical space is everything
    assert ifv.critical_space(spectra, threshold=1e-6).dim == m


def test_slerp_merge_weights_follow_the_merge_counts():
    """Four lines in a plane at 0°, 0°, 0° and 40°: merging with weights equal to the number of
    samples already merged into each side lands on their mean, 10°, in any order (SLERP within a
    plane is linear in the angle); equal weights in sequence would give 20°."""
    m = 5
    plane = np.eye(m)[:, :2]

    def line(deg):
        t = np.radians(deg)
        return plane @ np.array([[np.cos(t)], [np.sin(t)]])

    spectra = []
    for deg in (0.0, 0.0, 0.0, 40.0):
        u = line(deg)
        rest = np.linalg.svd(u, full_matrices=True)[0][:, 1:]
        spectra.append((np.hstack([u, rest]), np.array([1e-6] + [1.0] * (m - 1))))
    for order in ("sequential", "tree", [3, 0, 1, 2], [0, 3, 1, 2]):
        space = ifv.critical_space(spectra, threshold=1e-3, angle_limit=60, order=order)
        assert space.trivial.shape == (m, 1)
        np.testing.assert_allclose(principal_angles(space.trivial, line(10.0)).degrees, [0.0], atol=1e-6)
    # beyond the angle limit the pair is dropped: the merged trivial space is empty
    assert ifv.critical_space(spectra, threshold=1e-3, angle_limit=30).dim == m


def test_threshold_scan_lists_every_planted_level():
    rng = np.random.default_rng(2)
    m = 8
    q = np.linalg.qr(rng.standard_normal((m, m)))[0]
    spectra = []
    for _ in range(5):
        rest = np.linalg.qr(np.hstack([q[:, :3], rng.standard_normal((m, m - 3))]))[0][:, 3:]
        U = np.hstack([q[:, :3], rest])
        S = np.concatenate([[1e-8, 1e-8, 1e-4], rng.uniform(1.0, 2.0, m - 3)])
        spectra.append((U, S))
    spaces = ifv.scan_thresholds(spectra, angle_limit=10)
    dims = [s.dim for s in spaces]
    assert dims[:3] == [8, 6, 5], dims
    six = spaces[1]
    assert principal_angles(six.trivial, q[:, :2]).degrees.max() < 1e-6
    lo, hi = six.threshold_range
    assert 1e-8 < lo <= hi <= 1e-4 * 1.01


# --- the simple case on a conv layer -----------------------------------------------------------------
@pytest.fixture(scope="module")
def conv3_case():
    model = fv.zoo.shapes_cnn("softplus")
    thetas = ifv.sample_objectives(8, 16, seed=0)
    result = ifv.realize(model, "conv3", thetas, Spec(beta=2, channels=range(16)), param="pixel", size=32,
                         steps=300, lbfgs_steps=100)
    results = ifv.predict_objectives(model, "conv3", result, Spec(beta=2, channels=range(16)), target=thetas)
    return model, thetas, result, results


def test_conv_layer_predictions_beat_the_feature_response(conv3_case):
    _, thetas, _, results = conv3_case
    predicted = np.median([r.angles["predicted"] for r in results])
    response = np.median([r.angles["response"] for r in results])
    random = np.median(angular_distance(ifv.sample_objectives(8, 16, seed=99), thetas))
    print(f"conv3 (softplus, β=2, maxpool_mean, m=16): median predicted {predicted:.2f}°, "
          f"response {response:.2f}°, random {random:.2f}°")
    assert predicted < 10.0 and predicted < response / 4, (predicted, response)
    assert response < random


def test_stability_check_keeps_realizations_stable_for_their_target(conv3_case):
    model, thetas, result, results = conv3_case
    predicted = np.stack([r.theta for r in results])
    scores = ifv.stability_check(model, "conv3", result.param, {"predicted": predicted, "target": thetas},
                                 Spec(beta=2, channels=range(16)), steps=20)
    assert set(scores) == {"predicted", "target"}
    for values in scores.values():
        assert values.shape == (8,) and np.all(values <= 1.0)
    assert np.median(scores["target"]) > 0.9 and np.median(scores["predicted"]) > 0.9
    before = result.param().detach().clone()
    ifv.reoptimize(model, "conv3", result.param, thetas, Spec(beta=2, channels=range(16)), steps=2)
    assert torch.equal(before, result.param().detach())  # the realization itself is untouched


# --- sampling ----------------------------------------------------------------------------------------
def test_sampled_objectives_have_uniform_hoyer_sparseness():
    thetas = ifv.sample_objectives(400, 32, seed=0)
    assert thetas.shape == (400, 32) and np.all(thetas >= 0)
    np.testing.assert_allclose(np.linalg.norm(thetas, axis=1), 1.0)
    sparseness = hoyer_sparseness(thetas)
    assert scipy.stats.kstest(sparseness, "uniform").pvalue > 0.01
    np.testing.assert_array_equal(thetas, ifv.sample_objectives(400, 32, seed=0))
    np.testing.assert_allclose(hoyer_sparseness(ifv.sample_objectives(5, 10, sparseness=0.3, seed=1)), 0.3, atol=1e-6)
    signed = ifv.sample_objectives(50, 10, nonnegative=False, seed=1)
    assert (signed < 0).any()
    assert ifv.sample_objectives(3, 1).tolist() == [[1.0]] * 3


def test_jacobians_are_taken_without_tf32_and_the_flags_come_back(monkeypatch):
    flags = (torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32)
    seen = []
    response = ifv.FeatureSpec.response

    def spy(*args, **kwargs):
        seen.append((torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32))
        return response(*args, **kwargs)

    monkeypatch.setattr(ifv.FeatureSpec, "response", spy)
    torch.backends.cudnn.allow_tf32 = torch.backends.cuda.matmul.allow_tf32 = True
    try:
        param = ifv.make_param("pixel", (1, 3, 32, 32), seed=0)
        ifv.jacobian(fv.zoo.shapes_cnn(), "act3", param, Spec(channels=range(4)))
        assert seen and all(s == (False, False) for s in seen)
        assert (torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32) == (True, True)
    finally:
        torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32 = flags
