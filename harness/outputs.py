"""Reading a run's ``clues.csv`` (CONTRACT 4): untrusted bytes in, clean predictions out.

:func:`parse_clues` returns the predictions as a DataFrame (``record_id``, ``reason``, ``score``)
plus human-readable *problems* that do not invalidate the run (merged duplicates, ignored
columns); anything that makes the output unusable raises :class:`InvalidOutput` (the run is
``invalid_output``) or :class:`OutputTooLarge` (``output_limit``).
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["ParsedOutput", "OutputError", "InvalidOutput", "OutputTooLarge", "parse_clues",
           "OUTPUT_NAME", "OUTPUT_COLUMNS"]

OUTPUT_NAME = "clues.csv"
OUTPUT_COLUMNS = ("record_id", "reason", "score")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_MAX_SHOWN = 60  # characters of an offending value quoted in a message


class OutputError(Exception):
    """The output cannot be used; ``reason`` is one line for the team."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class InvalidOutput(OutputError):
    """Missing, not a regular file, not UTF-8 CSV with a ``record_id`` column, or bad values."""


class OutputTooLarge(OutputError):
    """Bigger than the output limit."""


@dataclass(frozen=True, eq=False)
class ParsedOutput:
    """``predictions``: one row per distinct (record_id, reason); ``reason`` is ``''`` when the row
    names none and ``score`` NaN when it has none. ``sha256``: of the file's bytes."""

    predictions: pd.DataFrame
    problems: tuple[str, ...]
    sha256: str
    rows_read: int


def parse_clues(path: Path | str, *, max_bytes: int) -> ParsedOutput:
    """Parse ``clues.csv`` at ``path`` without following links or blocking on special files."""
    data = _read_capped(Path(path), max_bytes)
    sha256 = hashlib.sha256(data).hexdigest()
    text = _decode(data)
    problems: list[str] = []
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        while header is not None and not any(cell.strip() for cell in header):
            header = next(reader, None)  # blank lines before the header
        if header is None:
            raise InvalidOutput(f"{OUTPUT_NAME} is empty; write at least the header line "
                                f"'record_id,reason,score'")
        columns = _columns(header, problems)
        record_ids: list[str] = []
        reasons: list[str] = []
        scores: list[float] = []
        width = len(header)
        for row in reader:
            line = reader.line_num
            if not row or (len(row) == 1 and not row[0].strip()):
                continue  # blank line
            if len(row) != width:
                raise InvalidOutput(f"line {line} of {OUTPUT_NAME} has {len(row)} fields but "
                                    f"the header has {width}")
            record_id = row[columns["record_id"]].strip()
            if not record_id:
                raise InvalidOutput(f"line {line} of {OUTPUT_NAME} has an empty record_id")
            record_ids.append(record_id)
            reasons.append(row[columns["reason"]].strip() if "reason" in columns else "")
            scores.append(_score(row[columns["score"]], line) if "score" in columns
                          else math.nan)
    except csv.Error as exc:
        raise InvalidOutput(f"{OUTPUT_NAME} is not valid CSV near line {reader.line_num}: "
                            f"{exc}") from None
    # numpy columns: building Series one by one costs more than parsing a small file
    predictions = pd.DataFrame({
        "record_id": np.array(record_ids, dtype=object),
        "reason": np.array(reasons, dtype=object),
        "score": np.array(scores, dtype=np.float64),
    })
    duplicated = len(record_ids) - len(set(zip(record_ids, reasons)))
    if duplicated:
        predictions = _merge_duplicates(predictions, duplicated, problems)
    return ParsedOutput(predictions, tuple(problems), sha256, len(record_ids))


def _read_capped(path: Path, max_bytes: int) -> bytes:
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise InvalidOutput(f"no {OUTPUT_NAME} was written to $ARENA_OUTPUT") from None
    except OSError as exc:
        if os.path.islink(path):
            raise InvalidOutput(f"{OUTPUT_NAME} is a symbolic link; write a regular "
                                f"file") from None
        raise InvalidOutput(f"{OUTPUT_NAME} cannot be opened: {exc.strerror}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise InvalidOutput(f"{OUTPUT_NAME} is not a regular file")
        if info.st_size > max_bytes:
            raise OutputTooLarge(f"{OUTPUT_NAME} is {_size(info.st_size)}, over the output limit "
                                 f"of {_size(max_bytes)}")
        chunks = []
        remaining = max_bytes + 1
        while remaining > 0:
            chunk = os.read(fd, min(remaining, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
        data = b"".join(chunks)
    finally:
        os.close(fd)
    if len(data) > max_bytes:  # grew after fstat
        raise OutputTooLarge(f"{OUTPUT_NAME} is over the output limit of {_size(max_bytes)}")
    return data


def _decode(data: bytes) -> str:
    if b"\x00" in data:
        raise InvalidOutput(f"{OUTPUT_NAME} contains NUL bytes at offset {data.index(0)}; write "
                            f"UTF-8 text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidOutput(f"{OUTPUT_NAME} is not UTF-8 (byte offset {exc.start}); save it as "
                            f"UTF-8") from None
    return text.removeprefix("\ufeff")


def _columns(header: list[str], problems: list[str]) -> dict[str, int]:
    names = [cell.strip() for cell in header]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise InvalidOutput(f"the header of {OUTPUT_NAME} repeats the column "
                            f"{', '.join(map(repr, duplicated))}")
    if "record_id" not in names:
        hint = ""
        lowered = {n.lower(): n for n in names}
        if "record_id" in lowered:
            hint = f" (found {lowered['record_id']!r}; column names are case-sensitive)"
        raise InvalidOutput(f"{OUTPUT_NAME} has no record_id column{hint}; the header must be "
                            f"'record_id,reason,score'")
    extra = [n for n in names if n not in OUTPUT_COLUMNS]
    if extra:
        problems.append(f"ignored extra columns in {OUTPUT_NAME}: "
                        f"{', '.join(_shorten(n) for n in extra)}")
    return {n: i for i, n in enumerate(names) if n in OUTPUT_COLUMNS}


def _score(cell: str, line: int) -> float:
    cell = cell.strip()
    if not cell:
        return math.nan
    if not _NUMBER.fullmatch(cell):
        raise InvalidOutput(f"line {line} of {OUTPUT_NAME}: score {_shorten(cell)!r} is not a "
                            f"finite number")
    value = float(cell)
    if not math.isfinite(value):
        raise InvalidOutput(f"line {line} of {OUTPUT_NAME}: score {cell!r} is not a finite "
                            f"number")
    return value


def _merge_duplicates(predictions: pd.DataFrame, duplicated: int,
                      problems: list[str]) -> pd.DataFrame:
    problems.append(f"merged {duplicated} duplicate row{'s' if duplicated != 1 else ''} "
                    f"(same record_id and reason; the highest score is kept)")
    merged = (predictions.groupby(["record_id", "reason"], sort=False, dropna=False,
                                  as_index=False)
              .agg(score=("score", "max")))
    return merged.reset_index(drop=True)


def _shorten(text: str) -> str:
    return text if len(text) <= _MAX_SHOWN else text[:_MAX_SHOWN] + "…"


def _size(n: int) -> str:
    return f"{n / (1 << 20):.1f} MiB" if n >= 1 << 20 else f"{n} bytes"
