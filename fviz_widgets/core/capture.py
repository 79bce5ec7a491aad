"""Address layers by name and capture their activations with forward hooks.

Layers are `model.named_modules()` dotted names (``"conv2"``, ``"layer4.1.conv1"``). Two names are
special: ``"output"`` (alias ``"logits"``) is the model's output and ``"input"`` names the image
in the input domain (the render loop supplies it; `Capture` itself ignores it). A layer that
returns a tuple or a dict is addressed by element: ``"name[0]"``, ``'name["key"]'``, and the
model's output also by attribute, ``"output.logits"`` (tuples, dicts and ``ModelOutput``\\ s).

`capture` hooks only the requested layers, removes every hook when the block exits (also on
exceptions and KeyboardInterrupt), and stops the forward pass as soon as the last requested layer
has run, so the rest of a deep network is never computed. While it is open the model is frozen
(eval mode, no weight gradients; restored afterwards), and its hooks see only its own forward
passes: several captures may share one model from several threads.

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

import contextlib
import contextvars
import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple, Union

import torch
from torch import nn

from .images import as_images
from .kernels import substitutes
from .model import device_of, dtype_of, frozen, get_preprocess, has_preprocess, input_shape, model_lock, unwrap

__all__ = ["INPUT", "OUTPUT", "Capture", "LayerError", "LayerInfo", "LayerTable", "canonical", "capture",
           "channel_count", "class_names", "is_owner", "layer_shape", "layers", "owned_forward", "resolve", "split_name"]

OUTPUT = "output"
INPUT = "input"
_ALIASES = {"logits": OUTPUT}
_SELECTOR = re.compile(r"\[(?:(?P<index>-?\d+)|\"(?P<double>[^\"]*)\"|'(?P<single>[^']*)')\]$")

Selector = Tuple[str, Union[int, str]]  # ("index", 0), ("key", "logits") or ("attr", "logits")


class LayerError(ValueError):
    """A layer name that does not exist, or a layer whose activation is ambiguous."""


class _StopForward(Exception):
    """Raised inside a hook to end the forward pass once every needed layer has run."""


# --- names -------------------------------------------------------------------------------------
def split_name(name: str) -> Tuple[str, Tuple[Selector, ...]]:
    """(module path or "output"/"input", selectors) of a layer name; aliases resolved.

    Example:
        >>> split_name("logits.logits"), split_name('encoder.layer.0["hidden"]'), split_name("lstm[0]")
        (('output', (('attr', 'logits'),)), ('encoder.layer.0', (('key', 'hidden'),)), ('lstm', (('index', 0),)))
    """
    if not isinstance(name, str):
        raise LayerError(f"a layer name is a string such as 'conv3' or 'output', got {name!r}")
    base, selectors = name, []
    while (match := _SELECTOR.search(base)) is not None:
        if match["index"] is not None:
            selectors.insert(0, ("index", int(match["index"])))
        else:
            selectors.insert(0, ("key", match["double"] if match["double"] is not None else match["single"]))
        base = base[: match.start()]
    head, dot, rest = base.partition(".")
    if dot and _ALIASES.get(head, head) == OUTPUT:
        selectors = [("attr", part) for part in rest.split(".")] + selectors
        base = head
    base = _ALIASES.get(base, base)
    if not base or any(not part for part in base.split(".")):
        raise LayerError(f"{name!r} is not a layer name; use a name from fv.layers(model), e.g. 'conv3' or 'output'")
    return base, tuple(selectors)


def canonical(name: str) -> str:
    """The name with aliases resolved (``"logits"`` → ``"output"``, ``"logits[0]"`` → ``"output[0]"``).

    Example:
        >>> canonical("logits"), canonical("conv3")
        ('output', 'conv3')
    """
    base, selectors = split_name(name)
    text = {"index": "[{}]", "key": '["{}"]', "attr": ".{}"}
    return base + "".join(text[kind].format(value) for kind, value in selectors)


def _modules(model: nn.Module) -> Dict[str, nn.Module]:
    return {name: module for name, module in unwrap(model).named_modules() if name}


def resolve(model: nn.Module, name: str) -> Optional[nn.Module]:
    """The module behind a layer name (None for ``"output"`` / ``"input"``).

    Names from a `DataParallel`-wrapped model (``"module.conv1"``) and the bare names both work.
    Raises `LayerError` with close matches for unknown names.

    Example:
        >>> from fviz_widgets import zoo
        >>> type(resolve(zoo.shapes_cnn(), "conv3")).__name__
        'Conv2d'
    """
    base, _ = split_name(name)
    if base in (OUTPUT, INPUT):
        return None
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


def _entries(value: object) -> List[str]:
    return [str(k) for k in value.keys()] if isinstance(value, Mapping) else []


def _select(name: str, output: object) -> torch.Tensor:
    """The tensor a layer name refers to, given what the module (or the model) returned."""
    base, selectors = split_name(name)
    value = output
    for kind, key in selectors:
        if kind == "index":
            if not isinstance(value, (tuple, list)):
                raise LayerError(f"layer {name!r}: [{key}] needs a tuple or list, but this is a {type(value).__name__}")
            if not -len(value) <= key < len(value):
                raise LayerError(f"layer {name!r}: index {key} out of range for {len(value)} outputs")
            value = value[key]
        elif isinstance(value, Mapping) and key in value:
            value = value[key]
        elif kind == "attr" and not isinstance(value, Mapping) and hasattr(value, key):
            value = getattr(value, key)
        else:
            known = _entries(value)
            hint = f"; it has {', '.join(repr(k) for k in known)}" if known else ""
            raise LayerError(f"layer {name!r}: no entry {key!r} in the {type(value).__name__}{hint}")
    if isinstance(value, torch.Tensor):
        return value
    if isinstance(value, (tuple, list)) and value:
        raise LayerError(f"layer {name!r} returns a {type(value).__name__} of {len(value)}; "
                         f"address one element, e.g. {name + '[0]'!r}")
    if _entries(value):
        key = _entries(value)[0]
        example = f"{name}.{key}" if base == OUTPUT and key.isidentifier() else f'{name}["{key}"]'
        raise LayerError(f"layer {name!r} returns a {type(value).__name__} with {', '.join(map(repr, _entries(value)))}; "
                         f"address one entry, e.g. {example!r}")
    raise LayerError(f"layer {name!r} returns {type(value).__name__}, not a tensor")


# --- whose forward pass is it -------------------------------------------------------------------
_OWNER: contextvars.ContextVar[Optional[object]] = contextvars.ContextVar("fviz_forward_owner", default=None)


@contextlib.contextmanager
def owned_forward(model: nn.Module, owner: object) -> Iterator[None]:
    """Run the block's forward passes of `model` on behalf of `owner`: under the model's lock, and
    marked so that only `owner`'s hooks act on them (`is_owner`). Another thread's forward pass,
    or a plain ``model(x)`` beside it, leaves the hooks alone.

    Example:
        >>> marker = object()
        >>> with owned_forward(torch.nn.Identity(), marker):
        ...     is_owner(marker)
        True
        >>> is_owner(marker)
        False
    """
    with model_lock(model):
        token = _OWNER.set(owner)
        try:
            yield
        finally:
            _OWNER.reset(token)


def is_owner(owner: object) -> bool:
    """Whether the forward pass running in this thread belongs to `owner` (see `owned_forward`)."""
    return _OWNER.get() is owner


# --- capture --------------------------------------------------------------------------------------
class Capture:
    """Runs the model and returns the requested activations. Create it with `capture`."""

    def __init__(self, model: nn.Module, names: Iterable[str], early_exit: bool = True):
        self.model = model
        self.names: List[str] = sorted({canonical(n) for n in names})
        self.outputs = [n for n in self.names if split_name(n)[0] == OUTPUT]
        self.modules = {n: resolve(model, n) for n in self.names if split_name(n)[0] not in (OUTPUT, INPUT)}
        self.early_exit = early_exit and not self.outputs
        self._handles: list = []
        self._freeze: Optional[contextlib.AbstractContextManager] = None
        self._acts: Dict[str, torch.Tensor] = {}
        self._calls: Dict[str, int] = {}
        self._checked = False  # the first forward runs in full to detect modules called twice
        self._fit: Optional[Tuple[int, int]] = None  # the input size a fixed-size model needs

    def __enter__(self) -> Capture:
        self._freeze = frozen(self.model)
        self._freeze.__enter__()
        try:
            with model_lock(self.model):
                for name, module in self.modules.items():
                    self._handles.append(module.register_forward_hook(self._hook(name)))
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Remove every hook this capture registered and unfreeze the model (idempotent)."""
        with model_lock(self.model):
            for handle in self._handles:
                handle.remove()
            self._handles.clear()
        if self._freeze is not None:
            freeze, self._freeze = self._freeze, None
            freeze.__exit__(None, None, None)

    def _hook(self, name: str) -> Callable:
        def hook(module: nn.Module, inputs: tuple, output: object) -> None:
            if not is_owner(self):
                return
            self._calls[name] = self._calls.get(name, 0) + 1
            if name not in self._acts:
                self._acts[name] = _select(name, output)
            if self._checked and self.early_exit and len(self._acts) == len(self.modules):
                raise _StopForward

        return hook

    def __call__(self, x: torch.Tensor, preprocess: bool = True) -> Dict[str, torch.Tensor]:
        """Forward `x` (images in the model's input domain, any form `as_images` takes) and return
        {name: activation}. `preprocess=False` feeds `x` to the model as it is.

        A model with an attached `Preprocess` that refuses images of another size than its
        ``input_size`` (a ViT's position embeddings, a flatten into a linear layer) gets them
        resized (bilinear) to ``input_size``: once the model has raised on a size and run at its
        input size, this capture resizes every image before preprocessing. Models that take any
        size see the images as they are.
        """
        if self._freeze is None:
            raise RuntimeError("Capture is closed; use it inside its `with` block")
        if not preprocess:
            return self._run(x, preprocess)
        images = as_images(x, self.model)
        if self._fit is not None:
            return self._run(_resized(images, self._fit), preprocess)
        try:
            return self._run(images, preprocess)
        except (RuntimeError, ValueError, TypeError) as error:
            size = get_preprocess(self.model).input_size
            if isinstance(error, LayerError) or not has_preprocess(self.model) or tuple(images.shape[-2:]) == size:
                raise
            try:
                acts = self._run(_resized(images, size), preprocess)
            except (RuntimeError, ValueError, TypeError):
                raise error from None
            self._fit = size
            return acts

    def _run(self, images: torch.Tensor, preprocess: bool) -> Dict[str, torch.Tensor]:
        fed = get_preprocess(self.model)(images) if preprocess else images
        with owned_forward(self.model, self):
            self._acts, self._calls = {}, {}
            try:
                with substitutes():
                    output = self.model(fed)
            except _StopForward:
                output = None
            except LayerError:
                raise
            except (RuntimeError, ValueError, TypeError) as error:
                if preprocess and not has_preprocess(self.model):
                    pre = get_preprocess(self.model)
                    raise ValueError(
                        f"{type(unwrap(self.model)).__name__} failed on an input of shape {tuple(fed.shape)}: no "
                        f"Preprocess is attached, so fv assumed {pre.color_channels}-channel images in [0, 1]. "
                        "Say what the model takes with fv.attach_preprocess(model, fv.Preprocess(color_channels=..., "
                        f"input_size=(H, W), mean=..., std=...)). The model said: {error}") from error
                raise
            acts, calls, self._acts = self._acts, self._calls, {}
        if not self._checked:
            twice = sorted(n for n, count in calls.items() if count > 1)
            if twice:
                raise LayerError(
                    f"layer(s) {twice} run more than once per forward pass (a reused module), so "
                    "their activation is ambiguous; wrap each use in its own module to address it"
                )
            self._checked = True
        missing = [n for n in self.modules if n not in acts]
        if missing:
            raise LayerError(f"layer(s) {missing} did not run during the forward pass")
        for name in self.outputs:
            acts[name] = _select(name, output)
        return acts


def _resized(images: torch.Tensor, size: Tuple[int, int]) -> torch.Tensor:
    if tuple(images.shape[-2:]) == tuple(size):
        return images
    return torch.nn.functional.interpolate(images, size=size, mode="bilinear", align_corners=False)


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


def class_names(model: nn.Module, layer: str, size: Optional[Sequence[int]] = None) -> Optional[List[str]]:
    """The names of `layer`'s units when they are the model's classes, else None.

    They are when the model names its classes (`model.classes`, as zoo models do) and `layer`
    gives one value per class (the logits, a softmax, the last linear layer).

    Example:
        >>> from fviz_widgets import zoo
        >>> model = zoo.shapes_cnn()
        >>> class_names(model, "output")[:3], class_names(model, "conv3")
        (['vertical_stripes', 'horizontal_stripes', 'diagonal_up'], None)
    """
    classes = getattr(model, "classes", None)
    if not classes:
        return None
    shape = layer_shape(model, layer, size)
    return [str(c) for c in classes] if shape == (len(classes),) else None


def channel_count(model: nn.Module, layer: str, size: Optional[Sequence[int]] = None) -> int:
    """How many channels `layer` has: axis 1 of its activation, or the embedding dimension of a
    token layer [N, tokens, dim] (`fviz_widgets.core.tokens`).

    Example:
        >>> from fviz_widgets import zoo
        >>> channel_count(zoo.shapes_cnn(), "output")
        10
    """
    shape = layer_shape(model, layer, size)
    if not shape:
        raise LayerError(f"layer {layer!r} has no channel axis (its activation is one value per image)")
    return shape[-1] if len(shape) == 2 else shape[0]


# --- the table of layers ---------------------------------------------------------------------------
@dataclass(frozen=True)
class LayerInfo:
    """One addressable layer: its name, module type and output shape (without batch)."""

    name: str
    type: str
    shape: Optional[Tuple[int, ...]]

    def __str__(self) -> str:
        return self.row(32, 20)

    def row(self, name_width: int, type_width: int) -> str:
        shape = "×".join(map(str, self.shape)) if self.shape else "—"
        return f"{self.name:<{name_width}} {self.type:<{type_width}} {shape}"


class LayerTable(list):
    """A list of `LayerInfo` that prints as a table in scripts and notebooks."""

    def __str__(self) -> str:
        name_width = max([32] + [len(info.name) for info in self])
        type_width = max([20] + [len(info.type) for info in self])
        head = f"{'name':<{name_width}} {'type':<{type_width}} output shape"
        return "\n".join([head, "-" * len(head)] + [info.row(name_width, type_width) for info in self])

    def _repr_pretty_(self, printer, cycle) -> None:
        printer.text(str(self))

    @property
    def names(self) -> List[str]:
        return [info.name for info in self]


def _output_entries(output: object) -> List[Tuple[str, Tuple[int, ...]]]:
    """(name, shape) of the model's output: ``output``, or its tensor elements and entries."""
    if isinstance(output, torch.Tensor):
        return [(OUTPUT, tuple(output.shape[1:]))]
    if isinstance(output, (tuple, list)):
        return [(f"{OUTPUT}[{i}]", tuple(v.shape[1:])) for i, v in enumerate(output) if isinstance(v, torch.Tensor)]
    if isinstance(output, Mapping):
        return [(f"{OUTPUT}.{k}" if str(k).isidentifier() else f'{OUTPUT}["{k}"]', tuple(v.shape[1:]))
                for k, v in output.items() if isinstance(v, torch.Tensor)]
    return []


def layers(
    model: nn.Module, input_shape: Optional[Sequence[int]] = None, *, show: bool = False
) -> LayerTable:
    """Every addressable layer of `model` in execution order, with output shapes.

    `input_shape` is (C, H, W) of one input; by default the model's `Preprocess` says. Layers
    that did not run in the probe forward pass are listed last with shape None. The model runs in
    eval mode (restored afterwards).

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
    owner = object()

    def record(name: str) -> Callable:
        def hook(module: nn.Module, inputs: tuple, output: object) -> None:
            if is_owner(owner) and name not in shapes:
                order.append(name)
                shapes[name] = tuple(output.shape[1:]) if isinstance(output, torch.Tensor) else ()

        return hook

    with frozen(model), torch.no_grad():
        with model_lock(model):
            handles = [m.register_forward_hook(record(n)) for n, m in modules.items()]
        try:
            probe = torch.zeros((1, *shape), device=device_of(model), dtype=dtype_of(model))
            with owned_forward(model, owner):
                output = model(get_preprocess(model)(probe))
        finally:
            with model_lock(model):
                for handle in handles:
                    handle.remove()
    # the names "output" and "input" address the model's output and input, even where a module has that name
    listed = [n for n in order if n not in (OUTPUT, INPUT)]
    table = LayerTable(LayerInfo(n, type(modules[n]).__name__, shapes[n] or None) for n in listed)
    table.extend(LayerInfo(n, type(m).__name__, None) for n, m in modules.items()
                 if n not in shapes and n not in (OUTPUT, INPUT))
    table.extend(LayerInfo(name, "output", entry) for name, entry in _output_entries(output))
    if show:
        print(table)
    return table
