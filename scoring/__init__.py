"""Scoring: per-run metrics, aggregation into leaderboards and static leaderboard pages.

``score_run`` turns one run's clues into :class:`RunMetrics`; stored runs become
:class:`RunRecord` values; ``build_board`` aggregates them into a ranked :class:`Board` for one
split; ``render_leaderboard`` writes it as one self-contained HTML page. See ``docs/scoring.md``.
"""

from scoring.aggregate import MISSING, Board, BoardEntry, PointScore, build_board
from scoring.leaderboard import render_leaderboard
from scoring.metrics import (InvalidParameterError, RunMetrics, UndefinedMetricWarning,
                             score_run)
from scoring.ranking import competition_ranks
from scoring.records import RUN_STATUSES, SPLITS, RunRecord

__all__ = ["MISSING", "RUN_STATUSES", "SPLITS", "Board", "BoardEntry", "InvalidParameterError",
           "PointScore", "RunMetrics", "RunRecord", "UndefinedMetricWarning", "build_board",
           "competition_ranks", "render_leaderboard", "score_run"]
