"""The rules of ``env_tax``, applied to clean facts (docs/points/env_tax.md, "Rules").

A pure, vectorised function of the clean tables and ``as_of``: the generator calls it to label a
scenario, and the tests call it to check that the labels are exactly what the rules give.

* A *taxable line* is a monitoring row with ``emission_kg > 0`` on a ``direct`` outlet, for a
  quarter whose declaration deadline (quarter end + 15 days) is *before* ``as_of``.
* A declaration belongs to the permit holder whose credit code it carries.
* ``ENV_UNDECLARED``: a taxable line in a quarter with no declaration row of that enterprise.
* ``ENV_UNDER_DECLARED``: the quarter has declaration rows, but for some taxable line the declared
  kg summed over its rows (same outlet and pollutant) is below 90% of ``emission_kg``, or missing.
* ``ENV_IMPROPER_REDUCTION``: a declaration row of a taxable line claims ``75`` while the line's
  ``avg_concentration_ratio >= 0.70``, ``50`` while it is ``>= 0.50``, or any reduction while
  ``exceed_hours > 0``.
"""

from __future__ import annotations

import datetime

import numpy as np
import pandas as pd

from synthetic.points.env_tax.schema import (
    IMPROPER_REDUCTION, REDUCTION_LIMITS, UNDECLARED, UNDER_DECLARED, UNDER_DECLARED_SHARE,
    is_due)

LINE_KEY = ["permit_no", "year", "quarter", "outlet_code", "pollutant_code"]
QUARTER_KEY = ["permit_no", "year", "quarter"]


def due_mask(years: pd.Series, quarters: pd.Series, as_of: datetime.date) -> np.ndarray:
    """True where the quarter's declaration deadline is before ``as_of``."""
    pairs = pd.DataFrame({"year": years.to_numpy(), "quarter": quarters.to_numpy()})
    unique = pairs.drop_duplicates()
    unique = unique.assign(due=[is_due(int(y), int(q), as_of)
                                for y, q in zip(unique["year"], unique["quarter"])])
    return pairs.merge(unique, on=["year", "quarter"], how="left")["due"].to_numpy(dtype=bool)


def taxable_lines(outlets: pd.DataFrame, monitoring: pd.DataFrame,
                  as_of: datetime.date) -> pd.DataFrame:
    """The monitoring rows that are taxable lines, with their outlet's destination."""
    destination = outlets[["permit_no", "outlet_code", "destination"]].drop_duplicates(
        ["permit_no", "outlet_code"])
    lines = monitoring.merge(destination, on=["permit_no", "outlet_code"], how="left")
    taxable = ((lines["destination"] == "direct").to_numpy()
               & (lines["emission_kg"] > 0).to_numpy()
               & due_mask(lines["year"], lines["quarter"], as_of))
    return lines.loc[taxable].reset_index(drop=True)


def attach_permits(permits: pd.DataFrame, declarations: pd.DataFrame) -> pd.DataFrame:
    """Declaration rows with the ``permit_no`` of the enterprise whose code they carry."""
    owners = permits[["uscc", "permit_no"]].rename(columns={"uscc": "taxpayer_code"})
    return declarations.merge(owners, on="taxpayer_code", how="inner")


def compute_labels(permits: pd.DataFrame, outlets: pd.DataFrame, monitoring: pd.DataFrame,
                   declarations: pd.DataFrame, *, as_of: datetime.date) -> pd.DataFrame:
    """Label rows ``record_id, reason`` (one per reason that applies), sorted and unique.

    ``declarations`` must carry the registered credit code in ``taxpayer_code`` (clean facts);
    extra columns are ignored.
    """
    lines = taxable_lines(outlets, monitoring, as_of)
    decl = attach_permits(permits, declarations)
    found = []

    filed = decl[QUARTER_KEY].drop_duplicates().assign(filed=True)
    lines = lines.merge(filed, on=QUARTER_KEY, how="left")
    lines["filed"] = lines["filed"].fillna(False).astype(bool)
    found.append(lines.loc[~lines["filed"], "permit_no"].to_frame().assign(reason=UNDECLARED))

    declared = decl.groupby(LINE_KEY, sort=False, as_index=False)["declared_kg"].sum()
    filed_lines = lines.loc[lines["filed"]].merge(declared, on=LINE_KEY, how="left")
    short = (filed_lines["declared_kg"].isna()
             | (filed_lines["declared_kg"] < UNDER_DECLARED_SHARE * filed_lines["emission_kg"]))
    found.append(filed_lines.loc[short, "permit_no"].to_frame().assign(reason=UNDER_DECLARED))

    claims = decl.loc[decl["reduction"].isin(list(REDUCTION_LIMITS)), LINE_KEY + ["reduction"]]
    claims = claims.merge(lines[LINE_KEY + ["avg_concentration_ratio", "exceed_hours"]],
                          on=LINE_KEY, how="inner")
    limit = claims["reduction"].map(REDUCTION_LIMITS).astype(float)
    improper = (claims["avg_concentration_ratio"] >= limit) | (claims["exceed_hours"] > 0)
    found.append(claims.loc[improper, "permit_no"].to_frame().assign(reason=IMPROPER_REDUCTION))

    out = pd.concat(found, ignore_index=True).rename(columns={"permit_no": "record_id"})
    out = out.drop_duplicates().sort_values(["record_id", "reason"], kind="stable")
    return out.reset_index(drop=True)[["record_id", "reason"]].astype(str)
