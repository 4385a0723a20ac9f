"""Starting a run's process tree under rlimits, watching it, and making sure it is dead.

:func:`supervise` starts one command in a new session through the launcher (``launcher.py``: the
child applies the rlimits and the uid before ``exec``), drains its stdout and stderr itself, and polls the whole process tree (found through
``/proc``) every :data:`POLL_S` seconds (a run shorter than that is never sampled; its CPU time
comes from ``wait4``):

- wall time over ``wall_s``, summed CPU time over ``cpu_s``, private resident memory of the tree
  over ``memory_mb``, more than ``processes`` tasks (processes and threads), output files over
  ``output_mb``, or stdout+stderr over ``stream_bytes`` -> the tree is killed with SIGKILL and the
  reason recorded;
- when the command ends, every process of the tree that is still alive is killed too, and
  :func:`supervise` returns only once none is left (when bubblewrap reports that the sandbox's
  PID 1 exited and then exits by itself, the kernel has already killed and reaped the whole PID
  namespace, and nothing needs to be looked for).

Memory is limited in layers. The contract's limit (the whole tree's memory) is enforced by the
poll above on the sum of private resident memory (``RssAnon + RssShmem`` from
``/proc/PID/status``: file-backed pages such as shared libraries are not counted, anonymous shared
memory is counted in every process that maps it), so a fast allocation can overshoot it by what
it touches in one poll interval. ``RLIMIT_DATA`` at :data:`DATA_LIMIT_FACTOR` times the limit plus
:data:`DATA_HEADROOM` (pyarrow's allocator alone reserves about 1 GiB of data mappings once it
has read a table) is a per-process backstop that bounds a single allocation between polls; an
allocation over it raises ``MemoryError`` in Python, which the runner reports with its own exit
code. ``RLIMIT_AS`` is set
:data:`ADDRESS_SPACE_HEADROOM` above that: pandas + pyarrow + duckdb reserve far more address
space than they touch (measured: a pandas job with 490 MiB resident had 1.4 GiB of data mappings
and 2.5 GiB of address space), so address space is only a backstop, never the limit itself.

cgroups are not used: on the machines this was built on, the cgroup hierarchy belongs to the
container runtime and the harness cannot create a child group of its own safely. With a
dedicated uid per run (``uids.py``) ``RLIMIT_NPROC`` caps the tasks of the whole tree together;
memory and CPU of the tree are summed by the poll, and the CPU of reaped children comes from
``wait4``.
"""

from __future__ import annotations

import errno
import json
import os
import resource
import select
import signal
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path

from harness.limits import MIB, Limits
from harness.sandbox.launcher import Setup, spawn
from harness.sandbox.result import STDERR_TAIL_BYTES

__all__ = ["Outcome", "supervise", "rlimits", "POLL_S", "DATA_LIMIT_FACTOR",
           "DATA_HEADROOM", "ADDRESS_SPACE_HEADROOM", "NPROC_FACTOR"]

POLL_S = 0.05
ROOT_GRACE_S = 0.5
OUTPUT_SCAN_S = 0.25
DATA_LIMIT_FACTOR = 3
DATA_HEADROOM = 2 << 30
ADDRESS_SPACE_HEADROOM = 4 << 30
NPROC_FACTOR = 2
MAX_OUTPUT_ENTRIES = 10_000
_PAGE = os.sysconf("SC_PAGE_SIZE")
_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Outcome:
    """What happened to the process tree (not yet a :class:`~harness.status.RunStatus`)."""

    exit_code: int | None  # the command's exit code, 128 + N for signal N (bwrap's convention)
    started: bool  # the sandboxed command was started (bwrap reported its child)
    stop_reason: str | None  # wall | cpu | memory | processes | streams | output_files
    stop_detail: str
    wall_s: float
    cpu_s: float
    peak_memory_mb: float
    stderr_tail: str
    # bubblewrap reported the exit of the sandbox's PID 1 and then exited by itself (the kernel
    # has then killed and reaped every process of the PID namespace)
    pid1_exited: bool = False


def rlimits(limits: Limits, *, nproc: bool) -> list[tuple[int, int, int]]:
    """The run's rlimits as ``(resource, soft, hard)``, applied to bubblewrap and so inherited by
    the whole tree (see the module docstring).

    ``RLIMIT_NPROC`` counts every task of the *real uid*: it is a hard cap only when the run has
    a uid of its own (``nproc``); for the caller's own uid it would count the caller's whole
    session, and for root it is not enforced. It is set at :data:`NPROC_FACTOR` times the limit
    (plus the outer bubblewrap) so that the poll, which enforces the limit itself, sees a
    fork bomb go over it instead of the bomb merely failing to fork.
    """
    cpu = max(1, int(limits.cpu_s + 0.999))
    # One file may fill /tmp but not grow past both caps; the output cap itself is the poll's.
    file_size = max(limits.output_bytes, limits.tmp_bytes) + 1
    data = DATA_LIMIT_FACTOR * limits.memory_bytes + DATA_HEADROOM
    address_space = data + ADDRESS_SPACE_HEADROOM
    values = [
        (resource.RLIMIT_CORE, 0, 0),
        (resource.RLIMIT_CPU, cpu, cpu + 1),
        (resource.RLIMIT_FSIZE, file_size, file_size),
        (resource.RLIMIT_NOFILE, limits.open_files, limits.open_files),
        (resource.RLIMIT_DATA, data, data),
        (resource.RLIMIT_AS, address_space, address_space),
    ]
    if nproc:
        count = NPROC_FACTOR * limits.processes + 1  # + the outer bubblewrap
        values.append((resource.RLIMIT_NPROC, count, count))
    return values


class _Streams:
    """stdout and stderr of the run, read by the supervising loop itself (no threads): counts
    their bytes and keeps the tail of stderr."""

    def __init__(self, stdout_fd: int, stderr_fd: int, cap: int) -> None:
        self.cap = cap
        self.total = 0
        self.overflow = False
        self.stderr_fd = stderr_fd
        self.open = {stdout_fd, stderr_fd}
        self._tail: deque[bytes] = deque()
        self._tail_size = 0

    def read(self, fd: int) -> None:
        try:
            chunk = os.read(fd, 65536)
        except BlockingIOError:
            return
        except OSError:
            chunk = b""
        if not chunk:
            self.open.discard(fd)
            os.close(fd)
            return
        self.total += len(chunk)
        if self.total > self.cap:
            self.overflow = True
        if fd == self.stderr_fd:
            self._tail.append(chunk)
            self._tail_size += len(chunk)
            while self._tail_size - len(self._tail[0]) >= STDERR_TAIL_BYTES:
                self._tail_size -= len(self._tail.popleft())

    def drain(self, timeout: float) -> None:
        """Read until both streams end (every writer is gone) or ``timeout`` passes."""
        deadline = time.monotonic() + timeout
        poller = select.poll()
        for fd in self.open:
            poller.register(fd, select.POLLIN)
        while self.open:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            for fd, _ in poller.poll(left * 1000):
                if fd in self.open:
                    self.read(fd)
                    if fd not in self.open:
                        poller.unregister(fd)

    def close(self) -> str:
        for fd in self.open:
            os.close(fd)
        self.open.clear()
        return b"".join(self._tail)[-STDERR_TAIL_BYTES:].decode("utf-8", "replace")


def _proc_table() -> dict[int, tuple[int, str]]:
    """pid -> (ppid, stat fields after the command name) for every visible process."""
    table = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:  # raw descriptors: this runs every POLL_S over every process of the host
            fd = os.open(f"/proc/{name}/stat", os.O_RDONLY | os.O_CLOEXEC)
        except OSError:
            continue
        try:
            raw = os.read(fd, 4096).decode("ascii", "replace")
        except OSError:
            continue
        finally:
            os.close(fd)
        rest = raw[raw.rfind(")") + 2:].split()
        if len(rest) > 1:
            table[int(name)] = (int(rest[1]), rest)
    return table


def _tree(root: int) -> dict[int, list[str]]:
    """The live processes descending from ``root`` (included), with their stat fields."""
    table = _proc_table()
    children: dict[int, list[int]] = {}
    for pid, (ppid, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    found: dict[int, list[str]] = {}
    stack = [root]
    while stack:
        pid = stack.pop()
        if pid in found or pid not in table:
            continue
        found[pid] = table[pid][1]
        stack.extend(children.get(pid, ()))
    return found


@dataclass
class _Sample:
    cpu_s: float = 0.0
    memory_bytes: int = 0  # sum of RssAnon + RssShmem over the tree (what the limit counts)
    hwm_bytes: int = 0  # the largest peak resident set (VmHWM) of a single process
    tasks: int = 0


_STATUS_KEYS = {b"RssAnon:": "anon", b"RssShmem:": "shmem", b"VmHWM:": "hwm"}


def _sample(tree: dict[int, list[str]]) -> _Sample:
    sample = _Sample()
    for pid, fields in tree.items():
        # fields[0] is stat field 3 (state): utime, stime, cutime, cstime are fields 14-17 and
        # num_threads field 20. cutime/cstime hold the children this process has reaped.
        try:
            ticks = sum(int(fields[i]) for i in (11, 12, 13, 14))
            sample.tasks += int(fields[17])
        except (IndexError, ValueError):
            continue
        sample.cpu_s += ticks / _TICKS
        try:
            with open(f"/proc/{pid}/status", "rb") as handle:
                lines = handle.read().splitlines()
        except OSError:
            continue
        values = {}
        for line in lines:
            parts = line.split()
            if parts and parts[0] in _STATUS_KEYS and len(parts) > 1:
                values[_STATUS_KEYS[parts[0]]] = int(parts[1]) * 1024
        sample.memory_bytes += values.get("anon", 0) + values.get("shmem", 0)
        sample.hwm_bytes = max(sample.hwm_bytes, values.get("hwm", 0))
    return sample


def _output_usage(directory: Path) -> tuple[int, int]:
    """(bytes of regular files, number of entries) under ``directory``, without following links;
    stops counting past MAX_OUTPUT_ENTRIES."""
    total = entries = 0
    stack = [str(directory)]
    while stack and entries <= MAX_OUTPUT_ENTRIES:
        try:
            with os.scandir(stack.pop()) as iterator:
                for entry in iterator:
                    entries += 1
                    try:
                        if entry.is_dir(follow_symlinks=False):
                            stack.append(entry.path)
                        elif entry.is_file(follow_symlinks=False):
                            total += entry.stat(follow_symlinks=False).st_size
                    except OSError:
                        continue
        except OSError:
            continue
    return total, entries


def _kill(pids) -> None:
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def supervise(argv: list[str], *, env: dict[str, str], limits: Limits, output_dir: Path,
              setup: Setup, inherit: tuple[int, ...] = (), status_fd: int | None = None,
              cwd: str | None = None, spare_root: bool = False) -> Outcome:
    """Run ``argv`` to its end (or kill it) under ``limits``; see the module docstring.

    The process is started by the launcher (``launcher.py``), which forks it, applies ``setup``
    in the child before ``exec`` (staging, rlimits, uid) and reaps it; ``inherit`` become its
    descriptors 3, 4, ... in that order. ``status_fd`` is the read end of bwrap's
    ``--json-status-fd`` pipe (None for a plain process, which counts as started).
    ``spare_root``: when a limit is hit, kill the root's descendants first and give the root
    (bubblewrap, which exits once its PID namespace is gone) :data:`ROOT_GRACE_S` to exit on its
    own. Never raises for anything the command does; when the command cannot be started at all,
    the outcome has ``started=False`` and the reason as its stderr.
    """
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    stdin = os.open(os.devnull, os.O_RDONLY | os.O_CLOEXEC)
    start = time.monotonic()
    try:
        child = spawn(argv, env=env, fds=(stdin, out_w, err_w, *inherit), setup=setup, cwd=cwd)
    except OSError as exc:
        os.close(out_r)
        os.close(err_r)
        if status_fd is not None:
            os.close(status_fd)
        return Outcome(exit_code=None, started=False, stop_reason=None, stop_detail="",
                       wall_s=0.0, cpu_s=0.0, peak_memory_mb=0.0,
                       stderr_tail=f"{type(exc).__name__}: {exc}")
    finally:
        os.close(stdin)
        os.close(out_w)
        os.close(err_w)
    root = child.pid
    streams = _Streams(out_r, err_r, limits.stream_bytes)
    poller = select.poll()
    for fd in (out_r, err_r):
        os.set_blocking(fd, False)
        poller.register(fd, select.POLLIN)
    # Readable when the process has exited (the launcher reaped it and wrote its wait4): the
    # loop ends at once instead of at the next tick.
    poller.register(child.fd, select.POLLIN)
    stop_reason: str | None = None
    stop_detail = ""
    peak = _Sample()
    seen: dict[int, str] = {}  # pid -> start time, to never kill a reused pid
    next_sample = start + POLL_S  # a run shorter than one tick never scans /proc
    next_output_scan = start + POLL_S
    kill_root_at: float | None = None
    try:
        while (record := child.exit_record()) is None:
            wait_ms = max(0.0, next_sample - time.monotonic()) * 1000
            for fd, _ in poller.poll(wait_ms):
                if fd in streams.open:
                    streams.read(fd)
                    if fd not in streams.open:
                        poller.unregister(fd)
            now = time.monotonic()
            if stop_reason is None and streams.overflow:
                stop_reason = "streams"
                stop_detail = f"wrote more than {limits.stream_bytes} bytes to stdout and stderr"
                next_sample = now  # kill at once
            if now < next_sample:
                continue
            next_sample = now + POLL_S
            tree = _tree(root)
            seen.update({pid: fields[19] for pid, fields in tree.items() if len(fields) > 19})
            sample = _sample(tree)
            peak.cpu_s = max(peak.cpu_s, sample.cpu_s)
            peak.memory_bytes = max(peak.memory_bytes, sample.memory_bytes)
            peak.hwm_bytes = max(peak.hwm_bytes, sample.hwm_bytes)
            peak.tasks = max(peak.tasks, sample.tasks)
            if stop_reason is None:
                stop_reason, stop_detail = _over_limit(sample, now - start, limits,
                                                       overhead=1 if spare_root else 0)
            if stop_reason is None and now >= next_output_scan:
                next_output_scan = now + OUTPUT_SCAN_S
                size, entries = _output_usage(output_dir)
                if size > limits.output_bytes or entries > MAX_OUTPUT_ENTRIES:
                    stop_reason = "output_files"
                    stop_detail = (f"wrote {size / MIB:.1f} MiB in {entries} files to "
                                   f"$ARENA_OUTPUT, over the output limit of "
                                   f"{limits.output_mb} MiB"
                                   if entries <= MAX_OUTPUT_ENTRIES else
                                   f"created more than {MAX_OUTPUT_ENTRIES} files in "
                                   f"$ARENA_OUTPUT")
            if stop_reason is not None:
                _kill(pid for pid in tree if pid != root)
                if kill_root_at is None:
                    kill_root_at = now + (ROOT_GRACE_S if spare_root else 0.0)
                if now >= kill_root_at:
                    _kill_group(root)
    except BaseException:  # interrupted (KeyboardInterrupt, ...): the run does not outlive us
        _kill(_tree(root))
        _kill_group(root)
        streams.close()
        if status_fd is not None:
            os.close(status_fd)
        raise
    finally:
        child.close()
    wall_s = time.monotonic() - start
    if record.get("status") is None:  # the launcher died, and the process with it
        status, utime, stime, maxrss = signal.SIGKILL, 0.0, 0.0, 0
    else:
        status, utime, stime = record["status"], record["utime"], record["stime"]
        maxrss = record["maxrss"]
    started, exit_code, pid1_exited = _bwrap_status(status_fd, status)
    if not pid1_exited:  # otherwise the kernel has already emptied the sandbox's PID namespace
        _reap_leftovers(root, seen)
    streams.drain(timeout=2.0)
    stderr_tail = streams.close()
    if stop_reason is None and streams.overflow:
        stop_reason = "streams"
        stop_detail = f"wrote more than {limits.stream_bytes} bytes to stdout and stderr"
    cpu_s = max(peak.cpu_s, utime + stime)
    peak_mb = max(peak.memory_bytes, peak.hwm_bytes) / MIB
    peak_mb = max(peak_mb, maxrss / 1024)
    return Outcome(exit_code=exit_code, started=started, stop_reason=stop_reason,
                   stop_detail=stop_detail, wall_s=wall_s, cpu_s=cpu_s, peak_memory_mb=peak_mb,
                   stderr_tail=stderr_tail, pid1_exited=pid1_exited)


def _over_limit(sample: _Sample, elapsed: float, limits: Limits, *,
                overhead: int) -> tuple[str | None, str]:
    """The first limit ``sample`` is over; ``overhead``: tasks of the tree that are not the
    submission's (the outer bubblewrap)."""
    if elapsed > limits.wall_s:
        return "wall", f"ran longer than {limits.wall_s:g} s"
    if sample.cpu_s > limits.cpu_s:
        return "cpu", f"used more than {limits.cpu_s:g} s of CPU"
    if sample.memory_bytes > limits.memory_bytes:
        return "memory", (f"used {sample.memory_bytes / MIB:.0f} MiB, over the memory limit of "
                          f"{limits.memory_mb} MiB")
    if sample.tasks - overhead > limits.processes:
        return "processes", (f"ran {sample.tasks - overhead} processes and threads, over the "
                             f"limit of {limits.processes}")
    return None, ""


def _kill_group(root: int) -> None:
    try:
        os.killpg(root, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    _kill([root])


def _reap_leftovers(root: int, seen: dict[int, str]) -> None:
    """Kill whatever of the tree is still alive (orphans reparented away from ``root``) and wait
    until it is gone: when a run ends, every process it started is dead.

    A pid counts only while its start time is the one seen during the run (pids get reused), or
    when its parent is such a leftover.
    """
    try:
        os.killpg(root, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    deadline = time.monotonic() + 5.0
    seen = {pid: start for pid, start in seen.items() if pid != root}
    while seen and time.monotonic() < deadline:
        table = _proc_table()
        alive = {pid for pid, start in seen.items()
                 if pid in table and _live(table[pid][1]) and table[pid][1][19] == start}
        for pid, (ppid, fields) in table.items():
            if ppid in alive and _live(fields):
                seen[pid] = fields[19]
                alive.add(pid)
        seen = {pid: seen[pid] for pid in alive}
        if not alive:
            return
        _kill(alive)
        time.sleep(0.01)


def _live(fields: list[str]) -> bool:
    """Not a zombie (dead, waiting for its new parent to reap it) and with a start time."""
    return len(fields) > 19 and fields[0] not in ("Z", "X")


def _bwrap_status(status_fd: int | None, wait_status: int) -> tuple[bool, int | None, bool]:
    """(started, exit code, bubblewrap reported PID 1's exit) from bwrap's JSON status pipe."""
    code = os.waitstatus_to_exitcode(wait_status)
    exit_code = code if code >= 0 else 128 - code
    if status_fd is None:
        return True, exit_code, False
    chunks = []
    try:
        os.set_blocking(status_fd, False)
        while True:
            try:
                chunk = os.read(status_fd, 65536)
            except OSError as exc:
                if exc.errno == errno.EAGAIN:
                    break
                raise
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(status_fd)
    started = pid1_exited = False
    for line in b"".join(chunks).decode("utf-8", "replace").splitlines():
        try:
            document = json.loads(line)
        except ValueError:
            continue
        if "child-pid" in document:
            started = True
        if "exit-code" in document:
            exit_code = int(document["exit-code"])
            pid1_exited = True
    # ... and bwrap then exited by itself (it does so only after reaping PID 1)
    return started, exit_code, pid1_exited and os.WIFEXITED(wait_status)
