"""The correction_detention generator: schema, identities, labels = rules(facts), roles, noise,
boundaries, determinism — and the rules themselves on hand-built cases."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import subprocess
import sys
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from synthetic import normalize
from synthetic.difficulty import Difficulty, profile
from synthetic.idnumbers import birth_date_of, is_male, is_valid_id, make_id
from synthetic.points import correction_detention as C
from synthetic.points.correction_detention import flags as F
from synthetic.points.correction_detention.schema import (
    CORRECTION_TYPES, DETENTION_VIOLATIONS, FINE_VIOLATIONS, REASON_CODES, TABLES, TERM_DAYS,
    WARNING_VIOLATIONS)
from synthetic.registry import GenerationRequest, get_point

AS_OF = dt.date(2023, 12, 31)
LEVELS = list(Difficulty)
ARROW = {"string": pa.string(), "int64": pa.int64(), "float64": pa.float64(), "bool": pa.bool_()}
REASON_OF = dict(zip(F.REASON_FLAGS, REASON_CODES))
DAY = pd.Timedelta(days=1)


@cache
def facts(seed: int, size: int, level: Difficulty, as_of: dt.date = AS_OF) -> C.Facts:
    return C.draw_facts(seed, size, level, as_of)


@cache
def scenario(seed: int, size: int, level: Difficulty, as_of: dt.date = AS_OF):
    return C.generate(GenerationRequest(seed=seed, size=size, difficulty=level, as_of=as_of))


def label_set(frame: pd.DataFrame) -> set[tuple[str, str]]:
    return set(zip(frame["record_id"], frame["reason"]))


def intended(f: C.Facts) -> set[tuple[str, str]]:
    s = f.flags
    return {(r, REASON_OF[flag]) for flag in F.REASON_FLAGS
            for r in s.loc[s[flag], "correction_no"]}


def cleaned(tables: dict[str, pa.Table]) -> dict[str, pd.DataFrame]:
    """Every noise variant normalised and exact duplicate rows dropped."""
    out = {name: table.to_pandas() for name, table in tables.items()}
    for name in ("subjects", "punishments"):
        out[name]["id_number"] = normalize.normalize_id_series(out[name]["id_number"])
        out[name]["name"] = normalize.normalize_person_name_series(out[name]["name"])
    for name, column in (("punishments", "decision_date"), ("sanctions", "action_date")):
        out[name][column] = normalize.normalize_date_series(out[name][column]).dt.strftime(
            "%Y-%m-%d")
    return {name: frame.drop_duplicates().reset_index(drop=True) for name, frame in out.items()}


def rules_on(tables: dict[str, pd.DataFrame], as_of: dt.date) -> pd.DataFrame:
    return C.compute_labels(tables["subjects"], tables["punishments"], tables["sanctions"],
                            tables["checkins"], as_of=as_of)


def subject_rows(f: C.Facts, flag: str) -> pd.DataFrame:
    return f.subjects.loc[(f.flags[flag] & (f.flags["role"] == C.HARD_NEGATIVE)).to_numpy()]


def test_registered_point_spec():
    spec = get_point("correction_detention")
    assert spec.generator_version == "correction_detention/2"
    assert spec.subject_table == "subjects" and spec.record_id_column == "correction_no"
    assert spec.reason_codes == ("CC_NO_SANCTION_AFTER_DETENTION",
                                 "CC_SHOULD_PROPOSE_REVOCATION", "CC_CHECKIN_DURING_DETENTION")
    assert {t.name: t.column_names for t in spec.tables} == {
        "subjects": ["correction_no", "name", "id_number", "correction_type", "start_date",
                     "end_date", "office", "status"],
        "punishments": ["punishment_no", "name", "id_number", "punishment_type",
                        "decision_date", "detention_days", "executed", "revoked", "violation"],
        "sanctions": ["correction_no", "action", "action_date"],
        "checkins": ["correction_no", "checkin_date", "method"]}
    messy = [(t.name, c.name) for t in spec.tables for c in t.columns if c.messy]
    assert messy == [("punishments", "decision_date"), ("sanctions", "action_date")]


@pytest.mark.parametrize("level", LEVELS)
def test_tables_follow_the_schema(level):
    generated = scenario(5, 400, level)
    assert list(generated.tables) == [t.name for t in TABLES]
    for schema in TABLES:
        table = generated.tables[schema.name]
        assert table.schema.names == schema.column_names
        assert [f.type for f in table.schema] == [ARROW[c.type] for c in schema.columns]
        assert table.num_rows > 0
    assert generated.tables["subjects"].num_rows == 400
    labels = generated.labels.to_pandas()
    assert labels.equals(labels.sort_values(["record_id", "reason"]).reset_index(drop=True))
    assert set(labels["reason"]) == set(REASON_CODES)


@pytest.mark.parametrize("level", LEVELS)
def test_subjects_are_real_people_with_realistic_records(level):
    f = facts(7, 3000, level)
    s = f.subjects
    assert s["correction_no"].is_unique
    assert s["correction_no"].str.fullmatch(r"34\d{4}JZ20\d{7}").all()
    assert all(is_valid_id(i) for i in s["id_number"]) and s["id_number"].is_unique
    people = f.people.set_index("id_number")
    assert (people.loc[s["id_number"], "name"].to_numpy() == s["name"].to_numpy()).all()
    sex = people.loc[s["id_number"], "sex"].to_numpy()
    assert ((sex == "男") == np.array([is_male(i) for i in s["id_number"]])).all()
    births = people.loc[s["id_number"], "birth_date"].dt.date.to_numpy()
    assert (births == np.array([birth_date_of(i) for i in s["id_number"]])).all()
    assert s["correction_no"].str[:4].eq("3402").mean() > 0.5        # mostly Wuhu
    assert set(s["correction_type"]) == set(CORRECTION_TYPES)
    assert (s["correction_type"] == "缓刑").mean() > 0.6
    start, end = pd.to_datetime(s["start_date"]), pd.to_datetime(s["end_date"])
    assert (start <= pd.Timestamp(AS_OF) - 120 * DAY).all()
    term = (end - start).dt.days + 1
    first = s["correction_type"].map({t: TERM_DAYS[t][0] for t in TERM_DAYS})
    last = s["correction_type"].map({t: TERM_DAYS[t][1] for t in TERM_DAYS})
    assert ((term >= first) & (term <= last)).all()
    assert (s["status"] == np.where(end >= pd.Timestamp(AS_OF), "在矫", "解矫")).all()
    assert s["office"].str.fullmatch(r".{2,3}市.{1,4}[区县市](司法局社区矫正中心|.+司法所)").all()
    # intake year and the key agree, and numbers run in intake order within county and year
    assert (s["correction_no"].str[8:12] == s["start_date"].str[:4]).all()


def test_punishment_records_are_realistic():
    f = facts(7, 3000, Difficulty.HARD)
    p = f.punishments
    assert p["punishment_no"].is_unique
    assert p["punishment_no"].str.fullmatch(r".{2,3}公\(..\)行罚决字〔20\d\d〕\d+号").all()
    assert (p["punishment_no"].str.extract(r"〔(\d{4})〕")[0] == p["decision_date"].str[:4]).all()
    det = p["punishment_type"] == "行政拘留"
    assert set(p["punishment_type"]) == {"行政拘留", "罚款", "警告"}
    assert p.loc[det, "detention_days"].between(1, 20).all()
    assert (p.loc[~det, "detention_days"] == 0).all()
    combined = det & (p["detention_days"] > 15)
    assert combined.any() and p.loc[combined, "violation"].str.contains("、").all()
    single = p.loc[~combined, "violation"]
    assert single.isin(set(DETENTION_VIOLATIONS + FINE_VIOLATIONS + WARNING_VIOLATIONS)).all()
    assert all(is_valid_id(i) for i in p["id_number"].drop_duplicates())
    assert not p.duplicated().any()
    assert p.loc[det, "executed"].mean() > 0.9 and p["revoked"].mean() < 0.05


@pytest.mark.parametrize("as_of", [AS_OF, dt.date(2024, 2, 29), dt.date(2021, 1, 1),
                                   dt.date(2025, 6, 30)])
@pytest.mark.parametrize("level", LEVELS)
def test_labels_are_the_rules_applied_to_the_facts(level, as_of):
    f = facts(11, 800, level, as_of)
    labels = scenario(11, 800, level, as_of).labels.to_pandas()
    assert label_set(labels) == label_set(C.labels_of(f))
    assert label_set(labels) == intended(f)     # the role layer built what the rules find
    iso = as_of.isoformat()
    for table, column in (("punishments", "decision_date"), ("sanctions", "action_date"),
                          ("checkins", "checkin_date"), ("subjects", "start_date")):
        assert (getattr(f, table)[column] <= iso).all(), (table, column)


@pytest.mark.parametrize("seed,size,as_of", [(9, 2500, AS_OF), (10, 700, dt.date(2024, 1, 31)),
                                             (12, 40, dt.date(2022, 8, 15))])
@pytest.mark.parametrize("level", LEVELS)
def test_noise_never_changes_a_fact(level, seed, size, as_of):
    f = facts(seed, size, level, as_of)
    generated = scenario(seed, size, level, as_of)
    tables = cleaned(generated.tables)
    assert label_set(rules_on(tables, as_of)) == label_set(generated.labels.to_pandas())
    for name in ("subjects", "punishments", "sanctions", "checkins"):
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
    pun = raw["punishments"]
    ids = pd.concat([raw["subjects"]["id_number"], pun["id_number"]])
    canonical = ids.str.fullmatch(r"\d{17}[\dX]")
    assert canonical.all() == (prof.noise_rate == 0)
    assert pun["id_number"].str.fullmatch(r"\d{15}").any() == prof.legacy_ids
    assert not raw["subjects"]["id_number"].str.fullmatch(r"\d{15}").any()
    dates = pd.concat([pun["decision_date"], raw["sanctions"]["action_date"]])
    assert dates.str.fullmatch(r"\d{4}-\d{2}-\d{2}").all() == (prof.noise_rate == 0)
    assert raw["checkins"]["checkin_date"].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    assert pun["name"].str.strip().ne(pun["name"]).any() == (prof.noise_rate > 0)
    for name in ("punishments", "sanctions", "checkins"):
        assert raw[name].duplicated().any() == (prof.duplicate_rate > 0), name
    assert not raw["subjects"].duplicated("correction_no").any()


@pytest.mark.parametrize("level", LEVELS)
def test_clue_share_and_hard_negatives(level):
    prof = profile(level)
    f = facts(3, 6000, level)
    s = f.flags
    clues = (s["role"] == C.CLUE).to_numpy()
    labels = C.labels_of(f)
    assert set(labels["record_id"]) == set(s.loc[clues, "correction_no"])
    assert abs(clues.mean() - prof.clue_share) < 0.01
    hn = (s["role"] == C.HARD_NEGATIVE) & s[list(C.HN_FLAGS)].any(axis=1)
    assert abs(hn.sum() / clues.sum() - prof.hard_negative_ratio) < 0.05
    for family in C.families(level):
        assert (s[family] & hn).sum() >= 3, family
    assert (F.HN_NAMESAKE in C.families(level)) == prof.namesakes
    assert not s.loc[~s["role"].eq(C.HARD_NEGATIVE), list(F.CORE_FAMILIES)].any().any()
    assert (labels.groupby("record_id").size() > 1).any()
    assert s.loc[clues, list(F.ADDITIVE_FAMILIES)].any(axis=1).any()   # clues carry traps too
    for flag in F.REASON_FLAGS:
        assert s.loc[clues, flag].mean() > 0.2, flag


def effective(f: C.Facts) -> pd.DataFrame:
    return C.effective_detentions(f.subjects, f.punishments)


def test_hard_negative_families_look_like_what_they_claim():
    f = facts(3, 6000, Difficulty.HARD)
    as_of = pd.Timestamp(AS_OF)
    eff = effective(f)
    acts = f.sanctions.assign(day=pd.to_datetime(f.sanctions["action_date"]))
    by_subject = eff.groupby("correction_no")

    day30 = eff[eff["correction_no"].isin(subject_rows(f, F.HN_SANCTION_DAY_30)["correction_no"])]
    joined = day30.merge(acts, on="correction_no")
    assert ((joined["day"] - joined["decision"]).dt.days == 30).groupby(
        joined["correction_no"]).any().all()

    nyd = eff[eff["correction_no"].isin(subject_rows(f, F.HN_NOT_YET_DUE)["correction_no"])]
    assert (nyd["decision"] + 30 * DAY >= as_of).all()
    assert (nyd["decision"] + 30 * DAY == as_of).any()              # the boundary itself

    guanzhi = subject_rows(f, F.HN_GUANZHI_TWO_WARNED)
    assert (guanzhi["correction_type"] == "管制").all()
    assert (by_subject.size().reindex(guanzhi["correction_no"]) == 2).all()
    huanxing = subject_rows(f, F.HN_HUANXING_ONE_WARNED)
    assert (huanxing["correction_type"] == "缓刑").all()
    assert (by_subject.size().reindex(huanxing["correction_no"]) == 1).all()
    warned = eff[eff["correction_no"].isin(pd.concat([guanzhi, huanxing])["correction_no"])]
    joined = warned.merge(acts[acts["action"] == "警告"], on="correction_no")
    joined = joined[(joined["day"] >= joined["decision"])
                    & (joined["day"] <= joined["decision"] + 30 * DAY)]
    assert len(joined.drop_duplicates("punishment_no")) == len(warned)

    chk = f.checkins.assign(day=pd.to_datetime(f.checkins["checkin_date"]))
    pairs = eff.merge(chk, on="correction_no")
    offset = (pairs["day"] - pairs["decision"]).dt.days
    during = (offset >= 0) & (offset < pairs["detention_days"])
    remote = pairs["correction_no"].isin(subject_rows(f, F.HN_REMOTE_CHECKIN)["correction_no"])
    assert set(pairs.loc[remote & during, "method"]) == {"电话", "定位"}
    near = pairs["correction_no"].isin(subject_rows(f, F.HN_ONSITE_NEXT_TO)["correction_no"])
    onsite = near & (pairs["method"] == "现场")
    assert not (onsite & during).any()
    assert (onsite & (offset == -1)).any() and (onsite & (offset == pairs["detention_days"])).any()


def test_additive_families_and_namesakes():
    f = facts(3, 6000, Difficulty.HARD)
    pun = f.punishments.assign(day=pd.to_datetime(f.punishments["decision_date"]))
    det = pun[pun["punishment_type"] == "行政拘留"]
    subj = f.subjects.assign(start=pd.to_datetime(f.subjects["start_date"]),
                             end=pd.to_datetime(f.subjects["end_date"]))
    joined = det.merge(subj, on="id_number", suffixes=("", "_s"))

    def has(flag, condition):
        rows = joined[joined["correction_no"].isin(subject_rows(f, flag)["correction_no"])]
        return rows[condition(rows)].groupby("correction_no").size().reindex(
            subject_rows(f, flag)["correction_no"]).notna().all()

    assert has(F.HN_BEFORE_START, lambda r: r["day"] < r["start"])
    assert (joined["day"] == joined["start"] - DAY).any()             # hard boundary
    assert has(F.HN_AFTER_END, lambda r: r["day"] > r["end"])
    assert has(F.HN_NOT_EXECUTED, lambda r: ~r["executed"] & (r["day"] >= r["start"]))
    assert has(F.HN_REVOKED, lambda r: r["revoked"] & (r["day"] >= r["start"]))
    fines = pun[pun["punishment_type"] != "行政拘留"].merge(subj, on="id_number")
    assert set(subject_rows(f, F.HN_FINE_WARNING)["correction_no"]) <= set(
        fines.loc[(fines["day"] >= fines["start"]) & (fines["day"] <= fines["end"]),
                  "correction_no"])
    # namesakes: the same name, another valid ID, an executed detention in the subject's term
    twins = subject_rows(f, F.HN_NAMESAKE)
    others = det[~det["id_number"].isin(f.subjects["id_number"])].merge(
        twins, on="name", suffixes=("", "_s"))
    assert set(others["correction_no"]) == set(twins["correction_no"])
    assert (others["id_number"] != others["id_number_s"]).all()
    assert all(is_valid_id(i) for i in others["id_number"])


@pytest.mark.parametrize("level", LEVELS)
def test_namesakes_only_where_the_level_plants_them(level):
    f = facts(3, 3000, level)
    ids_of_name = f.punishments.groupby("name")["id_number"].nunique()
    subjects = f.subjects.set_index("name")["id_number"]
    shared = f.punishments[f.punishments["name"].isin(subjects.index)]
    other_id = shared["id_number"] != subjects.reindex(shared["name"]).to_numpy()
    namesake_subjects = set(shared.loc[other_id.to_numpy(), "name"])
    expected = set(f.subjects.loc[f.flags[F.HN_NAMESAKE].to_numpy(), "name"])
    assert namesake_subjects == expected
    assert bool(expected) == profile(level).namesakes
    assert (ids_of_name > 1).any() == profile(level).namesakes


def test_hard_boundaries_are_present():
    f = facts(3, 6000, Difficulty.HARD)
    eff = effective(f)
    acts = f.sanctions.assign(day=pd.to_datetime(f.sanctions["action_date"]))
    offsets = eff.merge(acts, on="correction_no")
    offsets = (offsets["day"] - offsets["decision"]).dt.days
    assert (offsets == 30).any() and (offsets == 31).any()
    chk = f.checkins[f.checkins["method"] == "现场"]
    pairs = eff.merge(chk.assign(day=pd.to_datetime(chk["checkin_date"])), on="correction_no")
    offset = (pairs["day"] - pairs["decision"]).dt.days
    assert (offset == 0).any() and (offset == pairs["detention_days"] - 1).any()
    assert (offset == pairs["detention_days"]).any()


def test_identities_do_not_depend_on_the_difficulty():
    cols = ["correction_no", "name", "id_number", "start_date", "office"]
    easy, hard = facts(7, 2000, Difficulty.EASY), facts(7, 2000, Difficulty.HARD)
    key = "correction_no"
    pd.testing.assert_frame_equal(easy.subjects[cols].sort_values(key).reset_index(drop=True),
                                  hard.subjects[cols].sort_values(key).reset_index(drop=True))


def test_rows_are_grouped_by_owner_in_random_order():
    f = facts(7, 2000, Difficulty.STANDARD)
    for table, owner in ((f.sanctions, "correction_no"), (f.checkins, "correction_no"),
                         (f.punishments, "id_number")):
        runs = (table[owner] != table[owner].shift()).sum()
        assert runs == table[owner].nunique()                 # each owner's rows together
        assert not table[owner].is_monotonic_increasing
    assert not f.subjects["correction_no"].is_monotonic_increasing


@pytest.mark.parametrize("size", [1, 2, 10])
@pytest.mark.parametrize("level", LEVELS)
def test_tiny_scenarios(level, size, tmp_path):
    from synthetic.scenario import generate_scenario

    sc = generate_scenario("correction_detention", seed=4, size=size, difficulty=level,
                           out=tmp_path / "s")
    assert sc.manifest["tables"]["subjects"]["rows"] == size
    assert sc.read_labels().to_pandas()["record_id"].nunique() >= 1


_SCRIPT = """
import sys
from synthetic.scenario import generate_scenario
for level in ("easy", "hard"):
    generate_scenario("correction_detention", seed=21, size=400, difficulty=level,
                      out=sys.argv[1] + "/" + level)
"""


def _digest(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_byte_identical_across_processes(tmp_path):
    digests = []
    for hashseed in ("1", "4242"):
        out = tmp_path / f"run{hashseed}"
        env = {**os.environ, "PYTHONHASHSEED": hashseed}
        subprocess.run([sys.executable, "-c", _SCRIPT, str(out)], check=True, env=env)
        digests.append(_digest(out))
    assert digests[0] == digests[1]
    assert len(digests[0]) == 2 * (1 + 4 + 1)


def test_the_docs_name_every_reason_and_family():
    doc = (Path(__file__).parents[2] / "docs" / "points" / "correction_detention.md").read_text(
        "utf-8")
    for word in (*REASON_CODES, *C.HN_FLAGS, *F.REASON_FLAGS, "社区矫正", "Readings of the contract",
                 "as_of"):
        assert word in doc, word


# --- the rules on hand-built cases ------------------------------------------------------------

ID, OTHER = make_id("340207", dt.date(1980, 5, 17), 123), make_id("340202", dt.date(1975, 3, 2), 88)


def detention(no, day, days, person=ID, executed=True, revoked=False) -> tuple:
    return (no, "张三", person, "行政拘留", day, days, executed, revoked, "殴打他人")


def reasons(kind: str, detentions, actions=(), checkins=(), *, as_of=AS_OF,
            start="2023-01-01", end="2024-06-30") -> set[str]:
    """Reasons for one subject: ``detentions`` are arguments of :func:`detention`, ``actions``
    (action, date) and ``checkins`` (date, method)."""
    subjects = pd.DataFrame({"correction_no": ["S1"], "name": ["张三"], "id_number": [ID],
                             "correction_type": [kind], "start_date": [start],
                             "end_date": [end], "office": ["芜湖市鸠江区司法局社区矫正中心"],
                             "status": ["在矫"]})
    punishments = pd.DataFrame([detention(*d) for d in detentions],
                               columns=[c.name for c in TABLES[1].columns])
    sanctions = pd.DataFrame([("S1", a, d) for a, d in actions],
                             columns=["correction_no", "action", "action_date"])
    checks = pd.DataFrame([("S1", d, m) for d, m in checkins],
                          columns=["correction_no", "checkin_date", "method"])
    labels = C.compute_labels(subjects, punishments, sanctions, checks, as_of=as_of)
    return set(labels["reason"])


NO, PROPOSE, CHECKIN = REASON_CODES
ONE = [("P1", "2023-06-01", 10)]


@pytest.mark.parametrize("actions,expected", [
    ([], {NO}),
    ([("警告", "2023-06-01")], set()),                  # the decision day itself
    ([("警告", "2023-07-01")], set()),                  # exactly 30 days after
    ([("警告", "2023-07-02")], {NO}),                   # 31 days after
    ([("警告", "2023-05-31")], {NO}),                   # before the decision
    ([("训诫", "2023-06-05"), ("提请治安处罚", "2023-06-06")], {NO}),
])
def test_rule_sanction_window(actions, expected):
    assert reasons("管制", ONE, actions) == expected


def test_rule_deadline_is_not_yet_a_breach():
    recent = [("P1", "2023-12-01", 5)]
    assert reasons("管制", recent, as_of=dt.date(2023, 12, 31)) == set()   # 12-01 + 30 = as_of
    assert reasons("管制", recent, as_of=dt.date(2024, 1, 1)) == {NO}
    assert reasons("假释", recent, as_of=dt.date(2023, 12, 31)) == set()
    assert reasons("假释", recent, as_of=dt.date(2024, 1, 1)) == {NO, PROPOSE}


def test_rule_triggering_detention_by_type():
    two = ONE + [("P2", "2023-09-01", 5)]
    warned = [("警告", "2023-06-10"), ("警告", "2023-09-10")]
    assert reasons("管制", two, warned) == set()
    assert reasons("缓刑", ONE, warned[:1]) == set()
    assert reasons("缓刑", two, warned) == {PROPOSE}
    assert reasons("缓刑", two, warned + [("提请撤销缓刑", "2023-11-20")]) == set()
    assert reasons("缓刑", two, warned + [("提请撤销缓刑", "2023-08-01")]) == {PROPOSE}
    assert reasons("假释", ONE, warned[:1]) == {PROPOSE}
    assert reasons("假释", ONE, [("提请收监执行", "2023-06-10")]) == {PROPOSE}   # wrong kind
    assert reasons("假释", ONE, [("提请撤销假释", "2023-06-10")]) == set()
    assert reasons("暂予监外执行", ONE, [("提请收监执行", "2023-06-01")]) == set()
    assert reasons("假释", ONE, [("提请撤销假释", "2023-08-20")]) == {NO}    # late: a sanction
    assert reasons("管制", two) == {NO}                                     # never PROPOSE


def test_rule_duplicate_rows_are_one_detention_and_numbers_are_not():
    warned = [("警告", "2023-06-02")]
    assert reasons("缓刑", ONE + ONE, warned) == set()
    same_day = ONE + [("P2", "2023-06-01", 10)]
    assert reasons("缓刑", same_day, warned) == {PROPOSE}


def test_rule_what_is_not_an_effective_detention():
    assert reasons("假释", [("P1", "2022-12-31", 5)]) == set()         # before start_date
    assert reasons("假释", [("P1", "2023-01-01", 5)]) == {NO, PROPOSE}  # on start_date
    assert reasons("假释", [("P1", "2023-06-01", 5)], end="2023-05-31") == set()
    assert reasons("假释", [("P1", "2023-06-01", 5, OTHER)]) == set()   # another person
    assert reasons("假释", [("P1", "2023-06-01", 5, ID, False)]) == set()
    assert reasons("假释", [("P1", "2023-06-01", 5, ID, True, True)]) == set()


@pytest.mark.parametrize("checkins,expected", [
    ([("2023-06-01", "现场")], {CHECKIN}),
    ([("2023-06-10", "现场")], {CHECKIN}),                 # last day of ten
    ([("2023-06-11", "现场"), ("2023-05-31", "现场")], set()),
    ([("2023-06-05", "电话"), ("2023-06-06", "定位")], set()),
])
def test_rule_checkin_days(checkins, expected):
    assert reasons("管制", ONE, [("警告", "2023-06-15")], checkins) == expected


@pytest.mark.parametrize("level", LEVELS)
def test_integer_rules_agree_with_the_table_rules(level):
    """The generator labels with the rules on integer facts; the pandas rules on the clean
    tables must find exactly the same pairs."""
    for seed, size, as_of in ((11, 800, AS_OF), (13, 1500, dt.date(2022, 3, 1))):
        f = facts(seed, size, level, as_of)
        table_rules = C.compute_labels(f.subjects, f.punishments, f.sanctions, f.checkins,
                                       as_of=as_of)
        assert label_set(C.labels_of(f)) == label_set(table_rules)


def test_tables_render_lazily_and_alike():
    generated = scenario(5, 300, Difficulty.HARD)
    assert not isinstance(generated.tables, dict) and len(generated.tables) == len(TABLES)
    for name in generated.tables:
        assert generated.tables[name].equals(generated.tables[name])
    with pytest.raises(KeyError):
        generated.tables["nope"]


def test_sort_helpers_match_numpy():
    from synthetic.points.correction_detention.order import dense_codes, stable_argsort

    rng = np.random.default_rng(0)
    for keys in (rng.integers(0, 50, 1000), rng.integers(0, 1 << 40, 1000), np.zeros(0, int),
                 np.array([5]), rng.integers(0, 1 << 62, 100)):
        assert (stable_argsort(keys) == np.argsort(keys, kind="stable")).all()
    for codes in (rng.integers(340000, 349999, 500), np.array([7]), rng.integers(0, 1 << 40, 50)):
        uniq, inverse = dense_codes(codes)
        ref_uniq, ref_inverse = np.unique(codes, return_inverse=True)
        assert (uniq == ref_uniq).all() and (inverse == ref_inverse).all()
