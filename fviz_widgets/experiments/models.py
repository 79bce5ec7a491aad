"""Which networks an experiment may build: the zoo, models registered in Python, and — only when
the caller opts in — a ``"package.module:function"`` named in a config.

A config or a record is data someone may share; nothing it names is imported unless the person
running it says so (`allow_import=True`, ``fviz ifv run --allow-import``). Opening a record
(`load_record`, the `IFVExplorer`) never imports anything.

Example:
    >>> import torch
    >>> register_model("tiny_linear", lambda width=4: torch.nn.Linear(width, 2))
    >>> build_model("tiny_linear", {"width": 3}).weight.shape
    torch.Size([2, 3])
    >>> build_model("os:system")
    Traceback (most recent call last):
    ...
    ValueError: model 'os:system' names a function to import; that runs code from the config, so it needs allow_import=True (fviz ifv run --allow-import), or register the model in Python: fviz_widgets.experiments.register_model('os:system', factory)
"""

from __future__ import annotations

import importlib
import json
import re
import threading
from typing import Any, Callable, Dict, Optional, Tuple

from torch import nn

__all__ = ["build_model", "register_model", "registered_models"]

_REGISTRY: Dict[str, Callable[..., nn.Module]] = {}
_MODELS: Dict[Tuple[str, str, str, int], nn.Module] = {}
_LOCK = threading.Lock()
_NAME = re.compile(r"^[A-Za-z_][\w.\-]*$")


def register_model(name: str, factory: Callable[..., nn.Module]) -> None:
    """Let configs name `factory` as ``"model": name`` (its keyword arguments come from
    ``model_kwargs``). Registered models are known in this process: use them with the inline or
    a thread executor; for process pools and Dask clusters, register them in a module the
    workers import.

    Example:
        >>> register_model("double_conv", lambda: nn.Sequential(nn.Conv2d(3, 4, 3), nn.Conv2d(4, 4, 3)))
        >>> "double_conv" in registered_models()
        True
    """
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValueError(f"a model name is letters, digits, '_', '-' and '.', starting with a letter; got {name!r}")
    if not callable(factory):
        raise TypeError(f"factory must be a function returning an nn.Module, got {type(factory).__name__}")
    with _LOCK:
        _REGISTRY[name] = factory
        for key in [k for k in _MODELS if k[0] == name]:
            del _MODELS[key]


def registered_models() -> Dict[str, Callable[..., nn.Module]]:
    """The models registered with `register_model` (name → factory)."""
    with _LOCK:
        return dict(_REGISTRY)


def _factory(name: str, allow_import: bool) -> Callable[..., nn.Module]:
    from .. import zoo

    with _LOCK:
        if name in _REGISTRY:
            return _REGISTRY[name]
    if ":" in name:
        if not allow_import:
            raise ValueError(
                f"model {name!r} names a function to import; that runs code from the config, so it needs "
                f"allow_import=True (fviz ifv run --allow-import), or register the model in Python: "
                f"fviz_widgets.experiments.register_model({name!r}, factory)")
        module, _, attribute = name.partition(":")
        try:
            return getattr(importlib.import_module(module), attribute)
        except (ImportError, AttributeError) as error:
            raise ValueError(f"cannot import model {name!r}: {error}") from None
    if name in zoo.MODELS:
        return zoo.MODELS[name]
    raise ValueError(f"unknown model {name!r}; use a zoo model ({', '.join(zoo.MODELS)}), one registered with "
                     f"register_model ({', '.join(registered_models()) or 'none yet'}), or 'package.module:function' "
                     "with allow_import=True")


def build_model(name: str, kwargs: Optional[Dict[str, Any]] = None, device: str = "cpu", *,
                allow_import: bool = False) -> nn.Module:
    """The model a config names, in eval mode with frozen weights, cached per thread.

    Each thread gets its own copy: a thread pool's work units then never share one model.

    Example:
        >>> build_model("shapes_cnn", {"activation": "softplus"}).activation
        'softplus'
    """
    kwargs = dict(kwargs or {})
    factory = _factory(name, allow_import)  # before the cache: a model built with permission once is no free pass
    key = (name, json.dumps(kwargs, sort_keys=True), str(device), threading.get_ident())
    with _LOCK:
        model = _MODELS.get(key)
    if model is not None:
        return model
    try:
        model = factory(**kwargs)
    except TypeError as error:
        raise ValueError(f"model {name!r} does not take model_kwargs {kwargs}: {error}") from None
    if not isinstance(model, nn.Module):
        raise TypeError(f"model {name!r} returned a {type(model).__name__}, not an nn.Module")
    model = model.eval().to(device)
    for p in model.parameters():
        p.requires_grad_(False)
    with _LOCK:
        _MODELS[key] = model
    return model
