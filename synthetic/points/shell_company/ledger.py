"""The monthly tax and social-insurance rows and the police fraud list, from the plan.

Rows are compact index arrays (company ``int32``, month index ``int8``, cents ``int64``) until
:mod:`render` turns them into Arrow columns, so the monthly rows fit in memory (about 35 million
at a million companies). Each company's window totals are split over its normal months by random
weights in whole cents, the remainder on its first row, so the sums are exact.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from synthetic.points.shell_company import identity
from synthetic.points.shell_company.plan import EXISTING, ONE_MONTH, STAFF, ZERO, Plan
from synthetic.points.shell_company.schema import WINDOW_MONTHS

ABNORMAL_SHARE = 0.7      # months after a 存续 company stops filing that show 非正常户
PRE_MONTHS = 2            # filings before the window: months -2 and -1
EXTRA_ACCOUNT = 0.3       # listed companies with a second listed account
REPORT_YEARS = 3


@dataclass(frozen=True)
class Ledger:
    tax_company: np.ndarray     # int32 company index
    tax_month: np.ndarray       # int8 month index (-2 .. 23)
    invoiced: np.ndarray        # cents
    input: np.ndarray
    paid: np.ndarray
    abnormal: np.ndarray        # filing_status 非正常户
    si_company: np.ndarray
    si_month: np.ndarray
    insured: np.ndarray         # int32


def iso(days: np.ndarray) -> pa.Array:
    """``YYYY-MM-DD`` strings of day numbers, through a table of the days in range."""
    days = np.asarray(days, dtype=np.int64)
    lo = int(days.min()) if len(days) else 0
    span = np.arange(lo, int(days.max()) + 1 if len(days) else 0).astype("datetime64[D]")
    return pa.array(np.datetime_as_string(span).tolist(), pa.string()).take(pa.array(days - lo))


def _spans(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(company, month) for every month in ``[lo, hi)`` of each company."""
    n = np.maximum(hi - lo, 0)
    company = np.repeat(np.arange(len(lo), dtype=np.int32), n)
    start = np.repeat(np.cumsum(n) - n, n)
    month = lo[company] + np.arange(len(company)) - start
    return company, month.astype(np.int8)


def _split(total: np.ndarray, company: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """``total[c]`` cents over the rows of each company ``c`` in proportion to ``weight``."""
    n = len(total)
    wsum = np.bincount(company, weight, minlength=n)
    share = np.floor(total[company] * (weight / wsum[company])).astype(np.int64)
    rest = total - np.bincount(company, share, minlength=n).astype(np.int64)
    first = np.flatnonzero(np.r_[len(company) > 0, company[1:] != company[:-1]])
    share[first] += rest[company[first]]
    return share


def _tax(rng, plan: Plan) -> dict:
    size = len(plan.first)
    c_norm, m_norm = _spans(plan.first, plan.stop)
    tail = (plan.status == EXISTING) & (plan.stop < WINDOW_MONTHS)
    c_tail, m_tail = _spans(np.where(tail, plan.stop, 0), np.where(tail, WINDOW_MONTHS, 0))
    keep = (rng.random(len(c_tail)) < ABNORMAL_SHARE) & (m_tail != plan.one_filing[c_tail])
    c_tail, m_tail = c_tail[keep], m_tail[keep]
    once = np.flatnonzero(plan.one_filing >= 0).astype(np.int32)
    pre = np.flatnonzero(plan.pre).astype(np.int32)
    c_pre = np.repeat(pre, PRE_MONTHS)
    m_pre = np.tile(np.arange(-PRE_MONTHS, 0, dtype=np.int8), len(pre))

    weight = rng.gamma(2.0, 1.0, len(c_norm))
    inv = _split(plan.inv, c_norm, weight)
    paid = _split(plan.paid, c_norm, weight)
    pre_w = rng.gamma(2.0, 1.0, len(c_pre))
    pre_inv = _split(plan.pre_inv, c_pre, pre_w)
    pre_paid = _split(plan.pre_paid, c_pre, pre_w)
    ratio = np.where(plan.mill_input, rng.uniform(0.92, 1.0, size), rng.uniform(0.55, 0.9, size))
    zeros = np.zeros(len(c_tail) + len(once), dtype=np.int64)
    company = np.concatenate([c_norm, c_tail, once, c_pre])
    invoiced = np.concatenate([inv, zeros, pre_inv])
    return {"company": company, "month": np.concatenate([m_norm, m_tail,
                                                         plan.one_filing[once].astype(np.int8),
                                                         m_pre]),
            "invoiced": invoiced, "input": (invoiced * ratio[company]).astype(np.int64),
            "paid": np.concatenate([paid, zeros, pre_paid]),
            "abnormal": np.concatenate([np.zeros(len(c_norm), bool), np.ones(len(c_tail), bool),
                                        np.zeros(len(once) + len(c_pre), bool)])}


def _insurance(rng, plan: Plan) -> dict:
    size = len(plan.first)
    rows = np.isin(plan.staff, (STAFF, ZERO, ONE_MONTH))
    company, month = _spans(np.where(rows, plan.first, 0), np.where(rows, plan.stop, 0))
    headcount = np.exp(rng.normal(1.8, 1.1, size)).clip(1, 800)
    count = np.maximum(1, np.round(headcount[company] * rng.uniform(0.85, 1.15, len(company))))
    mode = plan.staff[company]
    count = np.where(mode == STAFF, count, 0)
    count = np.where((mode == ONE_MONTH) & (month == plan.staff_month[company]),
                     np.maximum(1, count // 4) + 1, count)
    before = np.flatnonzero(plan.staff_before).astype(np.int32)
    c_before = np.repeat(before, PRE_MONTHS)
    m_before = np.tile(np.arange(-PRE_MONTHS, 0, dtype=np.int8), len(before))
    count_before = np.round(headcount[c_before]).astype(np.int64)
    return {"company": np.concatenate([company, c_before]),
            "month": np.concatenate([month, m_before]),
            "insured": np.concatenate([count, count_before]).astype(np.int32)}


def build_ledger(rng: np.random.Generator, plan: Plan) -> Ledger:
    tax, si = _tax(rng, plan), _insurance(rng, plan)
    return Ledger(tax_company=tax["company"], tax_month=tax["month"],
                  invoiced=tax["invoiced"], input=tax["input"], paid=tax["paid"],
                  abnormal=tax["abnormal"], si_company=si["company"], si_month=si["month"],
                  insured=si["insured"])


def fraud_table(rng: np.random.Generator, plan: Plan, uscc: pa.Array, county: np.ndarray,
                as_of: datetime.date) -> pa.Table:
    """The police list: accounts of the listed companies and of companies elsewhere (codes
    past the subjects in ``uscc``), reported within the last three years, in random order."""
    size = len(plan.first)
    listed = np.flatnonzero(plan.fraud)
    listed = np.concatenate([listed, listed[rng.random(len(listed)) < EXTRA_ACCOUNT]])
    owners = np.concatenate([listed, np.arange(size, len(uscc))])
    owners = owners[rng.permutation(len(owners))]
    today = int(np.datetime64(as_of, "D").astype(np.int64))
    day = rng.integers(today - 365 * REPORT_YEARS, today + 1, len(owners))
    return pa.table({
        "account_no": pa.array(identity.accounts(rng, len(owners)), pa.string()),
        "owner_code": uscc.take(pa.array(owners)),
        "case_no": identity.case_numbers(rng, county[owners], day),
        "reported_date": iso(day),
    })
