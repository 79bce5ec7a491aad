"""Atlas throughput: channels per second for a whole layer of EfficientNet-Lite0, batched vs one
by one, and the time of a complete layer atlas.

What is compared, on one Lite0 instance (ImageNet weights, `fv.zoo.efficientnet_lite(0)`), layer
`blocks.10` (112 channels; the last 112-channel block), the same settings for every way:
  * one by one (the peer: a naive loop): one `fv.render` of `channel(layer, c)` per channel;
  * batched: `fv.render_layer(..., batch_size=B)`, each batch item maximizing its own channel;
  * the atlas: `fv.atlas.build_atlas` of the same channels (batched renders plus the pages,
    enlarged images and dataset examples of 200 shapes images), timed end to end.
Settings: `--size` px FFT + decorrelated images (default 96), `--steps` Adam steps (default 64),
standard transforms. Channels per second = channels rendered / wall-clock seconds of the call,
after an untimed warm-up; the batched/one-by-one ratio comes from the same run. By default the
one-by-one loop renders `--sequential` channels (4) and the batched and atlas runs
`--channels` (16); `--full` renders all 112 channels in the batched and atlas runs (about half an
hour on 2 CPU cores). The complete-layer figure without --full is projected from the measured
batched rate and says so.

Usage:
    pip install 'fviz_widgets[imagenet]'
    python benchmarks/atlas.py [--size 96] [--steps 64] [--channels 16] [--batch-size 16] [--full]
                               [--device cuda] [--json out.json]

GPU: run with --device cuda --full --steps 512 --size 224 --batch-size 112 (one batch of the
whole block); report figures only from such a run, with its command.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _peers import LoadWatch  # noqa: E402

import fviz_widgets as fv  # noqa: E402
from fviz_widgets.core.capture import channel_count  # noqa: E402

LAYER = "blocks.10"


def timed(fn):
    begin = time.perf_counter()
    value = fn()
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    return value, time.perf_counter() - begin


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=96)
    parser.add_argument("--steps", type=int, default=64)
    parser.add_argument("--channels", type=int, default=16, help="channels of the batched and atlas runs")
    parser.add_argument("--sequential", type=int, default=4, help="channels of the one-by-one loop")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--full", action="store_true", help="all 112 channels in the batched and atlas runs")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()

    model = fv.zoo.efficientnet_lite(0).to(args.device)
    count = channel_count(model, LAYER, args.size)
    picked = list(range(count if args.full else min(args.channels, count)))
    settings = dict(size=args.size, steps=args.steps, progress=False)
    watch = LoadWatch()
    fv.render(model, fv.obj.channel(LAYER, 0), **dict(settings, steps=2))  # warm-up (allocations, kernels)

    _, sequential = timed(lambda: [fv.render(model, fv.obj.channel(LAYER, c), **settings)
                                   for c in range(args.sequential)])
    _, batched = timed(lambda: fv.render_layer(model, LAYER, picked, batch_size=args.batch_size, **settings))
    with tempfile.TemporaryDirectory() as folder:
        _, atlas = timed(lambda: fv.atlas.build_atlas(model, LAYER, Path(folder) / "atlas", channels=picked,
                                                      steps=args.steps, size=args.size, batch_size=args.batch_size,
                                                      dataset="shapes", examples=8, progress=False))
    watch.report()

    rates = {"one by one": args.sequential / sequential, "batched": len(picked) / batched,
             "atlas": len(picked) / atlas}
    print(f"EfficientNet-Lite0 {LAYER} ({count} channels), {args.size} px, {args.steps} Adam steps, "
          f"batch {args.batch_size}, {args.device} ({platform.processor() or platform.machine()}, "
          f"{torch.get_num_threads()} threads)")
    print(f"{'':<12}{'channels':>10}{'seconds':>10}{'channels/s':>12}{'vs one by one':>15}")
    for name, seconds, n in (("one by one", sequential, args.sequential), ("batched", batched, len(picked)),
                             ("atlas", atlas, len(picked))):
        print(f"{name:<12}{n:>10}{seconds:>10.1f}{n / seconds:>12.3f}{(n / seconds) / rates['one by one']:>14.2f}×")
    whole = count / rates["atlas"]
    how = "measured" if args.full else f"projected from {len(picked)} channels"
    print(f"a complete {count}-channel layer atlas: {whole:.0f} s ({how})")
    if args.json:
        args.json.write_text(json.dumps({"settings": vars(args) | {"json": None}, "rates": rates,
                                         "complete_layer_seconds": whole, "measured": bool(args.full),
                                         "load_before": watch.before, "load_during": watch.during}, indent=1))


if __name__ == "__main__":
    main()
