"""Feature visualization quality on a deep network: how much of each class render is the class.

What is compared: class visualizations of EfficientNet-Lite0 (ImageNet weights,
`fv.zoo.efficientnet_lite(0)`), one image per class for 16 well-known ImageNet classes, made at
equal steps by each parameterization of fviz and by Horama 0.3.0's MACO on the same model instance:
  * pixel: free pixels (`param="pixel"`);
  * FFT + decorrelation: Lucid's and Lucent's recipe (`param="fft"`, fviz's default);
  * MACO: a standardized phase under the shipped natural-image magnitude (`param="maco"`);
  * MACO + transparency: the same with an alpha channel over random backgrounds (`"maco+alpha"`);
  * CPPN (`param="cppn"`);
  * the same with the `robust` transforms (`"fft@robust"`, ...);
  * the same at Horama's scale (`"maco@crops"`, ...): a 512 px image seen through 6 random crops
    per step (`views=6`, as many as Horama's) of 25-30 % of its side (`fv.transforms.random_crop`,
    Horama's crop distribution) resized to 224 px;
  * Horama 0.3.0 `maco` (its own recipe: NAdam lr 1.0, 6 crops per step of a 512 px image),
    given *our* magnitude spectrum as `spectrum_decorrelated.npy` in its working directory (so it
    downloads nothing; its own file is ImageNet's spectrum, which we cannot fetch here).
fviz renders the 16 classes as one batch (or `--batch-size` at a time):
`fv.render_layer(model, "output", classes, param=...)`,
224 px images (Lite0's input) unless seen through crops, standard transforms unless named,
Adam lr 0.05, each item maximizing its class logit. Horama renders
one class per call.

Measured per image, then averaged over the classes, under two kinds of views:
  * whole-image views: the image (512 px ones resized to 224) under 16 random views (reflect pad
    16, jitter 16, scale 0.9..1.1, rotation -10..10 deg; the views of `real_networks.py`);
  * crop views: 16 random crops at Horama's scale (side 25-30 %, centre 0.5 + 0.15 N(0, 1),
    kept inside), resized to 224. A method made for whole-image views draws its class once,
    image-sized, so its crops show parts of it; a method made through crops draws the class at
    crop size, so whole-image views shrink it about 3.6 times. Each kind of view favours the
    methods made for it; both are reported.
One fixed seed per kind, so every method's image i sees the same views. For each:
  * p: Lite0's softmax probability of the class over the views;
  * transfer p: the same probability measured by EfficientNet-Lite1 and Lite2, networks that did
    not make the image. A high Lite0 value with a low transfer value is adversarial texture;
    a high transfer value means the picture shows the class;
  * logit: the objective reached, Lite0's class logit, mean over the views;
  * seconds for the whole method (2 CPU cores are slow; 6 crops per step cost ~6 times one view);
RGBA images (MACO + transparency) are measured over a mid-grey background. Other processes' CPU
share before and during the run is reported, as in the other benchmarks.

A default run (16 classes, 128 steps) takes well over an hour on 2 cores: with --batch-size 4 the
crop renders take 12-18 minutes each, Horama 13, the whole-image ones 1.5-4; in one batch of 16
the crop renders take twice as long. --quick (4 classes, 16 steps) takes a few minutes.

Usage:
    pip install 'fviz_widgets[imagenet,photos]'
    pip install --no-deps horama==0.3.0 einops==0.8.2
    python benchmarks/fv_quality.py [--steps 128] [--classes espresso lemon ...] [--quick]
                                    [--methods pixel,fft,...] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _horama  # noqa: E402
import _peers as peers  # noqa: E402
from real_networks import markdown, random_views, robust_probability  # noqa: E402

import fviz_widgets as fv  # noqa: E402
from fviz_widgets.core.model import IMAGENET_MEAN, IMAGENET_STD  # noqa: E402
from fviz_widgets.params.spectrum import shipped_spectrum  # noqa: E402

CLASSES = ("espresso", "Egyptian cat", "goldfish", "monarch", "pizza", "lemon", "daisy", "volcano",
           "flamingo", "tree frog", "jack-o'-lantern", "strawberry", "zebra", "lighthouse", "red wine",
           "king penguin")
METHODS = {
    "pixel": "fviz, pixel",
    "fft": "fviz, FFT + decorrelation (the Lucid/Lucent recipe)",
    "maco": "fviz, MACO",
    "maco+alpha": "fviz, MACO + transparency",
    "cppn": "fviz, CPPN",
    "fft@robust": "fviz, FFT + decorrelation, `robust` transforms",
    "maco@robust": "fviz, MACO, `robust` transforms",
    "maco+alpha@robust": "fviz, MACO + transparency, `robust` transforms",
    "fft@crops": "fviz, FFT + decorrelation, 512 px seen through crops",
    "maco@crops": "fviz, MACO, 512 px seen through crops",
    "maco+alpha@crops": "fviz, MACO + transparency, 512 px seen through crops",
    "horama": "Horama 0.3.0 MACO, 512 px seen through crops (our spectrum file)",
}
HORAMA_SIZE = 512
#: Horama's views: crops of 25-30 % of the side around the centre (its default box, as it draws it).
CROP_FRACTION, CROP_CENTER_STD = (0.25, 0.30), 0.15
CROP_VIEW_SEED = 1


def horama_crop(size) -> fv.transforms.RandomCrop:
    """Horama's crop distribution as an fviz transform, the crops resized to `size`."""
    return fv.transforms.random_crop(CROP_FRACTION, CROP_CENTER_STD, size=size)


def crop_views(images: torch.Tensor, count: int, size, seed: int = CROP_VIEW_SEED) -> List[torch.Tensor]:
    """`count` crops of each image at Horama's scale, resized to `size`; one fixed seed."""
    crop, generator = horama_crop(size), torch.Generator().manual_seed(seed)
    return [crop(images, generator) for _ in range(count)]


def fviz_method(model, method: str, classes: List[int], steps: int, seed: int, batch_size: int):
    param, _, transforms = method.partition("@")
    size, views = None, 1
    if transforms == "crops":  # a 512 px canvas seen through as many Horama-sized crops per step as Horama's
        size, views, transforms = HORAMA_SIZE, _horama.HORAMA_CROPS, [horama_crop(model.resolution)]
    start = time.perf_counter()
    result = fv.render_layer(model, "output", classes, param=param, batch_size=batch_size, steps=steps,
                             size=size, views=views, transforms=transforms or "standard", seed=seed,
                             progress=False)
    return torch.from_numpy(result.opaque()).permute(0, 3, 1, 2), time.perf_counter() - start


def horama_method(model, classes: List[int], steps: int, seed: int, workdir: Path):
    images, seconds = [], 0.0
    for i, k in enumerate(classes):
        image, _, took = _horama.horama_maco(model, k, steps=steps, size=HORAMA_SIZE, seed=seed + i,
                                             mean=IMAGENET_MEAN, std=IMAGENET_STD, workdir=workdir)
        images.append(image)
        seconds += took
    return torch.cat(images), seconds


def logits(model, views, classes) -> List[float]:
    resize = fv.transforms.resize(model.resolution)
    mean = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
    rows, cols = torch.arange(len(classes)), torch.tensor(classes)
    with torch.no_grad():
        out = [model((resize(v) - mean) / std)[rows, cols] for v in views]
    return torch.stack(out).mean(0).tolist()


def benchmark(args) -> Dict:
    torch.set_num_threads(args.threads)
    log = lambda *a: print(*a, file=sys.stderr, flush=True)  # noqa: E731
    torch.manual_seed(0)
    lite = {k: fv.zoo.efficientnet_lite(k).eval() for k in (0, 1, 2)}
    model = lite[0]
    classes = [fv.zoo.imagenet_class(name) for name in args.classes]
    watch = peers.LoadWatch()
    results: Dict[str, Dict] = {}
    with tempfile.TemporaryDirectory() as folder:
        workdir = Path(folder)
        if "horama" in args.methods:
            _horama.import_horama()
            _horama.write_spectrum(shipped_spectrum()["rgb"], workdir, size=HORAMA_SIZE)
        for method in args.methods:
            log(f"{method} ...")
            if method == "horama":
                images, seconds = horama_method(model, classes, args.steps, args.seed, workdir)
            else:
                images, seconds = fviz_method(model, method, classes, args.steps, args.seed,
                                              args.batch_size or len(classes))
            flat = images.float().clamp(0, 1)
            whole = torch.nn.functional.interpolate(flat, size=model.resolution, mode="bilinear", antialias=True,
                                                    align_corners=False)
            row = {"seconds": seconds}
            for prefix, views in (("", random_views(whole, args.views)),
                                  ("crop_", crop_views(flat, args.views, model.resolution))):
                row[prefix + "robust_p"] = robust_probability(lite[0], views, classes)
                row[prefix + "lite1_p"] = robust_probability(lite[1], views, classes)
                row[prefix + "lite2_p"] = robust_probability(lite[2], views, classes)
                row[prefix + "logit"] = logits(lite[0], views, classes)
            results[method] = row
            log(f"  {seconds:.0f} s, " + ", ".join(
                f"{key} {np.mean(row[key]):.3f}" for key in ("robust_p", "lite1_p", "lite2_p", "crop_robust_p",
                                                             "crop_lite1_p", "crop_lite2_p")))
    watch.report()
    return {"classes": list(args.classes), "steps": args.steps, "views": args.views, "batch_size": args.batch_size,
            "results": results,
            "others_cpu_share": {"before": watch.before, "during": watch.during},
            "machine": {"cpu_count": torch.get_num_threads(), "platform": platform.platform(),
                        "torch": torch.__version__, "horama_torchvision": _horama.TORCHVISION}}


def print_tables(out: Dict) -> None:
    keys = ("robust_p", "lite1_p", "lite2_p", "logit", "crop_robust_p", "crop_lite1_p", "crop_lite2_p", "crop_logit")
    rows = []
    for method, row in out["results"].items():
        cells = [f"{np.mean(row[key]):.1f}" if key.endswith("logit") else f"{np.mean(row[key]):.3f}" for key in keys]
        rows.append([METHODS[method], *cells, f"{row['seconds']:.0f}"])
    header = ["method", "Lite0 p", "Lite1 p", "Lite2 p", "logit", "crops: Lite0 p", "crops: Lite1 p",
              "crops: Lite2 p", "crops: logit", "seconds"]
    print(f"\n{len(out['classes'])} classes, {out['steps']} steps, {out['views']} whole-image views and "
          f"{out['views']} crop views per image:\n")
    print(markdown(header, rows, "<" + ">" * (len(header) - 1)))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=128)
    parser.add_argument("--views", type=int, default=16)
    parser.add_argument("--classes", nargs="+", default=list(CLASSES))
    parser.add_argument("--methods", default=",".join(METHODS), help="comma-separated: " + ", ".join(METHODS))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--batch-size", type=int, default=None,
                        help="classes per fviz render (default: all in one); on CPU, 4 keeps a 6-crop render's "
                             "batch at 24 images, which runs twice as fast per image as 96")
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--quick", action="store_true", help="4 classes, 16 steps, 8 views")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    args.methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    unknown = [m for m in args.methods if m not in METHODS]
    if unknown:
        parser.error(f"unknown method(s) {unknown}; choose from {', '.join(METHODS)}")
    if args.quick:
        args.steps, args.views, args.classes = 16, 8, args.classes[:4]
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    out = benchmark(args)
    print_tables(out)
    if args.json:
        args.json.write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
