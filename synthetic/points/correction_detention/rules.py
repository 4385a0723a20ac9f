"""The rules of ``correction_detention`` on clean tables (docs/points/correction_detention.md).

A pure, vectorised function of the four tables and ``as_of``: the generator calls it to label a
scenario, and the tests call it on noised tables after normalisation to show that noise never
changes a fact.

* An *effective detention* is a ``行政拘留`` row, ``executed`` and not ``revoked``, whose ID number
  is a subject's and whose ``decision_date`` lies in ``[start_date, end_date]``. Exact duplicate
  rows are one detention; rows with different ``punishment_no`` are different ones.
* A *sanction* is a ``警告``, ``提请撤销缓刑``, ``提请撤销假释`` or ``提请收监执行`` action.
* ``CC_NO_SANCTION_AFTER_DETENTION``: an effective detention with ``decision + 30 days < as_of``
  and no sanction dated ``decision .. decision + 30 days``.
* ``CC_SHOULD_PROPOSE_REVOCATION``: the trigger (first effective detention by decision date for
  假释 / 暂予监外执行, second for 缓刑, none for 管制) has ``decision + 30 days < as_of`` and no
  proposal of the type's kind dated on or after its decision.
* ``CC_CHECKIN_DURING_DETENTION``: a ``现场`` check-in dated ``decision .. decision + days - 1`` of
  an effective detention.

Check-ins and sanctions count by existence, so their duplicate rows need no dropping.
"""

from __future__ import annotations

import datetime

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from synthetic.points.correction_detention.schema import (
    ACTIONS, CHECKIN_DURING, CORRECTION_TYPES, DETENTION, METHODS, NO_SANCTION, ONSITE, PROPOSAL,
    PUNISHMENT_TYPES, REASON_CODES, SANCTION_DAYS, SANCTIONS, SHOULD_PROPOSE, TRIGGER_RANK)

WINDOW = pd.Timedelta(days=SANCTION_DAYS)


def _dates(series: pd.Series) -> pd.Series:
    return pd.to_datetime(series, format="%Y-%m-%d")


def effective_detentions(subjects: pd.DataFrame, punishments: pd.DataFrame) -> pd.DataFrame:
    """``correction_no, correction_type, punishment_no, decision, detention_days`` per detention."""
    det = punishments.loc[(punishments["punishment_type"] == DETENTION).to_numpy()
                          & punishments["executed"].to_numpy(dtype=bool)
                          & ~punishments["revoked"].to_numpy(dtype=bool)].drop_duplicates()
    det = det[["punishment_no", "id_number", "decision_date", "detention_days"]].merge(
        subjects[["correction_no", "id_number", "correction_type", "start_date", "end_date"]],
        on="id_number")
    decision = _dates(det["decision_date"])
    inside = (decision >= _dates(det["start_date"])) & (decision <= _dates(det["end_date"]))
    det = det.assign(decision=decision).loc[inside]
    return det[["correction_no", "correction_type", "punishment_no", "decision",
                "detention_days"]].reset_index(drop=True)


def _actions(sanctions: pd.DataFrame, kinds) -> pd.DataFrame:
    rows = sanctions.loc[sanctions["action"].isin(list(kinds)).to_numpy()]
    return pd.DataFrame({"correction_no": rows["correction_no"].to_numpy(),
                         "action": rows["action"].to_numpy(),
                         "day": _dates(rows["action_date"]).to_numpy()})


def _without(frame: pd.DataFrame, found: pd.DataFrame, on: list[str]) -> pd.DataFrame:
    """Rows of ``frame`` whose ``on`` values are not among ``found``'s (an anti-join)."""
    marked = frame.merge(found[on].drop_duplicates().assign(_found=True), on=on, how="left")
    return marked.loc[marked["_found"].isna().to_numpy()]


def _unsanctioned(due: pd.DataFrame, sanctions: pd.DataFrame) -> pd.Series:
    """Subjects with a due detention that no sanction followed within 30 days."""
    pairs = due[["correction_no", "punishment_no", "decision"]].merge(
        _actions(sanctions, SANCTIONS), on="correction_no")
    hit = (pairs["day"] >= pairs["decision"]) & (pairs["day"] <= pairs["decision"] + WINDOW)
    key = ["correction_no", "punishment_no"]
    return _without(due[key], pairs.loc[hit.to_numpy()], key)["correction_no"]


def _unproposed(eff: pd.DataFrame, sanctions: pd.DataFrame, as_of: pd.Timestamp) -> pd.Series:
    """Subjects whose due trigger detention has no matching proposal on or after its decision."""
    eff = eff.sort_values(["correction_no", "decision"], kind="stable")
    rank = eff.groupby("correction_no", sort=False).cumcount() + 1
    trig = eff.loc[(rank == eff["correction_type"].map(TRIGGER_RANK)).to_numpy()]
    trig = trig.loc[(trig["decision"] + WINDOW < as_of).to_numpy()]
    pairs = trig[["correction_no", "correction_type", "decision"]].merge(
        _actions(sanctions, PROPOSAL.values()), on="correction_no")
    ok = (pairs["action"] == pairs["correction_type"].map(PROPOSAL)) & (
        pairs["day"] >= pairs["decision"])
    return _without(trig[["correction_no"]], pairs.loc[ok.to_numpy()],
                    ["correction_no"])["correction_no"]


def _checked_in(eff: pd.DataFrame, checkins: pd.DataFrame) -> pd.Series:
    """Subjects with a 现场 check-in on a day of one of their effective detentions."""
    rows = checkins.loc[(checkins["method"] == ONSITE).to_numpy(),
                        ["correction_no", "checkin_date"]]
    pairs = eff[["correction_no", "decision", "detention_days"]].merge(rows, on="correction_no")
    day = _dates(pairs["checkin_date"])
    last = pairs["decision"] + pd.to_timedelta(pairs["detention_days"] - 1, unit="D")
    return pairs.loc[((day >= pairs["decision"]) & (day <= last)).to_numpy(), "correction_no"]


def compute_labels(subjects: pd.DataFrame, punishments: pd.DataFrame, sanctions: pd.DataFrame,
                   checkins: pd.DataFrame, *, as_of: datetime.date) -> pd.DataFrame:
    """``record_id, reason`` rows (one per subject and reason that applies), sorted and unique.

    Tables must be clean: canonical ID numbers, ``YYYY-MM-DD`` dates; extra columns are ignored.
    """
    as_of = pd.Timestamp(as_of)
    eff = effective_detentions(subjects, punishments)
    due = eff.loc[(eff["decision"] + WINDOW < as_of).to_numpy()]
    found = [pd.DataFrame({"record_id": ids.to_numpy(), "reason": reason}) for ids, reason in (
        (_unsanctioned(due, sanctions), NO_SANCTION),
        (_unproposed(eff, sanctions, as_of), SHOULD_PROPOSE),
        (_checked_in(eff, checkins), CHECKIN_DURING))]
    out = pd.concat(found, ignore_index=True).drop_duplicates()
    out = out.sort_values(["record_id", "reason"], kind="stable").reset_index(drop=True)
    return out[["record_id", "reason"]].astype(str)


# --- the same rules on the generator's integer facts ------------------------------------------

_REASON_ORDER = tuple(sorted(REASON_CODES))
_SPAN = 1 << 21              # day numbers (offset by _DAY0) fit below this
_DAY0 = 1 << 20


def _in_window(owner: np.ndarray, events: dict, kind: np.ndarray, lo: np.ndarray,
               hi: np.ndarray) -> np.ndarray:
    """Per query row: whether some event of ``owner`` (``events["subj"]``) whose ``kind`` is
    True has a day in ``[lo, hi]``."""
    groups = _groups(events["subj"], len(kind))
    if groups is None:
        return _in_sorted_window(owner, events["subj"][kind], events["day"][kind], lo, hi)
    # the generator's tables keep each subject's rows together: read the few rows of each
    # queried subject in place rather than sorting every event
    first, count = groups
    first, count = first[owner], count[owner]
    hit = np.zeros(len(owner), dtype=bool)
    live = np.flatnonzero(count)
    for k in range(int(count.max(initial=0))):
        live = live[count[live] > k]
        row = first[live] + k
        day = events["day"][row]
        hit[live] |= kind[row] & (lo[live] <= day) & (day <= hi[live])
    return hit


def _groups(subj: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray] | None:
    """(first row, row count) per subject ``0 .. n - 1`` when each subject's rows are
    together, else None."""
    starts = np.flatnonzero(np.r_[True, subj[1:] != subj[:-1]]) if len(subj) else np.zeros(
        0, dtype=np.int64)
    owners = subj[starts]
    first, count = np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64)
    count[owners] = np.diff(np.r_[starts, len(subj)])
    if count.sum() != len(subj):          # some subject's rows are in two places
        return None
    first[owners] = starts
    return first, count


def _in_sorted_window(owner: np.ndarray, ev_owner: np.ndarray, ev_day: np.ndarray,
                      lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """:func:`_in_window` for events in any order, by one sort of (owner, day) keys."""
    keys = ev_owner.astype(np.int64)
    keys *= _SPAN
    keys += ev_day
    keys += _DAY0
    keys.sort()
    base = owner.astype(np.int64)
    base *= _SPAN
    base += _DAY0
    return np.searchsorted(keys, base + hi, "right") > np.searchsorted(keys, base + lo, "left")


def fact_labels(n_subjects: int, types: np.ndarray, start: np.ndarray, end: np.ndarray,
                pun: dict, san: dict, chk: dict, today: int) -> tuple[np.ndarray, np.ndarray]:
    """:func:`compute_labels` on integer facts: (subject, index into sorted reason codes) pairs,
    unique. Subjects are people ``0 .. n_subjects - 1`` (IDs are unique, so matching people by
    row is matching them by ID number); day numbers count from 1970-01-01; ``pun`` holds
    ``person, ptype, day, length, executed, revoked``, ``san`` ``subj, action, day`` (indices into
    ``ACTIONS``) and ``chk`` ``subj, method, day`` (indices into ``METHODS``)."""
    person = pun["person"]
    det = ((pun["ptype"] == PUNISHMENT_TYPES.index(DETENTION)) & pun["executed"]
           & ~pun["revoked"] & (person < n_subjects))
    s, d, length = person[det].astype(np.int64), pun["day"][det], pun["length"][det]
    inside = (d >= start[s]) & (d <= end[s])
    s, d, length = s[inside], d[inside], length[inside]
    due = d + SANCTION_DAYS < today
    found = []

    sanction = np.isin(san["action"], [ACTIONS.index(a) for a in SANCTIONS])
    hit = _in_window(s[due], san, sanction, d[due], d[due] + SANCTION_DAYS)
    found.append((s[due][~hit], NO_SANCTION))

    order = np.lexsort((d, s))
    so, do = s[order], d[order]
    first = np.r_[True, so[1:] != so[:-1]] if len(so) else np.zeros(0, dtype=bool)
    group_start = np.maximum.accumulate(np.where(first, np.arange(len(so)), 0))
    rank = np.arange(len(so)) - group_start + 1
    want = np.array([TRIGGER_RANK.get(t, 0) for t in CORRECTION_TYPES])[types[so]]
    trig = (rank == want) & (do + SANCTION_DAYS < today)
    ts, td = so[trig], do[trig]
    proposal_of = np.array([ACTIONS.index(PROPOSAL[t]) if t in PROPOSAL else -1
                            for t in CORRECTION_TYPES])
    matching = san["action"] == proposal_of[types[san["subj"]]]
    latest = np.full(n_subjects, np.iinfo(np.int64).min)
    np.maximum.at(latest, san["subj"][matching], san["day"][matching].astype(np.int64))
    found.append((ts[latest[ts] < td], SHOULD_PROPOSE))

    onsite = chk["method"] == METHODS.index(ONSITE)
    hit = _in_window(s, chk, onsite, d, d + length - 1)
    found.append((s[hit], CHECKIN_DURING))

    subj = np.concatenate([f[0] for f in found]).astype(np.int64)
    reason = np.concatenate([np.full(len(f[0]), _REASON_ORDER.index(f[1])) for f in found])
    key = np.unique(subj * len(_REASON_ORDER) + reason)
    return key // len(_REASON_ORDER), key % len(_REASON_ORDER)


def label_table(record_ids: pa.Array, subj: np.ndarray, reason: np.ndarray) -> pa.Table:
    """``record_id, reason`` rows for (subject, reason index) pairs, sorted by both."""
    table = pa.table({"record_id": record_ids.take(pa.array(subj, pa.int64())),
                      "reason": pa.array(_REASON_ORDER, pa.string()).take(
                          pa.array(reason, pa.int64()))})
    order = pc.sort_indices(table, sort_keys=[("record_id", "ascending"),
                                              ("reason", "ascending")])
    return table.take(order)
