"""Making the run's host paths reachable by its unprivileged uid, then becoming that uid.

bubblewrap runs as the run's uid (see ``uids.py``), so it can only bind what that uid can reach.
The interpreter often cannot be reached: a pyenv Python lives under ``/root`` (mode 0700), and the
harness's work and scenario directories may sit under private temporary directories. Opening
``O_PATH`` descriptors does not help: bubblewrap 0.8 resolves ``--ro-bind-fd`` sources with
``realpath``, which needs search permission on every parent directory.

So the child that becomes bubblewrap first prepares a *private mount namespace* while it is still
root (:func:`child_setup`): it unshares the mount namespace, makes every mount private (nothing
propagates back to the host), mounts a small tmpfs on :data:`STAGE_DIR`, and bind-mounts each
source the run needs (the venv, its base interpreter, the scenario's manifest and tables, the
submission, the runner, the output directory) onto ``STAGE_DIR/<n>``. Only then does it apply
the rlimits, drop every group, switch to the run's uid and ask to be killed if the harness dies.
The host's mount table never changes, and the uid gains access to exactly those trees — not to
their parents. When the harness is not root, nothing is staged: the sources are used as they are.
"""

from __future__ import annotations

import ctypes
import os
import resource
import signal
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from harness.sandbox.uids import STATE_DIR, SandboxUser

__all__ = ["Bind", "STAGE_DIR", "staged_sources", "child_setup", "prepare_stage_dir"]

STAGE_DIR = STATE_DIR / "stage"

_CLONE_NEWNS = 0x00020000
_MS_NOSUID, _MS_NODEV, _MS_NOEXEC = 0x2, 0x4, 0x8
_MS_BIND, _MS_REC, _MS_PRIVATE = 0x1000, 0x4000, 0x40000
_PR_SET_PDEATHSIG = 1
_PR_SET_CHILD_SUBREAPER = 36

_libc = ctypes.CDLL(None, use_errno=True)
_unshare = _libc.unshare
_unshare.argtypes = [ctypes.c_int]
_mount = _libc.mount
_mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong,
                   ctypes.c_void_p]
_prctl = _libc.prctl
_prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong,
                   ctypes.c_ulong]


@dataclass(frozen=True)
class Bind:
    """A host path shown inside the sandbox at ``dest``; read-only unless ``writable``."""

    source: Path
    dest: str
    writable: bool = False


def prepare_stage_dir() -> None:
    """The (always empty) mount point of the staging tmpfs, created once, owned by root."""
    STATE_DIR.mkdir(mode=0o711, exist_ok=True)
    STAGE_DIR.mkdir(mode=0o755, exist_ok=True)


def staged_sources(binds: Sequence[Bind], *, stage: bool) -> list[str]:
    """The path bubblewrap binds each of ``binds`` from: ``STAGE_DIR/<n>`` when staging, else
    the host path itself."""
    if not stage:
        return [str(b.source) for b in binds]
    return [f"{STAGE_DIR}/{index}" for index in range(len(binds))]


def _check(result: int, what: str) -> None:
    if result != 0:
        number = ctypes.get_errno()
        raise OSError(number, f"{what}: {os.strerror(number)}")


def child_setup(*, binds: Sequence[Bind], stage: bool, user: SandboxUser | None,
                rlimits: Sequence[tuple[int, int, int]]) -> Callable[[], None]:
    """The ``preexec_fn`` of the process that becomes bubblewrap (or the unsafe runner).

    Runs in the forked child, before ``exec``: staging (root only), rlimits, the uid switch when
    ``user`` is a dedicated pool uid, then ``PR_SET_PDEATHSIG`` (SIGKILL when the harness thread
    that started it dies) and ``PR_SET_CHILD_SUBREAPER`` (orphans of the tree stay in it).
    A failure is written to the child's stderr and raised (``Popen`` then fails).
    """
    jobs = []
    if stage:
        for index, bind in enumerate(binds):
            source = os.path.realpath(bind.source)
            jobs.append((os.fsencode(source), os.fsencode(f"{STAGE_DIR}/{index}"),
                         os.path.isdir(source)))
    stage_dir = os.fsencode(STAGE_DIR)
    parent = os.getpid()

    def setup() -> None:
        try:
            if stage:
                _check(_unshare(_CLONE_NEWNS), "unshare(CLONE_NEWNS)")
                _check(_mount(b"none", b"/", None, _MS_REC | _MS_PRIVATE, None),
                       "making / private")
                _check(_mount(b"arena-stage", stage_dir, b"tmpfs",
                              _MS_NOSUID | _MS_NODEV | _MS_NOEXEC, b"mode=0755,size=1m"),
                       f"mounting a tmpfs on {STAGE_DIR}")
                for source, target, is_dir in jobs:
                    if is_dir:
                        os.mkdir(target, 0o755)
                    else:
                        os.close(os.open(target, os.O_CREAT | os.O_WRONLY | os.O_CLOEXEC, 0o644))
                    _check(_mount(source, target, None, _MS_BIND, None),
                           f"binding {os.fsdecode(source)}")
            for which, soft, hard in rlimits:
                _, current = resource.getrlimit(which)
                if current != resource.RLIM_INFINITY:  # an unprivileged parent cannot raise it
                    soft, hard = min(soft, current), min(hard, current)
                resource.setrlimit(which, (soft, hard))
            if user is not None and user.dedicated:
                os.setgroups([])
                os.setresgid(user.gid, user.gid, user.gid)
                os.setresuid(user.uid, user.uid, user.uid)
            _check(_prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0), "PR_SET_PDEATHSIG")
            _check(_prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), "PR_SET_CHILD_SUBREAPER")
            if os.getppid() != parent:  # the harness died before PDEATHSIG was armed
                os._exit(137)
        except BaseException as exc:
            os.write(2, f"arena: preparing the sandbox failed: {exc}\n".encode())
            raise

    return setup
