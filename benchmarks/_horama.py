"""Peer library for the benchmarks: Horama 0.3.0's MACO (https://github.com/serre-lab/Horama).

Benchmark-only helpers: nothing in `fviz_widgets` imports this module.

* `import_horama()` imports Horama, putting the pure-torch torchvision stand-in in
  `benchmarks/_stubs` on `sys.path` only when the real `import torchvision` fails (Horama needs
  `torchvision.ops.roi_align` and `torchvision.datasets.utils.download_url`; the stand-in's
  `download_url` raises instead of downloading).
* `write_spectrum()` writes the magnitude file MACO reads, from our own spectrum.
* `horama_maco()` times one `horama.maco` call on a plain ImageNet classifier and returns the
  image in [0, 1] and the transparency map in [0, 1].

Install the peer with
    pip install --no-deps horama==0.3.0 einops==0.8.2
(`einops` is imported by `horama/__init__` through `feature_accentuation`, though the wheel
does not declare it; numpy, matplotlib, tqdm and torch already come with the project;
`--no-deps` keeps pip from pulling torchvision).

How Horama 0.3.0's `maco` works (read from its source; this is what the fviz side has to match):
    maco(objective_function, total_steps=1000, learning_rate=1.0, image_size=1280,
         model_input_size=224, noise=0.05, values_range=(-2.5, 2.5), crops_per_iteration=6,
         box_size=(0.20, 0.25), device="cuda") -> (image [3, S, S], transparency [3, S, S])
    spectrum   `spectrum_decorrelated.npy` in the *working directory*; when it is missing, maco
               downloads Serre lab's ImageNet file there with torchvision's `download_url`. It is
               read on every call: any [3, h, w] array (cast to float32), the magnitude of an
               rfft2 in Lucid's colour-decorrelated space, unshifted layout (row 0 = DC, rows
               above h/2 negative frequencies, w = h//2+1 columns), resized to [3, S, S//2+1]
               by F.interpolate(bilinear, align_corners=False, antialias=True) over the index
               grid (not over frequency; an identity when already at that size). Its overall
               scale does not matter (the image is standardized below); the DC term does.
    phase      torch.randn(3, S, S//2+1), the only parameter: NAdam(lr=1.0). Magnitude fixed.
    image      phase standardized (one mean/std over all of it), spectrum = magnitude·e^{iφ},
               irfft2 (default norm; S must be even), standardized again over all channels,
               recoloured per pixel with `rgb = C · dec` (C = fviz's IMAGENET_COLOR_MATRIX,
               Lucid's normalized colour sqrt), then sigmoid and affine into values_range.
    crops      each step: crops_per_iteration boxes, centres 0.5 + 0.15·N(0, 1) (relative, not
               clipped), square side U·(b1 − b0) + b1 of the image side (so [0.25, 0.30] by
               default: Horama adds b1, not b0), cut with roi_align to 2m x 2m, then bicubic
               (antialias, align_corners=True) down to m x m (m = model_input_size), then
               + noise·N(0, 1) + noise·U(−0.5, 0.5) in values_range units. One crop breaks
               it (roi_align's output is squeezed to 3-D).
    objective  objective_function(crops [K, 3, m, m] in values_range, on device) -> a scalar
               score to maximize (loss = −score); Horama does not normalize: the objective owns
               the model. Its README uses `mean(model(x)[:, class])` with values_range as the
               normalized input range.
    returns    the last image [3, S, S] in values_range (still attached to the graph) and the
               transparency accumulator [3, S, S] = Σ_steps |∂loss/∂image|, unnormalized
               (its `plot_maco` shows the channel mean clipped at its 80th percentile / max).
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
import warnings
from pathlib import Path
from types import ModuleType
from typing import Optional, Sequence, Tuple

import numpy as np
import torch
from torch import nn

if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
import _peers  # noqa: E402
from _peers import PeerUnavailable  # noqa: E402

HORAMA_VERSION = "0.3.0"
EINOPS_VERSION = "0.8.2"
INSTALL_HINT = f"pip install --no-deps horama=={HORAMA_VERSION} einops=={EINOPS_VERSION}"
SPECTRUM_FILENAME = "spectrum_decorrelated.npy"  # horama.maco_fv.MACO_SPECTRUM_FILENAME

# maco's own defaults
HORAMA_LR = 1.0  # torch.optim.NAdam([phase], lr=1.0)
HORAMA_NOISE = 0.05
HORAMA_BOX_SIZE = (0.20, 0.25)
HORAMA_VALUES_RANGE = (-2.5, 2.5)
HORAMA_CROPS = 6

_HORAMA: Optional[ModuleType] = None
#: "real" or "stub": which torchvision Horama got (set by `import_horama`).
TORCHVISION: Optional[str] = None


def import_horama() -> ModuleType:
    """The `horama` module; raises PeerUnavailable with an install hint when it cannot be imported."""
    global _HORAMA, TORCHVISION
    if _HORAMA is not None:
        return _HORAMA
    TORCHVISION = _peers.ensure_torchvision()
    try:
        import horama
        import horama.maco_fv  # noqa: F401  (bound as an attribute by horama/__init__ too)
    except ImportError as exc:
        raise PeerUnavailable(f"Horama cannot be imported ({exc}); install it with: {INSTALL_HINT}") from exc
    if horama.__version__ != HORAMA_VERSION:
        warnings.warn(f"benchmarking Horama {horama.__version__}, not {HORAMA_VERSION}", stacklevel=2)
    _HORAMA = horama
    return horama


def write_spectrum(magnitude: np.ndarray, directory: Path, *, size: Optional[int] = None) -> Path:
    """Write `directory/spectrum_decorrelated.npy` for `horama.maco`; returns its path.

    `magnitude` [3, H, W//2+1]: a mean |rfft2(img, norm="ortho")| of natural images in the
    colour-decorrelated space of `IMAGENET_COLOR_MATRIX` (`M⁻¹ rgb`, which is the inverse of
    Horama's recolouring), unshifted rfft layout, at some H×W (fviz's shipped spectrum is 128×128).

    That is already Horama's layout, so with `size=None` the array is written as it is (float32)
    and Horama resizes it itself to [3, S, S//2+1] by bilinear interpolation over the index grid,
    which stretches every frequency by H/S (harmless: the image is standardized after the
    inverse FFT, and natural spectra are near scale-free), does not wrap rows around, and
    antialiases (blurs) when shrinking.

    With `size=S` (even) it is resampled here instead, as `fv.param.maco` does
    (`fviz_widgets.params.spectrum.resample`: bilinear in cycles per pixel, wrap-aware, the
    orthonormal magnitudes of natural images being size-independent), to exactly
    [3, S, S//2+1], so Horama's own resize is an identity and both peers see the same magnitude.
    The DC term, which `resample` zeroes, is put back scaled by sqrt(S·S / (H·W)) (the ortho DC
    of an image of a given mean grows with the square root of its pixel count).
    """
    m = np.asarray(magnitude, dtype=np.float64)
    if m.ndim != 3 or m.shape[0] != 3:
        raise ValueError(f"magnitude must be [3, H, W//2+1], got shape {m.shape}")
    if not np.isfinite(m).all() or (m < 0).any():
        raise ValueError("magnitude must be finite and >= 0 (a magnitude spectrum)")
    if size is not None:
        if size < 2 or size % 2:
            raise ValueError(f"size must be even (Horama's irfft2 returns S-1 pixels for an odd S), got {size}")
        from fviz_widgets.params.spectrum import resample

        h, half = m.shape[1:]
        w = 2 * (half - 1)
        out = resample(torch.from_numpy(m), (size, size)).double().numpy()
        out[:, 0, 0] = m[:, 0, 0] * np.sqrt(size * size / (h * w))
        m = out
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / SPECTRUM_FILENAME
    np.save(path, np.ascontiguousarray(m, dtype=np.float32), allow_pickle=False)
    return path


class HoramaInput(nn.Module):
    """`model` fed from Horama's images: x in values_range (lo, hi) is first read as the RGB image
    u = (x − lo) / (hi − lo) in [0, 1] (which is exactly the sigmoid before Horama's affine
    step), then ImageNet-normalized: model((u − mean) / std)."""

    def __init__(self, model: nn.Module, mean: Sequence[float], std: Sequence[float],
                 values_range: Tuple[float, float], device="cpu"):
        super().__init__()
        self.model = model
        self.lo, self.span = float(values_range[0]), float(values_range[1] - values_range[0])
        self.register_buffer("mean", torch.as_tensor(mean, dtype=torch.float32, device=device).view(1, -1, 1, 1))
        self.register_buffer("std", torch.as_tensor(std, dtype=torch.float32, device=device).view(1, -1, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        u = (x - self.lo) / self.span
        return self.model((u - self.mean) / self.std)


@contextlib.contextmanager
def _working_directory(path: Path):
    previous = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(previous)


@contextlib.contextmanager
def _no_progress_bar(module: ModuleType):
    """maco wraps its loop in tqdm; swap it for the bare iterable while it runs."""
    bar = module.tqdm
    module.tqdm = lambda iterable, *args, **kwargs: iterable
    try:
        yield
    finally:
        module.tqdm = bar


def horama_maco(
    model: nn.Module,
    class_index: int,
    *,
    steps: int,
    size: int,
    model_input_size: int = 224,
    nb_crops: int = HORAMA_CROPS,
    seed: int,
    device="cpu",
    mean: Sequence[float],
    std: Sequence[float],
    workdir: Path,
    learning_rate: float = HORAMA_LR,
    noise: float = HORAMA_NOISE,
    box_size: Tuple[float, float] = HORAMA_BOX_SIZE,
    values_range: Tuple[float, float] = HORAMA_VALUES_RANGE,
    progress: bool = False,
) -> Tuple[torch.Tensor, np.ndarray, float]:
    """One `horama.maco` run maximizing the logit `class_index` of `model` (already on `device`;
    its forward takes ImageNet-normalized input with `mean`/`std`), timed.

    The objective is Horama's README one, mean over the crops of `model(x)[:, class_index]`, with
    the model wrapped in `HoramaInput` (x in values_range -> [0, 1] -> normalized). The model is
    frozen (eval, no weight gradients) while it runs, as fviz's renders are. torch is seeded with
    `seed`; the cwd is `workdir` (which must hold `write_spectrum`'s file, so nothing is
    downloaded) during the call and restored after (not thread-safe). Horama's other defaults
    (lr, noise, box_size, values_range) are its own; tqdm's bar is off unless `progress`.

    Returns:
        image: [1, 3, size, size] float32 on the CPU in [0, 1], (x − lo) / (hi − lo) of Horama's
            final image, i.e. the RGB image the wrapped model saw;
        importance: [size, size] float32, Horama's transparency accumulator averaged over
            channels and divided by its max (no percentile clipping, unlike `plot_maco`);
        seconds: wall-clock time of the `maco` call (spectrum loading and final image included).
    """
    hr = import_horama()
    from fviz_widgets.core.model import frozen

    if size < 2 or size % 2:
        raise ValueError(f"size must be even (Horama's irfft2 returns size-1 pixels for an odd size), got {size}")
    if nb_crops < 2:
        raise ValueError("nb_crops must be >= 2 (Horama 0.3.0 squeezes a single crop to 3-D and fails)")
    workdir = Path(workdir).resolve()
    if not (workdir / SPECTRUM_FILENAME).is_file():
        raise FileNotFoundError(f"{workdir / SPECTRUM_FILENAME} is missing (maco would download it): "
                                "write it first with write_spectrum()")
    wrapped = HoramaInput(model, mean, std, values_range, device=device)

    def objective(images: torch.Tensor) -> torch.Tensor:
        return wrapped(images)[:, class_index].mean()

    torch.manual_seed(seed)
    device = torch.device(device)
    quiet = contextlib.nullcontext() if progress else _no_progress_bar(hr.maco_fv)
    with frozen(model, warn=False), _working_directory(workdir), quiet:
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        start = time.perf_counter()
        image, transparency = hr.maco(
            objective,
            total_steps=steps,
            learning_rate=learning_rate,
            image_size=size,
            model_input_size=model_input_size,
            noise=noise,
            values_range=tuple(values_range),
            crops_per_iteration=nb_crops,
            box_size=tuple(box_size),
            device=str(device),
        )
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        seconds = time.perf_counter() - start
    lo, hi = values_range
    rgb = ((image.detach().float().cpu() - lo) / (hi - lo)).clamp(0.0, 1.0).unsqueeze(0)
    alpha = transparency.detach().float().cpu().mean(dim=0)
    peak = alpha.max()
    importance = (alpha / peak if peak > 0 else torch.zeros_like(alpha)).numpy()
    return rgb, importance, seconds
