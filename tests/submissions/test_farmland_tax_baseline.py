"""The farmland_tax rule baseline, run in-process on generated scenarios: F1 = 1.0 everywhere."""

from __future__ import annotations

import datetime as dt
import types
from pathlib import Path

import pandas as pd
import pytest

from arena_testkit import (imported_modules, load_model, manifest_of, score_detect,
                           scenario_inputs as kit_inputs)

BASELINE = Path(__file__).parents[2] / "submissions" / "farmland_tax_baseline"
ALLOWED_IMPORTS = {"__future__", "datetime", "pandas", "numpy", "re", "unicodedata", "math"}
POINT = "farmland_tax"


def model() -> types.ModuleType:
    return load_model(BASELINE)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("farmland_tax_scenarios")


def scenario_inputs(workdir: Path, seed: int, size: int, level: str, as_of: dt.date):
    return kit_inputs(workdir, POINT, seed, size, level, as_of)


def scores(tables, labels, context) -> tuple[float, float]:
    return score_detect(model(), POINT, tables, labels, context)


def test_submission_manifest():
    manifest = manifest_of(BASELINE)
    assert manifest == {"team": "组委会基线", "name": "farmland-tax-rules-baseline",
                        "version": "1.0", "points": ["farmland_tax"], "language": "python",
                        "entrypoint": "model.py", "baseline": True}
    imported = imported_modules(BASELINE / "model.py")
    assert imported <= ALLOWED_IMPORTS, imported - ALLOWED_IMPORTS


@pytest.mark.parametrize("size", [10, 300, 3000])
@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("level", ["easy", "standard", "hard"])
def test_baseline_is_perfect(workdir, level, seed, size):
    inputs = scenario_inputs(workdir, seed, size, level, dt.date(2023, 12, 31))
    assert scores(*inputs) == (1.0, 1.0)


@pytest.mark.parametrize("as_of", [dt.date(2024, 1, 30), dt.date(2024, 2, 29),
                                   dt.date(2022, 6, 1)])
@pytest.mark.parametrize("level", ["easy", "standard", "hard"])
def test_baseline_is_perfect_for_any_as_of(workdir, level, as_of):
    inputs = scenario_inputs(workdir, 4, 2000, level, as_of)
    assert scores(*inputs) == (1.0, 1.0)


def test_baseline_ignores_other_points():
    out = model().detect("env_tax", {}, types.SimpleNamespace(as_of=dt.date(2023, 12, 31),
                                                              manifest={}))
    assert out.empty and list(out.columns) == ["record_id", "reason"]


def test_baseline_normalises_each_variant():
    m = model()
    ids = pd.Series([" 34020719800517123x ", "340207 19800517 123X", "３４０２０７19800517123X",
                     "340207800517123"])
    assert m.normalize_code(ids).tolist() == ["34020719800517123X"] * 4
    codes = pd.Series([" 91340200ma2abc1234", "", None])
    assert m.normalize_code(codes).tolist() == ["91340200MA2ABC1234", "", ""]
    dates = m.parse_dates(pd.Series(["2023-07-05", "2023/7/5", "20230705", "2023年7月5日"]))
    assert (dates == pd.Timestamp("2023-07-05")).all()
    assert m.allowed_code(pd.Series(["port", "hospital", "mining"])).tolist() == [
        "REDUCED_TRANSPORT", "EXEMPT_HOSPITAL", "NONE"]


def test_linking_by_the_raw_code_instead_of_source_ref_is_not_perfect(workdir):
    """The hard traps bite: linking records by the raw code instead of source_ref fails."""
    tables, labels, context = scenario_inputs(workdir, 1, 3000, "hard", dt.date(2023, 12, 31))
    records = tables["tax_records"].drop_duplicates()
    codes = pd.concat([tables["approvals"].set_index("approval_no")["user_code"],
                       tables["patches"].set_index("patch_no")["occupier_code"]])
    first = pd.Series(codes.index, index=codes.to_numpy()).groupby(level=0).first()
    naive = records.assign(source_ref=records["taxpayer_code"].map(first).fillna(""))
    assert scores({**tables, "tax_records": naive}, labels, context)[0] < 0.95
