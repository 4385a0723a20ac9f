"""A weak example model for ``env_tax``: the right rules, naive joins.

It applies the same three rules as the baseline but joins declarations to permits on the raw
``taxpayer_code`` only (no trimming, no upper-casing, blank codes never match) and keeps exact
duplicate rows. It does well on ``easy`` scenarios, which carry no noise, and shows on
``standard`` and ``hard`` what skipping normalisation costs: filings under a noisy or blank code
look missing, and duplicated filings inflate the declared sums.
"""

from __future__ import annotations

import datetime

import pandas as pd

LINE = ["permit_no", "year", "quarter", "outlet_code", "pollutant_code"]
QUARTER = ["permit_no", "year", "quarter"]
LIMITS = {"75": 0.70, "50": 0.50}


def deadline(year: int, quarter: int) -> datetime.date:
    if quarter == 4:
        end = datetime.date(year, 12, 31)
    else:
        end = datetime.date(year, 3 * quarter + 1, 1) - datetime.timedelta(days=1)
    return end + datetime.timedelta(days=15)


def detect(point: str, tables: dict, context) -> pd.DataFrame:
    if point != "env_tax":
        return pd.DataFrame({"record_id": [], "reason": []})
    permits, outlets = tables["permits"], tables["outlets"]
    lines = tables["monitoring"].merge(outlets[["permit_no", "outlet_code", "destination"]],
                                       on=["permit_no", "outlet_code"])
    lines["due"] = [deadline(int(y), int(q)) < context.as_of
                    for y, q in zip(lines["year"], lines["quarter"])]
    lines = lines.loc[(lines["destination"] == "direct") & (lines["emission_kg"] > 0)
                      & lines["due"]]
    decl = tables["declarations"].merge(
        permits[["uscc", "permit_no"]].rename(columns={"uscc": "taxpayer_code"}),
        on="taxpayer_code")

    filed = set(zip(decl["permit_no"], decl["year"], decl["quarter"]))
    is_filed = pd.Series([k in filed for k in zip(lines["permit_no"], lines["year"],
                                                   lines["quarter"])], index=lines.index,
                         dtype=bool)
    rows = [pd.DataFrame({"record_id": lines.loc[~is_filed, "permit_no"],
                          "reason": "ENV_UNDECLARED"})]
    sums = decl.groupby(LINE, as_index=False)["declared_kg"].sum()
    checked = lines.loc[is_filed].merge(sums, on=LINE, how="left")
    short = checked["declared_kg"].isna() | (checked["declared_kg"] < 0.9 * checked["emission_kg"])
    rows.append(pd.DataFrame({"record_id": checked.loc[short, "permit_no"],
                              "reason": "ENV_UNDER_DECLARED"}))
    claims = decl.loc[decl["reduction"].isin(list(LIMITS))].merge(
        lines[LINE + ["avg_concentration_ratio", "exceed_hours"]], on=LINE)
    bad = ((claims["avg_concentration_ratio"] >= claims["reduction"].map(LIMITS).astype(float))
           | (claims["exceed_hours"] > 0))
    rows.append(pd.DataFrame({"record_id": claims.loc[bad, "permit_no"],
                              "reason": "ENV_IMPROPER_REDUCTION"}))
    return pd.concat(rows, ignore_index=True).drop_duplicates().reset_index(drop=True)
