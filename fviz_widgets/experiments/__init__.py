"""Experiment records, sweeps and executors (local or Dask) for IFV experiments.

Configs (`IFVConfig`, JSON files and sweeps), records (`ExperimentRecord`, a folder per
experiment) and the runner that fills them on any `concurrent.futures.Executor`.

Example:
    >>> from fviz_widgets.experiments import IFVConfig, run_ifv
    >>> config = IFVConfig.demo()
    >>> run_ifv(config, None, progress=False).summary["m"]
    4
"""

from .config import IFVConfig, expand, load_configs
from .record import ExperimentRecord, load_record, overview, versions
from .models import build_model, register_model, registered_models
from .runner import InlineExecutor, feature_count, realize_chunk, reoptimize_chunk, run_file, run_ifv

__all__ = [
    "ExperimentRecord",
    "IFVConfig",
    "InlineExecutor",
    "build_model",
    "expand",
    "feature_count",
    "load_configs",
    "load_record",
    "overview",
    "realize_chunk",
    "register_model",
    "registered_models",
    "reoptimize_chunk",
    "run_file",
    "run_ifv",
    "versions",
]
