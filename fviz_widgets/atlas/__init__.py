"""Model atlases: every channel of chosen layers rendered in batches into a static website that
opens from disk, with dataset examples and the classes each channel supports; resumable, and
distributable over any `concurrent.futures.Executor` or a Dask cluster. `preview` shows one in a
notebook.

Example:
    >>> import shutil, tempfile
    >>> from pathlib import Path
    >>> index = build_atlas("shapes_cnn", "conv2", Path(tempfile.mkdtemp()) / "atlas", channels=[0, 1], size=32,
    ...                     steps=2, examples=0, progress=False)
    >>> sorted(p.name for p in index.parent.iterdir())
    ['channels', 'data', 'images', 'index.html', 'layers', 'manifest.json']
    >>> shutil.rmtree(index.parent.parent)
"""

from .build import build_atlas
from .distributed import dask_executor
from .examples import as_dataset
from .inline import AtlasPreview, preview
from .tasks import render_batch, render_task, worker_model

__all__ = ["AtlasPreview", "as_dataset", "build_atlas", "dask_executor", "preview", "render_batch", "render_task", "worker_model"]
