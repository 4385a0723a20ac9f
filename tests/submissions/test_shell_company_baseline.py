"""The shell_company rule baseline, run in-process on generated scenarios.

It must score record and reason F1 = 1.0 on every difficulty, seed, size and ``as_of``; a model
that matches representatives by name instead of ID number must lose points exactly where the hard
level plants namesakes; exact duplicate rows never change its answer.
"""

from __future__ import annotations

import datetime as dt
import types
from pathlib import Path

import pandas as pd
import pytest

from arena_testkit import (imported_modules, load_model, manifest_of, score_detect,
                           scenario_inputs as kit_inputs)

BASELINE = Path(__file__).parents[2] / "submissions" / "shell_company_baseline"
ALLOWED_IMPORTS = {"__future__", "datetime", "pandas", "numpy", "re", "unicodedata", "math"}
POINT = "shell_company"


def model() -> types.ModuleType:
    return load_model(BASELINE)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("shell_company_scenarios")


def scenario_inputs(workdir: Path, seed: int, size: int, level: str, as_of: dt.date):
    return kit_inputs(workdir, POINT, seed, size, level, as_of)


def scores(tables, labels, context) -> tuple[float, float]:
    return score_detect(model(), POINT, tables, labels, context)


def test_submission_manifest():
    manifest = manifest_of(BASELINE)
    assert manifest == {"team": "组委会基线", "name": "shell-company-rules-baseline",
                        "version": "1.0", "points": [POINT], "language": "python",
                        "entrypoint": "model.py", "baseline": True}
    imported = imported_modules(BASELINE / "model.py")
    assert imported <= ALLOWED_IMPORTS, imported - ALLOWED_IMPORTS


@pytest.mark.parametrize("size", [10, 400, 3000])
@pytest.mark.parametrize("seed", [1, 2])
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
    assert set(m.normalize_ids(ids)) == {"34020719800517123X"}
    assert set(m.codes(pd.Series([" 91340207ma2n0000a1", "91340207MA2N0000A1  "]))) == {
        "91340207MA2N0000A1"}


def test_matching_by_name_is_wrong_where_namesakes_are(workdir):
    """Look representatives up by name (a straw man wins where two people share one): the hard
    scenario's namesakes join their straw man's ring, so the baseline loses precision."""
    tables, labels, context = scenario_inputs(workdir, 2, 3000, "hard", dt.date(2023, 12, 31))
    persons = tables["persons"]
    straw = persons["low_income"] | persons["student"] | (persons["birth_date"] < "1953-12-30")
    persons = persons.assign(straw=straw).sort_values("straw", kind="stable")
    by_name = dict(zip(persons["name"].str.strip(), persons["id_number"]))   # last one wins
    companies = tables["companies"].copy()
    companies["legal_rep_id"] = companies["legal_rep_name"].str.strip().map(by_name)
    record, _ = scores({**tables, "companies": companies}, labels, context)
    assert record < 1.0
    assert scores(tables, labels, context)[0] == 1.0


def test_every_row_twice_changes_nothing(workdir):
    """Each monthly row as an exact duplicate: summing them twice would turn companies with
    250,000-500,000 invoiced into mills, so this fails for a model that keeps duplicates."""
    tables, labels, context = scenario_inputs(workdir, 1, 3000, "standard", dt.date(2023, 12, 31))
    doubled = {name: pd.concat([tables[name], tables[name]], ignore_index=True)
               for name in ("tax_monthly", "social_insurance", "fraud_accounts", "persons")}
    assert scores({**tables, **doubled}, labels, context) == (1.0, 1.0)
