"""The legal_aid generator: schema, identities, labels = rules(facts), roles, noise, boundaries —
and the rules themselves on hand-built cases."""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from synthetic import normalize
from synthetic.difficulty import Difficulty, profile
from synthetic.idnumbers import age_on, birth_date_of, is_male, is_valid_id, make_id
from synthetic.points import legal_aid as L
from synthetic.points.legal_aid import flags as F
from synthetic.points.legal_aid.schema import (
    GRAVE_CHARGES, ORDINARY_CHARGES, REASON_CODES, TABLES)
from synthetic.registry import GenerationRequest, get_point

AS_OF = dt.date(2023, 12, 31)
LEVELS = list(Difficulty)
ARROW = {"string": pa.string(), "int64": pa.int64(), "float64": pa.float64(), "bool": pa.bool_()}
REASON_OF = dict(zip(F.REASON_FLAGS, REASON_CODES))
MISSING, LATE, UNQUALIFIED = REASON_CODES


@cache
def facts(seed: int, size: int, level: Difficulty, as_of: dt.date = AS_OF) -> L.Facts:
    return L.draw_facts(seed, size, level, as_of)


@cache
def scenario(seed: int, size: int, level: Difficulty, as_of: dt.date = AS_OF):
    return L.generate(GenerationRequest(seed=seed, size=size, difficulty=level, as_of=as_of))


def label_set(frame: pd.DataFrame) -> set[tuple[str, str]]:
    return set(zip(frame["record_id"], frame["reason"]))


def intended(f: L.Facts) -> set[tuple[str, str]]:
    s = f.flags
    return {(r, REASON_OF[flag]) for flag in F.REASON_FLAGS for r in s.loc[s[flag], "defendant_id"]}


def cleaned(tables: dict[str, pa.Table]) -> dict[str, pd.DataFrame]:
    """Every noise variant normalised, empty birth dates read from the ID, duplicates dropped."""
    out = {name: table.to_pandas() for name, table in tables.items()}
    d = out["defendants"]
    d["id_number"] = normalize.normalize_id_series(d["id_number"])
    births = d["id_number"].str[6:14]
    d["birth_date"] = d["birth_date"].where(
        d["birth_date"] != "", births.str[:4] + "-" + births.str[4:6] + "-" + births.str[6:])
    out["disabilities"]["card_no"] = normalize.normalize_uscc_series(
        out["disabilities"]["card_no"])
    for name, column in (("defendants", "name"), ("disabilities", "name"),
                         ("defenders", "lawyer_name")):
        out[name][column] = normalize.normalize_person_name_series(out[name][column])
    for name, column in (("cases", "accepted_date"), ("defenders", "appointed_date"),
                         ("aid_notices", "notice_date")):
        out[name][column] = normalize.normalize_date_series(out[name][column]).dt.strftime(
            "%Y-%m-%d")
    return {name: frame.drop_duplicates().reset_index(drop=True) for name, frame in out.items()}


def rules_on(tables: dict[str, pd.DataFrame], as_of: dt.date) -> pd.DataFrame:
    return L.compute_labels(*(tables[name] for name in L.TABLE_NAMES), as_of=as_of)


def assessed(f: L.Facts) -> pd.DataFrame:
    a = L.assess(*(getattr(f, name) for name in L.TABLE_NAMES), as_of=f.as_of)
    return a.merge(f.flags, on="defendant_id")


def family(a: pd.DataFrame, flag: str) -> pd.DataFrame:
    return a.loc[(a[flag] & (a["role"] == L.HARD_NEGATIVE)).to_numpy()]


def test_registered_point_spec():
    spec = get_point("legal_aid")
    assert spec.generator_version == "legal_aid/2"
    assert spec.subject_table == "defendants" and spec.record_id_column == "defendant_id"
    assert spec.reason_codes == ("LA_MISSING_DEFENDER", "LA_LATE_NOTICE", "LA_UNQUALIFIED_LAWYER")
    assert {t.name: t.column_names for t in spec.tables} == {
        "cases": ["case_no", "stage", "accepted_date", "charge", "procedure"],
        "defendants": ["defendant_id", "case_no", "name", "id_number", "birth_date", "gender",
                       "possible_max_penalty"],
        "disabilities": ["card_no", "name", "category", "grade"],
        "assessments": ["defendant_id", "capacity"],
        "defenders": ["defendant_id", "defender_type", "appointed_date", "lawyer_name",
                      "lawyer_years"],
        "aid_notices": ["defendant_id", "notice_date", "notifying_org"]}
    messy = [(t.name, c.name) for t in spec.tables for c in t.columns if c.messy]
    assert messy == [("cases", "accepted_date"), ("defenders", "appointed_date"),
                     ("aid_notices", "notice_date")]


@pytest.mark.parametrize("level", LEVELS)
def test_tables_follow_the_schema(level):
    generated = scenario(5, 400, level)
    assert list(generated.tables) == [t.name for t in TABLES]
    for schema in TABLES:
        table = generated.tables[schema.name]
        assert table.schema.names == schema.column_names
        assert [f.type for f in table.schema] == [ARROW[c.type] for c in schema.columns]
        assert table.num_rows > 0
    assert generated.tables["defendants"].num_rows == 400
    labels = generated.labels.to_pandas()
    assert labels.equals(labels.sort_values(["record_id", "reason"]).reset_index(drop=True))
    assert set(labels["reason"]) == set(REASON_CODES)


@pytest.mark.parametrize("level", LEVELS)
def test_defendants_are_real_people_in_realistic_cases(level):
    f = facts(7, 3000, level)
    d, c = f.defendants, f.cases
    assert d["defendant_id"].is_unique and d["defendant_id"].str.fullmatch(r"34\d{4}XR\d{7}").all()
    assert all(is_valid_id(i) for i in d["id_number"]) and d["id_number"].is_unique
    births = np.array([birth_date_of(i).isoformat() for i in d["id_number"]])
    assert (births == d["birth_date"].to_numpy()).all()
    assert ((d["gender"] == "男") == np.array([is_male(i) for i in d["id_number"]])).all()
    assert c["case_no"].is_unique and set(d["case_no"]) == set(c["case_no"])
    assert d.groupby("case_no").size().max() <= 3 and (d.groupby("case_no").size() > 1).any()
    review = c["stage"] == "审查起诉"
    assert c.loc[review, "case_no"].str.fullmatch(r".{2,4}检刑诉〔20\d\d〕\d+号").all()
    assert c.loc[~review, "case_no"].str.fullmatch(r"（20\d\d）皖\d{2}(\d{2})?刑初\d+号").all()
    year = c["case_no"].str.extract(r"(20\d\d)")[0]
    assert (year == c["accepted_date"].str[:4]).all()
    assert c["case_no"].str.startswith(("芜湖", "（20")).mean() > 0.3        # mostly Wuhu
    grave = d.merge(c, on="case_no").groupby("case_no")["possible_max_penalty"].agg(
        lambda p: p.isin(["无期徒刑", "死刑"]).any())
    charge = c.set_index("case_no")["charge"].reindex(grave.index)
    assert charge[grave].isin(GRAVE_CHARGES).all()
    assert charge[~grave].isin(ORDINARY_CHARGES).all()
    assert (c.set_index("case_no")["procedure"].reindex(grave.index)[grave] == "普通").all()
    cards = f.disabilities
    assert cards["card_no"].str.fullmatch(r"\d{17}[\dX][1-6][1-4]").all()
    assert (cards["card_no"].str[18] == cards["category"]).all()
    assert (cards["card_no"].str[19] == cards["grade"]).all()
    assert f.aid_notices["notifying_org"].str.fullmatch(r".{2,3}市(.{1,4}[区县市])?法律援助中心").all()
    assert f.defenders["lawyer_years"].between(0, 30).all()
    assert not set(f.defenders["lawyer_name"]) & set(d["name"])


@pytest.mark.parametrize("as_of", [AS_OF, dt.date(2024, 2, 29), dt.date(2021, 1, 1),
                                   dt.date(2025, 6, 30)])
@pytest.mark.parametrize("level", LEVELS)
def test_labels_are_the_rules_applied_to_the_facts(level, as_of):
    f = facts(11, 800, level, as_of)
    labels = scenario(11, 800, level, as_of).labels.to_pandas()
    assert label_set(labels) == label_set(L.labels_of(f))
    assert label_set(labels) == intended(f)     # the role layer built what the rules find
    iso = as_of.isoformat()
    for table, column in (("cases", "accepted_date"), ("defenders", "appointed_date"),
                          ("aid_notices", "notice_date"), ("defendants", "birth_date")):
        assert (getattr(f, table)[column] <= iso).all(), (table, column)


@pytest.mark.parametrize("seed,size,as_of", [(9, 2500, AS_OF), (10, 700, dt.date(2024, 3, 1)),
                                             (12, 40, dt.date(2022, 8, 15))])
@pytest.mark.parametrize("level", LEVELS)
def test_noise_never_changes_a_fact(level, seed, size, as_of):
    f = facts(seed, size, level, as_of)
    generated = scenario(seed, size, level, as_of)
    tables = cleaned(generated.tables)
    assert label_set(rules_on(tables, as_of)) == label_set(generated.labels.to_pandas())
    for name in L.TABLE_NAMES:
        expected = getattr(f, name)
        got = tables[name][expected.columns]
        key = list(expected.columns)
        pd.testing.assert_frame_equal(
            got.sort_values(key).reset_index(drop=True).astype(str),
            expected.sort_values(key).reset_index(drop=True).astype(str), obj=name)


@pytest.mark.parametrize("level", LEVELS)
def test_noise_shows_only_where_the_level_allows_it(level):
    prof = profile(level)
    raw = {name: t.to_pandas() for name, t in scenario(9, 2500, level).tables.items()}
    d, cards = raw["defendants"], raw["disabilities"]
    assert d["id_number"].str.fullmatch(r"\d{17}[\dX]").all() == (prof.noise_rate == 0)
    assert d["id_number"].str.fullmatch(r"\d{15}").any() == prof.legacy_ids
    assert cards["card_no"].str.fullmatch(r"\d{17}[\dX]\d\d").all() == (prof.noise_rate == 0)
    assert not cards["card_no"].str.fullmatch(r"\d{17}\d\d").any()      # never a legacy card
    assert (d["birth_date"] == "").any() == (prof.noise_rate > 0)
    dates = pd.concat([raw["cases"]["accepted_date"], raw["defenders"]["appointed_date"],
                       raw["aid_notices"]["notice_date"]])
    assert dates.str.fullmatch(r"\d{4}-\d{2}-\d{2}").all() == (prof.noise_rate == 0)
    assert d["name"].str.strip().ne(d["name"]).any() == (prof.noise_rate > 0)
    for name in ("disabilities", "assessments", "defenders", "aid_notices"):
        assert raw[name].duplicated().any() == (prof.duplicate_rate > 0), name
    assert not raw["cases"].duplicated("case_no").any()


@pytest.mark.parametrize("level", LEVELS)
def test_clue_share_and_hard_negatives(level):
    prof = profile(level)
    f = facts(3, 6000, level)
    s = f.flags
    clues = (s["role"] == L.CLUE).to_numpy()
    labels = L.labels_of(f)
    assert set(labels["record_id"]) == set(s.loc[clues, "defendant_id"])
    assert abs(clues.mean() - prof.clue_share) < 0.01
    hn = (s["role"] == L.HARD_NEGATIVE) & s[list(L.HN_FLAGS)].any(axis=1)
    assert abs(hn.sum() / clues.sum() - prof.hard_negative_ratio) < 0.05
    for name in L.families(level):
        assert (s[name] & hn).sum() >= 3, name
    assert (F.HN_NAMESAKE_CARD in L.families(level)) == prof.namesakes
    assert not s.loc[~s["role"].eq(L.HARD_NEGATIVE), list(F.CORE_FAMILIES)].any().any()
    assert (s.loc[hn, list(F.CORE_FAMILIES)].sum(axis=1) == 1).all()
    assert (labels.groupby("record_id").size() > 1).any()
    for flag in F.REASON_FLAGS:
        assert s.loc[clues, flag].mean() > 0.2, flag


def test_hard_negative_families_look_like_what_they_claim():
    f = facts(3, 6000, Difficulty.HARD)
    a = assessed(f)
    days = (a["first_notice"] - a["accepted"]).dt.days
    a = a.assign(notice_days=days, age=[age_on(b.date(), acc.date()) for b, acc in zip(
        pd.to_datetime(f.defendants.set_index("defendant_id").loc[a["defendant_id"],
                                                                  "birth_date"]), a["accepted"])])
    grounds = ["minor", "sensory", "limited", "grave"]
    looks_mandatory = (F.HN_RETAINED, F.HN_NOTICE_DAY_3, F.HN_NOT_YET_DUE,
                       F.HN_SENIOR_AID_LAWYER, F.HN_JUNIOR_FIXED_TERM)
    for name in F.CORE_FAMILIES:
        rows = family(a, name)
        assert rows["mandatory"].all() == (name in looks_mandatory), name
        assert rows["due"].all() == (name != F.HN_NOT_YET_DUE), name
    assert family(a, F.HN_RETAINED)["retained"].all()
    retained = family(a, F.HN_RETAINED)
    assert (retained["first_notice"].isna() & ~retained["aid"]).any()          # else: missing
    assert (retained["notice_days"] > 3).any()
    assert (retained["grave"] & retained["junior_aid"]).any()
    assert (family(a, F.HN_NOTICE_DAY_3)["notice_days"] == 3).all()
    deadline_is_as_of = pd.Timestamp(AS_OF) - pd.Timedelta(days=3)
    assert (family(a, F.HN_NOT_YET_DUE)["accepted"] == deadline_is_as_of).any()
    senior = family(a, F.HN_SENIOR_AID_LAWYER)
    assert senior["grave"].all() and senior["aid"].all() and not senior["junior_aid"].any()
    junior = family(a, F.HN_JUNIOR_FIXED_TERM)
    assert junior["junior_aid"].all() and not junior["grave"].any()
    cards = f.disabilities.assign(id=f.disabilities["card_no"].str[:18])
    holders = family(a, F.HN_CARD_4_6).merge(f.defendants, on="defendant_id").merge(
        cards, left_on="id_number", right_on="id")
    assert len(holders) == len(family(a, F.HN_CARD_4_6)) and holders["category"].isin(
        ["4", "5", "6"]).all()
    capacity = f.assessments.set_index("defendant_id")["capacity"]
    assert (capacity.reindex(family(a, F.HN_FULL_CAPACITY)["defendant_id"]) == "完全").all()
    assert (capacity.reindex(family(a, F.HN_NO_CAPACITY)["defendant_id"]) == "无").all()
    assert (family(a, F.HN_DAY_AFTER_18)["age"] == 18).all()
    assert (family(a, F.HN_TURNED_18)["age"] == 18).all()
    for name in (F.HN_CARD_4_6, F.HN_DAY_AFTER_18, F.HN_TURNED_18, F.HN_FULL_CAPACITY,
                 F.HN_NO_CAPACITY):
        rows = family(a, name)
        assert not rows[grounds].any().any() and not rows[["retained", "aid"]].any().any()
        assert rows["first_notice"].isna().all(), name


def _birthdays(f: L.Facts) -> pd.DataFrame:
    """Per defendant: days from the 18th birthday in law to acceptance."""
    a = assessed(f).merge(f.defendants[["defendant_id", "birth_date"]], on="defendant_id")
    births = pd.to_datetime(a["birth_date"]).to_numpy("datetime64[D]")
    adult = L.rules.birthdays(births, 18)
    return a.assign(after=(a["accepted"].to_numpy("datetime64[D]") - adult).astype(int))


def test_hard_boundaries_are_present():
    a = _birthdays(facts(3, 6000, Difficulty.HARD))
    clues = a["role"] == L.CLUE
    assert (clues & a["minor"] & (a["after"] == 0)).any()              # on the 18th birthday
    assert (family(a, F.HN_DAY_AFTER_18)["after"] == 1).mean() > 0.9   # 29 Feb moves a few
    assert (family(a, F.HN_DAY_AFTER_18)["after"] >= 1).all()
    assert family(a, F.HN_TURNED_18)["after"].between(2, 181).all()
    late = a.loc[clues & a["first_notice"].notna()]
    assert ((late["first_notice"] - late["accepted"]).dt.days == 4).any()
    f = facts(3, 6000, Difficulty.HARD)
    aid = f.defenders[f.defenders["defender_type"] == "法律援助"]
    assert {2, 3} <= set(aid["lawyer_years"])


def test_29_february_births_follow_the_law():
    """Defendants born on 29 February (boundary families accepted around 28 February 2022) are
    minors exactly when ``idnumbers.age_on``, an independent reading of the age rule, says so."""
    f = facts(5, 60_000, Difficulty.HARD, dt.date(2022, 12, 31))
    a = assessed(f).merge(f.defendants[["defendant_id", "birth_date"]], on="defendant_id")
    leap = a[a["birth_date"].str.endswith("02-29")]
    assert len(leap) > 0
    ages = [age_on(dt.date.fromisoformat(b), acc.date())
            for b, acc in zip(leap["birth_date"], leap["accepted"])]
    assert (leap["minor"].to_numpy() == (np.array(ages) < 18)).all()
    assert (np.array(ages) == 17).any() and (np.array(ages) >= 18).any()


@pytest.mark.parametrize("level", LEVELS)
def test_namesakes_only_where_the_level_plants_them(level):
    f = facts(3, 3000, level)
    cards = f.disabilities.assign(id=f.disabilities["card_no"].str[:18])
    shared = cards.merge(f.defendants, on="name", suffixes=("", "_d"))
    other = shared[shared["id"] != shared["id_number"]]
    expected = set(f.flags.loc[f.flags[F.HN_NAMESAKE_CARD].to_numpy(), "defendant_id"])
    assert set(other["defendant_id"]) == expected
    assert bool(expected) == profile(level).namesakes
    assert other["category"].isin(["1", "2", "3"]).all()


def test_identities_do_not_depend_on_the_difficulty():
    easy, hard = facts(7, 2000, Difficulty.EASY), facts(7, 2000, Difficulty.HARD)
    cols = ["defendant_id", "name", "gender"]
    pd.testing.assert_frame_equal(
        easy.defendants[cols].sort_values("defendant_id").reset_index(drop=True),
        hard.defendants[cols].sort_values("defendant_id").reset_index(drop=True))


def test_rows_are_grouped_by_owner_in_random_order():
    f = facts(7, 2000, Difficulty.STANDARD)
    for table, owner in ((f.defenders, "defendant_id"), (f.aid_notices, "defendant_id"),
                         (f.defendants, "case_no")):
        runs = (table[owner] != table[owner].shift()).sum()
        assert runs == table[owner].nunique()
        assert not table[owner].is_monotonic_increasing
    assert not f.cases["case_no"].is_monotonic_increasing


@pytest.mark.parametrize("size", [1, 2, 10])
@pytest.mark.parametrize("level", LEVELS)
def test_tiny_scenarios(level, size, tmp_path):
    from synthetic.scenario import generate_scenario

    sc = generate_scenario("legal_aid", seed=4, size=size, difficulty=level, out=tmp_path / "s")
    assert sc.manifest["tables"]["defendants"]["rows"] == size
    assert sc.read_labels().to_pandas()["record_id"].nunique() >= 1


def test_the_docs_name_every_reason_and_family():
    doc = (Path(__file__).parents[2] / "docs" / "points" / "legal_aid.md").read_text("utf-8")
    for word in (*REASON_CODES, *L.HN_FLAGS, *F.REASON_FLAGS, "法律援助", "Readings of the contract",
                 "as_of"):
        assert word in doc, word


# --- the rules on hand-built cases ------------------------------------------------------------

BIRTH = dt.date(2005, 6, 10)


def reasons(*, accepted="2023-06-01", birth=BIRTH, birth_date=None, penalty="有期徒刑",
            cards=(), capacity=None, defenders=(), notices=(), as_of=AS_OF) -> set[str]:
    """Reasons for one defendant: ``cards`` (category, ID), ``defenders`` (type, date, years),
    ``notices`` (dates)."""
    number = make_id("340207", birth, 123)
    cases = pd.DataFrame({"case_no": ["C1"], "stage": ["审判"], "accepted_date": [accepted],
                          "charge": ["盗窃罪"], "procedure": ["普通"]})
    defendants = pd.DataFrame({
        "defendant_id": ["D1"], "case_no": ["C1"], "name": ["张三"], "id_number": [number],
        "birth_date": [birth.isoformat() if birth_date is None else birth_date],
        "gender": ["男"], "possible_max_penalty": [penalty]})
    disabilities = pd.DataFrame([((holder or number) + cat + "2", "张三", cat, "2")
                                 for cat, holder in cards],
                                columns=["card_no", "name", "category", "grade"])
    assessments = pd.DataFrame({"defendant_id": ["D1"] * (capacity is not None),
                                "capacity": [capacity] * (capacity is not None)})
    defenders = pd.DataFrame([("D1", t, d, "李四", y) for t, d, y in defenders],
                             columns=[c.name for c in TABLES[4].columns])
    notices = pd.DataFrame([("D1", d, "芜湖市鸠江区法律援助中心") for d in notices],
                           columns=["defendant_id", "notice_date", "notifying_org"])
    labels = L.compute_labels(cases, defendants, disabilities, assessments, defenders, notices,
                              as_of=as_of)
    return set(labels["reason"])


@pytest.mark.parametrize("accepted,expected", [
    ("2023-06-09", {MISSING}), ("2023-06-10", {MISSING}),      # the 18th birthday: still 17
    ("2023-06-11", set()), ("2024-01-01", set()),
])
def test_rule_age_on_acceptance(accepted, expected):
    assert reasons(accepted=accepted, as_of=dt.date(2024, 6, 1)) == expected


@pytest.mark.parametrize("accepted,expected", [("2022-02-28", {MISSING}), ("2022-03-01", set())])
def test_rule_born_on_29_february(accepted, expected):
    assert reasons(birth=dt.date(2004, 2, 29), accepted=accepted) == expected


def test_rule_birth_date_from_the_id_when_empty():
    assert reasons(accepted="2023-06-10", birth_date="") == {MISSING}
    assert reasons(accepted="2023-06-11", birth_date="") == set()


ADULT = dt.date(1980, 5, 17)


@pytest.mark.parametrize("cards,capacity,penalty,expected", [
    ([("1", None)], None, "有期徒刑", {MISSING}),
    ([("3", None)], None, "有期徒刑", {MISSING}),
    ([("4", None), ("6", None)], None, "有期徒刑", set()),
    ([("2", make_id("340202", dt.date(1975, 3, 2), 88))], None, "有期徒刑", set()),  # another ID
    ([], "限制", "有期徒刑", {MISSING}),
    ([], "完全", "有期徒刑", set()),
    ([], "无", "有期徒刑", set()),
    ([], None, "无期徒刑", {MISSING}),
    ([], None, "死刑", {MISSING}),
])
def test_rule_mandatory_grounds(cards, capacity, penalty, expected):
    assert reasons(birth=ADULT, cards=cards, capacity=capacity, penalty=penalty) == expected


@pytest.mark.parametrize("defenders,notices,expected", [
    ([("值班律师", "2023-06-01", 10)], [], {MISSING}),           # a duty lawyer alone
    ([("法律援助", "2023-06-20", 10)], [], set()),
    ([], ["2023-06-04"], set()),                                  # exactly 3 days
    ([], ["2023-06-05"], {LATE}),                                 # 4 days
    ([], ["2023-06-05", "2023-06-02"], set()),                    # the earliest counts
    ([("委托", "2023-09-30", 1)], ["2023-07-01"], set()),          # retained, whatever its date
    ([("委托", "2023-05-01", 1)], [], set()),
])
def test_rule_defence_and_notices(defenders, notices, expected):
    assert reasons(birth=ADULT, capacity="限制", defenders=defenders, notices=notices) == expected


@pytest.mark.parametrize("penalty,years,notice,expected", [
    ("无期徒刑", 2, "2023-06-02", {UNQUALIFIED}),
    ("死刑", 0, "2023-06-08", {UNQUALIFIED, LATE}),
    ("死刑", 3, "2023-06-02", set()),
    ("有期徒刑", 1, "2023-06-02", set()),                         # 限制 capacity, not grave
])
def test_rule_unqualified_lawyer(penalty, years, notice, expected):
    got = reasons(birth=ADULT, capacity="限制", penalty=penalty, notices=[notice],
                  defenders=[("法律援助", notice, years), ("值班律师", "2023-06-01", 1)])
    assert got == expected
    retained = reasons(birth=ADULT, capacity="限制", penalty=penalty, notices=[notice],
                       defenders=[("法律援助", notice, years), ("委托", "2023-08-01", 1)])
    assert retained == set()


def test_rule_deadline_is_not_yet_a_breach():
    assert reasons(birth=ADULT, penalty="死刑", accepted="2023-12-28") == set()    # 12-31 = as_of
    assert reasons(birth=ADULT, penalty="死刑", accepted="2023-12-27") == {MISSING}
    assert reasons(birth=ADULT, penalty="死刑", accepted="2023-12-28",
                   as_of=dt.date(2024, 1, 1)) == {MISSING}
