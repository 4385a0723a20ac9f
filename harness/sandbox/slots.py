"""The run directory of a run: one persistent directory per pool uid, emptied between runs.

A run needs a directory of the harness's own for its output directory (owned by the run's uid),
its passwd/group files and, sometimes, readable copies of its inputs. Creating and deleting it per
run is not free: on ext4 mounted with ``discard`` (as on the machines this was built on) every
``rmdir`` frees a block synchronously, about 4 ms each, and the device serialises them across
parallel runs. So a pool uid keeps one directory, ``/run/arena/runs/<uid>/``, holding the uid's
lock (``uids.py``) holds the directory too, and only the files a run creates are removed (a file
removed before it was ever written back costs microseconds).

The directory is checked on every use (owned by root, not a link, mode 0700; the output directory
a real directory owned by the run's uid, mode 0700, empty); anything else is deleted and made
again, so nothing a previous run left (files, links, FIFOs, modes) reaches the next run.

When the harness is not root (no pool uid) or runs unsafely, a run gets a fresh temporary
directory instead, deleted afterwards.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from harness.errors import SandboxUnavailableError
from harness.sandbox.uids import STATE_DIR, SandboxUser

__all__ = ["run_directory", "RUNS_DIR", "OUTPUT", "KEPT"]

RUNS_DIR = STATE_DIR / "runs"
OUTPUT = "output"
# What a slot keeps between runs: the output directory (emptied) and the uid's passwd and group
# files (their content depends on the uid only). Everything else is the run's own.
KEPT = frozenset({OUTPUT, "passwd", "group"})


@contextmanager
def run_directory(user: SandboxUser) -> Iterator[Path]:
    """The run's directory, holding an empty ``output/`` owned by the run's uid (mode 0700)."""
    if not user.dedicated:
        path = Path(tempfile.mkdtemp(prefix="arena-run-"))
        try:
            _ready_output(path / OUTPUT, user)
            yield path
        finally:
            shutil.rmtree(path, ignore_errors=True)
        return
    path = _slot(user.uid)
    try:
        _ready_output(path / OUTPUT, user)
        yield path
    finally:
        _clear(path)


def _secure_dir(path: Path, mode: int) -> None:
    """``path`` as a directory owned by root with ``mode``, made if missing; refused otherwise
    (a planted link or a directory of another owner would let a uid redirect the harness)."""
    try:
        path.mkdir(mode=mode, exist_ok=True)
        info = os.lstat(path)
    except OSError as exc:
        raise SandboxUnavailableError(f"cannot create the sandbox's directory {path}: "
                                      f"{exc.strerror}",
                                      fix="run the harness as root on a machine with a "
                                          "writable /run") from None
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != 0:
        raise SandboxUnavailableError(f"{path} must be a directory owned by root",
                                      fix=f"remove {path} and run again")
    if stat.S_IMODE(info.st_mode) != mode:
        os.chmod(path, mode)


def _slot(uid: int) -> Path:
    _secure_dir(STATE_DIR, 0o711)
    _secure_dir(RUNS_DIR, 0o700)
    slot = RUNS_DIR / str(uid)
    _secure_dir(slot, 0o700)
    _clear(slot)  # a harness killed mid-run leaves its files behind
    return slot


def _ready_output(output: Path, user: SandboxUser) -> None:
    """An empty directory owned by the run's uid, mode 0700; rebuilt if it is anything else."""
    try:
        info = os.lstat(output)
    except FileNotFoundError:
        info = None
    wanted = info is not None and stat.S_ISDIR(info.st_mode) and info.st_uid == user.uid \
        and info.st_gid == user.gid and stat.S_IMODE(info.st_mode) == 0o700
    if info is not None and not wanted:
        _remove(output)
    if not wanted:
        output.mkdir(mode=0o700)
        os.chown(output, user.uid, user.gid)
        os.chmod(output, 0o700)
    else:
        _empty(output)


def _clear(slot: Path) -> None:
    """Remove what one run made in ``slot``: every entry but :data:`KEPT`; empty the output."""
    with os.scandir(slot) as entries:
        for entry in entries:
            if entry.name == OUTPUT and entry.is_dir(follow_symlinks=False):
                _empty(Path(entry.path))
            elif entry.name not in KEPT or not entry.is_file(follow_symlinks=False):
                _remove(Path(entry.path))


def _empty(directory: Path) -> None:
    with os.scandir(directory) as entries:
        for entry in entries:
            _remove(Path(entry.path))


def _remove(path: Path) -> None:
    """Delete ``path`` whatever it is, never following a link."""
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    else:
        os.unlink(path)
