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
import sys
from functools import partial
from pathlib import Path
from typing import Callable, Dict, Union

from torch import nn

from ..core.imports import function_from_file, split_file_spec

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
    in_file = split_file_spec(spec)
    if in_file:
        return model_from_file(*in_file)
    models = zoo_models()
    if spec in models:
        return models[spec]()
    close = difflib.get_close_matches(spec, list(models), n=3, cutoff=0.6)
    hint = f"; did you mean {' or '.join(close)}?" if close else ""
    raise ValueError(f"unknown model {spec!r}{hint} (zoo: {', '.join(models)}; or {FORMS})")


def model_from_file(path: Union[str, Path], factory: str) -> nn.Module:
    """``factory()`` from the Python file at `path` (`fviz_widgets.core.imports.function_from_file`:
    imported with its folder on ``sys.path``, so it may import its neighbours), which must return
    an nn.Module; in eval mode.

    Example:
        >>> model_from_file("nowhere/net.py", "make")
        Traceback (most recent call last):
        ...
        FileNotFoundError: no model file nowhere/net.py
    """
    build = function_from_file(path, factory, what="model file")
    folder = str(Path(path).expanduser().resolve().parent)
    sys.path.insert(0, folder)  # the factory may import the file's neighbours when it runs
    try:
        model = build()
    except Exception as error:
        raise ValueError(f"{path}:{factory}() raised {type(error).__name__}: {error}") from error
    finally:
        sys.path.remove(folder)
    if not isinstance(model, nn.Module):
        raise TypeError(f"{path}:{factory}() returned an object of type {type(model).__name__}, not a torch.nn.Module")
    return model.eval()
