"""Run a whole competition into a workspace: generate, run what is missing, store.

Re-running the same competition is cheap: scenarios already generated are reused and runs
already stored (same submission hash, scenario id and harness version) are skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from harness.competition import Competition
from harness.execute import RunTask, run_tasks
from harness.progress import NullProgress, Progress
from harness.sandbox import sandbox_available
from harness.errors import SandboxUnavailableError
from harness.store import Store, StoredRun
from harness.submission import Submission, load_submission
from harness.version import HARNESS_VERSION
from harness.workspace import ensure_scenario, save_predictions


@dataclass(frozen=True)
class RunSummary:
    scenarios: int
    submissions: int
    runs_done: int
    runs_skipped: int
    statuses: dict[str, int]


def require_sandbox(unsafe_local: bool) -> None:
    if not unsafe_local and not sandbox_available():
        raise SandboxUnavailableError(
            "bubblewrap (bwrap) is not installed, so untrusted submissions cannot be sandboxed",
            fix="install it (apt-get install bubblewrap), or pass --unsafe-local for local "
                "development only")


def run_competition(competition: Competition, workspace: Path, *, workers: int = 1,
                    dask_address: str | None = None, unsafe_local: bool = False,
                    progress: Progress | None = None,
                    extra_submissions: tuple[Submission, ...] = ()) -> RunSummary:
    progress = progress or NullProgress()
    require_sandbox(unsafe_local)
    workspace = Path(workspace)
    submissions = [load_submission(p) for p in competition.submissions] + list(extra_submissions)
    requests = competition.scenario_requests()
    with Store.in_workspace(workspace) as store:
        store.set_meta("competition", {"name": competition.name,
                                       "points": list(competition.points)})
        scenarios = []
        with progress.track("Generating scenarios", len(requests)) as advance:
            for request in requests:
                scenario = ensure_scenario(workspace, request)
                store.add_scenario(scenario, request.split)
                scenarios.append(scenario)
                advance(1)
        for submission in submissions:
            store.add_submission(submission)
        tasks, skipped = [], 0
        for submission in submissions:
            for scenario in scenarios:
                if scenario.point not in submission.points:
                    continue
                if store.has_run(submission.content_hash, scenario.id, HARNESS_VERSION):
                    skipped += 1
                    continue
                tasks.append(RunTask(submission, scenario.path, scenario.id, competition.limits,
                                     unsafe_local))
        statuses: dict[str, int] = {}

        def record(task: RunTask, run: StoredRun) -> None:
            if run.predictions is not None:  # before the run row: a stored run has its clues
                save_predictions(workspace, run.submission_id, run.scenario_id, run.predictions)
            store.record_run(run)
            statuses[run.status] = statuses.get(run.status, 0) + 1

        if dask_address:
            from harness.dask_executor import run_tasks_on_dask

            run_tasks_on_dask(tasks, record, address=dask_address, progress=progress)
        else:
            run_tasks(tasks, record, workers=workers, progress=progress)
    return RunSummary(scenarios=len(scenarios), submissions=len(submissions),
                      runs_done=len(tasks), runs_skipped=skipped, statuses=statuses)
