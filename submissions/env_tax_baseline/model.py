"""Rule-based baseline for ``env_tax`` (环境保护税) — the organisers' reference model.

Self-contained: pandas, numpy and the standard library only. It normalises every presentation
variant the competition allows and then applies the point's rules exactly:

1. drop exact duplicate rows (no two genuine rows are identical);
2. credit codes: Unicode NFKC (full-width to half-width), remove all whitespace, upper case;
   a blank code is resolved through ``taxpayer_name``, compared with ``permits.company_name``
   after the same normalisation (brackets and spaces);
3. dates in ``YYYY-MM-DD``, ``YYYY/M/D``, ``YYYYMMDD`` or ``YYYY年M月D日`` (``declared_date``
   feeds no rule; it is parsed only to show how);
4. a *taxable line* is a monitoring row with ``emission_kg > 0`` on a ``direct`` outlet for a
   quarter whose deadline (quarter end + 15 days) is *before* ``as_of``;
5. ``ENV_UNDECLARED`` — a taxable line in a quarter with no declaration row of the enterprise;
   ``ENV_UNDER_DECLARED`` — the quarter was filed but a taxable line's declared kg (summed over
   its rows) is below 90% of the emission, or missing; ``ENV_IMPROPER_REDUCTION`` — a row of a
   taxable line claims ``75`` at a ratio >= 0.70, ``50`` at >= 0.50, or any reduction while
   ``exceed_hours > 0``.
"""

from __future__ import annotations

import datetime

import pandas as pd

LINE = ["permit_no", "year", "quarter", "outlet_code", "pollutant_code"]
QUARTER = ["permit_no", "year", "quarter"]
LIMITS = {"75": 0.70, "50": 0.50}
DATE_PATTERNS = (
    r"^(\d{4})-(\d{1,2})-(\d{1,2})$",
    r"^(\d{4})/(\d{1,2})/(\d{1,2})$",
    r"^(\d{4})(\d{2})(\d{2})$",
    r"^(\d{4})年(\d{1,2})月(\d{1,2})日$",
)


def normalize_code(series: pd.Series) -> pd.Series:
    """'  91340200mA2ABC1234 ' -> '91340200MA2ABC1234'; blank -> ''."""
    s = series.fillna("").astype(str).str.normalize("NFKC")
    return s.str.replace(r"\s+", "", regex=True).str.upper()


def normalize_name(series: pd.Series) -> pd.Series:
    """Half-width brackets, no whitespace: '芜湖X（集团）有限公司 ' -> '芜湖X(集团)有限公司'."""
    s = series.fillna("").astype(str).str.normalize("NFKC")
    return s.str.replace(r"\s+", "", regex=True)


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


def deadline(year: int, quarter: int) -> datetime.date:
    """Quarter end + 15 days."""
    if quarter == 4:
        end = datetime.date(year, 12, 31)
    else:
        end = datetime.date(year, 3 * quarter + 1, 1) - datetime.timedelta(days=1)
    return end + datetime.timedelta(days=15)


def owned_declarations(permits: pd.DataFrame, declarations: pd.DataFrame) -> pd.DataFrame:
    """Declarations with the ``permit_no`` of their enterprise (by code, else by exact name)."""
    decl = declarations.drop_duplicates().copy()
    decl["code"] = normalize_code(decl["taxpayer_code"])
    decl["name"] = normalize_name(decl["taxpayer_name"])
    by_code = pd.Series(permits["permit_no"].to_numpy(),
                        index=normalize_code(permits["uscc"]).to_numpy())
    by_name = pd.Series(permits["permit_no"].to_numpy(),
                        index=normalize_name(permits["company_name"]).to_numpy())
    by_name = by_name[~by_name.index.duplicated(keep=False)]
    owner = decl["code"].map(by_code)
    blank = decl["code"] == ""
    owner[blank] = decl.loc[blank, "name"].map(by_name)
    decl["permit_no"] = owner
    decl["declared_on"] = parse_dates(decl["declared_date"])  # feeds no rule
    return decl.loc[decl["permit_no"].notna()]


def taxable_lines(outlets: pd.DataFrame, monitoring: pd.DataFrame,
                  as_of: datetime.date) -> pd.DataFrame:
    dest = outlets.drop_duplicates(["permit_no", "outlet_code"])[
        ["permit_no", "outlet_code", "destination"]]
    lines = monitoring.drop_duplicates().merge(dest, on=["permit_no", "outlet_code"], how="left")
    quarters = lines[["year", "quarter"]].drop_duplicates()
    quarters["due"] = [deadline(int(y), int(q)) < as_of
                       for y, q in zip(quarters["year"], quarters["quarter"])]
    lines = lines.merge(quarters, on=["year", "quarter"], how="left")
    keep = (lines["destination"] == "direct") & (lines["emission_kg"] > 0) & lines["due"]
    return lines.loc[keep.to_numpy(dtype=bool)].reset_index(drop=True)


def detect(point: str, tables: dict, context) -> pd.DataFrame:
    if point != "env_tax":
        return pd.DataFrame({"record_id": [], "reason": []})
    as_of = context.as_of
    permits = tables["permits"]
    lines = taxable_lines(tables["outlets"], tables["monitoring"], as_of)
    decl = owned_declarations(permits, tables["declarations"])
    found = []

    filed = decl[QUARTER].drop_duplicates()
    filed["filed"] = True
    lines = lines.merge(filed, on=QUARTER, how="left")
    lines["filed"] = lines["filed"].eq(True)
    found.append(pd.DataFrame({"record_id": lines.loc[~lines["filed"], "permit_no"],
                               "reason": "ENV_UNDECLARED"}))

    sums = decl.groupby(LINE, as_index=False)["declared_kg"].sum()
    filed_lines = lines.loc[lines["filed"]].merge(sums, on=LINE, how="left")
    short = filed_lines["declared_kg"].isna() | (
        filed_lines["declared_kg"] < 0.9 * filed_lines["emission_kg"])
    found.append(pd.DataFrame({"record_id": filed_lines.loc[short, "permit_no"],
                               "reason": "ENV_UNDER_DECLARED"}))

    claims = decl.loc[decl["reduction"].astype(str).str.strip().isin(list(LIMITS))].copy()
    claims["reduction"] = claims["reduction"].astype(str).str.strip()
    claims = claims.merge(lines[LINE + ["avg_concentration_ratio", "exceed_hours"]], on=LINE)
    limit = claims["reduction"].map(LIMITS).astype(float)
    bad = (claims["avg_concentration_ratio"] >= limit) | (claims["exceed_hours"] > 0)
    found.append(pd.DataFrame({"record_id": claims.loc[bad, "permit_no"],
                               "reason": "ENV_IMPROPER_REDUCTION"}))

    out = pd.concat(found, ignore_index=True).drop_duplicates()
    return out.sort_values(["record_id", "reason"]).reset_index(drop=True)

