"""The rules of ``shell_company`` (docs/points/shell_company.md), vectorised.

:func:`reasons` applies them to index arrays — the generator labels a scenario from its ledger
that way — and :func:`compute_labels` turns clean tables into those arrays, so the tests can run
the same rules on noised tables after normalisation and show that noise never changes a fact.

* The *window* is the 24 calendar months ending with the month that contains ``as_of``; its
  *block* is the last 6 of them.
* *No staff*: no ``social_insurance`` row of the window with ``insured_count > 0``.
* ``SHELL_INVOICE_MILL``: no staff, window ``invoiced_yuan`` ≥ 500,000 and window
  ``tax_paid_yuan`` below 1% of it, compared exactly in cents. Repeated rows of a company and
  month are one filing (the contract allows one per month, so the repeats are duplicates).
* ``SHELL_ACCOUNT_FRAUD``: no staff and the company owns a ``fraud_accounts`` row.
* ``SHELL_FAKE_REGISTRATION``: no staff, and the legal representative (by ID number) is low
  income, a student or aged 70+ at ``as_of`` and represents a set of at least 3 companies,
  the subject among them, established at most 180 days apart.
* ``SHELL_ZOMBIE_UNREVOKED``: ``存续``, established before the block's first day, and no
  ``正常`` filing row in any block month.
"""

from __future__ import annotations

import datetime

import numpy as np
import pandas as pd

from synthetic.points.shell_company.schema import (
    ACCOUNT_FRAUD, BLOCK_MONTHS, EXISTING, FAKE_REGISTRATION, INVOICE_MILL, MILL_MIN_CENTS,
    MILL_TAX_PERCENT, NORMAL, RING_MIN, RING_SPAN_DAYS, STRAW_AGE, WINDOW_MONTHS, ZOMBIE)


def month_number(year, month):
    """Months since year 0: consecutive calendar months differ by one."""
    return year * 12 + month - 1


def window(as_of: datetime.date) -> tuple[int, int, pd.Timestamp]:
    """(first and last month number of the window, the block's first day)."""
    last = month_number(as_of.year, as_of.month)
    block = last - BLOCK_MONTHS + 1
    return last - WINDOW_MONTHS + 1, last, pd.Timestamp(block // 12, block % 12 + 1, 1)


def _days(series: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(series):
        return series
    return pd.to_datetime(series, format="%Y-%m-%d")


def _months(frame: pd.DataFrame) -> np.ndarray:
    return month_number(frame["year"].to_numpy(np.int64), frame["month"].to_numpy(np.int64))


def ages(birth: pd.Series, on: datetime.date) -> np.ndarray:
    """Age in years on ``on`` as the law counts it: N is reached the day after the Nth
    birthday, and 29 February's birthday falls on 28 February in a common year."""
    birth = _days(birth)
    by, bm, bd = (birth.dt.year.to_numpy(), birth.dt.month.to_numpy(), birth.dt.day.to_numpy())
    leap = (on.year % 4 == 0) and (on.year % 100 != 0 or on.year % 400 == 0)
    bd = np.where((bm == 2) & (bd == 29) & (not leap), 28, bd)
    passed = bm * 100 + bd < on.month * 100 + on.day
    return on.year - by - np.where(passed, 0, 1)


def ring_members(rep: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Companies in a set of ≥ 3 of one representative's companies established ≤ 180 days
    apart: a window of 180 days that starts at one of the rep's dates and holds 3 dates.
    ``rep`` is any key per company, ``day`` the established day number."""
    rep_id = pd.factorize(rep)[0].astype(np.int64)
    day = np.asarray(day, dtype=np.int64)
    if len(day) == 0:
        return np.zeros(0, dtype=bool)
    stride = int(day.max() - day.min()) + RING_SPAN_DAYS + 2
    key = rep_id * stride + (day - day.min())
    order = np.argsort(key, kind="stable")
    key = key[order]
    start = np.searchsorted(key, key, "left")        # a window starts at the first of ties
    end = np.searchsorted(key, key + RING_SPAN_DAYS, "right")
    full = (end - start) >= RING_MIN
    cover = np.zeros(len(key) + 1, dtype=np.int64)
    np.add.at(cover, start[full], 1)
    np.add.at(cover, end[full], -1)
    out = np.empty(len(key), dtype=bool)
    out[order] = np.cumsum(cover[:-1]) > 0
    return out


def reasons(*, as_of: datetime.date, established: np.ndarray, existing: np.ndarray,
            rep: np.ndarray, straw_rep: np.ndarray, tax_company: np.ndarray,
            tax_month: np.ndarray, invoiced_cents: np.ndarray, paid_cents: np.ndarray,
            normal: np.ndarray, si_company: np.ndarray, si_month: np.ndarray,
            insured: np.ndarray, fraud_company: np.ndarray) -> dict[str, np.ndarray]:
    """Which companies each reason applies to, from index arrays: companies are 0..n-1 (rows
    of ``established``), months are :func:`month_number` values, and ``tax_*`` holds at most
    one row per company and month (the generator's ledger, or clean tables without repeats)."""
    n = len(established)
    first, last, block_start = window(as_of)
    inside = (si_month >= first) & (si_month <= last) & (insured > 0)
    no_staff = np.bincount(si_company[inside], minlength=n) == 0
    inside = (tax_month >= first) & (tax_month <= last)
    inv = np.bincount(tax_company[inside], invoiced_cents[inside], minlength=n).astype(np.int64)
    paid = np.bincount(tax_company[inside], paid_cents[inside], minlength=n).astype(np.int64)
    filed = np.bincount(tax_company[(tax_month > last - BLOCK_MONTHS) & (tax_month <= last)
                                    & normal], minlength=n) > 0
    block_day = np.datetime64(block_start.date(), "D").astype(np.int64)
    return {
        INVOICE_MILL: no_staff & (inv >= MILL_MIN_CENTS) & (paid * 100 < inv * MILL_TAX_PERCENT),
        ACCOUNT_FRAUD: no_staff & (np.bincount(fraud_company, minlength=n) > 0),
        FAKE_REGISTRATION: no_staff & straw_rep & ring_members(rep, established),
        ZOMBIE: existing & (np.asarray(established, np.int64) < block_day) & ~filed,
    }


def _index(codes, known: pd.Index) -> np.ndarray:
    return known.get_indexer(pd.Series(codes).to_numpy())


def compute_labels(companies: pd.DataFrame, persons: pd.DataFrame, tax_monthly: pd.DataFrame,
                   social_insurance: pd.DataFrame, fraud_accounts: pd.DataFrame, *,
                   as_of: datetime.date) -> pd.DataFrame:
    """``record_id, reason`` rows (one per company and reason that applies), sorted and unique.

    Tables must be clean: canonical codes and ID numbers, ``YYYY-MM-DD`` dates; keys may be of
    any type that compares equal across tables. Rows of another company are ignored; tax rows
    repeating a company and month are duplicates and count once. Extra columns are ignored.
    """
    code = pd.Index(companies["uscc"])
    tax_company = _index(tax_monthly["taxpayer_code"], code)
    tax_month = _months(tax_monthly)
    once = (tax_company >= 0) & ~pd.Series(tax_company * 2**20 + tax_month).duplicated().to_numpy()
    si_company = _index(social_insurance["unit_code"], code)
    mine = si_company >= 0
    fraud_company = _index(fraud_accounts["owner_code"], code)

    people = persons.drop_duplicates("id_number")
    straw = (people["low_income"].to_numpy(bool) | people["student"].to_numpy(bool)
             | (ages(people["birth_date"], as_of) >= STRAW_AGE))
    rep = companies["legal_rep_id"].to_numpy()
    found = reasons(
        as_of=as_of,
        established=_days(companies["established_date"]).to_numpy("datetime64[D]")
        .astype(np.int64),
        existing=companies["status"].to_numpy() == EXISTING, rep=rep,
        straw_rep=pd.Series(rep).isin(people.loc[straw, "id_number"]).to_numpy(),
        tax_company=tax_company[once], tax_month=tax_month[once],
        invoiced_cents=np.round(tax_monthly["invoiced_yuan"].to_numpy()[once] * 100),
        paid_cents=np.round(tax_monthly["tax_paid_yuan"].to_numpy()[once] * 100),
        normal=(tax_monthly["filing_status"].to_numpy() == NORMAL)[once],
        si_company=si_company[mine], si_month=_months(social_insurance)[mine],
        insured=social_insurance["insured_count"].to_numpy()[mine],
        fraud_company=fraud_company[fraud_company >= 0])
    return label_frame(code.to_numpy(), found)


def label_frame(record_ids: np.ndarray, found: dict[str, np.ndarray]) -> pd.DataFrame:
    """``record_id, reason`` rows of the companies each reason applies to, sorted."""
    out = pd.concat([pd.DataFrame({"record_id": record_ids[hit], "reason": reason})
                     for reason, hit in found.items()], ignore_index=True)
    return out.sort_values(["record_id", "reason"], kind="stable").reset_index(drop=True)
