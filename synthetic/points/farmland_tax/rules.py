"""The rules of ``farmland_tax``, applied to clean tables (docs/points/farmland_tax.md, "Rules").

A pure, vectorised function of the four tables and ``as_of``: the generator calls it on the clean
facts to label a scenario, and the tests call it on the noised tables after normalisation.

* Subjects are approvals and patches. Tax due = unit x (farmland m2 + 0.5 x basic farmland m2)
  for an approval and unit x illegal farmland m2 for a patch; the unit is the county rate, 2 yuan
  for transport uses, half the county rate for rural housing, 0 for exempt uses.
* A tax record belongs to the subject its ``source_ref`` names; with an empty ``source_ref`` it
  belongs to the one subject whose user or occupier code equals ``taxpayer_code`` (none when that
  code has several subjects).
* A subject can be a clue only when its deadline (notice or determination date + 30 days) is
  before ``as_of``. ``FOT_UNDECLARED``: an approval, tax due > 0, no record;
  ``FOT_ILLEGAL_UNTAXED``: the same for a patch; ``FOT_UNDERPAID``: records whose summed
  ``tax_payable_yuan`` is below 95% of the tax due; ``FOT_IMPROPER_RELIEF``: a record claims a
  code other than ``NONE`` and other than the one the land use allows.
"""

from __future__ import annotations

import datetime

import numpy as np
import pandas as pd

from synthetic.points.farmland_tax.schema import (
    BASIC_SURCHARGE, DEADLINE_DAYS, EXEMPT_USES, ILLEGAL_UNTAXED, IMPROPER_RELIEF, LAND_USES,
    M2_PER_HA, NONE, RURAL_USES, TRANSPORT_RATE_YUAN, TRANSPORT_USES, UNDECLARED, UNDERPAID,
    UNDERPAID_SHARE, relief_code)

ALLOWED = {use: relief_code(use) for use in LAND_USES}


def subjects(county_rates: pd.DataFrame, approvals: pd.DataFrame,
             patches: pd.DataFrame) -> pd.DataFrame:
    """``record_id, kind, code, land_use, due_yuan, deadline`` of every approval and patch."""
    a = pd.DataFrame({
        "record_id": approvals["approval_no"], "kind": "approval",
        "code": approvals["user_code"], "county_code": approvals["county_code"],
        "land_use": approvals["land_use"],
        "area_m2": (approvals["farmland_ha"] * M2_PER_HA
                    + BASIC_SURCHARGE * approvals["basic_farmland_ha"] * M2_PER_HA),
        "trigger": approvals["notice_date"]})
    p = pd.DataFrame({
        "record_id": patches["patch_no"], "kind": "patch", "code": patches["occupier_code"],
        "county_code": patches["county_code"], "land_use": patches["land_use"],
        "area_m2": patches["illegal_farmland_m2"], "trigger": patches["determined_date"]})
    subj = pd.concat([a, p], ignore_index=True)
    rate = subj["county_code"].map(dict(zip(county_rates["county_code"],
                                            county_rates["rate_yuan_m2"]))).to_numpy(float)
    use = subj["land_use"].to_numpy()
    unit = np.select([np.isin(use, EXEMPT_USES), np.isin(use, TRANSPORT_USES),
                      np.isin(use, RURAL_USES)], [0.0, TRANSPORT_RATE_YUAN, rate * 0.5], rate)
    subj["due_yuan"] = unit * subj["area_m2"].to_numpy(float)
    subj["deadline"] = (pd.to_datetime(subj["trigger"], format="%Y-%m-%d")
                        + pd.Timedelta(days=DEADLINE_DAYS))
    subj["allowed"] = subj["land_use"].map(ALLOWED)
    return subj.drop(columns=["trigger", "area_m2"])


def link_records(subj: pd.DataFrame, tax_records: pd.DataFrame) -> pd.DataFrame:
    """Tax records with ``subject``, the row in ``subj`` they belong to (unlinked rows dropped)."""
    ids = pd.Index(subj["record_id"].to_numpy(object))
    codes = subj["code"].to_numpy(object)
    once = ~pd.Index(codes).duplicated(keep=False)
    unique = pd.Series(np.flatnonzero(once), index=codes[once])
    ref = tax_records["source_ref"].fillna("").to_numpy(object)
    by_ref = ids.get_indexer(ref)
    by_code = unique.reindex(tax_records["taxpayer_code"].to_numpy(object)).to_numpy()
    owner = np.where(ref != "", by_ref, np.nan_to_num(by_code, nan=-1)).astype(np.int64)
    out = tax_records.assign(subject=owner)
    return out.loc[owner >= 0]


def compute_labels(county_rates: pd.DataFrame, approvals: pd.DataFrame, patches: pd.DataFrame,
                   tax_records: pd.DataFrame, *, as_of: datetime.date) -> pd.DataFrame:
    """Label rows ``record_id, reason`` (one per reason that applies), sorted and unique.

    Codes must be canonical, dates ``YYYY-MM-DD`` and exact duplicate records dropped.
    """
    subj = subjects(county_rates, approvals, patches)
    n = len(subj)
    recs = link_records(subj, tax_records)
    owner = recs["subject"].to_numpy()
    paid = np.bincount(owner, weights=recs["tax_payable_yuan"].to_numpy(float), minlength=n)
    has = np.bincount(owner, minlength=n) > 0
    due = subj["due_yuan"].to_numpy(float)
    overdue = (subj["deadline"] < pd.Timestamp(as_of)).to_numpy()
    approval = (subj["kind"] == "approval").to_numpy()
    under = has & (paid < UNDERPAID_SHARE * due)
    claimed = recs["relief_code"].to_numpy(object)
    allowed = subj["allowed"].to_numpy(object)[owner]
    improper = np.bincount(owner[(claimed != NONE) & (claimed != allowed)], minlength=n) > 0

    ids = subj["record_id"].to_numpy(object)
    found = [
        pd.DataFrame({"record_id": ids[overdue & approval & (due > 0) & ~has],
                      "reason": UNDECLARED}),
        pd.DataFrame({"record_id": ids[overdue & ~approval & (due > 0) & ~has],
                      "reason": ILLEGAL_UNTAXED}),
        pd.DataFrame({"record_id": ids[overdue & under], "reason": UNDERPAID}),
        pd.DataFrame({"record_id": ids[overdue & improper], "reason": IMPROPER_RELIEF}),
    ]
    out = pd.concat(found, ignore_index=True).drop_duplicates()
    out = out.sort_values(["record_id", "reason"], kind="stable").reset_index(drop=True)
    return out[["record_id", "reason"]].astype(str)
