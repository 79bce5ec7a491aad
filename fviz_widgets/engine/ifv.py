"""Gradient-based Inverse Feature Visualization (Grad-IFV, Reinbold & Westermann 2020).

Feature visualization (FV) turns a target objective θ₀ (a unit vector over a layer's m features)
into an image, its *realization* x*. IFV goes back: from x* it recovers the objective it was
optimized for.

- The *feature response* ρ(x) ∈ ℝᵐ aggregates a layer's activations per channel (`aggregate`):
  max-pool then spatial mean by default, or plain mean, centre pick, or class probabilities.
- FV maximizes ``f(x; θ) = ⟨ρ, θ⟩ · cos(ρ, θ)^β`` (`objective`, an `fv.obj` objective).
- Its gradient w.r.t. the image parameters p factors as ``s(θ) · Mᵀθ`` with
  ``M = [(β+1) I − β ρ̂ρ̂ᵀ] J`` and ``J = ∂ρ/∂p`` (`jacobian`, one batched backward pass for
  all m rows). At a realization, Mᵀθ₀ ≈ 0, so the predicted objective θ̂ is the left singular
  vector of M with the smallest singular value, optionally restricted to a critical space C
  (`predict_objective` → `IFVResult`).
- Trivial solutions shared by every realization (dead units, a softmax shift) are found from
  sampled realizations by Algorithm 1 (`critical_space`, `scan_thresholds`) and factored out.
  Features that are off at one realization (ρ_k = 0 with a zero Jacobian row, e.g. a ReLU channel
  FV switched off) are trivial for that realization only; by default θ̂ leaves them at zero.
- Evaluation helpers: `sample_objectives` (uniform Hoyer sparseness), `stability_check`
  (re-optimize and compare by SSIM), `coefficients` over left singular vectors.

Example:
    >>> import fviz_widgets as fv
    >>> from fviz_widgets.engine import ifv
    >>> model = fv.zoo.shapes_cnn()
    >>> theta0 = ifv.sample_objectives(1, 16, seed=0)[0]
    >>> result = ifv.realize(model, "act3", theta0, beta=2, channels=16, steps=200, lbfgs_steps=50)
    >>> prediction = ifv.predict_objective(model, "act3", result, beta=2, channels=16, target=theta0)
    >>> prediction.angles["predicted"] < prediction.angles["response"]
    True
"""

from __future__ import annotations

import copy
import io
import math
from dataclasses import dataclass, field, replace
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from . import params as params_module
from .hooks import canonical, capture
from .linalg import as_matrix, orthogonal_complement, orthonormal_basis, slerp_subspaces
from .metrics import angular_distance, hoyer_sparseness, ssim
from .modelstate import device_of, frozen, full_precision
from .objectives import Leaf, Objective, _fmt_vector, _name, _Raw
from .preprocess import input_shape

__all__ = [
    "AGGREGATIONS",
    "PARAMETERIZATIONS",
    "CriticalSpace",
    "IFVResult",
    "aggregate",
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

#: How activations become a feature response (see `aggregate`).
AGGREGATIONS = ("maxpool_mean", "mean", "center", "softmax")
#: Parameterizations of §3.7: sigmoid(pixels), sigmoid(iFFT(p)), sigmoid(iFFT(p scaled by 1/f)).
PARAMETERIZATIONS = ("pixel", "fft", "scaled_fft")
#: Default max-pool window and stride of the ``maxpool_mean`` aggregation.
KERNEL, STRIDE = 3, 2

Channels = Union[None, int, Sequence[int]]
ArrayLike = Union[np.ndarray, Tensor, Sequence[float]]


# --- feature response --------------------------------------------------------------------------
def _channel_index(channels: Channels, count: int) -> Optional[List[int]]:
    if channels is None:
        return None
    if isinstance(channels, (int, np.integer)):
        if not 0 < channels <= count:
            raise ValueError(f"channels={channels}: the layer has {count} channels")
        return list(range(int(channels)))
    index = [int(c) for c in channels]
    bad = [c for c in index if not 0 <= c < count]
    if bad or not index:
        raise IndexError(f"channel(s) {bad or index} out of range for a layer with {count} channels")
    return index


def aggregate(
    a: Tensor,
    aggregation: str = "maxpool_mean",
    *,
    kernel: int = KERNEL,
    stride: int = STRIDE,
    channels: Channels = None,
) -> Tensor:
    """Activations [N, C, *spatial] → feature response [N, m] (m = C or the chosen channels).

    Aggregations:
        ``maxpool_mean``: 2-D max-pool (window `kernel`, clipped to the map size, and `stride`),
        then the spatial mean (seed 001 §2.3: it breaks the linearity a plain mean would keep);
        ``mean``: the spatial mean; ``center``: the centre position;
        ``softmax``: the spatial mean, then a softmax over all channels (class probabilities of a
        logit layer, the classification layer of §3.5).
    A dense activation [N, C] passes through unchanged (``softmax`` still applies the softmax).
    `channels` keeps the first `channels` channels (an int) or the listed ones.

    Example:
        >>> a = torch.arange(16.0).view(1, 1, 4, 4)
        >>> aggregate(a, "maxpool_mean", kernel=2, stride=2).item(), aggregate(a, "center").item()
        (10.0, 10.0)
    """
    if aggregation not in AGGREGATIONS:
        raise ValueError(f"unknown aggregation {aggregation!r}; choose one of {', '.join(AGGREGATIONS)}")
    if a.ndim < 2:
        raise ValueError(f"expected activations [N, C, ...], got shape {tuple(a.shape)}")
    index = _channel_index(channels, a.shape[1])
    if a.ndim > 2:
        if aggregation == "maxpool_mean":
            if a.ndim == 4:
                k = (min(kernel, a.shape[2]), min(kernel, a.shape[3]))
                a = F.max_pool2d(a, k, stride)
            elif a.ndim == 3:
                a = F.max_pool1d(a, min(kernel, a.shape[2]), stride)
            else:
                raise ValueError(f"maxpool_mean handles 1-D and 2-D maps, got shape {tuple(a.shape)}")
            a = a.flatten(2).mean(2)
        elif aggregation == "center":
            for _ in range(a.ndim - 2):
                a = a.select(2, a.shape[2] // 2)
        else:
            a = a.flatten(2).mean(2)
    if aggregation == "softmax":
        a = a.softmax(dim=1)
    if index is not None:
        a = a[:, index]
    return a


def _images(x: Any, device: Optional[torch.device] = None) -> Tensor:
    """Images as an NCHW float tensor: tensors are NCHW / CHW, numpy arrays HWC / NHWC."""
    if isinstance(x, np.ndarray):
        t = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))
        t = t.unsqueeze(0) if t.ndim == 3 else t
        if t.ndim != 4:
            raise ValueError(f"expected images [H, W, C] or [N, H, W, C], got shape {x.shape}")
        t = t.permute(0, 3, 1, 2)
    elif isinstance(x, Tensor):
        t = x.unsqueeze(0) if x.ndim == 3 else x
        if t.ndim != 4:
            raise ValueError(f"expected images [C, H, W] or [N, C, H, W], got shape {tuple(x.shape)}")
    else:
        raise TypeError(f"expected an image tensor or array, got {type(x).__name__}")
    return t.to(device) if device is not None else t


def feature_response(
    model: nn.Module,
    layer: str,
    x: Any,
    aggregation: str = "maxpool_mean",
    *,
    kernel: int = KERNEL,
    stride: int = STRIDE,
    channels: Channels = None,
) -> Tensor:
    """ρ(x): the aggregated activation of `layer` per channel, [N, m].

    `x` is an image batch in the model's input domain (tensor [N, C, H, W] / [C, H, W], or numpy
    [N, H, W, C] / [H, W, C] as results hand out); the model's `Preprocess` is applied. Keeps the
    autograd graph only when `x` requires grad.

    Example:
        >>> rho = feature_response(fv.zoo.shapes_cnn(), "act3", torch.rand(2, 3, 64, 64))
        >>> tuple(rho.shape)
        (2, 64)
    """
    x = _images(x, device_of(model))
    with torch.set_grad_enabled(x.requires_grad), capture(model, [layer]) as run:
        a = run(x)[canonical(layer)]
        return aggregate(a, aggregation, kernel=kernel, stride=stride, channels=channels)


def _unit_rows(theta: ArrayLike) -> Tensor:
    t = torch.as_tensor(np.asarray(theta, dtype=np.float64) if not isinstance(theta, Tensor) else theta)
    t = t.detach().to(torch.float64)
    if t.ndim not in (1, 2):
        raise ValueError(f"theta must be a vector [m] or one per item [N, m], got shape {tuple(t.shape)}")
    norm = t.norm(dim=-1, keepdim=True)
    if not torch.isfinite(t).all() or (norm == 0).any():
        raise ValueError("theta must be finite and non-zero")
    return t / norm


def objective(
    layer: str,
    theta: ArrayLike,
    *,
    beta: float = 2.0,
    aggregation: str = "maxpool_mean",
    kernel: int = KERNEL,
    stride: int = STRIDE,
    channels: Channels = None,
    eps: float = 1e-12,
) -> Objective:
    """The FV objective ``f(x; θ) = ⟨ρ, θ⟩ · |cos(ρ, θ)|^β`` as an `fv.obj` objective.

    θ is normalized to the unit sphere; pass one vector [m] for every batch item or one per item
    [N, m] to render N objectives in one batch. For cos ≥ 0 (where FV lives) ``|cos|^β`` is the
    paper's ``cos^β``; the absolute value keeps non-integer β defined and the sign of f that of
    ⟨ρ, θ⟩. β = 0 is the plain dot product (§3.6).

    Example:
        >>> o = objective("act3", torch.ones(64), beta=2)
        >>> r = fv.render(model, o, steps=64, transforms=None, progress=False)   # doctest: +SKIP
    """
    if aggregation not in AGGREGATIONS:
        raise ValueError(f"unknown aggregation {aggregation!r}; choose one of {', '.join(AGGREGATIONS)}")
    if beta < 0:
        raise ValueError(f"beta must be ≥ 0, got {beta}")
    unit = _unit_rows(theta)

    def compute(acts):
        rho = aggregate(acts[canonical(layer)], aggregation, kernel=kernel, stride=stride, channels=channels)
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

    vector = _fmt_vector(unit) if unit.ndim == 1 else f"<{unit.shape[0]}×{unit.shape[1]} objectives>"
    name = _name("ifv_objective", layer, _Raw(vector), beta=f"{beta:g}", aggregation=aggregation,
                 channels=_channels_repr(channels))
    return Leaf(compute, name, [layer])


def _channels_repr(channels: Channels) -> Optional[str]:
    if channels is None:
        return None
    if isinstance(channels, (int, np.integer)):
        return f"first {int(channels)}"
    return f"<{len(channels)} channels>"


# --- parameterizations ---------------------------------------------------------------------------
def make_param(
    kind: str,
    shape: Sequence[int],
    *,
    init: Optional[Tensor] = None,
    seed: int = 0,
    decorrelate: bool = False,
    sd: float = 0.01,
    device: Union[str, torch.device, None] = None,
) -> params_module.Param:
    """A parameterization of §3.7 for images [N, C, H, W] in [0, 1] (sigmoid squash).

    ``pixel``: sigmoid of free pixels; ``fft``: sigmoid of an inverse FFT of an unscaled spectrum
    (decay 0); ``scaled_fft``: the spectrum scaled by 1/frequency (decay 1) first, favouring low
    frequencies. `decorrelate` adds the ImageNet colour decorrelation (off: the paper's setup).

    Example:
        >>> make_param("scaled_fft", (2, 3, 32, 32))
        fft((2, 3, 32, 32), decay=1, squash='sigmoid', decorrelate=False)
    """
    if kind == "pixel":
        return params_module.pixel(shape, init=init, seed=seed, sd=sd, decorrelate=decorrelate, device=device)
    if kind in ("fft", "scaled_fft"):
        decay = 0.0 if kind == "fft" else 1.0
        return params_module.fft(shape, decay=decay, init=init, seed=seed, sd=sd, decorrelate=decorrelate,
                                 device=device)
    raise ValueError(f"unknown parameterization {kind!r}; choose one of {', '.join(PARAMETERIZATIONS)}")


def _as_param(realization: Any, param: Union[None, str, nn.Module], device: torch.device) -> nn.Module:
    """The parameterization to differentiate through, holding the realization."""
    if isinstance(param, nn.Module):
        return param
    if isinstance(realization, nn.Module):
        return realization
    held = getattr(realization, "param", None)
    if isinstance(held, nn.Module) and param is None:
        return held
    images = getattr(realization, "images", realization)
    x = _images(images).to(torch.float32)
    return make_param(param or "pixel", tuple(x.shape), init=x.cpu(), device=device)


# --- the Jacobian ----------------------------------------------------------------------------------
def _flat_rows(grads: Sequence[Tensor], n: int, m: int) -> Tensor:
    """Per-parameter gradients [m, *shape] → J [N, m, d] (items are the leading parameter dim)."""
    rows = []
    for g in grads:
        if n > 1 and (g.ndim < 2 or g.shape[1] != n):
            raise ValueError(
                "with a batch of realizations every parameter's first dimension must be the batch; "
                "predict one realization at a time for this parameterization"
            )
        rows.append(g.reshape(m, n, -1).transpose(0, 1))
    return torch.cat(rows, dim=-1)


def jacobian(
    model: nn.Module,
    layer: str,
    param: nn.Module,
    *,
    aggregation: str = "maxpool_mean",
    kernel: int = KERNEL,
    stride: int = STRIDE,
    channels: Channels = None,
    method: str = "batched",
    chunk_size: Optional[int] = None,
) -> Tuple[Tensor, Tensor]:
    """Feature responses ρ [N, m] and Jacobians J = ∂ρ/∂p [N, m, d] of every item of `param`.

    The m rows are computed in one batched backward pass: a batch of m cotangents e_j, each set
    for every item at once (items do not interact in an eval-mode network), pushed through with
    ``method="batched"`` (``autograd.grad(..., is_grads_batched=True)``) or ``"vmap"``
    (``torch.func.vmap`` over ``torch.func.vjp``). ``"loop"`` runs m separate backward passes and
    exists as the reference for tests and benchmarks. `chunk_size` bounds how many rows go
    through one batched pass (memory). d counts every parameter entry of one item.

    Example:
        >>> p = make_param("pixel", (1, 3, 32, 32))
        >>> rho, J = jacobian(fv.zoo.shapes_cnn(), "act3", p, channels=8)
        >>> tuple(J.shape)
        (1, 8, 3072)
    """
    if method not in ("batched", "vmap", "loop"):
        raise ValueError(f"method must be 'batched', 'vmap' or 'loop', got {method!r}")
    named = [(name, p) for name, p in param.named_parameters() if p.requires_grad]
    if not named:
        raise ValueError("the parameterization has no parameters that require grad")
    names, tensors = [n for n, _ in named], [p for _, p in named]
    layer = canonical(layer)

    def response(image: Tensor, run) -> Tensor:
        return aggregate(run(image)[layer], aggregation, kernel=kernel, stride=stride, channels=channels)

    with frozen(model), full_precision(), capture(model, [layer]) as run:
        if method == "vmap":
            def f(*ts):
                image = torch.func.functional_call(param, dict(zip(names, ts)), ())
                return response(image, run)

            rho, vjp_fn = torch.func.vjp(f, *[t.detach() for t in tensors])
            n, m = rho.shape
            cotangents = _cotangents(rho)
            parts = [torch.func.vmap(vjp_fn)(chunk) for chunk in _chunks(cotangents, chunk_size)]
            grads = [torch.cat([p[i] for p in parts]) for i in range(len(tensors))]
        else:
            with torch.enable_grad():
                rho = response(param(), run)
            n, m = rho.shape
            cotangents = _cotangents(rho)
            if method == "batched":
                chunks = list(_chunks(cotangents, chunk_size))
                parts = []
                for i, chunk in enumerate(chunks):
                    parts.append(torch.autograd.grad(
                        rho, tensors, grad_outputs=chunk, is_grads_batched=True,
                        retain_graph=i < len(chunks) - 1, allow_unused=True,
                    ))
                grads = [torch.cat([_zeros_if_none(p[i], t, len(c)) for p, c in zip(parts, chunks)])
                         for i, t in enumerate(tensors)]
            else:
                rows = []
                for j in range(m):
                    g = torch.autograd.grad(rho, tensors, grad_outputs=cotangents[j], retain_graph=j < m - 1,
                                            allow_unused=True)
                    rows.append([_zeros_if_none(gi, t, None) for gi, t in zip(g, tensors)])
                grads = [torch.stack([r[i] for r in rows]) for i in range(len(tensors))]
    return rho.detach(), _flat_rows(grads, n, m).detach()


def _cotangents(rho: Tensor) -> Tensor:
    """[m, N, m]: cotangent j is e_j for every item."""
    n, m = rho.shape
    eye = torch.eye(m, dtype=rho.dtype, device=rho.device)
    return eye[:, None, :].expand(m, n, m).contiguous()


def _chunks(t: Tensor, size: Optional[int]):
    if size is None or size >= t.shape[0]:
        yield t
        return
    if size < 1:
        raise ValueError(f"chunk_size must be ≥ 1, got {size}")
    yield from t.split(size)


def _zeros_if_none(g: Optional[Tensor], like: Tensor, batch: Optional[int]) -> Tensor:
    if g is not None:
        return g
    shape = like.shape if batch is None else (batch, *like.shape)
    return torch.zeros(shape, dtype=like.dtype, device=like.device)


# --- prediction ------------------------------------------------------------------------------------
def _spectrum(rho: Tensor, J: Tensor, beta: float) -> Tuple[np.ndarray, np.ndarray]:
    """Left singular vectors [N, m, m] and singular values [N, m] of M = [(β+1)I − βρ̂ρ̂ᵀ] J, both
    ascending; float64, one item at a time (M is m×d and d can be large)."""
    n, m, d = J.shape
    Us, Ss = [], []
    for i in range(n):
        r, Ji = rho[i].detach().cpu().double(), J[i].detach().cpu().double()
        norm = r.norm()
        rhat = r / norm if norm > 0 else torch.zeros_like(r)
        M = ((beta + 1) * torch.eye(m, dtype=torch.float64) - beta * torch.outer(rhat, rhat)) @ Ji
        if m <= d:
            U, S, _ = torch.linalg.svd(M, full_matrices=False)
        else:  # more features than parameters: the missing singular values are zero
            U, S, _ = torch.linalg.svd(M, full_matrices=True)
            S = torch.cat([S, torch.zeros(m - d, dtype=S.dtype)])
        Us.append(U.flip(-1).numpy())
        Ss.append(S.flip(-1).numpy())
    return np.stack(Us), np.stack(Ss)


def _basis(space: Any, m: int) -> Optional[np.ndarray]:
    if space is None:
        return None
    basis = space.basis if isinstance(space, CriticalSpace) else orthonormal_basis(as_matrix(space))
    if basis.shape[0] != m:
        raise ValueError(f"the critical space lives in ℝ^{basis.shape[0]} but there are {m} features")
    if basis.shape[1] == 0:
        raise ValueError("the critical space is empty (dimension 0)")
    return basis


def _allowed(basis: Optional[np.ndarray], inactive: Sequence[int], m: int) -> Optional[np.ndarray]:
    """Basis of C ∩ {θ : θ_k = 0 for inactive k} (C itself if that leaves nothing)."""
    if not len(inactive):
        return basis
    q = np.eye(m) if basis is None else basis
    rows = q[list(inactive)]
    _, s, vt = np.linalg.svd(rows, full_matrices=True)
    rank = int((s > 1e-10).sum())
    null = vt[rank:].T
    if null.shape[1] == 0:
        return basis
    return q @ null


def _solve(U: np.ndarray, S: np.ndarray, basis: Optional[np.ndarray], rho: np.ndarray
           ) -> Tuple[np.ndarray, Optional[np.ndarray]]:
    """θ̂ = argmin ‖Mᵀθ‖ over unit θ in span(basis), sign fixed so ⟨ρ, θ̂⟩ ≥ 0."""
    if basis is None:
        theta, values = U[:, 0].copy(), None
    else:
        # QᵀM = (QᵀU S) Vᵀ with V orthonormal: the SVD of the small k×m matrix QᵀU·S suffices
        y, sigma, _ = np.linalg.svd((basis.T @ U) * S[None, :], full_matrices=True)
        k = basis.shape[1]
        values = np.concatenate([sigma, np.zeros(k - sigma.size)])[::-1].copy()
        theta = basis @ y[:, -1]
    if theta @ rho < 0:
        theta = -theta
    return theta / np.linalg.norm(theta), values


@dataclass
class IFVResult:
    """A predicted objective and what it was computed from.

    Attributes:
        theta: θ̂, the predicted objective (unit vector [m]; ⟨ρ, θ̂⟩ ≥ 0); inside the critical
            space when one was given.
        singular_values: singular values of M, ascending [m] (zeros pad when m > d).
        left_singular_vectors: the matching left singular vectors as columns [m, m]; column 0
            (the smallest singular value) is the unconstrained prediction.
        response: the feature response ρ of the realization [m].
        beta, layer, aggregation, channels: the objective's setup.
        critical_space: orthonormal basis [m, k] of C, or None (C = ℝᵐ).
        critical_singular_values: singular values of QᵀM, ascending [k] (None without C).
        target: θ₀ when known (unit vector), for the angles.
        inactive: features that are off at this realization (ρ_k = 0 and a zero Jacobian row, e.g.
            a ReLU channel that never fires on it). Each e_k of them is a trivial solution (the
            realization is stationary for θ₀ + c·e_k for any c), so θ̂ is only defined modulo them.
        exclude_inactive: whether θ̂ was restricted to θ_k = 0 on the inactive features.
    """

    theta: np.ndarray
    singular_values: np.ndarray
    left_singular_vectors: np.ndarray
    response: np.ndarray
    beta: float
    layer: str
    aggregation: str
    channels: Optional[List[int]] = None
    critical_space: Optional[np.ndarray] = None
    critical_singular_values: Optional[np.ndarray] = None
    target: Optional[np.ndarray] = None
    inactive: List[int] = field(default_factory=list)
    exclude_inactive: bool = True

    @property
    def m(self) -> int:
        """Number of features."""
        return self.theta.shape[0]

    @property
    def angles(self) -> Dict[str, float]:
        """Angular distances in degrees.

        ``predicted_vs_response``: ∠(θ̂, ρ). With a target: ``predicted``: ∠(θ̂, P_C θ₀) (θ₀
        projected onto the critical space, the best C allows), ``response``: ∠(ρ, θ₀), with a
        critical space also ``response_in_critical_space``: ∠(P_C ρ, P_C θ₀), and when inactive
        features were excluded ``predicted_active``: ∠(θ̂, θ₀ projected onto C without them).
        """
        out = {"predicted_vs_response": float(angular_distance(self.theta, self.response))}
        if self.target is not None:
            target = self.project(self.target)
            out["predicted"] = float(angular_distance(self.theta, target))
            out["response"] = float(angular_distance(self.response, self.target))
            if self.critical_space is not None:
                out["response_in_critical_space"] = float(angular_distance(self.project(self.response), target))
            if self.exclude_inactive and self.inactive:
                allowed = _allowed(self.critical_space, self.inactive, self.m)
                active = target if allowed is None else allowed @ (allowed.T @ self.target)
                out["predicted_active"] = float(angular_distance(self.theta, active))
        return out

    def project(self, v: ArrayLike) -> np.ndarray:
        """`v` projected onto the critical space (unchanged without one)."""
        v = np.asarray(v, dtype=np.float64)
        if self.critical_space is None:
            return v
        return self.critical_space @ (self.critical_space.T @ v)

    def coefficients(self, target: Optional[ArrayLike] = None) -> np.ndarray:
        """γ with θ₀ = Σ_j γ_j u_j over the left singular vectors, ascending order (γ_0: the
        smallest singular value, so γ_0² ≈ 1 means θ̂ ≈ ±θ₀). Σ γ_j² = 1."""
        target = self.target if target is None else target
        if target is None:
            raise ValueError("no target: pass one or build the result with target=")
        t = np.asarray(target, dtype=np.float64)
        return self.left_singular_vectors.T @ (t / np.linalg.norm(t))

    def gradient_norm(self, theta: Optional[ArrayLike] = None) -> float:
        """‖Mᵀθ‖ for a unit θ (default θ̂): how far the realization is from stationary for θ."""
        t = self.theta if theta is None else np.asarray(theta, dtype=np.float64)
        t = t / np.linalg.norm(t)
        return float(np.linalg.norm(self.singular_values * (self.left_singular_vectors.T @ t)))

    def with_critical_space(self, space: Any) -> "IFVResult":
        """The prediction restricted to a critical space (a `CriticalSpace`, a basis, or None)."""
        basis = _basis(space, self.m)
        allowed = _allowed(basis, self.inactive if self.exclude_inactive else [], self.m)
        theta, values = _solve(self.left_singular_vectors, self.singular_values, allowed, self.response)
        return replace(self, theta=theta, critical_space=basis, critical_singular_values=values)

    def with_inactive(self, exclude: bool) -> "IFVResult":
        """The prediction with the inactive features excluded (True) or kept (False)."""
        return replace(self, exclude_inactive=exclude).with_critical_space(self.critical_space)

    def with_target(self, target: Optional[ArrayLike]) -> "IFVResult":
        """The same prediction with θ₀ attached (for the angles)."""
        t = None if target is None else np.asarray(target, dtype=np.float64)
        if t is not None:
            if t.shape != (self.m,):
                raise ValueError(f"target has shape {t.shape}, expected ({self.m},)")
            t = t / np.linalg.norm(t)
        return replace(self, target=t)

    def __repr__(self) -> str:
        angles = self.angles
        parts = [f"layer={self.layer!r}", f"m={self.m}", f"β={self.beta:g}", self.aggregation]
        if "predicted" in angles:
            parts.append(f"∠(θ̂,θ₀)={angles['predicted']:.2f}°")
            parts.append(f"∠(ρ,θ₀)={angles['response']:.2f}°")
        parts.append(f"∠(θ̂,ρ)={angles['predicted_vs_response']:.2f}°")
        s = self.singular_values
        parts.append(f"σ {s[0]:.3g}…{s[-1]:.3g}")
        if self.critical_space is not None:
            parts.append(f"critical space {self.critical_space.shape[1]}/{self.m}")
        if self.inactive:
            parts.append(f"{len(self.inactive)} inactive {'excluded' if self.exclude_inactive else 'kept'}")
        return f"IFVResult({', '.join(parts)})"

    def plot(self, figure=None):
        """Bars of θ₀ (if known), θ̂ and ρ̂ over channels, and the singular value spectrum.

        Draws into `figure` (a matplotlib Figure) or a new pyplot figure; returns the figure."""
        if figure is None:
            import matplotlib.pyplot as plt

            figure = plt.figure(figsize=(10, 3))
        fig = figure
        bars, spectrum = fig.subplots(1, 2, gridspec_kw={"width_ratios": [3, 1]})
        idx = np.arange(self.m)
        labels = self.channels if self.channels is not None else idx
        rhat = self.response / max(np.linalg.norm(self.response), 1e-300)
        series = [("θ̂ predicted", self.theta), ("ρ̂ response", rhat)]
        if self.target is not None:
            series.insert(0, ("θ₀ target", self.target))
        width = 0.8 / len(series)
        for i, (label, values) in enumerate(series):
            bars.bar(idx + (i - (len(series) - 1) / 2) * width, values, width, label=label)
        bars.set_xticks(idx[:: max(1, self.m // 16)])
        bars.set_xticklabels(np.asarray(labels)[:: max(1, self.m // 16)])
        bars.set_xlabel(f"channel of {self.layer}")
        bars.legend(fontsize=8)
        bars.set_title(" · ".join(f"{k} {v:.1f}°" for k, v in self.angles.items()), fontsize=8)
        spectrum.semilogy(np.maximum(self.singular_values, 1e-300), ".-")
        spectrum.set_xlabel("order j (ascending)")
        spectrum.set_title("singular values of M", fontsize=8)
        fig.tight_layout()
        return fig

    def _repr_png_(self) -> bytes:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        fig = Figure(figsize=(10, 3))
        FigureCanvasAgg(fig)
        self.plot(fig)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=72)
        return buffer.getvalue()


def predict_objectives(
    model: nn.Module,
    layer: str,
    realizations: Any,
    *,
    beta: float,
    aggregation: str = "maxpool_mean",
    kernel: int = KERNEL,
    stride: int = STRIDE,
    channels: Channels = None,
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
        >>> results = predict_objectives(model, "act3", render_result, beta=2, channels=16)  # doctest: +SKIP
    """
    device = device_of(model)
    p = _as_param(realizations, param, device)
    rho, J = jacobian(model, layer, p, aggregation=aggregation, kernel=kernel, stride=stride,
                      channels=channels, method=method, chunk_size=chunk_size)
    U, S = _spectrum(rho, J, beta)
    n, m = rho.shape
    basis = _basis(critical_space, m)
    targets = None
    if target is not None:
        targets = _unit_rows(target).numpy()
        targets = np.broadcast_to(targets, (n, m)) if targets.ndim == 1 else targets
        if targets.shape != (n, m):
            raise ValueError(f"target has shape {targets.shape}, expected ({m},) or ({n}, {m})")
    index = _channel_index(channels, 10**9)
    rho_np = rho.cpu().double().numpy()
    off = _inactive(rho_np, J.detach().cpu().double().norm(dim=-1).numpy(), inactive_tolerance)
    results = []
    for i in range(n):
        allowed = _allowed(basis, off[i] if exclude_inactive else [], m)
        theta, values = _solve(U[i], S[i], allowed, rho_np[i])
        results.append(IFVResult(
            theta=theta, singular_values=S[i], left_singular_vectors=U[i], response=rho_np[i],
            beta=float(beta), layer=layer, aggregation=aggregation, channels=index,
            critical_space=basis, critical_singular_values=values,
            target=None if targets is None else targets[i].copy(),
            inactive=off[i], exclude_inactive=exclude_inactive,
        ))
    return results


def _inactive(rho: np.ndarray, row_norms: np.ndarray, tolerance: float) -> List[List[int]]:
    """Per item, the features with ρ_k ≈ 0 and a ≈ zero Jacobian row (relative to the largest)."""
    out = []
    for r, g in zip(rho, row_norms):
        small_r = np.abs(r) <= tolerance * max(np.abs(r).max(), 1e-300)
        small_g = g <= tolerance * max(g.max(), 1e-300)
        out.append([int(k) for k in np.flatnonzero(small_r & small_g)])
    return out


def predict_objective(
    model: nn.Module,
    layer: str,
    realization: Any,
    *,
    beta: float,
    aggregation: str = "maxpool_mean",
    kernel: int = KERNEL,
    stride: int = STRIDE,
    channels: Channels = None,
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
            parameterization module, or images (tensor [N, C, H, W] / numpy [N, H, W, C]), which
            are then parameterized by `param` (default ``"pixel"``) through its inverse.
        beta, aggregation, kernel, stride, channels: the objective's setup (as in `objective`).
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
        >>> r = predict_objective(model, "act3", result, beta=2, channels=16, target=theta0)
        >>> r.angles["predicted"]   # degrees   # doctest: +SKIP
    """
    results = predict_objectives(
        model, layer, realization, beta=beta, aggregation=aggregation, kernel=kernel, stride=stride,
        channels=channels, param=param, critical_space=critical_space, target=target,
        exclude_inactive=exclude_inactive, inactive_tolerance=inactive_tolerance, method=method,
        chunk_size=chunk_size,
    )
    if index is None:
        if len(results) != 1:
            raise ValueError(f"the realization holds {len(results)} images: pass index= or use predict_objectives")
        index = 0
    return results[index]


# --- critical spaces (Algorithm 1) ---------------------------------------------------------------
@dataclass
class CriticalSpace:
    """The critical space C found by Algorithm 1 and the trivial space it excludes.

    Attributes:
        basis: orthonormal basis of C [m, k].
        trivial: orthonormal basis of the merged trivial space [m, m − k] (C's complement).
        threshold: the singular value threshold τ used; angle_limit: in degrees.
        samples: how many spectra were merged; order: the merge order.
        threshold_range: (lowest, highest) τ seen to give this dimension in a scan.
    """

    basis: np.ndarray
    trivial: np.ndarray
    threshold: float
    angle_limit: float
    samples: int
    order: str
    threshold_range: Tuple[float, float] = (math.nan, math.nan)

    @property
    def dim(self) -> int:
        """dim C."""
        return self.basis.shape[1]

    @property
    def m(self) -> int:
        """The ambient dimension."""
        return self.basis.shape[0]

    def project(self, v: ArrayLike) -> np.ndarray:
        """Orthogonal projection onto C."""
        return self.basis @ (self.basis.T @ np.asarray(v, dtype=np.float64))

    def trivial_channels(self, tolerance: float = 1e-3) -> List[int]:
        """Channels k whose unit vector e_k lies in the trivial space (‖P_trivial e_k‖² > 1 − tol):
        dead units, for instance."""
        if self.trivial.shape[1] == 0:
            return []
        weight = (self.trivial**2).sum(1)
        return [int(k) for k in np.flatnonzero(weight > 1 - tolerance)]

    def describe(self, top: int = 3, labels: Optional[Sequence[Any]] = None) -> List[str]:
        """The trivial space in words: its single channels (``'e4'``), then each remaining
        direction by its largest entries (``'+0.71·e3 -0.71·e5'``)."""
        name = (lambda i: str(labels[i])) if labels is not None else (lambda i: f"e{i}")
        axes = self.trivial_channels()
        out = [name(k) for k in axes]
        rest = self.trivial
        if axes:
            rest = self.trivial - np.eye(self.m)[:, axes] @ self.trivial[axes]
            rest = orthonormal_basis(rest, tol=1e-6)[:, : self.trivial.shape[1] - len(axes)]
        for v in rest.T:
            v = v * np.sign(v[np.argmax(np.abs(v))])
            order = np.argsort(-np.abs(v))[:top]
            terms = " ".join(f"{v[i]:+.2f}·{name(i)}" for i in order)
            out.append(terms + (" …" if self.m > top and np.abs(v[order[-1]]) > 1e-3 else ""))
        return out

    def __repr__(self) -> str:
        words = self.describe()
        trivial = ", ".join(words[:8]) + (", …" if len(words) > 8 else "")
        return (f"CriticalSpace(dim {self.dim} of {self.m}, τ={self.threshold:.3g}, "
                f"angle limit {self.angle_limit:g}°, trivial [{trivial}])")


Spectrum = Tuple[np.ndarray, np.ndarray]


def _spectra(items: Any) -> List[Spectrum]:
    """(left singular vectors, singular values), ascending, from results, (U, S) pairs or matrices."""
    if isinstance(items, (np.ndarray, Tensor)) and np.ndim(items) == 3:
        items = list(items)
    out = []
    for item in items:
        if isinstance(item, IFVResult):
            out.append((item.left_singular_vectors, item.singular_values))
        elif isinstance(item, tuple) and len(item) == 2:
            U, S = as_matrix(item[0]), np.asarray(item[1], dtype=np.float64)
            order = np.argsort(S, kind="stable")
            out.append((U[:, order], S[order]))
        else:
            M = as_matrix(item)
            m, d = M.shape
            U, S, _ = np.linalg.svd(M, full_matrices=m > d)
            S = np.concatenate([S, np.zeros(m - S.size)])
            out.append((U[:, ::-1].copy(), S[::-1].copy()))
    if not out:
        raise ValueError("critical_space needs at least one result or matrix")
    return out


def _merge(bases: List[np.ndarray], angle_limit: float, order: Union[str, Sequence[int]], seed: int) -> np.ndarray:
    """Merge subspaces pairwise until one is left, SLERP weighted by merge counts."""
    m = bases[0].shape[0]
    n = len(bases)
    if isinstance(order, str):
        if order == "sequential":
            sequence = list(range(n))
        elif order == "random":
            sequence = list(np.random.default_rng(seed).permutation(n))
        elif order == "tree":
            sequence = None
        else:
            raise ValueError(f"order must be 'sequential', 'tree', 'random' or a permutation, got {order!r}")
    else:
        sequence = [int(i) for i in order]
        if sorted(sequence) != list(range(n)):
            raise ValueError(f"order must be a permutation of 0..{n - 1}")

    def merge(a: Tuple[np.ndarray, int], b: Tuple[np.ndarray, int]) -> Tuple[np.ndarray, int]:
        (qa, wa), (qb, wb) = a, b
        if qa.shape[1] == 0 or qb.shape[1] == 0:
            return np.zeros((m, 0)), wa + wb
        merged, _ = slerp_subspaces(qa, qb, wb / (wa + wb), angle_limit=angle_limit, orthonormal=True)
        return merged, wa + wb

    items = [(bases[i], 1) for i in (sequence if sequence is not None else range(n))]
    if sequence is not None:
        acc = items[0]
        for item in items[1:]:
            if acc[0].shape[1] == 0:
                break
            acc = merge(acc, item)
        return acc[0]
    while len(items) > 1:
        paired = [merge(items[i], items[i + 1]) for i in range(0, len(items) - 1, 2)]
        items = paired + ([items[-1]] if len(items) % 2 else [])
    return items[0][0]


def critical_space(
    results_or_matrices: Any,
    threshold: float,
    angle_limit: float = 30.0,
    *,
    order: Union[str, Sequence[int]] = "sequential",
    relative: bool = False,
    seed: int = 0,
) -> CriticalSpace:
    """Algorithm 1: the critical space from sampled realizations.

    For each sample, the left singular vectors of M with singular values below `threshold` span
    a rough co-kernel (with ``relative=True`` the threshold is a fraction of that sample's largest
    singular value). These subspaces are merged two at a time until one is left: principal
    vectors of the pair, pairs at `angle_limit` degrees or more dropped, the rest SLERPed with
    weight equal to the share of samples already merged into each side. The merged space is the
    trivial space; C is its orthogonal complement.

    Args:
        results_or_matrices: `IFVResult`s, matrices M [m, d] (or an array [n, m, d]), or
            (left singular vectors, singular values) pairs.
        threshold: τ. angle_limit: degrees.
        order: ``"sequential"`` (fold in the given order), ``"tree"`` (neighbours pairwise, in
            rounds), ``"random"`` (seeded shuffle, then fold) or a permutation of the samples.

    Example:
        >>> space = critical_space(results[:32], threshold=1e-4)   # doctest: +SKIP
        >>> space.dim, space.describe()                             # doctest: +SKIP
    """
    spectra = _spectra(results_or_matrices)
    m = spectra[0][0].shape[0]
    bases = []
    for U, S in spectra:
        if U.shape[0] != m:
            raise ValueError("all samples must have the same number of features")
        tau = threshold * S[-1] if relative else threshold
        bases.append(U[:, S < tau])
    trivial = _merge(bases, angle_limit, order, seed)
    basis = orthogonal_complement(trivial, m)
    trivial = orthogonal_complement(basis, m) if trivial.shape[1] else np.zeros((m, 0))
    return CriticalSpace(basis=basis, trivial=trivial, threshold=float(threshold), angle_limit=float(angle_limit),
                         samples=len(spectra), order=order if isinstance(order, str) else "custom")


def scan_thresholds(
    results_or_matrices: Any,
    angle_limit: float = 30.0,
    *,
    order: Union[str, Sequence[int]] = "sequential",
    relative: bool = False,
    points: int = 24,
    tolerance: float = 1e-3,
    seed: int = 0,
) -> List[CriticalSpace]:
    """Every distinct critical-space dimension over τ, found by nested intervals.

    τ runs over [smallest positive singular value / 2, largest × 1.01] on a log grid of `points`;
    each interval whose ends give different dimensions is halved (geometric midpoint) until its
    ends are within a factor 1 + `tolerance`, collecting every dimension met on the way. Each
    dimension is reported once, by the space at the median τ that gave it, with the lowest and
    highest such τ in ``threshold_range``. The full space (τ below every singular value) comes
    first; the empty space (τ above all) is left out. Sorted by dimension, largest first.

    Example:
        >>> [space.dim for space in scan_thresholds(results[:32])]   # doctest: +SKIP
        [64, 50]
    """
    spectra = _spectra(results_or_matrices)
    values = np.concatenate([S / S[-1] if relative and S[-1] > 0 else S for _, S in spectra])
    positive = values[values > 0]
    if positive.size == 0:
        raise ValueError("every singular value is zero: nothing to scan")
    lo, hi = positive.min() / 2, values.max() * 1.01
    seen: Dict[float, CriticalSpace] = {}

    def at(tau: float) -> int:
        if tau not in seen:
            seen[tau] = critical_space(spectra, tau, angle_limit, order=order, relative=relative, seed=seed)
        return seen[tau].dim

    grid = list(np.geomspace(lo, hi, max(points, 2)))
    for a, b in zip(grid[:-1], grid[1:]):
        stack = [(a, b)]
        while stack:
            x, y = stack.pop()
            if at(x) != at(y) and y / x > 1 + tolerance:
                mid = math.sqrt(x * y)
                stack += [(x, mid), (mid, y)]
    at(0.0)
    by_dim: Dict[int, List[float]] = {}
    for tau, space in seen.items():
        by_dim.setdefault(space.dim, []).append(tau)
    out = []
    for dim, taus in sorted(by_dim.items(), reverse=True):
        if dim == 0:
            continue
        taus = sorted(taus)
        space = seen[taus[len(taus) // 2]]
        space.threshold_range = (taus[0], taus[-1])
        out.append(space)
    return out


# --- evaluation helpers ----------------------------------------------------------------------------
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


def coefficients(result: IFVResult, target: Optional[ArrayLike] = None) -> np.ndarray:
    """γ with θ₀ = Σ_j γ_j u_j over `result`'s left singular vectors (ascending; see
    `IFVResult.coefficients`)."""
    return result.coefficients(target)


def mean_squared_coefficients(results: Sequence[IFVResult], targets: Optional[ArrayLike] = None) -> np.ndarray:
    """Mean of γ_j² per order j over samples [m] (§3.5): how much the j-th smallest left singular
    vector contributes to the targets. It sums to 1; a first entry near 1 means θ̂ ≈ θ₀.

    Example:
        >>> mean_squared_coefficients(results, thetas)[:3]   # doctest: +SKIP
    """
    targets = [None] * len(results) if targets is None else list(np.asarray(targets, dtype=np.float64))
    return np.mean([r.coefficients(t) ** 2 for r, t in zip(results, targets)], axis=0)


# --- realizations and re-optimization --------------------------------------------------------------
def realize(
    model: nn.Module,
    layer: str,
    thetas: ArrayLike,
    *,
    beta: float = 2.0,
    aggregation: str = "maxpool_mean",
    kernel: int = KERNEL,
    stride: int = STRIDE,
    channels: Channels = None,
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
        >>> thetas = sample_objectives(8, 16, seed=0)
        >>> result = realize(model, "act3", thetas, beta=2, channels=16, steps=300)   # doctest: +SKIP
    """
    from .render import render

    unit = _unit_rows(thetas)
    batch = unit.shape[0] if unit.ndim == 2 else 1
    if isinstance(param, str):
        c, h, w = input_shape(model, size)
        param = make_param(param, (batch, c, h, w), seed=seed, device=device_of(model))
    o = objective(layer, unit, beta=beta, aggregation=aggregation, kernel=kernel, stride=stride, channels=channels)
    with full_precision():  # the prediction assumes an optimum of the exact f, not of a TF32 approximation
        return render(model, o, param=param, transforms=transforms, steps=steps, lbfgs_steps=lbfgs_steps, lr=lr,
                      seed=seed, progress=progress, **render_kwargs)


def reoptimize(
    model: nn.Module,
    layer: str,
    param: nn.Module,
    thetas: ArrayLike,
    *,
    beta: float = 2.0,
    aggregation: str = "maxpool_mean",
    kernel: int = KERNEL,
    stride: int = STRIDE,
    channels: Channels = None,
    steps: int = 500,
    lr: float = 0.05,
    seed: int = 0,
) -> Tuple[np.ndarray, np.ndarray]:
    """Re-optimize realizations for other objectives with Adam; (images after [N, H, W, C], SSIM
    before vs after [N]). `param` is copied, never changed. A realization that is a stable optimum
    of θ keeps SSIM near 1.

    Example:
        >>> after, scores = reoptimize(model, "act3", result.param, predicted, steps=100)   # doctest: +SKIP
    """
    from .render import render

    start = copy.deepcopy(param)
    with torch.no_grad():
        before = start().detach().float().cpu().permute(0, 2, 3, 1).numpy()
    o = objective(layer, thetas, beta=beta, aggregation=aggregation, kernel=kernel, stride=stride, channels=channels)
    result = render(model, o, param=start, transforms=None, steps=steps, lbfgs_steps=0, lr=lr, seed=seed,
                    progress=False)
    after = result.images
    return after, np.atleast_1d(ssim(before, after))


def stability_check(
    model: nn.Module,
    layer: str,
    param: nn.Module,
    objectives: Mapping[str, ArrayLike],
    *,
    beta: float = 2.0,
    aggregation: str = "maxpool_mean",
    kernel: int = KERNEL,
    stride: int = STRIDE,
    channels: Channels = None,
    steps: int = 500,
    lr: float = 0.05,
    seed: int = 0,
) -> Dict[str, np.ndarray]:
    """SSIM of each realization before vs after `steps` Adam steps on each named objective (§3.4).

    `objectives` maps a name to θ [m] or one per item [N, m], e.g. ``{"predicted": θ̂, "target":
    θ₀, "response": ρ, "random": r}``. Returns {name: SSIM per item [N]}.

    Example:
        >>> stability_check(model, "act3", result.param, {"predicted": p.theta, "target": theta0},
        ...                 beta=2, channels=16, steps=100)   # doctest: +SKIP
        {'predicted': array([0.99]), 'target': array([0.98])}
    """
    out = {}
    for name, thetas in objectives.items():
        _, scores = reoptimize(model, layer, param, thetas, beta=beta, aggregation=aggregation, kernel=kernel,
                               stride=stride, channels=channels, steps=steps, lr=lr, seed=seed)
        out[name] = scores
    return out
