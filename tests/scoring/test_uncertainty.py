"""assess_board: the paired bootstrap over scenarios and rank ranges over draws."""

from __future__ import annotations

import numpy as np
import pytest

from scoring import InvalidParameterError, RunRecord, assess_board, build_board


def run(submission: str, scenario: int, f1: float | None, *, point: str = "env_tax",
        status: str = "ok", difficulty: str = "easy", seed: int | None = None,
        covered: tuple[str, ...] = ("env_tax",)) -> RunRecord:
    return RunRecord(
        submission_id=submission, team=f"team-{submission}", submission_name=submission,
        version="1", baseline=False, covered_points=covered, point=point,
        scenario_id=f"{point}-{scenario}", split="private", difficulty=difficulty,
        seed=scenario if seed is None else seed, size=100, status=status,
        precision=None, recall=None, f1=f1 if status == "ok" else None,
        reason_f1=f1 if status == "ok" else None, wall_s=1.0, cpu_s=1.0,
        peak_memory_mb=10.0, stderr_tail="", unsafe=False)


def board_of(scores: dict[str, list[float]], points=("env_tax",)):
    records = [run(s, i, f) for s, values in scores.items() for i, f in enumerate(values)]
    return build_board(records, points=points, split="private")


def test_identity_resample_is_the_board_score_and_intervals_hold_it():
    rng = np.random.default_rng(1)
    scores = {name: list(rng.uniform(0, 1, 12)) for name in "abcd"}
    board = board_of(scores)
    result = assess_board(board, resamples=400, seed=5)
    for entry in board.entries:
        interval = result.overall[entry.submission_id]
        assert interval.low <= entry.overall <= interval.high
        assert interval.low < interval.high            # 12 different scores: a real spread
        # per point equals overall here (one point)
        assert result.per_point["env_tax"][entry.submission_id] == interval


def test_the_bootstrap_is_seeded():
    board = board_of({"a": [0.9, 0.1, 0.5, 0.7], "b": [0.2, 0.3, 0.8, 0.6]})
    assert assess_board(board, seed=3) == assess_board(board, seed=3)
    assert assess_board(board, seed=3).overall != assess_board(board, seed=4).overall


def test_pairing_separates_a_consistently_better_entry_despite_spread():
    # Scenario difficulty varies a lot (0.05 .. 0.95) but the leader is 0.03 better on every
    # scenario: unpaired intervals overlap widely, the paired difference is always positive.
    base = list(np.linspace(0.05, 0.92, 10))
    board = board_of({"lead": [x + 0.03 for x in base], "close": base})
    result = assess_board(board)
    lead, close = result.overall["lead"], result.overall["close"]
    assert lead.leader and not lead.separable
    assert close.separable and not close.leader
    assert close.high > lead.low                         # the intervals overlap...


def test_every_leader_must_be_beaten():
    # "same" has the leader's scores in another order: it shares rank 1, and "close" is not
    # consistently below it, so "close" is not separable from the leaders.
    base = list(np.linspace(0.05, 0.92, 10))
    board = board_of({"lead": [x + 0.03 for x in base], "close": base,
                      "same": [x + 0.03 for x in base][::-1]})
    result = assess_board(board)
    assert result.overall["same"].leader and result.overall["lead"].leader
    assert result.overall["close"].separable is False


def test_a_noisy_runner_up_is_not_separable():
    board = board_of({"a": [1.0, 0.0, 1.0, 0.0, 1.0, 0.2],
                      "b": [0.0, 1.0, 0.0, 1.0, 0.9, 0.1]})
    result = assess_board(board)
    assert result.overall["a"].leader
    assert result.overall["b"].separable is False and not result.overall["b"].leader


def test_failed_runs_count_zero_in_the_bootstrap():
    records = [run("ok", i, 0.4) for i in range(5)]
    records += [run("broken", i, None, status="crashed") for i in range(5)]
    result = assess_board(build_board(records, points=["env_tax"], split="private"))
    assert (result.overall["broken"].low, result.overall["broken"].high) == (0.0, 0.0)
    assert result.overall["broken"].separable


def test_points_are_resampled_separately_and_uncovered_points_count_zero():
    records = [run("a", i, 1.0) for i in range(3)]
    records += [run("a", i, 0.5, point="legal_aid", covered=("env_tax", "legal_aid"))
                for i in range(3)]
    records = [r if r.point == "legal_aid" else RunRecord(**{**r.__dict__,
               "covered_points": ("env_tax", "legal_aid")}) for r in records]
    records += [run("b", i, 1.0) for i in range(3)]
    board = build_board(records, points=["env_tax", "legal_aid"], split="private")
    result = assess_board(board)
    # constant scores per point: every resample gives the point estimate
    assert (result.overall["a"].low, result.overall["a"].high) == (0.75, 0.75)
    assert (result.overall["b"].low, result.overall["b"].high) == (0.5, 0.5)
    assert result.overall["b"].separable
    assert result.per_point["env_tax"]["b"].leader and result.per_point["env_tax"]["a"].leader


def test_rank_ranges_over_draws():
    # two draws per (point, size, difficulty): draw 0 = the lower seed of each group
    records = []
    for submission, per_draw in (("a", (0.9, 0.2)), ("b", (0.5, 0.6)), ("c", (0.1, 0.1))):
        for draw, f1 in enumerate(per_draw):
            for group, difficulty in enumerate(("easy", "hard")):
                records.append(run(submission, 10 * group + draw, f1, difficulty=difficulty,
                                   seed=100 * group + draw))
    board = build_board(records, points=["env_tax"], split="private")
    result = assess_board(board)
    assert result.draws == 2
    assert result.rank_range == {"a": (1, 2), "b": (1, 2), "c": (3, 3)}


def test_no_rank_range_with_one_draw():
    records = [run(s, i, f, difficulty=d) for s, values in (("a", (0.5, 0.6)), ("b", (0.1, 0.2)))
               for i, (f, d) in enumerate(zip(values, ("easy", "hard")))]
    result = assess_board(build_board(records, points=["env_tax"], split="private"))
    assert result.draws == 0 and result.rank_range == {}


def test_empty_board():
    result = assess_board(build_board([], points=["env_tax"], split="public"))
    assert result.overall == {} and result.per_point == {"env_tax": {}}


@pytest.mark.parametrize("kwargs, message", [
    ({"board": "x"}, "The 'board' parameter of assess_board must be a Board; got str."),
    ({"resamples": 0}, "The 'resamples' parameter of assess_board must be a positive int; "
     "got 0."),
    ({"resamples": True}, "The 'resamples' parameter of assess_board must be a positive int; "
     "got True."),
    ({"seed": -1}, "The 'seed' parameter of assess_board must be a non-negative int; got -1."),
])
def test_assess_board_rejects_bad_input(kwargs, message):
    arguments = {"board": board_of({"a": [0.5]}), **kwargs}
    with pytest.raises(InvalidParameterError) as info:
        assess_board(**arguments)
    assert str(info.value) == message
