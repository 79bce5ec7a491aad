"""Smooth surrogates of piecewise-linear networks, for second-order analysis.

ReLU networks with max-pooling are piecewise linear: their input Hessian is zero almost
everywhere, so curvature-based tools (invariance) see nothing. `smooth(model, β)` returns a copy
where ReLU-like activations become softplus(β)-like ones and max-pooling becomes log-sum-exp
pooling; as β grows the surrogate approaches the original network.

Example:
    >>> from fviz_widgets import zoo
    >>> surrogate = smooth(zoo.shapes_cnn(), beta=10.0)
    >>> piecewise_linear_modules(surrogate)
    []
"""

from __future__ import annotations

import copy
import warnings
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from torch import nn

from .capture import OUTPUT, is_owner, owned_forward, resolve
from .model import device_of, dtype_of, frozen, get_preprocess, input_shape, model_lock, unwrap

#: Default sharpness β of the smooth surrogate (softplus(β), log-sum-exp pooling with β).
DEFAULT_BETA = 10.0

PIECEWISE_LINEAR = (
    nn.ReLU, nn.ReLU6, nn.LeakyReLU, nn.PReLU, nn.RReLU, nn.Hardtanh, nn.Threshold, nn.Hardshrink,
    nn.Softshrink, nn.MaxPool1d, nn.MaxPool2d, nn.MaxPool3d, nn.AdaptiveMaxPool1d,
    nn.AdaptiveMaxPool2d, nn.AdaptiveMaxPool3d, nn.MaxUnpool2d,
)


def _pair(v) -> Tuple[int, int]:
    return (v, v) if isinstance(v, int) else tuple(v)  # type: ignore[return-value]


class LogSumExpPool2d(nn.Module):
    """Smooth max pooling: (1/β)·log Σ exp(β·x) over each window of a `MaxPool2d`'s geometry.

    It is ≥ the window's max and exceeds it by at most log(window size)/β.

    Example:
        >>> pool = LogSumExpPool2d(2, beta=50.0)
        >>> x = torch.arange(16.0).view(1, 1, 4, 4)
        >>> bool(((pool(x) - F.max_pool2d(x, 2)).abs() < 0.03).all())
        True
    """

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
                 beta: float = DEFAULT_BETA) -> None:
        super().__init__()
        self.kernel_size = _pair(kernel_size)
        self.stride = _pair(stride if stride is not None else kernel_size)
        self.padding = _pair(padding)
        self.dilation = _pair(dilation)
        self.ceil_mode = bool(ceil_mode)
        self.beta = float(beta)

    @classmethod
    def like(cls, pool: nn.MaxPool2d, beta: float = DEFAULT_BETA) -> LogSumExpPool2d:
        """The smooth counterpart of a `nn.MaxPool2d` (same window geometry)."""
        return cls(pool.kernel_size, pool.stride, pool.padding, pool.dilation, pool.ceil_mode, beta)

    def _out(self, size: int, k: int, s: int, p: int, d: int) -> int:
        span = size + 2 * p - d * (k - 1) - 1
        out = (-(-span // s) if self.ceil_mode else span // s) + 1
        if self.ceil_mode and (out - 1) * s >= size + p:  # the last window must start inside
            out -= 1
        return out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        squeeze = x.ndim == 3
        if squeeze:
            x = x.unsqueeze(0)
        n, c, h, w = x.shape
        (kh, kw), (sh, sw), (ph, pw), (dh, dw) = self.kernel_size, self.stride, self.padding, self.dilation
        oh, ow = self._out(h, kh, sh, ph, dh), self._out(w, kw, sw, pw, dw)
        extra_h = max(0, (oh - 1) * sh + dh * (kh - 1) + 1 - (h + 2 * ph))
        extra_w = max(0, (ow - 1) * sw + dw * (kw - 1) + 1 - (w + 2 * pw))
        if ph or pw or extra_h or extra_w:
            x = F.pad(x, (pw, pw + extra_w, ph, ph + extra_h), value=float("-inf"))
        cols = F.unfold(x.reshape(n * c, 1, *x.shape[-2:]), (kh, kw), dilation=(dh, dw), stride=(sh, sw))
        out = torch.logsumexp(self.beta * cols, dim=1) / self.beta
        out = out.view(n, c, oh, ow)
        return out[0] if squeeze else out

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, beta={self.beta:g}"


class _AdaptiveLogSumExpPool2d(nn.Module):
    """Smooth `nn.AdaptiveMaxPool2d`: log-sum-exp over the same adaptive windows."""

    def __init__(self, output_size, beta: float) -> None:
        super().__init__()
        self.output_size = output_size
        self.beta = float(beta)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, w = x.shape[-2:]
        size = _pair(self.output_size)
        oh, ow = (h if size[0] is None else size[0]), (w if size[1] is None else size[1])
        rows = []
        for i in range(oh):
            r0, r1 = (i * h) // oh, -(-((i + 1) * h) // oh)
            row = []
            for j in range(ow):
                c0, c1 = (j * w) // ow, -(-((j + 1) * w) // ow)
                window = x[..., r0:r1, c0:c1].flatten(-2)
                row.append(torch.logsumexp(self.beta * window, dim=-1) / self.beta)
            rows.append(torch.stack(row, dim=-1))
        return torch.stack(rows, dim=-2)


class _SmoothLeaky(nn.Module):
    """slope·x + (1 − slope)·softplus_β(x): smooth LeakyReLU / PReLU (slope per channel or scalar)."""

    def __init__(self, slope: torch.Tensor, beta: float) -> None:
        super().__init__()
        self.register_buffer("slope", slope.detach().clone())
        self.beta = float(beta)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s = self.slope
        if s.numel() > 1 and x.ndim >= 2:
            s = s.view(1, -1, *([1] * (x.ndim - 2)))
        return s * x + (1 - s) * F.softplus(x, beta=self.beta)


class _SmoothHardtanh(nn.Module):
    """low + softplus_β(x − low) − softplus_β(x − high): smooth Hardtanh / ReLU6."""

    def __init__(self, low: float, high: float, beta: float) -> None:
        super().__init__()
        self.low, self.high, self.beta = float(low), float(high), float(beta)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.low + F.softplus(x - self.low, beta=self.beta) - F.softplus(x - self.high, beta=self.beta)


def _smooth_counterpart(module: nn.Module, beta: float) -> Optional[nn.Module]:
    if isinstance(module, nn.ReLU):
        return nn.Softplus(beta=beta)
    if isinstance(module, nn.LeakyReLU):
        return _SmoothLeaky(torch.tensor(module.negative_slope), beta)
    if isinstance(module, nn.PReLU):
        return _SmoothLeaky(module.weight, beta)
    if isinstance(module, nn.Hardtanh):  # also ReLU6
        return _SmoothHardtanh(module.min_val, module.max_val, beta)
    if isinstance(module, nn.MaxPool2d) and not module.return_indices:
        return LogSumExpPool2d.like(module, beta)
    if isinstance(module, nn.AdaptiveMaxPool2d) and not module.return_indices:
        return _AdaptiveLogSumExpPool2d(module.output_size, beta)
    return None


def smooth(model: nn.Module, beta: float = DEFAULT_BETA) -> nn.Module:
    """A deep copy of `model` with ReLU → softplus(β) and max-pool → log-sum-exp pooling (β).

    Also LeakyReLU/PReLU (slope·x + (1 − slope)·softplus) and Hardtanh/ReLU6 get smooth versions.
    Layer names stay the same; `model` itself is not modified. Piecewise-linear modules without a
    smooth counterpart (and functional ``F.relu`` calls inside ``forward``) stay as they are, with a
    warning for the modules. Larger β is closer to the original network.

    Example:
        >>> from fviz_widgets import zoo
        >>> surrogate = smooth(zoo.shapes_cnn("relu"), beta=10.0)
        >>> type(surrogate.act1).__name__, type(surrogate.pool1).__name__
        ('Softplus', 'LogSumExpPool2d')
    """
    if not beta > 0:
        raise ValueError(f"beta must be positive, got {beta}")
    copied = copy.deepcopy(model)
    replaced: Dict[int, nn.Module] = {}
    left: List[str] = []
    for parent_name, parent in list(copied.named_modules(remove_duplicate=False)):
        for name, child in list(parent.named_children()):
            if id(child) in replaced:
                setattr(parent, name, replaced[id(child)])
                continue
            counterpart = _smooth_counterpart(child, beta)
            if counterpart is not None:
                counterpart.train(child.training)
                replaced[id(child)] = counterpart
                setattr(parent, name, counterpart)
            elif isinstance(child, PIECEWISE_LINEAR):
                left.append(f"{parent_name + '.' if parent_name else ''}{name} ({type(child).__name__})")
    if left:
        warnings.warn(f"smooth(): no smooth counterpart for {', '.join(sorted(set(left)))}; they stay "
                      "piecewise linear", stacklevel=2)
    return copied



def piecewise_linear_modules(model: nn.Module, layers: Sequence[str] = (OUTPUT,),
                             size: Optional[Union[int, Tuple[int, int]]] = None) -> List[str]:
    """Names of piecewise-linear modules (ReLU, max-pool, ...) that run before `layers` are computed.

    One forward pass on a grey image finds out which modules run in time to matter; functional
    calls (``F.relu``) cannot be seen.

    Example:
        >>> from fviz_widgets import zoo
        >>> piecewise_linear_modules(zoo.shapes_cnn("relu"), ["conv2"])
        ['act1', 'pool1']
    """
    names = {name: module for name, module in unwrap(model).named_modules() if name}
    targets = {}
    for layer in layers:
        module = resolve(model, layer)
        if module is not None:
            targets[id(module)] = layer
    whole = any(resolve(model, layer) is None for layer in layers)
    order: List[Tuple[str, bool, bool]] = []  # (name, is a target layer, is piecewise linear)
    owner = object()
    handles = []
    shape = input_shape(model, size)
    # eval: a probe must not move BatchNorm statistics
    with torch.no_grad(), frozen(model, warn=False):
        try:
            with model_lock(model):
                for name, module in names.items():
                    pl, target = isinstance(module, PIECEWISE_LINEAR), id(module) in targets
                    if pl or target:
                        def hook(mod, inputs, output, entry=(name, target, pl)):
                            if is_owner(owner):
                                order.append(entry)
                        handles.append(module.register_forward_hook(hook))
            probe = torch.full((1, *shape), 0.5, device=device_of(model), dtype=dtype_of(model))
            with owned_forward(model, owner):
                model(get_preprocess(model)(probe))
        finally:
            with model_lock(model):
                for handle in handles:
                    handle.remove()
    last = len(order) if whole else max((i + 1 for i, entry in enumerate(order) if entry[1]), default=0)
    found = [entry[0] for entry in order[:last] if entry[2]]
    return list(dict.fromkeys(found))
