"""Running atlas batches (or IFV work units) on a Dask cluster through its `Executor`.

A Dask ``distributed.Client`` hands out a `concurrent.futures.Executor` (``client.get_executor()``);
the atlas and `fviz_widgets.experiments.run_ifv` take any Executor, so this module only connects:
``"local"`` starts a `LocalCluster` in this process (threads, on 127.0.0.1 over TCP, so tasks and
results really are serialized; no dashboard), anything else is a scheduler address such as
``"tcp://10.0.0.5:8786"``. Needs the ``distributed`` extra.

Example:
    >>> with dask_executor("local", threads=2) as pool:
    ...     pool.submit(sum, [1, 2, 3]).result()
    6
"""

from __future__ import annotations

import contextlib
from concurrent.futures import Executor
from typing import Iterator, Optional

__all__ = ["dask_executor"]


@contextlib.contextmanager
def dask_executor(address: str = "local", *, threads: Optional[int] = None, processes: bool = False,
                  workers: int = 1) -> Iterator[Executor]:
    """An Executor on a Dask cluster, closed (with the cluster it started) when the block ends.

    Args:
        address: ``"local"`` for a LocalCluster on 127.0.0.1, or a scheduler's address.
        threads: threads per worker of the local cluster (default 1).
        processes: local workers in their own processes (they rebuild the model from its spec)
            instead of threads of this one. workers: how many local workers.
    """
    if not isinstance(address, str) or not address.strip():
        raise ValueError(f"a Dask address is 'local' or a scheduler address like 'tcp://host:8786', got {address!r}")
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ImportError("Dask needs the distributed extra: pip install 'fviz_widgets[distributed]'") from None
    with contextlib.ExitStack() as stack:
        if address.strip() == "local":
            cluster = stack.enter_context(LocalCluster(
                n_workers=workers, threads_per_worker=threads or 1, processes=processes, host="127.0.0.1",
                protocol="tcp://", dashboard_address=None, silence_logs=40))
            client = stack.enter_context(Client(cluster))
        else:
            try:
                client = stack.enter_context(Client(address.strip(), timeout=30))
            except OSError as error:
                raise ValueError(f"cannot reach the Dask scheduler at {address}: {error}") from None
        yield client.get_executor()
