"""Run a whole competition into a workspace: generate, run what is missing, store.

Re-running the same competition is cheap: scenarios already generated are reused (after their
hashes are checked) and runs already stored (same submission hash, scenario id and harness
version) are skipped. The submissions are the competition file's plus every one taken in by
``arena submit``. One ``arena run`` per workspace at a time (a lock the kernel drops when the
process dies), so a resumed run never races a live one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from harness.competition import Competition
from harness.errors import SandboxUnavailableError, StoreError
from harness.execute import RunTask, run_tasks
from harness.progress import NullProgress, Progress
from harness.sandbox import sandbox_available
from harness.store import Store, StoredRun
from harness.submission import Submission, load_submission
from harness.version import HARNESS_VERSION
from harness.workspace import (ScenarioRef, clean_partials, ensure_scenario, run_lock,
                               save_predictions, sha256_file)


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


def remember_competition(store: Store, competition: Competition) -> None:
    """Keep what `arena submit` and `arena status` need: the file's text (never a secret: it
    names the variable only) and the scenario list (ids of private scenarios, not their seeds)."""
    store.set_meta("competition", {"name": competition.name, "points": list(competition.points)})
    store.set_meta("competition_source", {"path": str(competition.path.resolve()),
                                          "text": competition.source})


def intake_submissions(store: Store) -> list[Submission]:
    """The submissions taken in by `arena submit`, loaded from their read-only copies."""
    out = []
    for row in store.intake_rows():
        submission = load_submission(row["path"])
        if submission.content_hash != row["submission_id"]:
            raise StoreError("a submission taken in by `arena submit` was modified",
                             file=row["path"],
                             fix="restore it, or remove it from the workspace and submit again")
        out.append(submission)
    return out


def run_competition(competition: Competition, workspace: Path, *, workers: int = 1,
                    dask_address: str | None = None, unsafe_local: bool = False,
                    progress: Progress | None = None,
                    extra_submissions: tuple[Submission, ...] = ()) -> RunSummary:
    progress = progress or NullProgress()
    require_sandbox(unsafe_local)
    workspace = Path(workspace).resolve()
    listed = [load_submission(p) for p in competition.submissions] + list(extra_submissions)
    requests = competition.scenario_requests()
    with run_lock(workspace), Store.in_workspace(workspace) as store:
        clean_partials(workspace)
        remember_competition(store, competition)
        store.set_meta("scenarios", [{"id": i, "point": p, "split": s}
                                     for i, p, s in competition.scenario_ids()])
        submissions: dict[str, Submission] = {}
        for submission in listed + intake_submissions(store):
            submissions.setdefault(submission.content_hash, submission)
        refs: dict[str, ScenarioRef] = {}
        with progress.track("Generating scenarios", len(requests)) as advance:
            for request in requests:
                scenario = ensure_scenario(workspace, request)
                labels = sha256_file(scenario.labels_path)
                known = store.scenario_row(scenario.id)
                if known is not None and known["labels_sha256"] not in (None, labels):
                    raise StoreError("the scenario's labels differ from the ones stored with "
                                     "its runs", file=str(scenario.labels_path),
                                     fix=f"remove {scenario.path} and run again to regenerate it")
                store.add_scenario(scenario, request.split, labels_sha256=labels)
                refs.setdefault(scenario.id, ScenarioRef.of(scenario, labels_sha256=labels))
                advance(1)
        for submission in submissions.values():
            store.add_submission(submission)
        done = store.stored_keys(HARNESS_VERSION)
        tasks, skipped = [], 0
        for submission in submissions.values():
            for ref in refs.values():
                if ref.point not in submission.points:
                    continue
                if (submission.content_hash, ref.id) in done:
                    skipped += 1
                    continue
                tasks.append(RunTask(submission, ref, competition.limits, unsafe_local))
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
    return RunSummary(scenarios=len(refs), submissions=len(submissions),
                      runs_done=len(tasks), runs_skipped=skipped, statuses=statuses)


@dataclass(frozen=True)
class SubmissionProgress:
    """One line of ``arena status``: runs done of expected, statuses, mean F1 so far (a run that
    did not end ok counts 0, as on the boards; runs without labels are not averaged)."""

    submission_id: str
    label: str
    language: str
    done: int
    expected: int
    statuses: dict[str, int]
    mean_f1: float | None

    def as_dict(self) -> dict:
        return {"submission": self.label, "submission_id": self.submission_id,
                "language": self.language, "done": self.done, "expected": self.expected,
                "statuses": dict(self.statuses), "mean_f1": self.mean_f1}


def workspace_status(workspace: Path) -> list[SubmissionProgress]:
    """Progress per submission of the workspace's competition (this harness version)."""
    import json

    from harness.errors import ArenaError
    from harness.store import STORE_NAME

    store_path = Path(workspace) / STORE_NAME
    if not store_path.is_file():
        raise ArenaError("no result store here", file=str(store_path), field="--workspace",
                         fix="run `arena run COMPETITION.toml --workspace DIR` first")
    with Store(store_path) as store:
        scenarios = store.get_meta("scenarios") or []
        expected_ids = {s["id"]: s["point"] for s in scenarios}
        runs: dict[str, list] = {}
        for row in store.iter_runs(HARNESS_VERSION):
            if row["scenario_id"] in expected_ids:
                runs.setdefault(row["submission_id"], []).append(row)
        out = []
        for sub in store.submission_rows():
            points = set(json.loads(sub["points"]))
            expected = sum(1 for p in expected_ids.values() if p in points)
            rows = runs.get(sub["id"], [])
            statuses: dict[str, int] = {}
            scores = []
            for row in rows:
                statuses[row["status"]] = statuses.get(row["status"], 0) + 1
                if row["status"] != "ok":
                    scores.append(0.0)
                elif row["f1"] is not None:
                    scores.append(row["f1"])
            out.append(SubmissionProgress(
                submission_id=sub["id"], label=f"{sub['team']}/{sub['name']}@{sub['version']}",
                language=sub["language"], done=len(rows), expected=expected, statuses=statuses,
                mean_f1=sum(scores) / len(scores) if scores else None))
    return out
