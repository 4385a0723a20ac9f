"""Starting a run's process through the launcher (``launcher_main.py``): the harness's side.

Each harness process starts one launcher, lazily, the first time it starts a run, and keeps it
for its whole life; a process forked from the harness (a process-pool worker) forgets the
parent's launcher and starts its own. The launcher is started by a daemon thread of its own that
then only waits for it: ``PR_SET_PDEATHSIG`` fires when the *thread* that started a process ends,
so the launcher must not be started by a short-lived worker thread. The thread lives as long as
the harness process, so the launcher dies (SIGKILL) exactly when the harness does, and with it
every run it started (each armed ``PR_SET_PDEATHSIG`` against the launcher, and bubblewrap's
``--die-with-parent`` the rest of the chain). A launcher that died anyway is replaced at the next
request.
"""

from __future__ import annotations

import json
import os
import select
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

__all__ = ["Setup", "Spawned", "LaunchError", "spawn", "LAUNCHER_PATH"]

LAUNCHER_PATH = Path(__file__).resolve().with_name("launcher_main.py")
_START_TIMEOUT_S = 30.0


class LaunchError(OSError):
    """The launcher could not start the process (or could not be started itself)."""


@dataclass(frozen=True)
class Setup:
    """What the child does between ``fork`` and ``exec`` (see ``launcher_main._child``).

    ``stage``: ``(source, is_dir)`` per staged mount, bound onto ``stage_dir/<n>`` in a private
    mount namespace (empty: nothing is staged); ``rlimits``: ``(resource, soft, hard)``; ``uid``
    and ``gid``: the identity to switch to (None: keep the harness's).
    """

    rlimits: Sequence[tuple[int, int, int]] = ()
    stage: Sequence[tuple[str, bool]] = ()
    stage_dir: str = ""
    uid: int | None = None
    gid: int | None = None


@dataclass
class Spawned:
    """A started process: its pid and the pipe its exit record arrives on.

    The launcher is its parent and reaps it; :meth:`exit_record` returns ``{"status", "utime",
    "stime", "maxrss"}`` (``wait4``) once it has exited, and ``{"status": None}`` when the
    launcher died before reporting (the process was then killed with it).
    """

    pid: int
    fd: int
    _buffer: bytes = field(default=b"", repr=False)
    _record: dict | None = field(default=None, repr=False)

    def exit_record(self) -> dict | None:
        """The exit record if it has arrived (never blocks)."""
        if self._record is not None:
            return self._record
        while b"\n" not in self._buffer:
            try:
                chunk = os.read(self.fd, 4096)
            except BlockingIOError:
                return None
            if not chunk:
                self._record = {"status": None}
                return self._record
            self._buffer += chunk
        self._record = json.loads(self._buffer.split(b"\n", 1)[0])
        return self._record

    def wait(self, timeout: float) -> dict | None:
        """Block until the exit record arrives or ``timeout`` passes."""
        deadline = time.monotonic() + timeout
        poller = select.poll()
        poller.register(self.fd, select.POLLIN)
        while (record := self.exit_record()) is None:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            poller.poll(left * 1000)
        return record

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


class _Launcher:
    def __init__(self) -> None:
        self.sock, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.dead = False
        self.error: BaseException | None = None
        started = threading.Event()
        try:
            threading.Thread(target=self._own, args=(theirs.fileno(), started), daemon=True,
                             name="arena-sandbox-launcher").start()
            started.wait()
        finally:
            theirs.close()
        if self.error is not None:
            self.sock.close()
            raise LaunchError(f"cannot start the sandbox launcher: {self.error}")

    def _own(self, fd: int, started: threading.Event) -> None:
        """The launcher's parent thread: starts it, then waits for it for the process's life."""
        try:
            process = subprocess.Popen(
                [sys.executable, "-I", "-S", "-B", str(LAUNCHER_PATH), str(fd), str(os.getpid())],
                pass_fds=(fd,), env={}, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                start_new_session=True)
        except BaseException as exc:  # noqa: BLE001 - handed to the starting thread
            self.error = exc
            started.set()
            return
        started.set()
        process.wait()
        self.dead = True  # the socket is left to the garbage collector: another thread may use it

    def spawn(self, request: dict, fds: Sequence[int]) -> Spawned:
        reply_r, reply_w = os.pipe()
        try:
            try:
                socket.send_fds(self.sock, [json.dumps(request).encode()], [reply_w, *fds])
            finally:
                os.close(reply_w)
            # The first answer comes once the launcher has forked: block for it.
            poller = select.poll()
            poller.register(reply_r, select.POLLIN)
            line = b""
            while b"\n" not in line and poller.poll(_START_TIMEOUT_S * 1000):
                chunk = os.read(reply_r, 4096)
                if not chunk:
                    break
                line += chunk
            if b"\n" not in line:
                raise LaunchError("the sandbox launcher did not answer")
            answer = json.loads(line.split(b"\n", 1)[0])
            if "pid" not in answer:
                raise LaunchError(f"the sandbox launcher could not start the run: "
                                  f"{answer.get('error', answer)}")
            os.set_blocking(reply_r, False)
            return Spawned(pid=int(answer["pid"]), fd=reply_r,
                           _buffer=line.split(b"\n", 1)[1])
        except BaseException:
            os.close(reply_r)
            raise


_lock = threading.Lock()
_current: _Launcher | None = None


def _forget_after_fork() -> None:
    """In a forked child: the parent's launcher is not ours (its thread did not survive)."""
    global _current, _lock
    _lock = threading.Lock()
    if _current is not None:
        try:
            _current.sock.close()
        except OSError:
            pass
    _current = None


os.register_at_fork(after_in_child=_forget_after_fork)


def _launcher() -> _Launcher:
    global _current
    with _lock:
        if _current is None or _current.dead:
            _current = _Launcher()
        return _current


def spawn(argv: Sequence[str], *, env: dict[str, str], fds: Sequence[int], setup: Setup,
          cwd: str | None = None) -> Spawned:
    """Start ``argv`` through this process's launcher; ``fds`` become the child's descriptors
    0, 1, 2, 3, ... in that order (every other descriptor is closed). Raises
    :class:`LaunchError` when the launcher cannot fork; a failure of the child's own preparation
    is written to its descriptor 2 and it exits with 127."""
    request = {"op": "spawn", "argv": [os.fspath(arg) for arg in argv], "env": dict(env),
               "cwd": cwd, "stage": [list(job) for job in setup.stage],
               "stage_dir": setup.stage_dir, "rlimits": [list(r) for r in setup.rlimits],
               "uid": setup.uid, "gid": setup.gid}
    for attempt in range(2):
        launcher = _launcher()
        try:
            return launcher.spawn(request, fds)
        except (BrokenPipeError, ConnectionError, LaunchError, OSError):
            if attempt or not (launcher.dead or _wait_dead(launcher)):
                raise
    raise AssertionError("unreachable")


def _wait_dead(launcher: _Launcher) -> bool:
    """Whether ``launcher`` has died (its thread notices within a moment)."""
    deadline = time.monotonic() + 1.0
    while not launcher.dead and time.monotonic() < deadline:
        time.sleep(0.01)
    return launcher.dead
