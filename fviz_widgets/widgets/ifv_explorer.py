"""IFVExplorer: browse inverse feature visualization results sample by sample::

    record = load_record("out/ifv/simple_conv")        # or a list of `IFVResult`s
    fv.IFVExplorer(record)                             # pick a sample and a critical space

For every sample the widget shows the realization, the target θ₀, the predicted θ̂ and the
feature response ρ̂ as bars over channels, their angular distances, the singular values of M and
the critical space in use. The predictions in every critical space are computed here once, so
switching samples and spaces happens in the browser. "re-optimize" asks the kernel to run the
engine's stability check (`fviz_widgets.ifv.stability_check`) on the selected sample and
shows its SSIM for θ̂, θ₀, ρ and a random objective.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np
import traitlets as t
from torch import nn

from .. import ifv
from ..core.capture import class_names
from ..core.images import as_images, to_hwc
from ..core.metrics import angular_distance
from ..core.model import device_of
from ..experiments.record import ExperimentRecord, load_record
from ..ifv import CriticalSpace, IFVResult
from .base import Widget, bundle, encode_frame
from .pictures import ifv_picture

#: The objectives the re-optimization check compares, in display order.
REOPT_NAMES = ("predicted", "target", "response", "random")
#: Adam steps of the re-optimization check when neither the call nor the record says.
REOPT_STEPS = 100

SpaceLike = Union[CriticalSpace, np.ndarray, None]


@dataclass
class _Space:
    label: str
    basis: Optional[np.ndarray]  # None: all of ℝᵐ
    trivial: List[str]
    in_use: bool = False  # the space the record selected or the results came in


class IFVExplorer(Widget):
    """Samples of an IFV experiment: realization, θ₀ / θ̂ / ρ̂ bars over channels, angles, the
    singular value spectrum of M, a critical-space picker and a re-optimization (SSIM) check.

    Args:
        record_or_results: an `ExperimentRecord`, the path of a record folder, or `IFVResult`s.
        realizations: with results, their images ([N, H, W, C] floats in [0, 1], a list of
            [H, W, C] images, or a `RenderResult`); a record brings its own.
        model: the network, needed to re-optimize results; a record builds its config's model
            (`fviz_widgets.experiments.build_model`) when none is given.
        critical_spaces: more spaces for the picker: `CriticalSpace`s or bases [m, k], as a list
            or as {label: space}. The picker always offers "none" (all of ℝᵐ) and the space the
            record selected or the results carry.
        scan: with a record, offer every space of its threshold scan (Algorithm 1 is re-run on
            the record's first samples; seconds for large m).
        param: the parameterization that results' realization images are re-optimized through
            (`fviz_widgets.ifv.PARAMETERIZATIONS`); a record uses its own.
        reopt_steps, lr: the re-optimization check (default: the record's, else 100 and 0.05).
        selected: the sample shown first.

    Example:
        >>> import fviz_widgets as fv
        >>> from fviz_widgets import ifv
        >>> model, features = fv.zoo.shapes_cnn(), ifv.FeatureSpec(channels=range(8))
        >>> thetas = ifv.sample_objectives(2, 8, seed=0)
        >>> realizations = ifv.realize(model, "act3", thetas, features, size=32, steps=8)
        >>> results = ifv.predict_objectives(model, "act3", realizations, features, target=thetas)
        >>> explorer = fv.IFVExplorer(results, model=model, realizations=realizations, reopt_steps=4)
        >>> explorer.space = 0                       # "none": the unrestricted prediction
        >>> explorer.result.m, sorted(explorer.reoptimize())   # SSIM after re-optimizing for each objective
        (8, ['predicted', 'random', 'response', 'target'])
    """

    _esm = bundle("ifv_explorer")

    info = t.Dict().tag(sync=True)
    samples = t.List().tag(sync=True)
    spaces = t.List().tag(sync=True)
    selected = t.Int(0).tag(sync=True)
    space = t.Int(0).tag(sync=True)
    stability = t.Dict().tag(sync=True)
    can_reoptimize = t.Bool(False).tag(sync=True)
    reopt_note = t.Unicode("").tag(sync=True)

    def __init__(
        self,
        record_or_results: Union[ExperimentRecord, str, Path, IFVResult, Sequence[IFVResult]],
        *,
        realizations: Any = None,
        model: Optional[nn.Module] = None,
        critical_spaces: Union[None, Sequence[SpaceLike], Mapping[str, SpaceLike]] = None,
        scan: bool = False,
        param: str = "pixel",
        reopt_steps: Optional[int] = None,
        lr: Optional[float] = None,
        selected: int = 0,
    ):
        record = _as_record(record_or_results)
        if record is not None and "targets" not in record.arrays:
            raise FileNotFoundError(
                f"record {record.config.name!r} holds its summary only, not its samples (samples.npz), which the "
                "explorer shows; re-run its config to get them: "
                f"fviz ifv run CONFIG.json (the record's config.json works), or open record.markdown() for the summary")
        if record is not None:
            if realizations is not None:
                raise ValueError("a record brings its own realizations; pass realizations= only with results")
            results = record.results(critical=False)
            images = record.arrays.get("images")
            kinds = [str(k) for k in record.arrays.get("kinds", [])]
            spaces = _record_spaces(record, results, scan)
            cfg = record.config
            reopt_steps = reopt_steps if reopt_steps is not None else (cfg.reopt_steps or REOPT_STEPS)
            lr = lr if lr is not None else cfg.lr
            name = cfg.name
        else:
            results = _as_results(record_or_results)
            images = _as_images(realizations, len(results))
            kinds = []
            spaces = _result_spaces(results)
            reopt_steps = reopt_steps if reopt_steps is not None else REOPT_STEPS
            lr = lr if lr is not None else 0.05
            name = ""
            if param not in ifv.PARAMETERIZATIONS:
                raise ValueError(f"param must be one of {ifv.PARAMETERIZATIONS}, got {param!r}")
        m = results[0].m
        if any(r.m != m for r in results):
            raise ValueError("every result must have the same number of features")
        spaces += _extra_spaces(critical_spaces, m)
        self._record = record
        self._images = images
        self._model = model
        self._param_kind = param
        self._reopt_steps = int(reopt_steps)
        self._lr = float(lr)
        self._spaces: List[_Space] = spaces
        # the prediction of every sample in every space (rows: samples, columns: spaces)
        self._results: List[List[IFVResult]] = [[r.with_critical_space(s.basis) for s in spaces] for r in results]
        first = results[0]
        names = self._channel_names(first)
        default_space = _default_space(spaces)
        if not 0 <= selected < len(results):
            raise IndexError(f"selected={selected} but there are {len(results)} samples")
        super().__init__(
            info={"name": name, "layer": first.layer, "beta": first.features.beta,
                  "aggregation": first.features.aggregation, "m": m,
                  "channels": names or [str(c) for c in first.channels], "channel_title": "class" if names else "channel"},
            samples=[self._payload(i, kinds[i] if i < len(kinds) else "") for i in range(len(results))],
            spaces=[{"label": s.label, "dim": m if s.basis is None else int(s.basis.shape[1]), "m": m,
                     "restricted": s.basis is not None, "trivial": s.trivial} for s in spaces],
            selected=selected,
            space=default_space,
            can_reoptimize=self._reoptimizable(),
            reopt_note=self._why_not() or "",
        )
        self.on_msg(self._on_message)
        self.observe(lambda _change: self._refresh_displays(), names=["selected", "space"])

    # --- what the user reads back ------------------------------------------------------------------
    @property
    def result(self) -> IFVResult:
        """The selected sample's prediction in the selected critical space."""
        return self._results[self.selected][self.space]

    @property
    def results(self) -> List[IFVResult]:
        """Every sample's prediction in the selected critical space."""
        return [row[self.space] for row in self._results]

    def reoptimize(self, sample: Optional[int] = None, *, space: Optional[int] = None,
                   steps: Optional[int] = None) -> Dict[str, Optional[float]]:
        """Re-optimize a sample's realization for θ̂ (in `space`), θ₀, ρ̂ and a random objective
        and return the SSIM of each before vs after; also shown in the widget.

        Returns {objective name: SSIM}, e.g. ``{'predicted': 0.991, 'target': 0.987, 'response':
        0.93, 'random': 0.41}`` (see the class example).
        """
        sample = self.selected if sample is None else int(sample)
        space = self.space if space is None else int(space)
        if not 0 <= sample < len(self._results):
            raise IndexError(f"no sample {sample}; there are {len(self._results)}")
        if not 0 <= space < len(self._spaces):
            raise IndexError(f"no critical space {space}; there are {len(self._spaces)}")
        steps = self._reopt_steps if steps is None else int(steps)
        model, param = self._reopt_setup(sample)
        result = self._results[sample][space]
        variants = {"predicted": result.theta}
        if result.target is not None:
            variants["target"] = result.target
        if np.linalg.norm(result.response) > 0:
            variants["response"] = result.response / np.linalg.norm(result.response)
        variants["random"] = self._random(sample)
        scores = ifv.stability_check(model, result.layer, param, variants, result.features, steps=steps,
                                     lr=self._lr, seed=sample)
        ssim = {name: _finite(scores[name][0]) for name in REOPT_NAMES if name in scores}
        self.stability = {**self.stability, f"{sample}:{space}": {"steps": steps, "ssim": ssim}}
        return ssim

    def _channel_names(self, result: IFVResult) -> Optional[List[str]]:
        """Class names of the features when the layer is the model's classifier output."""
        model = self._model
        if model is None and self._record is not None:
            from ..experiments import build_model

            cfg = self._record.config
            try:
                model = build_model(cfg.model, cfg.model_kwargs, "cpu")
            except Exception:  # a record of a model that is not installed here: plain channel numbers
                return None
        if model is None:
            return None
        names = class_names(model, result.layer)
        return None if names is None else [names[c] for c in result.channels]

    # --- payload -----------------------------------------------------------------------------------
    def _payload(self, i: int, kind: str) -> Dict[str, Any]:
        row = self._results[i]
        base = row[0]
        norm = float(np.linalg.norm(base.response))
        rhat = base.response / norm if norm > 0 else base.response
        recorded = {}
        if self._record is not None:
            for name in REOPT_NAMES:
                values = self._record.arrays.get(f"ssim_{name}")
                if values is not None:
                    recorded[name] = _finite(values[i])
        return {
            "label": f"#{i}" + (f" · {kind}" if kind else ""),
            "image": b"" if self._images is None else encode_frame(self._images[i], final=True),
            "target": None if base.target is None else _floats(base.target),
            "response": _floats(rhat),
            "response_norm": _finite(norm),
            "theta": [_floats(r.theta) for r in row],
            "angles": [_angles(r) for r in row],
            "singular_values": _floats(base.singular_values),
            "inactive": [int(k) for k in base.inactive],
            "ssim_recorded": recorded,
        }

    # --- re-optimization -----------------------------------------------------------------------------
    def _reoptimizable(self) -> bool:
        if self._record is not None:
            return any(key.startswith("state.") for key in self._record.arrays)
        return self._model is not None and self._images is not None

    def _why_not(self) -> Optional[str]:
        if self._record is not None:
            if not self._reoptimizable():
                return "cannot re-optimize: the record holds no parameter state"
            return None
        if self._model is None:
            return "cannot re-optimize: no model was given (IFVExplorer(results, model=..., realizations=...))"
        if self._images is None:
            return "cannot re-optimize: no realization images were given (realizations=...)"
        return None

    def _reopt_setup(self, sample: int) -> Tuple[nn.Module, nn.Module]:
        """(model, the sample's parameterization) for `ifv.stability_check`."""
        reason = self._why_not()
        if reason:
            raise RuntimeError(reason)
        model = self._model
        if self._record is not None:
            if model is None:
                from ..experiments import build_model

                cfg = self._record.config
                model = build_model(cfg.model, cfg.model_kwargs, "cpu")
            return model, self._record.param(sample, device_of(model))
        image = as_images(self._images[sample], device="cpu", name="realization")
        return model, ifv.make_param(self._param_kind, tuple(image.shape), init=image, device=device_of(model))

    def _random(self, sample: int) -> np.ndarray:
        if self._record is not None and "random" in self._record.arrays:
            return np.asarray(self._record.arrays["random"][sample], dtype=np.float64)
        m = self._results[sample][0].m
        return ifv.sample_objectives(1, m, seed=10_007 + sample)[0]

    def _on_message(self, _widget, content: Dict[str, Any], _buffers) -> None:
        if not isinstance(content, dict) or content.get("type") != "reoptimize":
            return
        try:
            sample = int(content.get("sample", self.selected))
            space = int(content.get("space", self.space))
        except (TypeError, ValueError):
            self.send({"type": "reoptimize", "error": "cannot re-optimize: bad request"})
            return
        reply = {"type": "reoptimize", "sample": sample, "space": space}
        reason = self._why_not()
        if reason:
            self.send({**reply, "error": reason})
            return
        try:
            ssim = self.reoptimize(sample, space=space)
        except Exception as error:  # shown in the widget
            self.send({**reply, "error": f"re-optimization failed: {error}"})
            return
        self.send({**reply, "steps": self._reopt_steps, "ssim": ssim})

    def _picture(self) -> bytes:
        result, sample = self.result, self.samples[self.selected]
        series = {"θ̂ predicted": sample["theta"][self.space], "ρ̂ response": sample["response"]}
        if sample["target"] is not None:
            series = {"θ₀ target": sample["target"], **series}
        angles = sample["angles"][self.space]
        text = " · ".join(f"{label} {angles[key]:.1f}°" for key, label in
                          [("predicted_vs_target", "∠(θ̂, θ₀)"), ("response", "∠(ρ, θ₀)"),
                           ("predicted_vs_response", "∠(θ̂, ρ)")] if angles.get(key) is not None)
        info = self.info
        title = (f"IFV · {info['name'] + ' · ' if info['name'] else ''}{result.layer} · sample {sample['label']} · "
                 f"critical space {self._spaces[self.space].label}")
        image = None if self._images is None else self._images[self.selected]
        return ifv_picture(image, series, names=info["channels"], axis=f"{info['channel_title']} of {result.layer}",
                           title=title, angles=text)

    def _summary(self) -> Dict[str, Any]:
        return {"samples": len(self._results), "m": self.info["m"], "layer": self.info["layer"],
                "spaces": [s.label for s in self._spaces], "space": self.space, "selected": self.selected}


# --- inputs ------------------------------------------------------------------------------------------
def _as_record(value: Any) -> Optional[ExperimentRecord]:
    if isinstance(value, ExperimentRecord):
        return value
    if isinstance(value, (str, Path)):
        return load_record(value)
    return None


def _as_results(value: Any) -> List[IFVResult]:
    items = [value] if isinstance(value, IFVResult) else value
    try:
        items = list(items)
    except TypeError:
        items = [items]
    bad = sorted({type(r).__name__ for r in items if not isinstance(r, IFVResult)})
    if bad or not items:
        raise TypeError("IFVExplorer needs an ExperimentRecord, a record folder or IFVResult objects, "
                        f"got {', '.join(bad) if bad else 'nothing'}")
    return items


def _as_images(realizations: Any, n: int) -> Optional[np.ndarray]:
    if realizations is None:
        return None
    images = to_hwc(as_images(getattr(realizations, "images", realizations), name="realizations"))
    if len(images) != n:
        raise ValueError(f"{len(images)} realization images for {n} results")
    return images


def _space(label: str, value: SpaceLike, m: int) -> _Space:
    if value is None:
        return _Space(label, None, [])
    if isinstance(value, CriticalSpace):
        basis, trivial = value.basis, value.describe()
    else:
        basis = np.asarray(value, dtype=np.float64)
        trivial = []
        if basis.ndim != 2:
            raise ValueError(f"a critical space is a CriticalSpace or a basis [m, k], got shape {basis.shape}")
    if basis.shape[0] != m:
        raise ValueError(f"critical space {label!r} lives in ℝ^{basis.shape[0]} but there are {m} features")
    if basis.shape[1] == 0:
        raise ValueError(f"critical space {label!r} is empty")
    return _Space(label, basis, [str(x) for x in trivial][:12])


def _space_label(value: SpaceLike) -> str:
    if isinstance(value, CriticalSpace):
        return f"C · dim {value.dim} (τ = {value.threshold:.3g})"
    return f"C · dim {np.shape(value)[1]}"


def _record_spaces(record: ExperimentRecord, results: List[IFVResult], scan: bool) -> List[_Space]:
    m = results[0].m
    spaces = [_Space(f"none (ℝ^{m})", None, [])]
    basis = record.arrays.get("critical_basis")
    rows = record.critical_spaces
    chosen = next((row for row in rows if row.get("selected")), None)
    if scan and rows:
        spec = dict(record.config.critical_space or {})
        found = ifv.scan_thresholds(results[: int(spec.get("samples", 32))], float(spec.get("angle_limit", 30.0)),
                                    order=spec.get("order", "sequential"), relative=bool(spec.get("relative", False)),
                                    points=int(spec.get("points", 24)), seed=record.config.seed)
        for space in found:
            used = chosen is not None and space.dim == chosen["dim"]
            spaces.append(_space(_space_label(space) + (" · selected" if used else ""), space, m))
            spaces[-1].in_use = used
    elif basis is not None:
        label = f"C · dim {basis.shape[1]}"
        if chosen is not None:
            label += f" (τ = {chosen['tau']:.3g}) · selected"
        trivial = [str(x) for x in chosen["trivial"]] if chosen is not None else []
        spaces.append(_Space(label, np.asarray(basis, dtype=np.float64), trivial[:12], in_use=True))
    return spaces


def _result_spaces(results: List[IFVResult]) -> List[_Space]:
    m = results[0].m
    spaces = [_Space(f"none (ℝ^{m})", None, [])]
    given = results[0].critical_space
    if given is not None and all(r.critical_space is not None and r.critical_space.shape == given.shape
                                 and np.allclose(r.critical_space, given) for r in results):
        spaces.append(_Space(f"C · dim {given.shape[1]} · given", np.asarray(given, dtype=np.float64), [], in_use=True))
    return spaces


def _extra_spaces(spaces: Any, m: int) -> List[_Space]:
    if spaces is None:
        return []
    if isinstance(spaces, (CriticalSpace, np.ndarray)):
        spaces = [spaces]
    items = spaces.items() if isinstance(spaces, Mapping) else [(None, s) for s in spaces]
    return [_space(str(label) if label is not None else _space_label(value), value, m) for label, value in items]


def _default_space(spaces: List[_Space]) -> int:
    """The space the results came in (the record's selected one, or the results' own), else none."""
    return next((i for i, s in enumerate(spaces) if s.in_use), 0)


# --- numbers for JSON (no NaN) --------------------------------------------------------------------
def _finite(x: Any) -> Optional[float]:
    x = float(x)
    return x if math.isfinite(x) else None


def _floats(v: Any) -> List[Optional[float]]:
    return [_finite(x) for x in np.asarray(v, dtype=np.float64).ravel()]


def _angles(r: IFVResult) -> Dict[str, Optional[float]]:
    a = r.angles
    return {"predicted": _finite(a["predicted"]) if "predicted" in a else None,
            "response": _finite(a["response"]) if "response" in a else None,
            "predicted_vs_response": _finite(a["predicted_vs_response"]),
            "predicted_vs_target": None if r.target is None else _finite(angular_distance(r.theta, r.target))}
