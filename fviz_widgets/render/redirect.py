"""Gradient redirection (Lucid's trick for units that start dead): for the first steps, ReLU and
GELU modules pass gradients that would push their negative inputs up.

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
"""

from __future__ import annotations

import contextlib
import contextvars
import warnings
from typing import Iterator, Optional

import torch
from torch import nn

from ..core.model import model_lock

__all__ = ["RedirectedReLU", "redirected"]


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


_ACTIVE: contextvars.ContextVar[Optional[object]] = contextvars.ContextVar("fviz_redirect", default=None)


@contextlib.contextmanager
def redirected(model: nn.Module, enabled: bool = True) -> Iterator[None]:
    """Swap ReLU/GELU module outputs for the redirected ReLU in this thread's forward passes while
    the block runs (other threads using the model are not affected).

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
        if _ACTIVE.get() is owner:
            return RedirectedReLU.apply(inputs[0])
        return None

    with model_lock(model):
        # prepend: the capture hooks on the same module must see the redirected output
        handles = [module.register_forward_hook(hook, prepend=True) for module in model.modules()
                   if isinstance(module, (nn.ReLU, nn.GELU))]
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
