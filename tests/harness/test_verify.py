"""`arena verify`: re-run a sample with the recorded certificate and compare outputs byte for
byte; a stored result that was not reproduced is reported (exit code 2)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from harness.certificate import SCORER_VERSION, verify_workspace
from harness.competition import load_competition
from harness.orchestrate import run_competition
from harness.store import Store
from harness.version import HARNESS_VERSION

pytestmark = pytest.mark.sandbox

ROOT = Path(__file__).resolve().parents[2]
ARENA = [sys.executable, "-m", "harness"]


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    root = tmp_path_factory.mktemp("verify")
    sub = root / "cmd"
    sub.mkdir()
    (sub / "submission.toml").write_text(textwrap.dedent("""
        team = "验证队"
        name = "first-two"
        version = "1"
        points = ["env_tax"]
        language = "command"
        command = ["python3", "run.py"]
    """), encoding="utf-8")
    (sub / "run.py").write_text(textwrap.dedent("""
        import json, os
        import pandas as pd
        m = json.load(open(os.path.join(os.environ["ARENA_INPUT"], "scenario.json")))
        t = pd.read_parquet(os.path.join(os.environ["ARENA_INPUT"], "tables",
                                         m["subject_table"] + ".parquet"))
        keys = t[m["record_id_column"]].head(2)
        with open(os.path.join(os.environ["ARENA_OUTPUT"], "clues.csv"), "w") as f:
            f.write("record_id,reason,score\\n" + "".join(f"{k},,0.5\\n" for k in keys))
    """), encoding="utf-8")
    competition = root / "c.toml"
    competition.write_text(textwrap.dedent(f"""
        name = "verify"
        points = ["env_tax"]
        submissions = [{json.dumps(str(sub))}, {json.dumps(str(ROOT / "submissions" /
                                                               "env_tax_baseline"))}]
        [limits]
        wall_s = 30
        [[suites]]
        split = "public"
        seeds = [1]
        sizes = [40]
        difficulties = ["easy"]
    """), encoding="utf-8")
    run_competition(load_competition(competition), root / "ws", workers=2)
    return root / "ws"


def test_every_run_carries_its_certificate(workspace):
    with Store.in_workspace(workspace) as store:
        rows = list(store.iter_runs(HARNESS_VERSION))
    assert len(rows) == 2
    for row in rows:
        sandbox = json.loads(row["sandbox"])
        assert sandbox["mode"] == "bubblewrap" and sandbox["limits"]["wall_s"] == 30
        assert row["scorer_version"] == SCORER_VERSION
        assert row["generator_version"] == row["scenario_generator_version"]
        assert len(row["submission_id"]) == 64 and row["output_sha256"] and row["started_at"]


def test_verify_reproduces_stored_outputs_byte_for_byte(workspace):
    results, population = verify_workspace(workspace, sample=10, workers=2)
    assert population == 2 and len(results) == 2
    assert all(r.identical and r.sha256 == r.stored_sha256 for r in results), results


def test_verify_reports_a_result_that_is_not_reproduced(workspace, tmp_path):
    import shutil

    copy = tmp_path / "ws"
    shutil.copytree(workspace, copy)
    with Store.in_workspace(copy) as store:
        store._db.execute("UPDATE runs SET output_sha256 = 'feedface' WHERE id = "
                          "(SELECT MIN(id) FROM runs)")
    result = subprocess.run([*ARENA, "verify", "--workspace", copy, "--sample", "2", "--json"],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 2, result.stderr
    report = json.loads(result.stdout)
    assert report["sampled"] == 2 and report["identical"] == 1
    (bad,) = [r for r in report["runs"] if not r["identical"]]
    assert bad["stored_sha256"] == "feedface" and bad["note"] == "clues.csv differs"
    ok = subprocess.run([*ARENA, "verify", "--workspace", workspace, "--sample", "1"],
                        capture_output=True, text=True, timeout=300)
    assert ok.returncode == 0 and "1 of 1 identical" in ok.stdout


def test_verify_without_a_store_is_one_line(tmp_path):
    result = subprocess.run([*ARENA, "verify", "--workspace", tmp_path],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    assert "arena.sqlite" in line and "arena run" in line
