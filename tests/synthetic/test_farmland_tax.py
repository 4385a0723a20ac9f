"""The farmland_tax generator: schema, identities, labels = rules(facts), noise, determinism."""

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

from synthetic import normalize, regions
from synthetic.creditcodes import is_valid_uscc
from synthetic.difficulty import Difficulty, profile
from synthetic.idnumbers import is_valid_id
from synthetic.points import farmland_tax
from synthetic.points.farmland_tax import facts as F
from synthetic.points.farmland_tax.schema import (
    EXEMPT_USES, LAND_USES, REASON_CODES, RELIEF_CODES, TABLES, relief_code)
from synthetic.registry import GenerationRequest, get_point

AS_OF = dt.date(2023, 12, 31)
LEVELS = list(Difficulty)
ARROW = {"string": pa.string(), "int64": pa.int64(), "float64": pa.float64(), "bool": pa.bool_()}
REASON_OF = dict(zip(F.REASON_FLAGS, ("FOT_UNDECLARED", "FOT_UNDERPAID", "FOT_IMPROPER_RELIEF",
                                      "FOT_ILLEGAL_UNTAXED")))


@cache
def facts(seed: int, size: int, level: Difficulty, as_of: dt.date = AS_OF) -> F.Facts:
    return F.draw_facts(seed, size, level, as_of)


@cache
def scenario(seed: int, size: int, level: Difficulty, as_of: dt.date = AS_OF):
    return farmland_tax.generate(GenerationRequest(seed=seed, size=size, difficulty=level,
                                                   as_of=as_of))


def label_set(frame: pd.DataFrame) -> set[tuple[str, str]]:
    return set(zip(frame["record_id"], frame["reason"]))


def intended(f: F.Facts) -> set[tuple[str, str]]:
    s = f.subjects
    return {(r, REASON_OF[flag]) for flag in F.REASON_FLAGS for r in s.loc[s[flag], "record_id"]}


def normalised(tables: dict[str, pa.Table]) -> tuple[pd.DataFrame, ...]:
    """What a correct model sees after normalising every variant (names only trimmed)."""
    def iso(s):
        return normalize.normalize_date_series(s).dt.strftime("%Y-%m-%d")

    a, p = tables["approvals"].to_pandas(), tables["patches"].to_pandas()
    r = tables["tax_records"].to_pandas().drop_duplicates()
    a = a.assign(user_code=normalize.normalize_id_series(a["user_code"]),
                 user_name=a["user_name"].str.strip(), notice_date=iso(a["notice_date"]))
    p = p.assign(occupier_code=normalize.normalize_id_series(p["occupier_code"]),
                 occupier_name=p["occupier_name"].str.strip(),
                 determined_date=iso(p["determined_date"]))
    r = r.assign(taxpayer_code=normalize.normalize_id_series(r["taxpayer_code"]),
                 taxpayer_name=r["taxpayer_name"].str.strip(),
                 declared_date=iso(r["declared_date"]))
    return tables["county_rates"].to_pandas(), a, p, r


def test_registered_point_spec():
    spec = get_point("farmland_tax")
    assert spec.generator_version == "farmland_tax/2"
    assert spec.subject_table == "approvals" and spec.record_id_column == "approval_no"
    assert farmland_tax.SUBJECT_TABLES == (("approvals", "approval_no"), ("patches", "patch_no"))
    assert spec.reason_codes == ("FOT_UNDECLARED", "FOT_UNDERPAID", "FOT_IMPROPER_RELIEF",
                                 "FOT_ILLEGAL_UNTAXED")
    assert [t.name for t in spec.tables] == ["county_rates", "approvals", "patches",
                                             "tax_records"]
    messy = [(t.name, c.name) for t in spec.tables for c in t.columns if c.messy]
    assert messy == [("approvals", "notice_date"), ("patches", "determined_date"),
                     ("tax_records", "declared_date")]


def test_relief_codes_follow_the_land_use():
    assert relief_code("highway") == "REDUCED_TRANSPORT"
    assert relief_code("water_conservancy") == "REDUCED_TRANSPORT"
    assert relief_code("rural_housing") == "HALF_RURAL_HOUSING"
    assert relief_code("social_welfare") == "EXEMPT_SOCIAL_WELFARE"
    assert relief_code("commercial") == relief_code("tourism") == "NONE"
    assert len(RELIEF_CODES) == 3 + len(EXEMPT_USES)


@pytest.mark.parametrize("level", LEVELS)
def test_tables_follow_the_schema(level):
    generated = scenario(5, 600, level)
    assert list(generated.tables) == [t.name for t in TABLES]
    for schema in TABLES:
        table = generated.tables[schema.name]
        assert table.schema.names == schema.column_names
        assert [f.type for f in table.schema] == [ARROW[c.type] for c in schema.columns]
        assert table.num_rows > 0
    a = generated.tables["approvals"].to_pandas()
    p = generated.tables["patches"].to_pandas()
    r = generated.tables["tax_records"].to_pandas()
    assert len(a) + len(p) == 600 and len(p) == 180
    for values, places in ((a["farmland_ha"], 4), (a["basic_farmland_ha"], 4),
                           (p["illegal_farmland_m2"], 2), (r["taxed_area_m2"], 2),
                           (r["unit_tax_yuan"], 2), (r["tax_payable_yuan"], 2)):
        assert np.array_equal(values.to_numpy(), np.round(values.to_numpy(), places))
    assert (a["basic_farmland_ha"] <= a["farmland_ha"]).all() and (a["farmland_ha"] > 0).all()
    assert set(a["user_type"]) == {"enterprise", "government", "individual"}
    assert set(a["land_use"]) | set(p["land_use"]) <= set(LAND_USES)
    assert set(r["relief_code"]) <= set(RELIEF_CODES)
    assert ((r["source_ref"] != "") | (r["taxpayer_code"] != "")).all()
    labels = generated.labels.to_pandas()
    assert labels.equals(labels.sort_values(["record_id", "reason"]).reset_index(drop=True))
    assert set(labels["reason"]) == set(REASON_CODES)


def test_county_rates_are_the_anhui_setting():
    rates = scenario(5, 600, Difficulty.EASY).tables["county_rates"].to_pandas()
    assert list(rates["county_code"]) == [r.code for r in regions.counties()]
    assert dict(zip(rates["rate_class"], rates["rate_yuan_m2"])) == {
        "一类": 37.5, "二类": 26.25, "三类": 18.75}
    by_code = rates.set_index("county_code")
    assert by_code.loc["340207", "rate_yuan_m2"] == 37.5     # 鸠江区
    assert by_code.loc["340281", "rate_yuan_m2"] == 26.25    # 无为市
    assert by_code.loc["340223", "rate_yuan_m2"] == 18.75    # 南陵县
    assert by_code.loc["340223", "county_name"] == "南陵县"


@pytest.mark.parametrize("level", LEVELS)
def test_identities_and_keys(level):
    f = facts(7, 3000, level)
    a, p = f.approvals, f.patches
    keys = pd.concat([a["approval_no"], p["patch_no"]])
    assert keys.is_unique and keys.str.fullmatch(r"\d{14}").all()
    assert (a["approval_no"].str[:6] == a["county_code"]).all()
    assert (p["patch_no"].str[:6] == p["county_code"]).all()
    assert a["county_code"].str.startswith("3402").mean() > 0.5
    users = pd.concat([a[["user_code", "user_type", "county_code"]].set_axis(
        ["code", "type", "county"], axis=1),
        p.assign(type=np.where(p["occupier_code"].str.startswith("34"), "individual", "org"))[
            ["occupier_code", "type", "county_code"]]
        .set_axis(["code", "type", "county"], axis=1)])
    person = users["type"] == "individual"
    assert all(is_valid_id(c) for c in users.loc[person, "code"])
    assert all(is_valid_uscc(c) for c in users.loc[~person, "code"])
    orgs = users[~person]
    assert (orgs["code"].str[2:8] == orgs["county"]).all()
    gov = a[a["user_type"] == "government"]
    assert gov["user_code"].str.startswith("11").all()
    assert gov["user_name"].str.endswith(("人民政府", "局", "委员会", "人民武装部")).all()
    assert a.loc[a["user_type"] == "enterprise", "user_code"].str.startswith("91").all()
    # an ID's division is the person's county or a county it replaced
    ids = users[person]
    legacy = ids["code"].str[:6] != ids["county"]
    successor = ids.loc[legacy, "code"].str[:6].map(lambda c: regions.region(c).successor)
    assert (successor == ids.loc[legacy, "county"]).all() and legacy.any()
    rural = a["land_use"] == "rural_housing"
    assert (a.loc[rural, "user_type"] == "individual").all()
    assert a["project_name"].str.startswith(tuple(
        regions.city_of(c).name for c in a["county_code"].unique())).all()
    assert a["project_name"].str.endswith(("项目", "工程", "住宅建设")).all()


def test_identities_do_not_depend_on_the_difficulty():
    easy, hard = facts(7, 3000, Difficulty.EASY), facts(7, 3000, Difficulty.HARD)
    for table, cols in (("approvals", ["approval_no", "county_code", "user_type"]),
                        ("patches", ["patch_no", "county_code"])):
        pd.testing.assert_frame_equal(
            getattr(easy, table)[cols].sort_values(cols[0]).reset_index(drop=True),
            getattr(hard, table)[cols].sort_values(cols[0]).reset_index(drop=True))
    private = easy.approvals["user_type"] != "government"
    key = ["approval_no", "user_code", "user_name"]
    pd.testing.assert_frame_equal(
        easy.approvals.loc[private, key].sort_values(key).reset_index(drop=True),
        hard.approvals.loc[hard.approvals["user_type"] != "government", key]
        .sort_values(key).reset_index(drop=True))


@pytest.mark.parametrize("as_of", [AS_OF, dt.date(2024, 2, 29), dt.date(2023, 7, 1)])
@pytest.mark.parametrize("level", LEVELS)
def test_labels_are_the_rules_applied_to_the_facts(level, as_of):
    f = facts(11, 1500, level, as_of)
    labels = scenario(11, 1500, level, as_of).labels.to_pandas()
    assert label_set(labels) == label_set(farmland_tax.labels_of(f).to_pandas())
    assert label_set(labels) == label_set(farmland_tax.compute_labels(
        f.county_rates, f.approvals, f.patches, f.tax_records, as_of=as_of))
    assert label_set(labels) == intended(f)
    iso = as_of.isoformat()
    assert (f.approvals["notice_date"] <= iso).all() and (f.patches["determined_date"] <= iso).all()
    assert (f.tax_records["declared_date"] <= iso).all()
    assert not f.tax_records.duplicated().any()


@pytest.mark.parametrize("seed,size,as_of", [(1, 10, AS_OF), (2, 800, AS_OF),
                                             (3, 3000, dt.date(2024, 1, 31)),
                                             (4, 2000, dt.date(2022, 3, 1))])
@pytest.mark.parametrize("level", LEVELS)
def test_noise_never_changes_a_label(level, seed, size, as_of):
    """The same rules on the noised tables, after normalisation, give exactly the labels."""
    generated = scenario(seed, size, level, as_of)
    again = farmland_tax.compute_labels(*normalised(generated.tables), as_of=as_of)
    assert label_set(again) == label_set(generated.labels.to_pandas())


@pytest.mark.parametrize("level", LEVELS)
def test_noise_never_changes_a_fact(level):
    f = facts(9, 3000, level)
    prof = profile(level)
    _, a, p, r = normalised(scenario(9, 3000, level).tables)
    raw = scenario(9, 3000, level).tables["tax_records"].to_pandas()
    assert (len(raw) > len(r)) == (prof.duplicate_rate > 0) and len(r) == len(f.tax_records)
    cols = ["approval_no", "user_code", "user_type", "county_code", "land_use", "farmland_ha",
            "basic_farmland_ha", "notice_date"]
    pd.testing.assert_frame_equal(a[cols], f.approvals[cols], check_dtype=False)
    clean = f.tax_records.set_index("tax_record_id")
    r = r.set_index("tax_record_id").loc[clean.index]
    blank_ref, blank_code = r["source_ref"] == "", r["taxpayer_code"].isna()
    assert blank_ref.any() == blank_code.any() == prof.empty_codes
    assert not (blank_ref & blank_code).any()
    same = ["taxed_area_m2", "unit_tax_yuan", "relief_code", "tax_payable_yuan", "declared_date"]
    pd.testing.assert_frame_equal(r[same], clean[same], check_dtype=False)
    assert (r.loc[~blank_ref, "source_ref"] == clean.loc[~blank_ref, "source_ref"]).all()
    assert (r.loc[~blank_code, "taxpayer_code"] == clean.loc[~blank_code, "taxpayer_code"]).all()
    # a blank code sits next to the exact registered name
    assert (raw.loc[raw["taxpayer_code"] == "", "taxpayer_name"].isin(
        set(clean["taxpayer_name"]))).all()
    # an empty source_ref names a taxpayer with exactly one approval or patch, the right one
    codes = pd.concat([f.approvals["user_code"], f.patches["occupier_code"]]).value_counts()
    assert (r.loc[blank_ref, "taxpayer_code"].map(codes) == 1).all()


def test_hard_shows_every_variant():
    raw = scenario(9, 3000, Difficulty.HARD).tables
    r, a = raw["tax_records"].to_pandas(), raw["approvals"].to_pandas()
    codes = pd.concat([r["taxpayer_code"], a["user_code"]])
    assert codes.str.fullmatch(r"\d{15}").any()                   # legacy IDs
    born = "19" + codes[codes.str.fullmatch(r"\d{15}")].str[6:8]
    assert born.astype(int).between(1900, 1999).all()
    assert codes.str.contains(r"\s").any() and codes.str.contains("x").any()
    assert codes.str.contains("[０-９]").any()
    assert r["declared_date"].str.contains("年").any() and a["notice_date"].str.contains("/").any()
    easy = scenario(9, 3000, Difficulty.EASY).tables["tax_records"].to_pandas()
    assert easy["declared_date"].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    assert not easy["taxpayer_code"].str.fullmatch(r"\d{15}").any()


def test_hard_builds_namesakes():
    f = facts(9, 3000, Difficulty.HARD)
    _, a, p, r = normalised(scenario(9, 3000, Difficulty.HARD).tables)
    people = pd.concat([
        a.loc[a["user_type"] == "individual", ["user_code", "user_name"]].set_axis(
            ["code", "name"], axis=1),
        r.loc[r["taxpayer_code"].str.fullmatch(r"\d{17}[\dX]").fillna(False),
              ["taxpayer_code", "taxpayer_name"]].set_axis(["code", "name"], axis=1)])
    per_name = people.drop_duplicates().groupby("name")["code"].nunique()
    easy_people = facts(9, 3000, Difficulty.EASY).approvals
    easy_names = easy_people.loc[easy_people["user_type"] == "individual"]
    assert (per_name > 1).sum() > (easy_names.groupby("user_name")["user_code"].nunique()
                                   > 1).sum()
    assert f.subjects[F.HN_CODE_ONLY].any()


@pytest.mark.parametrize("level", LEVELS)
def test_clue_share_and_hard_negatives(level):
    prof = profile(level)
    f = facts(3, 20000, level)
    s = f.subjects
    clues = s["role"] == F.CLUE
    labels = farmland_tax.labels_of(f).to_pandas()
    assert set(labels["record_id"]) == set(s.loc[clues, "record_id"])
    assert abs(clues.mean() - prof.clue_share) < 0.005
    hn = (s["role"] == F.HARD_NEGATIVE) & s[list(F.HN_FLAGS)].any(axis=1)
    assert abs(hn.sum() / clues.sum() - prof.hard_negative_ratio) < 0.05
    for family in F.families(level):
        assert (s[family] & hn).sum() >= 10, family
    assert not (s[[f for f in F.HN_FLAGS if f not in F.families(level)]].any(axis=None))
    assert (labels.groupby("record_id").size() > 1).any()
    # approvals and patches are clues equally often (no leak by table)
    share = clues.groupby(s["kind"]).mean()
    assert abs(share["approval"] - share["patch"]) < 0.02


def test_hard_negative_families_look_like_what_they_claim():
    f = facts(3, 20000, Difficulty.HARD)
    s = f.subjects.set_index("record_id")
    subj = farmland_tax.rules.subjects(f.county_rates, f.approvals, f.patches)
    subj = subj.set_index("record_id").join(s.drop(columns="kind"))
    recs = f.tax_records.merge(subj[["due_yuan", "allowed"]], left_on="source_ref",
                               right_index=True)
    paid = recs.groupby("source_ref")["tax_payable_yuan"].sum()
    as_of = pd.Timestamp(AS_OF)
    exempt = subj[subj[F.HN_EXEMPT_UNTAXED]]
    assert (exempt["due_yuan"] == 0).all() and not exempt.index.isin(paid.index).any()
    nyd = subj[subj[F.HN_NOT_YET_DUE]]
    assert (nyd["deadline"] >= as_of).all() and (nyd["due_yuan"] > 0).all()
    assert (nyd["deadline"] == as_of).any()                          # boundary in hard
    assert (subj.loc[subj["role"] == F.CLUE, "deadline"] == as_of - pd.Timedelta(days=1)).any()
    tie = subj[subj[F.HN_PAID_95_100]].join(paid.rename("paid"))
    assert (tie["paid"] == 0.95 * tie["due_yuan"]).any()
    assert (tie["paid"] >= 0.95 * tie["due_yuan"]).all()
    short = subj[subj[F.R_UNDERPAID]].join(paid.rename("paid"))
    assert ((0.95 * short["due_yuan"] - short["paid"]).round(2) == 0.01).any()
    inst = recs[recs["source_ref"].isin(s.index[s[F.HN_INSTALMENTS]])]
    assert (inst.groupby("source_ref").size() >= 3).any()
    rural = recs[recs["source_ref"].isin(s.index[s[F.HN_HALF_RURAL]])]
    assert (rural["relief_code"] == "HALF_RURAL_HOUSING").all() and len(rural)
    transport = recs[recs["source_ref"].isin(s.index[s[F.HN_REDUCED_TRANSPORT]])]
    assert (transport["unit_tax_yuan"] == 2.0).all() and len(transport)
    other = recs[recs["source_ref"].isin(s.index[s[F.HN_OTHER_TAXPAYER]])]
    users = pd.concat([f.approvals.set_index("approval_no")["user_code"],
                       f.patches.set_index("patch_no")["occupier_code"]])
    assert (other["taxpayer_code"] != other["source_ref"].map(users)).all() and len(other)
    late = subj[subj[F.HN_LATE_PAID]]
    first = recs.groupby("source_ref")["declared_date"].min()
    assert (pd.to_datetime(first.reindex(late.index)) > late["deadline"]).all()
    improper = recs[(recs["relief_code"] != "NONE") & (recs["relief_code"] != recs["allowed"])]
    assert set(improper["source_ref"]) <= set(s.index[s[F.R_IMPROPER]])


@pytest.mark.parametrize("size", [1, 2, 3, 10])
@pytest.mark.parametrize("level", LEVELS)
def test_tiny_scenarios(level, size, tmp_path):
    from synthetic.scenario import generate_scenario

    sc = generate_scenario("farmland_tax", seed=4, size=size, difficulty=level, out=tmp_path / "s")
    tables = sc.manifest["tables"]
    assert tables["approvals"]["rows"] + tables["patches"]["rows"] == size
    assert sc.read_labels().to_pandas()["record_id"].nunique() >= 1


_SCRIPT = """
import sys
from synthetic.scenario import generate_scenario
for level in ("easy", "hard"):
    generate_scenario("farmland_tax", seed=21, size=500, difficulty=level,
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


def test_the_docs_name_every_reason_family_and_code():
    doc = (Path(__file__).parents[2] / "docs" / "points" / "farmland_tax.md").read_text("utf-8")
    for word in (*REASON_CODES, *F.HN_FLAGS, *F.REASON_FLAGS, *RELIEF_CODES, *LAND_USES,
                 "耕地占用税", "as_of", "Readings of the contract", "SUBJECT_TABLES"):
        assert word in doc, word
