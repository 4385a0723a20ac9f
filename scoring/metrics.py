"""Per-run metrics: how one run's clues compare with a scenario's labels (CONTRACT 6).

``score_run`` compares a run's predictions with the labels of one scenario:

* **record level** — the set of distinct predicted ``record_id`` values against the set of
  distinct labelled ``record_id`` values gives precision, recall and F1;
* **reason level** — the set of distinct ``(record_id, reason)`` pairs gives reason precision,
  recall and F1. A predicted row whose reason is ``''`` flags the record without naming a reason:
  it counts at the record level but is left out of the reason level, where it neither helps nor
  hurts;
* **average precision** — when scores are given, predicted records ranked by their highest score.

Like ``sklearn.metrics``, every ``*_score`` is higher-is-better, a metric whose denominator is 0
takes the value of ``zero_division`` and emits :class:`UndefinedMetricWarning`, and one validator
produces every "The 'x' parameter of f must be …; got …." message. One exception to
``zero_division``: when a scenario has nothing to find and the run flags nothing, precision,
recall and F1 are all 1.0 (the run is exactly right).

Record ids and reasons are compared as strings, exactly (no trimming, no case folding): the
contract never noises a subject key. The work is done on Arrow arrays and numpy integer codes,
so a million predictions against a million labels is scored in about a second.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from numbers import Real
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from harness.errors import ArenaError

__all__ = ["InvalidParameterError", "RunMetrics", "UndefinedMetricWarning", "invalid_parameter",
           "score_run"]

_EXAMPLES = 5  # how many offending values a problem message quotes


class InvalidParameterError(ArenaError, ValueError, TypeError):
    """A parameter of a scoring function (or a field of a scoring record) is invalid.

    Subclasses both ``ValueError`` and ``TypeError``, as scikit-learn's error of the same name.
    """


class UndefinedMetricWarning(UserWarning):
    """A metric's denominator is 0; it takes the value of ``zero_division``."""


def invalid_parameter(func: str, name: str, expected: str, got: Any, *,
                      got_text: str | None = None) -> InvalidParameterError:
    """The one validator message of the scoring package.

    ``expected`` says what the value must be (``"a float in [0, 1]"``) or, starting with
    ``"have "``, what it must have; ``got_text`` replaces the ``repr`` of ``got``.

    >>> str(invalid_parameter("score_run", "zero_division", "a float in [0, 1]", "x"))
    "The 'zero_division' parameter of score_run must be a float in [0, 1]; got 'x'."
    """
    shown = got_text if got_text is not None else repr(got)
    requirement = expected if expected.startswith("have ") else f"be {expected}"
    return InvalidParameterError(f"The {name!r} parameter of {func} must {requirement}; "
                                 f"got {shown}.")


@dataclass(frozen=True)
class RunMetrics:
    """The metrics of one run on one scenario.

    ``n_true``, ``n_pred``, ``tp``, ``fp`` and ``fn`` count distinct records (record level).
    ``unknown_record_ids`` counts distinct predicted record ids that are not subjects of the
    scenario, ``unknown_reasons`` distinct predicted reason codes that the point does not define;
    both are already counted as false positives. ``problems`` describes them for the team, one
    line each. ``average_precision`` is ``None`` when the run gave no score.
    """

    precision: float
    recall: float
    f1: float
    reason_precision: float
    reason_recall: float
    reason_f1: float
    average_precision: float | None
    n_true: int
    n_pred: int
    tp: int
    fp: int
    fn: int
    unknown_record_ids: int
    unknown_reasons: int
    problems: tuple[str, ...]


def score_run(labels: pd.DataFrame, predictions: pd.DataFrame, *,
              known_record_ids: Iterable[Any] | None = None,
              reason_codes: Iterable[str] | None = None,
              zero_division: float = 0.0) -> RunMetrics:
    """Score one run's ``predictions`` against a scenario's ``labels``.

    ``labels`` has columns ``record_id`` and ``reason``, one row per (clue, reason).
    ``predictions`` has column ``record_id`` and optionally ``reason`` (``''`` or missing: the
    record is flagged without a reason) and ``score`` (float, NaN for none); duplicate rows are
    merged. ``known_record_ids`` (every subject key of the scenario) and ``reason_codes`` (the
    point's reason codes), when given, let unknown values be reported in ``problems``; they count
    as false positives either way.

    >>> labels = pd.DataFrame({"record_id": ["a", "b"], "reason": ["R1", "R2"]})
    >>> predictions = pd.DataFrame({"record_id": ["a", "c"], "reason": ["R1", ""]})
    >>> m = score_run(labels, predictions)
    >>> (m.precision, m.recall, m.f1, m.reason_precision, m.reason_recall)
    (0.5, 0.5, 0.5, 1.0, 0.5)
    """
    func = "score_run"
    _check_frame(func, "labels", labels, ("record_id", "reason"))
    _check_frame(func, "predictions", predictions, ("record_id",))
    zero_division = _check_unit_float(func, "zero_division", zero_division)
    known = _check_collection(func, "known_record_ids", known_record_ids)
    codes = _check_collection(func, "reason_codes", reason_codes)
    scores = _scores(func, predictions)

    n_labels = len(labels)
    # One dictionary over both sides' record ids: integer codes make every set operation cheap.
    ids = pc.dictionary_encode(pa.concat_arrays([_strings(labels["record_id"]),
                                                 _strings(predictions["record_id"])]))
    id_codes = ids.indices.to_numpy(zero_copy_only=False).astype(np.int64, copy=False)
    in_true = _marks(id_codes[:n_labels], len(ids.dictionary))
    in_pred = _marks(id_codes[n_labels:], len(ids.dictionary))
    n_true, n_pred = int(in_true.sum()), int(in_pred.sum())
    tp = int((in_true & in_pred).sum())
    precision, recall, f1 = _prf(tp, n_pred, n_true, zero_division, level="")

    # Reason level: distinct (record, reason) pairs as int64 codes, unnamed reasons left out.
    pred_reasons = (_strings(predictions["reason"]) if "reason" in predictions.columns
                    else pc.fill_null(pa.nulls(len(predictions), pa.large_string()), ""))
    reasons = pc.dictionary_encode(pa.concat_arrays([_strings(labels["reason"]), pred_reasons]))
    reason_codes_all = reasons.indices.to_numpy(zero_copy_only=False).astype(np.int64,
                                                                            copy=False)
    n_reasons = max(len(reasons.dictionary), 1)
    named = np.zeros(n_reasons, dtype=bool)
    named[:len(reasons.dictionary)] = pc.not_equal(reasons.dictionary, "").to_numpy(
        zero_copy_only=False)
    pairs = id_codes * n_reasons + reason_codes_all
    keep = named[reason_codes_all]
    true_pairs, pred_pairs, common = _distinct_pairs(
        pairs[:n_labels][keep[:n_labels]], pairs[n_labels:][keep[n_labels:]],
        len(ids.dictionary) * n_reasons)
    reason_precision, reason_recall, reason_f1 = _prf(
        common, len(pred_pairs), len(true_pairs), zero_division, level="Reason ")

    problems: list[str] = []
    unknown_ids = unknown_reasons = 0
    if known is not None:
        unknown_ids = _unknown_ids(ids.dictionary, in_pred, known, problems)
    if codes is not None:
        unknown_reasons = _unknown_reasons(reasons.dictionary, pred_pairs % n_reasons, codes,
                                           problems)

    average_precision = None
    if scores is not None and not np.isnan(scores).all():
        average_precision = _average_precision(id_codes[n_labels:], scores, in_true, in_pred,
                                               n_true, zero_division)

    return RunMetrics(
        precision=precision, recall=recall, f1=f1,
        reason_precision=reason_precision, reason_recall=reason_recall, reason_f1=reason_f1,
        average_precision=average_precision,
        n_true=n_true, n_pred=n_pred, tp=tp, fp=n_pred - tp, fn=n_true - tp,
        unknown_record_ids=unknown_ids, unknown_reasons=unknown_reasons,
        problems=tuple(problems),
    )


def _unknown_ids(id_names: pa.Array, in_pred: np.ndarray, known: pa.Array,
                 problems: list[str]) -> int:
    """Count distinct predicted record ids that are not in ``known``; describe them."""
    predicted = id_names.filter(pa.array(in_pred))
    unknown = predicted.filter(pc.invert(pc.is_in(predicted, value_set=known)))
    if len(unknown):
        problems.append(_problem(len(unknown), "unknown record id", "unknown record ids",
                                 unknown.slice(0, _EXAMPLES).to_pylist()))
    return len(unknown)


def _unknown_reasons(reason_names: pa.Array, pair_reasons: np.ndarray, codes: pa.Array,
                     problems: list[str]) -> int:
    """Count distinct predicted reason codes that are not in ``codes``; describe them.

    ``pair_reasons`` holds the reason code of each distinct predicted (record, reason) pair.
    """
    if not len(pair_reasons):
        return 0
    unknown = np.zeros(len(reason_names), dtype=bool)
    unknown[pair_reasons] = True
    unknown &= ~pc.is_in(reason_names, value_set=codes).to_numpy(zero_copy_only=False)
    count = int(unknown.sum())
    if count:
        n_pairs = int(unknown[pair_reasons].sum())
        examples = reason_names.filter(pa.array(unknown)).slice(0, _EXAMPLES).to_pylist()
        problems.append(_problem(count, "unknown reason code", "unknown reason codes", examples,
                                 suffix=f" in {n_pairs} predicted (record, reason) "
                                        f"pair{'s' if n_pairs != 1 else ''}"))
    return count


# --- metrics -------------------------------------------------------------------------------

def _prf(tp: int, n_pred: int, n_true: int, zero_division: float, *,
         level: str) -> tuple[float, float, float]:
    """Precision, recall and F1 from counts of distinct items."""
    if n_pred == 0 and n_true == 0:
        return 1.0, 1.0, 1.0  # nothing to find and nothing flagged: exactly right
    precision = _ratio(tp, n_pred, zero_division, f"{level}precision", "predicted")
    recall = _ratio(tp, n_true, zero_division, f"{level}recall", "true")
    f1 = 2 * tp / (n_pred + n_true)  # the denominator is positive here
    return precision, recall, f1


def _ratio(num: int, den: int, zero_division: float, name: str, what: str) -> float:
    if den:
        return num / den
    warnings.warn(f"{name[0].upper()}{name[1:]} is ill-defined and being set to "
                  f"{zero_division} due to no {what} samples. Use `zero_division` parameter to "
                  f"control this behavior.", UndefinedMetricWarning, stacklevel=4)
    return float(zero_division)


def _average_precision(pred_codes: np.ndarray, scores: np.ndarray, in_true: np.ndarray,
                       in_pred: np.ndarray, n_true: int, zero_division: float) -> float:
    """AP over the predicted records ranked by their highest score (sklearn's definition).

    Records whose rows carry no score rank last, together. Tied scores form one threshold, as in
    ``sklearn.metrics.average_precision_score``. Recall is taken over all true records, so clues
    the run never flagged lower AP.
    """
    if n_true == 0:
        return _ratio(0, 0, zero_division, "average precision", "true")
    best = np.full(len(in_true), -np.inf)
    np.fmax.at(best, pred_codes, scores)  # fmax ignores NaN; no score at all stays -inf
    records = np.flatnonzero(in_pred)
    record_scores = best[records]
    # Within a group of tied scores the order does not matter (the group is one threshold), so
    # the faster unstable sort is enough.
    order = np.argsort(-record_scores)
    ranked_scores = record_scores[order]
    hits = in_true[records[order]].astype(np.int64)
    # The last index of each group of tied scores is a threshold.
    ends = np.r_[np.flatnonzero(ranked_scores[1:] != ranked_scores[:-1]), len(ranked_scores) - 1]
    tps = np.cumsum(hits)[ends]
    precision = tps / (ends + 1)
    recall = tps / n_true
    return float(np.sum(np.diff(recall, prepend=0.0) * precision))


def _marks(codes: np.ndarray, size: int) -> np.ndarray:
    """A boolean array of ``size`` that is True at every code in ``codes``."""
    marks = np.zeros(size, dtype=bool)
    marks[codes] = True
    return marks


# Below this many possible (record, reason) pairs, boolean marks beat sorting; a hostile output
# with many junk reason codes makes the space huge, and then sorting is used.
_MARKS_LIMIT = 1 << 26


def _distinct_pairs(true: np.ndarray, pred: np.ndarray, space: int
                    ) -> tuple[np.ndarray, np.ndarray, int]:
    """Sorted distinct true and predicted pair codes and how many they share."""
    if space <= _MARKS_LIMIT:
        true_marks, pred_marks = _marks(true, space), _marks(pred, space)
        common = int(np.count_nonzero(true_marks & pred_marks))
        return np.flatnonzero(true_marks), np.flatnonzero(pred_marks), common
    true, pred = _distinct(true), _distinct(pred)
    return true, pred, _count_common(pred, true)


def _distinct(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values (sorting beats numpy's hash-based ``unique`` on int64 codes)."""
    values = np.sort(values)
    if len(values) < 2:
        return values
    return values[np.r_[True, values[1:] != values[:-1]]]


def _count_common(left: np.ndarray, right: np.ndarray) -> int:
    """How many values of sorted distinct ``left`` are in sorted distinct ``right``."""
    if not len(left) or not len(right):
        return 0
    at = np.searchsorted(right, left).clip(max=len(right) - 1)
    return int((right[at] == left).sum())


def _problem(count: int, singular: str, plural: str, examples: list[str], *,
             suffix: str = "") -> str:
    shown = ", ".join(repr(e) for e in examples)
    more = ", …" if count > len(examples) else ""
    return f"{count} {singular if count == 1 else plural}{suffix}, e.g. {shown}{more}"


# --- validation and conversion ---------------------------------------------------------------

def _check_frame(func: str, name: str, frame: Any, required: tuple[str, ...]) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise invalid_parameter(func, name, "a pandas DataFrame", frame,
                                got_text=type(frame).__name__)
    for column in required:
        if column not in frame.columns:
            raise invalid_parameter(func, name, f"have a {column!r} column", frame,
                                    got_text=f"columns {[str(c) for c in frame.columns]}")


def _check_unit_float(func: str, name: str, value: Any) -> float:
    if (isinstance(value, bool) or not isinstance(value, Real) or math.isnan(value)
            or not 0.0 <= value <= 1.0):
        raise invalid_parameter(func, name, "a float in [0, 1]", value)
    return float(value)


def _check_collection(func: str, name: str, values: Any) -> pa.Array | None:
    """``None`` or a collection of strings, as one Arrow string array."""
    if values is None:
        return None
    if isinstance(values, (str, bytes)) or not (
            isinstance(values, (pa.Array, pa.ChunkedArray)) or isinstance(values, Iterable)):
        raise invalid_parameter(func, name, "None or a collection of strings", values,
                                got_text=f"{type(values).__name__} {values!r}")
    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        return _strings(values)
    if isinstance(values, (pd.Series, pd.Index, np.ndarray)):
        return _strings(pd.Series(values))
    return _strings(pd.Series(list(values), dtype=object))


def _scores(func: str, predictions: pd.DataFrame) -> np.ndarray | None:
    if "score" not in predictions.columns:
        return None
    column = predictions["score"]
    if not (pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)):
        try:
            column = pd.to_numeric(column.where(column.notna(), np.nan), errors="raise")
        except (TypeError, ValueError):
            raise invalid_parameter(func, "predictions", "have a numeric 'score' column",
                                    predictions,
                                    got_text=f"dtype {predictions['score'].dtype}") from None
    return column.to_numpy(dtype=np.float64, na_value=np.nan)


def _strings(values: Any) -> pa.Array:
    """A column as an Arrow ``large_string`` array, nulls as ``''``."""
    try:
        array = pa.array(values, from_pandas=True) if not isinstance(
            values, (pa.Array, pa.ChunkedArray)) else values
        if isinstance(array, pa.ChunkedArray):
            array = array.combine_chunks()
        if pa.types.is_dictionary(array.type):
            array = array.dictionary_decode()
        if not pa.types.is_large_string(array.type):
            array = pc.cast(array, pa.large_string())
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        # Mixed Python objects: fall back to their str(), nulls kept as nulls.
        series = pd.Series(values, dtype=object)
        series = series.where(series.isna(), series.astype(str))
        array = pa.array(series, type=pa.large_string(), from_pandas=True)
    return pc.fill_null(array, "")
