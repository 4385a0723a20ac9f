"""The three submission languages of CONTRACT 4 run in the real sandbox with the same runtime.

One model — flag the first three subject records — written in python, sql and as a command
gives the same clues.csv, byte for byte, on every registered point."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from harness.execute import RunTask, execute
from harness.limits import Limits
from harness.submission import load_submission
from harness.workspace import ScenarioRef
from synthetic.registry import available_points, get_point
from synthetic.scenario import generate_scenario

pytestmark = pytest.mark.sandbox

POINTS = available_points()[:3]
N = 3

PYTHON = """
import pandas as pd

def detect(point, tables, context):
    m = context.manifest
    keys = tables[m["subject_table"]][m["record_id_column"]].astype(str).head({n})
    return pd.DataFrame({{"record_id": keys, "reason": ""}})
"""

COMMAND = """
import csv, json, os
import pandas as pd

root = os.environ["ARENA_INPUT"]
m = json.load(open(os.path.join(root, "scenario.json"), encoding="utf-8"))
table = pd.read_parquet(os.path.join(root, "tables", m["subject_table"] + ".parquet"))
with open(os.path.join(os.environ["ARENA_OUTPUT"], "clues.csv"), "w", newline="") as f:
    w = csv.writer(f, lineterminator="\\n")
    w.writerow(["record_id", "reason", "score"])
    for key in table[m["record_id_column"]].astype(str).head({n}):
        w.writerow([key, "", ""])
"""


def write(path: Path, files: dict[str, str], **manifest) -> Path:
    path.mkdir(parents=True)
    lines = [f"{k} = {json.dumps(v, ensure_ascii=False)}" for k, v in manifest.items()]
    (path / "submission.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    for name, text in files.items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def generic_submissions(root: Path, points: list[str], n: int = N) -> dict[str, Path]:
    """python, sql and command submissions that flag the first ``n`` subject records."""
    common = dict(team="语言队", version="1.0", points=points)
    queries = {}
    for point in points:
        spec = get_point(point)
        queries[f"queries/{point}.sql"] = (
            f'SELECT CAST("{spec.record_id_column}" AS VARCHAR) AS record_id, \'\' AS reason\n'
            f'FROM "{spec.subject_table}" LIMIT {n}\n')
    return {
        "python": write(root / "py", {"model.py": PYTHON.format(n=n)}, name="first-py",
                        language="python", entrypoint="model.py", **common),
        "sql": write(root / "sql", queries, name="first-sql", language="sql", **common),
        "command": write(root / "cmd", {"detect.py": COMMAND.format(n=n)}, name="first-cmd",
                         language="command", command=["python3", "detect.py"], **common),
    }


@pytest.fixture(scope="module")
def scenarios(tmp_path_factory):
    root = tmp_path_factory.mktemp("lang-scenarios")
    return [generate_scenario(p, seed=7, size=30, difficulty="standard", out=root / p)
            for p in POINTS]


def test_three_languages_give_identical_outputs(tmp_path, scenarios):
    subs = {lang: load_submission(p) for lang, p in generic_submissions(tmp_path, POINTS).items()}
    for scenario in scenarios:
        runs = {lang: execute(RunTask(sub, ScenarioRef.of(scenario), Limits(wall_s=60)))
                for lang, sub in subs.items()}
        for lang, run in runs.items():
            assert run.status == "ok", (lang, run.message, run.stderr_tail)
            assert not run.unsafe
            assert len(run.predictions) == N
        hashes = {run.output_sha256 for run in runs.values()}
        assert len(hashes) == 1, {lang: r.output_sha256 for lang, r in runs.items()}
        expected = scenario.record_ids().to_pylist()[:N]
        assert list(runs["sql"].predictions["record_id"]) == [str(k) for k in expected]
        f1s = {run.metrics["f1"] for run in runs.values()}
        assert len(f1s) == 1
        # The certificate of each run names the same versions and sandbox settings.
        certs = {(r.generator_version, r.scorer_version, r.sandbox) for r in runs.values()}
        assert len(certs) == 1 and '"mode":"bubblewrap"' in next(iter(certs))[2]


def test_same_runtime_in_every_language(tmp_path, scenarios):
    """A command submission finds the harness's interpreter with pandas, duckdb, pyarrow and
    scikit-learn on PATH, like python and sql submissions do."""
    probe = """
    import json, os, sys, pandas, duckdb, pyarrow, numpy, sklearn
    sys.stderr.write("RUNTIME " + json.dumps([sys.version_info[:2], pandas.__version__,
                     duckdb.__version__, pyarrow.__version__]) + "\\n")
    open(os.path.join(os.environ["ARENA_OUTPUT"], "clues.csv"), "w").write("record_id\\n")
    """
    path = write(tmp_path / "probe", {"probe.py": probe}, team="t", name="probe", version="1",
                 points=[POINTS[0]], language="command", command=["python3", "probe.py"])
    run = execute(RunTask(load_submission(path), ScenarioRef.of(scenarios[0]), Limits()))
    assert run.status == "ok", run.stderr_tail
    import duckdb
    import pandas
    import pyarrow
    import sys

    line = next(x for x in run.stderr_tail.splitlines() if x.startswith("RUNTIME "))
    assert json.loads(line[len("RUNTIME "):]) == [list(sys.version_info[:2]), pandas.__version__,
                                                   duckdb.__version__, pyarrow.__version__]


def test_sql_reads_point_and_as_of_from_arena_context(make_submission, fake_scenario):
    """SQL has no context argument; the arena_context view gives what python models get."""
    from harness.sandbox import run_submission

    path = make_submission(
        {"queries/env_tax.sql": "SELECT point || '@' || CAST(as_of AS VARCHAR) AS record_id "
                                "FROM arena_context"},
        language="sql", entrypoint=None)
    result = run_submission(load_submission(path), fake_scenario, limits=Limits(wall_s=30))
    assert result.status.value == "ok", (result.message, result.stderr_tail)
    assert result.predictions["record_id"].tolist() == ["env_tax@2023-12-31"]
