"""Configuration of an IFV experiment: a dataclass that reads and writes plain JSON.

A config file holds either one experiment (the fields of `IFVConfig`, with the `FeatureSpec`
fields — aggregation, kernel, stride, channels, beta — written at the top level beside them) or a
sweep::

    {"name": "beta_sweep",
     "base": {"layer": "conv3", "n_sampled": 64, ...},
     "sweep": {"beta": [0, 2], "channels": [8, 16, 32, 64]}}

which expands to one experiment per combination, named ``beta_sweep/beta=0,channels=8`` etc.
``"cases": [{"param": "fft", "lr": 0.2}, ...]`` lists partial configs applied one at a time
(each combined with every sweep combination).

Example:
    >>> from fviz_widgets.ifv import FeatureSpec
    >>> config = IFVConfig(layer="conv3", features=FeatureSpec(channels=range(16)), n_sampled=8, n_canonical=0)
    >>> IFVConfig.from_dict(config.to_dict()) == config, config.to_dict()["channels"]
    (True, 16)
"""

from __future__ import annotations

import copy
import itertools
import json
import os
import re
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Dict, List, Optional, Union

from ..ifv import PARAMETERIZATIONS, FeatureSpec

__all__ = ["IFVConfig", "load_configs", "expand"]

REOPT_TARGETS = ("predicted", "target", "response", "random")
_NAME_PART = re.compile(r"^[\w][\w.,=+\-]*$")
#: The `FeatureSpec` fields, which a config file writes beside the others.
FEATURE_KEYS = ("aggregation", "kernel", "stride", "channels", "beta")
SELECTIONS = ("best", "plateau")
CRITICAL_SPACE_KEYS = {"samples", "angle_limit", "order", "relative", "select", "points", "min_dim"}


@dataclass(frozen=True)
class IFVConfig:
    """Everything that determines an IFV experiment's numbers.

    Attributes:
        name: the record's name (its folder under the output directory).
        model, model_kwargs: a `fviz_widgets.zoo` function and its keyword arguments, e.g.
            ``"shapes_cnn"`` with ``{"activation": "softplus"}`` or ``{"holdout": "grid"}``; a model
            registered with `register_model`; or ``"package.module:function"``, which is imported
            only when the run allows it (``--allow-import``).
        layer, features: the layer and the `FeatureSpec` of the objective ⟨ρ, θ⟩·cos(ρ, θ)^β (its
            aggregation and channels: all the layer's, or in JSON the first k as the number k,
            or a list).
        param, decorrelate: the parameterization (`PARAMETERIZATIONS`), colour decorrelation.
        size: image size in pixels (square).
        n_sampled: objectives with uniform Hoyer sparseness (`sparseness`); n_canonical: canonical
            vectors e_k added after them (None: all m, spread evenly when fewer).
        adam_steps, lbfgs_steps, lr, transforms: the FV run (transforms: None or ``"standard"``).
        batch_size: realizations per work unit (one batched render and Jacobian each).
        exclude_inactive, inactive_tolerance: restrict θ̂ to the features active at its realization
            (ρ_k and its Jacobian row above the tolerance relative to the largest; see
            `fviz_widgets.ifv.predict_objective`).
        critical_space: None, or ``{"samples": 32, "angle_limit": 30, "order": "sequential",
            "relative": false, "select": "best" | "plateau" | <dimension>, "min_dim": m/2}``:
            Algorithm 1 on the first `samples` realizations, a threshold scan, and the critical
            space used for the final predictions: the best median angle on the known targets among
            spaces of at least `min_dim` dimensions (§3.5), the widest τ plateau, or a given
            dimension.
        reopt_steps, reopt: the stability check: Adam steps and which objectives
            (``predicted``, ``target``, ``response``, ``random``); 0 steps skips it.
        seed, device, threads: randomness, where work units run, torch threads per work unit.
    """

    name: str = "ifv"
    model: str = "shapes_cnn"
    model_kwargs: Dict[str, Any] = field(default_factory=dict)
    layer: str = "conv3"
    features: FeatureSpec = field(default_factory=FeatureSpec)
    param: str = "pixel"
    decorrelate: bool = False
    size: int = 64
    n_sampled: int = 150
    n_canonical: Optional[int] = None
    sparseness: Union[str, float] = "uniform_hoyer"
    adam_steps: int = 800
    lbfgs_steps: int = 300
    lr: float = 0.05
    transforms: Optional[str] = None
    batch_size: int = 16
    exclude_inactive: bool = True
    inactive_tolerance: float = 1e-6
    critical_space: Optional[Dict[str, Any]] = None
    reopt_steps: int = 500
    reopt: List[str] = field(default_factory=lambda: list(REOPT_TARGETS))
    seed: int = 0
    device: str = "cpu"
    threads: Optional[int] = None

    def __post_init__(self) -> None:
        problems = []
        try:
            check_name(self.name)
        except ValueError as error:
            problems.append(str(error))
        if not isinstance(self.features, FeatureSpec):
            problems.append(f"features must be a FeatureSpec, got {type(self.features).__name__}")
        if self.param not in PARAMETERIZATIONS:
            problems.append(f"param must be one of {PARAMETERIZATIONS}, got {self.param!r}")
        for name in ("n_sampled", "adam_steps", "lbfgs_steps", "reopt_steps"):
            if getattr(self, name) < 0:
                problems.append(f"{name} must be ≥ 0")
        if self.n_canonical is not None and self.n_canonical < 0:
            problems.append("n_canonical must be ≥ 0 or null")
        if self.batch_size < 1 or self.size < 1:
            problems.append("batch_size and size must be ≥ 1")
        bad = [r for r in self.reopt if r not in REOPT_TARGETS]
        if bad:
            problems.append(f"reopt entries must be among {REOPT_TARGETS}, got {bad}")
        if self.critical_space is not None:
            unknown = set(self.critical_space) - CRITICAL_SPACE_KEYS
            select = self.critical_space.get("select", "best")
            if unknown:
                problems.append(f"unknown critical_space keys {sorted(unknown)}")
            if not (select in SELECTIONS or isinstance(select, int)):
                problems.append(f"critical_space.select must be one of {SELECTIONS} or a dimension, got {select!r}")
        if problems:
            raise ValueError("invalid IFV config: " + "; ".join(problems))

    def to_dict(self) -> Dict[str, Any]:
        """Plain JSON-able dict of every field (defaults included), the feature fields at the top level."""
        data = {f.name: copy.deepcopy(getattr(self, f.name)) for f in fields(self) if f.name != "features"}
        layer_index = list(data).index("layer") + 1
        items = list(data.items())
        return dict(items[:layer_index] + list(self.features.to_dict().items()) + items[layer_index:])

    @classmethod
    def from_dict(cls, data: Dict[str, Any]) -> "IFVConfig":
        """A config from a dict as `to_dict` writes it; unknown keys raise with the valid ones listed."""
        data = dict(data)
        feature_keys = set(FEATURE_KEYS)
        known = {f.name for f in fields(cls)} - {"features"} | feature_keys
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown IFV config key(s) {unknown}; valid keys: {sorted(known)}")
        features = FeatureSpec.from_dict({k: data.pop(k) for k in FEATURE_KEYS if k in data})
        return cls(features=features, **data)

    def to_json(self, path: Union[str, Path]) -> Path:
        """Write the config as JSON; returns the path."""
        path = Path(path)
        path.write_text(json.dumps(self.to_dict(), indent=2) + "\n")
        return path

    @classmethod
    def demo(cls, **changes: Any) -> "IFVConfig":
        """A tiny experiment (4 features of conv3, 2 samples, 32 px, a few steps: about a second on
        a CPU) for examples and quick looks; `changes` override its fields.

        Example:
            >>> IFVConfig.demo(n_sampled=3).features.channels
            (0, 1, 2, 3)
        """
        base = dict(name="demo", layer="conv3", channels=4, n_sampled=2, n_canonical=0, size=32, adam_steps=8,
                    lbfgs_steps=2, reopt_steps=0)
        return cls.from_dict({**base, **changes})

    def fast(self) -> "IFVConfig":
        """A shrunken copy for quick looks and CI (what ``FVIZ_FAST=1`` runs)."""
        return replace(
            self,
            n_sampled=min(self.n_sampled, 8),
            n_canonical=min(self.n_canonical if self.n_canonical is not None else 4, 4),
            adam_steps=min(self.adam_steps, 64),
            lbfgs_steps=min(self.lbfgs_steps, 16),
            reopt_steps=min(self.reopt_steps, 32),
            size=min(self.size, 32),
            critical_space=None if self.critical_space is None else {**self.critical_space, "samples": 8},
        )


def check_name(name: str) -> str:
    """`name` checked as a record name: parts of letters, digits and ``_ . , = + -`` joined by
    ``/`` (a sweep's experiments are ``sweep/key=value,...``); no ``..``, no absolute paths, no
    other separators, so a record always lands inside its output folder.

    Example:
        >>> check_name("beta_sweep/beta=0.0,channels=16")
        'beta_sweep/beta=0.0,channels=16'
        >>> check_name("../../etc")
        Traceback (most recent call last):
        ...
        ValueError: invalid record name '../../etc': use parts of letters, digits and _ . , = + - (not starting with '.') joined by '/'
    """
    if not isinstance(name, str) or not name or len(name) > 200 or not all(
            _NAME_PART.match(part) for part in name.split("/")):
        raise ValueError(f"invalid record name {name!r}: use parts of letters, digits and _ . , = + - "
                         "(not starting with '.') joined by '/'")
    return name


def expand(data: Dict[str, Any]) -> List[IFVConfig]:
    """One config, or every experiment of a sweep file.

    A sweep file has a ``base`` config, optional ``cases`` (a list of partial configs, each
    applied to the base in turn, e.g. parameterizations with their own learning rates) and an
    optional ``sweep`` (lists of values whose every combination is applied to every case).
    """
    if not {"sweep", "base", "cases"} & set(data):
        return [IFVConfig.from_dict(data)]
    unknown = set(data) - {"name", "base", "sweep", "cases", "description"}
    if unknown:
        raise ValueError(f"a sweep file has keys name, base, cases, sweep (and description); got {sorted(unknown)}")
    base = dict(data.get("base", {}))
    name = data.get("name", base.get("name", "sweep"))
    sweep: Dict[str, List[Any]] = data.get("sweep", {})
    for key, values in sweep.items():
        if not isinstance(values, list) or not values:
            raise ValueError(f"sweep values for {key!r} must be a non-empty list")
    cases: List[Dict[str, Any]] = data.get("cases", [{}])
    if not isinstance(cases, list) or not cases or not all(isinstance(c, dict) for c in cases):
        raise ValueError("cases must be a non-empty list of partial configs")
    keys = list(sweep)
    configs = []
    for case in cases:
        for combo in itertools.product(*(sweep[k] for k in keys)):
            overrides = {**case, **dict(zip(keys, combo))}
            label = ",".join(f"{k}={_label(v)}" for k, v in overrides.items())
            values = {**base, **overrides, "name": f"{name}/{label}" if label else name}
            configs.append(IFVConfig.from_dict(values))
    return configs


def _label(value: Any) -> str:
    if isinstance(value, dict):
        label = "-".join(str(v) for v in value.values()) or "default"
    elif isinstance(value, (list, tuple)):
        label = f"{len(value)}ch"
    else:
        label = str(value)
    if "/" in label or "\\" in label:
        raise ValueError(f"invalid record name: the sweep value {value!r} would make a label with a path separator")
    return label


def load_configs(path: Union[str, Path], *, fast: Optional[bool] = None) -> List[IFVConfig]:
    """The configs of a JSON file (one experiment or a sweep). `fast` (default: ``FVIZ_FAST=1``)
    shrinks them with `IFVConfig.fast`.

    Example:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     path = Path(folder) / "sweep.json"
        ...     _ = path.write_text(json.dumps({"name": "s", "base": {"layer": "conv3"}, "sweep": {"beta": [0, 2]}}))
        ...     [c.name for c in load_configs(path, fast=True)]
        ['s/beta=0', 's/beta=2']
    """
    data = json.loads(Path(path).read_text())
    configs = expand(data)
    fast = os.environ.get("FVIZ_FAST") == "1" if fast is None else fast
    return [c.fast() for c in configs] if fast else configs
