"""From the store to the published leaderboard pages.

The store gives the runs (:func:`records_from_store`); the workspace gives, for *public* runs
only, each run's parsed clues (``outputs/<scenario>/<submission>.parquet``) and the scenario's
labels, from which the error analysis is computed (:func:`public_analyses`). Private labels are
never read here.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path

from harness.errors import ArenaError
from harness.store import STORE_NAME, Store
from harness.version import HARNESS_VERSION

__all__ = ["public_analyses", "records_from_store", "render_workspace_board",
           "scenario_locations"]


def records_from_store(store: Store) -> list:
    """Every run of this harness version in ``store`` as a :class:`scoring.RunRecord`."""
    from scoring import RunRecord

    records = []
    for row in store.iter_runs(HARNESS_VERSION):
        keys = row.keys()
        records.append(RunRecord(
            submission_id=row["submission_id"], team=row["team"],
            submission_name=row["submission_name"], version=row["version"],
            baseline=bool(row["baseline"]), covered_points=tuple(json.loads(row["covered_points"])),
            point=row["point"], scenario_id=row["scenario_id"], split=row["split"],
            difficulty=row["difficulty"], seed=row["seed"], size=row["size"],
            status=row["status"], precision=row["precision"], recall=row["recall"],
            f1=row["f1"], reason_f1=row["reason_f1"], wall_s=row["wall_s"], cpu_s=row["cpu_s"],
            peak_memory_mb=row["peak_memory_mb"], stderr_tail=row["stderr_tail"],
            unsafe=bool(row["unsafe"]),
            average_precision=row["average_precision"] if "average_precision" in keys
            else None))
    return records


def scenario_locations(workspace: Path) -> dict[str, tuple[Path, str]]:
    """Scenario id -> (directory, split), read from the store's ``scenarios`` table.

    The store is opened read-only. A directory recorded under another path (a moved
    workspace) is looked up under ``WORKSPACE/scenarios/<id>``.
    """
    workspace = Path(workspace)
    uri = f"{(workspace / STORE_NAME).resolve().as_uri()}?mode=ro"
    with closing(sqlite3.connect(uri, uri=True)) as db:
        rows = db.execute("SELECT id, path, split FROM scenarios").fetchall()
    out = {}
    for scenario_id, path, split in rows:
        location = Path(path)
        if not (location / "scenario.json").is_file():
            location = workspace / "scenarios" / scenario_id
        out[scenario_id] = (location, split)
    return out


def public_analyses(workspace: Path, records: list, *, limit: int | None = None) -> dict:
    """(submission id, scenario id) -> :class:`scoring.RunAnalysis` of every public ``ok`` run
    whose clues are kept in the workspace. Runs of private scenarios are never analysed."""
    import pandas as pd

    from harness.workspace import predictions_path
    from scoring.analysis import DEFAULT_LIST_LIMIT, analyze_run
    from synthetic.scenario import load_scenario

    locations = scenario_locations(workspace)
    labels_cache: dict[str, tuple] = {}
    analyses = {}
    for record in records:
        if record.split != "public" or not record.ok:
            continue
        location, split = locations.get(record.scenario_id, (None, "private"))
        if location is None or split != "public":  # the store's split decides, never the run's
            continue
        clues = predictions_path(workspace, record.submission_id, record.scenario_id)
        if not clues.is_file() or not (location / "scenario.json").is_file():
            continue
        if record.scenario_id not in labels_cache:
            scenario = load_scenario(location)
            labels_cache[record.scenario_id] = (scenario.read_labels().to_pandas(),
                                                scenario.manifest["reason_codes"])
        labels, codes = labels_cache[record.scenario_id]
        analyses[(record.submission_id, record.scenario_id)] = analyze_run(
            labels, pd.read_parquet(clues), reason_codes=codes,
            limit=DEFAULT_LIST_LIMIT if limit is None else limit)
    return analyses


def render_workspace_board(workspace: Path, out: Path, *, split: str = "public",
                           reveal: bool = False, resamples: int | None = None,
                           seed: int | None = None, phase: str | None = None) -> Path:
    """Render the ``split`` leaderboard site of a workspace into ``out``; returns ``index.html``.

    The private board is sealed (statuses only) unless ``reveal`` is true; ``reveal`` is
    accepted for the private board only. ``phase`` is shown on the pages; without it, the
    store's ``phase`` metadata is, when it holds a string.
    """
    from scoring import assess_board, build_board, render_leaderboard
    from scoring.uncertainty import DEFAULT_RESAMPLES, DEFAULT_SEED
    from synthetic.registry import get_point

    workspace = Path(workspace)
    if reveal and split != "private":
        raise ArenaError("--reveal applies to the private board only", field="--reveal",
                         fix="use `--board private --reveal`, or drop --reveal")
    if not (workspace / STORE_NAME).is_file():
        raise ArenaError("no result store here", file=str(workspace / STORE_NAME),
                         fix="run `arena run COMPETITION.toml --workspace DIR` first")
    with Store.in_workspace(workspace) as store:
        meta = store.get_meta("competition")
        if not meta:
            raise ArenaError("the store holds no competition", file=str(workspace / STORE_NAME),
                             fix="run `arena run COMPETITION.toml --workspace DIR` first")
        stored_phase = store.get_meta("phase")
        records = records_from_store(store)
    board = build_board(records, points=meta["points"], split=split)
    titles = {}
    for point in board.points:
        spec = get_point(point)
        titles[point] = (spec.title_zh, spec.title_en)
    revealed = split == "public" or reveal
    uncertainty = analyses = None
    if revealed:
        uncertainty = assess_board(board, resamples=resamples or DEFAULT_RESAMPLES,
                                   seed=DEFAULT_SEED if seed is None else seed)
        analyses = public_analyses(workspace, records) if split == "public" else {}
    return render_leaderboard(board, Path(out), title=meta["name"], subtitle="",
                              generated_note=f"supervision-arena {HARNESS_VERSION}",
                              point_titles=titles, uncertainty=uncertainty, analyses=analyses,
                              revealed=revealed,
                              phase=phase if phase is not None else (
                                  stored_phase if isinstance(stored_phase, str) else None))
