"""Re-run certificates: what every stored run records so that it can be repeated and checked.

A run's certificate is its key (submission content hash, scenario id, harness version) plus the
generator version of its scenario, the scorer version, the sandbox settings (mode and limits) and
the sha256 of its ``clues.csv``. ``arena verify`` picks a sample of stored runs, runs them again
with the recorded settings and reports whether each output is byte-identical.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

from harness.limits import Limits

__all__ = ["SCORER_VERSION", "sandbox_settings", "limits_from_settings", "VerifiedRun",
           "verify_workspace"]

# The version of the scoring rules (scoring/metrics.py). Bump it when the same predictions
# would get different numbers; `scoring.SCORER_VERSION`, once it exists, takes precedence.
_OWN_SCORER_VERSION = "1"


def _scorer_version() -> str:
    try:
        import scoring
    except ImportError:  # pragma: no cover - scoring is part of the package
        return _OWN_SCORER_VERSION
    return str(getattr(scoring, "SCORER_VERSION", _OWN_SCORER_VERSION))


SCORER_VERSION = _scorer_version()


def sandbox_settings(limits: Limits, *, unsafe: bool) -> str:
    """The sandbox settings of a run as canonical JSON (sorted keys, no spaces)."""
    return json.dumps({"mode": "unsafe" if unsafe else "bubblewrap",
                       "limits": {k: getattr(limits, k) for k in sorted(vars(limits))}},
                      sort_keys=True, separators=(",", ":"))


def limits_from_settings(settings: str) -> tuple[Limits, bool]:
    data = json.loads(settings)
    return Limits(**data["limits"]), data["mode"] == "unsafe"


@dataclass(frozen=True)
class VerifiedRun:
    """One re-run: ``identical`` when status and output bytes (sha256) are the same."""

    submission_id: str
    submission_label: str
    scenario_id: str
    stored_status: str
    status: str
    stored_sha256: str | None
    sha256: str | None
    identical: bool
    note: str = ""


def verify_workspace(workspace: Path, *, sample: int, seed: int = 0, unsafe_local: bool = False,
                     workers: int = 1, progress=None) -> tuple[list[VerifiedRun], int]:
    """Re-run a random sample (``seed``) of the stored runs of this harness version; returns the
    verified runs and the number of stored runs sampled from."""
    from harness.errors import ArenaError
    from harness.execute import RunTask, run_tasks
    from harness.store import STORE_NAME, Store
    from harness.submission import load_submission
    from harness.version import HARNESS_VERSION
    from harness.workspace import ScenarioRef

    workspace = Path(workspace)
    if not (workspace / STORE_NAME).is_file():
        raise ArenaError("no result store here", file=str(workspace / STORE_NAME),
                         fix="run `arena run COMPETITION.toml --workspace DIR` first")
    with Store.in_workspace(workspace) as store:
        rows = list(store.iter_runs(HARNESS_VERSION))
        scenario_rows = {r["id"]: r for r in (store.scenario_row(i) for i in
                                              {row["scenario_id"] for row in rows})}
    population = len(rows)
    chosen = random.Random(seed).sample(rows, min(sample, population))
    tasks, refused = [], []
    for row in chosen:
        label = f"{row['team']}/{row['submission_name']}@{row['version']}"
        note = _cannot_verify(row, unsafe_local)
        submission = None
        if not note:
            try:
                submission = load_submission(row["submission_path"])
            except ArenaError as exc:
                note = f"the submission cannot be loaded: {exc.bare_message}"
            else:
                if submission.content_hash != row["submission_id"]:
                    note = "the submission's files changed since the run (content hash differs)"
        if note:
            refused.append(VerifiedRun(row["submission_id"], label, row["scenario_id"],
                                       row["status"], "—", row["output_sha256"], None, False,
                                       note))
            continue
        limits, unsafe = limits_from_settings(row["sandbox"])
        scenario = scenario_rows[row["scenario_id"]]
        ref = ScenarioRef(
            id=scenario["id"], path=scenario["path"], point=scenario["point"],
            generator_version=scenario["generator_version"], seed=scenario["seed"],
            size=scenario["size"], difficulty=scenario["difficulty"], as_of=scenario["as_of"],
            tables_sha256=tuple(sorted(json.loads(scenario["tables_sha256"] or "{}").items())),
            labels_sha256=scenario["labels_sha256"])
        tasks.append((RunTask(submission, ref, limits, unsafe), row, label))
    results: dict[tuple[str, str], VerifiedRun] = {}

    def compare(task, run) -> None:
        row, label = by_key[(task.submission.content_hash, task.scenario.id)]
        identical = run.status == row["status"] and run.output_sha256 == row["output_sha256"]
        note = "" if identical else _difference(row, run)
        results[(row["submission_id"], row["scenario_id"])] = VerifiedRun(
            row["submission_id"], label, row["scenario_id"], row["status"], run.status,
            row["output_sha256"], run.output_sha256, identical, note)

    by_key = {(t.submission.content_hash, t.scenario.id): (row, label) for t, row, label in tasks}
    run_tasks([t for t, _, _ in tasks], compare, workers=workers, progress=progress,
              description="Re-running a sample")
    ordered = [results[(row["submission_id"], row["scenario_id"])] for _, row, _ in tasks]
    return ordered + refused, population


def _cannot_verify(row, unsafe_local: bool) -> str:
    if row["sandbox"] is None:
        return "no certificate (stored by an older harness schema)"
    if row["generator_version"] != row["scenario_generator_version"]:
        return "the scenario's generator version differs from the run's"
    from synthetic.registry import get_point

    if get_point(row["point"]).generator_version != row["generator_version"]:
        return (f"this harness generates {row['point']} with another generator version than "
                f"{row['generator_version']}")
    if row["scorer_version"] != SCORER_VERSION:
        return (f"scored by scorer version {row['scorer_version']}, this harness has "
                f"{SCORER_VERSION}")
    if json.loads(row["sandbox"])["mode"] == "unsafe" and not unsafe_local:
        return "it ran in unsafe local mode; pass --unsafe-local to re-run it that way"
    return ""


def _difference(row, run) -> str:
    if run.status != row["status"]:
        return f"status {row['status']} then {run.status}"
    return "clues.csv differs"
