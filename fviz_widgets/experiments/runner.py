"""Run an IFV experiment: realizations → predictions → critical space → stability → record.

The work is split into units of `IFVConfig.batch_size` objectives. A unit is a top-level
function of plain, picklable arguments (the config as a dict, numpy arrays), so any
`concurrent.futures.Executor` runs it: the default runs inline, ``ProcessPoolExecutor`` spreads it
over local cores, and a Dask cluster takes it as well (``client.get_executor()``, or the
``Client`` itself, which has the same ``submit``). Units seed themselves from the config and
their position, so the numbers do not depend on where or in which order they run.

Example:
    >>> config = IFVConfig.from_dict(dict(layer="conv3", model_kwargs={"activation": "softplus"}, channels=8,
    ...                                   n_sampled=4, n_canonical=0, size=32, adam_steps=64, lbfgs_steps=16,
    ...                                   reopt_steps=0))
    >>> record = run_ifv(config, out=None, progress=False)
    >>> record.summary["angle_predicted_median"] < record.summary["angle_response_median"]
    True
"""

from __future__ import annotations

import math
import time
from concurrent.futures import Executor, Future
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from torch import nn

from .. import ifv
from ..core.metrics import angular_distance
from ..core.model import input_shape
from .config import IFVConfig, load_configs
from .models import build_model
from .record import ExperimentRecord, load_record, param_from_state, record_path, versions

__all__ = ["InlineExecutor", "feature_count", "realize_chunk", "reoptimize_chunk", "run_file", "run_ifv"]

class InlineExecutor(Executor):
    """Runs each submitted call at once in the calling thread (the default executor)."""

    def submit(self, fn: Callable, /, *args: Any, **kwargs: Any) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as error:  # noqa: BLE001 - handed to the caller through the future
            future.set_exception(error)
        return future


def _model(config: IFVConfig, allow_import: bool) -> nn.Module:
    return build_model(config.model, config.model_kwargs, config.device, allow_import=allow_import)


def feature_count(config: IFVConfig, *, allow_import: bool = False) -> int:
    """m, the number of features the config's layer and channels give.

    Example:
        >>> feature_count(IFVConfig.from_dict({"layer": "conv3", "channels": 16}))
        16
    """
    model = _model(config, allow_import)
    c, h, w = input_shape(model, config.size)
    with torch.no_grad():
        rho = ifv.feature_response(model, config.layer, torch.zeros(1, c, h, w), config.features)
    return int(rho.shape[1])


def _unit_seed(config: IFVConfig, start: int) -> int:
    return config.seed * 1_000_003 + start


class _Threads:
    """torch.set_num_threads for the duration of a work unit (restored afterwards)."""

    def __init__(self, threads: Optional[int]):
        self.threads, self.previous = threads, None

    def __enter__(self):
        if self.threads:
            self.previous = torch.get_num_threads()
            torch.set_num_threads(int(self.threads))

    def __exit__(self, *exc):
        if self.previous is not None:
            torch.set_num_threads(self.previous)


def realize_chunk(config: Dict[str, Any], start: int, thetas: np.ndarray, allow_import: bool = False) -> Dict[str, Any]:
    """Work unit: realizations of `thetas` (FV with Adam then L-BFGS) and their predictions.

    Returns plain numpy arrays: images, the parameterization state, ρ, θ̂ (ambient), the
    spectrum of M, the inactive features, final objective values and a stationarity measure
    ‖Mᵀθ₀‖ / σ_max, plus the seconds it took.
    """
    cfg = IFVConfig.from_dict(config)
    begin = time.perf_counter()
    with _Threads(cfg.threads):
        model = _model(cfg, allow_import)
        seed = _unit_seed(cfg, start)
        shape = (len(thetas), *input_shape(model, cfg.size))
        param = ifv.make_param(cfg.param, shape, seed=seed, decorrelate=cfg.decorrelate, device=cfg.device)
        result = ifv.realize(model, cfg.layer, thetas, cfg.features, param=param, steps=cfg.adam_steps,
                             lbfgs_steps=cfg.lbfgs_steps, lr=cfg.lr, transforms=cfg.transforms, seed=seed)
        predictions = ifv.predict_objectives(model, cfg.layer, param, cfg.features, target=thetas, param=param,
                                             exclude_inactive=cfg.exclude_inactive,
                                             inactive_tolerance=cfg.inactive_tolerance)
    m = thetas.shape[1]
    inactive = np.zeros((len(thetas), m), bool)
    for i, p in enumerate(predictions):
        inactive[i, p.inactive] = True
    return {
        "images": result.images.astype(np.float32),
        "state": {name: t.detach().cpu().numpy().copy() for name, t in param.named_parameters()},
        "response": np.stack([p.response for p in predictions]),
        "theta_hat": np.stack([p.theta for p in predictions]),
        "singular_values": np.stack([p.singular_values for p in predictions]),
        "left_singular_vectors": np.stack([p.left_singular_vectors for p in predictions]),
        "inactive": inactive,
        "objective_value": result.values.astype(np.float64),
        "stationarity": np.array([p.gradient_norm(t) / max(p.singular_values[-1], 1e-300)
                                  for p, t in zip(predictions, thetas)]),
        "seconds": time.perf_counter() - begin,
    }


def reoptimize_chunk(config: Dict[str, Any], start: int, state: Dict[str, np.ndarray],
                     variants: Dict[str, np.ndarray], allow_import: bool = False) -> Dict[str, Any]:
    """Work unit: the stability check of a chunk's realizations (SSIM before vs after re-optimizing
    for each named objective)."""
    cfg = IFVConfig.from_dict(config)
    begin = time.perf_counter()
    with _Threads(cfg.threads):
        model = _model(cfg, allow_import)
        seed = _unit_seed(cfg, start)
        shape = (len(next(iter(state.values()))), *input_shape(model, cfg.size))
        param = param_from_state(cfg, state, shape, cfg.device)
        scores = ifv.stability_check(model, cfg.layer, param, variants, cfg.features, steps=cfg.reopt_steps,
                                     lr=cfg.lr, seed=seed)
    return {"ssim": scores, "seconds": time.perf_counter() - begin}


def _objectives(config: IFVConfig, m: int) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(targets [n, m], kinds [n], random baseline vectors [n, m])."""
    sampled = ifv.sample_objectives(config.n_sampled, m, config.sparseness, seed=config.seed)
    count = m if config.n_canonical is None else min(config.n_canonical, m)
    picks = np.round(np.linspace(0, m - 1, count)).astype(int) if count < m else np.arange(m)
    canonical = np.eye(m)[picks] if count else np.zeros((0, m))
    targets = np.concatenate([sampled, canonical])
    kinds = np.array(["sampled"] * len(sampled) + [f"e{k}" for k in picks[:count]], dtype="<U16")
    random = ifv.sample_objectives(len(targets), m, config.sparseness, seed=config.seed + 7919)
    return targets, kinds, random


def _gather(executor: Executor, fn: Callable, jobs: Sequence[Tuple], progress: bool, desc: str) -> List[Any]:
    futures = [executor.submit(fn, *job) for job in jobs]
    from tqdm.auto import tqdm

    return [f.result() for f in tqdm(futures, desc=desc, disable=not progress, leave=False)]


def _critical(config: IFVConfig, results: List[ifv.IFVResult], arrays: Dict[str, np.ndarray]
              ) -> Tuple[Optional[ifv.CriticalSpace], List[Dict[str, Any]]]:
    """Algorithm 1 on the first samples, a threshold scan, the selected space and the table."""
    spec = dict(config.critical_space or {})
    samples = int(spec.get("samples", 32))
    angle_limit = float(spec.get("angle_limit", 30.0))
    spaces = ifv.scan_thresholds(results[:samples], angle_limit, order=spec.get("order", "sequential"),
                                 relative=bool(spec.get("relative", False)), points=int(spec.get("points", 24)),
                                 seed=config.seed)
    table = []
    for space in spaces:
        angles = np.array([angular_distance(r.with_critical_space(space).theta, space.project(r.target))
                           for r in results])
        lo, hi = space.threshold_range
        table.append({"dim": space.dim, "tau_low": lo, "tau_high": hi, "tau": space.threshold,
                      "plateau": float(np.log10(hi / lo)) if lo > 0 else float("inf"),
                      "angle_predicted_median": float(np.median(angles)), "trivial": space.describe()[:12]})
    select = spec.get("select", "best")
    if not spaces:
        return None, table
    if select == "best":
        # the smallest spaces predict their own few directions trivially well: only spaces of at
        # least `min_dim` (default half of m) compete
        m = results[0].m
        floor = int(spec.get("min_dim", math.ceil(m / 2)))
        eligible = [i for i, row in enumerate(table) if row["dim"] >= floor] or [0]
        chosen = min(eligible, key=lambda i: table[i]["angle_predicted_median"])
    elif select == "plateau":
        finite = [row["plateau"] if np.isfinite(row["plateau"]) else -1.0 for row in table]
        chosen = int(np.argmax(finite))
    else:
        dims = [row["dim"] for row in table]
        if int(select) not in dims:
            raise ValueError(f"no critical space of dimension {select}; the scan found {dims}")
        chosen = dims.index(int(select))
    table[chosen]["selected"] = True
    return spaces[chosen], table


def _stats(values: np.ndarray, prefix: str) -> Dict[str, float]:
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return {}
    return {f"{prefix}_median": float(np.median(v)), f"{prefix}_mean": float(v.mean()),
            f"{prefix}_p10": float(np.percentile(v, 10)), f"{prefix}_p90": float(np.percentile(v, 90))}


def run_ifv(
    config: Union[IFVConfig, Dict[str, Any]],
    out: Union[str, Path, None] = None,
    *,
    executor: Optional[Executor] = None,
    progress: bool = True,
    figures: bool = True,
    overwrite: bool = False,
    allow_import: bool = False,
) -> ExperimentRecord:
    """Run one IFV experiment and (with `out`) write its record to ``out/<config.name>``.

    Args:
        config: an `IFVConfig` or its dict.
        out: the folder that receives the record folder ``out/<config.name>``; None keeps the record
            in memory. It is checked before anything is computed. The record is written under a
            temporary name and renamed, so a folder that exists is complete: one holding the same
            config is returned as it is (an interrupted sweep resumes), one holding another
            config is an error unless `overwrite`.
        executor: any `concurrent.futures.Executor` (or a Dask ``Client``); default inline.
        progress: tqdm bars over work units. figures: write PNG figures with the record.
        overwrite: replace an existing record. allow_import: let the config's model be a
            ``"package.module:function"`` that is imported (see `register_model` for the safe way).

    Returns:
        the `ExperimentRecord` (its ``path`` is the record folder when written).

    Example:
        >>> from concurrent.futures import ThreadPoolExecutor
        >>> config = IFVConfig.demo(reopt_steps=4, batch_size=1)
        >>> with ThreadPoolExecutor(2) as pool:          # any Executor: processes, threads, a Dask client
        ...     record = run_ifv(config, None, executor=pool, progress=False)
        >>> record.arrays["ssim_predicted"].shape
        (2,)
    """
    config = IFVConfig.from_dict(config) if isinstance(config, dict) else config
    target = None if out is None else record_path(out, config.name)
    if target is not None and target.exists():
        done = _existing(target, config, overwrite)
        if done is not None:
            return done
    executor = executor or InlineExecutor()
    begin = time.perf_counter()
    m = feature_count(config, allow_import=allow_import)
    targets, kinds, random = _objectives(config, m)
    n = len(targets)
    if n == 0:
        raise ValueError("the config asks for no objectives (n_sampled = 0 and no canonical vectors)")
    starts = list(range(0, n, config.batch_size))
    jobs = [(config.to_dict(), s, targets[s : s + config.batch_size], allow_import) for s in starts]
    units = _gather(executor, realize_chunk, jobs, progress, f"{config.name}: realize")
    arrays: Dict[str, Any] = {"targets": targets, "kinds": kinds, "random": random}
    for key in ("images", "response", "theta_hat", "singular_values", "left_singular_vectors", "inactive",
                "objective_value", "stationarity"):
        arrays[key] = np.concatenate([u[key] for u in units])
    names = list(units[0]["state"])
    for name in names:
        arrays[f"state.{name}"] = np.concatenate([u["state"][name] for u in units])
    seconds_realize = sum(u["seconds"] for u in units)

    record = ExperimentRecord(path=None, config=config, versions=versions(config), arrays=arrays, summary={})
    results = record.results(critical=False)
    response_unit = arrays["response"] / np.maximum(np.linalg.norm(arrays["response"], axis=1, keepdims=True), 1e-300)
    arrays["angle_predicted"] = np.array([r.angles["predicted"] for r in results])
    arrays["angle_response"] = angular_distance(arrays["response"], targets)
    arrays["angle_random"] = angular_distance(random, targets)
    arrays["angle_predicted_vs_response"] = angular_distance(arrays["theta_hat"], arrays["response"])
    arrays["gamma2"] = np.stack([r.coefficients() ** 2 for r in results])

    space, table = (None, [])
    predicted = arrays["theta_hat"]
    if config.critical_space is not None:
        space, table = _critical(config, results, arrays)
        if space is not None:
            in_c = [r.with_critical_space(space) for r in results]
            arrays["theta_hat_critical"] = np.stack([r.theta for r in in_c])
            arrays["angle_predicted_critical"] = np.array([r.angles["predicted"] for r in in_c])
            arrays["angle_response_critical"] = np.array([r.angles["response_in_critical_space"] for r in in_c])
            arrays["critical_basis"] = space.basis
            predicted = arrays["theta_hat_critical"]

    seconds_reopt = 0.0
    if config.reopt_steps > 0 and config.reopt:
        pool = {"predicted": predicted, "target": targets, "response": response_unit, "random": random}
        jobs = [(config.to_dict(), s,
                 {name: arrays[f"state.{name}"][s : s + config.batch_size] for name in names},
                 {v: np.where(np.linalg.norm(pool[v][s : s + config.batch_size], axis=1, keepdims=True) > 0,
                              pool[v][s : s + config.batch_size], 1.0)
                  for v in config.reopt}, allow_import)
                for s in starts]
        reopt = _gather(executor, reoptimize_chunk, jobs, progress, f"{config.name}: re-optimize")
        for v in config.reopt:
            arrays[f"ssim_{v}"] = np.concatenate([u["ssim"][v] for u in reopt])
        seconds_reopt = sum(u["seconds"] for u in reopt)

    summary: Dict[str, Any] = {"n": n, "m": m, "n_sampled": int((kinds == "sampled").sum()),
                               "n_canonical": int((kinds != "sampled").sum()),
                               "critical_dim": space.dim if space is not None else m}
    for key in ("predicted", "predicted_critical", "response", "response_critical", "random", "predicted_vs_response"):
        if f"angle_{key}" in arrays:
            summary.update(_stats(arrays[f"angle_{key}"], f"angle_{key}"))
    for v in config.reopt:
        if f"ssim_{v}" in arrays:
            summary.update(_stats(arrays[f"ssim_{v}"], f"ssim_{v}"))
    summary["gamma0_mean"] = float(arrays["gamma2"][:, 0].mean())
    summary.update(_stats(arrays["stationarity"], "stationarity"))
    summary["inactive_mean"] = float(arrays["inactive"].sum(1).mean())
    summary["seconds_realize"] = seconds_realize
    summary["seconds_reopt"] = seconds_reopt
    summary["seconds_wall"] = time.perf_counter() - begin
    record.summary, record.critical_spaces = summary, table
    if target is not None:
        record.write(target, figures=figures, overwrite=overwrite)
    return record


def _existing(path: Path, config: IFVConfig, overwrite: bool) -> Optional[ExperimentRecord]:
    """A complete record already at `path`: reused when it holds the same config (a sweep that was
    interrupted resumes), an error when it holds another one, unless `overwrite`."""
    if overwrite:
        return None
    try:
        record = load_record(path)
    except (FileNotFoundError, ValueError) as error:
        raise FileExistsError(f"{path} exists but is not a readable record ({error}); pass overwrite=True "
                              "(--overwrite) to replace it") from None
    if record.config != config:
        raise FileExistsError(f"{path} holds a record of another config; pass overwrite=True (--overwrite) to "
                              "replace it, or choose another --out")
    return record


def run_file(path: Union[str, Path], out: Union[str, Path, None] = None, *, executor: Optional[Executor] = None,
             progress: bool = True, fast: Optional[bool] = None, overwrite: bool = False,
             allow_import: bool = False) -> List[ExperimentRecord]:
    """Run every experiment of a config file (one or a sweep); returns their records. Records
    already complete under `out` are kept (see `run_ifv`), so an interrupted sweep resumes.

    Example:
        >>> import json, tempfile
        >>> spec = {"name": "sweep", "base": dict(layer="conv3", n_sampled=1, n_canonical=0, size=32, adam_steps=4,
        ...                                        lbfgs_steps=0, reopt_steps=0), "sweep": {"channels": [2, 4]}}
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     path = Path(folder) / "sweep.json"
        ...     _ = path.write_text(json.dumps(spec))
        ...     records = run_file(path, progress=False, fast=False)
        >>> [r.summary["m"] for r in records]
        [2, 4]
    """

    return [run_ifv(c, out, executor=executor, progress=progress, overwrite=overwrite, allow_import=allow_import)
            for c in load_configs(path, fast=fast)]
