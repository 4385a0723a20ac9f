"""Rule-based baseline for ``shell_company`` (空壳公司) — the organisers' reference model.

Self-contained: pandas, numpy and the standard library only. It normalises every presentation
variant the competition allows and then applies the point's rules exactly:

1. credit codes and ID numbers: Unicode NFKC (full-width to half-width), all whitespace removed,
   upper case; a 15-digit legacy ID becomes 18 digits (``19`` inserted before the year, check
   character recomputed). Representatives are matched by ID number only — never by name,
   because namesakes (同名不同人) exist;
2. exact duplicate rows are dropped; tax rows are summed once per company and month;
3. the window is the 24 calendar months ending with the month of ``as_of``, the block its last
   6; amounts are compared in whole cents;
4. *no staff*: no ``social_insurance`` row in the window with ``insured_count > 0``;
5. ``SHELL_INVOICE_MILL`` — no staff, invoiced ≥ 500,000 and tax paid < 1% of it;
   ``SHELL_ACCOUNT_FRAUD`` — no staff and an account on the fraud list;
   ``SHELL_FAKE_REGISTRATION`` — no staff, and the representative is low income, a student or
   aged 70+ (the day after the 70th birthday; 29 February counts on 28 February in a common year)
   and represents ≥ 3 companies, this one among them, established at most 180 days apart;
   ``SHELL_ZOMBIE_UNREVOKED`` — ``存续``, established before the block's first day, no ``正常``
   filing in any block month.
"""

from __future__ import annotations

import datetime

import numpy as np
import pandas as pd

POINT = "shell_company"
CHECK_CHARS = np.array(list("10X98765432"))
WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])


def codes(series: pd.Series) -> pd.Series:
    """' 91340207mA2x… ' -> '91340207MA2X…' (credit codes and ID numbers alike)."""
    return (series.fillna("").astype(str).str.normalize("NFKC")
            .str.replace(r"\s+", "", regex=True).str.upper())


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
    """周岁 on ``on``: a year is completed the day after the birthday."""
    leap = on.year % 4 == 0 and (on.year % 100 != 0 or on.year % 400 == 0)
    day = np.where((birth.dt.month == 2) & (birth.dt.day == 29) & (not leap), 28, birth.dt.day)
    passed = birth.dt.month.to_numpy() * 100 + day < on.month * 100 + on.day
    return on.year - birth.dt.year.to_numpy() - np.where(passed, 0, 1)


def in_ring(rep: pd.Series, established: pd.Series) -> np.ndarray:
    """Is the company in a set of ≥ 3 of its representative's companies ≤ 180 days apart?"""
    frame = pd.DataFrame({"rep": rep.to_numpy(), "day": established.to_numpy()})
    frame["row"] = np.arange(len(frame))
    pairs = frame.merge(frame, on="rep", suffixes=("", "_start"))
    gap = (pairs["day"] - pairs["day_start"]).dt.days
    pairs = pairs.loc[((gap >= 0) & (gap <= 180)).to_numpy()]
    size = pairs.groupby("row_start")["row"].transform("size")
    return np.isin(np.arange(len(frame)), pairs.loc[(size >= 3).to_numpy(), "row"])


def detect(point: str, tables: dict, context) -> pd.DataFrame:
    if point != POINT:
        return pd.DataFrame({"record_id": [], "reason": []})
    as_of = context.as_of
    last = as_of.year * 12 + as_of.month - 1
    first, block = last - 23, last - 5
    block_start = pd.Timestamp(block // 12, block % 12 + 1, 1)

    companies = tables["companies"]
    code = companies["uscc"].astype(str)
    rep = normalize_ids(companies["legal_rep_id"])
    established = pd.to_datetime(companies["established_date"], format="%Y-%m-%d")

    si = tables["social_insurance"].assign(unit_code=lambda t: codes(t["unit_code"]))
    m = months(si)
    si = si.loc[(m >= first) & (m <= last)]
    no_staff = ~code.isin(si.loc[si["insured_count"] > 0, "unit_code"]).to_numpy()

    tax = tables["tax_monthly"].assign(taxpayer_code=lambda t: codes(t["taxpayer_code"]))
    tax = tax.drop_duplicates()
    tax = tax.assign(m=months(tax))
    tax = tax.loc[((tax["m"] >= first) & (tax["m"] <= last)).to_numpy()]
    tax = tax.assign(inv=np.round(tax["invoiced_yuan"] * 100).astype(np.int64),
                     paid=np.round(tax["tax_paid_yuan"] * 100).astype(np.int64))
    totals = tax.groupby("taxpayer_code")[["inv", "paid"]].sum().reindex(code).fillna(0)
    inv, paid = totals["inv"].to_numpy(np.int64), totals["paid"].to_numpy(np.int64)
    mill = no_staff & (inv >= 50_000_000) & (paid * 100 < inv)

    fraud = no_staff & code.isin(codes(tables["fraud_accounts"]["owner_code"])).to_numpy()

    persons = tables["persons"].assign(id_number=lambda t: normalize_ids(t["id_number"]))
    persons = persons.drop_duplicates("id_number")
    birth = pd.to_datetime(persons["birth_date"], format="%Y-%m-%d")
    straw = persons["low_income"].astype(bool) | persons["student"].astype(bool) | (
        age(birth, as_of) >= 70)
    fake = no_staff & rep.isin(persons.loc[straw.to_numpy(), "id_number"]).to_numpy() & in_ring(
        rep, established)

    normal = tax.loc[(tax["m"] >= block).to_numpy() & (tax["filing_status"].str.strip()
                                                          == "正常").to_numpy()]
    zombie = ((companies["status"].astype(str).str.strip() == "存续").to_numpy()
              & (established < block_start).to_numpy()
              & ~code.isin(normal["taxpayer_code"]).to_numpy())

    found = [pd.DataFrame({"record_id": code[hit].to_numpy(), "reason": reason})
             for hit, reason in ((mill, "SHELL_INVOICE_MILL"), (fraud, "SHELL_ACCOUNT_FRAUD"),
                                 (fake, "SHELL_FAKE_REGISTRATION"),
                                 (zombie, "SHELL_ZOMBIE_UNREVOKED"))]
    out = pd.concat(found, ignore_index=True)
    return out.sort_values(["record_id", "reason"]).reset_index(drop=True)
