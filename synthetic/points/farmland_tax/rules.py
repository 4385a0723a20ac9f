"""The rules of ``farmland_tax``, applied to clean tables (docs/points/farmland_tax.md, "Rules").

One vectorised implementation on integer keys (:func:`reasons`) serves two callers: the generator
passes its facts' arrays directly (``labels_of``: a million subjects need no string joins), and
:func:`compute_labels` first links the clean *tables* into the same keys, so the tests can check
that the labels are exactly what the rules give on what teams see (after normalisation).

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
import pyarrow as pa
import pyarrow.compute as pc

from synthetic.points.farmland_tax.schema import (
    BASIC_SURCHARGE, DEADLINE_DAYS, EXEMPT_USES, ILLEGAL_UNTAXED, IMPROPER_RELIEF, LAND_USES,
    M2_PER_HA, NONE, REASON_CODES, RURAL_USES, TRANSPORT_RATE_YUAN, TRANSPORT_USES,
    UNDECLARED, UNDERPAID, UNDERPAID_SHARE, relief_code)

ALLOWED = {use: relief_code(use) for use in LAND_USES}


def unit_yuan(exempt: np.ndarray, transport: np.ndarray, rural: np.ndarray,
              rate: np.ndarray) -> np.ndarray:
    """Unit tax in yuan/m2: 0 for exempt uses, 2 for transport, half the rate for rural housing."""
    return np.select([exempt, transport, rural], [0.0, TRANSPORT_RATE_YUAN, rate * 0.5], rate)


def approval_area_m2(farmland_ha, basic_farmland_ha):
    """Taxed area of an approval in m2: farmland plus half the basic farmland again."""
    return farmland_ha * M2_PER_HA + BASIC_SURCHARGE * basic_farmland_ha * M2_PER_HA


def reasons(due_yuan: np.ndarray, overdue: np.ndarray, approval: np.ndarray,
            owner: np.ndarray, payable_yuan: np.ndarray,
            improper_record: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(subject, reason)`` index pairs (reason indexes REASON_CODES), unique.

    Subjects are integers ``0..n-1`` (``due_yuan``, ``overdue``, ``approval`` one per subject);
    records are linked rows: ``owner`` (their subject), ``payable_yuan`` and ``improper_record``
    (a code other than ``NONE`` and other than the one the subject's land use allows).
    """
    n = len(due_yuan)
    paid = np.bincount(owner, weights=payable_yuan, minlength=n)
    has = np.bincount(owner, minlength=n) > 0
    under = has & (paid < UNDERPAID_SHARE * due_yuan)
    improper = np.bincount(owner[improper_record], minlength=n) > 0
    untaxed = overdue & (due_yuan > 0) & ~has
    masks = {UNDECLARED: untaxed & approval, UNDERPAID: overdue & under,
             IMPROPER_RELIEF: overdue & improper, ILLEGAL_UNTAXED: untaxed & ~approval}
    found = [(np.flatnonzero(masks[code]), j) for j, code in enumerate(REASON_CODES)]
    return (np.concatenate([rows for rows, _ in found]).astype(np.int64),
            np.concatenate([np.full(len(rows), j, dtype=np.int8) for rows, j in found]))


def label_table(record_id: pa.Array, subject: np.ndarray, reason: np.ndarray) -> pa.Table:
    """``record_id, reason`` rows for index pairs, sorted as strings (CONTRACT 3)."""
    table = pa.table({"record_id": record_id.take(pa.array(subject, pa.int64())),
                      "reason": pa.array(np.asarray(REASON_CODES)[reason], pa.string())})
    return table.take(pc.sort_indices(table, [("record_id", "ascending"),
                                              ("reason", "ascending")]))


def subjects(county_rates: pd.DataFrame, approvals: pd.DataFrame,
             patches: pd.DataFrame) -> pd.DataFrame:
    """``record_id, kind, code, land_use, due_yuan, deadline`` of every approval and patch."""
    a = pd.DataFrame({
        "record_id": approvals["approval_no"], "kind": "approval",
        "code": approvals["user_code"], "county_code": approvals["county_code"],
        "land_use": approvals["land_use"],
        "area_m2": approval_area_m2(approvals["farmland_ha"], approvals["basic_farmland_ha"]),
        "trigger": approvals["notice_date"]})
    p = pd.DataFrame({
        "record_id": patches["patch_no"], "kind": "patch", "code": patches["occupier_code"],
        "county_code": patches["county_code"], "land_use": patches["land_use"],
        "area_m2": patches["illegal_farmland_m2"], "trigger": patches["determined_date"]})
    subj = pd.concat([a, p], ignore_index=True)
    rate = subj["county_code"].map(dict(zip(county_rates["county_code"],
                                            county_rates["rate_yuan_m2"]))).to_numpy(float)
    use = subj["land_use"].to_numpy()
    unit = unit_yuan(np.isin(use, EXEMPT_USES), np.isin(use, TRANSPORT_USES),
                     np.isin(use, RURAL_USES), rate)
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
    recs = link_records(subj, tax_records)
    owner = recs["subject"].to_numpy()
    claimed = recs["relief_code"].to_numpy(object)
    allowed = subj["allowed"].to_numpy(object)[owner]
    subject, reason = reasons(
        subj["due_yuan"].to_numpy(float), (subj["deadline"] < pd.Timestamp(as_of)).to_numpy(),
        (subj["kind"] == "approval").to_numpy(), owner,
        recs["tax_payable_yuan"].to_numpy(float), (claimed != NONE) & (claimed != allowed))
    ids = pa.array(subj["record_id"].to_numpy(object), pa.string())
    return label_table(ids, subject, reason).to_pandas()
