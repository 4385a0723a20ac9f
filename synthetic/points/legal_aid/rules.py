"""The rules of ``legal_aid`` on clean tables (docs/points/legal_aid.md).

Pure and vectorised: :func:`reasons` applies the rules to per-defendant :class:`Evidence` — the
generator labels a scenario from the evidence it built the tables from — and :func:`evidence`
reads that evidence from clean tables, so the tests run the same rules on noised tables after
normalisation and show that noise never changes a fact.

* A defendant is *mandatory* when, on the case's ``accepted_date``, they are under 18 (the law's
  age: 18 is reached the day *after* the 18th birthday; a 29 February birthday falls on 28
  February in a common year), hold a card of category 1, 2 or 3 (``card_no`` = ID number +
  category + grade), are assessed ``限制``, or face ``无期徒刑`` / ``死刑``.
* A defendant can be a clue only when ``accepted_date + 3 days < as_of``; a ``委托`` defender of
  any date removes every reason.
* ``LA_MISSING_DEFENDER``: mandatory, no ``法律援助`` defender and no aid notice.
* ``LA_LATE_NOTICE``: mandatory, the earliest aid notice later than ``accepted_date + 3 days``.
* ``LA_UNQUALIFIED_LAWYER``: facing 无期徒刑 / 死刑, a ``法律援助`` defender with
  ``lawyer_years < 3``.

The birth date is read from the ID number where ``birth_date`` is empty. Every other table
counts by existence (or the earliest date), so duplicate rows need no dropping.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import numpy as np
import pandas as pd

from synthetic.points.legal_aid.schema import (
    ADULT_AGE, GRAVE_PENALTIES, LATE, LEGAL_AID, LIMITED, MISSING, NOTICE_DAYS, QUALIFIED_YEARS,
    RETAINED, SENSORY_CATEGORIES, UNQUALIFIED)

NO_NOTICE = 2**62          # the first notice of a defendant without one: after any day


def _day_numbers(days) -> np.ndarray:
    days = np.asarray(days)
    return days.astype("datetime64[D]").astype(np.int64) if days.dtype.kind == "M" else (
        days.astype(np.int64))


def ymd(days) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year, 0-based month and 0-based day of ``datetime64[D]`` values or day numbers (integer
    arithmetic on the proleptic Gregorian calendar, several times faster than datetime64 casts)."""
    z = _day_numbers(days) + 719468                  # days since 0000-03-01
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    march = (5 * doy + 2) // 153                     # months counted from March
    month0 = np.where(march < 10, march + 2, march - 10)
    return yoe + era * 400 + (month0 <= 1), month0, doy - (153 * march + 2) // 5


def is_leap(year: np.ndarray) -> np.ndarray:
    return (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))


def from_ymd(year: np.ndarray, month0: np.ndarray, day0: np.ndarray) -> np.ndarray:
    """``datetime64[D]`` of a year, 0-based month and 0-based day (the inverse of :func:`ymd`)."""
    year = year - (month0 <= 1)
    era = year // 400
    yoe = year - era * 400
    doy = (153 * ((month0 + 10) % 12) + 2) // 5 + day0
    days = era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719468
    return np.asarray(days, dtype=np.int64).astype("datetime64[D]")


def birthdays(births: np.ndarray, years: int) -> np.ndarray:
    """The ``years``-th birthday in law: 29 February falls on 28 February in a common year."""
    year, month, day = ymd(births)
    year = year + years
    return from_ymd(year, month, np.where((month == 1) & (day == 28) & ~is_leap(year), 27, day))


@dataclass(frozen=True)
class Evidence:
    """What the rules read, one entry per defendant: day numbers (days since 1970-01-01) and
    whether each kind of row exists."""

    accepted: np.ndarray       # the case's accepted_date
    adult: np.ndarray          # the 18th birthday in law (a minor is accepted on or before it)
    sensory: np.ndarray        # a card of category 1-3 on the defendant's ID number
    limited: np.ndarray        # an assessment 限制
    grave: np.ndarray          # facing 无期徒刑 or 死刑
    retained: np.ndarray       # a 委托 defender
    aid: np.ndarray            # a 法律援助 defender
    junior_aid: np.ndarray     # ... with lawyer_years < 3
    first_notice: np.ndarray   # the earliest aid notice, NO_NOTICE when there is none


def reasons(e: Evidence, as_of: datetime.date) -> dict[str, np.ndarray]:
    """Which defendants each reason applies to."""
    mandatory = (e.accepted <= e.adult) | e.sensory | e.limited | e.grave
    open_ = (e.accepted + NOTICE_DAYS < np.datetime64(as_of, "D").astype(np.int64)) & ~e.retained
    noticed = e.first_notice != NO_NOTICE
    return {
        MISSING: open_ & mandatory & ~e.aid & ~noticed,
        LATE: open_ & mandatory & noticed & (e.first_notice > e.accepted + NOTICE_DAYS),
        UNQUALIFIED: open_ & e.grave & e.junior_aid,
    }


def label_rows(found: dict[str, np.ndarray], key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(defendant, reason) of every label, ordered by ``key`` (which sorts as the record ids do),
    then by reason; reasons index ``sorted(found)``."""
    masks = [found[c] for c in sorted(found)]
    row = np.concatenate([np.flatnonzero(m) for m in masks])
    reason = np.repeat(np.arange(len(masks)), [int(m.sum()) for m in masks])
    at = np.lexsort((reason, key[row]))
    return row[at], reason[at]


def _days(series: pd.Series) -> np.ndarray:
    return pd.to_datetime(series, format="%Y-%m-%d").to_numpy("datetime64[D]").astype(np.int64)


def birth_dates(defendants: pd.DataFrame) -> np.ndarray:
    """``birth_date``, or the birth date inside the (18-digit) ID number where it is empty, as
    day numbers."""
    given = defendants["birth_date"].fillna("")
    from_id = defendants["id_number"].str[6:14]
    iso = given.where(given != "", from_id.str[:4] + "-" + from_id.str[4:6] + "-"
                      + from_id.str[6:8])
    return _days(iso)


def _having(ids: pd.Series, rows: pd.DataFrame, mask) -> np.ndarray:
    return ids.isin(rows.loc[np.asarray(mask, dtype=bool), "defendant_id"]).to_numpy()


def evidence(cases: pd.DataFrame, defendants: pd.DataFrame, disabilities: pd.DataFrame,
             assessments: pd.DataFrame, defenders: pd.DataFrame,
             aid_notices: pd.DataFrame) -> Evidence:
    """The evidence of each ``defendants`` row, read from clean tables."""
    d = defendants[["defendant_id", "case_no", "id_number", "possible_max_penalty"]].merge(
        cases[["case_no", "accepted_date"]].drop_duplicates("case_no"), on="case_no", how="left")
    ids = d["defendant_id"]
    holders = disabilities.loc[disabilities["category"].isin(SENSORY_CATEGORIES).to_numpy(),
                               "card_no"].str[:18]
    aid_rows = defenders["defender_type"] == LEGAL_AID
    first = aid_notices.assign(day=_days(aid_notices["notice_date"])).groupby(
        "defendant_id")["day"].min()
    adult = birthdays(birth_dates(defendants).astype("datetime64[D]"), ADULT_AGE)
    return Evidence(
        accepted=_days(d["accepted_date"]),
        adult=adult.astype(np.int64),
        sensory=d["id_number"].isin(holders).to_numpy(),
        limited=_having(ids, assessments, assessments["capacity"] == LIMITED),
        grave=d["possible_max_penalty"].isin(GRAVE_PENALTIES).to_numpy(),
        retained=_having(ids, defenders, defenders["defender_type"] == RETAINED),
        aid=_having(ids, defenders, aid_rows),
        junior_aid=_having(ids, defenders, aid_rows & (defenders["lawyer_years"]
                                                       < QUALIFIED_YEARS)),
        first_notice=first.reindex(ids).fillna(NO_NOTICE).to_numpy().astype(np.int64))


def assess(cases: pd.DataFrame, defendants: pd.DataFrame, disabilities: pd.DataFrame,
           assessments: pd.DataFrame, defenders: pd.DataFrame, aid_notices: pd.DataFrame, *,
           as_of: datetime.date) -> pd.DataFrame:
    """Per defendant: ``accepted``, the four grounds, ``mandatory``, ``due``, ``retained``,
    ``aid``, ``junior_aid`` and ``first_notice`` (NaT when there is none)."""
    e = evidence(cases, defendants, disabilities, assessments, defenders, aid_notices)
    out = pd.DataFrame({
        "defendant_id": defendants["defendant_id"].to_numpy(),
        "accepted": e.accepted.astype("datetime64[D]").astype("datetime64[ns]"),
        "minor": e.accepted <= e.adult, "sensory": e.sensory, "limited": e.limited,
        "grave": e.grave,
        "due": e.accepted + NOTICE_DAYS < np.datetime64(as_of, "D").astype(np.int64),
        "retained": e.retained, "aid": e.aid, "junior_aid": e.junior_aid,
        "first_notice": np.where(e.first_notice == NO_NOTICE, np.datetime64("NaT"),
                                 e.first_notice.astype("datetime64[D]")).astype("datetime64[ns]"),
    })
    out["mandatory"] = out[["minor", "sensory", "limited", "grave"]].any(axis=1)
    return out


def compute_labels(cases: pd.DataFrame, defendants: pd.DataFrame, disabilities: pd.DataFrame,
                   assessments: pd.DataFrame, defenders: pd.DataFrame,
                   aid_notices: pd.DataFrame, *, as_of: datetime.date) -> pd.DataFrame:
    """``record_id, reason`` rows (one per defendant and reason that applies), sorted and unique.

    Tables must be clean: canonical ID numbers, ``YYYY-MM-DD`` dates; extra columns are ignored.
    """
    found = reasons(evidence(cases, defendants, disabilities, assessments, defenders,
                             aid_notices), as_of)
    ids = defendants["defendant_id"].astype(str).to_numpy()
    out = pd.DataFrame({"record_id": np.concatenate([ids[m] for m in found.values()]),
                        "reason": np.repeat(list(found), [int(m.sum()) for m in found.values()])})
    return out.sort_values(["record_id", "reason"], kind="stable").drop_duplicates(
        ).reset_index(drop=True).astype(str)
