"""The bubblewrap command line of one run: namespaces, mounts, environment, seccomp.

Inside the sandbox the submission sees::

    /usr, /lib*, /bin, /sbin     the host system, read-only
    /etc                         ld.so.cache, alternatives, localtime and a one-user passwd/group
    <interpreter trees>          the venv and its base interpreter, read-only, at their host paths
    /arena/input/scenario.json   read-only (the scenario manifest; no label data)
    /arena/input/tables/         read-only (labels/ is never mounted)
    /arena/submission/           read-only, the working directory
    /arena/runner.py, run.json   read-only (python and sql only: the in-sandbox runner and its spec)
    /arena/output/               the only writable host directory (owned by the run's uid)
    /tmp, /dev/shm               private tmpfs, each capped at Limits.tmp_mb
    /proc, /dev                  the sandbox's own (its PID namespace, whose pid 1 is the
                                 command itself; minimal devices);
                                 /proc/sys, /proc/sysrq-trigger & co. read-only

and nothing else: no project tree, no workspace or store, no other submission. Every namespace is
new (user, mount, PID, network with only a loopback that is down, IPC, UTS, cgroup); nested user
namespaces are disabled; the session is new (no controlling terminal: no ``TIOCSTI``); every
capability is dropped; the environment is exactly :func:`sandbox_env`; ``/`` is remounted
read-only; the seccomp filter of ``seccomp.py`` is loaded last. bubblewrap itself runs as the run's
unprivileged uid (``uids.py``) with an empty environment, and host sources come through the
staging of ``stage.py``.
"""

from __future__ import annotations

import functools
import os
import shutil
import stat
import sys
from pathlib import Path
from typing import Sequence

from harness.errors import SandboxUnavailableError
from harness.limits import Limits
from harness.sandbox.seccomp import UnsupportedArchitecture, filter_program
from harness.sandbox.launcher import Setup, spawn
from harness.sandbox.stage import Bind, prepare_stage_dir
from harness.sandbox.uids import SandboxUser, sandbox_user

__all__ = ["find_bwrap", "sandbox_available", "bwrap_arguments", "sandbox_env",
           "interpreter_roots", "runner_command", "ARENA_INPUT", "ARENA_OUTPUT",
           "ARENA_SUBMISSION", "ARENA_RUNNER", "ARENA_SPEC", "seccomp_fd"]

ARENA = "/arena"
ARENA_INPUT = f"{ARENA}/input"
ARENA_OUTPUT = f"{ARENA}/output"
ARENA_SUBMISSION = f"{ARENA}/submission"
ARENA_RUNNER = f"{ARENA}/runner.py"
ARENA_SPEC = f"{ARENA}/run.json"
SYSTEM_TOP_LEVEL = ("lib", "lib32", "lib64", "libx32", "bin", "sbin")
ETC_FILES = ("ld.so.cache", "alternatives", "localtime")
PROC_READ_ONLY = ("sys", "sysrq-trigger", "irq", "bus", "fs", "driver", "tty", "acpi", "scsi",
                  "mtrr")


def find_bwrap() -> str | None:
    """The bubblewrap executable: ``bwrap`` on PATH, else ``/usr/bin/bwrap``."""
    found = shutil.which("bwrap")
    if found:
        return found
    return "/usr/bin/bwrap" if os.access("/usr/bin/bwrap", os.X_OK) else None


def seccomp_fd() -> int:
    """A pipe's read end holding the seccomp program (bubblewrap reads it to EOF)."""
    program = filter_program()
    read_end, write_end = os.pipe()
    try:
        os.write(write_end, program)  # a few hundred bytes: well within a pipe's buffer
    finally:
        os.close(write_end)
    return read_end


@functools.lru_cache(maxsize=1)
def sandbox_available() -> bool:
    """True when bubblewrap exists and can build a run's sandbox here, as the run's uid, with
    its seccomp filter (checked once per process)."""
    bwrap = find_bwrap()
    true = shutil.which("true") or "/usr/bin/true"
    if bwrap is None:
        return False
    try:
        if os.geteuid() == 0:
            prepare_stage_dir()
        with sandbox_user() as user:
            filter_fd = seccomp_fd()
            null = os.open(os.devnull, os.O_RDWR | os.O_CLOEXEC)
            try:
                probe = spawn(
                    [bwrap, "--unshare-all", "--unshare-user", "--disable-userns", "--as-pid-1",
                     "--assert-userns-disabled", "--die-with-parent", "--new-session",
                     "--cap-drop", "ALL", "--uid", str(user.uid), "--gid", str(user.gid),
                     "--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev",
                     "--seccomp", "3", true],
                    env={}, fds=(null, null, null, filter_fd),
                    setup=Setup(uid=user.uid if user.dedicated else None,
                                gid=user.gid if user.dedicated else None))
            finally:
                os.close(null)
                os.close(filter_fd)
            try:
                record = probe.wait(timeout=30)
                if record is None:
                    os.kill(probe.pid, 9)
                    record = probe.wait(timeout=5)
            finally:
                probe.close()
    except (OSError, UnsupportedArchitecture, SandboxUnavailableError):
        return False
    return record is not None and record.get("status") == 0


@functools.lru_cache(maxsize=1)
def interpreter_roots() -> tuple[Path, ...]:
    """The directory trees the running Python needs, as real paths, outermost only.

    The venv (``sys.prefix``) and the interpreter it was made from (``sys.base_prefix``,
    ``sys.executable``'s real location); trees already under ``/usr`` are mounted anyway.
    """
    candidates = {Path(sys.prefix), Path(sys.exec_prefix), Path(sys.base_prefix),
                  Path(sys.base_exec_prefix), Path(os.path.realpath(sys.executable)).parent.parent}
    candidates |= {Path(os.path.realpath(p)) for p in list(candidates)}
    roots: list[Path] = []
    for path in sorted(candidates, key=lambda p: len(p.parts)):
        if path == Path("/") or path.is_relative_to("/usr"):
            continue
        if not path.is_dir() or any(path.is_relative_to(root) for root in roots):
            continue
        roots.append(path)
    return tuple(roots)


def sandbox_env(*, point: str, input_dir: str, output_dir: str) -> dict[str, str]:
    """The whole environment of a run: nothing is inherited from the harness."""
    venv_bin = os.path.dirname(sys.executable)
    return {
        "ARENA_INPUT": input_dir,
        "ARENA_OUTPUT": output_dir,
        "ARENA_POINT": point,
        "HOME": "/tmp",
        "TMPDIR": "/tmp",
        "PATH": f"{venv_bin}:/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONNOUSERSITE": "1",
        "PYTHONHASHSEED": "0",
        # One compute thread per library: CPU time is limited, not cores, and threads count
        # against Limits.processes.
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "NUMEXPR_NUM_THREADS": "1",
        "ARROW_IO_THREADS": "2",
    }


def passwd_files(run_dir: Path, user: SandboxUser) -> tuple[Path, Path]:
    """A passwd and group file naming only the run's user (``arena``).

    Written only when missing or different: a run directory is reused (``slots.py``), and
    rewriting a file in place frees its block, which is slow on disks mounted with ``discard``.
    """
    files = {run_dir / "passwd": f"arena:x:{user.uid}:{user.gid}:arena:/tmp:/usr/sbin/nologin\n",
             run_dir / "group": f"arena:x:{user.gid}:\n"}
    for path, content in files.items():
        try:
            current = path.read_text() if not path.is_symlink() else None
        except OSError:
            current = None
        if current != content or stat.S_IMODE(os.lstat(path).st_mode) != 0o644:
            path.unlink(missing_ok=True)
            path.write_text(content)
            path.chmod(0o644)
    return run_dir / "passwd", run_dir / "group"


def bwrap_arguments(*, binds: Sequence[Bind], sources: Sequence[str], env: dict[str, str],
                    limits: Limits, user: SandboxUser, status_fd: int,
                    filter_fd: int) -> list[str]:
    """The bubblewrap options (without the executable and the command).

    ``binds`` are the run's host paths and ``sources`` the paths bubblewrap binds them from
    (staged copies of the same mounts, see ``stage.py``); the interpreter trees must come first.
    They are handed to bwrap through ``--args FD``, so the sandbox's ``/proc/1/cmdline`` does
    not show them.
    """
    # --as-pid-1: the command itself is the PID namespace's init. bubblewrap's own init would
    # outlive the outer bwrap as an unreaped zombie (0.8 reports the exit code through an eventfd
    # and exits at once), piling up under the host's init run after run.
    args = ["--unshare-all", "--unshare-user", "--disable-userns", "--assert-userns-disabled",
            "--as-pid-1", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
            "--uid", str(user.uid), "--gid", str(user.gid), "--hostname", "arena",
            "--clearenv"]
    for key, value in env.items():
        args += ["--setenv", key, value]
    args += ["--ro-bind", "/usr", "/usr"]
    for name in SYSTEM_TOP_LEVEL:
        host = Path("/") / name
        if host.is_symlink():
            args += ["--symlink", os.readlink(host), f"/{name}"]
        elif host.is_dir():
            args += ["--ro-bind", str(host), f"/{name}"]
    args += ["--dir", "/etc"]
    for name in ETC_FILES:
        args += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
    args += ["--proc", "/proc"]
    # Cover the kernel's tunables explicitly (bwrap covers /proc/sys only when it looks
    # writable to bwrap itself).
    for name in PROC_READ_ONLY:
        args += ["--ro-bind-try", f"/proc/{name}", f"/proc/{name}"]
    args += ["--dev", "/dev",
             "--size", str(limits.tmp_bytes), "--tmpfs", "/tmp",
             "--size", str(limits.tmp_bytes), "--tmpfs", "/dev/shm",
             "--dir", ARENA, "--dir", ARENA_INPUT]
    for bind, source in zip(binds, sources, strict=True):
        args += ["--bind" if bind.writable else "--ro-bind", source, bind.dest]
    args += ["--remount-ro", "/",
             "--chdir", ARENA_SUBMISSION,
             "--json-status-fd", str(status_fd),
             "--seccomp", str(filter_fd)]
    return args


def runner_command() -> list[str]:
    """The in-sandbox runner for python and sql: the harness's interpreter in isolated mode."""
    return [sys.executable, "-I", "-B", ARENA_RUNNER, ARENA_SPEC]
