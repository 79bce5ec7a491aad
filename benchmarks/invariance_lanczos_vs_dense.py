"""The invariance engine's tangent spectrum: HVP-Lanczos vs a dense Hessian, as the input grows.

    python benchmarks/invariance_lanczos_vs_dense.py [--sizes 16 32 64] [--k 4] [--dense-max-n 8192]

On the smooth shapes model (softplus), for the vertical-stripes logit in pixel space: x⁺ is found
once per size, then the k most and k least invariant directions are computed twice at that x⁺ —
matrix-free (Hessian-vector products by double backprop, scipy ``eigsh``) and from the dense
Hessian (n Hessian-vector products, then ``eigh``). Printed per n = 3·size²: seconds of each, their
ratio (dense / Lanczos), the largest curvature difference relative to the largest |κ|, and the
smallest principal cosine between the two methods' k-direction subspaces (1 = the same subspace),
for the most and the least invariant directions. Dense is skipped where n is over --dense-max-n
(the Hessian alone is n² floats; the engine refuses n > 8192), and the table says so.

Last line: one whole ``fv.invariance`` call (x⁺, then the top-k directions by Lanczos) at 3×64×64,
against the target of 30 s on 2 CPU cores.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import torch

from fviz_widgets import zoo
from fviz_widgets.datasets import CLASSES
from fviz_widgets.invariance import DENSE_MAX_N, InvarianceOptions, invariance

TARGET_SECONDS = 30.0


def subspace_cosine(a: np.ndarray, b: np.ndarray) -> float:
    """Smallest cosine of the principal angles between the row spaces of a and b."""
    qa, _ = np.linalg.qr(a.T)
    qb, _ = np.linalg.qr(b.T)
    return float(np.linalg.svd(qa.T @ qb, compute_uv=False).min())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[16, 32, 64])
    parser.add_argument("--k", type=int, default=4)
    parser.add_argument("--dense-max-n", type=int, default=DENSE_MAX_N)
    parser.add_argument("--full-size", type=int, default=64, help="image size of the whole-call timing (0: skip)")
    args = parser.parse_args()
    model = zoo.shapes_cnn("softplus")
    unit = f"output:{CLASSES.index('vertical_stripes')}"
    k = args.k
    with warnings.catch_warnings():  # warm-up: first-call costs are not timed
        warnings.simplefilter("ignore")
        invariance(model, unit, size=16, k=1, steps=5, progress=False)
    print(f"shapes_cnn('softplus'), {unit} (vertical stripes), pixel space, k = {k}, "
          f"torch threads = {torch.get_num_threads()}")
    head = (f"{'n':>7} {'Lanczos s':>10} {'HVPs':>6} {'dense s':>9} {'ratio':>8} "
            f"{'max |Δκ|/|κ|':>13} {'cos most':>9} {'cos least':>10}")
    print(head)
    print("-" * len(head))
    for size in args.sizes:
        n = 3 * size * size
        lanczos = invariance(model, unit, size=size, k=k, progress=False)
        hvps = lanczos.timing["spectrum_hvps"]
        t_lanczos = lanczos.timing["spectrum"]
        if n > min(args.dense_max_n, DENSE_MAX_N):
            gib = n * n * 8 / 2**30
            print(f"{n:>7} {t_lanczos:>10.2f} {hvps:>6} {'skipped':>9}   dense Hessian would be {n}×{n} "
                  f"({gib:.1f} GiB in float64) and need {n} HVPs")
            continue
        dense = invariance(model, unit, size=size, k=k, options=InvarianceOptions(dense=True, init=lanczos.x_plus),
                           progress=False)
        t_dense = dense.timing["spectrum"]
        scale = np.abs(dense.curvatures).max()
        error = np.abs(lanczos.curvatures - dense.curvatures).max() / scale
        most = subspace_cosine(lanczos.most_invariant, dense.most_invariant)
        least = subspace_cosine(lanczos.least_invariant, dense.least_invariant)
        print(f"{n:>7} {t_lanczos:>10.2f} {hvps:>6} {t_dense:>9.2f} {t_dense / t_lanczos:>7.1f}× "
              f"{error:>13.1e} {most:>9.6f} {least:>10.6f}")
    if args.full_size:
        start = time.perf_counter()
        result = invariance(model, unit, size=args.full_size, k=k, progress=False)
        seconds = time.perf_counter() - start
        verdict = "within" if seconds < TARGET_SECONDS else "OVER"
        print(f"\nwhole invariance() at 3×{args.full_size}×{args.full_size}, top-{k} directions: {seconds:.1f} s "
              f"(x⁺ {result.timing['optimum']:.1f} s, spectrum {result.timing['spectrum']:.1f} s) — {verdict} "
              f"the {TARGET_SECONDS:.0f} s target; κ most invariant {np.round(result.most_invariant_curvatures, 4)}")


if __name__ == "__main__":
    main()
