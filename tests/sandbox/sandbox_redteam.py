"""Shared machinery of the red-team suite: the case record, the probe prelude, the fake scenario,
host snapshots and the batch runner. Imported by the test modules next to it (not a test file).

A *probe* is a ``command`` submission running ``python probe.py`` (standard library only, so it
starts in milliseconds): the prelude below, the case's body, then ``finish()``, which writes what
the probe observed as clue rows (``record_id`` = what was tried, ``reason`` = ``ok``, the errno
name, or a value). Every case runs next to a benign submission in the same batch, two at a time.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import platform
import textwrap
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from harness.limits import Limits
from harness.sandbox import RunResult, run_submission
from harness.sandbox.seccomp import ARCHES
from harness.sandbox.uids import LOCK_DIR, UID_BASE, UID_COUNT
from harness.status import RunStatus
from harness.submission import load_submission
from synthetic.scenario import load_scenario

LABEL_MARKER = "LABELS-ARE-SECRET-7f3a"
OTHER_MARKER = "OTHER-TEAM-SECRET-c41d"
HOST_MARKER = "arena-pwned"
# Roomy enough that a loaded CI machine does not turn a benign step into a timeout; the cases that
# are meant to hit a time limit set their own.
LIMITS = Limits(wall_s=20, cpu_s=10, memory_mb=384, processes=32, open_files=128, output_mb=2,
                tmp_mb=16, stream_bytes=64 << 10)
SYSCTLS = ("kernel/hostname", "kernel/domainname", "kernel/core_pattern", "kernel/panic",
           "kernel/sysrq", "vm/swappiness", "vm/overcommit_memory", "net/ipv4/ip_forward",
           "kernel/unprivileged_bpf_disabled", "user/max_user_namespaces")

PRELUDE = r'''
import csv, ctypes, errno, json, os, signal, socket, sys, time
OUT = os.environ["ARENA_OUTPUT"]
found = {}
libc = ctypes.CDLL(None, use_errno=True)
NR = %(numbers)s
# What an attacker may know of the host: its paths, ports and pids (the worst case).
HOST = json.load(open("host.json")) if os.path.exists("host.json") else {}

def errname(number):
    return errno.errorcode.get(number, str(number))

def attempt(key, fn, *args):
    """Record 'ok' (or fn's non-None result) or the errno name of the OSError it raised."""
    try:
        value = fn(*args)
        found[key] = "ok" if value is None else str(value)
    except OSError as exc:
        found[key] = errname(exc.errno)

def call(key, name, *args):
    """A raw libc call: 'ok' or the errno name."""
    ctypes.set_errno(0)
    result = getattr(libc, name)(*args)
    found[key] = "ok" if result != -1 else errname(ctypes.get_errno())

def syscall(key, name, *args):
    call(key, "syscall", ctypes.c_long(NR[name]), *args)

def write_file(path, data="x"):
    with open(path, "a") as handle:
        handle.write(data)

def finish():
    with open(os.path.join(OUT, "clues.csv"), "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["record_id", "reason"])
        for key, value in found.items():
            writer.writerow([key, value])
'''


@dataclass(frozen=True)
class Case:
    """One hostile submission and what must come of it.

    ``probe``: Python run after the prelude (then ``finish()``), as ``python probe.py``; or
    ``files`` + ``language``/``command`` for any other submission. ``expect``: observations of a
    probe that must hold (a string, or a tuple of acceptable strings). ``message``: a fragment
    the result's message must contain.
    """

    name: str
    status: RunStatus | tuple[RunStatus, ...]  # a tuple: any of these outcomes is right
    probe: str | None = None
    files: dict[str, str | bytes] | None = None
    language: str = "command"
    command: tuple[str, ...] = ("python", "probe.py")
    limits: Limits = LIMITS
    message: str | None = None
    expect: dict[str, Any] = field(default_factory=dict)
    finish: bool = True


def probe_source(body: str, *, finish: bool = True) -> str:
    machine = platform.machine()
    numbers = dict(ARCHES[machine].numbers) if machine in ARCHES else {}
    source = PRELUDE % {"numbers": repr(numbers)} + textwrap.dedent(body)
    return source + ("\nfinish()\n" if finish else "\n")


def write_tree(path: Path, files: dict[str, str | bytes]) -> None:
    for relative, content in files.items():
        target = path / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(textwrap.dedent(content), encoding="utf-8")


def manifest_text(**fields: Any) -> str:
    return "".join(f"{key} = {json.dumps(value, ensure_ascii=False)}\n"
                   for key, value in fields.items())


def write_submission(path: Path, case: Case, host: dict[str, Any]) -> Path:
    fields: dict[str, Any] = {"team": "red team", "name": case.name, "version": "1.0",
                              "points": ["env_tax"], "language": case.language}
    files = dict(case.files or {})
    files["host.json"] = json.dumps(host)
    if case.probe is not None:
        files["probe.py"] = probe_source(case.probe, finish=case.finish)
    if case.language == "python":
        fields["entrypoint"] = "model.py"
    elif case.language == "command":
        fields["command"] = list(case.command)
    path.mkdir(parents=True)
    (path / "submission.toml").write_text(manifest_text(**fields), encoding="utf-8")
    write_tree(path, files)
    return path


def write_benign(path: Path) -> Path:
    """The other run of every batch: checks its input and flags P001."""
    path.mkdir(parents=True)
    (path / "submission.toml").write_text(manifest_text(
        team="blue team", name="benign", version="1.0", points=["env_tax"], language="command",
        command=["/bin/sh", "run.sh"]), encoding="utf-8")
    write_tree(path, {
        "run.sh": """
            set -e
            test -s "$ARENA_INPUT/tables/permits.parquet"
            grep -q '"point": "env_tax"' "$ARENA_INPUT/scenario.json"
            printf 'record_id,reason\\nP001,ENV_UNDECLARED\\n' > "$ARENA_OUTPUT/clues.csv"
        """,
        "secret.txt": f"{OTHER_MARKER}\n",
    })
    return path


def write_scenario(path: Path):
    """A tiny env_tax-shaped scenario; its labels carry LABEL_MARKER."""
    tables = {
        "permits": pa.table({"permit_no": ["P001", "P002", "P003"],
                             "company_name": ["甲公司", "乙公司", "丙公司"]}),
        "monitoring": pa.table({"permit_no": ["P001", "P002", "P003"],
                                "emission_kg": [10.5, 0.0, 3.25]}),
    }
    (path / "tables").mkdir(parents=True)
    (path / "labels").mkdir()
    entries = {}
    for name, table in tables.items():
        target = path / "tables" / f"{name}.parquet"
        pq.write_table(table, target)
        entries[name] = {"rows": table.num_rows, "columns": table.schema.names,
                         "sha256": hashlib.sha256(target.read_bytes()).hexdigest()}
    pq.write_table(pa.table({"record_id": ["P001"], "reason": ["ENV_UNDECLARED"],
                             "marker": [LABEL_MARKER]}), path / "labels" / "labels.parquet")
    (path / "labels" / "answers.txt").write_text(LABEL_MARKER)
    manifest = {"format_version": 1, "id": "env_tax-redteam", "point": "env_tax",
                "generator_version": "test", "seed": 1, "size": 3, "difficulty": "easy",
                "as_of": "2023-12-31", "subject_table": "permits",
                "record_id_column": "permit_no", "tables": entries,
                "reason_codes": ["ENV_UNDECLARED", "ENV_UNDER_DECLARED"]}
    (path / "scenario.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2),
                                        encoding="utf-8")
    return load_scenario(path)


# ---------------------------------------------------------------------------------------------
# Host state


def tree_digest(path: Path) -> str:
    digest = hashlib.sha256()
    for item in sorted(path.rglob("*")):
        info = item.lstat()
        digest.update(f"{item.relative_to(path)}|{info.st_mode:o}|{info.st_uid}".encode())
        if item.is_file() and not item.is_symlink():
            digest.update(item.read_bytes())
    return digest.hexdigest()


def pool_processes() -> list[tuple[int, int, str]]:
    """(uid, pid, command) of every live process of a sandbox uid that no run holds.

    Other test sessions on the machine may be running submissions right now: a uid whose lock
    is held belongs to a run in progress and is skipped; a free uid must have no process.
    """
    pool = {str(uid) for uid in range(UID_BASE, UID_BASE + UID_COUNT)}
    by_uid: dict[int, list[tuple[int, str]]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            text = Path(f"/proc/{entry.name}/status").read_text(errors="replace")
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
        if fields.get("State", "").split()[:1] in (["Z"], ["X"]):
            continue
        uids = pool & set(fields.get("Uid", "").split())
        if uids:
            by_uid.setdefault(int(uids.pop()), []).append((int(entry.name),
                                                           fields.get("Name", "").strip()))
    leaked = []
    for uid, processes in sorted(by_uid.items()):
        lock = LOCK_DIR / f"{uid}.lock"
        try:
            fd = os.open(lock, os.O_RDWR | os.O_NOFOLLOW | os.O_CLOEXEC)
        except FileNotFoundError:
            leaked += [(uid, pid, name) for pid, name in processes]
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            # Free: the processes seen may have belonged to a run that has just ended (its
            # clean-up kills them before it lets go of the uid), so look again.
            leaked += [(uid, pid, name) for pid, name in processes
                       if Path(f"/proc/{pid}").exists()]
        except BlockingIOError:
            pass  # a run in progress holds it
        finally:
            os.close(fd)
    return leaked


def host_marker_files() -> list[str]:
    found = []
    for top in ("/tmp", "/dev/shm", "/run", "/var/tmp"):
        try:
            found += [os.path.join(top, n) for n in os.listdir(top) if HOST_MARKER in n]
        except OSError:
            continue
    return found


@dataclass
class HostState:
    sysctls: dict[str, str]
    digests: dict[str, str]
    markers: list[str]
    clock_offset: float


def snapshot(paths: dict[str, Path]) -> HostState:
    sysctls = {}
    for name in SYSCTLS:
        try:
            sysctls[name] = Path("/proc/sys", name).read_text()
        except OSError:
            sysctls[name] = "<unreadable>"
    return HostState(sysctls=sysctls, digests={k: tree_digest(p) for k, p in paths.items()},
                     markers=host_marker_files(), clock_offset=time.time() - time.monotonic())


def run_batch(case_run, benign_run) -> tuple[RunResult, RunResult]:
    """The hostile and the benign run at once, as two workers of one batch would."""
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="batch") as pool:
        hostile = pool.submit(case_run)
        benign = pool.submit(benign_run)
        return hostile.result(timeout=300), benign.result(timeout=300)


def run(submission_dir: Path, scenario, limits: Limits) -> RunResult:
    return run_submission(load_submission(submission_dir), scenario, limits=limits)


def observations(result: RunResult) -> dict[str, str]:
    assert result.predictions is not None, (result.status, result.message, result.stderr_tail)
    return dict(zip(result.predictions["record_id"], result.predictions["reason"]))


def thread_count() -> int:
    return threading.active_count()
