"""Red team, part 1: hostile submissions that try to see, reach or change what is not theirs.

Each case is one hostile submission with its expected status and observations; the ``hostile``
fixture (conftest.py) runs it through the real harness next to a benign run and then checks that
no process of the sandbox uids is left, the host files, sysctls and clock are unchanged, the
sentinel host process lives and the benign run is ``ok`` with its clue. ``EPERM`` observations on
calls that succeed or fail otherwise without the seccomp filter (``unshare(0)``, ``TIOCSTI`` on a
pipe, ``ptrace(TRACEME)``...) show the filter at work, not just a missing capability.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from sandbox_redteam import LABEL_MARKER, OTHER_MARKER, Case  # noqa: E402

from harness.status import RunStatus  # noqa: E402

pytestmark = pytest.mark.sandbox
OK = RunStatus.OK
DENIED = ("EPERM", "EACCES", "EROFS", "ENOENT")
WRITE_TARGETS = ["/arena/submission/probe.py", "/arena/submission/new", "/arena/input/x",
                 "/arena/input/tables/permits.parquet", "/arena/input/scenario.json",
                 "/arena/x", "/usr/x", "/usr/bin/python3", "/etc/passwd", "/etc/x", "/x",
                 "/proc/sys/kernel/hostname", "/proc/sysrq-trigger", "/proc/1/environ"]

CASES = [
    Case("hunt-labels", OK, probe=f"""
        hits, names = [], []
        skip = ("/proc", "/sys")
        MARK = b"{LABEL_MARKER[:8]}" + b"{LABEL_MARKER[8:]}"  # not in this file as one piece
        INTERPRETER = tuple({{"/usr", sys.prefix, sys.base_prefix, os.path.realpath(sys.prefix),
                              os.path.realpath(sys.base_prefix)}})
        for top in os.listdir("/"):
            if os.path.islink("/" + top):
                continue  # /lib -> usr/lib & co.
            for dirpath, dirs, files in os.walk("/" + top):
                if dirpath.startswith(skip):
                    dirs[:] = []
                    continue
                if dirpath.startswith(INTERPRETER):
                    continue  # the system and interpreter trees: read-only, big, and they
                              # hold library files such as pandas' test_duplicate_labels.py
                for name in files + dirs:
                    if "labels" in name or "answers" in name:
                        names.append(os.path.join(dirpath, name))
                for name in files:
                    path = os.path.join(dirpath, name)
                    if not os.path.isfile(path) or os.path.islink(path):
                        continue  # devices and FIFOs would block
                    try:
                        with open(path, "rb") as handle:
                            if MARK in handle.read(4 << 20):
                                hits.append(path)
                    except OSError:
                        pass
        found["hits"] = hits
        found["label-names"] = names
        for path in [HOST["scenario"] + "/labels", HOST["scenario"] + "/labels/answers.txt",
                     "/arena/input/labels", "/arena/input/../labels"]:
            found["exists:" + path] = os.path.exists(path)
    """, expect={"hits": "[]", "label-names": "[]", "exists:/arena/input/labels": "False",
                 "exists:/arena/input/../labels": "False"}),
    Case("hunt-via-mountinfo", OK, probe=f"""
        # mountinfo names the host source paths (a documented leak); none may be opened.
        leaked = []
        for line in open("/proc/self/mountinfo"):
            source = line.split()[3]
            for base in (source, source + "/../labels", "/proc/1/root" + source + "/../labels"):
                for name in ("answers.txt", "labels.parquet"):
                    try:
                        if b"{LABEL_MARKER[:8]}" + b"{LABEL_MARKER[8:]}" in open(
                                os.path.join(base, name), "rb").read():
                            leaked.append(base)
                    except OSError:
                        pass
        found["leaked"] = leaked
        found["proc1-root"] = sorted(os.listdir("/proc/1/root/arena/input"))
    """, expect={"leaked": "[]", "proc1-root": "['scenario.json', 'tables']"}),
    Case("hunt-other-submissions", OK, probe=f"""
        hits = []
        for path in [HOST["benign"] + "/secret.txt", "/arena/submission/../benign/secret.txt"]:
            try:
                hits.append(open(path).read())
            except OSError:
                pass
        for pid in [p for p in os.listdir("/proc") if p.isdigit()]:
            for what in ("root/arena/submission/secret.txt", "cwd/secret.txt", "environ"):
                try:
                    data = open(f"/proc/{{pid}}/{{what}}", "rb").read()
                    if b"{OTHER_MARKER[:8]}" + b"{OTHER_MARKER[8:]}" in data:
                        hits.append(pid + what)
                except OSError:
                    pass
        found["hits"] = hits
        found["pids"] = len([p for p in os.listdir("/proc") if p.isdigit()])
    """, expect={"hits": "[]", "pids": "1"}),
    Case("hunt-host-paths", OK, probe="""
        for path in ["/root", "/home", "/work", "/work/main/harness", "/run/arena", "/mnt",
                     "/etc/shadow", "/etc/hostname", "/var", "/srv", "/opt", "/sys",
                     "/sys/fs/cgroup", HOST["scenario"], HOST["canary"],
                     "/proc/1/root" + HOST["scenario"]]:
            found["exists:" + path] = os.path.exists(path)
        found["root"] = sorted(os.listdir("/"))
        found["arena"] = sorted(os.listdir("/arena"))
    """, expect={**{f"exists:{p}": "False" for p in ["/home", "/work/main/harness",
                                                     "/run/arena", "/mnt", "/etc/shadow",
                                                     "/etc/hostname", "/var", "/sys"]},
                 "arena": "['input', 'output', 'submission']"}),
    Case("write-outside-output", OK, probe=f"""
        for path in {WRITE_TARGETS!r} + [HOST["canary"], "/proc/1/root" + HOST["canary"]]:
            attempt("write:" + path, write_file, path)
        attempt("write:output", write_file, OUT + "/" + HOST["marker"])
        attempt("write:tmp", write_file, "/tmp/" + HOST["marker"])
        attempt("write:shm", write_file, "/dev/shm/" + HOST["marker"])
        attempt("chmod:submission", os.chmod, "/arena/submission", 0o777)
        attempt("mkdir:/arena/output/../evil", os.mkdir, "/arena/output/../evil")
    """, expect={**{f"write:{p}": DENIED for p in WRITE_TARGETS}, "write:output": "ok",
                 "write:tmp": "ok", "write:shm": "ok", "chmod:submission": DENIED,
                 "mkdir:/arena/output/../evil": DENIED}),
    Case("remount-read-write", OK, probe="""
        MS_REMOUNT, MS_BIND = 0x20, 0x1000
        for target in ["/", "/arena/input", "/usr", "/proc/sys"]:
            call("mount:" + target, "mount", None, target.encode(), None,
                 ctypes.c_ulong(MS_REMOUNT | MS_BIND), None)
        call("mount:tmpfs", "mount", b"none", b"/arena/input", b"tmpfs", ctypes.c_ulong(0), None)
        call("umount:/arena/input", "umount2", b"/arena/input", 0)
        import subprocess
        done = subprocess.run(["mount", "-o", "remount,rw", "/"], capture_output=True)
        found["mount-binary"] = done.returncode
        attempt("write-after", write_file, "/arena/input/scenario.json")
        syscall("fsopen", "fsopen", b"tmpfs", 0)
        syscall("open_tree", "open_tree", -100, b"/", 1)
    """, expect={"mount:/": "EPERM", "mount:/arena/input": "EPERM", "mount:/usr": "EPERM",
                 "mount:/proc/sys": "EPERM", "mount:tmpfs": "EPERM",
                 "umount:/arena/input": "EPERM", "write-after": DENIED, "fsopen": "EPERM",
                 "open_tree": "EPERM"}),
    Case("new-namespaces", OK, probe="""
        call("unshare:0", "unshare", 0)  # harmless without the filter: returns 0
        call("unshare:user", "unshare", 0x10000000)
        call("unshare:net+mnt", "unshare", 0x40000000 | 0x00020000)
        fd = os.open("/proc/self/ns/net", os.O_RDONLY)
        call("setns", "setns", fd, 0)
        syscall("clone:newnet", "clone", ctypes.c_ulong(0x40000000 | 17), 0, 0, 0, 0)
        syscall("clone3", "clone3", None, 0)
        pid = os.fork()  # plain fork (clone without CLONE_NEW*) still works
        if pid == 0:
            os._exit(7)
        found["fork"] = os.waitpid(pid, 0)[1] >> 8
        call("chroot", "chroot", b"/tmp")
    """, expect={"unshare:0": "EPERM", "unshare:user": "EPERM", "unshare:net+mnt": "EPERM",
                 "setns": "EPERM", "clone:newnet": "EPERM", "clone3": "ENOSYS", "fork": "7",
                 "chroot": "EPERM"}),
    Case("privileges", OK, probe="""
        status = dict(line.split(":", 1) for line in open("/proc/self/status"))
        for key in ("CapEff", "CapPrm", "CapBnd", "CapAmb", "NoNewPrivs", "Seccomp"):
            found[key] = status[key].strip()
        found["uid"] = os.getuid()
        attempt("setuid0", os.setuid, 0)
        attempt("setgid0", os.setgid, 0)
        call("sethostname", "sethostname", b"pwned", 5)
        found["hostname"] = socket.gethostname()
    """, expect={"CapEff": "0000000000000000", "CapPrm": "0000000000000000",
                 "CapBnd": "0000000000000000", "CapAmb": "0000000000000000", "NoNewPrivs": "1",
                 "Seccomp": "2", "setuid0": ("EPERM", "EINVAL"), "setgid0": ("EPERM", "EINVAL"),
                 "sethostname": "EPERM", "hostname": "arena"}),
    Case("kernel-interfaces", OK, probe="""
        syscall("io_uring_setup", "io_uring_setup", 1, None)
        syscall("bpf", "bpf", -1, None, 0)
        syscall("perf_event_open", "perf_event_open", None, 0, -1, -1, 0)
        syscall("userfaultfd", "userfaultfd", 1)
        syscall("keyctl", "keyctl", 0, -3, 0)
        syscall("add_key", "add_key", b"user", b"k", b"v", 1, -3)
        syscall("request_key", "request_key", b"user", b"k", None, 0)
        call("personality", "personality", ctypes.c_ulong(0xFFFFFFFF))
        syscall("kcmp", "kcmp", os.getpid(), os.getpid(), 0, 0, 0)
        syscall("name_to_handle_at", "name_to_handle_at", -100, b"/", None, None, 0)
        syscall("init_module", "init_module", None, 0, b"")
        syscall("syslog", "syslog", 3, None, 0)
        if "x86_64" in os.uname().machine:
            call("x32-getpid", "syscall", ctypes.c_long(0x40000000 | 39))
        else:
            found["x32-getpid"] = "EPERM"
    """, expect={name: "EPERM" for name in [
        "io_uring_setup", "bpf", "perf_event_open", "userfaultfd", "keyctl", "add_key",
        "request_key", "personality", "kcmp", "name_to_handle_at", "init_module", "syslog",
        "x32-getpid"]}),
    Case("ptrace-pid1", OK, probe="""
        call("ptrace:traceme", "ptrace", 0, 0, None, None)  # 0 without the filter
        call("ptrace:attach1", "ptrace", 16, 1, None, None)
        child = os.fork()
        if child == 0:
            time.sleep(30)
            os._exit(0)
        call("ptrace:attach-child", "ptrace", 16, child, None, None)
        call("ptrace:seize-child", "ptrace", 0x4206, child, None, None)
        class iovec(ctypes.Structure):
            _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]
        buffer = ctypes.create_string_buffer(64)
        local = iovec(ctypes.cast(buffer, ctypes.c_void_p), 64)
        remote = iovec(ctypes.cast(buffer, ctypes.c_void_p), 64)
        call("process_vm_readv", "process_vm_readv", child, ctypes.byref(local), 1,
             ctypes.byref(remote), 1, 0)
        syscall("pidfd_getfd", "pidfd_getfd", 0, 0, 0)
        os.kill(child, signal.SIGKILL)
        os.waitpid(child, 0)
        found["pid"] = os.getpid()
    """, expect={"ptrace:traceme": "EPERM", "ptrace:attach1": "EPERM",
                 "ptrace:attach-child": "EPERM", "ptrace:seize-child": "EPERM",
                 "process_vm_readv": "EPERM", "pidfd_getfd": "EPERM", "pid": "1"}),
    Case("signals-to-parent", OK, probe="""
        # A child signals everything it can name: its parent (the run's pid 1), every process
        # of the namespace, the host's sentinel and the harness by their host pids.
        child = os.fork()
        if child == 0:
            results = []
            for target in (HOST["sentinel_pid"], HOST["harness_pid"], os.getppid(), 1, -1):
                try:
                    os.kill(target, signal.SIGKILL)
                    results.append("ok")
                except OSError as exc:
                    results.append(errname(exc.errno))
            os._exit(0)  # not reached if kill(-1) took this process too
        found["child"] = os.waitpid(child, 0)[1]
        found["alive"] = "yes"
        found["ppid"] = os.getppid()
    """, expect={"alive": "yes", "ppid": "0", "child": ("0", "9")}),
    Case("tiocsti", OK, probe="""
        TIOCSTI, TIOCLINUX = 0x5412, 0x541C
        char = ctypes.c_char(b"x")
        for fd in (0, 1, 2):
            call(f"tiocsti:{fd}", "ioctl", fd, ctypes.c_ulong(TIOCSTI), ctypes.byref(char))
        call("tiocsti:high-bits", "ioctl", 1, ctypes.c_ulong(0xFFFFFFFF00000000 | TIOCSTI),
             ctypes.byref(char))
        call("tioclinux", "ioctl", 1, ctypes.c_ulong(TIOCLINUX), ctypes.byref(char))
        call("tcgets", "ioctl", 1, ctypes.c_ulong(0x5401), ctypes.create_string_buffer(64))
        attempt("dev-tty", os.open, "/dev/tty", os.O_RDWR)
    """, expect={"tiocsti:0": "EPERM", "tiocsti:1": "EPERM", "tiocsti:2": "EPERM",
                 "tiocsti:high-bits": "EPERM", "tioclinux": "EPERM", "tcgets": "ENOTTY",
                 "dev-tty": ("ENXIO", "ENOENT", "EACCES")}),
    Case("clock-changes", OK, probe="""
        class timespec(ctypes.Structure):
            _fields_ = [("sec", ctypes.c_long), ("nsec", ctypes.c_long)]
        call("clock_settime", "clock_settime", 0, ctypes.byref(timespec(86400, 0)))
        call("settimeofday", "settimeofday", ctypes.byref(timespec(86400, 0)), None)
        timex = ctypes.create_string_buffer(256)
        ctypes.memmove(timex, ctypes.byref(ctypes.c_uint(0x0001)), 4)  # ADJ_OFFSET
        call("adjtimex", "adjtimex", timex)
        call("clock_adjtime", "clock_adjtime", 0, timex)
        attempt("date-binary", lambda: __import__("subprocess").run(
            ["date", "-s", "2000-01-01"], capture_output=True).returncode)
        found["year"] = time.gmtime().tm_year > 2020
    """, expect={"clock_settime": "EPERM", "settimeofday": "EPERM", "adjtimex": "EPERM",
                 "clock_adjtime": "EPERM", "year": "True"}),
    Case("environment-leaks", OK, probe="""
        found["keys"] = " ".join(sorted(os.environ))
        found["pid1-is-self"] = os.getpid() == 1
        everything = b"".join(open(f"/proc/{p}/environ", "rb").read()
                              for p in os.listdir("/proc") if p.isdigit()
                              if os.access(f"/proc/{p}/environ", os.R_OK))
        found["secret"] = b"harness-secret" in everything or b"PYTEST" in everything
        found["cmdline1"] = HOST["scenario"].encode() in open("/proc/1/cmdline", "rb").read()
    """, expect={"keys": "ARENA_INPUT ARENA_OUTPUT ARENA_POINT ARROW_IO_THREADS HOME LANG "
                         "LC_ALL MKL_NUM_THREADS NUMEXPR_NUM_THREADS OMP_NUM_THREADS "
                         "OPENBLAS_NUM_THREADS PATH PWD PYTHONDONTWRITEBYTECODE PYTHONHASHSEED "
                         "PYTHONNOUSERSITE TMPDIR",
                 "pid1-is-self": "True", "secret": "False", "cmdline1": "False"}),
    Case("network-tcp", OK, probe="""
        for host in ["127.0.0.1", "10.0.0.1", "1.1.1.1", "::1"]:
            attempt("tcp:" + host, lambda h=host: socket.create_connection(
                (h, HOST["tcp_port"]), timeout=2).close())
        found["interfaces"] = sorted(name for _, name in socket.if_nameindex())
        attempt("udp", lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(
            b"x", ("1.1.1.1", 53)))
        attempt("raw", socket.socket, socket.AF_INET, socket.SOCK_RAW, 1)
        attempt("packet", socket.socket, 17, socket.SOCK_RAW, 0)
    """, expect={"tcp:127.0.0.1": ("ENETUNREACH", "ECONNREFUSED"),
                 "tcp:10.0.0.1": "ENETUNREACH", "tcp:1.1.1.1": "ENETUNREACH",
                 "tcp:::1": ("ENETUNREACH", "EADDRNOTAVAIL", "ECONNREFUSED"),
                 "interfaces": "['lo']", "udp": "ENETUNREACH",
                 "raw": ("EPERM", "EACCES"), "packet": ("EPERM", "EACCES")}),
    Case("network-dns", OK, probe="""
        try:
            socket.getaddrinfo("example.com", 80)
            found["dns"] = "resolved"
        except socket.gaierror as exc:
            found["dns"] = "gaierror"
        found["resolv.conf"] = os.path.exists("/etc/resolv.conf")
        found["hosts"] = os.path.exists("/etc/hosts")
    """, expect={"dns": "gaierror", "resolv.conf": "False"}),
    Case("network-abstract-unix", OK, probe="""
        client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        attempt("abstract", client.connect, "\\0" + HOST["abstract"])
        attempt("host-socket-dir", os.listdir, "/run")
    """, expect={"abstract": "ECONNREFUSED", "host-socket-dir": "ENOENT"}),
    Case("network-vsock", OK, probe="""
        attempt("vsock-stream", socket.socket, 40, socket.SOCK_STREAM)
        attempt("vsock-dgram", socket.socket, 40, socket.SOCK_DGRAM)
        attempt("unix-ok", lambda: socket.socket(socket.AF_UNIX).close())
    """, expect={"vsock-stream": "EPERM", "vsock-dgram": "EPERM", "unix-ok": "ok"}),
    Case("hard-links", OK, probe="""
        for source in ["/arena/input/scenario.json", "/arena/submission/probe.py",
                       "/usr/bin/python3", "/etc/passwd"]:
            attempt("link:" + source, os.link, source, OUT + "/linked")
        attempt("symlink-then-link", lambda: (os.symlink("/etc/passwd", OUT + "/s"),
                                              os.link(OUT + "/s", OUT + "/t")))
        attempt("link-inside", lambda: (write_file(OUT + "/a"), os.link(OUT + "/a", OUT + "/b")))
    """, expect={"link:/arena/input/scenario.json": ("EXDEV", "EPERM"),
                 "link:/arena/submission/probe.py": ("EXDEV", "EPERM"),
                 "link:/usr/bin/python3": ("EXDEV", "EPERM"),
                 "link:/etc/passwd": ("EXDEV", "EPERM"),
                 "link-inside": "(None, None)"}),
]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_hostile_isolation(hostile, case):
    hostile(case)


def test_case_names_are_unique():
    names = [case.name for case in CASES]
    assert len(names) == len(set(names))
