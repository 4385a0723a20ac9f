"""The legal_aid rule baseline, run in-process on generated scenarios.

It must score record and reason F1 = 1.0 on every difficulty, seed, size and ``as_of``; a model
that matches disability cards by name instead of ID number must lose points exactly where
namesakes are, and one that trusts ``birth_date`` alone must fail once it is empty.
"""

from __future__ import annotations

import datetime as dt
import types
from pathlib import Path

import pandas as pd
import pytest

from arena_testkit import (imported_modules, load_model, manifest_of, score_detect,
                           scenario_inputs as kit_inputs)

BASELINE = Path(__file__).parents[2] / "submissions" / "legal_aid_baseline"
ALLOWED_IMPORTS = {"__future__", "datetime", "pandas", "numpy", "re", "unicodedata", "math"}
POINT = "legal_aid"


def model() -> types.ModuleType:
    return load_model(BASELINE)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("legal_aid_scenarios")


def scenario_inputs(workdir: Path, seed: int, size: int, level: str, as_of: dt.date):
    return kit_inputs(workdir, POINT, seed, size, level, as_of)


def scores(tables, labels, context) -> tuple[float, float]:
    return score_detect(model(), POINT, tables, labels, context)


def test_submission_manifest():
    manifest = manifest_of(BASELINE)
    assert manifest == {"team": "组委会基线", "name": "legal-aid-rules-baseline",
                        "version": "1.0", "points": [POINT], "language": "python",
                        "entrypoint": "model.py", "baseline": True}
    imported = imported_modules(BASELINE / "model.py")
    assert imported <= ALLOWED_IMPORTS, imported - ALLOWED_IMPORTS


@pytest.mark.parametrize("size", [10, 300, 3000])
@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("level", ["easy", "standard", "hard"])
def test_baseline_is_perfect(workdir, level, seed, size):
    inputs = scenario_inputs(workdir, seed, size, level, dt.date(2023, 12, 31))
    assert len(inputs[1]) > 0
    assert scores(*inputs) == (1.0, 1.0)


@pytest.mark.parametrize("as_of", [dt.date(2021, 3, 1), dt.date(2024, 2, 29),
                                   dt.date(2025, 7, 15)])
@pytest.mark.parametrize("level", ["easy", "standard", "hard"])
def test_baseline_is_perfect_for_any_as_of(workdir, level, as_of):
    inputs = scenario_inputs(workdir, 4, 1500, level, as_of)
    assert scores(*inputs) == (1.0, 1.0)


def test_baseline_ignores_other_points():
    out = model().detect("env_tax", {}, types.SimpleNamespace(as_of=dt.date(2023, 12, 31),
                                                              manifest={}))
    assert out.empty and list(out.columns) == ["record_id", "reason"]


def test_baseline_normalises_each_variant():
    m = model()
    ids = pd.Series([" 34020719800517123x ", "340207 19800517 123X", "３４０２０７１９８００５１７１２３X",
                     "340207800517123", "34020719800517123X"])
    assert (m.normalize_ids(ids) == "34020719800517123X").all()
    cards = m.normalize_ids(pd.Series(["34020719800517123x 12", " ３４０２０７19800517123X12"]))
    assert (cards == "34020719800517123X12").all()
    dates = m.parse_dates(pd.Series(["2023-07-05", "2023/7/5", "20230705", "2023年7月5日"]))
    assert (dates == pd.Timestamp("2023-07-05")).all()
    births = pd.to_datetime(pd.Series(["2004-02-29", "2005-06-10"]))
    assert list(m.eighteenth_birthdays(births).dt.strftime("%Y-%m-%d")) == [
        "2022-02-28", "2023-06-10"]


def test_matching_cards_by_name_is_wrong_where_namesakes_are(workdir):
    """Replace every card's ID part by the ID of the defendant with that name: the hard
    scenario's namesake cards turn into false clues, so the baseline loses precision."""
    tables, labels, context = scenario_inputs(workdir, 2, 3000, "hard", dt.date(2023, 12, 31))
    d, cards = tables["defendants"], tables["disabilities"].copy()
    by_name = dict(zip(d["name"].str.strip(), model().normalize_ids(d["id_number"])))
    ids = cards["name"].str.strip().map(by_name)
    cards["card_no"] = (ids + cards["category"] + cards["grade"]).fillna(cards["card_no"])
    record, _ = scores({**tables, "disabilities": cards}, labels, context)
    assert record < 1.0
    assert scores(tables, labels, context)[0] == 1.0


def test_ignoring_empty_birth_dates_misses_minors(workdir):
    """Without reading the ID where birth_date is empty, minors go unnoticed on hard."""
    tables, labels, context = scenario_inputs(workdir, 2, 3000, "hard", dt.date(2023, 12, 31))
    d = tables["defendants"]
    blank = d["birth_date"] == ""
    adult = d.assign(birth_date=d["birth_date"].where(~blank, "1970-01-01"))
    record, _ = scores({**tables, "defendants": adult}, labels, context)
    assert record < 1.0
