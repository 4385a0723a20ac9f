"""Run tasks: one submission on one scenario, scored outside the sandbox.

The evaluator loop is: build tasks → run them through an executor (inline, a local process
pool, or Dask) → store each result as it arrives. Results are written by the calling process
only, one transaction per run, so a harness killed at any moment loses at most the runs in flight.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from harness.limits import Limits
from harness.progress import NullProgress, Progress
from harness.sandbox import run_submission
from harness.status import RunStatus
from harness.store import StoredRun
from harness.submission import Submission
from harness.version import HARNESS_VERSION
from synthetic.scenario import load_scenario


@dataclass(frozen=True)
class RunTask:
    submission: Submission
    scenario_path: Path
    scenario_id: str
    limits: Limits
    unsafe_local: bool = False


def execute(task: RunTask) -> StoredRun:
    """Run one task in the sandbox and score it against the labels (read here, outside)."""
    from scoring import score_run

    scenario = load_scenario(task.scenario_path)
    result = run_submission(task.submission, scenario, limits=task.limits,
                            unsafe_local=task.unsafe_local)
    metrics = None
    if result.status is RunStatus.OK and scenario.has_labels():
        scored = score_run(scenario.read_labels().to_pandas(), result.predictions,
                           known_record_ids=scenario.record_ids().to_pylist(),
                           reason_codes=scenario.manifest["reason_codes"])
        metrics = dataclasses.asdict(scored)
        metrics["problems"] = list(result.problems) + list(scored.problems)
    elif result.status is RunStatus.OK:
        metrics = None  # no labels here (a private scenario checked by a team): status only
    return StoredRun(
        submission_id=task.submission.content_hash, scenario_id=scenario.id,
        harness_version=HARNESS_VERSION, status=result.status.value, message=result.message,
        wall_s=result.wall_s, cpu_s=result.cpu_s, peak_memory_mb=result.peak_memory_mb,
        stderr_tail=result.stderr_tail, output_sha256=result.output_sha256,
        unsafe=result.unsafe, metrics=metrics, predictions=result.predictions)


def run_tasks(tasks: Iterable[RunTask], on_result: Callable[[RunTask, StoredRun], None], *,
              workers: int = 1, progress: Progress | None = None,
              description: str = "Running submissions") -> None:
    """Execute ``tasks`` on ``workers`` local processes, calling ``on_result`` as each ends."""
    tasks = list(tasks)
    progress = progress or NullProgress()
    with progress.track(description, len(tasks)) as advance:
        if workers <= 1 or len(tasks) <= 1:
            for task in tasks:
                on_result(task, execute(task))
                advance(1)
            return
        context = multiprocessing.get_context("forkserver")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            futures = {pool.submit(execute, task): task for task in tasks}
            for future in as_completed(futures):
                on_result(futures[future], future.result())
                advance(1)
