"""What an IFV objective is made of: the feature response ρ of a layer and the FV objective on it.

A `FeatureSpec` says how a layer's activations become the feature response ρ(x) ∈ ℝᵐ
(aggregation, max-pool kernel and stride, which channels) and the exponent β of the objective
``f(x; θ) = ⟨ρ, θ⟩ · cos(ρ, θ)^β``. It travels as one value through `predict_objective`,
`realize`, the experiment configs and records, and the `IFVExplorer`.

Example:
    >>> import torch
    >>> spec = FeatureSpec(beta=2, channels=range(8))
    >>> spec.response(torch.rand(1, 64, 8, 8)).shape
    torch.Size([1, 8])
    >>> FeatureSpec.from_dict(spec.to_dict()) == spec
    True
"""

from __future__ import annotations

import math
import numbers
import warnings
from dataclasses import dataclass, field, fields, replace
from typing import Any, Dict, Iterable, Optional, Tuple, Union

import numpy as np
import torch
from torch import Tensor, nn

from ..core.aggregate import AGGREGATIONS, aggregate, channel_indices
from ..core.capture import canonical, capture
from ..core.images import as_images
from ..objectives import Leaf, Objective
from ..objectives.base import Verbatim, call_repr, vector_repr

__all__ = ["FeatureSpec", "feature_response", "objective", "unit_rows"]

ArrayLike = Union[np.ndarray, Tensor, Iterable[float]]


@dataclass(frozen=True)
class FeatureSpec:
    """The feature response and the objective of an IFV experiment.

    Attributes:
        aggregation: how a channel's map becomes one value (`fviz_widgets.core.AGGREGATIONS`):
            ``maxpool_mean`` (max-pool then spatial mean, seed 001 §2.3), ``mean``, ``center``, or
            ``softmax`` (class probabilities of a logit layer).
        kernel, stride: the max-pool window and stride of ``maxpool_mean``.
        channels: the layer's channels that are features (a sequence, e.g. ``range(16)``; None:
            all of them). Stored as a tuple.
        beta: the exponent β of ``⟨ρ, θ⟩ · cos(ρ, θ)^β`` (0: the plain dot product, §3.6).

    In JSON (`to_dict`) the first k channels are written as the number k.
    """

    aggregation: str = "maxpool_mean"
    kernel: int = 3
    stride: int = 2
    channels: Optional[Tuple[int, ...]] = field(default=None)
    beta: float = 2.0

    def __post_init__(self) -> None:
        if self.aggregation not in AGGREGATIONS:
            raise ValueError(f"unknown aggregation {self.aggregation!r}; choose one of {', '.join(AGGREGATIONS)}")
        if not (isinstance(self.beta, numbers.Real) and math.isfinite(self.beta) and self.beta >= 0):
            raise ValueError(f"beta must be a number ≥ 0, got {self.beta!r}")
        for name in ("kernel", "stride"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
                raise ValueError(f"{name} must be an integer ≥ 1, got {value!r}")
        channels = self.channels
        if isinstance(channels, numbers.Integral) and not isinstance(channels, bool):
            warnings.warn(f"FeatureSpec(channels={channels}) for the first {channels} channels is deprecated; "
                          f"pass channels=range({channels})", DeprecationWarning, stacklevel=3)
            channels = range(int(channels))
        if channels is not None:
            if isinstance(channels, (str, bytes)) or not isinstance(channels, Iterable):
                raise TypeError(f"channels must be a sequence of channel numbers (e.g. range(16)) or None, "
                                f"got {channels!r}")
            channels = tuple(channels)
            bad = [c for c in channels if isinstance(c, bool) or not isinstance(c, numbers.Integral)]
            if bad or not channels:
                raise TypeError(f"channels must be integer channel numbers, got {list(channels)!r}")
            channels = tuple(int(c) for c in channels)
        object.__setattr__(self, "channels", channels)
        object.__setattr__(self, "beta", float(self.beta))

    @property
    def m(self) -> Optional[int]:
        """The number of features when the channels are listed (None: all of the layer's)."""
        return None if self.channels is None else len(self.channels)

    def indices(self, count: int) -> Tuple[int, ...]:
        """The feature channels of a layer with `count` channels, checked, as non-negative indices.

        Example:
            >>> FeatureSpec(channels=[0, -1]).indices(10), FeatureSpec().indices(3)
            ((0, 9), (0, 1, 2))
        """
        if self.channels is None:
            return tuple(range(count))
        return channel_indices(self.channels, count, name="FeatureSpec.channels")

    def response(self, a: Tensor) -> Tensor:
        """Activations [N, C, *spatial] → the feature response ρ [N, m].

        Example:
            >>> FeatureSpec(aggregation="mean", channels=[1]).response(torch.arange(8.0).view(1, 2, 2, 2)).tolist()
            [[5.5]]
        """
        rho = aggregate(a, self.aggregation, kernel=self.kernel, stride=self.stride)
        if self.channels is not None:
            rho = rho[:, list(self.indices(rho.shape[1]))]
        return rho

    def replace(self, **changes: Any) -> FeatureSpec:
        """A copy with some fields changed."""
        return replace(self, **changes)

    def to_dict(self) -> Dict[str, Any]:
        """Plain JSON-able fields; the channels 0 … k−1 are written as k."""
        channels = self.channels
        if channels is not None:
            channels = len(channels) if channels == tuple(range(len(channels))) else list(channels)
        return {"aggregation": self.aggregation, "kernel": self.kernel, "stride": self.stride,
                "channels": channels, "beta": self.beta}

    @classmethod
    def from_dict(cls, data: Dict[str, Any]) -> FeatureSpec:
        """The spec of `to_dict` (unknown keys raise; a number k of channels means the first k).

        Example:
            >>> FeatureSpec.from_dict({"channels": 3, "beta": 0}).channels
            (0, 1, 2)
        """
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown feature key(s) {unknown}; valid keys: {sorted(known)}")
        data = dict(data)
        channels = data.get("channels")
        if isinstance(channels, numbers.Integral) and not isinstance(channels, bool):
            data["channels"] = range(int(channels))
        return cls(**data)

    def describe(self) -> str:
        """One line: ``maxpool_mean (3/2), β = 2, first 16 channels``."""
        pool = f" ({self.kernel}/{self.stride})" if self.aggregation == "maxpool_mean" else ""
        if self.channels is None:
            which = "all channels"
        elif self.channels == tuple(range(len(self.channels))):
            which = f"first {len(self.channels)} channels"
        else:
            which = f"{len(self.channels)} channels"
        return f"{self.aggregation}{pool}, β = {self.beta:g}, {which}"


def feature_response(model: nn.Module, layer: str, images: Any, features: FeatureSpec = FeatureSpec()) -> Tensor:
    """ρ(x): the feature response of `layer` for images in the model's input domain (any form
    `fv.core.as_images` takes, e.g. a result's numpy [N, H, W, C]), [N, m]. The model's
    `Preprocess` is applied; the autograd graph is kept only when the images require grad.

    Example:
        >>> import fviz_widgets as fv
        >>> feature_response(fv.zoo.shapes_cnn(), "act3", torch.rand(2, 3, 64, 64)).shape
        torch.Size([2, 64])
    """
    x = as_images(images, model)
    with torch.set_grad_enabled(x.requires_grad), capture(model, [layer]) as run:
        return features.response(run(x)[canonical(layer)])


def unit_rows(theta: ArrayLike) -> Tensor:
    """θ (one vector [m] or one per item [N, m]) normalized to the unit sphere, in float64.

    Example:
        >>> unit_rows([3.0, 4.0]).tolist()
        [0.6, 0.8]
    """
    t = torch.as_tensor(np.asarray(theta, dtype=np.float64) if not isinstance(theta, Tensor) else theta)
    t = t.detach().to(torch.float64)
    if t.ndim not in (1, 2):
        raise ValueError(f"theta must be a vector [m] or one per item [N, m], got shape {tuple(t.shape)}")
    norm = t.norm(dim=-1, keepdim=True)
    if not torch.isfinite(t).all() or (norm == 0).any():
        raise ValueError("theta must be finite and non-zero")
    return t / norm


def objective(layer: str, theta: ArrayLike, features: FeatureSpec = FeatureSpec(), *, eps: float = 1e-12) -> Objective:
    """The FV objective ``f(x; θ) = ⟨ρ, θ⟩ · |cos(ρ, θ)|^β`` on `layer` as an `fv.obj` objective.

    θ is normalized to the unit sphere; pass one vector [m] for every batch item or one per item
    [N, m] to render N objectives in one batch. For cos ≥ 0 (where FV lives) ``|cos|^β`` is the
    paper's ``cos^β``; the absolute value keeps non-integer β defined and the sign of f that of
    ⟨ρ, θ⟩. β = 0 is the plain dot product (§3.6).

    Example:
        >>> o = objective("l", [1.0, 0.0], FeatureSpec(aggregation="mean", beta=2))
        >>> round(o({"l": torch.tensor([[3.0, 4.0]])}).item(), 6)
        1.08
    """
    unit = unit_rows(theta)
    beta = features.beta

    def compute(acts):
        rho = features.response(acts[canonical(layer)])
        th = unit.to(rho)
        if th.shape[-1] != rho.shape[-1]:
            raise ValueError(f"theta has {th.shape[-1]} entries but the feature response has {rho.shape[-1]}")
        if th.ndim == 2 and th.shape[0] != rho.shape[0]:
            raise ValueError(f"theta holds {th.shape[0]} objectives but the batch has {rho.shape[0]} items")
        dot = (rho * th).sum(-1)
        if beta == 0:
            return dot
        cos = dot / (rho.norm(dim=-1) + eps)
        return dot * cos.abs().pow(beta)

    vector = vector_repr(unit) if unit.ndim == 1 else Verbatim(f"<{unit.shape[0]}×{unit.shape[1]} objectives>")
    name = call_repr("ifv_objective", layer, vector, beta=f"{beta:g}", aggregation=features.aggregation,
                     channels=None if features.channels is None else Verbatim(f"<{len(features.channels)} channels>"))
    return Leaf(compute, name, [layer])
