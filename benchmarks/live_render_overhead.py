"""What streaming into LiveRender costs the optimization, measured inside a real Jupyter kernel.

    python benchmarks/live_render_overhead.py [--steps 512] [--repeats 21]

A kernel is started with jupyter_client and runs `fv.render` (the peer: no widget) and
`fv.render(..., live=True)` alternately on the shipped shapes model at 64 px. The live runs
display the widget, so every frame and curve update really goes out over the kernel's IOPub
channel (this client reads them, as a front end would). Printed: median it/s of each and the
slowdown as the median over back-to-back pairs (the machine's own drift cancels). Target: live
≤ 5 % slower.
"""

from __future__ import annotations

import argparse
import json

from jupyter_client.manager import start_new_kernel

KERNEL_CODE = """
import json, statistics, time, torch
import fviz_widgets as fv
model = fv.zoo.shapes_cnn()
def it_per_s(live):
    start = time.perf_counter()
    fv.render(model, "conv3:5", steps={steps}, seed=0, progress=False, live=live)
    return {steps} / (time.perf_counter() - start)
it_per_s(False); it_per_s(True)  # warm-up
runs = {{"plain": [], "live": []}}
for _ in range({repeats}):
    runs["plain"].append(it_per_s(False))
    runs["live"].append(it_per_s(True))
ratios = sorted(p / l for p, l in zip(runs["plain"], runs["live"]))
print("RESULT" + json.dumps({{k: statistics.median(v) for k, v in runs.items()}} | {{"threads": torch.get_num_threads(),
      "ratio": statistics.median(ratios), "low": ratios[len(ratios) // 4], "high": ratios[-1 - len(ratios) // 4]}}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=512)  # fv.render's default
    parser.add_argument("--repeats", type=int, default=21)
    args = parser.parse_args()
    manager, client = start_new_kernel(kernel_name="python3")
    messages = {"comm": 0, "bytes": 0}
    lines = []

    def on_output(msg):  # what a front end receives while the runs go on
        kind = msg["msg_type"]
        if kind.startswith("comm"):
            messages["comm"] += 1
            messages["bytes"] += sum(len(b) for b in msg.get("buffers", []))
        elif kind == "stream":
            lines.append(msg["content"]["text"])
        elif kind == "error":
            raise RuntimeError("\n".join(msg["content"]["traceback"]))

    try:
        client.execute_interactive(KERNEL_CODE.format(steps=args.steps, repeats=args.repeats),
                                   output_hook=on_output, timeout=1800)
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    result = json.loads("".join(lines).split("RESULT", 1)[1])
    plain, live = result["plain"], result["live"]
    print(f"shapes_cnn conv3:5, 64 px, {args.steps} steps, median of {args.repeats}, {result['threads']} torch threads")
    print(f"{'render':<22} {'it/s':>8}")
    print(f"{'plain (peer)':<22} {plain:>8.1f}")
    print(f"{'live=True (LiveRender)':<22} {live:>8.1f}")
    print(f"slowdown (median of {args.repeats} back-to-back pairs): {100 * (result['ratio'] - 1):+.1f} % "
          f"[quartiles {100 * (result['low'] - 1):+.1f} % … {100 * (result['high'] - 1):+.1f} %] (target ≤ 5 %); "
          f"{messages['comm']} widget messages, {messages['bytes'] / 1e6:.2f} MB of binary buffers (frames, curves) received")


if __name__ == "__main__":
    main()
