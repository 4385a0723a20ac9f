"""Rule-based baseline for ``correction_detention`` (社区矫正) — the organisers' reference model.

Self-contained: pandas, numpy and the standard library only. It normalises every presentation
variant the competition allows and then applies the point's rules exactly:

1. ID numbers: Unicode NFKC (full-width digits to half-width), remove all whitespace, upper-case
   ``X``; a 15-digit legacy number becomes 18 digits (``19`` inserted before the year, check
   character recomputed). Subjects and punishments are matched by ID number only — never by
   name, because namesakes (同名不同人) exist;
2. dates in ``YYYY-MM-DD``, ``YYYY/M/D``, ``YYYYMMDD`` or ``YYYY年M月D日``;
3. exact duplicate punishment rows are one detention (rows with different ``punishment_no``
   are different punishments); sanctions and check-ins count by existence;
4. an *effective detention* is a ``行政拘留``, executed, not revoked, of a subject's ID number,
   decided within ``[start_date, end_date]``; a *sanction* is ``警告`` or one of the three
   proposals (``训诫`` and ``提请治安处罚`` are not);
5. ``CC_NO_SANCTION_AFTER_DETENTION`` — an effective detention with decision + 30 days before
   ``as_of`` and no sanction dated from the decision to decision + 30 days (both inclusive);
   ``CC_SHOULD_PROPOSE_REVOCATION`` — the trigger (1st effective detention of a 假释 or 暂予监外执行
   subject, 2nd of a 缓刑 subject, by decision date) has decision + 30 days before ``as_of`` and
   no 提请撤销假释 / 提请收监执行 / 提请撤销缓刑 (respectively) dated on or after its decision;
   ``CC_CHECKIN_DURING_DETENTION`` — a ``现场`` check-in from the decision day to decision +
   detention_days - 1.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

POINT = "correction_detention"
WINDOW = pd.Timedelta(days=30)
SANCTIONS = {"警告", "提请撤销缓刑", "提请撤销假释", "提请收监执行"}
TRIGGER_RANK = {"假释": 1, "暂予监外执行": 1, "缓刑": 2}
PROPOSAL = {"假释": "提请撤销假释", "暂予监外执行": "提请收监执行", "缓刑": "提请撤销缓刑"}
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


def effective_detentions(subjects: pd.DataFrame, punishments: pd.DataFrame) -> pd.DataFrame:
    subj = pd.DataFrame({"correction_no": subjects["correction_no"].astype(str),
                         "id": normalize_ids(subjects["id_number"]),
                         "type": text(subjects["correction_type"]),
                         "start": parse_dates(subjects["start_date"]),
                         "end": parse_dates(subjects["end_date"])})
    pun = pd.DataFrame({"punishment_no": text(punishments["punishment_no"]),
                        "id": normalize_ids(punishments["id_number"]),
                        "kind": text(punishments["punishment_type"]),
                        "decision": parse_dates(punishments["decision_date"]),
                        "days": pd.to_numeric(punishments["detention_days"]).astype("int64"),
                        "executed": punishments["executed"].astype(bool),
                        "revoked": punishments["revoked"].astype(bool),
                        "violation": text(punishments["violation"])})
    pun = pun.drop_duplicates()
    pun = pun.loc[((pun["kind"] == "行政拘留") & pun["executed"] & ~pun["revoked"]).to_numpy()]
    det = pun.merge(subj, on="id")
    inside = (det["decision"] >= det["start"]) & (det["decision"] <= det["end"])
    return det.loc[inside.to_numpy()].reset_index(drop=True)


def actions(sanctions: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({"correction_no": sanctions["correction_no"].astype(str),
                         "action": text(sanctions["action"]),
                         "day": parse_dates(sanctions["action_date"])})


def detect(point: str, tables: dict, context) -> pd.DataFrame:
    if point != POINT:
        return pd.DataFrame({"record_id": [], "reason": []})
    as_of = pd.Timestamp(context.as_of)
    eff = effective_detentions(tables["subjects"], tables["punishments"])
    acts = actions(tables["sanctions"])
    found = []

    due = eff.loc[(eff["decision"] + WINDOW < as_of).to_numpy()]
    pairs = due.merge(acts.loc[acts["action"].isin(SANCTIONS)], on="correction_no")
    hit = (pairs["day"] >= pairs["decision"]) & (pairs["day"] <= pairs["decision"] + WINDOW)
    covered = set(zip(pairs.loc[hit, "correction_no"], pairs.loc[hit, "punishment_no"]))
    missing = [c for c, p in zip(due["correction_no"], due["punishment_no"])
               if (c, p) not in covered]
    found.append(pd.DataFrame({"record_id": missing, "reason": "CC_NO_SANCTION_AFTER_DETENTION"}))

    eff = eff.sort_values(["correction_no", "decision"], kind="stable")
    rank = eff.groupby("correction_no").cumcount() + 1
    trig = eff.loc[(rank == eff["type"].map(TRIGGER_RANK)).to_numpy()]
    trig = trig.loc[(trig["decision"] + WINDOW < as_of).to_numpy()]
    pairs = trig.merge(acts, on="correction_no")
    ok = (pairs["action"] == pairs["type"].map(PROPOSAL)) & (pairs["day"] >= pairs["decision"])
    proposed = set(pairs.loc[ok, "correction_no"])
    found.append(pd.DataFrame({"record_id": [c for c in trig["correction_no"]
                                             if c not in proposed],
                               "reason": "CC_SHOULD_PROPOSE_REVOCATION"}))

    checkins = pd.DataFrame({"correction_no": tables["checkins"]["correction_no"].astype(str),
                             "method": text(tables["checkins"]["method"]),
                             "day": parse_dates(tables["checkins"]["checkin_date"])})
    pairs = eff.merge(checkins.loc[checkins["method"] == "现场"], on="correction_no")
    last = pairs["decision"] + pd.to_timedelta(pairs["days"] - 1, unit="D")
    during = (pairs["day"] >= pairs["decision"]) & (pairs["day"] <= last)
    found.append(pd.DataFrame({"record_id": pairs.loc[during, "correction_no"],
                               "reason": "CC_CHECKIN_DURING_DETENTION"}))

    out = pd.concat(found, ignore_index=True).drop_duplicates()
    return out.sort_values(["record_id", "reason"]).reset_index(drop=True)
