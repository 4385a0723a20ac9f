"""The env_tax generator: schema, identities, labels = rules(facts), roles, noise, determinism."""

from __future__ import annotations

import datetime as dt
import re
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from synthetic import normalize
from synthetic.creditcodes import is_valid_uscc
from synthetic.difficulty import Difficulty, profile
from synthetic.points import env_tax
from synthetic.points.env_tax import facts as F
from synthetic.points.env_tax.schema import (
    POLLUTANTS, REASON_CODES, TABLES, deadline, monitoring_quarters, quarter_start)
from synthetic.registry import GenerationRequest, get_point

AS_OF = dt.date(2023, 12, 31)
LEVELS = list(Difficulty)
ARROW = {"string": pa.string(), "int64": pa.int64(), "float64": pa.float64(), "bool": pa.bool_()}
REASON_OF = dict(zip(F.REASON_FLAGS, REASON_CODES))


@cache
def facts(seed: int, size: int, level: Difficulty, as_of: dt.date = AS_OF) -> F.Facts:
    return F.draw_facts(seed, size, level, as_of)


@cache
def clean(seed: int, size: int, level: Difficulty, as_of: dt.date = AS_OF) -> dict:
    """The clean tables of the facts (registered codes and names, no duplicates) as pandas."""
    f = facts(seed, size, level, as_of)
    return {t.name: env_tax.clean_table(f, t.name).to_pandas() for t in TABLES}


def rules_on(c: dict, as_of: dt.date = AS_OF) -> pd.DataFrame:
    return env_tax.compute_labels(c["permits"], c["outlets"], c["monitoring"], c["declarations"],
                                  as_of=as_of)


@cache
def scenario(seed: int, size: int, level: Difficulty, as_of: dt.date = AS_OF):
    return env_tax.generate(GenerationRequest(seed=seed, size=size, difficulty=level,
                                              as_of=as_of))


def label_set(frame: pd.DataFrame) -> set[tuple[str, str]]:
    return set(zip(frame["record_id"], frame["reason"]))


def intended(f: F.Facts) -> set[tuple[str, str]]:
    s = f.subjects()
    return {(p, REASON_OF[flag]) for flag in F.REASON_FLAGS for p in s.loc[s[flag], "permit_no"]}


def test_registered_point_spec():
    spec = get_point("env_tax")
    assert spec.generator_version == "env_tax/2"
    assert spec.subject_table == "permits" and spec.record_id_column == "permit_no"
    assert spec.reason_codes == ("ENV_UNDECLARED", "ENV_UNDER_DECLARED",
                                 "ENV_IMPROPER_REDUCTION")
    assert [t.name for t in spec.tables] == ["pollutants", "permits", "outlets", "monitoring",
                                             "declarations"]
    messy = [(t.name, c.name) for t in spec.tables for c in t.columns if c.messy]
    assert messy == [("declarations", "declared_date")]


@pytest.mark.parametrize("level", LEVELS)
def test_tables_follow_the_schema(level):
    generated = scenario(5, 400, level)
    assert list(generated.tables) == [t.name for t in TABLES]
    for schema in TABLES:
        table = generated.tables[schema.name]
        assert table.schema.names == schema.column_names
        assert [f.type for f in table.schema] == [ARROW[c.type] for c in schema.columns]
        assert table.num_rows > 0
    mon = generated.tables["monitoring"].to_pandas()
    decl = generated.tables["declarations"].to_pandas()
    for values, places in ((mon["emission_kg"], 2), (mon["avg_concentration_ratio"], 4),
                           (decl["declared_kg"], 2), (decl["tax_payable_yuan"], 2)):
        assert np.array_equal(values.to_numpy(), np.round(values.to_numpy(), places))
    assert set(decl["reduction"]) <= {"none", "75", "50"}
    assert generated.labels.schema.names == ["record_id", "reason"]
    labels = generated.labels.to_pandas()
    assert labels.equals(labels.sort_values(["record_id", "reason"]).reset_index(drop=True))
    assert set(labels["reason"]) <= set(REASON_CODES)


def test_pollutants_are_the_contract_settings():
    table = scenario(5, 400, Difficulty.EASY).tables["pollutants"].to_pandas()
    eq = dict(zip(table["pollutant_name"], table["equivalent_kg"]))
    assert eq == {"二氧化硫": 0.95, "氮氧化物": 0.95, "烟尘": 2.18, "一般性粉尘": 4.0,
                  "一氧化碳": 16.7, "化学需氧量": 1.0, "氨氮": 0.8, "悬浮物": 4.0, "总磷": 0.25}
    tax = dict(zip(table["medium"], table["unit_tax_yuan"]))
    assert tax == {"air": 1.2, "water": 1.4}


@pytest.mark.parametrize("level", LEVELS)
def test_permits_identities_and_keys(level):
    f, permits = facts(7, 2000, level), clean(7, 2000, level)["permits"]
    assert permits["permit_no"].is_unique
    assert permits["permit_no"].str.fullmatch(r"[0-9A-Z]{18}00[12][PW]").all()
    assert (permits["permit_no"].str[:18] == permits["uscc"]).all()
    assert all(is_valid_uscc(c) for c in permits["uscc"])
    assert (permits["uscc"].str[2:8] == permits["county_code"]).all()
    assert permits["county_code"].str.startswith("34").all()
    assert permits["county_code"].str.startswith("3402").mean() > 0.5     # mostly Wuhu
    assert set(permits["management_class"]) <= {"重点管理", "简化管理", "登记管理"}
    names = pd.concat([permits["company_name"], f.subjects()["former_name"]])
    assert normalize.normalize_company_name_series(names).is_unique
    assert permits["company_name"].str.endswith(("公司", "公司）")).all()
    # permits cover the monitoring period (or start inside a not-yet-due quarter)
    first = quarter_start(*monitoring_quarters(AS_OF)[0]).isoformat()
    late = f.subjects()[F.HN_NOT_YET_DUE].to_numpy()
    assert (permits.loc[~late, "valid_from"] <= first).all()
    assert (permits["valid_to"] >= AS_OF.isoformat()).all()
    assert (permits["valid_from"] <= AS_OF.isoformat()).all()


@pytest.mark.parametrize("level", LEVELS)
def test_permits_show_code_and_name_noise_only(level):
    permits = clean(7, 2000, level)["permits"]
    shown = scenario(7, 2000, level).tables["permits"].to_pandas()
    noisy = profile(level).noise_rate > 0
    kept = [c for c in permits.columns if c not in ("uscc", "company_name")]
    pd.testing.assert_frame_equal(shown[kept], permits[kept])      # permit_no never noised
    assert normalize.normalize_uscc_series(shown["uscc"]).equals(permits["uscc"].astype(object))
    assert (shown["uscc"] != "").all()
    assert normalize.normalize_company_name_series(shown["company_name"]).equals(
        normalize.normalize_company_name_series(permits["company_name"]))
    for column in ("uscc", "company_name"):
        assert (shown[column] != permits[column]).any() == noisy, column


def test_outlets_and_monitoring_shape():
    c = clean(7, 2000, Difficulty.HARD)
    out = c["outlets"]
    assert out["outlet_code"].str.fullmatch(r"D[AW]\d{3}").all()
    assert ((out["outlet_code"].str[1] == "A") == (out["medium"] == "air")).all()
    assert (out.loc[out["medium"] == "air", "destination"] == "direct").all()
    assert set(out["destination"]) == {"direct", "centralized_plant"}
    mon = c["monitoring"]
    per_outlet = mon.groupby(["permit_no", "outlet_code", "year", "quarter"]).size()
    assert per_outlet.max() <= 3
    assert not mon.duplicated(["permit_no", "outlet_code", "year", "quarter",
                               "pollutant_code"]).any()
    medium = dict(zip([p.code for p in POLLUTANTS], [p.medium for p in POLLUTANTS]))
    joined = mon.merge(out, on=["permit_no", "outlet_code"])
    assert (joined["pollutant_code"].map(medium) == joined["medium"]).all()
    assert (mon["emission_kg"] >= 0).all() and (mon["exceed_hours"] >= 0).all()


@pytest.mark.parametrize("as_of", [AS_OF, dt.date(2024, 1, 10), dt.date(2024, 1, 15),
                                   dt.date(2024, 1, 16), dt.date(2024, 2, 29),
                                   dt.date(2023, 7, 1)])
@pytest.mark.parametrize("level", LEVELS)
def test_labels_are_the_rules_applied_to_the_facts(level, as_of):
    f, c = facts(11, 600, level, as_of), clean(11, 600, level, as_of)
    labels = scenario(11, 600, level, as_of).labels.to_pandas()
    # the generator's labels are the rules applied to the clean tables
    assert labels.equals(rules_on(c, as_of))
    # and the role layer built exactly the reasons the rules find
    assert label_set(labels) == intended(f)
    # no event after as_of
    assert (c["declarations"]["declared_date"] <= as_of.isoformat()).all()
    assert (c["permits"]["valid_from"] <= as_of.isoformat()).all()


@pytest.mark.parametrize("level", LEVELS)
def test_clue_share_and_hard_negatives(level):
    prof = profile(level)
    f = facts(3, 4000, level)
    s = f.subjects()
    clues = s["role"] == F.CLUE
    labels = env_tax.labels_of(f).to_pandas()
    assert set(labels["record_id"]) == set(s.loc[clues, "permit_no"])
    share = clues.mean()
    assert abs(share - prof.clue_share) < 0.01
    hn = (s["role"] == F.HARD_NEGATIVE) & s[list(F.HN_FLAGS)].any(axis=1)
    assert abs(hn.sum() / clues.sum() - prof.hard_negative_ratio) < 0.05
    # every family of the level is present among the hard negatives, and none is a clue
    for family in F.families(level):
        assert (s[family] & hn).sum() >= 3, family
    assert not (hn & s["permit_no"].isin(labels["record_id"])).any()
    # some clues carry more than one reason
    assert (labels.groupby("record_id").size() > 1).any()
    assert (s.loc[clues, list(F.HN_FLAGS)].any(axis=1)).any()   # clues may carry traps too


def test_hard_negative_families_look_like_what_they_claim():
    f, c = facts(3, 4000, Difficulty.HARD), clean(3, 4000, Difficulty.HARD)
    s = f.subjects().set_index("permit_no")
    decl = c["declarations"].merge(c["permits"][["uscc", "permit_no", "company_name"]],
                                   left_on="taxpayer_code", right_on="uscc")
    lines = env_tax.taxable_lines(c["outlets"], c["monitoring"], AS_OF)
    # centralized plant outlets carry emissions and are never declared
    central = c["outlets"][c["outlets"]["destination"] == "centralized_plant"]
    mon = c["monitoring"].merge(central, on=["permit_no", "outlet_code"])
    assert (mon["emission_kg"] > 0).any()
    assert mon.merge(decl, on=["permit_no", "outlet_code"]).empty
    # not-yet-due permits have emissions but no taxable line and no declaration
    nyd = s.index[s[F.HN_NOT_YET_DUE]]
    assert c["monitoring"]["permit_no"].isin(nyd).any()
    assert not lines["permit_no"].isin(nyd).any() and not decl["permit_no"].isin(nyd).any()
    # former names: code kept, another name
    former = decl[decl["permit_no"].isin(s.index[s[F.HN_FORMER_NAME]])]
    assert (former["taxpayer_name"] != former["company_name"]).any()
    # exactly 90% and ratios just below the limits occur among non-clues
    sums = decl.groupby(["permit_no", "year", "quarter", "outlet_code", "pollutant_code"],
                        as_index=False)["declared_kg"].sum()
    joined = lines.merge(sums, on=["permit_no", "year", "quarter", "outlet_code",
                                   "pollutant_code"])
    assert (joined["declared_kg"] == 0.9 * joined["emission_kg"]).any()
    assert {0.6999, 0.4999} <= set(decl.merge(
        c["monitoring"], on=["permit_no", "year", "quarter", "outlet_code", "pollutant_code"]
    ).query("reduction != 'none'")["avg_concentration_ratio"])
    # instalments: several rows for one line, none of them identical
    key = ["taxpayer_code", "year", "quarter", "outlet_code", "pollutant_code"]
    assert (c["declarations"].groupby(key).size() >= 3).any()
    assert not c["declarations"].duplicated().any()


@pytest.mark.parametrize("level", LEVELS)
def test_noise_never_changes_a_fact(level):
    c = clean(9, 1500, level)
    rendered = scenario(9, 1500, level).tables["declarations"].to_pandas()
    deduped = rendered.drop_duplicates()
    prof = profile(level)
    assert len(deduped) == len(c["declarations"])
    assert (len(rendered) > len(deduped)) == (prof.duplicate_rate > 0)
    # normalise every variant, resolve blank codes by the registered name
    code = normalize.normalize_uscc_series(deduped["taxpayer_code"])
    name = normalize.normalize_company_name_series(deduped["taxpayer_name"])
    by_name = dict(zip(c["permits"]["company_name"], c["permits"]["uscc"]))
    blank = code.isna()
    assert blank.any() == prof.empty_codes
    code[blank] = name[blank].map(by_name)
    restored = deduped.assign(
        taxpayer_code=code, taxpayer_name=name,
        declared_date=normalize.normalize_date_series(deduped["declared_date"]).dt.strftime(
            "%Y-%m-%d"))
    expected = c["declarations"].assign(
        taxpayer_name=normalize.normalize_company_name_series(c["declarations"]["taxpayer_name"]))
    key = list(expected.columns)
    pd.testing.assert_frame_equal(
        restored.sort_values(key).reset_index(drop=True)[key].astype(str),
        expected.sort_values(key).reset_index(drop=True).astype(str))
    raw = deduped["declared_date"]
    iso = raw.str.fullmatch(r"\d{4}-\d{2}-\d{2}")
    assert iso.all() == (prof.noise_rate == 0)
    assert (deduped["taxpayer_code"] != code).any() == (prof.noise_rate > 0)


def test_blank_codes_sit_next_to_the_exact_registered_name():
    registered = set(clean(9, 1500, Difficulty.HARD)["permits"]["company_name"])
    rendered = scenario(9, 1500, Difficulty.HARD).tables["declarations"].to_pandas()
    blank = rendered[rendered["taxpayer_code"] == ""]
    assert len(blank) > 0
    assert blank["taxpayer_name"].isin(registered).all()


def test_identities_do_not_depend_on_the_difficulty():
    cols = ["permit_no", "uscc", "company_name", "industry", "county_code", "management_class"]
    easy, hard = clean(7, 2000, Difficulty.EASY), clean(7, 2000, Difficulty.HARD)
    pd.testing.assert_frame_equal(easy["permits"][cols], hard["permits"][cols])


@pytest.mark.parametrize("size", [1, 2, 10])
@pytest.mark.parametrize("level", LEVELS)
def test_tiny_scenarios(level, size, tmp_path):
    from synthetic.scenario import generate_scenario

    sc = generate_scenario("env_tax", seed=4, size=size, difficulty=level, out=tmp_path / "s")
    assert sc.manifest["tables"]["permits"]["rows"] == size
    labels = sc.read_labels().to_pandas()
    assert labels["record_id"].nunique() >= 1


def test_deadline_equal_to_as_of_is_not_yet_due():
    assert deadline(2023, 4) == dt.date(2024, 1, 15)
    f = facts(2, 500, Difficulty.HARD, dt.date(2024, 1, 15))
    c = clean(2, 500, Difficulty.HARD, dt.date(2024, 1, 15))
    q4 = (c["monitoring"]["year"] == 2023) & (c["monitoring"]["quarter"] == 4)
    assert (c["monitoring"].loc[q4, "emission_kg"] > 0).any()
    on_day = env_tax.taxable_lines(c["outlets"], c["monitoring"], dt.date(2024, 1, 15))
    assert not ((on_day["year"] == 2023) & (on_day["quarter"] == 4)).any()
    day_after = env_tax.taxable_lines(c["outlets"], c["monitoring"], dt.date(2024, 1, 16))
    assert ((day_after["year"] == 2023) & (day_after["quarter"] == 4)).any()
    # the same facts a day later: Q4 is due and its unfiled lines become clues
    later = rules_on(c, dt.date(2024, 1, 16))
    assert len(later) > env_tax.labels_of(f).num_rows


def test_hard_files_some_quarters_on_the_deadline_day():
    decl = clean(2, 2000, Difficulty.HARD)["declarations"]
    dl = {(y, q): deadline(y, q).isoformat() for y, q in monitoring_quarters(AS_OF)}
    on_deadline = [d == dl[(y, q)] for y, q, d in zip(decl["year"], decl["quarter"],
                                                      decl["declared_date"])]
    assert any(on_deadline)


def test_tables_render_the_same_in_any_order():
    """Each table has its own noise stream, so lazily rendered tables never depend on which
    table was asked for first."""
    request = GenerationRequest(seed=6, size=300, difficulty=Difficulty.HARD, as_of=AS_OF)
    first, second = env_tax.generate(request).tables, env_tax.generate(request).tables
    names = [t.name for t in TABLES]
    forward = {name: first[name] for name in names}
    backward = {name: second[name] for name in reversed(names)}
    assert all(forward[name].equals(backward[name]) for name in names)
    assert list(first) == names and len(first) == len(names)
    with pytest.raises(KeyError):
        first["labels"]


def test_the_docs_name_every_reason_and_family():
    doc = (Path(__file__).parents[2] / "docs" / "points" / "env_tax.md").read_text("utf-8")
    for word in (*REASON_CODES, *F.HN_FLAGS, "环境保护税", "DA001", "DW001", "centralized_plant"):
        assert word in doc, word
    assert re.search(r"as_of", doc)
