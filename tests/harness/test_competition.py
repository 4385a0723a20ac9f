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


def test_missing_file(tmp_path):
    with pytest.raises(ArenaError, match="competition file not found"):
        load_competition(tmp_path / "nope.toml")
