"""Invariance: the optimal stimulus of a unit on a sphere, its most and least invariant directions
and geodesic walks along them (`fv.invariance`, `fv.unit_invariance`).

Modules, in the order the analysis runs: `spaces` (pixels, FFT parameters, flat vectors), `units`
(g and its derivatives), `sphere` (x⁺), `spectrum` (the tangent Hessian), `walks`; `api` holds
the entry points, `result` what they return, `quadratic` the closed-form ground truth.

Example:
    >>> from fviz_widgets.invariance import QuadraticForm, unit_invariance
    >>> result = unit_invariance(QuadraticForm.random(8, seed=0), k=1, progress=False)
    >>> result.curvatures.shape, result.spectrum
    ((2,), 'lanczos')
"""

from .api import DEFAULT_RMS, DENSE_MAX_N, InvarianceOptions, invariance, unit_invariance
from .quadratic import ClosedForm, QuadraticForm
from .result import Convergence, InvarianceResult, Walk
from .spaces import HermitianEmbedding

__all__ = [
    "DEFAULT_RMS",
    "DENSE_MAX_N",
    "ClosedForm",
    "Convergence",
    "HermitianEmbedding",
    "InvarianceOptions",
    "InvarianceResult",
    "QuadraticForm",
    "Walk",
    "invariance",
    "unit_invariance",
]
