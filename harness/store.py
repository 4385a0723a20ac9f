"""The result store: one SQLite file per workspace (WAL mode, versioned schema).

Only the harness process writes to it; sandboxed runs never see it. A run is keyed by
(submission content hash, scenario id, harness version): a key already stored is not run again,
which is what lets an interrupted competition resume without losing or redoing work. Every write
is one transaction, so a harness killed at any moment leaves either the whole run or nothing.

Schema versions (``PRAGMA user_version``): 1 — submissions, scenarios, runs, scores;
2 — adds each run's re-run certificate (generator and scorer versions, sandbox settings, start
time), the scenarios' table and label hashes, and the ``intake`` table of ``arena submit``.
A version-1 store is migrated in place when it is opened.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from harness.errors import StoreError

SCHEMA_VERSION = 2
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
    path TEXT NOT NULL,
    tables_sha256 TEXT,             -- JSON {table: sha256} (schema 2)
    labels_sha256 TEXT              -- sha256 of labels/labels.parquet (schema 2)
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
    generator_version TEXT,         -- schema 2: the re-run certificate
    scorer_version TEXT,
    sandbox TEXT,                   -- JSON {"mode": "bubblewrap"|"unsafe", "limits": {...}}
    started_at TEXT,
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

_INTAKE = """
CREATE TABLE IF NOT EXISTS intake (
    id INTEGER PRIMARY KEY,
    submission_id TEXT NOT NULL REFERENCES submissions(id),
    team TEXT NOT NULL,
    phase TEXT NOT NULL,
    board TEXT NOT NULL,
    day TEXT NOT NULL,              -- competition day (Asia/Shanghai), YYYY-MM-DD
    submitted_at TEXT NOT NULL,     -- UTC, ISO 8601
    source TEXT NOT NULL,           -- the name of the directory or zip file taken in
    UNIQUE (submission_id, phase)
);
CREATE INDEX IF NOT EXISTS intake_quota ON intake (team, phase, day);
"""

_MIGRATE_1_TO_2 = """
ALTER TABLE scenarios ADD COLUMN tables_sha256 TEXT;
ALTER TABLE scenarios ADD COLUMN labels_sha256 TEXT;
ALTER TABLE runs ADD COLUMN generator_version TEXT;
ALTER TABLE runs ADD COLUMN scorer_version TEXT;
ALTER TABLE runs ADD COLUMN sandbox TEXT;
ALTER TABLE runs ADD COLUMN started_at TEXT;
UPDATE runs SET generator_version =
    (SELECT generator_version FROM scenarios WHERE scenarios.id = runs.scenario_id);
"""


def _utc_now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class StoredRun:
    """What the harness learned from one run, ready to be written in one transaction.

    ``generator_version``, ``scorer_version``, ``sandbox`` (JSON) and ``started_at`` are the
    run's re-run certificate, with the key (submission hash, scenario id, harness version) and
    ``output_sha256`` (of ``clues.csv``'s bytes): what ``arena verify`` re-runs and compares.
    """

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
    generator_version: str | None = None
    scorer_version: str | None = None
    sandbox: str | None = None
    started_at: str | None = None
    # Notes about the output (merged duplicates, unknown ids) also when it could not be scored.
    problems: tuple[str, ...] = field(default=())


class Store:
    """A thin, explicit wrapper around the workspace's SQLite file."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, timeout=60, isolation_level=None)
            self._db.row_factory = sqlite3.Row
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(f"cannot open the result store ({exc})", file=str(self.path),
                             fix="check the --workspace path and its permissions") from None
        if version not in (0, 1, SCHEMA_VERSION):
            self._db.close()
            raise StoreError(f"schema version {version} is not supported (expected "
                             f"{SCHEMA_VERSION})", file=str(self.path),
                             fix="use a new --workspace or the harness version that wrote it")
        if version != SCHEMA_VERSION:
            self._upgrade()

    def _upgrade(self) -> None:
        """Create (version 0) or migrate (version 1) the schema, once even if two harnesses
        open the file at the same moment: the version is re-read inside the write lock."""
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version == 0:
                for statement in _statements(_SCHEMA + _INTAKE):
                    db.execute(statement)
            elif version == 1:
                for statement in _statements(_MIGRATE_1_TO_2 + _INTAKE):
                    db.execute(statement)
            if version != SCHEMA_VERSION:
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            db.execute("COMMIT")
        except sqlite3.Error as exc:
            db.execute("ROLLBACK")
            raise StoreError(f"cannot upgrade the result store to schema {SCHEMA_VERSION} "
                             f"({exc})", file=str(self.path),
                             fix="use a new --workspace, or restore the file from a backup") \
                from None

    @classmethod
    def in_workspace(cls, workspace: Path | str) -> "Store":
        return cls(Path(workspace) / STORE_NAME)

    @property
    def schema_version(self) -> int:
        return self._db.execute("PRAGMA user_version").fetchone()[0]

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

    def transaction(self) -> "_Tx":
        """``with store.transaction() as db:`` — one write transaction (BEGIN IMMEDIATE)."""
        return Store._Tx(self._db)

    _transaction = transaction

    # --- metadata -------------------------------------------------------------------------
    def set_meta(self, key: str, value: object) -> None:
        with self._transaction() as db:
            db.execute("INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE "
                       "SET value = excluded.value", (key, json.dumps(value, ensure_ascii=False)))

    def get_meta(self, key: str, default: object = None) -> object:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return json.loads(row["value"]) if row else default

    # --- submissions and scenarios -----------------------------------------------------------
    def add_submission(self, submission, *, db: sqlite3.Connection | None = None) -> None:
        values = (submission.content_hash, submission.team, submission.name, submission.version,
                  submission.language, json.dumps(list(submission.points)),
                  int(submission.baseline), str(submission.path))
        sql = ("INSERT INTO submissions(id, team, name, version, language, points, baseline, path)"
               " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
               " ON CONFLICT(id) DO UPDATE SET path = excluded.path")
        if db is not None:
            db.execute(sql, values)
            return
        with self._transaction() as tx:
            tx.execute(sql, values)

    def add_scenario(self, scenario, split: str, *, labels_sha256: str | None = None) -> None:
        m = scenario.manifest
        tables = json.dumps({name: t["sha256"] for name, t in sorted(m["tables"].items())})
        with self._transaction() as db:
            db.execute(
                "INSERT INTO scenarios(id, point, generator_version, seed, size, difficulty, as_of,"
                " split, path, tables_sha256, labels_sha256)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT(id) DO UPDATE SET path = excluded.path,"
                " tables_sha256 = excluded.tables_sha256,"
                " labels_sha256 = COALESCE(excluded.labels_sha256, scenarios.labels_sha256)",
                (m["id"], m["point"], m["generator_version"], m["seed"], m["size"],
                 m["difficulty"], m["as_of"], split, str(scenario.path), tables, labels_sha256))

    def scenario_row(self, scenario_id: str) -> sqlite3.Row | None:
        return self._db.execute("SELECT * FROM scenarios WHERE id = ?",
                                (scenario_id,)).fetchone()

    def submission_rows(self) -> list[sqlite3.Row]:
        return list(self._db.execute("SELECT * FROM submissions ORDER BY team, name, version, id"))

    # --- runs --------------------------------------------------------------------------------
    def has_run(self, submission_id: str, scenario_id: str, harness_version: str) -> bool:
        row = self._db.execute(
            "SELECT 1 FROM runs WHERE submission_id = ? AND scenario_id = ?"
            " AND harness_version = ?",
            (submission_id, scenario_id, harness_version)).fetchone()
        return row is not None

    def stored_keys(self, harness_version: str) -> set[tuple[str, str]]:
        """Every (submission id, scenario id) already stored for ``harness_version``."""
        return {(r[0], r[1]) for r in self._db.execute(
            "SELECT submission_id, scenario_id FROM runs WHERE harness_version = ?",
            (harness_version,))}

    def record_run(self, run: StoredRun) -> bool:
        """Store a run and its scores atomically; False when the key was already stored."""
        now = _utc_now()
        with self._transaction() as db:
            cursor = db.execute(
                "INSERT INTO runs(submission_id, scenario_id, harness_version, status, message,"
                " wall_s, cpu_s, peak_memory_mb, stderr_tail, output_sha256, unsafe, finished_at,"
                " generator_version, scorer_version, sandbox, started_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT(submission_id, scenario_id, harness_version) DO NOTHING",
                (run.submission_id, run.scenario_id, run.harness_version, run.status, run.message,
                 run.wall_s, run.cpu_s, run.peak_memory_mb, run.stderr_tail, run.output_sha256,
                 int(run.unsafe), now, run.generator_version, run.scorer_version, run.sandbox,
                 run.started_at))
            if cursor.rowcount == 0:
                return False
            m = run.metrics
            if m is not None:
                db.execute(
                    "INSERT INTO scores(run_id, precision, recall, f1, reason_precision,"
                    " reason_recall, reason_f1, average_precision, tp, fp, fn, problems)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (cursor.lastrowid, m["precision"], m["recall"], m["f1"],
                     m["reason_precision"], m["reason_recall"], m["reason_f1"],
                     m["average_precision"], m["tp"], m["fp"], m["fn"],
                     json.dumps(list(m["problems"]), ensure_ascii=False)))
            elif run.problems:  # an ok run that could not be scored (no labels) keeps its notes
                db.execute("INSERT INTO scores(run_id, problems) VALUES (?, ?)",
                           (cursor.lastrowid, json.dumps(list(run.problems), ensure_ascii=False)))
        return True

    def iter_runs(self, harness_version: str) -> Iterator[sqlite3.Row]:
        """Every run of one harness version, joined with its submission, scenario and scores."""
        yield from self._db.execute(
            "SELECT r.*, s.team, s.name AS submission_name, s.version, s.baseline,"
            " s.language, s.path AS submission_path, s.points AS covered_points, c.point,"
            " c.split, c.difficulty, c.seed, c.size, c.as_of, c.path AS scenario_path,"
            " c.generator_version AS scenario_generator_version,"
            " sc.precision, sc.recall, sc.f1, sc.reason_precision, sc.reason_recall,"
            " sc.reason_f1, sc.average_precision, sc.tp, sc.fp, sc.fn, sc.problems"
            " FROM runs r JOIN submissions s ON s.id = r.submission_id"
            " JOIN scenarios c ON c.id = r.scenario_id"
            " LEFT JOIN scores sc ON sc.run_id = r.id"
            " WHERE r.harness_version = ?"
            " ORDER BY s.team, s.name, c.point, c.difficulty, c.seed, c.size, r.id",
            (harness_version,))

    def count_runs(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM runs").fetchone()[0]

    # --- intake (arena submit) ---------------------------------------------------------------
    def intake_rows(self) -> list[sqlite3.Row]:
        return list(self._db.execute(
            "SELECT i.*, s.path FROM intake i JOIN submissions s ON s.id = i.submission_id"
            " ORDER BY i.id"))


def _statements(script: str) -> list[str]:
    """Split a script of simple statements (no semicolons inside literals or triggers)."""
    lines = [line.split("--", 1)[0] for line in script.splitlines()]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]
