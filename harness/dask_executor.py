"""The Dask executor: the same tasks as the local pool, on a Dask cluster.

Dask is an optional extra; this is the only module that imports it. Each task carries its
scenario's parameters and hashes (:class:`~harness.workspace.ScenarioRef`): a worker that does
not see the workspace regenerates the scenario into its own cache and checks it against the
stored sha256s before running anything. Results come back to the calling process, which alone
writes the store, exactly as with the local pool.
"""

from __future__ import annotations

from typing import Callable

from harness.errors import ArenaError
from harness.execute import RunTask, execute
from harness.progress import NullProgress, Progress
from harness.store import StoredRun

__all__ = ["run_tasks_on_dask", "LOCAL_WORKERS"]

LOCAL_WORKERS = 2  # `--dask local`: a LocalCluster of this many single-threaded processes


def _import_distributed():
    try:
        import distributed
    except ImportError:
        raise ArenaError("Dask is not installed", field="--dask",
                         fix="pip install 'supervision-arena[dask]'") from None
    return distributed


def run_tasks_on_dask(tasks: list[RunTask], on_result: Callable[[RunTask, StoredRun], None], *,
                      address: str, progress: Progress | None = None,
                      description: str = "Running submissions on Dask",
                      connect_timeout: str = "20s") -> None:
    """Run ``tasks`` on the scheduler at ``address`` (``"local"``: a new LocalCluster, closed
    afterwards), calling ``on_result`` in this process as each task ends."""
    distributed = _import_distributed()
    progress = progress or NullProgress()
    tasks = list(tasks)
    cluster = None
    if address == "local":
        cluster = distributed.LocalCluster(n_workers=LOCAL_WORKERS, threads_per_worker=1,
                                           processes=True, dashboard_address=None)
        address = cluster.scheduler_address
    try:
        try:
            client = distributed.Client(address, timeout=connect_timeout)
        except (OSError, TimeoutError, ValueError) as exc:
            raise ArenaError(f"cannot reach the Dask scheduler at {address} ({exc})",
                             field="--dask", fix="check the address, or use --dask local") from None
        try:
            with progress.track(description, len(tasks)) as advance:
                if not tasks:
                    return
                # pure=False: two tasks never share a key; retries=0: a harness error (e.g. a
                # scenario hash mismatch) is reported, not hidden.
                futures = client.map(execute, tasks, pure=False)
                by_key = {f.key: t for f, t in zip(futures, tasks)}
                try:
                    for future in distributed.as_completed(futures):
                        on_result(by_key[future.key], future.result())
                        advance(1)
                except BaseException:
                    client.cancel(futures)
                    raise
        finally:
            client.close()
    finally:
        if cluster is not None:
            cluster.close()
