"""`arena submit`: content-hashed, read-only copies; phases and daily quotas on an injectable
clock; zip files checked for traversal, links and size bombs; refused submissions use no quota."""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

from harness.competition import load_competition
from harness.errors import ArenaError, SubmissionError, UnknownNameError
from harness.intake import MAX_BYTES, QuotaExceeded, submit
from harness.store import Store
from harness.submission import content_hash

ARENA = [sys.executable, "-m", "harness"]
SHANGHAI = dt.timezone(dt.timedelta(hours=8))

COMPETITION = """
name = "收件测试"
points = ["env_tax"]

[[suites]]
split = "public"
seeds = [1]
sizes = [20]
difficulties = ["easy"]

[[phases]]
name = "public"
start = "2024-03-01"
end = "2024-03-31"
daily_quota = 2

[[phases]]
name = "final"
start = 2024-04-01
end = 2024-04-03
daily_quota = 1
board = "private"
"""


def at(day: str, hour: int = 12) -> dt.datetime:
    """A moment on ``day`` at ``hour`` o'clock in Asia/Shanghai."""
    return dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=SHANGHAI)


@pytest.fixture
def competition(tmp_path):
    path = tmp_path / "competition.toml"
    path.write_text(textwrap.dedent(COMPETITION), encoding="utf-8")
    return load_competition(path)


def make(root: Path, *, team: str = "一队", body: str = "# v1\n", **manifest) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    fields = {"team": team, "name": "m", "version": "1", "points": ["env_tax"],
              "language": "python", "entrypoint": "model.py", **manifest}
    (root / "submission.toml").write_text(
        "\n".join(f"{k} = {json.dumps(v, ensure_ascii=False)}" for k, v in fields.items()
                  if v is not None) + "\n",
        encoding="utf-8")
    (root / "model.py").write_text("def detect(point, tables, context):\n    pass\n" + body,
                                   encoding="utf-8")
    return root


def test_directory_is_copied_read_only_under_its_content_hash(tmp_path, competition):
    source = make(tmp_path / "src")
    (source / "__pycache__").mkdir()
    (source / "__pycache__" / "x.pyc").write_bytes(b"cache")
    result = submit(source, tmp_path / "ws", phase="public", competition=competition,
                    now=at("2024-03-05"))
    kept = result.submission
    assert kept.content_hash == content_hash(source)
    assert kept.path == (tmp_path / "ws" / "submissions" / kept.content_hash).resolve()
    assert not (kept.path / "__pycache__").exists()
    for path in [kept.path, *kept.path.rglob("*")]:
        assert not stat.S_IMODE(path.stat().st_mode) & 0o222, path
    assert (result.used, result.quota, result.board, result.duplicate) == (1, 2, "public", False)
    with Store.in_workspace(tmp_path / "ws") as store:
        (row,) = store.intake_rows()
    assert (row["team"], row["phase"], row["day"]) == ("一队", "public", "2024-03-05")
    # Changing the source later changes nothing in the workspace.
    (source / "model.py").write_text("changed", encoding="utf-8")
    assert content_hash(kept.path) == kept.content_hash


def test_daily_quota_per_team_and_phase_on_shanghai_days(tmp_path, competition):
    ws = tmp_path / "ws"

    def go(n: int, when: dt.datetime, team: str = "一队", phase: str = "public"):
        return submit(make(tmp_path / f"v{n}-{team}", team=team, body=f"# {n}\n"), ws,
                      phase=phase, competition=competition, now=when)

    assert go(1, at("2024-03-05", 9)).used == 1
    assert go(2, at("2024-03-05", 23)).used == 2
    with pytest.raises(QuotaExceeded, match="used its 2 submissions of 2024-03-05"):
        go(3, at("2024-03-05", 23))
    # 2024-03-05 16:30 UTC is already 2024-03-06 00:30 in Shanghai: a new day.
    utc = dt.datetime(2024, 3, 5, 16, 30, tzinfo=dt.timezone.utc)
    assert go(3, utc).day == dt.date(2024, 3, 6)
    assert go(4, at("2024-03-05"), team="二队").used == 1  # another team has its own quota
    # The same content again in the same phase: reported, no quota used.
    again = submit(tmp_path / "v1-一队", ws, phase="public", competition=competition,
                   now=at("2024-03-06"))
    assert again.duplicate and again.day == dt.date(2024, 3, 5)
    assert go(5, at("2024-03-06")).used == 2
    # Another phase has its own window and quota.
    assert go(6, at("2024-04-02"), phase="final").board == "private"
    with pytest.raises(QuotaExceeded, match="used its 1 submission of"):
        go(7, at("2024-04-02"), phase="final")
    with Store.in_workspace(ws) as store:
        assert len(store.intake_rows()) == 6


def test_refused_submissions_use_no_quota(tmp_path, competition):
    ws = tmp_path / "ws"
    bad = make(tmp_path / "bad", language="pyhton")
    with pytest.raises(UnknownNameError, match="Did you mean 'python'"):
        submit(bad, ws, phase="final", competition=competition, now=at("2024-04-01"))
    off_point = make(tmp_path / "off", points=["farmland_tax"])
    with pytest.raises(SubmissionError, match="none of the competition's points"):
        submit(off_point, ws, phase="final", competition=competition, now=at("2024-04-01"))
    assert submit(make(tmp_path / "good"), ws, phase="final", competition=competition,
                  now=at("2024-04-01")).used == 1
    assert [p.name for p in (ws / "submissions").iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize("phase,when,message", [
    ("publc", "2024-03-05", "Unknown phase 'publc'. Did you mean 'public'?"),
    ("public", "2024-02-29", "phase 'public' is open from 2024-03-01 to 2024-03-31"),
    ("public", "2024-04-01", "phases open today: final"),
    ("final", "2024-04-04", "no phase is open today"),
])
def test_phase_must_exist_and_be_open(tmp_path, competition, phase, when, message):
    with pytest.raises(ArenaError) as info:
        submit(make(tmp_path / "s"), tmp_path / "ws", phase=phase, competition=competition,
               now=at(when))
    assert message in str(info.value) and str(competition.path) in str(info.value)
    assert not (tmp_path / "ws" / "arena.sqlite").exists()


# --- zip files ------------------------------------------------------------------------------

def zip_of(path: Path, members: dict[str, bytes], *, links: dict[str, str] = {}) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFREG | 0o755) << 16 if name.endswith("run") else \
                (stat.S_IFREG | 0o644) << 16
            archive.writestr(info, data)
        for name, target in links.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, target)
    return path


def test_zip_with_a_top_directory_keeps_modes_and_hashes_like_the_directory(tmp_path,
                                                                            competition):
    source = make(tmp_path / "src", language="command", entrypoint=None, command=["./run"])
    (source / "run").write_text("#!/bin/sh\necho record_id > $ARENA_OUTPUT/clues.csv\n")
    os.chmod(source / "run", 0o755)
    members = {f"my-model/{p.name}": p.read_bytes() for p in source.iterdir()}
    result = submit(zip_of(tmp_path / "s.zip", members), tmp_path / "ws", phase="public",
                    competition=competition, now=at("2024-03-02"))
    assert result.submission.content_hash == content_hash(source)
    assert os.stat(result.submission.path / "run").st_mode & 0o111


BOMB = MAX_BYTES + (1 << 20)


@pytest.mark.parametrize("members,links,message", [
    ({"../evil.py": b"x"}, {}, "unsafe path '../evil.py'"),
    ({"/etc/evil.py": b"x"}, {}, "unsafe path '/etc/evil.py'"),
    ({"a\\..\\evil.py": b"x"}, {}, "unsafe path"),
    ({"C:/evil.py": b"x"}, {}, "unsafe path"),
    ({"sub/./x.py": b"x"}, {}, "unsafe path"),
    ({}, {"data.txt": "/etc/passwd"}, "holds the link 'data.txt'"),
    ({"big.bin": None}, {}, f"is larger than {MAX_BYTES >> 20} MiB"),
])
def test_unsafe_zip_files_are_refused(tmp_path, competition, members, links, message):
    base = make(tmp_path / "base")
    files = {p.name: p.read_bytes() for p in base.iterdir()}
    archive = tmp_path / "bad.zip"
    if members.get("big.bin", b"") is None:  # a size bomb: 65 MiB of zeros, ~65 KiB zipped
        zip_of(archive, files)
        with zipfile.ZipFile(archive, "a", zipfile.ZIP_DEFLATED) as handle, \
                handle.open("big.bin", "w", force_zip64=True) as out:
            block = bytes(1 << 20)
            for _ in range(BOMB >> 20):
                out.write(block)
        assert archive.stat().st_size < 1 << 20
    else:
        zip_of(archive, {**files, **members}, links=links)
    with pytest.raises(SubmissionError) as info:
        submit(archive, tmp_path / "ws", phase="public", competition=competition,
               now=at("2024-03-02"))
    assert message in str(info.value) and str(archive) in str(info.value)
    inbox = tmp_path / "ws" / "submissions"
    assert not inbox.exists() or list(inbox.iterdir()) == []  # nothing kept, no partial left
    assert not (tmp_path / "etc").exists() and not (tmp_path / "evil.py").exists()


def test_special_files_in_a_directory_are_refused_before_reading(tmp_path, competition):
    source = make(tmp_path / "src")
    os.mkfifo(source / "pipe")
    with pytest.raises(SubmissionError, match="not a regular file"):
        submit(source, tmp_path / "ws", phase="public", competition=competition,
               now=at("2024-03-02"))


# --- the command line -----------------------------------------------------------------------

def arena(*args) -> subprocess.CompletedProcess:
    return subprocess.run([*ARENA, *map(str, args)], capture_output=True, text=True, timeout=120)


def test_cli_submit_needs_a_competition_and_names_the_fix(tmp_path):
    source = make(tmp_path / "s")
    result = arena("submit", source, "--workspace", tmp_path / "ws", "--phase", "public")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert "the workspace has no competition yet" in line and "--competition" in line


def test_cli_submit_with_an_unknown_phase_is_one_line(tmp_path, competition):
    source = make(tmp_path / "s")
    result = arena("submit", source, "--workspace", tmp_path / "ws", "--phase", "fina",
                   "--competition", competition.path)
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    assert "Unknown phase 'fina'. Did you mean 'final'?" in line


@pytest.mark.sandbox
def test_arena_run_runs_the_submissions_taken_in(tmp_path):
    today = dt.datetime.now(SHANGHAI).date()
    competition = tmp_path / "c.toml"
    competition.write_text(textwrap.dedent(COMPETITION).replace(
        'start = "2024-03-01"\nend = "2024-03-31"',
        f'start = "{today - dt.timedelta(days=1)}"\nend = "{today + dt.timedelta(days=1)}"'),
        encoding="utf-8")
    source = make(tmp_path / "cmd", language="command", entrypoint=None,
                  command=["/bin/sh", "-c", "echo record_id > $ARENA_OUTPUT/clues.csv"])
    ws = tmp_path / "ws"
    first = arena("submit", source, "--workspace", ws, "--phase", "public",
                  "--competition", competition)
    assert first.returncode == 0 and "1 of 2 today" in first.stdout, first.stderr
    run = arena("run", competition, "--workspace", ws, "--workers", "1")
    assert run.returncode == 0, run.stderr
    assert "1 runs done (1 ok)" in run.stdout and "1 submissions" in run.stdout
    # Without --competition, `arena submit` now uses the one `arena run` stored.
    again = arena("submit", make(tmp_path / "v2", body="# 2\n"), "--workspace", ws, "--phase",
                  "public")
    assert again.returncode == 0 and "2 of 2 today" in again.stdout, again.stderr
    status = json.loads(arena("status", "--workspace", ws, "--json").stdout)
    assert sorted((s["done"], s["expected"]) for s in status["submissions"]) == [(0, 1), (1, 1)]
