"""Run tasks: one submission on one scenario, scored outside the sandbox.

The evaluator loop is: build tasks → run them through an executor (inline, a local process
pool, or Dask) → store each result as it arrives. Results are written by the calling process
only, one transaction per run, so a harness killed at any moment loses at most the runs in flight.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import multiprocessing
import warnings
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from harness.certificate import SCORER_VERSION, sandbox_settings
from harness.errors import ArenaError
from harness.limits import Limits
from harness.progress import NullProgress, Progress
from harness.sandbox import run_submission
from harness.status import RunStatus
from harness.store import StoredRun
from harness.submission import Submission
from harness.version import HARNESS_VERSION
from harness.workspace import ScenarioRef, resolve_scenario
from scoring import UndefinedMetricWarning

__all__ = ["RunTask", "execute", "run_tasks"]


@dataclass(frozen=True)
class RunTask:
    """One submission on one scenario with the limits and mode of the run.

    ``scenario`` carries the scenario's path *and* its parameters and hashes, so a worker that
    does not see the path regenerates it (into ``cache_dir``) and proves it is the same.
    """

    submission: Submission
    scenario: ScenarioRef
    limits: Limits
    unsafe_local: bool = False
    cache_dir: str | None = None

    @property
    def scenario_id(self) -> str:
        return self.scenario.id

    @property
    def key(self) -> tuple[str, str]:
        return (self.submission.content_hash, self.scenario.id)


def execute(task: RunTask) -> StoredRun:
    """Run one task in the sandbox and score it against the labels (read here, outside)."""
    with warnings.catch_warnings():
        # Undefined metrics (no predictions, no labels) take the explicit zero_division = 0.
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        return _execute(task)


def _execute(task: RunTask) -> StoredRun:
    from scoring import score_run

    scenario = resolve_scenario(task.scenario, cache_dir=task.cache_dir)
    if not Path(task.submission.path).is_dir():
        raise ArenaError("this worker cannot see the submission directory",
                         file=str(task.submission.path),
                         fix="make the submissions visible at the same path on every worker")
    started = dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")
    result = run_submission(task.submission, scenario, limits=task.limits,
                            unsafe_local=task.unsafe_local)
    metrics = None
    problems = tuple(result.problems)
    if result.status is RunStatus.OK:
        known = scenario.record_ids().to_pylist()
        codes = scenario.manifest["reason_codes"]
        if scenario.has_labels():
            scored = score_run(scenario.read_labels().to_pandas(), result.predictions,
                               known_record_ids=known, reason_codes=codes)
            metrics = dataclasses.asdict(scored)
            metrics["problems"] = list(result.problems) + list(scored.problems)
            problems = tuple(metrics["problems"])
        else:  # no labels (a private scenario checked by a team): status and problems only
            import pandas as pd

            empty = pd.DataFrame({"record_id": pd.Series([], dtype=object),
                                  "reason": pd.Series([], dtype=object)})
            scored = score_run(empty, result.predictions, known_record_ids=known,
                               reason_codes=codes)
            problems = problems + tuple(scored.problems)
    return StoredRun(
        submission_id=task.submission.content_hash, scenario_id=scenario.id,
        harness_version=HARNESS_VERSION, status=result.status.value, message=result.message,
        wall_s=result.wall_s, cpu_s=result.cpu_s, peak_memory_mb=result.peak_memory_mb,
        stderr_tail=result.stderr_tail, output_sha256=result.output_sha256,
        unsafe=result.unsafe, metrics=metrics, predictions=result.predictions,
        generator_version=scenario.manifest["generator_version"], scorer_version=SCORER_VERSION,
        sandbox=sandbox_settings(task.limits, unsafe=task.unsafe_local), started_at=started,
        problems=problems)


def run_tasks(tasks: Iterable[RunTask], on_result: Callable[[RunTask, StoredRun], None], *,
              workers: int = 1, progress: Progress | None = None,
              description: str = "Running submissions") -> None:
    """Execute ``tasks`` on ``workers`` local processes, calling ``on_result`` as each ends.

    ``on_result`` runs in this process, in completion order. A harness error in a worker (a
    scenario that fails its hash check, a submission that vanished) stops the whole batch with
    that error; the runs already passed to ``on_result`` are kept.
    """
    tasks = list(tasks)
    progress = progress or NullProgress()
    with progress.track(description, len(tasks)) as advance:
        if workers <= 1 or len(tasks) <= 1:
            for task in tasks:
                on_result(task, execute(task))
                advance(1)
            return
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["harness.execute", "scoring", "pandas"])
        pool = ProcessPoolExecutor(max_workers=min(workers, len(tasks)), mp_context=context)
        try:
            futures = {pool.submit(execute, task): task for task in tasks}
            for future in as_completed(futures):
                try:
                    run = future.result()
                except BrokenProcessPool:
                    raise ArenaError("a worker process died (killed by the system?)",
                                     field="--workers",
                                     fix="run the same command again: stored runs are kept "
                                         "and the rest resume") from None
                on_result(futures[future], run)
                advance(1)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
