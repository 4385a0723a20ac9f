"""The shell_company generator: schema, identities, labels = rules(facts), roles, noise,
boundaries — and the rules themselves on hand-built cases."""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from synthetic import normalize
from synthetic.creditcodes import is_valid_uscc
from synthetic.difficulty import Difficulty, profile
from synthetic.idnumbers import age_on, birth_date_of, is_valid_id, make_id
from synthetic.points import shell_company as S
from synthetic.points.shell_company import flags as F
from synthetic.points.shell_company.schema import REASON_CODES, STATUSES, TABLES
from synthetic.registry import GenerationRequest, get_point

AS_OF = dt.date(2023, 12, 31)
LEVELS = list(Difficulty)
ARROW = {"string": pa.string(), "int64": pa.int64(), "float64": pa.float64(), "bool": pa.bool_()}
REASON_OF = dict(zip(F.REASON_FLAGS, REASON_CODES))
MILL, FRAUD, FAKE, ZOMBIE = REASON_CODES


@cache
def facts(seed: int, size: int, level: Difficulty, as_of: dt.date = AS_OF) -> S.Facts:
    return S.draw_facts(seed, size, level, as_of)


@cache
def scenario(seed: int, size: int, level: Difficulty, as_of: dt.date = AS_OF):
    generated = S.generate(GenerationRequest(seed=seed, size=size, difficulty=level, as_of=as_of))
    return {name: generated.tables[name] for name in generated.tables}, generated.labels


def label_set(frame) -> set[tuple[str, str]]:
    frame = frame.to_pandas() if isinstance(frame, pa.Table) else frame
    return set(zip(frame["record_id"], frame["reason"]))


def intended(f: S.Facts) -> set[tuple[str, str]]:
    s = f.flags
    return {(r, REASON_OF[flag]) for flag in F.REASON_FLAGS for r in s.loc[s[flag], "uscc"]}


def cleaned(tables: dict[str, pa.Table]) -> dict[str, pd.DataFrame]:
    """Every noise variant normalised and exact duplicate rows dropped."""
    out = {name: table.to_pandas() for name, table in tables.items()}
    c, p = out["companies"], out["persons"]
    c["name"] = normalize.normalize_company_name_series(c["name"])
    c["legal_rep_id"] = normalize.normalize_id_series(c["legal_rep_id"])
    c["legal_rep_name"] = normalize.normalize_person_name_series(c["legal_rep_name"])
    p["id_number"] = normalize.normalize_id_series(p["id_number"])
    p["name"] = normalize.normalize_person_name_series(p["name"])
    for name, column in (("tax_monthly", "taxpayer_code"), ("social_insurance", "unit_code"),
                         ("fraud_accounts", "owner_code")):
        out[name][column] = normalize.normalize_uscc_series(out[name][column])
    fraud = out["fraud_accounts"]
    fraud["reported_date"] = normalize.normalize_date_series(fraud["reported_date"]).dt.strftime(
        "%Y-%m-%d")
    return {name: frame.drop_duplicates().reset_index(drop=True) for name, frame in out.items()}


def rules_on(tables: dict[str, pd.DataFrame], as_of: dt.date) -> pd.DataFrame:
    return S.compute_labels(tables["companies"], tables["persons"], tables["tax_monthly"],
                            tables["social_insurance"], tables["fraud_accounts"], as_of=as_of)


def test_registered_point_spec():
    spec = get_point("shell_company")
    assert spec.generator_version == "shell_company/1"
    assert spec.subject_table == "companies" and spec.record_id_column == "uscc"
    assert spec.reason_codes == ("SHELL_INVOICE_MILL", "SHELL_ACCOUNT_FRAUD",
                                 "SHELL_FAKE_REGISTRATION", "SHELL_ZOMBIE_UNREVOKED")
    assert {t.name: t.column_names for t in spec.tables} == {
        "companies": ["uscc", "name", "company_type", "established_date",
                      "registered_capital_wan", "legal_rep_id", "legal_rep_name", "address",
                      "phone", "status"],
        "persons": ["id_number", "name", "birth_date", "low_income", "student"],
        "tax_monthly": ["taxpayer_code", "year", "month", "invoiced_yuan", "input_yuan",
                        "tax_paid_yuan", "filing_status"],
        "social_insurance": ["unit_code", "year", "month", "insured_count"],
        "fraud_accounts": ["account_no", "owner_code", "case_no", "reported_date"]}
    messy = [(t.name, c.name) for t in spec.tables for c in t.columns if c.messy]
    assert messy == [("fraud_accounts", "reported_date")]


@pytest.mark.parametrize("level", LEVELS)
def test_tables_follow_the_schema(level):
    tables, labels = scenario(5, 600, level)
    assert list(tables) == [t.name for t in TABLES]
    for schema in TABLES:
        table = tables[schema.name]
        assert [f.type for f in table.schema] == [ARROW[c.type] for c in schema.columns]
        assert table.num_rows > 0, schema.name
    assert tables["companies"].num_rows == 600
    frame = labels.to_pandas()
    assert frame.equals(frame.sort_values(["record_id", "reason"]).reset_index(drop=True))
    assert set(frame["reason"]) == set(REASON_CODES)


def test_companies_and_people_are_realistic():
    f = facts(7, 4000, Difficulty.HARD)
    c, p = f.companies.to_pandas(), f.persons.to_pandas()
    assert c["uscc"].is_unique and all(is_valid_uscc(u) for u in c["uscc"])
    assert c["uscc"].str[2:6].eq("3402").mean() > 0.5                  # mostly Wuhu
    assert c["name"].str.contains("公司").all() and c["name"].is_unique
    joint = c["name"].str.contains("股份有限公司")
    assert c.loc[joint, "company_type"].str.startswith("股份有限公司").all()
    assert c.loc[~joint, "company_type"].str.startswith("有限责任公司（").all()
    assert set(c["status"]) == set(STATUSES)
    assert c["phone"].str.fullmatch(r"1\d{10}|0553-\d{7}").all()
    assert c["address"].str.contains(r"创业孵化中心\d楼\d{3}-\d+室").mean() > 0.05
    assert set(c["registered_capital_wan"]) <= {3, 10, 30, 50, 100, 200, 300, 500, 1000, 2000,
                                                5000}
    assert p["id_number"].is_unique and all(is_valid_id(i) for i in p["id_number"])
    births = pd.to_datetime(p["birth_date"]).dt.date
    assert (births.to_numpy() == np.array([birth_date_of(i) for i in p["id_number"]])).all()
    assert set(c["legal_rep_id"]) == set(p["id_number"])
    by_id = p.set_index("id_number")["name"]
    assert (by_id.reindex(c["legal_rep_id"]).to_numpy() == c["legal_rep_name"].to_numpy()).all()
    assert (c["established_date"] <= AS_OF.isoformat()).all()
    f_table = f.fraud_accounts.to_pandas()
    assert f_table["account_no"].is_unique
    assert f_table["case_no"].str.fullmatch(r".公\(..\)刑立字〔20\d\d〕\d{5}号").all()
    assert (~f_table["owner_code"].isin(c["uscc"])).any()              # owners elsewhere too


def test_monthly_rows_stay_in_the_window_or_just_before_it():
    tables, _ = scenario(9, 3000, Difficulty.EASY)
    first, last, _ = S.window(AS_OF)
    for name, code in (("tax_monthly", "taxpayer_code"), ("social_insurance", "unit_code")):
        t = tables[name].to_pandas()
        m = t["year"] * 12 + t["month"] - 1
        assert m.between(first - 2, last).all() and (m < first).any() and (m == last).any()
        assert not t.duplicated([code, "year", "month"]).any()        # one row per month
        runs = (t[code] != t[code].shift()).sum()
        assert runs == t[code].nunique()                               # grouped by company
    tax = tables["tax_monthly"].to_pandas()
    assert set(tax["filing_status"]) == {"正常", "非正常户"}
    assert (tax.loc[tax["filing_status"] == "非正常户", "invoiced_yuan"] == 0).all()


@pytest.mark.parametrize("as_of", [AS_OF, dt.date(2024, 2, 29), dt.date(2022, 8, 15),
                                   dt.date(2025, 6, 30)])
@pytest.mark.parametrize("level", LEVELS)
def test_labels_are_the_rules_applied_to_the_facts(level, as_of):
    f = facts(11, 1500, level, as_of)
    _, labels = scenario(11, 1500, level, as_of)
    assert label_set(labels) == intended(f)     # the role layer built what the rules find
    assert label_set(S.labels_of(f)) == label_set(labels)


@pytest.mark.parametrize("seed,size,as_of", [(9, 2500, AS_OF), (10, 700, dt.date(2024, 1, 15)),
                                             (12, 40, dt.date(2022, 8, 31))])
@pytest.mark.parametrize("level", LEVELS)
def test_noise_never_changes_a_fact(level, seed, size, as_of):
    tables, labels = scenario(seed, size, level, as_of)
    clean = cleaned(tables)
    assert label_set(rules_on(clean, as_of)) == label_set(labels)
    f = facts(seed, size, level, as_of)
    for name in ("companies", "persons", "fraud_accounts"):
        expected = getattr(f, name).to_pandas()
        key = list(expected.columns)
        pd.testing.assert_frame_equal(
            clean[name][key].sort_values(key).reset_index(drop=True).astype(str),
            expected.sort_values(key).reset_index(drop=True).astype(str), obj=name)


@pytest.mark.parametrize("level", LEVELS)
def test_noise_shows_only_where_the_level_allows_it(level):
    prof = profile(level)
    tables, _ = scenario(9, 2500, level)
    raw = {name: t.to_pandas() for name, t in tables.items()}
    c = raw["companies"]
    assert c["uscc"].str.fullmatch(r"[0-9A-Z]{18}").all()             # the key: never noised
    ids = pd.concat([c["legal_rep_id"], raw["persons"]["id_number"]])
    assert ids.str.fullmatch(r"\d{17}[\dX]").all() == (prof.noise_rate == 0)
    assert ids.str.fullmatch(r"\d{15}").any() == prof.legacy_ids
    codes = pd.concat([raw["tax_monthly"]["taxpayer_code"], raw["social_insurance"]["unit_code"],
                       raw["fraud_accounts"]["owner_code"]])
    assert codes.str.fullmatch(r"[0-9A-Z]{18}").all() == (prof.noise_rate == 0)
    assert (codes.str.strip() != "").all()                             # never blank here
    dates = raw["fraud_accounts"]["reported_date"]
    assert dates.str.fullmatch(r"\d{4}-\d{2}-\d{2}").all() == (prof.noise_rate == 0)
    assert c["name"].str.contains(r"[()]").any() == (prof.noise_rate > 0)
    for name in ("persons", "tax_monthly", "social_insurance"):
        assert raw[name].duplicated().any() == (prof.duplicate_rate > 0), name


@pytest.mark.parametrize("level", LEVELS)
def test_clue_share_and_hard_negatives(level):
    prof = profile(level)
    f = facts(3, 8000, level)
    s = f.flags
    clues = (s["role"] == S.CLUE).to_numpy()
    assert set(S.labels_of(f).column("record_id").to_pylist()) == set(s.loc[clues, "uscc"])
    assert abs(clues.mean() - prof.clue_share) < 0.01
    hn = (s["role"] == S.HARD_NEGATIVE) & s[list(S.HN_FLAGS)].any(axis=1)
    assert abs(hn.sum() / clues.sum() - prof.hard_negative_ratio) < 0.05
    for family in S.families(level):
        assert (s[family] & hn).sum() >= 3, family
    assert (F.HN_NAMESAKE in S.families(level)) == prof.namesakes
    for flag in F.REASON_FLAGS:
        assert s.loc[clues, flag].mean() > 0.1, flag
    assert (s.loc[clues, list(F.REASON_FLAGS)].sum(axis=1) > 1).any()   # several reasons
    assert s.loc[clues, F.STAFF_BEFORE_WINDOW].any()                   # clues carry traps


def _companies_with(f: S.Facts, flag: str) -> pd.DataFrame:
    c = f.companies.to_pandas()
    return c.loc[(f.flags[flag] & (f.flags["role"] == S.HARD_NEGATIVE)).to_numpy()]


def _by_rep(f: S.Facts) -> pd.DataFrame:
    c = f.companies.to_pandas().merge(f.persons.to_pandas(), left_on="legal_rep_id",
                                      right_on="id_number")
    c["age"] = [age_on(dt.date.fromisoformat(b), f.as_of) for b in c["birth_date"]]
    c["day"] = pd.to_datetime(c["established_date"])
    return c


def test_ring_families_look_like_what_they_claim():
    f = facts(3, 8000, Difficulty.HARD)
    c = _by_rep(f)
    groups = c.groupby("legal_rep_id")
    span = (groups["day"].max() - groups["day"].min()).dt.days
    count = groups.size()

    def reps(flag):
        return _companies_with(f, flag)["legal_rep_id"].unique()

    fake = f.flags.loc[f.flags[F.R_FAKE], "uscc"]
    ring_reps = c.loc[c["uscc"].isin(fake), "legal_rep_id"].unique()
    assert (count[ring_reps] >= 3).all() and (span[ring_reps] <= 180).all()
    assert (span[ring_reps] == 180).any()                              # hard boundary
    assert (span[reps(F.HN_RING_SPREAD)] > 180).all()
    assert (span[reps(F.HN_RING_SPREAD)] == 181).any()
    assert (count[reps(F.HN_STRAW_PAIR)] <= 2).all()
    elderly = c[c["legal_rep_id"].isin(reps(F.HN_ELDERLY_FAMILY))]
    assert (elderly["age"] >= 70).all() and (count[reps(F.HN_ELDERLY_FAMILY)] == 3).any()
    almost = c[c["legal_rep_id"].isin(reps(F.HN_ALMOST_70))]
    assert (almost["age"] == 69).all() and not (almost["low_income"] | almost["student"]).any()
    seventy = pd.to_datetime(almost["birth_date"]) + pd.DateOffset(years=70)
    assert (seventy == pd.Timestamp(AS_OF)).any()                      # birthday on as_of
    straw = c[c["uscc"].isin(fake)]
    assert ((straw["age"] == 70) & ~straw["low_income"] & ~straw["student"]).any()
    twins = _companies_with(f, F.HN_NAMESAKE)
    assert set(twins["legal_rep_name"]) <= set(straw["legal_rep_name"])
    assert not set(twins["legal_rep_id"]) & set(straw["legal_rep_id"])


def _totals(f: S.Facts, tables) -> pd.DataFrame:
    first, last, _ = S.window(f.as_of)
    tax = tables["tax_monthly"].to_pandas()
    m = tax["year"] * 12 + tax["month"] - 1
    inside = tax[(m >= first) & (m <= last)]
    cents = inside.assign(inv=(inside["invoiced_yuan"] * 100).round().astype(np.int64),
                          paid=(inside["tax_paid_yuan"] * 100).round().astype(np.int64))
    return cents.groupby("taxpayer_code")[["inv", "paid"]].sum()


def test_invoice_and_staff_families_and_boundaries():
    f = facts(3, 8000, Difficulty.HARD)
    tables, _ = scenario(3, 8000, Difficulty.HARD)
    totals = _totals(f, {"tax_monthly": S.render_table(f, "tax_monthly", 3, "easy")})
    mills = f.flags.loc[f.flags[F.R_MILL], "uscc"]
    assert (totals.loc[mills, "inv"] == 50_000_000).any()                # exactly 500,000
    assert ((totals.loc[mills, "paid"] + 1) * 100 >= totals.loc[mills, "inv"]).any()
    edge = totals.reindex(_companies_with(f, F.HN_MILL_BOUNDARY)["uscc"]).dropna()
    assert (edge["paid"] * 100 == edge["inv"]).any() and (edge["inv"] == 49_999_999).any()
    high = totals.reindex(_companies_with(f, F.HN_HIGH_INVOICE_STAFF)["uscc"])
    assert ((high["inv"] >= 50_000_000) & (high["paid"] * 100 < high["inv"])).all()
    si = S.render_table(f, "social_insurance", 3, "easy").to_pandas()
    first, _, _ = S.window(AS_OF)
    si = si.assign(m=si["year"] * 12 + si["month"] - 1)
    staffed = set(si.loc[(si["insured_count"] > 0) & (si["m"] >= first), "unit_code"])
    for flag in (F.HN_HIGH_INVOICE_STAFF, F.HN_FRAUD_STAFF, F.HN_INCUBATOR, F.HN_RING_STAFF):
        assert set(_companies_with(f, flag)["uscc"]) <= staffed, flag
    one = si[si["unit_code"].isin(_companies_with(f, F.HN_STAFF_ONE_MONTH)["uscc"])]
    positive = one[(one["insured_count"] > 0) & (one["m"] >= first)]
    assert (positive.groupby("unit_code").size() == 1).all() and (positive["m"] == first).any()
    before = si[si["unit_code"].isin(f.flags.loc[f.flags[F.STAFF_BEFORE_WINDOW], "uscc"])]
    assert (before.loc[before["insured_count"] > 0, "m"] < first).all()


def test_zombie_families_and_boundaries():
    f = facts(3, 8000, Difficulty.HARD)
    _, _, block_start = S.window(AS_OF)
    c = f.companies.to_pandas().set_index("uscc")
    day = pd.to_datetime(c["established_date"])
    zombies = f.flags.loc[f.flags[F.R_ZOMBIE], "uscc"]
    assert (day[zombies] == block_start - pd.Timedelta(days=1)).any()
    new = _companies_with(f, F.HN_NEW_COMPANY)["uscc"]
    assert (day[new] >= block_start).all() and (day[new] == block_start).any()
    assert (c.loc[_companies_with(f, F.HN_DORMANT)["uscc"], "status"] == "歇业").all()
    tax = S.render_table(f, "tax_monthly", 3, "easy").to_pandas()
    block = tax[(tax["year"] * 12 + tax["month"] - 1) >= S.window(AS_OF)[1] - 5]
    normal = block[block["filing_status"] == "正常"].groupby("taxpayer_code").size()
    assert (normal.reindex(_companies_with(f, F.HN_ONE_FILING)["uscc"]) == 1).all()


def test_identities_do_not_depend_on_the_difficulty():
    cols = ["uscc", "name", "company_type", "registered_capital_wan", "phone"]
    easy, hard = facts(7, 2000, Difficulty.EASY), facts(7, 2000, Difficulty.HARD)
    pd.testing.assert_frame_equal(
        easy.companies.to_pandas()[cols].sort_values("uscc").reset_index(drop=True),
        hard.companies.to_pandas()[cols].sort_values("uscc").reset_index(drop=True))


def test_the_docs_name_every_reason_and_family():
    doc = (Path(__file__).parents[2] / "docs" / "points" / "shell_company.md").read_text("utf-8")
    for word in (*REASON_CODES, *S.HN_FLAGS, *F.REASON_FLAGS, F.STAFF_BEFORE_WINDOW, "空壳公司",
                 "Readings of the contract", "as_of"):
        assert word in doc, word


# --- the rules on hand-built cases ------------------------------------------------------------

ID = make_id("340207", dt.date(1980, 5, 17), 123)
CODES = ["91340207MA2N0000A1", "91340207MA2N0000B2", "91340207MA2N0000C3", "91340207MA2N0000D4"]


def reasons(*, rep_birth="1990-01-01", low_income=False, student=False,
            established=("2019-01-01", "2019-03-01", "2019-06-30"), status="存续",
            tax=(), insured=(), fraud=False, as_of=AS_OF) -> set[str]:
    """Reasons of the first company; one rep holds every company, tax rows are (year, month,
    invoiced, paid, filing_status) and insured rows (year, month, count) of that company."""
    n = len(established)
    companies = pd.DataFrame({"uscc": CODES[:n], "established_date": list(established),
                              "legal_rep_id": [ID] * n, "status": [status] * n})
    persons = pd.DataFrame({"id_number": [ID], "birth_date": [rep_birth],
                            "low_income": [low_income], "student": [student]})
    rows = list(tax) or [(as_of.year, as_of.month, 0.0, 0.0, "正常")]   # files: no zombie
    tax_frame = pd.DataFrame([(CODES[0], *r) for r in rows],
                             columns=["taxpayer_code", "year", "month", "invoiced_yuan",
                                      "tax_paid_yuan", "filing_status"])
    si = pd.DataFrame([(CODES[0], *r) for r in insured],
                      columns=["unit_code", "year", "month", "insured_count"])
    fraud_frame = pd.DataFrame({"owner_code": [CODES[0]] if fraud else []})
    labels = S.compute_labels(companies, persons, tax_frame, si, fraud_frame, as_of=as_of)
    return set(labels.loc[labels["record_id"] == CODES[0], "reason"])


def active(*amounts, status="正常", year=2023) -> list[tuple]:
    """Tax rows of 2023's last months (the block) with (invoiced, paid) amounts."""
    return [(year, 12 - i, inv, paid, status) for i, (inv, paid) in enumerate(amounts)]


@pytest.mark.parametrize("amounts,expected", [
    ([(250_000.0, 2_000.0), (250_000.0, 2_999.99)], {MILL}),        # 500,000 and 4,999.99
    ([(250_000.0, 2_000.0), (250_000.0, 3_000.0)], set()),          # exactly 1%
    ([(250_000.0, 0.0), (249_999.99, 0.0)], set()),                 # 499,999.99
    ([(300_000.0, 0.0), (300_000.0, 0.0)], {MILL}),
])
def test_rule_invoice_mill_boundaries(amounts, expected):
    assert reasons(tax=active(*amounts), established=("2019-01-01",)) == expected


def test_rule_invoice_counts_only_the_window_and_once_per_month():
    outside = [(2021, 12, 600_000.0, 0.0, "正常")] + active((1_000.0, 50.0))
    assert reasons(tax=outside, established=("2019-01-01",)) == set()      # month 25 back
    inside = [(2022, 1, 600_000.0, 0.0, "正常")] + active((1_000.0, 50.0))
    assert reasons(tax=inside, established=("2019-01-01",)) == {MILL}      # month 24 back
    twice = active((300_000.0, 0.0)) * 2
    assert reasons(tax=twice, established=("2019-01-01",)) == set()        # one filing


@pytest.mark.parametrize("insured,expected", [
    ([], {MILL, FRAUD}), ([(2023, 5, 0)], {MILL, FRAUD}), ([(2022, 1, 3)], set()),
    ([(2021, 12, 3)], {MILL, FRAUD}),                                 # before the window
])
def test_rule_no_staff(insured, expected):
    got = reasons(tax=active((600_000.0, 0.0)), insured=insured, fraud=True,
                  established=("2019-01-01",))
    assert got == expected


@pytest.mark.parametrize("established,expected", [
    (("2019-01-01", "2019-03-01", "2019-06-30"), {FAKE}),           # 180 days
    (("2019-01-01", "2019-03-01", "2019-07-01"), set()),            # 181 days
    (("2019-01-01", "2019-06-30"), set()),                          # two companies
    (("2019-01-01", "2021-01-01", "2021-02-01", "2021-03-01"), set()),   # the others' set
    (("2021-01-01", "2019-01-01", "2021-02-01", "2021-03-01"), {FAKE}),
])
def test_rule_ring_of_three_within_180_days(established, expected):
    assert reasons(student=True, established=established) == expected


@pytest.mark.parametrize("birth,as_of,expected", [
    ("1953-12-30", dt.date(2023, 12, 31), {FAKE}),       # 70 the day after the birthday
    ("1953-12-31", dt.date(2023, 12, 31), set()),        # on the 70th birthday: still 69
    ("1952-02-29", dt.date(2022, 2, 28), set()),         # 28 February is the birthday
    ("1952-02-29", dt.date(2022, 3, 1), {FAKE}),
    ("1954-02-28", dt.date(2024, 2, 29), {FAKE}),
])
def test_rule_straw_man_age(birth, as_of, expected):
    got = reasons(rep_birth=birth, as_of=as_of)
    assert got == expected
    assert (age_on(dt.date.fromisoformat(birth), as_of) >= 70) == bool(expected)


def test_rule_low_income_and_staff():
    assert reasons(low_income=True) == {FAKE}
    assert reasons(low_income=True, insured=[(2023, 3, 2)]) == set()
    assert reasons() == set()


@pytest.mark.parametrize("kwargs,expected", [
    (dict(tax=active((0, 0), status="非正常户")), {ZOMBIE}),
    (dict(tax=[(2023, 6, 10.0, 1.0, "正常")]), {ZOMBIE}),          # last normal before block
    (dict(tax=[(2023, 7, 10.0, 1.0, "正常")]), set()),             # the block's first month
    (dict(tax=[(2023, 6, 10.0, 1.0, "正常")], status="歇业"), set()),
    (dict(tax=[(2023, 6, 10.0, 1.0, "正常")], established=("2023-06-30",)), {ZOMBIE}),
    (dict(tax=[(2023, 6, 10.0, 1.0, "正常")], established=("2023-07-01",)), set()),
])
def test_rule_zombie_block(kwargs, expected):
    kwargs.setdefault("established", ("2019-01-01",))
    assert reasons(**kwargs) == expected
