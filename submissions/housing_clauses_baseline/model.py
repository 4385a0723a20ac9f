"""Rule-based baseline for ``housing_clauses`` (霸王条款) — the organisers' reference model.

Self-contained: pandas, numpy and the standard library only. It reads the ``clauses`` table only
(``contract_no`` is never noised) and, per clause:

1. normalises the text: Unicode NFKC (full-width punctuation to half-width), no whitespace, and
   the parties as ``S`` (出卖人 / 甲方 / 卖方 / 开发商) and ``B`` (买受人 / 乙方 / 买方 / 购房人);
2. sets aside clauses that quote the law (a 《…》 title) and negated forms ("出卖人不得以……为由");
3. reads a daily rate written as 万分之N, 千分之N, 日N% or N‰ (Chinese or Arabic numerals)
   exactly, in units of 1/100,000 a day; a rate clause about delivery (交房 / 交付) is the
   seller's, any other the buyer's;
4. recognises caps (不超过, 为限, 上限, 最多, …) and whether they bind both parties (双方, 均, …);
5. recognises the other families by the words the contract's families use: keys-as-acceptance,
   waived rights (area rescission, rescission after breach, complaints and suits, mortgage
   refunds, notified changes without withdrawal), interpretation and unnotified changes, and
   exemptions whose cause is not force majeure and not the buyer's own delay.

The word lists come from the default templates only, so that the held-out templates measure how
far such rules carry to unseen wording. A contract's reasons are the union over its clauses, plus ``CLAUSE_PENALTY_ASYMMETRY`` when the
buyer's rate is more than twice the seller's or only the seller's penalty is capped.
"""

from __future__ import annotations

import re
import unicodedata
from fractions import Fraction

import pandas as pd

POINT = "housing_clauses"
EXEMPTION = "CLAUSE_LIABILITY_EXEMPTION"
RIGHT_EXCLUSION = "CLAUSE_RIGHT_EXCLUSION"
ASYMMETRY = "CLAUSE_PENALTY_ASYMMETRY"
INTERPRETATION = "CLAUSE_UNILATERAL_INTERPRETATION"

SELLERS = ("出卖人", "开发商", "甲方", "卖方")
BUYERS = ("买受人", "购房人", "乙方", "买方")
_PARTY = re.compile("|".join(SELLERS + BUYERS))
_CN = "零一二三四五六七八九十百点"
_NUM = rf"([{_CN}]+|\d+(?:\.\d+)?)"
# (pattern, units of 1/100,000 per unit of the number)
RATE_PATTERNS = (
    (re.compile(rf"万分之{_NUM}"), 10),
    (re.compile(rf"千分之{_NUM}"), 100),
    (re.compile(r"(\d+(?:\.\d+)?)‰"), 100),
    (re.compile(r"日(\d+(?:\.\d+)?)%"), 1000),
)
DELIVERY_WORDS = ("交房", "交付")
NEGATION = re.compile(r"S不得以|S不得据此|不免除S|钥匙不视为")
CAP_WORDS = ("不超过", "为限", "上限", "最长计算", "最多", "最高")
BOTH_WORDS = ("双方", "任何一方", "均", "同等适用")
FORCE_MAJEURE = ("地震", "洪水", "台风", "战争", "公共卫生事件", "自然灾害", "不可抗力")
BAD_CAUSES = ("雨雪", "降雨", "高温", "低温", "市政配套", "水、电、气、暖", "供水", "审批", "验收",
              "施工", "材料", "人员短缺", "政策")
ANY_CAUSE = ("任何原因", "何种原因")
BUYER_FAULTS = ("B自身原因", "未按约定期限付款", "未按时办理交接手续",
                "未按通知办理按揭贷款手续", "要求变更房屋设计", "未按约定提供办证所需资料",
                "未按时缴纳相关税费")
EXEMPT_WORDS = ("不承担", "无须支付违约金", "不视为S违约", "概不负责", "免除", "免责", "顺延",
                "延期交付", "延期交房", "自行负责", "不得要求S支付违约金")
CHANGE_WORDS = ("变更", "调整", "修改", "改动")
RIGHT_RULES = (
    ("面积", ("同意不退房", "放弃", "不得以此为由解除")),
    ("", ("不得解除合同", "放弃解除", "放弃因S")),
    ("", ("不就本合同", "放弃就", "不得向")),
    ("贷款", ("不予退还", "无权要求S返还")),
    ("", ("不得因此要求退房", "无权解除", "不得退房")),
)
UNNOTIFIED = ("无须通知", "不另行告知", "无需事先告知", "不通知", "自行修改", "自行变更", "单方决定")
INTERPRET = re.compile(r"解释权|以S的解释为准|由S负责解释")


def normalize(text: str) -> str:
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))
    return _PARTY.sub(lambda m: "S" if m.group(0) in SELLERS else "B", text)


def cn_number(text: str) -> Fraction:
    """Chinese or Arabic numerals: 五 -> 5, 一点五 -> 3/2, 二十五 -> 25, 0.05 -> 1/20."""
    if text[0].isdigit():
        return Fraction(text)
    whole, _, frac = text.partition("点")
    digits = {c: i for i, c in enumerate("零一二三四五六七八九")}
    value, current = 0, 0
    for char in whole:
        if char in digits:
            current = digits[char]
        else:
            value += (current or 1) * (100 if char == "百" else 10)
            current = 0
    value += current
    return value + sum(Fraction(digits[c], 10 ** (i + 1)) for i, c in enumerate(frac))


def daily_rate(text: str) -> int | None:
    """The daily rate a clause sets, in units of 1/100,000, or None."""
    for pattern, scale in RATE_PATTERNS:
        found = pattern.search(text)
        if found:
            return int(cn_number(found.group(1)) * scale)
    return None


def _has(text: str, words) -> bool:
    return any(w in text for w in words)


def classify(raw: str) -> tuple[str | None, str | None, int | None]:
    """(reason code or None, kind, rate) of one clause; kind is buyer_rate, seller_rate,
    seller_cap, both_caps or None."""
    t = normalize(raw)
    if "《" in t:
        return None, None, None
    rate = daily_rate(t)
    if rate is not None:
        return None, "seller_rate" if _has(t, DELIVERY_WORDS) else "buyer_rate", rate
    if _has(t, CAP_WORDS) and ("违约" in t or "赔" in t):
        return None, "both_caps" if _has(t, BOTH_WORDS) else "seller_cap", None
    if NEGATION.search(t):
        return None, None, None
    if "钥匙" in t:
        return EXEMPTION, None, None
    for needed, words in RIGHT_RULES:
        if needed in t and _has(t, words):
            return RIGHT_EXCLUSION, None, None
    if INTERPRET.search(t) or (_has(t, CHANGE_WORDS) and _has(t, UNNOTIFIED)):
        return INTERPRETATION, None, None
    if _has(t, BAD_CAUSES) or _has(t, ANY_CAUSE):
        return (EXEMPTION if _has(t, EXEMPT_WORDS) else None), None, None
    if _has(t, FORCE_MAJEURE) or _has(t, BUYER_FAULTS):
        return None, None, None
    return (EXEMPTION if _has(t, EXEMPT_WORDS) else None), None, None


def detect(point: str, tables: dict[str, pd.DataFrame], context) -> pd.DataFrame:
    if point != POINT:
        return pd.DataFrame({"record_id": pd.Series(dtype=str), "reason": pd.Series(dtype=str)})
    clauses = tables["clauses"][["contract_no", "text"]].drop_duplicates()
    texts = clauses["text"].fillna("").astype(str)
    found = {text: classify(text) for text in texts.unique()}
    parts = pd.DataFrame([found[t] for t in texts], columns=["reason", "kind", "rate"],
                         index=clauses.index)
    parts["record_id"] = clauses["contract_no"].astype(str).str.strip()
    rows = [parts.loc[parts["reason"].notna(), ["record_id", "reason"]]]
    kinds = parts.dropna(subset=["kind"]).pivot_table(
        index="record_id", columns="kind", values="rate", aggfunc="size", fill_value=0)
    rates = parts.dropna(subset=["rate"]).pivot_table(index="record_id", columns="kind",
                                                      values="rate", aggfunc="max")
    for frame, column in ((kinds, "seller_cap"), (kinds, "both_caps"), (rates, "buyer_rate"),
                          (rates, "seller_rate")):
        if column not in frame:
            frame[column] = 0
    capped = kinds.index[(kinds["seller_cap"] > 0) & (kinds["both_caps"] == 0)]
    steep = rates.index[rates["buyer_rate"] > 2 * rates["seller_rate"]]
    for ids in (capped, steep):
        rows.append(pd.DataFrame({"record_id": list(ids), "reason": ASYMMETRY}))
    out = pd.concat(rows, ignore_index=True).drop_duplicates()
    return out.sort_values(["record_id", "reason"]).reset_index(drop=True)
