"""The in-sandbox runner: runs one submission on one scenario and writes ``clues.csv``.

This file is executed *inside* the sandbox by the harness's Python interpreter, as
``python -I -B runner.py RUN_JSON``. It is a standalone script: it imports only the standard
library, pandas, numpy, pyarrow and duckdb (never ``harness``, ``synthetic`` or ``scoring``, which
are not mounted). ``RUN_JSON`` holds::

    {"language": "python" | "sql" | "command", "point": "env_tax",
     "entrypoint": "model.py", "command": ["./run"], "memory_mb": 2048,
     "input": "/arena/input", "output": "/arena/output", "submission": "/arena/submission"}

Exit codes (``EXIT_*`` below) tell the harness how the run ended; the harness imports this module
only to read them. A ``command`` submission replaces this process (``exec``), so its own exit code
is reported as is.
"""

from __future__ import annotations

import csv
import datetime as dt
import errno
import importlib.util
import json
import math
import os
import sys
import traceback
from dataclasses import dataclass, field

EXIT_OK = 0
EXIT_CRASHED = 1  # an exception in the team's code (traceback on stderr)
EXIT_RUNNER_ERROR = 2  # the runner itself could not start (a harness problem)
EXIT_MEMORY = 3  # MemoryError: an allocation failed under the memory limit
EXIT_INVALID = 4  # detect() / the query returned something that is not a table of clues
EXIT_OUTPUT_LIMIT = 5  # a file grew over the output size limit (EFBIG)

OUTPUT_NAME = "clues.csv"
OUTPUT_COLUMNS = ("record_id", "reason", "score")


@dataclass(frozen=True)
class Context:
    """What ``detect`` learns about the scenario besides its tables (never label data)."""

    point: str
    as_of: dt.date
    manifest: dict = field(repr=False)


class InvalidResult(Exception):
    """The team's code returned something that cannot be written as clues."""


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: runner.py RUN_JSON", file=sys.stderr)
        return EXIT_RUNNER_ERROR
    try:
        with open(argv[1], encoding="utf-8") as handle:
            spec = json.load(handle)
        language = spec["language"]
        output_dir = spec["output"]
        os.chdir(spec["submission"])
    except (OSError, ValueError, KeyError) as exc:
        print(f"arena runner: cannot read the run spec {argv[1]}: {exc}", file=sys.stderr)
        return EXIT_RUNNER_ERROR
    if language == "command":
        return _exec_command(spec)
    try:
        with open(os.path.join(spec["input"], "scenario.json"), encoding="utf-8") as handle:
            manifest = json.load(handle)
        if language == "python":
            rows = _run_python(spec, manifest)
        elif language == "sql":
            rows = _run_sql(spec, manifest)
        else:
            print(f"arena runner: unknown language {language!r}", file=sys.stderr)
            return EXIT_RUNNER_ERROR
        _write_clues(os.path.join(output_dir, OUTPUT_NAME), rows)
    except MemoryError:
        _print_exception("arena: MemoryError: the run reached its memory limit")
        return EXIT_MEMORY
    except InvalidResult as exc:
        print(f"arena: invalid result: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except OSError as exc:
        if exc.errno == errno.EFBIG:
            print(f"arena: a file went over the output size limit: {exc}", file=sys.stderr)
            return EXIT_OUTPUT_LIMIT
        _print_exception()
        return EXIT_CRASHED
    except BaseException as exc:  # noqa: BLE001 - anything the team's code raises
        if isinstance(exc, SystemExit):
            print(f"arena: the submission called sys.exit({exc.code!r}) instead of returning",
                  file=sys.stderr)
        else:
            _print_exception()
        return EXIT_CRASHED
    return EXIT_OK


def _print_exception(note: str | None = None) -> None:
    traceback.print_exc(file=sys.stderr)
    if note:
        print(note, file=sys.stderr)
    sys.stderr.flush()


# ---------------------------------------------------------------------------------------------
# Languages


def _table_paths(spec: dict, manifest: dict) -> dict[str, str]:
    tables_dir = os.path.join(spec["input"], "tables")
    return {name: os.path.join(tables_dir, f"{name}.parquet") for name in manifest["tables"]}


def _run_python(spec: dict, manifest: dict):
    import pandas as pd

    tables = {name: pd.read_parquet(path) for name, path in _table_paths(spec, manifest).items()}
    context = Context(point=spec["point"], as_of=dt.date.fromisoformat(manifest["as_of"]),
                      manifest=json.loads(json.dumps(manifest)))
    submission = os.getcwd()
    sys.path.insert(0, submission)
    entry = os.path.join(submission, spec["entrypoint"])
    module_name = os.path.splitext(os.path.basename(entry))[0]
    module_spec = importlib.util.spec_from_file_location(module_name, entry)
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[module_name] = module
    module_spec.loader.exec_module(module)
    detect = getattr(module, "detect", None)
    if not callable(detect):
        raise InvalidResult(f"{spec['entrypoint']} defines no function "
                            f"detect(point, tables, context)")
    result = detect(spec["point"], tables, context)
    if not isinstance(result, pd.DataFrame):
        raise InvalidResult(f"detect() must return a pandas DataFrame with a record_id column; "
                            f"it returned {type(result).__name__}")
    if "record_id" not in result.columns:
        raise InvalidResult(f"the DataFrame returned by detect() has no record_id column "
                            f"(columns: {', '.join(map(str, result.columns)) or 'none'})")
    columns = [result["record_id"]]
    for name in ("reason", "score"):
        columns.append(result[name] if name in result.columns else None)
    length = len(result)
    iterables = [c.tolist() if c is not None else [None] * length for c in columns]
    return zip(*iterables)


def create_context_view(con, point: str, as_of: str) -> None:
    """``arena_context(point, as_of)``: what a python model gets as ``context``, for SQL.

    Validated here, so the literals below cannot carry SQL."""
    as_of = dt.date.fromisoformat(as_of).isoformat()
    if not point.replace("_", "").isalnum():
        raise ValueError(f"unexpected point name {point!r}")
    con.execute(f"CREATE VIEW arena_context AS SELECT '{point}' AS point, "
                f"DATE '{as_of}' AS as_of")


def _run_sql(spec: dict, manifest: dict):
    import duckdb

    query_path = os.path.join("queries", f"{spec['point']}.sql")
    with open(query_path, encoding="utf-8") as handle:
        query = handle.read()
    memory_mb = max(64, int(spec.get("memory_mb", 2048) * 0.6))
    con = duckdb.connect(":memory:", config={
        "threads": 1, "memory_limit": f"{memory_mb}MB", "temp_directory": "/tmp/duckdb",
        "autoinstall_known_extensions": False, "autoload_known_extensions": False,
    })
    for name, path in _table_paths(spec, manifest).items():
        quoted = '"' + name.replace('"', '""') + '"'
        literal = "'" + path.replace("'", "''") + "'"
        con.execute(f"CREATE VIEW {quoted} AS SELECT * FROM read_parquet({literal})")
    create_context_view(con, spec["point"], manifest["as_of"])
    try:
        cursor = con.execute(query)
    except duckdb.OutOfMemoryException as exc:
        raise MemoryError(str(exc)) from exc
    if cursor.description is None:
        raise InvalidResult(f"{query_path} returned no result; end it with one SELECT")
    names = [d[0] for d in cursor.description]
    if "record_id" not in names:
        raise InvalidResult(f"the result of {query_path} has no record_id column "
                            f"(columns: {', '.join(names)})")
    index = [names.index(n) if n in names else None for n in OUTPUT_COLUMNS]

    def rows():
        while True:
            try:
                batch = cursor.fetchmany(10_000)
            except duckdb.OutOfMemoryException as exc:
                raise MemoryError(str(exc)) from exc
            if not batch:
                return
            for row in batch:
                yield tuple(row[i] if i is not None else None for i in index)

    return rows()


def _exec_command(spec: dict) -> int:
    command = spec["command"]
    try:
        sys.stdout.flush()
        sys.stderr.flush()
        os.execvp(command[0], command)
    except OSError as exc:
        print(f"arena: cannot execute {command[0]!r}: {exc.strerror}", file=sys.stderr)
        return EXIT_CRASHED
    return EXIT_CRASHED  # not reached


# ---------------------------------------------------------------------------------------------
# Output


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (bytes, bytearray, memoryview)) or (
            hasattr(value, "__len__") and not isinstance(value, str)):
        # lists, dicts, arrays (possibly nested without end): not a record id, reason or score
        raise InvalidResult(f"the clues must hold text or numbers; found a "
                            f"{type(value).__name__} value")
    if isinstance(value, float) and math.isnan(value):
        return ""
    try:  # pandas.NA / NaT
        if value != value:  # noqa: PLR0124
            return ""
    except (TypeError, ValueError):
        pass
    return str(value).strip()


def _score(value) -> str:
    """Scores are written as numbers; NaN and infinities are written as such (and rejected by
    the harness), absent scores as an empty cell."""
    if value is None:
        return ""
    if isinstance(value, (bool,)):
        return str(float(value))
    try:
        number = float(value)
    except (TypeError, ValueError):
        text = _cell(value)
        return text  # the harness reports the non-number
    return repr(number)


def _write_clues(path: str, rows) -> None:
    try:  # the team's code may have left a file or link here; the runner writes a fresh one
        os.unlink(path)
    except FileNotFoundError:
        pass
    except IsADirectoryError:
        raise InvalidResult(f"{OUTPUT_NAME} is a directory; leave it to the runner") from None
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    with open(fd, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(OUTPUT_COLUMNS)
        for record_id, reason, score in rows:
            writer.writerow((_cell(record_id), _cell(reason), _score(score)))


if __name__ == "__main__":
    sys.exit(main(sys.argv))
