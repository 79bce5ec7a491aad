"""How good a prediction is: the stability check of §3.4 (re-optimize a realization for another
objective and compare by SSIM) and the decomposition of θ₀ over M's left singular vectors (§3.5).

Example:
    >>> from .features import FeatureSpec
    >>> from .result import IFVResult
    >>> r = IFVResult(theta=np.eye(2)[0], singular_values=np.array([0.0, 1.0]), left_singular_vectors=np.eye(2),
    ...               response=np.ones(2), layer="l", features=FeatureSpec())
    >>> coefficients(r, [0.6, 0.8]).tolist()
    [0.6, 0.8]
"""

from __future__ import annotations

import copy
from typing import Dict, Mapping, Optional, Sequence, Tuple

import numpy as np
import torch
from torch import nn

from ..core.images import to_hwc
from ..core.metrics import ssim
from ..render import render
from .features import ArrayLike, FeatureSpec, objective
from .result import IFVResult

__all__ = ["coefficients", "mean_squared_coefficients", "reoptimize", "stability_check"]


def coefficients(result: IFVResult, target: Optional[ArrayLike] = None) -> np.ndarray:
    """γ with θ₀ = Σ_j γ_j u_j over `result`'s left singular vectors (ascending; see
    `IFVResult.coefficients`)."""
    return result.coefficients(target)


def mean_squared_coefficients(results: Sequence[IFVResult], targets: Optional[ArrayLike] = None) -> np.ndarray:
    """Mean of γ_j² per order j over samples [m] (§3.5): how much the j-th smallest left singular
    vector contributes to the targets. It sums to 1; a first entry near 1 means θ̂ ≈ θ₀.

    Example:
        >>> from .features import FeatureSpec
        >>> from .result import IFVResult
        >>> r = IFVResult(theta=np.eye(2)[0], singular_values=np.array([0.0, 1.0]), left_singular_vectors=np.eye(2),
        ...               response=np.ones(2), layer="l", features=FeatureSpec(), target=np.eye(2)[0])
        >>> mean_squared_coefficients([r]).tolist()
        [1.0, 0.0]
    """
    targets = [None] * len(results) if targets is None else list(np.asarray(targets, dtype=np.float64))
    return np.mean([r.coefficients(t) ** 2 for r, t in zip(results, targets)], axis=0)


def reoptimize(
    model: nn.Module,
    layer: str,
    param: nn.Module,
    thetas: ArrayLike,
    features: FeatureSpec = FeatureSpec(),
    *,
    steps: int = 500,
    lr: float = 0.05,
    seed: int = 0,
) -> Tuple[np.ndarray, np.ndarray]:
    """Re-optimize realizations for other objectives with Adam; (images after [N, H, W, C], SSIM
    before vs after [N]). `param` is copied, never changed. A realization that is a stable optimum
    of θ keeps SSIM near 1.

    Example:
        >>> import fviz_widgets as fv
        >>> from .sampling import make_param
        >>> param = make_param("pixel", (1, 3, 32, 32), seed=0)
        >>> after, scores = reoptimize(fv.zoo.shapes_cnn(), "act3", param, np.ones(64), steps=4)
        >>> after.shape, scores.shape
        ((1, 32, 32, 3), (1,))
    """
    start = copy.deepcopy(param)
    with torch.no_grad():
        before = to_hwc(start())
    o = objective(layer, thetas, features)
    result = render(model, o, param=start, transforms=None, steps=steps, lbfgs_steps=0, lr=lr, seed=seed,
                    progress=False)
    after = result.images
    return after, np.atleast_1d(ssim(before, after))


def stability_check(
    model: nn.Module,
    layer: str,
    param: nn.Module,
    objectives: Mapping[str, ArrayLike],
    features: FeatureSpec = FeatureSpec(),
    *,
    steps: int = 500,
    lr: float = 0.05,
    seed: int = 0,
) -> Dict[str, np.ndarray]:
    """SSIM of each realization before vs after `steps` Adam steps on each named objective (§3.4).

    `objectives` maps a name to θ [m] or one per item [N, m], e.g. ``{"predicted": θ̂, "target":
    θ₀, "response": ρ, "random": r}``. Returns {name: SSIM per item [N]}.

    Example:
        >>> import fviz_widgets as fv
        >>> from .sampling import make_param
        >>> scores = stability_check(fv.zoo.shapes_cnn(), "act3", make_param("pixel", (1, 3, 32, 32)),
        ...                          {"ones": np.ones(8), "first": np.eye(8)[0]}, FeatureSpec(channels=range(8)),
        ...                          steps=4)
        >>> sorted(scores), scores["ones"].shape
        (['first', 'ones'], (1,))
    """
    out = {}
    for name, thetas in objectives.items():
        _, scores = reoptimize(model, layer, param, thetas, features, steps=steps, lr=lr, seed=seed)
        out[name] = scores
    return out
