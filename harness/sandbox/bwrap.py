"""The bubblewrap command line of one run: mounts, namespaces and environment.

Inside the sandbox the submission sees::

    /usr, /lib*, /bin, /sbin     the host system, read-only
    /etc                         ld.so.cache, alternatives and a one-user passwd/group only
    <interpreter trees>          the venv and its base interpreter, read-only, at their host paths
    /arena/input/scenario.json   read-only (the scenario manifest; no label data)
    /arena/input/tables/         read-only (labels/ is never mounted)
    /arena/submission/           read-only, the working directory
    /arena/runner.py, run.json   read-only (the harness's in-sandbox runner and its spec)
    /arena/output/               the only writable host directory
    /tmp, /dev/shm               private tmpfs capped at Limits.tmp_mb
    /proc, /dev                  the sandbox's own (its PID namespace; minimal devices);
                                 /proc/sys, /proc/sysrq-trigger & co. read-only

and nothing else: no project tree, no workspace or store, no other submission, no network
(``--unshare-all`` without ``--share-net``: only a loopback device that is down), and no
further user namespaces (``--disable-userns``).
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from pathlib import Path

from harness.limits import Limits

__all__ = ["find_bwrap", "sandbox_available", "bwrap_arguments", "sandbox_env",
           "interpreter_roots", "sandbox_command", "SANDBOX_UID", "SANDBOX_GID", "ARENA_INPUT",
           "ARENA_OUTPUT"]

SANDBOX_UID = 10001
SANDBOX_GID = 10001
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


@functools.lru_cache(maxsize=1)
def sandbox_available() -> bool:
    """True when bubblewrap exists *and* can create the namespaces a run needs (checked once)."""
    bwrap = find_bwrap()
    true = shutil.which("true") or "/usr/bin/true"
    if bwrap is None:
        return False
    try:
        probe = subprocess.run(
            [bwrap, "--unshare-all", "--die-with-parent", "--cap-drop", "ALL",
             "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_GID),
             "--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev", true],
            env={}, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return probe.returncode == 0


def interpreter_roots() -> list[Path]:
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
    return roots


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


def _passwd_files(run_dir: Path) -> tuple[Path, Path]:
    passwd = run_dir / "passwd"
    group = run_dir / "group"
    passwd.write_text(f"arena:x:{SANDBOX_UID}:{SANDBOX_GID}:arena:/tmp:/usr/sbin/nologin\n")
    group.write_text(f"arena:x:{SANDBOX_GID}:\n")
    return passwd, group


def bwrap_arguments(*, scenario_dir: Path, submission_dir: Path, runner: Path, spec: Path,
                    output_dir: Path, run_dir: Path, env: dict[str, str], limits: Limits,
                    status_fd: int) -> list[str]:
    """The bubblewrap options (without the executable and the command).

    They are handed to bwrap through ``--args FD``, so the sandbox's ``/proc/1/cmdline`` does not
    show host paths; the command (:func:`sandbox_command`) follows on bwrap's real command line.
    """
    args = ["--unshare-all", "--unshare-user", "--disable-userns", "--assert-userns-disabled",
            "--die-with-parent", "--new-session", "--cap-drop", "ALL",
            "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_GID), "--hostname", "arena",
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
    passwd, group = _passwd_files(run_dir)
    args += ["--ro-bind", str(passwd), "/etc/passwd", "--ro-bind", str(group), "/etc/group"]
    # The private /tmp and /dev/shm come before the interpreter: a venv that lives under the
    # host's /tmp (a CI clone) must be bound on top of the tmpfs, not hidden beneath it.
    args += ["--dev", "/dev",
             "--size", str(limits.tmp_bytes), "--tmpfs", "/tmp",
             "--size", str(limits.tmp_bytes), "--tmpfs", "/dev/shm"]
    for root in interpreter_roots():
        args += ["--ro-bind", str(root), str(root)]
    args += ["--proc", "/proc"]
    # bwrap covers /proc/sys only when it looks writable to *bwrap*; as root (mapped into the
    # sandbox) the sysctl files themselves are writable, so cover them explicitly.
    for name in PROC_READ_ONLY:
        args += ["--ro-bind-try", f"/proc/{name}", f"/proc/{name}"]
    # The scenario's manifest and tables one by one: never the scenario directory (labels/).
    args += ["--dir", ARENA, "--dir", ARENA_INPUT,
             "--ro-bind", str(scenario_dir / "scenario.json"), f"{ARENA_INPUT}/scenario.json",
             "--ro-bind", str(scenario_dir / "tables"), f"{ARENA_INPUT}/tables",
             "--ro-bind", str(submission_dir), ARENA_SUBMISSION,
             "--ro-bind", str(runner), ARENA_RUNNER,
             "--ro-bind", str(spec), ARENA_SPEC,
             "--bind", str(output_dir), ARENA_OUTPUT,
             "--remount-ro", "/",
             "--chdir", ARENA_SUBMISSION,
             "--json-status-fd", str(status_fd)]
    return args


def sandbox_command() -> list[str]:
    """What bwrap runs: the harness's interpreter on the runner (isolated mode, no bytecode)."""
    return [sys.executable, "-I", "-B", ARENA_RUNNER, ARENA_SPEC]
