"""Predict the objective a feature visualization was optimized for: `predict_objective` (one
realization) and `predict_objectives` (a batch, one batched Jacobian).

Example:
    >>> import fviz_widgets as fv
    >>> from fviz_widgets import ifv
    >>> model = fv.zoo.shapes_cnn("softplus")
    >>> features = ifv.FeatureSpec(channels=range(8))
    >>> theta0 = ifv.sample_objectives(1, 8, seed=0)[0]
    >>> result = ifv.realize(model, "conv3", theta0, features, size=32, steps=150, lbfgs_steps=50)
    >>> prediction = ifv.predict_objective(model, "conv3", result, features, target=theta0)
    >>> prediction.angles["predicted"] < prediction.angles["response"]
    True
"""

from __future__ import annotations

from typing import Any, List, Optional, Union

import numpy as np
import torch
from torch import nn

from ..core.images import to_hwc
from ..core.model import device_of
from .features import ArrayLike, FeatureSpec, unit_rows
from .jacobian import jacobian
from .prediction import allowed_basis, as_basis, inactive_features, singular_spectrum, solve
from .result import IFVResult
from .sampling import as_param

__all__ = ["predict_objective", "predict_objectives"]


def predict_objectives(
    model: nn.Module,
    layer: str,
    realizations: Any,
    features: FeatureSpec = FeatureSpec(),
    *,
    param: Union[None, str, nn.Module] = None,
    critical_space: Any = None,
    target: Optional[ArrayLike] = None,
    exclude_inactive: bool = True,
    inactive_tolerance: float = 1e-6,
    method: str = "batched",
    chunk_size: Optional[int] = None,
) -> List[IFVResult]:
    """`predict_objective` for every item of a batch of realizations (one batched Jacobian).

    Example:
        >>> import fviz_widgets as fv
        >>> from fviz_widgets import ifv
        >>> images = fv.render(fv.zoo.shapes_cnn(), "act3:0", size=32, batch=2, steps=4, progress=False).images
        >>> results = ifv.predict_objectives(fv.zoo.shapes_cnn(), "act3", images, ifv.FeatureSpec(channels=range(4)))
        >>> len(results), results[0].theta.shape, results[0].images.shape
        (2, (4,), (1, 32, 32, 3))
    """
    p = as_param(realizations, param, device_of(model))
    rho, J = jacobian(model, layer, p, features, method=method, chunk_size=chunk_size)
    if not (torch.isfinite(rho).all() and torch.isfinite(J).all()):
        raise ValueError(f"the feature response of {layer!r} or its Jacobian is not finite at the realization "
                         "(NaN or inf in the image, the model or its gradient); IFV needs a finite realization")
    U, S = singular_spectrum(rho, J, features.beta)
    n, m = rho.shape
    basis = as_basis(critical_space, m)
    targets = None
    if target is not None:
        targets = unit_rows(target).numpy()
        targets = np.broadcast_to(targets, (n, m)) if targets.ndim == 1 else targets
        if targets.shape != (n, m):
            raise ValueError(f"target has shape {targets.shape}, expected ({m},) or ({n}, {m})")
    with torch.no_grad():
        images = to_hwc(p())
    rho_np = rho.cpu().double().numpy()
    off = inactive_features(rho_np, J.detach().cpu().double().norm(dim=-1).numpy(), inactive_tolerance)
    results = []
    for i in range(n):
        allowed = allowed_basis(basis, off[i] if exclude_inactive else [], m)
        theta, values = solve(U[i], S[i], allowed, rho_np[i])
        results.append(IFVResult(
            theta=theta, singular_values=S[i], left_singular_vectors=U[i], response=rho_np[i],
            layer=layer, features=features, critical_space=basis, critical_singular_values=values,
            target=None if targets is None else targets[i].copy(),
            inactive=off[i], exclude_inactive=exclude_inactive, images=images[i : i + 1],
        ))
    return results


def predict_objective(
    model: nn.Module,
    layer: str,
    realization: Any,
    features: FeatureSpec = FeatureSpec(),
    *,
    param: Union[None, str, nn.Module] = None,
    critical_space: Any = None,
    target: Optional[ArrayLike] = None,
    index: Optional[int] = None,
    exclude_inactive: bool = True,
    inactive_tolerance: float = 1e-6,
    method: str = "batched",
    chunk_size: Optional[int] = None,
) -> IFVResult:
    """Predict the objective θ̂ a realization was optimized for: ``argmin ‖Mᵀθ‖`` over unit θ ∈ C.

    Args:
        model, layer: the network and the layer whose channels are the features.
        realization: a `RenderResult` (its parameterization is used as it is, exactly), a
            parameterization module, or images (any form `fv.core.as_images` takes), which are
            then parameterized by `param` (default ``"pixel"``) through its inverse.
        features: the objective's `FeatureSpec` (aggregation, channels, β).
        param: a parameterization name (`PARAMETERIZATIONS`) or module to differentiate through.
        critical_space: a `CriticalSpace` or a basis [m, k] to restrict θ̂ to; None: all of ℝᵐ.
        target: θ₀ if known, for the angles in the result.
        index: which item of a batch (required for batches of more than one).
        exclude_inactive: restrict θ̂ to θ_k = 0 on features that are off at this realization
            (ρ_k and its Jacobian row below `inactive_tolerance` relative to the largest): each such
            e_k is a trivial solution (see `IFVResult.inactive`). False keeps them, as the paper
            does; then only a critical space removes them.
        method, chunk_size: how the Jacobian is computed (see `jacobian`).

    Example:
        >>> import fviz_widgets as fv
        >>> from fviz_widgets import ifv
        >>> image = fv.render(fv.zoo.shapes_cnn(), "act3:0", size=32, steps=4, progress=False)
        >>> ifv.predict_objective(fv.zoo.shapes_cnn(), "act3", image, ifv.FeatureSpec(beta=2)).m
        64
    """
    results = predict_objectives(
        model, layer, realization, features, param=param, critical_space=critical_space, target=target,
        exclude_inactive=exclude_inactive, inactive_tolerance=inactive_tolerance, method=method,
        chunk_size=chunk_size,
    )
    if index is None:
        if len(results) != 1:
            raise ValueError(f"the realization holds {len(results)} images: pass index= or use predict_objectives")
        index = 0
    return results[index]
