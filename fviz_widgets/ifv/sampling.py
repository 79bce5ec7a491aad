"""Sampled realizations: target objectives of uniform Hoyer sparseness (§3.2), the
parameterizations of §3.7, and feature visualization for many targets in one batch.

Example:
    >>> thetas = sample_objectives(4, 10, seed=0)
    >>> thetas.shape, bool((thetas >= 0).all())
    ((4, 10), True)
    >>> make_param("fft", (1, 3, 8, 8))
    fft((1, 3, 8, 8), decay=0, squash='sigmoid', decorrelate=False)
"""

from __future__ import annotations

from typing import Any, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from torch import nn

from .. import params
from ..core.images import as_images
from ..core.metrics import hoyer_sparseness
from ..core.model import device_of, full_precision, input_shape
from ..render import render
from .features import ArrayLike, FeatureSpec, objective, unit_rows

__all__ = ["PARAMETERIZATIONS", "as_param", "make_param", "realize", "sample_objectives"]

#: Parameterizations of §3.7: sigmoid(pixels), sigmoid(iFFT(p)), sigmoid(iFFT(p scaled by 1/f)), and
#: the pixels themselves (any range, any float dtype).
PARAMETERIZATIONS = ("pixel", "fft", "scaled_fft", "identity")


def make_param(
    kind: str,
    shape: Sequence[int],
    *,
    init: Any = None,
    seed: int = 0,
    decorrelate: bool = False,
    sd: float = 0.01,
    device: Union[str, torch.device, None] = None,
    dtype: torch.dtype = torch.float32,
) -> params.Param:
    """A parameterization of §3.7 for images [N, C, H, W].

    ``pixel``: sigmoid of free pixels; ``fft``: sigmoid of an inverse FFT of an unscaled spectrum
    (decay 0); ``scaled_fft``: the spectrum scaled by 1/frequency (decay 1) first, favouring low
    frequencies — all three make images in (0, 1). ``identity``: the pixels themselves, in any
    range and in `dtype` (float64 keeps a float64 realization exact). `decorrelate` adds the
    ImageNet colour decorrelation (off: the paper's setup).

    Example:
        >>> make_param("scaled_fft", (2, 3, 32, 32))
        fft((2, 3, 32, 32), decay=1, squash='sigmoid', decorrelate=False)
        >>> make_param("identity", (1, 1, 4, 4), init=torch.full((1, 1, 4, 4), 3.0, dtype=torch.float64),
        ...            dtype=torch.float64)().max().item()
        3.0
    """
    if kind == "identity":
        if decorrelate:
            raise ValueError("param='identity' keeps the pixels as they are; it cannot decorrelate colours")
        return params.pixel(shape, squash=None, init=init, seed=seed, sd=sd, device=device, dtype=dtype)
    if kind == "pixel":
        return params.pixel(shape, init=init, seed=seed, sd=sd, decorrelate=decorrelate, device=device)
    if kind in ("fft", "scaled_fft"):
        decay = 0.0 if kind == "fft" else 1.0
        return params.fft(shape, decay=decay, init=init, seed=seed, sd=sd, decorrelate=decorrelate,
                                 device=device)
    raise ValueError(f"unknown parameterization {kind!r}; choose one of {', '.join(PARAMETERIZATIONS)}")


def as_param(realization: Any, param: Union[None, str, nn.Module], device: torch.device) -> nn.Module:
    """The parameterization to differentiate through, holding the realization: `param` if it is a
    module; the realization if it is one; a `RenderResult`'s own param; else the realization's
    images (any form `fv.core.as_images` takes) put into `param` (a name, default ``"pixel"``)
    through its inverse. The sigmoid parameterizations make images in (0, 1); images outside
    that range, or not finite, are an error (``param="identity"`` takes any finite values).

    Example:
        >>> as_param(np.full((8, 8, 3), 0.5), "pixel", torch.device("cpu")).shape
        (1, 3, 8, 8)
        >>> as_param(np.full((8, 8, 3), 2.0), "identity", torch.device("cpu"))().max().item()
        2.0
    """
    if isinstance(param, nn.Module):
        return param
    if isinstance(realization, nn.Module):
        return realization
    held = getattr(realization, "param", None)
    if isinstance(held, nn.Module) and param is None:
        return held
    images = as_images(getattr(realization, "images", realization), device="cpu", name="realization").detach()
    kind = param or "pixel"
    if kind not in PARAMETERIZATIONS:
        raise ValueError(f"unknown parameterization {kind!r}; choose one of {', '.join(PARAMETERIZATIONS)}")
    if not torch.isfinite(images).all():
        raise ValueError("the realization contains NaN or infinite values; IFV needs the image that FV produced")
    low, high = images.min().item(), images.max().item()
    if kind != "identity" and (low < 0 or high > 1):
        raise ValueError(f"the realization has values in [{low:.3g}, {high:.3g}], outside [0, 1], the range of "
                         f"param={kind!r} (a sigmoid): its inverse would clamp them and the prediction would be "
                         f"wrong. Pass param='identity' for images in any range, or the parameterization module "
                         f"that made them (choices: {', '.join(PARAMETERIZATIONS)})")
    dtype = torch.float64 if images.dtype == torch.float64 else torch.float32
    return make_param(kind, tuple(images.shape), init=images, device=device, dtype=dtype)


def sample_objectives(
    n: int,
    m: int,
    sparseness: Union[str, float] = "uniform_hoyer",
    nonnegative: bool = True,
    seed: int = 0,
) -> np.ndarray:
    """n target objectives on the unit sphere of ℝᵐ, [n, m] (float64).

    ``sparseness="uniform_hoyer"``: each vector's Hoyer sparseness is drawn uniformly from [0, 1]
    (§3.2); a number fixes it; ``"gaussian"`` draws directions uniformly on the sphere (folded to
    the positive orthant when `nonnegative`). For a target sparseness s, a vector u of uniform
    (0, 1) entries is raised to the power t ≥ 0 found by bisection so that hoyer(uᵗ) = s: t = 0
    gives equal entries (s = 0) and t → ∞ a single one (s = 1), and the sparseness of uᵗ grows
    monotonically with t. With ``nonnegative=False`` random signs are applied afterwards.

    Example:
        >>> thetas = sample_objectives(4, 10, seed=0)
        >>> thetas.shape, bool((thetas >= 0).all()), np.allclose(np.linalg.norm(thetas, axis=1), 1)
        ((4, 10), True, True)
    """
    if n < 0 or m < 1:
        raise ValueError(f"need n ≥ 0 and m ≥ 1, got n={n}, m={m}")
    rng = np.random.default_rng(seed)
    out = np.empty((n, m))
    for i in range(n):
        if sparseness == "gaussian":
            v = rng.standard_normal(m)
            v = np.abs(v) if nonnegative else v
            out[i] = v / np.linalg.norm(v)
            continue
        if sparseness == "uniform_hoyer":
            s = rng.uniform(0.0, 1.0)
        elif isinstance(sparseness, (int, float)) and 0 <= sparseness <= 1:
            s = float(sparseness)
        else:
            raise ValueError(
                f"sparseness must be 'uniform_hoyer', 'gaussian' or a number in [0, 1], got {sparseness!r}")
        logu = np.log(rng.uniform(1e-12, 1.0, m))
        v = _with_sparseness(logu, s)
        if not nonnegative:
            v = v * rng.choice([-1.0, 1.0], m)
        out[i] = v
    return out


def _with_sparseness(logu: np.ndarray, s: float) -> np.ndarray:
    m = logu.size
    if m == 1:
        return np.ones(1)

    def power(t: float) -> np.ndarray:
        v = np.exp(t * (logu - logu.max()))
        return v / np.linalg.norm(v)

    if s <= 0:
        return power(0.0)
    hi = 1.0
    while hoyer_sparseness(power(hi)) < s and hi < 1e8:
        hi *= 2
    if hoyer_sparseness(power(hi)) < s:  # s ≈ 1 beyond reach: one entry
        v = np.zeros(m)
        v[np.argmax(logu)] = 1.0
        return v
    lo = 0.0
    for _ in range(100):
        mid = (lo + hi) / 2
        if hoyer_sparseness(power(mid)) < s:
            lo = mid
        else:
            hi = mid
    return power((lo + hi) / 2)


def realize(
    model: nn.Module,
    layer: str,
    thetas: ArrayLike,
    features: FeatureSpec = FeatureSpec(),
    *,
    param: Union[str, nn.Module] = "scaled_fft",
    size: Optional[Union[int, Tuple[int, int]]] = None,
    steps: int = 512,
    lbfgs_steps: int = 128,
    lr: float = 0.05,
    transforms: Any = None,
    seed: int = 0,
    progress: bool = False,
    **render_kwargs: Any,
):
    """Feature visualization for target objectives: one realization per row of `thetas`, in one
    batch, by `fv.render` with Adam then L-BFGS and no transformations by default (§3.2).

    Returns the `RenderResult`; its ``.param`` holds the realizations exactly, ready for
    `predict_objectives`.

    Example:
        >>> import fviz_widgets as fv
        >>> thetas = sample_objectives(2, 16, seed=0)
        >>> result = realize(fv.zoo.shapes_cnn(), "act3", thetas, FeatureSpec(channels=range(16)), size=32,
        ...                  steps=8, lbfgs_steps=2)
        >>> result.images.shape
        (2, 32, 32, 3)
    """
    unit = unit_rows(thetas)
    batch = unit.shape[0] if unit.ndim == 2 else 1
    if isinstance(param, str):
        c, h, w = input_shape(model, size)
        param = make_param(param, (batch, c, h, w), seed=seed, device=device_of(model))
    o = objective(layer, unit, features)
    with full_precision():  # the prediction assumes an optimum of the exact f, not of a TF32 approximation
        return render(model, o, param=param, transforms=transforms, steps=steps, lbfgs_steps=lbfgs_steps, lr=lr,
                      seed=seed, progress=progress, **render_kwargs)
