"""analyze_run: missed clues, false alarms and per-reason confusion of a public run."""

from __future__ import annotations

import pandas as pd
import pytest

from scoring import InvalidParameterError, analyze_run, score_run
from scoring.analysis import sum_reasons

LABELS = pd.DataFrame({"record_id": ["a", "a", "b", "c", "d"],
                       "reason": ["R1", "R2", "R1", "R3", "R1"]})


def test_missed_false_alarms_and_confusion():
    predictions = pd.DataFrame({"record_id": ["a", "a", "b", "x", "y", "y", "b"],
                                "reason": ["R1", "R3", "", "R1", "", "R9", "R1"]})
    result = analyze_run(LABELS, predictions, reason_codes=["R1", "R2", "R3", "R4"])
    assert result.missed == (("c", ("R3",)), ("d", ("R1",)))
    assert result.false_alarms == (("x", ("R1",)), ("y", ("R9",)))
    assert (result.missed_count, result.false_alarm_count) == (2, 2)
    counts = {r.reason: (r.tp, r.fp, r.fn) for r in result.reasons}
    assert counts == {"R1": (2, 1, 1), "R2": (0, 0, 1), "R3": (0, 1, 1), "R4": (0, 0, 0),
                      "R9": (0, 1, 0)}
    assert [r.reason for r in result.reasons] == ["R1", "R2", "R3", "R4", "R9"]
    # consistent with the scorer's reason level and record level
    metrics = score_run(LABELS, predictions)
    tp = sum(r.tp for r in result.reasons)
    fp = sum(r.fp for r in result.reasons)
    fn = sum(r.fn for r in result.reasons)
    assert metrics.reason_precision == pytest.approx(tp / (tp + fp))
    assert metrics.reason_recall == pytest.approx(tp / (tp + fn))
    assert (metrics.fn, metrics.fp) == (result.missed_count, result.false_alarm_count)
    r1 = next(r for r in result.reasons if r.reason == "R1")
    assert (r1.precision, r1.recall, r1.f1) == (2 / 3, 2 / 3, pytest.approx(2 / 3))
    r4 = next(r for r in result.reasons if r.reason == "R4")
    assert (r4.precision, r4.recall, r4.f1) == (None, None, None)


def test_lists_are_capped_but_counted():
    labels = pd.DataFrame({"record_id": [f"r{i:03d}" for i in range(120)], "reason": "R1"})
    predictions = pd.DataFrame({"record_id": [f"f{i:03d}" for i in range(70)]})
    result = analyze_run(labels, predictions, limit=50)
    assert result.missed_count == 120 and len(result.missed) == 50
    assert result.missed[0] == ("r000", ("R1",)) and result.missed[-1][0] == "r049"
    assert result.false_alarm_count == 70 and len(result.false_alarms) == 50
    assert result.false_alarms[0] == ("f000", ())


def test_a_perfect_run_has_nothing_to_list():
    result = analyze_run(LABELS, LABELS)
    assert (result.missed, result.false_alarms) == ((), ())
    assert all(r.fp == r.fn == 0 for r in result.reasons)


def test_sum_reasons_adds_runs():
    one = analyze_run(LABELS, LABELS.iloc[:2], reason_codes=["R1", "R2", "R3"])
    total = sum_reasons([one, one])
    assert {r.reason: (r.tp, r.fp, r.fn) for r in total} == {
        "R1": (2, 0, 4), "R2": (2, 0, 0), "R3": (0, 0, 2)}


@pytest.mark.parametrize("kwargs, message", [
    ({"labels": "x"}, "The 'labels' parameter of analyze_run must be a pandas DataFrame; "
     "got str."),
    ({"predictions": pd.DataFrame({"id": []})}, "The 'predictions' parameter of analyze_run "
     "must have a 'record_id' column; got columns ['id']."),
    ({"limit": -1}, "The 'limit' parameter of analyze_run must be a non-negative int; "
     "got -1."),
    ({"reason_codes": "R1"}, "The 'reason_codes' parameter of analyze_run must be an "
     "iterable of reason codes; got 'R1'."),
])
def test_analyze_run_rejects_bad_input(kwargs, message):
    arguments = {"labels": LABELS, "predictions": LABELS, **kwargs}
    with pytest.raises(InvalidParameterError) as info:
        analyze_run(**arguments)
    assert str(info.value) == message
