"""How a model wants its input, where it lives, and how it is held still while the engine runs it.

The engine keeps images in the model's *input domain* ([0, 1] for natural images) and applies
the model's `Preprocess` right before the forward pass. Models from `fviz_widgets.zoo` carry
one; for any other model attach one with `attach_preprocess`.

Example:
    >>> import torch
    >>> net = torch.nn.Conv2d(3, 4, 3)
    >>> net = attach_preprocess(net, Preprocess(mean=(0.5, 0.5, 0.5), std=(0.25, 0.25, 0.25)))
    >>> get_preprocess(net)(torch.full((1, 3, 8, 8), 0.75)).mean().item()
    1.0
    >>> with frozen(net, warn=False):       # eval mode, no weight gradients; restored afterwards
    ...     net.weight.requires_grad
    False
"""

from __future__ import annotations

import contextlib
import math
import threading
import warnings
import weakref
from dataclasses import dataclass
from typing import Iterator, Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from torch import nn

from .validate import image_size, positive_int

__all__ = [
    "IMAGENET_MEAN",
    "IMAGENET_STD",
    "Preprocess",
    "attach_preprocess",
    "device_of",
    "dtype_of",
    "frozen",
    "full_precision",
    "get_preprocess",
    "has_preprocess",
    "input_shape",
    "model_lock",
    "unwrap",
]

ATTRIBUTE = "fviz_preprocess"

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)

Size = Union[int, Sequence[int]]


@dataclass(frozen=True, init=False)
class Preprocess:
    """Maps an image batch in [0, 1] to what the model was trained on.

    Attributes:
        mean, std: per-channel normalization (None: no normalization).
        input_size: (H, W) that `render` uses when no size is given.
        resize: if set, inputs are bilinearly resized to this (H, W) before the model.
        color_channels: how many channels an input image has (3 for RGB, 1 for grey).

    Example:
        >>> Preprocess(color_channels=1, input_size=(48, 48)).color_channels
        1
    """

    mean: Optional[Tuple[float, ...]]
    std: Optional[Tuple[float, ...]]
    input_size: Tuple[int, int]
    resize: Optional[Tuple[int, int]]
    color_channels: int

    def __init__(
        self,
        mean: Optional[Sequence[float]] = None,
        std: Optional[Sequence[float]] = None,
        input_size: Tuple[int, int] = (64, 64),
        resize: Optional[Tuple[int, int]] = None,
        color_channels: int = 3,
        *,
        channels: Optional[int] = None,
    ) -> None:
        if channels is not None:
            warnings.warn("Preprocess(channels=...) is deprecated; use color_channels=", DeprecationWarning, stacklevel=2)
            color_channels = channels
        color_channels = positive_int(color_channels, "Preprocess color_channels")
        values = {"mean": mean, "std": std}
        for name, value in values.items():
            if value is None:
                continue
            try:
                values[name] = tuple(float(v) for v in value)
            except (TypeError, ValueError):
                raise TypeError(f"Preprocess {name} must be a sequence of numbers, got {value!r}") from None
            if len(values[name]) != color_channels:
                raise ValueError(f"Preprocess {name} has {len(values[name])} values for {color_channels} channels "
                                 f"(set color_channels= to match)")
            if not all(math.isfinite(v) for v in values[name]):
                raise ValueError(f"Preprocess {name} must be finite, got {values[name]}")
        if values["std"] is not None and any(s <= 0 for s in values["std"]):
            raise ValueError(f"Preprocess std must be positive, got {values['std']}")
        fields = dict(values, input_size=image_size(input_size, "Preprocess input_size"),
                      resize=None if resize is None else image_size(resize, "Preprocess resize"),
                      color_channels=color_channels)
        for name, value in fields.items():
            object.__setattr__(self, name, value)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 4 or x.shape[1] != self.color_channels:
            raise ValueError(
                f"expected an image batch [N, {self.color_channels}, H, W], got shape {tuple(x.shape)}"
            )
        if self.resize is not None and tuple(x.shape[-2:]) != tuple(self.resize):
            x = F.interpolate(x, size=self.resize, mode="bilinear", align_corners=False)
        if self.mean is not None:
            x = x - torch.tensor(self.mean, dtype=x.dtype, device=x.device).view(1, -1, 1, 1)
        if self.std is not None:
            x = x / torch.tensor(self.std, dtype=x.dtype, device=x.device).view(1, -1, 1, 1)
        return x


def unwrap(model: nn.Module) -> nn.Module:
    """The module inside `nn.DataParallel` / `DistributedDataParallel`-style wrappers.

    Example:
        >>> net = torch.nn.Linear(2, 2)
        >>> unwrap(torch.nn.DataParallel(net)) is net
        True
    """
    while isinstance(getattr(model, "module", None), nn.Module) and type(model).__name__ in (
        "DataParallel",
        "DistributedDataParallel",
    ):
        model = model.module
    return model


def attach_preprocess(model: nn.Module, preprocess: Preprocess) -> nn.Module:
    """Record how `model` wants its input; returns the same model for chaining.

    Example:
        >>> net = attach_preprocess(torch.nn.Identity(), Preprocess(input_size=(32, 32)))
        >>> get_preprocess(net).input_size
        (32, 32)
    """
    if not isinstance(preprocess, Preprocess):
        raise TypeError(f"expected a Preprocess, got {type(preprocess).__name__}")
    setattr(unwrap(model), ATTRIBUTE, preprocess)
    return model


def get_preprocess(model: nn.Module) -> Preprocess:
    """The model's attached `Preprocess`; without one, the identity for [0, 1] input with as many
    channels as the model's first convolution takes (3 if it has none).

    Example:
        >>> get_preprocess(torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3))).color_channels
        1
    """
    attached = getattr(unwrap(model), ATTRIBUTE, None)
    if attached is not None:
        return attached
    first = next((m for m in unwrap(model).modules() if isinstance(m, (nn.Conv1d, nn.Conv2d, nn.Conv3d))), None)
    return Preprocess(color_channels=first.in_channels if first is not None else 3)


def has_preprocess(model: nn.Module) -> bool:
    """Whether a `Preprocess` was attached (otherwise `get_preprocess` guessed one).

    Example:
        >>> has_preprocess(torch.nn.Identity())
        False
    """
    return getattr(unwrap(model), ATTRIBUTE, None) is not None


def input_shape(model: nn.Module, size: Optional[Size] = None) -> Tuple[int, int, int]:
    """(C, H, W) of one input image for `model`, using `size` (int or (H, W)) when given.

    Example:
        >>> input_shape(torch.nn.Identity(), 32)
        (3, 32, 32)
    """
    pre = get_preprocess(model)
    h, w = pre.input_size if size is None else image_size(size)
    return (pre.color_channels, h, w)


def device_of(model: nn.Module) -> torch.device:
    """The device of the model's first parameter (or buffer); CPU for a stateless model.

    Example:
        >>> device_of(torch.nn.Linear(2, 2))
        device(type='cpu')
    """
    tensor = next(unwrap(model).parameters(), None)
    if tensor is None:
        tensor = next(unwrap(model).buffers(), None)
    return tensor.device if tensor is not None else torch.device("cpu")


def dtype_of(model: nn.Module) -> torch.dtype:
    """The floating dtype of the model's first parameter (float32 when it has none).

    Example:
        >>> dtype_of(torch.nn.Linear(2, 2).double())
        torch.float64
    """
    tensor = next(unwrap(model).parameters(), None)
    return tensor.dtype if tensor is not None and tensor.is_floating_point() else torch.float32


_STATE_LOCK = threading.RLock()
_FROZEN: weakref.WeakKeyDictionary[nn.Module, list] = weakref.WeakKeyDictionary()
_LOCKS: weakref.WeakKeyDictionary[nn.Module, threading.RLock] = weakref.WeakKeyDictionary()


def model_lock(model: nn.Module) -> threading.RLock:
    """The lock that serializes fviz's forward passes of `model` and changes to its hook tables,
    so runs on one model in several threads (a widget beside a render) never see each other.

    Example:
        >>> net = torch.nn.Linear(2, 2)
        >>> model_lock(net) is model_lock(net)
        True
    """
    with _STATE_LOCK:
        lock = _LOCKS.get(model)
        if lock is None:
            lock = _LOCKS[model] = threading.RLock()
        return lock


@contextlib.contextmanager
def frozen(model: nn.Module, warn: bool = True) -> Iterator[None]:
    """Eval mode and `requires_grad=False` on every parameter while the block runs; every module's
    mode and every flag are restored afterwards, even on exceptions. Overlapping blocks (other
    threads, nested calls) share one freeze: the model is restored when the last one ends.
    Warns when the model was training.

    Example:
        >>> net = torch.nn.Dropout().train()
        >>> with frozen(net, warn=False):
        ...     net.training
        False
        >>> net.training
        True
    """
    with _STATE_LOCK:
        entry = _FROZEN.get(model)
        if entry is None:
            if warn and model.training:
                warnings.warn("model was in training mode; using it in eval mode (restored afterwards)",
                              stacklevel=4)
            entry = [0, [(m, m.training) for m in model.modules()], [(p, p.requires_grad) for p in model.parameters()]]
            model.eval()
            for p, _ in entry[2]:
                p.requires_grad_(False)
            _FROZEN[model] = entry
        entry[0] += 1
    try:
        yield
    finally:
        with _STATE_LOCK:
            entry[0] -= 1
            if entry[0] == 0:
                del _FROZEN[model]
                for p, requires in entry[2]:
                    p.requires_grad_(requires)
                for m, training in entry[1]:
                    m.training = training


_PRECISION = [0, None]  # overlapping full_precision blocks, and the flags before the first


@contextlib.contextmanager
def full_precision() -> Iterator[None]:
    """Turn off TF32 in cuDNN convolutions and CUDA matmuls (PyTorch lets convolutions use it by
    default on Ampere and later GPUs). Its 10-bit mantissa is harmless for rendering but blurs
    the small singular values and curvatures that IFV and invariance read off derivatives. The
    global flags are restored when the last overlapping block ends; on the CPU this changes nothing.

    Example:
        >>> with full_precision():
        ...     torch.backends.cudnn.allow_tf32
        False
    """
    with _STATE_LOCK:
        if _PRECISION[0] == 0:
            _PRECISION[1] = (torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32)
            torch.backends.cudnn.allow_tf32 = torch.backends.cuda.matmul.allow_tf32 = False
        _PRECISION[0] += 1
    try:
        yield
    finally:
        with _STATE_LOCK:
            _PRECISION[0] -= 1
            if _PRECISION[0] == 0:
                torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32 = _PRECISION[1]
