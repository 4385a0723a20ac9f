"""RunRecord validation, competition ranks and build_board."""

from __future__ import annotations

import dataclasses

import pytest

from harness.status import RunStatus
from scoring import (MISSING, Board, InvalidParameterError, PointScore, RunRecord, build_board,
                     competition_ranks)

POINTS = ("env_tax", "farmland_tax", "legal_aid")


def run(**overrides) -> RunRecord:
    fields = dict(
        submission_id="sub-a", team="队伍甲 Team A", submission_name="rules", version="1.0",
        baseline=False, covered_points=("env_tax", "farmland_tax"), point="env_tax",
        scenario_id="env_tax-1", split="public", difficulty="easy", seed=1, size=100,
        status="ok", precision=1.0, recall=1.0, f1=1.0, reason_f1=1.0, wall_s=1.5, cpu_s=1.2,
        peak_memory_mb=100.0, stderr_tail="", unsafe=False)
    fields.update(overrides)
    return RunRecord(**fields)


def failed(status: str = "timeout", **overrides) -> RunRecord:
    return run(status=status, precision=None, recall=None, f1=None, reason_f1=None,
               stderr_tail="Traceback: boom", **overrides)


# --- RunRecord -------------------------------------------------------------------------------

BAD_RECORDS = [
    ({"status": "failed: boom"}, "The 'status' parameter of RunRecord must be one of ok, timeout, "
     "memory_limit, crashed, invalid_output, output_limit, rejected; got 'failed: boom'."),
    ({"split": "test"}, "The 'split' parameter of RunRecord must be one of public, private; "
     "got 'test'."),
    ({"f1": 1.5}, "The 'f1' parameter of RunRecord must be a float in [0, 1] or None; got 1.5."),
    ({"recall": float("nan")}, "The 'recall' parameter of RunRecord must be a float in [0, 1] "
     "or None; got nan."),
    ({"precision": "0.5"}, "The 'precision' parameter of RunRecord must be a float in [0, 1] "
     "or None; got '0.5'."),
    ({"f1": None}, "The 'f1' parameter of RunRecord must be a float in [0, 1] when status is "
     "'ok'; got None."),
    ({"team": " "}, "The 'team' parameter of RunRecord must be a non-empty string; got ' '."),
    ({"baseline": 1}, "The 'baseline' parameter of RunRecord must be a bool; got 1."),
    ({"seed": -1}, "The 'seed' parameter of RunRecord must be a non-negative int; got -1."),
    ({"wall_s": -0.5}, "The 'wall_s' parameter of RunRecord must be a non-negative float or "
     "None; got -0.5."),
    ({"covered_points": "env_tax"}, "The 'covered_points' parameter of RunRecord must be a "
     "tuple of point names; got 'env_tax'."),
]


@pytest.mark.parametrize("override, message", BAD_RECORDS, ids=[str(o) for o, _ in BAD_RECORDS])
def test_run_record_validates_on_creation(override, message):
    with pytest.raises(InvalidParameterError) as info:
        run(**override)
    assert str(info.value) == message


def test_run_record_accepts_run_status_members_and_lists():
    record = failed(status=RunStatus.TIMEOUT, covered_points=["env_tax"])
    assert record.status == "timeout" and type(record.status) is str
    assert record.covered_points == ("env_tax",)
    assert (record.ok, record.scored_f1) == (False, 0.0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        record.f1 = 1.0  # type: ignore[misc]


# --- ranks ------------------------------------------------------------------------------------

@pytest.mark.parametrize("scores, ranks", [
    ([], []),
    ([0.5], [1]),
    ([0.9, 0.5, 0.5, 0.1], [1, 2, 2, 4]),
    ([0.1, 0.5, 0.9, 0.5], [4, 2, 1, 2]),
    ([0.1 + 0.2, 0.3, 0.2], [1, 1, 3]),              # float noise does not split a tie
    ([0.0, 0.0, 1e-9, 0.7], [2, 2, 2, 1]),          # 1e-9 rounds to 0 at 6 digits
    ([-0.0, 0.0], [1, 1]),
    ([1, 1, 1], [1, 1, 1]),
])
def test_competition_ranks(scores, ranks):
    assert competition_ranks(scores) == ranks


def test_competition_ranks_ndigits():
    assert competition_ranks([0.51, 0.5], ndigits=1) == [1, 1]
    assert competition_ranks([0.51, 0.5], ndigits=2) == [1, 2]


@pytest.mark.parametrize("scores, kwargs, message", [
    ([0.5, float("nan")], {}, "The 'scores' parameter of competition_ranks must be a sequence "
     "of finite floats; got an element nan."),
    ("0.5", {}, "The 'scores' parameter of competition_ranks must be a sequence of finite "
     "floats; got '0.5'."),
    ([0.5], {"ndigits": -1}, "The 'ndigits' parameter of competition_ranks must be a "
     "non-negative int; got -1."),
])
def test_competition_ranks_rejects_bad_input(scores, kwargs, message):
    with pytest.raises(InvalidParameterError, match=None) as info:
        competition_ranks(scores, **kwargs)
    assert str(info.value) == message


# --- build_board -------------------------------------------------------------------------------

def sample_runs() -> list[RunRecord]:
    a = dict(submission_id="sub-a", team="A", submission_name="rules")
    b = dict(submission_id="sub-b", team="B", submission_name="ml", covered_points=POINTS)
    c = dict(submission_id="sub-c", team="C", submission_name="broken",
             covered_points=("env_tax",))
    return [
        # A: env_tax 1.0 and a timeout -> 0.5; farmland_tax 0.8 -> overall (0.5 + 0.8 + 0) / 3
        run(**a, scenario_id="env_tax-1", difficulty="easy", f1=1.0, reason_f1=0.5),
        failed(**a, scenario_id="env_tax-2", difficulty="hard"),
        run(**a, point="farmland_tax", scenario_id="farmland_tax-1", f1=0.8, reason_f1=0.4),
        # B: env_tax (0.6 + 0.4) / 2, farmland_tax 0.6, legal_aid 0.2 -> 1.3 / 3, tied with A
        run(**b, scenario_id="env_tax-1", f1=0.6, reason_f1=0.6),
        run(**b, scenario_id="env_tax-2", difficulty="hard", f1=0.4, reason_f1=0.2),
        run(**b, point="farmland_tax", scenario_id="farmland_tax-1", f1=0.6, reason_f1=0.5),
        run(**b, point="legal_aid", scenario_id="legal_aid-1", f1=0.2, reason_f1=0.2,
            unsafe=True),
        # C: every run failed; env_tax-2 has no run at all
        failed("crashed", **c, scenario_id="env_tax-1"),
        # a private run that the public board ignores
        run(**a, split="private", scenario_id="env_tax-p", f1=0.0, reason_f1=0.0),
    ]


def test_build_board_scores_failed_runs_and_uncovered_points_as_zero():
    board = build_board(sample_runs(), points=POINTS, split="public")
    assert isinstance(board, Board) and board.split == "public" and board.points == POINTS
    # A and B tie; B is listed first because more of its runs ended ok
    assert [(e.team, e.rank) for e in board.entries] == [("B", 1), ("A", 1), ("C", 3)]
    b, a, c = board.entries
    assert a.overall == pytest.approx((0.5 + 0.8) / 3)
    assert b.overall == pytest.approx((0.5 + 0.6 + 0.2) / 3)
    assert a.reason_f1 == pytest.approx((0.25 + 0.4) / 3)

    env = a.per_point["env_tax"]
    assert env == PointScore(f1=0.5, reason_f1=0.25, runs=2, ok_runs=1,
                             statuses={"ok": 1, "timeout": 1},
                             by_difficulty={"easy": 1.0, "hard": 0.0}, covered=True, rank=1)
    legal_aid = a.per_point["legal_aid"]
    assert (legal_aid.covered, legal_aid.f1, legal_aid.runs, legal_aid.statuses) == (
        False, 0.0, 0, {})
    assert a.statuses == {"ok": 2, "timeout": 1}
    assert [r.scenario_id for r in a.runs] == ["env_tax-1", "env_tax-2", "farmland_tax-1"]

    # C: all runs failed, scores 0 and ranks below every positive score.
    assert c.overall == 0.0 and c.rank == 3
    assert c.per_point["env_tax"].statuses == {"crashed": 1, MISSING: 1}
    assert c.per_point["env_tax"].runs == 2

    assert (a.unsafe, b.unsafe, board.unsafe) == (False, True, True)
    assert board.difficulties == ("easy", "hard")
    assert [e.team for e in board.point_entries("legal_aid")] == ["B", "A", "C"]
    assert [e.per_point["env_tax"].rank for e in board.point_entries("env_tax")] == [1, 1, 3]


def test_build_board_uses_only_the_requested_split():
    board = build_board(sample_runs(), points=POINTS, split="private")
    assert [(e.team, e.overall, e.per_point["env_tax"].runs) for e in board.entries] == [
        ("A", 0.0, 1)]
    assert build_board([], points=POINTS, split="public").entries == ()


def test_all_failed_never_ranks_above_a_positive_score():
    runs = [failed(submission_id="zero", team="Z", scenario_id="env_tax-1"),
            run(submission_id="tiny", team="T", scenario_id="env_tax-1", f1=1e-4,
                reason_f1=0.0)]
    board = build_board(runs, points=["env_tax"], split="public")
    assert [(e.team, e.rank) for e in board.entries] == [("T", 1), ("Z", 2)]


def test_a_failed_entry_is_never_listed_above_an_ok_entry_with_the_same_score():
    runs = [failed("crashed", submission_id="crash", team="A", scenario_id="env_tax-1"),
            run(submission_id="zero", team="Z", scenario_id="env_tax-1", f1=0.0,
                reason_f1=0.0)]
    board = build_board(runs, points=["env_tax"], split="public")
    assert [(e.team, e.rank) for e in board.entries] == [("Z", 1), ("A", 1)]
    assert [e.team for e in board.point_entries("env_tax")] == ["Z", "A"]


def test_board_scenarios_number_the_draws_of_each_group():
    runs = [run(scenario_id=f"env_tax-{seed}", seed=seed, difficulty=d, size=100)
            for seed, d in ((9, "hard"), (3, "hard"), (5, "easy"), (1, "easy"))]
    board = build_board(runs, points=["env_tax"], split="public")
    assert [(s.difficulty, s.seed, s.draw) for s in board.scenarios] == [
        ("easy", 1, 0), ("easy", 5, 1), ("hard", 3, 0), ("hard", 9, 1)]


def test_ties_are_ordered_by_team_then_name():
    runs = [run(submission_id=s, team=t, submission_name=n, scenario_id="env_tax-1", f1=0.1 + f)
            for s, t, n, f in [("1", "b", "x", 0.2), ("2", "a", "y", 0.2),
                               ("3", "a", "x", 0.2)]]
    runs.append(run(submission_id="4", team="c", scenario_id="env_tax-1", f1=0.3))
    board = build_board(runs, points=["env_tax"], split="public")
    assert [(e.rank, e.team, e.submission_name) for e in board.entries] == [
        (1, "a", "x"), (1, "a", "y"), (1, "b", "x"), (1, "c", "rules")]


@pytest.mark.parametrize("records, kwargs, message", [
    ([], {"split": "test"}, "The 'split' parameter of build_board must be one of public, "
     "private; got 'test'."),
    ([], {"points": []}, "The 'points' parameter of build_board must be a non-empty sequence "
     "of distinct point names; got []."),
    ([], {"points": "env_tax"}, "The 'points' parameter of build_board must be a non-empty "
     "sequence of distinct point names; got 'env_tax'."),
    (["not a record"], {}, "The 'records' parameter of build_board must be an iterable of "
     "RunRecord; got an element of type str."),
    ([run(point="shell_company", covered_points=("shell_company",))], {},
     "The 'records' parameter of build_board must be runs of the points env_tax, "
     "farmland_tax, legal_aid; got a run of point 'shell_company'."),
    ([run(), run()], {}, "The 'records' parameter of build_board must be at most one run per "
     "submission and scenario; got two runs of submission 'sub-a' on scenario 'env_tax-1'."),
    ([run(), run(scenario_id="env_tax-2", team="other")], {},
     "The 'records' parameter of build_board must be runs that agree on each submission's "
     "details; got team '队伍甲 Team A' and 'other' for submission 'sub-a'."),
])
def test_build_board_rejects_bad_input(records, kwargs, message):
    arguments = {"points": POINTS, "split": "public", **kwargs}
    with pytest.raises(InvalidParameterError) as info:
        build_board(records, **arguments)
    assert str(info.value) == message
