"""A model named by one string, as the command line names it: `load_model`.

- a zoo name: ``shapes_cnn``, ``efficientnet_lite0`` (``efficientnet_lite1``, ``efficientnet_lite2``),
  ``fer_emotion`` (see `zoo_models`);
- ``torchvision:NAME``: a ``torchvision.models`` architecture with its default weights;
- ``path/to/file.py:factory``: the function `factory` of a Python file, called with no arguments.

Naming a file runs its code, so only the person running a command names one (on the command line);
a config or a record never does.

Example:
    >>> load_model("shapes_cnn").classes[0]
    'vertical_stripes'
    >>> load_model("shapes_cn")
    Traceback (most recent call last):
    ...
    ValueError: unknown model 'shapes_cn'; did you mean shapes_cnn? (zoo: shapes_cnn, efficientnet_lite0, efficientnet_lite1, efficientnet_lite2, fer_emotion; or torchvision:NAME, or path/to/file.py:factory)
"""

from __future__ import annotations

import difflib
import importlib.util
import re
import sys
from functools import partial
from pathlib import Path
from types import ModuleType
from typing import Callable, Dict, Union

from torch import nn

__all__ = ["load_model", "model_from_file", "zoo_models"]

FORMS = "torchvision:NAME, or path/to/file.py:factory"


def zoo_models() -> Dict[str, Callable[[], nn.Module]]:
    """The zoo names `load_model` knows, each with a factory that takes no arguments.

    Example:
        >>> list(zoo_models())[:2]
        ['shapes_cnn', 'efficientnet_lite0']
    """
    from . import efficientnet_lite, fer_emotion, shapes_cnn  # the package's loaders (imported when called)

    return {
        "shapes_cnn": shapes_cnn,
        **{f"efficientnet_lite{v}": partial(efficientnet_lite, v) for v in (0, 1, 2)},
        "fer_emotion": fer_emotion,
    }


def load_model(spec: str) -> nn.Module:
    """The model `spec` names: a zoo name, ``torchvision:NAME`` or ``path/to/file.py:factory``.

    Zoo and torchvision models come in eval mode with their `Preprocess` attached; a file's model
    is put in eval mode. Mistakes raise ValueError, TypeError, FileNotFoundError or ImportError
    (torchvision missing) with a message that says what to write instead.

    Example:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     path = Path(folder) / "tiny.py"
        ...     _ = path.write_text("import torch\\ndef make():\\n    return torch.nn.Conv2d(3, 4, 3)\\n")
        ...     model = load_model(f"{path}:make")
        >>> type(model).__name__, model.training
        ('Conv2d', False)
    """
    if not isinstance(spec, str) or not spec.strip():
        raise TypeError(f"a model is a zoo name, {FORMS}; got {spec!r}")
    kind, colon, name = spec.partition(":")
    if kind == "torchvision" and colon:
        if not name:
            raise ValueError("torchvision:NAME needs a NAME, e.g. torchvision:resnet18")
        from . import torchvision

        return torchvision(name)
    path, colon, factory = spec.rpartition(":")
    if colon and path.lower().endswith(".py"):
        return model_from_file(path, factory)
    if spec.lower().endswith(".py"):
        raise ValueError(f"name the function in {spec} that builds the model: {spec}:FUNCTION")
    models = zoo_models()
    if spec in models:
        return models[spec]()
    close = difflib.get_close_matches(spec, list(models), n=3, cutoff=0.6)
    hint = f"; did you mean {' or '.join(close)}?" if close else ""
    raise ValueError(f"unknown model {spec!r}{hint} (zoo: {', '.join(models)}; or {FORMS})")


def model_from_file(path: Union[str, Path], factory: str) -> nn.Module:
    """``factory()`` from the Python file at `path` (imported with its folder on ``sys.path``, so
    it may import its neighbours), which must return an nn.Module; in eval mode.

    Example:
        >>> model_from_file("nowhere/net.py", "make")
        Traceback (most recent call last):
        ...
        FileNotFoundError: no model file nowhere/net.py
    """
    path = Path(path).expanduser()
    if not path.is_file():
        raise FileNotFoundError(f"no model file {path}")
    if not factory.isidentifier():
        raise ValueError(f"{factory!r} is not a function name; write {path}:FUNCTION")
    folder = str(path.resolve().parent)
    sys.path.insert(0, folder)
    try:
        module = _import_file(path)
        build = getattr(module, factory, None)
        if build is None:
            defined = [n for n, v in vars(module).items() if callable(v) and not n.startswith("_")
                       and getattr(v, "__module__", None) == module.__name__]
            close = difflib.get_close_matches(factory, defined, n=3)
            hint = f"; did you mean {' or '.join(close)}?" if close else ""
            listing = f" (it defines {', '.join(defined)})" if defined else " (it defines no functions)"
            raise ValueError(f"{path} has no function {factory!r}{hint}{listing}")
        if not callable(build):
            raise TypeError(f"{path}:{factory} is not a function (it is of type {type(build).__name__}); name the function "
                            "that builds the model")
        try:
            model = build()
        except Exception as error:
            raise ValueError(f"{path}:{factory}() raised {type(error).__name__}: {error}") from error
    finally:
        sys.path.remove(folder)
    if not isinstance(model, nn.Module):
        raise TypeError(f"{path}:{factory}() returned an object of type {type(model).__name__}, not a torch.nn.Module")
    return model.eval()


def _import_file(path: Path) -> ModuleType:
    name = "fviz_model_file_" + re.sub(r"\W", "_", path.stem)
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ValueError(f"cannot import {path} as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pickling look the module up by name
    try:
        spec.loader.exec_module(module)
    except Exception as error:
        del sys.modules[name]
        where = f" (line {error.lineno})" if isinstance(error, SyntaxError) else ""
        raise ValueError(f"importing {path} failed{where}: {type(error).__name__}: {error}") from error
    return module
