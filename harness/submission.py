"""Submission directories and their ``submission.toml`` manifest (CONTRACT 4).

:func:`load_submission` validates the manifest and the files it names, and computes the
submission's content hash. Every problem raises one :class:`~harness.errors.SubmissionError` (or
:class:`~harness.errors.UnknownNameError`) whose message is one line naming the file, the field and
the fix; a run of a submission that does not load is ``rejected``.
"""

from __future__ import annotations

import hashlib
import os
import stat
import tomllib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from harness.errors import SubmissionError, UnknownNameError
from synthetic.registry import CONTRACT_POINTS

__all__ = ["Submission", "load_submission", "content_hash", "MANIFEST_NAME", "LANGUAGES"]

MANIFEST_NAME = "submission.toml"
LANGUAGES = ("python", "sql", "command")
QUERIES_DIR = "queries"
# Top-level keys a manifest may have; anything else is a typo or a misunderstanding.
ALLOWED_KEYS = ("team", "name", "version", "points", "language", "entrypoint", "command",
                "baseline", "description", "regression")
# Never part of the content hash: caches and version control.
SKIPPED_DIRS = frozenset({"__pycache__", ".git"})
SKIPPED_SUFFIXES = (".pyc",)


@dataclass(frozen=True)
class Submission:
    """A validated submission directory.

    ``content_hash`` identifies the bytes of the submission (see :func:`content_hash`): a run
    already stored for the same hash and scenario is not repeated.
    """

    path: Path
    team: str
    name: str
    version: str
    points: tuple[str, ...]
    language: str
    entrypoint: str | None
    command: tuple[str, ...] | None
    baseline: bool
    content_hash: str
    description: str = ""

    @property
    def manifest_path(self) -> Path:
        return self.path / MANIFEST_NAME

    @property
    def label(self) -> str:
        """``team/name@version``, for logs and messages."""
        return f"{self.team}/{self.name}@{self.version}"

    def covers(self, point: str) -> bool:
        return point in self.points


def load_submission(path: Path | str) -> Submission:
    """Load and validate the submission directory ``path`` (which holds ``submission.toml``)."""
    path = Path(path)
    if not path.exists():
        raise SubmissionError("submission directory does not exist", file=str(path),
                              fix="pass the directory that holds submission.toml")
    if not path.is_dir():
        raise SubmissionError("is not a directory", file=str(path),
                              fix="pass the directory that holds submission.toml")
    path = path.resolve()
    manifest_path = path / MANIFEST_NAME
    file = str(manifest_path)
    if manifest_path.is_symlink():
        raise SubmissionError("is a symbolic link", file=file,
                              fix="make submission.toml a regular file in the submission")
    if not manifest_path.is_file():
        raise SubmissionError("submission.toml is missing", file=file,
                              fix="create it with team, name, version, points and language "
                                  "(see docs/submissions.md)")
    try:
        data = tomllib.loads(manifest_path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError:
        raise SubmissionError("is not UTF-8 text", file=file,
                              fix="save the file as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise SubmissionError(f"is not valid TOML: {exc}", file=file,
                              fix="fix the syntax at that line") from None

    for key in data:
        if key not in ALLOWED_KEYS:
            raise UnknownNameError("key", key, ALLOWED_KEYS, file=file, field=key)

    team = _required_string(data, "team", file, example='team = "湾沚区院一部"')
    name = _required_string(data, "name", file, example='name = "env-tax-rules"')
    version = _required_string(data, "version", file, example='version = "1.0"')
    points = _points(data, file)
    language = _required_string(data, "language", file, example='language = "python"')
    if language not in LANGUAGES:
        raise UnknownNameError("language", language, LANGUAGES, file=file, field="language")

    entrypoint = _optional(data, "entrypoint", str, file, "a string such as \"model.py\"")
    command = _optional(data, "command", list, file, 'a list of strings such as ["./run"]')
    baseline = _optional(data, "baseline", bool, file, "true or false")
    description = _optional(data, "description", str, file, "a string")
    regression = _optional(data, "regression", dict, file, "a table: [regression]")
    del regression  # read by the regression tooling, not by the runner

    if language != "python" and entrypoint is not None:
        raise SubmissionError("is only used by python submissions", file=file,
                              field="entrypoint",
                              fix=f'remove it, or set language = "python" (now "{language}")')
    if language != "command" and command is not None:
        raise SubmissionError("is only used by command submissions", file=file, field="command",
                              fix=f'remove it, or set language = "command" (now "{language}")')

    if language == "python":
        entrypoint = _check_entrypoint(path, entrypoint, file)
    elif language == "sql":
        _check_queries(path, points, file)
    else:
        command = _check_command(path, command, file)

    return Submission(
        path=path, team=team, name=name, version=version, points=points, language=language,
        entrypoint=entrypoint, command=tuple(command) if command is not None else None,
        baseline=bool(baseline), content_hash=content_hash(path),
        description=description or "",
    )


# ---------------------------------------------------------------------------------------------
# Field validators


def _type_name(value: Any) -> str:
    return {bool: "a boolean", int: "an integer", float: "a number", str: "a string",
            list: "a list", dict: "a table"}.get(type(value), type(value).__name__)


def _required_string(data: dict, key: str, file: str, *, example: str) -> str:
    if key not in data:
        raise SubmissionError("is missing", file=file, field=key, fix=f"add {example}")
    value = data[key]
    if not isinstance(value, str):
        raise SubmissionError(f"must be a string; got {value!r} ({_type_name(value)})",
                              file=file, field=key, fix=f"quote it: {example}")
    value = value.strip()
    if not value:
        raise SubmissionError("is empty", file=file, field=key, fix=f"fill it in: {example}")
    if any(ord(ch) < 32 for ch in value):
        raise SubmissionError("contains control characters or line breaks", file=file,
                              field=key, fix=f"use a single line: {example}")
    return value


def _optional(data: dict, key: str, kind: type, file: str, expected: str) -> Any:
    if key not in data:
        return None
    value = data[key]
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        raise SubmissionError(f"must be {expected}; got {value!r} ({_type_name(value)})",
                              file=file, field=key, fix=f"write it as {expected}")
    return value


def _points(data: dict, file: str) -> tuple[str, ...]:
    example = 'points = ["env_tax"]'
    if "points" not in data:
        raise SubmissionError("is missing", file=file, field="points", fix=f"add {example}")
    value = data["points"]
    if isinstance(value, str):
        raise SubmissionError(f"must be a list of point names; got the string {value!r}",
                              file=file, field="points", fix=f'write points = ["{value}"]')
    if not isinstance(value, list) or not all(isinstance(p, str) for p in value):
        raise SubmissionError(f"must be a list of point names; got {value!r}", file=file,
                              field="points", fix=f"write it as {example}")
    if not value:
        raise SubmissionError("is empty", file=file, field="points",
                              fix=f"name at least one point: {example}")
    points = tuple(p.strip() for p in value)
    for point in points:
        if point not in CONTRACT_POINTS:
            raise UnknownNameError("point", point, CONTRACT_POINTS, file=file, field="points")
    duplicates = sorted({p for p in points if points.count(p) > 1})
    if duplicates:
        raise SubmissionError(f"names {', '.join(duplicates)} more than once", file=file,
                              field="points", fix="list each point once")
    return points


def _relative_inside(root: Path, relative: str, file: str, field: str) -> Path:
    pure = PurePosixPath(relative)
    if pure.is_absolute() or ".." in pure.parts or "\\" in relative:
        raise SubmissionError(f"must be a path relative to the submission directory; got "
                              f"{relative!r}", file=file, field=field,
                              fix="name a file inside the submission, e.g. \"model.py\"")
    target = root / pure
    if not target.resolve().is_relative_to(root):
        raise SubmissionError(f"{relative!r} points outside the submission directory",
                              file=file, field=field, fix="keep every file inside it")
    return target


def _check_entrypoint(root: Path, entrypoint: str | None, file: str) -> str:
    if entrypoint is None:
        raise SubmissionError("is missing", file=file, field="entrypoint",
                              fix='python submissions name their module: entrypoint = "model.py"')
    entrypoint = entrypoint.strip()
    if not entrypoint.endswith(".py"):
        raise SubmissionError(f"must name a .py file; got {entrypoint!r}", file=file,
                              field="entrypoint", fix='e.g. entrypoint = "model.py"')
    target = _relative_inside(root, entrypoint, file, "entrypoint")
    if not target.is_file():
        raise SubmissionError(f"{entrypoint} does not exist in the submission directory",
                              file=file, field="entrypoint",
                              fix=f"create {target} defining detect(point, tables, context)")
    return entrypoint


def _check_queries(root: Path, points: tuple[str, ...], file: str) -> None:
    for point in points:
        query = root / QUERIES_DIR / f"{point}.sql"
        if not query.is_file():
            raise SubmissionError(f"sql submissions need {QUERIES_DIR}/{point}.sql for point "
                                  f"'{point}'", file=file, field="points",
                                  fix=f"create {query} with one SELECT returning record_id, "
                                      f"reason, score")
        if not query.read_bytes().strip():
            raise SubmissionError(f"{QUERIES_DIR}/{point}.sql is empty", file=file,
                                  field="points", fix=f"write the SELECT for '{point}' in {query}")


def _check_command(root: Path, command: list | None, file: str) -> list[str]:
    example = 'command = ["./run"]'
    if command is None:
        raise SubmissionError("is missing", file=file, field="command",
                              fix=f"command submissions name what to execute: {example}")
    if not command:
        raise SubmissionError("is empty", file=file, field="command",
                              fix=f"name the program and its arguments: {example}")
    if not all(isinstance(part, str) and part for part in command):
        raise SubmissionError(f"must be a list of non-empty strings; got {command!r}",
                              file=file, field="command", fix=f"write it as {example}")
    program = command[0]
    if "/" in program and not program.startswith("/"):  # absolute: a system program
        target = _relative_inside(root, program, file, "command")
        if not target.is_file():
            raise SubmissionError(f"{program} does not exist in the submission directory",
                                  file=file, field="command",
                                  fix=f"add the program {target}, or fix the path")
        if not os.stat(target).st_mode & 0o111:
            raise SubmissionError(f"{program} is not executable", file=file, field="command",
                                  fix=f"run `chmod +x {target}`")
    return list(command)


# ---------------------------------------------------------------------------------------------
# Content hash


def content_hash(root: Path | str) -> str:
    """sha256 over the sorted relative paths and bytes of the submission's files.

    Regular files contribute their path and bytes, symbolic links their path and target;
    ``__pycache__``, ``.git`` and ``*.pyc`` are skipped. A symbolic link that points outside the
    directory (or is absolute or dangling), and any special file (FIFO, socket, device), raise
    :class:`SubmissionError`: they would not work, or not be safe, inside the sandbox.
    """
    root = Path(root).resolve()
    entries: list[tuple[str, str, Path]] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIPPED_DIRS)
        here = Path(dirpath)
        for name in list(dirnames) + filenames:
            full = here / name
            relative = full.relative_to(root).as_posix()
            mode = os.lstat(full).st_mode
            if stat.S_ISLNK(mode):
                _check_link(root, full)
                entries.append((relative, "link", full))
                if name in dirnames:
                    dirnames.remove(name)  # os.walk would not descend anyway; be explicit
            elif stat.S_ISDIR(mode):
                continue
            elif stat.S_ISREG(mode):
                if not name.endswith(SKIPPED_SUFFIXES):
                    entries.append((relative, "file", full))
            else:
                raise SubmissionError("is not a regular file, directory or link", file=str(full),
                                      fix="remove it from the submission")
    digest = hashlib.sha256()
    for relative, kind, full in sorted(entries):
        digest.update(f"{kind}\0{relative}\0".encode())
        if kind == "link":
            digest.update(os.readlink(full).encode())
        else:
            with open(full, "rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
        digest.update(b"\0")
    return digest.hexdigest()


def _check_link(root: Path, link: Path) -> None:
    target = os.readlink(link)
    if os.path.isabs(target):
        raise SubmissionError(f"is an absolute symbolic link to {target}", file=str(link),
                              fix="use a relative link to a file inside the submission, or copy "
                                  "the file in")
    resolved = link.resolve()
    if not resolved.is_relative_to(root):
        raise SubmissionError(f"is a symbolic link pointing outside the submission ({target})",
                              file=str(link), fix="copy the file into the submission instead")
    if not resolved.exists():
        raise SubmissionError(f"is a dangling symbolic link ({target})", file=str(link),
                              fix="remove it or point it at a file inside the submission")
