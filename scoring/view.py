"""The published numbers of a board, once: the pages and the CSV/JSON exports all read this.

Every number is rounded here, to the decimals the pages show (scores 4, seconds 2, MB 1), so a
page, ``leaderboard.csv`` and ``leaderboard.json`` cannot disagree. Nothing label-derived of a
private scenario enters the view: private runs are named by point, difficulty, size and draw
(never by scenario id or seed, from which a scenario could be regenerated), and error analyses
are accepted for public runs only.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from scoring.aggregate import Board, BoardEntry
from scoring.analysis import RunAnalysis, sum_reasons
from scoring.metrics import invalid_parameter
from scoring.uncertainty import Uncertainty

__all__ = ["FORMAT_VERSION", "board_view", "sealed_view"]

FORMAT_VERSION = 1
SCORE_DECIMALS, SECONDS_DECIMALS, MB_DECIMALS = 4, 2, 1


def board_view(board: Board, uncertainty: Uncertainty, *, title: str, subtitle: str,
               generated_note: str, phase: str | None,
               analyses: Mapping[tuple[str, str], RunAnalysis]) -> dict[str, Any]:
    """The JSON-ready view of a revealed (or public) board."""
    func = "board_view"
    private_runs = {(e.submission_id, r.scenario_id) for e in board.entries for r in e.runs
                    if r.split != "public"}
    for key in analyses:
        if board.split != "public" or key in private_runs:
            raise invalid_parameter(func, "analyses", "analyses of public runs only", key,
                                    got_text=f"an analysis of the {board.split} run {key!r}")
    scenarios = {s.scenario_id: s for s in board.scenarios}
    pages = _pages(board)
    entries = [_entry(e, board, uncertainty, scenarios, pages, analyses) for e in board.entries]
    return {
        "format_version": FORMAT_VERSION,
        "competition": title,
        "subtitle": subtitle,
        "generated_by": generated_note,
        "phase": phase,
        "board": board.split,
        "revealed": True,
        "points": list(board.points),
        "difficulties": list(board.difficulties),
        "unsafe": board.unsafe,
        "scenarios": _scenario_counts(board),
        "bootstrap": {"resamples": uncertainty.resamples, "seed": uncertainty.seed,
                      "level": uncertainty.level, "draws": uncertainty.draws},
        "entries": entries,
    }


def sealed_view(board: Board, *, title: str, subtitle: str, generated_note: str,
                phase: str | None) -> dict[str, Any]:
    """The view of a sealed private board: submissions and run statuses, no score, no rank."""
    entries = sorted(board.entries, key=lambda e: (e.team, e.submission_name, e.version,
                                                   e.submission_id))
    return {
        "format_version": FORMAT_VERSION,
        "competition": title,
        "subtitle": subtitle,
        "generated_by": generated_note,
        "phase": phase,
        "board": board.split,
        "revealed": False,
        "points": list(board.points),
        "unsafe": board.unsafe,
        "scenarios": _scenario_counts(board),
        "entries": [{"team": e.team, "submission": e.submission_name, "version": e.version,
                     "submission_id": e.submission_id, "baseline": e.baseline,
                     "unsafe": e.unsafe, "runs": len(e.runs), "statuses": dict(e.statuses)}
                    for e in entries],
    }


def _pages(board: Board) -> dict[str, str]:
    """``submission-<first 12 characters of the id>.html``, longer only on a collision."""
    pages: dict[str, str] = {}
    for entry in board.entries:
        width = 12
        name = f"submission-{entry.submission_id[:width]}.html"
        while name in pages.values() and width < len(entry.submission_id):
            width += 4
            name = f"submission-{entry.submission_id[:width]}.html"
        pages[entry.submission_id] = name
    return pages


def _scenario_counts(board: Board) -> dict[str, int]:
    counts = {p: 0 for p in board.points}
    for scenario in board.scenarios:
        counts[scenario.point] += 1
    return counts


def _entry(entry: BoardEntry, board: Board, uncertainty: Uncertainty, scenarios: dict,
           pages: dict[str, str], analyses: Mapping) -> dict[str, Any]:
    interval = uncertainty.overall.get(entry.submission_id)
    rank_range = uncertainty.rank_range.get(entry.submission_id)
    per_point = {}
    for point in board.points:
        score = entry.per_point[point]
        point_interval = uncertainty.per_point.get(point, {}).get(entry.submission_id)
        point_runs = [r for r in entry.runs if r.point == point]
        per_point[point] = {
            "covered": score.covered,
            "rank": score.rank,
            "f1": _score(score.f1),
            "low": _score(point_interval.low) if point_interval else None,
            "high": _score(point_interval.high) if point_interval else None,
            "separable": point_interval.separable if point_interval else None,
            "leader": point_interval.leader if point_interval else None,
            "reason_f1": _score(score.reason_f1),
            "by_difficulty": {d: _score(v) for d, v in score.by_difficulty.items()},
            "runs": score.runs,
            "ok_runs": score.ok_runs,
            "statuses": dict(score.statuses),
            "mean_wall_s": _mean_seconds(point_runs),
        }
    runs, run_analyses = [], []
    order = {scenario_id: i for i, scenario_id in enumerate(scenarios)}
    for run in sorted(entry.runs, key=lambda r: order[r.scenario_id]):
        scenario = scenarios[run.scenario_id]
        public = run.split == "public"
        analysis = analyses.get((entry.submission_id, run.scenario_id)) if public else None
        if analysis is not None:
            run_analyses.append(analysis)
        runs.append({
            "scenario": run.scenario_id if public else
            f"{run.point}/{run.difficulty}/{run.size} #{scenario.draw + 1}",
            "point": run.point, "difficulty": run.difficulty, "size": run.size,
            "draw": scenario.draw + 1, "status": run.status,
            "precision": _score(run.precision), "recall": _score(run.recall),
            "f1": _score(run.f1), "reason_f1": _score(run.reason_f1),
            "average_precision": _score(run.average_precision),
            "wall_s": _round(run.wall_s, SECONDS_DECIMALS),
            "cpu_s": _round(run.cpu_s, SECONDS_DECIMALS),
            "peak_memory_mb": _round(run.peak_memory_mb, MB_DECIMALS),
            "stderr_tail": run.stderr_tail if not run.ok else "",
            "unsafe": run.unsafe,
            "analysis": _analysis(analysis) if analysis is not None else None,
        })
    return {
        "rank": entry.rank,
        "rank_best": rank_range[0] if rank_range else None,
        "rank_worst": rank_range[1] if rank_range else None,
        "submission_id": entry.submission_id,
        "page": pages[entry.submission_id],
        "team": entry.team,
        "submission": entry.submission_name,
        "version": entry.version,
        "baseline": entry.baseline,
        "unsafe": entry.unsafe,
        "covered_points": [p for p in board.points if entry.per_point[p].covered],
        "overall": _score(entry.overall),
        "low": _score(interval.low) if interval else None,
        "high": _score(interval.high) if interval else None,
        "separable": interval.separable if interval else None,
        "leader": interval.leader if interval else None,
        "reason_f1": _score(entry.reason_f1),
        "mean_wall_s": _mean_seconds(entry.runs),
        "runs_total": len(entry.runs),
        "statuses": dict(entry.statuses),
        "points": per_point,
        "reasons": [_reason(c) for c in sum_reasons(run_analyses)] if run_analyses else None,
        "runs": runs,
    }


def _analysis(analysis: RunAnalysis) -> dict[str, Any]:
    return {
        "missed_count": analysis.missed_count,
        "missed": [{"record_id": r, "reasons": list(reasons)} for r, reasons in analysis.missed],
        "false_alarm_count": analysis.false_alarm_count,
        "false_alarms": [{"record_id": r, "reasons": list(reasons)}
                         for r, reasons in analysis.false_alarms],
        "limit": analysis.limit,
        "reasons": [_reason(c) for c in analysis.reasons],
    }


def _reason(counts) -> dict[str, Any]:
    return {"reason": counts.reason, "tp": counts.tp, "fp": counts.fp, "fn": counts.fn,
            "precision": _score(counts.precision), "recall": _score(counts.recall),
            "f1": _score(counts.f1)}


def _mean_seconds(runs) -> float | None:
    walls = [r.wall_s for r in runs if r.wall_s is not None]
    return _round(math.fsum(walls) / len(walls), SECONDS_DECIMALS) if walls else None


def _score(value: float | None) -> float | None:
    return _round(value, SCORE_DECIMALS)


def _round(value: float | None, decimals: int) -> float | None:
    return None if value is None else round(float(value), decimals) + 0.0
