"""Which classes a channel supports: how much each logit rises when the channel's mean rises.

Two ways, and the page says which it used:

- ``"weights"``: the layer feeds the model's last Linear directly through a global average pool
  (``act4 → gap → fc`` in `shapes_cnn`): logits = W · mean(a) + b, so column c of W is exact. The
  read-out is *checked*, not assumed from module names: random activations (of both signs) put
  in place of the layer's output must give exactly W · mean + b.
- ``"gradient"``: anything else (a ReLU or more layers in between): d logit / d ε at the channel's
  render, where ε is added to every position of the channel (so its mean rises by ε). One
  forward-mode pass gives all logits for a whole batch of renders.

For a layer whose units are the classes themselves (``"output"``) the method is ``"unit"``.

Example:
    >>> from fviz_widgets import zoo
    >>> model = zoo.shapes_cnn()
    >>> readout(model, "act4", 32).method, readout(model, "conv4", 32).method, readout(model, "conv1", 32).method
    ('weights', 'gradient', 'gradient')
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Callable, List, Optional

import numpy as np
import torch
import torch.autograd.forward_ad as fwad
from torch import nn

from ..core.capture import INPUT, OUTPUT, class_names, is_owner, layer_shape, owned_forward, resolve, split_name
from ..core.model import device_of, dtype_of, frozen, get_preprocess, input_shape

__all__ = ["METHODS", "Readout", "readout"]

#: What each method means, in the words a page shows.
METHODS = {
    "weights": "the weights of the linear read-out this layer feeds through a global average pool "
               "(logits = W · mean + b, checked on random activations)",
    "gradient": "the gradient of each logit with respect to the channel's mean activation at the channel's render "
                "(ε added to every position of the channel)",
    "unit": "this layer's units are the model's classes",
}


@dataclass
class Readout:
    """How a layer's channels reach the model's classes. method: a key of `METHODS`;
    weight: [classes, channels] for ``"weights"``."""

    layer: str
    method: str
    classes: List[str]
    module: Optional[nn.Module] = None
    weight: Optional[np.ndarray] = None

    def supports(self, model: nn.Module, channels: List[int], images: np.ndarray) -> Optional[np.ndarray]:
        """[len(channels), classes]: how much each class's logit rises per unit of each channel's
        mean; `images` are the channels' renders (numpy [n, H, W, C]), used by ``"gradient"``.
        None (with a warning) when the model has an operation without a forward-mode derivative."""
        if self.method == "unit":
            return np.eye(len(self.classes))[channels]
        if self.method == "weights":
            return self.weight[:, channels].T.copy()
        try:
            return _gradients(model, self.module, channels, images)
        except (NotImplementedError, RuntimeError) as error:
            warnings.warn(f"no classes for {self.layer}: its logit gradients need forward-mode derivatives "
                          f"the model does not have ({str(error).splitlines()[0]})", stacklevel=2)
            return None


def _run(model: nn.Module, module: nn.Module, x: torch.Tensor, change: Callable[[torch.Tensor], torch.Tensor]):
    """The model's output on images `x` with `module`'s output replaced by ``change(output)``."""
    marker = object()

    def hook(_module, _inputs, output):
        if is_owner(marker) and isinstance(output, torch.Tensor):
            return change(output)
        return None

    with frozen(model, warn=False), owned_forward(model, marker):
        handle = module.register_forward_hook(hook)
        try:
            return model(get_preprocess(model)(x))
        finally:
            handle.remove()


def _last_linear(model: nn.Module, classes: int, channels: int) -> Optional[nn.Linear]:
    linears = [m for m in model.modules() if isinstance(m, nn.Linear) and m.out_features == classes]
    return linears[-1] if linears and linears[-1].in_features == channels else None


def _linear_weight(model: nn.Module, module: nn.Module, shape, classes: int, size) -> Optional[np.ndarray]:
    linear = _last_linear(model, classes, shape[0])
    if linear is None:
        return None
    generator = torch.Generator().manual_seed(0)
    a = torch.randn((2, *shape), generator=generator).to(device_of(model), dtype_of(model))
    x = torch.full((2, *input_shape(model, size)), 0.5, device=device_of(model), dtype=dtype_of(model))
    with torch.no_grad():
        logits = _run(model, module, x, lambda output: a if output.shape == a.shape else output)
        if not isinstance(logits, torch.Tensor) or logits.shape != (2, classes):
            return None
        mean = a.flatten(2).mean(2) if a.ndim > 2 else a
        expected = nn.functional.linear(mean, linear.weight, linear.bias)
        scale = float(expected.abs().max()) or 1.0
        if not torch.allclose(logits, expected, rtol=1e-4, atol=1e-4 * scale):
            return None
    return linear.weight.detach().float().cpu().numpy().copy()


def readout(model: nn.Module, layer: str, size=None) -> Optional[Readout]:
    """How `layer`'s channels reach the classes, or None when the model names no classes
    (`model.classes` for its output) or the layer is not one module's [N, C, ...] output."""
    classes = class_names(model, OUTPUT, size)
    if classes is None:
        return None
    if class_names(model, layer, size) is not None:
        return Readout(layer, "unit", classes)
    base, selectors = split_name(layer)
    if selectors or base in (OUTPUT, INPUT):
        return None
    module = resolve(model, layer)
    shape = layer_shape(model, layer, size)
    if not shape:
        return None
    weight = _linear_weight(model, module, shape, len(classes), size)
    if weight is not None:
        return Readout(layer, "weights", classes, module, weight)
    return Readout(layer, "gradient", classes, module)


def _gradients(model: nn.Module, module: nn.Module, channels: List[int], images: np.ndarray) -> np.ndarray:
    n = len(channels)
    x = torch.from_numpy(np.ascontiguousarray(images)).permute(0, 3, 1, 2).to(device_of(model), dtype_of(model))
    index = torch.as_tensor(channels, device=x.device)
    with torch.no_grad(), fwad.dual_level(), warnings.catch_warnings():
        # torch's first forward-mode pass scripts its decompositions and warns that jit is deprecated
        warnings.filterwarnings("ignore", message=r".*torch\.jit\.script.* is deprecated", category=DeprecationWarning)
        epsilon = fwad.make_dual(torch.zeros(n, device=x.device, dtype=x.dtype), torch.ones(n, device=x.device,
                                                                                             dtype=x.dtype))

        def shift(output: torch.Tensor) -> torch.Tensor:
            mask = torch.zeros(output.shape[:2], device=output.device, dtype=output.dtype)
            mask[torch.arange(n, device=output.device), index] = 1.0
            step = (mask * epsilon[:, None]).view(*output.shape[:2], *([1] * (output.ndim - 2)))
            return output + step

        logits = _run(model, module, x, shift)
        tangent = fwad.unpack_dual(logits).tangent
    if tangent is None:  # the logits do not depend on the layer
        return np.zeros((n, logits.shape[1]))
    return tangent.double().cpu().numpy()
