"""Error analysis of one run on a *public* scenario: missed clues, false alarms, per reason.

Only public scenarios are analysed: their labels are published to the teams anyway. The
leaderboard renderer refuses an analysis of a private run, so a private clue id or a private
per-record outcome can never reach a page or an export.

* **missed clues** — labelled records the run did not flag (record level), with their reasons;
* **false alarms** — flagged records that are not clues, with the reasons the run named;
* **per-reason confusion** — over distinct (record_id, reason) pairs with a named reason, as at the
  reason level of :func:`scoring.score_run`: per reason code, the pairs found (TP), flagged but
  wrong (FP) and missed (FN). A reason code the point does not define shows up with FP only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from numbers import Integral

import pandas as pd

from scoring.metrics import _check_frame, _strings, invalid_parameter

__all__ = ["DEFAULT_LIST_LIMIT", "ReasonCounts", "RunAnalysis", "analyze_run", "sum_reasons"]

DEFAULT_LIST_LIMIT = 50


@dataclass(frozen=True)
class ReasonCounts:
    """True positives, false positives and false negatives of one reason code."""

    reason: str
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def f1(self) -> float | None:
        total = 2 * self.tp + self.fp + self.fn
        return 2 * self.tp / total if total else None


@dataclass(frozen=True)
class RunAnalysis:
    """The error analysis of one run; the lists hold at most ``limit`` records each, by id.

    Each list item is ``(record_id, reasons)``; the ``*_count`` fields count every record.
    """

    missed: tuple[tuple[str, tuple[str, ...]], ...]
    missed_count: int
    false_alarms: tuple[tuple[str, tuple[str, ...]], ...]
    false_alarm_count: int
    reasons: tuple[ReasonCounts, ...]
    limit: int


def analyze_run(labels: pd.DataFrame, predictions: pd.DataFrame, *,
                reason_codes: Iterable[str] = (), limit: int = DEFAULT_LIST_LIMIT) -> RunAnalysis:
    """Compare ``predictions`` with a public scenario's ``labels`` record by record.

    ``reason_codes`` (the point's codes) are listed in the confusion table even when neither
    side uses them, in their order; other codes follow sorted.

    >>> labels = pd.DataFrame({"record_id": ["a", "b"], "reason": ["R1", "R2"]})
    >>> predictions = pd.DataFrame({"record_id": ["a", "c"], "reason": ["R1", "R9"]})
    >>> a = analyze_run(labels, predictions, reason_codes=["R1", "R2"])
    >>> a.missed, a.false_alarms
    ((('b', ('R2',)),), (('c', ('R9',)),))
    >>> [(r.reason, r.tp, r.fp, r.fn) for r in a.reasons]
    [('R1', 1, 0, 0), ('R2', 0, 0, 1), ('R9', 0, 1, 0)]
    """
    func = "analyze_run"
    _check_frame(func, "labels", labels, ("record_id", "reason"))
    _check_frame(func, "predictions", predictions, ("record_id",))
    if isinstance(limit, bool) or not isinstance(limit, Integral) or limit < 0:
        raise invalid_parameter(func, "limit", "a non-negative int", limit)
    if isinstance(reason_codes, (str, bytes)) or not isinstance(reason_codes, Iterable):
        raise invalid_parameter(func, "reason_codes", "an iterable of reason codes",
                                reason_codes)
    codes = [str(code) for code in reason_codes]

    true = _pairs(labels["record_id"], labels["reason"])
    pred = _pairs(predictions["record_id"],
                  predictions["reason"] if "reason" in predictions.columns
                  else pd.Series([""] * len(predictions), dtype=object))
    true_ids, pred_ids = set(true["record_id"]), set(pred["record_id"])
    missed_ids = sorted(true_ids - pred_ids)
    false_ids = sorted(pred_ids - true_ids)

    true_named = set(map(tuple, true.loc[true["reason"] != "", ["record_id", "reason"]].values))
    pred_named = set(map(tuple, pred.loc[pred["reason"] != "", ["record_id", "reason"]].values))
    counts: dict[str, list[int]] = {code: [0, 0, 0] for code in codes}
    for _, reason in true_named & pred_named:
        counts.setdefault(reason, [0, 0, 0])[0] += 1
    for _, reason in pred_named - true_named:
        counts.setdefault(reason, [0, 0, 0])[1] += 1
    for _, reason in true_named - pred_named:
        counts.setdefault(reason, [0, 0, 0])[2] += 1
    order = codes + sorted(set(counts) - set(codes))
    return RunAnalysis(
        missed=_listing(true, missed_ids[:limit]), missed_count=len(missed_ids),
        false_alarms=_listing(pred, false_ids[:limit]), false_alarm_count=len(false_ids),
        reasons=tuple(ReasonCounts(code, *counts[code]) for code in order), limit=int(limit))


def sum_reasons(analyses: Iterable[RunAnalysis]) -> tuple[ReasonCounts, ...]:
    """Per-reason counts summed over several runs, in first-seen order."""
    total: dict[str, list[int]] = {}
    for analysis in analyses:
        for counts in analysis.reasons:
            slot = total.setdefault(counts.reason, [0, 0, 0])
            slot[0] += counts.tp
            slot[1] += counts.fp
            slot[2] += counts.fn
    return tuple(ReasonCounts(reason, *values) for reason, values in total.items())


def _pairs(record_ids: pd.Series, reasons: pd.Series) -> pd.DataFrame:
    frame = pd.DataFrame({"record_id": _strings(record_ids).to_pylist(),
                          "reason": _strings(reasons).to_pylist()})
    return frame.drop_duplicates(ignore_index=True)


def _listing(pairs: pd.DataFrame, ids: list[str]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if not ids:
        return ()
    chosen = pairs[pairs["record_id"].isin(ids)]
    reasons: Mapping[str, list[str]] = (
        chosen[chosen["reason"] != ""].groupby("record_id")["reason"]
        .apply(lambda s: sorted(set(s))).to_dict())
    return tuple((record_id, tuple(reasons.get(record_id, ()))) for record_id in ids)
