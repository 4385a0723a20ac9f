"""The competition file: valid files load; every bad one gives one line naming file and field."""

from __future__ import annotations

import datetime as dt
import textwrap

import pytest

from harness.competition import load_competition
from harness.errors import ArenaError

VALID = """
name = "演示赛"
points = ["env_tax"]
as_of = "2023-12-31"

[limits]
wall_s = 30

[[suites]]
split = "public"
seeds = [1, 2]
sizes = [50]
difficulties = ["easy", "hard"]

[[suites]]
split = "private"
secret_env = "ARENA_TEST_SECRET"
count = 2
sizes = [50]
difficulties = ["standard"]
"""


def write(tmp_path, text):
    path = tmp_path / "competition.toml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_valid_file_expands_to_scenario_requests(tmp_path, monkeypatch):
    monkeypatch.setenv("ARENA_TEST_SECRET", "s3cret")
    competition = load_competition(write(tmp_path, VALID))
    assert competition.limits.wall_s == 30
    requests = competition.scenario_requests()
    public = [r for r in requests if r.split == "public"]
    private = [r for r in requests if r.split == "private"]
    assert len(public) == 4 and len(private) == 2
    assert {r.seed for r in public} == {1, 2}
    assert all(r.as_of == dt.date(2023, 12, 31) for r in requests)
    # Private seeds come from the secret: stable for one secret, different for another.
    again = [r.seed for r in load_competition(write(tmp_path, VALID)).scenario_requests()
             if r.split == "private"]
    assert again == [r.seed for r in private]
    monkeypatch.setenv("ARENA_TEST_SECRET", "other")
    other = [r.seed for r in load_competition(write(tmp_path, VALID)).scenario_requests()
             if r.split == "private"]
    assert other != again


def test_private_suite_without_secret_names_the_variable(tmp_path, monkeypatch):
    monkeypatch.delenv("ARENA_TEST_SECRET", raising=False)
    competition = load_competition(write(tmp_path, VALID))
    with pytest.raises(ArenaError, match="ARENA_TEST_SECRET is not set"):
        competition.scenario_requests()


BAD = [
    ("points = [", "TOML syntax error"),
    (VALID.replace('points = ["env_tax"]', 'points = ["env_taxx"]'),
     "field 'points[0]': Unknown point 'env_taxx'. Did you mean 'env_tax'?"),
    (VALID.replace('name = "演示赛"', ''), "field 'name': is missing"),
    (VALID.replace('points = ["env_tax"]', 'points = []'), "field 'points': is empty"),
    (VALID.replace('as_of = "2023-12-31"', 'as_of = "31.12.2023"'), "field 'as_of': is not a date"),
    (VALID.replace("wall_s = 30", "wall_s = -1"), "field 'limits.wall_s': must be a positive"),
    (VALID.replace("wall_s = 30", "wal_s = 3"), "field 'limits.wal_s': unknown key"),
    (VALID.replace('split = "public"', 'split = "open"'), "field 'suites[0].split'"),
    (VALID.replace('difficulties = ["easy", "hard"]', 'difficulties = ["hardd"]'),
     "Unknown difficulty 'hardd'. Did you mean 'hard'?"),
    (VALID.replace("seeds = [1, 2]", "seeds = [-1]"), "field 'suites[0].seeds'"),
    (VALID.replace("sizes = [50]\ndifficulties = [\"easy\"", "sizes = [0]\ndifficulties = [\"easy\""),
     "field 'suites[0].sizes'"),
    (VALID.replace('as_of = "2023-12-31"', 'as_of = "2023-12-31"\nsubmissions = ["nowhere"]'),
     "field 'submissions[0]': submission directory"),
    (VALID + '\nsubmissions = ["nowhere"]\n', "field 'suites[1].submissions': unknown key"),
    (VALID.replace('name = "演示赛"', 'name = "x"\nsuites_extra = 1'), "field 'suites_extra'"),
]


@pytest.mark.parametrize("text,expected", BAD)
def test_bad_competition_files(tmp_path, text, expected):
    path = write(tmp_path, text)
    with pytest.raises(ArenaError) as info:
        load_competition(path)
    message = str(info.value)
    assert expected in message
    assert str(path) in message
    assert "\n" not in message


PHASES = """
[[phases]]
name = "public"
start = "2024-03-01"
end = 2024-03-31
daily_quota = 5

[[phases]]
name = "final"
start = "2024-04-01"
end = "2024-04-01"
daily_quota = 1
board = "private"
"""


def test_phases_load_and_are_looked_up_by_name(tmp_path):
    competition = load_competition(write(tmp_path, VALID + PHASES))
    public, final = competition.phases
    assert (public.start, public.end, public.daily_quota, public.board) == \
        (dt.date(2024, 3, 1), dt.date(2024, 3, 31), 5, "public")
    assert final.board == "private" and final.is_open(dt.date(2024, 4, 1))
    assert not final.is_open(dt.date(2024, 4, 2))
    assert competition.phase("final") is final
    with pytest.raises(ArenaError, match="Unknown phase 'finale'. Did you mean 'final'?"):
        competition.phase("finale")
    without = load_competition(write(tmp_path, VALID))
    with pytest.raises(ArenaError, match="field 'phases': the competition has no phases"):
        without.phase("public")


def test_days_are_shanghai_days():
    from harness.competition import competition_day

    utc = dt.timezone.utc
    assert competition_day(dt.datetime(2024, 3, 5, 15, 59, tzinfo=utc)) == dt.date(2024, 3, 5)
    assert competition_day(dt.datetime(2024, 3, 5, 16, 0, tzinfo=utc)) == dt.date(2024, 3, 6)


def test_the_stored_text_loads_without_the_submission_directories(tmp_path, monkeypatch):
    from harness.competition import load_competition_text

    monkeypatch.setenv("ARENA_TEST_SECRET", "s3cret")
    text = (VALID.replace('as_of = "2023-12-31"', 'as_of = "2023-12-31"\nsubmissions = ["gone"]')
            + PHASES)
    competition = load_competition_text(text, path=tmp_path / "elsewhere.toml")
    assert competition.submissions == ((tmp_path / "gone").resolve(),)
    assert competition.source == text
    assert len(competition.phases) == 2
    ids = competition.scenario_ids()
    assert len(ids) == 6 and {split for _, _, split in ids} == {"public", "private"}


PHASE_BAD = [
    (PHASES.replace('name = "final"', 'name = "public"'), "field 'phases[1].name'"),
    (PHASES.replace("end = 2024-03-31", "end = 2024-02-01"), "field 'phases[0].end': is before"),
    (PHASES.replace("daily_quota = 5", "daily_quota = 0"), "field 'phases[0].daily_quota'"),
    (PHASES.replace("daily_quota = 5", 'daily_quota = "5"'), "field 'phases[0].daily_quota'"),
    (PHASES.replace('board = "private"', 'board = "secret"'), "field 'phases[1].board'"),
    (PHASES.replace('start = "2024-03-01"', 'start = "March 1"'), "field 'phases[0].start'"),
    (PHASES.replace("daily_quota = 1", "daily_quota = 1\nquota = 2"),
     "field 'phases[1].quota': unknown key — remove it (did you mean 'daily_quota'?)"),
    (PHASES.replace('name = "public"\n', ""), "field 'phases[0].name': is missing"),
]


@pytest.mark.parametrize("phases,expected", PHASE_BAD)
def test_bad_phases(tmp_path, phases, expected):
    path = write(tmp_path, VALID + phases)
    with pytest.raises(ArenaError) as info:
        load_competition(path)
    assert expected in str(info.value) and str(path) in str(info.value)


def test_missing_file(tmp_path):
    with pytest.raises(ArenaError, match="competition file not found"):
        load_competition(tmp_path / "nope.toml")


def test_a_suite_may_ask_for_held_out_templates(tmp_path, monkeypatch):
    monkeypatch.setenv("ARENA_TEST_SECRET", "s3cret")
    text = VALID.replace('points = ["env_tax"]', 'points = ["env_tax", "housing_clauses"]').replace(
        'difficulties = ["easy", "hard"]', 'difficulties = ["easy", "hard"]\ntemplates = "heldout"')
    competition = load_competition(write(tmp_path, text))
    public = [r for r in competition.scenario_requests() if r.split == "public"]
    # Only the point that has held-out phrasings uses them; the others keep their one set.
    assert {r.template_set for r in public if r.point == "housing_clauses"} == {"heldout"}
    assert {r.template_set for r in public if r.point == "env_tax"} == {"default"}
    bad = text.replace('templates = "heldout"', 'templates = "heldot"')
    with pytest.raises(ArenaError, match=r"suites\[0\].templates.*Did you mean 'heldout'"):
        load_competition(write(tmp_path, bad))
