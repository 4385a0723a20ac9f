"""Helpers shared by the tests of the bundled rule baselines (on sys.path via pytest's
``pythonpath``): load a submission's model in-process, build a scenario's inputs as the sandbox
would, and score the returned rows."""

from __future__ import annotations

import ast
import datetime as dt
import importlib.util
import tomllib
import types
from functools import cache
from pathlib import Path

from synthetic.scenario import generate_scenario, load_scenario

SUBMISSIONS = Path(__file__).resolve().parents[2] / "submissions"


@cache
def load_model(directory: Path) -> types.ModuleType:
    """``model.py`` of a submission directory, imported once under a unique name."""
    spec = importlib.util.spec_from_file_location(f"model_{directory.name}",
                                                  directory / "model.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def scenario_inputs(workdir: Path, point: str, seed: int, size: int, level: str,
                    as_of: dt.date):
    """(tables, labels, context) of a scenario generated once into ``workdir``."""
    out = workdir / f"{level}-{seed}-{size}-{as_of.isoformat()}"
    sc = load_scenario(out) if out.exists() else generate_scenario(
        point, seed=seed, size=size, difficulty=level, as_of=as_of, out=out)
    tables = {name: sc.read_table(name).to_pandas() for name in sc.manifest["tables"]}
    labels = sc.read_labels().to_pandas()
    return tables, labels, types.SimpleNamespace(as_of=sc.as_of, manifest=sc.manifest)


def f1(truth: set, predicted: set) -> float:
    if not truth and not predicted:
        return 1.0
    return 2 * len(truth & predicted) / (len(truth) + len(predicted))


def score_detect(model: types.ModuleType, point: str, tables, labels, context
                 ) -> tuple[float, float]:
    """(record F1, reason F1) of ``model.detect`` on one scenario's inputs."""
    out = model.detect(point, {k: v.copy() for k, v in tables.items()}, context)
    assert list(out.columns[:2]) == ["record_id", "reason"]
    pairs = set(zip(out["record_id"], out["reason"]))
    truth = set(zip(labels["record_id"], labels["reason"]))
    return f1({r for r, _ in truth}, {r for r, _ in pairs}), f1(truth, pairs)


def manifest_of(directory: Path) -> dict:
    return tomllib.loads((directory / "submission.toml").read_text("utf-8"))


def imported_modules(path: Path) -> set[str]:
    """Top-level modules a Python file imports (a baseline must stay self-contained)."""
    tree = ast.parse(path.read_text("utf-8"))
    imported = {alias.name.split(".")[0] for node in ast.walk(tree)
                if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom)}
    return imported
