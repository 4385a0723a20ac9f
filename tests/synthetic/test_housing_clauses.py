"""The housing_clauses generator: schema, identities, labels = rules(facts), template catalogue
(counts, held-out disjointness), rates, clause plan, noise — and the rules on hand-built cases."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from synthetic import normalize
from synthetic.creditcodes import is_valid_uscc
from synthetic.difficulty import Difficulty, profile
from synthetic.points import housing_clauses as H
from synthetic.points.housing_clauses import catalogue, rates
from synthetic.points.housing_clauses.schema import (
    ASYMMETRY, CODE_TEMPLATES, EXEMPTION, FAMILY_CODE, HARD_NEGATIVE_TEMPLATES, INTERPRETATION,
    MAX_CLAUSES, MIN_CLAUSES, PARTIES, RATE_ASYMMETRIC, RATE_DOUBLE, REASON_CODES,
    RIGHT_EXCLUSION, TEXT_FAMILIES)
from synthetic.registry import GenerationRequest, get_point

AS_OF = dt.date(2023, 12, 31)
LEVELS = list(Difficulty)
DOCS = Path(__file__).parents[2] / "docs" / "points" / "housing_clauses.md"


@cache
def facts(seed: int, size: int, level: Difficulty) -> H.Facts:
    return H.draw_facts(seed, size, level, AS_OF)


@cache
def scenario(seed: int, size: int, level: Difficulty, template_set: str = "default"):
    request = GenerationRequest(seed=seed, size=size, difficulty=level, as_of=AS_OF)
    return H.generate(request, template_set=template_set)


def label_set(table: pa.Table) -> set[tuple[str, str]]:
    return set(zip(table["record_id"].to_pylist(), table["reason"].to_pylist()))


def intended(f: H.Facts) -> set[tuple[str, str]]:
    """The reasons the role layer built, from the family flags."""
    code = {**FAMILY_CODE, RATE_ASYMMETRIC: ASYMMETRY, "seller_cap_only": ASYMMETRY}
    s = f.flags
    return {(r, code[fam]) for fam in H.REASON_FAMILY_NAMES for r in s.loc[s[fam], "contract_no"]}


def skeleton(source: str) -> str:
    """A template with its slots as one placeholder, punctuation and party names removed."""
    text = re.sub(r"\{\{\s*\w+\s*\}\}", "#", source)
    return re.sub(r"[，,；;：:。（）()、\s]", "", text)


def test_registered_point_spec():
    spec = get_point("housing_clauses")
    assert spec.generate.__wrapped__ is H.generate and spec.reason_codes == REASON_CODES
    assert [t.name for t in spec.tables] == ["contracts", "clauses"]
    assert spec.table("contracts").column_names == [
        "contract_no", "project_name", "presale_permit_no", "developer_uscc", "developer_name",
        "buyer_id_masked", "sign_date", "total_price_yuan", "area_m2", "delivery_date"]
    assert (spec.subject_table, spec.record_id_column) == ("contracts", "contract_no")


@pytest.mark.parametrize("template_set,minimum", [("default", 8), ("heldout", 4)])
def test_enough_templates_per_reason_code_and_hard_negative_family(template_set, minimum):
    sources = H.template_sources(template_set)
    for group in (CODE_TEMPLATES, HARD_NEGATIVE_TEMPLATES):
        for name, families in group.items():
            distinct = {skeleton(s) for f in families for s in sources[f]}
            assert len(distinct) >= minimum, (template_set, name, len(distinct))


def test_heldout_phrasings_never_appear_in_the_default_set():
    default = {skeleton(s) for f in TEXT_FAMILIES for s in H.template_sources("default")[f]}
    heldout = [skeleton(s) for f in TEXT_FAMILIES for s in H.template_sources("heldout")[f]]
    assert not set(heldout) & default
    assert not set(rates.FORMS["default"]) & set(rates.FORMS["heldout"])
    f = facts(11, 300, Difficulty.HARD)
    d = set(H.clause_texts(f, 11, "hard", "default").to_pylist())
    h = set(H.clause_texts(f, 11, "hard", "heldout").to_pylist())
    assert not d & h


def test_every_template_renders_with_every_party_style():
    for template_set in H.TEMPLATE_SETS:
        r = H.renderer(template_set)
        n = len(r.templates)
        for party in range(len(PARTIES)):
            texts = r.render(np.arange(n), np.full(n, party), np.zeros(n, int), np.zeros(n, int),
                             np.zeros((n, len(catalogue.slot_vocabularies())), int),
                             np.full(n, 50 * catalogue.RATE_FORMS_MAX)).to_pylist()
            assert all("{" not in t and t.endswith("。") for t in texts)
            seller, buyer = PARTIES[party]
            assert all(seller in t for t, uses in zip(texts, r.uses[:, -4]) if uses)
            assert all(buyer in t for t, uses in zip(texts, r.uses[:, -3]) if uses)


@pytest.mark.parametrize("units,expected", [
    (50, {"每日按总房款的万分之五", "按总房款的日万分之五", "按总房款万分之五/日", "按总房款每日0.05%",
          "按总房款的日0.05%", "按总房款千分之零点五/日", "按总房款每日0.5‰", "每天按总房款的万分之五"}),
    (100, {"按总房款千分之一/日", "按总房款每日0.1%", "按总房款的日万分之十"}),
    (15, {"按总房款的日万分之一点五", "按总房款每日0.015%", "按总房款每日0.15‰"}),
    (250, {"按总房款的日万分之二十五", "按总房款千分之二点五/日"}),
])
def test_rate_forms(units, expected):
    forms = {rates.phrase(units, k, "总房款", "default") for k in range(8)}
    assert expected <= forms


def test_chinese_numbers():
    cases = {"5": "五", "10": "十", "15": "十五", "20": "二十", "105": "一百零五", "110": "一百一十",
             "1.5": "一点五", "0.5": "零点五", "0.15": "零点一五", "50": "五十"}
    assert {k: rates.cn_number(Decimal(k)) for k in cases} == cases


@pytest.mark.parametrize("level", LEVELS)
def test_labels_are_the_rules_applied_to_the_facts(level):
    f = facts(3, 2000, level)
    labels = label_set(scenario(3, 2000, level).labels)
    assert labels == intended(f)
    clue = set(f.flags.loc[f.flags["role"] == H.CLUE, "contract_no"])
    assert {r for r, _ in labels} == clue


@pytest.mark.parametrize("level", LEVELS)
def test_clue_share_hard_negatives_and_rates(level):
    f = facts(4, 4000, level)
    n_clue, n_hn = H.role_counts(4000, level)
    role = f.flags["role"].to_numpy()
    assert (role == H.CLUE).sum() == n_clue and (role == H.HARD_NEGATIVE).sum() == n_hn
    hn = role == H.HARD_NEGATIVE
    assert f.flags.loc[hn, list(H.HARD_NEGATIVE_FAMILIES)].any(axis=1).all()
    b, s = f.buyer_rate, f.seller_rate
    assert ((b > 2 * s) == f.flags[RATE_ASYMMETRIC].to_numpy()).all()
    assert ((b == 2 * s) == f.flags[RATE_DOUBLE].to_numpy()).all()
    assert (b % 5 == 0).all() and (b <= 500).all() and (b > 0).all()
    assert (~f.buyer_cap | f.seller_cap).all()
    if profile(level).boundary_dates:
        assert ((b == 2 * s + 5) & f.flags[RATE_ASYMMETRIC].to_numpy()).any()
    for family in H.FLAGS:
        assert f.flags[family].any(), family


@pytest.mark.parametrize("level", LEVELS)
def test_clause_plan(level):
    f = facts(5, 2000, level)
    c = f.clauses
    per = c.groupby("contract_no")
    assert per.size().between(MIN_CLAUSES, MAX_CLAUSES).all()
    assert (per["clause_no"].apply(lambda x: list(x) == list(range(1, len(x) + 1)))).all()
    for family in ("rate_buyer", "rate_seller"):
        assert (c.loc[c["family"] == family].groupby("contract_no").size() == 1).all()
    assert len(c.loc[c["family"] == "rate_buyer"]) == 2000
    assert (c.loc[c["family"] == "ordinary"].groupby("contract_no").size() >= 1).all()
    # the unfair clause is not always last, nor always first
    unfair = c.loc[c["family"].map(FAMILY_CODE).notna()]
    last = unfair["clause_no"] == unfair["contract_no"].map(per.size())
    assert 0.05 < last.mean() < 0.4 and 0.05 < (unfair["clause_no"] == 1).mean() < 0.4


def test_clause_count_does_not_depend_on_the_role():
    f = facts(6, 6000, Difficulty.EASY)
    size = f.clauses.groupby("contract_no").size().reindex(f.flags["contract_no"]).to_numpy()
    clue = f.flags["role"].to_numpy() == H.CLUE
    assert abs(size[clue].mean() - size[~clue].mean()) < 0.25


def test_texts_read_like_contracts():
    s = scenario(7, 500, Difficulty.STANDARD)
    clauses = s.tables["clauses"].to_pandas()
    assert clauses["text"].str.len().between(12, 200).all()
    assert clauses["text"].str.contains(r"^[^\s].*[。；;]$").all()
    per = clauses.drop_duplicates().groupby("contract_no")["text"]
    assert (per.nunique() == per.size()).all(), "no clause repeats within a contract"
    assert clauses["text"].str.contains(",").any() and clauses["text"].str.contains("，").any()


def test_contracts_are_realistic():
    s = scenario(7, 500, Difficulty.EASY)
    c = s.tables["contracts"].to_pandas()
    assert c["contract_no"].is_unique
    assert c["developer_uscc"].map(is_valid_uscc).all()
    assert c["contract_no"].str.fullmatch(r"34\d{4}WQ20\d{2}\d{6}").all()
    assert c["buyer_id_masked"].str.fullmatch(r"34\d{4}\*{8}\d{3}[\dX]").all()
    assert c["presale_permit_no"].str.fullmatch(r".房预售证第20\d{5}号").all()
    assert c["developer_name"].str.contains("置业|地产|置地|房地产").all()
    sign = pd.to_datetime(c["sign_date"])
    assert (sign <= pd.Timestamp(AS_OF)).all()
    assert ((pd.to_datetime(c["delivery_date"]) - sign).dt.days.between(180, 900)).all()
    ratio = c["total_price_yuan"] / c["area_m2"]
    assert ratio.between(4_999, 16_001).all() and c["area_m2"].between(60, 180).all()
    assert c.groupby("developer_uscc")["developer_name"].nunique().eq(1).all()


@pytest.mark.parametrize("level", LEVELS)
def test_noise_never_changes_a_fact(level):
    s = scenario(8, 2000, level)
    clean = facts(8, 2000, level).contracts
    c = s.tables["contracts"].to_pandas()
    assert c["contract_no"].tolist() == clean["contract_no"].tolist()
    assert (normalize.normalize_company_name_series(c["developer_name"])
            == clean["developer_name"]).all()
    code = normalize.normalize_uscc_series(c["developer_uscc"])
    blank = code.isna()
    assert (code[~blank] == clean["developer_uscc"][~blank]).all()
    assert blank.sum() == 0 or profile(level).empty_codes
    masked = c["buyer_id_masked"].map(lambda v: normalize.normalize_id(v))
    assert (masked == clean["buyer_id_masked"]).all()
    changed = (c["developer_name"] != clean["developer_name"]).mean()
    assert (changed == 0) == (profile(level).noise_rate == 0)
    clauses = s.tables["clauses"].to_pandas()
    assert len(clauses.drop_duplicates()) == len(facts(8, 2000, level).clauses)


def test_facts_and_identities_do_not_depend_on_the_difficulty_or_template_set():
    a, b = facts(9, 800, Difficulty.EASY), facts(9, 800, Difficulty.HARD)
    pd.testing.assert_frame_equal(a.contracts, b.contracts)
    assert (a.seller_rate == b.seller_rate).all()
    d, h = scenario(9, 800, Difficulty.HARD), scenario(9, 800, Difficulty.HARD, "heldout")
    assert d.labels.equals(h.labels) and d.tables["contracts"].equals(h.tables["contracts"])
    assert d.tables["clauses"].select(["contract_no", "clause_no"]).equals(
        h.tables["clauses"].select(["contract_no", "clause_no"]))


def test_unknown_template_set_is_rejected():
    request = GenerationRequest(seed=1, size=5, difficulty=Difficulty.EASY, as_of=AS_OF)
    with pytest.raises(ValueError, match="template_set must be one of default, heldout"):
        H.generate(request, template_set="private")


def test_the_docs_show_every_family_with_an_example():
    text = DOCS.read_text("utf-8")
    for name in (*REASON_CODES, *TEXT_FAMILIES, *H.HARD_NEGATIVE_FAMILIES, RATE_ASYMMETRIC):
        assert f"`{name}`" in text, name
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    for family in TEXT_FAMILIES:
        row = next((r for r in rows if r.startswith(f"| `{family}`")), "")
        assert re.search(r"[\u4e00-\u9fff]{6}", row), f"no example for {family}"


CONTRACTS = ["A", "B", "C", "D", "E", "F"]


@pytest.mark.parametrize("buyer,seller,buyer_cap,seller_cap,families,expected", [
    (50, 50, False, False, ["ordinary"], set()),
    (100, 50, False, False, ["ordinary"], set()),                       # exactly twice
    (105, 50, False, False, ["ordinary"], {ASYMMETRY}),                 # one step above
    (50, 50, False, True, ["seller_cap_only"], {ASYMMETRY}),
    (50, 50, True, True, ["caps_both"], set()),
    (50, 50, False, False, ["force_majeure", "buyer_caused", "negated", "quote_law",
                            "area_rule", "change_agreed"], set()),
    (50, 50, False, False, ["keys_accept", "notice_no_withdrawal"], {EXEMPTION, RIGHT_EXCLUSION}),
    (300, 20, False, True, ["unilateral_change", "exempt_any"],
     {ASYMMETRY, INTERPRETATION, EXEMPTION}),
])
def test_rules_on_hand_built_contracts(buyer, seller, buyer_cap, seller_cap, families, expected):
    labels = H.compute_labels(["X"], [buyer], [seller], [buyer_cap], [seller_cap],
                              ["X"] * len(families), families)
    assert set(labels["reason"].to_pylist()) == expected


def test_rules_reject_unknown_families():
    with pytest.raises(ValueError, match="unknown clause families"):
        H.compute_labels(["X"], [5], [5], [False], [False], ["X"], ["made_up"])
