"""The procedural shapes dataset: determinism, API contracts and class ground truth."""

from __future__ import annotations

import re
import time

import numpy as np
import pytest
import torch

from fviz_widgets.datasets import CLASSES, ShapesDataset, make_shapes, shapes

PER_CLASS = 12


def images_of(name: str, n: int = PER_CLASS, size: int = 64, seed: int = 7) -> np.ndarray:
    """`n` images of one class as a float64 array [n, 3, H, W]."""
    images, labels = make_shapes(n, size=size, seed=seed, classes=[name])
    assert (labels == CLASSES.index(name)).all()
    return images.double().numpy()


def principal_channel(images: np.ndarray) -> np.ndarray:
    """Per image, the pixel colours projected on their principal axis: [n, H, W].

    Foreground and background may share their brightness, so plain gray can lose the pattern;
    the axis of largest colour variance is (up to noise) the foreground-background direction.
    """
    n, c, h, w = images.shape
    pixels = images.reshape(n, c, h * w)
    pixels = pixels - pixels.mean(axis=2, keepdims=True)
    _, vectors = np.linalg.eigh(pixels @ pixels.transpose(0, 2, 1))
    return np.einsum("nc,ncp->np", vectors[:, :, -1], pixels).reshape(n, h, w)


def sector_energy(images: np.ndarray, half_width: float) -> dict[float, np.ndarray]:
    """Per image, the fraction of spectral energy whose frequency direction lies within
    `half_width` degrees of 0, 45, 90 and 135 degrees.

    The direction of frequency (kx, ky) is atan2(ky, kx) in image coordinates (y down), so a
    pattern that varies only along x has its energy at 0 degrees and a function of x + y at 45.
    """
    n, _, h, w = images.shape
    gray = principal_channel(images)
    window = np.outer(np.hanning(h), np.hanning(w))  # suppresses leakage from the image border
    power = np.abs(np.fft.fft2(gray * window)) ** 2
    ky = np.fft.fftfreq(h)[:, None]
    kx = np.fft.fftfreq(w)[None, :]
    angle = np.degrees(np.arctan2(ky, kx)) % 180.0
    radius = np.hypot(kx, ky)
    usable = (radius > 1.5 / min(h, w)) & (radius < 0.45)  # skip the DC leakage and the corners
    total = (power * usable).sum(axis=(1, 2))
    result = {}
    for centre in (0.0, 45.0, 90.0, 135.0):
        offset = np.abs((angle - centre + 90.0) % 180.0 - 90.0)
        result[centre] = (power * (usable & (offset <= half_width))).sum(axis=(1, 2)) / total
    return result


def mean_abs_shift_difference(images: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """Per image, mean |I(y + dy, x + dx) - I(y, x)| over the overlap (dy, dx in {-1, 0, 1})."""
    h, w = images.shape[-2:]
    a = images[..., max(dy, 0) : h + min(dy, 0), max(dx, 0) : w + min(dx, 0)]
    b = images[..., max(-dy, 0) : h + min(-dy, 0), max(-dx, 0) : w + min(-dx, 0)]
    return np.abs(a - b).mean(axis=(1, 2, 3))


def test_classes_are_the_documented_tuple():
    assert CLASSES == (
        "vertical_stripes", "horizontal_stripes", "diagonal_up", "diagonal_down", "grid",
        "checkerboard", "dots", "rings", "disc", "noise",
    )
    assert shapes.CLASSES is CLASSES
    assert ShapesDataset(1).classes == CLASSES


def test_same_seed_gives_identical_tensors_and_other_seeds_differ():
    images_a, labels_a = make_shapes(30, size=32, seed=3)
    images_b, labels_b = make_shapes(30, size=32, seed=3)
    images_c, labels_c = make_shapes(30, size=32, seed=4)
    assert torch.equal(images_a, images_b) and torch.equal(labels_a, labels_b)
    assert torch.equal(labels_a, labels_c)  # labels depend on the index only
    assert all(not torch.equal(a, c) for a, c in zip(images_a, images_c))


def test_items_are_distinct_within_a_set():
    images, _ = make_shapes(20, size=32, seed=0)
    flat = images.flatten(1)
    assert torch.cdist(flat, flat).add(torch.eye(20) * 1e9).min() > 1.0


def test_dataset_items_equal_make_shapes_in_any_access_order():
    images, labels = make_shapes(25, size=(40, 48), seed=11, classes=["rings", "grid", "noise"])
    data = ShapesDataset(25, size=(40, 48), seed=11, classes=["rings", "grid", "noise"])
    assert len(data) == 25
    for i in [24, 3, 17, 0, 3, 9]:
        image, label = data[i]
        assert torch.equal(image, images[i])
        assert label == labels[i].item()
    assert torch.equal(data[-1][0], images[24])


def test_dataset_works_with_a_dataloader():
    data = ShapesDataset(12, size=32, seed=2)
    batches = list(torch.utils.data.DataLoader(data, batch_size=5))
    images, labels = make_shapes(12, size=32, seed=2)
    assert torch.equal(torch.cat([b[0] for b in batches]), images)
    assert torch.equal(torch.cat([b[1] for b in batches]), labels)


def test_values_dtypes_and_shapes():
    images, labels = make_shapes(40, seed=5)
    assert images.shape == (40, 3, 64, 64) and images.dtype == torch.float32
    assert labels.shape == (40,) and labels.dtype == torch.int64
    assert images.min() >= 0.0 and images.max() <= 1.0
    assert make_shapes(3, size=32)[0].shape == (3, 3, 32, 32)
    assert make_shapes(3, size=(24, 56))[0].shape == (3, 3, 24, 56)
    assert ShapesDataset(3, size=(24, 56))[2][0].shape == (3, 24, 56)
    empty_images, empty_labels = make_shapes(0, size=16)
    assert empty_images.shape == (0, 3, 16, 16) and empty_labels.shape == (0,)


def test_labels_are_balanced_and_index_the_full_class_tuple():
    _, labels = make_shapes(1000, size=16)
    assert torch.bincount(labels, minlength=10).tolist() == [100] * 10
    _, subset = make_shapes(10, size=16, classes=["disc", "grid"])
    assert sorted(subset.tolist()) == [4] * 5 + [8] * 5
    # the order in which the subset is named does not change the set
    assert torch.equal(make_shapes(6, size=16, classes=["grid", "disc"])[0], make_shapes(6, size=16, classes=["disc", "grid"])[0])


def test_unknown_class_suggests_the_closest_name():
    with pytest.raises(ValueError, match=r"'gird' \(did you mean 'grid'\?\).*valid classes: vertical_stripes"):
        make_shapes(4, classes=["gird"])
    with pytest.raises(ValueError, match="unknown shape class 'banana'; valid classes"):
        ShapesDataset(4, classes=["rings", "banana"])
    with pytest.raises(TypeError, match=r"\['grid'\]"):
        make_shapes(4, classes="grid")
    with pytest.raises(ValueError, match="at least one class"):
        make_shapes(4, classes=[])


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"n": -1}, "n must be non-negative"),
        ({"n": 2, "seed": -3}, "seed must be a non-negative integer"),
        ({"n": 2, "seed": 1.5}, "seed must be a non-negative integer"),
        ({"n": 2, "size": 4}, "at least 8 pixels per side; got 4"),
        ({"n": 2, "size": (32, 32, 3)}, "(H, W)"),
        ({"n": 2, "size": 64.0}, "(H, W)"),
    ],
)
def test_invalid_arguments_are_rejected(kwargs, message):
    n = kwargs.pop("n")
    with pytest.raises(ValueError, match=re.escape(message)):
        make_shapes(n, **kwargs)


def test_dataset_index_out_of_range():
    data = ShapesDataset(5, size=16)
    with pytest.raises(IndexError, match="out of range"):
        data[5]
    with pytest.raises(IndexError):
        data[-6]


@pytest.mark.parametrize(
    "name, invariant, perpendicular",
    [
        ("vertical_stripes", (1, 0), (0, 1)),  # constant down a column
        ("horizontal_stripes", (0, 1), (1, 0)),  # constant along a row
        ("diagonal_up", (-1, 1), (1, 1)),  # constant one pixel up and to the right: rises to the right
        ("diagonal_down", (1, 1), (-1, 1)),  # constant one pixel down and to the right
    ],
)
def test_oriented_classes_are_constant_along_their_lines(name, invariant, perpendicular):
    images = images_of(name)
    along = mean_abs_shift_difference(images, *invariant)
    across = mean_abs_shift_difference(images, *perpendicular)
    # along the lines only the pixel noise changes the value: E|u - v| <= 2/3 * 0.05 for uniform noise
    assert along.max() < 0.034
    assert (across > along + 0.01).all()


@pytest.mark.parametrize(
    "name, peak",
    [("vertical_stripes", 0.0), ("horizontal_stripes", 90.0), ("diagonal_up", 45.0), ("diagonal_down", 135.0)],
)
def test_oriented_classes_have_their_spectral_energy_in_one_direction(name, peak):
    energy = sector_energy(images_of(name), half_width=22.5)
    assert (energy[peak] > 0.95).all()
    for centre, fraction in energy.items():
        if centre != peak:
            assert (fraction < 0.02).all(), (centre, fraction)


def test_grid_has_its_energy_on_both_axes():
    energy = sector_energy(images_of("grid"), half_width=22.5)
    assert (energy[0.0] > 0.1).all() and (energy[90.0] > 0.1).all()
    assert (energy[0.0] + energy[90.0] > 0.8).all()
    assert (energy[45.0] < 0.1).all() and (energy[135.0] < 0.1).all()


def test_checkerboard_has_its_energy_on_both_diagonals():
    energy = sector_energy(images_of("checkerboard"), half_width=22.5)
    assert (energy[45.0] > 0.3).all() and (energy[135.0] > 0.3).all()
    assert (energy[0.0] < 0.15).all() and (energy[90.0] < 0.15).all()


def test_dot_lattice_has_energy_on_axes_and_diagonals():
    energy = sector_energy(images_of("dots"), half_width=22.5)
    assert all((fraction > 0.08).all() for fraction in energy.values())


@pytest.mark.parametrize("name", ["rings", "noise"])
def test_rings_and_noise_have_no_orientation(name):
    energy = sector_energy(images_of(name, n=30), half_width=22.5)  # four sectors cover all directions
    mean = {centre: fraction.mean() for centre, fraction in energy.items()}
    assert all(0.15 < value < 0.35 for value in mean.values()), mean


def test_disc_is_one_round_disc_inside_the_image():
    for image in images_of("disc", size=64):
        background = image[:, 0, 0]  # the disc never touches the image border
        inside = np.linalg.norm(image - background[:, None, None], axis=0) > 0.2
        area = inside.sum()
        radius = np.sqrt(area / np.pi)
        assert 0.15 * 64 - 1 <= radius <= 0.35 * 64 + 1
        ys, xs = np.nonzero(inside)
        cy, cx = ys.mean(), xs.mean()
        yy, xx = np.mgrid[:64, :64]
        distance = np.hypot(yy - cy, xx - cx)
        assert inside[distance < radius - 1.5].all()
        assert not inside[distance > radius + 1.5].any()


def radial_misfit(image: np.ndarray, cy: float, cx: float) -> float:
    """Mean |image - its average over the half-pixel-wide ring through each pixel| around (cy, cx)."""
    yy, xx = np.mgrid[: image.shape[0], : image.shape[1]]
    ring = np.rint(2.0 * np.hypot(yy - cy, xx - cx)).astype(int).ravel()
    profile = np.bincount(ring, image.ravel()) / np.maximum(np.bincount(ring), 1)
    return float(np.abs(image.ravel() - profile[ring]).mean())


def best_radial_fit(image: np.ndarray) -> tuple[float, float, float]:
    """(misfit, cy, cx) for the centre in the middle 60 % of the image that fits best."""
    h, w = image.shape
    coarse = [(cy, cx) for cy in np.arange(0.2 * h, 0.8 * h, 2.0) for cx in np.arange(0.2 * w, 0.8 * w, 2.0)]
    cy0, cx0 = min(coarse, key=lambda c: radial_misfit(image, *c))
    fine = [(cy0 + dy, cx0 + dx) for dy in np.arange(-2, 2.1, 0.5) for dx in np.arange(-2, 2.1, 0.5)]
    cy, cx = min(fine, key=lambda c: radial_misfit(image, *c))
    return radial_misfit(image, cy, cx), cy, cx


def test_rings_are_concentric_circles():
    for image in principal_channel(images_of("rings", n=6, seed=3)):
        best, cy, cx = best_radial_fit(image)
        # around the right centre a radial profile explains the image up to noise and binning ...
        assert best < 0.35 * np.abs(image - image.mean()).mean()
        # ... and around any point a few pixels away it does not
        assert radial_misfit(image, cy + 4, cx - 4) > 2.5 * best


@pytest.mark.parametrize("name", ["vertical_stripes", "diagonal_up", "checkerboard", "noise"])
def test_non_radial_classes_fail_the_radial_fit(name):  # so the rings test above has teeth
    for image in principal_channel(images_of(name, n=3)):
        assert best_radial_fit(image)[0] > 0.6 * np.abs(image - image.mean()).mean()


def test_generation_is_vectorised():
    start = time.perf_counter()
    make_shapes(2000)
    assert time.perf_counter() - start < 10.0  # about 0.5 s; a per-pixel Python loop takes minutes
