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
    db.execute("INSERT INTO submissions VALUES ('sub', 't', 'n', '1', 'python', '[\"env_tax\"]', 0, '/x')")
    db.execute("INSERT INTO scenarios VALUES ('scn', 'env_tax', 'env_tax/1', 1, 10, 'easy',"
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
