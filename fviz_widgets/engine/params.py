"""Image parameterizations: modules whose ``forward()`` is the image batch being optimized.

A `Param` is an ``nn.Module`` whose ``forward()`` returns an image batch [N, C, H, W] in the
model's input domain ([0, 1] for images), whose ``parameters()`` are what the optimizer updates,
and whose ``.shape`` is (N, C, H, W). The same ``seed`` always gives the same initial image.

- `pixel`: raw pixels. `fft`: a frequency-scaled spectrum (smoother, faster to optimize).
- Both can apply a colour decorrelation matrix and then squash into [0, 1].
- `image` picks between them; `domain` maps any raw parameterization through a function of
  your own, `normal_depth` is the worked example.

Example:
    >>> p = image(32, batch=2, seed=1)
    >>> p.shape, tuple(p().shape), bool(p().min() > 0)
    ((2, 3, 32, 32), (2, 3, 32, 32), True)
"""

from __future__ import annotations

from typing import Callable, Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from torch import Tensor, nn

__all__ = [
    "Param",
    "PixelParam",
    "FFTParam",
    "DomainParam",
    "pixel",
    "fft",
    "image",
    "domain",
    "normal_depth",
    "normal_depth_map",
    "fft_scale",
    "color_matrix_from_data",
    "IMAGENET_COLOR_MATRIX",
    "SQUASHES",
    "INIT_EPS",
    "FFT_OUTPUT_SCALE",
]

Shape = Tuple[int, int, int, int]
Device = Union[str, torch.device, None]

SQUASHES = ("sigmoid", "clamp", None)

#: An init image is clamped to [INIT_EPS, 1 - INIT_EPS] before inverting the sigmoid.
INIT_EPS = 1e-4

#: Factor on `FFTParam`'s image before colour and squash (Lucid's and Lucent's convention), so that
#: the usual recipe, Adam at lr 0.05, takes steps of the size it was tuned for.
FFT_OUTPUT_SCALE = 0.25

# Square root of the colour covariance of ImageNet pixels (columns: principal colour axes, each
# scaled by the square root of its variance). Data, as published with Lucid.
_IMAGENET_COLOR_SQRT = torch.tensor(
    [[0.26, 0.09, 0.02], [0.27, 0.00, -0.05], [0.27, -0.09, 0.03]], dtype=torch.float64
)
#: The ImageNet colour decorrelation matrix, normalised so its largest column norm is 1.
IMAGENET_COLOR_MATRIX: Tensor = (
    _IMAGENET_COLOR_SQRT / _IMAGENET_COLOR_SQRT.norm(dim=0).max()
).to(torch.float32)


def _as_shape(shape: Sequence[int]) -> Shape:
    dims = tuple(shape)
    if len(dims) != 4 or not all(isinstance(d, int) and d > 0 for d in dims):
        raise ValueError(f"shape must be four positive ints (N, C, H, W), got {shape!r}")
    return dims  # type: ignore[return-value]


def _as_size(size: Union[int, Sequence[int]]) -> Tuple[int, int]:
    hw = (size, size) if isinstance(size, int) else tuple(size)
    if len(hw) != 2 or not all(isinstance(s, int) and s > 0 for s in hw):
        raise ValueError(f"size must be a positive int or a pair (H, W) of them, got {size!r}")
    return hw  # type: ignore[return-value]


def _generator(seed: int, generator: Optional[torch.Generator]) -> torch.Generator:
    if generator is None:
        return torch.Generator().manual_seed(seed)
    if generator.device.type != "cpu":
        raise ValueError(f"initial values are drawn on the CPU; pass a CPU torch.Generator, got one on {generator.device}")
    return generator


def _apply_color(matrix: Tensor, x: Tensor) -> Tensor:
    """``out[:, i] = sum_j matrix[i, j] * x[:, j]`` at every pixel."""
    return F.conv2d(x, matrix[:, :, None, None])


def fft_scale(h: int, w: int, decay: float = 1.0) -> Tensor:
    """Per-coefficient scale of an ``rfft2`` spectrum of an h x w image: ``1 / max(f, 1/max(h, w))**decay``.

    ``f`` is the radial frequency in cycles per pixel, so low frequencies get larger scales; the
    clamp keeps the DC term finite (it gets scale ``max(h, w)**decay``). Shape [h, w // 2 + 1].

    Example:
        >>> s = fft_scale(8, 8)
        >>> tuple(s.shape), s[0, 0].item(), s[4, 4].item() < s[0, 1].item()
        ((8, 5), 8.0, True)
    """
    fy = torch.fft.fftfreq(h, dtype=torch.float64)[:, None]
    fx = torch.fft.rfftfreq(w, dtype=torch.float64)[None, :]
    f = torch.sqrt(fy**2 + fx**2)
    return (1.0 / f.clamp(min=1.0 / max(h, w)) ** decay).to(torch.float32)


def color_matrix_from_data(images: Tensor) -> Tensor:
    """Estimates a colour decorrelation matrix from images [N, C, H, W] (C is usually 3).

    Returns ``M = V diag(sqrt(eig))`` where ``V, eig`` are the eigenvectors and eigenvalues of the
    pixel colour covariance, largest first, so ``M @ M.T`` is the covariance. It is normalised like
    `IMAGENET_COLOR_MATRIX` (largest column norm 1) and each column's largest entry is positive.

    Example:
        >>> m = color_matrix_from_data(torch.rand(4, 3, 16, 16))
        >>> tuple(m.shape), round(m.norm(dim=0).max().item(), 6)
        ((3, 3), 1.0)
    """
    if images.ndim != 4:
        raise ValueError(f"color_matrix_from_data expects images [N, C, H, W], got shape {tuple(images.shape)}")
    c = images.shape[1]
    pixels = images.detach().to(torch.float64).transpose(0, 1).reshape(c, -1)
    if pixels.shape[1] < 2:
        raise ValueError("color_matrix_from_data needs at least two pixels")
    pixels = pixels - pixels.mean(dim=1, keepdim=True)
    cov = pixels @ pixels.T / (pixels.shape[1] - 1)
    eig, vectors = torch.linalg.eigh(cov)
    eig, vectors = eig.flip(0).clamp(min=0), vectors.flip(1)
    if eig[0] <= 0:
        raise ValueError("color_matrix_from_data: the images have no colour variation (zero covariance)")
    peak = vectors.gather(0, vectors.abs().argmax(dim=0, keepdim=True))
    matrix = vectors * torch.sign(peak) * eig.sqrt()
    return (matrix / eig[0].sqrt()).to(torch.float32)


def _check_init(init: Tensor, shape: Shape) -> Tensor:
    if not isinstance(init, Tensor):
        raise ValueError(f"init must be a Tensor [N, C, H, W] or [C, H, W], got {type(init).__name__}")
    x = init.detach().to("cpu", torch.float64)
    if x.ndim == 3:
        x = x.unsqueeze(0)
    n, c, h, w = shape
    if x.ndim != 4 or tuple(x.shape[1:]) != (c, h, w) or x.shape[0] not in (1, n):
        raise ValueError(
            f"init must have shape [{n} or 1, {c}, {h}, {w}] (or [{c}, {h}, {w}]) to match the parameterization, "
            f"got {tuple(init.shape)}"
        )
    return x.expand(n, c, h, w)


class Param(nn.Module):
    """Base class of parameterizations: ``forward()`` returns the image batch of shape ``self.shape``.

    Subclass it, call ``super().__init__(shape)`` and implement ``forward()``.

    Example:
        >>> class Constant(Param):
        ...     def __init__(self):
        ...         super().__init__((1, 1, 2, 2))
        ...         self.value = nn.Parameter(torch.zeros(1, 1, 1, 1))
        ...     def forward(self):
        ...         return self.value.expand(self.shape)
        >>> Constant()().shape
        torch.Size([1, 1, 2, 2])
    """

    def __init__(self, shape: Sequence[int]) -> None:
        super().__init__()
        self._shape = _as_shape(shape)

    @property
    def shape(self) -> Shape:
        """(N, C, H, W) of the image that ``forward()`` returns."""
        return self._shape

    def forward(self) -> Tensor:
        raise NotImplementedError


class _ImageParam(Param):
    """Shared tail of `PixelParam` and `FFTParam`: optional colour matrix, then the squash."""

    def __init__(
        self,
        shape: Sequence[int],
        squash: Optional[str],
        decorrelate: bool,
        color_matrix: Optional[Tensor],
    ) -> None:
        super().__init__(shape)
        if squash not in SQUASHES:
            raise ValueError(f"squash must be one of {SQUASHES}, got {squash!r}")
        self.squash = squash
        c = self.shape[1]
        if color_matrix is not None:
            if not decorrelate:
                raise ValueError("color_matrix was given with decorrelate=False; drop one of them")
            color_matrix = torch.as_tensor(color_matrix, dtype=torch.float32).clone()
            if color_matrix.shape != (c, c):
                raise ValueError(f"color_matrix must be {c}x{c} for {c} channels, got shape {tuple(color_matrix.shape)}")
        elif decorrelate and c == 3:
            color_matrix = IMAGENET_COLOR_MATRIX.clone()
        self.register_buffer("color_matrix", color_matrix)

    def _finish(self, raw: Tensor) -> Tensor:
        if self.color_matrix is not None:
            raw = _apply_color(self.color_matrix, raw)
        if self.squash == "sigmoid":
            return torch.sigmoid(raw)
        if self.squash == "clamp":
            return raw.clamp(0.0, 1.0)
        return raw

    def _unfinish(self, init: Tensor) -> Tensor:
        """The raw values (float64) whose `_finish` is ``init`` (clamped into the squash's range)."""
        x = _check_init(init, self.shape)
        if self.squash == "sigmoid":
            x = torch.logit(x.clamp(INIT_EPS, 1 - INIT_EPS))
        elif self.squash == "clamp":
            x = x.clamp(0.0, 1.0)
        if self.color_matrix is not None:
            n, c, h, w = x.shape
            matrix = self.color_matrix.to(torch.float64)
            try:
                x = torch.linalg.solve(matrix, x.to(torch.float64).reshape(n, c, h * w)).reshape(n, c, h, w)
            except RuntimeError as err:
                raise ValueError("color_matrix is singular, so an init image cannot be inverted through it") from err
        return x

    def _repr_tail(self) -> str:
        return f"squash={self.squash!r}, decorrelate={self.color_matrix is not None}"


class PixelParam(_ImageParam):
    """One free parameter per pixel and channel, optionally colour-decorrelated, then squashed.

    Args:
        shape: (N, C, H, W).
        squash: "sigmoid" maps the unconstrained values into (0, 1); "clamp" clamps them to [0, 1]
            in ``forward()`` (a plain clamp: pixels outside get zero gradient); None leaves them as is.
        sd: standard deviation of the random initial raw values.
        init: an image [N, C, H, W] or [C, H, W] (batch 1 is broadcast) to start from instead;
            ``forward()`` then reproduces it (values clamped to [INIT_EPS, 1 - INIT_EPS] for sigmoid).
        decorrelate, color_matrix: as in `FFTParam` (off by default here).
        seed, generator: the random initialization (a given CPU generator takes precedence).
        device: where the parameter lives.

    Example:
        >>> p = pixel((1, 3, 8, 8), init=torch.full((3, 8, 8), 0.25))
        >>> round(p().mean().item(), 4)
        0.25
    """

    def __init__(
        self,
        shape: Sequence[int],
        *,
        squash: Optional[str] = "sigmoid",
        sd: float = 0.01,
        init: Optional[Tensor] = None,
        decorrelate: bool = False,
        color_matrix: Optional[Tensor] = None,
        seed: int = 0,
        generator: Optional[torch.Generator] = None,
        device: Device = None,
    ) -> None:
        super().__init__(shape, squash, decorrelate, color_matrix)
        if init is None:
            raw = torch.randn(self.shape, generator=_generator(seed, generator)) * sd
        else:
            raw = self._unfinish(init).to(torch.float32)
        self.pixels = nn.Parameter(raw)
        self.to(device)

    def forward(self) -> Tensor:
        return self._finish(self.pixels)

    def __repr__(self) -> str:
        return f"pixel({self.shape}, {self._repr_tail()})"


class FFTParam(_ImageParam):
    """A spectrum, scaled by `fft_scale`, turned into an image by an inverse real FFT.

    Optimizing the spectrum with low frequencies scaled up favours smooth, natural-looking images.
    The image is ``irfft2(spectrum * fft_scale(H, W, decay), norm="ortho") * FFT_OUTPUT_SCALE``: the
    orthonormal inverse FFT is the usual 1/sqrt(H*W) normalization, keeping the spectrum's and the
    image's magnitudes comparable at any size. Then a C x C colour matrix is applied at every pixel
    (``decorrelate``) and the result is squashed.

    Args:
        shape: (N, C, H, W); any channel count.
        decay: exponent of the 1/f scaling (0: white, no frequency preference).
        sd: standard deviation of the real and imaginary parts of the random initial spectrum.
        decorrelate: apply ``color_matrix``; without one, `IMAGENET_COLOR_MATRIX` for C == 3 and
            nothing for other channel counts.
        color_matrix: a C x C matrix (e.g. from `color_matrix_from_data`), used as given.
        squash, init, seed, generator, device: as in `PixelParam`.

    Example:
        >>> p = fft((1, 3, 16, 16), seed=0)
        >>> torch.equal(p(), fft((1, 3, 16, 16), seed=0)())
        True
    """

    def __init__(
        self,
        shape: Sequence[int],
        *,
        decay: float = 1.0,
        sd: float = 0.01,
        decorrelate: bool = True,
        color_matrix: Optional[Tensor] = None,
        squash: Optional[str] = "sigmoid",
        init: Optional[Tensor] = None,
        seed: int = 0,
        generator: Optional[torch.Generator] = None,
        device: Device = None,
    ) -> None:
        super().__init__(shape, squash, decorrelate, color_matrix)
        n, c, h, w = self.shape
        self.decay = float(decay)
        self.register_buffer("scale", fft_scale(h, w, self.decay) * FFT_OUTPUT_SCALE)
        if init is None:
            spectrum = torch.randn((n, c, h, w // 2 + 1, 2), generator=_generator(seed, generator)) * sd
        else:
            spectrum = torch.fft.rfft2(self._unfinish(init), norm="ortho") / self.scale
            spectrum = torch.view_as_real(spectrum).to(torch.float32)
        self.spectrum = nn.Parameter(spectrum.contiguous())
        self.to(device)

    def forward(self) -> Tensor:
        h, w = self.shape[2:]
        raw = torch.fft.irfft2(torch.view_as_complex(self.spectrum) * self.scale, s=(h, w), norm="ortho")
        return self._finish(raw)

    def __repr__(self) -> str:
        return f"fft({self.shape}, decay={self.decay:g}, {self._repr_tail()})"


pixel = PixelParam
fft = FFTParam


def image(
    size: Union[int, Sequence[int]],
    *,
    batch: int = 1,
    channels: int = 3,
    fft: bool = True,
    decorrelate: bool = True,
    decay: float = 1.0,
    sd: float = 0.01,
    init: Optional[Tensor] = None,
    seed: int = 0,
    color_matrix: Optional[Tensor] = None,
    generator: Optional[torch.Generator] = None,
    device: Device = None,
) -> Param:
    """An image parameterization in [0, 1] (sigmoid squash): `FFTParam` if ``fft`` else `PixelParam`.

    ``size`` is an int or (H, W); ``decay`` only matters for ``fft=True``. See `FFTParam` for the rest.

    Example:
        >>> image((24, 32), batch=2, channels=1, fft=False)
        pixel((2, 1, 24, 32), squash='sigmoid', decorrelate=False)
    """
    h, w = _as_size(size)
    shape = (batch, channels, h, w)
    common = dict(
        sd=sd, decorrelate=decorrelate, color_matrix=color_matrix, squash="sigmoid",
        init=init, seed=seed, generator=generator, device=device,
    )
    if fft:
        return FFTParam(shape, decay=decay, **common)
    return PixelParam(shape, **common)


class DomainParam(Param):
    """A raw parameterization mapped through your own function into the input domain.

    ``forward()`` is ``domain(raw())``. ``raw`` is any module whose ``forward()`` takes no arguments
    (usually a `pixel` or `fft` with ``squash=None, decorrelate=False``); ``domain`` maps its
    unconstrained [N, C_raw, H, W] values to the image [N, C, H, W] and must be differentiable.
    The output shape is found by calling it once at construction.

    Example:
        >>> p = domain(pixel((1, 2, 4, 4), squash=None), lambda r: torch.sigmoid(r.sum(1, keepdim=True)))
        >>> p.shape
        (1, 1, 4, 4)
    """

    def __init__(self, raw: nn.Module, domain: Callable[[Tensor], Tensor]) -> None:
        if not isinstance(raw, nn.Module):
            raise ValueError(f"raw must be an nn.Module such as a Param, got {type(raw).__name__}")
        if not callable(domain):
            raise ValueError(f"domain must be a callable mapping a raw tensor to an image, got {type(domain).__name__}")
        with torch.no_grad():
            out = domain(raw())
        if not isinstance(out, Tensor) or out.ndim != 4:
            got = tuple(out.shape) if isinstance(out, Tensor) else type(out).__name__
            raise ValueError(f"domain must return an image batch [N, C, H, W], got {got}")
        super().__init__(tuple(out.shape))
        self.raw = raw
        self.domain = domain

    def forward(self) -> Tensor:
        return self.domain(self.raw())

    def __repr__(self) -> str:
        name = getattr(self.domain, "__qualname__", None) or repr(self.domain)
        return f"domain({self.raw!r}, {name})"


domain = DomainParam


def normal_depth_map(raw: Tensor) -> Tensor:
    """Maps raw channels (theta, phi, d) to a 4-channel image: a unit normal in [0, 1]^3 and a depth.

    The normal is ``n = (sin t cos p, sin t sin p, cos t)`` stored as ``(n + 1) / 2``; the depth is
    ``sigmoid(d)``. Everything lands in [0, 1], the input domain.

    Example:
        >>> normal_depth_map(torch.zeros(1, 3, 2, 2))[0, :, 0, 0].tolist()
        [0.5, 0.5, 1.0, 0.5]
    """
    if raw.ndim != 4 or raw.shape[1] != 3:
        raise ValueError(f"normal_depth_map expects raw values [N, 3, H, W] (theta, phi, d), got {tuple(raw.shape)}")
    theta, phi, depth = raw.unbind(dim=1)
    normal = torch.stack((theta.sin() * phi.cos(), theta.sin() * phi.sin(), theta.cos()), dim=1)
    return torch.cat(((normal + 1) / 2, torch.sigmoid(depth).unsqueeze(1)), dim=1)


def normal_depth(
    size: Union[int, Sequence[int]],
    *,
    batch: int = 1,
    fft: bool = True,
    seed: int = 0,
    generator: Optional[torch.Generator] = None,
    device: Device = None,
) -> DomainParam:
    """A normal map plus depth: the example of seed 001 §3.7 of a user-defined domain.

    "A normal map (theta, phi) -> unit vector, a depth in [0, 1] by sigmoid": three raw channels
    (an `fft` or `pixel` parameterization without squash or colour) pass through
    `normal_depth_map`, giving a 4-channel image [batch, 4, H, W] in [0, 1].

    Example:
        >>> normal_depth(16, batch=2).shape
        (2, 4, 16, 16)
    """
    h, w = _as_size(size)
    raw_kind = FFTParam if fft else PixelParam
    raw = raw_kind((batch, 3, h, w), squash=None, decorrelate=False, seed=seed, generator=generator, device=device)
    return DomainParam(raw, normal_depth_map)
