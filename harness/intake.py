"""Intake: ``arena submit`` takes a submission (a directory or a zip file) into a workspace.

The submission is unpacked or copied into ``DIR/submissions/.partial-…``, validated exactly as
the runner will see it, and renamed to ``DIR/submissions/<content hash>/`` with its files made
read-only: what runs is byte for byte what was taken in. Each taking-in is one row of the store's
``intake`` table, written in the same transaction that checks the phase's daily quota, so two
``arena submit`` at once cannot both take the last slot.

Rules:
- the phase must exist and be open on the competition day (Asia/Shanghai) of ``now``;
- a submission that does not validate (bad manifest, no competition point) is refused before
  anything is recorded: it uses no quota;
- the same content submitted again in the same phase is reported and uses no quota;
- zip files: no absolute paths, ``..``, backslashes or drive letters in names, no links or
  special files, no encryption, no duplicate names, at most ``MAX_FILES`` members and
  ``MAX_BYTES`` uncompressed (counted while decompressing, not trusted from the headers).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from harness.competition import Competition, competition_day
from harness.errors import ArenaError, SubmissionError
from harness.store import Store
from harness.submission import MANIFEST_NAME, SKIPPED_DIRS, SKIPPED_SUFFIXES, Submission, \
    load_submission
from harness.workspace import SUBMISSIONS_DIR, partial_name

__all__ = ["IntakeResult", "QuotaExceeded", "submit", "MAX_BYTES", "MAX_FILES"]

MAX_BYTES = 64 << 20     # uncompressed size of a submission
MAX_FILES = 10_000       # files and directories in a submission
_CHUNK = 1 << 16


class QuotaExceeded(ArenaError):
    """The team has used the phase's daily quota."""


@dataclass(frozen=True)
class IntakeResult:
    submission: Submission
    phase: str
    board: str
    day: dt.date
    used: int            # the team's submissions in this phase on this day, this one included
    quota: int
    duplicate: bool      # the same content was already taken in for this phase (no quota used)


def submit(source: Path | str, workspace: Path | str, *, phase: str, competition: Competition,
           now: dt.datetime | None = None) -> IntakeResult:
    """Take ``source`` (a submission directory or a ``.zip``) into ``workspace`` for ``phase``."""
    source = Path(source)
    workspace = Path(workspace)
    now = now or dt.datetime.now(dt.timezone.utc)
    chosen = competition.phase(phase)
    day = competition_day(now)
    if not chosen.is_open(day):
        raise ArenaError(f"phase '{chosen.name}' is open from {chosen.start} to {chosen.end}; "
                         f"today is {day} (Asia/Shanghai)", file=str(competition.path),
                         field="--phase", fix=_open_phases_hint(competition, day))
    if not source.exists():
        raise SubmissionError("does not exist", file=str(source),
                              fix="pass a submission directory or a .zip file")
    inbox = workspace / SUBMISSIONS_DIR
    inbox.mkdir(parents=True, exist_ok=True)
    partial = inbox / partial_name(f"intake{os.urandom(4).hex()}")
    try:
        if source.is_dir():
            _copy_directory(source, partial)
        elif zipfile.is_zipfile(source):
            _extract_zip(source, partial)
        else:
            raise SubmissionError("is neither a directory nor a zip file", file=str(source),
                                  fix="pass the submission directory or a .zip of it")
        submission = load_submission(partial)
        _check_points(submission, competition, source)
        return _record(submission, partial, inbox, workspace, chosen, day, now, source)
    finally:
        if partial.exists():
            _make_writable(partial)
            shutil.rmtree(partial, ignore_errors=True)


def _open_phases_hint(competition: Competition, day: dt.date) -> str:
    open_now = [p.name for p in competition.phases if p.is_open(day)]
    if open_now:
        return f"phases open today: {', '.join(open_now)}"
    return "no phase is open today; see the phases in the competition file"


def _check_points(submission: Submission, competition: Competition, source: Path) -> None:
    if not set(submission.points) & set(competition.points):
        raise SubmissionError(f"covers {', '.join(submission.points)}, none of the competition's "
                              f"points ({', '.join(competition.points)})",
                              file=f"{source}/{MANIFEST_NAME}", field="points",
                              fix="name at least one of the competition's points")


def _record(submission: Submission, partial: Path, inbox: Path, workspace: Path, phase,
            day: dt.date, now: dt.datetime, source: Path) -> IntakeResult:
    final = inbox / submission.content_hash
    with Store.in_workspace(workspace) as store, store.transaction() as db:
        earlier = db.execute("SELECT day FROM intake WHERE submission_id = ? AND phase = ?",
                             (submission.content_hash, phase.name)).fetchone()
        used = db.execute("SELECT COUNT(*) FROM intake WHERE team = ? AND phase = ? AND day = ?",
                          (submission.team, phase.name, day.isoformat())).fetchone()[0]
        if earlier is None and used >= phase.daily_quota:
            raise QuotaExceeded(
                f"team '{submission.team}' has used its {phase.daily_quota} submission"
                f"{'s' if phase.daily_quota != 1 else ''} of {day} in phase '{phase.name}'",
                file=str(workspace), field="--phase",
                fix="submit again tomorrow (days are Asia/Shanghai); refused submissions use "
                    "no quota")
        if not final.is_dir():
            _make_read_only(partial)
            os.rename(partial, final)
        kept = load_submission(final)  # the copy that will run, checked byte for byte
        if kept.content_hash != submission.content_hash:
            raise ArenaError("the stored copy of this submission was modified", file=str(final),
                             fix="remove that directory and submit again")
        store.add_submission(kept, db=db)
        if earlier is not None:
            return IntakeResult(kept, phase.name, phase.board, dt.date.fromisoformat(earlier[0]),
                                used, phase.daily_quota, duplicate=True)
        db.execute("INSERT INTO intake(submission_id, team, phase, board, day, submitted_at,"
                   " source) VALUES (?, ?, ?, ?, ?, ?, ?)",
                   (kept.content_hash, kept.team, phase.name, phase.board, day.isoformat(),
                    now.astimezone(dt.timezone.utc).isoformat(timespec="seconds"), source.name))
        return IntakeResult(kept, phase.name, phase.board, day, used + 1, phase.daily_quota,
                            duplicate=False)


# --- copying and unpacking -------------------------------------------------------------------

def _copy_directory(source: Path, target: Path) -> None:
    """Copy regular files, directories and links (checked by the content hash later); refuse
    special files before opening anything, and anything over the size limits."""
    source = source.resolve()
    total, count = 0, 0
    plan: list[tuple[Path, Path, str]] = []
    for dirpath, dirnames, filenames in os.walk(source, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIPPED_DIRS)
        here = Path(dirpath)
        for name in dirnames + sorted(filenames):
            full = here / name
            mode = os.lstat(full).st_mode
            relative = full.relative_to(source)
            count += 1
            if stat.S_ISLNK(mode):
                plan.append((full, relative, "link"))
            elif stat.S_ISDIR(mode):
                plan.append((full, relative, "dir"))
            elif stat.S_ISREG(mode):
                if name.endswith(SKIPPED_SUFFIXES):
                    continue
                total += os.lstat(full).st_size
                plan.append((full, relative, "file"))
            else:
                raise SubmissionError("is not a regular file, directory or link", file=str(full),
                                      fix="remove it from the submission")
            _check_totals(total, count, source)
    target.mkdir()
    for full, relative, kind in plan:
        destination = target / relative
        if kind == "dir":
            destination.mkdir()
        elif kind == "link":
            os.symlink(os.readlink(full), destination)
        else:
            shutil.copyfile(full, destination, follow_symlinks=False)
            os.chmod(destination, 0o755 if os.lstat(full).st_mode & 0o111 else 0o644)


def _check_totals(total: int, count: int, source: Path) -> None:
    if total > MAX_BYTES:
        raise SubmissionError(f"is larger than {MAX_BYTES >> 20} MiB", file=str(source),
                              fix="leave data and caches out of the submission")
    if count > MAX_FILES:
        raise SubmissionError(f"holds more than {MAX_FILES} files", file=str(source),
                              fix="leave data and caches out of the submission")


def _member_name(info: zipfile.ZipInfo, archive: Path) -> PurePosixPath:
    name = info.filename
    bad = (not name or "\\" in name or "\x00" in name or name.startswith("/")
           or (len(name) > 1 and name[1] == ":"))
    parts = PurePosixPath(name).parts
    if bad or ".." in parts or any(p in ("", ".") for p in name.rstrip("/").split("/")):
        raise SubmissionError(f"holds the unsafe path {name!r}", file=str(archive),
                              fix="zip the submission directory itself, with relative paths "
                                  "inside it")
    return PurePosixPath(*parts)


def _extract_zip(archive: Path, target: Path) -> None:
    try:
        handle = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as exc:
        raise SubmissionError(f"is not a readable zip file ({exc})", file=str(archive),
                              fix="create it again with `zip -r`") from None
    with handle:
        members = handle.infolist()
        if len(members) > MAX_FILES:
            _check_totals(0, len(members), archive)
        names: dict[PurePosixPath, zipfile.ZipInfo] = {}
        for info in members:
            path = _member_name(info, archive)
            mode = info.external_attr >> 16
            kind = stat.S_IFMT(mode)
            if kind == stat.S_IFLNK:
                raise SubmissionError(f"holds the link {info.filename!r}", file=str(archive),
                                      fix="links are not allowed in zip files; put the file in")
            if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
                raise SubmissionError(f"holds the special file {info.filename!r}",
                                      file=str(archive), fix="zip regular files only")
            if info.flag_bits & 0x1:
                raise SubmissionError(f"{info.filename!r} is encrypted", file=str(archive),
                                      fix="zip without a password")
            if path in names:
                raise SubmissionError(f"holds {info.filename!r} twice", file=str(archive),
                                      fix="zip each file once")
            names[path] = info
        root = _common_root(names)
        target.mkdir()
        total = 0
        for path, info in names.items():
            relative = PurePosixPath(*path.parts[len(root.parts):]) if root else path
            if not relative.parts or relative.parts[0] in SKIPPED_DIRS:
                continue
            destination = target.joinpath(*relative.parts)
            if info.is_dir():
                destination.mkdir(parents=True, exist_ok=True)
                continue
            destination.parent.mkdir(parents=True, exist_ok=True)
            total = _copy_member(handle, info, destination, total, archive)
            executable = (info.external_attr >> 16) & 0o111
            os.chmod(destination, 0o755 if executable else 0o644)


def _copy_member(handle: zipfile.ZipFile, info: zipfile.ZipInfo, destination: Path, total: int,
                 archive: Path) -> int:
    if total + info.file_size > MAX_BYTES:
        _check_totals(total + info.file_size, 0, archive)
    try:
        with handle.open(info) as src, open(destination, "xb") as dst:
            while chunk := src.read(_CHUNK):
                total += len(chunk)
                _check_totals(total, 0, archive)  # counted as decompressed: headers may lie
                dst.write(chunk)
    except (zipfile.BadZipFile, EOFError, NotImplementedError, RuntimeError) as exc:
        raise SubmissionError(f"cannot unpack {info.filename!r} ({exc})", file=str(archive),
                              fix="create the zip file again with `zip -r`") from None
    return total


def _common_root(names: dict[PurePosixPath, zipfile.ZipInfo]) -> PurePosixPath | None:
    """The single top-level directory of a zip of a directory (``my-model/...``), if the
    manifest is not at the top."""
    if PurePosixPath(MANIFEST_NAME) in names:
        return None
    tops = {p.parts[0] for p in names}
    if len(tops) == 1:
        top = PurePosixPath(next(iter(tops)))
        if top / MANIFEST_NAME in names:
            return top
    return None


def _make_read_only(tree: Path) -> None:
    for dirpath, dirnames, filenames in os.walk(tree, topdown=False):
        for name in filenames:
            full = Path(dirpath) / name
            if not full.is_symlink():
                os.chmod(full, os.lstat(full).st_mode & 0o555)
        os.chmod(dirpath, 0o555)


def _make_writable(tree: Path) -> None:
    for dirpath, _, _ in os.walk(tree):
        os.chmod(dirpath, 0o755)
