"""The metamorphic helpers teams import (synthetic/metamorphic.py): they pass for the bundled
rule baselines and fail for order-dependent or noise-sensitive models."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import Phase

from harness.errors import ArenaError, SubmissionError
from synthetic.metamorphic import (
    assert_invariant_to_renoise, assert_invariant_to_row_shuffle, case_of, clues_of, load_detect,
    metamorphic_test, noise_supported, renoise, shuffle_rows)
from synthetic.difficulty import Difficulty
from synthetic.registry import GenerationRequest, available_points, get_point
from synthetic.scenario import DEFAULT_AS_OF, generate_scenario

SUBMISSIONS = Path(__file__).resolve().parents[2] / "submissions"
BASELINE_POINTS = [p for p in available_points() if (SUBMISSIONS / f"{p}_baseline").is_dir()]


def first_rows_detector(point, tables, context):
    """Order-dependent on purpose: flags whichever subjects come first."""
    spec = get_point(point)
    ids = tables[spec.subject_table][spec.record_id_column].head(5)
    return pd.DataFrame({"record_id": ids, "reason": ""})


@pytest.mark.parametrize("point", available_points())
def test_every_point_can_redraw_its_noise_and_the_hook_is_the_generator(point):
    assert noise_supported(point)
    request = GenerationRequest(seed=11, size=60, difficulty=Difficulty.HARD,
                                as_of=DEFAULT_AS_OF)
    generated = get_point(point).generate(request).tables
    same = renoise(point, seed=11, size=60, difficulty="hard", noise_seed=11)
    assert all(generated[name].equals(same[name]) for name in generated)
    other = renoise(point, seed=11, size=60, difficulty="hard", noise_seed=12)
    assert any(not generated[name].equals(other[name]) for name in generated)
    for table, column in get_point(point).subject_tables:  # subject keys are never noised
        assert sorted(other[table].column(column).to_pylist()) == \
            sorted(generated[table].column(column).to_pylist())


@pytest.mark.parametrize("point", BASELINE_POINTS)
@pytest.mark.parametrize("difficulty", ["standard", "hard"])
def test_the_rule_baselines_are_invariant(point, difficulty):
    baseline = SUBMISSIONS / f"{point}_baseline"
    clues = assert_invariant_to_row_shuffle(baseline, point, seed=5, size=150,
                                            difficulty=difficulty)
    assert len(clues) > 0
    again = assert_invariant_to_renoise(baseline, point, seed=5, size=150, difficulty=difficulty)
    assert again == clues


def test_an_order_dependent_model_fails_the_shuffle_check():
    with pytest.raises(AssertionError, match=r"rows were shuffled .*env_tax.*check seed=4.*"
                                             r"disappeared"):
        assert_invariant_to_row_shuffle(first_rows_detector, "env_tax", seed=4, size=80)


def test_a_noise_sensitive_model_fails_the_renoise_check_but_not_without_noise():
    exact_match = SUBMISSIONS / "env_tax_exact_match"
    with pytest.raises(AssertionError, match=r"noise was drawn again .*difficulty=hard"):
        assert_invariant_to_renoise(exact_match, "env_tax", seed=3, size=150, difficulty="hard")
    assert_invariant_to_renoise(exact_match, "env_tax", seed=3, size=150, difficulty="easy")


def test_shuffle_keeps_every_row():
    case = case_of("correction_detention", seed=2, size=40, difficulty="standard")
    shuffled = shuffle_rows(case.tables, seed=1)
    for name, table in case.tables.items():
        assert sorted(map(str, shuffled[name].to_pylist())) == sorted(map(str, table.to_pylist()))
    assert any(not shuffled[n].equals(case.tables[n]) for n in case.tables)


def test_a_scenario_directory_is_a_case(tmp_path):
    scenario = generate_scenario("env_tax", seed=4, size=30, difficulty="standard",
                                 out=tmp_path / "s")
    case = case_of(str(scenario.path))
    assert (case.point, case.seed, case.size, case.difficulty.value) == \
        ("env_tax", 4, 30, "standard")
    assert_invariant_to_renoise(SUBMISSIONS / "env_tax_baseline", scenario, seed=1, redraws=1)


def test_scores_must_stay_put_and_be_finite():
    before = clues_of(pd.DataFrame({"record_id": ["A", "A"], "reason": ["X", "X"],
                                    "score": [0.2, 0.9]}))
    assert before.scores[("A", "X")] == 0.9
    after = clues_of(pd.DataFrame({"record_id": [" A "], "reason": ["X"], "score": [0.5]}))
    assert after.pairs == before.pairs
    assert "score(s) changed" in before.differences(after)[0]
    assert before.differences(after, score_tolerance=None) == []
    with pytest.raises(AssertionError, match="non-finite score"):
        clues_of(pd.DataFrame({"record_id": ["A"], "score": [float("nan")]}))
    with pytest.raises(AssertionError, match="no record_id column"):
        clues_of(pd.DataFrame({"permit": ["A"]}))


def test_bad_inputs_say_what_to_pass(tmp_path):
    with pytest.raises(ArenaError, match="cannot use 42 as a scenario.*pass a point name"):
        case_of(42)
    (tmp_path / "submission.toml").write_text(
        'team = "t"\nname = "n"\nversion = "1"\npoints = ["env_tax"]\nlanguage = "command"\n'
        'command = ["/bin/true"]\n', encoding="utf-8")
    with pytest.raises(SubmissionError, match="cannot be called in-process"):
        load_detect(tmp_path)
    with pytest.raises(ArenaError, match="unknown checks"):
        metamorphic_test(first_rows_detector, point="env_tax", checks=("sort",))


def test_the_ready_made_hypothesis_test_passes_and_fails():
    passing = metamorphic_test(SUBMISSIONS / "env_tax_baseline", point="env_tax",
                               max_size=30, max_examples=3)
    assert passing.__name__ == "test_metamorphic_env_tax"
    passing()
    failing = metamorphic_test(first_rows_detector, point="env_tax", difficulty="easy",
                               min_size=20, max_size=30, checks=("shuffle",),
                               hypothesis_settings={"phases": [Phase.generate],
                                                    "max_examples": 3, "database": None})
    with pytest.raises(AssertionError, match="rows were shuffled"):
        failing()


SQL_POINTS = ["env_tax", "farmland_tax", "correction_detention"]


@pytest.mark.parametrize("point", SQL_POINTS)
def test_the_sql_example_is_invariant_in_process(point):
    """load_detect runs an SQL submission's query in DuckDB, with its manifest read as in the
    sandbox; the example's rules are order- and noise-proof too."""
    clues = assert_invariant_to_row_shuffle(SUBMISSIONS / "sql_rules", point, seed=8, size=150,
                                            difficulty="hard", shuffles=1)
    assert len(clues) > 0
    assert_invariant_to_renoise(SUBMISSIONS / "sql_rules", point, seed=8, size=150,
                                difficulty="hard", redraws=1)
