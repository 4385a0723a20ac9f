"""Red team, part 2: hostile submissions that try to exhaust the host or confuse the harness.

Bombs, hogs, sleepers and daemons must end with the right status and no process left; floods and
full file systems must stay within their caps; hostile output files (FIFOs, links, huge or
malformed files) must be refused without blocking or following them. Post-conditions are checked
by the ``hostile`` fixture (conftest.py), exactly as in part 1.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from sandbox_redteam import LIMITS, Case  # noqa: E402

from harness.status import RunStatus as S  # noqa: E402

pytestmark = pytest.mark.sandbox
SHORT = LIMITS.replace(wall_s=3, cpu_s=2)
NUMPY_HOG = """
import numpy as np
def detect(point, tables, context):
    chunks = []
    while True:
        chunks.append(np.ones((32 << 20) // 8))  # 32 MiB, touched
"""

CASES = [
    Case("fork-bomb", S.CRASHED, probe="""
        while True:
            try:
                os.fork()
            except OSError:
                pass
    """, finish=False, message="processes and threads, over the limit of 32"),
    # The poll stops it over the limit, or at RLIMIT_NPROC the shell gives up ("Cannot fork"):
    # crashed. On a loaded machine the bomb can also burn out between two polls, leaving the
    # top shell in its `sleep 30` until the wall limit: timeout. Contained every way; the real
    # test is the post-conditions (nothing left, neighbours unaffected).
    Case("shell-fork-bomb", (S.CRASHED, S.TIMEOUT),
         files={"bomb.sh": "b() { b | b & }; b; sleep 30\n"},
         command=("/bin/sh", "bomb.sh")),
    Case("thread-bomb", S.CRASHED, probe="""
        import threading
        threads = []
        while True:
            try:
                thread = threading.Thread(target=time.sleep, args=(60,), daemon=True)
                thread.start()
            except RuntimeError:
                time.sleep(0.01)
    """, finish=False, message="processes and threads, over the limit of 32"),
    Case("memory-hog", S.MEMORY_LIMIT, language="python", files={"model.py": NUMPY_HOG},
         message="over the memory limit of 384 MiB"),
    Case("memory-hog-multiprocess", S.MEMORY_LIMIT, probe="""
        # Five processes of 100 MiB each: every one is under the limit, together they are not.
        for _ in range(5):
            if os.fork() == 0:
                block = bytearray(100 << 20)
                for i in range(0, len(block), 4096):
                    block[i] = 1
                time.sleep(60)
                os._exit(0)
        time.sleep(60)
    """, finish=False, message="over the memory limit of 384 MiB"),
    Case("memory-one-allocation", S.MEMORY_LIMIT, probe="""
        block = bytearray(8 << 30)
    """, finish=False, message="MemoryError"),
    Case("memory-tmpfs-and-shm", S.OK, probe="""
        # /tmp and /dev/shm are capped on their own; writing them full fails with ENOSPC.
        for top in ("/tmp", "/dev/shm"):
            written, error = 0, "none"
            try:
                with open(top + "/fill", "wb") as handle:
                    while True:
                        handle.write(b"x" * (1 << 20))
                        handle.flush()
                        written += 1 << 20
            except OSError as exc:
                error = errname(exc.errno)
            found[top + ":error"] = error
            found[top + ":under-cap"] = written <= 16 << 20
            os.unlink(top + "/fill")
    """, expect={"/tmp:error": "ENOSPC", "/tmp:under-cap": "True",
                 "/dev/shm:error": "ENOSPC", "/dev/shm:under-cap": "True"}),
    Case("cpu-hog", S.TIMEOUT, probe="""
        while True:
            pass
    """, limits=LIMITS.replace(cpu_s=1.5), finish=False, message="CPU"),
    Case("cpu-hog-multiprocess", S.TIMEOUT, probe="""
        for _ in range(3):
            if os.fork() == 0:
                while True:
                    pass
        while True:
            pass
    """, limits=LIMITS.replace(cpu_s=2), finish=False, message="CPU"),
    Case("sleep-forever", S.TIMEOUT, probe="""
        time.sleep(3600)
    """, limits=SHORT, finish=False, message="ran longer than 3 s"),
    Case("orphan-daemon", S.OK, probe="""
        # Double fork + setsid, SIGTERM ignored; the run itself ends normally.
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                signal.signal(signal.SIGTERM, signal.SIG_IGN)
                signal.signal(signal.SIGHUP, signal.SIG_IGN)
                os.execvp("sleep", ["sleep", "3600"])
            os._exit(0)
        os.wait()
        found["daemonised"] = "yes"
    """, expect={"daemonised": "yes"}),
    Case("orphan-daemon-timeout", S.TIMEOUT, probe="""
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                signal.signal(signal.SIGTERM, signal.SIG_IGN)
                while True:
                    time.sleep(1)
            os._exit(0)
        time.sleep(3600)
    """, limits=SHORT, finish=False, message="ran longer than 3 s"),
    Case("fd-exhaustion", S.OK, probe="""
        handles = []
        try:
            while True:
                handles.append(os.open("/dev/null", os.O_RDONLY))
        except OSError as exc:
            found["error"] = errname(exc.errno)
        found["within-limit"] = len(handles) <= 128
        for fd in handles:
            os.close(fd)
    """, expect={"error": "EMFILE", "within-limit": "True"}),
    Case("fill-output", S.OUTPUT_LIMIT, probe="""
        for i in range(100):
            with open(f"{OUT}/part{i}", "wb") as handle:
                handle.write(b"x" * (512 << 10))
        time.sleep(5)
    """, finish=False, message="over the output limit of 2 MiB"),
    Case("many-output-files", S.OUTPUT_LIMIT, probe="""
        for i in range(20000):
            open(f"{OUT}/f{i}", "w").close()
        time.sleep(5)
    """, finish=False, message="created more than 10000 files"),
    Case("huge-output-file", S.OUTPUT_LIMIT, files={"run.sh": """
        head -c 8000000 /dev/zero | tr '\\0' 'a' > "$ARENA_OUTPUT/clues.csv"
    """}, command=("/bin/sh", "run.sh"), message="output limit of 2 MiB"),
    Case("sparse-output-file", S.OUTPUT_LIMIT, probe="""
        # 10 MiB by its size, a few bytes on disk: files count by their size.
        with open(OUT + "/clues.csv", "wb") as handle:
            handle.write(b"record_id\\n")
            handle.seek(10 << 20)
            handle.write(b"P001\\n")
    """, finish=False, message="over the output limit of 2 MiB"),
    Case("file-over-size-rlimit", S.OUTPUT_LIMIT, files={"run.sh": """
        # past RLIMIT_FSIZE a C program dies of SIGXFSZ
        exec dd if=/dev/zero of="$ARENA_OUTPUT/big" bs=1M count=64 status=none
    """}, command=("/bin/sh", "run.sh"), message="output limit of 2 MiB"),
    Case("fifo-output", S.INVALID_OUTPUT, probe="""
        os.mkfifo(OUT + "/clues.csv")
    """, finish=False, message="clues.csv is not a regular file"),
    Case("symlink-output", S.INVALID_OUTPUT, probe="""
        os.symlink(HOST["canary"], OUT + "/clues.csv")
    """, finish=False, message="clues.csv is a symbolic link"),
    Case("symlink-dir-output", S.INVALID_OUTPUT, probe="""
        os.symlink("/", OUT + "/root")
        os.symlink(HOST["scenario"] + "/labels", OUT + "/labels")
        os.mkdir(OUT + "/clues.csv")
    """, finish=False, message="clues.csv"),
    Case("stdout-flood", S.OUTPUT_LIMIT, probe="""
        while True:
            sys.stdout.write("flood " * 1000 + "\\n")
    """, finish=False, message="more than 65536 bytes to stdout and stderr"),
    Case("stderr-flood-with-escapes", S.OUTPUT_LIMIT, probe="""
        while True:
            os.write(2, b"\\x1b]0;pwned\\x07\\x1b[2J\\xff\\xfe\\x00" * 4096)
    """, finish=False, message="more than 65536 bytes to stdout and stderr"),
    Case("output-nan-score", S.INVALID_OUTPUT, files={"run.sh": """
        printf 'record_id,score\\nP001,nan\\n' > "$ARENA_OUTPUT/clues.csv"
    """}, command=("/bin/sh", "run.sh"), message="score 'nan' is not a finite number"),
    Case("output-nul-bytes", S.INVALID_OUTPUT, probe="""
        open(OUT + "/clues.csv", "wb").write(b"record_id\\nP0\\x0001\\n")
    """, finish=False, message="NUL bytes"),
    Case("output-invalid-utf8", S.INVALID_OUTPUT, probe="""
        open(OUT + "/clues.csv", "wb").write(b"record_id\\n\\xff\\xfe\\xc3\\x28\\n")
    """, finish=False, message="is not UTF-8"),
    Case("output-huge-field", S.INVALID_OUTPUT, probe="""
        open(OUT + "/clues.csv", "w").write("record_id\\n\\"" + "x" * 1_500_000 + "\\"\\n")
    """, finish=False, message="not valid CSV"),
    Case("output-deep-nesting", S.INVALID_OUTPUT, language="python", files={"model.py": """
        import pandas as pd
        def detect(point, tables, context):
            nested = []
            for _ in range(100_000):
                nested = [nested]
            return pd.DataFrame({"record_id": [nested, "P001"]})
    """}, message="found a list value"),
    Case("arch-mismatch-syscall", S.CRASHED, probe="""
        import mmap
        # mov eax, 20 (getpid, i386); int 0x80; ret -- an i386 system call from x86_64
        code = b"\\xb8\\x14\\x00\\x00\\x00\\xcd\\x80\\xc3"
        if "x86_64" not in os.uname().machine:
            os.kill(os.getpid(), signal.SIGSYS)
        page = mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
        page.write(code)
        address = ctypes.addressof(ctypes.c_char.from_buffer(page))
        ctypes.CFUNCTYPE(ctypes.c_int)(address)()
    """, finish=False, message="killed by SIGSYS"),
]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_hostile_resources(hostile, case):
    result = hostile(case)
    if case.status is not S.OK:
        assert result.predictions is None
    if case.name == "memory-hog-multiprocess":
        assert result.peak_memory_mb > 300
    if case.name in ("sleep-forever", "orphan-daemon-timeout"):
        assert 3.0 <= result.wall_s < 6.0


def test_case_names_are_unique():
    names = [case.name for case in CASES]
    assert len(names) == len(set(names))
