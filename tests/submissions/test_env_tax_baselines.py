"""The env_tax example submissions, run in-process on generated scenarios.

The rule baseline must score record and reason F1 = 1.0 on every difficulty; the exact-match
model must do well on easy and visibly worse on standard and hard.
"""

from __future__ import annotations

import ast
import datetime as dt
import importlib.util
import tomllib
import types
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from synthetic.scenario import generate_scenario, load_scenario

ROOT = Path(__file__).parents[2] / "submissions"
BASELINE, WEAK = ROOT / "env_tax_baseline", ROOT / "env_tax_exact_match"
ALLOWED_IMPORTS = {"__future__", "datetime", "pandas", "numpy", "re", "unicodedata", "math"}


def load_model(directory: Path) -> types.ModuleType:
    spec = importlib.util.spec_from_file_location(f"model_{directory.name}",
                                                  directory / "model.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@cache
def model(directory: Path) -> types.ModuleType:
    return load_model(directory)



@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("env_tax_scenarios")


def scenario_inputs(workdir: Path, seed: int, size: int, level: str, as_of: dt.date):
    out = workdir / f"{level}-{seed}-{size}-{as_of.isoformat()}"
    sc = load_scenario(out) if out.exists() else generate_scenario(
        "env_tax", seed=seed, size=size, difficulty=level, as_of=as_of, out=out)
    tables = {name: sc.read_table(name).to_pandas() for name in sc.manifest["tables"]}
    labels = sc.read_labels().to_pandas()
    return tables, labels, types.SimpleNamespace(as_of=sc.as_of, manifest=sc.manifest)


def f1(truth: set, predicted: set) -> float:
    if not truth and not predicted:
        return 1.0
    return 2 * len(truth & predicted) / (len(truth) + len(predicted))


def scores(directory: Path, tables, labels, context) -> tuple[float, float]:
    out = model(directory).detect("env_tax", {k: v.copy() for k, v in tables.items()}, context)
    assert list(out.columns[:2]) == ["record_id", "reason"]
    pairs = set(zip(out["record_id"], out["reason"]))
    truth = set(zip(labels["record_id"], labels["reason"]))
    return f1({r for r, _ in truth}, {r for r, _ in pairs}), f1(truth, pairs)


@pytest.mark.parametrize("directory,baseline,team", [(BASELINE, True, "组委会基线"),
                                                     (WEAK, False, "示例队")])
def test_submission_manifest(directory, baseline, team):
    manifest = tomllib.loads((directory / "submission.toml").read_text("utf-8"))
    assert manifest["team"] == team
    assert manifest["points"] == ["env_tax"]
    assert manifest["language"] == "python" and manifest["entrypoint"] == "model.py"
    assert manifest["version"] == "1.0"
    assert manifest.get("baseline", False) is baseline
    tree = ast.parse((directory / "model.py").read_text("utf-8"))
    imported = {alias.name.split(".")[0] for node in ast.walk(tree)
                if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom)}
    assert imported <= ALLOWED_IMPORTS, imported - ALLOWED_IMPORTS


@pytest.mark.parametrize("size", [10, 200, 2000])
@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("level", ["easy", "standard", "hard"])
def test_baseline_is_perfect(workdir, level, seed, size):
    inputs = scenario_inputs(workdir, seed, size, level, dt.date(2023, 12, 31))
    assert scores(BASELINE, *inputs) == (1.0, 1.0)


@pytest.mark.parametrize("as_of", [dt.date(2024, 1, 10), dt.date(2024, 1, 15),
                                   dt.date(2024, 1, 16), dt.date(2024, 5, 20)])
@pytest.mark.parametrize("level", ["easy", "standard", "hard"])
def test_baseline_is_perfect_for_any_as_of(workdir, level, as_of):
    inputs = scenario_inputs(workdir, 4, 600, level, as_of)
    assert scores(BASELINE, *inputs) == (1.0, 1.0)


def test_baseline_ignores_other_points():
    out = model(BASELINE).detect("farmland_tax", {}, types.SimpleNamespace(
        as_of=dt.date(2023, 12, 31), manifest={}))
    assert out.empty and list(out.columns) == ["record_id", "reason"]


def test_baseline_normalises_each_variant():
    m = model(BASELINE)
    codes = pd.Series([" 91340200ma2abc1234 ", "９１３４０２００MA2ABC1234", "", None])
    assert m.normalize_code(codes).tolist() == ["91340200MA2ABC1234"] * 2 + ["", ""]
    names = pd.Series(["芜湖恒通化工(集团)有限公司 ", "芜湖恒通化工（集团）有限公司"])
    assert m.normalize_name(names).nunique() == 1
    dates = m.parse_dates(pd.Series(["2023-07-05", "2023/7/5", "20230705", "2023年7月5日"]))
    assert (dates == pd.Timestamp("2023-07-05")).all()


def test_exact_match_is_good_on_easy_and_weaker_with_noise(workdir):
    mean = {}
    for level in ("easy", "standard", "hard"):
        runs = [scores(WEAK, *scenario_inputs(workdir, seed, 2000, level,
                                              dt.date(2023, 12, 31)))
                for seed in (1, 2, 3)]
        mean[level] = float(np.mean([record for record, _ in runs]))
    assert mean["easy"] >= 0.95
    assert mean["standard"] < 0.9
    assert mean["hard"] < 0.9
    assert mean["hard"] < mean["standard"] < mean["easy"]
