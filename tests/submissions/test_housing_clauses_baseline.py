"""The housing_clauses rule baseline, run in-process on generated scenarios.

It must score record and reason F1 = 1.0 on the default templates at every difficulty, seed and
size. On the held-out templates (phrasings it was not written for) its F1 is a measured floor,
not a promise: the test pins the floor so that a regression shows, and shows the set is unseen.
"""

from __future__ import annotations

import ast
import datetime as dt
import importlib.util
import tomllib
import types
from fractions import Fraction
from functools import cache
from pathlib import Path

import pandas as pd
import pytest

from synthetic.difficulty import Difficulty
from synthetic.points import housing_clauses as H
from synthetic.points.housing_clauses import rates
from synthetic.registry import GenerationRequest
from synthetic.scenario import generate_scenario

BASELINE = Path(__file__).parents[2] / "submissions" / "housing_clauses_baseline"
ALLOWED_IMPORTS = {"__future__", "fractions", "pandas", "re", "unicodedata"}
POINT = "housing_clauses"
AS_OF = dt.date(2023, 12, 31)
# Record F1 the baseline reaches on the held-out set (seed 5, 3,000 contracts), rounded down.
HELDOUT_FLOOR = {"easy": 0.30, "standard": 0.15, "hard": 0.08}


@cache
def model() -> types.ModuleType:
    spec = importlib.util.spec_from_file_location("model_housing_clauses_baseline",
                                                  BASELINE / "model.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def f1(truth: set, predicted: set) -> float:
    if not truth and not predicted:
        return 1.0
    return 2 * len(truth & predicted) / (len(truth) + len(predicted))


def scores(tables: dict[str, pd.DataFrame], labels: pd.DataFrame) -> tuple[float, float]:
    context = types.SimpleNamespace(as_of=AS_OF, manifest={})
    out = model().detect(POINT, {k: v.copy() for k, v in tables.items()}, context)
    assert list(out.columns[:2]) == ["record_id", "reason"]
    pairs = set(zip(out["record_id"], out["reason"]))
    truth = set(zip(labels["record_id"], labels["reason"]))
    return f1({r for r, _ in truth}, {r for r, _ in pairs}), f1(truth, pairs)


def generated(seed: int, size: int, level: str, template_set: str = "default"):
    request = GenerationRequest(seed=seed, size=size, difficulty=Difficulty(level), as_of=AS_OF)
    s = H.generate(request, template_set=template_set)
    return {k: v.to_pandas() for k, v in s.tables.items()}, s.labels.to_pandas()


def test_submission_manifest():
    manifest = tomllib.loads((BASELINE / "submission.toml").read_text("utf-8"))
    assert manifest == {"team": "组委会基线", "name": "housing-clauses-rules-baseline",
                        "version": "1.0", "points": [POINT], "language": "python",
                        "entrypoint": "model.py", "baseline": True}
    tree = ast.parse((BASELINE / "model.py").read_text("utf-8"))
    imported = {alias.name.split(".")[0] for node in ast.walk(tree)
                if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom)}
    assert imported <= ALLOWED_IMPORTS, imported - ALLOWED_IMPORTS


@pytest.mark.parametrize("size", [10, 400, 3000])
@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("level", ["easy", "standard", "hard"])
def test_baseline_is_perfect_on_the_default_templates(level, seed, size):
    tables, labels = generated(seed, size, level)
    assert len(labels) > 0
    assert scores(tables, labels) == (1.0, 1.0)


def test_baseline_is_perfect_on_a_scenario_on_disk(tmp_path):
    sc = generate_scenario(POINT, seed=9, size=1500, difficulty="hard", as_of=AS_OF,
                           out=tmp_path / "s")
    tables = {name: sc.read_table(name).to_pandas() for name in sc.manifest["tables"]}
    assert scores(tables, sc.read_labels().to_pandas()) == (1.0, 1.0)


@pytest.mark.parametrize("level", ["easy", "standard", "hard"])
def test_heldout_templates_are_unseen_by_the_baseline(level):
    tables, labels = generated(5, 3000, level, "heldout")
    record, reason = scores(tables, labels)
    print(f"held-out {level}: record F1 {record:.4f}, reason F1 {reason:.4f}")
    assert HELDOUT_FLOOR[level] <= record < 1.0


@pytest.mark.parametrize("units", [10, 15, 25, 50, 100, 150, 300, 500])
def test_baseline_reads_every_default_rate_form_exactly(units):
    for form in range(len(rates.FORMS["default"])):
        text = f"买受人逾期付款的，{rates.phrase(units, form, '总房款', 'default')}向出卖人支付违约金。"
        assert model().daily_rate(model().normalize(text)) == units, text


def test_chinese_numerals():
    m = model()
    assert [m.cn_number(t) for t in ("五", "十", "二十五", "一百", "一点五", "零点一五", "0.05")] == [
        5, 10, 25, 100, Fraction(3, 2), Fraction(15, 100), Fraction(1, 20)]


def test_baseline_ignores_other_points():
    out = model().detect("env_tax", {}, types.SimpleNamespace(as_of=AS_OF, manifest={}))
    assert out.empty and list(out.columns) == ["record_id", "reason"]
