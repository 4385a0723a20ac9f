"""The Dask executor: the same tasks as the local pool, on a Dask cluster.

Dask is an optional extra; this is the only module that imports it.
"""

from __future__ import annotations

from typing import Callable

from harness.errors import ArenaError
from harness.execute import RunTask, execute
from harness.progress import NullProgress, Progress
from harness.store import StoredRun


def run_tasks_on_dask(tasks: list[RunTask], on_result: Callable[[RunTask, StoredRun], None], *,
                      address: str, progress: Progress | None = None) -> None:
    try:
        from distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise ArenaError("Dask is not installed", field="--dask",
                         fix="pip install 'supervision-arena[dask]'") from None
    progress = progress or NullProgress()
    cluster = None
    if address == "local":
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        client = Client(cluster)
    else:
        try:
            client = Client(address, timeout="20s")
        except OSError as exc:
            raise ArenaError(f"cannot reach the Dask scheduler at {address} ({exc})",
                             field="--dask", fix="check the address, or use --dask local") from None
    try:
        with progress.track("Running submissions on Dask", len(tasks)) as advance:
            futures = client.map(execute, tasks, pure=False)
            by_key = {f.key: t for f, t in zip(futures, tasks)}
            for future in as_completed(futures):
                on_result(by_key[future.key], future.result())
                advance(1)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
