"""Scoring: per-run metrics, aggregation into leaderboards, uncertainty and static sites.

``score_run`` turns one run's clues into :class:`RunMetrics`; stored runs become
:class:`RunRecord` values; ``build_board`` aggregates them into a ranked :class:`Board` for one
split; ``assess_board`` adds bootstrap intervals and rank ranges over draws; ``analyze_run``
compares a public run with its labels; ``render_leaderboard`` writes the static site and its
CSV/JSON exports. See ``docs/scoring.md`` and ``docs/leaderboards.md``.
"""

from scoring.aggregate import MISSING, Board, BoardEntry, BoardScenario, PointScore, build_board
from scoring.analysis import ReasonCounts, RunAnalysis, analyze_run
from scoring.leaderboard import render_leaderboard
from scoring.metrics import (InvalidParameterError, RunMetrics, UndefinedMetricWarning,
                             score_run)
from scoring.ranking import competition_ranks
from scoring.records import RUN_STATUSES, SPLITS, RunRecord
from scoring.uncertainty import Interval, Uncertainty, assess_board

__all__ = ["MISSING", "RUN_STATUSES", "SPLITS", "Board", "BoardEntry", "BoardScenario",
           "Interval", "InvalidParameterError", "PointScore", "ReasonCounts", "RunAnalysis",
           "RunMetrics", "RunRecord", "Uncertainty", "UndefinedMetricWarning", "analyze_run",
           "assess_board", "build_board", "competition_ranks", "render_leaderboard",
           "score_run"]
