import math

import pytest
import torch

from fviz_widgets import transforms as T


def gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def stripes(n: int = 1, c: int = 1, size: int = 32, period: int = 4) -> torch.Tensor:
    """Vertical stripes: the value depends on the column only."""
    cols = torch.arange(size, dtype=torch.float32)
    row = 0.5 + 0.5 * torch.cos(2 * math.pi * cols / period)
    return row.expand(n, c, size, size).clone()


def high_freq_energy(x: torch.Tensor) -> float:
    spec = torch.fft.fft2(x - x.mean()).abs() ** 2
    f = torch.fft.fftfreq(x.shape[-1]).abs()
    mask = (f[:, None] > 0.25) | (f[None, :] > 0.25)
    return spec[..., mask].sum().item()


def short_id(t) -> str:
    return repr(t)[:40]


RANDOM = [
    T.jitter(6),
    T.random_scale([0.8, 0.9, 1.1, 1.2]),
    T.random_rotate([-20, -10, 10, 20]),
    T.noise(0.1),
    T.random_crop((0.5, 0.8)),
    T.standard(),
]
ALL = RANDOM + [T.pad(3), T.pad(3, mode="reflect"), T.pad(3, mode="replicate"), T.blur(1.5), T.resize((20, 24))]


@pytest.mark.parametrize(
    "t, expected",
    [
        (T.pad(5), (2, 4, 42, 42)),
        (T.jitter(8), (2, 4, 24, 24)),
        (T.random_scale([0.9, 1.1]), (2, 4, 32, 32)),
        (T.random_rotate([-5, 5]), (2, 4, 32, 32)),
        (T.blur(1.0), (2, 4, 32, 32)),
        (T.noise(0.1), (2, 4, 32, 32)),
        (T.resize(16), (2, 4, 16, 16)),
        (T.resize((20, 40)), (2, 4, 20, 40)),
        (T.compose(), (2, 4, 32, 32)),
    ],
)
def test_output_shapes_any_channel_count(t, expected):
    assert tuple(t(torch.rand(2, 4, 32, 32), gen()).shape) == expected


def test_standard_preset_size():
    # 64 + 2*12 (pad) - 8 (jitter) - 4 (jitter) = 76
    assert tuple(T.standard()(torch.rand(3, 3, 64, 64), gen()).shape) == (3, 3, 76, 76)


def test_standard_preset_values():
    t = T.standard()
    assert list(T.STANDARD_SCALES) == pytest.approx([0.9 + 0.02 * i for i in range(11)])
    assert sorted(set(T.STANDARD_DEGREES)) == list(range(-10, 11))
    assert T.STANDARD_DEGREES.count(0) == 6
    # scale and rotate are fused into one resampling
    assert [type(s).__name__ for s in t.transforms] == ["Pad", "Jitter", "RandomAffine", "Jitter"]


@pytest.mark.parametrize("t", RANDOM, ids=short_id)
def test_same_seed_same_result_different_seed_different_result(t):
    x = torch.rand(4, 3, 40, 40, generator=gen(9))
    a, b, c = t(x, gen(1)), t(x, gen(1)), t(x, gen(2))
    assert torch.equal(a, b)
    assert not torch.equal(a, c)


@pytest.mark.parametrize("t", [T.jitter(6), T.random_scale([0.8, 0.9, 1.1, 1.2]), T.random_rotate([-20, -10, 10, 20])], ids=short_id)
def test_batch_items_get_independent_randomness(t):
    x = torch.rand(1, 3, 40, 40, generator=gen(9)).expand(16, 3, 40, 40)
    out = t(x, gen(0))
    distinct = {tuple(o.flatten()[:200].tolist()) for o in out}
    assert len(distinct) > 1


def test_jitter_is_an_exact_crop_at_an_offset_within_d():
    d = 5
    x = torch.rand(8, 2, 20, 24, generator=gen(3))
    out = T.jitter(d)(x, gen(4))
    offsets = set()
    for n in range(8):
        matches = [
            (i, j)
            for i in range(d + 1)
            for j in range(d + 1)
            if torch.equal(out[n], x[n, :, i : i + 20 - d, j : j + 24 - d])
        ]
        assert len(matches) == 1
        offsets.add(matches[0])
    assert len(offsets) > 1


def test_rotate_90_matches_rot90_and_turns_vertical_stripes_horizontal():
    x = stripes(size=33)
    out = T.random_rotate([90])(x, gen())
    inner = (slice(None), slice(None), slice(2, -2), slice(2, -2))
    assert torch.allclose(out[inner], torch.rot90(x, 1, dims=(2, 3))[inner], atol=1e-5)
    # the input varies along columns only, the output along rows only
    assert x.diff(dim=2).abs().max() == 0
    assert out[inner].diff(dim=3).abs().max() < 1e-5
    assert out[inner].diff(dim=2).abs().max() > 0.5


def test_rotation_is_rigid_on_non_square_images():
    x = torch.rand(1, 1, 24, 40, generator=gen(5))
    out = T.random_rotate([180])(x, gen())
    assert torch.allclose(out, torch.rot90(x, 2, dims=(2, 3)), atol=1e-5)


def test_scale_one_and_rotate_zero_is_identity():
    x = torch.rand(3, 5, 17, 23, generator=gen(1))
    assert torch.allclose(T.random_scale([1.0])(x, gen()), x, atol=1e-5)
    assert torch.allclose(T.random_rotate([0.0])(x, gen()), x, atol=1e-5)
    assert torch.allclose(T.compose(T.random_scale([1.0]), T.random_rotate([0.0]))(x, gen()), x, atol=1e-5)


def test_scale_magnifies_content():
    # a centred bright square grows when scaled by 2
    x = torch.zeros(1, 1, 32, 32)
    x[..., 12:20, 12:20] = 1.0
    out = T.random_scale([2.0])(x, gen())
    assert out.sum().item() == pytest.approx(4 * x.sum().item(), rel=0.05)


def test_fused_affine_draws_the_same_values_as_separate_stages():
    # a smooth image, so that resampling once or twice agrees away from the borders
    x = T.blur(3.0)(torch.rand(6, 3, 48, 48, generator=gen(2)))
    scale, rotate = T.random_scale([0.8, 1.0, 1.25]), T.random_rotate([-30, 0, 30])
    fused = T.compose(scale, rotate)
    assert len(fused) == 1
    g = gen(7)
    sequential = rotate(scale(x, g), g)
    inner = (slice(None), slice(None), slice(12, -12), slice(12, -12))
    assert torch.allclose(fused(x, gen(7))[inner], sequential[inner], atol=0.02)
    assert not torch.allclose(fused(x, gen(8))[inner], sequential[inner], atol=0.02)


def test_blur_preserves_constant_mean_and_removes_high_frequencies():
    const = torch.full((2, 3, 16, 16), 0.37)
    assert torch.allclose(T.blur(2.0)(const), const, atol=1e-6)
    x = torch.rand(2, 3, 32, 32, generator=gen(0))
    out = T.blur(1.0)(x)
    assert out.mean().item() == pytest.approx(x.mean().item(), abs=1e-3)
    assert high_freq_energy(out) < 0.05 * high_freq_energy(x)


def test_noise_has_requested_std():
    out = T.noise(0.2)(torch.zeros(4, 3, 32, 32), gen(0))
    assert out.std().item() == pytest.approx(0.2, rel=0.05)
    assert torch.equal(T.noise(0.0)(torch.ones(1, 1, 4, 4)), torch.ones(1, 1, 4, 4))


def test_pad_modes():
    x = torch.rand(1, 1, 6, 6, generator=gen(0))
    const = T.pad(2, value=0.25)(x)
    assert torch.equal(const[..., 2:-2, 2:-2], x)
    assert (const[..., :2, :] == 0.25).all()
    refl = T.pad(2, mode="reflect")(x)
    assert torch.equal(refl[..., 2, 0], x[..., 0, 2])
    rep = T.pad(2, mode="replicate")(x)
    assert torch.equal(rep[..., 0, 0], x[..., 0, 0])


@pytest.mark.parametrize("t", ALL, ids=short_id)
def test_gradients_flow(t):
    x = torch.rand(2, 3, 40, 40, generator=gen(0), requires_grad=True)
    t(x, gen(1)).pow(2).sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0


def test_compose_applies_in_order_and_flattens():
    inner = T.compose(T.pad(2), T.jitter(1))
    t = T.compose(inner, T.resize(10))
    assert [type(s).__name__ for s in t.transforms] == ["Pad", "Jitter", "Resize"]
    assert tuple(t(torch.rand(1, 1, 8, 8), gen()).shape) == (1, 1, 10, 10)
    order = T.compose(T.resize(4), T.pad(1))
    assert tuple(order(torch.rand(1, 1, 8, 8)).shape) == (1, 1, 6, 6)


def test_reprs_read_like_constructor_calls():
    assert repr(T.pad(12)) == "pad(12, mode='constant', value=0.5)"
    assert repr(T.jitter(8)) == "jitter(8)"
    assert repr(T.random_scale([0.9, 1.1])) == "random_scale([0.9, 1.1])"
    assert repr(T.blur(1.5)) == "blur(1.5)"
    assert repr(T.compose(T.noise(0.1), T.resize(8))) == "compose(noise(0.1), resize((8, 8)))"


def test_get_resolves_specs():
    x = torch.rand(1, 3, 64, 64)
    assert tuple(T.get("standard")(x, gen()).shape) == (1, 3, 76, 76)
    for identity in (None, "none", [], ()):
        t = T.get(identity)
        assert isinstance(t, T.Compose) and len(t) == 0
        assert t(x, gen()) is x
    j = T.jitter(2)
    assert T.get(j) is j

    def custom(x, generator=None):
        return x * 2

    assert T.get(custom) is custom
    composed = T.get([T.pad(1), custom])
    assert torch.equal(composed(torch.ones(1, 1, 2, 2)), T.pad(1)(torch.ones(1, 1, 2, 2)) * 2)


def test_get_errors():
    with pytest.raises(ValueError, match="valid names are.*standard"):
        T.get("fancy")
    with pytest.raises(TypeError, match="preset name"):
        T.get(42)
    with pytest.raises(TypeError, match="compose item 1"):
        T.get([T.pad(1), "jitter"])


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: T.pad(-1), "width"),
        (lambda: T.pad(2, mode="wrap"), "mode"),
        (lambda: T.jitter(1.5), "jitter d"),
        (lambda: T.random_scale([]), "at least one"),
        (lambda: T.random_scale([1.0, 0.0]), "> 0"),
        (lambda: T.random_rotate([float("nan")]), "finite"),
        (lambda: T.random_rotate([1], padding_mode="circular"), "padding_mode"),
        (lambda: T.blur(0), "sigma"),
        (lambda: T.noise(-1), "std"),
        (lambda: T.resize((0, 4)), "size"),
    ],
)
def test_constructor_errors(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_call_errors():
    with pytest.raises(ValueError, match=r"\[N, C, H, W\]"):
        T.jitter(2)(torch.rand(3, 8, 8))
    with pytest.raises(ValueError, match="smaller than the image"):
        T.jitter(8)(torch.rand(1, 1, 8, 8))
    with pytest.raises(ValueError, match="reflect"):
        T.pad(8, mode="reflect")(torch.rand(1, 1, 8, 8))
    with pytest.raises(ValueError, match="larger than"):
        T.blur(3.0)(torch.rand(1, 1, 8, 8))


def coordinates(size: int = 64) -> torch.Tensor:
    """Two channels: each pixel's relative column and row centre, in (0, 1)."""
    centres = (torch.arange(size, dtype=torch.float64) + 0.5) / size
    return torch.stack([centres.expand(size, size), centres[:, None].expand(size, size)])[None]


def test_random_crop_without_spread_cuts_the_central_fraction():
    crop = T.random_crop((0.5, 0.5), center_std=0.0, size=16)(coordinates(), gen())
    assert crop.shape == (1, 2, 16, 16)
    cols, rows = crop[0, 0, 0], crop[0, 1, :, 0]
    # the middle half of the image: relative coordinates 0.25..0.75, sampled at 16 pixel centres
    expected = 0.25 + 0.5 * (torch.arange(16, dtype=torch.float64) + 0.5) / 16
    assert torch.allclose(cols, expected, atol=1e-9) and torch.allclose(rows, expected, atol=1e-9)


def test_random_crop_sides_fall_in_the_fraction_and_crops_stay_inside():
    x = coordinates().expand(400, 2, 64, 64)
    crops = T.random_crop((0.25, 0.30), center_std=2.0, size=8)(x, gen(3))
    cols = crops[:, 0, 0]
    # the relative width a crop spans: its first and last pixel centres are 7/8 of it apart
    side = (cols[:, -1] - cols[:, 0]) * 8 / 7
    assert side.min() >= 0.25 - 1e-9 and side.max() <= 0.30 + 1e-9
    assert side.max() - side.min() > 0.04  # the sides do vary over the range
    left, right = cols[:, 0] - side / 16, cols[:, -1] + side / 16
    assert left.min() >= -1e-9 and right.max() <= 1 + 1e-9  # a spread of 2 pushes many to the edge
    assert (left < 1e-6).float().mean() > 0.2 and (right > 1 - 1e-6).float().mean() > 0.2


def test_random_crop_centres_spread_as_asked():
    x = coordinates().expand(2000, 2, 64, 64)
    crops = T.random_crop((0.25, 0.25), center_std=0.15, size=8)(x, gen(4))
    centres = crops[:, 0].mean(dim=(1, 2))
    assert abs(centres.mean().item() - 0.5) < 0.02
    assert 0.13 < centres.std().item() < 0.16  # 0.15, a little less where the clamp bites


def test_random_crop_rejects_bad_arguments():
    with pytest.raises(ValueError, match="fraction"):
        T.random_crop((0.3, 0.2))
    with pytest.raises(ValueError, match="fraction"):
        T.random_crop((0.5, 1.5))
    with pytest.raises(ValueError, match="center_std"):
        T.random_crop(center_std=-1)
    with pytest.raises(ValueError, match="random_crop"):
        T.random_crop()(torch.rand(3, 8, 8))
