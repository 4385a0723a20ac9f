"""The rules of ``legal_aid`` on clean tables (docs/points/legal_aid.md).

A pure, vectorised function of the six tables and ``as_of``: the generator calls it to label a
scenario, and the tests call it on noised tables after normalisation to show that noise never
changes a fact.

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

import numpy as np
import pandas as pd

from synthetic.points.legal_aid.schema import (
    ADULT_AGE, GRAVE_PENALTIES, LATE, LEGAL_AID, LIMITED, MISSING, NOTICE_DAYS, QUALIFIED_YEARS,
    RETAINED, SENSORY_CATEGORIES, UNQUALIFIED)

DEADLINE = pd.Timedelta(days=NOTICE_DAYS)


def ymd(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year, 0-based month and 0-based day of ``datetime64[D]`` values."""
    days = np.asarray(days, dtype="datetime64[D]")
    month = days.astype("datetime64[M]")
    return (days.astype("datetime64[Y]").astype(np.int64) + 1970,
            month.astype(np.int64) % 12, (days - month.astype("datetime64[D]")).astype(np.int64))


def is_leap(year: np.ndarray) -> np.ndarray:
    return (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))


def from_ymd(year: np.ndarray, month0: np.ndarray, day0: np.ndarray) -> np.ndarray:
    months = (year - 1970).astype("datetime64[Y]").astype("datetime64[M]") + month0
    return months.astype("datetime64[D]") + day0


def birthdays(births: np.ndarray, years: int) -> np.ndarray:
    """The ``years``-th birthday in law: 29 February falls on 28 February in a common year."""
    year, month, day = ymd(births)
    year = year + years
    return from_ymd(year, month, np.where((month == 1) & (day == 28) & ~is_leap(year), 27, day))


def _dates(series: pd.Series) -> pd.Series:
    return pd.to_datetime(series, format="%Y-%m-%d")


def birth_dates(defendants: pd.DataFrame) -> pd.Series:
    """``birth_date``, or the birth date inside the (18-digit) ID number where it is empty."""
    given = defendants["birth_date"].fillna("")
    from_id = defendants["id_number"].str[6:14]
    iso = given.where(given != "", from_id.str[:4] + "-" + from_id.str[4:6] + "-"
                      + from_id.str[6:8])
    return _dates(iso)


def _having(ids: pd.Series, rows: pd.DataFrame, mask) -> np.ndarray:
    return ids.isin(rows.loc[np.asarray(mask, dtype=bool), "defendant_id"]).to_numpy()


def assess(cases: pd.DataFrame, defendants: pd.DataFrame, disabilities: pd.DataFrame,
           assessments: pd.DataFrame, defenders: pd.DataFrame, aid_notices: pd.DataFrame, *,
           as_of: datetime.date) -> pd.DataFrame:
    """Per defendant: ``accepted``, the four grounds, ``mandatory``, ``due``, ``retained``,
    ``aid``, ``junior_aid`` and ``first_notice`` (NaT when there is none)."""
    d = defendants[["defendant_id", "case_no", "id_number", "possible_max_penalty"]].merge(
        cases[["case_no", "accepted_date"]].drop_duplicates("case_no"), on="case_no", how="left")
    ids = d["defendant_id"]
    accepted = _dates(d["accepted_date"])
    adult_day = birthdays(birth_dates(defendants).to_numpy("datetime64[D]"), ADULT_AGE)
    holders = disabilities.loc[disabilities["category"].isin(SENSORY_CATEGORIES).to_numpy(),
                               "card_no"].str[:18]
    aid_rows = defenders["defender_type"] == LEGAL_AID
    first = aid_notices.assign(day=_dates(aid_notices["notice_date"])).groupby(
        "defendant_id")["day"].min()
    out = pd.DataFrame({
        "defendant_id": ids.to_numpy(),
        "accepted": accepted.to_numpy(),
        "minor": accepted.to_numpy("datetime64[D]") <= adult_day,
        "sensory": d["id_number"].isin(holders).to_numpy(),
        "limited": _having(ids, assessments, assessments["capacity"] == LIMITED),
        "grave": d["possible_max_penalty"].isin(GRAVE_PENALTIES).to_numpy(),
        "due": (accepted + DEADLINE < pd.Timestamp(as_of)).to_numpy(),
        "retained": _having(ids, defenders, defenders["defender_type"] == RETAINED),
        "aid": _having(ids, defenders, aid_rows),
        "junior_aid": _having(ids, defenders, aid_rows & (defenders["lawyer_years"]
                                                          < QUALIFIED_YEARS)),
        "first_notice": first.reindex(ids).to_numpy(),
    })
    out["mandatory"] = out[["minor", "sensory", "limited", "grave"]].any(axis=1)
    return out


def compute_labels(cases: pd.DataFrame, defendants: pd.DataFrame, disabilities: pd.DataFrame,
                   assessments: pd.DataFrame, defenders: pd.DataFrame,
                   aid_notices: pd.DataFrame, *, as_of: datetime.date) -> pd.DataFrame:
    """``record_id, reason`` rows (one per defendant and reason that applies), sorted and unique.

    Tables must be clean: canonical ID numbers, ``YYYY-MM-DD`` dates; extra columns are ignored.
    """
    a = assess(cases, defendants, disabilities, assessments, defenders, aid_notices,
               as_of=as_of)
    open_ = a["due"] & ~a["retained"]
    noticed = a["first_notice"].notna()
    found = {
        MISSING: open_ & a["mandatory"] & ~a["aid"] & ~noticed,
        LATE: open_ & a["mandatory"] & noticed & (a["first_notice"] > a["accepted"] + DEADLINE),
        UNQUALIFIED: open_ & a["grave"] & a["junior_aid"],
    }
    out = pd.concat([pd.DataFrame({"record_id": a.loc[mask.to_numpy(), "defendant_id"],
                                   "reason": reason}) for reason, mask in found.items()],
                    ignore_index=True)
    out = out.sort_values(["record_id", "reason"], kind="stable").reset_index(drop=True)
    return out[["record_id", "reason"]].astype(str)
