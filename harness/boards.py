"""From the store to the published leaderboard pages."""

from __future__ import annotations

import json
from pathlib import Path

from harness.errors import ArenaError
from harness.store import STORE_NAME, Store
from harness.version import HARNESS_VERSION


def records_from_store(store: Store) -> list:
    from scoring import RunRecord

    records = []
    for row in store.iter_runs(HARNESS_VERSION):
        records.append(RunRecord(
            submission_id=row["submission_id"], team=row["team"],
            submission_name=row["submission_name"], version=row["version"],
            baseline=bool(row["baseline"]), covered_points=tuple(json.loads(row["covered_points"])),
            point=row["point"], scenario_id=row["scenario_id"], split=row["split"],
            difficulty=row["difficulty"], seed=row["seed"], size=row["size"],
            status=row["status"], precision=row["precision"], recall=row["recall"],
            f1=row["f1"], reason_f1=row["reason_f1"], wall_s=row["wall_s"], cpu_s=row["cpu_s"],
            peak_memory_mb=row["peak_memory_mb"], stderr_tail=row["stderr_tail"],
            unsafe=bool(row["unsafe"])))
    return records


def render_workspace_board(workspace: Path, out: Path, *, split: str = "public") -> Path:
    """Render the ``split`` leaderboard of a workspace into ``out``; returns the page path."""
    from scoring import build_board, render_leaderboard

    workspace = Path(workspace)
    if not (workspace / STORE_NAME).is_file():
        raise ArenaError("no result store here", file=str(workspace / STORE_NAME),
                         fix="run `arena run COMPETITION.toml --workspace DIR` first")
    with Store.in_workspace(workspace) as store:
        meta = store.get_meta("competition")
        if not meta:
            raise ArenaError("the store holds no competition", file=str(workspace / STORE_NAME),
                             fix="run `arena run COMPETITION.toml --workspace DIR` first")
        records = records_from_store(store)
    board = build_board(records, points=meta["points"], split=split)
    split_name = {"public": "公开榜 Public board", "private": "私有榜 Private board"}[split]
    return render_leaderboard(board, Path(out), title=meta["name"], subtitle=split_name,
                              generated_note=f"supervision-arena {HARNESS_VERSION}")
