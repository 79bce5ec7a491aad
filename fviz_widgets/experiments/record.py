"""Experiment records: a folder that says what was run, with what, and what came out.

    <record>/
      config.json            the full `IFVConfig` (defaults included): re-running it reproduces the numbers
      versions.json          python, torch, numpy, scipy, matplotlib, fviz_widgets, platform, threads
      summary.json           the summary numbers (machine-readable)
      summary.md, summary.csv  the same as tables, plus the critical spaces found
      critical_spaces.json   the threshold scan: dimension, τ range, median angle, trivial directions
      samples.npz            per-sample arrays: targets, realizations, parameter state, ρ, θ̂, spectra, angles, SSIM
      figures/*.png          angle histograms, SSIM, coefficients, singular values, realizations

Example:
    >>> import tempfile
    >>> from fviz_widgets.experiments import IFVConfig, run_ifv
    >>> config = IFVConfig.demo()
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     record = run_ifv(config, folder, progress=False, figures=False)
    ...     loaded = load_record(record.path)
    >>> loaded.summary["n"], loaded.compare(record)["max_abs_difference"]
    (2, 0.0)
"""

from __future__ import annotations

import csv
import html
import io
import json
import math
import platform
import re
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple, Union

import numpy as np

import torch
from torch import nn

from ..ifv import IFVResult, make_param
from ..core.files import atomic_folder
from .config import IFVConfig, check_name

__all__ = ["ExperimentRecord", "load_record", "overview", "param_from_state", "record_path", "versions"]

#: Summary keys that measure time, not results; left out of comparisons.
TIMING_KEYS = ("seconds_realize", "seconds_reopt", "seconds_wall")
#: Per-sample arrays compared by `ExperimentRecord.compare`.
COMPARED_ARRAYS = ("angle_predicted", "angle_response", "angle_predicted_critical", "theta_hat", "response")

_ROWS = [
    ("angle_predicted", "∠(θ̂, θ₀) predicted (°)"),
    ("angle_predicted_critical", "∠(θ̂_C, P_C θ₀) predicted in critical space (°)"),
    ("angle_response", "∠(ρ, θ₀) feature response (°)"),
    ("angle_response_critical", "∠(P_C ρ, P_C θ₀) response in critical space (°)"),
    ("angle_random", "∠(random, θ₀) (°)"),
    ("angle_predicted_vs_response", "∠(θ̂, ρ) (°)"),
    ("ssim_predicted", "SSIM re-optimized for θ̂"),
    ("ssim_target", "SSIM re-optimized for θ₀"),
    ("ssim_response", "SSIM re-optimized for ρ"),
    ("ssim_random", "SSIM re-optimized for random"),
    ("stationarity", "‖Mᵀθ₀‖ / σ_max at the realization"),
]


def versions(config: Optional[IFVConfig] = None) -> Dict[str, Any]:
    """Versions of everything that can change the numbers."""
    import scipy
    import torch

    import fviz_widgets

    try:
        import matplotlib

        mpl = matplotlib.__version__
    except ImportError:  # pragma: no cover - matplotlib is a core dependency
        mpl = None
    return {
        "python": sys.version.split()[0],
        "torch": torch.__version__,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "matplotlib": mpl,
        "fviz_widgets": getattr(fviz_widgets, "__version__", "unknown"),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "torch_threads": torch.get_num_threads(),
        "device": config.device if config is not None else "cpu",
        "cuda": torch.version.cuda,
    }


def _json_default(value: Any) -> Any:
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


def escape(value: Any) -> str:
    """`value` as markdown text that cannot become markup: HTML, code spans, links and table
    cells escaped, so a string from a record or a config never turns into script or a link in
    a notebook (emphasis characters stay: at worst they change the font).

    Example:
        >>> print(escape("<img src=x onerror=alert(1)> `x` [y](javascript:z) | w"))
        &lt;img src=x onerror=alert(1)&gt; \\`x\\` \\[y\\](javascript:z) \\| w
    """
    text = html.escape(str(value), quote=False)
    return re.sub(r"([\\`\[\]|])", r"\\\1", text)


def _fmt(value: float) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    return f"{value:.3g}" if abs(value) < 1000 else f"{value:.0f}"


@dataclass
class ExperimentRecord:
    """One IFV experiment: its config, versions, per-sample arrays and summary.

    Attributes:
        path: the record folder (None until written).
        arrays: per-sample numpy arrays (see the module docstring), keyed by name.
        summary: median / mean / 10th / 90th percentile of the angles and SSIMs, the mean squared
            first coefficient γ₀², timings.
        critical_spaces: the threshold scan's rows (empty without a critical space).
    """

    path: Optional[Path]
    config: IFVConfig
    versions: Dict[str, Any]
    arrays: Dict[str, np.ndarray]
    summary: Dict[str, Any]
    critical_spaces: List[Dict[str, Any]] = field(default_factory=list)

    def __repr__(self) -> str:
        s = self.summary
        parts = [f"{self.config.name!r}", f"{s['n']} samples", f"m={s['m']}", f"β={self.config.features.beta:g}",
                 f"{self.config.layer} ({self.config.features.aggregation}, {self.config.param})"]
        if "angle_predicted_median" in s:
            parts.append(f"median ∠ predicted {s['angle_predicted_median']:.2f}°")
        if "angle_predicted_critical_median" in s:
            parts.append(f"in C(dim {s['critical_dim']}) {s['angle_predicted_critical_median']:.2f}°")
        parts.append(f"response {s.get('angle_response_median', float('nan')):.2f}°")
        return f"ExperimentRecord({', '.join(parts)})"

    # --- tables -------------------------------------------------------------------------------
    def table_rows(self) -> List[List[str]]:
        """[quantity, median, mean, p10, p90] rows of the summary."""
        rows = []
        for key, label in _ROWS:
            if f"{key}_median" in self.summary:
                rows.append([label] + [_fmt(self.summary[f"{key}_{q}"]) for q in ("median", "mean", "p10", "p90")])
        return rows

    def markdown(self) -> str:
        """The summary as a markdown document (what summary.md holds)."""
        c, s = self.config, self.summary
        spec = c.features
        features = spec.describe().split(", ")[-1]
        model = f"{c.model}({', '.join(f'{k}={v!r}' for k, v in c.model_kwargs.items())})"
        lines = [
            f"# IFV experiment {escape(c.name)}", "",
            f"Model {escape(model)}, layer {escape(c.layer)} ({features}, m = {int(s['m'])}), β = {spec.beta:g}, "
            f"aggregation {escape(spec.aggregation)}, parameterization {escape(c.param)}, {c.size}×{c.size} px. "
            f"{int(s['n_sampled'])} sampled objectives (Hoyer sparseness uniform) + {int(s['n_canonical'])} canonical; "
            f"FV: {c.adam_steps} Adam + {c.lbfgs_steps} L-BFGS steps (lr {c.lr:g}), seed {c.seed}. Inactive features "
            f"{'excluded from θ̂' if c.exclude_inactive else 'kept'} "
            f"(mean {float(s.get('inactive_mean', 0)):.1f} per sample).",
            "",
            "| quantity | median | mean | 10% | 90% |",
            "|---|---|---|---|---|",
        ]
        lines += ["| " + " | ".join(row) + " |" for row in self.table_rows()]
        lines += ["", f"Mean γ₀² (share of θ₀ on the smallest left singular vector): {float(s['gamma0_mean']):.3f}."]
        if c.reopt_steps and c.reopt:
            lines.append(f"Stability: SSIM of the realization before vs after {c.reopt_steps} Adam steps on each "
                         "objective.")
        if self.critical_spaces:
            spec = c.critical_space or {}
            lines += ["", f"## Critical spaces (Algorithm 1 on the first {spec.get('samples', 32)} samples, "
                          f"angle limit {spec.get('angle_limit', 30)}°)", "",
                      "| dim C | τ range | median ∠ predicted (°) | trivial directions | used |",
                      "|---|---|---|---|---|"]
            for row in self.critical_spaces:
                trivial = ", ".join(escape(t) for t in row["trivial"][:6]) + (", …" if len(row["trivial"]) > 6 else "")
                used = "✓" if row.get("selected") else ""
                lines.append(f"| {int(row['dim'])} | {float(row['tau_low']):.3g} – {float(row['tau_high']):.3g} | "
                             f"{float(row['angle_predicted_median']):.2f} | {trivial or '—'} | {used} |")
        seconds = float(s.get("seconds_wall", 0.0))
        lines += ["", f"Work: {float(s.get('seconds_realize', 0)):.0f} s realizing + predicting, "
                      f"{float(s.get('seconds_reopt', 0)):.0f} s re-optimizing (summed over work units); "
                      f"{seconds:.0f} s wall.",
                  "Versions: " + ", ".join(f"{escape(k)} {escape(v)}" for k, v in self.versions.items()
                                           if k in ("python", "torch", "numpy", "fviz_widgets")) + "."]
        return "\n".join(lines) + "\n"

    def _repr_markdown_(self) -> str:
        return self.markdown()

    def csv(self) -> str:
        """The summary table as CSV (what summary.csv holds)."""
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["quantity", "median", "mean", "p10", "p90"])
        for key, _ in _ROWS:
            if f"{key}_median" in self.summary:
                writer.writerow([key] + [repr(self.summary[f"{key}_{q}"]) for q in ("median", "mean", "p10", "p90")])
        for key in ("n", "m", "critical_dim", "gamma0_mean", "inactive_mean") + TIMING_KEYS:
            if key in self.summary:
                writer.writerow([key, repr(self.summary[key]), "", "", ""])
        return buffer.getvalue()

    # --- files --------------------------------------------------------------------------------
    def write(self, path: Union[str, Path], *, figures: bool = True, overwrite: bool = False) -> Path:
        """Write the record folder; returns it. The folder is filled under a temporary name and
        renamed into place, so an interrupted write leaves no record that looks complete; an
        existing folder is replaced only with `overwrite`."""
        path = Path(path).expanduser()
        with atomic_folder(path, overwrite=overwrite) as partial:
            (partial / "config.json").write_text(json.dumps(self.config.to_dict(), indent=2) + "\n")
            (partial / "versions.json").write_text(json.dumps(self.versions, indent=2) + "\n")
            (partial / "summary.json").write_text(json.dumps(self.summary, indent=2, default=_json_default) + "\n")
            spaces = json.dumps(self.critical_spaces, indent=2, default=_json_default)
            (partial / "critical_spaces.json").write_text(spaces + "\n")
            np.savez_compressed(partial / "samples.npz", **self.arrays)
            (partial / "summary.md").write_text(self.markdown())
            (partial / "summary.csv").write_text(self.csv())
            if figures:
                from ..viz.figures import record_figures

                record_figures(self, partial / "figures")
        self.path = path
        return path

    # --- use ----------------------------------------------------------------------------------
    def results(self, critical: bool = True) -> List[IFVResult]:
        """The samples as `IFVResult`s (with targets and realization images; in the selected
        critical space if any and `critical`)."""
        a, c = self.arrays, self.config
        if "targets" not in a:
            raise FileNotFoundError(f"record {c.name!r} has no per-sample arrays (samples.npz), so its samples "
                                    "cannot be rebuilt; re-run its config with `fviz ifv run` to get them")
        results = [
            IFVResult(theta=a["theta_hat"][i], singular_values=a["singular_values"][i],
                      left_singular_vectors=a["left_singular_vectors"][i], response=a["response"][i],
                      layer=c.layer, features=c.features, target=a["targets"][i],
                      inactive=[int(k) for k in np.flatnonzero(a["inactive"][i])],
                      exclude_inactive=c.exclude_inactive,
                      images=a["images"][i : i + 1] if "images" in a else None)
            for i in range(len(a["targets"]))
        ]
        if critical and "critical_basis" in a:
            results = [r.with_critical_space(a["critical_basis"]) for r in results]
        return results

    def param(self, samples: Union[int, slice], device: Union[str, torch.device] = "cpu") -> nn.Module:
        """The parameterization holding sample(s) `samples` exactly as they were realized (from
        the recorded parameter state), ready to re-optimize.

        Example:
            >>> from fviz_widgets.experiments import IFVConfig, run_ifv
            >>> run_ifv(IFVConfig.demo(), None, progress=False).param(slice(0, 2)).shape
            (2, 3, 32, 32)
        """
        state = {k[len("state."):]: v for k, v in self.arrays.items() if k.startswith("state.")}
        if not state:
            raise ValueError(f"record {self.config.name!r} holds no parameter state (samples.npz)")
        index = slice(samples, samples + 1) if isinstance(samples, int) else samples
        n, h, w, c = self.arrays["images"][index].shape
        return param_from_state(self.config, {k: v[index] for k, v in state.items()}, (n, c, h, w), device)

    def compare(self, other: "ExperimentRecord") -> Dict[str, Any]:
        """Differences to another record of the same config: the largest absolute difference over
        the non-timing summary numbers and the compared per-sample arrays, and where it is."""
        worst, where = 0.0, None
        for key, value in self.summary.items():
            if key in TIMING_KEYS or not isinstance(value, (int, float)):
                continue
            diff = abs(float(value) - float(other.summary.get(key, float("nan"))))
            if not diff <= worst:
                worst, where = diff, key
        for key in COMPARED_ARRAYS:
            if key in self.arrays or key in other.arrays:
                a, b = self.arrays.get(key), other.arrays.get(key)
                if a is None or b is None or np.shape(a) != np.shape(b):
                    worst, where = float("inf"), key
                    continue
                diff = float(np.max(np.abs(np.asarray(a, float) - np.asarray(b, float)))) if np.size(a) else 0.0
                if not diff <= worst:
                    worst, where = diff, key
        return {"max_abs_difference": worst, "where": where}


def param_from_state(config: IFVConfig, state: Dict[str, np.ndarray], shape: Tuple[int, int, int, int],
                     device: Union[str, torch.device] = "cpu") -> nn.Module:
    """A parameterization of `config.param` and `shape` (N, C, H, W) holding the recorded parameter
    `state` ({parameter name: array [N, ...]}), so the realizations are exactly those recorded.

    Example:
        >>> from fviz_widgets.ifv import make_param
        >>> original = make_param("pixel", (2, 3, 8, 8), seed=3)
        >>> state = {name: p.detach().numpy() for name, p in original.named_parameters()}
        >>> restored = param_from_state(IFVConfig(param="pixel"), state, (2, 3, 8, 8))
        >>> bool(torch.equal(restored(), original()))
        True
    """
    param = make_param(config.param, shape, decorrelate=config.decorrelate, device=device)
    with torch.no_grad():
        for name, tensor in param.named_parameters():
            tensor.copy_(torch.from_numpy(np.asarray(state[name])).to(tensor))
    return param


def record_path(out: Union[str, Path], name: str) -> Path:
    """The folder of record `name` under `out`, checked before anything is computed: `out` must be
    a writable folder (created if missing) and the record must land inside it.

    Example:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     record_path(folder, "sweep/beta=2").relative_to(folder).as_posix()
        'sweep/beta=2'
    """
    out = Path(out).expanduser()
    if out.exists() and not out.is_dir():
        raise NotADirectoryError(f"--out {out} is a file; name a folder for the records")
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out, prefix=".fviz-write-test."):
            pass
    except OSError as error:
        raise PermissionError(f"cannot write records into {out}: {error.strerror or error}") from None
    path = (out / check_name(name)).resolve()
    if out.resolve() not in path.parents:
        raise ValueError(f"record name {name!r} would be written outside {out}")
    return path


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise ValueError(f"{path} is not valid JSON ({error.msg} at line {error.lineno}); the record is damaged") from None


def load_record(path: Union[str, Path]) -> ExperimentRecord:
    """Read a record folder written by `run_ifv` / `ExperimentRecord.write`. A record without its
    samples.npz (as shipped in experiments/results) loads with empty `arrays`: its summary and
    tables are there, its samples are not.

    Example:
        >>> import tempfile
        >>> from fviz_widgets.experiments import IFVConfig, run_ifv
        >>> config = IFVConfig.demo()
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     path = run_ifv(config, folder, progress=False, figures=False).path
        ...     load_record(path).summary["m"]
        4
    """
    path = Path(path)
    if not (path / "config.json").is_file():
        inside = sorted(c.parent.name for c in path.glob("*/config.json")) if path.is_dir() else []
        hint = f"; it holds the records {', '.join(inside)} (a sweep): load one of them" if inside else ""
        raise FileNotFoundError(f"{path} is not an experiment record (no config.json){hint}")
    config = IFVConfig.from_dict(_read_json(path / "config.json"))
    arrays: Dict[str, np.ndarray] = {}
    if (path / "samples.npz").is_file():
        try:
            with np.load(path / "samples.npz", allow_pickle=False) as data:
                arrays = {key: data[key] for key in data.files}
        except (OSError, ValueError, zipfile.BadZipFile) as error:
            raise ValueError(f"{path / 'samples.npz'} cannot be read ({error}); the record is damaged") from None
    spaces_file = path / "critical_spaces.json"
    return ExperimentRecord(
        path=path,
        config=config,
        versions=_read_json(path / "versions.json"),
        arrays=arrays,
        summary=_read_json(path / "summary.json"),
        critical_spaces=_read_json(spaces_file) if spaces_file.is_file() else [],
    )


_OVERVIEW = [
    ("angle_predicted_median", "∠(θ̂,θ₀)", "{:.1f}"),
    ("angle_predicted_critical_median", "∠ in C", "{:.1f}"),
    ("angle_response_median", "∠(ρ,θ₀)", "{:.1f}"),
    ("angle_random_median", "∠(rand,θ₀)", "{:.1f}"),
    ("ssim_predicted_median", "SSIM θ̂", "{:.2f}"),
    ("ssim_response_median", "SSIM ρ", "{:.2f}"),
    ("gamma0_mean", "γ₀²", "{:.2f}"),
    ("stationarity_median", "‖Mᵀθ₀‖/σ", "{:.2g}"),
]


def overview(folder: Union[str, Path]) -> str:
    """A markdown table of every record under `folder` (medians; reads summary.json and
    config.json only, so records without their samples.npz can be tabulated too).

    Example:
        >>> import tempfile
        >>> from fviz_widgets.experiments import IFVConfig, run_ifv
        >>> config = IFVConfig.demo()
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     _ = run_ifv(config, folder, progress=False, figures=False)
        ...     row = overview(folder).splitlines()[2]
        >>> print(" | ".join(row.split(" | ")[:6]))
        | demo | shapes_cnn() | conv3 | 4 | 2 | maxpool_mean
    """
    rows = []
    for summary_path in sorted(Path(folder).rglob("summary.json")):
        config = IFVConfig.from_dict(_read_json(summary_path.parent / "config.json"))
        summary = _read_json(summary_path)
        model = f"{config.model}({', '.join(f'{k}={v!r}' for k, v in config.model_kwargs.items())})"
        cells = [escape(config.name), escape(model), escape(config.layer), f"{int(summary['m'])}",
                 f"{config.features.beta:g}", config.features.aggregation, config.param, f"{int(summary['n'])}"]
        cells += [fmt.format(float(summary[key])) if summary.get(key) is not None else "—" for key, _, fmt in _OVERVIEW]
        rows.append(cells)
    if not rows:
        raise FileNotFoundError(f"no experiment records (summary.json) under {folder}")
    head = ["record", "model", "layer", "m", "β", "aggregation", "param", "n"] + [title for _, title, _ in _OVERVIEW]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])
