"""Rule-based baseline for ``legal_aid`` (法律援助) — the organisers' reference model.

Self-contained: pandas, numpy and the standard library only. It normalises every presentation
variant the competition allows and then applies the point's rules exactly:

1. ID numbers (``defendants.id_number`` and the first 18 characters of ``disabilities.card_no``):
   Unicode NFKC (full-width digits to half-width), remove all whitespace, upper-case ``X``; a
   15-digit legacy number becomes 18 digits (``19`` inserted before the year, check character
   recomputed). Cards are matched to defendants by ID number only — never by name, because
   namesakes (同名不同人) exist;
2. an empty ``birth_date`` is read from the (normalised) ID number;
3. dates in ``YYYY-MM-DD``, ``YYYY/M/D``, ``YYYYMMDD`` or ``YYYY年M月D日``;
4. *mandatory* on the case's ``accepted_date``: under 18 (the 18th birthday itself still counts
   as 17; 29 February birthdays fall on 28 February in common years), a card of category 1, 2
   or 3, an assessment ``限制``, or ``无期徒刑`` / ``死刑``;
5. only defendants whose ``accepted_date + 3 days`` is before ``as_of``; a ``委托`` defender
   removes every reason; ``LA_MISSING_DEFENDER`` — mandatory, no ``法律援助`` defender, no notice
   (a ``值班律师`` does not count); ``LA_LATE_NOTICE`` — mandatory, the earliest notice more than
   3 days after acceptance; ``LA_UNQUALIFIED_LAWYER`` — ``无期徒刑`` / ``死刑`` and a ``法律援助``
   defender with ``lawyer_years < 3``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

POINT = "legal_aid"
DEADLINE = pd.Timedelta(days=3)
SENSORY = {"1", "2", "3"}
GRAVE = {"无期徒刑", "死刑"}
CHECK_CHARS = np.array(list("10X98765432"))
WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
DATE_PATTERNS = (
    r"^(\d{4})-(\d{1,2})-(\d{1,2})$",
    r"^(\d{4})/(\d{1,2})/(\d{1,2})$",
    r"^(\d{4})(\d{2})(\d{2})$",
    r"^(\d{4})年(\d{1,2})月(\d{1,2})日$",
)


def text(series: pd.Series) -> pd.Series:
    """Strings with NFKC applied and surrounding whitespace removed; missing -> ''."""
    return series.fillna("").astype(str).str.normalize("NFKC").str.strip()


def normalize_ids(series: pd.Series) -> pd.Series:
    """' 34020719800517123x' or '340207800517123' -> '34020719800517123X'."""
    s = text(series).str.replace(r"\s+", "", regex=True).str.upper()
    legacy = s.str.fullmatch(r"\d{15}").fillna(False).to_numpy(dtype=bool)
    if legacy.any():
        old = s[legacy]
        body = (old.str[:6] + "19" + old.str[6:]).to_numpy(dtype=str)
        digits = np.frombuffer("".join(body).encode("ascii"), dtype=np.uint8)
        digits = digits.reshape(-1, 17).astype(np.int64) - ord("0")
        s[legacy] = body.astype(object) + CHECK_CHARS[(digits @ WEIGHTS) % 11].astype(object)
    return s


def parse_dates(series: pd.Series) -> pd.Series:
    """Any of the four date formats -> datetime64; unparseable values become NaT."""
    s = text(series)
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
    for pattern in DATE_PATTERNS:
        parts = s.str.extract(pattern)
        ok = (parts[0].notna() & out.isna()).to_numpy(dtype=bool)
        if ok.any():
            out[ok] = pd.to_datetime(
                {"year": parts.loc[ok, 0].astype(int), "month": parts.loc[ok, 1].astype(int),
                 "day": parts.loc[ok, 2].astype(int)}, errors="coerce")
    return out


def eighteenth_birthdays(births: pd.Series) -> pd.Series:
    """The day a person turns 18 in law is the day *after* this one."""
    year = births.dt.year + 18
    common = ~((year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0)))
    day = births.dt.day.where(~((births.dt.month == 2) & (births.dt.day == 29) & common), 28)
    return pd.to_datetime({"year": year, "month": births.dt.month, "day": day})


def defendants_of(tables: dict) -> pd.DataFrame:
    d, cases = tables["defendants"], tables["cases"]
    out = pd.DataFrame({"defendant_id": d["defendant_id"].astype(str),
                        "case_no": text(d["case_no"]),
                        "id": normalize_ids(d["id_number"]),
                        "birth": parse_dates(d["birth_date"]),
                        "penalty": text(d["possible_max_penalty"])})
    from_id = out["id"].str[6:14]
    missing = out["birth"].isna()
    out.loc[missing, "birth"] = pd.to_datetime(from_id[missing], format="%Y%m%d")
    accepted = pd.DataFrame({"case_no": text(cases["case_no"]),
                             "accepted": parse_dates(cases["accepted_date"])}).drop_duplicates()
    return out.merge(accepted, on="case_no", how="left")


def ids_with(table: pd.DataFrame, mask: pd.Series) -> set:
    return set(table.loc[mask.to_numpy(dtype=bool), "defendant_id"].astype(str))


def detect(point: str, tables: dict, context) -> pd.DataFrame:
    if point != POINT:
        return pd.DataFrame({"record_id": [], "reason": []})
    as_of = pd.Timestamp(context.as_of)
    d = defendants_of(tables)

    cards = tables["disabilities"]
    card_ids = normalize_ids(cards["card_no"]).str[:18]
    sensory = set(card_ids[text(cards["category"]).isin(SENSORY).to_numpy()])
    assessments = tables["assessments"]
    limited = ids_with(assessments, text(assessments["capacity"]) == "限制")
    defenders = tables["defenders"]
    kind = text(defenders["defender_type"])
    retained = ids_with(defenders, kind == "委托")
    aid = ids_with(defenders, kind == "法律援助")
    junior = ids_with(defenders, (kind == "法律援助")
                      & (pd.to_numeric(defenders["lawyer_years"]) < 3))
    notices = tables["aid_notices"]
    first = pd.DataFrame({"defendant_id": notices["defendant_id"].astype(str),
                          "day": parse_dates(notices["notice_date"])}).groupby(
        "defendant_id")["day"].min()

    key = d["defendant_id"]
    grave = d["penalty"].isin(GRAVE)
    mandatory = ((d["accepted"] <= eighteenth_birthdays(d["birth"])) | d["id"].isin(sensory)
                 | key.isin(limited) | grave)
    open_ = (d["accepted"] + DEADLINE < as_of) & ~key.isin(retained)
    first_notice = pd.Series(first.reindex(key).to_numpy(), index=d.index)
    found = {
        "LA_MISSING_DEFENDER": open_ & mandatory & ~key.isin(aid) & first_notice.isna(),
        "LA_LATE_NOTICE": open_ & mandatory & (first_notice > d["accepted"] + DEADLINE),
        "LA_UNQUALIFIED_LAWYER": open_ & grave & key.isin(junior),
    }
    out = pd.concat([pd.DataFrame({"record_id": key[mask.to_numpy(dtype=bool)], "reason": reason})
                     for reason, mask in found.items()], ignore_index=True)
    return out.sort_values(["record_id", "reason"]).reset_index(drop=True)
