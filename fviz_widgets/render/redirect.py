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
import warnings
from typing import Iterator

import torch
from torch import nn

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


@contextlib.contextmanager
def redirected(model: nn.Module, enabled: bool = True) -> Iterator[None]:
    """Swap ReLU/GELU module outputs for the redirected ReLU while the block runs.

    Example:
        >>> net = nn.Sequential(nn.Linear(2, 2), nn.ReLU())
        >>> with redirected(net):
        ...     type(net(torch.ones(1, 2)).grad_fn).__name__
        'RedirectedReLUBackward'
    """
    handles = []
    if enabled:
        def hook(module, inputs, output):
            return RedirectedReLU.apply(inputs[0])

        for module in model.modules():
            if isinstance(module, (nn.ReLU, nn.GELU)):
                # prepend: the capture hooks on the same module must see the redirected output
                handles.append(module.register_forward_hook(hook, prepend=True))
        if not handles:
            warnings.warn("redirect_steps > 0 but the model has no nn.ReLU / nn.GELU modules", stacklevel=4)
    try:
        yield
    finally:
        for handle in handles:
            handle.remove()
