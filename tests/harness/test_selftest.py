"""``arena selftest``: the scorer's self-check on generated scenarios (real generator, parser and
scorer; no sandbox)."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from harness.selftest import (DEFAULT_SEED, DEFAULT_SIZE, SelftestCheck, _check_scenario,
                              random_tolerance, run_selftest)
from synthetic.registry import get_point

ARENA = [sys.executable, "-m", "harness"]


def arena(*args) -> subprocess.CompletedProcess:
    return subprocess.run([*ARENA, *map(str, args)], capture_output=True, text=True,
                          timeout=300)


def test_env_tax_passes_every_difficulty():
    checks = run_selftest(["env_tax"], size=1500, seed=3)
    assert [c.difficulty for c in checks] == ["easy", "standard", "hard"]
    for check in checks:
        assert check.ok, check.failures()
        assert (check.oracle_f1, check.oracle_reason_f1, check.empty_f1) == (1.0, 1.0, 0.0)
        assert check.clues == round(check.clue_share * 1500)
        assert abs(check.random_f1 - check.clue_share) <= check.tolerance
    # the documented clue shares of the difficulties (CONTRACT 1)
    assert [round(c.clue_share, 2) for c in checks] == [0.2, 0.1, 0.05]


def test_wrong_labels_fail_the_oracle_and_random_checks(tmp_path):
    """The self-check is not vacuous: a scorer fed other labels than the oracle's is caught."""
    spec = get_point("env_tax")
    subjects = [f"S{i:04d}" for i in range(2000)]
    labels = pd.DataFrame({"record_id": subjects[:400], "reason": "ENV_UNDECLARED"})
    good = _check_scenario(spec, "easy", 2000, 1, subjects, labels, tmp_path / "good")
    assert good.ok, good.failures()
    # labels whose ids are not subjects at all: a random submission cannot find them
    ghost = pd.DataFrame({"record_id": [f"G{i}" for i in range(400)], "reason": "ENV_X"})
    bad = _check_scenario(spec, "easy", 2000, 1, subjects, ghost, tmp_path / "bad")
    assert bad.oracle_ok and not bad.random_ok and not bad.ok
    assert "random submission F1 0.0000, expected 0.2000" in bad.failures()[0]


def test_failures_name_the_point_and_difficulty():
    check = SelftestCheck(point="env_tax", difficulty="hard", size=10, clues=2, clue_share=0.2,
                          oracle_f1=1.0, oracle_reason_f1=0.5, empty_f1=1.0, random_f1=1.0,
                          tolerance=0.0)
    assert check.failures() == [
        "env_tax/hard: the scenario has 2 clue(s), fewer than the 30 the random check needs "
        "(use a larger --size)",
        "env_tax/hard: label oracle F1 1.0000 / reason F1 0.5000, expected 1.0",
        "env_tax/hard: empty submission F1 1.0000, expected 0"]


def test_random_tolerance_shrinks_with_more_clues():
    assert random_tolerance(0.1, 0) == 0.0
    assert random_tolerance(0.1, 100) > random_tolerance(0.1, 1000) > 0


def test_cli_runs_and_prints_a_table():
    result = arena("selftest", "--points", "env_tax", "--size", 800)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "the sandbox is not involved" in lines[0]
    assert [line.split()[:2] for line in lines[2:5]] == [
        ["env_tax", "easy"], ["env_tax", "standard"], ["env_tax", "hard"]]
    assert all(line.endswith("ok") for line in lines[2:5])
    assert lines[-1] == "all 3 checks passed"


def test_cli_defaults_match_the_core():
    result = arena("selftest", "--help")
    assert f"[default: {DEFAULT_SEED}]" in result.stdout
    assert f"[default: {DEFAULT_SIZE}]" in result.stdout.replace("_", "")


@pytest.mark.parametrize("args, fragments", [
    (["--points", "env_taxx"], ["--points", "Did you mean 'env_tax'?"]),
    (["--points", "env_tax", "--size", "0"], ["--size", "positive"]),
    (["--points", "env_tax", "--competition", "c.toml"], ["--points", "not both"]),
])
def test_cli_bad_input_is_one_line(args, fragments):
    result = arena("selftest", *args)
    assert result.returncode == 1, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert all(fragment in lines[0] for fragment in fragments), lines[0]


def test_cli_exits_1_with_one_line_when_a_check_fails():
    # 20 subjects: too few clues for a meaningful random check, which the self-check refuses.
    result = arena("selftest", "--points", "env_tax", "--size", "20")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("arena: error: selftest failed: env_tax/")
