"""Who a run executes as: one unprivileged host uid per concurrent run, and its clean-up.

When the harness is root, every run takes a uid from the pool ``61000..61063`` (never 65534,
which may use the disk's reserved blocks, and never a uid that has a passwd or group entry on
the host). A uid is held through an exclusive ``flock`` on ``/run/arena/uids/<uid>.lock`` for the
whole run, so runs in other processes (a local process pool, Dask workers) and in other threads
never share one. Before the lock is released, every process of the uid is killed
(:func:`kill_user_processes`) and none may remain; the pool's uids own no file on the host
outside the run's output directory, which the harness deletes.

When the harness is not root, the run executes as the caller's own uid (bubblewrap maps it into
the sandbox); :attr:`SandboxUser.dedicated` is then False and the result says so.
"""

from __future__ import annotations

import errno
import fcntl
import functools
import grp
import os
import pwd
import random
import shutil
import signal
import subprocess
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from harness.errors import SandboxUnavailableError

__all__ = ["SandboxUser", "sandbox_user", "kill_user_processes", "user_processes", "UID_BASE",
           "UID_COUNT", "STATE_DIR", "LOCK_DIR", "pool_uids"]

UID_BASE = 61000
UID_COUNT = 64
STATE_DIR = Path("/run/arena")
LOCK_DIR = STATE_DIR / "uids"
ACQUIRE_TIMEOUT_S = 600.0
KILL_DEADLINE_S = 10.0
_QUARANTINED: list[int] = []
_CLEAN = b"clean\n"  # a lock file's content once its uid has no process left


@dataclass
class SandboxUser:
    """The host uid/gid a run executes as; ``dedicated`` when it is a pool uid (harness root).

    ``pid_namespace_ended``: set by the run when bubblewrap reported the exit of the sandbox's
    PID 1. The kernel kills and reaps every process of a PID namespace before its init's exit is
    reported, and bubblewrap (reaped before that) is the only process of the uid outside it, so
    the release skips the sweep of ``/proc`` (about 1.5 ms per run, more on a busy host).
    """

    uid: int
    gid: int
    dedicated: bool
    pid_namespace_ended: bool = False


def pool_uids() -> range:
    return range(UID_BASE, UID_BASE + UID_COUNT)


@functools.lru_cache(maxsize=1)
def _candidates() -> tuple[int, ...]:
    return tuple(uid for uid in pool_uids() if _unassigned(uid))


def _unassigned(uid: int) -> bool:
    """No host account or group uses this number."""
    try:
        pwd.getpwuid(uid)
        return False
    except KeyError:
        pass
    try:
        grp.getgrgid(uid)
        return False
    except KeyError:
        return True


def _lock_dir() -> Path:
    try:
        STATE_DIR.mkdir(mode=0o711, exist_ok=True)
        LOCK_DIR.mkdir(mode=0o700, exist_ok=True)
    except OSError as exc:
        raise SandboxUnavailableError(
            f"cannot create the sandbox's state directory {LOCK_DIR}: {exc.strerror}",
            fix="run the harness as root on a machine with a writable /run") from None
    for path in (STATE_DIR, LOCK_DIR):
        info = os.lstat(path)
        if info.st_uid != 0 or not os.path.isdir(path) or os.path.islink(path):
            raise SandboxUnavailableError(f"{path} must be a directory owned by root",
                                          fix=f"remove {path} and run again")
    return LOCK_DIR


def _try_lock(directory: Path, uid: int) -> int | None:
    fd = os.open(directory / f"{uid}.lock",
                 os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        os.close(fd)
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN):
            return None
        raise
    return fd


def _acquire() -> tuple[int, int]:
    directory = _lock_dir()
    candidates = list(_candidates())
    if not candidates:
        raise SandboxUnavailableError(
            f"every uid from {UID_BASE} to {UID_BASE + UID_COUNT - 1} belongs to a host "
            f"account, so none can run submissions", fix="free some of these uids")
    deadline = time.monotonic() + ACQUIRE_TIMEOUT_S
    while True:
        start = random.randrange(len(candidates))
        for uid in candidates[start:] + candidates[:start]:
            fd = _try_lock(directory, uid)
            if fd is not None:
                return uid, fd
        if time.monotonic() > deadline:
            raise SandboxUnavailableError(
                f"all {len(candidates)} sandbox uids stayed busy for {ACQUIRE_TIMEOUT_S:g} s",
                fix="run fewer submissions at once")
        time.sleep(0.05)


@contextmanager
def sandbox_user() -> Iterator[SandboxUser]:
    """Hold a uid for one run; on exit kill every process of it (unless the run's PID namespace
    is known to have ended), then release it."""
    if os.geteuid() != 0:
        yield SandboxUser(os.getuid(), os.getgid(), dedicated=False)
        return
    uid, fd = _acquire()
    user = None
    try:
        if os.pread(fd, len(_CLEAN), 0) != _CLEAN:  # the last holder died mid-run
            kill_user_processes(uid)
        os.pwrite(fd, b"in use\n", 0)
        os.ftruncate(fd, 7)
        user = SandboxUser(uid, uid, dedicated=True)
        yield user
    finally:
        try:
            if user is None or not user.pid_namespace_ended:
                kill_user_processes(uid)
        except BaseException:
            _QUARANTINED.append(fd)  # keep the lock: no later run gets a uid with survivors
            raise
        os.pwrite(fd, _CLEAN, 0)
        os.ftruncate(fd, len(_CLEAN))
        os.close(fd)  # closing the only descriptor releases the flock


def user_processes(uid: int) -> list[int]:
    """Live processes (not zombies) whose real, effective, saved or filesystem uid is ``uid``.

    Read from ``/proc/PID/status``, which shows the uids even of a process that made itself
    non-dumpable (whose ``/proc/PID`` then belongs to root).
    """
    found = []
    wanted = str(uid).encode()
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:  # raw descriptors: this runs after every run, over every process of the host
            fd = os.open(f"/proc/{name}/status", os.O_RDONLY | os.O_CLOEXEC)
        except OSError:
            continue
        try:
            text = os.read(fd, 2048)
        except OSError:
            continue
        finally:
            os.close(fd)
        state = uids = None
        for line in text.splitlines():
            if line.startswith(b"State:"):
                state = line.split()[1:2]
            elif line.startswith(b"Uid:"):
                uids = line.split()[1:]
                break
        if uids and wanted in uids and state not in ([b"Z"], [b"X"]):
            found.append(int(name))
    return found


def _kill_as(uid: int) -> None:
    """``kill(-1, SIGKILL)`` as ``uid``: the kernel signals every process of the uid in one
    pass (so a forking process cannot outrun it), except the helper itself."""
    kill = shutil.which("kill", path="/usr/bin:/bin")
    if kill is None:
        return
    try:
        subprocess.run([kill, "-KILL", "-1"], user=uid, group=uid, extra_groups=[], env={},
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        pass


def kill_user_processes(uid: int, *, deadline_s: float = KILL_DEADLINE_S) -> None:
    """SIGKILL every process of ``uid`` and return once none is left.

    Raises :class:`SandboxUnavailableError` if some survive ``deadline_s`` (a process stuck in
    the kernel); the uid's lock is
    then kept, so no later run of this process gets it.
    """
    pids = user_processes(uid)
    if not pids:
        return
    _kill_as(uid)
    deadline = time.monotonic() + deadline_s
    while pids:
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        if time.monotonic() > deadline:
            raise SandboxUnavailableError(
                f"processes {pids[:10]} of sandbox uid {uid} survived SIGKILL for "
                f"{deadline_s:g} s", fix="look for processes stuck in the kernel (state D)")
        time.sleep(0.01)
        pids = user_processes(uid)
