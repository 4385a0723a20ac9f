"""The result store: one SQLite file per workspace (WAL mode, versioned schema).

Only the harness process writes to it; sandboxed runs never see it. A run is keyed by
(submission content hash, scenario id, harness version): a key already stored is not run again,
which is what lets an interrupted competition resume without losing or redoing work.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from harness.errors import StoreError

SCHEMA_VERSION = 1
STORE_NAME = "arena.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS submissions (
    id TEXT PRIMARY KEY,            -- content hash
    team TEXT NOT NULL,
    name TEXT NOT NULL,
    version TEXT NOT NULL,
    language TEXT NOT NULL,
    points TEXT NOT NULL,           -- JSON list
    baseline INTEGER NOT NULL,
    path TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS scenarios (
    id TEXT PRIMARY KEY,
    point TEXT NOT NULL,
    generator_version TEXT NOT NULL,
    seed INTEGER NOT NULL,
    size INTEGER NOT NULL,
    difficulty TEXT NOT NULL,
    as_of TEXT NOT NULL,
    split TEXT NOT NULL CHECK (split IN ('public', 'private')),
    path TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    submission_id TEXT NOT NULL REFERENCES submissions(id),
    scenario_id TEXT NOT NULL REFERENCES scenarios(id),
    harness_version TEXT NOT NULL,
    status TEXT NOT NULL,
    message TEXT NOT NULL,
    wall_s REAL,
    cpu_s REAL,
    peak_memory_mb REAL,
    stderr_tail TEXT NOT NULL,
    output_sha256 TEXT,
    unsafe INTEGER NOT NULL,
    finished_at TEXT NOT NULL,
    UNIQUE (submission_id, scenario_id, harness_version)
);
CREATE TABLE IF NOT EXISTS scores (
    run_id INTEGER PRIMARY KEY REFERENCES runs(id),
    precision REAL, recall REAL, f1 REAL,
    reason_precision REAL, reason_recall REAL, reason_f1 REAL,
    average_precision REAL,
    tp INTEGER, fp INTEGER, fn INTEGER,
    problems TEXT NOT NULL          -- JSON list of strings
);
"""


@dataclass(frozen=True)
class StoredRun:
    """What the harness learned from one run, ready to be written in one transaction."""

    submission_id: str
    scenario_id: str
    harness_version: str
    status: str
    message: str
    wall_s: float | None
    cpu_s: float | None
    peak_memory_mb: float | None
    stderr_tail: str
    output_sha256: str | None
    unsafe: bool
    metrics: dict | None  # precision, recall, f1, reason_*, average_precision, tp, fp, fn, problems
    # The run's parsed clues (record_id, reason, score) for error analysis; kept in the
    # workspace beside the store, never in it.
    predictions: object = None


class Store:
    """A thin, explicit wrapper around the workspace's SQLite file."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            self._db.row_factory = sqlite3.Row
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(f"cannot open the result store ({exc})", file=str(self.path),
                             fix="check the --workspace path and its permissions") from None
        if version not in (0, SCHEMA_VERSION):
            raise StoreError(f"schema version {version} is not supported (expected "
                             f"{SCHEMA_VERSION})", file=str(self.path),
                             fix="use a new --workspace or the harness version that wrote it")
        if version == 0:  # CREATE ... IF NOT EXISTS: safe when two harnesses open it at once
            self._db.executescript(_SCHEMA + f"PRAGMA user_version = {SCHEMA_VERSION};")

    @classmethod
    def in_workspace(cls, workspace: Path | str) -> "Store":
        return cls(Path(workspace) / STORE_NAME)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    class _Tx:
        def __init__(self, db: sqlite3.Connection) -> None:
            self.db = db

        def __enter__(self) -> sqlite3.Connection:
            self.db.execute("BEGIN IMMEDIATE")
            return self.db

        def __exit__(self, exc_type, *_: object) -> None:
            self.db.execute("ROLLBACK" if exc_type else "COMMIT")

    def _transaction(self) -> "_Tx":
        return Store._Tx(self._db)

    # --- metadata -------------------------------------------------------------------------
    def set_meta(self, key: str, value: object) -> None:
        with self._transaction() as db:
            db.execute("INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE "
                       "SET value = excluded.value", (key, json.dumps(value, ensure_ascii=False)))

    def get_meta(self, key: str, default: object = None) -> object:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return json.loads(row["value"]) if row else default

    # --- submissions and scenarios -----------------------------------------------------------
    def add_submission(self, submission) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT INTO submissions(id, team, name, version, language, points, baseline, path)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET path = excluded.path",
                (submission.content_hash, submission.team, submission.name, submission.version,
                 submission.language, json.dumps(list(submission.points)),
                 int(submission.baseline), str(submission.path)))

    def add_scenario(self, scenario, split: str) -> None:
        m = scenario.manifest
        with self._transaction() as db:
            db.execute(
                "INSERT INTO scenarios(id, point, generator_version, seed, size, difficulty, as_of,"
                " split, path) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET"
                " path = excluded.path",
                (m["id"], m["point"], m["generator_version"], m["seed"], m["size"],
                 m["difficulty"], m["as_of"], split, str(scenario.path)))

    # --- runs --------------------------------------------------------------------------------
    def has_run(self, submission_id: str, scenario_id: str, harness_version: str) -> bool:
        row = self._db.execute(
            "SELECT 1 FROM runs WHERE submission_id = ? AND scenario_id = ? AND harness_version = ?",
            (submission_id, scenario_id, harness_version)).fetchone()
        return row is not None

    def record_run(self, run: StoredRun) -> bool:
        """Store a run and its scores atomically; False when the key was already stored."""
        now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        with self._transaction() as db:
            cursor = db.execute(
                "INSERT INTO runs(submission_id, scenario_id, harness_version, status, message,"
                " wall_s, cpu_s, peak_memory_mb, stderr_tail, output_sha256, unsafe, finished_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT(submission_id, scenario_id, harness_version) DO NOTHING",
                (run.submission_id, run.scenario_id, run.harness_version, run.status, run.message,
                 run.wall_s, run.cpu_s, run.peak_memory_mb, run.stderr_tail, run.output_sha256,
                 int(run.unsafe), now))
            if cursor.rowcount == 0:
                return False
            if run.metrics is not None:
                m = run.metrics
                db.execute(
                    "INSERT INTO scores(run_id, precision, recall, f1, reason_precision,"
                    " reason_recall, reason_f1, average_precision, tp, fp, fn, problems)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (cursor.lastrowid, m["precision"], m["recall"], m["f1"],
                     m["reason_precision"], m["reason_recall"], m["reason_f1"],
                     m["average_precision"], m["tp"], m["fp"], m["fn"],
                     json.dumps(list(m["problems"]), ensure_ascii=False)))
        return True

    def iter_runs(self, harness_version: str) -> Iterator[sqlite3.Row]:
        """Every run of one harness version, joined with its submission, scenario and scores."""
        yield from self._db.execute(
            "SELECT r.*, s.team, s.name AS submission_name, s.version, s.baseline,"
            " s.points AS covered_points, c.point, c.split, c.difficulty, c.seed, c.size,"
            " sc.precision, sc.recall, sc.f1, sc.reason_f1, sc.problems"
            " FROM runs r JOIN submissions s ON s.id = r.submission_id"
            " JOIN scenarios c ON c.id = r.scenario_id"
            " LEFT JOIN scores sc ON sc.run_id = r.id"
            " WHERE r.harness_version = ?"
            " ORDER BY s.team, s.name, c.point, c.difficulty, c.seed, c.size, r.id",
            (harness_version,))

    def count_runs(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
