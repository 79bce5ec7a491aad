"""The Jacobian J = ∂ρ/∂p of the feature response with respect to the image parameters, for every
item of a batch of realizations, in one batched backward pass.

Example:
    >>> import fviz_widgets as fv
    >>> from .sampling import make_param
    >>> rho, J = jacobian(fv.zoo.shapes_cnn(), "act3", make_param("pixel", (2, 3, 16, 16)),
    ...                   FeatureSpec(channels=range(4)))
    >>> tuple(rho.shape), tuple(J.shape)
    ((2, 4), (2, 4, 768))
"""

from __future__ import annotations

from typing import Optional, Sequence, Tuple

import torch
from torch import Tensor, nn

from ..core.capture import canonical, capture
from ..core.model import frozen, full_precision
from .features import FeatureSpec

__all__ = ["jacobian"]


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
    features: FeatureSpec = FeatureSpec(),
    *,
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
        >>> import fviz_widgets as fv
        >>> from .sampling import make_param
        >>> p = make_param("pixel", (1, 3, 32, 32))
        >>> rho, J = jacobian(fv.zoo.shapes_cnn(), "act3", p, FeatureSpec(channels=range(8)))
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
        return features.response(run(image)[layer])

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
