"""Peer libraries for the benchmarks: Lucent 0.1.8 (https://github.com/greentfrapp/lucent).

Benchmark-only helpers: nothing in `fviz_widgets` imports this module.

* `import_lucent()` imports Lucent, putting the pure-torch torchvision stand-in in
  `benchmarks/_stubs` on `sys.path` only when the real `import torchvision` fails.
* `build_model()` builds Lucent's InceptionV1 with random weights (`pretrained=False`, so
  nothing is downloaded) after seeding torch; both libraries are timed on this one instance.
* `ModelState` snapshots the model's hooks, `requires_grad` flags and mode so that each
  timed call starts from the same model, whatever the previous call left behind (Lucent's
  `render_vis` never removes the forward hooks it registers on every module).
* `lucent_render()` times one `lucent.optvis.render.render_vis` call.

Install the peer with
    pip install --no-deps torch-lucent==0.1.8 kornia==0.4.1 decorator
(`decorator` is the one pure-Python runtime import of Lucent's that the project's own
dependencies do not already bring; `--no-deps` keeps pip from pulling torchvision,
scikit-learn and Lucent's test tooling).

How Lucent 0.1.8's `render_vis` feeds InceptionV1 (read from its source; this is what
the fviz side of the benchmark has to match):
    image_f()                      sigmoid(decorrelate(irfft(scaled spectrum) / 4)), [0, 1], 128x128
    -> standard_transforms         pad(12, constant 0.5), jitter(8), random_scale(0.90..1.10),
                                   random_rotate(-10..10 deg, 0 weighted 6/26), jitter(4)
    -> preprocess_inceptionv1()    x * 255 - 117   (because model._get_name() == "InceptionV1")
    -> Upsample(224, bilinear, align_corners=True)   (fixed_image_size, or 224 for < 224 px)
    -> model(x); objective from forward hooks; Adam(lr=5e-2) on the spectrum
`x * 255 - 117` is `(x - 117/255) / (1/255)`: see `LUCENT_INCEPTION_MEAN` / `_STD`.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import random
import statistics
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Callable, Dict, List, Optional, Sequence

import numpy as np
import torch
from torch import nn

LUCENT_VERSION = "0.1.8"
KORNIA_VERSION = "0.4.1"
STUB_DIR = Path(__file__).resolve().parent / "_stubs"
INSTALL_HINT = f"pip install --no-deps torch-lucent=={LUCENT_VERSION} kornia=={KORNIA_VERSION} decorator"

# Lucent's InceptionV1 input transform `x * 255 - 117` written as (x - mean) / std.
LUCENT_INCEPTION_MEAN = (117.0 / 255.0,) * 3
LUCENT_INCEPTION_STD = (1.0 / 255.0,) * 3
LUCENT_LR = 5e-2  # render_vis's default optimizer: torch.optim.Adam(params, lr=5e-2)


class PeerUnavailable(RuntimeError):
    """The peer library cannot be imported here."""


def ensure_torchvision() -> str:
    """Make `import torchvision` work: "real" if it already does, else "stub" (our stand-in)."""
    try:
        importlib.import_module("torchvision")
        return "stub" if getattr(sys.modules["torchvision"], "FVIZ_BENCHMARK_STUB", False) else "real"
    except Exception:  # ImportError, or a torchvision built against another torch
        for name in [m for m in sys.modules if m == "torchvision" or m.startswith("torchvision.")]:
            del sys.modules[name]
        if str(STUB_DIR) not in sys.path:
            sys.path.insert(0, str(STUB_DIR))
        importlib.invalidate_caches()
        importlib.import_module("torchvision")
        return "stub"


_LUCENT: Optional[SimpleNamespace] = None


def import_lucent() -> SimpleNamespace:
    """Lucent's modules used here, as a namespace; raises PeerUnavailable with a hint."""
    global _LUCENT
    if _LUCENT is not None:
        return _LUCENT
    torchvision_source = ensure_torchvision()
    try:
        with warnings.catch_warnings():
            # kornia 0.4.1 applies torch.jit.script at import, which torch 2.x deprecates.
            warnings.simplefilter("ignore", DeprecationWarning)
            warnings.simplefilter("ignore", FutureWarning)
            import kornia
            import lucent
            from lucent.modelzoo import inceptionv1
            from lucent.optvis import objectives, param, render, transform
    except ImportError as exc:
        raise PeerUnavailable(f"Lucent cannot be imported ({exc}); install it with: {INSTALL_HINT}") from exc
    if lucent.__version__ != LUCENT_VERSION:
        warnings.warn(f"benchmarking Lucent {lucent.__version__}, not {LUCENT_VERSION}", stacklevel=2)
    _LUCENT = SimpleNamespace(
        lucent=lucent,
        version=lucent.__version__,
        kornia_version=kornia.__version__,
        torchvision=torchvision_source,
        inceptionv1=inceptionv1,
        objectives=objectives,
        param=param,
        render=render,
        transform=transform,
    )
    return _LUCENT


def build_model(seed: int = 0) -> nn.Module:
    """Lucent's InceptionV1 with random weights (seeded), in eval mode, used as Lucent's README does."""
    lu = import_lucent()
    torch.manual_seed(seed)
    return lu.inceptionv1(pretrained=False).eval()


def seed_everything(seed: int) -> None:
    """Lucent's transforms draw from numpy's global RNG, its parameterizations from torch's."""
    torch.manual_seed(seed)
    np.random.seed(seed)
    random.seed(seed)


class ModelState:
    """Snapshot of what a render may change on a model; `restore()` puts it back.

    Restores: the set of forward (pre-)hooks on every module (removing ones added since),
    parameters' `requires_grad`, the train/eval flag; clears parameter gradients.
    """

    def __init__(self, model: nn.Module):
        self.model = model
        self.modules = list(model.modules())
        self.hooks = [self._hook_ids(m) for m in self.modules]
        self.requires_grad = [p.requires_grad for p in model.parameters()]
        self.training = [m.training for m in self.modules]

    @staticmethod
    def _hook_ids(module: nn.Module):
        return (set(module._forward_hooks), set(module._forward_pre_hooks), set(module._backward_hooks))

    def extra_hooks(self) -> int:
        count = 0
        for module, (fwd, pre, bwd) in zip(self.modules, self.hooks):
            count += len(set(module._forward_hooks) - fwd)
            count += len(set(module._forward_pre_hooks) - pre)
            count += len(set(module._backward_hooks) - bwd)
        return count

    def restore(self) -> int:
        """Put the snapshot back; returns how many leftover hooks were removed."""
        removed = 0
        for module, (fwd, pre, bwd), training in zip(self.modules, self.hooks, self.training):
            for hooks, keep in ((module._forward_hooks, fwd), (module._forward_pre_hooks, pre), (module._backward_hooks, bwd)):
                for key in [k for k in hooks if k not in keep]:
                    del hooks[key]
                    for side in ("_forward_hooks_with_kwargs", "_forward_hooks_always_called", "_forward_pre_hooks_with_kwargs"):
                        getattr(module, side, {}).pop(key, None)
                    removed += 1
            module.training = training
        for p, flag in zip(self.model.parameters(), self.requires_grad):
            p.requires_grad_(flag)
            p.grad = None
        return removed


@contextlib.contextmanager
def frozen(model: nn.Module, enabled: bool = True):
    """Temporarily set requires_grad=False on the model's parameters (a 'best-case Lucent' run)."""
    flags = [p.requires_grad for p in model.parameters()]
    if enabled:
        for p in model.parameters():
            p.requires_grad_(False)
    try:
        yield model
    finally:
        for p, flag in zip(model.parameters(), flags):
            p.requires_grad_(flag)


@dataclass
class Timing:
    """One timed render call. `it_per_s` counts optimization steps x images per wall-clock second
    of the whole call; `loop_it_per_s` only the steady state between the end of the first step and
    the end of the last one (setup and the first step excluded)."""

    steps: int
    images: int
    seconds: float
    loop_seconds: Optional[float] = None
    extra: Dict[str, object] = field(default_factory=dict)

    @property
    def it_per_s(self) -> float:
        return self.steps * self.images / self.seconds

    @property
    def loop_it_per_s(self) -> Optional[float]:
        if self.loop_seconds is None or self.steps < 2 or self.loop_seconds <= 0:
            return None
        return (self.steps - 1) * self.images / self.loop_seconds


def lucent_objective(layer: str, channels: Sequence[int]):
    """'layer:c' for one channel; for several, Lucent's batched sum of channel(layer, c, batch=i)."""
    lu = import_lucent()
    channels = list(channels)
    if len(channels) == 1:
        return f"{layer}:{channels[0]}"
    objective = lu.objectives.channel(layer, channels[0], batch=0)
    for i, c in enumerate(channels[1:], start=1):
        objective = objective + lu.objectives.channel(layer, c, batch=i)
    return objective


def lucent_render(
    model: nn.Module,
    layer: str,
    channels: Sequence[int] = (0,),
    steps: int = 32,
    size: int = 128,
    fixed_image_size: Optional[int] = 224,
    seed: int = 0,
    state: Optional[ModelState] = None,
) -> Timing:
    """Time one `render_vis` call: FFT + decorrelated `size` px image (batch = len(channels)),
    Lucent's standard transforms and InceptionV1 preprocessing, upsampled to `fixed_image_size`,
    Adam(lr=5e-2), `steps` steps. The model is restored to `state` (built here if None) afterwards.
    """
    lu = import_lucent()
    channels = list(channels)
    state = state or ModelState(model)
    stamps: List[float] = []

    def optimizer(params):
        opt = torch.optim.Adam(params, lr=LUCENT_LR)
        opt.register_step_post_hook(lambda *_: stamps.append(time.perf_counter()))
        return opt

    batch = len(channels)
    objective = lucent_objective(layer, channels)
    seed_everything(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", UserWarning)
        start = time.perf_counter()
        images = lu.render.render_vis(
            model,
            objective,
            param_f=lambda: lu.param.image(size, fft=True, decorrelate=True, batch=batch if batch > 1 else None),
            optimizer=optimizer,
            transforms=lu.transform.standard_transforms,
            thresholds=(steps,),
            preprocess=True,
            progress=False,
            show_image=False,
            fixed_image_size=fixed_image_size,
        )
        seconds = time.perf_counter() - start
    removed = state.restore()
    if len(stamps) != steps:
        raise RuntimeError(f"Lucent took {len(stamps)} optimizer steps, expected {steps}")
    shape = tuple(images[-1].shape) if images else None
    return Timing(
        steps=steps,
        images=batch,
        seconds=seconds,
        loop_seconds=stamps[-1] - stamps[0] if steps > 1 else None,
        extra={"image_shape": shape, "hooks_removed": removed},
    )


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def repeat(fn: Callable[[], Timing], repeats: int) -> List[Timing]:
    return [fn() for _ in range(max(1, repeats))]


class CpuContention:
    """How much CPU time *other* processes used while the benchmark ran (Linux /proc/stat).

    Timings taken while other processes compete for the 2 cores are unreliable: with every
    core given to torch's OpenMP threads, one busy neighbour can slow a render several-fold.
    """

    def __init__(self):
        self.start = self._sample()

    @staticmethod
    def _sample():
        try:
            with open("/proc/stat") as f:
                fields = [int(v) for v in f.readline().split()[1:]]
        except (OSError, ValueError):
            return None
        idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
        busy = sum(fields[:8]) - idle  # user nice system idle iowait irq softirq steal
        own = os.times()
        return time.perf_counter(), busy / os.sysconf("SC_CLK_TCK"), own.user + own.system

    def others_share(self) -> Optional[float]:
        """Fraction of all CPUs' time used by other processes since construction."""
        end = self._sample()
        if self.start is None or end is None:
            return None
        wall = end[0] - self.start[0]
        others = (end[1] - self.start[1]) - (end[2] - self.start[2])
        cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
        return max(0.0, others) / (wall * cpus) if wall > 0 else None

    @staticmethod
    def idle_check(seconds: float = 1.0) -> Optional[float]:
        """Other processes' share of the CPUs over `seconds` while this one sleeps."""
        probe = CpuContention()
        time.sleep(seconds)
        return probe.others_share()


def contention_warning(share: Optional[float], when: str) -> Optional[str]:
    if share is None or share < 0.10:
        return None
    return (f"warning ({when}): other processes used {share:.0%} of the CPUs; the timings are slowed and "
            f"noisy (a busy neighbour can slow the 2-thread renders several-fold), rerun on a quiet machine")


class LoadWatch:
    """Other processes' CPU share just before a benchmark run (one idle second) and during it,
    printed with a warning when either is high enough to skew the timings."""

    def __init__(self) -> None:
        self.before = CpuContention.idle_check()
        self.during: Optional[float] = None
        warning = contention_warning(self.before, "before the run")
        if warning:
            print(warning)
        self._monitor = CpuContention()

    def report(self) -> None:
        self.during = self._monitor.others_share()
        if self.during is not None:
            print(f"other processes' share of the CPUs during the run: {self.during:.0%}"
                  + (f" (before it: {self.before:.0%})" if self.before is not None else ""))
        warning = contention_warning(self.during, "during the run")
        if warning:
            print(warning)
