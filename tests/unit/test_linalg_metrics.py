"""Subspace math and metrics against closed forms and independent references."""

import numpy as np
import pytest
import scipy.linalg
import torch

from fviz_widgets.core.linalg import (
    orthogonal_complement,
    orthonormal_basis,
    principal_angles,
    slerp,
    slerp_subspaces,
    subspace_distance,
)
from fviz_widgets.core.metrics import angular_distance, cosine_similarity, hoyer_sparseness, ssim


def rotation_pair(angles_deg, m=9, seed=0):
    """Two k-dim subspaces of ℝᵐ whose principal angles are exactly `angles_deg`."""
    rng = np.random.default_rng(seed)
    k = len(angles_deg)
    q, _ = np.linalg.qr(rng.standard_normal((m, 2 * k)))
    a = q[:, :k]
    t = np.radians(angles_deg)
    b = a * np.cos(t) + q[:, k:] * np.sin(t)
    return a, b


# --- principal angles --------------------------------------------------------------------------
def test_principal_angles_recover_planted_angles_and_match_scipy():
    a, b = rotation_pair([3.0, 25.0, 60.0, 89.0])
    pa = principal_angles(a, b)
    np.testing.assert_allclose(pa.degrees, [3.0, 25.0, 60.0, 89.0], atol=1e-9)
    np.testing.assert_allclose(np.sort(np.degrees(scipy.linalg.subspace_angles(a, b))), pa.degrees, atol=1e-8)
    # principal vectors: orthonormal on each side, paired by the angles, otherwise orthogonal
    np.testing.assert_allclose(pa.u.T @ pa.u, np.eye(4), atol=1e-12)
    np.testing.assert_allclose(pa.u.T @ pa.v, np.diag(np.cos(pa.angles)), atol=1e-12)


def test_tiny_angles_stay_accurate_where_arccos_fails():
    a, b = rotation_pair([1e-6, 2e-6], seed=1)  # degrees
    pa = principal_angles(a, b)
    np.testing.assert_allclose(pa.degrees, [1e-6, 2e-6], rtol=1e-6)
    naive = np.degrees(np.arccos(np.clip(np.linalg.svd(a.T @ b, compute_uv=False), -1, 1)))
    assert np.abs(np.sort(naive) - [1e-6, 2e-6]).max() > 1e-7  # what a cosine-only method would give


def test_bases_accept_non_orthonormal_spanning_sets_and_torch():
    a, b = rotation_pair([10.0, 40.0])
    mixed = a @ np.array([[2.0, 1.0], [0.0, 3.0]])  # same span, not orthonormal
    np.testing.assert_allclose(principal_angles(torch.tensor(mixed), b).degrees, [10.0, 40.0], atol=1e-9)
    assert subspace_distance(mixed, a) < 1e-6
    assert subspace_distance(a[:, :1], a) == 90.0


def test_orthonormal_basis_and_complement():
    rng = np.random.default_rng(3)
    a = rng.standard_normal((6, 2)) @ rng.standard_normal((2, 4))  # rank 2
    q = orthonormal_basis(a)
    assert q.shape == (6, 2)
    c = orthogonal_complement(a)
    assert c.shape == (6, 4)
    np.testing.assert_allclose(c.T @ c, np.eye(4), atol=1e-12)
    np.testing.assert_allclose(c.T @ a, 0, atol=1e-10)
    np.testing.assert_allclose(orthogonal_complement(np.zeros((5, 0)), 5), np.eye(5))
    assert orthogonal_complement(np.eye(3)).shape == (3, 0)


# --- SLERP ----------------------------------------------------------------------------------------
def test_slerp_moves_at_constant_angular_speed():
    u, v = np.array([1.0, 0, 0]), np.array([0, np.cos(0.3), np.sin(0.3)])
    for t in (0.0, 0.25, 0.5, 0.9, 1.0):
        w = slerp(u, v, t)
        assert abs(np.linalg.norm(w) - 1) < 1e-12
        np.testing.assert_allclose(angular_distance(w, u), 90 * t, atol=1e-9)
        np.testing.assert_allclose(angular_distance(w, v), 90 * (1 - t), atol=1e-9)
    # nearly parallel: no division by sin(0)
    w = slerp(u, u + 1e-12, 0.5)
    assert np.all(np.isfinite(w)) and angular_distance(w, u) < 1e-6


def test_slerp_subspaces_interpolate_kept_pairs_and_drop_wide_ones():
    a, b = rotation_pair([20.0, 70.0], m=6, seed=4)
    merged, kept = slerp_subspaces(a, b, 0.25, angle_limit=45)
    np.testing.assert_allclose(kept, [20.0])
    assert merged.shape == (6, 1)
    # the merged vector sits a quarter of the way from a's principal vector to b's
    pa = principal_angles(a, b)
    np.testing.assert_allclose(angular_distance(merged[:, 0], pa.u[:, 0]), 5.0, atol=1e-9)
    np.testing.assert_allclose(angular_distance(merged[:, 0], pa.v[:, 0]), 15.0, atol=1e-9)
    both, _ = slerp_subspaces(a, b, 0.5, angle_limit=90)
    np.testing.assert_allclose(both.T @ both, np.eye(2), atol=1e-12)


# --- metrics ---------------------------------------------------------------------------------------
def test_hoyer_sparseness_extremes_scale_invariance_and_formula():
    assert hoyer_sparseness(np.eye(5)[2]) == pytest.approx(1.0)
    assert hoyer_sparseness(np.full(5, 3.0)) == pytest.approx(0.0)
    v = np.array([0.5, -2.0, 0.1, 0.0])
    expected = (2.0 - np.abs(v).sum() / np.sqrt((v**2).sum())) / (2.0 - 1.0)
    assert hoyer_sparseness(v) == pytest.approx(expected)
    assert hoyer_sparseness(7 * v) == pytest.approx(expected)
    np.testing.assert_allclose(hoyer_sparseness(np.stack([v, np.ones(4)])), [expected, 0.0])


def test_angular_distance_degrees_broadcasting_and_tiny_angles():
    assert angular_distance([1, 0], [0, 3]) == pytest.approx(90.0)
    assert angular_distance([1, 0], [-1, 0]) == pytest.approx(180.0)
    np.testing.assert_allclose(angular_distance(np.eye(3), [1, 1, 0]), [45, 45, 90], atol=1e-12)
    eps = 1e-9
    assert angular_distance([1, 0], [1, eps]) == pytest.approx(np.degrees(eps), rel=1e-6)
    assert cosine_similarity([1, 1], [2, 2]) == pytest.approx(1.0)


def reference_ssim(x, y, win=11, sigma=1.5, L=1.0):
    """Direct 2-D Gaussian-window SSIM over every valid window (no separable filtering)."""
    g = np.exp(-0.5 * ((np.arange(win) - win // 2) / sigma) ** 2)
    w = np.outer(g, g) / np.outer(g, g).sum()
    c1, c2 = (0.01 * L) ** 2, (0.03 * L) ** 2
    scores = []
    for ch in range(x.shape[-1]):
        px = np.lib.stride_tricks.sliding_window_view(x[..., ch], (win, win))
        py = np.lib.stride_tricks.sliding_window_view(y[..., ch], (win, win))
        mx, my = (px * w).sum((-1, -2)), (py * w).sum((-1, -2))
        vx = (px**2 * w).sum((-1, -2)) - mx**2
        vy = (py**2 * w).sum((-1, -2)) - my**2
        cxy = (px * py * w).sum((-1, -2)) - mx * my
        s = ((2 * mx * my + c1) * (2 * cxy + c2)) / ((mx**2 + my**2 + c1) * (vx + vy + c2))
        scores.append(s.mean())
    return float(np.mean(scores))


@pytest.fixture(scope="module")
def image_pair():
    rng = np.random.default_rng(5)
    x = rng.random((40, 36, 3))
    y = np.clip(x + 0.15 * rng.standard_normal(x.shape), 0, 1)
    return x, y


def test_ssim_matches_an_independent_reference(image_pair):
    x, y = image_pair
    assert ssim(x, y) == pytest.approx(reference_ssim(x, y), abs=1e-10)
    assert ssim(x, x) == pytest.approx(1.0)
    assert ssim(x, y) == pytest.approx(ssim(y, x))
    batch = ssim(np.stack([x, y]), np.stack([y, y]))
    np.testing.assert_allclose(batch, [ssim(x, y), 1.0])
    chw = ssim(torch.tensor(x).permute(2, 0, 1), torch.tensor(y).permute(2, 0, 1), channel_axis=0)
    assert chw == pytest.approx(ssim(x, y))
    nchw = ssim(torch.tensor(x).permute(2, 0, 1)[None], torch.tensor(y).permute(2, 0, 1)[None], channel_axis=1)
    np.testing.assert_allclose(nchw, [ssim(x, y)])


def test_ssim_matches_pytorch_msssim(image_pair):
    import pytorch_msssim as msssim  # the peer implementation (test extra)

    x, y = image_pair
    tx, ty = (torch.tensor(a).permute(2, 0, 1)[None] for a in (x, y))
    expected = float(msssim.ssim(tx, ty, data_range=1.0, size_average=True))
    assert ssim(x, y) == pytest.approx(expected, abs=1e-5)
