"""Address layers by name and capture their activations with forward hooks.

Layers are `model.named_modules()` dotted names (``"conv2"``, ``"layer4.1.conv1"``). Two names are
special: ``"output"`` (alias ``"logits"``) is the model's output and ``"input"`` names the image
in the input domain (the render loop supplies it; `Capture` itself ignores it). A module returning a tuple is addressed
element-wise as ``"name[0]"``.

`capture` hooks only the requested layers, removes every hook when the block exits (also on
exceptions and KeyboardInterrupt), and stops the forward pass as soon as the last requested layer
has run, so the rest of a deep network is never computed.

Example:
    >>> import torch
    >>> from fviz_widgets import zoo
    >>> model = zoo.shapes_cnn()
    >>> with capture(model, ["conv2"]) as run:
    ...     acts = run(torch.rand(1, 3, 64, 64))
    >>> tuple(acts["conv2"].shape)
    (1, 32, 32, 32)
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Tuple

import torch
from torch import nn

from .images import as_images
from .kernels import substitutes
from .model import device_of, dtype_of, get_preprocess, input_shape, unwrap

OUTPUT = "output"
INPUT = "input"
_ALIASES = {"logits": OUTPUT}
_INDEXED = re.compile(r"^(?P<base>.*)\[(?P<index>\d+)\]$")


class LayerError(ValueError):
    """A layer name that does not exist, or a layer whose activation is ambiguous."""


class _StopForward(Exception):
    """Raised inside a hook to end the forward pass once every needed layer has run."""


def canonical(name: str) -> str:
    """The name with aliases resolved (``"logits"`` → ``"output"``)."""
    return _ALIASES.get(name, name)


def _split_index(name: str) -> Tuple[str, Optional[int]]:
    match = _INDEXED.match(name)
    if match is None:
        return name, None
    return match["base"], int(match["index"])


def _modules(model: nn.Module) -> Dict[str, nn.Module]:
    return {name: module for name, module in unwrap(model).named_modules() if name}


def resolve(model: nn.Module, name: str) -> Optional[nn.Module]:
    """The module behind a layer name (None for ``"output"`` / ``"input"``).

    Names from a `DataParallel`-wrapped model (``"module.conv1"``) and the bare names both work.
    Raises `LayerError` with close matches for unknown names.
    """
    name = canonical(name)
    if name in (OUTPUT, INPUT):
        return None
    base, _ = _split_index(name)
    modules = _modules(model)
    if base.startswith("module.") and base not in modules and unwrap(model) is not model:
        base = base[len("module."):]
    if base in modules:
        return modules[base]
    close = difflib.get_close_matches(base, list(modules) + [OUTPUT], n=5, cutoff=0.5)
    hint = f" Did you mean: {', '.join(repr(c) for c in close)}?" if close else ""
    raise LayerError(
        f"no layer named {name!r} in {type(unwrap(model)).__name__}.{hint} "
        f"Use fv.layers(model) to list the {len(modules)} layers."
    )


def _select(name: str, output: object) -> torch.Tensor:
    """The tensor a layer name refers to, given what the module returned."""
    _, index = _split_index(name)
    if isinstance(output, torch.Tensor):
        if index is not None:
            raise LayerError(f"layer {name!r}: the module returns a single tensor; drop the [{index}]")
        return output
    if isinstance(output, (tuple, list)):
        if index is None:
            raise LayerError(
                f"layer {name!r} returns a {type(output).__name__} of {len(output)}; "
                f"address one element, e.g. {name + '[0]'!r}"
            )
        if index >= len(output):
            raise LayerError(f"layer {name!r}: index {index} out of range for {len(output)} outputs")
        output = output[index]
        if isinstance(output, torch.Tensor):
            return output
    raise LayerError(f"layer {name!r} returns {type(output).__name__}, not a tensor")


class Capture:
    """Runs the model and returns the requested activations. Create it with `capture`."""

    def __init__(self, model: nn.Module, names: Iterable[str], early_exit: bool = True):
        self.model = model
        self.names: List[str] = sorted({canonical(n) for n in names})
        self.modules = {n: resolve(model, n) for n in self.names if n not in (OUTPUT, INPUT)}
        self.early_exit = early_exit and OUTPUT not in self.names
        self._handles: list = []
        self._acts: Dict[str, torch.Tensor] = {}
        self._calls: Dict[str, int] = {}
        self._checked = False  # the first forward runs in full to detect modules called twice

    def __enter__(self) -> Capture:
        try:
            for name, module in self.modules.items():
                self._handles.append(module.register_forward_hook(self._hook(name)))
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Remove every hook this capture registered (idempotent)."""
        for handle in self._handles:
            handle.remove()
        self._handles.clear()

    def _hook(self, name: str) -> Callable:
        def hook(module: nn.Module, inputs: tuple, output: object) -> None:
            self._calls[name] = self._calls.get(name, 0) + 1
            if name not in self._acts:
                self._acts[name] = _select(name, output)
            if self._checked and self.early_exit and len(self._acts) == len(self.modules):
                raise _StopForward

        return hook

    def __call__(self, x: torch.Tensor, preprocess: bool = True) -> Dict[str, torch.Tensor]:
        """Forward `x` (images in the model's input domain, any form `as_images` takes) and return
        {name: activation}. `preprocess=False` feeds `x` to the model as it is.
        """
        if not self._handles and self.modules:
            raise RuntimeError("Capture is closed; use it inside its `with` block")
        self._acts, self._calls = {}, {}
        fed = get_preprocess(self.model)(as_images(x, self.model)) if preprocess else x
        try:
            with substitutes():
                output = self.model(fed)
        except _StopForward:
            output = None
        if not self._checked:
            twice = sorted(n for n, count in self._calls.items() if count > 1)
            if twice:
                raise LayerError(
                    f"layer(s) {twice} run more than once per forward pass (a reused module), so "
                    "their activation is ambiguous; wrap each use in its own module to address it"
                )
            self._checked = True
        missing = [n for n in self.modules if n not in self._acts]
        if missing:
            raise LayerError(f"layer(s) {missing} did not run during the forward pass")
        acts, self._acts = self._acts, {}
        if OUTPUT in self.names:
            acts[OUTPUT] = _select(OUTPUT, output)
        return acts


def capture(model: nn.Module, names: Iterable[str], *, early_exit: bool = True) -> Capture:
    """Context manager hooking `names` of `model`; calling it runs a forward pass.

    Example:
        >>> from fviz_widgets import zoo
        >>> with capture(zoo.shapes_cnn(), ["conv1", "output"]) as run:
        ...     acts = run(torch.rand(2, 3, 64, 64))
        >>> sorted(acts), tuple(acts["output"].shape)
        (['conv1', 'output'], (2, 10))
    """
    return Capture(model, names, early_exit=early_exit)


def layer_shape(model: nn.Module, layer: str, size: Optional[Sequence[int]] = None) -> Tuple[int, ...]:
    """The shape of `layer`'s activation for one input image (without the batch axis), found by a
    forward pass on a grey image of `size` (default: the model's input size).

    Example:
        >>> from fviz_widgets import zoo
        >>> layer_shape(zoo.shapes_cnn(), "conv3", 32)
        (64, 8, 8)
    """
    shape = input_shape(model, size)
    with torch.no_grad(), capture(model, [layer]) as run:
        a = run(torch.full((1, *shape), 0.5, device=device_of(model), dtype=dtype_of(model)))[canonical(layer)]
    return tuple(a.shape[1:])


def channel_count(model: nn.Module, layer: str, size: Optional[Sequence[int]] = None) -> int:
    """How many channels `layer` has (axis 1 of its activation).

    Example:
        >>> from fviz_widgets import zoo
        >>> channel_count(zoo.shapes_cnn(), "output")
        10
    """
    shape = layer_shape(model, layer, size)
    if not shape:
        raise LayerError(f"layer {layer!r} has no channel axis (its activation is one value per image)")
    return shape[0]


@dataclass(frozen=True)
class LayerInfo:
    """One addressable layer: its name, module type and output shape (without batch)."""

    name: str
    type: str
    shape: Optional[Tuple[int, ...]]

    def __str__(self) -> str:
        shape = "×".join(map(str, self.shape)) if self.shape else "—"
        return f"{self.name:<32} {self.type:<20} {shape}"


class LayerTable(list):
    """A list of `LayerInfo` that prints as a table in scripts and notebooks."""

    def __str__(self) -> str:
        head = f"{'name':<32} {'type':<20} output shape"
        return "\n".join([head, "-" * len(head)] + [str(info) for info in self])

    def _repr_pretty_(self, printer, cycle) -> None:
        printer.text(str(self))

    @property
    def names(self) -> List[str]:
        return [info.name for info in self]


def layers(
    model: nn.Module, input_shape: Optional[Sequence[int]] = None, *, show: bool = False
) -> LayerTable:
    """Every addressable layer of `model` in execution order, with output shapes.

    `input_shape` is (C, H, W) of one input; by default the model's `Preprocess` says. Layers
    that did not run in the probe forward pass are listed last with shape None.

    Example:
        >>> from fviz_widgets import zoo
        >>> table = layers(zoo.shapes_cnn())
        >>> table.names[:3], table[-1].shape
        (['conv1', 'act1', 'pool1'], (10,))
    """
    modules = _modules(model)
    pre = get_preprocess(model)
    shape = tuple(input_shape) if input_shape is not None else (pre.color_channels, *pre.input_size)
    shapes: Dict[str, Tuple[int, ...]] = {}
    order: List[str] = []

    def record(name: str) -> Callable:
        def hook(module: nn.Module, inputs: tuple, output: object) -> None:
            if name not in shapes:
                order.append(name)
                shapes[name] = tuple(output.shape[1:]) if isinstance(output, torch.Tensor) else ()

        return hook

    handles = [m.register_forward_hook(record(n)) for n, m in modules.items()]
    try:
        with torch.no_grad():
            probe = torch.zeros((1, *shape), device=device_of(model), dtype=dtype_of(model))
            output = model(get_preprocess(model)(probe))
    finally:
        for handle in handles:
            handle.remove()
    table = LayerTable(LayerInfo(n, type(modules[n]).__name__, shapes[n] or None) for n in order)
    table.extend(LayerInfo(n, type(m).__name__, None) for n, m in modules.items() if n not in shapes)
    if isinstance(output, torch.Tensor):
        table.append(LayerInfo(OUTPUT, "output", tuple(output.shape[1:])))
    if show:
        print(table)
    return table
