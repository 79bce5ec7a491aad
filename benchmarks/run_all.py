"""`make bench`: every benchmark in this folder, one after the other, each printing its table."""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHMARKS = ["hooks_early_exit.py", "render_vs_lucent.py", "live_render_overhead.py", "invariance_lanczos_vs_dense.py",
              "ifv_jacobian.py", "real_networks.py", "atlas.py"]

if __name__ == "__main__":
    failed = []
    for name in BENCHMARKS:
        print(f"\n=== {name} ===", flush=True)
        if subprocess.call([sys.executable, str(HERE / name)]) != 0:
            failed.append(name)
    if failed:
        sys.exit(f"failed: {', '.join(failed)}")
