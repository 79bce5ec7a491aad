"""A function from a Python file the user names (``path/to/file.py:function``): `function_from_file`.

Importing a file runs its code, so only the person at the keyboard names one (an argument, a
command line); a config or a record never does.

Example:
    >>> function_from_file("nowhere/net.py", "make")
    Traceback (most recent call last):
    ...
    FileNotFoundError: no file nowhere/net.py
"""

from __future__ import annotations

import difflib
import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Callable, Union

__all__ = ["function_from_file", "split_file_spec"]


def split_file_spec(spec: str):
    """(path, function) of ``path/to/file.py:function``, or None for a string of another form.

    Example:
        >>> split_file_spec("models/net.py:make"), split_file_spec("shapes_cnn")
        (('models/net.py', 'make'), None)
    """
    path, colon, name = spec.rpartition(":")
    if colon and path.lower().endswith(".py"):
        return path, name
    if spec.lower().endswith(".py"):
        raise ValueError(f"name the function of {spec} to use: {spec}:FUNCTION")
    return None


def function_from_file(path: Union[str, Path], name: str, what: str = "file") -> Callable:
    """The function `name` of the Python file at `path`, imported with its folder on ``sys.path``
    (so it may import its neighbours). Errors say what the file defines instead; `what` names the
    file in them ("model file").

    The module is registered in ``sys.modules`` under a name made from the file's stem, so
    dataclasses and pickling by reference within this process find it.
    """
    path = Path(path).expanduser()
    if not path.is_file():
        raise FileNotFoundError(f"no {what} {path}")
    if not name.isidentifier():
        raise ValueError(f"{name!r} is not a function name; write {path}:FUNCTION")
    folder = str(path.resolve().parent)
    sys.path.insert(0, folder)
    try:
        module = _import_file(path)
    finally:
        sys.path.remove(folder)
    found = getattr(module, name, None)
    if found is None:
        defined = [n for n, v in vars(module).items() if callable(v) and not n.startswith("_")
                   and getattr(v, "__module__", None) == module.__name__]
        close = difflib.get_close_matches(name, defined, n=3)
        hint = f"; did you mean {' or '.join(close)}?" if close else ""
        listing = f" (it defines {', '.join(defined)})" if defined else " (it defines no functions)"
        raise ValueError(f"{path} has no function {name!r}{hint}{listing}")
    if not callable(found):
        raise TypeError(f"{path}:{name} is not a function (it is of type {type(found).__name__})")
    return found


def _import_file(path: Path) -> ModuleType:
    module_name = "fviz_user_file_" + re.sub(r"\W", "_", path.stem)
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ValueError(f"cannot import {path} as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as error:
        del sys.modules[module_name]
        where = f" (line {error.lineno})" if isinstance(error, SyntaxError) else ""
        raise ValueError(f"importing {path} failed{where}: {type(error).__name__}: {error}") from error
    return module
