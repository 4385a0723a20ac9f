"""The SQLite store: one row per (submission, scenario, harness version), atomic with scores."""

from __future__ import annotations

import sqlite3

import pytest

from harness.errors import StoreError
from harness.store import Store, StoredRun


def stored(**overrides):
    values = dict(submission_id="sub", scenario_id="scn", harness_version="1", status="ok",
                  message="", wall_s=1.0, cpu_s=0.5, peak_memory_mb=100.0, stderr_tail="",
                  output_sha256="ab", unsafe=False,
                  metrics=dict(precision=1.0, recall=0.5, f1=2 / 3, reason_precision=1.0,
                               reason_recall=0.5, reason_f1=2 / 3, average_precision=None,
                               tp=1, fp=0, fn=1, problems=["1 duplicate row merged"]))
    values.update(overrides)
    return StoredRun(**values)


def seed_store(store):
    db = store._db
    db.execute("INSERT INTO submissions(id, team, name, version, language, points, baseline, path)"
               " VALUES ('sub', 't', 'n', '1', 'python', '[\"env_tax\"]', 0, '/x')")
    db.execute("INSERT INTO scenarios(id, point, generator_version, seed, size, difficulty, as_of,"
               " split, path) VALUES ('scn', 'env_tax', 'env_tax/1', 1, 10, 'easy',"
               " '2023-12-31', 'public', '/y')")


def test_a_run_is_stored_once_with_its_scores(tmp_path):
    with Store(tmp_path / "a.sqlite") as store:
        seed_store(store)
        assert not store.has_run("sub", "scn", "1")
        assert store.record_run(stored())
        assert store.has_run("sub", "scn", "1")
        assert not store.record_run(stored(status="crashed"))  # duplicate key: ignored
        assert not store.has_run("sub", "scn", "2")
        rows = list(store.iter_runs("1"))
        assert len(rows) == 1 and rows[0]["status"] == "ok" and rows[0]["f1"] == pytest.approx(2 / 3)
        assert list(store.iter_runs("2")) == []
    # Reopening the file keeps everything (a real file, WAL mode).
    with Store(tmp_path / "a.sqlite") as store:
        assert store.count_runs() == 1
        assert store._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_failed_run_has_no_scores(tmp_path):
    with Store(tmp_path / "a.sqlite") as store:
        seed_store(store)
        store.record_run(stored(status="timeout", metrics=None))
        row = next(store.iter_runs("1"))
        assert row["status"] == "timeout" and row["f1"] is None


def test_unknown_schema_version_is_refused(tmp_path):
    path = tmp_path / "old.sqlite"
    db = sqlite3.connect(path)
    db.execute("PRAGMA user_version = 99")
    db.close()
    with pytest.raises(StoreError, match="schema version 99"):
        Store(path)


def test_the_certificate_is_stored_with_the_run(tmp_path):
    with Store(tmp_path / "a.sqlite") as store:
        seed_store(store)
        store.record_run(stored(generator_version="env_tax/1", scorer_version="1",
                                sandbox='{"mode":"bubblewrap"}', started_at="2024-01-01T00:00Z"))
        row = next(store.iter_runs("1"))
        assert (row["generator_version"], row["scorer_version"], row["sandbox"]) == \
            ("env_tax/1", "1", '{"mode":"bubblewrap"}')
        assert row["submission_path"] == "/x" and row["scenario_path"] == "/y"
        assert store.stored_keys("1") == {("sub", "scn")}


def test_an_ok_run_without_labels_keeps_its_problems(tmp_path):
    with Store(tmp_path / "a.sqlite") as store:
        seed_store(store)
        store.record_run(stored(metrics=None, problems=("2 unknown record ids: X, Y",)))
        row = next(store.iter_runs("1"))
        assert row["f1"] is None and "unknown record ids" in row["problems"]


# The schema-1 DDL as the walking skeleton wrote it (kept verbatim to test the migration).
SCHEMA_1 = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE submissions (id TEXT PRIMARY KEY, team TEXT NOT NULL, name TEXT NOT NULL,
    version TEXT NOT NULL, language TEXT NOT NULL, points TEXT NOT NULL,
    baseline INTEGER NOT NULL, path TEXT NOT NULL);
CREATE TABLE scenarios (id TEXT PRIMARY KEY, point TEXT NOT NULL,
    generator_version TEXT NOT NULL, seed INTEGER NOT NULL, size INTEGER NOT NULL,
    difficulty TEXT NOT NULL, as_of TEXT NOT NULL,
    split TEXT NOT NULL CHECK (split IN ('public', 'private')), path TEXT NOT NULL);
CREATE TABLE runs (id INTEGER PRIMARY KEY,
    submission_id TEXT NOT NULL REFERENCES submissions(id),
    scenario_id TEXT NOT NULL REFERENCES scenarios(id), harness_version TEXT NOT NULL,
    status TEXT NOT NULL, message TEXT NOT NULL, wall_s REAL, cpu_s REAL, peak_memory_mb REAL,
    stderr_tail TEXT NOT NULL, output_sha256 TEXT, unsafe INTEGER NOT NULL,
    finished_at TEXT NOT NULL, UNIQUE (submission_id, scenario_id, harness_version));
CREATE TABLE scores (run_id INTEGER PRIMARY KEY REFERENCES runs(id),
    precision REAL, recall REAL, f1 REAL, reason_precision REAL, reason_recall REAL,
    reason_f1 REAL, average_precision REAL, tp INTEGER, fp INTEGER, fn INTEGER,
    problems TEXT NOT NULL);
INSERT INTO submissions VALUES ('sub', 't', 'n', '1', 'python', '["env_tax"]', 0, '/x');
INSERT INTO scenarios VALUES ('scn', 'env_tax', 'env_tax/1', 1, 10, 'easy', '2023-12-31',
    'public', '/y');
INSERT INTO runs VALUES (1, 'sub', 'scn', '1', 'ok', '', 1.0, 0.5, 100.0, '', 'ab', 0,
    '2024-01-01T00:00:00+00:00');
INSERT INTO scores VALUES (1, 1.0, 0.5, 0.6667, 1.0, 0.5, 0.6667, NULL, 1, 0, 1, '[]');
PRAGMA user_version = 1;
"""


def test_a_schema_1_store_is_migrated_in_place(tmp_path):
    path = tmp_path / "old.sqlite"
    db = sqlite3.connect(path)
    db.executescript(SCHEMA_1)
    db.close()
    with Store(path) as store:
        assert store.schema_version == 2
        (row,) = store.iter_runs("1")
        assert (row["status"], row["f1"], row["output_sha256"]) == ("ok", 0.6667, "ab")
        assert row["generator_version"] == "env_tax/1"  # backfilled from the scenario
        assert row["sandbox"] is None  # unknown for old runs: arena verify says so
        assert not store.record_run(stored())  # the old run still counts for resuming
        assert store.intake_rows() == []
    with Store(path) as store:  # opening again is a no-op
        assert store.schema_version == 2 and store.count_runs() == 1


def test_two_processes_opening_a_schema_1_store_migrate_it_once(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "old.sqlite"
    db = sqlite3.connect(path)
    db.executescript(SCHEMA_1)
    db.close()
    code = ("import sys; from harness.store import Store; "
            "print(Store(sys.argv[1]).schema_version)")
    children = [subprocess.Popen([sys.executable, "-c", code, str(path)], text=True,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                for _ in range(4)]
    outputs = [child.communicate(timeout=60) for child in children]
    assert [out.strip() for out, _ in outputs] == ["2"] * 4, outputs
    with Store(path) as store:
        columns = [r[1] for r in store._db.execute("PRAGMA table_info(runs)")]
        assert columns.count("sandbox") == 1
