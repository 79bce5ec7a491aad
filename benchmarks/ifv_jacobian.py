"""The IFV Jacobian J = ∂ρ/∂p: one batched backward pass vs a loop of m backward passes, on the
shipped shapes model in one run.

    python benchmarks/ifv_jacobian.py [--repeats 5] [--device cpu|cuda]

Printed: milliseconds per Jacobian (all m rows of every realization in the batch) for the loop of
m `autograd.grad` calls (the peer: what a straightforward implementation pays), the batched
cotangents of `fv.ifv.jacobian` (``autograd.grad(..., is_grads_batched=True)``) and
``torch.func.vmap`` over ``vjp``, and the ratios loop / batched and loop / vmap. The three give
the same matrix (checked before timing).
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

import fviz_widgets as fv
from fviz_widgets import ifv


def time_method(model, layer, param, m, method, repeats, device):
    def once():
        ifv.jacobian(model, layer, param, ifv.FeatureSpec(channels=range(m)), method=method)
        if device.type == "cuda":
            torch.cuda.synchronize()

    once()  # warm-up (and vmap's first-call tracing)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        once()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    args = parser.parse_args()
    device = torch.device(args.device)
    torch.manual_seed(0)
    model = fv.zoo.shapes_cnn().to(device)
    cases = [
        # (label, layer, m, batch, parameterization)
        ("act3, m=16, 1 image", "act3", 16, 1, "pixel"),
        ("act3, m=64, 1 image", "act3", 64, 1, "pixel"),
        ("act3, m=16, 8 images", "act3", 16, 8, "pixel"),
        ("act3, m=64, 8 images", "act3", 64, 8, "scaled_fft"),
    ]
    print(f"device: {device}, torch {torch.__version__}, threads {torch.get_num_threads()}, 64×64 input")
    print(f"{'case':<26} {'param':<11} {'loop ms':>9} {'batched ms':>11} {'ratio':>7} {'vmap ms':>9} {'ratio':>7}")
    for label, layer, m, batch, kind in cases:
        param = ifv.make_param(kind, (batch, 3, 64, 64), seed=1, device=device)
        _, reference = ifv.jacobian(model, layer, param, ifv.FeatureSpec(channels=range(m)), method="loop")
        for method in ("batched", "vmap"):
            _, J = ifv.jacobian(model, layer, param, ifv.FeatureSpec(channels=range(m)), method=method)
            torch.testing.assert_close(J, reference, rtol=1e-4, atol=1e-6)
        loop = time_method(model, layer, param, m, "loop", args.repeats, device)
        batched = time_method(model, layer, param, m, "batched", args.repeats, device)
        vmap = time_method(model, layer, param, m, "vmap", args.repeats, device)
        print(f"{label:<26} {kind:<11} {loop:>9.2f} {batched:>11.2f} {loop / batched:>6.2f}× "
              f"{vmap:>9.2f} {loop / vmap:>6.2f}×")


if __name__ == "__main__":
    main()
