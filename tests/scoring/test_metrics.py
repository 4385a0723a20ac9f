"""score_run: a table of hand-computed cases, AP against scikit-learn, validator messages."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from sklearn.metrics import average_precision_score, f1_score, precision_score, recall_score

from harness.errors import ArenaError
from scoring import InvalidParameterError, RunMetrics, UndefinedMetricWarning, score_run


def labels(*rows: tuple[str, str]) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=["record_id", "reason"], dtype=str)


def preds(*rows: tuple) -> pd.DataFrame:
    """Rows of (record_id, reason) or (record_id, reason, score)."""
    full = [(*row, math.nan) if len(row) == 2 else row for row in rows]
    frame = pd.DataFrame(full, columns=["record_id", "reason", "score"])
    return frame.astype({"record_id": str, "reason": str, "score": float})


NAN = math.nan

# id, labels, predictions, keyword arguments, expected fields, warns
CASES = [
    ("perfect",
     labels(("a", "R1"), ("a", "R2"), ("b", "R1")),
     preds(("a", "R1"), ("a", "R2"), ("b", "R1")), {},
     dict(precision=1.0, recall=1.0, f1=1.0, reason_precision=1.0, reason_recall=1.0,
          reason_f1=1.0, average_precision=None, n_true=2, n_pred=2, tp=2, fp=0, fn=0,
          problems=()), False),
    ("empty prediction",
     labels(("a", "R1"), ("b", "R2")), preds(), {},
     dict(precision=0.0, recall=0.0, f1=0.0, reason_precision=0.0, reason_recall=0.0,
          reason_f1=0.0, n_true=2, n_pred=0, tp=0, fp=0, fn=2), True),
    ("empty prediction, zero_division=1",
     labels(("a", "R1")), preds(), {"zero_division": 1.0},
     dict(precision=1.0, recall=0.0, f1=0.0, reason_precision=1.0, reason_recall=0.0,
          reason_f1=0.0), True),
    ("no truth and no prediction",
     labels(), preds(), {},
     dict(precision=1.0, recall=1.0, f1=1.0, reason_precision=1.0, reason_recall=1.0,
          reason_f1=1.0, n_true=0, n_pred=0, average_precision=None), False),
    ("no truth, false alarms",
     labels(), preds(("a", "R1")), {},
     dict(precision=0.0, recall=0.0, f1=0.0, reason_precision=0.0, reason_recall=0.0,
          reason_f1=0.0, n_pred=1, fp=1), True),
    ("unknown record ids",
     labels(("a", "R1")), preds(("a", "R1"), ("x", ""), ("y", "R1")),
     {"known_record_ids": ["a", "b", "c"]},
     dict(precision=1 / 3, recall=1.0, f1=0.5, reason_precision=0.5, reason_recall=1.0,
          reason_f1=2 / 3, n_pred=3, tp=1, fp=2, fn=0, unknown_record_ids=2,
          problems=("2 unknown record ids, e.g. 'x', 'y'",)), False),
    ("unknown reasons",
     labels(("a", "R1"), ("b", "R2")),
     preds(("a", "R1"), ("b", "BAD"), ("c", "BAD"), ("c", "WORSE"), ("c", "")),
     {"reason_codes": ["R1", "R2"]},
     dict(precision=2 / 3, recall=1.0, f1=0.8, reason_precision=0.25, reason_recall=0.5,
          reason_f1=1 / 3, unknown_reasons=2,
          problems=("2 unknown reason codes in 3 predicted (record, reason) pairs, "
                    "e.g. 'BAD', 'WORSE'",)), False),
    ("empty reasons only: record level counts, reason level has nothing",
     labels(("a", "R1"), ("b", "R1")), preds(("a", ""), ("b", "")), {},
     dict(precision=1.0, recall=1.0, f1=1.0, reason_precision=0.0, reason_recall=0.0,
          reason_f1=0.0), True),
    ("an empty reason neither helps nor hurts reason F1",
     labels(("a", "R1"), ("b", "R1")), preds(("a", "R1"), ("b", ""), ("c", "")), {},
     dict(precision=2 / 3, recall=1.0, f1=0.8, reason_precision=1.0, reason_recall=0.5,
          reason_f1=2 / 3), False),
    ("duplicates in predictions are merged",
     labels(("a", "R1")), preds(("a", "R1"), ("a", "R1"), ("a", "R1"), ("c", ""), ("c", "")),
     {},
     dict(precision=0.5, recall=1.0, f1=2 / 3, reason_precision=1.0, reason_recall=1.0,
          reason_f1=1.0, n_pred=2, tp=1, fp=1), False),
    ("AP on a hand-computed ranking (max score per record, missed clue lowers it)",
     labels(("a", "R1"), ("b", "R1"), ("c", "R1")),
     preds(("a", "R1", 0.1), ("a", "", 0.9), ("x", "", 0.8), ("b", "R1", 0.7), ("y", "", 0.6)),
     {},
     # a(T) p=1 r=1/3; x p=1/2; b(T) p=2/3 r=2/3; y p=1/2  ->  1/3 + 2/3 * 1/3
     dict(average_precision=5 / 9, precision=0.5, recall=2 / 3), False),
    ("AP with tied scores counts the tie as one threshold",
     labels(("a", "R1")), preds(("a", "R1", 0.5), ("x", "", 0.5)), {},
     dict(average_precision=0.5), False),
    ("AP: records without a score rank last",
     labels(("a", "R1"), ("b", "R1")), preds(("a", "R1", NAN), ("x", "", 0.9), ("b", "R1", 0.1)),
     {},
     # x p=0; b(T) p=1/2 r=1/2; a(T) p=2/3 r=1  ->  1/2 * 1/2 + 2/3 * 1/2
     dict(average_precision=0.25 + 1 / 3), False),
    ("AP is None when every score is NaN",
     labels(("a", "R1")), preds(("a", "R1", NAN)), {}, dict(average_precision=None), False),
]


@pytest.mark.parametrize("truth, predictions, kwargs, expected, warns",
                         [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_score_run_cases(truth, predictions, kwargs, expected, warns):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        metrics = score_run(truth, predictions, **kwargs)
    undefined = [w for w in caught if issubclass(w.category, UndefinedMetricWarning)]
    assert bool(undefined) == warns, [str(w.message) for w in caught]
    assert isinstance(metrics, RunMetrics)
    for name, value in expected.items():
        got = getattr(metrics, name)
        if isinstance(value, float):
            assert got == pytest.approx(value, abs=1e-12), name
        else:
            assert got == value, name


def test_no_score_column_means_no_average_precision():
    with pytest.warns(UndefinedMetricWarning, match="Reason precision"):
        metrics = score_run(labels(("a", "R1")), pd.DataFrame({"record_id": ["a"]}))
    assert metrics.average_precision is None
    assert (metrics.f1, metrics.reason_f1) == (1.0, 0.0)


def test_undefined_warning_message_names_zero_division():
    with pytest.warns(UndefinedMetricWarning) as caught:
        score_run(labels(("a", "R1")), preds())
    assert [str(w.message) for w in caught] == [
        f"{name} is ill-defined and being set to 0.0 due to no predicted samples. "
        "Use `zero_division` parameter to control this behavior."
        for name in ("Precision", "Reason precision")]


def test_record_ids_compare_as_strings_whatever_the_dtype():
    truth = labels(("1", "R1"), ("2", "R1"))
    predictions = pd.DataFrame({"record_id": [1, 2], "reason": ["R1", "R1"]})
    metrics = score_run(truth, predictions, known_record_ids=pa.array(["1", "2", "3"]))
    assert (metrics.f1, metrics.reason_f1, metrics.unknown_record_ids) == (1.0, 1.0, 0)


def test_missing_values_are_empty_strings():
    predictions = pd.DataFrame({"record_id": ["a", None], "reason": [None, "R1"]}, dtype=object)
    metrics = score_run(labels(("a", "R1")), predictions, known_record_ids={"a"})
    assert metrics.n_pred == 2 and metrics.unknown_record_ids == 1
    assert metrics.problems == ("1 unknown record id, e.g. ''",)
    assert metrics.reason_precision == 0.0  # ('', 'R1') is a named but false pair


def test_problems_quote_at_most_five_examples():
    predictions = preds(*[(f"x{i}", "R1") for i in range(8)])
    metrics = score_run(labels(("a", "R1")), predictions, known_record_ids=["a"])
    assert metrics.problems == ("8 unknown record ids, e.g. 'x0', 'x1', 'x2', 'x3', 'x4', …",)


def _random_case(rng: np.random.Generator, n: int, predict_all: bool):
    ids = np.array([f"r{i}" for i in range(n)])
    truth = rng.random(n) < 0.3
    truth[0] = True
    predicted = np.ones(n, dtype=bool) if predict_all else rng.random(n) < 0.6
    predicted[0] = True
    scores = np.round(rng.random(n), 1)  # rounding makes ties
    label_frame = labels(*[(i, "R1") for i in ids[truth]])
    rows = [(i, "R1", s) for i, s in zip(ids[predicted], scores[predicted])]
    rows += [(i, "", s / 2) for i, s in zip(ids[predicted][::3], scores[predicted][::3])]
    return truth, predicted, scores, label_frame, preds(*rows)


@pytest.mark.parametrize("seed", range(6))
def test_against_sklearn_on_random_data(seed):
    rng = np.random.default_rng(seed)
    predict_all = seed % 2 == 0
    truth, predicted, scores, label_frame, pred_frame = _random_case(rng, 300, predict_all)
    metrics = score_run(label_frame, pred_frame)

    assert metrics.precision == pytest.approx(precision_score(truth, predicted))
    assert metrics.recall == pytest.approx(recall_score(truth, predicted))
    assert metrics.f1 == pytest.approx(f1_score(truth, predicted))
    # Recall runs over all true records, so AP over the predicted list is sklearn's AP on the
    # predicted records scaled by the share of true records that were predicted.
    expected = (average_precision_score(truth[predicted], scores[predicted])
                * (truth & predicted).sum() / truth.sum())
    if predict_all:
        expected_direct = average_precision_score(truth, scores)
        assert expected == pytest.approx(expected_direct)
    assert metrics.average_precision == pytest.approx(expected)


def test_large_input_is_vectorised():
    rng = np.random.default_rng(0)
    n = 100_000
    ids = np.char.add("P", np.arange(2 * n).astype(str))
    truth = pd.DataFrame({"record_id": ids[rng.integers(0, n, n)], "reason": "R1"})
    predictions = pd.DataFrame({"record_id": ids[rng.integers(0, 2 * n, n)],
                                "reason": np.where(rng.random(n) < 0.5, "R1", ""),
                                "score": rng.random(n)})
    metrics = score_run(truth, predictions, known_record_ids=ids[:n], reason_codes=["R1"])
    assert 0.0 < metrics.f1 < 1.0 and metrics.average_precision is not None
    assert metrics.unknown_record_ids == metrics.n_pred - int(
        pd.Index(predictions["record_id"].unique()).isin(ids[:n]).sum())


# --- validator messages --------------------------------------------------------------------

BAD_ARGUMENTS = [
    ({"zero_division": "x"},
     "The 'zero_division' parameter of score_run must be a float in [0, 1]; got 'x'."),
    ({"zero_division": 2},
     "The 'zero_division' parameter of score_run must be a float in [0, 1]; got 2."),
    ({"zero_division": True},
     "The 'zero_division' parameter of score_run must be a float in [0, 1]; got True."),
    ({"zero_division": math.nan},
     "The 'zero_division' parameter of score_run must be a float in [0, 1]; got nan."),
    ({"predictions": pd.DataFrame({"id": ["a"], "reason": ["R1"]})},
     "The 'predictions' parameter of score_run must have a 'record_id' column; "
     "got columns ['id', 'reason']."),
    ({"labels": pd.DataFrame({"record_id": ["a"]})},
     "The 'labels' parameter of score_run must have a 'reason' column; "
     "got columns ['record_id']."),
    ({"labels": [("a", "R1")]},
     "The 'labels' parameter of score_run must be a pandas DataFrame; got list."),
    ({"known_record_ids": "abc"},
     "The 'known_record_ids' parameter of score_run must be None or a collection of strings; "
     "got str 'abc'."),
    ({"reason_codes": 3},
     "The 'reason_codes' parameter of score_run must be None or a collection of strings; "
     "got int 3."),
    ({"predictions": pd.DataFrame({"record_id": ["a"], "score": ["high"]})},
     "The 'predictions' parameter of score_run must have a numeric 'score' column; "
     "got dtype str."),
]


@pytest.mark.parametrize("override, message", BAD_ARGUMENTS,
                         ids=[m.split(" parameter")[0] + f"-{i}"
                              for i, (_, m) in enumerate(BAD_ARGUMENTS)])
def test_validator_messages(override, message):
    arguments = {"labels": labels(("a", "R1")), "predictions": preds(("a", "R1"))}
    arguments.update(override)
    truth, predictions = arguments.pop("labels"), arguments.pop("predictions")
    with pytest.raises(InvalidParameterError) as info:
        score_run(truth, predictions, **arguments)
    assert str(info.value) == message
    assert isinstance(info.value, ValueError) and isinstance(info.value, ArenaError)


def test_numeric_strings_are_accepted_as_scores():
    predictions = pd.DataFrame({"record_id": ["a"], "reason": ["R1"], "score": ["0.5"]},
                               dtype=object)
    assert score_run(labels(("a", "R1")), predictions).average_precision == 1.0
