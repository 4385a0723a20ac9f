"""Rule-based baseline for ``farmland_tax`` (耕地占用税) — the organisers' reference model.

Self-contained: pandas, numpy and the standard library only. It normalises every presentation
variant the competition allows and then applies the point's rules exactly:

1. drop exact duplicate tax records (no two genuine rows are identical);
2. codes (credit codes and ID numbers alike): Unicode NFKC (full-width to half-width), remove all
   whitespace, upper case; a 15-digit legacy ID becomes the 18-digit one (century 19, check
   character recomputed);
3. dates in ``YYYY-MM-DD``, ``YYYY/M/D``, ``YYYYMMDD`` or ``YYYY年M月D日``;
4. a record belongs to the approval or patch its ``source_ref`` names; with an empty
   ``source_ref``, to the one subject whose user / occupier code equals its ``taxpayer_code``
   (names are never used: different people share names);
5. tax due = unit x (farmland m2 + 0.5 x basic farmland m2), or unit x illegal m2 for a patch; the
   unit is the county rate, 2 yuan for transport uses, half the county rate for rural housing and
   0 for exempt uses;
6. only subjects whose deadline (date + 30 days) is before ``as_of`` can be clues:
   ``FOT_UNDECLARED`` / ``FOT_ILLEGAL_UNTAXED`` (approval / patch with tax due > 0 and no record),
   ``FOT_UNDERPAID`` (records summing below 95% of the due), ``FOT_IMPROPER_RELIEF`` (a record
   claims a code other than ``NONE`` and other than the one its land use allows).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

TRANSPORT = {"railway", "highway", "airport", "port", "waterway", "water_conservancy"}
EXEMPT = {"military", "school", "kindergarten", "hospital", "social_welfare", "irrigation"}
ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
DATE_PATTERNS = (
    r"^(\d{4})-(\d{1,2})-(\d{1,2})$",
    r"^(\d{4})/(\d{1,2})/(\d{1,2})$",
    r"^(\d{4})(\d{2})(\d{2})$",
    r"^(\d{4})年(\d{1,2})月(\d{1,2})日$",
)


def normalize_code(series: pd.Series) -> pd.Series:
    """' 34020719800517123x ' -> '34020719800517123X'; '340207800517123' -> its 18-digit ID."""
    s = series.fillna("").astype(str).str.normalize("NFKC")
    s = s.str.replace(r"\s+", "", regex=True).str.upper()
    legacy = s.str.fullmatch(r"\d{15}").fillna(False).to_numpy(bool)
    if legacy.any():
        body = (s[legacy].str[:6] + "19" + s[legacy].str[6:]).to_numpy(str)
        digits = np.frombuffer("".join(body).encode("ascii"), dtype=np.uint8).reshape(-1, 17)
        check = np.array(list("10X98765432"))[((digits - 48).astype(int) @ ID_WEIGHTS) % 11]
        s[legacy] = body.astype(object) + check.astype(object)
    return s


def parse_dates(series: pd.Series) -> pd.Series:
    """Any of the four date formats -> datetime64; unparseable values become NaT."""
    s = series.fillna("").astype(str).str.normalize("NFKC").str.strip()
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
    for pattern in DATE_PATTERNS:
        parts = s.str.extract(pattern)
        ok = parts[0].notna() & out.isna()
        if ok.any():
            out[ok] = pd.to_datetime(
                {"year": parts.loc[ok, 0].astype(int), "month": parts.loc[ok, 1].astype(int),
                 "day": parts.loc[ok, 2].astype(int)}, errors="coerce")
    return out


def allowed_code(land_use: pd.Series) -> pd.Series:
    use = land_use.astype(str).str.strip()
    out = pd.Series("NONE", index=use.index, dtype=object)
    out[use.isin(TRANSPORT)] = "REDUCED_TRANSPORT"
    out[use == "rural_housing"] = "HALF_RURAL_HOUSING"
    exempt = use.isin(EXEMPT)
    out[exempt] = "EXEMPT_" + use[exempt].str.upper()
    return out


def subjects(tables: dict) -> pd.DataFrame:
    rates = tables["county_rates"]
    a, p = tables["approvals"], tables["patches"]
    subj = pd.concat([
        pd.DataFrame({"record_id": a["approval_no"], "kind": "approval",
                      "code": normalize_code(a["user_code"]), "county": a["county_code"],
                      "use": a["land_use"],
                      "m2": a["farmland_ha"] * 10000 + 0.5 * a["basic_farmland_ha"] * 10000,
                      "date": parse_dates(a["notice_date"])}),
        pd.DataFrame({"record_id": p["patch_no"], "kind": "patch",
                      "code": normalize_code(p["occupier_code"]), "county": p["county_code"],
                      "use": p["land_use"], "m2": p["illegal_farmland_m2"],
                      "date": parse_dates(p["determined_date"])}),
    ], ignore_index=True)
    rate = subj["county"].map(dict(zip(rates["county_code"], rates["rate_yuan_m2"])))
    use = subj["use"].astype(str)
    unit = np.select([use.isin(EXEMPT), use.isin(TRANSPORT), use == "rural_housing"],
                     [0.0, 2.0, rate * 0.5], rate)
    subj["due"] = unit * subj["m2"].astype(float)
    subj["allowed"] = allowed_code(subj["use"])
    return subj


def linked_records(subj: pd.DataFrame, records: pd.DataFrame) -> pd.DataFrame:
    """Records with the ``record_id`` they belong to: by source_ref, else by a unique code."""
    recs = records.drop_duplicates().copy()
    ref = recs["source_ref"].fillna("").astype(str).str.strip()
    counts = subj["code"].value_counts()
    single = subj[subj["code"].map(counts) == 1]
    by_code = normalize_code(recs["taxpayer_code"]).map(
        pd.Series(single["record_id"].to_numpy(), index=single["code"].to_numpy()))
    recs["record_id"] = ref.where(ref != "", by_code)
    return recs[recs["record_id"].isin(set(subj["record_id"]))]


def detect(point: str, tables: dict, context) -> pd.DataFrame:
    if point != "farmland_tax":
        return pd.DataFrame({"record_id": [], "reason": []})
    subj = subjects(tables)
    recs = linked_records(subj, tables["tax_records"])
    paid = recs.groupby("record_id")["tax_payable_yuan"].sum()
    has = subj["record_id"].isin(set(paid.index))
    total = subj["record_id"].map(paid).fillna(0.0)
    overdue = subj["date"] + pd.Timedelta(days=30) < pd.Timestamp(context.as_of)
    approval = subj["kind"] == "approval"
    claims = recs[["record_id", "relief_code"]].merge(subj[["record_id", "allowed"]])
    code = claims["relief_code"].astype(str).str.strip()
    improper = set(claims.loc[(code != "NONE") & (code != claims["allowed"]), "record_id"])

    ids = subj["record_id"]
    found = [
        pd.DataFrame({"record_id": ids[overdue & approval & (subj["due"] > 0) & ~has],
                      "reason": "FOT_UNDECLARED"}),
        pd.DataFrame({"record_id": ids[overdue & ~approval & (subj["due"] > 0) & ~has],
                      "reason": "FOT_ILLEGAL_UNTAXED"}),
        pd.DataFrame({"record_id": ids[overdue & has & (total < 0.95 * subj["due"])],
                      "reason": "FOT_UNDERPAID"}),
        pd.DataFrame({"record_id": ids[overdue & ids.isin(improper)],
                      "reason": "FOT_IMPROPER_RELIEF"}),
    ]
    out = pd.concat(found, ignore_index=True).drop_duplicates()
    return out.sort_values(["record_id", "reason"]).reset_index(drop=True)
