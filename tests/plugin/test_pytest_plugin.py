"""The ``arena`` pytest plugin (harness/pytest_plugin.py), driven through ``pytester``: a tiny
team project whose submission runs in the real sandbox."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

# In-process pytester runs restore sys.modules afterwards; import what the plugin loads lazily
# here once, so that numpy's extension modules are never imported twice.
import harness.execute  # noqa: F401
import harness.workspace  # noqa: F401
import synthetic.metamorphic  # noqa: F401
import synthetic.points  # noqa: F401
from harness.errors import ArenaError
from harness.pytest_plugin import DEFAULT_SEED, ArenaCase, load_regression

SUBMISSIONS = Path(__file__).resolve().parents[2] / "submissions"
SIZE = 120


def team_project(pytester: pytest.Pytester, source: str, regression: str = "",
                 tests: str = "") -> Path:
    """Copy a bundled submission into ``team/`` (with a pytest.ini, so it is the rootdir), add
    a [regression] table and a test file, as a team's repository would hold them."""
    root = pytester.path / "team"
    shutil.copytree(SUBMISSIONS / source, root, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("__pycache__"))
    if regression:
        manifest = root / "submission.toml"
        manifest.write_text(manifest.read_text(encoding="utf-8") + "\n" + regression,
                            encoding="utf-8")
    (root / "test_model.py").write_text(textwrap.dedent(tests), encoding="utf-8")
    (root / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    return root


@pytest.mark.slow
@pytest.mark.sandbox
def test_a_team_regression_tests_its_model_in_the_sandbox(pytester):
    team_project(pytester, "env_tax_baseline", regression=textwrap.dedent("""
        [regression]
        env_tax = { hard = 0.95, easy = { f1 = 1.0, reason_f1 = 1.0 } }
        """), tests=f"""
        from pathlib import Path

        from synthetic.metamorphic import assert_invariant_to_row_shuffle, load_detect

        def test_env_tax(arena_run):
            result = arena_run("env_tax", difficulty="hard", size={SIZE})
            assert result.status == "ok" and not result.unsafe
            assert result.f1 >= 0.95 and result.reason_f1 >= 0.95
            assert result.seed == {DEFAULT_SEED} and result.wall_s > 0

        def test_regression(arena_run, arena_case):
            arena_run(arena_case.point, difficulty=arena_case.difficulty, size={SIZE}).check()

        def test_invariant():
            assert_invariant_to_row_shuffle(load_detect(Path(__file__).parent), "env_tax", seed=1, size=60)
        """)
    # A fresh interpreter: the plugin must come from the installed pytest11 entry point.
    result = pytester.runpytest_subprocess("-v", "team")
    result.stdout.fnmatch_lines([f"arena: seed {DEFAULT_SEED} (replay with --arena-seed "
                                 f"{DEFAULT_SEED}), submission *, sandbox bubblewrap",
                                 "*test_regression?env_tax-hard? PASSED*",
                                 "*test_regression?env_tax-easy? PASSED*"])
    result.assert_outcomes(passed=4)


@pytest.mark.slow
@pytest.mark.sandbox
def test_failures_name_the_threshold_the_status_and_the_seed(pytester):
    team_project(pytester, "env_tax_exact_match", regression="[regression]\n"
                 "env_tax.hard = 0.99\n", tests=f"""
        def test_regression(arena_run, arena_case):
            arena_run(arena_case.point, difficulty=arena_case.difficulty, size={SIZE}).check()

        def test_explicit(arena_run):
            assert arena_run("env_tax", difficulty="hard", size={SIZE}).f1 >= 0.99
        """)
    crash = pytester.path / "crash"  # named by --arena-submission
    shutil.copytree(SUBMISSIONS / "broken_crash", crash)
    (crash / "test_crash.py").write_text(textwrap.dedent(f"""
        def test_crash(arena_run):
            arena_run("env_tax", size={SIZE}).check()
        """), encoding="utf-8")
    result = pytester.runpytest("--arena-seed", "11", "team")
    result.stdout.fnmatch_lines([
        "arena: seed 11 (replay with --arena-seed 11)*",
        "*env_tax hard (seed 11, size 120): f1 0.* < 0.99 required by [[]regression[]] "
        "env_tax.hard in */submission.toml*",
        "*where * = ArenaResult(env_tax hard seed=11 size=120: ok, f1=0.*"])
    result.assert_outcomes(failed=2)
    result = pytester.runpytest("--arena-submission", str(crash), str(crash / "test_crash.py"))
    result.stdout.fnmatch_lines(["*env_tax standard (seed 7, size 120): the run ended crashed: "
                                 "the submission exited with code 1: KeyError*"])
    result.assert_outcomes(failed=1)


def test_without_a_submission_the_error_says_how_to_name_one(pytester):
    pytester.makepyfile(test_x="def test_x(arena_run):\n    arena_run('env_tax')\n")
    result = pytester.runpytest()
    result.stdout.fnmatch_lines(["*arena: seed 7 * submission not set, sandbox bubblewrap",
                                 "*arena: no submission to run: pass --arena-submission PATH*"])
    result.assert_outcomes(errors=1)


def test_a_bad_regression_table_is_one_collection_error(pytester):
    team_project(pytester, "env_tax_baseline", regression="[regression]\nenv_tax.hardest = 0.9\n",
                 tests="def test_r(arena_case):\n    pass\n")
    result = pytester.runpytest("team")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["arena: *submission.toml: field 'regression.env_tax.hardest': "
                                 "Unknown difficulty 'hardest'*hard*"])
    result.stdout.no_fnmatch_line("*Traceback*")


def test_the_seed_can_come_from_the_ini_file_and_is_checked(pytester):
    pytester.makeini("[pytest]\narena_seed = 23\n")
    pytester.makepyfile(test_x="def test_x(arena_seed):\n    assert arena_seed == 23\n")
    result = pytester.runpytest()
    result.stdout.fnmatch_lines(["arena: seed 23 (replay with --arena-seed 23)*"])
    result.assert_outcomes(passed=1)
    pytester.makeini("[pytest]\narena_seed = seven\n")
    result = pytester.runpytest()
    result.stderr.fnmatch_lines(["*field 'arena_seed' must be a non-negative integer; "
                                 "got 'seven'*"])


BAD_TABLES = [
    ('[regression]\nenv_tax.hardest = 0.9', "regression.env_tax.hardest", "Did you mean 'hard'"),
    ('[regression]\nenv_tax.hard = 1.5', "regression.env_tax.hard", "between 0 and 1"),
    ('[regression]\nenv_tax.hard = "0.9"', "regression.env_tax.hard", "between 0 and 1"),
    ('[regression]\nenv_tax = 0.9', "regression.env_tax", "table of difficulties"),
    ('[regression]\nfarmland_tax.hard = 0.9', "regression.farmland_tax", "env_tax"),
    ('[regression]\nenv_tax.hard = { f2 = 0.9 }', "regression.env_tax.hard.f2",
     "Unknown metric 'f2'"),
    ('[regression]\nenv_tax.hard = { recall = true }', "regression.env_tax.hard.recall",
     "between 0 and 1"),
]


@pytest.mark.parametrize("table, field, message", BAD_TABLES)
def test_regression_table_errors_name_the_field(tmp_path, table, field, message):
    shutil.copytree(SUBMISSIONS / "env_tax_baseline", tmp_path / "s")
    manifest = tmp_path / "s" / "submission.toml"
    manifest.write_text(manifest.read_text(encoding="utf-8") + "\n" + table + "\n",
                        encoding="utf-8")
    with pytest.raises(ArenaError) as caught:
        load_regression(tmp_path / "s")
    text = str(caught.value)
    assert len(text.splitlines()) == 1
    assert f"{manifest}: field '{field}'" in text and message in text


def test_regression_table_forms(tmp_path):
    shutil.copytree(SUBMISSIONS / "env_tax_baseline", tmp_path / "s")
    manifest = tmp_path / "s" / "submission.toml"
    assert load_regression(tmp_path / "s") == []
    manifest.write_text(manifest.read_text(encoding="utf-8") + "\n[regression]\n"
                        "env_tax = { hard = 0.95, easy = { f1 = 1, recall = 0.5 } }\n",
                        encoding="utf-8")
    assert load_regression(tmp_path / "s") == [
        ArenaCase("env_tax", "hard", {"f1": 0.95}),
        ArenaCase("env_tax", "easy", {"f1": 1.0, "recall": 0.5})]
