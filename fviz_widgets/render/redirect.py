"""Gradient redirection (Lucid's trick for units that start dead): for the first steps, ReLU and
GELU modules pass gradients that would push their negative inputs up.

What it means, for an input x of the unit and the gradient g of the loss with respect to its
output (gradient *descent*, so g < 0 asks for a larger output):

- ReLU: the forward pass is the ReLU; the input gradient is g where x > 0 or g < 0, else 0. Plain
  ReLU passes g only where x > 0, so a unit whose inputs are all negative never moves.
- GELU: the forward pass is the module's own GELU (exact or ``approximate="tanh"``), unchanged;
  the input gradient is g (as through the identity) where x < 0 and g < 0, else the exact
  g · GELU′(x). Plain GELU′(x) vanishes as x → −∞ (and is negative below x ≈ −0.75, where
  it pushes the input further down), so the same units stay dead as under a ReLU.

Redirected modules: `nn.ReLU`, `nn.GELU`, and Hugging Face transformers' ``GELUActivation`` (the
exact GELU of its ViT). Outside the first `redirect_steps` steps nothing is changed.

Example:
    >>> import torch
    >>> x = torch.tensor([-1.0, 2.0], requires_grad=True)
    >>> RedirectedReLU.apply(x).sum().backward()        # descent would push x down: blocked where x < 0
    >>> x.grad.tolist()
    [0.0, 1.0]
    >>> x.grad = None
    >>> RedirectedReLU.apply(x).sum().neg().backward()  # descent would push x up: passes even where x < 0
    >>> x.grad.tolist()
    [-1.0, -1.0]
    >>> x = torch.tensor([-8.0], requires_grad=True)
    >>> RedirectedGELU.apply(x, "none").neg().sum().backward()   # plain GELU's gradient here: about −1e-13
    >>> x.grad.tolist()
    [-1.0]
"""

from __future__ import annotations

import contextlib
import contextvars
import warnings
from typing import Iterator, Optional

import torch
import torch.nn.functional as F
from torch import nn

from ..core.model import model_lock

__all__ = ["RedirectedGELU", "RedirectedReLU", "redirected"]


class RedirectedReLU(torch.autograd.Function):
    """ReLU whose gradient also flows where the input is negative, if it pushes the input up."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.clamp(min=0)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return torch.where((x > 0) | (grad < 0), grad, torch.zeros_like(grad))


class RedirectedGELU(torch.autograd.Function):
    """GELU (``approximate`` "none" or "tanh", as `nn.GELU`) whose gradient, where the input is
    negative and the gradient pushes the input up, is passed unchanged (as through the identity);
    elsewhere it is the exact GELU gradient.

    Example:
        >>> x = torch.tensor([-3.0, 1.0], requires_grad=True)
        >>> y = RedirectedGELU.apply(x, "tanh")
        >>> torch.equal(y, F.gelu(x, approximate="tanh"))
        True
        >>> y.sum().backward()                              # pushes x down: the plain GELU gradient
        >>> x.grad.tolist() == torch.autograd.grad(F.gelu(x, approximate="tanh").sum(), x)[0].tolist()
        True
    """

    @staticmethod
    def forward(ctx, x, approximate="none"):
        ctx.save_for_backward(x)
        ctx.approximate = approximate
        return F.gelu(x, approximate=approximate)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        with torch.enable_grad():
            leaf = x.detach().requires_grad_()
            (plain,) = torch.autograd.grad(F.gelu(leaf, approximate=ctx.approximate), leaf, grad)
        return torch.where((x < 0) & (grad < 0), grad, plain), None


def _is_exact_gelu(module: nn.Module) -> bool:
    """Hugging Face transformers' `GELUActivation` (its ViT's GELU): the exact GELU, not an nn.GELU."""
    return type(module).__name__ == "GELUActivation" and type(module).__module__.startswith("transformers.")


_ACTIVE: contextvars.ContextVar[Optional[object]] = contextvars.ContextVar("fviz_redirect", default=None)


@contextlib.contextmanager
def redirected(model: nn.Module, enabled: bool = True) -> Iterator[None]:
    """Swap ReLU/GELU module outputs for their redirected versions (`RedirectedReLU`,
    `RedirectedGELU`) in this thread's forward passes while the block runs (other threads using the
    model are not affected).

    Example:
        >>> net = nn.Sequential(nn.Linear(2, 2), nn.ReLU())
        >>> with redirected(net):
        ...     type(net(torch.ones(1, 2)).grad_fn).__name__
        'RedirectedReLUBackward'
    """
    if not enabled:
        yield
        return
    owner = object()

    def hook(module, inputs, output):
        if _ACTIVE.get() is not owner:
            return None
        if isinstance(module, nn.ReLU):
            return RedirectedReLU.apply(inputs[0])
        return RedirectedGELU.apply(inputs[0], getattr(module, "approximate", "none"))

    with model_lock(model):
        # prepend: the capture hooks on the same module must see the redirected output
        handles = [module.register_forward_hook(hook, prepend=True) for module in model.modules()
                   if isinstance(module, (nn.ReLU, nn.GELU)) or _is_exact_gelu(module)]
    if not handles:
        warnings.warn("redirect_steps > 0 but the model has no nn.ReLU / nn.GELU modules", stacklevel=4)
    token = _ACTIVE.set(owner)
    try:
        yield
    finally:
        _ACTIVE.reset(token)
        with model_lock(model):
            for handle in handles:
                handle.remove()
