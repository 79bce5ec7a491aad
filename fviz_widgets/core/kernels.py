"""Faster equivalents of slow PyTorch functions, used while the engine runs a model.

`F.local_response_norm` sums squares over neighbouring channels with `avg_pool3d`, whose CPU
kernel is slow: in Lucent's InceptionV1 (the model most feature visualizations use) its two
calls cost about a quarter of a render step. `substitutes()` is a `TorchFunctionMode` that
routes those calls, wherever the model makes them (module or functional), to
`local_response_norm` below, the same function computed with shifted slices.

Example:
    >>> import torch
    >>> import torch.nn.functional as F
    >>> x = torch.randn(1, 64, 56, 56)
    >>> with substitutes():
    ...     y = F.local_response_norm(x, size=9)      # computed by `local_response_norm`
    >>> bool(torch.allclose(y, F.local_response_norm(x, size=9)))
    True
"""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor
from torch.overrides import TorchFunctionMode


def local_response_norm(x: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0) -> Tensor:
    """``x / (k + alpha/size · Σ x²)^beta`` with the sum over `size` neighbouring channels (zero
    padded), as `F.local_response_norm` defines it, for inputs [N, C, ...]."""
    n, c = x.shape[:2]
    squares = (x * x).reshape(n, c, -1)
    padded = F.pad(squares, (0, 0, size // 2, (size - 1) // 2))
    total = padded[:, :c]
    for shift in range(1, size):
        total = total + padded[:, shift : shift + c]
    return x / (k + (alpha / size) * total.view_as(x)).pow(beta)


class _Substitutes(TorchFunctionMode):
    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if func is F.local_response_norm:
            x = args[0] if args else kwargs["input"]
            if x.dim() >= 3 and x.numel():
                rest = dict(zip(("size", "alpha", "beta", "k"), args[1:]), **{n: v for n, v in kwargs.items() if n != "input"})
                return local_response_norm(x, **rest)
        return func(*args, **kwargs)


def substitutes() -> TorchFunctionMode:
    """A context manager under which slow functions run as their faster equivalents."""
    return _Substitutes()
