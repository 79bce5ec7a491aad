"""Gradient-based Inverse Feature Visualization (Grad-IFV, Reinbold & Westermann 2020): from an image
that feature visualization produced, recover the objective it was optimized for (`fv.ifv`).

Feature visualization turns a target objective θ₀ (a unit vector over a layer's m features) into an
image, its *realization* x*. The feature response ρ(x) ∈ ℝᵐ aggregates a layer's activations per
channel, and FV maximizes ``f(x; θ) = ⟨ρ, θ⟩ · cos(ρ, θ)^β``; both are set by a `FeatureSpec`.
The gradient w.r.t. the image parameters p factors as ``s(θ) · Mᵀθ`` with
``M = [(β+1) I − β ρ̂ρ̂ᵀ] J`` and ``J = ∂ρ/∂p``; at a realization Mᵀθ₀ ≈ 0, so the predicted θ̂ is
M's left singular vector with the smallest singular value, optionally restricted to a critical
space C found by Algorithm 1 from sampled realizations.

Modules, in the order of an experiment: `features` (ρ and the objective), `sampling` (targets,
parameterizations, realizations), `jacobian`, `prediction` (θ̂ from M), `critical`
(Algorithm 1), `stability` (SSIM re-optimization, coefficients); `api` holds the prediction
entry points and `result` what they return.

Example:
    >>> from fviz_widgets import ifv
    >>> ifv.FeatureSpec(beta=0, channels=range(4)).describe()
    'maxpool_mean (3/2), β = 0, first 4 channels'
"""

from .api import predict_objective, predict_objectives
from .critical import critical_space, scan_thresholds
from .features import FeatureSpec, feature_response, objective
from .jacobian import jacobian
from .result import CriticalSpace, IFVResult
from .sampling import PARAMETERIZATIONS, make_param, realize, sample_objectives
from .stability import coefficients, mean_squared_coefficients, reoptimize, stability_check

__all__ = [
    "PARAMETERIZATIONS",
    "CriticalSpace",
    "FeatureSpec",
    "IFVResult",
    "coefficients",
    "critical_space",
    "feature_response",
    "jacobian",
    "make_param",
    "mean_squared_coefficients",
    "objective",
    "predict_objective",
    "predict_objectives",
    "realize",
    "reoptimize",
    "sample_objectives",
    "scan_thresholds",
    "stability_check",
]
