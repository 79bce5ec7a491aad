"""Stand-in for `torchvision.datasets.utils`: `download_url` raises instead of downloading.

Horama 0.3.0's `maco` calls it when `spectrum_decorrelated.npy` is missing from the working
directory; the benchmark writes that file itself (`benchmarks/_horama.py: write_spectrum`) and
must never fetch anything at run time.
"""

from __future__ import annotations

import os

__all__ = ["download_url"]


def download_url(url, root, filename=None, md5=None, max_redirect_hops=3):
    """Raises RuntimeError: this stand-in never downloads (same signature as torchvision's)."""
    target = os.path.join(os.path.expanduser(str(root)), filename or os.path.basename(str(url)))
    raise RuntimeError(
        f"benchmark torchvision stand-in: refusing to download {url} to {target!r}; "
        "put the file there first (for Horama's MACO spectrum: benchmarks/_horama.py write_spectrum)"
    )
