"""Benchmark-only stand-in for torchvision (see benchmarks/_stubs/README.md).

Only what Lucent 0.1.8 imports exists here: `transforms.Normalize` and an empty `models`.
"""

__version__ = "0.0.0+fviz-benchmark-stub"
FVIZ_BENCHMARK_STUB = True

from . import models, transforms  # noqa: E402,F401
