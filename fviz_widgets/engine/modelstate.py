"""Where a model lives and how it is held still while the engine differentiates through it.

Example:
    >>> with frozen(model):             # eval mode, no weight gradients; restored afterwards
    ...     loss = model(x).sum()
    >>> with full_precision():          # no TF32 on GPUs while Jacobians and Hessians are taken
    ...     ...
"""

from __future__ import annotations

import contextlib
import warnings
from typing import Iterator

import torch
from torch import nn

from .preprocess import unwrap


def device_of(model: nn.Module) -> torch.device:
    """The device of the model's first parameter (or buffer); CPU for a stateless model."""
    tensor = next(unwrap(model).parameters(), None)
    if tensor is None:
        tensor = next(unwrap(model).buffers(), None)
    return tensor.device if tensor is not None else torch.device("cpu")


def dtype_of(model: nn.Module) -> torch.dtype:
    """The floating dtype of the model's first parameter (float32 when it has none)."""
    tensor = next(unwrap(model).parameters(), None)
    return tensor.dtype if tensor is not None and tensor.is_floating_point() else torch.float32


@contextlib.contextmanager
def frozen(model: nn.Module, warn: bool = True) -> Iterator[None]:
    """Eval mode and `requires_grad=False` on every parameter; every module's mode and every
    flag are restored afterwards, even on exceptions. Warns when the model was training."""
    modes = [(m, m.training) for m in model.modules()]
    flags = [(p, p.requires_grad) for p in model.parameters()]
    if warn and model.training:
        warnings.warn("model was in training mode; using it in eval mode (restored afterwards)", stacklevel=4)
    model.eval()
    for p, _ in flags:
        p.requires_grad_(False)
    try:
        yield
    finally:
        for p, requires in flags:
            p.requires_grad_(requires)
        for m, training in modes:
            m.training = training


@contextlib.contextmanager
def full_precision() -> Iterator[None]:
    """Turn off TF32 in cuDNN convolutions and CUDA matmuls (PyTorch lets convolutions use it by
    default on Ampere and later GPUs). Its 10-bit mantissa is harmless for rendering but blurs
    the small singular values and curvatures that IFV and invariance read off derivatives. The
    global flags are restored afterwards; on the CPU this changes nothing."""
    flags = (torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32)
    torch.backends.cudnn.allow_tf32 = torch.backends.cuda.matmul.allow_tf32 = False
    try:
        yield
    finally:
        torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32 = flags
