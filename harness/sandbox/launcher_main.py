"""The sandbox launcher: the small process that forks every run of one harness process.

Forking the harness itself is slow once pandas and pyarrow are imported: the kernel copies the
whole page table, and a run needs code between ``fork`` and ``exec`` (the staging, the uid
switch), so ``vfork`` cannot be used — measured 26-37 ms per run on a loaded machine, against
well under 1 ms for a fork of this process. So each harness process starts this program once
(``launcher.py``), as a bare interpreter (``python -I -S -B``) that imports a few standard modules
and never the harness, and asks it over a unix ``SOCK_SEQPACKET`` socket to start each run.

It runs with the harness's own credentials (root when runs use pool uids). Its life is tied to
the harness: ``PR_SET_PDEATHSIG`` (SIGKILL) armed against the harness thread that started it (one
that lives as long as the harness process), and it exits when the socket's other end closes.

A request is one message: JSON plus descriptors (``SCM_RIGHTS``):

- ``{"op": "spawn", "argv", "env", "cwd", "stage_dir", "stage", "rlimits", "uid", "gid"}`` with
  the descriptors ``[reply, stdin, stdout, stderr, *inherit]``. The launcher forks; the child
  (see :func:`_child`) starts a new session, installs ``stdin, stdout, stderr, *inherit`` as its
  descriptors 0, 1, 2, 3, ... and closes every other one, resets the signals Python ignores,
  changes to ``cwd``, stages the mounts (root only), applies the rlimits, switches to ``uid``,
  arms ``PR_SET_PDEATHSIG`` (SIGKILL when this launcher dies) and ``PR_SET_CHILD_SUBREAPER``, and
  executes ``argv`` with exactly ``env``. The launcher writes ``{"pid": N}`` on ``reply`` at once,
  and ``{"status", "utime", "stime", "maxrss"}`` (its ``wait4``) when the child has exited, then
  closes ``reply``. The harness never waits for the child itself: the launcher reaps it, so its
  pid cannot be reused before the harness has read the exit record.
"""

import ctypes
import fcntl
import json
import os
import resource
import select
import signal
import socket
import sys

_CLONE_NEWNS = 0x00020000
_MS_NOSUID, _MS_NODEV, _MS_NOEXEC = 0x2, 0x4, 0x8
_MS_BIND, _MS_REC, _MS_PRIVATE = 0x1000, 0x4000, 0x40000
_PR_SET_PDEATHSIG = 1
_PR_SET_CHILD_SUBREAPER = 36
_MAX_FDS = 16
_MAX_REQUEST = 1 << 20
_MAX_FD_NUMBER = 0x7FFFFFFF

_libc = ctypes.CDLL(None, use_errno=True)
_libc.unshare.argtypes = [ctypes.c_int]
_libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong,
                        ctypes.c_void_p]
_libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong,
                        ctypes.c_ulong]


def _check(result, what):
    if result != 0:
        number = ctypes.get_errno()
        raise OSError(number, f"{what}: {os.strerror(number)}")


def _stage(stage_dir, jobs):
    """A private mount namespace holding the run's sources at ``stage_dir/<n>``."""
    _check(_libc.unshare(_CLONE_NEWNS), "unshare(CLONE_NEWNS)")
    _check(_libc.mount(b"none", b"/", None, _MS_REC | _MS_PRIVATE, None), "making / private")
    target_dir = os.fsencode(stage_dir)
    _check(_libc.mount(b"arena-stage", target_dir, b"tmpfs", _MS_NOSUID | _MS_NODEV | _MS_NOEXEC,
                       b"mode=0755,size=1m"), f"mounting a tmpfs on {stage_dir}")
    for index, (source, is_dir) in enumerate(jobs):
        target = target_dir + b"/%d" % index
        if is_dir:
            os.mkdir(target, 0o755)
        else:
            os.close(os.open(target, os.O_CREAT | os.O_WRONLY | os.O_CLOEXEC, 0o644))
        _check(_libc.mount(os.fsencode(source), target, None, _MS_BIND, None),
               f"binding {source}")


def _child(request, fds, launcher):
    """In the forked child: prepare, then become ``argv``; never returns."""
    try:
        os.setsid()
        count = len(fds)
        high = [fcntl.fcntl(fd, fcntl.F_DUPFD, count) for fd in fds]
        for target, fd in enumerate(high):
            os.dup2(fd, target)  # inheritable: these are the program's descriptors
        os.closerange(count, _MAX_FD_NUMBER)  # the socket, other runs' pipes, the copies above
        for number in (signal.SIGPIPE, signal.SIGXFSZ, signal.SIGINT, signal.SIGTERM):
            signal.signal(number, signal.SIG_DFL)
        if request.get("cwd"):
            os.chdir(request["cwd"])
        if request.get("stage"):
            _stage(request["stage_dir"], request["stage"])
        for which, soft, hard in request["rlimits"]:
            _, current = resource.getrlimit(which)
            if current != resource.RLIM_INFINITY:  # an unprivileged launcher cannot raise it
                soft, hard = min(soft, current), min(hard, current)
            resource.setrlimit(which, (soft, hard))
        uid, gid = request.get("uid"), request.get("gid")
        if uid is not None:
            os.setgroups([])
            os.setresgid(gid, gid, gid)
            os.setresuid(uid, uid, uid)
        _check(_libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0), "PR_SET_PDEATHSIG")
        _check(_libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), "PR_SET_CHILD_SUBREAPER")
        if os.getppid() != launcher:  # the launcher died before PDEATHSIG was armed
            os._exit(137)
        argv = request["argv"]
        os.execve(argv[0], argv, request["env"])
    except BaseException as exc:  # noqa: BLE001 - report anything, then exit
        try:
            os.write(2, f"arena: preparing the sandbox failed: {exc}\n".encode())
        finally:
            os._exit(127)
    os._exit(127)


def _send(fd, document):
    try:
        os.write(fd, json.dumps(document).encode() + b"\n")
        return True
    except OSError:  # the harness closed its end: it no longer wants the answer
        return False


def main():
    sock_fd, harness = int(sys.argv[1]), int(sys.argv[2])
    _check(_libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0), "PR_SET_PDEATHSIG")
    if os.getppid() != harness:  # the harness died before PDEATHSIG was armed
        return
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # it dies with the harness, not before
    os.chdir("/")  # pin no directory of the harness; a run gets its own working directory
    me = os.getpid()
    sock = socket.socket(fileno=sock_fd)
    poller = select.poll()
    poller.register(sock.fileno(), select.POLLIN)
    children = {}  # pidfd -> (pid, reply fd)
    try:
        while True:
            for fd, _ in poller.poll():
                if fd in children:
                    pid, reply = children[fd]
                    try:
                        found, status, usage = os.wait4(pid, os.WNOHANG)
                    except ChildProcessError:  # cannot happen: only this loop reaps
                        found, record = pid, {"status": None}
                    else:
                        record = {"status": status, "utime": usage.ru_utime,
                                  "stime": usage.ru_stime, "maxrss": usage.ru_maxrss}
                    if found != pid:
                        continue
                    poller.unregister(fd)
                    del children[fd]
                    os.close(fd)
                    _send(reply, record)
                    os.close(reply)
                    continue
                message, fds, flags, _ = socket.recv_fds(sock, _MAX_REQUEST, _MAX_FDS)
                if not message and not fds:
                    return  # the harness is gone
                try:
                    if flags & (socket.MSG_TRUNC | socket.MSG_CTRUNC) or len(fds) < 4:
                        raise ValueError("malformed request")
                    request = json.loads(message)
                    if request.get("op") != "spawn":
                        raise ValueError(f"unknown request {request.get('op')!r}")
                    pid = os.fork()
                    if pid == 0:
                        _child(request, fds[1:], me)
                    try:
                        pidfd = os.pidfd_open(pid)
                    except OSError:
                        os.kill(pid, signal.SIGKILL)
                        os.waitpid(pid, 0)
                        raise
                except Exception as exc:  # noqa: BLE001 - answer, keep serving
                    if fds:
                        _send(fds[0], {"error": f"{type(exc).__name__}: {exc}"})
                    for number in fds:
                        os.close(number)
                    continue
                for number in fds[1:]:
                    os.close(number)
                children[pidfd] = (pid, fds[0])
                poller.register(pidfd, select.POLLIN)
                _send(fds[0], {"pid": pid})
    finally:
        for pidfd, (pid, _) in children.items():
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass


if __name__ == "__main__":
    main()
