"""How sure is a ranking? A paired bootstrap over scenarios and rank ranges over draws.

**Paired bootstrap.** A board's overall score is a mean over points of a mean over each point's
scenarios of the scored run F1 (0 for a run that is not ``ok``, a missing run or a point not
covered). One bootstrap resample draws, *for each point separately*, as many of that point's
scenarios as it has, with replacement (a stratified resample: every point keeps its weight), and
recomputes every submission's point and overall scores on it. The same resample is used for every
submission (paired), so what two submissions share — an easy or a hard scenario — cancels out in
their difference. With ``resamples`` resamples from ``numpy.random.default_rng(seed)``:

* the **95% interval** of a score is the 2.5th and 97.5th percentile of its resampled values;
* an entry is **separable from the leader** when, for every entry ranked 1, the leader's resampled
  score minus the entry's is positive (> 0) in at least 95% of the resamples (a one-sided paired
  bootstrap test at the 5% level). Entries ranked 1 are the leaders and never separable.

Per point the same resamples give an interval and a separability flag against the point's
leaders.

**Rank ranges over draws.** When every (point, size, difficulty) group of the split has at least
two scenarios, draw *k* (the *k*-th scenario of each group by seed, see
:class:`scoring.aggregate.BoardScenario`) is a complete copy of the suite. Each entry's overall
score and competition rank are computed on each draw alone; the range is the best and worst rank.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np

from scoring.aggregate import Board
from scoring.metrics import invalid_parameter
from scoring.ranking import competition_ranks

__all__ = ["DEFAULT_RESAMPLES", "DEFAULT_SEED", "Interval", "Uncertainty", "assess_board"]

DEFAULT_RESAMPLES = 1000
DEFAULT_SEED = 0
LEVEL = 0.95


@dataclass(frozen=True)
class Interval:
    """A bootstrap interval and whether the score is separable from its board's leader."""

    low: float
    high: float
    separable: bool
    leader: bool


@dataclass(frozen=True)
class Uncertainty:
    """The uncertainty of one board (keyed by submission id).

    ``overall`` and ``per_point[point]`` give an :class:`Interval` per submission. ``rank_range``
    gives (best, worst) rank over ``draws`` draws, and is empty when the board has fewer than two.
    """

    resamples: int
    seed: int
    level: float
    overall: dict[str, Interval]
    per_point: dict[str, dict[str, Interval]]
    draws: int
    rank_range: dict[str, tuple[int, int]]


def assess_board(board: Board, *, resamples: int = DEFAULT_RESAMPLES,
                 seed: int = DEFAULT_SEED) -> Uncertainty:
    """Bootstrap intervals, separability from the leader and rank ranges for ``board``."""
    func = "assess_board"
    if not isinstance(board, Board):
        raise invalid_parameter(func, "board", "a Board", board, got_text=type(board).__name__)
    if isinstance(resamples, bool) or not isinstance(resamples, Integral) or resamples < 1:
        raise invalid_parameter(func, "resamples", "a positive int", resamples)
    if isinstance(seed, bool) or not isinstance(seed, Integral) or seed < 0:
        raise invalid_parameter(func, "seed", "a non-negative int", seed)
    resamples, seed = int(resamples), int(seed)
    entries = board.entries
    ids = [e.submission_id for e in entries]
    if not entries:
        return Uncertainty(resamples, seed, LEVEL, {}, {p: {} for p in board.points}, 0, {})

    matrix = _score_matrix(board)                       # point -> (entries, scenarios)
    rng = np.random.default_rng(seed)
    point_samples = {}
    for point in board.points:                          # point -> (resamples, entries)
        scores = matrix[point]
        n = scores.shape[1]
        if n == 0:
            point_samples[point] = np.zeros((resamples, len(entries)))
            continue
        picks = rng.integers(0, n, size=(resamples, n))
        offsets = (np.arange(resamples)[:, None] * n + picks).ravel()
        counts = np.bincount(offsets, minlength=resamples * n).reshape(resamples, n)
        point_samples[point] = counts @ scores.T / n
    overall_samples = sum(point_samples.values()) / len(board.points)

    overall = _intervals(overall_samples, [e.rank for e in entries], ids)
    per_point = {p: _intervals(point_samples[p], [e.per_point[p].rank for e in entries], ids)
                 for p in board.points}
    draws, rank_range = _rank_ranges(board, matrix)
    return Uncertainty(resamples=resamples, seed=seed, level=LEVEL, overall=overall,
                       per_point=per_point, draws=draws, rank_range=rank_range)


def _score_matrix(board: Board) -> dict[str, np.ndarray]:
    """Per point, the scored F1 of each entry (rows, board order) on each scenario (columns)."""
    columns = defaultdict(dict)
    for scenario in board.scenarios:
        columns[scenario.point][scenario.scenario_id] = len(columns[scenario.point])
    matrix = {p: np.zeros((len(board.entries), len(columns[p]))) for p in board.points}
    for row, entry in enumerate(board.entries):
        for run in entry.runs:
            if entry.per_point[run.point].covered and run.scenario_id in columns[run.point]:
                matrix[run.point][row, columns[run.point][run.scenario_id]] = run.scored_f1
    return matrix


def _intervals(samples: np.ndarray, ranks: list[int], ids: list[str]) -> dict[str, Interval]:
    tail = (1.0 - LEVEL) / 2 * 100
    low, high = np.percentile(samples, [tail, 100 - tail], axis=0)
    leaders = [i for i, rank in enumerate(ranks) if rank == 1]
    out = {}
    for i, submission_id in enumerate(ids):
        leader = i in leaders
        separable = not leader and all(
            float(np.mean(samples[:, j] - samples[:, i] > 0)) >= LEVEL for j in leaders)
        out[submission_id] = Interval(low=_clean(low[i]), high=_clean(high[i]),
                                      separable=separable, leader=leader)
    return out


def _rank_ranges(board: Board, matrix: dict[str, np.ndarray]) -> tuple[int, dict]:
    groups: dict[tuple, int] = defaultdict(int)
    for scenario in board.scenarios:
        groups[(scenario.point, scenario.difficulty, scenario.size)] += 1
    draws = min(groups.values()) if groups else 0
    if draws < 2:
        return 0, {}
    position = {p: {} for p in board.points}
    for scenario in board.scenarios:
        position[scenario.point][scenario.scenario_id] = len(position[scenario.point])
    per_draw_ranks = []
    for draw in range(draws):
        total = np.zeros(len(board.entries))
        for point in board.points:
            cols = [position[point][s.scenario_id] for s in board.scenarios
                    if s.point == point and s.draw == draw]
            if cols:
                total += matrix[point][:, cols].mean(axis=1)
        per_draw_ranks.append(competition_ranks([float(x) for x in total / len(board.points)]))
    ranks = np.array(per_draw_ranks)
    return draws, {e.submission_id: (int(ranks[:, i].min()), int(ranks[:, i].max()))
                   for i, e in enumerate(board.entries)}


def _clean(value: Real) -> float:
    """A float in [0, 1] without the -0.0 and 1e-17 noise of sums of floats."""
    return min(max(round(float(value), 12), 0.0), 1.0) + 0.0
