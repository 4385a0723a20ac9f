"""The `arena` command line as a user meets it: real processes, real sandbox, exit codes and
one-line messages (CONTRACT 8)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARENA = [sys.executable, "-m", "harness"]
BASELINE = ROOT / "submissions" / "env_tax_baseline"
WEAK = ROOT / "submissions" / "env_tax_exact_match"


def arena(*args, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([*ARENA, *map(str, args)], capture_output=True, text=True, cwd=cwd,
                          timeout=300)


def assert_one_line_error(result, *fragments):
    assert result.returncode == 1, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


@pytest.fixture(scope="module")
def scenarios(tmp_path_factory):
    root = tmp_path_factory.mktemp("scenarios")
    out = {}
    for difficulty in ("easy", "standard", "hard"):
        target = root / difficulty
        result = arena("generate", "env_tax", "--seed", 3, "--size", 120, "--difficulty",
                       difficulty, "--out", target)
        assert result.returncode == 0, result.stderr
        out[difficulty] = target
    return out


# --- arena generate ---------------------------------------------------------------------------

def test_generate_writes_the_layout(scenarios):
    scenario = scenarios["easy"]
    manifest = json.loads((scenario / "scenario.json").read_text(encoding="utf-8"))
    assert manifest["point"] == "env_tax" and manifest["size"] == 120
    assert (scenario / "labels" / "labels.parquet").is_file()
    assert {p.stem for p in (scenario / "tables").glob("*.parquet")} == set(manifest["tables"])


@pytest.mark.parametrize("args,fragments", [
    (["generate", "env_taxx", "--seed", 1, "--size", 10, "--difficulty", "easy", "--out", "x"],
     ["Unknown point 'env_taxx'", "Did you mean 'env_tax'?"]),
    (["generate", "env_tax", "--seed", 1, "--size", 10, "--difficulty", "hardd", "--out", "x"],
     ["--difficulty", "Did you mean 'hard'?"]),
    (["generate", "env_tax", "--size", 10, "--difficulty", "easy", "--out", "x"],
     ["--seed", "arena generate --help"]),
    (["generate", "env_tax", "--seed", 1, "--size", 0, "--difficulty", "easy", "--out", "x"],
     ["--size"]),
    (["generate", "env_tax", "--seed", 1, "--size", 10, "--difficulty", "easy", "--as-of",
      "2023-13-01", "--out", "x"], ["--as-of", "YYYY-MM-DD"]),
])
def test_generate_bad_input(tmp_path, args, fragments):
    assert_one_line_error(arena(*args, cwd=tmp_path), *fragments)


def test_generate_refuses_a_non_empty_directory(tmp_path):
    (tmp_path / "keep.txt").write_text("mine")
    result = arena("generate", "env_tax", "--seed", 1, "--size", 10, "--difficulty", "easy",
                   "--out", tmp_path)
    assert_one_line_error(result, str(tmp_path), "not empty")
    assert (tmp_path / "keep.txt").read_text() == "mine"


# --- arena check ------------------------------------------------------------------------------

@pytest.mark.sandbox
def test_check_baseline_scores_one_on_every_difficulty(scenarios):
    result = arena("check", BASELINE, *[a for d in scenarios.values() for a in ("--scenario", d)],
                   "--json")
    assert result.returncode == 0, result.stderr
    runs = json.loads(result.stdout)["runs"]
    assert [r["status"] for r in runs] == ["ok"] * 3
    for run in runs:
        assert set(run) >= {"point", "scenario", "status", "precision", "recall", "f1",
                            "reason_f1", "wall_s", "stderr_tail"}
        assert run["f1"] == 1.0 and run["reason_f1"] == 1.0


@pytest.mark.sandbox
def test_check_prints_a_table_for_people(scenarios):
    result = arena("check", WEAK, "--scenario", scenarios["hard"])
    assert result.returncode == 0, result.stderr
    assert "env_tax" in result.stdout and "ok" in result.stdout


@pytest.mark.sandbox
def test_check_reports_every_problem_of_the_output(tmp_path, scenarios):
    sub = tmp_path / "sloppy"
    sub.mkdir()
    (sub / "submission.toml").write_text(
        'team = "t"\nname = "sloppy"\nversion = "1"\npoints = ["env_tax"]\n'
        'language = "command"\ncommand = ["/bin/sh", "run.sh"]\n', encoding="utf-8")
    (sub / "run.sh").write_text(
        'printf "record_id,reason,score\\nNOT-A-PERMIT,,\\nNOT-A-PERMIT,,\\n'
        'NOT-A-PERMIT,ENV_MADE_UP,\\n" > "$ARENA_OUTPUT/clues.csv"\n', encoding="utf-8")
    result = arena("check", sub, "--scenario", scenarios["easy"], "--scenario",
                   scenarios["hard"], "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    for run in report["runs"]:
        assert run["status"] == "ok" and run["f1"] == 0.0
        problems = " | ".join(run["problems"])
        assert "duplicate" in problems and "NOT-A-PERMIT" in problems
        assert "unknown reason code" in problems and "ENV_MADE_UP" in problems
    assert report["points"]["env_tax"]["runs"] == 2 and report["points"]["env_tax"]["f1"] == 0.0
    table = arena("check", sub, "--scenario", scenarios["easy"], "--scenario", scenarios["hard"])
    assert "per point" in table.stdout and "ENV_MADE_UP" in table.stdout


def test_check_missing_scenario_directory(tmp_path):
    missing = tmp_path / "nowhere"
    assert_one_line_error(arena("check", BASELINE, "--scenario", missing), str(missing),
                          "does not exist", "arena generate")


def test_check_malformed_manifest(tmp_path, scenarios):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "submission.toml").write_text('team = "t"\nname = "n"\nversion = "1"\n'
                                         'points = ["env_tax"]\nlanguage = "pyhton"\n',
                                         encoding="utf-8")
    result = arena("check", bad, "--scenario", scenarios["easy"])
    assert_one_line_error(result, str(bad / "submission.toml"), "language", "python")


@pytest.mark.sandbox
def test_check_submission_that_writes_nothing(tmp_path, scenarios):
    sub = tmp_path / "silent"
    sub.mkdir()
    (sub / "submission.toml").write_text(
        'team = "t"\nname = "silent"\nversion = "1"\npoints = ["env_tax"]\n'
        'language = "command"\ncommand = ["/bin/true"]\n', encoding="utf-8")
    result = arena("check", sub, "--scenario", scenarios["easy"], "--json")
    assert result.returncode == 0, result.stderr
    run = json.loads(result.stdout)["runs"][0]
    assert run["status"] == "invalid_output" and run["f1"] is None


# --- arena run / leaderboard ------------------------------------------------------------------

COMPETITION = """
name = "测试赛 CLI test"
points = ["env_tax"]
submissions = [{baseline}, {weak}]

[[suites]]
split = "public"
seeds = [5]
sizes = [80]
difficulties = ["easy", "hard"]
"""


@pytest.mark.sandbox
def test_run_then_leaderboard_then_resume(tmp_path):
    competition = tmp_path / "competition.toml"
    competition.write_text(COMPETITION.format(baseline=json.dumps(str(BASELINE)),
                                              weak=json.dumps(str(WEAK))), encoding="utf-8")
    workspace = tmp_path / "ws"
    first = arena("run", competition, "--workspace", workspace, "--workers", 2)
    assert first.returncode == 0, first.stderr
    assert "4 runs done (4 ok)" in first.stdout
    again = arena("run", competition, "--workspace", workspace, "--workers", 1)
    assert again.returncode == 0 and "0 runs done" in again.stdout and "4 already" in again.stdout
    status = arena("status", "--workspace", workspace)
    assert status.returncode == 0, status.stderr
    lines = [line for line in status.stdout.splitlines() if "env-tax-" in line]
    assert len(lines) == 2 and all("2/2" in line and "2 ok" in line for line in lines)
    assert any("1.0000" in line for line in lines if "baseline" in line)
    report = json.loads(arena("status", "--workspace", workspace, "--json").stdout)
    assert sorted((s["done"], s["expected"]) for s in report["submissions"]) == [(2, 2), (2, 2)]
    board = arena("leaderboard", "--workspace", workspace, "--out", tmp_path / "pages")
    assert board.returncode == 0, board.stderr
    page = Path(board.stdout.strip())
    html = page.read_text(encoding="utf-8")
    assert "env-tax-rules-baseline" in html and "env-tax-exact-match" in html


def test_leaderboard_without_a_store(tmp_path):
    assert_one_line_error(arena("leaderboard", "--workspace", tmp_path, "--out", tmp_path / "o"),
                          "arena.sqlite", "arena run")


def test_status_without_a_store(tmp_path):
    assert_one_line_error(arena("status", "--workspace", tmp_path), "arena.sqlite", "arena run")


def test_run_refuses_a_workspace_in_use(tmp_path):
    import fcntl

    competition = tmp_path / "competition.toml"
    competition.write_text(COMPETITION.format(baseline=json.dumps(str(BASELINE)),
                                              weak=json.dumps(str(WEAK))), encoding="utf-8")
    workspace = tmp_path / "ws"
    workspace.mkdir()
    with open(workspace / ".arena-run.lock", "w") as lock:
        lock.write("4242")
        lock.flush()
        fcntl.flock(lock, fcntl.LOCK_EX)
        result = arena("run", competition, "--workspace", workspace, "--unsafe-local")
    assert_one_line_error(result, "another `arena run` (pid 4242)", "--workspace")


def test_run_with_a_bad_competition_file(tmp_path):
    competition = tmp_path / "c.toml"
    competition.write_text('name = "x"\npoints = ["env_tx"]\n', encoding="utf-8")
    assert_one_line_error(arena("run", competition, "--workspace", tmp_path / "w"),
                          str(competition), "points[0]", "Did you mean 'env_tax'?")


def test_generate_held_out_templates_get_their_own_scenario_id(tmp_path):
    """The held-out phrasings render the same facts as another scenario (own id, same labels)."""
    common = ["generate", "housing_clauses", "--seed", 2, "--size", 40, "--difficulty", "hard"]
    assert arena(*common, "--out", tmp_path / "d").returncode == 0
    held = arena(*common, "--templates", "heldout", "--out", tmp_path / "h")
    assert held.returncode == 0, held.stderr
    default = json.loads((tmp_path / "d" / "scenario.json").read_text(encoding="utf-8"))
    heldout = json.loads((tmp_path / "h" / "scenario.json").read_text(encoding="utf-8"))
    assert heldout["template_set"] == "heldout" and default["template_set"] == "default"
    assert heldout["id"] != default["id"]
    assert ((tmp_path / "d" / "labels" / "labels.parquet").read_bytes()
            == (tmp_path / "h" / "labels" / "labels.parquet").read_bytes())
    assert_one_line_error(arena(*common, "--templates", "heldot", "--out", tmp_path / "x"),
                          "--templates", "Did you mean 'heldout'?")
