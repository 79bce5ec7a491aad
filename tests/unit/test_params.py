import pytest
import torch

from fviz_widgets import params as P


def radial_power(x: torch.Tensor, low: float = 0.08, high: float = 0.3) -> tuple:
    """Mean power of the mean-removed images at radial frequencies below `low` and above `high`."""
    spec = torch.fft.rfft2(x - x.mean(dim=(-2, -1), keepdim=True)).abs() ** 2
    h, w = x.shape[-2:]
    f = torch.sqrt(torch.fft.fftfreq(h)[:, None] ** 2 + torch.fft.rfftfreq(w)[None, :] ** 2)
    lo = spec[..., (f > 0) & (f < low)].mean().item()
    hi = spec[..., f > high].mean().item()
    return lo, hi


MAKERS = {
    "pixel": lambda shape, **kw: P.pixel(shape, **kw),
    "pixel-decorrelated": lambda shape, **kw: P.pixel(shape, decorrelate=True, **kw),
    "fft": lambda shape, **kw: P.fft(shape, **kw),
    "fft-plain": lambda shape, **kw: P.fft(shape, decorrelate=False, **kw),
}


@pytest.mark.parametrize("kind", MAKERS)
def test_shape_range_and_parameters(kind):
    p = MAKERS[kind]((2, 3, 20, 28), sd=0.5)
    out = p()
    assert p.shape == (2, 3, 20, 28)
    assert tuple(out.shape) == p.shape
    assert 0 < out.min().item() and out.max().item() < 1
    assert out.std().item() > 0.01
    assert len(list(p.parameters())) > 0


@pytest.mark.parametrize("kind", MAKERS)
def test_seed_determinism(kind):
    make = MAKERS[kind]
    shape = (2, 3, 16, 16)
    assert torch.equal(make(shape, seed=3)(), make(shape, seed=3)())
    assert not torch.equal(make(shape, seed=3)(), make(shape, seed=4)())
    g1, g2 = torch.Generator().manual_seed(11), torch.Generator().manual_seed(11)
    assert torch.equal(make(shape, generator=g1)(), make(shape, generator=g2)())
    # batch items are initialised independently
    out = make(shape, seed=3)()
    assert not torch.equal(out[0], out[1])


@pytest.mark.parametrize("kind", MAKERS)
@pytest.mark.parametrize("channels", [1, 3, 4])
def test_init_round_trip(kind, channels):
    target = torch.rand(2, channels, 19, 25, generator=torch.Generator().manual_seed(0))
    target[0, 0, 0, :2] = torch.tensor([0.0, 1.0])  # saturated values are clamped by INIT_EPS
    p = MAKERS[kind](target.shape, init=target)
    expected = target.clamp(P.INIT_EPS, 1 - P.INIT_EPS)
    assert torch.allclose(p(), expected, atol=1e-5)
    assert (p() - target).abs().max().item() <= P.INIT_EPS + 1e-5


def test_init_accepts_chw_and_broadcasts_batch():
    target = torch.rand(3, 12, 12)
    p = P.image(12, batch=3, init=target)
    out = p().detach()
    for n in range(3):
        assert torch.allclose(out[n], target.clamp(P.INIT_EPS, 1 - P.INIT_EPS), atol=1e-5)


@pytest.mark.parametrize("squash", ["clamp", None])
def test_other_squashes(squash):
    target = torch.rand(1, 3, 10, 10)
    p = P.fft(target.shape, squash=squash, init=target)
    assert torch.allclose(p(), target, atol=1e-5)
    raw = P.pixel((1, 1, 8, 8), squash=squash, sd=5.0)()
    if squash == "clamp":
        assert raw.min().item() == 0.0 and raw.max().item() == 1.0
    else:
        assert raw.min().item() < 0 and raw.max().item() > 1


def test_fft_scale_decreases_with_frequency():
    s = P.fft_scale(16, 16, decay=1.0)
    assert tuple(s.shape) == (16, 9)
    assert s[0, 0].item() == pytest.approx(16.0)  # clamped at f = 1 / max(H, W)
    assert s[0, 1].item() == pytest.approx(16.0)
    assert s[0, 2].item() == pytest.approx(8.0)
    assert s[8, 8].item() == pytest.approx(1 / (0.5 * 2**0.5))
    assert torch.equal(P.fft_scale(16, 16, decay=0.0), torch.ones(16, 9))


def test_fft_forward_is_the_scaled_orthonormal_inverse_fft():
    p = P.fft((2, 3, 12, 15), squash=None, decorrelate=False, decay=1.5, sd=1.0)
    spectrum = torch.view_as_complex(p.spectrum.detach())
    expected = torch.fft.irfft2(spectrum * P.fft_scale(12, 15, 1.5), s=(12, 15), norm="ortho") * P.FFT_OUTPUT_SCALE
    assert torch.allclose(p(), expected, atol=1e-5)


def test_fft_image_spectrum_decays_and_pixel_spectrum_is_flat():
    shape = (8, 1, 64, 64)
    fft_img = P.fft(shape, squash=None, seed=1)().detach()
    pix_img = P.pixel(shape, squash=None, seed=1)().detach()
    lo, hi = radial_power(fft_img)
    assert lo > 30 * hi
    lo, hi = radial_power(pix_img)
    assert 0.7 < lo / hi < 1.4
    # decay=0 gives a white spectrum too
    lo, hi = radial_power(P.fft(shape, squash=None, decay=0.0, seed=1)().detach())
    assert 0.7 < lo / hi < 1.4


def test_default_color_matrix_is_normalized_imagenet_matrix():
    m = P.IMAGENET_COLOR_MATRIX
    raw = torch.tensor([[0.26, 0.09, 0.02], [0.27, 0.00, -0.05], [0.27, -0.09, 0.03]])
    assert m.norm(dim=0).max().item() == pytest.approx(1.0)
    assert torch.allclose(m * raw.norm(dim=0).max(), raw, atol=1e-6)
    p = P.fft((1, 3, 8, 8))
    assert torch.equal(p.color_matrix, m)
    assert P.fft((1, 3, 8, 8), decorrelate=False).color_matrix is None


def test_decorrelation_applies_the_matrix_per_pixel():
    m = torch.tensor([[1.0, 0.5, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 2.0]])
    p = P.pixel((1, 3, 4, 4), squash=None, decorrelate=True, color_matrix=m)
    raw = p.pixels.detach()
    assert torch.allclose(p(), torch.einsum("ij,njhw->nihw", m, raw), atol=1e-6)


@pytest.mark.parametrize("channels", [1, 2, 4])
def test_decorrelate_is_skipped_for_other_channel_counts(channels):
    p = P.image(16, color_channels=channels, decorrelate=True)
    assert p.color_matrix is None
    assert p().shape == (1, channels, 16, 16)
    custom = P.fft((1, channels, 16, 16), color_matrix=torch.eye(channels) * 2)
    assert custom.color_matrix is not None


def test_color_matrix_from_data_recovers_square_root_of_covariance():
    g = torch.Generator().manual_seed(0)
    root = P.IMAGENET_COLOR_MATRIX.double()
    z = torch.randn(8, 3, 64, 64, generator=g, dtype=torch.float64)
    images = torch.einsum("ij,njhw->nihw", root * 0.3, z) + 0.5
    m = P.color_matrix_from_data(images)
    assert m.dtype == torch.float32
    assert m.norm(dim=0).max().item() == pytest.approx(1.0, abs=1e-6)
    # the columns are the ImageNet ones up to sign, ordered by decreasing variance
    for k in range(3):
        col, ref = m[:, k].double(), root[:, k]
        assert min((col - ref).abs().max(), (col + ref).abs().max()) < 0.02
    # and for an arbitrary covariance, M M^T is the covariance over its largest eigenvalue
    a = torch.tensor([[0.3, 0.1, 0.0], [0.05, 0.2, 0.0], [0.1, -0.1, 0.1]], dtype=torch.float64)
    images = torch.einsum("ij,njhw->nihw", a, z)
    cov = a @ a.T
    m = P.color_matrix_from_data(images).double()
    assert torch.allclose(m @ m.T, cov / torch.linalg.eigvalsh(cov).max(), atol=0.02)
    assert (m.norm(dim=0)[:-1] >= m.norm(dim=0)[1:]).all()


def test_color_matrix_from_data_errors():
    assert P.color_matrix_from_data(torch.rand(3, 8, 8)).shape == (3, 3)  # one CHW image is images too
    with pytest.raises(ValueError, match=r"\[N, C, H, W\]"):
        P.color_matrix_from_data(torch.rand(8))
    with pytest.raises(ValueError, match="no colour variation"):
        P.color_matrix_from_data(torch.full((1, 3, 4, 4), 0.5))


def test_image_umbrella():
    p = P.image((24, 32), batch=2, seed=5)
    assert isinstance(p, P.FFTParam) and p.shape == (2, 3, 24, 32)
    assert isinstance(P.image(8, fft=False), P.PixelParam)
    assert P.image(8, fft=False).color_matrix is not None  # decorrelation applies to pixels too
    assert torch.equal(P.image(16, seed=5)(), P.image(16, seed=5)())
    assert repr(P.image(8)) == "fft((1, 3, 8, 8), decay=1, squash='sigmoid', decorrelate=True)"


def test_normal_depth_is_a_four_channel_unit_normal_and_depth():
    p = P.normal_depth((12, 16), batch=2, seed=0)
    with torch.no_grad():
        p.raw.spectrum.normal_(0, 0.5, generator=torch.Generator().manual_seed(1))
    out = p()
    assert p.shape == (2, 4, 12, 16) and tuple(out.shape) == p.shape
    assert 0 <= out.min().item() and out.max().item() <= 1
    normals = out[:, :3] * 2 - 1
    assert torch.allclose(normals.norm(dim=1), torch.ones(2, 12, 16), atol=1e-5)
    assert normals.std().item() > 0.1  # not a constant normal
    assert torch.allclose(out[:, 3], torch.sigmoid(p.raw()[:, 2]))
    assert repr(p).startswith("domain(fft((2, 3, 12, 16)") and repr(p).endswith("normal_depth_map)")
    assert list(p.parameters()) == [p.raw.spectrum]


def test_domain_with_a_user_function():
    raw = P.pixel((1, 2, 6, 6), squash=None, seed=0)
    p = P.domain(raw, lambda r: torch.sigmoid(r[:, :1] - r[:, 1:]))
    assert p.shape == (1, 1, 6, 6)
    assert torch.allclose(p(), torch.sigmoid(raw.pixels[:, :1] - raw.pixels[:, 1:]))
    p().sum().backward()
    assert raw.pixels.grad.abs().sum() > 0


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: P.pixel((1, 3, 8)), "four positive ints"),
        (lambda: P.pixel((1, 3, 8, 8), squash="tanh"), "squash"),
        (lambda: P.fft((1, 3, 8, 8), color_matrix=torch.eye(2)), "3x3"),
        (lambda: P.fft((1, 3, 8, 8), decorrelate=False, color_matrix=torch.eye(3)), "decorrelate=False"),
        (lambda: P.fft((1, 3, 8, 8), init=torch.rand(1, 3, 8, 9)), r"init must have shape"),
        (lambda: P.fft((2, 3, 8, 8), init=torch.rand(3, 3, 8, 8)), r"init must have shape"),
        (lambda: P.pixel((1, 3, 8, 8), init=[0.5]), "init: numpy images are"),
        (lambda: P.fft((1, 3, 4, 4), color_matrix=torch.zeros(3, 3), init=torch.rand(1, 3, 4, 4)), "singular"),
        (lambda: P.image(0), "size"),
        (lambda: P.domain(P.pixel((1, 3, 4, 4)), lambda r: r[0]), r"\[N, C, H, W\]"),
        (lambda: P.domain(lambda: torch.rand(1, 3, 4, 4), torch.sigmoid), "nn.Module"),
        (lambda: P.normal_depth_map(torch.rand(1, 4, 2, 2)), "theta, phi, d"),
    ],
)
def test_errors(make, message):
    with pytest.raises(ValueError, match=message):
        make()


@pytest.mark.parametrize("fft", [True, False])
def test_adam_moves_the_image_toward_a_target(fft, one_thread):
    target = torch.rand(1, 3, 32, 32, generator=torch.Generator().manual_seed(0))
    p = P.image(32, fft=fft, seed=0)
    opt = torch.optim.Adam(p.parameters(), lr=0.05)
    start = torch.mean((p() - target) ** 2).item()
    for _ in range(50):
        opt.zero_grad()
        loss = torch.mean((p() - target) ** 2)
        loss.backward()
        opt.step()
    assert torch.mean((p() - target) ** 2).item() < 0.5 * start


def test_device_argument_and_buffers_move():
    p = P.fft((1, 3, 8, 8), device="cpu")
    assert p.spectrum.device.type == "cpu"
    assert {name for name, _ in p.named_buffers()} == {"scale", "color_matrix"}
