"""How much the capture's early exit saves: forward+backward to an early layer, with the rest of
the network skipped vs computed, on the same model in one run.

    python benchmarks/hooks_early_exit.py [--repeats 20]

Printed: milliseconds per forward+backward and the ratio (full / early exit). The peer is the
same capture with `early_exit=False`, which is what a hook-everything approach (Lucent) pays.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
from torch import nn

import fviz_widgets as fv


def deep_net(blocks: int = 12, width: int = 64) -> nn.Module:
    """A plain deep CNN: the later a layer, the more of the network early exit skips."""
    layers = [nn.Conv2d(3, width, 3, padding=1), nn.ReLU()]
    for _ in range(blocks - 1):
        layers += [nn.Conv2d(width, width, 3, padding=1), nn.ReLU()]
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(width, 10)).eval()


def time_capture(model, layer, x, early_exit, repeats):
    times = []
    with fv.capture(model, [layer], early_exit=early_exit) as run:
        run(x)  # the first call checks for modules called twice; not timed
        for _ in range(repeats):
            image = x.clone().requires_grad_(True)
            start = time.perf_counter()
            run(image)[layer].mean().backward()
            times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    torch.manual_seed(0)
    cases = [
        ("shapes_cnn conv2", fv.zoo.shapes_cnn(), "conv2", torch.rand(32, 3, 64, 64)),
        ("12-conv net, conv 2", deep_net(), "2", torch.rand(8, 3, 64, 64)),
        ("12-conv net, conv 7", deep_net(), "12", torch.rand(8, 3, 64, 64)),
    ]
    for _, model, _, _ in cases:
        for p in model.parameters():
            p.requires_grad_(False)
    print(f"{'case':<24} {'full ms':>9} {'early exit ms':>14} {'ratio':>7}")
    for name, model, layer, x in cases:
        full = time_capture(model, layer, x, False, args.repeats)
        early = time_capture(model, layer, x, True, args.repeats)
        print(f"{name:<24} {full:>9.2f} {early:>14.2f} {full / early:>6.2f}×")


if __name__ == "__main__":
    main()
