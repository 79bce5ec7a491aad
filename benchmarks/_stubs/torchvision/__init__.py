"""Benchmark-only stand-in for torchvision (see benchmarks/_stubs/README.md).

Only what Lucent 0.1.8 and Horama 0.3.0 import exists here: `transforms.Normalize`, an empty
`models`, `ops.roi_align` and a `datasets.utils.download_url` that refuses to download.
"""

__version__ = "0.0.0+fviz-benchmark-stub"
FVIZ_BENCHMARK_STUB = True

from . import models, transforms  # noqa: E402,F401
