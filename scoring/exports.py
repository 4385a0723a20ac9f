"""``leaderboard.csv`` and ``leaderboard.json``: the pages' numbers, for spreadsheets and scripts.

Both are written from the same view as the pages (:mod:`scoring.view`), so they hold exactly the
numbers shown, with the same rounding. The JSON file is the whole view (``format_version`` 1);
the CSV file has one row per submission of the overall board (for a sealed private board: the
submissions and their run statuses only).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

__all__ = ["CSV_NAME", "JSON_NAME", "csv_text", "write_exports"]

CSV_NAME = "leaderboard.csv"
JSON_NAME = "leaderboard.json"


def write_exports(view: dict[str, Any], out_dir: Path) -> tuple[Path, Path]:
    """Write both files into ``out_dir``; returns their paths (CSV, JSON)."""
    csv_path, json_path = Path(out_dir) / CSV_NAME, Path(out_dir) / JSON_NAME
    csv_path.write_text(csv_text(view), encoding="utf-8", newline="")
    json_path.write_text(json.dumps(view, ensure_ascii=False, separators=(",", ":")) + "\n",
                         encoding="utf-8")
    return csv_path, json_path


def csv_text(view: dict[str, Any]) -> str:
    """The CSV text of a view (UTF-8 with a BOM-less header; ``''`` for a missing value)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if not view["revealed"]:
        writer.writerow(["team", "submission", "version", "submission_id", "baseline", "runs",
                         "statuses"])
        for entry in view["entries"]:
            writer.writerow([entry["team"], entry["submission"], entry["version"],
                             entry["submission_id"], _cell(entry["baseline"]), entry["runs"],
                             _statuses(entry["statuses"])])
        return buffer.getvalue()
    header = ["rank", "rank_best", "rank_worst", "team", "submission", "version",
              "submission_id", "baseline", "overall", "overall_low", "overall_high",
              "separable_from_leader", "reason_f1", "mean_wall_s", "runs", "statuses"]
    for point in view["points"]:
        header += [f"{point}_rank", f"{point}_f1", f"{point}_low", f"{point}_high",
                   f"{point}_separable_from_leader", f"{point}_reason_f1", f"{point}_covered"]
    writer.writerow(header)
    for e in view["entries"]:
        row = [e["rank"], e["rank_best"], e["rank_worst"], e["team"], e["submission"],
               e["version"], e["submission_id"], e["baseline"], e["overall"], e["low"],
               e["high"], e["separable"], e["reason_f1"], e["mean_wall_s"], e["runs_total"],
               _statuses(e["statuses"])]
        for point in view["points"]:
            p = e["points"][point]
            row += [p["rank"], p["f1"], p["low"], p["high"], p["separable"], p["reason_f1"],
                    p["covered"]]
        writer.writerow([_cell(value) for value in row])
    return buffer.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _statuses(statuses: dict[str, int]) -> str:
    return ";".join(f"{status}={count}" for status, count in statuses.items())
