"""Feature engineering for ``shell_company``, shared by ``train.py`` and ``model.py``.

Self-contained: pandas, numpy and the standard library only (it runs inside the sandbox).
:func:`company_features` turns the point's five tables into one row of numbers per company, in
the order of ``companies``. The features describe the facts the point's rules are about, but
leave the rules' thresholds (500,000 yuan, 1 %, 180 days, 70 years, 6 months) for the model to
learn from labelled public scenarios.

The inputs are normalised exactly as the organisers' rule baseline does it
(``submissions/shell_company_baseline``): credit codes and ID numbers NFKC-normalised
(full-width to half-width), stripped of every space and upper-cased, 15-digit legacy ID numbers
expanded to 18 digits; exact duplicate rows dropped; representatives matched by ID number only,
never by name; only the 24 months of the window count.
"""

from __future__ import annotations

import datetime

import numpy as np
import pandas as pd

POINT = "shell_company"
REASONS = ("SHELL_INVOICE_MILL", "SHELL_ACCOUNT_FRAUD", "SHELL_FAKE_REGISTRATION",
           "SHELL_ZOMBIE_UNREVOKED")
STATUSES = ("存续", "歇业", "吊销", "注销")
# A representative with fewer than 3 companies has no set of 3: "infinitely" spread.
NO_TRIPLE_DAYS = 100_000.0

FEATURES = (
    "staff_months",             # window months with insured_count > 0
    "staff_months_before",      # months with insured staff before the window (a distractor)
    "invoiced_yuan",            # sum of invoiced_yuan over the window
    "tax_paid_ratio",           # sum of tax_paid_yuan / sum of invoiced_yuan (1 when nothing)
    "fraud_accounts",           # listed accounts owned by the company
    "rep_companies",            # companies of the legal representative (by ID number)
    "rep_spread_days",          # latest minus earliest established date of those companies
    "rep_triple_span_days",     # smallest span of 3 of them, this company included
    "rep_age",                  # 周岁 at as_of from persons.birth_date (-1: unknown person)
    "rep_low_income_or_student",  # on the low-income register or a full-time student
    *(f"status_{s}" for s in STATUSES),
    "block_months_without_filing",   # of the last 6 window months: 非正常户 or no row
    "window_filing_months",          # window months with a 正常 row
    "days_established_before_block",  # block's first day minus established_date
)

CHECK_CHARS = np.array(list("10X98765432"))
WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])


def codes(series: pd.Series) -> pd.Series:
    """' 91340207mA2x… ' -> '91340207MA2X…' (credit codes and ID numbers alike).

    Monthly tables repeat each code about 20 times: only the distinct values are normalised.
    """
    position, distinct = pd.factorize(series.fillna("").astype(str).to_numpy(dtype=object))
    clean = (pd.Series(distinct, dtype=object).str.normalize("NFKC")
             .str.replace(r"\s+", "", regex=True).str.upper().to_numpy(dtype=object))
    return pd.Series(clean[position] if len(distinct) else np.array([], dtype=object)[position],
                     index=series.index, dtype=object)


def normalize_ids(series: pd.Series) -> pd.Series:
    """' 34020719800517123x' or '340207800517123' -> '34020719800517123X'."""
    s = codes(series)
    legacy = s.str.fullmatch(r"\d{15}").to_numpy(dtype=bool)
    if legacy.any():
        old = s[legacy]
        body = (old.str[:6] + "19" + old.str[6:]).to_numpy(dtype=str)
        digits = np.frombuffer("".join(body).encode("ascii"), dtype=np.uint8)
        digits = digits.reshape(-1, 17).astype(np.int64) - ord("0")
        s[legacy] = body.astype(object) + CHECK_CHARS[(digits @ WEIGHTS) % 11].astype(object)
    return s


def months(frame: pd.DataFrame) -> np.ndarray:
    return frame["year"].to_numpy(np.int64) * 12 + frame["month"].to_numpy(np.int64) - 1


def age(birth: pd.Series, on: datetime.date) -> np.ndarray:
    """周岁 on ``on``: a year is completed the day after the birthday (29 Feb: 28 Feb)."""
    leap = on.year % 4 == 0 and (on.year % 100 != 0 or on.year % 400 == 0)
    day = np.where((birth.dt.month == 2) & (birth.dt.day == 29) & (not leap), 28, birth.dt.day)
    passed = birth.dt.month.to_numpy() * 100 + day < on.month * 100 + on.day
    return on.year - birth.dt.year.to_numpy() - np.where(passed, 0, 1)


def triple_span(rep: np.ndarray, day: np.ndarray) -> np.ndarray:
    """For each company, the smallest ``latest - earliest`` (days) over the sets of 3 of its
    representative's companies that include it; ``NO_TRIPLE_DAYS`` when it has fewer than 3.

    A smallest set is always 3 consecutive companies in date order, so three windows suffice.
    """
    n = len(rep)
    out = np.full(n, NO_TRIPLE_DAYS)
    if n < 3:
        return out
    order = np.lexsort((day, rep))
    r, d = rep[order], day[order].astype(np.float64)
    span = np.full(n, np.inf)                       # span of the window starting at position j
    valid = r[:-2] == r[2:]
    span[:-2] = np.where(valid, d[2:] - d[:-2], np.inf)
    best = span.copy()
    best[1:] = np.minimum(best[1:], span[:-1])
    best[2:] = np.minimum(best[2:], span[:-2])
    best[np.isinf(best)] = NO_TRIPLE_DAYS
    out[order] = best
    return out


def company_features(tables: dict, as_of: datetime.date) -> tuple[np.ndarray, pd.DataFrame]:
    """``(record ids, features)``: one row per company, the columns in ``FEATURES`` order."""
    last = as_of.year * 12 + as_of.month - 1
    first, block = last - 23, last - 5
    block_start = pd.Timestamp(block // 12, block % 12 + 1, 1)

    companies = tables["companies"]
    code = companies["uscc"].astype(str).to_numpy()
    index = pd.Index(code)
    n = len(code)

    def per_company(keys: pd.Series, values: pd.Series | None = None) -> np.ndarray:
        """Sum (or count) per normalised code, in companies' order; codes elsewhere ignored."""
        if values is None:
            values = pd.Series(1, index=keys.index)
        summed = values.groupby(keys.to_numpy()).sum()
        return summed.reindex(index).fillna(0).to_numpy(np.float64)

    # Social insurance: distinct months with insured staff, in and before the window.
    si = tables["social_insurance"].assign(unit_code=lambda t: codes(t["unit_code"]))
    si = si.assign(m=months(si))
    si = si.loc[(si["insured_count"] > 0).to_numpy(), ["unit_code", "m"]].drop_duplicates()
    inside = ((si["m"] >= first) & (si["m"] <= last)).to_numpy()
    staff_months = per_company(si.loc[inside, "unit_code"])
    staff_before = per_company(si.loc[(si["m"] < first).to_numpy(), "unit_code"])

    # Tax: exact duplicates dropped, sums in whole cents over the window.
    tax = tables["tax_monthly"].assign(taxpayer_code=lambda t: codes(t["taxpayer_code"]))
    tax = tax.drop_duplicates()
    tax = tax.assign(m=months(tax))
    tax = tax.loc[((tax["m"] >= first) & (tax["m"] <= last)).to_numpy()]
    inv = per_company(tax["taxpayer_code"], np.round(tax["invoiced_yuan"] * 100))
    paid = per_company(tax["taxpayer_code"], np.round(tax["tax_paid_yuan"] * 100))
    ratio = np.divide(paid, inv, out=np.ones(n), where=inv > 0)
    normal = tax.loc[(tax["filing_status"].astype(str).str.strip() == "正常").to_numpy(),
                     ["taxpayer_code", "m"]].drop_duplicates()
    filing_months = per_company(normal["taxpayer_code"])
    block_filings = per_company(normal.loc[(normal["m"] >= block).to_numpy(), "taxpayer_code"])

    fraud = tables["fraud_accounts"].assign(owner_code=lambda t: codes(t["owner_code"]))
    fraud = fraud.drop_duplicates(["account_no", "owner_code"])
    fraud_accounts = per_company(fraud["owner_code"])

    # The legal representative: their companies (by ID number) and their person row.
    rep = normalize_ids(companies["legal_rep_id"]).to_numpy(dtype=object)
    established = pd.to_datetime(companies["established_date"].astype(str).str.strip(),
                                 format="%Y-%m-%d")
    day = ((established - pd.Timestamp(1970, 1, 1)).dt.days).to_numpy(np.int64)
    rep_code = pd.factorize(rep)[0]
    by_rep = pd.DataFrame({"rep": rep_code, "day": day}).groupby("rep")["day"]
    rep_companies = by_rep.transform("size").to_numpy(np.float64)
    rep_spread = (by_rep.transform("max") - by_rep.transform("min")).to_numpy(np.float64)

    persons = tables["persons"].assign(id_number=lambda t: normalize_ids(t["id_number"]))
    persons = persons.drop_duplicates("id_number").set_index("id_number")
    birth = pd.to_datetime(persons["birth_date"].astype(str).str.strip(), format="%Y-%m-%d")
    registered = persons["low_income"].astype(bool) | persons["student"].astype(bool)
    person = pd.DataFrame({"age": age(birth, as_of).astype(np.float64),
                           "registered": registered.astype(np.float64)},
                          index=persons.index).reindex(rep)
    person["age"] = person["age"].fillna(-1.0)
    person = person.fillna(0.0)

    status = companies["status"].astype(str).str.strip().to_numpy()
    columns = {
        "staff_months": staff_months,
        "staff_months_before": staff_before,
        "invoiced_yuan": inv / 100.0,
        "tax_paid_ratio": ratio,
        "fraud_accounts": fraud_accounts,
        "rep_companies": rep_companies,
        "rep_spread_days": rep_spread,
        "rep_triple_span_days": triple_span(rep_code, day),
        "rep_age": person["age"].to_numpy(np.float64),
        "rep_low_income_or_student": person["registered"].to_numpy(np.float64),
        **{f"status_{s}": (status == s).astype(np.float64) for s in STATUSES},
        "block_months_without_filing": 6.0 - block_filings,
        "window_filing_months": filing_months,
        "days_established_before_block": (
            (block_start - established).dt.days.to_numpy(np.float64)),
    }
    frame = pd.DataFrame(columns, columns=list(FEATURES))
    return code, frame
