"""From stored runs to a leaderboard (CONTRACT 6, per point and overall).

For one split (``public`` or ``private``):

* the **scenarios of a point** are every scenario of that point that any run of the split used;
* a submission's **point score** is the mean, over those scenarios, of its run F1, where a run
  that did not end ``ok`` scores 0 (and keeps its status for display) and a scenario it has no
  run for scores 0 (status ``missing``); a point the submission does not cover scores 0 and is
  shown as not covered;
* its **overall score** is the mean of its point scores over the competition's points;
* the mean reason F1 is computed the same way, and point scores per difficulty for display;
* **ranks** are standard competition ranks (:func:`scoring.ranking.competition_ranks`).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from scoring.metrics import invalid_parameter
from scoring.ranking import competition_ranks
from scoring.records import RUN_STATUSES, SPLITS, RunRecord

__all__ = ["MISSING", "Board", "BoardEntry", "BoardScenario", "PointScore", "build_board"]

MISSING = "missing"  # the status shown for a scenario a covered point has no run for
STATUS_ORDER = (*RUN_STATUSES, MISSING)
_DIFFICULTY_ORDER = ("easy", "standard", "hard")


@dataclass(frozen=True)
class PointScore:
    """A submission's score on one point.

    ``runs`` is the number of scenarios the mean is over (stored runs plus missing ones),
    ``ok_runs`` how many of them ended ``ok``; ``statuses`` counts them by status (``missing``
    included), ``by_difficulty`` gives the mean F1 per difficulty. ``covered`` is False for a
    point the submission does not cover (all zeros). ``rank`` is the rank within the point.
    """

    f1: float
    reason_f1: float
    runs: int
    ok_runs: int
    statuses: dict[str, int]
    by_difficulty: dict[str, float]
    covered: bool = True
    rank: int = 0


@dataclass(frozen=True)
class BoardEntry:
    """One submission's line on a board; ``runs`` are its runs of the board's split."""

    rank: int
    submission_id: str
    team: str
    submission_name: str
    version: str
    baseline: bool
    overall: float
    reason_f1: float
    per_point: dict[str, PointScore]
    unsafe: bool
    runs: tuple[RunRecord, ...]

    @property
    def statuses(self) -> dict[str, int]:
        """Run counts by status over every point, in display order."""
        total: Counter[str] = Counter()
        for score in self.per_point.values():
            total.update(score.statuses)
        return {status: total[status] for status in STATUS_ORDER if total[status]}


@dataclass(frozen=True)
class BoardScenario:
    """One scenario of a board's split, as any run of the split used it.

    ``draw`` numbers the scenarios of one (point, size, difficulty) group from 0, ordered by
    seed then id: draw *k* of every group together form one complete copy of the suite (for a
    private suite, one secret seed index; see ``docs/leaderboards.md``).
    """

    point: str
    scenario_id: str
    difficulty: str
    size: int
    seed: int
    draw: int


@dataclass(frozen=True)
class Board:
    """A leaderboard of one split.

    Entries are sorted by rank; within a shared rank, entries with more ``ok`` runs come first,
    then by team and submission name. ``scenarios`` lists the split's scenarios (point order,
    then difficulty, size, draw).
    """

    split: str
    points: tuple[str, ...]
    entries: tuple[BoardEntry, ...]
    scenarios: tuple[BoardScenario, ...] = ()

    @property
    def unsafe(self) -> bool:
        """True when any run on the board used the unsafe local mode (not sandboxed)."""
        return any(entry.unsafe for entry in self.entries)

    @property
    def difficulties(self) -> tuple[str, ...]:
        """Every difficulty on the board: easy, standard, hard first, then others sorted."""
        seen = {run.difficulty for entry in self.entries for run in entry.runs}
        return _ordered_difficulties(seen)

    def point_entries(self, point: str) -> list[BoardEntry]:
        """The entries ranked by their score on ``point``."""
        if point not in self.points:
            raise invalid_parameter("Board.point_entries", "point",
                                    f"one of {', '.join(self.points)}", point)
        return sorted(self.entries, key=lambda e: (e.per_point[point].rank,
                                                   -e.per_point[point].ok_runs, *_name_key(e)))


def build_board(records: Iterable[RunRecord], *, points: Sequence[str], split: str) -> Board:
    """Aggregate the runs of ``split`` into a ranked :class:`Board` over ``points``.

    Records of the other split are ignored. Every record of ``split`` must be of one of
    ``points``, and there must be at most one run per submission and scenario.
    """
    func = "build_board"
    if split not in SPLITS:
        raise invalid_parameter(func, "split", f"one of {', '.join(SPLITS)}", split)
    if (isinstance(points, (str, bytes)) or not isinstance(points, Sequence) or not points
            or not all(isinstance(p, str) and p for p in points)
            or len(set(points)) != len(points)):
        raise invalid_parameter(func, "points", "a non-empty sequence of distinct point names",
                                points)
    points = tuple(points)

    runs: dict[str, list[RunRecord]] = defaultdict(list)
    first: dict[str, RunRecord] = {}
    scenarios: dict[str, dict[str, str]] = {p: {} for p in points}  # point -> id -> difficulty
    scenario_keys: dict[str, tuple[str, int, int]] = {}  # id -> (difficulty, size, seed)
    seen: set[tuple[str, str]] = set()
    for record in records:
        if not isinstance(record, RunRecord):
            raise invalid_parameter(func, "records", "an iterable of RunRecord", record,
                                    got_text=f"an element of type {type(record).__name__}")
        if record.split != split:
            continue
        if record.point not in scenarios:
            raise invalid_parameter(func, "records", f"runs of the points {', '.join(points)}",
                                    record, got_text=f"a run of point {record.point!r}")
        key = (record.submission_id, record.scenario_id)
        if key in seen:
            raise invalid_parameter(func, "records", "at most one run per submission and "
                                    "scenario", record, got_text=f"two runs of submission "
                                    f"{record.submission_id!r} on scenario "
                                    f"{record.scenario_id!r}")
        seen.add(key)
        _check_same_submission(first.setdefault(record.submission_id, record), record)
        runs[record.submission_id].append(record)
        scenarios[record.point].setdefault(record.scenario_id, record.difficulty)
        scenario_keys.setdefault(record.scenario_id, (record.difficulty, record.size,
                                                      record.seed))

    drafts = []
    for submission_id, own in runs.items():
        meta = first[submission_id]
        per_point = {p: _point_score(p, scenarios[p], own, meta.covered_points) for p in points}
        drafts.append((meta, per_point, own))

    overall = [_mean(s.f1 for s in per_point.values()) for _, per_point, _ in drafts]
    ranks = competition_ranks(overall) if drafts else []
    point_ranks = {p: competition_ranks([d[1][p].f1 for d in drafts]) if drafts else []
                   for p in points}
    point_order = {p: i for i, p in enumerate(points)}
    entries = []
    for i, (meta, per_point, own) in enumerate(drafts):
        ranked = {p: replace(per_point[p], rank=point_ranks[p][i]) for p in points}
        ordered_runs = sorted(own, key=lambda r: (point_order[r.point],
                                                  _difficulty_key(r.difficulty), r.scenario_id))
        entries.append(BoardEntry(
            rank=ranks[i], submission_id=meta.submission_id, team=meta.team,
            submission_name=meta.submission_name, version=meta.version, baseline=meta.baseline,
            overall=overall[i], reason_f1=_mean(s.reason_f1 for s in per_point.values()),
            per_point=ranked, unsafe=any(r.unsafe for r in own), runs=tuple(ordered_runs)))
    entries.sort(key=lambda e: (e.rank, -_ok_runs(e), *_name_key(e)))
    return Board(split=split, points=points, entries=tuple(entries),
                 scenarios=_board_scenarios(points, scenarios, scenario_keys))


def _board_scenarios(points: tuple[str, ...], scenarios: dict[str, dict[str, str]],
                     keys: dict[str, tuple[str, int, int]]) -> tuple[BoardScenario, ...]:
    groups: dict[tuple[str, str, int], list[tuple[int, str]]] = defaultdict(list)
    for point in points:
        for scenario_id in scenarios[point]:
            difficulty, size, seed = keys[scenario_id]
            groups[(point, difficulty, size)].append((seed, scenario_id))
    point_order = {p: i for i, p in enumerate(points)}
    out = []
    for (point, difficulty, size), members in sorted(
            groups.items(), key=lambda item: (point_order[item[0][0]],
                                              _difficulty_key(item[0][1]), item[0][2])):
        for draw, (seed, scenario_id) in enumerate(sorted(members)):
            out.append(BoardScenario(point=point, scenario_id=scenario_id,
                                     difficulty=difficulty, size=size, seed=seed, draw=draw))
    return tuple(out)


def _ok_runs(entry: BoardEntry) -> int:
    return sum(score.ok_runs for score in entry.per_point.values())


def _point_score(point: str, point_scenarios: dict[str, str], own: list[RunRecord],
                 covered_points: tuple[str, ...]) -> PointScore:
    if point not in covered_points:
        return PointScore(f1=0.0, reason_f1=0.0, runs=0, ok_runs=0, statuses={},
                          by_difficulty={}, covered=False)
    by_scenario = {r.scenario_id: r for r in own if r.point == point}
    f1s, reason_f1s, statuses = [], [], Counter()
    per_difficulty: dict[str, list[float]] = defaultdict(list)
    for scenario_id in sorted(point_scenarios):
        run = by_scenario.get(scenario_id)
        f1 = run.scored_f1 if run else 0.0
        f1s.append(f1)
        reason_f1s.append(run.scored_reason_f1 if run else 0.0)
        statuses[run.status if run else MISSING] += 1
        per_difficulty[point_scenarios[scenario_id]].append(f1)
    return PointScore(
        f1=_mean(f1s), reason_f1=_mean(reason_f1s), runs=len(f1s), ok_runs=statuses["ok"],
        statuses={s: statuses[s] for s in STATUS_ORDER if statuses[s]},
        by_difficulty={d: _mean(per_difficulty[d])
                       for d in _ordered_difficulties(per_difficulty)})


def _check_same_submission(first: RunRecord, record: RunRecord) -> None:
    for name in ("team", "submission_name", "version", "baseline", "covered_points"):
        if getattr(first, name) != getattr(record, name):
            raise invalid_parameter(
                "build_board", "records", "runs that agree on each submission's details",
                record, got_text=f"{name} {getattr(first, name)!r} and "
                                 f"{getattr(record, name)!r} for submission "
                                 f"{record.submission_id!r}")


def _mean(values: Iterable[float]) -> float:
    values = list(values)
    return math.fsum(values) / len(values) if values else 0.0


def _name_key(entry: BoardEntry) -> tuple[str, str, str, str]:
    return (entry.team, entry.submission_name, entry.version, entry.submission_id)


def _difficulty_key(difficulty: str) -> tuple[int, str]:
    if difficulty in _DIFFICULTY_ORDER:
        return (_DIFFICULTY_ORDER.index(difficulty), "")
    return (len(_DIFFICULTY_ORDER), difficulty)


def _ordered_difficulties(difficulties: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(set(difficulties), key=_difficulty_key))
