"""fviz_widgets vs Lucent 0.1.8: render speed on the same model instance, in one run.

Cases (Lucent's InceptionV1 with random weights, one instance shared by both libraries):
  * mixed3b:0 and mixed4a:0, one 128 px image upsampled to 224 at the model input, FFT +
    color-decorrelated parameterization, the standard transforms, Lucent's InceptionV1
    preprocessing (x * 255 - 117);
  * 16 channels of mixed4a: fviz `render_layer` batched (batch_size=16) and 16 sequential fviz
    renders, each against 16 sequential single-channel Lucent `render_vis` calls.

Throughput is image-steps per wall-clock second of the whole call, measured by this harness
in the same way for both libraries, after an untimed process-wide warm-up and an untimed
warm-up call of each case; the median
over --repeats is reported (sequential cases: 16 calls, once). Between any two calls the model
is restored (hooks, requires_grad, grads), since Lucent leaves its hooks on every module.
Other processes' CPU use is measured before and during the run and reported: on 2 cores a busy
neighbour slows the 2-thread renders several-fold, so such a run's numbers mean nothing.
A default run takes about 5 minutes on 2 quiet cores; --quick about 1.5 minutes.

Targets (from the issue): >= 1.5x Lucent at mixed4a, more at mixed3b, >= 4x for the batched layer render.

Usage:
    pip install --no-deps torch-lucent==0.1.8 kornia==0.4.1 decorator
    python benchmarks/render_vs_lucent.py [--steps 32] [--repeats 3] [--quick] [--check] [--json out.json]
"""

from __future__ import annotations

import argparse
import inspect
import json
import platform
import sys
import time
import traceback
import warnings
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _peers as peers  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
SIZE = 128
MODEL_SIZE = 224
SINGLE_LAYERS = ("mixed3b", "mixed4a")
LAYER_CASE = "mixed4a"
TARGETS = {"mixed3b": 1.5, "mixed4a": 1.5, "batched": 4.0}


# --------------------------------------------------------------------------- fviz side


class FvizSide:
    """fviz_widgets configured to see exactly what Lucent feeds the model."""

    def __init__(self, model: torch.nn.Module):
        self.model = model
        self.error: Optional[str] = None
        self.fv = None
        self.dropped: Dict[str, List[str]] = {}
        try:
            if str(REPO) not in sys.path:
                sys.path.insert(1, str(REPO))
            import fviz_widgets as fv
            from fviz_widgets.core import Preprocess, attach_preprocess

            for name in ("render", "render_layer", "obj", "param"):
                if not hasattr(fv, name):
                    raise ImportError(f"fviz_widgets has no attribute {name!r} yet")
            # Lucent: image in [0, 1] -> transforms -> x * 255 - 117 -> bilinear upsample to 224.
            attach_preprocess(
                model,
                Preprocess(
                    mean=peers.LUCENT_INCEPTION_MEAN,
                    std=peers.LUCENT_INCEPTION_STD,
                    input_size=(SIZE, SIZE),
                    resize=(MODEL_SIZE, MODEL_SIZE),
                ),
            )
            self.fv = fv
        except Exception as exc:  # ImportError while the engine is being written, or API drift
            self.error = f"{type(exc).__name__}: {exc}"

    @property
    def available(self) -> bool:
        return self.fv is not None

    def _call(self, fn, *args, **kwargs):
        """Call fn, dropping keyword arguments its signature does not take (noted in the output)."""
        try:
            sig = inspect.signature(fn)
        except (TypeError, ValueError):
            return fn(*args, **kwargs)
        params = sig.parameters.values()
        if not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params):
            dropped = [k for k in kwargs if k not in sig.parameters]
            if dropped:
                self.dropped.setdefault(getattr(fn, "__name__", str(fn)), dropped)
            kwargs = {k: v for k, v in kwargs.items() if k in sig.parameters}
        return fn(*args, **kwargs)

    @staticmethod
    def _self_reported(result) -> Optional[float]:
        timing = getattr(result, "timing", None)
        if isinstance(timing, dict) and timing.get("it_per_s") is not None:
            return float(timing["it_per_s"])
        return None

    def render(self, layer: str, channel: int, steps: int, seed: int) -> peers.Timing:
        fv = self.fv
        start = time.perf_counter()
        result = fv.render(
            self.model,
            fv.obj.channel(layer, channel),
            param=fv.param.image(SIZE, fft=True, decorrelate=True),
            transforms="standard",
            steps=steps,
            progress=False,
            seed=seed,
        )
        seconds = time.perf_counter() - start
        return peers.Timing(steps, 1, seconds, extra={"self_reported_it_per_s": self._self_reported(result)})

    def render_layer(self, layer: str, channels: Sequence[int], steps: int, batch_size: int, seed: int) -> peers.Timing:
        fv = self.fv
        channels = list(channels)
        start = time.perf_counter()
        result = self._call(
            fv.render_layer,
            self.model,
            layer,
            channels=channels,
            steps=steps,
            batch_size=batch_size,
            size=SIZE,
            transforms="standard",
            progress=False,
            seed=seed,
        )
        seconds = time.perf_counter() - start
        return peers.Timing(steps, len(channels), seconds, extra={"self_reported_it_per_s": self._self_reported(result)})


# --------------------------------------------------------------------------- harness


class Row:
    def __init__(self, case: str, target: Optional[float] = None, note: str = ""):
        self.case = case
        self.target = target
        self.note = note
        self.lucent: List[peers.Timing] = []
        self.fviz: List[peers.Timing] = []
        self.fviz_error: Optional[str] = None

    @staticmethod
    def _rate(timings: List[peers.Timing]) -> Optional[float]:
        return peers.median([t.it_per_s for t in timings]) if timings else None

    @property
    def lucent_rate(self) -> Optional[float]:
        return self._rate(self.lucent)

    @property
    def fviz_rate(self) -> Optional[float]:
        return self._rate(self.fviz)

    @property
    def ratio(self) -> Optional[float]:
        if self.lucent_rate and self.fviz_rate:
            return self.fviz_rate / self.lucent_rate
        return None

    @property
    def passed(self) -> Optional[bool]:
        if self.target is None or self.ratio is None:
            return None
        return self.ratio >= self.target

    def as_dict(self) -> dict:
        loop = [t.loop_it_per_s for t in self.lucent if t.loop_it_per_s]
        reported = [t.extra.get("self_reported_it_per_s") for t in self.fviz]
        reported = [r for r in reported if r]
        return {
            "case": self.case,
            "lucent_it_per_s": self.lucent_rate,
            "lucent_loop_it_per_s": peers.median(loop) if loop else None,
            "lucent_seconds": [t.seconds for t in self.lucent],
            "fviz_it_per_s": self.fviz_rate,
            "fviz_self_reported_it_per_s": peers.median(reported) if reported else None,
            "fviz_seconds": [t.seconds for t in self.fviz],
            "fviz_error": self.fviz_error,
            "ratio": self.ratio,
            "target": self.target,
            "passed": self.passed,
            "note": self.note,
        }


def sequential(fn, channels: Sequence[int]) -> peers.Timing:
    """16 single-channel renders one after another, folded into one Timing (image-steps / total s)."""
    timings = [fn(c) for c in channels]
    return peers.Timing(
        steps=timings[0].steps,
        images=len(timings),
        seconds=sum(t.seconds for t in timings),
        loop_seconds=None,
        extra={"per_call_seconds": [t.seconds for t in timings]},
    )


def run_fviz(row: Row, fn):
    """Run one fviz measurement, keeping the Lucent column alive if fviz fails."""
    if row.fviz_error is not None:
        return None
    try:
        return fn()
    except Exception as exc:
        row.fviz_error = f"{type(exc).__name__}: {exc}"
        print(f"  fviz failed in {row.case!r}:", file=sys.stderr)
        traceback.print_exc(file=sys.stderr)
        return None


def benchmark(args) -> List[Row]:
    torch.set_num_threads(args.threads)
    lu = peers.import_lucent()
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise SystemExit("--device cuda: no CUDA device here")
    model = peers.build_model(seed=args.seed).to(device)
    fviz = FvizSide(model)
    state = peers.ModelState(model)  # after attach_preprocess (a plain attribute, not a module)
    log = (lambda *a: print(*a, file=sys.stderr, flush=True)) if not args.quiet else (lambda *a: None)

    print(
        f"torch {torch.__version__} | threads {torch.get_num_threads()} | {platform.processor() or platform.machine()}"
        f"{' | ' + torch.cuda.get_device_name(device) if device.type == 'cuda' else ''}"
        f" | Lucent {lu.version} (kornia {lu.kornia_version}, torchvision: {lu.torchvision})"
    )
    print(
        f"model: Lucent InceptionV1, random weights (seed {args.seed}), eval(); image {SIZE} px -> {MODEL_SIZE} at the model;"
        f" FFT + decorrelate; standard transforms; steps {args.steps}, warm-up {args.warmup}, repeats {args.repeats}"
    )
    if not fviz.available:
        print(f"fviz_widgets: unavailable ({fviz.error}); printing the Lucent column only")

    def lucent(layer, channels, steps, seed=args.seed):
        return peers.lucent_render(model, layer, channels, steps=steps, size=SIZE, fixed_image_size=MODEL_SIZE, seed=seed, state=state)

    def fviz_one(layer, channel, steps, seed=args.seed):
        try:
            return fviz.render(layer, channel, steps, seed)
        finally:
            state.restore()

    def fviz_batched(layer, channels, steps, seed=args.seed):
        try:
            return fviz.render_layer(layer, channels, steps, batch_size=len(channels), seed=seed)
        finally:
            state.restore()

    # Process-wide warm-up (thread pools, oneDNN primitives, allocator) so the first case is not penalized.
    log("[process] warm-up")
    lucent(LAYER_CASE, [0], 2 * args.warmup)
    if fviz.available:
        try:
            fviz_one(LAYER_CASE, 0, 2 * args.warmup)
        except Exception:
            pass  # reported by the first case that runs fviz

    rows: List[Row] = []
    if "single" in args.cases:
        for layer in SINGLE_LAYERS:
            row = Row(f"{layer}:0  1 image", TARGETS[layer], note="image-steps/s")
            rows.append(row)
            log(f"[{row.case}] warm-up")
            lucent(layer, [0], args.warmup)
            if fviz.available:
                run_fviz(row, lambda: fviz_one(layer, 0, args.warmup))
            for r in range(args.repeats):  # alternate the libraries so drift hits both
                log(f"[{row.case}] repeat {r + 1}/{args.repeats}")
                row.lucent.append(lucent(layer, [0], args.steps))
                if fviz.available:
                    t = run_fviz(row, lambda: fviz_one(layer, 0, args.steps))
                    if t is not None:
                        row.fviz.append(t)

    if "layer" in args.cases:
        channels = list(range(args.channels))
        n = len(channels)
        steps = args.layer_steps or args.steps
        batched = Row(f"{LAYER_CASE} {n} ch  fviz batched vs Lucent {n}x seq", TARGETS["batched"], note="image-steps/s")
        seq = Row(f"{LAYER_CASE} {n} ch  fviz {n}x seq vs Lucent {n}x seq", None, note="image-steps/s")
        rows += [batched, seq]
        log(f"[{LAYER_CASE} {n} ch] warm-up")
        lucent(LAYER_CASE, [0], args.warmup)
        if fviz.available:
            run_fviz(batched, lambda: fviz_batched(LAYER_CASE, channels, args.warmup))
            run_fviz(seq, lambda: fviz_one(LAYER_CASE, 0, args.warmup))
        log(f"[{LAYER_CASE} {n} ch] Lucent: {n} sequential render_vis calls x {steps} steps")
        lucent_seq = sequential(lambda c: lucent(LAYER_CASE, [c], steps, seed=args.seed + c), channels)
        batched.lucent.append(lucent_seq)
        seq.lucent.append(lucent_seq)
        if fviz.available:
            log(f"[{LAYER_CASE} {n} ch] fviz: {n} sequential renders")
            t = run_fviz(seq, lambda: sequential(lambda c: fviz_one(LAYER_CASE, c, steps, seed=args.seed + c), channels))
            if t is not None:
                seq.fviz.append(t)
            for r in range(args.layer_repeats):
                log(f"[{LAYER_CASE} {n} ch] fviz: render_layer batched, repeat {r + 1}/{args.layer_repeats}")
                t = run_fviz(batched, lambda: fviz_batched(LAYER_CASE, channels, steps))
                if t is not None:
                    batched.fviz.append(t)
        if args.lucent_batched:
            row = Row(f"{LAYER_CASE} {n} ch  fviz batched vs Lucent batch-{n}", None, note="image-steps/s")
            rows.append(row)
            log(f"[{LAYER_CASE} {n} ch] Lucent: one render_vis call, batch {n}")
            lucent(LAYER_CASE, channels, args.warmup)
            row.lucent.append(lucent(LAYER_CASE, channels, steps))
            row.fviz = list(batched.fviz)
            row.fviz_error = batched.fviz_error

    if fviz.dropped:
        print(f"note: fviz calls ignored unsupported arguments: {fviz.dropped}")
    leftover = state.extra_hooks()
    if leftover:
        print(f"warning: {leftover} hooks left on the model")
    return rows


def fmt(value: Optional[float], spec: str = "{:.2f}") -> str:
    return "n/a" if value is None else spec.format(value)


def print_table(rows: List[Row]) -> None:
    header = ["case", "lucent it/s", "fviz it/s", "ratio", "target"]
    body = []
    for row in rows:
        ratio = fmt(row.ratio, "{:.2f}x")
        if row.fviz_error:
            fviz_cell = "error"
        else:
            fviz_cell = fmt(row.fviz_rate)
        target = "" if row.target is None else f">={row.target:g}x"
        if row.passed is not None:
            target += " ok" if row.passed else " MISS"
        body.append([row.case, fmt(row.lucent_rate), fviz_cell, ratio, target])
    widths = [max(len(str(r[i])) for r in [header] + body) for i in range(len(header))]
    align = ["<", ">", ">", ">", "<"]

    def line(cells):
        return "  ".join(f"{str(c):{a}{w}}" for c, a, w in zip(cells, align, widths)).rstrip()

    print()
    print(line(header))
    print(line(["-" * w for w in widths]))
    for cells in body:
        print(line(cells))
    print()
    print("it/s = optimization steps x images per wall-clock second of the whole render call (median over repeats).")
    details = []
    for row in rows:
        d = row.as_dict()
        bits = []
        if d["lucent_loop_it_per_s"]:
            bits.append(f"Lucent steady-state loop {d['lucent_loop_it_per_s']:.2f} it/s")
        if d["fviz_self_reported_it_per_s"]:
            bits.append(f"fviz self-reported {d['fviz_self_reported_it_per_s']:.2f} it/s")
        if row.fviz_error:
            bits.append(f"fviz error: {row.fviz_error}")
        if bits:
            details.append(f"  {row.case}: " + "; ".join(bits))
    by_case = {r.case.split()[0]: r for r in rows if r.case.endswith("1 image")}
    r3, r4 = by_case.get("mixed3b:0"), by_case.get("mixed4a:0")
    if r3 and r4 and r3.ratio and r4.ratio:
        details.append(f"  mixed3b ratio {'>' if r3.ratio > r4.ratio else '<='} mixed4a ratio ({r3.ratio:.2f}x vs {r4.ratio:.2f}x; the issue expects more at mixed3b)")
    batched = next((r for r in rows if "batched vs Lucent" in r.case and "seq" in r.case), None)
    seq = next((r for r in rows if "seq vs Lucent" in r.case), None)
    if batched and seq and batched.fviz_rate and seq.fviz_rate:
        details.append(f"  fviz batching speedup (batched / sequential): {batched.fviz_rate / seq.fviz_rate:.2f}x")
    if details:
        print("details:")
        print("\n".join(details))


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--steps", type=int, default=32, help="optimization steps per timed render (default 32)")
    p.add_argument("--repeats", type=int, default=3, help="timed repeats of the single-image cases; the median is reported (default 3)")
    p.add_argument("--warmup", type=int, default=4, help="steps of the untimed warm-up call of each case (default 4)")
    p.add_argument("--channels", type=int, default=16, help="channels in the layer case (default 16)")
    p.add_argument("--layer-steps", type=int, default=None, help="steps per render in the layer case (default: --steps)")
    p.add_argument("--layer-repeats", type=int, default=1, help="timed repeats of the batched render_layer (default 1)")
    p.add_argument("--cases", nargs="+", choices=["single", "layer"], default=["single", "layer"])
    p.add_argument("--lucent-batched", action="store_true", help="also time Lucent rendering the channels as one batch")
    p.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (default 2)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="cpu", help="cpu or cuda; Lucent puts its images on cuda:0 whenever CUDA exists (default cpu)")
    p.add_argument("--quick", action="store_true", help="smoke run: --steps 8 --repeats 1 --warmup 2")
    p.add_argument("--check", action="store_true", help="exit 1 if a target is missed or fviz is unavailable")
    p.add_argument("--json", type=Path, default=None, help="also write the results here as JSON")
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    args = p.parse_args(argv)
    if args.quick:
        args.steps, args.repeats, args.warmup = 8, 1, 2
    for name in ("steps", "repeats", "warmup", "channels", "layer_repeats", "threads"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be >= 1")
    if args.steps < 2:
        p.error("--steps must be >= 2")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    start = time.perf_counter()
    watch = peers.LoadWatch()
    try:
        rows = benchmark(args)
    except peers.PeerUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print_table(rows)
    watch.report()
    total = time.perf_counter() - start
    print(f"total benchmark time: {total:.0f} s")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"args": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
                                         "torch": torch.__version__, "seconds": total,
                                         "others_cpu_share": {"before": watch.before, "during": watch.during},
                                         "rows": [r.as_dict() for r in rows]}, indent=2))
    if args.check:
        missed = [r.case for r in rows if r.target is not None and r.passed is not True]
        if missed:
            print(f"targets missed or not measured: {missed}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
