"""Image parameterizations in [0, 1]: free pixels, or a frequency-scaled spectrum.

- `pixel`: raw pixels. `fft`: a frequency-scaled spectrum (smoother, faster to optimize).
- Both can apply a colour decorrelation matrix and then squash into [0, 1].
- `image` picks between them (an FFT image with ImageNet colour decorrelation by default).

Example:
    >>> p = image(32, batch=2, seed=1)
    >>> p.shape, tuple(p().shape), bool(p().min() > 0)
    ((2, 3, 32, 32), (2, 3, 32, 32), True)
"""

from __future__ import annotations

import warnings
from typing import Any, Optional, Sequence, Union

import torch
from torch import Tensor, nn

from ..core.images import as_images
from ..core.validate import image_size
from .base import Device, Param, seeded
from .color import IMAGENET_COLOR_MATRIX, apply_color

__all__ = ["FFT_OUTPUT_SCALE", "FFTParam", "INIT_EPS", "ImageParam", "PixelParam", "SQUASHES", "fft",
           "fft_scale", "image", "pixel"]

SQUASHES = ("sigmoid", "clamp", None)

#: An init image is clamped to [INIT_EPS, 1 - INIT_EPS] before inverting the sigmoid.
INIT_EPS = 1e-4

#: Factor on `FFTParam`'s image before colour and squash (Lucid's and Lucent's convention), so that
#: the usual recipe, Adam at lr 0.05, takes steps of the size it was tuned for.
FFT_OUTPUT_SCALE = 0.25


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


class ImageParam(Param):
    """Shared tail of `PixelParam` and `FFTParam`: optional colour matrix, then the squash.

    Subclasses compute raw values, then call `finish`; `unfinish` inverts it for an init image.
    """

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

    def finish(self, raw: Tensor) -> Tensor:
        """Raw values [N, C, H, W] → the image: colour matrix (if any), then the squash."""
        if self.color_matrix is not None:
            raw = apply_color(self.color_matrix, raw)
        if self.squash == "sigmoid":
            return torch.sigmoid(raw)
        if self.squash == "clamp":
            return raw.clamp(0.0, 1.0)
        return raw

    def unfinish(self, init: Any) -> Tensor:
        """The raw values (float64) whose `finish` is the image ``init`` (any form `as_images`
        takes, [N or 1, C, H, W]; values clamped into the squash's range)."""
        x = as_images(init, device="cpu", dtype=torch.float64, name="init").detach()
        n, c, h, w = self.shape
        if tuple(x.shape[1:]) != (c, h, w) or x.shape[0] not in (1, n):
            raise ValueError(
                f"init must have shape [{n} or 1, {c}, {h}, {w}] (or [{c}, {h}, {w}]) to match the "
                f"parameterization, got {tuple(x.shape)}"
            )
        x = x.expand(n, c, h, w)
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


class PixelParam(ImageParam):
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
        device, dtype: where the parameter lives and its dtype (float32; float64 keeps an init's
            precision exactly, as IFV's ``param="identity"`` does).

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
        init: Any = None,
        decorrelate: bool = False,
        color_matrix: Optional[Tensor] = None,
        seed: int = 0,
        generator: Optional[torch.Generator] = None,
        device: Device = None,
        dtype: torch.dtype = torch.float32,
    ) -> None:
        super().__init__(shape, squash, decorrelate, color_matrix)
        if init is None:
            raw = torch.randn(self.shape, generator=seeded(seed, generator)) * sd
        else:
            raw = self.unfinish(init)
        self.pixels = nn.Parameter(raw.to(dtype))
        self.to(device)

    def forward(self) -> Tensor:
        return self.finish(self.pixels)

    def __repr__(self) -> str:
        return f"pixel({self.shape}, {self._repr_tail()})"


class FFTParam(ImageParam):
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
        init: Any = None,
        seed: int = 0,
        generator: Optional[torch.Generator] = None,
        device: Device = None,
    ) -> None:
        super().__init__(shape, squash, decorrelate, color_matrix)
        n, c, h, w = self.shape
        self.decay = float(decay)
        self.register_buffer("scale", fft_scale(h, w, self.decay) * FFT_OUTPUT_SCALE)
        if init is None:
            spectrum = torch.randn((n, c, h, w // 2 + 1, 2), generator=seeded(seed, generator)) * sd
        else:
            spectrum = torch.fft.rfft2(self.unfinish(init), norm="ortho") / self.scale
            spectrum = torch.view_as_real(spectrum).to(torch.float32)
        self.spectrum = nn.Parameter(spectrum.contiguous())
        self.to(device)

    def forward(self) -> Tensor:
        return self.image_of(self.spectrum)

    def image_of(self, spectrum: Tensor) -> Tensor:
        """The image of any spectrum [B, C, H, W//2+1, 2] through this parameterization (its scale,
        colour matrix and squash), in the spectrum's dtype. ``forward()`` is ``image_of(self.spectrum)``.

        Example:
            >>> p = fft((1, 3, 8, 8), decorrelate=False)
            >>> float(p.image_of(torch.zeros(2, 3, 8, 5, 2, dtype=torch.float64)).mean())
            0.5
        """
        h, w = self.shape[2:]
        spectrum = torch.view_as_complex(spectrum.contiguous()) * self.scale.to(spectrum.dtype)
        return self.finish(torch.fft.irfft2(spectrum, s=(h, w), norm="ortho"))

    def __repr__(self) -> str:
        return f"fft({self.shape}, decay={self.decay:g}, {self._repr_tail()})"


pixel = PixelParam
fft = FFTParam


def image(
    size: Union[int, Sequence[int]],
    *,
    batch: int = 1,
    color_channels: int = 3,
    fft: bool = True,
    decorrelate: bool = True,
    decay: float = 1.0,
    sd: float = 0.01,
    init: Any = None,
    seed: int = 0,
    color_matrix: Optional[Tensor] = None,
    generator: Optional[torch.Generator] = None,
    device: Device = None,
    channels: Optional[int] = None,
    alpha: bool = False,
) -> Param:
    """An image parameterization in [0, 1] (sigmoid squash): `FFTParam` if ``fft`` else `PixelParam`.

    ``size`` is an int or (H, W); ``color_channels`` the number of image channels (1 for grey);
    ``decay`` only matters for ``fft=True``; ``alpha=True`` adds a transparency channel
    (`fv.param.with_alpha`: RGBA images, composited onto random backgrounds by the render). See
    `FFTParam` for the rest. (``channels=`` is the deprecated spelling of ``color_channels=``.)

    Example:
        >>> image((24, 32), batch=2, color_channels=1, fft=False)
        pixel((2, 1, 24, 32), squash='sigmoid', decorrelate=False)
    """
    if channels is not None:
        warnings.warn("fv.param.image(channels=...) is deprecated; use color_channels=", DeprecationWarning,
                      stacklevel=2)
        color_channels = channels
    h, w = image_size(size)
    shape = (batch, color_channels, h, w)
    common = dict(
        sd=sd, decorrelate=decorrelate, color_matrix=color_matrix, squash="sigmoid",
        init=init, seed=seed, generator=generator, device=device,
    )
    made: Param = FFTParam(shape, decay=decay, **common) if fft else PixelParam(shape, **common)
    if alpha:
        from .alpha import with_alpha  # alpha builds on this module

        made = with_alpha(made, seed=seed, generator=generator, device=device)
    return made


