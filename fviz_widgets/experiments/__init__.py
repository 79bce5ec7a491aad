"""Experiment records, sweeps and executors (local or Dask) for IFV experiments.

Example:
    >>> from fviz_widgets.experiments import IFVConfig, load_record, run_ifv
    >>> record = run_ifv(IFVConfig(layer="conv3", channels=16, n_sampled=32), "out/ifv")   # doctest: +SKIP
    >>> load_record("out/ifv/ifv").summary["angle_predicted_median"]                       # doctest: +SKIP
"""

from .config import IFVConfig, expand, load_configs
from .record import ExperimentRecord, load_record, versions
from .runner import InlineExecutor, build_model, realize_chunk, reoptimize_chunk, run_file, run_ifv

__all__ = [
    "ExperimentRecord",
    "IFVConfig",
    "InlineExecutor",
    "build_model",
    "expand",
    "load_configs",
    "load_record",
    "realize_chunk",
    "reoptimize_chunk",
    "run_file",
    "run_ifv",
    "versions",
]
